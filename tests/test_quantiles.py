"""Quantile kernels: every family against scipy's ppf, and seeded goodness-of-fit tests."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from pmo_sim import Discrete, Fixed, Lognormal, Normal, Pert, Triangular, Trigen, Uniform
from pmo_sim.engine.quantiles import Packer, ppf_array
from pmo_sim.engine.rng import LHS_BLOCK, fill_uniforms, stream_key

# u from deep in the lower tail to deep in the upper tail. 1 - 1e-10 is not exact in
# binary, but both the kernel and scipy receive the same double.
U_GRID = np.array(
    [1e-10, 1e-8, 1e-6, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9,
     0.95, 0.99, 0.999, 1 - 1e-4, 1 - 1e-6, 1 - 1e-8, 1 - 1e-10]
)  # fmt: skip

CLOSED_FORM = [
    Fixed(7.5),
    Fixed(0.0),
    Uniform(10, 25),
    Uniform(-3, 4),
    Triangular(20, 30, 60),
    Triangular(5, 5, 10),  # mode at min
    Triangular(0, 10, 10),  # mode at max
    Triangular(1, 2, 3),
    Trigen(20, 30, 60),
    Trigen(5, 10, 20, low_pct=5, high_pct=95),
    Trigen(10, 10, 20),  # mode at the low percentile: the minimum lies below it
    Lognormal(10, 3),
    Lognormal(1, 2),  # heavy right tail
    Lognormal(100, 1),
    Normal(20, 3),  # truncation at 0 is 6.7 sd away: effectively untruncated
    Normal(0, 1, min=-math.inf),  # the standard normal itself
    Normal(10, 5, min=5, max=12),  # window around the mean
    Normal(-1, 2, min=-4, max=6),
    Normal(0, 1, min=-10, max=-5),  # window in the lower tail
    Normal(10, 2, min=16, max=20),  # window in the upper tail (3 to 5 sd)
    Normal(0, 1, min=5),  # window in the far upper tail, open above
    Normal(5, 2),  # default truncation at 0, 2.5 sd below the mean
]

# Truncated exactly at 0 with appreciable mass below 0: the lower end of the window is
# the value 0 itself, where relative error is ill-conditioned (see the test).
NORMAL_AT_ZERO = [Normal(2, 3), Normal(0.5, 3), Normal(1, 1, max=3)]

# A triangular with its mode at a minimum of 0: for small u the quantile is
# max - sqrt((1 - u) (max - min)^2), a difference of two numbers close to max.
TRIANGULAR_AT_ZERO = [Triangular(0, 0, 10), Triangular(0, 0, 0.37)]

PERT = [
    Pert(20, 30, 60),  # lambda 4, skewed right
    Pert(0, 0, 10),  # mode at min
    Pert(0, 10, 10),  # mode at max
    Pert(10, 15, 20),  # symmetric
    Pert(1, 2, 8, lam=3),
    Pert(0, 3, 10, lam=0.5),  # shapes close to 1: nearly uniform
    Pert(0, 5, 10, lam=20),  # peaked
    Pert(100, 101, 200, lam=6),  # strongly skewed, far from 0
]

DISCRETE = [
    Discrete((1, 2, 3), (0.2, 0.5, 0.3)),
    Discrete((5, 1, 3), (1, 2, 4)),  # unsorted values, weights not summing to 1
    Discrete((0, 10, 20), (1, 0, 1)),  # a zero weight is never drawn
    Discrete((42,), (1,)),
]


def ids(dists):
    return [d.describe() for d in dists]


def kernel_ppf(dist, u: np.ndarray) -> np.ndarray:
    """The kernel's quantiles of ``dist`` at ``u``, packed as the engine packs it."""
    packer = Packer()
    row = packer.add(dist)
    codes, params, table = packer.arrays()
    out = np.empty(u.size)
    ppf_array(codes[row], params[row], table, np.ascontiguousarray(u, dtype=float), out)
    return out


