"""The topology diagram as a draw.io file, made from the same scene the PNG/SVG/PDF
export renders, so shapes, routed lines and colours are the canvas's own.

Servers become containers holding their NICs (each holding its port sockets and
VFs), the vSwitch, the guests and the VMM gauge; cables and guest attachments
become edges through their routed bends (``designer.diagram.routing`` made
them); the legend is a group. ``designer.diagram.drawio`` writes the XML.
"""

from __future__ import annotations

import datetime as _dt
from html import escape

from PySide6.QtCore import QPointF, QRectF, QSizeF

from ..diagram.drawio import Edge, Shape, to_mxfile
from ..layout import PAD, SOCKET_R, VM_H, VM_W
from ..model.elements import split_port_end
from ..model.topology import Topology
from . import style
from .canvas.items import NetworkItem, ServerItem, SwitchItem
from .canvas.view import LEGEND_SCALE_H, legend_size

GAUGE_W = 150.0


def _html(*lines: str) -> str:
    return "<br>".join(escape(line) for line in lines if line)


def _c(color) -> str:
    return color.name()


def _base(fill, stroke=None, **extra) -> dict:
    out = {"rounded": 1, "whiteSpace": "wrap", "html": 1, "fillColor": _c(fill),
           "strokeColor": _c(stroke if stroke is not None else style.current().outline), "fontColor": _c(style.current().text)}
    out.update(extra)
    return out


def element_cell(element_id: str) -> str:
    return f"e-{element_id}"


def port_cell(end: str) -> str:
    return f"p-{end}"


def build_cells(scene, topology: Topology, options) -> tuple[list[Shape], list[Edge], QRectF]:
    """Shapes and edges of the visible part of an export scene, and the area they cover."""
    shapes: list[Shape] = []
    edges: list[Edge] = []
    area = QRectF()
    for element_id, item in scene.top_items.items():
        if not item.isVisible():
            continue
        area = area.united(item.sceneBoundingRect())
        if isinstance(item, ServerItem):
            _server(item, shapes, edges)
        elif isinstance(item, SwitchItem):
            label = _html(item.title, f"{item.detail} · {item.ports_used}/{item.ports} ports used")
            shapes.append(Shape(element_cell(element_id), label, item.x(), item.y(), item.W, item.H,
                                _base(style.current().kind_colors["switch"], arcSize=10, fontSize=10)))
        elif isinstance(item, NetworkItem):
            shapes.append(Shape(element_cell(element_id), _html(item.title, item.subtitle), item.x(), item.y(),
                                item.W, item.H, _base(style.current().kind_colors["network"], ellipse="", fontSize=10)))
    known = {s.id for s in shapes}
    for link_id, cable in scene.cables.items():
        if not cable.isVisible() or not cable.polyline:
            continue
        link = topology.links[link_id]
        ends = []
        for end in (link.a, link.b):
            cell = port_cell(end) if split_port_end(end) else element_cell(end)
            ends.append(cell if cell in known else None)
        pen = cable.pen()
        edges.append(Edge(f"c-{link_id}", list(cable.polyline),
                          {"edgeStyle": "none", "rounded": 1, "html": 1, "endArrow": "none", "startArrow": "none",
                           "strokeColor": _c(pen.color()), "strokeWidth": round(pen.widthF(), 2)},
                          source=ends[0], target=ends[1]))
    return shapes, edges, area


