"""The export renderer (designer/ui/render.py): sizes, transparency, selection crop,
legend and title block, overlay, light theme, SVG and PDF output, large designs."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage

from designer.fileformat import load
from designer.generate import generate
from designer.solver import solve
from designer.ui import render, style
from designer.ui.render import ExportError, ExportOptions

from .helpers import MAIL, TWO_RACK

# Fixed date so two renders of the same options are pixel-identical.
BASE = {"date": "2024-05-01"}


@pytest.fixture(scope="module")
def mail():
    topo = load(MAIL)
    return topo, solve(topo)


def image_of(design, **options) -> tuple[QImage, render.PageInfo]:
    topo, solution = design
    opts = ExportOptions(**{**BASE, **options})
    rendered = render.render(topo, solution, opts, "png")
    image = QImage.fromData(rendered.data, "PNG")
    assert not image.isNull()
    return image, rendered.page


def pixels(image: QImage, rect: QRectF):
    r = rect.toAlignedRect().intersected(image.rect())
    for y in range(r.top(), r.bottom() + 1):
        for x in range(r.left(), r.right() + 1):
            yield image.pixelColor(x, y)


def is_white(c: QColor) -> bool:
    return c.red() >= 250 and c.green() >= 250 and c.blue() >= 250 and c.alpha() == 255


def near(c: QColor, target: QColor, tol: int = 24) -> bool:
    return (abs(c.red() - target.red()) <= tol and abs(c.green() - target.green()) <= tol
            and abs(c.blue() - target.blue()) <= tol)


# ------------------------------------------------------------------------ size
def test_scale_multiplies_the_pixel_size(qapp, mail):
    one, _ = image_of(mail, scale=1.0)
    three, _ = image_of(mail, scale=3.0)
    assert abs(three.width() - 3 * one.width()) <= 3
    assert abs(three.height() - 3 * one.height()) <= 3
    assert one.width() > 600  # the design at 1 px per scene unit, not a thumbnail


def test_width_sets_the_exact_pixel_width_and_keeps_the_aspect(qapp, mail):
    one, _ = image_of(mail, scale=1.0)
    image, _ = image_of(mail, width_px=900)
    assert image.width() == 900
    assert image.height() == pytest.approx(one.height() * 900 / one.width(), abs=2)


@pytest.mark.parametrize("changes", [{"scale": 0.5}, {"scale": 4.5}, {"width_px": 50}, {"width_px": 20000}])
def test_out_of_range_sizes_are_refused(qapp, mail, changes):
    topo, solution = mail
    with pytest.raises(ExportError):
        render.render(topo, solution, ExportOptions(**changes), "png")


# ---------------------------------------------------------------- background
def test_default_background_is_white_and_transparent_is_really_transparent(qapp, mail):
    white, _ = image_of(mail, scale=1.0)
    clear, _ = image_of(mail, scale=1.0, transparent=True)
    assert clear.hasAlphaChannel()
    for x, y in ((0, 0), (white.width() - 1, white.height() - 1)):
        assert is_white(white.pixelColor(x, y))
        assert clear.pixelColor(x, y).alpha() == 0
    # The design itself is still opaque on the transparent page, and the space between its items is not.
    info = render.render(mail[0], mail[1], ExportOptions(**BASE, scale=1.0, transparent=True), "png").page
    alphas = [c.alpha() for c in pixels(clear, info.diagram_rect)]
    assert sum(a == 255 for a in alphas) > 5000
    assert sum(a == 0 for a in alphas) > 5000


def test_transparent_pdf_is_refused(qapp, mail):
    with pytest.raises(ExportError, match="PNG or SVG"):
        render.render(mail[0], mail[1], ExportOptions(transparent=True), "pdf")


# ----------------------------------------------------------------- selection
def _bounding_box(topo, ids) -> QRectF:
    """The selected items' area, measured on a canvas scene of the test's own."""
    from designer.ui.canvas.scene import DesignScene

    scene = DesignScene(topo)
    scene.detach()
    rect = QRectF()
    for element_id in ids:
        item = scene.element_item(element_id)
        rect = rect.united(item.sceneBoundingRect())
        for child in item.childItems():
            if type(child).__name__ != "HandleItem":
                rect = rect.united(child.sceneBoundingRect())
    return rect


def test_selection_crops_to_the_selected_items(qapp, mail):
    whole, _ = image_of(mail, scale=1.0, legend=False, title_block=False)
    part, info = image_of(mail, scale=1.0, legend=False, title_block=False, selection=("h1",))
    assert part.width() < whole.width() and part.height() < whole.height()
    box = _bounding_box(mail[0], ["h1"])
    content = info.content
    assert content.contains(box)
    # Only a small pad around the server: nothing else (no switch, no network) is in the crop.
    assert content.width() - box.width() <= 2 * render.CONTENT_PAD + 1
    assert content.height() - box.height() <= 2 * render.CONTENT_PAD + 1
    # The cables from h1's ports lead to the (unselected) switch above: they are not drawn,
    # so the strip between the top of the crop and the port sockets stays white.
    strip = QRectF(info.diagram_rect.left(), info.diagram_rect.top(), info.diagram_rect.width(),
                   (box.top() - content.top()) * info.scale - 1)
    assert strip.height() > 5
    assert all(is_white(c) for c in pixels(part, strip))


def test_selected_items_bring_the_cable_between_them(qapp, mail):
    topo = mail[0]
    link = next(link for link in topo.links.values() if {"tor", "wan"} == {link.a, link.b})
    _, info = image_of(mail, scale=1.0, legend=False, title_block=False, selection=("tor", "wan"))
    box = _bounding_box(topo, ["tor", "wan"])
    assert info.content.contains(box)
    from designer.ui.canvas.scene import DesignScene

    scene = DesignScene(topo)
    scene.detach()
    cable = scene.cables[link.id]
    drawn = cable.mapRectToScene(cable.childrenBoundingRect()).united(cable.sceneBoundingRect())
    assert drawn.height() > 20
    assert info.content.contains(drawn)


def test_a_guest_in_the_selection_brings_its_server(qapp, mail):
    vm = next(e.id for e in mail[0].elements.values() if e.KIND == "vm")
    server = mail[0].server_of(vm).id
    _, info = image_of(mail, scale=1.0, legend=False, title_block=False, selection=(vm,))
    assert info.content.contains(_bounding_box(mail[0], [server]))


def test_unknown_selection_id_is_refused(qapp, mail):
    with pytest.raises(ExportError, match="'nope'"):
        render.render(mail[0], mail[1], ExportOptions(selection=("h1", "nope")), "png")


# ------------------------------------------------------- legend and title
def test_legend_present_and_absent(qapp, mail):
    with_legend, info = image_of(mail, scale=1.0, title_block=False)
    without, info_without = image_of(mail, scale=1.0, title_block=False, legend=False)
    assert not info.legend_rect.isEmpty() and info_without.legend_rect.isEmpty()
    assert with_legend.height() > without.height() + 80
    # The legend region shows the attachment-mode colours and the utilisation gradient.
    legend_pixels = list(pixels(with_legend, info.legend_rect))
    assert any(near(c, style.MODE_COLORS["passthrough"]) for c in legend_pixels)
    assert any(near(c, QColor("#7cb342")) for c in legend_pixels)
    # Below the design, the page without a legend is blank.
    below = QRectF(0, info_without.diagram_rect.bottom() + 2, without.width(),
                   without.height() - info_without.diagram_rect.bottom() - 2)
    assert all(is_white(c) for c in pixels(without, below))
    # The legend never overlaps the design.
    assert not info.legend_rect.intersects(info.diagram_rect)


def test_title_block_present_and_absent(qapp, mail):
    titled, info = image_of(mail, scale=1.0, legend=False, author="Ada Planner", notes="Draft")
    plain, info_plain = image_of(mail, scale=1.0, legend=False, title_block=False)
    assert titled.height() > plain.height() + 40
    assert info.title_rect.bottom() <= info.diagram_rect.top()
    dark = [c for c in pixels(titled, info.title_rect) if c.red() < 90 and c.green() < 90 and c.blue() < 90]
    assert len(dark) > 200  # the title's text
    above = QRectF(0, 0, plain.width(), info_plain.diagram_rect.top())
    assert all(is_white(c) for c in pixels(plain, above))


def test_author_and_notes_add_lines_to_the_title_block(qapp, mail):
    _, bare = image_of(mail, scale=1.0, legend=False)
    _, full = image_of(mail, scale=1.0, legend=False, author="Ada Planner", notes="Draft for review")
    assert full.title_rect.height() > bare.title_rect.height() + 10


# ------------------------------------------------------------------- overlay
def test_overlay_off_drops_the_utilisation_colours(qapp, mail):
    # The mail host's VMM is saturated: its gauge is red with the overlay, absent without it.
    on, _info = image_of(mail, scale=1.0, legend=False, title_block=False)
    off, _ = image_of(mail, scale=1.0, legend=False, title_block=False, overlay=False)
    red = style.SATURATED_COLOR
    assert sum(near(c, red, 12) for c in pixels(on, QRectF(0, 0, on.width(), on.height()))) > 200
    assert sum(near(c, red, 12) for c in pixels(off, QRectF(0, 0, off.width(), off.height()))) < 20


def test_exports_are_light_even_when_the_app_is_dark(qapp, mail):
    light, _ = image_of(mail, scale=1.0)
    with style.theme("dark"):
        dark_app, _ = image_of(mail, scale=1.0)
        assert style.current_theme() == "dark"  # the export put the app's theme back
    assert light == dark_app


# --------------------------------------------------------------- SVG and PDF
def test_svg_parses_and_draws_the_design(qapp, mail):
    topo, solution = mail
    rendered = render.render(topo, solution, ExportOptions(**BASE), "svg")
    root = ET.fromstring(rendered.data)
    assert root.tag.endswith("svg")
    drawn = [el for el in root.iter() if el.tag.split("}")[-1] in ("path", "rect", "ellipse", "polyline", "text")]
    assert len(drawn) > 100
    text = " ".join(t for t in root.itertext())
    assert topo.title in text and "Mail host" in text
    assert root.get("viewBox") is not None
    # Vector output: the items are painted, not pasted as cached pixmaps.
    assert sum(1 for el in root.iter() if el.tag.split("}")[-1] == "image") == 0


def test_pdf_has_one_page_sized_to_the_content(qapp, mail):
    topo, solution = mail
    pdf = render.render(topo, solution, ExportOptions(**BASE), "pdf")
    svg = render.render(topo, solution, ExportOptions(**BASE), "svg")
    assert pdf.data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf.data)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.data)
    assert box is not None
    width_pt = float(box.group(3)) - float(box.group(1))
    height_pt = float(box.group(4)) - float(box.group(2))
    # 1 scene unit = 1/96 in = 0.75 pt: the page is the drawing's size, not A4 with a small picture.
    assert width_pt == pytest.approx(svg.width * 0.75, abs=2)
    assert height_pt == pytest.approx(svg.height * 0.75, abs=2)


# ----------------------------------------------------------------- views
def test_views_are_pluggable(qapp, mail, monkeypatch):
    calls = []

    def tiny(topology, solution, options):
        from PySide6.QtWidgets import QGraphicsScene

        scene = QGraphicsScene()
        scene.addRect(QRectF(0, 0, 100, 50), brush=QColor("#123456"))
        calls.append(options.view)
        return scene, QRectF(0, 0, 100, 50)

    monkeypatch.setitem(render.VIEWS, "tiny", tiny)
    image, info = image_of(mail, view="tiny", scale=1.0, legend=False, title_block=False)
    assert calls == ["tiny"]
    assert near(image.pixelColor(info.diagram_rect.center().toPoint()), QColor("#123456"), 2)


def test_an_unregistered_view_is_refused(qapp, mail, monkeypatch):
    monkeypatch.setattr(render, "views", lambda: {"diagram": render.build_diagram_scene})
    with pytest.raises(ExportError, match="'rack' view is not available"):
        render.render(mail[0], mail[1], ExportOptions(view="rack"), "png")


def test_the_window_scene_is_not_touched(window, mail):
    from .helpers import open_example

    open_example(window)
    window.scene.select_ids(["h1"])
    before = window.scene.selected_ids()
    topo = window.document.topology
    listeners = len(topo._listeners)
    render.render(topo, solve(topo), ExportOptions(**BASE, selection=("h1",)), "png")
    assert window.scene.selected_ids() == before
    assert len(topo._listeners) == listeners  # the export scene does not stay subscribed


# ------------------------------------------------------------------ large
def test_examples_and_a_three_rack_design_export(qapp, tmp_path):
    for path in (MAIL, TWO_RACK):
        topo = load(path)
        rendered = render.export_file(tmp_path / f"{path.stem}.png", topo, solve(topo), ExportOptions(**BASE))
        assert rendered.width > 1000
    topo = generate(3, 8, 8, seed=3)
    solution = solve(topo)
    start = time.perf_counter()
    rendered = render.export_file(tmp_path / "three.png", topo, solution, ExportOptions(**BASE))
    png_seconds = time.perf_counter() - start
    start = time.perf_counter()
    render.export_file(tmp_path / "three.pdf", topo, solution, ExportOptions(**BASE))
    pdf_seconds = time.perf_counter() - start
    print(f"3 racks × 8 servers × 8 VMs: PNG {rendered.width:.0f}×{rendered.height:.0f} in {png_seconds:.2f} s, "
          f"PDF in {pdf_seconds:.2f} s")
    assert (tmp_path / "three.png").stat().st_size > 10000
    assert (tmp_path / "three.pdf").read_bytes().startswith(b"%PDF")
