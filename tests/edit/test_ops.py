"""The editing layer without Qt: every operation returns a command or a refusal, a command
applies and reverts exactly, and the editing traps of issue 15 stay fixed.

The design (worked out by hand):

    tor (switch), wan (network), lan (network)
    host1 (server, iommu on): host1n1 (2 ports, SR-IOV, 4 VFs max): host1n1v1 @ port 1
        vm1: vf host1n1v1 · vm2: paravirtual host1n1 port 0
    host2 (server, iommu off): host2n1 (2 ports), no guests
    cable host1n1:0 -- tor
"""

from __future__ import annotations

import json

import pytest

from designer.edit import ops
from designer.edit.commands import Command, MacroCommand, Rollback
from designer.fileformat import to_document
from designer.model import VM, Link, ModelError, Network, Nic, Rack, Server, Switch, Topology, VirtualFunction, VNic
from designer.model.rules import check_design


def design() -> Topology:
    return Topology.build([
        Switch(id="tor", x=0, y=0),
        Network(id="wan", x=0, y=-200),
        Network(id="lan", x=300, y=-200),
        Server(id="host1", x=0, y=200),
        Nic(id="host1n1", parent="host1", ports=2, sriov=True, max_vfs=4),
        VirtualFunction(id="host1n1v1", parent="host1n1", port=1),
        VM(id="vm1", parent="host1", vnics=[VNic(mode="vf", vf="host1n1v1", to="wan")]),
        VM(id="vm2", parent="host1", vnics=[VNic(mode="paravirtual", nic="host1n1", port=0)]),
        Server(id="host2", x=400, y=200, iommu=False),
        Nic(id="host2n1", parent="host2", ports=2),
    ], [Link(a="host1n1:0", b="tor")], racks=[Rack(id="r1", height_u=4)])


def run(outcome) -> Command:
    assert isinstance(outcome, Command), outcome
    outcome.apply()
    return outcome


def roundtrip(topo: Topology, outcome) -> Command:
    """Apply, check revert restores the file exactly, apply again."""
    before = to_document(topo)
    command = run(outcome)
    after = to_document(topo)
    assert after != before
    command.revert()
    assert to_document(topo) == before
    command.apply()
    assert to_document(topo) == after
    return command


def error_codes(topo: Topology) -> set[str]:
    return {p.code for p in check_design(topo) if p.severity == "error"}


# ------------------------------------------------------------------- adding
def test_add_every_kind_and_undo():
    t = design()
    roundtrip(t, ops.add_element(t, "server", x=20, y=40))
    assert (t["host3"].x, t["host3"].y) == (20, 40)
    roundtrip(t, ops.add_element(t, "nic", parent="host3"))
    assert t["host3n1"].parent == "host3" and t["host3n1"].model == ops.DEFAULT_NIC["model"]
    roundtrip(t, ops.add_element(t, "vf", parent="host1n1", port=1))
    assert t["host1n1v2"].port == 1
    roundtrip(t, ops.add_element(t, "vm", parent="host2"))
    assert t["vm3"].parent == "host2"


@pytest.mark.parametrize("kind, parent, words", [
    ("nic", "tor", "onto a server"),
    ("vm", None, "onto a server"),
    ("vf", "host2n1", "SR-IOV disabled"),
    ("vf", "host1", "onto a NIC"),
    ("rocket", None, "Unknown element kind"),
])
def test_add_refusals(kind, parent, words):
    t = design()
    if kind == "vf" and parent == "host2n1":
        t.set_field("host2n1", "sriov", False)
    outcome = ops.add_element(t, kind, parent=parent)
    assert isinstance(outcome, str) and words in outcome


def test_vf_limit_is_refused():
    t = design()
    for _ in range(3):
        run(ops.add_element(t, "vf", parent="host1n1"))
    outcome = ops.add_element(t, "vf", parent="host1n1")
    assert outcome == "NIC host1n1 already has its maximum of 4 virtual functions."


