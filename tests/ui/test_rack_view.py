"""The Rack tab: placing from the Unracked tray, moving between slots and racks,
refused drops, undo and redo, rack editing, linked selection, double-click jumps,
rack problems in the problems dock, the figures panel, and the export scene."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent, QImage, QPainter
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QTabWidget

from designer.model import VM, Link, Network, Nic, Rack, Server, Switch, Topology, VNic
from designer.ui import style
from designer.ui.document import Document
from designer.ui.rack.elevation import RackElementItem, build_rack_scene
from designer.ui.rack.interactions import SlotDropInteraction, SlotMoveInteraction
from designer.ui.rack.view import RackDialog

from .helpers import TWO_RACK, open_example, state

SCREENSHOT = Path("/tmp/rackio-rack-view.png")


def use_racked(window, elements, racks, links=()) -> Topology:
    topo = Topology.build(elements, links, racks=racks)
    window.set_document(Document(topo, parent=window))
    window.scene.flush()
    panel = window.rack_panel
    panel.show_rack_view()
    panel.flush()
    panel.view.resetTransform()
    return window.document.topology


@pytest.fixture
def design(window):
    """Rack a (10 U): h1 (2 U) at U1–U2, the ToR at U10. Rack b (6 U) empty. h2 and h3 unracked."""
    return use_racked(window, [
        Network(id="wan"),
        Switch(id="tor", rack="a", rack_u=10),
        Server(id="h1", rack="a", rack_u=1, height_u=2),
        Server(id="h2", label="Spare host"),
        Server(id="h3", height_u=2),
    ], [Rack(id="a", label="Rack A", height_u=10), Rack(id="b", height_u=6)])


def slot_point(window, rack: str, unit: int) -> QPoint:
    """The viewport position of the middle of a slot (scrolled into view)."""
    panel = window.rack_panel
    centre = panel.scene.drawing.geometry.slot_rect(rack, unit).center()
    panel.view.centerOn(centre)
    return panel.view.mapFromScene(centre)


def tray_drop(window, element_id: str, rack: str, unit: int) -> bool:
    """Drag an element from the tray's own drag data onto a slot, with real drag events."""
    panel = window.rack_panel
    row = panel.tray.ids().index(element_id)
    mime = panel.tray.mimeData([panel.tray.item(row)])
    pos = slot_point(window, rack, unit)
    viewport = panel.view.viewport()
    args = (Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(pos, *args)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(viewport, QDragMoveEvent(pos, *args))
    event = QDropEvent(QPointF(pos), *args)
    QApplication.sendEvent(viewport, event)
    panel.flush()
    return bool(event.isAccepted())


def mouse_drag(qtbot, window, start: QPoint, end: QPoint, steps: int = 6) -> None:
    viewport = window.rack_panel.view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for i in range(1, steps + 1):
        qtbot.mouseMove(viewport, pos=start + (end - start) * (i / steps))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    window.rack_panel.flush()


def slot_of(topo, element_id):
    element = topo.elements[element_id]
    return element.rack, element.rack_u


def message(window) -> str:
    return window.statusBar().currentMessage()


# ------------------------------------------------------------------ the tab
def test_rack_tab_sits_beside_the_topology_canvas(window, design):
    tabs = window.centralWidget()
    assert isinstance(tabs, QTabWidget)
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Topology", "Rack"]
    assert tabs.widget(0) is window.view and tabs.widget(1) is window.rack_panel
    assert window.act_insert_rack in window.insert_menu.actions()
    panel = window.rack_panel
    assert set(panel.scene.drawing.frames) == {"a", "b"}
    assert set(panel.scene.drawing.elements) == {"tor", "h1"}
    assert panel.tray.ids() == ["h2", "h3"]
    window.act_show_topology.trigger()
    assert tabs.currentWidget() is window.view
    window.act_show_racks.trigger()
    assert tabs.currentWidget() is panel


def test_elements_are_drawn_in_their_slots_u1_at_the_bottom(window, design):
    drawing = window.rack_panel.scene.drawing
    geometry = drawing.geometry
    h1 = drawing.elements["h1"].rect
    assert h1 == geometry.slot_rect("a", 1, 2)
    assert h1.height() == 2 * geometry.slot_rect("a", 1).height()
    tor = drawing.elements["tor"].rect
    assert tor.bottom() <= h1.top()  # U10 above U1–U2
    assert geometry.slot_at(tor.center()) == ("a", 10) and geometry.slot_at(h1.bottomLeft() + QPointF(5, -3)) == ("a", 1)


# --------------------------------------------------------- placing and moving
def test_drag_from_the_tray_places_the_element_in_one_undo_step(window, design):
    stack = window.document.undo_stack
    depth = stack.count()
    assert tray_drop(window, "h2", "a", 5)
    assert slot_of(design, "h2") == ("a", 5)
    assert stack.count() == depth + 1
    assert window.rack_panel.tray.ids() == ["h3"]
    assert "h2" in window.rack_panel.scene.drawing.elements
    assert window.rack_panel.scene.selected_element_ids() == ["h2"]
    window.edit_undo()
    window.rack_panel.flush()
    assert slot_of(design, "h2") == (None, None)
    assert window.rack_panel.tray.ids() == ["h2", "h3"]
    window.edit_redo()
    window.rack_panel.flush()
    assert slot_of(design, "h2") == ("a", 5)


def test_a_tall_element_from_the_tray_is_centred_on_the_pointer(window, design):
    assert tray_drop(window, "h3", "b", 4)  # 2 U: (2 - 1) // 2 = 0 U below the pointer
    assert slot_of(design, "h3") == ("b", 4)


def test_moving_a_racked_element_to_another_slot_and_rack(qtbot, window, design):
    stack = window.document.undo_stack
    depth = stack.count()
    mouse_drag(qtbot, window, slot_point(window, "a", 10), slot_point(window, "a", 7))
    assert slot_of(design, "tor") == ("a", 7)
    assert stack.count() == depth + 1 and stack.undoText() == "Move in rack"
    # Grabbed by its upper U, a 2 U server keeps that grip: its top lands under the pointer.
    mouse_drag(qtbot, window, slot_point(window, "a", 2), slot_point(window, "b", 6))
    assert slot_of(design, "h1") == ("b", 5)
    assert stack.count() == depth + 2
    window.edit_undo()
    assert slot_of(design, "h1") == ("a", 1)
    window.edit_undo()
    assert slot_of(design, "tor") == ("a", 10)


@pytest.mark.parametrize("element, target, words", [
    ("tor", ("a", 2), "U2 of Rack A is taken by server h1 (U1–U2)."),
    ("h1", ("a", 9), "U10 of Rack A is taken by switch tor (U10)."),  # would cover U9–U10
    ("h1", ("b", 6), "past the top of the 6 U rack"),  # grabbed at U1: U6–U7
])
def test_a_drag_onto_an_occupied_slot_or_past_the_top_is_refused(qtbot, window, design, element, target, words):
    before = state(window)
    start = {"tor": ("a", 10), "h1": ("a", 1)}[element]
    mouse_drag(qtbot, window, slot_point(window, *start), slot_point(window, *target))
    assert state(window) == before
    assert words in message(window) and message(window).startswith("Not placed:")


def test_a_tray_drop_on_an_occupied_slot_is_refused(window, design):
    before = state(window)
    assert not tray_drop(window, "h2", "a", 1)
    assert state(window) == before
    assert "taken by server h1" in message(window)
    assert window.rack_panel.tray.ids() == ["h2", "h3"]


def test_the_drag_ghost_shows_whether_the_slot_is_free(qtbot, window, design):
    panel = window.rack_panel
    viewport = panel.view.viewport()
    start, free, taken = slot_point(window, "a", 10), slot_point(window, "a", 6), slot_point(window, "a", 1)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, pos=free)
    ghost = panel.scene.ghost
    assert ghost.isVisible() and ghost.pen().color() == style.current().ok_color
    assert ghost.rect() == panel.scene.drawing.geometry.slot_rect("a", 6)
    qtbot.mouseMove(viewport, pos=taken)
    assert ghost.pen().color() == style.current().error_color
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=taken)
    assert not ghost.isVisible()


