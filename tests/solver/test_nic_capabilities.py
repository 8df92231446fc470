"""SPEC 1.1 §9–§10 end to end: what the NIC can enforce, its own throughput limit, the
per-port VF limit, and the problems added in 1.1. Every expected number is worked out
by hand in the comments; none is copied from solver output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.fileformat import loads
from designer.solver import solve

TOL = 1e-6


def report_of(doc: dict, scale: float = 1.0) -> dict:
    return solve(loads(json.dumps(doc)), scale=scale).to_report()


def flows(rep: dict) -> dict[str, dict]:
    return {f["id"]: f for f in rep["flows"]}


def resources(rep: dict) -> dict[str, dict]:
    return {r["id"]: r for r in rep["resources"]}


def problems(rep: dict, code: str) -> list[dict]:
    return [p for p in rep["problems"] if p["code"] == code]


def mail_and_web(nic: dict | None = None, vf: dict | None = None, web_weight: float = 3.0) -> dict:
    """The SPEC §7 rack: mail on a VF (min 5) and web paravirtual (weight 3) on one 10 G port."""
    return {
        "format": "rackio-project", "version": 1,
        "elements": [
            {"id": "wan", "kind": "network"},
            {"id": "tor", "kind": "switch", "port_gbps": 25},
            {"id": "h1", "kind": "server", "vmm_io_cores": 2},
            {"id": "h1n0", "kind": "nic", "parent": "h1", "model": "Intel X710-DA2", "driver": "i40e",
             "ports": 2, "port_gbps": 10, **(nic or {})},
            {"id": "h1n0v0", "kind": "vf", "parent": "h1n0", "port": 0, "min_gbps": 5, **(vf or {})},
            {"id": "mail", "kind": "vm", "parent": "h1",
             "vnics": [{"mode": "vf", "vf": "h1n0v0", "tx_gbps": 8, "rx_gbps": 2}]},
            {"id": "web", "kind": "vm", "parent": "h1",
             "vnics": [{"mode": "paravirtual", "nic": "h1n0", "port": 0, "tx_gbps": 8, "weight": web_weight}]},
        ],
        "links": [{"a": "h1n0:0", "b": "tor"}, {"a": "tor", "b": "wan", "gbps": 100}],
    }


# ------------------------------------------------------------ vf_min_rate
def test_enforced_floor_holds_mail_at_5():
    # Floor enforced: mail = max(5, t), web = 3t on 10 G → 5 + 3t = 10, t = 5/3: 5 / 5.
    rep = report_of(mail_and_web())
    f = flows(rep)
    assert f["mail/0/tx"]["rate_gbps"] == pytest.approx(5.0, abs=TOL)
    assert f["web/0/tx"]["rate_gbps"] == pytest.approx(5.0, abs=TOL)
    assert f["mail/0/tx"]["floor_met"] is True
    assert resources(rep)["port:h1n0:0:tx"]["reserved"] == 5
    assert problems(rep, "guarantee-unsupported") == []


def test_unenforced_floor_is_reported_but_not_solved():
    # i40e cannot enforce min_tx_rate: mail = t, web = 3t → 4t = 10: 2.5 / 7.5.
    rep = report_of(mail_and_web(nic={"vf_min_rate": False}))
    f = flows(rep)
    mail = f["mail/0/tx"]
    assert mail["rate_gbps"] == pytest.approx(2.5, abs=TOL)
    assert f["web/0/tx"]["rate_gbps"] == pytest.approx(7.5, abs=TOL)
    # The report keeps the requested minimum, compares the rate with it, and reserves nothing.
    assert mail["floor_gbps"] == 5
    assert mail["admitted_floor_gbps"] == 0
    assert mail["floor_met"] is False
    assert resources(rep)["port:h1n0:0:tx"]["reserved"] == 0
    (p,) = problems(rep, "guarantee-unsupported")
    assert (p["severity"], p["element"]) == ("error", "h1n0v0")
    assert "Intel X710-DA2" in p["message"] and "i40e" in p["message"] and "h1n0v0" in p["message"]
    (missed,) = problems(rep, "floor-missed")
    assert missed["element"] == "mail"


def test_unenforced_floor_met_by_luck_is_still_an_error():
    # Web at weight 1: mail = web = 5 — the requested 5 happens to be met, but nothing enforces it.
    rep = report_of(mail_and_web(nic={"vf_min_rate": False}, web_weight=1.0))
    mail = flows(rep)["mail/0/tx"]
    assert mail["rate_gbps"] == pytest.approx(5.0, abs=TOL) and mail["floor_met"] is True
    assert len(problems(rep, "guarantee-unsupported")) == 1 and problems(rep, "floor-missed") == []


def test_unenforced_floors_never_trigger_admission():
    # Two VFs asking 8 and 4 on one 10 G port: reserved would be 12 > 10, but neither is a
    # floor on this NIC, so there is no admission entry; they share the port 5 / 5.
    doc = mail_and_web(nic={"vf_min_rate": False})
    doc["elements"][-1] = {"id": "h1n0v1", "kind": "vf", "parent": "h1n0", "port": 0, "min_gbps": 4}
    doc["elements"][4]["min_gbps"] = 8
    doc["elements"].append({"id": "db", "kind": "vm", "parent": "h1",
                            "vnics": [{"mode": "vf", "vf": "h1n0v1", "tx_gbps": 8}]})
    rep = report_of(doc)
    assert rep["admission"] == [] and problems(rep, "guarantee-oversubscribed") == []
    f = flows(rep)
    assert f["mail/0/tx"]["rate_gbps"] == pytest.approx(5.0, abs=TOL)
    assert f["db/0/tx"]["rate_gbps"] == pytest.approx(5.0, abs=TOL)
    assert sorted(p["element"] for p in problems(rep, "guarantee-unsupported")) == ["h1n0v0", "h1n0v1"]


def test_software_guarantee_is_unaffected_by_vf_min_rate():
    # A paravirtual vNIC's min is a VMM guarantee: web min 6 holds on an i40e NIC.
    # mail = t (no floor: unenforced), web = max(6, 3t): t = 4/3 gives 4/3 + 6 < 10, so the
    # port fills at 4t = 10 → t = 2.5: mail 2.5, web 7.5 ≥ 6.
    doc = mail_and_web(nic={"vf_min_rate": False})
    doc["elements"][6]["vnics"][0]["min_gbps"] = 6
    rep = report_of(doc)
    web = flows(rep)["web/0/tx"]
    assert web["rate_gbps"] == pytest.approx(7.5, abs=TOL) and web["admitted_floor_gbps"] == 6
    assert resources(rep)["port:h1n0:0:tx"]["reserved"] == 6
    assert [p["element"] for p in problems(rep, "guarantee-unsupported")] == ["h1n0v0"]


# ------------------------------------------------------------ vf_max_rate
def test_cap_enforced_and_unenforced():
    # mail capped at 2 on its VF, web weight 3: enforced → mail 2 (cap), web takes 8 (its demand).
    capped = report_of(mail_and_web(vf={"min_gbps": 0, "max_gbps": 2}))
    assert flows(capped)["mail/0/tx"]["rate_gbps"] == pytest.approx(2.0, abs=TOL)
    assert flows(capped)["mail/0/tx"]["cap_gbps"] == 2
    assert problems(capped, "cap-unsupported") == []
    # Not enforced: no cap; mail = t, web = 3t → 2.5 / 7.5, and the cap shown is the demand.
    rep = report_of(mail_and_web(nic={"vf_max_rate": False}, vf={"min_gbps": 0, "max_gbps": 2}))
    mail = flows(rep)["mail/0/tx"]
    assert mail["rate_gbps"] == pytest.approx(2.5, abs=TOL) and mail["cap_gbps"] == 8
    (p,) = problems(rep, "cap-unsupported")
    assert (p["severity"], p["element"]) == ("warning", "h1n0v0") and "i40e" in p["message"]


def test_floor_above_an_unenforced_cap_is_not_called_floor_above_cap():
    rep = report_of(mail_and_web(nic={"vf_max_rate": False}, vf={"min_gbps": 5, "max_gbps": 2}))
    assert problems(rep, "floor-above-cap") == []
    # The floor (5) holds in full since the unenforced cap (2) does not bind.
    assert flows(rep)["mail/0/tx"]["rate_gbps"] == pytest.approx(5.0, abs=TOL)


# --------------------------------------------------------- throughput_gbps
def e810_two_ports(throughput: float, tx=(80.0, 80.0), rx=(0.0, 0.0)) -> dict:
    """An E810-CQDA2: 2 × 100 G ports, PCIe 252, one VF per port, each cabled to a 100 G switch."""
    elements = [
        {"id": "wan", "kind": "network"},
        {"id": "tor", "kind": "switch", "port_gbps": 100},
        {"id": "h1", "kind": "server"},
        {"id": "n", "kind": "nic", "parent": "h1", "ports": 2, "port_gbps": 100, "pcie_gbps": 252,
         "throughput_gbps": throughput},
    ]
    for p in (0, 1):
        elements.append({"id": f"v{p}", "kind": "vf", "parent": "n", "port": p})
        elements.append({"id": f"g{p}", "kind": "vm", "parent": "h1",
                         "vnics": [{"mode": "vf", "vf": f"v{p}", "tx_gbps": tx[p], "rx_gbps": rx[p]}]})
    return {"format": "rackio-project", "version": 1, "elements": elements,
            "links": [{"a": "n:0", "b": "tor"}, {"a": "n:1", "b": "tor"}, {"a": "tor", "b": "wan", "gbps": 400}]}


def test_throughput_limit_shares_the_nic():
    # 80 + 80 on two 100 G ports, but the card forwards 100 per direction: 50 / 50.
    rep = report_of(e810_two_ports(100, rx=(30.0, 10.0)))
    f = flows(rep)
    assert f["g0/0/tx"]["rate_gbps"] == pytest.approx(50.0, abs=TOL)
    assert f["g1/0/tx"]["rate_gbps"] == pytest.approx(50.0, abs=TOL)
    assert f["g0/0/tx"]["bottleneck"] == "nic:n:tx"
    assert f["g0/0/tx"]["path"] == ["pcie:n:tx", "nic:n:tx", "port:n:0:tx", "link:tor--wan:ab"]
    assert f["g1/0/rx"]["path"] == ["link:tor--wan:ba", "port:n:1:rx", "nic:n:rx", "pcie:n:rx"]
    # Receive: 30 + 10 = 40 < 100, not limited.
    assert f["g0/0/rx"]["rate_gbps"] == pytest.approx(30.0, abs=TOL)
    res = resources(rep)
    assert (res["nic:n:tx"]["kind"], res["nic:n:tx"]["capacity"], res["nic:n:tx"]["element"]) == ("nic", 100, "n")
    assert res["nic:n:tx"]["load"] == pytest.approx(100.0, abs=TOL) and res["nic:n:tx"]["saturated"]
    assert res["nic:n:rx"]["load"] == pytest.approx(40.0, abs=TOL)
    (p,) = problems(rep, "saturated")
    assert p["element"] == "n" and "nic:n:tx" in p["message"] and "limits 2 of the 2 flows" in p["message"]


def test_no_throughput_no_nic_resource():
    # 0 = none: each VF gets its 80, and no nic: resource exists.
    rep = report_of(e810_two_ports(0))
    assert [f["rate_gbps"] for f in rep["flows"]] == pytest.approx([80.0, 80.0], abs=TOL)
    assert not any(r["id"].startswith("nic:") for r in rep["resources"])
    assert rep["problems"] == []


def test_throughput_above_demand_changes_nothing_but_is_listed():
    rep = report_of(e810_two_ports(200))
    assert [f["rate_gbps"] for f in rep["flows"]] == pytest.approx([80.0, 80.0], abs=TOL)
    assert resources(rep)["nic:n:tx"]["utilization"] == pytest.approx(0.8, abs=1e-9)


# ------------------------------------------------------- max_vfs_per_port
def test_vf_limit_per_port_names_the_port():
    # Limit 2 per port: 3 VFs on port 1 break it, 2 on port 0 do not.
    doc = e810_two_ports(0)
    doc["elements"][3]["max_vfs_per_port"] = 2
    for i, port in enumerate((0, 1, 1)):
        doc["elements"].append({"id": f"extra{i}", "kind": "vf", "parent": "n", "port": port})
    rep = report_of(doc)
    (p,) = problems(rep, "vf-limit")
    assert p["element"] == "n" and p["severity"] == "error"
    assert "Port 1 of NIC n has 3 VFs" in p["message"] and "at most 2 per port" in p["message"]


# ------------------------------------------------- guarantee-exceeds-port
def test_vf_minimum_above_its_port():
    # min 12 behind a 10 G port: can never hold at full demand (15): rate 10, floor missed.
    doc = mail_and_web(vf={"min_gbps": 12})
    doc["elements"][5]["vnics"][0]["tx_gbps"] = 15
    doc["elements"].pop(6)  # web gone: mail alone on the port
    rep = report_of(doc)
    (p,) = problems(rep, "guarantee-exceeds-port")
    assert (p["severity"], p["element"]) == ("warning", "h1n0v0")
    assert "12 Gbit/s" in p["message"] and "port:h1n0:0:tx" in p["message"] and "10 Gbit/s" in p["message"]
    assert flows(rep)["mail/0/tx"]["rate_gbps"] == pytest.approx(10.0, abs=TOL)
    assert [q["element"] for q in problems(rep, "floor-missed")] == ["mail"]


def test_vf_minimum_within_its_port_is_fine():
    # min 10 on a 10 G port fits exactly: no warning (an equal capacity can hold it).
    rep = report_of(mail_and_web(vf={"min_gbps": 10}))
    assert problems(rep, "guarantee-exceeds-port") == []


def test_software_minimum_beyond_the_vmm_budget():
    # web min 20 paravirtual at 1500 B costs 20 × 0.125 = 2.5 cores > the 2-core VMM (the
    # 10 G port is tighter in Gbit/s but the VMM is tighter per unit: 2 / 0.125 = 16 > 10,
    # so the port is named: 10 per unit < 16 per unit).
    doc = mail_and_web()
    doc["elements"][6]["vnics"][0].update(min_gbps=20, tx_gbps=25)
    rep = report_of(doc)
    (p,) = problems(rep, "guarantee-exceeds-port")
    assert p["element"] == "web" and "port:h1n0:0:tx" in p["message"]
    # On a 25 G port the VMM is the tighter one (16 < 25): the message speaks of cores.
    doc["elements"][3]["port_gbps"] = 25
    rep = report_of(doc)
    (p,) = problems(rep, "guarantee-exceeds-port")
    assert p["element"] == "web" and "2.5 cores of vmm:h1" in p["message"]


# --------------------------------------------------------------- saturated
def test_saturated_names_vmm_and_link():
    # Paravirtual 20 Gbit/s on a 1-core VMM: 8 Gbit/s (κ 0.125) — the VMM is full, limits 1 flow.
    doc = mail_and_web()
    doc["elements"][2]["vmm_io_cores"] = 1
    doc["elements"] = [e for e in doc["elements"] if e["id"] not in ("mail", "h1n0v0")]
    doc["elements"][-1]["vnics"][0]["tx_gbps"] = 20
    doc["elements"][3]["port_gbps"] = 25
    rep = report_of(doc)
    (p,) = problems(rep, "saturated")
    assert p["element"] == "h1" and "vmm:h1" in p["message"] and "1 of 1 cores" in p["message"]
    assert "limits 1 of the 1 flows" in p["message"]
    # A 5 G uplink instead: the link is full first (5 < 8), named on the link.
    doc["links"][1]["gbps"] = 5
    rep = report_of(doc)
    (p,) = problems(rep, "saturated")
    assert p["element"] == "tor--wan" and "link:tor--wan:ab" in p["message"]


def test_saturated_at_exact_demand_limits_no_flow():
    # One VF sending exactly 10 on a 10 G port: full, but the flow got its whole demand.
    doc = mail_and_web(vf={"min_gbps": 0})
    doc["elements"].pop(6)
    doc["elements"][5]["vnics"][0].update(tx_gbps=10, rx_gbps=0)
    rep = report_of(doc)
    (p,) = problems(rep, "saturated")
    assert p["element"] == "h1n0" and "no flow is held back" in p["message"]
    assert flows(rep)["mail/0/tx"]["bottleneck"] is None


def test_under_capacity_design_has_no_saturated_problem():
    doc = mail_and_web()
    doc["elements"][6]["vnics"][0]["tx_gbps"] = 1  # 8 + 1 < 10
    assert report_of(doc)["problems"] == []
    # ×2 demand fills the port: the warning says at which scale.
    (p,) = problems(report_of(doc, scale=2.0), "saturated")
    assert "at ×2 demand" in p["message"]


# ------------------------------------------------- 1.0 designs solve as before
GOLDEN = Path(__file__).resolve().parent / "golden"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("design, golden", [
    ("tests/spec_example.json", "spec_example-1.0-report.json"),
    ("tests/fileformat/fixtures/v0-project.json", "v0-project-1.0-report.json"),
])
def test_designs_without_the_new_fields_solve_byte_identically(capsys, design, golden):
    """`rackio solve --json` of the 1.0 designs, as printed before SPEC 1.1 (kept in golden/),
    is unchanged except for the saturated warning 1.1 requires on the full 10 G port."""
    from designer.cli import main

    assert main(["solve", "--json", str(ROOT / design)]) == 0
    now = capsys.readouterr().out
    before = (GOLDEN / golden).read_text(encoding="utf-8")
    saturated = {"code": "saturated", "severity": "warning", "element": "h1n0",
                 "message": "port:h1n0:0:tx is full: 10 of 10 Gbit/s; it limits 2 of the 2 flows crossing it."}
    old = json.loads(before)
    assert old["problems"] == []
    old["problems"] = [saturated]
    assert now == json.dumps(old, indent=2) + "\n"