def random_uniforms(name: str, n: int, seed: int = 1, lhs: bool = False) -> np.ndarray:
    """n counter-based uniforms of the stream ``name`` (fixed seed: reproducible)."""
    out = np.empty(n)
    fill_uniforms(np.uint64(stream_key(seed, name)), 0, out, lhs)
    return out


@pytest.mark.parametrize("dist", CLOSED_FORM, ids=ids(CLOSED_FORM))
def test_closed_form_quantiles_match_scipy(dist):
    """Closed-form quantiles equal scipy's ppf to a relative 1e-9 from u=1e-10 to 1-1e-10."""
    assert_allclose(kernel_ppf(dist, U_GRID), dist.scipy().ppf(U_GRID), rtol=1e-9, atol=0)


def truncated_normal_ppf_exact(dist: Normal, u: np.ndarray) -> np.ndarray:
    """The truncated normal's quantile in 50-digit arithmetic (mpmath).

    scipy's truncnorm loses about 5e-9 relative in the far upper tail (u = 1 - 1e-10)
    of a normal truncated below its mean, so it cannot referee a 1e-9 bound there.
    """
    mp = pytest.importorskip("mpmath")
    with mp.workdps(50):
        mu, sd = mp.mpf(dist.mean_), mp.mpf(dist.sd)
        lo = mp.ncdf((mp.mpf(dist.min) - mu) / sd)
        hi = mp.ncdf((mp.mpf(dist.max) - mu) / sd) if math.isfinite(dist.max) else mp.mpf(1)
        out = []
        for x in u:
            p = lo + mp.mpf(float(x)) * (hi - lo)
            out.append(float(mu + sd * mp.sqrt(2) * mp.erfinv(2 * p - 1)))
    return np.array(out)


@pytest.mark.parametrize("dist", NORMAL_AT_ZERO, ids=ids(NORMAL_AT_ZERO))
def test_normal_truncated_at_zero_matches_scipy(dist):
    """A normal truncated at 0 matches scipy: relative 1e-9, absolute 1e-12 sd near 0."""
    # Up to u = 1 - 1e-6 scipy is an exact-enough referee; beyond, 50-digit mpmath is.
    body = U_GRID <= 1 - 1e-6
    assert_allclose(
        kernel_ppf(dist, U_GRID[~body]),
        truncated_normal_ppf_exact(dist, U_GRID[~body]),
        rtol=1e-9,
        atol=0,
    )
    u_body = U_GRID[body]
    # Near u = 0 the quantile is x ~ u (1 - Phi(za)) / phi(za) * sd, about 1e-10 sd at
    # u = 1e-10. Both sides form a probability of order Phi(za) ~ 0.3 plus a tiny
    # increment, so each carries a rounding error of ~1e-16 in probability, i.e. ~1e-16
    # sd in x: a relative error of ~1e-6 on a value of 1e-10 sd. Relative error is
    # ill-conditioned there; the absolute error is at rounding level, hence atol.
    assert_allclose(
        kernel_ppf(dist, u_body), dist.scipy().ppf(u_body), rtol=1e-9, atol=1e-12 * dist.sd
    )


@pytest.mark.parametrize("dist", TRIANGULAR_AT_ZERO, ids=ids(TRIANGULAR_AT_ZERO))
def test_triangular_with_mode_at_zero_min_matches_scipy(dist):
    """A triangular with mode at a 0 minimum matches scipy: relative 1e-9, absolute 1e-12 w."""
    # For small u the quantile w u / 2 (w = max - min) is computed, by the kernel and by
    # scipy alike, as max minus a square root close to max: each carries an absolute
    # rounding error of a few ulp of max (~1e-15 w), which is a relative error of ~1e-8
    # on the value 5e-8 w at u = 1e-8. Absolute error is at rounding level, hence atol.
    w = dist.max - dist.min
    assert_allclose(kernel_ppf(dist, U_GRID), dist.scipy().ppf(U_GRID), rtol=1e-9, atol=1e-12 * w)


@pytest.mark.parametrize("dist", PERT, ids=ids(PERT))
def test_pert_quantiles_match_scipy(dist):
    """Beta-PERT quantiles (verified Hermite tables) equal scipy's beta ppf to 1e-7."""
    assert_allclose(kernel_ppf(dist, U_GRID), dist.scipy().ppf(U_GRID), rtol=1e-7, atol=0)


