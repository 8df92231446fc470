"""The design scene: follows the model, never edits it.

Model events mark what is stale (a top-level item, a server's contents, a
cable); ``flush`` brings the items up to date in one pass, so a command that
touches fifty elements rebuilds each server once. The document flushes after
every command, undo and redo; a zero-delay timer catches anything else.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, QSizeF, QTimer, Signal
from PySide6.QtGui import QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from ...diagram.routing import Box, CableLayout, Port
from ...model.elements import Network, Server, Switch, split_port_end
from ...model.topology import ModelEvent, Topology
from ...solver import Solution
from .. import style
from ..plain import show_scene_tooltip
from .items import (
    HIDDEN,
    CableItem,
    RackLayer,
    ElementItem,
    NetworkItem,
    PortItem,
    ServerItem,
    SwitchItem,
    VmOverlay,
)
from .lod import (
    RACK_BLOCK_PX,
    RACK_LABEL_H,
    RACK_PAD,
    BundleItem,
    RackGroupItem,
    RackStats,
    block_anchor,
    server_level,
)

VIEW_KEY = "view"  # the project's view state (topology.extra): {"collapsed": [rack and server ids]}

TOP_LEVEL = ("network", "switch", "server")
# Up to this many cables, a drop routes every cable afresh (about 0.1 s for 100 cables
# on a slow machine); beyond, only what the moved box affects.
FULL_ROUTE_LIMIT = 300
GRID = 20.0


# Up to this many guests a scene makes every server's child items at once (as small
# designs always did); above it only the servers drawn in detail make theirs.
EAGER_GUESTS = 3000
# The cables inside racks drawn as blocks are drawn in idle time: from this long after the
# first solution lands, or after the open when none does (milliseconds).
REALIZE_AFTER_SOLVE_MS = 100
REALIZE_FALLBACK_MS = 3000
STALE_QUIET_S = 0.15  # racks off screen change level once the view has been still this long


class DesignScene(QGraphicsScene):
    elementsChanged = Signal()
    overlayChanged = Signal()  # a new solution, or the overlay switched on or off

    def __init__(self, topology: Topology, parent=None, eager: bool | None = None,
                 defer_cables: bool = False) -> None:
        super().__init__(parent)
        self.forced_level: str | None = None  # exports: "detail", "summary" or "racks" at any scale
        self.topology = topology
        self.top_items: dict[str, ElementItem] = {}
        self.cables: dict[str, CableItem] = {}
        self.routes = CableLayout()  # where every cable runs (designer.diagram.routing)
        self.child_server: dict[str, str] = {}  # NIC / VF / VM id -> server id
        self.solution: Solution | None = None
        self.overlay_enabled = True
        self.show_grid = True
        self.snap_to_grid = True
        self.grid_size = GRID
        self._dirty_top: set[str] = set()
        self._dirty_servers: set[str] = set()
        self._dirty_cables = False
        self._reroute = True  # route every cable afresh at the next sync
        self._dragged = False  # item_moved re-routed part of the design since then
        self._moved_tops: set[str] = set()  # created or resized since the last sync: re-route around them
        self._removed_tops: set[str] = set()
        self._links_changed = False
        self._overlay_servers: set[str] = set()
        self._shown_vm_table = None  # the guest numbers the badges show now
        self._vm_table_now = None  # the guest numbers of the current solution
        self._full_rebuild = False
        # While items are being created: the area of those placed so far, so that each element
        # without a position goes right of it without walking every item again (None: unknown).
        self._placed_rect: QRectF | None = None
        self.zoom = 1.0  # the view's scale; the level of detail follows it
        self.racks: dict[str, RackGroupItem] = {}
        self.layers: dict[str, RackLayer] = {}
        self._link_racks: dict[str, tuple[str | None, str | None]] = {}  # rack of each cable end's server
        self._between_racks: tuple[int, list[tuple[str, str, str]]] | None = None  # _cables_between_racks
        self._bundle_peaks: tuple[int, dict] = (-1, {})  # each bundle's busiest cable: set of cables, figures
        self._marked_servers: set[str] = set()  # servers outlined by _update_marks
        self._rack_ends: tuple[int, list[tuple[str, str | None, str | None, str, str]]] | None = None
        self._hidden_racks: set[str] = set()  # racks drawn as blocks now
        self._stale_racks: set[str] = set()  # racks not yet at the level the zoom asks for (_apply_levels)
        self._level_timer = QTimer(self)
        self._level_timer.setSingleShot(True)
        self._level_timer.timeout.connect(self._apply_stale_some)
        self._stale_after = 0.0  # perf_counter time before which stale racks wait (_hold_stale)
        self.bundles: dict[tuple[str, str], BundleItem] = {}
        self.collapsed: set[str] = set(_collapsed_ids(topology))
        self.eager_children = (sum(1 for e in topology.elements.values() if e.KIND == "vm") <= EAGER_GUESTS
                               if eager is None else eager)
        self._build_queue: list[str] = []
        self._build_timer = QTimer(self)
        self._build_timer.setSingleShot(True)
        self._build_timer.setInterval(1)  # not 0: painting gets its turn between slices
        self._build_timer.timeout.connect(self._build_some)
        self.lazy_cables = not self.eager_children  # large designs route a rack's cables once it is drawn
        # A large design shown in a view (``defer_cables``, the window's canvas) makes the pieces
        # of the cables inside a rack when the rack is first drawn open, or in idle time after
        # the open: routed at once, drawn when they can be seen (``realize_shown``).
        self.defer_cables = defer_cables and self.lazy_cables
        self._pending_cables: dict[str, dict[str, CableItem]] = {}  # rack -> its cables not drawn yet
        self._realize_timer = QTimer(self)
        self._realize_timer.setSingleShot(True)
        self._realize_timer.timeout.connect(self._realize_some)
        self.viewStateChanged = None  # callable: the view state in the project changed
        self._res_index: tuple[object, dict[str, int]] | None = None
        # Bumped whenever cables, boxes or racks were synced: what is derived from the cables
        # (bundles, uplinks per rack) is cached against it.
        self._cables_version = 0
        self._bundle_groups: tuple | None = None
        self._uplink_cache: tuple | None = None
        self._vm_index: tuple[list[str], dict[str, int]] | None = None
        self._overlay_solution: Solution | None = None  # the solution the cables show now
        self._cable_res: dict[str, tuple[int, int]] = {}
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self.flush)
        self.setBackgroundBrush(style.current().canvas_bg)
        self.rebuild_all()
        topology.subscribe(self.on_model_event)
        self.selectionChanged.connect(self._update_marks)

    def detach(self) -> None:
        self.topology.unsubscribe(self.on_model_event)

    def helpEvent(self, event) -> None:  # noqa: N802 (Qt name)
        show_scene_tooltip(self, event)  # labels from the file are shown as text, never as HTML

    # ---------------------------------------------------------------- building
    def rebuild_all(self) -> None:
        self.clearSelection()
        for item in (list(self.cables.values()) + list(self.top_items.values()) + list(self.racks.values())
                     + list(self.bundles.values()) + list(self.layers.values())):
            if item.scene() is self:
                self.removeItem(item)
        self.layers.clear()
        self.top_items.clear()
        self.cables.clear()
        self._pending_cables.clear()
        self.child_server.clear()
        self.racks.clear()
        self.bundles.clear()
        self.collapsed = set(_collapsed_ids(self.topology))
        self._placed_rect = None
        for element in self.topology.elements.values():
            if element.KIND in TOP_LEVEL:
                self._create_top(element.id)
        self._placed_rect = None
        self._sync_racks()
        self._reroute = True
        self._sync_cables()
        self._shown_vm_table = None
        self._apply_levels()
        self._apply_overlay()
        self._update_scene_rect()
        if self._pending_cables:
            self._realize_timer.start(REALIZE_FALLBACK_MS)  # sooner once the first solution is drawn

    def _create_top(self, element_id: str) -> None:
        element = self.topology.elements[element_id]
        if isinstance(element, Server):
            item: ElementItem = ServerItem(element, self.topology, eager=self.eager_children,
                                           collapsed=element_id in self.collapsed, level=server_level(self.zoom))
            for child in item.contained:
                self.child_server[child] = element_id
        elif isinstance(element, Switch):
            item = SwitchItem(element)
        else:
            assert isinstance(element, Network)
            item = NetworkItem(element)
        x, y = element.x, element.y
        if x is None or y is None:
            x, y = self._free_spot(item)
        item.setPos(x, y)
        layer = self._layer_for(getattr(element, "rack", None)) if isinstance(element, Server) else None
        if layer is not None:
            item.setParentItem(layer)  # the layer is in the scene: so is the server now
        else:
            self.addItem(item)
        self.top_items[element_id] = item
        if self._placed_rect is not None:
            self._placed_rect = self._placed_rect.united(item.sceneBoundingRect())

    def _free_spot(self, item: ElementItem) -> tuple[float, float]:
        """Somewhere right of everything else, for elements without a position."""
        if not self.top_items:
            return 0.0, 0.0
        if self._placed_rect is None:
            self._placed_rect = self.content_rect()  # then kept up to date as items are created
        rect = self._placed_rect
        return rect.right() + 60.0, rect.top()

    # ----------------------------------------------------------- model events
    def on_model_event(self, event: ModelEvent) -> None:
        kind = event.kind
        if kind == "reset":
            self._full_rebuild = True
        elif kind in ("element-added", "element-removed", "element-changed"):
            element = self.topology.elements.get(event.id)
            if element is not None and element.KIND in TOP_LEVEL:
                self._dirty_top.add(event.id)
            elif element is None and event.id in self.top_items:
                self._dirty_top.add(event.id)
            else:
                server = self._server_for(event.id)
                if server is not None:
                    self._dirty_servers.add(server)
                # A VM attached to a removed device of another server, etc.
                self._dirty_cables = True
        elif kind in ("link-added", "link-removed", "link-changed"):
            self._dirty_cables = True
        self._flush_timer.start()

    def _server_for(self, element_id: str) -> str | None:
        server = self.topology.server_of(element_id)
        if server is not None:
            return server.id
        return self.child_server.get(element_id)

    def flush(self) -> None:
        """Bring every stale item up to date."""
        self._flush_timer.stop()
        if self._full_rebuild:
            self._full_rebuild = False
            self._dirty_top.clear()
            self._dirty_servers.clear()
            self.rebuild_all()
            self.elementsChanged.emit()
            return
        if not (self._dirty_top or self._dirty_servers or self._dirty_cables):
            return
        selected = set(self.selected_ids())
        # Rebuilding a server replaces its NIC, VF and VM items, which drops them from
        # the selection for a moment; ``_update_items`` puts the selection back, so that
        # transient change must not reach listeners (the inspector would show the
        # project page while the element is still selected on the canvas).
        blocked = self.blockSignals(True)
        try:
            self._update_items(selected)
        finally:
            self.blockSignals(blocked)
        self._update_scene_rect()
        if set(self.selected_ids()) != selected:
            self.selectionChanged.emit()  # a selected element went away
        self.elementsChanged.emit()

    def _update_items(self, selected: set[str]) -> None:
        self._placed_rect = None
        removed: set[str] = set()
        racks_changed = bool(self._dirty_servers) or set(self.racks) != set(self.topology.racks)
        for element_id in sorted(self._dirty_top):
            element = self.topology.elements.get(element_id)
            item = self.top_items.get(element_id)
            if element is None:
                if item is not None:
                    self.removeItem(item)
                    del self.top_items[element_id]
                    self._removed_tops.add(element_id)
                    removed.add(element_id)
                    self._placed_rect = None  # the area shrank: measured afresh when needed
                    racks_changed = True
                continue
            if item is None:
                self._create_top(element_id)
                self._moved_tops.add(element_id)
                racks_changed = True
                continue
            if element.x is not None and element.y is not None and (item.x(), item.y()) != (element.x, element.y):
                item.setPos(element.x, element.y)  # re-routes what it affects (item_moved)
            item.update_from(element)  # type: ignore[attr-defined]
            self._placed_rect = None  # the item may have moved or changed size
            if isinstance(item, ServerItem):
                self._overlay_servers.add(element_id)
                if getattr(item, "rack_seen", None) != item.server.rack:
                    racks_changed = True  # moved to another rack (or out of one)
        if removed:  # one pass for all removed servers' contents, not one per server
            self.child_server = {c: s for c, s in self.child_server.items() if s not in removed}
        self._placed_rect = None
        for server_id in self._dirty_servers:
            item = self.top_items.get(server_id)
            if isinstance(item, ServerItem) and server_id in self.topology.elements:
                for child in item.contained:
                    self.child_server.pop(child, None)
                item.rebuild(self.topology)
                self._moved_tops.add(server_id)  # its size or sockets may have changed
                for child in item.contained:
                    self.child_server[child] = server_id
                self._overlay_servers.add(server_id)
        self._dirty_top.clear()
        self._dirty_servers.clear()
        if self._dirty_cables:
            self._links_changed = True
        self._dirty_cables = False
        if racks_changed:
            self._sync_racks()
        if racks_changed or self._links_changed or self._moved_tops or self._removed_tops or self._reroute \
                or self._dragged:
            self._sync_cables()  # else no cable, socket or box changed (a field edit): nothing to route
            cables_synced = True
        else:
            cables_synced = False
        if racks_changed:
            self._apply_levels()
        self._apply_overlay(servers=self._overlay_servers, cables=cables_synced or racks_changed)
        self._overlay_servers = set()
        self.select_ids({i for i in selected if self.element_item(i) is not None}, notify=False)

    # ----------------------------------------------------------------- cables
    def _sync_cables(self) -> None:
        links = self.topology.links
        for link_id in list(self.cables):
            if link_id not in links:
                self.removeItem(self.cables.pop(link_id))
                for waiting in self._pending_cables.values():
                    waiting.pop(link_id, None)
        for link_id in links:
            if link_id not in self.cables:
                # Into the scene once drawn (below): its pieces join the scene's index with their
                # geometry, not first empty and then again at each change.
                self.cables[link_id] = CableItem(link_id)
        for port in self.port_items():
            port.wired = False
        self._link_racks = {}
        for link_id, cable in self.cables.items():
            link = links[link_id]
            cable.base_tip = f"Cable {link_id}" + (f": {link.gbps:g} Gbit/s" if link.gbps is not None else "")
            for end in (link.a, link.b):
                port = self._built_port(end)
                if port is not None:
                    port.wired = True
                    port.update()
        if self._dragged and len(links) <= FULL_ROUTE_LIMIT:
            # A drag re-routed incrementally; once it lands everything is routed afresh,
            # so cables that went around the old spot take the short way again.
            self._reroute = True
        if self._reroute:
            self._route_all()
        else:
            self._route_changes()
        self._reroute = self._dragged = self._links_changed = False
        self._moved_tops.clear()
        self._removed_tops.clear()
        for item in self.top_items.values():
            if isinstance(item, SwitchItem):
                # Every cable at a switch takes one of its ports, uplinks included.
                used = len(self.topology.links_of(item.element_id))
                if used != item.ports_used:
                    item.ports_used = used
                    item.update()
        self._link_racks = {}
        self._cables_version += 1
        for link_id, cable in self.cables.items():
            link = links[link_id]
            racks = (self._server_rack_of_end(link.a), self._server_rack_of_end(link.b))
            self._link_racks[link_id] = racks
            # A cable whose server ends all stand in one rack is drawn (or not) with that rack.
            inside = {r for r in racks if r is not None}
            layer = self.layers.get(next(iter(inside))) if len(inside) == 1 else None
            if cable.pending and (layer is None or (cable.parentItem() is not layer and cable.scene() is not None)):
                cable.realize()  # not in a rack's layer, or moved to another one: drawn now
            if cable.parentItem() is not layer:
                cable.setParentItem(layer)
            if cable.scene() is None:
                self.addItem(cable)
            if cable.pending:
                self._pending_cables.setdefault(layer.rack_id, {})[link_id] = cable  # type: ignore[union-attr]

    def _server_rack_of_end(self, end: str) -> str | None:
        """The rack (with a layer) of the server a cable end belongs to."""
        split = split_port_end(end)
        element_id = self.child_server.get(split[0], "") if split is not None else end
        item = self.top_items.get(element_id)
        if isinstance(item, ServerItem) and item.server.rack in self.layers:
            return item.server.rack
        return None

    def _port_server(self, end: str) -> tuple[ServerItem, tuple[str, int]] | None:
        """The server item holding a NIC port end ``nic:port``, and the split end."""
        split = split_port_end(end)
        if split is None:
            return None
        server_id = self.child_server.get(split[0])
        server = self.top_items.get(server_id) if server_id else None
        return (server, split) if isinstance(server, ServerItem) else None

    def port_item(self, end: str) -> PortItem | None:
        """The socket item of a NIC port (its server's child items are made if need be)."""
        found = self._port_server(end)
        return found[0].port_items.get(found[1]) if found is not None else None

    def port_point(self, end: str) -> QPointF | None:
        """Scene position of a NIC port's socket, whether or not its items exist."""
        found = self._port_server(end)
        if found is None:
            return None
        local = found[0].port_pos.get(found[1])
        return found[0].mapToScene(local) if local is not None else None

    def port_items(self):
        """The socket items that exist (servers never shown in detail have none)."""
        for item in self.top_items.values():
            if isinstance(item, ServerItem):
                yield from item.built_port_items().values()

    def children_built(self, server: ServerItem) -> None:
        """A server made its child items: give its sockets and guests the current overlay."""
        links = self.topology.links
        for (nic_id, p), port in server.built_port_items().items():
            link = self.topology.cable_at(nic_id, p)
            port.wired = link is not None and link.id in links
            cable = self.cables.get(link.id) if link is not None else None
            sol = self.solution if self.overlay_enabled else None
            port.color = (style.utilization_color(cable.utilization)
                          if sol is not None and cable is not None and cable.utilization is not None else None)
        table = self._vm_table_now if self.solution is not None and self.overlay_enabled else None
        for vm_id, vm_item in server.built_vm_items().items():
            vm_item.set_overlay(self._vm_overlay(table, vm_id))

    def _layout_box(self, element_id: str, item: ElementItem) -> None:
        if isinstance(item, ServerItem):
            self.routes.set_box(element_id, item.box())
            self.routes.set_ports(element_id, self._ports_of(item))
        else:
            w, h = item.W, item.H  # type: ignore[attr-defined]
            self.routes.set_box(element_id, Box(item.x(), item.y(), w, h), ellipse=isinstance(item, NetworkItem))

    @staticmethod
    def _ports_of(server: ServerItem) -> dict[str, Port]:
        ports = {}
        items = sorted(server.port_pos.items(), key=lambda kv: kv[1].x())  # no child items needed
        for rank, ((nic_id, p), local) in enumerate(items):
            pos = server.mapToScene(local)
            ports[f"{nic_id}:{p}"] = Port((pos.x(), pos.y()), server.element_id, rank, len(items))
        return ports

    def _route_all(self) -> None:
        """Route every cable afresh from the items' current geometry."""
        layout = self.routes
        for element_id, item in self.top_items.items():
            self._layout_box(element_id, item)
        for key in [k for k in layout.index.boxes if k not in self.top_items]:
            layout.index.remove(key)
        for end in [e for e, p in layout.ports.items() if p.server not in self.top_items]:
            del layout.ports[end]
        layout.set_links({link_id: (link.a, link.b) for link_id, link in self.topology.links.items()})
        paths = layout.route_all()
        defer = self.defer_cables
        for link_id, cable in self.cables.items():
            self._draw_cable(cable, paths.get(link_id), defer)

    def _route_changes(self) -> None:
        """Re-route what the last changes affect: boxes added, removed or resized, cables
        added or removed (and the cables whose landing slot that moved)."""
        routes = self.routes
        changed: set[str] = set()
        for element_id in self._removed_tops:
            routes.drop(element_id)
        for element_id in self._moved_tops:
            item = self.top_items.get(element_id)
            if item is None:
                continue
            if isinstance(item, ServerItem):
                changed |= routes.move(element_id, item.box(), self._ports_of(item))
            else:
                self._layout_box(element_id, item)
                changed |= routes.move(element_id, routes.index.boxes[element_id])
        if self._links_changed or self._removed_tops:
            changed |= routes.update_links({link_id: (link.a, link.b)
                                            for link_id, link in self.topology.links.items()})
        for link_id in changed:
            cable = self.cables.get(link_id)
            if cable is not None:
                self._draw_cable(cable, routes.paths.get(link_id))
        for link_id, cable in self.cables.items():
            if not cable.polyline and link_id in routes.paths:
                self._draw_cable(cable, routes.paths[link_id])  # a new cable item

    @staticmethod
    def _draw_cable(cable: CableItem, points, defer: bool = False) -> None:
        if points:
            cable.set_polyline(points, defer)  # a new cable's pieces may wait (``_sync_cables``)
        else:
            cable.setPath(QPainterPath())  # an end that is not drawn: no cable either

    # ------------------------------------------------- cables drawn when seen
    def realize_shown(self) -> None:
        """Make the pieces of the waiting cables whose rack is drawn open (the view asks this
        before it paints; exports before they render): no cable is ever missing from a
        picture, and the racks drawn as blocks wait."""
        if not self._pending_cables:
            return
        for rack_id in list(self._pending_cables):
            layer = self.layers.get(rack_id)
            if layer is None or layer.opacity() > 0.0:
                for cable in self._pending_cables.pop(rack_id).values():
                    cable.realize()

    def _realize_some(self) -> None:
        """Idle time after an open: the waiting cables in slices, so that no zoom step that
        opens the racks has to make them all at once."""
        import time

        deadline = time.perf_counter() + 0.010
        waiting = self._pending_cables
        while waiting and time.perf_counter() < deadline:
            rack_id = next(iter(waiting))
            cables = waiting[rack_id]
            while cables and time.perf_counter() < deadline:
                cables.pop(next(iter(cables))).realize()
            if not cables:
                del waiting[rack_id]
        if waiting:
            self._realize_timer.start(1)  # not 0: painting and input get their turn

    def render(self, *args, **kwargs) -> None:
        self.realize_shown()  # an export draws what is shown, waiting cables included
        super().render(*args, **kwargs)

    def _built_port(self, end: str) -> PortItem | None:
        split = split_port_end(end)
        if split is None:
            return None
        server = self.top_items.get(self.child_server.get(split[0], ""))
        return server.built_port_items().get(split) if isinstance(server, ServerItem) else None

    def item_moved(self, element_id: str) -> None:
        """Re-route what a moved top-level item affects (during a drag)."""
        item = self.top_items.get(element_id)
        rack = getattr(getattr(item, "server", None), "rack", None)
        if rack in self.racks:
            self._update_rack_rect(rack)
            self._update_bundles()
        if item is None or element_id not in self.routes.index.boxes:
            return
        if isinstance(item, ServerItem):
            changed = self.routes.move(element_id, item.box(), self._ports_of(item))
        else:
            w, h = item.W, item.H  # type: ignore[attr-defined]
            changed = self.routes.move(element_id, Box(item.x(), item.y(), w, h))
        self._dragged = True
        for link_id in changed:
            cable = self.cables.get(link_id)
            if cable is not None:
                self._draw_cable(cable, self.routes.paths.get(link_id))

    # ---------------------------------------------------------------- overlay
    def set_solution(self, solution: Solution | None) -> None:
        self.solution = solution
        self._apply_overlay()
        self.overlayChanged.emit()
        timer = self._realize_timer
        if self._pending_cables and not (timer.isActive() and timer.remainingTime() <= REALIZE_AFTER_SOLVE_MS):
            timer.start(REALIZE_AFTER_SOLVE_MS)  # the overlay is drawn: idle time follows

    def set_overlay_enabled(self, enabled: bool) -> None:
        self.overlay_enabled = enabled
        self._apply_overlay()
        self.overlayChanged.emit()

    # ------------------------------------------------------- lazy child items
    def request_build(self, server: ServerItem) -> None:
        """A server drawn in detail has no child items yet: make them soon (a few per frame)."""
        if server.element_id not in self._build_queue:
            self._build_queue.append(server.element_id)
        self._build_timer.start()

    def _build_some(self) -> None:
        import time

        deadline = time.perf_counter() + 0.006  # a slice that leaves the frame its time
        while self._build_queue and time.perf_counter() < deadline:
            item = self.top_items.get(self._build_queue.pop(0))
            if isinstance(item, ServerItem) and item.level == "detail":
                if item.ensure_built():
                    item.update()
        if self._build_queue:
            self._build_timer.start()

    def resource_utilization(self) -> dict[str, tuple[float, float, float]]:
        """resource id -> (utilisation, load, capacity) of the current solution."""
        sol = self.solution
        if sol is None:
            return {}
        fs = sol.flows
        util = sol.utilization
        return {rid: (float(util[i]), float(sol.load[i]), float(fs.capacity[i]))
                for i, rid in enumerate(fs.resource_ids)}

    def _resource_index(self, sol: Solution) -> dict[str, int]:
        """resource id -> index in the solution's arrays (one dict per set of flows)."""
        fs = sol.flows
        cached = self._res_index
        if cached is not None and cached[0] is not fs.resource_ids and cached[0] == fs.resource_ids:
            self._res_index = (fs.resource_ids, cached[1])  # a new solve of the same resources
        if self._res_index is None or self._res_index[0] is not fs.resource_ids:
            self._res_index = (fs.resource_ids, {rid: i for i, rid in enumerate(fs.resource_ids)})
        return self._res_index[1]  # type: ignore[return-value]

    def _apply_overlay(self, servers: set[str] | None = None, cables: bool = True) -> None:
        """Colour cables, ports, VMM gauges and guest badges; ``servers`` limits the
        guest and gauge update to those servers (after a local rebuild). A cable whose
        numbers did not change is not touched, so a re-solve of a large design repaints
        only what moved. After a local change (``servers`` given) that synced no cable
        (``cables`` False), with the solution the cables already show, only those servers,
        their guests and their racks' figures are brought up to date."""
        sol = self.solution if self.overlay_enabled else None
        if servers is not None and not cables and sol is self._overlay_solution:
            self._apply_server_overlays(sol, servers)
            return
        self._overlay_solution = sol
        self._bundle_peaks = (-1, {})  # the cables' figures change below
        index = self._resource_index(sol) if sol is not None else {}
        util = sol.utilization if sol is not None else None
        load = sol.load if sol is not None else None
        cap = sol.flows.capacity if sol is not None else None
        links = self.topology.links
        if sol is None:
            for cable in self.cables.values():
                cable._overlay_key = None
                cable.set_overlay(None, "")
            self._cable_values = None
        else:
            self._overlay_cables(sol, index, util, load, cap, links)
        for port in self.port_items():
            color = None
            if sol is not None:
                link = self.topology.cable_at(port.nic_id, port.port)
                cable = self.cables.get(link.id) if link else None
                if cable is not None and cable.utilization is not None:
                    color = style.utilization_color(cable.utilization)
            if color != port.color:
                port.color = color
                port.update()
        self._apply_server_overlays(sol, servers)
        self._update_bundles()

    def _apply_server_overlays(self, sol: Solution | None, servers: set[str] | None) -> None:
        """VMM gauges, worst ports and guest badges of the servers (all of them: None), and the
        figures of the racks they stand in."""
        index = self._resource_index(sol) if sol is not None else {}
        util = sol.utilization if sol is not None else None
        table = self._vm_table(sol)
        self._vm_table_now = table
        targets = self.top_items.values() if servers is None else [
            self.top_items[s] for s in servers if s in self.top_items]
        for item in targets:
            if isinstance(item, ServerItem):
                solved = sol is not None
                cores = sol.server_vmm_cores.get(item.element_id, 0.0) if solved else 0.0
                worst = self._worst_port(item, index, util) if solved else None
                if (solved, cores, item.vmm_budget, worst) != (item.vmm_solved, item.vmm_cores, item.shown_budget,
                                                               item.worst_port):
                    item.vmm_solved, item.vmm_cores, item.shown_budget = solved, cores, item.vmm_budget
                    item.worst_port = worst
                    budget = item.vmm_budget
                    item.overlay_tip = (f"VMM I/O load: {cores:.3f} of {budget:g} cores"
                                        f" ({(cores / budget * 100) if budget else 0:.1f} %)") if solved else ""
                    item.refresh_tooltip()
                    item.update()
        self._apply_vm_overlays(table, servers)
        if servers is None:
            self._update_rack_stats()
        else:
            racks = set()
            for server_id in servers:
                item = self.top_items.get(server_id)
                if isinstance(item, ServerItem):
                    racks.add(item.server.rack)
            self._update_rack_stats(racks)

    def _cable_resources(self, sol: Solution, index: dict[str, int], links):
        """Per cable (in ``self.cables`` order): its two resources' indices (-1: none)."""
        key = (sol.flows.resource_ids, tuple(self.cables))
        cached = getattr(self, "_cable_idx", None)
        if cached is not None and cached[0][1] == key[1] and (cached[0][0] is key[0] or cached[0][0] == key[0]):
            if cached[0][0] is not key[0]:  # a new solve of the same resources: the same pairs
                self._cable_idx = (key, cached[1], cached[2])
            return cached[1], cached[2]
        elements = self.topology.elements
        ids = list(self.cables)
        pairs = np.full((len(ids), 2), -1, dtype=np.int64)
        for row, link_id in enumerate(ids):
            link = links.get(link_id)
            if link is None:
                continue
            port_end = link.a if link.a not in elements else (link.b if link.b not in elements else None)
            if port_end is not None:
                nic, port = split_port_end(port_end)  # type: ignore[misc]
                names = (f"port:{nic}:{port}:tx", f"port:{nic}:{port}:rx")
            else:
                names = (f"link:{link_id}:ab", f"link:{link_id}:ba")
            for col, name in enumerate(names):
                pairs[row, col] = index.get(name, -1)
        self._cable_idx = (key, ids, pairs)
        self._cable_values = None
        return ids, pairs

    def _overlay_cables(self, sol: Solution, index, util, load, cap, links) -> None:
        """Colour and tooltip of the cables whose numbers changed (one numpy comparison for all)."""
        ids, pairs = self._cable_resources(sol, index, links)
        if not len(util):
            pairs = np.full_like(pairs, -1)
            util = load = np.zeros(1)
        safe = np.where(pairs >= 0, pairs, 0)
        values = np.where(pairs >= 0, util[safe], np.nan), np.where(pairs >= 0, load[safe], np.nan)
        stacked = np.concatenate(values, axis=1) if len(ids) else np.zeros((0, 4))
        previous = getattr(self, "_cable_values", None)
        if previous is not None and previous.shape == stacked.shape:
            same = (previous == stacked) | (np.isnan(previous) & np.isnan(stacked))
            rows = np.flatnonzero(~same.all(axis=1)).tolist()
        else:
            rows = range(len(ids))
        self._cable_values = stacked
        elements = self.topology.elements
        for row in rows:
            link_id = ids[row]
            cable, link = self.cables.get(link_id), links.get(link_id)
            if cable is None or link is None:
                continue
            if link.a not in elements or link.b not in elements:
                labels = ("tx (to network)", "rx (from network)")
            else:
                labels = (f"{link.a} → {link.b}", f"{link.b} → {link.a}")
            parts, peak = [], None
            for i, label in zip(pairs[row].tolist(), labels):
                if i >= 0:
                    u = float(util[i])
                    peak = u if peak is None else max(peak, u)
                    flag = " SATURATED" if u >= 1 - 1e-9 else ""
                    parts.append(f"{label}: {float(load[i]):.3f} / {float(cap[i]):g} Gbit/s ({u * 100:.1f} %){flag}")
            cable.set_overlay(peak, "\n".join(parts) if parts else "no traffic")

    @staticmethod
    def _worst_port(item: ServerItem, index: dict[str, int], util) -> tuple[float, str] | None:
        worst = None
        for nic, p in item.port_pos:
            for direction in ("tx", "rx"):
                i = index.get(f"port:{nic}:{p}:{direction}")
                if i is not None:
                    u = float(util[i])
                    if u > 0 and (worst is None or u > worst[0]):
                        worst = (u, f"{nic}:{p} {direction}")
        return worst

    def _vm_table(self, sol: Solution | None) -> tuple[list[str], dict[str, int], np.ndarray] | None:
        """Per guest: tx rate, tx demand, rx rate, rx demand, floor, guarantees missed."""
        if sol is None:
            return None
        fs = sol.flows
        n_vm = len(fs.vm_names)
        tx = fs.direction == 0

        def sums(values, mask):
            return np.bincount(fs.vm[mask], values[mask], minlength=n_vm)

        unenforced = (sol.floor > 0) & ~fs.floor_enforced  # a VF minimum the NIC cannot hold (SPEC §9)
        columns = [sums(sol.rate, tx), sums(sol.demand, tx), sums(sol.rate, ~tx), sums(sol.demand, ~tx),
                   sums(sol.floor, tx), np.bincount(fs.vm, (~sol.floor_met).astype(float), minlength=n_vm),
                   np.bincount(fs.vm, unenforced.astype(float), minlength=n_vm)]
        matrix = np.column_stack(columns) if n_vm else np.zeros((0, 7))
        cached = self._vm_index
        if cached is not None and (cached[0] is fs.vm_names or cached[0] == fs.vm_names):
            return cached[0], cached[1], matrix  # the same guests as the last solve: one index
        names = list(fs.vm_names)
        self._vm_index = (names, {name: i for i, name in enumerate(names)})
        return names, self._vm_index[1], matrix

    @staticmethod
    def _vm_overlay(table, vm_id: str) -> VmOverlay | None:
        if table is None:
            return None
        i = table[1].get(vm_id)
        if i is None:
            return None
        tr, td, rr, rd, floor, missed, unenforced = table[2][i].tolist()
        return VmOverlay(tr, td, rr, rd, floor, missed == 0, True, unenforced > 0)

    def _apply_vm_overlays(self, table, servers: set[str] | None) -> None:
        """Badges of the guests. A re-solve touches only guests whose numbers changed;
        thousands of unchanged guests cost one numpy comparison."""
        if servers is not None:  # rebuilt servers: their new guest items need every number
            for sid in servers:
                item = self.top_items.get(sid)
                if isinstance(item, ServerItem):
                    for vm_id, vm_item in item.built_vm_items().items():
                        vm_item.set_overlay(self._vm_overlay(table, vm_id))
            return
        shown = self._shown_vm_table
        self._shown_vm_table = table
        if table is not None and shown is not None and shown[0] == table[0] and shown[2].shape == table[2].shape:
            changed = np.flatnonzero(np.any(shown[2] != table[2], axis=1))
            names = table[0]
            for i in changed.tolist():
                vm_id = names[i]
                item = self.top_items.get(self.child_server.get(vm_id, ""))
                vm_item = item.built_vm_items().get(vm_id) if isinstance(item, ServerItem) else None
                if vm_item is not None:
                    vm_item.set_overlay(self._vm_overlay(table, vm_id))
            return
        for item in self.top_items.values():
            if isinstance(item, ServerItem):
                for vm_id, vm_item in item.built_vm_items().items():
                    vm_item.set_overlay(self._vm_overlay(table, vm_id))

    def vm_tooltip(self, vm_id: str) -> str:
        """Per-flow numbers of one guest (built on hover)."""
        sol = self.solution if self.overlay_enabled else None
        if sol is None:
            return ""
        fs = sol.flows
        try:
            index = fs.vm_names.index(vm_id)
        except ValueError:
            return "no traffic"
        lines = []
        for f in np.flatnonzero(fs.vm == index):
            b = int(sol.bottleneck[f])
            text = f"{fs.flow_id(f)} ({fs.mode_name(f)}): {sol.rate[f]:.3f} of {sol.demand[f]:.3f} Gbit/s"
            if sol.floor[f] > 0 and not fs.floor_enforced[f]:
                text += (f", asks {sol.floor[f]:.3f} but its NIC cannot enforce a VF minimum "
                         f"{'(met for now)' if sol.floor_met[f] else '✗ MISSED'}")
            elif sol.floor[f] > 0:
                text += f", guaranteed {sol.floor[f]:.3f} {'✓' if sol.floor_met[f] else '✗ MISSED'}"
            if not fs.routed[f]:
                text += " — no route"
            elif b >= 0:
                text += f" — limited by {fs.resource_ids[b]}"
            lines.append(text)
        return "\n".join(lines)

    # -------------------------------------------------------------- selection
    def element_item(self, element_id: str) -> QGraphicsItem | None:
        item = self.top_items.get(element_id)
        if item is not None:
            return item
        cable = self.cables.get(element_id)
        if cable is not None:
            return cable
        server_id = self.child_server.get(element_id)
        server = self.top_items.get(server_id) if server_id else None
        if isinstance(server, ServerItem):
            return server.nic_items.get(element_id) or server.vm_items.get(element_id) or server.vf_items.get(element_id)
        return None

    def visible_item(self, element_id: str) -> QGraphicsItem | None:
        """What stands for an element on screen now: the element's item, or its server
        when the server shows a summary, or its rack's block."""
        self.flush_levels()
        server_id = self.child_server.get(element_id, element_id)
        server = self.top_items.get(server_id)
        if isinstance(server, ServerItem):
            if server.server.rack in self._hidden_racks:
                rack = self.racks.get(server.server.rack or "")
                return rack if rack is not None else server
            if server_id != element_id and server.level != "detail":
                return server
        return self.element_item(element_id)

    # ------------------------------------------------------ levels of detail
    def set_zoom(self, zoom: float) -> None:
        """The view's scale changed: show what can be read at it."""
        if zoom <= 0 or abs(zoom - self.zoom) < 1e-12:
            return
        before = self._level_key(self.zoom)
        self.zoom = zoom
        for rack in self.racks.values():
            rack.set_view_zoom(zoom)
        if self._level_key(zoom) != before:
            self._apply_levels()
        else:
            self.reveal()  # zoomed out: racks still stale may have come into view

    def _level_key(self, zoom: float) -> tuple:
        return (server_level(zoom), tuple(r.typical_h * zoom < RACK_BLOCK_PX for r in self.racks.values()))

    def rack_is_block(self, rack: RackGroupItem) -> bool:
        if self.forced_level is not None:
            return rack.collapsed or self.forced_level == "racks"
        return rack.collapsed or rack.typical_h * self.zoom < RACK_BLOCK_PX

    def set_export_level(self, level: str) -> None:
        """Draw at a chosen level whatever the scale (exports): detail, summary or racks."""
        self.forced_level = level
        self._apply_levels()

    def _apply_levels(self) -> None:
        """Give every rack, server and cable the level the zoom and the collapsed state ask for.

        A rack drawn as a block stops drawing its layer (its servers and their cables) with
        one opacity change; its servers keep their own level for when it opens again.

        With the scene in a view, only the racks in and around the view change now; the
        others are *stale* and change a few at a time while the event loop is idle, or at
        once when the view scrolls to them or anything asks what they show (``rack.block``,
        ``visible_item``, ``flush_levels``). A zoom across a level on a data centre thus
        costs what is on screen, not the whole design (opening or closing a rack makes Qt
        walk all its servers and cable pieces)."""
        level = self._wanted_level()
        collapsed = self.collapsed
        for rack_id, rack in self.racks.items():
            rack.collapsed = rack_id in collapsed
        self._stale_racks &= set(self.racks)
        area = self._level_area()
        now = []
        for rack_id, rack in self.racks.items():
            if rack.applied == (self.rack_is_block(rack), level):
                self._stale_racks.discard(rack_id)
            elif area is None or area.intersects(rack.sceneBoundingRect()):
                now.append(rack_id)
            else:
                self._stale_racks.add(rack_id)
        self._apply_racks(now, level, loose=True)
        if self._stale_racks:
            self._hold_stale()
        else:
            self._level_timer.stop()

    def _hold_stale(self) -> None:
        """The stale racks wait until the view has been still for a moment (a wheel zoom or a
        pan comes in steps: each step stays as cheap as what it shows)."""
        import time

        self._stale_after = time.perf_counter() + STALE_QUIET_S
        self._level_timer.start(round(STALE_QUIET_S * 1000))

    def _wanted_level(self) -> str:
        return server_level(self.zoom) if self.forced_level is None else (
            "detail" if self.forced_level == "detail" else "summary")

    def _level_area(self) -> QRectF | None:
        """The scene area whose racks change level at once: what the views show, and a
        quarter of it more on each side. None (every rack at once) outside a shown view and in
        exports."""
        if self.forced_level is not None:
            return None
        area = QRectF()
        for view in self.views():
            if not view.isVisible() or view.viewport().width() <= 0:
                continue
            shown = view.mapToScene(view.viewport().rect()).boundingRect()
            area = area.united(shown.adjusted(-shown.width() / 4, -shown.height() / 4,
                                              shown.width() / 4, shown.height() / 4))
        return area if not area.isEmpty() else None

    def _apply_racks(self, rack_ids: list[str], level: str, loose: bool = False, after: bool = True) -> None:
        """Bring these racks (and, with ``loose``, the servers in no rack) to the level, then
        (unless ``after`` is False) what depends on which racks are blocks: bundles, marks."""
        if not rack_ids and not loose:
            return
        wanted = set(rack_ids)
        collapsed = self.collapsed
        for rack_id in rack_ids:
            rack = self.racks[rack_id]
            block = self.rack_is_block(rack)
            rack.set_block(block)
            rack.applied = (block, level)
            self._stale_racks.discard(rack_id)
            layer = self.layers.get(rack_id)
            if layer is not None and layer.opacity() != (0.0 if block else 1.0):
                layer.setOpacity(0.0 if block else 1.0)
        # What is drawn as a block now (a stale rack shows what it showed; racks made since
        # are frames until they get their level).
        hidden_racks = self._hidden_racks = {r for r, rack in self.racks.items() if rack.drawn_as_block}
        collapsed_level = "summary" if level == "detail" else level  # a collapsed server shows its summary
        for item in self.top_items.values():
            if isinstance(item, ServerItem):
                rack_id = item.server.rack
                if rack_id in self.racks:
                    if rack_id not in wanted or rack_id in hidden_racks:
                        continue  # another rack's, or not drawn: its level is set when its rack opens
                elif not loose:
                    continue
                if (item.element_id in collapsed) != item.collapsed:
                    item.set_collapsed(item.element_id in collapsed, level)
                if item.level != (collapsed_level if item.collapsed else level):
                    item.set_level(level)
        for link_id, ra, rb in self._cables_between_racks():
            if ra not in wanted and rb not in wanted:
                continue
            cable = self.cables.get(link_id)
            drawn = 0.0 if (ra in hidden_racks or rb in hidden_racks) else 1.0
            if cable is not None and cable.opacity() != drawn:
                cable.setOpacity(drawn)
        if after:
            self._after_racks()

    def _after_racks(self) -> None:
        self._update_bundles()
        self._update_marks()

    def _apply_stale_some(self) -> None:
        """A few stale racks, nearest the view first, in a slice that leaves the frame its time."""
        import time

        if not self._stale_racks:
            return
        wait = self._stale_after - time.perf_counter()
        if wait > 0:
            self._level_timer.start(max(1, round(wait * 1000)))
            return
        deadline = time.perf_counter() + 0.004
        area = self._level_area()
        centre = area.center() if area is not None else QPointF()
        order = sorted(self._stale_racks, key=lambda r: QLineF(centre, self.racks[r].rect.center()).length())
        level = self._wanted_level()
        for rack_id in order:
            self._apply_racks([rack_id], level, after=False)
            if time.perf_counter() > deadline:
                break
        self._after_racks()
        if self._stale_racks:
            self._level_timer.start(1)

    def reveal(self, area: QRectF | None = None) -> None:
        """The view now shows ``area`` (scene coordinates; None: ask the views): bring the
        stale racks there to their level before they are painted."""
        if not self._stale_racks:
            return
        self._hold_stale()
        area = area if area is not None else self._level_area()
        due = [r for r in self._stale_racks if area is None or area.intersects(self.racks[r].sceneBoundingRect())]
        self._apply_racks(due, self._wanted_level())

    def flush_levels(self) -> None:
        """Every stale rack to its level now."""
        if self._stale_racks:
            self._apply_racks(list(self._stale_racks), self._wanted_level())
        self._level_timer.stop()

    def flush_rack(self, rack: RackGroupItem) -> None:
        """This rack to its level now, if it is stale (``RackGroupItem.block`` asks)."""
        if rack.rack_id in self._stale_racks and self.racks.get(rack.rack_id) is rack:
            self._apply_racks([rack.rack_id], self._wanted_level())

    def _cables_between_racks(self) -> list[tuple[str, str, str]]:
        """(cable, rack, rack) of each cable between servers of two racks (not in a layer:
        drawn unless either rack is a block), made once per set of cables."""
        found = self._between_racks
        if found is None or found[0] != self._cables_version:
            found = self._between_racks = (self._cables_version, [
                (link_id, ra, rb) for link_id, (ra, rb) in self._link_racks.items()
                if ra != rb and ra is not None and rb is not None])
        return found[1]

    def _end_rack_block(self, end: str) -> str | None:
        """The rack drawn as a block that hides this cable end, if any."""
        rack = self._server_rack_of_end(end)
        return rack if rack in self._hidden_racks else None

    def _update_bundles(self) -> None:
        """One line per (rack block, far end) for the cables the block hides."""
        hidden = self._hidden_racks
        groups_key = (frozenset(hidden), self._cables_version)
        if self._bundle_groups is not None and self._bundle_groups[0] == groups_key:
            wanted = self._bundle_groups[1]
        else:
            wanted = self._bundle_wanted(hidden)
            self._bundle_groups = (groups_key, wanted)
        for key in list(self.bundles):
            if key not in wanted:
                self.removeItem(self.bundles.pop(key))
        cables = self.cables
        for key, link_ids in wanted.items():
            bundle = self.bundles.get(key)
            if bundle is None:
                bundle = BundleItem(key)
                self.bundles[key] = bundle
                self.addItem(bundle)
            rack = self.racks[key[0]]
            far = key[1]
            if far.startswith("rack:"):
                other = self.racks.get(far[5:])
                target = other.rect.center() if other is not None else rack.rect.center()
                b = block_anchor(other.rect, rack.rect.center()) if other is not None else target
                name = f"rack {far[5:]}"
            else:
                item = self.top_items.get(far)
                if item is None:
                    continue
                centre = item.sceneBoundingRect().center()
                b = item.anchor_toward(rack.rect.center()) if hasattr(item, "anchor_toward") else centre
                target = centre
                name = far
            a = block_anchor(rack.rect, target)
            peak = None
            if self.solution is not None and self.overlay_enabled:
                # The cables' figures change with the set of cables, or when the overlay is
                # applied (which forgets these).
                if self._bundle_peaks[0] != self._cables_version:
                    self._bundle_peaks = (self._cables_version, {})
                peaks = self._bundle_peaks[1]
                if key in peaks:
                    peak = peaks[key]
                else:
                    found = [u for u in (cables[link_id].utilization for link_id in link_ids if link_id in cables)
                             if u is not None]
                    peak = peaks[key] = max(found) if found else None
            shown = (a.x(), a.y(), b.x(), b.y(), len(link_ids), peak, name, style.current_theme())
            if getattr(bundle, "shown_as", None) != shown:  # a re-solve that moved nothing redraws nothing
                bundle.shown_as = shown
                bundle.set_line(a, b, len(link_ids), peak, name)

    def _bundle_wanted(self, hidden: set[str]) -> dict[tuple[str, str], list[str]]:
        """The cables each bundle stands for: (rack block, far end) -> cable ids."""
        wanted: dict[tuple[str, str], list[str]] = {}
        if hidden:
            for link_id, ra, rb, far_of_a, far_of_b in self._rack_cable_ends():
                if ra in hidden:
                    if rb in hidden:
                        if ra == rb:
                            continue  # inside one block
                        key = (min(ra, rb), "rack:" + max(ra, rb))  # type: ignore[type-var, operator]
                    else:
                        key = (ra, far_of_a)  # type: ignore[assignment]
                elif rb in hidden:
                    key = (rb, far_of_b)  # type: ignore[assignment]
                else:
                    continue
                wanted.setdefault(key, []).append(link_id)
        return wanted

    def _rack_cable_ends(self) -> list[tuple[str, str | None, str | None, str, str]]:
        """(cable, rack of its a end, rack of its b end, what its far end is seen from a's
        rack, and from b's: the server of a NIC port, else the element) of each cable with
        an end in a rack; made once per set of cables (a zoom across a level asks again)."""
        found = self._rack_ends
        if found is None or found[0] != self._cables_version:
            links = self.topology.links
            child_server = self.child_server

            def seen(end: str) -> str:
                split = split_port_end(end)
                return child_server.get(split[0], end) if split is not None else end

            found = self._rack_ends = (self._cables_version, [
                (link_id, ra, rb, seen(links[link_id].b), seen(links[link_id].a))
                for link_id, (ra, rb) in self._link_racks.items() if ra is not None or rb is not None])
        return found[1]

    # ------------------------------------------------------------------ racks
    def _layer_for(self, rack_id: str | None) -> RackLayer | None:
        if rack_id is None or rack_id not in self.topology.racks:
            return None
        layer = self.layers.get(rack_id)
        if layer is None:
            layer = RackLayer(rack_id)
            self.layers[rack_id] = layer
            self.addItem(layer)
        return layer

    def _sync_racks(self) -> None:
        """One rack item per rack of the design that has servers on the canvas."""
        members: dict[str, list[str]] = {}
        for element_id, item in self.top_items.items():
            if isinstance(item, ServerItem):
                item.rack_seen = item.server.rack
                rack = item.server.rack if item.server.rack in self.topology.racks else None
                if rack is not None:
                    members.setdefault(rack, []).append(element_id)
                parent = item.parentItem()
                if getattr(parent, "rack_id", None) != rack:
                    item.setParentItem(self._layer_for(rack))  # moved to another rack (or none)
                    if item.scene() is None:
                        self.addItem(item)
        for rack_id in list(self.racks):
            if rack_id not in members:
                self.removeItem(self.racks.pop(rack_id))
        for rack_id in list(self.layers):
            if rack_id not in members:
                layer = self.layers.pop(rack_id)
                for child in layer.childItems():  # cables left in it
                    child.setParentItem(None)
                self.removeItem(layer)
        for rack_id, ids in members.items():
            rack = self.racks.get(rack_id)
            model = self.topology.racks[rack_id]
            if rack is None:
                rack = RackGroupItem(rack_id, model.display_name())
                rack.set_view_zoom(self.zoom)
                self.racks[rack_id] = rack
                self.addItem(rack)
            rack.label = model.display_name()
            rack.stats.members = ids
            heights = sorted(self.top_items[i].full_height for i in ids)  # type: ignore[attr-defined]
            rack.typical_h = heights[len(heights) // 2]
            rack.collapsed = rack_id in self.collapsed
            self._update_rack_rect(rack_id)

    def _update_rack_rect(self, rack_id: str) -> None:
        rack = self.racks[rack_id]
        rect = QRectF()
        for element_id in rack.stats.members:
            item = self.top_items.get(element_id)
            if isinstance(item, ServerItem):
                rect = rect.united(QRectF(item.pos(), QSizeF(item.width, item.full_height)))
        rack.set_rect(rect.adjusted(-RACK_PAD, -RACK_PAD, RACK_PAD, RACK_PAD))

    def _update_rack_stats(self, only: set | None = None) -> None:
        """The figures of every rack block (or of the racks in ``only``)."""
        if not self.racks:
            return
        sol = self.solution if self.overlay_enabled else None
        problems = self._rack_problems(sol)
        uplinks = self._rack_uplinks() if sol is not None else {}
        for rack_id, rack in self.racks.items():
            if only is not None and rack_id not in only:
                continue
            stats = RackStats(members=rack.stats.members, solved=sol is not None)
            for element_id in rack.stats.members:
                item = self.top_items.get(element_id)
                if isinstance(item, ServerItem):
                    stats.servers += 1
                    stats.vms += item.guest_count
                    stats.vmm_budget += item.vmm_budget
                    stats.vmm_cores += item.vmm_cores if item.vmm_solved else 0.0
            stats.uplink = uplinks.get(rack_id)
            stats.errors, stats.warnings = problems.get(rack_id, (0, 0))
            rack.set_stats(stats)

    def _rack_problems(self, sol: Solution | None) -> dict[str, list[int]]:
        """Errors and warnings per rack of a solution (counted once per solution and layout)."""
        cached = getattr(self, "_problem_cache", None)
        if cached is not None and cached[0] is sol and cached[1] == self._cables_version:
            return cached[2]
        problems: dict[str, list[int]] = {}
        if sol is not None:
            for p in sol.problems:
                server = self.child_server.get(p.element, p.element)
                item = self.top_items.get(server)
                rack = getattr(getattr(item, "server", None), "rack", None) or (
                    getattr(self.topology.elements.get(p.element), "rack", None))
                if rack in self.racks:
                    counts = problems.setdefault(rack, [0, 0])
                    counts[0 if p.severity == "error" else 1] += 1
        self._problem_cache = (sol, self._cables_version, problems)
        return problems

    def _cross_rack_links(self) -> list[tuple[str, str | None, str | None]]:
        """(cable, rack of one end, rack of the other) of the cables between two racks (or a rack
        and the rest), found once per sync of the cables."""
        cached = self._uplink_cache
        if cached is not None and cached[0] == self._cables_version:
            return cached[1]
        out = []
        for link_id, link in self.topology.links.items():
            ra, rb = self._rack_of_end(link.a), self._rack_of_end(link.b)
            if ra != rb:
                out.append((link_id, ra, rb))
        self._uplink_cache = (self._cables_version, out)
        return out

    def _rack_uplinks(self) -> dict[str, tuple[float, str]]:
        """Per rack, the busiest cable with one end in the rack and the other outside it."""
        best: dict[str, tuple[float, str]] = {}
        for link_id, ra, rb in self._cross_rack_links():
            cable = self.cables.get(link_id)
            u = cable.utilization if cable is not None else None
            if u is None:
                continue
            for rack in (ra, rb):
                if rack is not None and (rack not in best or u > best[rack][0]):
                    best[rack] = (u, link_id)
        return best

    def _rack_of_end(self, end: str) -> str | None:
        split = split_port_end(end)
        element_id = self.child_server.get(split[0], "") if split is not None else end
        return getattr(self.topology.elements.get(element_id), "rack", None)

    # --------------------------------------------------------------- collapse
    def set_collapsed(self, element_id: str, collapsed: bool) -> None:
        """Collapse or expand a rack or a server by hand (saved in the project's view state)."""
        if (element_id in self.collapsed) == collapsed:
            return
        if element_id not in self.racks and not isinstance(self.top_items.get(element_id), ServerItem):
            return
        if collapsed:
            self.collapsed.add(element_id)
        else:
            self.collapsed.discard(element_id)
        _store_collapsed(self.topology, self.collapsed)
        item = self.top_items.get(element_id)
        if isinstance(item, ServerItem):
            item.set_collapsed(collapsed, server_level(self.zoom))
            rack = item.server.rack
            if rack in self.racks:
                self._update_rack_rect(rack)
            self.item_moved(element_id)  # its sockets stay put; cables re-route to the new box
        self._apply_levels()
        self._update_scene_rect()
        if self.viewStateChanged is not None:
            self.viewStateChanged()

    def is_collapsed(self, element_id: str) -> bool:
        return element_id in self.collapsed

    def all_element_ids(self) -> list[str]:
        return list(self.top_items) + list(self.child_server) + list(self.cables)

    def selected_ids(self) -> list[str]:
        out = []
        for item in self.selectedItems():
            element_id = getattr(item, "element_id", None)
            if element_id is not None:
                out.append(element_id)
        return out

    def selected_element_ids(self) -> list[str]:
        return [i for i in self.selected_ids() if i in self.topology.elements]

    def selected_link_ids(self) -> list[str]:
        return [i for i in self.selected_ids() if i in self.topology.links]

    def select_ids(self, ids, notify: bool = True) -> None:
        ids = set(ids)
        blocked = self.blockSignals(True) if not notify else self.signalsBlocked()
        try:
            self.clearSelection()
            for element_id in ids:
                item = self.element_item(element_id)
                if item is not None:
                    item.setSelected(True)
        finally:
            self.blockSignals(blocked)
        self._update_marks()

    def _update_marks(self) -> None:
        """Show where a selected element is when what stands for it on screen is its rack's
        block (the block marks the server's place) or its server's summary (outlined)."""
        racks: dict[str, list[tuple[str, QRectF]]] = {}
        servers: set[str] = set()
        for element_id in self.selected_ids():
            server_id = self.child_server.get(element_id, element_id)
            server = self.top_items.get(server_id)
            if not isinstance(server, ServerItem):
                continue
            rack = server.server.rack
            if rack in self._hidden_racks and rack in self.racks:
                cell = QRectF(server.pos(), QSizeF(server.width, server.full_height))
                marks = racks.setdefault(rack, [])
                if all(name != server.title for name, _ in marks):
                    marks.append((server.title, cell))
            elif server_id != element_id and server.level != "detail":
                servers.add(server_id)
        for rack_id, rack in self.racks.items():
            rack.set_marked(racks.get(rack_id, []))
        # Only the servers marked before or now (not every server of a data centre each zoom step).
        for server_id in self._marked_servers | servers:
            item = self.top_items.get(server_id)
            if isinstance(item, ServerItem) and item.marked != (server_id in servers):
                item.marked = server_id in servers
                item.update()
        self._marked_servers = servers

    def content_rect(self) -> QRectF:
        """The area the design covers (top-level items hold everything else)."""
        rect = QRectF()
        for item in self.top_items.values():
            rect = rect.united(item.sceneBoundingRect())
        for rack in self.racks.values():
            rect = rect.united(rack.sceneBoundingRect())
        return rect

    def _update_scene_rect(self) -> None:
        content = self.content_rect()
        # Room around the design to scroll and for Fit to leave a strip free for the legend.
        mx, my = max(400.0, content.width() * 0.5), max(400.0, content.height() * 0.5)
        rect = content.adjusted(-mx, -my, mx, my)
        self.setSceneRect(rect.united(QRectF(-400, -400, 800, 800)))

    def drawBackground(self, painter, rect: QRectF) -> None:
        super().drawBackground(painter, rect)
        if not self.show_grid:
            return
        painter.setPen(QPen(style.current().grid, 0))
        step = self.grid_size * 5
        zoom = painter.worldTransform().m11() or 1.0
        while step * zoom < 12:  # zoomed out, a coarser grid: never thousands of lines
            step *= 5
        x = (rect.left() // step) * step
        while x < rect.right():
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += step
        y = (rect.top() // step) * step
        while y < rect.bottom():
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += step


def _collapsed_ids(topology: Topology) -> list[str]:
    """The ids collapsed by hand, from the project's view state (anything malformed: none)."""
    view = topology.extra.get(VIEW_KEY) if isinstance(topology.extra, dict) else None
    ids = view.get("collapsed") if isinstance(view, dict) else None
    if not isinstance(ids, list):
        return []
    return [i for i in ids if isinstance(i, str)]


def _store_collapsed(topology: Topology, collapsed: set[str]) -> None:
    """Write the collapsed ids into the project's view state, keeping its other keys."""
    view = topology.extra.get(VIEW_KEY)
    view = dict(view) if isinstance(view, dict) else {}
    known = set(topology.elements) | set(topology.racks)
    ids = sorted(i for i in collapsed if i in known)
    if ids:
        view["collapsed"] = ids
    else:
        view.pop("collapsed", None)
    if view:
        topology.extra[VIEW_KEY] = view
    else:
        topology.extra.pop(VIEW_KEY, None)
