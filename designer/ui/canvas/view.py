"""The canvas view: zoom, fit and the legend. Its gestures (connect, re-target, move,
pan, rubber band, drop) are interaction objects (``interactions.py``): the view
starts one on a press or a drag entering it and hands it the events that follow."""

from __future__ import annotations

import json

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import QGraphicsView, QWidget

from .. import style
from ..autofit import AutoFit
from ..interaction import InteractionHost
from .interactions import (
    DropInteraction,
    EndHandles,
    Feedback,
    Interaction,
    interaction_for_press,
    is_overlay,
)
from .scene import DesignScene

MIME_ELEMENT = "application/x-rackio-element"
MIN_ZOOM, MAX_ZOOM = 0.002, 6.0  # a fitted 50-rack design is at about 0.007
LEGEND_W, LEGEND_H = 340.0, 100.0


class DesignView(QGraphicsView, AutoFit, InteractionHost):
    statusMessage = Signal(str)
    legendMoved = Signal(str)  # the corner the legend was dragged to
    contextMenuRequested = Signal(object, object, object)  # item, scene pos, global pos
    itemActivated = Signal(str)  # double-click on an element

    def __init__(self, scene: DesignScene, parent=None) -> None:
        super().__init__(scene, parent)
        self.editor = None  # set by the window
        self.setObjectName("designView")
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)  # the rubber band is an interaction
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setOptimizationFlags(QGraphicsView.OptimizationFlag.DontSavePainterState
                                  | QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing)
        self.setAcceptDrops(True)
        from PySide6.QtGui import QPixmapCache

        # Item pixmaps (details and summaries in view) live in Qt's pixmap cache: room for a screenful.
        QPixmapCache.setCacheLimit(max(QPixmapCache.cacheLimit(), 96 * 1024))
        # The gesture under way (interactions.py), one at a time; the view hands it its events.
        self._interaction: Interaction | None = None
        self.space_held = False  # Space + left button pans
        # While a drag is under way: the frame around what is under the pointer.
        self.feedback = Feedback(self)
        self.end_handles = EndHandles(self)
        self.end_handles.bind(scene)
        self.legend = LegendOverlay(self)
        self._init_auto_fit()

    @property
    def show_legend(self) -> bool:
        return self.legend.wanted

    @show_legend.setter
    def show_legend(self, on: bool) -> None:
        self.legend.wanted = on
        self.legend.sync()

    def design_scene(self) -> DesignScene:
        return self.scene()  # type: ignore[return-value]

    def setScene(self, scene) -> None:  # noqa: N802 (Qt name)
        if getattr(self, "_interaction", None) is not None:
            self._interaction.cancel()
        super().setScene(scene)
        if hasattr(self, "end_handles"):
            self.end_handles.bind(scene)
        if scene is not None and hasattr(scene, "set_zoom"):
            scene.set_zoom(self.zoom_factor())
            scene.overlayChanged.connect(self.legend.sync)
        self.legend.sync()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        # The cables of a rack drawn open are made before it is painted (a large design makes
        # the cables inside racks drawn as blocks only when they are drawn: DesignScene.realize_shown).
        realize = getattr(self.scene(), "realize_shown", None)
        if realize is not None:
            realize()
        super().paintEvent(event)

    # The level of detail follows every change of scale, whoever makes it.
    def scale(self, sx: float, sy: float) -> None:
        super().scale(sx, sy)
        self._zoom_changed()

    def resetTransform(self) -> None:  # noqa: N802 (Qt name)
        super().resetTransform()
        self._zoom_changed()

    def setTransform(self, matrix, combine: bool = False) -> None:  # noqa: N802 (Qt name)
        super().setTransform(matrix, combine)
        self._zoom_changed()

    def fitInView(self, *args) -> None:  # noqa: N802 (Qt name)
        super().fitInView(*args)
        self._zoom_changed()

    def _zoom_changed(self) -> None:
        scene = self.scene()
        if scene is not None and hasattr(scene, "set_zoom"):
            scene.set_zoom(self.zoom_factor())

    # ------------------------------------------------------------- fitting
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.legend.sync()
        self._refit_if_automatic()
        self._reveal()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._refit_if_automatic()

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 (Qt name)
        super().scrollContentsBy(dx, dy)
        self.legend.sync()  # a scrolled viewport moves its children: put the legend back
        self._reveal()

    def _reveal(self) -> None:
        """Racks scrolled into view get the level of the zoom before they are painted."""
        scene = self.scene()
        if scene is not None and hasattr(scene, "reveal"):
            scene.reveal()

    # ------------------------------------------------------------------- zoom
    def zoom_factor(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        current = self.zoom_factor()
        factor = max(MIN_ZOOM / current, min(MAX_ZOOM / current, factor))
        self.auto_fit = False
        self.scale(factor, factor)

    def zoom_in(self) -> None:
        self.zoom_by(1.25)

    def zoom_out(self) -> None:
        self.zoom_by(0.8)

    def reset_zoom(self) -> None:
        self.auto_fit = False
        self.resetTransform()

    def fit_all(self) -> None:
        """Show the whole design, clear of the legend, at most at 150 %."""
        self.auto_fit = False
        rect = self.design_scene().content_rect()
        if rect.isEmpty():
            self.resetTransform()
            return
        rect = rect.adjusted(-40, -40, 40, 40)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        room = self.legend.room() if self.legend.isVisible() or self.legend.would_show() else None
        if room is not None and self.zoom_factor() > 0:
            # Fit into the viewport less the legend's strip (above or below it).
            top, height = room
            vh = self.viewport().height()
            if 0 < height < vh - 40:
                extra = height / max(vh - height, 1) * rect.height()
                rect = rect.adjusted(0, -extra if top else 0, 0, 0 if top else extra)
                self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom_factor() > 1.5:
            self.resetTransform()
            self.scale(1.5, 1.5)
            self.centerOn(rect.center())

    def center_on_element(self, element_id: str) -> bool:
        """Centre on an element, zooming in far enough for it to be drawn (not a summary)."""
        scene = self.design_scene()
        item = scene.element_item(element_id)
        if item is None:
            return False
        server_id = scene.child_server.get(element_id)
        if server_id is not None and scene.is_collapsed(server_id):
            scene.set_collapsed(server_id, False)
        from .lod import DETAIL_ZOOM, RACK_BLOCK_PX

        need = 0.0
        if server_id is not None:
            need = DETAIL_ZOOM
        elif element_id in scene.top_items:
            rack = scene.racks.get(getattr(getattr(item, "server", None), "rack", None) or "")
            if rack is not None and not rack.collapsed:
                need = RACK_BLOCK_PX / max(rack.typical_h, 1.0) * 1.05
        if self.zoom_factor() < need:
            self.zoom_by(need / self.zoom_factor())
        item = scene.element_item(element_id)
        self.ensureVisible(item.sceneBoundingRect(), 60, 60)
        self.centerOn(item.sceneBoundingRect().center())
        return True

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.auto_fit = False
            super().wheelEvent(event)  # scroll
            return
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.0015 ** delta)
        event.accept()

    # ------------------------------------------------------------------- keys
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.hand("key_press", event):
            return
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.space_held = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if self.hand("key_release", event):
            return
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.space_held = False
            if self._interaction is None:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def restore_cursor(self) -> None:
        """The cursor when no gesture is under way: an open hand while Space is held."""
        if self.space_held:
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.viewport().unsetCursor()

    # ------------------------------------------------------------ interactions
    # interaction, start_interaction, interaction_ended, cancel_interaction: InteractionHost.

    # ------------------------------------------------------------------ mouse
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.hand("mouse_press", event):
            return
        new = interaction_for_press(self, event)
        if new is not None:
            self.start_interaction(new)
        elif event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.hand("mouse_move", event):
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.hand("mouse_release", event):
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        while item is not None and getattr(item, "element_id", None) is None:
            item = item.parentItem()
        if item is not None and not is_overlay(item):
            self.itemActivated.emit(item.element_id)  # type: ignore[attr-defined]
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    # ------------------------------------------------------------------- drops
    def dragEnterEvent(self, event) -> None:
        mime = event.mimeData()
        if not mime.hasFormat(MIME_ELEMENT):
            event.ignore()
            return
        # Malformed drag data still starts the gesture: the drop then says what is wrong.
        self.start_interaction(DropInteraction(self, decode_payload(bytes(mime.data(MIME_ELEMENT)))))
        event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        interaction = self._interaction
        if isinstance(interaction, DropInteraction):
            interaction.drag_move(event)
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        if isinstance(self._interaction, DropInteraction):
            self._interaction.cancel()
        super().dragLeaveEvent(event)

    def dropEvent(self, event) -> None:
        interaction = self._interaction
        if isinstance(interaction, DropInteraction):
            interaction.drop(event)
        else:
            event.ignore()

    def contextMenuEvent(self, event) -> None:
        item = self.itemAt(event.pos())
        self.contextMenuRequested.emit(item, self.mapToScene(event.pos()), event.globalPos())
        event.accept()


