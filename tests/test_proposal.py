"""The proposal's figures (designer/proposal.py), without Qt.

Counts are computed here from the project file's JSON, not through the model, so a
wrong grouping in the bill of materials shows up as a mismatch.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from designer.fileformat import load, loads
from designer.model.rules import Problem
from designer.proposal import bill_of_materials, build_proposal, guarantee_table, verdict
from designer.solver import solve

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "resources" / "examples"


def _doc(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))


def _rows(table) -> dict[str, list[str]]:
    return {row[0]: row for row in table.rows}


def test_bill_of_materials_counts_match_the_project_file():
    path = EXAMPLES / "two-rack-proposal.rackio"
    doc = _doc(path)
    elements = {e["id"]: e for e in doc["elements"]}
    bom = bill_of_materials(load(path))

    servers = [e for e in doc["elements"] if e["kind"] == "server"]
    assert sum(int(r[2]) for r in bom.servers.rows) == len(servers)

    nic_models = Counter(e.get("model", "") for e in doc["elements"] if e["kind"] == "nic")
    assert {r[0]: int(r[4]) for r in bom.nics.rows} == dict(nic_models)

    vfs_per_nic = Counter(e["parent"] for e in doc["elements"] if e["kind"] == "vf")
    listed = {r[0]: int(r[3]) for r in bom.vfs.rows}
    assert {k: v for k, v in listed.items() if v} == dict(vfs_per_nic)

    def kind(end: str) -> str:
        if end in elements:
            return elements[end]["kind"]
        return "NIC"

    kinds = Counter("–".join(sorted((kind(l["a"]), kind(l["b"])), key=["NIC", "switch", "network"].index))
                    for l in doc["links"])
    got = Counter()
    for row in bom.cables.rows:
        got[row[0]] += int(row[2])
    assert dict(got) == dict(kinds)
    assert sum(got.values()) == len(doc["links"])

    for switch in (e for e in doc["elements"] if e["kind"] == "switch"):
        used = sum(1 for l in doc["links"] if switch["id"] in (l["a"], l["b"]))
        row = next(r for r in bom.switches.rows if r[0].endswith(f"({switch['id']})") or r[0] == switch["id"])
        ports = switch.get("ports", 48)
        assert (int(row[2]), int(row[3]), int(row[4])) == (ports, used, ports - used)

    for rack in doc["racks"]:
        used_u = set()
        for e in doc["elements"]:
            if e.get("rack") == rack["id"] and "rack_u" in e:
                used_u.update(range(e["rack_u"], e["rack_u"] + e.get("height_u", 1)))
        row = next(r for r in bom.racks.rows if f"({rack['id']})" in r[0] or r[0] == rack["id"])
        height = rack.get("height_u", 42)
        assert (int(row[1]), int(row[2]), int(row[3])) == (height, len(used_u), height - len(used_u))


def test_server_types_group_identical_hardware_and_split_different():
    path = EXAMPLES / "mail-rack.rackio"
    bom = bill_of_materials(load(path))
    # h1 (2 VMM cores, one X710) and h2 (4 VMM cores, 2 U, E810 + ConnectX-5) differ
    assert [int(r[2]) for r in bom.servers.rows] == [1, 1]
    doc = _doc(EXAMPLES / "two-rack-proposal.rackio")
    topo = load(EXAMPLES / "two-rack-proposal.rackio")
    expected = server_type_counts(doc)
    assert sorted(int(r[2]) for r in bill_of_materials(topo).servers.rows) == sorted(expected.values())
    # A host given a budget no other host has becomes a type of its own.
    biggest = max(expected, key=expected.get)
    server = next(e for e in doc["elements"] if e["kind"] == "server" and server_key(doc, e) == biggest)
    topo.set_field(server["id"], "vmm_io_cores", 77.0)
    expected[biggest] -= 1
    counts = sorted([c for c in expected.values() if c] + [1])
    assert sorted(int(r[2]) for r in bill_of_materials(topo).servers.rows) == counts


def server_key(doc: dict, server: dict) -> tuple:
    """A server's type, read from the file: cores, VMM budget, VT-d, height and NIC models."""
    nics = sorted(e.get("model", "") for e in doc["elements"] if e["kind"] == "nic" and e["parent"] == server["id"])
    return (server.get("cores", 32), float(server.get("vmm_io_cores", 4.0)), server.get("iommu", True),
            server.get("height_u", 1), tuple(nics))


def server_type_counts(doc: dict) -> Counter:
    return Counter(server_key(doc, e) for e in doc["elements"] if e["kind"] == "server")


