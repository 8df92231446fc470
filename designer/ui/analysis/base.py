"""Pieces every analysis plot shares: theming, PNG/CSV export, row labels, background jobs."""

from __future__ import annotations

import csv
import gc
import io
import itertools
import threading
import weakref
from pathlib import Path
from typing import Callable

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QFontMetrics
from PySide6.QtWidgets import QFileDialog, QMessageBox, QVBoxLayout, QWidget

from ...fileformat.atomic import write_atomic
from ...textsafe import csv_row
from .. import style
from ..plain import plain

# Rows a horizontal bar plot shows before it scrolls; the rest is a wheel or drag away.
DEFAULT_VISIBLE_ROWS = 20
EXPORT_MIN_WIDTH = 1200


def csv_text(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(csv_row(row) for row in rows)  # a label "=cmd|…" is text, never a formula
    return buf.getvalue()


def png_bytes(scene, width: int | None = None) -> bytes:
    """Render a pyqtgraph scene with its ImageExporter and encode it as PNG."""
    from pyqtgraph.exporters import ImageExporter

    exporter = ImageExporter(scene)
    view_width = int(exporter.parameters()["width"])
    target = max(width or EXPORT_MIN_WIDTH, view_width)
    if target != view_width and view_width > 0:
        exporter.parameters()["width"] = target  # the height follows the aspect ratio
    image = exporter.export(toBytes=True)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if image.isNull() or not image.save(buffer, "PNG"):
        raise OSError("the plot could not be encoded as PNG")
    buffer.close()
    return bytes(data.data())


def style_plot_item(plot: pg.PlotItem) -> None:
    """Axes, labels and grid in the theme's plot colours."""
    fg = style.current().plot_fg
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(fg))
        axis.setTextPen(pg.mkPen(fg))
        label = axis.label
        if label is not None and axis.labelText:
            axis.setLabel(axis.labelText, units=axis.labelUnits or None, color=fg.name())
    title = plot.titleLabel
    if title is not None and title.text:
        title.setText(title.text, color=fg.name())


