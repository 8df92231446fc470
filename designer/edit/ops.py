"""Every edit a user can make, as functions of a Topology, ids and plain values.

Each returns a command (``designer.edit.commands``), not yet applied, or a
sentence saying why the edit is refused (then nothing changes). The rules come
from ``designer.model.checks`` and ``racks.placement_problem``, the same ones
the loader and the model apply and the GUI shows while dragging.

Positions are the model's: a top-level element's ``x``/``y`` is its top-left
corner on the canvas. Sizes, where an edit needs them (paste on free space,
align, distribute), are passed in as plain rectangles ``(x, y, width, height)``.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence, Union

from ..fileformat.project import ProjectFileError, _read_element, element_to_dict, link_to_dict, refuse_unencodable
from ..model import checks
from ..model.elements import (
    DEFAULT_RACK_HEIGHT_U,
    MODES,
    VM,
    Element,
    Link,
    Network,
    Nic,
    Rack,
    Server,
    Switch,
    VirtualFunction,
    VNic,
    split_port_end,
)
from ..model.racks import free_slot, is_racked, members, placement_problem, span
from ..model.schema import FieldError, field_spec, link_field_spec, vnic_field_spec
from ..model.topology import Topology
from .commands import (
    AddElementsCommand,
    AddRackCommand,
    Command,
    ConnectCommand,
    MacroCommand,
    MoveCommand,
    PlaceCommand,
    RemoveCommand,
    RemoveRackCommand,
    RenameRackCommand,
    RetargetCableCommand,
    SetFieldCommand,
    SetRackFieldCommand,
    SetVnicsCommand,
)

Outcome = Union[Command, str]
Rect = tuple[float, float, float, float]  # x, y, width, height

CLIPBOARD_FORMAT = "rackio-clipboard"
DEFAULT_NIC = {"model": "Intel X710-DA2", "ports": 2, "port_gbps": 10.0, "pcie_gbps": 63.0, "max_vfs": 128,
               "sriov": True}
ID_STEMS = {"network": "net", "switch": "sw", "server": "host", "vm": "vm"}
TOP_KINDS = ("network", "switch", "server")
# The canvas sizes of new top-level elements, for placing them without the canvas.
DEFAULT_SIZES = {"network": (160.0, 40.0), "switch": (160.0, 44.0), "server": (300.0, 200.0)}
PASTE_GAP = 40.0


@dataclass
class Defaults:
    """What new elements start with (Preferences may change these)."""

    nic: dict = field(default_factory=lambda: dict(DEFAULT_NIC))
    vmm_io_cores: float = 4.0
    vnic_tx_gbps: float = 1.0
    vnic_rx_gbps: float = 1.0


def apply_preset(element: Element, preset: Any) -> None:
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


def _stem(element_id: str) -> str:
    stem = re.sub(r"\d+$", "", element_id)
    return stem or element_id


def _new_vnic(topo: Topology, defaults: Defaults, mode: str) -> VNic:
    vnic = VNic(mode=mode, tx_gbps=defaults.vnic_tx_gbps, rx_gbps=defaults.vnic_rx_gbps)
    networks = topo.networks
    if len(networks) > 1:
        vnic.to = networks[0].id
    return vnic


# ------------------------------------------------------------------- adding
def add_element(topo: Topology, kind: str, *, x: float = 0.0, y: float = 0.0, parent: str | None = None,
                port: int | None = None, preset: dict | None = None,
                defaults: Defaults | None = None) -> Outcome:
    """A new network, switch or server at (x, y); a NIC or VM in server ``parent``; a VF on
    port ``port`` of NIC ``parent``."""
    defaults = defaults or Defaults()
    preset = dict(preset or {})
    element: Element
    if kind in TOP_KINDS:
        element_id = checks.fresh_id(topo, ID_STEMS[kind])
        if kind == "network":
            element = Network(id=element_id, x=x, y=y)
        elif kind == "switch":
            element = Switch(id=element_id, x=x, y=y)
        else:
            element = Server(id=element_id, x=x, y=y, vmm_io_cores=defaults.vmm_io_cores)
        apply_preset(element, preset)
        return AddElementsCommand(topo, [element], text=f"Add {kind}")
    if kind in ("nic", "vm"):
        server = topo.elements.get(parent or "")
        if not isinstance(server, Server):
            return f"Drop a {'NIC' if kind == 'nic' else 'VM'} onto a server."
        if kind == "nic":
            element = Nic(id=checks.fresh_id(topo, f"{server.id}n"), parent=server.id)
            apply_preset(element, defaults.nic)  # the default model, then what the drag carried
        else:
            element = VM(id=checks.fresh_id(topo, "vm"), parent=server.id)
        apply_preset(element, preset)
        return AddElementsCommand(topo, [element], text=f"Add {'NIC' if kind == 'nic' else 'VM'}")
    if kind == "vf":
        nic = topo.elements.get(parent or "")
        if not isinstance(nic, Nic):
            return "Drop a virtual function onto a NIC (on the port it should use)."
        vf = VirtualFunction(id=checks.fresh_id(topo, f"{nic.id}v"), parent=nic.id,
                             port=min(max(port or 0, 0), nic.ports - 1))
        apply_preset(vf, preset)
        vf.port = min(vf.port, nic.ports - 1)
        problem = checks.vf_slot_problem(topo, nic.id, vf.port)
        if problem:
            return problem
        return AddElementsCommand(topo, [vf], text="Add virtual function")
    return f"Unknown element kind {kind!r}."


def add_elements(topo: Topology, elements: Sequence[Element], links: Sequence[Link] = (),
                 text: str = "Add") -> Outcome:
    """Ready-made elements (an import) in one step; refused when one's id is taken."""
    if not elements and not links:
        return "There is nothing to add."
    for element in elements:
        if checks.id_taken(topo, element.id):
            return f"{element.KIND} {element.id} is already the id of something in this design."
    return AddElementsCommand(topo, list(elements), list(links), text=text)