@pytest.mark.parametrize("dist", PERT, ids=ids(PERT))
def test_pert_quantiles_match_scipy_between_table_nodes(dist):
    """Beta-PERT quantiles stay within 1e-7 of scipy on a dense grid, not only at nodes."""
    u = np.linspace(0.0, 1.0, 20_001)[1:-1]
    assert_allclose(kernel_ppf(dist, u), dist.scipy().ppf(u), rtol=1e-7, atol=0)


@pytest.mark.parametrize("dist", DISCRETE, ids=ids(DISCRETE))
def test_discrete_quantiles_match_scipy(dist):
    """Discrete quantiles are exactly scipy's ppf away from the cumulative steps."""
    cum = np.cumsum(np.asarray(dist.probabilities)[np.argsort(dist.values)])
    # At a step u == cum[k] rounding of the cumulative sum decides; keep clear of it.
    u = U_GRID[np.min(np.abs(U_GRID[:, None] - cum[None, :]), axis=1) > 1e-12]
    assert_allclose(kernel_ppf(dist, u), dist.scipy().ppf(u), rtol=0, atol=0)


def test_discrete_quantile_takes_the_smallest_value_reaching_u():
    """Discrete ppf returns the smallest sorted value whose cumulative weight is >= u."""
    dist = Discrete((30, 10, 20), (1, 2, 1))  # sorted: 10 (0.5), 20 (0.75), 30 (1)
    u = np.array([1e-12, 0.5, 0.5 + 1e-12, 0.75, 0.75 + 1e-12, 1 - 1e-12])
    assert kernel_ppf(dist, u).tolist() == [10, 10, 20, 20, 30, 30]


def test_discrete_zero_weight_value_is_never_returned():
    """A value with weight 0 is skipped, whatever u is."""
    dist = Discrete((0, 10, 20), (1, 0, 1))
    values = kernel_ppf(dist, np.linspace(0, 1, 10_001)[1:-1])
    assert set(values.tolist()) == {0.0, 20.0}


@pytest.mark.parametrize(
    "dist",
    [Trigen(20, 30, 60), Trigen(5, 10, 20, low_pct=5, high_pct=95), Trigen(10, 10, 20),
     Trigen(1, 4, 5, low_pct=20, high_pct=70)],
    ids=lambda d: d.describe(),
)  # fmt: skip
def test_trigen_quantiles_hit_the_given_percentiles(dist):
    """Trigen's kernel quantile at low_pct and high_pct is exactly ``low`` and ``high``."""
    # Independent of the solved min/max: this is the definition of TRIGEN.
    u = np.array([dist.low_pct / 100, dist.high_pct / 100])
    assert_allclose(kernel_ppf(dist, u), [dist.low, dist.high], rtol=1e-12)


def test_trigen_with_0_and_100_percentiles_is_the_triangular():
    """Trigen(low, mode, high, 0, 100) samples exactly like Triangular(low, mode, high)."""
    u = U_GRID
    assert_allclose(
        kernel_ppf(Trigen(3, 5, 11, low_pct=0, high_pct=100), u),
        kernel_ppf(Triangular(3, 5, 11), u),
        rtol=1e-13,
    )


def test_quantiles_are_monotone_in_u():
    """Every family's kernel quantile is non-decreasing in u over a dense grid."""
    u = np.linspace(0, 1, 100_001)[1:-1]
    for dist in CLOSED_FORM + NORMAL_AT_ZERO + TRIANGULAR_AT_ZERO + PERT + DISCRETE:
        x = kernel_ppf(dist, u)
        assert np.all(np.diff(x) >= 0), dist.describe()


