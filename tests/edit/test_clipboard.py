"""Copy, paste and duplicate beyond the traps: what the clipboard holds, cables between
copies, pastes into another design, hand-written clipboards, and presets of new elements."""

from __future__ import annotations

import json

from edit_support import assert_consistent, design, roundtrip, run, snapshot

from designer.edit import ops
from designer.model import VM, Network, Nic, Rack, Server, Switch, Topology
from designer.model.rules import check_design


def clipboard(*elements: dict, links: list | None = None) -> str:
    return json.dumps({"format": ops.CLIPBOARD_FORMAT, "version": 1, "elements": list(elements),
                       "links": links or []})


def held(text: str) -> tuple[list[str], list[str]]:
    doc = json.loads(text)
    return [e["id"] for e in doc["elements"]], [f"{link['a']}|{link['b']}" for link in doc["links"]]


def test_copy_holds_the_selection_with_its_contents_in_file_order():
    t = design()
    ids, links = held(ops.copy_text(t, ["vm1", "host1", "host1n1", "ghost"]))
    assert ids == ["host1", "host1n1", "host1n1v1", "vm1", "vm2", "vm4"]  # each once, parents first
    assert links == []  # host1n1:0 -- tor: the switch is not copied
    ids, links = held(ops.copy_text(t, ["host1", "tor"]))
    assert "host1n1:0|tor" in links and "tor|wan" not in links
    assert ops.copy_text(t, []) is None and ops.copy_text(t, ["ghost", "tor--wan"]) is None


def test_cables_between_copies_are_copied_between_the_copies():
    t = design()
    result = ops.paste(t, ops.copy_text(t, ["host1", "tor"]))
    roundtrip(t, result.command)
    server = next(t[i] for i in result.ids if isinstance(t[i], Server))
    switch = next(t[i] for i in result.ids if isinstance(t[i], Switch))
    nic = t.nics_of(server.id)[0]
    cable = t.cable_at(nic.id, 0)
    assert cable is not None and cable.other_end(f"{nic.id}:0") == switch.id
    assert cable.gbps == t.links["host1n1:0--tor"].gbps  # the capacity goes along
    assert [p for p in check_design(t) if p.severity == "error"] == []


def test_a_cable_id_taken_by_a_rack_gets_a_fresh_one():
    t = design()
    text = clipboard({"id": "s", "kind": "switch"}, {"id": "w", "kind": "network"}, links=[{"a": "s", "b": "w"}])
    t.add_rack(Rack(id="s1--w1"))
    result = ops.paste(t, text)
    run(result.command)
    (link,) = [link for link in t.links.values() if link.a == "s1"]
    assert link.id != "s1--w1" and link.id.startswith("s1--w1")
    assert_consistent(t)


def test_a_paste_into_another_design():
    """Guests need their server: without one in the target they are left out; a server
    whose rack the target lacks arrives unracked; a destination the target lacks is cleared."""
    source = design()
    target = Topology.build([Network(id="internet")])
    result = ops.paste(target, ops.copy_text(source, ["host1", "vm3", "wan"]))
    run(result.command)
    kinds = sorted(target[i].KIND for i in result.ids)
    assert kinds == ["network", "nic", "server", "vf", "vm", "vm", "vm"]  # vm3's server stayed behind
    server = next(e for e in target.elements.values() if isinstance(e, Server))
    assert server.rack is None and server.rack_u is None
    assert_consistent(target)
    assert [e for e in check_design(target) if e.severity == "error"] == []


def test_a_guest_whose_destination_is_no_network_here_keeps_no_destination():
    """A guest sending to ``wan`` pasted into a design where ``wan`` is a switch: before, the
    model refused the whole paste on apply."""
    t = Topology.build([Switch(id="wan"), Server(id="h")])
    text = clipboard({"id": "g", "kind": "vm", "parent": "h", "vnics": [{"mode": "emulated", "to": "wan"}]})
    result = ops.paste(t, text)
    roundtrip(t, result.command)
    assert t[result.ids[0]].vnics[0].to is None


