"""The analysis docks: utilisation bars, VMM load, rates against guarantees, demand sweep.

The design below is small enough to solve by hand (SPEC §4–5):

* h1 (VMM budget 2 cores, rack r1), NIC h1n0 with 10 Gbit/s ports, cabled to tor (25 G):
  mail on VF h1n0v0 (min 5) sends 8 and receives 2; web (paravirtual, port 0) sends 8.
  Port h1n0:0:tx (10 G) fills at t = 5: mail max(5, t) + web t = 10 → both 5.0.
  VMM h1: web's 5 Gbit/s × κ(1.5 µs, 1500 B) = 5 × 0.125 = 0.625 cores of 2 → 31.25 %.
* h2 (VMM budget 0.5 cores, rack r2), NIC h2n0 (25 G): e1 (emulated, κ = 0.625) sends 1,
  p1 (paravirtual, κ = 0.125) sends 2. The VMM fills first: 0.625 t + 0.125 t = 0.5 →
  t = 2/3, so both get 0.667 Gbit/s; the VMM spends 0.4167 (emulated) + 0.0833
  (paravirtual) = 0.5 cores → 100 %.
* h2's second NIC h2n1: big on VF h2n1v0 (min 30) sends 30 through a 25 G port. The
  guarantee cannot be admitted (30 > 25): its floor shrinks to 25, it gets 25 and misses
  its guarantee of 30.
* tor — wan: 100 G. a→b carries 5 + 5 + 2/3 + 2/3 + 25 = 36.33 Gbit/s; b→a carries mail's 2.

Demand sweep: at scale s the VMM of h2 carries 0.875 s cores (e1 0.625 s + p1 0.25 s),
full at s = 0.5/0.875 = 4/7, before port h1n0:0:tx (16 s = 10 → s = 0.625) and port
h2n1:0:tx (30 s = 25 → s = 0.833).
"""

from __future__ import annotations

import csv
import time

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QImage

from designer.fileformat import dumps
from designer.model.elements import VM, Link, Network, Nic, Server, Switch, VirtualFunction, VNic
from designer.ui import style
from designer.ui.analysis import MIN_PLOT_HEIGHT
from designer.ui.commands import SetFieldCommand

from .helpers import open_example, use_design

PCIE = 63.0

# Hand-computed: resource id → (utilisation %, reserved by admitted guarantees %).
EXPECTED = {
    "port:h1n0:0:tx": (100.0, 50.0),
    "port:h2n1:0:tx": (100.0, 100.0),
    "vmm:h2": (100.0, 0.0),
    "pcie:h2n1:tx": (25 / PCIE * 100, 25 / PCIE * 100),
    "link:tor--wan:ab": (36 + 1 / 3, 30.0),  # reserved: mail's 5 + big's admitted 25
    "vmm:h1": (31.25, 0.0),
    "port:h1n0:0:rx": (20.0, 0.0),
    "pcie:h1n0:tx": (10 / PCIE * 100, 5 / PCIE * 100),
    "port:h2n0:0:tx": ((4 / 3) / 25 * 100, 0.0),
    "pcie:h1n0:rx": (2 / PCIE * 100, 0.0),
    "pcie:h2n0:tx": ((4 / 3) / PCIE * 100, 0.0),
    "link:tor--wan:ba": (2.0, 0.0),
    # Every resource on a route is listed, idle ones too (h2 receives nothing).
    "pcie:h2n0:rx": (0.0, 0.0),
    "pcie:h2n1:rx": (0.0, 0.0),
    "port:h2n0:0:rx": (0.0, 0.0),
    "port:h2n1:0:rx": (0.0, 0.0),
}
# Worst first; equal utilisations by id.
EXPECTED_ORDER = ["port:h1n0:0:tx", "port:h2n1:0:tx", "vmm:h2", "pcie:h2n1:tx", "link:tor--wan:ab", "vmm:h1",
                  "port:h1n0:0:rx", "pcie:h1n0:tx", "port:h2n0:0:tx", "pcie:h1n0:rx", "pcie:h2n0:tx",
                  "link:tor--wan:ba", "pcie:h2n0:rx", "pcie:h2n1:rx", "port:h2n0:0:rx", "port:h2n1:0:rx"]


