"""Every refusal sentence of the editing rules, produced through the public operation.

A refusal is a sentence that stands alone, and a refused operation changes nothing. Where
the rule is a constant of ``designer.model.checks`` the expected sentence is built from the
constant; where it is an f-string the test names the ids and fields that must appear.

``test_every_refusal_sentence_has_a_case`` reads the sentences out of ``checks.py``,
``racks.py`` and ``ops.py`` and checks that each is matched by a sentence one of these cases
produced, so a new refusal cannot go untested.
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
import re
from dataclasses import dataclass
from typing import Any, Callable

import pytest
from edit_support import design, is_sentence, run, snapshot

from designer.edit import ops
from designer.model import VM, Link, Network, Rack, Topology, VirtualFunction, VNic, checks, racks
from designer.model.topology import ModelError


@dataclass
class Case:
    name: str
    make: Callable[[Topology], Any]
    expect: str | tuple[str, ...]  # the exact sentence, or words that must appear in it
    setup: Callable[[Topology], None] | None = None
    note: bool = False  # the sentence is a note of a paste that goes ahead


def fill_host1n1(t: Topology) -> None:
    """host1n1 at its maximum of 4 VFs (2 on each port)."""
    for port in (0, 0, 1):
        run(ops.add_element(t, "vf", parent="host1n1", port=port))


def clipboard(*elements: dict, links: list[dict] | None = None) -> str:
    return json.dumps({"format": ops.CLIPBOARD_FORMAT, "version": 1, "elements": list(elements),
                       "links": links or []})


CASES = [
    # ------------------------------------------------------------ cables (checks)
    Case("port-to-port", lambda t: ops.cable(t, "host1n1", 1, "host3n1:1"), checks.sentence(checks.PORT_TO_PORT)),
    Case("network-to-network", lambda t: ops.uplink(t, "wan", "lan"), checks.sentence(checks.NETWORK_TO_NETWORK)),
    Case("same-end", lambda t: ops.uplink(t, "tor", "tor"), checks.sentence(checks.SAME_END)),
    Case("port-taken", lambda t: ops.cable(t, "host1n1", 0, "wan"), ("Port 0", "host1n1", "host1n1:0--tor")),
    Case("end-is-a-server", lambda t: ops.uplink(t, "tor", "host1"), ("server host1",)),
    Case("end-is-unknown", lambda t: ops.uplink(t, "tor", "ghost"), ("ghost",)),
    Case("port-does-not-exist", lambda t: ops.cable(t, "host1n1", 7, "tor"), ("host1n1:7",)),
    Case("switch-full", lambda t: ops.cable(t, "host1n1", 1, "tor"), ("tor", "2 ports"),
         setup=lambda t: t.set_field("tor", "ports", 2) and None),
    # --------------------------------------------------------- attaching (checks)
    Case("attach-not-a-vm", lambda t: ops.attach(t, "host1", "paravirtual", "host1n1"), ("host1",)),
    Case("attach-unknown-mode", lambda t: ops.attach(t, "vm2", "bogus", "host1n1"), ("'bogus'", "vf", "passthrough")),
    Case("vf-not-a-vf", lambda t: ops.attach(t, "vm2", "vf", "host1n1"), ("host1n1",)),
    Case("vf-other-server", lambda t: ops.attach(t, "vm2", "vf", "host3n1v1"), ("host3n1v1", "host3", "vm2", "host1"),
         setup=lambda t: t.add(VirtualFunction(id="host3n1v1", parent="host3n1"))),
    Case("vf-in-use", lambda t: ops.attach(t, "vm2", "vf", "host1n1v1"), ("host1n1v1", "vm1")),
    Case("attach-no-such-port", lambda t: ops.attach(t, "vm4", "paravirtual", "host1n1", port=2), ("host1n1", "2", "0–1")),
    Case("retarget-no-such-port", lambda t: ops.retarget(t, "vm2", 0, "emulated", "host1n1", port=5), ("host1n1", "5")),
    Case("nic-not-a-nic", lambda t: ops.attach(t, "vm2", "paravirtual", "tor"), ("paravirtual", "tor")),
    Case("nic-other-server", lambda t: ops.attach(t, "vm2", "emulated", "host2n1"), ("host2n1", "host2", "vm2", "host1")),
    Case("passthrough-no-iommu", lambda t: ops.attach(t, "vm5", "passthrough", "host2n1"), ("host2", "host2n1"),
         setup=lambda t: t.add(VM(id="vm5", parent="host2"))),
    Case("passthrough-nic-has-users", lambda t: ops.attach(t, "vm4", "passthrough", "host1n1"), ("host1n1",)),
    Case("passthrough-nic-has-vfs", lambda t: ops.attach(t, "vm4", "passthrough", "host1n1"), ("host1n1",),
         setup=lambda t: (t.set_vnics("vm1", []), t.set_vnics("vm2", [])) and None),
    Case("vswitch-on-passed-through-nic", lambda t: ops.attach(t, "vm5", "paravirtual", "host3n1"), ("host3n1",),
         setup=lambda t: t.add(VM(id="vm5", parent="host3"))),
    Case("retarget-onto-used-vf", lambda t: ops.retarget(t, "vm2", 0, "vf", "host1n1v1"), ("host1n1v1", "vm1")),
    # ---------------------------------------------------------- VF slots (checks)
    Case("vf-sriov-off", lambda t: ops.add_element(t, "vf", parent="host2n1"), ("host2n1", "SR-IOV")),
    Case("vf-nic-full", lambda t: ops.add_element(t, "vf", parent="host1n1", port=0), ("host1n1", "4"),
         setup=fill_host1n1),
    Case("vf-port-full", lambda t: ops.add_element(t, "vf", parent="host1n1", port=1), ("Port 1", "host1n1", "2"),
         setup=lambda t: run(ops.add_element(t, "vf", parent="host1n1", port=1)) and None),
    Case("vf-on-passed-through-nic", lambda t: ops.add_element(t, "vf", parent="host3n1"), ("host3n1", "vm3")),
    # Only the drag feedback asks about something that is not a NIC; add_element answers first.
    Case("vf-slot-not-a-nic", lambda t: checks.vf_slot_problem(t, "host1"), ("host1",)),
    # ---------------------------------------------------------- rack ids (checks)
    Case("rack-id-invalid", lambda t: ops.add_rack(t, "a b"), ("'a b'", "rack id")),
    Case("rack-id-taken-by-rack", lambda t: ops.add_rack(t, "r1"), ("'r1'",)),
    Case("rack-id-taken-by-element", lambda t: ops.add_rack(t, "host1"), ("'host1'", "server")),
    Case("rack-id-taken-by-link", lambda t: ops.edit_rack(t, "r2", "tor--wan", "", 42), ("'tor--wan'", "link")),
    Case("rename-rack-onto-another", lambda t: ops.edit_rack(t, "r2", "r1", "", 42), ("'r1'",)),
    # ------------------------------------------------------------ adding (ops)
    Case("nic-outside-a-server", lambda t: ops.add_element(t, "nic", parent="tor"), ("NIC", "server")),
    Case("vm-outside-a-server", lambda t: ops.add_element(t, "vm"), ("VM", "server")),
    Case("vf-outside-a-nic", lambda t: ops.add_element(t, "vf", parent="host1"), ("virtual function", "NIC")),
    Case("unknown-kind", lambda t: ops.add_element(t, "rocket"), ("'rocket'",)),
    Case("add-nothing", lambda t: ops.add_elements(t, []), ()),
    Case("add-taken-id", lambda t: ops.add_elements(t, [Network(id="r2")]), ("network", "r2")),
    # ------------------------------------------------------- connecting (ops)
    Case("repatch-no-such-cable", lambda t: ops.retarget_cable_problem(t, "ghost--tor", "tor", "wan"),
         ("ghost--tor",)),
    Case("repatch-no-such-end", lambda t: ops.retarget_cable_problem(t, "host1n1:0--tor", "wan", "lan"),
         ("host1n1:0--tor", "wan")),
    Case("repatch-onto-same-end", lambda t: ops.retarget_cable_problem(t, "host1n1:0--tor", "tor", "tor"),
         ("host1n1:0--tor", "tor")),
    Case("retarget-onto-where-it-is", lambda t: ops.retarget_problem(t, "vm1", 0, "vf", "host1n1v1"),
         ("vm1", "host1n1v1")),
    Case("retarget-no-such-vnic", lambda t: ops.retarget(t, "vm4", 0, "paravirtual", "host1n1"), ("vm4", "0")),
    Case("detach-no-such-vnic", lambda t: ops.detach_vnic(t, "vm1", 3), ("vm1", "3")),
    # ------------------------------------------------- deleting, fields (ops)
    Case("delete-nothing", lambda t: ops.delete(t, ["ghost"]), ()),
    Case("set-field-nothing", lambda t: ops.set_field(t, [], "label", "x"), ()),
    Case("vnic-no-such-field", lambda t: ops.set_vnic_field(t, ["vm1"], "colour", 1), ("'colour'",)),
    Case("vnic-bad-value", lambda t: ops.set_vnic_field(t, ["vm1"], "tx_gbps", -1), ("tx_gbps",)),
    Case("vnic-nothing-differs", lambda t: ops.set_vnic_field(t, ["vm1", "vm4"], "tx_gbps", 1.0), ("tx_gbps",)),
    Case("set-vnics-not-a-vm", lambda t: ops.set_vnics(t, "host1", []), ("host1",)),
    # ------------------------------------------------------------ clipboard (ops)
    Case("paste-not-json", lambda t: ops.paste(t, "hello"), ()),
    Case("paste-other-format", lambda t: ops.paste(t, json.dumps({"format": "rackio", "elements": []})), ()),
    Case("paste-bad-element", lambda t: ops.paste(t, clipboard({"id": "x", "kind": "server", "cores": -3})),
         ("cores",)),
    Case("paste-id-twice", lambda t: ops.paste(t, clipboard({"id": "h", "kind": "network"}, {"id": "h", "kind": "switch"})),
         ('"h"',)),
    Case("paste-nowhere", lambda t: ops.paste(t, clipboard({"id": "n9", "kind": "nic", "parent": "gone"})), ()),
    Case("paste-bad-cable", lambda t: ops.paste(t, clipboard(
        {"id": "s", "kind": "switch"}, {"id": "w", "kind": "network"}, links=[{"a": "s", "b": "w", "gbps": -1}])),
        ("s", "w", "gbps")),
    Case("duplicate-nothing", lambda t: ops.duplicate(t, []), ()),
    Case("note-vf-none-free", lambda t: ops.duplicate(t, ["vm1"]).notes[0], ("vNIC 0", "NIC host1n1", "no free"),
         setup=fill_host1n1, note=True),
    Case("note-vf-port-full", lambda t: ops.duplicate(t, ["vm1"]).notes[0], ("vNIC 0", "port 1", "host1n1"),
         setup=lambda t: run(ops.add_element(t, "vf", parent="host1n1", port=1)) and None, note=True),
    Case("note-device-in-other-server", lambda t: ops.paste(t, ops.copy_text(t, ["vm1", "host1n1v1"]),
                                                            target_server="host2").notes[0],
         ("vNIC 0", "host1", "host2"), note=True),
    Case("note-passthrough-no-vt-d", lambda t: ops.paste(t, ops.copy_text(t, ["host3n1", "vm3"]),
                                                         target_server="host2").notes[0],
         ("vNIC 0", "host2", "VT-d"), note=True),
    Case("note-passed-through", lambda t: ops.duplicate(t, ["vm3"]).notes[0], ("vNIC 0", "host3n1"), note=True),
    # ----------------------------------------------------------------- bulk (ops)
    Case("bulk-counts", lambda t: ops.bulk_add(t, 1001, 1), ("1000",)),
    Case("bulk-not-a-switch", lambda t: ops.bulk_add(t, 1, 1, switch_id="host1"), ("host1",)),
    Case("bulk-switch-full", lambda t: ops.bulk_add(t, 2, 1, switch_id="tor"), ("tor", "1 free port", "2 servers"),
         setup=lambda t: t.set_field("tor", "ports", 3) and None),
    Case("bulk-unknown-mode", lambda t: ops.bulk_add(t, 1, 1, mode="bogus"), ("'bogus'",)),
    Case("bulk-passthrough-many", lambda t: ops.bulk_add(t, 1, 2, mode="passthrough"), ("one guest",)),
    Case("bulk-sriov-off", lambda t: ops.bulk_add(t, 1, 1, mode="vf", nic_preset={"sriov": False}), ("SR-IOV",)),
    Case("bulk-too-many-vfs", lambda t: ops.bulk_add(t, 1, 5, mode="vf", nic_preset={"max_vfs": 4, "model": "X"}),
         ("X", "4")),
    # ----------------------------------------------------- align, distribute (ops)
    Case("align-one", lambda t: ops.align(t, {"tor": (0, 0, 1, 1)}, "left"), ()),
    Case("align-unknown", lambda t: ops.align(t, {"tor": (0, 0, 1, 1), "wan": (5, 5, 1, 1)}, "diagonal"),
         ("'diagonal'",)),
    Case("distribute-unknown", lambda t: ops.distribute(
        t, {"tor": (0, 0, 1, 1), "wan": (5, 5, 1, 1), "lan": (9, 9, 1, 1)}, "diagonal"), ("'diagonal'",)),
    Case("distribute-two", lambda t: ops.distribute(t, {"tor": (0, 0, 1, 1), "wan": (5, 5, 1, 1)}, "vertical"), ()),
    # ------------------------------------------------------------ racks (racks, ops)
    Case("place-not-rackable", lambda t: ops.place(t, "vm1", "r1", 2), ("vm1",)),
    Case("place-no-rack", lambda t: ops.place(t, "host2", "r9", 2), ("'r9'",)),
    Case("place-below-u1", lambda t: ops.place(t, "host2", "r1", 0), ("server host2", "U1", "Row A")),
    Case("place-past-the-top", lambda t: ops.place(t, "host2", "r1", 4), ("server host2", "2 U", "U4", "U5", "Row A"),
         setup=lambda t: t.set_field("host2", "height_u", 2) and None),
    Case("place-taken", lambda t: ops.place(t, "host2", "r1", 1), ("U1", "Row A", "server host1")),
    Case("place-taken-span", lambda t: ops.place(t, "host2", "r1", 3), ("U3", "switch tor", "U3–U4"),
         setup=lambda t: (t.set_field("tor", "height_u", 2), t.place("tor", "r1", 3)) and None),
    Case("free-slot-no-rack", lambda t: ops.place_in_free_slot(t, ["host2"], "r9"), ("'r9'",)),
    Case("free-slot-full", lambda t: ops.place_in_free_slot(t, ["host2", "host3"], "r1"), ("Row A", "3 free U", "host3"),
         setup=lambda t: t.set_field("host3", "height_u", 3) and None),
    Case("unrack-nothing", lambda t: ops.unrack(t, ["host2", "vm1"]), ()),
    Case("edit-no-rack", lambda t: ops.edit_rack(t, "r9", "r9", "", 42), ("'r9'",)),
    Case("remove-no-rack", lambda t: ops.remove_rack(t, None), ()),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_refusal(case: Case):
    t = design()
    if case.setup:
        case.setup(t)
    before = snapshot(t)
    sentence = case.make(t)
    assert is_sentence(sentence), sentence
    if isinstance(case.expect, str):
        assert sentence == case.expect
    else:
        missing = [word for word in case.expect if word not in sentence]
        assert not missing, f"{sentence!r} lacks {missing}"
    if not case.note:
        assert snapshot(t) == before  # nothing changed


# ------------------------------------------------- every sentence of the code has a case
SOURCES = (checks, racks, ops)
# Functions that return text that is not a refusal: names, ids, clipboard text.
NOT_REFUSALS = {"end_kind", "span_text", "describe", "sentence", "fresh_id", "_stem", "copy_text", "fresh_rack_id"}


def _pattern(node: ast.AST) -> str | None:
    """A regex for the strings an expression makes: literal parts as they are, each
    ``{…}`` or variable as any text. None when the expression is not built from strings."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.escape(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(re.escape(v.value) if isinstance(v, ast.Constant) else "(.*?)" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _pattern(node.left), _pattern(node.right)
        if left is None and right is None:
            return None
        return (left or "(.+?)") + (right or "(.+?)")
    return None


