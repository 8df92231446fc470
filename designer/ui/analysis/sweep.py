"""Demand sweep: peak utilisation, VMM cores and guarantees missed as demand scales 0 → K.

``SweepFigure`` draws a ``SweepResult`` into a pyqtgraph layout; the dock
(``SweepPanel``) and the headless ``rackio sweep --png`` renderer
(``render_sweep_png``) share it. The dock computes in a worker thread on a
serialised snapshot of the design, so the window never waits for it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
)

from ...fileformat.project import build_topology, to_document
from ...model.topology import Topology
from ...solver.sweep import SweepResult, sweep
from .. import style
from ..plain import markup
from .base import AnalysisPanel, BackgroundJob, png_bytes, style_plot_item
from .data import resource_element_id

DEFAULT_TO = 2.0
DEFAULT_STEPS = 41
CLICK_RADIUS_PX = 10


def _with_alpha(color: QColor, alpha: int) -> QColor:
    c = QColor(color)
    c.setAlpha(alpha)
    return c


def saturation_text(result: SweepResult) -> str:
    if result.first_saturation is None:
        return ""
    names = result.first_saturated
    more = f" and {len(names) - 1} more" if len(names) > 1 else ""
    return f"saturates at ×{result.first_saturation:.4g}: {names[0]}{more}"


class SweepFigure:
    """Three stacked plots sharing the demand-scale axis, a 100 % line, the first
    saturation point marked and labelled, and a movable cursor reading every curve."""

    def __init__(self, layout: pg.GraphicsLayout, title: str | None = None, columns: bool = False) -> None:
        self.layout = layout
        self.title = title
        self.result: SweepResult | None = None
        self.to = DEFAULT_TO
        row = 0
        self.title_label = None
        if title is not None:
            self.title_label = layout.addLabel(markup(title), row=0, col=0, colspan=3 if columns else 1, size="12pt")
            row = 1
        cells = [(row, 0), (row, 1), (row, 2)] if columns else [(row, 0), (row + 1, 0), (row + 2, 0)]
        self.plots: list[pg.PlotItem] = [layout.addPlot(row=r, col=c) for r, c in cells]
        self.util_plot, self.vmm_plot, self.missed_plot = self.plots
        self.plot_titles = ("Peak utilisation (%)", "VMM cores spent on I/O (all servers)", "Guarantees missed")
        for plot in self.plots:
            plot.setMenuEnabled(False)
            plot.getViewBox().setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.getAxis("left").setWidth(44)
            plot.getAxis("bottom").enableAutoSIPrefix(False)
            plot.getAxis("left").enableAutoSIPrefix(False)
            if columns or plot is self.missed_plot:
                plot.setLabel("bottom", "Demand scale (×)")
        for plot in self.plots[1:]:
            plot.setXLink(self.util_plot)
        self.curves = [plot.plot([], [], name=name) for plot, name in
                       zip(self.plots, ("peak_utilization_pct", "vmm_cores", "guarantees_missed"))]
        self.hundred = pg.InfiniteLine(pos=100, angle=0, movable=False)
        self.util_plot.addItem(self.hundred, ignoreBounds=True)
        self.sat_lines = [pg.InfiniteLine(angle=90, movable=False) for _ in self.plots]
        for plot, line in zip(self.plots, self.sat_lines):
            plot.addItem(line, ignoreBounds=True)
        self.sat_marker = pg.ScatterPlotItem(size=13, symbol="d")
        self.util_plot.addItem(self.sat_marker)
        self.sat_label = pg.TextItem(anchor=(0, 0))
        self.util_plot.addItem(self.sat_label, ignoreBounds=True)
        self.highlight = pg.ScatterPlotItem(size=15, symbol="o")
        self.util_plot.addItem(self.highlight)
        # The cursor: one movable line per plot, kept together, each labelled with its curve's value.
        # Labels low in the first two plots (their curves rise to the right), high in the third.
        self.cursors = [pg.InfiniteLine(angle=90, movable=True, label=" ",
                                        labelOpts={"position": position, "anchors": [(0, 1), (0, 1)]})
                        for position in (0.1, 0.1, 0.9)]
        for plot, cursor in zip(self.plots, self.cursors):
            plot.addItem(cursor, ignoreBounds=True)
            cursor.sigPositionChanged.connect(self._cursor_moved)
        self._moving = False
        self.on_cursor = None  # callable(text) for a readout outside the plot
        self.highlighted: np.ndarray = np.zeros(0, dtype=bool)
        self.restyle()

    # ----------------------------------------------------------------- style
    def restyle(self) -> None:
        fg = style.current().plot_fg
        for plot, title in zip(self.plots, self.plot_titles):
            plot.setTitle(title, color=fg.name(), size="9pt")
            style_plot_item(plot)
        if self.title_label is not None:
            self.title_label.setText(markup(self.title), color=fg.name(), size="12pt")
        colors = (style.utilization_color(0.8), style.MODE_COLORS["paravirtual"], style.current().error_color)
        for curve, color in zip(self.curves, colors):
            curve.setPen(pg.mkPen(color, width=2))
            curve.setSymbol("o")
            curve.setSymbolSize(5)
            curve.setSymbolBrush(pg.mkBrush(color))
            curve.setSymbolPen(pg.mkPen(color))
        self.hundred.setPen(pg.mkPen(_with_alpha(fg, 160), width=1, style=Qt.PenStyle.DashLine))
        for line in self.sat_lines:
            line.setPen(pg.mkPen(style.SATURATED_COLOR, width=1.5, style=Qt.PenStyle.DashLine))
        self.sat_marker.setBrush(pg.mkBrush(style.SATURATED_COLOR))
        self.sat_marker.setPen(pg.mkPen(fg, width=1))
        self.sat_label.setColor(style.SATURATED_COLOR)
        self.highlight.setBrush(pg.mkBrush(None))
        self.highlight.setPen(pg.mkPen(style.current().selection, width=2.5))
        for cursor in self.cursors:
            cursor.setPen(pg.mkPen(_with_alpha(fg, 200), width=1))
            cursor.setHoverPen(pg.mkPen(style.current().selection, width=2))
            cursor.label.setColor(fg)
            cursor.label.fill = pg.mkBrush(_with_alpha(style.current().plot_bg, 210))

    # ------------------------------------------------------------------ data
    def set_result(self, result: SweepResult | None, to: float) -> None:
        self.result = result
        self.to = to
        rows = result.rows if result is not None else []
        x = np.array([r.scale for r in rows], dtype=float)
        self.curves[0].setData(x, np.array([r.peak_utilization * 100 for r in rows], dtype=float))
        self.curves[1].setData(x, np.array([r.vmm_cores for r in rows], dtype=float))
        self.curves[2].setData(x, np.array([r.guarantees_missed for r in rows], dtype=float))
        top_util = max([100.0] + [r.peak_utilization * 100 for r in rows])
        self.util_plot.setYRange(0, top_util * 1.08, padding=0)
        top_vmm = max([0.0] + [r.vmm_cores for r in rows])
        self.vmm_plot.setYRange(0, top_vmm * 1.1 if top_vmm > 0 else 1.0, padding=0)
        top_missed = max([0] + [r.guarantees_missed for r in rows])
        top = max(1.0, top_missed * 1.15)
        self.missed_plot.setYRange(-0.04 * top, top, padding=0)  # a zero curve stays clear of the axis
        counts_axis = self.missed_plot.getAxis("left")
        if top_missed <= 8:
            counts_axis.setTickSpacing(major=1, minor=1)  # counts: whole numbers only
        else:
            counts_axis.setTickSpacing()
        self.util_plot.setXRange(0, max(to, 1e-6), padding=0.02)
        first = result.first_saturation if result is not None else None
        for line in self.sat_lines:
            line.setVisible(first is not None)
            if first is not None:
                line.setValue(first)
        if first is not None:
            self.sat_marker.setData([first], [100.0])
            self.sat_label.setText(saturation_text(result))
            # Below the 100 % line, right of the point in the left half, left of it otherwise.
            self.sat_label.setAnchor((0, 0) if first <= 0.5 * max(to, 1e-6) else (1, 0))
            self.sat_label.setPos(first, 100.0)
            self.sat_label.setVisible(True)
        else:
            self.sat_marker.setData([], [])
            self.sat_label.setVisible(False)
        self.highlighted = np.zeros(len(rows), dtype=bool)
        self.highlight.setData([], [])
        cursor_at = self.cursors[0].value()
        if not rows:
            self._set_cursor(0.0)
        elif not (0 <= cursor_at <= to) or cursor_at == 0:
            self._set_cursor(min(1.0, to))
        else:
            self._set_cursor(cursor_at)

    def nearest_row(self, x: float) -> int | None:
        if self.result is None or not self.result.rows:
            return None
        scales = np.array([r.scale for r in self.result.rows])
        return int(np.argmin(np.abs(scales - x)))

    def readout(self, x: float) -> str:
        i = self.nearest_row(x)
        if i is None:
            return ""
        row = self.result.rows[i]
        peak = f" ({row.peak_resource})" if row.peak_resource else ""
        return (f"×{row.scale:.4g}: peak {row.peak_utilization * 100:.1f} %{peak} · "
                f"VMM {row.vmm_cores:.3f} cores · {row.guarantees_missed} missed")

    def _set_cursor(self, x: float) -> None:
        self._moving = True
        try:
            for cursor in self.cursors:
                cursor.setValue(x)
        finally:
            self._moving = False
        self._cursor_moved(self.cursors[0])

    def _cursor_moved(self, line) -> None:
        if self._moving:
            return
        x = line.value()
        self._moving = True
        try:
            for cursor in self.cursors:
                if cursor is not line:
                    cursor.setValue(x)
        finally:
            self._moving = False
        text = self.readout(x)
        i = self.nearest_row(x)
        if i is None:
            labels = ("", "", "")
        else:
            row = self.result.rows[i]
            labels = (f"×{row.scale:.3g}: {row.peak_utilization * 100:.1f} %", f"{row.vmm_cores:.3f} cores",
                      f"{row.guarantees_missed} missed")
        right_half = x > 0.6 * max(self.to, 1e-6)
        for cursor, label in zip(self.cursors, labels):
            cursor.label.setFormat(label)
            cursor.label.anchors = [(1, 1), (1, 1)] if right_half else [(0, 1), (0, 1)]
            cursor.label.updatePosition()
        if self.on_cursor is not None:
            self.on_cursor(text)

    def set_highlight(self, mask: np.ndarray) -> None:
        """Ring the utilisation points whose peak resource belongs to the canvas selection."""
        rows = self.result.rows if self.result is not None else []
        self.highlighted = mask
        if not rows or not mask.any():
            self.highlight.setData([], [])
            return
        idx = np.flatnonzero(mask)
        self.highlight.setData([rows[i].scale for i in idx], [rows[i].peak_utilization * 100 for i in idx])

    def csv_text(self) -> str:
        return self.result.to_csv() if self.result is not None else SweepResult().to_csv()


def render_sweep_png_headless(result: SweepResult, to: float, title: str) -> bytes:
    """``render_sweep_png`` for the command line: makes the QApplication it needs."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["rackio"])  # noqa: F841 (kept alive while drawing)
    return render_sweep_png(result, to, title)


