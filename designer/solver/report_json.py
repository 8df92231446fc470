"""The SPEC §8 report as JSON text, written in chunks.

The text is byte for byte what ``json.dump(solution.to_report(), fh, indent=2)`` writes
(ASCII with ``\\uXXXX`` escapes, two-space indent, floats as ``repr``), but a data centre's
hundreds of thousands of flow and resource records are not first built as dictionaries
and then walked by the standard library's pure-Python indenting encoder (it is the only
one that indents). Every field of the flow and resource records is first a column of
texts: each distinct number rounded and written once (``np.unique`` and a lookup), each
distinct path once, strings escaped by the C function ``json`` itself uses. A record is
then the join of its row between the template's literal pieces, ``map``-ed over the
columns in C, and the text goes out a few thousand records at a time.

The small parts of the report (servers, admission, summary) go through ``json.dumps``
itself, re-indented to their depth, so any field added to them stays identical.
"""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring_ascii as _quote  # the C function where Python has it
from itertools import repeat
from typing import TYPE_CHECKING, Iterator, TextIO

import numpy as np

from .flows import MODE_NAMES, RESOURCE_KINDS

if TYPE_CHECKING:  # pragma: no cover
    from .solve import Solution

CHUNK_RECORDS = 4096

_INF = float("inf")


def _float_text(value: float) -> str:
    """A float as ``json`` writes it (NaN and infinities as the JavaScript names)."""
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    return float.__repr__(value)


def _num_texts(values: np.ndarray) -> list[str]:
    """``_num`` (rounded to 1e-9, no negative zero) of every value, as JSON text.

    Each distinct value is rounded and written once (Python's ``round``, exactly as
    ``_num``), then spread back to every position by numpy."""
    if values.size == 0:
        return []
    distinct, where = np.unique(values, return_inverse=True)
    texts = list(map(float.__repr__, map(round, distinct.tolist(), repeat(9))))
    # Where repr is not json's text: -0.0 (a value that rounds to zero), NaN, the infinities.
    for i in np.flatnonzero(~np.isfinite(distinct) | (np.abs(distinct) < 1e-8)).tolist():
        r = round(float(distinct[i]), 9)
        texts[i] = "0.0" if r == 0 else _float_text(r)
    return _pick(texts, where.reshape(-1))


def _nested(value, depth: int) -> str:
    """``json.dumps(value, indent=2)`` as it appears ``depth`` levels down in a document."""
    text = json.dumps(value, indent=2)
    return text.replace("\n", "\n" + "  " * depth) if depth else text


def _list_of_chunks(chunks: Iterator[list[str]], indent: str) -> Iterator[str]:
    """A JSON list of pre-formatted items given a list at a time: ``[]`` when empty."""
    first = True
    for batch in chunks:
        if batch:
            yield ("[\n" + indent if first else ",\n" + indent) + (",\n" + indent).join(batch)
            first = False
    yield "[]" if first else "\n" + indent[:-2] + "]"


def _list(records: Iterator[str], indent: str) -> Iterator[str]:
    """A JSON list of pre-formatted items, in chunks: ``[]`` when empty."""
    first = True
    batch: list[str] = []
    for record in records:
        batch.append(record)
        if len(batch) >= CHUNK_RECORDS:
            yield ("[\n" + indent if first else ",\n" + indent) + (",\n" + indent).join(batch)
            first = False
            batch = []
    if batch:
        yield ("[\n" + indent if first else ",\n" + indent) + (",\n" + indent).join(batch)
        first = False
    yield "[]" if first else "\n" + indent[:-2] + "]"


