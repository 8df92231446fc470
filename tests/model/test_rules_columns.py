"""``check_design`` decides the common case for all VFs and all vNICs at once; element by
element (``per_element=True``) is the reference. Both give the same problems, in the same
order, on every design: the bundled examples, generated designs, every design of the rules
tests, and random designs full of irregularities. On a regular design the fast path is
really taken (the element-by-element checks are made to fail if called).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.fileformat.project import load, loads
from designer.generate import generate
from designer.model import rules
from designer.model.elements import VM, Link, Network, Nic, Rack, Server, Switch, VirtualFunction, VNic
from designer.model.topology import Topology

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.rackio"))
check_design = rules.check_design  # the real one, whatever a test patches


def assert_same(topo: Topology) -> list[rules.Problem]:
    """The fast path gives the reference's problems."""
    want = check_design(topo, per_element=True)
    assert check_design(topo) == want
    return want


def fail(*args, **kwargs):
    raise AssertionError("the element-by-element path was taken")


@pytest.fixture
def fast_only(monkeypatch):
    """Make the element-by-element checks fail: for designs the fast path decides alone."""
    def run(topo: Topology) -> list[rules.Problem]:
        want = check_design(topo, per_element=True)
        with monkeypatch.context() as patch:
            patch.setattr(rules, "_vf_rules_by_element", fail)
            patch.setattr(rules, "_vnic_rules_by_element", fail)
            assert check_design(topo) == want
        return want
    return run


# ------------------------------------------------------------ fixed designs
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_bundled_examples(path, fast_only):
    assert EXAMPLES
    fast_only(load(path))


@pytest.mark.parametrize("mix", [["vf", "paravirtual"], ["vf"], ["paravirtual", "emulated"],
                                 ["vf", "paravirtual", "emulated"]])
@pytest.mark.parametrize("seed", [1, 2, 7])
def test_generated_designs_take_the_fast_path(mix, seed, fast_only):
    topo = generate(2, 3, 4, mix=mix, seed=seed)
    assert topo.vms and fast_only(topo) == []


@pytest.mark.parametrize("seed", [1, 3])
def test_generated_designs_with_passthrough(seed):
    assert_same(generate(2, 3, 4, mix=["vf", "paravirtual", "passthrough"], seed=seed))


def test_saved_and_loaded_generated_design(tmp_path, fast_only):
    """A design as the command line sees it: loaded from a file, its strings all distinct."""
    from designer.fileformat.project import save

    path = tmp_path / "g.rackio"
    save(generate(3, 4, 5, seed=4), path)
    fast_only(load(path))


def test_irregular_vfs_stay_on_the_fast_path(fast_only):
    """VF problems are found VF by VF inside the fast path: no fall-back for them."""
    topo = generate(1, 2, 2, mix=["vf"], seed=5)
    nic = topo.nics[0]
    vf = topo.vfs_of(nic.id)[0]
    vf.min_gbps, vf.max_gbps = 9.0, 2.0  # floor above cap
    nic.max_vfs = 0  # vf-limit
    nic.max_vfs_per_port = 1
    other = topo.nics[1]
    other.sriov = False  # sriov-disabled
    other.vf_min_rate = False
    for v in topo.vfs_of(other.id):
        v.min_gbps, v.port = 1.0, 7  # guarantee-unsupported, bad-port
    codes = {p.code for p in fast_only(topo)}
    assert {"floor-above-cap", "vf-limit", "sriov-disabled", "guarantee-unsupported", "bad-port"} <= codes


def test_the_comparison_fails_when_the_paths_disagree(monkeypatch):
    """The tests above have teeth: a fast path that passed every vNIC as regular, or
    missed a VF problem, would be caught."""
    topo = generate(1, 1, 2, mix=["paravirtual"], seed=1)
    vm = topo.vms[0]
    topo.set_vnics(vm.id, [VNic(mode="paravirtual", nic=topo.nics[0].id, port=9)])
    assert [p.code for p in check_design(topo, per_element=True)] == ["bad-port"]
    monkeypatch.setattr(rules, "_vnic_rules", lambda *args: {})  # "every vNIC is regular"
    with pytest.raises(AssertionError):
        assert_same(topo)


def test_the_comparison_fails_when_vf_problems_are_missed(monkeypatch):
    topo = generate(1, 1, 2, mix=["vf"], seed=1)
    topo.vfs[0].port = 9
    assert "bad-port" in [p.code for p in check_design(topo, per_element=True)]
    nics = {nic.id: nic for nic in topo.nics}
    # A fast path that took every VF as regular:
    monkeypatch.setattr(rules, "_vf_rules", lambda elements, vfs, found, loaded=None: (nics, [vf.parent for vf in vfs]))
    with pytest.raises(AssertionError):
        assert_same(topo)


