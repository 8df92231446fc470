"""Cables drawn in pieces (one per straight run): one selectable cable, small repaints."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, Qt

from designer.model.elements import Link, Nic, Server, Switch
from designer.ui.canvas.items import BEND_RADIUS, CableSegment

from .helpers import show_scene_point, use_design


def _design(window, far_y=2000.0):
    return use_design(window, [
        Switch(id="tor", x=0, y=-200),
        Server(id="h1", x=0, y=far_y),
        Nic(id="h1n0", parent="h1", ports=2),
        Server(id="h2", x=600, y=far_y),
        Nic(id="h2n0", parent="h2", ports=2),
    ], [Link(a="h1n0:0", b="tor"), Link(a="h2n0:0", b="tor")])


def test_a_long_cable_is_drawn_in_pieces_that_follow_its_ends(window):
    _design(window)
    scene = window.scene
    cable = scene.cables["h1n0:0--tor"]
    length = cable.path().length()
    assert length > 2000
    # One piece per straight run of the routed polyline, joined end to end.
    assert len(cable.segments) == len(cable.polyline) - 1 >= 2
    port = scene.port_item("h1n0:0").scenePos()
    assert cable.segments[0].path().pointAtPercent(0) == port
    assert cable.segments[-1].path().pointAtPercent(1) == cable.path().pointAtPercent(1)
    for a, b in zip(cable.segments, cable.segments[1:]):
        assert a.path().pointAtPercent(1) == b.path().pointAtPercent(0)
    assert math.isclose(sum(seg.path().length() for seg in cable.segments), length, rel_tol=1e-6)
    # Every piece has the cable's pen and tooltip, and covers a thin strip only.
    for seg in cable.segments:
        assert seg.pen().color() == cable.pen().color()
        assert seg.toolTip() == cable.toolTip()
        rect = seg.sceneBoundingRect()
        assert min(rect.width(), rect.height()) <= 2 * BEND_RADIUS + 1
    # The cable item itself covers nothing: moving one server never dirties the
    # rectangle a long cable spans.
    assert cable.boundingRect().isEmpty()


def test_moving_a_server_moves_only_its_own_pieces(window):
    _design(window)
    scene = window.scene
    other = [seg.path() for seg in scene.cables["h2n0:0--tor"].segments]
    scene.top_items["h1"].setPos(QPointF(0, 1200))
    scene.flush()
    moved = scene.cables["h1n0:0--tor"]
    assert moved.segments[0].path().pointAtPercent(0) == scene.port_item("h1n0:0").scenePos()
    assert [seg.path() for seg in scene.cables["h2n0:0--tor"].segments] == other


def test_clicking_any_piece_selects_the_cable_and_draws_a_halo(qtbot, window):
    _design(window, far_y=600.0)
    scene, view = window.scene, window.view
    cable = scene.cables["h1n0:0--tor"]
    piece = cable.segments[len(cable.segments) // 2]
    point = piece.path().pointAtPercent(0.5)
    pos = show_scene_point(window, point)
    assert isinstance(view.itemAt(pos), CableSegment)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert cable.isSelected()
    assert scene.selected_link_ids() == ["h1n0:0--tor"]
    halo = cable._halo
    assert halo is not None and halo.pen().widthF() > cable.pen().widthF()
    assert halo.path() == cable.path()
    scene.clearSelection()
    assert cable._halo is None


def test_selected_cable_follows_its_server(window):
    _design(window, far_y=600.0)
    scene = window.scene
    cable = scene.cables["h1n0:0--tor"]
    scene.select_ids(["h1n0:0--tor"])
    scene.top_items["h1"].setPos(QPointF(-300, 800))
    scene.flush()
    assert cable._halo is not None and cable._halo.path() == cable.path()
    assert cable.path().pointAtPercent(0) == scene.port_item("h1n0:0").scenePos()