def _path_texts(fs) -> list[str]:
    """The ``path`` text of every flow, each distinct path formatted once: flows of one path
    length are rows of a table of resource indices, and ``np.unique`` over the rows finds
    the distinct paths (a data centre's 100,000 flows take a few thousand)."""
    n = fs.n_flows
    start = fs.flow_entry_start
    lengths = np.diff(start)
    out = np.full(n, "[]", dtype=object)
    if not n or not lengths.any():
        return out.tolist()
    quoted_res = [_quote(r) for r in fs.resource_ids]
    sep = ",\n        "
    entry_res = fs.entry_resource
    for length in np.unique(lengths[lengths > 0]).tolist():
        flows = np.flatnonzero(lengths == length)
        rows = entry_res[start[flows][:, None] + np.arange(length)]
        # A key per row, column by column, renumbered densely each time so it never overflows.
        key = np.zeros(flows.size, dtype=np.int64)
        for j in range(length):
            _, key = np.unique(key * len(quoted_res) + rows[:, j], return_inverse=True)
            key = key.reshape(-1)
        _, first, where = np.unique(key, return_index=True, return_inverse=True)
        texts = ["[\n        " + sep.join([quoted_res[r] for r in row]) + "\n      ]"
                 for row in rows[first].tolist()]
        out[flows] = np.array(texts, dtype=object)[where.reshape(-1)]
    return out.tolist()


def _pick(texts: list[str], codes: np.ndarray) -> list[str]:
    """``[texts[c] for c in codes]`` at numpy speed."""
    table = np.empty(len(texts), dtype=object)
    table[:] = texts
    return table[codes].tolist()


_PLAIN = re.compile(r"[A-Za-z0-9_.\-]*")  # text json writes as it is, between quotes


def _flow_chunks(sol: "Solution") -> Iterator[list[str]]:
    """The flow records, a list of CHUNK_RECORDS texts at a time.

    Every field is first a column of texts, each distinct number and path formatted once;
    each record is then the join of its row of columns between the template's literal
    pieces, ``map``-ed in C (faster than a ``%`` template over the same row)."""
    fs = sol.flows
    n = fs.n_flows
    names = fs.vm_names
    vnic = list(map(str, fs.vnic_index.tolist()))
    vm_name = _pick(names, fs.vm)
    dir_text = _pick(["tx", "rx"], fs.direction.astype(np.intp))
    columns: list[list[str]]
    if all(_PLAIN.fullmatch(v) for v in names):
        template = _FLOW_TEMPLATE % ('"%s/%s/%s"', '"%s"', '"%s"')
        columns = [vm_name, vnic, dir_text, vm_name, vnic, dir_text]
    else:  # an id json escapes: quoted one by one
        template = _FLOW_TEMPLATE % ("%s", "%s", '"%s"')
        ids = [_quote(f"{v}/{i}/{d}") for v, i, d in zip(vm_name, vnic, dir_text)]
        columns = [ids, [_quote(v) for v in vm_name], vnic, dir_text]
    bottleneck = np.where(sol.bottleneck >= 0, sol.bottleneck, len(fs.resource_ids))
    columns += [
        _pick([_quote(m) for m in MODE_NAMES], fs.mode.astype(np.intp)),
        _num_texts(sol.demand), _num_texts(sol.floor), _num_texts(sol.cap), _num_texts(sol.rate),
        _pick(["false", "true"], sol.floor_met.astype(np.intp)),
        _pick([_quote(r) for r in fs.resource_ids] + ["null"], bottleneck),
        _path_texts(fs),
        _num_texts(sol.admitted_floor), _num_texts(fs.kappa * sol.rate),
        _pick(["false", "true"], fs.routed.astype(np.intp)),
    ]
    yield from _filled(template, columns, n)


def _filled(template: str, columns: list[list[str]], n: int) -> Iterator[list[str]]:
    """``template % row`` for every row of the columns (all texts, one per ``%s``), as the
    join of the row between the template's literal pieces, CHUNK_RECORDS rows at a time."""
    literals = template.split("%s")
    assert len(literals) == len(columns) + 1
    join = "".join
    for lo in range(0, n, CHUNK_RECORDS):
        hi = lo + CHUNK_RECORDS
        row: list = [repeat(literals[0])]
        for literal, column in zip(literals[1:], columns):
            row += [column[lo:hi], repeat(literal)]
        yield list(map(join, zip(*row)))


