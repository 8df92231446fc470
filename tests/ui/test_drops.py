"""Drops from the palette: what each kind creates, where it is refused, and
malformed drag data arriving through a real QDropEvent."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from designer.fileformat import loads
from designer.model.elements import Network, Nic, Server, Switch, VirtualFunction
from designer.resources_access import nic_catalogue
from designer.ui.canvas.items import NetworkItem, NicItem, ServerItem, SwitchItem, VfItem, VmItem
from designer.ui.canvas.view import MIME_ELEMENT, encode_payload
from designer.ui.editor import DEFAULT_NIC

from .helpers import assert_model_valid, show_scene_point, snapshot, state, use_design

EMPTY = QPointF(-300, 520)  # inside the scene rect, clear of every item of the design below


@pytest.fixture
def design(window):
    return use_design(window, [
        Switch(id="sw1", x=700, y=-300),
        Server(id="h1", x=0, y=0),
        Nic(id="h1n0", parent="h1", ports=2, max_vfs=8),
        Nic(id="h1n1", parent="h1", ports=1, max_vfs=1),
        VirtualFunction(id="h1n1v0", parent="h1n1"),
        Server(id="h2", x=700, y=0),
        Nic(id="h2n0", parent="h2", sriov=False),
    ])


def server_body(window, server_id: str) -> QPointF:
    """A point on the server itself (its footer), not on a NIC, VM or vSwitch."""
    item = window.scene.top_items[server_id]
    return item.mapToScene(QPointF(item.width / 2, item.footer_y + 12))


def nic_centre(window, nic_id: str) -> QPointF:
    item = window.scene.element_item(nic_id)
    return item.mapToScene(QPointF(item.width / 2, item.height - 4))


def new_ids(before: set[str], topo) -> list[str]:
    return [i for i in topo.elements if i not in before]


# ------------------------------------------------------------- allowed drops
@pytest.mark.parametrize("kind, cls, item_cls", [
    ("network", Network, NetworkItem),
    ("switch", Switch, SwitchItem),
    ("server", Server, ServerItem),
])
def test_top_level_kinds_drop_on_empty_canvas(window, design, kind, cls, item_cls):
    before = set(design.elements)
    depth = window.document.undo_stack.count()
    assert window.editor.drop(kind, None, EMPTY) is None
    (new,) = new_ids(before, design)
    element = design.elements[new]
    assert isinstance(element, cls)
    item = window.scene.element_item(new)
    assert isinstance(item, item_cls)
    assert (item.x(), item.y()) == (element.x, element.y)
    # Centred on the drop point (to the grid), and selected so the inspector shows it.
    centre = item.sceneBoundingRect().center()
    grid = window.scene.grid_size
    assert abs(centre.x() - EMPTY.x()) <= grid / 2 + 1 and abs(centre.y() - EMPTY.y()) <= grid / 2 + 1
    assert window.scene.selected_ids() == [new]
    assert window.document.undo_stack.count() == depth + 1


def test_nic_dropped_on_server_gets_default_nic(window, design):
    before = set(design.elements)
    assert window.editor.drop("nic", None, server_body(window, "h1")) is None
    (new,) = new_ids(before, design)
    nic = design.elements[new]
    assert isinstance(nic, Nic) and nic.parent == "h1"
    for key, value in DEFAULT_NIC.items():
        assert getattr(nic, key) == value
    assert isinstance(window.scene.element_item(new), NicItem)
    assert new in window.scene.top_items["h1"].nic_items
    assert window.scene.child_server[new] == "h1"


def test_vf_dropped_on_nic_port_uses_that_port(window, design):
    before = set(design.elements)
    port = window.scene.top_items["h1"].port_items[("h1n0", 1)]
    assert window.editor.drop("vf", None, port.scenePos()) is None
    (new,) = new_ids(before, design)
    vf = design.elements[new]
    assert isinstance(vf, VirtualFunction)
    assert (vf.parent, vf.port) == ("h1n0", 1)
    chip = window.scene.element_item(new)
    assert isinstance(chip, VfItem)
    assert chip.parentItem() is window.scene.element_item("h1n0")


def test_vm_dropped_on_server(window, design):
    before = set(design.elements)
    assert window.editor.drop("vm", None, server_body(window, "h2")) is None
    (new,) = new_ids(before, design)
    assert design.elements[new].parent == "h2"
    assert design.elements[new].vnics == []
    assert isinstance(window.scene.element_item(new), VmItem)
    assert new in window.scene.top_items["h2"].vm_items


# ------------------------------------------------------------- refused drops
REFUSED = {
    "nic on empty canvas": ("nic", lambda w: EMPTY, "server"),
    "vf outside a nic": ("vf", lambda w: server_body(w, "h1"), "NIC"),
    "vf on empty canvas": ("vf", lambda w: EMPTY, "NIC"),
    "vm on a switch": ("vm", lambda w: w.scene.top_items["sw1"].sceneBoundingRect().center(), "server"),
    "vm on empty canvas": ("vm", lambda w: EMPTY, "server"),
    "server onto a server": ("server", lambda w: server_body(w, "h1"), "empty"),
    "switch onto a nic": ("switch", lambda w: nic_centre(w, "h1n0"), "empty"),
    "network onto a switch": ("network", lambda w: w.scene.top_items["sw1"].sceneBoundingRect().center(), "empty"),
    "server onto a switch handle": ("server", lambda w: w.scene.top_items["sw1"].handle.scenePos(), "empty"),
    "vm onto a switch handle": ("vm", lambda w: w.scene.top_items["sw1"].handle.scenePos(), "server"),
    "vf on nic without sr-iov": ("vf", lambda w: nic_centre(w, "h2n0"), "SR-IOV"),
    "vf on nic at max_vfs": ("vf", lambda w: nic_centre(w, "h1n1"), "maximum"),
    "unknown kind": ("router", lambda w: EMPTY, "Unknown"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_drop_says_why_and_changes_nothing(window, design, case):
    kind, where, word = REFUSED[case]
    before = state(window)
    reason = window.editor.drop(kind, None, where(window))
    assert isinstance(reason, str) and word in reason
    assert state(window) == before


# --------------------------------------------------- real drops through the view
def catalogue_item(window, name: str):
    tree = window.palette.tree
    for top in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(top)
        for i in range(group.childCount()):
            if group.child(i).text(0) == name:
                return group.child(i)
    raise AssertionError(f"{name} is not in the palette")


def deliver_drop(window, mime: QMimeData, scene_pos: QPointF) -> tuple[bool, list[str]]:
    """Drag enter, drag move and drop on the canvas viewport, as Qt delivers a real drop.

    Returns whether the view accepted the drop and the status messages it emitted
    (the view always says something once a drop reaches it).
    """
    pos = show_scene_point(window, scene_pos)
    viewport = window.view.viewport()
    messages: list[str] = []
    window.view.statusMessage.connect(messages.append)
    try:
        args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, QDragEnterEvent(pos, *args))
        QApplication.sendEvent(viewport, QDragMoveEvent(pos, *args))
        event = QDropEvent(QPointF(pos), *args)
        QApplication.sendEvent(viewport, event)
        accepted = bool(event.isAccepted())
    finally:
        window.view.statusMessage.disconnect(messages.append)
    return accepted, messages


def raw_mime(data: bytes) -> QMimeData:
    mime = QMimeData()
    mime.setData(MIME_ELEMENT, data)
    return mime


def test_catalogue_nic_dropped_through_the_view(window, design):
    entry = next(e for e in nic_catalogue() if e["name"] == "Intel E810-CQDA2")
    mime = window.palette.tree.mime_for(catalogue_item(window, "Intel E810-CQDA2"))
    assert mime.hasFormat(MIME_ELEMENT)
    # The view accepts the drag as it enters.
    pos = show_scene_point(window, server_body(window, "h2"))
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window.view.viewport(), enter)
    assert bool(enter.isAccepted())

    before = set(design.elements)
    accepted, messages = deliver_drop(window, mime, server_body(window, "h2"))
    assert accepted and messages == ["Added nic."]
    (new,) = new_ids(before, design)
    nic = design.elements[new]
    assert isinstance(nic, Nic) and nic.parent == "h2"
    assert (nic.model, nic.ports, nic.port_gbps, nic.pcie_gbps, nic.max_vfs, nic.sriov) == (
        entry["model"], entry["ports"], entry["port_gbps"], entry["pcie_gbps"], entry["max_vfs"], entry["sriov"])
    assert nic.model == "Intel E810-CQDA2" and nic.port_gbps == 100 and nic.max_vfs == 256
    item = window.scene.element_item(new)
    assert isinstance(item, NicItem) and len(item.ports) == entry["ports"]


def test_drag_enter_without_rackio_data_is_ignored(window, design):
    mime = QMimeData()
    mime.setText("just text")
    enter = QDragEnterEvent(show_scene_point(window, EMPTY), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window.view.viewport(), enter)
    assert not bool(enter.isAccepted())


MALFORMED = {
    "bad json": b'{"kind": "nic", "preset": {',
    "not utf-8": b'\xff\xfe{"kind": "nic"}',
    "a json list": b'["nic", {}]',
    "unknown kind": b'{"kind": "router", "preset": {}}',
    "kind not a string": b'{"kind": 3, "preset": {}}',
    "preset not an object": b'{"kind": "nic", "preset": [1, 2]}',
    "empty": b"",
    "too large": b'{"kind": "nic", "preset": {"label": "' + b"x" * 70000 + b'"}}',
    "deeply nested": b'{"kind": "nic", "preset": ' + b"[" * 5000 + b"]" * 5000 + b"}",
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_drop_data_changes_nothing(window, design, case):
    before = state(window)
    mime = raw_mime(MALFORMED[case])
    accepted, messages = deliver_drop(window, mime, server_body(window, "h1"))
    assert not accepted
    assert messages == ["That drop does not carry a RackIO element."]
    assert state(window) == before


BAD_PRESETS = {
    "negative port speed": {"port_gbps": -25},
    "nan and text": {"port_gbps": float("nan"), "ports": "four", "pcie_gbps": float("inf")},
    "out of range": {"ports": 0, "max_vfs": -1, "pcie_gbps": 1e400, "sriov": "yes"},
    "huge label and foreign keys": {"label": "L" * 5000, "parent": "sw1", "id": "h1", "kind": "switch",
                                    "x": "left", "vnics": [{"mode": "vf"}]},
}


@pytest.mark.parametrize("case", list(BAD_PRESETS))
def test_malformed_preset_never_reaches_the_model(window, design, case):
    before = set(design.elements)
    data = json.dumps({"kind": "nic", "preset": BAD_PRESETS[case]}).encode()  # NaN/Infinity as JSON allows
    mime = raw_mime(data)
    accepted, messages = deliver_drop(window, mime, server_body(window, "h1"))
    assert messages  # the drop reached the view
    added = new_ids(before, design)
    assert len(added) <= 1
    for new in added:
        nic = design.elements[new]
        assert isinstance(nic, Nic) and nic.parent == "h1"  # "parent"/"id"/"kind" keys are not obeyed
        assert nic.port_gbps >= 0 and nic.ports >= 1 and nic.max_vfs >= 0
        assert nic.pcie_gbps == nic.pcie_gbps and nic.pcie_gbps != float("inf")
        assert isinstance(nic.sriov, bool) and len(nic.label) <= 4096
    assert_model_valid(design)
    loads(snapshot(window))  # the design still saves and loads


def test_preset_values_from_drag_data_are_applied_when_valid(window, design):
    before = set(design.elements)
    payload = encode_payload("server", {"cores": 96, "vmm_io_cores": 6.5, "iommu": False, "label": "Big box"})
    mime = raw_mime(payload)
    accepted, messages = deliver_drop(window, mime, EMPTY)
    assert accepted and messages == ["Added server."]
    (new,) = new_ids(before, design)
    server = design.elements[new]
    assert (server.cores, server.vmm_io_cores, server.iommu, server.label) == (96, 6.5, False, "Big box")


# ------------------------------------------------------------------ Insert menu
def test_insert_menu_puts_contained_kinds_into_the_selection(window, design):
    before = set(design.elements)
    window.scene.select_ids(["h2"])
    window.insert_actions["vm"].trigger()
    window.insert_actions["nic"].trigger()
    added = new_ids(before, design)
    assert sorted(design[i].KIND for i in added) == ["nic", "vm"]
    assert all(design[i].parent == "h2" for i in added)
    window.scene.select_ids(["h1n0"])
    window.insert_actions["vf"].trigger()
    (vf,) = new_ids(before | set(added), design)
    assert design[vf].parent == "h1n0"
    assert window.document.undo_stack.count() == 3


def test_insert_menu_without_a_fitting_selection_says_so(window, design):
    before = state(window)
    window.scene.select_ids(["sw1"])
    window.insert_actions["vf"].trigger()
    assert "Select a NIC" in window.statusBar().currentMessage()
    window.insert_actions["vm"].trigger()
    assert "Select a server" in window.statusBar().currentMessage()
    assert state(window) == before


def test_insert_menu_places_top_level_kinds_on_free_canvas(window, design):
    before = set(design.elements)
    for kind in ("network", "switch", "server"):
        window.insert_actions[kind].trigger()
    added = new_ids(before, design)
    assert sorted(design[i].KIND for i in added) == ["network", "server", "switch"]
    for element_id in added:  # not on top of anything that was there
        rect = window.scene.top_items[element_id].sceneBoundingRect()
        for other in before:
            if other in window.scene.top_items:
                assert not window.scene.top_items[other].sceneBoundingRect().contains(rect.topLeft())


def _drag_move(window, mime: QMimeData, scene_pos: QPointF) -> bool:
    pos = show_scene_point(window, scene_pos)
    QApplication.sendEvent(window.view.viewport(), QDragEnterEvent(
        pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    move = QDragMoveEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                          Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window.view.viewport(), move)
    return bool(move.isAccepted())


def test_dragging_over_a_refused_place_says_so_before_the_drop(window, design):
    """Trap 4: a NIC dragged over empty canvas is refused while dragging (no-entry cursor, the
    reason in the status bar); over a server it is accepted and the server is framed green."""
    from designer.ui import style
    mime = QMimeData()
    mime.setData(MIME_ELEMENT, encode_payload("nic", {}))
    messages: list[str] = []
    window.view.statusMessage.connect(messages.append)
    try:
        assert not _drag_move(window, mime, EMPTY)
        assert messages[-1] == "Drop a NIC onto a server."
        assert _drag_move(window, mime, server_body(window, "h2"))
        assert window.view.feedback.reason is None
        assert window.view.feedback.item.pen().color() == style.current().ok_color
        # A server dragged over a server: refused, framed red.
        server_mime = QMimeData()
        server_mime.setData(MIME_ELEMENT, encode_payload("server", {}))
        assert not _drag_move(window, server_mime, server_body(window, "h2"))
        assert window.view.feedback.item.pen().color() == style.current().error_color
        assert "empty part of the canvas" in window.view.feedback.reason
    finally:
        window.view.statusMessage.disconnect(messages.append)
