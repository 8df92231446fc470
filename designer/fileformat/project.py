"""Read and write ``.rackio`` project files (SPEC §7).

Loading is staged: bytes → JSON (strict: no NaN/Infinity, no duplicate keys) →
version dispatch and migration to the current version → validation of every
element, vNIC and cable with a one-sentence error naming the element and field →
a Topology. Nothing in a file is executed or evaluated. Saving writes a
temporary file in the same folder, fsyncs it and renames it over the target, so
a failed save never damages the previous file.
"""

from __future__ import annotations

import errno
import functools
import gc
import json
import math
import os
import re
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..model.elements import (
    netdevs_problem,
    DEFAULT_CORE_US_PER_PACKET,
    ELEMENT_CLASSES,
    MODES,
    PARENT_KIND,
    VM,
    CostModel,
    Element,
    Link,
    Nic,
    Rack,
    VNic,
    default_link_id,
    is_valid_id,
    is_valid_link_id,
    split_port_end,
)
from ..model.schema import (
    CORE_US_SPEC,
    COST_MODEL_FIELDS,
    RACK_FIELDS,
    VNIC_FIELDS,
    FieldError,
    FieldSpec,
    fields_for,
    link_field_spec,
    unsavable_text,
)
from ..model.checks import cable_kinds_problem
from ..model.columns import GuestColumns
from ..model.topology import Topology
from .bulk import read_elements
from .atomic import Target, name_max, replace_and_clean, same_file, temp_path, write_atomic
from .migrations import CURRENT_VERSION, MigrationError, migrate

try:  # a fast parser for files as the designer writes them (_parse_canonical); optional
    import orjson as _orjson
except ImportError:  # pragma: no cover - the strict parse reads every file without it
    _orjson = None  # type: ignore[assignment]

FORMAT = "rackio-project"
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_ELEMENTS = 2_000_000
MAX_LINKS = 2_000_000
MAX_RACKS = 100_000
MAX_VNICS_PER_VM = 64
MAX_DEPTH = 64


class ProjectFileError(ValueError):
    """A file that is not a valid project. The message is one sentence naming the element and field."""


# ----------------------------------------------------------------------- load
def load(path: str | os.PathLike, *, hold: list | None = None) -> Topology:
    """Load a project file; raise ProjectFileError with one sentence if it is not valid.

    ``hold``: a list a process that is about to end keeps to its end; the parsed document
    goes into it rather than being taken apart object by object (``cli.run``)."""
    topo, _ = _load(path, hold)
    return topo


def load_with_columns(path: str | os.PathLike, *, hold: list | None = None) -> tuple[Topology, GuestColumns | None]:
    """Load a project file, and give the columns its VMs, vNICs and VFs were read from
    (``model.columns``), for a caller that solves the design without editing it; None
    where the loader read the file element by element (a file it is not certain is valid
    at once, which is then checked, or refused, as by ``load``)."""
    keep: dict[str, dict[str, Any]] = {}
    topo, _ = _load(path, hold, keep)
    return topo, guest_columns(topo, keep)


def guest_columns(topo: Topology, keep: dict[str, dict[str, Any]]) -> GuestColumns | None:
    """The ``GuestColumns`` of what ``build_topology(doc, keep)`` kept; None if it kept nothing."""
    if not keep:
        return None
    vm = keep.get("vm", {"id": [], "parent": [], "vnic_count": [], "objects": []})
    return GuestColumns(vm_ids=vm["id"], vm_parent=vm["parent"], vnic_count=vm["vnic_count"],
                        vnic=keep.get("vnic", {}), vf=keep.get("vf", {}), vms=vm["objects"],
                        revision=topo.revision)


def load_versioned(path: str | os.PathLike) -> tuple[Topology, int]:
    """Load a project file; also give the format version it was written in (before migration)."""
    return _load(path, None)


def _load(path: str | os.PathLike, hold: list | None,
          keep: dict[str, dict[str, Any]] | None = None) -> tuple[Topology, int]:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ProjectFileError(
                f"{path.name} is {size / 2**20:.0f} MiB; project files over {MAX_FILE_BYTES // 2**20} MiB are refused."
            )
        with open(path, "rb") as fh:
            data = fh.read(size + 1)  # not read(MAX_FILE_BYTES + 1): that allocates 256 MiB for every file
            if len(data) > size:  # the file grew since stat()
                data += fh.read(MAX_FILE_BYTES + 1 - len(data))
    except IsADirectoryError:
        raise ProjectFileError(f"{path} is a folder, not a project file.") from None
    except FileNotFoundError:
        raise ProjectFileError(f"{path} does not exist.") from None
    except PermissionError:
        raise ProjectFileError(f"{path} cannot be read: permission denied.") from None
    except OSError as exc:
        raise ProjectFileError(f"{path} cannot be read: {exc.strerror or exc}.") from None
    with _collector_paused():
        doc = parse_json(data)
        version = doc.get("version") if isinstance(doc, dict) else None
        if hold is not None:
            hold.append(doc)
        topo = build_topology(check_header_and_migrate(doc), keep)
    return topo, version  # type: ignore[return-value]  # checked to be an int by the header check


