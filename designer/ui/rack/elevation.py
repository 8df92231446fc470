"""Rack elevations: each rack drawn from the front with numbered U slots (U1 at the
bottom), its servers and switches in their slots coloured by the solver overlay, and
its figures underneath. Racks stand side by side on one floor line.

``draw_racks`` fills a scene and is shared by the designer's Rack view and by
``build_rack_scene``, the export entry (``rackio export FILE --view rack``).
Colours are read from ``style`` when an item paints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QStyle, QStyleOptionGraphicsItem

from ...model.racks import (
    RackFigures,
    members_by_rack,
    peak_port,
    rack_figures,
    resource_utilization,
    span,
    span_text,
    vmm_utilization,
)
from ...model.topology import Topology
from .. import style

U_H = 18.0  # one rack unit
FACE_W = 220.0  # the devices' front panels
RAIL_L = 30.0  # left rail, with the U numbers
RAIL_R = 14.0
FRAME = 8.0  # top and bottom of the cabinet
HEADER_H = 30.0
FIGURES_GAP = 10.0
FIGURES_H = 84.0
RACK_GAP = 70.0
RACK_W = RAIL_L + FACE_W + RAIL_R
LEGEND_H = 46.0


def _font(size: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(size)
    font.setBold(bold)
    return font


def _elided(painter: QPainter, rect: QRectF, flags, text: str) -> None:
    metrics = QFontMetricsF(painter.font())
    painter.drawText(rect, flags, metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width()))


def _mix(color: QColor, toward: QColor, amount: float) -> QColor:
    return QColor(round(color.red() + (toward.red() - color.red()) * amount),
                  round(color.green() + (toward.green() - color.green()) * amount),
                  round(color.blue() + (toward.blue() - color.blue()) * amount))


# ------------------------------------------------------------------ geometry
@dataclass
class RackGeometry:
    """Where each rack stands: racks left to right in design order, bottoms aligned."""

    heights: dict[str, int] = field(default_factory=dict)
    left: dict[str, float] = field(default_factory=dict)
    floor_y: float = 0.0  # the bottom edge of U1 of every rack

    @classmethod
    def of(cls, topo: Topology, only: set[str] | None = None) -> "RackGeometry":
        geometry = cls()
        racks = [rack for rack in topo.racks.values() if only is None or rack.id in only]
        tallest = max((rack.height_u for rack in racks), default=0)
        geometry.floor_y = HEADER_H + FRAME + tallest * U_H
        x = 0.0
        for rack in racks:
            geometry.heights[rack.id] = rack.height_u
            geometry.left[rack.id] = x
            x += RACK_W + RACK_GAP
        return geometry

    def cabinet_rect(self, rack_id: str) -> QRectF:
        """The cabinet: rails, frame and slots (not the header or figures)."""
        height = self.heights[rack_id] * U_H + 2 * FRAME
        return QRectF(self.left[rack_id], self.floor_y + FRAME - height, RACK_W, height)

    def slot_rect(self, rack_id: str, rack_u: int, height_u: int = 1) -> QRectF:
        """The front panel of an element occupying ``rack_u`` … ``rack_u + height_u - 1``."""
        top = self.floor_y - (rack_u + height_u - 1) * U_H
        return QRectF(self.left[rack_id] + RAIL_L, top, FACE_W, height_u * U_H)

    def header_rect(self, rack_id: str) -> QRectF:
        cabinet = self.cabinet_rect(rack_id)
        return QRectF(cabinet.left(), cabinet.top() - HEADER_H, RACK_W, HEADER_H)

    def figures_rect(self, rack_id: str) -> QRectF:
        return QRectF(self.left[rack_id], self.floor_y + FRAME + FIGURES_GAP, RACK_W, FIGURES_H)

    def rack_at(self, pos: QPointF) -> str | None:
        """The rack whose column (header to figures) holds ``pos``."""
        for rack_id, left in self.left.items():
            if left <= pos.x() <= left + RACK_W:
                top = self.header_rect(rack_id).top()
                if top - U_H * 4 <= pos.y() <= self.figures_rect(rack_id).bottom():
                    return rack_id
        return None

    def unit_at(self, rack_id: str, pos: QPointF) -> int:
        """The U under a point of a rack's column (may be < 1 or past the top)."""
        return int((self.floor_y - pos.y()) // U_H) + 1

    def slot_at(self, pos: QPointF) -> tuple[str, int] | None:
        rack_id = self.rack_at(pos)
        if rack_id is None:
            return None
        return rack_id, self.unit_at(rack_id, pos)


# --------------------------------------------------------------------- items
class RackFrameItem(QGraphicsItem):
    """A rack's header, cabinet, rails with U numbers and empty slots."""

    def __init__(self, rack_id: str, title: str, height_u: int, geometry: RackGeometry,
                 selectable: bool = False) -> None:
        super().__init__()
        self.rack_id = rack_id
        self.title = title
        self.height_u = height_u
        self.geometry = geometry
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, selectable)
        self.setZValue(-1)
        self.setToolTip(f"Rack {rack_id}" + (f" — {title}" if title != rack_id else "") + f", {height_u} U")

    def boundingRect(self) -> QRectF:
        return self.geometry.header_rect(self.rack_id).united(self.geometry.cabinet_rect(self.rack_id)).adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        g = self.geometry
        cabinet = g.cabinet_rect(self.rack_id)
        header = g.header_rect(self.rack_id)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(_font(10, True))
        painter.setPen(style.current().selection if selected else style.current().text)
        _elided(painter, header.adjusted(2, 0, -2, -6), Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                self.title)
        # Cabinet and rails.
        painter.setPen(QPen(style.current().selection if selected else style.current().outline, 2.5 if selected else 1.5))
        painter.setBrush(style.current().kind_colors.get("rack", style.current().surface))
        painter.drawRoundedRect(cabinet, 3, 3)
        face = QRectF(cabinet.left() + RAIL_L, cabinet.top() + FRAME, FACE_W, self.height_u * U_H)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.current().surface)
        painter.drawRect(face)
        painter.setPen(QPen(style.current().divider, 0.8))
        for u in range(1, self.height_u):
            y = g.floor_y - u * U_H
            painter.drawLine(QPointF(face.left(), y), QPointF(face.right(), y))
        painter.setPen(QPen(style.current().outline, 0.8))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(face)
        # U numbers, bottom-up, and the mounting holes of the right rail.
        # At least 8 px on screen: zoomed out, larger numbers on every 2nd, 5th or 10th U.
        scale = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform()) or 1.0
        points = max(6.5, 8.5 * 72 / 96 / scale)
        step = next((k for k in (1, 2, 5, 10, 20, 50) if k * U_H >= points * 96 / 72 * 1.15), 50)
        painter.setFont(_font(points))
        painter.setPen(style.current().muted_text)
        for u in range(1, self.height_u + 1):
            if step > 1 and u != 1 and u % step:
                continue
            slot = g.slot_rect(self.rack_id, u)
            box_h = max(U_H, points * 96 / 72 * 1.3)
            painter.drawText(QRectF(cabinet.left() - 60, slot.center().y() - box_h / 2, RAIL_L - 5 + 60, box_h),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(u))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.current().divider)
        for u in range(1, self.height_u + 1):
            slot = g.slot_rect(self.rack_id, u)
            painter.drawEllipse(QPointF(face.right() + RAIL_R / 2, slot.center().y()), 1.6, 1.6)


