"""Where the diagram's lines run: plain rectangles in, polylines out (no Qt).

A diagram is a claim: a line drawn under a box it does not belong to reads as
a connection to that box. So every line here is orthogonal and kept out of
every box that is not one of its ends (or a box holding an end):

* **Cables** leave a NIC port's socket upward (sockets sit on the server's top
  edge) and land on a switch or network at a slot of their own. They run in
  the corridors between top-level boxes: a fast search over a few corridor
  shapes (an L or a Z through the nearest gaps), then, when no such shape is
  free, a shortest path with few bends over the grid of corridor lines. Cables
  sharing a corridor keep to lanes (further from the wall the further away they
  come from), and the slots on a switch follow the order the cables come in, so
  in the generated and example designs no two cables cross.
* **Attachments** (a guest's vNIC inside its server) run in the channels of
  the server's own layout: up from the guest into the gap above its row, along
  the column gap beside it to the bus lane under the vSwitch, then to their
  device. Software modes end at the vSwitch, which carries them on to the
  port; direct modes (VF, passthrough) cross it to their device.

The canvas (designer/ui/canvas), the PNG/SVG/PDF export (which renders the same
scene) and the draw.io writer all take their line geometry from here.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Iterable, Set as AbstractSet
from dataclasses import dataclass
from typing import Generic, TypeVar

Point = tuple[float, float]
Polyline = list[Point]
K = TypeVar("K", bound=Hashable)  # what a BoxIndex's boxes are keyed by
KeySet = set  # the builtin, for annotations in BoxIndex (whose ``set`` method hides it there)

CLEARANCE = 3.0  # how close a routed line may pass a box it does not belong to
STUB = 10.0  # a cable runs straight out of its socket or landing this far before turning
BEND_COST = 40.0  # one bend is worth this much extra length
CELL = 512.0  # spatial index cell size (scene units)
EPS = 0.5  # touching a box's edge is not passing under it
CORRIDOR = 25.0  # a vertical run this close beside a box is in that box's corridor


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle: x, y (top-left), width, height."""

    x: float
    y: float
    w: float
    h: float

    @property
    def left(self) -> float:
        return self.x

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def top(self) -> float:
        return self.y

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def inflated(self, d: float) -> Box:
        return Box(self.x - d, self.y - d, self.w + 2 * d, self.h + 2 * d)


def segment_crosses(box: Box, a: Point, b: Point, eps: float = EPS) -> bool:
    """Whether the segment a–b passes through the box's interior (shrunk by eps):
    running along an edge or touching it is not crossing. Liang–Barsky clipping,
    so it holds for any segment, not only orthogonal ones."""
    x0, y0 = box.x + eps, box.y + eps
    x1, y1 = box.x + box.w - eps, box.y + box.h - eps
    if x1 <= x0 or y1 <= y0:
        return False
    dx, dy = b[0] - a[0], b[1] - a[1]
    # Orthogonal segments (all routed ones) take the short way.
    if dx == 0:
        return x0 < a[0] < x1 and max(min(a[1], b[1]), y0) < min(max(a[1], b[1]), y1)
    if dy == 0:
        return y0 < a[1] < y1 and max(min(a[0], b[0]), x0) < min(max(a[0], b[0]), x1)
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if p == 0:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            if t > t1:
                return False
            t0 = max(t0, t)
        else:
            if t < t0:
                return False
            t1 = min(t1, t)
    return t1 - t0 > 1e-9


def simplify(points: Iterable[Point]) -> Polyline:
    """Drop repeated points and the middle of three collinear ones."""
    out: Polyline = []
    for p in points:
        p = (float(p[0]), float(p[1]))
        if out and abs(out[-1][0] - p[0]) < 1e-6 and abs(out[-1][1] - p[1]) < 1e-6:
            continue
        if len(out) >= 2:
            a, b = out[-2], out[-1]
            cross = (b[0] - a[0]) * (p[1] - b[1]) - (b[1] - a[1]) * (p[0] - b[0])
            forward = (b[0] - a[0]) * (p[0] - b[0]) + (b[1] - a[1]) * (p[1] - b[1])
            if abs(cross) < 1e-6 and forward >= 0:
                out[-1] = p
                continue
        out.append(p)
    return out


