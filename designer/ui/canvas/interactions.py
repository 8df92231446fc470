"""Canvas gestures as interaction objects, one per gesture.

``DesignView`` holds at most one ``Interaction`` at a time and hands it every mouse,
key and drag event first. A gesture starts on a press (or on a drag entering the
view), turns the items under the pointer into ids, asks the editor
(``ui/editor.py``, which calls the Qt-free ``designer.edit``) whether its release
would be accepted, and on release runs that edit as one undo step. Escape cancels
the gesture under way and leaves the design as it was.

=======================  ===================================================
``ConnectInteraction``   a new cable, uplink or vNIC, from a NIC port or a handle
``RetargetInteraction``  an existing cable end or vNIC moved to another target
``MoveInteraction``      clicking and dragging items (one Move command)
``PanInteraction``       middle button, or Space + left button
``RubberBandInteraction`` selecting by dragging a rectangle over empty canvas
``DropInteraction``      a palette drag over the canvas and its drop
=======================  ===================================================

``interaction_for_press`` decides which gesture a press starts. ``EndHandles``
draws the small grips at the ends of the selected cables and of the selected
guests' vNIC lines, from which a re-target starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsView,
    QRubberBand,
    QToolTip,
)

from ...edit.commands import Command
from ...model.elements import VM, split_port_end
from .. import style
from ..interaction import Interaction as BaseInteraction
from .items import (
    AttachmentItem,
    CableItem,
    HandleItem,
    NetworkItem,
    NicItem,
    PortItem,
    ServerItem,
    SwitchItem,
    VfItem,
    VmItem,
)

if TYPE_CHECKING:  # pragma: no cover
    from .view import DesignView

Z_TARGETS, Z_FEEDBACK, Z_LINE, Z_HANDLES = 98.0, 99.0, 100.0, 101.0
HANDLE_PX = 5.0  # radius of a re-target grip, in screen pixels at any zoom
HIGHLIGHT_LIMIT = 4000  # candidates looked at for the drag-start highlight (only what is in view)
GRIP_LIMIT = 64  # selected lines beyond which no grips are drawn (Select All on a large design)


def is_overlay(item: QGraphicsItem) -> bool:
    """Gesture feedback items (lines, frames, grips) are never a gesture's target."""
    return bool(getattr(item, "overlay", False))


class _OverlayLine(QGraphicsLineItem):
    overlay = True


class _OverlayPath(QGraphicsPathItem):
    overlay = True


class _OverlayRect(QGraphicsRectItem):
    overlay = True


def _remove(item: QGraphicsItem | None) -> None:
    if item is None:
        return
    try:
        if item.scene() is not None:
            item.scene().removeItem(item)
    except RuntimeError:  # already deleted with its scene
        pass


# ---------------------------------------------------------------------------- base
class Interaction(BaseInteraction):
    """One canvas gesture (``designer.ui.interaction.Interaction``, the life cycle and the
    event handlers every view's gestures share), with the canvas's editor and scene."""

    view: "DesignView"

    @property
    def editor(self):
        return self.view.editor

    @property
    def scene(self):
        return self.view.design_scene()


