"""Autosave, recovery on start, the exception hook, and migrated files (issue 7)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from designer.fileformat import CURRENT_VERSION, dumps, load, loads
from designer.ui import recovery
from designer.ui.main_window import MainWindow

from .helpers import MAIL, copies, snapshot

V0_FIXTURE = Path(__file__).resolve().parents[1] / "fileformat" / "fixtures" / "v0-project.json"


@pytest.fixture
def rdir(window, tmp_path) -> Path:
    """The window's recovery folder, in tmp_path."""
    window.recovery.directory = tmp_path / "recovery"
    return window.recovery.directory


def header_of(directory: Path) -> dict:
    (header,) = directory.glob("*.json")
    return json.loads(header.read_text(encoding="utf-8"))


def edit(window, value: float = 7.0) -> None:
    assert window.editor.set_field(["h1"], "vmm_io_cores", value) is None


def crashed_session(qtbot, tmp_path, directory: Path, path: Path | None, value: float = 5.5,
                    untitled_title: str = "") -> MainWindow:
    """Another window writes a recovery copy and then 'dies': its session lock is gone and it
    never cleans up, as after a kill."""
    other = MainWindow(QSettings(str(tmp_path / "other.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(other)
    other.recovery.directory = directory
    if path is not None:
        assert other.open_path(str(path), ask=False, remember=False)
        assert other.editor.set_field(["h1"], "vmm_io_cores", value) is None
    else:
        assert other.editor.drop("server", None, QPointF(-500, 500)) is None
        if untitled_title:
            other.editor.set_project_field("title", untitled_title)
    assert other.recovery.autosave_now() is not None
    controller = other.recovery
    controller._detach(controller.document)
    controller.document = None
    controller.release_locks()  # the locks of a dead process are stale: as good as gone
    other.document.undo_stack.setClean()
    return other


@pytest.fixture
def answers(monkeypatch):
    """Answers for the recovery dialog, and the entries it was asked about."""
    asked: list = []
    queue: list[str] = []

    def ask(window, entry):
        asked.append(entry)
        return queue.pop(0) if queue else recovery.LATER

    monkeypatch.setattr(recovery, "ask_recovery", ask)
    return queue, asked


# ------------------------------------------------------------------ autosave
def test_an_edit_is_autosaved_two_seconds_later(qtbot, window, rdir, rack):
    assert window.open_path(str(rack), ask=False)
    assert window.recovery.debounce_ms == 2000
    edit(window)
    started = time.monotonic()
    assert copies(rdir) == []
    # Not before the debounce has run out; after it, as soon as the event loop gets to it
    # (no upper bound in wall time: a loaded machine may serve the loop late).
    qtbot.waitUntil(lambda: len(copies(rdir)) == 1, timeout=20000)
    waited = time.monotonic() - started
    assert waited >= 1.8, waited
    (name,) = copies(rdir)
    assert name == f"{recovery.key_for_path(str(rack))}-{window.recovery.session[:12]}.rackio"
    assert dumps(load(rdir / name)) == snapshot(window)
    header = header_of(rdir)
    assert header["original_path"] == str(rack.resolve())
    assert header["title"] == window.document.topology.title
    assert abs(header["saved_at"] - time.time()) < 10
    assert rack.read_bytes() == MAIL.read_bytes()  # autosave never touches the user's file
    assert window.document.modified


def test_each_edit_restarts_the_wait(qtbot, window, rdir):
    window.recovery.debounce_ms = 400
    for value in (3.0, 4.0, 5.0, 6.0):
        window.editor.set_field([], "label", "x")
        assert window.editor.drop("server", None, QPointF(-700 * value, 700)) is None
        qtbot.wait(150)
        assert copies(rdir) == []
    qtbot.waitUntil(lambda: copies(rdir) != [], timeout=2000)
    assert dumps(load(rdir / copies(rdir)[0])) == snapshot(window)


def test_edits_that_never_pause_are_still_saved_periodically(qtbot, window, rdir):
    window.recovery.debounce_ms = 60_000  # the pause never comes
    window.recovery._periodic.setInterval(300)
    deadline = time.monotonic() + 3
    step = 0
    while not copies(rdir) and time.monotonic() < deadline:
        step += 1
        assert window.editor.drop("server", None, QPointF(-400 * step, 900)) is None
        qtbot.wait(100)
    assert copies(rdir), "no periodic autosave while edits kept coming"
    assert step <= 8


@pytest.mark.parametrize("value, seconds", [(None, 60), ("30", 30), (120, 120), ("abc", 60), (1, 5),
                                            (10**9, 3600), ("45.5", 45)])
def test_autosave_interval_follows_the_preference(window, value, seconds):
    if value is None:
        window.settings.remove("prefs/autosaveSeconds")
    else:
        window.settings.setValue("prefs/autosaveSeconds", value)
    window.preferencesChanged.emit()
    assert window.recovery.periodic_interval_ms == seconds * 1000


def test_untitled_design_gets_its_own_copy(window, rdir):
    window.editor.set_project_field("title", "Sketch")
    path = window.recovery.autosave_now()
    assert path is not None and path.parent == rdir and path.name.startswith("untitled-")
    header = header_of(rdir)
    assert header["original_path"] is None and header["title"] == "Sketch"
    # The next autosave of the same design reuses its name.
    assert window.editor.drop("switch", None, QPointF(-900, 900)) is None
    assert window.recovery.autosave_now() == path and copies(rdir) == [path.name]


def test_saving_removes_the_copy_and_keeps_a_bak(window, rdir, rack):
    assert window.open_path(str(rack), ask=False)
    edit(window)
    assert window.recovery.autosave_now() is not None
    assert window.file_save()
    assert copies(rdir) == [] and list(rdir.glob("*.json")) == []
    assert load(rack)["h1"].vmm_io_cores == 7.0
    assert (rack.parent / "rack.rackio.bak").read_bytes() == MAIL.read_bytes()


def test_undoing_back_to_the_file_removes_the_copy(window, rdir, rack):
    assert window.open_path(str(rack), ask=False)
    edit(window)
    window.recovery.autosave_now()
    assert copies(rdir)
    window.edit_undo()
    assert not window.document.modified and copies(rdir) == []


def test_unmodified_design_writes_nothing(window, rdir, rack):
    assert window.open_path(str(rack), ask=False)
    assert window.recovery.autosave_now() is None
    assert copies(rdir) == []


def test_discarded_design_is_set_aside_not_deleted(window, rdir, dialogs, rack):
    edit_path = rack
    assert window.open_path(str(edit_path), ask=False)
    edit(window)
    window.recovery.autosave_now()
    dialogs.warning_answer = QMessageBox.StandardButton.Discard
    window.file_new()  # "Discard" the changes
    assert copies(rdir) == []
    (kept,) = (rdir / "discarded").glob("*.rackio")
    assert load(kept)["h1"].vmm_io_cores == 7.0


def test_clean_exit_leaves_no_copy_and_no_lock(window, rdir, dialogs, rack):
    assert window.open_path(str(rack), ask=False)
    edit(window)
    window.recovery.autosave_now()
    assert list(rdir.glob("session-*.lock"))
    dialogs.warning_answer = QMessageBox.StandardButton.Save
    assert window.close()
    assert copies(rdir) == [] and list(rdir.glob("session-*.lock")) == []
    assert load(rack)["h1"].vmm_io_cores == 7.0


def test_autosave_failure_says_so_in_the_status_bar_only(window, tmp_path, dialogs):
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    window.recovery.directory = blocker / "recovery"  # cannot be created: a file is in the way
    edit_ok = window.editor.drop("server", None, QPointF(-500, 500))
    assert edit_ok is None
    assert window.recovery.autosave_now() is None
    assert "Autosave failed" in window.statusBar().currentMessage()
    assert window.recovery.last_error and dialogs.calls == []
    assert window.document.modified


# ------------------------------------------------------------ recovery on start
def test_restore_after_a_crash(qtbot, window, rdir, rack, tmp_path, answers):
    queue, asked = answers
    crashed_session(qtbot, tmp_path, rdir, rack, value=5.5)
    before = rack.read_bytes()
    queue.append(recovery.RESTORE)
    (done,) = recovery.offer_recovery(window)
    assert done[1] == recovery.RESTORE and asked[0].original_path == str(rack.resolve())
    doc = window.document
    assert doc.path == str(rack.resolve()) and doc.modified and window.isWindowModified()
    assert doc.topology["h1"].vmm_io_cores == 5.5
    assert rack.read_bytes() == before
    assert copies(rdir)  # kept until the restored design is saved
    assert window.file_save()  # Save writes it back to the original file
    assert load(rack)["h1"].vmm_io_cores == 5.5 and copies(rdir) == []
    assert (rack.parent / "rack.rackio.bak").read_bytes() == before


def test_restore_of_an_untitled_design(qtbot, window, rdir, tmp_path, answers):
    queue, asked = answers
    crashed_session(qtbot, tmp_path, rdir, None, untitled_title="Napkin sketch")
    queue.append(recovery.RESTORE)
    recovery.offer_recovery(window)
    assert not asked[0].original_exists and "untitled" in asked[0].describe()
    assert window.document.path is None and window.document.modified
    assert window.document.topology.title == "Napkin sketch"
    assert len(window.document.topology.servers) == 1


def test_open_original_sets_the_copy_aside(qtbot, window, rdir, rack, tmp_path, answers):
    queue, _ = answers
    crashed_session(qtbot, tmp_path, rdir, rack)
    queue.append(recovery.OPEN_ORIGINAL)
    recovery.offer_recovery(window)
    assert window.document.path == str(rack.resolve()) and not window.document.modified
    assert window.document.topology["h1"].vmm_io_cores == 2.0
    assert copies(rdir) == [] and len(list((rdir / "discarded").glob("*.rackio"))) == 1


def test_discard_and_later(qtbot, window, rdir, rack, tmp_path, answers):
    queue, asked = answers
    crashed_session(qtbot, tmp_path, rdir, rack)
    before = snapshot(window)
    queue.append(recovery.LATER)  # the dialog was closed: ask again next time
    recovery.offer_recovery(window)
    assert snapshot(window) == before and len(copies(rdir)) == 1
    queue.append(recovery.DISCARD)
    recovery.offer_recovery(window)
    assert len(asked) == 2 and copies(rdir) == [] and snapshot(window) == before
    assert recovery.offer_recovery(window) == []


def test_copy_older_than_its_file_or_equal_to_it_is_not_offered(qtbot, window, rdir, rack, tmp_path, answers):
    _, asked = answers
    crashed_session(qtbot, tmp_path, rdir, rack)
    later = time.time() + 60
    os.utime(rack, (later, later))  # the file was saved after the copy was written
    assert recovery.offer_recovery(window) == [] and asked == []
    assert copies(rdir) == [] and len(list((rdir / "discarded").glob("*.rackio"))) == 1

    other = tmp_path / "work" / "same.rackio"
    other.write_bytes(MAIL.read_bytes())
    crashed_session(qtbot, tmp_path, rdir, other)
    other.write_bytes((rdir / copies(rdir)[0]).read_bytes())  # the same design, an older mtime
    os.utime(other, (1, 1))
    assert recovery.offer_recovery(window) == [] and asked == [] and copies(rdir) == []


def test_copy_of_a_running_session_is_not_offered(qtbot, window, rdir, rack, tmp_path, answers):
    _, asked = answers
    other = MainWindow(QSettings(str(tmp_path / "o.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(other)
    other.recovery.directory = rdir
    assert other.open_path(str(rack), ask=False)
    other.editor.set_field(["h1"], "vmm_io_cores", 3.0)
    assert other.recovery.autosave_now() is not None
    assert recovery.offer_recovery(window) == [] and asked == []
    assert len(copies(rdir)) == 1  # still the other window's
    other.document.undo_stack.setClean()


def test_copy_whose_file_is_gone_is_offered_without_open_original(qtbot, window, rdir, rack, tmp_path, answers):
    queue, asked = answers
    crashed_session(qtbot, tmp_path, rdir, rack, value=4.25)
    rack.unlink()
    queue.append(recovery.RESTORE)
    recovery.offer_recovery(window)
    assert not asked[0].original_exists and "no longer exists" in asked[0].describe()
    assert window.document.path == str(rack.resolve()) and window.document.topology["h1"].vmm_io_cores == 4.25
    assert window.file_save() and load(rack)["h1"].vmm_io_cores == 4.25


def test_damaged_copy_is_reported_and_set_aside(window, rdir, dialogs, answers):
    queue, asked = answers
    rdir.mkdir()
    (rdir / "untitled-0123.rackio").write_bytes(b'{"format": "rackio-project", "version": 1, "elem')
    (rdir / "untitled-0123.json").write_bytes(b"\x00 not json")  # a damaged header too
    before = snapshot(window)
    queue.append(recovery.RESTORE)
    ((entry, action),) = recovery.offer_recovery(window)
    assert action == recovery.LATER and entry.original_path is None
    (text,) = dialogs.of("critical")
    assert "recovery copy cannot be read" in text and "JSON" in text
    assert snapshot(window) == before and copies(rdir) == []


def test_the_recovery_dialog_has_the_three_choices(qtbot, window, rdir, rack, tmp_path, monkeypatch):
    crashed_session(qtbot, tmp_path, rdir, rack)
    (entry,) = window.recovery.pending()
    seen = {}

    def fake_exec(box, wanted):
        seen["buttons"] = [b.text() for b in box.buttons()]
        seen["text"] = box.text()
        box.show()
        box.grab().save("/tmp/rackio-recovery-dialog.png")
        next(b for b in box.buttons() if b.text() == wanted).click()
        return 0

    for wanted, action in (("Restore", recovery.RESTORE), ("Open Original", recovery.OPEN_ORIGINAL),
                           ("Discard", recovery.DISCARD)):
        monkeypatch.setattr(QMessageBox, "exec", lambda box, w=wanted: fake_exec(box, w))
        assert recovery.ask_recovery(window, entry) == action
    assert sorted(seen["buttons"]) == ["Discard", "Open Original", "Restore"]
    assert str(entry.design) in seen["text"] and "rack.rackio" in seen["text"]
    monkeypatch.setattr(QMessageBox, "exec", lambda box: box.reject() or 0)
    assert recovery.ask_recovery(window, entry) == recovery.LATER  # closed: ask again later


# ----------------------------------------------------------- exception hook
def test_uncaught_exception_autosaves_then_shows_a_dialog(qtbot, window, rdir, rack, dialogs):
    assert window.open_path(str(rack), ask=False)
    edit(window, 6.5)
    restore = recovery.install_exception_hook(window)
    try:
        def broken_slot():
            raise RuntimeError("inspector exploded")

        QTimer.singleShot(0, broken_slot)
        qtbot.waitUntil(lambda: dialogs.of("critical") != [], timeout=3000)
    finally:
        restore()
    (text,) = dialogs.of("critical")
    (name,) = copies(rdir)
    assert "RuntimeError: inspector exploded" in text and str(rdir / name) in text
    assert load(rdir / name)["h1"].vmm_io_cores == 6.5
    assert "RuntimeError" in (rdir / "last-error.txt").read_text(encoding="utf-8")
    # The app keeps running and editing.
    assert window.isVisible()
    edit(window, 8.0)
    assert window.document.topology["h1"].vmm_io_cores == 8.0
    assert sys.excepthook is not None


def test_exception_without_unsaved_changes_says_so(window, rdir, dialogs):
    try:
        raise ValueError("boom")
    except ValueError:
        recovery.handle_exception(window, *sys.exc_info())
    (text,) = dialogs.of("critical")
    assert "no unsaved changes" in text and copies(rdir) == []


def test_exception_hook_passes_keyboard_interrupt_on(window, monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "excepthook", lambda *a: seen.append(a[0]))
    restore = recovery.install_exception_hook(window)
    try:
        sys.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    finally:
        restore()
    assert seen == [KeyboardInterrupt]


# ---------------------------------------------------------------- migration
def test_older_file_is_migrated_and_the_user_told(qtbot, window, dialogs, tmp_path):
    old = tmp_path / "old.rackio"
    old.write_bytes(V0_FIXTURE.read_bytes())
    assert window.open_path(str(old), ask=False)
    doc = window.document
    assert doc.migrated_from == 0 and doc.modified and window.isWindowModified()
    assert "version 0" in window.statusBar().currentMessage()
    note = window.findChild(QMessageBox, "migrationNote")
    assert note is not None and note.isVisible() and not note.isModal()
    assert "version 0" in note.text() and f"version {CURRENT_VERSION}" in note.text() and "old.rackio.bak" in note.text()
    assert old.read_bytes() == V0_FIXTURE.read_bytes()  # untouched until the user saves
    assert QApplication.activeModalWidget() is None
    note.close()
    # Closing asks, since the file on disk is still in the old format.
    dialogs.warning_answer = QMessageBox.StandardButton.Cancel
    assert window.close() is False and dialogs.of("warning")
    assert window.file_save()
    assert json.loads(old.read_text(encoding="utf-8"))["version"] == CURRENT_VERSION
    assert (tmp_path / "old.rackio.bak").read_bytes() == V0_FIXTURE.read_bytes()
    assert not window.document.modified and window.document.migrated_from is None


def test_newer_file_is_refused_naming_the_version(window, dialogs, tmp_path):
    doc = json.loads(MAIL.read_text(encoding="utf-8"))
    doc["version"] = CURRENT_VERSION + 1
    newer = tmp_path / "future.rackio"
    newer.write_text(json.dumps(doc), encoding="utf-8")
    before = snapshot(window)
    assert not window.open_path(str(newer), ask=False)
    (text,) = dialogs.of("critical")
    assert f"made by a newer RackIO (format version {CURRENT_VERSION + 1})" in text and "future.rackio" in text
    assert snapshot(window) == before


def test_current_version_opens_unmodified(window, rack):
    assert window.open_path(str(rack), ask=False)
    assert window.document.migrated_from is None and not window.document.modified
    assert window.findChild(QMessageBox, "migrationNote") is None
    assert loads(rack.read_bytes()).title == window.document.topology.title
