"""Routing (SPEC §3–4): turn a Topology into flows, resources and the sparse
flows × resources coefficient structure the allocator works on.

``compile_flows`` walks every vNIC once; routes beyond the NIC port are computed
once per (switch, network) pair with a breadth-first search over the switch
fabric, so a data centre with a hundred thousand flows routes in one pass.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from ..model.elements import VM, Network, Nic, Server, Switch, VirtualFunction
from ..model.rules import Problem, problem
from ..model.topology import Topology

MODE_CODES = {"emulated": 0, "paravirtual": 1, "vf": 2, "passthrough": 3}
MODE_NAMES = tuple(MODE_CODES)
RESOURCE_KINDS = ("vmm", "pcie", "port", "link")
KIND_CODE = {k: i for i, k in enumerate(RESOURCE_KINDS)}


@dataclass
class FlowSet:
    """Flows and resources of a design, ready for allocation at any demand scale."""

    # Per flow (tx and rx flows of every loaded vNIC, in file order).
    vm_ids: list[str]
    vnic_index: np.ndarray
    direction: np.ndarray  # 0 = tx, 1 = rx
    mode: np.ndarray  # index into MODE_NAMES
    demand: np.ndarray
    min_gbps: np.ndarray  # requested guaranteed minimum (before clamping to demand)
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

    def flow_id(self, f: int) -> str:
        return f"{self.vm_ids[f]}/{int(self.vnic_index[f])}/{'rx' if self.direction[f] else 'tx'}"

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

    def __init__(self, topo: Topology, resources: _Resources) -> None:
        self.topo = topo
        self.resources = resources
        self.graph = nx.Graph()
        self.graph.add_nodes_from(s.id for s in topo.switches)
        self.edge_link: dict[tuple[str, str], str] = {}
        self.adjacent_networks: dict[str, set[str]] = {}
        elements = topo.elements
        for link in topo.links.values():
            a, b = elements.get(link.a), elements.get(link.b)
            if a is None or b is None:
                continue  # a NIC-port cable, not part of the fabric
            key = (min(link.a, link.b), max(link.a, link.b))
            if key in self.edge_link and self.edge_link[key] <= link.id:
                continue  # parallel cable: the smallest id carries traffic
            self.edge_link[key] = link.id
            if isinstance(a, Switch) and isinstance(b, Switch):
                self.graph.add_edge(link.a, link.b)
            else:
                switch, net = (link.a, link.b) if isinstance(a, Switch) else (link.b, link.a)
                self.adjacent_networks.setdefault(net, set()).add(switch)
        self._next_hop: dict[str, dict[str, str]] = {}
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
        adj = self.graph.adj
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
        return nxt

    def path(self, switch: str, network: str) -> tuple[list[int], list[int]] | None:
        """(tx resources, rx resources in traversal order) from ``switch`` to ``network``."""
        key = (switch, network)
        if key in self._paths:
            return self._paths[key]
        hops = self._hops(network)
        if switch not in hops:
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
    fabric = _Fabric(topo, resources)
    problems: list[Problem] = []
    cost = topo.cost_model
    tau = {m: float(cost.core_us_per_packet.get(m, 0.0)) for m in MODE_CODES}
    vmdq_factor = float(cost.vmdq_rx_factor)

    networks = [e.id for e in elements.values() if isinstance(e, Network)]
    only_network = networks[0] if len(networks) == 1 else None
    server_ids = [e.id for e in elements.values() if isinstance(e, Server)]
    server_index = {sid: i for i, sid in enumerate(server_ids)}
    vmm_resource: dict[str, int] = {}

    # Route from a NIC port to a network, shared by every vNIC using it:
    # (tx resources, rx resources), or a sentence saying why there is none.
    port_routes: dict[tuple[str, int, str], tuple[list[int], list[int]] | str] = {}

    def port_route(nic: Nic, port: int, network: str) -> tuple[list[int], list[int]] | str:
        key = (nic.id, port, network)
        route = port_routes.get(key)
        if route is not None:
            return route
        link = topo.cable_at(nic.id, port)
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
            if suffix is None:
                route = (f"port {port} of NIC {nic.id} is cabled to {far_id}, "
                         f"which has no path of switch links to network {network}")
            else:
                pcie_tx = resources.get(f"pcie:{nic.id}:tx", "pcie", nic.id, nic.pcie_gbps)
                pcie_rx = resources.get(f"pcie:{nic.id}:rx", "pcie", nic.id, nic.pcie_gbps)
                port_tx = resources.get(f"port:{nic.id}:{port}:tx", "port", nic.id, speed)
                port_rx = resources.get(f"port:{nic.id}:{port}:rx", "port", nic.id, speed)
                route = ([pcie_tx, port_tx] + suffix[0], suffix[1] + [port_rx, pcie_rx])
        port_routes[key] = route
        return route

    unwired: dict[tuple[str, int], list[str]] = {}

    vm_ids: list[str] = []
    vnic_index: list[int] = []
    direction: list[int] = []
    mode_code: list[int] = []
    demand: list[float] = []
    min_gbps: list[float] = []
    max_gbps: list[float] = []
    weight: list[float] = []
    kappa: list[float] = []
    server_of: list[int] = []
    routed: list[bool] = []
    entry_res: list[int] = []
    entry_coef: list[float] = []
    counts: list[int] = []
    inf = float("inf")

    for element in elements.values():
        if not isinstance(element, VM):
            continue
        vm = element
        server_id = vm.parent
        for index, vnic in enumerate(vm.vnics):
            tx_d, rx_d = vnic.tx_gbps, vnic.rx_gbps
            if tx_d <= 0 and rx_d <= 0:
                continue
            mode = vnic.mode
            who = f"VM {vm.id} vNIC {index}"
            route = None
            nic = None
            if mode == "vf":
                vf = elements.get(vnic.vf) if vnic.vf else None
                if isinstance(vf, VirtualFunction):
                    nic = elements[vf.parent]
                    port = vf.port
                    floor_req, cap_req = vf.min_gbps, vf.max_gbps
                else:
                    port, floor_req, cap_req = 0, 0.0, 0.0
            else:
                nic = elements.get(vnic.nic) if vnic.nic else None
                port = vnic.port
                floor_req, cap_req = vnic.min_gbps, vnic.max_gbps
            if nic is None:
                problems.append(problem("no-route", vm.id,
                                        f"{who} ({mode}) is not attached to a {'VF' if mode == 'vf' else 'NIC'}."))
            elif nic.parent != server_id or port >= nic.ports:
                pass  # foreign-device / bad-port, reported by the design rules
            else:
                network = vnic.to or only_network
                if network is None:
                    problems.append(problem(
                        "no-route", vm.id,
                        f"{who} has no destination: the design has {len(networks)} networks, so set its 'to'."
                        if networks else f"{who} has no destination: the design has no network."))
                else:
                    found = port_route(nic, port, network)
                    if isinstance(found, str):
                        if topo.cable_at(nic.id, port) is None:
                            unwired.setdefault((nic.id, port), []).append(vm.id)
                        else:
                            problems.append(problem("no-route", vm.id, f"{who} cannot reach network {network}: {found}."))
                    else:
                        route = found
            k_tx = tau[mode] * 125.0 / vnic.packet_bytes
            k_rx = k_tx * vmdq_factor if (nic is not None and nic.vmdq) else k_tx
            s_idx = server_index[server_id]
            for d, dirn, k in ((tx_d, 0, k_tx), (rx_d, 1, k_rx)):
                if d <= 0:
                    continue
                vm_ids.append(vm.id)
                vnic_index.append(index)
                direction.append(dirn)
                mode_code.append(MODE_CODES[mode])
                demand.append(d)
                if dirn == 0:
                    min_gbps.append(floor_req)
                    max_gbps.append(cap_req if cap_req > 0 else inf)
                else:
                    min_gbps.append(0.0)
                    max_gbps.append(inf)
                weight.append(vnic.weight)
                kappa.append(k)
                server_of.append(s_idx)
                if route is None:
                    routed.append(False)
                    counts.append(0)
                    continue
                routed.append(True)
                hops = route[dirn]
                if k > 0:
                    vmm = vmm_resource.get(server_id)
                    if vmm is None:
                        vmm = resources.get(f"vmm:{server_id}", "vmm", server_id,
                                            elements[server_id].vmm_io_cores)  # type: ignore[attr-defined]
                        vmm_resource[server_id] = vmm
                    if dirn == 0:
                        entry_res.append(vmm)
                        entry_res.extend(hops)
                        entry_coef.append(k)
                        entry_coef.extend([1.0] * len(hops))
                    else:
                        entry_res.extend(hops)
                        entry_res.append(vmm)
                        entry_coef.extend([1.0] * len(hops))
                        entry_coef.append(k)
                    counts.append(len(hops) + 1)
                else:
                    entry_res.extend(hops)
                    entry_coef.extend([1.0] * len(hops))
                    counts.append(len(hops))

    for (nic_id, port), users in unwired.items():
        names = ", ".join(dict.fromkeys(users))
        problems.append(problem("port-unwired", nic_id,
                                f"Port {port} of NIC {nic_id} carries traffic of {names} but has no cable."))

    n = len(demand)
    counts_arr = np.asarray(counts, dtype=np.int64)
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts_arr, out=start[1:])
    return FlowSet(
        vm_ids=vm_ids,
        vnic_index=np.asarray(vnic_index, dtype=np.int64),
        direction=np.asarray(direction, dtype=np.int8),
        mode=np.asarray(mode_code, dtype=np.int8),
        demand=np.asarray(demand, dtype=np.float64),
        min_gbps=np.asarray(min_gbps, dtype=np.float64),
        max_gbps=np.asarray(max_gbps, dtype=np.float64),
        weight=np.asarray(weight, dtype=np.float64),
        kappa=np.asarray(kappa, dtype=np.float64),
        server=np.asarray(server_of, dtype=np.int64),
        routed=np.asarray(routed, dtype=bool),
        resource_ids=resources.ids,
        resource_kind=np.asarray(resources.kind, dtype=np.int8),
        resource_element=resources.element,
        capacity=np.asarray(resources.capacity, dtype=np.float64),
        entry_flow=np.repeat(np.arange(n, dtype=np.int64), counts_arr),
        entry_resource=np.asarray(entry_res, dtype=np.int64),
        entry_coef=np.asarray(entry_coef, dtype=np.float64),
        flow_entry_start=start,
        server_ids=server_ids,
        server_vmm_resource=vmm_resource,
        problems=problems,
    )
