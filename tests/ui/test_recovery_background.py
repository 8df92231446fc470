"""Autosave of a large design in a worker thread (docs/safety.md, "Autosave of a large design").

The controller's ``background_elements`` is set to 0 so that the mail rack takes the path a
data-centre design takes; ``recovery.dumps_streamed`` is wrapped to hold the worker at a known point."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from designer.fileformat import dumps, load
from designer.ui import recovery

from .helpers import MAIL, copies, snapshot


@pytest.fixture
def rdir(window, tmp_path) -> Path:
    window.recovery.directory = tmp_path / "recovery"
    window.recovery.background_elements = 0
    window.recovery.debounce_ms = 50
    return window.recovery.directory


@pytest.fixture
def gate(monkeypatch):
    """Holds the worker inside ``dumps`` until ``release`` is set; ``entered`` says it got there."""
    entered, release = threading.Event(), threading.Event()
    real = recovery.dumps_streamed
    threads: list[str] = []

    def held(topology):
        threads.append(threading.current_thread().name)
        entered.set()
        assert release.wait(10)
        return real(topology)

    monkeypatch.setattr(recovery, "dumps_streamed", held)
    return entered, release, threads


def edit(window, value: float) -> None:
    assert window.editor.set_field(["h1"], "vmm_io_cores", value) is None


def test_the_copy_is_made_in_a_worker_and_matches_the_design(qtbot, window, rdir, rack, gate):
    entered, release, threads = gate
    assert window.open_path(str(rack), ask=False)
    edit(window, 6.0)
    qtbot.waitUntil(entered.is_set, timeout=3000)
    assert window.recovery.background_running()
    assert copies(rdir) == []  # nothing written while the text is being made
    release.set()
    qtbot.waitUntil(lambda: not window.recovery.background_running(), timeout=5000)
    assert threads == ["rackio-autosave"]
    (name,) = copies(rdir)
    assert dumps(load(rdir / name)) == snapshot(window)
    assert (rdir / name).read_text(encoding="utf-8") == dumps(window.document.topology)
    assert (rdir / name).with_suffix(".json").is_file()
    assert window.recovery.writes == 1 and window.document.recovery_key == Path(name).stem


def test_an_edit_while_the_copy_is_made_drops_it_and_the_newest_state_is_written(qtbot, window, rdir, rack, gate):
    entered, release, _threads = gate
    assert window.open_path(str(rack), ask=False)
    edit(window, 6.0)
    qtbot.waitUntil(entered.is_set, timeout=3000)
    edit(window, 7.5)  # the worker's text may hold the old value, or half of each
    release.set()
    qtbot.waitUntil(lambda: window.recovery.overtaken == 1, timeout=5000)
    assert copies(rdir) == []  # the overtaken copy was not written
    qtbot.waitUntil(lambda: window.recovery.writes == 1 and not window.recovery.background_running(), timeout=5000)
    (name,) = copies(rdir)
    assert dumps(load(rdir / name)) == snapshot(window)
    assert load(rdir / name).elements["h1"].vmm_io_cores == 7.5
    assert window.recovery.overtaken == 0


def test_saving_while_the_copy_is_made_leaves_no_copy(qtbot, window, rdir, rack, gate):
    entered, release, _threads = gate
    assert window.open_path(str(rack), ask=False)
    edit(window, 6.0)
    qtbot.waitUntil(entered.is_set, timeout=3000)
    release.set()  # it may now write at any moment: saving must still leave nothing behind
    assert window.file_save()
    qtbot.wait(300)
    assert not window.recovery.background_running()
    assert copies(rdir) == []
    assert list(rdir.glob("*.json")) == []


def test_copies_overtaken_again_and_again_are_then_written_at_once(qtbot, window, rdir, rack, monkeypatch):
    assert window.open_path(str(rack), ask=False)
    window.recovery.overtaken = recovery.MAX_OVERTAKEN
    started = []
    monkeypatch.setattr(recovery, "_AutosaveJob", lambda *args: started.append(args))
    edit(window, 5.0)
    # Overtaken, but the oldest unsaved edit is recent: still handed to a worker, not written here.
    qtbot.waitUntil(lambda: len(started) == 1, timeout=3000)
    assert copies(rdir) == []
    window.recovery._job = None  # the (fake) job never reports back
    window.recovery._unsaved_since -= window.recovery.autosave_seconds() + 1  # ... an interval ago
    edit(window, 6.0)
    qtbot.waitUntil(lambda: copies(rdir) != [], timeout=3000)
    assert len(started) == 1  # this time written in the GUI thread, not handed to a worker
    assert window.recovery.overtaken == 0
    assert dumps(load(rdir / copies(rdir)[0])) == snapshot(window)


def test_a_small_design_is_still_written_in_the_gui_thread(qtbot, window, tmp_path, rack, monkeypatch):
    window.recovery.directory = tmp_path / "recovery"
    window.recovery.debounce_ms = 50
    assert len(MAIL.read_bytes()) and window.open_path(str(rack), ask=False)
    assert len(window.document.topology.elements) <= recovery.BACKGROUND_ELEMENTS
    started = []
    monkeypatch.setattr(recovery, "_AutosaveJob", lambda *args: started.append(args))
    edit(window, 6.0)
    qtbot.waitUntil(lambda: copies(window.recovery.directory) != [], timeout=3000)
    assert started == []


def test_the_copy_waits_for_a_background_solve_to_land(qtbot, window, rdir, rack, monkeypatch):
    assert window.open_path(str(rack), ask=False)
    solving = [True]
    monkeypatch.setattr(window.document, "solve_running", lambda: solving[0])
    edit(window, 6.0)
    qtbot.wait(600)  # the pause ran out long ago: the copy waits while the solve runs
    assert not window.recovery.background_running() and copies(rdir) == []
    solving[0] = False
    qtbot.waitUntil(lambda: copies(rdir) != [] and not window.recovery.background_running(), timeout=5000)
    assert dumps(load(rdir / copies(rdir)[0])) == snapshot(window)
