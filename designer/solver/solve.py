"""Solve a design: admission, floor reduction, allocation, and the report (SPEC §5, §8).

``solve(topology)`` = ``compile_flows`` (routing) + ``allocate`` (numbers). The
``Solution`` keeps numpy arrays; the SPEC §8 report dictionary is built only when
asked for (``to_report``), so interactive re-solves and sweeps stay cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..model.columns import GuestColumns
from ..model.rules import Problem, check_design, problem
from ..model.topology import Topology
from .allocate import max_min_fair
from .flows import MODE_NAMES, RESOURCE_KINDS, FlowSet, compile_flows

REPORT_FORMAT = "rackio-report"
REPORT_VERSION = 1
FLOOR_TOLERANCE = 1e-6  # SPEC §5: floor_met is x ≥ floor − 1e-6
SATURATION_TOLERANCE = 1e-9


@dataclass
class Solution:
    flows: FlowSet
    scale: float
    rate: np.ndarray
    bottleneck: np.ndarray
    floor: np.ndarray  # original floor m_f = min(min, demand)
    admitted_floor: np.ndarray  # floor after admission reduction
    cap: np.ndarray
    demand: np.ndarray
    load: np.ndarray
    reserved: np.ndarray
    admission: list[dict]
    problems: list[Problem]
    rounds: int = 0
    server_vmm_cores: dict[str, float] = field(default_factory=dict)
    vmm_capacity: dict[str, float] = field(default_factory=dict)

    # ------------------------------------------------------------- summaries
    @cached_property
    def utilization(self) -> np.ndarray:
        cap = self.flows.capacity
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.where(cap > 0, self.load / np.where(cap > 0, cap, 1.0), 0.0)
        # A zero-capacity resource that blocks traffic is full.
        blocked = (cap <= 0) & (self.resource_flow_count > 0)
        u[blocked] = 1.0
        return u

    @cached_property
    def resource_flow_count(self) -> np.ndarray:
        fs = self.flows
        return np.bincount(fs.entry_resource, minlength=len(fs.resource_ids))

    @cached_property
    def saturated(self) -> np.ndarray:
        cap = self.flows.capacity
        return (self.resource_flow_count > 0) & (
            self.load >= cap - SATURATION_TOLERANCE * np.maximum(1.0, cap)
        )

    @cached_property
    def floor_met(self) -> np.ndarray:
        return self.rate >= self.floor - FLOOR_TOLERANCE

    @property
    def peak_utilization(self) -> float:
        return float(self.utilization.max()) if self.utilization.size else 0.0

    @property
    def peak_resource(self) -> str | None:
        """The most utilised resource (ties: the smallest id); None when nothing carries load."""
        util = self.utilization
        if not util.size or util.max() <= 0:
            return None
        ids = self.flows.resource_ids
        top = np.flatnonzero(util >= util.max() - 1e-9)
        return min(ids[r] for r in top)

    @property
    def total_vmm_cores(self) -> float:
        return float(sum(self.server_vmm_cores.values()))

    @property
    def guarantees_missed(self) -> int:
        return int(np.count_nonzero(~self.floor_met))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def vmm_cores_by_mode(self) -> dict[str, dict[str, float]]:
        """Cores each server's VMM spends per attachment mode (for stacked plots)."""
        fs = self.flows
        out: dict[str, dict[str, float]] = {sid: {} for sid in fs.server_ids}
        cores = fs.kappa * self.rate
        mask = cores > 0
        if not mask.any():
            return out
        # One sum per (server, mode), added in flow order as a loop would (bincount adds its
        # weights in order), each server's modes in the order its flows first use them.
        n_modes = len(MODE_NAMES)
        key = fs.server[mask].astype(np.int64) * n_modes + fs.mode[mask]
        sums = np.bincount(key, weights=cores[mask]).tolist()
        used, first = np.unique(key, return_index=True)
        server_ids = fs.server_ids
        for k in used[np.argsort(first, kind="stable")].tolist():
            out[server_ids[k // n_modes]][MODE_NAMES[k % n_modes]] = sums[k]
        return out

    # ----------------------------------------------------------------- report
    def flow_records(self) -> list[dict]:
        fs = self.flows
        records = []
        res_ids = fs.resource_ids
        start = fs.flow_entry_start
        entry_res = fs.entry_resource.tolist()
        rate = self.rate.tolist()
        vm_ids = fs.vm_ids
        for f in range(fs.n_flows):
            b = int(self.bottleneck[f])
            records.append({
                "id": fs.flow_id(f),
                "vm": vm_ids[f],
                "vnic": int(fs.vnic_index[f]),
                "direction": "rx" if fs.direction[f] else "tx",
                "mode": MODE_NAMES[fs.mode[f]],
                "demand_gbps": _num(self.demand[f]),
                "floor_gbps": _num(self.floor[f]),
                "cap_gbps": _num(self.cap[f]),
                "rate_gbps": _num(rate[f]),
                "floor_met": bool(self.floor_met[f]),
                "bottleneck": res_ids[b] if b >= 0 else None,
                "path": [res_ids[r] for r in entry_res[start[f]:start[f + 1]]],
                "admitted_floor_gbps": _num(self.admitted_floor[f]),
                "vmm_cores": _num(fs.kappa[f] * rate[f]),
                "routed": bool(fs.routed[f]),
            })
        return records

    def resource_records(self) -> list[dict]:
        fs = self.flows
        util = self.utilization
        order = sorted(range(len(fs.resource_ids)), key=lambda r: (fs.resource_kind[r], r))
        return [
            {
                "id": rid,
                "kind": RESOURCE_KINDS[fs.resource_kind[r]],
                "element": fs.resource_element[r],
                "capacity": _num(fs.capacity[r]),
                "load": _num(self.load[r]),
                "utilization": _num(util[r]),
                "reserved": _num(self.reserved[r]),
                "saturated": bool(self.saturated[r]),
            }
            for r in order
            for rid in (fs.resource_ids[r],)
        ]

    def server_records(self, topo: Topology | None = None) -> list[dict]:
        fs = self.flows
        by_mode = self.vmm_cores_by_mode()
        out = []
        load, util = self.load.tolist(), self.utilization.tolist()  # Python floats, read faster one by one
        for sid in fs.server_ids:
            r = fs.server_vmm_resource.get(sid)
            cores = float(load[r]) if r is not None else 0.0
            capacity = self.vmm_capacity.get(sid, 0.0)
            # Same figure as the vmm:<server> resource (a zero budget that blocks traffic is full).
            utilization = float(util[r]) if r is not None else 0.0
            out.append({
                "id": sid,
                "vmm_cores": _num(cores),
                "vmm_capacity_cores": _num(capacity),
                "vmm_utilization": _num(utilization),
                "vmm_cores_by_mode": {k: _num(v) for k, v in by_mode[sid].items()},
            })
        return out

    def to_report(self) -> dict:
        return {
            "format": REPORT_FORMAT,
            "version": REPORT_VERSION,
            "scale": _num(self.scale),
            "flows": self.flow_records(),
            "resources": self.resource_records(),
            "servers": self.server_records(),
            "admission": self.admission,
            "problems": [p.to_dict() for p in self.problems],
            "summary": self.report_summary(),
        }

    def report_summary(self) -> dict:
        return {
            "peak_utilization": _num(self.peak_utilization),
            "peak_resource": self.peak_resource,
            "vmm_cores": _num(self.total_vmm_cores),
            "guarantees_missed": self.guarantees_missed,
            "flows": self.flows.n_flows,
        }

    def write_report(self, out) -> None:
        """Write ``to_report()`` as JSON text, exactly as ``json.dump(..., indent=2)`` would,
        without building the dictionaries (see ``report_json``)."""
        from .report_json import write_report

        write_report(self, out)


def _num(x: float) -> float | int:
    """Rates are exact to 1e-6; round away float noise so 5.0 prints as 5.0."""
    value = round(float(x), 9)
    return 0.0 if value == 0 else value


def solve(topo: Topology, scale: float = 1.0, columns: GuestColumns | None = None) -> Solution:
    """Route and allocate the whole design. ``columns``: the loader's columns of this design,
    unedited since it was loaded (``model.columns``); the same solution, sooner."""
    flows = compile_flows(topo, columns)
    return allocate(topo, flows, scale, design_problems=check_design(topo, columns=columns))


def allocate(topo: Topology, flows: FlowSet, scale: float = 1.0,
             design_problems: list[Problem] | None = None) -> Solution:
    """Allocate rates for a compiled FlowSet with all demands multiplied by ``scale``."""
    demand = flows.demand * scale
    floor = np.minimum(flows.min_gbps, demand)
    cap = np.minimum(demand, flows.max_gbps)
    floor = np.minimum(floor, cap)  # a guarantee above the cap: the cap wins
    routed = flows.routed
    n_res = len(flows.resource_ids)
    ef, er, ec = flows.entry_flow, flows.entry_resource, flows.entry_coef
    capacity = flows.capacity
    # A minimum the driver cannot enforce (SPEC §9) is reported and checked, never reserved.
    solved_floor = np.where(flows.floor_enforced, floor, 0.0)

    reserved = np.bincount(er, ec * solved_floor[ef], minlength=n_res)
    over = reserved > capacity + SATURATION_TOLERANCE * np.maximum(1.0, capacity)
    admission: list[dict] = []
    problems: list[Problem] = list(design_problems or []) + list(flows.problems)
    admitted = solved_floor.copy()
    admitted[~routed] = 0.0
    if over.any():
        for r in np.flatnonzero(over):
            rid = flows.resource_ids[r]
            admission.append({"resource": rid, "reserved": _num(reserved[r]), "capacity": _num(capacity[r])})
            problems.append(problem(
                "guarantee-oversubscribed", flows.resource_element[r],
                f"Guaranteed minimums on {rid} add up to {reserved[r]:.6g} "
                f"{'cores' if rid.startswith('vmm:') else 'Gbit/s'}, more than its capacity "
                f"{capacity[r]:.6g}; they are scaled down to fit."))
        # Floors shrink to the max-min fair vector with weights and caps equal to the floors.
        has_floor = admitted > 0
        sub = np.flatnonzero(has_floor)
        remap = np.full(flows.n_flows, -1, dtype=np.int64)
        remap[sub] = np.arange(sub.size)
        keep = has_floor[ef]
        red = max_min_fair(remap[ef[keep]], er[keep], ec[keep], capacity,
                           np.zeros(sub.size), admitted[sub], admitted[sub])
        admitted[sub] = red.rate

    # Unrouted flows get nothing; allocate the routed ones.
    idx = np.flatnonzero(routed)
    rate = np.zeros(flows.n_flows)
    bottleneck = np.full(flows.n_flows, -1, dtype=np.int64)
    rounds = 0
    if idx.size == flows.n_flows:
        alloc = max_min_fair(ef, er, ec, capacity, admitted, cap, flows.weight)
        rate, bottleneck, load, rounds = alloc.rate, alloc.bottleneck, alloc.load, alloc.rounds
    else:
        remap = np.full(flows.n_flows, -1, dtype=np.int64)
        remap[idx] = np.arange(idx.size)
        keep = routed[ef]
        alloc = max_min_fair(remap[ef[keep]], er[keep], ec[keep], capacity,
                             admitted[idx], cap[idx], flows.weight[idx])
        rate[idx] = alloc.rate
        bottleneck[idx] = alloc.bottleneck
        load, rounds = alloc.load, alloc.rounds

    solution = Solution(
        flows=flows, scale=scale, rate=rate, bottleneck=bottleneck, floor=floor,
        admitted_floor=admitted, cap=cap, demand=demand, load=load, reserved=reserved,
        admission=admission, problems=problems, rounds=rounds,
    )
    missed = np.flatnonzero(~solution.floor_met & routed)
    for f in missed.tolist():
        problems.append(problem(
            "floor-missed", flows.vm_id(f),
            f"{flows.flow_id(f)} gets {rate[f]:.6g} Gbit/s, below its guaranteed {floor[f]:.6g} Gbit/s."))
    problems.extend(_saturation_problems(flows, solution, scale))
    for sid in flows.server_ids:
        vmm = flows.server_vmm_resource.get(sid)
        solution.server_vmm_cores[sid] = float(load[vmm]) if vmm is not None else 0.0
        server = topo.elements.get(sid)
        solution.vmm_capacity[sid] = float(getattr(server, "vmm_io_cores", 0.0))
    return solution


def _saturation_problems(flows: FlowSet, solution: Solution, scale: float) -> list[Problem]:
    """``saturated`` (SPEC §10): one warning per resource at 100 % of its capacity at the solved
    demand, named on the element that owns it (NIC, link or server), in report order."""
    full = np.flatnonzero(solution.saturated)
    if not full.size:
        return []
    n_res = len(flows.resource_ids)
    stopped = solution.bottleneck[solution.bottleneck >= 0]
    limited = np.bincount(stopped, minlength=n_res)
    crossing = solution.resource_flow_count
    demand = "" if scale == 1.0 else f" at ×{scale:g} demand"
    found = []
    for r in sorted(full.tolist(), key=lambda r: (flows.resource_kind[r], r)):
        rid = flows.resource_ids[r]
        unit = "cores" if rid.startswith("vmm:") else "Gbit/s"
        n = int(limited[r])
        if n:
            effect = f"it limits {n} of the {int(crossing[r])} flows crossing it"
        else:
            effect = f"no flow is held back by it yet ({int(crossing[r])} cross it), but nothing more fits"
        found.append(problem(
            "saturated", flows.resource_element[r],
            f"{rid} is full{demand}: {solution.load[r]:.6g} of {flows.capacity[r]:.6g} {unit}; {effect}."))
    return found
