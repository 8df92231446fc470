"""The draw.io export: a valid uncompressed mxGraph file whose shapes and lines are the canvas's."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from designer.cli import main
from designer.fileformat import load
from designer.solver import solve
from designer.ui.canvas.scene import DesignScene
from designer.ui.render import ExportError, ExportOptions, export_file, render

from .helpers import MAIL, TWO_RACK


def _parse(data: bytes):
    root = ET.fromstring(data)
    assert root.tag == "mxfile" and root.get("compressed") == "false"
    (diagram,) = root.findall("diagram")
    (model,) = diagram.findall("mxGraphModel")
    (cells_root,) = model.findall("root")
    cells = list(cells_root)
    assert cells and all(c.tag == "mxCell" for c in cells)
    return cells


def _cells(data: bytes) -> dict[str, ET.Element]:
    cells = _parse(data)
    ids = [c.get("id") for c in cells]
    assert len(ids) == len(set(ids)), "every cell id appears once"
    assert ids[:2] == ["0", "1"] and cells[1].get("parent") == "0"
    return dict(zip(ids, cells))


def _origin(cells, cell_id) -> tuple[float, float]:
    """Absolute top-left of a cell (geometry is relative to the parent)."""
    x = y = 0.0
    while cell_id not in ("1", None):
        geometry = cells[cell_id].find("mxGeometry")
        x += float(geometry.get("x", 0))
        y += float(geometry.get("y", 0))
        cell_id = cells[cell_id].get("parent")
    return x, y


def _edge_points(cells, cell) -> list[tuple[float, float]]:
    ox, oy = _origin(cells, cell.get("parent"))
    geometry = cell.find("mxGeometry")
    source = geometry.find("mxPoint[@as='sourcePoint']")
    target = geometry.find("mxPoint[@as='targetPoint']")
    inner = geometry.findall("Array[@as='points']/mxPoint")
    return [(float(p.get("x")) + ox, float(p.get("y")) + oy) for p in [source, *inner, target]]


def _flat(points):
    return [v for p in points for v in p]


def _export(qapp, path, **options):
    topology = load(path)
    rendered = render(topology, solve(topology), ExportOptions(**options), "drawio")
    return topology, rendered


@pytest.mark.parametrize("path", [MAIL, TWO_RACK], ids=["mail-rack", "two-rack"])
def test_drawio_file_is_an_mxgraph_model_with_the_canvas_geometry(qapp, path):
    topology, rendered = _export(qapp, path)
    cells = _cells(rendered.data)
    scene = DesignScene(topology)
    scene.detach()
    scene.set_solution(solve(topology))
    # Every element drawn on the canvas is a cell, inside the cell of what holds it.
    for element_id, element in topology.elements.items():
        if element.KIND not in ("network", "switch", "server", "nic", "vf", "vm"):
            continue
        cell = cells[f"e-{element_id}"]
        assert cell.get("vertex") == "1"
        parent = getattr(element, "parent", None)
        assert cell.get("parent") == (f"e-{parent}" if parent else "1")
    for element_id, item in scene.top_items.items():
        x, y = _origin(cells, f"e-{element_id}")
        assert (x, y) == pytest.approx((item.x(), item.y()))
    for server in (i for i in scene.top_items.values() if hasattr(i, "vm_items")):
        for vm_id, vm in server.vm_items.items():
            assert _origin(cells, f"e-{vm_id}") == pytest.approx((vm.scenePos().x(), vm.scenePos().y()))
    # Cables are edges between the port socket and the switch, through the routed bends.
    for link_id, link in topology.links.items():
        cell = cells[f"c-{link_id}"]
        assert cell.get("edge") == "1" and "edgeStyle=none" in cell.get("style")
        points = _edge_points(cells, cell)
        assert _flat(points) == pytest.approx(_flat(scene.routes.paths[link_id]), abs=0.01)
        for end, key in ((link.a, "source"), (link.b, "target")):
            expected = f"p-{end}" if ":" in end else f"e-{end}"
            assert cell.get(key) == expected
        colour = scene.cables[link_id].pen().color().name()
        assert f"strokeColor={colour}" in cell.get("style")
    # Attachments live in their server and follow the same route as on the canvas.
    checked = 0
    for server in (i for i in scene.top_items.values() if hasattr(i, "attachments")):
        for att in server.attachments:
            cell = cells[f"a-{att.vm_id}-{att.index}"]
            assert cell.get("parent") == f"e-{server.element_id}"
            assert cell.get("source") == f"e-{att.vm_id}"
            expected = [(server.x() + x, server.y() + y) for x, y in att.polyline]
            assert _flat(_edge_points(cells, cell)) == pytest.approx(_flat(expected), abs=0.01)
            checked += 1
    assert checked == sum(len(vm.vnics) for vm in topology.elements.values() if vm.KIND == "vm")
    # The legend is a group holding its parts.
    assert "group" in cells["legend"].get("style").split(";")
    assert sum(1 for c in cells.values() if c.get("parent") == "legend") >= 5


def test_drawio_without_legend_or_title_and_for_a_selection(qapp):
    _, rendered = _export(qapp, MAIL, legend=False, title_block=False, selection=("h2",))
    cells = _cells(rendered.data)
    assert "legend" not in cells and "title" not in cells
    assert "e-h2" in cells and "e-h1" not in cells and "e-tor" not in cells
    assert not any(k.startswith("c-") for k in cells)  # no cable has both ends shown


def test_drawio_refuses_the_rack_view_and_a_transparent_background(qapp):
    topology = load(MAIL)
    with pytest.raises(ExportError, match="draw.io"):
        render(topology, None, ExportOptions(view="rack"), "drawio")
    with pytest.raises(ExportError, match="draw.io"):
        render(topology, None, ExportOptions(transparent=True), "drawio")


def test_rackio_export_writes_a_drawio_file(qapp, tmp_path, capsys):
    out = tmp_path / "mail.drawio"
    assert main(["export", str(MAIL), "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    cells = _cells(out.read_bytes())
    assert "e-h1" in cells
    assert main(["export", str(MAIL), "-o", str(tmp_path / "x.drawio"), "--scale", "2"]) == 2
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "x.drawio").exists()


def test_export_file_picks_drawio_from_the_extension(qapp, tmp_path):
    topology = load(MAIL)
    rendered = export_file(tmp_path / "out.drawio", topology, None, ExportOptions())
    assert rendered.format == "drawio"
    assert (tmp_path / "out.drawio").read_bytes() == rendered.data
