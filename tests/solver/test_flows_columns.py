"""``compile_flows(topo, columns)`` reads the loader's columns (``_table_from_columns``)
where every vNIC with traffic is cleanly routable; walking the vNIC objects
(``compile_flows(topo)``) is the reference. Both give the same FlowSet, field for field
(arrays of the same dtype, the same resources with the same ids in the same order, the
same problems): on the bundled examples, generated designs, hand-made designs the fast
path must decline (and then forget the routes it made), regular designs it must take,
random designs full of irregularities and the solver oracle's designs. The command
line, which now loads with the columns, prints the reference's report.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from designer.cli import main
from designer.fileformat.project import (
    ProjectFileError,
    build_topology,
    check_header_and_migrate,
    dumps,
    guest_columns,
    load,
    load_with_columns,
    save,
    to_document,
)
from designer.generate import generate
from designer.model.columns import GuestColumns
from designer.model.elements import VM, CostModel, Link, Network, Nic, Server, Switch, VirtualFunction, VNic
from designer.model.topology import Topology
from designer.solver import flows, solve
from designer.solver.flows import MAX_FABRIC_HOPS, RESOURCE_KINDS, FlowSet, compile_flows

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.rackio"))

# The design rules' equivalence suite (tests/model) has the random designs: reused.
_MODEL_TESTS = str(ROOT / "tests" / "model")
if _MODEL_TESTS not in sys.path:
    sys.path.insert(0, _MODEL_TESTS)
import test_rules_columns  # noqa: E402

irregular_designs = test_rules_columns.irregular_designs
_oracle_designs = test_rules_columns._oracle_designs


# ------------------------------------------------------------------ helpers
def reload(topo: Topology) -> tuple[Topology, GuestColumns | None]:
    """The design as the file loader gives it: written, parsed, built keeping the columns."""
    doc = json.loads(dumps(topo))
    assert doc == json.loads(json.dumps(to_document(topo)))
    keep: dict = {}
    loaded = build_topology(check_header_and_migrate(doc), keep)
    return loaded, guest_columns(loaded, keep)


def assert_same_flowsets(got: FlowSet, want: FlowSet) -> None:
    """Every field equal: arrays by value and dtype, everything else with ``==``."""
    for f in dataclasses.fields(FlowSet):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, np.ndarray) or isinstance(a, np.ndarray):
            assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), f.name
            assert a.dtype == b.dtype, f"{f.name}: dtype {a.dtype} != {b.dtype}"
            assert a.shape == b.shape, f"{f.name}: shape {a.shape} != {b.shape}"
            assert np.array_equal(a, b), f"{f.name}: {a.tolist()} != {b.tolist()}"
        else:
            assert type(a) is type(b), f"{f.name}: {type(a)} != {type(b)}"
            assert a == b, f"{f.name}: {a!r} != {b!r}"


def assert_same_flows(topo: Topology, columns: GuestColumns | None) -> FlowSet:
    """The columns' FlowSet is the objects' one; returns it."""
    want = compile_flows(topo)
    got = compile_flows(topo, columns)
    assert_same_flowsets(got, want)
    return got


@dataclasses.dataclass
class Call:
    taken: bool  # the fast path answered (not None)
    routes_made: int  # port routes it was given before it answered
    asked: int  # port routes it asked for (made or refused)


@pytest.fixture
def spy(monkeypatch) -> list[Call]:
    """Records each call of ``_table_from_columns``: whether it answered, and the routes it made."""
    calls: list[Call] = []
    real = flows._table_from_columns

    def wrapped(columns, nics, server_index, networks, port_route, routes):
        asked: list[bool] = []

        def counting(nic, port, network):
            route = port_route(nic, port, network)
            asked.append(not isinstance(route, str))
            return route

        got = real(columns, nics, server_index, networks, counting, routes)
        calls.append(Call(taken=got is not None, routes_made=sum(asked), asked=len(asked)))
        return got

    monkeypatch.setattr(flows, "_table_from_columns", wrapped)
    return calls


def fast(topo: Topology, columns: GuestColumns | None, spy: list[Call]) -> FlowSet:
    """Same flows, and the fast path really gave them."""
    assert columns is not None, "the bulk loader did not read the design"
    spy.clear()
    got = assert_same_flows(topo, columns)
    assert [c.taken for c in spy] == [True], "the fast path was not taken"
    return got


def declined(topo: Topology, columns: GuestColumns | None, spy: list[Call]) -> tuple[FlowSet, Call]:
    """Same flows, and the fast path was asked and declined."""
    assert columns is not None, "the bulk loader did not read the design"
    spy.clear()
    got = assert_same_flows(topo, columns)
    assert [c.taken for c in spy] == [False], "the fast path did not decline"
    return got, spy[0]


def codes(fs: FlowSet) -> list[str]:
    return [p.code for p in fs.problems]


# -------------------------------------------------------- regular designs
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_bundled_examples(path, spy):
    assert len(EXAMPLES) == 2
    topo, columns = load_with_columns(path)
    got = fast(topo, columns, spy)
    assert got.n_flows > 0


MIXES = [["vf"], ["paravirtual"], ["emulated"], ["passthrough"], ["vf", "paravirtual"],
         ["paravirtual", "emulated"], ["vf", "passthrough"], ["vf", "paravirtual", "emulated", "passthrough"]]


@pytest.mark.parametrize("mix", MIXES, ids="+".join)
@pytest.mark.parametrize("seed", [1, 2, 7])
def test_generated_designs(mix, seed, spy):
    topo, columns = reload(generate(2, 3, 4, mix=mix, seed=seed))
    got = fast(topo, columns, spy)
    assert got.n_flows > 0 and got.routed.all()
    assert {got.mode_name(f) for f in range(got.n_flows)} <= set(mix)


def test_generated_data_centre_row(spy):
    topo, columns = reload(generate(3, 20, 10, mix=["vf", "paravirtual", "emulated"], seed=3))
    got = fast(topo, columns, spy)
    assert len(got.vm_names) == 600 and got.routed.all()


def test_saved_and_loaded_design(tmp_path, spy):
    path = tmp_path / "g.rackio"
    save(generate(3, 4, 5, mix=["vf", "paravirtual", "passthrough"], seed=4), path)
    topo, columns = load_with_columns(path)
    fast(topo, columns, spy)
    assert compile_flows(load(path)).resource_ids == compile_flows(topo, columns).resource_ids


def test_no_columns_without_the_bulk_loader(tmp_path, spy):
    """A file the bulk loader doubts (a VM without ``vnics``) has no columns: the loop alone."""
    doc = to_document(generate(1, 2, 2, seed=1))
    vm = next(e for e in doc["elements"] if e["kind"] == "vm")
    del vm["vnics"]
    path = tmp_path / "doubt.rackio"
    path.write_text(json.dumps(doc), encoding="utf-8")
    topo, columns = load_with_columns(path)
    assert columns is None
    assert_same_flows(topo, columns)
    assert spy == []


# ----------------------------------------------------- hand-made designs
def fabric(*networks: str, switch: str = "tor") -> tuple[list, list[Link]]:
    """Networks, and one switch cabled to each."""
    elements: list = [Network(id=n) for n in networks] + [Switch(id=switch)]
    return elements, [Link(a=switch, b=n, gbps=100.0) for n in networks]


def host(name: str, *, ports: int = 2, vfs: int = 2, uncabled=(), to: str = "tor",
         **nic_fields) -> tuple[list, list[Link]]:
    """A server with one NIC (``<name>n0``) whose ports are cabled to ``to``, and ``vfs`` VFs per port."""
    nic = Nic(id=f"{name}n0", parent=name, ports=ports, **nic_fields)
    elements: list = [Server(id=name), nic]
    elements += [VirtualFunction(id=f"{nic.id}v{p}{k}", parent=nic.id, port=p)
                 for p in range(ports) for k in range(vfs)]
    links = [Link(a=f"{nic.id}:{p}", b=to) for p in range(ports) if p not in uncabled]
    return elements, links


def pv(nic: str, port: int = 0, tx: float = 2.0, rx: float = 3.0, mode: str = "paravirtual", **kw) -> VNic:
    return VNic(mode=mode, nic=nic, port=port, tx_gbps=tx, rx_gbps=rx, **kw)


def vf(vf_id: str | None, tx: float = 2.0, rx: float = 3.0, **kw) -> VNic:
    return VNic(mode="vf", vf=vf_id, tx_gbps=tx, rx_gbps=rx, **kw)


def design(*parts, vms=(), links=(), cost_model=None) -> tuple[Topology, GuestColumns | None]:
    elements: list = []
    all_links: list[Link] = []
    for e, l in parts:
        elements += e
        all_links += l
    elements += list(vms)
    topo = Topology.build(elements, all_links + list(links), cost_model=cost_model, check=False)
    return reload(topo)


def three_hosts(**kw):
    return [fabric("wan"), host("h0"), host("h1", **kw), host("h2")]


def test_unwired_port_in_the_middle(spy):
    """Routes are made for h0 and h1's port 0 before the doubt at h1's uncabled port 1:
    the loop then numbers the resources afresh, and the numbering is still the loop's."""
    topo, columns = design(*three_hosts(uncabled={1}), vms=[
        VM(id="a", parent="h0", vnics=[pv("h0n0", 0), vf("h0n0v10")]),
        VM(id="b", parent="h1", vnics=[pv("h1n0", 0, mode="emulated"), vf("h1n0v10", min_gbps=1.0)]),
        VM(id="c", parent="h2", vnics=[pv("h2n0", 1), vf("h2n0v00")]),
    ])
    got, call = declined(topo, columns, spy)
    assert call.routes_made == 3 and call.asked == 4  # h0:0, h0:1, h1:0 made; h1:1 has no cable
    assert codes(got) == ["port-unwired"] and got.problems[0].element == "h1n0"
    assert got.routed.sum() == got.n_flows - 2  # b's vf vNIC, tx and rx
    assert len(set(got.resource_ids)) == len(got.resource_ids)
    assert got.resource_ids[:4] == ["link:tor--wan:ab", "link:tor--wan:ba", "pcie:h0n0:tx", "pcie:h0n0:rx"]


