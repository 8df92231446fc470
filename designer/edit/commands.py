"""Edit commands: plain classes with ``apply``, ``revert`` and ``text``. Qt-free.

Each changes the model only through the Topology edit API; the views follow the
model's events, so undo and redo need no view code. ``designer/ui/undo.py`` wraps a
command in a QUndoCommand for the undo stack; the tests apply and revert them
directly.

A command that changes several things applies them through a ``Rollback``: if one
step is refused, the steps already done are undone in reverse order and the model
is exactly as before (all or nothing).
"""

from __future__ import annotations

import copy
import functools
from typing import Any, Callable

from ..model.elements import Element, Link, VNic
from ..model.elements import CostModel
from ..model.topology import RackRemoval, Removal, Topology


class Rollback:
    """Record the inverse of each step done; on an exception undo them, newest first.

        with Rollback() as undo:
            old = topo.set_field(...)
            undo.push(lambda: topo.set_field(..., old))
    """

    def __init__(self) -> None:
        self._undo: list[Callable[[], Any]] = []

    def push(self, inverse: Callable[[], Any]) -> None:
        self._undo.append(inverse)

    def __enter__(self) -> "Rollback":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            for inverse in reversed(self._undo):
                inverse()
        self._undo = []


class Command:
    """Base: ``apply`` makes the change (raising ModelError when the model refuses it,
    leaving the model untouched), ``revert`` undoes it."""

    def __init__(self, text: str) -> None:
        self.text = text

    def apply(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def revert(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class AddElementsCommand(Command):
    """Add elements (parents before children) and cables in one step."""

    def __init__(self, topo: Topology, elements: list[Element], links: list[Link] | tuple[Link, ...] = (), text: str = "Add") -> None:
        super().__init__(text)
        self.topo = topo
        self.elements = [copy.deepcopy(e) for e in elements]
        self.links = [copy.deepcopy(link) for link in links]

    def apply(self) -> None:
        added: list[str] = []
        with Rollback() as undo:
            undo.push(lambda: self.topo.remove_many(added))
            for element in self.elements:
                self.topo.add(copy.deepcopy(element))
                added.append(element.id)
            for link in self.links:
                self.topo.connect(copy.deepcopy(link))
                undo.push(functools.partial(self.topo.disconnect, link.id))

    def revert(self) -> None:
        # The stack has undone every later command, so the model is exactly as
        # redo left it: take the cables, then the elements, away again.
        for link in reversed(self.links):
            self.topo.disconnect(link.id)
        self.topo.remove_many([e.id for e in self.elements])


class RemoveCommand(Command):
    """Delete elements with their dependants and cables; undo restores all of it."""

    def __init__(self, topo: Topology, element_ids: list[str], link_ids: list[str] | tuple[str, ...] = (), text: str = "Delete") -> None:
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


class RetargetCableCommand(Command):
    """Move one end of a cable (re-patching it): the cable keeps its place in the design's
    list of cables and its capacity; its id follows its new ends."""

    def __init__(self, topo: Topology, old_id: str, link: Link, text: str = "Re-patch cable") -> None:
        super().__init__(text)
        self.topo = topo
        self.old_id = old_id
        self.link = copy.deepcopy(link)
        self._old: tuple[int, Link] | None = None

    def apply(self) -> None:
        with Rollback() as undo:
            index, old = self.topo.disconnect(self.old_id)
            self._old = (index, old)
            undo.push(functools.partial(self.topo.connect, old, index=index))
            self.topo.connect(copy.deepcopy(self.link), index=index)

    def revert(self) -> None:
        assert self._old is not None
        index, old = self._old
        self.topo.disconnect(self.link.id)
        self.topo.connect(copy.deepcopy(old), index=index)


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
        with Rollback() as undo:
            for element_id in self.element_ids:
                old = self.topo.set_field(element_id, self.name, self.value)
                self.old.append(old)
                undo.push(functools.partial(self.topo.set_field, element_id, self.name, old))

    def revert(self) -> None:
        for element_id, old in zip(reversed(self.element_ids), reversed(self.old)):
            self.topo.set_field(element_id, self.name, old)


class SetVnicsCommand(Command):
    """Replace one VM's vNIC list."""

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
        with Rollback() as undo:
            for command in self.commands:
                command.apply()
                undo.push(command.revert)

    def revert(self) -> None:
        for command in reversed(self.commands):
            command.revert()


class SetCostModelCommand(Command):
    def __init__(self, topo: Topology, cost_model) -> None:
        super().__init__("Edit VMM cost model")
        self.topo = topo
        self.cost_model = copy.deepcopy(cost_model)
        self.old: CostModel | None = None

    def apply(self) -> None:
        self.old = self.topo.set_cost_model(self.cost_model)

    def revert(self) -> None:
        assert self.old is not None
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
        with Rollback() as undo:
            for element_id, (rack, rack_u) in self.moves.items():
                old = self.topo.place(element_id, rack, rack_u)
                self.old[element_id] = old
                undo.push(functools.partial(self.topo.place, element_id, *old))

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
        self._removal: RackRemoval | None = None

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