# --------------------------------------------------------------- connecting
def cable(topo: Topology, nic_id: str, port: int, far_id: str) -> Outcome:
    """A cable from port ``port`` of NIC ``nic_id`` to a switch or network."""
    end = f"{nic_id}:{port}"
    problem = checks.cable_problem(topo, end, far_id)
    if problem:
        return problem
    return ConnectCommand(topo, Link(a=end, b=far_id), text="Connect cable")


def uplink(topo: Topology, source_id: str, far_id: str) -> Outcome:
    """A cable between two switches, or a switch and a network (several are allowed)."""
    problem = checks.cable_problem(topo, source_id, far_id)
    if problem:
        return problem
    link = Link(a=source_id, b=far_id)
    if checks.id_taken(topo, link.id):
        n = 2
        while checks.id_taken(topo, f"{link.id}-{n}"):
            n += 1
        link = Link(a=source_id, b=far_id, id=f"{link.id}-{n}")
    return ConnectCommand(topo, link, text="Connect uplink")


def _repatched_ends(link: Link, moved_end: str, new_end: str) -> tuple[str, str]:
    fixed = link.other_end(moved_end)
    return (new_end, fixed) if moved_end == link.a else (fixed, new_end)


def retarget_cable_problem(topo: Topology, link_id: str, moved_end: str, new_end: str) -> str | None:
    """Why re-patching end ``moved_end`` of a cable to ``new_end`` is refused, or None (the
    check ``retarget_cable`` makes, without building the command: the drag asks it for every
    target in view). Releasing it where it already ends is not a re-patch either."""
    link = topo.links.get(link_id)
    if link is None:
        return f"There is no cable {link_id!r} in this design."
    if moved_end not in link.ends():
        return f"Cable {link_id} has no end {moved_end!r}."
    if new_end == moved_end:
        return f"Cable {link_id} already ends at {new_end}."
    return checks.cable_problem(topo, *_repatched_ends(link, moved_end, new_end), ignore=link_id)


def retarget_cable(topo: Topology, link_id: str, moved_end: str, new_end: str) -> Outcome | None:
    """Re-patch a cable: its end ``moved_end`` (a switch or network id, or ``nic:port``)
    goes to ``new_end``; the other end stays. The same rules as a new cable apply, except
    that the port the cable leaves counts as free. None when the end does not change."""
    link = topo.links.get(link_id)
    if link is not None and new_end == moved_end and moved_end in link.ends():
        return None
    problem = retarget_cable_problem(topo, link_id, moved_end, new_end)
    if problem:
        return problem
    assert link is not None
    a, b = _repatched_ends(link, moved_end, new_end)
    new = Link(a=a, b=b, gbps=link.gbps, extra=copy.deepcopy(link.extra))
    if new.id != link_id and checks.id_taken(topo, new.id):
        n = 2  # a parallel uplink: its own id, as ``uplink`` gives it
        while checks.id_taken(topo, f"{new.id}-{n}") and f"{new.id}-{n}" != link_id:
            n += 1
        new.id = f"{new.id}-{n}"
    return RetargetCableCommand(topo, link_id, new, text=f"Re-patch cable {link_id} to {new_end}")


def attach(topo: Topology, vm_id: str, mode: str, device_id: str, port: int = 0,
           defaults: Defaults | None = None) -> Outcome:
    """Give a VM a new vNIC: ``vf`` on a VF, ``paravirtual``/``emulated`` on a NIC port
    (via the vSwitch), ``passthrough`` on a whole NIC."""
    problem = checks.attach_problem(topo, vm_id, mode, device_id, port=port)
    if problem:
        return problem
    vm = topo.elements[vm_id]
    assert isinstance(vm, VM)
    vnic = _new_vnic(topo, defaults or Defaults(), mode)
    _point(vnic, mode, device_id, port)
    return SetVnicsCommand(topo, vm_id, copy.deepcopy(vm.vnics) + [vnic], text=f"Attach {vm_id} ({mode})")