LEGEND_SCALE_H = 50.0  # the utilisation scale's share of the legend's height
LEGEND_MARGIN = 12
CORNERS = ("bottom-left", "bottom-right", "top-left", "top-right")


class LegendOverlay(QWidget):
    """The overlay's legend: a child widget of the canvas viewport, so it is never part
    of the scene's partial repaints and cannot smear. It sits in a corner (View →
    Legend), can be dragged to another corner, and says "solving…" while the colours
    are those of the previous solution."""

    def __init__(self, view: "DesignView") -> None:
        super().__init__(view.viewport())
        self.setObjectName("canvasLegend")
        self.view = view
        self.wanted = True
        self.corner = "bottom-left"
        self.stale = False
        self._drag: QPoint | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground, True)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setToolTip("Drag to another corner; View → Legend hides it")
        self.resize(self.sizeHint())
        self.hide()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(int(LEGEND_W) + 2, int(LEGEND_H) + 2)

    def would_show(self) -> bool:
        scene = self.view.scene()
        return bool(self.wanted and scene is not None and getattr(scene, "overlay_enabled", False)
                    and getattr(scene, "solution", None) is not None)

    def room(self) -> tuple[bool, int] | None:
        """(at the top, height) of the strip the legend takes, for Fit to keep clear."""
        if not self.would_show():
            return None
        return self.corner.startswith("top"), self.height() + 2 * LEGEND_MARGIN

    def set_corner(self, corner: str) -> None:
        if corner in CORNERS:
            self.corner = corner
            self.sync()

    def set_stale(self, stale: bool) -> None:
        if stale != self.stale:
            self.stale = stale
            self.update()

    def sync(self) -> None:
        """Show or hide, and put in its corner."""
        show = self.would_show()
        viewport = self.view.viewport()
        w, h = self.width(), self.height()
        x = LEGEND_MARGIN if self.corner.endswith("left") else viewport.width() - w - LEGEND_MARGIN
        y = LEGEND_MARGIN if self.corner.startswith("top") else viewport.height() - h - LEGEND_MARGIN
        if self._drag is None and (self.x(), self.y()) != (x, y):
            self.move(max(0, x), max(0, y))
        if show != self.isVisible():
            self.setVisible(show)
        if show:
            self.raise_()
            self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        # Every repaint of the canvas under it repaints the legend too (several times per
        # zoom step): it is drawn once into a pixmap and blitted while nothing it shows changed.
        ratio = self.devicePixelRatioF()
        key = (self.stale, style.current_theme(), self.width(), self.height(), ratio)
        if getattr(self, "_pixmap_key", None) != key:
            pixmap = QPixmap(max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio)))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            cache = QPainter(pixmap)
            draw_legend(cache, QPointF(0.5, 0.5), stale=self.stale)
            cache.end()
            self._pixmap, self._pixmap_key = pixmap, key
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._pixmap)
        painter.end()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position().toPoint()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self._drag is not None:
            self.move(self.mapToParent(event.position().toPoint() - self._drag))
            event.accept()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self._drag is not None:
            self._drag = None
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            viewport = self.view.viewport()
            centre = self.geometry().center()
            vertical = "top" if centre.y() < viewport.height() / 2 else "bottom"
            horizontal = "left" if centre.x() < viewport.width() / 2 else "right"
            self.set_corner(f"{vertical}-{horizontal}")
            self.view.legendMoved.emit(self.corner)
            event.accept()


