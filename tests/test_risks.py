"""The risk register: occurrence, impacts (delays and factors), opportunities, mitigation.

Semantics pinned here (docs/scenario-format.md "[[risks]]" and ``engine/kernels``): each
risk occurs with its probability on its own random stream; one severity uniform per risk
and iteration drives all of its impacts; for each task, the occurring factors multiply
the sampled duration, then the occurring delays add, and the result is clamped at 0.
Streams are named by ids, so the same scenario without its risks gives the base draws,
which the exact checks below use as their reference."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from pmo_sim import (
    Correlation,
    Fixed,
    Impact,
    Link,
    Mitigation,
    Project,
    Risk,
    Scenario,
    ScenarioError,
    Task,
    TaskCost,
    Triangular,
    Uniform,
    simulate,
)
from pmo_sim.engine.simulate import sample_durations

START = dt.date(2027, 1, 4)  # a Monday
SEED = 20270104
LHS_BLOCK = 1024  # documented: LHS stratifies each stream within blocks of 1,024


def make(tasks, risks=(), correlations=(), **project) -> Scenario:
    return Scenario(
        project=Project(name="Risk probe", start=START, **project),
        tasks=tuple(tasks),
        risks=tuple(risks),
        correlations=tuple(correlations),
    )


def without_risks(scenario: Scenario) -> Scenario:
    """The same scenario with an empty register (same task streams, by id)."""
    return dataclasses.replace(scenario, risks=())


def fixed_chain(*durations: float) -> list[Task]:
    """Tasks t1..tN with fixed durations, each finish-to-start after the one before."""
    return [
        Task(f"t{k}", duration=Fixed(d), predecessors=(Link(f"t{k - 1}"),) if k > 1 else ())
        for k, d in enumerate(durations, start=1)
    ]


# --- occurrence ------------------------------------------------------------------------


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_fixed_serial_path_meets_base_finish_with_probability_one_minus_p(sampling):
    """On a fixed serial path, one risk (p, fixed delay d) gives P(finish <= base) = 1 - p."""
    p, d, n = 0.3, 4.0, 20_000
    s = make(
        fixed_chain(10, 5, 7),
        [Risk("R1", probability=p, impacts=(Impact(("t2",), delay=Fixed(d)),))],
    )
    r = simulate(s, iterations=n, seed=SEED, sampling=sampling, threads=2)
    base = 22.0
    occurred = r.risk_occurrence[0].astype(bool)
    # Every iteration finishes exactly at base or base + d, later exactly when R1 occurred.
    assert_array_equal(r.finish_days, np.where(occurred, base + d, base))
    # Occurrences are Bernoulli(p): SE of the fraction is sqrt(p (1 - p) / n) = 0.0032 for
    # n = 20,000; LHS stratifies the occurrence stream, so that SE only overstates its
    # error. A 4-SE bound fails a correct engine with probability < 1e-4.
    se = math.sqrt(p * (1 - p) / n)
    assert abs(r.probability_within(base) - (1 - p)) <= 4 * se


def test_lhs_stratifies_occurrence_in_every_block():
    """With LHS, each complete block of 1,024 iterations has floor(1024 p) or one more hits."""
    p = 0.3
    s = make(
        fixed_chain(10, 5),
        [Risk("R1", probability=p, impacts=(Impact(("t1",), delay=Fixed(1)),))],
    )
    r = simulate(s, iterations=8 * LHS_BLOCK, seed=SEED, sampling="lhs", threads=2)
    counts = r.risk_occurrence[0].reshape(8, LHS_BLOCK).sum(axis=1)
    # u = (stratum + v) / 1024 < p holds for every stratum below floor(1024 p) and maybe
    # for the stratum that contains p: 307 or 308 hits for p = 0.3.
    low = math.floor(LHS_BLOCK * p)
    assert set(counts.tolist()) <= {low, low + 1}


def test_risk_occurrence_array_and_observed_probability():
    """risk_occurrence is (risks x iterations) uint8, read-only; risk_probability is its mean."""
    s = make(
        fixed_chain(3, 4),
        [
            Risk("A", probability=0.25, impacts=(Impact(("t1",), delay=Fixed(1)),)),
            Risk("B", probability=0.6, cost=Fixed(100)),
        ],
    )
    r = simulate(s, iterations=3000, seed=SEED, threads=1)
    occ = r.risk_occurrence
    assert occ.shape == (2, 3000)
    assert occ.dtype == np.uint8
    assert set(np.unique(occ).tolist()) <= {0, 1}
    assert not occ.flags.writeable
    assert r.risk_ids == ("A", "B")
    for k, rid in enumerate(r.risk_ids):
        assert r.risk_probability(rid) == occ[k].mean()
        assert r.to_dict()["risks"][rid]["observed_probability"] == occ[k].mean()


def test_probability_one_occurs_in_every_iteration_and_zero_in_none():
    """A risk with probability 1 occurs in every iteration; one with probability 0 in none."""
    s = make(
        fixed_chain(3, 4),
        [
            Risk("always", probability=1.0, impacts=(Impact(("t1",), delay=Fixed(2)),)),
            Risk("never", probability=0.0, impacts=(Impact(("t2",), delay=Fixed(50)),)),
        ],
    )
    for sampling in ("lhs", "random"):
        r = simulate(s, iterations=2500, seed=SEED, sampling=sampling, threads=2)
        assert r.risk_occurrence[0].all()
        assert not r.risk_occurrence[1].any()
        assert_array_equal(r.finish_days, np.full(2500, 9.0))


def test_two_risks_occur_independently():
    """Two risks' occurrence streams are independent: P(both) = p1 p2 within sampling error."""
    p1, p2, n = 0.5, 0.4, 20_000
    s = make(
        fixed_chain(3, 4),
        [
            Risk("A", probability=p1, impacts=(Impact(("t1",), delay=Fixed(1)),)),
            Risk("B", probability=p2, impacts=(Impact(("t2",), delay=Fixed(1)),)),
        ],
    )
    r = simulate(s, iterations=n, seed=SEED, sampling="random", threads=2)
    both = np.mean(r.risk_occurrence[0] & r.risk_occurrence[1])
    # Bernoulli(q = 0.2) fraction: SE sqrt(q (1 - q) / n) = 0.0028 for n = 20,000; 4 SE.
    q = p1 * p2
    assert abs(both - q) <= 4 * math.sqrt(q * (1 - q) / n)


