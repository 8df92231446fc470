"""Property-based tests of the editing layer.

- A random sequence of operations (valid ones and refused ones, on whatever the design
  holds at that moment), each applied, then all reverted newest first, gives back the
  design exactly, step by step; redoing them all gives the same designs again. A refusal is
  a sentence and changes nothing; a command the model refuses on apply changes nothing.
- ``fresh_id`` never hands out an id that an element, a cable, a rack or an earlier call
  holds, and its ids are valid.
"""

from __future__ import annotations

from typing import Any

from edit_support import assert_consistent, design, is_sentence, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.edit import ops
from designer.edit.commands import Command
from designer.model import VM, Link, ModelError, Network, Nic, Rack, Server, Switch, Topology, VNic, checks
from designer.model.elements import MODES, is_valid_id
from designer.model.rules import check_design

EDITS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ANY_ID = st.sampled_from(["ghost", "r1", "tor--wan", "host1"])


def pick(data: st.DataObject, values: list[Any], fallback: Any = "ghost") -> Any:
    """One of ``values``, or now and then something that is not (to be refused)."""
    if not values:
        return fallback
    return data.draw(st.one_of(st.sampled_from(values), st.just(fallback)) if data.draw(st.integers(0, 9)) == 0
                     else st.sampled_from(values))


def ids_of(t: Topology, *kinds: str) -> list[str]:
    return [e.id for e in t.elements.values() if e.KIND in kinds]


def position(data: st.DataObject) -> float:
    return float(data.draw(st.integers(-3000, 3000)))


def rects(data: st.DataObject, t: Topology) -> dict[str, tuple[float, float, float, float]]:
    tops = ids_of(t, "network", "switch", "server")
    chosen = data.draw(st.lists(st.sampled_from(tops), unique=True, max_size=5)) if tops else []
    return {i: ((t[i].x or 0.0), (t[i].y or 0.0), float(data.draw(st.integers(10, 400))),
                float(data.draw(st.integers(10, 300)))) for i in chosen}


OPERATIONS = [
    "add", "cable", "uplink", "attach", "retarget", "detach", "delete", "set_field", "set_vnic_field",
    "set_vnics", "duplicate", "paste", "bulk_add", "move", "align", "distribute", "place",
    "place_in_free_slot", "unrack", "add_rack", "edit_rack", "remove_rack",
]