def _point(vnic: VNic, mode: str, device_id: str, port: int) -> None:
    vnic.mode = mode
    if mode == "vf":
        vnic.vf, vnic.nic, vnic.port = device_id, None, 0
    else:
        vnic.vf, vnic.nic, vnic.port = None, device_id, (0 if mode == "passthrough" else port)


def _vnic_unchanged(vnic: VNic, mode: str, device_id: str, port: int) -> bool:
    return vnic.mode == mode and (vnic.vf if mode == "vf" else vnic.nic) == device_id and \
        (mode in ("vf", "passthrough") or vnic.port == port)


def retarget_problem(topo: Topology, vm_id: str, index: int, mode: str, device_id: str,
                     port: int = 0) -> str | None:
    """Why moving vNIC ``index`` of a VM onto ``device_id`` is refused, or None (the check
    ``retarget`` makes, without building the command). Where it already is is no move."""
    vm = topo.elements.get(vm_id)
    if not isinstance(vm, VM) or not 0 <= index < len(vm.vnics):
        return f"VM {vm_id} has no vNIC {index}."
    if _vnic_unchanged(vm.vnics[index], mode, device_id, port):
        return f"vNIC {index} of {vm_id} already uses {device_id}."
    return checks.attach_problem(topo, vm_id, mode, device_id, ignore=(vm_id, index), port=port)


def retarget(topo: Topology, vm_id: str, index: int, mode: str, device_id: str, port: int = 0) -> Outcome | None:
    """Move vNIC ``index`` of a VM to another VF, NIC port or NIC (dragging an attachment's end).
    None when it already uses that device (and port) in that mode."""
    vm = topo.elements.get(vm_id)
    if isinstance(vm, VM) and 0 <= index < len(vm.vnics) and _vnic_unchanged(vm.vnics[index], mode, device_id, port):
        return None
    problem = retarget_problem(topo, vm_id, index, mode, device_id, port)
    if problem:
        return problem
    assert isinstance(vm, VM)
    vnics = copy.deepcopy(vm.vnics)
    _point(vnics[index], mode, device_id, port)
    return SetVnicsCommand(topo, vm_id, vnics, text=f"Re-attach {vm_id} vNIC {index} ({mode})")


def detach_vnic(topo: Topology, vm_id: str, index: int) -> Outcome:
    vm = topo.elements.get(vm_id)
    if not isinstance(vm, VM) or not 0 <= index < len(vm.vnics):
        return f"VM {vm_id} has no vNIC {index}."
    vnics = copy.deepcopy(vm.vnics)
    del vnics[index]
    return SetVnicsCommand(topo, vm_id, vnics, text=f"Remove vNIC {index} of {vm_id}")


# ----------------------------------------------------------------- deleting
def delete(topo: Topology, ids: Iterable[str]) -> Outcome:
    ids = list(ids)
    elements = [i for i in ids if i in topo.elements]
    links = [i for i in ids if i in topo.links]
    if not elements and not links:
        return "Nothing selected to delete."
    count = len(elements) + len(links)
    return RemoveCommand(topo, elements, links, text=f"Delete {count} item{'s' * (count > 1)}")


# ------------------------------------------------------------------- fields
def set_field(topo: Topology, ids: Sequence[str], name: str, value: Any) -> Outcome:
    if not ids:
        return "Select elements to edit."
    label = f"Set {name}" + (f" on {len(ids)} elements" if len(ids) > 1 else f" of {ids[0]}")
    return SetFieldCommand(topo, list(ids), name, value, text=label)


def set_vnic_field(topo: Topology, vm_ids: Sequence[str], name: str, value: Any,
                   index: int | None = None) -> Outcome:
    """Set one vNIC field on several VMs as one step: on vNIC ``index`` of each, or on every
    vNIC of each when ``index`` is None. VMs without such a vNIC are left alone."""
    try:
        spec = vnic_field_spec(name)
    except KeyError:
        return f"A vNIC has no field {name!r}."
    try:
        value = spec.coerce(value)
    except FieldError as exc:
        return checks.sentence(f"vNIC {name} {exc}")
    commands: list[Command] = []
    for vm_id in vm_ids:
        vm = topo.elements.get(vm_id)
        if not isinstance(vm, VM) or not vm.vnics:
            continue
        vnics = copy.deepcopy(vm.vnics)
        targets = range(len(vnics)) if index is None else ([index] if 0 <= index < len(vnics) else [])
        changed = False
        for i in targets:
            if getattr(vnics[i], name) != value:
                setattr(vnics[i], name, value)
                changed = True
        if changed:
            commands.append(SetVnicsCommand(topo, vm_id, vnics, text=f"Set {name} of {vm_id}"))
    if not commands:
        return "No selected guest has a vNIC whose " + name + " differs."
    if len(commands) == 1:
        return commands[0]
    return MacroCommand(commands, f"Set vNIC {name} on {len(commands)} VMs")


