"""Autosave, crash recovery and the last-resort error handler (docs/safety.md).

While a document has unsaved changes, a recovery copy of it is written to
``<AppDataLocation>/recovery/``: ``KEY.rackio`` (the design, an ordinary project
file) and ``KEY.json`` (a small header: the original path, the time, the title
and the session that wrote it). KEY is a hash of the document's path, or
``untitled-<uuid>`` for a design that has never been saved; each running app
has its own copy of a file (the key ends in its session id), so two apps on one
file never overwrite each other's unsaved edits. Both files are
written with ``write_atomic``, two seconds after the last edit and at least every
``prefs/autosaveSeconds`` seconds while edits keep coming; the user's own file is
never written by autosave.

The copy is removed when the document is saved (it is then clean), when it is
closed or replaced, and on a clean exit; a copy of a design the user chose to
discard is moved to ``recovery/discarded/`` (the last ten are kept) rather than
deleted. Each running app holds a lock file ``session-ID.lock`` (QLockFile) from
the first document it opens, so on start only the copies of sessions that are no
longer running are offered: Restore / Open Original / Discard. While a file is
open, its app also holds ``file-HASH.lock``: a second app opening the same file
finds it taken and says the file is already open in another RackIO Designer.

``install_exception_hook`` (used by ``app.run``) turns an unexpected exception
in the GUI into: a recovery copy written first, then a dialog saying what
happened and where the copy is, and the app keeps running.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from ..fileformat import ProjectFileError, dumps
from ..fileformat.project import dumps_streamed
from ..fileformat.atomic import write_atomic
from ..fileformat.project import load
from .plain import plain

RECOVERY_FORMAT = "rackio-recovery"
DEBOUNCE_MS = 2000
DEFAULT_AUTOSAVE_SECONDS = 60
MIN_AUTOSAVE_SECONDS, MAX_AUTOSAVE_SECONDS = 5, 3600
KEEP_DISCARDED = 10
# Designs with more elements than this are autosaved in a worker thread (docs/safety.md): the
# text of a data-centre design takes seconds to make, which froze the editor at every autosave.
BACKGROUND_ELEMENTS = 2000
# After this many background copies in a row were overtaken by edits, and once the oldest edit
# no copy holds is older than the autosave interval, the next one is written at once in the GUI
# thread (a pause of seconds on a data-centre design, at most once an interval), so continuous
# editing cannot put the copy off for ever.
MAX_OVERTAKEN = 3
POLL_MS = 20
AFTER_SOLVE_MS = 250  # a large design's copy waits for its background solve: checked this often
MAX_HEADER_BYTES = 64 * 1024
MAX_HEADER_TITLE = 200  # the header's title is only shown in the dialog; the copy holds the whole one
APP_NAME = "RackIO Designer"

RESTORE, OPEN_ORIGINAL, DISCARD, LATER = "restore", "original", "discard", "later"


def default_directory() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "recovery"


def key_for_path(path: str) -> str:
    resolved = str(Path(path).resolve())
    return "file-" + hashlib.sha256(resolved.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def describe_os_error(exc: OSError) -> str:
    """The reason a file operation failed, in the user's words."""
    import errno

    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the disk is read-only",
        errno.EACCES: "permission denied (the folder or the file is read-only)",
        errno.EPERM: "the operation is not permitted here",
        errno.EISDIR: "the path is a folder, not a file",
        errno.ENOENT: "the folder does not exist (any more)",
        errno.ENOTDIR: "a part of the path is not a folder",
        errno.EIO: "the disk reported an input/output error",
        errno.ENAMETOOLONG: "the file name is too long",
        errno.ELOOP: "the path is a loop of symbolic links",
    }
    reason = reasons.get(exc.errno or -1) or exc.strerror or str(exc) or type(exc).__name__
    if exc.strerror and exc.errno in reasons and exc.strerror.lower() not in reason:
        reason += f" ({exc.strerror})"
    return reason