# --- impacts ---------------------------------------------------------------------------


def parallel_pair(risk: Risk) -> Scenario:
    """start -> {a, b} -> end, with ``risk`` on a and b, and an untouched task c."""
    return make(
        [
            Task("start", milestone=True),
            Task("a", duration=Triangular(4, 6, 11), predecessors=(Link("start"),)),
            Task("b", duration=Uniform(3, 9), predecessors=(Link("start"),)),
            Task("c", duration=Triangular(1, 2, 6), predecessors=(Link("start"),)),
            Task("end", milestone=True, predecessors=(Link("a"), Link("b"), Link("c"))),
        ],
        [risk],
    )


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_risk_on_two_parallel_tasks_moves_both_in_the_same_iterations(sampling):
    """A delay on two parallel tasks lengthens both, by one shared draw, exactly when it occurs."""
    n = 3000
    s = parallel_pair(
        Risk("R", probability=0.4, impacts=(Impact(("a", "b"), delay=Uniform(2, 6)),))
    )
    occurred = simulate(s, iterations=n, seed=SEED, sampling=sampling, threads=2).risk_occurrence[0]
    occurred = occurred.astype(bool)
    ids = s.task_ids
    with_risk = sample_durations(s, SEED, sampling, 0, n)
    base = sample_durations(without_risks(s), SEED, sampling, 0, n)
    grow_a = with_risk[ids.index("a")] - base[ids.index("a")]
    grow_b = with_risk[ids.index("b")] - base[ids.index("b")]
    assert_array_equal(grow_a > 0, occurred)
    assert_array_equal(grow_b > 0, occurred)
    assert_array_equal(grow_a[~occurred], 0.0)
    assert_array_equal(grow_b[~occurred], 0.0)
    # One delay draw per iteration, shared by both tasks (equal up to the rounding of
    # (x + d) - x, a few ulps of the durations).
    assert_allclose(grow_a, grow_b, rtol=0, atol=1e-13)
    assert np.all((grow_a[occurred] >= 2 - 1e-13) & (grow_a[occurred] <= 6 + 1e-13))
    # The task the risk does not name is untouched, bit for bit.
    assert_array_equal(with_risk[ids.index("c")], base[ids.index("c")])