# ----------------------------------------------------------------------- feedback
class Feedback:
    """The frame around what a drag is over: green when releasing there is accepted,
    red (with the reason in a tooltip and the status bar) when it is refused; and the
    cursor saying yes or no."""

    def __init__(self, view: "DesignView") -> None:
        self.view = view
        self.item: QGraphicsRectItem | None = None
        self.reason: str | None = None

    def show(self, rect: QRectF, reason: str | None, set_cursor: bool = True) -> None:
        scene = self.view.design_scene()
        if self.item is None or self.item.scene() is not scene:
            self.item = _OverlayRect()
            self.item.setZValue(Z_FEEDBACK)
            scene.addItem(self.item)
        color = QColor(style.current().error_color if reason else style.current().ok_color)
        pen = QPen(color, 2.5, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self.item.setPen(pen)
        fill = QColor(color)
        fill.setAlpha(40)
        self.item.setBrush(QBrush(fill))
        self.item.setRect(rect.adjusted(-3, -3, 3, 3))
        self.item.show()
        self.reason = reason
        if set_cursor:
            self.view.viewport().setCursor(Qt.CursorShape.ForbiddenCursor if reason else Qt.CursorShape.DragLinkCursor)
        if reason:
            self.view.statusMessage.emit(reason)

    def clear(self) -> None:
        _remove(self.item)
        self.item = None
        self.reason = None


class TargetHighlight:
    """At the start of a connection or re-target drag: every target in view that the
    release would be accepted on, framed in one path item (cheap: only items in view,
    asked through the same plan the release runs)."""

    def __init__(self, view: "DesignView") -> None:
        self.view = view
        self.item: _OverlayPath | None = None
        self.targets: list[QGraphicsItem] = []

    def show(self, candidates: Iterable[QGraphicsItem], problem: Callable[[QGraphicsItem], str | None]) -> None:
        """Frame each candidate ``problem`` has nothing against (None: the release is accepted)."""
        self.clear()
        path = QPainterPath()
        for looked, item in enumerate(candidates):
            if looked >= HIGHLIGHT_LIMIT:
                break
            if problem(item) is None:
                self.targets.append(item)
                path.addRoundedRect(item.sceneBoundingRect().adjusted(-2, -2, 2, 2), 4, 4)
        if not self.targets:
            return
        self.item = _OverlayPath(path)
        color = QColor(style.current().ok_color)
        pen = QPen(color, 1.5)
        pen.setCosmetic(True)
        self.item.setPen(pen)
        fill = QColor(color)
        fill.setAlpha(28)
        self.item.setBrush(fill)
        self.item.setZValue(Z_TARGETS)
        self.item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.view.design_scene().addItem(self.item)

    def target_ids(self) -> set[str]:
        out = set()
        for item in self.targets:
            out.add(item.end if isinstance(item, PortItem) else item.element_id)  # type: ignore[attr-defined]
        return out

    def clear(self) -> None:
        _remove(self.item)
        self.item = None
        self.targets = []


def _rubber_line(view: "DesignView", start: QPointF) -> _OverlayLine:
    line = _OverlayLine(QLineF(start, start))
    pen = QPen(style.current().selection, 2, Qt.PenStyle.DashLine)
    pen.setCosmetic(True)
    line.setPen(pen)
    line.setZValue(Z_LINE)
    line.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
    view.design_scene().addItem(line)
    return line


def _server_of(item) -> ServerItem | None:
    while item is not None and not isinstance(item, ServerItem):
        item = item.parentItem()
    return item


# What a drag may be released on, among what is drawn in ``area`` (the viewport, in scene
# coordinates). Found from the scene's lists of top-level items and each drawn server's
# child items, not by asking the scene for everything in the area.
def _drawn(item: QGraphicsItem) -> bool:
    return item.isVisible() and item.effectiveOpacity() > 0.01


def tops_in(scene, area: QRectF) -> Iterable[QGraphicsItem]:
    """The switches and networks drawn in ``area``."""
    for item in scene.top_items.values():
        if isinstance(item, (SwitchItem, NetworkItem)) and _drawn(item) and item.sceneBoundingRect().intersects(area):
            yield item


def detailed_servers_in(scene, area: QRectF) -> Iterable[ServerItem]:
    """Servers drawn in detail (their NICs, VFs and guests shown) in ``area``."""
    for item in scene.top_items.values():
        if isinstance(item, ServerItem) and item.built and item.level == "detail" and not item.collapsed \
                and _drawn(item) and item.sceneBoundingRect().intersects(area):
            yield item


def ports_in(scene, area: QRectF) -> Iterable[QGraphicsItem]:
    for server in detailed_servers_in(scene, area):
        for port in server.built_port_items().values():
            if port.sceneBoundingRect().intersects(area):
                yield port


def devices_in(server: ServerItem | None, area: QRectF) -> Iterable[QGraphicsItem]:
    """A server's VFs, NIC ports and NICs in ``area`` (what its guests may use)."""
    if server is None or not server.built or server.level != "detail" or server.collapsed:
        return
    for group in (server.vf_items, server.built_port_items(), server.nic_items):
        for item in group.values():
            if item.sceneBoundingRect().intersects(area):
                yield item


# ------------------------------------------------------------- connection drags
class _LineDrag(Interaction):
    """What a connection and a re-target share: a rubber line from a fixed point to the
    pointer, the valid targets highlighted at the start, the one under the pointer
    framed green or red, and the release running the plan."""

    prompt = ""

    def __init__(self, view: "DesignView", anchor: QPointF) -> None:
        super().__init__(view)
        self.anchor = QPointF(anchor)
        self.line: _OverlayLine | None = None
        self.feedback = view.feedback
        self.highlight = TargetHighlight(view)

    # What a subclass says.
    def candidates(self, area: QRectF) -> Iterable[QGraphicsItem]:  # pragma: no cover - abstract
        raise NotImplementedError

    def problem(self, target) -> str | None:  # pragma: no cover - abstract
        """Why a release on ``target`` would be refused; None when it is accepted."""
        raise NotImplementedError

    def run(self, target) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def ignored(self, item) -> bool:
        """Items under the pointer that are not a target (the source itself)."""
        return False

    def start(self) -> None:
        self.line = _rubber_line(self.view, self.anchor)
        if self.editor is not None:
            view = self.view
            area = view.mapToScene(view.viewport().rect()).boundingRect()
            self.highlight.show((i for i in self.candidates(area) if not self.ignored(i)), self.problem)
        self.status(self.prompt)

    def target_at(self, scene_pos: QPointF):
        for item in self.scene.items(scene_pos):
            if is_overlay(item) or self.ignored(item):
                continue
            if isinstance(item, (PortItem, HandleItem)) or getattr(item, "element_id", None) is not None:
                return item
        return None

    def mouse_move(self, event) -> bool:
        scene_pos = self.view.mapToScene(event.position().toPoint())
        if self.line is not None:
            self.line.setLine(QLineF(self.anchor, scene_pos))
        if self.editor is None:
            return True
        target = self.target_at(scene_pos)
        if target is None:
            self.feedback.clear()
            self.view.viewport().setCursor(Qt.CursorShape.CrossCursor)
            QToolTip.hideText()
            return True
        reason = self.problem(target)
        self.feedback.show(target.sceneBoundingRect(), reason)
        if reason:
            QToolTip.showText(event.globalPosition().toPoint(), reason, self.view.viewport())
        else:
            QToolTip.hideText()
        return True

    def mouse_press(self, event) -> bool:
        return True  # another button during the drag: ignored

    def mouse_release(self, event) -> bool:
        if event.button() != Qt.MouseButton.LeftButton:
            return True
        target = self.target_at(self.view.mapToScene(event.position().toPoint()))
        self.end()
        if self.editor is not None:
            self.finish(target)
        return True

    def finish(self, target) -> None:
        self.status(self.run(target) or "Connected.")

    def cleanup(self) -> None:
        _remove(self.line)
        self.line = None
        self.feedback.clear()
        self.highlight.clear()
        QToolTip.hideText()
        self.view.restore_cursor()


class ConnectInteraction(_LineDrag):
    """A new cable (from a NIC port), uplink (from a switch's or network's handle) or
    vNIC (from a VM's handle)."""

    def __init__(self, view: "DesignView", source) -> None:
        super().__init__(view, source.connector_anchor())
        self.source = source
        owner = getattr(source, "owner", None)
        if isinstance(source, PortItem):
            self.prompt = "Release on a switch or a network to cable the port (Esc cancels)."
        elif isinstance(owner, VmItem):
            self.prompt = "Release on a VF (SR-IOV), a NIC port (vSwitch) or a NIC (passthrough) to add a vNIC (Esc cancels)."
        else:
            self.prompt = "Release on a switch, a network or a NIC port to connect (Esc cancels)."

    def candidates(self, area: QRectF) -> Iterable[QGraphicsItem]:
        owner = getattr(self.source, "owner", None)
        if isinstance(owner, VmItem):  # a guest's devices are on its own server
            yield from devices_in(_server_of(owner), area)
            return
        yield from tops_in(self.scene, area)
        if not isinstance(self.source, PortItem):
            yield from ports_in(self.scene, area)

    def start(self) -> None:
        super().start()
        if isinstance(self.source, PortItem) and self.editor is not None:
            nic_id, port = self.source.nic_id, self.source.port
            link = self.editor.topo.cable_at(nic_id, port)
            if link is not None:
                self.status(f"Port {port} of NIC {nic_id} already has a cable ({link.id}): select the cable "
                            "and drag one of its ends to re-patch it.")

    def ignored(self, item) -> bool:
        return item is self.source or item is getattr(self.source, "owner", None)

    def problem(self, target) -> str | None:
        return self.editor.connect_problem(self.source, target)

    def run(self, target) -> str | None:
        return self.editor.connect(self.source, target)


@dataclass
class LineEnd:
    """The end of a cable or of a vNIC line that a re-target moves.

    ``link_id`` and ``end`` (the cable end written as in the file) for a cable;
    ``vm_id`` and ``index`` for a vNIC. ``point`` is where the end is drawn and
    ``fixed`` where the end that stays is (both scene positions)."""

    point: QPointF
    fixed: QPointF
    link_id: str | None = None
    end: str | None = None
    vm_id: str | None = None
    index: int = 0

    @property
    def key(self) -> tuple:
        return (self.link_id, self.end) if self.link_id else (self.vm_id, self.index)


class RetargetInteraction(_LineDrag):
    """Move an existing cable end or vNIC to another target, as one undo step. The line
    being moved is dimmed; a release on nothing, or on a refused target, changes nothing
    and the status bar says why."""

    def __init__(self, view: "DesignView", end: LineEnd) -> None:
        super().__init__(view, end.fixed)
        self.target_end = end
        self._dimmed: list[QGraphicsItem] = []
        topo = view.editor.topo if view.editor is not None else None
        if end.link_id is not None:
            port_end = split_port_end(end.end or "") is not None
            link = topo.links.get(end.link_id) if topo is not None else None
            fixed = link.other_end(end.end or "") if link is not None else ""
            self.fixed_end = fixed
            self.prompt = (f"Release on {'a free NIC port' if port_end else 'another switch or network'} to "
                           f"re-patch cable {end.link_id} (Esc cancels).")
        else:
            self.fixed_end = ""
            self.prompt = (f"Release on a VF, a NIC port or a NIC to move vNIC {end.index} of {end.vm_id} "
                           "(Esc cancels).")

    def start(self) -> None:
        super().start()
        self.view.end_handles.hide()
        for item in self._moved_items():
            item.setOpacity(0.3)
            self._dimmed.append(item)

    def _moved_items(self) -> list[QGraphicsItem]:
        end = self.target_end
        if end.link_id is not None:
            cable = self.scene.cables.get(end.link_id)
            return [cable] if cable is not None else []
        vm_item = self.scene.element_item(end.vm_id or "")
        server = _server_of(vm_item)
        if server is None:
            return []
        return [a for a in server.attachments if a.vm_id == end.vm_id and a.index == end.index]

    def ignored(self, item) -> bool:
        end = self.target_end
        if end.vm_id is not None:
            return getattr(item, "element_id", None) == end.vm_id or (
                isinstance(item, HandleItem) and item.element_id == end.vm_id)
        # A cable's own fixed end is not a target (the cable would end at itself).
        split = split_port_end(self.fixed_end)
        if isinstance(item, PortItem):
            return item.end == self.fixed_end
        return split is None and getattr(item, "element_id", None) == self.fixed_end and \
            isinstance(item, (SwitchItem, NetworkItem, HandleItem))

    def candidates(self, area: QRectF) -> Iterable[QGraphicsItem]:
        end = self.target_end
        if end.vm_id is not None:
            yield from devices_in(_server_of(self.scene.element_item(end.vm_id)), area)
            return
        if split_port_end(end.end or "") is None:  # a switch or network end
            yield from tops_in(self.scene, area)
        if split_port_end(end.end or "") is not None or split_port_end(self.fixed_end) is None:
            yield from ports_in(self.scene, area)  # a port end, or an uplink's end onto a port

    def problem(self, target) -> str | None:
        end = self.target_end
        if end.link_id is not None:
            return self.editor.retarget_cable_problem(end.link_id, end.end, target)
        return self.editor.vnic_problem(end.vm_id, end.index, target)

    def plan(self, target):
        end = self.target_end
        if end.link_id is not None:
            return self.editor.retarget_cable_plan(end.link_id, end.end, target)
        return self.editor.vnic_plan(end.vm_id, end.index, target)

    def _apply(self, plan) -> str | None:
        error = self.editor.run(plan)
        if error is None and self.target_end.link_id is not None and hasattr(plan, "link"):
            self.scene.select_ids([plan.link.id])  # the re-patched cable stays selected (its grips with it)
        return error

    def run(self, target) -> str | None:
        plan = self.plan(target)
        return None if plan is None else self._apply(plan)

    def finish(self, target) -> None:
        if target is None:
            self.status("Release the end on a target to move it; nothing changed.")
            return
        plan = self.plan(target)
        if plan is None:
            self.status("It already ends there; nothing changed.")
            return
        error = self._apply(plan)
        end = self.target_end
        self.status(error or (f"Cable re-patched to {self.editor.end_of(target)}." if end.link_id
                              else f"vNIC {end.index} of {end.vm_id} moved to {target.element_id}."))

    def cleanup(self) -> None:
        for item in self._dimmed:
            try:
                item.setOpacity(1.0)
            except RuntimeError:
                pass
        self._dimmed = []
        super().cleanup()
        self.view.end_handles.sync()


# ------------------------------------------------------------------- moving items
class MoveInteraction(Interaction):
    """A press on an item: Qt's scene selects it (Ctrl toggles) and drags the selected
    movable items, snapping to the grid; the release makes the whole drag one Move
    command. Escape puts the items back."""

    def __init__(self, view: "DesignView") -> None:
        super().__init__(view)
        scene = self.scene
        self.press_positions = {eid: (it.x(), it.y()) for eid, it in scene.top_items.items() if it.isSelected()}

    def mouse_press(self, event) -> bool:
        return False

    def mouse_move(self, event) -> bool:
        QGraphicsView.mouseMoveEvent(self.view, event)
        self.view.end_handles.sync()
        return True

    def mouse_release(self, event) -> bool:
        QGraphicsView.mouseReleaseEvent(self.view, event)
        if event.button() != Qt.MouseButton.LeftButton:
            return True
        moves = self.moves()
        self.end()
        if moves and self.editor is not None:
            error = self.editor.commit_moves(moves)
            if error:
                self.status(error)
        return True

    def moves(self) -> dict[str, tuple[tuple[float, float], tuple[float, float]]]:
        out = {}
        for eid, old in self.press_positions.items():
            item = self.scene.top_items.get(eid)
            if item is not None and (item.x(), item.y()) != old:
                out[eid] = (old, (item.x(), item.y()))
        return out

    def on_cancel(self) -> None:
        grabber = self.scene.mouseGrabberItem()
        if grabber is not None:
            grabber.ungrabMouse()
        for eid, (old, _new) in self.moves().items():
            self.scene.top_items[eid].setPos(*old)
        self.view.end_handles.sync()


# ------------------------------------------------------------------------ panning
class PanInteraction(Interaction):
    """Middle button, or Space + left button: the canvas follows the pointer."""

    def __init__(self, view: "DesignView", event) -> None:
        super().__init__(view)
        self.button = event.button()
        self.last = event.position()

    def start(self) -> None:
        self.view.auto_fit = False
        self.view.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouse_press(self, event) -> bool:
        return True

    def mouse_move(self, event) -> bool:
        delta = event.position() - self.last
        self.last = event.position()
        view = self.view
        view.horizontalScrollBar().setValue(view.horizontalScrollBar().value() - int(round(delta.x())))
        view.verticalScrollBar().setValue(view.verticalScrollBar().value() - int(round(delta.y())))
        return True

    def mouse_release(self, event) -> bool:
        if event.button() == self.button:
            self.end()
        return True

    def cleanup(self) -> None:
        self.view.restore_cursor()


# --------------------------------------------------------------------- rubber band
class RubberBandInteraction(Interaction):
    """A press on empty canvas and a drag: the items the rectangle touches are selected
    (with Ctrl or Shift, added to what was selected). Escape restores the selection."""

    def __init__(self, view: "DesignView", event, before: list[QGraphicsItem]) -> None:
        super().__init__(view)
        self.origin = event.position().toPoint()
        self.extend = bool(event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                                | Qt.KeyboardModifier.ShiftModifier))
        self.before = list(before)  # the selection when the press came
        self.band = QRubberBand(QRubberBand.Shape.Rectangle, view.viewport())
        self.rect = QRect()

    def start(self) -> None:
        if self.extend:
            self._select(self.before)

    def _select(self, items: Iterable[QGraphicsItem]) -> None:
        for item in items:
            try:
                item.setSelected(True)
            except RuntimeError:
                pass

    def mouse_press(self, event) -> bool:
        return True

    def mouse_move(self, event) -> bool:
        pos = event.position().toPoint()
        self.rect = QRect(self.origin, pos).normalized()
        if (pos - self.origin).manhattanLength() < QApplication.startDragDistance():
            return True
        self.band.setGeometry(self.rect)
        self.band.show()
        view, scene = self.view, self.scene
        path = QPainterPath()
        path.addPolygon(view.mapToScene(self.rect))
        path.closeSubpath()
        blocked = scene.blockSignals(True)  # one selectionChanged per step, not one per item
        try:
            scene.clearSelection()
            if self.extend:
                self._select(self.before)
            scene.setSelectionArea(path, Qt.ItemSelectionOperation.AddToSelection,
                                   view.rubberBandSelectionMode(), view.viewportTransform())
        finally:
            scene.blockSignals(blocked)
        scene.selectionChanged.emit()
        return True

    def mouse_release(self, event) -> bool:
        if event.button() == Qt.MouseButton.LeftButton:
            QGraphicsView.mouseReleaseEvent(self.view, event)
            self.end()
        return True

    def on_cancel(self) -> None:
        scene = self.scene
        blocked = scene.blockSignals(True)
        try:
            scene.clearSelection()
            self._select(self.before)
        finally:
            scene.blockSignals(blocked)
        scene.selectionChanged.emit()

    def cleanup(self) -> None:
        self.band.hide()
        self.band.deleteLater()


