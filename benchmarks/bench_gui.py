"""Designer responsiveness on a 40-server rack (1 rack × 40 servers × 50 VMs ≈ 4,000 flows).

Prints, as medians over repeated runs:
- re-solve + overlay update + repaint after an edit (target: under one 16 ms frame),
- one drag step of a server (move + cable re-routing + repaint).

Run offscreen: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui.py``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, QStandardPaths  # noqa: E402

QStandardPaths.setTestModeEnabled(True)

from designer.generate import generate  # noqa: E402
from designer.ui.app import make_application, scratch_settings  # noqa: E402
from designer.ui.document import Document  # noqa: E402


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def make_settings() -> QSettings:
    """Throw-away settings for the benchmark's window (never the user's, never a system path)."""
    return scratch_settings()


def main() -> int:
    app = make_application()
    from designer.ui.main_window import MainWindow

    window = MainWindow(make_settings())
    window.resize(1600, 1000)
    window.show()
    topo = generate(1, 40, 50, seed=1)
    start = time.perf_counter()
    window.set_document(Document(topo, parent=window))
    app.processEvents()
    print(f"open a 40-server rack (2,000 VMs) on the canvas: {(time.perf_counter() - start) * 1000:.0f} ms",
          flush=True)
    view, scene, doc = window.view, window.scene, window.document
    server = scene.top_items["r1s20"]
    for zoom_name, setup in (("whole rack in view", view.fit_all),
                             ("100 % zoom", lambda: (view.resetTransform(), view.centerOn(server)))):
        setup()
        app.processEvents()
        solve_ms, paint_ms, total_ms, edit_ms = [], [], [], []
        for i in range(15):
            t0 = time.perf_counter()
            window.editor.set_field(["r1s20"], "vmm_io_cores", 2.0 + (i % 2))  # an edit
            t1 = time.perf_counter()
            solution = doc.solve_now()  # the debounced re-solve, run now; it updates the overlay
            t2 = time.perf_counter()
            app.processEvents()  # the repaint of what changed
            t3 = time.perf_counter()
            edit_ms.append(t1 - t0)
            solve_ms.append(t2 - t1)
            paint_ms.append(t3 - t2)
            total_ms.append(t3 - t1)
        print(f"[{zoom_name}] edit {median_ms(edit_ms):.1f} ms; then re-solve + overlay "
              f"{median_ms(solve_ms):.1f} ms ({solution.flows.n_flows} flows) + repaint {median_ms(paint_ms):.1f} ms "
              f"= {median_ms(total_ms):.1f} ms (target < 16 ms)", flush=True)
        drag = []
        x0, y0 = server.x(), server.y()
        app.processEvents()
        for i in range(30):
            t0 = time.perf_counter()
            server.setPos(x0 + (i % 10) * 20, y0)
            app.processEvents()  # Qt repaints what the move made dirty, as it does on screen
            drag.append(time.perf_counter() - t0)
        server.setPos(x0, y0)
        print(f"[{zoom_name}] drag step of a server (move, re-route its cables, repaint): {median_ms(drag):.1f} ms",
              flush=True)
    doc.undo_stack.setClean()  # the benchmark's edits are not worth a save prompt
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
