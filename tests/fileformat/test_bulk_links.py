"""The bulk cable reader (``designer/fileformat/bulk.py::read_links``) builds exactly what
the per-cable reader builds (``project._read_link`` and the checks ``build_topology`` makes
after it), and never accepts what the per-cable reader refuses: every refusal, and its
message, stays the per-cable reader's."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

import designer.fileformat.project as project
from designer.fileformat import ProjectFileError, dumps, loads
from designer.fileformat.bulk import read_links
from designer.fileformat.project import _read_elements, _read_link, check_header_and_migrate, parse_json
from designer.generate import generate
from designer.model.elements import default_link_id, split_port_end

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.rackio"))


# ----------------------------------------------------------------- helpers
def snapshot(links: dict) -> list:
    """Every attribute of every cable with its type (1 and 1.0 differ here), in order."""
    return [(lid, [(k, type(v).__name__, repr(v)) for k, v in vars(link).items()]) for lid, link in links.items()]


def per_cable(raw_links: list, elements: dict) -> dict:
    """The reference: ``_read_link`` for each cable and the checks ``build_topology`` makes
    right after it (an id twice or equal to an element's, a NIC port with two cables)."""
    links: dict = {}
    cabled_ports: dict = {}
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
    return links


def load_both(text: str, monkeypatch) -> tuple[object, object]:
    """``loads`` with the bulk cable reader, and with it answering None (the per-cable loop):
    each side is a Topology or the ProjectFileError message."""

    def attempt():
        try:
            return loads(text)
        except ProjectFileError as exc:
            return str(exc)

    fast = attempt()
    with monkeypatch.context() as patch:
        patch.setattr(project, "read_links", lambda raw_links, elements: None)
        slow = attempt()
    return fast, slow


def document(text: str) -> dict:
    return check_header_and_migrate(parse_json(text))


def design_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in EXAMPLES]
    texts.append(dumps(generate(1, 2, 2, seed=3)))
    texts.append(dumps(generate(3, 2, 3, mix=["vf", "paravirtual", "passthrough"], seed=4)))  # switch-switch, switch-network
    texts.append(dumps(generate(12, 1, 1, mix=["passthrough"], seed=5)))  # two rows of racks
    return texts


DESIGNS = design_texts()


# ----------------------------------------------------------------- valid designs
def test_the_designs_cover_every_kind_of_cable():
    assert len(EXAMPLES) >= 2
    kinds = set()
    for text in DESIGNS:
        doc = document(text)
        elements = _read_elements(doc["elements"])
        for raw in doc["links"]:
            kinds.add(tuple(sorted(elements[e].KIND if e in elements else "port" for e in (raw["a"], raw["b"]))))
    assert {("port", "switch"), ("switch", "switch"), ("network", "switch")} <= kinds


@pytest.mark.parametrize("index", range(len(DESIGNS)))
def test_same_links_as_the_per_cable_reader(index, monkeypatch):
    text = DESIGNS[index]
    doc = document(text)
    elements = _read_elements(doc["elements"])
    raw = copy.deepcopy(doc["links"])
    fast = read_links(raw, elements)
    assert fast is not None, "a valid design takes the bulk path"
    assert raw == doc["links"], "the document is left as it was"
    slow = per_cable(copy.deepcopy(doc["links"]), elements)
    assert list(fast) == list(slow) == [r.get("id", default_link_id(r["a"], r["b"])) for r in doc["links"]]
    assert snapshot(fast) == snapshot(slow)
    # Whole documents: the loader with the bulk path and without it.
    loaded_fast, loaded_slow = load_both(text, monkeypatch)
    assert snapshot(loaded_fast.links) == snapshot(loaded_slow.links) == snapshot(slow)
    # Every cable has an extra dict of its own, and a capacity that is None or a float.
    assert len({id(link.extra) for link in fast.values()}) == len(fast)
    assert all(link.extra == {} for link in fast.values())
    assert all(link.gbps is None or type(link.gbps) is float for link in fast.values())


def test_generated_capacities_are_written_as_whole_numbers_and_read_as_floats():
    doc = document(DESIGNS[-2])
    written = [r["gbps"] for r in doc["links"] if "gbps" in r]
    assert written and all(type(g) is int for g in written)
    fast = read_links(doc["links"], _read_elements(doc["elements"]))
    assert [link.gbps for link in fast.values() if link.gbps is not None] == [float(g) for g in written]
    assert all(type(link.gbps) is float for link in fast.values() if link.gbps is not None)


