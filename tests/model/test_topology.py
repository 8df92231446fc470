"""The Topology: queries, the networkx graph, every edit and its refusals, remove/restore, events.

Every expected value below is worked out from the design built in ``design()``:

    wan (network)   lan (network)
      |  agg--wan 40 Gbit/s
    agg (switch) ---- n2:0
      |  tor--agg
    tor (switch, 4 ports) ---- n1:0, n1:1
    h1 (server): n1 (2 ports, max 4 VFs: v1@0, v2@1, v3@0), n2 (1 port), vm1, vm2
    h2 (server): n3 (2 ports, unwired), vm3 (no vNICs)

    vm1 vNICs: 0 vf v1 · 1 paravirtual n1 port 1 · 2 passthrough n2 (to wan)
    vm2 vNICs: 0 vf v3 · 1 emulated n1 port 0
"""

from __future__ import annotations

import copy
import math

import pytest

from designer.fileformat import dumps, loads, to_document
from designer.model import (
    VM,
    Link,
    ModelError,
    ModelEvent,
    Network,
    Nic,
    Rack,
    Server,
    Switch,
    Topology,
    VirtualFunction,
    VNic,
)


def design() -> Topology:
    t = Topology(title="topology test")
    t.add(Network(id="wan"))
    t.add(Network(id="lan"))
    t.add(Switch(id="tor", ports=4))
    t.add(Switch(id="agg"))
    t.add(Server(id="h1"))
    t.add(Server(id="h2"))
    t.add(Nic(id="n1", parent="h1", ports=2, port_gbps=10, max_vfs=4))
    t.add(Nic(id="n2", parent="h1", ports=1))
    t.add(Nic(id="n3", parent="h2", ports=2))
    t.add(VirtualFunction(id="v1", parent="n1", port=0, min_gbps=1))
    t.add(VirtualFunction(id="v2", parent="n1", port=1))
    t.add(VirtualFunction(id="v3", parent="n1", port=0))
    t.add(VM(id="vm1", parent="h1", vnics=[
        VNic(mode="vf", vf="v1", tx_gbps=3, to="wan"),
        VNic(mode="paravirtual", nic="n1", port=1, tx_gbps=2, rx_gbps=1, to="wan"),
        VNic(mode="passthrough", nic="n2", port=0, rx_gbps=4, to="wan"),
    ]))
    t.add(VM(id="vm2", parent="h1", vnics=[
        VNic(mode="vf", vf="v3", tx_gbps=1, to="wan"),
        VNic(mode="emulated", nic="n1", port=0, tx_gbps=0.5, to="wan"),
    ]))
    t.add(VM(id="vm3", parent="h2"))
    t.connect(Link(a="n1:0", b="tor"))
    t.connect(Link(a="n1:1", b="tor"))
    t.connect(Link(a="tor", b="agg"))
    t.connect(Link(a="agg", b="wan", gbps=40))
    t.connect(Link(a="n2:0", b="agg", id="uplink2"))
    return t


def ids(elements) -> list[str]:
    return [e.id for e in elements]


def edge_set(t: Topology) -> list[tuple]:
    """Every graph edge with its data, in a canonical order (a multiset comparison)."""
    return sorted(
        (u, v, str(k), tuple(sorted((name, repr(value)) for name, value in data.items())))
        for u, v, k, data in t.graph.edges(keys=True, data=True)
    )


def snapshot(t: Topology) -> dict:
    """Everything restore must bring back exactly."""
    return {
        "doc": to_document(t),
        "element_order": list(t.elements),
        "link_order": list(t.links),
        "nodes": sorted(t.graph.nodes(data="kind")),
        "edges": edge_set(t),
        "children": {eid: ids(t.children(eid)) for eid in t.elements},
        "users": {eid: [(vm.id, i) for vm, i in t.users_of(eid)] for eid in t.elements},
        "cables": {(n.id, p): (t.cable_at(n.id, p).id if t.cable_at(n.id, p) else None)
                   for n in t.nics for p in range(n.ports)},
        "vnics": {vm.id: copy.deepcopy(vm.vnics) for vm in t.vms},
    }


def assert_refused(action, *words: str) -> str:
    with pytest.raises(ModelError) as info:
        action()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert "\n" not in message
    return message


# ---------------------------------------------------------------------- queries
def test_kind_lists_and_lookup():
    t = design()
    assert ids(t.networks) == ["wan", "lan"]
    assert ids(t.switches) == ["tor", "agg"]
    assert ids(t.servers) == ["h1", "h2"]
    assert ids(t.nics) == ["n1", "n2", "n3"]
    assert ids(t.vfs) == ["v1", "v2", "v3"]
    assert ids(t.vms) == ["vm1", "vm2", "vm3"]
    assert "n1" in t and "n9" not in t
    assert t["h1"].KIND == "server"
    assert t.get("nope") is None
    assert len(t.elements) == 15
    assert list(t.links) == ["n1:0--tor", "n1:1--tor", "tor--agg", "agg--wan", "uplink2"]


