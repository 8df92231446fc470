"""The vNIC table (designer/model/vnic_table.py): every vNIC as columns, read from a
topology or kept by the loader, and the same solve either way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.fileformat import dumps, load
from designer.fileformat.project import load_for_solve
from designer.generate import generate
from designer.model.elements import VM, VNic, Network, Nic, Server
from designer.model.topology import Topology
from designer.model.vnic_table import FIELDS, vnic_table
from designer.solver import solve

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.rackio"))


def columns(table) -> dict:
    return {name: list(getattr(table, name)) for name in FIELDS}


def test_rows_columns_and_positions_by_hand():
    topo = Topology.build([
        Network("net"), Server("h"), Nic("n", parent="h"),
        VM("a", parent="h", vnics=[VNic("paravirtual", nic="n", tx_gbps=1.0), VNic("emulated", nic="n", port=1)]),
        VM("empty", parent="h"),
        VM("b", parent="h", vnics=[VNic("passthrough", nic="n", rx_gbps=2.5, to="net", weight=3.0)]),
    ], [], check=False)
    table = vnic_table(topo)
    assert [vm.id for vm in table.vms] == ["a", "empty", "b"]
    assert table.vm_of.tolist() == [0, 0, 2] and table.index.tolist() == [0, 1, 0]
    assert len(table) == 3
    assert table.vnics[2] is topo.elements["b"].vnics[0]
    assert table.mode == ("paravirtual", "emulated", "passthrough")
    assert table.port == (0, 1, 0) and table.tx_gbps == (1.0, 0.0, 0.0) and table.rx_gbps == (0.0, 0.0, 2.5)
    assert table.to == (None, None, "net") and table.weight == (1.0, 1.0, 3.0)
    assert table.vf == (None, None, None) and table.nic == ("n", "n", "n")


def test_a_design_without_vnics():
    topo = Topology.build([Server("h"), VM("a", parent="h")], [], check=False)
    table = vnic_table(topo)
    assert len(table) == 0 and table.vm_of.tolist() == [] and table.mode == ()


def design_files(tmp_path) -> list[Path]:
    files = list(EXAMPLES)
    for i, mix in enumerate((["vf", "paravirtual"], ["passthrough", "emulated", "vf"])):
        path = tmp_path / f"g{i}.rackio"
        path.write_text(dumps(generate(2, 3, 4, mix=mix, seed=3 + i)), encoding="utf-8")
        files.append(path)
    return files


def test_the_loader_keeps_the_table_a_topology_gives_and_the_solve_is_the_same(tmp_path):
    for path in design_files(tmp_path):
        topo, table = load_for_solve(path)
        assert table is not None, path
        made = vnic_table(topo)
        assert columns(table) == columns(made)
        assert [type(v) for v in table.tx_gbps] == [type(v) for v in made.tx_gbps]
        assert table.vm_of.tolist() == made.vm_of.tolist() and table.index.tolist() == made.index.tolist()
        assert all(a is b for a, b in zip(table.vnics, made.vnics)) and len(table.vnics) == len(made.vnics)
        assert all(a is b for a, b in zip(table.vms, made.vms)) and len(table.vms) == len(made.vms)
        assert solve(topo, table=table).to_report() == solve(load(path)).to_report()


def test_a_file_read_element_by_element_keeps_no_table(tmp_path):
    """A VM that writes no vnics where the others do is valid, but the bulk reader leaves it
    to the per-element reader: then no table is kept, and the solve reads the vNICs."""
    doc = json.loads(dumps(generate(1, 2, 2, seed=1)))
    vm = next(e for e in doc["elements"] if e["kind"] == "vm")
    del vm["vnics"]
    path = tmp_path / "odd.rackio"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    topo, table = load_for_solve(path)
    assert table is None
    assert topo.elements[vm["id"]].vnics == []
    assert solve(topo).to_report() == solve(load(path)).to_report()


@pytest.mark.parametrize("edit", ["tx", "replace"])
def test_a_table_is_a_snapshot_made_anew_after_an_edit(edit):
    topo = generate(1, 2, 2, seed=4)
    before = vnic_table(topo)
    vm = next(e for e in topo.elements.values() if isinstance(e, VM) and e.vnics)
    if edit == "tx":
        vm.vnics[0].tx_gbps = 7.5
    else:
        topo.set_vnics(vm.id, [VNic("paravirtual", nic=vm.vnics[0].nic or topo.nics_of(vm.parent)[0].id, tx_gbps=7.5)])
    after = vnic_table(topo)
    i = after.vms.index(vm)
    first = int((after.vm_of == i).argmax())
    assert after.tx_gbps[first] == 7.5 and before.tx_gbps[first] != 7.5
