"""What drives the result: exclusion ranking of risks, task sensitivity and merge bias.

The exclusion ranking switches each risk off and re-runs on the same random numbers.
Streams are named by ids, so removing a risk from the register gives exactly the draws
of switching it off: the naive reference below simulates the scenario without that
risk and takes the difference of the P80s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import integrate, stats

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
from pmo_sim.engine.ranking import RANKING_ITERATIONS, rank_risks
from pmo_sim.engine.simulate import sample_durations

START = dt.date(2027, 1, 4)
SEED = 8080


def make(tasks, risks=()) -> Scenario:
    return Scenario(
        project=Project(name="Ranking probe", start=START), tasks=tuple(tasks), risks=tuple(risks)
    )


def fixed_chain(*durations: float) -> list[Task]:
    return [
        Task(f"t{k}", duration=Fixed(d), predecessors=(Link(f"t{k - 1}"),) if k > 1 else ())
        for k, d in enumerate(durations, start=1)
    ]


# --- exclusion ranking -----------------------------------------------------------------


def test_a_risk_that_changes_nothing_contributes_exactly_zero():
    """A zero delay, or a delay smaller than the task's float, contributes exactly 0."""
    tasks = [
        *fixed_chain(10, 6, 8),
        # 'side' has 20 days of float against t2 -> t3 (14 days): a 3-day delay never shows.
        Task("side", duration=Triangular(1, 2, 4), predecessors=(Link("t1"),)),
        Task("end", milestone=True, predecessors=(Link("t3"), Link("side"))),
    ]
    risks = [
        Risk("zero", probability=0.5, impacts=(Impact(("t2",), delay=Fixed(0)),)),
        Risk("floaty", probability=0.6, impacts=(Impact(("side",), delay=Fixed(3)),)),
        Risk(
            "real",
            probability=0.5,
            impacts=(Impact(("t2",), delay=Uniform(1, 9)),),
            cost=Fixed(800),
        ),
    ]
    r = simulate(make(tasks, risks), 4000, SEED, threads=2, rank=True)
    rk = r.risk_ranking
    for k in (0, 1):
        assert rk.p80_finish_contribution[k] == 0.0
        assert rk.p80_cost_contribution[k] == 0.0
        assert rk.mean_delay[k] == 0.0
        assert rk.mean_cost[k] == 0.0
    assert rk.p80_finish_contribution[2] > 0  # the check above is not vacuous


def test_ranking_order_is_obvious_by_construction():
    """Three critical-path risks with delays 1, 5 and 20 (p = 0.9) rank 20, 5, 1."""
    risks = [
        Risk(f"D{d}", probability=0.9, impacts=(Impact((f"t{k}",), delay=Fixed(d)),))
        for k, d in ((1, 1), (2, 5), (3, 20))
    ]
    r = simulate(make(fixed_chain(10, 10, 10), risks), 4000, SEED, threads=2, rank=True)
    rk = r.risk_ranking
    assert [rk.risk_ids[k] for k in rk.order("finish")] == ["D20", "D5", "D1"]
    assert rk.risk_ids == ("D1", "D5", "D20")


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_p80_contributions_of_near_certain_fixed_delays_are_the_delays(sampling):
    """With p = 0.95 each, P80 with all risks is base + 26 and each exclusion removes its delay."""
    risks = [
        Risk(f"D{d}", probability=0.95, impacts=(Impact((f"t{k}",), delay=Fixed(d)),))
        for k, d in ((1, 1), (2, 5), (3, 20))
    ]
    rk = simulate(
        make(fixed_chain(10, 10, 10), risks), 4000, SEED, sampling, threads=2, rank=True
    ).risk_ranking
    # P(all three occur) = 0.857 and P(both others occur) = 0.9025, far above the 0.2 the
    # P80 needs (20 binomial SEs at n = 4000): every P80 is an exact sum of delays.
    assert_array_equal(rk.p80_finish_contribution, [1.0, 5.0, 20.0])


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_mean_delay_of_a_fixed_delay_is_d_times_the_observed_probability(sampling):
    """On a single serial chain, mean_delay = d x observed probability; mean_cost = c x it."""
    n, d, c = 5000, 4.0, 1250.0
    s = make(
        fixed_chain(10, 5, 7),
        [Risk("R", probability=0.35, impacts=(Impact(("t2",), delay=Fixed(d)),), cost=Fixed(c))],
    )
    r = simulate(s, n, SEED, sampling, threads=2, rank=True, ranking_iterations=n)
    observed = r.risk_probability("R")
    assert r.risk_ranking.iterations == n
    assert r.risk_ranking.mean_delay[0] == pytest.approx(d * observed, rel=1e-12)
    assert r.risk_ranking.mean_cost[0] == pytest.approx(c * observed, rel=1e-12)
    doc = r.to_dict()["risks"]["R"]
    assert doc["mean_delay_days"] == r.risk_ranking.mean_delay[0]
    assert doc["ranking_iterations"] == n


