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
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsObject, QGraphicsPathItem

from .. import style
from .items import MAX_SUMMARY_PX, MIN_TEXT_PX, TOGGLE, DeviceText, _detail, _paint_toggle

DETAIL_ZOOM = 0.55  # at and above: guests, NICs and VFs with their text
RACK_BLOCK_PX = 60.0  # a typical server box shorter than this on screen: its rack is one block
RACK_PAD = 30.0  # frame around a rack's servers
RACK_LABEL_H = 26.0


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
        self.label = label or rack_id
        self.rect = QRectF()
        self.block = False
        self.collapsed = False
        self.stats = RackStats()
        self.typical_h = 200.0  # median server height: when the block takes over
        self.text_px = 0.0  # text size of the block's last paint, in screen pixels
        self.setZValue(-1)
        self.setAcceptHoverEvents(True)

    def set_rect(self, rect: QRectF) -> None:
        if rect != self.rect:
            self.prepareGeometryChange()
            self.rect = QRectF(rect)
            self.update()

    def set_block(self, block: bool) -> None:
        if block != self.block:
            self.block = block
            self.setZValue(1 if block else -1)
            self.update()

    def set_stats(self, stats: RackStats) -> None:
        self.stats = stats
        self.setToolTip("\n".join([self.label] + self.lines(full=True)))
        self.update()

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-2, -RACK_LABEL_H - 2, 2, 2)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        if self.block:
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
            hit_toggle = self.toggle_rect().contains(event.pos()) or (self.block and self._block_toggle().contains(event.pos()))
            if hit_toggle:
                scene = self.scene()
                if scene is not None and hasattr(scene, "set_collapsed"):
                    scene.set_collapsed(self.rack_id, not self.collapsed)
                event.accept()
                return
        event.ignore()

    def mouseDoubleClickEvent(self, event) -> None:
        if self.block:  # a block opens where it stands
            scene = self.scene()
            if self.collapsed and scene is not None and hasattr(scene, "set_collapsed"):
                scene.set_collapsed(self.rack_id, False)
            event.accept()
            return
        event.ignore()

    def _block_toggle(self) -> QRectF:
        return QRectF(self.rect.right() - TOGGLE - 6, self.rect.top() + 6, TOGGLE, TOGGLE)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scale = _detail(painter, option)
        if self.block:
            self._paint_block(painter, scale)
            return
        pen = QPen(style.RACK_FRAME, 1.5 / max(scale, 1e-3) if scale < 1 else 1.5, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(self.rect, 10, 10)
        text = DeviceText(painter)
        px = min(13.0, RACK_LABEL_H * text.scale * 0.7)
        strip = QRectF(self.rect.left() + 6, self.rect.top() - RACK_LABEL_H, self.rect.width() - TOGGLE - 16, RACK_LABEL_H)
        if px >= MIN_TEXT_PX:
            text.draw(painter, strip, self.label, px, style.MUTED_TEXT, True)
        _paint_toggle(painter, self.toggle_rect(), self.collapsed)

    def _paint_block(self, painter: QPainter, scale: float) -> None:
        box = self.rect
        s = self.stats
        painter.setPen(QPen(style.OUTLINE, 1.5 / max(scale, 1e-3) if scale < 1 else 1.5))
        painter.setBrush(style.KIND_COLORS["rack"])
        painter.drawRoundedRect(box, 12, 12)
        # A bar along the top in the colour of the peak uplink, a red edge for errors.
        if s.uplink is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(style.gauge_fill(s.uplink[0]))
            painter.drawRect(QRectF(box.left(), box.top(), box.width(), max(box.height() * 0.04, 4 / max(scale, 1e-3))))
        if s.errors:
            painter.setPen(QPen(style.ERROR_COLOR, 3 / max(scale, 1e-3)))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box, 12, 12)
        text = DeviceText(painter)
        scale = text.scale
        px = min(MAX_SUMMARY_PX + 3, box.height() * scale / 8.0, box.width() * scale / 12.0)
        if px < MIN_TEXT_PX:
            # Too small to read even the name: the block, its uplink bar and error edge say it.
            return
        self.text_px = px
        unit = px / scale
        line = unit * 1.45
        inner = box.adjusted(unit, unit * 0.9, -unit, -unit * 0.5)
        y = inner.top()
        text.draw(painter, QRectF(inner.left(), y, inner.width() - unit * 1.8, line * 1.2), self.label,
                  px * 1.2, style.TEXT, True)
        y += line * 1.3
        for line_text in self.lines():
            if y + line > inner.bottom():
                break
            color = style.TEXT
            if line_text.startswith("uplink peak") and s.uplink is not None:
                color = style.utilization_text(s.uplink[0])
            elif "error" in line_text:
                color = style.ERROR_COLOR
            text.draw(painter, QRectF(inner.left(), y, inner.width(), line), line_text, px, color)
            y += line
        toggle = QRectF(box.right() - unit * 1.6 - unit * 0.5, box.top() + unit * 0.5, unit * 1.6, unit * 1.6)
        _paint_toggle(painter, toggle, self.collapsed)


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