def render_sweep_png(result: SweepResult, to: float, title: str, width: int = 1000, height: int = 760) -> bytes:
    """The sweep plot as PNG bytes, headless (a QApplication must exist)."""
    from PySide6.QtWidgets import QApplication

    widget = pg.GraphicsLayoutWidget()
    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    widget.resize(width, height)
    try:
        with style.theme("light"):
            widget.setBackground(style.current().plot_bg)
            figure = SweepFigure(widget.ci, title=title)
            figure.set_result(result, to)
            for cursor in figure.cursors:
                cursor.setVisible(False)
            widget.show()
            QApplication.processEvents()
            return png_bytes(widget.scene(), width=width)
    finally:
        widget.close()
        widget.deleteLater()


# ------------------------------------------------------------------- the dock
def run_sweep(document: dict, to: float, steps: int, cancelled, report) -> tuple[SweepResult, Topology] | None:
    """Worker-thread body: rebuild the design from its snapshot and sweep it."""
    topo = build_topology(document)
    calls = [0]

    def cancel() -> bool:  # called once per step by ``sweep``
        report(min(1.0, calls[0] / steps))
        calls[0] += 1
        return cancelled()

    result = sweep(topo, to=to, steps=steps, cancel=cancel)
    if cancelled():
        return None
    return result, topo


