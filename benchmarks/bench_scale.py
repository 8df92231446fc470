"""Pathological designs that used to take quadratic time or memory (issue 12 §3.6).

Each case writes a project file into a temporary folder and runs, in a fresh process,
the load + solve (``--what solve``) or the opening in the designer window, offscreen
(``--what gui``), printing wall seconds, CPU seconds and the peak resident memory of
that process:

- ``networks N``: N networks without positions (each placed right of the others).
- ``racks N``: N servers, each in its own free-text rack (an old file without ``racks``).
- ``stem N``: N servers whose free-text rack names all make the same rack id stem.
- ``chain N F``: a chain of N switches, F flows from one server at one end to a network
  at the other (a path longer than the fabric allows), and the same with a network
  in the middle of the chain, 200 hops away.

Run: ``.venv/bin/python benchmarks/bench_scale.py [--what solve|gui|both] [CASE ...]``,
for instance ``bench_scale.py racks:100000`` or ``bench_scale.py --what gui networks:4000``.
With no case, a default set runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CASES = ["networks:4000", "racks:8000", "racks:100000", "stem:20000", "chain:30000:1000",
                 "midchain:30000:1000"]


def project(elements: list[dict], links: list[dict], **extra) -> dict:
    return {"format": "rackio-project", "version": 1, "elements": elements, "links": links, **extra}


def networks(n: int) -> dict:
    return project([{"id": f"net{i}", "kind": "network"} for i in range(n)], [])


def racks(n: int) -> dict:
    """Servers in free-text racks (no ``racks`` list): each name becomes a rack."""
    elements = [{"id": "wan", "kind": "network", "x": 0, "y": -200}]
    for i in range(n):
        elements.append({"id": f"s{i}", "kind": "server", "rack": f"Row {i // 40} / cab {i}", "rack_u": 1,
                         "x": (i % 100) * 400, "y": (i // 100) * 300})
    return project(elements, [])


def stem(n: int) -> dict:
    """Rack names that differ only in characters an id cannot hold: one id stem for all."""
    elements = []
    for i in range(n):
        name = "cab " + "!" * (i % 50) + " " * (i // 50)
        elements.append({"id": f"s{i}", "kind": "server", "rack": name, "rack_u": 1,
                         "x": (i % 100) * 400, "y": (i // 100) * 300})
    return project(elements, [])


def chain(n: int, flows: int, network_at: int | None = None) -> dict:
    """Switches sw0 … sw{n-1} in a line; the server's NIC at sw0; the network after the
    last switch, or at switch ``network_at``."""
    elements = [{"id": "wan", "kind": "network", "x": 0, "y": -300},
                {"id": "h", "kind": "server", "x": 0, "y": 200, "vmm_io_cores": 1000},
                {"id": "h-n", "kind": "nic", "parent": "h", "ports": 1, "port_gbps": 100}]
    links = [{"a": "h-n:0", "b": "sw0"}]
    for i in range(n):
        elements.append({"id": f"sw{i}", "kind": "switch", "x": 300 * i, "y": 0, "port_gbps": 100})
        if i:
            links.append({"a": f"sw{i - 1}", "b": f"sw{i}", "gbps": 100})
    links.append({"a": f"sw{n - 1 if network_at is None else network_at}", "b": "wan", "gbps": 50})
    for f in range(flows):
        elements.append({"id": f"g{f}", "kind": "vm", "parent": "h",
                         "vnics": [{"mode": "paravirtual", "nic": "h-n", "tx_gbps": 1, "rx_gbps": 1,
                                    "min_gbps": 0.01}]})
    return project(elements, links)


def build(case: str) -> dict:
    name, *numbers = case.split(":")
    args = [int(x) for x in numbers]
    if name == "networks":
        return networks(*args)
    if name == "racks":
        return racks(*args)
    if name == "stem":
        return stem(*args)
    if name == "chain":
        return chain(*args)
    if name == "midchain":
        return chain(args[0], args[1], network_at=200)
    raise SystemExit(f"unknown case {case!r}")


SOLVE = """
import sys, time, json
t0 = time.perf_counter(); c0 = time.process_time()
from designer.fileformat import load
from designer.solver import solve
topo = load(sys.argv[1])
t1 = time.perf_counter()
solution = solve(topo)
t2 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "solve_s": t2 - t1, "cpu_s": time.process_time() - c0,
                  "flows": solution.flows.n_flows, "entries": int(solution.flows.entry_flow.size),
                  "problems": len(solution.problems), "racks": len(topo.racks)}))
