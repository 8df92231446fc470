"""Graphics items of the design canvas.

Top-level items (network, switch, server) are movable; a server draws what it
contains — NICs with their port sockets and VF chips along its top edge, the
VMM's vSwitch in the middle, guests below and a footer with the VMM gauge — and
rebuilds those child items whenever anything inside it changes. Direct paths
(VF, passthrough) run from a guest to its device across the vSwitch; software
paths (paravirtual, emulated) end on the vSwitch, which a bus joins to the port.
Where every line runs comes from designer.diagram.routing; the items draw the
polylines with rounded bends.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsPathItem,
    QStyleOptionGraphicsItem,
)

from ...layout import (
    CHIP_GAP,
    CHIP_H,
    CHIP_W,
    FOOTER_H,
    NETWORK_H,
    NETWORK_W,
    NIC_GAP,
    NIC_TITLE_H,
    PAD,
    PORT_COL_W,
    SOCKET_R,
    SWITCH_H,
    SWITCH_W,
    VM_GAP,
    VM_H,
    VM_ROW,
    VM_W,
    VSWITCH_H,
    nic_size,
    server_layout,
)
from ...diagram.routing import Box, GuestGrid, Target, route_attachment, vswitch_bus
from ...model.elements import VM, Network, Nic, Server, Switch, VirtualFunction
from ...model.topology import Topology
from .. import style

HANDLE_R = 6.0


def _font(size: float = 9.0, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(size)
    font.setBold(bold)
    return font


def _elide(text: str, width_chars: int) -> str:
    return text if len(text) <= width_chars else text[: max(1, width_chars - 1)] + "…"


def _draw_elided(painter: QPainter, rect: QRectF, flags, text: str, band: QRectF | None = None) -> None:
    """Draw a label on one line in the rectangle; one that is too long shrinks, then wraps
    within ``band`` (default: the rectangle), so that the name is printed whole. An export
    (``fitted_labels``) goes down to MIN_LABEL_PT / FLOOR_LABEL_PT; the canvas to 70 % of
    the label's size (a guest's name: 8 px at 100 %), and only a label longer than the
    band holds at that size ends in "…"."""
    metrics = QFontMetricsF(painter.font())
    if metrics.horizontalAdvance(text) <= rect.width():
        painter.drawText(rect, flags, text)
        return
    if _FIT_LABELS[0]:
        _draw_fitted(painter, rect, flags, text, band or rect)
        return
    floor = painter.font().pointSizeF() * 0.7  # 8 px on screen at 100 % for the guests' names
    _draw_fitted(painter, rect, flags, text, band or rect, floor, floor)


_PIXEL_FONTS: dict[tuple[int, bool], tuple[QFont, QFontMetricsF]] = {}


def _pixel_font(pixels: int, bold: bool) -> tuple[QFont, QFontMetricsF]:
    key = (pixels, bold)
    found = _PIXEL_FONTS.get(key)
    if found is None:
        font = QFont()
        font.setPixelSize(pixels)
        font.setBold(bold)
        found = _PIXEL_FONTS[key] = (font, QFontMetricsF(font))
    return found


_ADVANCES: dict[tuple[str, int, bool], float] = {}


def text_advance(text: str, pixels: int, bold: bool) -> float:
    """``horizontalAdvance`` of ``text`` in the pixel font, remembered: zooming measures the
    same names and lines at the same whole pixel sizes step after step."""
    key = (text, pixels, bold)
    found = _ADVANCES.get(key)
    if found is None:
        if len(_ADVANCES) > 200_000:  # names of an edited design come and go: start afresh
            _ADVANCES.clear()
        found = _ADVANCES[key] = _pixel_font(pixels, bold)[1].horizontalAdvance(text)
    return found


_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class DeviceText:
    """Text drawn in device space at a size given in screen pixels (at 96 dpi).

    Zoomed far out, a font sized in scene units would be hundreds of points, which Qt
    lays out slowly; this sets the painter back to device coordinates for each string and
    uses an ordinary pixel size, the same on the canvas and in exports (whose devices
    report their own dpi)."""

    def __init__(self, painter: QPainter) -> None:
        self.transform = painter.worldTransform()
        device = painter.device()
        self.dpi = float(device.logicalDpiY()) if device is not None and device.logicalDpiY() > 0 else 96.0
        self.scale = QStyleOptionGraphicsItem.levelOfDetailFromTransform(self.transform) * 96.0 / self.dpi

    def draw(self, painter: QPainter, rect: QRectF, text: str, px: float, color, bold: bool = False,
             flags=_LEFT) -> None:
        self.draw_all(painter, [(rect, text, px, color, bold, flags, None)])

    def draw_all(self, painter: QPainter, texts: list) -> None:
        """``draw`` for each of ``texts`` — (rect, text, px, colour, bold, flags, clip or
        None) — with the painter set to device space once for them all."""
        painter.save()
        painter.resetTransform()
        transform = self.transform
        for rect, text, px, color, bold, flags, clip in texts:
            font, shown = self.prepare(rect, text, px, bold)
            painter.setFont(font)
            painter.setPen(color)
            if clip is None:
                painter.drawText(transform.mapRect(rect), flags, shown)
                continue
            painter.save()
            painter.setClipRect(transform.mapRect(clip), Qt.ClipOperation.IntersectClip)
            painter.drawText(transform.mapRect(rect), flags, shown)
            painter.restore()
        painter.restore()

    def prepare(self, rect: QRectF, text: str, px: float, bold: bool = False) -> tuple[QFont, str]:
        """The font and the text ``draw`` writes in ``rect`` (cut with "…" where it does not
        fit, or in an export a smaller font): a rack block lays its lines out once per zoom."""
        width = self.transform.mapRect(rect).width()
        pixels = max(1, round(px * self.dpi / 96.0))
        font, metrics = _pixel_font(pixels, bold)
        advance = text_advance(text, pixels, bold)
        if _FIT_LABELS[0] and width > 0 and advance > width:
            # An export prints the name whole, smaller, rather than cut with "…".
            pixels = max(1, int(pixels * width / advance))
            font, metrics = _pixel_font(pixels, bold)
            advance = text_advance(text, pixels, bold)
        if advance + 1.0 <= width:  # clearly fits: what elidedText would give back
            return font, text
        return font, metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)


def fit_lines(text: str, width: float, height: float, max_px: float, min_px: float,
              bold: bool) -> tuple[int, list[str]] | None:
    """The largest whole pixel size from ``max_px`` down to ``min_px`` at which ``text``
    fits a ``width`` × ``height`` pixel box on one line, or else wrapped between words,
    and its lines; None when it fits at no such size (a name is never cut)."""
    words = text.split()
    if not words or width <= 0 or height <= 0:
        return None
    low = max(1, math.ceil(min_px - 1e-9))
    # On one line if it fits at any size; wrapped only when it does not.
    for px in range(int(max_px), low - 1, -1):
        _font_px, metrics = _pixel_font(px, bold)
        if metrics.height() <= height and text_advance(text, px, bold) <= width:
            return px, [text]
    px = int(max_px)
    while px >= low:
        _font_px, metrics = _pixel_font(px, bold)
        if metrics.height() > height:
            px -= 1
            continue
        lines: list[str] = []
        for word in words:
            if text_advance(word, px, bold) > width:
                lines = []
                break
            if lines and text_advance(lines[-1] + " " + word, px, bold) <= width:
                lines[-1] += " " + word
            else:
                lines.append(word)
        if lines and len(lines) * metrics.lineSpacing() <= height:
            return px, lines
        px -= 1
    return None


def _far_title(painter: QPainter, rect: QRectF, title: str) -> tuple[int, list[str]] | None:
    """Zoomed out, a box shows only its name, whole, as large as fits (from 14 down to
    8 px on screen; wrapped between words when one line does not fit at 8 px).
    None when the box is near enough for its detailed text (the caller draws that);
    otherwise the size and lines drawn ((0, []) when even 8 px does not fit: no name)."""
    text = DeviceText(painter)
    if text.scale >= 0.75:
        return None
    target = text.transform.mapRect(rect)
    ratio = text.dpi / 96.0
    floor = 1.0 if _FIT_LABELS[0] else MIN_TEXT_PX  # an export prints the name at any size
    found = fit_lines(title, target.width(), target.height(), 14.0 * ratio, floor * ratio, True)
    if found is None:
        return 0, []
    pixels, lines = found
    font, metrics = _pixel_font(pixels, True)
    painter.save()
    painter.resetTransform()
    painter.setFont(font)
    painter.setPen(style.current().text)
    block = len(lines) * metrics.lineSpacing()
    y = target.center().y() - block / 2
    for line in lines:
        painter.drawText(QRectF(target.left(), y, target.width(), metrics.lineSpacing()),
                         Qt.AlignmentFlag.AlignCenter, line)
        y += metrics.lineSpacing()
    painter.restore()
    return pixels, lines


# An export prints every label whole: on one line down to MIN_LABEL_PT, then wrapped
# over the label's band at the largest size that fits it (never below FLOOR_LABEL_PT).
_FIT_LABELS = [False]
MIN_LABEL_PT = 5.0
FLOOR_LABEL_PT = 3.5


@contextmanager
def fitted_labels():
    """While painting an export: labels that do not fit shrink, then wrap, instead of ending in …."""
    previous = _FIT_LABELS[0]
    _FIT_LABELS[0] = True
    try:
        yield
    finally:
        _FIT_LABELS[0] = previous


def _draw_fitted(painter: QPainter, rect: QRectF, flags, text: str, band: QRectF,
                 min_pt: float = MIN_LABEL_PT, floor_pt: float = FLOOR_LABEL_PT) -> None:
    original = painter.font()
    font = QFont(original)
    width = QFontMetricsF(original).horizontalAdvance(text)
    one_line = original.pointSizeF() * 0.98 * rect.width() / max(width, 1e-9)
    wrap = int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
    font.setPointSizeF(max(one_line, 0.5))
    while one_line >= min_pt and QFontMetricsF(font).horizontalAdvance(text) > rect.width():
        one_line -= 0.1  # glyph widths do not scale exactly with the size (hinting)
        font.setPointSizeF(max(one_line, 0.5))
    if one_line >= min_pt:
        painter.setFont(font)
        painter.drawText(rect, flags, text)
    else:
        size = min_pt
        while True:
            font.setPointSizeF(size)
            metrics = QFontMetricsF(font)
            height = metrics.boundingRect(QRectF(0, 0, band.width(), 1e4), wrap, text).height()
            words = max((metrics.horizontalAdvance(w) for w in text.split()), default=0.0)
            if words > band.width():
                height = float("inf")  # a word wider than the band would be cut: not whole
            if height <= band.height() or size <= floor_pt:
                break
            size = max(floor_pt, size - 0.25)
        painter.setFont(font)
        if height <= band.height():
            painter.drawText(band, wrap, text)
        else:  # longer than the band holds even at the floor size
            lines = max(1, int(band.height() // metrics.lineSpacing()))
            layout_w = band.width() * lines
            painter.drawText(band, wrap, metrics.elidedText(text, Qt.TextElideMode.ElideRight, layout_w * 0.95))
    painter.setFont(original)


def _detail(painter: QPainter, option) -> float:
    """How many device pixels a scene unit covers; below ~0.45 text is unreadable and skipped."""
    return QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())


LOW_DETAIL = 0.45


_POSITION_CHANGE = QGraphicsItem.GraphicsItemChange.ItemPositionChange
_POSITION_CHANGED = QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged
_SELECTED_CHANGED = QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged
CACHE = QGraphicsItem.CacheMode.DeviceCoordinateCache
NO_CACHE = QGraphicsItem.CacheMode.NoCache

# Levels of detail (designer/ui/canvas/lod.py decides which applies where).
DETAIL, SUMMARY, HIDDEN = "detail", "summary", "hidden"
MIN_TEXT_PX = 8.0  # no text smaller than this on screen
MAX_SUMMARY_PX = 13.0
COLLAPSED_H = 120.0  # a server collapsed by hand
TOGGLE = 16.0


def _is_top(item: QGraphicsItem) -> bool:
    """A top-level element: no parent, or only a rack's layer (which sits at the origin)."""
    parent = item.parentItem()
    return parent is None or getattr(parent, "is_layer", False)