# --------------------------------------------------------------------- entries
@dataclass
class RecoveryEntry:
    """One recovery copy found on disk."""

    key: str
    design: Path
    header: Path
    original_path: str | None
    saved_at: float
    title: str
    session: str | None

    @property
    def original_exists(self) -> bool:
        return bool(self.original_path) and Path(self.original_path).is_file()

    def describe(self) -> str:
        try:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.saved_at))
        except (OverflowError, OSError, ValueError):
            when = "an unknown time"
        if not self.original_path:
            what = f"the untitled design “{self.title or 'Untitled'}”"
            why = "It was never saved to a file."
        elif not self.original_exists:
            what = f"“{Path(self.original_path).name}”"
            why = f"Its file {self.original_path} no longer exists."
        else:
            what = f"“{Path(self.original_path).name}”"
            why = f"It has changes that were not saved to {self.original_path}."
        return (f"RackIO Designer did not close normally. A recovery copy of {what} from {when} was found.\n\n"
                f"{why}\n\nRecovery copy: {self.design}")


def _read_header(path: Path) -> dict | None:
    try:
        if path.stat().st_size > MAX_HEADER_BYTES:
            return None
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != RECOVERY_FORMAT:
        return None
    return doc


def read_entries(directory: Path) -> list[RecoveryEntry]:
    """Every recovery copy in the folder (newest first), whatever its state."""
    entries = []
    try:
        designs = sorted(directory.glob("*.rackio"))
    except OSError:
        return []
    for design in designs:
        if not design.is_file():
            continue
        key = design.stem
        header_path = design.with_suffix(".json")
        header = _read_header(header_path) or {}
        original = header.get("original_path")
        saved_at = header.get("saved_at")
        title = header.get("title")
        session = header.get("session")
        if not _plausible_time(saved_at):  # 1e300 or Infinity in a damaged header: the copy's own time
            try:
                saved_at = design.stat().st_mtime
            except OSError:
                continue
        entries.append(RecoveryEntry(
            key=key, design=design, header=header_path,
            original_path=original if isinstance(original, str) and original else None,
            saved_at=float(saved_at), title=title if isinstance(title, str) else "",
            session=session if isinstance(session, str) and session.isalnum() else None))
    entries.sort(key=lambda e: e.saved_at, reverse=True)
    return entries


