"""Draw docs/images/proposal-pages.png: two pages of the two-rack example's proposal.

Run from the repository root: ``make screenshots`` (offscreen; no display, no settings).
The pages are painted by the same code that writes ``rackio report``'s PDF.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPainter, QPen  # noqa: E402

from designer.fileformat import load  # noqa: E402
from designer.resources_access import example  # noqa: E402
from designer.solver import solve  # noqa: E402
from designer.ui.app import make_application  # noqa: E402

OUT = Path(__file__).resolve().parent / "images" / "proposal-pages.png"
PAGE_W = 620  # pixels per page in the picture
GAP = 28


def main() -> int:
    app = make_application()  # noqa: F841 (kept alive while drawing)
    from designer.ui.proposal_pdf import ProposalDocument, ReportOptions

    topo = load(example("two-rack-proposal.rackio"))
    document = ProposalDocument(topo, solve(topo), ReportOptions(paper="a4", author="Pre-sales team",
                                                                 date="2026-01-15"))
    try:
        wanted = [0] + [page for title, page in document.sections if title == "Plots"][:1]
        pages = [document.page_image(index, PAGE_W) for index in wanted]
    finally:
        document.close()
    height = max(p.height() for p in pages)
    picture = QImage(GAP + sum(p.width() + GAP for p in pages), height + 2 * GAP, QImage.Format.Format_RGB32)
    picture.fill(QColor("#cfd8dc"))
    painter = QPainter(picture)
    x = GAP
    for page in pages:
        painter.fillRect(QRectF(x + 4, GAP + 4, page.width(), page.height()), QColor(0, 0, 0, 60))
        painter.drawImage(x, GAP, page)
        painter.setPen(QPen(QColor("#90a4ae"), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(x, GAP, page.width(), page.height()))
        x += page.width() + GAP
    painter.end()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    if not picture.save(str(OUT)):
        print(f"could not write {OUT}", file=sys.stderr)
        return 1
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