def loads(data: bytes | str) -> Topology:
    """Parse project text (bytes or str) into a Topology."""
    with _collector_paused():
        doc = parse_json(data)
        doc = check_header_and_migrate(doc)
        return build_topology(doc)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a file is read.

    Reading a data-centre design allocates a few hundred thousand dicts, lists and
    element objects and frees almost none of them; each allocation burst triggers a
    collection that walks everything allocated so far, which cost the loader as much
    time as all its validation (1.1–1.6 s of 2.8–3.3 s on a 76,000-element file).
    Nothing the loader builds is a reference cycle that must be freed early, and the
    collector resumes, with the same thresholds, as soon as the file is read (its first
    young collection then walks what was read once, 0.45 s on that file; the command
    line, a one-shot process, keeps the collector off instead)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class _Refused(Exception):
    """Raised from inside json.loads (NaN/Infinity, a duplicate key); located afterwards."""


def _reject_constant(name: str) -> Any:
    raise _Refused(f"not valid JSON: {name} is not a number JSON allows.")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out = dict(pairs)  # built in C; a repeated key shows as a shorter dict
    if len(out) == len(pairs):
        return out
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _Refused(f"not a valid project: the key {key!r} appears twice in one object.")
        seen.add(key)
    raise AssertionError("a shorter dict without a repeated key")  # pragma: no cover


class _Constant:
    """A NaN or Infinity literal, kept in place only to say where it was."""

    def __init__(self, name: str) -> None:
        self.name = name


class _Duplicated(dict):
    """An object with a repeated key, kept in place only to say where it was."""

    key: str = ""