# ------------------------------------------------------------------ obstacles
class BoxIndex(Generic[K]):
    """The boxes lines must avoid, in a uniform grid of cells for quick look-ups."""

    def __init__(self, cell: float = CELL) -> None:
        self.cell = cell
        self.boxes: dict[K, Box] = {}
        self._cells: dict[tuple[int, int], KeySet[K]] = {}
        # Per cell, its boxes' edges (x, y, right, bottom, box) for ``blocked``: made when
        # first asked, dropped when a box of that cell is set or removed.
        self._edges: dict[tuple[int, int], tuple[tuple[float, float, float, float, Box], ...]] = {}

    def _span(self, box: Box) -> Iterable[tuple[int, int]]:
        c = self.cell
        for i in range(math.floor(box.left / c), math.floor(box.right / c) + 1):
            for j in range(math.floor(box.top / c), math.floor(box.bottom / c) + 1):
                yield i, j

    def set(self, key: K, box: Box) -> None:
        old = self.boxes.get(key)
        if old == box:
            return
        if old is not None:
            self.remove(key)
        self.boxes[key] = box
        edges = self._edges
        for cell in self._span(box):
            self._cells.setdefault(cell, set()).add(key)
            edges.pop(cell, None)

    def remove(self, key: K) -> None:
        box = self.boxes.pop(key, None)
        if box is None:
            return
        edges = self._edges
        for cell in self._span(box):
            edges.pop(cell, None)
            members = self._cells.get(cell)
            if members is not None:
                members.discard(key)
                if not members:
                    del self._cells[cell]

    def _near(self, x0: float, y0: float, x1: float, y1: float) -> KeySet[K]:
        c = self.cell
        cells = self._cells
        keys: KeySet[K] = set()
        j0, j1 = math.floor(y0 / c), math.floor(y1 / c) + 1
        for i in range(math.floor(x0 / c), math.floor(x1 / c) + 1):
            for j in range(j0, j1):
                members = cells.get((i, j))
                if members:
                    keys |= members
        return keys

    def near(self, area: Box) -> KeySet[K]:
        return self._near(area.x, area.y, area.x + area.w, area.y + area.h)

    def in_area(self, area: Box) -> list[tuple[K, Box]]:
        x0, y0, x1, y1 = area.x, area.y, area.x + area.w, area.y + area.h
        out = []
        boxes = self.boxes
        for key in self._near(x0, y0, x1, y1):
            box = boxes[key]
            if box.x + box.w > x0 and box.x < x1 and box.y + box.h > y0 and box.y < y1:
                out.append((key, box))
        return out

    def blocked(self, a: Point, b: Point, clearance: float = CLEARANCE, exclude: Box | None = None) -> bool:
        """Whether the segment a–b passes within ``clearance`` of a box (other than ``exclude``)."""
        ax, ay = a
        bx, by = b
        if ax != bx and ay != by:
            return self._blocked_slanted(a, b, clearance, exclude)
        lo_x, hi_x = (ax, bx) if ax <= bx else (bx, ax)
        lo_y, hi_y = (ay, by) if ay <= by else (by, ay)
        shrink = EPS - clearance
        # The segment's extent against each box grown by the clearance (strict overlap),
        # cell by cell over the cells ``near`` would gather: a box in several cells may be
        # tested more than once, and the first hit answers.
        across, lo, hi = (ax, lo_y, hi_y) if ax == bx else (ay, lo_x, hi_x)
        if not lo < hi:
            return False  # a point: it overlaps nothing strictly
        vertical = ax == bx
        c = self.cell
        cells, edges, boxes = self._cells, self._edges, self.boxes
        j0, j1 = math.floor((lo_y - clearance) / c), math.floor((hi_y + clearance) / c) + 1
        for i in range(math.floor((lo_x - clearance) / c), math.floor((hi_x + clearance) / c) + 1):
            for j in range(j0, j1):
                cell = (i, j)
                found = edges.get(cell)
                if found is None:
                    members = cells.get(cell)
                    if not members:
                        continue
                    found = edges[cell] = tuple((box.x, box.y, box.x + box.w, box.y + box.h, box)
                                                for box in map(boxes.__getitem__, members))
                for x, y, right, bottom, box in found:
                    if vertical:
                        hit = (x + shrink < across < right - shrink and lo < bottom - shrink
                               and y + shrink < hi and y + shrink < bottom - shrink)
                    else:
                        hit = (y + shrink < across < bottom - shrink and lo < right - shrink
                               and x + shrink < hi and x + shrink < right - shrink)
                    if hit and box != exclude:
                        return True
        return False

    def _blocked_slanted(self, a: Point, b: Point, clearance: float, exclude: Box | None) -> bool:
        lo_x, hi_x = sorted((a[0], b[0]))
        lo_y, hi_y = sorted((a[1], b[1]))
        boxes = self.boxes
        shrink = EPS - clearance
        for key in self._near(lo_x - clearance, lo_y - clearance, hi_x + clearance, hi_y + clearance):
            box = boxes[key]
            if box != exclude and segment_crosses(box, a, b, shrink):
                return True
        return False

    def path_blocked(self, points: Polyline, clearance: float = CLEARANCE) -> bool:
        return any(self.blocked(a, b, clearance) for a, b in zip(points, points[1:]))


# ---------------------------------------------------------------------- cables
@dataclass(frozen=True)
class End:
    """Where a cable touches its box, which way it leaves it (-1 up, +1 down) and
    how far it runs straight out before its first turn."""

    point: Point
    direction: int
    stub: float = STUB
    box: Box | None = None  # the box it belongs to (a port's server), when known

    @property
    def out(self) -> Point:
        return (self.point[0], self.point[1] + self.direction * self.stub)