def test_factor_on_two_tasks_scales_both_by_the_same_draw():
    """A factor impact on two tasks multiplies both by one shared draw when the risk occurs."""
    n = 3000
    s = parallel_pair(
        Risk("R", probability=0.5, impacts=(Impact(("a", "b"), factor=Uniform(1.1, 1.6)),))
    )
    occurred = simulate(s, iterations=n, seed=SEED, threads=2).risk_occurrence[0].astype(bool)
    ids = s.task_ids
    with_risk = sample_durations(s, SEED, None, 0, n)
    base = sample_durations(without_risks(s), SEED, None, 0, n)
    ratio_a = with_risk[ids.index("a")] / base[ids.index("a")]
    ratio_b = with_risk[ids.index("b")] / base[ids.index("b")]
    assert_array_equal(ratio_a[~occurred], 1.0)
    assert_array_equal(ratio_b[~occurred], 1.0)
    assert_allclose(ratio_a, ratio_b, rtol=1e-14)
    assert np.all((ratio_a[occurred] >= 1.1 - 1e-14) & (ratio_a[occurred] <= 1.6 + 1e-14))


def test_one_severity_uniform_drives_every_impact_of_a_risk():
    """All impacts of one risk are quantiles of one severity uniform: comonotone draws."""
    n = 2000
    # Zero-length probe tasks show the delays directly: duration = max(0, 0 + delay).
    first, second = Uniform(0, 10), Triangular(2, 3, 9)
    s = make(
        [Task("x", duration=Fixed(0)), Task("y", duration=Fixed(0))],
        [
            Risk(
                "R",
                probability=1.0,
                impacts=(Impact(("x",), delay=first), Impact(("y",), delay=second)),
            )
        ],
    )
    x, y = sample_durations(s, SEED, "random", 0, n)
    # y = F_second^-1(F_first(x)): the same uniform through both quantile functions.
    expected = stats.triang(c=(3 - 2) / (9 - 2), loc=2, scale=7).ppf(x / 10.0)
    assert_allclose(y, expected, rtol=1e-9, atol=1e-9)
    assert len(np.unique(x)) == n  # the severity is drawn afresh in every iteration


def test_opportunity_shortens_by_negative_delay_and_factor_below_one():
    """An opportunity's negative delay or factor < 1 shortens its task when it occurs."""
    n = 2000
    s = make(
        [*fixed_chain(10, 8), Task("t3", duration=Fixed(6), predecessors=(Link("t2"),))],
        [
            Risk("O1", probability=0.5, impacts=(Impact(("t1",), delay=Fixed(-2)),)),
            Risk("O2", probability=0.3, impacts=(Impact(("t2",), factor=Fixed(0.5)),)),
            # A saving longer than the task stops at a zero duration.
            Risk("O3", probability=0.2, impacts=(Impact(("t3",), delay=Fixed(-15)),)),
        ],
    )
    assert [r.type for r in s.risks] == ["opportunity"] * 3  # inferred from the impacts
    r = simulate(s, iterations=n, seed=SEED, threads=2)
    o1, o2, o3 = r.risk_occurrence.astype(bool)
    d = sample_durations(s, SEED, None, 0, n)
    assert_array_equal(d[0], np.where(o1, 8.0, 10.0))
    assert_array_equal(d[1], np.where(o2, 4.0, 8.0))
    assert_array_equal(d[2], np.where(o3, 0.0, 6.0))
    assert_array_equal(r.finish_days, d.sum(axis=0))
    assert r.finish_days.max() == 24.0
    assert r.finish_days.min() == 12.0  # all three occurred together at least once


