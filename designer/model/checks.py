"""The editing rules, written once. Qt-free.

Each check answers one question about a proposed change and returns a sentence
saying why it is refused, or None when it is allowed. The loader, the
Topology edit API, the editing layer (``designer.edit``) and the live drag
feedback of the GUI all ask these, so a drop the canvas highlights as valid is
one the model accepts, and a file the loader refuses is one the editor could not
have built. ``racks.placement_problem`` is the rack-slot check of the same shape.

The sentences are phrased to stand alone; the model and the loader prefix them
with the element or link they are about (``link 'a--b': …``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from .elements import VM, Network, Nic, Server, Switch, VirtualFunction, is_valid_id, split_port_end

if TYPE_CHECKING:  # pragma: no cover
    from .topology import Topology

# ------------------------------------------------------------------ cables
PORT_TO_PORT = "a NIC port must be cabled to a switch or a network, not to another NIC port"
NETWORK_TO_NETWORK = "two networks cannot be cabled to each other; put a switch between them"
SAME_END = "an element cannot be cabled to itself"


def cable_kinds_problem(kind_a: str, kind_b: str) -> str | None:
    """The rule on what a cable may join, by the kinds of its ends
    (``"port"`` for a NIC port, else the element kind: ``switch``, ``network``)."""
    kinds = (kind_a, kind_b)
    if kinds.count("port") == 2:
        return PORT_TO_PORT
    if kinds.count("network") == 2:
        return NETWORK_TO_NETWORK
    return None


def end_kind(topo: "Topology", end: str) -> str | None:
    """``"port"``, ``"switch"`` or ``"network"`` for an end of this design; None otherwise."""
    element = topo.elements.get(end)
    if isinstance(element, (Switch, Network)):
        return element.KIND
    if element is not None:
        return None
    split = split_port_end(end)
    nic = topo.elements.get(split[0]) if split else None
    if split is not None and isinstance(nic, Nic) and 0 <= split[1] < nic.ports:
        return "port"
    return None


def port_cable_problem(topo: "Topology", nic_id: str, port: int, ignore: str | None = None) -> str | None:
    """A NIC port takes one cable (``ignore``: the id of a cable being re-targeted, which
    does not count)."""
    existing = topo.cable_at(nic_id, port)
    if existing is not None and existing.id != ignore:
        return f"Port {port} of NIC {nic_id} already has a cable ({existing.id}); delete it first."
    return None


def cable_problem(topo: "Topology", a: str, b: str, ignore: str | None = None) -> str | None:
    """Why a new cable between ends ``a`` and ``b`` is refused (for the editor and the drag).

    ``ignore`` names a cable that is being re-targeted: the port it leaves is free."""
    if a == b:
        return sentence(SAME_END)
    kinds = []
    for end in (a, b):
        kind = end_kind(topo, end)
        if kind is None:
            element = topo.elements.get(end)
            if element is not None:
                return (f"A cable ends at a switch, a network or a NIC port, not at "
                        f"{element.KIND} {element.id}.")
            return f"{end} is not a switch, network or NIC port of this design."
        kinds.append(kind)
    rule = cable_kinds_problem(*kinds)
    if rule is not None:
        return sentence(rule)
    for end in (a, b):
        split = split_port_end(end)
        if split is not None and end not in topo.elements:
            problem = port_cable_problem(topo, *split, ignore=ignore)
            if problem:
                return problem
    if "port" in kinds and "switch" in kinds:
        switch = topo.elements[a if kinds[0] == "switch" else b]
        assert isinstance(switch, Switch)
        if free_switch_ports(topo, switch.id) < 1:
            return (f"Switch {switch.id} has all its {switch.ports} ports cabled; delete a cable or give it "
                    f"more ports first.")
    return None


def free_switch_ports(topo: "Topology", switch_id: str) -> int:
    """How many more NIC cables a switch takes (uplinks to switches and networks use none)."""
    switch = topo.elements[switch_id]
    assert isinstance(switch, Switch)
    cabled = sum(1 for link in topo.links_of(switch_id) if link.other_end(switch_id) not in topo.elements)
    return max(0, switch.ports - cabled)


# ---------------------------------------------------------------- attaching
ATTACH_MODES = ("vf", "paravirtual", "emulated", "passthrough")
# The attach rules' words, shared with the design rules (``rules.check_design``) that find
# the same faults in a loaded file, so a refusal and a problem say the same thing.
ONE_GUEST_PER_VF = "a VF serves one guest"
WHOLE_DEVICE = "passthrough needs the whole device"


def other_server(device: str, host: str | None, vm_id: str, vm_host: str) -> str:
    """A vNIC's device (``device`` is "VF v0" or "NIC n0") on another server than its guest
    (``foreign-device``)."""
    return f"{device} belongs to server {host}; VM {vm_id} runs on {vm_host}"


def no_iommu(server_id: str, nic_id: str) -> str:
    """Passthrough on a server with VT-d off (``passthrough-no-iommu``)."""
    return f"server {server_id} has VT-d (iommu) disabled, so NIC {nic_id} cannot be passed through"


def attach_problem(topo: "Topology", vm_id: str, mode: str, device_id: str,
                   ignore: tuple[str, int] | None = None, port: int = 0) -> str | None:
    """Why VM ``vm_id`` cannot get a vNIC of ``mode`` on ``device_id``
    (a VF for ``vf``, a NIC for the others; ``port`` of the NIC for the vSwitch modes).

    ``ignore`` names a vNIC (vm id, index) that is being re-targeted: it does not
    count as a user of the device it leaves.
    """
    vm = topo.elements.get(vm_id)
    if not isinstance(vm, VM):
        return f"{vm_id} is not a VM of this design."
    if mode not in ATTACH_MODES:
        return f"{mode!r} is not a vNIC mode ({', '.join(ATTACH_MODES)})."
    device = topo.elements.get(device_id)
    users = [(u, i) for u, i in topo.users_of(device_id) if (u.id, i) != ignore]
    if mode == "vf":
        if not isinstance(device, VirtualFunction):
            return f"An SR-IOV vNIC uses a virtual function; {device_id} is not one."
        nic = topo.elements.get(device.parent)
        host = nic.parent if isinstance(nic, Nic) else None
        if host != vm.parent:
            return sentence(other_server(f"VF {device.id}", host, vm_id, vm.parent))
        if users:
            return f"VF {device.id} is already used by VM {users[0][0].id}; {ONE_GUEST_PER_VF}."
        return None
    if not isinstance(device, Nic):
        return f"A {mode} vNIC uses a NIC; {device_id} is not one."
    if device.parent != vm.parent:
        return sentence(other_server(f"NIC {device.id}", device.parent, vm_id, vm.parent))
    if mode == "passthrough":
        server = topo.elements.get(vm.parent)
        if isinstance(server, Server) and not server.iommu:
            return sentence(no_iommu(server.id, device.id))
        if users or topo.vfs_of(device.id):
            return f"NIC {device.id} is already in use (vNICs or VFs); {WHOLE_DEVICE}."
        return None
    if not 0 <= port < device.ports:
        return f"NIC {device.id} has no port {port} (its ports are 0–{device.ports - 1})."
    if any(u.vnics[i].mode == "passthrough" for u, i in users):
        return f"NIC {device.id} is passed through to a guest and cannot also serve the vSwitch."
    return None


def vf_slot_problem(topo: "Topology", nic_id: str, port: int | None = None,
                    pending: Iterable[int] = ()) -> str | None:
    """Whether a NIC can take one more virtual function: SR-IOV on, not passed through to a
    guest, fewer than ``max_vfs``
    and, on ``port`` when given, fewer than ``max_vfs_per_port`` (SPEC §9; 0 = no limit).
    ``pending`` lists the ports of VFs about to be added with it (a paste's), which count."""
    nic = topo.elements.get(nic_id)
    if not isinstance(nic, Nic):
        return f"{nic_id} is not a NIC of this design."
    if not nic.sriov:
        return f"NIC {nic.id} has SR-IOV disabled; enable it in the inspector first."
    through = [u.id for u, i in topo.users_of(nic.id) if u.vnics[i].mode == "passthrough"]
    if through:
        return f"NIC {nic.id} is passed through to VM {through[0]}, so it cannot also have virtual functions."
    pending = list(pending)
    if len(topo.vfs_of(nic.id)) + len(pending) >= nic.max_vfs:
        return f"NIC {nic.id} already has its maximum of {nic.max_vfs} virtual functions."
    if port is not None and nic.max_vfs_per_port > 0 \
            and len(topo.vfs_of(nic.id, port)) + pending.count(port) >= nic.max_vfs_per_port:
        return (f"Port {port} of NIC {nic.id} already has its maximum of {nic.max_vfs_per_port} "
                f"virtual functions.")
    return None


# -------------------------------------------------------------------- ids
def rack_id_problem(topo: "Topology", rack_id: object, original: str | None = None) -> str | None:
    """Why ``rack_id`` cannot name a new (or renamed, from ``original``) rack.

    Rack ids share one name space with element and link ids."""
    if not is_valid_id(rack_id):
        return f"{str(rack_id)[:70]!r} is not a valid rack id (1–64 letters, digits, _ . -)"
    assert isinstance(rack_id, str)
    if rack_id == original:
        return None
    if rack_id in topo.racks:
        return f"a rack with id {rack_id!r} already exists"
    if rack_id in topo.elements:
        return f"the rack id {rack_id!r} is already used by a {topo.elements[rack_id].KIND}"
    if rack_id in topo.links:
        return f"the rack id {rack_id!r} is already used by a link"
    return None


def sentence(rule: str) -> str:
    """A rule's clause as a sentence of its own (capitalised, full stop)."""
    return rule[:1].upper() + rule[1:] + ("" if rule.endswith(".") else ".")


def id_taken(topo: "Topology", candidate: str, taken: Iterable[str] = ()) -> bool:
    """Element, link and rack ids are one name space."""
    return (candidate in topo.elements or candidate in topo.links or candidate in topo.racks
            or candidate in taken)


def fresh_id(topo: "Topology", stem: str, taken: set[str] | None = None) -> str:
    """A new id: ``stem`` (cleaned) and the smallest number that makes it unique among
    elements, links, racks and ``taken`` (which it is added to)."""
    # ASCII only, as ids are (str.isalnum also takes "é", "¹" or "名").
    stem = "".join(ch for ch in stem if ch.isascii() and ch.isalnum() or ch in "_.-")[:56] or "e"
    seen = taken if taken is not None else set()
    n = 1
    while id_taken(topo, f"{stem}{n}", seen):
        n += 1
    new = f"{stem}{n}"
    if taken is not None:
        taken.add(new)
    return new