# --------------------------------------------------------------------------- drops
class DropInteraction(Interaction):
    """A palette drag over the canvas: over a place the drop would be refused the drag is
    refused (the no-entry cursor), the place is framed in red and the status bar says why;
    over an accepted place it is framed green. The drop runs the same plan."""

    def __init__(self, view: "DesignView", payload: tuple[str, dict] | None) -> None:
        super().__init__(view)
        self.payload = payload  # (kind, preset); None: drag data that is not a RackIO element
        self.feedback = view.feedback

    def drag_move(self, event) -> None:
        if self.editor is None or self.payload is None:
            event.ignore()
            return
        kind, preset = self.payload
        scene_pos = self.view.mapToScene(event.position().toPoint())
        plan = self.editor.drop_plan(kind, preset, scene_pos)
        reason = plan if isinstance(plan, str) else None
        target = self.editor.target_at(scene_pos)
        if target is not None:
            self.feedback.show(target.sceneBoundingRect(), reason, set_cursor=False)
        else:
            self.feedback.clear()
        if reason:
            self.feedback.reason = reason
            self.status(reason)
            event.ignore()
        else:
            event.acceptProposedAction()

    def drop(self, event) -> None:
        self.end()
        if self.payload is None:
            self.status("That drop does not carry a RackIO element.")
            event.ignore()
            return
        if self.editor is None:
            event.ignore()
            return
        kind, preset = self.payload
        error = self.editor.drop(kind, preset, self.view.mapToScene(event.position().toPoint()))
        self.status(error or f"Added {kind}.")
        if error:
            event.ignore()
        else:
            event.acceptProposedAction()

    def cleanup(self) -> None:
        self.feedback.clear()


