"""Standard paper for exports and the proposal report: page sizes, fit-or-tile, PDF metadata.

A layer around the renderer: it never changes how a design is drawn, only where a
drawing lands on sheets of A4 or Letter. Everything is measured in the renderer's
units (1/96 inch), so a font given in points prints at that size at scale 1.

* ``placement`` decides whether a drawing fits one page readably (its smallest text
  no smaller than ``MIN_TEXT_PT``) or must be tiled over several pages with an
  overlap, and returns the tiles.
* ``pdf_writer`` and ``finish_pdf`` make a QPdfWriter whose output depends only on
  what is drawn and the date: the document id is derived from the title and date, and
  the creation and modification dates Qt stamps in are replaced by the given date.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import uuid
from dataclasses import dataclass

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt, QUuid
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

DPI = 96.0
PAPERS = {"a4": QPageSize.PageSizeId.A4, "letter": QPageSize.PageSizeId.Letter}
PAPER_LABELS = {"a4": "A4 (210 × 297 mm)", "letter": "Letter (8.5 × 11 in)"}
MARGIN = 40.0  # around the printable area, 1/96 in (about 10.6 mm)
SMALLEST_DIAGRAM_PT = 6.5  # the canvas's smallest label (a VF chip's name)
MIN_TEXT_PT = 4.0  # tile rather than print that label smaller than this
MIN_SCALE = MIN_TEXT_PT / SMALLEST_DIAGRAM_PT
OVERLAP = 36.0  # tiles repeat this much of their neighbour (about 9.5 mm)
MARK = QColor("#9e9e9e")
NAMESPACE = uuid.UUID("6f1d2c4e-9a57-4b1e-8f43-2d0c7a5e3b10")


def check_paper(paper: str) -> str:
    key = (paper or "").strip().lower()
    if key not in PAPERS:
        raise ValueError(f"unknown paper size {paper!r}; use a4 or letter")
    return key


def page_size(paper: str, landscape: bool = False) -> QSizeF:
    """The sheet in 1/96 in (A4 portrait: 793.7 × 1122.5)."""
    points = QPageSize(PAPERS[check_paper(paper)]).sizePoints()
    w, h = points.width() * DPI / 72, points.height() * DPI / 72
    return QSizeF(h, w) if landscape else QSizeF(w, h)


def page_layout(paper: str, landscape: bool = False) -> QPageLayout:
    orientation = QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    return QPageLayout(QPageSize(PAPERS[check_paper(paper)]), orientation, QMarginsF(0, 0, 0, 0))


# ------------------------------------------------------------------ fit or tile
@dataclass
class Placement:
    scale: float
    tiles: list[QRectF]  # in drawing coordinates, row by row
    rows: int
    columns: int

    @property
    def tiled(self) -> bool:
        return len(self.tiles) > 1


def placement(width: float, height: float, area: QSizeF, min_scale: float = MIN_SCALE,
              max_scale: float = 1.0) -> Placement:
    """Fit a ``width`` × ``height`` drawing into ``area``, or tile it at ``min_scale``.

    Fitting never enlarges beyond ``max_scale``. Tiles are ``area`` large at the tile
    scale and overlap by ``OVERLAP`` (in page units), so a cable or label cut at a
    tile's edge is seen whole on one of the two pages.
    """
    width, height = max(width, 1.0), max(height, 1.0)
    fit = min(area.width() / width, area.height() / height, max_scale)
    if fit >= min_scale:
        return Placement(fit, [QRectF(0, 0, width, height)], 1, 1)
    # The fewest tiles at the smallest readable scale, then the largest scale at which
    # that grid still covers the drawing (the tiles come out evenly filled).
    aw, ah = area.width(), area.height()

    def count(size: float, page: float, scale: float) -> int:
        return max(1, math.ceil((size * scale - page) / (page - OVERLAP)) + 1) if size * scale > page else 1

    columns, rows = count(width, aw, min_scale), count(height, ah, min_scale)
    scale = min((columns * aw - (columns - 1) * OVERLAP) / width, (rows * ah - (rows - 1) * OVERLAP) / height,
                max_scale)
    tile_w, tile_h = aw / scale, ah / scale
    step_w, step_h = tile_w - OVERLAP / scale, tile_h - OVERLAP / scale
    tiles = [QRectF(c * step_w, r * step_h, tile_w, tile_h) for r in range(rows) for c in range(columns)]
    return Placement(scale, tiles, rows, columns)


def draw_tile_marks(painter: QPainter, area: QRectF, placed: Placement, index: int) -> None:
    """Corner crop marks around the area, dashed lines where the neighbouring tiles begin
    (the overlap to glue along) and the tile's place in the grid."""
    painter.save()
    pen = QPen(MARK, 0.8)
    painter.setPen(pen)
    length = 10.0
    for x, dx in ((area.left(), -1), (area.right(), 1)):
        for y, dy in ((area.top(), -1), (area.bottom(), 1)):
            painter.drawLine(QPointF(x + dx * 3, y), QPointF(x + dx * (3 + length), y))
            painter.drawLine(QPointF(x, y + dy * 3), QPointF(x, y + dy * (3 + length)))
    row, column = divmod(index, placed.columns)
    dashed = QPen(MARK, 0.8, Qt.PenStyle.DashLine)
    painter.setPen(dashed)
    band = OVERLAP
    if column + 1 < placed.columns:
        x = area.right() - band
        painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
    if column > 0:
        x = area.left() + band
        painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
    if row + 1 < placed.rows:
        y = area.bottom() - band
        painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
    if row > 0:
        y = area.top() + band
        painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
    font = QFont()
    font.setPointSizeF(6.5)
    painter.setFont(font)
    painter.setPen(MARK)
    text = (f"Tile {index + 1} of {len(placed.tiles)} · row {row + 1} of {placed.rows}, "
            f"column {column + 1} of {placed.columns} · dashed lines: overlap with the next tile")
    painter.drawText(QRectF(area.left(), area.bottom() + 4, area.width(), 12),
                     int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop), text)
    painter.restore()


