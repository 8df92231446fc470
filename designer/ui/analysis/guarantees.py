"""Rates against guarantees: per flow, demand, allocated rate and guaranteed minimum.

A sortable table and a bar plot show the same rows in the same order: the
outlined bar is the demand, the filled bar the allocated rate (red where the
guarantee is missed, green where it holds, grey-blue without one), the black
tick the guaranteed minimum. The table's model sorts with numpy, so a hundred
thousand flows sort at once.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QItemSelection, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QLabel, QSplitter, QTableView

from ...model.topology import Topology
from ...solver import Solution
from .. import style
from ..plain import plain
from .base import AnalysisPanel, RowAxis, reveal_rows, row_limits, row_plot, scroll_to_top
from .data import FlowTable, flow_table, related_flows

NO_GUARANTEE_COLOR = QColor("#78909c")
COLUMNS = ("Flow", "Mode", "Demand", "Rate", "Guaranteed", "Admitted", "Met", "Bottleneck")


class FlowModel(QAbstractTableModel):
    """The flows of a FlowTable, in ``rows`` order (sorting reorders ``rows``)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.table: FlowTable | None = None
        self.rows = np.zeros(0, dtype=np.int64)
        self.sort_column = -1
        self.sort_order = Qt.SortOrder.AscendingOrder
        self.on_sorted = None

    def set_rows(self, table: FlowTable | None, rows: np.ndarray) -> None:
        self.beginResetModel()
        self.table = table
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else int(self.rows.size)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        t = self.table
        if t is None or not index.isValid():
            return None
        f = int(self.rows[index.row()])
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return t.ids[f]
            if col == 1:
                return t.mode[f]
            if col in (2, 3, 4, 5):
                value = (t.demand, t.rate, t.floor, t.admitted_floor)[col - 2][f]
                return f"{value:.3f}"
            if col == 6:
                if t.floor[f] <= 0:
                    return "–"
                return "yes" if t.met[f] else "MISSED"
            if col == 7:
                return t.bottleneck[f] or ("no route" if not t.routed[f] else "cap")
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 3, 4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and not t.met[f]:
            return QBrush(style.current().error_color)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain(f"{t.ids[f]} of {t.vm[f]} on {t.server[f]}: {t.rate[f]:.3f} of {t.demand[f]:.3f} Gbit/s"
                         + (f", guaranteed {t.floor[f]:.3f}" if t.floor[f] > 0 else ""))
        return None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        t = self.table
        self.sort_column, self.sort_order = column, order
        if t is None or not self.rows.size:
            return
        rows = self.rows
        if column < 0:  # no column: the default order, missed guarantees first
            self.layoutAboutToBeChanged.emit()
            self.rows = t.default_order(rows)
            self.layoutChanged.emit()
            if self.on_sorted is not None:
                self.on_sorted()
            return
        keys = {
            2: t.demand, 3: t.rate, 4: t.floor, 5: t.admitted_floor,
            6: np.where(t.floor > 0, np.where(t.met, 1.0, 0.0), 2.0),
        }
        if column in keys:
            values = np.round(keys[column][rows], 9)
            ids = np.asarray(t.ids, dtype=object)[rows]
            order_idx = np.lexsort((ids, values))
        else:
            text = [(t.ids, t.mode, None, None, None, None, None, t.bottleneck)[column][f] for f in rows.tolist()]
            order_idx = np.array(sorted(range(len(text)), key=lambda i: (text[i], t.ids[rows[i]])), dtype=np.int64)
        if order == Qt.SortOrder.DescendingOrder:
            order_idx = order_idx[::-1]
        self.layoutAboutToBeChanged.emit()
        self.rows = rows[order_idx]
        self.layoutChanged.emit()
        if self.on_sorted is not None:
            self.on_sorted()


