"""Every operation's command: apply changes the design, revert gives it back exactly (its
file, its values and what its graph answers), apply again gives the same result; and its
``text`` is what the Undo menu shows ("Undo <text>"): one short line naming the edit.

Then the command classes themselves, the ones the GUI builds directly included, and the
shared ``Rollback``: a command of several steps that the model refuses half-way leaves the
design exactly as it was.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from edit_support import assert_consistent, design, roundtrip, run, snapshot

from designer.edit import ops
from designer.edit.commands import (
    AddElementsCommand,
    AddRackCommand,
    Command,
    ConnectCommand,
    MacroCommand,
    MoveCommand,
    PlaceCommand,
    RemoveCommand,
    RemoveRackCommand,
    RenameRackCommand,
    Rollback,
    SetCostModelCommand,
    SetFieldCommand,
    SetLinkCapacityCommand,
    SetProjectFieldCommand,
    SetRackFieldCommand,
    SetVnicsCommand,
)
from designer.model import VM, CostModel, Link, ModelError, Network, Rack, Server, Topology, VNic

RECTS = {"tor": (0.0, 0.0, 160.0, 44.0), "host1": (0.0, 200.0, 300.0, 200.0),
         "host2": (400.0, 200.0, 300.0, 200.0), "host3": (800.0, 260.0, 300.0, 200.0)}

# (name, the operation, words its Undo text must hold)
OPERATIONS: list[tuple[str, Callable[[Topology], Any], tuple[str, ...]]] = [
    ("add network", lambda t: ops.add_element(t, "network", x=5, y=6), ("Add", "network")),
    ("add switch", lambda t: ops.add_element(t, "switch", preset={"ports": 8}), ("Add", "switch")),
    ("add server", lambda t: ops.add_element(t, "server", preset={"cores": 8}), ("Add", "server")),
    ("add nic", lambda t: ops.add_element(t, "nic", parent="host2"), ("Add", "NIC")),
    ("add vm", lambda t: ops.add_element(t, "vm", parent="host2"), ("Add", "VM")),
    ("add vf", lambda t: ops.add_element(t, "vf", parent="host1n1", port=0), ("Add", "virtual function")),
    ("add elements", lambda t: ops.add_elements(t, [Server(id="imp1"), VM(id="imp2", parent="imp1")],
                                                text="Import libvirt guests"), ("Import",)),
    ("cable", lambda t: ops.cable(t, "host1n1", 1, "tor"), ("cable",)),
    ("uplink", lambda t: ops.uplink(t, "tor", "lan"), ("uplink",)),
    ("second uplink", lambda t: ops.uplink(t, "tor", "wan"), ("uplink",)),
    ("attach paravirtual", lambda t: ops.attach(t, "vm4", "paravirtual", "host1n1", port=1), ("vm4", "paravirtual")),
    ("attach emulated", lambda t: ops.attach(t, "vm4", "emulated", "host1n1"), ("vm4", "emulated")),
    ("attach vf", lambda t: ops.attach(t, "vm4", "vf", run(ops.add_element(t, "vf", parent="host1n1")).elements[0].id),
     ("vm4", "vf")),
    ("attach passthrough", lambda t: ops.attach(t, "vm4", "passthrough", run(ops.add_element(t, "nic", parent="host1"))
                                                .elements[0].id), ("vm4", "passthrough")),
    ("retarget", lambda t: ops.retarget(t, "vm2", 0, "emulated", "host1n1", port=1), ("vm2", "vNIC 0")),
    ("detach", lambda t: ops.detach_vnic(t, "vm1", 0), ("vm1", "vNIC 0")),
    ("delete one", lambda t: ops.delete(t, ["host1"]), ("Delete", "1")),
    ("delete several", lambda t: ops.delete(t, ["host1n1", "tor--wan", "lan"]), ("Delete", "3")),
    ("delete a network guests send to", lambda t: ops.delete(t, ["wan"]), ("Delete",)),
    ("set field", lambda t: ops.set_field(t, ["host1"], "vmm_io_cores", 6), ("vmm_io_cores", "host1")),
    ("set field on several", lambda t: ops.set_field(t, ["host1", "host2", "host3"], "cores", 16), ("cores", "3")),
    ("set parent", lambda t: ops.set_field(t, ["vm4"], "parent", "host2"), ("parent", "vm4")),
    ("set vnic field", lambda t: ops.set_vnic_field(t, ["vm1", "vm2"], "rx_gbps", 3), ("rx_gbps", "2")),
    ("set vnics", lambda t: ops.set_vnics(t, "vm4", [VNic(mode="emulated", nic="host1n1")], text="Edit vNICs of vm4"),
     ("vNICs", "vm4")),
    ("paste", lambda t: ops.paste(t, ops.copy_text(t, ["host1", "tor"])).command, ("Paste",)),
    ("duplicate", lambda t: ops.duplicate(t, ["vm1", "vm2"]).command, ("Duplicate",)),
    ("bulk add", lambda t: ops.bulk_add(t, 2, 3, switch_id="tor"), ("2", "3")),
    ("move", lambda t: ops.move(t, {"host2": ((400, 200), (420, 260))}), ("Move",)),
    ("move several", lambda t: ops.move(t, {"host2": ((400, 200), (0, 0)), "wan": ((0, -200), (1, 1))}),
     ("Move", "2")),
    ("align", lambda t: ops.align(t, RECTS, "bottom"), ("Align", "bottom")),
    ("align centres", lambda t: ops.align(t, RECTS, "vcenter"), ("Align", "centres")),
    ("distribute", lambda t: ops.distribute(t, RECTS, "vertical"), ("Distribute", "vertical")),
    ("place", lambda t: ops.place(t, "host2", "r1", 2), ("Place", "rack")),
    ("move in rack", lambda t: ops.place(t, "host1", "r1", 3), ("Move", "rack")),
    ("place in free slot", lambda t: ops.place_in_free_slot(t, ["host2", "host3"], "r2"), ("Place", "rack")),
    ("unrack", lambda t: ops.unrack(t, ["host1", "tor", "host2"]), ("rack",)),
    ("add rack", lambda t: ops.add_rack(t, ops.fresh_rack_id(t), "Row C", 24), ("Add rack",)),
    ("edit rack label", lambda t: ops.edit_rack(t, "r1", "r1", "Row Z", 4), ("rack", "label")),
    ("resize rack", lambda t: ops.edit_rack(t, "r1", "r1", "Row A", 8), ("rack", "height")),
    ("rename rack", lambda t: ops.edit_rack(t, "r1", "row-a", "Row A", 4), ("Rename rack",)),
    ("edit rack", lambda t: ops.edit_rack(t, "r1", "row-a", "Row Z", 10), ("Edit rack",)),
    ("remove rack", lambda t: ops.remove_rack(t, "r1"), ("Remove rack",)),
]


@pytest.mark.parametrize("make, words", [(m, w) for _, m, w in OPERATIONS], ids=[n for n, _, _ in OPERATIONS])
def test_every_operation_applies_reverts_and_reapplies(make, words):
    t = design()
    command = make(t)
    roundtrip(t, command)
    # Undo twice and redo twice, as the stack does after further edits were undone.
    after = snapshot(t)
    command.revert()
    command.apply()
    assert snapshot(t) == after
    assert_consistent(t)
    text = command.text
    assert text and text == text.strip() and "\n" not in text and len(text) <= 60, text
    assert text[0].isupper() and not text.endswith("."), text
    missing = [w for w in words if w not in text]
    assert not missing, f"Undo {text!r} lacks {missing}"


@pytest.mark.parametrize("one, other", [
    ("place", "move in rack"), ("align", "distribute"), ("align", "move several"), ("align", "align centres"),
    ("paste", "duplicate"), ("cable", "uplink"), ("attach paravirtual", "retarget"), ("retarget", "detach"),
    ("add rack", "add server"), ("rename rack", "edit rack"), ("set field", "set vnic field"),
])
def test_the_undo_texts_tell_the_edits_apart(one, other):
    make = {name: m for name, m, _ in OPERATIONS}
    assert make[one](design()).text != make[other](design()).text


def test_a_rack_edit_that_changes_three_things_is_one_step():
    t = design()
    before = snapshot(t)
    command = run(ops.edit_rack(t, "r1", "row-a", "Row Z", 10))
    assert isinstance(command, MacroCommand) and len(command.commands) == 3
    assert (t["tor"].rack, t["host1"].rack) == ("row-a", "row-a")
    command.revert()
    assert snapshot(t) == before


def test_nothing_to_do_is_no_command():
    t = design()
    assert ops.move(t, {"host1": ((0, 200), (0, 200))}) is None
    assert ops.move(t, {"ghost": ((0, 0), (1, 1))}) is None
    assert ops.align(t, {"host1": RECTS["host1"], "host2": RECTS["host2"]}, "top") is None  # already aligned
    assert ops.place(t, "host1", "r1", 1) is None  # already there
    assert ops.edit_rack(t, "r1", "r1", "Row A", 4) is None
    assert ops.place_in_free_slot(t, ["vm1", "host1n1"], "r1") is None


def test_add_elements_is_refused_an_id_of_any_name_space():
    t = design()
    for taken in ("host1", "tor--wan", "r1"):
        assert isinstance(ops.add_elements(t, [Network(id=taken)]), str)


# ------------------------------------------------------------- the command classes
CLASSES: list[tuple[str, Callable[[Topology], Command]]] = [
    ("AddElementsCommand", lambda t: AddElementsCommand(t, [Server(id="s9"), VM(id="v9", parent="s9")],
                                                        [Link(a="lan", b="tor")])),
    ("RemoveCommand", lambda t: RemoveCommand(t, ["host1n1v1", "host3"], ["tor--wan"])),
    ("ConnectCommand", lambda t: ConnectCommand(t, Link(a="host3n1:1", b="lan", gbps=5.0))),
    ("SetFieldCommand", lambda t: SetFieldCommand(t, ["host1n1", "host3n1"], "vmdq", True)),
    ("SetVnicsCommand", lambda t: SetVnicsCommand(t, "vm1", [])),
    ("SetLinkCapacityCommand", lambda t: SetLinkCapacityCommand(t, "host1n1:0--tor", None)),
    ("MoveCommand", lambda t: MoveCommand(t, {"lan": ((300, -200), (-300, 200))})),
    ("SetProjectFieldCommand", lambda t: SetProjectFieldCommand(t, "notes", "Other notes")),
    ("MacroCommand", lambda t: MacroCommand([SetProjectFieldCommand(t, "title", "T2"),
                                             ConnectCommand(t, Link(a="tor", b="lan"))], "Two")),
    ("SetCostModelCommand", lambda t: SetCostModelCommand(t, CostModel(vmdq_rx_factor=0.5, preset=""))),
    ("PlaceCommand", lambda t: PlaceCommand(t, {"host2": ("r2", 10), "host1": (None, None)})),
    ("AddRackCommand", lambda t: AddRackCommand(t, Rack(id="r3", label="Row C", height_u=12))),
    ("RemoveRackCommand", lambda t: RemoveRackCommand(t, "r1")),
    ("SetRackFieldCommand", lambda t: SetRackFieldCommand(t, "r2", "label", "Spare")),
    ("RenameRackCommand", lambda t: RenameRackCommand(t, "r1", "row-a")),
]


@pytest.mark.parametrize("make", [m for _, m in CLASSES], ids=[n for n, _ in CLASSES])
def test_every_command_class_applies_reverts_and_reapplies(make):
    t = design()
    command = make(t)
    roundtrip(t, command)
    assert command.text and command.text[0].isupper()


def test_a_removal_restores_the_detached_guests_and_their_destination():
    """Deleting a network clears the ``to`` of the guests that send to it; undo puts it back."""
    t = design()
    command = run(ops.delete(t, ["wan", "host1n1v1"]))
    assert t["vm1"].vnics[0].to is None and t["vm1"].vnics[0].vf is None
    command.revert()
    assert t["vm1"].vnics[0].to == "wan" and t["vm1"].vnics[0].vf == "host1n1v1"
    assert [u.id for u, _ in t.users_of("host1n1v1")] == ["vm1"]


def test_a_removal_restores_the_order_of_elements_children_and_cables():
    t = design()
    order, links = list(t.elements), list(t.links)
    children = [c.id for c in t.children("host1")]
    command = run(ops.delete(t, ["vm1", "host1n1:0--tor", "host2"]))
    command.revert()
    assert list(t.elements) == order and list(t.links) == links
    assert [c.id for c in t.children("host1")] == children


# ----------------------------------------------------------------- all or nothing
ATOMIC: list[tuple[str, Callable[[Topology], Command]]] = [
    ("add: the second element's parent is missing",
     lambda t: AddElementsCommand(t, [Server(id="s9"), VM(id="v9", parent="nowhere")])),
    ("add: a cable is refused after the elements", lambda t: AddElementsCommand(
        t, [Network(id="n9")], [Link(a="n9", b="tor"), Link(a="n9", b="wan")])),
    ("set field: the third element refuses",
     lambda t: SetFieldCommand(t, ["host1", "host2", "vm1"], "cores", 8)),
    ("place: the second element is no server",
     lambda t: PlaceCommand(t, {"host2": ("r2", 5), "vm1": ("r2", 6)})),
    ("macro: the last step is refused", lambda t: MacroCommand([
        SetProjectFieldCommand(t, "title", "New"), SetRackFieldCommand(t, "r1", "label", "X"),
        ConnectCommand(t, Link(a="host1n1:0", b="lan"))], "Three")),
    ("vNICs of two guests: the second is refused", lambda t: MacroCommand([
        SetVnicsCommand(t, "vm1", []), SetVnicsCommand(t, "vm2", [VNic(mode="paravirtual", nic="host2n1", to="tor")])],
        "Edit vNICs")),
    ("rack edit: the rename is refused after the label and height", lambda t: MacroCommand([
        SetRackFieldCommand(t, "r1", "label", "X"), SetRackFieldCommand(t, "r1", "height_u", 9),
        RenameRackCommand(t, "r1", "host1")], "Edit rack")),
]


@pytest.mark.parametrize("make", [m for _, m in ATOMIC], ids=[n for n, _ in ATOMIC])
def test_a_command_refused_half_way_leaves_the_design_as_it_was(make):
    t = design()
    before = snapshot(t)
    events = []
    t.subscribe(events.append)
    with pytest.raises(ModelError):
        make(t).apply()
    assert snapshot(t) == before
    assert_consistent(t)
    assert events, "the steps were done and undone (the views heard both)"


def test_rollback_undoes_newest_first_and_only_on_error():
    done: list[str] = []
    with pytest.raises(RuntimeError):
        with Rollback() as undo:
            undo.push(lambda: done.append("first"))
            undo.push(lambda: done.append("second"))
            raise RuntimeError
    assert done == ["second", "first"]
    with Rollback() as undo:
        undo.push(lambda: done.append("never"))
    assert "never" not in done


def test_rollback_lets_the_refusal_through():
    with pytest.raises(ModelError, match="why"):
        with Rollback():
            raise ModelError("why")