# ------------------------------------------------------------ the gestures
def test_a_slot_move_is_one_interaction_and_one_undo_step(qtbot, window, design):
    panel = window.rack_panel
    viewport = panel.view.viewport()
    stack = window.document.undo_stack
    depth = stack.count()
    start, end = slot_point(window, "a", 10), slot_point(window, "a", 6)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    move = panel.view.interaction
    assert isinstance(move, SlotMoveInteraction) and move.element_id == "tor"
    assert panel.scene.selected_element_ids() == ["tor"]
    for i in range(1, 5):
        qtbot.mouseMove(viewport, pos=start + (end - start) * (i / 4))
    assert panel.view.dragging and panel.scene.ghost.isVisible()
    assert slot_of(design, "tor") == ("a", 10)  # nothing placed before the release
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    panel.flush()
    assert panel.view.interaction is None and not panel.view.dragging
    assert slot_of(design, "tor") == ("a", 6)
    assert stack.count() == depth + 1 and stack.undoText() == "Move in rack"
    assert panel.scene.drawing.elements["tor"].rect == panel.scene.drawing.geometry.slot_rect("a", 6)
    window.edit_undo()
    panel.flush()
    assert slot_of(design, "tor") == ("a", 10) and stack.count() == depth + 1 and stack.index() == depth
    window.edit_redo()
    assert slot_of(design, "tor") == ("a", 6)