# ------------------------------------------------------------------ end grips
class EndHandleItem(QGraphicsItem):
    """A grip at the movable end of a selected cable or vNIC line: drag it to re-target.
    Drawn at the same size on screen at every zoom."""

    overlay = True

    def __init__(self, end: LineEnd) -> None:
        super().__init__()
        self.line_end = end
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setZValue(Z_HANDLES)
        self.setPos(end.point)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.hovered = False
        self.setToolTip("Drag to re-patch this cable end" if end.link_id
                        else "Drag to move this vNIC to another VF, NIC port or NIC")

    def boundingRect(self) -> QRectF:
        r = HANDLE_PX + 3
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter, option, widget=None) -> None:
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        pen = QPen(style.current().surface, 2)
        painter.setPen(pen)
        painter.setBrush(QColor(style.current().selection).lighter(125) if self.hovered else style.current().selection)
        painter.drawEllipse(QPointF(0, 0), HANDLE_PX + (1 if self.hovered else 0), HANDLE_PX + (1 if self.hovered else 0))

    def hoverEnterEvent(self, event) -> None:
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = False
        self.update()


class EndHandles:
    """The grips of what is selected: both ends of each selected cable, and the device end
    of each vNIC line of each selected guest (its other end stays with the guest)."""

    def __init__(self, view: "DesignView") -> None:
        self.view = view
        self.items: list[EndHandleItem] = []
        self._scene = None

    def bind(self, scene) -> None:
        if self._scene is not None:
            try:
                self._scene.selectionChanged.disconnect(self.sync)
                self._scene.elementsChanged.disconnect(self.sync)
            except (RuntimeError, TypeError):
                pass
        self.items = []  # they belonged to the old scene
        self._scene = scene
        if scene is not None and hasattr(scene, "elementsChanged"):
            scene.selectionChanged.connect(self.sync)
            scene.elementsChanged.connect(self.sync)
            self.sync()

    def hide(self) -> None:
        for item in self.items:
            _remove(item)
        self.items = []

    def ends(self) -> list[LineEnd]:
        scene = self._scene
        if scene is None:
            return []
        out: list[LineEnd] = []
        topo = scene.topology
        selected = [item for item in scene.selectedItems() if isinstance(item, (CableItem, VmItem))]
        if len(selected) > GRIP_LIMIT:
            return []  # grips are for re-patching a few lines, not for a whole selected design
        for item in selected:
            if isinstance(item, CableItem):
                link = topo.links.get(item.link_id)
                if link is None or len(item.polyline) < 2:
                    continue
                first, last = QPointF(*item.polyline[0]), QPointF(*item.polyline[-1])
                anchor_a = self._end_point(link.a)
                if anchor_a is not None and _dist(anchor_a, last) < _dist(anchor_a, first):
                    first, last = last, first
                out.append(LineEnd(first, last, link_id=link.id, end=link.a))
                out.append(LineEnd(last, first, link_id=link.id, end=link.b))
            elif isinstance(item, VmItem):
                server = _server_of(item)
                if server is None:
                    continue
                for line in server.attachments:
                    if line.vm_id == item.element_id and len(line.polyline) >= 2:
                        out.append(LineEnd(line.mapToScene(QPointF(*line.polyline[-1])),
                                           line.mapToScene(QPointF(*line.polyline[0])),
                                           vm_id=line.vm_id, index=line.index))
        return out

    def _end_point(self, end: str) -> QPointF | None:
        scene = self._scene
        if split_port_end(end) is not None:
            return scene.port_point(end)
        item = scene.top_items.get(end)
        return item.sceneBoundingRect().center() if item is not None else None

    def sync(self) -> None:
        self.hide()
        scene = self._scene
        if scene is None or isinstance(self.view.interaction, RetargetInteraction):
            return
        try:
            ends = self.ends()
        except RuntimeError:  # items of a scene being replaced
            return
        for end in ends:
            item = EndHandleItem(end)
            scene.addItem(item)
            self.items.append(item)


