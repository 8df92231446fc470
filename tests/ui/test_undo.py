"""Undo and redo of every kind of edit, with the canvas following the model."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QDialog

from designer.fileformat import dumps
from designer.ui.canvas.items import ServerItem
from designer.ui.main_window import BulkAddDialog

from .helpers import drag, open_example, show_scene_point, snapshot


def undo(window):
    window.document.undo_stack.undo()
    window.scene.flush()


def redo(window):
    window.document.undo_stack.redo()
    window.scene.flush()


def canvas_ids(window) -> set[str]:
    return set(window.scene.all_element_ids())


def test_add_undo_redo(window):
    topo = open_example(window)
    before, ids_before, old = snapshot(window), canvas_ids(window), set(topo.elements)
    assert window.editor.drop("server", None, QPointF(-600, 600)) is None
    (new,) = set(topo.elements) - old
    after = snapshot(window)
    assert isinstance(window.scene.element_item(new), ServerItem)
    undo(window)
    assert new not in topo.elements and window.scene.element_item(new) is None
    assert snapshot(window) == before and canvas_ids(window) == ids_before
    redo(window)
    assert snapshot(window) == after
    assert isinstance(window.scene.element_item(new), ServerItem)
    # A drop centres the new element on the drop point (to the grid).
    centre = window.scene.top_items[new].sceneBoundingRect().center()
    grid = window.scene.grid_size
    assert abs(centre.x() + 600) <= grid and abs(centre.y() - 600) <= grid


def test_delete_nic_takes_dependants_and_undo_restores_all(window):
    topo = open_example(window)
    scene = window.scene
    before = snapshot(window)
    cables = {"h1n0:0--tor", "h1n0:1--tor"}
    users = ["mail", "web1", "web2", "legacy"]
    assert cables <= set(topo.links) and cables <= set(scene.cables)
    attachments_before = len(scene.top_items["h1"].attachments)
    assert attachments_before == 4

    scene.select_ids(["h1n0"])
    window.act_delete.trigger()
    scene.flush()
    assert "h1n0" not in topo.elements and "h1n0v0" not in topo.elements
    assert not cables & set(topo.links)
    assert not cables & set(scene.cables)
    assert scene.element_item("h1n0") is None and scene.element_item("h1n0v0") is None
    for vm_id in users:  # detached, not deleted
        assert vm_id in topo.elements
        assert [v.device() for v in topo[vm_id].vnics] == [None]
        assert topo[vm_id].vnics[0].tx_gbps > 0  # the traffic spec survives
    assert scene.top_items["h1"].attachments == []
    assert window.document.undo_stack.count() == 1
    after = snapshot(window)

    undo(window)
    assert snapshot(window) == before
    assert cables <= set(scene.cables)
    assert scene.element_item("h1n0") is not None and scene.element_item("h1n0v0") is not None
    assert len(scene.top_items["h1"].attachments) == attachments_before
    assert scene.element_item("h1n0v0").used

    redo(window)
    assert snapshot(window) == after
    assert scene.element_item("h1n0") is None and not cables & set(scene.cables)


def test_delete_server_with_everything_inside_and_undo(window):
    topo = open_example(window)
    before = snapshot(window)
    assert window.editor.delete(["h2"]) is None
    assert not {"h2", "h2n0", "h2n1", "h2n0v0", "app1", "app2", "db", "backup"} & set(topo.elements)
    assert not [link for link in topo.links if link.startswith("h2")]
    assert "h2" not in window.scene.top_items
    undo(window)
    assert snapshot(window) == before
    assert {"app1", "db", "backup"} <= set(window.scene.child_server)


def test_connect_undo_redo(window):
    open_example(window)
    window.editor.delete(["h1n0:1--tor"])  # free a port
    before = snapshot(window)
    port = window.scene.port_item("h1n0:1")
    assert not port.wired
    assert window.editor.connect(port, window.scene.top_items["tor"]) is None
    assert "h1n0:1--tor" in window.scene.cables and window.scene.port_item("h1n0:1").wired
    after = snapshot(window)
    undo(window)
    assert snapshot(window) == before
    assert "h1n0:1--tor" not in window.scene.cables and not window.scene.port_item("h1n0:1").wired
    redo(window)
    assert snapshot(window) == after and "h1n0:1--tor" in window.scene.cables


def test_set_field_undo_redo(window):
    topo = open_example(window)
    item = window.scene.top_items["h1"]
    assert window.editor.set_field(["h1"], "vmm_io_cores", 6.0) is None
    assert topo["h1"].vmm_io_cores == 6.0 and item.vmm_budget == 6.0
    assert window.editor.set_field(["h1"], "label", "Renamed") is None
    assert window.scene.top_items["h1"].title == "Renamed"
    undo(window)
    assert topo["h1"].label == "Mail host" and window.scene.top_items["h1"].title == "Mail host"
    undo(window)
    assert topo["h1"].vmm_io_cores == 2.0 and window.scene.top_items["h1"].vmm_budget == 2.0
    redo(window)
    assert topo["h1"].vmm_io_cores == 6.0 and window.scene.top_items["h1"].vmm_budget == 6.0


def test_refused_field_value_leaves_no_undo_step(window):
    topo = open_example(window)
    before = snapshot(window)
    reason = window.editor.set_field(["h1", "h2"], "vmm_io_cores", -1)
    assert reason and "vmm_io_cores" in reason
    assert snapshot(window) == before and window.document.undo_stack.count() == 0
    # Dropping a NIC's ports under a cabled one is refused by the model.
    reason = window.editor.set_field(["h1n0"], "ports", 1)
    assert reason and "cabled" in reason and topo["h1n0"].ports == 2


def test_mouse_drag_of_two_selected_servers_is_one_undo_step(qtbot, window):
    topo = open_example(window)
    scene, view = window.scene, window.view
    h1, h2 = scene.top_items["h1"], scene.top_items["h2"]
    old = {sid: (topo[sid].x, topo[sid].y) for sid in ("h1", "h2")}
    scene.select_ids(["h1", "h2"])
    grip = h1.mapToScene(QPointF(h1.width / 2, h1.footer_y + 12))  # the footer: the server itself
    start = show_scene_point(window, grip)
    assert view.itemAt(start) is h1
    depth = window.document.undo_stack.count()
    drag(qtbot, window, start, start + QPoint(100, 60))
    assert window.document.undo_stack.count() == depth + 1
    assert sorted(scene.selected_ids()) == ["h1", "h2"]
    for sid, (x, y) in old.items():
        element = topo[sid]
        assert (element.x, element.y) == (x + 100, y + 60)  # snapped to the 20 px grid
        assert (scene.top_items[sid].x(), scene.top_items[sid].y()) == (x + 100, y + 60)
    # The cables came along: each still starts at its NIC port.
    for end in ("h1n0:0", "h2n0:1"):
        nic_id, index = end.split(":")
        link = topo.cable_at(nic_id, int(index))
        start_point = scene.cables[link.id].path().pointAtPercent(0)
        assert start_point == scene.port_item(end).scenePos()
    moved = snapshot(window)
    undo(window)
    for sid, (x, y) in old.items():
        assert (topo[sid].x, topo[sid].y) == (x, y)
        assert (scene.top_items[sid].x(), scene.top_items[sid].y()) == (x, y)
    assert scene.cables["h1n0:0--tor"].path().pointAtPercent(0) == scene.port_item("h1n0:0").scenePos()
    redo(window)
    assert snapshot(window) == moved
    assert (h2.x(), h2.y()) == (old["h2"][0] + 100, old["h2"][1] + 60)


def test_a_click_without_moving_adds_no_undo_step(qtbot, window):
    open_example(window)
    h1 = window.scene.top_items["h1"]
    start = show_scene_point(window, h1.mapToScene(QPointF(h1.width / 2, h1.footer_y + 12)))
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    assert window.scene.selected_ids() == ["h1"]
    assert window.document.undo_stack.count() == 0


def test_paste_keeps_inner_links_and_gives_new_ids(window):
    topo = open_example(window)
    before = snapshot(window)
    old_ids = set(topo.elements)
    text = window.editor.copy_text(["h1", "tor"])
    error, new = window.editor.paste_text(text, QPointF(0, 1000))
    assert error is None
    assert len(new) == 8 and not set(new) & old_ids  # h1, its NIC, VF and 4 VMs, and tor
    new_kinds = sorted(topo[i].KIND for i in new)
    assert new_kinds == sorted(["server", "nic", "vf", "vm", "vm", "vm", "vm", "switch"])
    new_switch = next(i for i in new if topo[i].KIND == "switch")
    new_nic = next(i for i in new if topo[i].KIND == "nic")
    new_vf = next(i for i in new if topo[i].KIND == "vf")
    pasted_links = [link for link in topo.links.values() if link.a.startswith(new_nic + ":")]
    assert sorted((l.a, l.b) for l in pasted_links) == [(f"{new_nic}:0", new_switch), (f"{new_nic}:1", new_switch)]
    # tor's uplinks to the networks were not inside the selection and are not copied.
    assert [link for link in topo.links.values() if new_switch in link.ends() and link.a == new_switch] == []
    new_server = next(i for i in new if topo[i].KIND == "server")
    vms = topo.vms_of(new_server)
    assert sorted(v.vnics[0].device() for v in vms) == sorted([new_vf, new_nic, new_nic, new_nic])
    # Pasted at the cursor: the copy's top-left corner is the point given.
    tops = [topo[i] for i in new if topo[i].KIND in ("server", "switch")]
    assert (min(e.x for e in tops), min(e.y for e in tops)) == (0.0, 1000.0)
    for i in new:
        assert window.scene.element_item(i) is not None
    for link in pasted_links:
        assert link.id in window.scene.cables
    assert window.document.undo_stack.count() == 1
    undo(window)
    assert snapshot(window) == before
    assert not set(new) & set(window.scene.all_element_ids())
    redo(window)
    assert set(new) <= set(topo.elements)


def test_copy_and_paste_through_the_window_clipboard(window):
    topo = open_example(window)
    window.scene.select_ids(["h2"])
    assert window.edit_copy()
    window.edit_paste()
    pasted = window.scene.selected_ids()
    assert len(pasted) == 8 and "h2" not in pasted
    server = next(i for i in pasted if topo[i].KIND == "server")
    # Without a cursor position the copy lands on free space: it overlaps nothing on the canvas.
    rect = window.scene.top_items[server].sceneBoundingRect()
    assert not [i for i, it in window.scene.top_items.items() if i != server and it.sceneBoundingRect().intersects(rect)]
    assert window.document.undo_stack.count() == 1


def test_duplicate_is_one_step_and_selects_the_copy(window):
    topo = open_example(window)
    before = snapshot(window)
    window.scene.select_ids(["h2"])
    old_ids = set(topo.elements)
    window.act_duplicate.trigger()
    new = set(topo.elements) - old_ids
    assert len(new) == 8
    assert set(window.scene.selected_ids()) == new
    server = next(i for i in new if topo[i].KIND == "server")
    # Passthrough and VF guests follow their copied devices, not the originals.
    devices = {vnic.device() for vm in topo.vms_of(server) for vnic in vm.vnics}
    assert devices and devices <= new
    assert window.document.undo_stack.count() == 1
    undo(window)
    assert snapshot(window) == before
    assert not new & set(window.scene.all_element_ids())


def test_bulk_add_through_the_dialog_is_one_step(window, monkeypatch):
    topo = open_example(window)
    before = snapshot(window)

    def accept(dialog):
        dialog.servers.setValue(3)
        dialog.vms.setValue(2)
        dialog.mode.setCurrentIndex(dialog.mode.findData("vf"))
        dialog.switch.setCurrentIndex(dialog.switch.findData("tor"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(BulkAddDialog, "exec", accept)
    old = set(topo.elements)
    window.act_bulk.trigger()
    new = [i for i in topo.elements if i not in old]
    servers = [i for i in new if topo[i].KIND == "server"]
    assert len(servers) == 3
    for sid in servers:
        (nic,) = topo.nics_of(sid)
        assert topo.wired_to(nic.id, 0) == "tor"
        vms = topo.vms_of(sid)
        assert len(vms) == 2
        assert all(vm.vnics[0].mode == "vf" and topo[vm.vnics[0].vf].parent == nic.id for vm in vms)
        assert isinstance(window.scene.element_item(sid), ServerItem)
    assert sorted(window.scene.selected_ids()) == sorted(servers)
    assert window.document.undo_stack.count() == 1
    undo(window)
    assert snapshot(window) == before
    assert not set(new) & set(window.scene.all_element_ids())
    redo(window)
    assert set(new) <= set(topo.elements)


def test_bulk_add_cancelled_changes_nothing(window, monkeypatch):
    open_example(window)
    before = snapshot(window)
    monkeypatch.setattr(BulkAddDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
    window.act_bulk.trigger()
    assert snapshot(window) == before and window.document.undo_stack.count() == 0


def test_undo_menu_action_names_the_edit(window):
    open_example(window)
    assert not window.act_undo.isEnabled()
    window.editor.set_field(["h1"], "vmm_io_cores", 3.0)
    assert window.act_undo.isEnabled() and "vmm_io_cores" in window.act_undo.text()
    window.act_undo.trigger()
    assert window.document.topology["h1"].vmm_io_cores == 2.0
    assert window.act_redo.isEnabled()
    window.act_redo.trigger()
    assert window.document.topology["h1"].vmm_io_cores == 3.0
    assert dumps(window.document.topology)  # still serialisable
