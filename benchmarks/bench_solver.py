"""Solver benchmarks: print the figures quoted in the notes.

1. A 40-server rack (1 rack × 40 servers × 50 VMs ≈ 4,000 flows): route + allocate,
   median of repeated runs; target under 10 ms.
2. A data centre (50 racks × 40 servers × 25 VMs = 2,000 servers, 50,000 VMs,
   100,000 flows): solve time against the time to merely load the same file with
   json + numpy + networkx; target at most 4× that, and under 1 GiB of memory.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_solver.py [--quick]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import networkx as nx
import numpy as np

from designer.fileformat import load, save
from designer.generate import generate
from designer.solver import solve


def baseline_load(path: Path) -> float:
    """Seconds to read the file with json, build its graph with networkx, and its demands with numpy."""
    start = time.perf_counter()
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    graph = nx.MultiDiGraph()
    for element in doc["elements"]:
        graph.add_node(element["id"], kind=element["kind"])
        if "parent" in element:
            graph.add_edge(element["parent"], element["id"])
    for link in doc["links"]:
        graph.add_edge(link["a"].split(":")[0], link["b"].split(":")[0])
    vnics = [v for e in doc["elements"] if e["kind"] == "vm" for v in e["vnics"]]
    np.array([[v.get("tx_gbps", 0.0), v.get("rx_gbps", 0.0)] for v in vnics])
    return time.perf_counter() - start


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data centre (10 racks) for a fast check")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rack_path = Path(tmp) / "rack40.rackio"
        save(generate(1, 40, 50, seed=1), rack_path)
        rack = load(rack_path)
        solve(rack)  # warm up imports and caches
        t_rack = 0.0
        for scale in (1.0, 2.0):
            t, sol = timed(lambda: solve(rack, scale=scale), 30)
            t_rack = max(t_rack, t)
            print(f"rack: 40 servers, {sol.flows.n_flows} flows, demand ×{scale:g}: solve median {t * 1e3:.2f} ms "
                  f"(target < 10 ms) · {int(sol.saturated.sum())} saturated resources · "
                  f"{sol.rounds} allocation rounds")

        racks = 10 if args.quick else 50
        dc_path = Path(tmp) / "dc.rackio"
        save(generate(racks, 40, 25, seed=1), dc_path)
        size_mb = dc_path.stat().st_size / 1e6
        t_base, _ = timed(lambda: baseline_load(dc_path), 3)
        t_load, dc = timed(lambda: load(dc_path), 1)
        t_solve, sol = timed(lambda: solve(dc, scale=2.0), 3)
        tracemalloc.start()
        solve(dc, scale=2.0)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"data centre: {racks * 40} servers, {racks * 40 * 25} VMs, {sol.flows.n_flows} flows, "
              f"file {size_mb:.1f} MB")
        print(f"  json+numpy+networkx load {t_base:.3f} s · rackio load {t_load:.3f} s")
        print(f"  solve (demand ×2, {int(sol.saturated.sum())} saturated resources) {t_solve:.3f} s = {t_solve / t_base:.2f}× the plain load (target ≤ 4×) · "
              f"{sol.rounds} allocation rounds")
        print(f"  solve peak memory (tracemalloc) {peak / 2**20:.0f} MiB (target < 1024 MiB)")
        ok = t_rack < 0.010 and t_solve <= 4 * t_base and peak < 2**30
        print("targets met" if ok else "TARGETS MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
