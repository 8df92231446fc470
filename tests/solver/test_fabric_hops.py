"""A switch path is at most 255 switches long (the IP TTL limit): a flow whose shortest
path to its network crosses more is unrouted, with a no-route problem giving the distance,
and no flow's route grows with the length of a chain beyond that."""

from __future__ import annotations

import json

import pytest

from designer.fileformat import loads
from designer.solver import solve
from designer.solver.flows import MAX_FABRIC_HOPS


def chain(switches: int, flows: int = 2) -> dict:
    """A server's NIC at sw0, switches sw0 … sw{n-1} in a line, network wan after the last."""
    elements = [{"id": "wan", "kind": "network"},
                {"id": "h", "kind": "server", "vmm_io_cores": 100},
                {"id": "n", "kind": "nic", "parent": "h", "ports": 1, "port_gbps": 100}]
    links = [{"a": "n:0", "b": "sw0"}]
    for i in range(switches):
        elements.append({"id": f"sw{i}", "kind": "switch", "port_gbps": 100})
        if i:
            links.append({"a": f"sw{i - 1}", "b": f"sw{i}", "gbps": 40})
    links.append({"a": f"sw{switches - 1}", "b": "wan", "gbps": 40})
    for f in range(flows):
        elements.append({"id": f"g{f}", "kind": "vm", "parent": "h",
                         "vnics": [{"mode": "paravirtual", "nic": "n", "tx_gbps": 30, "rx_gbps": 1}]})
    return {"format": "rackio-project", "version": 1, "elements": elements, "links": links}


def test_the_limit_is_the_ip_ttl():
    assert MAX_FABRIC_HOPS == 255


def test_a_path_of_255_switches_is_routed():
    solution = solve(loads(json.dumps(chain(255))))
    fs = solution.flows
    assert fs.routed.all()
    tx = fs.path(0)
    # vmm, pcie, port, then one link per switch: 254 between switches and the uplink.
    assert len([r for r in tx if r.startswith("link:")]) == 255
    assert tx[-1] == "link:sw254--wan:ab"
    # Two 30 G guests share the 40 G links: 20 G each (the VMM allows 100 / 0.125 = 800 G).
    assert solution.rate[0] == pytest.approx(20.0)
    assert not [p for p in solution.problems if p.code == "no-route"]


def test_a_path_of_256_switches_is_not():
    solution = solve(loads(json.dumps(chain(256))))
    fs = solution.flows
    assert not fs.routed.any()
    assert fs.entry_flow.size == 0  # nothing of the chain is in any route
    assert (solution.rate == 0).all()
    messages = [p.message for p in solution.problems if p.code == "no-route"]
    assert len(messages) == fs.n_flows // 2  # one per vNIC
    assert messages[0] == ("VM g0 vNIC 0 cannot reach network wan: port 0 of NIC n is cabled to sw0, which is "
                           "256 switches from network wan, more than the 255 a packet can cross.")


def test_a_long_chain_with_the_network_near_the_server():
    doc = chain(3000, flows=3)
    doc["links"][-1] = {"a": "sw9", "b": "wan", "gbps": 40}  # the network 10 switches away
    solution = solve(loads(json.dumps(doc)))
    assert solution.flows.routed.all()
    assert max(len(solution.flows.path(f)) for f in range(solution.flows.n_flows)) == 3 + 10
