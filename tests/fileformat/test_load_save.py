"""Project files (SPEC §7): round trips, unknown fields, refused files (SPEC §6), migration, atomic save."""

from __future__ import annotations

import copy
import json
import os
import stat
from pathlib import Path

import pytest

from designer.fileformat import CURRENT_VERSION, ProjectFileError, dumps, load, loads, save, to_document
from designer.model import VM, Nic, Server, Switch, Topology

FIXTURES = Path(__file__).parent / "fixtures"

# The SPEC §7 example, as a dictionary to mutate.
SPEC_EXAMPLE = json.loads((Path(__file__).resolve().parent.parent / "spec_example.json").read_text(encoding="utf-8"))

# Every kind, every vNIC mode, links with and without gbps and id, a non-default cost model.
# Every value written is different from its default, so the writer must give back exactly this.
RICH = {
    "format": "rackio-project",
    "version": 1,
    "title": "Rich rack",
    "notes": "all kinds\nsecond line",
    "cost_model": {"core_us_per_packet": {"emulated": 6, "paravirtual": 1.25, "vf": 0.1, "passthrough": 0},
                   "vmdq_rx_factor": 0.5},
    "racks": [{"id": "R1", "label": "Row 1, rack 1", "height_u": 48}],
    "elements": [
        {"id": "wan", "kind": "network", "label": "Clients ☁", "x": -10.5, "y": 20},
        {"id": "san", "kind": "network"},
        {"id": "tor", "kind": "switch", "ports": 32, "port_gbps": 100, "rack": "R1", "rack_u": 47, "height_u": 2},
        {"id": "agg", "kind": "switch", "x": 0, "y": 0},
        {"id": "h1", "kind": "server", "cores": 64, "vmm_io_cores": 3.5, "iommu": False, "rack": "R1",
         "rack_u": 10, "height_u": 2},
        {"id": "h1n0", "kind": "nic", "parent": "h1", "model": "Intel E810", "ports": 4, "pcie_gbps": 126,
         "max_vfs": 128, "vmdq": True},
        {"id": "h1n1", "kind": "nic", "parent": "h1", "port_gbps": 40, "sriov": False},
        {"id": "v0", "kind": "vf", "parent": "h1n0", "port": 1, "min_gbps": 2.5, "max_gbps": 10},
        {"id": "vm-a", "kind": "vm", "parent": "h1", "label": "guest A", "vnics": [
            {"mode": "vf", "vf": "v0", "tx_gbps": 3, "rx_gbps": 1, "to": "wan"},
            {"mode": "emulated", "nic": "h1n0", "port": 2, "tx_gbps": 0.5, "packet_bytes": 64, "to": "san"},
            {"mode": "paravirtual", "nic": "h1n0", "tx_gbps": 4, "rx_gbps": 4, "min_gbps": 1, "max_gbps": 3,
             "weight": 2.5, "packet_bytes": 9000, "to": "wan"},
            {"mode": "passthrough", "nic": "h1n1", "port": 1, "rx_gbps": 7, "to": "san"},
        ]},
        {"id": "vm.empty_1", "kind": "vm", "parent": "h1", "vnics": []},
    ],
    "links": [
        {"a": "h1n0:0", "b": "tor"},
        {"a": "tor", "b": "h1n0:1", "gbps": 10},
        {"a": "h1n0:2", "b": "tor", "id": "custom-2"},
        {"a": "h1n1:1", "b": "agg", "gbps": 25.5, "id": "pt"},
        {"a": "tor", "b": "agg", "gbps": 400},
        {"a": "agg", "b": "wan"},
        {"a": "agg", "b": "san", "gbps": 40},
    ],
}


def text(doc) -> str:
    return json.dumps(doc)


def refused(data) -> str:
    with pytest.raises(ProjectFileError) as info:
        loads(data)
    message = str(info.value)
    assert message, "empty message"
    assert "\n" not in message and "\r" not in message, message
    return message


def find(doc: dict, element_id: str) -> dict:
    return next(e for e in doc["elements"] if e["id"] == element_id)


# ------------------------------------------------------------------ round trips
def test_spec_example_loads():
    t = loads(text(SPEC_EXAMPLE))
    assert t.title == "Mail rack proposal"
    assert list(t.elements) == ["wan", "tor", "h1", "h1n0", "h1n0v0", "mail", "web"]
    assert list(t.links) == ["h1n0:0--tor", "tor--wan"]
    assert t["h1"].vmm_io_cores == 2.0
    assert t["h1n0"].port_gbps == 10.0 and t["h1n0"].pcie_gbps == 63.0  # default
    assert t["tor"].ports == 48  # default
    mail = t["mail"]
    assert isinstance(mail, VM) and mail.vnics[0].vf == "h1n0v0" and mail.vnics[0].packet_bytes == 1500
    assert t.links["tor--wan"].gbps == 100.0 and t.links["h1n0:0--tor"].gbps is None


def test_rich_project_is_written_back_exactly():
    t = loads(text(RICH))
    assert to_document(t) == RICH
    assert json.loads(dumps(t)) == RICH


def test_rich_round_trip_via_dumps_loads():
    t = loads(text(RICH))
    again = loads(dumps(t))
    assert to_document(again) == to_document(t)
    assert list(again.elements) == list(t.elements)
    assert list(again.links) == list(t.links)
    for eid in t.elements:
        assert again[eid] == t[eid]
    assert again.cost_model == t.cost_model
    # A third pass is a fixed point of the text, too.
    assert dumps(loads(dumps(again))) == dumps(again)


