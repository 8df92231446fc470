"""Issue 12 §3.2–3.5 and §3.8: absurd numbers, ids with a trailing newline, a file without
``elements``, hostile version-0 files. Each is refused with one sentence (CLI: one ``error:``
line, exit 2, nothing written) or loads with nothing lost."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest

from designer.cli import main
from designer.fileformat import ProjectFileError, loads
from designer.model.elements import is_valid_id, is_valid_link_id, split_port_end
from designer.model.schema import MAX_GBPS, field_spec, link_field_spec, vnic_field_spec
from designer.solver import solve

SPEC = json.loads((Path(__file__).resolve().parents[1] / "spec_example.json").read_text(encoding="utf-8"))
V0 = json.loads((Path(__file__).resolve().parent / "fixtures" / "v0-project.json").read_text(encoding="utf-8"))


def refused(text: str) -> str:
    with pytest.raises(ProjectFileError) as info:
        loads(text)
    message = str(info.value)
    assert "\n" not in message and len(message) < 400, message
    return message


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def spec_with(changes: dict) -> dict:
    doc = copy.deepcopy(SPEC)
    for (eid, name), value in changes.items():
        for element in doc["elements"]:
            if element["id"] == eid:
                element[name] = value
    return doc


# ------------------------------------------------------------ §3.2 huge numbers
def test_an_integer_too_large_for_a_float_is_refused_in_one_line(capsys, tmp_path):
    text = json.dumps(SPEC).replace('"port_gbps": 25', '"port_gbps": 1' + "0" * 400)
    message = refused(text)
    assert message.startswith('element "tor" (switch): field \'port_gbps\' must be a number from 0 to 1000000')
    assert "401 digits" in message and "0000000000" not in message.split("got")[1]  # not echoed whole
    path = tmp_path / "big.rackio"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_cli(capsys, "solve", path)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("error: ")


@pytest.mark.parametrize("spec", [
    field_spec("switch", "port_gbps"), field_spec("nic", "port_gbps"), field_spec("nic", "pcie_gbps"),
    field_spec("vf", "min_gbps"), field_spec("vf", "max_gbps"), vnic_field_spec("tx_gbps"),
    vnic_field_spec("rx_gbps"), vnic_field_spec("min_gbps"), vnic_field_spec("max_gbps"),
    link_field_spec("gbps")], ids=lambda s: s.name)
def test_every_rate_field_is_bounded_to_a_petabit(spec):
    assert spec.coerce(MAX_GBPS) == MAX_GBPS
    for value in (MAX_GBPS * 1.0000001, 1e308, 10**400):
        with pytest.raises(ValueError, match="1000000"):
            spec.coerce(value)


def test_cores_are_bounded():
    assert field_spec("server", "vmm_io_cores").coerce(100_000) == 100_000
    with pytest.raises(ValueError):
        field_spec("server", "vmm_io_cores").coerce(1e308)


def test_the_largest_accepted_rates_stay_finite_through_solve_and_json(capsys, tmp_path):
    doc = copy.deepcopy(SPEC)
    for element in doc["elements"]:
        for vnic in element.get("vnics", []):
            vnic["tx_gbps"] = vnic["rx_gbps"] = MAX_GBPS
        if element["kind"] in ("nic", "switch"):
            element["port_gbps"] = MAX_GBPS
    for link in doc["links"]:
        link["gbps"] = MAX_GBPS
    solution = solve(loads(json.dumps(doc)))
    assert all(math.isfinite(r) for r in solution.rate) and math.isfinite(solution.peak_utilization)
    path = tmp_path / "fast.rackio"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, _ = run_cli(capsys, "solve", path, "--json")
    assert code == 0
    json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} in --json"))
    # tx 1e308 on two vNICs summed to Infinity before: now refused.
    doc["elements"][-1]["vnics"][0]["tx_gbps"] = 1e308
    assert "tx_gbps" in refused(json.dumps(doc))


def test_negative_zero_capacity_says_it_must_be_above_zero():
    doc = copy.deepcopy(SPEC)
    doc["links"][1]["gbps"] = -0.0
    message = refused(json.dumps(doc))
    assert "field 'gbps' must be a number > 0" in message and "-0" not in message
    # Elsewhere -0.0 is 0: never shown or written as "-0".
    assert str(field_spec("nic", "port_gbps").coerce(-0.0)) == "0.0"
    assert str(field_spec("nic", "port_gbps").parse_text("-0")) == "0.0"


def test_echoed_values_are_cut():
    doc = copy.deepcopy(SPEC)
    doc["elements"][1]["ports"] = 10**3999
    message = refused(json.dumps(doc))
    assert len(message) < 200 and "4000 digits" in message
    doc = copy.deepcopy(SPEC)
    doc["version"] = 10**3999
    assert len(refused(json.dumps(doc))) < 300


# ------------------------------------------------ §3.3 trailing newlines in ids
@pytest.mark.parametrize("value", ["n:1\n", "h1\n", "h1\n\n"])
def test_ids_and_port_ends_with_a_trailing_newline_are_not_valid(value):
    assert not is_valid_id(value) and not is_valid_link_id(value)
    assert split_port_end("h1n0:1\n") is None
    with pytest.raises(ValueError):
        field_spec("nic", "parent").coerce(value)


def test_a_cable_end_with_a_trailing_newline_is_refused_in_the_file():
    doc = copy.deepcopy(SPEC)
    doc["links"][0].update(a="h1n0:0\n", id="c1")
    assert "field 'a' names port '0\\n' of NIC 'h1n0'" in refused(json.dumps(doc))
    doc = spec_with({("h1n0", "parent"): "h1\n"})
    assert "field 'parent'" in refused(json.dumps(doc))
    doc = copy.deepcopy(SPEC)
    doc["elements"][0]["id"] = "wan\n"
    assert "field 'id'" in refused(json.dumps(doc))


# ------------------------------------------------------ §3.4 missing elements
def test_a_file_without_elements_says_that_elements_is_missing():
    doc = copy.deepcopy(SPEC)
    del doc["elements"]
    assert "field 'elements' is missing" in refused(json.dumps(doc))
    doc["links"] = []
    assert "field 'elements' is missing" in refused(json.dumps(doc))
    # An empty design may still leave both out.
    assert loads('{"format": "rackio-project", "version": 1}').elements == {}


# ------------------------------------------------------ §3.5 version-0 files
def v0(**changes) -> str:
    doc = copy.deepcopy(V0)
    doc.update(changes)
    return json.dumps(doc)


def test_a_deep_v0_structure_is_refused_in_one_line():
    text = v0(extra=0).replace('"extra": 0', '"extra": ' + '{"x": ' * 900 + "1" + "}" * 900)
    message = refused(text)  # json.loads takes it; the migration must not recurse into it (deepcopy did)
    assert "nested" in message


def test_deeply_nested_json_anywhere_is_one_line():
    assert "nested too deeply" in refused('{"format": "rackio-project", "version": 0, "nodes": '
                                          + "[" * 200_000 + "]" * 200_000 + "}")


@pytest.mark.parametrize("key, value, expected", [
    ("nodes", None, "version 0 field 'nodes' must be a list, got null"),
    ("nodes", 5, "version 0 field 'nodes' must be a list, got a number"),
    ("cables", None, "version 0 field 'cables' must be a list, got null"),
    ("cables", {"a": 1}, "version 0 field 'cables' must be a list, got an object"),
])
def test_v0_lists_of_the_wrong_type_are_refused(key, value, expected):
    assert expected in refused(v0(**{key: value}))


@pytest.mark.parametrize("changes, named", [
    ({"title": "New name"}, "'name' and its version 1 name 'title'"),
    ({"elements": []}, "'nodes' and its version 1 name 'elements'"),
    ({"links": []}, "'cables' and its version 1 name 'links'"),
])
def test_v0_fields_beside_their_v1_names_are_refused_never_dropped(changes, named, capsys, tmp_path):
    assert named in refused(v0(**changes))
    path = tmp_path / "old.rackio"
    path.write_text(v0(**changes), encoding="utf-8")
    before = path.read_bytes()
    code, _, err = run_cli(capsys, "upgrade", path)
    assert code == 2 and named in err and err.count("\n") == 1
    assert path.read_bytes() == before


def test_v0_node_and_cable_keys_beside_their_v1_names_are_refused():
    doc = copy.deepcopy(V0)
    doc["nodes"][0]["kind"] = "switch"
    assert "nodes[0]: version 0 field 'type' and its version 1 name 'kind'" in refused(json.dumps(doc))
    doc = copy.deepcopy(V0)
    doc["cables"][0]["a"] = "tor"
    assert "cables[0]: version 0 field 'from' and its version 1 name 'a'" in refused(json.dumps(doc))


def test_migration_leaves_its_input_alone_and_keeps_unknown_fields():
    from designer.fileformat.migrations import migrate

    doc = copy.deepcopy(V0)
    doc["x-tool"] = {"deep": [1, {"a": 2}]}
    before = copy.deepcopy(doc)
    out = migrate(doc)
    assert doc == before
    assert out["x-tool"] == before["x-tool"] and out["title"] == V0["name"] and "name" not in out
    assert len(out["elements"]) == len(V0["nodes"]) and len(out["links"]) == len(V0["cables"])


# ------------------------------------------------------- §3.8 loader memory
def test_a_file_of_empty_objects_is_refused_before_parsing(tmp_path):
    import tracemalloc

    from designer.fileformat import load

    path = tmp_path / "empties.rackio"
    body = b",".join([b"{}"] * (4 * 2**20))  # 12 MiB of "{}," elements
    path.write_bytes(b'{"format": "rackio-project", "version": 1, "elements": [' + body + b'], "links": []}')
    size = path.stat().st_size
    tracemalloc.start()
    try:
        with pytest.raises(ProjectFileError, match="under 20 bytes each"):
            load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * size, f"peak {peak / 2**20:.0f} MiB for a {size / 2**20:.0f} MiB file"


def test_real_designs_pass_the_prescan():
    from designer.fileformat import dumps
    from designer.generate import generate

    topo = generate(4, 50, 40, mix=["emulated"])
    compact = json.dumps(json.loads(dumps(topo)), separators=(",", ":"))
    assert len(compact) > 2**20  # large enough to be scanned
    assert len(loads(compact).elements) == len(topo.elements)


@pytest.mark.parametrize("size", [0, 1, 2**18 - 1, 2**18, 2**18 + 1, 3 * 2**18 + 17])
def test_the_prescan_counts_exactly_the_opening_brackets(size):
    """The block-wise count is ``count(b"{") + count(b"[")`` for every byte value, at and
    around the block size, for bytes and bytearrays."""
    import random

    from designer.fileformat.project import _brackets

    data = bytes(random.Random(size).randrange(256) for _ in range(size))
    data += bytes(range(256)) * 2
    want = data.count(b"{") + data.count(b"[")
    assert want > 0
    assert _brackets(data) == _brackets(bytearray(data)) == want