def test_children_in_file_order_and_by_kind():
    t = design()
    assert ids(t.children("h1")) == ["n1", "n2", "vm1", "vm2"]
    assert ids(t.children("h1", "vm")) == ["vm1", "vm2"]
    assert ids(t.children("h2")) == ["n3", "vm3"]
    assert ids(t.children("n1")) == ["v1", "v2", "v3"]
    assert t.children("vm1") == []
    assert t.children("tor") == []
    assert t.children("no-such") == []
    assert sorted(ids(t.descendants("h1"))) == ["n1", "n2", "v1", "v2", "v3", "vm1", "vm2"]


def test_nics_vms_vfs_of():
    t = design()
    assert ids(t.nics_of("h1")) == ["n1", "n2"]
    assert ids(t.nics_of("h2")) == ["n3"]
    assert ids(t.vms_of("h1")) == ["vm1", "vm2"]
    assert ids(t.vms_of("h2")) == ["vm3"]
    assert ids(t.vfs_of("n1")) == ["v1", "v2", "v3"]
    assert ids(t.vfs_of("n1", port=0)) == ["v1", "v3"]
    assert ids(t.vfs_of("n1", port=1)) == ["v2"]
    assert t.vfs_of("n1", port=5) == []
    assert t.vfs_of("n2") == []


def test_free_vf_slots():
    t = design()
    assert t.free_vf_slots("n1") == 4 - 3
    assert t.free_vf_slots("n2") == 64  # the default max_vfs, no VFs yet
    t.set_field("n1", "max_vfs", 2)  # over the limit: no negative slot count
    assert t.free_vf_slots("n1") == 0
    t.set_field("n2", "sriov", False)
    assert t.free_vf_slots("n2") == 0


def test_server_of():
    t = design()
    assert t.server_of("h1").id == "h1"
    assert t.server_of("n1").id == "h1"
    assert t.server_of("v2").id == "h1"
    assert t.server_of("vm3").id == "h2"
    assert t.server_of("tor") is None
    assert t.server_of("wan") is None
    assert t.server_of("no-such") is None


def test_cable_at_and_wired_to():
    t = design()
    assert t.cable_at("n1", 0).id == "n1:0--tor"
    assert t.cable_at("n1", 1).id == "n1:1--tor"
    assert t.cable_at("n2", 0).id == "uplink2"
    assert t.cable_at("n3", 0) is None
    assert t.cable_at("n1", 7) is None
    assert t.wired_to("n1", 0) == "tor"
    assert t.wired_to("n2", 0) == "agg"
    assert t.wired_to("n3", 1) is None


def test_users_of():
    t = design()
    vm1, vm2 = t["vm1"], t["vm2"]
    assert t.users_of("v1") == [(vm1, 0)]
    assert t.users_of("v3") == [(vm2, 0)]
    assert t.users_of("v2") == []
    assert t.users_of("n1") == [(vm1, 1), (vm2, 1)]
    assert t.users_of("n2") == [(vm1, 2)]
    assert t.users_of("n3") == []
    assert t.users_of("no-such") == []


def test_links_of():
    t = design()
    assert ids(t.links_of("tor")) == ["n1:0--tor", "n1:1--tor", "tor--agg"]
    assert ids(t.links_of("agg")) == ["tor--agg", "agg--wan", "uplink2"]
    assert ids(t.links_of("n1")) == ["n1:0--tor", "n1:1--tor"]
    assert ids(t.links_of("n2")) == ["uplink2"]
    assert ids(t.links_of("wan")) == ["agg--wan"]
    assert t.links_of("lan") == []
    assert t.links_of("vm1") == []
    assert t.links_of("no-such") == []


def test_end_exists():
    t = design()
    assert t.end_exists("tor") and t.end_exists("wan")
    assert t.end_exists("n3:1")
    assert not t.end_exists("n3:2")  # n3 has ports 0 and 1
    assert not t.end_exists("vm1")
    assert not t.end_exists("v1:0")
    assert not t.end_exists("nowhere")


def test_new_id_is_fresh():
    t = design()
    assert t.new_id("vm") == "vm4"
    assert t.new_id("h") == "h3"
    assert t.new_id("a b/c") == "abc1"