def test_packing_several_distributions_keeps_each_table():
    """Rows packed together (shared table, PERT and discrete offsets) give each one's ppf."""
    dists = [Pert(0, 1, 9), Discrete((1, 2), (1, 3)), Pert(0, 8, 9), Pert(0, 1, 9), Uniform(0, 1)]
    packer = Packer()
    rows = [packer.add(d) for d in dists]
    codes, params, table = packer.arrays()
    u = np.array([0.01, 0.3, 0.6, 0.99])
    for d, row in zip(dists, rows, strict=True):
        out = np.empty(u.size)
        ppf_array(codes[row], params[row], table, u, out)
        assert_allclose(out, d.scipy().ppf(u), rtol=1e-7, err_msg=d.describe())


# Seeded goodness of fit ----------------------------------------------------------------

CONTINUOUS = [
    Uniform(10, 25),
    Triangular(20, 30, 60),
    Triangular(0, 0, 10),
    Trigen(20, 30, 60),
    Pert(20, 30, 60),
    Pert(0, 10, 10),
    Pert(0, 5, 10, lam=20),
    Normal(20, 3),
    Normal(2, 3),
    Normal(10, 2, min=16, max=20),
    Lognormal(10, 3),
    Lognormal(1, 2),
]


# One shared stream of uniforms for every family. A KS statistic is invariant under a
# monotone map, so for an exact quantile function the statistic of ppf(u) against the cdf
# equals that of u against U(0, 1): the families can differ from the raw stream only by
# the kernel's error. The stream's own p-value (0.20 for seed 1, checked below) is a fixed
# number; a chance failure (1% of seeds) would show in the raw-stream test as well.
KS_DRAWS = 5000
KS_STREAM = ("duration:ks", 1)


def test_ks_stream_is_uniform():
    """The shared stream behind the KS tests passes KS against U(0, 1) itself."""
    name, seed = KS_STREAM
    assert stats.kstest(random_uniforms(name, KS_DRAWS, seed), "uniform").pvalue > 0.01


@pytest.mark.parametrize("dist", CONTINUOUS, ids=ids(CONTINUOUS))
def test_sampled_values_pass_kolmogorov_smirnov(dist):
    """Random-sampled draws (counter-based uniforms through the kernel) fit scipy's cdf."""
    name, seed = KS_STREAM
    u = random_uniforms(name, KS_DRAWS, seed)
    result = stats.kstest(kernel_ppf(dist, u), dist.scipy().cdf)
    assert result.pvalue > 0.01
    # cdf(ppf(u)) differs from u by f(x) * |x| * (relative ppf error <= 1e-7), below 1e-6
    # for these families; so must the KS statistic.
    assert abs(result.statistic - stats.kstest(u, "uniform").statistic) < 1e-6


@pytest.mark.parametrize("dist", DISCRETE[:3], ids=ids(DISCRETE[:3]))
def test_sampled_discrete_frequencies_pass_chi_square(dist):
    """Random-sampled discrete draws have the right frequencies (chi-square, p > 0.01)."""
    n = 20_000
    draws = kernel_ppf(dist, random_uniforms(f"duration:{dist.describe()}", n))
    order = np.argsort(dist.values)
    values = np.asarray(dist.values, dtype=float)[order]
    probs = np.asarray(dist.probabilities)[order]
    observed = np.array([np.sum(draws == v) for v in values])
    assert observed.sum() == n  # nothing outside the listed values
    keep = probs > 0
    assert np.all(observed[~keep] == 0)
    assert stats.chisquare(observed[keep], n * probs[keep]).pvalue > 0.01


def test_lhs_discrete_frequencies_are_exact_per_block():
    """With LHS, weights that are multiples of 1/1024 are hit exactly per full block."""
    # Each LHS block puts one uniform in each stratum [s/1024, (s+1)/1024); the cumulative
    # weights 0.25 and 0.75 fall on stratum edges, so strata 0..255 give 1, 256..767 give
    # 2 and 768..1023 give 3: exactly 256, 512 and 256 per block.
    dist = Discrete((1, 2, 3), (256, 512, 256))
    blocks = 4
    draws = kernel_ppf(dist, random_uniforms("duration:d", blocks * LHS_BLOCK, lhs=True))
    counts = [int(np.sum(draws == v)) for v in (1, 2, 3)]
    assert counts == [256 * blocks, 512 * blocks, 256 * blocks]