@functools.cache
def source_sentences() -> list[tuple[str, str]]:
    """(where, regex) of every sentence the rules return or note."""
    found = []
    for module in SOURCES:
        tree = ast.parse(inspect.getsource(module))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef) or function.name in NOT_REFUSALS:
                continue
            for node in ast.walk(function):
                value = None
                if isinstance(node, ast.Return) and node.value is not None:
                    value = node.value
                elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr == "append" and isinstance(node.func.value, ast.Name) \
                        and node.func.value.id == "notes":
                    value = node.args[0]
                pattern = _pattern(value) if value is not None else None
                if pattern is not None:
                    found.append((f"{module.__name__}.{function.name}:{value.lineno}", pattern))
    # The rules kept as constants (the model and the loader prefix them; ops make sentences,
    # or end one with them after a semicolon, as "…; a VF serves one guest.").
    for name, value in vars(checks).items():
        if name.isupper() and isinstance(value, str):
            found.append((f"checks.{name}", r"(?:.*; )?" + re.escape(checks.sentence(value))))
    return found


def test_the_sentence_reader_finds_the_rules():
    """The reader itself: it sees f-strings, concatenations and the constants."""
    where = {w.split(":")[0] for w, _ in source_sentences()}
    assert {"designer.model.checks.attach_problem", "designer.model.racks.placement_problem",
            "designer.edit.ops.set_vnic_field", "designer.edit.ops._remap_vnics", "checks.SAME_END"} <= where
    assert len(source_sentences()) > len(CASES) // 2