@pytest.fixture
def design(window):
    return use_design(window, [
        Network(id="wan", x=0, y=-500),
        Switch(id="tor", x=0, y=-250),
        Server(id="h1", x=-500, y=0, vmm_io_cores=2, rack="r1"),
        Nic(id="h1n0", parent="h1", port_gbps=10),
        VirtualFunction(id="h1n0v0", parent="h1n0", port=0, min_gbps=5),
        VM(id="mail", parent="h1", vnics=[VNic(mode="vf", vf="h1n0v0", tx_gbps=8, rx_gbps=2)]),
        VM(id="web", parent="h1", vnics=[VNic(mode="paravirtual", nic="h1n0", port=0, tx_gbps=8)]),
        Server(id="h2", x=300, y=0, vmm_io_cores=0.5, rack="r2"),
        Nic(id="h2n0", parent="h2"),
        Nic(id="h2n1", parent="h2"),
        VirtualFunction(id="h2n1v0", parent="h2n1", port=0, min_gbps=30),
        VM(id="e1", parent="h2", vnics=[VNic(mode="emulated", nic="h2n0", port=0, tx_gbps=1)]),
        VM(id="p1", parent="h2", vnics=[VNic(mode="paravirtual", nic="h2n0", port=0, tx_gbps=2)]),
        VM(id="big", parent="h2", vnics=[VNic(mode="vf", vf="h2n1v0", tx_gbps=30)]),
    ], [Link(a="h1n0:0", b="tor"), Link(a="h2n0:0", b="tor"), Link(a="h2n1:0", b="tor"),
        Link(a="tor", b="wan", gbps=100)])


def show(qtbot, window, key: str):
    """Bring a dock to the front, as clicking its tab does, and return its panel."""
    analysis = window.analysis
    analysis.docks[key].raise_()
    panel = analysis.panels[key]
    qtbot.waitUntil(panel.isVisible, timeout=3000)
    qtbot.waitUntil(lambda: not analysis.plots_pending(), timeout=3000)
    # The dock grows to its plot height (from the Problems list's) a few event-loop turns later.
    dock = analysis.docks[key]
    qtbot.waitUntil(lambda: dock.height() >= MIN_PLOT_HEIGHT, timeout=3000)
    qtbot.wait(50)
    return panel


def click_view_point(qtbot, panel, view, x: float, y: float) -> None:
    """Click the plot where the data point (x, y) is drawn."""
    scene_point = view.mapViewToScene(QPointF(x, y))
    widget_point = panel.graphics.mapFromScene(scene_point)
    qtbot.mouseClick(panel.graphics.viewport(), Qt.MouseButton.LeftButton, pos=widget_point)


def wait_sweep(qtbot, panel, timeout: int = 20000) -> None:
    qtbot.waitUntil(lambda: not panel.job.running() and panel.result is not None
                    and not panel.stop_button.isEnabled(), timeout=timeout)


# ------------------------------------------------------------------- docks
def test_four_docks_with_names_and_view_menu_toggles(window):
    names = {d.objectName() for d in window.analysis.docks.values()}
    assert names == {"utilisationDock", "vmmLoadDock", "guaranteesDock", "sweepDock"}
    menu_texts = [a.text() for a in window.view_menu.actions()]
    for title in ("Resource Utilisation", "VMM Load", "Rates and Guarantees", "Demand Sweep"):
        assert title in menu_texts
    dock = window.analysis.docks["vmm"]
    action = dock.toggleViewAction()
    action.trigger()
    assert dock.isHidden()
    action.trigger()
    assert not dock.isHidden()


# -------------------------------------------------------------- utilisation
def test_utilisation_bars_show_the_solved_numbers_worst_first(qtbot, window, design):
    panel = show(qtbot, window, "utilisation")
    ids, util, reserved = panel.bar_values()
    assert ids == EXPECTED_ORDER
    assert util == pytest.approx([EXPECTED[i][0] for i in ids], abs=1e-6)
    assert reserved == pytest.approx([EXPECTED[i][1] for i in ids], abs=1e-6)
    # What is drawn: bar i at y = i, as long as its utilisation, in the canvas's colour scale.
    opts = panel.bars.opts
    assert list(opts["y"]) == list(range(len(ids)))
    assert list(opts["width"]) == pytest.approx([EXPECTED[i][0] for i in ids], abs=1e-6)
    colors = [b.color().name() for b in opts["brushes"]]
    assert colors[:3] == ["#c62828"] * 3  # saturated: red
    assert colors[-4:] == ["#9e9e9e"] * 4  # idle: grey
    assert colors == [style.utilization_color(EXPECTED[i][0] / 100).name() for i in ids]
    assert list(panel.reserved_bars.opts["width"]) == pytest.approx([EXPECTED[i][1] for i in ids], abs=1e-6)
    assert panel.hundred.value() == 100
    assert panel.axis.labels == ids
    assert "16 resources · 3 saturated" in panel.summary.text()


