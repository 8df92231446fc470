"""Issue 12 §4: replacing the document deletes the old scene and its items.

Before, every open left the previous DesignScene alive as a child of the window (5 scenes
after 4 opens), with its items, timers and signal connections, until the window itself was
destroyed, when all of them went at once."""

from __future__ import annotations

import gc

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

from designer.ui.canvas.scene import DesignScene

from .helpers import MAIL, TWO_RACK


def live_scenes() -> list[DesignScene]:
    gc.unfreeze()  # the window freezes the open design's objects (set_document): list them all
    gc.collect()
    return [obj for obj in gc.get_objects() if isinstance(obj, DesignScene) and shiboken6.isValid(obj)]


def settle() -> None:
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()


def test_replacing_the_document_ten_times_leaves_one_scene(window):
    counts = []
    for round_ in range(10):
        assert window.open_path(str(MAIL if round_ % 2 else TWO_RACK), ask=False, remember=False)
        window.scene.flush()
        settle()
        scenes = live_scenes()
        counts.append((len(scenes), sum(len(s.items()) for s in scenes)))
    assert {n for n, _ in counts} == {1}, counts
    assert window.scene in live_scenes()
    # The items do not pile up: the count after each open is that of the design shown.
    mail_items = {items for n, (_, items) in enumerate(counts) if n % 2}
    rack_items = {items for n, (_, items) in enumerate(counts) if not n % 2}
    assert len(mail_items) == 1 and len(rack_items) == 1, counts
    # New designs too.
    for _ in range(3):
        window.file_new()
        settle()
    assert len(live_scenes()) == 1


def test_the_window_still_works_after_its_scenes_were_replaced(window, qtbot):
    for _ in range(3):
        assert window.open_path(str(MAIL), ask=False, remember=False)
    settle()
    window.scene.select_ids(["h1"])
    assert window.inspector.ids == ["h1"] or window.scene.selected_ids() == ["h1"]
    assert window.editor.set_field(["h1"], "vmm_io_cores", 3.0) is None
    window.edit_undo()
    assert window.document.topology["h1"].vmm_io_cores == 2.0
    window.central_tabs.setCurrentWidget(window.rack_panel)
    qtbot.wait(50)
    window.central_tabs.setCurrentIndex(0)


def test_a_worker_thread_holds_no_reference_to_its_job(qtbot):
    """A job dropped while its worker runs is deleted at once, in the GUI thread; before, the
    worker's closure kept it, so its last reference (and the QObject) died in the worker."""
    import threading
    import weakref

    from designer.ui.analysis.base import BackgroundJob

    release = threading.Event()
    job = BackgroundJob("test")
    results = []
    job.finished.connect(lambda generation, result: results.append(result))
    job.start(lambda cancelled, report: release.wait(5) and "late")
    ref = weakref.ref(job)
    thread = job._thread
    del job
    gc.collect()
    assert ref() is None, "the worker kept the job alive"
    release.set()
    thread.join(5)
    QApplication.processEvents()
    assert results == []

    # A job that lives delivers its result and its progress in the GUI thread.
    job = BackgroundJob("test2")
    seen = []
    job.progress.connect(lambda g, f: seen.append(("progress", f, threading.current_thread() is threading.main_thread())))
    job.finished.connect(lambda g, r: seen.append(("finished", r, threading.current_thread() is threading.main_thread())))
    job.start(lambda cancelled, report: report(0.5) or 42)
    qtbot.waitUntil(lambda: any(k == "finished" for k, _, _ in seen), timeout=5000)
    assert seen == [("progress", 0.5, True), ("finished", 42, True)]


def test_garbage_is_collected_in_the_gui_thread_never_in_a_worker(qtbot):
    """The SIGSEGV's cause: a worker's allocations ran the cyclic GC in the worker, which freed
    unreachable Qt objects there (their timers then fired into freed memory)."""
    import threading

    from designer.ui.analysis.base import GC_INTERVAL_MS, BackgroundJob

    job = BackgroundJob("gc-test")
    assert not gc.isenabled()
    freed_in: list[str] = []

    class Cyclic:
        def __init__(self):
            self.me = self

        def __del__(self):
            freed_in.append(threading.current_thread().name)

    gc.collect()
    Cyclic()  # unreachable at once, but only the cyclic collector can free it

    def allocate(cancelled, report):
        junk = [[i] for i in range(300_000)]  # far past the collector's threshold
        return len(junk)

    job.start(allocate)
    job._thread.join(10)
    assert freed_in == []  # not freed in the worker
    keep = [[i] for i in range(5_000)]  # the GUI thread's own allocations pass the threshold
    qtbot.wait(3 * GC_INTERVAL_MS)  # and the timer collects, here
    del keep
    assert freed_in == [threading.main_thread().name]
