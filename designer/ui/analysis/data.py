"""The numbers behind the analysis plots, computed from a Solution with numpy.

Nothing here imports Qt: the plots and the headless renderer read these tables,
and the tests check them against hand-computed figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...fileformat.project import build_topology
from ...model.elements import SOFTWARE_MODES, VM, Nic, VirtualFunction, VNic
from ...model.topology import ModelError, Topology
from ...solver import Solution, solve
from ...solver.flows import MODE_NAMES, RESOURCE_KINDS

KIND_TITLES = {"vmm": "VMM", "pcie": "PCIe link", "port": "NIC port", "link": "Switch link"}


# ----------------------------------------------------------------- resources
@dataclass
class ResourceTable:
    """One row per resource of a solution, in the solver's resource order."""

    ids: list[str]
    kind: list[str]  # "vmm", "pcie", "port" or "link"
    element: list[str]  # the element the resource belongs to (server, NIC or link id)
    select_id: list[str]  # what a click selects on the canvas (the cable for a NIC port)
    server: list[str | None]  # the server a VMM, PCIe or port resource lives in
    racks: list[frozenset[str]]  # racks a resource belongs to (a link: the racks its switches serve)
    utilization: np.ndarray
    load: np.ndarray
    capacity: np.ndarray
    reserved: np.ndarray  # Σ coefficient × admitted floor: what the guarantees actually hold
    requested: np.ndarray  # Σ coefficient × original floor (may exceed the capacity)
    saturated: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def unit(self, row: int) -> str:
        return "cores" if self.kind[row] == "vmm" else "Gbit/s"

    def worst_first(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Row indices sorted by utilisation, highest first (ties: by id)."""
        rows = np.arange(len(self.ids)) if rows is None else np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return rows
        ids = np.asarray(self.ids, dtype=object)[rows]
        order = np.lexsort((ids, -np.round(self.utilization[rows], 9)))
        return rows[order]

    def filter(self, kind: str | None = None, scope: tuple[str, str] | None = None) -> np.ndarray:
        """Rows of one kind (None: all) within ("rack", name) or ("server", id) (None: all)."""
        keep = np.ones(len(self.ids), dtype=bool)
        if kind is not None:
            keep &= np.asarray([k == kind for k in self.kind], dtype=bool)
        if scope is not None:
            what, name = scope
            if what == "server":
                keep &= np.asarray([s == name for s in self.server], dtype=bool)
            else:
                keep &= np.asarray([name in r for r in self.racks], dtype=bool)
        return np.flatnonzero(keep)

    @staticmethod
    def csv_header() -> list[str]:
        return ["resource", "kind", "element", "load", "capacity", "unit", "utilization",
                "reserved", "requested_reserved", "saturated"]

    def csv_rows(self, rows: np.ndarray) -> tuple[list[str], list[list]]:
        header = self.csv_header()
        out = []
        for r in rows.tolist():
            out.append([self.ids[r], self.kind[r], self.element[r], _g(self.load[r]), _g(self.capacity[r]),
                        self.unit(r), _g(self.utilization[r]), _g(self.reserved[r]), _g(self.requested[r]),
                        int(bool(self.saturated[r]))])
        return header, out


def _g(value: float) -> str:
    return f"{float(value):.9g}"


def switch_racks(topo: Topology) -> dict[str, set[str]]:
    """Racks whose servers are cabled to each switch (a top-of-rack switch serves its rack)."""
    out: dict[str, set[str]] = {}
    elements = topo.elements
    for link in topo.links.values():
        for end, other in ((link.a, link.b), (link.b, link.a)):
            if end in elements or other not in elements:
                continue
            nic = elements.get(end.rpartition(":")[0])
            server = topo.server_of(nic.id) if isinstance(nic, Nic) else None
            if server is not None and server.rack:
                out.setdefault(other, set()).add(server.rack)
    return out


def resource_table(solution: Solution, topo: Topology) -> ResourceTable:
    fs = solution.flows
    n = len(fs.resource_ids)
    elements = topo.elements
    reserved = np.bincount(fs.entry_resource, fs.entry_coef * solution.admitted_floor[fs.entry_flow],
                           minlength=n)[:n]
    served = switch_racks(topo)
    kinds = [RESOURCE_KINDS[k] for k in fs.resource_kind.tolist()]
    select, servers, racks = [], [], []
    for rid, kind, element in zip(fs.resource_ids, kinds, fs.resource_element):
        server = None
        target = element
        rack_set: frozenset[str] = frozenset()
        if kind == "vmm":
            server = element
        elif kind in ("pcie", "port"):
            owner = topo.server_of(element) if element in elements else None
            server = owner.id if owner is not None else None
            if kind == "port":
                port = int(rid.split(":")[2])
                cable = topo.cable_at(element, port) if element in elements else None
                if cable is not None:
                    target = cable.id
        else:
            link = topo.links.get(element)
            if link is not None:
                rack_set = frozenset(served.get(link.a, set()) | served.get(link.b, set()))
        if server is not None:
            host = elements.get(server)
            rack = getattr(host, "rack", None)
            rack_set = frozenset({rack}) if rack else frozenset()
        select.append(target)
        servers.append(server)
        racks.append(rack_set)
    return ResourceTable(
        ids=list(fs.resource_ids), kind=kinds, element=list(fs.resource_element), select_id=select,
        server=servers, racks=racks, utilization=np.asarray(solution.utilization, dtype=float),
        load=np.asarray(solution.load, dtype=float), capacity=np.asarray(fs.capacity, dtype=float),
        reserved=reserved, requested=np.asarray(solution.reserved, dtype=float),
        saturated=np.asarray(solution.saturated, dtype=bool),
    )


def resource_element_id(resource_id: str, topo: Topology) -> str | None:
    """What a click on a resource selects: a VMM's server, a PCIe link's NIC, a NIC
    port's cable (the NIC when unwired), a switch link."""
    kind, _, rest = resource_id.partition(":")
    if kind == "vmm":
        return rest if rest in topo.elements else None
    if kind == "pcie":
        nic = rest.rpartition(":")[0]
        return nic if nic in topo.elements else None
    if kind == "port":
        parts = rest.split(":")
        if len(parts) != 3:
            return None
        nic, port = parts[0], int(parts[1])
        if nic not in topo.elements:
            return None
        cable = topo.cable_at(nic, port)
        return cable.id if cable is not None else nic
    if kind == "link":
        link = rest.rpartition(":")[0]
        return link if link in topo.links else None
    return None


def related_resources(selected: list[str], table: ResourceTable, solution: Solution,
                      topo: Topology) -> np.ndarray:
    """Resources the canvas selection touches: a server's VMM, PCIe links and ports; a NIC's;
    a VF's port; a cable's; a switch's or network's links and cables; a VM's whole path."""
    fs = solution.flows
    n = len(table)
    mask = np.zeros(n, dtype=bool)
    if not selected or not n:
        return mask
    chosen = set(selected)
    vm_index = {name: i for i, name in enumerate(fs.vm_names)}
    vm_rows = [vm_index[s] for s in chosen if s in vm_index]
    if vm_rows:
        flows = np.flatnonzero(np.isin(fs.vm, vm_rows))
        for f in flows.tolist():
            mask[fs.entry_resource[fs.flow_entry_start[f]:fs.flow_entry_start[f + 1]]] = True
    ends: set[str] = set()  # switches and networks selected
    vf_ports: set[tuple[str, int]] = set()
    for s in chosen:
        element = topo.elements.get(s)
        if element is None:
            continue
        if element.KIND in ("switch", "network"):
            ends.add(s)
        elif isinstance(element, VirtualFunction):
            vf_ports.add((element.parent, element.port))
    cables_at_ends = {link.id for link in topo.links.values() if link.a in ends or link.b in ends}
    for r in range(n):
        if mask[r]:
            continue
        kind, element, target = table.kind[r], table.element[r], table.select_id[r]
        if element in chosen or target in chosen or (table.server[r] in chosen):
            mask[r] = True
        elif target in cables_at_ends or element in cables_at_ends:
            mask[r] = True
        elif vf_ports and kind in ("pcie", "port"):
            if kind == "pcie":
                mask[r] = any(nic == element for nic, _ in vf_ports)
            else:
                mask[r] = (element, int(table.ids[r].split(":")[2])) in vf_ports
    return mask


# ---------------------------------------------------------------------- VMM
VMM_MODES = tuple(MODE_NAMES)  # stacking order: emulated, paravirtual, vf, passthrough


@dataclass
class VmmTable:
    servers: list[str]
    racks: list[str | None]
    cores: np.ndarray  # servers × len(VMM_MODES)
    budget: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return self.cores.sum(axis=1) if self.cores.size else np.zeros(len(self.servers))

    @property
    def utilization(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.budget > 0, self.total / np.where(self.budget > 0, self.budget, 1), 0.0)

    def worst_first(self) -> np.ndarray:
        if not self.servers:
            return np.zeros(0, dtype=np.int64)
        ids = np.asarray(self.servers, dtype=object)
        return np.lexsort((ids, -np.round(self.total, 9), -np.round(self.utilization, 9)))


def vmm_table(solution: Solution, topo: Topology) -> VmmTable:
    fs = solution.flows
    by_mode = solution.vmm_cores_by_mode()
    servers = list(fs.server_ids)
    cores = np.zeros((len(servers), len(VMM_MODES)))
    for i, sid in enumerate(servers):
        for j, mode in enumerate(VMM_MODES):
            cores[i, j] = by_mode.get(sid, {}).get(mode, 0.0)
    budget = np.asarray([solution.vmm_capacity.get(s, 0.0) for s in servers], dtype=float)
    racks = [getattr(topo.elements.get(s), "rack", None) for s in servers]
    return VmmTable(servers, racks, cores, budget)


@dataclass
class WhatIf:
    """The design with software-path vNICs moved to SR-IOV VFs, solved."""

    solution: Solution | None
    table: VmmTable | None
    scope: list[str]  # the VMs considered
    moved: int = 0
    blocked: list[str] = field(default_factory=list)  # one sentence per vNIC that cannot move
    error: str | None = None


def what_if_vms(topo: Topology, selected: list[str]) -> list[str]:
    """The VMs a what-if covers: the selected VMs and the VMs of the selected servers;
    with neither selected, every VM of the design."""
    vms = []
    for s in selected:
        element = topo.elements.get(s)
        if element is None:
            continue
        if element.KIND == "vm":
            vms.append(s)
        elif element.KIND == "server":
            vms.extend(vm.id for vm in topo.vms_of(s))
    if not vms:
        vms = [vm.id for vm in topo.vms]
    return list(dict.fromkeys(vms))


def sriov_what_if(document: dict, vm_ids: list[str], cancel=None) -> WhatIf:
    """Build the design from its serialised form, move every emulated or paravirtual
    vNIC of ``vm_ids`` onto a new VF on the NIC port it used (with the vNIC's own
    minimum and cap as the VF's), and solve the result.

    A vNIC stays on the software path when it cannot move: unattached, on a NIC with
    SR-IOV off, or on a NIC with no free VF. Runs in a worker thread: it only touches
    its own copy of the design.
    """
    try:
        topo = build_topology(document)
    except Exception as exc:  # the live model always serialises; never take the window down
        return WhatIf(None, None, vm_ids, error=f"{type(exc).__name__}: {exc}")
    moved, blocked = 0, []
    for vm_id in vm_ids:
        if cancel is not None and cancel():
            return WhatIf(None, None, vm_ids, error="cancelled")
        vm = topo.elements.get(vm_id)
        if not isinstance(vm, VM):
            continue
        new_vnics: list[VNic] = []
        changed = False
        for index, vnic in enumerate(vm.vnics):
            if vnic.mode not in SOFTWARE_MODES:
                new_vnics.append(vnic)
                continue
            nic = topo.elements.get(vnic.nic) if vnic.nic else None
            reason = None
            if not isinstance(nic, Nic):
                reason = "is not attached to a NIC"
            elif not nic.sriov:
                reason = f"uses NIC {nic.id}, which has SR-IOV off"
            elif topo.free_vf_slots(nic.id) <= 0:
                reason = f"uses NIC {nic.id}, which has no free VF (max_vfs {nic.max_vfs})"
            if reason is not None:
                blocked.append(f"{vm_id} vNIC {index} {reason}")
                new_vnics.append(vnic)
                continue
            vf_id = topo.new_id(f"{nic.id}wv")
            try:
                topo.add(VirtualFunction(id=vf_id, parent=nic.id, port=vnic.port,
                                         min_gbps=vnic.min_gbps, max_gbps=vnic.max_gbps))
            except ModelError as exc:
                blocked.append(f"{vm_id} vNIC {index}: {exc}")
                new_vnics.append(vnic)
                continue
            new_vnics.append(VNic(mode="vf", vf=vf_id, tx_gbps=vnic.tx_gbps, rx_gbps=vnic.rx_gbps,
                                  weight=vnic.weight, packet_bytes=vnic.packet_bytes, to=vnic.to))
            moved += 1
            changed = True
        if changed:
            topo.set_vnics(vm_id, new_vnics)
    solution = solve(topo)
    return WhatIf(solution, vmm_table(solution, topo), vm_ids, moved, blocked)


# -------------------------------------------------------------------- flows
@dataclass
class FlowTable:
    ids: list[str]
    vm: list[str]
    server: list[str]
    mode: list[str]
    direction: list[str]
    demand: np.ndarray
    rate: np.ndarray
    floor: np.ndarray
    admitted_floor: np.ndarray
    cap: np.ndarray
    met: np.ndarray
    bottleneck: list[str]
    routed: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def shortfall(self) -> np.ndarray:
        return np.maximum(self.floor - self.rate, 0.0)

    def default_order(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Missed guarantees first (largest shortfall first), then by guarantee, then by id."""
        rows = np.arange(len(self.ids)) if rows is None else np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return rows
        ids = np.asarray(self.ids, dtype=object)[rows]
        order = np.lexsort((ids, -np.round(self.floor[rows], 9), -np.round(self.shortfall[rows], 9),
                            self.met[rows]))
        return rows[order]

    @staticmethod
    def csv_header() -> list[str]:
        return ["flow", "vm", "server", "mode", "direction", "demand_gbps", "rate_gbps", "floor_gbps",
                "admitted_floor_gbps", "cap_gbps", "floor_met", "bottleneck"]

    def csv_rows(self, rows: np.ndarray) -> tuple[list[str], list[list]]:
        header = self.csv_header()
        out = []
        for f in rows.tolist():
            cap = self.cap[f]
            out.append([self.ids[f], self.vm[f], self.server[f], self.mode[f], self.direction[f],
                        _g(self.demand[f]), _g(self.rate[f]), _g(self.floor[f]), _g(self.admitted_floor[f]),
                        "" if not np.isfinite(cap) else _g(cap), int(bool(self.met[f])), self.bottleneck[f]])
        return header, out


def flow_table(solution: Solution) -> FlowTable:
    fs = solution.flows
    n = fs.n_flows
    names = fs.vm_names
    vm = [names[i] for i in fs.vm.tolist()]
    vnic = fs.vnic_index.tolist()
    direction = ["rx" if d else "tx" for d in fs.direction.tolist()]
    ids = [f"{v}/{i}/{d}" for v, i, d in zip(vm, vnic, direction)]
    res = fs.resource_ids
    bottleneck = [res[b] if b >= 0 else "" for b in solution.bottleneck.tolist()]
    servers = [fs.server_ids[s] for s in fs.server.tolist()]
    return FlowTable(
        ids=ids, vm=vm, server=servers, mode=[MODE_NAMES[m] for m in fs.mode.tolist()], direction=direction,
        demand=np.asarray(solution.demand, dtype=float)[:n], rate=np.asarray(solution.rate, dtype=float),
        floor=np.asarray(solution.floor, dtype=float), admitted_floor=np.asarray(solution.admitted_floor, dtype=float),
        cap=np.asarray(solution.cap, dtype=float), met=np.asarray(solution.floor_met, dtype=bool),
        bottleneck=bottleneck, routed=np.asarray(fs.routed, dtype=bool),
    )


def related_flows(selected: list[str], flows: FlowTable, topo: Topology) -> np.ndarray:
    """Flows of the selected VMs, of the VMs on selected servers, and of guests using a selected VF or NIC."""
    chosen = set(selected)
    if not chosen or not len(flows):
        return np.zeros(len(flows), dtype=bool)
    vms = {s for s in chosen if s in topo.elements and topo.elements[s].KIND == "vm"}
    for s in chosen:
        element = topo.elements.get(s)
        if element is not None and element.KIND in ("vf", "nic"):
            vms.update(vm.id for vm, _ in topo.users_of(s))
    vm_hit = np.isin(np.asarray(flows.vm, dtype=object), list(vms)) if vms else np.zeros(len(flows), dtype=bool)
    server_hit = (np.isin(np.asarray(flows.server, dtype=object), list(chosen)))
    return vm_hit | server_hit
