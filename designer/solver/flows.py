"""Routing (SPEC §3–4): turn a Topology into flows, resources and the sparse
flows × resources coefficient structure the allocator works on.

``compile_flows`` walks every vNIC once (or, given the loader's columns of an unedited
design, reads them instead: ``_table_from_columns``); routes beyond the NIC port are
computed once per (switch, network) pair with a breadth-first search over the switch
fabric, so a data centre with a hundred thousand flows routes in one pass.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from operator import itemgetter

import numpy as np

from ..model.columns import GuestColumns
from ..model.elements import VM, Nic, Switch, VirtualFunction
from ..model.rules import Problem, problem
from ..model.topology import Topology

MODE_CODES = {"emulated": 0, "paravirtual": 1, "vf": 2, "passthrough": 3}
MODE_NAMES = tuple(MODE_CODES)
# In route order; "nic" (a NIC's own forwarding limit, SPEC §9) sits between PCIe and port.
RESOURCE_KINDS = ("vmm", "pcie", "nic", "port", "link")
# Switches a packet can cross on its way to a network: a routed hop decrements the IP
# TTL, which is at most 255. A longer switch path carries nothing, and it would make every
# flow on it as long as the path (a 30,000-switch chain: 30,000 resources per flow).
MAX_FABRIC_HOPS = 255
KIND_CODE = {k: i for i, k in enumerate(RESOURCE_KINDS)}


@dataclass
class FlowSet:
    """Flows and resources of a design, ready for allocation at any demand scale."""

    # Per flow (tx and rx flows of every loaded vNIC, in file order).
    vm_names: list[str]  # ids of the VMs that have flows; ``vm`` indexes this list
    vm: np.ndarray
    vnic_index: np.ndarray
    direction: np.ndarray  # 0 = tx, 1 = rx
    mode: np.ndarray  # index into MODE_NAMES
    demand: np.ndarray
    min_gbps: np.ndarray  # requested guaranteed minimum (before clamping to demand)
    # False where the NIC's driver cannot enforce the VF minimum (SPEC §9 vf_min_rate):
    # the flow is solved without a floor, but its requested minimum is still reported.
    floor_enforced: np.ndarray
    max_gbps: np.ndarray  # cap (inf when none)
    weight: np.ndarray
    kappa: np.ndarray  # VMM cores per Gbit/s (0 for direct I/O)
    server: np.ndarray  # index into server_ids
    routed: np.ndarray  # bool
    # Per resource.
    resource_ids: list[str]
    resource_kind: np.ndarray  # index into RESOURCE_KINDS
    resource_element: list[str]  # the element a resource belongs to (server, NIC or link id)
    capacity: np.ndarray
    # Non-zero coefficients, flow-major and in route order within a flow.
    entry_flow: np.ndarray
    entry_resource: np.ndarray
    entry_coef: np.ndarray
    flow_entry_start: np.ndarray  # entries of flow f: [start[f], start[f+1])
    server_ids: list[str]
    server_vmm_resource: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    # Per flow, a number flows share exactly when their paths (entry resources in order) are
    # the same, -1 for a flow with no path; None when not known (the report then compares
    # the paths themselves).
    path_code: np.ndarray | None = None

    @property
    def n_flows(self) -> int:
        return int(self.demand.shape[0])

    @property
    def vm_ids(self) -> list[str]:
        """The VM id of every flow."""
        names = self.vm_names
        return [names[i] for i in self.vm.tolist()]

    def vm_id(self, f: int) -> str:
        return self.vm_names[int(self.vm[f])]

    def flow_id(self, f: int) -> str:
        return f"{self.vm_names[int(self.vm[f])]}/{int(self.vnic_index[f])}/{'rx' if self.direction[f] else 'tx'}"

    def mode_name(self, f: int) -> str:
        return MODE_NAMES[int(self.mode[f])]

    def path(self, f: int) -> list[str]:
        lo, hi = self.flow_entry_start[f], self.flow_entry_start[f + 1]
        return [self.resource_ids[r] for r in self.entry_resource[lo:hi]]


class _Resources:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.ids: list[str] = []
        self.kind: list[int] = []
        self.element: list[str] = []
        self.capacity: list[float] = []

    def get(self, rid: str, kind: str, element: str, capacity: float) -> int:
        i = self.index.get(rid)
        if i is None:
            i = len(self.ids)
            self.index[rid] = i
            self.ids.append(rid)
            self.kind.append(KIND_CODE[kind])
            self.element.append(element)
            self.capacity.append(float(capacity))
        return i


class _Fabric:
    """Switch-to-network paths: fewest hops, ties broken by the smallest node-id sequence."""

    def __init__(self, topo: Topology, resources: _Resources, switch_ids: list[str]) -> None:
        self.topo = topo
        self.resources = resources
        # Switch-to-switch adjacency, neighbours in the order their cables come (as nx.Graph keeps them).
        self.adj: dict[str, dict[str, None]] = {s: {} for s in switch_ids}
        self.edge_link: dict[tuple[str, str], str] = {}
        self.adjacent_networks: dict[str, set[str]] = {}
        elements = topo.elements
        for link in topo.links.values():
            a = elements.get(link.a)
            if a is None:
                continue  # a NIC-port cable, not part of the fabric
            b = elements.get(link.b)
            if b is None:
                continue
            key = (min(link.a, link.b), max(link.a, link.b))
            if key in self.edge_link and self.edge_link[key] <= link.id:
                continue  # parallel cable: the smallest id carries traffic
            self.edge_link[key] = link.id
            if isinstance(a, Switch) and isinstance(b, Switch):
                self.adj[link.a][link.b] = None
                self.adj[link.b][link.a] = None
            else:
                switch, net = (link.a, link.b) if isinstance(a, Switch) else (link.b, link.a)
                self.adjacent_networks.setdefault(net, set()).add(switch)
        self._next_hop: dict[str, dict[str, str]] = {}
        self._distance: dict[str, dict[str, int]] = {}
        self._paths: dict[tuple[str, str], tuple[list[int], list[int]] | None] = {}

    def _hops(self, network: str) -> dict[str, str]:
        """Next node towards ``network`` for every switch that can reach it."""
        nxt = self._next_hop.get(network)
        if nxt is not None:
            return nxt
        dist: dict[str, int] = {}
        queue: deque[str] = deque()
        for s in self.adjacent_networks.get(network, ()):
            dist[s] = 1
            queue.append(s)
        adj = self.adj
        while queue:
            u = queue.popleft()
            for v in adj[u]:
                if v not in dist:
                    dist[v] = dist[u] + 1
                    queue.append(v)
        nxt = {}
        for s, d in dist.items():
            if d == 1:
                nxt[s] = network
            else:
                nxt[s] = min(v for v in adj[s] if dist.get(v) == d - 1)
        self._next_hop[network] = nxt
        self._distance[network] = dist
        return nxt

    def distance(self, switch: str, network: str) -> int | None:
        """Switches crossed from ``switch`` to ``network`` (1: cabled to it), None if unreachable."""
        self._hops(network)
        return self._distance[network].get(switch)

    def path(self, switch: str, network: str) -> tuple[list[int], list[int]] | None:
        """(tx resources, rx resources in traversal order) from ``switch`` to ``network``."""
        key = (switch, network)
        if key in self._paths:
            return self._paths[key]
        hops = self._hops(network)
        if switch not in hops or self._distance[network][switch] > MAX_FABRIC_HOPS:
            self._paths[key] = None
            return None
        tx: list[int] = []
        rx: list[int] = []
        node = switch
        links = self.topo.links
        while node != network:
            nxt = hops[node]
            link_id = self.edge_link[(min(node, nxt), max(node, nxt))]
            link = links[link_id]
            capacity = link.gbps if link.gbps is not None else 100.0
            forward = "ab" if link.a == node else "ba"
            backward = "ba" if forward == "ab" else "ab"
            tx.append(self.resources.get(f"link:{link_id}:{forward}", "link", link_id, capacity))
            rx.append(self.resources.get(f"link:{link_id}:{backward}", "link", link_id, capacity))
            node = nxt
        rx.reverse()
        self._paths[key] = (tx, rx)
        return self._paths[key]


def compile_flows(topo: Topology, columns: GuestColumns | None = None) -> FlowSet:
    """Every flow of the design with its route, demand, floor, cap, weight and VMM cost.

    ``columns``: the loader's columns of this unedited design (``model.columns``). Where
    every vNIC is routed without a problem they are read instead of the objects
    (``_table_from_columns``), with the same flows and resources in the same order; else,
    or without them, the vNICs are walked one by one."""
    elements = topo.elements
    resources = _Resources()
    problems: list[Problem] = []
    cost = topo.cost_model
    tau = {m: float(cost.core_us_per_packet.get(m, 0.0)) for m in MODE_CODES}
    vmdq_factor = float(cost.vmdq_rx_factor)

    networks: list[str] = []
    server_ids: list[str] = []
    switch_ids: list[str] = []
    vms: list[VM] = []
    nics: list[Nic] = []
    for e in elements.values():
        kind = e.KIND
        if kind == "vm":
            vms.append(e)  # type: ignore[arg-type]
        elif kind == "nic":
            nics.append(e)  # type: ignore[arg-type]
        elif kind == "server":
            server_ids.append(e.id)
        elif kind == "network":
            networks.append(e.id)
        elif kind == "switch":
            switch_ids.append(e.id)
    fabric = _Fabric(topo, resources, switch_ids)
    only_network = networks[0] if len(networks) == 1 else None
    server_index = {sid: i for i, sid in enumerate(server_ids)}
    vmm_resource: dict[str, int] = {}

    def port_route(nic: Nic, port: int, network: str) -> tuple[list[int], list[int]] | str:
        """Route from a NIC port to a network: (tx resources, rx resources), or a
        sentence saying why there is none. Computed once per port and network."""
        link = topo.cable_at(nic.id, port)
        route: tuple[list[int], list[int]] | str
        if link is None:
            route = f"port {port} of NIC {nic.id} has no cable"
        else:
            far_id = link.other_end(f"{nic.id}:{port}")
            far = elements[far_id]
            if isinstance(far, Switch):
                speed = link.gbps if link.gbps is not None else min(nic.port_gbps, far.port_gbps)
                suffix = fabric.path(far_id, network)
            else:
                speed = link.gbps if link.gbps is not None else nic.port_gbps
                suffix = ([], []) if far_id == network else None
            distance = fabric.distance(far_id, network) if suffix is None and isinstance(far, Switch) else None
            if distance is not None:
                route = (f"port {port} of NIC {nic.id} is cabled to {far_id}, which is {distance} switches "
                         f"from network {network}, more than the {MAX_FABRIC_HOPS} a packet can cross")
            elif suffix is None:
                route = (f"port {port} of NIC {nic.id} is cabled to {far_id}, "
                         f"which has no path of switch links to network {network}")
            else:
                pcie_tx = resources.get(f"pcie:{nic.id}:tx", "pcie", nic.id, nic.pcie_gbps)
                pcie_rx = resources.get(f"pcie:{nic.id}:rx", "pcie", nic.id, nic.pcie_gbps)
                port_tx = resources.get(f"port:{nic.id}:{port}:tx", "port", nic.id, speed)
                port_rx = resources.get(f"port:{nic.id}:{port}:rx", "port", nic.id, speed)
                if nic.throughput_gbps > 0:
                    # The NIC's own forwarding limit over all its ports (SPEC §9).
                    nic_tx = resources.get(f"nic:{nic.id}:tx", "nic", nic.id, nic.throughput_gbps)
                    nic_rx = resources.get(f"nic:{nic.id}:rx", "nic", nic.id, nic.throughput_gbps)
                    route = ([pcie_tx, nic_tx, port_tx] + suffix[0], suffix[1] + [port_rx, nic_rx, pcie_rx])
                else:
                    route = ([pcie_tx, port_tx] + suffix[0], suffix[1] + [port_rx, pcie_rx])
        return route

    routes: list[tuple[list[int], list[int]]] = []
    vm_ids: list[str] = []
    table: np.ndarray | None = None
    if columns is not None and columns.describes(topo, vms):
        read = _table_from_columns(columns, nics, server_index, networks, port_route, routes)
        if read is None:  # routes may have been made: number the resources afresh, in the loop's order
            routes.clear()
            resources = _Resources()
            fabric = _Fabric(topo, resources, switch_ids)
        else:
            table, vm_ids = read
    if table is None:
        unwired: dict[tuple[str, int], list[str]] = {}
        rows: list[tuple] = []  # one per loaded vNIC, expanded to flows with numpy below
        mode_codes = MODE_CODES
        route_of_key: dict[tuple[str, int, str], int | str] = {}  # NIC port + network -> route row or reason
        for vm in vms:
            server_id = vm.parent
            vm_pos = -1
            for index, vnic in enumerate(vm.vnics):
                tx_d, rx_d = vnic.tx_gbps, vnic.rx_gbps
                if tx_d <= 0 and rx_d <= 0:
                    continue
                if vm_pos < 0:
                    vm_pos = len(vm_ids)
                    vm_ids.append(vm.id)
                mode = vnic.mode
                route_id = -1
                nic: Nic | None = None
                enforced = 1.0
                if mode == "vf":
                    vf = elements.get(vnic.vf) if vnic.vf else None
                    if isinstance(vf, VirtualFunction):
                        vf_nic = elements[vf.parent]
                        assert isinstance(vf_nic, Nic)  # the model keeps a VF inside a NIC
                        nic = vf_nic
                        port = vf.port
                        floor_req, cap_req = vf.min_gbps, vf.max_gbps
                        # What the driver cannot enforce does not bind the flow (SPEC §9): an
                        # unenforced cap is no cap; an unenforced minimum is reported, not solved.
                        if not nic.vf_max_rate:
                            cap_req = 0.0
                        if not nic.vf_min_rate:
                            enforced = 0.0
                    else:
                        port, floor_req, cap_req = 0, 0.0, 0.0
                else:
                    device = elements.get(vnic.nic) if vnic.nic else None
                    nic = device if isinstance(device, Nic) else None  # the model lets a vNIC name only a NIC
                    port = vnic.port
                    floor_req, cap_req = vnic.min_gbps, vnic.max_gbps
                if nic is None:
                    problems.append(problem("no-route", vm.id,
                                            f"VM {vm.id} vNIC {index} ({mode}) is not attached to a "
                                            f"{'VF' if mode == 'vf' else 'NIC'}."))
                elif nic.parent != server_id or port >= nic.ports:
                    pass  # foreign-device / bad-port, reported by the design rules
                else:
                    network = vnic.to or only_network
                    if network is None:
                        who = f"VM {vm.id} vNIC {index}"
                        problems.append(problem(
                            "no-route", vm.id,
                            f"{who} has no destination: the design has {len(networks)} networks, so set its 'to'."
                            if networks else f"{who} has no destination: the design has no network."))
                    else:
                        key = (nic.id, port, network)
                        found = route_of_key.get(key)
                        if found is None:
                            new_route = port_route(nic, port, network)
                            if isinstance(new_route, str):
                                found = new_route
                            else:
                                found = len(routes)
                                routes.append(new_route)
                            route_of_key[key] = found
                        if isinstance(found, str):
                            if topo.cable_at(nic.id, port) is None:
                                unwired.setdefault((nic.id, port), []).append(vm.id)
                            else:
                                problems.append(problem("no-route", vm.id,
                                                        f"VM {vm.id} vNIC {index} cannot reach network {network}: {found}."))
                        else:
                            route_id = found
                rows.append((vm_pos, index, mode_codes[mode], tx_d, rx_d, floor_req, cap_req, vnic.weight,
                             vnic.packet_bytes, route_id, 1.0 if (nic is not None and nic.vmdq) else 0.0,
                             server_index[server_id], enforced))

        for (nic_id, port), users in unwired.items():
            names = ", ".join(dict.fromkeys(users))
            problems.append(problem("port-unwired", nic_id,
                                    f"Port {port} of NIC {nic_id} carries traffic of {names} but has no cable."))

        # Flattened first: numpy reads a flat iterator of numbers several times faster than
        # a list of tuples.
        table = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=13 * len(rows)).reshape(len(rows), 13)

    # ---- Expand vNICs into flows (tx before rx) and routes into entries, with numpy.
    # ``table``: one row per vNIC with traffic, (VM position in ``vm_ids``, vNIC index, mode,
    # tx, rx, floor, cap, weight, packet bytes, route or -1, vmdq, server index, floor enforced).
    n_vnics = table.shape[0]
    has = np.stack([table[:, 3] > 0, table[:, 4] > 0], axis=1).ravel()
    flow_vnic = np.repeat(np.arange(n_vnics), 2)[has]
    flow_dir = np.tile(np.array([0, 1], dtype=np.int8), n_vnics)[has]
    col = table[flow_vnic]
    is_tx = flow_dir == 0
    flow_mode = col[:, 2].astype(np.int8)
    demand = np.where(is_tx, col[:, 3], col[:, 4])
    min_gbps = np.where(is_tx, col[:, 5], 0.0)
    floor_enforced = col[:, 12] > 0
    max_gbps = np.where(is_tx & (col[:, 6] > 0), col[:, 6], np.inf)
    tau_by_code = np.array([tau[m] for m in MODE_CODES], dtype=np.float64)
    kappa = tau_by_code[flow_mode] * 125.0 / col[:, 8] if col.size else np.zeros(0)
    kappa = np.where(~is_tx & (col[:, 10] > 0), kappa * vmdq_factor, kappa)
    route = col[:, 9].astype(np.int64)
    routed = route >= 0
    server = col[:, 11].astype(np.int64)
    n = demand.shape[0]

    # VMM resources, one per server whose routed flows cost VMM CPU.
    with_vmm = routed & (kappa > 0)
    vmm_of_server = np.full(len(server_ids), -1, dtype=np.int64)
    # The servers with such flows, by counting (np.unique without indices would load numpy.ma).
    for s_idx in np.flatnonzero(np.bincount(server[with_vmm], minlength=len(server_ids))).tolist():
        sid = server_ids[s_idx]
        vmm_of_server[s_idx] = vmm_resource[sid] = resources.get(
            f"vmm:{sid}", "vmm", sid, elements[sid].vmm_io_cores)  # type: ignore[attr-defined]

    # Route table: hops[d, r, k] is the k-th resource of route r in direction d, -1 past its end.
    width = max((len(r[0]) for r in routes), default=1)
    hops = np.full((2, max(1, len(routes)), width), -1, dtype=np.int64)
    if routes:
        hops[0, :len(routes)] = [tx + [-1] * (width - len(tx)) for tx, _ in routes]
        hops[1, :len(routes)] = [rx + [-1] * (width - len(rx)) for _, rx in routes]
    # Each flow's resources in route order, a row each (-1 where the row has ended): the VMM
    # first on transmit (guest → VMM → NIC), last on receive (NIC → VMM → guest).
    grid = np.full((n, width + 1), -1, dtype=np.int64)
    grid[routed, :width] = hops[flow_dir[routed], route[routed]]
    if with_vmm.any():
        vmm = vmm_of_server[server]
        send = np.flatnonzero(with_vmm & is_tx)
        grid[send, 1:] = grid[send, :-1]
        grid[send, 0] = vmm[send]
        receive = np.flatnonzero(with_vmm & ~is_tx)
        grid[receive, (grid[receive] >= 0).sum(axis=1)] = vmm[receive]
    present = grid >= 0
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(present.sum(axis=1), out=start[1:])
    e_res = grid[present]  # row by row: flow-major, in route order within a flow
    e_flow = np.repeat(np.arange(n, dtype=np.int64), np.diff(start))
    resource_kind = np.asarray(resources.kind, dtype=np.int8)
    e_coef = np.where(resource_kind[e_res] == KIND_CODE["vmm"], kappa[e_flow], 1.0)

    problems.extend(_guarantees_beyond_route(topo, vm_ids, col, flow_dir, min_gbps, max_gbps, e_flow, e_res,
                                             e_coef, resources))

    return FlowSet(
        vm_names=vm_ids,
        vm=col[:, 0].astype(np.int64),
        vnic_index=col[:, 1].astype(np.int64),
        direction=flow_dir,
        mode=flow_mode,
        demand=demand,
        min_gbps=min_gbps,
        floor_enforced=floor_enforced,
        max_gbps=max_gbps,
        weight=col[:, 7].copy(),
        kappa=kappa,
        server=server,
        routed=routed,
        resource_ids=resources.ids,
        resource_kind=resource_kind,
        resource_element=resources.element,
        capacity=np.asarray(resources.capacity, dtype=np.float64),
        entry_flow=e_flow,
        entry_resource=e_res,
        entry_coef=e_coef,
        flow_entry_start=start,
        server_ids=server_ids,
        server_vmm_resource=vmm_resource,
        problems=problems,
        # A route (NIC port to network) and a direction make a path, with the VMM of the
        # route's server when the flow costs VMM CPU (a flow is routed only on its own server).
        path_code=np.where(routed, (route * 2 + flow_dir) * 2 + with_vmm, -1),
    )


def _pick(values: list, positions: np.ndarray) -> list:
    """``[values[i] for i in positions]``, in C; ``positions`` ascending and distinct."""
    if positions.size == len(values):
        return values  # then every row
    if positions.size < 2:
        return [values[i] for i in positions.tolist()]
    return list(itemgetter(*positions.tolist())(values))


def _column(table: dict, name: str, positions: np.ndarray, dtype: type = np.float64) -> np.ndarray:
    """The values of a column (``model.columns``) at these rows, as an array."""
    column = table[name]
    if not isinstance(column, list):
        return np.full(positions.size, column, dtype=dtype)
    return np.asarray(_pick(column, positions), dtype=dtype)


def _texts(table: dict, name: str, positions: np.ndarray) -> list:
    """The values of a column of text (ids, or None) at these rows, as a list."""
    column = table[name]
    return _pick(column, positions) if isinstance(column, list) else [column] * positions.size


def _lookup(index: dict, keys: list) -> np.ndarray:
    """The position ``index`` gives each key; -1 for a key it does not have (or None)."""
    return np.fromiter(map(index.get, keys, repeat(-1)), dtype=np.int64, count=len(keys))


def _table_from_columns(columns: GuestColumns, nics: list[Nic], server_index: dict[str, int],
                        networks: list[str], port_route, routes: list) -> tuple[np.ndarray, list[str]] | None:
    """``compile_flows``' vNIC table and ``vm_ids`` from the loader's columns, for a design
    where every vNIC with traffic is routed without a problem: what the loop over the vNIC
    objects gives, row for row, with ``port_route`` asked for each NIC port and network in
    the order the loop meets them (so resources are numbered alike). None, as soon as some
    vNIC is not in that case: the caller then walks the objects, which names the problem
    (routes already asked for are then forgotten by the caller)."""
    vnic = columns.vnic
    n = sum(columns.vnic_count)
    if n == 0 or not nics or not networks:
        return None

    every = np.arange(n)
    tx, rx = _column(vnic, "tx_gbps", every), _column(vnic, "rx_gbps", every)
    rows = np.flatnonzero((tx > 0) | (rx > 0))  # the vNICs with traffic; the loop skips the rest
    if not rows.size:
        return None
    count = np.asarray(columns.vnic_count, dtype=np.int64)
    vm_of_all = np.repeat(np.arange(count.size), count)
    vm_of = vm_of_all[rows]
    index = (every - (np.cumsum(count) - count)[vm_of_all])[rows]
    m = rows.size
    mode = np.fromiter(map(MODE_CODES.__getitem__, _texts(vnic, "mode", rows)), dtype=np.int64, count=m)
    server = _lookup(server_index, columns.vm_parent)[vm_of]
    if server.min() < 0:
        return None  # a VM outside a server (the model does not make one)

    nic_index = {nic.id: i for i, nic in enumerate(nics)}
    nic_server = _lookup(server_index, [nic.parent for nic in nics])
    nic_ports = np.array([nic.ports for nic in nics], dtype=np.int64)

    # The device of each vNIC: a VF's NIC and port (the VF's rates bind the flow), or the NIC.
    nic_of = np.full(m, -1, dtype=np.int64)
    port = np.zeros(m, dtype=np.int64)
    floor = np.zeros(m)
    cap = np.zeros(m)
    enforced = np.ones(m)
    is_vf = mode == MODE_CODES["vf"]
    through_vf = np.flatnonzero(is_vf)
    direct = np.flatnonzero(~is_vf)
    if through_vf.size:
        vf = columns.vf
        if not vf or not isinstance(vf.get("id"), list):
            return None
        vf_ids = vf["id"]
        used = _lookup(dict(zip(vf_ids, range(len(vf_ids)))), _texts(vnic, "vf", rows[through_vf]))
        if used.min() < 0:
            return None  # a vf vNIC without a VF: "no-route"
        all_vfs = np.arange(len(vf_ids))
        vf_nic = _lookup(nic_index, _texts(vf, "parent", all_vfs))
        if vf_nic.min() < 0:
            return None
        nic_of[through_vf] = vf_nic[used]
        port[through_vf] = _column(vf, "port", all_vfs, np.int64)[used]
        floor[through_vf] = _column(vf, "min_gbps", all_vfs)[used]
        vf_cap = _column(vf, "max_gbps", all_vfs)[used]
        # What the driver cannot enforce does not bind the flow (SPEC §9), as in the loop.
        max_rate = np.array([nic.vf_max_rate for nic in nics], dtype=bool)[nic_of[through_vf]]
        min_rate = np.array([nic.vf_min_rate for nic in nics], dtype=bool)[nic_of[through_vf]]
        cap[through_vf] = np.where(max_rate, vf_cap, 0.0)
        enforced[through_vf] = np.where(min_rate, 1.0, 0.0)
    if direct.size:
        picked = rows[direct]
        nic_of[direct] = _lookup(nic_index, _texts(vnic, "nic", picked))
        port[direct] = _column(vnic, "port", picked, np.int64)
        floor[direct] = _column(vnic, "min_gbps", picked)
        cap[direct] = _column(vnic, "max_gbps", picked)
    if nic_of.min() < 0:
        return None  # a vNIC not attached to a NIC: "no-route"
    if not ((nic_server[nic_of] == server) & (port >= 0) & (port < nic_ports[nic_of])).all():
        return None  # foreign-device, bad-port: the rules name them, the loop routes around them

    only = 0 if len(networks) == 1 else -1  # where a vNIC has no 'to': the only network, if one
    if isinstance(vnic["to"], list):
        net = _lookup({network: i for i, network in enumerate(networks)}, _pick(vnic["to"], rows))
        net[net < 0] = only
    else:  # no vNIC has a 'to'
        net = np.full(m, only, dtype=np.int64)
    if net.min() < 0:
        return None  # no destination: "no-route"

    # One route per NIC port and network, asked for in the order the loop meets them.
    key = (nic_of * (int(port.max()) + 1) + port) * len(networks) + net
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    met = np.argsort(first, kind="stable")
    route_of = np.empty(met.size, dtype=np.int64)
    route_of[met] = np.arange(met.size)
    for row in first[met].tolist():
        route = port_route(nics[int(nic_of[row])], int(port[row]), networks[int(net[row])])
        if isinstance(route, str):
            return None  # an unwired port, or no path: the loop names it
        routes.append(route)

    table = np.empty((m, 13), dtype=np.float64)
    has_flows = np.bincount(vm_of, minlength=count.size) > 0
    table[:, 0] = (np.cumsum(has_flows) - 1)[vm_of]
    table[:, 1] = index
    table[:, 2] = mode
    table[:, 3] = tx[rows]
    table[:, 4] = rx[rows]
    table[:, 5] = floor
    table[:, 6] = cap
    table[:, 7] = _column(vnic, "weight", rows)
    table[:, 8] = _column(vnic, "packet_bytes", rows)
    table[:, 9] = route_of[inverse.reshape(-1)]
    table[:, 10] = np.array([nic.vmdq for nic in nics], dtype=np.float64)[nic_of]
    table[:, 11] = server
    table[:, 12] = enforced
    return table, list(compress(columns.vm_ids, has_flows.tolist()))


def _guarantees_beyond_route(topo, vm_ids, col, flow_dir, min_gbps, max_gbps, e_flow, e_res, e_coef,
                             resources) -> list[Problem]:
    """``guarantee-exceeds-port`` (SPEC §10): a guaranteed minimum (after its cap) that needs more
    than the capacity of a resource on its route, so it cannot hold once demand reaches it.
    Named on the VF for mode vf (its ``min_gbps`` is the guarantee), else on the VM."""
    want = np.minimum(min_gbps, max_gbps)
    if not want.size or not (want > 0).any():
        return []
    capacity = np.asarray(resources.capacity, dtype=np.float64)
    need = np.zeros(e_flow.size)
    guaranteed = np.flatnonzero(want[e_flow] > 0)  # the entries of flows with a guarantee
    need[guaranteed] = e_coef[guaranteed] * want[e_flow[guaranteed]]
    room = capacity[e_res[guaranteed]]
    found: list[Problem] = []
    # Entries are flow-major, so each flow's hits are a run.
    hits = guaranteed[(need[guaranteed] > 0) & (need[guaranteed] > room + 1e-9 * np.maximum(1.0, room))]
    flows_hit, first = np.unique(e_flow[hits], return_index=True)
    bounds = np.append(first, hits.size)
    for i, f in enumerate(flows_hit.tolist()):
        entries = hits[bounds[i]:bounds[i + 1]]
        # The tightest resource (least capacity per unit of this flow), first on the route on ties.
        ratio = capacity[e_res[entries]] / e_coef[entries]
        k = int(entries[int(np.argmin(ratio))])
        r = int(e_res[k])
        rid = resources.ids[r]
        vm_id = vm_ids[int(col[f, 0])]
        index = int(col[f, 1])
        flow = f"{vm_id}/{index}/{'rx' if flow_dir[f] else 'tx'}"
        vnic = topo.elements[vm_id].vnics[index]
        owner = vnic.vf if vnic.mode == "vf" and vnic.vf else vm_id
        who = f"VF {owner}" if owner != vm_id else f"VM {vm_id} vNIC {index}"
        if rid.startswith("vmm:"):
            detail = (f"needs {need[k]:.6g} cores of {rid}, which has only {capacity[r]:.6g} cores")
        else:
            detail = f"but {rid} on its route carries at most {capacity[r]:.6g} Gbit/s"
        found.append(problem(
            "guarantee-exceeds-port", owner,
            f"{who} guarantees {want[f]:.6g} Gbit/s to {flow}, {detail}: the guarantee can never hold "
            f"at full demand."))
    return found
