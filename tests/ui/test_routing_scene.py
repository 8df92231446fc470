"""No line passes under a box it does not belong to, on the real canvas items.

Every piece of every cable and guest attachment (the drawn path, rounded bends
included) is checked against every box of the diagram — servers, NICs, VFs,
guests, switches, networks — except the boxes the line starts or ends in and
the boxes holding those.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QRectF

from designer.diagram.routing import Box, segment_crosses
from designer.fileformat import load
from designer.generate import generate
from designer.model.elements import split_port_end
from designer.ui.canvas.items import NetworkItem, ServerItem, SwitchItem
from designer.ui.canvas.scene import DesignScene

from .helpers import MAIL, TWO_RACK


def _box(rect: QRectF) -> Box:
    return Box(rect.x(), rect.y(), rect.width(), rect.height())


def boxes_of(scene: DesignScene) -> dict[str, tuple[Box, tuple[str, ...]]]:
    """element id -> (scene box, ids of the boxes holding it)."""
    out: dict[str, tuple[Box, tuple[str, ...]]] = {}
    for element_id, item in scene.top_items.items():
        if isinstance(item, ServerItem):
            out[element_id] = (_box(item.mapRectToScene(QRectF(0, 0, item.width, item.height))), ())
            for nic_id, nic in item.nic_items.items():
                out[nic_id] = (_box(nic.mapRectToScene(QRectF(0, 0, nic.width, nic.height))), (element_id,))
                for vf_id, vf in nic.vf_items.items():
                    out[vf_id] = (_box(vf.mapRectToScene(vf.rect)), (nic_id, element_id))
            for vm_id, vm in item.vm_items.items():
                out[vm_id] = (_box(vm.mapRectToScene(QRectF(0, 0, vm.boundingRect().width() - 4,
                                                            vm.boundingRect().height() - 4))), (element_id,))
        else:
            assert isinstance(item, (SwitchItem, NetworkItem))
            out[element_id] = (_box(item.mapRectToScene(QRectF(0, 0, item.W, item.H))), ())
    return out


def _segments(item) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    segments = []
    for polygon in item.path().toSubpathPolygons():
        points = [item.mapToScene(p) for p in polygon]
        segments += [((a.x(), a.y()), (b.x(), b.y())) for a, b in zip(points, points[1:])]
    return segments


def lines_of(scene: DesignScene):
    """(what, the ends' element ids, drawn segments) for every cable and attachment."""
    topo = scene.topology
    for link_id, cable in scene.cables.items():
        link = topo.links[link_id]
        ends = [split_port_end(e)[0] if split_port_end(e) else e for e in (link.a, link.b)]
        pieces = []
        for segment in cable.segments:
            pieces += _segments(segment)
        yield f"cable {link_id}", ends, pieces
    for server_id, item in scene.top_items.items():
        if not isinstance(item, ServerItem):
            continue
        for att in item.attachments:
            vnic = topo.elements[att.vm_id].vnics[att.index]
            target = vnic.vf if vnic.mode == "vf" else vnic.nic
            yield f"attachment {att.vm_id}#{att.index}", [att.vm_id, target], _segments(att)
        for bus in item.buses:
            nic_ids = [n for n in item.nic_items if item.nic_items[n].sceneBoundingRect().intersects(
                bus.sceneBoundingRect())]
            yield f"bus in {server_id}", nic_ids, _segments(bus)


def crossings(scene: DesignScene) -> list[str]:
    boxes = boxes_of(scene)
    found = []
    for what, ends, segments in lines_of(scene):
        allowed = set()
        for end in ends:
            allowed.add(end)
            allowed.update(boxes[end][1] if end in boxes else ())
        for element_id, (box, _) in boxes.items():
            if element_id in allowed:
                continue
            for a, b in segments:
                if segment_crosses(box, a, b):
                    found.append(f"{what} passes under {element_id} at {a}–{b}")
                    break
    return found


def _scene(qapp, topology) -> DesignScene:
    scene = DesignScene(topology)
    scene.detach()
    return scene


@pytest.mark.parametrize("path", [MAIL, TWO_RACK], ids=["mail-rack", "two-rack"])
def test_no_line_passes_under_a_box_in_the_examples(qapp, path):
    scene = _scene(qapp, load(path))
    assert scene.cables and any(item.attachments for item in scene.top_items.values()
                                if isinstance(item, ServerItem))
    assert crossings(scene) == []


def test_no_line_passes_under_a_box_in_a_generated_design(qapp):
    scene = _scene(qapp, generate(3, 20, 10))
    assert len(scene.cables) == 3 * 20 * 2 + 3 + 1
    assert crossings(scene) == []


def test_the_check_sees_a_line_under_a_box(qapp):
    """The check itself: a cable forced straight through a server is reported."""
    scene = _scene(qapp, load(MAIL))
    cable = next(iter(scene.cables.values()))
    server = scene.top_items["h2"]
    centre = server.mapToScene(QPointF(server.width / 2, server.height / 2))
    cable.set_polyline([(centre.x() - 1000, centre.y()), (centre.x() + 1000, centre.y())])
    assert any("passes under h2" in c for c in crossings(scene))


def test_every_cable_leaves_from_its_ports_socket(qapp):
    scene = _scene(qapp, load(TWO_RACK))
    for link_id, cable in scene.cables.items():
        link = scene.topology.links[link_id]
        for end, point in ((link.a, cable.polyline[0]), (link.b, cable.polyline[-1])):
            port = scene.port_item(end)
            if port is not None:
                assert QPointF(*point) == port.scenePos()
                assert cable.path().pointAtPercent(0 if end == link.a else 1) == port.scenePos()


def test_the_switch_counts_every_cable_as_a_used_port(qapp):
    topology = load(MAIL)
    scene = _scene(qapp, topology)
    expected = sum(1 for link in topology.links.values() if "tor" in (link.a, link.b))
    assert expected > 2
    assert scene.top_items["tor"].ports_used == expected


def _crossings(paths) -> int:
    """Proper crossings between the orthogonal polylines (touching ends do not count)."""
    def runs(path):
        for (x1, y1), (x2, y2) in zip(path, path[1:]):
            yield ("h" if y1 == y2 else "v"), min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)

    count = 0
    all_runs = [list(runs(p)) for p in paths]
    for i, a_runs in enumerate(all_runs):
        for b_runs in all_runs[i + 1:]:
            for ka, ax1, ax2, ay1, ay2 in a_runs:
                for kb, bx1, bx2, by1, by2 in b_runs:
                    if ka == kb:
                        continue
                    h, v = ((ax1, ax2, ay1), (bx1, by1, by2)) if ka == "h" else ((bx1, bx2, by1), (ax1, ay1, ay2))
                    if h[0] < v[0] < h[1] and v[1] < h[2] < v[2]:
                        count += 1
    return count