def test_unwired_port_after_a_later_route_is_met(spy):
    """The doubt comes at the last VM's port: every route but one was already made."""
    topo, columns = design(*three_hosts(), host("h3", uncabled={0}), vms=[
        VM(id=f"m{i}", parent=f"h{i}", vnics=[pv(f"h{i}n0", 0), pv(f"h{i}n0", 1, mode="emulated")])
        for i in range(4)
    ])
    got, call = declined(topo, columns, spy)
    assert call.routes_made == 6 and call.asked == 7
    assert codes(got) == ["port-unwired"]


def test_vnic_on_the_nic_of_another_server(spy):
    topo, columns = design(*three_hosts(), vms=[
        VM(id="a", parent="h0", vnics=[pv("h0n0")]),
        VM(id="b", parent="h1", vnics=[pv("h2n0", 1), pv("h1n0")]),
    ])
    got, call = declined(topo, columns, spy)
    assert call.asked == 0  # decided before any route is asked for
    assert not got.routed[got.vm == got.vm_names.index("b")][:2].any()


def test_vf_of_another_server(spy):
    topo, columns = design(*three_hosts(), vms=[
        VM(id="a", parent="h0", vnics=[vf("h0n0v00")]),
        VM(id="b", parent="h1", vnics=[vf("h0n0v01")]),
    ])
    got, _ = declined(topo, columns, spy)
    assert got.routed.tolist() == [True, True, False, False]


