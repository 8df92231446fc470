"""What the editing tests share: a small design with one of everything, an exact
snapshot of a Topology, and the apply / revert / re-apply check.

The design (worked out by hand):

    tor (switch, racked in r1 at U4), wan and lan (networks)
    host1 (server, VT-d on, in r1 at U1)
        host1n1: 2 ports, SR-IOV, at most 4 VFs and 2 per port; host1n1v1 on port 1
        vm1: vf host1n1v1 (to wan) · vm2: paravirtual on host1n1 port 0 · vm4: no vNIC
    host2 (server, VT-d off): host2n1 (2 ports, SR-IOV off), no guests
    host3 (server, VT-d on): host3n1, passed through to vm3
    cables host1n1:0 -- tor (10 Gbit/s), host3n1:0 -- tor, tor -- wan
    racks r1 "Row A" (4 U) and r2 (42 U, empty)
"""

from __future__ import annotations

import json
from typing import Any

from designer.edit.commands import Command
from designer.fileformat import dumps, loads
from designer.model import VM, Link, Network, Nic, Rack, Server, Switch, Topology, VirtualFunction, VNic


def design() -> Topology:
    """The design as a file holds it (built, saved and loaded: positions are floats)."""
    global _saved
    if _saved is None:
        _saved = dumps(_built())
    return loads(_saved)


_saved: str | None = None


def _built() -> Topology:
    return Topology.build([
        Switch(id="tor", x=0, y=0, rack="r1", rack_u=4),
        Network(id="wan", x=0, y=-200),
        Network(id="lan", x=300, y=-200),
        Server(id="host1", x=0, y=200, rack="r1", rack_u=1),
        Nic(id="host1n1", parent="host1", ports=2, sriov=True, max_vfs=4, max_vfs_per_port=2),
        VirtualFunction(id="host1n1v1", parent="host1n1", port=1),
        VM(id="vm1", parent="host1", vnics=[VNic(mode="vf", vf="host1n1v1", to="wan", tx_gbps=1.0)]),
        VM(id="vm2", parent="host1", vnics=[VNic(mode="paravirtual", nic="host1n1", port=0, tx_gbps=2.0)]),
        VM(id="vm4", parent="host1"),
        Server(id="host2", x=400, y=200, iommu=False),
        Nic(id="host2n1", parent="host2", ports=2, sriov=False),
        Server(id="host3", x=800, y=200),
        Nic(id="host3n1", parent="host3", ports=2),
        VM(id="vm3", parent="host3", vnics=[VNic(mode="passthrough", nic="host3n1")]),
    ], [Link(a="host1n1:0", b="tor", gbps=10.0), Link(a="host3n1:0", b="tor"), Link(a="tor", b="wan")],
        racks=[Rack(id="r1", label="Row A", height_u=4), Rack(id="r2")],
        title="Edit tests", notes="A design with one of everything.")


def structure(topo: Topology) -> dict[str, Any]:
    """What the graph answers: children in order, users of each device, cables of each
    element and port, and the edges themselves."""
    return {
        "children": {i: [c.id for c in topo.children(i)] for i in topo.elements},
        "users": {i: [(vm.id, index) for vm, index in topo.users_of(i)] for i in topo.elements},
        "links_of": {i: [link.id for link in topo.links_of(i)] for i in topo.elements},
        "ports": sorted(topo._port_cable.items()),
        "nodes": sorted((n, d.get("kind")) for n, d in topo.graph.nodes(data=True)),
        "edges": sorted((u, v, k, repr(sorted(d.items()))) for u, v, k, d in topo.graph.edges(keys=True, data=True)),
    }


def snapshot(topo: Topology) -> tuple:
    """The design exactly: its file (order included), the Python values (25 and 25.0 differ
    here, not in the file) and what the graph answers."""
    return (
        dumps(topo),
        [repr(e) + json.dumps(e.extra, sort_keys=True) for e in topo.elements.values()],
        [repr(link) for link in topo.links.values()],
        [repr(rack) for rack in topo.racks.values()],
        repr(topo.cost_model), topo.title, topo.notes,
        structure(topo),
    )


def assert_consistent(topo: Topology) -> None:
    """The graph is what loading the saved design would build: no stale edge, no missing one."""
    assert structure(topo) == structure(loads(dumps(topo)))


def run(outcome: Any) -> Command:
    assert isinstance(outcome, Command), outcome
    outcome.apply()
    return outcome


def roundtrip(topo: Topology, outcome: Any) -> Command:
    """Apply the command, check the design changed; revert: exactly as before; apply
    again: exactly as after the first time. Returns the (applied) command."""
    assert isinstance(outcome, Command), outcome
    before = snapshot(topo)
    outcome.apply()
    after = snapshot(topo)
    assert after != before, "the command changed nothing"
    assert_consistent(topo)
    outcome.revert()
    assert snapshot(topo) == before
    outcome.apply()
    assert snapshot(topo) == after
    return outcome


def is_sentence(text: Any) -> bool:
    """One line that stands alone: a capital (or a quoted id) first, a full stop last."""
    return (isinstance(text, str) and "\n" not in text and text.endswith(".")
            and (text[0].isupper() or text[0] in "'\"" or text[0].isalnum()))