def test_a_hand_written_clipboard_naming_the_wrong_kind_is_detached_not_refused():
    """A vNIC whose ``vf`` names a pasted NIC, or whose ``to`` names a pasted server, is
    detached rather than making the model refuse the paste."""
    t = design()
    text = clipboard({"id": "s", "kind": "server"}, {"id": "s1", "kind": "nic", "parent": "s"},
                     {"id": "g", "kind": "vm", "parent": "s", "vnics": [{"mode": "vf", "vf": "s1", "to": "s"}]})
    result = ops.paste(t, text)
    roundtrip(t, result.command)
    guest = next(t[i] for i in result.ids if isinstance(t[i], VM))
    assert (guest.vnics[0].vf, guest.vnics[0].to) == (None, None)


def test_what_a_paste_cannot_place_is_left_out():
    t = design()
    text = clipboard({"id": "n", "kind": "nic", "parent": "far"}, {"id": "v", "kind": "vf", "parent": "n"})
    assert ops.paste(t, text) == ops.paste(t, clipboard({"id": "x", "kind": "vm", "parent": "far"}))
    assert isinstance(ops.paste(t, text), str)


def test_cables_a_clipboard_cannot_join_are_dropped():
    t = design()
    text = clipboard({"id": "s", "kind": "switch"}, {"id": "w", "kind": "network"},
                     links=[{"a": "s", "b": "elsewhere"}, "not a cable", {"a": 1, "b": "w"}, {"a": "s", "b": "w"}])
    result = ops.paste(t, text)
    assert len(result.command.links) == 1


def test_a_clipboard_too_large_to_read_is_refused():
    t = design()
    assert ops.paste(t, " " * (64 * 1024 * 1024 + 1)) == ops.paste(t, "not json")


def test_a_paste_at_the_point_and_a_duplicate_side_by_side():
    t = design()
    occupied = [(e.x, e.y, *ops.DEFAULT_SIZES[e.KIND]) for e in t.elements.values() if e.KIND in ops.DEFAULT_SIZES]
    result = ops.duplicate(t, ["host2"], occupied=occupied)
    run(result.command)
    copy = t[result.ids[0]]
    w, h = ops.DEFAULT_SIZES["server"]
    assert not any(ops._overlaps((copy.x, copy.y, w, h), r) for r in occupied)


# ------------------------------------------------------------------ presets
def test_a_preset_sets_only_valid_fields():
    """Palette, catalogue and drag data: unknown keys, ids, positions and bad values never
    reach the model."""
    t = design()
    preset = {"ports": 8, "port_gbps": "fast", "id": "evil", "x": 999, "colour": "red", 3: "x", "label": "Spine"}
    command = run(ops.add_element(t, "switch", x=10, y=20, preset=preset))
    switch = command.elements[0]
    assert switch.id != "evil" and (switch.x, switch.y) == (10, 20)
    assert (switch.ports, switch.label) == (8, "Spine") and switch.port_gbps == Switch(id="s").port_gbps


def test_a_new_nic_takes_the_default_model_then_the_drag_data():
    t = design()
    nic = run(ops.add_element(t, "nic", parent="host2", preset={"ports": 4})).elements[0]
    assert nic.model == ops.DEFAULT_NIC["model"] and nic.ports == 4


def test_a_new_vnic_sends_to_the_first_network_only_when_there_is_a_choice():
    t = design()
    vnic = run(ops.attach(t, "vm4", "paravirtual", "host1n1")).vnics[-1]
    assert vnic.to == t.networks[0].id
    single = Topology.build([Network(id="net"), Server(id="h"), Nic(id="hn", parent="h"), VM(id="g", parent="h")])
    vnic = run(ops.attach(single, "g", "emulated", "hn")).vnics[-1]
    assert vnic.to is None  # one network: the traffic goes there anyway


def test_a_third_uplink_between_the_same_two():
    t = design()
    second = run(ops.uplink(t, "tor", "wan"))
    third = run(ops.uplink(t, "tor", "wan"))
    assert len({"tor--wan", second.link.id, third.link.id}) == 3
    assert_consistent(t)
    before = snapshot(t)
    third.revert()
    assert snapshot(t) != before and third.link.id not in t.links