@pytest.mark.parametrize("port", [2, 15])
def test_bad_port(port, spy):
    topo, columns = design(*three_hosts(), vms=[
        VM(id="a", parent="h0", vnics=[pv("h0n0", 1), pv("h0n0", port)]),
    ])
    got, _ = declined(topo, columns, spy)
    assert got.routed.tolist() == [True, True, False, False]


def test_vf_on_a_bad_port(spy):
    parts = three_hosts()
    parts[1][0].append(VirtualFunction(id="odd", parent="h0n0", port=3))
    topo, columns = design(*parts, vms=[VM(id="a", parent="h0", vnics=[vf("h0n0v00"), vf("odd")])])
    got, _ = declined(topo, columns, spy)
    assert got.routed.tolist() == [True, True, False, False]


def test_vnic_without_a_nic(spy):
    topo, columns = design(*three_hosts(), vms=[
        VM(id="a", parent="h0", vnics=[pv("h0n0")]),
        VM(id="b", parent="h1", vnics=[VNic(mode="paravirtual", tx_gbps=1.0)]),
    ])
    got, _ = declined(topo, columns, spy)
    assert codes(got) == ["no-route"] and "not attached to a NIC" in got.problems[0].message


def test_vf_vnic_without_a_vf(spy):
    topo, columns = design(*three_hosts(), vms=[
        VM(id="a", parent="h0", vnics=[vf("h0n0v00"), vf(None, rx=0.0)]),
    ])
    got, _ = declined(topo, columns, spy)
    assert codes(got) == ["no-route"] and "not attached to a VF" in got.problems[0].message
    assert got.n_flows == 3