def landing_slots(box: Box, sources: dict[Hashable, Point], *, margin: float = 14.0,
                  ellipse: bool = False, free_below: float | None = None,
                  free_above: float | None = None) -> dict[Hashable, End]:
    """Where each cable lands on a switch or network: those coming from below on the
    bottom edge, the others on the top, each at its own slot, ordered by the x the
    cable comes from, so neighbouring cables do not cross on the way in.

    A cable coming from the left of its slot runs over to it and turns in; of those,
    the one coming from furthest left turns nearest the box, so it passes outside
    the others (and mirrored for cables coming from the right). ``free_below`` /
    ``free_above`` bound those straight runs by the room there is.
    """
    out: dict[Hashable, End] = {}
    below = sorted((k for k, p in sources.items() if p[1] >= box.cy), key=lambda k: (sources[k][0], str(k)))
    above = sorted((k for k, p in sources.items() if p[1] < box.cy), key=lambda k: (sources[k][0], str(k)))
    span = max(1.0, box.w - 2 * margin)
    for group, direction, free in ((below, 1, free_below), (above, -1, free_above)):
        n = len(group)
        if not n:
            continue
        xs = {key: box.left + margin + span * (i + 0.5) / n for i, key in enumerate(group)}
        from_left = sorted((k for k in group if sources[k][0] < xs[k] - 0.5), key=lambda k: sources[k][0])
        from_right = sorted((k for k in group if sources[k][0] > xs[k] + 0.5), key=lambda k: -sources[k][0])
        depth = {k: 0 for k in group}
        for side in (from_left, from_right):
            for i, key in enumerate(side):
                depth[key] = i
        room = (free if free is not None else 60.0) - 2 * STUB
        step = max(0.0, min(4.0, room / max(1, len(from_left), len(from_right))))
        for key in group:
            x = xs[key]
            if ellipse:
                a, b = box.w / 2, box.h / 2
                u = max(-1.0, min(1.0, (x - box.cx) / a))
                edge = box.cy + direction * b * math.sqrt(max(0.0, 1 - u * u))
            else:
                edge = box.bottom if direction > 0 else box.top
            rim = box.bottom if direction > 0 else box.top
            out[key] = End((x, edge), direction, abs(rim - edge) + STUB + step * depth[key])
    return out


def _corridor_xs(boxes: list[Box], offset: float, side: int = 0) -> list[float]:
    """Lane x beside each box: right of it (``side`` +1), left of it (-1) or both (0)."""
    xs = []
    for box in boxes:
        if side <= 0:
            xs.append(box.left - offset)
        if side >= 0:
            xs.append(box.right + offset)
    return xs


def _corridor_ys(boxes: list[Box], offset: float) -> list[float]:
    ys = []
    for box in boxes:
        ys.append(box.top - offset)
        ys.append(box.bottom + offset)
    return ys