def _dist(a: QPointF, b: QPointF) -> float:
    return math.hypot(a.x() - b.x(), a.y() - b.y())


# ------------------------------------------------------------- which gesture
def interaction_for_press(view: "DesignView", event) -> Interaction | None:
    """The gesture a mouse press starts (None: the view's default handling)."""
    button = event.button()
    if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and view.space_held):
        return PanInteraction(view, event)
    if button != Qt.MouseButton.LeftButton:
        return None
    item = press_item(view, event.position().toPoint())
    if isinstance(item, EndHandleItem):
        return RetargetInteraction(view, item.line_end)
    if isinstance(item, HandleItem) and isinstance(item.owner, VmItem) and view.editor is not None:
        return _vm_handle_press(view, item, event)
    if isinstance(item, (PortItem, HandleItem)):
        return ConnectInteraction(view, item)
    scene = view.design_scene()
    before = scene.selectedItems()
    QGraphicsView.mousePressEvent(view, event)  # the scene selects (Ctrl toggles) and grabs
    if scene.mouseGrabberItem() is not None:
        return MoveInteraction(view)
    return RubberBandInteraction(view, event, before)


def press_item(view: "DesignView", pos) -> QGraphicsItem | None:
    """The item a press at a viewport position is for: a grip first, then the topmost item
    that is not gesture feedback or a guest's line (a line drawn over a guest's handle
    does not hide the handle)."""
    for item in view.items(pos):
        if isinstance(item, EndHandleItem):
            return item
        if is_overlay(item) or isinstance(item, AttachmentItem):
            continue
        return item
    return None