class RackElementItem(QGraphicsItem):
    """A server or switch in its slots: kind, name and its overlay figure."""

    def __init__(self, element_id: str, kind: str, title: str, rect: QRectF, *, utilization: float | None,
                 figure: str, tooltip: str, faulty: bool, selectable: bool) -> None:
        super().__init__()
        self.element_id = element_id
        self.kind = kind
        self.title = title
        self.rect = rect
        self.utilization = utilization
        self.figure = figure
        self.faulty = faulty
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, selectable)
        self.setToolTip(tooltip)
        self.setZValue(1)

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        rect = self.rect.adjusted(0.5, 0.5, -0.5, -0.5)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = style.current().kind_colors.get(self.kind, style.current().surface)
        if self.utilization is None:
            fill, strip = base, style.current().outline
        else:
            strip = style.utilization_color(self.utilization)
            fill = _mix(strip, base, 0.72)
        painter.setPen(QPen(style.current().outline, 1))
        painter.setBrush(fill)
        painter.drawRect(rect)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(strip)
        painter.drawRect(QRectF(rect.left(), rect.top(), 7, rect.height()))
        painter.setPen(style.current().text)
        painter.setFont(_font(6.5, True))
        line_h = min(rect.height(), U_H)
        text_top = rect.top() + (rect.height() - line_h) / 2
        painter.drawText(QRectF(rect.left() + 10, text_top, 26, line_h), Qt.AlignmentFlag.AlignVCenter,
                         "SW" if self.kind == "switch" else "SRV")
        painter.setFont(_font(6.8))
        figure_w = QFontMetricsF(painter.font()).horizontalAdvance(self.figure) + 6 if self.figure else 0
        if self.figure:
            painter.drawText(QRectF(rect.right() - figure_w - 2, text_top, figure_w, line_h),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self.figure)
        painter.setFont(_font(7.5, True))
        _elided(painter, QRectF(rect.left() + 36, text_top, rect.width() - 40 - figure_w, line_h),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, self.title)
        if self.faulty:
            pen = QPen(style.current().error_color, 2.0, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        if selected:
            painter.setPen(QPen(style.current().selection, 2.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(-1, -1, 1, 1))


class FiguresItem(QGraphicsItem):
    """A rack's figures: U used and free, servers, switches, VMs, VMM cores, peak port."""

    def __init__(self, rect: QRectF, figures: RackFigures) -> None:
        super().__init__()
        self.rect = rect
        self.figures = figures
        self.lines = figure_lines(figures)

    def boundingRect(self) -> QRectF:
        return self.rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(style.current().legend_frame, 1))
        painter.setBrush(style.current().footer)
        painter.drawRoundedRect(self.rect, 4, 4)
        y = self.rect.top() + 6
        for index, (text, color) in enumerate(self.lines):
            painter.setFont(_font(7.8, index == 0))
            painter.setPen(color if color is not None else style.current().text)
            _elided(painter, QRectF(self.rect.left() + 8, y, self.rect.width() - 16, 15),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
            y += 15


def figure_lines(fig: RackFigures) -> list[tuple[str, QColor | None]]:
    """The figures panel's lines (text, colour or None for the normal text colour)."""
    plural = lambda n, word: f"{n} {word}{'s' * (n != 1)}"  # noqa: E731
    lines: list[tuple[str, QColor | None]] = [
        (f"{fig.used_u} U used · {fig.free_u} U free of {fig.height_u}", None),
        (f"{plural(fig.servers, 'server')} · {plural(fig.switches, 'switch').replace('switchs', 'switches')}"
         f" · {plural(fig.vms, 'VM')}", None),
        (f"VMM {fig.vmm_cores:.2f} of {fig.vmm_capacity_cores:g} cores", None),
    ]
    if fig.peak_port_utilization is None:
        lines.append(("Peak port: —", None))
    else:
        u = fig.peak_port_utilization
        lines.append((f"Peak port {u * 100:.1f} %" + (f" ({fig.peak_port_resource})" if fig.peak_port_resource else ""),
                      style.utilization_color(u) if u >= 0.9 else None))
    if fig.free_u < 0 or fig.used_u > fig.height_u:
        lines.append(("Over capacity", style.current().error_color))
    return lines


class LegendItem(QGraphicsItem):
    """What the colours mean: VMM load of servers, peak port utilisation of switches."""

    def __init__(self, origin: QPointF) -> None:
        super().__init__()
        self.origin = origin

    def boundingRect(self) -> QRectF:
        return QRectF(self.origin.x(), self.origin.y(), 470, LEGEND_H)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        box = self.boundingRect()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(_font(7.5))
        painter.setPen(style.current().text)
        painter.drawText(QRectF(box.left(), box.top(), box.width(), 14), Qt.AlignmentFlag.AlignLeft,
                         "Servers: VMM load (cores used / budget) · switches: peak port utilisation")
        bar = QRectF(box.left(), box.top() + 18, 230, 10)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        for u, color in style.UTIL_STOPS[:-1]:
            gradient.setColorAt(u * 0.999, color)
        gradient.setColorAt(0.999, style.UTIL_STOPS[-2][1])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(gradient)
        painter.drawRect(bar)
        painter.setBrush(style.SATURATED_COLOR)
        painter.drawRect(QRectF(bar.right() + 6, bar.top(), 34, 10))
        painter.setPen(style.current().muted_text)
        for u in (0.0, 0.5, 0.75, 0.9):
            x = bar.left() + u * bar.width()
            painter.drawText(QRectF(x - 15, bar.bottom() + 1, 30, 12), Qt.AlignmentFlag.AlignCenter, f"{u * 100:.0f}%")
        painter.drawText(QRectF(bar.right() + 2, bar.bottom() + 1, 60, 12), Qt.AlignmentFlag.AlignLeft, "100% full")


# ----------------------------------------------------------------- drawing
@dataclass
class RackDrawing:
    """What ``draw_racks`` put in a scene."""

    geometry: RackGeometry
    frames: dict[str, RackFrameItem] = field(default_factory=dict)
    elements: dict[str, RackElementItem] = field(default_factory=dict)
    figures: dict[str, FiguresItem] = field(default_factory=dict)
    content: QRectF = field(default_factory=QRectF)


def element_overlay(topo: Topology, element_id: str, solution: Any,
                    utilization: dict[str, float]) -> tuple[float | None, str, str]:
    """(utilisation for the colour, short figure, tooltip line) of a racked element."""
    element = topo.elements[element_id]
    if solution is None:
        return None, "", ""
    if element.KIND == "server":
        u = vmm_utilization(solution, element_id)
        cores = float(solution.server_vmm_cores.get(element_id, 0.0))
        budget = float(element.vmm_io_cores)  # type: ignore[attr-defined]
        return u, f"VMM {u * 100:.0f} %", f"VMM {cores:.3f} of {budget:g} cores ({u * 100:.1f} %)"
    u, rid = peak_port(topo, element_id, utilization)
    if u is None:
        return None, "", "no cabled port carries traffic"
    return u, f"{u * 100:.0f} %", f"peak port {u * 100:.1f} % ({rid})"


def _lanes(placed: list) -> dict[str, tuple[int, int]]:
    """element id → (lane, lanes): overlapping elements side by side, the rest full width."""
    lane_of: dict[str, int] = {}
    for i, element in enumerate(placed):
        low, high = span(element)
        busy = {lane_of[o.id] for o in placed[:i] if span(o)[0] <= high and low <= span(o)[1]}
        lane = 0
        while lane in busy:
            lane += 1
        lane_of[element.id] = lane
    out = {}
    for element in placed:
        low, high = span(element)
        group = [o for o in placed if span(o)[0] <= high and low <= span(o)[1]]
        out[element.id] = (lane_of[element.id], max(lane_of[o.id] for o in group) + 1)
    return out


def draw_racks(scene: QGraphicsScene, topo: Topology, solution: Any = None, *, overlay: bool = True,
               interactive: bool = False, legend: bool = True, only: set[str] | None = None) -> RackDrawing:
    """Add the elevation of every rack (or of the racks in ``only``) to ``scene``;
    returns the items and the area drawn."""
    geometry = RackGeometry.of(topo, only)
    drawing = RackDrawing(geometry)
    solution = solution if overlay else None
    utilization = resource_utilization(solution)
    figures = rack_figures(topo, solution, utilization)
    racked = members_by_rack(topo)
    for rack in topo.racks.values():
        if only is not None and rack.id not in only:
            continue
        frame = RackFrameItem(rack.id, rack.display_name(), rack.height_u, geometry, selectable=interactive)
        scene.addItem(frame)
        drawing.frames[rack.id] = frame
        placed = racked[rack.id]
        lanes = _lanes(placed)
        for element in placed:
            low, high = span(element)
            rect = geometry.slot_rect(rack.id, low, element.height_u)  # type: ignore[attr-defined]
            lane, count = lanes[element.id]
            # Marked: both elements of a collision, and an element reaching past the top.
            faulty = count > 1 or high > rack.height_u
            if count > 1:  # overlapping elements share the width, so none hides another
                rect = QRectF(rect.left() + lane * rect.width() / count, rect.top(), rect.width() / count, rect.height())
            u, figure, detail = element_overlay(topo, element.id, solution, utilization)
            kind = "switch" if element.KIND == "switch" else "server"
            tip = f"{kind.capitalize()} {element.id}" + (f" — {element.label}" if element.label else "")
            tip += f"\n{rack.display_name()}, {span_text(low, high)} ({element.height_u} U)"  # type: ignore[attr-defined]
            if detail:
                tip += f"\n{detail}"
            item = RackElementItem(element.id, element.KIND, element.display_name(), rect, utilization=u,
                                   figure=figure, tooltip=tip, faulty=faulty, selectable=interactive)
            scene.addItem(item)
            drawing.elements[element.id] = item
        panel = FiguresItem(geometry.figures_rect(rack.id), figures[rack.id])
        scene.addItem(panel)
        drawing.figures[rack.id] = panel
    content = QRectF()
    for item in list(drawing.frames.values()) + list(drawing.elements.values()) + list(drawing.figures.values()):
        content = content.united(item.sceneBoundingRect())
    if legend and drawing.frames and solution is not None:
        item = LegendItem(QPointF(content.left(), content.bottom() + 14))
        scene.addItem(item)
        content = content.united(item.sceneBoundingRect())
    drawing.content = content
    return drawing


def _option(options: Any, name: str, default: Any) -> Any:
    if options is None:
        return default
    if isinstance(options, dict):
        return options.get(name, default)
    return getattr(options, name, default)


def selected_racks(topology: Topology, selection: Any) -> set[str] | None:
    """The racks an export selection asks for: racks named in it and the racks of the
    selected servers and switches (or of the servers holding selected NICs, VFs, VMs).
    None: no selection, every rack."""
    if not selection:
        return None
    out: set[str] = set()
    for key in selection:
        if key in topology.racks:
            out.add(key)
            continue
        element = topology.elements.get(key)
        if element is not None and element.KIND not in ("server", "switch"):
            element = topology.server_of(key)
        rack = getattr(element, "rack", None)
        if rack in topology.racks and getattr(element, "rack_u", None) is not None:
            out.add(rack)
    return out


def build_rack_scene(topology: Topology, solution: Any = None, options: Any = None) -> tuple[QGraphicsScene, QRectF]:
    """The export view ``rack``: the racks' elevations side by side, no selection marks.

    ``options`` may set ``overlay`` (colour by the solution, default on), ``legend``
    (default on) and ``selection`` (ids: only the racks holding those elements, or
    racks named by id). The theme is the one ``style`` holds when this is called.
    """
    scene = QGraphicsScene()
    scene.setBackgroundBrush(QBrush(style.current().canvas_bg))
    only = selected_racks(topology, _option(options, "selection", ()))
    if not topology.racks or only == set():
        note = "This design has no racks." if not topology.racks else "None of the selection is in a rack."
        text = scene.addText(note, _font(11))
        text.setDefaultTextColor(style.current().muted_text)
        return scene, text.sceneBoundingRect().adjusted(-20, -20, 20, 20)
    drawing = draw_racks(scene, topology, solution, overlay=bool(_option(options, "overlay", True)),
                         legend=bool(_option(options, "legend", True)), only=only)
    rect = drawing.content.adjusted(-24, -24, 24, 24)
    scene.setSceneRect(rect)
    return scene, rect


__all__ = ["build_rack_scene", "draw_racks", "RackGeometry", "RackDrawing", "RackElementItem", "RackFrameItem",
           "FiguresItem", "U_H"]