def test_utilisation_filters_by_kind_rack_and_server(qtbot, window, design):
    panel = show(qtbot, window, "utilisation")
    panel.kind_box.setCurrentIndex(panel.kind_box.findData("vmm"))
    assert panel.bar_values()[0] == ["vmm:h2", "vmm:h1"]
    panel.kind_box.setCurrentIndex(panel.kind_box.findData(None))
    panel.scope_box.setCurrentIndex(panel.scope_box.findData("server:h2"))
    assert panel.bar_values()[0] == ["port:h2n1:0:tx", "vmm:h2", "pcie:h2n1:tx", "port:h2n0:0:tx", "pcie:h2n0:tx",
                                     "pcie:h2n0:rx", "pcie:h2n1:rx", "port:h2n0:0:rx", "port:h2n1:0:rx"]
    panel.scope_box.setCurrentIndex(panel.scope_box.findData("rack:r1"))
    # Rack r1: h1's resources and the uplink of the switch its servers are cabled to.
    assert panel.bar_values()[0] == ["port:h1n0:0:tx", "link:tor--wan:ab", "vmm:h1", "port:h1n0:0:rx",
                                     "pcie:h1n0:tx", "pcie:h1n0:rx", "link:tor--wan:ba"]
    panel.kind_box.setCurrentIndex(panel.kind_box.findData("link"))
    assert panel.bar_values()[0] == ["link:tor--wan:ab", "link:tor--wan:ba"]


def test_utilisation_follows_every_re_solve(qtbot, window, design):
    panel = show(qtbot, window, "utilisation")
    error = window.document.execute(SetFieldCommand(window.document.topology, ["h1"], "vmm_io_cores", 1.25))
    assert error is None
    # 0.625 of 1.25 cores: 50 %.
    qtbot.waitUntil(lambda: dict(zip(*panel.bar_values()[:2]))["vmm:h1"] == pytest.approx(50.0), timeout=3000)


def test_clicking_a_bar_selects_its_element_on_the_canvas(qtbot, window, design):
    panel = show(qtbot, window, "utilisation")
    ids = panel.bar_values()[0]
    click_view_point(qtbot, panel, panel.view, 50, ids.index("vmm:h2"))
    assert window.scene.selected_ids() == ["h2"]
    click_view_point(qtbot, panel, panel.view, 10, ids.index("port:h1n0:0:tx"))
    assert window.scene.selected_ids() == ["h1n0:0--tor"]  # a NIC port is its cable on the canvas
    click_view_point(qtbot, panel, panel.view, 10, ids.index("pcie:h2n1:tx"))
    assert window.scene.selected_ids() == ["h2n1"]


def test_canvas_selection_is_highlighted(qtbot, window, design):
    panel = show(qtbot, window, "utilisation")
    window.scene.select_ids(["h2n1"])
    qtbot.waitUntil(lambda: panel.highlighted.any(), timeout=2000)
    assert sorted(panel.highlighted_ids()) == ["pcie:h2n1:rx", "pcie:h2n1:tx", "port:h2n1:0:rx", "port:h2n1:0:tx"]
    assert list(panel.band.opts["y"]) == [1.0, 3.0, 13.0, 15.0]  # rows of those bars
    window.scene.select_ids(["mail"])  # a guest: every resource on its flows' paths
    qtbot.waitUntil(lambda: "port:h1n0:0:rx" in panel.highlighted_ids(), timeout=2000)
    assert sorted(panel.highlighted_ids()) == ["link:tor--wan:ab", "link:tor--wan:ba", "pcie:h1n0:rx",
                                               "pcie:h1n0:tx", "port:h1n0:0:rx", "port:h1n0:0:tx"]
    window.scene.clearSelection()
    qtbot.waitUntil(lambda: not panel.highlighted.any(), timeout=2000)


