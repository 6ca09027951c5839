"""Resources: costs of units x rate x working days with escalation, and levelled
simulation (a serial schedule-generation scheme in every iteration), against
independent references: closed forms and quadrature for Hulett's single-activity case,
a naive serial SGS in plain Python on random instances, capacities checked from the
per-iteration dates."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import optimize, stats

from pmo_sim import (
    Assignment,
    Correlation,
    Fixed,
    Project,
    Resource,
    Scenario,
    SimulationSettings,
    Task,
    Triangular,
    simulate,
)
from pmo_sim.cli import cli
from pmo_sim.engine.blocks import model_durations, run_kernel
from pmo_sim.engine.compile import compiled_model
from pmo_sim.engine.kernels.resources import assignment_units, demand_levels
from pmo_sim.engine.levelling import levelled_plan
from pmo_sim.io.scenario_file import load, parse_scenario
from pmo_sim.io.toml_writer import dumps
from pmo_sim.model.errors import ScenarioError
from pmo_sim.model.tasks import Link, TaskCost
from pmo_sim.scheduling.cpm import schedule

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "fit_out.toml"
START = dt.date(2027, 1, 4)


def hulett(duration, crew, rate, **sim) -> Scenario:
    crew_res = Resource("crew", rate=rate)
    task = Task("frame", duration=duration, resources=(Assignment("crew", crew),))
    return Scenario(Project("Hulett", START), (task,), resources=(crew_res,), **sim)


# Hulett's single-activity case ---------------------------------------------------------


def test_hulett_duration_only_p80_is_the_closed_form():
    """Only the duration uncertain (30, 40, 60): cost = 5 x 800 x d, so its P80 is
    4000 x (60 - sqrt(120)) (the triangular's quantile: 60 - sqrt(0.2 x 30 x 20))."""
    r = simulate(hulett(Triangular(30, 40, 60), 5, 800), iterations=100_000, seed=2)
    exact = 4000 * (60 - math.sqrt(120))
    se = r.cost_standard_error(80)
    assert abs(r.cost_percentile(80) - exact) <= 4 * se + 1e-6
    assert r.resources.cost_breakdown()["crew"]["p80"] == pytest.approx(r.cost_percentile(80))


def _triangular_nodes(a: float, m: float, b: float, k: int = 48):
    """Gauss-Legendre nodes and weights for a triangular density (exact on each
    linear piece)."""
    x, w = np.polynomial.legendre.leggauss(k)
    nodes, weights = [], []
    for lo, hi in ((a, m), (m, b)):
        t = lo + (x + 1) * (hi - lo) / 2
        dens = np.where(t < m, 2 * (t - a) / ((b - a) * (m - a)), 2 * (b - t) / ((b - a) * (b - m)))
        nodes.append(t)
        weights.append(w * (hi - lo) / 2 * dens)
    return np.concatenate(nodes), np.concatenate(weights)


def _product_p80() -> float:
    """P80 of D x U x R, all three triangular and independent, by quadrature over U
    and R of the triangular CDF of D (scipy's)."""
    d = stats.triang(10 / 30, loc=30, scale=30)
    u, wu = _triangular_nodes(3, 5, 8)
    r, wr = _triangular_nodes(750, 800, 875)
    scale = np.outer(u, r)
    weight = np.outer(wu, wr)

    def cdf(c: float) -> float:
        return float((d.cdf(c / scale) * weight).sum())

    return optimize.brentq(lambda c: cdf(c) - 0.8, 30 * 3 * 750, 60 * 8 * 875, xtol=1e-6)


def test_hulett_all_three_uncertain_against_quadrature():
    """Duration (30, 40, 60) x crew (3, 5, 8) x rate (750, 800, 875): the mean is the
    product of the means (independent draws), the P80 the quadrature's."""
    r = simulate(
        hulett(Triangular(30, 40, 60), Triangular(3, 5, 8), Triangular(750, 800, 875)),
        iterations=200_000,
        seed=5,
    )
    mean = (130 / 3) * (16 / 3) * (2425 / 3)
    se_mean = r.cost.std() / math.sqrt(r.iterations)
    assert abs(r.cost.mean() - mean) <= 4 * se_mean
    assert abs(r.cost_percentile(80) - _product_p80()) <= 4 * r.cost_standard_error(80)


def test_one_rate_per_iteration_for_every_task_using_the_resource():
    """Two tasks on one resource pay the same drawn rate: with units 1 and durations 1
    and 2, the second costs exactly twice the first in every iteration."""
    res = Resource("crew", rate=Triangular(100, 200, 400))
    tasks = (
        Task("a", duration=1, resources=(Assignment("crew", 1),)),
        Task("b", duration=2, resources=(Assignment("crew", 1),)),
    )
    s = Scenario(Project("p", START), tasks, resources=(res,))
    r = simulate(s, iterations=2000, seed=1)
    # Cost per iteration is 3 x rate; the rate's range is 100..400.
    rate = r.cost / 3.0
    assert rate.min() >= 100 and rate.max() <= 400
    assert np.allclose(r.resources.cost[0], r.cost)
    assert np.std(rate) > 10  # drawn, not fixed


def test_uncertain_rate_per_day():
    """``per_day`` as a distribution: drawn per task and iteration, times the duration."""
    task = Task(
        "a",
        duration=Triangular(5, 10, 15),
        cost=TaskCost(per_day=Triangular(100, 150, 200)),
    )
    s = Scenario(Project("p", START), (task,))
    r = simulate(s, iterations=100_000, seed=3)
    se = r.cost.std() / math.sqrt(r.iterations)
    assert abs(r.cost.mean() - 10 * 150) <= 4 * se
    assert task.cost.per_day == 150  # the plan's value


# Escalation ---------------------------------------------------------------------------


def escalated(start_no_earlier_than, escalation, duration=10):
    res = Resource("crew", rate=100, escalation=escalation)
    task = Task(
        "a",
        duration=duration,
        resources=(Assignment("crew", 2),),
        start_no_earlier_than=start_no_earlier_than,
    )
    return Scenario(Project("p", START), (task,), resources=(res,))


def test_a_task_moved_by_a_year_costs_exactly_the_escalation_more():
    first = simulate(escalated(dt.date(2027, 3, 1), 0.04), iterations=10, seed=1)
    later = simulate(escalated(dt.date(2028, 3, 1), 0.04), iterations=10, seed=1)
    assert first.cost[0] == pytest.approx(2 * 100 * 10)
    assert later.cost[0] == pytest.approx(2 * 100 * 10 * 1.04, rel=1e-12)
    assert later.deterministic_cost == pytest.approx(2080.0, rel=1e-12)


def test_a_task_across_an_escalation_date_splits_its_working_days():
    """A table step on Wednesday 2027-03-10 inside a 10-day task starting Monday
    2027-03-08: 2 days at 1, 8 at 1.1 (Mon-Fri calendar)."""
    s = escalated(dt.date(2027, 3, 8), [(dt.date(2027, 3, 10), 1.1)])
    r = simulate(s, iterations=10, seed=1)
    assert r.cost[0] == pytest.approx(2 * 100 * (2 + 8 * 1.1), rel=1e-12)
    assert r.deterministic_cost == pytest.approx(2 * 100 * (2 + 8 * 1.1), rel=1e-12)


# Levelling: against a naive serial SGS ----------------------------------------------


def naive_order(s: Scenario) -> list[str]:
    """The priority rule, written out: repeatedly the eligible task of highest priority,
    then earliest late start, least total float, smallest id (digits by value)."""
    plan = schedule(s)
    key = {
        t.id: (
            -(t.priority if t.priority is not None else 500),
            plan.late_start[i],
            plan.total_float[i],
            [int(x) if x.isdigit() else x for x in re.findall(r"\d+|\D+", t.id)],
        )
        for i, t in enumerate(s.tasks)
    }
    preds = {t.id: {k.predecessor for k in t.predecessors} for t in s.tasks}
    done: list[str] = []
    while len(done) < len(s.tasks):
        ready = [t for t in preds if t not in done and preds[t] <= set(done)]
        done.append(min(ready, key=lambda t: key[t]))
    return done


def naive_sgs(
    s: Scenario, d: dict, units: dict, order: list[str] | None = None
) -> tuple[dict, dict]:
    """Serial SGS in continuous time: each task (in ``order``, by default the priority
    rule's) at the first candidate time (its logic start, or a finish of a scheduled
    task after it) where, at every moment it works, the units in use plus its own stay
    within every capacity."""
    caps = {r.id: r.capacity for r in s.resources}
    start: dict[str, float] = {}
    finish: dict[str, float] = {}
    tasks = {t.id: t for t in s.tasks}
    for tid in order or naive_order(s):
        t = tasks[tid]
        es = 0.0
        for link in t.predecessors:
            p = link.predecessor
            bound = {
                "FS": finish[p] + link.lag,
                "SS": start[p] + link.lag,
                "FF": finish[p] + link.lag - d[tid],
                "SF": start[p] + link.lag - d[tid],
            }[link.type]
            es = max(es, bound)
        need = [(a.resource, units[(tid, a.resource)]) for a in t.resources]
        need = [(r, u) for r, u in need if caps[r] is not None]
        if d[tid] > 0 and need:
            candidates = sorted({es} | {f for f in finish.values() if f > es})
            for c in candidates:
                moments = {c} | {start[o] for o in start if c < start[o] < c + d[tid]}

                def used(r, x):
                    return sum(
                        units[(o, r)]
                        for o in start
                        if start[o] <= x < finish[o] and (o, r) in units
                    )

                if all(used(r, x) + u <= caps[r] + 1e-9 for r, u in need for x in moments):
                    es = c
                    break
        start[tid] = es
        finish[tid] = es + d[tid]
    return start, finish


def random_instance(rng: np.random.Generator, n: int = 12) -> Scenario:
    resources = (
        Resource("r1", rate=10, capacity=4),
        Resource("r2", rate=20, capacity=3),
        Resource("free", rate=1),
    )
    tasks = []
    for k in range(n):
        preds = []
        for p in rng.choice(k, size=min(k, int(rng.integers(0, 3))), replace=False) if k else []:
            kind = ["FS", "FS", "SS", "FF"][int(rng.integers(0, 4))]
            preds.append(Link(f"t{p}", kind, float(rng.integers(0, 3))))
        lo = float(rng.integers(1, 5))
        assign = []
        if rng.random() < 0.8:
            assign.append(Assignment("r1", Triangular(1, 2, 4)))
        if rng.random() < 0.5:
            assign.append(Assignment("r2", float(rng.integers(1, 4))))
        if rng.random() < 0.3:
            assign.append(Assignment("free", 5))
        tasks.append(
            Task(
                f"t{k}",
                duration=Triangular(lo, lo + 2, lo + 6),
                predecessors=tuple(preds),
                resources=tuple(assign),
                priority=int(rng.integers(499, 502)) if rng.random() < 0.3 else None,
            )
        )
    return Scenario(
        Project("random", START),
        tuple(tasks),
        resources=resources,
        simulation=SimulationSettings(levelling=True),
    )


def iteration_inputs(s: Scenario, iterations: int, seed: int = 9):
    """Per-iteration durations and units (the simulation's own draws), and levelled
    dates, by task id."""
    model = compiled_model(s)
    raw = run_kernel(model, seed, "lhs", iterations, 1, 64, keep_dates=True)
    durations = model_durations(model, seed, True, 0, iterations)
    rm = model.resources
    units = np.empty((rm.a_res.size, iterations))
    args = model.kernel_args(seed)
    for lo in range(0, iterations, 64):
        m = min(64, iterations - lo)
        u = np.empty((rm.a_res.size, m))
        assignment_units(lo, m, True, args[1], model.resource_args(seed), u)
        units[:, lo : lo + m] = u
    ids = model.task_ids
    names = [(x.split("@")[0], x.split("@")[1]) for x in rm.a_names]
    return model, raw, durations, units, ids, names


@pytest.mark.parametrize("case", range(6))
def test_levelling_matches_a_naive_serial_sgs(case):
    s = random_instance(np.random.default_rng(100 + case))
    iterations = 40
    _, raw, durations, units, ids, names = iteration_inputs(s, iterations)
    for i in range(iterations):
        d = {tid: float(durations[k, i]) for k, tid in enumerate(ids)}
        u = {names[a]: float(units[a, i]) for a in range(len(names))}
        start, finish = naive_sgs(s, d, u)
        for k, tid in enumerate(ids):
            assert raw.sub_es[k, i] == pytest.approx(start[tid], abs=1e-9), (case, i, tid)
            assert raw.sub_ef[k, i] == pytest.approx(finish[tid], abs=1e-9), (case, i, tid)
        assert raw.finish[i] == pytest.approx(max(finish.values()), abs=1e-9)


@pytest.mark.parametrize("case", range(4))
def test_capacity_is_never_exceeded(case):
    s = random_instance(np.random.default_rng(7 + case), n=25)
    iterations = 200
    _, raw, _, units, ids, names = iteration_inputs(s, iterations)
    pos = {tid: k for k, tid in enumerate(ids)}
    caps = {r.id: r.capacity for r in s.resources}
    for i in range(iterations):
        for res_id, cap in caps.items():
            if cap is None:
                continue
            mine = [(pos[t], units[a, i]) for a, (t, r) in enumerate(names) if r == res_id]
            for k, _ in mine:
                x = raw.sub_es[k, i]
                used = sum(u for q, u in mine if raw.sub_es[q, i] <= x < raw.sub_ef[q, i])
                assert used <= cap + 1e-9


def test_levelling_counts_waiting_and_keeps_the_unlevelled_finish():
    """Two 10-day tasks on one crane: levelled they run one after the other."""
    crane = Resource("crane", rate=100, capacity=1)
    tasks = (
        Task("a", duration=10, resources=(Assignment("crane", 1),)),
        Task("b", duration=10, resources=(Assignment("crane", 1),)),
        Task("c", duration=3, predecessors=("a", "b")),
    )
    s = Scenario(
        Project("crane", START),
        tasks,
        resources=(crane,),
        simulation=SimulationSettings(levelling=True),
    )
    r = simulate(s, iterations=100, seed=1)
    assert np.all(r.finish_days == 23)
    assert np.all(r.resources.unlevelled_finish == 13)
    assert np.all(r.resources.delay(r.finish_days) == 10)
    # Same late start; total float 0 for both; "a" goes first by id.
    assert r.resources.resource_driven == {"a": 0.0, "b": 1.0, "c": 0.0}
    assert r.resources.plan_finish == 23
    assert r.resources.profile.p80[0].max() == pytest.approx(1.0)
    assert r.resources.profile.utilisation[0] == pytest.approx(20 / 23)
    doc = r.to_dict()["resources"]
    assert doc["delay_days"]["80"] == 10
    assert doc["resource_driven"] == {"b": 1.0}


def test_priority_decides_who_waits():
    crane = Resource("crane", rate=100, capacity=1)
    tasks = (
        Task("a", duration=10, resources=(Assignment("crane", 1),)),
        Task("b", duration=10, resources=(Assignment("crane", 1),), priority=900),
    )
    s = Scenario(
        Project("crane", START),
        tasks,
        resources=(crane,),
        simulation=SimulationSettings(levelling=True),
    )
    r = simulate(s, iterations=10, seed=1)
    assert r.resources.resource_driven == {"a": 1.0, "b": 0.0}


# Determinism ------------------------------------------------------------------------


def test_levelled_example_is_the_same_on_threads_and_block_sizes():
    s = load(EXAMPLE)
    a = simulate(s, iterations=3000, seed=1, threads=1)
    b = simulate(s, iterations=3000, seed=1, threads=2, block_size=128)
    assert np.array_equal(a.finish_days, b.finish_days)
    assert np.array_equal(a.cost, b.cost)
    assert np.array_equal(a.resources.cost, b.resources.cost)
    assert np.array_equal(a.resources.unlevelled_finish, b.resources.unlevelled_finish)
    assert a.resources.resource_driven == b.resources.resource_driven
    assert a.criticality == b.criticality


def test_levelled_example_is_the_same_on_dask():
    pytest.importorskip("distributed", reason='needs the dask extra: pip install ".[dask]"')
    from pmo_sim.engine.runners import dask_runner as pd

    s = load(EXAMPLE)
    local = simulate(s, iterations=2000, seed=4, threads=2)
    cluster, client = pd.start_local_cluster(2)
    try:
        remote = simulate(s, iterations=2000, seed=4, client=client)
    finally:
        client.close()
        cluster.close()
    assert np.array_equal(local.finish_days, remote.finish_days)
    assert np.array_equal(local.cost, remote.cost)
    assert np.array_equal(local.resources.cost, remote.resources.cost)
    assert local.resources.resource_driven == remote.resources.resource_driven


def test_the_example_round_trips_through_the_writer():
    s = load(EXAMPLE)
    import tomllib

    back = parse_scenario(tomllib.loads(dumps(s, include_simulation=True)))
    assert back.resources == s.resources
    assert back.tasks == s.tasks
    assert back.simulation.levelling


def test_demand_levels_are_the_units_in_use_averaged_over_each_period():
    """Against the integral of the units in use written out: the unit-days done by each
    period's edges, differenced (random assignments crossing periods, some starting
    inside one and some after the last edge)."""
    rng = np.random.default_rng(4)
    a, m, period, n_p = 30, 7, 5.0, 9
    start = rng.uniform(0, 50, size=(a, m))
    busy = rng.uniform(0, 12, size=(a, m)) * (rng.random((a, m)) < 0.9)
    units = rng.uniform(0.5, 3, size=(a, m))
    a_res = rng.integers(0, 3, size=a).astype(np.int64)
    out = np.zeros((3, n_p, m))
    demand_levels(period, n_p, start, busy, units, a_res, out)
    edges = period * np.arange(n_p + 1)
    for r in range(3):
        mine = a_res == r
        done = np.stack(
            [(units[mine] * np.clip(x - start[mine], 0, busy[mine])).sum(axis=0) for x in edges]
        )
        assert np.allclose(out[r], np.diff(done, axis=0) / period, rtol=1e-12, atol=1e-12)


def rated_pair(coefficient: float) -> Scenario:
    """Two resources with uncertain rates, one task each (constant durations and units:
    each resource's cost is its rate times 10 unit-days)."""
    return Scenario(
        Project("market", START),
        (
            Task("a", duration=5, resources=(Assignment("crew", 2),)),
            Task("b", duration=10, resources=(Assignment("plant", 1),)),
        ),
        resources=(
            Resource("crew", rate=Triangular(750, 800, 875)),
            Resource("plant", rate=Triangular(200, 260, 400)),
        ),
        correlations=(Correlation(coefficient, resources=("crew", "plant")),),
    )


@pytest.mark.parametrize("coefficient", [0.8, -0.5])
def test_correlated_rates_have_the_rank_correlation_and_keep_their_marginals(coefficient):
    """The rank correlation of the two rates (their costs / 10) is the group's
    coefficient, within 4 standard errors of Spearman's rho (Fieller's approximation,
    sqrt(1.06 / (n - 3)) x (1 - rho^2) is conservative here); each rate still follows
    its own triangular distribution (KS test)."""
    n = 20_000
    r = simulate(rated_pair(coefficient), iterations=n, seed=5)
    crew, plant = r.resources.cost / 10.0
    rho = stats.spearmanr(crew, plant).statistic
    se = math.sqrt(1.06 / (n - 3))
    assert abs(rho - coefficient) < 4 * se
    assert stats.kstest(crew, stats.triang(c=50 / 125, loc=750, scale=125).cdf).pvalue > 1e-3
    assert stats.kstest(plant, stats.triang(c=60 / 200, loc=200, scale=200).cdf).pvalue > 1e-3
    # Without the group the rates are independent.
    free = dataclasses.replace(rated_pair(coefficient), correlations=())
    c0, p0 = simulate(free, iterations=n, seed=5).resources.cost / 10.0
    assert abs(stats.spearmanr(c0, p0).statistic) < 4 * se


def test_correlated_rates_round_trip_and_repeat_bit_for_bit():
    s = rated_pair(0.6)
    back = parse_scenario(tomllib.loads(dumps(s)))
    assert back.correlations == s.correlations
    a = simulate(s, iterations=3000, seed=2, threads=1)
    b = simulate(back, iterations=3000, seed=2, threads=2, block_size=128)
    assert np.array_equal(a.resources.cost, b.resources.cost)


ISSUE_EXAMPLE = """
[project]
name = "frame"
start = 2027-01-04
[calendars.site]
workdays = "mon-fri"
[[resources]]
id = "crew"
name = "Carpentry crew"
rate = { dist = "triangular", min = 750, mode = 800, max = 875 }
capacity = 6
calendar = "mon-fri"
escalation = 0.04
[[resources]]
id = "plant"
rate = 100
calendar = "site"
[[tasks]]
id = "frame"
duration = { dist = "triangular", min = 30, mode = 40, max = 60 }
resources = [{ id = "crew", units = { dist = "triangular", min = 3, mode = 5, max = 8 } }]
[[tasks]]
id = "crane"
calendar = "site"
duration = 5
resources = [{ id = "plant" }]
"""


def test_resource_calendars_that_match_their_tasks_are_read_and_written():
    """The issue's resource (a weekday rule equal to the project calendar) and one on a
    named calendar its task also works on: both read, written back and simulated; the
    mean cost is E[duration] E[units] E[rate] + 5 x 100 (no escalation in the first
    year), within 4 standard errors."""
    s = parse_scenario(tomllib.loads(ISSUE_EXAMPLE))
    assert [r.calendar for r in s.resources] == ["mon-fri", "site"]
    back = parse_scenario(tomllib.loads(dumps(s)))
    assert back.resources == s.resources
    r = simulate(s, iterations=8000, seed=3)
    exact = (130 / 3) * (16 / 3) * (2425 / 3) + 500
    se = r.cost.std() / math.sqrt(r.cost.size)
    assert abs(r.cost.mean() - exact) < 4 * se


# The deterministic levelled schedule -------------------------------------------------


def test_improvement_pass_never_lengthens_and_can_shorten():
    """A classic case where the priority rule is not optimal: the improvement pass finds
    the shorter schedule."""
    res = Resource("r", rate=0, capacity=2)
    tasks = (
        Task("a", duration=4, resources=(Assignment("r", 1),)),
        Task("b", duration=2, resources=(Assignment("r", 2),)),
        Task("c", duration=2, predecessors=("a",), resources=(Assignment("r", 1),)),
        Task("d", duration=4, predecessors=("b",), resources=(Assignment("r", 1),)),
    )
    s = Scenario(
        Project("fbi", START),
        tasks,
        resources=(res,),
        simulation=SimulationSettings(levelling=True),
    )
    plain = levelled_plan(s)
    better = levelled_plan(s, improve=True)
    assert better.first_makespan == plain.makespan
    # b (both units) then a and d side by side, then c: 2 + 4 + 2 = 8 at best (all
    # orders in full: b must run alone, and a, c, d fill 2 units for 5 days at least).
    assert plain.makespan == 10
    assert better.makespan == 8


def all_activity_lists(s: Scenario) -> list[list[str]]:
    """Every precedence-feasible order of the tasks."""
    preds = {t.id: {k.predecessor for k in t.predecessors} for t in s.tasks}
    out: list[list[str]] = []

    def extend(done: list[str]) -> None:
        if len(done) == len(preds):
            out.append(list(done))
            return
        for t in preds:
            if t not in done and preds[t] <= set(done):
                done.append(t)
                extend(done)
                done.pop()

    extend([])
    return out


def plan_is_feasible(s: Scenario, start: dict, finish: dict) -> None:
    """Links (FS, with lags) and capacities hold in a levelled plan, checked at every
    start (where the units in use can only rise)."""
    for t in s.tasks:
        for link in t.predecessors:
            assert start[t.id] >= finish[link.predecessor] + link.lag - 1e-9
    for r in s.resources:
        if r.capacity is None:
            continue
        use = {
            t.id: a.units.deterministic for t in s.tasks for a in t.resources if a.resource == r.id
        }
        for x in (start[t] for t in use):
            used = sum(u for t, u in use.items() if start[t] <= x < finish[t])
            assert used <= r.capacity + 1e-9, (r.id, x)


def fs_instance(rng: np.random.Generator, n: int = 7) -> Scenario:
    """A small FS network on two tight resources (most likely values only)."""
    tasks = []
    for k in range(n):
        size = min(k, int(rng.integers(0, 2)))
        preds = sorted(rng.choice(k, size=size, replace=False)) if k else []
        assign = [Assignment("r1", float(rng.integers(1, 4)))]
        if rng.random() < 0.5:
            assign.append(Assignment("r2", float(rng.integers(1, 3))))
        tasks.append(
            Task(
                f"t{k}",
                duration=float(rng.integers(1, 7)),
                predecessors=tuple(f"t{p}" for p in preds),
                resources=tuple(assign),
            )
        )
    return Scenario(
        Project("fs", START),
        tuple(tasks),
        resources=(Resource("r1", rate=1, capacity=4), Resource("r2", rate=1, capacity=2)),
        simulation=SimulationSettings(levelling=True),
    )


@pytest.mark.parametrize("case", range(8))
def test_improved_plan_is_optimal_on_small_instances(case):
    """For FS networks the serial scheme over every activity list reaches an optimal
    schedule (Kolisch 1996), so the brute-force minimum is the optimum: the improved
    plan must reach it and be feasible; the rule's plan is feasible and no shorter."""
    s = fs_instance(np.random.default_rng(300 + case))
    d = {t.id: t.duration.deterministic for t in s.tasks}
    u = {(t.id, a.resource): a.units.deterministic for t in s.tasks for a in t.resources}
    optimum = min(max(naive_sgs(s, d, u, order)[1].values()) for order in all_activity_lists(s))
    ids = [t.id for t in s.tasks]
    for plan in (levelled_plan(s), levelled_plan(s, improve=True)):
        start = dict(zip(ids, plan.start.tolist(), strict=True))
        finish = dict(zip(ids, plan.finish.tolist(), strict=True))
        plan_is_feasible(s, start, finish)
        assert plan.makespan == pytest.approx(max(finish.values()))
        assert plan.makespan >= optimum - 1e-9
    assert levelled_plan(s, improve=True).makespan == pytest.approx(optimum)


def test_improved_plan_on_psplib_never_beats_the_published_optimum(shared_data):
    """Ten j30 instances: the plans are feasible, the improved one is no longer than the
    rule's and never shorter than the published optimum (a shorter one would break a
    capacity or a link)."""
    folder = None if shared_data is None else shared_data / "psplib"
    if folder is None or not (folder / "j30").is_dir():
        pytest.skip("shared PSPLIB data not found (../shared/data/psplib)")
    from pmo_sim.io.importers.psplib import read_psplib

    optima = {}
    for line in (folder / "results" / "j30opt.sm").read_text().splitlines():
        p = line.split()
        if len(p) >= 3 and p[0].isdigit() and p[1].isdigit():
            optima[f"j30{p[0]}_{p[1]}.sm"] = int(p[2])
    hits = 0
    for f in sorted((folder / "j30").glob("*.sm"))[::48]:
        s = read_psplib(f).scenario.with_levelling(True)
        ids = [t.id for t in s.tasks]
        rule, better = levelled_plan(s), levelled_plan(s, improve=True)
        for plan in (rule, better):
            plan_is_feasible(
                s,
                dict(zip(ids, plan.start.tolist(), strict=True)),
                dict(zip(ids, plan.finish.tolist(), strict=True)),
            )
        assert optima[f.name] <= better.makespan <= rule.makespan
        hits += better.makespan == optima[f.name]
    assert hits >= 6  # 81% of j30 reach the optimum (benchmarks/README.md)


def test_improvement_samples_are_checked_and_reproducible():
    s = fs_instance(np.random.default_rng(5), n=7)
    a = levelled_plan(s, improve=True, seed=3)
    b = levelled_plan(s, improve=True, seed=3)
    assert np.array_equal(a.start, b.start)
    with pytest.raises(ValueError, match="samples"):
        levelled_plan(s, improve=True, samples=-1)
    for seed in (-1, 1.5, "x"):
        with pytest.raises(ValueError, match="seed must be a whole number"):
            levelled_plan(s, improve=True, seed=seed)
    with pytest.raises(TypeError, match="takes a Scenario"):
        levelled_plan(None)


# Bad input ------------------------------------------------------------------------------

BASE = '[project]\nname = "p"\nstart = 2027-01-04\n'
RATED = (
    '[[resources]]\nid = "crew"\nrate = { dist = "triangular", min = 90, mode = 100, max = 130 }\n'
    '[[tasks]]\nid = "a"\nduration = 3\nresources = [{ id = "crew" }]\n'
    '[[tasks]]\nid = "b"\nduration = 3\n'
)


@pytest.mark.parametrize(
    "extra, words",
    [
        (
            '[[resources]]\nid = "crew"\nrate = 100\n'
            '[[tasks]]\nid = "a"\nduration = 3\nresources = [{ id = "crow" }]\n',
            ["unknown resource 'crow'", "did you mean 'crew'", "tasks[1] (id 'a', line 7)"],
        ),
        (
            '[[resources]]\nid = "crew"\nrate = 100\n'
            '[[tasks]]\nid = "a"\nduration = 3\nresources = [{ id = "crew", units = 0 }]\n',
            ["'units' must be more than 0"],
        ),
        (
            '[[resources]]\nid = "crew"\nrate = 100\n'
            '[[tasks]]\nid = "a"\nduration = 3\nresources = [{ id = "crew", units = -2 }]\n',
            ["'units' must be more than 0"],
        ),
        (
            '[simulation]\nlevelling = true\n[[resources]]\nid = "crane"\nrate = 100\n'
            'capacity = 1\n[[tasks]]\nid = "lift"\nduration = 3\n'
            'resources = [{ id = "crane", units = 2 }]\n',
            ["task 'lift' demands up to 2 units of 'crane'", "capacity of 1", "no levelled"],
        ),
        (
            '[[resources]]\nid = "crew"\n'
            'rate = { dist = "triangular", min = -50, mode = 100, max = 150 }\n'
            '[[tasks]]\nid = "a"\nduration = 3\nresources = [{ id = "crew" }]\n',
            ["'rate' must be 0 or more everywhere"],
        ),
        (
            '[[resources]]\nid = "crew"\nrate = 1\ncapacity = 0\n'
            '[[tasks]]\nid = "a"\nduration = 3\n',
            ["'capacity' must be more than 0"],
        ),
        (
            RATED + '[[correlations]]\nresources = ["crew", "crane"]\ncoefficient = 0.5\n',
            ["correlations[1] (line 14).resources[2]", "unknown resource 'crane'"],
        ),
        (
            RATED + '[[resources]]\nid = "hoist"\nrate = 40\n'
            '[[correlations]]\nresources = ["crew", "hoist"]\ncoefficient = 0.5\n',
            ["resources[2]", "'hoist' has a constant rate"],
        ),
        (
            RATED + '[[correlations]]\nresources = ["crew"]\ntasks = ["a", "b"]\n'
            "coefficient = 0.5\n",
            ["lists one of 'tasks', 'risks' or 'resources'"],
        ),
        (
            RATED.replace("[[tasks]]", 'calendar = "sun-thu"\n[[tasks]]', 1),
            [
                "resources[1] (id 'crew', line 4).calendar",
                "'crew' works on calendar 'sun-thu'",
                "task 'a' on the project calendar",
            ],
        ),
        (
            '[[resources]]\nid = "pm"\nrate = 1e12\n'
            '[[tasks]]\nid = "a"\nduration = 5\nresources = [{ id = "pm", units = 1e300 }]\n',
            ["'units' must be at most 1e+12 (it reaches 1e+300)"],
        ),
        (
            '[[resources]]\nid = "crew"\nrate = 10\nescalation = [[2027-02-01, 1e300]]\n'
            '[[tasks]]\nid = "a"\nduration = 5\nresources = [{ id = "crew" }]\n',
            ["'escalation[1].factor' must be more than 0, at most 1000"],
        ),
        (
            RATED + "[[correlations]]\nresources = []\ncoefficient = 0.5\n",
            ["'resources' must be a list of at least two ids (got [])"],
        ),
        (
            RATED.replace("[[tasks]]", 'calendar = "weekdays"\n[[tasks]]', 1),
            ["unknown calendar 'weekdays'", 'a weekday rule such as "mon-fri"'],
        ),
    ],
)
def test_bad_resource_input_is_named_with_exit_code_2(tmp_path, extra, words):
    path = tmp_path / "bad.toml"
    path.write_text(BASE + extra)
    res = CliRunner().invoke(cli, ["validate", str(path)])
    assert res.exit_code == 2, res.output
    for w in words:
        assert w in res.output, res.output
    assert "Traceback" not in res.output


def test_run_level_refuses_a_demand_above_capacity(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        BASE + '[[resources]]\nid = "crane"\nrate = 100\ncapacity = 1\n'
        '[[tasks]]\nid = "lift"\nduration = 3\nresources = [{ id = "crane", units = 2 }]\n'
    )
    ok = CliRunner().invoke(cli, ["run", str(path), "-q", "-n", "100"])
    assert ok.exit_code == 0, ok.output
    res = CliRunner().invoke(cli, ["run", str(path), "--level", "-n", "100"])
    assert res.exit_code == 2, res.output
    # --level is applied before the file is checked: the place keeps its line.
    assert "tasks[1] (id 'lift', line 8).resources[1]" in res.output
    assert "demands up to 2 units of 'crane'" in res.output


def run_file(tmp_path: Path, text: str, *args: str):
    """``pmo-sim run`` on a scenario file of ``BASE`` + ``text``."""
    path = tmp_path / "s.toml"
    path.write_text(BASE + text)
    return CliRunner().invoke(cli, ["run", str(path), *args])


def test_no_level_runs_a_levelled_file_whose_demand_exceeds_a_capacity(tmp_path):
    """The capacity check is a levelling one: --no-level turns it off with levelling."""
    text = (
        '[simulation]\nlevelling = true\n[[resources]]\nid = "crane"\nrate = 100\n'
        'capacity = 1\n[[tasks]]\nid = "lift"\nduration = 3\n'
        'resources = [{ id = "crane", units = 2 }]\n'
    )
    res = run_file(tmp_path, text, "-n", "100")
    assert res.exit_code == 2 and "no levelled schedule exists" in res.output
    ok = run_file(tmp_path, text, "-q", "-n", "100", "--no-level", "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["resources"]["levelled"] is False


def test_level_options_on_every_simulating_command(tmp_path):
    """report takes --level too; with --record it is refused (the history stores the
    file as written); a portfolio refuses it (projects level as their files say)."""
    out = tmp_path / "r.html"
    res = CliRunner().invoke(
        cli, ["report", str(EXAMPLE), "-n", "300", "-q", "--no-level", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert out.exists()
    res = CliRunner().invoke(
        cli,
        [
            "run",
            str(EXAMPLE),
            "-n",
            "100",
            "--no-level",
            "--record",
            "--history",
            str(tmp_path / "h.sqlite"),
        ],
    )
    assert res.exit_code == 2, res.output
    assert "--no-level with --record" in res.output
    pf = Path(__file__).resolve().parents[1] / "scenarios" / "portfolio" / "portfolio.toml"
    res = CliRunner().invoke(cli, ["run", str(pf), "-n", "100", "--level"])
    assert res.exit_code == 2, res.output
    assert "a portfolio run levels each project" in res.output


def test_ids_sort_by_the_value_of_their_digits():
    from pmo_sim.engine.resources import natural_key

    ids = ["A10", "b2", "A9", "1²", "A1", "A01", "A"]
    assert sorted(ids, key=natural_key) == ["1²", "A", "A01", "A1", "A9", "A10", "b2"]


def test_levelling_without_capacities_or_on_task_calendars_is_refused():
    res = Resource("crew", rate=1)
    task = Task("a", duration=3, resources=(Assignment("crew", 1),))
    s = Scenario(
        Project("p", START),
        (task,),
        resources=(res,),
        simulation=SimulationSettings(levelling=True),
    )
    with pytest.raises(ScenarioError, match="no resource has a capacity"):
        simulate(s, iterations=10)
    capped = Resource("crew", rate=1, capacity=2)
    late = Task(
        "a",
        duration=3,
        resources=(Assignment("crew", 1),),
        finish_no_earlier_than=dt.date(2027, 2, 1),
    )
    s = Scenario(
        Project("p", START),
        (late,),
        resources=(capped,),
        simulation=SimulationSettings(levelling=True),
    )
    with pytest.raises(ScenarioError, match="project calendar only"):
        simulate(s, iterations=10)


def test_run_json_has_the_resources(tmp_path):
    res = CliRunner().invoke(cli, ["run", str(EXAMPLE), "-n", "2000", "--json", "--no-ranking"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output[res.output.index("{") :])
    assert doc["resources"]["levelled"] is True
    assert set(doc["resources"]["by_resource"]) == {"carpenters", "electricians", "hoist", "pm"}
    assert doc["resources"]["delay_days"]["mean"] > 0


def test_fixed_units_stay_fixed():
    a = Assignment("crew", 2)
    assert a.units == Fixed(2.0)


def test_levelled_text_report_says_how_criticality_is_counted():
    res = CliRunner().invoke(cli, ["run", str(EXAMPLE), "-n", "300", "-q", "--no-ranking"])
    assert res.exit_code == 0, res.output
    assert "Most critical tasks (logic links on the levelled dates;" in res.output
    plain = CliRunner().invoke(
        cli, ["run", str(EXAMPLE), "-n", "300", "-q", "--no-ranking", "--no-level"]
    )
    assert "Most critical tasks:\n" in plain.output


def test_level_option_does_not_hide_a_bad_levelling_value(tmp_path):
    text = (
        '[simulation]\nlevelling = "yes"\n[[resources]]\nid = "crew"\nrate = 1\n'
        'capacity = 1\n[[tasks]]\nid = "a"\nduration = 3\nresources = [{ id = "crew" }]\n'
    )
    res = run_file(tmp_path, text, "-n", "50", "-q", "--level")
    assert res.exit_code == 2, res.output
    assert "'levelling' must be true or false" in res.output


def test_levelling_refusal_names_the_tasks_off_the_project_calendar(tmp_path):
    text = (
        '[simulation]\nlevelling = true\n[calendars.site]\nworkdays = "mon-sat"\n'
        '[[resources]]\nid = "crew"\nrate = 1\ncapacity = 1\n'
        '[[tasks]]\nid = "a"\nduration = 3\nresources = [{ id = "crew" }]\n'
        '[[tasks]]\nid = "b"\nduration = 3\ncalendar = "site"\npredecessors = ["a"]\n'
    )
    res = run_file(tmp_path, text, "-n", "50", "-q")
    assert res.exit_code == 2, res.output
    assert "tasks on calendars other than the project's ('b')" in res.output


def test_levelled_plan_refuses_bad_durations():
    s = load(EXAMPLE)
    for bad in ([1.0, 2.0], [float("nan")] * len(s.tasks), [-1.0] * len(s.tasks)):
        with pytest.raises(ValueError, match="finite working days >= 0"):
            levelled_plan(s, durations=bad)
