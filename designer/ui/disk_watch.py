"""The file on disk changed under the open design (docs/safety.md, "Saving"):

- *Save* never silently overwrites a file changed since it was opened or last saved: the
  document remembers the file's size, modification time and SHA-256 (``Document.disk_state``);
  when the file differs, Save asks **Overwrite / Save As… / Cancel**.
- A QFileSystemWatcher notices the change as it happens: an unmodified design offers
  **Reload**; a modified one says in the status bar that Save will ask.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, Qt, QTimer
from PySide6.QtWidgets import QMessageBox

APP_NAME = "RackIO Designer"
OVERWRITE, SAVE_AS, CANCEL = "overwrite", "save-as", "cancel"
RELOAD, KEEP = "reload", "keep"


def ask_save_conflict(window, document) -> str:
    """Overwrite / Save As… / Cancel (Cancel is the default and what closing the box means).

    Tests replace this function to answer without a modal dialog."""
    box = QMessageBox(window)
    box.setObjectName("saveConflictDialog")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(f"File changed on disk — {APP_NAME}")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(f"{document.display_name} was changed on disk since you opened or last saved it.\n\n"
                f"{document.path}")
    box.setInformativeText("Overwrite replaces those changes with your design (the file on disk is kept "
                           "as .bak). Save As writes your design to another file.")
    overwrite = box.addButton("Overwrite", QMessageBox.ButtonRole.DestructiveRole)
    save_as = box.addButton("Save As…", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    return OVERWRITE if clicked is overwrite else SAVE_AS if clicked is save_as else CANCEL


def confirm_save(window, document, path: str) -> str:
    """OVERWRITE (go on), SAVE_AS or CANCEL before writing ``path``."""
    if not document.path or Path(path).resolve() != Path(document.path) or not document.changed_on_disk():
        return OVERWRITE
    return ask_save_conflict(window, document)


def offer_reload(window, document) -> None:
    """An unmodified design whose file changed: offer to reload it, without blocking.

    Tests replace this function to record the offer."""
    watcher = getattr(window, "disk_watch", None)
    if watcher is not None and watcher.note is not None:
        return  # one offer at a time
    box = QMessageBox(QMessageBox.Icon.Information, APP_NAME,
                      f"{document.display_name} was changed on disk. Reload it?", QMessageBox.StandardButton.NoButton,
                      window)
    box.setObjectName("reloadNote")
    box.setTextFormat(Qt.TextFormat.PlainText)
    reload_button = box.addButton("Reload", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Keep Mine", QMessageBox.ButtonRole.RejectRole)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    path = document.path

    def answered(button) -> None:
        if watcher is not None:
            watcher.note = None
        if button is reload_button and window.document is document and not document.modified:
            window.open_path(path, ask=False, remember=False)

    box.buttonClicked.connect(answered)
    if watcher is not None:
        watcher.note = box
        box.destroyed.connect(lambda *_: setattr(watcher, "note", None))
    box.show()


class DiskWatch(QObject):
    """Watches the open document's file."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.note = None
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._changed)
        self._settle = QTimer(self)  # one look after a burst of events (an editor's save is several)
        self._settle.setSingleShot(True)
        self._settle.setInterval(200)
        self._settle.timeout.connect(self.check_now)
        window.documentChanged.connect(self._attach)
        if window.document is not None:
            self._attach(window.document)

    def _attach(self, document) -> None:
        document.pathChanged.connect(lambda _p: self._watch(document))
        self._watch(document)

    def _watch(self, document) -> None:
        if document is not self.window.document:
            return
        old = self.watcher.files()
        if old:
            self.watcher.removePaths(old)
        if document.path and Path(document.path).exists():
            self.watcher.addPath(document.path)

    def _changed(self, path: str) -> None:
        self._settle.start()

    def check_now(self) -> None:
        document = self.window.document
        if document is None or not document.path:
            return
        if document.path not in self.watcher.files() and Path(document.path).exists():
            self.watcher.addPath(document.path)  # a file replaced by rename is watched no more
        if not document.changed_on_disk():
            return  # our own save, or only touched
        if document.modified:
            self.window.show_message(f"{document.display_name} was changed on disk; Save will ask before "
                                     "overwriting it.")
        else:
            offer_reload(self.window, document)


def install(window) -> None:
    window.disk_watch = DiskWatch(window)