class RackLayer(QGraphicsItem):
    """Holds a rack's servers and the cables inside the rack, so that one opacity change
    stops or starts drawing all of them when the rack turns into a block and back. It
    stays at the origin: its children's positions are scene positions."""

    is_layer = True

    def __init__(self, rack_id: str) -> None:
        super().__init__()
        self.rack_id = rack_id
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.setZValue(0.5)

    def boundingRect(self) -> QRectF:
        return QRectF()

    def paint(self, painter, option, widget=None) -> None:
        return None


class ElementItem(QGraphicsObject):
    """Base for every item standing for a model element."""

    kind = ""

    def __init__(self, element_id: str, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        # Painted once into a pixmap and reused while dragged or scrolled, so
        # moving a server with fifty guests costs no Python painting at all.
        self.setCacheMode(CACHE)
        self.element_id = element_id
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setAcceptHoverEvents(True)
        self.overlay_tip = ""
        self.base_tip = ""

    def refresh_tooltip(self) -> None:
        self.setToolTip("\n".join(t for t in (self.base_tip, self.overlay_tip) if t))

    def itemChange(self, change, value):
        # Top-level items snap to the grid while dragged and drag their cables along. (Qt
        # asks on every opacity, cache or flag change too: a zoom across a level asks
        # hundreds of times, so the changes are compared with module constants.)
        if change == _POSITION_CHANGE and _is_top(self):
            scene = self.scene()
            if scene is not None and getattr(scene, "snap_to_grid", False):
                grid = scene.grid_size
                return QPointF(round(value.x() / grid) * grid, round(value.y() / grid) * grid)
        if change == _POSITION_CHANGED and _is_top(self):
            scene = self.scene()
            if scene is not None and hasattr(scene, "item_moved"):
                scene.item_moved(self.element_id)
        return super().itemChange(change, value)

    def selection_pen(self, pen: QPen) -> QPen:
        if self.isSelected() or getattr(self, "marked", False):
            pen = QPen(style.current().selection, max(2.5, pen.widthF() + 1.0))
        return pen


class Connector:
    """Mixin for the small circles a connection drag starts from: lit while hovered."""

    hovered = False

    def connector_anchor(self) -> QPointF:  # scene position where a drag line starts
        return self.scenePos()  # type: ignore[attr-defined]

    def hoverEnterEvent(self, event) -> None:
        self.hovered = True
        self.update()  # type: ignore[attr-defined]

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = False
        self.update()  # type: ignore[attr-defined]


# --------------------------------------------------------------------- top level
class NetworkItem(ElementItem):
    kind = "network"
    W, H = NETWORK_W, NETWORK_H

    def __init__(self, network: Network) -> None:
        super().__init__(network.id)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges, True)
        self.setZValue(2)
        self.handle = HandleItem(self, QPointF(self.W / 2, self.H))
        self.far_title: tuple[int, list[str]] | None = None  # the name as last drawn zoomed out
        self.update_from(network)

    def update_from(self, network: Network) -> None:
        self.title = network.label or network.id
        self.subtitle = network.id if network.label else "network"
        self.base_tip = f"Network {network.id}" + (f" — {network.label}" if network.label else "")
        self.refresh_tooltip()
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(-3, -3, self.W + 6, self.H + 6)

    def title_rect(self) -> QRectF:
        """Where the name goes when zoomed out: the ellipse's middle band (a two-line name
        is narrower at its top and bottom, where the ellipse is)."""
        return QRectF(12, 4, self.W - 24, self.H - 8)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QRectF(0, 0, self.W, self.H))
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self.selection_pen(QPen(style.current().outline, 1.5)))
        painter.setBrush(style.current().kind_colors["network"])
        painter.drawEllipse(QRectF(0, 0, self.W, self.H))
        far = _far_title(painter, self.title_rect(), self.title)
        self.far_title = far
        if far is not None:
            return
        painter.setPen(style.current().text)
        painter.setFont(_font(10, True))
        _draw_elided(painter, QRectF(12, 14, self.W - 24, 22), Qt.AlignmentFlag.AlignCenter, self.title)
        painter.setFont(_font(8))
        painter.setPen(style.current().muted_text)
        painter.drawText(QRectF(8, 36, self.W - 16, 18), Qt.AlignmentFlag.AlignCenter, _elide(self.subtitle, 26))



