"""End-to-end cases: a project document → ``fileformat.loads`` → ``solve`` → report.

Every expected number is worked out by hand in the comments from SPEC §3–§5; none
is copied from solver output.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from designer.fileformat import loads
from designer.solver import solve

PV_KAPPA = 1.5 * 125 / 1500  # paravirtual, 1500 B: 0.125 cores per Gbit/s → 8 Gbit/s per core
EMU_KAPPA = 7.5 * 125 / 1500  # emulated, 1500 B: 0.625 cores per Gbit/s → 1.6 Gbit/s per core
TOL = 1e-6


def project(elements, links, **extra) -> dict:
    return {"format": "rackio-project", "version": 1, "elements": elements, "links": links, **extra}


def report_of(doc: dict, scale: float | None = None) -> dict:
    topo = loads(json.dumps(doc))
    sol = solve(topo) if scale is None else solve(topo, scale=scale)
    return sol.to_report()


def flows_by_id(rep: dict) -> dict[str, dict]:
    return {f["id"]: f for f in rep["flows"]}


def resources_by_id(rep: dict) -> dict[str, dict]:
    return {r["id"]: r for r in rep["resources"]}


def servers_by_id(rep: dict) -> dict[str, dict]:
    return {s["id"]: s for s in rep["servers"]}


def problems_of(rep: dict, code: str) -> list[dict]:
    return [p for p in rep["problems"] if p["code"] == code]


def codes(rep: dict) -> set[str]:
    return {p["code"] for p in rep["problems"]}


# ------------------------------------------------------------------ SPEC §7
SPEC_EXAMPLE = json.loads((Path(__file__).resolve().parent.parent / "spec_example.json").read_text(encoding="utf-8"))


def test_spec_example():
    rep = report_of(copy.deepcopy(SPEC_EXAMPLE))
    flows = flows_by_id(rep)
    assert set(flows) == {"mail/0/tx", "mail/0/rx", "web/0/tx"}
    # Port tx 10 G (min(10, 25)). mail sits at its floor 5 while web rises; they meet at
    # t = 5: 5 + 5 = 10, the port saturates. web costs 5 × 0.125 = 0.625 cores < 2.
    mail_tx, mail_rx, web_tx = flows["mail/0/tx"], flows["mail/0/rx"], flows["web/0/tx"]
    assert mail_tx["rate_gbps"] == pytest.approx(5.0, abs=TOL)
    assert mail_tx["bottleneck"] == "port:h1n0:0:tx"
    assert mail_tx["floor_gbps"] == 5 and mail_tx["cap_gbps"] == 8 and mail_tx["demand_gbps"] == 8
    assert mail_tx["floor_met"] is True
    assert mail_tx["mode"] == "vf" and mail_tx["direction"] == "tx" and mail_tx["vm"] == "mail"
    assert mail_tx["vnic"] == 0
    assert mail_tx["path"] == ["pcie:h1n0:tx", "port:h1n0:0:tx", "link:tor--wan:ab"]
    assert web_tx["rate_gbps"] == pytest.approx(5.0, abs=TOL)
    assert web_tx["bottleneck"] == "port:h1n0:0:tx"
    assert web_tx["path"][0] == "vmm:h1"
    assert web_tx["path"] == ["vmm:h1", "pcie:h1n0:tx", "port:h1n0:0:tx", "link:tor--wan:ab"]
    # rx: no floor, no cap but the demand; nothing else on the rx side → full 2.0.
    assert mail_rx["rate_gbps"] == pytest.approx(2.0, abs=TOL)
    assert mail_rx["bottleneck"] is None
    assert mail_rx["path"] == ["link:tor--wan:ba", "port:h1n0:0:rx", "pcie:h1n0:rx"]
    assert mail_rx["floor_gbps"] == 0

    server = servers_by_id(rep)["h1"]
    assert server["vmm_cores"] == pytest.approx(0.625, abs=TOL)
    assert server["vmm_capacity_cores"] == 2
    assert server["vmm_utilization"] == pytest.approx(0.3125, abs=TOL)

    res = resources_by_id(rep)
    port = res["port:h1n0:0:tx"]
    assert port["kind"] == "port" and port["capacity"] == 10
    assert port["load"] == pytest.approx(10.0, abs=TOL)
    assert port["utilization"] == pytest.approx(1.0, abs=TOL)
    assert port["reserved"] == 5 and port["saturated"] is True
    # Every resource on any route is listed.
    assert set(res) == {"vmm:h1", "pcie:h1n0:tx", "pcie:h1n0:rx", "port:h1n0:0:tx", "port:h1n0:0:rx",
                        "link:tor--wan:ab", "link:tor--wan:ba"}
    assert res["vmm:h1"]["load"] == pytest.approx(0.625, abs=TOL)
    assert res["link:tor--wan:ab"]["load"] == pytest.approx(10.0, abs=TOL)
    assert res["link:tor--wan:ba"]["load"] == pytest.approx(2.0, abs=TOL)
    assert res["link:tor--wan:ab"]["saturated"] is False
    assert rep["admission"] == []
    assert [p for p in rep["problems"] if p["severity"] == "error"] == []
    assert rep["format"] == "rackio-report" and rep["version"] == 1


# ----------------------------------------------------------------- VMM cost
def one_server(vnic: dict, *, vmm_io_cores=1, nic_extra=None, port_gbps=25) -> dict:
    """Server h1 with one 25 G NIC cabled to a 25 G switch that reaches network wan."""
    return project(
        [
            {"id": "wan", "kind": "network"},
            {"id": "tor", "kind": "switch", "port_gbps": 25},
            {"id": "h1", "kind": "server", "vmm_io_cores": vmm_io_cores},
            {"id": "n0", "kind": "nic", "parent": "h1", "port_gbps": port_gbps, **(nic_extra or {})},
            {"id": "vm1", "kind": "vm", "parent": "h1", "vnics": [vnic]},
        ],
        [{"a": "n0:0", "b": "tor"}, {"a": "tor", "b": "wan"}],
    )


def test_one_core_carries_8_gbps_paravirtual():
    # κ = 1.5 µs × 125 / 1500 B = 0.125 cores per Gbit/s; 1 core → 8 Gbit/s < 25 G port.
    rep = report_of(one_server({"mode": "paravirtual", "nic": "n0", "port": 0, "tx_gbps": 20}))
    f = flows_by_id(rep)["vm1/0/tx"]
    assert f["rate_gbps"] == pytest.approx(8.0, abs=TOL)
    assert f["bottleneck"] == "vmm:h1"
    assert f["floor_met"] is True
    s = servers_by_id(rep)["h1"]
    assert s["vmm_cores"] == pytest.approx(1.0, abs=TOL)
    assert s["vmm_utilization"] == pytest.approx(1.0, abs=TOL)
    assert resources_by_id(rep)["vmm:h1"]["saturated"] is True
    assert resources_by_id(rep)["port:n0:0:tx"]["load"] == pytest.approx(8.0, abs=TOL)


def test_emulated_costs_five_times_more():
    # κ = 7.5 × 125 / 1500 = 0.625 → 1 / 0.625 = 1.6 Gbit/s per core.
    rep = report_of(one_server({"mode": "emulated", "nic": "n0", "port": 0, "tx_gbps": 20}))
    f = flows_by_id(rep)["vm1/0/tx"]
    assert f["rate_gbps"] == pytest.approx(1.6, abs=TOL)
    assert f["bottleneck"] == "vmm:h1"
    assert servers_by_id(rep)["h1"]["vmm_cores"] == pytest.approx(1.0, abs=TOL)


def test_packet_size_scales_vmm_cost():
    # 9000 B jumbo frames: κ = 1.5 × 125 / 9000 → 48 Gbit/s per core, so with 0.25
    # cores the VMM allows 12 Gbit/s (below the 25 G port).
    rep = report_of(one_server({"mode": "paravirtual", "nic": "n0", "tx_gbps": 20, "packet_bytes": 9000},
                               vmm_io_cores=0.25))
    f = flows_by_id(rep)["vm1/0/tx"]
    assert f["rate_gbps"] == pytest.approx(12.0, abs=TOL)
    assert f["bottleneck"] == "vmm:h1"


@pytest.mark.parametrize("vmdq", [True, False])
def test_vmdq_cuts_rx_cost(vmdq):
    # rx κ = 0.125 × 0.43 with VMDq: one core carries 8 / 0.43 ≈ 18.6 Gbit/s of rx
    # (still below the 25 G port); without VMDq 8 Gbit/s. tx is never discounted.
    rep = report_of(one_server({"mode": "paravirtual", "nic": "n0", "rx_gbps": 24},
                               nic_extra={"vmdq": vmdq}))
    f = flows_by_id(rep)["vm1/0/rx"]
    want = 8.0 / 0.43 if vmdq else 8.0
    assert f["rate_gbps"] == pytest.approx(want, abs=TOL)
    assert f["bottleneck"] == "vmm:h1"
    assert f["path"] == ["link:tor--wan:ba", "port:n0:0:rx", "pcie:n0:rx", "vmm:h1"]
    assert servers_by_id(rep)["h1"]["vmm_cores"] == pytest.approx(1.0, abs=TOL)


def test_tx_and_rx_share_the_vmm_core():
    # Both directions load vmm:h1: 0.125·x_tx + 0.125·0.43·x_rx ≤ 1 with equal weights
    # → x = 1 / (0.125 × 1.43) ≈ 5.594 Gbit/s each, both stopped by the VMM.
    rep = report_of(one_server({"mode": "paravirtual", "nic": "n0", "tx_gbps": 10, "rx_gbps": 10},
                               nic_extra={"vmdq": True}))
    flows = flows_by_id(rep)
    want = 1 / (PV_KAPPA * 1.43)
    for fid in ("vm1/0/tx", "vm1/0/rx"):
        assert flows[fid]["rate_gbps"] == pytest.approx(want, abs=TOL)
        assert flows[fid]["bottleneck"] == "vmm:h1"


def test_guarantee_oversubscribes_the_vmm():
    # A 10 Gbit/s floor on a paravirtual vNIC reserves 10 × 0.125 = 1.25 cores of a
    # 1-core VMM. The single floor shrinks to what fits (8 Gbit/s) and the flow gets 8.
    rep = report_of(one_server({"mode": "paravirtual", "nic": "n0", "tx_gbps": 20, "min_gbps": 10}))
    f = flows_by_id(rep)["vm1/0/tx"]
    assert f["rate_gbps"] == pytest.approx(8.0, abs=TOL)
    assert f["floor_gbps"] == 10 and f["floor_met"] is False
    assert rep["admission"] == [{"resource": "vmm:h1", "reserved": 1.25, "capacity": 1}]
    assert [(p["severity"], p["element"]) for p in problems_of(rep, "guarantee-oversubscribed")] == [("error", "h1")]
    assert [(p["severity"], p["element"]) for p in problems_of(rep, "floor-missed")] == [("error", "vm1")]


def test_vmdq_does_not_discount_tx():
    rep = report_of(one_server({"mode": "paravirtual", "nic": "n0", "tx_gbps": 24},
                               nic_extra={"vmdq": True}))
    assert flows_by_id(rep)["vm1/0/tx"]["rate_gbps"] == pytest.approx(8.0, abs=TOL)


def test_direct_io_does_not_load_the_vmm():
    doc = one_server({"mode": "passthrough", "nic": "n0", "port": 0, "tx_gbps": 20}, vmm_io_cores=0.01)
    rep = report_of(doc)
    f = flows_by_id(rep)["vm1/0/tx"]
    # κ = 0: the flow is limited only by its demand (20 < 25 G port).
    assert f["rate_gbps"] == pytest.approx(20.0, abs=TOL)
    assert f["bottleneck"] is None
    assert not any(p.startswith("vmm:") for p in f["path"])
    assert servers_by_id(rep)["h1"]["vmm_cores"] == 0


# ----------------------------------------------------------- VF guarantees
def three_vfs(mins=(5, 0, 0), tx=(10, 10, 10), port_gbps=10) -> dict:
    elements = [
        {"id": "wan", "kind": "network"},
        {"id": "tor", "kind": "switch"},
        {"id": "h1", "kind": "server"},
        {"id": "n0", "kind": "nic", "parent": "h1", "port_gbps": port_gbps},
    ]
    for i, (m, d) in enumerate(zip(mins, tx)):
        elements.append({"id": f"v{i}", "kind": "vf", "parent": "n0", "port": 0, "min_gbps": m})
        elements.append({"id": f"vm{i}", "kind": "vm", "parent": "h1",
                         "vnics": [{"mode": "vf", "vf": f"v{i}", "tx_gbps": d}]})
    return project(elements, [{"a": "n0:0", "b": "tor"}, {"a": "tor", "b": "wan"}])


def test_three_vfs_one_floor():
    # 10 G port: vm0 held at its floor 5, vm1 and vm2 share the rest: 5 / 2.5 / 2.5.
    rep = report_of(three_vfs())
    flows = flows_by_id(rep)
    rates = [flows[f"vm{i}/0/tx"]["rate_gbps"] for i in range(3)]
    assert rates == pytest.approx([5.0, 2.5, 2.5], abs=TOL)
    assert all(flows[f"vm{i}/0/tx"]["bottleneck"] == "port:n0:0:tx" for i in range(3))
    assert all(flows[f"vm{i}/0/tx"]["floor_met"] for i in range(3))
    assert resources_by_id(rep)["port:n0:0:tx"]["reserved"] == 5
    assert rep["admission"] == [] and "floor-missed" not in codes(rep)


def test_weights_through_the_pipeline():
    # Shares 100 : 100 : 50 on a 10 G port → 4 / 4 / 2 (paravirtual, plenty of VMM).
    elements = [
        {"id": "wan", "kind": "network"},
        {"id": "tor", "kind": "switch"},
        {"id": "h1", "kind": "server", "vmm_io_cores": 32},
        {"id": "n0", "kind": "nic", "parent": "h1", "port_gbps": 10},
    ]
    for i, w in enumerate((100, 100, 50)):
        elements.append({"id": f"vm{i}", "kind": "vm", "parent": "h1",
                         "vnics": [{"mode": "paravirtual", "nic": "n0", "tx_gbps": 10, "weight": w}]})
    rep = report_of(project(elements, [{"a": "n0:0", "b": "tor"}, {"a": "tor", "b": "wan"}]))
    flows = flows_by_id(rep)
    assert [flows[f"vm{i}/0/tx"]["rate_gbps"] for i in range(3)] == pytest.approx([4.0, 4.0, 2.0], abs=TOL)
    # VMM load: 10 Gbit/s × 0.125.
    assert servers_by_id(rep)["h1"]["vmm_cores"] == pytest.approx(1.25, abs=TOL)


def test_vf_cap_frees_capacity():
    # max_gbps 1 on v0: the others share the remaining 9 → 1 / 4.5 / 4.5.
    doc = three_vfs(mins=(0, 0, 0))
    doc["elements"][4]["max_gbps"] = 1  # v0
    rep = report_of(doc)
    flows = flows_by_id(rep)
    assert [flows[f"vm{i}/0/tx"]["rate_gbps"] for i in range(3)] == pytest.approx([1.0, 4.5, 4.5], abs=TOL)
    assert flows["vm0/0/tx"]["bottleneck"] is None
    assert flows["vm0/0/tx"]["cap_gbps"] == 1


def test_oversubscribed_guarantees():
    # Floors 8 and 4 on a 10 G port: reserved 12 > 10. Floors shrink to the max-min
    # vector with weights = caps = floors: 8t + 4t = 10 → 20/3 and 10/3. They then fill
    # the port, so the unfloored vm2 gets 0 and both guarantees are missed.
    rep = report_of(three_vfs(mins=(8, 4, 0)))
    flows = flows_by_id(rep)
    assert [flows[f"vm{i}/0/tx"]["rate_gbps"] for i in range(3)] == pytest.approx([20 / 3, 10 / 3, 0.0], abs=TOL)
    assert [flows[f"vm{i}/0/tx"]["floor_met"] for i in range(3)] == [False, False, True]
    assert rep["admission"] == [{"resource": "port:n0:0:tx", "reserved": 12, "capacity": 10}]
    over = problems_of(rep, "guarantee-oversubscribed")
    assert [(p["severity"], p["element"]) for p in over] == [("error", "n0")]
    missed = problems_of(rep, "floor-missed")
    assert sorted((p["severity"], p["element"]) for p in missed) == [("error", "vm0"), ("error", "vm1")]
    assert rep["summary"]["guarantees_missed"] == 2


def test_admission_reduction_is_global_but_untouched_floors_hold():
    # A fourth VF on port 1 with floor 3 does not share the oversubscribed port; with
    # weight = cap = 3 it reaches its cap in the reduction, so its floor stays 3 and holds.
    doc = three_vfs(mins=(8, 4, 0))
    doc["elements"] += [
        {"id": "v3", "kind": "vf", "parent": "n0", "port": 1, "min_gbps": 3},
        {"id": "vm3", "kind": "vm", "parent": "h1", "vnics": [{"mode": "vf", "vf": "v3", "tx_gbps": 6}]},
    ]
    doc["links"].append({"a": "n0:1", "b": "tor"})
    rep = report_of(doc)
    f = flows_by_id(rep)["vm3/0/tx"]
    assert f["rate_gbps"] == pytest.approx(6.0, abs=TOL)
    assert f["floor_met"] is True
    assert sorted(p["element"] for p in problems_of(rep, "floor-missed")) == ["vm0", "vm1"]


# ------------------------------------------------------------------ routing
def routed(links: list[dict], switches: list[str], **vnic_extra) -> dict:
    elements = [{"id": "wan", "kind": "network"}]
    elements += [{"id": s, "kind": "switch"} for s in switches]
    elements += [
        {"id": "h1", "kind": "server"},
        {"id": "n0", "kind": "nic", "parent": "h1"},
        {"id": "vm1", "kind": "vm", "parent": "h1",
         "vnics": [{"mode": "passthrough", "nic": "n0", "tx_gbps": 1, "rx_gbps": 1, **vnic_extra}]},
    ]
    return project(elements, links)


def test_two_switches_in_a_chain():
    # n0:0 → s1 → s2 → wan. The s1–s2 cable is written s2→s1, so tx crosses it b→a.
    doc = routed([{"a": "n0:0", "b": "s1"}, {"a": "s2", "b": "s1", "gbps": 40}, {"a": "s2", "b": "wan"}],
                 ["s1", "s2"])
    rep = report_of(doc)
    flows = flows_by_id(rep)
    assert flows["vm1/0/tx"]["path"] == ["pcie:n0:tx", "port:n0:0:tx", "link:s2--s1:ba", "link:s2--wan:ab"]
    assert flows["vm1/0/rx"]["path"] == ["link:s2--wan:ba", "link:s2--s1:ab", "port:n0:0:rx", "pcie:n0:rx"]
    res = resources_by_id(rep)
    assert res["link:s2--s1:ba"]["capacity"] == 40  # given gbps
    assert res["link:s2--wan:ab"]["capacity"] == 100  # switch↔network default
    assert res["port:n0:0:tx"]["capacity"] == 25  # min(nic 25, switch 25)
    assert res["link:s2--s1:ba"]["kind"] == "link"


def test_tie_between_equal_paths_takes_smallest_node_sequence():
    # s1 reaches wan in two hops through "zeta" or through "alpha"; the sequences
    # [s1, alpha, wan] < [s1, zeta, wan], so "alpha" carries the traffic even though
    # its cables are listed last.
    links = [
        {"a": "n0:0", "b": "s1"},
        {"a": "s1", "b": "zeta"}, {"a": "zeta", "b": "wan"},
        {"a": "alpha", "b": "s1"}, {"a": "wan", "b": "alpha"},
    ]
    rep = report_of(routed(links, ["s1", "zeta", "alpha"]))
    flows = flows_by_id(rep)
    assert flows["vm1/0/tx"]["path"] == ["pcie:n0:tx", "port:n0:0:tx", "link:alpha--s1:ba", "link:wan--alpha:ba"]
    assert flows["vm1/0/rx"]["path"] == ["link:wan--alpha:ab", "link:alpha--s1:ab", "port:n0:0:rx", "pcie:n0:rx"]
    # The unused path is not on any route, so it is not a resource.
    assert not any("zeta" in r["id"] for r in rep["resources"])


def test_tie_decided_at_first_differing_node():
    # Three hops both ways: [s1, b, d, wan] vs [s1, c, a, wan]; b < c decides, although
    # the second path has the smaller third node.
    links = [
        {"a": "n0:0", "b": "s1"},
        {"a": "s1", "b": "c"}, {"a": "c", "b": "a"}, {"a": "a", "b": "wan"},
        {"a": "s1", "b": "b"}, {"a": "b", "b": "d"}, {"a": "d", "b": "wan"},
    ]
    rep = report_of(routed(links, ["s1", "a", "b", "c", "d"]))
    assert flows_by_id(rep)["vm1/0/tx"]["path"] == [
        "pcie:n0:tx", "port:n0:0:tx", "link:s1--b:ab", "link:b--d:ab", "link:d--wan:ab"]


def test_fewest_hops_beats_smaller_ids():
    # [s1, a, x, wan] is lexicographically smaller but has one more hop than [s1, z, wan].
    links = [
        {"a": "n0:0", "b": "s1"},
        {"a": "s1", "b": "a"}, {"a": "a", "b": "x"}, {"a": "x", "b": "wan"},
        {"a": "s1", "b": "z"}, {"a": "z", "b": "wan"},
    ]
    rep = report_of(routed(links, ["s1", "a", "x", "z"]))
    assert flows_by_id(rep)["vm1/0/tx"]["path"] == ["pcie:n0:tx", "port:n0:0:tx", "link:s1--z:ab", "link:z--wan:ab"]


def test_chain_link_is_the_bottleneck():
    # A 3 G switch-to-switch link between the port (25 G) and the network.
    doc = routed([{"a": "n0:0", "b": "s1"}, {"a": "s1", "b": "s2", "gbps": 3}, {"a": "s2", "b": "wan"}],
                 ["s1", "s2"], tx_gbps=10)
    f = flows_by_id(report_of(doc))["vm1/0/tx"]
    assert f["rate_gbps"] == pytest.approx(3.0, abs=TOL)
    assert f["bottleneck"] == "link:s1--s2:ab"


# ----------------------------------------------------------------- problems
BASE = [
    {"id": "wan", "kind": "network"},
    {"id": "tor", "kind": "switch"},
    {"id": "h1", "kind": "server"},
    {"id": "n0", "kind": "nic", "parent": "h1"},
]
BASE_LINKS = [{"a": "n0:0", "b": "tor"}, {"a": "tor", "b": "wan"}]


def only_problem(rep: dict, code: str) -> dict:
    found = problems_of(rep, code)
    assert len(found) == 1, f"expected one {code}, got {rep['problems']}"
    assert found[0]["severity"] == "error"
    assert found[0]["message"]
    return found[0]


def test_vf_limit():
    elements = copy.deepcopy(BASE)
    elements[3]["max_vfs"] = 1
    elements += [{"id": "v0", "kind": "vf", "parent": "n0"}, {"id": "v1", "kind": "vf", "parent": "n0"}]
    rep = report_of(project(elements, BASE_LINKS))
    assert only_problem(rep, "vf-limit")["element"] == "n0"


def test_sriov_disabled():
    elements = copy.deepcopy(BASE)
    elements[3]["sriov"] = False
    elements += [{"id": "v0", "kind": "vf", "parent": "n0"}]
    rep = report_of(project(elements, BASE_LINKS))
    assert only_problem(rep, "sriov-disabled")["element"] == "v0"


def test_vf_shared():
    elements = copy.deepcopy(BASE) + [
        {"id": "v0", "kind": "vf", "parent": "n0"},
        {"id": "vm1", "kind": "vm", "parent": "h1", "vnics": [{"mode": "vf", "vf": "v0", "tx_gbps": 1}]},
        {"id": "vm2", "kind": "vm", "parent": "h1", "vnics": [{"mode": "vf", "vf": "v0", "tx_gbps": 1}]},
    ]
    rep = report_of(project(elements, BASE_LINKS))
    assert only_problem(rep, "vf-shared")["element"] == "v0"


def test_passthrough_no_iommu():
    elements = copy.deepcopy(BASE)
    elements[2]["iommu"] = False
    elements.append({"id": "vm1", "kind": "vm", "parent": "h1",
                     "vnics": [{"mode": "passthrough", "nic": "n0", "tx_gbps": 1}]})
    rep = report_of(project(elements, BASE_LINKS))
    assert only_problem(rep, "passthrough-no-iommu")["element"] == "vm1"


def test_passthrough_shared_with_vnic():
    elements = copy.deepcopy(BASE) + [
        {"id": "vm1", "kind": "vm", "parent": "h1", "vnics": [{"mode": "passthrough", "nic": "n0", "tx_gbps": 1}]},
        {"id": "vm2", "kind": "vm", "parent": "h1", "vnics": [{"mode": "paravirtual", "nic": "n0", "tx_gbps": 1}]},
    ]
    rep = report_of(project(elements, BASE_LINKS))
    assert only_problem(rep, "passthrough-shared")["element"] == "n0"


def test_passthrough_shared_with_vf():
    elements = copy.deepcopy(BASE) + [
        {"id": "v0", "kind": "vf", "parent": "n0"},
        {"id": "vm1", "kind": "vm", "parent": "h1", "vnics": [{"mode": "passthrough", "nic": "n0", "tx_gbps": 1}]},
    ]
    rep = report_of(project(elements, BASE_LINKS))
    assert only_problem(rep, "passthrough-shared")["element"] == "n0"


def test_passthrough_alone_is_fine():
    elements = copy.deepcopy(BASE) + [
        {"id": "vm1", "kind": "vm", "parent": "h1", "vnics": [{"mode": "passthrough", "nic": "n0", "tx_gbps": 1}]},
    ]
    rep = report_of(project(elements, BASE_LINKS))
    assert [p for p in rep["problems"] if p["severity"] == "error"] == []
    assert flows_by_id(rep)["vm1/0/tx"]["rate_gbps"] == pytest.approx(1.0, abs=TOL)


# Problems that leave a flow without a route: its rate is 0 (SPEC §5).
def test_foreign_device_nic_gets_no_rate():
    elements = copy.deepcopy(BASE) + [
        {"id": "h2", "kind": "server"},
        {"id": "vm1", "kind": "vm", "parent": "h2", "vnics": [{"mode": "paravirtual", "nic": "n0", "tx_gbps": 3}]},
    ]
    rep = report_of(project(elements, BASE_LINKS))
    assert only_problem(rep, "foreign-device")["element"] == "vm1"
    assert flows_by_id(rep)["vm1/0/tx"]["rate_gbps"] == 0


def test_foreign_device_vf_gets_no_rate():
    elements = copy.deepcopy(BASE) + [
        {"id": "h2", "kind": "server"},
        {"id": "v0", "kind": "vf", "parent": "n0"},
        {"id": "vm1", "kind": "vm", "parent": "h2", "vnics": [{"mode": "vf", "vf": "v0", "tx_gbps": 3}]},
    ]
    rep = report_of(project(elements, BASE_LINKS))
    assert only_problem(rep, "foreign-device")["element"] == "vm1"
    assert flows_by_id(rep)["vm1/0/tx"]["rate_gbps"] == 0


def test_bad_port_vnic_gets_no_rate():
    elements = copy.deepcopy(BASE) + [
        {"id": "vm1", "kind": "vm", "parent": "h1",
         "vnics": [{"mode": "paravirtual", "nic": "n0", "port": 2, "tx_gbps": 3}]},  # ports 0–1
    ]
    rep = report_of(project(elements, BASE_LINKS))
    assert only_problem(rep, "bad-port")["element"] == "vm1"
    assert flows_by_id(rep)["vm1/0/tx"]["rate_gbps"] == 0


def test_bad_port_vf_gets_no_rate():
    elements = copy.deepcopy(BASE) + [
        {"id": "v0", "kind": "vf", "parent": "n0", "port": 5},
        {"id": "vm1", "kind": "vm", "parent": "h1", "vnics": [{"mode": "vf", "vf": "v0", "tx_gbps": 3}]},
    ]
    rep = report_of(project(elements, BASE_LINKS))
    assert only_problem(rep, "bad-port")["element"] == "v0"
    assert flows_by_id(rep)["vm1/0/tx"]["rate_gbps"] == 0


def test_port_unwired_gets_no_rate():
    elements = copy.deepcopy(BASE) + [
        {"id": "vm1", "kind": "vm", "parent": "h1",
         "vnics": [{"mode": "paravirtual", "nic": "n0", "port": 1, "tx_gbps": 3, "rx_gbps": 2}]},
    ]
    rep = report_of(project(elements, BASE_LINKS))  # only port 0 is cabled
    assert only_problem(rep, "port-unwired")["element"] == "n0"
    flows = flows_by_id(rep)
    assert flows["vm1/0/tx"]["rate_gbps"] == 0 and flows["vm1/0/rx"]["rate_gbps"] == 0
    assert servers_by_id(rep)["h1"]["vmm_cores"] == 0


def test_no_route_gets_no_rate():
    # The switch has no cable towards the network.
    elements = copy.deepcopy(BASE) + [
        {"id": "vm1", "kind": "vm", "parent": "h1", "vnics": [{"mode": "passthrough", "nic": "n0", "tx_gbps": 3}]},
    ]
    rep = report_of(project(elements, [{"a": "n0:0", "b": "tor"}]))
    assert only_problem(rep, "no-route")["element"] == "vm1"
    assert flows_by_id(rep)["vm1/0/tx"]["rate_gbps"] == 0


def test_unrouted_flow_does_not_take_capacity():
    # vm1 is unwired (0); vm2 on the same NIC's cabled port gets the whole 10 G port.
    elements = copy.deepcopy(BASE)
    elements[3]["port_gbps"] = 10
    elements += [
        {"id": "v0", "kind": "vf", "parent": "n0", "port": 1, "min_gbps": 4},
        {"id": "vm1", "kind": "vm", "parent": "h1", "vnics": [{"mode": "vf", "vf": "v0", "tx_gbps": 10}]},
        {"id": "v1", "kind": "vf", "parent": "n0", "port": 0},
        {"id": "vm2", "kind": "vm", "parent": "h1", "vnics": [{"mode": "vf", "vf": "v1", "tx_gbps": 20}]},
    ]
    rep = report_of(project(elements, BASE_LINKS))
    flows = flows_by_id(rep)
    assert flows["vm1/0/tx"]["rate_gbps"] == 0
    assert flows["vm2/0/tx"]["rate_gbps"] == pytest.approx(10.0, abs=TOL)
    assert only_problem(rep, "port-unwired")["element"] == "n0"


def test_switch_ports():
    elements = copy.deepcopy(BASE)
    elements[1]["ports"] = 1
    rep = report_of(project(elements, BASE_LINKS + [{"a": "n0:1", "b": "tor"}]))
    assert only_problem(rep, "switch-ports")["element"] == "tor"


def test_switch_ports_not_counting_switch_links():
    # One NIC cable plus a switch-to-network link on a 1-port switch is fine.
    elements = copy.deepcopy(BASE)
    elements[1]["ports"] = 1
    rep = report_of(project(elements, BASE_LINKS))
    assert problems_of(rep, "switch-ports") == []


# ------------------------------------------------------------------- scale
def test_scale_doubles_demands():
    # Three VFs on a 10 G port, demands 1, 2 and 3, floor 5 on the first (clamped to
    # its demand: 1). At scale 1 nothing is contended: 1 / 2 / 3. At scale 2 the demands
    # are 2 / 4 / 6 = 12 > 10: the first flow's floor becomes min(5, 2) = 2 = its cap,
    # so it sits at 2; the others rise together until 2 + 2t = 10 → t = 4, where the
    # second also reaches its demand 4: 2 / 4 / 4.
    doc = three_vfs(mins=(5, 0, 0), tx=(1, 2, 3))
    base = flows_by_id(report_of(doc))
    assert [base[f"vm{i}/0/tx"]["rate_gbps"] for i in range(3)] == pytest.approx([1, 2, 3], abs=TOL)
    assert base["vm0/0/tx"]["floor_gbps"] == 1

    rep = report_of(doc, scale=2.0)
    assert rep["scale"] == 2
    flows = flows_by_id(rep)
    assert [flows[f"vm{i}/0/tx"]["demand_gbps"] for i in range(3)] == [2, 4, 6]
    assert flows["vm0/0/tx"]["floor_gbps"] == 2
    assert flows["vm0/0/tx"]["cap_gbps"] == 2
    assert [flows[f"vm{i}/0/tx"]["rate_gbps"] for i in range(3)] == pytest.approx([2, 4, 4], abs=TOL)
    assert flows["vm2/0/tx"]["bottleneck"] == "port:n0:0:tx"

    # Paravirtual: demand 3 × 2 = 6 Gbit/s with κ = 0.125 → 0.75 cores, under 1 core.
    rep = report_of(one_server({"mode": "paravirtual", "nic": "n0", "tx_gbps": 3}), scale=2.0)
    assert flows_by_id(rep)["vm1/0/tx"]["rate_gbps"] == pytest.approx(6.0, abs=TOL)
    assert servers_by_id(rep)["h1"]["vmm_cores"] == pytest.approx(0.75, abs=TOL)
