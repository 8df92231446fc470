"""Demand sweep: solve the design at demand scales 0 … K and find where it first saturates.

The design is routed once (``compile_flows``); each step only re-allocates.
The first saturating scale is refined by bisection between grid steps, so it is
exact to 1e-6 whatever the step count.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np

from ..model.topology import Topology
from ..textsafe import csv_cell
from .flows import compile_flows
from .solve import Solution, allocate


@dataclass
class SweepRow:
    scale: float
    peak_utilization: float
    peak_resource: str | None
    vmm_cores: float
    guarantees_missed: int
    saturated: int


@dataclass
class SweepResult:
    rows: list[SweepRow] = field(default_factory=list)
    first_saturation: float | None = None
    first_saturated: list[str] = field(default_factory=list)

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["scale", "peak_utilization", "peak_resource", "vmm_cores",
                    "guarantees_missed", "saturated_resources"])
        for r in self.rows:
            w.writerow([f"{r.scale:.6g}", f"{r.peak_utilization:.9g}", csv_cell(r.peak_resource or ""),
                        f"{r.vmm_cores:.9g}", r.guarantees_missed, r.saturated])
        return buf.getvalue()


def _row(scale: float, sol: Solution) -> SweepRow:
    return SweepRow(scale, sol.peak_utilization, sol.peak_resource, sol.total_vmm_cores,
                    sol.guarantees_missed, int(np.count_nonzero(sol.saturated)))


def sweep(topo: Topology, to: float = 2.0, steps: int = 21, cancel=None) -> SweepResult:
    """Solve at ``steps`` evenly spaced scales from 0 to ``to``.

    ``cancel`` is an optional callable returning True to stop early (GUI use).
    """
    flows = compile_flows(topo)
    result = SweepResult()
    scales = np.linspace(0.0, to, steps)
    previous = 0.0
    for scale in scales:
        if cancel is not None and cancel():
            break
        sol = allocate(topo, flows, float(scale))
        result.rows.append(_row(float(scale), sol))
        if result.first_saturation is None and sol.saturated.any() and scale > 0:
            lo, hi = previous, float(scale)
            for _ in range(60):
                if hi - lo <= 1e-7 * max(1.0, hi):
                    break
                mid = 0.5 * (lo + hi)
                if allocate(topo, flows, mid).saturated.any():
                    hi = mid
                else:
                    lo = mid
            first = allocate(topo, flows, hi)
            result.first_saturation = hi
            result.first_saturated = [flows.resource_ids[r] for r in np.flatnonzero(first.saturated)]
        previous = float(scale)
    return result