class SwitchItem(ElementItem):
    kind = "switch"
    W, H = SWITCH_W, SWITCH_H

    def __init__(self, switch: Switch) -> None:
        super().__init__(switch.id)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges, True)
        self.setZValue(2)
        self.ports_used = 0
        self.handle = HandleItem(self, QPointF(self.W / 2, 0))
        self.far_title: tuple[int, list[str]] | None = None  # the name as last drawn zoomed out
        self.update_from(switch)

    def update_from(self, switch: Switch) -> None:
        self.title = switch.label or switch.id
        self.detail = f"{switch.id} · {switch.ports}×{switch.port_gbps:g}G"
        self.ports = switch.ports
        self.base_tip = f"Switch {switch.id}: {switch.ports} ports × {switch.port_gbps:g} Gbit/s"
        self.refresh_tooltip()
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(-3, -3, self.W + 6, self.H + 6)

    def title_rect(self) -> QRectF:
        """Where the name goes when zoomed out: above the port strip."""
        return QRectF(8, 2, self.W - 16, self.H - 18)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self.selection_pen(QPen(style.current().outline, 1.5)))
        painter.setBrush(style.current().kind_colors["switch"])
        painter.drawRoundedRect(QRectF(0, 0, self.W, self.H), 6, 6)
        # Port strip: the share of cells filled is the share of ports in use.
        cells = 12
        filled = math.ceil(cells * min(1.0, self.ports_used / self.ports)) if self.ports > 0 else 0
        over = self.ports_used > self.ports
        cell_w = (self.W - 24) / cells
        for i in range(cells):
            painter.setPen(QPen(style.current().muted_text, 1))
            painter.setBrush(style.current().error_color if over and i < filled else
                             style.current().plug if i < filled else Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(12 + i * cell_w, self.H - 14, cell_w - 3, 7))
        far = _far_title(painter, self.title_rect(), self.title)
        self.far_title = far
        if far is not None:
            return
        painter.setPen(style.current().text)
        painter.setFont(_font(10, True))
        _draw_elided(painter, QRectF(10, 6, self.W - 20, 20), Qt.AlignmentFlag.AlignCenter, self.title)
        painter.setFont(_font(8))
        painter.setPen(style.current().error_color if over else style.current().muted_text)
        painter.drawText(QRectF(10, 24, self.W - 20, 16), Qt.AlignmentFlag.AlignCenter,
                         _elide(f"{self.detail} · {self.ports_used}/{self.ports} used", 44))


class HandleItem(Connector, QGraphicsItem):
    """A small circle on a switch, network or VM: drag from it to connect."""

    def __init__(self, owner: QGraphicsItem, center: QPointF) -> None:
        super().__init__(owner)
        self.owner = owner
        self.setCacheMode(CACHE)
        self.setPos(center)
        self.setZValue(5)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.hovered = False
        self.setToolTip("Drag from here to connect")

    @property
    def element_id(self) -> str:
        return self.owner.element_id  # type: ignore[attr-defined]

    def boundingRect(self) -> QRectF:
        r = HANDLE_R + 2
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(style.current().outline, 1.2))
        painter.setBrush(style.current().selection if self.hovered else style.current().surface)
        painter.drawEllipse(QPointF(0, 0), HANDLE_R, HANDLE_R)



# ------------------------------------------------------------------ in a server
@dataclass
class VmOverlay:
    tx_rate: float = 0.0
    tx_demand: float = 0.0
    rx_rate: float = 0.0
    rx_demand: float = 0.0
    floor: float = 0.0
    floor_met: bool = True
    has_flows: bool = False
    floor_unenforced: bool = False  # a VF minimum its NIC's driver cannot enforce (SPEC §9)

    @property
    def throttled(self) -> bool:
        return self.tx_rate + self.rx_rate < self.tx_demand + self.rx_demand - 1e-6


class PortItem(Connector, QGraphicsItem):
    """A NIC port socket; cables start here."""

    def __init__(self, nic_item: "NicItem", nic_id: str, port: int, center: QPointF) -> None:
        super().__init__(nic_item)
        self.nic_id = nic_id
        self.port = port
        self.setCacheMode(CACHE)
        self.setPos(center)
        self.setZValue(6)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.wired = False
        self.color: QColor | None = None
        self.hovered = False

    @property
    def element_id(self) -> str:
        return self.nic_id

    @property
    def end(self) -> str:
        return f"{self.nic_id}:{self.port}"

    def boundingRect(self) -> QRectF:
        r = SOCKET_R + 2
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(style.current().outline, 1.5))
        fill = self.color if (self.wired and self.color is not None) else style.current().surface
        if self.hovered:
            fill = style.current().selection
        painter.setBrush(fill)
        painter.drawEllipse(QPointF(0, 0), SOCKET_R, SOCKET_R)
        painter.setBrush(style.current().plug if self.wired else style.current().unplugged)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QPointF(0, 0), 2.5, 2.5)



class VfItem(ElementItem):
    kind = "vf"

    def __init__(self, vf: VirtualFunction, parent: QGraphicsItem, rect: QRectF, short: str) -> None:
        super().__init__(vf.id, parent)
        self.rect = rect
        self.short = short
        self.used = False
        self.min_gbps = vf.min_gbps
        self.setZValue(4)
        self.base_tip = (f"VF {vf.id} on port {vf.port}"
                         + (f", guaranteed {vf.min_gbps:g} Gbit/s" if vf.min_gbps else "")
                         + (f", capped at {vf.max_gbps:g} Gbit/s" if vf.max_gbps else ""))
        self.refresh_tooltip()

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self.selection_pen(QPen(style.MODE_COLORS["vf"], 1.2)))
        painter.setBrush(style.current().kind_colors["vf"] if self.used else style.current().surface)
        painter.drawRoundedRect(self.rect, 3, 3)
        if _detail(painter, option) < LOW_DETAIL:
            return
        painter.setPen(style.current().text)
        painter.setFont(_font(6.5, self.min_gbps > 0))
        painter.drawText(self.rect, Qt.AlignmentFlag.AlignCenter, self.short)


class NicItem(ElementItem):
    kind = "nic"

    def __init__(self, nic: Nic, vfs: list[VirtualFunction], parent: QGraphicsItem, origin: QPointF) -> None:
        super().__init__(nic.id, parent)
        self.setPos(origin)
        self.setZValue(3)
        self.nic = nic
        per_port: dict[int, list[VirtualFunction]] = {}
        for vf in vfs:
            per_port.setdefault(vf.port, []).append(vf)
        ports = max(nic.ports, 1)
        self.col_w = PORT_COL_W
        self.width, self.height = nic_size(nic.ports, {p: len(v) for p, v in per_port.items()})
        rows = max((math.ceil(len(v) / 3) for p, v in per_port.items() if p < ports), default=0)
        self.ports: dict[int, PortItem] = {}
        self.vf_items: dict[str, VfItem] = {}
        for p in range(nic.ports):
            self.ports[p] = PortItem(self, nic.id, p, QPointF(self.port_x(p), 0.0))
        for p, members in sorted(per_port.items()):
            col = p if p < ports else 0
            base_row = 0 if p < ports else rows
            members_sorted = members
            for i, vf in enumerate(members_sorted):
                r, c = divmod(i, 3)
                x = self.port_x(col) - 1.5 * (CHIP_W + CHIP_GAP) + c * (CHIP_W + CHIP_GAP) + CHIP_GAP / 2
                y = NIC_TITLE_H + (base_row + r) * (CHIP_H + CHIP_GAP)
                short = vf.label[:4] if vf.label and len(vf.label) <= 4 else _short_vf(vf.id, nic.id)
                self.vf_items[vf.id] = VfItem(vf, self, QRectF(x, y, CHIP_W, CHIP_H), short)
        self.base_tip = (f"NIC {nic.id}{' — ' + nic.model if nic.model else ''}: {nic.ports}×{nic.port_gbps:g} Gbit/s, "
                         f"PCIe {nic.pcie_gbps:g} Gbit/s, SR-IOV {'on' if nic.sriov else 'off'} "
                         f"({len(vfs)}/{nic.max_vfs} VFs){', VMDq' if nic.vmdq else ''}")
        self.refresh_tooltip()

    def port_x(self, port: int) -> float:
        return 6 + self.col_w * (port + 0.5)

    def boundingRect(self) -> QRectF:
        return QRectF(-2, -2, self.width + 4, self.height + 4)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self.selection_pen(QPen(style.current().outline, 1.2)))
        painter.setBrush(style.current().kind_colors["nic"])
        painter.drawRoundedRect(QRectF(0, 0, self.width, self.height), 4, 4)
        if _detail(painter, option) < LOW_DETAIL:
            return
        painter.setPen(style.current().text)
        painter.setFont(_font(7.5, True))
        title = self.nic.model or self.nic.id
        # Title and subtitle in separate bands of the 28-unit title area: they never overlap.
        _draw_elided(painter, QRectF(4, 6.5, self.width - 8, 11), Qt.AlignmentFlag.AlignCenter, title,
                     band=QRectF(4, 4.5, self.width - 8, 13))
        painter.setFont(_font(6.5))
        painter.setPen(style.current().muted_text)
        _draw_elided(painter, QRectF(4, 17.5, self.width - 8, 10), Qt.AlignmentFlag.AlignCenter,
                     f"{self.nic.id} · {self.nic.ports}×{self.nic.port_gbps:g}G")


