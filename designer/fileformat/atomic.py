"""The one writer of every file RackIO writes: project saves, recovery copies, exports, CSVs and
every command-line output (docs/safety.md, "Writing files"). Qt-free.

``write_atomic`` writes a short hidden temporary file beside the target
(``.rackio-TAG-RANDOM.tmp``, TAG naming the target), fsyncs it, gives it the target's mode,
owner and group, and renames it over the target; so the target holds its old bytes or the new
ones, never a mixture. ``check_output`` says beforehand whether a path can take an output at all:

- a symbolic link is written through (the file it points at is replaced; the link stays);
  a loop of links is refused;
- a folder, a block device or a socket is refused; a FIFO or a character device (a pipe,
  ``/dev/stdout``, ``/dev/null``) is written in place like a terminal where the caller allows
  streaming (the command line), refused otherwise (the designer); it is never renamed over;
- a path that is the same file as one of the command's inputs is refused;
- a read-only file (no write permission, or no write bit at all, even for root) is refused;
- errors name the user's file, never the temporary one.

A successful write removes the target's temporaries left by earlier writes that were killed
(older than ``STALE_SECONDS``).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

TEMP_PREFIX = ".rackio-"
STALE_SECONDS = 60.0
DEFAULT_NAME_MAX = 255


@dataclass(frozen=True)
class Target:
    """Where an output goes, as ``check_output`` found it."""

    path: Path  # what the user named
    real: Path  # the file that is written (symbolic links followed)
    info: os.stat_result | None  # the existing file's status, None when it does not exist yet
    stream: bool  # a FIFO or character device: written in place

    @property
    def other_links(self) -> int:
        """How many other names (hard links) share the existing file; they keep the old bytes."""
        if self.info is None or self.stream:
            return 0
        return max(0, self.info.st_nlink - 1)


def _error(code: int, reason: str, path: Path | str) -> OSError:
    return OSError(code, reason, str(path))  # OSError(errno, …) is PermissionError etc. as fits


def _renamed(exc: OSError, path: Path) -> OSError:
    """The same error, naming the user's file rather than a temporary one."""
    return _error(exc.errno or errno.EIO, exc.strerror or str(exc), path)


def name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return DEFAULT_NAME_MAX


def _kind(mode: int) -> str | None:
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISREG(mode):
        return None
    return "special file"


def is_read_only(info: os.stat_result, path: Path) -> bool:
    """No write permission for this process, or no write bit at all (which root would override)."""
    return not os.access(path, os.W_OK) or not (info.st_mode & 0o222)


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when two paths name one file (through links, ``..`` or hard links)."""
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def check_output(path: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (), *,
                 stream_ok: bool = False) -> Target:
    """Refuse, with an OSError naming ``path``, an output that would damage something or cannot
    be written; otherwise say where the bytes go. Nothing is written."""
    path = Path(path)
    inputs = list(inputs)
    try:
        info: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _error(errno.ELOOP, "the path is a loop of symbolic links", path) from None
        raise _renamed(exc, path) from None
    if info is not None:
        kind = _kind(info.st_mode)
        if kind == "folder":
            raise _error(errno.EISDIR, "the path is a folder", path)
        if kind is not None:
            if stream_ok and kind in ("FIFO (named pipe)", "character device"):
                _refuse_inputs(path, inputs)
                return Target(path, path, info, True)
            raise _error(errno.EINVAL, f"the path is a {kind}, not a regular file", path)
    real = Path(os.path.realpath(path))
    _refuse_inputs(path, inputs)
    folder = real.parent
    if not folder.is_dir():
        raise _error(errno.ENOENT, "the folder does not exist", path)
    if len(os.fsencode(real.name)) > name_max(folder):
        raise _error(errno.ENAMETOOLONG, "the file name is too long for this file system", path)
    if info is not None and is_read_only(info, real):
        raise _error(errno.EACCES, "the file is read-only", path)
    return Target(path, real, info, False)


def _refuse_inputs(path: Path, inputs: list) -> None:
    for source in inputs:
        if same_file(path, source):
            raise _error(errno.EINVAL, f"this output is the input file {source}; choose another output", path)


def target_tag(name: str) -> str:
    """Eight hex digits naming a target in its folder: its temporaries are recognisable."""
    import hashlib  # only when something is written (3–4 ms to import; rackio solve writes no file)

    return hashlib.sha256(os.fsencode(name)).hexdigest()[:8]


def temp_path(real: Path, suffix: str = ".tmp") -> Path:
    """A short hidden name beside ``real`` (the file-system's name limit is never reached)."""
    return real.parent / f"{TEMP_PREFIX}{target_tag(real.name)}-{os.urandom(4).hex()}{suffix}"


def _create_temp(real: Path, suffix: str = ".tmp") -> tuple[int, Path]:
    for _ in range(100):
        tmp = temp_path(real, suffix)
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600), tmp
        except FileExistsError:
            continue
    raise _error(errno.EEXIST, "no free temporary name", real)


