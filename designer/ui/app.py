"""Start the designer window: ``rackio [FILE]``."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtGui import QGuiApplication, QPixmapCache
from PySide6.QtWidgets import QApplication

from .. import __version__

ORGANIZATION = "RackIO"
APPLICATION = "RackIO Designer"
DESKTOP_ID = "io.github.rackio.Designer"


def scratch_settings() -> QSettings:
    """Settings in a new temporary folder, removed at exit: for benchmarks, screenshots and checks,
    which must touch neither the user's settings nor a system path. (Settings "in" /dev/null are
    no way to discard them: QSettings saves by renaming a new file over its own, and as root that
    turns /dev/null into a regular file.)"""
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    folder = tempfile.mkdtemp(prefix="rackio-settings-")
    atexit.register(shutil.rmtree, folder, True)
    return QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        QCoreApplication.setOrganizationName(ORGANIZATION)
        QCoreApplication.setApplicationName(APPLICATION)
        QCoreApplication.setApplicationVersion(__version__)
        app = QApplication(argv if argv is not None else [sys.argv[0]])
        QGuiApplication.setDesktopFileName(DESKTOP_ID)
        from .icons import app_icon

        app.setWindowIcon(app_icon())
        # Canvas items cache their rendering; a large rack needs more than the 10 MB default.
        QPixmapCache.setCacheLimit(256 * 1024)
    return app  # type: ignore[return-value]


def run(path: str | None = None) -> int:
    app = make_application()
    from . import recovery
    from .main_window import MainWindow

    window = MainWindow(QSettings())
    restore_hook = recovery.install_exception_hook(window)
    window.show()
    if path:
        window.open_path(path, ask=False)
    # Once the window is up (and FILE is open), offer what a session that did not end cleanly left.
    QTimer.singleShot(0, window, lambda: recovery.offer_recovery(window))
    try:
        return app.exec()
    finally:
        restore_hook()


def check_gui(path: str | None = None) -> int:
    """``rackio --check-gui [FILE]``: open the real window without a screen, load FILE
    (or the first bundled example), let it solve and paint, check what a packaged
    build must carry (icons, examples, NIC catalogue), close, and say how it went.

    Uses throw-away settings, so the user's preferences and recovery copies are
    never touched. Exit status 0 when everything was there, 1 otherwise.
    """
    import os
    import tempfile
    import time
    from pathlib import Path

    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    started = time.perf_counter()
    app = make_application()
    from ..resources_access import examples, nic_catalogue
    from . import icons
    from .main_window import MainWindow

    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="rackio-check-") as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings)
        window.show()
        if path is None:
            bundled = examples()
            if not bundled:
                failures.append("no bundled example projects")
            path = str(bundled[0]) if bundled else None
        if path is not None:
            from ..fileformat import ProjectFileError, load

            try:
                load(path)  # a file that cannot be read fails here, before a modal dialog could wait for a click
            except (ProjectFileError, OSError) as exc:
                failures.append(f"could not open {path}: {exc}")
                path = None
        if path is not None and not window.open_path(path, ask=False, remember=False):
            failures.append(f"could not open {path}")
        deadline = time.perf_counter() + 1.0
        while time.perf_counter() < deadline:
            app.processEvents()
            if window.isVisible() and window.document is not None and window.document.solution is not None:
                break
        for _ in range(5):
            app.processEvents()
        elements = len(window.document.topology.elements) if window.document is not None else 0
        if path is not None and elements == 0:
            failures.append("the design has no elements")
        if window.scene is None or not window.scene.items():
            failures.append("the canvas is empty")
        if not window.isVisible():
            failures.append("the window did not show")
        names = [icons.APP_ICON, *(f"kind-{k}" for k in icons.KIND_ICONS), *icons.ACTION_ICONS.values()]
        missing = []
        for name in names:
            try:
                if icons.icon(name).pixmap(32, 32).isNull():
                    missing.append(name)
            except KeyError:
                missing.append(name)
        if missing:
            failures.append("icons missing: " + ", ".join(missing))
        if not nic_catalogue():
            failures.append("the NIC catalogue is empty")
        shot = window.grab()
        if shot.isNull() or shot.width() < 100:
            failures.append("the window could not be drawn")
        size = f"{window.width()}×{window.height()}"
        if window.document is not None:
            window.document.undo_stack.setClean()
        window.close()
        app.processEvents()
        settings.sync()
    seconds = time.perf_counter() - started
    if failures:
        print("error: GUI check failed: " + "; ".join(failures), file=sys.stderr)
        return 1
    print(f"GUI check passed: {Path(path).name if path else 'empty design'}, {elements} elements, "
          f"{len(names)} icons, window {size}, {app.platformName()} platform, {seconds:.2f} s")
    return 0