def test_two_networks_and_a_vnic_without_to(spy):
    topo, columns = design(fabric("wan", "stor"), host("h0"), host("h1"), vms=[
        VM(id="a", parent="h0", vnics=[pv("h0n0", to="wan"), pv("h0n0", 1, to="stor")]),
        VM(id="b", parent="h1", vnics=[pv("h1n0", to="stor"), vf("h1n0v00")]),
    ])
    got, _ = declined(topo, columns, spy)
    assert codes(got) == ["no-route"] and "has 2 networks" in got.problems[0].message


def test_no_network_at_all(spy):
    topo, columns = design(([Switch(id="tor")], []), host("h0"), vms=[
        VM(id="a", parent="h0", vnics=[pv("h0n0")]),
    ])
    got, _ = declined(topo, columns, spy)
    assert codes(got) == ["no-route"] and "has no network" in got.problems[0].message


def test_switch_with_no_path_to_the_network(spy):
    topo, columns = design(fabric("wan"), ([Switch(id="island")], []), host("h0"),
                           host("h1", to="island"), host("h2"), vms=[
        VM(id="a", parent="h0", vnics=[pv("h0n0")]),
        VM(id="b", parent="h1", vnics=[pv("h1n0"), vf("h1n0v10")]),
        VM(id="c", parent="h2", vnics=[pv("h2n0")]),
    ])
    got, call = declined(topo, columns, spy)
    assert call.routes_made == 1 and call.asked == 2
    assert codes(got) == ["no-route", "no-route"] and "no path of switch links" in got.problems[0].message


def test_nic_cabled_to_the_other_network(spy):
    """A NIC port cabled straight to a network the vNIC does not go to: no path."""
    topo, columns = design(fabric("wan", "stor"), host("h0"), host("h1", to="stor"), vms=[
        VM(id="a", parent="h0", vnics=[pv("h0n0", to="stor")]),
        VM(id="b", parent="h1", vnics=[pv("h1n0", to="stor"), pv("h1n0", 1, to="wan")]),
    ])
    got, call = declined(topo, columns, spy)
    assert call.routes_made == 2
    assert codes(got) == ["no-route"]


def test_network_too_many_switches_away(spy):
    chain = [Switch(id=f"s{i}") for i in range(MAX_FABRIC_HOPS + 1)]
    links = [Link(a=f"s{i}", b=f"s{i + 1}") for i in range(MAX_FABRIC_HOPS)] + [Link(a=chain[-1].id, b="wan")]
    topo, columns = design(fabric("wan"), (chain, links), host("h0"), host("h1", to="s0"), vms=[
        VM(id="a", parent="h0", vnics=[pv("h0n0")]),
        VM(id="b", parent="h1", vnics=[pv("h1n0")]),
    ])
    got, _ = declined(topo, columns, spy)
    assert codes(got) == ["no-route"] and "more than the 255" in got.problems[0].message


def test_only_zero_demand(spy):
    """Nothing to route: the fast path has nothing to say, and both give no flows."""
    topo, columns = design(*three_hosts(), vms=[VM(id="a", parent="h0", vnics=[pv("h0n0", tx=0.0, rx=0.0)])])
    got, _ = declined(topo, columns, spy)
    assert got.n_flows == 0 and got.resource_ids == []