def test_fields_written_in_every_form_the_file_allows(monkeypatch):
    """gbps as an int, a float, null or left out; an id left out, written as the default,
    or written as another valid id: the bulk reader builds what the per-cable reader does."""
    doc = json.loads(dumps(generate(2, 2, 1, seed=6)))
    links = doc["links"]
    port_cables = [r for r in links if ":" in r["a"]]
    port_cables[0]["gbps"] = 10
    port_cables[1]["gbps"] = 12.5
    port_cables[2]["gbps"] = None
    port_cables[3]["id"] = default_link_id(port_cables[3]["a"], port_cables[3]["b"])
    port_cables[4]["id"] = "my:cable-1.x_"
    port_cables[5]["a"], port_cables[5]["b"] = port_cables[5]["b"], port_cables[5]["a"]
    port_cables[6]["gbps"] = 1_000_000
    port_cables[7]["gbps"] = 5e-324
    links[0]["id"] = "c" * 140
    elements = _read_elements(doc["elements"])
    fast = read_links(copy.deepcopy(links), elements)
    assert fast is not None
    slow = per_cable(copy.deepcopy(links), elements)
    assert snapshot(fast) == snapshot(slow)
    by_end = {(link.a, link.b): link for link in fast.values()}
    first = by_end[(port_cables[0]["a"], port_cables[0]["b"])]
    assert first.gbps == 10.0 and type(first.gbps) is float
    assert by_end[(port_cables[1]["a"], port_cables[1]["b"])].gbps == 12.5
    assert by_end[(port_cables[2]["a"], port_cables[2]["b"])].gbps is None
    assert by_end[(port_cables[3]["a"], port_cables[3]["b"])].id == default_link_id(port_cables[3]["a"],
                                                                                     port_cables[3]["b"])
    assert "my:cable-1.x_" in fast and "c" * 140 in fast
    swapped = port_cables[5]
    assert default_link_id(swapped["a"], swapped["b"]) in fast
    loaded_fast, loaded_slow = load_both(json.dumps(doc), monkeypatch)
    assert snapshot(loaded_fast.links) == snapshot(loaded_slow.links) == snapshot(slow)


# ----------------------------------------------------------------- mutations
BASE = generate(2, 2, 2, mix=["vf", "paravirtual", "passthrough"], seed=7)
BASE_DOC = json.loads(dumps(BASE))
# A second network, so that a cable may join two networks (and one that does, to the core).
BASE_DOC["elements"].insert(1, {"id": "lan", "kind": "network"})
BASE_DOC["links"].append({"a": "lan", "b": "core", "gbps": 100})
BASE_ELEMENTS = _read_elements(BASE_DOC["elements"])
IDS_BY_KIND: dict[str, list[str]] = {}
for _element in BASE_ELEMENTS.values():
    IDS_BY_KIND.setdefault(_element.KIND, []).append(_element.id)
NIC = IDS_BY_KIND["nic"][0]
PORT_ENDS = [f"{nic}:{p}" for nic in IDS_BY_KIND["nic"] for p in range(BASE_ELEMENTS[nic].ports)]

HOSTILE = [None, 1, 1.5, True, False, 0, "", " ", "x" * 200, "x" * 141, "a:b", "two\nlines", "tor ", [], {}, ["core"],
           f"{NIC}:99", f"{NIC}:-1", f"{NIC}:01", f"{NIC}:2", f"{NIC}:", f"{NIC}:0:0", ":0", NIC, "rack1",
           *(IDS_BY_KIND[k][0] for k in ("server", "vm", "vf", "nic", "switch", "network"))]
GBPS = [0, -1, -0.0, 0.0, "10", 10, 10.5, 1e300, 1e6, 1e6 + 1, 2**53, 2**53 + 1, 10**400, None, True, False, [], {}]
VALID_GBPS = [1, 10, 25.0, 0.001, 400, 1_000_000, 99.5, None]
EXTRA = [{"note": "x"}, {"vendor": {"a": [1, {"b": 2.5}], "c": None}}, {"colour": ["blue", "red"]}, {"A": 1},
         {"ID": "x"}, {"gbps ": 3}]


