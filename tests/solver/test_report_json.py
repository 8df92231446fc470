"""The streamed JSON report is the standard library's ``json.dumps(to_report(), indent=2)``,
byte for byte, for every shape of report: both examples, the SPEC example, generated
designs under overload, problems with non-ASCII and escaped text, admission records,
unrouted flows and an empty design."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest

from designer.cli import main
from designer.fileformat import load, loads
from designer.generate import generate
from designer.solver import solve
from designer.solver import report_json
from designer.solver.report_json import dumps_report, write_report

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.rackio"))
SPEC_EXAMPLE = json.loads((ROOT / "tests" / "spec_example.json").read_text(encoding="utf-8"))


def reference(solution) -> str:
    return json.dumps(solution.to_report(), indent=2)


def assert_same(solution) -> None:
    text = dumps_report(solution)
    expected = reference(solution)
    assert text == expected
    # Same values and the same key order when read back.
    assert list(json.loads(text)) == list(solution.to_report())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("scale", [1.0, 0.0, 3.5])
def test_examples(path, scale):
    assert_same(solve(load(path), scale=scale))


def test_spec_example():
    assert_same(solve(loads(json.dumps(SPEC_EXAMPLE))))


@pytest.mark.parametrize("mix", [["vf", "paravirtual"], ["emulated", "paravirtual", "vf"]])
def test_generated_design_overloaded(mix):
    topo = generate(2, 6, 5, mix=mix, seed=3)
    solution = solve(topo, scale=4.0)
    assert solution.flows.n_flows > 50
    assert_same(solution)


def odd_design() -> dict:
    """Non-ASCII and escaped text in problem messages (rack labels), an oversubscribed
    guarantee (admission records), a floor that is missed, and a flow with no route."""
    return {
        "format": "rackio-project", "version": 1, "title": "Zürich «DC» \"quoted\"",
        "racks": [{"id": "r1", "label": "Baie 1 — Zürich \"A\"\t\\ ✓", "height_u": 2}],
        "elements": [
            {"id": "wan", "kind": "network"},
            {"id": "lan", "kind": "network"},
            {"id": "tor", "kind": "switch", "port_gbps": 10, "rack": "r1", "rack_u": 2},
            {"id": "h1", "kind": "server", "vmm_io_cores": 1, "rack": "r1", "rack_u": 1, "height_u": 2},
            {"id": "n0", "kind": "nic", "parent": "h1", "port_gbps": 10},
            {"id": "a", "kind": "vm", "parent": "h1", "label": "Ünïcode ☃",
             "vnics": [{"mode": "paravirtual", "nic": "n0", "port": 0, "tx_gbps": 9, "min_gbps": 8, "to": "wan"}]},
            {"id": "b", "kind": "vm", "parent": "h1",
             "vnics": [{"mode": "emulated", "nic": "n0", "port": 0, "tx_gbps": 9, "rx_gbps": 1e-7,
                        "min_gbps": 7, "to": "wan"},
                       {"mode": "paravirtual", "nic": "n0", "port": 0, "tx_gbps": 1.0 / 3, "to": "lan"}]},
        ],
        "links": [{"a": "n0:0", "b": "tor"}, {"a": "tor", "b": "wan", "gbps": 12.5}],
    }


def test_problems_admission_and_unrouted_flows():
    solution = solve(loads(json.dumps(odd_design())))
    codes = {p.code for p in solution.problems}
    assert {"guarantee-oversubscribed", "no-route", "rack-collision"} <= codes
    assert solution.admission and not solution.flows.routed.all()
    assert any(ord(ch) > 127 for p in solution.problems for ch in p.message)
    assert_same(solution)


def test_empty_design():
    solution = solve(loads(json.dumps({"format": "rackio-project", "version": 1, "elements": []})))
    assert solution.flows.n_flows == 0
    assert dumps_report(solution) == reference(solution)
    assert '"flows": []' in dumps_report(solution)


def test_written_in_chunks(monkeypatch):
    """Chunk boundaries never change the text (a chunk of two records, an odd count)."""
    monkeypatch.setattr(report_json, "CHUNK_RECORDS", 2)
    solution = solve(generate(1, 2, 3, seed=5), scale=2.0)
    writes: list[str] = []

    class Out(io.StringIO):
        def write(self, text):
            writes.append(text)
            return super().write(text)

    out = Out()
    write_report(solution, out)
    assert out.getvalue() == reference(solution)
    assert len(writes) > solution.flows.n_flows // 2


def test_cli_json_is_the_standard_encoders_text(tmp_path, capsys):
    path = tmp_path / "odd.rackio"
    path.write_text(json.dumps(odd_design()), encoding="utf-8")
    assert main(["solve", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert out == json.dumps(solve(load(path)).to_report(), indent=2) + "\n"
    assert out.isascii()



def test_guest_ids_that_json_escapes():
    """Ids the loader never accepts but a caller's model may hold (a quote, a backslash,
    non-ASCII): quoted one by one, still the standard encoder's text."""
    solution = solve(loads(json.dumps(odd_design())))
    names = solution.flows.vm_names
    names[:] = [f'{name}"\\ü\n' for name in names]
    assert_same(solution)
    assert '\\"\\\\\\u00fc\\n/0/tx"' in dumps_report(solution)