# -------------------------------------------------------------------- the graph
def test_graph_nodes_carry_kinds():
    t = design()
    assert dict(t.graph.nodes(data="kind")) == {
        "wan": "network", "lan": "network", "tor": "switch", "agg": "switch",
        "h1": "server", "h2": "server", "n1": "nic", "n2": "nic", "n3": "nic",
        "v1": "vf", "v2": "vf", "v3": "vf", "vm1": "vm", "vm2": "vm", "vm3": "vm",
    }


def test_graph_contains_edges():
    t = design()
    contains = sorted((u, v) for u, v, k in t.graph.edges(keys=True) if k == "contains")
    assert contains == sorted([
        ("h1", "n1"), ("h1", "n2"), ("h1", "vm1"), ("h1", "vm2"), ("h2", "n3"), ("h2", "vm3"),
        ("n1", "v1"), ("n1", "v2"), ("n1", "v3"),
    ])
    assert t.graph.edges["h1", "n1", "contains"]["relation"] == "contains"


def test_graph_vnic_attach_edges():
    t = design()
    attach = sorted((u, v, k) for u, v, k, rel in t.graph.edges(keys=True, data="relation") if rel == "attach")
    assert attach == [
        ("vm1", "n1", "vnic:1"), ("vm1", "n2", "vnic:2"), ("vm1", "v1", "vnic:0"),
        ("vm2", "n1", "vnic:1"), ("vm2", "v3", "vnic:0"),
    ]
    data = t.graph.edges["vm1", "n1", "vnic:1"]
    assert data["mode"] == "paravirtual" and data["port"] == 1
    assert t.graph.edges["vm1", "n2", "vnic:2"]["mode"] == "passthrough"


def test_graph_cable_edges_keyed_by_link_id():
    t = design()
    cables = {k: (u, v, ports) for u, v, k, ports in t.graph.edges(keys=True, data="ports")
              if t.graph.edges[u, v, k]["relation"] == "cable"}
    assert cables == {
        "n1:0--tor": ("n1", "tor", (0, None)),
        "n1:1--tor": ("n1", "tor", (1, None)),
        "tor--agg": ("tor", "agg", (None, None)),
        "agg--wan": ("agg", "wan", (None, None)),
        "uplink2": ("n2", "agg", (0, None)),
    }
    # Two cables between the same pair of nodes are two edges of the multigraph.
    assert t.graph.number_of_edges("n1", "tor") == 2
    assert t.graph.number_of_edges() == 9 + 5 + 5


# ----------------------------------------------------------------------- add
def test_add_places_element_and_returns_it():
    t = design()
    vf = t.add(VirtualFunction(id="v4", parent="n1", port=1))
    assert vf is t["v4"]
    assert ids(t.vfs_of("n1", port=1)) == ["v2", "v4"]
    assert t.graph.has_edge("n1", "v4", "contains")
    assert list(t.elements)[-1] == "v4"


def test_add_at_index_keeps_file_order():
    t = design()
    t.add(Network(id="dmz"), index=2)
    assert list(t.elements)[:4] == ["wan", "lan", "dmz", "tor"]


@pytest.mark.parametrize("element, words", [
    (Nic(id="n9", parent="missing"), ["n9", "server"]),
    (Nic(id="n9", parent="tor"), ["n9", "server"]),
    (Nic(id="n9"), ["n9", "server"]),
    (VirtualFunction(id="v9", parent="h1"), ["v9", "nic"]),
    (VirtualFunction(id="v9", parent="v1"), ["v9", "nic"]),
    (VM(id="vm9", parent="n1"), ["vm9", "server"]),
    (VM(id="vm9", parent=""), ["vm9", "server"]),
])
def test_add_refuses_missing_or_wrong_kind_parent(element, words):
    t = design()
    before = to_document(t)
    assert_refused(lambda: t.add(element), *words)
    assert to_document(t) == before
    assert element.id not in t.graph


@pytest.mark.parametrize("element", [
    Switch(id="tor"), Network(id="h1"), VM(id="v1", parent="h1"), Server(id="vm3"),
])
def test_add_refuses_duplicate_id(element):
    t = design()
    kind_before = t[element.id].KIND
    assert_refused(lambda: t.add(element), element.id, "already exists")
    assert t[element.id].KIND == kind_before


@pytest.mark.parametrize("bad_id", ["", "two words", "x" * 65, "n1:0", "a/b", "é", "tab\t"])
def test_add_refuses_invalid_id(bad_id):
    t = design()
    assert_refused(lambda: t.add(Network(id=bad_id)), repr(bad_id), "not a valid id")
    assert bad_id not in t


def test_add_accepts_longest_valid_id():
    t = design()
    long_id = "A-z_0.9" * 9 + "x"  # 64 characters
    assert len(long_id) == 64
    t.add(Network(id=long_id))
    assert long_id in t