_ON_FILL: dict[tuple[int, int], QColor] = {}


def gauge_text_color(fill: QColor) -> QColor:
    """Text over a gauge's filled part: the theme's text colour, or black / white if that
    contrasts more with the fill. (Remembered per pair of colours: a zoom step paints the
    gauges of every server in view, a few hundred fills of a few dozen colours.)"""
    text = QColor(style.current().text)
    key = (text.rgba(), fill.rgba())
    found = _ON_FILL.get(key)
    if found is None:
        if len(_ON_FILL) > 4096:
            _ON_FILL.clear()
        other = QColor("#ffffff") if style.relative_luminance(text) < 0.5 else QColor("#000000")
        found = _ON_FILL[key] = text if style.contrast_ratio(text, fill) >= style.contrast_ratio(other, fill) else other
    return QColor(found)


def legible(color: QColor, background: QColor, ratio: float = 4.5) -> QColor:
    """``color`` moved toward black or white (whichever is further from ``background``)
    just far enough for text in it to meet ``ratio`` against ``background`` (WCAG AA)."""
    color = QColor(color)
    if style.contrast_ratio(color, background) >= ratio:
        return color
    toward = QColor("#000000") if style.relative_luminance(background) > 0.18 else QColor("#ffffff")
    for step in range(1, 21):
        moved = style.blend(color, toward, step / 20)
        if style.contrast_ratio(moved, background) >= ratio:
            return moved
    return toward


def _short_vf(vf_id: str, nic_id: str) -> str:
    rest = vf_id[len(nic_id):] if vf_id.startswith(nic_id) else vf_id
    rest = rest.lstrip("_.-") or vf_id
    return rest[-4:]


class VSwitchItem(QGraphicsItem):
    def __init__(self, parent: QGraphicsItem, rect: QRectF) -> None:
        super().__init__(parent)
        self.rect = rect
        self.setCacheMode(CACHE)
        self.setZValue(1)
        self.setToolTip("vSwitch: the VMM's software switch. Emulated and paravirtual vNICs pass through it "
                        "and cost VMM CPU; VFs and passthrough devices bypass it.")

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(style.MODE_COLORS["paravirtual"], 1, Qt.PenStyle.DashLine))
        painter.setBrush(style.current().vswitch_fill)
        painter.drawRoundedRect(self.rect, 8, 8)
        if _detail(painter, option) < LOW_DETAIL:
            return
        painter.setPen(style.current().vswitch_text)  # the paravirtual blue, lighter in the dark theme
        painter.setFont(_font(7.5, True))
        painter.drawText(self.rect, Qt.AlignmentFlag.AlignCenter, "vSwitch · VMM")


class VmItem(ElementItem):
    kind = "vm"

    def __init__(self, vm: VM, parent: QGraphicsItem, origin: QPointF) -> None:
        super().__init__(vm.id, parent)
        self.setPos(origin)
        self.setZValue(3)
        self.title = vm.label or vm.id
        self.vm = vm
        self.overlay: VmOverlay | None = None
        self.handle = HandleItem(self, QPointF(VM_W / 2, 0))
        modes = sorted({v.mode for v in vm.vnics})
        self.base_tip = f"VM {vm.id}" + (f" — {vm.label}" if vm.label else "") + (
            f"\n{len(vm.vnics)} vNIC(s): {', '.join(modes)}" if vm.vnics else "\nno vNIC yet: drag from the handle to a VF, a NIC port or a NIC")
        self.refresh_tooltip()

    def boundingRect(self) -> QRectF:
        return QRectF(-2, -2, VM_W + 4, VM_H + 4)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        ov = self.overlay
        if _detail(painter, option) < LOW_DETAIL:
            # Zoomed out: a plain box tinted like the badge; no text to lay out.
            painter.setPen(self.selection_pen(QPen(style.current().outline, 1.0)))
            painter.setBrush(style.low_zoom_badge(self._badge_color()) if ov is not None and ov.has_flows
                             else style.current().kind_colors["vm"])
            painter.drawRect(QRectF(0, 0, VM_W, VM_H))
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self.selection_pen(QPen(style.current().outline, 1.2)))
        painter.setBrush(style.current().kind_colors["vm"])
        painter.drawRoundedRect(QRectF(0, 0, VM_W, VM_H), 6, 6)
        painter.setPen(style.current().text)
        painter.setFont(_font(8.5, True))
        _draw_elided(painter, QRectF(6, 9, VM_W - 12, 16), Qt.AlignmentFlag.AlignCenter, self.title,
                     band=QRectF(5, 3, VM_W - 10, 22.5))
        strip = QRectF(5, VM_H - 30, VM_W - 10, 25)
        modes = [v.mode for v in self.vm.vnics]
        if modes:
            painter.setPen(Qt.PenStyle.NoPen)
            seg = (VM_W - 10) / len(modes)
            for i, mode in enumerate(modes):
                painter.setBrush(style.MODE_COLORS[mode])
                painter.drawRect(QRectF(5 + i * seg, 26, seg - 1, 3))
        quiet = self.quiet_text()
        if quiet is not None:
            painter.setPen(style.current().muted_text)
            painter.setFont(_font(7))
            painter.drawText(strip, Qt.AlignmentFlag.AlignCenter, quiet)
            return
        # Badge: rate against demand, and the guarantee.
        throttled = ov.throttled
        color = self._badge_color()
        painter.setPen(QPen(color, 1))
        painter.setBrush(QColor(color.red(), color.green(), color.blue(), 28))
        painter.drawRoundedRect(strip, 4, 4)
        painter.setPen(style.current().text)
        painter.setFont(_font(6.8))
        line1 = (f"↑{style.format_gbps(ov.tx_rate)}/{ov.tx_demand:.3g}  "
                 f"↓{style.format_gbps(ov.rx_rate)}/{ov.rx_demand:.3g} G")
        if ov.floor > 0 and ov.floor_unenforced:
            line2 = f"✗ min {style.format_gbps(ov.floor)} G not enforced"
        elif ov.floor > 0:
            line2 = ("✓ " if ov.floor_met else "✗ ") + f"min {style.format_gbps(ov.floor)} G"
        else:
            line2 = "full demand" if not throttled else "throttled"
        # Long figures ("0.59/0.592  1.13/1.98") shrink to fit the badge instead of running past it.
        advance = QFontMetricsF(painter.font()).horizontalAdvance(line1)
        if advance > strip.width() - 4:
            font = painter.font()
            font.setPointSizeF(max(5.0, font.pointSizeF() * 0.94 * (strip.width() - 4) / advance))
            painter.setFont(font)
        _draw_elided(painter, strip.adjusted(2, 1, -2, -12), Qt.AlignmentFlag.AlignCenter, line1)
        painter.setFont(_font(6.8))
        advance = QFontMetricsF(painter.font()).horizontalAdvance(line2)
        if advance > strip.width() - 4:  # "✗ min 4.00 G not enforced" shrinks to fit as well
            font = painter.font()
            font.setPointSizeF(max(5.0, font.pointSizeF() * 0.94 * (strip.width() - 4) / advance))
            painter.setFont(font)
        # The state's colour, darkened (lightened in the dark theme) as far as the badge's
        # tint needs for 4.5:1: the light theme's "throttled" orange was 2.6:1.
        painter.setPen(legible(color, style.blend(QColor(style.current().kind_colors["vm"]), color, 28 / 255)))
        painter.drawText(strip.adjusted(0, 12, 0, 0), Qt.AlignmentFlag.AlignCenter, line2)


    def quiet_text(self) -> str | None:
        """What the badge says when there are no rates to show. A guest whose vNICs lost their
        device (its NIC or VF was deleted) is "not attached", whatever demand it still
        declares; it is not "throttled"."""
        ov = self.overlay
        attached = any(v.device() for v in self.vm.vnics)
        if not attached:
            return "not attached"
        if ov is None or not ov.has_flows:
            return "no traffic"
        return None

    def _badge_color(self) -> QColor:
        ov = self.overlay
        if ov is None or self.quiet_text() is not None:
            return QColor(style.current().kind_colors["vm"])
        if not ov.floor_met or ov.floor_unenforced:
            return QColor(style.current().error_color)
        return QColor(style.current().throttled) if ov.throttled else QColor(style.current().ok_color)

    def set_overlay(self, overlay: "VmOverlay | None") -> None:
        if overlay != self.overlay:
            self.overlay = overlay
            self.update()

    def hoverEnterEvent(self, event) -> None:
        # Per-flow numbers are written only when someone hovers (thousands of guests).
        scene = self.scene()
        self.overlay_tip = scene.vm_tooltip(self.element_id) if scene is not None and hasattr(scene, "vm_tooltip") else ""
        self.refresh_tooltip()
        super().hoverEnterEvent(event)