def mutate(links: list, rng: random.Random) -> str:
    """One small change to the cables; answers what it was (for the counters)."""
    dicts = [r for r in links if isinstance(r, dict)]
    if not dicts:
        links.append({"a": PORT_ENDS[0], "b": "r1-tor"})
        return "valid"
    record = rng.choice(dicts)
    action = rng.randrange(14)
    if action == 0:
        record[rng.choice(["a", "b", "id"])] = rng.choice(HOSTILE)
        return "hostile"
    if action == 1:
        record["gbps"] = rng.choice(GBPS)
        return "gbps"
    if action == 2:
        key = rng.choice(["a", "b", "id", "gbps"])
        record.pop(key, None)
        return "valid" if key in ("id", "gbps") else "missing"
    if action == 3:  # an end at an element of any kind
        record[rng.choice(["a", "b"])] = rng.choice(IDS_BY_KIND[rng.choice(sorted(IDS_BY_KIND))])
        return "kind"
    if action == 4:  # two networks
        record["a"], record["b"] = rng.sample(IDS_BY_KIND["network"], 2)
        return "networks"
    if action == 5:  # a NIC port with two cables
        record[rng.choice(["a", "b"])] = rng.choice(PORT_ENDS)
        return "port"
    if action == 6:  # an id twice
        other = rng.choice(dicts)
        record["id"] = other.get("id", default_link_id(other.get("a", "?"), other.get("b", "?")))
        return "id-twice"
    if action == 7:  # an id that is an element's
        record["id"] = rng.choice(list(BASE_ELEMENTS))
        return "element-id"
    if action == 8:
        record.update(rng.choice(EXTRA))
        return "extra"
    if action == 9:
        links[rng.randrange(len(links))] = rng.choice([None, 1, "x", [], ["a", "b"], True, 1.5])
        return "not-an-object"
    if action == 10:  # a NIC port joined to another
        record["a"], record["b"] = rng.sample(PORT_ENDS, 2)
        return "port-to-port"
    if action == 11:  # the same end twice
        record["b"] = record.get("a")
        return "same-end"
    # Valid changes: a capacity, an id, the ends swapped.
    if action == 12:
        record["gbps"] = rng.choice(VALID_GBPS)
    else:
        choice = rng.randrange(3)
        if choice == 0:
            record["id"] = f"cable-{rng.randrange(10**6)}"
        elif choice == 1 and isinstance(record.get("a"), str) and isinstance(record.get("b"), str):
            record["id"] = default_link_id(record["a"], record["b"])
        elif "a" in record and "b" in record:
            record["a"], record["b"] = record["b"], record["a"]
    return "valid"


def test_never_accepts_what_the_per_cable_reader_refuses(monkeypatch):
    rng = random.Random(20240611)
    counts = {"refused": 0, "accepted": 0, "bulk accepted": 0, "bulk doubted valid": 0, "load refused": 0}
    seen: set[str] = set()
    for _ in range(500):
        doc = copy.deepcopy(BASE_DOC)
        links = doc["links"]
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            seen.add(mutate(links, rng))
        text = json.dumps(doc)
        fast = read_links(copy.deepcopy(links), BASE_ELEMENTS)
        loaded_fast, loaded_slow = load_both(text, monkeypatch)
        try:
            slow = per_cable(copy.deepcopy(links), BASE_ELEMENTS)
        except ProjectFileError as exc:
            counts["refused"] += 1
            assert fast is None, (links, str(exc))
            # The loader refuses the document with the per-cable reader's very sentence, both ways.
            assert loaded_slow == str(exc), links
            assert loaded_fast == loaded_slow, links
            continue
        counts["accepted"] += 1
        if fast is None:
            counts["bulk doubted valid"] += 1
        else:
            counts["bulk accepted"] += 1
            assert list(fast) == list(slow), links
            assert snapshot(fast) == snapshot(slow), links
        if isinstance(loaded_slow, str):  # refused after the cables (a cable id that is a rack's)
            counts["load refused"] += 1
            assert loaded_fast == loaded_slow, links
        else:
            assert not isinstance(loaded_fast, str), (links, loaded_fast)
            assert snapshot(loaded_fast.links) == snapshot(loaded_slow.links) == snapshot(slow), links
            assert [vars(link) for link in loaded_fast.links.values()] == [vars(link) for link in slow.values()]
    # Both sides of the contract were exercised.
    assert counts["refused"] > 150 and counts["accepted"] > 100, counts
    assert counts["bulk accepted"] > 50 and counts["bulk doubted valid"] > 10, counts
    assert seen >= {"hostile", "gbps", "missing", "kind", "networks", "port", "id-twice", "element-id", "extra",
                    "not-an-object", "port-to-port", "same-end", "valid"}


@pytest.mark.parametrize("key", ["a", "b", "id"])
@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_each_hostile_value_in_each_field(key, value, monkeypatch):
    doc = copy.deepcopy(BASE_DOC)
    record = next(r for r in doc["links"] if ":" in r["a"])
    record[key] = value
    check_one(doc, monkeypatch)


