"""Semantic zoom on the topology canvas: what each zoom level shows, and the rack items.

At 100 % a server shows its NICs, VFs, vSwitch and guests. Below ``DETAIL_ZOOM`` the
guests' text would be under 8 px, so a server shows a summary instead (name, VMM gauge
with numbers, guest counts by mode, worst port). When a rack's servers are too small on
screen for that summary (``RACK_BLOCK_PX``) the rack becomes one block: its name,
servers, VMs, VMM cores, peak uplink and problems; its servers and their cables are not
drawn, and one bundle line per far end stands for the cables that leave the rack. A
rack or a server can also be collapsed by hand; that choice is saved in the project
(``view.collapsed``, docs/file-format.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QGraphicsPathItem

from .. import style
from .items import (
    _FIT_LABELS,
    MIN_TEXT_PX,
    TOGGLE,
    DeviceText,
    _detail,
    _paint_toggle,
    fit_lines,
    text_advance,
)

DETAIL_ZOOM = 0.55  # at and above: guests, NICs and VFs with their text
RACK_BLOCK_PX = 60.0  # a typical server box shorter than this on screen: its rack is one block
RACK_PAD = 30.0  # frame around a rack's servers
RACK_LABEL_H = 26.0
# A rack block up to this many pixels on screen keeps a pixmap of itself (see
# ``RackGroupItem.set_view_zoom``); a larger one, and a frame, is painted each time.
MAX_CACHED_BLOCK_PX = 1_500_000
BLOCK_MAX_PX = 22.0  # a large block (an overview export, a collapsed rack up close) writes larger


def server_level(zoom: float) -> str:
    return "detail" if zoom >= DETAIL_ZOOM - 1e-9 else "summary"


@dataclass
class RackStats:
    servers: int = 0
    vms: int = 0
    vmm_cores: float = 0.0
    vmm_budget: float = 0.0
    solved: bool = False
    uplink: tuple[float, str] | None = None  # peak utilisation, cable id
    errors: int = 0
    warnings: int = 0
    members: list[str] = field(default_factory=list)


class RackGroupItem(QGraphicsObject):
    """A rack on the topology canvas: a frame with its name around its servers, or,
    as a block (far out, or collapsed by hand), one box that summarises the rack."""

    def __init__(self, rack_id: str, label: str) -> None:
        super().__init__()
        self.rack_id = rack_id
        self._label = label or rack_id
        self.rect = QRectF()
        self.drawn_as_block = False  # what it shows now (``block`` also brings a stale rack up to date)
        self.applied: tuple[bool, str] | None = None  # (block, server level) the scene last gave it
        self._collapsed = False
        self.stats = RackStats()
        self.typical_h = 200.0  # median server height: when the block takes over
        self.text_px = 0.0  # text size of the block's last paint, in screen pixels
        self.label_px = 0.0  # text size of the frame's name at its last paint (0: not drawn)
        self.marked: list[tuple[str, QRectF]] = []  # selected servers the block stands for
        self.shown_lines: list[str] = []  # what the block's last paint wrote
        self.block_toggle: QRectF | None = None
        self._layout: tuple | None = None  # the block's text layout at its last zoom (_paint_block)
        self.view_zoom = 1.0  # the view's scale (``set_view_zoom``)
        self.setZValue(-1)
        self.setAcceptHoverEvents(True)

    # What the block shows: a change paints it again (it may keep a pixmap, ``set_view_zoom``).
    @property
    def label(self) -> str:
        return self._label

    @label.setter
    def label(self, label: str) -> None:
        if label != self._label:
            self._label = label
            self._layout = None
            self._refresh_tooltip()
            self.update()

    @property
    def collapsed(self) -> bool:
        return self._collapsed

    @collapsed.setter
    def collapsed(self, collapsed: bool) -> None:
        if collapsed != self._collapsed:
            self._collapsed = collapsed
            self.update()  # the toggle shows + or −

    def set_rect(self, rect: QRectF) -> None:
        if rect != self.rect:
            self.prepareGeometryChange()
            self.rect = QRectF(rect)
            self._layout = None
            self._choose_cache()
            self.update()

    @property
    def block(self) -> bool:
        """Drawn as one block. A rack the scene has not brought to the current zoom's level
        yet (off screen, see ``DesignScene._apply_levels``) is brought there first."""
        scene = self.scene()
        if scene is not None and hasattr(scene, "flush_rack"):
            scene.flush_rack(self)
        return self.drawn_as_block

    def set_block(self, block: bool) -> None:
        if block != self.drawn_as_block:
            self.drawn_as_block = block
            self.setZValue(1 if block else -1)
            self._choose_cache()
            self.update()

    def set_view_zoom(self, zoom: float) -> None:
        """The view's scale changed: a block that is small on screen keeps a pixmap of
        itself, so that a zoom step paints it once and a pan, a repaint or a hover only copies
        it (50 blocks at fit cost 10 ms a paint). A frame, mostly empty, and a block as large
        as the window (a rack collapsed by hand, zoomed in) would each need a pixmap the size
        of the rack on screen: they are painted each time."""
        self.view_zoom = zoom
        self._choose_cache()

    def _choose_cache(self) -> None:
        area = self.rect.width() * self.rect.height() * self.view_zoom * self.view_zoom
        scene = self.scene()
        in_view = scene is not None and bool(scene.views())  # an export's scene has none: vectors
        mode = QGraphicsItem.CacheMode.DeviceCoordinateCache \
            if in_view and self.drawn_as_block and area <= MAX_CACHED_BLOCK_PX else QGraphicsItem.CacheMode.NoCache
        if self.cacheMode() != mode:
            self.setCacheMode(mode)

    def set_stats(self, stats: RackStats) -> None:
        if stats == self.stats:
            return  # a re-solve that changed nothing here: the block keeps its pixmap
        self.stats = stats
        self._layout = None
        self._refresh_tooltip()
        self.update()

    def _refresh_tooltip(self) -> None:
        self.setToolTip("\n".join([self.label] + self.lines(full=True)))

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-2, -RACK_LABEL_H - 2, 2, 2)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        if self.drawn_as_block:
            path.addRect(self.rect)
        else:  # only the frame's label strip and toggle take clicks: the servers stay reachable
            path.addRect(QRectF(self.rect.left(), self.rect.top() - RACK_LABEL_H, self.rect.width(), RACK_LABEL_H))
        return path

    def toggle_rect(self) -> QRectF:
        return QRectF(self.rect.right() - TOGGLE - 4, self.rect.top() - RACK_LABEL_H + 4, TOGGLE, TOGGLE)

    def lines(self, full: bool = False) -> list[str]:
        s = self.stats
        out = [f"{s.servers} server{'s' * (s.servers != 1)}", f"{s.vms} VM{'s' * (s.vms != 1)}"]
        out.append(f"VMM {s.vmm_cores:.1f}/{s.vmm_budget:g} cores" if s.solved else f"VMM budget {s.vmm_budget:g} cores")
        if s.uplink is None:
            out.append("uplink: none" if s.solved else "uplink: not solved")
        else:
            out.append(f"uplink peak {s.uplink[0] * 100:.0f} %" + (f" ({s.uplink[1]})" if full else ""))
        if s.errors or s.warnings:
            parts = []
            if s.errors:
                parts.append(f"{s.errors} error{'s' * (s.errors != 1)}")
            if s.warnings:
                parts.append(f"{s.warnings} warning{'s' * (s.warnings != 1)}")
            out.append(" · ".join(parts))
        else:
            out.append("no problems" if s.solved else "")
        return [line for line in out if line]

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            hit_toggle = self.toggle_rect().contains(event.pos()) or (self.drawn_as_block and self._block_toggle().contains(event.pos()))
            if hit_toggle:
                scene = self.scene()
                if scene is not None and hasattr(scene, "set_collapsed"):
                    scene.set_collapsed(self.rack_id, not self.collapsed)
                event.accept()
                return
        event.ignore()

    def mouseDoubleClickEvent(self, event) -> None:
        if self.drawn_as_block:  # a block opens where it stands
            scene = self.scene()
            if self.collapsed and scene is not None and hasattr(scene, "set_collapsed"):
                scene.set_collapsed(self.rack_id, False)
            event.accept()
            return
        event.ignore()

    def _block_toggle(self) -> QRectF:
        if self.block_toggle is not None:
            return QRectF(self.block_toggle)
        return QRectF(self.rect.right() - TOGGLE - 6, self.rect.top() + 6, TOGGLE, TOGGLE)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scale = _detail(painter, option)
        if self.drawn_as_block:
            self._paint_block(painter, scale)
            return
        pen = QPen(style.current().rack_frame, 1.5 / max(scale, 1e-3) if scale < 1 else 1.5, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(self.rect, 10, 10)
        text = DeviceText(painter)
        self.label_px = 0.0
        width = self.rect.width() - TOGGLE - 16
        px = min(13.0, RACK_LABEL_H * text.scale * 0.7)
        if px >= MIN_TEXT_PX:
            strip = QRectF(self.rect.left() + 6, self.rect.top() - RACK_LABEL_H - 3, width, RACK_LABEL_H)
            text.draw(painter, strip, self.label, px, style.current().muted_text, True)
            self.label_px = px
        else:
            # Too far out for the strip above the frame: the name sits on the frame's top
            # line, over the padding above the servers (a gap in the dashed line behind it),
            # so a fitted rack of several servers still says which rack it is.
            band = (RACK_LABEL_H + RACK_PAD - 6) * text.scale
            px = min(13.0, band * 0.62)
            if px >= MIN_TEXT_PX:
                font = QFont()
                font.setPixelSize(round(px * text.dpi / 96.0))
                font.setBold(True)
                advance = QFontMetricsF(font).horizontalAdvance(self.label) / max(text.scale, 1e-6)
                advance *= 96.0 / text.dpi
                line_h = px * 1.3 / text.scale
                strip = QRectF(self.rect.left() + 14, self.rect.top() - line_h / 2, min(width - 8, advance + 8 / text.scale),
                               line_h)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(style.current().canvas_bg)
                painter.drawRect(strip)
                text.draw(painter, strip.adjusted(4 / text.scale, 0, 0, 0), self.label, px, style.current().muted_text, True)
                self.label_px = px
        _paint_toggle(painter, self.toggle_rect(), self.collapsed)

    def set_marked(self, marked: list[tuple[str, QRectF]]) -> None:
        """The selected servers (name, box in scene coordinates) that this block hides:
        the block is outlined in the selection colour and shows where they stand in it."""
        if marked != self.marked:
            self.marked = list(marked)
            self._layout = None
            self.update()

    def block_lines(self) -> list[tuple[int, str, str]]:
        """What a block says under its name: (priority, full text, short text), in reading
        order. A small block keeps the lines of highest priority (lowest number): the
        selected server, the problems, the uplink, then the counts."""
        s = self.stats
        out: list[tuple[int, str, str]] = []
        if self.marked:
            name = self.marked[0][0] + (f" +{len(self.marked) - 1}" if len(self.marked) > 1 else "")
            out.append((0, f"selected: {name}", name))
        lines = self.lines()
        for text in lines:
            if text.endswith(("server", "servers")):
                out.append((4, text, text.replace(" servers", " srv").replace(" server", " srv")))
            elif text.endswith(("VM", "VMs")):
                out.append((5, text, text))
            elif text.startswith("VMM"):
                out.append((6, text, text.replace(" cores", "")))
            elif text.startswith("uplink"):
                out.append((2, text, text.replace("uplink peak ", "uplink ")))
            else:  # problems
                out.append((1, text, text.replace(" errors", " err").replace(" error", " err")
                            .replace(" warnings", " warn").replace(" warning", " warn")))
        return out

    def _paint_block(self, painter: QPainter, scale: float) -> None:
        box = self.rect
        s = self.stats
        lw = 1.5 / max(scale, 1e-3) if scale < 1 else 1.5
        painter.setPen(QPen(style.current().outline, lw))
        painter.setBrush(style.current().kind_colors["rack"])
        painter.drawRoundedRect(box, 12, 12)
        # A bar along the top in the colour of the peak uplink, a red edge for errors.
        bar = min(box.height() * 0.04, 10 / max(scale, 1e-3))  # at most 10 px: a bar, not a band
        bar = max(bar, 4 / max(scale, 1e-3))
        if s.uplink is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(style.gauge_fill(s.uplink[0]))
            painter.drawRect(QRectF(box.left(), box.top(), box.width(), bar))
        if s.errors:
            edge = 3 / max(scale, 1e-3)  # inside the box: its bounding rectangle holds it at any zoom
            painter.setPen(QPen(style.current().error_color, edge))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box.adjusted(edge / 2, edge / 2, -edge / 2, -edge / 2), 12, 12)
        if self.marked:
            # Where the selected servers stand in the rack (at least 6 px, to be seen), and
            # the block outlined like any selected item.
            least = 6 / max(scale, 1e-6)
            fill = QColor(style.current().selection)
            fill.setAlpha(70)  # light: the block's text stays readable over it
            painter.setPen(QPen(style.current().selection, 1.5 / max(scale, 1e-6)))
            painter.setBrush(fill)
            for _name, cell in self.marked:
                cell = QRectF(cell)
                if cell.width() < least or cell.height() < least:
                    c = cell.center()
                    cell = QRectF(c.x() - max(cell.width(), least) / 2, c.y() - max(cell.height(), least) / 2,
                                  max(cell.width(), least), max(cell.height(), least))
                painter.drawRect(cell)
            edge = 3.5 / max(scale, 1e-6)
            inset = edge / 2 + (3 / max(scale, 1e-3) if s.errors else 0.0)  # inside the red edge, not over it
            painter.setPen(QPen(style.current().selection, edge))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box.adjusted(inset, inset, -inset, -inset), 12, 12)
        text = DeviceText(painter)
        if text.scale <= 0:
            self.text_px = 0.0
            self.shown_lines = []
            return
        # The text's layout (sizes fitted to the block, which lines fit) is made once per
        # zoom: a pan, a repaint or a hover paints the block again with the same layout.
        key = (text.scale, text.dpi, bar, self.label, _exporting(), style.current_theme())
        layout = self._layout
        if layout is None or layout[0] != key:
            layout = self._layout = (key, self._lay_out_text(text, bar))
        px, shown, draws, toggle = layout[1]
        self.text_px = px
        self.shown_lines = list(shown)
        if draws:
            flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            to_device = text.transform.mapRect
            painter.save()
            painter.resetTransform()
            for rect, font, line_text, color in draws:
                painter.setFont(font)
                painter.setPen(color)
                painter.drawText(to_device(rect), flags, line_text)
            painter.restore()
        if toggle is not None:
            self.block_toggle = toggle
            _paint_toggle(painter, toggle, self.collapsed)

    def _lay_out_text(self, text: DeviceText, bar: float) -> tuple[float, list[str], list, QRectF | None]:
        """What the block writes at this zoom: (text size in px, the lines written, what to
        draw as (scene rectangle, font, text, colour), the collapse toggle or None)."""
        box = self.rect
        s = self.stats
        scale = text.scale
        width_px = box.width() * scale
        height_px = box.height() * scale
        ratio = text.dpi / 96.0
        # A size at which the name and every line fit the height (8 to 16 px); the name
        # as large as fits whole (wrapped only if one line does not fit at 8 px).
        # The selection's line does not count: selecting a server must not resize the text,
        # and every block of a row of equal racks gets the same size. The size is the
        # largest at which each line's short form fits the width.
        entries = self.block_lines()
        lines = [entry for entry in entries if entry[0] != 0]
        px = max(MIN_TEXT_PX, min(BLOCK_MAX_PX, height_px / (2.2 + 1.45 * len(lines) + 0.8)))
        margin = max(4.0, min(px, 10.0))
        while px > MIN_TEXT_PX:
            pixels = max(1, round(px * ratio))
            limit = (width_px - 2 * margin) * ratio
            if all(text_advance(short, pixels, False) <= limit for _p, _full, short in lines):
                break
            px = max(MIN_TEXT_PX, px - 0.5)
            margin = max(4.0, min(px, 10.0))
        title = fit_lines(self.label, width_px - 2 * margin - (px * 1.8 if not _exporting() else 0),
                          height_px * 0.5, px * 1.2, MIN_TEXT_PX, True)
        if title is None:
            # Too small to read even the name: the block, its uplink bar, error edge and
            # selection marks say it.
            return 0.0, [], [], None
        title_px, title_lines = title
        px = max(MIN_TEXT_PX, min(px, title_px / 1.2))
        unit = px / scale
        line = unit * 1.45
        inner = box.adjusted(margin / scale, bar + unit * 0.5, -margin / scale, -unit * 0.5)  # under the bar
        palette = style.current()
        draws = []
        y = inner.top()
        for title_line in title_lines:
            rect = QRectF(inner.left(), y, inner.width(), title_px * 1.25 / scale)
            draws.append((rect, *text.prepare(rect, title_line, title_px, True), palette.text))
            y += title_px * 1.25 / scale
        y += unit * 0.3
        shown = list(title_lines)
        # Which lines fit: whole, in full or short form, as many as the height allows,
        # chosen by priority and drawn in reading order.
        pixels = max(1, round(px * ratio))
        room = int(max(0.0, inner.bottom() - y) // line)
        limit = inner.width() * scale * ratio
        fitting = []
        for order, (priority, full, short) in enumerate(entries):
            chosen = full if text_advance(full, pixels, False) <= limit else (
                short if text_advance(short, pixels, False) <= limit else None)
            if chosen is not None:
                fitting.append((priority, order, chosen))
        keep = sorted(sorted(fitting)[:room], key=lambda t: t[1])
        for priority, _order, line_text in keep:
            color = palette.text
            if priority == 0:
                color = palette.selection
            elif priority == 2 and s.uplink is not None:
                color = style.utilization_text(s.uplink[0])
            elif priority == 1 and s.errors:
                color = palette.error_color
            rect = QRectF(inner.left(), y, inner.width(), line)
            draws.append((rect, *text.prepare(rect, line_text, px, priority == 0), color))
            shown.append(line_text)
            y += line
        toggle = None
        if not _exporting():
            toggle = QRectF(box.right() - unit * 1.6 - margin / scale * 0.5, box.top() + unit * 0.5,
                            unit * 1.6, unit * 1.6)
        return px, shown, draws, toggle


def _exporting() -> bool:
    """An export paints (no collapse toggle to leave room for)."""
    return bool(_FIT_LABELS[0])


class BundleItem(QGraphicsPathItem):
    """The cables between a rack drawn as a block and one far end, as one line."""

    def __init__(self, key: tuple[str, str]) -> None:
        super().__init__()
        self.key = key  # (rack id, far end: element id or rack id)
        self.setZValue(0.5)
        self.count = 0
        self.utilization: float | None = None

    def set_line(self, a: QPointF, b: QPointF, count: int, utilization: float | None, far_name: str) -> None:
        path = QPainterPath(a)
        dy = (b.y() - a.y()) * 0.5
        path.cubicTo(QPointF(a.x(), a.y() + dy), QPointF(b.x(), b.y() - dy), b)
        if path != self.path():
            self.setPath(path)
        self.count = count
        self.utilization = utilization
        width = style.utilization_width(utilization, 3.0) + min(6.0, count ** 0.5)
        pen = QPen(style.utilization_color(utilization), min(width, 6.0))
        pen.setCosmetic(True)  # a bundle stands out at overview zoom, where a cable is a hairline
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.setPen(pen)
        tip = f"{count} cable{'s' * (count != 1)} from rack {self.key[0]} to {far_name}"
        if utilization is not None:
            tip += f"; busiest {utilization * 100:.1f} %"
        self.setToolTip(tip)


def block_anchor(rect: QRectF, toward: QPointF) -> QPointF:
    """Where a bundle meets a rack block: its top or bottom edge, toward the far end."""
    x = min(max(toward.x(), rect.left() + rect.width() * 0.2), rect.right() - rect.width() * 0.2)
    return QPointF(x, rect.top() if toward.y() < rect.center().y() else rect.bottom())
