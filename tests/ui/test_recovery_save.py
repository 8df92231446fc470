"""Save failures through the window (issue 7): each shows a dialog with the reason, leaves the
old file byte-for-byte intact and keeps the design open and modified. The failures are
simulated at the system-call boundary (the suite runs as root, where chmod stops nothing)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF

from designer.fileformat import load

from .helpers import MAIL, snapshot


def os_error(code: int) -> OSError:
    return OSError(code, os.strerror(code))


class FullDisk:
    """A temporary file that takes a few bytes, then fails as a full disk does."""

    def __init__(self, fh) -> None:
        self.fh = fh

    def write(self, data):
        self.fh.write(data[:16])
        raise os_error(errno.ENOSPC)

    def __getattr__(self, name):
        return getattr(self.fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()


def disk_full(monkeypatch, folder):
    real = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: (
        FullDisk(real(fd, mode, *a, **k)) if "w" in mode else real(fd, mode, *a, **k)))


def readonly_folder(monkeypatch, folder, code=errno.EACCES):
    inside = lambda p: Path(os.fsdecode(p)).parent == folder  # noqa: E731
    real_open, real_link, real_replace = os.open, os.link, os.replace

    def fake_open(path, flags, *a, **k):
        if flags & os.O_CREAT and inside(path):
            raise os_error(code)
        return real_open(path, flags, *a, **k)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "link", lambda s, d, *a, **k: (_ for _ in ()).throw(os_error(code))
                        if inside(d) else real_link(s, d, *a, **k))
    monkeypatch.setattr(os, "replace", lambda s, d, *a, **k: (_ for _ in ()).throw(os_error(code))
                        if inside(d) else real_replace(s, d, *a, **k))


def fsync_fails(monkeypatch, folder):
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(os_error(errno.EIO)))


def file_readonly(monkeypatch, folder):
    monkeypatch.setattr(os, "access", lambda p, m, *a, **k: not (m & os.W_OK))


CASES = {
    "disk full": (disk_full, "the disk is full"),
    "read-only folder": (readonly_folder, "permission denied"),
    "read-only file system": (lambda mp, f: readonly_folder(mp, f, errno.EROFS), "the disk is read-only"),
    "input/output error": (fsync_fails, "input/output error"),
    "permission denied on the file": (file_readonly, "permission denied"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_failed_save_keeps_the_file_and_the_design(window, dialogs, monkeypatch, rack, case):
    setup, reason = CASES[case]
    assert window.open_path(str(rack), ask=False)
    assert window.editor.set_field(["h1"], "vmm_io_cores", 9.0) is None
    design = snapshot(window)
    with monkeypatch.context() as patched:  # only these patches end here, not the dialog recorders
        setup(patched, rack.parent)
        assert window.file_save() is False
    (text,) = dialogs.of("critical")
    assert "Could not save rack.rackio" in text and reason in text, text
    assert "previous file is unchanged" in text
    assert rack.read_bytes() == MAIL.read_bytes()
    assert sorted(p.name for p in rack.parent.iterdir()) == ["rack.rackio"]
    assert window.document.modified and window.isWindowModified()
    assert window.document.path == str(rack.resolve()) and snapshot(window) == design
    # Once the trouble is gone, the same Save works.
    assert window.file_save() is True
    assert load(rack)["h1"].vmm_io_cores == 9.0 and not window.document.modified


def test_save_as_onto_a_folder(window, dialogs, tmp_path):
    folder = tmp_path / "taken.rackio"
    folder.mkdir()
    assert window.editor.drop("server", None, QPointF(0, 0)) is None
    dialogs.save_path = str(folder)
    assert window.file_save() is False
    (text,) = dialogs.of("critical")
    assert "folder" in text
    assert folder.is_dir() and list(folder.iterdir()) == []
    assert window.document.modified and window.document.path is None


def test_folder_vanished_before_save(window, dialogs, rack):
    assert window.open_path(str(rack), ask=False)
    assert window.editor.set_field(["h1"], "vmm_io_cores", 9.0) is None
    rack.unlink()
    rack.parent.rmdir()
    assert window.file_save() is False
    (text,) = dialogs.of("critical")
    assert "does not exist" in text
    assert window.document.modified and not rack.parent.exists()


def test_file_vanished_before_save_is_written_again(window, dialogs, rack):
    assert window.open_path(str(rack), ask=False)
    assert window.editor.set_field(["h1"], "vmm_io_cores", 9.0) is None
    rack.unlink()
    assert window.file_save() is True and dialogs.of("critical") == []
    assert load(rack)["h1"].vmm_io_cores == 9.0
    assert not (rack.parent / "rack.rackio.bak").exists()
