"""Bulk reading of a design's elements: the loader's fast path for a valid file.

``project._read_element`` checks and builds one element at a time, a few microseconds of
Python each: seconds for a data centre of 79,000 elements and 50,000 vNICs. Here the
elements are grouped by kind, each field is read as a column and checked once per kind
with C-speed built-ins (the set of value types, ``min``/``max`` against the field's
bounds, one regular expression over the joined ids), and the objects are made from the
columns by ``map(cls, *columns)``. The result is the very dict of elements the
per-element reader builds, in file order.

It only ever accepts: anything it does not recognise as valid (a value of the wrong
type, out of its bounds, a missing parent, a reference to an element of the wrong
kind, an id written twice…) makes ``read_elements`` answer None, and the loader reads
the file again element by element, which names the first problem in file order with
its usual sentence. So every refusal, and its message, is the per-element reader's.
"""

from __future__ import annotations

import re
from dataclasses import MISSING as MISSING_FACTORY, fields
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

import numpy as np

from ..model.elements import ELEMENT_CLASSES, PARENT_KIND, Element, VNic, netdevs_problem
from ..model.schema import VNIC_FIELDS, FieldError, FieldSpec, fields_for

# Ids joined by newlines (never part of an id): one match checks them all, as
# ``elements.ID_PATTERN`` checks one.
_IDS = re.compile(r"[A-Za-z0-9_.\-]{1,64}(?:\n[A-Za-z0-9_.\-]{1,64})*")
_EXACT_FLOAT = 2**53  # a whole number up to this converts to float exactly (FieldSpec.coerce)
_NONE = type(None)
_VNIC_BY_NAME = {spec.name: spec for spec in VNIC_FIELDS}


class _Doubt(Exception):
    """Not certainly valid: the per-element reader decides, and names the problem."""


class _Missing:
    """A field a record does not write (it takes its default)."""


_MISSING = _Missing()


def read_elements(raw_elements: list, keep: dict[str, dict[str, Any]] | None = None) -> dict[str, Element] | None:
    """The elements of a project file by id, in file order, exactly as the per-element
    reader makes them (fields coerced, unknown fields kept in ``extra``, references
    checked); None when anything is not certainly valid.

    ``keep``: a dict that receives the columns the objects were made from, for the VMs
    (``"vm"``: ``id``, ``parent``, ``vnic_count``, and the VM ``objects``), their vNICs (``"vnic"``, every field)
    and the VFs (``"vf"``); see ``model.columns``. Left empty when the answer is None."""
    try:
        return _read_all(raw_elements, keep)
    except (_Doubt, FieldError, TypeError, ValueError, KeyError, AttributeError, OverflowError, RecursionError):
        if keep is not None:
            keep.clear()
        return None


_KIND_CODES = {kind: code for code, kind in enumerate(ELEMENT_CLASSES)}
_KIND_NAMES = list(ELEMENT_CLASSES)


def _read_all(raw: list, keep: dict[str, dict[str, Any]] | None) -> dict[str, Element]:
    if not raw:
        return {}
    if set(map(type, raw)) != {dict}:
        raise _Doubt
    kind_code: Any = _KIND_CODES.get  # an unhashable kind raises TypeError
    codes = np.fromiter(map(kind_code, map(dict.get, raw, repeat("kind")), repeat(-1)), dtype=np.int64,
                        count=len(raw))
    if codes.min() < 0:
        raise _Doubt  # an unknown kind, or none
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(_KIND_NAMES) + 1))
    made: list = []  # the objects, kind by kind (in ``order``)
    all_ids: list[str] = []
    parents: dict[str, list[str]] = {}  # the kind a parent must be -> the parents named
    refs: dict[str, list[str]] = {"vf": [], "nic": [], "network": []}  # what vNICs name, by kind
    ids_of: dict[str, list[str]] = {}
    for code, kind in enumerate(_KIND_NAMES):
        positions = order[bounds[code]:bounds[code + 1]]
        if not positions.size:
            continue
        records = list(map(raw.__getitem__, positions.tolist()))
        objects, ids = _read_kind(kind, records, parents, refs, keep)
        ids_of[kind] = ids
        made += objects
        all_ids += ids
    # Back into file order: the i-th element of the file is at ``place[i]`` of ``made``.
    place = np.empty(len(raw), dtype=np.int64)
    place[order] = np.arange(len(raw))
    in_file_order = itemgetter(*place.tolist()) if len(raw) > 1 else lambda items: (items[0],)
    elements = dict(zip(in_file_order(all_ids), in_file_order(made)))
    if len(elements) != len(raw):
        raise _Doubt  # an id written twice
    for kind, wanted in chain(parents.items(), refs.items()):
        if not wanted:
            continue
        present: set = set(ids_of.get(kind, ()))  # only server, nic, vf, network
        if wanted is refs.get(kind):  # a vNIC's references: None or missing where not written
            present.update((None, _MISSING))
        if not present.issuperset(wanted):
            raise _Doubt  # names an element that is not there, or not of that kind
    return elements


