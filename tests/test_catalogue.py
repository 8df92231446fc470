"""The bundled NIC catalogue against its own schema and against the facts SPEC §9 states,
and ``rackio catalogue``. Expected facts are those of the driver sources and vendor
documents named in each entry's ``source`` (see docs/solver.md)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from designer.catalogue import HARDWARE_FIELDS, catalogue_problems, entry_problems
from designer.cli import main
from designer.model.schema import field_spec

REPO = Path(__file__).resolve().parent.parent
DOC = json.loads((REPO / "resources" / "nic-catalogue.json").read_text(encoding="utf-8"))
BY_NAME = {e["name"]: e for e in DOC["nics"]}


def test_catalogue_is_valid_against_the_nic_schema():
    assert catalogue_problems(DOC) == []
    for item in DOC["nics"]:
        for key in HARDWARE_FIELDS:
            assert field_spec("nic", key).coerce(item[key]) == item[key], (item["name"], key)
        assert item["source"].strip() and item["note"].strip()


@pytest.mark.parametrize("mutation, words", [
    (lambda e: e.pop("source"), "field 'source' is missing"),
    (lambda e: e.update(source="  "), "source must be a non-empty text"),
    (lambda e: e.update(ports=0), "ports must be"),
    (lambda e: e.update(vf_min_rate="yes"), "vf_min_rate"),
    (lambda e: e.update(max_vfs_per_port=300, max_vfs=254), "max_vfs_per_port is larger than max_vfs"),
    (lambda e: e.update(colour="red"), "'colour' is not a catalogue field"),
])
def test_the_schema_check_catches_a_broken_entry(mutation, words):
    item = copy.deepcopy(DOC["nics"][0])
    mutation(item)
    assert any(words in p for p in entry_problems(item)), entry_problems(item)


def test_duplicate_names_are_caught():
    doc = copy.deepcopy(DOC)
    doc["nics"].append(copy.deepcopy(doc["nics"][0]))
    assert any("used twice" in p for p in catalogue_problems(doc))


def drivers(name):
    return {e["driver"] for e in DOC["nics"] if name in e["name"]}


def test_min_tx_rate_support_follows_the_driver():
    # SPEC §9: ixgbe and i40e refuse min_tx_rate; ice, mlx5 and bnxt_en enforce it; all cap.
    expected = {"ixgbe": False, "i40e": False, "ice": True, "mlx5_core": True, "bnxt_en": True}
    for item in DOC["nics"]:
        assert item["vf_min_rate"] is expected[item["driver"]], item["name"]
        assert item["vf_max_rate"] is True, item["name"]
        assert item["driver"] in item["source"] or item["driver"].split("_")[0] in item["source"], item["name"]


def test_known_corrections():
    # ConnectX-5/6 Dx: 127 VFs per port, 254 on a 2-port card (not 512 / 1024).
    for name in ("NVIDIA ConnectX-5 EN 2×100G", "NVIDIA ConnectX-6 Dx 2×100G", "NVIDIA ConnectX-6 Dx 2×25G",
                 "NVIDIA ConnectX-7 2×200G"):
        assert (BY_NAME[name]["max_vfs"], BY_NAME[name]["max_vfs_per_port"]) == (254, 127), name
    # E810-CQDA2: 100 Gbit/s total; the 200 G card is the E810-2CQDA2.
    assert BY_NAME["Intel E810-CQDA2"]["throughput_gbps"] == 100
    assert "200 Gbit/s total" not in BY_NAME["Intel E810-CQDA2"]["note"]
    assert BY_NAME["Intel E810-2CQDA2"]["throughput_gbps"] == 200
    # VMDq on the 82599 and the 700 series.
    for name in ("Intel 82599ES (X520-DA2)", "Intel X710-DA2", "Intel X710-DA4", "Intel XXV710-DA2", "Intel XL710-QDA2"):
        assert BY_NAME[name]["vmdq"] is True, name
    # Per-port limits: 82599 63 per port; i40e 128 per device (split by the NVM, no fixed per-port figure).
    assert BY_NAME["Intel 82599ES (X520-DA2)"]["max_vfs_per_port"] == 63
    for item in DOC["nics"]:
        if item["driver"] == "i40e":
            assert (item["max_vfs"], item["max_vfs_per_port"]) == (128, 0), item["name"]
    # The models the catalogue lacked.
    for name in ("Intel E810-2CQDA2", "NVIDIA ConnectX-7 2×200G", "Broadcom BCM57414 2×25G", "Broadcom P2100G 2×100G",
                 "Intel X550-T2"):
        assert name in BY_NAME
    assert BY_NAME["Intel X550-T2"]["driver"] == "ixgbe" and "10 Gbit/s link" in BY_NAME["Intel X550-T2"]["note"]


def test_cli_lists_the_catalogue_with_sources(capsys):
    assert main(["catalogue"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"NIC catalogue ({len(DOC['nics'])} models)")
    for item in DOC["nics"]:
        assert item["name"] in out and f"source: {item['source']}" in out
    x710 = out[out.index("Intel X710-DA2  "):]
    assert "VF minimum (min_tx_rate) enforced: no" in x710.split("\n\n")[0]


def test_cli_catalogue_json(capsys):
    assert main(["catalogue", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "rackio-nic-catalogue" and doc["version"] == 1
    assert [e["name"] for e in doc["nics"]] == [e["name"] for e in DOC["nics"]]
    assert catalogue_problems(doc) == []
