"""The bulk element reader (designer/fileformat/bulk.py) builds exactly what the per-element
reader builds, and never accepts what the per-element reader refuses (every refusal, and
its message, stays the per-element reader's)."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from designer.fileformat import ProjectFileError, dumps, loads
from designer.fileformat.bulk import read_elements
from designer.fileformat.project import _read_elements, check_header_and_migrate, parse_json
from designer.generate import generate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.rackio"))


def snapshot(elements: dict) -> list:
    """Every attribute of every element and vNIC with its type (1 and 1.0 differ here)."""
    out = []
    for eid, element in elements.items():
        attrs = dict(vars(element))
        if "vnics" in attrs:
            attrs["vnics"] = [repr(list(vars(v).items())) for v in attrs["vnics"]]
        out.append((eid, type(element).__name__, repr(list(attrs.items()))))
    return out


def raw_elements(text: str) -> list:
    return check_header_and_migrate(parse_json(text))["elements"]


def design_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in EXAMPLES]
    for mix in (["vf", "paravirtual"], ["passthrough", "emulated", "vf"]):
        texts.append(dumps(generate(2, 3, 4, mix=mix, seed=3)))
    return texts


@pytest.mark.parametrize("index", range(4))
def test_same_elements_as_the_per_element_reader(index):
    raw = raw_elements(design_texts()[index])
    fast = read_elements(copy.deepcopy(raw))
    assert fast is not None, "a valid design takes the bulk path"
    assert snapshot(fast) == snapshot(_read_elements(copy.deepcopy(raw)))


def test_fields_written_in_every_form_the_file_allows():
    """Whole numbers in float fields, -0.0, null positions, unknown fields, interface names,
    records of one kind writing different fields: the bulk reader coerces as coerce does."""
    doc = json.loads(dumps(generate(1, 2, 3, mix=["vf", "paravirtual"], seed=5)))
    elements = doc["elements"]
    nic = next(e for e in elements if e["kind"] == "nic")
    nic.update(port_gbps=10, pcie_gbps=-0.0, netdevs=["ens1f0", "ens1f1"], vendor_note={"a": [1, 2]})
    server = next(e for e in elements if e["kind"] == "server")
    server.update(x=-0.0, y=None, vmm_io_cores=3, iommu=False, future_field="kept")
    vm = next(e for e in elements if e["kind"] == "vm")
    vm["vnics"][0].update(tx_gbps=2, rx_gbps=-0.0, weight=3, colour="blue")
    vm["vnics"].append({"mode": "paravirtual", "tx_gbps": 0.5})
    raw = doc["elements"]
    fast = read_elements(copy.deepcopy(raw))
    assert fast is not None
    slow = _read_elements(copy.deepcopy(raw))
    assert snapshot(fast) == snapshot(slow)
    assert type(fast[nic["id"]].port_gbps) is float and str(fast[nic["id"]].pcie_gbps) == "0.0"
    assert fast[nic["id"]].extra == {"vendor_note": {"a": [1, 2]}}
    # Mutable fields are fresh objects, never shared between elements or with the document.
    others = [e for e in fast.values() if e.KIND == "nic" and e.id != nic["id"]]
    assert all(o.netdevs == [] for o in others) and len({id(o.netdevs) for o in others}) == len(others)
    assert fast[nic["id"]].netdevs is not raw[raw.index(nic)]["netdevs"]


HOSTILE = [None, True, -1, 0, 1e999, -1e999, 10**400, 2**60, 0.5, -0.0, "", "x" * 5000, "bad id!", "ok-id", "two\nlines",
           [], {}, ["eth0"], "\udc00", "vf", "passthrough", 70000, 1e6, 1e6 + 1]


def mutations(doc: dict, rng: random.Random):
    """One small change at a time: a field set to a hostile value, a key removed or added,
    a record replaced, an id repeated, a vNIC list changed."""
    elements = doc["elements"]
    for _ in range(400):
        mutated = copy.deepcopy(elements)
        record = rng.choice(mutated)
        action = rng.random()
        if action < 0.55:
            target = record
            if record["kind"] == "vm" and record.get("vnics") and rng.random() < 0.5:
                target = rng.choice(record["vnics"])
            key = rng.choice(sorted(target) + ["ports", "port", "max_gbps", "label", "nic", "to", "rack_u"])
            target[key] = rng.choice(HOSTILE)
        elif action < 0.7:
            del record[rng.choice(sorted(record))]
        elif action < 0.8:
            record["id"] = rng.choice(mutated)["id"]
        elif action < 0.9:
            mutated[rng.randrange(len(mutated))] = rng.choice(HOSTILE)
        elif record["kind"] == "vm":
            record["vnics"] = rng.choice([None, {}, [1], [{}], [{"mode": "vf"}] * 65, []])
        else:
            record["kind"] = rng.choice(["vm", "nic", "vf", "server", "switch", "network", "rack", None, ["vm"]])
        yield mutated


def test_never_accepts_what_the_per_element_reader_refuses():
    doc = json.loads(dumps(generate(1, 2, 2, mix=["vf", "paravirtual", "passthrough"], seed=7)))
    rng = random.Random(11)
    refused = accepted = 0
    for raw in mutations(doc, rng):
        try:
            slow = _read_elements(copy.deepcopy(raw))
        except ProjectFileError:
            refused += 1
            assert read_elements(copy.deepcopy(raw)) is None, raw
            continue
        accepted += 1
        fast = read_elements(copy.deepcopy(raw))
        assert fast is None or snapshot(fast) == snapshot(slow)
    assert refused > 100 and accepted > 20  # both sides of the contract were exercised


def test_a_refused_file_keeps_the_per_element_message():
    text = dumps(generate(1, 2, 2, seed=1))
    doc = json.loads(text)
    vm = next(e for e in doc["elements"] if e["kind"] == "vm")
    vm["vnics"][0]["tx_gbps"] = -3
    with pytest.raises(ProjectFileError) as caught:
        loads(json.dumps(doc))
    assert str(caught.value) == (f'element "{vm["id"]}" (vm): vnics[0]: field \'tx_gbps\' must be a number '
                                 "from 0 to 1000000, got -3.")


@pytest.mark.parametrize("kind,key,in_vnic", [("vm", "id", False), ("vf", "parent", False), ("vm", "vf", True),
                                              ("nic", "parent", False), ("server", "label", False)])
@pytest.mark.parametrize("value", HOSTILE)
def test_each_hostile_value_in_each_text_field(kind, key, in_vnic, value):
    doc = json.loads(dumps(generate(1, 1, 2, mix=["vf"], seed=2)))
    raw = doc["elements"]
    record = next(e for e in raw if e["kind"] == kind)
    (record["vnics"][0] if in_vnic else record)[key] = value
    try:
        slow = _read_elements(copy.deepcopy(raw))
    except ProjectFileError:
        assert read_elements(copy.deepcopy(raw)) is None
    else:
        fast = read_elements(copy.deepcopy(raw))
        assert fast is None or snapshot(fast) == snapshot(slow)
