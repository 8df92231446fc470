"""Weighted max-min fair allocation with floors and caps (SPEC §5), in numpy.

The problem: flows f with weight w_f > 0, floor m_f and cap M_f (m_f ≤ M_f),
resources r with capacity c_r, and non-negative coefficients A[r, f]. Progressive
filling raises a level t from 0; every flow that is not frozen sits at
clamp(w_f·t, m_f, M_f); a resource saturates when its load reaches capacity and
freezes every unfrozen flow crossing it.

How it is computed exactly and fast. For a resource r, with the flows frozen so
far fixed, the load g_r(t) = F_r + Σ a·w·clip(t, m/w, M/w) is piecewise linear and
non-decreasing in t, so the level t_r at which r alone would saturate is found by
walking its sorted breakpoints — for all resources at once with segmented
cumulative sums. A resource whose t_r is no larger than the t of every resource
it shares an unfrozen flow with saturates at exactly t_r whatever else happens
(levels only rise as other flows freeze), so all such local minima are settled in
the same round. Each round settles at least the global minimum, and in practice a
handful of rounds settle a whole data centre, instead of one event per iteration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Relative tolerance for "the load has reached capacity".
REL_TOL = 1e-11


@dataclass
class Allocation:
    rate: np.ndarray  # x_f
    bottleneck: np.ndarray  # resource index that froze f, or -1 when f reached its cap
    load: np.ndarray  # Σ_f A[r, f] x_f per resource
    rounds: int


def max_min_fair(
    entry_flow: np.ndarray,
    entry_resource: np.ndarray,
    entry_coef: np.ndarray,
    capacity: np.ndarray,
    floor: np.ndarray,
    cap: np.ndarray,
    weight: np.ndarray,
) -> Allocation:
    """Allocate rates.

    ``entry_*`` list the non-zero coefficients of A as (flow, resource, coef)
    triples, sorted by flow and, within a flow, in route order (the first
    saturated resource on the route is named as the bottleneck on ties).
    The floors must fit (A·floor ≤ capacity); admission makes sure of that.
    """
    entry_flow = np.asarray(entry_flow, dtype=np.int64)
    entry_resource = np.asarray(entry_resource, dtype=np.int64)
    entry_coef = np.asarray(entry_coef, dtype=np.float64)
    capacity = np.asarray(capacity, dtype=np.float64)
    floor = np.asarray(floor, dtype=np.float64)
    cap = np.asarray(cap, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.float64)
    n_flows = floor.shape[0]
    n_res = capacity.shape[0]

    rate = cap.copy()
    bottleneck = np.full(n_flows, -1, dtype=np.int64)
    if n_flows == 0 or entry_flow.size == 0:
        load = np.bincount(entry_resource, entry_coef * rate[entry_flow], minlength=n_res) if n_res else np.zeros(0)
        return Allocation(rate, bottleneck, load, 0)

    lo = floor / weight  # level at which a flow starts to rise
    hi = cap / weight  # level at which it reaches its cap
    slope = entry_coef * weight[entry_flow]
    tol = REL_TOL * np.maximum(1.0, capacity)

    # Entries in resource order, each contributing two breakpoint events.
    order = np.lexsort((entry_flow, entry_resource))
    ev_entry = np.concatenate([order, order])
    ev_time = np.concatenate([lo[entry_flow[order]], hi[entry_flow[order]]])
    ev_sign = np.concatenate([np.ones(order.size), -np.ones(order.size)])
    ev_res = entry_resource[ev_entry]
    ev_order = np.lexsort((ev_time, ev_res))
    ev_entry, ev_time, ev_sign, ev_res = ev_entry[ev_order], ev_time[ev_order], ev_sign[ev_order], ev_res[ev_order]

    active_flow = np.ones(n_flows, dtype=bool)
    frozen_load = np.zeros(n_res)
    rounds = 0
    e_flow, e_res, e_slope = entry_flow, entry_resource, slope
    e_pos = np.arange(entry_flow.size)  # position within flow-major order

    while True:
        rounds += 1
        # Keep only events and entries of flows still rising.
        keep_ev = active_flow[entry_flow[ev_entry]]
        if not keep_ev.all():
            ev_entry, ev_time, ev_sign, ev_res = ev_entry[keep_ev], ev_time[keep_ev], ev_sign[keep_ev], ev_res[keep_ev]
            keep = active_flow[e_flow]
            e_flow, e_res, e_slope, e_pos = e_flow[keep], e_res[keep], e_slope[keep], e_pos[keep]
        if ev_entry.size == 0:
            break

        level = _saturation_levels(ev_res, ev_time, ev_sign * slope[ev_entry], frozen_load,
                                   floor_load(e_res, e_flow, entry_coef, e_pos, floor, n_res), capacity, tol)
        e_level = level[e_res]
        # Lowest level among each active flow's resources (entries are flow-major).
        starts = np.flatnonzero(np.r_[True, e_flow[1:] != e_flow[:-1]])
        flows_here = e_flow[starts]
        flow_min = np.full(n_flows, np.inf)
        flow_min[flows_here] = np.minimum.reduceat(e_level, starts)
        # Lowest level among the flows sharing each resource.
        res_min = np.full(n_res, np.inf)
        np.minimum.at(res_min, e_res, flow_min[e_flow])
        settle_res = np.isfinite(level) & (level <= res_min)
        if not settle_res.any():
            break
        hit = settle_res[e_res]
        settled_flows = np.unique(e_flow[hit])
        t = flow_min[settled_flows]
        x = np.clip(weight[settled_flows] * t, floor[settled_flows], cap[settled_flows])
        rate[settled_flows] = x
        # Bottleneck: first resource on the route that settled at the flow's level,
        # unless the flow had already reached its cap.
        hit_idx = np.flatnonzero(hit & (e_level <= flow_min[e_flow]))
        first = hit_idx[np.r_[True, e_flow[hit_idx][1:] != e_flow[hit_idx][:-1]]]
        reached_cap = x >= cap[settled_flows] - 1e-12 * np.maximum(1.0, cap[settled_flows])
        bn = np.full(n_flows, -1, dtype=np.int64)
        bn[e_flow[first]] = e_res[first]
        bottleneck[settled_flows] = np.where(reached_cap, -1, bn[settled_flows])
        active_flow[settled_flows] = False
        # Fixed load the settled flows put on every resource they cross.
        sel = active_flow[e_flow] == False  # noqa: E712 - numpy mask
        frozen_load += np.bincount(e_res[sel], entry_coef[e_pos[sel]] * rate[e_flow[sel]], minlength=n_res)

    load = np.bincount(entry_resource, entry_coef * rate[entry_flow], minlength=n_res)
    return Allocation(rate, bottleneck, load, rounds)


def floor_load(e_res, e_flow, entry_coef, e_pos, floor, n_res) -> np.ndarray:
    """Σ a·floor over the active entries of each resource (the load at t = 0)."""
    return np.bincount(e_res, entry_coef[e_pos] * floor[e_flow], minlength=n_res)


def _saturation_levels(ev_res, ev_time, ev_delta, frozen_load, base_active, capacity, tol) -> np.ndarray:
    """For every resource, the level t at which its load reaches capacity (inf if never).

    Events are sorted by (resource, time); each changes the resource's slope by
    ``ev_delta`` at ``ev_time``. The load at t = 0 is frozen_load + base_active.
    """
    n_res = capacity.shape[0]
    level = np.full(n_res, np.inf)
    base = frozen_load + base_active
    seg_start = np.r_[True, ev_res[1:] != ev_res[:-1]]
    starts = np.flatnonzero(seg_start)
    seg_res = ev_res[starts]
    seg_id = np.cumsum(seg_start) - 1

    # Slope after each event (segmented cumulative sum).
    cs = np.cumsum(ev_delta)
    offset = np.r_[0.0, cs[starts[1:] - 1]] if starts.size > 1 else np.zeros(1)
    slope_after = cs - offset[seg_id]
    last = np.r_[ev_res[1:] != ev_res[:-1], True]
    dt = np.r_[np.diff(ev_time), 0.0]
    dt[last] = 0.0
    gain = slope_after * dt
    # Load at each event's time: base + gains of the earlier intervals of its segment.
    cg = np.cumsum(gain)
    before = cg - gain
    g_off = before[starts]
    value = base[ev_res] + (before - g_off[seg_id])
    value_next = value + gain
    target = capacity[ev_res] - tol[ev_res]

    # Saturated already at t = 0 (floors and frozen flows fill it).
    full_at_zero = base[seg_res] >= capacity[seg_res] - tol[seg_res]
    level[seg_res[full_at_zero]] = 0.0

    crossing = np.flatnonzero((value_next >= target) & (value < target))
    if crossing.size:
        seg_of = seg_id[crossing]
        first_mask = np.r_[True, seg_of[1:] != seg_of[:-1]]
        crossing = crossing[first_mask]
        res = ev_res[crossing]
        todo = ~full_at_zero[seg_id[crossing]]
        crossing, res = crossing[todo], res[todo]
        s = slope_after[crossing]
        t = ev_time[crossing] + (capacity[res] - value[crossing]) / s
        t = np.minimum(np.maximum(t, ev_time[crossing]), ev_time[crossing] + dt[crossing])
        level[res] = t
    return level