def uncertain_register(mitigated_probability: float | None = None) -> Scenario:
    return make(
        [
            Task("a", duration=Triangular(5, 8, 15), cost=TaskCost(Fixed(1000), 120)),
            Task(
                "b", duration=Pert(4, 6, 12), cost=TaskCost(per_day=80), predecessors=(Link("a"),)
            ),
            Task("c", duration=Uniform(6, 11), predecessors=(Link("a"),)),
            Task("d", duration=Triangular(2, 3, 5), predecessors=(Link("b"), Link("c"))),
        ],
        [
            Risk(
                "R1",
                probability=0.4,
                impacts=(Impact(("b",), delay=Triangular(2, 4, 10)),),
                cost=Uniform(500, 3000),
                mitigated=Mitigation(probability=mitigated_probability),
            ),
            Risk("R2", probability=0.3, impacts=(Impact(("c",), factor=Uniform(1.2, 1.6)),)),
            Risk(
                "O1", probability=0.5, impacts=(Impact(("a",), delay=Fixed(-2)),), cost=Fixed(-400)
            ),
            Risk("C1", probability=0.2, cost=Triangular(1000, 2000, 6000)),
        ],
    )


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_contribution_is_p80_minus_p80_of_the_register_without_that_risk(sampling):
    """Each contribution equals P80(all) - P80(scenario with that risk removed), same draws."""
    n = 3000
    s = uncertain_register()
    full = simulate(s, n, SEED, sampling, threads=2, rank=True)
    rk = full.risk_ranking
    for k, risk in enumerate(s.risks):
        rest = dataclasses.replace(s, risks=tuple(x for x in s.risks if x.id != risk.id))
        without = simulate(rest, n, SEED, sampling, threads=2)
        assert rk.p80_finish_contribution[k] == np.percentile(full.finish_days, 80) - np.percentile(
            without.finish_days, 80
        )
        assert rk.p80_cost_contribution[k] == np.percentile(full.cost, 80) - np.percentile(
            without.cost, 80
        )
        assert rk.mean_delay[k] == pytest.approx(
            np.mean(full.finish_days - without.finish_days), rel=1e-12, abs=1e-12
        )
        assert rk.mean_cost[k] == pytest.approx(
            np.mean(full.cost - without.cost), rel=1e-12, abs=1e-9
        )
    # The opportunity shortens the finish and saves money: negative contributions.
    assert rk.mean_delay[2] < 0 and rk.mean_cost[2] < 0
    # A cost-only risk never moves the finish.
    assert rk.p80_finish_contribution[3] == 0.0 and rk.mean_delay[3] == 0.0


def test_order_by_cost_sorts_by_the_cost_contribution():
    """order('cost') lists the risks by decreasing P80 cost contribution, ties in register order."""
    rk = simulate(uncertain_register(), 3000, SEED, threads=2, rank=True).risk_ranking
    expected = sorted(range(4), key=lambda k: (-rk.p80_cost_contribution[k], k))
    assert rk.order("cost") == expected
    expected = sorted(range(4), key=lambda k: (-rk.p80_finish_contribution[k], k))
    assert rk.order("finish") == expected
    assert rk.order("cost") != rk.order("finish")  # the two orders differ on this register


def test_rank_risks_alone_matches_the_ranking_inside_simulate():
    """rank_risks (own baseline run) gives the same arrays as simulate(rank=True)."""
    s = uncertain_register()
    inside = simulate(s, 3000, SEED, "lhs", threads=2, rank=True).risk_ranking
    alone = rank_risks(s, 3000, SEED, "lhs", threads=1, block_size=128)
    for field in ("p80_finish_contribution", "p80_cost_contribution", "mean_delay", "mean_cost"):
        assert_array_equal(getattr(alone, field), getattr(inside, field))
    assert alone.risk_ids == inside.risk_ids