def set_vnics(topo: Topology, vm_id: str, vnics: list[VNic], text: str = "Edit vNICs") -> Outcome:
    if not isinstance(topo.elements.get(vm_id), VM):
        return f"{vm_id} is not a VM of this design."
    return SetVnicsCommand(topo, vm_id, vnics, text=text)


# --------------------------------------------------------------- clipboard
def copy_text(topo: Topology, ids: Iterable[str]) -> str | None:
    """The selection (with everything inside it) as clipboard text, or None if empty."""
    seen: set[str] = set()
    for element_id in ids:
        if element_id in topo.elements and element_id not in seen:
            for e in [topo.elements[element_id]] + topo.descendants(element_id):
                seen.add(e.id)
    chosen = [e for e in topo.elements if e in seen]  # file order: parents before children
    if not chosen:
        return None
    owners = set(chosen)
    links = [link for link in topo.links.values()
             if all(topo._end_owner(end) in owners for end in link.ends())]
    doc = {
        "format": CLIPBOARD_FORMAT,
        "version": 1,
        "elements": [element_to_dict(topo.elements[i]) for i in chosen],
        "links": [link_to_dict(link) for link in links],
    }
    return json.dumps(doc, ensure_ascii=False)


@dataclass
class Paste:
    """A paste ready to run: the command, the new ids, and notes for the user
    (for example a guest that could not keep its VF)."""

    command: AddElementsCommand
    ids: list[str]
    notes: list[str]


def _overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def free_offset(box: Rect, occupied: Sequence[Rect], gap: float = PASTE_GAP) -> tuple[float, float]:
    """How far to move ``box`` so it overlaps nothing in ``occupied``: first to the right of
    where it is (next to the original), then further right, row by row below."""
    x, y, w, h = box
    for row in range(50):
        for step in range(1, 50):
            dx = step * (w + gap)
            dy = row * (h + gap)
            candidate = (x + dx, y + dy, w, h)
            if not any(_overlaps(candidate, r) for r in occupied):
                return dx, dy
    return w + gap, 0.0


def paste(topo: Topology, text: str, *, at: tuple[float, float] | None = None,
          occupied: Sequence[Rect] = (), size_of: Callable[[Element], tuple[float, float]] | None = None,
          target_server: str | None = None) -> Paste | str:
    """Paste clipboard text.

    Ids derive from the new parent (a NIC pasted into host2 is ``host2n…``). The copy's
    top-level elements keep their arrangement (``size_of`` gives the size of an original
    element, as it is drawn); their bounding box goes with its top-left
    at ``at`` (the cursor) when given, else to the first free place to the right of where
    the originals were (``occupied`` lists the rectangles already on the canvas). A
    guest whose vNIC used a VF or passed-through NIC outside the paste gets a new VF on
    the same port (when the NIC has a free one) or is left unattached, with a note.
    """
    size_of = size_of or (lambda e: DEFAULT_SIZES.get(e.KIND, (200.0, 120.0)))
    try:
        if len(text) > 64 * 1024 * 1024:
            raise ValueError("too large")
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return "The clipboard does not hold RackIO elements."
    if not isinstance(doc, dict) or doc.get("format") != CLIPBOARD_FORMAT or not isinstance(doc.get("elements"), list):
        return "The clipboard does not hold RackIO elements."
    try:
        refuse_unencodable(doc)  # text no file could hold would make every later save fail
        elements = [_read_element(raw, i) for i, raw in enumerate(doc["elements"])]
    except ProjectFileError as exc:
        return f"The clipboard's elements are not valid: {exc}"
    seen: set[str] = set()
    for element in elements:  # as in a file: parents, links and guests name elements by id
        if element.id in seen:
            return f'The clipboard\'s elements are not valid: the id "{element.id}" is used twice.'
        seen.add(element.id)
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    new_elements: list[Element] = []
    by_old = {e.id: e for e in elements}
    new_vfs: dict[str, list[int]] = {}  # NIC of this design -> ports of the VFs the paste adds to it
    for element in elements:
        parent = element.parent_id
        new = copy.deepcopy(element)
        stem = _stem(element.id)
        if parent:
            if parent in mapping:
                new_parent = mapping[parent]
            elif parent in by_old:
                continue  # its parent was skipped
            else:
                want = Nic if isinstance(element, VirtualFunction) else Server
                host = target_server if want is Server and isinstance(topo.elements.get(target_server or ""), Server) \
                    else parent
                if not isinstance(topo.elements.get(host or ""), want):
                    continue
                assert host is not None
                new_parent = host
                if isinstance(element, VirtualFunction):  # one more VF on a NIC of the design
                    problem = checks.vf_slot_problem(topo, host, element.port, new_vfs.get(host, ()))
                    if problem:
                        return problem
                    new_vfs.setdefault(host, []).append(element.port)
            new.parent = new_parent  # type: ignore[attr-defined]
            if element.id.startswith(parent) and len(element.id) > len(parent):
                # host1n1 → host2n…; host1's guest host11 → host2…, not host21…
                stem = new_parent + re.sub(r"\d+$", "", element.id[len(parent):])
        new.id = checks.fresh_id(topo, stem, taken)
        mapping[element.id] = new.id
        if isinstance(new, (Switch, Server)):
            new.rack_u = None  # a copy never lands on its original's slot: it waits in the Unracked tray
        new_elements.append(new)
    if not new_elements:
        return "Nothing on the clipboard can be pasted here."
    # Where the copy goes.
    tops = [e for e in new_elements if isinstance(e, (Network, Switch, Server))]
    if tops:
        original = {new: by_old[old] for old, new in mapping.items()}
        boxes = [((e.x or 0.0), (e.y or 0.0), *size_of(original[e.id])) for e in tops]
        left = min(b[0] for b in boxes)
        top = min(b[1] for b in boxes)
        box = (left, top, max(b[0] + b[2] for b in boxes) - left, max(b[1] + b[3] for b in boxes) - top)
        if at is not None:
            dx, dy = at[0] - left, at[1] - top
        else:
            dx, dy = free_offset(box, occupied)
        for e in tops:
            e.x = (e.x or 0.0) + dx
            e.y = (e.y or 0.0) + dy
    notes = _remap_vnics(topo, new_elements, mapping, taken, new_vfs)
    new_links = []
    raw_links = doc.get("links") if isinstance(doc.get("links"), list) else []
    for raw in raw_links or []:
        if not isinstance(raw, dict) or not isinstance(raw.get("a"), str) or not isinstance(raw.get("b"), str):
            continue
        ends: list[str] = []
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
                return f"The clipboard's cable {raw['a'][:40]} – {raw['b'][:40]}: field 'gbps' {exc}."
            link = Link(a=ends[0], b=ends[1], gbps=gbps)
            if checks.id_taken(topo, link.id, taken):
                link.id = checks.fresh_id(topo, link.id + "-", taken)
            taken.add(link.id)
            new_links.append(link)
    count = len(new_elements)
    command = AddElementsCommand(topo, new_elements, new_links, text=f"Paste {count} element{'s' * (count > 1)}")
    return Paste(command, [e.id for e in new_elements], notes)


