"""The open document: a Topology, its undo stack, its file, and live solving.

Every edit is a command executed through ``Document.execute``: the command is
applied once to learn whether the model accepts it (a refused edit leaves the
model untouched and returns the reason), then pushed on the QUndoStack. Model
events schedule a debounced re-solve; ``solved`` carries the new Solution.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from ..fileformat import CURRENT_VERSION, save
from ..fileformat.project import load_versioned
from ..model.topology import ModelError, ModelEvent, Topology
from ..solver import Solution, solve
from ..edit.commands import Command
from .undo import UndoCommand

SOLVE_DELAY_MS = 30
# Designs with more flows than this re-solve in a worker thread (docs/performance.md):
# the canvas stays live and the overlay is marked stale until the new solution lands.
BACKGROUND_FLOWS = 3000
POLL_MS = 10


class _SolveWorker:
    """One background solve: a plain thread that touches no Qt object.

    It reads the topology while the GUI thread may edit it; any edit after the start
    makes the result stale (the document's generation moves on), and a result is only
    used when no edit happened since it started, so a torn read is never shown. The
    GUI thread collects the outcome by polling ``done``."""

    def __init__(self, topology: Topology, generation: int) -> None:
        self.generation = generation
        self.started = time.perf_counter()
        self.seconds = 0.0
        self.solution: Solution | None = None
        self.error: str | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(topology,), name="rackio-solve", daemon=True)
        self.thread.start()

    def _run(self, topology: Topology) -> None:
        try:
            self.solution = solve(topology)
        except Exception as exc:  # noqa: BLE001 - a torn read or a solver bug: reported, never raised
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.seconds = time.perf_counter() - self.started
            self.done.set()


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
    # Once per command done, undone or redone: the one signal the views follow
    # (the model's events arrive many per command; a bulk add sends thousands).
    changed = Signal()
    solved = Signal(object)  # Solution
    solveFailed = Signal(str)  # why; ``solution`` is then None, never the previous numbers
    modifiedChanged = Signal(bool)
    pathChanged = Signal(str)
    solvingChanged = Signal(bool)  # a background solve started (True) or its result landed (False)

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
        self.undo_stack.indexChanged.connect(lambda _index: self.changed.emit())
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
        self._solve_timer.timeout.connect(self._solve_due)
        self.generation = 0  # moves on with every model change that needs a re-solve
        self.revision = 0  # moves on with every model change (a worker's read of the model is stale then)
        self._worker: _SolveWorker | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._collect)
        self.background_flows = BACKGROUND_FLOWS
        self.topology.subscribe(self._on_model_event)
        self._solve_timer.start()

    # ------------------------------------------------------------------ edits
    def execute(self, command: Command) -> str | None:
        """Apply and record an edit. Returns None, or the reason the model refused it."""
        try:
            command.apply()
        except ModelError as exc:
            return str(exc)
        wrapper = UndoCommand(command)
        wrapper.skip_next_redo = True
        self.undo_stack.push(wrapper)
        return None

    # Edits that cannot change any number the solver computes.
    NO_RESOLVE_FIELDS = frozenset({"position", "label", "title", "notes"})

    def _on_model_event(self, event: ModelEvent) -> None:
        self.revision += 1
        if event.field not in self.NO_RESOLVE_FIELDS:
            self.generation += 1  # a solve under way is superseded
            self._solve_timer.start()
        self.modelChanged.emit(event)

    # ---------------------------------------------------------------- solving
    def _solve_due(self) -> None:
        """The debounce ran out: solve here for small designs, in a worker for large ones."""
        flows = self.solution.flows.n_flows if self.solution is not None else self.estimate_flows()
        if flows <= self.background_flows:
            self.solve_now()
        else:
            self.solve_in_background()

    def estimate_flows(self) -> int:
        return 2 * sum(len(getattr(e, "vnics", ())) for e in self.topology.elements.values())

    def solve_in_background(self) -> None:
        """Start a worker on the design as it is now; a worker still running is left to
        finish (its result is dropped) and the newest state is solved after it."""
        self._solve_timer.stop()
        if self._worker is not None:
            self._poll.start()
            return  # ``_collect`` starts the next solve when the running one ends
        self._worker = _SolveWorker(self.topology, self.generation)
        self._poll.start()
        self.solvingChanged.emit(True)

    def solve_running(self) -> bool:
        """A background solve is under way (or its result has not been collected yet)."""
        return self._worker is not None

    def _collect(self) -> None:
        worker = self._worker
        if worker is None:
            self._poll.stop()
            return
        if not worker.done.is_set():
            return
        worker.thread.join()
        self._worker = None
        if worker.generation != self.generation:
            # Superseded by a newer edit: solve the newest state (no stale colours land).
            self._worker = _SolveWorker(self.topology, self.generation)
            return
        self._poll.stop()
        self.last_solve_seconds = worker.seconds
        if worker.error is not None:
            self.solve_error = worker.error
            self.solvingChanged.emit(False)
            return
        self.solution = worker.solution
        self.solve_error = None
        self.solvingChanged.emit(False)
        self.solved.emit(self.solution)

    def solve_now(self) -> Solution | None:
        self._solve_timer.stop()
        self.wait_for_solve()
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
        return self._solve_timer.isActive() or self._worker is not None

    def wait_for_solve(self, timeout: float | None = None) -> None:
        """Join a running background solve and drop its result (a synchronous solve follows)."""
        worker = self._worker
        if worker is not None:
            worker.thread.join(timeout)
            if not worker.thread.is_alive():
                self._worker = None
                self._poll.stop()
                self.solvingChanged.emit(False)

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
        self._poll.stop()
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.thread.join()  # never leave a thread running past its document
        self.topology.unsubscribe(self._on_model_event)
