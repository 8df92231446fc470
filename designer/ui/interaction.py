"""The gesture object the GUI's views share, in the manner of orange-canvas-core's
``document/interactions.py``.

A view (the topology canvas, the Rack view) holds at most one ``Interaction`` at a time
and hands it its mouse, key and drag events first. The interaction turns the items
under the pointer into ids, asks the Qt-free ``designer.edit`` (through the window's
editor or the rack panel) whether its release would be accepted, and on release runs
that edit as one undo step. Escape cancels it and leaves the design as it was.

This module knows no item types of any view: ``designer.ui.canvas.interactions`` and
``designer.ui.rack.interactions`` subclass it (the canvas, rack and analysis packages do
not import each other; pyproject.toml).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt


class Interaction:
    """One gesture, from the event that starts it until it is done or cancelled.

    Event handlers return True when they took the event (the view then does nothing
    else with it). ``end`` removes what the gesture drew and tells the view, which
    forgets it; ``cancel`` ends it without changing the design.
    """

    def __init__(self, view: Any) -> None:
        self.view = view
        self.done = False
        self.canceled = False

    def status(self, text: str) -> None:
        self.view.statusMessage.emit(text)

    def start(self) -> None:
        """Called once the view has made this its current interaction."""

    # Events (a handler returns True when it took the event).
    def mouse_press(self, event: Any) -> bool:
        return False

    def mouse_move(self, event: Any) -> bool:
        return False

    def mouse_release(self, event: Any) -> bool:
        return False

    def key_press(self, event: Any) -> bool:
        if event.key() == Qt.Key.Key_Escape:
            self.cancel()
            return True
        return False

    def key_release(self, event: Any) -> bool:
        return False

    def drag_move(self, event: Any) -> None:
        event.ignore()

    def drag_leave(self, event: Any) -> None:
        self.cancel()

    def drop(self, event: Any) -> None:
        event.ignore()

    # Life cycle.
    def cancel(self, reason: str | None = None) -> None:
        if self.done:
            return
        self.canceled = True
        self.on_cancel()
        self.end()
        if reason:
            self.status(reason)

    def on_cancel(self) -> None:
        """Undo what the gesture did to the items so far (not the model: it changed nothing)."""

    def end(self) -> None:
        if self.done:
            return
        self.done = True
        self.view.interaction_ended(self)
        self.cleanup()

    def cleanup(self) -> None:
        """Remove what the gesture drew."""


class InteractionHost:
    """A view's side of it: the one interaction under way, started, ended and cancelled.

    A view mixing this in hands ``self.interaction`` its events before its own handling.
    """

    _interaction: Interaction | None = None

    @property
    def interaction(self) -> Interaction | None:
        """The gesture under way (one at a time), or None."""
        return self._interaction

    def hand(self, handler: str, event: Any) -> bool:
        """Offer ``event`` to the interaction under way (its ``handler``: ``mouse_move``,
        ``key_press`` …); True, with the event accepted, when it took it."""
        interaction = self._interaction
        if interaction is not None and getattr(interaction, handler)(event):
            event.accept()
            return True
        return False

    def start_interaction(self, interaction: Interaction) -> None:
        """Make ``interaction`` the one under way (cancelling any other) and start it."""
        if self._interaction is not None:
            self._interaction.cancel()
        self._interaction = interaction
        interaction.start()

    def interaction_ended(self, interaction: Interaction) -> None:
        if self._interaction is interaction:
            self._interaction = None

    def cancel_interaction(self) -> bool:
        """Escape: cancel the gesture under way; the design stays as it was. False if none."""
        if self._interaction is None:
            return False
        self._interaction.cancel()
        return True
