"""The one-pass rack helpers give what the simple per-rack formulation gives.

``members_by_rack`` against ``members`` called per rack, and ``implicit_racks`` against
the original loop that tried every suffix from the start for each name (written out
here as the reference), on random small designs with clashing names and ids.
"""

from __future__ import annotations

import random
import re

import pytest

from designer.model import racks as racks_module
from designer.model.elements import DEFAULT_RACK_HEIGHT_U, Rack, Server, Switch, is_valid_id
from designer.model.racks import implicit_racks, members, members_by_rack
from designer.model.rules import check_racks
from designer.model.topology import Topology

_NOT_ID = re.compile(r"[^A-Za-z0-9_.\-]+")


def reference_implicit_racks(elements, racks, taken):
    """The formulation before the per-stem counter (every clash retried from -rack)."""
    new, ids = [], {}
    used = set(taken) | set(racks)
    for element in elements:
        name = getattr(element, "rack", None)
        if element.KIND not in ("server", "switch") or name is None or name in racks or name in ids:
            continue
        if is_valid_id(name) and name not in used:
            rack_id, label = name, ""
        else:
            stem = _NOT_ID.sub("-", name).strip("-")[:56] or "rack"
            rack_id = stem
            n = 1
            while rack_id in used or not is_valid_id(rack_id):
                rack_id = f"{stem}-rack" if n == 1 else f"{stem}-rack{n}"
                n += 1
            label = name
        used.add(rack_id)
        ids[name] = rack_id
        new.append(Rack(id=rack_id, label=label, height_u=DEFAULT_RACK_HEIGHT_U))
    return new, ids


NAMES = ["a", "a b", "a  b", "a!b", "a-b", "a-b-rack", "a-b-rack2", "a-b-rack4", " a", "!!", "", "?", "rack",
         "rack-rack", "x" * 70, "x" * 70 + "!", "x" * 56 + "-rack", "a b-rack", "s1", "r1"]


@pytest.mark.parametrize("seed", range(40))
def test_implicit_racks_as_the_simple_formulation(seed):
    rng = random.Random(seed)
    elements = []
    for i in range(rng.randint(1, 30)):
        cls = rng.choice([Server, Switch])
        elements.append(cls(id=f"s{i}", rack=rng.choice(NAMES + [None]), rack_u=1))
    listed = {rid: Rack(id=rid) for rid in rng.sample(["a-b", "rack", "a-b-rack3", "r1"], rng.randint(0, 3))}
    taken = {e.id for e in elements} | set(rng.sample(["a-b-rack", "x" * 56, "a", "rack-rack2"], 2))
    got = implicit_racks(elements, listed, taken)
    want = reference_implicit_racks(elements, listed, taken)
    assert [(r.id, r.label) for r in got[0]] == [(r.id, r.label) for r in want[0]]
    assert got[1] == want[1]


def test_many_names_on_one_stem_take_consecutive_suffixes():
    elements = [Server(id=f"s{i}", rack="cab" + "!" * i, rack_u=1) for i in range(1, 6)]
    new, ids = implicit_racks(elements, {}, {e.id for e in elements})
    assert [r.id for r in new] == ["cab", "cab-rack", "cab-rack2", "cab-rack3", "cab-rack4"]
    assert ids["cab!!!"] == "cab-rack2"


def random_design(rng: random.Random) -> Topology:
    rack_list = [Rack(id=f"r{i}", height_u=rng.randint(2, 8)) for i in range(rng.randint(1, 5))]
    elements = []
    for i in range(rng.randint(0, 40)):
        cls = rng.choice([Server, Switch])
        rack = rng.choice([r.id for r in rack_list] + [None])
        elements.append(cls(id=f"e{i}", rack=rack, rack_u=rng.choice([None, 1, 2, 3, 4, 6]),
                            height_u=rng.randint(1, 3)))
    return Topology.build(elements, racks=rack_list, check=False)


@pytest.mark.parametrize("seed", range(30))
def test_members_by_rack_as_members_per_rack(seed):
    topo = random_design(random.Random(seed))
    grouped = members_by_rack(topo)
    assert list(grouped) == list(topo.racks)
    for rack_id in topo.racks:
        assert [e.id for e in grouped[rack_id]] == [e.id for e in members(topo, rack_id)]


@pytest.mark.parametrize("seed", range(30))
def test_rack_problems_as_with_members_per_rack(seed, monkeypatch):
    topo = random_design(random.Random(seed))
    fast = check_racks(topo)
    monkeypatch.setattr(racks_module, "members_by_rack",
                        lambda t: {rid: members(t, rid) for rid in t.racks})
    import designer.model.rules as rules

    monkeypatch.setattr(rules, "members_by_rack", racks_module.members_by_rack)
    assert fast == check_racks(topo)


def reference_collisions(topo: Topology) -> list[tuple[str, str]]:
    """Every overlapping pair (higher element id, lower element id) by the simple double
    loop, the first 8 above each element named and the rest counted ("+N", lower id)."""
    out = []
    for rack_id in topo.racks:
        placed = members(topo, rack_id)
        for i, lower in enumerate(placed):
            above = [upper for upper in placed[i + 1:] if upper.rack_u <= lower.rack_u + lower.height_u - 1]
            out += [(upper.id, lower.id) for upper in above[:8]]
            if len(above) > 8:
                out.append((f"+{len(above) - 8}", lower.id))
    return out


def as_pairs(found) -> list[tuple[str, str]]:
    out = []
    for p in found:
        if " is also overlapped by " in p.message:
            out.append((f"+{p.message.split(' by ')[1].split()[0]}", p.element))
        else:
            out.append((p.element, p.message.split(" and ")[1].split(" (")[0].split()[-1]))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_collisions_are_the_overlapping_pairs(seed):
    rng = random.Random(seed)
    topo = random_design(rng)
    if seed % 4 == 0:  # some designs with many elements stacked low in one rack
        rack_id = next(iter(topo.racks))
        for i in range(12):
            topo.elements[f"x{i}"] = Server(id=f"x{i}", rack=rack_id, rack_u=1, height_u=rng.randint(1, 2))
    found = [p for p in check_racks(topo) if p.code == "rack-collision"]
    assert as_pairs(found) == reference_collisions(topo)
    assert seed % 4 or any(" is also overlapped by " in p.message for p in found)


def test_thousands_stacked_in_one_unit_are_summarised():
    n = 3000
    elements = [Server(id=f"s{i}", rack="r", rack_u=1) for i in range(n)]
    topo = Topology.build(elements, racks=[Rack(id="r", label="Rack A")], check=False)
    found = [p for p in check_racks(topo) if p.code == "rack-collision"]
    # Each element names at most 8 of those above it, then one summary: linear, not n²/2.
    assert len(found) < 10 * n
    first = [p for p in found if p.message.startswith("Server s0 (U1) is also")]
    assert [p.message for p in first] == [f"Server s0 (U1) is also overlapped by {n - 1 - 8} more elements "
                                          f"above it in rack Rack A."]
    assert first[0].element == "s0" and first[0].severity == "error"
    named = [p for p in found if p.message.endswith("and server s0 (U1) overlap at U1 of rack Rack A.")]
    assert [p.element for p in named] == [f"s{i}" for i in range(1, 9)]
    # One above the cap: singular.
    assert any(p.message == f"Server s{n - 10} (U1) is also overlapped by 1 more element above it in rack Rack A."
               for p in found)
