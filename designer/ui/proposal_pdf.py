"""The proposal document: a paged PDF on A4 or Letter, drawn with QPdfWriter.

``ProposalDocument`` lays the whole document out first — the cover with the verdict,
the overview and per-rack diagrams, the rack elevations, the tables, the plots and the
bill of materials — as a list of pages, each a list of drawing steps. Then every page
is painted with its header (title, date) and footer (author, page N of M), into the
PDF (``render_pdf``) or into an image for the dialog's preview (``page_image``). The
figures come from ``designer.proposal`` (Qt-free); diagrams are the export renderer's
own pages (``render.Page``) placed on paper by ``paper``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen

from ..model.topology import Topology
from ..proposal import Proposal, Table, build_proposal, rack_selection
from ..solver.flows import MODE_NAMES
from . import paper, render, style

MARGIN = 48.0  # sheet edge to text, 1/96 in (12.7 mm)
HEADER_H = 22.0
FOOTER_H = 22.0
BODY_PT, SMALL_PT, TABLE_PT = 9.0, 7.5, 7.2
CELL_PAD = 3.0
HEADER_FILL = QColor("#eceff1")
STRIPE_FILL = QColor("#f7f9fa")
RULE = QColor("#b0bec5")
SOUND_COLOR = QColor("#2e7d32")
UNSOUND_COLOR = QColor("#c62828")
CHART_ROW_H = 11.0
SWEEP_TO, SWEEP_STEPS = 2.0, 21

Step = Callable[[QPainter], None]


class ReportError(ValueError):
    """A report that cannot be made; one sentence for the user."""


@dataclass
class ReportOptions:
    paper: str = "a4"
    landscape: bool = False
    author: str = ""
    logo: str | None = None  # a PNG file shown on the cover
    plots: bool = True
    date: str = ""  # YYYY-MM-DD; empty: today


def _font(points: float, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(points)
    font.setBold(bold)
    font.setItalic(italic)
    if hasattr(font, "setFeature"):
        # No "fi"/"ffi" ligatures: text copied or searched in the PDF reads as typed.
        for tag in ("liga", "clig"):
            font.setFeature(QFont.Tag(tag), 0)
    return font


TextColor = Literal["text", "muted_text"]  # a field of style.Palette, read when the page is painted
WRAP = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)


def load_logo(path: str | None) -> QImage | None:
    if not path:
        return None
    if not Path(path).is_file():
        raise ReportError(f"logo {path} does not exist")
    image = QImage(path)
    if image.isNull():
        raise ReportError(f"logo {path} is not an image this program can read (use a PNG)")
    return image


class ProposalDocument:
    """The laid-out document; ``paint_page`` draws one page on any painter."""

    def __init__(self, topology: Topology, solution, options: ReportOptions) -> None:
        self.topology = topology
        self.solution = solution
        self.options = options
        self.date = paper.check_date(options.date) if options.date else paper.today()
        self.landscape = options.landscape  # the orientation of the page being laid out
        self.logo = load_logo(options.logo)
        self.proposal: Proposal = build_proposal(topology, solution)
        self._device = render._reference_image()
        self.pages: list[list[Step]] = []
        self.page_landscape: list[bool] = []  # diagram pages may turn to fit the drawing
        self.sections: list[tuple[str, int]] = []  # contents: (title, page index)
        self._render_pages: list[render.Page] = []
        self.y = 0.0
        with style.theme("light"):
            self._build()

    # ------------------------------------------------------------ building blocks
    @property
    def size(self) -> QSizeF:
        """The sheet being laid out, in 1/96 in."""
        return paper.page_size(self.options.paper, self.landscape)

    @property
    def body(self) -> QRectF:
        size = self.size
        return QRectF(MARGIN, MARGIN + HEADER_H, size.width() - 2 * MARGIN,
                      size.height() - 2 * MARGIN - HEADER_H - FOOTER_H)

    def page_size(self, index: int) -> QSizeF:
        return paper.page_size(self.options.paper, self.page_landscape[index])

    def _new_page(self, landscape: bool | None = None) -> None:
        self.landscape = self.options.landscape if landscape is None else landscape
        self.pages.append([])
        self.page_landscape.append(self.landscape)
        self.y = self.body.top()

    def _add(self, step: Step) -> None:
        self.pages[-1].append(step)

    def _room(self, height: float) -> None:
        if self.y + height > self.body.bottom() + 0.5 and self.y > self.body.top() + 0.5:
            self._new_page()

    def _section(self, title: str, new_page: bool = True, landscape: bool | None = None) -> None:
        if new_page or not self.pages or (landscape is not None and landscape != self.landscape):
            self._new_page(landscape)
        else:
            self._room(60)
        self.sections.append((title, len(self.pages) - 1))
        self._heading(title, 14)

    def _measure(self, text: str, font: QFont, width: float) -> float:
        metrics = QFontMetricsF(font, self._device)
        bound = metrics.boundingRect(QRectF(0, 0, max(1.0, width), 1e6), WRAP, text)
        return max(bound.height(), metrics.height())

    def _heading(self, text: str, points: float = 11.0) -> None:
        font = _font(points, True)
        height = self._measure(text, font, self.body.width())
        self._room(height + 40)
        rect = QRectF(self.body.left(), self.y, self.body.width(), height + 1)
        self._add(partial(_draw_text, rect, text, font, "text"))
        self.y += height + (8 if points >= 13 else 5)

    def _text(self, text: str, points: float = BODY_PT, color: TextColor = "text", bold: bool = False,
              indent: float = 0.0, gap: float = 5.0, italic: bool = False) -> None:
        if not text:
            return
        font = _font(points, bold, italic)
        width = self.body.width() - indent
        height = self._measure(text, font, width)
        self._room(height)
        rect = QRectF(self.body.left() + indent, self.y, width, height + 1)
        self._add(partial(_draw_text, rect, text, font, color))
        self.y += height + gap

    # ------------------------------------------------------------------- tables
    def _table(self, table: Table, heading: bool = True) -> None:
        font, bold = _font(TABLE_PT), _font(TABLE_PT, True)
        widths = self._column_widths(table, font, bold)
        lefts = [self.body.left() + sum(widths[:i]) for i in range(len(widths))]

        def row_height(cells: list[str], cell_font: QFont) -> float:
            return max(self._measure(c, cell_font, w - 2 * CELL_PAD) for c, w in zip(cells, widths)) + 2 * CELL_PAD

        header_h = row_height(table.header, bold)
        heights = [row_height(row, font) for row in table.rows]
        if heading:
            # Keep a short table whole, and never leave its title with a stub of one or two
            # rows at the foot of a page: start it on the next page instead.
            title_h = self._measure(table.title, _font(11, True), self.body.width()) + 5
            if table.note:
                title_h += self._measure(table.note, _font(SMALL_PT), self.body.width()) + 4
            left = self.body.bottom() - self.y
            total = title_h + header_h + sum(heights)
            fitting = 0
            used = title_h + header_h
            for height in heights:
                if used + height > left:
                    break
                used += height
                fitting += 1
            if total > left and self.y > self.body.top() + 0.5 and (
                    total <= 0.4 * self.body.height() or fitting < min(3, len(heights))):
                self._new_page()
            self._heading(table.title)
            if table.note:
                self._text(table.note, SMALL_PT, "muted_text", gap=4)
        if not table.rows:
            self._text("(none)", SMALL_PT, "muted_text", gap=10)
            return

        def header() -> None:
            self._add(partial(_draw_row, lefts, widths, self.y, header_h, table.header, bold, table.numeric,
                              HEADER_FILL, True))
            self.y += header_h

        self._room(header_h + heights[0])
        header()
        for i, (row, height) in enumerate(zip(table.rows, heights)):
            if self.y + height > self.body.bottom():
                self._new_page()
                self._text(f"{table.title} (continued)", 9, "muted_text", bold=True, gap=4)
                header()
            fill = STRIPE_FILL if i % 2 else None
            self._add(partial(_draw_row, lefts, widths, self.y, height, row, font, table.numeric, fill, False))
            self.y += height
        self._add(partial(_draw_rule, self.body.left(), self.body.right(), self.y))
        self.y += 14

    def _column_widths(self, table: Table, font: QFont, bold: QFont) -> list[float]:
        """The table's relative widths, widened where a column's longest word would not
        fit (a word is never broken), the room taken from the columns that can wrap."""
        weights = table.widths or [1.0] * len(table.header)
        total_w = self.body.width()
        widths = [total_w * w / sum(weights) for w in weights]
        plain, heavy = QFontMetricsF(font, self._device), QFontMetricsF(bold, self._device)

        def longest(metrics: QFontMetricsF, text: str) -> float:
            return max((metrics.horizontalAdvance(word) for word in text.split()), default=0.0)

        need = []
        for i, title in enumerate(table.header):
            cells = [row[i] for row in table.rows if i < len(row)]
            need.append(max([longest(heavy, title), *(longest(plain, c) for c in cells)]) + 2 * CELL_PAD + 1)
        if sum(need) > total_w:
            return widths  # too many columns to keep every word whole: long words overflow
        for _ in range(len(widths)):
            short = [i for i in range(len(widths)) if widths[i] < need[i] - 1e-6]
            if not short:
                break
            deficit = sum(need[i] - widths[i] for i in short)
            for i in short:
                widths[i] = need[i]
            slack = {i: widths[i] - need[i] for i in range(len(widths)) if i not in short and widths[i] > need[i]}
            room = sum(slack.values())
            if room <= 0:
                break
            for i, spare in slack.items():
                widths[i] -= deficit * spare / room
        return widths

    # ----------------------------------------------------------------- drawings
    def _export_page(self, **changes) -> render.Page:
        options = render.ExportOptions(title_block=False, **changes)
        page = render.Page(self.topology, self.solution, options)
        self._render_pages.append(page)
        return page

    def _drawing(self, title: str, page: render.Page, fit_only: bool = False, note: str = "") -> None:
        """A diagram on pages of its own: scaled to fit, or tiled when that would be unreadable.

        The pages take the orientation that needs fewer tiles (then: the larger scale)."""
        min_scale = 0.0 if fit_only else paper.MIN_SCALE
        heading = 60.0 if note else 44.0

        def place(landscape: bool):
            sheet = paper.page_size(self.options.paper, landscape)
            area = QSizeF(sheet.width() - 2 * MARGIN, sheet.height() - 2 * MARGIN - HEADER_H - FOOTER_H - heading - 14)
            return paper.placement(page.size.width(), page.size.height(), area, min_scale=min_scale)

        options = {flag: place(flag) for flag in (self.options.landscape, not self.options.landscape)}
        landscape = min(options, key=lambda flag: (len(options[flag].tiles), -options[flag].scale,
                                                   flag != self.options.landscape))
        placed = options[landscape]
        self._section(title, landscape=landscape)
        if note:
            self._text(note, SMALL_PT, "muted_text", gap=6)
        shown = [i for i in range(len(placed.tiles)) if _tile_has_content(page, placed.tiles[i])]
        for count, index in enumerate(shown or [0]):
            if count:
                self._new_page(landscape)
                self._text(f"{title} (continued)", 9, "muted_text", bold=True, gap=6)
            rect = QRectF(self.body.left(), self.y, self.body.width(), self.body.bottom() - self.y - 14)
            self._add(partial(_paint_tile, rect, placed, index, page))
            if placed.tiled:
                self._add(partial(paper.draw_tile_marks, area=rect, placed=placed, index=index))
            self.y = self.body.bottom()

    # -------------------------------------------------------------- the document
    def _build(self) -> None:
        topo, prop = self.topology, self.proposal
        self._cover()
        if topo.racks:  # each rack one block with its figures, as the canvas shows it zoomed out
            self._drawing("Overview", self._export_page(legend=True, level="racks"), fit_only=True,
                          note="Each rack as one block: servers, guests, VMM cores, peak uplink and problems.")
        else:
            self._drawing("Overview", self._export_page(legend=True), fit_only=True,
                          note="The whole design on one page, coloured by utilisation.")
        for rack in topo.racks.values():
            ids = rack_selection(topo, rack.id)
            if ids:
                self._drawing(f"{rack.display_name()} — topology", self._export_page(selection=tuple(ids),
                                                                                          legend=False))
        if topo.racks:
            self._drawing("Rack elevations", self._export_page(view="rack", legend=True))
        self._section("Servers")
        self._table(prop.servers)
        self._section("Guarantees", new_page=False)
        self._table(prop.guarantees)
        self._section("Resources and problems", new_page=False)
        self._table(prop.worst)
        self._heading("Problems")
        if not prop.problems:
            self._text("The design rules report no problem.", gap=10)
        for table in prop.problems:
            self._table(table)
        if self.options.plots:
            self._plots()
        self._section("Bill of materials")
        for table in prop.bom.tables:
            self._table(table)

    def _cover(self) -> None:
        prop, opts = self.proposal, self.options
        self._new_page()
        self.sections.append(("Cover", 0))
        if self.logo is not None:
            box = QRectF(self.body.right() - 170, self.body.top(), 170, 64)
            self._add(partial(_draw_logo, box, self.logo))
            self.y += 72
        self.y += 20
        self._text(prop.title, 22, bold=True, gap=10)
        meta = [self.date]
        if opts.author.strip():
            meta.insert(0, f"Prepared by {opts.author.strip()}")
        self._text(" · ".join(meta), 10, "muted_text", gap=16)
        if prop.notes:
            self._text(prop.notes, 10, gap=18)
        verdict = prop.verdict
        word = "Sound" if verdict.sound else "Not sound"
        font = _font(16, True)
        height = self._measure(word, font, self.body.width())
        self._room(height + 60)
        band = QRectF(self.body.left(), self.y, self.body.width(), height + 10)
        self._add(partial(_draw_verdict_band, band, word, font, verdict.sound))
        self.y += band.height() + 8
        self._text(verdict.paragraph, 10, gap=8)
        self.y += 14
        topo = self.topology
        figures = [("Racks", len(topo.racks)), ("Servers", len(topo.servers)), ("Guests", len(topo.vms)),
                   ("NICs", len(topo.nics)), ("Virtual functions", len(topo.vfs)), ("Switches", len(topo.switches)),
                   ("Cables", len(topo.links)), ("Flows", self.solution.flows.n_flows)]
        self._table(Table("Key figures", [name for name, _ in figures], [[str(n) for _, n in figures]],
                          numeric=set(range(len(figures)))))
        self._heading("Contents")
        rect = QRectF(self.body.left(), self.y, self.body.width(), self.body.bottom() - self.y)
        self._add(partial(_draw_contents, rect, self.sections))

    # -------------------------------------------------------------------- plots
    def _plots(self) -> None:
        from .analysis.data import resource_table, vmm_table

        self._section("Plots")
        table = resource_table(self.solution, self.topology)
        rows = table.worst_first()[:40].tolist()
        self._chart_room(CHART_ROW_H * len(rows) + 60)
        self._heading("Resource utilisation")
        self._text(f"The {len(rows)} most utilised of {len(table)} resources; hatching marks the share "
                   "reserved by guarantees.", SMALL_PT, "muted_text")
        bars = [(table.ids[r], float(table.utilization[r]), float(table.reserved[r] / table.capacity[r])
                 if table.capacity[r] > 0 else 0.0) for r in rows]
        self._bar_chart(bars)

        vmm = vmm_table(self.solution, self.topology)
        self._chart_room(CHART_ROW_H * len(vmm.servers) + 76)
        self._heading("VMM load per server")
        self._text("Cores each VMM spends on I/O by attachment mode; the black tick is the server's budget.",
                   SMALL_PT, "muted_text")
        self._vmm_chart(vmm)

        from ..solver.sweep import sweep

        result = sweep(self.topology, to=SWEEP_TO, steps=SWEEP_STEPS)
        self._chart_room(3 * 160 + 40)
        self._heading("Demand sweep")
        first = (f"First saturation at ×{result.first_saturation:.4g}: {', '.join(result.first_saturated[:3])}"
                 f"{' …' if len(result.first_saturated) > 3 else ''}." if result.first_saturation is not None
                 else f"Nothing saturates up to ×{SWEEP_TO:g}.")
        self._text(f"Every demand scaled from 0 to ×{SWEEP_TO:g} in {SWEEP_STEPS} steps. {first}",
                   SMALL_PT, "muted_text")
        series = [("Peak utilisation (%)", [r.peak_utilization * 100 for r in result.rows]),
                  ("VMM cores spent on I/O", [r.vmm_cores for r in result.rows]),
                  ("Guarantees missed", [float(r.guarantees_missed) for r in result.rows])]
        scales = [r.scale for r in result.rows]
        for name, values in series:
            height = 150.0
            self._room(height + 10)
            rect = QRectF(self.body.left(), self.y, self.body.width(), height)
            self._add(partial(_draw_line_chart, rect, name, scales, values, result.first_saturation,
                              100.0 if name.startswith("Peak") else None))
            self.y += height + 10

    def _chart_room(self, height: float) -> None:
        """A chart starts on a fresh page when it fits there but not in what is left of this
        one, or when less than a quarter of the page is left."""
        left = self.body.bottom() - self.y
        if height > left and (height <= self.body.height() - 40 or left < self.body.height() / 4):
            self._new_page()

    def _bar_chart(self, bars: list[tuple[str, float, float]]) -> None:
        """Horizontal bars, as many rows per page as fit; the rest continues on the next."""
        label_w = min(230.0, self.body.width() * 0.35)
        self._chart_room(CHART_ROW_H * len(bars) + 16)
        first = True
        while bars:
            if not first:
                self._new_page()
                self._text("Resource utilisation (continued)", 9, "muted_text", bold=True)
            rows = max(1, int((self.body.bottom() - 16 - self.y) // CHART_ROW_H))
            chunk, bars = bars[:rows], bars[rows:]
            rect = QRectF(self.body.left(), self.y, self.body.width(), CHART_ROW_H * len(chunk) + 16)
            self._add(partial(_draw_bar_chart, rect, label_w, chunk))
            self.y += rect.height() + 10
            first = False

    def _vmm_chart(self, vmm) -> None:
        order = list(range(len(vmm.servers)))
        if not order:
            self._text("(no servers)", SMALL_PT, "muted_text")
            return
        top = max(float(np.max(vmm.budget)) if vmm.budget.size else 0.0, float(np.max(vmm.total)), 1e-9)
        label_w = min(160.0, self.body.width() * 0.25)
        legend_h = 16.0
        self._chart_room(CHART_ROW_H * len(order) + 16 + legend_h)
        first = True
        while order:
            if not first:
                self._new_page()
                self._text("VMM load per server (continued)", 9, "muted_text", bold=True)
            self._room(CHART_ROW_H * 3 + legend_h + 16)
            rows = max(1, int((self.body.bottom() - legend_h - 16 - self.y) // CHART_ROW_H))
            chunk, order = order[:rows], order[rows:]
            data = [(vmm.servers[i], vmm.cores[i].tolist(), float(vmm.budget[i])) for i in chunk]
            rect = QRectF(self.body.left(), self.y, self.body.width(), CHART_ROW_H * len(chunk) + 16 + legend_h)
            self._add(partial(_draw_vmm_chart, rect, label_w, data, top, first))
            self.y += rect.height() + 10
            first = False

    # ----------------------------------------------------------------- painting
    @property
    def page_count(self) -> int:
        return len(self.pages)

    def paint_page(self, painter: QPainter, index: int) -> None:
        with style.theme("light"):
            painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                                   | QPainter.RenderHint.SmoothPixmapTransform)
            size = self.page_size(index)
            if index:
                self._paint_header(painter, size)
            self._paint_footer(painter, index, size)
            for step in self.pages[index]:
                painter.save()
                step(painter)
                painter.restore()

    def _paint_header(self, painter: QPainter, size: QSizeF) -> None:
        w = size.width()
        rect = QRectF(MARGIN, MARGIN - 4, w - 2 * MARGIN, 14)
        painter.setFont(_font(SMALL_PT, True))
        painter.setPen(style.current().muted_text)
        metrics = QFontMetricsF(painter.font())
        date_w = metrics.horizontalAdvance(self.date) + 8
        title = metrics.elidedText(self.proposal.title, Qt.TextElideMode.ElideRight, rect.width() - date_w)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), title)
        painter.setFont(_font(SMALL_PT))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), self.date)
        painter.setPen(QPen(RULE, 0.8))
        painter.drawLine(QPointF(MARGIN, MARGIN + 12), QPointF(w - MARGIN, MARGIN + 12))

    def _paint_footer(self, painter: QPainter, index: int, size: QSizeF) -> None:
        w, h = size.width(), size.height()
        y = h - MARGIN - 8
        painter.setPen(QPen(RULE, 0.8))
        painter.drawLine(QPointF(MARGIN, y - 4), QPointF(w - MARGIN, y - 4))
        rect = QRectF(MARGIN, y, w - 2 * MARGIN, 14)
        painter.setFont(_font(SMALL_PT))
        painter.setPen(style.current().muted_text)
        left = "RackIO Designer proposal"
        if self.options.author.strip():
            left = f"Prepared by {self.options.author.strip()} · {self.date}"
        else:
            left = f"{left} · {self.date}"
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), left)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                         f"Page {index + 1} of {self.page_count}")

    def render_pdf(self) -> bytes:
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = paper.pdf_writer(buffer, self.options.paper, self.page_landscape[0], self.proposal.title, self.date)
        paper.stable_document(writer, self.proposal.title, self.date)
        if self.options.author.strip():
            writer.setAuthor(self.options.author.strip())
        painter = QPainter(writer)
        if not painter.isActive():
            raise ReportError("the PDF writer could not start")
        try:
            for index in range(self.page_count):
                if index:
                    writer.setPageLayout(paper.page_layout(self.options.paper, self.page_landscape[index]))
                    writer.newPage()
                self.paint_page(painter, index)
        finally:
            painter.end()
            del writer
        buffer.close()
        return paper.finish_pdf(bytes(data.data()), self.date)

    def page_image(self, index: int, width_px: int) -> QImage:
        """One page as an image ``width_px`` wide (the preview)."""
        size = self.page_size(index)
        scale = width_px / size.width()
        image = QImage(width_px, max(1, round(size.height() * scale)), QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QColor("white"))
        painter = QPainter(image)
        try:
            painter.scale(scale, scale)
            self.paint_page(painter, index)
        finally:
            painter.end()
        return image

    def close(self) -> None:
        for page in self._render_pages:
            page.close()
        self._render_pages.clear()


# ------------------------------------------------------------------- painters
def _color(name: TextColor) -> QColor:
    """A text colour of the palette painting now (the page is recorded before it is painted)."""
    return QColor(getattr(style.current(), name))


def _draw_text(rect: QRectF, text: str, font: QFont, color: TextColor, painter: QPainter) -> None:
    painter.setFont(font)
    painter.setPen(_color(color))
    painter.drawText(rect, WRAP, text)


def _draw_rule(left: float, right: float, y: float, painter: QPainter) -> None:
    painter.setPen(QPen(RULE, 0.8))
    painter.drawLine(QPointF(left, y), QPointF(right, y))


def _draw_row(lefts, widths, y, height, cells, font, numeric, fill, is_header, painter: QPainter) -> None:
    total = QRectF(lefts[0], y, sum(widths), height)
    if fill is not None:
        painter.fillRect(total, fill)
    painter.setFont(font)
    for i, (left, width, text) in enumerate(zip(lefts, widths, cells)):
        rect = QRectF(left + CELL_PAD, y + CELL_PAD, width - 2 * CELL_PAD, height - 2 * CELL_PAD)
        color = style.current().text
        if not is_header and text in ("NO", "SATURATED", "unsupported by driver"):
            color = UNSOUND_COLOR
        painter.setPen(color)
        align = Qt.AlignmentFlag.AlignRight if i in numeric else Qt.AlignmentFlag.AlignLeft
        painter.drawText(rect, int(align | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap), text)
    if is_header:
        painter.setPen(QPen(RULE, 0.8))
        painter.drawLine(total.bottomLeft(), total.bottomRight())


def _draw_logo(box: QRectF, image: QImage, painter: QPainter) -> None:
    size = image.size().toSizeF().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
    target = QRectF(box.right() - size.width(), box.top(), size.width(), size.height())
    painter.drawImage(target, image)


def _draw_verdict_band(rect: QRectF, word: str, font: QFont, sound: bool, painter: QPainter) -> None:
    color = SOUND_COLOR if sound else UNSOUND_COLOR
    painter.fillRect(QRectF(rect.left(), rect.top(), 6, rect.height()), color)
    painter.setFont(font)
    painter.setPen(color)
    painter.drawText(rect.adjusted(16, 0, 0, 0), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                     word)


def _draw_contents(rect: QRectF, sections: list[tuple[str, int]], painter: QPainter) -> None:
    painter.setFont(_font(BODY_PT))
    metrics = QFontMetricsF(painter.font())
    y = rect.top()
    for title, page in sections[1:]:
        if y + metrics.height() > rect.bottom():
            break
        painter.setPen(style.current().text)
        line = QRectF(rect.left(), y, rect.width(), metrics.height())
        painter.drawText(line, int(Qt.AlignmentFlag.AlignLeft), title)
        painter.drawText(line, int(Qt.AlignmentFlag.AlignRight), str(page + 1))
        y += metrics.height() + 2


def _tile_has_content(page: render.Page, tile: QRectF) -> bool:
    """Whether a tile (in page coordinates) shows any server, switch or network: a tile
    crossed only by a long cable is left out."""
    top_items = getattr(page.scene, "top_items", None)
    if not top_items:
        return True
    offset = page.content.topLeft() - page.diagram_rect.topLeft()
    area = tile.translated(offset)
    return any(item.isVisible() and item.sceneBoundingRect().intersects(area) for item in top_items.values())


def _paint_tile(rect: QRectF, placed, index: int, page: render.Page, painter: QPainter) -> None:
    paper.paint_tile(painter, rect, placed, index, page.paint)


def _draw_bar_chart(rect: QRectF, label_w: float, bars, painter: QPainter) -> None:
    value_w = 46.0
    plot = QRectF(rect.left() + label_w, rect.top(), rect.width() - label_w - value_w, rect.height() - 16)
    _draw_axis(painter, plot, [0, 25, 50, 75, 100], 100.0, "%")
    small = _font(6.5)
    for i, (name, u, reserved) in enumerate(bars):
        y = plot.top() + i * CHART_ROW_H
        painter.setFont(small)
        painter.setPen(style.current().text)
        metrics = QFontMetricsF(small)
        label = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, label_w - 6)
        painter.drawText(QRectF(rect.left(), y, label_w - 6, CHART_ROW_H),
                         int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), label)
        width = plot.width() * min(max(u, 0.0), 1.0)
        bar = QRectF(plot.left(), y + 2, width, CHART_ROW_H - 4)
        painter.fillRect(bar, style.utilization_color(u))
        if reserved > 0:
            hatch = QRectF(plot.left(), y + 2, plot.width() * min(reserved, 1.0), CHART_ROW_H - 4)
            painter.fillRect(hatch, QBrush(QColor(0, 0, 0, 110), Qt.BrushStyle.BDiagPattern))
        painter.setPen(style.current().text)
        painter.drawText(QRectF(plot.right() + 4, y, value_w - 4, CHART_ROW_H),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), f"{u * 100:.1f} %")


def _draw_axis(painter: QPainter, plot: QRectF, ticks, top: float, unit: str) -> None:
    painter.setFont(_font(6.5))
    for tick in ticks:
        x = plot.left() + plot.width() * tick / top
        painter.setPen(QPen(style.current().divider, 0.6))
        painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        painter.setPen(style.current().muted_text)
        painter.drawText(QRectF(x - 30, plot.bottom() + 2, 60, 12), int(Qt.AlignmentFlag.AlignHCenter),
                         f"{tick:g}{' ' + unit if unit else ''}")


def _nice_ticks(top: float, count: int = 5) -> tuple[list[float], float]:
    if top <= 0:
        return [0.0, 1.0], 1.0
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    end = math.ceil(top / step - 1e-9) * step
    ticks = [round(i * step, 10) for i in range(int(round(end / step)) + 1)]
    return ticks, end


def _draw_vmm_chart(rect: QRectF, label_w: float, data, top: float, legend: bool, painter: QPainter) -> None:
    legend_h = 16.0
    ticks, end = _nice_ticks(top)
    plot = QRectF(rect.left() + label_w, rect.top() + legend_h, rect.width() - label_w - 50,
                  rect.height() - 16 - legend_h)
    small = _font(6.5)
    painter.setFont(small)
    x = rect.left() + label_w
    for mode in MODE_NAMES:
        painter.fillRect(QRectF(x, rect.top() + 3, 9, 9), style.MODE_COLORS[mode])
        painter.setPen(style.current().text)
        text = style.MODE_LABELS[mode]
        painter.drawText(QRectF(x + 12, rect.top(), 150, 14), int(Qt.AlignmentFlag.AlignVCenter), text)
        x += 12 + QFontMetricsF(small).horizontalAdvance(text) + 16
    _draw_axis(painter, plot, ticks, end, "cores")
    for i, (server, cores, budget) in enumerate(data):
        y = plot.top() + i * CHART_ROW_H
        painter.setFont(small)
        painter.setPen(style.current().text)
        painter.drawText(QRectF(rect.left(), y, label_w - 6, CHART_ROW_H),
                         int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), server)
        left = plot.left()
        for mode, value in zip(MODE_NAMES, cores):
            width = plot.width() * value / end
            if width > 0:
                painter.fillRect(QRectF(left, y + 2, width, CHART_ROW_H - 4), style.MODE_COLORS[mode])
            left += width
        bx = plot.left() + plot.width() * budget / end
        painter.setPen(QPen(QColor("black"), 1.4))
        painter.drawLine(QPointF(bx, y + 0.5), QPointF(bx, y + CHART_ROW_H - 0.5))
        painter.setPen(style.current().text)
        painter.drawText(QRectF(plot.right() + 4, y, 46, CHART_ROW_H),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         f"{sum(cores):.2f}/{budget:g}")


def _draw_line_chart(rect: QRectF, name: str, xs, ys, marker: float | None, reference: float | None,
                     painter: QPainter) -> None:
    painter.setFont(_font(8, True))
    painter.setPen(style.current().text)
    painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), 14), int(Qt.AlignmentFlag.AlignLeft), name)
    top_value = max([*ys, reference or 0.0]) or 1.0  # an all-zero series still gets a 0–1 axis
    ticks, end = _nice_ticks(top_value * 1.05, 4)
    plot = QRectF(rect.left() + 44, rect.top() + 18, rect.width() - 60, rect.height() - 36)
    x_end = max(xs) if xs else 1.0
    painter.setFont(_font(6.5))
    for tick in ticks:
        y = plot.bottom() - plot.height() * tick / end
        painter.setPen(QPen(style.current().divider, 0.6))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(style.current().muted_text)
        painter.drawText(QRectF(rect.left(), y - 6, 40, 12),
                         int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), f"{tick:g}")
    for i in range(0, 5):
        value = x_end * i / 4
        x = plot.left() + plot.width() * i / 4
        painter.drawText(QRectF(x - 30, plot.bottom() + 2, 60, 12), int(Qt.AlignmentFlag.AlignHCenter),
                         f"×{value:g}")
    painter.setPen(QPen(style.current().outline, 0.8))
    painter.drawRect(plot)

    def point(x: float, y: float) -> QPointF:
        return QPointF(plot.left() + plot.width() * x / x_end, plot.bottom() - plot.height() * y / end)

    if reference is not None:
        painter.setPen(QPen(style.SATURATED_COLOR, 0.8, Qt.PenStyle.DashLine))
        painter.drawLine(point(0, reference), point(x_end, reference))
    if marker is not None:
        painter.setPen(QPen(style.SATURATED_COLOR, 0.9, Qt.PenStyle.DotLine))
        painter.drawLine(point(marker, 0), point(marker, end))
        painter.setFont(_font(6.5))
        painter.drawText(QRectF(point(marker, end).x() + 3, plot.top() + 2, 160, 12),
                         int(Qt.AlignmentFlag.AlignLeft), f"first saturation ×{marker:.4g}")
    path = QPainterPath()
    for i, (x, y) in enumerate(zip(xs, ys)):
        if i == 0:
            path.moveTo(point(x, y))
        else:
            path.lineTo(point(x, y))
    painter.setPen(QPen(QColor("#1565c0"), 1.4))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(path)


# ------------------------------------------------------------------- entry point
def render_report(topology: Topology, solution, options: ReportOptions) -> tuple[bytes, int]:
    """The PDF's bytes and its page count."""
    paper.check_paper(options.paper)
    document = ProposalDocument(topology, solution, options)
    try:
        return document.render_pdf(), document.page_count
    finally:
        document.close()
