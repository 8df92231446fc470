"""Routing (SPEC §3–4): turn a Topology into flows, resources and the sparse
flows × resources coefficient structure the allocator works on.

``compile_flows`` walks every vNIC once; routes beyond the NIC port are computed
once per (switch, network) pair with a breadth-first search over the switch
fabric, so a data centre with a hundred thousand flows routes in one pass.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

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


def compile_flows(topo: Topology) -> FlowSet:
    """Every flow of the design with its route, demand, floor, cap, weight and VMM cost."""
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
    for e in elements.values():
        kind = e.KIND
        if kind == "vm":
            vms.append(e)  # type: ignore[arg-type]
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

    unwired: dict[tuple[str, int], list[str]] = {}
    routes: list[tuple[list[int], list[int]]] = []
    vm_ids: list[str] = []
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

    # ---- Expand vNICs into flows (tx before rx) and routes into entries, with numpy.
    # Flattened first: numpy reads a flat iterator of numbers several times faster than a
    # list of tuples.
    table = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=13 * len(rows)).reshape(len(rows), 13)
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

    # Route table: hops[d, r, k] is the k-th resource of route r in direction d.
    longest = max((len(r[0]) for r in routes), default=0)
    hops = np.zeros((2, max(1, len(routes)), max(1, longest)), dtype=np.int64)
    hop_len = np.zeros((2, max(1, len(routes))), dtype=np.int64)
    for r, (tx_hops, rx_hops) in enumerate(routes):
        hops[0, r, : len(tx_hops)] = tx_hops
        hops[1, r, : len(rx_hops)] = rx_hops
        hop_len[0, r], hop_len[1, r] = len(tx_hops), len(rx_hops)
    safe_route = np.where(routed, route, 0)
    n_hops = np.where(routed, hop_len[flow_dir, safe_route], 0)
    counts_arr = n_hops + with_vmm
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts_arr, out=start[1:])
    e_flow = np.repeat(np.arange(n, dtype=np.int64), counts_arr)
    pos = np.arange(e_flow.size, dtype=np.int64) - start[e_flow]
    vmm_first = with_vmm & is_tx  # guest → VMM → NIC on transmit; NIC → VMM → guest on receive
    hop_idx = pos - vmm_first[e_flow]
    e_is_vmm = with_vmm[e_flow] & np.where(is_tx[e_flow], pos == 0, pos == n_hops[e_flow])
    hop_idx = np.clip(hop_idx, 0, max(0, longest - 1))
    e_res = np.where(e_is_vmm, vmm_of_server[server[e_flow]],
                     hops[flow_dir[e_flow], safe_route[e_flow], hop_idx])
    e_coef = np.where(e_is_vmm, kappa[e_flow], 1.0)

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
        resource_kind=np.asarray(resources.kind, dtype=np.int8),
        resource_element=resources.element,
        capacity=np.asarray(resources.capacity, dtype=np.float64),
        entry_flow=e_flow,
        entry_resource=e_res,
        entry_coef=e_coef,
        flow_entry_start=start,
        server_ids=server_ids,
        server_vmm_resource=vmm_resource,
        problems=problems,
    )


def _guarantees_beyond_route(topo, vm_ids, col, flow_dir, min_gbps, max_gbps, e_flow, e_res, e_coef,
                             resources) -> list[Problem]:
    """``guarantee-exceeds-port`` (SPEC §10): a guaranteed minimum (after its cap) that needs more
    than the capacity of a resource on its route, so it cannot hold once demand reaches it.
    Named on the VF for mode vf (its ``min_gbps`` is the guarantee), else on the VM."""
    want = np.minimum(min_gbps, max_gbps)
    if not want.size or not (want > 0).any():
        return []
    capacity = np.asarray(resources.capacity, dtype=np.float64)
    need = e_coef * want[e_flow]
    over = (need > 0) & (need > capacity[e_res] + 1e-9 * np.maximum(1.0, capacity[e_res]))
    found: list[Problem] = []
    hits = np.flatnonzero(over)  # entries are flow-major, so each flow's hits are a run
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
