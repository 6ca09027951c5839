"""Correlation groups: the Gaussian copula, rank -> normal conversion, PSD check and repair.

Users give rank (Spearman) correlations ``r``; the copula uses the normal correlation
``rho = 2 sin(pi r / 6)``, whose Gaussian copula has rank correlation exactly ``r``
(Pearson 1907). So the achieved Spearman correlation of two correlated durations must
match ``r``, and for normal marginals their Pearson correlation must match ``rho``.

Standard errors used below:

- Spearman: Fisher's z = atanh(r_s) has sd sqrt(1.06 / (n - 3)) (Fieller, Hartley &
  Pearson 1957); comparing in z removes the (1 - r^2) factor of the delta method.
- Pearson: atanh(r) has sd 1 / sqrt(n - 3) for bivariate normal samples.
- The sample sd s of n normal values has SE sigma / sqrt(2 (n - 1)).

Each bound is 4 SE (a correct engine fails it with probability below 1e-4); Latin
hypercube sampling only reduces these errors.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import optimize, stats

from pmo_sim import (
    Correlation,
    Fixed,
    Impact,
    Link,
    Normal,
    Project,
    Risk,
    Scenario,
    ScenarioError,
    Task,
    Triangular,
    Uniform,
    simulate,
)
from pmo_sim.engine.simulate import sample_durations
from pmo_sim.model.correlation import normal_to_rank, rank_to_normal

START = dt.date(2027, 1, 4)
SEED = 606


def make(tasks, correlations=(), risks=()) -> Scenario:
    return Scenario(
        project=Project(name="Correlation probe", start=START),
        tasks=tuple(tasks),
        risks=tuple(risks),
        correlations=tuple(correlations),
    )


def spearman_z_bound(n: int) -> float:
    return 4 * math.sqrt(1.06 / (n - 3))


# --- the conversion --------------------------------------------------------------------


def test_rank_to_normal_is_pearsons_relation_and_normal_to_rank_inverts_it():
    """rank_to_normal(r) = 2 sin(pi r / 6) with fixed points -1, 0, 1; normal_to_rank inverts."""
    r = np.linspace(-1, 1, 41)
    assert_allclose(rank_to_normal(r), [2 * math.sin(math.pi * x / 6) for x in r], rtol=1e-15)
    assert_allclose(rank_to_normal(np.array([-1.0, 0.0, 1.0])), [-1.0, 0.0, 1.0], atol=1e-15)
    assert_allclose(normal_to_rank(rank_to_normal(r)), r, atol=1e-14)
    # |rho| > |r| strictly inside (-1, 1) \ {0}: the conversion is not the identity.
    inner = r[(np.abs(r) > 0) & (np.abs(r) < 1)]
    assert np.all(np.abs(rank_to_normal(inner)) > np.abs(inner))


# --- achieved correlation --------------------------------------------------------------


@pytest.mark.parametrize("sampling", ["lhs", "random"])
@pytest.mark.parametrize("target", [0.6, -0.5, 0.9])
def test_achieved_spearman_of_two_tasks_matches_the_target(sampling, target):
    """Two correlated tasks' sampled durations have Spearman correlation = the target."""
    n = 20_000
    s = make(
        [
            Task("a", duration=Triangular(10, 20, 40)),
            Task("b", duration=Uniform(5, 9), predecessors=(Link("a"),)),
            Task("c", duration=Triangular(1, 2, 8), predecessors=(Link("b"),)),
        ],
        [Correlation(target, tasks=("a", "b"))],
    )
    a, b, c = sample_durations(s, SEED, sampling, 0, n)
    achieved = stats.spearmanr(a, b).statistic
    assert abs(math.atanh(achieved) - math.atanh(target)) <= spearman_z_bound(n)
    # The task outside the group stays independent of both.
    assert abs(math.atanh(stats.spearmanr(a, c).statistic)) <= spearman_z_bound(n)


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_three_task_group_gives_every_pair_the_coefficient(sampling):
    """A group of three tasks correlates each of the three pairs at the coefficient."""
    n = 20_000
    s = make(
        [Task(t, duration=Triangular(1, 3, 9)) for t in "xyz"],
        [Correlation(0.4, tasks=("x", "y", "z"))],
    )
    d = sample_durations(s, SEED, sampling, 0, n)
    for i, j in itertools.combinations(range(3), 2):
        achieved = stats.spearmanr(d[i], d[j]).statistic
        assert abs(math.atanh(achieved) - math.atanh(0.4)) <= spearman_z_bound(n)