def test_bom_csv_has_every_section_with_its_header():
    bom = bill_of_materials(load(EXAMPLES / "two-rack-proposal.rackio"))
    rows = list(csv.reader(io.StringIO(bom.to_csv())))
    sections = [r[1:] for r in rows if r[0] == "section"]
    assert [s[0] for s in sections] == ["Type", "Model", "NIC", "Switch", "Kind", "Rack"]
    cables = [r for r in rows if r[0] == "Cables"]
    assert sum(int(r[3]) for r in cables) == len(_doc(EXAMPLES / "two-rack-proposal.rackio")["links"])


SMALL = {
    "format": "rackio-project", "version": 1, "title": "Small",
    "elements": [
        {"id": "net", "kind": "network"},
        {"id": "sw", "kind": "switch", "port_gbps": 25},
        {"id": "h", "kind": "server", "vmm_io_cores": 4},
        {"id": "n", "kind": "nic", "parent": "h", "port_gbps": 25},
        {"id": "v", "kind": "vf", "parent": "n", "min_gbps": 2},
        {"id": "g", "kind": "vm", "parent": "h",
         "vnics": [{"mode": "vf", "vf": "v", "tx_gbps": 5, "rx_gbps": 1, "to": "net"}]},
    ],
    "links": [{"a": "n:0", "b": "sw"}, {"a": "sw", "b": "net", "gbps": 100}],
}


def test_verdict_sound_when_nothing_saturates_and_guarantees_hold():
    topo = loads(json.dumps(SMALL))
    v = verdict(topo, solve(topo))
    assert v.sound and v.reasons == []
    assert "is sound" in v.paragraph and "0 of 1 guaranteed minimum" in v.paragraph


def test_verdict_not_sound_names_the_saturated_resource_and_missed_guarantee():
    doc = json.loads(json.dumps(SMALL))
    doc["elements"][4]["min_gbps"] = 20  # the guest asks for 30 on a 25G port with a 20 floor
    doc["elements"][5]["vnics"][0]["tx_gbps"] = 30
    doc["elements"].append({"id": "g2", "kind": "vm", "parent": "h",
                            "vnics": [{"mode": "vf", "vf": "v2", "tx_gbps": 10, "to": "net"}]})
    doc["elements"].append({"id": "v2", "kind": "vf", "parent": "n", "min_gbps": 10})
    topo = loads(json.dumps(doc))
    solution = solve(topo)
    v = verdict(topo, solution)
    assert not v.sound
    assert "not sound" in v.paragraph
    assert "port:n:0:tx" in v.paragraph  # the saturated port, by id
    assert any("error" in r for r in v.reasons)  # guarantee-oversubscribed is an error


def test_guarantees_list_every_minimum_and_unsupported_by_driver():
    topo = loads(json.dumps(SMALL))
    solution = solve(topo)
    table = guarantee_table(topo, solution)
    assert len(table.rows) == 1
    row = table.rows[0]
    assert row[0] == "g" and row[4] == "2" and row[5] == "yes" and row[7] == "yes"
    assert "VF v" in row[3] and "port 0" in row[3]
    solution.problems.append(Problem("guarantee-unsupported", "warning", "v", "the driver cannot enforce it"))
    assert guarantee_table(topo, solution).rows[0][7] == "unsupported by driver"


def test_proposal_tables_cover_every_server_and_group_problems():
    path = EXAMPLES / "two-rack-proposal.rackio"
    topo = load(path)
    solution = solve(topo)
    prop = build_proposal(topo, solution)
    labels = {e.get("label") or e["id"] for e in _doc(path)["elements"] if e["kind"] == "server"}
    assert {r[0].split(" (")[0] for r in prop.servers.rows} == labels
    # every guaranteed minimum in the file appears once (all SR-IOV VFs here)
    doc = _doc(path)
    vf_floor = {e["id"] for e in doc["elements"] if e["kind"] == "vf" and e.get("min_gbps", 0) > 0}
    floors = sum(1 for e in doc["elements"] if e["kind"] == "vm" for n in e.get("vnics", [])
                 if n.get("min_gbps", 0) > 0 or (n.get("mode") == "vf" and n.get("vf") in vf_floor))
    assert len(prop.guarantees.rows) == floors
    peak = max(r["utilization"] for r in solution.to_report()["resources"])
    assert prop.worst.rows[0][5] == f"{peak * 100:.1f}\u00a0%"
    solution.problems.append(Problem("floor-above-cap", "warning", "x", "w"))
    solution.problems.append(Problem("no-route", "error", "y", "e"))
    titles = [t.title for t in build_proposal(topo, solution).problems]
    assert titles == ["Errors (1)", "Warnings (1)"]


def test_the_proposal_figures_need_no_qt(tmp_path):
    code = f"""
import sys
from designer.fileformat import load
from designer.proposal import build_proposal
from designer.solver import solve
topo = load({str(EXAMPLES / "two-rack-proposal.rackio")!r})
proposal = build_proposal(topo, solve(topo))
assert proposal.bom.to_csv() and proposal.verdict.paragraph
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6"))
sys.exit(1 if qt else 0)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