def _server(item: ServerItem, shapes: list[Shape], edges: list[Edge]) -> None:
    sid = element_cell(item.element_id)
    ox, oy = item.x(), item.y()

    def scene_rect(child, rect: QRectF) -> tuple[float, float, float, float]:
        r = child.mapRectToScene(rect)
        return r.x(), r.y(), r.width(), r.height()

    shapes.append(Shape(sid, escape(item.title), ox, oy, item.width, item.height,
                        _base(style.current().kind_colors["server"], container=1, collapsible=0, recursiveResize=0,
                              arcSize=2, absoluteArcSize=1, verticalAlign="bottom", align="left",
                              spacingLeft=PAD, spacingBottom=8, fontStyle=1, fontSize=13)))
    budget, used = item.vmm_budget, item.vmm_cores
    frac = (used / budget) if budget > 0 else (1.0 if used > 0 else 0.0)
    gauge_text = f"VMM {used:.2f} / {budget:g} cores" if item.vmm_solved else f"VMM budget {budget:g} cores"
    fill = style.utilization_color(frac) if item.vmm_solved and frac > 0 else style.current().footer
    shapes.append(Shape(f"vmm-{item.element_id}", escape(gauge_text), ox + item.width - GAUGE_W - PAD,
                        oy + item.footer_y + 9, GAUGE_W, 16,
                        _base(fill, fontSize=8, fontStyle=1, arcSize=20), parent=sid))
    vs = item.vswitch_rect
    vs_id = f"vs-{item.element_id}"
    shapes.append(Shape(vs_id, "vSwitch · VMM", ox + vs.x(), oy + vs.y(), vs.width(), vs.height(),
                        _base(style.current().vswitch_fill, style.MODE_COLORS["paravirtual"], dashed=1, arcSize=30,
                              fontColor=_c(style.current().vswitch_text), fontStyle=1, fontSize=8), parent=sid))
    for nic_id, nic in item.nic_items.items():
        x, y, w, h = scene_rect(nic, QRectF(0, 0, nic.width, nic.height))
        n = nic.nic
        shapes.append(Shape(element_cell(nic_id), _html(n.model or n.id, f"{n.id} · {n.ports}×{n.port_gbps:g}G"),
                            x, y, w, h, _base(style.current().kind_colors["nic"], container=1, collapsible=0,
                                              verticalAlign="top", fontSize=8, arcSize=6), parent=sid))
        for vf_id, vf in nic.vf_items.items():
            vx, vy, vw, vh = scene_rect(vf, vf.rect)
            shapes.append(Shape(element_cell(vf_id), escape(vf.short), vx, vy, vw, vh,
                                _base(style.current().kind_colors["vf"] if vf.used else style.current().surface,
                                      style.MODE_COLORS["vf"], fontSize=7, arcSize=15,
                                      fontStyle=1 if vf.min_gbps > 0 else 0),
                                parent=element_cell(nic_id)))
        for p, port in nic.ports.items():
            centre = port.scenePos()
            fill = port.color if (port.wired and port.color is not None) else style.current().surface
            shapes.append(Shape(port_cell(f"{nic_id}:{p}"), "", centre.x() - SOCKET_R, centre.y() - SOCKET_R,
                                2 * SOCKET_R, 2 * SOCKET_R, _base(fill, ellipse="", aspect="fixed"),
                                parent=element_cell(nic_id)))
    for vm_id, vm in item.vm_items.items():
        x, y = vm.scenePos().x(), vm.scenePos().y()
        ov = vm.overlay
        lines = [vm.title]
        stroke = style.current().outline
        if ov is not None and ov.has_flows:
            lines.append(f"↑{style.format_gbps(ov.tx_rate)}/{ov.tx_demand:.3g}  "
                         f"↓{style.format_gbps(ov.rx_rate)}/{ov.rx_demand:.3g} G")
            if ov.floor > 0:
                lines.append(("✓ " if ov.floor_met else "✗ ") + f"min {style.format_gbps(ov.floor)} G")
            stroke = vm._badge_color()
        shapes.append(Shape(element_cell(vm_id), _html(*lines), x, y, VM_W, VM_H,
                            _base(style.current().kind_colors["vm"], stroke, fontSize=8, arcSize=10), parent=sid))
    known = {s.id for s in shapes}
    for att in item.attachments + item.buses:
        points = [(ox + px, oy + py) for px, py in att.polyline]
        pen = att.pen()
        edge_style = {"edgeStyle": "none", "rounded": 1, "html": 1, "endArrow": "none", "startArrow": "none",
                      "strokeColor": _c(pen.color()), "strokeWidth": round(pen.widthF(), 2)}
        if att.mode in ("paravirtual", "emulated"):
            edge_style["dashed"] = 1
        if att.index < 0:  # the vSwitch's bus to a port
            target = next((element_cell(n) for n, nic in item.nic_items.items()
                           if nic.sceneBoundingRect().contains(QPointF(*points[-1]))), None)
            edges.append(Edge(f"b-{item.element_id}-{len(edges)}", points, edge_style, source=vs_id,
                              target=target, parent=sid))
            continue
        vm = item.vm_items[att.vm_id].vm
        vnic = vm.vnics[att.index]
        if vnic.mode == "vf":
            target = element_cell(vnic.vf or "")
        elif vnic.mode == "passthrough":
            target = element_cell(vnic.nic or "")
        else:
            target = vs_id
        edges.append(Edge(f"a-{att.vm_id}-{att.index}", points, edge_style, source=element_cell(att.vm_id),
                          target=target if target in known else None, parent=sid))