"""

GUI = """
import os, sys, time, json, tempfile
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QSettings, QStandardPaths
QStandardPaths.setTestModeEnabled(True)
from designer.ui.app import make_application
app = make_application()
from designer.ui.main_window import MainWindow
settings = QSettings(os.path.join(tempfile.mkdtemp(), "settings.ini"), QSettings.Format.IniFormat)
window = MainWindow(settings)
window.resize(1600, 1000)
window.show()
app.processEvents()
t0 = time.perf_counter(); c0 = time.process_time()
ok = window.open_path(sys.argv[1], ask=False, remember=False)
app.processEvents()
t1 = time.perf_counter()
print(json.dumps({"open_s": t1 - t0, "cpu_s": time.process_time() - c0, "ok": ok}), flush=True)
window.document.undo_stack.setClean()
window.close()
"""


def run(code: str, path: Path, timeout: float) -> dict:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {"error": f"did not finish in {timeout:.0f} s"}
    wall = time.perf_counter() - start
    lines = out.decode().strip().splitlines()
    if not lines or not lines[-1].startswith("{"):
        errors = err.decode(errors="replace").strip().splitlines()
        return {"error": errors[-1] if errors else f"exit {proc.returncode}", "wall_s": wall}
    result = json.loads(lines[-1])
    result["wall_s"] = wall
    if proc.returncode != 0:  # the figures were printed; the process failed afterwards
        result["exit"] = proc.returncode
    return result


def measure(code: str, path: Path, timeout: float) -> dict:
    """Run in a fresh child of a fresh runner, so RUSAGE_CHILDREN is that one child's peak."""
    runner = (
        "import json, resource, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        "import bench_scale\n"
        "result = bench_scale.run(sys.argv[1], bench_scale.Path(sys.argv[2]), float(sys.argv[3]))\n"
        "result['rss_mib'] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps(result))\n"
    )
    proc = subprocess.run([sys.executable, "-c", runner, code, str(path), str(timeout)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "runner failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=DEFAULT_CASES)
    parser.add_argument("--what", choices=("solve", "gui", "both"), default="solve")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a case counts as not finishing")
    parser.add_argument("--keep", metavar="DIR", help="write the files here instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for case in args.cases:
            path = folder / (case.replace(":", "-") + ".rackio")
            path.write_text(json.dumps(build(case)), encoding="utf-8")
            size = path.stat().st_size / 2**20
            for what in (("solve", "gui") if args.what == "both" else (args.what,)):
                result = measure(SOLVE if what == "solve" else GUI, path, args.timeout)
                if "error" in result:
                    print(f"{case:>22} {what:5} {size:6.1f} MiB  {result['error']}", flush=True)
                    continue
                figures = (f"load {result['load_s']:.2f} s + solve {result['solve_s']:.2f} s"
                           if what == "solve" else f"open {result['open_s']:.2f} s")
                extra = (f"; {result['flows']} flows, {result['entries']} route entries, "
                         f"{result['problems']} problems, {result['racks']} racks") if what == "solve" else ""
                if "exit" in result:
                    extra += f" (then exited with status {result['exit']})"
                print(f"{case:>22} {what:5} {size:6.1f} MiB  {figures} (CPU {result['cpu_s']:.2f} s, "
                      f"process {result['wall_s']:.2f} s), peak RSS {result['rss_mib']:.0f} MiB{extra}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
