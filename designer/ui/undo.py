"""The undo stack's side of an edit: a QUndoCommand around a plain command of
``designer.edit.commands``. ``Document.execute`` applies the command once (to learn
whether the model accepts it), then pushes this wrapper without applying it again."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from ..edit.commands import Command


class UndoCommand(QUndoCommand):
    def __init__(self, command: Command) -> None:
        super().__init__(command.text)
        self.command = command
        self.skip_next_redo = False

    def redo(self) -> None:
        if self.skip_next_redo:
            self.skip_next_redo = False
            return
        self.command.apply()

    def undo(self) -> None:
        self.command.revert()