class AttachmentItem(QGraphicsPathItem):
    """A guest's vNIC line inside a server (or a vSwitch-to-port bus, ``index`` -1):
    a routed polyline, drawn with rounded bends."""

    def __init__(self, parent: QGraphicsItem, points, mode: str, tip: str, vm_id: str, index: int) -> None:
        super().__init__(rounded_path(points), parent)
        self.polyline = [(float(x), float(y)) for x, y in points]  # in the server's coordinates
        self.setCacheMode(CACHE)
        pen = QPen(style.MODE_COLORS[mode], 3.0 if mode == "passthrough" else 2.0)
        if mode in ("paravirtual", "emulated"):
            pen.setStyle(Qt.PenStyle.DashLine)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.setPen(pen)
        # Over the NIC (a VF line runs on inside its NIC up to the chip), under the chips.
        self.setZValue(3.5)
        self.setToolTip(tip)
        self.vm_id = vm_id
        self.index = index
        self.mode = mode


class ServerItem(ElementItem):
    """A server box. What it shows depends on the level of detail (``set_level``):

    - ``detail``: NICs with ports and VFs, the vSwitch, guests and attachments (child
      items, made the first time they are needed) and a footer with name and gauge;
    - ``summary``: no child items drawn; the box shows the name, a VMM gauge with its
      numbers, guest counts by mode and the worst port utilisation, in screen-sized text;
    - ``hidden``: the server's rack is drawn as one block instead.

    A server collapsed by hand stays at ``summary`` at every zoom, in a shorter box.
    """

    kind = "server"

    def __init__(self, server: Server, topo: Topology, eager: bool = True, collapsed: bool = False,
                 level: str = "detail") -> None:
        super().__init__(server.id)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges, True)
        self.setZValue(1)
        self.topo = topo
        self._nic_items: dict[str, NicItem] = {}
        self._vm_items: dict[str, VmItem] = {}
        self._vf_items: dict[str, VfItem] = {}
        self._port_items: dict[tuple[str, int], PortItem] = {}
        self._attachments: list[AttachmentItem] = []
        self.body: QGraphicsItem | None = None  # holds every child item once made
        self.built = False
        self.eager = eager  # make the child items as soon as the server is drawn in detail
        self.level = SUMMARY if collapsed else level
        self.collapsed = collapsed
        self.buses: list[AttachmentItem] = []  # vSwitch → port lines, one per port in use
        self.vm_rows: dict[str, int] = {}
        self.vmm_cores = 0.0
        self.vmm_budget = server.vmm_io_cores
        self.shown_budget = -1.0  # the budget the gauge was last drawn with
        self.vmm_solved = False
        self.worst_port: tuple[float, str] | None = None  # utilisation, port name
        self.summary_px = 0.0  # the text size of the last summary drawn, in screen pixels
        self.summary_toggle: QRectF | None = None  # where the last summary drew its toggle
        self.marked = False  # a guest, NIC or VF of it is selected but not drawn (summary level)
        self.width = 300.0
        self.height = 200.0
        self.full_height = 200.0
        self.rebuild(topo)

    # The child items are made on first use: a server seen only from far out, or
    # collapsed, never makes its guests, NICs and VFs.
    @property
    def nic_items(self) -> dict[str, "NicItem"]:
        self.ensure_built()
        return self._nic_items

    @property
    def vm_items(self) -> dict[str, "VmItem"]:
        self.ensure_built()
        return self._vm_items

    @property
    def vf_items(self) -> dict[str, "VfItem"]:
        self.ensure_built()
        return self._vf_items

    @property
    def port_items(self) -> dict[tuple[str, int], "PortItem"]:
        self.ensure_built()
        return self._port_items

    @property
    def attachments(self) -> list["AttachmentItem"]:
        self.ensure_built()
        return self._attachments

    def built_vm_items(self) -> dict[str, "VmItem"]:
        """The guest items that exist (none before the server was first shown in detail)."""
        return self._vm_items

    def built_port_items(self) -> dict[tuple[str, int], "PortItem"]:
        return self._port_items

    def update_from(self, server: Server) -> None:
        """The server's own fields changed (name, VMM budget…): no re-layout needed."""
        self.server = server
        self.title = server.label or server.id
        self.vmm_budget = server.vmm_io_cores
        self.base_tip = (f"Server {server.id}{' — ' + server.label if server.label else ''}: {server.cores} cores, "
                         f"VMM I/O budget {server.vmm_io_cores:g} cores, VT-d {'on' if server.iommu else 'off'}")
        self.refresh_tooltip()
        self.update()

    def contained_ids(self) -> set[str]:
        return set(self.contained)

    def rebuild(self, topo: Topology) -> None:
        """Lay out the server from the model; its child items follow when next needed."""
        self.topo = topo
        was_built = self.built
        self._drop_children()
        server = topo.elements[self.element_id]
        assert isinstance(server, Server)
        self.server = server
        self.title = server.label or server.id
        self.vmm_budget = server.vmm_io_cores
        nics = topo.nics_of(server.id)
        vms = topo.vms_of(server.id)
        contained: list[str] = []
        sizes = []
        self.port_pos: dict[tuple[str, int], QPointF] = {}
        x = PAD
        modes: dict[str, int] = {}
        for nic in nics:
            vfs = topo.vfs_of(nic.id)
            contained.append(nic.id)
            contained.extend(vf.id for vf in vfs)
            per_port: dict[int, int] = {}
            for vf in vfs:
                per_port[vf.port] = per_port.get(vf.port, 0) + 1
            w, h = nic_size(nic.ports, per_port)
            for p in range(nic.ports):
                self.port_pos[(nic.id, p)] = QPointF(x + 6 + PORT_COL_W * (p + 0.5), 0.0)
            sizes.append((w, h))
            x += w + NIC_GAP
        for vm in vms:
            contained.append(vm.id)
            vm_modes = {v.mode for v in vm.vnics if v.device()} or {"unattached"}
            for mode in vm_modes:
                modes[mode] = modes.get(mode, 0) + 1
        self.contained = contained
        self.guest_count = len(vms)
        self.mode_counts = modes
        geometry = server_layout(sizes, len(vms))
        self.geometry = geometry
        self.width = geometry["width"]
        self.full_height = geometry["footer_y"] + FOOTER_H
        self.vswitch_rect = QRectF(PAD, geometry["vswitch_y"], geometry["inner_w"], VSWITCH_H)
        self.footer_y = geometry["footer_y"]
        self.base_tip = (f"Server {server.id}{' — ' + server.label if server.label else ''}: {server.cores} cores, "
                         f"VMM I/O budget {server.vmm_io_cores:g} cores, VT-d {'on' if server.iommu else 'off'}")
        self.refresh_tooltip()
        self._apply_height()
        self.setCacheMode(NO_CACHE if self.level == HIDDEN else CACHE)
        if self.level == DETAIL and (self.eager or was_built):
            self.ensure_built()

    def _drop_children(self) -> None:
        scene = self.scene()
        if self.body is not None:
            body, self.body = self.body, None
            body.setParentItem(None)
            if scene is not None:
                scene.removeItem(body)
        self._nic_items.clear()
        self._vm_items.clear()
        self._vf_items.clear()
        self._port_items.clear()
        self._attachments.clear()
        self.buses.clear()
        self.built = False

    def ensure_built(self) -> bool:
        """Make the NIC, VF, vSwitch, guest and attachment items (once); True if it did."""
        if self.built:
            return False
        self.built = True
        topo = self.topo
        server = topo.elements.get(self.element_id)
        if not isinstance(server, Server):
            return False
        nics = topo.nics_of(server.id)
        vms = topo.vms_of(server.id)
        x = PAD
        for nic in nics:
            item = NicItem(nic, topo.vfs_of(nic.id), self, QPointF(x, 0.0))
            self._nic_items[nic.id] = item
            self._vf_items.update(item.vf_items)
            for p, port_item in item.ports.items():
                self._port_items[(nic.id, p)] = port_item
            x += item.width + NIC_GAP
        geometry = self.geometry
        VSwitchItem(self, self.vswitch_rect)
        cols = int(geometry["cols"])
        self.vm_rows = {}
        for i, vm in enumerate(vms):
            r, c = divmod(i, cols)
            self.vm_rows[vm.id] = r
            self._vm_items[vm.id] = VmItem(vm, self, QPointF(PAD + c * (VM_W + VM_GAP), geometry["vm_y0"] + r * VM_ROW))
        self._build_attachments(topo, vms)
        body = _Body(self)
        for child in list(self.childItems()):
            if child is not body:
                child.setParentItem(body)  # the body sits at (0, 0): positions are unchanged
        self.body = body
        body.setOpacity(1.0 if self.level == DETAIL and not self.collapsed else 0.0)
        scene = self.scene()
        if scene is not None and hasattr(scene, "children_built"):
            scene.children_built(self)
        return True

    # ------------------------------------------------------------ level of detail
    def set_level(self, level: str) -> None:
        """``detail``, ``summary`` or ``hidden`` (its rack is drawn as one block)."""
        shown = SUMMARY if (self.collapsed and level == DETAIL) else level
        if shown == self.level:
            return
        self.level = shown
        # Not drawn is opacity 0, not hidden: Qt skips painting and hit-testing it (and its
        # children) but it can still be selected from the inspector, a plot or the rack view.
        # (Set only when it changes: Qt asks itemChange first, a call into Python, and a
        # zoom across a level changes thousands of servers.)
        opacity = 0.0 if shown == HIDDEN else 1.0
        if self.opacity() != opacity:
            self.setOpacity(opacity)
        if shown == DETAIL and self.eager:
            self.ensure_built()
        if self.body is not None:
            self.body.setOpacity(1.0 if shown == DETAIL else 0.0)
        # A pixmap per item, detail or summary: a zoom step paints the servers in view once,
        # and every later paint at that zoom (a pan, a drag, a repaint) only copies them.
        self.setCacheMode(NO_CACHE if shown == HIDDEN else CACHE)
        self.update()

    def set_collapsed(self, collapsed: bool, level: str) -> None:
        self.collapsed = collapsed
        self.level = ""  # force set_level to apply
        self._apply_height()
        self.set_level(level)

    def _apply_height(self) -> None:
        height = min(self.full_height, COLLAPSED_H) if self.collapsed else self.full_height
        if height != self.height:
            self.prepareGeometryChange()
            self.height = height
        self.update()

    def toggle_rect(self) -> QRectF:
        """The collapse / expand button: at the right end of the footer in detail (the
        top-right corner belongs to the NICs, which may reach it), in the top-right corner
        of a summary, at the size the summary last drew it."""
        if self.level == DETAIL and self.built:
            return QRectF(self.width - TOGGLE - 8, self.footer_y + 9, TOGGLE, TOGGLE)
        if self.summary_toggle is not None:
            return QRectF(self.summary_toggle)
        return QRectF(self.width - TOGGLE - 6, 6, TOGGLE, TOGGLE)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.toggle_rect().contains(event.pos()):
            scene = self.scene()
            if scene is not None and hasattr(scene, "set_collapsed"):
                scene.set_collapsed(self.element_id, not self.collapsed)
                event.accept()
                return
        super().mousePressEvent(event)

    def _build_attachments(self, topo: Topology, vms: list[VM]) -> None:
        """Guest lines in the server's channels (designer.diagram.routing decides where)."""
        used_vfs: set[str] = set()
        vs = self.vswitch_rect
        grid = GuestGrid(Box(vs.x(), vs.y(), vs.width(), vs.height()), VM_W, VM_H, VM_GAP, VM_ROW - VM_H)
        buses: set[tuple[str, int]] = set()
        lane = 0
        for vm in vms:
            vm_item = self.vm_items[vm.id]
            origin = vm_item.pos()
            vm_box = Box(origin.x(), origin.y(), VM_W, VM_H)
            row = self.vm_rows.get(vm.id, 0)
            n = max(1, len(vm.vnics))
            for index, vnic in enumerate(vm.vnics):
                start_x = origin.x() + VM_W / 2 + (index - (n - 1) / 2) * 10
                tip = f"{vm.id} vNIC {index}: {style.MODE_LABELS[vnic.mode]}"
                if vnic.mode == "vf":
                    chip = self.vf_items.get(vnic.vf or "")
                    if chip is None:
                        continue
                    used_vfs.add(chip.element_id)
                    box = self._box_of(chip, chip.rect)
                    below = any(other is not chip and self._box_of(other, other.rect).top > box.top
                                and abs(self._box_of(other, other.rect).cx - box.cx) < 1.0
                                for other in self.nic_items[chip.parentItem().element_id].vf_items.values())
                    target = Target("vf", box, box.cx, below)
                    tip += f" → {chip.element_id}"
                else:
                    nic_item = self.nic_items.get(vnic.nic or "")
                    if nic_item is None:
                        continue
                    port_x = self._port_bus_x(nic_item, vnic.port)
                    nic_box = self._box_of(nic_item, QRectF(0, 0, nic_item.width, nic_item.height))
                    if vnic.mode == "passthrough":
                        target = Target("nic", nic_box, port_x + 14.0)
                        tip += f" → whole NIC {vnic.nic} (port {vnic.port})"
                    else:
                        target = Target("vswitch", nic_box, port_x)
                        tip += f" → vSwitch → {vnic.nic} port {vnic.port}"
                        if (nic_item.element_id, vnic.port) not in buses:
                            buses.add((nic_item.element_id, vnic.port))
                            bus = vswitch_bus(grid.vswitch, nic_box, port_x)
                            self.buses.append(AttachmentItem(
                                self, bus, "paravirtual", f"vSwitch → {vnic.nic} port {vnic.port}", "", -1))
                points = route_attachment(grid, vm_box, row, start_x, target, lane)
                lane += 1
                self.attachments.append(AttachmentItem(self, points, vnic.mode, tip, vm.id, index))
        for vf_id, chip in self.vf_items.items():
            chip.used = vf_id in used_vfs

    def _box_of(self, item: QGraphicsItem, rect: QRectF) -> Box:
        """A child item's rectangle in the server's coordinates."""
        r = item.mapRectToItem(self, rect)
        return Box(r.x(), r.y(), r.width(), r.height())

    def _port_bus_x(self, nic_item: "NicItem", port: int | None) -> float:
        """Where a port's software bus meets the NIC: beside its middle VF column."""
        local = nic_item.port_x(port) - 14.0 if port in nic_item.ports else nic_item.width / 2
        return nic_item.mapToItem(self, QPointF(local, 0)).x()

    def box(self) -> Box:
        """The server's box in scene coordinates (what cables route around)."""
        return Box(self.x(), self.y(), self.width, self.height)

    def boundingRect(self) -> QRectF:
        return QRectF(-2, -SOCKET_R - 3, self.width + 4, self.height + SOCKET_R + 6)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self.selection_pen(QPen(style.current().outline, 1.5)))
        painter.setBrush(style.current().kind_colors["server"])
        painter.drawRoundedRect(QRectF(0, 0, self.width, self.height), 8, 8)
        if self.level != DETAIL or not self.built:
            self._paint_summary(painter)
            scene = self.scene()
            if self.level == DETAIL and scene is not None and hasattr(scene, "request_build"):
                scene.request_build(self)  # drawn in detail for the first time: make its guests
            return
        # Footer: name and VMM gauge.
        fy = self.footer_y
        painter.setPen(QPen(style.current().divider, 1))
        painter.drawLine(QPointF(6, fy), QPointF(self.width - 6, fy))
        painter.setPen(style.current().text)
        painter.setFont(_font(10, True))
        gauge_w = 150.0
        # The toggle sits at the footer's right end (an export, which has none, keeps the room).
        right = self.width - PAD if _FIT_LABELS[0] else self.width - TOGGLE - 16
        _draw_elided(painter, QRectF(PAD, fy + 4, right - gauge_w - 2 * PAD, 24),
                     Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, self.title)
        gauge = QRectF(right - gauge_w, fy + 9, gauge_w, 16)
        self._paint_gauge(painter, gauge, _font(7, True))
        _paint_toggle(painter, self.toggle_rect(), self.collapsed)

    def gauge_text(self) -> str:
        budget = self.vmm_budget
        if not self.vmm_solved:
            return f"VMM budget {budget:g} cores"
        return f"VMM {self.vmm_cores:.2f} / {budget:g} cores"

    def _paint_gauge(self, painter: QPainter, gauge: QRectF, font: QFont) -> None:
        for clip, color in self._paint_gauge_bar(painter, gauge):
            painter.save()
            painter.setClipRect(clip, Qt.ClipOperation.IntersectClip)
            painter.setPen(color)
            painter.setFont(font)
            painter.drawText(gauge, Qt.AlignmentFlag.AlignCenter, self.gauge_text())
            painter.restore()

    def _paint_gauge_bar(self, painter: QPainter, gauge: QRectF) -> list[tuple[QRectF, QColor]]:
        """The gauge's frame and fill; where its numbers go, each part in its colour: (clip, colour)."""
        painter.setPen(QPen(style.current().outline, 1))
        painter.setBrush(style.current().footer)
        painter.drawRoundedRect(gauge, 3, 3)
        budget = self.vmm_budget
        used = self.vmm_cores
        frac = (used / budget) if budget > 0 else (1.0 if used > 0 else 0.0)
        if not (frac > 0 and self.vmm_solved):
            return [(gauge, style.current().text)]
        fill = QRectF(gauge.left(), gauge.top(), gauge.width() * min(1.0, frac), gauge.height())
        fill_color = style.gauge_fill(frac)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill_color)
        painter.drawRoundedRect(fill, 3, 3)
        # The numbers in the theme's text colour over the empty part and, over the filled
        # part, in whichever of that colour or its opposite reads better on the fill (dark
        # text on the full gauge's red was 2.9:1).
        parts = [(fill.adjusted(-1, -1, 0, 1), gauge_text_color(fill_color))]
        rest = QRectF(fill.right(), gauge.top(), gauge.right() - fill.right(), gauge.height())
        if rest.width() > 0.5:
            parts.append((rest.adjusted(0, -1, 1, 1), style.current().text))
        return [(clip, color) for clip, color in parts if clip.width() > 0]

    def summary_lines(self) -> list[str]:
        """What the summary says below the name and the gauge."""
        order = ("vf", "passthrough", "paravirtual", "emulated", "unattached")
        short = {"vf": "VF", "passthrough": "PT", "paravirtual": "PV", "emulated": "emu",
                 "unattached": "unattached"}
        counts = " · ".join(f"{self.mode_counts[m]} {short[m]}" for m in order if self.mode_counts.get(m))
        guests = f"{self.guest_count} guest{'s' * (self.guest_count != 1)}" + (f": {counts}" if counts else "")
        if self.worst_port is None:
            port = "ports: no traffic" if self.vmm_solved else "ports: not solved"
        else:
            u, name = self.worst_port
            port = f"worst port {u * 100:.0f} % ({name})"
        return [guests, port]

    def _paint_summary(self, painter: QPainter) -> None:
        """Name, gauge, guest counts and worst port, in text sized for the screen."""
        text = DeviceText(painter)
        scale = text.scale
        if scale <= 0:
            return
        box = QRectF(0, 0, self.width, self.height)
        px = min(MAX_SUMMARY_PX, box.height() * scale / 7.5, box.width() * scale / 16.0)
        if px < MIN_TEXT_PX:
            return  # too small to read: the box (and its rack) say enough
        self.summary_px = px
        unit = px / scale  # one text line's letter height in scene units
        inner = box.adjusted(PAD, unit * 0.6, -PAD, 0)
        line = unit * 1.45
        y = inner.top()
        # The shapes first, then every line of text in one pass in device space (none of
        # them overlaps a shape drawn after it in the old order: the title stops short of
        # the toggle).
        texts = [(QRectF(inner.left(), y, inner.width() - unit * 2.2, line * 1.1), self.title, px * 1.1,
                  style.current().text, True, _LEFT, None)]
        y += line * 1.15
        gauge = QRectF(inner.left(), y, min(inner.width(), unit * 16), line)
        numbers = self.gauge_text()
        texts += [(gauge, numbers, px * 0.95, color, True, Qt.AlignmentFlag.AlignCenter, clip)
                  for clip, color in self._paint_gauge_bar(painter, gauge)]
        y += line * 1.2
        for i, line_text in enumerate(self.summary_lines()):
            if y + line > box.bottom() - unit * 0.2:
                break
            color = style.current().text
            if i == 1 and self.worst_port is not None:
                color = style.utilization_text(self.worst_port[0])
            texts.append((QRectF(inner.left(), y, inner.width(), line), line_text, px, color, False, _LEFT, None))
            y += line
        toggle = QRectF(box.right() - unit * 1.6 - 4, 4, unit * 1.6, unit * 1.6)
        self.summary_toggle = toggle
        _paint_toggle(painter, toggle, self.collapsed)
        text.draw_all(painter, texts)


