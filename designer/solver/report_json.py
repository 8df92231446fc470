"""The SPEC §8 report as JSON text, written in chunks.

The text is byte for byte what ``json.dump(solution.to_report(), fh, indent=2)`` writes
(ASCII with ``\\uXXXX`` escapes, two-space indent, floats as ``repr``), but a data centre's
hundreds of thousands of flow and resource records are not first built as dictionaries
and then walked by the standard library's pure-Python indenting encoder (it is the only
one that indents): each record is one template filled from numpy columns converted to
Python lists once, strings escaped by the C function ``json`` itself uses, and the text
goes out a few thousand records at a time.

The small parts of the report (servers, admission, summary) go through ``json.dumps``
itself, re-indented to their depth, so any field added to them stays identical.
"""

from __future__ import annotations

import json
from itertools import chain, repeat
from json.encoder import encode_basestring_ascii as _quote  # the C function where Python has it
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
    texts = []
    for v in distinct.tolist():
        r = round(v, 9)
        texts.append("0.0" if r == 0 else _float_text(r))
    return np.array(texts, dtype=object)[where.reshape(-1)].tolist()


def _nested(value, depth: int) -> str:
    """``json.dumps(value, indent=2)`` as it appears ``depth`` levels down in a document."""
    text = json.dumps(value, indent=2)
    return text.replace("\n", "\n" + "  " * depth) if depth else text


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


def _flows_text(sol: "Solution", indent: str = "    ") -> Iterator[str]:
    """The ``flows`` list, as ``_list`` of one record per flow writes it, a chunk of flows
    at a time, made from whole columns: the text of each field of every flow comes from
    ``map`` over Python lists (no Python-level loop per flow, no format string parsed per
    record); numpy places the pieces (the template's literals, each flow's field texts and
    path items) in document order, and each chunk is one join."""
    fs = sol.flows
    n = fs.n_flows
    if n == 0:
        yield "[]"
        return
    quoted_res = [_quote(r) for r in fs.resource_ids]
    names = fs.vm_names
    quoted_vm = [_quote(v) for v in names]
    vm = fs.vm.tolist()
    vnic = fs.vnic_index.tolist()
    direction = fs.direction.tolist()
    start = fs.flow_entry_start
    has_path = start[1:] > start[:-1]
    record = ",\n" + indent + "{\n" + _FIELD_INDENT
    columns = [  # (the literal before the field, the field's text for every flow)
        (record + '"id": ', map(_quote, map("{}/{}/{}".format, map(names.__getitem__, vm), vnic,
                                            map(("tx", "rx").__getitem__, direction)))),
        ('"vm": ', map(quoted_vm.__getitem__, vm)),
        ('"vnic": ', map(str, vnic)),
        ('"direction": ', map(('"tx"', '"rx"').__getitem__, direction)),
        ('"mode": ', map([_quote(m) for m in MODE_NAMES].__getitem__, fs.mode.tolist())),
        ('"demand_gbps": ', _num_texts(sol.demand)),
        ('"floor_gbps": ', _num_texts(sol.floor)),
        ('"cap_gbps": ', _num_texts(sol.cap)),
        ('"rate_gbps": ', _num_texts(sol.rate)),
        ('"floor_met": ', map(("false", "true").__getitem__, sol.floor_met.tolist())),
        ('"bottleneck": ', map((quoted_res + ["null"]).__getitem__, sol.bottleneck.tolist())),  # -1: null
        ('"path": ', None),  # the path's items come here
        ("", map(("[]", "\n" + _FIELD_INDENT + "]").__getitem__, has_path.tolist())),
        ('"admitted_floor_gbps": ', _num_texts(sol.admitted_floor)),
        ('"vmm_cores": ', _num_texts(fs.kappa * sol.rate)),
        ('"routed": ', map(("false", "true").__getitem__, fs.routed.tolist())),
        ("\n" + indent + "}", None),
    ]
    # Each column's literal joins the field before it (",\n      " between fields).
    pieces_of: list[tuple[str, np.ndarray | None]] = []
    for i, (literal, texts) in enumerate(columns):
        before = literal if i == 0 or not literal.startswith('"') else ",\n" + _FIELD_INDENT + literal
        pieces_of.append((before, None))
        if texts is not None:
            pieces_of.append(("", np.array(list(texts), dtype=object)))
    head = next(i for i, (lit, _) in enumerate(pieces_of) if lit.endswith('"path": ')) + 1
    item_sep = ",\n" + _FIELD_INDENT + "  "
    entry_flow = fs.entry_flow
    first_entry = np.zeros(entry_flow.size, dtype=bool)
    first_entry[start[:-1][has_path]] = True
    entry_sep = np.full(entry_flow.size, item_sep, dtype=object)
    entry_sep[first_entry] = "[\n" + _FIELD_INDENT + "  "
    entry_name = np.array(quoted_res, dtype=object)[fs.entry_resource] if quoted_res else np.empty(0, object)
    width = len(pieces_of)
    for lo in range(0, n, CHUNK_RECORDS):
        hi = min(n, lo + CHUNK_RECORDS)
        e_lo, e_hi = int(start[lo]), int(start[hi])
        # A flow's pieces: its head (up to "path": ), two per path item, then its tail.
        base = np.arange(hi - lo) * width + 2 * (start[lo:hi] - e_lo)
        tail = base + 2 * (start[lo + 1:hi + 1] - start[lo:hi])
        pieces = np.empty((hi - lo) * width + 2 * (e_hi - e_lo), dtype=object)
        for j, (literal, texts) in enumerate(pieces_of):
            at = base + j if j < head else tail + j
            pieces[at] = texts[lo:hi] if texts is not None else literal
        item_at = base[entry_flow[e_lo:e_hi] - lo] + head + 2 * (np.arange(e_lo, e_hi) - start[entry_flow[e_lo:e_hi]])
        pieces[item_at] = entry_sep[e_lo:e_hi]
        pieces[item_at + 1] = entry_name[e_lo:e_hi]
        if lo == 0:
            pieces[0] = "[\n" + indent + "{\n" + _FIELD_INDENT + '"id": '
        yield "".join(pieces.tolist())
    yield "\n" + indent[:-2] + "]"


