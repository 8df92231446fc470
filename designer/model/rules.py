"""Design rules (SPEC §6) that can be checked without solving.

Each finding is a ``Problem`` with a code, a severity, the element id and a
sentence a user understands. Route-dependent problems (``port-unwired``,
``no-route``) come from the solver's routing, and allocation problems
(``guarantee-oversubscribed``, ``floor-missed``) from the allocation; the solver
merges all three lists into its report.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass

from . import checks
from .elements import VM, Nic, Server, Switch, VirtualFunction, split_port_end
from .racks import describe, members_by_rack, span, span_text
from .topology import Topology

ERROR, WARNING, INFO = "error", "warning", "info"
# Overlapping elements named one by one per element; more become one summary problem.
MAX_COLLISIONS_NAMED = 8

# Every code the designer reports, with its severity and what it means.
PROBLEM_CODES: dict[str, tuple[str, str]] = {
    "vf-limit": (ERROR, "more virtual functions on a NIC than it supports (max_vfs)"),
    "sriov-disabled": (ERROR, "a virtual function on a NIC without SR-IOV"),
    "vf-shared": (ERROR, "a virtual function used by more than one vNIC"),
    "passthrough-no-iommu": (ERROR, "a NIC passed through on a server without VT-d (iommu)"),
    "passthrough-shared": (ERROR, "a passed-through NIC also used by another vNIC or by VFs"),
    "foreign-device": (ERROR, "a vNIC uses a NIC or VF of another server"),
    "bad-port": (ERROR, "a port index beyond the NIC's ports"),
    "port-unwired": (ERROR, "traffic uses a NIC port that has no cable"),
    "no-route": (ERROR, "traffic cannot reach its network"),
    "switch-ports": (ERROR, "more NIC cables on a switch than it has ports"),
    "guarantee-oversubscribed": (ERROR, "guaranteed minimums on a resource add up to more than its capacity"),
    "floor-missed": (ERROR, "a guaranteed minimum rate is not met"),
    "floor-above-cap": (WARNING, "a guaranteed minimum above the rate cap; the cap wins"),
    "parallel-links": (INFO, "several cables join the same two nodes; traffic uses the one with the smallest id"),
    "rack-collision": (ERROR, "two elements occupy the same rack unit"),
    # SPEC §10 (1.1)
    "guarantee-unsupported": (ERROR, "a VF guarantee on a NIC whose driver cannot enforce a VF minimum"),
    "cap-unsupported": (WARNING, "a VF cap on a NIC whose driver cannot enforce a VF maximum"),
    "guarantee-exceeds-port": (WARNING, "a guaranteed minimum above the capacity of a resource on its route"),
    "saturated": (WARNING, "a resource at 100 % of its capacity at the design's demand"),
    "rack-overflow": (ERROR, "an element reaches beyond the top of its rack"),
}


@dataclass(frozen=True)
class Problem:
    code: str
    severity: str
    element: str
    message: str

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "element": self.element, "message": self.message}


def problem(code: str, element: str, message: str) -> Problem:
    return Problem(code, PROBLEM_CODES[code][0], element, message)


def check_design(topo: Topology) -> list[Problem]:
    """Rules that depend on the drawing alone, in a stable order."""
    found: list[Problem] = []
    elements = topo.elements

    vf_count: dict[str, int] = defaultdict(int)
    vf_port_count: dict[tuple[str, int], int] = defaultdict(int)
    for element in elements.values():
        if isinstance(element, VirtualFunction):
            vf_count[element.parent] += 1
            nic = elements[element.parent]
            assert isinstance(nic, Nic)  # the model keeps a VF inside a NIC
            vf_port_count[(nic.id, element.port)] += 1
            if nic.sriov and element.port < nic.ports and nic.vf_min_rate and nic.vf_max_rate \
                    and not (element.max_gbps > 0 and element.min_gbps > element.max_gbps):
                continue  # none of the rules below applies (the common case, checked at once)
            if not nic.sriov:
                found.append(problem("sriov-disabled", element.id,
                                     f"VF {element.id} is on NIC {nic.id}, which has SR-IOV disabled."))
            if element.port >= nic.ports:
                found.append(problem("bad-port", element.id,
                                     f"VF {element.id} is on port {element.port}, but NIC {nic.id} has only "
                                     f"ports 0–{nic.ports - 1}."))
            hardware = _hardware(nic)
            if element.min_gbps > 0 and not nic.vf_min_rate:
                found.append(problem("guarantee-unsupported", element.id,
                                     f"VF {element.id} guarantees {element.min_gbps:g} Gbit/s, but NIC {nic.id} "
                                     f"({hardware}) cannot enforce a VF minimum (min_tx_rate); it is solved "
                                     f"as no guarantee."))
            if element.max_gbps > 0 and not nic.vf_max_rate:
                found.append(problem("cap-unsupported", element.id,
                                     f"VF {element.id} is capped at {element.max_gbps:g} Gbit/s, but NIC {nic.id} "
                                     f"({hardware}) cannot enforce a VF maximum (max_tx_rate); it is solved "
                                     f"without the cap."))
            if element.max_gbps > 0 and element.min_gbps > element.max_gbps and nic.vf_min_rate \
                    and nic.vf_max_rate:
                found.append(problem("floor-above-cap", element.id,
                                     f"VF {element.id} guarantees {element.min_gbps:g} Gbit/s but is capped at "
                                     f"{element.max_gbps:g} Gbit/s; the cap wins."))
    for nic_id, count in vf_count.items():
        nic = elements[nic_id]
        assert isinstance(nic, Nic)
        if count > nic.max_vfs:
            found.append(problem("vf-limit", nic_id,
                                 f"NIC {nic_id} has {count} VFs but supports at most {nic.max_vfs}."))
    for (nic_id, port), count in vf_port_count.items():
        nic = elements[nic_id]
        assert isinstance(nic, Nic)
        if 0 < nic.max_vfs_per_port < count:
            found.append(problem("vf-limit", nic_id,
                                 f"Port {port} of NIC {nic_id} has {count} VFs but the NIC allows at most "
                                 f"{nic.max_vfs_per_port} per port."))

    vf_users: dict[str, list[tuple[str, int]]] = defaultdict(list)
    nic_users: dict[str, list[tuple[str, int, str]]] = defaultdict(list)  # nic -> [(vm, vNIC index, mode)]
    for vm in elements.values():
        if not isinstance(vm, VM):
            continue
        server = vm.parent
        for index, vnic in enumerate(vm.vnics):
            mode = vnic.mode
            if mode == "vf":
                if not vnic.vf:
                    continue
                vf = elements[vnic.vf]
                assert isinstance(vf, VirtualFunction)  # the model checks what a vNIC refers to
                vf_users[vf.id].append((vm.id, index))
                vf_nic = elements[vf.parent]
                assert isinstance(vf_nic, Nic)
                if vf_nic.parent != server:
                    found.append(problem("foreign-device", vm.id,
                                         f"VM {vm.id} vNIC {index}: "
                                         f"{checks.other_server(f'VF {vf.id}', vf_nic.parent, vm.id, server)}."))
                continue
            if vnic.max_gbps > 0 and vnic.min_gbps > vnic.max_gbps:
                found.append(problem("floor-above-cap", vm.id,
                                     f"VM {vm.id} vNIC {index} guarantees {vnic.min_gbps:g} Gbit/s but is capped at "
                                     f"{vnic.max_gbps:g} Gbit/s; the cap wins."))
            if not vnic.nic:
                continue
            nic = elements[vnic.nic]
            assert isinstance(nic, Nic)
            nic_users[nic.id].append((vm.id, index, mode))
            if nic.parent == server and vnic.port < nic.ports and mode != "passthrough":
                continue  # none of the rules below applies (the common case, checked at once)
            who = f"VM {vm.id} vNIC {index}"
            if nic.parent != server:
                found.append(problem("foreign-device", vm.id,
                                     f"{who}: {checks.other_server(f'NIC {nic.id}', nic.parent, vm.id, server)}."))
            if vnic.port >= nic.ports:
                found.append(problem("bad-port", vm.id,
                                     f"{who} uses port {vnic.port} of NIC {nic.id}, which has only ports "
                                     f"0–{nic.ports - 1}."))
            if mode == "passthrough":
                host = elements.get(nic.parent)
                if isinstance(host, Server) and not host.iommu:
                    found.append(problem("passthrough-no-iommu", vm.id,
                                         f"{who}: {checks.no_iommu(host.id, nic.id)}."))
    for vf_id, vf_vnics in vf_users.items():
        if len(vf_vnics) > 1:
            names = ", ".join(f"VM {vm_id} vNIC {index}" for vm_id, index in vf_vnics)
            found.append(problem("vf-shared", vf_id,
                                 f"VF {vf_id} is used by {len(vf_vnics)} vNICs ({names}); "
                                 f"{checks.ONE_GUEST_PER_VF}."))
    for nic_id, users in nic_users.items():
        passthrough = [(vm_id, index) for vm_id, index, mode in users if mode == "passthrough"]
        if not passthrough:
            continue
        others = len(users) - 1 + (1 if topo.vfs_of(nic_id) else 0)
        if others > 0:
            detail = []
            if len(users) > 1:
                detail.append(f"{len(users) - 1} other vNIC(s)")
            if topo.vfs_of(nic_id):
                detail.append(f"{len(topo.vfs_of(nic_id))} VF(s)")
            first_vm, first_index = passthrough[0]
            found.append(problem("passthrough-shared", nic_id,
                                 f"NIC {nic_id} is passed through to VM {first_vm} vNIC {first_index} but is also "
                                 f"used by {' and '.join(detail)}; {checks.WHOLE_DEVICE}."))

    # Cables per switch, and parallel cables between the same two nodes.
    nic_cables: dict[str, int] = defaultdict(int)
    pairs: dict[frozenset, list[str]] = defaultdict(list)
    for link in topo.links.values():
        for end, other in ((link.a, link.b), (link.b, link.a)):
            if split_port_end(end) is not None and end not in elements and other in elements \
                    and isinstance(elements[other], Switch):
                nic_cables[other] += 1
        if link.a in elements and link.b in elements:
            pairs[frozenset((link.a, link.b))].append(link.id)
    for switch in topo.switches:
        used = nic_cables.get(switch.id, 0)
        if used > switch.ports:
            found.append(problem("switch-ports", switch.id,
                                 f"Switch {switch.id} has {used} NIC cables but only {switch.ports} ports."))
    for ids in pairs.values():
        if len(ids) > 1:
            chosen = min(ids)
            found.append(problem("parallel-links", chosen,
                                 f"Cables {', '.join(sorted(ids))} join the same two nodes; traffic uses {chosen} "
                                 f"(link aggregation is not modelled — give one cable the summed capacity)."))
    if topo.racks:
        found.extend(check_racks(topo))
    return found


def _hardware(nic: Nic) -> str:
    """The NIC model and driver as a user names them, e.g. "Intel X710-DA2, driver i40e"."""
    parts = [nic.model or "model not set", f"driver {nic.driver}" if nic.driver else "driver not set"]
    return ", ".join(parts)


def check_racks(topo: Topology) -> list[Problem]:
    """``rack-overflow`` for an element past the top of its rack (below U1 cannot be
    written: ``rack_u`` starts at 1), ``rack-collision`` once per overlapping pair,
    named on the higher of the two (the later in the file on a tie)."""
    found: list[Problem] = []
    racked = members_by_rack(topo)
    for rack in topo.racks.values():
        placed = racked[rack.id]
        name = rack.display_name()
        for element in placed:
            low, high = span(element)
            if high > rack.height_u:
                what = describe(element).capitalize()
                found.append(problem("rack-overflow", element.id,
                                     f"{what} occupies {span_text(low, high)} of rack {name}, which has only "
                                     f"{rack.height_u} U."))
        lows = [span(e)[0] for e in placed]
        for i, lower in enumerate(placed):
            low_a, high_a = span(lower)
            # Sorted by lowest U: the elements from i + 1 up to the first starting above
            # ``lower`` overlap it. Found by bisection, and at most MAX_COLLISIONS_NAMED of
            # them named, so thousands of elements stacked in one U stay linear.
            end = bisect_right(lows, high_a, i + 1)
            for upper in placed[i + 1:min(end, i + 1 + MAX_COLLISIONS_NAMED)]:
                low_b, high_b = span(upper)
                found.append(problem("rack-collision", upper.id,
                                     f"{describe(upper).capitalize()} ({span_text(low_b, high_b)}) and "
                                     f"{describe(lower)} ({span_text(low_a, high_a)}) overlap at U{low_b} "
                                     f"of rack {name}."))
            more = end - (i + 1) - MAX_COLLISIONS_NAMED
            if more > 0:
                found.append(problem("rack-collision", lower.id,
                                     f"{describe(lower).capitalize()} ({span_text(low_a, high_a)}) is also "
                                     f"overlapped by {more} more element{'s' if more > 1 else ''} above it "
                                     f"in rack {name}."))
    return found