@pytest.mark.parametrize("how", ["key", "window action"])
def test_escape_during_a_slot_move_cancels_it_and_the_element_stays(qtbot, window, design, how):
    panel = window.rack_panel
    viewport = panel.view.viewport()
    before = state(window)
    start, over = slot_point(window, "a", 10), slot_point(window, "a", 6)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, pos=start + (over - start) * 0.5)
    qtbot.mouseMove(viewport, pos=over)
    assert panel.scene.ghost.isVisible()
    if how == "key":
        qtbot.keyClick(viewport, Qt.Key.Key_Escape)
    else:
        window.act_escape.trigger()
    assert panel.view.interaction is None and not panel.scene.ghost.isVisible()
    qtbot.mouseMove(viewport, pos=slot_point(window, "a", 5))
    assert not panel.scene.ghost.isVisible()  # the rest of the drag does nothing
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=slot_point(window, "a", 5))
    panel.flush()
    assert state(window) == before and slot_of(design, "tor") == ("a", 10)
    assert panel.scene.drawing.elements["tor"].rect == panel.scene.drawing.geometry.slot_rect("a", 10)
    # The next drag is a gesture of its own and places the element.
    mouse_drag(qtbot, window, slot_point(window, "a", 10), slot_point(window, "a", 7))
    assert slot_of(design, "tor") == ("a", 7)
    assert window.document.undo_stack.count() == before[1] + 1


def test_a_tray_drag_is_a_drop_interaction_that_leaving_the_view_cancels(window, design):
    panel = window.rack_panel
    viewport = panel.view.viewport()
    before = state(window)
    mime = panel.tray.mimeData([panel.tray.item(panel.tray.ids().index("h2"))])
    pos = slot_point(window, "a", 5)
    args = (Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, QDragEnterEvent(pos, *args))
    drop = panel.view.interaction
    assert isinstance(drop, SlotDropInteraction) and drop.element_id == "h2"
    QApplication.sendEvent(viewport, QDragMoveEvent(pos, *args))
    assert panel.scene.ghost.isVisible() and panel.scene.ghost.pen().color() == style.current().ok_color
    QApplication.sendEvent(viewport, QDragLeaveEvent())
    assert panel.view.interaction is None and drop.canceled and not panel.scene.ghost.isVisible()
    assert state(window) == before and slot_of(design, "h2") == (None, None)


def test_take_out_of_rack_and_place_in_first_free_slot(window, design):
    panel = window.rack_panel
    window.scene.select_ids(["h1"])
    panel.act_unrack.trigger()
    panel.flush()
    assert slot_of(design, "h1") == (None, None) and panel.tray.ids()[0] == "h1"
    assert panel.place_in_free_slot(["h1", "h3"], "b") is None
    assert slot_of(design, "h1") == ("b", 1) and slot_of(design, "h3") == ("b", 3)
    window.edit_undo()  # both in one step
    assert slot_of(design, "h1") == (None, None) and slot_of(design, "h3") == (None, None)


# --------------------------------------------------------------- rack editing
def answer_dialog(monkeypatch, rack_id: str, label: str, height: int, accept: bool = True):
    def fake_exec(dialog):
        dialog.id_edit.setText(rack_id)
        dialog.label_edit.setText(label)
        dialog.height.setValue(height)
        ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        return QDialog.DialogCode.Accepted if accept and ok else QDialog.DialogCode.Rejected
    monkeypatch.setattr(RackDialog, "exec", fake_exec)


