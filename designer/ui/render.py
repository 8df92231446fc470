"""Export rendering shared by File → Export Diagram… and ``rackio export``.

A page is a view of the design (``VIEWS``: a fresh scene built for the export, never
the window's own) framed by a title block above and a legend below, with margins
that keep every item, label and badge inside. The page is measured in scene units
at 96 dpi, so one unit is one pixel of a 1× PNG; PNG pages are scaled by a factor
or to a width in pixels, SVG and PDF pages keep the size in print units (the PDF
page is sized to the content). Everything renders with the light theme.

A view is a function ``(topology, solution, options) -> (QGraphicsScene, QRectF)``:
the scene holds only what should be drawn (no selection, no editing handles) and the
rectangle is the area to show, labels included. ``views()`` lists those available;
the rack elevation registers itself as ``"rack"`` from ``designer.ui.rack.elevation``.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMarginsF,
    QPointF,
    QRectF,
    QSize,
    QSizeF,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from ..fileformat.atomic import write_atomic
from ..model.elements import split_port_end
from ..model.topology import Topology
from ..textsafe import clean_xml_document
from . import style

FORMATS = ("png", "svg", "pdf", "drawio")
DPI = 96.0  # scene units per inch: fonts given in points come out as on a 96-dpi screen
MIN_SCALE, MAX_SCALE = 1.0, 4.0
MIN_WIDTH_PX, MAX_WIDTH_PX = 200, 16000
PREVIEW_MIN_SCALE = 0.5
MAX_PIXELS = 120_000_000  # about 480 MB of image memory
PAGE_MARGIN = 28.0  # around the whole page
CONTENT_PAD = 14.0  # around the design, inside the page
GAP = 18.0  # between title block, design and legend
MIN_DPI, MAX_DPI = 72.0, 600.0
MIN_TEXT_W = 380.0  # narrowest page text column (a cropped single guest still gets a readable title)


class ExportError(ValueError):
    """An export that cannot be made; the message is one sentence for the user."""


@dataclass
class ExportOptions:
    view: str = "diagram"
    selection: tuple[str, ...] = ()  # element or cable ids; empty: the whole design
    overlay: bool = True  # utilisation colours, VMM gauges, guest badges
    legend: bool = True
    title_block: bool = True
    author: str = ""
    notes: str = ""
    date: str = ""  # empty: today
    transparent: bool = False  # PNG and SVG only
    scale: float = 2.0  # PNG: pixels per scene unit
    width_px: int | None = None  # PNG: overrides scale
    level: str = "detail"  # diagram: "detail", "summary" (servers summarised) or "racks" (overview)
    paper: str | None = None  # "a4" or "letter": standard sheets (designer/ui/paper.py); None: sized to the content
    landscape: bool = False
    dpi: float = 150.0  # PNG on paper
    rack: str | None = None  # only this rack (its servers, switches and what they are cabled to)


ViewBuilder = Callable[[Topology, object, ExportOptions], "tuple[QGraphicsScene, QRectF]"]


# ------------------------------------------------------------------ the diagram view
def build_diagram_scene(topology: Topology, solution, options: ExportOptions) -> tuple[QGraphicsScene, QRectF]:
    """The topology canvas as the window draws it, minus grid, selection and handles.

    With a selection only the selected items are shown: a selected NIC, VF or guest
    brings its server (it is drawn inside it), a selected server brings everything in
    it, and a cable is shown when it was selected or both its ends are shown.
    """
    from .canvas.items import HandleItem
    from .canvas.scene import DesignScene

    scene = DesignScene(topology, eager=options.level == "detail")
    scene.detach()  # a snapshot: it must not follow (or keep alive through) the model
    scene.show_grid = False
    scene.overlay_enabled = options.overlay
    scene.set_export_level(options.level if not options.selection else "detail")
    scene.set_solution(solution)
    for item in scene.items():
        if isinstance(item, HandleItem):
            item.setVisible(False)  # an editing affordance, not part of the design

    if options.selection:
        tops: set[str] = set()
        cables: set[str] = set()
        for element_id in options.selection:
            if element_id in scene.top_items:
                tops.add(element_id)
            elif element_id in scene.cables:
                cables.add(element_id)
            elif element_id in scene.child_server:
                tops.add(scene.child_server[element_id])

        def shown(end: str) -> bool:
            split = split_port_end(end)
            if split is not None:
                return scene.child_server.get(split[0]) in tops
            return end in tops

        for link_id, link in topology.links.items():
            if link_id in scene.cables and shown(link.a) and shown(link.b):
                cables.add(link_id)
        for element_id, item in scene.top_items.items():
            item.setVisible(element_id in tops)
        for link_id, cable in scene.cables.items():
            cable.setVisible(link_id in cables)
        for extra in list(scene.racks.values()) + list(scene.bundles.values()):
            extra.setVisible(False)  # a cropped export shows the selected items only

    rect = QRectF()
    for item in scene.items():
        if item.isVisible() and item.effectiveOpacity() > 0 and getattr(item, "element_id", None) is not None:
            rect = rect.united(item.sceneBoundingRect())
    for extra in list(scene.racks.values()) + list(scene.bundles.values()):
        if extra.isVisible():  # a rack's frame and label (or its block) are part of the picture
            rect = rect.united(extra.sceneBoundingRect())
    if rect.isEmpty():
        rect = QRectF(0, 0, 320, 120)
    return scene, rect


VIEWS: dict[str, ViewBuilder] = {"diagram": build_diagram_scene}
VIEW_LABELS = {"diagram": "Topology diagram", "rack": "Rack elevation"}
LEVELS = ("detail", "summary", "racks")
LEVEL_LABELS = {"detail": "Full detail", "summary": "Server summaries", "racks": "Overview (racks)"}
# Views whose scene carries its own legend (the page legend explains the diagram).
PAGE_LEGEND_VIEWS = {"diagram"}


def views() -> dict[str, ViewBuilder]:
    """The registered views; the rack elevation joins when its module is present."""
    if "rack" not in VIEWS:
        try:
            from .rack.elevation import build_rack_scene
        except ImportError:
            pass
        else:
            VIEWS["rack"] = build_rack_scene
    return VIEWS


# ----------------------------------------------------------------------- checks
def check_options(topology: Topology, options: ExportOptions, fmt: str = "png") -> None:
    """Raise ExportError for anything that cannot be exported (before rendering)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use png, svg, pdf or drawio")
    available = views()
    if options.view not in available:
        known = ", ".join(sorted(available))
        raise ExportError(f"the {options.view!r} view is not available (available: {known})")
    if fmt == "drawio" and options.view != "diagram":
        raise ExportError(f"a draw.io file holds the topology diagram, not the {options.view!r} view")
    if options.selection:
        if options.view != "diagram":
            raise ExportError(f"a selection can only be exported from the diagram view, not {options.view!r}")
        for element_id in options.selection:
            element = topology.elements.get(element_id)
            if element_id not in topology.links and element is None:
                raise ExportError(f"the selection names {element_id!r}, which is not an element or cable of the design")
            if element is not None and element.KIND not in ("network", "switch", "server", "nic", "vf", "vm"):
                raise ExportError(f"the selection names {element_id!r}, a {element.KIND}, which the diagram does not draw")
    if options.level not in LEVELS:
        raise ExportError(f"unknown level {options.level!r}; use detail, summary or racks")
    if options.level != "detail" and options.view != "diagram":
        raise ExportError(f"the {options.level!r} level applies to the diagram view only, not {options.view!r}")
    if options.width_px is not None and not MIN_WIDTH_PX <= options.width_px <= MAX_WIDTH_PX:
        raise ExportError(f"width {options.width_px} px is outside {MIN_WIDTH_PX}–{MAX_WIDTH_PX} px")
    if not (MIN_SCALE <= options.scale <= MAX_SCALE):
        raise ExportError(f"scale {options.scale:g} is outside {MIN_SCALE:g}–{MAX_SCALE:g}")
    if options.transparent and fmt in ("pdf", "drawio"):
        raise ExportError("a transparent background needs PNG or SVG; PDF pages are white"
                          if fmt == "pdf" else "a draw.io file has no background to leave out; drop --transparent")
    if options.paper is not None:
        from . import paper

        if fmt == "drawio":
            raise ExportError("a draw.io file has no pages to size; drop --paper")

        try:
            paper.check_paper(options.paper)
        except ValueError as exc:
            raise ExportError(str(exc)) from None
        if not MIN_DPI <= options.dpi <= MAX_DPI:
            raise ExportError(f"{options.dpi:g} dpi is outside {MIN_DPI:g}–{MAX_DPI:g} dpi")
    if options.rack is not None:
        if options.rack not in topology.racks:
            known = ", ".join(sorted(topology.racks)) or "none"
            raise ExportError(f"the design has no rack {options.rack!r} (racks: {known})")
        if options.selection:
            raise ExportError("choose either a selection or a rack, not both")


