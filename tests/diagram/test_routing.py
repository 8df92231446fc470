"""The line router without Qt: corridors, landing slots, incremental moves, guest channels."""

from __future__ import annotations

import math

from designer.diagram.routing import (
    Box,
    BoxIndex,
    CableLayout,
    End,
    GuestGrid,
    Port,
    Target,
    landing_slots,
    route_attachment,
    route_cable,
    segment_crosses,
)


def _clear(points, boxes):
    return not any(segment_crosses(box, a, b) for box in boxes for a, b in zip(points, points[1:]))


def _orthogonal(points):
    return all(a[0] == b[0] or a[1] == b[1] for a, b in zip(points, points[1:]))


def test_segment_crossing_ignores_edges_and_sees_diagonals():
    box = Box(0, 0, 100, 50)
    assert segment_crosses(box, (-10, 25), (110, 25))
    assert not segment_crosses(box, (-10, 0), (110, 0))  # along the top edge
    assert not segment_crosses(box, (50, -20), (50, 0))  # ends on the edge
    assert segment_crosses(box, (-10, -10), (60, 60))  # a diagonal through a corner region
    assert not segment_crosses(box, (-10, 60), (-1, 0))


def test_a_cable_goes_around_a_server_in_its_way():
    index = BoxIndex()
    switch = Box(400, -200, 220, 56)
    upper, lower = Box(0, 0, 500, 300), Box(0, 340, 500, 300)
    for key, box in (("sw", switch), ("upper", upper), ("lower", lower)):
        index.set(key, box)
    # From a socket on the lower server's top edge, straight up would cross the upper one.
    path = route_cable(index, End((60, 340), -1), End((450, switch.bottom), 1))
    assert path[0] == (60, 340) and path[-1] == (450, switch.bottom)
    assert _orthogonal(path)
    assert _clear(path, [upper, lower, switch])
    # It climbs in the gap beside the upper server, not through it.
    climb = [a for a, b in zip(path, path[1:]) if a[0] == b[0] and abs(a[1] - b[1]) > 300]
    assert climb and climb[0][0] > upper.right


def test_a_boxed_in_cable_takes_the_grid_search_and_finds_the_way_out():
    index = BoxIndex()
    # A U of boxes above the socket: the only way out is down, around and up.
    walls = [Box(-200, -300, 400, 40), Box(-200, -260, 40, 240), Box(160, -260, 40, 240)]
    for i, box in enumerate(walls):
        index.set(i, box)
    index.set("target", Box(-50, -600, 100, 40))
    path = route_cable(index, End((0, -100), -1), End((0, -560), 1))
    assert _orthogonal(path)
    assert _clear(path, walls + [Box(-50, -600, 100, 40)])
    assert max(p[1] for p in path) > -20  # it went below the walls


def test_landing_slots_are_distinct_and_follow_the_sources_order():
    switch = Box(0, 0, 220, 56)
    sources = {"c": (900.0, 400.0), "a": (-500.0, 400.0), "b": (100.0, 500.0), "up": (50.0, -300.0)}
    slots = landing_slots(switch, sources, free_below=200)
    below = sorted(("a", "b", "c"), key=lambda k: slots[k].point[0])
    assert below == ["a", "b", "c"]
    assert len({slots[k].point for k in slots}) == 4
    assert all(slots[k].point[1] == switch.bottom and slots[k].direction == 1 for k in below)
    assert slots["up"].point[1] == switch.top and slots["up"].direction == -1
    assert all(switch.left < s.point[0] < switch.right for s in slots.values())
    # The middle cable runs straight down further than the outer ones (they turn first).
    assert slots["b"].stub > slots["a"].stub and slots["b"].stub > slots["c"].stub


def test_landing_on_a_network_meets_its_ellipse():
    net = Box(0, 0, 170, 70)
    slots = landing_slots(net, {"x": (10.0, 300.0), "y": (160.0, 300.0)}, ellipse=True, margin=34)
    for end in slots.values():
        u, v = (end.point[0] - net.cx) / (net.w / 2), (end.point[1] - net.cy) / (net.h / 2)
        assert math.isclose(u * u + v * v, 1.0, rel_tol=1e-9)
        assert end.out[1] > net.bottom  # it leaves the network's box before turning


def _layout():
    layout = CableLayout()
    layout.set_box("sw", Box(400, -200, 220, 56))
    layout.set_box("s1", Box(0, 0, 500, 300))
    layout.set_box("s2", Box(700, 0, 500, 300))
    layout.set_box("loose", Box(2000, 0, 100, 100))
    layout.set_ports("s1", {"n1:0": Port((60, 0), "s1", 0), "n1:1": Port((150, 0), "s1", 1)})
    layout.set_ports("s2", {"n2:0": Port((760, 0), "s2", 0)})
    layout.set_links({"c1": ("n1:0", "sw"), "c2": ("n1:1", "sw"), "c3": ("n2:0", "sw")})
    layout.route_all()
    return layout