class GuaranteesPanel(AnalysisPanel):
    export_name = "rates-and-guarantees"

    def __init__(self, parent=None) -> None:
        self.axis = RowAxis(max_width=200)
        self.value_axis = RowAxis(max_width=180, orientation="right")
        super().__init__(pg.GraphicsLayoutWidget(), parent)
        self.setObjectName("guaranteesPanel")
        controls = QHBoxLayout()
        self.only_box = QCheckBox("Only flows with a guaranteed minimum")
        self.only_box.setObjectName("guaranteesOnly")
        self.only_box.toggled.connect(lambda _on: self.refresh(scroll=True))
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setObjectName("guaranteesSummary")
        controls.addWidget(self.only_box)
        controls.addWidget(self.summary, 1)
        self.layout_.addLayout(controls)

        self.model = FlowModel(self)
        self.model.on_sorted = self._sorted
        self.table_view = QTableView()
        self.table_view.setObjectName("guaranteesTable")
        self.table_view.setModel(self.model)
        # No column sorted at first: the model's default order puts missed guarantees on top.
        self.table_view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table_view.setSortingEnabled(True)
        self.table_view.horizontalHeader().setSortIndicatorShown(True)
        self.table_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table_view.horizontalHeader().setStretchLastSection(True)
        self.table_view.verticalHeader().setVisible(False)
        self.table_view.verticalHeader().setDefaultSectionSize(20)
        self.table_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table_view.setAlternatingRowColors(True)
        self.table_view.clicked.connect(lambda index: self._row_activated(index.row()))
        self.table_view.activated.connect(lambda index: self._row_activated(index.row()))
        for col, width in enumerate((150, 80, 60, 60, 75, 70, 55)):
            self.table_view.setColumnWidth(col, width)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.graphics)
        splitter.addWidget(self.table_view)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.layout_.addWidget(splitter, 1)

        self.plot, self.legend = row_plot(self.graphics, self.axis, self.value_axis)
        self.plot.setLabel("bottom", "Gbit/s")
        self.plot.showAxis("right")
        self.view: pg.ViewBox = self.plot.getViewBox()
        self.view.invertY(True)
        self.view.setMouseEnabled(x=False, y=True)
        self.band = pg.BarGraphItem(x0=[], y=[], width=[], height=[], pen=pg.mkPen(None))
        self.demand_bars = pg.BarGraphItem(x0=[], y=[], width=[], height=[])
        self.rate_bars = {key: pg.BarGraphItem(x0=[], y=[], width=[], height=[]) for key in ("none", "met", "missed")}
        self.floor_ticks = pg.ScatterPlotItem(symbol="|", size=16)
        self.plot.addItem(self.band)
        self.plot.addItem(self.demand_bars)
        for bar in self.rate_bars.values():
            self.plot.addItem(bar)
        self.plot.addItem(self.floor_ticks)

        self.solution: Solution | None = None
        self.topology: Topology | None = None
        self.table: FlowTable | None = None
        self.highlighted = np.zeros(0, dtype=bool)
        self.selected: list[str] = []
        self.stale = True
        self._selecting = False
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
        self.table = flow_table(self.solution) if self.solution is not None else None
        self.refresh(scroll=first)

    @property
    def rows(self) -> np.ndarray:
        """Flow indices in display order (table row i = plot row i)."""
        return self.model.rows

    def refresh(self, scroll: bool = False) -> None:
        t = self.table
        if t is None:
            rows = np.zeros(0, dtype=np.int64)
        else:
            rows = np.arange(len(t))
            if self.only_box.isChecked():
                rows = rows[t.floor > 0]
            rows = t.default_order(rows)
        self.model.set_rows(t, rows)
        if self.model.sort_column >= 0:
            self.model.sort(self.model.sort_column, self.model.sort_order)  # keeps the user's sort
        else:
            self._sorted()
        if scroll:
            scroll_to_top(self.view, len(rows))
        if t is not None:
            guaranteed = int(np.count_nonzero(t.floor > 0))
            missed = int(np.count_nonzero(~t.met))
            self.summary.setText(f"{len(t)} flows · {guaranteed} with a guarantee · "
                                 f"{missed} guarantee{'s' * (missed != 1)} missed")
        else:
            self.summary.setText("")

    def _sorted(self) -> None:
        self._update_highlight_mask()
        self.redraw()
        row_limits(self.view, len(self.rows))
        self._select_table_rows()

    # --------------------------------------------------------------- drawing
    def plot_values(self) -> dict[str, np.ndarray]:
        t, rows = self.table, self.rows
        if t is None:
            empty = np.zeros(0)
            return {"demand": empty, "rate": empty, "floor": empty, "met": np.zeros(0, dtype=bool)}
        return {"demand": t.demand[rows], "rate": t.rate[rows], "floor": t.floor[rows], "met": t.met[rows]}

    def redraw(self) -> None:
        t = self.table
        rows = self.rows
        n = rows.size
        self.axis.set_labels([t.ids[f] for f in rows.tolist()] if t is not None else [])
        values = self.plot_values()
        self.value_axis.set_labels([
            f"{r:.3g} of {d:.3g}" + (f" ≥{m:.3g}" if m > 0 else "")
            for r, d, m in zip(values["rate"].tolist(), values["demand"].tolist(), values["floor"].tolist())])
        y = np.arange(n, dtype=float)
        fg = style.current().plot_fg
        self.demand_bars.setOpts(x0=np.zeros(n), y=y, width=values["demand"], height=np.full(n, 0.78),
                                 brush=pg.mkBrush(_alpha(fg, 25)), pen=pg.mkPen(_alpha(fg, 150), width=1))
        groups = {
            "none": values["floor"] <= 0,
            "met": (values["floor"] > 0) & values["met"],
            "missed": ~values["met"],
        }
        colors = {"none": NO_GUARANTEE_COLOR, "met": style.current().ok_color, "missed": style.current().error_color}
        for key, mask in groups.items():
            self.rate_bars[key].setOpts(x0=np.zeros(int(mask.sum())), y=y[mask], width=values["rate"][mask],
                                        height=np.full(int(mask.sum()), 0.5), brush=pg.mkBrush(colors[key]),
                                        pen=pg.mkPen(None))
        has_floor = values["floor"] > 0
        self.floor_ticks.setData(values["floor"][has_floor], y[has_floor], pen=pg.mkPen(fg, width=2.5),
                                 brush=pg.mkBrush(fg))
        self.legend.clear()
        self.legend.addItem(self.demand_bars, "Demand")
        for key, title in (("met", "Rate, guarantee met"), ("missed", "Rate, guarantee MISSED"),
                           ("none", "Rate, no guarantee")):
            if np.any(groups[key]):
                self.legend.addItem(self.rate_bars[key], title)
        if np.any(has_floor):
            self.legend.addItem(self.floor_ticks, "Guaranteed minimum")
        self.legend.setLabelTextColor(fg)
        self.legend.setBrush(pg.mkBrush(_alpha(style.current().plot_bg, 220)))
        self.legend.setPen(pg.mkPen(_alpha(fg, 90)))
        top = max([1e-3] + (values["demand"].tolist() if n else []) + (values["floor"].tolist() if n else []))
        x_max = top * 1.08
        self.view.setLimits(xMin=0, xMax=x_max)  # limits first: the old ones would clamp the range
        self.view.setXRange(0, x_max, padding=0)
        self._draw_band(x_max)

    def _draw_band(self, x_max: float | None = None) -> None:
        if x_max is None:
            x_max = self.view.viewRange()[0][1]
        rows = np.flatnonzero(self.highlighted)
        self.band.setOpts(x0=np.zeros(rows.size), y=rows.astype(float), width=np.full(rows.size, x_max),
                          height=np.full(rows.size, 1.0), brush=pg.mkBrush(_alpha(style.current().selection, 70)),
                          pen=pg.mkPen(None))

    # ------------------------------------------------------------ selection
    def set_selection(self, ids: list[str]) -> None:
        self.selected = list(ids)
        self._update_highlight_mask()
        self._draw_band()
        self._select_table_rows()
        reveal_rows(self.view, self.highlighted)

    def _update_highlight_mask(self) -> None:
        if self.table is None or not self.selected or self.topology is None:
            self.highlighted = np.zeros(self.rows.size, dtype=bool)
            return
        self.highlighted = related_flows(self.selected, self.table, self.topology)[self.rows]

    def _select_table_rows(self) -> None:
        """Mirror the highlight in the table's selection (without echoing it to the canvas)."""
        selection_model = self.table_view.selectionModel()
        rows = np.flatnonzero(self.highlighted)
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for r in rows[:5000].tolist():
            selection.select(self.model.index(r, 0), self.model.index(r, last))
        self._selecting = True
        try:
            selection_model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            if rows.size:
                self.table_view.scrollTo(self.model.index(int(rows[0]), 0))
        finally:
            self._selecting = False

    # ---------------------------------------------------------------- mouse
    def row_at(self, scene_pos) -> int | None:
        if not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.view.mapSceneToView(scene_pos)
        row = int(round(point.y()))
        return row if 0 <= row < self.rows.size else None

    def _row_activated(self, row: int) -> None:
        if self._selecting or self.table is None or not 0 <= row < self.rows.size:
            return
        self.elementRequested.emit(self.table.vm[int(self.rows[row])])

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        row = self.row_at(event.scenePos())
        if row is not None:
            self._row_activated(row)

    def _hover(self, scene_pos) -> None:
        row = self.row_at(scene_pos)
        if row is None or self.table is None:
            self.graphics.setToolTip("")
            return
        self.graphics.setToolTip(self.model.data(self.model.index(row, 0), Qt.ItemDataRole.ToolTipRole))

    # --------------------------------------------------------------- export
    def csv_data(self):
        if self.table is None:
            return FlowTable.csv_header(), []
        return self.table.csv_rows(self.rows)


def _alpha(color: QColor, alpha: int) -> QColor:
    c = QColor(color)
    c.setAlpha(alpha)
    return c