def test_rich_values_are_read_with_the_right_types():
    t = loads(text(RICH))
    h1, nic, vf = t["h1"], t["h1n0"], t["v0"]
    assert (h1.cores, h1.vmm_io_cores, h1.iommu, h1.rack, h1.rack_u, h1.height_u) == (64, 3.5, False, "R1", 10, 2)
    assert isinstance(h1.cores, int) and isinstance(h1.vmm_io_cores, float)
    assert (nic.ports, nic.port_gbps, nic.pcie_gbps, nic.sriov, nic.max_vfs, nic.vmdq) == (4, 25.0, 126.0, True, 128, True)
    assert (vf.parent, vf.port, vf.min_gbps, vf.max_gbps) == ("h1n0", 1, 2.5, 10.0)
    modes = [v.mode for v in t["vm-a"].vnics]
    assert modes == ["vf", "emulated", "paravirtual", "passthrough"]
    pv = t["vm-a"].vnics[2]
    assert (pv.nic, pv.port, pv.min_gbps, pv.max_gbps, pv.weight, pv.packet_bytes, pv.to) == (
        "h1n0", 0, 1.0, 3.0, 2.5, 9000, "wan")
    assert t.links["tor--h1n0:1"].gbps == 10.0
    assert t.links["custom-2"].a == "h1n0:2"
    assert t.cable_at("h1n1", 1).id == "pt"
    assert t.cost_model.core_us_per_packet == {"emulated": 6.0, "paravirtual": 1.25, "vf": 0.1, "passthrough": 0.0}
    assert t.cost_model.vmdq_rx_factor == 0.5
    assert (t["wan"].x, t["wan"].y, t["agg"].x) == (-10.5, 20.0, 0.0)


def test_bytes_str_and_bom_are_all_accepted():
    raw = text(RICH)
    expected = to_document(loads(raw))
    assert to_document(loads(raw.encode("utf-8"))) == expected
    assert to_document(loads(b"\xef\xbb\xbf" + raw.encode("utf-8"))) == expected
    assert to_document(loads(bytearray(raw.encode("utf-8")))) == expected


def test_unknown_fields_are_kept_everywhere():
    doc = copy.deepcopy(SPEC_EXAMPLE)
    doc["generator"] = {"name": "other-tool", "plugins": [1, {"deep": [None, True, "x"]}]}
    doc["z-last"] = "kept"
    doc["cost_model"]["comment"] = "measured on 2024 hardware"
    find(doc, "tor")["colour"] = "blue"
    find(doc, "h1")["asset"] = {"tag": "A-17", "owners": ["ops", "net"]}
    find(doc, "h1n0v0")["vlan"] = 42
    find(doc, "mail")["vnics"][0]["mac"] = "52:54:00:00:00:01"
    find(doc, "mail")["vnics"][0]["queues"] = [4, 4]
    doc["links"][0]["label"] = "patch 7"
    doc["links"][1]["lacp"] = None
    find(doc, "wan")["vnics"] = ["not", "a", "vm"]  # 'vnics' on a non-VM is just an unknown field
    t = loads(text(doc))
    out = to_document(t)
    assert out["generator"] == doc["generator"]
    assert out["z-last"] == "kept"
    assert out["cost_model"] == {"comment": "measured on 2024 hardware"}  # the rest is at its defaults
    assert find(out, "tor")["colour"] == "blue"
    assert find(out, "h1")["asset"] == {"tag": "A-17", "owners": ["ops", "net"]}
    assert find(out, "h1n0v0")["vlan"] == 42
    assert find(out, "mail")["vnics"][0]["mac"] == "52:54:00:00:00:01"
    assert find(out, "mail")["vnics"][0]["queues"] == [4, 4]
    assert out["links"][0]["label"] == "patch 7"
    assert out["links"][1] == {"a": "tor", "b": "wan", "gbps": 100, "lacp": None}
    assert find(out, "wan")["vnics"] == ["not", "a", "vm"]
    # And they survive a save/load cycle through text.
    assert to_document(loads(dumps(t))) == out
    # Unknown fields never leak into the typed fields.
    assert t["tor"].extra == {"colour": "blue"}
    assert t["mail"].vnics[0].extra == {"mac": "52:54:00:00:00:01", "queues": [4, 4]}
    assert t.links["h1n0:0--tor"].extra == {"label": "patch 7"}
    assert t.cost_model.extra == {"comment": "measured on 2024 hardware"}
    assert t.extra == {"generator": doc["generator"], "z-last": "kept"}


def test_unknown_fields_are_attached_to_the_right_vnic():
    doc = copy.deepcopy(RICH)
    find(doc, "vm-a")["vnics"][2]["note"] = "third"
    out = to_document(loads(text(doc)))
    notes = [v.get("note") for v in find(out, "vm-a")["vnics"]]
    assert notes == [None, None, "third", None]


