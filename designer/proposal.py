"""What a proposal document says about a design, without Qt.

The PDF report (``designer/ui/proposal_pdf.py``) and ``rackio report --bom-csv`` read
these tables: the verdict on the cover, the per-server, guarantee, resource and problem
tables, and the bill of materials. Every table is a ``Table`` of strings (a title,
column headers and rows), so the renderer only lays text out and the tests read the
same figures the document prints.

A server *type* is the hardware a buyer orders: the same core count, VMM I/O budget,
VT-d setting and the same set of NICs (model, ports and port speed, counted). Two
servers that differ only in name, rack or guests are the same type.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from .model.elements import VM, Link, Nic, Server, Switch, VirtualFunction, split_port_end
from .model.racks import members, span
from .model.topology import Topology
from .solver.flows import MODE_NAMES

FLOOR_TOLERANCE = 1e-6
SEVERITIES = ("error", "warning", "info")
SEVERITY_TITLES = {"error": "Errors", "warning": "Warnings", "info": "Notes"}
MODE_TITLES = {"emulated": "emulated", "paravirtual": "paravirtual", "vf": "SR-IOV VF", "passthrough": "passthrough"}
UNSUPPORTED_CODE = "guarantee-unsupported"  # the driver cannot enforce a VF's minimum rate
DEFAULT_SWITCH_LINK_GBPS = 100.0  # the solver's capacity for a switch link without gbps


@dataclass
class Table:
    """A titled table of text cells; ``numeric`` marks right-aligned columns."""

    title: str
    header: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)
    widths: list[float] | None = None  # relative column widths (None: even)
    note: str = ""  # one sentence under the title


def _num(value: float, digits: int = 2) -> str:
    text = f"{float(value):.{digits}f}"
    return "0" if float(text) == 0 else text


def _pct(value: float) -> str:
    return f"{float(value) * 100:.1f}\u00a0%"  # a no-break space: "%" never wraps alone


def _gbps(value: float) -> str:
    return f"{float(value):g}"


def name_of(topo: Topology, element_id: str) -> str:
    """``label (id)`` when the element has a label that differs from its id."""
    element = topo.elements.get(element_id)
    if element is None or not element.label or element.label == element_id:
        return element_id
    return f"{element.label} ({element_id})"


# ------------------------------------------------------------------ resources
def describe_resource(resource_id: str, topo: Topology) -> str:
    """A resource id in words: ``vmm:h1`` → "VMM of server Host 1"."""
    kind, _, rest = resource_id.partition(":")
    if kind == "vmm":
        return f"VMM of {name_of(topo, rest)}"
    if kind == "pcie":
        nic, _, direction = rest.rpartition(":")
        return f"PCIe link of NIC {nic} ({direction})"
    if kind == "port":
        parts = rest.split(":")
        if len(parts) == 3:
            nic, port, direction = parts
            server = topo.server_of(nic) if nic in topo.elements else None
            where = f" in {server.display_name()}" if server is not None else ""
            return f"port {port} of NIC {nic}{where} ({direction})"
    if kind == "link":
        link_id, _, direction = rest.rpartition(":")
        link = topo.links.get(link_id)
        if link is not None:
            a, b = (link.a, link.b) if direction == "ab" else (link.b, link.a)
            return f"cable {a} → {b}"
    return resource_id


# ------------------------------------------------------------------- verdict
@dataclass
class Verdict:
    sound: bool
    reasons: list[str]  # why it is not sound (empty when sound)
    paragraph: str  # the cover's paragraph, ending with the verdict in plain words
    guarantees: int  # guaranteed minimums in the design
    guarantees_missed: int
    errors: int
    warnings: int


def verdict(topo: Topology, solution) -> Verdict:
    """Sound = no error-severity problem, every guaranteed minimum met and no resource
    saturated (a saturated resource throttles some guest below what it asks for)."""
    fs = solution.flows
    missed = int(solution.guarantees_missed)
    guaranteed = int(np.count_nonzero(fs.min_gbps > 0))
    errors = sum(1 for p in solution.problems if p.severity == "error")
    warnings = sum(1 for p in solution.problems if p.severity == "warning")
    saturated = [fs.resource_ids[r] for r in np.flatnonzero(solution.saturated).tolist()]

    sentences: list[str] = []
    if solution.peak_resource:
        sentences.append(f"Peak utilisation is {_pct(solution.peak_utilization)} on "
                         f"{describe_resource(solution.peak_resource, topo)} ({solution.peak_resource}).")
    else:
        sentences.append("No resource carries traffic.")
    budget = sum(float(s.vmm_io_cores) for s in topo.servers)
    used = solution.total_vmm_cores
    vmm = f"The VMMs spend {_num(used)} of {_num(budget)} budgeted cores on I/O"
    records = solution.server_records()
    if records:
        worst = max(records, key=lambda r: (r["vmm_utilization"], r["id"]))
        vmm += f"; the busiest is {name_of(topo, worst['id'])} at {_pct(worst['vmm_utilization'])} of its budget"
    sentences.append(vmm + ".")
    if guaranteed:
        sentences.append(f"{missed} of {guaranteed} guaranteed minimum{'s' * (guaranteed != 1)} "
                         f"{'is' if missed == 1 else 'are'} missed.")
    else:
        sentences.append("No guest has a guaranteed minimum.")
    sentences.append(f"The design rules report {errors} error{'s' * (errors != 1)} and "
                     f"{warnings} warning{'s' * (warnings != 1)}.")

    reasons: list[str] = []
    if errors:
        codes = Counter(p.code for p in solution.problems if p.severity == "error")
        listed = ", ".join(f"{code} ×{n}" if n > 1 else code for code, n in sorted(codes.items()))
        reasons.append(f"{errors} design error{'s' * (errors != 1)} ({listed})")
    if missed:
        reasons.append(f"{missed} guaranteed minimum{'s' * (missed != 1)} not met")
    if saturated:
        shown = ", ".join(saturated[:3]) + (f" and {len(saturated) - 3} more" if len(saturated) > 3 else "")
        reasons.append(f"{len(saturated)} saturated resource{'s' * (len(saturated) != 1)} ({shown}) "
                       "throttle guests below their demand")
    sound = not reasons
    if sound:
        sentences.append("Verdict: the design is sound — every guarantee holds, nothing saturates and "
                         "no design rule is broken.")
    else:
        sentences.append("Verdict: the design is not sound: " + "; ".join(reasons) + ".")
    return Verdict(sound, reasons, " ".join(sentences), guaranteed, missed, errors, warnings)


# -------------------------------------------------------------------- tables
def server_table(topo: Topology, solution) -> Table:
    """Per server: VMM cores by mode against the budget, NICs and guests."""
    by_mode = solution.vmm_cores_by_mode()
    utilization = {r["id"]: r["vmm_utilization"] for r in solution.server_records()}
    rows = []
    for server in topo.servers:
        modes = by_mode.get(server.id, {})
        total = sum(modes.values())
        nics = topo.nics_of(server.id)
        nic_text = ", ".join(f"{n}× {m}" for m, n in sorted(Counter(nic_model(x) for x in nics).items())) or "none"
        rows.append([name_of(topo, server.id), server.rack or "—",
                     *[_num(modes.get(m, 0.0)) for m in MODE_NAMES],
                     _num(total), _num(server.vmm_io_cores), _pct(utilization.get(server.id, 0.0)),
                     nic_text, str(len(topo.vms_of(server.id)))])
    header = ["Server", "Rack", "Emulated", "Paravirt.", "SR-IOV VF", "Passthr.", "VMM cores", "Budget",
              "Use", "NICs", "Guests"]
    return Table("VMM load per server", header, rows, numeric={2, 3, 4, 5, 6, 7, 8, 10},
                 widths=[2.4, 0.9, 1, 1, 1, 1, 1, 0.9, 0.9, 2.6, 0.8],
                 note="Cores each server's VMM spends on I/O, by the guests' attachment mode, against its budget.")


def _unsupported(solution) -> set[str]:
    return {p.element for p in solution.problems if p.code == UNSUPPORTED_CODE}


def guarantee_table(topo: Topology, solution) -> Table:
    """Every guaranteed minimum: admitted or not, met or not, and on what hardware."""
    fs = solution.flows
    unsupported = _unsupported(solution)
    rows = []
    for f in np.flatnonzero(fs.min_gbps > 0).tolist():
        vm = topo.elements.get(fs.vm_ids[f])
        index = int(fs.vnic_index[f])
        vnic = vm.vnics[index] if isinstance(vm, VM) and index < len(vm.vnics) else None
        hardware, device = "—", None
        if vnic is not None:
            device = vnic.device()
            nic_id, port = vnic.nic, vnic.port
            vf = topo.elements.get(vnic.vf) if vnic.mode == "vf" and vnic.vf else None
            if isinstance(vf, VirtualFunction):
                nic_id, port = vf.parent, vf.port
            nic = topo.elements.get(nic_id) if nic_id else None
            if isinstance(nic, Nic):
                server = topo.server_of(nic.id)
                hardware = f"{'VF ' + vf.id + ' on ' if vf is not None else ''}{nic_model(nic)} {nic.id} port {port}"
                if server is not None:
                    hardware += f", {server.display_name()}"
        requested = float(fs.min_gbps[f])
        floor = float(solution.floor[f])
        admitted = float(solution.admitted_floor[f])
        if floor + FLOOR_TOLERANCE < requested:
            admitted_text = f"capped at demand {_gbps(round(floor, 6))}"
        elif admitted + FLOOR_TOLERANCE >= floor:
            admitted_text = "yes"
        else:
            admitted_text = f"reduced to {_gbps(round(admitted, 6))}"
        if device is not None and (device in unsupported or (vm is not None and vm.id in unsupported)):
            met = "unsupported by driver"
        else:
            met = "yes" if bool(solution.floor_met[f]) else "NO"
        rows.append([name_of(topo, fs.vm_ids[f]), str(index), MODE_TITLES.get(MODE_NAMES[fs.mode[f]], ""),
                     hardware, _gbps(round(requested, 6)), admitted_text, _num(solution.rate[f], 3), met])
    header = ["Guest", "vNIC", "Mode", "Hardware", "Guaranteed", "Admitted", "Rate", "Met"]
    return Table("Guaranteed minimums", header, rows, numeric={1, 4, 6},
                 widths=[2.2, 0.6, 1.1, 3.6, 1.1, 1.4, 0.9, 1.2],
                 note="Every guaranteed minimum (Gbit/s, transmit direction): whether admission kept it, "
                      "whether the rate meets it, and the device that enforces it.")


def worst_resources_table(topo: Topology, solution, top: int = 15) -> Table:
    records = sorted(solution.resource_records(), key=lambda r: (-round(r["utilization"], 9), r["id"]))
    rows = []
    for r in records[:top]:
        unit = "cores" if r["kind"] == "vmm" else "Gbit/s"
        rows.append([r["id"], describe_resource(r["id"], topo), _num(r["load"], 3), _num(r["capacity"], 3), unit,
                     _pct(r["utilization"]), _num(r["reserved"], 3), "SATURATED" if r["saturated"] else ""])
    header = ["Resource", "What", "Load", "Capacity", "Unit", "Use", "Reserved", ""]
    return Table(f"Worst resources (top {min(top, len(records))} of {len(records)})", header, rows,
                 numeric={2, 3, 5, 6}, widths=[2.4, 3.2, 0.9, 0.9, 0.7, 0.8, 0.9, 1.1])


def problem_tables(topo: Topology, solution) -> list[Table]:
    """Problems grouped by severity, errors first; one table per severity present."""
    grouped: dict[str, list[list[str]]] = defaultdict(list)
    for p in solution.problems:
        grouped[p.severity].append([p.code, p.element, p.message])
    out = []
    for severity in SEVERITIES:
        if grouped.get(severity):
            out.append(Table(f"{SEVERITY_TITLES[severity]} ({len(grouped[severity])})", ["Code", "Element", "Message"],
                             grouped[severity], widths=[1.6, 1.4, 6]))
    return out


# --------------------------------------------------------------- bill of materials
def nic_model(nic: Nic) -> str:
    """The catalogue model of a NIC, or its shape when it has none."""
    return nic.model.strip() if nic.model.strip() else f"generic {nic.ports}× {_gbps(nic.port_gbps)}G"


def server_type_key(topo: Topology, server: Server) -> tuple:
    nics = Counter((nic_model(n), n.ports, float(n.port_gbps)) for n in topo.nics_of(server.id))
    return (int(server.cores), float(server.vmm_io_cores), bool(server.iommu), int(server.height_u),
            tuple(sorted(nics.items())))


def server_type_text(key: tuple) -> str:
    cores, vmm, iommu, height, nics = key
    nic_text = " + ".join(f"{n}× {model}" for (model, _ports, _gbps), n in nics) or "no NIC"
    return (f"{cores} cores, {_gbps(vmm)} VMM I/O cores, {'VT-d' if iommu else 'no VT-d'}, {height} U; {nic_text}")


def cable_speed(topo: Topology, link: Link) -> float:
    """The speed a cable runs at, as the solver takes it."""
    if link.gbps is not None:
        return float(link.gbps)
    found = _nic_end(topo, link)
    if found is None:
        return DEFAULT_SWITCH_LINK_GBPS
    nic_end, nic = found
    far = topo.elements.get(link.other_end(nic_end))
    speed = float(nic.port_gbps)
    if isinstance(far, Switch):
        speed = min(speed, float(far.port_gbps))
    return speed


def _nic_end(topo: Topology, link: Link) -> tuple[str, Nic] | None:
    """A cable's NIC-port end and its NIC (the first, as ``a`` before ``b``), if it has one."""
    for end in (link.a, link.b):
        split = split_port_end(end)
        nic = topo.elements.get(split[0]) if split is not None else None
        if isinstance(nic, Nic):
            return end, nic
    return None


