"""Issue 12 §3.8 and §3.11: ``rackio generate`` refuses sizes whose file could not be opened,
before building anything, and ``--mix passthrough`` makes real passthrough guests."""

from __future__ import annotations

import time
import tracemalloc

from designer.cli import main
from designer.fileformat import load
from designer.generate import generate, size_problem
from designer.model.rules import check_design


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_ten_billion_vms_are_refused_before_anything_is_built(capsys, tmp_path):
    out_file = tmp_path / "huge.rackio"
    tracemalloc.start()
    started = time.perf_counter()
    code, out, err = run(capsys, "generate", "--racks", 1000, "--servers-per-rack", 1000,
                         "--vms-per-server", 10000, "-o", out_file)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "at most 2,000,000" in err and err.startswith("error: ")
    assert elapsed < 5 and peak < 50 * 2**20
    assert not out_file.exists()


def test_a_size_over_the_file_limit_is_refused_from_an_estimate(capsys, tmp_path):
    out_file = tmp_path / "big.rackio"
    started = time.perf_counter()
    code, _, err = run(capsys, "generate", "--racks", 2, "--servers-per-rack", 1000, "--vms-per-server", 900,
                       "--mix", "paravirtual", "-o", out_file)
    assert code == 2 and "256 MiB are refused" in err and not out_file.exists()
    assert time.perf_counter() - started < 5


def test_the_size_estimate_is_close_to_the_real_file():
    from designer.fileformat import dumps
    from designer.fileformat import project

    topo = generate(12, 20, 10, mix=["vf", "paravirtual"])
    real = len(dumps(topo))
    keep = project.MAX_FILE_BYTES
    try:
        project.MAX_FILE_BYTES = 1  # every size is then "too big": the message carries the estimate
        message = size_problem(12, 20, 10, ["vf", "paravirtual"])
    finally:
        project.MAX_FILE_BYTES = keep
    estimate_mib = float(message.split("about ")[1].split(" MiB")[0])
    assert 0.85 * real / 2**20 <= estimate_mib <= 1.3 * real / 2**20 + 1
    assert size_problem(12, 20, 10, ["vf", "paravirtual"]) is None


def test_passthrough_mix_gives_each_guest_its_own_nic(capsys, tmp_path):
    out_file = tmp_path / "pt.rackio"
    code, _, err = run(capsys, "generate", "--racks", 1, "--servers-per-rack", 3, "--vms-per-server", 4,
                       "--mix", "passthrough", "-o", out_file)
    assert code == 0, err
    topo = load(out_file)
    vnics = [vnic for vm in topo.vms for vnic in vm.vnics]
    assert len(vnics) == 12 and {v.mode for v in vnics} == {"passthrough"}
    devices = [v.nic for v in vnics]
    assert len(set(devices)) == 12  # one whole NIC per guest
    for vm in topo.vms:
        nic = topo.elements[vm.vnics[0].nic]
        assert nic.KIND == "nic" and nic.parent == vm.parent
        assert any(nic.port_end(0) in link.ends() for link in topo.links.values())
    assert [p for p in check_design(topo) if p.severity == "error"] == []


def test_mixed_passthrough_keeps_the_seeded_modes_and_cables_fit_the_tor():
    topo = generate(1, 30, 4, mix=["passthrough", "vf"], seed=3)
    tor = topo.elements["r1-tor"]
    cables = sum(1 for link in topo.links.values() if tor.id in link.ends() and "core" not in link.ends())
    assert tor.ports >= cables > 60
    assert {v.vnics[0].mode for v in topo.vms} == {"passthrough", "vf"}