def test_every_refusal_sentence_has_a_case():
    produced = []
    for case in CASES:
        t = design()
        if case.setup:
            case.setup(t)
        produced.append(case.make(t))
    untested = []
    for where, pattern in source_sentences():
        # The rack-id rules are clauses the ops make sentences of (capital, full stop).
        rx = re.compile(pattern + r"\.?", re.IGNORECASE | re.DOTALL)
        if not any(isinstance(s, str) and rx.fullmatch(s) for s in produced):
            untested.append(f"{where}: {pattern}")
    assert not untested, "refusals no test produces:\n" + "\n".join(untested)


# ----------------------------------------------------- refused when applied (the model)
@pytest.mark.parametrize("make, words", [
    (lambda t: ops.set_field(t, ["host1"], "cores", 0), ("host1", "cores")),
    (lambda t: ops.set_field(t, ["host1", "host2"], "vmm_io_cores", "many"), ("host1", "vmm_io_cores")),
    (lambda t: ops.set_field(t, ["vm1", "ghost"], "label", "x"), ("ghost",)),
    (lambda t: ops.set_field(t, ["host1n1"], "ports", 0), ("host1n1", "ports")),
    (lambda t: ops.set_field(t, ["host1n1"], "id", "x"), ("id",)),
    (lambda t: ops.set_vnics(t, "vm2", [VNic(mode="paravirtual", nic="tor")]), ("vm2", "tor")),
    (lambda t: ops.add_elements(t, [VM(id="vm9", parent="tor")]), ("vm9", "server")),
    (lambda t: ops.add_elements(t, [Network(id="n9")], [Link(a="n9", b="wan")]), ("network",)),
    (lambda t: ops.edit_rack(t, "r1", "r1", "", 0), ("r1", "height_u")),
    (lambda t: ops.add_rack(t, "r9", "", 101), ("r9", "height_u")),
])
def test_a_command_the_model_refuses_changes_nothing(make, words):
    """Values are checked by the model when the command is applied (the inspector shows the
    sentence); a command of several steps is then rolled back."""
    t = design()
    before = snapshot(t)
    command = make(t)
    with pytest.raises(ModelError) as refused:
        command.apply()
    assert all(word in str(refused.value) for word in words), str(refused.value)
    assert snapshot(t) == before


def test_a_clipboard_naming_a_rack_id_is_pasted_under_a_fresh_id():
    """A paste names its copies freshly, so a clipboard that names a rack is not refused."""
    t = design()
    t.add_rack(Rack(id="sw1"))
    result = ops.paste(t, clipboard({"id": "sw1", "kind": "switch"}))
    run(result.command)
    assert result.ids != ["sw1"] and t[result.ids[0]].KIND == "switch"
