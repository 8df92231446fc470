"""The main window: title and modified marker, save, close, open errors,
recent files, zoom, find, and a screenshot."""

from __future__ import annotations

from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from designer.fileformat import ProjectFileError, dumps, load
from designer.ui.canvas.view import MAX_ZOOM
from designer.ui.main_window import MainWindow

from .helpers import MAIL, open_example, snapshot

SCREENSHOT = Path("/tmp/rackio-window.png")


def add_server(window) -> None:
    assert window.editor.drop("server", None, QPointF(-600, 600)) is None


# ------------------------------------------------------------- title and save
def test_title_shows_file_name_and_modified_marker(window, dialogs, tmp_path):
    assert window.windowTitle().startswith("Untitled[*]")
    assert not window.isWindowModified()
    add_server(window)
    assert window.isWindowModified() and window.document.modified

    dialogs.save_path = str(tmp_path / "rack")  # Save As adds the extension
    window.act_save.trigger()
    saved = tmp_path / "rack.rackio"
    assert dialogs.of("save-dialog") == [""]
    assert saved.is_file() and dumps(load(saved)) == snapshot(window)
    assert window.windowTitle().startswith("rack.rackio[*]")
    assert not window.isWindowModified() and not window.document.modified
    assert window.windowFilePath() == str(saved.resolve())

    # A titled document saves in place without asking for a name.
    window.editor.set_field([next(iter(window.document.topology.elements))], "label", "Edge host")
    assert window.isWindowModified()
    window.act_save.trigger()
    assert dialogs.of("save-dialog") == [""]
    assert load(saved).servers[0].label == "Edge host"
    assert not window.isWindowModified()

    # Undo after saving makes it modified again; redo back to the saved state is clean.
    window.document.undo_stack.undo()
    assert window.isWindowModified()
    window.document.undo_stack.redo()
    assert not window.isWindowModified()


def test_save_as_cancelled_keeps_the_document_modified(window, dialogs):
    add_server(window)
    dialogs.save_path = ""
    assert window.file_save() is False
    assert window.document.path is None and window.isWindowModified()


def test_save_failure_is_reported_and_the_design_stays_open(window, dialogs, tmp_path):
    add_server(window)
    before = snapshot(window)
    dialogs.save_path = str(tmp_path / "no-such-folder" / "rack.rackio")
    assert window.file_save() is False
    (text,) = dialogs.of("critical")
    assert "rack.rackio" in text
    assert window.document.modified and window.document.path is None and snapshot(window) == before


# --------------------------------------------------------------------- close
def test_close_with_unsaved_changes_asks(window, dialogs):
    open_example(window)
    window.editor.set_field(["h1"], "vmm_io_cores", 3.0)
    before = snapshot(window)
    dialogs.warning_answer = QMessageBox.StandardButton.Cancel
    assert window.close() is False
    assert window.isVisible()
    assert dialogs.of("warning") == ["mail-rack.rackio has unsaved changes."]
    assert snapshot(window) == before and window.document.modified
    assert window.document.topology["h1"].vmm_io_cores == 3.0

    dialogs.warning_answer = QMessageBox.StandardButton.Discard
    assert window.close() is True
    assert not window.isVisible()
    assert len(dialogs.of("warning")) == 2
    assert load(MAIL)["h1"].vmm_io_cores == 2.0  # discarding never writes


def test_close_with_save_answer_saves_first(window, dialogs, tmp_path):
    add_server(window)
    dialogs.warning_answer = QMessageBox.StandardButton.Save
    dialogs.save_path = str(tmp_path / "kept.rackio")
    assert window.close() is True
    assert dumps(load(tmp_path / "kept.rackio")) == snapshot(window)


def test_unchanged_document_closes_without_asking(window, dialogs):
    open_example(window)
    window.editor.set_field(["h1"], "vmm_io_cores", 3.0)
    window.document.undo_stack.undo()  # back to the state on disk
    assert not window.isWindowModified()
    assert window.close() is True
    assert not window.isVisible()
    assert dialogs.of("warning") == []