def test_factors_multiply_then_delays_add_and_the_result_is_clamped_at_zero():
    """Duration = max(0, base x f1 x f2 + d1 + d2) over the occurring risks, per iteration."""
    n = 4096
    # Probes reveal each risk's draw: a factor on a Fixed(1) task gives the factor itself,
    # a delay on a Fixed(0) task gives the delay. When the risk does not occur the probe
    # keeps its base value, 1 or 0: exactly the neutral element of the combination.
    s = make(
        [
            Task("t", duration=Triangular(5, 8, 14)),
            Task("f1", duration=Fixed(1)),
            Task("f2", duration=Fixed(1)),
            Task("d1", duration=Fixed(0)),
        ],
        [
            Risk("F1", probability=0.5, impacts=(Impact(("t", "f1"), factor=Uniform(1.1, 1.5)),)),
            Risk("F2", probability=0.4, impacts=(Impact(("t", "f2"), factor=Uniform(0.5, 0.9)),)),
            Risk("D1", probability=0.6, impacts=(Impact(("t", "d1"), delay=Uniform(1, 4)),)),
            Risk("D2", probability=0.5, impacts=(Impact(("t",), delay=Fixed(-9)),)),
        ],
    )
    assert [r.type for r in s.risks] == ["threat", "opportunity", "threat", "opportunity"]
    r = simulate(s, iterations=n, seed=SEED, threads=2)
    occ = r.risk_occurrence.astype(bool)
    t, f1, f2, d1 = sample_durations(s, SEED, None, 0, n)
    base = sample_durations(without_risks(s), SEED, None, 0, n)[0]
    # The probes follow their risk's occurrence exactly.
    assert_array_equal(f1 != 1.0, occ[0])
    assert_array_equal(f2 != 1.0, occ[1])
    assert_array_equal(d1 != 0.0, occ[2])
    d2 = np.where(occ[3], -9.0, 0.0)
    raw = base * f1 * f2 + d1 + d2
    # The clamp must be exercised, and so must the unclamped case with all four risks.
    assert np.any(raw < 0) and np.any((raw > 0) & occ.all(axis=0))
    # The order of the two multiplications is not specified: equal up to rounding.
    assert_allclose(t, np.maximum(raw, 0.0), rtol=1e-13, atol=1e-13)
    assert np.all(t >= 0.0)


def test_a_task_named_twice_in_one_impact_is_hit_once():
    """Listing a task twice in an impact applies the impact to it once."""
    s = make(
        fixed_chain(10),
        [Risk("R", probability=1.0, impacts=(Impact(("t1", "t1"), delay=Fixed(3)),))],
    )
    assert_array_equal(sample_durations(s, SEED, None, 0, 50), np.full((1, 50), 13.0))


def test_two_impacts_of_one_risk_on_the_same_task_both_apply():
    """Two impacts of one risk on one task: the factor multiplies, then the delay adds."""
    s = make(
        fixed_chain(10),
        [
            Risk(
                "R",
                probability=1.0,
                impacts=(Impact(("t1",), delay=Fixed(3)), Impact(("t1",), factor=Fixed(1.5))),
            )
        ],
    )
    # 10 x 1.5 + 3, whatever the order the impacts are listed in.
    assert_array_equal(sample_durations(s, SEED, None, 0, 50), np.full((1, 50), 18.0))


# --- common random numbers -------------------------------------------------------------