def route_cable(index: BoxIndex, a: End, b: End, *, lane: float = 8.0, reach: float = 500.0,
                prefer_x: float | None = None, side: int = 0) -> Polyline:
    """An orthogonal path from ``a`` to ``b`` that stays out of every box in ``index``.

    ``lane`` is how far from a box's side the cable runs in a corridor (cables of
    different lanes share a corridor side by side). The ends' own boxes are in the
    index too: the straight runs out of them start on their edge, so a cable never
    doubles back through its own server. ``prefer_x``: run the vertical part there
    when it is free (where the cable came in when its landing slot was chosen).
    ``side``: +1 keeps to lanes right of the boxes (a cable that set off rightward
    climbs along the left wall of a corridor), -1 left of them, 0 either.
    """
    sa, sb = a.out, b.out
    head, tail = [a.point, sa], [sb, b.point]
    lo_x, hi_x = min(sa[0], sb[0]), max(sa[0], sb[0])
    lo_y, hi_y = min(sa[1], sb[1]), max(sa[1], sb[1])
    band = index.in_area(Box(lo_x - reach, lo_y - 1, hi_x - lo_x + 2 * reach, hi_y - lo_y + 2))
    boxes = [box for _, box in band]
    stubs = a.stub + b.stub
    scored: list[tuple[float, int, float | None, float | None]] = []
    # Z shapes: a vertical run at some corridor x between the two straight runs.
    # (Their cost is known without building them: length plus bends.)
    preferred = {prefer_x} if prefer_x is not None else set()
    lanes = set(_corridor_xs(boxes, lane, side))
    # Climbing at an end's own x is fine in the open, but in a corridor between boxes
    # it would cut across the lanes the cables beside it keep to.
    def crowded(x: float, y_from: float, y_to: float) -> bool:
        if x in lanes or x in preferred:
            return False
        lo, hi = min(y_from, y_to) + CORRIDOR, max(y_from, y_to) - CORRIDOR
        return hi > lo and index.blocked((x, lo), (x, hi), CORRIDOR)

    def beside_corridor(x: float, near: End, far: End) -> bool:
        """Climbing at ``near``'s x from the far end's box: a corridor beside that box
        belongs to the cables climbing out of it, even above the box's own row."""
        if far.box is None or x in lanes or x in preferred:
            return False
        bottom = far.box.bottom if far.direction < 0 else far.box.top
        lo, hi = sorted((near.out[1] + near.direction * CORRIDOR, bottom))
        above_it = far.box.left < x < far.box.right  # over the box itself, not beside it
        return hi > lo and index.blocked((x, lo), (x, hi), CORRIDOR, exclude=far.box if above_it else None)

    open_ends = {x for x, near, far in ((sa[0], a, b), (sb[0], b, a))
                 if not crowded(x, sa[1], sb[1]) and not beside_corridor(x, near, far)}
    # Candidates as (cost, order, x of a vertical run or None, y of a sideways run or None):
    # each path is built only when it comes up to be checked.
    dy = abs(sb[1] - sa[1])
    # Of shapes of equal cost, the one that turns nearest its start (then the leftmost) is
    # taken, whatever order the index gave its boxes in (a set of ids: that order changes
    # with Python's hash seed, and with it the routes of a large design).
    for xc in sorted(open_ends | lanes | preferred, key=lambda x: (abs(x - sa[0]), x)):
        turns = (xc != sa[0]) + (xc != sb[0])
        cost = stubs + abs(xc - sa[0]) + dy + abs(sb[0] - xc) + BEND_COST * (turns + 1)
        if xc in preferred:
            cost -= 1e6
        scored.append((cost, len(scored), xc, None))
    # Sideways Z shapes: a horizontal run at some corridor y.
    wide = index.in_area(Box(lo_x - 1, lo_y - reach, hi_x - lo_x + 2, hi_y - lo_y + 2 * reach))
    dx = abs(sb[0] - sa[0])
    rows = {sa[1], sb[1], *_corridor_ys([box for _, box in wide], lane)}
    for yc in sorted(rows, key=lambda y: (abs(y - sa[1]), y)):
        if (yc - sa[1]) * a.direction >= 0 and (yc - sb[1]) * b.direction >= 0:
            turns = (yc != sa[1]) + (yc != sb[1])
            cost = stubs + abs(yc - sa[1]) + dx + abs(sb[1] - yc) + BEND_COST * (turns + 1)
            scored.append((cost, len(scored), None, yc))
    scored.sort()
    ends_beside: bool | None = None
    path_blocked = index.path_blocked
    for _, _, up_x, sideways_y in scored:
        if sideways_y is None:
            assert up_x is not None  # a shape is either an up-down run at x or a sideways one at y
            middle = [sa, (up_x, sa[1]), (up_x, sb[1]), sb]
        else:
            middle = [sa, (sa[0], sideways_y), (sb[0], sideways_y), sb]
        if path_blocked(middle):
            continue
        if sideways_y is not None:  # checked only for the few shapes that get this far
            if ends_beside is None:
                ends_beside = beside_corridor(sa[0], a, b) or beside_corridor(sb[0], b, a)
            if ends_beside or crowded(sa[0], sa[1], sideways_y) or crowded(sb[0], sideways_y, sb[1]):
                continue
        return simplify([a.point, *middle, b.point])
    found = _grid_route(index, a, b, lane)
    if found is not None:
        return found
    # Boxed in (a socket covered by another box): still draw the cable, plainly.
    mid = (sa[1] + sb[1]) / 2
    return simplify(head + [(sa[0], mid), (sb[0], mid)] + tail)


def _grid_route(index: BoxIndex, a: End, b: End, lane: float) -> Polyline | None:
    """Shortest path with few bends over the lines of the corridors (the orthogonal
    visibility grid), looking further afield until a path is found."""
    sa, sb = a.out, b.out
    for reach in (300.0, 1200.0, None):
        if reach is None:
            boxes = list(index.boxes.values())
        else:
            area = Box(min(sa[0], sb[0]) - reach, min(sa[1], sb[1]) - reach,
                       abs(sa[0] - sb[0]) + 2 * reach, abs(sa[1] - sb[1]) + 2 * reach)
            boxes = [box for _, box in index.in_area(area)]
        xs = sorted({sa[0], sb[0], *_corridor_xs(boxes, lane)})
        ys = sorted({sa[1], sb[1], *_corridor_ys(boxes, lane)})
        path = _astar(index, xs, ys, sa, sb)
        if path is not None:
            return simplify([a.point] + path + [b.point])
        if reach is None or len(boxes) == len(index.boxes):
            break
    return None


