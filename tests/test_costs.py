"""Costs: per-iteration totals, risk and response costs, percentiles, budget and JCL.

The reference for the per-iteration cost is the documented rule (docs/risk-model.md),
computed naively from the durations the simulation used (``sample_durations``) and the
iterations in which each risk occurred (``Results.risk_occurrence``): the sum over tasks
of ``fixed + per_day x duration``, plus each occurring risk's cost, plus the response
costs when mitigated."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from pmo_sim import (
    Fixed,
    Impact,
    Link,
    Mitigation,
    Pert,
    Project,
    Risk,
    Scenario,
    Task,
    TaskCost,
    Triangular,
    Uniform,
    simulate,
)
from pmo_sim.engine.simulate import deterministic_cost, sample_durations

START = dt.date(2027, 1, 4)  # a Monday
SEED = 4242


def make(tasks, risks=(), **project) -> Scenario:
    return Scenario(
        project=Project(name="Cost probe", start=START, **project),
        tasks=tuple(tasks),
        risks=tuple(risks),
    )


# Fixed costs are fixed numbers and risk costs are fixed, so every term of the reference
# is known exactly; a separate test covers uncertain costs.
FIXED_COST_TASKS = (
    Task("a", duration=Triangular(5, 8, 15), cost=TaskCost(fixed=Fixed(2000), per_day=300)),
    Task("b", duration=Uniform(2, 6), cost=TaskCost(per_day=150), predecessors=(Link("a"),)),
    Task("c", duration=Pert(3, 4, 9), cost=TaskCost(fixed=Fixed(750)), predecessors=(Link("a"),)),
    Task("d", duration=Fixed(3), predecessors=(Link("b"), Link("c"))),  # no cost
    Task("e", duration=Triangular(1, 2, 4), cost=TaskCost(fixed=Fixed(100), per_day=50)),
)
FIXED_COST_RISKS = (
    Risk(
        "R1",
        probability=0.4,
        impacts=(Impact(("a",), delay=Triangular(1, 3, 8)),),
        cost=Fixed(5000),
        mitigated=Mitigation(probability=0.1, response_cost=1200),
    ),
    Risk(
        "R2",
        probability=0.3,
        impacts=(Impact(("b", "e"), factor=Uniform(1.2, 1.8)),),
        mitigated=Mitigation(cost=Fixed(0), response_cost=300),
    ),
    Risk("O1", probability=0.5, impacts=(Impact(("a",), delay=Fixed(-2)),), cost=Fixed(-900)),
    Risk("C1", probability=0.25, cost=Fixed(4000), mitigated=Mitigation(cost=Fixed(1500))),
)
FIXED_COST = make(FIXED_COST_TASKS, FIXED_COST_RISKS, deadline=START + dt.timedelta(days=30))


def naive_cost(scenario: Scenario, durations, occurrence, mitigated: bool) -> np.ndarray:
    """Sum of fixed + per_day x duration over tasks, occurring risk costs, response costs."""
    total = np.zeros(durations.shape[1])
    for k, task in enumerate(scenario.tasks):
        if task.cost is not None:
            total += task.cost.fixed.value + task.cost.per_day * durations[k]
    for k, risk in enumerate(scenario.risks):
        state = risk.state(mitigated)
        if state.cost is not None:
            total += np.where(occurrence[k] == 1, state.cost.value, 0.0)
        if mitigated and risk.mitigated is not None:
            total += risk.mitigated.response_cost
    return total


@pytest.mark.parametrize("mitigated", [False, True])
@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_cost_per_iteration_matches_the_naive_sum(sampling, mitigated):
    """Cost per iteration = sum(fixed + rate x duration) + occurring risk costs (+ responses)."""
    n = 3000
    r = simulate(FIXED_COST, n, SEED, sampling, threads=2, mitigated=mitigated)
    d = sample_durations(FIXED_COST, SEED, sampling, 0, n, mitigated=mitigated)
    expected = naive_cost(FIXED_COST, d, r.risk_occurrence, mitigated)
    # Same terms, summed in another order: equal to a few ulps of the total (~3e4).
    assert_allclose(r.cost, expected, rtol=1e-12)
    # The reference is not vacuous: risk costs made a difference in some iterations.
    assert r.risk_occurrence[3].any() and not r.risk_occurrence[3].all()


def test_response_cost_is_paid_in_every_iteration_of_the_mitigated_run():
    """A mitigation that changes only the response cost adds exactly that to every iteration."""
    risk = Risk(
        "R1",
        probability=0.3,
        impacts=(Impact(("a",), delay=Fixed(2)),),
        cost=Triangular(100, 200, 900),
        mitigated=Mitigation(response_cost=650),
    )
    s = make(FIXED_COST_TASKS, [risk])
    pre = simulate(s, 2000, SEED, threads=2)
    post = simulate(s, 2000, SEED, threads=2, mitigated=True)
    assert_array_equal(post.finish_days, pre.finish_days)
    assert_allclose(post.cost - pre.cost, 650.0, rtol=0, atol=1e-9)


def test_uncertain_fixed_cost_and_risk_cost_follow_their_distributions():
    """An uncertain fixed cost and a risk cost are drawn from their distributions (KS test)."""
    n = 4000
    fixed = Triangular(1000, 1500, 4000)
    risk_cost = Uniform(200, 800)
    s = make(
        [Task("a", duration=Triangular(2, 3, 7), cost=TaskCost(fixed=fixed, per_day=10))],
        [Risk("R", probability=0.5, cost=risk_cost)],
    )
    r = simulate(s, n, SEED, "random", threads=2)
    d = sample_durations(s, SEED, "random", 0, n)[0]
    occurred = r.risk_occurrence[0] == 1
    # In iterations without the risk the cost is the fixed draw plus the rate part.
    fixed_draws = (r.cost - 10 * d)[~occurred]
    assert fixed_draws.min() >= 1000 - 1e-9 and fixed_draws.max() <= 4000 + 1e-9
    assert stats.kstest(fixed_draws, fixed.scipy().cdf).pvalue > 0.01
    # The risk's cost is what occurring adds: compare with the same scenario without it,
    # whose fixed-cost draws are the same stream (named by the task id).
    base = simulate(dataclasses.replace(s, risks=()), n, SEED, "random", threads=2).cost
    added = (r.cost - base)[occurred]
    assert_array_equal((r.cost - base)[~occurred], 0.0)
    assert stats.kstest(added, risk_cost.scipy().cdf).pvalue > 0.01


def test_scenario_without_costs_has_no_cost_array():
    """Without any task or risk cost, Results.cost is None and cost queries say why."""
    s = make(
        [Task("a", duration=Triangular(1, 2, 3))],
        [Risk("R", 0.5, (Impact(("a",), delay=Fixed(1)),))],
    )
    r = simulate(s, 500, SEED, threads=1)
    assert r.cost is None
    assert "cost" not in r.to_dict() and "jcl" not in r.to_dict()
    with pytest.raises(ValueError, match="the scenario has no costs"):
        r.cost_percentile(80)


def test_risk_cost_alone_makes_a_costed_scenario():
    """A scenario whose only cost is a risk cost has a cost of 0 or that cost per iteration."""
    s = make(
        [Task("a", duration=Triangular(1, 2, 3))], [Risk("R", probability=0.3, cost=Fixed(250))]
    )
    r = simulate(s, 1000, SEED, threads=1)
    assert_array_equal(r.cost, np.where(r.risk_occurrence[0] == 1, 250.0, 0.0))


# --- percentiles, budget, JCL ----------------------------------------------------------


@pytest.fixture(scope="module")
def budget_run():
    s = dataclasses.replace(
        FIXED_COST,
        project=Project(
            name="Cost probe",
            start=START,
            deadline=dt.date(2027, 1, 27),  # 18 working days
            budget=11_000,
            currency="EUR",
        ),
    )
    return simulate(s, 6000, SEED, threads=2, rank=True, ranking_iterations=1000)


def test_cost_percentiles_and_budget_probability_are_the_empirical_ones(budget_run):
    """Cost percentiles equal np.percentile of Results.cost; p_budget is a plain count."""
    r = budget_run
    qs = [1, 10, 50, 80, 90, 99.5]
    assert_array_equal(r.cost_percentile(qs), np.percentile(r.cost, qs))
    doc = r.to_dict()["cost"]
    for q in (10, 50, 80, 90):
        assert doc["percentiles"][str(q)]["value"] == np.percentile(r.cost, q)
    assert doc["mean"] == r.cost.mean()
    assert doc["budget"] == 11_000
    assert doc["currency"] == "EUR"
    assert doc["p_budget"] == np.count_nonzero(r.cost <= 11_000) / r.iterations
    assert 0 < doc["p_budget"] < 1  # the budget sits inside the range: the count matters


def working_days_through(start: dt.date, date: dt.date) -> int:
    """Mon-fri days from ``start`` (a working day) through ``date``, counted one by one."""
    count, day = 0, start
    while day <= date:
        count += day.weekday() < 5
        day += dt.timedelta(days=1)
    return count


def finish_date(days: float) -> dt.date:
    """Documented rule: a finish at offset f > 0 is the end of working day ceil(f) - 1."""
    index = max(math.ceil(days) - 1, 0)
    day = START
    while True:
        if day.weekday() < 5:
            if index == 0:
                return day
            index -= 1
        day += dt.timedelta(days=1)


def test_jcl_is_the_joint_fraction_counted_from_the_arrays(budget_run):
    """JCL = share of iterations finishing within the deadline's working days and the budget."""
    r = budget_run
    for deadline, budget in [
        (dt.date(2027, 1, 27), 11_000),  # the project's own (the default)
        (dt.date(2027, 1, 22), 9_000),
        (dt.date(2027, 2, 3), 14_500.5),
        (dt.date(2027, 1, 20), 1e9),
        (dt.date(2027, 1, 23), 9_000),  # a Saturday: counts as through Friday
    ]:
        days = working_days_through(START, deadline)
        expected = np.count_nonzero((r.finish_days <= days) & (r.cost <= budget)) / r.iterations
        assert r.jcl(deadline, budget) == expected
        assert r.jcl(deadline.isoformat(), budget) == expected
    assert r.jcl() == r.jcl(dt.date(2027, 1, 27), 11_000)
    assert r.to_dict()["jcl"]["probability"] == r.jcl()
    # Both limits bind in some iterations, so the joint count differs from either alone.
    by_date = r.probability_by(dt.date(2027, 1, 27))
    assert 0 < r.jcl() < min(by_date, r.probability_within_budget(11_000))