def _columns_of(records: list[dict], names: list[str], written: set[str], defaults: dict[str, Any]) -> list:
    """The values of these fields as one column each, one pass over the records per field;
    where a record does not write a field, its default (``_MISSING`` for a field that must
    be written)."""
    if set(map(len, records)) == {len(written)}:  # every record writes every field
        return [list(map(itemgetter(name), records)) for name in names]
    return [list(map(dict.get, records, repeat(name), repeat(defaults.get(name, _MISSING)))) for name in names]


def _read_kind(kind: Any, records: list[dict], parents: dict[str, list[str]],
               refs: dict[str, list[str]], keep: dict[str, dict[str, Any]] | None = None) -> tuple[list, list[str]]:
    cls = ELEMENT_CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise _Doubt
    by_name = {s.name: s for s in fields_for(kind)}
    written = set().union(*records)
    names = ["id"] + [name for name in written if name in by_name] + (["vnics"] if "vnics" in written else [])
    columns = dict(zip(names, _columns_of(records, names, written, _defaults(cls))))
    ids = columns["id"]
    if set(map(type, ids)) != {str} or not _all_ids(ids):
        raise _Doubt
    given: dict[str, Any] = {"id": ids}
    for name in names[1:]:
        if name != "vnics":
            given[name] = _column(by_name[name], columns[name])
    for axis in ("x", "y"):
        if axis in given:
            values = [v for v in given[axis] if v is not None]
            if values and (min(values) < -1e9 or max(values) > 1e9):
                raise _Doubt
    want = PARENT_KIND.get(kind)
    if want is not None:
        if "parent" not in given or _MISSING in given["parent"]:
            raise _Doubt  # a NIC, VF or VM must name its parent
        parents.setdefault(want, []).extend(given["parent"])
    n = len(records)
    if kind == "nic" and "netdevs" in given:
        ports = given.get("ports") or [by_name["ports"].default] * n
        if any(netdevs_problem(p, d) for p, d in zip(ports, given["netdevs"]) if d is not _MISSING):
            raise _Doubt
    known = {"id", "kind", *by_name} | ({"vnics"} if kind == "vm" else set())
    given["extra"] = _extras(written, known, records, kind) or list(map(dict, repeat((), n)))
    if kind == "vm":
        if "vnics" in written:
            lists = columns["vnics"] if kind == "vm" else ()
            if set(map(type, lists)) != {list} or max(map(len, lists)) > 64:
                raise _Doubt  # also a VM that writes no vnics: the per-element reader decides
            counts = list(map(len, lists))
            vnics = _read_vnics(list(chain.from_iterable(lists)), refs, keep)
            if len(vnics) == n and min(counts) == 1:
                given["vnics"] = [[v] for v in vnics]
            else:
                it = iter(vnics)
                given["vnics"] = [[next(it) for _ in range(count)] for count in counts]
        else:
            counts = [0] * n
            given["vnics"] = list(map(list, repeat((), n)))
            if keep is not None:
                keep["vnic"] = {}
    table: dict[str, Any] | None = None
    if keep is not None and kind == "vf":
        table = keep["vf"] = {}
    objects = _objects(cls, given, n, table)
    if keep is not None and kind == "vm":
        keep["vm"] = {"id": ids, "parent": given["parent"], "vnic_count": counts, "objects": objects}
    return objects, ids


_DEFAULTS: dict[type, dict[str, Any]] = {}


def _defaults(cls: type) -> dict[str, Any]:
    """The default of each field a record may leave out (not ``id``, ``parent``, ``mode``:
    they must be written; not a list, which each instance gets afresh)."""
    found = _DEFAULTS.get(cls)
    if found is None:
        found = _DEFAULTS[cls] = {f.name: f.default for f in fields(cls)
                                  if f.default is not MISSING_FACTORY and f.name not in ("id", "parent", "mode")}
    return found


def _objects(cls: type, given: dict[str, Any], n: int, keep: dict[str, Any] | None = None) -> list:
    """``n`` instances of a dataclass whose fields are these columns, or their defaults
    (a mutable default is a fresh list per instance): ``cls(*fields)`` for each row.
    ``keep`` receives each field's column but ``extra``: a list, or the default where no
    record writes the field (``model.columns``)."""
    columns: list[Any] = []
    defaults = _defaults(cls)
    for f in fields(cls):
        column = given.get(f.name)
        if column is None:
            if keep is not None and f.default_factory is MISSING_FACTORY:
                keep[f.name] = f.default
            column = repeat(f.default) if f.default_factory is MISSING_FACTORY else map(list, repeat((), n))
            columns.append(column)
            continue
        if f.name not in defaults and f.name != "extra" and _MISSING in column:  # defaults fill the rest
            if f.default_factory is MISSING_FACTORY:
                column = [f.default if v is _MISSING else v for v in column]
            else:
                column = [f.default_factory() if v is _MISSING else v for v in column]
        if keep is not None and f.name != "extra":
            keep[f.name] = column
        columns.append(column)
    return list(map(cls, *columns))