# --------------------------------------------------------------- connecting
def test_cable_and_uplink():
    t = design()
    roundtrip(t, ops.cable(t, "host1n1", 1, "tor"))
    assert t.cable_at("host1n1", 1).b == "tor"
    roundtrip(t, ops.uplink(t, "tor", "wan"))
    second = run(ops.uplink(t, "tor", "wan"))
    assert second.link.id == "tor--wan-2"


@pytest.mark.parametrize("make, words", [
    (lambda t: ops.cable(t, "host1n1", 0, "wan"), "Port 0 of NIC host1n1 already has a cable (host1n1:0--tor)"),
    (lambda t: ops.cable(t, "host1n1", 1, "host2n1:0"), "not to another NIC port"),
    (lambda t: ops.uplink(t, "wan", "lan"), "two networks cannot be cabled"),
    (lambda t: ops.uplink(t, "tor", "tor"), "cannot be cabled to itself"),
    (lambda t: ops.uplink(t, "tor", "host1"), "not at server host1"),
])
def test_cable_refusals(make, words):
    t = design()
    outcome = make(t)
    assert isinstance(outcome, str) and words.lower() in outcome.lower()


def test_loader_and_model_share_the_cable_rule():
    from designer.fileformat import loads
    from designer.fileformat.project import ProjectFileError
    t = design()
    with pytest.raises(ModelError, match="two networks cannot be cabled to each other"):
        t.connect(Link(a="wan", b="lan"))
    doc = to_document(t)
    doc["links"].append({"a": "wan", "b": "lan"})
    import json
    with pytest.raises(ProjectFileError, match="two networks cannot be cabled to each other"):
        loads(json.dumps(doc))


def test_attach_every_mode():
    t = design()
    run(ops.add_element(t, "vf", parent="host1n1", port=0))
    roundtrip(t, ops.attach(t, "vm2", "vf", "host1n1v2"))
    assert t["vm2"].vnics[-1].vf == "host1n1v2"
    roundtrip(t, ops.attach(t, "vm2", "emulated", "host1n1", port=1))
    assert (t["vm2"].vnics[-1].mode, t["vm2"].vnics[-1].port) == ("emulated", 1)
    assert t["vm2"].vnics[-1].to == "wan"  # several networks: the first one


@pytest.mark.parametrize("make, words", [
    (lambda t: ops.attach(t, "vm2", "vf", "host1n1v1"), "VF host1n1v1 is already used by VM vm1; a VF serves one guest."),
    (lambda t: ops.attach(t, "vm2", "paravirtual", "host2n1"), "NIC host2n1 belongs to server host2; VM vm2 runs on host1."),
    (lambda t: ops.attach(t, "vm2", "passthrough", "host1n1"), "already in use"),
    (lambda t: ops.attach(t, "vm2", "vf", "host1n1"), "not one"),
])
def test_attach_refusals(make, words):
    t = design()
    outcome = make(t)
    assert isinstance(outcome, str) and words in outcome


def test_passthrough_refused_without_iommu():
    t = design()
    run(ops.add_element(t, "vm", parent="host2"))
    outcome = ops.attach(t, "vm3", "passthrough", "host2n1")
    assert outcome == "Server host2 has VT-d (iommu) disabled, so NIC host2n1 cannot be passed through."


def test_retarget_moves_the_vnic_and_adds_none():
    """Trap 5: dragging an attachment's end re-targets it, it does not add a second vNIC."""
    t = design()
    run(ops.add_element(t, "vf", parent="host1n1", port=0))
    roundtrip(t, ops.retarget(t, "vm1", 0, "vf", "host1n1v2"))
    assert [v.vf for v in t["vm1"].vnics] == ["host1n1v2"]
    assert t.users_of("host1n1v1") == []
    # Back to the VF it left: allowed (it does not count as its own user).
    run(ops.retarget(t, "vm1", 0, "vf", "host1n1v1"))
    assert ops.retarget(t, "vm2", 0, "vf", "host1n1v1") == \
        "VF host1n1v1 is already used by VM vm1; a VF serves one guest."
    # Released where it already is: nothing to do (no empty undo step).
    assert ops.retarget(t, "vm1", 0, "vf", "host1n1v1") is None
    assert ops.retarget(t, "vm2", 0, "paravirtual", "host1n1", port=0) is None
    assert isinstance(ops.retarget(t, "vm2", 0, "paravirtual", "host1n1", port=1), Command)
    assert isinstance(ops.retarget(t, "vm2", 0, "emulated", "host1n1", port=0), Command)