def test_jcl_needs_a_deadline_and_a_budget():
    """Without a deadline or a budget the JCL asks for both, and to_dict leaves it out."""
    r = simulate(FIXED_COST, 500, SEED, threads=1)  # a deadline but no budget
    with pytest.raises(ValueError, match="the JCL needs a deadline and a budget"):
        r.jcl()
    assert "jcl" not in r.to_dict()
    assert r.to_dict()["cost"]["p_budget"] is None
    assert 0 <= r.jcl(dt.date(2027, 2, 1), 20_000) <= 1


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_jcl_of_comonotone_finish_and_cost_matches_the_closed_form(sampling):
    """One task with cost = rate x duration: JCL(D, B) = P(duration <= min(D, B / rate))."""
    n = 20_000
    s = make(
        [Task("a", duration=Uniform(10, 30), cost=TaskCost(per_day=100))],
        deadline=dt.date(2027, 1, 29),  # 20 working days through Fri 29 Jan
        budget=2500,  # 25 days of work
    )
    r = simulate(s, n, SEED, sampling, threads=2)
    # Uniform(10, 30): P(d <= min(20, 25)) = (20 - 10) / 20 = 0.5; and for a later
    # deadline the budget binds: P(d <= 25) = 0.75.
    # A fraction of n Bernoulli(q) draws has SE sqrt(q (1 - q) / n) <= 0.0036; LHS only
    # tightens it. 4 SE.
    for deadline, expected in [(dt.date(2027, 1, 29), 0.5), (dt.date(2027, 2, 26), 0.75)]:
        assert abs(r.jcl(deadline, 2500) - expected) <= 4 * math.sqrt(expected * (1 - expected) / n)