def random_edit(data: st.DataObject, t: Topology, operations: list[str] = OPERATIONS) -> Any:
    """One operation of designer.edit.ops on the design as it is now."""
    op = data.draw(st.sampled_from(operations), label="operation")
    servers, nics, vms = ids_of(t, "server"), ids_of(t, "nic"), ids_of(t, "vm")
    ends = ids_of(t, "switch", "network")
    racks = list(t.racks)
    if op == "add":
        kind = data.draw(st.sampled_from(["network", "switch", "server", "nic", "vm", "vf"]))
        parent = pick(data, nics if kind == "vf" else servers)
        return ops.add_element(t, kind, x=position(data), y=position(data), parent=parent,
                               port=data.draw(st.integers(0, 3)))
    if op == "cable":
        far = pick(data, ends + [f"{n}:1" for n in nics])
        return ops.cable(t, pick(data, nics), data.draw(st.integers(0, 2)), far)
    if op == "uplink":
        return ops.uplink(t, pick(data, ends), pick(data, ends))
    if op in ("attach", "retarget"):
        mode = data.draw(st.sampled_from(MODES))
        device = pick(data, ids_of(t, "vf") if mode == "vf" else nics)
        if op == "attach":
            return ops.attach(t, pick(data, vms), mode, device, port=data.draw(st.integers(0, 2)))
        return ops.retarget(t, pick(data, vms), data.draw(st.integers(0, 1)), mode, device,
                            port=data.draw(st.integers(0, 2)))
    if op == "detach":
        return ops.detach_vnic(t, pick(data, vms), data.draw(st.integers(0, 1)))
    if op == "delete":
        return ops.delete(t, data.draw(st.lists(st.sampled_from(list(t.elements) + list(t.links) + ["ghost"]),
                                                max_size=3)))
    if op == "set_field":
        element = pick(data, list(t.elements))
        kind = t.elements[element].KIND if element in t.elements else "server"
        name, value = data.draw(st.sampled_from({
            "server": [("cores", 8), ("vmm_io_cores", 2.5), ("iommu", False), ("height_u", 2), ("cores", -1)],
            "switch": [("ports", 4), ("height_u", 3), ("port_gbps", 100.0)],
            "network": [("label", "Internet")],
            "nic": [("sriov", False), ("max_vfs", 1), ("max_vfs_per_port", 1), ("ports", 1), ("vmdq", True)],
            "vf": [("port", 1), ("min_gbps", 1.0), ("max_gbps", 2.0)],
            "vm": [("label", "guest"), ("parent", "host2")],
        }[kind]))
        return ops.set_field(t, [element], name, value)
    if op == "set_vnic_field":
        name, value = data.draw(st.sampled_from([("tx_gbps", 5.0), ("mode", "emulated"), ("to", "lan"),
                                                 ("weight", 0.0), ("packet_bytes", 9000), ("to", "tor")]))
        chosen = data.draw(st.lists(st.sampled_from(vms), unique=True, max_size=4)) if vms else []
        return ops.set_vnic_field(t, chosen, name, value, index=data.draw(st.sampled_from([None, 0, 1])))
    if op == "set_vnics":
        return ops.set_vnics(t, pick(data, vms), [VNic(mode="paravirtual", nic=pick(data, nics), tx_gbps=1.0)])
    if op in ("duplicate", "paste"):
        chosen = data.draw(st.lists(st.sampled_from(list(t.elements)), unique=True, max_size=3)) if t.elements else []
        if op == "duplicate":
            result = ops.duplicate(t, chosen)
        else:
            text = ops.copy_text(t, chosen) or "nothing"
            at = (position(data), position(data)) if data.draw(st.booleans()) else None
            result = ops.paste(t, text, at=at, target_server=pick(data, servers, None))
        return result.command if isinstance(result, ops.Paste) else result
    if op == "bulk_add":
        return ops.bulk_add(t, data.draw(st.integers(0, 2)), data.draw(st.integers(0, 3)),
                            mode=data.draw(st.sampled_from(MODES)), switch_id=pick(data, ends, None))
    if op == "move":
        element = pick(data, list(t.elements))
        old = (t[element].x, t[element].y) if element in t.elements else (0.0, 0.0)
        return ops.move(t, {element: (old, (position(data), position(data)))})
    if op == "align":
        return ops.align(t, rects(data, t), data.draw(st.sampled_from(list(ops.ALIGNMENTS) + ["middle"])))
    if op == "distribute":
        return ops.distribute(t, rects(data, t), data.draw(st.sampled_from(["horizontal", "vertical"])))
    if op == "place":
        return ops.place(t, pick(data, ids_of(t, "server", "switch")), pick(data, racks), data.draw(st.integers(0, 6)))
    if op == "place_in_free_slot":
        chosen = data.draw(st.lists(st.sampled_from(ids_of(t, "server", "switch", "vm")), max_size=3, unique=True))
        return ops.place_in_free_slot(t, chosen, pick(data, racks))
    if op == "unrack":
        return ops.unrack(t, data.draw(st.lists(st.sampled_from(list(t.elements)), max_size=3)))
    if op == "add_rack":
        rack_id = data.draw(st.one_of(st.just(ops.fresh_rack_id(t)), ANY_ID))
        return ops.add_rack(t, rack_id, "", data.draw(st.integers(1, 8)))
    if op == "edit_rack":
        rack = pick(data, racks)
        new_id = data.draw(st.one_of(st.just(rack), st.just(ops.fresh_rack_id(t)), ANY_ID))
        return ops.edit_rack(t, rack, new_id, data.draw(st.sampled_from(["", "Row Q"])), data.draw(st.integers(1, 8)))
    assert op == "remove_rack"
    return ops.remove_rack(t, pick(data, racks, None))


@EDITS
@given(st.data())
def test_any_sequence_of_edits_reverts_to_the_original_design(data):
    t = design()
    original = snapshot(t)
    done: list[tuple[Command, tuple, tuple]] = []
    before = snapshot(t)
    for _ in range(data.draw(st.integers(1, 12), label="edits")):
        revision = t.revision
        outcome = random_edit(data, t)
        if outcome is None:
            continue
        if isinstance(outcome, str):
            assert is_sentence(outcome), outcome
            # No model event; a change behind the model's back would show at the undo below.
            assert t.revision == revision, "a refusal changed the design"
            continue
        assert isinstance(outcome, Command), outcome
        assert outcome.text
        try:
            outcome.apply()
        except ModelError:
            assert snapshot(t) == before, f"{outcome.text}: refused, but the design changed"
            continue
        after = snapshot(t)
        done.append((outcome, before, after))
        before = after
    assert_consistent(t)
    for command, before, _ in reversed(done):
        command.revert()
        assert snapshot(t) == before, f"undo of {command.text!r} did not restore the design"
    assert snapshot(t) == original
    for command, _, after in done:
        command.apply()
        assert snapshot(t) == after, f"redo of {command.text!r} differs from the first time"
    assert_consistent(t)


