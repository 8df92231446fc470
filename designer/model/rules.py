"""Design rules (SPEC §6) that can be checked without solving.

Each finding is a ``Problem`` with a code, a severity, the element id and a
sentence a user understands. Route-dependent problems (``port-unwired``,
``no-route``) come from the solver's routing, and allocation problems
(``guarantee-oversubscribed``, ``floor-missed``) from the allocation; the solver
merges all three lists into its report.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import compress, repeat
from operator import and_, attrgetter, eq, gt, is_
from typing import Any, Mapping

from . import checks
from .columns import GuestColumns, as_list
from .elements import VM, Element, Nic, Server, Switch, VirtualFunction, VNic, split_port_end
from .racks import Rackable, describe, members_by_rack, span, span_text
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


def check_design(topo: Topology, *, per_element: bool = False, columns: GuestColumns | None = None) -> list[Problem]:
    """Rules that depend on the drawing alone, in a stable order.

    At data-centre scale nearly every element is in the common case, where no rule
    applies. That is decided for all VFs, and for all vNICs, at once (``_vf_rules``,
    ``_vnic_rules``); the VFs are then checked one by one only when some VF may break a
    rule, and the vNICs (``_vnic_rules_by_element``) only when some vNIC may. The problems
    are the same, in the same order, as ``per_element=True`` gives: every element checked
    one by one, the reference the fast path is tested against. A design whose references
    are broken (a VF outside a NIC, a vNIC naming a missing device) is checked element by
    element, and fails as it always did.

    ``columns``: the loader's columns of this design, unedited since (``model.columns``):
    the VFs' fields are then read from them. The vNICs are read from the objects either way
    (one lean loop over them measured faster than the same over the columns).
    """
    if per_element:
        return _check_by_element(topo)
    found: list[Problem] = []
    elements = topo.elements
    values: list[Any] = list(elements.values())
    types = list(map(type, values))
    present = set(types)

    def of_class(cls: type | tuple[type, ...]) -> list:
        """The elements of a class, in element order."""
        matching = [t for t in present if issubclass(t, cls)]
        if not matching:
            return []
        if len(matching) == 1:
            return list(compress(values, map(is_, types, repeat(matching[0]))))
        return list(compress(values, map(issubclass, types, repeat(cls))))

    is_vf = list(map(issubclass, types, repeat(VirtualFunction)))
    vfs: list[VirtualFunction] = list(compress(values, is_vf))
    vms: list[VM] = of_class(VM)
    loaded = columns.vf if columns is not None and vfs and columns.describes(topo, vms) else None
    vf_side = _vf_rules(elements, vfs, found, loaded)
    vf_users: VfUsers = {}
    nic_users: NicUsers = {}
    if vf_side is None:  # a VF outside a NIC: element by element, which fails as it always did
        _vf_rules_by_element(elements, found)
        vf_users, nic_users = _vnic_rules_by_element(elements, found)
    else:
        vf_nics, vf_parents = vf_side
        # The model keys each element by its id; the loader's columns are in element order.
        vf_ids = loaded["id"] if loaded is not None else list(compress(elements, is_vf))
        through = _vnic_rules(elements, vms, vf_ids, vf_parents, vf_nics)
        if through is None:
            vf_users, nic_users = _vnic_rules_by_element(elements, found)
        else:
            nic_users = through
    _sharing_problems(topo, vf_users, nic_users, found)

    rackable: list[Rackable] = of_class((Server, Switch))
    _cable_problems(topo, [e for e in rackable if isinstance(e, Switch)], found)
    if topo.racks:
        found.extend(check_racks(topo, rackable))
    return found


def _check_by_element(topo: Topology) -> list[Problem]:
    """``check_design`` element by element (the reference for its fast path)."""
    found: list[Problem] = []
    elements = topo.elements
    _vf_rules_by_element(elements, found)
    vf_users, nic_users = _vnic_rules_by_element(elements, found)
    _sharing_problems(topo, vf_users, nic_users, found)
    _cable_problems(topo, topo.switches, found)
    if topo.racks:
        found.extend(check_racks(topo))
    return found


# ------------------------------------------------------------------ VFs
_PORT = attrgetter("port")
_MIN, _MAX = attrgetter("min_gbps"), attrgetter("max_gbps")
_PARENT = attrgetter("parent")


def _vf_rules(elements: dict[str, Element], vfs: list[VirtualFunction], found: list[Problem],
              loaded: dict[str, Any] | None = None) -> tuple[dict[str, Nic], list[str]] | None:
    """The VF rules, decided for all VFs at once; the NICs that have VFs, by id, and each
    VF's NIC. None, with nothing found, when a VF's parent is not a NIC. ``loaded``: the
    loader's columns of these VFs (``GuestColumns.vf``), read instead of the objects."""
    def column(name: str, read: attrgetter) -> list:
        return list(map(read, vfs)) if loaded is None else as_list(loaded[name], len(vfs))

    parents = column("parent", _PARENT)
    vf_count = Counter(parents)  # NIC -> VFs, in order of first use
    nics: dict[str, Nic] = {}
    for nic_id in vf_count:
        nic = elements.get(nic_id)
        if not isinstance(nic, Nic):
            return None
        nics[nic_id] = nic
    if not vfs:
        return nics, parents
    # The common case of ``_vf_rules_by_element`` for every VF: the NICs, the highest
    # port against the fewest ports, one pass over the rates; else VF by VF as there.
    ports = column("port", _PORT)
    maxs = column("max_gbps", _MAX)
    if any(not (nic.sriov and nic.vf_min_rate and nic.vf_max_rate) for nic in nics.values()) \
            or not max(ports) < min(nic.ports for nic in nics.values()) \
            or any(map(and_, map(gt, maxs, repeat(0)), map(gt, column("min_gbps", _MIN), maxs))):
        for element in vfs:
            _vf_problems(element, nics[element.parent], found)
    limited = any(nic.max_vfs_per_port > 0 for nic in nics.values())
    _vf_limit_problems(elements, vf_count, Counter(zip(parents, ports)) if limited else {}, found)
    return nics, parents


