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
from designer.ui.app import make_application  # noqa: E402

OUT = Path(__file__).resolve().parent / "images"


def main() -> int:
    app = make_application()
    from designer.ui.main_window import MainWindow

    OUT.mkdir(exist_ok=True)
    window = MainWindow(QSettings(os.devnull, QSettings.Format.IniFormat))
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
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
