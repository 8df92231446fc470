"""The loader's bulk graph build gives the very graph networkx's public calls build, and a
loaded design answers every query as the same design built edit by edit."""

from __future__ import annotations

import copy
from pathlib import Path

import networkx as nx

from designer.fileformat import load
from designer.generate import generate
from designer.model.topology import Topology, _add_to_empty_graph

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.rackio"))


def full_edges(graph: nx.MultiDiGraph) -> list:
    return list(graph.edges(keys=True, data=True))


def test_same_graph_as_networkx_public_calls():
    nodes = [("a", {"kind": "server"}), ("b", {"kind": "nic"}), ("c", {"kind": "vm"}), ("a", {"extra": 1})]
    edges = [("a", "b", "contains", {"relation": "contains"}),
             ("a", "c", "contains", {"relation": "contains"}),
             ("c", "b", "vnic:0", {"relation": "attach", "port": 0}),
             ("c", "b", "vnic:1", {"relation": "attach", "port": 1}),
             ("c", "b", "vnic:0", {"mode": "vf"}),  # a repeated key merges its attributes
             ("b", "a", "x", {})]
    fast, public = nx.MultiDiGraph(), nx.MultiDiGraph()
    _add_to_empty_graph(fast, nodes, edges)
    public.add_nodes_from(nodes)
    public.add_edges_from(edges)
    assert nx.utils.graphs_equal(fast, public)
    assert list(fast.nodes(data=True)) == list(public.nodes(data=True))
    assert full_edges(fast) == full_edges(public)
    for n in public:
        assert list(fast.in_edges(n, keys=True, data=True)) == list(public.in_edges(n, keys=True, data=True))
        assert list(fast.out_edges(n, keys=True, data=True)) == list(public.out_edges(n, keys=True, data=True))
    # The key dict is shared by both directions, as networkx keeps it.
    fast["c"]["b"]["vnic:1"]["port"] = 5
    assert fast.pred["b"]["c"]["vnic:1"]["port"] == 5
    # Attribute dicts are copies: the caller's dicts are not aliased into the graph.
    assert edges[0][3] == {"relation": "contains"} and fast["a"]["b"]["contains"] is not edges[0][3]


def test_a_graph_subclass_takes_the_public_path():
    class Tracked(nx.MultiDiGraph):
        calls = 0

        def add_edge(self, *args, **kwargs):
            Tracked.calls += 1
            return super().add_edge(*args, **kwargs)

    graph = Tracked()
    _add_to_empty_graph(graph, [("a", {}), ("b", {})], [("a", "b", "k", {})])
    assert Tracked.calls == 1 and graph.has_edge("a", "b", key="k")


def queries(topo: Topology) -> dict:
    return {
        eid: (
            [e.id for e in topo.children(eid)],
            [link.id for link in topo.links_of(eid)],
            [(vm.id, i) for vm, i in topo.users_of(eid)],
            dict(topo.graph.nodes[eid]),
            sorted(map(repr, topo.graph.out_edges(eid, keys=True, data=True))),
            sorted(map(repr, topo.graph.in_edges(eid, keys=True, data=True))),
        )
        for eid in topo.elements
    }


def test_loaded_designs_answer_as_designs_built_edit_by_edit():
    designs = [load(p) for p in EXAMPLES] + [generate(2, 3, 4, mix=["vf", "paravirtual", "passthrough"], seed=2)]
    for topo in designs:
        checked = Topology.build(copy.deepcopy(list(topo.elements.values())), copy.deepcopy(list(topo.links.values())),
                                 racks=copy.deepcopy(list(topo.racks.values())), check=True)
        assert queries(topo) == queries(checked)
        assert nx.utils.graphs_equal(topo.graph, checked.graph)


def edit_script(topo: Topology) -> None:
    """Edits of every kind that keeps the graph up to date, the first one made before
    anything has asked for the graph."""
    from designer.model.elements import VM, Link, VNic

    topo.add(VM(id="extra-vm", parent="r1s1", vnics=[VNic(mode="vf", vf="r1s1n0vf2", tx_gbps=1.0)]), index=6)
    index, cable = topo.disconnect("r1s2n0:0--r1-tor")
    topo.connect(Link(a="r1s2n0:0", b="core"))
    topo.set_field("r1s2vm1", "parent", "r1s1")
    topo.set_vnics("r1s1vm1", [VNic(mode="paravirtual", nic="r1s1n0", port=0, tx_gbps=2.0)])
    removal = topo.remove("r1s2")
    topo.restore(removal)
    topo.remove("r1s1n0vf5")