def test_insert_rack_adds_a_rack_and_undo_takes_it_away(window, design, monkeypatch):
    answer_dialog(monkeypatch, "c", "Rack C", 24)
    window.act_show_topology.trigger()
    window.act_insert_rack.trigger()
    assert window.centralWidget().currentWidget() is window.rack_panel
    assert list(design.racks) == ["a", "b", "c"] and design.racks["c"].height_u == 24
    assert "c" in window.rack_panel.scene.drawing.frames
    window.edit_undo()
    window.rack_panel.flush()
    assert list(design.racks) == ["a", "b"] and "c" not in window.rack_panel.scene.drawing.frames


def test_the_rack_dialog_refuses_a_taken_or_bad_id(window, design, monkeypatch):
    dialog = RackDialog(design)
    for text, words in (("a", "already exists"), ("h1", "already used by a server"), ("a b", "1–64")):
        dialog.id_edit.setText(text)
        assert words in dialog.error.text()
        assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    dialog.id_edit.setText("row1")
    assert dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()


def test_edit_rack_renames_relabels_and_resizes_in_one_step(window, design, monkeypatch):
    panel = window.rack_panel
    panel.scene.select_ids(["rack:a"], notify=True)  # as a click on its name
    answer_dialog(monkeypatch, "row1-a", "Row 1 A", 12)
    depth = window.document.undo_stack.count()
    panel.act_edit.trigger()
    assert list(design.racks) == ["row1-a", "b"]
    rack = design.racks["row1-a"]
    assert (rack.label, rack.height_u) == ("Row 1 A", 12)
    assert design.elements["h1"].rack == "row1-a" and design.elements["tor"].rack == "row1-a"
    assert window.document.undo_stack.count() == depth + 1
    panel.flush()
    assert set(panel.scene.drawing.frames) == {"row1-a", "b"}
    window.edit_undo()
    assert list(design.racks) == ["a", "b"] and design.racks["a"].height_u == 10
    assert design.elements["h1"].rack == "a"


def test_remove_rack_unracks_and_undo_restores_the_slots(window, design):
    panel = window.rack_panel
    panel.scene.select_ids(["rack:a"], notify=True)  # as a click on its name
    panel.act_remove.trigger()
    panel.flush()
    assert list(design.racks) == ["b"]
    assert panel.tray.ids() == ["tor", "h1", "h2", "h3"]
    assert "unracked" in message(window).lower() or "Unracked" in message(window)
    window.edit_undo()
    panel.flush()
    assert list(design.racks) == ["a", "b"]
    assert slot_of(design, "h1") == ("a", 1) and slot_of(design, "tor") == ("a", 10)
    assert panel.tray.ids() == ["h2", "h3"]


def test_shrinking_a_rack_below_an_element_shows_an_overflow_problem(window, design):
    window.rack_panel.edit_rack("a", "a", "Rack A", 8)  # the ToR sits at U10
    window.document.solve_now()
    window.rack_panel.flush()
    lines = [window.problems.item(i).text() for i in range(window.problems.count())]
    assert any("rack-overflow" in line and "tor" in line for line in lines), lines
    assert window.rack_panel.scene.drawing.elements["tor"].faulty


def test_context_menus_offer_the_rack_and_element_actions(window, design):
    panel = window.rack_panel
    menu = QMenu()
    panel.build_context_menu(menu, panel.scene.drawing.elements["h1"])
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:2] == ["Show in Topology", "Take Out of Rack"]
    assert "Edit Rack Rack A…" in texts and "Remove Rack Rack A" in texts and "Add Rack…" in texts
    menu = QMenu()
    panel.build_context_menu(menu, None)
    assert [a.text() for a in menu.actions() if a.text()] == ["Add Rack…", "Fit"]


# ---------------------------------------------------------- linked selection
def test_selecting_in_the_topology_selects_in_the_rack_view(window, design):
    window.scene.select_ids(["h1", "h2"])
    panel = window.rack_panel
    assert panel.scene.selected_element_ids() == ["h1"]
    assert panel.tray.selected_ids() == ["h2"]