def legend_size(utilization: bool = True):
    """Size of the legend ``draw_legend`` draws (without the scale: modes only)."""
    from PySide6.QtCore import QSizeF

    return QSizeF(LEGEND_W, LEGEND_H if utilization else LEGEND_H - LEGEND_SCALE_H)


def draw_legend(painter: QPainter, origin: QPointF, utilization: bool = True, stale: bool = False) -> QRectF:
    """Utilisation scale (unless ``utilization`` is off) and attachment modes; returns the area drawn.
    ``stale``: the colours are of the previous solution while a new one is computed."""
    from PySide6.QtGui import QColor, QFont

    box = QRectF(origin, legend_size(utilization))
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(style.current().legend_frame, 1))
    fill = QColor(style.current().surface)  # white in the light theme, dark grey in the dark one
    fill.setAlpha(235)
    painter.setBrush(fill)
    painter.drawRoundedRect(box, 6, 6)
    font = QFont()
    font.setPointSizeF(7.5)
    painter.setFont(font)
    if utilization:
        _draw_legend_scale(painter, box, stale)
    y = box.top() + (LEGEND_SCALE_H + 8 if utilization else 8)
    x = box.left() + 10
    for mode in ("vf", "passthrough", "paravirtual", "emulated"):
        pen = QPen(style.MODE_COLORS[mode], 2.5)
        if mode in ("paravirtual", "emulated"):
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(QPointF(x, y + 6), QPointF(x + 22, y + 6))
        painter.setPen(style.current().text)
        painter.drawText(QRectF(x + 26, y, 130, 13), Qt.AlignmentFlag.AlignLeft, style.MODE_LABELS[mode])
        if mode == "passthrough":
            x, y = box.left() + 10, y + 18
        else:
            x += 160
    return box


def _draw_legend_scale(painter: QPainter, box: QRectF, stale: bool = False) -> None:
    from PySide6.QtGui import QLinearGradient

    painter.setPen(style.current().text)
    painter.drawText(QRectF(box.left() + 10, box.top() + 6, 320, 14), Qt.AlignmentFlag.AlignLeft,
                     "Solving… colours of the previous solution" if stale
                     else "Utilisation of ports, PCIe and links · VMM gauge")
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
    painter.setPen(style.current().muted_text)
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
