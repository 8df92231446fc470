"""The editing traps of issue 15 that live in the editing layer, each as it was reproduced.

1. Duplicating an SR-IOV guest put the copy on the same VF (a ``vf-shared`` error): the copy
   gets a new VF on the same port, or stays unattached with a note when the NIC has no VF
   free there (``max_vfs`` and, SPEC §9, ``max_vfs_per_port``).
2. Paste gave ids of the old parent (``host1n2`` inside ``host2``) and stacked the copy on the
   original: ids derive from the new parent, and the copy lands on free space or at the point.
6. Guests could not be edited in bulk: one vNIC field on several VMs is one command, touches
   only the guests that have vNICs, and reverts in one step.
"""

from __future__ import annotations

import pytest
from edit_support import assert_consistent, design, roundtrip, run, snapshot

from designer.edit import ops
from designer.edit.commands import MacroCommand, SetVnicsCommand
from designer.model import VM, Link, ModelError, Nic, Rack, Server, VirtualFunction, VNic
from designer.model.rules import check_design


def errors(topo) -> list[str]:
    return sorted(f"{p.code} {p.element}" for p in check_design(topo) if p.severity == "error")


def new_guests(topo, result) -> list[VM]:
    return [topo[i] for i in result.ids if isinstance(topo[i], VM)]


# ------------------------------------------------------------------ trap 1
def test_a_duplicated_sriov_guest_gets_a_new_vf_on_the_same_port():
    t = design()
    original = t["host1n1v1"]
    result = ops.duplicate(t, ["vm1"])
    assert isinstance(result, ops.Paste) and result.notes == []
    roundtrip(t, result.command)
    (copy,) = new_guests(t, result)
    assert copy.parent == "host1"
    vf = t[copy.vnics[0].vf]
    assert vf.id != original.id and (vf.parent, vf.port) == (original.parent, original.port)
    assert [u.id for u, _ in t.users_of(vf.id)] == [copy.id]
    assert [u.id for u, _ in t.users_of(original.id)] == ["vm1"]
    assert errors(t) == []


def test_duplicating_two_sriov_guests_gives_each_its_own_vf():
    t = design()
    run(ops.attach(t, "vm4", "vf", run(ops.add_element(t, "vf", parent="host1n1", port=0)).elements[0].id))
    result = ops.duplicate(t, ["vm1", "vm4"])
    run(result.command)
    vfs = [g.vnics[0].vf for g in new_guests(t, result)]
    assert len(set(vfs)) == 2 and not {"host1n1v1", "host1n1v2"} & set(vfs)
    assert errors(t) == []


def test_a_duplicated_sriov_guest_stays_unattached_when_its_port_has_no_vf_free():
    """host1n1 allows 2 VFs per port: with port 1 full the copy cannot get one there, even
    though the NIC as a whole (4 VFs) has room. Before, the copy got a third VF on port 1
    and the design had a ``vf-limit`` error."""
    t = design()
    run(ops.add_element(t, "vf", parent="host1n1", port=1))
    nic = t["host1n1"]
    assert len(t.vfs_of("host1n1", 1)) == nic.max_vfs_per_port < nic.max_vfs
    before = errors(t)
    result = ops.duplicate(t, ["vm1"])
    roundtrip(t, result.command)
    (copy,) = new_guests(t, result)
    assert copy.vnics[0].vf is None and copy.vnics[0].mode == "vf"
    assert len(t.vfs_of("host1n1")) == 2
    assert len(result.notes) == 1
    assert all(word in result.notes[0] for word in (copy.id, "vNIC 0", "port 1", "host1n1", "not attached"))
    assert errors(t) == before == []