def _plausible_time(value: object) -> bool:
    """A time a header may hold: a finite number from 1970 to a day from now."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return 0 <= float(value) <= time.time() + 86400
    except OverflowError:  # an integer too large for a float
        return False


def session_alive(directory: Path, session: str | None) -> bool:
    """True while the app that wrote a copy still runs (it holds its session lock)."""
    if not session:
        return False
    lock = QLockFile(str(directory / f"session-{session}.lock"))
    lock.setStaleLockTime(0)  # only a dead owner makes a lock stale, never its age
    if lock.tryLock(0):
        lock.unlock()  # the owner is gone: this also removes its lock file
        return False
    return lock.error() == QLockFile.LockError.LockFailedError


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False


# ------------------------------------------------------------- background job
class _AutosaveJob:
    """One background autosave: a plain thread that touches no Qt object.

    First it makes the text of the design from the live model while the GUI thread may edit
    it; the GUI thread then checks that no edit came in the meantime (``stamp``), and only then
    the same thread writes the copy and its header with ``write_atomic``. A copy made from a
    design that changed under it is never written (the next autosave makes a fresh one)."""

    def __init__(self, topology, stamp: tuple, design: Path, header: dict) -> None:
        self.stamp = stamp
        self.design = design
        self.header = header
        self.data: bytes | None = None
        self.error: BaseException | None = None
        self.written = False
        self.cancelled = False
        self.made = threading.Event()  # the text is made (or failed)
        self.go = threading.Event()  # the GUI thread's answer: write it (or, cancelled, do not)
        self.done = threading.Event()  # the thread has ended
        self.thread = threading.Thread(target=self._run, args=(topology,), name="rackio-autosave", daemon=True)
        self.thread.start()

    def _run(self, topology) -> None:
        try:
            try:
                self.data = dumps_streamed(topology).encode("utf-8")
            except Exception as exc:  # noqa: BLE001 - a torn read (dict changed size...): not written
                self.error = exc
            finally:
                self.made.set()
            if self.error is not None:
                return
            self.go.wait()
            if self.cancelled:
                return
            try:
                write_atomic(self.design, self.data)
                write_atomic(self.design.with_suffix(".json"),
                             (json.dumps(self.header, ensure_ascii=True) + "\n").encode("ascii"))
                self.written = True
            except Exception as exc:  # noqa: BLE001 - reported by the GUI thread
                self.error = exc
        finally:
            self.done.set()

    def cancel(self) -> None:
        """Drop the copy; returns once nothing more is written (a write under way finishes)."""
        self.cancelled = True
        self.go.set()
        if self.made.is_set():
            self.thread.join()  # at most the write itself: the text is made


# ------------------------------------------------------------------ controller
class RecoveryController(QObject):
    """Keeps the window's open document's recovery copy up to date."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.directory = default_directory()
        self.session = uuid.uuid4().hex
        self.document = None
        self.last_error: str | None = None
        self.writes = 0
        self._lock: QLockFile | None = None
        self._file_lock: QLockFile | None = None
        # The process id of another running app that has this document's file open, if any.
        self.open_elsewhere: int | None = None
        self._dirty = False
        self.background_elements = BACKGROUND_ELEMENTS
        self.overtaken = 0  # background copies in a row that edits made stale before they were written
        self._unsaved_since: float | None = None  # the first edit no copy holds yet (monotonic)
        self._job: _AutosaveJob | None = None
        self._job_poll = QTimer(self)
        self._job_poll.setInterval(POLL_MS)
        self._job_poll.timeout.connect(self._collect)
        self._after_solve = QTimer(self)
        self._after_solve.setSingleShot(True)
        self._after_solve.setInterval(AFTER_SOLVE_MS)
        self._after_solve.timeout.connect(self.autosave_due)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.autosave_due)
        self._periodic = QTimer(self)
        self._periodic.timeout.connect(self._tick)
        self.apply_preferences()
        self._periodic.start()
        window.documentChanged.connect(self._attach)
        window.preferencesChanged.connect(self.apply_preferences)

    # ------------------------------------------------------------ settings
    def autosave_seconds(self) -> int:
        value = self.window.settings.value("prefs/autosaveSeconds", DEFAULT_AUTOSAVE_SECONDS)
        try:
            seconds = int(float(value))
        except (TypeError, ValueError):
            seconds = DEFAULT_AUTOSAVE_SECONDS
        return max(MIN_AUTOSAVE_SECONDS, min(MAX_AUTOSAVE_SECONDS, seconds))

    def apply_preferences(self) -> None:
        self._periodic.setInterval(self.autosave_seconds() * 1000)

    @property
    def periodic_interval_ms(self) -> int:
        return self._periodic.interval()

    @property
    def debounce_ms(self) -> int:
        return self._debounce.interval()

    @debounce_ms.setter
    def debounce_ms(self, value: int) -> None:
        self._debounce.setInterval(int(value))

    # ----------------------------------------------------------- documents
    def _attach(self, document) -> None:
        old = self.document
        if old is document:
            return
        if old is not None:
            self._detach(old)
            self.discard_copy_of(old)
        self.document = document
        self._dirty = False
        stack = document.undo_stack
        stack.indexChanged.connect(self._edited)
        stack.cleanChanged.connect(self._clean_changed)
        document.pathChanged.connect(self._path_changed)
        self._lock_file_of(document)

    def _path_changed(self, _path: str) -> None:
        if self.document is not None:
            self._lock_file_of(self.document)  # Save As: the lock follows the file

    def _lock_file_of(self, document) -> None:
        """Hold ``file-HASH.lock`` while the document's file is open; warn when another running
        app holds it (the file is open there too: both edit the same file)."""
        path = getattr(document, "path", None)
        wanted = f"{key_for_path(path)}.lock" if path else None
        if self._file_lock is not None:
            if wanted and Path(self._file_lock.fileName()).name == wanted:
                return
            self._file_lock.unlock()
            self._file_lock = None
        self.open_elsewhere = None
        if not wanted:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        self._hold_session_lock()
        lock = QLockFile(str(self.directory / wanted))
        lock.setStaleLockTime(0)  # only a dead owner frees it, never its age
        if lock.tryLock(0):
            self._file_lock = lock
            return
        if lock.error() != QLockFile.LockError.LockFailedError:
            return  # the folder cannot hold locks: nothing to say
        info = lock.getLockInfo()
        pid = next((v for v in (info if isinstance(info, tuple) else ()) if isinstance(v, int)
                    and not isinstance(v, bool)), None)
        self.open_elsewhere = pid or -1
        warn_open_elsewhere(self.window, path, pid)

    def _detach(self, document) -> None:
        stack = document.undo_stack
        for signal, slot in ((stack.indexChanged, self._edited), (stack.cleanChanged, self._clean_changed),
                             (document.pathChanged, self._path_changed)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        self._debounce.stop()
        self._after_solve.stop()
        self._settle_job()

    def _edited(self, *_args) -> None:
        self._dirty = True
        if self._unsaved_since is None:
            self._unsaved_since = time.monotonic()
        self._debounce.start()

    def _tick(self) -> None:
        if self._dirty:
            self.autosave_due()

    def _clean_changed(self, clean: bool) -> None:
        if clean and self.document is not None:
            # Saved (or undone back to what is on disk): nothing left to recover.
            self._debounce.stop()
            self._dirty = False
            self.remove_copy(self.document)

    def copy_paths(self, document=None) -> tuple[Path, Path] | None:
        document = document or self.document
        key = getattr(document, "recovery_key", None)
        if not key:
            return None
        return self.directory / f"{key}.rackio", self.directory / f"{key}.json"

    # --------------------------------------------------------------- write
    def autosave_due(self) -> None:
        """The pause after an edit ran out (or the periodic tick came): write the copy, in a
        worker thread for a large design (``background_elements``), else here and now."""
        self._debounce.stop()
        document = self.document
        if document is None or not document.modified:
            self._dirty = False
            return
        if len(document.topology.elements) <= self.background_elements or self._starved():
            self.autosave_now()
            return
        if self._job is not None:
            self._dirty = True  # the running one ends first; then this state is written
            return
        if document.solve_running():
            # A background solve is what the user waits for: the copy is made once it landed
            # (both are Python threads; running them together made each take twice as long).
            self._dirty = True
            self._after_solve.start()
            return
        try:
            design, header = self._prepare(document)
        except Exception as exc:  # noqa: BLE001 - autosave must never take the editor down
            self._failed(exc)
            return
        self._dirty = False
        self._job = _AutosaveJob(document.topology, self._stamp(document), design, header)
        self._job_poll.start()

    def _starved(self) -> bool:
        """Background copies were overtaken again and again, and the oldest edit no copy holds
        is older than the autosave interval: this one is written at once, in the GUI thread."""
        since = self._unsaved_since
        return self.overtaken >= MAX_OVERTAKEN and since is not None and \
            time.monotonic() - since >= self.autosave_seconds()

    @staticmethod
    def _stamp(document) -> tuple:
        """What moves on with every change of the design: a copy made under another stamp is stale."""
        return getattr(document, "revision", None), document.undo_stack.index(), document.topology.extra.get("view")

    def background_running(self) -> bool:
        """A background autosave is making or writing a copy."""
        return self._job is not None

    def _collect(self) -> None:
        job = self._job
        if job is None:
            self._job_poll.stop()
            return
        if not job.made.is_set():
            return
        document = self.document
        if not job.go.is_set():
            if job.error is None and document is not None and self._stamp(document) == job.stamp:
                job.go.set()  # nothing changed while the text was made: write it
                return
            job.cancel()  # overtaken by an edit (or a torn read): the next autosave makes a new one
        if not job.done.is_set():
            return
        job.thread.join()
        self._job = None
        self._job_poll.stop()
        if job.written:
            self.overtaken = 0
            self._unsaved_since = None
            self.last_error = None
            self.writes += 1
            if document is not None:
                document.recovery_key = job.design.stem
        elif job.cancelled:
            self.overtaken += 1
            self._dirty = True
        elif job.error is not None:
            self._failed(job.error)
            self._dirty = True
        if self._dirty and document is not None and document.modified:
            self._debounce.start()

    def _settle_job(self) -> None:
        """No background write is left running (before a copy is removed, or written here)."""
        job, self._job = self._job, None
        self._job_poll.stop()
        if job is not None:
            job.cancel()
            if job.written and self.document is not None and self.document.recovery_key is None:
                self.document.recovery_key = job.design.stem  # so that removing it finds it

    def _failed(self, exc: BaseException) -> None:
        reason = describe_os_error(exc) if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"
        if self.last_error != reason:
            self.window.show_message(f"Autosave failed: {reason}.")
        self.last_error = reason

    def autosave_now(self) -> Path | None:
        """Write the recovery copy of the open document if it has unsaved changes, here and now
        (a background autosave under way is dropped first). Never raises."""
        self._debounce.stop()
        self._after_solve.stop()
        self._settle_job()
        document = self.document
        if document is None or not document.modified:
            self._dirty = False
            return None
        try:
            path = self._write(document)
        except Exception as exc:  # noqa: BLE001 - autosave must never take the editor down
            self._failed(exc)
            return None
        self._dirty = False
        self.last_error = None
        self.overtaken = 0
        self._unsaved_since = None
        self.writes += 1
        return path

    def _write(self, document) -> Path:
        design, header = self._prepare(document)
        write_atomic(design, dumps(document.topology).encode("utf-8"))
        # ASCII with escapes: a file name that is not UTF-8 (held as surrogate escapes) is written as
        # \udcXX and reads back as the same name, where encoding it as UTF-8 would fail every autosave.
        write_atomic(design.with_suffix(".json"), (json.dumps(header, ensure_ascii=True) + "\n").encode("ascii"))
        document.recovery_key = design.stem
        return design

    def _prepare(self, document) -> tuple[Path, dict]:
        """Where the copy goes and its header (the folder made, the session lock held)."""
        key = document.recovery_key
        if not key:  # this app's own copy: another app on the same file writes another one
            key = f"{key_for_path(document.path)}-{self.session[:12]}" if document.path else \
                f"untitled-{uuid.uuid4().hex[:16]}"
        self.directory.mkdir(parents=True, exist_ok=True)
        self._hold_session_lock()
        design = self.directory / f"{key}.rackio"
        if document.path and design.exists() and os.path.samefile(design, document.path):
            raise OSError(17, "the recovery copy would replace the open file itself", str(design))
        title = document.topology.title
        header = {
            "format": RECOVERY_FORMAT,
            "version": 1,
            "original_path": document.path,
            # Cut: a header over MAX_HEADER_BYTES is not read, which would lose the original path.
            "title": title if len(title) <= MAX_HEADER_TITLE else title[:MAX_HEADER_TITLE - 1] + "…",
            "saved_at": time.time(),
            "saved_at_text": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "session": self.session,
            "pid": os.getpid(),
        }
        return design, header

    def _hold_session_lock(self) -> None:
        if self._lock is not None:
            return
        lock = QLockFile(str(self.directory / f"session-{self.session}.lock"))
        lock.setStaleLockTime(0)
        if lock.tryLock(0):
            self._lock = lock

    # -------------------------------------------------------------- remove
    def remove_copy(self, document=None) -> None:
        """Delete the document's recovery copy (it is saved, or was never changed)."""
        document = document or self.document
        if document is self.document:
            self._settle_job()  # a background copy under way would bring it back
        paths = self.copy_paths(document)
        if paths is None:
            return
        for path in paths:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                pass
        document.recovery_key = None

    def discard_copy_of(self, document) -> None:
        """The document leaves the window: a clean one's copy goes, an unsaved one's is set aside."""
        if document.modified:
            paths = self.copy_paths(document)
            if paths is not None and paths[0].exists():
                self.set_aside(paths[0], paths[1])
                document.recovery_key = None
                return
        self.remove_copy(document)

    def set_aside(self, design: Path, header: Path) -> None:
        """Move a copy the user discarded to recovery/discarded/ (the newest few are kept)."""
        folder = self.directory / "discarded"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            for path in (design, header):
                if path.exists():
                    os.replace(path, folder / f"{stamp}-{path.name}")
            kept = sorted(folder.glob("*.rackio"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in kept[KEEP_DISCARDED:]:
                old.unlink(missing_ok=True)
                old.with_suffix(".json").unlink(missing_ok=True)
        except OSError:
            for path in (design, header):
                try:
                    path.unlink()
                except OSError:
                    pass

    def close(self) -> None:
        """A clean exit: the document was saved or discarded by the user; no copy remains."""
        if self.document is not None:
            self._detach(self.document)
            self.discard_copy_of(self.document)
            self.document = None  # closed twice (window close, then teardown): nothing to detach
        self._periodic.stop()
        self.release_locks()

    def release_locks(self) -> None:
        for name in ("_file_lock", "_lock"):
            lock = getattr(self, name)
            if lock is not None:
                lock.unlock()
                setattr(self, name, None)

    # ------------------------------------------------------------ recovery
    def pending(self) -> list[RecoveryEntry]:
        """Copies worth offering: left by sessions that no longer run, newer than their files.

        A copy older than its file (the file was saved later) or with the same bytes has nothing
        to recover and is removed quietly."""
        offered = []
        own = self.copy_paths()
        for entry in read_entries(self.directory):
            if entry.session == self.session or (own is not None and entry.design == own[0]):
                continue
            if session_alive(self.directory, entry.session):
                continue
            if entry.original_exists:
                original = Path(entry.original_path)  # type: ignore[arg-type]
                try:
                    newer = entry.saved_at > original.stat().st_mtime
                except OSError:
                    newer = True
                if _same_bytes(entry.design, original):
                    self._delete(entry)  # exactly what is on disk: nothing to recover
                    continue
                if not newer:
                    self.set_aside(entry.design, entry.header)  # the file was saved after it
                    continue
            offered.append(entry)
        return offered

    def _delete(self, entry: RecoveryEntry) -> None:
        for path in (entry.design, entry.header):
            try:
                path.unlink()
            except OSError:
                pass

    def offer(self) -> list[tuple[RecoveryEntry, str]]:
        """Ask about every pending copy, one at a time; returns what was done with each."""
        done = []
        for entry in self.pending():
            action = ask_recovery(self.window, entry)
            if action == RESTORE:
                if not self.restore(entry):
                    action = LATER
            elif action == OPEN_ORIGINAL:
                if entry.original_exists:
                    open_doc = self.window.document
                    already = open_doc is not None and open_doc.path and entry.original_path and \
                        Path(open_doc.path) == Path(entry.original_path).resolve() and not open_doc.modified
                    if not already and not self.window.open_path(entry.original_path, ask=True):
                        action = LATER
                if action == OPEN_ORIGINAL:
                    self.set_aside(entry.design, entry.header)
            elif action == DISCARD:
                self.set_aside(entry.design, entry.header)
            done.append((entry, action))
        return done

    def original_from_recent(self, entry: RecoveryEntry) -> str | None:
        """The file a copy without a readable header belongs to: its key is a hash of the file's
        path, so the recent files (and the open design) are matched against it."""
        if not entry.key.startswith("file-"):
            return None
        candidates = list(getattr(self.window, "recent_files", lambda: [])())
        document = self.window.document
        if document is not None and document.path:
            candidates.insert(0, document.path)
        for candidate in candidates:
            try:
                if isinstance(candidate, str) and entry.key.startswith(key_for_path(candidate)):
                    return candidate
            except (OSError, ValueError, RuntimeError):
                continue
        return None

    def restore(self, entry: RecoveryEntry) -> bool:
        """Open the recovered design, modified, under its original path (Save writes it back)."""
        from .document import Document

        try:
            topology = load(entry.design)
        except ProjectFileError as exc:
            QMessageBox.critical(self.window, APP_NAME,
                                 plain(f"The recovery copy cannot be read:\n\n{exc}\n\nIt was moved to "
                                       f"{self.directory / 'discarded'}."))
            self.set_aside(entry.design, entry.header)
            return False
        if not self.window.maybe_save():
            return False
        original = entry.original_path or self.original_from_recent(entry)
        path = str(Path(original).resolve()) if original else None
        document = Document(topology, path, parent=self.window)
        document.recovery_key = entry.key  # the copy stays until this design is saved or closed
        document.remember_disk()  # Save writes it back over the file as it is now, and asks if it changes
        document.mark_modified()
        self.window.set_document(document)
        if path:
            self.window.add_recent(path)
        self.window.show_message(
            f"Restored {Path(path).name if path else 'the untitled design'} from its recovery copy; "
            "save to keep it.")
        return True


def warn_open_elsewhere(window, path: str, pid: int | None) -> None:
    """The file is already open in another running RackIO Designer: say so, without blocking
    (a status message and a note). Tests replace this function to record the warning."""
    who = f"another RackIO Designer (process {pid})" if pid else "another RackIO Designer"
    name = Path(path).name
    # After the window's own "Opened NAME", which would hide it.
    QTimer.singleShot(0, window, lambda: window.show_message(f"{name} is also open in {who}."))
    note = QMessageBox(QMessageBox.Icon.Warning, APP_NAME,
                       f"{name} is already open in {who}.\n\nBoth windows can change it: saving in one "
                       "replaces what the other saved (RackIO asks before overwriting a file that "
                       "changed on disk). Each keeps its own recovery copy.",
                       QMessageBox.StandardButton.Ok, window)
    note.setObjectName("openElsewhereNote")
    note.setTextFormat(Qt.TextFormat.PlainText)
    note.setWindowModality(Qt.WindowModality.NonModal)
    note.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    note.show()


def ask_recovery(window, entry: RecoveryEntry) -> str:
    """Restore / Open Original / Discard. Closing the dialog keeps the copy for the next start.

    Tests replace this function to answer without a modal dialog."""
    box = QMessageBox(window)
    box.setObjectName("recoveryDialog")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(f"Recover design — {APP_NAME}")
    box.setTextFormat(Qt.TextFormat.PlainText)  # the title and path come from the file: never markup
    box.setText(entry.describe())
    box.setInformativeText("Restore opens the recovered design; save it to keep it. "
                           "A discarded copy is kept in the discarded folder next to it.")
    restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
    original = None
    if entry.original_exists:
        original = box.addButton("Open Original", QMessageBox.ButtonRole.ActionRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(restore)
    box.exec()
    clicked = box.clickedButton()
    if clicked is restore:
        return RESTORE
    if original is not None and clicked is original:
        return OPEN_ORIGINAL
    if clicked is discard:
        return DISCARD
    return LATER


def offer_recovery(window) -> list[tuple[RecoveryEntry, str]]:
    """Offer the copies left by a session that did not end normally (called once the window shows)."""
    controller = getattr(window, "recovery", None)
    return controller.offer() if controller is not None else []


# ----------------------------------------------------------- exception hook
def handle_exception(window, exc_type, exc, tb) -> None:
    """An exception nothing caught: autosave first, then say what happened; the app keeps running."""
    traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
    controller = getattr(window, "recovery", None)
    if controller is None or getattr(controller, "_handling", False):
        return
    controller._handling = True
    try:
        copy = None
        if window.document is not None and window.document.modified:
            copy = controller.autosave_now()
        try:
            controller.directory.mkdir(parents=True, exist_ok=True)
            write_atomic(controller.directory / "last-error.txt",
                         "".join(traceback.format_exception(exc_type, exc, tb)).encode("utf-8", "backslashreplace"))
        except OSError:
            pass
        summary = " ".join(f"{exc_type.__name__}: {exc}".split())[:300]
        if copy is not None:
            saved = f"Your design was saved to a recovery copy first:\n{copy}"
        elif window.document is not None and window.document.modified:
            saved = (f"The recovery copy could not be written ({controller.last_error}). "
                     "Save your design under a new name now.")
        else:
            saved = "Your design has no unsaved changes."
        QMessageBox.critical(
            window, APP_NAME,
            plain(f"Something went wrong inside RackIO Designer:\n\n{summary}\n\n{saved}\n\n"
                  "RackIO Designer keeps running. The details are in "
                  f"{controller.directory / 'last-error.txt'}."))
    except Exception:  # noqa: BLE001 - the handler of last resort must not raise
        traceback.print_exc(file=sys.stderr)
    finally:
        controller._handling = False


def install_exception_hook(window) -> Callable[[], None]:
    """Route uncaught exceptions to handle_exception; returns a function restoring the old hook."""
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        handle_exception(window, exc_type, exc, tb)

    sys.excepthook = hook

    def restore() -> None:
        if sys.excepthook is hook:
            sys.excepthook = previous

    return restore


def install(window) -> None:
    window.recovery = RecoveryController(window)