# --------------------------------------------------------------------- VMM
def test_vmm_load_stacks_cores_per_mode_against_the_budget(qtbot, window, design):
    panel = show(qtbot, window, "vmm")
    ids, cores, budget = panel.row_values()
    assert ids == ["h2", "h1"]
    emulated, paravirtual = 0, 1
    assert cores[0, emulated] == pytest.approx(0.625 * 2 / 3)
    assert cores[0, paravirtual] == pytest.approx(0.125 * 2 / 3)
    assert cores[1, paravirtual] == pytest.approx(0.625)
    assert cores[1, emulated] == 0
    assert list(budget) == [0.5, 2.0]
    # Stacked: the paravirtual bar starts where the emulated one ends.
    para = panel.mode_bars["paravirtual"].opts
    assert list(para["x0"]) == pytest.approx([0.625 * 2 / 3, 0.0])
    assert panel.mode_bars["emulated"].opts["brush"].color() == style.MODE_COLORS["emulated"]
    # Budget markers: one vertical segment per server at its budget.
    xs, ys = panel.budget.getData()
    assert list(xs) == [0.5, 0.5, 2.0, 2.0]


def test_vmm_what_if_moves_the_selection_to_sr_iov_without_touching_the_design(qtbot, window, design):
    panel = show(qtbot, window, "vmm")
    before = dumps(window.document.topology)
    window.scene.select_ids(["h2"])
    qtbot.waitUntil(lambda: panel.selected == ["h2"], timeout=2000)
    panel.what_if_box.setChecked(True)
    qtbot.waitUntil(lambda: panel.what_if is not None, timeout=10000)
    w = panel.what_if
    assert w.error is None and w.moved == 2 and w.blocked == []
    after = panel.what_if_values()
    assert after[0].sum() == pytest.approx(0.0)  # h2: nothing left on the VMM
    assert after[1].sum() == pytest.approx(0.625)  # h1 was not selected
    # Freed from the VMM, e1 and p1 now get their whole demand.
    rates = {r["id"]: r["rate_gbps"] for r in w.solution.flow_records()}
    assert rates["e1/0/tx"] == pytest.approx(1.0) and rates["p1/0/tx"] == pytest.approx(2.0)
    # Drawn under each server's bar: h2 empty, h1 unchanged.
    assert list(panel.what_if_bars["paravirtual"].opts["width"]) == pytest.approx([0.0, 0.625])
    assert not panel.what_if_bars["emulated"].isVisible()
    assert "what-if: 2 vNICs moved" in panel.status.text()
    assert dumps(window.document.topology) == before
    assert window.document.undo_stack.count() == 0
    # With nothing selected the whole design moves: web leaves h1's VMM too.
    window.scene.clearSelection()
    qtbot.waitUntil(lambda: panel.what_if is not None and panel.what_if.moved == 3, timeout=10000)
    assert panel.what_if_values().sum() == pytest.approx(0.0)


def test_vmm_what_if_reports_vnics_that_cannot_move(qtbot, window, design):
    panel = show(qtbot, window, "vmm")
    window.document.execute(SetFieldCommand(window.document.topology, ["h2n0"], "sriov", False))
    window.scene.select_ids(["e1"])
    panel.what_if_box.setChecked(True)
    qtbot.waitUntil(lambda: panel.what_if is not None and panel.what_if.scope == ["e1"], timeout=10000)
    assert panel.what_if.moved == 0
    assert panel.what_if.blocked == ["e1 vNIC 0 uses NIC h2n0, which has SR-IOV off"]
    assert "1 cannot move" in panel.status.text()