def _remap_vnics(topo: Topology, new_elements: list[Element], mapping: dict[str, str],
                 taken: set[str], new_vfs: dict[str, list[int]]) -> list[str]:
    """vNIC references: inside the paste → remapped; a vSwitch port of the same server →
    kept; a VF of the same server → a new VF on the same NIC port, if the NIC has one free
    there (``max_vfs``, ``max_vfs_per_port``; ``new_vfs`` holds those the paste adds); else
    detached."""
    notes: list[str] = []
    added: list[Element] = []
    pasted = {e.id: e for e in new_elements}

    def found(ref: str, kind: type) -> str | None:
        """The element ``ref`` names after the paste, if it is of ``kind`` (a clipboard from
        another design may name a switch ``wan`` where this design has a network)."""
        new = mapping.get(ref)
        element = pasted.get(new) if new is not None else topo.elements.get(ref)
        return element.id if element is not None and isinstance(element, kind) else None

    def host_of(element_id: str) -> Server | None:
        """The server a pasted or present element is in, after the paste."""
        element = pasted.get(element_id) or topo.elements.get(element_id)
        while element is not None and not isinstance(element, Server):
            parent = element.parent_id
            element = (pasted.get(parent) or topo.elements.get(parent)) if parent else None
        return element

    for e in new_elements:
        if not isinstance(e, VM):
            continue
        for index, vnic in enumerate(e.vnics):
            if vnic.to is not None:
                vnic.to = found(vnic.to, Network)
            ref = vnic.vf if vnic.vf is not None else vnic.nic
            if ref is None:
                continue
            want = VirtualFunction if vnic.vf is not None else Nic
            if ref in mapping:
                device = found(ref, want)
                host = host_of(e.parent)
                device_host = host_of(device) if device is not None else None
                if device is not None and device_host is not host:
                    # A pasted VF stays on its NIC: not on the server the guest went to. (A
                    # clipboard from elsewhere may put a VF in no server at all.)
                    where = f"in server {device_host.id}" if device_host is not None else "in no server"
                    notes.append(f"VM {e.id} vNIC {index} is not attached: {device} is {where}, "
                                 f"the guest in {e.parent}.")
                    device = None
                elif device is not None and vnic.mode == "passthrough" and host is not None and not host.iommu:
                    notes.append(f"VM {e.id} vNIC {index} is not attached: server {host.id} has VT-d (iommu) "
                                 f"disabled, so NIC {device} cannot be passed through.")
                    device = None
                setattr(vnic, "vf" if vnic.vf is not None else "nic", device)
                if device is None:
                    vnic.vf = vnic.nic = None
                continue
            server = topo.server_of(ref) if isinstance(topo.elements.get(ref), want) else None
            same_host = server is not None and server.id == e.parent  # else (not a VF/NIC here): detached
            if same_host and vnic.vf is None and vnic.mode != "passthrough":
                continue  # another guest on the same vSwitch port is fine
            if same_host and vnic.vf is not None:
                old_vf = topo.elements[ref]
                assert isinstance(old_vf, VirtualFunction)
                nic = topo.elements[old_vf.parent]
                assert isinstance(nic, Nic)
                pending = new_vfs.get(nic.id, [])
                if checks.vf_slot_problem(topo, nic.id, None, pending):
                    notes.append(f"VM {e.id} vNIC {index} is not attached: NIC {nic.id} has no free "
                                 f"virtual function.")
                elif checks.vf_slot_problem(topo, nic.id, old_vf.port, pending):
                    notes.append(f"VM {e.id} vNIC {index} is not attached: port {old_vf.port} of NIC {nic.id} "
                                 f"has no free virtual function.")
                else:
                    vf = VirtualFunction(id=checks.fresh_id(topo, f"{nic.id}v", taken), parent=nic.id,
                                         port=old_vf.port)
                    new_vfs.setdefault(nic.id, []).append(vf.port)
                    added.append(vf)
                    vnic.vf = vf.id
                    continue
            elif same_host:
                notes.append(f"VM {e.id} vNIC {index} is not attached: NIC {ref} is passed through to "
                             f"the original guest.")
            vnic.vf = None
            vnic.nic = None
    # New VFs go before the guests (parents before children, and the VF exists when the VM refers to it).
    first_vm = next((i for i, e in enumerate(new_elements) if isinstance(e, VM)), len(new_elements))
    new_elements[first_vm:first_vm] = added
    return notes


