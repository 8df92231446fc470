"""Connections: every attachment mode from the real scene items, the refusals,
and connection drags made with real mouse events on the canvas."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt

from designer.model.elements import VM, Network, Nic, Server, Switch, VirtualFunction
from designer.ui.canvas.items import AttachmentItem

from .helpers import drag, show_scene_point, state, use_design


@pytest.fixture
def design(window):
    return use_design(window, [
        Network(id="net1", x=200, y=-600),
        Network(id="net2", x=900, y=-600),
        Switch(id="sw1", x=200, y=-320),
        Switch(id="sw2", x=900, y=-320),
        Server(id="h1", x=0, y=0),
        Nic(id="h1n0", parent="h1", ports=2),
        Nic(id="h1n1", parent="h1", ports=1),
        VirtualFunction(id="h1n0v0", parent="h1n0", port=0),
        VirtualFunction(id="h1n0v1", parent="h1n0", port=1),
        VM(id="vm1", parent="h1"),
        VM(id="vm2", parent="h1"),
        Server(id="h2", x=900, y=0, iommu=False),
        Nic(id="h2n0", parent="h2"),
        Nic(id="h2n1", parent="h2"),
        VirtualFunction(id="h2n0v0", parent="h2n0"),
        VM(id="vm3", parent="h2"),
    ])


def port(window, nic_id: str, index: int):
    return window.scene.port_item(f"{nic_id}:{index}")


def top(window, element_id: str):
    return window.scene.top_items[element_id]


def item(window, element_id: str):
    return window.scene.element_item(element_id)


def attachments(window, server_id: str) -> list[tuple[str, int, str]]:
    return sorted((a.vm_id, a.index, a.mode) for a in top(window, server_id).attachments)


# ------------------------------------------------------------------ cables
@pytest.mark.parametrize("far", ["sw1", "net1"])
def test_nic_port_to_switch_or_network_is_a_cable(window, design, far):
    assert window.editor.connect(port(window, "h1n0", 1), top(window, far)) is None
    link = design.links[f"h1n0:1--{far}"]
    assert (link.a, link.b) == ("h1n0:1", far)
    assert design.cable_at("h1n0", 1) is link
    assert f"h1n0:1--{far}" in window.scene.cables
    assert port(window, "h1n0", 1).wired and not port(window, "h1n0", 0).wired


def test_switch_port_drag_onto_the_switch_handle_also_cables(window, design):
    # Released on the switch's round handle rather than its body.
    assert window.editor.connect(port(window, "h1n0", 0), top(window, "sw2").handle) is None
    assert "h1n0:0--sw2" in design.links


@pytest.mark.parametrize("far", ["sw2", "net1"])
def test_switch_handle_to_switch_or_network_is_an_uplink(window, design, far):
    assert window.editor.connect(top(window, "sw1").handle, top(window, far)) is None
    link = design.links[f"sw1--{far}"]
    assert (link.a, link.b) == ("sw1", far)
    assert link.id in window.scene.cables
    assert window.scene.cables[link.id].path().length() > 0


def test_network_handle_to_switch_is_an_uplink(window, design):
    assert window.editor.connect(top(window, "net2").handle, top(window, "sw2")) is None
    assert "net2--sw2" in design.links


def test_second_parallel_uplink_gets_its_own_id(window, design):
    assert window.editor.connect(top(window, "sw1").handle, top(window, "sw2")) is None
    assert window.editor.connect(top(window, "sw1").handle, top(window, "sw2")) is None
    assert {"sw1--sw2", "sw1--sw2-2"} <= set(design.links)
    assert {"sw1--sw2", "sw1--sw2-2"} <= set(window.scene.cables)


# --------------------------------------------------------------- VM attachments
def test_vm_handle_to_vf_attaches_in_vf_mode(window, design):
    assert window.editor.connect(item(window, "vm1").handle, item(window, "h1n0v1")) is None
    (vnic,) = design["vm1"].vnics
    assert (vnic.mode, vnic.vf, vnic.nic) == ("vf", "h1n0v1", None)
    assert design.users_of("h1n0v1") == [(design["vm1"], 0)]
    assert item(window, "h1n0v1").used and not item(window, "h1n0v0").used
    assert attachments(window, "h1") == [("vm1", 0, "vf")]


def test_vm_to_nic_port_attaches_paravirtual_through_the_vswitch(window, design):
    assert window.editor.attach_vm("vm2", port(window, "h1n0", 1)) is None
    (vnic,) = design["vm2"].vnics
    assert (vnic.mode, vnic.nic, vnic.port, vnic.vf) == ("paravirtual", "h1n0", 1, None)
    assert attachments(window, "h1") == [("vm2", 0, "paravirtual")]
    # Through the VM's handle, too: a second vNIC on port 0.
    assert window.editor.connect(item(window, "vm2").handle, port(window, "h1n0", 0)) is None
    assert [(v.mode, v.nic, v.port) for v in design["vm2"].vnics] == [
        ("paravirtual", "h1n0", 1), ("paravirtual", "h1n0", 0)]
    assert isinstance(top(window, "h1").attachments[-1], AttachmentItem)


def test_vm_to_nic_item_is_passthrough(window, design):
    assert window.editor.attach_vm("vm2", item(window, "h1n1")) is None
    (vnic,) = design["vm2"].vnics
    assert (vnic.mode, vnic.nic) == ("passthrough", "h1n1")
    assert attachments(window, "h1") == [("vm2", 0, "passthrough")]
    # A passed-through NIC no longer serves the vSwitch.
    reason = window.editor.attach_vm("vm1", port(window, "h1n1", 0))
    assert reason and "passed through" in reason


def test_new_vnic_goes_to_the_first_network_when_there_are_several(window, design):
    assert window.editor.attach_vm("vm1", item(window, "h1n0v0")) is None
    assert design["vm1"].vnics[0].to == "net1"


# ------------------------------------------------------------------ refusals
def cable_h1n0_0(window):
    assert window.editor.connect(port(window, "h1n0", 0), top(window, "sw1")) is None


def attach_vm1_to_vf(window):
    assert window.editor.attach_vm("vm1", item(window, "h1n0v0")) is None


REFUSALS = {
    "port already cabled": (cable_h1n0_0, lambda w: w.editor.connect(port(w, "h1n0", 0), top(w, "sw2")),
                            "already has a cable"),
    "port to port": (None, lambda w: w.editor.connect(port(w, "h1n0", 0), port(w, "h1n0", 1)), "not to another NIC"),
    "port to a server": (None, lambda w: w.editor.connect(port(w, "h1n0", 0), top(w, "h2")), "switch or a network"),
    "vf of another server": (None, lambda w: w.editor.attach_vm("vm1", item(w, "h2n0v0")), "belongs to server h2"),
    "nic port of another server": (None, lambda w: w.editor.attach_vm("vm1", port(w, "h2n0", 0)),
                                   "belongs to server h2"),
    "vf already used": (attach_vm1_to_vf, lambda w: w.editor.attach_vm("vm2", item(w, "h1n0v0")), "already used"),
    "passthrough without iommu": (None, lambda w: w.editor.attach_vm("vm3", item(w, "h2n1")), "iommu"),
    "passthrough of a nic with vfs": (None, lambda w: w.editor.attach_vm("vm1", item(w, "h1n0")), "in use"),
    "network to network": (None, lambda w: w.editor.connect(top(w, "net1").handle, top(w, "net2")),
                           "Two networks"),
    "switch to itself": (None, lambda w: w.editor.connect(top(w, "sw1").handle, top(w, "sw1")), "itself"),
    "uplink onto a vm": (None, lambda w: w.editor.connect(top(w, "sw1").handle, item(w, "vm1")), "Release"),
    "vm onto a switch": (None, lambda w: w.editor.connect(item(w, "vm1").handle, top(w, "sw1")), "Release"),
    "released on nothing": (None, lambda w: w.editor.connect(port(w, "h1n0", 0), None), "Release"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_connection_says_why_and_changes_nothing(window, design, case):
    setup, act, words = REFUSALS[case]
    if setup is not None:
        setup(window)
    before = state(window)
    reason = act(window)
    assert isinstance(reason, str) and words in reason
    assert state(window) == before


# ------------------------------------------------------- real mouse gestures
def test_cable_drawn_with_the_mouse_from_a_port_to_a_switch(qtbot, window, design):
    source = port(window, "h1n0", 1)
    show_scene_point(window, QPointF(300, -150))  # both ends in view at zoom 1
    start = window.view.mapFromScene(source.scenePos())
    end = window.view.mapFromScene(top(window, "sw1").sceneBoundingRect().center())
    assert window.view.viewport().rect().contains(start) and window.view.viewport().rect().contains(end)
    assert window.view.itemAt(start) is source
    depth = window.document.undo_stack.count()
    drag(qtbot, window, start, end)
    assert "h1n0:1--sw1" in design.links
    assert "h1n0:1--sw1" in window.scene.cables
    assert window.document.undo_stack.count() == depth + 1
    assert window.view.interaction is None  # the gesture ended, its rubber line is gone
    # Nothing moved: a connection drag is not an item drag.
    assert (design["h1"].x, design["h1"].y) == (0.0, 0.0)


def test_vm_attached_with_the_mouse_from_its_handle_to_a_vf(qtbot, window, design):
    handle = item(window, "vm2").handle
    chip = item(window, "h1n0v0")
    show_scene_point(window, top(window, "h1").sceneBoundingRect().center())
    start = window.view.mapFromScene(handle.scenePos())
    end = window.view.mapFromScene(chip.sceneBoundingRect().center())
    assert window.view.itemAt(start) is handle
    drag(qtbot, window, start, end)
    assert [(v.mode, v.vf) for v in design["vm2"].vnics] == [("vf", "h1n0v0")]
    assert attachments(window, "h1") == [("vm2", 0, "vf")]


def test_connection_drag_released_on_empty_canvas_changes_nothing(qtbot, window, design):
    show_scene_point(window, QPointF(300, -150))
    start = window.view.mapFromScene(port(window, "h1n0", 0).scenePos())
    end = window.view.mapFromScene(QPointF(-250, -250))
    before = state(window)
    drag(qtbot, window, start, end)
    assert state(window) == before
    assert "Release" in window.statusBar().currentMessage()


def test_escape_cancels_a_connection_drag(qtbot, window, design):
    view, viewport = window.view, window.view.viewport()
    show_scene_point(window, QPointF(300, -150))
    start = view.mapFromScene(port(window, "h1n0", 0).scenePos())
    end = view.mapFromScene(top(window, "sw1").sceneBoundingRect().center())
    before = state(window)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, pos=(start + end) / 2)
    assert view.interaction.line is not None and view.interaction.line.scene() is window.scene
    qtbot.keyClick(viewport, Qt.Key.Key_Escape)
    assert view.interaction is None
    qtbot.mouseMove(viewport, pos=end)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    assert state(window) == before


def test_connection_drag_says_before_release_whether_a_target_is_valid(qtbot, window, design):
    """Trap 5: during the drag the target under the pointer is framed green (accepted) or red
    with the reason (refused); a VF on another server is refused."""
    from designer.ui import style
    handle = item(window, "vm2").handle
    show_scene_point(window, top(window, "h1").sceneBoundingRect().center())
    viewport = window.view.viewport()
    start = window.view.mapFromScene(handle.scenePos())
    good = window.view.mapFromScene(item(window, "h1n0v0").sceneBoundingRect().center())
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for i in range(1, 7):
        qtbot.mouseMove(viewport, pos=start + (good - start) * (i / 6))
    view = window.view
    assert view.feedback.reason is None
    assert view.feedback.item is not None and view.feedback.item.pen().color() == style.current().ok_color
    assert viewport.cursor().shape() == Qt.CursorShape.DragLinkCursor
    # The same drag over vm1's handle's own server's other VM: refused, and why.
    design_before = state(window)
    other = window.view.mapFromScene(top(window, "h1").sceneBoundingRect().topLeft() + QPointF(4, 4))
    qtbot.mouseMove(viewport, pos=other)
    assert view.feedback.reason and "Release a VM's connection" in view.feedback.reason
    assert view.feedback.item.pen().color() == style.current().error_color
    assert viewport.cursor().shape() == Qt.CursorShape.ForbiddenCursor
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=other)
    assert state(window) == design_before
    assert view.feedback.item is None


def test_dragging_a_used_vf_shows_the_reason_before_release(qtbot, window, design):
    assert window.editor.attach_vm("vm1", item(window, "h1n0v0")) is None
    plan = window.editor.connect_plan(item(window, "vm2").handle, item(window, "h1n0v0"))
    assert plan == "VF h1n0v0 is already used by VM vm1; a VF serves one guest."
