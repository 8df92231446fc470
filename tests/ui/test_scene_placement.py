"""Elements without a position go right of everything placed before them, exactly as
the simple formulation (the area of every item so far, measured for each element) puts
them, whether the design is opened or the elements are added later."""

from __future__ import annotations

from PySide6.QtCore import QRectF

from designer.model.elements import Network, Server, Switch
from designer.model.topology import Topology
from designer.ui.canvas.scene import DesignScene


def design() -> Topology:
    elements = [
        Network(id="n0"),  # first, without a position: at the origin
        Switch(id="sw", x=-500.0, y=300.0),
        Network(id="n1"),
        Server(id="h1", x=100.0, y=-400.0),
        Network(id="n2"),
        Switch(id="sw2"),
        Server(id="h2"),
        Network(id="n3", x=5000.0, y=10.0),
        Network(id="n4"),
    ]
    return Topology.build(elements, check=False)


def expected_positions(scene: DesignScene) -> dict[str, tuple[float, float]]:
    """Walk the items in file order, recomputing the area of all earlier items each time."""
    out: dict[str, tuple[float, float]] = {}
    earlier: list[QRectF] = []
    for element in scene.topology.elements.values():
        item = scene.top_items[element.id]
        local = item.sceneBoundingRect().translated(-item.pos())
        if element.x is not None and element.y is not None:
            pos = (element.x, element.y)
        elif not earlier:
            pos = (0.0, 0.0)
        else:
            area = QRectF()
            for rect in earlier:
                area = area.united(rect)
            pos = (area.right() + 60.0, area.top())
        out[element.id] = pos
        earlier.append(local.translated(*pos))
    return out


def test_unpositioned_elements_on_open(qapp):
    scene = DesignScene(design())
    got = {eid: (item.x(), item.y()) for eid, item in scene.top_items.items()}
    assert got == expected_positions(scene)
    # Right of everything: nothing placed after another overlaps it.
    assert got["n1"][0] > got["sw"][0] and got["n2"][0] > got["h1"][0]
    scene.detach()


def area_of(scene: DesignScene, skip=()) -> QRectF:
    area = QRectF()
    for eid, item in scene.top_items.items():
        if eid not in skip:
            area = area.united(item.sceneBoundingRect())
    return area


def test_elements_added_later_go_right_of_the_current_design(qapp):
    """One flush handles its elements in id order: a1 is placed, then h1 moves far right,
    then z1 is placed right of the design as it is by then."""
    topo = design()
    scene = DesignScene(topo)
    before = area_of(scene)
    topo.add(Network(id="a1"))
    topo.move("h1", 9000.0, -50.0)
    topo.add(Network(id="z1"))
    scene.flush()
    a1, z1 = scene.top_items["a1"], scene.top_items["z1"]
    assert (a1.x(), a1.y()) == (before.right() + 60.0, before.top())
    after = area_of(scene, skip={"z1"})
    assert after.right() > 9000.0  # h1 moved there
    assert (z1.x(), z1.y()) == (after.right() + 60.0, after.top())
    scene.detach()


def test_a_removed_element_no_longer_counts(qapp):
    topo = design()
    scene = DesignScene(topo)
    topo.add(Network(id="a2"))
    topo.remove("n3")  # the rightmost element
    topo.remove("h2")
    topo.add(Network(id="z2"))
    scene.flush()
    after = area_of(scene, skip={"z2"})
    z2 = scene.top_items["z2"]
    assert (z2.x(), z2.y()) == (after.right() + 60.0, after.top())
    assert "h2" not in scene.top_items and "n3" not in scene.top_items
    assert not any(server == "h2" for server in scene.child_server.values())
    assert any(server == "h1" for server in scene.child_server.values()) or not topo.children("h1")
    scene.detach()


def test_many_unpositioned_networks_form_one_row(qapp):
    topo = Topology.build([Network(id=f"n{i}") for i in range(300)], check=False)
    scene = DesignScene(topo)
    xs = [scene.top_items[f"n{i}"].x() for i in range(300)]
    assert xs == sorted(xs) and len(set(xs)) == 300
    ys = [scene.top_items[f"n{i}"].y() for i in range(300)]
    assert ys[0] == 0.0 and ys == sorted(ys, reverse=True)  # each at the top of the area before it
    scene.detach()