# ---------------------------------------- regular variants: the fast path's
def regular_variants() -> dict:
    def two_networks():
        return design(fabric("wan", "stor"), host("h0"), host("h1"), vms=[
            VM(id="a", parent="h0", vnics=[pv("h0n0", to="wan"), pv("h0n0", 1, to="stor"), vf("h0n0v00", to="stor")]),
            VM(id="b", parent="h1", vnics=[vf("h1n0v10", to="wan"), pv("h1n0", to="wan", mode="emulated")]),
        ])

    def zero_demand_mixed_in():
        # Zero-demand vNICs are skipped, even those that could not be routed.
        return design(*three_hosts(uncabled={1}), vms=[
            VM(id="a", parent="h0", vnics=[pv("h0n0", tx=0.0, rx=0.0), pv("h0n0", 1)]),
            VM(id="z", parent="h1", vnics=[pv("h1n0", 1, tx=0.0, rx=0.0), VNic(mode="emulated"),
                                           vf(None, tx=0.0, rx=0.0), pv("h2n0", tx=0.0, rx=0.0)]),
            VM(id="b", parent="h1", vnics=[pv("h1n0", 0, tx=0.0), pv("h1n0", 9, tx=0.0, rx=0.0),
                                           vf("h1n0v00", rx=0.0)]),
            VM(id="c", parent="h2", vnics=[pv("h2n0", tx=0.0, rx=0.0), vf("h2n0v00")]),
        ])

    def vms_without_and_with_three_vnics():
        return design(*three_hosts(), vms=[
            VM(id="e0", parent="h0"),
            VM(id="a", parent="h0", vnics=[pv("h0n0"), vf("h0n0v10"), pv("h0n0", 1, mode="passthrough")]),
            VM(id="e1", parent="h1"),
            VM(id="b", parent="h2", vnics=[vf("h2n0v00"), vf("h2n0v01"), pv("h2n0", 1, mode="emulated")]),
            VM(id="e2", parent="h2"),
        ])

    def nic_throughput_and_rates():
        return design(fabric("wan"), host("h0", throughput_gbps=30.0), host("h1", vf_max_rate=False),
                      host("h2", vf_min_rate=False, vmdq=True), host("h3", vmdq=True, throughput_gbps=12.5), vms=[
            VM(id="a", parent="h0", vnics=[vf("h0n0v00", min_gbps=1.0, max_gbps=4.0), pv("h0n0", 1)]),
            VM(id="b", parent="h1", vnics=[vf("h1n0v00", rx=0.0), vf("h1n0v10", tx=0.0)]),
            VM(id="c", parent="h2", vnics=[vf("h2n0v01"), pv("h2n0", 1, mode="emulated")]),
            VM(id="d", parent="h3", vnics=[pv("h3n0"), pv("h3n0", 1, mode="paravirtual")]),
        ])

    def vf_limits():
        parts = [fabric("wan"), host("h0", vf_max_rate=False), host("h1", vf_min_rate=False), host("h2")]
        for elements, _ in parts[1:]:
            for e in elements:
                if isinstance(e, VirtualFunction):
                    e.min_gbps, e.max_gbps = 1.5, 6.0
        return design(*parts, vms=[
            VM(id=f"m{i}", parent=f"h{i}", vnics=[vf(f"h{i}n0v00", tx=8.0), vf(f"h{i}n0v11", tx=0.5)])
            for i in range(3)
        ])

    def cables_with_gbps():
        elements, links = fabric("wan")
        elements += [Switch(id="core", port_gbps=100.0)]
        links = [Link(a="tor", b="core", gbps=40.0), Link(a="core", b="wan", gbps=400.0, id="up")]
        h0, h0_links = host("h0")
        h0_links = [dataclasses.replace(link, gbps=10.0, id="") for link in h0_links]
        return design((elements, links), (h0, h0_links), host("h1", port_gbps=100.0), vms=[
            VM(id="a", parent="h0", vnics=[pv("h0n0"), vf("h0n0v10")]),
            VM(id="b", parent="h1", vnics=[pv("h1n0", tx=30.0, rx=70.0)]),
        ])

    def parallel_cables_and_direct_network():
        # tor reaches wan through core only, over the parallel cable with the smallest id (z1).
        elements = [Network(id="wan"), Switch(id="tor"), Switch(id="core")]
        links = [Link(a="tor", b="core", id="z2"), Link(a="core", b="tor", id="z1"), Link(a="core", b="wan")]
        return design((elements, links), host("h0"), host("h1", to="wan"), vms=[
            VM(id="a", parent="h0", vnics=[pv("h0n0"), pv("h0n0", 1)]),
            VM(id="b", parent="h1", vnics=[pv("h1n0"), vf("h1n0v10")]),
        ])

    def vnic_fields():
        return design(*three_hosts(), vms=[
            VM(id="a", parent="h0", vnics=[pv("h0n0", weight=2.5, packet_bytes=9000, min_gbps=1.0, max_gbps=2.5),
                                           pv("h0n0", 1, mode="emulated", weight=0.25, packet_bytes=64,
                                              min_gbps=0.5)]),
            VM(id="b", parent="h1", vnics=[vf("h1n0v00", weight=4.0, packet_bytes=65536, min_gbps=3.0,
                                              max_gbps=1.0),  # a VF's rates bind, not the vNIC's
                                           pv("h1n0", 1, mode="passthrough", max_gbps=7.0, weight=1e6)]),
            VM(id="c", parent="h2", vnics=[pv("h2n0", tx=0.5, rx=0.0, min_gbps=40.0)]),  # beyond the port
        ], cost_model=CostModel(core_us_per_packet={"emulated": 9.0, "paravirtual": 0.5, "vf": 0.1,
                                                    "passthrough": 0.0}, vmdq_rx_factor=0.25))

    def interleaved_order():
        """VMs in the file before the servers' NICs, and not grouped by server."""
        parts = three_hosts()
        vms = [VM(id="z", parent="h2", vnics=[pv("h2n0", 1)]), VM(id="y", parent="h0", vnics=[vf("h0n0v11")]),
               VM(id="x", parent="h2", vnics=[vf("h2n0v00"), pv("h2n0", 1)]),
               VM(id="w", parent="h1", vnics=[pv("h1n0")])]
        elements = [e for p in parts for e in p[0]]
        links = [l for p in parts for l in p[1]]
        topo = Topology.build(vms[:2] + elements + vms[2:], links, check=False)
        return reload(topo)

    return {f.__name__: f for f in (two_networks, zero_demand_mixed_in, vms_without_and_with_three_vnics,
                                    nic_throughput_and_rates, vf_limits, cables_with_gbps,
                                    parallel_cables_and_direct_network, vnic_fields, interleaved_order)}