def test_closing_stores_the_window_layout_in_the_given_settings(window, settings_path):
    assert window.close()
    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    assert settings.value("window/geometry") is not None and settings.value("window/state") is not None


# ---------------------------------------------------------------------- open
INVALID_FILES = {
    "not json": b"{this is not json",
    "empty": b"",
    "wrong format": b'{"format": "something-else", "version": 1}',
    "negative cores": (b'{"format": "rackio-project", "version": 1, "elements": '
                       b'[{"id": "h1", "kind": "server", "cores": -4}], "links": []}'),
    "dangling parent": (b'{"format": "rackio-project", "version": 1, "elements": '
                        b'[{"id": "n1", "kind": "nic", "parent": "ghost"}], "links": []}'),
    "binary": bytes(range(256)),
    "a folder": None,
}


@pytest.mark.parametrize("case", list(INVALID_FILES))
def test_open_invalid_file_shows_the_loader_message_and_keeps_the_design(window, dialogs, tmp_path, case):
    open_example(window)
    document, before = window.document, snapshot(window)
    path = tmp_path / "broken.rackio"
    if INVALID_FILES[case] is None:
        path.mkdir()
    else:
        path.write_bytes(INVALID_FILES[case])
    with pytest.raises(ProjectFileError) as refused:
        load(path)
    dialogs.open_path = str(path)
    window.act_open.trigger()
    (text,) = dialogs.of("critical")
    assert "broken.rackio" in text and str(refused.value) in text
    assert window.document is document and snapshot(window) == before
    assert window.document.path == str(MAIL.resolve())
    assert window.windowTitle().startswith("mail-rack.rackio")
    assert window.scene.top_items.keys() >= {"h1", "h2", "tor"}


def test_open_a_valid_file_replaces_the_design(window, dialogs, tmp_path):
    target = tmp_path / "copy.rackio"
    target.write_bytes(MAIL.read_bytes())
    dialogs.open_path = str(target)
    window.act_open.trigger()
    assert dialogs.of("critical") == []
    assert window.document.path == str(target.resolve())
    assert set(window.scene.top_items) == {"wan", "san", "tor", "h1", "h2"}
    assert window.windowTitle().startswith("copy.rackio[*]")
    assert window.document.undo_stack.count() == 0 and not window.act_undo.isEnabled()


def test_open_recent_lists_a_saved_file_and_reopens_it(window, dialogs, tmp_path, settings_path):
    window.recent_menu.aboutToShow.emit()
    assert [a.text() for a in window.recent_menu.actions()] == ["(none)"]
    add_server(window)
    dialogs.save_path = str(tmp_path / "recent.rackio")
    window.act_save.trigger()
    saved = str((tmp_path / "recent.rackio").resolve())

    window.recent_menu.aboutToShow.emit()
    entries = [a for a in window.recent_menu.actions() if a.text() == saved]
    assert len(entries) == 1
    window.settings.sync()
    stored = QSettings(str(settings_path), QSettings.Format.IniFormat).value("recentFiles")
    assert saved in ([stored] if isinstance(stored, str) else stored)

    window.act_new.trigger()  # saved: no question
    assert window.document.path is None and window.document.topology.elements == {}
    entries[0].trigger()
    assert window.document.path == saved
    assert len(window.document.topology.servers) == 1
    assert dialogs.of("warning") == []


def test_open_recent_of_a_deleted_file_reports_it(window, dialogs, tmp_path):
    add_server(window)
    dialogs.save_path = str(tmp_path / "gone.rackio")
    window.act_save.trigger()
    (tmp_path / "gone.rackio").unlink()
    window.act_new.trigger()
    window.recent_menu.aboutToShow.emit()
    entry = next(a for a in window.recent_menu.actions() if a.text().endswith("gone.rackio"))
    document = window.document
    entry.trigger()
    (text,) = dialogs.of("critical")
    assert "does not exist" in text
    assert window.document is document


