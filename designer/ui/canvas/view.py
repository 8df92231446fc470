"""The canvas view: zoom, pan, rubber-band selection, drops from the palette,
connection drags, and turning a whole item drag into one Move command."""

from __future__ import annotations

import json

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QPen, QWheelEvent
from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsView

from .. import style
from .items import HandleItem, PortItem
from .scene import DesignScene

MIME_ELEMENT = "application/x-rackio-element"
MIN_ZOOM, MAX_ZOOM = 0.05, 6.0
LEGEND_W, LEGEND_H = 340.0, 100.0


class DesignView(QGraphicsView):
    statusMessage = Signal(str)
    contextMenuRequested = Signal(object, object, object)  # item, scene pos, global pos
    itemActivated = Signal(str)  # double-click on an element

    def __init__(self, scene: DesignScene, parent=None) -> None:
        super().__init__(scene, parent)
        self.editor = None  # set by the window
        self.setObjectName("designView")
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setOptimizationFlags(QGraphicsView.OptimizationFlag.DontSavePainterState
                                  | QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing)
        self.setAcceptDrops(True)
        self._connect_source = None
        self._connect_line: QGraphicsLineItem | None = None
        self._press_positions: dict[str, tuple[float, float]] = {}
        self._panning = False
        self._pan_last = QPointF()
        self._space_down = False
        self.show_legend = True

    def design_scene(self) -> DesignScene:
        return self.scene()  # type: ignore[return-value]

    # ------------------------------------------------------------------- zoom
    def zoom_factor(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        current = self.zoom_factor()
        factor = max(MIN_ZOOM / current, min(MAX_ZOOM / current, factor))
        self.scale(factor, factor)

    def zoom_in(self) -> None:
        self.zoom_by(1.25)

    def zoom_out(self) -> None:
        self.zoom_by(0.8)

    def reset_zoom(self) -> None:
        self.resetTransform()

    def fit_all(self) -> None:
        rect = self.design_scene().content_rect()
        if rect.isEmpty():
            self.resetTransform()
            return
        self.fitInView(rect.adjusted(-40, -40, 40, 40), Qt.AspectRatioMode.KeepAspectRatio)
        if self.show_legend and self.zoom_factor() > 0:
            # Keep the design clear of the legend in the bottom-left corner.
            extra = (LEGEND_H + 20) / self.zoom_factor()
            self.fitInView(rect.adjusted(-40, -40, 40, 40 + extra), Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom_factor() > 1.5:
            self.resetTransform()
            self.scale(1.5, 1.5)
            self.centerOn(rect.center())

    def center_on_element(self, element_id: str) -> bool:
        item = self.design_scene().element_item(element_id)
        if item is None:
            return False
        self.ensureVisible(item.sceneBoundingRect(), 60, 60)
        self.centerOn(item.sceneBoundingRect().center())
        return True

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            super().wheelEvent(event)  # scroll
            return
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.0015 ** delta)
        event.accept()

    # ------------------------------------------------------------------- keys
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    # ------------------------------------------------------------------ mouse
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space_down
        ):
            self._panning = True
            self._pan_last = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            item = self.itemAt(event.position().toPoint())
            if isinstance(item, (PortItem, HandleItem)):
                self._start_connection(item)
                event.accept()
                return
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            scene = self.design_scene()
            self._press_positions = {
                eid: (it.x(), it.y()) for eid, it in scene.top_items.items() if it.isSelected()
            }

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._panning:
            delta = event.position() - self._pan_last
            self._pan_last = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        if self._connect_line is not None:
            line = self._connect_line.line()
            self._connect_line.setLine(QLineF(line.p1(), self.mapToScene(event.position().toPoint())))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._panning and event.button() in (Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton):
            self._panning = False
            if self._space_down:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            event.accept()
            return
        if self._connect_line is not None and event.button() == Qt.MouseButton.LeftButton:
            self._finish_connection(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and self._press_positions:
            scene = self.design_scene()
            moves = {}
            for eid, old in self._press_positions.items():
                item = scene.top_items.get(eid)
                if item is not None and (item.x(), item.y()) != old:
                    moves[eid] = (old, (item.x(), item.y()))
            self._press_positions = {}
            if moves and self.editor is not None:
                error = self.editor.commit_moves(moves)
                if error:
                    self.statusMessage.emit(error)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        while item is not None and getattr(item, "element_id", None) is None:
            item = item.parentItem()
        if item is not None:
            self.itemActivated.emit(item.element_id)  # type: ignore[attr-defined]
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    # ------------------------------------------------------------ connections
    def _start_connection(self, source) -> None:
        self._connect_source = source
        start = source.connector_anchor()
        line = QGraphicsLineItem(QLineF(start, start))
        pen = QPen(style.SELECTION, 2, Qt.PenStyle.DashLine)
        line.setPen(pen)
        line.setZValue(100)
        self.design_scene().addItem(line)
        self._connect_line = line
        self.statusMessage.emit("Release on the element to connect to (Esc cancels).")

    def _finish_connection(self, scene_pos: QPointF) -> None:
        source = self._connect_source
        self.cancel_connection()
        if self.editor is None or source is None:
            return
        target = None
        for item in self.design_scene().items(scene_pos):
            if item is source or item is getattr(source, "owner", None):
                continue
            if isinstance(item, (PortItem, HandleItem)) or getattr(item, "element_id", None) is not None:
                target = item
                break
        error = self.editor.connect(source, target)
        self.statusMessage.emit(error or "Connected.")

    def cancel_connection(self) -> None:
        if self._connect_line is not None:
            self.design_scene().removeItem(self._connect_line)
        self._connect_line = None
        self._connect_source = None

    # ------------------------------------------------------------------- drops
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(MIME_ELEMENT):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(MIME_ELEMENT):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        if not mime.hasFormat(MIME_ELEMENT) or self.editor is None:
            event.ignore()
            return
        payload = decode_payload(bytes(mime.data(MIME_ELEMENT)))
        if payload is None:
            self.statusMessage.emit("That drop does not carry a RackIO element.")
            event.ignore()
            return
        kind, preset = payload
        error = self.editor.drop(kind, preset, self.mapToScene(event.position().toPoint()))
        self.statusMessage.emit(error or f"Added {kind}.")
        if error:
            event.ignore()
        else:
            event.acceptProposedAction()

    def drawForeground(self, painter: QPainter, rect) -> None:
        """The overlay's legend, fixed in the view's corner."""
        super().drawForeground(painter, rect)
        scene = self.design_scene()
        if not getattr(scene, "overlay_enabled", False) or scene.solution is None or not self.show_legend:
            return
        painter.save()
        painter.resetTransform()
        draw_legend(painter, QPointF(12, self.viewport().height() - LEGEND_H - 12))
        painter.restore()

    def contextMenuEvent(self, event) -> None:
        item = self.itemAt(event.pos())
        self.contextMenuRequested.emit(item, self.mapToScene(event.pos()), event.globalPos())
        event.accept()


LEGEND_SCALE_H = 50.0  # the utilisation scale's share of the legend's height


def legend_size(utilization: bool = True):
    """Size of the legend ``draw_legend`` draws (without the scale: modes only)."""
    from PySide6.QtCore import QSizeF

    return QSizeF(LEGEND_W, LEGEND_H if utilization else LEGEND_H - LEGEND_SCALE_H)


def draw_legend(painter: QPainter, origin: QPointF, utilization: bool = True) -> QRectF:
    """Utilisation scale (unless ``utilization`` is off) and attachment modes; returns the area drawn."""
    from PySide6.QtGui import QColor, QFont

    box = QRectF(origin, legend_size(utilization))
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(style.LEGEND_FRAME, 1))
    fill = QColor(style.SURFACE)  # white in the light theme, dark grey in the dark one
    fill.setAlpha(235)
    painter.setBrush(fill)
    painter.drawRoundedRect(box, 6, 6)
    font = QFont()
    font.setPointSizeF(7.5)
    painter.setFont(font)
    if utilization:
        _draw_legend_scale(painter, box)
    y = box.top() + (LEGEND_SCALE_H + 8 if utilization else 8)
    x = box.left() + 10
    for mode in ("vf", "passthrough", "paravirtual", "emulated"):
        pen = QPen(style.MODE_COLORS[mode], 2.5)
        if mode in ("paravirtual", "emulated"):
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(QPointF(x, y + 6), QPointF(x + 22, y + 6))
        painter.setPen(style.TEXT)
        painter.drawText(QRectF(x + 26, y, 130, 13), Qt.AlignmentFlag.AlignLeft, style.MODE_LABELS[mode])
        if mode == "passthrough":
            x, y = box.left() + 10, y + 18
        else:
            x += 160
    return box