# -------------------------------------------------------------- guarantees
def test_guarantees_table_and_plot_show_demand_rate_and_floor(qtbot, window, design):
    panel = show(qtbot, window, "guarantees")
    model = panel.model
    flows = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    # Missed first, then by guarantee, then by id.
    assert flows == ["big/0/tx", "mail/0/tx", "e1/0/tx", "mail/0/rx", "p1/0/tx", "web/0/tx"]
    values = panel.plot_values()
    assert list(values["demand"]) == pytest.approx([30, 8, 1, 2, 2, 8])
    assert list(values["rate"]) == pytest.approx([25, 5, 2 / 3, 2, 2 / 3, 5])
    assert list(values["floor"]) == pytest.approx([30, 5, 0, 0, 0, 0])
    assert model.data(model.index(0, 6)) == "MISSED"
    assert model.data(model.index(0, 6), Qt.ItemDataRole.ForegroundRole).color() == style.current().error_color
    assert model.data(model.index(1, 6)) == "yes"
    # Drawn: the missed flow's rate bar is red, the floor ticks sit at 30 and 5.
    missed = panel.rate_bars["missed"].opts
    assert list(missed["y"]) == [0.0] and list(missed["width"]) == pytest.approx([25.0])
    assert missed["brush"].color() == style.current().error_color
    ticks_x, ticks_y = panel.floor_ticks.getData()
    assert list(ticks_x) == [30.0, 5.0] and list(ticks_y) == [0.0, 1.0]
    assert "1 guarantee missed" in panel.summary.text()


def test_guarantees_sort_by_a_column_reorders_table_and_plot(qtbot, window, design):
    panel = show(qtbot, window, "guarantees")
    header = panel.table_view.horizontalHeader()
    header.setSortIndicator(3, Qt.SortOrder.DescendingOrder)  # Rate, as a header click does
    rates = panel.plot_values()["rate"]
    assert list(rates) == pytest.approx(sorted(rates, reverse=True))
    assert panel.model.data(panel.model.index(0, 0)) == "big/0/tx"
    assert list(panel.rate_bars["missed"].opts["y"]) == [0.0]
    header.setSortIndicator(3, Qt.SortOrder.AscendingOrder)
    assert panel.model.data(panel.model.index(5, 0)) == "big/0/tx"
    assert list(panel.rate_bars["missed"].opts["y"]) == [5.0]
    panel.only_box.setChecked(True)
    assert [panel.model.data(panel.model.index(r, 0)) for r in range(panel.model.rowCount())] == [
        "mail/0/tx", "big/0/tx"]


def test_guarantees_click_selects_the_guest_and_canvas_selection_highlights(qtbot, window, design):
    panel = show(qtbot, window, "guarantees")
    click_view_point(qtbot, panel, panel.view, 3, 0)
    assert window.scene.selected_ids() == ["big"]
    rect = panel.table_view.visualRect(panel.model.index(1, 0))
    qtbot.mouseClick(panel.table_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.scene.selected_ids() == ["mail"]
    window.scene.select_ids(["h2"])
    qtbot.waitUntil(lambda: list(np.flatnonzero(panel.highlighted)) == [0, 2, 4], timeout=2000)
    selected_rows = sorted(i.row() for i in panel.table_view.selectionModel().selectedRows())
    assert selected_rows == [0, 2, 4]  # big, e1, p1


# -------------------------------------------------------------------- sweep
def test_sweep_marks_the_first_saturation_and_reads_values_at_the_cursor(qtbot, window, design):
    panel = show(qtbot, window, "sweep")
    wait_sweep(qtbot, panel)
    result = panel.result
    assert result.first_saturation == pytest.approx(4 / 7, abs=1e-6)
    assert result.first_saturated == ["vmm:h2"]
    figure = panel.figure
    assert all(line.value() == pytest.approx(4 / 7, abs=1e-6) for line in figure.sat_lines)
    assert "vmm:h2" in figure.sat_label.toPlainText()
    assert "saturates at ×0.5714" in panel.status.text()
    xs, ys = figure.curves[0].getData()
    assert len(xs) == 41 and xs[-1] == pytest.approx(2.0)
    # Below 4/7 nothing is full: at s = 0.5 the peak is h2's VMM at 0.875 × 0.5 / 0.5 = 87.5 %;
    # the VMMs spend 0.4375 (h2) + web's 4 Gbit/s × 0.125 = 0.5 (h1) = 0.9375 cores.
    assert ys[10] == pytest.approx(87.5)
    figure.cursors[0].setValue(0.5)
    assert panel.readout.text() == "×0.5: peak 87.5 % (vmm:h2) · VMM 0.938 cores · 0 missed"
    assert figure.cursors[1].value() == 0.5  # the three cursors move together
    # Clicking the saturation marker selects the resource's element on the canvas.
    click_view_point(qtbot, panel, figure.util_plot.getViewBox(), 4 / 7, 100)
    assert window.scene.selected_ids() == ["h2"]
    qtbot.waitUntil(lambda: figure.highlighted.any(), timeout=2000)
    # The highlighted points are the steps whose peak resource belongs to h2.
    peaks = [row.peak_resource for row in result.rows]
    assert list(np.flatnonzero(figure.highlighted)) == [i for i, p in enumerate(peaks)
                                                         if p in ("vmm:h2", "port:h2n1:0:tx", "pcie:h2n1:tx")]


def test_sweep_range_and_steps_are_adjustable(qtbot, window, design):
    panel = show(qtbot, window, "sweep")
    wait_sweep(qtbot, panel)
    panel.steps_box.setValue(5)
    panel.to_box.setValue(0.5)
    qtbot.waitUntil(lambda: panel.result is not None and len(panel.result.rows) == 5
                    and panel.result.rows[-1].scale == pytest.approx(0.5), timeout=10000)
    assert panel.result.first_saturation is None
    assert panel.status.text() == "Nothing saturates up to ×0.5"


@pytest.fixture
def heavy(window):
    """Enough flows that a long sweep takes a while."""
    from designer.generate import generate

    topo = generate(2, 10, 20, mix=["paravirtual", "vf"], seed=3)
    from designer.ui.document import Document

    window.set_document(Document(topo, parent=window))
    return topo


def test_sweep_runs_in_the_background_and_can_be_cancelled(qtbot, window, heavy):
    panel = show(qtbot, window, "sweep")
    wait_sweep(qtbot, panel, timeout=60000)
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    started = time.perf_counter()
    panel.steps_box.setValue(1500)  # restarts the sweep
    assert time.perf_counter() - started < 0.5  # the GUI thread only took a snapshot
    assert panel.job.running()
    qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=5000)
    assert panel.job.running(), "the sweep should still be running while the event loop ticks"
    assert "Sweeping" in panel.status.text()
    generation = panel.job.generation
    old_result = panel.result
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    assert panel.job.wait(10)
    qtbot.wait(50)
    assert panel.result is old_result  # a cancelled sweep never lands
    assert panel.job.generation == generation
    assert panel.status.text().startswith("Stopped")
    timer.stop()


