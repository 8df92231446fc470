"""Rebuild the bundled example projects (run from the repository root:
``.venv/bin/python resources/examples/make_examples.py``)."""

import math
from pathlib import Path

from designer.catalogue import entry, preset
from designer.fileformat import save
from designer.generate import generate
from designer.model import VM, Link, Network, Nic, Rack, Server, Switch, Topology, VirtualFunction, VNic
from designer.model.elements import COST_PRESETS
from designer.solver import solve

HERE = Path(__file__).resolve().parent


def catalogue_nic(nic_id: str, parent: str, name: str, **design) -> Nic:
    """A NIC exactly as the catalogue entry ``name`` describes it (model, ports, driver limits)."""
    return Nic(id=nic_id, parent=parent, **preset(entry(name)), **design)


def mail_rack() -> Topology:
    elements = [
        Network(id="wan", label="Clients / Internet", x=300, y=-420),
        Network(id="san", label="Storage network", x=900, y=-420),
        Switch(id="tor", label="ToR 48×25G", ports=48, port_gbps=25, x=600, y=-250, rack="rack1", rack_u=42),
        Server(id="h1", label="Mail host", vmm_io_cores=2, rack="rack1", rack_u=20, x=0, y=0),
        # ice enforces min_tx_rate: the mail server's guarantee is a real one.
        catalogue_nic("h1n0", "h1", "Intel E810-XXVDA2", netdevs=["ens1f0", "ens1f1"]),
        VirtualFunction(id="h1n0v0", parent="h1n0", port=0, min_gbps=5, label="mail VF"),
        VM(id="mail", parent="h1", label="Mail server",
           vnics=[VNic(mode="vf", vf="h1n0v0", tx_gbps=8, rx_gbps=2, to="wan")]),
        VM(id="web1", parent="h1", label="Web 1",
           vnics=[VNic(mode="paravirtual", nic="h1n0", port=0, tx_gbps=6, rx_gbps=3, to="wan")]),
        VM(id="web2", parent="h1", label="Web 2",
           vnics=[VNic(mode="paravirtual", nic="h1n0", port=1, tx_gbps=4, rx_gbps=2, to="wan")]),
        VM(id="legacy", parent="h1", label="Legacy CRM (e1000)",
           vnics=[VNic(mode="emulated", nic="h1n0", port=1, tx_gbps=1.5, rx_gbps=1, to="wan")]),
        Server(id="h2", label="App host", vmm_io_cores=4, rack="rack1", rack_u=21, height_u=2, x=760, y=0),
        # i40e refuses min_tx_rate: the database VF's minimum is reported as guarantee-unsupported.
        catalogue_nic("h2n0", "h2", "Intel X710-DA2", netdevs=["ens2f0", "ens2f1"]),
        catalogue_nic("h2n1", "h2", "NVIDIA ConnectX-6 Dx 2×25G", netdevs=["ens3f0np0", "ens3f1np1"]),
        VirtualFunction(id="h2n0v0", parent="h2n0", port=1, min_gbps=4, max_gbps=8, label="db VF"),
        VM(id="app1", parent="h2", label="App 1",
           vnics=[VNic(mode="paravirtual", nic="h2n0", port=0, tx_gbps=4, rx_gbps=5, to="wan")]),
        VM(id="app2", parent="h2", label="App 2",
           vnics=[VNic(mode="paravirtual", nic="h2n0", port=0, tx_gbps=3, rx_gbps=4, weight=2, to="wan")]),
        VM(id="db", parent="h2", label="Database",
           vnics=[VNic(mode="vf", vf="h2n0v0", tx_gbps=6, rx_gbps=3, to="wan")]),
        VM(id="backup", parent="h2", label="Backup (passthrough)",
           vnics=[VNic(mode="passthrough", nic="h2n1", port=0, tx_gbps=20, rx_gbps=4, packet_bytes=9000, to="san")]),
    ]
    links = [
        Link(a="h1n0:0", b="tor"), Link(a="h1n0:1", b="tor"), Link(a="h2n0:0", b="tor"),
        Link(a="h2n0:1", b="tor"), Link(a="h2n1:0", b="tor"),
        Link(a="tor", b="wan", gbps=100), Link(a="tor", b="san", gbps=100),
    ]
    return Topology.build(
        elements, links,
        title="Mail rack: SR-IOV guarantees next to paravirtual guests",
        racks=[Rack(id="rack1", label="Mail rack", height_u=42)],
        notes=("The mail server keeps a guaranteed 5 Gbit/s on its own SR-IOV virtual function, on an Intel "
               "E810-XXVDA2 whose ice driver enforces a VF minimum (min_tx_rate). The paravirtual and emulated "
               "guests pass through h1's VMM, whose 2 I/O cores are used up (the Problems dock says saturated): "
               "they are throttled, while the mail server, bypassing the VMM, is not. Give h1 4 VMM cores and "
               "every guest on it gets its full demand.\n\n"
               "The database on h2 asks for 4 Gbit/s on a VF of an Intel X710-DA2. Its i40e driver refuses "
               "min_tx_rate, so that minimum is no guarantee: the Problems dock shows guarantee-unsupported, and "
               "the 6 Gbit/s the database gets today only holds while port 1 stays quiet. Move the database VF "
               "to the E810 or the ConnectX-6 Dx to make it hold."),
    )


def two_rack_proposal() -> Topology:
    topo = generate(2, 6, 8, mix=["vf", "paravirtual", "paravirtual", "emulated"], seed=7)
    topo.title = "Two-rack proposal: 12 hosts, 96 guests"
    # Sized so the proposal holds at its own demand: 2 × 100G from each ToR to the core and
    # 4 × 100G from the core to the WAN (each modelled as one link of the summed capacity),
    # virtio with TSO/GSO as the guests run it, and each host's VMM I/O budget sized for its
    # guests with at least 20 % headroom.
    for link in topo.links.values():
        if link.b == "core" or link.a == "core":
            link.gbps = 400.0 if "wan" in (link.a, link.b) else 200.0
    topo.cost_model = COST_PRESETS["virtio-tso"].cost_model("virtio-tso")
    for server in topo.servers:
        server.vmm_io_cores = 1000.0
    need = solve(topo).server_vmm_cores
    for server in topo.servers:
        server.vmm_io_cores = float(max(4, math.ceil(need.get(server.id, 0.0) / 0.8)))
    topo.notes = ("Two racks behind a core switch, sized so that nothing is full at the offered demand: each "
                  "ToR has 2 × 100G to the core and the core 4 × 100G to the WAN (one link each, of the summed "
                  "capacity), the guests' virtio NICs use TSO/GSO (the 'virtio with TSO/GSO' cost model), and "
                  "each host's VMM I/O budget leaves at least 20 % headroom. A quarter of the SR-IOV guests carry "
                  "a 0.5 Gbit/s guarantee, which the hosts' E810 NICs enforce. The emulated (e1000) guests are "
                  "what drive some hosts to 8–12 VMM cores: moving them to virtio would free most of those.")
    return topo


if __name__ == "__main__":
    save(mail_rack(), HERE / "mail-rack.rackio")
    save(two_rack_proposal(), HERE / "two-rack-proposal.rackio")
    print("examples written")
