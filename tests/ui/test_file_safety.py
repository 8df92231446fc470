"""Work is never lost to what happens around the designer (issue 12 §2.3–§2.7, in the window):
a file changed on disk since it was read, a second app on the same file, a loop of links as
Save As target, text no file can hold in a clipboard, a file with other hard links."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QSettings
from PySide6.QtWidgets import QMessageBox

from designer.fileformat import load
from designer.ui import disk_watch, recovery
from designer.ui.main_window import MainWindow

from .helpers import MAIL, snapshot, state


def outside_edit(path: Path, value: float) -> None:
    """Another program changes the file: h1's I/O cores become ``value``."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    for element in doc["elements"]:
        if element["id"] == "h1":
            element["vmm_io_cores"] = value
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    later = time.time() + 5  # a different mtime, as on any file system
    os.utime(path, (later, later))


@pytest.fixture
def conflict_answers(monkeypatch):
    asked, queue = [], []

    def fake(window, document):
        asked.append(document.path)
        return queue.pop(0) if queue else disk_watch.CANCEL

    monkeypatch.setattr(disk_watch, "ask_save_conflict", fake)
    return queue, asked


# ------------------------------------------------------------ changed on disk
def test_save_asks_before_overwriting_a_file_changed_on_disk(window, rack, conflict_answers):
    queue, asked = conflict_answers
    assert window.open_path(str(rack), ask=False)
    outside_edit(rack, 3.5)
    assert window.editor.set_field(["h1"], "vmm_io_cores", 9.0) is None
    queue.append(disk_watch.CANCEL)
    assert window.file_save() is False
    assert asked == [str(rack.resolve())]
    assert load(rack)["h1"].vmm_io_cores == 3.5 and window.document.modified  # nothing written
    queue.append(disk_watch.OVERWRITE)
    assert window.file_save() is True
    assert load(rack)["h1"].vmm_io_cores == 9.0
    assert load(rack.with_name("rack.rackio.bak"))["h1"].vmm_io_cores == 3.5  # their version kept
    # Saved now: the next save has nothing to ask about.
    assert window.editor.set_field(["h1"], "vmm_io_cores", 8.0) is None
    assert window.file_save() is True and len(asked) == 2


def test_save_as_from_the_conflict_writes_elsewhere(window, rack, dialogs, conflict_answers):
    queue, asked = conflict_answers
    assert window.open_path(str(rack), ask=False)
    outside_edit(rack, 3.5)
    assert window.editor.set_field(["h1"], "vmm_io_cores", 9.0) is None
    queue.append(disk_watch.SAVE_AS)
    dialogs.save_path = str(rack.with_name("mine.rackio"))
    assert window.file_save() is True
    assert load(rack)["h1"].vmm_io_cores == 3.5
    assert load(rack.with_name("mine.rackio"))["h1"].vmm_io_cores == 9.0
    assert window.document.path == str(rack.with_name("mine.rackio").resolve())


def test_touching_the_file_or_saving_twice_asks_nothing(window, rack, conflict_answers):
    queue, asked = conflict_answers
    assert window.open_path(str(rack), ask=False)
    os.utime(rack, (1, 1))  # same bytes, another time: not a change
    for value in (9.0, 8.0):
        assert window.editor.set_field(["h1"], "vmm_io_cores", value) is None
        assert window.file_save() is True
    assert asked == []


def test_the_real_conflict_dialog_defaults_to_cancel(window, rack, monkeypatch):
    assert window.open_path(str(rack), ask=False)
    outside_edit(rack, 3.5)
    seen = []

    def exec_(box):
        seen.append((box.objectName(), [b.text() for b in box.buttons()], box.defaultButton().text()))
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    assert disk_watch.ask_save_conflict(window, window.document) == disk_watch.CANCEL
    ((name, buttons, default),) = seen
    assert name == "saveConflictDialog" and {"Overwrite", "Save As…"} <= set(buttons) and default == "Cancel"


def test_an_unmodified_design_is_offered_a_reload(qtbot, window, rack, monkeypatch):
    offered = []
    monkeypatch.setattr(disk_watch, "offer_reload", lambda win, doc: offered.append(doc.path))
    assert window.open_path(str(rack), ask=False)
    outside_edit(rack, 2.5)
    qtbot.waitUntil(lambda: offered == [str(rack.resolve())], timeout=5000)


def test_reload_opens_what_is_on_disk(qtbot, window, rack):
    assert window.open_path(str(rack), ask=False)
    outside_edit(rack, 2.5)
    qtbot.waitUntil(lambda: window.disk_watch.note is not None, timeout=5000)
    note = window.disk_watch.note
    (reload_button,) = [b for b in note.buttons() if b.text() == "Reload"]
    reload_button.click()
    assert window.document.topology["h1"].vmm_io_cores == 2.5 and not window.document.modified


def test_a_modified_design_is_told_not_offered(qtbot, window, rack, monkeypatch):
    offered = []
    monkeypatch.setattr(disk_watch, "offer_reload", lambda win, doc: offered.append(doc.path))
    assert window.open_path(str(rack), ask=False)
    assert window.editor.set_field(["h1"], "vmm_io_cores", 9.0) is None
    outside_edit(rack, 2.5)
    qtbot.waitUntil(lambda: "changed on disk" in window.statusBar().currentMessage(), timeout=5000)
    assert offered == []


