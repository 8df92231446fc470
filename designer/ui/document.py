"""The open document: a Topology, its undo stack, its file, and live solving.

Every edit is a command executed through ``Document.execute``: the command is
applied once to learn whether the model accepts it (a refused edit leaves the
model untouched and returns the reason), then pushed on the QUndoStack. Model
events schedule a debounced re-solve; ``solved`` carries the new Solution.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from ..fileformat import CURRENT_VERSION, save
from ..fileformat.project import load_versioned
from ..model.topology import ModelError, ModelEvent, Topology
from ..solver import Solution, solve
from .commands import Command

SOLVE_DELAY_MS = 30


def disk_state(path: str) -> tuple[int, int, str] | None:
    """(size, mtime in ns, SHA-256) of a file, or None when it cannot be read."""
    try:
        info = os.stat(path)
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, digest.hexdigest()


class Document(QObject):
    modelChanged = Signal(object)  # ModelEvent
    solved = Signal(object)  # Solution
    solveFailed = Signal(str)  # why; ``solution`` is then None, never the previous numbers
    modifiedChanged = Signal(bool)
    pathChanged = Signal(str)

    def __init__(self, topology: Topology | None = None, path: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.topology = topology or Topology(title="Untitled design")
        self.path: str | None = path
        # The format version the file was written in, when it was older and migrated on opening.
        self.migrated_from: int | None = None
        # The name of this document's recovery copy (designer/ui/recovery.py), once it has one.
        self.recovery_key: str | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(lambda clean: self.modifiedChanged.emit(not clean))
        # QUndoStack's destructor clears the stack and so emits its signals, into
        # listeners (this document, a window's Undo/Redo actions) that may already be
        # gone. A document being destroyed has nothing left to say: silence its stack.
        stack = self.undo_stack
        self.destroyed.connect(lambda *_: stack.blockSignals(True))
        # (size, mtime in ns, SHA-256) of the file as this document last read or wrote it.
        self.disk_state: tuple[int, int, str] | None = None
        self.solution: Solution | None = None
        self.solve_error: str | None = None
        self.last_solve_seconds = 0.0
        self._solve_timer = QTimer(self)
        self._solve_timer.setSingleShot(True)
        self._solve_timer.setInterval(SOLVE_DELAY_MS)
        self._solve_timer.timeout.connect(self.solve_now)
        self.topology.subscribe(self._on_model_event)
        self._solve_timer.start()

    # ------------------------------------------------------------------ edits
    def execute(self, command: Command) -> str | None:
        """Apply and record an edit. Returns None, or the reason the model refused it."""
        try:
            command.apply()
        except ModelError as exc:
            return str(exc)
        command.skip_next_redo = True
        self.undo_stack.push(command)
        return None

    # Edits that cannot change any number the solver computes.
    NO_RESOLVE_FIELDS = frozenset({"position", "label", "title", "notes"})

    def _on_model_event(self, event: ModelEvent) -> None:
        self.modelChanged.emit(event)
        if event.field not in self.NO_RESOLVE_FIELDS:
            self._solve_timer.start()

    # ---------------------------------------------------------------- solving
    def solve_now(self) -> Solution | None:
        self._solve_timer.stop()
        start = time.perf_counter()
        try:
            self.solution = solve(self.topology)
            self.solve_error = None
        except Exception as exc:  # a solver bug must never take the editor down
            self.solve_error = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
            self.solution = None  # the old numbers describe another design: never shown as this one's
            self.last_solve_seconds = time.perf_counter() - start
            self.solveFailed.emit(self.solve_error)
            return None
        finally:
            self.last_solve_seconds = time.perf_counter() - start
        self.solved.emit(self.solution)
        return self.solution

    def solve_pending(self) -> bool:
        return self._solve_timer.isActive()

    # ------------------------------------------------------------------ files
    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def display_name(self) -> str:
        return Path(self.path).name if self.path else "Untitled"

    @classmethod
    def open(cls, path: str, parent: QObject | None = None) -> "Document":
        """Load a file (raises ProjectFileError with the loader's sentence).

        A file of an older format version is migrated in memory only and the document starts
        modified: the file on disk stays as it was until the user saves (then in the new format,
        the old file kept as NAME.bak), and closing asks first."""
        topology, version = load_versioned(path)
        document = cls(topology, str(Path(path).resolve()), parent)
        document.remember_disk()
        if version < CURRENT_VERSION:
            document.migrated_from = version
            document.mark_modified()
        return document

    def mark_modified(self) -> None:
        """Unsaved until the next save, whatever undo does (a migrated or a recovered design)."""
        self.undo_stack.resetClean()

    def save(self, path: str | None = None):
        """Write the design (atomically, the replaced file kept as NAME.bak); gives where it went
        (``atomic.Target``: ``other_links`` names that still hold the previous version).

        Raises OSError; the document stays modified then and the file on disk is unchanged."""
        target = path or self.path
        if not target:
            raise ValueError("no file name")
        written = save(self.topology, target, backup=True)
        self.path = str(Path(target).resolve())
        self.remember_disk()
        self.migrated_from = None
        self.undo_stack.setClean()
        self.pathChanged.emit(self.path)
        return written

    def remember_disk(self) -> None:
        """Note what the file on disk is now (size, mtime, SHA-256): what was loaded or saved."""
        self.disk_state = disk_state(self.path) if self.path else None

    def changed_on_disk(self) -> bool:
        """True when the file is no longer what was loaded or last saved here (someone else wrote
        it). A file that vanished is not a conflict: saving writes it anew."""
        if not self.path or self.disk_state is None:
            return False
        size, mtime_ns, digest = self.disk_state
        try:
            info = os.stat(self.path)
        except OSError:
            return False
        if (info.st_size, info.st_mtime_ns) == (size, mtime_ns):
            return False
        if info.st_size != size:
            return True
        now = disk_state(self.path)
        return now is not None and now[2] != digest  # touched only: the same bytes

    def close(self) -> None:
        self._solve_timer.stop()
        self.topology.unsubscribe(self._on_model_event)