def test_broken_references_fail_as_before():
    """A vNIC naming a missing VF, a VF outside a NIC: both paths fail alike."""
    t = Topology.build([Server(id="h"), Nic(id="n", parent="h"), VirtualFunction(id="v", parent="h"),
                        VM(id="m", parent="h", vnics=[VNic(mode="vf", vf="v")])], check=False)
    for kwargs in ({"per_element": True}, {}):
        with pytest.raises(AssertionError):
            check_design(t, **kwargs)
    t = Topology.build([Server(id="h"), Nic(id="n", parent="h"),
                        VM(id="m", parent="h", vnics=[VNic(mode="vf", vf="gone")])], check=False)
    for kwargs in ({"per_element": True}, {}):
        with pytest.raises(KeyError):
            check_design(t, **kwargs)


# --------------------------------------------------- the rules tests' designs
def _rules_tests():
    import test_rules  # tests/model is on sys.path while this module is collected

    return test_rules, [(name, f) for name, f in sorted(vars(test_rules).items())
                        if name.startswith("test_") and callable(f)]


RULES_MODULE, RULES_TESTS = _rules_tests()


@pytest.mark.parametrize("name", [name for name, _ in RULES_TESTS])
def test_every_design_of_the_rules_tests(name, monkeypatch):
    """Each rules test runs with ``check_design`` (its own and the solver's) comparing the
    two paths on every design it checks."""
    checked = []

    def both(topo, *args, **kwargs):
        checked.append(topo)
        return assert_same(topo)

    monkeypatch.setattr(RULES_MODULE, "check_design", both)
    monkeypatch.setattr(sys.modules["designer.solver.solve"], "check_design", both)
    test = dict(RULES_TESTS)[name]
    marks = [m for m in getattr(test, "pytestmark", []) if m.name == "parametrize"]
    if marks:
        names = [n.strip() for n in marks[0].args[0].split(",")]
        for values in marks[0].args[1]:
            test(**dict(zip(names, values if len(names) > 1 else (values,))))
    else:
        test()
    if name != "test_rules_are_listed_with_severities":
        assert checked, "the test checked no design"


# ----------------------------------------------------------- random designs
IDS = st.sampled_from


@st.composite
def irregular_designs(draw, regular: bool | None = None) -> Topology:
    """Servers, NICs, VFs, VMs, switches, cables and racks with every irregularity the
    rules know, each drawn often enough to meet the others; or, ``regular``, none of the
    VF and vNIC ones (each VF and vNIC then in the common case)."""
    if regular is None:
        regular = draw(st.booleans())

    def odd(p: float = 0.25) -> bool:
        return not regular and draw(st.floats(0, 1)) < p

    elements: list = [Network(id="wan")]
    racks = [Rack(id=f"r{i}", height_u=draw(st.integers(2, 6))) for i in range(draw(st.integers(0, 2)))]
    servers, nics, vfs = [], [], []
    for s in range(draw(st.integers(1, 3))):
        placed = racks and draw(st.booleans())
        server = Server(id=f"h{s}", iommu=not odd(0.4),
                        rack=draw(IDS(racks)).id if placed else None,
                        rack_u=draw(st.integers(1, 6)) if placed else None, height_u=draw(st.integers(1, 2)))
        elements.append(server)
        servers.append(server)
        for k in range(draw(st.integers(1, 2))):
            nic = Nic(id=f"h{s}n{k}", parent=server.id, ports=draw(st.integers(1, 3)), sriov=not odd(),
                      vf_min_rate=not odd(), vf_max_rate=not odd(),
                      max_vfs=draw(st.integers(0, 4)) if odd(0.4) else 64,
                      max_vfs_per_port=draw(st.integers(1, 2)) if odd(0.3) else 0)
            elements.append(nic)
            nics.append(nic)
            for v in range(draw(st.integers(0, 4))):
                low, high = (draw(IDS([0.0, 1.0, 5.0])), draw(IDS([0.0, 2.0, 10.0])))
                if not regular or low <= high or high == 0:
                    vf = VirtualFunction(id=f"{nic.id}v{v}", parent=nic.id,
                                         port=draw(st.integers(0, nic.ports + 1)) if odd() else 0,
                                         min_gbps=low if (nic.vf_min_rate or odd()) else 0.0,
                                         max_gbps=high if (nic.vf_max_rate or odd()) else 0.0)
                    elements.append(vf)
                    vfs.append(vf)
    free_vfs = list(vfs)
    for m in range(draw(st.integers(0, 6))):
        server = draw(IDS(servers))
        vnics = []
        for _ in range(draw(st.integers(0, 3))):
            mode = draw(IDS(["vf", "vf", "paravirtual", "emulated", "passthrough"]))
            if mode == "passthrough" and regular:
                mode = "emulated"
            low, high = draw(IDS([0.0, 1.0, 5.0])), draw(IDS([0.0, 2.0, 10.0]))
            if regular and mode != "vf" and high and low > high:
                low = 0.0
            if mode == "vf":
                own = [vf for vf in free_vfs if vf.parent.startswith(server.id + "n")]
                pool = vfs if odd(0.4) else own
                vf_id = draw(IDS(pool)).id if pool and not odd(0.1) else None
                if regular and vf_id is None:
                    continue
                if vf_id in {vf.id for vf in free_vfs}:
                    free_vfs = [vf for vf in free_vfs if vf.id != vf_id]
                vnics.append(VNic(mode=mode, vf=vf_id, min_gbps=low, max_gbps=high))
            else:
                own = [nic for nic in nics if nic.parent == server.id]
                nic = draw(IDS(nics if odd(0.3) else own))
                vnics.append(VNic(mode=mode, nic=None if odd(0.1) else nic.id,
                                  port=draw(st.integers(0, nic.ports + 1)) if odd() else 0,
                                  min_gbps=low, max_gbps=high))
        elements.append(VM(id=f"m{m}", parent=server.id, vnics=vnics))
    switches = []
    for w in range(draw(st.integers(0, 2))):
        placed = racks and draw(st.booleans())
        switch = Switch(id=f"sw{w}", ports=draw(st.integers(1, 4)) if odd() else 48,
                        rack=draw(IDS(racks)).id if placed else None,
                        rack_u=draw(st.integers(1, 6)) if placed else None)
        elements.append(switch)
        switches.append(switch)
    links = []
    if switches:
        for nic in nics:
            for port in range(nic.ports):
                if draw(st.booleans()):
                    links.append(Link(a=f"{nic.id}:{port}", b=draw(IDS(switches)).id, id=f"c{len(links)}"))
        for _ in range(draw(st.integers(0, 3))):
            a, b = draw(IDS(switches)).id, draw(IDS(["wan"] + [s.id for s in switches]))
            if a != b:
                links.append(Link(a=a, b=b, id=f"c{len(links)}"))
    if draw(st.booleans()):  # the rules' own order, not the element order of a file, matters
        elements = draw(st.permutations(elements))
    return Topology.build(elements, links, racks=racks, check=False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(irregular_designs())
def test_random_designs(topo):
    assert_same(topo)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(irregular_designs(regular=True))
def test_random_regular_designs_take_the_fast_path(topo):
    want = check_design(topo, per_element=True)
    saved = rules._vf_rules_by_element, rules._vnic_rules_by_element
    rules._vf_rules_by_element = rules._vnic_rules_by_element = fail
    try:
        assert check_design(topo) == want
    finally:
        rules._vf_rules_by_element, rules._vnic_rules_by_element = saved


def _oracle_designs():
    """The solver oracle's random design documents (tests/solver), reused."""
    here = str(ROOT / "tests" / "solver")
    if here not in sys.path:
        sys.path.insert(0, here)
    import test_allocate_oracle

    return test_allocate_oracle.designs()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_oracle_designs())