def test_pearson_correlation_of_normal_durations_is_the_normal_coefficient():
    """With normal marginals the achieved Pearson correlation is 2 sin(pi r / 6), not r."""
    n, r = 40_000, 0.5
    s = make(
        [Task("a", duration=Normal(50, 5)), Task("b", duration=Normal(30, 3))],
        [Correlation(r, tasks=("a", "b"))],
    )
    a, b = sample_durations(s, SEED, "random", 0, n)
    z = math.atanh(np.corrcoef(a, b)[0, 1])
    bound = 4 / math.sqrt(n - 3)  # 0.02 in z
    assert abs(z - math.atanh(2 * math.sin(math.pi * r / 6))) <= bound
    # rho = 0.5176 and r = 0.5 differ by 0.024 in z, more than the bound: this test
    # tells the two apart.
    assert abs(z - math.atanh(r)) > bound


def test_correlation_keeps_each_marginal_distribution():
    """Correlated draws keep their own distributions (seeded KS tests, p > 0.01)."""
    n = 5000
    da, db = Triangular(10, 20, 40), Uniform(5, 9)
    s = make(
        [Task("a", duration=da), Task("b", duration=db)],
        [Correlation(-0.7, tasks=("a", "b"))],
    )
    a, b = sample_durations(s, SEED, "random", 0, n)
    assert stats.kstest(a, da.scipy().cdf).pvalue > 0.01
    assert stats.kstest(b, db.scipy().cdf).pvalue > 0.01


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_correlated_risks_correlate_their_impacts(sampling):
    """A risks group correlates the risks' severities, hence their impact draws."""
    n = 20_000
    # Zero-length probe tasks show each delay directly; probability 1 so every
    # iteration has a draw.
    s = make(
        [Task("x", duration=Fixed(0)), Task("y", duration=Fixed(0))],
        [Correlation(0.7, risks=("R1", "R2"))],
        [
            Risk("R1", probability=1.0, impacts=(Impact(("x",), delay=Triangular(1, 2, 9)),)),
            Risk("R2", probability=1.0, impacts=(Impact(("y",), delay=Uniform(3, 4)),)),
        ],
    )
    x, y = sample_durations(s, SEED, sampling, 0, n)
    achieved = stats.spearmanr(x, y).statistic
    assert abs(math.atanh(achieved) - math.atanh(0.7)) <= spearman_z_bound(n)


def test_coefficient_one_moves_the_two_durations_together():
    """Coefficient 1 (a singular matrix) runs and gives rank-identical durations."""
    s = make(
        [Task("a", duration=Triangular(1, 2, 5)), Task("b", duration=Uniform(3, 7))],
        [Correlation(1.0, tasks=("a", "b"))],
    )
    a, b = sample_durations(s, SEED, "random", 0, 5000)
    # Cholesky needs a jitter of at most ~1e-12 here, far below any rank change.
    assert stats.spearmanr(a, b).statistic > 0.9999


# --- the serial chain: correlation widens the spread -----------------------------------


