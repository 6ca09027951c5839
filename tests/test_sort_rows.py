"""The radix row sort of the sensitivity statistics against numpy's stable argsort, and
the rank sensitivity against scipy's Spearman correlation."""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from pmo_sim.engine.kernels.statistics import sort_rows
from pmo_sim.engine.statistics import rank_sensitivity


def test_sort_rows_is_numpys_stable_argsort():
    """Negative values, zeros of both signs, ties, tiny and huge values: the same order,
    element for element, as ``numpy.argsort(kind="stable")`` (-0.0 ties with 0.0)."""
    rng = np.random.default_rng(7)
    rows = rng.gamma(2.0, 3.0, size=(40, 3001)).astype(np.float32)
    rows[:, :40] = 0.0
    rows[:, 40:55] = -0.0
    rows[1] = -rows[1]
    rows[2] = np.round(rows[2])  # many ties
    rows[3, ::7] = np.float32(1e-30)
    rows[4, ::5] = np.float32(3e38)
    rows[5] = 4.0  # one value
    order = np.empty(rows.shape, dtype=np.int64)
    ordered = np.empty_like(rows)
    sort_rows(rows, order, ordered)
    assert np.array_equal(order, np.argsort(rows, axis=1, kind="stable"))
    assert np.array_equal(ordered, np.sort(rows, axis=1))


def test_rank_sensitivity_is_spearmans_correlation():
    """Against scipy's Spearman correlation (average ranks for ties), row by row."""
    rng = np.random.default_rng(3)
    finish = rng.normal(100, 10, 2000)
    rows = np.vstack(
        [(finish + rng.normal(0, s, finish.size)).astype(np.float32) for s in (1.0, 10.0, 100.0)]
        + [np.round(rng.normal(5, 2, finish.size)).astype(np.float32)]
    )
    sens, _ = rank_sensitivity(rows, finish, threads=2)
    expected = [spearmanr(r, finish).statistic for r in rows]
    assert np.allclose(sens, expected, rtol=0, atol=1e-12)


def test_the_fused_kernel_is_the_sorted_rows_kernel_bit_for_bit():
    """``spearman_rows`` (sort and score in one pass) against ``spearman_sorted_rows``
    on the rows ``sort_rows`` sorts: the same bits, ties and negative values included."""
    from pmo_sim.engine.kernels.statistics import spearman_rows, spearman_sorted_rows

    rng = np.random.default_rng(11)
    rows = rng.gamma(2.0, 3.0, size=(30, 4000)).astype(np.float32)
    rows[1] = np.round(rows[1])
    rows[2] = -rows[2]
    rows[3] = 1.0
    y = np.argsort(np.argsort(rng.random(4000))).astype(float)
    y -= y.mean()
    order = np.empty(rows.shape, dtype=np.int64)
    ordered = np.empty_like(rows)
    sort_rows(rows, order, ordered)
    want, want_sd = np.empty(30), np.empty(30)
    spearman_sorted_rows(order, ordered, y, want, want_sd)
    got, got_sd = np.empty(30), np.empty(30)
    spearman_rows(rows, y, got, got_sd)
    assert np.array_equal(got, want) and np.array_equal(got_sd, want_sd)
