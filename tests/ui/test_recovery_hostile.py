"""Issue 12 §3.9: recovery copies survive damaged headers, huge titles and odd file names."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from designer.fileformat import load
from designer.ui import recovery

from .test_recovery import answers, copies, crashed_session, header_of, rdir  # noqa: F401 (fixtures)


def _rewrite_header(directory: Path, **changes) -> None:
    (header,) = directory.glob("*.json")
    doc = json.loads(header.read_text(encoding="utf-8"))
    doc.update(changes)
    header.write_text(json.dumps(doc), encoding="utf-8")  # allow_nan: Infinity is written as such


@pytest.mark.parametrize("saved_at", [1e300, float("inf"), -1e300, 10**400, "yesterday", True],
                         ids=["1e300", "inf", "-1e300", "10**400", "text", "bool"])
def test_absurd_saved_at_in_a_header_is_not_fatal_at_start(qtbot, window, rdir, rack, tmp_path, answers,
                                                           saved_at):
    queue, asked = answers
    crashed_session(qtbot, tmp_path, rdir, rack, value=5.5)
    copy_time = next(rdir.glob("*.rackio")).stat().st_mtime
    _rewrite_header(rdir, saved_at=saved_at)
    queue.append(recovery.RESTORE)
    (done,) = recovery.offer_recovery(window)
    assert done[1] == recovery.RESTORE
    assert asked[0].saved_at == copy_time  # the copy's own time stands in
    assert "did not close normally" in asked[0].describe()
    assert window.document.topology["h1"].vmm_io_cores == 5.5


def test_a_header_read_error_from_deep_nesting_is_not_fatal(qtbot, window, rdir, rack, tmp_path, answers):
    queue, asked = answers
    crashed_session(qtbot, tmp_path, rdir, rack)
    (header,) = rdir.glob("*.json")
    header.write_text("[" * 30_000 + "]" * 30_000, encoding="utf-8")  # under the 64 KiB header limit
    assert len(recovery.read_entries(rdir)) == 1


def test_a_huge_title_keeps_the_header_and_its_original_path(window, rdir, rack):
    assert window.open_path(str(rack), ask=False)
    assert window.editor.set_project_field("title", "T" * 70_000) is None
    assert window.recovery.autosave_now() is not None
    header = header_of(rdir)
    assert header["original_path"] == str(rack.resolve())
    assert len(header["title"]) <= recovery.MAX_HEADER_TITLE
    (entry,) = recovery.read_entries(rdir)
    assert entry.original_path == str(rack.resolve())
    assert load(entry.design).title == "T" * 70_000  # the copy holds the whole title


def test_a_file_name_that_is_not_utf8_is_autosaved_and_restored(qtbot, window, rdir, rack, tmp_path, answers):
    odd = Path(os.fsdecode(os.fsencode(rack.parent) + b"/r\xe9seau-\xff.rackio"))  # Latin-1 bytes in the name
    odd.write_bytes(rack.read_bytes())
    other = crashed_session(qtbot, tmp_path, rdir, odd, value=3.5)  # its autosave must succeed
    assert other.recovery.last_error is None
    (entry,) = recovery.read_entries(rdir)
    assert entry.original_path == str(odd.resolve())
    queue, _ = answers
    queue.append(recovery.RESTORE)
    (done,) = recovery.offer_recovery(window)
    assert done[1] == recovery.RESTORE
    assert window.document.path == str(odd.resolve())
    assert window.file_save()  # Save writes over that very file
    assert load(odd)["h1"].vmm_io_cores == 3.5


def test_a_copy_whose_header_is_lost_still_saves_over_its_original(qtbot, window, rdir, rack, tmp_path,
                                                                     answers):
    queue, asked = answers
    window.add_recent(str(rack.resolve()))
    crashed_session(qtbot, tmp_path, rdir, rack, value=6.5)
    before = rack.read_bytes()
    next(rdir.glob("*.json")).unlink()  # the header is gone: no original path in it
    queue.append(recovery.RESTORE)
    (done,) = recovery.offer_recovery(window)
    assert done[1] == recovery.RESTORE and asked[0].original_path is None
    assert window.document.path == str(rack.resolve())  # found again from the recent files
    assert window.document.modified
    assert window.file_save()
    assert load(rack)["h1"].vmm_io_cores == 6.5
    assert (rack.parent / "rack.rackio.bak").read_bytes() == before