REGULAR = regular_variants()


@pytest.mark.parametrize("name", list(REGULAR))
def test_regular_variants_take_the_fast_path(name, spy):
    topo, columns = REGULAR[name]()
    got = fast(topo, columns, spy)
    assert got.n_flows > 0
    kinds = {RESOURCE_KINDS[k] for k in got.resource_kind.tolist()}
    if name == "nic_throughput_and_rates":
        assert "nic" in kinds and not got.floor_enforced.all()
        assert got.kappa[(got.direction == 1) & (got.kappa > 0)].size
    elif name == "vf_limits":
        assert np.isinf(got.max_gbps[got.server == got.server_ids.index("h0")]).all()
        assert not got.floor_enforced[got.server == got.server_ids.index("h1")].any()
        assert (got.max_gbps[(got.server == got.server_ids.index("h2")) & (got.direction == 0)] == 6.0).all()
    elif name == "cables_with_gbps":
        cap = dict(zip(got.resource_ids, got.capacity.tolist()))
        assert cap["port:h0n0:0:tx"] == 10.0 and cap["link:tor--core:ab"] == 40.0 and cap["link:up:ab"] == 400.0
    elif name == "zero_demand_mixed_in":
        assert got.vm_names == ["a", "b", "c"] and got.n_flows == 6
    elif name == "vms_without_and_with_three_vnics":
        assert got.vm_names == ["a", "b"] and got.vnic_index.tolist() == [0, 0, 1, 1, 2, 2] * 2
    elif name == "vnic_fields":
        assert "guarantee-exceeds-port" in codes(got)
        assert sorted(set(got.weight.tolist())) == [0.25, 1.0, 2.5, 4.0, 1e6]
    elif name == "parallel_cables_and_direct_network":
        assert "link:z1:ba" in got.resource_ids and not any(r.startswith("link:z2") for r in got.resource_ids)
    elif name == "two_networks":
        assert any(r.startswith("link:tor--stor") for r in got.resource_ids)
    assert got.routed.all()


# ---------------------------------------------------------- random designs
GBIT = st.sampled_from([0.0, 0.0, 1.0, 2.5, 7.0, 30.0])


@st.composite
def flow_designs(draw, regular: bool | None = None, wire: bool | None = None) -> Topology:
    """``irregular_designs`` (whose vNICs offer no traffic) with traffic on their vNICs, a
    second network named by some, NIC fields that change routes, and often every NIC port
    wired into a fabric that reaches the networks, so that the fast path is taken as well
    as declined. ``regular``: as ``irregular_designs``; ``wire``: wire every port (None: maybe)."""
    base = draw(irregular_designs(regular))
    elements = list(base.elements.values())
    links = list(base.links.values())
    networks = ["wan"]
    if draw(st.booleans()):
        elements.append(Network(id="lan"))
        networks.append("lan")
    if wire or (wire is None and draw(st.booleans())):
        elements.append(Switch(id="spine"))
        links += [Link(a="spine", b=n, id=f"up-{n}", gbps=draw(st.sampled_from([None, 40.0]))) for n in networks]
        links += [Link(a=sw.id, b="spine", id=f"to-spine-{sw.id}") for sw in base.switches]
        for nic in base.nics:
            for port in range(nic.ports):
                if base.cable_at(nic.id, port) is None and (wire or not draw(st.floats(0, 1)) < 0.05):
                    links.append(Link(a=f"{nic.id}:{port}", b="spine", id=f"w-{nic.id}-{port}",
                                      gbps=draw(st.sampled_from([None, None, 10.0]))))
    for nic in base.nics:
        nic.throughput_gbps = draw(st.sampled_from([0.0, 0.0, 20.0]))
        nic.vmdq = draw(st.booleans())
    for vm in base.vms:
        for vnic in vm.vnics:
            vnic.tx_gbps, vnic.rx_gbps = draw(GBIT), draw(GBIT)
            vnic.weight = draw(st.sampled_from([1.0, 0.5, 3.0]))
            vnic.packet_bytes = draw(st.sampled_from([1500, 64, 9000]))
            vnic.to = draw(st.sampled_from([None, *networks])) if len(networks) > 1 or draw(st.booleans()) else None
    if len(networks) > 1 and (wire or draw(st.booleans())):  # every vNIC names its network: routable
        for vm in base.vms:
            for vnic in vm.vnics:
                vnic.to = vnic.to or draw(st.sampled_from(networks))
    return Topology.build(elements, links, racks=base.racks.values(), check=False)


