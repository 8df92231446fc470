"""The design scene: follows the model, never edits it.

Model events mark what is stale (a top-level item, a server's contents, a
cable); ``flush`` brings the items up to date in one pass, so a command that
touches fifty elements rebuilds each server once. The document flushes after
every command, undo and redo; a zero-delay timer catches anything else.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QTimer, Signal
from PySide6.QtGui import QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from ...diagram.routing import Box, CableLayout, Port
from ...model.elements import Network, Server, Switch, split_port_end
from ...model.topology import ModelEvent, Topology
from ...solver import Solution
from .. import style
from ..plain import show_scene_tooltip
from .items import (
    CableItem,
    ElementItem,
    NetworkItem,
    PortItem,
    ServerItem,
    SwitchItem,
    VmOverlay,
)

TOP_LEVEL = ("network", "switch", "server")
# Up to this many cables, a drop routes every cable afresh (about 0.1 s for 100 cables
# on a slow machine); beyond, only what the moved box affects.
FULL_ROUTE_LIMIT = 300
GRID = 20.0


class DesignScene(QGraphicsScene):
    elementsChanged = Signal()

    def __init__(self, topology: Topology, parent=None) -> None:
        super().__init__(parent)
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
        self._full_rebuild = False
        # While items are being created: the area of those placed so far, so that each element
        # without a position goes right of it without walking every item again (None: unknown).
        self._placed_rect: QRectF | None = None
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self.flush)
        self.setBackgroundBrush(style.CANVAS_BG)
        self.rebuild_all()
        topology.subscribe(self.on_model_event)

    def detach(self) -> None:
        self.topology.unsubscribe(self.on_model_event)

    def helpEvent(self, event) -> None:  # noqa: N802 (Qt name)
        show_scene_tooltip(self, event)  # labels from the file are shown as text, never as HTML

    # ---------------------------------------------------------------- building
    def rebuild_all(self) -> None:
        self.clearSelection()
        for item in list(self.top_items.values()) + list(self.cables.values()):
            self.removeItem(item)
        self.top_items.clear()
        self.cables.clear()
        self.child_server.clear()
        self._placed_rect = None
        for element in self.topology.elements.values():
            if element.KIND in TOP_LEVEL:
                self._create_top(element.id)
        self._placed_rect = None
        self._reroute = True
        self._sync_cables()
        self._shown_vm_table = None
        self._apply_overlay()
        self._update_scene_rect()

    def _create_top(self, element_id: str) -> None:
        element = self.topology.elements[element_id]
        if isinstance(element, Server):
            item: ElementItem = ServerItem(element, self.topology)
            for child in item.contained_ids():
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
                continue
            if item is None:
                self._create_top(element_id)
                self._moved_tops.add(element_id)
                continue
            if element.x is not None and element.y is not None and (item.x(), item.y()) != (element.x, element.y):
                item.setPos(element.x, element.y)  # re-routes what it affects (item_moved)
            item.update_from(element)  # type: ignore[attr-defined]
            self._placed_rect = None  # the item may have moved or changed size
            if isinstance(item, ServerItem):
                self._overlay_servers.add(element_id)
        if removed:  # one pass for all removed servers' contents, not one per server
            self.child_server = {c: s for c, s in self.child_server.items() if s not in removed}
        self._placed_rect = None
        for server_id in self._dirty_servers:
            item = self.top_items.get(server_id)
            if isinstance(item, ServerItem) and server_id in self.topology.elements:
                for child in item.contained_ids():
                    self.child_server.pop(child, None)
                item.rebuild(self.topology)
                self._moved_tops.add(server_id)  # its size or sockets may have changed
                for child in item.contained_ids():
                    self.child_server[child] = server_id
                self._overlay_servers.add(server_id)
        self._dirty_top.clear()
        self._dirty_servers.clear()
        if self._dirty_cables:
            self._links_changed = True
        self._dirty_cables = False
        self._sync_cables()
        self._apply_overlay(servers=self._overlay_servers)
        self._overlay_servers = set()
        self.select_ids(selected & set(self.all_element_ids()), notify=False)

    # ----------------------------------------------------------------- cables
    def _sync_cables(self) -> None:
        links = self.topology.links
        for link_id in list(self.cables):
            if link_id not in links:
                self.removeItem(self.cables.pop(link_id))
        for link_id in links:
            if link_id not in self.cables:
                cable = CableItem(link_id)
                self.cables[link_id] = cable
                self.addItem(cable)
        for port in self.port_items():
            port.wired = False
        for link_id, cable in self.cables.items():
            link = links[link_id]
            cable.base_tip = f"Cable {link_id}" + (f": {link.gbps:g} Gbit/s" if link.gbps is not None else "")
            for end in (link.a, link.b):
                port = self.port_item(end)
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

    def port_item(self, end: str) -> PortItem | None:
        split = split_port_end(end)
        if split is None:
            return None
        server_id = self.child_server.get(split[0])
        server = self.top_items.get(server_id) if server_id else None
        if isinstance(server, ServerItem):
            return server.port_items.get(split)
        return None

    def port_items(self):
        for item in self.top_items.values():
            if isinstance(item, ServerItem):
                yield from item.port_items.values()

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
        items = sorted(server.port_items.items(), key=lambda kv: kv[1].scenePos().x())
        for rank, ((nic_id, p), port) in enumerate(items):
            pos = port.scenePos()
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
        for link_id, cable in self.cables.items():
            self._draw_cable(cable, paths.get(link_id))

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
    def _draw_cable(cable: CableItem, points) -> None:
        if points:
            cable.set_polyline(points)
        else:
            cable.setPath(QPainterPath())  # an end that is not drawn: no cable either

    def item_moved(self, element_id: str) -> None:
        """Re-route what a moved top-level item affects (during a drag)."""
        item = self.top_items.get(element_id)
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

    def set_overlay_enabled(self, enabled: bool) -> None:
        self.overlay_enabled = enabled
        self._apply_overlay()

    def resource_utilization(self) -> dict[str, tuple[float, float, float]]:
        """resource id -> (utilisation, load, capacity) of the current solution."""
        sol = self.solution
        if sol is None:
            return {}
        fs = sol.flows
        util = sol.utilization
        return {rid: (float(util[i]), float(sol.load[i]), float(fs.capacity[i]))
                for i, rid in enumerate(fs.resource_ids)}

    def _apply_overlay(self, servers: set[str] | None = None) -> None:
        """Colour cables, ports, VMM gauges and guest badges; ``servers`` limits the
        guest and gauge update to those servers (after a local rebuild)."""
        sol = self.solution if self.overlay_enabled else None
        res = self.resource_utilization() if sol is not None else {}
        links = self.topology.links
        for link_id, cable in self.cables.items():
            link = links.get(link_id)
            if link is None:
                continue
            if sol is None:
                cable.set_overlay(None, "")
                continue
            port_end = next((e for e in link.ends() if e not in self.topology.elements), None)
            if port_end is not None:
                nic, port = split_port_end(port_end)  # type: ignore[misc]
                names = (f"port:{nic}:{port}:tx", f"port:{nic}:{port}:rx")
                labels = ("tx (to network)", "rx (from network)")
            else:
                names = (f"link:{link_id}:ab", f"link:{link_id}:ba")
                labels = (f"{link.a} → {link.b}", f"{link.b} → {link.a}")
            parts, peak = [], None
            for name, label in zip(names, labels):
                if name in res:
                    u, load, cap = res[name]
                    peak = u if peak is None else max(peak, u)
                    flag = " SATURATED" if u >= 1 - 1e-9 else ""
                    parts.append(f"{label}: {load:.3f} / {cap:g} Gbit/s ({u * 100:.1f} %){flag}")
            cable.set_overlay(peak, "\n".join(parts) if parts else "no traffic")
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
        table = self._vm_table(sol)
        targets = self.top_items.values() if servers is None else [
            self.top_items[s] for s in servers if s in self.top_items]
        for item in targets:
            if isinstance(item, ServerItem):
                solved = sol is not None
                cores = sol.server_vmm_cores.get(item.element_id, 0.0) if solved else 0.0
                if (solved, cores, item.vmm_budget) != (item.vmm_solved, item.vmm_cores, item.shown_budget):
                    item.vmm_solved, item.vmm_cores, item.shown_budget = solved, cores, item.vmm_budget
                    budget = item.vmm_budget
                    item.overlay_tip = (f"VMM I/O load: {cores:.3f} of {budget:g} cores"
                                        f" ({(cores / budget * 100) if budget else 0:.1f} %)") if solved else ""
                    item.refresh_tooltip()
                    item.update()
        self._apply_vm_overlays(table, servers)

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
        names = list(fs.vm_names)
        return names, {name: i for i, name in enumerate(names)}, matrix

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
                    for vm_id, vm_item in item.vm_items.items():
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
                vm_item = item.vm_items.get(vm_id) if isinstance(item, ServerItem) else None
                if vm_item is not None:
                    vm_item.set_overlay(self._vm_overlay(table, vm_id))
            return
        for item in self.top_items.values():
            if isinstance(item, ServerItem):
                for vm_id, vm_item in item.vm_items.items():
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

    def content_rect(self) -> QRectF:
        """The area the design covers (top-level items hold everything else)."""
        rect = QRectF()
        for item in self.top_items.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def _update_scene_rect(self) -> None:
        rect = self.content_rect().adjusted(-400, -400, 400, 400)
        self.setSceneRect(rect.united(QRectF(-400, -400, 800, 800)))

    def drawBackground(self, painter, rect: QRectF) -> None:
        super().drawBackground(painter, rect)
        if not self.show_grid:
            return
        painter.setPen(QPen(style.GRID, 0))
        step = self.grid_size * 5
        x = (rect.left() // step) * step
        while x < rect.right():
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += step
        y = (rect.top() // step) * step
        while y < rect.bottom():
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += step