@pytest.mark.parametrize("vnic, words", [
    (VNic(mode="vf", vf="v404"), ["vm9", "v404", "vf"]),
    (VNic(mode="vf", vf="n1"), ["vm9", "'n1'", "vf"]),
    (VNic(mode="paravirtual", nic="v1"), ["vm9", "'v1'", "nic"]),
    (VNic(mode="emulated", nic="n1", to="tor"), ["vm9", "'tor'", "network"]),
])
def test_add_refuses_vm_with_dangling_vnic(vnic, words):
    t = design()
    assert_refused(lambda: t.add(VM(id="vm9", parent="h1", vnics=[vnic])), *words)
    assert "vm9" not in t and "vm9" not in t.graph


# ------------------------------------------------------------------ connect
def test_connect_and_disconnect():
    t = design()
    link = t.connect(Link(a="n3:0", b="agg", gbps=5))
    assert link.id == "n3:0--agg"
    assert t.cable_at("n3", 0) is link
    assert t.wired_to("n3", 0) == "agg"
    assert t.graph.has_edge("n3", "agg", "n3:0--agg")
    index, removed = t.disconnect("n3:0--agg")
    assert removed is link and index == 5
    assert t.cable_at("n3", 0) is None
    assert not t.graph.has_edge("n3", "agg", "n3:0--agg")
    # Reconnecting at the old index puts it back in place.
    t.connect(removed, index=1)
    assert list(t.links)[1] == "n3:0--agg"


def test_connect_nic_port_directly_to_network():
    t = design()
    t.connect(Link(a="lan", b="n3:1"))
    assert t.wired_to("n3", 1) == "lan"
    assert t.graph.edges["lan", "n3", "lan--n3:1"]["ports"] == (None, 1)


@pytest.mark.parametrize("link, words", [
    (Link(a="n1:0", b="agg"), ["'n1:0'", "already has a cable", "n1:0--tor"]),  # port cabled
    (Link(a="agg", b="n1:1"), ["'n1:1'", "already has a cable"]),
    (Link(a="n2:1", b="tor"), ["'n2'", "port 1"]),  # n2 has one port
    (Link(a="n3:-1", b="tor"), ["'n3'", "port -1"]),
    (Link(a="n3:0", b="n3:1"), ["n3:0--n3:1", "NIC"]),  # nic ↔ nic
    (Link(a="wan", b="lan"), ["wan--lan", "network"]),  # network ↔ network
    (Link(a="tor", b="tor"), ["tor--tor", "'tor'"]),  # self-loop
    (Link(a="n3:0", b="n3:0"), ["'n3:0'"]),  # self-loop on a port
    (Link(a="nowhere", b="tor"), ["'nowhere'"]),  # unknown end
    (Link(a="tor", b="n9:0"), ["'n9:0'"]),
    (Link(a="vm1", b="tor"), ["'vm1'", "vm"]),  # an element that takes no cables
    (Link(a="h1", b="tor"), ["'h1'", "server"]),
    (Link(a="n3", b="tor"), ["'n3'"]),  # a NIC without a port index
    (Link(a="n3:0", b="tor", id="tor--agg"), ["'tor--agg'", "already exists"]),
    (Link(a="n3:0", b="tor", id="bad id"), ["'bad id'", "not a valid id"]),
])
def test_connect_refusals(link, words):
    t = design()
    before = snapshot(t)
    assert_refused(lambda: t.connect(link), *words)
    assert snapshot(t) == before


def test_link_and_element_ids_share_one_namespace():
    # A project file refuses a link id equal to an element id, so the model must too,
    # or a design could be saved that cannot be opened again.
    t = design()
    assert_refused(lambda: t.connect(Link(a="n3:0", b="tor", id="lan")), "'lan'")
    assert_refused(lambda: t.add(Network(id="uplink2")), "'uplink2'", "link")
    assert_refused(lambda: t.add(Switch(id="tor--agg")), "'tor--agg'", "link")
    assert "uplink2" not in t and "n3:0" not in {end for link in t.links.values() for end in link.ends()}
    assert to_document(loads(dumps(t))) == to_document(t)


@pytest.mark.parametrize("link_id", ["contains", "vnic:0", "vnic:1", "relation"])
def test_link_ids_that_look_like_graph_keys(link_id):
    # Cables are told apart from containment and vNIC edges by their relation, not their key.
    t = design()
    before = snapshot(t)
    t.connect(Link(a="agg", b="lan", id=link_id))
    t.connect(Link(a="n3:0", b="tor", id=link_id + "-b"))
    assert t.children("agg") == [] and t.children("lan") == []
    assert ids(t.children("h2")) == ["n3", "vm3"]
    assert t.users_of("lan") == [] and t.users_of("n3") == []
    assert ids(t.links_of("lan")) == [link_id]
    removal = t.remove("agg")  # takes its cables, not "children"
    assert removal.element_ids == ["agg"]
    assert "lan" in t
    t.restore(removal)
    t.disconnect(link_id)
    t.disconnect(link_id + "-b")
    assert snapshot(t) == before
    # Through a file, too.
    t.connect(Link(a="agg", b="lan", id=link_id))
    again = loads(dumps(t))
    assert again.children("agg") == []
    again.remove("agg")
    assert "lan" in again


