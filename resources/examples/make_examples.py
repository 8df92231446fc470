"""Rebuild the bundled example projects (run from the repository root:
``.venv/bin/python resources/examples/make_examples.py``)."""

from pathlib import Path

from designer.fileformat import save
from designer.generate import generate
from designer.model import VM, Link, Network, Nic, Rack, Server, Switch, Topology, VirtualFunction, VNic

HERE = Path(__file__).resolve().parent


def mail_rack() -> Topology:
    elements = [
        Network(id="wan", label="Clients / Internet", x=300, y=-420),
        Network(id="san", label="Storage network", x=900, y=-420),
        Switch(id="tor", label="ToR 48×25G", ports=48, port_gbps=25, x=600, y=-250, rack="rack1", rack_u=42),
        Server(id="h1", label="Mail host", vmm_io_cores=2, rack="rack1", rack_u=20, x=0, y=0),
        Nic(id="h1n0", parent="h1", model="Intel X710-DA2", ports=2, port_gbps=10, pcie_gbps=63, max_vfs=128),
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
        Nic(id="h2n0", parent="h2", model="Intel E810-XXVDA2", ports=2, port_gbps=25, pcie_gbps=63,
            max_vfs=256, vmdq=True),
        Nic(id="h2n1", parent="h2", model="NVIDIA ConnectX-5", ports=2, port_gbps=25, pcie_gbps=126, max_vfs=127),
        VirtualFunction(id="h2n0v0", parent="h2n0", port=1, min_gbps=10, max_gbps=20, label="db VF"),
        VM(id="app1", parent="h2", label="App 1",
           vnics=[VNic(mode="paravirtual", nic="h2n0", port=0, tx_gbps=9, rx_gbps=12, to="wan")]),
        VM(id="app2", parent="h2", label="App 2",
           vnics=[VNic(mode="paravirtual", nic="h2n0", port=0, tx_gbps=7, rx_gbps=9, weight=2, to="wan")]),
        VM(id="db", parent="h2", label="Database",
           vnics=[VNic(mode="vf", vf="h2n0v0", tx_gbps=14, rx_gbps=6, to="wan")]),
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
        notes=("The mail server keeps a guaranteed 5 Gbit/s on its own SR-IOV virtual function. The paravirtual "
               "and emulated guests pass through h1's VMM, whose 2 I/O cores are used up: they are throttled, "
               "while the mail server, bypassing the VMM, is not. Give h1 4 VMM cores and web1 takes port 0 of "
               "h1n0 to saturation, yet the mail server still keeps its 5 Gbit/s floor."),
    )


def two_rack_proposal() -> Topology:
    topo = generate(2, 6, 8, mix=["vf", "paravirtual", "paravirtual", "emulated"], seed=7)
    topo.title = "Two-rack proposal: 12 hosts, 96 guests"
    topo.notes = ("Two racks behind a core switch. A quarter of the SR-IOV guests carry a 0.5 Gbit/s "
                  "guarantee; the emulated guests show what legacy NIC models cost the VMM.")
    return topo


if __name__ == "__main__":
    save(mail_rack(), HERE / "mail-rack.rackio")
    save(two_rack_proposal(), HERE / "two-rack-proposal.rackio")
    print("examples written")
