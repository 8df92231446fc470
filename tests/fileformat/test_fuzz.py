"""Fuzzing the loader: whatever the bytes, ``loads`` returns a Topology or raises ProjectFileError.

Nothing else may escape (no KeyError, TypeError, RecursionError …). A message is
one line. What loads must also solve without raising, and save and load again to
the same document.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.fileformat import ProjectFileError, dumps, loads, to_document
from designer.model import Topology
from designer.solver import solve

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A valid project touching every kind, vNIC mode and link form (it loads, see the first test).
VALID = {
    "format": "rackio-project",
    "version": 1,
    "title": "fuzz base",
    "cost_model": {"core_us_per_packet": {"emulated": 7.5, "paravirtual": 1.5}, "vmdq_rx_factor": 0.43},
    "elements": [
        {"id": "wan", "kind": "network", "label": "Clients", "x": 1, "y": 2},
        {"id": "san", "kind": "network"},
        {"id": "tor", "kind": "switch", "ports": 4, "port_gbps": 25},
        {"id": "agg", "kind": "switch"},
        {"id": "h1", "kind": "server", "vmm_io_cores": 2, "iommu": True, "rack": "r1", "rack_u": 3},
        {"id": "h1n0", "kind": "nic", "parent": "h1", "ports": 2, "port_gbps": 10, "vmdq": True},
        {"id": "h1n1", "kind": "nic", "parent": "h1", "ports": 1},
        {"id": "h1n0v0", "kind": "vf", "parent": "h1n0", "port": 0, "min_gbps": 5, "max_gbps": 9},
        {"id": "h1n0v1", "kind": "vf", "parent": "h1n0", "port": 1, "min_gbps": 1},
        {"id": "mail", "kind": "vm", "parent": "h1", "vnics": [
            {"mode": "vf", "vf": "h1n0v0", "tx_gbps": 8, "rx_gbps": 2, "to": "wan"},
            {"mode": "vf", "vf": "h1n0v1", "tx_gbps": 3, "to": "san"}]},
        {"id": "web", "kind": "vm", "parent": "h1", "vnics": [
            {"mode": "paravirtual", "nic": "h1n0", "port": 0, "tx_gbps": 8, "rx_gbps": 3, "min_gbps": 1,
             "max_gbps": 6, "weight": 2, "to": "wan"},
            {"mode": "emulated", "nic": "h1n0", "port": 1, "tx_gbps": 1, "packet_bytes": 512, "to": "san"}]},
        {"id": "db", "kind": "vm", "parent": "h1", "vnics": [
            {"mode": "passthrough", "nic": "h1n1", "tx_gbps": 4, "rx_gbps": 4, "to": "san", "x-note": [1, 2]}]},
    ],
    "links": [
        {"a": "h1n0:0", "b": "tor"},
        {"a": "tor", "b": "h1n0:1", "gbps": 5},
        {"a": "h1n1:0", "b": "agg", "id": "pt"},
        {"a": "tor", "b": "agg", "gbps": 40},
        {"a": "agg", "b": "wan", "gbps": 100},
        {"a": "agg", "b": "san"},
    ],
    "x-extension": {"k": [True, None, "v"]},
}
VALID_TEXT = json.dumps(VALID, indent=1)


def check(data: bytes | str) -> None:
    """The property every input must satisfy."""
    try:
        topo = loads(data)
    except ProjectFileError as exc:
        message = str(exc)
        assert message and "\n" not in message and "\r" not in message, repr(message)
        return
    except Exception as exc:  # noqa: BLE001 - this is what the test is looking for
        pytest.fail(f"loads raised {type(exc).__name__}: {exc!r}"[:2000])
    assert isinstance(topo, Topology)
    try:
        solution = solve(topo)
        solution.to_report()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"solve raised {type(exc).__name__}: {exc!r}"[:2000])
    try:
        written = dumps(topo)
        again = loads(written)
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"a loaded project did not save and load again: {type(exc).__name__}: {exc!r}"[:2000])
    assert to_document(again) == to_document(topo)


def test_base_document_is_valid():
    topo = loads(VALID_TEXT)
    assert len(topo.elements) == 12 and len(topo.links) == 6
    # mail: 0/tx 0/rx 1/tx · web: 0/tx 0/rx 1/tx · db: 0/tx 0/rx
    assert solve(topo).flows.n_flows == 8


# ------------------------------------------------------------------ strategies
json_scalars = (
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def all_paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    paths: list[tuple] = []
    if len(prefix) > 12:  # a value already nested deep by an earlier mutation
        return paths
    if isinstance(doc, dict):
        for key, value in doc.items():
            paths.append(prefix + (key,))
            paths.extend(all_paths(value, prefix + (key,)))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            paths.append(prefix + (index,))
            paths.extend(all_paths(value, prefix + (index,)))
    return paths


def parent_of(doc: Any, path: tuple) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


def same_type(a: Any, b: Any) -> bool:
    kind = lambda v: "number" if isinstance(v, (int, float)) and not isinstance(v, bool) else type(v).__name__  # noqa: E731
    return kind(a) == kind(b)


ALL_OPS = ("number", "number", "number", "delete", "retype", "value", "duplicate", "nest", "swap-ref", "swap-ref")


@st.composite
def mutated_documents(draw, ops: tuple[str, ...] = ALL_OPS, truncate: bool = True) -> str:
    doc = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        op = draw(st.sampled_from(ops))
        paths = all_paths(doc)
        if op == "number":
            # A plausible number in a numeric field: loads more often, and stresses the solver
            # with zero capacities, zero rates and huge values.
            numeric = [p for p in paths if isinstance(parent_of(doc, p)[p[-1]], (int, float))
                       and not isinstance(parent_of(doc, p)[p[-1]], bool)]
            if numeric:
                path = draw(st.sampled_from(numeric))
                parent_of(doc, path)[path[-1]] = draw(
                    st.sampled_from([0, 0.0, 1, 2, 3, 64, 9216, 1e-9, 1e6, 1e300, 2**53 + 1, -1])
                    | st.floats(min_value=0, max_value=1e4, allow_nan=False))
            continue
        if op == "delete" and paths:
            path = draw(st.sampled_from(paths))
            container = parent_of(doc, path)
            del container[path[-1]]
        elif op in ("retype", "value") and paths:
            path = draw(st.sampled_from(paths))
            container = parent_of(doc, path)
            old = container[path[-1]]
            if op == "retype":
                new = draw(json_values.filter(lambda v: not same_type(v, old)))
            else:
                new = draw(json_values)
            container[path[-1]] = new
        elif op == "duplicate" and isinstance(doc.get("elements"), list) and doc["elements"]:
            element = copy.deepcopy(draw(st.sampled_from(doc["elements"])))
            if isinstance(element, dict) and isinstance(element.get("id"), str) and draw(st.booleans()):
                element["id"] += f"-copy{len(doc['elements'])}"  # a second VM on the same VF, a second NIC …
            doc["elements"].insert(draw(st.integers(0, len(doc["elements"]))), element)
        elif op == "nest" and paths:
            path = draw(st.sampled_from(paths))
            container = parent_of(doc, path)
            depth = draw(st.sampled_from([2, 30, 63, 64, 65, 200, 3000]))
            nested: Any = container[path[-1]]
            for level in range(depth):
                nested = [nested] if level % 2 else {"n": nested}
            container[path[-1]] = nested
            break  # the last change: copying a 3000-deep value would hit Python's recursion limit
        elif op == "swap-ref":
            # Point a reference at another existing id (valid syntax, maybe wrong meaning).
            elements = doc.get("elements") if isinstance(doc.get("elements"), list) else []
            ids = [e.get("id") for e in elements if isinstance(e, dict)]
            ids = [i for i in ids if isinstance(i, str)] + ["h1n0:0", "h1n0:1", "h1n1:0", "nowhere"]
            refs = [p for p in paths if p and p[-1] in ("parent", "vf", "nic", "to", "a", "b")]
            if refs:
                path = draw(st.sampled_from(refs))
                parent_of(doc, path)[path[-1]] = draw(st.sampled_from(ids))
    try:
        raw = json.dumps(doc)
    except (ValueError, RecursionError):  # e.g. nesting beyond what json.dumps will write
        raw = VALID_TEXT
    if truncate and draw(st.integers(0, 9)) == 0:
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


# ---------------------------------------------------------------------- tests
@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(data):
    check(data)


@FUZZ
@given(st.binary(max_size=60))
def test_random_bytes_after_a_valid_prefix(tail):
    check(VALID_TEXT.encode()[: len(VALID_TEXT) // 2] + tail)


@FUZZ
@given(json_values)
def test_random_json_values(value):
    check(json.dumps(value))


@FUZZ
@given(st.dictionaries(st.sampled_from(["format", "version", "title", "notes", "cost_model", "elements",
                                        "links", "other"]), json_values, max_size=8))
def test_random_top_level_objects(doc):
    if doc.get("format") is None or doc.get("version") is None:
        doc.setdefault("format", "rackio-project")
        doc.setdefault("version", 1)
    check(json.dumps(doc))


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_mutated_valid_documents(raw):
    check(raw)


@FUZZ
@given(mutated_documents(ops=("number", "number", "number", "swap-ref", "duplicate"), truncate=False))
def test_mutated_designs_that_mostly_load_also_solve(raw):
    # Plausible numbers and re-pointed references: most of these load, so the solver
    # meets zero capacities, huge demands, foreign devices, unwired ports, loops …
    check(raw)


@FUZZ
@given(st.integers(min_value=0, max_value=len(VALID_TEXT)))
def test_truncated_text(position):
    check(VALID_TEXT[:position])


@FUZZ
@given(st.integers(min_value=0, max_value=len(VALID_TEXT) - 1), st.sampled_from(list('{}[]",:0-eE.nNI \\')))
def test_one_character_changed(position, character):
    check(VALID_TEXT[:position] + character + VALID_TEXT[position + 1:])


@pytest.mark.parametrize("depth", [10, 64, 65, 1000, 100_000])
def test_deep_nesting_in_known_and_unknown_places(depth):
    for opener, closer in (("[", "]"), ('{"a":', "}")):
        deep = opener * depth + "0" + closer * depth
        check(deep)
        check(VALID_TEXT.replace('"fuzz base"', deep.replace("0", '"x"'), 1))
        check(VALID_TEXT.replace('"title": "fuzz base"', f'"title": "t", "x-deep": {deep}', 1))
        check(VALID_TEXT.replace('"vmm_io_cores": 2', f'"vmm_io_cores": {deep}', 1))


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1" * 5000,
                                     "1E400", "0.0", "-0", "1e-400", "true", "null", '"1"'])
def test_odd_numbers_everywhere(literal):
    for field in ('"vmm_io_cores": 2', '"port_gbps": 10', '"tx_gbps": 8', '"gbps": 40', '"x": 1',
                  '"vmdq_rx_factor": 0.43', '"version": 1', '"rack_u": 3'):
        name = field.split(":")[0]
        check(VALID_TEXT.replace(field, f"{name}: {literal}", 1))
    # In fields the loader does not know and keeps: they must still be writable afterwards.
    for old, new in (('"x-note": [\n', '"x-note": [{literal},\n'),
                     ('"x-extension": {', '"x-extension": {{"n": {literal}, '),
                     ('"label": "Clients"', '"label": "Clients", "x-size": {literal}'),
                     ('"gbps": 5', '"gbps": 5, "x-len": [{literal}]'),
                     ('"vmdq_rx_factor": 0.43', '"vmdq_rx_factor": 0.43, "x-k": {literal}')):
        assert VALID_TEXT.count(old) == 1, old
        check(VALID_TEXT.replace(old, new.format(literal=literal), 1))


def test_weight_below_range_is_refused():
    # Weights are shares from 0.001 to 1,000,000 (like NIOC shares); 1e-15 is refused by name.
    doc = copy.deepcopy(VALID)
    web = next(e for e in doc["elements"] if e["id"] == "web")
    web["vnics"][0]["weight"] = 1e-15
    with pytest.raises(ProjectFileError, match=r'"web".*weight'):
        loads(json.dumps(doc))


def test_smallest_weight_still_respects_capacity():
    # web/0 gets the smallest weight allowed, 0.001, against weight 1 elsewhere. By hand: web/1/tx (emulated,
    # 512 B: κ = 7.5·125/512 = 1.8310546875) fills to its demand 1 first; web/0/tx sits at its
    # floor 1 (κ = 0.125); web/0/rx (VMDq: κ = 0.125 · 0.43 = 0.05375) takes what is left of
    # vmm:h1's 2 cores: (2 − 0.125 − 1.8310546875) / 0.05375 = 0.8175872093 Gbit/s.
    doc = copy.deepcopy(VALID)
    web = next(e for e in doc["elements"] if e["id"] == "web")
    web["vnics"][0]["weight"] = 0.001
    solution = solve(loads(json.dumps(doc)))
    rates = {r["id"]: r["rate_gbps"] for r in solution.flow_records()}
    vmm = next(r for r in solution.resource_records() if r["id"] == "vmm:h1")
    assert vmm["load"] <= 2 + 1e-6
    assert rates["web/0/tx"] == pytest.approx(1.0, abs=1e-6)
    assert rates["web/0/rx"] == pytest.approx(0.8175872093, abs=1e-6)