def costed_network(risks) -> Scenario:
    return make(
        [
            Task("a", duration=Triangular(2, 4, 9), cost=TaskCost(fixed=Fixed(500), per_day=80)),
            Task(
                "b",
                duration=Uniform(3, 7),
                cost=TaskCost(fixed=Triangular(100, 200, 600), per_day=30),
                predecessors=(Link("a"),),
            ),
            Task("c", duration=Triangular(1, 5, 6), predecessors=(Link("a"),)),
            Task("d", duration=Fixed(2), predecessors=(Link("b"), Link("c"))),
        ],
        risks,
        correlations=(Correlation(0.5, tasks=("b", "c")),),
    )


ACTIVE = Risk(
    "R2",
    probability=0.5,
    impacts=(Impact(("c",), delay=Triangular(1, 2, 8)),),
    cost=Triangular(1000, 2000, 5000),
)


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_probability_zero_risk_changes_nothing_bit_for_bit(sampling):
    """A risk with probability 0 leaves finish and cost arrays identical, bit for bit."""
    dormant = Risk(
        "R1",
        probability=0.0,
        impacts=(Impact(("a", "b"), delay=Triangular(5, 10, 30), factor=Uniform(1.2, 2)),),
        cost=Triangular(10_000, 20_000, 50_000),
    )
    with_it = simulate(costed_network([dormant, ACTIVE]), 3000, SEED, sampling, threads=2)
    without = simulate(costed_network([ACTIVE]), 3000, SEED, sampling, threads=2)
    assert_array_equal(with_it.finish_days, without.finish_days)
    assert_array_equal(with_it.cost, without.cost)
    assert_array_equal(with_it.risk_occurrence[1], without.risk_occurrence[0])
    assert with_it.criticality == without.criticality


def test_adding_a_risk_leaves_the_other_draws_unchanged():
    """Streams are named by ids: a new risk changes no other risk's occurrence or task's draw."""
    n = 3000
    extra = Risk("R9", probability=0.7, impacts=(Impact(("a",), delay=Fixed(4)),))
    before = costed_network([ACTIVE])
    after = costed_network([extra, ACTIVE])
    occ_before = simulate(before, n, SEED, threads=2).risk_occurrence
    occ_after = simulate(after, n, SEED, threads=2).risk_occurrence
    assert_array_equal(occ_after[1], occ_before[0])
    d_before = sample_durations(before, SEED, None, 0, n)
    d_after = sample_durations(after, SEED, None, 0, n)
    ids = before.task_ids
    for tid in ("b", "c", "d"):  # R9 hits only a
        assert_array_equal(d_after[ids.index(tid)], d_before[ids.index(tid)])
    assert_array_equal(d_after[0], d_before[0] + np.where(occ_after[0] == 1, 4.0, 0.0))


def test_sample_durations_of_any_iteration_range_match_the_whole_run():
    """Durations with risks are a pure function of the iteration: any slice gives the same."""
    s = costed_network([ACTIVE])
    whole = sample_durations(s, SEED, "lhs", 0, 3000)
    assert_array_equal(sample_durations(s, SEED, "lhs", 1234, 777), whole[:, 1234:2011])


# --- mitigation ------------------------------------------------------------------------