@pytest.mark.parametrize("value", GBPS + VALID_GBPS, ids=repr)
def test_each_capacity(value, monkeypatch):
    doc = copy.deepcopy(BASE_DOC)
    doc["links"][2]["gbps"] = value
    accepted = check_one(doc, monkeypatch)
    valid = value is None or (type(value) in (int, float) and 0 < value <= 1e6)
    assert accepted == valid
    if valid and value is not None:
        gbps = read_links(doc["links"], BASE_ELEMENTS)[default_link_id(doc["links"][2]["a"], doc["links"][2]["b"])].gbps
        assert type(gbps) is float and gbps == value


def check_one(doc: dict, monkeypatch) -> bool:
    """The contract for one document; answers whether the per-cable reader accepts it."""
    links = doc["links"]
    fast = read_links(copy.deepcopy(links), BASE_ELEMENTS)
    loaded_fast, loaded_slow = load_both(json.dumps(doc), monkeypatch)
    assert loaded_fast == loaded_slow if isinstance(loaded_slow, str) else not isinstance(loaded_fast, str)
    try:
        slow = per_cable(copy.deepcopy(links), BASE_ELEMENTS)
    except ProjectFileError as exc:
        assert fast is None
        assert loaded_slow == str(exc)
        return False
    assert fast is None or snapshot(fast) == snapshot(slow)
    if not isinstance(loaded_slow, str):
        assert snapshot(loaded_fast.links) == snapshot(loaded_slow.links) == snapshot(slow)
    return True


def test_a_refused_file_keeps_the_per_cable_message(monkeypatch):
    doc = copy.deepcopy(BASE_DOC)
    first = next(r for r in doc["links"] if ":" in r["a"])
    second = next(r for r in doc["links"] if ":" in r["a"] and r is not first)
    second["a"], second["id"] = first["a"], "spare"
    lid = "spare"
    expected = (f'link "{lid}": field \'a\' — NIC port {first["a"]!r} already has a cable '
                f'({default_link_id(first["a"], first["b"])!r}); a NIC port takes one cable.')
    assert read_links(doc["links"], BASE_ELEMENTS) is None
    loaded_fast, loaded_slow = load_both(json.dumps(doc), monkeypatch)
    assert loaded_fast == loaded_slow == expected


# ----------------------------------------------------------------- unknown fields, empty list
@pytest.mark.parametrize("extra", EXTRA, ids=repr)
def test_a_cable_with_fields_of_its_own_keeps_them(extra, monkeypatch):
    doc = copy.deepcopy(BASE_DOC)
    record = doc["links"][3]
    record.update(copy.deepcopy(extra))
    lid = default_link_id(record["a"], record["b"])
    assert read_links(copy.deepcopy(doc["links"]), BASE_ELEMENTS) is None
    loaded_fast, loaded_slow = load_both(json.dumps(doc), monkeypatch)
    assert snapshot(loaded_fast.links) == snapshot(loaded_slow.links)
    assert loaded_fast.links[lid].extra == extra
    assert all(link.extra == {} for other, link in loaded_fast.links.items() if other != lid)
    again = loads(dumps(loaded_fast))
    assert again.links[lid].extra == extra
    assert snapshot(again.links) == snapshot(loaded_fast.links)
    assert json.loads(dumps(again))["links"][3] == record


def test_no_cables():
    assert read_links([], BASE_ELEMENTS) == {}
    assert read_links([], {}) == {}
    doc = copy.deepcopy(BASE_DOC)
    doc["links"] = []
    assert loads(json.dumps(doc)).links == {}


@pytest.mark.parametrize("ends", [
    (PORT_ENDS[0], PORT_ENDS[0]), ("core", "core"), ("wan", "wan"),  # the same end twice
    (PORT_ENDS[0], PORT_ENDS[-1]),  # NIC port to NIC port
    ("wan", "lan"),  # network to network
    *((IDS_BY_KIND[k][0], "core") for k in ("server", "vm", "vf", "nic")),  # an end at an element no cable takes
], ids=repr)
def test_each_cable_rule(ends, monkeypatch):
    doc = copy.deepcopy(BASE_DOC)
    # Free the NIC ports named (each has a cable in the base design), so that only this rule refuses.
    doc["links"] = [r for r in doc["links"] if r["a"] not in PORT_ENDS or r["a"] not in ends]
    assert check_one(doc, monkeypatch) is True
    doc["links"].append({"a": ends[0], "b": ends[1], "id": "extra-cable"})
    assert check_one(doc, monkeypatch) is False
    # The other way round as well.
    doc["links"][-1] = {"a": ends[1], "b": ends[0]}
    assert check_one(doc, monkeypatch) is False
