"""The Rack feature: a "Rack" tab beside the topology canvas with the elevations of the
design's racks, an Unracked tray, rack editing, and selection linked both ways.

``install(window)`` makes the central widget a tab widget ("Topology" holds the
existing canvas, still ``window.view``; "Rack" holds ``window.rack_panel``) and
adds Insert → Rack…, View → Topology / Rack Elevation and View → Show in Other View.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QTabWidget

from ...model.racks import is_racked
from .view import RackPanel


def install(window) -> None:
    topology_widget = window.takeCentralWidget()
    tabs = QTabWidget(window)
    tabs.setObjectName("centralTabs")
    tabs.setDocumentMode(True)
    tabs.addTab(topology_widget, "Topology")
    panel = RackPanel(window)
    panel.tabs = tabs
    tabs.addTab(panel, "Rack")
    window.setCentralWidget(tabs)
    window.central_tabs = tabs
    window.rack_panel = panel

    def action(text: str, slot, shortcut: str | None = None, tip: str = "") -> QAction:
        act = QAction(text, window)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
        act.triggered.connect(lambda _=False: slot())
        act.setObjectName("action_" + "".join(ch for ch in text.lower() if ch.isalnum()))
        window.addAction(act)
        return act

    window.act_insert_rack = action("&Rack…", panel.add_rack_interactive, None, "Add a rack to the design")
    window.insert_menu.addSeparator()
    window.insert_menu.addAction(window.act_insert_rack)

    window.act_show_topology = action("&Topology View", panel.show_topology_view, "Ctrl+1",
                                      "Show the logical topology canvas")
    window.act_show_racks = action("&Rack Elevation View", panel.show_rack_view, "Ctrl+2",
                                   "Show the racks from the front")

    def show_in_other_view() -> None:
        if tabs.currentWidget() is panel:
            ids = panel.scene.selected_element_ids() or panel.tray.selected_ids()
            if ids:
                panel.jump_to_topology(ids[0])
            else:
                window.show_message("Select a server or switch to show in the topology.")
            return
        ids = window.scene.selected_element_ids() if window.scene is not None else []
        racked = [i for i in ids if is_racked(window.document.topology, window.document.topology.elements[i])]
        if racked:
            panel.reveal(racked[0])
        else:
            window.show_message("Select a racked server or switch to show it in its rack.")

    window.act_show_other = action("Show in &Other View", show_in_other_view, "Ctrl+Shift+R",
                                   "Jump between the topology and the rack elevation, keeping the selection")
    window.view_menu.addSeparator()
    window.view_menu.addActions([window.act_show_topology, window.act_show_racks, window.act_show_other])

    def topology_double_click(element_id: str) -> None:
        topo = window.document.topology if window.document is not None else None
        element = topo.elements.get(element_id) if topo is not None else None
        if element is not None and is_racked(topo, element):
            panel.reveal(element_id)

    window.view.itemActivated.connect(topology_double_click)

    def problem_requested(element_id: str) -> None:
        # In the Rack tab a problem of a racked element is shown in its rack.
        if tabs.currentWidget() is panel and not panel.reveal(element_id):
            panel.show_topology_view()

    window.problems.elementRequested.connect(problem_requested)
    window.act_overlay.toggled.connect(panel.set_overlay)
    window.documentChanged.connect(panel.attach)
    window.themeChanged.connect(lambda _name: panel.invalidate())
    tabs.currentChanged.connect(lambda _i: panel.flush() if tabs.currentWidget() is panel else None)
