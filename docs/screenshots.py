"""Regenerate the screenshots used by the README and the user guide, so they never go stale.

Run from the repository root: ``make screenshots`` (offscreen; no display needed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, QStandardPaths  # noqa: E402

QStandardPaths.setTestModeEnabled(True)

from designer.resources_access import example  # noqa: E402
from designer.ui.app import make_application, scratch_settings  # noqa: E402

OUT = Path(__file__).resolve().parent / "images"


def make_settings() -> QSettings:
    """Throw-away settings for the screenshot window (never the user's, never a system path)."""
    return scratch_settings()


def analysis_screenshots(app, window) -> None:
    """The analysis plots of the mail-rack example, as their own PNG export draws them."""
    import time

    window.open_path(str(example("mail-rack.rackio")), ask=False)
    analysis = window.analysis
    for key in ("utilisation", "vmm", "guarantees", "sweep"):
        analysis.docks[key].raise_()
        panel = analysis.panels[key]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not panel.isVisible() or
                                               (key == "sweep" and (panel.job.running() or panel.result is None))):
            app.processEvents()
            time.sleep(0.01)
        dock = analysis.docks[key]
        dock.setFloating(True)  # a proposal-sized picture, whatever the window's layout
        dock.resize(1100, 480)
        for _ in range(10):
            app.processEvents()
        path = OUT / f"analysis-{key}.png"
        panel.export_png(str(path))
        dock.setFloating(False)
        print(f"wrote {path}")
    window.problems_dock.raise_()


def theme_screenshots(app, window) -> None:
    """The same view in the dark theme, and the Preferences dialog; then back to light."""
    prefs = window.preferences
    prefs.set_value("prefs/theme", "dark")
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(OUT / "designer-mail-rack-dark.png"))
    print(f"wrote {OUT / 'designer-mail-rack-dark.png'}")
    prefs.set_value("prefs/theme", "system")  # light here: offscreen has no desktop colour scheme
    dialog = prefs.show_dialog()
    for _ in range(5):
        app.processEvents()
    dialog.grab().save(str(OUT / "preferences.png"))
    print(f"wrote {OUT / 'preferences.png'}")
    dialog.close()
    prefs.restore_defaults()
    for _ in range(3):
        app.processEvents()


def main() -> int:
    app = make_application()
    from designer.ui.main_window import MainWindow

    OUT.mkdir(exist_ok=True)
    window = MainWindow(make_settings())
    window.resize(1600, 1000)
    window.show()
    for _ in range(3):
        app.processEvents()
    window.open_path(str(example("mail-rack.rackio")), ask=False)
    for _ in range(5):
        app.processEvents()
    window.view.fit_all()
    window.scene.select_ids(["mail"])
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(OUT / "designer-mail-rack.png"))
    print(f"wrote {OUT / 'designer-mail-rack.png'}")
    theme_screenshots(app, window)

    # The Rack tab with the two-rack example, a host selected (selected on the canvas too).
    # Taller, without the bottom docks (the example has no problems), so the 42 U racks are legible.
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget

    window.open_path(str(example("two-rack-proposal.rackio")), ask=False)
    bottom = [d for d in window.findChildren(QDockWidget)
              if d.isVisible() and window.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea]
    for dock in bottom:
        dock.hide()
    window.resize(1500, 1250)
    window.rack_panel.show_rack_view()
    for _ in range(5):
        app.processEvents()
    window.rack_panel.view.fit_all()
    window.scene.select_ids(["r1s3"])
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(OUT / "rack-view.png"))
    print(f"wrote {OUT / 'rack-view.png'}")
    for dock in bottom:
        dock.show()
    window.resize(1600, 1000)
    window.rack_panel.show_topology_view()
    analysis_screenshots(app, window)
    export_images()
    window.close()
    return 0


def export_images() -> None:
    """A diagram export of the mail-rack example, as File → Export Diagram… writes it."""
    from designer.fileformat import load
    from designer.solver import solve
    from designer.ui.render import ExportOptions, export_file

    topo = load(example("mail-rack.rackio"))
    target = OUT / "export-mail-rack.png"
    export_file(target, topo, solve(topo), ExportOptions(width_px=1400, author="Infrastructure team"))
    print(f"wrote {target}")


if __name__ == "__main__":
    sys.exit(main())
