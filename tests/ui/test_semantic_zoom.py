"""Semantic zoom, collapse, lazy child items, the legend overlay, fitting, zoom on the
visible tab, background solves and dark-theme contrast (issue 13 §2–§4, issue 15 trap 7)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QPalette, QWheelEvent
from PySide6.QtWidgets import QApplication

from designer.fileformat import load, save
from designer.generate import generate
from designer.ui import render, style, theme
from designer.ui.canvas.items import ServerItem, VmItem
from designer.ui.canvas.lod import RackGroupItem
from designer.ui.document import Document

from .helpers import TWO_RACK, open_example


def settle(qtbot, window, ms: int = 60) -> None:
    """Let the queued fits and builds run, then paint the canvas once."""
    qtbot.wait(ms)
    window.view.viewport().repaint()
    qtbot.wait(10)


def use(window, topo) -> None:
    window.set_document(Document(topo, parent=window))
    window.scene.flush()


# ----------------------------------------------------------------- semantic zoom
def test_two_rack_example_fitted_on_1920x1080_shows_readable_server_summaries(qtbot, window):
    window.resize(1920, 1080)
    open_example(window, TWO_RACK)
    settle(qtbot, window, 150)
    view, scene = window.view, window.scene
    servers = [i for i in scene.top_items.values() if isinstance(i, ServerItem)]
    assert len(servers) == 12
    assert view.zoom_factor() < 0.55  # the whole design fits only below 100 %: a summary level
    for server in servers:
        assert server.level == "summary"
        assert server.effectiveOpacity() == 1.0
        # Painted with text of at least 8 px on screen.
        assert server.summary_px >= 8.0, (server.element_id, server.summary_px)
        assert server.vmm_solved and server.gauge_text().startswith("VMM ")
        guests, port = server.summary_lines()
        assert guests.startswith(f"{server.guest_count} guests: ")
        assert sum(server.mode_counts.values()) >= server.guest_count
        assert port.startswith("worst port ") and "%" in port
    # The guests are not drawn at this size (their text would be unreadable).
    for server in servers:
        if server.body is not None:
            assert server.body.effectiveOpacity() == 0.0


def test_far_out_a_rack_becomes_one_block_with_its_figures(qtbot, window):
    use(window, generate(3, 20, 10, seed=2))
    window.resize(900, 600)
    window.view.fit_all()
    settle(qtbot, window)
    scene = window.scene
    assert set(scene.racks) == {"rack1", "rack2", "rack3"}
    for rack_id, rack in scene.racks.items():
        assert rack.block, rack_id
        assert rack.stats.servers == 20 and rack.stats.vms == 200
        assert rack.stats.vmm_budget == pytest.approx(sum(
            scene.top_items[s].vmm_budget for s in rack.stats.members))
        assert rack.stats.uplink is not None  # the ToR's link to the core
        assert any(line.startswith("uplink peak") for line in rack.lines())
    # Its servers and their cables are not drawn; bundles stand for the cables to the ToR.
    assert all(scene.top_items[f"r2s{i}"].effectiveOpacity() == 0.0 for i in range(1, 21))
    assert scene.cables["r2s1n0:0--r2-tor"].effectiveOpacity() == 0.0
    assert ("rack2", "r2-tor") in scene.bundles and scene.bundles[("rack2", "r2-tor")].count == 40
    # Zoomed in, the servers come back and the block goes.
    window.view.reset_zoom()
    window.view.centerOn(scene.top_items["r2s1"])
    settle(qtbot, window)
    assert not scene.racks["rack2"].block
    assert scene.top_items["r2s1"].effectiveOpacity() == 1.0
    assert scene.top_items["r2s1"].level == "detail"


def test_collapsing_by_hand_is_saved_as_view_state_and_reopens(qtbot, window, tmp_path):
    open_example(window, TWO_RACK)
    settle(qtbot, window)
    scene = window.scene
    # The toggle on a server's frame collapses it.
    server = scene.top_items["r1s2"]
    window.view.reset_zoom()
    window.view.centerOn(server)
    settle(qtbot, window)
    toggle = server.mapToScene(server.toggle_rect().center())
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=window.view.mapFromScene(toggle))
    assert scene.is_collapsed("r1s2") and server.collapsed
    assert server.height < server.full_height and server.level == "summary"
    assert window.document.modified  # saved with the design
    scene.set_collapsed("rack2", True)
    assert scene.racks["rack2"].block
    path = tmp_path / "collapsed.rackio"
    window.document.save(str(path))
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["view"] == {"collapsed": ["r1s2", "rack2"]}
    assert load(path).extra["view"] == {"collapsed": ["r1s2", "rack2"]}
    assert window.open_path(str(path), ask=False, remember=False)
    settle(qtbot, window)
    scene = window.scene
    assert scene.top_items["r1s2"].collapsed and scene.racks["rack2"].block
    # Expanding everything removes the view state again.
    window.act_expand_all.trigger()
    assert not scene.collapsed and "view" not in window.document.topology.extra


def test_a_collapsed_server_makes_no_guest_items(qtbot, window, tmp_path):
    topo = generate(1, 3, 6, seed=3)
    topo.extra["view"] = {"collapsed": ["r1s2"]}
    path = tmp_path / "c.rackio"
    save(topo, path)
    assert window.open_path(str(path), ask=False, remember=False)
    window.view.reset_zoom()
    settle(qtbot, window)
    scene = window.scene
    collapsed, open_ = scene.top_items["r1s2"], scene.top_items["r1s1"]
    assert not collapsed.built and collapsed.body is None
    assert open_.built
    guests = {i.element_id for i in scene.items() if isinstance(i, VmItem)}
    assert guests and not any(g.startswith("r1s2") for g in guests)
    scene.set_collapsed("r1s2", False)
    assert collapsed.built and len(collapsed.built_vm_items()) == 6


def test_large_designs_make_guests_only_where_drawn_in_detail(qtbot, window):
    use(window, generate(2, 8, 200, seed=4))  # 3,200 guests: above the eager limit
    window.view.fit_all()
    settle(qtbot, window)
    scene = window.scene
    assert not scene.eager_children
    assert not any(isinstance(i, VmItem) for i in scene.items())
    window.view.reset_zoom()
    window.view.centerOn(scene.top_items["r1s1"])
    settle(qtbot, window, 200)
    built = {s for s, i in scene.top_items.items() if isinstance(i, ServerItem) and i.built}
    assert "r1s1" in built and len(built) < 16


def _in_rack_cables(scene):
    return [c for c in scene.cables.values() if getattr(c.parentItem(), "is_layer", False)]


def _pieces(cable):
    return [seg.path() for seg in cable._segments]


def test_large_designs_draw_the_cables_of_rack_blocks_when_the_racks_open(qtbot, window):
    """Routed at once, the cables inside racks drawn as blocks get their pieces when their
    rack is first painted open (or in idle time): never missing from a picture, and the
    same pieces as a design drawn all at once."""
    from designer.ui.canvas.scene import DesignScene

    topo = generate(10, 8, 40, seed=4)  # 3,200 guests: a large design, its racks blocks at fit
    use(window, topo)
    scene, view = window.scene, window.view
    assert scene.lazy_cables and scene.defer_cables
    assert all(rack.block for rack in scene.racks.values())  # fitted before the first paint
    inside = _in_rack_cables(scene)
    assert inside and all(c.pending and not c._segments and c.polyline for c in inside)
    eager = DesignScene(topo, eager=False)  # not shown in a view: everything drawn at once
    eager.detach()
    assert not any(c.pending for c in eager.cables.values())
    # Routed like the scene that drew everything at once.
    assert {k: c.polyline for k, c in scene.cables.items()} == {k: c.polyline for k, c in eager.cables.items()}
    # Zoomed in at once (before idle time came): the paint that shows the racks open makes them.
    view.reset_zoom()
    view.centerOn(scene.top_items["r1s1"])
    assert not any(rack.block for rack in scene.racks.values())
    view.viewport().repaint()
    assert not any(c.pending for c in scene.cables.values())
    assert all(_pieces(c) == _pieces(eager.cables[k]) and c._segments for k, c in scene.cables.items()
               if eager.cables[k]._segments)
    # Each piece has its cable's pen and tooltip.
    cable = inside[0]
    assert all(seg.pen() == cable.pen() and seg.toolTip() == cable.toolTip() for seg in cable._segments)


def test_large_designs_draw_the_waiting_cables_in_idle_time_and_for_exports(qtbot, window):
    topo = generate(10, 8, 40, seed=4)
    use(window, topo)
    scene = window.scene
    waiting = [c for c in _in_rack_cables(scene) if c.pending]
    assert waiting
    # ``segments`` (what callers read) makes them when asked.
    assert waiting[0].segments and not waiting[0].pending
    # An export of the window's scene at a level that draws the racks open renders them.
    scene.set_export_level("summary")
    from PySide6.QtGui import QImage, QPainter

    image = QImage(200, 100, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    scene.render(painter)
    painter.end()
    assert not any(c.pending for c in scene.cables.values())
    # Idle time: after the first solution lands, every waiting cable is drawn in slices.
    use(window, generate(10, 8, 40, seed=4))
    scene = window.scene
    assert any(c.pending for c in scene.cables.values())
    qtbot.waitUntil(lambda: not any(c.pending for c in scene.cables.values()), timeout=10000)
    assert not scene._pending_cables
    assert all(rack.block for rack in scene.racks.values())  # while the racks stay blocks


def test_overview_export_draws_racks_as_blocks(qapp):
    topo = load(TWO_RACK)
    from designer.solver import solve

    solution = solve(topo)
    scene, rect = render.build_diagram_scene(topo, solution, render.ExportOptions(level="racks"))
    assert all(rack.block for rack in scene.racks.values()) and len(scene.racks) == 2
    assert all(i.effectiveOpacity() == 0.0 for i in scene.top_items.values() if isinstance(i, ServerItem))
    assert {key[1] for key in scene.bundles} == {"r1-tor", "r2-tor"}
    # The crop holds the rack blocks (an overview of racks once showed only the switches).
    assert all(rect.contains(rack.sceneBoundingRect()) for rack in scene.racks.values())
    detail, detail_rect = render.build_diagram_scene(topo, solution, render.ExportOptions(level="detail"))
    assert not any(rack.block for rack in detail.racks.values())
    # ... and in detail the rack frames with their labels, which were cut at the page's edge.
    assert all(detail_rect.contains(rack.sceneBoundingRect()) for rack in detail.racks.values())
    with pytest.raises(render.ExportError, match="unknown level"):
        render.check_options(topo, render.ExportOptions(level="tiny"))
    image, _info = render.render_image(topo, solution, render.ExportOptions(level="racks", scale=1.0))
    assert not image.isNull()


def test_exports_leave_out_the_collapse_toggles(qapp):
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter

    from designer.ui.canvas.items import _paint_toggle, fitted_labels

    def painted(exporting: bool) -> bool:
        image = QImage(20, 20, QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        if exporting:
            with fitted_labels():
                _paint_toggle(painter, QRectF(2, 2, 16, 16), True)
        else:
            _paint_toggle(painter, QRectF(2, 2, 16, 16), True)
        painter.end()
        return any(image.pixelColor(x, y) != QColor("white") for x in range(20) for y in range(20))

    assert painted(exporting=False)  # on the canvas the [+] is a button
    assert not painted(exporting=True)  # on paper nobody can press it


# ------------------------------------------------------------------------- legend
def test_legend_is_a_viewport_child_that_stays_in_its_corner(qtbot, window):
    open_example(window, TWO_RACK)
    settle(qtbot, window)
    view = window.view
    legend = view.legend
    assert legend.parent() is view.viewport() and legend.isVisible()
    corner = legend.pos()
    assert corner.x() == 12 and corner.y() == view.viewport().height() - legend.height() - 12
    # A partial repaint (selection, scrolling, a reveal) does not move or repeat it.
    window.reveal_element("r2s3")
    view.horizontalScrollBar().setValue(view.horizontalScrollBar().value() + 37)
    view.viewport().repaint()
    assert legend.pos() == view.legend.pos() and legend.pos().x() == 12
    assert legend.pos().y() == view.viewport().height() - legend.height() - 12
    # The scene itself draws no legend (nothing to smear).
    assert type(view).drawForeground is type(view).__mro__[1].drawForeground
    # View → Legend Position moves it; View → Show Legend hides it.
    window.legend_corner_actions["top-right"].trigger()
    assert legend.x() == view.viewport().width() - legend.width() - 12 and legend.y() == 12
    assert window.settings.value("view/legendCorner") == "top-right"
    window.act_legend.setChecked(False)
    assert not legend.isVisible()


def test_fit_keeps_the_design_clear_of_the_legend(qtbot, window):
    open_example(window, TWO_RACK)
    settle(qtbot, window)
    view = window.view
    view.fit_all()
    content = view.mapFromScene(window.scene.content_rect()).boundingRect()
    legend = view.legend.geometry()
    assert content.bottom() < legend.top() or content.right() < legend.left()


# ----------------------------------------------------------------------- fitting
def test_design_is_fitted_after_the_window_gets_its_size(qtbot, window):
    window.resize(700, 500)
    open_example(window, TWO_RACK)
    settle(qtbot, window)
    small = window.view.zoom_factor()
    window.resize(1800, 1100)  # as when the window is shown maximised after opening
    settle(qtbot, window, 100)
    big = window.view.zoom_factor()
    assert big > small * 1.3
    rect = window.view.mapFromScene(window.scene.content_rect()).boundingRect()
    viewport = window.view.viewport().rect()
    assert viewport.contains(rect.adjusted(5, 5, -5, -5))
    # Once the user zooms, a resize leaves the zoom alone.
    window.view.zoom_in()
    zoom = window.view.zoom_factor()
    window.resize(1500, 1000)
    settle(qtbot, window, 100)
    assert window.view.zoom_factor() == pytest.approx(zoom)


def test_rack_tab_fits_when_first_shown_and_zoom_controls_act_on_it(qtbot, window):
    open_example(window, TWO_RACK)
    settle(qtbot, window)
    panel = window.rack_panel
    topology_zoom = window.view.zoom_factor()
    window.central_tabs.setCurrentWidget(panel)
    qtbot.wait(80)
    rack_view = panel.view
    content = rack_view.mapFromScene(panel.scene.drawing.content).boundingRect()
    viewport = rack_view.viewport().rect()
    assert viewport.contains(content)
    assert content.width() > 0.6 * viewport.width() or content.height() > 0.6 * viewport.height()
    assert window.active_view() is rack_view
    before = rack_view.zoom_factor()
    window.act_zoom_in.trigger()
    assert rack_view.zoom_factor() == pytest.approx(before * 1.25)
    assert window.view.zoom_factor() == pytest.approx(topology_zoom)  # the hidden canvas stays
    window.act_zoom_out.trigger()
    assert rack_view.zoom_factor() == pytest.approx(before)
    # The plain wheel zooms the rack view too (not only Ctrl+wheel).
    centre = rack_view.viewport().rect().center()
    event = QWheelEvent(QPointF(centre), QPointF(rack_view.viewport().mapToGlobal(centre)), QPoint(0, 0),
                        QPoint(0, 120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(rack_view.viewport(), event)
    assert rack_view.zoom_factor() > before * 1.1
    window.act_fit.trigger()
    assert rack_view.zoom_factor() == pytest.approx(before)
    window.central_tabs.setCurrentIndex(0)
    window.act_zoom_in.trigger()
    assert window.view.zoom_factor() == pytest.approx(topology_zoom * 1.25)


# ------------------------------------------------------------------ background solve
def test_a_newer_edit_supersedes_a_running_background_solve(qtbot, window, monkeypatch):
    import time

    from designer.ui import document as document_module

    real_solve = document_module.solve

    def slow_solve(topology):  # a large design's solve, in the worker
        time.sleep(0.3)
        return real_solve(topology)

    monkeypatch.setattr(document_module, "solve", slow_solve)
    open_example(window, TWO_RACK)
    doc = window.document
    doc.background_flows = 0  # every re-solve goes to the worker
    landed = []
    doc.solved.connect(landed.append)
    states = []
    doc.solvingChanged.connect(states.append)
    window.editor.set_field(["r1s1"], "vmm_io_cores", 1.0)
    qtbot.waitUntil(lambda: doc.solve_running(), timeout=2000)
    assert window.view.legend.stale
    assert window.summary.text() == "solving…"
    window.editor.set_field(["r1s1"], "vmm_io_cores", 9.0)  # while the first one runs
    qtbot.waitUntil(lambda: not doc.solve_running() and bool(landed), timeout=10000)
    qtbot.wait(100)
    assert len(landed) == 1  # the superseded solve never landed
    assert landed[0].vmm_capacity["r1s1"] == 9.0
    assert window.scene.top_items["r1s1"].vmm_budget == 9.0
    assert states[0] is True and states[-1] is False
    assert not window.view.legend.stale


def test_closing_a_document_joins_its_solve_thread(qtbot, window):
    open_example(window, TWO_RACK)
    doc = window.document
    doc.background_flows = 0
    window.editor.set_field(["r1s1"], "vmm_io_cores", 3.0)
    qtbot.waitUntil(lambda: doc.solve_running(), timeout=2000)
    worker = doc._worker
    window.file_new()  # replaces (and closes) the document
    assert not worker.thread.is_alive()


# ---------------------------------------------------------------------- contrast
def _legend_fill():
    return style.blend(style.current().canvas_bg, style.current().surface, 235 / 255)


DARK_PAIRS = {
    "plot text": lambda: (style.current().plot_fg, style.current().plot_bg),
    "legend text": lambda: (style.current().text, _legend_fill()),
    "legend scale labels": lambda: (style.current().muted_text, _legend_fill()),
    "server summary": lambda: (style.current().text, style.current().kind_colors["server"]),
    "worst port, nearly full": lambda: (style.current().warn_text, style.current().kind_colors["server"]),
    "worst port, saturated": lambda: (style.current().error_color, style.current().kind_colors["server"]),
    "rack block": lambda: (style.current().text, style.current().kind_colors["rack"]),
    "rack frame label": lambda: (style.current().muted_text, style.current().canvas_bg),
    "guest name": lambda: (style.current().text, style.current().kind_colors["vm"]),
    "guest guarantee met": lambda: (style.current().ok_color, style.current().kind_colors["vm"]),
    "guest guarantee missed": lambda: (style.current().error_color, style.current().kind_colors["vm"]),
    "guest throttled": lambda: (style.current().throttled, style.current().kind_colors["vm"]),
    "vSwitch label": lambda: (style.current().vswitch_text, style.current().vswitch_fill),
    "NIC detail": lambda: (style.current().muted_text, style.current().kind_colors["nic"]),
}


@pytest.mark.parametrize("name", sorted(DARK_PAIRS))
def test_dark_theme_canvas_and_plot_text_meets_wcag_aa(qapp, name):
    with style.theme("dark"):
        fg, bg = DARK_PAIRS[name]()
        assert style.contrast_ratio(fg, bg) >= 4.5, name


@pytest.mark.parametrize("roles", [("WindowText", "Window"), ("Text", "Base"), ("ButtonText", "Button"),
                                   ("HighlightedText", "Highlight"), ("ToolTipText", "ToolTipBase"),
                                   ("PlaceholderText", "Base")])
def test_dark_palette_text_of_checkboxes_and_lists_meets_wcag_aa(qapp, roles):
    palette = theme.dark_palette()
    fg, bg = (palette.color(getattr(QPalette.ColorRole, r)) for r in roles)
    assert style.contrast_ratio(fg, bg) >= 4.5, roles


def test_contrast_ratio_matches_the_wcag_reference_values(qapp):
    from PySide6.QtGui import QColor

    assert style.contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert style.contrast_ratio(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)


def test_low_zoom_guest_blocks_are_tints_not_bright_patches(qapp):
    with style.theme("dark"):
        vm = style.current().kind_colors["vm"]
        for badge in (style.current().ok_color, style.current().error_color, style.current().throttled):
            fill = style.low_zoom_badge(badge)
            # Closer to the guest colour than to the bright badge colour, and dark.
            assert style.relative_luminance(fill) < 0.2
            assert style.contrast_ratio(fill, vm) < style.contrast_ratio(badge, vm)


def test_rack_frame_item_context_menu_offers_collapse(qtbot, window):
    from PySide6.QtWidgets import QMenu

    open_example(window, TWO_RACK)
    rack = window.scene.racks["rack1"]
    assert isinstance(rack, RackGroupItem)
    from designer.ui.canvas import view_menu

    menu = QMenu()
    assert view_menu.rack_menu(window, menu, rack)
    texts = [a.text() for a in menu.actions()]
    assert "Collapse Rack 1" in texts
    next(a for a in menu.actions() if a.text() == "Collapse Rack 1").trigger()
    assert window.scene.racks["rack1"].block


# ------------------------------------------- level changes follow what is in view
def _zoom_open(window, rack_id: str) -> None:
    """Zoom in just past where racks open into frames, centred on one rack."""
    from designer.ui.canvas.lod import RACK_BLOCK_PX

    scene, view = window.scene, window.view
    rack = scene.racks[rack_id]
    view.fit_all()
    view.zoom_by(RACK_BLOCK_PX / rack.typical_h * 1.3 / view.zoom_factor())
    view.centerOn(rack.rect.center())


def test_zooming_across_a_level_changes_racks_in_view_first_and_the_rest_when_still(qtbot, window):
    use(window, generate(12, 10, 2, seed=5))  # two rows of racks, most far from any one rack
    settle(qtbot, window)
    scene = window.scene
    assert all(r.drawn_as_block for r in scene.racks.values())  # fitted: every rack is a block
    first = next(iter(scene.racks))
    _zoom_open(window, first)
    shown = scene.racks[first]
    stale = [r for r in scene.racks.values() if r.drawn_as_block]
    assert not shown.drawn_as_block and shown.applied is not None
    assert stale, "racks far off screen wait"
    # Nothing off screen that is stale is drawn as open, and nothing stale is in view.
    area = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert not any(area.intersects(r.rect) for r in stale)
    # Once the view is still they all catch up, a few per slice.
    qtbot.waitUntil(lambda: not any(r.drawn_as_block for r in scene.racks.values()), timeout=3000)
    assert not scene._stale_racks


def test_a_stale_rack_is_brought_up_to_date_when_asked_or_scrolled_to(qtbot, window):
    use(window, generate(12, 10, 2, seed=5))
    settle(qtbot, window)
    scene, view = window.scene, window.view
    first = next(iter(scene.racks))
    centre = scene.racks[first].rect.center()
    last = max(scene.racks, key=lambda r: (scene.racks[r].rect.center() - centre).manhattanLength())
    _zoom_open(window, first)
    far = scene.racks[last]
    assert far.drawn_as_block  # stale: still the block it was at fit
    assert far.block is False  # asking what it shows brings it to the zoom's level
    assert not far.drawn_as_block and last not in scene._stale_racks
    # Scrolling to another stale rack changes it before it is painted.
    other = next(r for r in scene.racks.values() if r.drawn_as_block)
    view.centerOn(other.rect.center())
    assert not other.drawn_as_block
    # Back at fit every rack is in view: all of them are blocks again at once.
    window.view.fit_all()
    assert all(r.drawn_as_block for r in scene.racks.values()) and not scene._stale_racks


# ------------------------------------------------- what a zoom step paints again
def test_rack_blocks_keep_a_pixmap_only_while_small_on_screen(qtbot, window):
    from PySide6.QtWidgets import QGraphicsItem

    from designer.ui.canvas.lod import MAX_CACHED_BLOCK_PX

    cached, uncached = QGraphicsItem.CacheMode.DeviceCoordinateCache, QGraphicsItem.CacheMode.NoCache
    use(window, generate(3, 20, 10, seed=2))
    window.resize(900, 600)
    window.view.fit_all()
    settle(qtbot, window)
    scene = window.scene
    assert all(r.block and r.cacheMode() == cached for r in scene.racks.values())
    # Opened into frames (mostly empty, as large as the rack on screen): painted each time.
    window.view.reset_zoom()
    window.view.centerOn(scene.racks["rack2"].rect.center())
    settle(qtbot, window)
    rack = scene.racks["rack2"]
    assert not rack.block and rack.cacheMode() == uncached
    # Collapsed by hand at 100 %: a block far larger than a pixmap is worth.
    scene.set_collapsed("rack2", True)
    settle(qtbot, window)
    assert rack.block
    assert rack.rect.width() * rack.rect.height() > MAX_CACHED_BLOCK_PX
    assert rack.cacheMode() == uncached
    window.view.fit_all()
    settle(qtbot, window)
    assert rack.block and rack.cacheMode() == cached


def test_a_cached_rack_block_is_painted_again_when_its_figures_change(qtbot, window):
    use(window, generate(3, 20, 10, seed=2))
    window.view.fit_all()
    settle(qtbot, window)
    rack = window.scene.racks["rack2"]
    assert "200 VMs" in rack.shown_lines
    window.view.viewport().repaint()
    rack.set_stats(dataclasses.replace(rack.stats, vms=321))
    window.view.viewport().repaint()
    assert "321 VMs" in rack.shown_lines and "200 VMs" not in rack.shown_lines
    # The same figures again (a re-solve that changed nothing here) paint nothing.
    painted = []
    rack._paint_block = lambda painter, scale: painted.append(scale)
    rack.set_stats(dataclasses.replace(rack.stats))
    window.view.viewport().repaint()
    assert not painted
    # A new name or the collapse toggle paint it again.
    rack.label = "Row B"
    window.view.viewport().repaint()
    assert painted
    painted.clear()
    window.scene.set_collapsed("rack2", True)
    window.view.viewport().repaint()
    assert rack.block and painted


def test_a_bundle_follows_its_cables_after_a_re_solve(qtbot, window):
    use(window, generate(3, 20, 10, seed=2))
    window.view.fit_all()
    settle(qtbot, window)
    scene, doc = window.scene, window.document
    key = ("rack2", "r2-tor")

    def busiest() -> float:
        return max(scene.cables[link_id].utilization or 0.0 for link_id in scene._bundle_groups[1][key])

    before = scene.bundles[key].utilization
    assert before == pytest.approx(busiest())
    # A slower port on one server: its cable, and so the bundle, is busier.
    with qtbot.waitSignal(doc.solved, timeout=10000):
        window.editor.set_field(["r2s1n0"], "port_gbps", 1.0)
    settle(qtbot, window)
    after = scene.bundles[key].utilization
    assert after == pytest.approx(busiest()) and after > before


def test_an_overview_export_paints_rack_blocks_as_vectors(qapp):
    from PySide6.QtWidgets import QGraphicsItem

    topo = generate(3, 4, 2, seed=1)
    options = render.ExportOptions(level="racks")
    page = render.Page(topo, None, options)
    racks = [item for item in page.scene.items() if isinstance(item, RackGroupItem)]
    assert len(racks) == 3 and all(rack.block for rack in racks)
    assert all(rack.cacheMode() == QGraphicsItem.CacheMode.NoCache for rack in racks)
    svg = render.render_svg(topo, None, options).data.decode()
    assert "Rack 2" in svg and "<image" not in svg  # the blocks are drawn, not pictures of them


def test_gauge_numbers_over_the_fill_take_the_colour_that_reads_better(qapp):
    from PySide6.QtGui import QColor

    from designer.ui.canvas.items import gauge_text_color

    for _round in range(2):  # light, dark, light, dark: a remembered answer never leaks across themes
        for name in ("light", "dark"):
            with style.theme(name):
                text = style.current().text
                opposite = QColor("#ffffff") if style.relative_luminance(text) < 0.5 else QColor("#000000")
                for u in (0.05, 0.3, 0.6, 0.85, 0.95, 1.0):
                    fill = style.gauge_fill(u)
                    chosen = gauge_text_color(fill)
                    assert chosen.rgba() in (text.rgba(), opposite.rgba()), (name, u)
                    assert style.contrast_ratio(chosen, fill) >= max(
                        style.contrast_ratio(text, fill), style.contrast_ratio(opposite, fill)), (name, u)
