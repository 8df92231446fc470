"""Choosing a NIC's model from the catalogue changes its hardware (one undo step), keeps
what still fits, and refuses or asks about what does not; the inspector says what the
driver enforces; the VMM cost model offers named presets."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from designer.catalogue import entry, preset
from designer.fileformat import dumps, loads
from designer.model import VM, Link, VirtualFunction, VNic

from .helpers import open_example, snapshot
from .test_inspector import select, type_into


def choose(window, name: str) -> None:
    combo = window.inspector.model_chooser
    index = combo.findData(name)
    assert index > 0, name
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def hardware(nic) -> dict:
    return {k: getattr(nic, k) for k in preset(entry("Intel X710-DA2"))}


def nic_label(window, nic_id: str) -> str:
    window.scene.flush()
    nic = window.scene.element_item(nic_id).nic
    return f"{nic.model} · {nic.ports}×{nic.port_gbps:g}G"


def codes(window) -> dict[str, list[str]]:
    window.document.solve_now()
    found: dict[str, list[str]] = {}
    for p in window.document.solution.problems:
        found.setdefault(p.code, []).append(p.element)
    return found


def test_the_chooser_shows_the_catalogue_model_and_what_the_driver_enforces(qtbot, window):
    open_example(window)
    select(qtbot, window, "h2n0")
    assert window.inspector.model_chooser.currentText() == "Intel X710-DA2"
    text = window.inspector.capabilities.text()
    assert "VF minimums (min_gbps) are NOT enforced by this card (driver i40e)" in text
    assert "at most 128 on the card" in text and "port 0 = ens2f0" in text
    select(qtbot, window, "h2n0v0")
    assert "Guarantee 4 Gbit/s: NOT enforced" in window.inspector.capabilities.text()
    assert "Cap 8 Gbit/s: enforced" in window.inspector.capabilities.text()


def test_choosing_a_model_applies_its_hardware_as_one_undo_step(qtbot, window, dialogs):
    topo = open_example(window)
    before = snapshot(window)
    assert "h2n0v0" in codes(window)["guarantee-unsupported"]
    select(qtbot, window, "h2n0")
    depth = window.document.undo_stack.count()
    choose(window, "Intel E810-XXVDA2")
    nic = topo["h2n0"]
    assert hardware(nic) == preset(entry("Intel E810-XXVDA2"))
    assert window.document.undo_stack.count() == depth + 1
    # VFs and cables that fit are kept; nothing asked.
    assert topo["h2n0v0"].parent == "h2n0" and topo.cable_at("h2n0", 1) is not None
    assert dialogs.of("warning") == []
    assert nic_label(window, "h2n0") == "Intel E810-XXVDA2 · 2×25G"
    assert "guarantee-unsupported" not in codes(window)  # ice enforces the database's minimum
    qtbot.waitUntil(lambda: "are enforced by this card (driver ice)" in window.inspector.capabilities.text(),
                    timeout=2000)
    assert window.inspector.model_chooser.currentText() == "Intel E810-XXVDA2"
    window.document.undo_stack.undo()
    assert snapshot(window) == before
    assert nic_label(window, "h2n0") == "Intel X710-DA2 · 2×10G"


def four_port_nic_with_a_vf_on_port_3(qtbot, window, guest: bool):
    topo = open_example(window)
    select(qtbot, window, "h2n0")
    choose(window, "Intel X710-DA4")
    assert topo["h2n0"].ports == 4
    topo.add(VirtualFunction(id="h2n0v3", parent="h2n0", port=3))
    topo.connect(Link(a="h2n0:3", b="tor"))
    if guest:
        topo.add(VM(id="cache", parent="h2", vnics=[VNic(mode="vf", vf="h2n0v3", tx_gbps=1)]))
    window.scene.flush()
    return topo


def test_a_smaller_card_lists_what_it_removes_and_asks(qtbot, window, dialogs):
    topo = four_port_nic_with_a_vf_on_port_3(qtbot, window, guest=False)
    before, depth = snapshot(window), window.document.undo_stack.count()
    # Cancel: nothing changes.
    dialogs.warning_answer = QMessageBox.StandardButton.Cancel
    choose(window, "Intel X710-DA2")
    (asked,) = dialogs.of("warning")
    assert "VF h2n0v3 is on port 3; the Intel X710-DA2 has ports 0–1" in asked
    assert "cable h2n0:3--tor is on port 3" in asked
    assert snapshot(window) == before and window.document.undo_stack.count() == depth
    assert window.inspector.model_chooser.currentText() == "Intel X710-DA4"
    # Yes: the VF and the cable go, the rest stays, in one undo step.
    dialogs.warning_answer = QMessageBox.StandardButton.Yes
    choose(window, "Intel X710-DA2")
    assert topo["h2n0"].ports == 2 and "h2n0v3" not in topo.elements and topo.cable_at("h2n0", 3) is None
    assert topo["h2n0v0"].port == 1 and topo.cable_at("h2n0", 1) is not None
    assert window.document.undo_stack.count() == depth + 1
    window.document.undo_stack.undo()
    assert snapshot(window) == before


def test_a_card_that_would_strand_a_guest_is_refused_with_the_reason(qtbot, window, dialogs):
    topo = four_port_nic_with_a_vf_on_port_3(qtbot, window, guest=True)
    before, depth = snapshot(window), window.document.undo_stack.count()
    messages = []
    window.inspector.statusMessage.connect(messages.append)
    choose(window, "Intel X710-DA2")
    assert dialogs.of("warning") == []
    assert snapshot(window) == before and window.document.undo_stack.count() == depth
    error = window.inspector.model_error
    assert error.isVisible() and "VM cache vNIC 0 uses VF h2n0v3" in error.text()
    assert "ports 0–1" in error.text() and messages and messages[-1] == error.text()
    assert topo["h2n0"].ports == 4


def test_more_vfs_on_a_port_than_the_card_allows_are_listed(qtbot, window, dialogs):
    topo = open_example(window)
    for i in range(63):  # 64 VFs on port 1 with the database's
        topo.add(VirtualFunction(id=f"x{i}", parent="h2n0", port=1))
    window.scene.flush()
    select(qtbot, window, "h2n0")
    dialogs.warning_answer = QMessageBox.StandardButton.Yes
    choose(window, "Intel 82599ES (X520-DA2)")  # ixgbe: 63 per port
    (asked,) = dialogs.of("warning")
    assert "VF x62 is one more than the 63 per port the Intel 82599ES (X520-DA2) allows on port 1" in asked
    assert "x62" not in topo.elements and "x61" in topo.elements and "h2n0v0" in topo.elements
    assert topo["h2n0"].max_vfs_per_port == 63


def test_typing_a_catalogue_model_name_brings_its_hardware(qtbot, window):
    topo = open_example(window)
    fields = select(qtbot, window, "h1n0")
    type_into(qtbot, fields["model"], "Intel E810-CQDA2")
    nic = topo["h1n0"]
    assert (nic.ports, nic.port_gbps, nic.throughput_gbps, nic.driver) == (2, 100, 100, "ice")
    assert nic_label(window, "h1n0") == "Intel E810-CQDA2 · 2×100G"
    # A name two catalogue entries share is refused: which card is meant?
    before = snapshot(window)
    type_into(qtbot, window.inspector.field_editors["model"], "NVIDIA ConnectX-6 Dx")
    field = window.inspector.field_editors["model"]
    assert field.error.isVisible() and "Several catalogue models are called NVIDIA ConnectX-6 Dx" in field.error.text()
    assert snapshot(window) == before
    # Any other name makes it a custom card: only the name changes.
    type_into(qtbot, window.inspector.field_editors["model"], "Homebrew 2x25")
    assert topo["h1n0"].model == "Homebrew 2x25" and topo["h1n0"].port_gbps == 100
    qtbot.waitUntil(lambda: window.inspector.model_chooser.currentIndex() == 0, timeout=2000)


def test_cost_model_presets(qtbot, window):
    topo = open_example(window)
    window.scene.select_ids([])
    qtbot.waitUntil(lambda: window.inspector.ids == [], timeout=2000)
    combo = window.inspector.field_editors_preset
    assert combo.currentText() == "conservative, no offloads"
    combo.setCurrentIndex(combo.findData("virtio-tso"))
    combo.activated.emit(combo.currentIndex())
    cm = topo.cost_model
    assert (cm.preset, cm.core_us_per_packet["paravirtual"], cm.core_us_per_packet["emulated"]) == (
        "virtio-tso", 0.384, 7.5)
    # Stored as the preset name and its values; read back the same.
    doc = loads(dumps(topo))
    assert (doc.cost_model.preset, doc.cost_model.core_us_per_packet) == ("virtio-tso", cm.core_us_per_packet)
    # 0.384 core·µs × 125 / 1500 B = 0.032 cores per Gbit/s for a paravirtual flow; emulated stays 0.625.
    window.document.solve_now()
    fs = window.document.solution.flows
    kappa = {fs.flow_id(f): float(fs.kappa[f]) for f in range(fs.n_flows)}
    assert abs(kappa["web1/0/tx"] - 0.032) < 1e-12 and abs(kappa["legacy/0/tx"] - 0.625) < 1e-12
    # Editing one value makes the values custom.
    editor = window.inspector.field_editors["cost:paravirtual"]
    type_into(qtbot, editor, "1")
    assert topo.cost_model.preset == "" and topo.cost_model.core_us_per_packet["paravirtual"] == 1.0
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert topo.cost_model.preset == "" and topo.cost_model.core_us_per_packet["paravirtual"] == 1.5


def test_the_badge_says_when_a_vf_minimum_is_not_enforced(qtbot, window):
    open_example(window)
    window.document.solve_now()
    window.scene.flush()
    qtbot.waitUntil(lambda: window.scene.element_item("db").overlay is not None, timeout=3000)
    db = window.scene.element_item("db").overlay
    mail = window.scene.element_item("mail").overlay
    # The database asks 4 Gbit/s of an i40e VF: met today (6 ≥ 4) but not enforced.
    assert db.floor == 4 and db.floor_met and db.floor_unenforced
    assert mail.floor == 5 and mail.floor_met and not mail.floor_unenforced
    assert "cannot enforce a VF minimum (met for now)" in window.scene.vm_tooltip("db")
    assert "guaranteed 5.000 ✓" in window.scene.vm_tooltip("mail")