def cable_kind(topo: Topology, link: Link) -> str:
    """NIC–switch, NIC–network, switch–switch or switch–network."""
    kinds = []
    for end in (link.a, link.b):
        split = split_port_end(end)
        if split is not None and split[0] in topo.elements and end not in topo.elements:
            kinds.append("NIC")
        else:
            element = topo.elements.get(end)
            kinds.append({"switch": "switch", "network": "network"}.get(getattr(element, "KIND", ""), "other"))
    order = {"NIC": 0, "switch": 1, "network": 2, "other": 3}
    kinds.sort(key=order.__getitem__)
    return "–".join(kinds)


@dataclass
class BillOfMaterials:
    servers: Table
    nics: Table
    vfs: Table
    switches: Table
    cables: Table
    racks: Table

    @property
    def tables(self) -> list[Table]:
        return [self.servers, self.nics, self.vfs, self.switches, self.cables, self.racks]

    def to_csv(self) -> str:
        """One CSV: a ``section`` column, then each section's own columns (header row first)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for table in self.tables:
            writer.writerow(["section", *table.header])
            for row in table.rows:
                writer.writerow([table.title, *row])
        return buf.getvalue()


def switch_ports_used(topo: Topology, switch_id: str) -> int:
    """Every cable landing on the switch takes one port (NIC cables and uplinks alike)."""
    return sum(1 for link in topo.links.values() if switch_id in (link.a, link.b))


def bill_of_materials(topo: Topology) -> BillOfMaterials:
    types: dict[tuple, list[str]] = {}
    for server in topo.servers:
        types.setdefault(server_type_key(topo, server), []).append(server.id)
    server_rows = []
    for n, (key, ids) in enumerate(sorted(types.items(), key=lambda kv: (-len(kv[1]), kv[1][0])), start=1):
        shown = ", ".join(ids[:6]) + (f" … {len(ids) - 6} more" if len(ids) > 6 else "")
        server_rows.append([f"S{n}", server_type_text(key), str(len(ids)), shown])
    servers = Table("Servers by type", ["Type", "Hardware", "Count", "Servers"], server_rows, numeric={2},
                    widths=[0.6, 5, 0.7, 3.2],
                    note="A type is one core count, VMM I/O budget, VT-d setting, height and set of NICs.")

    nic_groups: dict[tuple, int] = Counter()
    for nic in topo.nics:
        nic_groups[(nic_model(nic), nic.ports, float(nic.port_gbps), float(nic.pcie_gbps))] += 1
    nics = Table("NICs by model", ["Model", "Ports", "Port speed (Gbit/s)", "PCIe (Gbit/s)", "Count"],
                 [[m, str(p), _gbps(g), _gbps(pc), str(n)] for (m, p, g, pc), n in sorted(nic_groups.items())],
                 numeric={1, 2, 3, 4}, widths=[3.5, 0.8, 1.5, 1.3, 0.8])

    vf_rows = []
    for nic in topo.nics:
        vfs = topo.vfs_of(nic.id)
        if not vfs and not nic.sriov:
            continue
        per_port = Counter(v.port for v in vfs)
        ports = ", ".join(f"port {p}: {n}" for p, n in sorted(per_port.items())) or "—"
        guaranteed = sum(1 for v in vfs if v.min_gbps > 0)
        host = topo.server_of(nic.id)
        vf_rows.append([nic.id, nic_model(nic), host.id if host is not None else "—", str(len(vfs)),
                        str(nic.max_vfs) if nic.sriov else "no SR-IOV", ports, str(guaranteed)])
    vfs_table = Table("Virtual functions per NIC",
                      ["NIC", "Model", "Server", "VFs", "Max VFs", "Per port", "With minimum"],
                      vf_rows, numeric={3, 4, 6}, widths=[1.4, 2.4, 1.4, 0.6, 1, 2, 1.1])

    switch_rows = []
    for switch in topo.switches:
        used = switch_ports_used(topo, switch.id)
        switch_rows.append([name_of(topo, switch.id), _gbps(switch.port_gbps), str(switch.ports), str(used),
                            str(max(0, switch.ports - used)), switch.rack or "—"])
    switches = Table("Switches", ["Switch", "Port speed (Gbit/s)", "Ports", "Used", "Free", "Rack"], switch_rows,
                     numeric={1, 2, 3, 4}, widths=[3, 1.5, 0.8, 0.8, 0.8, 1.2],
                     note="Every cable landing on a switch takes one port: NIC cables and uplinks.")

    cable_groups: dict[tuple[str, float], int] = Counter()
    for link in topo.links.values():
        cable_groups[(cable_kind(topo, link), cable_speed(topo, link))] += 1
    kind_order = {"NIC–switch": 0, "NIC–network": 1, "switch–switch": 2, "switch–network": 3}
    cables = Table("Cables", ["Kind", "Speed (Gbit/s)", "Count"],
                   [[k, _gbps(s), str(n)] for (k, s), n in
                    sorted(cable_groups.items(), key=lambda kv: (kind_order.get(kv[0][0], 9), kv[0][1]))],
                   numeric={1, 2}, widths=[2, 1.2, 0.8],
                   note="Speed is the cable's own, else the slower of its two ports (switch links: 100 Gbit/s).")

    rack_rows = []
    for rack in topo.racks.values():
        occupied: set[int] = set()
        placed = members(topo, rack.id)
        for element in placed:
            low, high = span(element)
            occupied.update(u for u in range(low, high + 1) if 1 <= u <= rack.height_u)
        servers_in = sum(1 for e in placed if e.KIND == "server")
        rack_rows.append([rack.display_name() if rack.display_name() == rack.id else f"{rack.label} ({rack.id})",
                          str(rack.height_u), str(len(occupied)), str(rack.height_u - len(occupied)),
                          str(servers_in), str(len(placed) - servers_in)])
    racks = Table("Rack units", ["Rack", "Height (U)", "Used (U)", "Free (U)", "Servers", "Switches"], rack_rows,
                  numeric={1, 2, 3, 4, 5}, widths=[2.4, 1, 1, 1, 1, 1])
    return BillOfMaterials(servers, nics, vfs_table, switches, cables, racks)


def rack_selection(topo: Topology, rack_id: str) -> list[str]:
    """What one rack's diagram shows: its servers and switches, and the switches and
    networks its servers' NICs are cabled to."""
    ids = [e.id for e in members(topo, rack_id)]
    shown = set(ids)
    for element_id in list(ids):
        if topo.elements[element_id].KIND != "server":
            continue
        for nic in topo.nics_of(element_id):
            for port in range(nic.ports):
                far = topo.wired_to(nic.id, port)
                if far in topo.elements and far not in shown:
                    shown.add(far)
                    ids.append(far)
    return ids


# ------------------------------------------------------------------- the report
@dataclass
class Proposal:
    """Everything the document prints, in order."""

    title: str
    notes: str
    verdict: Verdict
    servers: Table
    guarantees: Table
    worst: Table
    problems: list[Table]
    bom: BillOfMaterials

    @property
    def tables(self) -> list[Table]:
        return [self.servers, self.guarantees, self.worst, *self.problems]


def build_proposal(topo: Topology, solution) -> Proposal:
    return Proposal(
        title=topo.title.strip() or "Untitled design",
        notes=topo.notes.strip(),
        verdict=verdict(topo, solution),
        servers=server_table(topo, solution),
        guarantees=guarantee_table(topo, solution),
        worst=worst_resources_table(topo, solution),
        problems=problem_tables(topo, solution),
        bom=bill_of_materials(topo),
    )


__all__ = ["Table", "Verdict", "BillOfMaterials", "Proposal", "build_proposal", "bill_of_materials", "verdict",
           "server_table", "guarantee_table", "worst_resources_table", "problem_tables", "describe_resource",
           "rack_selection"]