# The id, the vm and the direction are filled in first: quoted by the template, or not.
_FLOW_TEMPLATE = (
    '{\n      "id": %s,\n      "vm": %s,\n      "vnic": %%s,\n      "direction": %s,\n      "mode": %%s,'
    '\n      "demand_gbps": %%s,\n      "floor_gbps": %%s,\n      "cap_gbps": %%s,\n      "rate_gbps": %%s,'
    '\n      "floor_met": %%s,\n      "bottleneck": %%s,\n      "path": %%s,\n      "admitted_floor_gbps": %%s,'
    '\n      "vmm_cores": %%s,\n      "routed": %%s\n    }'
)


def _resource_chunks(sol: "Solution") -> Iterator[list[str]]:
    """The resource records by kind (in route order), then in order of first use."""
    fs = sol.flows
    kind = fs.resource_kind
    order = np.argsort(kind, kind="stable")
    quoted_ids = [_quote(r) for r in fs.resource_ids]
    columns = [
        _pick(quoted_ids, order),
        _pick([_quote(k) for k in RESOURCE_KINDS], kind[order].astype(np.intp)),
        _pick([_quote(e) for e in fs.resource_element], order),
        _num_texts(fs.capacity[order]), _num_texts(sol.load[order]),
        _num_texts(sol.utilization[order]), _num_texts(sol.reserved[order]),
        _pick(["false", "true"], sol.saturated[order].astype(np.intp)),
    ]
    yield from _filled(_RESOURCE_TEMPLATE, columns, len(quoted_ids))


_RESOURCE_TEMPLATE = (
    '{\n      "id": %s,\n      "kind": %s,\n      "element": %s,\n      "capacity": %s,\n      "load": %s,'
    '\n      "utilization": %s,\n      "reserved": %s,\n      "saturated": %s\n    }'
)


def _problem_texts(problems) -> Iterator[str]:
    for p in problems:
        record = p.to_dict()
        if list(record) == ["code", "severity", "element", "message"]:
            yield ('{\n      "code": ' + _quote(record["code"])
                   + ',\n      "severity": ' + _quote(record["severity"])
                   + ',\n      "element": ' + _quote(record["element"])
                   + ',\n      "message": ' + _quote(record["message"]) + "\n    }")
        else:  # a record of another shape: the standard encoder
            yield _nested(record, 2)


def report_chunks(sol: "Solution") -> Iterator[str]:
    """The report's JSON text (no final newline), in pieces of a few thousand records."""
    from .solve import REPORT_FORMAT, REPORT_VERSION, _num

    yield ('{\n  "format": ' + json.dumps(REPORT_FORMAT) + ',\n  "version": ' + json.dumps(REPORT_VERSION)
           + ',\n  "scale": ' + json.dumps(_num(sol.scale)) + ',\n  "flows": ')
    yield from _list_of_chunks(_flow_chunks(sol), "    ")
    yield ',\n  "resources": '
    yield from _list_of_chunks(_resource_chunks(sol), "    ")
    yield ',\n  "servers": ' + _nested(sol.server_records(), 1)
    yield ',\n  "admission": ' + _nested(sol.admission, 1)
    yield ',\n  "problems": '
    yield from _list(_problem_texts(sol.problems), "    ")
    yield ',\n  "summary": ' + _nested(sol.report_summary(), 1) + "\n}"


def write_report(sol: "Solution", out: TextIO) -> None:
    """Write the report as ``json.dump(sol.to_report(), out, indent=2)`` would."""
    for chunk in report_chunks(sol):
        out.write(chunk)


def dumps_report(sol: "Solution") -> str:
    return "".join(report_chunks(sol))
