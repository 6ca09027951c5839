"""Counter-based random numbers: every uniform is a pure function of (seed, stream, i).

Generator: SplitMix64 (Steele, Lea & Flood, OOPSLA 2014). Its i-th output from state
``s`` is ``mix(s + (i + 1) * GAMMA)``, so any output can be computed directly, without
running through the ones before it. Each stream (one per task duration, risk event,
impact, cost item) starts at its own state ``key = mix(mix(seed + GAMMA) ^ h)``, where
``h`` is a 64-bit BLAKE2b hash of the stream's name (such as ``duration:design``).
Because streams are named by ids, adding a task or switching a risk off leaves every
other stream's numbers unchanged (common random numbers across variants).

Uniforms use the top 53 bits: ``u = (z >> 11 + 0.5) / 2**53``, so 0 < u < 1 (the one
output that rounds to 1.0 is replaced by the largest double below 1).

Latin hypercube sampling stratifies each stream within fixed blocks of
``LHS_BLOCK`` iterations: iteration ``i`` in block ``b`` falls in stratum
``perm_b(i mod LHS_BLOCK)``, where ``perm_b`` is a keyed bijection of
``0..LHS_BLOCK-1`` derived from the stream key and ``b`` (alternating odd
multiplications and xor-shifts modulo ``2**10``, each invertible), and the point within
the stratum is the plain uniform of iteration ``i``. Every uniform stays a pure function
of (seed, stream, i), so results do not depend on threads or on how iterations are split
into work blocks.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ..base.jit import kernel

GAMMA = 0x9E3779B97F4A7C15
MASK64 = (1 << 64) - 1
LHS_BITS = 10
LHS_BLOCK = 1 << LHS_BITS  # strata per Latin hypercube block
ONE_BELOW = 1.0 - 2.0**-53  # the largest double below 1

_U64 = np.uint64


def _mix_int(z: int) -> int:
    """SplitMix64 finaliser on Python ints (for keys computed outside kernels)."""
    z &= MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def stream_key(seed: int, name: str) -> int:
    """Start state of the stream called ``name`` (e.g. ``"duration:design"``)."""
    h = int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "little")
    return _mix_int(_mix_int(seed + GAMMA) ^ h)


def stream_keys(seed: int, names: list[str]) -> np.ndarray:
    return np.array([stream_key(seed, n) for n in names], dtype=np.uint64)


@kernel(inline="always")
def mix(z):
    z = (z ^ (z >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> _U64(27))) * _U64(0x94D049BB133111EB)
    return z ^ (z >> _U64(31))


@kernel(inline="always")
def uniform(key, i):
    """The i-th uniform of the stream starting at ``key`` (0 < u < 1)."""
    z = mix(key + (_U64(i) + _U64(1)) * _U64(GAMMA))
    u = (np.float64(z >> _U64(11)) + 0.5) * (1.0 / 9007199254740992.0)
    # Only z >> 11 == 2**53 - 1 rounds up to 1.0; keep it below 1.
    return u if u < 1.0 else ONE_BELOW


@kernel(inline="always")
def lhs_stratum(key, block):
    """Keys of the bijection used for LHS block ``block`` of a stream."""
    return mix(key ^ mix((_U64(block) + _U64(1)) * _U64(0xD1B54A32D192ED03)))


@kernel(inline="always")
def permute(r, k):
    """Keyed bijection of 0..LHS_BLOCK-1: each step is invertible modulo 2**LHS_BITS."""
    m = _U64(LHS_BLOCK - 1)
    x = _U64(r)
    x = (x ^ k) & m
    x = (x * ((k >> _U64(10)) | _U64(1))) & m
    x ^= x >> _U64(5)
    x = (x + (k >> _U64(20))) & m
    x = (x * ((k >> _U64(30)) | _U64(1))) & m
    x ^= x >> _U64(4)
    x = (x ^ (k >> _U64(40))) & m
    x = (x * ((k >> _U64(50)) | _U64(1))) & m
    x ^= x >> _U64(5)
    x = (x * _U64(0x2C9277B5)) & m
    x ^= x >> _U64(3)
    return x


@kernel(inline="always")
def lhs_uniform(key, i):
    """The i-th Latin-hypercube uniform of the stream starting at ``key``."""
    b = i >> LHS_BITS
    r = i & (LHS_BLOCK - 1)
    s = permute(r, lhs_stratum(key, b))
    u = (np.float64(s) + uniform(key, i)) * (1.0 / LHS_BLOCK)
    return u if u < 1.0 else ONE_BELOW


@kernel(inline="always")
def uniforms_row(key, first, lhs, out, m):
    """Fill out[:m] with the uniforms of iterations first..first+m-1 of one stream.

    Same values as ``lhs_uniform``/``uniform`` one by one; the bijection's key is derived
    once per Latin hypercube block instead of once per iteration.
    """
    if lhs:
        t = 0
        while t < m:
            b = (first + t) >> LHS_BITS
            kb = lhs_stratum(key, b)
            end = min(m, ((b + 1) << LHS_BITS) - first)
            for tt in range(t, end):
                i = first + tt
                s = permute(i & (LHS_BLOCK - 1), kb)
                u = (np.float64(s) + uniform(key, i)) * (1.0 / LHS_BLOCK)
                # In the top stratum a plain uniform near 1 can round the sum up to 1.
                out[tt] = u if u < 1.0 else ONE_BELOW
            t = end
    else:
        for t in range(m):
            out[t] = uniform(key, first + t)


@kernel
def uniforms_call(key, first, lhs, out, m):
    """``uniforms_row`` as a call, not inlined: for loops over risks and correlated
    items, run once per row of a block, where inlining gains nothing at run time and
    every inlined copy costs compile time on a new machine."""
    uniforms_row(key, first, lhs, out, m)


@kernel
def fill_uniforms(key, first, out, lhs):
    """Uniforms of iterations first..first+len(out)-1 of one stream (tests, references)."""
    uniforms_row(key, first, lhs, out, out.shape[0])