_FIELD_INDENT = "      "


def _resource_texts(sol: "Solution") -> Iterator[str]:
    """The resource records in report order (by kind, then as found), each made by ``map``
    from whole columns: no Python-level loop per record."""
    fs = sol.flows
    if not fs.resource_ids:
        return iter(())
    order = np.argsort(fs.resource_kind, kind="stable").tolist()  # sorted by (kind, index)
    kind = fs.resource_kind.tolist()
    quoted_kind = [_quote(k) for k in RESOURCE_KINDS]
    ids, elements = fs.resource_ids, fs.resource_element
    columns = [
        map(_quote, map(ids.__getitem__, order)),
        map(quoted_kind.__getitem__, map(kind.__getitem__, order)),
        map(_quote, map(elements.__getitem__, order)),
        *(map(texts.__getitem__, order) for texts in (_num_texts(fs.capacity), _num_texts(sol.load),
                                                       _num_texts(sol.utilization), _num_texts(sol.reserved))),
        map(("false", "true").__getitem__, map(sol.saturated.tolist().__getitem__, order)),
    ]
    return map(_RESOURCE_TEMPLATE.__mod__, zip(*columns))


_RESOURCE_TEMPLATE = (
    '{\n      "id": %s,\n      "kind": %s,\n      "element": %s,\n      "capacity": %s,\n      "load": %s,'
    '\n      "utilization": %s,\n      "reserved": %s,\n      "saturated": %s\n    }'
)


_SERVER_KEYS = ["id", "vmm_cores", "vmm_capacity_cores", "vmm_utilization", "vmm_cores_by_mode"]


def _scalar(value) -> str:
    return _float_text(value) if type(value) is float else json.dumps(value)


def _server_texts(records: list[dict]) -> Iterator[str]:
    """The ``servers`` records (two thousand in a data centre: the standard library's
    indenting encoder is pure Python), each as ``_nested(record, 2)`` writes it."""
    for record in records:
        by_mode = record.get("vmm_cores_by_mode")
        if list(record) != _SERVER_KEYS or type(by_mode) is not dict or not all(type(k) is str for k in by_mode):
            yield _nested(record, 2)  # a record of another shape: the standard encoder
            continue
        modes = ("{\n        " + ",\n        ".join(_quote(k) + ": " + _scalar(v) for k, v in by_mode.items())
                 + "\n      }") if by_mode else "{}"
        yield ('{\n      "id": ' + _scalar(record["id"])
               + ',\n      "vmm_cores": ' + _scalar(record["vmm_cores"])
               + ',\n      "vmm_capacity_cores": ' + _scalar(record["vmm_capacity_cores"])
               + ',\n      "vmm_utilization": ' + _scalar(record["vmm_utilization"])
               + ',\n      "vmm_cores_by_mode": ' + modes + "\n    }")


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
    yield from _flows_text(sol)
    yield ',\n  "resources": '
    yield from _list(_resource_texts(sol), "    ")
    yield ',\n  "servers": '
    yield from _list(_server_texts(sol.server_records()), "    ")
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
