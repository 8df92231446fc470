"""VMM load per server: cores spent on I/O per attachment mode, stacked, against the budget.

The what-if toggle moves every emulated or paravirtual vNIC of the selection (the
selected VMs and the VMs of the selected servers; with neither, the whole design)
onto a new SR-IOV VF on the NIC port it used, keeping its minimum and cap, and
solves that copy of the design in a worker thread. The rates are re-allocated, so
the answer is exact: guests freed from a saturated VMM may send more, and the
software guests left behind may then cost more, not less.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel

from ...fileformat.project import to_document
from ...model.topology import Topology
from ...solver import Solution
from .. import style
from ..plain import plain
from .base import AnalysisPanel, row_plot, BackgroundJob, RowAxis, row_limits, scroll_to_top
from .data import VMM_MODES, VmmTable, WhatIf, sriov_what_if, vmm_table, what_if_vms

BAR_HEIGHT = 0.72
HALF = 0.36  # each of the two bars of a row when the what-if is shown


class VmmPanel(AnalysisPanel):
    export_name = "vmm-load"

    def __init__(self, parent=None) -> None:
        self.axis = RowAxis(max_width=200)
        self.value_axis = RowAxis(max_width=150, orientation="right")
        super().__init__(pg.GraphicsLayoutWidget(), parent)
        self.setObjectName("vmmPanel")
        controls = QHBoxLayout()
        self.what_if_box = QCheckBox("What if the selection's software vNICs used SR-IOV")
        self.what_if_box.setObjectName("vmmWhatIf")
        self.what_if_box.setToolTip("Move every emulated and paravirtual vNIC of the selected VMs and servers "
                                    "(of the whole design when none is selected) to a new VF on the same NIC "
                                    "port, re-solve, and draw the VMM load that results under each bar.")
        self.what_if_box.toggled.connect(self._what_if_toggled)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setObjectName("vmmStatus")
        self.status.setWordWrap(True)
        controls.addWidget(self.what_if_box)
        controls.addWidget(self.status, 1)
        self.layout_.addLayout(controls)
        self.layout_.addWidget(self.graphics, 1)

        self.plot, self.legend = row_plot(self.graphics, self.axis, self.value_axis)
        self.plot.setLabel("bottom", "VMM cores spent on I/O")
        self.plot.showAxis("right")
        self.view: pg.ViewBox = self.plot.getViewBox()
        self.view.invertY(True)
        self.view.setMouseEnabled(x=False, y=True)
        self.band = pg.BarGraphItem(x0=[], y=[], width=[], height=[], pen=pg.mkPen(None))
        self.plot.addItem(self.band)
        self.mode_bars = {m: pg.BarGraphItem(x0=[], y=[], width=[], height=[], name=style.MODE_LABELS[m])
                          for m in VMM_MODES}
        self.what_if_bars = {m: pg.BarGraphItem(x0=[], y=[], width=[], height=[]) for m in VMM_MODES}
        for m in VMM_MODES:
            self.plot.addItem(self.mode_bars[m])
            self.plot.addItem(self.what_if_bars[m])
        self.budget = pg.PlotDataItem([], [], connect="pairs", name="VMM budget (vmm_io_cores)")
        self.plot.addItem(self.budget)

        self.solution: Solution | None = None
        self.topology: Topology | None = None
        self.table: VmmTable | None = None
        self.order = np.zeros(0, dtype=np.int64)
        self.what_if: WhatIf | None = None
        self.what_if_scope: list[str] = []
        self.selected: list[str] = []
        self.highlighted = np.zeros(0, dtype=bool)
        self.stale = True
        self.job = BackgroundJob("what-if")
        self.job.finished.connect(self._what_if_finished)
        self._what_if_timer = QTimer(self)
        self._what_if_timer.setSingleShot(True)
        self._what_if_timer.setInterval(120)  # one run after a burst of selection changes
        self._what_if_timer.timeout.connect(self.start_what_if)
        self.graphics.scene().sigMouseClicked.connect(self._clicked)
        self.graphics.scene().sigMouseMoved.connect(self._hover)
        self.restyle()

    def plot_items(self):
        return [self.plot]

    # ------------------------------------------------------------------ data
    def update_now(self) -> None:
        if not self.stale:
            return
        self.stale = False
        first = self.table is None
        self.table = vmm_table(self.solution, self.topology) if self.solution is not None else None
        self.order = self.table.worst_first() if self.table is not None else np.zeros(0, dtype=np.int64)
        self._update_highlight_mask()
        if self.what_if_box.isChecked():
            self.start_what_if()
        self.redraw()
        n = len(self.order)
        row_limits(self.view, n)
        if first:
            scroll_to_top(self.view, n)
        self._summarise()

    def _summarise(self) -> None:
        table = self.table
        if table is None or not len(table.servers):
            self.status.setText("No servers." if table is not None else "")
            return
        over = int(np.count_nonzero(table.total > table.budget + 1e-9))
        full = int(np.count_nonzero(table.utilization >= 1 - 1e-9))
        text = (f"{len(table.servers)} servers · {table.total.sum():.3f} cores in all · "
                f"{full} at their budget")
        if over:
            text += f" · {over} over"
        if self.what_if_box.isChecked():
            w = self.what_if
            if self.job.running() or w is None:
                text += " · what-if: solving…"
            elif w.error:
                text += f" · what-if failed: {w.error}"
            else:
                text += (f" · what-if: {w.moved} vNIC{'s' * (w.moved != 1)} moved, "
                         f"{w.table.total.sum():.3f} cores in all")
                if w.blocked:
                    text += f"; {len(w.blocked)} cannot move ({w.blocked[0]}{'…' if len(w.blocked) > 1 else ''})"
        self.status.setText(text)

    def row_values(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(server ids, cores per mode [rows × modes], budget) in plot order."""
        t = self.table
        if t is None:
            return [], np.zeros((0, len(VMM_MODES))), np.zeros(0)
        return [t.servers[i] for i in self.order], t.cores[self.order], t.budget[self.order]

    def what_if_values(self) -> np.ndarray | None:
        """Cores per mode after the what-if, rows in plot order (None when not computed)."""
        w, t = self.what_if, self.table
        if w is None or w.table is None or t is None:
            return None
        index = {s: i for i, s in enumerate(w.table.servers)}
        out = np.zeros((len(self.order), len(VMM_MODES)))
        for row, i in enumerate(self.order.tolist()):
            j = index.get(t.servers[i])
            if j is not None:
                out[row] = w.table.cores[j]
        return out

    def server_labels(self, ids: list[str]) -> list[str]:
        """The rows' names as the canvas shows them: a server's label (its id when it has none)."""
        topo = self.topology
        if topo is None:
            return list(ids)
        return [topo.elements[i].display_name() if i in topo.elements else i for i in ids]

    # --------------------------------------------------------------- drawing
    def redraw(self) -> None:
        ids, cores, budget = self.row_values()
        n = len(ids)
        y = np.arange(n, dtype=float)
        self.axis.set_labels(self.server_labels(ids))
        after = self.what_if_values() if self.what_if_box.isChecked() else None
        top_y, height = (y - HALF / 2 - 0.02, HALF) if after is not None else (y, BAR_HEIGHT)
        self.legend.clear()
        left = np.zeros(n)
        for j, mode in enumerate(VMM_MODES):
            width = cores[:, j] if n else np.zeros(0)
            bar = self.mode_bars[mode]
            color = style.MODE_COLORS[mode]
            bar.setOpts(x0=left.copy(), y=top_y, width=width, height=np.full(n, height), brush=pg.mkBrush(color),
                        pen=pg.mkPen(None))
            used = bool(n) and bool(np.any(width > 0))
            bar.setVisible(used)
            if used:
                self.legend.addItem(bar, style.MODE_LABELS[mode])
            left = left + width
        after_left = np.zeros(n)
        for j, mode in enumerate(VMM_MODES):
            bar = self.what_if_bars[mode]
            if after is None:
                bar.setVisible(False)
                continue
            width = after[:, j]
            color = QColor(style.MODE_COLORS[mode])
            bar.setOpts(x0=after_left.copy(), y=y + HALF / 2 + 0.02, width=width, height=np.full(n, HALF),
                        brush=QBrush(color, Qt.BrushStyle.Dense3Pattern),
                        pen=pg.mkPen(color, width=1))
            bar.setVisible(bool(np.any(width > 0)))
            after_left = after_left + width
        if after is not None:
            self.legend.addItem(self.what_if_bars[VMM_MODES[1]], "With SR-IOV (what-if)")
        values = [f"{c:.2f} / {b:g}" for c, b in zip(left.tolist(), budget.tolist())]
        if after is not None:
            values = [f"{v} → {a:.2f}" for v, a in zip(values, after_left.tolist())]
        self.value_axis.set_labels(values)
        xs = np.repeat(budget, 2)
        ys = np.column_stack([y - 0.46, y + 0.46]).ravel() if n else np.zeros(0)
        self.budget.setData(xs, ys)
        self.budget.setPen(pg.mkPen(style.current().plot_fg, width=2.5))
        if n:
            self.legend.addItem(self.budget, "VMM budget")
        totals = left if n else np.zeros(0)
        top = max([1e-3] + budget.tolist() + totals.tolist() + (after_left.tolist() if after is not None else []))
        x_max = top * 1.12
        self.view.setLimits(xMin=0, xMax=x_max)  # limits first: the old ones would clamp the range
        self.view.setXRange(0, x_max, padding=0)
        self._draw_band(x_max)
        self.legend.setLabelTextColor(style.current().plot_fg)
        self.legend.setBrush(pg.mkBrush(_alpha(style.current().plot_bg, 220)))
        self.legend.setPen(pg.mkPen(_alpha(style.current().plot_fg, 90)))

    def _draw_band(self, x_max: float | None = None) -> None:
        if x_max is None:
            x_max = self.view.viewRange()[0][1]
        rows = np.flatnonzero(self.highlighted)
        self.band.setOpts(x0=np.zeros(rows.size), y=rows.astype(float), width=np.full(rows.size, x_max),
                          height=np.full(rows.size, 1.0), brush=pg.mkBrush(_alpha(style.current().selection, 70)),
                          pen=pg.mkPen(None))

    # ------------------------------------------------------------- what-if
    def _what_if_toggled(self, on: bool) -> None:
        if on:
            self.start_what_if()
        else:
            self.job.cancel()
            self.what_if = None
        self.redraw()
        self._summarise()

    def start_what_if(self) -> None:
        if not self.what_if_box.isChecked() or self.topology is None:
            return
        scope = what_if_vms(self.topology, self.selected)
        document = to_document(self.topology)
        self.what_if_scope = scope
        self.what_if = None
        self.job.start(lambda cancelled, _report: sriov_what_if(document, scope, cancelled))
        self._summarise()

    def what_if_running(self) -> bool:
        return self.job.running()

    def _what_if_finished(self, generation: int, outcome) -> None:
        if generation != self.job.generation or not self.what_if_box.isChecked():
            return
        if isinstance(outcome, Exception):
            outcome = WhatIf(None, None, self.what_if_scope, error=f"{type(outcome).__name__}: {outcome}")
        self.what_if = outcome
        self.redraw()
        self._summarise()

    # ------------------------------------------------------------ selection
    def set_selection(self, ids: list[str]) -> None:
        self.selected = list(ids)
        self._update_highlight_mask()
        self._draw_band()
        if self.what_if_box.isChecked():
            self._what_if_timer.start()

    def _update_highlight_mask(self) -> None:
        t = self.table
        if t is None or not self.selected or self.topology is None:
            self.highlighted = np.zeros(len(self.order), dtype=bool)
            return
        servers = set()
        for s in self.selected:
            host = self.topology.server_of(s)
            if host is not None:
                servers.add(host.id)
        self.highlighted = np.asarray([t.servers[i] in servers for i in self.order.tolist()], dtype=bool)

    # ---------------------------------------------------------------- mouse
    def row_at(self, scene_pos) -> int | None:
        if not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.view.mapSceneToView(scene_pos)
        row = int(round(point.y()))
        return row if 0 <= row < len(self.order) else None

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        row = self.row_at(event.scenePos())
        if row is not None and self.table is not None:
            self.elementRequested.emit(self.table.servers[self.order[row]])

    def _hover(self, scene_pos) -> None:
        row = self.row_at(scene_pos)
        if row is None or self.table is None:
            self.graphics.setToolTip("")
            return
        t, i = self.table, self.order[row]
        parts = [f"{t.servers[i]}: {t.total[i]:.3f} of {t.budget[i]:g} cores ({t.utilization[i] * 100:.1f} %)"]
        for j, mode in enumerate(VMM_MODES):
            if t.cores[i, j] > 0:
                parts.append(f"  {mode}: {t.cores[i, j]:.3f}")
        after = self.what_if_values() if self.what_if_box.isChecked() else None
        if after is not None:
            parts.append(f"with SR-IOV: {after[row].sum():.3f} cores")
        self.graphics.setToolTip(plain("\n".join(parts)))

    # --------------------------------------------------------------- export
    def csv_data(self):
        header = ["server", "rack"] + [f"{m}_cores" for m in VMM_MODES] + ["total_cores", "budget_cores",
                                                                           "utilization"]
        after = self.what_if_values() if self.what_if_box.isChecked() else None
        if after is not None:
            header += [f"what_if_{m}_cores" for m in VMM_MODES] + ["what_if_total_cores"]
        rows = []
        t = self.table
        if t is None:
            return header, rows
        for row, i in enumerate(self.order.tolist()):
            line = [t.servers[i], t.racks[i] or ""] + [f"{v:.9g}" for v in t.cores[i]] + [
                f"{t.total[i]:.9g}", f"{t.budget[i]:.9g}", f"{t.utilization[i]:.9g}"]
            if after is not None:
                line += [f"{v:.9g}" for v in after[row]] + [f"{after[row].sum():.9g}"]
            rows.append(line)
        return header, rows


def _alpha(color: QColor, alpha: int) -> QColor:
    c = QColor(color)
    c.setAlpha(alpha)
    return c