class _Body(QGraphicsItem):
    """The container of a server's child items: one call shows or hides them all."""

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)

    def boundingRect(self) -> QRectF:
        return QRectF()

    def paint(self, painter, option, widget=None) -> None:
        return None


def _scene_font(height: float, bold: bool = False) -> QFont:
    """A font whose letters are ``height`` scene units tall (pixel size, fractional)."""
    font = QFont()
    font.setPointSizeF(max(0.5, height * 72.0 / 96.0))  # the canvas and exports paint at 96 dpi
    font.setBold(bold)
    return font


def _paint_toggle(painter: QPainter, rect: QRectF, collapsed: bool) -> None:
    """The [+] / [−] button that expands or collapses a server or rack (an editing
    affordance: an export, which paints inside ``fitted_labels()``, leaves it out)."""
    if _FIT_LABELS[0]:
        return
    painter.setPen(QPen(style.current().outline, 1))
    painter.setBrush(style.current().surface)
    painter.drawRoundedRect(rect, 2, 2)
    painter.setPen(QPen(style.current().text, max(1.0, rect.width() / 9)))
    c = rect.center()
    d = rect.width() * 0.28
    painter.drawLine(QPointF(c.x() - d, c.y()), QPointF(c.x() + d, c.y()))
    if collapsed:
        painter.drawLine(QPointF(c.x(), c.y() - d), QPointF(c.x(), c.y() + d))