def test_a_duplicated_sriov_guest_stays_unattached_when_the_nic_is_full():
    t = design()
    run(ops.add_element(t, "vf", parent="host1n1", port=0))
    run(ops.add_element(t, "vf", parent="host1n1", port=0))
    run(ops.add_element(t, "vf", parent="host1n1", port=1))
    assert len(t.vfs_of("host1n1")) == t["host1n1"].max_vfs
    result = ops.duplicate(t, ["vm1"])
    run(result.command)
    (copy,) = new_guests(t, result)
    assert copy.vnics[0].vf is None
    assert all(word in result.notes[0] for word in (copy.id, "host1n1", "no free virtual function"))
    assert errors(t) == []


def test_duplicating_guests_counts_the_vfs_it_adds_against_the_port_limit():
    """Two SR-IOV guests on port 1 duplicated at once, one VF free there: the first copy
    gets it, the second stays unattached (the count includes the paste's own new VFs)."""
    t = design()
    vf = run(ops.add_element(t, "vf", parent="host1n1", port=0)).elements[0].id
    run(ops.set_vnics(t, "vm4", [VNic(mode="vf", vf=vf)]))
    run(ops.set_field(t, [vf], "port", 1))  # host1n1 port 1: v1 (vm1) and this one (vm4): full
    run(ops.set_field(t, ["host1n1"], "max_vfs_per_port", 3))
    result = ops.duplicate(t, ["vm1", "vm4"])
    run(result.command)
    attached = [g for g in new_guests(t, result) if g.vnics[0].vf is not None]
    assert len(attached) == 1 and len(result.notes) == 1
    assert len(t.vfs_of("host1n1", 1)) == 3
    assert errors(t) == []


def test_a_duplicated_passthrough_guest_stays_unattached_with_a_note():
    t = design()
    result = ops.duplicate(t, ["vm3"])
    run(result.command)
    (copy,) = new_guests(t, result)
    assert copy.vnics[0].nic is None
    assert all(word in result.notes[0] for word in (copy.id, "host3n1", "passed through"))
    assert errors(t) == []


def test_a_duplicated_vswitch_guest_keeps_its_port():
    t = design()
    result = ops.duplicate(t, ["vm2"])
    run(result.command)
    (copy,) = new_guests(t, result)
    assert (copy.vnics[0].nic, copy.vnics[0].port) == ("host1n1", 0) and result.notes == []


def test_duplicating_a_vf_is_refused_when_its_port_is_full():
    """A VF pasted onto a NIC of the design obeys the same limits as adding one."""
    t = design()
    run(ops.add_element(t, "vf", parent="host1n1", port=1))
    before = snapshot(t)
    outcome = ops.duplicate(t, ["host1n1v1"])
    assert outcome == ops.add_element(t, "vf", parent="host1n1", port=1)
    assert isinstance(outcome, str) and "Port 1" in outcome and "host1n1" in outcome
    assert snapshot(t) == before
    # On port 0 there is room: a copy of a VF there is fine.
    other = run(ops.add_element(t, "vf", parent="host1n1", port=0)).elements[0].id
    roundtrip(t, ops.duplicate(t, [other]).command)
    assert len(t.vfs_of("host1n1", 0)) == 2 and errors(t) == []


def test_adding_a_vf_obeys_the_per_port_limit():
    t = design()
    run(ops.add_element(t, "vf", parent="host1n1", port=1))
    outcome = ops.add_element(t, "vf", parent="host1n1", port=1)
    assert isinstance(outcome, str) and all(w in outcome for w in ("Port 1", "host1n1", "2"))
    # The other port still takes one.
    run(ops.add_element(t, "vf", parent="host1n1", port=0))
    assert errors(t) == []


