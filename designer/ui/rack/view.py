"""The Rack view: rack elevations you edit by dragging, beside an "Unracked" tray.

The scene is rebuilt from the model (``elevation.draw_racks``) whenever the model or
the solution changes; it never edits the model. Gestures are interaction objects, one
at a time (``interactions.py``: moving an element to a slot, a drop from the tray); they
become undo commands run through the window's editor, and a gesture the layout does not
allow (an occupied slot, past the top of a rack) is refused with the reason in the
status bar.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QMimeData, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QKeyEvent, QMouseEvent, QPainter, QPen, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSpinBox,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ...model.elements import DEFAULT_RACK_HEIGHT_U, Rack, is_valid_id
from ...model.racks import is_racked, placement_problem, span_text, unracked
from ...model.topology import Topology
from .. import style
from ..autofit import AutoFit
from ..plain import show_scene_tooltip
from ...edit import ops
from ...edit.commands import PlaceCommand
from ...edit.ops import Outcome
from ...model import checks
from ..interaction import InteractionHost
from .elevation import RackDrawing, RackElementItem, RackFrameItem, draw_racks
from .interactions import RackInteraction, SlotDropInteraction, SlotMoveInteraction, interaction_for_press

ELEMENT_MIME = "application/x-rackio-rack-element"
MIN_ZOOM, MAX_ZOOM = 0.1, 6.0


# ------------------------------------------------------------------ the scene
class RackScene(QGraphicsScene):
    """The elevations of a design, with selectable racks and elements."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.drawing: RackDrawing | None = None
        self.hint = None
        self.ghost: QGraphicsRectItem | None = None

    def helpEvent(self, event) -> None:  # noqa: N802 (Qt name)
        show_scene_tooltip(self, event)  # rack titles and labels are shown as text, never as HTML

    def rebuild(self, topology: Topology, solution, overlay: bool) -> None:
        selected = set(self.selected_ids())
        blocked = self.blockSignals(True)
        try:
            self.clear()
            self.ghost = None
            self.hint = None
            self.setBackgroundBrush(QBrush(style.current().canvas_bg))
            self.drawing = draw_racks(self, topology, solution, overlay=overlay, interactive=True)
            if not topology.racks:
                self.hint = self.addText("No racks yet: Insert → Rack…, or right-click here and choose Add Rack…")
                self.hint.setDefaultTextColor(style.current().muted_text)
                self.drawing.content = self.hint.sceneBoundingRect()
            self.setSceneRect(self.drawing.content.adjusted(-60, -60, 60, 60))
            self.select_ids(selected)
        finally:
            self.blockSignals(blocked)

    def element_item(self, element_id: str) -> RackElementItem | None:
        return self.drawing.elements.get(element_id) if self.drawing else None

    def frame_item(self, rack_id: str) -> RackFrameItem | None:
        return self.drawing.frames.get(rack_id) if self.drawing else None

    def selected_ids(self) -> list[str]:
        """Selected element ids, then selected rack ids (prefixed by nothing: racks are kept apart below)."""
        return [i.element_id for i in self.selectedItems() if isinstance(i, RackElementItem)] + \
            [f"rack:{i.rack_id}" for i in self.selectedItems() if isinstance(i, RackFrameItem)]

    def selected_element_ids(self) -> list[str]:
        return [i.element_id for i in self.selectedItems() if isinstance(i, RackElementItem)]

    def selected_rack_ids(self) -> list[str]:
        return [i.rack_id for i in self.selectedItems() if isinstance(i, RackFrameItem)]

    def select_ids(self, ids, notify: bool = False) -> None:
        blocked = self.blockSignals(True) if not notify else self.signalsBlocked()
        try:
            self.clearSelection()
            for key in ids:
                item = self.frame_item(key[5:]) if key.startswith("rack:") else self.element_item(key)
                if item is not None:
                    item.setSelected(True)
        finally:
            self.blockSignals(blocked)

    def show_ghost(self, rect: QRectF | None, ok: bool) -> None:
        if rect is None:
            self.hide_ghost()
            return
        if self.ghost is None or self.ghost.scene() is not self:
            self.ghost = QGraphicsRectItem()
            self.ghost.setZValue(10)
            self.addItem(self.ghost)
        color = QColor(style.current().ok_color if ok else style.current().error_color)
        self.ghost.setPen(QPen(color, 2, Qt.PenStyle.DashLine))
        color.setAlpha(50)
        self.ghost.setBrush(color)
        self.ghost.setRect(rect)
        self.ghost.show()

    def hide_ghost(self) -> None:
        if self.ghost is not None and self.ghost.scene() is self:
            self.ghost.hide()


