"""Resource utilisation: one horizontal bar per resource, worst first, in the canvas's colours.

Every port, PCIe link, switch link and VMM of the solution gets a bar as long as
its utilisation, coloured with ``style.utilization_color``; the hatched part
inside a bar is the share its admitted guarantees reserve; a dashed line marks
100 %. One ``BarGraphItem`` with a brush per bar draws them all, so ten thousand
resources cost one item; the view starts on the worst rows and scrolls.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel

from ...model.topology import Topology
from ...solver import Solution
from .. import style
from ..plain import plain
from .base import AnalysisPanel, RowAxis, reveal_rows, row_limits, row_plot, scroll_to_top
from .data import KIND_TITLES, ResourceTable, related_resources, resource_table

KIND_FILTERS = (("All resources", None), ("VMMs", "vmm"), ("PCIe links", "pcie"), ("NIC ports", "port"),
                ("Switch links", "link"))


class UtilisationPanel(AnalysisPanel):
    export_name = "resource-utilisation"

    def __init__(self, parent=None) -> None:
        self.axis = RowAxis()
        self.value_axis = RowAxis(max_width=90, orientation="right")
        super().__init__(pg.GraphicsLayoutWidget(), parent)
        self.setObjectName("utilisationPanel")
        controls = QHBoxLayout()
        self.kind_box = QComboBox()
        self.kind_box.setObjectName("utilisationKind")
        for title, kind in KIND_FILTERS:
            self.kind_box.addItem(title, kind)
        self.scope_box = QComboBox()
        self.scope_box.setObjectName("utilisationScope")
        self.scope_box.addItem("All racks and servers", None)
        self.scope_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setObjectName("utilisationSummary")
        controls.addWidget(QLabel("Show"))
        controls.addWidget(self.kind_box)
        controls.addWidget(QLabel("in"))
        controls.addWidget(self.scope_box)
        controls.addWidget(self.summary, 1)
        self.layout_.addLayout(controls)
        self.layout_.addWidget(self.graphics, 1)

        self.plot, self.legend = row_plot(self.graphics, self.axis, self.value_axis)
        self.plot.setLabel("bottom", "Utilisation (%)")
        self.plot.showAxis("right")
        self.view: pg.ViewBox = self.plot.getViewBox()
        self.view.invertY(True)
        self.view.setMouseEnabled(x=False, y=True)
        self.band = pg.BarGraphItem(x0=[], y=[], width=[], height=[], pen=pg.mkPen(None))
        self.bars = pg.BarGraphItem(x0=[], y=[], width=[], height=[], pen=pg.mkPen(None))
        self.reserved_bars = pg.BarGraphItem(x0=[], y=[], width=[], height=[], pen=pg.mkPen(None))
        self.hundred = pg.InfiniteLine(pos=100, angle=90, movable=False)
        for item in (self.band, self.bars, self.reserved_bars):
            self.plot.addItem(item)
        self.plot.addItem(self.hundred, ignoreBounds=True)
        self.hundred_sample = pg.PlotDataItem([], [])  # the 100 % line's legend entry
        self.empty_text = pg.TextItem(anchor=(0.5, 0.5))
        self.plot.addItem(self.empty_text, ignoreBounds=True)

        self.solution: Solution | None = None
        self.topology: Topology | None = None
        self.table: ResourceTable | None = None
        self.order = np.zeros(0, dtype=np.int64)  # table rows in plot order (plot row i = order[i])
        self.highlighted = np.zeros(0, dtype=bool)  # per plot row
        self.selected: list[str] = []
        self.stale = True
        self.kind_box.currentIndexChanged.connect(lambda _i: self.refresh(scroll=True))
        self.scope_box.currentIndexChanged.connect(lambda _i: self.refresh(scroll=True))
        self.graphics.scene().sigMouseClicked.connect(self._clicked)
        self.graphics.scene().sigMouseMoved.connect(self._hover)
        self.restyle()

    def plot_items(self):
        return [self.plot]

    # ------------------------------------------------------------------ data
    def update_now(self) -> None:
        """Recompute the table from the solution and redraw (when shown or asked)."""
        if not self.stale:
            return
        self.stale = False
        first = self.table is None
        if self.solution is None or self.topology is None:
            self.table = None
        else:
            self.table = resource_table(self.solution, self.topology)
        self._fill_scopes()
        self.refresh(scroll=first)

    def _fill_scopes(self) -> None:
        current = self.scope_box.currentData()
        blocked = self.scope_box.blockSignals(True)
        try:
            self.scope_box.clear()
            self.scope_box.addItem("All racks and servers", None)
            if self.topology is not None:
                racks = sorted({s.rack for s in self.topology.servers if s.rack})
                for rack in racks:
                    self.scope_box.addItem(f"Rack {rack}", f"rack:{rack}")
                for server in self.topology.servers:
                    self.scope_box.addItem(f"Server {server.display_name()}", f"server:{server.id}")
            index = self.scope_box.findData(current)
            self.scope_box.setCurrentIndex(max(0, index))
        finally:
            self.scope_box.blockSignals(blocked)

    def refresh(self, scroll: bool = False) -> None:
        table = self.table
        if table is None:
            self.order = np.zeros(0, dtype=np.int64)
        else:
            scope = self.scope_box.currentData()  # "rack:<name>", "server:<id>" or None
            rows = table.filter(self.kind_box.currentData(), tuple(scope.split(":", 1)) if scope else None)
            self.order = table.worst_first(rows)
        self._update_highlight_mask()
        self.redraw()
        n = len(self.order)
        row_limits(self.view, n)
        if scroll:
            scroll_to_top(self.view, n)
        if table is not None and n:
            saturated = int(np.count_nonzero(table.saturated[self.order]))
            self.summary.setText(f"{n} resource{'s' * (n != 1)} · {saturated} saturated · "
                                 f"worst {table.utilization[self.order[0]] * 100:.1f} % ({table.ids[self.order[0]]})")
        else:
            self.summary.setText("No resource carries traffic." if table is not None else "")

    # -------------------------------------------------------------- drawing
    def bar_values(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(ids, utilisation %, reserved %) of the plotted rows, top to bottom."""
        table = self.table
        if table is None or not len(self.order):
            return [], np.zeros(0), np.zeros(0)
        cap = table.capacity[self.order]
        with np.errstate(divide="ignore", invalid="ignore"):
            reserved = np.where(cap > 0, table.reserved[self.order] / np.where(cap > 0, cap, 1), 0.0)
        return [table.ids[r] for r in self.order], table.utilization[self.order] * 100, reserved * 100

    def bar_colors(self) -> list[QColor]:
        table = self.table
        if table is None:
            return []
        return [style.utilization_color(float(u)) for u in table.utilization[self.order]]

    def redraw(self) -> None:
        ids, util, reserved = self.bar_values()
        n = len(ids)
        y = np.arange(n, dtype=float)
        self.axis.set_labels(ids)
        self.value_axis.set_labels([f"{u:.1f} %" for u in util.tolist()])
        brushes = [QBrush(c) for c in self.bar_colors()]
        self.bars.setOpts(x0=np.zeros(n), y=y, width=util, height=np.full(n, 0.72), brushes=brushes,
                          pen=pg.mkPen(None))
        hatch = QBrush(_alpha(style.current().plot_fg, 200), Qt.BrushStyle.BDiagPattern)
        self.reserved_bars.setOpts(x0=np.zeros(n), y=y, width=reserved, height=np.full(n, 0.72),
                                   brush=hatch, pen=pg.mkPen(_alpha(style.current().plot_fg, 200), width=1))
        self.reserved_bars.setVisible(bool(n) and bool(np.any(reserved > 0)))
        self.hundred.setPen(pg.mkPen(style.SATURATED_COLOR, width=1.5, style=Qt.PenStyle.DashLine))
        x_max = max(105.0, float(util.max()) + 5 if n else 105.0)
        self.view.setLimits(xMin=0, xMax=x_max)  # limits first: the old ones would clamp the range
        self.view.setXRange(0, x_max, padding=0)
        self._draw_band(x_max)
        self.hundred_sample.setPen(self.hundred.pen)
        self.legend.clear()
        self.legend.addItem(self.reserved_bars, "Reserved by admitted guarantees")
        self.legend.addItem(self.hundred_sample, "100 % (saturated)")
        self.legend.setLabelTextColor(style.current().plot_fg)
        self.empty_text.setColor(style.current().plot_fg)
        if n:
            self.empty_text.setVisible(False)
        else:
            self.empty_text.setText("No resource to show" if self.table is not None else "Nothing solved yet")
            self.empty_text.setPos(x_max / 2, 0)
            self.empty_text.setVisible(True)

    def _draw_band(self, x_max: float | None = None) -> None:
        if x_max is None:
            x_max = self.view.viewRange()[0][1]
        rows = np.flatnonzero(self.highlighted)
        self.band.setOpts(x0=np.zeros(rows.size), y=rows.astype(float), width=np.full(rows.size, x_max),
                          height=np.full(rows.size, 1.0), brush=pg.mkBrush(_alpha(style.current().selection, 70)),
                          pen=pg.mkPen(None))

    # ------------------------------------------------------------- selection
    def set_selection(self, ids: list[str]) -> None:
        self.selected = list(ids)
        self._update_highlight_mask()
        self._draw_band()
        reveal_rows(self.view, self.highlighted)

    def _update_highlight_mask(self) -> None:
        if self.table is None or self.solution is None or not self.selected:
            self.highlighted = np.zeros(len(self.order), dtype=bool)
            return
        mask = related_resources(self.selected, self.table, self.solution, self.topology)
        self.highlighted = mask[self.order]

    def highlighted_ids(self) -> list[str]:
        return [self.table.ids[self.order[i]] for i in np.flatnonzero(self.highlighted)] if self.table else []

    # ------------------------------------------------------------------ mouse
    def row_at(self, scene_pos) -> int | None:
        if not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.view.mapSceneToView(scene_pos)
        row = int(round(point.y()))
        if 0 <= row < len(self.order) and point.x() >= 0:
            return row
        return None

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        row = self.row_at(event.scenePos())
        if row is None or self.table is None:
            return
        target = self.table.select_id[self.order[row]]
        if target:
            self.elementRequested.emit(target)

    def _hover(self, scene_pos) -> None:
        row = self.row_at(scene_pos)
        if row is None or self.table is None:
            self.graphics.setToolTip("")
            return
        t, r = self.table, self.order[row]
        unit = t.unit(r)
        text = (f"{t.ids[r]} ({KIND_TITLES[t.kind[r]]})\n"
                f"load {t.load[r]:.3f} of {t.capacity[r]:g} {unit} = {t.utilization[r] * 100:.1f} %\n"
                f"guaranteed (admitted) {t.reserved[r]:.3f} {unit}")
        if t.requested[r] > t.reserved[r] + 1e-9:
            text += f"; requested {t.requested[r]:.3f}"
        if t.saturated[r]:
            text += "\nSATURATED"
        self.graphics.setToolTip(plain(text))

    # ----------------------------------------------------------------- export
    def csv_data(self):
        if self.table is None:
            return ResourceTable.csv_header(), []
        return self.table.csv_rows(self.order)


def _alpha(color: QColor, alpha: int) -> QColor:
    c = QColor(color)
    c.setAlpha(alpha)
    return c
