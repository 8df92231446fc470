"""Editing operations of the designer: drops, connections, delete, clipboard,
align/distribute, bulk creation, find.

The editor turns a user's gesture into an undo command on the document; a
gesture the design does not allow returns a sentence saying why (the window
shows it in the status bar) and changes nothing.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Iterable

from PySide6.QtCore import QPointF

from ..fileformat.project import (
    ProjectFileError,
    _read_element,
    element_to_dict,
    link_to_dict,
    refuse_unencodable,
)
from ..model.elements import (
    VM,
    Element,
    Link,
    Network,
    Nic,
    Server,
    Switch,
    VirtualFunction,
    VNic,
    split_port_end,
)
from ..model.schema import FieldError, field_spec, link_field_spec
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
from .commands import (
    AddElementsCommand,
    Command,
    ConnectCommand,
    MacroCommand,
    MoveCommand,
    RemoveCommand,
    SetCostModelCommand,
    SetFieldCommand,
    SetLinkCapacityCommand,
    SetProjectFieldCommand,
    SetVnicsCommand,
)
from .document import Document

CLIPBOARD_FORMAT = "rackio-clipboard"
DEFAULT_NIC = {"model": "Intel X710-DA2", "ports": 2, "port_gbps": 10.0, "pcie_gbps": 63.0, "max_vfs": 128,
               "sriov": True}
ID_STEMS = {"network": "net", "switch": "sw", "server": "host", "vm": "vm"}


@dataclass
class Defaults:
    """What new elements start with (Preferences may change these)."""

    nic: dict
    vmm_io_cores: float = 4.0
    vnic_tx_gbps: float = 1.0
    vnic_rx_gbps: float = 1.0


def _stem(element_id: str) -> str:
    stem = re.sub(r"\d+$", "", element_id)
    return stem or element_id


class Editor:
    def __init__(self, document: Document, scene: DesignScene) -> None:
        self.document = document
        self.scene = scene
        self.defaults = Defaults(nic=dict(DEFAULT_NIC))

    @property
    def topo(self) -> Topology:
        return self.document.topology

    def run(self, command: Command) -> str | None:
        error = self.document.execute(command)
        self.scene.flush()
        return error

    def fresh_id(self, stem: str, taken: set[str]) -> str:
        stem = "".join(ch for ch in stem if ch.isalnum() or ch in "_.-")[:56] or "e"
        n = 1
        while (f"{stem}{n}" in self.topo.elements or f"{stem}{n}" in taken or f"{stem}{n}" in self.topo.links
               or f"{stem}{n}" in self.topo.racks):
            n += 1
        new = f"{stem}{n}"
        taken.add(new)
        return new

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
    def drop(self, kind: str, preset: dict | None, scene_pos: QPointF) -> str | None:
        """Create an element where the user dropped it. Returns the refusal reason, if any."""
        preset = dict(preset or {})
        target = self.target_at(scene_pos)
        taken: set[str] = set()
        grid = self.scene.grid_size
        x = round(scene_pos.x() / grid) * grid
        y = round(scene_pos.y() / grid) * grid
        if kind in ("network", "switch", "server"):
            # A switch's or network's connection handle is part of it, too.
            if self.server_item_of(target) is not None or isinstance(target, (SwitchItem, NetworkItem, HandleItem)):
                return f"Drop a {kind} on an empty part of the canvas."
            element_id = self.fresh_id(ID_STEMS[kind], taken)
            if kind == "network":
                element: Element = Network(id=element_id, x=x, y=y)
            elif kind == "switch":
                element = Switch(id=element_id, x=x, y=y)
            else:
                element = Server(id=element_id, x=x, y=y, vmm_io_cores=self.defaults.vmm_io_cores)
            _apply_preset(element, preset)
            return self.run(AddElementsCommand(self.topo, [element], text=f"Add {kind}"))
        if kind == "nic":
            server = self.server_item_of(target)
            if server is None:
                return "Drop a NIC onto a server."
            nic = Nic(id=self.fresh_id(f"{server.element_id}n", taken), parent=server.element_id)
            _apply_preset(nic, self.defaults.nic)  # the default model, then what the drag carried
            _apply_preset(nic, preset)
            return self.run(AddElementsCommand(self.topo, [nic], text="Add NIC"))
        if kind == "vf":
            nic_item = self.nic_item_of(target)
            if nic_item is None:
                return "Drop a virtual function onto a NIC (on the port it should use)."
            nic = self.topo.elements[nic_item.element_id]
            assert isinstance(nic, Nic)
            if not nic.sriov:
                return f"NIC {nic.id} has SR-IOV disabled; enable it in the inspector first."
            if len(self.topo.vfs_of(nic.id)) >= nic.max_vfs:
                return f"NIC {nic.id} already has its maximum of {nic.max_vfs} virtual functions."
            local = nic_item.mapFromScene(scene_pos)
            port = min(range(nic.ports), key=lambda p: abs(nic_item.port_x(p) - local.x()))
            if isinstance(target, PortItem):
                port = target.port
            vf = VirtualFunction(id=self.fresh_id(f"{nic.id}v", taken), parent=nic.id, port=port)
            _apply_preset(vf, preset)
            return self.run(AddElementsCommand(self.topo, [vf], text="Add virtual function"))
        if kind == "vm":
            server = self.server_item_of(target)
            if server is None:
                return "Drop a VM onto a server."
            vm = VM(id=self.fresh_id("vm", taken), parent=server.element_id)
            _apply_preset(vm, preset)
            return self.run(AddElementsCommand(self.topo, [vm], text="Add VM"))
        return f"Unknown element kind {kind!r}."

    # ----------------------------------------------------------- connections
    def connect(self, source, target) -> str | None:
        """Connect what a drag started on (port, handle) to what it ended on."""
        if target is None:
            return "Release the connection on a switch, a network, a VF, a NIC port or a NIC."
        if isinstance(source, PortItem):
            return self._cable_from_port(source.end, target)
        if isinstance(source, HandleItem):
            owner = source.owner
            if isinstance(owner, VmItem):
                return self.attach_vm(owner.element_id, target)
            return self._uplink(owner.element_id, target)
        return "Connections start at a NIC port or at the handle of a switch, network or VM."

    def _top_id(self, item) -> str | None:
        if isinstance(item, HandleItem):
            item = item.owner
        if isinstance(item, (SwitchItem, NetworkItem)):
            return item.element_id
        return None

    def _cable_from_port(self, end: str, target) -> str | None:
        if isinstance(target, PortItem):
            return "A NIC port is cabled to a switch or a network, not to another NIC."
        far = self._top_id(target)
        if far is None:
            return "Release the cable on a switch or a network."
        nic_id, port = split_port_end(end)  # type: ignore[misc]
        existing = self.topo.cable_at(nic_id, port)
        if existing is not None:
            return f"Port {port} of NIC {nic_id} already has a cable ({existing.id}); delete it first."
        return self.run(ConnectCommand(self.topo, Link(a=end, b=far), text="Connect cable"))

    def _uplink(self, source_id: str, target) -> str | None:
        if isinstance(target, PortItem):
            return self._cable_from_port(target.end, self.scene.top_items.get(source_id))
        far = self._top_id(target)
        if far is None:
            return "Release the uplink on another switch or a network."
        if far == source_id:
            return "An element cannot be cabled to itself."
        kinds = {self.topo.elements[source_id].KIND, self.topo.elements[far].KIND}
        if kinds == {"network"}:
            return "Two networks cannot be cabled to each other; put a switch between them."
        link = Link(a=source_id, b=far)
        if link.id in self.topo.links:
            n = 2
            while f"{link.id}-{n}" in self.topo.links:
                n += 1
            link = Link(a=source_id, b=far, id=f"{link.id}-{n}")
        return self.run(ConnectCommand(self.topo, link, text="Connect uplink"))

    def attach_vm(self, vm_id: str, target, mode: str | None = None) -> str | None:
        """Give a VM a new vNIC on a VF (SR-IOV), a NIC port (via the vSwitch) or a whole NIC (passthrough)."""
        vm = self.topo.elements[vm_id]
        assert isinstance(vm, VM)
        server = self.topo.elements[vm.parent]
        vnic = VNic(mode="paravirtual", tx_gbps=self.defaults.vnic_tx_gbps, rx_gbps=self.defaults.vnic_rx_gbps)
        if isinstance(target, VfItem):
            vf = self.topo.elements[target.element_id]
            assert isinstance(vf, VirtualFunction)
            nic = self.topo.elements[vf.parent]
            if nic.parent != vm.parent:
                return f"VF {vf.id} belongs to server {nic.parent}; VM {vm_id} runs on {vm.parent}."
            users = self.topo.users_of(vf.id)
            if users:
                return f"VF {vf.id} is already used by VM {users[0][0].id}; a VF serves one guest."
            vnic.mode, vnic.vf = "vf", vf.id
        elif isinstance(target, PortItem):
            nic = self.topo.elements[target.nic_id]
            if nic.parent != vm.parent:
                return f"NIC {nic.id} belongs to server {nic.parent}; VM {vm_id} runs on {vm.parent}."
            if self._passed_through(nic.id):
                return f"NIC {nic.id} is passed through to a guest and cannot also serve the vSwitch."
            vnic.mode = mode or "paravirtual"
            vnic.nic, vnic.port = nic.id, target.port
        elif isinstance(target, NicItem):
            nic = self.topo.elements[target.element_id]
            assert isinstance(nic, Nic)
            if nic.parent != vm.parent:
                return f"NIC {nic.id} belongs to server {nic.parent}; VM {vm_id} runs on {vm.parent}."
            if isinstance(server, Server) and not server.iommu:
                return f"Server {server.id} has VT-d (iommu) disabled, so NIC {nic.id} cannot be passed through."
            if self.topo.users_of(nic.id) or self.topo.vfs_of(nic.id):
                return f"NIC {nic.id} is already in use (vNICs or VFs); passthrough needs the whole device."
            vnic.mode, vnic.nic, vnic.port = "passthrough", nic.id, 0
        else:
            return "Release a VM's connection on a VF (SR-IOV), a NIC port (via the vSwitch) or a NIC (passthrough)."
        networks = self.topo.networks
        if len(networks) > 1:
            vnic.to = networks[0].id
        vnics = copy.deepcopy(vm.vnics) + [vnic]
        return self.run(SetVnicsCommand(self.topo, vm_id, vnics, text=f"Attach {vm_id} ({vnic.mode})"))

    def _passed_through(self, nic_id: str) -> bool:
        return any(vm.vnics[i].mode == "passthrough" for vm, i in self.topo.users_of(nic_id))

    # ----------------------------------------------------------------- delete
    def delete(self, ids: Iterable[str]) -> str | None:
        ids = list(ids)
        elements = [i for i in ids if i in self.topo.elements]
        links = [i for i in ids if i in self.topo.links]
        if not elements and not links:
            return "Nothing selected to delete."
        count = len(elements) + len(links)
        return self.run(RemoveCommand(self.topo, elements, links, text=f"Delete {count} item{'s' * (count > 1)}"))

    def detach_vnic(self, vm_id: str, index: int) -> str | None:
        vm = self.topo.elements[vm_id]
        assert isinstance(vm, VM)
        vnics = copy.deepcopy(vm.vnics)
        del vnics[index]
        return self.run(SetVnicsCommand(self.topo, vm_id, vnics, text=f"Remove vNIC {index} of {vm_id}"))

    # -------------------------------------------------------------- clipboard
    def copy_text(self, ids: Iterable[str]) -> str | None:
        """The selection (with everything inside it) as clipboard text, or None if empty."""
        seen: set[str] = set()
        for element_id in ids:
            if element_id in self.topo.elements and element_id not in seen:
                for e in [self.topo.elements[element_id]] + self.topo.descendants(element_id):
                    if e.id not in seen:
                        seen.add(e.id)
        # Keep file order so parents come before children.
        chosen = [e for e in self.topo.elements if e in seen]
        if not chosen:
            return None
        owners = set(chosen)
        links = [
            link for link in self.topo.links.values()
            if all(self.topo._end_owner(end) in owners for end in link.ends())
        ]
        doc = {
            "format": CLIPBOARD_FORMAT,
            "version": 1,
            "elements": [element_to_dict(self.topo.elements[i]) for i in chosen],
            "links": [link_to_dict(link) for link in links],
        }
        return json.dumps(doc, ensure_ascii=False)

    def paste_text(self, text: str, offset: QPointF = QPointF(40, 40),
                   target_server: str | None = None) -> tuple[str | None, list[str]]:
        """Paste clipboard text. Returns (refusal reason, new ids)."""
        try:
            if len(text) > 64 * 1024 * 1024:
                raise ValueError("too large")
            doc = json.loads(text)
        except (ValueError, RecursionError):
            return "The clipboard does not hold RackIO elements.", []
        if not isinstance(doc, dict) or doc.get("format") != CLIPBOARD_FORMAT or not isinstance(doc.get("elements"), list):
            return "The clipboard does not hold RackIO elements.", []
        try:
            refuse_unencodable(doc)  # text no file could hold would make every later save fail
            elements = [_read_element(raw, i) for i, raw in enumerate(doc["elements"])]
        except ProjectFileError as exc:
            return f"The clipboard's elements are not valid: {exc}", []
        taken: set[str] = set()
        mapping: dict[str, str] = {}
        new_elements: list[Element] = []
        by_old = {e.id: e for e in elements}
        for element in elements:
            parent = element.parent_id
            new = copy.deepcopy(element)
            if parent:
                if parent in mapping:
                    new.parent = mapping[parent]  # type: ignore[attr-defined]
                elif parent in by_old:
                    continue  # its parent was skipped
                else:
                    want = {"nic": "server", "vm": "server", "vf": "nic"}[element.KIND]
                    host = target_server if want == "server" and target_server in self.topo.elements else parent
                    existing = self.topo.elements.get(host)
                    if existing is None or existing.KIND != want:
                        continue
                    new.parent = host  # type: ignore[attr-defined]
            new.id = self.fresh_id(_stem(element.id), taken)
            mapping[element.id] = new.id
            if element.KIND in ("network", "switch", "server"):
                new.x = (element.x or 0.0) + offset.x()
                new.y = (element.y or 0.0) + offset.y()
            if element.KIND in ("switch", "server"):
                new.rack_u = None  # a copy never lands on its original's slot: it waits in the Unracked tray
            new_elements.append(new)
        if not new_elements:
            return "Nothing on the clipboard can be pasted here.", []
        # vNIC references: inside the paste → remapped; same server → kept; else detached.
        new_server = {}
        for e in new_elements:
            if e.KIND == "server":
                new_server[e.id] = e.id
        for e in new_elements:
            if e.KIND in ("nic", "vm"):
                new_server[e.id] = e.parent  # type: ignore[attr-defined]
        for e in new_elements:
            if e.KIND == "vf":
                new_server[e.id] = new_server.get(e.parent, self._server_id(e.parent))  # type: ignore[attr-defined]
        for e in new_elements:
            if not isinstance(e, VM):
                continue
            for vnic in e.vnics:
                for attr in ("vf", "nic"):
                    ref = getattr(vnic, attr)
                    if ref is None:
                        continue
                    if ref in mapping:
                        setattr(vnic, attr, mapping[ref])
                    elif ref in self.topo.elements and self._server_id(ref) == e.parent:
                        pass
                    else:
                        setattr(vnic, attr, None)
                if vnic.to is not None and vnic.to not in self.topo.elements and vnic.to not in mapping:
                    vnic.to = None
                elif vnic.to in mapping:
                    vnic.to = mapping[vnic.to]
        new_links = []
        for i, raw in enumerate(doc.get("links", []) if isinstance(doc.get("links"), list) else []):
            if not isinstance(raw, dict) or not isinstance(raw.get("a"), str) or not isinstance(raw.get("b"), str):
                continue
            ends = []
            for end in (raw["a"], raw["b"]):
                split = split_port_end(end) if end not in by_old else None
                if split is not None and split[0] in mapping:
                    ends.append(f"{mapping[split[0]]}:{split[1]}")
                elif end in mapping:
                    ends.append(mapping[end])
                else:
                    ends = []
                    break
            if len(ends) == 2:
                try:  # the loader's rule (> 0, at most 1 Pbit/s, or null), so the design always saves
                    gbps = link_field_spec("gbps").coerce(raw.get("gbps"))
                except FieldError as exc:
                    return f"The clipboard's cable {raw['a'][:40]} – {raw['b'][:40]}: field 'gbps' {exc}.", []
                link = Link(a=ends[0], b=ends[1], gbps=gbps)
                if link.id in self.topo.links or any(link.id == n.id for n in new_links):
                    link.id = self.fresh_id(link.id + "-", taken)
                new_links.append(link)
        error = self.run(AddElementsCommand(self.topo, new_elements, new_links,
                                            text=f"Paste {len(new_elements)} element{'s' * (len(new_elements) > 1)}"))
        if error:
            return error, []
        return None, [e.id for e in new_elements]

    def _server_id(self, element_id: str) -> str | None:
        server = self.topo.server_of(element_id)
        return server.id if server else None

    # ------------------------------------------------------------------- move
    def commit_moves(self, moves: dict[str, tuple[tuple[float, float], tuple[float, float]]]) -> str | None:
        moves = {k: v for k, v in moves.items() if v[0] != v[1]}
        if not moves:
            return None
        text = "Move" if len(moves) == 1 else f"Move {len(moves)} items"
        return self.run(MoveCommand(self.topo, moves, text=text))

    def _top_rects(self, ids: Iterable[str]):
        out = []
        for element_id in ids:
            item = self.scene.top_items.get(element_id)
            if item is not None:
                out.append((element_id, item.sceneBoundingRect(), item.pos()))
        return out

    def align(self, ids: Iterable[str], how: str) -> str | None:
        """Align top-level items: left, right, top, bottom, hcenter, vcenter."""
        rects = self._top_rects(ids)
        if len(rects) < 2:
            return "Select two or more servers, switches or networks to align."
        moves = {}
        if how == "left":
            edge = min(r.left() for _, r, _ in rects)
            for i, r, p in rects:
                moves[i] = ((p.x(), p.y()), (p.x() + edge - r.left(), p.y()))
        elif how == "right":
            edge = max(r.right() for _, r, _ in rects)
            for i, r, p in rects:
                moves[i] = ((p.x(), p.y()), (p.x() + edge - r.right(), p.y()))
        elif how == "top":
            edge = min(r.top() for _, r, _ in rects)
            for i, r, p in rects:
                moves[i] = ((p.x(), p.y()), (p.x(), p.y() + edge - r.top()))
        elif how == "bottom":
            edge = max(r.bottom() for _, r, _ in rects)
            for i, r, p in rects:
                moves[i] = ((p.x(), p.y()), (p.x(), p.y() + edge - r.bottom()))
        elif how == "hcenter":
            c = sum(r.center().x() for _, r, _ in rects) / len(rects)
            for i, r, p in rects:
                moves[i] = ((p.x(), p.y()), (p.x() + c - r.center().x(), p.y()))
        elif how == "vcenter":
            c = sum(r.center().y() for _, r, _ in rects) / len(rects)
            for i, r, p in rects:
                moves[i] = ((p.x(), p.y()), (p.x(), p.y() + c - r.center().y()))
        else:
            return f"Unknown alignment {how!r}."
        return self.commit_moves(moves) or None

    def distribute(self, ids: Iterable[str], orientation: str) -> str | None:
        """Even gaps between top-level items, horizontally or vertically."""
        rects = self._top_rects(ids)
        if len(rects) < 3:
            return "Select three or more servers, switches or networks to distribute."
        horizontal = orientation == "horizontal"
        rects.sort(key=lambda t: t[1].left() if horizontal else t[1].top())
        first, last = rects[0][1], rects[-1][1]
        span = (last.right() - first.left()) if horizontal else (last.bottom() - first.top())
        sizes = sum(r.width() if horizontal else r.height() for _, r, _ in rects)
        gap = (span - sizes) / (len(rects) - 1)
        cursor = first.left() if horizontal else first.top()
        moves = {}
        for i, r, p in rects:
            if horizontal:
                moves[i] = ((p.x(), p.y()), (p.x() + cursor - r.left(), p.y()))
                cursor += r.width() + gap
            else:
                moves[i] = ((p.x(), p.y()), (p.x(), p.y() + cursor - r.top()))
                cursor += r.height() + gap
        return self.commit_moves(moves)

    # ------------------------------------------------------------------- bulk
    def bulk_add(self, servers: int, vms_per_server: int, mode: str = "paravirtual",
                 switch_id: str | None = None, origin: QPointF | None = None,
                 nic_preset: dict | None = None) -> tuple[str | None, list[str]]:
        """Add N servers, each with one NIC (cabled to ``switch_id``) and M attached VMs, as one step."""
        if servers < 1 or servers > 1000 or vms_per_server < 0 or vms_per_server > 1000:
            return "Choose 1–1000 servers and 0–1000 VMs per server.", []
        taken: set[str] = set()
        preset = dict(nic_preset or self.defaults.nic)
        rect = self.scene.content_rect()
        x0 = origin.x() if origin is not None else (rect.left() if self.scene.top_items else 0.0)
        y0 = origin.y() if origin is not None else (rect.bottom() + 80 if self.scene.top_items else 0.0)
        elements: list[Element] = []
        links: list[Link] = []
        cols = max(1, min(servers, 4))
        networks = self.topo.networks
        width_guess = 140.0 * max(3, min(12, max(vms_per_server, 1))) if vms_per_server > 6 else 480.0
        for s in range(servers):
            r, c = divmod(s, cols)
            host = Server(id=self.fresh_id("host", taken), vmm_io_cores=self.defaults.vmm_io_cores,
                          x=x0 + c * (width_guess + 60), y=y0 + r * (320 + 40 * (vms_per_server // 6)))
            nic = Nic(id=self.fresh_id(f"{host.id}n", taken), parent=host.id)
            _apply_preset(nic, preset)
            elements += [host, nic]
            if switch_id:
                links.append(Link(a=f"{nic.id}:0", b=switch_id))
            for v in range(vms_per_server):
                vm = VM(id=self.fresh_id(f"{host.id}vm", taken), parent=host.id)
                vnic = VNic(mode=mode, tx_gbps=self.defaults.vnic_tx_gbps, rx_gbps=self.defaults.vnic_rx_gbps)
                if len(networks) > 1:
                    vnic.to = networks[0].id
                if mode == "vf":
                    vf = VirtualFunction(id=self.fresh_id(f"{nic.id}v", taken), parent=nic.id, port=0)
                    elements.append(vf)
                    vnic.vf = vf.id
                else:
                    vnic.nic, vnic.port = nic.id, 0
                vm.vnics = [vnic]
                elements.append(vm)
        error = self.run(AddElementsCommand(self.topo, elements, links,
                                            text=f"Add {servers} servers × {vms_per_server} VMs"))
        return error, [e.id for e in elements if e.KIND == "server"]

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
        label = f"Set {name}" + (f" on {len(ids)} elements" if len(ids) > 1 else f" of {ids[0]}")
        return self.run(SetFieldCommand(self.topo, ids, name, value, text=label))

    def set_vnics(self, vm_id: str, vnics: list[VNic], text: str = "Edit vNICs") -> str | None:
        return self.run(SetVnicsCommand(self.topo, vm_id, vnics, text=text))

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


def _apply_preset(element: Element, preset: dict) -> None:
    """Copy preset values (palette, catalogue, drag data) that are valid fields of the element."""
    if not isinstance(preset, dict):
        return
    for key, value in preset.items():
        if key in ("name", "note", "kind", "id", "parent", "x", "y") or not isinstance(key, str):
            continue
        try:
            spec = field_spec(element.KIND, key)
            setattr(element, key, spec.coerce(value))
        except (KeyError, FieldError):
            continue  # foreign or malformed drag data never reaches the model