def write_atomic(path: str | os.PathLike, data: bytes, before_replace: Callable[[Path], object] | None = None,
                 *, inputs: Iterable[str | os.PathLike] = (), stream_ok: bool = False) -> Target:
    """Write ``data`` to ``path`` so that it holds the old bytes or the new ones, never a mixture.

    ``before_replace(real_path)`` runs once the new bytes are safely on disk, just before the
    rename (saving uses it to keep the old file as NAME.bak). Raises OSError naming ``path``."""
    target = check_output(path, inputs, stream_ok=stream_ok)
    if target.stream:
        _write_in_place(target, data)
        return target
    real, info = target.real, target.info
    try:
        fd, tmp = _create_temp(real)
    except OSError as exc:  # a read-only folder or file system, a full disk
        raise _renamed(exc, Path(path)) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fd = -1
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _copy_owner_and_mode(tmp, info)
        if before_replace is not None:
            before_replace(real)
        replace_and_clean(tmp, real)
    except BaseException as exc:
        if fd >= 0:
            os.close(fd)
        _unlink_quietly(tmp)
        if isinstance(exc, OSError):
            raise _renamed(exc, Path(path)) from exc
        raise
    _sync_folder(real.parent)
    remove_stale_temporaries(real)
    return target


def _write_in_place(target: Target, data: bytes) -> None:
    try:
        fd = os.open(target.path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise _renamed(exc, target.path) from exc


def _copy_owner_and_mode(tmp: Path, info: os.stat_result | None) -> None:
    """The new file gets the old one's permissions and, where this process may, its owner and group
    (root saving a user's file leaves it the user's; others keep at least the group they share)."""
    if info is None:
        os.chmod(tmp, 0o666 & ~_umask())
        return
    if hasattr(os, "chown"):
        mine = os.stat(tmp)
        if (mine.st_uid, mine.st_gid) != (info.st_uid, info.st_gid):
            try:
                os.chown(tmp, info.st_uid, info.st_gid)
            except OSError:
                try:
                    os.chown(tmp, -1, info.st_gid)
                except OSError:
                    pass  # not permitted: the file becomes this user's (docs/safety.md)
    os.chmod(tmp, stat.S_IMODE(info.st_mode) & 0o777)


def replace_and_clean(tmp: Path, target: Path) -> None:
    """``os.replace`` that never leaves ``tmp`` behind: renaming a file onto another name of the same
    file (a hard link of one inode) does nothing and leaves both names; the spare one goes."""
    os.replace(tmp, target)
    if os.path.lexists(tmp):
        _unlink_quietly(tmp)


def remove_stale_temporaries(real: Path, older_than: float = STALE_SECONDS) -> int:
    """Delete the temporaries of ``real`` that writes killed half-way left (older than a minute,
    so a concurrent writer's live temporary is never touched). Also the names older versions
    used (``.NAME.XXXXXXXX.tmp``). Returns how many went."""
    folder = real.parent
    tag = f"{TEMP_PREFIX}{target_tag(real.name)}-"
    legacy = re.compile(re.escape(f".{real.name}.") + r"([a-z0-9_]{8}|[0-9a-f]{12}\.bak)\.tmp")
    limit = time.time() - older_than
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        name = entry.name
        if not name.endswith(".tmp"):
            continue
        if not (name.startswith(tag) or legacy.fullmatch(name)):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or info.st_mtime > limit:
                continue
            os.unlink(entry.path)
            removed += 1
        except OSError:
            continue
    return removed


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _sync_folder(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


__all__ = ["Target", "check_output", "write_atomic", "replace_and_clean", "remove_stale_temporaries", "same_file",
           "temp_path", "target_tag", "name_max", "STALE_SECONDS"]