# ------------------------------------------------------------------- the view
class RackView(QGraphicsView, AutoFit, InteractionHost):
    """Shows a RackScene; drags racked elements between slots and takes drops from the tray."""

    statusMessage = Signal(str)
    elementActivated = Signal(str)  # double-click on an element
    contextMenuRequested = Signal(object, object, object)  # item, scene pos, global pos

    def __init__(self, panel: "RackPanel", scene: RackScene) -> None:
        super().__init__(scene)
        self.panel = panel
        self.setObjectName("rackView")
        self.setAcceptDrops(True)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self._interaction: RackInteraction | None = None  # the gesture under way (interactions.py)
        self._init_auto_fit()

    def rack_scene(self) -> RackScene:
        return self.scene()  # type: ignore[return-value]

    # --------------------------------------------------------------- zoom
    # The same controls as the topology canvas: the window's toolbar, Ctrl± and Ctrl+0
    # act on this view while the Rack tab shows; the plain wheel zooms, Shift+wheel scrolls.
    def zoom_factor(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        current = self.transform().m11()
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

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.auto_fit = False
            super().wheelEvent(event)  # scroll
            return
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.0015 ** delta)
        event.accept()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._refit_if_automatic()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._refit_if_automatic()

    def fit_all(self) -> None:
        self.auto_fit = False
        drawing = self.rack_scene().drawing
        if drawing is None or drawing.content.isEmpty():
            self.resetTransform()
            return
        self.resetTransform()
        self.fitInView(self.scene().sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > 1.5:
            self.resetTransform()
            self.scale(1.5, 1.5)
            self.centerOn(drawing.content.center())

    # ----------------------------------------------------------- gestures
    # Moving a racked element and dropping from the tray are interaction objects
    # (interactions.py): the view holds at most one and hands it its events first.
    def element_at(self, pos) -> RackElementItem | None:
        for item in self.items(pos):
            if isinstance(item, RackElementItem):
                return item
        return None

    @property
    def dragging(self) -> bool:
        """A racked element is being moved (the scene is not redrawn under it)."""
        interaction = self._interaction
        return isinstance(interaction, SlotMoveInteraction) and interaction.dragging

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.hand("key_press", event):
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.hand("mouse_press", event):
            return
        if self._interaction is not None:
            self._interaction.cancel()  # another press starts afresh
        new = interaction_for_press(self, event)
        if new is not None:
            self.start_interaction(new)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.hand("mouse_move", event):
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.hand("mouse_release", event):
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        item = self.element_at(event.position().toPoint())
        if item is not None:
            self.elementActivated.emit(item.element_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event) -> None:
        pos = event.pos()
        item = self.element_at(pos)
        if item is None:
            item = next((i for i in self.items(pos) if isinstance(i, RackFrameItem)), None)
        self.contextMenuRequested.emit(item, self.mapToScene(pos), event.globalPos())
        event.accept()

    # ------------------------------------------------------- drops from the tray
    @staticmethod
    def dropped_id(event) -> str | None:
        """The element id a drag carries; None if it carries none (or not a valid id)."""
        data = event.mimeData()
        if not data.hasFormat(ELEMENT_MIME):
            return None
        raw = bytes(data.data(ELEMENT_MIME))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return text if is_valid_id(text) else None

    def _drop_interaction(self, event) -> SlotDropInteraction:
        """The drop gesture under way, or one started for this event's drag data."""
        interaction = self._interaction
        if not isinstance(interaction, SlotDropInteraction):
            interaction = SlotDropInteraction(self, self.dropped_id(event))
            self.start_interaction(interaction)
        return interaction

    def dragEnterEvent(self, event) -> None:
        element_id = self.dropped_id(event)
        if element_id is None:
            event.ignore()
            return
        self.start_interaction(SlotDropInteraction(self, element_id))
        event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if self.dropped_id(event) is None:
            event.ignore()
            return
        self._drop_interaction(event).drag_move(event)

    def dragLeaveEvent(self, event) -> None:
        interaction = self._interaction
        if isinstance(interaction, SlotDropInteraction):
            interaction.drag_leave(event)
        self.rack_scene().hide_ghost()
        super().dragLeaveEvent(event)

    def dropEvent(self, event) -> None:
        self._drop_interaction(event).drop(event)


# ------------------------------------------------------------------- the tray
class UnrackedTray(QListWidget):
    """Servers and switches not yet in a rack slot; drag one into a slot."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("unrackedTray")
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)

    def ids(self) -> list[str]:
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
                if self.item(i).data(Qt.ItemDataRole.UserRole)]

    def fill(self, topo: Topology) -> None:
        selected = set(self.selected_ids())
        blocked = self.blockSignals(True)
        try:
            self.clear()
            elements = unracked(topo)
            if not elements:
                item = QListWidgetItem("Every server and switch is in a rack.")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                self.addItem(item)
            for element in elements:
                name = element.id + (f" — {element.label}" if element.label else "")
                item = QListWidgetItem(f"{'Switch' if element.KIND == 'switch' else 'Server'} {name} "
                                       f"({element.height_u} U)")  # type: ignore[attr-defined]
                item.setData(Qt.ItemDataRole.UserRole, element.id)
                item.setToolTip("Drag into a rack slot to place it.")
                self.addItem(item)
                item.setSelected(element.id in selected)
        finally:
            self.blockSignals(blocked)

    def selected_ids(self) -> list[str]:
        return [i.data(Qt.ItemDataRole.UserRole) for i in self.selectedItems() if i.data(Qt.ItemDataRole.UserRole)]

    def select_ids(self, ids) -> None:
        ids = set(ids)
        blocked = self.blockSignals(True)
        try:
            for i in range(self.count()):
                item = self.item(i)
                item.setSelected(item.data(Qt.ItemDataRole.UserRole) in ids)
        finally:
            self.blockSignals(blocked)

    def mimeData(self, items) -> QMimeData:
        data = QMimeData()
        ids = [i.data(Qt.ItemDataRole.UserRole) for i in items if i.data(Qt.ItemDataRole.UserRole)]
        if ids:
            data.setData(ELEMENT_MIME, ids[0].encode("utf-8"))
            data.setText(ids[0])
        return data

    def mimeTypes(self) -> list[str]:
        return [ELEMENT_MIME]

    def startDrag(self, actions) -> None:  # noqa: N802 (Qt name)
        """A small label beside the pointer, so the slot under it (and its ghost) stays in view."""
        items = self.selectedItems()
        data = self.mimeData(items)
        if not data.hasFormat(ELEMENT_MIME):
            return
        from PySide6.QtCore import QPoint
        from PySide6.QtGui import QDrag, QFontMetrics, QPixmap

        text = items[0].text() if items else data.text()
        metrics = QFontMetrics(self.font())
        width = min(260, metrics.horizontalAdvance(text) + 12)
        pixmap = QPixmap(width, metrics.height() + 6)
        pixmap.fill(QColor(style.current().surface))
        painter = QPainter(pixmap)
        painter.setPen(QPen(style.current().outline))
        painter.drawRect(pixmap.rect().adjusted(0, 0, -1, -1))
        painter.setPen(style.current().text)
        painter.drawText(pixmap.rect().adjusted(6, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(text, Qt.TextElideMode.ElideRight, width - 10))
        painter.end()
        drag = QDrag(self)
        drag.setMimeData(data)
        drag.setPixmap(pixmap)
        drag.setHotSpot(QPoint(-18, -18))  # the label hangs below right of the pointer
        drag.exec(Qt.DropAction.MoveAction | Qt.DropAction.CopyAction)


# ------------------------------------------------------------------ the dialog
class RackDialog(QDialog):
    """Add or edit a rack: id, label, height."""

    def __init__(self, topo: Topology, rack: Rack | None = None, parent=None) -> None:
        super().__init__(parent)
        self.topo = topo
        self.original = rack.id if rack else None
        self.setWindowTitle("Edit rack" if rack else "Add rack")
        form = QFormLayout(self)
        self.id_edit = QLineEdit(rack.id if rack else self._fresh_id())
        self.id_edit.setObjectName("rackId")
        self.label_edit = QLineEdit(rack.label if rack else "")
        self.label_edit.setObjectName("rackLabel")
        self.label_edit.setPlaceholderText("shown above the rack (empty = the id)")
        self.height = QSpinBox()
        self.height.setObjectName("rackHeight")
        self.height.setRange(1, 100)
        self.height.setSuffix(" U")
        self.height.setValue(rack.height_u if rack else DEFAULT_RACK_HEIGHT_U)
        self.error = QLabel()
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        form.addRow("Id", self.id_edit)
        form.addRow("Label", self.label_edit)
        form.addRow("Height", self.height)
        form.addRow(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.id_edit.textChanged.connect(self._validate)
        self.height.valueChanged.connect(self._validate)
        self._validate()

    def _fresh_id(self) -> str:
        return ops.fresh_rack_id(self.topo)

    def problem(self) -> str | None:
        problem = checks.rack_id_problem(self.topo, self.id_edit.text().strip(), original=self.original)
        return checks.sentence(problem) if problem else None

    def _validate(self) -> None:
        problem = self.problem()
        self.error.setText(problem or "")
        self.error.setVisible(problem is not None)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)

    def values(self) -> tuple[str, str, int]:
        return self.id_edit.text().strip(), self.label_edit.text(), self.height.value()


# ------------------------------------------------------------------- the panel
class RackPanel(QWidget):
    """The Rack tab: a toolbar, the Unracked tray and the rack view."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.main = window
        self.tabs = None  # the window's central QTabWidget (set by install)
        self.setObjectName("rackPanel")
        self.overlay = True
        self._dirty = True
        self._syncing = False
        self._document = None
        self._topology_scene = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.flush)

        self.scene = RackScene(self)
        self.view = RackView(self, self.scene)
        self.tray = UnrackedTray()
        tray_box = QWidget()
        tray_layout = QVBoxLayout(tray_box)
        tray_layout.setContentsMargins(4, 4, 0, 4)
        title = QLabel("<b>Unracked</b> — drag into a slot")
        tray_layout.addWidget(title)
        tray_layout.addWidget(self.tray)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(tray_box)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([190, 940])

        self.toolbar = QToolBar("Racks")
        self.toolbar.setObjectName("rackToolbar")
        self.act_add = self._action("Add Rack…", self.add_rack_interactive, "Add a rack to the design")
        self.act_edit = self._action("Edit Rack…", lambda: self.edit_rack_interactive(self.current_rack()),
                                     "Rename or resize the selected rack")
        self.act_remove = self._action("Remove Rack", lambda: self.remove_rack(self.current_rack()),
                                       "Remove the selected rack; its servers and switches become unracked")
        self.act_unrack = self._action("Take Out of Rack", lambda: self.unrack(self.scene.selected_element_ids()),
                                       "Move the selected servers and switches to the Unracked tray")
        self.act_fit = self._action("Fit", self.view.fit_all, "Show every rack")
        self.toolbar.addActions([self.act_add, self.act_edit, self.act_remove])
        self.toolbar.addSeparator()
        self.toolbar.addActions([self.act_unrack, self.act_fit])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(splitter, 1)

        self.view.statusMessage.connect(window.show_message)
        self.view.elementActivated.connect(self.jump_to_topology)
        self.view.contextMenuRequested.connect(self._context_menu)
        self.scene.selectionChanged.connect(self._rack_selection_changed)
        self.tray.itemSelectionChanged.connect(self._tray_selection_changed)
        self.tray.itemDoubleClicked.connect(
            lambda item: item.data(Qt.ItemDataRole.UserRole) and self.jump_to_topology(item.data(Qt.ItemDataRole.UserRole)))
        self.tray.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tray.customContextMenuRequested.connect(self._tray_menu)

    def _action(self, text: str, slot, tip: str) -> QAction:
        action = QAction(text, self)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(lambda _=False: slot())
        action.setObjectName("rack_" + "".join(ch for ch in text.lower() if ch.isalnum()))
        return action

    # ---------------------------------------------------------------- document
    @property
    def topology(self) -> Topology:
        return self.main.document.topology

    def attach(self, document) -> None:
        """Follow a new document: its model events, its solutions and the topology selection."""
        self.view.cancel_interaction()  # a gesture under way belongs to the old document
        if self._document is not None:
            try:
                self._document.changed.disconnect(self.invalidate)
                self._document.solved.disconnect(self._on_solved)
                self._document.solveFailed.disconnect(self._on_solved)
            except (RuntimeError, TypeError):
                pass
        if self._topology_scene is not None:
            try:
                self._topology_scene.selectionChanged.disconnect(self._topology_selection_changed)
            except (RuntimeError, TypeError):
                pass
        self._document = document
        self._topology_scene = self.main.scene
        document.changed.connect(self.invalidate)
        document.solved.connect(self._on_solved)
        document.solveFailed.connect(self._on_solved)  # redrawn without the stale overlay
        self.main.scene.selectionChanged.connect(self._topology_selection_changed)
        self.scene.clear()
        self.scene.drawing = None
        self.invalidate()
        if self.isVisible():
            self.flush()  # else drawn when its tab is shown (showEvent): opening a design does not wait for it
        self.view.request_fit()  # once the tab is shown with its final size

    def _on_model_changed(self, _event) -> None:
        self.invalidate()

    def _on_solved(self, _solution) -> None:
        self.invalidate()

    def invalidate(self) -> None:
        self._dirty = True
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self.flush()

    def set_overlay(self, on: bool) -> None:
        self.overlay = on
        self.invalidate()

    def flush(self) -> None:
        """Redraw from the model if anything changed (not in the middle of a drag)."""
        self._timer.stop()
        if not self._dirty or self.view.dragging or self.main.document is None:
            return
        self._dirty = False
        document = self.main.document
        self.scene.rebuild(document.topology, document.solution, self.overlay)
        self.tray.fill(document.topology)
        self._topology_selection_changed()
        self._update_actions()

    def _update_actions(self) -> None:
        has_rack = self.current_rack() is not None
        self.act_edit.setEnabled(has_rack)
        self.act_remove.setEnabled(has_rack)
        self.act_unrack.setEnabled(bool(self.scene.selected_element_ids()))

    # -------------------------------------------------------------- placing
    def target(self, element_id: str, scene_pos: QPointF, offset: int) -> tuple[str, int] | None:
        """The rack and lowest U a drag of ``element_id`` at ``scene_pos`` aims at."""
        drawing = self.scene.drawing
        if drawing is None:
            return None
        slot = drawing.geometry.slot_at(scene_pos)
        if slot is None:
            return None
        rack_id, unit = slot
        return rack_id, unit - offset

    def preview(self, element_id: str, scene_pos: QPointF, offset: int) -> None:
        target = self.target(element_id, scene_pos, offset)
        element = self.topology.elements.get(element_id)
        if target is None or element is None or self.scene.drawing is None:
            self.scene.hide_ghost()
            return
        rack_id, rack_u = target
        height = getattr(element, "height_u", 1)
        problem = placement_problem(self.topology, element_id, rack_id, rack_u)
        rect = self.scene.drawing.geometry.slot_rect(rack_id, rack_u, height)
        self.scene.show_ghost(rect, problem is None)

    def drop(self, element_id: str, scene_pos: QPointF, offset: int) -> str | None:
        """Place (or move) an element where it was dropped; the reason when refused."""
        target = self.target(element_id, scene_pos, offset)
        if target is None:
            error = "Drop on a rack slot to place it."
            self.main.show_message(error)
            return error
        return self.place(element_id, *target)

    def place(self, element_id: str, rack_id: str, rack_u: int) -> str | None:
        topo = self.topology
        plan = ops.place(topo, element_id, rack_id, rack_u)
        if plan is None:
            return None  # dropped where it was
        error = self._run(plan)
        if error:
            self.main.show_message(f"Not placed: {error}")
            return error
        element = topo.elements[element_id]
        rack = topo.racks[rack_id]
        self.main.show_message(f"{element_id} is in {rack.display_name()} at "
                                 f"{span_text(rack_u, rack_u + element.height_u - 1)}.")  # type: ignore[attr-defined]
        self.flush()
        self.scene.select_ids([element_id])
        self._rack_selection_changed()
        return None

    def place_in_free_slot(self, element_ids: list[str], rack_id: str) -> str | None:
        """Tray menu: each element in the lowest free slot of a rack (switches in the highest)."""
        topo = self.topology
        plan = ops.place_in_free_slot(topo, element_ids, rack_id)
        if plan is None:
            return None
        error = self._run(plan)
        count = len(plan.moves) if isinstance(plan, PlaceCommand) else 0
        self.main.show_message(error or f"Placed {count} in {topo.racks[rack_id].display_name()}.")
        return error

    def unrack(self, element_ids: list[str]) -> str | None:
        topo = self.topology
        plan = ops.unrack(topo, element_ids)
        if isinstance(plan, str):
            self.main.show_message(plan)
            return "nothing racked selected"
        error = self._run(plan)
        self.main.show_message(error or f"Took {len(plan.moves)} out of the rack; see the Unracked tray.")  # type: ignore[attr-defined]
        return error

    def _run(self, command: Outcome | None) -> str | None:
        error = self.main.editor.run(command)
        if command is not None and not isinstance(command, str):
            self.invalidate()
        return error

    # --------------------------------------------------------------- racks
    def current_rack(self) -> str | None:
        racks = self.scene.selected_rack_ids()
        if racks:
            return racks[0]
        for element_id in self.scene.selected_element_ids():
            rack = getattr(self.topology.elements.get(element_id), "rack", None)
            if rack in self.topology.racks:
                return rack
        return None

    def add_rack(self, rack_id: str, label: str = "", height_u: int = DEFAULT_RACK_HEIGHT_U) -> str | None:
        error = self._run(ops.add_rack(self.topology, rack_id, label, height_u))
        self.main.show_message(error or f"Added rack {label or rack_id} ({height_u} U).")
        if not error:
            self.flush()
            self.view.fit_all()
        return error

    def edit_rack(self, rack_id: str, new_id: str, label: str, height_u: int) -> str | None:
        """Rename, relabel and resize a rack in one undo step."""
        plan = ops.edit_rack(self.topology, rack_id, new_id, label, height_u)
        if plan is None:
            return None
        error = self._run(plan)
        self.main.show_message(error or f"Rack {new_id} updated.")
        return error

    def remove_rack(self, rack_id: str | None) -> str | None:
        plan = ops.remove_rack(self.topology, rack_id)
        if isinstance(plan, str):
            self.main.show_message(plan)
            return "no rack selected"
        count = sum(1 for e in self.topology.elements.values() if getattr(e, "rack", None) == rack_id)
        error = self._run(plan)
        self.main.show_message(error or f"Removed rack {rack_id}" +
                                 (f"; {count} element{'s' * (count != 1)} moved to the Unracked tray." if count else "."))
        return error

    def add_rack_interactive(self) -> None:
        dialog = RackDialog(self.topology, None, self.main)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            rack_id, label, height = dialog.values()
            self.add_rack(rack_id, label, height)
            self.show_rack_view()

    def edit_rack_interactive(self, rack_id: str | None) -> None:
        rack = self.topology.racks.get(rack_id or "")
        if rack is None:
            self.main.show_message("Select a rack (click its name) to edit it.")
            return
        dialog = RackDialog(self.topology, rack, self.main)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.edit_rack(rack.id, *dialog.values())

    # ------------------------------------------------------------ selection
    def _linked(self) -> bool:
        """Both scenes still exist (not so while the window is being torn down)."""
        scene = self.main.scene
        return scene is not None and shiboken6.isValid(scene) and shiboken6.isValid(self.scene)

    def _rack_selection_changed(self) -> None:
        self._update_actions()
        if self._syncing or not self._linked():
            return
        self._syncing = True
        try:
            ids = self.scene.selected_element_ids()
            self.main.scene.select_ids(ids)
            self.tray.select_ids(ids)
        finally:
            self._syncing = False

    def _tray_selection_changed(self) -> None:
        if self._syncing or not self._linked():
            return
        self._syncing = True
        try:
            ids = self.tray.selected_ids()
            self.scene.select_ids(ids)
            self.main.scene.select_ids(ids)
        finally:
            self._syncing = False
        self._update_actions()

    def _topology_selection_changed(self) -> None:
        if self._syncing or not self._linked():
            return
        self._syncing = True
        try:
            ids = self.main.scene.selected_element_ids()
            self.scene.select_ids(ids)
            self.tray.select_ids(ids)
        finally:
            self._syncing = False
        self._update_actions()

    # ---------------------------------------------------------------- jumps
    def reveal(self, element_id: str) -> bool:
        """Show the Rack tab with the element selected and centred; False if it is not racked."""
        self.flush()
        element = self.topology.elements.get(element_id)
        if element is None or not is_racked(self.topology, element):
            return False
        self.show_rack_view()
        self.flush()
        item = self.scene.element_item(element_id)
        if item is None:
            return False
        self.scene.select_ids([element_id])
        self._rack_selection_changed()
        self.view.centerOn(item.sceneBoundingRect().center())
        return True

    def show_rack_view(self) -> None:
        if self.tabs is not None:
            self.tabs.setCurrentWidget(self)

    def show_topology_view(self) -> None:
        if self.tabs is not None:
            self.tabs.setCurrentIndex(0)

    def jump_to_topology(self, element_id: str) -> None:
        self.show_topology_view()
        self.main.reveal_element(element_id)

    # ---------------------------------------------------------------- menus
    def _context_menu(self, item, scene_pos: QPointF, global_pos) -> None:
        menu = QMenu(self)
        self.build_context_menu(menu, item)
        menu.exec(global_pos)

    def build_context_menu(self, menu: QMenu, item) -> None:
        if isinstance(item, RackElementItem):
            element_id = item.element_id
            if not item.isSelected():
                self.scene.select_ids([element_id])
                self._rack_selection_changed()
            menu.addAction("Show in Topology").triggered.connect(lambda: self.jump_to_topology(element_id))
            menu.addAction("Take Out of Rack").triggered.connect(
                lambda: self.unrack(self.scene.selected_element_ids() or [element_id]))
            menu.addSeparator()
        rack_id = item.rack_id if isinstance(item, RackFrameItem) else self.current_rack() if isinstance(
            item, RackElementItem) else None
        if isinstance(item, RackFrameItem) and not item.isSelected():
            self.scene.select_ids([f"rack:{rack_id}"])
            self._rack_selection_changed()
        if rack_id is not None:
            name = self.topology.racks[rack_id].display_name()
            menu.addAction(f"Edit Rack {name}…").triggered.connect(lambda: self.edit_rack_interactive(rack_id))
            menu.addAction(f"Remove Rack {name}").triggered.connect(lambda: self.remove_rack(rack_id))
            menu.addSeparator()
        menu.addAction(self.act_add)
        menu.addAction(self.act_fit)

    def _tray_menu(self, pos) -> None:
        ids = self.tray.selected_ids()
        menu = QMenu(self)
        if not ids:
            menu.addAction("Select servers or switches to place").setEnabled(False)
        for rack in self.topology.racks.values():
            menu.addAction(f"Place in {rack.display_name()} (first free slot)").triggered.connect(
                lambda _=False, r=rack.id: self.place_in_free_slot(ids, r))
        if not self.topology.racks:
            menu.addAction(self.act_add)
        menu.exec(self.tray.viewport().mapToGlobal(pos))
