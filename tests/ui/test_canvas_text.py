"""What the canvas writes must be whole, readable and where it belongs (issue 13 visual
follow-up): far-out names printed whole, rack blocks that say something at fit and show
where a selected server is, a frame's toggle clear of the NICs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from designer.generate import generate
from designer.layout import VM_H
from designer.ui import style
from designer.ui.canvas.items import MIN_TEXT_PX, NetworkItem, ServerItem, SwitchItem, VmItem, VmOverlay
from designer.ui.document import Document

from .helpers import MAIL, TWO_RACK, open_example


def settle(qtbot, window, ms: int = 60) -> None:
    qtbot.wait(ms)
    window.view.viewport().repaint()
    qtbot.wait(10)


def pixel_metrics(px: int, bold: bool) -> QFontMetricsF:
    font = QFont()
    font.setPixelSize(px)
    font.setBold(bold)
    return QFontMetricsF(font)


class RecordingPainter(QPainter):
    """A painter that remembers every string the item's Python code hands to drawText."""

    def __init__(self, device) -> None:
        super().__init__(device)
        self.texts: list[tuple[str, QRectF, QFont]] = []
        self.colors: list[tuple[str, QColor]] = []

    def drawText(self, *args):  # noqa: N802 (Qt name)
        rect, text = args[0], args[-1]
        if isinstance(text, str) and isinstance(rect, QRectF):
            self.texts.append((text, self.worldTransform().mapRect(rect), QFont(self.font())))
            self.colors.append((text, QColor(self.pen().color())))
        return super().drawText(*args)


def paint_at(item, zoom: float, keep: list | None = None) -> RecordingPainter:
    image = QImage(1200, 800, QImage.Format.Format_ARGB32)
    image.fill(QColor(style.current().canvas_bg))
    if keep is not None:
        keep.append(image)
    image.setDotsPerMeterX(3780)  # 96 dpi, as the canvas
    image.setDotsPerMeterY(3780)
    painter = RecordingPainter(image)
    painter.scale(zoom, zoom)
    item.paint(painter, QStyleOptionGraphicsItem(), None)
    painter.end()
    return painter


# ------------------------------------------------------------------ whole names
def test_far_out_network_and_switch_names_are_whole_and_at_least_8px(qtbot, window):
    """Zoomed out, "Clients / Internet" and "Storage network" were cut to "Clients / I…":
    the canvas now prints every name whole (wrapped between words if need be), at 8 px or
    more, inside its box, at fit and at a mid zoom, for both examples."""
    for example, zooms in ((MAIL, (None, 0.45, 0.3)), (TWO_RACK, (None, 0.34))):
        open_example(window, example)
        for zoom in zooms:
            window.view.fit_all()
            if zoom is not None:
                window.view.zoom_by(zoom / window.view.zoom_factor())
            settle(qtbot, window)
            scale = window.view.zoom_factor()
            assert scale < 0.75  # the far-out title applies
            boxes = [i for i in window.scene.top_items.values() if isinstance(i, (NetworkItem, SwitchItem))]
            assert boxes
            for item in boxes:
                painter = paint_at(item, scale)
                assert item.far_title is not None
                px, lines = item.far_title
                if not lines:  # too small for 8 px: nothing rather than a cut name
                    assert not any("…" in t for t, _r, _f in painter.texts)
                    continue
                assert px >= MIN_TEXT_PX
                assert " ".join(lines).split() == item.title.split(), (item.title, lines)
                width = item.title_rect().width() * scale
                metrics = pixel_metrics(px, True)
                for line in lines:
                    assert metrics.horizontalAdvance(line) <= width + 0.5, (item.title, line, width)
                assert len(lines) * metrics.lineSpacing() <= item.title_rect().height() * scale + 0.5
                drawn = [t for t, _r, _f in painter.texts]
                assert drawn == lines and not any("…" in t for t in drawn)


def test_every_network_and_switch_name_is_drawn_whole_at_the_mail_rack_fit(qtbot, window):
    window.resize(1600, 1000)
    open_example(window, MAIL)
    window.view.fit_all()
    settle(qtbot, window, 120)
    for element_id in ("wan", "san", "tor"):
        item = window.scene.top_items[element_id]
        assert item.far_title is not None and item.far_title[1], element_id
        assert " ".join(item.far_title[1]) == item.title


