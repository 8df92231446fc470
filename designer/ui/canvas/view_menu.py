"""View menu and context-menu entries of the topology canvas's semantic zoom and legend.

``install(window)`` adds View → Legend Position (the corner the legend sits in, kept in
the settings) and Expand All. ``rack_menu`` and ``server_entries`` add Collapse /
Expand to the canvas context menu of a rack (its frame or block) and of a server.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup

from .lod import RackGroupItem
from .view import CORNERS

SETTING_CORNER = "view/legendCorner"


def install(window) -> None:
    view = window.view
    corner = str(window.settings.value(SETTING_CORNER, "bottom-left") or "bottom-left")
    view.legend.set_corner(corner if corner in CORNERS else "bottom-left")
    menu = window.view_menu.addMenu("Legend &Position")
    menu.setObjectName("legendPositionMenu")
    group = QActionGroup(window)
    window.legend_corner_actions = {}
    for name in CORNERS:
        action = QAction(name.replace("-", " ").capitalize(), window)
        action.setCheckable(True)
        action.setChecked(name == view.legend.corner)
        action.setObjectName("action_legend_" + name.replace("-", "_"))
        action.triggered.connect(lambda _=False, n=name: set_corner(window, n))
        group.addAction(action)
        menu.addAction(action)
        window.legend_corner_actions[name] = action
    view.legendMoved.connect(lambda name: set_corner(window, name))
    window.act_expand_all = QAction("E&xpand All Racks and Servers", window)
    window.act_expand_all.setObjectName("action_expandall")
    window.act_expand_all.setStatusTip("Undo every collapse made by hand")
    window.act_expand_all.triggered.connect(lambda _=False: expand_all(window))
    window.view_menu.addAction(window.act_expand_all)


def set_corner(window, name: str) -> None:
    window.view.legend.set_corner(name)
    window.settings.setValue(SETTING_CORNER, name)
    action = getattr(window, "legend_corner_actions", {}).get(name)
    if action is not None and not action.isChecked():
        action.setChecked(True)


def expand_all(window) -> None:
    scene = window.scene
    if scene is None:
        return
    for element_id in sorted(scene.collapsed):
        scene.set_collapsed(element_id, False)


def rack_menu(window, menu, item) -> bool:
    """The context menu of a rack on the canvas; False when ``item`` is not a rack."""
    if not isinstance(item, RackGroupItem):
        return False
    scene = window.scene
    rack_id = item.rack_id
    collapsed = scene.is_collapsed(rack_id)
    action = menu.addAction(f"Expand {item.label}" if collapsed else f"Collapse {item.label}")
    action.triggered.connect(lambda: scene.set_collapsed(rack_id, not collapsed))
    members = list(item.stats.members)
    menu.addAction(f"Select the {len(members)} servers of {item.label}").triggered.connect(
        lambda: scene.select_ids(members))
    show = getattr(window, "rack_panel", None)
    if show is not None:
        menu.addAction("Show in Rack Elevation").triggered.connect(lambda: window.rack_panel.reveal_rack(rack_id)
                                                                   if hasattr(window.rack_panel, "reveal_rack")
                                                                   else window.rack_panel.show_rack_view())
    menu.addSeparator()
    menu.addAction(window.act_fit)
    return True


def server_entries(window, menu, server_id: str) -> None:
    scene = window.scene
    collapsed = scene.is_collapsed(server_id)
    menu.addAction("Expand server" if collapsed else "Collapse server").triggered.connect(
        lambda: scene.set_collapsed(server_id, not collapsed))