@pytest.mark.parametrize("level", [50, 70, 80, 95])
def test_jcl_frontier_points_reach_the_level_with_the_smallest_budget(budget_run, level):
    """Each frontier point has joint probability >= level and no smaller budget does."""
    r = budget_run
    frontier = r.jcl_frontier(level)
    assert len(frontier) == 9
    costs_sorted = np.unique(r.cost)
    for days, budget in frontier:
        joint = np.count_nonzero((r.finish_days <= days) & (r.cost <= budget)) / r.iterations
        assert joint >= level / 100
        # The next smaller cost value any iteration has falls short of the level.
        below = costs_sorted[costs_sorted < budget]
        if below.size:
            short = np.count_nonzero((r.finish_days <= days) & (r.cost <= below[-1]))
            assert short / r.iterations < level / 100
        # The finish target is a finish some iteration has (the frontier's own grid).
        assert days in r.finish_days


@pytest.mark.parametrize("level", [50, 70, 80, 95])
def test_jcl_frontier_is_monotone(budget_run, level):
    """A later finish target on the frontier never needs a larger budget."""
    frontier = budget_run.jcl_frontier(level)
    days = [d for d, _ in frontier]
    costs = [c for _, c in frontier]
    assert days == sorted(days)
    assert all(later <= earlier for earlier, later in itertools.pairwise(costs))
    # It starts at the earliest finish that reaches the level on its own (any budget).
    finish = budget_run.finish_days
    assert np.count_nonzero(finish <= days[0]) >= level / 100 * finish.size
    earlier = finish[finish < days[0]]
    assert np.count_nonzero(finish <= earlier.max()) < level / 100 * finish.size
    # ... and ends at the latest finish.
    assert days[-1] == finish.max()