def test_defaults_are_omitted_but_mean_the_same():
    explicit = {
        "format": "rackio-project", "version": 1, "title": "", "notes": "",
        "cost_model": {"core_us_per_packet": {"emulated": 7.5, "paravirtual": 1.5, "vf": 0, "passthrough": 0},
                       "vmdq_rx_factor": 0.43},
        "elements": [
            {"id": "net", "kind": "network", "label": "", "x": None, "y": None},
            {"id": "sw", "kind": "switch", "ports": 48, "port_gbps": 25.0},
            {"id": "h", "kind": "server", "cores": 32, "vmm_io_cores": 4, "iommu": True, "rack": None,
             "rack_u": None, "height_u": 1},
            {"id": "n", "kind": "nic", "parent": "h", "model": "", "ports": 2, "port_gbps": 25, "pcie_gbps": 63,
             "sriov": True, "max_vfs": 64, "vmdq": False},
            {"id": "f", "kind": "vf", "parent": "n", "port": 0, "min_gbps": 0, "max_gbps": 0},
            {"id": "g", "kind": "vm", "parent": "h", "vnics": [
                {"mode": "paravirtual", "vf": None, "nic": "n", "port": 0, "tx_gbps": 0, "rx_gbps": 0,
                 "min_gbps": 0, "max_gbps": 0, "weight": 1, "packet_bytes": 1500, "to": None}]},
        ],
        "links": [{"a": "n:0", "b": "sw", "gbps": None, "id": "n:0--sw"}],
    }
    minimal = {
        "format": "rackio-project", "version": 1,
        "elements": [
            {"id": "net", "kind": "network"},
            {"id": "sw", "kind": "switch"},
            {"id": "h", "kind": "server"},
            {"id": "n", "kind": "nic", "parent": "h"},
            {"id": "f", "kind": "vf", "parent": "n"},
            {"id": "g", "kind": "vm", "parent": "h", "vnics": [{"mode": "paravirtual", "nic": "n"}]},
        ],
        "links": [{"a": "n:0", "b": "sw"}],
    }
    a, b = loads(text(explicit)), loads(text(minimal))
    assert to_document(a) == minimal
    assert to_document(b) == minimal
    for eid in a.elements:
        assert a[eid] == b[eid]
    assert a.links == b.links
    assert a.cost_model == b.cost_model
    # The least a file needs: format and version.
    empty = loads('{"format": "rackio-project", "version": 1}')
    assert empty.elements == {} and empty.links == {} and empty.title == ""
    assert to_document(empty) == {"format": "rackio-project", "version": 1, "elements": [], "links": []}


def test_whole_floats_are_written_as_integers():
    t = loads(text(SPEC_EXAMPLE))
    written = dumps(t)
    assert '"port_gbps": 10\n' in written and "10.0" not in written
    assert '"vmm_io_cores": 2' in written


def test_cost_model_partial_table_keeps_other_defaults():
    doc = copy.deepcopy(SPEC_EXAMPLE)
    doc["cost_model"] = {"core_us_per_packet": {"paravirtual": 3}}
    t = loads(text(doc))
    assert t.cost_model.core_us_per_packet == {"emulated": 7.5, "paravirtual": 3.0, "vf": 0.0, "passthrough": 0.0}
    assert t.cost_model.vmdq_rx_factor == 0.43


# ------------------------------------------------------------- refused files
def mutate(change) -> str:
    doc = copy.deepcopy(SPEC_EXAMPLE)
    change(doc)
    return text(doc)


def set_in(element_id, name, value, vnic=None):
    def change(doc):
        target = find(doc, element_id)
        if vnic is not None:
            target = target["vnics"][vnic]
        target[name] = value
    return change


def drop_in(element_id, name, vnic=None):
    def change(doc):
        target = find(doc, element_id)
        if vnic is not None:
            target = target["vnics"][vnic]
        del target[name]
    return change


def spec_text_with(old: str, new: str) -> str:
    raw = json.dumps(SPEC_EXAMPLE)
    assert raw.count(old) == 1, old
    return raw.replace(old, new)


