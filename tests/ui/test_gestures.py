"""The canvas gestures (designer/ui/canvas/interactions.py) made with real mouse events on
the viewport: connect, move, pan, rubber band, drop and re-target. Each asserts the
model after the gesture and that one undo restores it; Escape cancels each one."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from designer.model.elements import VM, Network, Nic, Server, Switch, VirtualFunction
from designer.ui.canvas.interactions import (
    ConnectInteraction,
    EndHandleItem,
    MoveInteraction,
    PanInteraction,
    RetargetInteraction,
    RubberBandInteraction,
    is_overlay,
)
from designer.ui.canvas.view import MIME_ELEMENT, encode_payload

from .helpers import drag, show_scene_point, snapshot, state, use_design


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
        VM(id="vm3", parent="h2"),
    ])


def vp(window, scene_pos: QPointF) -> QPoint:
    return window.view.mapFromScene(scene_pos)


def centre(window, element_id: str) -> QPointF:
    return window.scene.element_item(element_id).sceneBoundingRect().center()


def show(window, rect: QRectF, zoom: float = 0.6) -> None:
    """Everything in ``rect`` on screen, at a zoom that still draws servers in detail."""
    view = window.view
    view.resetTransform()
    view.scale(zoom, zoom)
    view.centerOn(rect.center())
    viewport = view.viewport().rect()
    for corner in (rect.topLeft(), rect.bottomRight()):
        assert viewport.contains(view.mapFromScene(corner)), (viewport, corner)


def overlays(window) -> list:
    return [item for item in window.scene.items() if is_overlay(item)]


def undo_restores(window, before_text: str, depth: int) -> None:
    assert window.document.undo_stack.count() == depth + 1
    window.document.undo_stack.undo()
    window.scene.flush()
    assert snapshot(window) == before_text


def press_and_move(qtbot, window, start: QPoint, end: QPoint, button=Qt.MouseButton.LeftButton,
                   modifier=Qt.KeyboardModifier.NoModifier, steps: int = 4) -> None:
    viewport = window.view.viewport()
    qtbot.mousePress(viewport, button, modifier, pos=start)
    for i in range(1, steps + 1):
        qtbot.mouseMove(viewport, pos=start + (end - start) * (i / steps))


# ------------------------------------------------------------------- connect
def test_connect_highlights_every_valid_target_in_view_and_clears_them(qtbot, window, design):
    """A free NIC port can be cabled to any switch or network: all four are framed as soon
    as the drag starts, before the pointer reaches any of them."""
    show(window, QRectF(150, -620, 950, 690))
    source = window.scene.port_item("h1n0:1")
    start = vp(window, source.scenePos())
    for element_id in ("net1", "net2", "sw1", "sw2"):
        assert window.view.viewport().rect().contains(vp(window, centre(window, element_id)))
    before, depth = snapshot(window), window.document.undo_stack.count()
    press_and_move(qtbot, window, start, start + QPoint(0, -8), steps=1)
    interaction = window.view.interaction
    assert isinstance(interaction, ConnectInteraction)
    assert interaction.highlight.target_ids() == {"net1", "net2", "sw1", "sw2"}
    assert interaction.highlight.item is not None and interaction.highlight.item.scene() is window.scene
    end = vp(window, centre(window, "sw2"))
    for i in range(1, 5):
        qtbot.mouseMove(window.view.viewport(), pos=start + (end - start) * (i / 4))
    qtbot.mouseRelease(window.view.viewport(), Qt.MouseButton.LeftButton, pos=end)
    assert design.cable_at("h1n0", 1).b == "sw2"
    assert window.view.interaction is None and overlays(window) == []
    undo_restores(window, before, depth)


def test_vm_connect_highlights_only_what_the_guest_may_use(qtbot, window, design):
    """An unattached guest on h1 may use either VF, any port of h1 (vSwitch) or the whole
    NIC without VFs (passthrough); nothing of h2, and not the NIC that has VFs."""
    show_scene_point(window, centre(window, "h1"))
    handle = window.scene.element_item("vm2").handle
    start = vp(window, handle.scenePos())
    press_and_move(qtbot, window, start, start + QPoint(0, -10), steps=1)
    interaction = window.view.interaction
    assert isinstance(interaction, ConnectInteraction)
    assert interaction.highlight.target_ids() == {"h1n0v0", "h1n0v1", "h1n0:0", "h1n0:1", "h1n1:0", "h1n1"}
    qtbot.keyClick(window.view.viewport(), Qt.Key.Key_Escape)
    assert window.view.interaction is None and overlays(window) == []
    qtbot.mouseRelease(window.view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    assert design["vm2"].vnics == []


def test_a_refused_target_shows_the_reason_on_hover_and_the_release_changes_nothing(qtbot, window, design):
    show(window, QRectF(0, 0, 1180, 300))  # both servers' NICs in view
    start = vp(window, window.scene.element_item("vm1").handle.scenePos())
    h2_nic = vp(window, centre(window, "h2n0"))
    before = state(window)
    press_and_move(qtbot, window, start, h2_nic)
    assert window.view.feedback.reason == "NIC h2n0 belongs to server h2; VM vm1 runs on h1."
    qtbot.mouseRelease(window.view.viewport(), Qt.MouseButton.LeftButton, pos=h2_nic)
    assert state(window) == before
    assert "belongs to server h2" in window.statusBar().currentMessage()


# ---------------------------------------------------------------------- move
def test_dragging_a_server_is_one_move_and_undo_puts_it_back(qtbot, window, design):
    show_scene_point(window, QPointF(200, 100))
    item = window.scene.top_items["h1"]
    grab = item.mapToScene(QPointF(item.width - 60, item.height - 8))  # the footer, clear of the children
    start = vp(window, grab)
    before, depth = snapshot(window), window.document.undo_stack.count()
    press_and_move(qtbot, window, start, start + QPoint(120, 80), steps=6)
    assert isinstance(window.view.interaction, MoveInteraction)
    qtbot.mouseRelease(window.view.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(120, 80))
    grid = window.scene.grid_size
    assert (design["h1"].x, design["h1"].y) == (round(120 / grid) * grid, round(80 / grid) * grid)
    assert window.scene.selected_ids() == ["h1"]
    undo_restores(window, before, depth)
    assert (item.x(), item.y()) == (0.0, 0.0)


def test_escape_during_a_move_puts_the_items_back(qtbot, window, design):
    show_scene_point(window, QPointF(200, 100))
    item = window.scene.top_items["h1"]
    start = vp(window, item.mapToScene(QPointF(item.width - 60, item.height - 8)))
    before = state(window)
    press_and_move(qtbot, window, start, start + QPoint(100, 100))
    assert item.pos() != QPointF(0, 0)
    qtbot.keyClick(window.view.viewport(), Qt.Key.Key_Escape)
    assert item.pos() == QPointF(0, 0) and window.view.interaction is None
    qtbot.mouseMove(window.view.viewport(), pos=start + QPoint(150, 150))
    qtbot.mouseRelease(window.view.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(150, 150))
    assert item.pos() == QPointF(0, 0)
    assert state(window) == before


# ----------------------------------------------------------------------- pan
@pytest.mark.parametrize("how", ["middle", "space"])
def test_panning_scrolls_and_changes_nothing(qtbot, window, design, how):
    view, viewport = window.view, window.view.viewport()
    view.resetTransform()
    view.scale(2.0, 2.0)  # room to scroll both ways
    view.centerOn(QPointF(500, -200))
    h0, v0 = view.horizontalScrollBar().value(), view.verticalScrollBar().value()
    before = state(window)
    start = viewport.rect().center()
    if how == "space":
        view.setFocus()
        qtbot.keyPress(view, Qt.Key.Key_Space)
        assert viewport.cursor().shape() == Qt.CursorShape.OpenHandCursor
    button = Qt.MouseButton.MiddleButton if how == "middle" else Qt.MouseButton.LeftButton
    press_and_move(qtbot, window, start, start + QPoint(-90, -50), button=button)
    assert isinstance(view.interaction, PanInteraction)
    assert viewport.cursor().shape() == Qt.CursorShape.ClosedHandCursor
    qtbot.mouseRelease(viewport, button, pos=start + QPoint(-90, -50))
    assert view.interaction is None
    assert (view.horizontalScrollBar().value() - h0, view.verticalScrollBar().value() - v0) == (90, 50)
    if how == "space":
        qtbot.keyRelease(view, Qt.Key.Key_Space)
    assert state(window) == before  # nothing moved, nothing selected changed the model


# --------------------------------------------------------------- rubber band
def band_points(window) -> tuple[QPoint, QPoint]:
    """A rectangle over empty canvas around both switches, clear of networks and servers."""
    show(window, QRectF(120, -400, 1000, 200))
    return vp(window, QPointF(120, -400)), vp(window, QPointF(1120, -230))


def test_rubber_band_selects_what_it_touches(qtbot, window, design):
    start, end = band_points(window)
    assert window.view.itemAt(start) is None
    window.scene.select_ids(["net1"])
    before = state(window)
    press_and_move(qtbot, window, start, end)
    assert isinstance(window.view.interaction, RubberBandInteraction)
    assert window.view.interaction.band.isVisible()
    qtbot.mouseRelease(window.view.viewport(), Qt.MouseButton.LeftButton, pos=end)
    assert sorted(window.scene.selected_ids()) == ["sw1", "sw2"]
    assert window.view.interaction is None
    assert state(window) == before  # selecting is not an edit


def test_rubber_band_with_ctrl_adds_and_escape_restores(qtbot, window, design):
    start, end = band_points(window)
    window.scene.select_ids(["net1"])
    press_and_move(qtbot, window, start, end, modifier=Qt.KeyboardModifier.ControlModifier)
    assert sorted(window.scene.selected_ids()) == ["net1", "sw1", "sw2"]
    qtbot.keyClick(window.view.viewport(), Qt.Key.Key_Escape)
    assert window.scene.selected_ids() == ["net1"]
    qtbot.mouseRelease(window.view.viewport(), Qt.MouseButton.LeftButton, pos=end)
    assert window.scene.selected_ids() == ["net1"]


# ---------------------------------------------------------------------- drop
def _send_drag(window, kind: str, scene_pos: QPointF, drop: bool = True):
    mime = QMimeData()
    mime.setData(MIME_ELEMENT, encode_payload(kind, {}))
    pos = vp(window, scene_pos)
    viewport = window.view.viewport()
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, QDragEnterEvent(pos, *args))
    move = QDragMoveEvent(pos, *args)
    QApplication.sendEvent(viewport, move)
    if not drop:
        return move
    event = QDropEvent(QPointF(pos), *args)
    QApplication.sendEvent(viewport, event)
    return event


def test_drop_adds_one_step_and_leaving_cancels(window, design):
    show_scene_point(window, centre(window, "h2"))
    before, depth = snapshot(window), window.document.undo_stack.count()
    move = _send_drag(window, "vm", centre(window, "h2"), drop=False)
    assert move.isAccepted() and window.view.feedback.item is not None
    QApplication.sendEvent(window.view.viewport(), QDragLeaveEvent())
    assert window.view.interaction is None and overlays(window) == []
    assert snapshot(window) == before
    event = _send_drag(window, "vm", centre(window, "h2"))
    assert event.isAccepted()
    assert [vm.id for vm in design.vms_of("h2")] == ["vm3", "vm4"]
    assert window.scene.selected_ids() == ["vm4"] and overlays(window) == []
    undo_restores(window, before, depth)


# ------------------------------------------------------------------ retarget
def cable(window, design) -> None:
    assert window.editor.connect(window.scene.port_item("h1n0:0"), window.scene.top_items["sw1"]) is None


def grips(window) -> dict:
    return {item.line_end.key: item for item in window.scene.items() if isinstance(item, EndHandleItem)}


def test_selected_cable_has_a_grip_at_each_end(window, design):
    cable(window, design)
    assert grips(window) == {}
    window.scene.select_ids(["h1n0:0--sw1"])
    ends = grips(window)
    assert set(ends) == {("h1n0:0--sw1", "h1n0:0"), ("h1n0:0--sw1", "sw1")}
    port = window.scene.port_point("h1n0:0")
    port_grip = ends[("h1n0:0--sw1", "h1n0:0")].scenePos()
    assert abs(port_grip.x() - port.x()) < 1 and abs(port_grip.y() - port.y()) < 12
    assert window.scene.top_items["sw1"].sceneBoundingRect().adjusted(-12, -12, 12, 12).contains(
        ends[("h1n0:0--sw1", "sw1")].scenePos())
    window.scene.clearSelection()
    assert grips(window) == {}


def test_dragging_a_cable_end_repatches_it_as_one_step(qtbot, window, design):
    cable(window, design)
    show(window, QRectF(0, -620, 1100, 640))
    window.scene.select_ids(["h1n0:0--sw1"])
    before, depth = snapshot(window), window.document.undo_stack.count()
    start = vp(window, grips(window)[("h1n0:0--sw1", "sw1")].scenePos())
    end = vp(window, centre(window, "net2"))
    press_and_move(qtbot, window, start, start + QPoint(0, -6), steps=1)
    interaction = window.view.interaction
    assert isinstance(interaction, RetargetInteraction)
    # Any other switch or network takes the cable's far end; its own switch is not a target.
    assert interaction.highlight.target_ids() == {"net1", "net2", "sw2"}
    assert window.scene.cables["h1n0:0--sw1"].opacity() < 1  # the line being moved is dimmed
    for i in range(1, 5):
        qtbot.mouseMove(window.view.viewport(), pos=start + (end - start) * (i / 4))
    qtbot.mouseRelease(window.view.viewport(), Qt.MouseButton.LeftButton, pos=end)
    assert design.cable_at("h1n0", 0).b == "net2" and "h1n0:0--sw1" not in design.links
    assert window.scene.selected_ids() == ["h1n0:0--net2"]  # still selected, with its grips
    assert set(grips(window)) == {("h1n0:0--net2", "h1n0:0"), ("h1n0:0--net2", "net2")}
    assert len(overlays(window)) == 2  # only the grips: no line, highlight or frame left
    undo_restores(window, before, depth)


def test_dragging_a_cable_end_onto_nothing_or_a_refused_target_changes_nothing(qtbot, window, design):
    cable(window, design)
    show_scene_point(window, QPointF(300, -150))
    window.scene.select_ids(["h1n0:0--sw1"])
    before = state(window)
    start = vp(window, grips(window)[("h1n0:0--sw1", "sw1")].scenePos())
    drag(qtbot, window, start, vp(window, QPointF(-300, -250)))  # empty canvas
    assert state(window) == before
    assert "nothing changed" in window.statusBar().currentMessage()
    window.scene.select_ids(["h1n0:0--sw1"])
    start = vp(window, grips(window)[("h1n0:0--sw1", "sw1")].scenePos())
    drag(qtbot, window, start, vp(window, window.scene.port_point("h1n0:1")))  # port to port
    assert state(window) == before
    assert "not to another NIC port" in window.statusBar().currentMessage()
    assert window.scene.cables["h1n0:0--sw1"].opacity() == 1.0


def test_dragging_a_cable_port_end_moves_it_to_another_port(qtbot, window, design):
    cable(window, design)
    show_scene_point(window, QPointF(300, -150))
    window.scene.select_ids(["h1n0:0--sw1"])
    before, depth = snapshot(window), window.document.undo_stack.count()
    start = vp(window, grips(window)[("h1n0:0--sw1", "h1n0:0")].scenePos())
    drag(qtbot, window, start, vp(window, window.scene.port_point("h1n1:0")))
    assert design.cable_at("h1n0", 0) is None and design.cable_at("h1n1", 0).b == "sw1"
    undo_restores(window, before, depth)


def test_dragging_a_vnic_grip_moves_the_vnic(qtbot, window, design):
    assert window.editor.attach_vm("vm1", window.scene.element_item("h1n0v0")) is None
    show_scene_point(window, centre(window, "h1"))
    window.scene.select_ids(["vm1"])
    (grip,) = grips(window).values()
    assert grip.line_end.key == ("vm1", 0)
    chip = window.scene.element_item("h1n0v0").sceneBoundingRect()
    assert chip.adjusted(-4, -4, 4, 4).contains(grip.scenePos())  # the line's device end
    before, depth = snapshot(window), window.document.undo_stack.count()
    drag(qtbot, window, vp(window, grip.scenePos()), vp(window, centre(window, "h1n0v1")))
    assert [(v.mode, v.vf) for v in design["vm1"].vnics] == [("vf", "h1n0v1")]
    undo_restores(window, before, depth)


def test_escape_cancels_a_retarget(qtbot, window, design):
    assert window.editor.attach_vm("vm1", window.scene.element_item("h1n0v0")) is None
    show_scene_point(window, centre(window, "h1"))
    window.scene.select_ids(["vm1"])
    (grip,) = grips(window).values()
    before = state(window)
    start, end = vp(window, grip.scenePos()), vp(window, centre(window, "h1n0v1"))
    press_and_move(qtbot, window, start, end)
    assert isinstance(window.view.interaction, RetargetInteraction) and grips(window) == {}
    qtbot.keyClick(window.view.viewport(), Qt.Key.Key_Escape)
    assert window.view.interaction is None
    qtbot.mouseRelease(window.view.viewport(), Qt.MouseButton.LeftButton, pos=end)
    assert state(window) == before
    assert len(grips(window)) == 1  # the grip is back
    assert all(a.opacity() == 1.0 for a in window.scene.top_items["h1"].attachments)


# ------------------------------------------------- dragging from an attached guest
def test_dragging_from_an_attached_guest_moves_its_vnic_not_a_second_one(qtbot, window, design):
    """Trap 5: a guest with one vNIC dragged from its handle re-targets that vNIC; only
    Shift+drag adds another."""
    assert window.editor.attach_vm("vm1", window.scene.element_item("h1n0v0")) is None
    show_scene_point(window, centre(window, "h1"))
    before, depth = snapshot(window), window.document.undo_stack.count()
    handle = window.scene.element_item("vm1").handle
    drag(qtbot, window, vp(window, handle.scenePos()), vp(window, window.scene.port_point("h1n0:1")))
    assert [(v.mode, v.nic, v.port, v.vf) for v in design["vm1"].vnics] == [("paravirtual", "h1n0", 1, None)]
    undo_restores(window, before, depth)
    handle = window.scene.element_item("vm1").handle
    viewport = window.view.viewport()
    start, end = vp(window, handle.scenePos()), vp(window, centre(window, "h1n0v1"))
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, pos=start)
    assert isinstance(window.view.interaction, ConnectInteraction)
    for i in range(1, 5):
        qtbot.mouseMove(viewport, pos=start + (end - start) * (i / 4))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, pos=end)
    assert [v.vf for v in design["vm1"].vnics] == ["h1n0v0", "h1n0v1"]


def test_a_guest_with_several_vnics_asks_which_one(qtbot, window, design):
    assert window.editor.attach_vm("vm1", window.scene.element_item("h1n0v0")) is None
    assert window.editor.attach_vm("vm1", window.scene.port_item("h1n0:1")) is None
    show_scene_point(window, centre(window, "h1"))
    before = state(window)
    handle = window.scene.element_item("vm1").handle
    drag(qtbot, window, vp(window, handle.scenePos()), vp(window, centre(window, "h1n0v1")))
    assert state(window) == before
    assert window.scene.selected_ids() == ["vm1"]
    assert set(grips(window)) == {("vm1", 0), ("vm1", 1)}
    assert "Shift+drag" in window.statusBar().currentMessage()


def test_one_gesture_at_a_time(qtbot, window, design):
    show_scene_point(window, QPointF(300, -150))
    start = vp(window, window.scene.port_item("h1n0:0").scenePos())
    press_and_move(qtbot, window, start, start + QPoint(20, -20))
    first = window.view.interaction
    assert isinstance(first, ConnectInteraction)
    window.view.start_interaction(PanInteraction(window.view, _FakePress()))
    assert first.canceled and first.line is None
    assert isinstance(window.view.interaction, PanInteraction)
    window.view.cancel_interaction()
    assert window.view.interaction is None and overlays(window) == []


class _FakePress:
    def button(self):
        return Qt.MouseButton.MiddleButton

    def position(self):
        return QPointF(0, 0)


def test_no_grips_for_a_large_selection(window):
    """Grips are for re-patching a few lines: Select All on a design with many cables
    draws none (and costs nothing per cable)."""
    from designer.model.elements import Link
    from designer.ui.canvas.interactions import GRIP_LIMIT
    count = GRIP_LIMIT + 1
    use_design(window, [Switch(id="sw1", x=0, y=0), Switch(id="sw2", x=600, y=0)],
               [Link(a="sw1", b="sw2", id=f"up{i}") for i in range(count)])
    window.scene.select_ids([f"up{i}" for i in range(GRIP_LIMIT)])
    assert len(grips(window)) == 2 * GRIP_LIMIT
    window.scene.select_ids([f"up{i}" for i in range(count)])
    assert grips(window) == {}
