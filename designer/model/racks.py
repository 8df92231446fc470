"""Racks as a physical layout: who occupies which U, whether a placement fits, and
per-rack figures from a solution. Qt-free.

An element (server or switch) is *racked* when its ``rack`` names a rack of the
design and its ``rack_u`` is set; it then occupies ``rack_u`` … ``rack_u + height_u - 1``
(U1 is the bottom slot). Anything else is *unracked*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, TypeGuard

from .elements import DEFAULT_RACK_HEIGHT_U, RACKABLE_KINDS, Element, Rack, Server, Switch, is_valid_id

if TYPE_CHECKING:  # pragma: no cover
    from .topology import Topology

KIND_NAMES = {"server": "server", "switch": "switch"}
Rackable = Server | Switch  # the kinds that occupy rack units (elements.RACKABLE_KINDS)


def is_rackable(element: Element | None) -> TypeGuard[Rackable]:
    return isinstance(element, (Server, Switch))


def is_racked(topo: "Topology", element: Element) -> bool:
    return is_rackable(element) and element.rack in topo.racks and element.rack_u is not None


def span(element: Rackable) -> tuple[int, int]:
    """The lowest and highest U an element occupies (its ``rack_u`` must be set)."""
    low = element.rack_u
    assert low is not None, f"{element.id} is not in a rack slot"
    return low, low + element.height_u - 1


def span_text(low: int, high: int) -> str:
    return f"U{low}" if low == high else f"U{low}–U{high}"


def members(topo: "Topology", rack_id: str) -> list[Rackable]:
    """The racked elements of one rack, bottom to top (ties in file order)."""
    out = [e for e in topo.elements.values() if is_rackable(e) and e.rack == rack_id and e.rack_u is not None]
    out.sort(key=lambda e: e.rack_u or 0)
    return out


def members_by_rack(topo: "Topology", rackable: Iterable[Rackable] | None = None) -> dict[str, list[Rackable]]:
    """``members`` of every rack of the design, in one pass over the elements (a call of
    ``members`` per rack walks every element once per rack: 100,000 racks never finished).
    ``rackable``: the design's servers and switches in element order, if the caller has
    them (then only those are looked at)."""
    out: dict[str, list[Rackable]] = {rack_id: [] for rack_id in topo.racks}
    for e in topo.elements.values() if rackable is None else rackable:
        if isinstance(e, (Server, Switch)) and e.rack_u is not None and e.rack is not None:
            placed = out.get(e.rack)
            if placed is not None:
                placed.append(e)
    for placed in out.values():
        if len(placed) > 1:
            placed.sort(key=lambda e: e.rack_u or 0)
    return out


def unracked(topo: "Topology") -> list[Rackable]:
    """Servers and switches not placed in a rack slot, in file order."""
    return [e for e in topo.elements.values() if is_rackable(e) and not is_racked(topo, e)]


def describe(element: Element) -> str:
    return f"{KIND_NAMES.get(element.KIND, element.KIND)} {element.id}"


def placement_problem(topo: "Topology", element_id: str, rack_id: str, rack_u: int,
                      height_u: int | None = None) -> str | None:
    """Why ``element_id`` cannot go to ``rack_u`` of ``rack_id`` (None: it fits).

    Used by the rack view to refuse a drop; the model itself accepts any placement
    and the design rules report collisions and overflows.
    """
    element = topo.elements.get(element_id)
    if not is_rackable(element):
        return f"{element_id} is not a server or switch; only those go into a rack."
    rack = topo.racks.get(rack_id)
    if rack is None:
        return f"There is no rack {rack_id!r}."
    height = element.height_u if height_u is None else height_u
    name = describe(element)
    if rack_u < 1:
        return f"{name} cannot go below U1 of {rack.display_name()}."
    top = rack_u + height - 1
    if top > rack.height_u:
        return (f"{name} ({height} U) does not fit at U{rack_u} of {rack.display_name()}: it would reach "
                f"U{top}, past the top of the {rack.height_u} U rack.")
    for other in members(topo, rack_id):
        if other.id == element_id:
            continue
        low, high = span(other)
        if low <= top and rack_u <= high:
            first = max(low, rack_u)
            return f"U{first} of {rack.display_name()} is taken by {describe(other)} ({span_text(low, high)})."
    return None


def free_slot(topo: "Topology", rack_id: str, height_u: int, ignore: str | None = None,
              from_top: bool = False) -> int | None:
    """The lowest (or highest) U where ``height_u`` units are free, or None."""
    rack = topo.racks[rack_id]
    taken: set[int] = set()
    for other in members(topo, rack_id):
        if other.id != ignore:
            low, high = span(other)
            taken.update(range(low, high + 1))
    starts: Iterable[int] = range(1, rack.height_u - height_u + 2)
    if from_top:
        starts = reversed(range(1, rack.height_u - height_u + 2))
    for start in starts:
        if not any(u in taken for u in range(start, start + height_u)):
            return start
    return None


# --------------------------------------------------------------- old files
_NOT_ID = re.compile(r"[^A-Za-z0-9_.\-]+")


def implicit_racks(elements: Iterable[Element], racks: dict[str, Rack], taken: set[str]) -> tuple[list[Rack], dict[str, str]]:
    """Racks for the ``rack`` names of elements that no rack of ``racks`` has.

    Older files wrote free rack names and no ``racks`` list. Each such name becomes a
    rack of the default height. A name that is a valid id and clashes with nothing
    becomes the rack's id as it is; otherwise the id is made from the name (other
    characters become ``-``, a clash gets ``-rack``, ``-rack2`` …) and the name is kept as
    the label. Returns the new racks in order of first use and ``{name: rack id}``.
    """
    new: list[Rack] = []
    ids: dict[str, str] = {}
    used = set(taken) | set(racks)
    next_try: dict[str, int] = {}  # stem -> the suffix number after the last one picked
    for element in elements:
        name = getattr(element, "rack", None)
        if element.KIND not in RACKABLE_KINDS or name is None or name in racks or name in ids:
            continue
        if is_valid_id(name) and name not in used:
            rack_id, label = name, ""
        else:
            stem = _NOT_ID.sub("-", name).strip("-")[:56] or "rack"
            # ``used`` only grows, so every id tried for an earlier name of the same stem is
            # still taken: go on from there (thousands of names on one stem stay linear).
            n = next_try.get(stem, 0)
            rack_id = stem if n == 0 else f"{stem}-rack" if n == 1 else f"{stem}-rack{n}"
            while rack_id in used or not is_valid_id(rack_id):
                n += 1
                rack_id = f"{stem}-rack" if n == 1 else f"{stem}-rack{n}"
            next_try[stem] = n + 1
            label = name
        used.add(rack_id)
        ids[name] = rack_id
        new.append(Rack(id=rack_id, label=label, height_u=DEFAULT_RACK_HEIGHT_U))
    return new, ids


# ------------------------------------------------------------------ figures
@dataclass
class RackFigures:
    """What a rack holds and how loaded it is (from the current solution)."""

    rack: str
    height_u: int
    used_u: int
    servers: int
    switches: int
    vms: int
    vmm_cores: float
    vmm_capacity_cores: float
    peak_port_utilization: float | None  # None: no solution, or no port of the rack carries a resource
    peak_port_resource: str | None

    @property
    def free_u(self) -> int:
        return self.height_u - self.used_u


def resource_utilization(solution: Any) -> dict[str, float]:
    """resource id → utilisation of a solver Solution (empty without one)."""
    if solution is None:
        return {}
    util = solution.utilization
    return {rid: float(util[i]) for i, rid in enumerate(solution.flows.resource_ids)}


def port_resources(topo: "Topology", element_id: str) -> list[str]:
    """The resources of an element's ports: its NICs' ports (a server) or the ports and
    uplinks of its cables (a switch), both directions."""
    element = topo.elements.get(element_id)
    out: list[str] = []
    if element is None:
        return out
    if element.KIND == "server":
        for nic in topo.nics_of(element_id):
            for port in range(nic.ports):
                out += [f"port:{nic.id}:{port}:tx", f"port:{nic.id}:{port}:rx"]
    elif element.KIND == "switch":
        for link in topo.links_of(element_id):
            other = link.other_end(element_id)
            if other in topo.elements:
                out += [f"link:{link.id}:ab", f"link:{link.id}:ba"]
            else:
                out += [f"port:{other}:tx", f"port:{other}:rx"]
    return out


def peak_port(topo: "Topology", element_id: str, utilization: dict[str, float]) -> tuple[float | None, str | None]:
    """The most utilised port resource of an element: (utilisation, resource id)."""
    best: tuple[float | None, str | None] = (None, None)
    for rid in port_resources(topo, element_id):
        u = utilization.get(rid)
        if u is not None and (best[0] is None or u > best[0] or (u == best[0] and rid < best[1])):  # type: ignore[operator]
            best = (u, rid)
    return best


def vmm_utilization(solution: Any, server_id: str) -> float | None:
    """VMM load of a server as a fraction of its budget (the ``vmm:<server>`` resource)."""
    if solution is None:
        return None
    r = solution.flows.server_vmm_resource.get(server_id)
    if r is None:
        return 0.0
    return float(solution.utilization[r])


def rack_figures(topo: "Topology", solution: Any = None,
                 utilization: dict[str, float] | None = None) -> dict[str, RackFigures]:
    """Figures of every rack: U used (each occupied slot of the rack counted once),
    servers, switches, VMs on those servers, VMM cores used and budgeted, and the peak
    utilisation of any port of the rack's servers and switches."""
    if utilization is None:
        utilization = resource_utilization(solution)
    cores = solution.server_vmm_cores if solution is not None else {}
    out: dict[str, RackFigures] = {}
    racked = members_by_rack(topo)
    for rack in topo.racks.values():
        placed = racked[rack.id]
        occupied: set[int] = set()
        servers = switches = vms = 0
        vmm = budget = 0.0
        peak: tuple[float | None, str | None] = (None, None)
        for element in placed:
            low, high = span(element)
            occupied.update(u for u in range(low, high + 1) if 1 <= u <= rack.height_u)
            if isinstance(element, Server):
                servers += 1
                vms += len(topo.vms_of(element.id))
                vmm += float(cores.get(element.id, 0.0))
                budget += float(element.vmm_io_cores)
            else:
                switches += 1
            u, rid = peak_port(topo, element.id, utilization)
            if u is not None and (peak[0] is None or u > peak[0] or (u == peak[0] and rid < peak[1])):  # type: ignore[operator]
                peak = (u, rid)
        out[rack.id] = RackFigures(
            rack=rack.id, height_u=rack.height_u, used_u=len(occupied), servers=servers, switches=switches,
            vms=vms, vmm_cores=vmm, vmm_capacity_cores=budget,
            peak_port_utilization=peak[0] if solution is not None or utilization else None,
            peak_port_resource=peak[1],
        )
    return out