def test_fit_lines_never_cuts_a_name():
    from designer.ui.canvas.items import fit_lines

    metrics = pixel_metrics(8, True)
    name = "Storage network"
    width = metrics.horizontalAdvance("Storage") + 2  # one word a line at 8 px
    px, lines = fit_lines(name, width, 100, 14, 8, True)
    assert lines == ["Storage", "network"] and px >= 8
    assert all(pixel_metrics(px, True).horizontalAdvance(line) <= width for line in lines)
    # One line when it fits at some size in range, before any wrapping.
    px, lines = fit_lines(name, metrics.horizontalAdvance(name) + 1, 100, 14, 8, True)
    assert lines == [name]
    # A word wider than the box at 8 px: no size fits, nothing is returned (never "Stor…").
    assert fit_lines(name, metrics.horizontalAdvance("Storage") / 2, 100, 14, 8, True) is None


def test_a_long_guest_name_shrinks_to_fit_its_box_at_100_percent(qtbot, window):
    """"Legacy CRM (e1000)" ended in "…" on the canvas; the export printed it whole."""
    open_example(window, MAIL)
    vm = next(v for s in window.scene.top_items.values() if isinstance(s, ServerItem)
              for v in s.vm_items.values() if v.title == "Legacy CRM (e1000)")
    assert isinstance(vm, VmItem)
    painter = paint_at(vm, 1.0)
    names = [(t, r, f) for t, r, f in painter.texts if "Legacy" in t or "e1000" in t]
    assert names and " ".join(t for t, _r, _f in names) == "Legacy CRM (e1000)"
    for text, rect, font in names:
        assert QFontMetricsF(font).horizontalAdvance(text) <= rect.width() + 0.5
        assert QFontMetricsF(font).height() >= MIN_TEXT_PX - 0.5  # still readable at 100 %


# ---------------------------------------------------------------- rack blocks
def use(window, topo) -> None:
    window.set_document(Document(topo, parent=window))
    window.scene.flush()


def test_rack_blocks_at_fit_say_their_name_and_figures_in_8px_text(qtbot, window):
    """Ten racks in a row fitted in 1600 × 1000: the blocks (about 95 px wide) drew no text
    at all. Now each says its name and its figures, whole, at 8 px or more."""
    window.resize(1600, 1000)
    use(window, generate(10, 8, 2, seed=3))
    window.view.fit_all()
    settle(qtbot, window, 120)
    racks = window.scene.racks
    assert racks and all(r.block for r in racks.values())
    for rack in racks.values():
        assert rack.text_px >= MIN_TEXT_PX, (rack.rack_id, rack.text_px)
        assert rack.shown_lines[0] == rack.label
        assert any("servers" in line or "srv" in line for line in rack.shown_lines)
        assert any(line.startswith("uplink") for line in rack.shown_lines)
        assert any("problems" in line or "err" in line or "warn" in line for line in rack.shown_lines)
        width = rack.rect.width() * window.view.zoom_factor()
        metrics = pixel_metrics(round(rack.text_px), False)
        assert all(metrics.horizontalAdvance(line) <= width for line in rack.shown_lines[1:])
    assert len({round(r.text_px, 1) for r in racks.values()}) == 1  # one size for equal racks


def test_a_selected_server_in_a_block_is_marked_on_the_block(qtbot, window):
    """Selected from Find, the problem list or a plot bar while its rack is a block, a
    server (or a guest of it) was selected but nothing on screen said where."""
    window.resize(1600, 1000)
    use(window, generate(3, 20, 4, seed=2))
    window.view.fit_all()
    settle(qtbot, window)
    scene = window.scene
    rack = scene.racks["rack2"]
    assert rack.block and not rack.marked
    scene.select_ids(["r2s7vm1"])  # a guest: its server is marked
    settle(qtbot, window)
    server = scene.top_items["r2s7"]
    assert [name for name, _cell in rack.marked] == [server.title]
    cell = rack.marked[0][1]
    assert cell.topLeft() == server.pos() and rack.rect.contains(cell)
    assert any(server.title in line for line in rack.shown_lines)
    assert not scene.racks["rack1"].marked and not scene.racks["rack3"].marked
    # A click elsewhere (the scene's own selection change) clears the mark.
    scene.clearSelection()
    assert not rack.marked
    # Collapsed by hand while zoomed in: the block still marks it.
    window.view.reset_zoom()
    scene.set_collapsed("rack2", True)
    window.reveal_element("r2s3")  # what Find, the problem list and the plots call
    assert rack.block and scene.top_items["r2s3"].isSelected()
    assert [name for name, _cell in rack.marked] == [scene.top_items["r2s3"].title]
    # Opened again, the server itself is selected on screen and the block marks nothing.
    scene.set_collapsed("rack2", False)
    assert not rack.marked and scene.top_items["r2s3"].isSelected()