def same_flows_and_whether_taken(topo: Topology, columns: GuestColumns) -> tuple[FlowSet, bool]:
    """``assert_same_flows``, and whether the fast path answered (asked exactly once). A
    spy without the fixture: hypothesis runs many examples in one test."""
    answers: list = []
    real = flows._table_from_columns

    def record(*args):
        answers.append(real(*args))
        return answers[-1]

    flows._table_from_columns = record
    try:
        got = assert_same_flows(topo, columns)
    finally:
        flows._table_from_columns = real
    assert len(answers) == 1
    return got, answers[0] is not None


def assert_same_flows_and_when_taken(topo: Topology) -> None:
    """Reloaded, the same flows; and the fast path answers exactly when the loop routes
    every flow (there are flows, and none is left unrouted by a problem)."""
    try:
        loaded, columns = reload(topo)
    except ProjectFileError:
        assume(False)
    assume(columns is not None)
    got, taken = same_flows_and_whether_taken(loaded, columns)
    event("fast path " + ("taken" if taken else "declined"))
    assert taken == (got.n_flows > 0 and bool(got.routed.all()))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow_designs())
def test_random_irregular_designs(topo):
    assert_same_flows_and_when_taken(topo)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow_designs(regular=True, wire=True))
def test_random_regular_wired_designs(topo):
    assert_same_flows_and_when_taken(topo)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_oracle_designs())
def test_oracle_designs(doc):
    """Every vNIC of these is cabled and on its own server: the fast path answers when there is traffic."""
    keep: dict = {}
    try:
        topo = build_topology(check_header_and_migrate(json.loads(json.dumps(doc))), keep)
    except ProjectFileError:
        assume(False)
    columns = guest_columns(topo, keep)
    assume(columns is not None)
    got, taken = same_flows_and_whether_taken(topo, columns)
    assert taken == (got.n_flows > 0)


# -------------------------------------------------------------- after edits
def test_columns_do_not_describe_a_design_with_a_vm_added_or_removed(spy):
    topo, columns = reload(generate(1, 3, 3, mix=["vf", "paravirtual"], seed=2))
    assert columns is not None and columns.describes(topo, topo.vms)
    before = assert_same_flows(topo, columns)
    assert [c.taken for c in spy] == [True]

    server, nic = topo.servers[0], topo.nics[0]
    topo.add(VM(id="new", parent=server.id, vnics=[pv(nic.id, tx=4.0, rx=1.0)]))
    assert not columns.describes(topo, topo.vms)
    spy.clear()
    added = assert_same_flows(topo, columns)
    assert spy == []  # not asked: the columns are not of these VMs
    assert "new" in added.vm_names and added.n_flows == before.n_flows + 2

    topo.remove("new")
    topo.remove(topo.vms[0].id)
    assert not columns.describes(topo, topo.vms)
    removed = assert_same_flows(topo, columns)
    assert spy == [] and removed.n_flows < before.n_flows


