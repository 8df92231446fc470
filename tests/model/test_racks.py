"""Racks in the model (Qt-free): placing, moving, collisions, overflows, renaming,
removing and restoring racks, figures, and racks in the project file."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from designer.fileformat import ProjectFileError, dumps, loads, to_document
from designer.model import VM, Link, ModelError, Network, Nic, Rack, Server, Switch, Topology, VNic
from designer.model.racks import free_slot, members, placement_problem, rack_figures, unracked
from designer.model.rules import PROBLEM_CODES, check_design
from designer.solver import solve

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def racked_design() -> Topology:
    """Two racks; h1 (2 U) at U1–U2 and the ToR at U42 of rack a; h2 unracked."""
    t = Topology(title="racks")
    t.add_rack(Rack(id="a", label="Rack A"))
    t.add_rack(Rack(id="b", height_u=10))
    t.add(Network(id="wan"))
    t.add(Switch(id="tor", rack="a", rack_u=42))
    t.add(Server(id="h1", rack="a", rack_u=1, height_u=2))
    t.add(Server(id="h2"))
    return t


def codes(topo: Topology, code: str) -> list:
    return [p for p in check_design(topo) if p.code == code]


def events_of(topo: Topology) -> list:
    seen: list = []
    topo.subscribe(seen.append)
    return seen


# ------------------------------------------------------------------ editing
def test_place_move_and_unplace_notify_and_return_the_old_slot():
    t = racked_design()
    seen = events_of(t)
    assert t.place("h2", "a", 3) == (None, None)
    assert (t["h2"].rack, t["h2"].rack_u) == ("a", 3)
    assert [m.id for m in members(t, "a")] == ["h1", "h2", "tor"]
    assert t.place("h2", "b", 10) == ("a", 3)  # move to another rack
    assert [m.id for m in members(t, "b")] == ["h2"]
    assert t.unplace("h2") == ("b", 10)
    assert [e.id for e in unracked(t)] == ["h2"]
    assert [(e.kind, e.id, e.field) for e in seen] == [("element-changed", "h2", "rack")] * 3


@pytest.mark.parametrize("element_id, rack, u, words", [
    ("wan", "a", 1, "only servers and switches"),
    ("h2", "zz", 1, "'zz' is not a rack"),
    ("h2", "a", 0, "rack_u"),
    ("h2", "a", 2.5, "rack_u"),
    ("nope", "a", 1, "no element"),
])
def test_place_refuses_what_the_model_cannot_hold(element_id, rack, u, words):
    t = racked_design()
    before = dumps(t)
    with pytest.raises(ModelError, match=words):
        t.place(element_id, rack, u)
    assert dumps(t) == before


def test_placement_problem_names_the_occupant_and_the_top():
    t = racked_design()
    assert placement_problem(t, "h2", "a", 3) is None
    assert placement_problem(t, "h1", "a", 2) is None  # overlapping only itself
    assert placement_problem(t, "h2", "a", 2) == "U2 of Rack A is taken by server h1 (U1–U2)."
    assert placement_problem(t, "h2", "a", 42) == "U42 of Rack A is taken by switch tor (U42)."
    t.set_field("h2", "height_u", 3)
    assert placement_problem(t, "h2", "b", 9) == (
        "server h2 (3 U) does not fit at U9 of b: it would reach U11, past the top of the 10 U rack.")
    assert placement_problem(t, "h2", "b", 0) == "server h2 cannot go below U1 of b."
    assert placement_problem(t, "wan", "b", 1) is not None
    assert free_slot(t, "a", 3) == 3 and free_slot(t, "a", 1, from_top=True) == 41
    assert free_slot(t, "b", 11) is None


def test_add_rack_refuses_bad_and_clashing_ids_and_heights():
    t = racked_design()
    for rack, words in ((Rack(id="a"), "already exists"), (Rack(id="tor"), "used by a switch"),
                        (Rack(id="bad id"), "not a valid rack id"), (Rack(id="c", height_u=0), "height_u"),
                        (Rack(id="c", height_u=101), "height_u")):
        with pytest.raises(ModelError, match=words):
            t.add_rack(rack)
    assert list(t.racks) == ["a", "b"]
    with pytest.raises(ModelError, match="already the id of a rack"):
        t.add(Server(id="a"))
    assert t.new_id("a") == "a1"


def test_set_rack_field_validates_and_returns_the_old_value():
    t = racked_design()
    seen = events_of(t)
    assert t.set_rack_field("a", "height_u", 48.0) == 42 and t.racks["a"].height_u == 48
    assert t.set_rack_field("a", "label", "Row 1") == "Rack A"
    for name, value in (("height_u", 0), ("height_u", "tall"), ("id", "x"), ("colour", "red")):
        with pytest.raises(ModelError):
            t.set_rack_field("a", name, value)
    assert [(e.kind, e.id, e.field) for e in seen] == [("rack-changed", "a", "height_u"), ("rack-changed", "a", "label")]


def test_rename_rack_moves_every_element_and_keeps_the_order():
    t = racked_design()
    seen = events_of(t)
    t.rename_rack("a", "row1-a")
    assert list(t.racks) == ["row1-a", "b"] and t.racks["row1-a"].id == "row1-a"
    assert t["tor"].rack == "row1-a" and t["h1"].rack == "row1-a"
    assert ("rack-changed", "row1-a", "id") in [(e.kind, e.id, e.field) for e in seen]
    assert {e.id for e in seen if e.kind == "element-changed"} == {"tor", "h1"}
    with pytest.raises(ModelError, match="used by a server"):
        t.rename_rack("b", "h1")
    t.rename_rack("row1-a", "a")
    assert dumps(t) == dumps(racked_design())


def test_remove_rack_unracks_its_elements_and_restore_puts_them_back():
    t = racked_design()
    t.place("h2", "b", 5)
    before = dumps(t)
    seen = events_of(t)
    removal = t.remove_rack("a")
    assert list(t.racks) == ["b"]
    assert (t["tor"].rack, t["tor"].rack_u, t["h1"].rack, t["h1"].rack_u) == (None, None, None, None)
    assert t["h2"].rack == "b"
    assert seen[-1].kind == "rack-removed"
    t.restore_rack(removal)
    assert dumps(t) == before and list(t.racks) == ["a", "b"]


def test_copy_keeps_racks_apart():
    t = racked_design()
    clone = t.copy()
    clone.set_rack_field("a", "height_u", 20)
    clone.rename_rack("b", "c")
    assert t.racks["a"].height_u == 42 and list(t.racks) == ["a", "b"]
    assert list(clone.racks) == ["a", "c"]


def test_an_element_pasted_with_a_rack_this_design_lacks_arrives_unracked():
    t = racked_design()
    t.add(Server(id="h3", rack="elsewhere", rack_u=7))
    assert (t["h3"].rack, t["h3"].rack_u) == (None, None)
    t.add(Server(id="h4", rack="b", rack_u=7))
    assert (t["h4"].rack, t["h4"].rack_u) == ("b", 7)


# -------------------------------------------------------------------- rules
def test_rack_rules_are_known_codes():
    assert PROBLEM_CODES["rack-collision"][0] == "error"
    assert PROBLEM_CODES["rack-overflow"][0] == "error"
    assert check_design(racked_design()) == []


def test_collision_names_both_elements_and_the_unit():
    t = racked_design()
    t.place("h2", "a", 2)  # h1 holds U1–U2
    [found] = codes(t, "rack-collision")
    assert found.element == "h2" and found.severity == "error"
    assert found.message == "Server h2 (U2) and server h1 (U1–U2) overlap at U2 of rack Rack A."
    t.place("h2", "a", 3)
    assert codes(t, "rack-collision") == []


def test_three_overlapping_elements_make_one_problem_per_pair():
    t = racked_design()
    t.add(Server(id="h3"))
    t.set_field("h2", "height_u", 4)
    t.place("h2", "a", 1)
    t.place("h3", "a", 4)
    pairs = sorted((p.element, p.message.split(" and ")[1].split(" (")[0]) for p in codes(t, "rack-collision"))
    assert pairs == [("h2", "server h1"), ("h3", "server h2")]


def test_overflow_past_the_top_and_after_shrinking_a_rack():
    t = racked_design()
    t.set_field("h2", "height_u", 2)
    t.place("h2", "b", 10)
    [found] = codes(t, "rack-overflow")
    assert found.element == "h2"
    assert found.message == "Server h2 occupies U10–U11 of rack b, which has only 10 U."
    t.place("h2", "b", 9)
    assert codes(t, "rack-overflow") == []
    t.set_rack_field("a", "height_u", 41)  # the ToR at U42 is now above the top
    assert [p.element for p in codes(t, "rack-overflow")] == ["tor"]


def test_rack_problems_reach_the_solver_report():
    t = racked_design()
    t.place("h2", "a", 42)
    report = solve(t).to_report()
    assert [p["code"] for p in report["problems"]] == ["rack-collision"]


# ------------------------------------------------------------------ figures
def figures_design() -> Topology:
    """h1: 2 paravirtual guests of 4 Gbit/s at 1500 B on a 10G port → 2 × 4 × 0.125 = 1.0 VMM core of 2;
    port h1n0:0 tx carries 8 of 10 Gbit/s (80 %). h2 (unwired, no traffic) and the ToR in the rack too."""
    t = Topology()
    t.add_rack(Rack(id="r", height_u=12))
    t.add(Network(id="wan"))
    t.add(Switch(id="tor", port_gbps=10, rack="r", rack_u=12))
    t.add(Server(id="h1", vmm_io_cores=2, rack="r", rack_u=1, height_u=2))
    t.add(Nic(id="h1n0", parent="h1", port_gbps=10))
    for name in ("g1", "g2"):
        t.add(VM(id=name, parent="h1", vnics=[VNic(mode="paravirtual", nic="h1n0", port=0, tx_gbps=4)]))
    t.add(Server(id="h2", vmm_io_cores=3, rack="r", rack_u=3, height_u=2))
    t.add(VM(id="idle", parent="h2"))
    t.add(Server(id="h3", vmm_io_cores=8))  # unracked: not counted
    t.connect(Link(a="h1n0:0", b="tor"))
    t.connect(Link(a="tor", b="wan", gbps=100))
    return t


def test_rack_figures_against_hand_computed_values():
    t = figures_design()
    [fig] = rack_figures(t, solve(t)).values()
    assert (fig.height_u, fig.used_u, fig.free_u) == (12, 5, 7)
    assert (fig.servers, fig.switches, fig.vms) == (2, 1, 3)
    assert fig.vmm_cores == pytest.approx(1.0) and fig.vmm_capacity_cores == 5.0
    assert fig.peak_port_utilization == pytest.approx(0.8)
    assert fig.peak_port_resource == "port:h1n0:0:tx"
    no_solution = rack_figures(t)["r"]
    assert no_solution.peak_port_utilization is None and no_solution.vmm_cores == 0.0


def test_overlapping_and_overflowing_units_count_once_within_the_rack():
    t = figures_design()
    t.place("h2", "r", 2)  # U2–U3 overlaps h1's U2
    t.place("tor", "r", 12)
    t.set_field("tor", "height_u", 3)  # U12–U14: only U12 is inside
    assert rack_figures(t)["r"].used_u == 3 + 1


# ------------------------------------------------------------------- files
def test_racks_round_trip_through_the_file():
    t = racked_design()
    t.racks["b"].extra = {"vendor": {"model": "42U open frame"}}
    doc = to_document(t)
    assert doc["racks"] == [{"id": "a", "label": "Rack A"}, {"id": "b", "height_u": 10,
                                                             "vendor": {"model": "42U open frame"}}]
    assert list(doc)[:3] == ["format", "version", "title"] and list(doc).index("racks") < list(doc).index("elements")
    tor = next(e for e in doc["elements"] if e["id"] == "tor")
    assert (tor["rack"], tor["rack_u"]) == ("a", 42)
    again = loads(dumps(t))
    assert dumps(again) == dumps(t)
    assert again.racks["b"].extra == {"vendor": {"model": "42U open frame"}}
    assert "racks" not in again.extra


def test_a_design_without_racks_writes_no_racks_key():
    t = Topology()
    t.add(Server(id="h"))
    assert "racks" not in to_document(t)


def old_style(doc: dict) -> dict:
    """The example as an older RackIO wrote it: free rack names, no racks list."""
    doc = copy.deepcopy(doc)
    names = {rack["id"]: rack.get("label", rack["id"]) for rack in doc.pop("racks")}
    for element in doc["elements"]:
        if element["kind"] == "switch":
            for key in ("rack", "rack_u", "height_u"):
                element.pop(key, None)
        elif "rack" in element:
            element["rack"] = names[element["rack"]]
    return doc


def test_an_old_file_with_free_rack_names_opens_unchanged():
    new_doc = json.loads((EXAMPLES / "two-rack-proposal.rackio").read_text())
    old_doc = old_style(new_doc)
    assert {e["rack"] for e in old_doc["elements"] if "rack" in e} == {"Rack 1", "Rack 2"}
    old = loads(json.dumps(old_doc))
    # Implicit racks of 42 U; the free names are not ids, so they become ids and stay as labels.
    assert [(r.id, r.label, r.height_u) for r in old.racks.values()] == [
        ("Rack-1", "Rack 1", 42), ("Rack-2", "Rack 2", 42)]
    assert {s.rack for s in old.servers} == {"Rack-1", "Rack-2"}
    assert [s.rack_u for s in old.servers] == [s.rack_u for s in loads(json.dumps(new_doc)).servers]
    # The same numbers as the current file, and no rack problem.
    assert solve(old).to_report() == solve(loads(json.dumps(new_doc))).to_report()
    # Written to "racks" on the next save.
    assert [r["id"] for r in to_document(old)["racks"]] == ["Rack-1", "Rack-2"]


def test_implicit_rack_keeps_a_valid_free_name_as_its_id_and_avoids_clashes():
    doc = {"format": "rackio-project", "version": 1, "elements": [
        {"id": "h1", "kind": "server", "rack": "r7", "rack_u": 1},
        {"id": "h2", "kind": "server", "rack": "h1", "rack_u": 2},  # a rack named like a server
        {"id": "h3", "kind": "server", "rack": "r7", "rack_u": 3}]}
    t = loads(json.dumps(doc))
    assert [(r.id, r.label) for r in t.racks.values()] == [("r7", ""), ("h1-rack", "h1")]
    assert [t[h].rack for h in ("h1", "h2", "h3")] == ["r7", "h1-rack", "r7"]
    assert check_design(t) == []


def test_unknown_fields_are_still_kept_everywhere():
    doc = json.loads((EXAMPLES / "mail-rack.rackio").read_text())
    doc["future_top"] = {"a": [1, 2]}
    doc["racks"][0]["pdu"] = "A+B"
    next(e for e in doc["elements"] if e["id"] == "tor")["stack_id"] = 3
    out = json.loads(dumps(loads(json.dumps(doc))))
    assert out == doc


@pytest.mark.parametrize("racks, message", [
    ({"id": "a"}, "project: field 'racks' must be a list."),
    (["a"], "racks[0] must be an object, not str."),
    ([{"label": "x"}], "racks[0]: field 'id' is missing."),
    ([{"id": "a b"}], "racks[0]: field 'id' must be 1–64 characters of A-Z a-z 0-9 _ . -, got 'a b'."),
    ([{"id": "a"}, {"id": "a"}], "rack \"a\": field 'id' duplicates an earlier rack."),
    ([{"id": "h"}], "rack \"h\": field 'id' is already the id of server 'h'."),
    ([{"id": "a", "height_u": 101}], "rack \"a\": field 'height_u' must be a whole number from 1 to 100, got 101."),
    ([{"id": "a", "label": 5}], "rack \"a\": field 'label' must be text, got 5."),
])
def test_bad_racks_are_refused_with_one_sentence(racks, message):
    doc = {"format": "rackio-project", "version": 1, "racks": racks, "elements": [{"id": "h", "kind": "server"}]}
    with pytest.raises(ProjectFileError) as info:
        loads(json.dumps(doc))
    assert str(info.value) == message


def test_bad_switch_rack_fields_are_refused():
    doc = {"format": "rackio-project", "version": 1, "elements": [
        {"id": "s", "kind": "switch", "rack_u": 0}]}
    with pytest.raises(ProjectFileError, match="element \"s\" \\(switch\\): field 'rack_u'"):
        loads(json.dumps(doc))


def test_generated_racks_hold_their_servers_with_the_tor_on_top():
    from designer.generate import generate

    t = generate(2, 3, 1)
    assert [(r.id, r.label, r.height_u) for r in t.racks.values()] == [("rack1", "Rack 1", 42), ("rack2", "Rack 2", 42)]
    assert [(e.id, e.rack_u) for e in members(t, "rack1")] == [("r1s1", 1), ("r1s2", 2), ("r1s3", 3), ("core", 41),
                                                               ("r1-tor", 42)]
    assert [(e.id, e.rack_u) for e in members(t, "rack2")][-1] == ("r2-tor", 42)
    assert check_design(t) == []
    tall = generate(1, 120, 0)
    assert tall.racks["rack1"].height_u == 100
    assert [e.id for e in unracked(tall)][:1] == ["r1s99"] and len(unracked(tall)) == 22
    assert check_design(tall) == []
