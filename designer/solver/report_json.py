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
from itertools import chain, repeat
from typing import TYPE_CHECKING, Iterator, TextIO

import numpy as np

from .flows import MODE_NAMES, RESOURCE_KINDS

if TYPE_CHECKING:  # pragma: no cover
    from .solve import Solution

# Records per piece of text: 1,024 flow records are half a MiB, and what they are made of
# stays in the processor's cache (4,096 took 12 % longer).
CHUNK_RECORDS = 1024

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


def _num_coded(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """``_num`` (rounded to 1e-9, no negative zero) of every value as JSON text, coded: the
    text of each distinct value (Python's ``round`` and ``repr``, exactly as ``_num``), and
    each position's index into them."""
    if values.size == 0:
        return [], np.zeros(0, dtype=np.intp)
    distinct, where = np.unique(values, return_inverse=True)
    texts = list(map(float.__repr__, map(round, distinct.tolist(), repeat(9))))
    # Where repr is not json's text: -0.0 (a value that rounds to zero), NaN, the infinities.
    for i in np.flatnonzero(~np.isfinite(distinct) | (np.abs(distinct) < 1e-8)).tolist():
        r = round(float(distinct[i]), 9)
        texts[i] = "0.0" if r == 0 else _float_text(r)
    return texts, where.reshape(-1)


def _num_texts(values: np.ndarray) -> list[str]:
    """The texts of ``_num_coded``, one per position."""
    return _pick(*_num_coded(values))


def _nested(value, depth: int) -> str:
    """``json.dumps(value, indent=2)`` as it appears ``depth`` levels down in a document."""
    text = json.dumps(value, indent=2)
    return text.replace("\n", "\n" + "  " * depth) if depth else text


def _list_of_chunks(chunks: Iterator[list[str]], indent: str) -> Iterator[str]:
    """A JSON list of pre-formatted items given a list at a time: ``[]`` when empty."""
    first = True
    for batch in chunks:
        if batch:
            yield "[\n" + indent if first else ",\n" + indent  # apart: the batch's text is not copied
            yield (",\n" + indent).join(batch)
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


def _path_coded(fs) -> tuple[list[str], np.ndarray]:
    """The ``path`` text of every flow, coded, each distinct path formatted once (a data
    centre's 100,000 flows take a few thousand). Routing numbers the distinct paths
    (``FlowSet.path_code``); without that number, flows of one path length are rows of a
    table of resource indices, and ``np.unique`` of a key per row finds the distinct paths."""
    n = fs.n_flows
    start = fs.flow_entry_start
    lengths = np.diff(start)
    texts = ["[]"]
    codes = np.zeros(n, dtype=np.intp)
    if not n or not lengths.any():
        return texts, codes
    quoted_res = [_quote(r) for r in fs.resource_ids]
    n_res = len(quoted_res)
    sep = ",\n        "
    entry_res = fs.entry_resource
    if fs.path_code is not None:
        # One flow of each code is formatted.
        known = fs.path_code
        one_of = np.full(int(known.max()) + 2, -1, dtype=np.int64)
        one_of[known + 1] = np.arange(n)  # some flow of each code (slot 0: the flows with no path)
        used = np.flatnonzero(one_of[1:] >= 0)
        number = np.zeros(one_of.size, dtype=np.intp)
        number[used + 1] = np.arange(1, used.size + 1)
        flows = one_of[used + 1]
        sizes = lengths[flows]
        within = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        names = list(map(quoted_res.__getitem__, entry_res[np.repeat(start[flows], sizes) + within].tolist()))
        # All the paths in one join, then cut apart: a quoted id never holds a NUL.
        after = [sep] * len(names)
        for end in (np.cumsum(sizes) - 1).tolist():
            after[end] = "\n      ]\0[\n        "
        joined = "".join(chain.from_iterable(zip(names, after)))
        texts += ("[\n        " + joined[:-len("\0[\n        ")]).split("\0")
        return texts, number[known + 1]
    # The distinct lengths by counting (np.unique without indices would load numpy.ma).
    for length in np.flatnonzero(np.bincount(lengths)).tolist():
        if not length:
            continue
        flows = np.flatnonzero(lengths == length)
        rows = entry_res[start[flows][:, None] + np.arange(length)]
        # A key per row, column by column, renumbered densely before it could overflow.
        key = np.zeros(flows.size, dtype=np.int64)
        bound = 1
        for j in range(length):
            if bound * n_res >= 2**62:
                _, key = np.unique(key, return_inverse=True)
                key = key.reshape(-1).astype(np.int64)
                bound = flows.size
            key = key * n_res + rows[:, j]
            bound *= n_res
        _, first, where = np.unique(key, return_index=True, return_inverse=True)
        codes[flows] = where.reshape(-1) + len(texts)
        texts += ["[\n        " + sep.join([quoted_res[r] for r in row]) + "\n      ]"
                  for row in rows[first].tolist()]
    return texts, codes


def _pick(texts: list[str], codes: np.ndarray) -> list[str]:
    """``[texts[c] for c in codes]`` at numpy speed."""
    table = np.empty(len(texts), dtype=object)
    table[:] = texts
    return table[codes].tolist()


_PLAIN = re.compile(r"[A-Za-z0-9_.\-\n]*")  # text json writes as it is between quotes (joined by newlines)


def _all_plain(names: list[str]) -> bool:
    """Every name is written by json as it is (newlines join them: a name holding one shows as
    one too many)."""
    joined = "\n".join(names)
    return joined.count("\n") == len(names) - 1 and _PLAIN.fullmatch(joined) is not None


Coded = tuple[list[str], np.ndarray]  # (texts, codes): the text of row i is texts[codes[i]]


def _small_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values and each position's index into them."""
    if values.size and 0 <= values.min() and values.max() < 1 << 16:  # by counting: no sort
        present = np.zeros(int(values.max()) + 1, dtype=bool)
        present[values] = True
        return np.flatnonzero(present), (np.cumsum(present) - 1)[values]
    distinct, where = np.unique(values, return_inverse=True)
    return distinct, where.reshape(-1)


def _flow_chunks(sol: "Solution") -> Iterator[list[str]]:
    """The flow records, a list of CHUNK_RECORDS texts at a time.

    Every field is first a column of texts, coded (each distinct number and path formatted
    once); see ``_records`` for how the records are made of them."""
    fs = sol.flows
    n = fs.n_flows
    names = fs.vm_names
    distinct_vnics, vnic_codes = _small_codes(fs.vnic_index)
    vnic: Coded = (list(map(str, distinct_vnics.tolist())), vnic_codes)
    direction: Coded = (["tx", "rx"], fs.direction.astype(np.intp))
    vm_codes = fs.vm.astype(np.intp)
    columns: list[Coded]
    if _all_plain(names):
        template = _FLOW_TEMPLATE % ('"%s/%s/%s"', '"%s"', '"%s"')
        columns = [(names, vm_codes), vnic, direction, (names, vm_codes), vnic, direction]
    else:  # an id json escapes: quoted one by one
        template = _FLOW_TEMPLATE % ("%s", "%s", '"%s"')
        vm_name, vnic_text, dir_text = _pick(names, vm_codes), _pick(*vnic), _pick(*direction)
        ids = [_quote(f"{v}/{i}/{d}") for v, i, d in zip(vm_name, vnic_text, dir_text)]
        columns = [(ids, np.arange(n, dtype=np.intp)), ([_quote(v) for v in names], vm_codes), vnic, direction]
    bottleneck = np.where(sol.bottleneck >= 0, sol.bottleneck, len(fs.resource_ids))
    demand = _num_coded(sol.demand)
    floor = _num_coded(sol.floor)
    # Without caps the cap is the demand; without admission the admitted floor is the floor.
    cap = demand if np.array_equal(sol.cap, sol.demand) else _num_coded(sol.cap)
    admitted = floor if np.array_equal(sol.admitted_floor, sol.floor) else _num_coded(sol.admitted_floor)
    columns += [
        ([_quote(m) for m in MODE_NAMES], fs.mode.astype(np.intp)),
        demand, floor, cap, _num_coded(sol.rate),
        (["false", "true"], sol.floor_met.astype(np.intp)),
        ([_quote(r) for r in fs.resource_ids] + ["null"], bottleneck.astype(np.intp)),
        _path_coded(fs),
        admitted, _num_coded(fs.kappa * sol.rate),
        (["false", "true"], fs.routed.astype(np.intp)),
    ]
    yield from _records(template, columns, n)


# Two neighbouring columns are written as one when the distinct pairs of their texts are at
# most a quarter of the rows, counted in a table of every possible pair. Where that table
# would have more than MERGE_TABLE entries they are not merged: counting the pairs (a sort
# of 100,000 keys, or a table of millions) cost more than the merge saves in the joins
# (a data centre's report took 15 ms longer with such merges).
MERGE_TABLE = 1 << 16


def _compact(column: Coded) -> Coded:
    """The column without the texts no row uses (a bottleneck names 3 of 14,000 resources)."""
    texts, codes = column
    if len(texts) <= 1 or not codes.size:
        return column
    present = np.zeros(len(texts), dtype=bool)
    present[codes] = True
    used = np.flatnonzero(present)
    if used.size == len(texts):
        return column
    number = np.empty(len(texts), dtype=np.intp)
    number[used] = np.arange(used.size)
    return _pick(texts, used), number[codes]


def _merged(a: Coded, b: Coded, n: int) -> Coded | None:
    """Columns ``a`` and ``b`` as one column of the pairs of their texts that occur, each pair
    written once; None when that saves little (more pairs than a quarter of the rows)."""
    texts_a, codes_a = a
    texts_b, codes_b = b
    size = len(texts_a) * len(texts_b)
    if min(len(texts_a), len(texts_b)) * 4 > n:
        return None
    if size > MERGE_TABLE:
        return None
    pair = codes_a.astype(np.int64) * len(texts_b) + codes_b
    present = np.zeros(size, dtype=bool)
    present[pair] = True
    used = np.flatnonzero(present)
    if used.size * 4 > n:
        return None
    number = np.empty(size, dtype=np.intp)
    number[used] = np.arange(used.size)
    codes = number[pair]
    left = _pick(texts_a, used // len(texts_b))
    right = _pick(texts_b, used % len(texts_b))
    return list(map(str.__add__, left, right)), codes.reshape(-1).astype(np.intp)


def _records(template: str, columns: list[Coded], n: int) -> Iterator[list[str]]:
    """``template % row`` for every row of the coded columns (one per ``%s``), a list of one
    text of CHUNK_RECORDS records (joined by ``,\\n    ``) at a time.

    Each literal piece of the template goes onto the texts of the column after it (or the
    part before it, when that one has fewer texts); neighbouring columns with few distinct
    pairs of texts (flags, modes, rates, paths: they repeat across a data centre) are then
    made one column of their pairs. A record is so the join of a few texts, each taken from
    its column by numpy, rather than of thirty."""
    literals = template.split("%s")
    assert len(literals) == len(columns) + 1
    parts: list[Coded] = [([literals[0]], np.zeros(n, dtype=np.intp))]
    for literal, column in zip([""] + literals[1:-1], columns):  # the literal before each column
        texts, codes = _compact((column[0], np.asarray(column[1], dtype=np.intp)))
        if not literal:
            pass
        elif parts[-1] is not parts[0] and len(parts[-1][0]) < len(texts):
            parts[-1] = ([t + literal for t in parts[-1][0]], parts[-1][1])
        else:
            texts = [literal + t for t in texts]
        merged = _merged(parts[-1], (texts, codes), n)
        if merged is not None:
            parts[-1] = merged
        else:
            parts.append((texts, codes))
    takes: list[tuple[np.ndarray | None, str, np.ndarray]] = []
    for texts, codes in parts:
        if len(texts) == 1:
            takes.append((None, texts[0], codes))
        else:
            table = np.empty(len(texts), dtype=object)
            table[:] = texts
            takes.append((table, "", codes))
    last = literals[-1]
    separated = last + ",\n    "
    join = "".join
    # A chunk's pieces, a record a row: each column is taken into its own column of the grid.
    grid = np.empty((min(CHUNK_RECORDS, n), len(takes) + 1), dtype=object)
    for j, (texts_of, text, _) in enumerate(takes):
        if texts_of is None:
            grid[:, j] = text
    for lo in range(0, n, CHUNK_RECORDS):
        hi = min(lo + CHUNK_RECORDS, n)
        rows = grid[:hi - lo]
        for j, (texts_of, _, codes) in enumerate(takes):
            if texts_of is not None:
                rows[:, j] = texts_of.take(codes[lo:hi])
        rows[:, -1] = separated
        rows[-1, -1] = last
        yield [join(rows.ravel().tolist())]


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
        (quoted_ids, order),
        ([_quote(k) for k in RESOURCE_KINDS], kind[order].astype(np.intp)),
        ([_quote(e) for e in fs.resource_element], order),
        _num_coded(fs.capacity[order]), _num_coded(sol.load[order]),
        _num_coded(sol.utilization[order]), _num_coded(sol.reserved[order]),
        (["false", "true"], sol.saturated[order].astype(np.intp)),
    ]
    yield from _records(_RESOURCE_TEMPLATE, columns, len(quoted_ids))


_RESOURCE_TEMPLATE = (
    '{\n      "id": %s,\n      "kind": %s,\n      "element": %s,\n      "capacity": %s,\n      "load": %s,'
    '\n      "utilization": %s,\n      "reserved": %s,\n      "saturated": %s\n    }'
)


_SERVER_KEYS = ["id", "vmm_cores", "vmm_capacity_cores", "vmm_utilization", "vmm_cores_by_mode"]


def _servers_text(records: list[dict]) -> str:
    """``_nested(records, 1)`` for the server records: each one is its fields between the
    template's pieces (json's pure-Python indenting encoder takes longer for 2,000 servers
    than for the rest of the report but the flows). A record of another shape: the encoder."""
    texts = []
    for record in records:
        by_mode = record.get("vmm_cores_by_mode")
        if list(record) != _SERVER_KEYS or type(record["id"]) is not str or not isinstance(by_mode, dict) \
                or not all(type(record[k]) is float for k in _SERVER_KEYS[1:4]) \
                or not all(type(k) is str and type(v) is float for k, v in by_mode.items()):
            return _nested(records, 1)
        modes = ("{\n        " + ",\n        ".join([_quote(k) + ": " + _float_text(v) for k, v in by_mode.items()])
                 + "\n      }") if by_mode else "{}"
        texts.append('{\n      "id": ' + _quote(record["id"])
                     + ',\n      "vmm_cores": ' + _float_text(record["vmm_cores"])
                     + ',\n      "vmm_capacity_cores": ' + _float_text(record["vmm_capacity_cores"])
                     + ',\n      "vmm_utilization": ' + _float_text(record["vmm_utilization"])
                     + ',\n      "vmm_cores_by_mode": ' + modes + "\n    }")
    return "[\n    " + ",\n    ".join(texts) + "\n  ]" if texts else "[]"


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
    yield ',\n  "servers": ' + _servers_text(sol.server_records())
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
