"""An independent oracle for weighted max-min fairness with floors and caps (SPEC §5).

It shares no code with ``designer.solver.allocate``: it solves a sequence of linear
programs with ``scipy.optimize.linprog(method="highs")``.

The target vector is the one progressive filling reaches: a level t rises from 0;
every flow f not yet frozen sits at ``lb_f(t) = clamp(w_f·t, m_f, M_f)``; a flow
freezes when it reaches its cap or when a resource it crosses saturates.

Round k (frozen flows held at their values v):

1. *Level LP* — maximise t subject to A·x ≤ c, m ≤ x ≤ M, x_f ≥ w_f·t for every
   unfrozen f, x_f = v_f for frozen f, 0 ≤ t ≤ T.  Because every constraint only
   gets harder as t rises and the componentwise smallest admissible point at a
   level t is exactly lb(t) (x_f ≥ w_f·t together with x_f ≥ m_f is
   x_f ≥ max(m_f, w_f·t)), the optimum t* is the first level at which lb(t) stops
   being feasible: a resource saturates or an unfrozen flow hits its cap (x ≤ M
   together with x_f ≥ w_f·t bounds t by M_f / w_f).

2. *Freeze test* — with t fixed at t*, which unfrozen flows can still rise above
   lb_f(t*)?  For each unfrozen f: maximise x_f subject to A·x ≤ c, x ≤ M, the other
   unfrozen g kept at x_g ≥ lb_g(t*), frozen fixed.  lb(t*) is the smallest point of
   that set, so x_f can exceed lb_f(t*) iff no resource f crosses is tight at lb(t*)
   and f is below its cap — exactly the flows that progressive filling keeps
   raising.  The others freeze at lb_f(t*) = max(m_f, min(w_f·t*, M_f)).
   (A first LP maximising Σ x over the unfrozen flows proves many flows free at
   once; only the rest get their own LP.)

Rounds repeat until every flow is frozen.  Each round freezes at least one flow.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

_OPTIONS = {
    "primal_feasibility_tolerance": 1e-10,
    "dual_feasibility_tolerance": 1e-10,
    "presolve": True,
}


def dense_matrix(n_flows, n_res, entry_flow, entry_resource, entry_coef) -> np.ndarray:
    A = np.zeros((n_res, n_flows))
    for f, r, a in zip(entry_flow, entry_resource, entry_coef):
        A[int(r), int(f)] += float(a)
    return A


def _lp(c, A_ub, b_ub, bounds):
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs", options=_OPTIONS)
    if res.status != 0:
        raise RuntimeError(f"oracle LP failed: {res.message}")
    return res


def lp_max_min_fair(A, capacity, floor, cap, weight, *, max_rounds=None) -> np.ndarray:
    """The weighted max-min fair vector on {A·x ≤ c, floor ≤ x ≤ cap}.

    ``A`` is dense (resources × flows) with non-negative entries; caps must be
    finite and the floors feasible (A·floor ≤ c up to rounding).
    """
    A = np.asarray(A, dtype=float)
    c = np.asarray(capacity, dtype=float)
    m = np.asarray(floor, dtype=float)
    M = np.asarray(cap, dtype=float)
    w = np.asarray(weight, dtype=float)
    n = m.size
    if n == 0:
        return np.zeros(0)
    assert np.all(np.isfinite(M)), "the oracle needs finite caps"
    assert np.all(m <= M + 1e-12) and np.all(w > 0)
    n_res = c.size
    if n_res:
        # Floors must fit; an excess within rounding is rounding, so absorb it
        # rather than let HiGHS declare the problem infeasible.
        reserved = A @ m
        assert np.all(reserved <= c + 1e-9 * np.maximum(1.0, c)), "floors do not fit"
        c = np.maximum(c, reserved)
    T = float(np.max(M / w)) + 1.0  # keeps the level LP bounded

    frozen = np.zeros(n, dtype=bool)
    value = np.zeros(n)
    rounds = 0
    limit = max_rounds or (n + 1)

    while not frozen.all():
        rounds += 1
        if rounds > limit:
            raise RuntimeError("oracle made no progress")
        free = np.flatnonzero(~frozen)

        # 1. Level LP over (x, t). Frozen values come from earlier LPs and may
        # overfill a resource by their tolerance; absorb that excess.
        c_round = np.maximum(c, A @ np.where(frozen, value, m)) if n_res else c
        A_ub = [np.hstack([A, np.zeros((n_res, 1))])] if n_res else []
        b_ub = [c_round] if n_res else []
        rows = np.zeros((free.size, n + 1))
        rows[np.arange(free.size), free] = -1.0
        rows[:, n] = w[free]
        A_ub.append(rows)
        b_ub.append(np.zeros(free.size))
        bounds = [(value[f], value[f]) if frozen[f] else (m[f], M[f]) for f in range(n)] + [(0.0, T)]
        obj = np.zeros(n + 1)
        obj[n] = -1.0
        res = _lp(obj, np.vstack(A_ub), np.concatenate(b_ub), bounds)
        t_star = float(res.x[n])

        # 2. Freeze test at t*.
        lb = np.maximum(m, np.minimum(w * t_star, M))
        base_bounds = [(value[f], value[f]) if frozen[f] else (lb[f], M[f]) for f in range(n)]
        A_x = A if n_res else None
        # lb(t*) is feasible up to the level LP's tolerance; absorb that excess.
        b_x = np.maximum(c, A @ np.where(frozen, value, lb)) if n_res else None

        def slack_tol(f):
            return 1e-7 * max(1.0, lb[f])

        can_rise = np.zeros(n, dtype=bool)
        headroom = np.full(n, np.inf)
        obj = np.zeros(n)
        obj[free] = -1.0
        res = _lp(obj, A_x, b_x, base_bounds)
        for f in free:
            gain = res.x[f] - lb[f]
            if gain > slack_tol(f):
                can_rise[f] = True
                headroom[f] = gain
        for f in free:
            if can_rise[f]:
                continue
            bounds = list(base_bounds)
            bounds[f] = (m[f], M[f])
            obj = np.zeros(n)
            obj[f] = -1.0
            res = _lp(obj, A_x, b_x, bounds)
            gain = res.x[f] - lb[f]
            headroom[f] = gain
            can_rise[f] = gain > slack_tol(f)

        stuck = free[~can_rise[free]]
        if stuck.size == 0:
            # Only floating-point noise can get here: freeze the flow with least room.
            stuck = free[[int(np.argmin(headroom[free]))]]
        value[stuck] = lb[stuck]
        frozen[stuck] = True
    return value


# --------------------------------------------------------------------------------
# The SPEC as a linear program, straight from a design document.
#
# ``spec_problem`` reads a small design (one switch ``tor`` uplinked to one network
# ``wan``, every NIC port cabled to ``tor``) and writes down, from SPEC §2–§5 and
# §9 alone, each flow's resources and coefficients, demand, floor and cap. It shares
# nothing with ``designer.solver``: no routing code, no FlowSet, no numpy tricks.

DEFAULT_TAU = {"emulated": 7.5, "paravirtual": 1.5, "vf": 0.0, "passthrough": 0.0}


def spec_problem(doc: dict) -> dict:
    """Flows (in SPEC order) with their route and numbers; resources with capacities."""
    by_id = {e["id"]: e for e in doc["elements"]}
    tor = by_id["tor"]
    uplink = next(link for link in doc["links"] if {link["a"], link["b"]} == {"tor", "wan"})
    uplink_id = uplink.get("id", f"{uplink['a']}--{uplink['b']}")
    ab = "ab" if uplink["a"] == "tor" else "ba"
    ba = "ba" if ab == "ab" else "ab"
    capacity: dict[str, float] = {}
    flows: list[dict] = []
    for vm in (e for e in doc["elements"] if e["kind"] == "vm"):
        server = by_id[vm["parent"]]
        for index, vnic in enumerate(vm["vnics"]):
            mode = vnic["mode"]
            if mode == "vf":
                vf = by_id[vnic["vf"]]
                nic = by_id[vf["parent"]]
                port = vf.get("port", 0)
                minimum, maximum = vf.get("min_gbps", 0.0), vf.get("max_gbps", 0.0)
                min_enforced = nic.get("vf_min_rate", True)
                if not nic.get("vf_max_rate", True):
                    maximum = 0.0  # the driver cannot cap it: no cap
            else:
                nic = by_id[vnic["nic"]]
                port = vnic.get("port", 0)
                minimum, maximum = vnic.get("min_gbps", 0.0), vnic.get("max_gbps", 0.0)
                min_enforced = True
            speed = min(nic.get("port_gbps", 25.0), tor.get("port_gbps", 25.0))
            tau = DEFAULT_TAU[mode]
            bytes_ = vnic.get("packet_bytes", 1500)
            if vnic.get("tx_gbps", 0.0) <= 0 and vnic.get("rx_gbps", 0.0) <= 0:
                continue
            # A route is listed in both directions once anything uses it (SPEC §8: every
            # resource on any route), whichever direction carries traffic.
            for direction in ("tx", "rx"):
                capacity[f"pcie:{nic['id']}:{direction}"] = nic.get("pcie_gbps", 63.0)
                if nic.get("throughput_gbps", 0.0) > 0:
                    capacity[f"nic:{nic['id']}:{direction}"] = nic["throughput_gbps"]
                capacity[f"port:{nic['id']}:{port}:{direction}"] = speed
                capacity[f"link:{uplink_id}:{ab if direction == 'tx' else ba}"] = uplink.get("gbps", 100.0)
            for direction, demand in (("tx", vnic.get("tx_gbps", 0.0)), ("rx", vnic.get("rx_gbps", 0.0))):
                if demand <= 0:
                    continue
                kappa = tau * 125.0 / bytes_
                if direction == "rx" and nic.get("vmdq", False):
                    kappa *= 0.43
                route: list[tuple[str, float]] = []
                hops: list[tuple[str, float, float]] = [
                    (f"pcie:{nic['id']}:{direction}", nic.get("pcie_gbps", 63.0), 1.0)]
                if nic.get("throughput_gbps", 0.0) > 0:
                    hops.append((f"nic:{nic['id']}:{direction}", nic["throughput_gbps"], 1.0))
                hops.append((f"port:{nic['id']}:{port}:{direction}", speed, 1.0))
                hops.append((f"link:{uplink_id}:{ab if direction == 'tx' else ba}", uplink.get("gbps", 100.0), 1.0))
                if direction == "rx":
                    hops.reverse()
                if kappa > 0:
                    vmm = (f"vmm:{server['id']}", server.get("vmm_io_cores", 4.0), kappa)
                    hops = [vmm] + hops if direction == "tx" else hops + [vmm]
                for rid, cap_r, coef in hops:
                    capacity[rid] = cap_r
                    route.append((rid, coef))
                cap = demand if direction == "rx" or maximum <= 0 else min(demand, maximum)
                floor = 0.0 if direction == "rx" else min(minimum, demand, cap)
                flows.append({"id": f"{vm['id']}/{index}/{direction}", "route": route, "demand": demand,
                              "cap": cap, "floor": floor, "solved_floor": floor if min_enforced else 0.0,
                              "weight": vnic.get("weight", 1.0)})
    return {"flows": flows, "capacity": capacity}


def spec_allocation(doc: dict) -> dict:
    """flow id -> (rate, requested floor, floor met), by SPEC §5 admission and allocation."""
    problem = spec_problem(doc)
    flows = problem["flows"]
    rids = sorted(problem["capacity"])
    row = {rid: i for i, rid in enumerate(rids)}
    A = np.zeros((len(rids), len(flows)))
    for f, flow in enumerate(flows):
        for rid, coef in flow["route"]:
            A[row[rid], f] += coef
    c = np.array([problem["capacity"][rid] for rid in rids])
    floor = np.array([flow["solved_floor"] for flow in flows])
    cap = np.array([flow["cap"] for flow in flows])
    weight = np.array([flow["weight"] for flow in flows])
    admitted = floor.copy()
    reserved = A @ floor
    if np.any(reserved > c + 1e-9 * np.maximum(1.0, c)):
        sub = np.flatnonzero(floor > 0)
        admitted[sub] = lp_max_min_fair(A[:, sub], c, np.zeros(sub.size), floor[sub], floor[sub])
    rate = lp_max_min_fair(A, c, admitted, cap, weight)
    return {
        "rate": {flow["id"]: float(x) for flow, x in zip(flows, rate)},
        "floor": {flow["id"]: flow["floor"] for flow in flows},
        "reserved": {rid: float(v) for rid, v in zip(rids, reserved)},
        "capacity": problem["capacity"],
        "paths": {flow["id"]: [rid for rid, _ in flow["route"]] for flow in flows},
    }
