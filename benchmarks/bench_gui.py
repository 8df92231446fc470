"""Designer responsiveness on any project file (docs/performance.md defines every figure).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui.py [FILE] [--json] [--canvas-only]

Without FILE it measures a generated 40-server rack (1 rack × 40 servers × 50 VMs).
``--canvas-only`` hides the analysis plot docks first (what the canvas alone costs).
The window is 1600 × 1000, painted offscreen. Figures (medians unless said):

- ``open_s``: file → loaded → solved → scene built → fitted and painted once;
- ``open_cpu_s``: the CPU time of the process (all its threads) during that open: the steadier
  figure when other work shares the machine;
- ``fit_zoom_step_ms``: one zoom step (×1.25 or ×0.8) at fit, with its repaint;
- ``fit_pan_step_ms``: one 40-pixel pan step at fit, with its repaint;
- ``zoom100_pan_step_ms``: one 40-pixel pan step at 100 % over a server, with its repaint;
- ``max_zoom_step_ms``: the slowest step of a zoom from fit to 100 % and back (every level crossed);
- ``max_pan_step_ms``: the slowest of two 40-pixel pans made at every zoom step from fit to 100 %;
- ``edit_to_overlay_ms``: an edit until its re-solve is drawn (event loop running, as in use);
- ``max_stall_ms``: the longest the event loop went unserved during the edits and their re-solves;
- ``rss_mib``: the process's peak resident memory.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QSettings, QStandardPaths, QTimer  # noqa: E402

QStandardPaths.setTestModeEnabled(True)

from designer.ui.app import make_application  # noqa: E402
from designer.ui.document import Document  # noqa: E402

EDITS = 7


def make_settings() -> QSettings:
    """Throw-away settings for the benchmark window (never the user's, never a system path)."""
    from designer.ui.app import scratch_settings

    return scratch_settings()


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2) if samples else 0.0


def paint(view) -> None:
    view.viewport().repaint()


def progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def idle(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()


def steps(app, view, action, n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        action(i)
        app.processEvents()
        paint(view)
        out.append(time.perf_counter() - t0)
    return out


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    files = [a for a in argv if not a.startswith("--")]
    app = make_application()
    from designer.ui.main_window import MainWindow

    settings_dir = tempfile.mkdtemp(prefix="rackio-bench-")  # the generated design goes here
    window = MainWindow(make_settings())
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    if files:
        path = files[0]
    else:
        from designer.fileformat import save
        from designer.generate import generate

        path = os.path.join(settings_dir, "rack-40.rackio")
        save(generate(1, 40, 50, seed=1), path)

    start = time.perf_counter()
    cpu_start = time.process_time()
    window.set_document(Document.open(path, parent=window))
    doc = window.document
    while doc.solve_running():
        app.processEvents()
    app.processEvents()
    window.view.fit_all()
    paint(window.view)
    open_s = time.perf_counter() - start
    open_cpu_s = time.process_time() - cpu_start

    progress(f"opened in {open_s:.2f} s")
    view, scene = window.view, window.scene
    figures: dict[str, float | int | str] = {"file": os.path.basename(path), "open_s": round(open_s, 3),
                                                  "open_cpu_s": round(open_cpu_s, 3)}
    if "--canvas-only" in argv:
        # Without the analysis plots: what the canvas itself costs.
        for dock in getattr(getattr(window, "analysis", None), "docks", {}).values():
            dock.hide()
        figures["canvas_only"] = True
    idle(app, 1.5)  # the plots' follow-up and the first lazy work settle, as after any open
    view.fit_all()
    app.processEvents()
    figures["fit_zoom_step_ms"] = median_ms(steps(app, view, lambda i: view.zoom_by(1.25 if i % 2 else 0.8), 12))
    bar = view.horizontalScrollBar()
    figures["fit_pan_step_ms"] = median_ms(steps(app, view, lambda i: bar.setValue(bar.value() + (40 if i % 2 else -40)), 12))

    servers = [e.id for e in doc.topology.elements.values() if e.KIND == "server"]
    target = servers[len(servers) // 2] if servers else None
    # From fit to 100 % and back in wheel-sized steps: every level of detail is crossed.
    view.fit_all()
    fit_zoom = view.zoom_factor()
    if target is not None:
        view.centerOn(scene.element_item(target))
    zooms = []
    pans = []
    factor = 1.25
    while view.zoom_factor() * factor <= 1.0:
        zooms += steps(app, view, lambda i: view.zoom_by(factor), 1)
        # Two pans at every level on the way (the first one after a zoom step, as in use).
        pans += steps(app, view, lambda i: bar.setValue(bar.value() + (40 if i % 2 else -40)), 2)
        progress(f"zoom {view.zoom_factor():.3f}: {zooms[-1] * 1000:.0f} ms, pans {pans[-2] * 1000:.0f}"
                 f" / {pans[-1] * 1000:.0f} ms")
    view.reset_zoom()
    if target is not None:
        view.centerOn(scene.element_item(target))
    app.processEvents()
    paint(view)
    figures["zoom100_pan_step_ms"] = median_ms(steps(app, view, lambda i: bar.setValue(bar.value() + (40 if i % 2 else -40)), 12))
    while view.zoom_factor() * 0.8 >= fit_zoom:
        before = view.zoom_factor()
        zooms += steps(app, view, lambda i: view.zoom_by(0.8), 1)
        progress(f"zoom {view.zoom_factor():.3f}: {zooms[-1] * 1000:.0f} ms")
        if view.zoom_factor() >= before:
            break  # at the view's smallest zoom
    figures["max_zoom_step_ms"] = round(max(zooms) * 1000, 2) if zooms else 0.0
    figures["max_pan_step_ms"] = round(max(pans) * 1000, 2) if pans else 0.0
    view.fit_all()
    app.processEvents()

    # Edits with the event loop running, as in use: a 5 ms timer measures how long it waits.
    stall = {"max": 0.0}
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        stall["max"] = max(stall["max"], (now - last[0]) / 1e6)
        last[0] = now

    ticker = QTimer()
    ticker.setInterval(5)
    ticker.timeout.connect(tick)
    edit_ms = []
    if target is not None:
        ticker.start()
        for i in range(EDITS):
            solved = []
            doc.solved.connect(solved.append)
            t0 = time.perf_counter()
            last[0] = clock.nsecsElapsed()
            window.editor.set_field([target], "vmm_io_cores", 2.0 + (i % 2) * 0.5)
            while not solved and time.perf_counter() - t0 < 60:
                app.processEvents()
            app.processEvents()
            paint(view)
            edit_ms.append(time.perf_counter() - t0)
            progress(f"edit {i}: {edit_ms[-1] * 1000:.0f} ms, stall so far {stall['max']:.0f} ms")
            doc.solved.disconnect(solved.append)
            # Let the loop idle a little between edits (a user does not type at 1 kHz).
            t1 = time.perf_counter()
            while time.perf_counter() - t1 < 0.05:
                app.processEvents()
        ticker.stop()
    figures["edit_to_overlay_ms"] = median_ms(edit_ms)
    figures["max_stall_ms"] = round(stall["max"], 1)
    figures["rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["flows"] = int(doc.solution.flows.n_flows) if doc.solution is not None else 0
    doc.undo_stack.setClean()  # the benchmark's edits are not worth a save prompt
    window.close()
    if as_json:
        print(json.dumps(figures), flush=True)
    else:
        for key, value in figures.items():
            print(f"{key}: {value}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