def test_a_selected_guest_outlines_its_server_summary(qtbot, window):
    open_example(window, TWO_RACK)
    window.view.fit_all()
    window.view.zoom_by(0.4 / window.view.zoom_factor())
    settle(qtbot, window)
    scene = window.scene
    server = scene.top_items["r1s3"]
    assert server.level == "summary" and not server.marked
    scene.select_ids(["r1s3vm2"])
    assert server.marked
    assert server.selection_pen(QPen(style.current().outline, 1.5)).color() == style.current().selection
    # The outline follows the selection to another server's guest, and goes with it.
    other = scene.top_items["r1s4"]
    scene.select_ids([next(c for c in other.contained if c.startswith("r1s4vm"))])
    assert other.marked and not server.marked
    scene.select_ids([])
    assert not other.marked and not server.marked
    scene.select_ids(["r1s3vm2"])
    assert server.marked
    window.view.reset_zoom()  # detail: the guest itself shows its selection
    settle(qtbot, window)
    assert not server.marked


def test_rack_frame_names_its_rack_at_the_two_rack_fit(qtbot, window):
    """Fitted on 1600 × 1000 the frames of the two-rack example had no name (the strip
    above the frame was under 8 px)."""
    window.resize(1600, 1000)
    open_example(window, TWO_RACK)
    window.view.fit_all()
    settle(qtbot, window, 120)
    for rack in window.scene.racks.values():
        assert not rack.block
        assert rack.label_px >= MIN_TEXT_PX, (rack.rack_id, rack.label_px)


def test_server_toggle_in_detail_is_clear_of_every_nic(qtbot, window):
    """The App host's [−] sat under its ConnectX NIC, which reaches the top-right corner."""
    open_example(window, MAIL)
    window.view.reset_zoom()
    settle(qtbot, window)
    for server in window.scene.top_items.values():
        if not isinstance(server, ServerItem):
            continue
        assert server.level == "detail" and server.built
        toggle = server.toggle_rect()
        for nic in server.nic_items.values():
            box = nic.mapRectToItem(server, QRectF(0, 0, nic.width, nic.height))
            assert not toggle.intersects(box), (server.element_id, nic.element_id)
        for vm in server.vm_items.values():
            assert not toggle.intersects(vm.mapRectToItem(server, vm.boundingRect()))
        assert toggle.top() >= server.footer_y and toggle.bottom() <= server.height


def test_generated_data_hall_puts_racks_in_rows_and_fits_readable_blocks(qtbot, window):
    """Fifty racks in one row fitted as 20-px slivers with nothing readable. A generated
    design stands its racks in rows of at most ten; fitted, every block names its rack."""
    from designer.generate import RACKS_PER_ROW

    topo = generate(25, 4, 1, seed=5)
    rows = {}
    for element in topo.elements.values():
        if element.KIND == "switch" and element.id.endswith("-tor"):
            rows.setdefault(element.y, []).append(element.id)
    assert len(rows) == 3 and max(len(r) for r in rows.values()) == RACKS_PER_ROW
    window.resize(1600, 1000)
    use(window, topo)
    window.view.fit_all()
    settle(qtbot, window, 150)
    racks = window.scene.racks
    assert len(racks) == 25 and all(r.block for r in racks.values())
    for rack in racks.values():
        assert rack.text_px >= MIN_TEXT_PX and rack.shown_lines[0] == rack.label, rack.rack_id
    # No rack block overlaps another, nor a switch.
    blocks = [r.rect for r in racks.values()]
    for i, a in enumerate(blocks):
        assert not any(a.intersects(b) for b in blocks[i + 1:])


