"""diagrams.net (draw.io) files: an uncompressed mxGraph model, written without Qt.

The file is ``mxfile > diagram > mxGraphModel > root`` with the two cells every
draw.io page has (``0``, the root, and ``1``, its default layer) followed by one
``mxCell`` per shape and line. A shape inside another (a NIC in its server, a VF
in its NIC) is a child cell: ``parent`` names the container and its geometry is
relative to the container's top-left corner, so moving a server in draw.io moves
everything in it. Lines are edges with their routed bends as ``mxGeometry``
points (in the coordinates of the edge's parent, like shapes) and with
``edgeStyle=none``, so draw.io draws exactly the route and does not re-route it;
their ends are pinned with ``exitX/exitY/entryX/entryY`` where they meet their
shapes.

Everything is given here in absolute (scene) coordinates; ``to_mxfile`` makes
them relative.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

Point = tuple[float, float]


@dataclass
class Shape:
    id: str
    label: str
    x: float
    y: float
    w: float
    h: float
    style: dict[str, str | float | int] = field(default_factory=dict)
    parent: str | None = None  # a Shape id; None: the page's layer


@dataclass
class Edge:
    id: str
    points: list[Point]  # the whole route, ends included, absolute
    style: dict[str, str | float | int] = field(default_factory=dict)
    source: str | None = None
    target: str | None = None
    parent: str | None = None
    label: str = ""


def style_text(style: dict[str, str | float | int]) -> str:
    def fmt(value) -> str:
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    # A key with an empty value is a named style ("text", "group", "ellipse"): a bare token, first.
    named = "".join(f"{key};" for key, value in style.items() if value == "")
    return named + "".join(f"{key}={fmt(value)};" for key, value in style.items() if value != "")


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def to_mxfile(title: str, shapes: list[Shape], edges: list[Edge], *, page_name: str = "Topology") -> bytes:
    """The draw.io file's bytes (UTF-8 XML). Ids must be unique; "0" and "1" are taken."""
    by_id: dict[str, Shape] = {}
    for shape in shapes:
        if shape.id in by_id or shape.id in ("0", "1"):
            raise ValueError(f"duplicate draw.io cell id {shape.id!r}")
        by_id[shape.id] = shape
    for edge in edges:
        if edge.id in by_id or edge.id in ("0", "1"):
            raise ValueError(f"duplicate draw.io cell id {edge.id!r}")

    def origin(parent: str | None) -> Point:
        if parent is None:
            return 0.0, 0.0
        shape = by_id[parent]
        return shape.x, shape.y

    xs = [s.x for s in shapes] + [p[0] for e in edges for p in e.points]
    ys = [s.y for s in shapes] + [p[1] for e in edges for p in e.points]
    right = [s.x + s.w for s in shapes] + xs
    bottom = [s.y + s.h for s in shapes] + ys
    width = (max(right) - min(xs)) if xs else 850
    height = (max(bottom) - min(ys)) if ys else 1100

    mxfile = ET.Element("mxfile", host="RackIO Designer", type="device", compressed="false")
    diagram = ET.SubElement(mxfile, "diagram", id="rackio-topology", name=page_name)
    model = ET.SubElement(diagram, "mxGraphModel", dx="0", dy="0", grid="1", gridSize="10", guides="1",
                          tooltips="1", connect="1", arrows="1", fold="1", page="0", pageScale="1",
                          pageWidth=_num(round(width)), pageHeight=_num(round(height)), math="0", shadow="0")
    root = ET.SubElement(model, "root")
    ET.SubElement(root, "mxCell", id="0")
    ET.SubElement(root, "mxCell", {"id": "1", "parent": "0"})

    # Containers before their contents: draw.io needs a parent defined before a child.
    for shape in _parents_first(shapes, by_id):
        ox, oy = origin(shape.parent)
        attrs = {"id": shape.id, "value": shape.label, "style": style_text(shape.style), "vertex": "1",
                 "parent": shape.parent or "1"}
        cell = ET.SubElement(root, "mxCell", attrs)
        ET.SubElement(cell, "mxGeometry", {"x": _num(shape.x - ox), "y": _num(shape.y - oy), "width": _num(shape.w),
                                           "height": _num(shape.h), "as": "geometry"})
    for edge in edges:
        ox, oy = origin(edge.parent)
        attrs = {"id": edge.id, "value": edge.label, "style": style_text(_pinned(edge, by_id)), "edge": "1",
                 "parent": edge.parent or "1"}
        if edge.source:
            attrs["source"] = edge.source
        if edge.target:
            attrs["target"] = edge.target
        cell = ET.SubElement(root, "mxCell", attrs)
        geometry = ET.SubElement(cell, "mxGeometry", {"relative": "1", "as": "geometry"})
        if edge.points:
            (sx, sy), (tx, ty) = edge.points[0], edge.points[-1]
            ET.SubElement(geometry, "mxPoint", {"x": _num(sx - ox), "y": _num(sy - oy), "as": "sourcePoint"})
            ET.SubElement(geometry, "mxPoint", {"x": _num(tx - ox), "y": _num(ty - oy), "as": "targetPoint"})
            inner = edge.points[1:-1]
            if inner:
                array = ET.SubElement(geometry, "Array", {"as": "points"})
                for x, y in inner:
                    ET.SubElement(array, "mxPoint", x=_num(x - ox), y=_num(y - oy))
    ET.indent(mxfile)
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(mxfile, encoding="utf-8") + b"\n")


def _parents_first(shapes: list[Shape], by_id: dict[str, Shape]) -> list[Shape]:
    def depth(shape: Shape) -> int:
        d = 0
        seen = set()
        while shape.parent is not None and shape.parent not in seen:
            seen.add(shape.parent)
            shape = by_id[shape.parent]
            d += 1
        return d

    return sorted(shapes, key=depth)  # stable: the given order within a level


def _pinned(edge: Edge, by_id: dict[str, Shape]) -> dict[str, str | float | int]:
    """The edge's style with its ends fixed where the route meets its shapes."""
    style = dict(edge.style)
    if not edge.points:
        return style
    for end, point, prefix in ((edge.source, edge.points[0], "exit"), (edge.target, edge.points[-1], "entry")):
        shape = by_id.get(end) if end else None
        if shape is None or shape.w <= 0 or shape.h <= 0:
            continue
        style[f"{prefix}X"] = round((point[0] - shape.x) / shape.w, 4)
        style[f"{prefix}Y"] = round((point[1] - shape.y) / shape.h, 4)
        style[f"{prefix}Dx"] = 0
        style[f"{prefix}Dy"] = 0
        style[f"{prefix}Perimeter"] = 0
    return style