def _astar(index: BoxIndex, xs: list[float], ys: list[float], start: Point, goal: Point) -> Polyline | None:
    xi = {x: i for i, x in enumerate(xs)}
    yi = {y: j for j, y in enumerate(ys)}
    s, g = (xi[start[0]], yi[start[1]]), (xi[goal[0]], yi[goal[1]])
    edge_ok: dict[tuple[tuple[int, int], tuple[int, int]], bool] = {}

    def free(u: tuple[int, int], v: tuple[int, int]) -> bool:
        key = (u, v) if u <= v else (v, u)
        ok = edge_ok.get(key)
        if ok is None:
            ok = not index.blocked((xs[u[0]], ys[u[1]]), (xs[v[0]], ys[v[1]]))
            edge_ok[key] = ok
        return ok

    def h(n: tuple[int, int]) -> float:
        return abs(xs[n[0]] - goal[0]) + abs(ys[n[1]] - goal[1])

    # State: node and the direction it was entered (0 none, 1 horizontal, 2 vertical).
    best: dict[tuple[tuple[int, int], int], float] = {(s, 0): 0.0}
    came: dict[tuple[tuple[int, int], int], tuple[tuple[int, int], int]] = {}
    heap = [(h(s), 0.0, s, 0)]
    limit = 60000
    while heap and limit:
        limit -= 1
        _, cost, node, d = heapq.heappop(heap)
        if cost > best.get((node, d), math.inf):
            continue
        if node == g:
            path = [(xs[node[0]], ys[node[1]])]
            state = (node, d)
            while state in came:
                state = came[state]
                path.append((xs[state[0][0]], ys[state[0][1]]))
            return path[::-1]
        i, j = node
        for ni, nj, nd in ((i + 1, j, 1), (i - 1, j, 1), (i, j + 1, 2), (i, j - 1, 2)):
            if not (0 <= ni < len(xs) and 0 <= nj < len(ys)):
                continue
            nxt = (ni, nj)
            if not free(node, nxt):
                continue
            step = abs(xs[ni] - xs[i]) + abs(ys[nj] - ys[j]) + (BEND_COST if d and d != nd else 0.0)
            new = cost + step
            if new < best.get((nxt, nd), math.inf):
                best[(nxt, nd)] = new
                came[(nxt, nd)] = (node, d)
                heapq.heappush(heap, (new + h(nxt), new, nxt, nd))
    return None


# ----------------------------------------------------------------- attachments
@dataclass(frozen=True)
class GuestGrid:
    """A server's guest layout, in the server's own coordinates."""

    vswitch: Box
    vm_w: float
    vm_h: float
    col_gap: float  # between guest columns
    row_gap: float  # between guest rows


@dataclass(frozen=True)
class Target:
    """What a vNIC attaches to. ``kind``: "vswitch" (software modes: the line ends
    on the vSwitch, and the vSwitch is joined to the port by its own bus line),
    "vf" (``box`` is the chip), "nic" (passthrough: ``box`` is the NIC)."""

    kind: str
    box: Box
    x: float  # where the line meets the target (the port's bus, the chip's centre…)
    chips_below: bool = False  # a VF chip with others under it: reach it from the side


def route_attachment(grid: GuestGrid, vm: Box, row: int, start_x: float, target: Target, lane: int) -> Polyline:
    """A guest's vNIC line from the top of its box to its target, in channels.

    Row 0 guests go straight up; guests further down climb to the gap above their
    row, step sideways into the column gap toward their target and follow it up.
    Direct modes then run along a lane of the bus under the vSwitch to their device;
    ``lane`` (any integer) picks the lane, so neighbouring lines do not overlap.
    """
    vs = grid.vswitch
    bus_y = vs.bottom + 5 + (lane % 5) * 4.0
    points: Polyline = [(start_x, vm.top)]
    x = start_x
    if row > 0:
        gap_y = vm.top - grid.row_gap / 2 + ((lane % 3) - 1) * 3.0
        toward_right = target.x > vm.cx
        jog = ((lane % 3) - 1) * 2.0
        x = (vm.right + grid.col_gap / 2 if toward_right else vm.left - grid.col_gap / 2) + jog
        points += [(start_x, gap_y), (x, gap_y)]
    if target.kind == "vswitch":
        points.append((x, vs.bottom))
        return simplify(points)
    points += [(x, bus_y), (target.x, bus_y)]
    box = target.box
    if target.kind == "vf" and target.chips_below:
        side = box.left - 2.0
        points[-1] = (side, bus_y)
        points += [(side, box.cy), (box.left, box.cy)]
    else:
        points.append((target.x, box.bottom))
    return simplify(points)


def vswitch_bus(vswitch: Box, nic: Box, port_x: float) -> Polyline:
    """The software path from the vSwitch up to a NIC port (shared by that port's guests)."""
    return [(port_x, vswitch.top), (port_x, nic.bottom)]


# ------------------------------------------------------------ the cable layout
@dataclass(frozen=True)
class Port:
    """A NIC port's socket in scene coordinates; ``rank`` is its place, left to
    right, among the ``count`` sockets of its server (they step their straight
    runs and corridor lanes apart so the server's cables do not cross)."""

    point: Point
    server: Hashable
    rank: int = 0
    count: int = 1