def test_ranking_iterations_default_and_cap():
    """Ranking runs use min(iterations, 10,000) by default and never more than the run."""
    s = uncertain_register()
    assert simulate(s, 1500, SEED, threads=2, rank=True).risk_ranking.iterations == 1500
    assert RANKING_ITERATIONS == 10_000
    capped = simulate(s, 1500, SEED, threads=2, rank=True, ranking_iterations=9000)
    assert capped.risk_ranking.iterations == 1500
    fewer = simulate(s, 1500, SEED, threads=2, rank=True, ranking_iterations=700)
    assert fewer.risk_ranking.iterations == 700
    assert simulate(s, 500, SEED, threads=2).risk_ranking is None  # rank defaults to False


def test_mitigated_ranking_uses_the_post_mitigation_register():
    """rank_risks(mitigated=True) switches off the mitigated risks; mean_delay follows."""
    n = 4096
    s = make(
        fixed_chain(10, 5),
        [
            Risk(
                "R",
                probability=0.5,
                impacts=(Impact(("t1",), delay=Fixed(6)),),
                mitigated=Mitigation(probability=0.125),
            )
        ],
    )
    post = rank_risks(s, n, SEED, "lhs", threads=2, mitigated=True)
    pre = rank_risks(s, n, SEED, "lhs", threads=2)
    # LHS blocks of 1,024 hold exactly 1024 p hits when 1024 p is whole: 512 and 128.
    assert pre.mean_delay[0] == pytest.approx(6 * 0.5, rel=1e-12)
    assert post.mean_delay[0] == pytest.approx(6 * 0.125, rel=1e-12)
    # P80 pre: half the iterations are delayed, so P80 = 21 and the contribution is 6;
    # post: 12.5% delayed, P80 = 15, and nothing to remove.
    assert pre.p80_finish_contribution[0] == 6.0
    assert post.p80_finish_contribution[0] == 0.0


# --- sensitivity -----------------------------------------------------------------------


def test_sensitivity_of_the_only_uncertain_task_is_one():
    """A single uncertain task on a chain of fixed ones has sensitivity and cruciality 1."""
    s = make(
        [
            Task("setup", duration=Fixed(5)),
            Task("work", duration=Triangular(5, 10, 30), predecessors=(Link("setup"),)),
            Task("close", duration=Fixed(3), predecessors=(Link("work"),)),
        ]
    )
    r = simulate(s, 3000, SEED, threads=2)
    st = r.task_stats
    assert st.sensitivity[1] == pytest.approx(1.0, abs=1e-12)
    assert st.cruciality[1] == pytest.approx(1.0, abs=1e-12)
    # ssi = criticality x sd(duration) / sd(finish); the durations are kept as float32.
    assert st.ssi[1] == pytest.approx(1.0, abs=1e-6)
    # Fixed tasks have no spread: no rank correlation, no ssi.
    assert st.sensitivity[0] == st.sensitivity[2] == 0.0
    assert st.ssi[0] == st.ssi[2] == 0.0
    assert r.criticality == {"setup": 1.0, "work": 1.0, "close": 1.0}


def test_sensitivity_ssi_and_cruciality_match_naive_formulas():
    """Sensitivity = Spearman(d, finish); ssi = crit sd(d) / sd(finish); cruciality = crit sens."""
    n = 3000
    s = uncertain_register()
    r = simulate(s, n, SEED, threads=2)
    st = r.task_stats
    assert st.sensitivity_iterations == n  # every iteration (fewer than 10,000)
    d = sample_durations(s, SEED, None, 0, n)
    finish = r.finish_days
    for i, tid in enumerate(s.task_ids):
        crit = r.criticality[tid]
        naive = stats.spearmanr(d[i], finish).statistic
        # Durations are kept as float32 for this statistic: a rare tie from rounding
        # moves a rank correlation by ~1e-10.
        assert st.sensitivity[i] == pytest.approx(naive, abs=1e-6)
        assert st.cruciality[i] == pytest.approx(crit * naive, abs=1e-6)
        assert st.ssi[i] == pytest.approx(crit * d[i].std() / finish.std(), rel=1e-5)
    doc = r.to_dict()["tasks"]
    for i, tid in enumerate(s.task_ids):
        assert doc[tid]["sensitivity"] == st.sensitivity[i]
        assert doc[tid]["ssi"] == st.ssi[i]
        assert doc[tid]["cruciality"] == st.cruciality[i]