def test_clicking_in_the_rack_view_selects_in_the_topology_and_inspector(qtbot, window, design):
    qtbot.mouseClick(window.rack_panel.view.viewport(), Qt.MouseButton.LeftButton, pos=slot_point(window, "a", 10))
    assert window.scene.selected_element_ids() == ["tor"]
    qtbot.waitUntil(lambda: window.inspector.ids == ["tor"], timeout=2000)
    window.rack_panel.tray.item(0).setSelected(True)  # h2 in the tray
    assert window.scene.selected_element_ids() == ["h2"]


def test_double_click_jumps_between_the_views(qtbot, window, design):
    panel = window.rack_panel
    tabs = window.centralWidget()
    qtbot.mouseDClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=slot_point(window, "a", 1))
    assert tabs.currentWidget() is window.view
    assert window.scene.selected_element_ids() == ["h1"]
    # Back: double-click the server's body on the canvas.
    item = window.scene.top_items["tor"]
    window.view.resetTransform()
    window.view.centerOn(item.sceneBoundingRect().center())
    pos = window.view.mapFromScene(item.sceneBoundingRect().center())
    qtbot.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert tabs.currentWidget() is panel
    assert panel.scene.selected_element_ids() == ["tor"]
    visible = panel.view.mapToScene(panel.view.viewport().rect()).boundingRect()
    assert visible.contains(panel.scene.drawing.elements["tor"].rect.center())


# -------------------------------------------------------- problems and figures
def test_a_collision_shows_in_the_problems_dock_and_on_the_elements(window, design):
    window.editor.set_field(["h2"], "rack", "a")
    window.editor.set_field(["h2"], "rack_u", 2)  # through the inspector's path: not refused there
    window.document.solve_now()
    window.rack_panel.flush()
    lines = [window.problems.item(i).text() for i in range(window.problems.count())]
    assert any(line.startswith("● rack-collision — h2:") and "server h1 (U1–U2) overlap at U2" in line
               for line in lines), lines
    items = window.rack_panel.scene.drawing.elements
    assert items["h2"].faulty and items["h1"].faulty and not items["tor"].faulty
    # Side by side, so neither hides the other.
    assert items["h1"].rect.right() <= items["h2"].rect.left() + 1e-6
    assert items["h1"].rect.width() == pytest.approx(items["tor"].rect.width() / 2)


def figures_elements():
    """h1: two paravirtual guests of 4 Gbit/s (1500 B) → 2 × 4 × 1.5 µs × 125 / 1500 = 1.0 core of 2;
    its port 0 carries 8 of 10 Gbit/s → 80 %. h2 with an idle VM; h3 unracked."""
    return [
        Network(id="wan"),
        Switch(id="tor", port_gbps=10, rack="r", rack_u=12),
        Server(id="h1", vmm_io_cores=2, rack="r", rack_u=1, height_u=2),
        Nic(id="h1n0", parent="h1", port_gbps=10),
        VM(id="g1", parent="h1", vnics=[VNic(mode="paravirtual", nic="h1n0", port=0, tx_gbps=4)]),
        VM(id="g2", parent="h1", vnics=[VNic(mode="paravirtual", nic="h1n0", port=0, tx_gbps=4)]),
        Server(id="h2", vmm_io_cores=3, rack="r", rack_u=3, height_u=2),
        VM(id="idle", parent="h2"),
        Server(id="h3", vmm_io_cores=8),
    ], [Link(a="h1n0:0", b="tor"), Link(a="tor", b="wan", gbps=100)]


def test_figures_panel_against_hand_computed_values(window):
    elements, links = figures_elements()
    use_racked(window, elements, [Rack(id="r", label="R", height_u=12)], links)
    window.document.solve_now()
    window.rack_panel.flush()
    panel = window.rack_panel.scene.drawing.figures["r"]
    assert [text for text, _ in panel.lines] == [
        "5 U used · 7 U free of 12",
        "2 servers · 1 switch · 3 VMs",
        "VMM 1.00 of 5 cores",
        "Peak port 80.0 % (port:h1n0:0:tx)",
    ]
    # Server h1 is coloured by its VMM load (1 of 2 cores), the ToR by its busiest port (80 %).
    items = window.rack_panel.scene.drawing.elements
    assert items["h1"].utilization == pytest.approx(0.5) and items["h1"].figure == "VMM 50 %"
    assert items["tor"].utilization == pytest.approx(0.8) and items["tor"].figure == "80 %"
    assert items["h2"].utilization == 0.0


