"""Routing column by column (``flows._routed_vnics``, the common case of a design where every
loaded vNIC routes) gives exactly the FlowSet of the vNIC-by-vNIC table, and declines every
design where a vNIC does not certainly route (the table then names the problem)."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

from designer.fileformat import load
from designer.generate import generate
from designer.model.elements import VNic
from designer.solver import flows
from designer.solver.flows import compile_flows

ROOT = Path(__file__).resolve().parents[2]
MIXES = (["vf", "paravirtual"], ["passthrough", "emulated", "vf"], ["emulated"], ["vf"])


def by_table(topo, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(flows, "_routed_vnics", lambda *args: None)
        return compile_flows(topo)


def same(a, b) -> None:
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y), f.name
        else:
            assert x == y, f.name


def taken(topo) -> bool:
    """Whether the column path routes this design (a spy on its answer)."""
    answers = []
    real = flows._routed_vnics

    def spy(*args):
        answers.append(real(*args))
        return answers[-1]

    flows._routed_vnics = spy
    try:
        compile_flows(topo)
    finally:
        flows._routed_vnics = real
    return answers[0] is not None


def designs():
    out = [load(p) for p in sorted((ROOT / "resources" / "examples").glob("*.rackio"))]
    out += [generate(3, 4, 5, mix=mix, seed=seed) for seed, mix in enumerate(MIXES)]
    return out


@pytest.mark.parametrize("index", range(len(designs())))
def test_columns_give_the_table_s_flows(index, monkeypatch):
    topo = designs()[index]
    assert taken(topo), "a design whose vNICs all route takes the column path"
    same(compile_flows(topo), by_table(topo, monkeypatch))


def edited(change):
    topo = generate(2, 3, 4, mix=["vf", "paravirtual", "emulated"], seed=7)
    change(topo)
    return topo


def first_vm(topo, mode=None):
    return next(vm for vm in topo.vms if mode is None or vm.vnics[0].mode == mode)


def set_vnic(mode, **values):
    def change(topo):
        vm = first_vm(topo, mode)
        vm.vnics[0] = replace(vm.vnics[0], **values)
    return change


def other_server_nic(topo):
    vm = first_vm(topo, "paravirtual")
    vm.vnics[0].nic = next(n.id for n in topo.nics if n.parent != vm.parent)


def unwire(topo):
    link = next(link for link in topo.links.values() if ":" in link.a)
    topo.disconnect(link.id)


def second_network(topo):
    from designer.model.elements import Network
    topo.add(Network(id="san"))


def some_idle(topo):
    for vm in topo.vms[::3]:
        vm.vnics[0].tx_gbps = vm.vnics[0].rx_gbps = 0.0
    topo.vms[1].vnics[0].rx_gbps = 0.0
    topo.vms[2].vnics.append(VNic(mode="paravirtual", nic=topo.nics_of(topo.vms[2].parent)[0].id, port=1,
                                  tx_gbps=0.5, to="wan"))


def named_network(topo):
    for vm in topo.vms[::2]:
        vm.vnics[0].to = "wan"


def unenforced(topo):
    nic = topo.nics[0]
    nic.vf_min_rate = nic.vf_max_rate = False
    nic.vmdq = True
    nic.throughput_gbps = 30.0


# What the column path declines (the table names a problem or skips a vNIC), and designs
# it takes in less common forms.
DECLINED = {
    "no-device": set_vnic("paravirtual", nic=None),
    "vf-missing": set_vnic("vf", vf=None),
    "foreign-nic": other_server_nic,
    "bad-port": set_vnic("paravirtual", port=5),
    "unwired": unwire,
    "no-destination": second_network,
}
TAKEN = {
    "some-idle": some_idle,
    "named-network": named_network,
    "unenforced-driver-and-vmdq": unenforced,
}


@pytest.mark.parametrize("case", list(DECLINED))
def test_a_vnic_that_does_not_certainly_route_goes_to_the_table(case, monkeypatch):
    topo = edited(DECLINED[case])
    assert not taken(topo)
    same(compile_flows(topo), by_table(topo, monkeypatch))


@pytest.mark.parametrize("case", list(TAKEN))
def test_less_common_designs_give_the_table_s_flows(case, monkeypatch):
    topo = edited(TAKEN[case])
    assert taken(topo)
    same(compile_flows(topo), by_table(topo, monkeypatch))