def test_disconnect_unknown_link():
    t = design()
    assert_refused(lambda: t.disconnect("nope--tor"), "'nope--tor'")


def test_set_link_capacity():
    t = design()
    assert t.set_link_capacity("tor--agg", 40) is None
    assert t.links["tor--agg"].gbps == 40.0
    assert t.set_link_capacity("tor--agg", None) == 40.0
    assert t.links["tor--agg"].gbps is None
    assert_refused(lambda: t.set_link_capacity("tor--agg", -1), "tor--agg", "gbps")
    assert_refused(lambda: t.set_link_capacity("tor--agg", math.nan), "tor--agg", "gbps")
    assert_refused(lambda: t.set_link_capacity("nope", 1), "'nope'")


# ---------------------------------------------------------------- set_field
def test_set_field_returns_old_value_and_coerces():
    t = design()
    assert t.set_field("n1", "port_gbps", 40) == 10.0
    assert t["n1"].port_gbps == 40.0 and isinstance(t["n1"].port_gbps, float)
    assert t.set_field("tor", "ports", 8.0) == 4
    assert t["tor"].ports == 8 and isinstance(t["tor"].ports, int)
    assert t.set_field("h1", "iommu", False) is True
    with pytest.raises(ModelError, match="'r1' is not a rack of this design"):
        t.set_field("h1", "rack", "r1")  # a rack is named by the id of a rack of the design
    t.add_rack(Rack(id="r1"))
    assert t.set_field("h1", "rack", "r1") is None
    assert t.set_field("h1", "rack", None) == "r1"
    assert t.set_field("v1", "min_gbps", 0) == 1.0
    assert t.set_field("wan", "label", "Clients") == ""


@pytest.mark.parametrize("element_id, name, value, words", [
    ("n1", "port_gbps", -1, ["'n1'", "port_gbps"]),  # negative
    ("h1", "vmm_io_cores", -0.5, ["'h1'", "vmm_io_cores"]),
    ("v1", "min_gbps", math.nan, ["'v1'", "min_gbps"]),  # NaN
    ("v1", "max_gbps", math.inf, ["'v1'", "max_gbps"]),
    ("n1", "pcie_gbps", -math.inf, ["'n1'", "pcie_gbps"]),
    ("tor", "ports", "12", ["'tor'", "ports"]),  # wrong type
    ("tor", "ports", 2.5, ["'tor'", "ports"]),
    ("tor", "ports", True, ["'tor'", "ports"]),
    ("tor", "ports", 0, ["'tor'", "ports"]),
    ("h1", "iommu", 1, ["'h1'", "iommu"]),
    ("h1", "cores", None, ["'h1'", "cores"]),
    ("wan", "label", 3, ["'wan'", "label"]),
    ("n1", "ports", 17, ["'n1'", "ports"]),
    ("tor", "speed", 1, ["'tor'", "speed"]),  # unknown field
    ("vm1", "vnics", [], ["'vm1'", "vnics"]),
    ("wan", "ports", 2, ["'wan'", "ports"]),
    ("v1", "parent", "h1", ["'v1'", "parent", "'h1'"]),  # parent of the wrong kind
    ("n1", "parent", "tor", ["'n1'", "parent", "'tor'"]),
    ("vm1", "parent", "missing", ["'vm1'", "parent", "'missing'"]),
    ("vm1", "parent", "bad id!", ["'vm1'", "parent"]),
    ("n1", "ports", 1, ["'n1'", "port 1", "cabled"]),  # port 1 has a cable
    ("nope", "label", "x", ["'nope'"]),
    ("n1", "id", "n7", ["id"]),
])
def test_set_field_refusals(element_id, name, value, words):
    t = design()
    before = snapshot(t)
    revision = t.revision
    assert_refused(lambda: t.set_field(element_id, name, value), *words)
    assert snapshot(t) == before
    assert t.revision == revision


def test_set_field_shrinks_unwired_nic_ports():
    t = design()
    t.connect(Link(a="n3:0", b="agg"))
    assert t.set_field("n3", "ports", 1) == 2  # only port 1 goes, and it is free
    assert_refused(lambda: t.set_field("n3", "ports", 0), "'n3'", "ports")