def _locate_refusal(text: str) -> str | None:
    """Parse again, marking what the strict parse refused, and name its element and field."""

    def pairs(items: list[tuple[str, Any]]) -> dict:
        out: dict[str, Any] = {}
        repeated = None
        for key, value in items:
            if key in out:
                repeated = key if repeated is None else repeated
                continue
            out[key] = value
        if repeated is None:
            return out
        marked = _Duplicated(out)
        marked.key = repeated
        return marked

    try:
        doc = json.loads(text, parse_constant=_Constant, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return None
    stack: list[tuple[tuple, Any]] = [((), doc)]
    while stack:  # depth-first in document order, without recursion
        path, value = stack.pop()
        if isinstance(value, _Constant):
            return _describe_path(doc, path, f"is {value.name}, which is not a number JSON allows")
        if isinstance(value, _Duplicated):
            return _describe_path(doc, path + (value.key,), "appears twice in one object")
        if isinstance(value, dict):
            stack.extend(reversed([(path + (k,), v) for k, v in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([(path + (i,), v) for i, v in enumerate(value)]))
    return None


def _describe_path(doc: Any, path: tuple, what: str) -> str:
    """``("elements", 3, "vnics", 0, "tx_gbps")`` → 'element "vm1" (vm): field 'vnics[0].tx_gbps' …'."""
    if not path:
        return f"not a project file: the whole document {what}."
    head, rest = "project", path
    if len(path) >= 2 and path[0] in ("elements", "nodes", "links", "cables") and isinstance(path[1], int):
        raw = doc[path[0]][path[1]]
        raw = raw if isinstance(raw, dict) else {}
        rest = path[2:]
        if path[0] in ("elements", "nodes"):
            eid = raw.get("id")
            head = _where(eid, raw.get("kind", raw.get("type"))) if is_valid_id(eid) else f"elements[{path[1]}]"
        else:
            a, b = raw.get("a", raw.get("from")), raw.get("b", raw.get("to"))
            lid = raw.get("id", default_link_id(a, b) if isinstance(a, str) and isinstance(b, str) else None)
            head = f'link "{lid}"' if is_valid_link_id(lid) else f"links[{path[1]}]"
    elif len(path) >= 2 and path[0] == "racks" and isinstance(path[1], int):
        raw = doc["racks"][path[1]]
        rid = raw.get("id") if isinstance(raw, dict) else None
        head = f'rack "{rid}"' if is_valid_id(rid) else f"racks[{path[1]}]"
        rest = path[2:]
    elif path[0] == "cost_model":
        head, rest = "cost_model", path[1:]
    if not rest:
        return f"{head} {what}."
    name = ""
    for part in rest:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return f"{head}: field {name[:80]!r} {what}."


# Every JSON object or list costs Python at least 56 bytes however short its text ("{}" is 2), so a
# file packed with tiny containers would take many times its size in memory before any check could
# run (100 MB of "{}," elements: 2.7 GB). A design's objects average 45–120 bytes of text; a file
# whose objects and lists average under MIN_BYTES_PER_CONTAINER is refused from a count of its
# brackets, before parsing (docs/safety.md, "Resource limits").
MIN_BYTES_PER_CONTAINER = 20
PRESCAN_FROM_BYTES = 1 << 20


def _prescan(data: bytes | str) -> None:
    size = len(data)
    if size < PRESCAN_FROM_BYTES:
        return
    if isinstance(data, (bytes, bytearray)):
        containers = _brackets(data)
    else:
        containers = data.count("{") + data.count("[")
    if containers * MIN_BYTES_PER_CONTAINER > size:
        raise ProjectFileError(
            f"not a project file: {containers:,} objects and lists in {size / 2**20:.0f} MiB, "
            f"under {MIN_BYTES_PER_CONTAINER} bytes each, is not a design (refused before parsing).")


def _brackets(data: bytes | bytearray) -> int:
    """``data.count(b"{") + data.count(b"[")``, a quarter MiB at a time with numpy: five times
    faster (``"[" | 0x20`` is ``"{"``, and no other byte is)."""
    every = np.frombuffer(data, dtype=np.uint8)
    block = 1 << 18
    folded = np.empty(min(block, every.size), dtype=np.uint8)
    found = np.empty(folded.size, dtype=bool)
    count = 0
    for start in range(0, every.size, block):
        part = every[start:start + block]
        np.bitwise_or(part, 0x20, out=folded[:part.size])
        np.equal(folded[:part.size], ord("{"), out=found[:part.size])
        count += int(np.count_nonzero(found[:part.size]))
    return count


def parse_json(data: bytes | str) -> Any:
    if isinstance(data, (bytes, bytearray)):
        if len(data) > MAX_FILE_BYTES:
            raise ProjectFileError(f"project files over {MAX_FILE_BYTES // 2**20} MiB are refused.")
        _prescan(data)
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        doc = _parse_canonical(bytes(data))
        if doc is not None:
            return doc
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProjectFileError(f"not a project file: the bytes at offset {exc.start} are not UTF-8 text.") from None
    else:
        _prescan(data)
        text = data
    try:
        doc = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)
    except _Refused as exc:
        raise ProjectFileError(_locate_refusal(text) or str(exc)) from None
    except json.JSONDecodeError as exc:
        raise ProjectFileError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
    except RecursionError:
        raise ProjectFileError("not a project file: the JSON is nested too deeply.") from None
    except ValueError as exc:  # e.g. integer strings too long to convert
        raise ProjectFileError(f"not valid JSON: {exc}.") from None
    if _LONE_SURROGATE_ESCAPE.search(text) or (not isinstance(data, (bytes, bytearray)) and not _encodable(text)):
        refuse_unencodable(doc)
    return doc


def _parse_canonical(data: bytes) -> Any | None:
    """The loader's fast path for JSON in the form the designer writes it (``dumps``:
    two-space indent, UTF-8, floats as ``repr``): parsed by orjson, and taken only when
    orjson writes the parsed document back as exactly these bytes. A text equal to a
    serialisation of dictionaries has no key twice in any object, no NaN or Infinity,
    no lone surrogate, no number the standard parser would read differently, and is
    not nested beyond orjson's writer's 255 levels, so the strict parse below would have
    given the very same document. Anything else (orjson missing, a refusal, a file
    written another way) answers None, and the strict parse decides, with its messages."""
    if _orjson is None:
        return None
    try:
        doc = _orjson.loads(data)
        again = _orjson.dumps(doc, option=_orjson.OPT_INDENT_2)
    except (ValueError, TypeError, OverflowError, RecursionError):  # orjson's errors are ValueErrors and TypeErrors
        return None
    # The same bytes, or the same and one final newline: compared in place (a slice copies).
    beyond = len(data) - len(again)
    same = data.startswith(again) and (beyond == 0 or (beyond == 1 and data.endswith(b"\n")))
    return doc if same else None


# A \uD800–\uDFFF escape: JSON's way to write half of a UTF-16 pair, which alone is no character.
_LONE_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


def _encodable(text: str) -> bool:
    return unsavable_text(text) is None


def refuse_unencodable(doc: Any) -> None:
    """Refuse text no file can hold: a lone UTF-16 surrogate (``"x\\udc00"``) reads into Python but
    can never be written back as UTF-8, so every later save would fail. Names the element and field
    (also for keys and unknown fields). Used by the loader and by paste."""
    stack: list[tuple[tuple, Any]] = [((), doc)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            why = unsavable_text(value)
            if why is not None:
                raise ProjectFileError(_describe_path(doc, path, why))
        elif isinstance(value, dict):
            for key, item in value.items():
                why = unsavable_text(key)
                if why is not None:
                    raise ProjectFileError(_describe_path(doc, path + (key.encode("utf-8", "replace").decode(),),
                                                          "— its name " + why))
                stack.append((path + (key,), item))
        elif isinstance(value, list):
            stack.extend((path + (i,), item) for i, item in enumerate(value))


def _check_depth(value: Any, where: str, depth: int = 0, name: str | None = None) -> None:
    """Unknown fields are kept as they are; refuse absurdly nested ones (known fields are flat),
    and numbers too large for a float (``1e999`` reads as infinity, which cannot be written back)."""
    if depth > MAX_DEPTH:
        raise ProjectFileError(f"{where}: an unknown field is nested deeper than {MAX_DEPTH} levels.")
    if isinstance(value, float) and not math.isfinite(value):
        raise ProjectFileError(f"{where}: field {str(name)[:80]!r} holds a number that is not finite ({value!r}).")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_depth(item, where, depth + 1, key if name is None else name)
    elif isinstance(value, list):
        for item in value:
            _check_depth(item, where, depth + 1, name)


def check_header_and_migrate(doc: Any) -> dict:
    if not isinstance(doc, dict):
        raise ProjectFileError("not a project file: the top level must be a JSON object.")
    fmt = doc.get("format")
    if fmt != FORMAT:
        raise ProjectFileError(f"not a project file: format must be {FORMAT!r}, got {fmt!r}."[:300])
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProjectFileError(f"not a project file: version must be a whole number, got {version!r}."[:300])
    if version > CURRENT_VERSION:
        shown = version if version < 10**9 else "over 1000000000"  # never echo a 4,000-digit number
        raise ProjectFileError(
            f"this file was made by a newer RackIO (format version {shown}); "
            f"this version reads format versions up to {CURRENT_VERSION}."
        )
    if version < 0:
        raise ProjectFileError(f"not a project file: version {version} does not exist.")
    try:
        return migrate(doc)
    except ProjectFileError:
        raise
    except MigrationError as exc:
        raise ProjectFileError(str(exc)) from None
    except RecursionError:
        raise ProjectFileError(f"version {version} file could not be migrated: it is nested too deeply.") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProjectFileError(f"version {version} file could not be migrated: {exc}.") from None


def _where(element_id: Any, kind: Any = None) -> str:
    eid = element_id if isinstance(element_id, str) and len(element_id) <= 64 else "?"
    return f'element "{eid}"' + (f" ({kind})" if isinstance(kind, str) and kind in ELEMENT_CLASSES else "")


def _coerce(spec: FieldSpec, value: Any, where: str) -> Any:
    try:
        return spec.coerce(value)
    except FieldError as exc:
        raise ProjectFileError(f"{where}: field {spec.name!r} {exc}.") from None


def build_topology(doc: dict, keep: dict[str, dict[str, Any]] | None = None) -> Topology:
    """The design of a parsed project file; ``keep``: as in ``bulk.read_elements``."""
    known_top = {"format", "version", "title", "notes", "cost_model", "racks", "elements", "links"}
    title = doc.get("title", "")
    notes = doc.get("notes", "")
    for name, value in (("title", title), ("notes", notes)):
        if not isinstance(value, str):
            raise ProjectFileError(f"project: field {name!r} must be text.")
    cost_model = _read_cost_model(doc.get("cost_model", {}))
    if "elements" not in doc and ("links" in doc or "racks" in doc):
        # Only an empty design may leave ``elements`` out; otherwise say so, not what follows from it.
        raise ProjectFileError("project: field 'elements' is missing; it lists the design's elements "
                               "(write \"elements\": [] for an empty design).")
    raw_elements = doc.get("elements", [])
    raw_links = doc.get("links", [])
    if not isinstance(raw_elements, list):
        raise ProjectFileError("project: field 'elements' must be a list.")
    if not isinstance(raw_links, list):
        raise ProjectFileError("project: field 'links' must be a list.")
    if len(raw_elements) > MAX_ELEMENTS:
        raise ProjectFileError(f"project: {len(raw_elements)} elements is more than the {MAX_ELEMENTS} allowed.")
    if len(raw_links) > MAX_LINKS:
        raise ProjectFileError(f"project: {len(raw_links)} links is more than the {MAX_LINKS} allowed.")

    fast = read_elements(raw_elements, keep)  # None unless every element is certainly valid (fileformat/bulk.py)
    elements: dict[str, Element] = fast if fast is not None else _read_elements(raw_elements)

    links: dict[str, Link] = {}
    cabled_ports: dict[tuple[str, int], str] = {}
    for position, raw in enumerate(raw_links):
        link = _read_link(raw, position, elements)
        if link.id in links or link.id in elements:
            raise ProjectFileError(f'link "{link.id}": field \'id\' duplicates an earlier link or element.')
        for end in link.ends():
            split = split_port_end(end) if end not in elements else None
            if split is not None:
                if split in cabled_ports:
                    raise ProjectFileError(
                        f'link "{link.id}": field {"a" if end == link.a else "b"!r} — NIC port {end!r} '
                        f'already has a cable ({cabled_ports[split]!r}); a NIC port takes one cable.'
                    )
                cabled_ports[split] = link.id
        links[link.id] = link

    racks = _read_racks(doc.get("racks", []), elements, links)
    topo = Topology.build(elements, links.values(), title=title, notes=notes,
                          cost_model=cost_model, check=False, racks=racks)
    topo.extra = {k: v for k, v in doc.items() if k not in known_top}
    _check_depth(topo.extra, "project")
    return topo


def _read_elements(raw_elements: list) -> dict[str, Element]:
    """Element by element, in file order: the first problem is the one named."""
    elements: dict[str, Element] = {}
    for position, raw in enumerate(raw_elements):
        element = _read_element(raw, position)
        if element.id in elements:
            raise ProjectFileError(f"{_where(element.id, element.KIND)}: field 'id' duplicates an earlier element.")
        elements[element.id] = element

    # References between elements.
    for element in elements.values():
        want = PARENT_KIND.get(element.KIND)
        if want is not None:
            parent = elements.get(element.parent_id or "")
            if parent is None:
                raise ProjectFileError(
                    f"{_where(element.id, element.KIND)}: field 'parent' names {element.parent_id!r}, "
                    f"which is not an element of this project."
                )
            if parent.KIND != want:
                raise ProjectFileError(
                    f"{_where(element.id, element.KIND)}: field 'parent' must name a {want}, "
                    f"but {parent.id!r} is a {parent.KIND}."
                )
        if isinstance(element, VM):
            for index, vnic in enumerate(element.vnics):
                for attr, kind in (("vf", "vf"), ("nic", "nic"), ("to", "network")):
                    ref = getattr(vnic, attr)
                    if ref is None:
                        continue
                    target = elements.get(ref)
                    if target is None or target.KIND != kind:
                        what = "is not an element of this project" if target is None else f"is a {target.KIND}"
                        raise ProjectFileError(
                            f"{_where(element.id, 'vm')}: vnics[{index}] field {attr!r} names {ref!r}, "
                            f"which {what}; it must name a {kind}."
                        )
    return elements


def _read_racks(raw_racks: Any, elements: dict[str, Element], links: dict[str, Link]) -> list[Rack]:
    """The ``racks`` list. Elements naming a rack that is not listed get an implicit one
    (``Topology.build``), as older files wrote free rack names without a list."""
    if not isinstance(raw_racks, list):
        raise ProjectFileError("project: field 'racks' must be a list.")
    if len(raw_racks) > MAX_RACKS:
        raise ProjectFileError(f"project: {len(raw_racks)} racks is more than the {MAX_RACKS} allowed.")
    racks: dict[str, Rack] = {}
    for position, raw in enumerate(raw_racks):
        if not isinstance(raw, dict):
            raise ProjectFileError(f"racks[{position}] must be an object, not {type(raw).__name__}.")
        if "id" not in raw:
            raise ProjectFileError(f"racks[{position}]: field 'id' is missing.")
        rid = raw["id"]
        if not is_valid_id(rid):
            raise ProjectFileError(
                f"racks[{position}]: field 'id' must be 1–64 characters of A-Z a-z 0-9 _ . -, got {repr(rid)[:70]}."
            )
        where = f'rack "{rid}"'
        if rid in racks:
            raise ProjectFileError(f"{where}: field 'id' duplicates an earlier rack.")
        if rid in elements:
            raise ProjectFileError(f"{where}: field 'id' is already the id of {elements[rid].KIND} {rid!r}.")
        if rid in links:
            raise ProjectFileError(f"{where}: field 'id' is already the id of a link.")
        values = {spec.name: _coerce(spec, raw[spec.name], where) for spec in RACK_FIELDS[1:] if spec.name in raw}
        rack = Rack(id=rid, **values)
        rack.extra = {k: v for k, v in raw.items() if k not in ("id", "label", "height_u")}
        if rack.extra:
            _check_depth(rack.extra, where)
        racks[rid] = rack
    return list(racks.values())


def _read_cost_model(raw: Any) -> CostModel:
    if not isinstance(raw, dict):
        raise ProjectFileError("project: field 'cost_model' must be an object.")
    cm = CostModel()
    cm.extra = {k: v for k, v in raw.items() if k not in ("core_us_per_packet", "vmdq_rx_factor", "preset")}
    if "preset" in raw:
        preset = raw["preset"]
        if not isinstance(preset, str) or len(preset) > 64:
            raise ProjectFileError("cost_model: field 'preset' must be a preset name (text of at most 64 "
                                   f"characters), got {repr(preset)[:60]}.")
        cm.preset = preset  # a label; unknown names (a newer preset) are kept as they are
    _check_depth(cm.extra, "cost_model")
    per_packet = raw.get("core_us_per_packet", {})
    if not isinstance(per_packet, dict):
        raise ProjectFileError("cost_model: field 'core_us_per_packet' must be an object of mode: number.")
    table = dict(DEFAULT_CORE_US_PER_PACKET)
    for mode, value in per_packet.items():
        if mode not in MODES:
            raise ProjectFileError(
                f"cost_model: field 'core_us_per_packet' has unknown mode {mode!r}"[:200]
                + f"; modes are {', '.join(MODES)}."
            )
        try:
            table[mode] = CORE_US_SPEC.coerce(value)
        except FieldError as exc:
            raise ProjectFileError(f"cost_model: core_us_per_packet[{mode!r}] {exc}.") from None
    cm.core_us_per_packet = table
    if "vmdq_rx_factor" in raw:
        cm.vmdq_rx_factor = _coerce(COST_MODEL_FIELDS[0], raw["vmdq_rx_factor"], "cost_model")
    return cm


@functools.lru_cache(maxsize=None)
def _element_fields(kind: str) -> tuple[list[FieldSpec], frozenset[str], dict[str, FieldSpec]]:
    """The field specs of a kind, every key the reader takes (the rest is kept as ``extra``;
    ``vnics`` is a field of a VM only), and the specs by name."""
    specs = fields_for(kind)
    known = {"id", "kind"} | {s.name for s in specs} | ({"vnics"} if kind == "vm" else set())
    return specs, frozenset(known), {s.name: s for s in specs}


def _read_element(raw: Any, position: int) -> Element:
    if not isinstance(raw, dict):
        raise ProjectFileError(f"elements[{position}] must be an object, not {type(raw).__name__}.")
    eid = raw.get("id")
    kind = raw.get("kind")
    if "id" not in raw:
        raise ProjectFileError(f"elements[{position}]: field 'id' is missing.")
    if not is_valid_id(eid):
        shown = repr(eid)[:70]
        raise ProjectFileError(
            f"elements[{position}]: field 'id' must be 1–64 characters of A-Z a-z 0-9 _ . -, got {shown}."
        )
    where = _where(eid, kind)
    if "kind" not in raw:
        raise ProjectFileError(f"{where}: field 'kind' is missing.")
    cls = ELEMENT_CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None or not isinstance(kind, str):
        raise ProjectFileError(
            f"{where}: field 'kind' must be one of {', '.join(ELEMENT_CLASSES)}, got {repr(kind)[:60]}."
        )
    specs, known, by_name = _element_fields(kind)
    try:  # the fields the element has, in one pass; most elements write only a few of theirs
        values: dict[str, Any] = {name: by_name[name].coerce(value) for name, value in raw.items() if name in by_name}
        valid = "parent" in raw or "parent" not in by_name
    except FieldError:
        valid = False
    if not valid:
        # Something is wrong: walk the fields in their order, so the first problem is the one named.
        values = {}
        try:  # one handler for the loop rather than a call per field
            for spec in specs:
                if spec.name in raw:
                    values[spec.name] = spec.coerce(raw[spec.name])
                elif spec.name == "parent":
                    raise ProjectFileError(
                        f"{where}: field 'parent' is missing; a {kind} must name its {PARENT_KIND[kind]}.")
        except FieldError as exc:
            raise ProjectFileError(f"{where}: field {spec.name!r} {exc}.") from None
    if "x" in values and values["x"] is not None and abs(values["x"]) > 1e9:
        raise ProjectFileError(f"{where}: field 'x' is beyond ±1e9.")
    if "y" in values and values["y"] is not None and abs(values["y"]) > 1e9:
        raise ProjectFileError(f"{where}: field 'y' is beyond ±1e9.")
    if kind == "vm":
        raw_vnics = raw.get("vnics", [])
        if not isinstance(raw_vnics, list):
            raise ProjectFileError(f"{where}: field 'vnics' must be a list.")
        if len(raw_vnics) > MAX_VNICS_PER_VM:
            raise ProjectFileError(f"{where}: field 'vnics' has {len(raw_vnics)} entries; at most {MAX_VNICS_PER_VM}.")
        values["vnics"] = [_read_vnic(v, where, i) for i, v in enumerate(raw_vnics)]
    assert isinstance(eid, str)  # is_valid_id above
    element = cls(id=eid, **values)
    if kind == "nic":
        why = netdevs_problem(element.ports, element.netdevs)  # type: ignore[attr-defined]
        if why:
            raise ProjectFileError(f"{where}: field 'netdevs' {why}.")
    element.extra = {k: v for k, v in raw.items() if k not in known}
    if element.extra:
        _check_depth(element.extra, where)
    return element


_VNIC_SPECS = {spec.name: spec for spec in VNIC_FIELDS}


def _read_vnic(raw: Any, where: str, index: int) -> VNic:
    at = f"{where}: vnics[{index}]"
    if not isinstance(raw, dict):
        raise ProjectFileError(f"{at} must be an object.")
    if "mode" not in raw:
        raise ProjectFileError(f"{at} field 'mode' is missing (emulated, paravirtual, vf or passthrough).")
    try:  # the fields the vNIC has, in one pass
        values = {name: _VNIC_SPECS[name].coerce(value) for name, value in raw.items() if name in _VNIC_SPECS}
    except FieldError:
        values = {}
        try:  # walk the fields in their order, so the first problem is the one named
            for spec in VNIC_FIELDS:
                if spec.name in raw:
                    values[spec.name] = spec.coerce(raw[spec.name])
        except FieldError as exc:
            raise ProjectFileError(f"{at}: field {spec.name!r} {exc}.") from None
    vnic = VNic(**values)
    vnic.extra = {k: v for k, v in raw.items() if k not in values}
    if vnic.extra:
        _check_depth(vnic.extra, at)
    return vnic


def _read_link(raw: Any, position: int, elements: dict[str, Element]) -> Link:
    if not isinstance(raw, dict):
        raise ProjectFileError(f"links[{position}] must be an object.")
    for end in ("a", "b"):
        if end not in raw:
            raise ProjectFileError(f"links[{position}]: field {end!r} is missing.")
        if not isinstance(raw[end], str):
            raise ProjectFileError(f"links[{position}]: field {end!r} must be a switch, network or NIC port id.")
    a, b = raw["a"], raw["b"]
    lid = raw.get("id", default_link_id(a, b))
    where = f'link "{lid}"' if isinstance(lid, str) and len(lid) <= 140 else f"links[{position}]"
    if not is_valid_link_id(lid):
        raise ProjectFileError(f"links[{position}]: field 'id' must be 1–140 characters of A-Z a-z 0-9 _ . - :.")
    gbps = _coerce(link_field_spec("gbps"), raw["gbps"], where) if "gbps" in raw else None
    kinds = []
    for name, end in (("a", a), ("b", b)):
        element = elements.get(end)
        if element is not None:
            if element.KIND not in ("switch", "network"):
                raise ProjectFileError(
                    f"{where}: field {name!r} names {element.KIND} {end!r}; a cable ends at a switch, "
                    f"a network or a NIC port written nic:port."
                )
            kinds.append(element.KIND)
            continue
        split = split_port_end(end)
        nic = elements.get(split[0]) if split else None
        if split is None and isinstance(elements.get(end.rpartition(":")[0]), Nic):
            owner = elements[end.rpartition(":")[0]]
            raise ProjectFileError(
                f"{where}: field {name!r} names port {end.rpartition(':')[2][:20]!r} of NIC {owner.id!r}, "
                f"which has ports 0–{owner.ports - 1}."  # type: ignore[attr-defined]
            )
        if split is None or not isinstance(nic, Nic):
            raise ProjectFileError(
                f"{where}: field {name!r} names {end[:80]!r}, which is not a switch, network or NIC port of this project."
            )
        if not 0 <= split[1] < nic.ports:
            raise ProjectFileError(
                f"{where}: field {name!r} names port {split[1]} of NIC {nic.id!r}, which has ports 0–{nic.ports - 1}."
            )
        kinds.append("port")
    if a == b:
        raise ProjectFileError(f"{where}: fields 'a' and 'b' are the same end {a!r}.")
    rule = cable_kinds_problem(*kinds)
    if rule is not None:
        raise ProjectFileError(f"{where}: {rule}.")
    link = Link(a=a, b=b, gbps=gbps, id=lid)
    link.extra = {k: v for k, v in raw.items() if k not in ("a", "b", "gbps", "id")}
    if link.extra:
        _check_depth(link.extra, where)
    return link


# ----------------------------------------------------------------------- save
def to_document(topo: Topology) -> dict:
    """The project as a JSON-ready dictionary (fields at their default are left out)."""
    doc: dict[str, Any] = {"format": FORMAT, "version": CURRENT_VERSION}
    if topo.title:
        doc["title"] = topo.title
    if topo.notes:
        doc["notes"] = topo.notes
    cm = topo.cost_model
    cm_doc: dict[str, Any] = {}
    if cm.preset:
        cm_doc["preset"] = cm.preset
    if cm.core_us_per_packet != DEFAULT_CORE_US_PER_PACKET:
        cm_doc["core_us_per_packet"] = {m: _plain(v) for m, v in cm.core_us_per_packet.items()}
    if cm.vmdq_rx_factor != 0.43:
        cm_doc["vmdq_rx_factor"] = _plain(cm.vmdq_rx_factor)
    cm_doc.update(cm.extra)
    if cm_doc:
        doc["cost_model"] = cm_doc
    if topo.racks:
        doc["racks"] = [rack_to_dict(rack) for rack in topo.racks.values()]
    doc["elements"] = [element_to_dict(e) for e in topo.elements.values()]
    doc["links"] = [link_to_dict(link) for link in topo.links.values()]
    for key, value in topo.extra.items():
        doc.setdefault(key, value)
    return doc


def element_to_dict(element: Element) -> dict:
    out: dict[str, Any] = {"id": element.id, "kind": element.KIND}
    for spec in fields_for(element.KIND):
        value = getattr(element, spec.name)
        if spec.name == "parent" or value != spec.default:
            out[spec.name] = _plain(value)
    if isinstance(element, VM):
        out["vnics"] = [vnic_to_dict(v) for v in element.vnics]
    for key, value in element.extra.items():
        out.setdefault(key, value)
    return out


def _with_fields(out: dict[str, Any], obj: Any, specs) -> dict[str, Any]:
    """Add the fields that differ from their default, then the fields this reader did not know."""
    for spec in specs:
        value = getattr(obj, spec.name)
        if value != spec.default:
            out[spec.name] = _plain(value)
    for key, value in obj.extra.items():
        out.setdefault(key, value)
    return out


def rack_to_dict(rack: Rack) -> dict:
    return _with_fields({"id": rack.id}, rack, RACK_FIELDS[1:])


def vnic_to_dict(vnic: VNic) -> dict:
    return _with_fields({"mode": vnic.mode}, vnic, VNIC_FIELDS[1:])


def link_to_dict(link: Link) -> dict:
    out: dict[str, Any] = {"a": link.a, "b": link.b}
    if link.gbps is not None:
        out["gbps"] = _plain(link.gbps)
    if link.id != default_link_id(link.a, link.b):
        out["id"] = link.id
    for key, value in link.extra.items():
        out.setdefault(key, value)
    return out


def _plain(value: Any) -> Any:
    """Whole floats are written as integers (25 rather than 25.0), as people write them."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def dumps(topo: Topology) -> str:
    return json.dumps(to_document(topo), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


class _Records(list):
    """Stands for the list of an element's or link's records in ``dumps_streamed``: each record
    is made when the encoder reaches it and dropped once written."""

    def __init__(self, items, to_dict) -> None:
        super().__init__()
        self._items, self._to_dict = items, to_dict

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return (self._to_dict(item) for item in self._items)


def dumps_streamed(topo: Topology) -> str:
    """The same text as ``dumps``, made record by record: the whole document never exists as
    dictionaries at once (a data-centre design is half a million of them, each one more
    object for the cycle collector to walk while it lives). The autosave uses it in a worker."""
    doc = to_document(_Shell(topo))  # type: ignore[arg-type]
    doc["elements"] = _Records(list(topo.elements.values()), element_to_dict)
    doc["links"] = _Records(list(topo.links.values()), link_to_dict)
    encoder = json.JSONEncoder(indent=2, ensure_ascii=False, allow_nan=False)
    return "".join(encoder.iterencode(doc)) + "\n"


class _Shell:
    """A topology's own fields without its elements and links (they are streamed)."""

    def __init__(self, topo: Topology) -> None:
        self.title, self.notes, self.cost_model = topo.title, topo.notes, topo.cost_model
        self.racks, self.extra = topo.racks, topo.extra
        self.elements: dict = {}
        self.links: dict = {}


def save(topo: Topology, path: str | os.PathLike, backup: bool = False, *,
         stream_ok: bool = False) -> Target:
    """Write atomically (designer/fileformat/atomic.py): a temporary file in the same folder, fsync,
    rename over the target, whose mode, owner and group the new file keeps.

    With ``backup`` the file being replaced is first kept as ``NAME.bak`` (see keep_backup).
    ``stream_ok`` lets a command-line output be a pipe or a device (written in place)."""
    data = dumps(topo).encode("utf-8")
    return write_atomic(path, data, before_replace=keep_backup if backup else None, stream_ok=stream_ok)


BACKUP_SUFFIX = ".bak"


def backup_path(path: str | os.PathLike) -> Path:
    """Where the previous version of ``path`` is kept: beside the real file, NAME.rackio.bak."""
    path = Path(os.path.realpath(path))
    return path.with_name(path.name + BACKUP_SUFFIX)


def keep_backup(path: Path) -> Path | None:
    """Keep the bytes of the file about to be replaced as NAME.bak; the file itself is never touched.

    The copy is made under a temporary name (a hard link, or a copy that is fsynced where links
    are not possible) and renamed over the old backup, so a failure at any point leaves the file,
    and the previous backup, as they were. Raises OSError when the backup cannot be made; a file
    that does not exist (yet, or any more) has nothing to keep and gives None, and so does a file
    whose name is too long to take the ``.bak`` suffix on its file system (docs/safety.md)."""
    path = Path(os.path.realpath(path))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "the path is a folder", str(path))
        raise OSError(errno.EINVAL, "the path is not a regular file", str(path))
    if not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, "the file is read-only", str(path))
    folder = path.parent if str(path.parent) else Path(".")
    target = path.with_name(path.name + BACKUP_SUFFIX)
    if len(os.fsencode(target.name)) > name_max(folder):
        return None
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, f"the backup {target.name} is a folder", str(target))
    if same_file(target, path):
        return target  # the backup is already this very file (a save that failed after linking it)
    tmp = temp_path(path, ".bak.tmp")
    try:
        try:
            os.link(path, tmp)  # the old bytes, shared until the new file is renamed in
        except FileNotFoundError:
            return None  # the file vanished meanwhile: nothing to keep
        except OSError:
            _copy_synced(path, tmp, info.st_mode & 0o777)
        replace_and_clean(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target


def _copy_synced(source: Path, target: Path, mode: int) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            fd = -1
            while chunk := src.read(1 << 20):
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
    finally:
        if fd >= 0:
            os.close(fd)
    os.chmod(target, mode)


__all__ = ["ProjectFileError", "load", "load_versioned", "loads", "save", "keep_backup", "backup_path", "dumps",
           "to_document", "write_atomic", "refuse_unencodable"]