def _vf_rules_by_element(elements: dict[str, Element], found: list[Problem]) -> None:
    vf_count: dict[str, int] = defaultdict(int)
    vf_port_count: dict[tuple[str, int], int] = defaultdict(int)
    for element in elements.values():
        if isinstance(element, VirtualFunction):
            vf_count[element.parent] += 1
            nic = elements[element.parent]
            assert isinstance(nic, Nic)  # the model keeps a VF inside a NIC
            vf_port_count[(nic.id, element.port)] += 1
            _vf_problems(element, nic, found)
    _vf_limit_problems(elements, vf_count, vf_port_count, found)


def _vf_problems(element: VirtualFunction, nic: Nic, found: list[Problem]) -> None:
    """The problems of one VF (none in the common case)."""
    if nic.sriov and element.port < nic.ports and nic.vf_min_rate and nic.vf_max_rate \
            and not (element.max_gbps > 0 and element.min_gbps > element.max_gbps):
        return  # none of the rules below applies (the common case, checked at once)
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


def _vf_limit_problems(elements: dict[str, Element], vf_count: Mapping[str, int],
                       vf_port_count: Mapping[tuple[str, int], int], found: list[Problem]) -> None:
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


# ---------------------------------------------------------------- vNICs
VfUsers = dict[str, list[tuple[str, int]]]  # VF -> [(vm, vNIC index)]
NicUsers = dict[str, list[tuple[str, int, str]]]  # NIC -> [(vm, vNIC index, mode)]


def _vnic_rules(elements: dict[str, Element], vms: list[VM], vf_ids: list[str], vf_parents: list[str],
                vf_nics: dict[str, Nic]) -> NicUsers | None:
    """Whether every vNIC is in the common case, decided in one pass over the vNICs that
    only gathers what they use: then no vNIC rule applies and no VF is shared, and the
    users of each NIC passed through are returned (for ``passthrough-shared``). None when
    some vNIC may break a rule, or names a VF or NIC that is not one:
    ``_vnic_rules_by_element`` then checks them one by one. ``vf_ids``, ``vf_parents``: every
    VF and its NIC; ``vf_nics``: those NICs."""
    vf_hosts: dict[str | None, str] = {}  # VF -> the server of the (last) VM using it
    vf_mode = 0
    uses: set[tuple] = set()  # the other vNICs' (NIC, server, port, mode, floor above the cap)
    for vm in vms:
        host = vm.parent
        for vnic in vm.vnics:
            if vnic.mode == "vf":
                vf_hosts[vnic.vf] = host
                vf_mode += 1
            else:
                uses.add((vnic.nic, host, vnic.port, vnic.mode, vnic.max_gbps > 0 and vnic.min_gbps > vnic.max_gbps))
    if vf_hosts:
        if len(vf_hosts) < vf_mode or None in vf_hosts or "" in vf_hosts:
            return None  # a VF used twice, or vNICs without a VF
        home = {nic_id: nic.parent for nic_id, nic in vf_nics.items()}
        # Each VF used lives on its VM's server: then the VFs whose NIC's server is the
        # server ``vf_hosts`` names are as many as the VFs used.
        if sum(map(eq, map(vf_hosts.get, vf_ids), map(home.__getitem__, vf_parents))) != len(vf_hosts):
            return None
    nics: dict[str, Element | None] = {}
    through: set[str] = set()  # the NICs passed through
    for nic_id, host, port, mode, floor_above_cap in uses:
        if floor_above_cap:
            return None
        if not nic_id:
            continue
        nic = nics[nic_id] if nic_id in nics else nics.setdefault(nic_id, elements.get(nic_id))
        if not isinstance(nic, Nic) or nic.parent != host or not port < nic.ports:
            return None
        if mode == "passthrough":
            server = elements.get(nic.parent)
            if isinstance(server, Server) and not server.iommu:
                return None
            through.add(nic_id)
    nic_users: NicUsers = {}
    if through:  # the users of those NICs, in the order of ``_vnic_rules_by_element``
        for vm in vms:
            for index, vnic in enumerate(vm.vnics):
                if vnic.mode != "vf" and vnic.nic in through:
                    nic_users.setdefault(vnic.nic, []).append((vm.id, index, vnic.mode))
    return nic_users


