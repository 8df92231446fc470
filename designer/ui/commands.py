"""Undo commands. Each changes the model only through the Topology edit API;
the scene follows the model's events, so undo and redo need no view code."""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand

from ..model.elements import Element, Link, VNic
from ..model.topology import Removal, Topology  # noqa: F401


class Command(QUndoCommand):
    """Base: ``apply``/``revert`` change the model. ``Document.execute`` applies a
    command once to see whether the model accepts it, then pushes it without
    applying it a second time."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.skip_next_redo = False

    def redo(self) -> None:
        if self.skip_next_redo:
            self.skip_next_redo = False
            return
        self.apply()

    def undo(self) -> None:
        self.revert()

    def apply(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def revert(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class AddElementsCommand(Command):
    """Add elements (parents before children) and cables in one step."""

    def __init__(self, topo: Topology, elements: list[Element], links: list[Link] = (), text: str = "Add") -> None:
        super().__init__(text)
        self.topo = topo
        self.elements = [copy.deepcopy(e) for e in elements]
        self.links = [copy.deepcopy(link) for link in links]

    def apply(self) -> None:
        added: list[str] = []
        linked: list[str] = []
        try:
            for element in self.elements:
                self.topo.add(copy.deepcopy(element))
                added.append(element.id)
            for link in self.links:
                self.topo.connect(copy.deepcopy(link))
                linked.append(link.id)
        except Exception:
            for link_id in reversed(linked):
                self.topo.disconnect(link_id)
            self.topo.remove_many(added)
            raise

    def revert(self) -> None:
        # The stack has undone every later command, so the model is exactly as
        # redo left it: take the cables, then the elements, away again.
        for link in reversed(self.links):
            self.topo.disconnect(link.id)
        self.topo.remove_many([e.id for e in self.elements])


class RemoveCommand(Command):
    """Delete elements with their dependants and cables; undo restores all of it."""

    def __init__(self, topo: Topology, element_ids: list[str], link_ids: list[str] = (), text: str = "Delete") -> None:
        super().__init__(text)
        self.topo = topo
        self.element_ids = list(element_ids)
        self.link_ids = list(link_ids)
        self._removal: Removal | None = None
        self._links: list[tuple[int, Link]] = []

    def apply(self) -> None:
        self._links = []
        for link_id in self.link_ids:
            if link_id in self.topo.links:
                self._links.append(self.topo.disconnect(link_id))
        self._removal = self.topo.remove_many(self.element_ids)

    def revert(self) -> None:
        if self._removal is not None:
            self.topo.restore(self._removal)
        for index, link in reversed(self._links):
            self.topo.connect(link, index=index)


class ConnectCommand(Command):
    def __init__(self, topo: Topology, link: Link, text: str = "Connect") -> None:
        super().__init__(text)
        self.topo = topo
        self.link = link

    def apply(self) -> None:
        self.topo.connect(copy.deepcopy(self.link))

    def revert(self) -> None:
        self.topo.disconnect(self.link.id)


class SetFieldCommand(Command):
    """Set one field on one or more elements (a multi-selection edit is one step)."""

    def __init__(self, topo: Topology, element_ids: list[str], name: str, value: Any, text: str | None = None) -> None:
        super().__init__(text or f"Set {name}")
        self.topo = topo
        self.element_ids = list(element_ids)
        self.name = name
        self.value = value
        self.old: list[Any] = []

    def apply(self) -> None:
        self.old = []
        done = []
        try:
            for element_id in self.element_ids:
                self.old.append(self.topo.set_field(element_id, self.name, self.value))
                done.append(element_id)
        except Exception:
            for element_id, old in zip(reversed(done), reversed(self.old)):
                self.topo.set_field(element_id, self.name, old)
            raise

    def revert(self) -> None:
        for element_id, old in zip(reversed(self.element_ids), reversed(self.old)):
            self.topo.set_field(element_id, self.name, old)


class SetVnicsCommand(Command):
    def __init__(self, topo: Topology, vm_id: str, vnics: list[VNic], text: str = "Edit vNICs") -> None:
        super().__init__(text)
        self.topo = topo
        self.vm_id = vm_id
        self.vnics = copy.deepcopy(vnics)
        self.old: list[VNic] | None = None

    def apply(self) -> None:
        self.old = self.topo.set_vnics(self.vm_id, copy.deepcopy(self.vnics))

    def revert(self) -> None:
        assert self.old is not None
        self.topo.set_vnics(self.vm_id, self.old)


class SetLinkCapacityCommand(Command):
    def __init__(self, topo: Topology, link_id: str, gbps: float | None) -> None:
        super().__init__("Set cable capacity")
        self.topo = topo
        self.link_id = link_id
        self.gbps = gbps
        self.old: float | None = None

    def apply(self) -> None:
        self.old = self.topo.set_link_capacity(self.link_id, self.gbps)

    def revert(self) -> None:
        self.topo.set_link_capacity(self.link_id, self.old)


class MoveCommand(Command):
    """Move elements; a whole drag is one step."""

    def __init__(self, topo: Topology, moves: dict[str, tuple[tuple[float, float], tuple[float, float]]],
                 text: str = "Move") -> None:
        super().__init__(text)
        self.topo = topo
        self.moves = dict(moves)  # id -> (old (x, y), new (x, y))

    def apply(self) -> None:
        for element_id, (_, new) in self.moves.items():
            if element_id in self.topo.elements:
                self.topo.move(element_id, *new)

    def revert(self) -> None:
        for element_id, (old, _) in self.moves.items():
            if element_id in self.topo.elements:
                self.topo.move(element_id, *old)


class SetProjectFieldCommand(Command):
    def __init__(self, topo: Topology, name: str, value: str) -> None:
        super().__init__(f"Set project {name}")
        self.topo = topo
        self.name = name
        self.value = value
        self.old = ""

    def apply(self) -> None:
        self.old = self.topo.set_project_field(self.name, self.value)

    def revert(self) -> None:
        self.topo.set_project_field(self.name, self.old)


class MacroCommand(Command):
    """Several commands as one undo step; all or nothing."""

    def __init__(self, commands: list[Command], text: str) -> None:
        super().__init__(text)
        self.commands = list(commands)

    def apply(self) -> None:
        done: list[Command] = []
        try:
            for command in self.commands:
                command.apply()
                done.append(command)
        except Exception:
            for command in reversed(done):
                command.revert()
            raise

    def revert(self) -> None:
        for command in reversed(self.commands):
            command.revert()


class SetCostModelCommand(Command):
    def __init__(self, topo: Topology, cost_model) -> None:
        super().__init__("Edit VMM cost model")
        self.topo = topo
        self.cost_model = copy.deepcopy(cost_model)
        self.old = None

    def apply(self) -> None:
        self.old = self.topo.set_cost_model(self.cost_model)

    def revert(self) -> None:
        self.topo.set_cost_model(self.old)


class PlaceCommand(Command):
    """Put servers and switches into rack slots (or take them out); one step for all."""

    def __init__(self, topo: Topology, moves: dict[str, tuple[str | None, int | None]], text: str = "Place in rack") -> None:
        super().__init__(text)
        self.topo = topo
        self.moves = dict(moves)  # element id -> new (rack, rack_u)
        self.old: dict[str, tuple[str | None, int | None]] = {}

    def apply(self) -> None:
        self.old = {}
        try:
            for element_id, (rack, rack_u) in self.moves.items():
                self.old[element_id] = self.topo.place(element_id, rack, rack_u)
        except Exception:
            self.revert()
            raise

    def revert(self) -> None:
        for element_id, (rack, rack_u) in reversed(list(self.old.items())):
            self.topo.place(element_id, rack, rack_u)


class AddRackCommand(Command):
    def __init__(self, topo: Topology, rack, text: str = "Add rack") -> None:
        super().__init__(text)
        self.topo = topo
        self.rack = copy.deepcopy(rack)

    def apply(self) -> None:
        self.topo.add_rack(copy.deepcopy(self.rack))

    def revert(self) -> None:
        self.topo.remove_rack(self.rack.id)


class RemoveRackCommand(Command):
    """Remove a rack; its elements become unracked, and undo puts them back in their slots."""

    def __init__(self, topo: Topology, rack_id: str, text: str = "Remove rack") -> None:
        super().__init__(text)
        self.topo = topo
        self.rack_id = rack_id
        self._removal = None

    def apply(self) -> None:
        self._removal = self.topo.remove_rack(self.rack_id)

    def revert(self) -> None:
        if self._removal is not None:
            self.topo.restore_rack(self._removal)


class SetRackFieldCommand(Command):
    def __init__(self, topo: Topology, rack_id: str, name: str, value: Any, text: str | None = None) -> None:
        super().__init__(text or f"Set rack {name}")
        self.topo = topo
        self.rack_id = rack_id
        self.name = name
        self.value = value
        self.old: Any = None

    def apply(self) -> None:
        self.old = self.topo.set_rack_field(self.rack_id, self.name, self.value)

    def revert(self) -> None:
        self.topo.set_rack_field(self.rack_id, self.name, self.old)


class RenameRackCommand(Command):
    def __init__(self, topo: Topology, rack_id: str, new_id: str, text: str = "Rename rack") -> None:
        super().__init__(text)
        self.topo = topo
        self.rack_id = rack_id
        self.new_id = new_id

    def apply(self) -> None:
        self.topo.rename_rack(self.rack_id, self.new_id)

    def revert(self) -> None:
        self.topo.rename_rack(self.new_id, self.rack_id)
