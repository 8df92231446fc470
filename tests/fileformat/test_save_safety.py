"""Saving never damages the previous file (issue 7).

``save(topo, path, backup=True)`` (what the designer's Save uses) keeps the replaced
file as ``NAME.rackio.bak``. Every failure the operating system can throw at a save is
simulated at the system-call boundary (the tests run as root in CI, where a chmod'ed
folder would not stop a write, so "read-only" is simulated the same way); after each,
the old file must hold exactly its old bytes and no temporary file may be left. A last
group kills a child process at each step of a save and checks what is on disk.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from designer.fileformat import dumps, load, loads
from designer.fileformat.atomic import TEMP_PREFIX, target_tag
from designer.fileformat.project import backup_path, keep_backup, save

REPO = Path(__file__).resolve().parents[2]
SPEC_TEXT = (REPO / "tests" / "spec_example.json").read_text(encoding="utf-8")
OLD = b'{"format": "rackio-project", "version": 1, "title": "old \xe2\x98\x81", "elements": [], "links": []}\n'
OLD_BAK = b"an older backup \x00\xff"


def new_design():
    topo = loads(SPEC_TEXT)
    topo.set_project_field("title", "new version")
    return topo


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def rack(tmp_path) -> Path:
    path = tmp_path / "rack.rackio"
    path.write_bytes(OLD)
    return path


def os_error(code: int) -> OSError:
    return OSError(code, os.strerror(code))


# ------------------------------------------------------------------ success
def test_save_keeps_the_previous_version_as_bak(rack):
    save(new_design(), rack, backup=True)
    assert (rack.parent / "rack.rackio.bak").read_bytes() == OLD
    assert load(rack).title == "new version"
    assert rack.read_bytes() == dumps(new_design()).encode()
    assert sorted(folder_bytes(rack.parent)) == ["rack.rackio", "rack.rackio.bak"]


def test_each_save_moves_the_bak_one_version_on(rack):
    versions = [OLD]
    for title in ("second", "third", "fourth"):
        topo = new_design()
        topo.set_project_field("title", title)
        save(topo, rack, backup=True)
        versions.append(rack.read_bytes())
    assert load(rack).title == "fourth"
    assert backup_path(rack).read_bytes() == versions[-2]
    assert loads(backup_path(rack).read_bytes()).title == "third"
    assert sorted(folder_bytes(rack.parent)) == ["rack.rackio", "rack.rackio.bak"]


def test_first_save_of_a_new_file_makes_no_bak(tmp_path):
    save(new_design(), tmp_path / "new.rackio", backup=True)
    assert sorted(folder_bytes(tmp_path)) == ["new.rackio"]


def test_save_without_backup_is_unchanged(rack):
    save(new_design(), rack)
    assert sorted(folder_bytes(rack.parent)) == ["rack.rackio"]


def test_bak_keeps_the_file_mode(rack):
    os.chmod(rack, 0o640)
    save(new_design(), rack, backup=True)
    assert stat.S_IMODE(os.stat(backup_path(rack)).st_mode) == 0o640
    assert stat.S_IMODE(os.stat(rack).st_mode) == 0o640


def test_without_hard_links_the_bak_is_a_synced_copy(rack, monkeypatch):
    """File systems without hard links (FAT, some network shares): a copy, fsynced, same bytes and mode."""
    os.chmod(rack, 0o604)
    synced = []
    real_fsync = os.fsync

    def no_link(src, dst, *a, **k):
        raise os_error(errno.EPERM)

    def fsync(fd):
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(os, "fsync", fsync)
    save(new_design(), rack, backup=True)
    assert backup_path(rack).read_bytes() == OLD
    assert stat.S_IMODE(os.stat(backup_path(rack)).st_mode) == 0o604
    assert os.stat(backup_path(rack)).st_ino != os.stat(rack).st_ino
    assert len(synced) >= 2  # the backup copy and the new file


def test_save_through_a_symlink_keeps_the_link_and_backs_up_the_target(tmp_path):
    real = tmp_path / "store" / "rack.rackio"
    real.parent.mkdir()
    real.write_bytes(OLD)
    link = tmp_path / "link.rackio"
    link.symlink_to(real)
    save(new_design(), link, backup=True)
    assert link.is_symlink() and load(link).title == "new version"
    assert (real.parent / "rack.rackio.bak").read_bytes() == OLD
    assert not (tmp_path / "link.rackio.bak").exists()
    assert backup_path(link) == real.parent / "rack.rackio.bak"


def test_file_vanished_before_saving_is_written_again(rack):
    rack.unlink()  # deleted behind the designer's back: the design is written anew
    save(new_design(), rack, backup=True)
    assert load(rack).title == "new version"
    assert sorted(folder_bytes(rack.parent)) == ["rack.rackio"]


def test_file_vanishing_during_the_backup_still_saves(rack, monkeypatch):
    def vanished(src, dst, *a, **k):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory")

    monkeypatch.setattr(os, "link", vanished)
    save(new_design(), rack, backup=True)
    assert load(rack).title == "new version"
    assert sorted(folder_bytes(rack.parent)) == ["rack.rackio"]


# ------------------------------------------------------------------ failures
class FailingWriter:
    """A file object that writes part of the data, then fails like a full disk."""

    def __init__(self, raw, code: int, after: int = 10) -> None:
        self.raw, self.code, self.left = raw, code, after

    def write(self, data):
        part = data[: self.left]
        self.raw.write(part)
        self.left -= len(part)
        if len(part) < len(data):
            raise os_error(self.code)
        return len(data)

    def __getattr__(self, name):
        return getattr(self.raw, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.raw.close()


NEW_TEMP = f"{TEMP_PREFIX}{target_tag('rack.rackio')}-"  # the temporary of rack.rackio (not its .bak's)


def failing_fdopen(monkeypatch, code: int, which: str = "any"):
    real = os.fdopen

    def fdopen(fd, mode="r", *args, **kwargs):
        fh = real(fd, mode, *args, **kwargs)
        name = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists(f"/proc/self/fd/{fd}") else ""
        if "w" in mode and (which == "any" or (which in name and not (which == NEW_TEMP and ".bak." in name))):
            return FailingWriter(fh, code)
        return fh

    monkeypatch.setattr(os, "fdopen", fdopen)


def readonly_folder(monkeypatch, folder: Path, code: int = errno.EACCES) -> None:
    """What a read-only folder (or file system) does: creating, linking or renaming in it fails."""
    inside = lambda p: Path(os.fsdecode(p)).parent == folder  # noqa: E731
    real_open, real_link, real_replace = os.open, os.link, os.replace

    def fake_open(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and inside(path):
            raise os_error(code)
        return real_open(path, flags, *args, **kwargs)

    def fake_link(src, dst, *args, **kwargs):
        if inside(dst):
            raise os_error(code)
        return real_link(src, dst, *args, **kwargs)

    def fake_replace(src, dst, *args, **kwargs):
        if inside(dst):
            raise os_error(code)
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "link", fake_link)
    monkeypatch.setattr(os, "replace", fake_replace)


def failing_call(monkeypatch, name: str, code: int, nth: int = 1) -> None:
    """os.<name> fails on its nth call (earlier calls work)."""
    real = getattr(os, name)
    calls = []

    def fake(*args, **kwargs):
        calls.append(args)
        if len(calls) == nth:
            raise os_error(code)
        return real(*args, **kwargs)

    monkeypatch.setattr(os, name, fake)


FAILURES = {
    # name: (how to set it up, errno expected, whether a previous .bak is replaced by then)
    "disk full while writing the new file": (lambda mp, f: failing_fdopen(mp, errno.ENOSPC, NEW_TEMP),
                                             errno.ENOSPC, False),
    "disk full while copying the backup": (
        lambda mp, f: (failing_call(mp, "link", errno.EXDEV), failing_fdopen(mp, errno.ENOSPC, ".bak.tmp")),
        errno.ENOSPC, False),
    "quota exceeded while writing": (lambda mp, f: failing_fdopen(mp, errno.EDQUOT, NEW_TEMP),
                                     errno.EDQUOT, False),
    "i/o error on fsync": (lambda mp, f: failing_call(mp, "fsync", errno.EIO), errno.EIO, False),
    "read-only folder": (lambda mp, f: readonly_folder(mp, f), errno.EACCES, False),
    "read-only file system": (lambda mp, f: readonly_folder(mp, f, errno.EROFS), errno.EROFS, False),
    "rename of the backup fails": (lambda mp, f: failing_call(mp, "replace", errno.EIO, nth=1), errno.EIO, False),
    "rename of the new file fails": (lambda mp, f: failing_call(mp, "replace", errno.ENOSPC, nth=2),
                                     errno.ENOSPC, True),
    "permission denied on the file": (
        lambda mp, f: mp.setattr(os, "access", lambda p, m, *a, **k: not (m & os.W_OK)), errno.EACCES, False),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_failed_save_leaves_the_old_file_byte_for_byte(rack, monkeypatch, case):
    setup, code, bak_replaced = FAILURES[case]
    backup_path(rack).write_bytes(OLD_BAK)
    with monkeypatch.context() as patched, pytest.raises(OSError) as info:
        setup(patched, rack.parent)
        save(new_design(), rack, backup=True)
    assert info.value.errno == code
    after = folder_bytes(rack.parent)
    assert after["rack.rackio"] == OLD
    # The older backup is untouched unless the failure came after the new bytes were on disk.
    assert after["rack.rackio.bak"] == (OLD if bak_replaced else OLD_BAK)
    assert sorted(after) == ["rack.rackio", "rack.rackio.bak"], "a temporary file was left behind"


def test_path_is_a_folder(tmp_path):
    folder = tmp_path / "rack.rackio"
    folder.mkdir()
    (folder / "inside").write_bytes(b"x")
    with pytest.raises(IsADirectoryError):
        save(new_design(), folder, backup=True)
    assert folder_bytes(folder) == {"inside": b"x"}
    assert [p.name for p in tmp_path.iterdir()] == ["rack.rackio"]


def test_bak_name_taken_by_a_folder_refuses_the_save(rack):
    (rack.parent / "rack.rackio.bak").mkdir()
    with pytest.raises(IsADirectoryError):
        save(new_design(), rack, backup=True)
    assert rack.read_bytes() == OLD
    assert (rack.parent / "rack.rackio.bak").is_dir()


def test_folder_vanished(tmp_path):
    gone = tmp_path / "gone"
    with pytest.raises(FileNotFoundError):
        save(new_design(), gone / "rack.rackio", backup=True)
    assert not gone.exists()


def test_keep_backup_of_a_missing_file_is_nothing(tmp_path):
    assert keep_backup(tmp_path / "none.rackio") is None
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------- killed mid-save
CRASH = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {repo!r})
    from designer.fileformat import loads
    from designer.fileformat.project import save
    where, path, text = sys.argv[1], sys.argv[2], open(sys.argv[3], encoding="utf-8").read()
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)
    real_replace, real_fdopen, real_fsync = os.replace, os.fdopen, os.fsync
    replaces = []
    def replace(src, dst, *a, **k):
        replaces.append(dst)
        if where == "before-bak-rename" and len(replaces) == 1: die()
        if where == "before-file-rename" and len(replaces) == 2: die()
        real_replace(src, dst, *a, **k)
        if where == "after-file-rename" and len(replaces) == 2: die()
    class Half:
        def __init__(self, fh): self.fh = fh
        def write(self, data):
            self.fh.write(data[: len(data) // 2]); self.fh.flush(); die()
        def __getattr__(self, n): return getattr(self.fh, n)
        def __enter__(self): return self
        def __exit__(self, *e): self.fh.close()
    def fdopen(fd, mode="r", *a, **k):
        fh = real_fdopen(fd, mode, *a, **k)
        return Half(fh) if where == "mid-write" and "w" in mode else fh
    os.replace, os.fdopen = replace, fdopen
    topo = loads(text)
    topo.set_project_field("title", "new version")
    save(topo, path, backup=True)
""")


@pytest.mark.parametrize("where", ["mid-write", "before-bak-rename", "before-file-rename", "after-file-rename"])
def test_process_killed_during_a_save(tmp_path, where):
    folder = tmp_path / "work"
    folder.mkdir()
    rack = folder / "rack.rackio"
    rack.write_bytes(OLD)
    spec = tmp_path / "spec.json"
    spec.write_text(SPEC_TEXT, encoding="utf-8")
    script = tmp_path / "crash.py"
    script.write_text(CRASH.format(repo=str(REPO)), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script), where, str(rack), str(spec)], capture_output=True,
                          timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    files = folder_bytes(folder)
    # The file is whole: the old bytes, or (killed after the rename) the complete new design.
    if where == "after-file-rename":
        assert load(rack).title == "new version"
        assert files["rack.rackio.bak"] == OLD
    else:
        assert files["rack.rackio"] == OLD
    # Whatever else is there is a whole backup or a hidden temporary file, never a damaged design.
    for name, data in files.items():
        assert name in ("rack.rackio", "rack.rackio.bak") or (name.startswith(NEW_TEMP)
                                                              and name.endswith(".tmp")), name
        if name == "rack.rackio.bak":
            assert data == OLD
