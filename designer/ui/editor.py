"""The GUI's side of editing: hit tests that turn items under the pointer into ids,
and calls into ``designer.edit`` (Qt-free), whose commands it runs on the document.

A gesture the design does not allow returns a sentence saying why (the window
shows it in the status bar) and changes nothing.
"""

from __future__ import annotations

from typing import Iterable

from PySide6.QtCore import QPointF, QRectF

from ..edit import ops
from ..edit.commands import (
    Command,
    MacroCommand,
    RemoveCommand,
    SetCostModelCommand,
    SetFieldCommand,
    SetLinkCapacityCommand,
    SetProjectFieldCommand,
)
from ..edit.ops import CLIPBOARD_FORMAT, DEFAULT_NIC, ID_STEMS, Defaults, Outcome, apply_preset  # noqa: F401
from ..model import checks
from ..layout import FOOTER_H, server_layout
from ..model.elements import VM, Element, Nic, VNic
from ..model.topology import Topology
from .canvas.items import (
    ElementItem,
    HandleItem,
    NetworkItem,
    NicItem,
    PortItem,
    ServerItem,
    SwitchItem,
    VfItem,
    VmItem,
)
from .canvas.scene import DesignScene
from .document import Document

_apply_preset = apply_preset  # older name


class Editor:
    def __init__(self, document: Document, scene: DesignScene) -> None:
        self.document = document
        self.scene = scene
        self.defaults = Defaults(nic=dict(DEFAULT_NIC))
        # Sentences for the user from the last paste or duplicate (a guest left unattached).
        self.notes: list[str] = []
        self._centres: dict[str, tuple[float, float]] = {}

    @property
    def topo(self) -> Topology:
        return self.document.topology

    def run(self, command: Outcome | None) -> str | None:
        """Run what an edit function returned: a command on the undo stack, or its refusal."""
        if command is None:
            return None
        if isinstance(command, str):
            return command
        error = self.document.execute(command)
        self.scene.flush()
        return error

    def fresh_id(self, stem: str, taken: set[str]) -> str:
        return checks.fresh_id(self.topo, stem, taken)

    # ------------------------------------------------------------- hit tests
    def target_at(self, scene_pos: QPointF):
        """The most specific design item under a scene position (ports and chips first)."""
        for item in self.scene.items(scene_pos):
            if isinstance(item, (PortItem, VfItem, HandleItem)):
                return item
            if isinstance(item, ElementItem):
                return item
        return None

    def server_item_of(self, item) -> ServerItem | None:
        while item is not None and not isinstance(item, ServerItem):
            item = item.parentItem()
        return item

    def nic_item_of(self, item) -> NicItem | None:
        while item is not None and not isinstance(item, NicItem):
            item = item.parentItem()
        return item

    # ------------------------------------------------------------------ drops
    def drop_plan(self, kind: str, preset: dict | None, scene_pos: QPointF) -> Outcome:
        """What dropping ``kind`` at ``scene_pos`` would do: a command, or why it is refused.
        The drag asks this while hovering (for the cursor and highlight) and the drop runs it."""
        target = self.target_at(scene_pos)
        if kind in ops.TOP_KINDS:
            # A switch's or network's connection handle is part of it, too.
            if self.server_item_of(target) is not None or isinstance(target, (SwitchItem, NetworkItem, HandleItem)):
                return f"Drop a {kind} on an empty part of the canvas."
            cx, cy = self._centre_offset(kind)
            grid = self.scene.grid_size
            # The new element is centred on the drop point (on the grid).
            x = round((scene_pos.x() - cx) / grid) * grid
            y = round((scene_pos.y() - cy) / grid) * grid
            return ops.add_element(self.topo, kind, x=x, y=y, preset=preset, defaults=self.defaults)
        if kind in ("nic", "vm"):
            server = self.server_item_of(target)
            return ops.add_element(self.topo, kind, parent=server.element_id if server else None,
                                   preset=preset, defaults=self.defaults)
        if kind == "vf":
            nic_item = self.nic_item_of(target)
            if nic_item is None:
                return "Drop a virtual function onto a NIC (on the port it should use)."
            nic = self.topo.elements[nic_item.element_id]
            assert isinstance(nic, Nic)
            local = nic_item.mapFromScene(scene_pos)
            port = min(range(nic.ports), key=lambda p: abs(nic_item.port_x(p) - local.x()))
            if isinstance(target, PortItem):
                port = target.port
            return ops.add_element(self.topo, kind, parent=nic.id, port=port, preset=preset, defaults=self.defaults)
        return f"Unknown element kind {kind!r}."

    def _centre_offset(self, kind: str) -> tuple[float, float]:
        """Where the centre of a new element of ``kind`` is, from its top-left (measured once)."""
        if kind not in self._centres:
            if kind == "network":
                size = (NetworkItem.W, NetworkItem.H)
            elif kind == "switch":
                size = (SwitchItem.W, SwitchItem.H)
            else:
                geometry = server_layout([], 0)  # the geometry ServerItem gives an empty server
                size = (geometry["width"], geometry["footer_y"] + FOOTER_H)
            self._centres[kind] = (size[0] / 2, size[1] / 2)
        return self._centres[kind]

    def drop(self, kind: str, preset: dict | None, scene_pos: QPointF) -> str | None:
        """Create an element where the user dropped it and select it. Returns the refusal reason, if any."""
        plan = self.drop_plan(kind, preset, scene_pos)
        error = self.run(plan)
        if error is None and isinstance(plan, Command):
            new_ids = [e.id for e in getattr(plan, "elements", [])]
            if new_ids:
                self.scene.select_ids(new_ids, notify=True)
        return error

    # ----------------------------------------------------------- connections
    def _connection(self, source, target) -> tuple[str, tuple] | str:
        """The edit a connection drag from ``source`` released on ``target`` asks for:
        ``("cable", (port end, far id))``, ``("uplink", (a, b))`` or
        ``("attach", (vm, mode, device, port))``; or why there is none."""
        if target is None:
            return "Release the connection on a switch, a network, a VF, a NIC port or a NIC."
        if isinstance(source, PortItem):
            return self._cable_from_port(source.end, target)
        if isinstance(source, HandleItem):
            owner = source.owner
            if isinstance(owner, VmItem):
                device = self._device_of(target, None)
                return device if isinstance(device, str) else ("attach", (owner.element_id, *device))
            return self._uplink(owner.element_id, target)
        return "Connections start at a NIC port or at the handle of a switch, network or VM."

    def connect_plan(self, source, target) -> Outcome:
        """What a connection drag from ``source`` released on ``target`` would do."""
        call = self._connection(source, target)
        if isinstance(call, str):
            return call
        edit, args = call
        if edit == "cable":
            end, far = args
            nic_id, _, port = end.rpartition(":")
            return ops.cable(self.topo, nic_id, int(port), far)
        if edit == "uplink":
            return ops.uplink(self.topo, *args)
        return ops.attach(self.topo, *args, defaults=self.defaults)

    def connect_problem(self, source, target) -> str | None:
        """Why ``connect_plan`` would refuse, or None: the same checks without building the
        command (a drag asks this for every target in view, and on every hover)."""
        call = self._connection(source, target)
        if isinstance(call, str):
            return call
        edit, args = call
        if edit in ("cable", "uplink"):
            return checks.cable_problem(self.topo, *args)
        vm_id, mode, device_id, port = args
        return checks.attach_problem(self.topo, vm_id, mode, device_id, port=port)

    def connect(self, source, target) -> str | None:
        """Connect what a drag started on (port, handle) to what it ended on."""
        return self.run(self.connect_plan(source, target))

    def _top_id(self, item) -> str | None:
        if isinstance(item, HandleItem):
            item = item.owner
        if isinstance(item, (SwitchItem, NetworkItem)):
            return item.element_id
        return None

    def _cable_from_port(self, end: str, target) -> tuple[str, tuple] | str:
        if isinstance(target, PortItem):
            return checks.sentence(checks.PORT_TO_PORT)
        far = self._top_id(target)
        if far is None:
            return "Release the cable on a switch or a network."
        return "cable", (end, far)

    def _uplink(self, source_id: str, target) -> tuple[str, tuple] | str:
        if isinstance(target, PortItem):
            return self._cable_from_port(target.end, self.scene.top_items.get(source_id))
        far = self._top_id(target)
        if far is None:
            return "Release the uplink on another switch or a network."
        return "uplink", (source_id, far)

    def _device_of(self, target, mode: str | None) -> tuple[str, str, int] | str:
        """(mode, device id, port) a VM connection released on ``target`` asks for."""
        if isinstance(target, VfItem):
            return "vf", target.element_id, 0
        if isinstance(target, PortItem):
            return mode or "paravirtual", target.nic_id, target.port
        if isinstance(target, NicItem):
            return "passthrough", target.element_id, 0
        return "Release a VM's connection on a VF (SR-IOV), a NIC port (via the vSwitch) or a NIC (passthrough)."

    def attach_plan(self, vm_id: str, target, mode: str | None = None, index: int | None = None) -> Outcome | None:
        device = self._device_of(target, mode)
        if isinstance(device, str):
            return device
        if index is not None:
            return ops.retarget(self.topo, vm_id, index, *device)
        return ops.attach(self.topo, vm_id, *device, defaults=self.defaults)

    def attach_vm(self, vm_id: str, target, mode: str | None = None) -> str | None:
        """Give a VM a new vNIC on a VF (SR-IOV), a NIC port (via the vSwitch) or a whole NIC (passthrough)."""
        return self.run(self.attach_plan(vm_id, target, mode))

    def _vnic_device(self, vm_id: str, index: int, target) -> tuple[str, str, int] | str:
        """(mode, device, port) for vNIC ``index`` released on ``target``: on a NIC port a
        vSwitch vNIC keeps its mode (paravirtual or emulated)."""
        vm = self.topo.elements.get(vm_id)
        mode = None
        if isinstance(vm, VM) and 0 <= index < len(vm.vnics) and vm.vnics[index].mode in ("paravirtual", "emulated"):
            mode = vm.vnics[index].mode
        return self._device_of(target, mode)

    def vnic_plan(self, vm_id: str, index: int, target) -> Outcome | None:
        """What releasing the dragged end of vNIC ``index`` of a VM on ``target`` would do
        (None: where it already ends)."""
        device = self._vnic_device(vm_id, index, target)
        return device if isinstance(device, str) else ops.retarget(self.topo, vm_id, index, *device)

    def vnic_problem(self, vm_id: str, index: int, target) -> str | None:
        """Why ``vnic_plan`` would not move the vNIC, or None (no command is built)."""
        device = self._vnic_device(vm_id, index, target)
        return device if isinstance(device, str) else ops.retarget_problem(self.topo, vm_id, index, *device)

    def retarget_vnic(self, vm_id: str, index: int, target) -> str | None:
        """Move an existing vNIC to what its dragged end was released on."""
        return self.run(self.vnic_plan(vm_id, index, target))

    def end_of(self, item) -> str | None:
        """The cable end an item stands for: ``nic:port`` for a socket, the id of a switch
        or network (its body or its handle); None for anything else."""
        if isinstance(item, PortItem):
            return item.end
        return self._top_id(item)

    def retarget_cable_plan(self, link_id: str, moved_end: str, target) -> Outcome | None:
        """What releasing the dragged end ``moved_end`` of a cable on ``target`` would do
        (None: it is released where it already ends)."""
        new_end = self.end_of(target)
        if new_end is None:
            return "Release the cable's end on a switch, a network or a NIC port."
        return ops.retarget_cable(self.topo, link_id, moved_end, new_end)

    def retarget_cable_problem(self, link_id: str, moved_end: str, target) -> str | None:
        """Why ``retarget_cable_plan`` would not re-patch the cable, or None."""
        new_end = self.end_of(target)
        if new_end is None:
            return "Release the cable's end on a switch, a network or a NIC port."
        return ops.retarget_cable_problem(self.topo, link_id, moved_end, new_end)

    def retarget_cable(self, link_id: str, moved_end: str, target) -> str | None:
        """Re-patch a cable: its end ``moved_end`` goes to what it was released on."""
        return self.run(self.retarget_cable_plan(link_id, moved_end, target))

    # ----------------------------------------------------------------- delete
    def delete(self, ids: Iterable[str]) -> str | None:
        return self.run(ops.delete(self.topo, ids))

    def detach_vnic(self, vm_id: str, index: int) -> str | None:
        return self.run(ops.detach_vnic(self.topo, vm_id, index))

    # -------------------------------------------------------------- clipboard
    def copy_text(self, ids: Iterable[str]) -> str | None:
        """The selection (with everything inside it) as clipboard text, or None if empty."""
        return ops.copy_text(self.topo, ids)

    def _occupied(self) -> list[ops.Rect]:
        out = []
        for item in self.scene.top_items.values():
            r = item.sceneBoundingRect()
            out.append((r.x(), r.y(), r.width(), r.height()))
        return out

    def _size_of(self, element: Element) -> tuple[float, float]:
        item = self.scene.top_items.get(element.id)
        if item is not None:
            r = item.sceneBoundingRect()
            return r.width(), r.height()
        return ops.DEFAULT_SIZES.get(element.KIND, (200.0, 120.0))

    def _run_paste(self, result: ops.Paste | str) -> tuple[str | None, list[str]]:
        self.notes = []
        if isinstance(result, str):
            return result, []
        error = self.run(result.command)
        if error:
            return error, []
        self.notes = list(result.notes)
        return None, result.ids

    def paste_text(self, text: str, at: QPointF | None = None,
                   target_server: str | None = None) -> tuple[str | None, list[str]]:
        """Paste clipboard text at ``at`` (the cursor), or on free space next to the
        originals. Returns (refusal reason, new ids)."""
        result = ops.paste(self.topo, text, at=(at.x(), at.y()) if at is not None else None,
                           occupied=self._occupied(), size_of=self._size_of, target_server=target_server)
        return self._run_paste(result)

    def duplicate(self, ids: Iterable[str]) -> tuple[str | None, list[str]]:
        """Ctrl+D: a copy next to the original (guests get their own VF)."""
        return self._run_paste(ops.duplicate(self.topo, ids, occupied=self._occupied(), size_of=self._size_of))

    # ------------------------------------------------------------------- move
    def commit_moves(self, moves: dict[str, tuple[tuple[float, float], tuple[float, float]]]) -> str | None:
        return self.run(ops.move(self.topo, moves))

    def _top_rects(self, ids: Iterable[str]) -> dict[str, ops.Rect]:
        out: dict[str, ops.Rect] = {}
        for element_id in ids:
            item = self.scene.top_items.get(element_id)
            if item is not None:
                r: QRectF = item.sceneBoundingRect()
                out[element_id] = (r.x(), r.y(), r.width(), r.height())
        return out

    def align(self, ids: Iterable[str], how: str) -> str | None:
        """Align top-level items: left, right, top, bottom, hcenter, vcenter."""
        return self.run(ops.align(self.topo, self._top_rects(ids), how))

    def distribute(self, ids: Iterable[str], orientation: str) -> str | None:
        """Even gaps between top-level items, horizontally or vertically."""
        return self.run(ops.distribute(self.topo, self._top_rects(ids), orientation))

    # ------------------------------------------------------------------- bulk
    def bulk_add(self, servers: int, vms_per_server: int, mode: str = "paravirtual",
                 switch_id: str | None = None, origin: QPointF | None = None,
                 nic_preset: dict | None = None) -> tuple[str | None, list[str]]:
        """Add N servers, each with one NIC (cabled to ``switch_id``) and M attached VMs, as one step."""
        if origin is None:
            rect = self.scene.content_rect()
            origin = QPointF(rect.left(), rect.bottom() + 80) if self.scene.top_items else QPointF(0, 0)
        result = ops.bulk_add(self.topo, servers, vms_per_server, mode, switch_id, (origin.x(), origin.y()),
                              self.defaults, nic_preset)
        error = self.run(result)
        if error:
            return error, []
        assert not isinstance(result, str)
        return None, [e.id for e in result.elements if e.KIND == "server"]

    # ------------------------------------------------------------------- find
    def find(self, text: str) -> list[str]:
        """Ids of elements whose id or label contains the text (case-insensitive), in file order."""
        needle = text.strip().lower()
        if not needle:
            return []
        return [e.id for e in self.topo.elements.values()
                if needle in e.id.lower() or needle in (e.label or "").lower()]

    # ------------------------------------------------------------------ fields
    def set_field(self, ids: list[str], name: str, value) -> str | None:
        if not ids:
            return None
        return self.run(ops.set_field(self.topo, ids, name, value))

    def set_vnic_field(self, vm_ids: list[str], name: str, value, index: int | None = None) -> str | None:
        return self.run(ops.set_vnic_field(self.topo, vm_ids, name, value, index))

    def set_vnics(self, vm_id: str, vnics: list[VNic], text: str = "Edit vNICs") -> str | None:
        return self.run(ops.set_vnics(self.topo, vm_id, vnics, text=text))

    def set_project_field(self, name: str, value: str) -> str | None:
        return self.run(SetProjectFieldCommand(self.topo, name, value))

    def set_cost_model(self, cost_model) -> str | None:
        return self.run(SetCostModelCommand(self.topo, cost_model))

    def set_link_capacity(self, link_id: str, gbps: float | None) -> str | None:
        return self.run(SetLinkCapacityCommand(self.topo, link_id, gbps))

    def macro(self, commands: list[Command], text: str) -> str | None:
        return self.run(MacroCommand(commands, text))

    def change_nic_model(self, change) -> str | None:
        """Apply a ``catalogue.ModelChange`` as one undo step: what no longer fits goes first
        (VFs and cables on missing ports, VFs over the limits, surplus interface names), then
        the card's fields. A refused change (a guest would lose its device) changes nothing."""
        if change.refusal:
            return change.refusal
        commands: list[Command] = []
        if change.remove_vfs or change.remove_links:
            commands.append(RemoveCommand(self.topo, change.remove_vfs, change.remove_links))
        if change.trim_netdevs is not None:
            commands.append(SetFieldCommand(self.topo, [change.nic_id], "netdevs", change.trim_netdevs))
        for name, value in change.values.items():
            commands.append(SetFieldCommand(self.topo, [change.nic_id], name, value))
        if not commands:
            return None
        return self.macro(commands, f"Make {change.nic_id} a {change.entry_name}")