def test_set_field_parent_moves_the_contains_edge():
    t = design()
    assert t.set_field("vm3", "parent", "h1") == "h2"
    assert ids(t.vms_of("h1")) == ["vm1", "vm2", "vm3"]
    assert t.vms_of("h2") == []
    assert t.graph.has_edge("h1", "vm3", "contains")
    assert not t.graph.has_edge("h2", "vm3", "contains")
    assert t.set_field("v2", "parent", "n3") == "n1"
    assert ids(t.vfs_of("n3")) == ["v2"] and ids(t.vfs_of("n1")) == ["v1", "v3"]
    assert t.server_of("v2").id == "h2"


# ------------------------------------------------ set_vnics, move, project fields
def test_set_vnics_replaces_and_reattaches():
    t = design()
    old = t.set_vnics("vm3", [VNic(mode="paravirtual", nic="n3", port=1, tx_gbps=2)])
    assert old == []
    assert t.users_of("n3") == [(t["vm3"], 0)]
    assert t.graph.edges["vm3", "n3", "vnic:0"]["port"] == 1
    old = t.set_vnics("vm1", [VNic(mode="vf", vf="v2")])
    assert [v.mode for v in old] == ["vf", "paravirtual", "passthrough"]
    assert t.users_of("v1") == [] and t.users_of("v2") == [(t["vm1"], 0)]
    assert t.users_of("n2") == []
    attach = sorted(k for _, _, k in t.graph.out_edges("vm1", keys=True))
    assert attach == ["vnic:0"]


def test_set_vnics_copies_the_given_objects():
    t = design()
    vnic = VNic(mode="emulated", nic="n3", tx_gbps=1)
    t.set_vnics("vm3", [vnic])
    vnic.tx_gbps = 99
    assert t["vm3"].vnics[0].tx_gbps == 1.0


@pytest.mark.parametrize("vnic, words", [
    (VNic(mode="bogus"), ["'vm3'", "mode"]),
    (VNic(mode="vf", vf="v404"), ["'vm3'", "'v404'"]),
    (VNic(mode="emulated", nic="n3", weight=0), ["'vm3'", "weight"]),
    (VNic(mode="emulated", nic="n3", tx_gbps=-1), ["'vm3'", "tx_gbps"]),
    (VNic(mode="emulated", nic="n3", rx_gbps=math.nan), ["'vm3'", "rx_gbps"]),
    (VNic(mode="emulated", nic="n3", packet_bytes=63), ["'vm3'", "packet_bytes"]),
    (VNic(mode="emulated", nic="n3", packet_bytes=65537), ["'vm3'", "packet_bytes"]),
    (VNic(mode="emulated", nic="n3", to="lan2"), ["'vm3'", "'lan2'"]),
])
def test_set_vnics_refusals(vnic, words):
    t = design()
    before = snapshot(t)
    assert_refused(lambda: t.set_vnics("vm3", [VNic(mode="emulated", nic="n3"), vnic]), *words, "vNIC 1")
    assert snapshot(t) == before


def test_set_vnics_on_a_non_vm():
    t = design()
    assert_refused(lambda: t.set_vnics("h1", []), "'h1'")


def test_move():
    t = design()
    assert t.move("tor", 10, -20.5) == (None, None)
    assert (t["tor"].x, t["tor"].y) == (10.0, -20.5)
    assert t.move("tor", None, None) == (10.0, -20.5)
    assert_refused(lambda: t.move("tor", math.nan, 0), "'tor'", "position")
    assert_refused(lambda: t.move("tor", 0, math.inf), "'tor'", "position")
    assert_refused(lambda: t.move("tor", "1", 0), "'tor'", "position")
    assert_refused(lambda: t.move("nope", 0, 0), "'nope'")
    assert (t["tor"].x, t["tor"].y) == (None, None)


def test_set_project_field():
    t = design()
    assert t.set_project_field("title", "Rack B") == "topology test"
    assert t.title == "Rack B"
    assert t.set_project_field("notes", "draft") == ""
    assert_refused(lambda: t.set_project_field("format", "x"), "'format'")
    assert_refused(lambda: t.set_project_field("title", 3), "title")
    assert t.title == "Rack B"