class CableLayout:
    """Every cable's route, kept up to date as boxes move.

    Top-level boxes (servers, switches, networks) are the obstacles; cable ends are
    NIC ports (by their ``"nic:port"`` end) or top-level boxes. ``move`` re-routes
    only what a moved box can change: its own cables, the cables whose landing slot
    moved because the order of their sources changed, and the cables it now covers.
    """

    def __init__(self) -> None:
        self.index: BoxIndex[Hashable] = BoxIndex()
        self.ellipses: set[Hashable] = set()
        self.ports: dict[str, Port] = {}
        self._server_ports: dict[Hashable, set[str]] = {}
        self.links: dict[Hashable, tuple[str, str]] = {}
        self.paths: dict[Hashable, Polyline] = {}
        self.landings: dict[tuple[Hashable, Hashable], End] = {}
        self.levels: dict[Hashable, tuple[int, int]] = {}  # cable -> (how far its source is, 0 nearest;
        #                                                           lanes its box's corridors need)
        self.turns: dict[Hashable, int] = {}  # cable -> which way it left its socket (-1 left, +1 right)
        self.approach: dict[Hashable, float] = {}  # cable -> the x its slot was ordered by
        self._at_box: dict[Hashable, set[Hashable]] = {}
        self._at_server: dict[Hashable, set[Hashable]] = {}
        self._drawn: BoxIndex[tuple[Hashable, int]] = BoxIndex(CELL)  # bounding boxes of routed segments: (link, k) -> Box
        # Only ``move`` asks ``_drawn``: the cables routed since are indexed then (routing the
        # whole design stores most cables twice, and a design that is only opened never asks).
        self._drawn_count: dict[Hashable, int] = {}  # cable -> segments of it in ``_drawn``
        self._drawn_stale: set[Hashable] = set()  # cables whose segments in ``_drawn`` are out of date

    # ---------------------------------------------------------------- building
    def set_box(self, key: Hashable, box: Box, *, ellipse: bool = False) -> None:
        self.index.set(key, box)
        if ellipse:
            self.ellipses.add(key)
        else:
            self.ellipses.discard(key)

    def set_ports(self, server: Hashable, ports: dict[str, Port]) -> None:
        for end in self._server_ports.pop(server, ()):
            self.ports.pop(end, None)
        self.ports.update(ports)
        self._server_ports[server] = set(ports)

    def drop(self, key: Hashable) -> None:
        """A top-level box is gone (with its ports)."""
        self.index.remove(key)
        self.set_ports(key, {})
        self._server_ports.pop(key, None)

    def set_links(self, links: dict[Hashable, tuple[str, str]]) -> None:
        self.links = dict(links)
        self._at_box.clear()
        self._at_server.clear()
        for link_id, ends in self.links.items():
            for end in ends:
                self._register(link_id, end)
        for link_id in [k for k in self.paths if k not in self.links]:
            self._forget(link_id)

    def update_links(self, links: dict[Hashable, tuple[str, str]]) -> set[Hashable]:
        """Cables added, removed or re-ended: route those (and the cables whose landing
        slot they move); returns every cable whose path changed or went away."""
        old = self.links
        added = {k for k, ends in links.items() if old.get(k) != ends}
        removed = {k for k in old if k not in links}
        touched = {end for k in added | removed for end in (links.get(k) or old.get(k) or ())
                   if end in self.index.boxes}
        for link_id in removed:
            self._forget(link_id)
            self.turns.pop(link_id, None)
            self.approach.pop(link_id, None)
            self.levels.pop(link_id, None)
        self.set_links(links)
        for link_id in added:
            self.turns.pop(link_id, None)
            self.approach.pop(link_id, None)
        redo = set(added)
        for key in touched:
            if key in self._at_box:
                redo |= self._reland(key, self._approaches(key, skip=added))
            else:
                for link_id in [k for k in list(self.landings) if k[0] == key]:
                    del self.landings[link_id]
        for link_id in redo:
            if link_id in self.links:
                self._route(link_id)
        return redo | removed

    def _register(self, link_id: Hashable, end: str) -> None:
        port = self.ports.get(end)
        if port is not None:
            self._at_server.setdefault(port.server, set()).add(link_id)
        else:
            self._at_box.setdefault(end, set()).add(link_id)

    def route_all(self) -> dict[Hashable, Polyline]:
        """Route every cable. Slots are first ordered by the x of the cables' sources;
        after a first routing, by the x where each cable actually comes in (a cable
        climbing a corridor comes in at the corridor), and the cables whose slot
        moved are routed again, so cables reach their slots without crossing."""
        self.landings.clear()
        self.turns.clear()
        self.approach.clear()
        boxes = [key for key in self._at_box if key in self.index.boxes]
        for key in boxes:
            self._land(key)
        for link_id in self.links:
            self._route(link_id)
        for key in boxes:
            approaches = self._approaches(key)
            self.approach.update(approaches)
            for link_id in self._reland(key, approaches):
                # Keeping to the corridor it came up, the order holds: usually only
                # its last run changes, toward the new slot.
                if not self._retarget(link_id, key):
                    self._route(link_id)
        return self.paths

    def _retarget(self, link_id: Hashable, key: Hashable) -> bool:
        """Re-aim a routed cable's last horizontal run at its new slot on ``key``;
        False when that is not free (route it afresh then)."""
        path = self.paths.get(link_id)
        slot = self.landings.get((key, link_id))
        if not path or slot is None or self._port_end(link_id)[1] is None:
            return False
        a, _b = self.links[link_id]
        points = path[::-1] if a == key else list(path)
        start = next((i for i in range(len(points) - 2, 0, -1)
                      if points[i][1] == points[i + 1][1] and points[i][0] != points[i + 1][0]), None)
        if start is None or points[start - 1][0] != points[start][0]:
            return False
        x, y = points[start][0], slot.out[1]
        candidate = points[:start] + [(x, y), (slot.point[0], y), slot.point]
        if (y - points[start - 1][1]) * slot.direction > 0 or self.index.path_blocked(candidate[start - 1:-1]):
            return False
        candidate = simplify(candidate)
        self._store(link_id, candidate[::-1] if a == key else candidate)
        return True

    def _approaches(self, key: Hashable, skip: AbstractSet[Hashable] = frozenset()) -> dict[Hashable, float]:
        """Per cable at a box: the x where its last horizontal run toward its slot
        starts (the slot's own x when it climbs straight into it)."""
        out = {}
        for link_id in self._at_box.get(key, ()):
            path = self.paths.get(link_id)
            slot = self.landings.get((key, link_id))
            if link_id in skip or not path or len(path) < 2 or slot is None:
                continue
            a, _b = self.links[link_id]
            points = path[::-1] if a == key else path
            # Where its last horizontal run toward the slot starts.
            out[link_id] = points[-1][0]
            for p, q in zip(points[-2::-1], points[:0:-1]):  # runs, from the slot backwards
                if p[1] == q[1] and p[0] != q[0]:
                    out[link_id] = p[0]
                    break
        return out

    def _reland(self, key: Hashable, approaches: dict[Hashable, float]) -> set[Hashable]:
        """Slots of a box anew; the cables whose slot changed."""
        links = self._at_box.get(key, ())
        before = {link_id: self.landings.get((key, link_id)) for link_id in links}
        self._land(key, approaches)
        return {link_id for link_id in links if self.landings.get((key, link_id)) != before[link_id]}

    # ----------------------------------------------------------------- moving
    def move(self, key: Hashable, box: Box, ports: dict[str, Port] | None = None) -> set[Hashable]:
        """A top-level box moved (with its ports, for a server): re-route what it
        affects and return the ids of the cables whose path changed."""
        self.index.set(key, box)
        if ports is not None:
            self.set_ports(key, ports)
        # In a fixed order (not a set's, which follows the hash seed): the boxes are relanded
        # one after another, each from the paths as they stand.
        own = sorted(set(self._at_box.get(key, ())) | set(self._at_server.get(key, ())), key=str)
        self.forget_turns(own)
        for link_id in own:
            self.approach.pop(link_id, None)
        touched_boxes = dict.fromkeys([key] if key in self._at_box else [])
        for link_id in own:
            for end in self.links.get(link_id, ()):
                if end in self._at_box:
                    touched_boxes[end] = None
        redo = set(own)
        self._index_drawn()
        for seg_key in self._drawn.near(box.inflated(CLEARANCE)):
            link_id = seg_key[0]
            if link_id in redo:
                continue
            path = self.paths.get(link_id)
            k = seg_key[1]
            if path is not None and k + 1 < len(path) and segment_crosses(box, path[k], path[k + 1]):
                redo.add(link_id)  # it now runs under the moved box
        relanded: dict[Hashable, list[Hashable]] = {}
        skip = set(own)
        for box_key in touched_boxes:
            # The cables that did not move keep coming in where they did.
            for link_id in self._reland(box_key, self._approaches(box_key, skip=skip)):
                relanded.setdefault(link_id, []).append(box_key)
        changed = set()
        for link_id in redo | set(relanded):
            before = self.paths.get(link_id)
            # A cable whose slots moved at both its boxes (a switch-to-switch cable) is
            # routed afresh; re-aiming its last run serves one end only.
            at = relanded.get(link_id, ())
            if link_id in redo or len(at) != 1 or not self._retarget(link_id, at[0]):
                self._route(link_id)
            if self.paths.get(link_id) != before:
                changed.add(link_id)
        return changed

    # ---------------------------------------------------------------- details
    def _reference(self, end: str) -> Point | None:
        port = self.ports.get(end)
        if port is not None:
            return port.point
        box = self.index.boxes.get(end)
        return (box.cx, box.cy) if box is not None else None

    def _free(self, box: Box, direction: int) -> float:
        """Room below (or above) a box before the next box under (over) it."""
        depth = 400.0
        area = Box(box.left - 150, box.bottom if direction > 0 else box.top - depth, box.w + 300, depth)
        room = depth
        for _, other in self.index.in_area(area):
            if other == box:
                continue
            gap = other.top - box.bottom if direction > 0 else box.top - other.bottom
            if gap >= 0:
                room = min(room, gap)
        return room

    def _land(self, key: Hashable, approaches: dict[Hashable, float] | None = None) -> None:
        box = self.index.boxes[key]
        for link_id in self._at_box.get(key, ()):
            self.landings.pop((key, link_id), None)
        sources: dict[Hashable, Point] = {}
        for link_id in self._at_box.get(key, ()):
            a, b = self.links[link_id]
            other = b if a == key else a
            if other == key:
                continue
            ref = self._reference(other)
            if ref is not None:
                if approaches and link_id in approaches:
                    ref = (approaches[link_id], ref[1])
                sources[link_id] = ref
        slots = landing_slots(box, sources, ellipse=key in self.ellipses,
                              margin=box.w * 0.2 if key in self.ellipses else 14.0,
                              free_below=self._free(box, 1), free_above=self._free(box, -1))
        for link_id, end in slots.items():
            self.landings[(key, link_id)] = end
        # Sources further away take corridor lanes further from the box they climb
        # beside, so they pass outside the cables that joined the corridor higher up.
        edge = {1: box.bottom, -1: box.top}
        ports = {k: port for k in slots if (port := self._port_end(k)[1]) is not None}
        depth = {k: (slots[k].direction, round(abs(sources[k][1] - edge[slots[k].direction]) / 20.0))
                 for k in ports}
        for direction in (1, -1):
            levels = sorted({d for dr, d in depth.values() if dr == direction})
            rank = {d: i for i, d in enumerate(levels)}
            width = max((ports[k].count for k in depth if depth[k][0] == direction), default=1)
            lanes = max(1, len(levels) * width)
            for k, (dr, d) in depth.items():
                if dr == direction:
                    self.levels[k] = (rank[d], lanes)

    def _end(self, link_id: Hashable, end: str, turn: int) -> End | None:
        port = self.ports.get(end)
        if port is not None:
            # Of a server's cables turning the same way, the one nearest that side
            # turns first (lowest), so none crosses another's straight run.
            k = port.count - 1 - port.rank if turn > 0 else port.rank
            return End(port.point, -1, STUB + 5.0 * (k % 4), self.index.boxes.get(port.server))
        return self.landings.get((end, link_id))

    def _lane(self, link_id: Hashable, port: Port | None, turn: int) -> float:
        found = self.levels.get(link_id)
        if port is None or found is None:
            return 8.0
        level, lanes = found
        k = port.rank if turn > 0 else port.count - 1 - port.rank
        # Lanes fill the near half of a 40-unit corridor (the far half belongs to the
        # cables climbing beside the box on the other side).
        step = min(3.0, 15.0 / max(1, lanes - 1))
        return 5.0 + step * min(lanes - 1, level * port.count + k)

    def _port_end(self, link_id: Hashable) -> tuple[str | None, Port | None]:
        for end in self.links[link_id]:
            port = self.ports.get(end)
            if port is not None:
                return end, port
        return None, None

    def _guess_turn(self, link_id: Hashable, end: str | None, port: Port | None) -> int:
        if port is None:
            return 1
        known = self.turns.get(link_id)
        if known:
            return known
        other = next(e for e in self.links[link_id] if e != end) if end is not None else None
        slot = self.landings.get((other, link_id))
        if slot is None:
            return 1
        return 1 if slot.point[0] >= port.point[0] else -1

    def forget_turns(self, links: Iterable[Hashable]) -> None:
        for link_id in links:
            self.turns.pop(link_id, None)

    def _forget(self, link_id: Hashable) -> None:
        if self.paths.pop(link_id, None) is not None:
            self._drawn_stale.add(link_id)

    def _index_drawn(self) -> None:
        """Bring ``_drawn`` up to date with the cables routed (or gone) since it last was."""
        drawn, counts = self._drawn, self._drawn_count
        for link_id in self._drawn_stale:
            for k in range(counts.pop(link_id, 0)):
                drawn.remove((link_id, k))
            path = self.paths.get(link_id)
            if path is None:
                continue
            for k, (p, q) in enumerate(zip(path, path[1:])):
                drawn.set((link_id, k), Box(min(p[0], q[0]), min(p[1], q[1]), abs(p[0] - q[0]), abs(p[1] - q[1])))
            counts[link_id] = len(path) - 1
        self._drawn_stale.clear()

    def _route(self, link_id: Hashable) -> None:
        self._forget(link_id)
        a_end, b_end = self.links[link_id]
        port_end, port = self._port_end(link_id)
        turn = self._guess_turn(link_id, port_end, port)
        path: Polyline = []
        for _attempt in range(2):
            a, b = self._end(link_id, a_end, turn), self._end(link_id, b_end, turn)
            if a is None or b is None:
                return
            path = route_cable(self.index, a, b, lane=self._lane(link_id, port, turn),
                               prefer_x=self.approach.get(link_id), side=turn if port is not None else 0)
            actual = _first_turn(path if port_end == a_end else path[::-1]) if port is not None else 0
            if actual in (0, turn):
                break
            turn = actual  # it left the other way: its stub and lane follow that side
        self.turns[link_id] = turn
        self._store(link_id, path)

    def _store(self, link_id: Hashable, path: Polyline) -> None:
        self.paths.pop(link_id, None)  # re-inserted: ``paths`` lists cables in the order last routed
        self.paths[link_id] = path
        self._drawn_stale.add(link_id)


def _first_turn(path: Polyline) -> int:
    """Which way a path turns after its first vertical run: -1 left, +1 right, 0 never."""
    for (x1, y1), (x2, y2) in zip(path, path[1:]):
        if y1 == y2 and x1 != x2:
            return 1 if x2 > x1 else -1
    return 0
