"""The ``rackio`` command line, run in-process (``designer.cli.main``) and once as a real process.

Hand-computed figures for the SPEC §7 rack (``SPEC_EXAMPLE``): port h1n0:0 runs at
min(10, 25) = 10 Gbit/s and carries mail/0/tx (VF, floor 5, demand 8) and web/0/tx
(paravirtual, demand 8), both weight 1. Filling: mail = max(5, t), web = t, so
5 + t … reaches 10 at t = 5 → both get 5.0. web costs its VMM 5 × 1.5·125/1500 =
5 × 0.125 = 0.625 cores of 2 (31.25 %). mail/0/rx gets its full 2.0.

At demand scale s (s ≤ 1) the port carries 8s + 8s = 16s (mail's floor min(5, 8s)
does not bind below saturation), so it first saturates at 16s = 10, s = 0.625.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from designer.cli import main
from designer.fileformat import load, to_document

ROOT = Path(__file__).resolve().parent.parent
V0_FIXTURE = ROOT / "tests" / "fileformat" / "fixtures" / "v0-project.json"

SPEC_EXAMPLE = json.loads((Path(__file__).resolve().parent / "spec_example.json").read_text(encoding="utf-8"))


def write(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc, encoding="utf-8")
    return path


@pytest.fixture
def spec_file(tmp_path) -> Path:
    return write(tmp_path / "mail-rack.rackio", SPEC_EXAMPLE)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def by_id(records: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in records}


# ---------------------------------------------------------------------- solve
def test_solve_prints_a_table_naming_the_saturated_port(capsys, spec_file):
    code, out, err = run(capsys, "solve", spec_file)
    assert code == 0 and err == ""
    assert out.startswith("Mail rack proposal\n")
    saturated = [line for line in out.splitlines() if "SATURATED" in line]
    assert len(saturated) == 1
    assert saturated[0].split()[0] == "port:h1n0:0:tx"
    # load 10, capacity 10, utilisation 100 %, reserved 5 (mail's floor)
    assert saturated[0].split()[1:6] == ["10.000", "10.000", "100.0", "%", "5.000"]
    assert "peak utilisation 100.0 % (port:h1n0:0:tx)" in out
    assert "VMM 0.625 cores" in out
    server_line = next(line for line in out.splitlines() if line.split()[:1] == ["h1"])
    assert server_line.split() == ["h1", "0.625", "2.000", "31.2", "%"]  # 31.25 % printed to one decimal
    assert "Guarantees missed (0)" in out
    # The full port is the one problem (SPEC §10 saturated), named on its NIC.
    assert "Problems (1)" in out
    assert "saturated" in out and "h1n0: port:h1n0:0:tx is full: 10 of 10 Gbit/s; it limits 2" in out


def test_solve_json_is_the_spec_report(capsys, spec_file):
    code, out, err = run(capsys, "solve", spec_file, "--json")
    assert code == 0 and err == ""
    report = json.loads(out)
    assert report["format"] == "rackio-report"
    assert report["version"] == 1
    for key in ("flows", "resources", "servers", "admission", "problems"):
        assert key in report
    flows = by_id(report["flows"])
    assert set(flows) == {"mail/0/tx", "mail/0/rx", "web/0/tx"}
    mail = flows["mail/0/tx"]
    assert (mail["vm"], mail["vnic"], mail["direction"], mail["mode"]) == ("mail", 0, "tx", "vf")
    assert (mail["demand_gbps"], mail["floor_gbps"], mail["cap_gbps"]) == (8, 5, 8)
    assert mail["rate_gbps"] == pytest.approx(5.0, abs=1e-6)
    assert mail["floor_met"] is True
    assert mail["bottleneck"] == "port:h1n0:0:tx"
    assert mail["path"] == ["pcie:h1n0:tx", "port:h1n0:0:tx", "link:tor--wan:ab"]
    web = flows["web/0/tx"]
    assert web["rate_gbps"] == pytest.approx(5.0, abs=1e-6)
    assert web["bottleneck"] == "port:h1n0:0:tx"
    assert web["path"] == ["vmm:h1", "pcie:h1n0:tx", "port:h1n0:0:tx", "link:tor--wan:ab"]
    rx = flows["mail/0/rx"]
    assert rx["rate_gbps"] == pytest.approx(2.0, abs=1e-6) and rx["bottleneck"] is None
    assert rx["path"] == ["link:tor--wan:ba", "port:h1n0:0:rx", "pcie:h1n0:rx"]

    resources = by_id(report["resources"])
    port = resources["port:h1n0:0:tx"]
    assert (port["kind"], port["capacity"], port["reserved"], port["saturated"]) == ("port", 10, 5, True)
    assert port["load"] == pytest.approx(10.0, abs=1e-6)
    assert port["utilization"] == pytest.approx(1.0, abs=1e-9)
    assert resources["vmm:h1"]["load"] == pytest.approx(0.625, abs=1e-9)
    assert resources["pcie:h1n0:tx"]["load"] == pytest.approx(10.0, abs=1e-6)
    assert resources["link:tor--wan:ab"]["capacity"] == 100
    assert resources["port:h1n0:0:rx"]["load"] == pytest.approx(2.0, abs=1e-6)
    assert not resources["port:h1n0:0:rx"]["saturated"]
    assert set(resources) == {
        "vmm:h1", "pcie:h1n0:tx", "pcie:h1n0:rx", "port:h1n0:0:tx", "port:h1n0:0:rx",
        "link:tor--wan:ab", "link:tor--wan:ba",
    }
    (server,) = report["servers"]
    assert server["id"] == "h1"
    assert server["vmm_cores"] == pytest.approx(0.625, abs=1e-9)
    assert server["vmm_capacity_cores"] == 2
    assert server["vmm_utilization"] == pytest.approx(0.3125, abs=1e-9)
    assert report["admission"] == []
    # SPEC §10: the full port is a warning on its NIC; both flows on it are held back by it.
    (saturated,) = report["problems"]
    assert (saturated["code"], saturated["severity"], saturated["element"]) == ("saturated", "warning", "h1n0")
    assert "port:h1n0:0:tx" in saturated["message"] and "limits 2 of the 2 flows" in saturated["message"]


def test_solve_scale_doubles_demand(capsys, spec_file):
    code, out, _ = run(capsys, "solve", spec_file, "--json", "--scale", "2")
    assert code == 0
    flows = by_id(json.loads(out)["flows"])
    assert flows["mail/0/tx"]["demand_gbps"] == 16
    assert flows["web/0/tx"]["demand_gbps"] == 16
    assert flows["mail/0/rx"]["demand_gbps"] == 4
    # The port still splits 10 Gbit/s 5/5 (mail's floor 5 = its fair share); rx fits whole.
    assert flows["mail/0/tx"]["rate_gbps"] == pytest.approx(5.0, abs=1e-6)
    assert flows["web/0/tx"]["rate_gbps"] == pytest.approx(5.0, abs=1e-6)
    assert flows["mail/0/rx"]["rate_gbps"] == pytest.approx(4.0, abs=1e-6)
    code, out, _ = run(capsys, "solve", spec_file, "--scale", "0.5")
    assert code == 0 and "demand scaled ×0.5" in out
    assert "SATURATED" not in out  # 8 of 10 Gbit/s


def test_solve_scale_zero_means_no_traffic(capsys, spec_file):
    code, out, _ = run(capsys, "solve", spec_file, "--json", "--scale", "0")
    assert code == 0
    report = json.loads(out)
    assert all(f["rate_gbps"] == 0 for f in report["flows"])
    assert all(not r["saturated"] for r in report["resources"])


def test_strict_exits_1_on_an_error_problem(capsys, tmp_path, spec_file):
    unwired = copy.deepcopy(SPEC_EXAMPLE)
    unwired["links"] = [{"a": "tor", "b": "wan", "gbps": 100}]  # h1n0 port 0 has no cable
    path = write(tmp_path / "unwired.rackio", unwired)
    code, out, _ = run(capsys, "solve", path, "--strict")
    assert code == 1
    assert "port-unwired" in out
    code, _, _ = run(capsys, "solve", path)
    assert code == 0  # without --strict problems are reported, not fatal
    code, out, _ = run(capsys, "solve", path, "--json", "--strict")
    assert code == 1
    assert "port-unwired" in {p["code"] for p in json.loads(out)["problems"]}
    code, _, _ = run(capsys, "solve", spec_file, "--strict")
    assert code == 0


def test_strict_ignores_warnings_and_info(capsys, tmp_path):
    doc = copy.deepcopy(SPEC_EXAMPLE)
    doc["elements"][4]["max_gbps"] = 2  # floor 5 above cap 2: a warning
    doc["links"].append({"a": "wan", "b": "tor", "id": "spare"})  # parallel cable: info
    path = write(tmp_path / "warn.rackio", doc)
    code, out, _ = run(capsys, "solve", path, "--json", "--strict")
    assert code == 0
    severities = {p["code"]: p["severity"] for p in json.loads(out)["problems"]}
    assert severities == {"floor-above-cap": "warning", "parallel-links": "info", "saturated": "warning"}


# ---------------------------------------------------------------------- sweep
def parse_sweep(out: str) -> tuple[list[list[str]], str]:
    lines = out.strip().splitlines()
    assert lines[0].split()[:2] == ["scale", "peak"]
    return [line.split() for line in lines[1:-1]], lines[-1]


def test_sweep_prints_rows_and_first_saturation(capsys, spec_file):
    code, out, err = run(capsys, "sweep", spec_file)
    assert code == 0 and err == ""
    rows, last = parse_sweep(out)
    assert len(rows) == 21  # 0, 0.1, …, 2.0
    assert [row[0] for row in rows] == [f"{i / 10:.3f}" for i in range(21)]
    assert rows[0] == ["0.000", "0.0%", "0.000", "0", "-"]
    # s = 0.5: port 16 × 0.5 = 8 of 10 → 80 %; VMM 4 × 0.125 = 0.5 cores
    assert rows[5] == ["0.500", "80.0%", "0.500", "0", "port:h1n0:0:tx"]
    # s = 1 and 2: saturated, 5 + 5, VMM 0.625 cores, no guarantee missed
    assert rows[10] == ["1.000", "100.0%", "0.625", "0", "port:h1n0:0:tx"]
    assert rows[20] == ["2.000", "100.0%", "0.625", "0", "port:h1n0:0:tx"]
    assert last == "first saturation at ×0.6250: port:h1n0:0:tx"


def test_sweep_first_saturation_is_exact(spec_file):
    from designer.solver.sweep import sweep

    result = sweep(load(spec_file), to=2.0, steps=3)  # a coarse grid: 0, 1, 2
    assert result.first_saturation == pytest.approx(0.625, abs=1e-6)
    assert result.first_saturated == ["port:h1n0:0:tx"]


def test_sweep_reports_when_nothing_saturates(capsys, spec_file):
    code, out, _ = run(capsys, "sweep", spec_file, "--to", "0.5", "--steps", "6")
    assert code == 0
    rows, last = parse_sweep(out)
    assert len(rows) == 6
    assert last == "nothing saturates up to ×0.5"


def test_sweep_csv(capsys, tmp_path, spec_file):
    out_csv = tmp_path / "sweep.csv"
    code, out, _ = run(capsys, "sweep", spec_file, "--steps", "5", "--csv", out_csv)
    assert code == 0
    rows = list(csv.reader(io.StringIO(out_csv.read_text(encoding="utf-8"))))
    assert rows[0] == ["scale", "peak_utilization", "peak_resource", "vmm_cores", "guarantees_missed",
                       "saturated_resources"]
    assert len(rows) == 1 + 5
    assert [r[0] for r in rows[1:]] == ["0", "0.5", "1", "1.5", "2"]
    assert rows[1][1:] == ["0", "", "0", "0", "0"]
    assert rows[2][1:] == ["0.8", "port:h1n0:0:tx", "0.5", "0", "0"]
    assert rows[3][2:] == ["port:h1n0:0:tx", "0.625", "0", "1"]
    assert float(rows[3][1]) == pytest.approx(1.0, abs=1e-9)
    assert "first saturation at ×0.6250" in out  # the table is still printed


# ------------------------------------------------------------------- generate
def test_generate_writes_a_loadable_project(capsys, tmp_path):
    out_file = tmp_path / "gen.rackio"
    code, out, err = run(capsys, "generate", "--racks", 2, "--servers-per-rack", 3, "--vms-per-server", 4,
                         "--seed", 7, "-o", out_file)
    assert code == 0 and err == ""
    assert out.strip() == f"wrote {out_file}: 2 racks, 6 servers, 24 VMs"
    topo = load(out_file)
    assert len(topo.servers) == 2 * 3
    assert len(topo.vms) == 2 * 3 * 4
    assert len(topo.nics) == 6
    assert len(topo.networks) == 1
    assert len(topo.switches) == 1 + 2  # core + one ToR per rack
    assert sorted({s.rack for s in topo.servers}) == ["rack1", "rack2"]
    assert all(len(topo.vms_of(s.id)) == 4 for s in topo.servers)
    assert {v.vnics[0].mode for v in topo.vms} <= {"vf", "paravirtual"}
    # Every VF-mode guest has its own VF; every NIC port is cabled.
    assert len(topo.vfs) == sum(1 for v in topo.vms if v.vnics[0].mode == "vf")
    assert all(topo.cable_at(n.id, p) is not None for n in topo.nics for p in range(n.ports))
    code, out, _ = run(capsys, "solve", out_file, "--strict")
    assert code == 0, out


def test_generate_is_deterministic_for_a_seed(capsys, tmp_path):
    args = ["generate", "--racks", 1, "--servers-per-rack", 2, "--vms-per-server", 5]
    a, b, c = tmp_path / "a.rackio", tmp_path / "b.rackio", tmp_path / "c.rackio"
    assert run(capsys, *args, "--seed", 42, "-o", a)[0] == 0
    assert run(capsys, *args, "--seed", 42, "-o", b)[0] == 0
    assert run(capsys, *args, "--seed", 43, "-o", c)[0] == 0
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


@pytest.mark.parametrize("mix, vfs", [("emulated", 0), ("vf", 6), ("passthrough,paravirtual", 0)])
def test_generate_mix(capsys, tmp_path, mix, vfs):
    out_file = tmp_path / "mix.rackio"
    code, _, _ = run(capsys, "generate", "--racks", 1, "--servers-per-rack", 2, "--vms-per-server", 3,
                     "--mix", mix, "-o", out_file)
    assert code == 0
    topo = load(out_file)
    assert {v.vnics[0].mode for v in topo.vms} <= set(mix.split(","))
    assert len(topo.vfs) == vfs


def test_generate_zero_vms(capsys, tmp_path):
    out_file = tmp_path / "empty.rackio"
    code, out, _ = run(capsys, "generate", "--racks", 1, "--servers-per-rack", 1, "--vms-per-server", 0,
                       "-o", out_file)
    assert code == 0 and "0 VMs" in out
    assert load(out_file).vms == []


# -------------------------------------------------------------------- upgrade
def test_upgrade_in_place_migrates_and_keeps_unknown_fields(capsys, tmp_path):
    path = tmp_path / "old.rackio"
    shutil.copy(V0_FIXTURE, path)
    code, out, err = run(capsys, "upgrade", path)
    assert code == 0 and err == ""
    assert "was version 0" in out
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["version"] == 1 and doc["format"] == "rackio-project"
    assert "nodes" not in doc and "cables" not in doc
    assert doc["title"] == "Pre-release rack"
    assert doc["owner"] == "ops team"
    h1 = next(e for e in doc["elements"] if e["id"] == "h1")
    assert h1["asset_tag"] == "A-17" and h1["kind"] == "server"
    mail = next(e for e in doc["elements"] if e["id"] == "mail")
    assert mail["vnics"] == [{"mode": "vf", "vf": "h1n0v0", "tx_gbps": 8, "rx_gbps": 2,
                              "mac": "52:54:00:00:00:01"}]
    assert doc["links"][1] == {"a": "tor", "b": "wan", "gbps": 100, "colour": "blue"}
    # Upgrading a current file again changes nothing.
    before = path.read_bytes()
    code, out, _ = run(capsys, "upgrade", path)
    assert code == 0 and "was version 1" in out
    assert path.read_bytes() == before


def test_upgrade_to_output_leaves_source_untouched(capsys, tmp_path):
    source = tmp_path / "old.rackio"
    shutil.copy(V0_FIXTURE, source)
    before = source.read_bytes()
    target = tmp_path / "new.rackio"
    code, out, _ = run(capsys, "upgrade", source, "-o", target)
    assert code == 0
    assert source.read_bytes() == before
    assert str(target) in out
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == 1
    assert to_document(load(target)) == to_document(load(source))


# ------------------------------------------------------------------ bad input
def assert_usage_error(code: int, out: str, err: str) -> None:
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error:"), err
    assert len(lines[0]) > len("error: ")
    assert out == ""


BAD_SOLVE_ARGS = [
    ["--scale", "-1"],
    ["--scale", "abc"],
    ["--scale", "nan"],
    ["--scale", "inf"],
    ["--scale"],
    ["--bogus"],
    ["--top", "0"],
    ["extra-positional"],
]


@pytest.mark.parametrize("extra", BAD_SOLVE_ARGS)
def test_bad_solve_options(capsys, tmp_path, spec_file, extra):
    before = sorted(tmp_path.iterdir())
    assert_usage_error(*run(capsys, "solve", spec_file, *extra))
    assert sorted(tmp_path.iterdir()) == before


@pytest.mark.parametrize("make", ["missing", "folder", "invalid-json", "not-a-project", "dangling", "v2"])
def test_bad_input_files(capsys, tmp_path, make):
    path = tmp_path / "input.rackio"
    if make == "folder":
        path.mkdir()
    elif make == "invalid-json":
        write(path, "{ nope")
    elif make == "not-a-project":
        write(path, {"format": "something-else", "version": 1})
    elif make == "dangling":
        doc = copy.deepcopy(SPEC_EXAMPLE)
        doc["elements"][3]["parent"] = "h9"
        write(path, doc)
    elif make == "v2":
        write(path, dict(SPEC_EXAMPLE, version=2))
    for verb in (["solve"], ["solve", "--json"], ["sweep"], ["upgrade"]):
        before = sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir())
        assert_usage_error(*run(capsys, verb[0], path, *verb[1:]))
        assert sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir()) == before


def test_error_names_the_element_and_field(capsys, tmp_path):
    doc = copy.deepcopy(SPEC_EXAMPLE)
    doc["elements"][3]["port_gbps"] = -10
    path = write(tmp_path / "neg.rackio", doc)
    code, out, err = run(capsys, "solve", path)
    assert_usage_error(code, out, err)
    assert "h1n0" in err and "port_gbps" in err


def test_invalid_upgrade_writes_nothing(capsys, tmp_path):
    source = write(tmp_path / "bad.rackio", "{ nope")
    target = tmp_path / "out.rackio"
    assert_usage_error(*run(capsys, "upgrade", source, "-o", target))
    assert not target.exists()
    assert source.read_text(encoding="utf-8") == "{ nope"


@pytest.mark.parametrize("argv", [
    ["sweep", "{spec}", "--steps", "1"],
    ["sweep", "{spec}", "--steps", "x"],
    ["sweep", "{spec}", "--to", "-2"],
    ["sweep", "{spec}", "--csv", "{tmp}/missing/out.csv"],
    ["sweep", "{spec}", "--csv", "{tmp}"],
    ["generate", "--racks", "1", "--servers-per-rack", "1", "--vms-per-server", "1", "--mix", "sriov",
     "-o", "{tmp}/g.rackio"],
    ["generate", "--racks", "1", "--servers-per-rack", "1", "--vms-per-server", "1", "--mix", "vf,,bogus",
     "-o", "{tmp}/g.rackio"],
    ["generate", "--racks", "1", "--servers-per-rack", "1", "--vms-per-server", "1", "--mix", ",",
     "-o", "{tmp}/g.rackio"],
    ["generate", "--racks", "1", "--servers-per-rack", "1", "--vms-per-server", "1",
     "-o", "{tmp}/missing/g.rackio"],
    ["generate", "--racks", "0", "--servers-per-rack", "1", "--vms-per-server", "1", "-o", "{tmp}/g.rackio"],
    ["generate", "--racks", "two", "--servers-per-rack", "1", "--vms-per-server", "1", "-o", "{tmp}/g.rackio"],
    ["generate", "--servers-per-rack", "1", "--vms-per-server", "1", "-o", "{tmp}/g.rackio"],
    ["generate", "--racks", "1", "--servers-per-rack", "1", "--vms-per-server", "1"],
    ["generate", "--racks", "1", "--servers-per-rack", "1", "--vms-per-server", "1", "--seed", "x",
     "-o", "{tmp}/g.rackio"],
    ["upgrade", "{spec}", "-o", "{tmp}/missing/up.rackio"],
    ["upgrade", "{spec}", "-o", "{tmp}"],
    ["solve"],
    ["upgrade"],
    ["--no-such-option"],
    ["frobnicate", "{spec}"],
    ["{tmp}/missing.rackio"],
])
def test_bad_usage_exits_2_with_one_error_line(capsys, tmp_path, spec_file, argv):
    argv = [a.format(spec=spec_file, tmp=tmp_path) for a in argv]
    before = sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir())
    spec_bytes = spec_file.read_bytes()
    assert_usage_error(*run(capsys, *argv))
    assert sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir()) == before
    assert spec_file.read_bytes() == spec_bytes


# ------------------------------------------------------------ real processes
def rackio_command() -> list[str]:
    script = Path(sys.executable).parent / "rackio"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "designer.cli"]


def test_rackio_executable(tmp_path, spec_file):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([*rackio_command(), "solve", str(spec_file), "--json"], capture_output=True,
                          text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["format"] == "rackio-report"
    assert by_id(report["flows"])["web/0/tx"]["rate_gbps"] == pytest.approx(5.0, abs=1e-6)

    done = subprocess.run([*rackio_command(), "solve", str(tmp_path / "nope.rackio")], capture_output=True,
                          text=True, timeout=60, env=env)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("error:")

    done = subprocess.run([sys.executable, "-m", "designer.cli", "sweep", str(spec_file), "--steps", "3"],
                          capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "first saturation at ×0.6250: port:h1n0:0:tx"


def test_rackio_solve_ends_at_once_with_its_output_whole(tmp_path, spec_file):
    """``solve`` ends with os._exit once its output is flushed (cli.run): the output is still
    complete in a file, a full disk is a one-line error with exit code 2, and a reader that
    closes early ends the command quietly."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = tmp_path / "report.json"
    with open(out, "wb") as fh:
        done = subprocess.run([*rackio_command(), "solve", str(spec_file), "--json"], stdout=fh,
                              stderr=subprocess.PIPE, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    from designer.fileformat import load
    from designer.solver import solve

    assert out.read_text(encoding="utf-8") == json.dumps(solve(load(spec_file)).to_report(), indent=2) + "\n"

    if Path("/dev/full").exists():
        with open("/dev/full", "wb") as full:
            done = subprocess.run([*rackio_command(), "solve", str(spec_file), "--json"], stdout=full,
                                  stderr=subprocess.PIPE, text=True, timeout=60, env=env)
        assert done.returncode == 2
        assert done.stderr.startswith("error: ") and len(done.stderr.splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr

    proc = subprocess.Popen([*rackio_command(), "solve", str(spec_file), "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stdout.read(1) == b"{"
    proc.stdout.close()  # the reader goes away before the report is written out
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (0, -13), err  # quiet, or SIGPIPE as Unix tools end
    assert b"Traceback" not in err and b"Exception ignored" not in err


def test_core_packages_do_not_import_qt(tmp_path, spec_file):
    """The Qt-free packages, the CLI and the editing tests (tests/edit, which run without Qt)
    load no Qt module."""
    edit_tests = sorted(p.stem for p in (ROOT / "tests" / "edit").glob("*.py"))
    assert "test_ops" in edit_tests and "edit_support" in edit_tests
    code = f"""
import importlib, sys
import designer.model, designer.fileformat, designer.solver, designer.cli, designer.generate
import designer.edit, designer.edit.ops, designer.edit.commands, designer.model.checks, designer.model.racks
import designer.diagram.routing, designer.diagram.drawio
import designer.solver.sweep
sys.path.insert(0, {str(ROOT / "tests" / "edit")!r})
for name in {edit_tests!r}:
    importlib.import_module(name)
from designer.cli import main
assert main(["solve", {str(spec_file)!r}, "--json"]) == 0
assert main(["sweep", {str(spec_file)!r}, "--steps", "3"]) == 0
assert main(["generate", "--racks", "1", "--servers-per-rack", "1", "--vms-per-server", "2",
             "-o", {str(tmp_path / "g.rackio")!r}]) == 0
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6", "PyQt5", "PyQt6"))
print("QT-MODULES", qt, file=sys.stderr)
sys.exit(1 if qt else 0)
"""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "QT-MODULES []" in done.stderr


def test_gui_without_a_display_is_refused_cleanly(tmp_path):
    """With no display at all, `rackio FILE` says so in one line instead of Qt aborting."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    example = Path(__file__).resolve().parent.parent / "resources" / "examples" / "mail-rack.rackio"
    result = subprocess.run([sys.executable, "-m", "designer.cli", str(example)], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "display" in lines[0]


def test_the_command_line_starts_no_blas_threads():
    """``rackio`` asks numpy's OpenBLAS for one thread before numpy is imported (its idle
    thread pool cost 0.1 s of CPU time on two cores), unless the user chose otherwise."""
    import os

    code = ("import sys, designer.cli, os; "
            "print('numpy' in sys.modules, os.environ.get('OPENBLAS_NUM_THREADS'))")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    plain = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert plain.stdout.split() == ["True", "1"]
    chosen = subprocess.run([sys.executable, "-c", code], env={**env, "OPENBLAS_NUM_THREADS": "2"},
                            capture_output=True, text=True, check=True)
    assert chosen.stdout.split() == ["True", "2"]