# ---------------------------------------------------------- remove and restore
def test_remove_nic_takes_vfs_and_cables_and_detaches_vnics():
    t = design()
    removal = t.remove("n1")
    assert removal.element_ids == ["n1", "v1", "v2", "v3"]
    assert [link.id for _, link in removal.links] == ["n1:0--tor", "n1:1--tor"]
    assert sorted((vm, i) for vm, i, _ in removal.detached) == [("vm1", 0), ("vm1", 1), ("vm2", 0), ("vm2", 1)]
    for gone in ("n1", "v1", "v2", "v3"):
        assert gone not in t and gone not in t.graph
    assert list(t.links) == ["tor--agg", "agg--wan", "uplink2"]
    # The VMs stay; their vNICs lose the device but keep everything else.
    vm1, vm2 = t["vm1"], t["vm2"]
    assert [(v.mode, v.vf, v.nic) for v in vm1.vnics] == [
        ("vf", None, None), ("paravirtual", None, None), ("passthrough", None, "n2")]
    assert (vm1.vnics[1].port, vm1.vnics[1].tx_gbps, vm1.vnics[1].rx_gbps) == (1, 2.0, 1.0)
    assert [(v.mode, v.vf, v.nic) for v in vm2.vnics] == [("vf", None, None), ("emulated", None, None)]
    assert sorted(k for _, _, k in t.graph.out_edges("vm1", keys=True)) == ["vnic:2"]
    assert list(t.graph.out_edges("vm2", keys=True)) == []
    assert ids(t.children("h1")) == ["n2", "vm1", "vm2"]
    assert t.cable_at("n1", 0) is None
    # The design left behind is a valid project.
    assert to_document(loads(dumps(t))) == to_document(t)


@pytest.mark.parametrize("target", ["n1", "h1", "h2", "v1", "tor", "agg", "vm1", "n2", "wan", "lan", "n3"])
def test_restore_brings_back_everything_exactly(target):
    t = design()
    before = snapshot(t)
    removal = t.remove(target)
    assert target not in t
    t.restore(removal)
    assert snapshot(t) == before


def test_remove_server_takes_whole_subtree():
    t = design()
    removal = t.remove("h1")
    assert removal.element_ids == ["h1", "n1", "n2", "v1", "v2", "v3", "vm1", "vm2"]
    assert [link.id for _, link in removal.links] == ["n1:0--tor", "n1:1--tor", "uplink2"]
    assert removal.detached == []  # every user of its devices went with it
    assert ids(t.elements.values()) == ["wan", "lan", "tor", "agg", "h2", "n3", "vm3"]
    assert sorted(t.graph.nodes) == ["agg", "h2", "lan", "n3", "tor", "vm3", "wan"]


def test_remove_switch_takes_its_cables_only():
    t = design()
    removal = t.remove("agg")
    assert removal.element_ids == ["agg"]
    assert [link.id for _, link in removal.links] == ["tor--agg", "agg--wan", "uplink2"]
    assert list(t.links) == ["n1:0--tor", "n1:1--tor"]
    assert t.cable_at("n2", 0) is None
    assert len(t.elements) == 14


def test_remove_network_clears_vnic_destinations():
    # vm1 and vm2 send "to" wan; without it the saved file must still load.
    t = design()
    before = snapshot(t)
    removal = t.remove("wan")
    assert all(v.to is None for vm in t.vms for v in vm.vnics)
    assert t["vm1"].vnics[0].vf == "v1"  # only the destination is cleared
    reloaded = loads(dumps(t))
    assert to_document(reloaded) == to_document(t)
    t.restore(removal)
    assert snapshot(t) == before


def test_remove_device_used_by_a_vm_of_another_server():
    t = design()
    t.set_vnics("vm3", [VNic(mode="passthrough", nic="n2", rx_gbps=1)])  # foreign, but allowed
    before = snapshot(t)
    removal = t.remove("h1")
    assert [(vm, i) for vm, i, _ in removal.detached] == [("vm3", 0)]
    assert t["vm3"].vnics[0].nic is None
    t.restore(removal)
    assert snapshot(t) == before


def test_remove_many_and_restore():
    t = design()
    before = snapshot(t)
    removal = t.remove_many(["v1", "n2", "v1", "agg", "no-such"])
    assert removal.element_ids == ["agg", "n2", "v1"]
    assert [link.id for _, link in removal.links] == ["tor--agg", "agg--wan", "uplink2"]
    assert sorted((vm, i) for vm, i, _ in removal.detached) == [("vm1", 0), ("vm1", 2)]
    t.restore(removal)
    assert snapshot(t) == before


def test_remove_many_nested_selection():
    t = design()
    before = snapshot(t)
    removal = t.remove_many(["n1", "v2", "h1"])  # v2 and n1 are inside h1
    assert removal.element_ids == ["h1", "n1", "n2", "v1", "v2", "v3", "vm1", "vm2"]
    t.restore(removal)
    assert snapshot(t) == before


def test_remove_unknown_element():
    t = design()
    assert_refused(lambda: t.remove("ghost"), "'ghost'")