def _vnic_rules_by_element(elements: dict[str, Element], found: list[Problem]) -> tuple[VfUsers, NicUsers]:
    vf_users: VfUsers = defaultdict(list)
    nic_users: NicUsers = defaultdict(list)
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
                    found.append(_foreign_vf(vm, index, vf, vf_nic))
                continue
            if vnic.max_gbps > 0 and vnic.min_gbps > vnic.max_gbps:
                found.append(_vnic_floor_above_cap(vm, index, vnic))
            if not vnic.nic:
                continue
            nic = elements[vnic.nic]
            assert isinstance(nic, Nic)
            nic_users[nic.id].append((vm.id, index, mode))
            if nic.parent == server and vnic.port < nic.ports and mode != "passthrough":
                continue  # none of the rules below applies (the common case, checked at once)
            _vnic_nic_problems(elements, vm, index, vnic, nic, found)
    return vf_users, nic_users


def _foreign_vf(vm: VM, index: int, vf: VirtualFunction, vf_nic: Nic) -> Problem:
    return problem("foreign-device", vm.id,
                   f"VM {vm.id} vNIC {index}: "
                   f"{checks.other_server(f'VF {vf.id}', vf_nic.parent, vm.id, vm.parent)}.")


def _vnic_floor_above_cap(vm: VM, index: int, vnic: VNic) -> Problem:
    return problem("floor-above-cap", vm.id,
                   f"VM {vm.id} vNIC {index} guarantees {vnic.min_gbps:g} Gbit/s but is capped at "
                   f"{vnic.max_gbps:g} Gbit/s; the cap wins.")


def _vnic_nic_problems(elements: dict[str, Element], vm: VM, index: int, vnic: VNic, nic: Nic,
                       found: list[Problem]) -> None:
    """The problems of a vNIC on a NIC (not a VF): device, port and passthrough."""
    server = vm.parent
    who = f"VM {vm.id} vNIC {index}"
    if nic.parent != server:
        found.append(problem("foreign-device", vm.id,
                             f"{who}: {checks.other_server(f'NIC {nic.id}', nic.parent, vm.id, server)}."))
    if vnic.port >= nic.ports:
        found.append(problem("bad-port", vm.id,
                             f"{who} uses port {vnic.port} of NIC {nic.id}, which has only ports "
                             f"0–{nic.ports - 1}."))
    if vnic.mode == "passthrough":
        host = elements.get(nic.parent)
        if isinstance(host, Server) and not host.iommu:
            found.append(problem("passthrough-no-iommu", vm.id,
                                 f"{who}: {checks.no_iommu(host.id, nic.id)}."))


def _sharing_problems(topo: Topology, vf_users: VfUsers, nic_users: NicUsers, found: list[Problem]) -> None:
    """``vf-shared`` and ``passthrough-shared``, in the order the VFs and NICs were first used."""
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


# -------------------------------------------------------------- cables
def _cable_problems(topo: Topology, switches: list[Switch], found: list[Problem]) -> None:
    """``switch-ports`` (NIC cables per switch) and ``parallel-links`` (cables between the
    same two nodes). ``switches``: the design's switches, in element order."""
    elements = topo.elements
    switch_ids = {switch.id for switch in switches}
    nic_cables: dict[str, int] = defaultdict(int)
    pairs: dict[frozenset, list[str]] = defaultdict(list)
    for link in topo.links.values():
        a, b = link.a, link.b
        a_known, b_known = a in elements, b in elements
        if b in switch_ids and not a_known and split_port_end(a) is not None:
            nic_cables[b] += 1
        if a in switch_ids and not b_known and split_port_end(b) is not None:
            nic_cables[a] += 1
        if a_known and b_known:
            pairs[frozenset((a, b))].append(link.id)
    for switch in switches:
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


def _hardware(nic: Nic) -> str:
    """The NIC model and driver as a user names them, e.g. "Intel X710-DA2, driver i40e"."""
    parts = [nic.model or "model not set", f"driver {nic.driver}" if nic.driver else "driver not set"]
    return ", ".join(parts)


def check_racks(topo: Topology, rackable: list[Rackable] | None = None) -> list[Problem]:
    """``rack-overflow`` for an element past the top of its rack (below U1 cannot be
    written: ``rack_u`` starts at 1), ``rack-collision`` once per overlapping pair,
    named on the higher of the two (the later in the file on a tie). ``rackable``: the
    design's servers and switches in element order, if the caller has them."""
    found: list[Problem] = []
    racked = members_by_rack(topo) if rackable is None else members_by_rack(topo, rackable)
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