def test_overlay_off_draws_kind_colours_and_no_figures(window):
    elements, links = figures_elements()
    use_racked(window, elements, [Rack(id="r", height_u=12)], links)
    window.act_overlay.setChecked(False)
    window.rack_panel.flush()
    items = window.rack_panel.scene.drawing.elements
    assert items["h1"].utilization is None and items["h1"].figure == ""
    window.act_overlay.setChecked(True)
    window.rack_panel.flush()
    assert window.rack_panel.scene.drawing.elements["h1"].utilization == pytest.approx(0.5)


# ------------------------------------------------------------------ export
def test_export_scene_draws_every_rack_without_selection(window):
    elements, links = figures_elements()
    topo = Topology.build(elements, links, racks=[Rack(id="r", height_u=12), Rack(id="s", height_u=6)])
    from designer.solver import solve

    scene, rect = build_rack_scene(topo, solve(topo), {"overlay": True})
    items = [i for i in scene.items() if isinstance(i, RackElementItem)]
    assert sorted(i.element_id for i in items) == ["h1", "h2", "tor"]
    assert not any(i.flags() & i.GraphicsItemFlag.ItemIsSelectable for i in items)
    assert rect.contains(scene.itemsBoundingRect())
    # The strip of h1's front panel has the utilisation colour of 50 %.
    image = QImage(int(rect.width()), int(rect.height()), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    scene.render(painter, QRectF(image.rect()), rect)
    painter.end()
    h1 = next(i for i in items if i.element_id == "h1").rect
    pixel = image.pixelColor(int(h1.left() + 3 - rect.left()), int(h1.center().y() - rect.top()))
    expected = style.utilization_color(0.5)
    assert abs(pixel.red() - expected.red()) <= 3 and abs(pixel.green() - expected.green()) <= 3
    empty, _ = build_rack_scene(Topology(), None, None)
    assert any("no racks" in getattr(i, "toPlainText", lambda: "")() for i in empty.items())


# ---------------------------------------------------- old files and examples
def test_the_two_rack_example_in_the_rack_view(window):
    open_example(window, TWO_RACK)
    panel = window.rack_panel
    panel.show_rack_view()
    window.document.solve_now()
    panel.flush()
    panel.view.fit_all()
    assert list(panel.scene.drawing.frames) == ["rack1", "rack2"]
    assert panel.tray.ids() == []
    geometry = panel.scene.drawing.geometry
    for rack in ("rack1", "rack2"):
        tor = panel.scene.drawing.elements[f"r{rack[-1]}-tor"].rect
        assert tor == geometry.slot_rect(rack, 42)  # ToR at the top
    assert [p for p in window.document.solution.problems if p.code.startswith("rack-")] == []
    QApplication.processEvents()
    window.grab().save(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000


def test_a_duplicated_racked_server_waits_in_the_tray_instead_of_colliding(window, design):
    window.scene.select_ids(["h1"])
    window.edit_duplicate()
    (copy_id,) = window.scene.selected_element_ids()
    copied = design.elements[copy_id]
    assert (copied.rack, copied.rack_u, copied.height_u) == ("a", None, 2)
    window.rack_panel.flush()
    assert copy_id in window.rack_panel.tray.ids()
    window.document.solve_now()
    assert not [p for p in window.document.solution.problems if p.code.startswith("rack-")]


def test_export_selection_keeps_the_racks_holding_the_selected_elements(window):
    from designer.ui.rack.elevation import selected_racks

    elements, links = figures_elements()
    elements.append(Server(id="h4", rack="s", rack_u=1))
    topo = Topology.build(elements, links, racks=[Rack(id="r", height_u=12), Rack(id="s", height_u=6)])
    assert selected_racks(topo, ()) is None
    assert selected_racks(topo, ["g1"]) == {"r"}  # a guest brings its server's rack
    assert selected_racks(topo, ["h4", "wan"]) == {"s"}
    assert selected_racks(topo, ["h3"]) == set()  # unracked
    scene, _ = build_rack_scene(topo, None, {"selection": ("h4",)})
    assert sorted(i.element_id for i in scene.items() if isinstance(i, RackElementItem)) == ["h4"]
    scene, _ = build_rack_scene(topo, None, {"selection": ("h3",)})
    assert any("None of the selection" in getattr(i, "toPlainText", lambda: "")() for i in scene.items())