# ------------------------------------------------------------------------ the page
def _reference_image() -> QImage:
    """A 96-dpi paint device: text is measured and drawn at the same resolution everywhere."""
    image = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)
    _set_dpi(image, DPI)
    return image


def _blank_image(width: int, height: int, transparent: bool, advice: str, too_tall: bool = False) -> QImage:
    """A white (or transparent) page of the export's dpi, or ExportError saying what to change."""
    if width * height > MAX_PIXELS or too_tall:
        raise ExportError(f"the image would be {width}×{height} pixels, more than this export allows; {advice}")
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    if image.isNull():
        raise ExportError(f"not enough memory for a {width}×{height} pixel image")
    _set_dpi(image, DPI)
    image.fill(Qt.GlobalColor.transparent if transparent else QColor("white"))
    return image


def _set_dpi(image: QImage, dpi: float) -> None:
    dots_per_meter = round(dpi / 0.0254)
    image.setDotsPerMeterX(dots_per_meter)
    image.setDotsPerMeterY(dots_per_meter)


def _font(points: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


@dataclass
class _TextLine:
    text: str
    font: QFont
    color: QColor
    rect: QRectF = field(default_factory=QRectF)
    wrap: bool = False


def summary_line(solution) -> str:
    """One line on the solve: peak, VMM cores, guarantees (as the status bar says it)."""
    if solution is None:
        return ""
    peak = f"Peak utilisation {solution.peak_utilization * 100:.1f} %"
    if solution.peak_resource:
        peak += f" ({solution.peak_resource})"
    missed = solution.guarantees_missed
    return (f"{peak} · VMM {solution.total_vmm_cores:.2f} cores · "
            f"{missed} guarantee{'s' * (missed != 1)} missed")


class Page:
    """One export page laid out in scene units; ``paint`` draws it on any painter."""

    def __init__(self, topology: Topology, solution, options: ExportOptions) -> None:
        if options.rack is not None:
            options = rack_options(topology, options)
        self.options = options
        self.solution = solution if options.overlay else None
        builder = views()[options.view]
        self.scene, content = builder(topology, solution, options)
        # The page paints its own background (white, or none for a transparent export).
        self.scene.setBackgroundBrush(Qt.BrushStyle.NoBrush)
        for item in self.scene.items():
            # Painted afresh: vector output in SVG and PDF, sharp text at 4×, and never a
            # pixmap cached under another theme.
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
            if item.isSelected():
                item.setSelected(False)
        self.content = QRectF(content).adjusted(-CONTENT_PAD, -CONTENT_PAD, CONTENT_PAD, CONTENT_PAD)
        self.legend_rect = QRectF()
        self.title_rect = QRectF()
        self._lines: list[_TextLine] = []
        self._layout(topology)

    def _layout(self, topology: Topology) -> None:
        from .canvas.view import legend_size

        opts = self.options
        design_w, design_h = self.content.width(), self.content.height()
        legend_w = legend_h = 0.0
        self.legend_utilization = self.solution is not None
        if opts.legend and opts.view in PAGE_LEGEND_VIEWS:
            size = legend_size(self.legend_utilization)
            legend_w, legend_h = size.width(), size.height()
        text_w = max(design_w, legend_w, MIN_TEXT_W if opts.title_block else 0.0)
        page_w = text_w + 2 * PAGE_MARGIN
        y = PAGE_MARGIN
        if opts.title_block:
            y = self._layout_title(topology, text_w, y)
            self.title_rect = QRectF(PAGE_MARGIN, PAGE_MARGIN, text_w, y - PAGE_MARGIN)
            y += GAP
        self.diagram_rect = QRectF(PAGE_MARGIN + (text_w - design_w) / 2, y, design_w, design_h)
        y += design_h
        if legend_w:
            y += GAP
            self.legend_rect = QRectF(PAGE_MARGIN, y, legend_w, legend_h)
            y += legend_h
        self.size = QSizeF(math.ceil(page_w), math.ceil(y + PAGE_MARGIN))

    def _layout_title(self, topology: Topology, width: float, y: float) -> float:
        opts = self.options
        device = _reference_image()
        date = opts.date or _dt.date.today().isoformat()
        meta = [date]
        if opts.author.strip():
            meta.append(f"Prepared by {opts.author.strip()}")
        summary = summary_line(self.solution)
        lines = [
            _TextLine(topology.title.strip() or "Untitled design", _font(15, True), style.current().text, wrap=True),
            _TextLine(" · ".join(meta), _font(9), style.current().muted_text, wrap=True),
        ]
        if summary:
            lines.append(_TextLine(summary, _font(9), style.current().text, wrap=True))
        if opts.notes.strip():
            lines.append(_TextLine(opts.notes.strip(), _font(9), style.current().text, wrap=True))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
        for i, line in enumerate(lines):
            metrics = QFontMetricsF(line.font, device)
            bound = metrics.boundingRect(QRectF(0, 0, width, 1e6), int(flags), line.text)
            height = max(bound.height(), metrics.height())
            line.rect = QRectF(PAGE_MARGIN, y, width, height + 1)
            y += height + (6 if i == 0 else 3)
        self._lines = lines
        return y + 4  # room for the rule under the block

    # ----------------------------------------------------------------- painting
    def paint(self, painter: QPainter, region: QRectF | None = None) -> None:
        """Draw the page; with ``region`` (page coordinates) only the design inside it,
        so a tile on paper does not carry the whole drawing hidden behind its clip."""
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                               | QPainter.RenderHint.SmoothPixmapTransform)
        if self._lines:
            flags = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
            for line in self._lines:
                painter.setFont(line.font)
                painter.setPen(line.color)
                painter.drawText(line.rect, int(flags), line.text)
            painter.setPen(QPen(style.current().divider, 1.2))
            bottom = self.title_rect.bottom()
            painter.drawLine(QPointF(self.title_rect.left(), bottom), QPointF(self.title_rect.right(), bottom))
        from .canvas.items import fitted_labels

        painter.save()
        target, source = self.diagram_rect, self.content
        if region is not None:
            target = self.diagram_rect.intersected(region)
            source = target.translated(self.content.topLeft() - self.diagram_rect.topLeft())
        with fitted_labels():  # a printed label is whole: shrunk or wrapped, never cut with …
            if not target.isEmpty():
                self.scene.render(painter, target, source, Qt.AspectRatioMode.IgnoreAspectRatio)
        painter.restore()
        if not self.legend_rect.isEmpty():
            from .canvas.view import draw_legend

            painter.save()
            draw_legend(painter, self.legend_rect.topLeft(), utilization=self.legend_utilization)
            painter.restore()

    def close(self) -> None:
        self.scene.clear()