def _draw_legend_scale(painter: QPainter, box: QRectF) -> None:
    from PySide6.QtGui import QLinearGradient

    painter.setPen(style.TEXT)
    painter.drawText(QRectF(box.left() + 10, box.top() + 6, 300, 14), Qt.AlignmentFlag.AlignLeft,
                     "Utilisation of ports, PCIe and links · VMM gauge")
    bar = QRectF(box.left() + 10, box.top() + 24, 230, 10)
    gradient = QLinearGradient(bar.topLeft(), bar.topRight())
    for u, color in style.UTIL_STOPS[:-1]:
        gradient.setColorAt(u * 0.999, color)
    gradient.setColorAt(0.999, style.UTIL_STOPS[-2][1])
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(gradient)
    painter.drawRect(bar)
    painter.setBrush(style.SATURATED_COLOR)
    painter.drawRect(QRectF(bar.right() + 6, bar.top() - 2, 34, 14))
    painter.setPen(style.MUTED_TEXT)
    # 0 % starts at the bar's left end (centred under it, it would touch the frame).
    painter.drawText(QRectF(bar.left(), bar.bottom() + 1, 30, 12), Qt.AlignmentFlag.AlignLeft, "0%")
    for u in (0.5, 0.75, 0.9):
        x = bar.left() + u * bar.width()
        painter.drawText(QRectF(x - 15, bar.bottom() + 1, 30, 12), Qt.AlignmentFlag.AlignCenter, f"{u * 100:.0f}%")
    painter.drawText(QRectF(bar.right() + 2, bar.bottom() + 1, 60, 12), Qt.AlignmentFlag.AlignLeft, "100% full")


def encode_payload(kind: str, preset: dict | None = None) -> bytes:
    return json.dumps({"kind": kind, "preset": preset or {}}).encode("utf-8")


def decode_payload(data: bytes) -> tuple[str, dict] | None:
    """Parse drag data; anything malformed is None (never an exception)."""
    try:
        if len(data) > 65536:
            return None
        doc = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    kind = doc.get("kind")
    preset = doc.get("preset", {})
    if kind not in ("network", "switch", "server", "nic", "vf", "vm") or not isinstance(preset, dict):
        return None
    return kind, preset
