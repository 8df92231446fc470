"""``links_of`` lists an element's cables in file order, as the simple formulation (a walk
over every cable of the design) does, through any sequence of edits and undos."""

from __future__ import annotations

import random

import pytest

from designer.model.elements import Link, Network, Nic, Server, Switch
from designer.model.topology import Topology


def reference_links_of(topo: Topology, element_id: str) -> list[str]:
    ids = {key for _, _, key, rel in topo.graph.in_edges(element_id, keys=True, data="relation") if rel == "cable"}
    ids |= {key for _, _, key, rel in topo.graph.out_edges(element_id, keys=True, data="relation") if rel == "cable"}
    return [lid for lid in topo.links if lid in ids]


def design() -> Topology:
    elements = [Network(id="wan"), Network(id="lan")] + [Switch(id=f"s{i}") for i in range(5)]
    elements += [Server(id="h"), Nic(id="n", parent="h", ports=4)]
    return Topology.build(elements, check=False)


@pytest.mark.parametrize("seed", range(25))
def test_links_of_in_file_order_through_edits(seed):
    rng = random.Random(seed)
    topo = design()
    ends = ["wan", "lan"] + [f"s{i}" for i in range(5)]
    undo: list = []
    for step in range(60):
        action = rng.random()
        if action < 0.5:
            a, b = rng.sample(ends + ["n:0", "n:1", "n:2", "n:3"], 2)
            link = Link(a=a, b=b, id=f"c{step}")
            try:
                topo.connect(link, index=rng.choice([None, 0, rng.randint(0, len(topo.links))]))
            except ValueError:
                continue
        elif action < 0.7 and topo.links:
            topo.disconnect(rng.choice(list(topo.links)))
        elif action < 0.85 and len(topo.switches) > 1:
            undo.append(topo.remove(rng.choice([s.id for s in topo.switches])))
        elif undo:
            topo.restore(undo.pop())
        for element_id in list(topo.elements):
            assert [link.id for link in topo.links_of(element_id)] == reference_links_of(topo, element_id)
