"""Parametric projects: R racks × S servers × V VMs, for proposals, demos and benchmarks.

Layout: one network ``wan`` at the top, a core switch under it, a top-of-rack
switch per rack, and each rack's servers in a column under its switch, with
``rack``/``rack_u`` filled so the rack elevation shows them too.
"""

from __future__ import annotations

import random

from .model.elements import VM, Link, Network, Nic, Server, Switch, VirtualFunction, VNic
from .model.topology import Topology

SERVER_W, SERVER_H, SERVER_GAP = 360.0, 220.0, 40.0
RACK_GAP = 120.0


def generate(racks: int, servers_per_rack: int, vms_per_server: int, *,
             mix: list[str] | None = None, seed: int = 1) -> Topology:
    mix = mix or ["vf", "paravirtual"]
    rng = random.Random(seed)
    elements: list = []
    links: list[Link] = []
    width = racks * (SERVER_W + RACK_GAP)
    elements.append(Network(id="wan", label="Clients / WAN", x=width / 2 - 60, y=-420.0))
    elements.append(Switch(id="core", label="Core", ports=max(48, racks * 2), port_gbps=100.0,
                           x=width / 2 - 60, y=-260.0))
    # Uplinks sized like a real leaf/spine: 3:1 oversubscription at the ToR, 2:1 at the core.
    nic_gbps = 2 * 25.0
    tor_uplink = max(100.0, 100.0 * -(-servers_per_rack * nic_gbps // 300))
    links.append(Link(a="core", b="wan", gbps=max(tor_uplink, 100.0 * -(-racks * tor_uplink // 200))))
    # Each server offers about 60 % of its NIC bandwidth in total, spread over its VMs.
    mean_gbps = min(2.0, 0.6 * nic_gbps / 2 / max(1, vms_per_server))
    for r in range(1, racks + 1):
        rack = f"rack{r}"
        x0 = (r - 1) * (SERVER_W + RACK_GAP)
        tor = f"r{r}-tor"
        elements.append(Switch(id=tor, label=f"Rack {r} ToR", ports=max(48, servers_per_rack * 2),
                               port_gbps=25.0, x=x0 + SERVER_W / 2 - 60, y=-120.0))
        links.append(Link(a=tor, b="core", gbps=tor_uplink))
        for s in range(1, servers_per_rack + 1):
            host = f"r{r}s{s}"
            elements.append(Server(id=host, label=f"Host {r}.{s}", rack=rack, rack_u=s,
                                   x=x0, y=(s - 1) * (SERVER_H + SERVER_GAP)))
            nic = Nic(id=f"{host}n0", parent=host, model="Intel E810-XXVDA2", ports=2, port_gbps=25.0,
                      pcie_gbps=63.0, max_vfs=256)
            elements.append(nic)
            for port in range(2):
                links.append(Link(a=f"{nic.id}:{port}", b=tor))
            for v in range(1, vms_per_server + 1):
                mode = rng.choice(mix)
                port = v % 2
                tx = round(mean_gbps * rng.uniform(0.2, 1.8), 3)
                rx = round(mean_gbps * rng.uniform(0.2, 1.8), 3)
                vm_id = f"{host}vm{v}"
                if mode == "vf":
                    vf_id = f"{nic.id}vf{v}"
                    guaranteed = 0.5 if v % 4 == 1 else 0.0
                    elements.append(VirtualFunction(id=vf_id, parent=nic.id, port=port, min_gbps=guaranteed))
                    vnic = VNic(mode="vf", vf=vf_id, tx_gbps=tx, rx_gbps=rx)
                else:
                    vnic = VNic(mode=mode, nic=nic.id, port=port, tx_gbps=tx, rx_gbps=rx)
                elements.append(VM(id=vm_id, parent=host, vnics=[vnic]))
    title = f"Generated: {racks} racks × {servers_per_rack} servers × {vms_per_server} VMs"
    return Topology.build(elements, links, title=title, check=False)