def _vm_handle_press(view: "DesignView", handle: HandleItem, event) -> Interaction | None:
    """A drag from a guest's handle: a guest without a vNIC (or with Shift held) gets a
    new one; a guest with exactly one moves it; a guest with several is selected so the
    grips at its lines' ends show which one to drag."""
    vm_id = handle.element_id
    vm = view.editor.topo.elements.get(vm_id)
    vnics = vm.vnics if isinstance(vm, VM) else []
    if not vnics or event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
        return ConnectInteraction(view, handle)
    if len(vnics) == 1:
        lines = [a for a in (_server_of(handle).attachments if _server_of(handle) else [])
                 if a.vm_id == vm_id and a.index == 0]
        fixed = lines[0].mapToScene(QPointF(*lines[0].polyline[0])) if lines else handle.connector_anchor()
        point = lines[0].mapToScene(QPointF(*lines[0].polyline[-1])) if lines else handle.connector_anchor()
        return RetargetInteraction(view, LineEnd(point, fixed, vm_id=vm_id, index=0))
    view.design_scene().select_ids([vm_id], notify=True)
    view.statusMessage.emit(f"VM {vm_id} has {len(vnics)} vNICs: drag the grip at the end of the one to move, "
                            "or Shift+drag from the handle to add another vNIC.")
    return None


__all__ = [
    "Interaction", "ConnectInteraction", "RetargetInteraction", "MoveInteraction", "PanInteraction",
    "RubberBandInteraction", "DropInteraction", "Feedback", "TargetHighlight", "EndHandles", "EndHandleItem",
    "LineEnd", "interaction_for_press", "is_overlay",
]