# ----------------------------------------------------------------------- outputs
@dataclass
class Rendered:
    data: bytes
    format: str
    width: float  # pixels for PNG, scene units (1/96 in) for SVG and PDF
    height: float
    page: PageInfo
    pages: int = 1  # sheets in a PDF on paper


@dataclass
class PageInfo:
    """Where the parts of the page landed, in output pixels (PNG) or scene units."""

    scale: float
    size: QSizeF
    title_rect: QRectF
    diagram_rect: QRectF
    legend_rect: QRectF
    content: QRectF  # the design's area in scene coordinates


def _info(page: Page, scale: float) -> PageInfo:
    def scaled(rect: QRectF) -> QRectF:
        return QRectF(rect.x() * scale, rect.y() * scale, rect.width() * scale, rect.height() * scale)

    return PageInfo(scale, QSizeF(page.size.width() * scale, page.size.height() * scale),
                    scaled(page.title_rect), scaled(page.diagram_rect), scaled(page.legend_rect), QRectF(page.content))


def png_size(page_size: QSizeF, options: ExportOptions) -> tuple[int, int, float]:
    """(width px, height px, scale) of a PNG of a page."""
    if options.width_px is not None:
        scale = options.width_px / page_size.width()
        width = options.width_px
    else:
        scale = options.scale
        width = math.ceil(page_size.width() * scale)
    height = math.ceil(page_size.height() * scale)
    return width, height, scale


