"""``max_min_fair`` against an independent LP oracle (SPEC §5), plus hand-computed cases.

The oracle (``lp_oracle.py``) solves sequential linear programs with HiGHS; it shares
no code with the solver. Random instances are small (≤ 8 flows, ≤ 6 resources) but
are built to hit the awkward corners: zero capacities, integer capacities and
weights that create simultaneous saturations, flows at their floors, floors that
exactly fill a resource, caps reached exactly when a resource saturates.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.model.topology import Topology
from designer.solver.allocate import max_min_fair
from designer.solver.flows import FlowSet
from designer.solver.solve import allocate
from lp_oracle import dense_matrix, lp_max_min_fair

RATE_TOL = 1e-6  # SPEC §8: rates are exact to 1e-6 Gbit/s
STRUCT_TOL = 1e-9


def close(got, want, tol=RATE_TOL) -> np.ndarray:
    got, want = np.asarray(got, float), np.asarray(want, float)
    return np.abs(got - want) <= tol * np.maximum(1.0, np.abs(want))


def assert_rates(got, want, what="rate"):
    got, want = np.asarray(got, float), np.asarray(want, float)
    ok = close(got, want)
    assert ok.all(), (
        f"{what} differs from the LP oracle at flows {np.flatnonzero(~ok).tolist()}:\n"
        f"  solver {got.tolist()}\n  oracle {want.tolist()}"
    )


# --------------------------------------------------------------------- instances
capacities = st.one_of(
    st.just(0.0),
    st.integers(1, 50).map(float),
    # Positive capacities from a thousandth up: the LP solver's own tolerance is about 1e-6,
    # so a capacity of 6e-8 Gbit/s tests HiGHS's rounding, not the allocation.
    st.floats(1e-3, 50.0, allow_nan=False, allow_subnormal=False),
)
coefficients = st.one_of(st.just(1.0), st.floats(0.01, 2.0, allow_nan=False))
demands = st.one_of(st.integers(1, 40).map(float), st.floats(0.1, 40.0, allow_nan=False))
weights = st.one_of(
    st.sampled_from([0.5, 1.0, 2.0, 3.0]),
    st.floats(0.1, 5.0, exclude_min=True, allow_nan=False),
)
floor_fractions = st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 1.0, allow_nan=False))


@st.composite
def instances(draw, feasible_floors=True):
    """A random allocation problem; entries flow-major, in (random) route order."""
    n_flows = draw(st.integers(1, 8))
    n_res = draw(st.integers(1, 6))
    capacity = np.array(draw(st.lists(capacities, min_size=n_res, max_size=n_res)))
    entry_flow, entry_resource, entry_coef = [], [], []
    for f in range(n_flows):
        route = draw(st.lists(st.integers(0, n_res - 1), min_size=1, max_size=min(4, n_res), unique=True))
        for r in route:
            entry_flow.append(f)
            entry_resource.append(r)
            entry_coef.append(draw(coefficients))
    cap = np.array(draw(st.lists(demands, min_size=n_flows, max_size=n_flows)))
    weight = np.array(draw(st.lists(weights, min_size=n_flows, max_size=n_flows)))
    floor = cap * np.array(draw(st.lists(floor_fractions, min_size=n_flows, max_size=n_flows)))
    entry_flow = np.array(entry_flow, dtype=np.int64)
    entry_resource = np.array(entry_resource, dtype=np.int64)
    entry_coef = np.array(entry_coef)
    A = dense_matrix(n_flows, n_res, entry_flow, entry_resource, entry_coef)
    if feasible_floors:
        # Scale floors down resource by resource until A·floor ≤ c; later scalings only
        # lower the loads of resources already handled, so one pass suffices. An
        # overloaded resource ends exactly full, so "saturated at t = 0" is common.
        for r in range(n_res):
            load = A[r] @ floor
            if load > capacity[r]:
                floor[A[r] > 0] *= capacity[r] / load
    return dict(entry_flow=entry_flow, entry_resource=entry_resource, entry_coef=entry_coef,
                capacity=capacity, floor=floor, cap=cap, weight=weight, A=A)


def run_solver(inst):
    return max_min_fair(inst["entry_flow"], inst["entry_resource"], inst["entry_coef"],
                        inst["capacity"], inst["floor"], inst["cap"], inst["weight"])


def assert_structure(A, c, m, M, w, x, bottleneck=None):
    """Feasibility and the max-min certificate of SPEC §5."""
    x = np.asarray(x, float)
    load = A @ x
    assert np.all(load <= c + STRUCT_TOL * np.maximum(1.0, c)), f"over capacity: load {load}, capacity {c}"
    assert np.all(x >= m - STRUCT_TOL * np.maximum(1.0, m)), f"below floor: {x} < {m}"
    assert np.all(x <= M + STRUCT_TOL * np.maximum(1.0, M)), f"above cap: {x} > {M}"
    saturated = load >= c - STRUCT_TOL * np.maximum(1.0, c)
    above_floor = x > m + STRUCT_TOL * np.maximum(1.0, m)
    level = x / w
    at_cap = x >= M - STRUCT_TOL * np.maximum(1.0, M)

    def certifies(f, r):
        """r is saturated, f crosses it and no flow above its floor on r has a larger x/w."""
        if not (A[r, f] > 0 and saturated[r]):
            return False
        others = (A[r] > 0) & above_floor
        return bool(np.all(level[others] <= level[f] + STRUCT_TOL * max(1.0, level[f])))

    for f in range(x.size):
        if at_cap[f]:
            continue
        assert any(certifies(f, r) for r in range(c.size)), (
            f"flow {f} (x={x[f]}, floor={m[f]}, cap={M[f]}) is below its cap but no saturated resource "
            f"it crosses makes it a max-min bottleneck"
        )
    if bottleneck is not None:
        for f, b in enumerate(np.asarray(bottleneck)):
            if b < 0:
                assert at_cap[f], f"flow {f} has no bottleneck but x={x[f]} is below its cap {M[f]}"
            else:
                assert certifies(f, int(b)), f"bottleneck {b} of flow {f} does not stop it (x={x}, load={load})"


# ------------------------------------------------------------ property: oracle
@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_matches_lp_oracle(inst):
    alloc = run_solver(inst)
    A, c = inst["A"], inst["capacity"]
    want = lp_max_min_fair(A, c, inst["floor"], inst["cap"], inst["weight"])
    assert_rates(alloc.rate, want)
    assert_structure(A, c, inst["floor"], inst["cap"], inst["weight"], alloc.rate, alloc.bottleneck)
    np.testing.assert_allclose(alloc.load, A @ alloc.rate, rtol=1e-12, atol=1e-12)


@settings(max_examples=300, deadline=None)
@given(instances(), st.randoms(use_true_random=False),
       st.sampled_from([0.5, 2.0, 8.0, 1e-3]), st.sampled_from([0.25, 3.0, 1e3]))
def test_invariances(inst, rnd, k_scale, k_weight):
    """Relabelling flows/resources permutes the result; scaling c, m, M by k scales x
    by k; scaling every weight by the same factor changes nothing."""
    base = run_solver(inst)
    n_flows, n_res = inst["cap"].size, inst["capacity"].size

    # Relabel flows and resources, keep each flow's route order, stay flow-major.
    pf = list(range(n_flows)); rnd.shuffle(pf)
    pr = list(range(n_res)); rnd.shuffle(pr)
    pf, pr = np.array(pf), np.array(pr)  # old flow f becomes pf[f]
    ef, er, ec = inst["entry_flow"], inst["entry_resource"], inst["entry_coef"]
    order = np.argsort(pf[ef], kind="stable")
    inv_f = np.argsort(pf)
    inv_r = np.argsort(pr)
    perm = max_min_fair(pf[ef][order], pr[er][order], ec[order], inst["capacity"][inv_r],
                        inst["floor"][inv_f], inst["cap"][inv_f], inst["weight"][inv_f])
    assert_rates(perm.rate[pf], base.rate, "relabelled rate")

    scaled = max_min_fair(ef, er, ec, inst["capacity"] * k_scale, inst["floor"] * k_scale,
                          inst["cap"] * k_scale, inst["weight"])
    assert_rates(scaled.rate / k_scale, base.rate, "rate with scaled units")

    reweighted = max_min_fair(ef, er, ec, inst["capacity"], inst["floor"], inst["cap"],
                              inst["weight"] * k_weight)
    assert_rates(reweighted.rate, base.rate, "rate with all weights scaled")


# -------------------------------------------------- property: admission path
def flowset_for(inst) -> FlowSet:
    """A FlowSet carrying exactly this instance (no servers, every flow routed, one VM per flow).

    FlowSet is an internal record whose layout evolves; the fields are matched by
    name so the test keeps working whichever way the VM of a flow is stored.
    """
    n_flows, n_res = inst["cap"].size, inst["capacity"].size
    counts = np.bincount(inst["entry_flow"], minlength=n_flows)
    start = np.zeros(n_flows + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    candidates = dict(
        vm_ids=[f"vm{f}" for f in range(n_flows)],  # older layout
        vm_names=[f"vm{f}" for f in range(n_flows)],  # newer layout: names + index per flow
        vm=np.arange(n_flows, dtype=np.int64),
        vnic_index=np.zeros(n_flows, dtype=np.int64),
        direction=np.zeros(n_flows, dtype=np.int8),
        mode=np.full(n_flows, 2, dtype=np.int8),
        demand=inst["cap"].copy(),
        min_gbps=inst["floor"].copy(),
        floor_enforced=np.ones(n_flows, dtype=bool),
        max_gbps=np.full(n_flows, math.inf),
        weight=inst["weight"].copy(),
        kappa=np.zeros(n_flows),
        server=np.zeros(n_flows, dtype=np.int64),
        routed=np.ones(n_flows, dtype=bool),
        resource_ids=[f"port:n{r}:0:tx" for r in range(n_res)],
        resource_kind=np.full(n_res, 2, dtype=np.int8),
        resource_element=[f"n{r}" for r in range(n_res)],
        capacity=inst["capacity"].copy(),
        entry_flow=inst["entry_flow"],
        entry_resource=inst["entry_resource"],
        entry_coef=inst["entry_coef"],
        flow_entry_start=start,
        server_ids=[],
        server_vmm_resource={},
    )
    names = {f.name for f in dataclasses.fields(FlowSet)}
    return FlowSet(**{k: v for k, v in candidates.items() if k in names})


def oracle_with_admission(A, c, floor, cap, weight):
    """SPEC §5 admission, then allocation — both by the LP oracle."""
    reserved = A @ floor
    over = reserved > c + 1e-9 * np.maximum(1.0, c)
    admitted = floor.copy()
    if over.any():
        sub = np.flatnonzero(floor > 0)
        admitted[sub] = lp_max_min_fair(A[:, sub], c, np.zeros(sub.size), floor[sub], floor[sub])
    return over, admitted, lp_max_min_fair(A, c, admitted, cap, weight)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(feasible_floors=False))
def test_admission_matches_lp_oracle(inst):
    A, c, floor, cap, w = inst["A"], inst["capacity"], inst["floor"], inst["cap"], inst["weight"]
    sol = allocate(Topology(), flowset_for(inst))
    over, admitted, want = oracle_with_admission(A, c, floor, cap, w)

    assert [a["resource"] for a in sol.admission] == [f"port:n{r}:0:tx" for r in np.flatnonzero(over)]
    for entry, r in zip(sol.admission, np.flatnonzero(over)):
        assert entry["capacity"] == pytest.approx(c[r], abs=1e-9)
        reserved_r = A[r] @ floor
        assert entry["reserved"] == pytest.approx(reserved_r, rel=1e-9, abs=1e-9)
        assert reserved_r > c[r]
    assert_rates(sol.admitted_floor, admitted, "admitted floor")
    assert_rates(sol.rate, want)
    # The reduced floors fit, and the final vector is max-min fair over them.
    assert np.all(A @ sol.admitted_floor <= c + 1e-9 * np.maximum(1.0, c))
    assert np.all(sol.admitted_floor <= floor + 1e-12)
    assert_structure(A, c, sol.admitted_floor, cap, w, sol.rate, sol.bottleneck)

    codes = [(p.code, p.element) for p in sol.problems]
    assert sorted(e for code, e in codes if code == "guarantee-oversubscribed") == \
        sorted(f"n{r}" for r in np.flatnonzero(over))
    missed = {e for code, e in codes if code == "floor-missed"}
    for f in range(floor.size):
        margin = want[f] - (floor[f] - 1e-6)
        if abs(margin) < 1e-7:
            continue  # too close to the 1e-6 threshold to call
        assert bool(sol.floor_met[f]) == (margin > 0)
        assert (f"vm{f}" in missed) == (margin < 0)


# ------------------------------------------------------------- hand-computed
def mmf(routes, capacity, floor=None, cap=None, weight=None, coef=None):
    """max_min_fair on routes given as lists of resource indices (flow-major)."""
    n = len(routes)
    ef = [f for f, route in enumerate(routes) for _ in route]
    er = [r for route in routes for r in route]
    ec = [1.0] * len(er) if coef is None else [a for row in coef for a in row]
    return max_min_fair(np.array(ef), np.array(er), np.array(ec), np.array(capacity, float),
                        np.zeros(n) if floor is None else np.array(floor, float),
                        np.full(n, 1000.0) if cap is None else np.array(cap, float),
                        np.ones(n) if weight is None else np.array(weight, float))


def test_floor_on_one_of_three_greedy_flows():
    # 10 G port, floor 5 on the first: it sits at 5, the others share 5 → 5 / 2.5 / 2.5.
    a = mmf([[0], [0], [0]], [10.0], floor=[5, 0, 0], cap=[100, 100, 100])
    np.testing.assert_allclose(a.rate, [5.0, 2.5, 2.5], atol=1e-12)
    assert a.bottleneck.tolist() == [0, 0, 0]


def test_weights_split_a_port():
    # Shares 100 : 100 : 50 on 10 G → 4 / 4 / 2.
    a = mmf([[0], [0], [0]], [10.0], weight=[100, 100, 50])
    np.testing.assert_allclose(a.rate, [4.0, 4.0, 2.0], atol=1e-12)


def test_caps_free_capacity_for_others():
    # A 1 G cap on one of three flows leaves 9 G for the other two.
    a = mmf([[0], [0], [0]], [10.0], cap=[1, 100, 100])
    np.testing.assert_allclose(a.rate, [1.0, 4.5, 4.5], atol=1e-12)
    assert a.bottleneck.tolist() == [-1, 0, 0]
    # Two ports in a row: flow 0 crosses both; port 1 (4 G) limits it and flow 2
    # to 2 each, so flow 1 alone on port 0 (10 G) takes the remaining 8.
    b = mmf([[0, 1], [0], [1]], [10.0, 4.0])
    np.testing.assert_allclose(b.rate, [2.0, 8.0, 2.0], atol=1e-12)
    assert b.bottleneck.tolist() == [1, 0, 1]
    # Caps cascade: 1 and 2 capped, the last flow takes 10 − 1 − 2 = 7.
    c = mmf([[0], [0], [0]], [10.0], cap=[1, 2, 50])
    np.testing.assert_allclose(c.rate, [1.0, 2.0, 7.0], atol=1e-12)
    assert c.bottleneck.tolist() == [-1, -1, 0]


def test_flow_at_its_floor_never_rises():
    # Floor 6 on a 10 G port with two unfloored flows: they share the 4 left (t = 2),
    # the floored flow stays at exactly 6 because the port saturates at t = 2 < 6.
    a = mmf([[0], [0], [0]], [10.0], floor=[6, 0, 0])
    np.testing.assert_allclose(a.rate, [6.0, 2.0, 2.0], atol=1e-12)
    assert a.bottleneck.tolist() == [0, 0, 0]
    # Floors that fill the port exactly: nobody rises, nobody goes below its floor.
    b = mmf([[0], [0], [0, 1]], [10.0, 50.0], floor=[7, 3, 0])
    np.testing.assert_allclose(b.rate, [7.0, 3.0, 0.0], atol=1e-12)
    assert b.bottleneck.tolist() == [0, 0, 0]


def test_zero_capacity_resource_blocks_everything_on_it():
    a = mmf([[0], [0, 1], [1]], [0.0, 10.0])
    np.testing.assert_allclose(a.rate, [0.0, 0.0, 10.0], atol=1e-12)
    assert a.bottleneck.tolist() == [0, 0, 1]
    b = mmf([[0], [0]], [0.0], weight=[3, 0.5], cap=[4, 9])
    np.testing.assert_allclose(b.rate, [0.0, 0.0], atol=0)


def test_vmm_coefficient_and_cap_reached_at_saturation():
    # κ = 0.125 cores per Gbit/s against 1 core: 8 Gbit/s.
    a = mmf([[0, 1]], [1.0, 25.0], coef=[[0.125, 1.0]])
    np.testing.assert_allclose(a.rate, [8.0], atol=1e-12)
    assert a.bottleneck.tolist() == [0]
    # Cap 5 reached exactly as the 10 G port fills: the cap is what stopped it.
    b = mmf([[0], [0]], [10.0], cap=[5, 5])
    np.testing.assert_allclose(b.rate, [5.0, 5.0], atol=1e-12)
    assert b.bottleneck.tolist() == [-1, -1]


def test_admission_floors_8_and_4_on_a_10g_port():
    inst = dict(entry_flow=np.array([0, 1, 2]), entry_resource=np.array([0, 0, 0]),
                entry_coef=np.ones(3), capacity=np.array([10.0]),
                floor=np.array([8.0, 4.0, 0.0]), cap=np.array([20.0, 20.0, 20.0]),
                weight=np.ones(3))
    sol = allocate(Topology(), flowset_for(inst))
    # 8t + 4t = 10 → t = 5/6: floors 20/3 and 10/3; they fill the port, so the
    # third flow gets nothing.
    np.testing.assert_allclose(sol.admitted_floor, [20 / 3, 10 / 3, 0.0], atol=1e-9)
    np.testing.assert_allclose(sol.rate, [20 / 3, 10 / 3, 0.0], atol=1e-9)
    assert sol.admission == [{"resource": "port:n0:0:tx", "reserved": 12, "capacity": 10}]
    assert sol.floor_met.tolist() == [False, False, True]
    # The floors fill the port: it is also reported full (SPEC §10 saturated).
    assert sorted(p.code for p in sol.problems) == ["floor-missed", "floor-missed", "guarantee-oversubscribed",
                                                    "saturated"]
    # And the oracle agrees.
    A = np.ones((1, 3))
    _, admitted, rate = oracle_with_admission(A, inst["capacity"], inst["floor"], inst["cap"], inst["weight"])
    np.testing.assert_allclose(admitted, [20 / 3, 10 / 3, 0.0], atol=1e-7)
    np.testing.assert_allclose(rate, [20 / 3, 10 / 3, 0.0], atol=1e-7)


def test_oracle_on_hand_cases():
    """The oracle itself reproduces the hand-computed vectors (so it can be trusted)."""
    one = np.ones((1, 3))
    big = np.full(3, 100.0)
    cases = [
        (one, [10], [5, 0, 0], big, [1, 1, 1], [5, 2.5, 2.5]),
        (one, [10], [0, 0, 0], big, [100, 100, 50], [4, 4, 2]),
        (one, [10], [0, 0, 0], [1, 100, 100], [1, 1, 1], [1, 4.5, 4.5]),
        (np.array([[1, 1, 0], [1, 0, 1]]), [10, 4], [0, 0, 0], big, [1, 1, 1], [2, 8, 2]),
        (one, [10], [6, 0, 0], big, [1, 1, 1], [6, 2, 2]),
        (np.array([[1, 1, 0], [0, 1, 1]]), [0, 10], [0, 0, 0], big, [1, 1, 1], [0, 0, 10]),
    ]
    for A, c, m, M, w, want in cases:
        got = lp_max_min_fair(A, c, m, M, w)
        np.testing.assert_allclose(got, want, atol=1e-7)


# ---------------------------------------- property: SPEC 1.1 NIC fields, end to end
# Whole designs with the §9 fields drawn at random — throughput_gbps (nic: resources),
# vf_min_rate and vf_max_rate (unenforced floors and caps), vmdq — solved by the real
# pipeline (file loader → routing → allocation) and by ``spec_allocation``, which builds
# the LP from the document by the SPEC's words alone.
from designer.fileformat import loads  # noqa: E402
from designer.solver import solve  # noqa: E402
from lp_oracle import spec_allocation  # noqa: E402

gbit = st.one_of(st.sampled_from([0.0, 5.0, 10.0]), st.floats(0.5, 30.0, allow_nan=False))


@st.composite
def designs(draw):
    elements = [{"id": "wan", "kind": "network"},
                {"id": "tor", "kind": "switch", "port_gbps": draw(st.sampled_from([10.0, 25.0, 100.0]))}]
    links = [{"a": "tor", "b": "wan", "gbps": draw(st.one_of(st.just(40.0), st.floats(5.0, 200.0)))}]
    vm_count = 0
    for s in range(draw(st.integers(1, 2))):
        sid = f"s{s}"
        elements.append({"id": sid, "kind": "server", "vmm_io_cores": draw(st.sampled_from([0.5, 1.0, 2.0, 8.0]))})
        nics = []
        for n in range(draw(st.integers(1, 2))):
            nid = f"{sid}n{n}"
            ports = draw(st.integers(1, 2))
            nic = {"id": nid, "kind": "nic", "parent": sid, "ports": ports,
                   "port_gbps": draw(st.sampled_from([10.0, 25.0, 100.0])),
                   "pcie_gbps": draw(st.sampled_from([8.0, 32.0, 63.0])),
                   "throughput_gbps": draw(st.one_of(st.just(0.0), st.sampled_from([10.0, 30.0]),
                                                     st.floats(1.0, 60.0))),
                   "vf_min_rate": draw(st.booleans()), "vf_max_rate": draw(st.booleans()),
                   "vmdq": draw(st.booleans())}
            elements.append(nic)
            nics.append(nic)
            for p in range(ports):
                links.append({"a": f"{nid}:{p}", "b": "tor"})
        for _ in range(draw(st.integers(1, 4))):
            vm_id = f"vm{vm_count}"
            vm_count += 1
            nic = draw(st.sampled_from(nics))
            port = draw(st.integers(0, nic["ports"] - 1))
            mode = draw(st.sampled_from(["vf", "vf", "paravirtual", "emulated"]))
            vnic = {"mode": mode, "tx_gbps": draw(gbit), "rx_gbps": draw(gbit),
                    "weight": draw(st.sampled_from([0.5, 1.0, 2.0])),
                    "packet_bytes": draw(st.sampled_from([1500, 9000, 64000]))}
            limits = {"min_gbps": draw(st.one_of(st.just(0.0), st.floats(0.5, 12.0))),
                      "max_gbps": draw(st.one_of(st.just(0.0), st.floats(1.0, 20.0)))}
            if mode == "vf":
                vf_id = f"{vm_id}vf"
                elements.append({"id": vf_id, "kind": "vf", "parent": nic["id"], "port": port, **limits})
                vnic["vf"] = vf_id
            else:
                vnic.update(nic=nic["id"], port=port, **limits)
            elements.append({"id": vm_id, "kind": "vm", "parent": sid, "vnics": [vnic]})
    return {"format": "rackio-project", "version": 1, "elements": elements, "links": links}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(designs())
def test_nic_fields_match_the_spec_lp(doc):
    report = solve(loads(json.dumps(doc))).to_report()
    want = spec_allocation(doc)
    got = {f["id"]: f for f in report["flows"]}
    assert set(got) == set(want["rate"])
    ids = sorted(got)
    assert_rates([got[i]["rate_gbps"] for i in ids], [want["rate"][i] for i in ids])
    for i in ids:
        assert got[i]["path"] == want["paths"][i]
        assert got[i]["floor_gbps"] == pytest.approx(want["floor"][i], abs=1e-9)
        margin = want["rate"][i] - (want["floor"][i] - 1e-6)
        if abs(margin) > 1e-7:
            assert got[i]["floor_met"] == (margin > 0)
    res = {r["id"]: r for r in report["resources"]}
    assert {rid: r["capacity"] for rid, r in res.items()} == pytest.approx(want["capacity"])
    for rid, reserved in want["reserved"].items():
        assert res[rid]["reserved"] == pytest.approx(reserved, abs=1e-9)
    # The 1.1 problems name exactly the VFs whose minimum or cap the driver cannot enforce.
    by = {e["id"]: e for e in doc["elements"]}
    vfs = [e for e in doc["elements"] if e["kind"] == "vf"]
    unsupported = sorted(v["id"] for v in vfs if v["min_gbps"] > 0 and not by[v["parent"]]["vf_min_rate"])
    uncapped = sorted(v["id"] for v in vfs if v["max_gbps"] > 0 and not by[v["parent"]]["vf_max_rate"])
    problems = report["problems"]
    assert sorted(p["element"] for p in problems if p["code"] == "guarantee-unsupported") == unsupported
    assert sorted(p["element"] for p in problems if p["code"] == "cap-unsupported") == uncapped
    # saturated: once per full resource, and never on one with room.
    full = sorted(rid for rid, r in res.items() if r["load"] >= r["capacity"] - 1e-9 * max(1.0, r["capacity"]))
    named = sorted(p["message"].split(" ", 1)[0] for p in problems if p["code"] == "saturated")
    assert named == full