def test_oracle_designs(doc):
    assert_same(loads(json.dumps(doc)))


# -------------------------------------------------- with the loader's columns
def reload_with_columns(topo: Topology):
    """The design as ``rackio solve`` has it: written, read back keeping the loader's columns."""
    from designer.fileformat.project import build_topology, check_header_and_migrate, dumps, guest_columns

    keep: dict = {}
    loaded = build_topology(check_header_and_migrate(json.loads(dumps(topo))), keep)
    return loaded, guest_columns(loaded, keep)


def assert_same_with_columns(topo: Topology, columns) -> list[rules.Problem]:
    want = check_design(topo, per_element=True)
    assert check_design(topo, columns=columns) == want
    return want


@pytest.mark.parametrize("mix", [["vf", "paravirtual"], ["vf"], ["vf", "paravirtual", "emulated", "passthrough"]])
def test_generated_designs_with_the_loaders_columns(mix, fast_only, monkeypatch):
    """The VFs' fields come from the columns (the objects' are made unreadable to the
    fast path), with the reference's problems."""
    topo, columns = reload_with_columns(generate(2, 3, 4, mix=mix, seed=3))
    assert columns is not None and columns.vf
    want = check_design(topo, per_element=True)
    with monkeypatch.context() as patch:
        patch.setattr(rules, "_PARENT", fail)
        patch.setattr(rules, "_PORT", fail)
        patch.setattr(rules, "_MAX", fail)
        patch.setattr(rules, "_MIN", fail)
        assert check_design(topo, columns=columns) == want


def test_columns_of_an_edited_design_are_not_read():
    """After an edit through the API the VFs are read from the objects again: a VF's
    guarantee raised above its cap is found, which the columns (read before) would miss."""
    topo, columns = reload_with_columns(generate(1, 2, 3, mix=["vf"], seed=2))
    vf = topo.vfs[0]
    topo.set_field(vf.id, "max_gbps", 1.0)
    topo.set_field(vf.id, "min_gbps", 5.0)
    problems = assert_same_with_columns(topo, columns)
    assert ("floor-above-cap", vf.id) in {(p.code, p.element) for p in problems}
    stale = __import__("dataclasses").replace(columns, revision=topo.revision)
    assert check_design(topo, columns=stale) != problems  # read all the same, they would miss it


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(irregular_designs())
def test_random_designs_with_the_loaders_columns(topo):
    from hypothesis import assume

    from designer.fileformat import ProjectFileError

    try:
        loaded, columns = reload_with_columns(topo)
    except ProjectFileError:
        assume(False)
    assume(columns is not None)
    assert_same_with_columns(loaded, columns)