def test_cables_land_on_the_switch_at_distinct_slots_without_crossing(qapp):
    """Slots follow where the cables come in (the x of their socket, or of the corridor
    they climb), so the cables at a switch never cross on their way into it."""
    scene = _scene(qapp, load(TWO_RACK))
    for switch_id in ("r1-tor", "r2-tor"):
        switch = scene.top_items[switch_id]
        bottom = switch.y() + switch.H
        paths, slots = [], []
        for link_id, cable in scene.cables.items():
            link = scene.topology.links[link_id]
            if switch_id in (link.a, link.b) and scene.port_item(link.a if link.b == switch_id else link.b):
                end = cable.polyline[-1] if link.b == switch_id else cable.polyline[0]
                assert end[1] == pytest.approx(bottom)
                assert switch.x() < end[0] < switch.x() + switch.W
                slots.append(end[0])
                paths.append(cable.polyline)
        assert len(slots) == 12 and len(set(slots)) == 12
        assert _crossings(paths) == 0


@pytest.mark.parametrize("design", ["mail-rack", "two-rack", "generated"])
def test_no_two_cables_cross(qapp, design):
    topology = {"mail-rack": lambda: load(MAIL), "two-rack": lambda: load(TWO_RACK),
                "generated": lambda: generate(3, 20, 10)}[design]()
    scene = _scene(qapp, topology)
    assert _crossings([cable.polyline for cable in scene.cables.values()]) == 0


def test_the_crossing_count_sees_a_crossing():
    assert _crossings([[(0, 5), (10, 5)], [(5, 0), (5, 10)]]) == 1
    assert _crossings([[(0, 5), (10, 5)], [(10, 0), (10, 10)]]) == 0


def _check_incremental(window):
    """After incremental updates: no line under a box, and every cable routed from the
    current geometry (a full routing agrees on where each cable starts and ends)."""
    scene = window.scene
    assert crossings(scene) == []
    drawn = {k: (c.polyline[0], c.polyline[-1]) for k, c in scene.cables.items()}
    assert set(drawn) == set(scene.topology.links)
    for link_id, (start, _end) in drawn.items():
        port = scene.port_item(scene.topology.links[link_id].a)
        if port is not None:
            assert QPointF(*start) == port.scenePos()


def test_edits_reroute_incrementally_and_keep_lines_clear(window):
    from designer.model.elements import VM, VNic

    from .helpers import open_example

    from designer.ui.commands import AddElementsCommand

    topology = open_example(window, MAIL)
    scene, editor = window.scene, window.editor
    before = {k: list(c.polyline) for k, c in scene.cables.items()}
    # A fifth guest in the mail host makes it a column wider: it is rebuilt and its
    # cables (and any it now covers) re-routed.
    vm = VM(id="extra", parent="h1", vnics=[VNic(mode="paravirtual", nic="h1n0", port=1)])
    width = scene.top_items["h1"].width
    assert editor.run(AddElementsCommand(topology, [vm], [], text="Add guest")) is None
    scene.flush()
    assert scene.top_items["h1"].width > width
    assert any(att.vm_id == "extra" for att in scene.top_items["h1"].attachments)
    _check_incremental(window)
    # Removing a cable frees its slot; the others at that switch close up in order.
    link_id = next(k for k in topology.links if k.startswith("h2n0:0"))
    assert editor.delete([link_id]) is None
    scene.flush()
    _check_incremental(window)
    assert link_id not in scene.routes.paths
    # Undo both: every cable is where it was.
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    scene.flush()
    _check_incremental(window)
    assert {k: c.polyline for k, c in scene.cables.items()}.keys() == before.keys()


def test_dragging_a_box_onto_cables_reroutes_the_cables_it_covers(window):
    from .helpers import open_example

    open_example(window, MAIL)
    scene = window.scene
    network = scene.top_items["san"]
    under = [k for k, c in scene.cables.items()
             if any(segment_crosses(Box(150, -170, 170, 70), a, b) for a, b in zip(c.polyline, c.polyline[1:]))]
    assert under  # the spot is crossed by cables from the mail host to the switch
    network.setPos(150, -170)  # as a drag step does
    _check_incremental(window)
    for link_id in under:
        assert scene.cables[link_id].polyline == scene.routes.paths[link_id]