def paint_tile(painter: QPainter, area: QRectF, placed: Placement, index: int, paint) -> None:
    """Draw ``paint(painter)`` (in drawing coordinates) so tile ``index`` fills ``area``;
    a tile calls ``paint(painter, tile)`` to draw only the tile's part of the drawing."""
    tile = placed.tiles[index]
    painter.save()
    painter.setClipRect(area)
    if placed.tiled:
        painter.translate(area.left(), area.top())
    else:
        # one page: centred in the area
        w, h = tile.width() * placed.scale, tile.height() * placed.scale
        painter.translate(area.left() + (area.width() - w) / 2, area.top() + (area.height() - h) / 2)
    painter.scale(placed.scale, placed.scale)
    painter.translate(-tile.left(), -tile.top())
    if placed.tiled:
        paint(painter, tile)  # only what this tile shows
    else:
        paint(painter)
    painter.restore()


# ------------------------------------------------------------------ the PDF file
def pdf_writer(device, paper: str, landscape: bool, title: str, date: str) -> QPdfWriter:
    """A QPdfWriter on standard paper, 96 units per inch (see ``stable_document``)."""
    writer = QPdfWriter(device)
    writer.setResolution(int(DPI))
    writer.setPageLayout(page_layout(paper, landscape))
    writer.setTitle(title)
    writer.setCreator("RackIO Designer")
    return writer


def stable_document(writer: QPdfWriter, title: str, date: str) -> None:
    """A document id derived from the title and date (Qt makes a random one).

    The PDF engine also writes its fonts in the order of a QHash, which follows Qt's
    per-process hash seed: ``rackio report`` and ``rackio export`` fix that seed
    (QT_HASH_SEED=0, set before Qt loads), so their files are byte-identical from run to
    run. Changing the seed inside a running program is not safe, so the designer's own
    exports are identical within a session.
    """
    if hasattr(writer, "setDocumentId"):
        writer.setDocumentId(QUuid(str(uuid.uuid5(NAMESPACE, f"{title}\n{date}"))))


_INFO_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}Z\)")
_XMP_DATE = re.compile(rb'xmp:(CreateDate|ModifyDate|MetadataDate)="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"')


def finish_pdf(data: bytes, date: str) -> bytes:
    """Stamp ``date`` (YYYY-MM-DD, midnight UTC) as the creation and modification date.

    Qt writes the time of writing; the replacements have the same length, so the
    cross-reference offsets stay valid.
    """
    day = _dt.date.fromisoformat(date)
    info = f"D:{day:%Y%m%d}000000Z".encode()
    xmp = f"{day:%Y-%m-%d}T00:00:00+00:00".encode()
    data = _INFO_DATE.sub(lambda m: b"/" + m.group(1) + b" (" + info + b")", data)
    return _XMP_DATE.sub(lambda m: b"xmp:" + m.group(1) + b'="' + xmp + b'"', data)


def today() -> str:
    return _dt.date.today().isoformat()


def check_date(text: str) -> str:
    try:
        return _dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise ValueError(f"date {text!r} is not a date written YYYY-MM-DD") from None
