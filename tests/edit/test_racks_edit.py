"""Editing racks without Qt: placing in a slot (the rack view's drop), the lowest free slot
(the Unracked tray's "Place"), taking out, and adding, editing and removing racks.

In the test design rack r1 "Row A" is 4 U: host1 at U1, tor at U4; r2 is 42 U and empty.
"""

from __future__ import annotations

import copy

import pytest
from edit_support import design, roundtrip, run, snapshot

from designer.edit import ops
from designer.edit.commands import MacroCommand, PlaceCommand
from designer.model import Server, Topology
from designer.model.racks import free_slot, is_racked, members, placement_problem
from designer.model.rules import check_design
from designer.model.topology import ModelError


def rack_errors(t: Topology) -> list[str]:
    return [p.code for p in check_design(t) if p.code.startswith("rack-")]


def test_a_drop_the_rack_view_accepts_is_one_the_rules_accept():
    """Every slot ``placement_problem`` allows (the drag feedback) gives no rack problem once
    placed, and every slot it refuses is one ``place`` refuses with the same sentence."""
    for element, height in (("host2", 1), ("host2", 2), ("tor", 1), ("host3", 3)):
        for rack_u in range(0, 7):
            t = design()
            t.set_field(element, "height_u", height)
            problem = placement_problem(t, element, "r1", rack_u)
            outcome = ops.place(t, element, "r1", rack_u)
            if problem is None:
                if outcome is not None:
                    run(outcome)
                assert rack_errors(t) == [], (element, height, rack_u)
            else:
                assert outcome == problem


def test_placing_and_moving_in_a_rack():
    t = design()
    command = roundtrip(t, ops.place(t, "host2", "r1", 2))
    assert (t["host2"].rack, t["host2"].rack_u) == ("r1", 2)
    assert command.text != ops.place(t, "host2", "r1", 3).text  # placing, then moving


def test_placing_into_another_rack_frees_the_old_slot():
    t = design()
    roundtrip(t, ops.place(t, "host1", "r2", 10))
    assert [e.id for e in members(t, "r1")] == ["tor"]
    assert isinstance(ops.place(t, "host2", "r1", 1), PlaceCommand)  # U1 is free again


def test_the_placement_problem_for_another_height():
    """The rack view asks with the height an element would have (``height_u``)."""
    t = design()
    assert placement_problem(t, "host2", "r1", 2) is None
    assert "U4" in placement_problem(t, "host2", "r1", 2, height_u=3)  # reaches the switch at U4


def test_the_lowest_free_slot_for_servers_the_highest_for_switches():
    t = design()
    t.set_field("host2", "height_u", 2)
    command = roundtrip(t, ops.place_in_free_slot(t, ["host2", "host3"], "r2"))
    assert command.moves == {"host2": ("r2", 1), "host3": ("r2", 3)}
    t2 = design()
    run(ops.add_element(t2, "switch"))
    command = run(ops.place_in_free_slot(t2, ["sw1"], "r2"))
    assert command.moves == {"sw1": ("r2", t2.racks["r2"].height_u)}
    assert free_slot(t2, "r2", 1, from_top=True) == t2.racks["r2"].height_u - 1


def test_the_free_slot_ignores_the_elements_being_placed():
    """Placing host1 (at U1 of r1) and host2 in r1: host1's own slot counts as free."""
    t = design()
    command = run(ops.place_in_free_slot(t, ["host2", "host1"], "r1"))
    assert command.moves == {"host2": ("r1", 1), "host1": ("r1", 2)}
    assert rack_errors(t) == []


def test_an_element_named_twice_takes_one_slot():
    t = design()
    command = run(ops.place_in_free_slot(t, ["host2", "host2", "host3"], "r2"))
    assert command.moves == {"host2": ("r2", 1), "host3": ("r2", 2)}


def test_placing_where_everything_already_is_is_no_edit():
    t = design()
    assert ops.place_in_free_slot(t, ["host1"], "r1") is None  # U1 is its slot already
    assert ops.place_in_free_slot(t, ["tor"], "r1") is None  # the highest free is its own


def test_place_in_free_slot_does_not_copy_the_design(monkeypatch):
    t = design()
    for name in ("copy", "build"):
        monkeypatch.setattr(Topology, name, lambda *a, **k: pytest.fail("the design was copied"))
    monkeypatch.setattr(copy, "deepcopy", lambda *a, **k: pytest.fail("the design was deep-copied"))
    assert isinstance(ops.place_in_free_slot(t, ["host2", "host3"], "r2"), PlaceCommand)


def test_taking_out_of_a_rack():
    t = design()
    command = roundtrip(t, ops.unrack(t, ["host1", "tor", "host2", "vm1"]))
    assert set(command.moves) == {"host1", "tor"}  # host2 was not racked, vm1 is no server
    assert members(t, "r1") == []
    command.revert()
    assert (t["host1"].rack_u, t["tor"].rack_u) == (1, 4)


def test_adding_a_rack_with_a_fresh_id():
    t = design()
    t.add(Server(id="rack1"))  # a server called rack1: the next id skips it
    rack_id = ops.fresh_rack_id(t)
    assert rack_id not in t.elements and rack_id not in t.racks and rack_id not in t.links
    roundtrip(t, ops.add_rack(t, rack_id, "Row C", 20))
    assert list(t.racks)[-1] == rack_id and t.racks[rack_id].height_u == 20


def test_renaming_a_rack_takes_its_elements_along():
    t = design()
    roundtrip(t, ops.edit_rack(t, "r1", "row-a", "Row A", 4))
    assert (t["host1"].rack, t["tor"].rack) == ("row-a", "row-a")
    assert list(t.racks) == ["row-a", "r2"]  # in its place


def test_editing_a_rack_is_one_step_all_or_nothing():
    t = design()
    command = ops.edit_rack(t, "r1", "row-a", "Row B", 8)
    assert isinstance(command, MacroCommand)
    before = snapshot(t)
    run(command)
    assert t.racks["row-a"].label == "Row B" and t.racks["row-a"].height_u == 8
    command.revert()
    assert snapshot(t) == before


def test_removing_a_rack_unracks_its_elements_and_undo_puts_them_back():
    t = design()
    roundtrip(t, ops.remove_rack(t, "r1"))
    assert "r1" not in t.racks
    assert not is_racked(t, t["host1"]) and not is_racked(t, t["tor"])
    assert rack_errors(t) == []


def test_removing_the_first_rack_restores_the_order():
    t = design()
    command = run(ops.remove_rack(t, "r1"))
    command.revert()
    assert list(t.racks) == ["r1", "r2"]


def test_a_rack_edit_refused_by_the_model_changes_nothing():
    t = design()
    before = snapshot(t)
    command = ops.edit_rack(t, "r1", "row-a", "Row B", 1000)
    with pytest.raises(ModelError, match="height_u"):
        command.apply()
    assert snapshot(t) == before



def test_a_rack_made_lower_than_what_it_holds_is_reported_not_refused():
    """A deliberate choice (tests/ui/test_rack_view.py shows it in the window): the rack may
    shrink first and its elements move after; meanwhile ``rack-overflow`` names the switch."""
    t = design()
    roundtrip(t, ops.edit_rack(t, "r1", "r1", "Row A", 3))  # tor sits at U4
    overflow = [p for p in check_design(t) if p.code == "rack-overflow"]
    assert [p.element for p in overflow] == ["tor"]
