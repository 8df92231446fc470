"""Can Qt's X11 platform plugin load here? Asked before any Qt module is imported, so that a
machine without Qt's xcb libraries gets one ``error:`` line naming them and the command that
installs them, instead of Qt's "could not load the Qt platform plugin" abort (exit 134).

Qt-free: the plugin's dependencies are read with ``ldd``. Only on Linux, only when the platform
will be xcb (``QT_QPA_PLATFORM`` unset or ``xcb``); where ``ldd`` or the plugin cannot be found
nothing is claimed.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

# The shared libraries PySide6's libqxcb.so needs (``ldd``) beyond a bare Debian 12, and the
# Debian package that brings each. The Makefile's QT_X11_PACKAGES installs the same list.
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}


def xcb_plugin() -> Path | None:
    """PySide6's X11 platform plugin, found without importing Qt."""
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        plugin = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def will_use_xcb(environ=None, platform: str | None = None) -> bool:
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0] == "xcb"
    return not environ.get("WAYLAND_DISPLAY")  # Qt's default on Linux, unless in a Wayland session


def missing_from_ldd(output: str) -> list[str]:
    """The libraries ``ldd`` could not find ("libfoo.so.1 => not found"), each once, in order."""
    missing: list[str] = []
    for line in output.splitlines():
        name, sep, where = line.strip().partition("=>")
        if sep and where.strip() == "not found" and name.strip() not in missing:
            missing.append(name.strip())
    return missing


def run_ldd(plugin: Path) -> str | None:
    try:
        proc = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=20,
                              env={**os.environ, "LC_ALL": "C"})
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout


def missing_libraries(plugin: Path | None = None, ldd=None) -> list[str]:
    """The xcb plugin's libraries this machine lacks; [] when all are there or it cannot tell."""
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return []
    output = (ldd or run_ldd)(plugin)
    return missing_from_ldd(output) if output else []


def packages_for(libraries: list[str]) -> list[str]:
    out: list[str] = []
    for lib in libraries:
        package = DEBIAN_PACKAGES.get(lib)
        if package and package not in out:
            out.append(package)
    return out


def display_problem(environ=None) -> str | None:
    """Why the X display in DISPLAY cannot be used (no server there, not allowed), or None.
    Asked with libxcb itself, as Qt would; where libxcb cannot be loaded nothing is claimed."""
    environ = os.environ if environ is None else environ
    display = environ.get("DISPLAY")
    if not display:
        return None
    try:
        lib = ctypes.CDLL("libxcb.so.1")
        lib.xcb_connect.restype = ctypes.c_void_p
        lib.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
        lib.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
        lib.xcb_disconnect.argtypes = [ctypes.c_void_p]
    except (OSError, AttributeError):
        return None
    connection = lib.xcb_connect(os.fsencode(display), None)
    failed = lib.xcb_connection_has_error(connection)
    lib.xcb_disconnect(connection)
    if not failed:
        return None
    return (f"cannot open the designer window: cannot connect to the X display {display!r} "
            "(is an X server running there, and may this user use it?)")


def problem(environ=None, platform: str | None = None, plugin: Path | None = None, ldd=None,
            check_display: bool = True) -> str | None:
    """One sentence saying why the designer window cannot open here, or None."""
    if not will_use_xcb(environ, platform):
        return None
    missing = missing_libraries(plugin, ldd)
    if not missing:
        return display_problem(environ) if check_display else None
    packages = packages_for(missing)
    unknown = [lib for lib in missing if lib not in DEBIAN_PACKAGES]
    how = f"install them with: sudo apt-get install {' '.join(packages)}" if packages else \
        "install the packages that provide them"
    if packages and unknown:
        how += f" (and whatever provides {', '.join(unknown)})"
    return (f"cannot open the designer window: Qt's X11 platform plugin needs {', '.join(missing)}, "
            f"which {'is' if len(missing) == 1 else 'are'} not installed; {how} "
            "(or `make system-deps` in a source checkout)")


def render_headless_if_needed(environ=None) -> None:
    """For drawing files (export, sweep PNG) no screen is needed: without a display, or where the
    X11 plugin cannot load, render with Qt's offscreen platform instead of letting Qt abort."""
    environ = os.environ if environ is None else environ
    if environ.get("QT_QPA_PLATFORM") or not sys.platform.startswith("linux"):
        return
    if not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")) or problem(environ):
        environ["QT_QPA_PLATFORM"] = "offscreen"


if __name__ == "__main__":  # pragma: no cover - `python -m designer.qt_platform`: what is missing
    print(" ".join(packages_for(missing_libraries())))
