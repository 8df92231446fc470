"""Start the designer window: ``rackio [FILE]``."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtGui import QGuiApplication, QPixmapCache
from PySide6.QtWidgets import QApplication

from .. import __version__

ORGANIZATION = "RackIO"
APPLICATION = "RackIO Designer"
DESKTOP_ID = "io.github.rackio.Designer"


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        QCoreApplication.setOrganizationName(ORGANIZATION)
        QCoreApplication.setApplicationName(APPLICATION)
        QCoreApplication.setApplicationVersion(__version__)
        app = QApplication(argv if argv is not None else [sys.argv[0]])
        QGuiApplication.setDesktopFileName(DESKTOP_ID)
        # Canvas items cache their rendering; a large rack needs more than the 10 MB default.
        QPixmapCache.setCacheLimit(256 * 1024)
    return app  # type: ignore[return-value]


def run(path: str | None = None) -> int:
    app = make_application()
    from .main_window import MainWindow

    window = MainWindow(QSettings())
    window.show()
    if path:
        window.open_path(path, ask=False)
    return app.exec()