def test_mitigated_state_replaces_probability_and_impacts():
    """``mitigated=True`` uses the mitigated probability and impacts; pre-mitigation is kept."""
    n = 4 * LHS_BLOCK
    risk = Risk(
        "R1",
        probability=0.5,
        impacts=(Impact(("t1",), delay=Fixed(5)),),
        mitigated=Mitigation(probability=0.125, impacts=(Impact(("t1",), delay=Fixed(1)),)),
    )
    s = make(fixed_chain(10, 4), [risk])
    pre = simulate(s, iterations=n, seed=SEED, sampling="lhs", threads=2)
    post = simulate(s, iterations=n, seed=SEED, sampling="lhs", threads=2, mitigated=True)
    # LHS blocks of 1,024 stratify the occurrence: exactly 1024 p hits per block when
    # 1024 p is a whole number (512 and 128 here).
    assert pre.risk_occurrence.sum() == n // 2
    assert post.risk_occurrence.sum() == n // 8
    assert post.mitigated and not pre.mitigated
    d_pre = sample_durations(s, SEED, "lhs", 0, n)
    d_post = sample_durations(s, SEED, "lhs", 0, n, mitigated=True)
    assert_array_equal(d_pre[0], np.where(pre.risk_occurrence[0] == 1, 15.0, 10.0))
    assert_array_equal(d_post[0], np.where(post.risk_occurrence[0] == 1, 11.0, 10.0))
    # Same occurrence stream, lower threshold: every mitigated hit is also a pre hit.
    assert np.all(pre.risk_occurrence[0] >= post.risk_occurrence[0])
    assert post.to_dict()["risks"]["R1"]["probability"] == 0.125
    assert pre.to_dict()["risks"]["R1"]["probability"] == 0.5


def test_mitigation_fields_left_out_keep_the_pre_mitigation_values():
    """A Mitigation with only a probability keeps the impacts and cost of the risk."""
    risk = Risk(
        "R1",
        probability=0.5,
        impacts=(Impact(("t1",), delay=Fixed(5)),),
        cost=Fixed(700),
        mitigated=Mitigation(probability=0.2),
    )
    post = risk.state(True)
    assert post.probability == 0.2
    assert post.impacts == risk.impacts
    assert post.cost == risk.cost
    assert risk.state(False) is risk


# --- validation in the Python API ------------------------------------------------------


@pytest.mark.parametrize(
    ("make_risk", "error", "fragment"),
    [
        (
            lambda: Risk("R", probability=1.5, cost=Fixed(1)),
            ValueError,
            "'probability' must be between 0 and 1 (got 1.5)",
        ),
        (
            lambda: Risk("R", probability=-0.1, cost=Fixed(1)),
            ValueError,
            "'probability' must be between 0 and 1 (got -0.1)",
        ),
        (
            lambda: Impact(("a",), factor=Fixed(0)),
            ValueError,
            "'factor' must be greater than 0 over its whole range (got 0.0)",
        ),
        (
            lambda: Impact(("a",), factor=Uniform(-0.5, 2)),
            ValueError,
            "'factor' must be greater than 0 over its whole range",
        ),
        (lambda: Impact(("a",)), ValueError, "an impact needs a 'delay'"),
        (lambda: Impact((), delay=Fixed(1)), ValueError, "'tasks' must be a non-empty list"),
        (lambda: Risk("R", probability=0.5), ValueError, "a risk needs 'impacts'"),
        (
            lambda: Risk(
                "R", probability=0.5, type="opportunity", impacts=(Impact(("a",), delay=Fixed(3)),)
            ),
            ValueError,
            "'type' must be consistent with its impacts (a delay <= 0 or a factor <= 1 for "
            "an opportunity) (got 'opportunity')",
        ),
        (
            lambda: Risk(
                "R", probability=0.5, impacts=(Impact(("a",), factor=Fixed(0.8)),), type="threat"
            ),
            ValueError,
            "a delay >= 0 or a factor >= 1 for a threat",
        ),
        (
            lambda: Risk("R", probability=0.5, cost=Fixed(1), type="issue"),
            ValueError,
            "'type' must be \"threat\" or \"opportunity\" (got 'issue')",
        ),
        (
            lambda: Correlation(0.5, tasks=("a",)),
            ValueError,
            "'tasks' must be a list of at least two ids (got ['a'])",
        ),
        (
            lambda: Correlation(1.2, tasks=("a", "b")),
            ValueError,
            "'coefficient' must be between -1 and 1 (got 1.2)",
        ),
        (
            lambda: Mitigation(response_cost=-1),
            ValueError,
            "'response_cost' must be 0 or more (got -1.0)",
        ),
    ],
)
def test_invalid_risk_parts_are_refused_with_the_rule(make_risk, error, fragment):
    """Each invalid risk, impact, mitigation or correlation names its field and rule."""
    with pytest.raises(error) as info:
        make_risk()
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    "impact",
    [Impact(("a",), delay=Fixed(0)), Impact(("a",), factor=Fixed(1))],
    ids=["delay 0", "factor 1"],
)
@pytest.mark.parametrize("kind", ["threat", "opportunity"])
def test_a_neutral_impact_fits_either_type(kind, impact):
    """Delay 0 or factor 1 meets both rules (threat: >= 0 / >= 1; opportunity: <= 0 / <= 1)."""
    # E.g. an opportunity that saves money (negative cost) and leaves the task as it is.
    risk = Risk("R", probability=0.5, impacts=(impact,), cost=Fixed(-500), type=kind)
    assert risk.type == kind