def test_jcl_frontier_in_to_dict_has_the_reported_levels(budget_run):
    """to_dict()['jcl']['frontier'] has levels 50, 70 and 80 with days, dates and costs."""
    frontier = budget_run.to_dict()["jcl"]["frontier"]
    assert sorted(frontier) == ["50", "70", "80"]
    for level, points in frontier.items():
        assert [(p["days"], p["cost"]) for p in points] == budget_run.jcl_frontier(int(level))
        for p in points:
            assert dt.date.fromisoformat(p["date"]) == finish_date(p["days"])


# --- deterministic cost ----------------------------------------------------------------


def test_deterministic_cost_by_hand():
    """deterministic_cost = fixed at most likely + rate x most likely duration (+ responses)."""
    s = make(
        [
            # mode 4: 200 (mode of the fixed cost) + 50 x 4
            Task("a", duration=Triangular(2, 4, 9), cost=TaskCost(Triangular(100, 200, 400), 50)),
            # mode 5: 1000 + 10 x 5
            Task("b", duration=Pert(3, 5, 12), cost=TaskCost(Fixed(1000), 10)),
            # uniform has no mode: its mean 4; 100 x 4
            Task("c", duration=Uniform(2, 6), cost=TaskCost(per_day=100)),
            Task("d", duration=Fixed(7)),
        ],
        [
            Risk("R1", 0.5, cost=Fixed(10_000), mitigated=Mitigation(response_cost=5000)),
            Risk(
                "R2",
                0.5,
                cost=Fixed(3_000),
                mitigated=Mitigation(probability=0.1, response_cost=2500),
            ),
            Risk("R3", 0.5, cost=Fixed(1_000)),
        ],
    )
    assert deterministic_cost(s) == 400 + 1050 + 400
    assert deterministic_cost(s, mitigated=True) == 1850 + 5000 + 2500
    r = simulate(s, 200, SEED, threads=1)
    assert r.deterministic_cost == 1850
    assert r.to_dict()["cost"]["deterministic"] == 1850
    assert simulate(s, 200, SEED, threads=1, mitigated=True).deterministic_cost == 9350