@pytest.mark.parametrize("sampling", ["lhs", "random"])
@pytest.mark.parametrize("r", [0.0, 0.5, -0.3])
def test_correlated_serial_chain_spread_follows_theory(sampling, r):
    """Chain of n equal normals, rank correlation r: sd(finish) = sigma sqrt(n + n(n-1) rho)."""
    n_tasks, sigma, n = 4, 5.0, 20_000
    tasks = [
        Task(f"t{k}", duration=Normal(50, sigma), predecessors=(Link(f"t{k - 1}"),) if k else ())
        for k in range(n_tasks)
    ]
    groups = [Correlation(r, tasks=tuple(t.id for t in tasks))] if r else []
    res = simulate(make(tasks, groups), n, SEED, sampling, threads=2)
    # The truncation at 0 is 10 sd below the mean: the durations are normal to 1e-23,
    # so the finish (their sum) is normal with this sd. rho = -0.313 > -1/3 keeps the
    # matrix valid for n = 4.
    rho = 2 * math.sin(math.pi * r / 6)
    sd = sigma * math.sqrt(n_tasks + n_tasks * (n_tasks - 1) * rho)
    se = sd / math.sqrt(2 * (n - 1))
    assert abs(res.finish_days.std(ddof=1) - sd) <= 4 * se
    assert abs(res.mean_days - 200) <= 4 * sd / math.sqrt(n)


# --- inconsistent groups ---------------------------------------------------------------


def inconsistent() -> Scenario:
    """a~b = 0.9, b~c = 0.9, a~c = -0.9 in three groups: no valid matrix has these."""
    return make(
        [
            Task("start", milestone=True),
            *(
                Task(t, duration=Triangular(2, 4, 9), milestone=True, predecessors=(Link("start"),))
                for t in "abc"
            ),
        ],
        [
            Correlation(0.9, tasks=("a", "b")),
            Correlation(0.9, tasks=("b", "c")),
            Correlation(-0.9, tasks=("a", "c")),
        ],
    )


def test_non_psd_groups_are_refused_naming_the_triple_and_the_repair_option():
    """A matrix that is not PSD raises ScenarioError naming the three items and the fix."""
    with pytest.raises(ScenarioError) as info:
        simulate(inconsistent(), 100, SEED, threads=1)
    message = str(info.value)
    assert "'a', 'b', 'c'" in message
    assert "a~b = 0.9" in message and "b~c = 0.9" in message and "a~c = -0.9" in message
    assert "not positive semi-definite" in message
    assert "--repair-correlations" in message


def nearest_correlation_3x3(target: np.ndarray) -> np.ndarray:
    """Brute force: minimise the Frobenius distance over all 3x3 correlation matrices.

    Every such matrix is L L^T for unit rows L = [(1, 0, 0), (cos p, sin p, 0),
    (cos q, sin q cos w, sin q sin w)]; a grid of starts avoids local minima.
    """

    def matrix(x):
        p, q, w = x
        rows = np.array(
            [
                [1.0, 0.0, 0.0],
                [math.cos(p), math.sin(p), 0.0],
                [math.cos(q), math.sin(q) * math.cos(w), math.sin(q) * math.sin(w)],
            ]
        )
        return rows @ rows.T

    def loss(x):
        return float(np.sum((matrix(x) - target) ** 2))

    starts = itertools.product(np.linspace(0.3, 2.8, 3), repeat=3)
    options = {"xatol": 1e-10, "fatol": 1e-14, "maxiter": 5000}
    best = min(
        (optimize.minimize(loss, s, method="Nelder-Mead", options=options) for s in starts),
        key=lambda res: res.fun,
    )
    return matrix(best.x)