def test_our_own_save_is_not_a_change_on_disk(qtbot, window, rack, monkeypatch):
    offered = []
    monkeypatch.setattr(disk_watch, "offer_reload", lambda win, doc: offered.append(doc.path))
    assert window.open_path(str(rack), ask=False)
    assert window.editor.set_field(["h1"], "vmm_io_cores", 9.0) is None
    assert window.file_save() is True
    qtbot.wait(600)
    assert offered == []


# -------------------------------------------------------- two apps, one file
def second_app(qtbot, tmp_path, directory: Path) -> MainWindow:
    other = MainWindow(QSettings(str(tmp_path / "second.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(other)
    other.recovery.directory = directory
    return other


def test_two_apps_on_one_file_keep_their_own_recovery_copies(qtbot, window, rack, tmp_path, monkeypatch):
    warned = []
    monkeypatch.setattr(recovery, "warn_open_elsewhere", lambda win, path, pid: warned.append((win, path, pid)))
    rdir = window.recovery.directory
    assert window.open_path(str(rack), ask=False)
    other = second_app(qtbot, tmp_path, rdir)
    assert other.open_path(str(rack), ask=False)
    assert warned == [(other, str(rack.resolve()), os.getpid())]  # the first app warns nobody
    assert window.editor.set_field(["h1"], "vmm_io_cores", 7.0) is None
    assert other.editor.set_field(["h1"], "vmm_io_cores", 3.0) is None
    first, second = window.recovery.autosave_now(), other.recovery.autosave_now()
    assert first is not None and second is not None and first != second
    assert load(first)["h1"].vmm_io_cores == 7.0  # the second app did not overwrite the first's edits
    assert load(second)["h1"].vmm_io_cores == 3.0
    other.document.undo_stack.setClean()
    other.close()
    assert first.exists()


def test_the_warning_is_a_note_that_names_the_file(qtbot, window, rack, tmp_path):
    rdir = window.recovery.directory
    assert window.open_path(str(rack), ask=False)
    other = second_app(qtbot, tmp_path, rdir)
    assert other.open_path(str(rack), ask=False)
    note = other.findChild(QMessageBox, "openElsewhereNote")
    assert note is not None and note.isVisible() and not note.isModal()
    assert "rack.rackio is already open in another RackIO Designer" in note.text()
    qtbot.waitUntil(lambda: "also open" in other.statusBar().currentMessage(), timeout=2000)
    assert window.findChild(QMessageBox, "openElsewhereNote") is None
    note.close()


def test_the_lock_is_freed_when_the_file_is_closed(qtbot, window, rack, tmp_path, monkeypatch):
    warned = []
    monkeypatch.setattr(recovery, "warn_open_elsewhere", lambda win, path, pid: warned.append(path))
    assert window.open_path(str(rack), ask=False)
    window.file_new()  # the first app moves on to another design
    other = second_app(qtbot, tmp_path, window.recovery.directory)
    assert other.open_path(str(rack), ask=False)
    assert warned == []


# ------------------------------------------------------------ bad targets
def test_save_as_onto_a_loop_of_links_is_a_plain_dialog(window, dialogs, tmp_path):
    (tmp_path / "a.rackio").symlink_to("b.rackio")
    (tmp_path / "b.rackio").symlink_to("a.rackio")
    assert window.editor.drop("server", None, QPointF(0, 0)) is None
    dialogs.save_path = str(tmp_path / "a.rackio")
    assert window.file_save() is False
    (text,) = dialogs.of("critical")
    assert "Could not save a.rackio" in text and "loop of symbolic links" in text
    assert "went wrong" not in text  # not the internal-error dialog
    assert window.document.modified and window.document.path is None


def test_saving_a_file_with_other_hard_links_says_they_keep_the_old_version(window, rack):
    twin = rack.with_name("twin.rackio")
    os.link(rack, twin)
    assert window.open_path(str(rack), ask=False)
    assert window.editor.set_field(["h1"], "vmm_io_cores", 9.0) is None
    assert window.file_save() is True
    assert "1 other hard link still hold" in window.statusBar().currentMessage()
    assert twin.read_bytes() == MAIL.read_bytes() and load(rack)["h1"].vmm_io_cores == 9.0


# ------------------------------------------------------------------ paste
@pytest.mark.parametrize("escaped", [True, False])
def test_paste_of_text_no_file_can_hold_is_refused(window, escaped):
    assert window.open_path(str(MAIL), ask=False)
    text = window.editor.copy_text(["wan"])
    doc = json.loads(text)
    doc["elements"][0]["label"] = "x\udc00"
    pasted = json.dumps(doc, ensure_ascii=escaped)  # as JSON escapes, or as the raw string Qt hands over
    before = state(window)
    error, ids = window.editor.paste_text(pasted, QPointF(40, 40))
    assert ids == [] and error and "label" in error and "surrogate" in error
    assert state(window) == before
    snapshot(window).encode("utf-8")  # still saveable


def test_export_dialog_never_writes_over_the_open_project(window, rack, monkeypatch):
    from designer.ui.export import ExportDialog

    assert window.open_path(str(rack), ask=False)
    link = rack.with_name("picture.png")
    link.symlink_to(rack.name)
    dialog = ExportDialog(window)
    assert dialog.write(str(link)) is False
    assert rack.read_bytes() == MAIL.read_bytes()