def render_image(topology: Topology, solution, options: ExportOptions, fit=None) -> tuple[QImage, PageInfo]:
    """The page as an image; ``fit`` (a QSize) shrinks it into that box instead (previews)."""
    with style.theme("light"):
        page = Page(topology, solution, options)
        try:
            shrink_to = None
            if fit is not None:
                scale = min(fit.width() / page.size.width(), fit.height() / page.size.height())
                shrink_to = QSize(max(1, round(page.size.width() * scale)), max(1, round(page.size.height() * scale)))
                # Drawn at a readable scale and shrunk, so the preview shows what the file will
                # (below about half size the canvas leaves out text and badges).
                scale = max(scale, PREVIEW_MIN_SCALE)
                width, height = math.ceil(page.size.width() * scale), math.ceil(page.size.height() * scale)
            else:
                width, height, scale = png_size(page.size, options)
            image = _blank_image(width, height, options.transparent, "choose a smaller scale or width",
                                 too_tall=height > 32000)
            painter = QPainter(image)
            try:
                painter.scale(scale, scale)
                page.paint(painter)
            finally:
                painter.end()
            if shrink_to is not None and shrink_to != image.size():
                scale = shrink_to.width() / page.size.width()
                image = image.scaled(shrink_to, Qt.AspectRatioMode.IgnoreAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
            # Printed, a 2× image keeps the size of the 1× one and is twice as sharp.
            _set_dpi(image, DPI * scale)
            return image, _info(page, scale)
        finally:
            page.close()


def _png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ExportError("the PNG encoder refused the image")
    buffer.close()
    return bytes(data.data())


def render_svg(topology: Topology, solution, options: ExportOptions) -> Rendered:
    from PySide6.QtSvg import QSvgGenerator

    with style.theme("light"):
        page = Page(topology, solution, options)
        try:
            data = QByteArray()
            buffer = QBuffer(data)
            buffer.open(QIODevice.OpenModeFlag.WriteOnly)
            generator = QSvgGenerator()
            generator.setOutputDevice(buffer)
            generator.setResolution(int(DPI))
            generator.setSize(page.size.toSize())
            generator.setViewBox(QRectF(0, 0, page.size.width(), page.size.height()))
            generator.setTitle(topology.title or "Untitled design")
            generator.setDescription("RackIO Designer export")
            painter = QPainter(generator)
            try:
                if not options.transparent:
                    painter.fillRect(QRectF(QPointF(0, 0), page.size), QColor("white"))
                page.paint(painter)
            finally:
                painter.end()
            buffer.close()
            # Labels, title, author and notes may hold control characters XML forbids: dropped here.
            return Rendered(clean_xml_document(svg_font_fallback(bytes(data.data()))), "svg", page.size.width(), page.size.height(),
                            _info(page, 1.0))
        finally:
            page.close()


def render_pdf(topology: Topology, solution, options: ExportOptions) -> Rendered:
    with style.theme("light"):
        page = Page(topology, solution, options)
        try:
            data = QByteArray()
            buffer = QBuffer(data)
            buffer.open(QIODevice.OpenModeFlag.WriteOnly)
            writer = QPdfWriter(buffer)
            writer.setResolution(int(DPI))
            points = QSizeF(page.size.width() * 72 / DPI, page.size.height() * 72 / DPI)
            writer.setPageLayout(QPageLayout(
                QPageSize(points, QPageSize.Unit.Point, "RackIO export", QPageSize.SizeMatchPolicy.ExactMatch),
                QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
            writer.setTitle(topology.title or "Untitled design")
            writer.setCreator("RackIO Designer")
            from . import paper

            date = options.date or paper.today()
            paper.stable_document(writer, topology.title or "Untitled design", date)
            painter = QPainter(writer)
            try:
                page.paint(painter)
            finally:
                painter.end()
                del writer
            buffer.close()
            return Rendered(paper.finish_pdf(bytes(data.data()), date), "pdf", page.size.width(), page.size.height(), _info(page, 1.0))
        finally:
            page.close()


def render(topology: Topology, solution, options: ExportOptions, fmt: str) -> Rendered:
    """The export file's bytes (checks the options first)."""
    check_options(topology, options, fmt)
    if options.paper is not None:
        return render_on_paper(topology, solution, options, fmt)
    if fmt == "png":
        image, info = render_image(topology, solution, options)
        return Rendered(_png_bytes(image), "png", image.width(), image.height(), info)
    if fmt == "svg":
        return render_svg(topology, solution, options)
    if fmt == "drawio":
        from .drawio_export import drawio_bytes

        data, size = drawio_bytes(topology, solution, options)
        info = PageInfo(1.0, size, QRectF(), QRectF(QPointF(0, 0), size), QRectF(), QRectF(QPointF(0, 0), size))
        return Rendered(data, "drawio", size.width(), size.height(), info)
    return render_pdf(topology, solution, options)


def format_of(path: str | Path) -> str:
    """The export format a file name asks for, from its extension."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        shown = f".{suffix}" if suffix else "no extension"
        raise ExportError(f"{Path(path).name}: {shown} is not an export format; use .png, .svg, .pdf or .drawio")
    return suffix


def export_file(path: str | Path, topology: Topology, solution, options: ExportOptions,
                **write_options) -> Rendered:
    """Render and write atomically: the file appears whole or not at all.

    ``write_options`` go to write_atomic (``inputs`` never to replace, ``stream_ok``)."""
    rendered = render(topology, solution, options, format_of(path))
    write_atomic(Path(path), rendered.data, **write_options)
    return rendered


# ------------------------------------------------------------------ on paper
def rack_options(topology: Topology, options: ExportOptions) -> ExportOptions:
    """``rack`` as a selection: the rack itself in the rack view; its servers, switches and
    what they are cabled to in the diagram."""
    from ..proposal import rack_selection

    if options.view == "diagram":
        selection = tuple(rack_selection(topology, options.rack)) or (options.rack,)
    else:
        selection = (options.rack,)
    return replace(options, selection=selection, rack=None)


def _paper_area(options: ExportOptions) -> tuple[QSizeF, QRectF]:
    from . import paper

    sheet = paper.page_size(options.paper, options.landscape)
    margin = paper.MARGIN
    # below the area: room for the tile caption
    return sheet, QRectF(margin, margin, sheet.width() - 2 * margin, sheet.height() - 2 * margin - 14)


def render_on_paper(topology: Topology, solution, options: ExportOptions, fmt: str) -> Rendered:
    """The page (title block, design, legend) on A4 or Letter sheets.

    PDF: scaled to fit one sheet when its smallest label stays at least
    ``paper.MIN_TEXT_PT`` tall, otherwise tiled over as many sheets as needed with
    overlap marks. PNG and SVG are one sheet, the page scaled to fit it.
    """
    from . import paper

    sheet, area = _paper_area(options)
    with style.theme("light"):
        page = Page(topology, solution, options)
        try:
            placed = paper.placement(page.size.width(), page.size.height(), area.size(),
                                     min_scale=paper.MIN_SCALE if fmt == "pdf" else 0.0)
            if fmt == "pdf":
                data = QByteArray()
                buffer = QBuffer(data)
                buffer.open(QIODevice.OpenModeFlag.WriteOnly)
                date = options.date or paper.today()
                writer = paper.pdf_writer(buffer, options.paper, options.landscape,
                                          topology.title or "Untitled design", date)
                paper.stable_document(writer, topology.title or "Untitled design", date)
                painter = QPainter(writer)
                try:
                    for index in range(len(placed.tiles)):
                        if index:
                            writer.newPage()
                        painter.setRenderHints(QPainter.RenderHint.Antialiasing
                                               | QPainter.RenderHint.TextAntialiasing)
                        paper.paint_tile(painter, area, placed, index, page.paint)
                        if placed.tiled:
                            paper.draw_tile_marks(painter, area, placed, index)
                finally:
                    painter.end()
                    del writer
                buffer.close()
                out = paper.finish_pdf(bytes(data.data()), date)
                rendered = Rendered(out, "pdf", sheet.width(), sheet.height(), _info(page, placed.scale))
                rendered.pages = len(placed.tiles)
                return rendered
            if fmt == "svg":
                from PySide6.QtSvg import QSvgGenerator

                data = QByteArray()
                buffer = QBuffer(data)
                buffer.open(QIODevice.OpenModeFlag.WriteOnly)
                generator = QSvgGenerator()
                generator.setOutputDevice(buffer)
                generator.setResolution(int(DPI))
                generator.setSize(sheet.toSize())
                generator.setViewBox(QRectF(0, 0, sheet.width(), sheet.height()))
                generator.setTitle(topology.title or "Untitled design")
                generator.setDescription("RackIO Designer export")
                painter = QPainter(generator)
                try:
                    if not options.transparent:
                        painter.fillRect(QRectF(QPointF(0, 0), sheet), QColor("white"))
                    paper.paint_tile(painter, area, placed, 0, page.paint)
                finally:
                    painter.end()
                buffer.close()
                return Rendered(svg_font_fallback(bytes(data.data())), "svg", sheet.width(), sheet.height(),
                                _info(page, placed.scale))
            scale = options.dpi / DPI
            width, height = math.ceil(sheet.width() * scale), math.ceil(sheet.height() * scale)
            image = _blank_image(width, height, options.transparent, "choose a lower dpi")
            painter = QPainter(image)
            try:
                painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
                painter.scale(scale, scale)
                paper.paint_tile(painter, area, placed, 0, page.paint)
            finally:
                painter.end()
            _set_dpi(image, options.dpi)
            return Rendered(_png_bytes(image), "png", width, height, _info(page, placed.scale * scale))
        finally:
            page.close()


def paper_preview(topology: Topology, solution, options: ExportOptions, fmt: str,
                  width_px: int) -> tuple[QImage, int, float]:
    """The first sheet of an export on paper as an image ``width_px`` wide, the number of
    sheets (PDF tiles) and the design's scale on paper (the dialog's preview)."""
    from . import paper

    sheet, area = _paper_area(options)
    with style.theme("light"):
        page = Page(topology, solution, options)
        try:
            placed = paper.placement(page.size.width(), page.size.height(), area.size(),
                                     min_scale=paper.MIN_SCALE if fmt == "pdf" else 0.0)
            # drawn at twice the preview size and shrunk: small text is left out below half size
            scale = 2 * width_px / sheet.width()
            image = QImage(math.ceil(sheet.width() * scale), math.ceil(sheet.height() * scale),
                           QImage.Format.Format_ARGB32_Premultiplied)
            _set_dpi(image, DPI)
            image.fill(QColor("white"))
            painter = QPainter(image)
            try:
                painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
                painter.scale(scale, scale)
                paper.paint_tile(painter, area, placed, 0, page.paint)
                if placed.tiled:
                    paper.draw_tile_marks(painter, area, placed, 0)
            finally:
                painter.end()
            image = image.scaledToWidth(width_px, Qt.TransformationMode.SmoothTransformation)
            return image, len(placed.tiles), placed.scale
        finally:
            page.close()


# Qt names the font's family only ("Sans Serif" is no CSS family): add a fallback list
# ending in the generic family so every SVG viewer picks a sans-serif face.
SVG_FONT_FALLBACK = "'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif"
_SVG_FONT = re.compile(rb'font-family="([^"]*)"')


def svg_font_fallback(data: bytes) -> bytes:
    def fix(match: re.Match) -> bytes:
        family = match.group(1).decode("utf-8", "replace").strip().strip("'")
        generic = {"sans serif": "", "sans-serif": "", "sans": ""}
        first = "" if family.lower() in generic else f"'{family}', "
        return f'font-family="{first}{SVG_FONT_FALLBACK}"'.encode()

    return _SVG_FONT.sub(fix, data)


def with_changes(options: ExportOptions, **changes) -> ExportOptions:
    return replace(options, **changes)
