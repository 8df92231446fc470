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
