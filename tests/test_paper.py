"""Fit or tile on paper (designer/ui/paper.py): pure arithmetic, checked by hand."""

from __future__ import annotations

from PySide6.QtCore import QSizeF

from designer.ui import paper


def covered(placed, width: float, height: float) -> bool:
    right = max(t.right() for t in placed.tiles)
    bottom = max(t.bottom() for t in placed.tiles)
    return right >= width - 1e-6 and bottom >= height - 1e-6


def test_a_small_drawing_fits_one_page_without_enlarging():
    placed = paper.placement(400, 300, QSizeF(700, 1000))
    assert (placed.scale, len(placed.tiles)) == (1.0, 1)


def test_fits_while_the_smallest_text_stays_readable():
    # 1000 wide on 700: scale 0.7 ≥ 4/6.5 → one page
    placed = paper.placement(1000, 500, QSizeF(700, 1000))
    assert len(placed.tiles) == 1 and abs(placed.scale - 0.7) < 1e-9


def test_tiles_when_fitting_would_print_too_small():
    # 3000 × 800 on 700 × 1000: fitting needs 0.233 < 0.615 → tiles
    placed = paper.placement(3000, 800, QSizeF(700, 1000))
    assert placed.tiled and placed.scale >= paper.MIN_SCALE - 1e-9
    assert placed.rows == 1
    # columns: the fewest that cover 3000 × 0.615 = 1846 units with 36 overlap: 3
    assert placed.columns == 3 and len(placed.tiles) == 3
    assert covered(placed, 3000, 800)
    # neighbours overlap by OVERLAP page units
    step = placed.tiles[1].left() - placed.tiles[0].left()
    assert abs((placed.tiles[0].width() - step) * placed.scale - paper.OVERLAP) < 1e-6


def test_tile_scale_grows_to_fill_the_grid_it_needs():
    # 2300 × 3000 on 700 × 1000: at the readable minimum 3 × 2 tiles; then as large as
    # that grid allows: rows limit it to (2 × 1000 − 36) / 3000
    placed = paper.placement(2300, 3000, QSizeF(700, 1000))
    assert (placed.columns, placed.rows) == (3, 2)
    assert abs(placed.scale - (2 * 1000 - paper.OVERLAP) / 3000) < 1e-9
    assert covered(placed, 2300, 3000)


def test_paper_sizes_in_96_dpi_units():
    a4 = paper.page_size("a4")
    assert abs(a4.width() - 210 / 25.4 * 96) < 0.5 and abs(a4.height() - 297 / 25.4 * 96) < 0.5
    letter = paper.page_size("letter", landscape=True)
    assert (round(letter.width()), round(letter.height())) == (1056, 816)


def test_finish_pdf_replaces_dates_keeping_the_length():
    data = (b"<< /CreationDate (D:20261201224707Z)\n/ModDate (D:20261201224707Z) >>"
            b' xmp:CreateDate="2026-12-01T22:47:07+00:00" xmp:ModifyDate="2026-12-01T22:47:07+00:00"')
    out = paper.finish_pdf(data, "2025-02-03")
    assert len(out) == len(data)
    assert out.count(b"D:20250203000000Z") == 2 and out.count(b"2025-02-03T00:00:00+00:00") == 2