def test_no_line_passes_under_a_box_when_racks_stand_in_rows(qapp):
    """The second row's ToR uplinks climb between the first row's racks to the core."""
    from designer.ui.canvas.scene import DesignScene

    from .test_routing_scene import crossings

    topo = generate(12, 4, 2, seed=4)
    assert len({e.y for e in topo.elements.values() if e.KIND == "switch" and e.id.endswith("-tor")}) == 2
    scene = DesignScene(topo)
    scene.detach()
    assert len(scene.cables) == 12 * 4 * 2 + 12 + 1
    assert all(cable.polyline for cable in scene.cables.values())
    assert crossings(scene) == []


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("state", ["throttled", "guarantee met", "guarantee missed", "full demand"])
def test_a_guests_badge_state_is_legible_on_its_tint(qapp, theme, state):
    """The light theme's "throttled" was orange on a light orange tint: 2.6:1. The state
    text must meet 4.5:1 against the pixels actually under it, in both themes."""
    from designer.fileformat import load

    overlays = {
        "throttled": VmOverlay(1.0, 2.0, 1.0, 2.0, 0.0, True, True),
        "guarantee met": VmOverlay(2.0, 2.0, 1.0, 1.0, 1.0, True, True),
        "guarantee missed": VmOverlay(0.5, 2.0, 1.0, 1.0, 1.0, False, True),
        "full demand": VmOverlay(2.0, 2.0, 1.0, 1.0, 0.0, True, True),
    }
    topo = load(MAIL)
    vm = next(v for v in topo.vms if v.vnics and v.vnics[0].device())
    with style.theme(theme):
        item = VmItem(vm, None, QPointF(0, 0))
        item.set_overlay(overlays[state])
        images: list = []
        painter = paint_at(item, 1.0, images)
        line2 = [(t, c) for t, c in painter.colors if t in ("throttled", "full demand") or "min" in t]
        assert line2, painter.colors
        text, color = line2[-1]
        background = images[0].pixelColor(8, int(VM_H) - 8)  # inside the badge, left of the text
        assert style.contrast_ratio(color, background) >= 4.5, (theme, state, text, color.name(), background.name())


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_numbers_on_a_full_vmm_gauge_are_legible(qapp, theme):
    """"VMM 2.00 / 2 cores" was dark text on the full gauge's red (2.9:1 in the light
    theme). Over the filled part the numbers now meet 4.5:1 against the pixels under them."""
    from designer.fileformat import load

    topo = load(MAIL)
    server = next(s for s in topo.elements.values() if s.KIND == "server")
    with style.theme(theme):
        item = ServerItem(server, topo)
        item.vmm_solved, item.vmm_cores = True, item.vmm_budget  # full
        images: list = []
        painter = paint_at(item, 1.0, images)
        drawn = [(t, r, c) for (t, r, _f), (_t, c) in zip(painter.texts, painter.colors) if t.startswith("VMM ")]
        assert drawn
        for _text, rect, color in drawn:
            under = images[0].pixelColor(int(rect.left()) + 3, int(rect.center().y()))
            assert style.contrast_ratio(color, under) >= 4.5, (theme, color.name(), under.name())


def test_a_rack_block_lays_its_text_out_again_only_when_what_it_says_changes(qtbot, window):
    """The block keeps its text layout from one paint to the next at the same zoom (a pan,
    a hover); new figures, another zoom or the other theme lay it out afresh."""
    import dataclasses

    window.resize(1600, 1000)
    use(window, generate(3, 20, 4, seed=2))
    window.view.fit_all()
    settle(qtbot, window)
    rack = window.scene.racks["rack2"]
    assert rack.block
    layout = rack._layout
    assert layout is not None and rack.shown_lines[0] == rack.label
    window.view.viewport().repaint()
    assert rack._layout is layout  # same zoom, same figures: the same layout
    rack.set_stats(dataclasses.replace(rack.stats, errors=3, warnings=0))
    window.view.viewport().repaint()
    assert rack._layout is not layout and any(line.startswith("3 err") for line in rack.shown_lines)
    layout = rack._layout
    window.view.zoom_by(0.8)
    window.view.viewport().repaint()
    assert rack._layout is not layout