BEND_RADIUS = 6.0


def _corners(points, radius: float):
    """For each bend of a polyline: where the rounded corner starts, the bend, where it ends."""
    out = []
    for i in range(1, len(points) - 1):
        (ax, ay), (bx, by), (cx, cy) = points[i - 1], points[i], points[i + 1]
        len_in, len_out = math.hypot(bx - ax, by - ay), math.hypot(cx - bx, cy - by)
        r = min(radius, len_in / 2, len_out / 2)
        if r <= 0.01 or len_in == 0 or len_out == 0:
            out.append((QPointF(bx, by), QPointF(bx, by), QPointF(bx, by)))
            continue
        start = QPointF(bx - (bx - ax) / len_in * r, by - (by - ay) / len_in * r)
        end = QPointF(bx + (cx - bx) / len_out * r, by + (cy - by) / len_out * r)
        out.append((start, QPointF(bx, by), end))
    return out


def rounded_pieces(points, radius: float = BEND_RADIUS) -> list[QPainterPath]:
    """A polyline as consecutive paths, one per straight run and the bend after it."""
    if len(points) < 2:
        return []
    corners = _corners(points, radius)
    pieces = []
    current = QPointF(*points[0])
    for start, bend, end in corners:
        piece = QPainterPath(current)
        piece.lineTo(start)
        piece.quadTo(bend, end)
        pieces.append(piece)
        current = end
    piece = QPainterPath(current)
    piece.lineTo(QPointF(*points[-1]))
    pieces.append(piece)
    return pieces