def test_undo_redo_cycles_are_stable():
    t = design()
    before = snapshot(t)
    for target in ("n1", "vm2", "h2", "tor"):
        removal = t.remove(target)
        t.restore(removal)
    assert snapshot(t) == before
    # Redo after undo: removing again gives the same result as the first time.
    first = t.remove("n1")
    after_first = snapshot(t)
    t.restore(first)
    t.remove("n1")
    assert snapshot(t) == after_first


# ------------------------------------------------------------------ listeners
def test_listeners_hear_every_edit():
    t = design()
    events: list[ModelEvent] = []
    t.subscribe(events.append)

    t.add(Network(id="dmz"))
    t.set_field("tor", "ports", 8)
    t.connect(Link(a="n3:0", b="tor"))
    t.disconnect("n3:0--tor")
    t.set_vnics("vm3", [])
    t.move("h2", 1, 2)
    t.set_project_field("title", "T")
    assert events == [
        ModelEvent("element-added", "dmz"),
        ModelEvent("element-changed", "tor", "ports"),
        ModelEvent("link-added", "n3:0--tor"),
        ModelEvent("link-removed", "n3:0--tor"),
        ModelEvent("element-changed", "vm3", "vnics"),
        ModelEvent("element-changed", "h2", "position"),
        ModelEvent("project-changed", "", "title"),
    ]

    events.clear()
    removal = t.remove("n1")
    assert [e for e in events if e.kind == "link-removed"] == [
        ModelEvent("link-removed", "n1:0--tor"), ModelEvent("link-removed", "n1:1--tor")]
    assert sorted(e.id for e in events if e.kind == "element-removed") == ["n1", "v1", "v2", "v3"]
    assert {e.id for e in events if e.kind == "element-changed"} == {"vm1", "vm2"}
    assert all(e.field == "vnics" for e in events if e.kind == "element-changed")

    events.clear()
    t.restore(removal)
    assert sorted(e.id for e in events if e.kind == "element-added") == ["n1", "v1", "v2", "v3"]
    assert sorted(e.id for e in events if e.kind == "link-added") == ["n1:0--tor", "n1:1--tor"]
    assert {e.id for e in events if e.kind == "element-changed"} == {"vm1", "vm2"}


def test_refused_edits_emit_nothing_and_unsubscribe_stops_events():
    t = design()
    events: list[ModelEvent] = []
    t.subscribe(events.append)
    for action in (
        lambda: t.add(Switch(id="tor")),
        lambda: t.connect(Link(a="tor", b="tor")),
        lambda: t.set_field("tor", "ports", -1),
        lambda: t.remove("ghost"),
        lambda: t.set_vnics("vm3", [VNic(mode="nope")]),
    ):
        with pytest.raises(ModelError):
            action()
    assert events == []
    t.unsubscribe(events.append)
    t.add(Network(id="dmz"))
    assert events == []
    t.unsubscribe(events.append)  # a second unsubscribe is harmless


def test_revision_counts_changes():
    t = design()
    r0 = t.revision
    t.move("tor", 1, 1)
    t.set_field("tor", "ports", 6)
    assert t.revision == r0 + 2


# ------------------------------------------------------------------ build, copy
def test_build_checked_matches_interactive_edits():
    t = design()
    built = Topology.build(
        [copy.deepcopy(e) for e in reversed(list(t.elements.values()))],  # children before parents
        [copy.deepcopy(link) for link in t.links.values()],
        title=t.title,
    )
    assert list(built.elements) == list(reversed(list(t.elements)))
    assert edge_set(built) == edge_set(t)
    assert ids(built.children("h1")) == ["vm2", "vm1", "n2", "n1"]  # file order


def test_build_checked_refuses_bad_designs():
    with pytest.raises(ModelError, match="'n1'"):
        Topology.build([Server(id="h1"), Nic(id="n1", parent="h9")])
    with pytest.raises(ModelError, match="'n1'.*port 3"):
        Topology.build([Server(id="h1"), Nic(id="n1", parent="h1"), Switch(id="s")], [Link(a="n1:3", b="s")])


def test_copy_is_deep_and_silent():
    t = design()
    events = []
    t.subscribe(events.append)
    clone = t.copy()
    clone.set_field("tor", "ports", 2)
    clone.remove("h1")
    assert events == []
    assert t["tor"].ports == 4 and "h1" in t
    assert to_document(clone) != to_document(t)
    t.move("tor", 0, 0)
    assert len(events) == 1


def test_a_cable_with_a_negative_capacity_is_refused():
    # Found by the paste fuzzing once the examples changed: the edit API let it in, the file
    # writer then wrote a document the loader refuses.
    from designer.model import ModelError

    t = Topology()
    t.add(Switch(id="a"))
    t.add(Switch(id="b"))
    with pytest.raises(ModelError, match="gbps must be"):
        t.connect(Link(a="a", b="b", gbps=-1.0))
    assert t.links == {}
