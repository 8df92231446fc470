"""Moving, aligning and distributing over plain rectangles, and where a paste lands
(``free_offset``): the geometry, checked for any rectangles, and one undo step each."""

from __future__ import annotations

from edit_support import design, roundtrip, run, snapshot
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.edit import ops
from designer.model import Network, Topology

LAYOUT = settings(max_examples=40, deadline=None)

COORD = st.integers(-2000, 2000).map(float)
SIZE = st.integers(1, 500).map(float)
RECT = st.tuples(COORD, COORD, SIZE, SIZE)


def networks(rects: list[tuple[float, float, float, float]]) -> tuple[Topology, dict]:
    """A design of one network per rectangle, placed at its top-left corner."""
    t = Topology.build([Network(id=f"n{i}", x=r[0], y=r[1]) for i, r in enumerate(rects)])
    return t, {f"n{i}": r for i, r in enumerate(rects)}


def moved(t: Topology, rects: dict) -> dict:
    """The rectangles where the elements are now (same sizes)."""
    return {i: (t[i].x, t[i].y, r[2], r[3]) for i, r in rects.items()}


@LAYOUT
@given(st.lists(RECT, min_size=2, max_size=6), st.sampled_from(list(ops.ALIGNMENTS)))
def test_align_lines_up_the_chosen_edge_or_centre(rects, how):
    t, by_id = networks(rects)
    before = snapshot(t)
    command = ops.align(t, by_id, how)
    if command is None:  # already aligned
        return
    run(command)
    after = moved(t, by_id)
    edge = {
        "left": lambda r: r[0], "right": lambda r: r[0] + r[2], "top": lambda r: r[1],
        "bottom": lambda r: r[1] + r[3], "hcenter": lambda r: r[0] + r[2] / 2, "vcenter": lambda r: r[1] + r[3] / 2,
    }[how]
    values = [edge(r) for r in after.values()]
    assert max(values) - min(values) < 1e-6
    target = {"left": min, "top": min, "right": max, "bottom": max}.get(how)
    if target is not None:  # the outermost edge stays where it was
        assert abs(values[0] - target(edge(r) for r in by_id.values())) < 1e-6
    # Only the one axis moves.
    axis = 0 if how in ("left", "right", "hcenter") else 1
    assert all(a[1 - axis] == r[1 - axis] for a, r in zip(after.values(), by_id.values()))
    command.revert()
    assert snapshot(t) == before


@LAYOUT
@given(st.lists(RECT, min_size=3, max_size=6), st.sampled_from(["horizontal", "vertical"]))
def test_distribute_makes_the_gaps_equal_and_keeps_the_ends(rects, orientation):
    t, by_id = networks(rects)
    before = snapshot(t)
    command = ops.distribute(t, by_id, orientation)
    if command is None:
        return
    run(command)
    a = 0 if orientation == "horizontal" else 1
    order = sorted(by_id, key=lambda i: by_id[i][a])  # by their leading edge, as they were
    now = moved(t, by_id)
    after = [now[i] for i in order]
    gaps = [after[i + 1][a] - (after[i][a] + after[i][a + 2]) for i in range(len(after) - 1)]
    assert max(gaps) - min(gaps) < 1e-6
    assert after[0][a] == by_id[order[0]][a]  # the first and the last stay
    assert after[-1][a] == by_id[order[-1]][a]
    assert all(now[i][1 - a] == by_id[i][1 - a] for i in by_id)  # the other axis does not move
    command.revert()
    assert snapshot(t) == before


@LAYOUT
@given(RECT, st.lists(RECT, max_size=25))
def test_free_offset_finds_a_place_that_overlaps_nothing(box, occupied):
    dx, dy = ops.free_offset(box, occupied)
    placed = (box[0] + dx, box[1] + dy, box[2], box[3])
    assert not any(ops._overlaps(placed, r) for r in occupied)
    assert dx > 0 and dy >= 0  # to the right of where it was, row by row below


def test_free_offset_prefers_the_place_next_to_the_original():
    box = (0.0, 0.0, 100.0, 50.0)
    assert ops.free_offset(box, [box]) == (100.0 + ops.PASTE_GAP, 0.0)


def test_a_move_is_one_step_for_the_whole_drag():
    t = design()
    command = roundtrip(t, ops.move(t, {"host1": ((0, 200), (10, 20)), "host2": ((400, 200), (30, 40)),
                                        "ghost": ((0, 0), (5, 5))}))
    assert set(command.moves) == {"host1", "host2"}
    assert (t["host1"].x, t["host2"].y) == (10, 40)


def test_align_moves_the_model_positions_by_what_the_rectangles_say():
    """The rectangles are what the canvas draws (a server's box may start elsewhere than its
    position): the element moves by the difference, whatever its own x."""
    t = design()
    rects = {"host1": (5.0, 200.0, 300.0, 200.0), "host2": (400.0, 200.0, 300.0, 200.0)}
    run(ops.align(t, rects, "left"))
    assert (t["host1"].x, t["host2"].x) == (0.0, 400.0 - 395.0)


def test_align_and_distribute_ignore_ids_the_design_lacks():
    """A rectangle of an element deleted meanwhile still counts for the edge, but nothing
    tries to move it."""
    t = design()
    rects = {"host1": (0.0, 200.0, 300.0, 200.0), "gone": (50.0, 0.0, 10.0, 10.0)}
    command = run(ops.align(t, rects, "top"))
    assert set(command.moves) == {"host1"} and t["host1"].y == 0.0
    rects = {"host1": (0.0, 0.0, 300.0, 200.0), "host2": (400.0, 200.0, 300.0, 200.0),
             "gone": (1500.0, 0.0, 10.0, 10.0), "host3": (2000.0, 200.0, 300.0, 200.0)}
    command = run(ops.distribute(t, rects, "horizontal"))
    assert set(command.moves) == {"host2"}  # the ends stay, the gone one is left alone
