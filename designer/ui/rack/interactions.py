"""The Rack view's gestures as interaction objects, one per gesture
(``designer.ui.interaction``; the topology canvas has its own in ``ui/canvas``).

========================  ===================================================
``SlotMoveInteraction``   a press on a racked element and a drag to another slot
``SlotDropInteraction``   a drag from the Unracked tray (or elsewhere) and its drop
========================  ===================================================

``RackView`` holds at most one and hands it its mouse, key and drag events. While a
drag is over a slot, the ghost there is green when the element fits and red when
``racks.placement_problem`` refuses it; the release (or the drop) runs the panel's
placement, ``designer.edit.ops.place``, as one undo step. Escape cancels a move: the
ghost goes and the element stays where it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from ..interaction import Interaction
from .elevation import RackElementItem

if TYPE_CHECKING:  # pragma: no cover
    from .view import RackView


class RackInteraction(Interaction):
    """A Rack view gesture, with the view's panel (which owns the model side)."""

    view: "RackView"

    @property
    def panel(self):
        return self.view.panel

    def scene_pos(self, event) -> QPointF:
        return self.view.mapToScene(event.position().toPoint())

    def cleanup(self) -> None:
        self.view.rack_scene().hide_ghost()


class SlotMoveInteraction(RackInteraction):
    """A left press on a racked element selects it (Ctrl adds to the selection); once the
    pointer has moved the drag distance, the ghost follows it, kept at the U the element
    was grabbed by. The release places it there; Escape puts everything back."""

    def __init__(self, view: "RackView", item: RackElementItem, event) -> None:
        super().__init__(view)
        self.item = item
        self.element_id = item.element_id
        self.modifiers = event.modifiers()
        self.press_pos = self.scene_pos(event)
        element = self.panel.topology.elements.get(self.element_id)
        geometry = view.rack_scene().drawing.geometry  # type: ignore[union-attr]
        rack = getattr(element, "rack", None)
        offset = geometry.unit_at(rack, self.press_pos) - element.rack_u if element is not None else 0  # type: ignore[union-attr]
        self.offset = max(0, offset)  # the grab, in U above the element's lowest
        self.dragging = False  # past the drag distance

    def start(self) -> None:
        item = self.item
        if not item.isSelected():
            if not (self.modifiers & Qt.KeyboardModifier.ControlModifier):
                self.view.scene().clearSelection()
            item.setSelected(True)

    def mouse_move(self, event) -> bool:
        if not event.buttons() & Qt.MouseButton.LeftButton:
            return False
        scene_pos = self.scene_pos(event)
        if not self.dragging:
            moved = self.view.mapFromScene(scene_pos) - self.view.mapFromScene(self.press_pos)
            if moved.manhattanLength() < QApplication.startDragDistance():
                return True
            self.dragging = True
        self.panel.preview(self.element_id, scene_pos, self.offset)
        return True

    def mouse_release(self, event) -> bool:
        dragging = self.dragging
        self.end()
        if dragging:
            self.panel.drop(self.element_id, self.scene_pos(event), self.offset)
        self.panel.flush()
        return True

    def cancel(self, reason: str | None = None) -> None:
        if self.done:
            return
        super().cancel(reason)
        self.panel.flush()  # what the model did meanwhile, held back while the drag was under way


class SlotDropInteraction(RackInteraction):
    """A drag carrying an element id over the view: the ghost shows the slot under the
    pointer (the element centred on it); the drop places it there."""

    def __init__(self, view: "RackView", element_id: str | None) -> None:
        super().__init__(view)
        self.element_id = element_id  # None: drag data that is not an element of this design

    def offset(self) -> int:
        element = self.panel.topology.elements.get(self.element_id)
        return (getattr(element, "height_u", 1) - 1) // 2  # the element is centred on the pointer

    def drag_move(self, event) -> None:
        if self.element_id is None:
            event.ignore()
            return
        self.panel.preview(self.element_id, self.scene_pos(event), self.offset())
        event.acceptProposedAction()

    def drop(self, event) -> None:
        self.end()
        if self.element_id is None:
            self.status("That drop does not carry a server or switch of this design.")
            event.ignore()
            return
        error = self.panel.drop(self.element_id, self.scene_pos(event), self.offset())
        if error:
            event.ignore()
        else:
            event.acceptProposedAction()


def interaction_for_press(view: "RackView", event) -> RackInteraction | None:
    """The gesture a press starts: a left press on an element starts a move; anything
    else is the view's own (the rubber band over empty space)."""
    if event.button() != Qt.MouseButton.LeftButton:
        return None
    item = view.element_at(event.position().toPoint())
    return SlotMoveInteraction(view, item, event) if item is not None else None


__all__ = ["RackInteraction", "SlotMoveInteraction", "SlotDropInteraction", "interaction_for_press"]