def _extras(written: set, known, records: list[dict], where: str) -> list[dict] | None:
    """The unknown fields of each record (kept as they are), None when there are none."""
    unknown = [k for k in written if k not in known]
    if not unknown:
        return None
    from .project import ProjectFileError, _check_depth

    out = [{k: v for k, v in r.items() if k not in known} for r in records]
    try:
        for extra in out:
            if extra:
                _check_depth(extra, where)
    except ProjectFileError:
        raise _Doubt from None
    return out


def _read_vnics(raw: list, refs: dict[str, list[str]], keep: dict[str, dict[str, Any]] | None = None) -> list[VNic]:
    """Every vNIC of the design, in order."""
    table: dict[str, Any] | None = None
    if keep is not None:
        table = keep["vnic"] = {}
    if not raw:
        return []
    if set(map(type, raw)) != {dict}:
        raise _Doubt
    written = set().union(*raw)
    if "mode" not in written:
        raise _Doubt
    given: dict[str, Any] = {}
    names = [name for name in written if name in _VNIC_BY_NAME]
    for name, column in zip(names, _columns_of(raw, names, written, _defaults(VNic))):
        spec = _VNIC_BY_NAME[name]
        column = given[name] = _column(spec, column)
        if spec.ref_kind in refs:
            refs[spec.ref_kind].extend(column)  # with None and _MISSING, set aside in _read_all
    if _MISSING in given["mode"]:
        raise _Doubt
    given["extra"] = _extras(written, _VNIC_BY_NAME, raw, "vnic") or list(map(dict, repeat((), len(raw))))
    return _objects(VNic, given, len(raw), table)


def _column(spec: FieldSpec, column: Any) -> Any:
    """``[spec.coerce(v) for v in column]`` (a missing value stays missing), checked at C
    speed for the common types; raises _Doubt (or FieldError) where ``coerce`` might
    refuse a value."""
    t = spec.type
    types = set(map(type, column))
    if t == "ref":  # each distinct id once: 50,000 VMs name 2,000 servers
        if spec.optional:
            types.discard(_NONE)
        types.discard(_Missing)
        if not types:
            return column  # nothing but missing values (and None where allowed)
        if types != {str}:
            raise _Doubt
        distinct = set(column)
        distinct.discard(_MISSING)
        distinct.discard(None)
        if not _all_ids(list(distinct)):
            raise _Doubt
        return column
    values = column
    if _Missing in types or (spec.optional and _NONE in types):
        types.discard(_Missing)
        if spec.optional:
            types.discard(_NONE)
        values = [v for v in column if v is not _MISSING and (v is not None or not spec.optional)]
        if not values:
            return column
    if t == "float":
        if not types <= {float, int}:
            raise _Doubt
        numbers = np.fromiter(values, dtype=np.float64, count=len(values))  # an int beyond int64: OverflowError
        low, high = float(numbers.min()), float(numbers.max())
        # NaN (never from JSON, but a document may come from elsewhere) fails ``low <= high``; a
        # number at 2**53 or beyond might be a whole number no float holds.
        if not (-_EXACT_FLOAT < low <= high < _EXACT_FLOAT) or not _in_bounds(spec, low, high):
            raise _Doubt
        # As coerce does: whole numbers become floats, -0.0 becomes 0.0.
        negative_zero = low <= 0 <= high and bool(np.signbit(numbers[numbers == 0]).any())
        if int in types or negative_zero:
            if values is column:
                return (numbers + 0.0).tolist()
            return [v if v is None or v is _MISSING else float(v) + 0.0 for v in column]
        return column
    if t == "int":
        if types != {int} or not _in_bounds(spec, min(values), max(values)):
            raise _Doubt
        return column
    if t == "bool":
        if types != {bool}:
            raise _Doubt
        return column
    if t == "enum":
        if types != {str} or not set(values) <= set(spec.choices):
            raise _Doubt
        return column
    if t == "str":
        if types != {str} or max(map(len, values)) > 4096:
            raise _Doubt
        "".join(values).encode("utf-8")  # a lone surrogate: UnicodeEncodeError, a ValueError
        return column
    return [v if v is _MISSING else spec.coerce(v) for v in column]


def _all_ids(values: Any) -> bool:
    """Every value (all text) is an id, as ``elements.is_valid_id`` says: joined by newlines,
    which no id holds (a value holding one would show as one newline too many)."""
    joined = "\n".join(values)
    return joined.count("\n") == len(values) - 1 and _IDS.fullmatch(joined) is not None


def _in_bounds(spec: FieldSpec, low: float, high: float) -> bool:
    if spec.minimum is not None and (low < spec.minimum or (spec.exclusive_minimum and low <= spec.minimum)):
        return False
    return spec.maximum is None or high <= spec.maximum
