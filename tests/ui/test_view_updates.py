"""Views follow the document through one mechanism: ``Document.changed``, once per command
done, undone or redone. Each analysis view refreshes exactly once per command, whether the
command re-solves (the refresh waits for the solution) or not (a label), and a bulk add of
a thousand guests is one refresh, not one per model event."""

from __future__ import annotations

import pytest

from .helpers import open_example

VIEWS = ("utilisation", "vmm", "guarantees")


@pytest.fixture
def refreshes(qtbot, window, monkeypatch):
    """How often each analysis view (and the sweep) was given the document's state."""
    open_example(window)
    settle(qtbot, window)
    analysis = window.analysis
    counts = dict.fromkeys((*VIEWS, "sweep"), 0)

    def counting(key, original):
        def call(*args, **kwargs):
            counts[key] += 1
            return original(*args, **kwargs)
        return call

    for key in VIEWS:
        panel = analysis.panels[key]
        monkeypatch.setattr(panel, "set_solution", counting(key, panel.set_solution))
    monkeypatch.setattr(analysis.sweep, "set_topology", counting("sweep", analysis.sweep.set_topology))
    return counts


def settle(qtbot, window) -> None:
    """Until the solve and the plots have caught up, then a little longer, so a second
    refresh (a timer, a late signal) would be counted."""
    qtbot.waitUntil(lambda: not window.analysis.plots_pending(), timeout=5000)
    qtbot.wait(200)


def test_one_command_and_its_undo_and_redo_refresh_each_view_once(qtbot, window, refreshes):
    server = window.document.topology.servers[0]
    vmm = window.analysis.vmm
    window.analysis.docks["vmm"].raise_()
    qtbot.waitUntil(vmm.isVisible, timeout=3000)
    settle(qtbot, window)
    refreshes.update(dict.fromkeys(refreshes, 0))
    budget = server.vmm_io_cores + 3.0

    assert window.editor.set_field([server.id], "vmm_io_cores", budget) is None
    settle(qtbot, window)
    assert refreshes == dict.fromkeys(refreshes, 1)
    assert vmm.solution is window.document.solution  # the refresh carried the new solve
    ids, _cores, budgets = vmm.row_values()
    assert budgets[ids.index(server.id)] == pytest.approx(budget)

    window.act_undo.trigger()
    settle(qtbot, window)
    assert refreshes == dict.fromkeys(refreshes, 2)
    ids, _cores, budgets = vmm.row_values()
    assert budgets[ids.index(server.id)] == pytest.approx(budget - 3.0)

    window.act_redo.trigger()
    settle(qtbot, window)
    assert refreshes == dict.fromkeys(refreshes, 3)


def test_an_edit_that_needs_no_solve_still_refreshes_each_view_once(qtbot, window, refreshes):
    # A label changes no number, so nothing is re-solved; the VMM plot names servers by
    # their labels and must follow all the same.
    server = window.document.topology.servers[0]
    vmm = window.analysis.vmm
    window.analysis.docks["vmm"].raise_()
    qtbot.waitUntil(vmm.isVisible, timeout=3000)
    settle(qtbot, window)
    refreshes.update(dict.fromkeys(refreshes, 0))

    assert window.editor.set_field([server.id], "label", "Renamed host") is None
    settle(qtbot, window)
    assert refreshes == dict.fromkeys(refreshes, 1)
    assert "Renamed host" in vmm.axis.labels


def test_bulk_add_refreshes_each_view_once(qtbot, window, refreshes):
    before = len(window.document.topology.vms)
    error, servers = window.editor.bulk_add(100, 10)
    assert error is None and len(servers) == 100
    settle(qtbot, window)
    assert refreshes == dict.fromkeys(refreshes, 1)
    panel = window.analysis.utilisation
    assert panel.solution is window.document.solution
    assert len(window.document.topology.vms) == before + 1000
