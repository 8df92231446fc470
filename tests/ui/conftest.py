"""Fixtures for the GUI tests: a real MainWindow (offscreen, see tests/conftest.py)
with its settings in tmp_path, and modal dialogs replaced by recorders so that a
test can never hang on a message box or a file dialog."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox

from .helpers import MAIL


@dataclass
class DialogRecorder:
    """What the window asked and what the fake dialogs answer."""

    calls: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    warning_answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Discard
    open_path: str = ""
    save_path: str = ""

    def of(self, kind: str) -> list[str]:
        return [text for k, text in self.calls if k == kind]


@pytest.fixture(autouse=True)
def dialogs(monkeypatch) -> DialogRecorder:
    recorder = DialogRecorder()

    def box(kind):
        def fake(parent, title, text, *args, **kwargs):
            recorder.calls.append((kind, text))
            if kind == "warning":
                return recorder.warning_answer
            return QMessageBox.StandardButton.Ok
        return fake

    for kind in ("warning", "critical", "information", "question", "about"):
        monkeypatch.setattr(QMessageBox, kind, box(kind))

    def get_open(*args, **kwargs):
        recorder.calls.append(("open-dialog", ""))
        return recorder.open_path, ""

    def get_save(*args, **kwargs):
        recorder.calls.append(("save-dialog", ""))
        return recorder.save_path, ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", get_open)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", get_save)
    return recorder


@pytest.fixture
def settings_path(tmp_path):
    return tmp_path / "settings.ini"


@pytest.fixture
def window(qtbot, settings_path, dialogs, tmp_path):
    from designer.ui.main_window import MainWindow

    win = MainWindow(QSettings(str(settings_path), QSettings.Format.IniFormat))
    # Each test's recovery copies stay in its own folder, never in a shared one.
    win.recovery.directory = tmp_path / "recovery"
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    # Never let the teardown close() ask about unsaved changes.
    if win.document is not None:
        win.document.undo_stack.setClean()


@pytest.fixture
def rack(tmp_path) -> Path:
    """A copy of the mail-rack example in its own folder of tmp_path, for tests that save,
    autosave or watch a file."""
    path = tmp_path / "work" / "rack.rackio"
    path.parent.mkdir()
    path.write_bytes(MAIL.read_bytes())
    return path