def test_retarget_cable_moves_the_far_end_and_keeps_the_port():
    """Trap 5: dragging a cable's end re-patches it; the cable keeps its capacity and its
    place among the design's cables, and undo puts it back exactly."""
    t = design()
    t.set_link_capacity("host1n1:0--tor", 25.0)
    run(ops.uplink(t, "tor", "wan"))
    order = list(t.links)
    command = roundtrip(t, ops.retarget_cable(t, "host1n1:0--tor", "tor", "lan"))
    assert "host1n1:0--tor" not in t.links
    link = t.cable_at("host1n1", 0)
    assert (link.id, link.a, link.b, link.gbps) == ("host1n1:0--lan", "host1n1:0", "lan", 25.0)
    assert list(t.links) == ["host1n1:0--lan"] + order[1:]  # the same place in the list
    # The port it keeps is wired by the cable itself: that does not count as taken.
    assert "already has a cable" in ops.cable(t, "host1n1", 0, "wan")
    assert isinstance(ops.retarget_cable(t, "host1n1:0--lan", "lan", "wan"), Command)
    command.revert()
    assert list(t.links) == order and t.cable_at("host1n1", 0).b == "tor"


def test_retarget_cable_moves_the_port_end_to_a_free_port():
    t = design()
    roundtrip(t, ops.retarget_cable(t, "host1n1:0--tor", "host1n1:0", "host2n1:1"))
    assert t.cable_at("host1n1", 0) is None
    assert t.cable_at("host2n1", 1).b == "tor"


def test_retarget_uplink_keeps_parallel_ids_apart():
    t = design()
    run(ops.uplink(t, "tor", "wan"))
    run(ops.uplink(t, "tor", "lan"))
    command = run(ops.retarget_cable(t, "tor--lan", "lan", "wan"))
    assert command.link.id == "tor--wan-2" and {"tor--wan", "tor--wan-2"} <= set(t.links)


@pytest.mark.parametrize("make, words", [
    (lambda t: ops.retarget_cable(t, "host1n1:0--tor", "tor", "host2n1:0"), "not to another NIC port"),
    (lambda t: ops.retarget_cable(t, "host1n1:0--tor", "tor", "host1"), "not at server host1"),
    (lambda t: ops.retarget_cable(t, "host1n1:0--tor", "host1n1:0", "tor"), "cannot be cabled to itself"),
    (lambda t: ops.retarget_cable(t, "tor--wan", "wan", "lan"), "There is no cable"),
    (lambda t: ops.retarget_cable(t, "host1n1:0--tor", "wan", "lan"), "has no end 'wan'"),
])
def test_retarget_cable_refusals(make, words):
    t = design()
    before = to_document(t)
    outcome = make(t)
    assert isinstance(outcome, str) and words in outcome
    assert to_document(t) == before


def test_retarget_cable_onto_a_cabled_port_is_refused_and_onto_itself_is_nothing():
    t = design()
    run(ops.cable(t, "host2n1", 0, "wan"))
    assert ops.retarget_cable(t, "host1n1:0--tor", "host1n1:0", "host2n1:0") == \
        "Port 0 of NIC host2n1 already has a cable (host2n1:0--wan); delete it first."
    assert ops.retarget_cable(t, "host1n1:0--tor", "tor", "tor") is None