def test_an_edit_cancels_and_restarts_the_sweep(qtbot, window, design):
    panel = show(qtbot, window, "sweep")
    wait_sweep(qtbot, panel)
    generation = panel.job.generation
    window.document.execute(SetFieldCommand(window.document.topology, ["h2"], "vmm_io_cores", 1.0))
    qtbot.waitUntil(lambda: panel.job.generation > generation, timeout=3000)
    wait_sweep(qtbot, panel)
    qtbot.waitUntil(lambda: panel.result.first_saturation == pytest.approx(0.625, abs=1e-6), timeout=5000)
    assert panel.result.first_saturated == ["port:h1n0:0:tx"]  # h2's VMM now fills at 8/7


# ------------------------------------------------------------------- export
def load_csv(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("key", ["utilisation", "vmm", "guarantees", "sweep"])
def test_every_plot_exports_png_and_csv_from_its_context_menu(qtbot, window, design, dialogs, tmp_path, key):
    panel = show(qtbot, window, key)
    if key == "sweep":
        wait_sweep(qtbot, panel)
    assert panel.graphics.scene().contextMenu == [panel.act_png, panel.act_csv]
    dialogs.save_path = str(tmp_path / "plot")  # the extension is added
    panel.act_png.trigger()
    image = QImage(str(tmp_path / "plot.png"))
    assert not image.isNull() and image.width() >= 1000 and image.height() > 0
    dialogs.save_path = str(tmp_path / "plot.csv")
    panel.act_csv.trigger()
    rows = load_csv(tmp_path / "plot.csv")
    header, body = rows[0], rows[1:]
    if key == "utilisation":
        assert [r[0] for r in body] == EXPECTED_ORDER
        util = {r[0]: float(r[header.index("utilization")]) for r in body}
        assert util == pytest.approx({k: v[0] / 100 for k, v in EXPECTED.items()}, abs=1e-6)
    elif key == "vmm":
        assert [r[0] for r in body] == ["h2", "h1"]
        assert float(body[0][header.index("total_cores")]) == pytest.approx(0.5)
        assert float(body[1][header.index("paravirtual_cores")]) == pytest.approx(0.625)
    elif key == "guarantees":
        assert body[0][:2] == ["big/0/tx", "big"]
        assert float(body[0][header.index("rate_gbps")]) == pytest.approx(25)
        assert body[0][header.index("floor_met")] == "0"
    else:
        assert header[0] == "scale" and len(body) == 41
        assert float(body[-1][0]) == pytest.approx(2.0)


def test_export_is_light_even_in_the_dark_theme(qtbot, window, design, tmp_path):
    panel = show(qtbot, window, "utilisation")
    style.apply_theme("dark")
    try:
        window.themeChanged.emit("dark")
        assert panel.graphics.backgroundBrush().color() == QColor(style.PALETTES["dark"].plot_bg)
        panel.export_png(str(tmp_path / "light.png"))
        image = QImage(str(tmp_path / "light.png"))
        assert image.pixelColor(2, 2) == QColor(style.PALETTES["light"].plot_bg)
        assert panel.graphics.backgroundBrush().color() == QColor(style.PALETTES["dark"].plot_bg)
    finally:
        style.apply_theme("light")
        window.themeChanged.emit("light")
    assert panel.graphics.backgroundBrush().color() == QColor(style.PALETTES["light"].plot_bg)


def test_failed_export_leaves_no_file_and_says_why(qtbot, window, design, dialogs, tmp_path):
    panel = show(qtbot, window, "utilisation")
    dialogs.save_path = str(tmp_path / "missing-folder" / "plot.csv")
    panel.act_csv.trigger()
    assert dialogs.of("critical") and "Could not write plot.csv" in dialogs.of("critical")[0]
    assert not (tmp_path / "missing-folder").exists()


# ----------------------------------------------------------- bundled examples
def test_bundled_example_plots_agree_with_the_solver(qtbot, window):
    open_example(window)
    solution = window.document.solution
    panel = show(qtbot, window, "utilisation")
    ids, util, _ = panel.bar_values()
    records = {r["id"]: r for r in solution.resource_records()}
    assert sorted(ids) == sorted(records)
    assert util == pytest.approx([records[i]["utilization"] * 100 for i in ids], abs=1e-6)
    assert list(util) == sorted(util, reverse=True)
    vmm = show(qtbot, window, "vmm")
    servers = {s["id"]: s for s in solution.server_records()}
    ids, cores, budget = vmm.row_values()
    for sid, row, cap in zip(ids, cores, budget):
        assert row.sum() == pytest.approx(servers[sid]["vmm_cores"], abs=1e-6)
        assert cap == servers[sid]["vmm_capacity_cores"]


def test_vmm_load_rows_are_named_by_server_label(qtbot, window, design):
    """The VMM Load plot names its rows as the canvas does: the server's label, else its id."""
    assert window.editor.set_field(["h1"], "label", "Mail host") is None
    panel = show(qtbot, window, "vmm")
    qtbot.waitUntil(lambda: panel.axis.labels == ["h2", "Mail host"], timeout=3000)


def test_a_plot_behind_another_tab_waits_until_its_tab_is_raised(qtbot, window, design):
    """Qt keeps a dock behind another tab "visible" (moved out of sight): it must not redraw on
    every solve (at data-centre scale each redraw costs a second), only once it is shown."""
    panel = show(qtbot, window, "utilisation")
    guarantees = window.analysis.guarantees
    assert not guarantees.shown() and panel.shown()
    redraws = []
    original = guarantees.update_now
    guarantees.update_now = lambda: (redraws.append(1), original())[1]
    error = window.document.execute(SetFieldCommand(window.document.topology, ["h1"], "vmm_io_cores", 1.25))
    assert error is None
    qtbot.waitUntil(lambda: dict(zip(*panel.bar_values()[:2]))["vmm:h1"] == pytest.approx(50.0), timeout=3000)
    qtbot.waitUntil(lambda: not window.analysis.plots_pending(), timeout=3000)
    assert redraws == [] and guarantees.stale
    window.analysis.docks["guarantees"].raise_()
    qtbot.waitUntil(lambda: bool(redraws) and not guarantees.stale, timeout=3000)
    assert guarantees.shown() and not panel.shown()