def test_cables_land_in_the_order_of_their_sockets():
    layout = _layout()
    xs = {k: layout.paths[k][-1][0] for k in ("c1", "c2", "c3")}
    assert xs["c1"] < xs["c2"] < xs["c3"]


def test_moving_a_server_reroutes_its_cables_and_those_it_now_covers_only():
    layout = _layout()
    before = {k: list(v) for k, v in layout.paths.items()}
    # A box with no cables moves onto c3's path: c3 must go around it, the others stay.
    c3 = before["c3"]
    xs = [p[0] for p in c3]
    ys = [p[1] for p in c3]
    cover = Box(min(xs) - 5, (min(ys) + max(ys)) / 2 - 5, max(xs) - min(xs) + 10, 10)
    changed = layout.move("loose", cover)
    assert changed == {"c3"}
    assert layout.paths["c1"] == before["c1"] and layout.paths["c2"] == before["c2"]
    assert _clear(layout.paths["c3"], [cover])
    # Moving s1 far right swaps the landing order: every cable at the switch follows.
    changed = layout.move("s1", Box(1400, 0, 500, 300),
                          {"n1:0": Port((1460, 0), "s1", 0), "n1:1": Port((1550, 0), "s1", 1)})
    assert {"c1", "c2", "c3"} <= changed
    assert layout.paths["c3"][-1][0] < layout.paths["c1"][-1][0] < layout.paths["c2"][-1][0]


def _grid():
    # Two rows of three guests under a vSwitch, as designer.layout places them.
    vswitch = Box(12, 100, 400, 22)
    guests = {(r, c): Box(12 + c * 134, 148 + r * 80, 124, 62) for r in range(2) for c in range(3)}
    return GuestGrid(vswitch, 124, 62, 10, 18), guests


def test_a_guest_in_the_second_row_climbs_in_the_column_gap():
    grid, guests = _grid()
    vm = guests[(1, 0)]
    nic = Box(12, 0, 300, 60)
    points = route_attachment(grid, vm, 1, vm.cx, Target("nic", nic, 250.0), lane=0)
    assert points[0] == (vm.cx, vm.top) and points[-1] == (250.0, nic.bottom)
    assert _orthogonal(points)
    others = [box for key, box in guests.items() if key != (1, 0)]
    assert _clear(points, others)


def test_a_vf_chip_with_chips_under_it_is_reached_from_the_side():
    grid, guests = _grid()
    vm = guests[(0, 1)]
    chip = Box(40, 28, 24, 16)
    under = Box(40, 48, 24, 16)
    points = route_attachment(grid, vm, 0, vm.cx, Target("vf", chip, chip.cx, chips_below=True), lane=2)
    assert points[-1] == (chip.left, chip.cy)
    assert _clear(points, [under] + list(guests.values()))


def test_software_attachments_end_on_the_vswitch_and_lanes_keep_lines_apart():
    grid, guests = _grid()
    vm = guests[(1, 2)]
    points = route_attachment(grid, vm, 1, vm.cx, Target("vswitch", Box(0, 0, 1, 1), 20.0), lane=0)
    assert points[-1][1] == grid.vswitch.bottom
    a = route_attachment(grid, guests[(0, 0)], 0, guests[(0, 0)].cx, Target("nic", Box(200, 0, 100, 60), 250), 0)
    b = route_attachment(grid, guests[(0, 1)], 0, guests[(0, 1)].cx, Target("nic", Box(200, 0, 100, 60), 260), 1)
    bus_a = [p[1] for p in a if grid.vswitch.bottom < p[1] < guests[(0, 0)].top]
    bus_b = [p[1] for p in b if grid.vswitch.bottom < p[1] < guests[(0, 0)].top]
    assert bus_a and bus_b and set(bus_a).isdisjoint(bus_b)


