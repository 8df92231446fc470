"""The one atomic writer (issue 12 §2.3, §2.7, §2.8): what it refuses, what it keeps of the file it
replaces (mode, owner, group), its short temporary names, and the temporaries it cleans up.

Special files are made in tmp_path; the machine's own /dev is never touched."""

from __future__ import annotations

import errno
import os
import stat
import time
from pathlib import Path

import pytest

from designer.fileformat import dumps, loads
from designer.fileformat.project import backup_path, save, write_atomic

REPO = Path(__file__).resolve().parents[2]
SPEC_TEXT = (REPO / "tests" / "spec_example.json").read_text(encoding="utf-8")
OLD = b'{"format": "rackio-project", "version": 1, "title": "old", "elements": [], "links": []}\n'
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")


def design(title: str = "new version"):
    topo = loads(SPEC_TEXT)
    topo.set_project_field("title", title)
    return topo


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def rack(tmp_path) -> Path:
    path = tmp_path / "rack.rackio"
    path.write_bytes(OLD)
    return path


# ------------------------------------------------------------- special files
def test_the_designer_save_refuses_a_fifo_and_leaves_it_a_fifo(tmp_path):
    fifo = tmp_path / "pipe.rackio"
    os.mkfifo(fifo)
    with pytest.raises(OSError) as info:
        save(design(), fifo, backup=True)  # refused before opening: it would block on a reader
    assert info.value.filename == str(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert names(tmp_path) == ["pipe.rackio"]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_write_atomic_never_renames_over_a_character_device(tmp_path):
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    with pytest.raises(OSError):
        write_atomic(node, b"data")  # the default: refused
    write_atomic(node, b"data", stream_ok=True)  # the command line: written in place
    assert stat.S_ISCHR(os.lstat(node).st_mode)
    assert names(tmp_path) == ["null"]


def test_a_loop_of_links_is_an_os_error_naming_the_path(tmp_path):
    (tmp_path / "a.rackio").symlink_to("b.rackio")
    (tmp_path / "b.rackio").symlink_to("a.rackio")
    with pytest.raises(OSError) as info:
        save(design(), tmp_path / "a.rackio", backup=True)
    assert info.value.errno == errno.ELOOP and info.value.filename == str(tmp_path / "a.rackio")


# ------------------------------------------------------- mode, owner, group
@root_only
def test_root_saving_a_users_file_leaves_it_the_users(rack):
    os.chown(rack, 4321, 8765)
    os.chmod(rack, 0o640)
    save(design(), rack, backup=True)
    info = os.stat(rack)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (4321, 8765, 0o640)
    assert loads(rack.read_bytes()).title == "new version"


def test_a_new_file_gets_the_umask_mode(tmp_path):
    old = os.umask(0o027)
    try:
        save(design(), tmp_path / "new.rackio")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.rackio").st_mode) == 0o640


# -------------------------------------------------------------- long names
@pytest.mark.parametrize("length", [242, 250, 255])
def test_names_up_to_the_file_system_limit_save(tmp_path, length):
    path = tmp_path / ("x" * (length - len(".rackio")) + ".rackio")
    path.write_bytes(OLD)
    save(design(), path, backup=True)
    assert loads(path.read_bytes()).title == "new version"
    leftovers = [n for n in names(tmp_path) if n != path.name and not n.endswith(".bak")]
    assert leftovers == []
    # The backup keeps the previous version where NAME.bak still fits in a name (docs/safety.md).
    fits = len(path.name) + len(".bak") <= os.pathconf(tmp_path, "PC_NAME_MAX")
    assert (backup_path(path).name in names(tmp_path)) == fits


def test_a_failed_write_names_the_users_file_not_the_temporary(rack, monkeypatch):
    real = os.fsync

    def full(fd):
        real(fd)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as info:
        save(design(), rack, backup=True)
    assert info.value.errno == errno.ENOSPC
    assert info.value.filename == str(rack)
    assert rack.read_bytes() == OLD


# ---------------------------------------------------------------- leftovers
def _leftovers_of_killed_saves(folder: Path, target: Path) -> list[Path]:
    """Temporaries as killed saves left them: in the names this writer uses, and in the old ones."""
    from designer.fileformat.atomic import temp_path

    made = [temp_path(target), temp_path(target, ".bak.tmp"), folder / f".{target.name}.ab_c12xz.tmp",
            folder / f".{target.name}.0123456789ab.bak.tmp"]
    for path in made:
        path.write_bytes(b"half a design" * 1000)
    return made


def test_the_next_save_removes_stale_temporaries_of_that_file_only(rack, tmp_path):
    stale = _leftovers_of_killed_saves(tmp_path, rack)
    hour_ago = time.time() - 3600
    for path in stale:
        os.utime(path, (hour_ago, hour_ago))
    from designer.fileformat.atomic import temp_path

    fresh = temp_path(rack)  # another saver's, still being written
    fresh.write_bytes(b"live")
    other = tmp_path / "other.rackio"
    other_stale = temp_path(other)
    other_stale.write_bytes(b"someone else's")
    os.utime(other_stale, (hour_ago, hour_ago))
    notes = tmp_path / ".rack.rackio.my-notes.tmp"  # not a name a save ever used
    notes.write_bytes(b"mine")
    os.utime(notes, (hour_ago, hour_ago))

    save(design(), rack, backup=True)
    left = names(tmp_path)
    assert not any(p.name in left for p in stale)
    assert fresh.name in left and other_stale.name in left and notes.name in left
    assert sorted(set(left) - {fresh.name, other_stale.name, notes.name}) == ["rack.rackio", "rack.rackio.bak"]


def test_temporary_names_are_short_and_name_their_target(tmp_path):
    from designer.fileformat.atomic import temp_path

    long_target = tmp_path / ("y" * 250 + ".rackio")
    a, b = temp_path(long_target), temp_path(tmp_path / "rack.rackio")
    assert len(a.name) < 40 and a.name.startswith(".") and a.name.endswith(".tmp")
    assert a.name.split("-")[1] != b.name.split("-")[1]  # each target's own tag


def test_a_backup_that_is_already_a_link_of_the_file_leaves_no_temporary(rack):
    """A save that failed after linking the backup leaves NAME.bak and NAME as one inode; renaming a
    fresh link of that inode onto NAME.bak does nothing and used to leave the link behind."""
    os.link(rack, backup_path(rack))
    save(design(), rack, backup=True)
    assert names(rack.parent) == ["rack.rackio", "rack.rackio.bak"]
    assert backup_path(rack).read_bytes() == OLD
    assert loads(rack.read_bytes()).title == "new version"


def test_replace_onto_the_same_inode_removes_the_spare_name(tmp_path):
    from designer.fileformat.atomic import replace_and_clean

    target = tmp_path / "t"
    target.write_bytes(b"x")
    spare = tmp_path / "spare"
    os.link(target, spare)
    replace_and_clean(spare, target)
    assert names(tmp_path) == ["t"] and target.read_bytes() == b"x"


def test_read_only_file_is_refused_with_its_name(rack):
    os.chmod(rack, 0o444)
    with pytest.raises(PermissionError) as info:
        save(design(), rack)
    assert info.value.filename == str(rack)
    assert rack.read_bytes() == OLD and dumps(design()) != OLD.decode()