# ------------------------------------------------------------ zoom and find
def test_zoom_in_and_out(window):
    open_example(window)
    view = window.view
    view.reset_zoom()
    assert view.zoom_factor() == 1.0
    window.act_zoom_in.trigger()
    assert view.zoom_factor() == pytest.approx(1.25)
    window.act_zoom_out.trigger()
    window.act_zoom_out.trigger()
    assert view.zoom_factor() == pytest.approx(0.8)
    for _ in range(30):
        window.act_zoom_in.trigger()
    assert view.zoom_factor() == pytest.approx(MAX_ZOOM)
    window.act_fit.trigger()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(window.scene.itemsBoundingRect())


def test_find_selects_and_centres_an_element_by_label(qtbot, window):
    open_example(window)
    view = window.view
    view.resetTransform()
    view.centerOn(window.scene.top_items["wan"])
    target = window.scene.element_item("app2")
    qtbot.keyClicks(window.find_box, "app 2")  # the label "App 2", any case
    qtbot.keyClick(window.find_box, Qt.Key.Key_Return)
    assert window.scene.selected_ids() == ["app2"]
    centre = view.mapToScene(view.viewport().rect().center())
    expected = target.sceneBoundingRect().center()
    assert abs(centre.x() - expected.x()) < 2 and abs(centre.y() - expected.y()) < 2


def test_find_next_cycles_through_matches(window):
    open_example(window)
    assert window.find("web") == ["web1", "web2"]
    assert window.scene.selected_ids() == ["web1"]
    window.act_find_next.trigger()
    assert window.scene.selected_ids() == ["web2"]
    window.act_find_next.trigger()
    assert window.scene.selected_ids() == ["web1"]
    assert window.find("no such thing") == []
    assert window.scene.selected_ids() == ["web1"]
    assert "No element matches" in window.statusBar().currentMessage()


# -------------------------------------------------------- lifetime of windows
def test_replaced_document_does_not_disturb_the_undo_action(qtbot, window):
    open_example(window)
    window.editor.set_field(["h1"], "vmm_io_cores", 3.0)  # history in the first document
    window.document.undo_stack.setClean()
    open_example(window)
    window.editor.set_field(["h2"], "vmm_io_cores", 5.0)
    qtbot.wait(20)  # the first document is deleted now
    assert window.act_undo.isEnabled()
    assert "vmm_io_cores" in window.act_undo.text()
    assert window.isWindowModified()


def test_destroying_a_window_with_history_raises_nothing(qtbot, settings_path):
    win = MainWindow(QSettings(str(settings_path), QSettings.Format.IniFormat))
    win.show()
    open_example(win)
    win.editor.set_field(["h1"], "vmm_io_cores", 3.0)
    win.editor.set_field(["h2"], "vmm_io_cores", 5.0)
    win.document.undo_stack.undo()
    with qtbot.captureExceptions() as exceptions:
        shiboken6.delete(win)
        qtbot.wait(10)
    assert [str(e[1]) for e in exceptions] == []


# ----------------------------------------------------------------- screenshot
def test_screenshot_of_the_mail_example(qtbot, window):
    open_example(window)
    window.document.solve_now()
    window.view.fit_all()
    qtbot.wait(50)
    pixmap = window.grab()
    if SCREENSHOT.exists():
        SCREENSHOT.unlink()
    assert pixmap.save(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
    image = QImage(str(SCREENSHOT))
    assert not image.isNull() and image.size() == pixmap.size()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 5) for y in range(0, image.height(), 5)}
    assert len(colours) > 50
    # The canvas itself is drawn (not just the docks): many colours inside the view.
    origin = window.view.viewport().mapTo(window, window.view.viewport().rect().topLeft())
    canvas = image.copy(origin.x(), origin.y(), window.view.viewport().width(), window.view.viewport().height())
    canvas_colours = {canvas.pixel(x, y) for x in range(0, canvas.width(), 3) for y in range(0, canvas.height(), 3)}
    assert len(canvas_colours) > 30
