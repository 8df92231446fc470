"""Parametric projects: R racks × S servers × V VMs, for proposals, demos and benchmarks.

Layout: one network ``wan`` at the top, a core switch under it, a top-of-rack
switch per rack, and each rack's servers in a block under its switch; racks in rows
of at most ten, like a data hall's rows. Each rack
is also a ``Rack`` of the design (42 U, or taller for many servers, at most 100 U):
servers from U1 upwards, the ToR switch in the top slot and the core switch under
it in the first rack; servers that do not fit stay unracked.
"""

from __future__ import annotations

import math
import random

from .catalogue import entry, preset
from .layout import SWITCH_W, nic_size, server_layout
from .model.elements import (
    VM,
    Link,
    Network,
    Nic,
    Rack,
    Server,
    Switch,
    VirtualFunction,
    VNic,
)
from .model.topology import Topology

SERVER_GAP = 40.0
RACK_GAP = 120.0
RACKS_PER_ROW = 10  # a data-hall row; more racks start the next row
AISLE = 480.0  # between a row's lowest server and the next row's servers (its ToRs stand in it)


def generate(racks: int, servers_per_rack: int, vms_per_server: int, *,
             mix: list[str] | None = None, seed: int = 1) -> Topology:
    mix = mix or ["vf", "paravirtual"]
    rng = random.Random(seed)
    # Every generated host has the catalogue's E810-XXVDA2, so its label and limits are true.
    e810 = preset(entry("Intel E810-XXVDA2") or {})
    elements: list = []
    links: list[Link] = []
    # Uplinks sized like a real leaf/spine: 3:1 oversubscription at the ToR, 2:1 at the core.
    nic_gbps = 2 * 25.0
    tor_uplink = max(100.0, 100.0 * -(-servers_per_rack * nic_gbps // 300))
    core_uplink = max(tor_uplink, 100.0 * -(-racks * tor_uplink // 200))
    # Each server offers about 60 % of its NIC bandwidth in total, spread over its VMs.
    mean_gbps = min(2.0, 0.6 * nic_gbps / 2 / max(1, vms_per_server))
    columns: list[tuple[Switch, list[tuple[Server, float, float]]]] = []
    height_u = min(100, max(42, servers_per_rack + 2))
    rack_list = [Rack(id=f"rack{r}", label=f"Rack {r}", height_u=height_u) for r in range(1, racks + 1)]
    for r in range(1, racks + 1):
        rack = f"rack{r}"
        tor = Switch(id=f"r{r}-tor", label=f"Rack {r} ToR", ports=48, port_gbps=25.0,
                     rack=rack, rack_u=height_u)
        elements.append(tor)
        links.append(Link(a=tor.id, b="core", gbps=tor_uplink))
        cables_before = len(links)  # every link added for this rack from here on is a NIC cable to the ToR
        hosts = []
        for s in range(1, servers_per_rack + 1):
            host = Server(id=f"r{r}s{s}", label=f"Host {r}.{s}", rack=rack,
                          rack_u=s if s <= height_u - 2 else None)
            elements.append(host)
            nic = Nic(id=f"{host.id}n0", parent=host.id, **e810)
            elements.append(nic)
            for port in range(2):
                links.append(Link(a=f"{nic.id}:{port}", b=tor.id))
            vfs_per_port = {0: 0, 1: 0}
            nic_sizes = []
            for v in range(1, vms_per_server + 1):
                mode = rng.choice(mix)
                port = v % 2
                tx = round(mean_gbps * rng.uniform(0.2, 1.8), 3)
                rx = round(mean_gbps * rng.uniform(0.2, 1.8), 3)
                if mode == "vf":
                    vf_id = f"{nic.id}vf{v}"
                    guaranteed = 0.5 if v % 4 == 1 else 0.0
                    elements.append(VirtualFunction(id=vf_id, parent=nic.id, port=port, min_gbps=guaranteed))
                    vfs_per_port[port] += 1
                    vnic = VNic(mode="vf", vf=vf_id, tx_gbps=tx, rx_gbps=rx)
                elif mode == "passthrough":
                    # A passed-through NIC belongs to its guest alone: each such guest gets its own,
                    # cabled to the ToR like the host's NIC.
                    own = Nic(id=f"{host.id}pt{v}", parent=host.id, model="Intel E810-XXVDA2", ports=2,
                              port_gbps=25.0, pcie_gbps=63.0, sriov=False, max_vfs=256)
                    elements.append(own)
                    for own_port in range(2):
                        links.append(Link(a=f"{own.id}:{own_port}", b=tor.id))
                    nic_sizes.append(nic_size(2, {}))
                    vnic = VNic(mode="passthrough", nic=own.id, port=port, tx_gbps=tx, rx_gbps=rx)
                else:
                    vnic = VNic(mode=mode, nic=nic.id, port=port, tx_gbps=tx, rx_gbps=rx)
                elements.append(VM(id=f"{host.id}vm{v}", parent=host.id, vnics=[vnic]))
            box = server_layout([nic_size(2, vfs_per_port)] + nic_sizes, vms_per_server)
            hosts.append((host, box["width"], box["height"]))
        tor.ports = min(4096, max(48, len(links) - cables_before))
        columns.append((tor, hosts))

    # Place: each rack's servers in a block under its ToR, about as wide as it is tall, so
    # the ToR's cables fan out instead of sharing one corridor. Racks stand side by side in
    # rows of at most RACKS_PER_ROW, as in a data hall, the rows one under the other with
    # an aisle between them (the ToRs' uplinks climb the gaps between racks): fifty racks
    # in one row would be fitted on screen as slivers too narrow to say anything.
    x = y0 = width = 0.0
    row_bottom = 0.0
    for index, (tor, hosts) in enumerate(columns):
        if index and index % RACKS_PER_ROW == 0:
            x, y0 = 0.0, row_bottom + AISLE
        cell_w = max(w for _, w, _ in hosts)
        cell_h = max(h for _, _, h in hosts)
        per_row = max(1, min(len(hosts), round(math.sqrt(len(hosts) * cell_h / cell_w))))
        block_w = per_row * (cell_w + SERVER_GAP) - SERVER_GAP
        tor.x, tor.y = x + block_w / 2 - SWITCH_W / 2, y0 - 160.0
        for i, (host, _, _) in enumerate(hosts):
            host.x = x + (i % per_row) * (cell_w + SERVER_GAP)
            host.y = y0 + (i // per_row) * (cell_h + SERVER_GAP)
            row_bottom = max(row_bottom, host.y + cell_h)
        x += block_w + RACK_GAP
        width = max(width, x - RACK_GAP)
    elements.insert(0, Switch(id="core", label="Core", ports=max(48, racks * 2), port_gbps=100.0,
                              x=width / 2 - SWITCH_W / 2, y=-340.0, rack="rack1", rack_u=height_u - 1))
    elements.insert(0, Network(id="wan", label="Clients / WAN", x=width / 2 - 85, y=-520.0))
    links.insert(0, Link(a="core", b="wan", gbps=core_uplink))
    title = f"Generated: {racks} racks × {servers_per_rack} servers × {vms_per_server} VMs"
    return Topology.build(elements, links, title=title, check=False, racks=rack_list)


def _digits(n: int) -> int:
    return len(str(max(1, n)))


def size_problem(racks: int, servers_per_rack: int, vms_per_server: int, mix: list[str] | None = None) -> str | None:
    """Why a design of this size cannot be generated (its file would be refused on load), or None.

    Decided from the counts alone, before anything is built: the element and link counts are
    bounded exactly (a VM has at most one VF or passed-through NIC of its own), the file size is
    estimated from a small sample generated with the same mix, its per-VM and per-server bytes
    grown by the longer ids of the real size."""
    from .fileformat.project import MAX_ELEMENTS, MAX_FILE_BYTES, MAX_LINKS, dumps

    mix = mix or ["vf", "paravirtual"]
    servers = racks * servers_per_rack
    vms = servers * vms_per_server
    own_device = any(m in ("vf", "passthrough") for m in mix)
    elements = 2 + racks + servers * 2 + vms * (2 if own_device else 1)
    links = 1 + racks + servers * 2 + (vms * 2 if "passthrough" in mix else 0)
    if elements > MAX_ELEMENTS:
        return (f"{racks} racks × {servers_per_rack} servers × {vms_per_server} VMs makes up to {elements:,} "
                f"elements; a project holds at most {MAX_ELEMENTS:,}")
    if links > MAX_LINKS:
        return f"that size makes up to {links:,} cables; a project holds at most {MAX_LINKS:,}"
    sample_vms = 8
    empty = len(dumps(generate(1, 2, 0, mix=mix)))
    one = len(dumps(generate(1, 1, 0, mix=mix)))
    full = len(dumps(generate(1, 2, sample_vms, mix=mix)))
    per_server = empty - one
    per_vm = (full - empty) / (2 * sample_vms)
    longer = _digits(racks) - 1 + _digits(servers_per_rack) - 1  # each VM repeats its server's id ~6 times
    per_vm += 6 * longer + 3 * (_digits(vms_per_server) - 1)
    per_server += 8 * longer
    estimate = one + racks * 400 + servers * per_server + vms * per_vm
    if estimate > MAX_FILE_BYTES:
        return (f"{racks} racks × {servers_per_rack} servers × {vms_per_server} VMs would be a file of about "
                f"{estimate / 2**20:,.0f} MiB; project files over {MAX_FILE_BYTES // 2**20} MiB are refused")
    return None
