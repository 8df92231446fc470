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

    tol = REL_TOL * np.maximum(1.0, capacity)
    all_flow, all_resource, all_coef = entry_flow, entry_resource, entry_coef
    # Only a resource that would overflow with every flow at its cap can ever
    # saturate (frozen flows sit at or below their caps); the others never stop
    # anyone, so the filling runs on the entries of these candidates alone.
    at_caps = np.bincount(entry_resource, entry_coef * cap[entry_flow], minlength=n_res)
    candidate = at_caps > capacity - tol
    if not candidate.any():
        return Allocation(rate, bottleneck, at_caps, 0)
    keep = candidate[entry_resource]
    entry_flow, entry_resource, entry_coef = entry_flow[keep], entry_resource[keep], entry_coef[keep]

    lo = floor / weight  # level at which a flow starts to rise
    hi = cap / weight  # level at which it reaches its cap
    slope = entry_coef * weight[entry_flow]

    # Entries in resource order, each contributing two breakpoint events.
    ev_entry, ev_time, ev_sign = _events_by_resource_and_time(entry_flow, entry_resource, lo, hi, n_res)
    ev_res = entry_resource[ev_entry]

    active_flow = np.zeros(n_flows, dtype=bool)
    active_flow[entry_flow] = True  # flows crossing no candidate simply get their caps
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
        starts = _segment_starts(e_flow)
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
        settled_mask = np.zeros(n_flows, dtype=bool)
        settled_mask[e_flow[hit]] = True
        settled_flows = np.flatnonzero(settled_mask)
        t = flow_min[settled_flows]
        x = np.clip(weight[settled_flows] * t, floor[settled_flows], cap[settled_flows])
        rate[settled_flows] = x
        # Bottleneck: first resource on the route that settled at the flow's level,
        # unless the flow had already reached its cap.
        hit_idx = np.flatnonzero(hit & (e_level <= flow_min[e_flow]))
        first = hit_idx[_segment_starts(e_flow[hit_idx])]
        reached_cap = x >= cap[settled_flows] - 1e-12 * np.maximum(1.0, cap[settled_flows])
        bn = np.full(n_flows, -1, dtype=np.int64)
        bn[e_flow[first]] = e_res[first]
        bottleneck[settled_flows] = np.where(reached_cap, -1, bn[settled_flows])
        active_flow[settled_flows] = False
        # Fixed load the settled flows put on every resource they cross.
        sel = active_flow[e_flow] == False  # noqa: E712 - numpy mask
        frozen_load += np.bincount(e_res[sel], entry_coef[e_pos[sel]] * rate[e_flow[sel]], minlength=n_res)

    load = np.bincount(all_resource, all_coef * rate[all_flow], minlength=n_res)
    return Allocation(rate, bottleneck, load, rounds)


def _events_by_resource_and_time(entry_flow, entry_resource, lo, hi, n_res):
    """Breakpoint events (a flow starts rising at lo, stops at hi) of every entry,
    sorted by resource and then time.

    Sorting the 2·flows breakpoint times once and then stably bucketing the
    expanded events by resource index (a radix sort on small integers) is much
    cheaper than a lexicographic sort of all 2·entries events.
    """
    n_flows = lo.shape[0]
    counts = np.bincount(entry_flow, minlength=n_flows)
    first = np.zeros(n_flows + 1, dtype=np.int64)
    np.cumsum(counts, out=first[1:])
    times = np.concatenate([lo, hi])
    t_order = np.argsort(times, kind="stable")
    flow_of = t_order % n_flows
    cnt = counts[flow_of]
    total = int(cnt.sum())
    run_start = np.zeros(cnt.size, dtype=np.int64)
    np.cumsum(cnt[:-1], out=run_start[1:])
    ev_entry = np.repeat(first[flow_of] - run_start, cnt) + np.arange(total, dtype=np.int64)
    ev_time = np.repeat(times[t_order], cnt)
    ev_sign = np.repeat(np.where(t_order < n_flows, 1.0, -1.0), cnt)
    key_type = np.uint16 if n_res < 2**16 else (np.uint32 if n_res < 2**32 else np.int64)
    by_res = np.argsort(entry_resource[ev_entry].astype(key_type), kind="stable")
    return ev_entry[by_res], ev_time[by_res], ev_sign[by_res]


def _segment_starts(keys: np.ndarray) -> np.ndarray:
    """Indices where a run of equal keys begins (keys grouped, e.g. sorted)."""
    if keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.empty(keys.size, dtype=bool)
    change[0] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    return np.flatnonzero(change)


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
    starts = _segment_starts(ev_res)
    seg_res = ev_res[starts]
    seg_len = np.diff(np.append(starts, ev_res.size))
    seg_id = np.repeat(np.arange(starts.size), seg_len)

    # Slope after each event (segmented cumulative sum).
    cs = np.cumsum(ev_delta)
    offset = np.concatenate([[0.0], cs[starts[1:] - 1]])
    slope_after = cs - np.repeat(offset, seg_len)
    dt = np.empty_like(ev_time)
    np.subtract(ev_time[1:], ev_time[:-1], out=dt[:-1])
    dt[starts[1:] - 1] = 0.0
    dt[-1] = 0.0
    gain = slope_after * dt
    # Load at each event's time: base + gains of the earlier intervals of its segment.
    cg = np.cumsum(gain)
    before = cg - gain
    g_off = before[starts]
    value = np.repeat(base[seg_res] - g_off, seg_len) + before
    value_next = value + gain
    target = np.repeat(capacity[seg_res] - tol[seg_res], seg_len)

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