def duplicate(topo: Topology, ids: Iterable[str], occupied: Sequence[Rect] = (),
              size_of: Callable[[Element], tuple[float, float]] | None = None) -> Paste | str:
    """Copy and paste in one: the copy lands on free space next to the original; guests
    duplicated on their server get their own VF (or stay unattached, with a note)."""
    ids = list(ids)
    text = copy_text(topo, ids)
    if text is None:
        return "Select elements to duplicate."
    servers = [i for i in ids if isinstance(topo.elements.get(i), (VM, Nic))]
    host = topo.elements[servers[0]].parent if servers else None  # type: ignore[attr-defined]
    result = paste(topo, text, occupied=occupied, size_of=size_of, target_server=host)
    if isinstance(result, Paste):
        result.command.text = result.command.text.replace("Paste", "Duplicate", 1)
    return result


# ---------------------------------------------------------------------- bulk
def bulk_add(topo: Topology, servers: int, vms_per_server: int, mode: str = "paravirtual",
             switch_id: str | None = None, origin: tuple[float, float] = (0.0, 0.0),
             defaults: Defaults | None = None, nic_preset: dict | None = None) -> AddElementsCommand | str:
    """N servers, each with one NIC (cabled to ``switch_id``) and M attached VMs, as one step."""
    if servers < 1 or servers > 1000 or vms_per_server < 0 or vms_per_server > 1000:
        return "Choose 1–1000 servers and 0–1000 VMs per server."
    if switch_id is not None and not isinstance(topo.elements.get(switch_id), (Switch, Network)):
        return f"{switch_id} is not a switch or network of this design."
    if switch_id is not None and isinstance(topo.elements[switch_id], Switch):
        free = checks.free_switch_ports(topo, switch_id)
        if servers > free:
            return (f"Switch {switch_id} has {free} free port{'s' * (free != 1)} for {servers} servers; choose "
                    f"fewer servers, another switch, or give it more ports.")
    if mode not in MODES:
        return f"{mode!r} is not a vNIC mode ({', '.join(MODES)})."
    defaults = defaults or Defaults()
    taken: set[str] = set()
    preset = dict(nic_preset or defaults.nic)
    problem = _bulk_nic_problem(preset, mode, vms_per_server)
    if problem:
        return problem
    x0, y0 = origin
    elements: list[Element] = []
    links: list[Link] = []
    cols = max(1, min(servers, 4))
    width_guess = 140.0 * max(3, min(12, max(vms_per_server, 1))) if vms_per_server > 6 else 480.0
    for s in range(servers):
        r, c = divmod(s, cols)
        host = Server(id=checks.fresh_id(topo, "host", taken), vmm_io_cores=defaults.vmm_io_cores,
                      x=x0 + c * (width_guess + 60), y=y0 + r * (320 + 40 * (vms_per_server // 6)))
        nic = Nic(id=checks.fresh_id(topo, f"{host.id}n", taken), parent=host.id)
        apply_preset(nic, preset)
        elements += [host, nic]
        if switch_id:
            links.append(Link(a=f"{nic.id}:0", b=switch_id))
        for _ in range(vms_per_server):
            vm = VM(id=checks.fresh_id(topo, f"{host.id}vm", taken), parent=host.id)
            vnic = _new_vnic(topo, defaults, mode)
            if mode == "vf":
                vf = VirtualFunction(id=checks.fresh_id(topo, f"{nic.id}v", taken), parent=nic.id, port=0)
                elements.append(vf)
                vnic.vf = vf.id
            else:
                vnic.nic, vnic.port = nic.id, 0
            vm.vnics = [vnic]
            elements.append(vm)
    return AddElementsCommand(topo, elements, links, text=f"Add {servers} servers × {vms_per_server} VMs")


def _bulk_nic_problem(preset: dict, mode: str, vms_per_server: int) -> str | None:
    """Whether one NIC of ``preset`` can serve ``vms_per_server`` guests of ``mode`` the way
    bulk add attaches them (SR-IOV guests each on a VF of port 0; a passed-through NIC
    serves one guest), so that bulk add never builds what attaching by hand refuses."""
    nic = Nic(id="bulk", parent="")
    apply_preset(nic, preset)
    name = f"A {nic.model} NIC" if nic.model else "The NIC"
    if mode == "passthrough" and vms_per_server > 1:
        return f"{name} can be passed through to one guest; choose 1 VM per server for passthrough."
    if mode != "vf" or vms_per_server == 0:
        return None
    if not nic.sriov:
        return f"{name} has SR-IOV disabled, so it has no virtual functions for SR-IOV guests."
    limit = min(nic.max_vfs, nic.max_vfs_per_port or nic.max_vfs)
    if vms_per_server > limit:
        return (f"{name} has at most {limit} virtual functions on a port; choose at most {limit} "
                f"SR-IOV VMs per server.")
    return None


# ------------------------------------------------------------------- moving
def move(topo: Topology, moves: dict[str, tuple[tuple[float, float], tuple[float, float]]]) -> Outcome | None:
    """Move elements (old and new positions); None when nothing moved."""
    moves = {k: v for k, v in moves.items() if v[0] != v[1] and k in topo.elements}
    if not moves:
        return None
    return MoveCommand(topo, moves, text="Move" if len(moves) == 1 else f"Move {len(moves)} items")


def _shifted(topo: Topology, deltas: dict[str, tuple[float, float]]) -> Outcome | None:
    moves = {}
    for element_id, (dx, dy) in deltas.items():
        e = topo.elements.get(element_id)
        if e is None:
            continue
        old = (e.x or 0.0, e.y or 0.0)  # type: ignore[attr-defined]
        moves[element_id] = (old, (old[0] + dx, old[1] + dy))
    return move(topo, moves)


# What the Undo menu says after each (the Arrange menu's words).
ALIGNMENTS = {"left": "Align left", "right": "Align right", "top": "Align top", "bottom": "Align bottom",
              "hcenter": "Align centres horizontally", "vcenter": "Align centres vertically"}
ORIENTATIONS = ("horizontal", "vertical")


def align(topo: Topology, rects: dict[str, Rect], how: str) -> Outcome | None:
    """Align top-level elements, given their rectangles on the canvas."""
    if len(rects) < 2:
        return "Select two or more servers, switches or networks to align."
    if how not in ALIGNMENTS:
        return f"Unknown alignment {how!r}."
    items = list(rects.items())
    deltas: dict[str, tuple[float, float]] = {}
    if how == "left":
        edge = min(r[0] for _, r in items)
        deltas = {i: (edge - r[0], 0.0) for i, r in items}
    elif how == "right":
        edge = max(r[0] + r[2] for _, r in items)
        deltas = {i: (edge - r[0] - r[2], 0.0) for i, r in items}
    elif how == "top":
        edge = min(r[1] for _, r in items)
        deltas = {i: (0.0, edge - r[1]) for i, r in items}
    elif how == "bottom":
        edge = max(r[1] + r[3] for _, r in items)
        deltas = {i: (0.0, edge - r[1] - r[3]) for i, r in items}
    elif how == "hcenter":
        c = sum(r[0] + r[2] / 2 for _, r in items) / len(items)
        deltas = {i: (c - r[0] - r[2] / 2, 0.0) for i, r in items}
    else:
        c = sum(r[1] + r[3] / 2 for _, r in items) / len(items)
        deltas = {i: (0.0, c - r[1] - r[3] / 2) for i, r in items}
    return _named(_shifted(topo, deltas), ALIGNMENTS[how])


def _named(outcome: Outcome | None, text: str) -> Outcome | None:
    if isinstance(outcome, Command):
        outcome.text = text
    return outcome


def distribute(topo: Topology, rects: dict[str, Rect], orientation: str) -> Outcome | None:
    """Even gaps between top-level elements, horizontally or vertically."""
    if len(rects) < 3:
        return "Select three or more servers, switches or networks to distribute."
    if orientation not in ORIENTATIONS:
        return f"Unknown orientation {orientation!r}."
    horizontal = orientation == "horizontal"
    a = 0 if horizontal else 1  # coordinate index
    items = sorted(rects.items(), key=lambda t: t[1][a])
    first, last = items[0][1], items[-1][1]
    span_ = last[a] + last[a + 2] - first[a]
    sizes = sum(r[a + 2] for _, r in items)
    gap = (span_ - sizes) / (len(items) - 1)
    cursor = first[a]
    deltas = {}
    for k, (i, r) in enumerate(items):
        # The first and the last stay exactly (summing the gaps would drift the last by 1e-13).
        d = cursor - r[a] if 0 < k < len(items) - 1 else 0.0
        deltas[i] = (d, 0.0) if horizontal else (0.0, d)
        cursor += r[a + 2] + gap
    return _named(_shifted(topo, deltas), f"Distribute {orientation}ly")


# -------------------------------------------------------------------- racks
def place(topo: Topology, element_id: str, rack_id: str, rack_u: int) -> Outcome | None:
    """Put a server or switch at ``rack_u`` of a rack (None: it is already there)."""
    element = topo.elements.get(element_id)
    if element is not None and getattr(element, "rack", None) == rack_id and getattr(element, "rack_u", None) == rack_u:
        return None
    problem = placement_problem(topo, element_id, rack_id, rack_u)
    if problem:
        return problem
    assert element is not None
    moving = is_racked(topo, element)
    return PlaceCommand(topo, {element_id: (rack_id, rack_u)}, "Move in rack" if moving else "Place in rack")


def place_in_free_slot(topo: Topology, element_ids: Sequence[str], rack_id: str) -> Outcome | None:
    """Each element in the lowest free slot of a rack (switches in the highest), one step;
    None when none is a server or switch or each is where it would go. Works on the rack's
    occupancy only: the design is not copied."""
    rack = topo.racks.get(rack_id)
    if rack is None:
        return f"There is no rack {rack_id!r}."
    ids = set(element_ids)
    used: set[int] = set()
    for other in members(topo, rack_id):
        if other.id not in ids:
            low, high = span(other)
            used.update(range(low, high + 1))
    moves: dict[str, tuple[str | None, int | None]] = {}
    for element_id in dict.fromkeys(element_ids):  # each once, in the order given
        element = topo.elements.get(element_id)
        if not isinstance(element, (Server, Switch)):
            continue
        height = element.height_u
        starts = list(range(1, rack.height_u - height + 2))
        if isinstance(element, Switch):
            starts.reverse()
        unit = next((s for s in starts if not any(u in used for u in range(s, s + height))), None)
        if unit is None:
            return f"{rack.display_name()} has no {height} free U left for {element_id}."
        used.update(range(unit, unit + height))
        if (element.rack, element.rack_u) != (rack_id, unit):  # not where it already is
            moves[element_id] = (rack_id, unit)
    if not moves:
        return None
    return PlaceCommand(topo, moves, "Place in rack")


def unrack(topo: Topology, element_ids: Iterable[str]) -> Outcome:
    ids = [i for i in element_ids if i in topo.elements and is_racked(topo, topo.elements[i])]
    if not ids:
        return "Select racked servers or switches to take out."
    return PlaceCommand(topo, {i: (None, None) for i in ids}, "Take out of rack")


def fresh_rack_id(topo: Topology) -> str:
    return checks.fresh_id(topo, "rack")


def add_rack(topo: Topology, rack_id: str, label: str = "", height_u: int = DEFAULT_RACK_HEIGHT_U) -> Outcome:
    problem = checks.rack_id_problem(topo, rack_id)
    if problem:
        return checks.sentence(problem)
    return AddRackCommand(topo, Rack(id=rack_id, label=label, height_u=height_u))


def edit_rack(topo: Topology, rack_id: str, new_id: str, label: str, height_u: int) -> Outcome | None:
    """Rename, relabel and resize a rack in one undo step (None: nothing changes)."""
    rack = topo.racks.get(rack_id)
    if rack is None:
        return f"There is no rack {rack_id!r}."
    problem = checks.rack_id_problem(topo, new_id, original=rack_id)
    if problem:
        return checks.sentence(problem)
    commands: list[Command] = []
    if label != rack.label:
        commands.append(SetRackFieldCommand(topo, rack_id, "label", label))
    if height_u != rack.height_u:
        commands.append(SetRackFieldCommand(topo, rack_id, "height_u", height_u))
    if new_id != rack_id:
        commands.append(RenameRackCommand(topo, rack_id, new_id))
    if not commands:
        return None
    return commands[0] if len(commands) == 1 else MacroCommand(commands, "Edit rack")


def remove_rack(topo: Topology, rack_id: str | None) -> Outcome:
    if rack_id is None or rack_id not in topo.racks:
        return "Select a rack (click its name) to remove it."
    return RemoveRackCommand(topo, rack_id)


__all__ = [
    "Outcome", "Defaults", "Paste", "add_element", "add_elements", "cable", "uplink", "retarget_cable", "retarget_cable_problem", "attach", "retarget",
    "retarget_problem", "detach_vnic",
    "delete", "set_field", "set_vnic_field", "set_vnics", "copy_text", "paste", "duplicate", "bulk_add",
    "move", "align", "distribute", "place", "place_in_free_slot", "unrack", "add_rack", "edit_rack",
    "remove_rack", "free_slot", "free_offset",
]
