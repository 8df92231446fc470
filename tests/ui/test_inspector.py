"""The inspector: fields of the selection, validation as typed, one undo step per edit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit

from .helpers import open_example, snapshot


def select(qtbot, window, *ids):
    window.scene.select_ids(list(ids))
    qtbot.waitUntil(lambda: sorted(window.inspector.ids) == sorted(ids), timeout=2000)
    return window.inspector.field_editors


def type_into(qtbot, field, text: str) -> None:
    """Replace the text and press Return, as a user finishing an edit."""
    edit = field.widget
    assert isinstance(edit, QLineEdit)
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def rack_choice(window) -> QComboBox:
    return window.inspector.widget().findChild(QComboBox, "field_rack")


def test_selecting_a_server_shows_its_fields(qtbot, window):
    open_example(window)
    fields = select(qtbot, window, "h1")
    assert {"label", "cores", "vmm_io_cores", "iommu", "rack_u", "height_u"} <= set(fields)
    assert "x" not in fields and "parent" not in fields
    assert fields["label"].widget.text() == "Mail host"
    assert fields["vmm_io_cores"].widget.text() == "2"
    assert fields["cores"].widget.text() == "32"
    assert rack_choice(window).currentData() == "rack1"
    assert isinstance(fields["iommu"].widget, QCheckBox) and fields["iommu"].widget.isChecked()
    assert not fields["vmm_io_cores"].error.isVisible()


def test_selecting_a_nic_then_a_vf_rebuilds_the_fields(qtbot, window):
    open_example(window)
    fields = select(qtbot, window, "h2n0")
    assert fields["model"].widget.text() == "Intel X710-DA2"  # the example's i40e card (VMDq, no VF minimums)
    assert fields["vmdq"].widget.isChecked() and not fields["vf_min_rate"].widget.isChecked()
    fields = select(qtbot, window, "h2n0v0")
    assert set(fields) >= {"port", "min_gbps", "max_gbps"} and "model" not in fields
    assert (fields["port"].widget.text(), fields["min_gbps"].widget.text(), fields["max_gbps"].widget.text()) == (
        "1", "4", "8")


@pytest.mark.parametrize("text", ["-3", "abc", "1e999", "nan", ""])
def test_invalid_number_shows_the_error_and_is_not_applied(qtbot, window, text):
    topo = open_example(window)
    fields = select(qtbot, window, "h1")
    before = snapshot(window)
    field = fields["vmm_io_cores"]
    type_into(qtbot, field, text)
    assert field.error.isVisible()
    assert "vmm_io_cores" in field.error.text() and "must be" in field.error.text()
    assert topo["h1"].vmm_io_cores == 2.0
    assert snapshot(window) == before and window.document.undo_stack.count() == 0


def test_whole_number_field_refuses_a_fraction(qtbot, window):
    topo = open_example(window)
    field = select(qtbot, window, "h1")["cores"]
    type_into(qtbot, field, "2.5")
    assert field.error.isVisible() and topo["h1"].cores == 32


def test_valid_value_is_applied_as_one_undo_step(qtbot, window):
    topo = open_example(window)
    field = select(qtbot, window, "h1")["vmm_io_cores"]
    type_into(qtbot, field, "-3")
    assert field.error.isVisible()
    type_into(qtbot, field, "6.5")
    assert topo["h1"].vmm_io_cores == 6.5
    assert not field.error.isVisible()
    assert window.document.undo_stack.count() == 1
    assert window.scene.top_items["h1"].vmm_budget == 6.5
    window.document.undo_stack.undo()
    assert topo["h1"].vmm_io_cores == 2.0
    # The inspector follows the model after an undo.
    field = window.inspector.field_editors["vmm_io_cores"]
    field.widget.clearFocus()
    qtbot.waitUntil(lambda: window.inspector.field_editors["vmm_io_cores"].widget.text() == "2", timeout=2000)


def test_a_value_the_model_refuses_is_shown_and_not_applied(qtbot, window):
    topo = open_example(window)
    field = select(qtbot, window, "h1n0")["ports"]
    type_into(qtbot, field, "1")  # port 1 is cabled
    assert field.error.isVisible() and "cabled" in field.error.text()
    assert topo["h1n0"].ports == 2 and window.document.undo_stack.count() == 0


def test_text_and_bool_fields(qtbot, window):
    topo = open_example(window)
    fields = select(qtbot, window, "h1")
    type_into(qtbot, fields["label"], "Mail host B")
    assert topo["h1"].label == "Mail host B"
    assert window.scene.top_items["h1"].title == "Mail host B"
    box = window.inspector.field_editors["iommu"].widget
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))  # on the tick box
    assert topo["h1"].iommu is False
    type_into(qtbot, window.inspector.field_editors["rack_u"], "")  # optional: empty = none
    assert topo["h1"].rack_u is None
    assert window.document.undo_stack.count() == 3


def test_multi_selection_edits_both_servers_in_one_step(qtbot, window):
    topo = open_example(window)
    fields = select(qtbot, window, "h1", "h2")
    field = fields["vmm_io_cores"]
    assert field.widget.text() == "" and field.widget.placeholderText() == "(mixed)"  # 2 and 4
    assert rack_choice(window).currentData() == "rack1"  # common value shown
    assert "cores" in fields and "model" not in fields
    type_into(qtbot, field, "5")
    assert (topo["h1"].vmm_io_cores, topo["h2"].vmm_io_cores) == (5.0, 5.0)
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert (topo["h1"].vmm_io_cores, topo["h2"].vmm_io_cores) == (2.0, 4.0)


def test_mixed_kinds_show_only_common_fields(qtbot, window):
    open_example(window)
    fields = select(qtbot, window, "h1", "tor")
    assert "label" in fields and "cores" not in fields and "port_gbps" not in fields


def test_vm_vnic_fields_are_editable(qtbot, window):
    topo = open_example(window)
    fields = select(qtbot, window, "web1")
    assert fields["vnic0.tx_gbps"].widget.text() == "6"
    assert fields["vnic0.rx_gbps"].widget.text() == "3"
    assert isinstance(fields["vnic0.mode"].widget, QComboBox)
    assert fields["vnic0.mode"].widget.currentData() == "paravirtual"
    type_into(qtbot, fields["vnic0.tx_gbps"], "7.5")
    assert topo["web1"].vnics[0].tx_gbps == 7.5
    assert window.document.undo_stack.count() == 1
    field = window.inspector.field_editors["vnic0.packet_bytes"]
    type_into(qtbot, field, "20")  # below 64 bytes
    assert field.error.isVisible() and topo["web1"].vnics[0].packet_bytes == 1500
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert topo["web1"].vnics[0].tx_gbps == 6.0


@pytest.mark.parametrize("element_id, name, text", [
    ("h1n0", "port_gbps", "10"),
    ("h2n0v0", "min_gbps", "5"),
    ("web1", "vnic0.tx_gbps", "7"),
    ("mail", "label", "Post office"),
])
def test_contained_element_stays_in_the_inspector_after_an_edit(qtbot, window, element_id, name, text):
    # NICs, VFs and VMs are redrawn when they change; the selection and the
    # inspector must stay on the element so that the next field can be edited.
    open_example(window)
    fields = select(qtbot, window, element_id)
    type_into(qtbot, fields[name], text)
    assert window.document.undo_stack.count() == 1
    qtbot.wait(50)  # deferred refreshes
    assert window.scene.selected_ids() == [element_id]
    assert window.inspector.ids == [element_id]
    assert window.inspector.field_editors[name].widget.text() == text
    window.document.undo_stack.undo()
    qtbot.wait(50)
    assert window.inspector.ids == [element_id] and window.scene.selected_ids() == [element_id]
    assert window.inspector.field_editors[name].widget.text() != text


def test_vf_guest_hides_its_own_rate_limits(qtbot, window):
    open_example(window)
    fields = select(qtbot, window, "mail")
    assert "vnic0.tx_gbps" in fields
    assert "vnic0.min_gbps" not in fields and "vnic0.port" not in fields


def test_changing_a_vnic_mode_in_the_inspector(qtbot, window):
    topo = open_example(window)
    combo = select(qtbot, window, "web2")["vnic0.mode"].widget
    index = combo.findData("emulated")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert topo["web2"].vnics[0].mode == "emulated" and topo["web2"].vnics[0].nic == "h1n0"
    assert window.document.undo_stack.count() == 1


def test_nothing_selected_edits_the_project(qtbot, window):
    topo = open_example(window)
    window.scene.clearSelection()
    qtbot.waitUntil(lambda: "cost:vf" in window.inspector.field_editors, timeout=2000)
    title = window.inspector.findChild(QLineEdit, "projectTitle")
    assert title.text() == topo.title
    title.selectAll()
    qtbot.keyClicks(title, "Renamed rack")
    qtbot.keyClick(title, Qt.Key.Key_Return)
    assert topo.title == "Renamed rack"
    field = window.inspector.field_editors["cost:paravirtual"]
    type_into(qtbot, field, "-2")
    assert field.error.isVisible() and topo.cost_model.core_us_per_packet["paravirtual"] == 1.5
    type_into(qtbot, field, "3")
    assert topo.cost_model.core_us_per_packet["paravirtual"] == 3.0
    assert window.document.undo_stack.count() == 2


def test_cable_capacity_in_the_inspector(qtbot, window):
    topo = open_example(window)
    fields = select(qtbot, window, "tor--wan")
    field = fields["gbps"]
    assert field.widget.text() == "100"
    type_into(qtbot, field, "-1")
    assert field.error.isVisible() and topo.links["tor--wan"].gbps == 100
    type_into(qtbot, field, "40")
    assert topo.links["tor--wan"].gbps == 40
    type_into(qtbot, window.inspector.field_editors["gbps"], "")
    assert topo.links["tor--wan"].gbps is None
    assert window.document.undo_stack.count() == 2


def test_deleting_the_selection_empties_the_inspector(qtbot, window):
    open_example(window)
    select(qtbot, window, "h1n0")
    window.act_delete.trigger()
    assert window.scene.selected_ids() == []
    qtbot.waitUntil(lambda: window.inspector.ids == [] and "cost:vf" in window.inspector.field_editors,
                    timeout=2000)


def test_rack_is_a_choice_among_the_racks(qtbot, window):
    topo = open_example(window)
    select(qtbot, window, "h1")
    combo = rack_choice(window)
    choices = [combo.itemData(i) for i in range(combo.count())]
    assert choices == [None] + list(topo.racks)
    combo.activated.emit(0)
    assert topo["h1"].rack is None
    assert window.document.undo_stack.count() == 1


def test_fields_show_engineering_labels_with_the_field_name_in_the_tooltip(qtbot, window):
    open_example(window)
    select(qtbot, window, "h1")
    label = window.inspector.widget().findChild(QLabel, "label_vmm_io_cores")
    assert label.text() == "VMM I/O budget (cores)"
    assert label.toolTip().startswith("Field vmm_io_cores")
    vm = next(v for v in window.document.topology.vms if v.vnics and v.vnics[0].mode != "vf")
    select(qtbot, window, vm.id)
    tx = window.inspector.widget().findChild(QLabel, "label_tx_gbps")
    assert tx.text() == "Transmit demand (Gbit/s)"


def test_several_guests_offer_their_vnic_fields_as_one_step(qtbot, window):
    """Trap 6: with several VMs selected the inspector offers their vNIC fields."""
    topo = open_example(window)
    guests = [v.id for v in topo.vms if v.vnics][:3]
    fields = select(qtbot, window, *guests)
    for name in ("mode", "tx_gbps", "rx_gbps", "min_gbps", "max_gbps", "weight", "packet_bytes"):
        assert f"vnics.{name}" in fields
    assert window.inspector.widget().findChild(QComboBox, "bulk_vnic_to") is not None
    type_into(qtbot, fields["vnics.tx_gbps"], "3.5")
    assert all(v.tx_gbps == 3.5 for g in guests for v in topo[g].vnics)
    assert window.document.undo_stack.count() == 1
    window.act_undo.trigger()
    assert not all(v.tx_gbps == 3.5 for g in guests for v in topo[g].vnics)


def test_selected_server_nic_and_cable_show_their_solver_figures(qtbot, window):
    topo = open_example(window)
    window.document.solve_now()
    records = {r["id"]: r for r in window.document.solution.resource_records()}
    select(qtbot, window, "h1")
    text = window.inspector.widget().findChild(QLabel, "solved_text").text()
    vmm = records["vmm:h1"]
    assert f"vmm:h1: load {vmm['load']:.3g} of {vmm['capacity']:.3g} cores" in text
    nic = topo.nics_of("h1")[0].id
    select(qtbot, window, nic)
    text = window.inspector.widget().findChild(QLabel, "solved_text").text()
    assert any(rid.startswith(f"pcie:{nic}") for rid in records) and f"pcie:{nic}" in text
    cable = next(l for l in topo.links.values() if l.a.startswith(nic + ":"))
    select(qtbot, window, cable.id)
    text = window.inspector.widget().findChild(QLabel, "solved_text").text()
    assert f"port:{cable.a}" in text and "Gbit/s" in text