def test_bulk_add_of_sriov_guests_never_builds_a_vf_limit_error():
    """Bulk add puts every SR-IOV guest of a server on a VF of port 0: it refuses more guests
    than the NIC has VFs there, rather than build a design with ``vf-limit`` errors."""
    t = design()
    preset = dict(ops.DEFAULT_NIC, max_vfs=8, max_vfs_per_port=3)
    before = snapshot(t)
    outcome = ops.bulk_add(t, 2, 4, mode="vf", nic_preset=preset)
    assert isinstance(outcome, str) and "3" in outcome and "SR-IOV" in outcome
    assert snapshot(t) == before
    roundtrip(t, ops.bulk_add(t, 2, 3, mode="vf", nic_preset=preset))
    assert errors(t) == []
    too_many = ops.DEFAULT_NIC["max_vfs"] + 1
    assert isinstance(ops.bulk_add(t, 1, too_many, mode="vf"), str)
    off = ops.bulk_add(t, 1, 1, mode="vf", nic_preset=dict(ops.DEFAULT_NIC, sriov=False))
    assert isinstance(off, str) and "SR-IOV" in off
    # Paravirtual guests share the vSwitch: any number is fine.
    run(ops.bulk_add(t, 1, too_many, mode="paravirtual"))
    assert errors(t) == []


def test_bulk_add_passes_a_nic_through_to_one_guest_only():
    t = design()
    assert isinstance(ops.bulk_add(t, 1, 2, mode="passthrough"), str)
    run(ops.bulk_add(t, 2, 1, mode="passthrough"))
    assert errors(t) == []


# ------------------------------------------------------------------ trap 2
def test_pasting_a_server_names_its_parts_after_the_new_server():
    t = design()
    result = ops.paste(t, ops.copy_text(t, ["host1"]))
    roundtrip(t, result.command)
    (server,) = [t[i] for i in result.ids if isinstance(t[i], Server)]
    assert server.id not in ("host1", "host2", "host3")
    for i in result.ids:
        element = t[i]
        if isinstance(element, (Nic, VirtualFunction)):
            assert element.id.startswith(server.id), element.id  # no host1n2 inside the copy
            assert t.server_of(element.id) is server
    nic = t.nics_of(server.id)[0]
    assert [vf.parent for vf in t.vfs_of(nic.id)] == [nic.id]
    # The copy's guests use the copy's devices, never the original's.
    devices = {v.device() for g in t.vms_of(server.id) for v in g.vnics}
    assert devices - {None} <= {nic.id} | {vf.id for vf in t.vfs_of(nic.id)}
    assert errors(t) == []


def test_a_part_named_parent_and_number_is_named_new_parent_and_number():
    """A guest ``host11`` of host1 (parent id and a number) copied with host1 into the copy
    ``host4`` becomes ``host41``, not ``host411`` (the number was kept and a new one added)."""
    t = design()
    t.add(VM(id="host11", parent="host1"))
    result = ops.paste(t, ops.copy_text(t, ["host1"]))
    run(result.command)
    server = next(t[i] for i in result.ids if isinstance(t[i], Server))
    guest = next(i for i in result.ids if i.startswith(server.id) and isinstance(t[i], VM))
    assert guest == f"{server.id}1"


def test_a_nic_pasted_into_another_server_is_named_after_that_server():
    t = design()
    result = ops.paste(t, ops.copy_text(t, ["host1n1"]), target_server="host2")
    roundtrip(t, result.command)
    copies = [t[i] for i in result.ids]
    nic = next(e for e in copies if isinstance(e, Nic))
    assert nic.parent == "host2" and nic.id.startswith("host2n") and nic.id != "host2n1"
    assert all(vf.id.startswith(nic.id) for vf in copies if isinstance(vf, VirtualFunction))
    assert not any(e.id.startswith("host1") for e in copies)


def test_paste_into_a_design_with_the_ids_taken_by_racks_and_cables():
    """The new ids are fresh among elements, cables and racks alike."""
    t = design()
    t.add_rack(Rack(id="host4"))
    t.connect(Link(a="tor", b="lan", id="host5"))
    result = ops.paste(t, ops.copy_text(t, ["host1"]))
    run(result.command)
    assert not {"host4", "host5"} & set(result.ids)
    assert_consistent(t)