def _legend(x: float, y: float, utilization: bool) -> tuple[list[Shape], list[Edge]]:
    """The canvas legend as a draw.io group: frame, scale and the four attachment modes."""
    size = legend_size(utilization)
    group = Shape("legend", "", x, y, size.width(), size.height(), {"group": ""})
    shapes = [group, Shape("legend-frame", "", x, y, size.width(), size.height(),
                           _base(style.current().surface, style.current().legend_frame, arcSize=6, absoluteArcSize=1), parent="legend")]
    edges: list[Edge] = []
    text = {"text": "", "html": 1, "align": "left", "verticalAlign": "middle", "fontSize": 9,
            "fontColor": _c(style.current().text), "strokeColor": "none", "fillColor": "none"}
    top = y
    if utilization:
        shapes.append(Shape("legend-scale-title", "Utilisation of ports, PCIe and links · VMM gauge",
                            x + 10, y + 4, 300, 16, dict(text), parent="legend"))
        stops = style.UTIL_STOPS
        shapes.append(Shape("legend-scale", "", x + 10, y + 24, 230, 10,
                            {"fillColor": _c(stops[0][1]), "gradientColor": _c(stops[-2][1]),
                             "gradientDirection": "east", "strokeColor": "none"}, parent="legend"))
        shapes.append(Shape("legend-full", "", x + 246, y + 22, 34, 14,
                            {"fillColor": _c(style.SATURATED_COLOR), "strokeColor": "none"}, parent="legend"))
        shapes.append(Shape("legend-scale-labels", "0 %  …  50 %  …  90 %  |  100 % full", x + 10, y + 35, 280, 12,
                            dict(text, fontSize=8, fontColor=_c(style.current().muted_text)), parent="legend"))
        top = y + LEGEND_SCALE_H
    lx, ly = x + 10, top + 8
    for mode in ("vf", "passthrough", "paravirtual", "emulated"):
        line_style = {"edgeStyle": "none", "html": 1, "endArrow": "none", "startArrow": "none",
                      "strokeColor": _c(style.MODE_COLORS[mode]), "strokeWidth": 2.5}
        if mode in ("paravirtual", "emulated"):
            line_style["dashed"] = 1
        edges.append(Edge(f"legend-line-{mode}", [(lx, ly + 6), (lx + 22, ly + 6)], line_style, parent="legend"))
        shapes.append(Shape(f"legend-{mode}", escape(style.MODE_LABELS[mode]), lx + 26, ly - 1, 130, 14,
                            dict(text), parent="legend"))
        if mode == "passthrough":
            lx, ly = x + 10, ly + 18
        else:
            lx += 160
    return shapes, edges


def drawio_bytes(topology: Topology, solution, options) -> tuple[bytes, QSizeF]:
    """The draw.io file of the diagram view, and the size of what it shows."""
    from .render import build_diagram_scene, summary_line

    with style.theme("light"):
        scene, _content = build_diagram_scene(topology, solution, options)
        try:
            shapes, edges, area = build_cells(scene, topology, options)
            if area.isEmpty():
                area = QRectF(0, 0, 320, 120)
            if options.legend:
                legend_shapes, legend_edges = _legend(area.left(), area.bottom() + 18.0,
                                                      options.overlay and solution is not None)
                shapes += legend_shapes
                edges += legend_edges
                area = area.united(QRectF(area.left(), area.bottom() + 18.0,
                                          legend_shapes[0].w, legend_shapes[0].h + 18.0))
            if options.title_block:
                date = options.date or _dt.date.today().isoformat()
                meta = " · ".join(t for t in (date, f"Prepared by {options.author.strip()}"
                                              if options.author.strip() else "") if t)
                summary = summary_line(solution if options.overlay else None)
                label = (f"<b style='font-size:15px'>{escape(topology.title.strip() or 'Untitled design')}</b><br>"
                         + _html(meta, summary, options.notes.strip()))
                shapes.append(Shape("title", label, area.left(), area.top() - 90.0, max(area.width(), 380.0), 80.0,
                                    {"text": "", "html": 1, "align": "left", "verticalAlign": "top",
                                     "whiteSpace": "wrap", "fontSize": 10, "fontColor": _c(style.current().text),
                                     "strokeColor": "none", "fillColor": "none"}))
                area = area.united(QRectF(area.left(), area.top() - 90.0, 380.0, 80.0))
            data = to_mxfile(topology.title or "Untitled design", shapes, edges)
        finally:
            scene.clear()
    return data, QSizeF(area.width(), area.height())
