"""Counter-based random numbers: range, moments, uniformity, LHS strata, independence."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from scipy import stats

from pmo_sim.engine.rng import (
    GAMMA,
    LHS_BLOCK,
    fill_uniforms,
    lhs_uniform,
    permute,
    stream_key,
    uniform,
)

MASK64 = (1 << 64) - 1


# An independent SplitMix64 in plain Python ints, written from the published algorithm
# (Steele, Lea & Flood 2014): state += GAMMA; z = state; two xor-shift-multiply rounds.


def splitmix_mix(z: int) -> int:
    z &= MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def splitmix_outputs(state: int, count: int) -> list[int]:
    out = []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        out.append(splitmix_mix(state))
    return out


def _unshift(y: int, s: int) -> int:
    """Inverse of x -> x ^ (x >> s) on 64 bits."""
    x = y
    for _ in range(64 // s + 1):
        x = y ^ (x >> s)
    return x


def splitmix_unmix(z: int) -> int:
    """Inverse of ``splitmix_mix`` (each step is a bijection of 64-bit words)."""
    z = _unshift(z, 31)
    z = (z * pow(0x94D049BB133111EB, -1, 1 << 64)) & MASK64
    z = _unshift(z, 27)
    z = (z * pow(0xBF58476D1CE4E5B9, -1, 1 << 64)) & MASK64
    return _unshift(z, 30)


def uniforms(key: int, first: int, n: int, lhs: bool = False) -> np.ndarray:
    out = np.empty(n)
    fill_uniforms(np.uint64(key), first, out, lhs)
    return out


def stream(seed: int, name: str, n: int, lhs: bool = False, first: int = 0) -> np.ndarray:
    return uniforms(stream_key(seed, name), first, n, lhs)


STREAMS = [(1, "duration:T1"), (7, "duration:design"), (2**62 + 3, "risk:R1"), (0, "cost:é")]


# The generator itself -----------------------------------------------------------------


def test_reference_splitmix_reproduces_published_vector():
    """The test's own SplitMix64 gives the published outputs for state 1234567."""
    # Reference vector of SplitMix64 (as used to seed xoroshiro, and Java's SplittableRandom).
    assert splitmix_outputs(1234567, 5) == [
        6457827717110365317,
        3203168211198807973,
        9817491932198370423,
        4593380528125082431,
        16408922859458223821,
    ]


def test_uniforms_are_the_top_53_bits_of_splitmix64():
    """The i-th uniform of a stream is ((SplitMix64 output i >> 11) + 0.5) / 2**53."""
    for key in (1234567, 0, MASK64, 0x0123456789ABCDEF):
        expected = [((z >> 11) + 0.5) / 2.0**53 for z in splitmix_outputs(key, 64)]
        assert uniforms(key, 0, 64).tolist() == expected


def test_stream_key_follows_the_documented_derivation():
    """stream_key(seed, name) = mix(mix(seed + GAMMA) ^ blake2b-64(name))."""
    for seed, name in STREAMS:
        h = int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "little")
        expected = splitmix_mix(splitmix_mix(seed + 0x9E3779B97F4A7C15) ^ h)
        assert stream_key(seed, name) == expected
    assert GAMMA == 0x9E3779B97F4A7C15


@pytest.mark.parametrize("lhs", [False, True], ids=["random", "lhs"])
def test_uniforms_lie_strictly_between_0_and_1(lhs):
    """A million uniforms of several streams are all strictly inside (0, 1)."""
    for seed, name in STREAMS:
        u = stream(seed, name, 250_000, lhs)
        assert np.all(u > 0.0) and np.all(u < 1.0)


def test_uniform_is_below_1_when_the_top_53_bits_are_all_ones():
    """The largest generator output still maps to a uniform strictly below 1."""
    # The module promises 0 < u < 1 always. Choose the key so that output 0 of the
    # stream is the largest 64-bit word (inverting the bijective SplitMix64 finaliser).
    for top in (MASK64, MASK64 ^ 0x7FF):  # every bit set; top 53 set, low 11 clear
        key = (splitmix_unmix(top) - GAMMA) & MASK64
        assert splitmix_outputs(key, 1) == [top]
        u = uniforms(key, 0, 1)[0]
        assert 0.0 < u < 1.0, f"uniform is {u!r} for generator output {top:#x}"