# Errors of the drawing itself: each is a state that some edit refuses (a drop, a cable, an
# attach), so no edit may build it. (Traffic errors, such as a guarantee that cannot be met,
# follow from the numbers and are the solver's to report.)
STRUCTURAL = {"vf-limit", "sriov-disabled", "vf-shared", "passthrough-no-iommu", "passthrough-shared",
              "foreign-device", "bad-port", "switch-ports", "rack-collision", "rack-overflow"}


@EDITS
@given(st.data())
def test_no_sequence_of_edits_builds_what_an_edit_would_refuse(data):
    """Adding, cabling, attaching, pasting, bulk adding, placing and taking out never build a
    structural error. Left out: field edits, whose values the model takes as they are for
    the rules to report, and rack edits, since a rack may be made lower than what it holds
    (then ``rack-overflow`` says so: tests/edit/test_racks_edit.py)."""
    t = design()
    t.set_field("tor", "ports", 3)  # one NIC port left on the switch
    structural = {p.code for p in check_design(t)} & STRUCTURAL
    assert structural == set()
    operations = [op for op in OPERATIONS if op not in ("set_field", "set_vnics", "edit_rack")]
    log = []
    for _ in range(data.draw(st.integers(1, 10), label="edits")):
        outcome = random_edit(data, t, operations)
        if isinstance(outcome, Command):
            try:
                outcome.apply()
            except ModelError:
                continue
            log.append(outcome.text)
            built = sorted(f"{p.code}: {p.message}" for p in check_design(t) if p.code in STRUCTURAL)
            assert not built, f"after {log}: {built}"


# ---------------------------------------------------------------------- ids
STEMS = st.one_of(st.sampled_from(["host", "host1n", "host1n1v", "vm", "rack", "sw", "net", "e", "host1"]),
                  st.text(min_size=0, max_size=70))


@settings(max_examples=60, deadline=None)
@given(taken_ids=st.lists(st.sampled_from(["host1", "host2", "host11", "vm1", "rack1", "e1", "sw1", "x1"]),
                          unique=True),
       stems=st.lists(STEMS, min_size=1, max_size=8), with_taken=st.booleans())
def test_fresh_ids_are_unique_among_elements_cables_and_racks(taken_ids, stems, with_taken):
    t = Topology.build([Switch(id="sw0"), Server(id="host0")])
    # The same names spread over the three name spaces.
    for i, name in enumerate(taken_ids):
        if i % 3 == 0:
            t.add(Server(id=name))
        elif i % 3 == 1:
            t.add_rack(Rack(id=name))
        else:
            t.connect(Link(a="sw0", b=_network(t, i), id=name))
    occupied = set(t.elements) | set(t.links) | set(t.racks)
    taken: set[str] | None = set() if with_taken else None
    given_out: list[str] = []
    for stem in stems:
        new = checks.fresh_id(t, stem, taken)
        assert is_valid_id(new), new
        assert new not in occupied
        if taken is not None:
            assert new not in given_out  # a batch (a paste, a bulk add) never repeats itself
            assert new in taken
        given_out.append(new)
        assert not checks.id_taken(t, new, () if taken is None else set(given_out[:-1]))


def _network(t: Topology, i: int) -> str:
    name = f"net-for-{i}"
    t.add(Network(id=name))
    return name


@EDITS
@given(data=st.data())
def test_the_ids_an_edit_creates_are_new(data):
    """After any edit, every id of the design is still unique across the three name spaces
    (an element never takes a rack's or a cable's id)."""
    t = design()
    for _ in range(data.draw(st.integers(1, 6))):
        outcome = random_edit(data, t)
        if isinstance(outcome, Command):
            try:
                outcome.apply()
            except ModelError:
                pass
        names = list(t.elements) + list(t.links) + list(t.racks)
        assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_a_paste_and_a_bulk_add_name_everything_freshly():
    """A batch of new ids: none clashes with the design or with another of the batch."""
    t = design()
    t.add_rack(Rack(id="host4"))
    t.add_rack(Rack(id="host1n2"))
    command = ops.bulk_add(t, 3, 2, mode="vf", switch_id="tor")
    command.apply()
    result = ops.paste(t, ops.copy_text(t, ["host1", "host2", "host3"]))
    result.command.apply()
    names = list(t.elements) + list(t.links) + list(t.racks)
    assert len(names) == len(set(names))
    assert isinstance(t["host5"], Server) and isinstance(t["host5n1"], Nic)
    assert all(isinstance(t[v], VM) for v in ("host5vm1", "host5vm2"))