def test_repair_uses_the_nearest_valid_matrix_and_reports_the_change():
    """repair_correlations=True runs on the nearest correlation matrix and says how far it moved."""
    n = 20_000
    res = simulate(inconsistent(), n, SEED, "random", threads=2, repair_correlations=True)
    model = res.correlation
    assert model.repaired_by > 0
    rho = model.normal_matrix
    assert_allclose(np.diag(rho), 1.0, atol=1e-12)
    assert np.linalg.eigvalsh(rho)[0] >= -1e-10
    # Items in the order they first appear: a, b, c.
    assert [ident for _, ident in model.items] == ["a", "b", "c"]
    given = rank_to_normal(np.array([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]))
    assert_allclose(rho, nearest_correlation_3x3(given), atol=1e-6)
    # repaired_by is the largest change in rank-correlation terms, and names its pair.
    change = np.abs(normal_to_rank(rho) - np.array([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]))
    assert model.repaired_by == pytest.approx(change.max(), abs=1e-12)
    assert set(model.repaired_pair) <= {"a", "b", "c"} and len(set(model.repaired_pair)) == 2
    doc = res.to_dict()["correlation_repair"]
    assert doc == {"largest_change": model.repaired_by, "pair": list(model.repaired_pair)}
    # The simulation used the repaired matrix: the milestones a, b, c start at 0, so their
    # finishes are their durations, whose rank correlations match the repaired ones.
    repaired_rank = normal_to_rank(rho)
    finishes = [res.milestone(t) for t in "abc"]
    for i, j in itertools.combinations(range(3), 2):
        achieved = stats.spearmanr(finishes[i], finishes[j]).statistic
        assert abs(math.atanh(achieved) - math.atanh(repaired_rank[i, j])) <= spearman_z_bound(n)


def test_a_valid_matrix_is_not_repaired():
    """With consistent groups, repair_correlations changes nothing and reports no repair."""
    s = make(
        [Task(t, duration=Triangular(1, 3, 9)) for t in "xyz"],
        [Correlation(0.4, tasks=("x", "y")), Correlation(0.2, tasks=("y", "z"))],
    )
    plain = simulate(s, 2000, SEED, threads=2)
    repaired = simulate(s, 2000, SEED, threads=2, repair_correlations=True)
    np.testing.assert_array_equal(plain.finish_days, repaired.finish_days)
    assert repaired.correlation.repaired_by == 0.0
    assert repaired.correlation.repaired_pair is None
    assert "correlation_repair" not in repaired.to_dict()
    # Pairs no group names stay uncorrelated in the matrix.
    assert plain.correlation.rank_matrix[0, 2] == 0.0


def test_two_groups_giving_one_pair_different_coefficients_is_an_error():
    """The same pair in two groups with different coefficients is refused when the scenario
    is built, naming both groups."""
    with pytest.raises(ScenarioError) as info:
        make(
            [Task(t, duration=Triangular(1, 3, 9)) for t in "abc"],
            [Correlation(0.5, tasks=("a", "b")), Correlation(0.3, tasks=("c", "b", "a"))],
        )
    message = str(info.value)
    assert "correlations[2]" in message and "correlations[1]" in message
    assert "'b'" in message and "'a'" in message
    assert "give each pair one coefficient" in message


def test_two_groups_agreeing_on_a_pair_are_accepted():
    """Repeating a pair with the same coefficient in another group is not an error."""
    s = make(
        [Task(t, duration=Triangular(1, 3, 9)) for t in "abc"],
        [Correlation(0.3, tasks=("a", "b")), Correlation(0.3, tasks=("c", "b", "a"))],
    )
    res = simulate(s, 100, SEED, threads=1)
    assert_allclose(res.correlation.rank_matrix, [[1, 0.3, 0.3], [0.3, 1, 0.3], [0.3, 0.3, 1]])


def test_correlated_run_does_not_depend_on_threads_or_block_size():
    """The copula keeps results bit-identical across thread counts and block sizes."""
    s = inconsistent()
    one = simulate(s, 3000, SEED, threads=1, repair_correlations=True)
    two = simulate(s, 3000, SEED, threads=2, block_size=100, repair_correlations=True)
    np.testing.assert_array_equal(one.finish_days, two.finish_days)
    np.testing.assert_array_equal(one.milestone_days, two.milestone_days)