def test_mean_duration_and_mean_start_include_risk_impacts():
    """mean_duration / mean_start are the means of the simulated durations and starts."""
    n = 3000
    s = uncertain_register()
    st = simulate(s, n, SEED, threads=2).task_stats
    d = sample_durations(s, SEED, None, 0, n)
    # Sums are kept in fixed point with 2**-16 days per unit: each value is rounded by at
    # most 2**-17, and so is the mean.
    assert_allclose(st.mean_duration, d.mean(axis=1), rtol=0, atol=2**-17 + 1e-12)
    ids = s.task_ids
    a, b, c = (d[ids.index(t)] for t in "abc")
    starts = {"a": 0 * a, "b": a, "c": a, "d": a + np.maximum(b, c)}
    for tid, start in starts.items():
        assert st.mean_start[ids.index(tid)] == pytest.approx(start.mean(), abs=2**-17 + 1e-12)


# --- merge bias ------------------------------------------------------------------------


def max_moments(dist, n: int) -> tuple[float, float]:
    """Mean and sd of the largest of n independent draws, by numerical integration."""
    lo, hi = dist.support()

    def tail(x):
        return 1.0 - dist.cdf(x) ** n

    mean = lo + integrate.quad(tail, lo, hi, epsabs=1e-12)[0]
    # E[M^2] = lo^2 + integral of 2x P(M > x) dx over [lo, hi].
    second = lo * lo + integrate.quad(lambda x: 2 * x * tail(x), lo, hi, epsabs=1e-12)[0]
    return mean, math.sqrt(second - mean * mean)


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_merge_bias_of_n_parallel_tasks_is_expected_max_minus_mean(sampling):
    """A merge fed by n identical parallel tasks has merge bias E[max of n] - mean."""
    n_paths, n = 3, 20_000
    dist = Triangular(10, 12, 20)
    s = make(
        [
            Task("start", milestone=True),
            *(Task(f"p{k}", duration=dist, predecessors=(Link("start"),)) for k in range(n_paths)),
            Task(
                "merge",
                duration=Fixed(2),
                predecessors=tuple(Link(f"p{k}") for k in range(n_paths)),
            ),
        ]
    )
    r = simulate(s, n, SEED, sampling, threads=2)
    e_max, sd_max = max_moments(dist.scipy(), n_paths)
    expected = e_max - dist.mean  # the CPM start from mean durations is the mean itself
    bias = r.task_stats.merge_bias[-1]
    # The estimate is mean(max) - max_k mean(p_k): its error is at most the error of the
    # first mean (SE sd_max / sqrt(n)) plus the largest error of the path means (SE
    # sd / sqrt(n) each); 4 times the sum of those SEs bounds it.
    se = (sd_max + dist.scipy().std()) / math.sqrt(n)
    assert bias > 0
    assert abs(bias - expected) <= 4 * se
    # And it is the gap between the merge's mean start and the CPM start from the means.
    assert r.task_stats.mean_start[-1] == pytest.approx(e_max, abs=4 * sd_max / math.sqrt(n))


def test_merge_bias_is_zero_when_one_path_always_dominates():
    """When the same predecessor drives a merge in every iteration, the merge bias is 0."""
    s = make(
        [
            Task("long", duration=Fixed(100)),
            Task("short", duration=Triangular(1, 5, 10)),
            Task("merge", duration=Fixed(1), predecessors=(Link("long"), Link("short"))),
        ]
    )
    assert simulate(s, 2000, SEED, threads=2).task_stats.merge_bias[2] == 0.0


def test_merge_bias_is_none_for_tasks_without_two_distinct_predecessors():
    """to_dict gives merge_bias None for 0 or 1 distinct predecessors, a number for a merge."""
    s = make(
        [
            Task("a", duration=Triangular(1, 2, 6)),
            Task("b", duration=Triangular(1, 3, 6), predecessors=(Link("a"),)),
            # Two links from the same predecessor are still one predecessor.
            Task("c", duration=Triangular(2, 3, 6), predecessors=(Link("a"), Link("a", "SS", 1))),
            Task("m", duration=Fixed(1), predecessors=(Link("b"), Link("c"))),
        ]
    )
    r = simulate(s, 2000, SEED, threads=2)
    doc = r.to_dict()["tasks"]
    assert doc["a"]["merge_bias"] is None
    assert doc["b"]["merge_bias"] is None
    assert doc["c"]["merge_bias"] is None
    assert isinstance(doc["m"]["merge_bias"], float)
    assert doc["m"]["merge_bias"] > 0
    assert np.isnan(r.task_stats.merge_bias[:3]).all()
