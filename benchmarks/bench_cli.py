"""Command-line benchmark: ``rackio solve --json`` of a data-centre design against a bare
``json.load`` of the same file, both as fresh processes (process start included).

The design is ``rackio generate --racks 50 --servers-per-rack 40 --vms-per-server 25``
(2,000 servers, 50,000 VMs, about 76,000 elements and 100,000 flows), written into a
temporary folder. The two commands run in turn, seven times each; the medians are compared.
Target (issue 13 §6): ``solve --json`` takes at most 4× the bare load, and its peak
resident memory stays under 1 GiB.

Run: ``.venv/bin/python benchmarks/bench_cli.py [--racks R] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_LOAD = "import json, sys\nwith open(sys.argv[1], 'rb') as fh:\n    json.load(fh)\n"


def run(cmd: list[str], stdout) -> tuple[float, float, int]:
    """Wall seconds of one child process, its CPU seconds (user + system) and its own peak
    RSS in KiB. On a shared machine the CPU time is the steadier figure.

    ``os.wait4`` gives the resource usage of that one child; ``RUSAGE_CHILDREN`` would
    report the largest child so far (the generator, for instance)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode(errors='replace').strip()}")
    proc.stderr.close()
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--racks", type=int, default=50)
    parser.add_argument("--servers-per-rack", type=int, default=40)
    parser.add_argument("--vms-per-server", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", metavar="DIR", help="write the design and the report here instead of a temp dir")
    args = parser.parse_args()

    python = sys.executable
    script = Path(python).parent / "rackio"  # the installed entry point, as a user runs it
    rackio = [str(script)] if script.exists() else [python, "-c", "import sys; from designer.cli import main; sys.exit(main())"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        design = folder / "big.rackio"
        report = folder / "big-report.json"
        subprocess.run(rackio + ["generate", "--racks", str(args.racks), "--servers-per-rack",
                                 str(args.servers_per_rack), "--vms-per-server", str(args.vms_per_server),
                                 "-o", str(design)], check=True, stdout=subprocess.DEVNULL)
        size_mib = design.stat().st_size / 2**20

        bare, solve, bare_cpu, solve_cpu = [], [], [], []
        bare_rss = solve_rss = 0
        # Interleaved (bare, solve, bare, solve…): a shared machine's speed drifts between
        # batches of runs, and both sides of the ratio then see the same drift.
        for _ in range(args.repeat):
            seconds, cpu, rss = run([python, "-c", BARE_LOAD, str(design)], subprocess.DEVNULL)
            bare.append(seconds)
            bare_cpu.append(cpu)
            bare_rss = max(bare_rss, rss)
            with open(report, "wb") as out:
                seconds, cpu, rss = run(rackio + ["solve", "--json", str(design)], out)
            solve.append(seconds)
            solve_cpu.append(cpu)
            solve_rss = max(solve_rss, rss)
        bare_s, solve_s = statistics.median(bare), statistics.median(solve)
        print(f"design: {args.racks} racks × {args.servers_per_rack} servers × {args.vms_per_server} VMs, "
              f"{size_mib:.1f} MiB; report {report.stat().st_size / 2**20:.1f} MiB")
        print(f"bare json.load (process):     {bare_s:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in bare)})"
              f"  peak RSS {bare_rss / 1024:.0f} MiB")
        print(f"rackio solve --json (process): {solve_s:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in solve)})"
              f"  peak RSS {solve_rss / 1024:.0f} MiB")
        ratio = solve_s / bare_s
        cpu_ratio = statistics.median(solve_cpu) / statistics.median(bare_cpu)
        print(f"CPU time (user + system): bare {statistics.median(bare_cpu):.2f} s, "
              f"solve --json {statistics.median(solve_cpu):.2f} s")
        print(f"ratio: {ratio:.2f}× wall, {cpu_ratio:.2f}× CPU (target ≤ 4×); "
              f"peak RSS {solve_rss / 1024:.0f} MiB (target < 1024 MiB)")
        if os.environ.get("BENCH_STRICT") and (ratio > 4 or solve_rss > 1024 * 1024):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