def overlaps(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_a_paste_lands_on_free_space_next_to_the_original():
    t = design()
    size = {"server": (300.0, 200.0), "switch": (160.0, 44.0), "network": (160.0, 40.0)}
    occupied = [(e.x, e.y, *size[e.KIND]) for e in t.elements.values() if e.KIND in size]
    result = ops.paste(t, ops.copy_text(t, ["host1"]), occupied=occupied, size_of=lambda e: size[e.KIND])
    run(result.command)
    server = t[result.ids[0]]
    box = (server.x, server.y, *size["server"])
    assert not any(overlaps(box, r) for r in occupied)
    assert box[1] == t["host1"].y and box[0] > t["host1"].x  # on the original's row, to its right


def test_a_pasted_group_keeps_its_arrangement_and_goes_to_the_point():
    t = design()
    result = ops.paste(t, ops.copy_text(t, ["host1", "host2"]), at=(-2000.0, 1500.0))
    run(result.command)
    servers = [t[i] for i in result.ids if isinstance(t[i], Server)]
    assert [(s.x, s.y) for s in servers] == [(-2000.0, 1500.0), (-2000.0 + 400, 1500.0)]


def test_a_pasted_racked_server_waits_unracked():
    t = design()
    result = ops.paste(t, ops.copy_text(t, ["host1"]))
    run(result.command)
    server = t[result.ids[0]]
    assert server.rack_u is None and "overlap" not in " ".join(errors(t))


# ------------------------------------------------------------------ trap 6
def test_a_bulk_vnic_edit_is_one_command_over_the_guests_that_have_vnics():
    t = design()
    before = snapshot(t)
    command = ops.set_vnic_field(t, ["vm1", "vm2", "vm3", "vm4", "host1"], "tx_gbps", 7.5)
    assert isinstance(command, MacroCommand)
    assert {c.vm_id for c in command.commands} == {"vm1", "vm2", "vm3"}  # vm4 has no vNIC
    roundtrip(t, command)
    assert [t[v].vnics[0].tx_gbps for v in ("vm1", "vm2", "vm3")] == [7.5, 7.5, 7.5]
    assert t["vm4"].vnics == []
    command.revert()  # one step back: every guest as before
    assert snapshot(t) == before


def test_a_bulk_vnic_edit_leaves_the_guests_already_at_the_value_alone():
    t = design()
    run(ops.set_vnic_field(t, ["vm1"], "packet_bytes", 9000))
    command = ops.set_vnic_field(t, ["vm1", "vm2"], "packet_bytes", 9000)
    assert isinstance(command, SetVnicsCommand) and command.vm_id == "vm2"
    roundtrip(t, command)


@pytest.mark.parametrize("name, value", [
    ("mode", "emulated"), ("tx_gbps", 3.0), ("rx_gbps", 4.0), ("min_gbps", 0.5), ("max_gbps", 9.0),
    ("weight", 2.0), ("packet_bytes", 9000), ("to", "lan"),
])
def test_every_bulk_vnic_field_applies_and_reverts_in_one_step(name, value):
    t = design()
    command = roundtrip(t, ops.set_vnic_field(t, ["vm1", "vm2"], name, value))
    assert [getattr(t[v].vnics[0], name) for v in ("vm1", "vm2")] == [value, value]
    assert name in command.text


def test_a_bulk_vnic_edit_on_one_vnic_index():
    t = design()
    run(ops.attach(t, "vm2", "paravirtual", "host1n1", port=1))
    roundtrip(t, ops.set_vnic_field(t, ["vm1", "vm2"], "weight", 3.0, index=1))
    assert [v.weight for v in t["vm2"].vnics] == [1.0, 3.0]
    assert t["vm1"].vnics[0].weight == 1.0  # vm1 has no vNIC 1


def test_a_bulk_vnic_edit_the_model_refuses_changes_no_guest():
    """``to`` must name a network: the first guest's change is rolled back when the second's
    is refused, all or nothing."""
    t = design()
    before = snapshot(t)
    command = ops.set_vnic_field(t, ["vm1", "vm2"], "to", "tor")
    with pytest.raises(ModelError, match="tor"):
        command.apply()
    assert snapshot(t) == before


# ------------------------------------- no edit builds what attaching by hand refuses
def test_no_vf_on_a_passed_through_nic():
    """host3n1 is passed through to vm3: a VF on it would make it shared (``passthrough-shared``),
    which attaching by hand refuses; adding one, or pasting one onto it, is refused alike."""
    t = design()
    before = snapshot(t)
    outcome = ops.add_element(t, "vf", parent="host3n1")
    assert isinstance(outcome, str) and "host3n1" in outcome and "vm3" in outcome
    text = ops.copy_text(t, ["host1n1v1"]).replace('"parent": "host1n1"', '"parent": "host3n1"')
    assert ops.paste(t, text) == outcome
    assert snapshot(t) == before


def test_a_guest_pasted_into_another_server_never_uses_a_device_of_the_first():
    """vm1 and its VF copied, pasted into host2: the VF goes to vm1's NIC on host1 (a VF stays
    on its NIC), so the copy of vm1 on host2 cannot use it (``foreign-device``)."""
    t = design()
    result = ops.paste(t, ops.copy_text(t, ["vm1", "host1n1v1"]), target_server="host2")
    roundtrip(t, result.command)
    guest = next(t[i] for i in result.ids if isinstance(t[i], VM))
    assert guest.parent == "host2" and guest.vnics[0].vf is None
    assert any(guest.id in note and "not attached" in note for note in result.notes)
    assert errors(t) == []


def test_a_passthrough_guest_pasted_with_its_nic_into_a_server_without_vt_d():
    t = design()
    result = ops.paste(t, ops.copy_text(t, ["host3n1", "vm3"]), target_server="host2")
    roundtrip(t, result.command)
    guest = next(t[i] for i in result.ids if isinstance(t[i], VM))
    assert guest.parent == "host2" and guest.vnics[0].nic is None
    assert any("host2" in note and "VT-d" in note for note in result.notes)
    assert errors(t) == []
    # Into a server with VT-d it keeps the copied NIC.
    result = ops.paste(t, ops.copy_text(t, ["host3n1", "vm3"]), target_server="host1")
    run(result.command)
    guest = next(t[i] for i in result.ids if isinstance(t[i], VM))
    assert t[guest.vnics[0].nic].parent == "host1" and result.notes == []
    assert errors(t) == []


def test_attaching_to_a_port_the_nic_lacks_is_refused():
    """A vNIC on port 2 of a 2-port NIC is a ``bad-port`` error: refused like a cable there."""
    t = design()
    assert isinstance(ops.attach(t, "vm4", "paravirtual", "host1n1", port=2), str)
    assert isinstance(ops.retarget(t, "vm2", 0, "paravirtual", "host1n1", port=2), str)
    run(ops.attach(t, "vm4", "paravirtual", "host1n1", port=1))
    run(ops.attach(t, "vm4", "passthrough", run(ops.add_element(t, "nic", parent="host1")).elements[0].id, port=7))
    assert errors(t) == []  # passthrough takes the whole NIC: the port does not matter


def test_a_switch_with_every_port_cabled_takes_no_more_nic_cables():
    """tor with 2 ports and 2 NIC cables: a third is a ``switch-ports`` error, so it is
    refused; an uplink to another switch or a network uses no NIC port and is fine."""
    t = design()
    t.set_field("tor", "ports", 2)
    before = snapshot(t)
    assert isinstance(ops.cable(t, "host1n1", 1, "tor"), str)
    assert snapshot(t) == before
    run(ops.uplink(t, "tor", "lan"))
    run(ops.cable(t, "host1n1", 1, "wan"))
    assert errors(t) == []


def test_bulk_add_cables_no_more_servers_than_the_switch_has_ports_free():
    t = design()
    t.set_field("tor", "ports", 4)  # 2 NIC cables already: 2 free
    assert isinstance(ops.bulk_add(t, 3, 1, switch_id="tor"), str)
    run(ops.bulk_add(t, 2, 1, switch_id="tor"))
    run(ops.bulk_add(t, 5, 1, switch_id="wan"))  # a network has no ports to run out of
    assert errors(t) == []