def test_paths_of_many_lengths_and_shared_paths():
    """Paths of different lengths, many flows sharing one (each distinct path is written
    once and reused): an overloaded generated design with every attachment mode."""
    topo = generate(3, 4, 6, mix=["emulated", "paravirtual", "vf"], seed=11)
    solution = solve(topo, scale=2.0)
    fs = solution.flows
    lengths = set((fs.flow_entry_start[1:] - fs.flow_entry_start[:-1]).tolist())
    assert len(lengths) > 1
    assert len({tuple(fs.path(f)) for f in range(fs.n_flows)}) < fs.n_flows
    assert_same(solution)


def test_paths_without_routings_numbering():
    """A FlowSet made elsewhere (no ``path_code``): the paths are compared themselves, with
    the same text; and routing's numbering gives one code to flows of one path only."""
    topo = generate(3, 4, 6, mix=["emulated", "paravirtual", "vf", "passthrough"], seed=11)
    solution = solve(topo, scale=2.0)
    fs = solution.flows
    assert fs.path_code is not None
    paths: dict[int, tuple] = {}
    for f in range(fs.n_flows):
        assert paths.setdefault(int(fs.path_code[f]), tuple(fs.path(f))) == tuple(fs.path(f))
    assert len(set(paths.values())) == len(paths)  # and flows of one path share one code
    with_code = dumps_report(solution)
    solution.flows = dataclasses.replace(fs, path_code=None)
    assert dumps_report(solution) == with_code == reference(solution)


def test_number_texts_are_the_encoders():
    """Each distinct number is written once, as json writes ``_num`` of it: values that round
    to zero (no negative zero), the infinities and NaN, float noise, repeated values."""
    import numpy as np

    from designer.solver.solve import _num

    values = np.array([-1e-12, 4e-10, 6e-10, -0.0, 0.0, np.inf, -np.inf, np.nan, 1 / 3, 0.1 + 0.2,
                       2.5, 2.5, -7.0, 1e-8, -5e-9, 123456789.123456789])
    assert report_json._num_texts(values) == [json.dumps(_num(v)) for v in values.tolist()]


@pytest.mark.parametrize("seed", [1, 2])
def test_vmm_cores_by_mode_is_the_flow_by_flow_sum(seed):
    """Each server's VMM cores per mode: the same floats as adding its flows one by one, in
    flow order, and its modes in the order its flows first use them."""
    solution = solve(generate(2, 5, 6, mix=["emulated", "paravirtual", "vf"], seed=seed), scale=3.0)
    fs = solution.flows
    expected: dict[str, dict[str, float]] = {sid: {} for sid in fs.server_ids}
    cores = (fs.kappa * solution.rate).tolist()
    for f in range(fs.n_flows):
        if cores[f] > 0:
            by = expected[fs.server_ids[int(fs.server[f])]]
            by[fs.mode_name(f)] = by.get(fs.mode_name(f), 0.0) + cores[f]
    got = solution.vmm_cores_by_mode()
    assert sum(len(v) > 1 for v in got.values()) > 0
    assert got == expected
    assert [list(v) for v in got.values()] == [list(v) for v in expected.values()]


@pytest.mark.parametrize("chunk", [1, 3, 4096])
@pytest.mark.parametrize("table", [16, report_json.MERGE_TABLE, 1 << 24])
def test_records_of_coded_columns_are_the_template_filled_in(chunk, table, monkeypatch):
    """Columns of few and of many distinct texts, unused texts, neighbours merged and not
    (pairs counted in a small table, a large one, or not counted): each record is still
    ``template % row``."""
    import numpy as np

    monkeypatch.setattr(report_json, "CHUNK_RECORDS", chunk)
    monkeypatch.setattr(report_json, "MERGE_TABLE", table)
    rng = np.random.default_rng(4)
    n = 2000
    sizes = [1, 2, 2000, 3, 1500, 7, 40, 2, 900, 1, 5]
    columns = [([f"t{k}.{i}" for i in range(size)], rng.integers(0, max(1, size // 2 if k % 3 == 0 else size), n))
               for k, size in enumerate(sizes)]
    template = "<" + "|".join("%s" for _ in columns) + ">"
    expected = [template % tuple(texts[c] for texts, codes in columns for c in (codes[row],)) for row in range(n)]
    got = ",\n    ".join(text for batch in report_json._records(template, columns, n) for text in batch)
    assert got == ",\n    ".join(expected)