def test_a_loaded_design_makes_its_graph_when_first_asked_and_edits_keep_it_right():
    path = ROOT / "resources" / "examples" / "two-rack-proposal.rackio"
    untouched, asked_first = load(path), load(path)
    assert untouched._graph is None  # a design read only to be solved never makes it
    asked_first.graph  # made now, then kept up to date by every edit
    edit_script(untouched)  # here the graph is made in the middle of the first edit
    edit_script(asked_first)
    assert list(untouched.graph.nodes(data=True)) == list(asked_first.graph.nodes(data=True))
    assert full_edges(untouched.graph) == full_edges(asked_first.graph)
    assert queries(untouched) == queries(asked_first)
    # And both are the graph of the edited design made from scratch.
    fresh = Topology.build(copy.deepcopy(list(untouched.elements.values())),
                           copy.deepcopy(list(untouched.links.values())),
                           racks=copy.deepcopy(list(untouched.racks.values())), check=True)
    assert queries(untouched) == queries(fresh)
    assert nx.utils.graphs_equal(untouched.graph, fresh.graph)


def test_solving_from_the_command_line_never_imports_networkx(tmp_path):
    import subprocess
    import sys

    code = ("import sys, io\nfrom designer.cli import main\nsys.stdout = io.StringIO()\n"
            f"code = main(['solve', '--json', {str(ROOT / 'resources' / 'examples' / 'two-rack-proposal.rackio')!r}])\n"
            "sys.stdout = sys.__stdout__\nprint(code, 'networkx' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "False"]


def test_children_and_cables_of_an_element_before_the_graph_is_made():
    """Opening a design asks every server for its children and every switch for its
    cables: answered without making the graph, as the graph answers them."""
    from designer.model.elements import VM

    designs = [lambda p=p: load(p) for p in EXAMPLES] + [
        lambda: generate(2, 3, 4, mix=["vf", "paravirtual", "passthrough"], seed=2)]
    for make in designs:
        early, late = make(), make()
        late.graph  # noqa: B018 (made first: the graph answers)
        ids = list(early.elements) + ["no-such-element"]
        kinds = [None, "nic", "vm", "vf"]
        before = {(eid, kind): [e.id for e in early.children(eid, kind)] for eid in ids for kind in kinds}
        cables = {eid: [link.id for link in early.links_of(eid)] for eid in ids}
        assert early._graph is None
        assert before == {(eid, kind): [e.id for e in late.children(eid, kind)] for eid in ids for kind in kinds}
        assert cables == {eid: [link.id for link in late.links_of(eid)] for eid in ids}
        assert any(before.values()) and any(cables.values())
    # An edit after those answers makes the graph first; the answers follow the edit.
    topo = generate(1, 2, 3, seed=1)
    assert topo._graph is None
    assert [e.id for e in topo.vms_of("r1s1")] == ["r1s1vm1", "r1s1vm2", "r1s1vm3"]
    wired = [link.id for link in topo.links_of("r1-tor")]
    assert len(wired) == 5  # the uplink, then two per server
    topo.add(VM(id="early-vm", parent="r1s1"), index=list(topo.elements).index("r1s1vm2"))
    assert topo._graph is not None
    topo.remove("r1s2")
    assert [e.id for e in topo.vms_of("r1s1")] == ["r1s1vm1", "early-vm", "r1s1vm2", "r1s1vm3"]
    assert [link.id for link in topo.links_of("r1-tor")] == [w for w in wired if "r1s2" not in w]


def test_a_dict_of_elements_by_id_becomes_the_topology_s():
    """The loader hands its dict of elements by id to ``build``, which keeps it rather than
    reading every id again; the topology answers as one built from the list."""
    made = generate(1, 2, 2, seed=6)
    by_id = dict(made.elements)
    topo = Topology.build(by_id, made.links.values(), check=False, racks=made.racks.values())
    assert topo.elements is by_id
    listed = Topology.build(list(by_id.values()), made.links.values(), check=False, racks=made.racks.values())
    assert queries(topo) == queries(listed)
    checked = Topology.build(dict(by_id), made.links.values(), racks=made.racks.values())  # checked: a copy of its own
    assert list(checked.elements) == list(by_id) and checked.elements is not by_id