def rounded_path(points, radius: float = BEND_RADIUS) -> QPainterPath:
    """A polyline as one path with rounded bends."""
    if not points:
        return QPainterPath()
    path = QPainterPath(QPointF(*points[0]))
    for start, bend, end in _corners(points, radius):
        path.lineTo(start)
        path.quadTo(bend, end)
    if len(points) > 1:
        path.lineTo(QPointF(*points[-1]))
    return path


# A cable is drawn as one piece per straight run (with the bend after it), so moving
# one server repaints thin strips along its own cables instead of the whole
# rectangle a long cable spans (and every other cable crossing that rectangle).


class CableSegment(QGraphicsPathItem):
    """One piece of a cable, painted by Qt itself; events and selection belong to the cable."""

    def __init__(self, cable: "CableItem") -> None:
        super().__init__(cable)
        self.cable = cable
        self._shape: tuple[QPainterPath, QPainterPath] | None = None

    def toolTip(self) -> str:  # noqa: N802 (Qt name)
        return self.cable.toolTip()  # one tip per cable, not a copy in each piece

    def shape(self) -> QPainterPath:
        # Cached per path: Qt asks for the shape of the old path while a new one is set.
        path = self.path()
        if self._shape is None or self._shape[0] != path:
            stroker = QPainterPathStroker()
            stroker.setWidth(10)
            self._shape = (path, stroker.createStroke(path))
        return self._shape[1]


class CableItem(QGraphicsItem):
    """A cable: NIC port ↔ switch/network, or switch ↔ switch/network.

    The item itself draws nothing and covers no area; its pieces (CableSegment
    children) draw the curve, and their mouse events come here, so a click on any
    piece selects the cable.
    """

    def __init__(self, link_id: str) -> None:
        super().__init__()
        self.link_id = link_id
        self.element_id = link_id
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.setHandlesChildEvents(True)
        self.setZValue(0)
        self._path: QPainterPath | None = QPainterPath()
        self._pen = QPen()
        self._pen_set = False
        self._tip = ""
        self._segments: list[CableSegment] = []
        self._pending = False  # the polyline is set, its pieces are not made yet (see ``realize``)
        self._halo: QGraphicsPathItem | None = None
        self.polyline: list[tuple[float, float]] = []  # the routed line, in scene coordinates
        self.utilization: float | None = None
        self.base_tip = ""
        self.overlay_tip = ""
        self.set_overlay(None, "")

    # QGraphicsPathItem-like API used by the scene and tests
    def path(self) -> QPainterPath:
        return QPainterPath(self._whole())

    def _whole(self) -> QPainterPath:
        """The cable as one path (the halo, tests): made from the polyline when first asked."""
        if self._path is None:
            self._path = rounded_path(self.polyline)
        return self._path

    def pen(self) -> QPen:
        return QPen(self._pen)

    def setPen(self, pen: QPen) -> None:  # noqa: N802 (Qt name)
        if not (self._pen_set and pen == self._pen):  # an equal pen: the pieces have it already
            self._pen = QPen(pen)
            self._pen_set = True
            for segment in self._segments:
                segment.setPen(pen)
        if self._halo is not None:
            self._update_halo()

    def toolTip(self) -> str:  # noqa: N802 (Qt name)
        return self._tip

    def setToolTip(self, tip: str) -> None:  # noqa: N802 (Qt name)
        self._tip = tip  # the pieces answer with it (CableSegment.toolTip)

    def boundingRect(self) -> QRectF:
        return QRectF()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        return None  # the segments draw

    def itemChange(self, change, value):
        if change == _SELECTED_CHANGED:
            self._update_halo()
        return super().itemChange(change, value)

    def _update_halo(self) -> None:
        """A selected cable gets a wide halo under its pieces (one item, only while selected)."""
        if self.isSelected() and not self._whole().isEmpty():
            if self._halo is None:
                self._halo = QGraphicsPathItem(self)
                self._halo.setFlag(QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent, True)
                self._halo.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            halo = QPen(style.current().selection, self._pen.widthF() + 5)
            halo.setCapStyle(Qt.PenCapStyle.RoundCap)
            self._halo.setPen(halo)
            self._halo.setPath(self._whole())
        elif self._halo is not None:
            if self._halo.scene() is not None:
                self._halo.scene().removeItem(self._halo)
            self._halo.setParentItem(None)
            self._halo = None

    def set_overlay(self, utilization: float | None, tip: str) -> None:
        if utilization == self.utilization and tip == self.overlay_tip and self.toolTip():
            return  # unchanged: no repaint
        self.utilization = utilization
        self.overlay_tip = tip
        pen = QPen(style.utilization_color(utilization), style.utilization_width(utilization, 2.2))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.setPen(pen)
        self.setToolTip("\n".join(t for t in (self.base_tip, tip) if t))

    def setPath(self, path: QPainterPath) -> None:  # noqa: N802 (Qt name)
        """An arbitrary path (an empty one hides the cable) drawn as one piece."""
        self.polyline = []
        self._pending = False
        self._set_pieces([path] if not path.isEmpty() else [])
        self._path = QPainterPath(path)
        if self._halo is not None or self.isSelected():
            self._update_halo()

    def set_polyline(self, points, defer: bool = False) -> None:
        """The routed cable: one piece per straight run (each a thin strip to repaint).

        ``defer``: a cable with no pieces yet keeps only its polyline until ``realize``
        (the scene defers the cables of racks drawn as blocks, which draw nothing)."""
        points = [(float(x), float(y)) for x, y in points]
        if points == self.polyline and (self._segments or self._pending):
            return  # unchanged: nothing to rebuild or repaint
        self.polyline = points
        self._path = None  # made from the polyline when asked
        if defer and not self._segments:
            self._pending = True
            return
        self._pending = False
        self._set_pieces(rounded_pieces(points))
        if self._halo is not None:
            self._update_halo()

    @property
    def pending(self) -> bool:
        """Routed, its pieces not made yet."""
        return self._pending

    def realize(self) -> bool:
        """Make the pieces of a deferred polyline; True if it did."""
        if not self._pending:
            return False
        self._pending = False
        self._set_pieces(rounded_pieces(self.polyline))
        if self._halo is not None:
            self._update_halo()
        return True

    @property
    def segments(self) -> list["CableSegment"]:
        """The pieces (made now if they were deferred)."""
        self.realize()
        return self._segments

    def _set_pieces(self, paths: list[QPainterPath]) -> None:
        made = 0
        while len(self._segments) > len(paths):
            segment = self._segments.pop()
            if segment.scene() is not None:
                segment.scene().removeItem(segment)
            segment.setParentItem(None)
        while len(self._segments) < len(paths):
            segment = CableSegment(self)
            segment.setPen(self._pen)
            segment.setPath(paths[len(self._segments)])
            self._segments.append(segment)
            made += 1
        for segment, piece in zip(self._segments[:len(self._segments) - made], paths):
            if segment.path() != piece:
                segment.setPath(piece)