def test_the_problem_checks_agree_with_the_edits():
    """The drag asks ``retarget_problem`` / ``retarget_cable_problem`` for every target in
    view; they refuse exactly what the edits refuse, with the same sentence."""
    t = design()
    run(ops.add_element(t, "vf", parent="host1n1", port=0))  # host1n1v2, free
    for args in [("vf", "host1n1v2"), ("vf", "host1n1v1"), ("paravirtual", "host1n1", 1),
                 ("passthrough", "host1n1"), ("paravirtual", "host2n1", 0)]:
        edit, problem = ops.retarget(t, "vm2", 0, *args), ops.retarget_problem(t, "vm2", 0, *args)
        assert (problem is None) == isinstance(edit, Command), args
        if isinstance(edit, str):
            assert edit == problem
    assert ops.retarget(t, "vm2", 0, "paravirtual", "host1n1", 0) is None
    assert ops.retarget_problem(t, "vm2", 0, "paravirtual", "host1n1", 0) == "vNIC 0 of vm2 already uses host1n1."
    for new_end in ["lan", "wan", "host1n1:1", "host2n1:0", "host1", "tor"]:
        edit = ops.retarget_cable(t, "host1n1:0--tor", "tor", new_end)
        problem = ops.retarget_cable_problem(t, "host1n1:0--tor", "tor", new_end)
        assert (problem is None) == isinstance(edit, Command), new_end
        if isinstance(edit, str):
            assert edit == problem
    assert ops.retarget_cable_problem(t, "host1n1:0--tor", "tor", "tor") == "Cable host1n1:0--tor already ends at tor."


# ----------------------------------------------------------------- deleting
def test_delete_and_restore():
    t = design()
    roundtrip(t, ops.delete(t, ["host1n1", "host1n1:0--tor"]))
    assert "host1n1v1" not in t.elements
    assert ops.delete(t, ["nope"]) == "Nothing selected to delete."


# ------------------------------------------------------------------- fields
def test_bulk_vnic_edit_is_one_step():
    """Trap 6: several guests' vNIC fields set as one undo step."""
    t = design()
    command = roundtrip(t, ops.set_vnic_field(t, ["vm1", "vm2"], "tx_gbps", 2.5))
    assert isinstance(command, MacroCommand)
    assert [t["vm1"].vnics[0].tx_gbps, t["vm2"].vnics[0].tx_gbps] == [2.5, 2.5]
    assert "tx_gbps" in ops.set_vnic_field(t, ["vm1", "vm2"], "tx_gbps", 2.5)  # nothing differs
    outcome = ops.set_vnic_field(t, ["vm1"], "tx_gbps", -1)
    assert isinstance(outcome, str) and "tx_gbps" in outcome
    assert ops.set_vnic_field(t, ["vm1"], "colour", 1) == "A vNIC has no field 'colour'."


def test_a_refused_bulk_edit_changes_nothing():
    t = design()
    before = to_document(t)
    # vm1's vNIC takes the destination, vm2's would too; a VM that does not exist
    # makes the model refuse the second step: the first is rolled back.
    command = MacroCommand([ops.set_field(t, ["vm1"], "label", "x"), ops.set_field(t, ["ghost"], "label", "y")], "two")
    with pytest.raises(ModelError):
        command.apply()
    assert to_document(t) == before


def test_rollback_undoes_done_steps_newest_first():
    done = []
    with pytest.raises(RuntimeError):
        with Rollback() as undo:
            undo.push(lambda: done.append("first"))
            undo.push(lambda: done.append("second"))
            raise RuntimeError
    assert done == ["second", "first"]


# --------------------------------------------------------------- clipboard
def test_duplicating_an_sriov_guest_gives_it_a_new_vf():
    """Trap 1: Ctrl+D on an SR-IOV guest: the copy gets its own VF on the same port."""
    t = design()
    result = ops.duplicate(t, ["vm1"])
    assert isinstance(result, ops.Paste)
    roundtrip(t, result.command)
    copy_id = next(i for i in result.ids if isinstance(t[i], VM))
    new_vf = t[copy_id].vnics[0].vf
    assert new_vf not in (None, "host1n1v1")
    assert (t[new_vf].parent, t[new_vf].port) == ("host1n1", 1)
    assert "vf-shared" not in error_codes(t)
    assert result.notes == []