class SweepPanel(AnalysisPanel):
    export_name = "demand-sweep"

    def __init__(self, parent=None) -> None:
        super().__init__(pg.GraphicsLayoutWidget(), parent)
        self.setObjectName("sweepPanel")
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Demand up to ×"))
        self.to_box = QDoubleSpinBox()
        self.to_box.setObjectName("sweepTo")
        self.to_box.setRange(0.1, 100.0)
        self.to_box.setSingleStep(0.25)
        self.to_box.setDecimals(2)
        self.to_box.setValue(DEFAULT_TO)
        self.to_box.setKeyboardTracking(False)
        controls.addWidget(self.to_box)
        controls.addWidget(QLabel("Steps"))
        self.steps_box = QSpinBox()
        self.steps_box.setObjectName("sweepSteps")
        self.steps_box.setRange(2, 2001)
        self.steps_box.setValue(DEFAULT_STEPS)
        self.steps_box.setKeyboardTracking(False)
        controls.addWidget(self.steps_box)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("sweepStop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        controls.addWidget(self.stop_button)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setObjectName("sweepStatus")
        controls.addWidget(self.status, 1)
        self.layout_.addLayout(controls)
        self.layout_.addWidget(self.graphics, 1)
        self.readout = QLabel()
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        self.readout.setObjectName("sweepReadout")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.layout_.addWidget(self.readout)
        self.figure = SweepFigure(self.graphics.ci, columns=True)
        self.figure.on_cursor = self.readout.setText
        self.job = BackgroundJob("sweep")
        self.job.finished.connect(self._finished)
        self.job.progress.connect(self._progress)
        self.topology: Topology | None = None
        self.result_topology: Topology | None = None
        self.result: SweepResult | None = None
        self.selected: list[str] = []
        self.error: str | None = None
        self.to_box.valueChanged.connect(lambda _v: self.start())
        self.steps_box.valueChanged.connect(lambda _v: self.start())
        self.graphics.scene().sigMouseClicked.connect(self._clicked)
        self.restyle()

    def plot_items(self):
        return self.figure.plots

    def restyle(self) -> None:
        self.graphics.setBackground(style.current().plot_bg)
        self.figure.restyle()

    # -------------------------------------------------------------- running
    def set_topology(self, topo: Topology) -> None:
        self.topology = topo

    def start(self) -> None:
        """(Re)start the sweep on a snapshot of the design as it is now."""
        if self.topology is None:
            return
        document = to_document(self.topology)  # plain values: safe to hand to the worker
        to, steps = float(self.to_box.value()), int(self.steps_box.value())
        self.error = None
        self.stop_button.setEnabled(True)
        self.status.setText(f"Sweeping 0 → ×{to:g} in {steps} steps…")
        self.job.start(lambda cancelled, report: run_sweep(document, to, steps, cancelled, report))

    def stop(self) -> None:
        if self.job.running():
            self.job.cancel()
            self.status.setText("Stopped; the plot shows the last finished sweep.")
        self.stop_button.setEnabled(False)

    def running(self) -> bool:
        return self.job.running() and self.stop_button.isEnabled()

    def _progress(self, generation: int, fraction: float) -> None:
        if generation == self.job.generation and self.stop_button.isEnabled():
            self.status.setText(f"Sweeping… {fraction * 100:.0f} %")

    def _finished(self, generation: int, outcome) -> None:
        if generation != self.job.generation:
            return  # a newer sweep is under way
        self.stop_button.setEnabled(False)
        if isinstance(outcome, Exception) or outcome is None:
            self.error = f"{type(outcome).__name__}: {outcome}" if outcome is not None else "no result"
            self.status.setText(f"The sweep failed: {self.error}")
            return
        result, topo = outcome
        self.result, self.result_topology = result, topo
        self.figure.set_result(result, float(self.to_box.value()))
        text = saturation_text(result)
        self.status.setText(f"First {text}" if text else f"Nothing saturates up to ×{self.to_box.value():g}")
        self.set_selection(self.selected)

    # ------------------------------------------------------------ selection
    def set_selection(self, ids: list[str]) -> None:
        self.selected = list(ids)
        result, topo = self.result, self.result_topology
        if result is None or topo is None:
            return
        chosen = set(ids)
        mask = np.zeros(len(result.rows), dtype=bool)
        if chosen:
            for i, row in enumerate(result.rows):
                if row.peak_resource and row.peak_utilization > 0:
                    related = resource_related_ids(row.peak_resource, topo)
                    mask[i] = bool(related & chosen)
        self.figure.set_highlight(mask)

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.result is None:
            return
        vb = self.figure.util_plot.getViewBox()
        scene_pos = event.scenePos()
        if not vb.sceneBoundingRect().contains(scene_pos):
            for plot in self.figure.plots[1:]:
                if plot.getViewBox().sceneBoundingRect().contains(scene_pos):
                    x = plot.getViewBox().mapSceneToView(scene_pos).x()
                    self.figure._set_cursor(x)
            return
        point = vb.mapSceneToView(scene_pos)
        self.figure._set_cursor(point.x())
        target = self.point_at(scene_pos)
        if target:
            element = resource_element_id(target, self.result_topology)
            if element:
                self.elementRequested.emit(element)

    def point_at(self, scene_pos: QPointF) -> str | None:
        """The resource behind a click near the saturation marker or a utilisation point."""
        vb = self.figure.util_plot.getViewBox()
        result = self.result
        candidates = []
        if result.first_saturation is not None and result.first_saturated:
            candidates.append((result.first_saturation, 100.0, result.first_saturated[0]))
        for row in result.rows:
            if row.peak_resource and row.peak_utilization > 0:
                candidates.append((row.scale, row.peak_utilization * 100, row.peak_resource))
        best, best_d = None, CLICK_RADIUS_PX
        for x, y, rid in candidates:
            p = vb.mapViewToScene(QPointF(x, y))
            d = ((p.x() - scene_pos.x()) ** 2 + (p.y() - scene_pos.y()) ** 2) ** 0.5
            if d <= best_d:
                best, best_d = rid, d
        return best

    # --------------------------------------------------------------- export
    def csv_data(self):
        import csv as _csv
        import io

        rows = list(_csv.reader(io.StringIO(self.figure.csv_text())))
        return rows[0], rows[1:]


def resource_related_ids(resource_id: str, topo: Topology) -> set[str]:
    """Elements a resource belongs to: its element, the cable of a port, the server around it."""
    out = set()
    element = resource_element_id(resource_id, topo)
    if element:
        out.add(element)
    kind = resource_id.split(":", 1)[0]
    if kind in ("pcie", "port"):
        nic = resource_id.split(":")[1]
        out.add(nic)
        server = topo.server_of(nic)
        if server is not None:
            out.add(server.id)
    return out