def test_adding_and_removing_cables_reroutes_only_that_switch():
    layout = _layout()
    layout.set_box("sw2", Box(1400, -200, 220, 56))
    layout.set_box("s3", Box(1400, 0, 300, 300))
    layout.set_ports("s3", {"n3:0": Port((1460, 0), "s3", 0)})
    layout.update_links({**layout.links, "c9": ("n3:0", "sw2")})
    before = {k: list(v) for k, v in layout.paths.items()}
    # A new cable at the first switch: it gets a slot in order; the other switch is untouched.
    layout.set_ports("s1", {"n1:0": Port((60, 0), "s1", 0, 3), "n1:1": Port((150, 0), "s1", 1, 3),
                            "n1:2": Port((240, 0), "s1", 2, 3)})
    changed = layout.update_links({**layout.links, "c4": ("n1:2", "sw")})
    assert "c4" in changed and "c9" not in changed
    assert layout.paths["c9"] == before["c9"]
    xs = [layout.paths[k][-1][0] for k in ("c1", "c2", "c4", "c3")]
    assert xs == sorted(xs) and len(set(xs)) == 4
    # Removing it: it is gone and the slots close up again.
    links = dict(layout.links)
    del links["c4"]
    changed = layout.update_links(links)
    assert "c4" in changed and "c4" not in layout.paths
    assert {k: layout.paths[k][-1] for k in ("c1", "c2", "c3")} == {k: before[k][-1] for k in ("c1", "c2", "c3")}


def test_a_cable_s_path_does_not_depend_on_the_order_the_index_gives_its_boxes(monkeypatch):
    """Of shapes of equal cost the router takes the one that climbs nearest its start: the order in
    which the index finds boxes (a set of ids, whose order changes with Python's hash
    seed) never changes a path. Rows of equal servers under a switch make many ties."""
    import random

    found = BoxIndex.in_area
    rng = random.Random(5)
    cases = []
    for _ in range(60):
        index = BoxIndex()
        cols, rows = rng.randint(2, 6), rng.randint(1, 3)
        width, height, gap = rng.choice([(120, 200), (200, 120)]), 0, rng.choice([40, 60])
        w, h = width
        for c in range(cols):
            for r in range(rows):
                index.set(f"s{c}-{r}", Box(c * (w + gap), r * (h + gap), w, h))
        switch = Box(rng.randint(-100, cols * (w + gap)), -rng.choice([200, 300]), 220, 56)
        index.set("sw", switch)
        c, r = rng.randrange(cols), rng.randrange(rows)
        socket = (c * (w + gap) + rng.choice([20, w / 2, w - 20]), r * (h + gap))
        slot = (rng.uniform(switch.left + 10, switch.right - 10), switch.bottom)
        cases.append((index, End(socket, -1), End(slot, 1)))

    def paths(order: int) -> list:
        monkeypatch.setattr(BoxIndex, "in_area",
                            lambda self, area: sorted(found(self, area), key=lambda kb: kb[0], reverse=order < 0))
        return [route_cable(index, a, b) for index, a, b in cases]

    forward, backward = paths(1), paths(-1)
    assert forward == backward
    assert all(_orthogonal(p) for p in forward)


def test_moves_give_the_same_paths_whatever_order_sets_of_ids_iterate_in():
    """Cable and box ids live in sets, whose order follows Python's per-process hash seed;
    a move relands the boxes it touches one after another, so it must do so in an order of
    its own. Here the ids hash two different ways (as two seeds would make them) and every
    path after the same moves is the same. Switch-to-switch uplinks, relanded at both ends
    by a move, are what changed before."""

    def build(salt: int) -> CableLayout:
        class Id(str):
            def __hash__(self) -> int:
                return hash((salt, str(self)))

        layout = CableLayout()
        layout.set_box(Id("core"), Box(200, -600, 400, 56))
        layout.set_box(Id("core2"), Box(1100, -600, 400, 56))
        links = {Id("peer"): (Id("core"), Id("core2")), Id("peer2"): (Id("core2"), Id("core"))}
        for t in range(6):
            tor = Id(f"t{t}")
            layout.set_box(tor, Box(t * 300, -300, 220, 56))
            links[Id(f"up{t}")] = (tor, Id("core"))
            links[Id(f"upb{t}")] = (tor, Id("core2"))
            server = Id(f"s{t}")
            layout.set_box(server, Box(t * 300, 0, 220, 200))
            ports = {Id(f"n{t}:{p}"): Port((t * 300 + 40 + 80 * p, 0), server, p, 2) for p in range(2)}
            layout.set_ports(server, ports)
            for end in ports:
                links[Id(f"c{end}")] = (end, tor)
        layout.set_links(links)
        layout.route_all()
        for t, dx in ((0, 1900), (3, -700), (5, -1500)):  # ToRs cross one another under the core
            layout.move(Id(f"t{t}"), Box(t * 300 + dx, -300, 220, 56))
        layout.move(Id("s2"), Box(2600, 0, 220, 200),
                    {Id(f"n2:{p}"): Port((2640 + 80 * p, 0), Id("s2"), p, 2) for p in range(2)})
        return layout

    paths = [{str(k): v for k, v in build(salt).paths.items()} for salt in range(6)]
    assert all(p == paths[0] for p in paths[1:])
    assert len(paths[0]) == 26 and all(_orthogonal(p) for p in paths[0].values())
