"""A field edit on a large canvas touches what it changes, not the whole design
(docs/performance.md, "Designer at data-centre scale")."""

from __future__ import annotations

from designer.generate import generate
from designer.ui.canvas.items import ServerItem
from designer.ui.document import Document


def open_racks(qtbot, window, racks: int = 3):
    topo = generate(racks, 4, 3, seed=2)
    document = Document(topo, parent=window)
    window.set_document(document)
    window.scene.flush()
    document.solve_now()
    qtbot.wait(20)
    return document, window.scene


def spy(monkeypatch, obj, name: str) -> list:
    calls: list = []
    real = getattr(obj, name)
    monkeypatch.setattr(obj, name, lambda *a, **k: (calls.append(a), real(*a, **k))[1])
    return calls


def test_a_vmm_budget_edit_routes_nothing_and_updates_its_rack(qtbot, window, monkeypatch):
    document, scene = open_racks(qtbot, window)
    server = next(i for i in scene.top_items.values() if isinstance(i, ServerItem) and i.server.rack)
    rack = scene.racks[server.server.rack]
    other = next(r for r in scene.racks.values() if r is not rack)
    budget, other_budget = rack.stats.vmm_budget, other.stats.vmm_budget
    routed = spy(monkeypatch, scene, "_route_all") + spy(monkeypatch, scene, "_route_changes")
    synced = spy(monkeypatch, scene, "_sync_cables")
    new = server.server.vmm_io_cores + 1.5
    assert window.editor.set_field([server.element_id], "vmm_io_cores", new) is None
    scene.flush()
    assert synced == [] and routed == []
    assert rack.stats.vmm_budget == budget + 1.5  # its rack's block says so at once
    assert other.stats.vmm_budget == other_budget
    assert server.vmm_budget == new
    # The re-solve that follows gives the gauges their numbers, and the racks their sums.
    document.solve_now()
    cores = document.solution.server_vmm_cores
    assert rack.stats.vmm_cores == sum(cores.get(m, 0.0) for m in rack.stats.members)
    assert rack.stats.solved


def test_an_edit_that_moves_a_server_to_another_rack_still_syncs_the_cables(qtbot, window, monkeypatch):
    document, scene = open_racks(qtbot, window)
    server = next(i for i in scene.top_items.values() if isinstance(i, ServerItem) and i.server.rack)
    target = next(r for r in scene.racks if r != server.server.rack)
    synced = spy(monkeypatch, scene, "_sync_cables")
    assert window.editor.set_field([server.element_id], "rack", target) is None
    scene.flush()
    assert len(synced) == 1
    assert server.element_id in scene.racks[target].stats.members
    document.solve_now()
    assert scene.racks[target].stats.servers == len(scene.racks[target].stats.members)