class RowAxis(pg.AxisItem):
    """A vertical axis that labels the rows of a horizontal bar plot (row i at y = i):
    their names on the left, their values on the right. Only the rows in view are
    labelled, so ten thousand rows cost nothing until scrolled to."""

    def __init__(self, max_width: int = 240, orientation: str = "left") -> None:
        super().__init__(orientation)
        self.labels: list[str] = []
        self.max_width = max_width
        self.enableAutoSIPrefix(False)
        # A pixel-sized font: the axis paints into a QPicture, whose resolution would
        # otherwise make the text larger than the width measured for it.
        self.label_font = QFont(self.font())
        self.label_font.setPixelSize(11)
        self.setStyle(tickFont=self.label_font)
        self.metrics = QFontMetrics(self.label_font)

    def set_labels(self, labels: list[str]) -> None:
        self.labels = labels
        longest = max((self.metrics.horizontalAdvance(t) for t in labels[:2000]), default=20)
        self.setWidth(min(self.max_width, longest + 24))
        self.picture = None
        self.update()

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (Qt naming)
        minVal, maxVal = min(minVal, maxVal), max(minVal, maxVal)  # an inverted view passes them reversed
        lo = max(0, int(np.ceil(minVal - 0.5)))
        hi = min(len(self.labels) - 1, int(np.floor(maxVal + 0.5)))
        if hi < lo:
            return []
        line = self.metrics.height() + 2
        fit = max(1, int(size // max(line, 1)))
        step = max(1, int(np.ceil((hi - lo + 1) / fit)))
        return [(float(step), [float(v) for v in range(lo, hi + 1, step)])]

    def tickStrings(self, values, scale, spacing):  # noqa: N802
        out = []
        for v in values:
            i = int(round(v))
            text = self.labels[i] if 0 <= i < len(self.labels) else ""
            out.append(self.metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, self.max_width - 24))
        return out


class AnalysisPanel(QWidget):
    """A dock's content: one pyqtgraph view (PlotWidget or GraphicsLayoutWidget) plus
    whatever controls a subclass adds, with Export PNG / Export CSV in the plot's
    context menu. Subclasses draw in ``redraw`` reading colours from ``style``."""

    elementRequested = Signal(str)  # a click on a bar or point: select this on the canvas
    statusMessage = Signal(str)

    export_name = "plot"

    def __init__(self, graphics: pg.GraphicsView, parent=None) -> None:
        super().__init__(parent)
        self.graphics = graphics
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(2, 2, 2, 2)
        self.layout_.setSpacing(2)
        self.act_png = QAction("Export PNG…", self)
        self.act_png.setObjectName(f"{self.export_name}ExportPng")
        self.act_png.triggered.connect(lambda _=False: self._ask_export("png"))
        self.act_csv = QAction("Export CSV…", self)
        self.act_csv.setObjectName(f"{self.export_name}ExportCsv")
        self.act_csv.triggered.connect(lambda _=False: self._ask_export("csv"))
        # Replaces pyqtgraph's generic "Export..." entry, whose CSV writer cannot read bar graphs.
        self.graphics.scene().contextMenu = [self.act_png, self.act_csv]
        self.addActions([self.act_png, self.act_csv])

    # ------------------------------------------------------------------ data
    def set_solution(self, solution, topo) -> None:
        """A new solve: redraw now if shown, else when shown (``update_now`` of a subclass)."""
        self.solution, self.topology = solution, topo
        self.stale = True
        if self.shown():
            self.update_now()

    def shown(self) -> bool:
        """On screen now. A dock behind another tab stays "visible" to Qt (it is moved out of
        sight, not hidden), so redrawing it on every solve cost as much as the visible plot;
        its dock's ``visibilityChanged`` catches it up when its tab is raised."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def update_now(self) -> None:
        """Recompute from ``self.solution`` and redraw; subclasses that follow solves implement it."""

    # ----------------------------------------------------------------- theme
    def restyle(self) -> None:
        self.graphics.setBackground(style.current().plot_bg)
        for plot in self.plot_items():
            style_plot_item(plot)
        self.redraw()

    def plot_items(self) -> list[pg.PlotItem]:
        return []

    def redraw(self) -> None:
        """Draw the current numbers (colours read from ``style`` now)."""

    # ----------------------------------------------------------------- export
    def csv_data(self) -> tuple[list[str], list[list]]:
        raise NotImplementedError

    def png_data(self) -> bytes:
        """The plot as PNG, always in the light theme (a printed proposal is never dark)."""
        try:
            with style.theme("light"):
                self.restyle()
                return png_bytes(self.graphics.scene())
        finally:
            self.restyle()

    def export_png(self, path: str) -> None:
        write_atomic(Path(path), self.png_data())

    def export_csv(self, path: str) -> None:
        header, rows = self.csv_data()
        write_atomic(Path(path), csv_text(header, rows).encode("utf-8"))

    def _ask_export(self, kind: str) -> None:
        title = "Export PNG" if kind == "png" else "Export CSV"
        pattern = "PNG images (*.png)" if kind == "png" else "CSV files (*.csv)"
        path, _ = QFileDialog.getSaveFileName(self, title, f"{self.export_name}.{kind}", pattern)
        if not path:
            return
        if not path.lower().endswith(f".{kind}"):
            path += f".{kind}"
        try:
            (self.export_png if kind == "png" else self.export_csv)(path)
        except OSError as exc:
            QMessageBox.critical(self, title, plain(f"Could not write {Path(path).name}:\n\n{exc.strerror or exc}"))
            return
        self.statusMessage.emit(f"Wrote {Path(path).name}")


def row_plot(graphics: pg.GraphicsLayoutWidget, left: RowAxis, right: RowAxis) -> tuple[pg.PlotItem, pg.LegendItem]:
    """A legend row above a horizontal bar plot, so the legend never covers a bar."""
    legend = pg.LegendItem(colCount=6, frame=False, labelTextSize="8pt", horSpacing=6)
    graphics.ci.addItem(legend, row=0, col=0)
    plot = graphics.ci.addPlot(row=1, col=0, axisItems={"left": left, "right": right})
    graphics.ci.layout.setRowStretchFactor(1, 10)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.getAxis("bottom").enableAutoSIPrefix(False)
    return plot, legend


def scroll_to_top(view: pg.ViewBox, rows: int, visible: int = DEFAULT_VISIBLE_ROWS) -> None:
    """Show the first ``visible`` rows of a row plot (row 0 at the top)."""
    view.setYRange(-0.6, min(max(rows, 1), visible) - 0.4, padding=0)


def reveal_rows(view: pg.ViewBox, highlighted: np.ndarray) -> None:
    """Scroll a row plot so its first highlighted row shows, unless one already does."""
    rows = np.flatnonzero(highlighted)
    if rows.size:
        lo, hi = view.viewRange()[1]
        if not any(lo <= r <= hi for r in rows.tolist()):
            span = hi - lo
            top = max(-0.6, rows[0] - span / 3)
            view.setYRange(top, top + span, padding=0)


def row_limits(view: pg.ViewBox, rows: int) -> None:
    view.setLimits(yMin=-1.0, yMax=max(rows, 1) + 0.5, minYRange=3, maxYRange=max(rows, 1) + 1.5)


class _Relay(QObject):
    """Carries worker results into the GUI thread. One per application, parented to it, so a
    worker thread never holds a reference to a QObject that could be destroyed: the last
    reference to a job (and to its panel) is always dropped in the GUI thread (issue 12 §4)."""

    delivered = Signal(int, str, int, object)  # job key, "finished" or "progress", generation, value

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.jobs: dict[int, weakref.ReferenceType] = {}
        self.delivered.connect(self._dispatch)  # receiver in the GUI thread: a queued connection
        # Python's cyclic garbage collector runs in whichever thread happens to allocate. Run in a
        # worker (a sweep allocates a lot), it freed unreachable Qt objects there: a QObject
        # destroyed outside its thread cannot stop its timers, and the next timer event in the GUI
        # thread went to freed memory (the test suite's SIGSEGV in QTimerInfoList::activateTimers).
        # So, once workers exist, collection happens only here, in the GUI thread, on a timer
        # (as pyqtgraph's GarbageCollector does), with the thresholds the automatic one had.
        self._gc_thresholds = gc.get_threshold()
        gc.disable()
        self._gc_timer = QTimer(self)
        self._gc_timer.setInterval(GC_INTERVAL_MS)
        self._gc_timer.timeout.connect(self.collect_garbage)
        self._gc_timer.start()

    def collect_garbage(self) -> None:
        young, middle, old = gc.get_count()
        first, second, third = self._gc_thresholds
        if young > first:
            gc.collect(0)
            if middle > second:
                gc.collect(1)
                if old > third:
                    gc.collect(2)

    def _dispatch(self, key: int, kind: str, generation: int, value: object) -> None:
        ref = self.jobs.get(key)
        job = ref() if ref is not None else None
        if job is None or not shiboken6.isValid(job):
            return
        if kind == "finished":
            job.finished.emit(generation, value)
        else:
            job.progress.emit(generation, value)


GC_INTERVAL_MS = 500
_relay: _Relay | None = None
_job_keys = itertools.count(1)


def _the_relay() -> _Relay:
    global _relay
    if _relay is None or not shiboken6.isValid(_relay):
        _relay = _Relay(QCoreApplication.instance())
    return _relay


class BackgroundJob(QObject):
    """Runs one function at a time in a worker thread; a new start cancels the previous run.

    ``fn(cancelled, progress)`` gets a callable that says whether to stop and one to
    report progress (0–1); its return value (or the exception it raised) arrives in
    the GUI thread through ``finished(generation, result)``. Results of cancelled or
    superseded runs never arrive. The worker reaches the job only by its key, through the
    application's relay: it holds no Qt object of its own.
    """

    finished = Signal(int, object)
    progress = Signal(int, float)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.generation = 0
        self._flag: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self._key = next(_job_keys)
        self._relay = _the_relay()
        self._relay.jobs[self._key] = weakref.ref(self)

    def start(self, fn: Callable) -> int:
        self.cancel()
        self.generation += 1
        generation = self.generation
        flag = threading.Event()
        self._flag = flag
        relay, key = self._relay, self._key

        def deliver(kind: str, value: object) -> None:
            try:
                relay.delivered.emit(key, kind, generation, value)
            except RuntimeError:  # the application is gone
                flag.set()

        def report(fraction: float) -> None:
            if not flag.is_set():
                deliver("progress", float(fraction))

        def run() -> None:
            try:
                result = fn(flag.is_set, report)
            except Exception as exc:  # delivered to the GUI, which shows it
                result = exc
            if not flag.is_set():
                deliver("finished", result)

        thread = threading.Thread(target=run, name=f"rackio-{self.name}", daemon=True)
        self._thread = thread
        thread.start()
        return generation

    def cancel(self) -> None:
        if self._flag is not None:
            self._flag.set()

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True
