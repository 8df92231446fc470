"""The designer's icon set: SVGs in resources/icons, drawn crisp at any size and
device pixel ratio, with the outline ink following the light or dark theme.

Every icon is drawn with one ink colour, ``INK`` (#37474f); in the dark theme it is
replaced by ``DARK_INK`` so outlines stay visible on a dark toolbar or palette.
Accent colours (blue, the utilisation greens and reds, the kind fills) never change.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ..resources_access import icon_path
from . import style

INK = "#37474f"
DARK_INK = "#cfd8dc"
APP_ICON = "rackio"
KIND_ICONS = ("network", "switch", "server", "nic", "vf", "vm", "rack")
# Toolbar and menu actions of the main window (attribute name -> icon name).
ACTION_ICONS = {
    "act_new": "document-new",
    "act_open": "document-open",
    "act_save": "document-save",
    "act_undo": "edit-undo",
    "act_redo": "edit-redo",
    "act_zoom_in": "zoom-in",
    "act_zoom_out": "zoom-out",
    "act_fit": "zoom-fit",
    "act_overlay": "overlay",
    "act_export": "export",
    "act_export_diagram": "export",
    "act_preferences": "preferences",
    "act_insert_rack": "kind-rack",
}

_svg_cache: dict[tuple[str, str], bytes] = {}
_icon_cache: dict[tuple[str, str], QIcon] = {}
_engines: list[QIconEngine] = []  # Python-side owners of every engine handed to Qt


def svg_data(name: str, theme: str | None = None) -> bytes:
    """The SVG text of an icon with its ink set for a theme (the current one by default)."""
    theme = theme or style.current_theme()
    key = (name, theme)
    data = _svg_cache.get(key)
    if data is None:
        data = icon_path(name).read_bytes()
        if theme == "dark":
            data = data.replace(INK.encode(), DARK_INK.encode())
        _svg_cache[key] = data
    return data


class SvgIconEngine(QIconEngine):
    """Renders the SVG at exactly the size and device pixel ratio asked for."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = data
        self._renderer = QSvgRenderer(QByteArray(data))

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        painter.save()
        if mode == QIcon.Mode.Disabled:
            painter.setOpacity(0.35)
        self._renderer.render(painter, QRectF(rect))
        painter.restore()

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        scale = max(1.0, float(scale))
        pixmap = QPixmap(QSize(round(size.width() * scale), round(size.height() * scale)))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, QRect(QPoint(0, 0), pixmap.size()), mode, state)
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        return size

    def isNull(self) -> bool:
        return not self._renderer.isValid()

    def clone(self) -> QIconEngine:
        engine = SvgIconEngine(self._data)
        _engines.append(engine)
        return engine

    def key(self) -> str:
        return "rackio-svg"


def icon(name: str, theme: str | None = None) -> QIcon:
    """A named icon for the current (or given) theme; KeyError if it does not exist."""
    theme = theme or style.current_theme()
    key = (name, theme)
    cached = _icon_cache.get(key)
    if cached is None:
        engine = SvgIconEngine(svg_data(name, theme))
        _engines.append(engine)
        cached = QIcon(engine)
        _icon_cache[key] = cached
    return cached


def kind_icon(kind: str) -> QIcon:
    """The icon of an element kind (``network`` … ``vm``, and ``rack``)."""
    return icon(f"kind-{kind}")


def app_icon() -> QIcon:
    """The application icon (theme-independent: it has no ink outline)."""
    return icon(APP_ICON, "light")


def apply_action_icons(window) -> int:
    """Set the icon of every known action the window has; returns how many were set."""
    count = 0
    for attribute, name in ACTION_ICONS.items():
        action = getattr(window, attribute, None)
        if action is not None:
            action.setIcon(icon(name))
            count += 1
    for kind, action in getattr(window, "insert_actions", {}).items():
        action.setIcon(kind_icon(kind))
        count += 1
    return count