def test_duplicating_an_sriov_guest_without_a_free_vf_leaves_it_unattached():
    t = design()
    for _ in range(3):
        run(ops.add_element(t, "vf", parent="host1n1"))
    result = ops.duplicate(t, ["vm1"])
    run(result.command)
    copy_id = next(i for i in result.ids if isinstance(t[i], VM))
    assert t[copy_id].vnics[0].vf is None
    assert result.notes == [f"VM {copy_id} vNIC 0 is not attached: NIC host1n1 has no free virtual function."]
    assert "vf-shared" not in error_codes(t)


def test_paste_ids_derive_from_the_new_parent():
    """Trap 2: pasting host1 gives host3 with NIC host3n…, VF host3n1v…, not host1n2."""
    t = design()
    result = ops.paste(t, ops.copy_text(t, ["host1"]))
    run(result.command)
    kinds = {t[i].KIND: i for i in result.ids}
    assert kinds["server"] == "host3"
    assert kinds["nic"] == "host3n1"
    assert kinds["vf"] == "host3n1v1"
    assert t["host3n1v1"].parent == "host3n1"
    vms = t.vms_of("host3")
    assert sorted(v.vnics[0].device() for v in vms) == ["host3n1", "host3n1v1"]


def test_paste_into_another_server_renames_the_nic_after_it():
    t = design()
    result = ops.paste(t, ops.copy_text(t, ["host1n1"]), target_server="host2")
    run(result.command)
    assert result.ids[0] == "host2n2" and t["host2n2"].parent == "host2"


def test_paste_lands_on_free_space_or_at_the_cursor():
    t = design()
    occupied = [(0, 200, 300, 200), (400, 200, 300, 200), (0, 0, 160, 44)]
    result = ops.paste(t, ops.copy_text(t, ["host1"]), occupied=occupied,
                       size_of=lambda e: (300, 200))
    run(result.command)
    x, y = t["host3"].x, t["host3"].y
    box = (x, y, 300, 200)
    assert not any(ops._overlaps(box, r) for r in occupied)
    assert y == 200  # next to the original, on its row
    at = ops.paste(t, ops.copy_text(t, ["host1"]), at=(-1000, 900))
    run(at.command)
    assert (t["host4"].x, t["host4"].y) == (-1000, 900)


def test_paste_refusals():
    t = design()
    assert ops.paste(t, "hello") == "The clipboard does not hold RackIO elements."
    assert ops.duplicate(t, []) == "Select elements to duplicate."
    # Two clipboard elements with one id (found by the paste fuzzing: a KeyError before).
    twice = json.dumps({"format": "rackio-clipboard", "version": 1, "elements": [
        {"id": "h1", "kind": "network", "x": 0, "y": 0}, {"id": "h1", "kind": "server", "x": 300, "y": 0}]})
    before = len(t.elements)
    assert ops.paste(t, twice) == 'The clipboard\'s elements are not valid: the id "h1" is used twice.'
    assert len(t.elements) == before


# --------------------------------------------------------------------- bulk
def test_bulk_add_vf_guests_each_get_a_vf():
    t = design()
    command = roundtrip(t, ops.bulk_add(t, 2, 3, mode="vf", switch_id="tor"))
    servers = [e for e in command.elements if isinstance(e, Server)]
    assert [s.id for s in servers] == ["host3", "host4"]
    assert len(t.vfs_of("host3n1")) == 3 and t.cable_at("host3n1", 0).b == "tor"
    assert "vf-shared" not in error_codes(t)
    assert ops.bulk_add(t, 0, 1) == "Choose 1–1000 servers and 0–1000 VMs per server."
    assert ops.bulk_add(t, 1, 1, switch_id="host1") == "host1 is not a switch or network of this design."