def test_lhs_uniform_is_below_1_in_the_top_stratum():
    """An LHS uniform in the top stratum stays below 1 when its plain uniform is near 1."""
    # Output z with z >> 11 == 2**53 - 2 gives the plain uniform 1 - 2**-52 (< 1). Place
    # it at iteration i (key = unmix(z) - (i + 1) GAMMA) and look for an i whose LHS
    # stratum is the top one, 1023: then the LHS uniform is (1023 + 1 - 2**-52) / 1024.
    z = ((2**53 - 2) << 11) | 0x7FF
    found = 0
    for i in range(20 * LHS_BLOCK):
        key = (splitmix_unmix(z) - (i + 1) * GAMMA) & MASK64
        assert uniforms(key, i, 1)[0] == 1 - 2.0**-52
        u = uniforms(key, i, 1, lhs=True)[0]
        if u >= 1023 / 1024:
            found += 1
            assert u < 1.0, f"LHS uniform is {u!r} at iteration {i}"
    assert found > 0  # the search met the top stratum, so the check above ran


def test_uniform_is_above_0_when_the_generator_outputs_0():
    """The smallest generator output maps to a uniform strictly above 0 (2**-54)."""
    key = (splitmix_unmix(0) - GAMMA) & MASK64
    assert uniforms(key, 0, 1)[0] == 2.0**-54


def test_uniform_mean_and_variance_are_within_standard_error():
    """Random uniforms have mean 1/2 and variance 1/12 within 4 standard errors."""
    n = 400_000
    for seed, name in STREAMS:
        u = stream(seed, name, n)
        # SE of the mean: sqrt(Var U / n) = sqrt(1 / (12 n)).
        assert abs(u.mean() - 0.5) < 4 * np.sqrt(1 / 12 / n)
        # The sample variance averages (U - 1/2)^2, whose variance is
        # E(U - 1/2)^4 - (1/12)^2 = 1/80 - 1/144 = 1/180; SE = sqrt(1 / (180 n)).
        assert abs(u.var() - 1 / 12) < 4 * np.sqrt(1 / 180 / n)


@pytest.mark.parametrize(("seed", "name"), STREAMS)
def test_uniforms_pass_kolmogorov_smirnov(seed, name):
    """Random uniforms of fixed streams pass a KS test against U(0, 1) (p > 0.01)."""
    assert stats.kstest(stream(seed, name, 100_000), "uniform").pvalue > 0.01


def test_lhs_uniforms_pass_kolmogorov_smirnov_over_partial_blocks():
    """LHS uniforms stay U(0, 1) when a run stops inside a block (KS p > 0.01)."""
    u = stream(3, "duration:T9", 10 * LHS_BLOCK + 517, lhs=True)
    assert stats.kstest(u, "uniform").pvalue > 0.01


# Latin hypercube sampling ---------------------------------------------------------------


@pytest.mark.parametrize("block", [0, 1, 7, 1000, 2**20 + 5])
@pytest.mark.parametrize(("seed", "name"), STREAMS)
def test_lhs_hits_each_stratum_once_per_block(seed, name, block):
    """In every full LHS block each of the 1024 strata holds exactly one uniform."""
    u = stream(seed, name, LHS_BLOCK, lhs=True, first=block * LHS_BLOCK)
    strata = np.floor(u * LHS_BLOCK).astype(int)
    assert np.array_equal(np.sort(strata), np.arange(LHS_BLOCK))


def test_lhs_point_within_its_stratum_is_the_plain_uniform():
    """An LHS uniform is (stratum + plain uniform of the same iteration) / 1024."""
    for seed, name in STREAMS:
        first = 3 * LHS_BLOCK + 100
        lhs = stream(seed, name, 2000, lhs=True, first=first)
        plain = stream(seed, name, 2000, lhs=False, first=first)
        strata = np.floor(lhs * LHS_BLOCK)
        np.testing.assert_allclose(lhs * LHS_BLOCK - strata, plain, rtol=0, atol=1e-12)