def test_scenario_refuses_risks_and_correlations_naming_unknown_ids():
    """Unknown task ids in impacts and unknown ids in correlations are reported with places."""
    with pytest.raises(ScenarioError) as info:
        make(
            fixed_chain(1, 2),
            [
                Risk("R1", probability=0.5, impacts=(Impact(("t1", "nope"), delay=Fixed(1)),)),
                Risk(
                    "R2",
                    probability=0.5,
                    cost=Fixed(1),
                    mitigated=Mitigation(impacts=(Impact(("gone",), delay=Fixed(1)),)),
                ),
            ],
            [Correlation(0.3, risks=("R1", "R7"))],
        )
    problems = [str(p) for p in info.value.problems]
    assert problems == [
        "risks[1] (id 'R1').impacts[1].tasks[2]: unknown task id 'nope': no task has that id",
        "risks[2] (id 'R2').mitigated.impacts[1].tasks[1]: unknown task id 'gone': "
        "no task has that id",
        "correlations[1].risks[2]: unknown risk id 'R7': no risk has that id",
    ]


def test_partial_mitigated_impacts_replace_only_the_tasks_they_name():
    """Mitigated impacts merge by task: tasks they do not name keep their impacts and draws."""
    n = 2 * LHS_BLOCK
    risk = Risk(
        "R",
        probability=0.5,
        impacts=(Impact(("t1", "t2"), delay=Fixed(5)), Impact(("t3",), factor=Fixed(1.5))),
        mitigated=Mitigation(impacts=(Impact(("t1",), delay=Fixed(1)),)),
    )
    # t1 takes the mitigated impact; t2 keeps its share of the first impact, t3 its factor.
    assert risk.state(True).impacts == (
        Impact(("t2",), delay=Fixed(5)),
        Impact(("t3",), factor=Fixed(1.5)),
        Impact(("t1",), delay=Fixed(1)),
    )
    s = make(fixed_chain(10, 4, 6), [risk])
    assert s.mitigated().risks[0].impacts == risk.state(True).impacts
    post = simulate(s, iterations=n, seed=SEED, sampling="lhs", threads=2, mitigated=True)
    hit = post.risk_occurrence[0] == 1
    assert 0 < hit.sum() < n
    d = sample_durations(s, SEED, "lhs", 0, n, mitigated=True)
    assert_array_equal(d[0], np.where(hit, 11.0, 10.0))
    assert_array_equal(d[1], np.where(hit, 9.0, 4.0))
    assert_array_equal(d[2], np.where(hit, 9.0, 6.0))
    assert_array_equal(post.finish_days, d.sum(axis=0))


def test_an_empty_mitigated_impact_list_is_refused():
    """mitigated impacts = () would change nothing once merged by task, so it is refused."""
    with pytest.raises(ValueError) as info:
        Mitigation(impacts=())
    assert str(info.value).startswith("'impacts' must be a non-empty list (mitigated impacts ")
    assert str(info.value).endswith("delay = 0 to take its impact off) (got [])")