INVALID = {
    # not JSON at all
    "not-json": (b"{this is not json", ["JSON"]),
    "truncated": (json.dumps(SPEC_EXAMPLE)[:200], ["JSON"]),
    "empty-file": (b"", ["JSON"]),
    "not-utf8": (b'{"format": "rackio-project", "title": "\xff\xfe"}', ["UTF-8"]),
    "top-level-list": ("[]", ["object"]),
    "top-level-number": ("1", ["object"]),
    # wrong format, newer or odd version
    "wrong-format": (mutate(lambda d: d.update(format="rackio-report")), ["format", "rackio-report"]),
    "no-format": (mutate(lambda d: d.pop("format")), ["format"]),
    "newer-version": (mutate(lambda d: d.update(version=2)), ["version", "2"]),
    "much-newer-version": (mutate(lambda d: d.update(version=99)), ["version", "99"]),
    "version-text": (mutate(lambda d: d.update(version="1")), ["version"]),
    "version-float": (mutate(lambda d: d.update(version=1.5)), ["version"]),
    "version-bool": (mutate(lambda d: d.update(version=True)), ["version"]),
    "version-negative": (mutate(lambda d: d.update(version=-1)), ["version"]),
    "no-version": (mutate(lambda d: d.pop("version")), ["version"]),
    # missing fields
    "missing-kind": (mutate(drop_in("tor", "kind")), ['"tor"', "kind"]),
    "missing-parent": (mutate(drop_in("h1n0", "parent")), ['"h1n0"', "parent"]),
    "missing-vf-parent": (mutate(drop_in("h1n0v0", "parent")), ['"h1n0v0"', "parent"]),
    "missing-vm-parent": (mutate(drop_in("web", "parent")), ['"web"', "parent"]),
    "missing-mode": (mutate(drop_in("mail", "mode", vnic=0)), ['"mail"', "mode"]),
    "missing-id": (mutate(lambda d: d["elements"][1].pop("id")), ["elements[1]", "id"]),
    "missing-link-end": (mutate(lambda d: d["links"][1].pop("b")), ["links[1]", "'b'"]),
    # mistyped fields
    "text-for-number": (mutate(set_in("tor", "port_gbps", "25")), ['"tor"', "port_gbps", "'25'"]),
    "text-for-bool": (mutate(set_in("h1", "iommu", "yes")), ['"h1"', "iommu"]),
    "fraction-for-int": (mutate(set_in("h1n0", "ports", 2.5)), ['"h1n0"', "ports"]),
    "list-for-number": (mutate(set_in("h1", "cores", [32])), ['"h1"', "cores"]),
    "number-for-text": (mutate(set_in("h1n0", "model", 710)), ['"h1n0"', "model"]),
    "number-for-label": (mutate(set_in("wan", "label", 1)), ['"wan"', "label"]),
    "null-for-number": (mutate(set_in("tor", "ports", None)), ['"tor"', "ports"]),
    "vnics-object": (mutate(set_in("mail", "vnics", {})), ['"mail"', "vnics"]),
    "vnic-not-object": (mutate(set_in("mail", "vnics", ["vf"])), ['"mail"', "vnics[0]"]),
    "vnic-text-rate": (mutate(set_in("mail", "tx_gbps", "8", vnic=0)), ['"mail"', "tx_gbps"]),
    "vnic-bad-mode": (mutate(set_in("web", "mode", "sriov", vnic=0)), ['"web"', "mode", "'sriov'"]),
    "vnic-packet-small": (mutate(set_in("web", "packet_bytes", 63, vnic=0)), ['"web"', "packet_bytes"]),
    "vnic-packet-large": (mutate(set_in("web", "packet_bytes", 65537, vnic=0)), ['"web"', "packet_bytes"]),
    "vnic-weight-zero": (mutate(set_in("web", "weight", 0, vnic=0)), ['"web"', "weight"]),
    "vnic-ref-number": (mutate(set_in("mail", "vf", 7, vnic=0)), ['"mail"', "vf"]),
    "element-not-object": (mutate(lambda d: d["elements"].insert(2, "h0")), ["elements[2]"]),
    "elements-object": (mutate(lambda d: d.update(elements={})), ["elements"]),
    "links-text": (mutate(lambda d: d.update(links="none")), ["links"]),
    "link-not-object": (mutate(lambda d: d["links"].append(["tor", "wan"])), ["links[2]"]),
    "link-end-number": (mutate(lambda d: d["links"][0].update(b=5)), ["links[0]", "'b'"]),
    "link-gbps-text": (mutate(lambda d: d["links"][1].update(gbps="100")), ['"tor--wan"', "gbps"]),
    "link-bad-id": (mutate(lambda d: d["links"][1].update(id="bad id")), ["links[1]", "id"]),
    "title-number": (mutate(lambda d: d.update(title=5)), ["title"]),
    "notes-list": (mutate(lambda d: d.update(notes=[])), ["notes"]),
    "cost-model-list": (mutate(lambda d: d.update(cost_model=[])), ["cost_model"]),
    "cost-model-factor-text": (mutate(lambda d: d["cost_model"].update(vmdq_rx_factor="x")),
                               ["cost_model", "vmdq_rx_factor"]),
    "cost-model-tau-text": (mutate(lambda d: d["cost_model"]["core_us_per_packet"].update(paravirtual="1.5")),
                            ["cost_model", "paravirtual"]),
    "cost-model-unknown-mode": (mutate(lambda d: d["cost_model"]["core_us_per_packet"].update(sriov=1)),
                                ["cost_model", "sriov"]),
    "cost-model-table-list": (mutate(lambda d: d["cost_model"].update(core_us_per_packet=[1])),
                              ["cost_model", "core_us_per_packet"]),
    # ids
    "duplicate-id": (mutate(lambda d: d["elements"].append({"id": "tor", "kind": "network"})), ['"tor"', "id"]),
    "duplicate-id-same-kind": (mutate(lambda d: d["elements"].insert(2, {"id": "h1", "kind": "server"})),
                               ['"h1"', "id"]),
    "invalid-id": (mutate(set_in("tor", "id", "top of rack")), ["elements[1]", "id"]),
    "id-with-colon": (mutate(set_in("tor", "id", "tor:1")), ["elements[1]", "id"]),
    "id-too-long": (mutate(set_in("tor", "id", "t" * 65)), ["elements[1]", "id"]),
    "id-number": (mutate(set_in("tor", "id", 7)), ["elements[1]", "id"]),
    "duplicate-link-id": (mutate(lambda d: d["links"][1].update(id="h1n0:0--tor")), ['"h1n0:0--tor"', "id"]),
    # dangling references
    "dangling-parent": (mutate(set_in("h1n0", "parent", "h9")), ['"h1n0"', "parent", "'h9'"]),
    "parent-wrong-kind": (mutate(set_in("h1n0v0", "parent", "h1")), ['"h1n0v0"', "parent", "'h1'"]),
    "vm-parent-is-nic": (mutate(set_in("web", "parent", "h1n0")), ['"web"', "parent", "'h1n0'"]),
    "dangling-vnic-vf": (mutate(set_in("mail", "vf", "h1n0v9", vnic=0)), ['"mail"', "'vf'", "'h1n0v9'"]),
    "vnic-vf-is-nic": (mutate(set_in("mail", "vf", "h1n0", vnic=0)), ['"mail"', "'vf'", "'h1n0'"]),
    "dangling-vnic-nic": (mutate(set_in("web", "nic", "h9n0", vnic=0)), ['"web"', "'nic'", "'h9n0'"]),
    "dangling-vnic-to": (mutate(set_in("web", "to", "lan", vnic=0)), ['"web"', "'to'", "'lan'"]),
    "vnic-to-is-switch": (mutate(set_in("web", "to", "tor", vnic=0)), ['"web"', "'to'", "'tor'"]),
    "dangling-link-a": (mutate(lambda d: d["links"][0].update(a="h9n0:0")), ['"h9n0:0--tor"', "'a'", "h9n0:0"]),
    "dangling-link-b": (mutate(lambda d: d["links"][1].update(b="core")), ['"tor--core"', "'b'", "core"]),
    "link-port-out-of-range": (mutate(lambda d: d["links"][0].update(a="h1n0:2")), ['"h1n0:2--tor"', "'a'", "port 2"]),
    "link-to-vm": (mutate(lambda d: d["links"][0].update(a="mail")), ['"mail--tor"', "'a'", "vm"]),
    "link-self-loop": (mutate(lambda d: d["links"][1].update(b="tor")), ['"tor--tor"', "'tor'"]),
    "link-nic-to-nic": (mutate(lambda d: d["links"][1].update(a="h1n0:1", b="h1n0:0", id="x")), ['"x"']),
    "link-network-to-network": (mutate(lambda d: (d["elements"].insert(0, {"id": "lan", "kind": "network"}),
                                                  d["links"].append({"a": "lan", "b": "wan"}))),
                                ['"lan--wan"', "network"]),
    # NIC port cabled twice
    "port-cabled-twice": (mutate(lambda d: d["links"].append({"a": "h1n0:0", "b": "wan"})),
                          ['"h1n0:0--wan"', "'h1n0:0'", "h1n0:0--tor"]),
    "port-cabled-twice-reversed": (mutate(lambda d: d["links"].append({"a": "wan", "b": "h1n0:0", "id": "second"})),
                                   ['"second"', "'b'", "'h1n0:0'"]),
    # negative numbers
    "negative-port-gbps": (mutate(set_in("h1n0", "port_gbps", -10)), ['"h1n0"', "port_gbps", "-10"]),
    "negative-vmm": (mutate(set_in("h1", "vmm_io_cores", -2)), ['"h1"', "vmm_io_cores"]),
    "negative-floor": (mutate(set_in("h1n0v0", "min_gbps", -5)), ['"h1n0v0"', "min_gbps"]),
    "negative-port": (mutate(set_in("h1n0v0", "port", -1)), ['"h1n0v0"', "port"]),
    "negative-vnic-rate": (mutate(set_in("mail", "rx_gbps", -2, vnic=0)), ['"mail"', "rx_gbps"]),
    "negative-link-gbps": (mutate(lambda d: d["links"][1].update(gbps=-1)), ['"tor--wan"', "gbps"]),
    "negative-tau": (mutate(lambda d: d["cost_model"]["core_us_per_packet"].update(emulated=-1)),
                     ["cost_model", "emulated"]),
    # NaN and infinities, as JSON literals and as an overflowing number
    "nan-literal": (spec_text_with('"min_gbps": 5', '"min_gbps": NaN'), ['"h1n0v0"', "min_gbps", "NaN"]),
    "nan-in-vnic": (spec_text_with('"tx_gbps": 8, "rx_gbps": 2', '"tx_gbps": NaN, "rx_gbps": 2'),
                    ['"mail"', "tx_gbps", "NaN"]),
    "nan-in-link": (spec_text_with('"gbps": 100', '"gbps": NaN'), ['"tor--wan"', "gbps", "NaN"]),
    "nan-in-cost-model": (spec_text_with('"vmdq_rx_factor": 0.43', '"vmdq_rx_factor": NaN'),
                          ["cost_model", "vmdq_rx_factor", "NaN"]),
    "infinity-literal": (spec_text_with('"vmm_io_cores": 2', '"vmm_io_cores": Infinity'),
                         ['"h1"', "vmm_io_cores", "Infinity"]),
    "minus-infinity-literal": (spec_text_with('"port_gbps": 10', '"port_gbps": -Infinity'),
                               ['"h1n0"', "port_gbps", "Infinity"]),
    "overflow-1e999": (spec_text_with('"port_gbps": 25', '"port_gbps": 1e999'), ['"tor"', "port_gbps", "finite"]),
    "overflow-in-vnic": (spec_text_with('"rx_gbps": 2', '"rx_gbps": -1e999'), ['"mail"', "rx_gbps"]),
    "overflow-x": (spec_text_with('"label": "Clients"', '"label": "Clients", "x": 1e999'), ['"wan"', "'x'"]),
    "huge-x": (mutate(set_in("wan", "x", 1e300)), ['"wan"', "'x'"]),
    # an overflowing number in a kept unknown field could never be written back
    "overflow-unknown-top": (spec_text_with('"notes": ""', '"notes": "", "x-size": 1e999'), ["project", "x-size"]),
    "overflow-unknown-element": (spec_text_with('"label": "Clients"', '"label": "Clients", "pos": [0, -1e999]'),
                                 ['"wan"', "'pos'"]),
    "overflow-unknown-vnic": (spec_text_with('"rx_gbps": 2', '"rx_gbps": 2, "q": {"depth": 1e999}'),
                              ['"mail"', "'q'"]),
    "overflow-unknown-link": (spec_text_with('"gbps": 100', '"gbps": 100, "len_m": 1e999'), ['"tor--wan"', "len_m"]),
    "overflow-unknown-cost-model": (spec_text_with('"vmdq_rx_factor": 0.43', '"vmdq_rx_factor": 0.43, "k": 1e999'),
                                    ["cost_model", "'k'"]),
    # unknown kind
    "unknown-kind": (mutate(set_in("tor", "kind", "router")), ['"tor"', "kind", "router"]),
    "kind-number": (mutate(set_in("tor", "kind", 3)), ['"tor"', "kind"]),
    # duplicate keys
    "duplicate-key": (spec_text_with('"ports": 2, ', '"ports": 2, "ports": 4, '), ['"h1n0"', "ports", "twice"]),
    "duplicate-key-in-vnic": (spec_text_with('"tx_gbps": 8, "rx_gbps": 2', '"tx_gbps": 8, "tx_gbps": 2'),
                              ['"mail"', "tx_gbps", "twice"]),
    "duplicate-top-key": (spec_text_with('"version": 1', '"version": 1, "version": 1'), ["version", "twice"]),
    # a bool where a number is expected
    "bool-for-int": (mutate(set_in("h1n0", "ports", True)), ['"h1n0"', "ports", "true"]),
    "bool-for-float": (mutate(set_in("tor", "port_gbps", False)), ['"tor"', "port_gbps", "false"]),
    "bool-in-vnic": (mutate(set_in("mail", "tx_gbps", True, vnic=0)), ['"mail"', "tx_gbps"]),
    "bool-link-gbps": (mutate(lambda d: d["links"][1].update(gbps=True)), ['"tor--wan"', "gbps"]),
    "bool-tau": (mutate(lambda d: d["cost_model"]["core_us_per_packet"].update(vf=True)), ["cost_model", "vf"]),
    # absurd nesting of an unknown field
    "deep-nesting": ('{"format": "rackio-project", "version": 1, "x": ' + "[" * 5000 + "]" * 5000 + "}", []),
    "deep-unknown-field": (mutate(set_in("tor", "extra", json.loads("[" * 100 + "]" * 100))), ['"tor"']),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_file_is_refused_with_one_sentence(case):
    data, words = INVALID[case]
    message = refused(data)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_newer_version_message_says_it_is_newer():
    message = refused(mutate(lambda d: d.update(version=CURRENT_VERSION + 1)))
    assert f"version {CURRENT_VERSION + 1}" in message
    assert "newer" in message


def test_a_refused_file_changes_nothing_it_was_given():
    raw = mutate(set_in("h1n0", "parent", "h9"))
    before = raw
    refused(raw)
    assert raw == before


def test_invalid_cases_really_differ_from_a_valid_file():
    # The unmutated example loads, so every refusal above comes from its one change.
    loads(text(SPEC_EXAMPLE))
    loads(json.dumps(SPEC_EXAMPLE).encode())


def test_design_problems_do_not_stop_loading():
    doc = copy.deepcopy(SPEC_EXAMPLE)
    find(doc, "h1n0")["max_vfs"] = 0  # vf-limit
    find(doc, "h1n0v0")["port"] = 7  # bad-port
    find(doc, "web")["vnics"].append({"mode": "vf", "vf": "h1n0v0"})  # vf-shared
    doc["elements"].append({"id": "h2", "kind": "server"})
    doc["elements"].append({"id": "far", "kind": "vm", "parent": "h2",
                            "vnics": [{"mode": "passthrough", "nic": "h1n0", "port": 1}]})
    t = loads(text(doc))
    assert "far" in t


def test_load_path_errors_are_project_file_errors(tmp_path):
    with pytest.raises(ProjectFileError, match="does not exist"):
        load(tmp_path / "missing.rackio")
    with pytest.raises(ProjectFileError, match="folder"):
        load(tmp_path)
    bad = tmp_path / "bad.rackio"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(ProjectFileError, match="JSON"):
        load(bad)


# ----------------------------------------------------------------- migration
V1_EQUIVALENT = {
    "format": "rackio-project",
    "version": 1,
    "title": "Pre-release rack",
    "notes": "drawn before the v1 format",
    "owner": "ops team",
    "elements": [
        {"id": "wan", "kind": "network", "label": "Clients"},
        {"id": "tor", "kind": "switch", "ports": 24, "port_gbps": 25},
        {"id": "h1", "kind": "server", "vmm_io_cores": 2, "asset_tag": "A-17"},
        {"id": "h1n0", "kind": "nic", "parent": "h1", "model": "Intel X710", "ports": 2, "port_gbps": 10},
        {"id": "h1n0v0", "kind": "vf", "parent": "h1n0", "port": 0, "min_gbps": 5},
        {"id": "mail", "kind": "vm", "parent": "h1",
         "vnics": [{"mode": "vf", "vf": "h1n0v0", "tx_gbps": 8, "rx_gbps": 2, "mac": "52:54:00:00:00:01"}]},
        {"id": "web", "kind": "vm", "parent": "h1",
         "vnics": [{"mode": "paravirtual", "nic": "h1n0", "port": 0, "tx_gbps": 8, "to": "wan"}]},
    ],
    "links": [{"a": "h1n0:0", "b": "tor"}, {"a": "tor", "b": "wan", "gbps": 100, "colour": "blue"}],
}


def test_v0_fixture_is_really_v0():
    raw = json.loads((FIXTURES / "v0-project.json").read_text(encoding="utf-8"))
    assert raw["version"] == 0
    assert "nodes" in raw and "elements" not in raw
    assert "cables" in raw and "links" not in raw


def test_v0_file_migrates_to_its_v1_equivalent():
    old = load(FIXTURES / "v0-project.json")
    new = loads(text(V1_EQUIVALENT))
    assert to_document(old) == to_document(new)
    assert list(old.elements) == list(new.elements)
    for eid in new.elements:
        assert old[eid] == new[eid]
    assert old.links == new.links
    assert old.title == "Pre-release rack"
    assert old["mail"].vnics[0].mode == "vf" and old["mail"].vnics[0].vf == "h1n0v0"
    assert old.links["tor--wan"].gbps == 100.0


def test_v0_file_is_written_as_v1_with_unknown_fields():
    written = json.loads(dumps(load(FIXTURES / "v0-project.json")))
    assert written["version"] == CURRENT_VERSION == 1
    assert "nodes" not in written and "cables" not in written and "name" not in written
    assert written["owner"] == "ops team"
    assert find(written, "h1")["asset_tag"] == "A-17"
    assert find(written, "mail")["vnics"][0]["mac"] == "52:54:00:00:00:01"
    assert written["links"][1]["colour"] == "blue"


def test_v0_file_with_errors_is_refused_with_element_and_field():
    raw = json.loads((FIXTURES / "v0-project.json").read_text(encoding="utf-8"))
    raw["nodes"][3]["port_gbps"] = -1
    message = refused(text(raw))
    assert '"h1n0"' in message and "port_gbps" in message


def test_v0_loader_does_not_change_the_fixture():
    path = FIXTURES / "v0-project.json"
    before = path.read_bytes()
    load(path)
    assert path.read_bytes() == before


# ------------------------------------------------------------------- saving
def spec_topology() -> Topology:
    return loads(text(SPEC_EXAMPLE))


def test_save_then_load(tmp_path):
    path = tmp_path / "rack.rackio"
    t = loads(text(RICH))
    save(t, path)
    assert to_document(load(path)) == RICH
    assert path.read_text(encoding="utf-8") == dumps(t)
    assert path.read_bytes().endswith(b"\n")
    assert "☁" in path.read_text(encoding="utf-8")  # UTF-8, not \u escapes


def test_save_accepts_str_path(tmp_path):
    path = tmp_path / "rack.rackio"
    save(spec_topology(), str(path))
    assert load(str(path)).title == "Mail rack proposal"


def test_failed_replace_leaves_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "rack.rackio"
    path.write_bytes(b"old contents \x00\xff exactly")

    def broken_replace(src, dst, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        save(spec_topology(), path)
    assert path.read_bytes() == b"old contents \x00\xff exactly"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rack.rackio"]


def test_failed_fsync_leaves_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "rack.rackio"
    save(spec_topology(), path)
    before = path.read_bytes()

    def broken_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    t = spec_topology()
    t.set_project_field("title", "changed")
    with pytest.raises(OSError):
        save(t, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rack.rackio"]


def test_failed_write_of_a_new_file_leaves_nothing(tmp_path, monkeypatch):
    def broken_replace(src, dst, *args, **kwargs):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        save(spec_topology(), tmp_path / "new.rackio")
    assert list(tmp_path.iterdir()) == []


def test_save_into_missing_folder_raises(tmp_path):
    with pytest.raises(OSError):
        save(spec_topology(), tmp_path / "no" / "such" / "rack.rackio")
    assert list(tmp_path.iterdir()) == []


def test_save_onto_a_folder_raises(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(OSError):
        save(spec_topology(), tmp_path / "d")
    assert (tmp_path / "d").is_dir() and list((tmp_path / "d").iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["d"]


def test_save_keeps_the_file_mode(tmp_path):
    path = tmp_path / "rack.rackio"
    path.write_text("{}", encoding="utf-8")
    os.chmod(path, 0o640)
    save(spec_topology(), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    os.chmod(path, 0o604)
    save(spec_topology(), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o604


def test_new_file_gets_the_umask_mode(tmp_path):
    old_mask = os.umask(0o027)
    try:
        save(spec_topology(), tmp_path / "new.rackio")
    finally:
        os.umask(old_mask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.rackio").st_mode) == 0o640


def test_repeated_saves_leave_no_temporary_files(tmp_path):
    path = tmp_path / "rack.rackio"
    for title in ("one", "two", "three"):
        t = spec_topology()
        t.set_project_field("title", title)
        save(t, path)
    assert load(path).title == "three"
    assert [p.name for p in tmp_path.iterdir()] == ["rack.rackio"]


def test_topology_built_in_code_saves_and_loads(tmp_path):
    t = Topology(title="code")
    t.add(Switch(id="s"))
    t.add(Server(id="h"))
    t.add(Nic(id="n", parent="h"))
    path = tmp_path / "c.rackio"
    save(t, path)
    again = load(path)
    assert to_document(again) == to_document(t)


def test_nic_capability_fields_round_trip_and_default_to_1_0_behaviour():
    """SPEC §9: the six optional NIC fields load, are written only when set, and refuse bad names."""
    base = {"format": "rackio-project", "version": 1, "links": [],
            "elements": [{"id": "h1", "kind": "server"}, {"id": "n", "kind": "nic", "parent": "h1"}]}
    plain = loads(json.dumps(base)).elements["n"]
    assert (plain.vf_min_rate, plain.vf_max_rate, plain.max_vfs_per_port, plain.throughput_gbps,
            plain.driver, plain.netdevs) == (True, True, 0, 0.0, "", [])
    assert "netdevs" not in dumps(loads(json.dumps(base)))

    nic = {"id": "n", "kind": "nic", "parent": "h1", "vf_min_rate": False, "vf_max_rate": False,
           "max_vfs_per_port": 63, "throughput_gbps": 100, "driver": "ixgbe", "netdevs": ["ens1f0", "ens1f1"]}
    doc = dict(base, elements=[base["elements"][0], nic])
    written = json.loads(dumps(loads(json.dumps(doc))))
    assert written["elements"][1] == nic

    for bad, says in ((["ens 1"], "interface names"), ("ens1f0", "a list"), (["a", "a"], "twice"),
                      (["x" * 16], "1–15 characters")):
        doc["elements"][1] = dict(nic, netdevs=bad)
        with pytest.raises(ProjectFileError, match=says):
            loads(json.dumps(doc))


def test_packet_bytes_up_to_64_kib_for_segmentation_offload():
    from designer.fileformat import ProjectFileError, loads

    def doc(size):
        return json.dumps({"format": "rackio-project", "version": 1, "elements": [
            {"id": "h", "kind": "server"},
            {"id": "g", "kind": "vm", "parent": "h", "vnics": [{"mode": "emulated", "packet_bytes": size}]}],
            "links": []})

    assert loads(doc(65536)).elements["g"].vnics[0].packet_bytes == 65536
    with pytest.raises(ProjectFileError, match="packet_bytes' must be a whole number from 64 to 65536, got 65537"):
        loads(doc(65537))


def test_more_interface_names_than_ports_is_refused_whole():
    from designer.fileformat import ProjectFileError, loads
    from designer.model import ModelError

    def doc(names, ports=2):
        return json.dumps({"format": "rackio-project", "version": 1, "elements": [
            {"id": "h", "kind": "server"},
            {"id": "n", "kind": "nic", "parent": "h", "ports": ports, "netdevs": names}], "links": []})

    assert loads(doc(["ens1f0"])).elements["n"].netdevs == ["ens1f0"]  # fewer names than ports: fine
    with pytest.raises(ProjectFileError, match=r'element "n" \(nic\): field .netdevs. names 3 interfaces .* 2 ports'):
        loads(doc(["a0", "a1", "a2"]))
    # The editing API keeps the same rule, both ways.
    topo = loads(doc(["ens1f0", "ens1f1"]))
    with pytest.raises(ModelError, match="netdevs names 2 interfaces"):
        topo.set_field("n", "ports", 1)
    with pytest.raises(ModelError, match="netdevs names 3 interfaces"):
        topo.set_field("n", "netdevs", ["a", "b", "c"])
    assert topo.elements["n"].ports == 2 and topo.elements["n"].netdevs == ["ens1f0", "ens1f1"]


def test_cost_model_preset_is_a_label_next_to_the_values():
    from designer.fileformat import ProjectFileError, dumps, loads
    from designer.model.elements import COST_PRESETS

    def doc(cost_model):
        return json.dumps({"format": "rackio-project", "version": 1, "cost_model": cost_model,
                           "elements": [], "links": []})

    topo = loads(doc({"preset": "virtio-tso", "core_us_per_packet": {"paravirtual": 0.384}}))
    assert topo.cost_model.preset == "virtio-tso"
    assert topo.cost_model.core_us_per_packet == COST_PRESETS["virtio-tso"].core_us_per_packet
    assert topo.cost_model.matching_preset() == "virtio-tso"
    written = json.loads(dumps(topo))["cost_model"]
    assert written["preset"] == "virtio-tso" and written["core_us_per_packet"]["paravirtual"] == 0.384
    # The values rule: a preset name whose values were edited solves with the values written.
    odd = loads(doc({"preset": "virtio-tso", "core_us_per_packet": {"paravirtual": 2.0}}))
    assert odd.cost_model.core_us_per_packet["paravirtual"] == 2.0 and odd.cost_model.matching_preset() == ""
    # An unknown (newer) preset name is kept; a non-text one is refused with the field named.
    assert loads(doc({"preset": "dpdk-vhost"})).cost_model.preset == "dpdk-vhost"
    with pytest.raises(ProjectFileError, match="cost_model: field 'preset' must be a preset name"):
        loads(doc({"preset": 3}))
    # No preset, default values: nothing written, as before.
    assert "cost_model" not in json.loads(dumps(loads(doc({}))))


@pytest.mark.parametrize("case", ["rich", "examples", "generated", "empty"])
def test_the_streamed_text_is_the_text_of_dumps(case):
    """The autosave worker writes ``dumps_streamed`` (record by record): byte for byte ``dumps``."""
    from designer.fileformat.project import dumps_streamed
    from designer.generate import generate

    examples = Path(__file__).resolve().parents[2] / "resources" / "examples"
    if case == "rich":
        designs = [loads(text(RICH))]
    elif case == "examples":
        designs = [load(path) for path in sorted(examples.glob("*.rackio"))]
    elif case == "generated":
        designs = [generate(2, 3, 4, seed=5)]
    else:
        designs = [Topology(title="")]
    assert designs
    for topo in designs:
        assert dumps_streamed(topo) == dumps(topo)


def test_load_can_hold_the_parsed_document_for_a_process_about_to_end():
    """``rackio solve`` keeps what it read to the end of its process (cli.run): ``hold``
    receives the parsed document, and the design is the one ``load`` gives."""
    example = Path(__file__).resolve().parents[2] / "resources" / "examples" / "mail-rack.rackio"
    hold: list = []
    topo = load(example, hold=hold)
    assert len(hold) == 1 and hold[0]["format"] == "rackio-project"
    assert hold[0] == json.loads(example.read_text(encoding="utf-8"))
    assert to_document(topo) == to_document(load(example))