# ------------------------------------------------------------ align/distribute
def test_align_and_distribute_over_rectangles():
    t = design()
    rects = {"tor": (0, 0, 100, 40), "host1": (0, 200, 300, 200), "host2": (400, 200, 300, 200)}
    roundtrip(t, ops.align(t, rects, "right"))
    assert [t["tor"].x, t["host1"].x, t["host2"].x] == [600, 400, 400]
    t2 = design()
    t2.move("host1", 150, 0)
    t2.move("host2", 1000, 0)
    rects = {"tor": (0, 0, 100, 40), "host1": (150, 0, 100, 40), "host2": (1000, 0, 100, 40)}
    run(ops.distribute(t2, rects, "horizontal"))
    assert [t2["tor"].x, t2["host1"].x, t2["host2"].x] == [0, 500, 1000]
    assert ops.align(t, {"tor": (0, 0, 1, 1)}, "left") == "Select two or more servers, switches or networks to align."
    assert "three or more" in ops.distribute(t, {"tor": (0, 0, 1, 1)}, "vertical")


# -------------------------------------------------------------------- racks
def test_place_in_free_slot_does_not_copy_the_design(monkeypatch):
    t = design()
    monkeypatch.setattr(Topology, "copy", lambda self: pytest.fail("the design was copied"))
    t.set_field("host1", "height_u", 2)
    command = roundtrip(t, ops.place_in_free_slot(t, ["host1", "host2", "tor"], "r1"))
    assert command.moves == {"host1": ("r1", 1), "host2": ("r1", 3), "tor": ("r1", 4)}
    assert ops.place_in_free_slot(t, ["vm1"], "r1") is None
    t3 = design()
    t3.set_field("host1", "height_u", 4)
    assert ops.place_in_free_slot(t3, ["host1", "host2"], "r1") == "r1 has no 1 free U left for host2."


def test_rack_edits_and_refusals():
    t = design()
    roundtrip(t, ops.add_rack(t, "r2", "Row B", 42))
    assert ops.add_rack(t, "r2") == "A rack with id 'r2' already exists."
    assert ops.add_rack(t, "host1") == "The rack id 'host1' is already used by a server."
    assert "not a valid rack id" in ops.add_rack(t, "a b")
    roundtrip(t, ops.edit_rack(t, "r2", "r3", "Row C", 40))
    assert t.racks["r3"].label == "Row C" and t.racks["r3"].height_u == 40
    assert ops.edit_rack(t, "r3", "r3", "Row C", 40) is None
    roundtrip(t, ops.place(t, "host1", "r3", 5))
    assert ops.place(t, "host2", "r3", 5) == "U5 of Row C is taken by server host1 (U5)."
    roundtrip(t, ops.unrack(t, ["host1"]))
    assert ops.unrack(t, ["host1"]) == "Select racked servers or switches to take out."
    roundtrip(t, ops.remove_rack(t, "r3"))
    assert ops.remove_rack(t, None) == "Select a rack (click its name) to remove it."


def test_one_id_generator_for_every_name_space():
    t = design()
    t.add_rack(Rack(id="rack1"))
    t.connect(Link(a="tor", b="lan", id="x1"))
    from designer.model import checks
    assert checks.fresh_id(t, "rack") == "rack2"
    assert checks.fresh_id(t, "x") == "x2"  # a link id counts too
    assert t.new_id("x") == "x2"
    assert ops.fresh_rack_id(t) == "rack2"


def test_paste_of_a_guest_whose_vf_names_a_server_leaves_it_unattached():
    t = design()
    text = ('{"format": "rackio-clipboard", "elements": [{"id": "v", "kind": "vm", "parent": "host1", '
            '"vnics": [{"mode": "vf", "vf": "host1"}]}]}')
    result = ops.paste(t, text)
    run(result.command)
    assert t[result.ids[0]].vnics[0].vf is None