def test_columns_do_not_describe_a_design_edited_through_its_api(spy):
    """The same VM objects, but a VF removed, a VM's vNICs replaced or a field set: the
    topology's revision has moved, and the objects are read (the columns would be wrong)."""
    def edits(topo):
        vm = next(vm for vm in topo.vms if any(v.mode == "vf" for v in vm.vnics))
        vf_id = next(v.vf for v in vm.vnics if v.mode == "vf")
        yield lambda: topo.remove(vf_id)
        yield lambda: topo.set_vnics(vm.id, [pv(topo.nics_of(vm.parent)[0].id, tx=7.0, rx=0.5)])
        yield lambda: topo.set_field(topo.vfs[0].id, "min_gbps", 0.25)

    for index in range(3):
        topo, columns = reload(generate(1, 3, 3, mix=["vf", "paravirtual"], seed=2))
        assert columns is not None and columns.describes(topo, topo.vms)
        list(edits(topo))[index]()
        assert not columns.describes(topo, topo.vms)
        spy.clear()
        assert_same_flows(topo, columns)
        assert spy == []  # not asked
        # Read all the same, the columns would give the design before the edit.
        stale = dataclasses.replace(columns, revision=topo.revision)
        with pytest.raises(AssertionError):
            assert_same_flows(topo, stale)


# --------------------------------------------------------------------- teeth
def _another_route(table):
    routes = int(table[:, 9].max()) + 1
    assert routes > 1
    table[0, 9] = (table[0, 9] + 1) % routes


def _heavier(table):
    table[0, 7] += 1.0


def _more_rx(table):
    table[0, 4] += 0.5


def _floor_unenforced(table):
    table[-1, 12] = 1.0 - table[-1, 12]


def _other_vm(table):
    table[-1, 0] = 0.0


@pytest.mark.parametrize("perturb", [_another_route, _heavier, _more_rx, _floor_unenforced, _other_vm],
                         ids=lambda f: f.__name__.strip("_"))
def test_the_comparison_catches_a_wrong_fast_path(perturb, monkeypatch):
    """A fast path wrong in one column of one row (route, weight, rx demand, floor
    enforced, VM) would be caught."""
    topo, columns = reload(generate(1, 2, 3, mix=["vf", "paravirtual"], seed=1))
    assert_same_flows(topo, columns)
    real = flows._table_from_columns
    perturbed = []

    def wrong(*args):
        got = real(*args)
        assert got is not None
        table, vm_ids = got
        table = table.copy()
        perturb(table)
        assert not np.array_equal(table, got[0])
        perturbed.append(True)
        return table, vm_ids

    monkeypatch.setattr(flows, "_table_from_columns", wrong)
    with pytest.raises(AssertionError):
        assert_same_flows(topo, columns)
    assert perturbed == [True]


def test_the_comparison_catches_a_wrong_order_or_dtype():
    topo, columns = reload(generate(1, 2, 2, seed=1))
    want = compile_flows(topo)
    with pytest.raises(AssertionError, match="dtype"):
        assert_same_flowsets(dataclasses.replace(want, vm=want.vm.astype(np.int32)), want)
    with pytest.raises(AssertionError, match="resource_ids"):
        assert_same_flowsets(dataclasses.replace(want, resource_ids=want.resource_ids[::-1]), want)
    with pytest.raises(AssertionError, match="vm_names"):
        assert_same_flowsets(dataclasses.replace(want, vm_names=tuple(want.vm_names)), want)
    with pytest.raises(AssertionError, match="problems"):
        assert_same_flowsets(dataclasses.replace(want, problems=want.problems + [None]), want)


# ----------------------------------------------------------------------- CLI
def test_cli_solve_json_is_the_reference_report(tmp_path, capsys, spy):
    path = tmp_path / "dc.rackio"
    save(generate(2, 6, 5, mix=["vf", "paravirtual", "emulated"], seed=9), path)
    assert main(["solve", "--json", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert [c.taken for c in spy] == [True]  # the command line read the columns
    spy.clear()
    want = json.dumps(solve(load(path)).to_report(), indent=2) + "\n"
    assert spy == []  # the reference way: no columns
    assert out == want
    assert json.loads(out)["flows"]


def test_cli_solve_json_when_the_fast_path_declines(tmp_path, capsys, spy):
    topo = generate(1, 3, 2, mix=["paravirtual", "vf"], seed=5)
    link = topo.cable_at(topo.nics[1].id, 0)
    topo.disconnect(link.id)
    path = tmp_path / "unwired.rackio"
    save(topo, path)
    main(["solve", "--json", str(path)])
    out, _ = capsys.readouterr()
    assert [c.taken for c in spy] == [False]
    assert out == json.dumps(solve(load(path)).to_report(), indent=2) + "\n"
    assert "port-unwired" in {p["code"] for p in json.loads(out)["problems"]}