def test_lhs_permutations_differ_between_blocks_and_streams():
    """Blocks and streams get different stratum orders (the permutation is keyed)."""
    orders = set()
    for seed, name in STREAMS:
        for block in range(4):
            u = stream(seed, name, LHS_BLOCK, lhs=True, first=block * LHS_BLOCK)
            orders.add(tuple(np.floor(u * LHS_BLOCK).astype(int)))
    assert len(orders) == 4 * len(STREAMS)


def test_permute_is_a_bijection_for_many_keys():
    """permute(., k) maps 0..1023 onto 0..1023 for random, extreme and patterned keys."""
    rng = np.random.default_rng(12345)
    keys = [int(k) for k in rng.integers(0, 2**63, size=150, dtype=np.int64)]
    keys += [int(k) | (1 << 63) for k in rng.integers(0, 2**63, size=50, dtype=np.int64)]
    keys += [0, 1, MASK64, 1 << 63, 0x5555555555555555, 0xAAAAAAAAAAAAAAAA]
    keys += [1 << s for s in range(64)]
    for key in keys:
        image = sorted(int(permute(r, np.uint64(key))) for r in range(LHS_BLOCK))
        assert image == list(range(LHS_BLOCK)), f"key {key:#x}"


# Independence -----------------------------------------------------------------------------

N_CORR = 100_000
# Under independence a sample correlation is approximately N(0, 1/n) (Pearson, and
# Spearman on ranks alike), so 4/sqrt(n) is a 4-standard-error bound.
CORR_BOUND = 4 / np.sqrt(N_CORR)


def _correlations(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    return float(np.corrcoef(a, b)[0, 1]), float(stats.spearmanr(a, b).statistic)


@pytest.mark.parametrize("lhs", [False, True], ids=["random", "lhs"])
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((1, "duration:T1"), (1, "duration:T2")),  # neighbouring task streams
        ((1, "duration:T1"), (2, "duration:T1")),  # seeds s and s + 1
        ((41, "duration:a"), (41, "risk:a")),  # same id, different kind of stream
        ((0, "duration:T10"), (0, "duration:T1")),
    ],
)
def test_neighbouring_streams_are_uncorrelated(first, second, lhs):
    """Pearson and Spearman correlations of neighbouring streams are within 4/sqrt(n)."""
    a = stream(*first, N_CORR, lhs)
    b = stream(*second, N_CORR, lhs)
    for r in _correlations(a, b):
        assert abs(r) < CORR_BOUND


@pytest.mark.parametrize("lag", [1, 2, LHS_BLOCK])
def test_consecutive_iterations_are_uncorrelated(lag):
    """Within one stream, iterations i and i + lag are uncorrelated (within 4/sqrt(n))."""
    u = stream(5, "duration:T1", N_CORR + lag)
    for r in _correlations(u[:-lag], u[lag:]):
        assert abs(r) < CORR_BOUND


# Purity -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lhs", [False, True], ids=["random", "lhs"])
@pytest.mark.parametrize(("a", "b"), [(0, 10), (1000, 3100), (1023, 1025), (5000, 5001)])
def test_any_range_of_iterations_equals_a_slice_of_a_longer_run(a, b, lhs):
    """Iterations [a, b) computed directly equal the same slice of a run from 0."""
    for seed, name in STREAMS:
        whole = stream(seed, name, 6000, lhs)
        part = stream(seed, name, b - a, lhs, first=a)
        assert np.array_equal(part, whole[a:b])


@pytest.mark.parametrize("lhs", [False, True], ids=["random", "lhs"])
def test_row_fill_equals_one_by_one_uniforms(lhs):
    """Filling a row (key per block) gives the per-iteration uniform/lhs_uniform values."""
    one = lhs_uniform if lhs else uniform
    for seed, name in STREAMS:
        key = np.uint64(stream_key(seed, name))
        first = 2 * LHS_BLOCK - 300  # crosses a block boundary
        row = uniforms(int(key), first, 700, lhs)
        assert row.tolist() == [one(key, first + j) for j in range(700)]


def test_streams_depend_only_on_seed_and_name():
    """The same (seed, name) gives the same numbers; changing either changes them all."""
    base = stream(11, "duration:x", 1000)
    assert np.array_equal(base, stream(11, "duration:x", 1000))
    for other in (stream(12, "duration:x", 1000), stream(11, "duration:y", 1000)):
        assert not np.any(other == base)
