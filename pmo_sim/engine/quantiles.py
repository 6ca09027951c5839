"""Quantile functions (inverse CDFs) of every distribution family, for the kernels.

Each family maps a uniform ``u`` in (0, 1) to a value. A distribution is packed as an
integer ``code`` (the family's ``Distribution.code``), a row of ``PARAMS`` floats, and
possibly a slice of a shared float ``table`` (discrete values; Beta-PERT interpolation
nodes). ``pack`` does the packing; ``ppf`` evaluates one value; the kernels call
``sample_row`` once per task and block, which hoists the family switch out of the
iteration loop.

Closed forms: fixed, uniform, triangular (and trigen), discrete (search in the
cumulative weights), normal and lognormal (through ``ndtri``: Acklam's rational
approximation refined by one Halley step on ``erfc``, accurate to a few ulp).

Beta-PERT has no closed-form quantile. Its table is built once per shape pair with
scipy's ``betaincinv`` and verified before use (``pert_table``): on each half of (0, 1)
the quantile is interpolated by cubic Hermite polynomials in ``s = u**(1/alpha)`` (or
``(1-u)**(1/beta)`` on the upper half), in which the quantile is smooth even where the
density vanishes, with exact slopes from the density. The grid is refined until the
relative error at the points between nodes is below ``PERT_RTOL``; if it cannot be met
the build fails loudly rather than approximating silently.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import special

from ..base.jit import kernel
from ..model.distributions import (
    Discrete,
    Distribution,
    Fixed,
    Lognormal,
    Normal,
    Pert,
    Triangular,
    Trigen,
    Uniform,
    norm_cdf,
    norm_sf,
)
from .rng import uniforms_row

PARAMS = 6
PERT_RTOL = 1e-11

FIXED, TRIANGULAR, PERT, UNIFORM, NORMAL, LOGNORMAL, DISCRETE = (
    Fixed.code,
    Triangular.code,
    Pert.code,
    Uniform.code,
    Normal.code,
    Lognormal.code,
    Discrete.code,
)


# --------------------------------------------------------------------------------------
# Packing (Python side)


def _half_table(a: float, b: float, n: int) -> tuple[float, np.ndarray, np.ndarray]:
    """Nodes and slopes of x(s), s = u**(1/a), for u in (0, 1/2], X ~ Beta(a, b)."""
    smax = 0.5 ** (1.0 / a)
    s = np.linspace(0.0, smax, n + 1)
    x = special.betaincinv(a, b, s**a)
    x[0] = 0.0
    logb = special.betaln(a, b)
    slope = np.empty_like(x)
    # dx/ds = a s^(a-1) / pdf(x); at s = 0 its limit is (a B(a, b))^(1/a).
    slope[0] = math.exp((math.log(a) + logb) / a)
    xs, ss = x[1:], s[1:]
    logpdf = (a - 1.0) * np.log(xs) + (b - 1.0) * np.log1p(-xs) - logb
    slope[1:] = a * np.exp((a - 1.0) * np.log(ss) - logpdf)
    return smax, x, slope


def _hermite(smax: float, x: np.ndarray, slope: np.ndarray, s: np.ndarray) -> np.ndarray:
    n = x.size - 1
    h = smax / n
    t = s / h
    k = np.minimum(t.astype(np.int64), n - 1)
    th = t - k
    th2, th3 = th * th, th * th * th
    return (
        (2 * th3 - 3 * th2 + 1) * x[k]
        + (th3 - 2 * th2 + th) * h * slope[k]
        + (-2 * th3 + 3 * th2) * x[k + 1]
        + (th3 - th2) * h * slope[k + 1]
    )


@lru_cache(maxsize=4096)
def _verified_half(a: float, b: float) -> np.ndarray:
    """Header [n, smax] + nodes + slopes for one half, refined until within PERT_RTOL."""
    for n in (64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384):
        smax, x, slope = _half_table(a, b, n)
        h = smax / n
        probe = (np.arange(n)[:, None] + np.array([0.25, 0.5, 0.75])).ravel() * h
        exact = special.betaincinv(a, b, probe**a)
        approx = _hermite(smax, x, slope, probe)
        if np.all(np.abs(approx - exact) <= PERT_RTOL * exact):
            return np.concatenate([[float(n), smax], x, slope])
    raise ArithmeticError(  # pragma: no cover - no PERT shape seen needs more nodes
        f"Beta-PERT quantile table for shapes ({a}, {b}) did not reach relative error "
        f"{PERT_RTOL}; please report this scenario"
    )


def pert_table(alpha: float, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """Verified interpolation tables for the lower and upper halves of Beta(alpha, beta)."""
    # The upper half of Beta(a, b) is the lower half of Beta(b, a) reflected: 1 - X.
    return _verified_half(alpha, beta), _verified_half(beta, alpha)


class Packer:
    """Packs distributions into (codes, params, table) arrays for the kernels."""

    def __init__(self) -> None:
        self.codes: list[int] = []
        self.params: list[list[float]] = []
        self.table: list[float] = []
        self._tables: dict[tuple, int] = {}

    def _append_table(self, key: tuple, values: np.ndarray) -> int:
        if key not in self._tables:
            self._tables[key] = len(self.table)
            self.table.extend(float(v) for v in values)
        return self._tables[key]

    def add(self, dist: Distribution) -> int:
        """Pack ``dist``; returns its row index."""
        p = [0.0] * PARAMS
        if isinstance(dist, Fixed):
            p[0] = dist.value
        elif isinstance(dist, Triangular | Trigen):
            p[0], p[1], p[2] = dist.min, dist.mode, dist.max
        elif isinstance(dist, Pert):
            alpha, beta = dist.shapes
            lower, upper = pert_table(alpha, beta)
            p[0], p[1] = dist.min, dist.max - dist.min
            p[2], p[3] = 1.0 / alpha, 1.0 / beta
            p[4] = self._append_table(("pert", alpha, beta), lower)
            p[5] = self._append_table(("pert", beta, alpha), upper)
        elif isinstance(dist, Uniform):
            p[0], p[1] = dist.min, dist.max - dist.min
        elif isinstance(dist, Normal):
            za, zb = (dist.min - dist.mean_) / dist.sd, (dist.max - dist.mean_) / dist.sd
            p[0], p[1] = dist.mean_, dist.sd
            if za > 0.0:
                # Window in the upper tail: invert survival probabilities, all below 1/2.
                p[2], p[3], p[4] = norm_sf(za), norm_sf(za) - norm_sf(zb), 1.0
            else:
                # p2 = P(Z < za), p3 = window mass, p5 = P(Z > zb): the quantile is found
                # from whichever tail is below 1/2, so it keeps full relative precision.
                p[2], p[3], p[4] = norm_cdf(za), norm_sf(za) - norm_sf(zb), 0.0
                p[5] = norm_sf(zb)
        elif isinstance(dist, Lognormal):
            p[0], p[1] = dist.log_params
        elif isinstance(dist, Discrete):
            order = np.argsort(dist.values)
            values = np.asarray(dist.values)[order]
            cum = np.cumsum(dist.probabilities[order])
            cum[-1] = 1.0
            p[0] = self._append_table(
                ("discrete", tuple(values), tuple(cum)), np.concatenate([values, cum])
            )
            p[1] = float(values.size)
        else:  # pragma: no cover - every registered family is handled above
            raise TypeError(f"no quantile function for {type(dist).__name__}")
        self.codes.append(dist.code)
        self.params.append(p)
        return len(self.codes) - 1

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        codes = np.array(self.codes, dtype=np.int64)
        params = np.array(self.params, dtype=np.float64).reshape(len(self.codes), PARAMS)
        table = np.array(self.table if self.table else [0.0], dtype=np.float64)
        return codes, params, table


# --------------------------------------------------------------------------------------
# Kernels

_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_B = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
)
_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)


@kernel(inline="always")
def _ndtri_lower(p):
    """Standard normal quantile for 0 < p <= 1/2."""
    if p < 0.02425:
        q = math.sqrt(-2.0 * math.log(p))
        x = (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
        )
    else:
        q = p - 0.5
        r = q * q
        x = (
            (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5])
            * q
            / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0)
        )
    # One Halley step on the exact CDF (erfc) takes Acklam's 1e-9 to full precision.
    e = 0.5 * math.erfc(-x / _SQRT2) - p
    u = e * _SQRT2PI * math.exp(0.5 * x * x)
    return x - u / (1.0 + 0.5 * x * u)


@kernel(inline="always")
def ndtri(p):
    """Standard normal quantile, symmetric so that both tails keep full precision."""
    if p > 0.5:
        return -_ndtri_lower(1.0 - p)
    return _ndtri_lower(p)


@kernel(inline="always")
def ndtr(x):
    """Standard normal CDF."""
    return 0.5 * math.erfc(-x / _SQRT2)


@kernel(inline="always")
def _half_eval(table, off, s):
    n = int(table[off])
    smax = table[off + 1]
    h = smax / n
    t = s / h
    k = int(t)
    if k > n - 1:
        k = n - 1
    th = t - k
    th2 = th * th
    th3 = th2 * th
    xs = off + 2
    sl = xs + n + 1
    return (
        (2.0 * th3 - 3.0 * th2 + 1.0) * table[xs + k]
        + (th3 - 2.0 * th2 + th) * h * table[sl + k]
        + (-2.0 * th3 + 3.0 * th2) * table[xs + k + 1]
        + (th3 - th2) * h * table[sl + k + 1]
    )


@kernel(inline="always")
def _triangular(a, c, b, u):
    """Triangular quantile. Above the mode it is written as
    ``c + (u w - (c - a)) / (1 + sqrt((1 - u) w / (b - c)))``, equal to the textbook
    ``b - sqrt((1 - u) w (b - c))`` but without its cancellation when the result is
    near ``a`` (a mode at the minimum), so small values keep full relative precision."""
    w = b - a
    fc = c - a
    if u * w < fc or b == c:
        return a + math.sqrt(u * w * fc)
    return c + (u * w - fc) / (1.0 + math.sqrt((1.0 - u) * w / (b - c)))


@kernel
def ppf(code, p, table, u):
    """Quantile of the packed distribution (code, params row ``p``, ``table``) at u."""
    if code == TRIANGULAR:
        return _triangular(p[0], p[1], p[2], u)
    if code == PERT:
        if u <= 0.5:
            y = _half_eval(table, int(p[4]), u ** p[2])
            return p[0] + p[1] * y
        y = _half_eval(table, int(p[5]), (1.0 - u) ** p[3])
        return p[0] + p[1] * (1.0 - y)
    if code == UNIFORM:
        return p[0] + u * p[1]
    if code == NORMAL:
        if p[4] != 0.0:
            return p[0] - p[1] * _ndtri_lower(p[2] - u * p[3])
        lower = p[2] + u * p[3]
        if lower <= 0.5:
            return p[0] + p[1] * _ndtri_lower(lower)
        return p[0] - p[1] * _ndtri_lower(p[5] + (1.0 - u) * p[3])
    if code == LOGNORMAL:
        return math.exp(p[0] + p[1] * ndtri(u))
    if code == DISCRETE:
        off = int(p[0])
        n = int(p[1])
        lo = 0
        hi = n - 1
        while lo < hi:  # smallest k with cum[k] >= u
            mid = (lo + hi) // 2
            if table[off + n + mid] >= u:
                hi = mid
            else:
                lo = mid + 1
        return table[off + lo]
    return p[0]  # FIXED


@kernel
def ppf_array(code, p, table, u, out):
    """Vectorised ``ppf`` over an array of uniforms (for tests and references)."""
    for j in range(u.shape[0]):
        out[j] = ppf(code, p, table, u[j])


@kernel
def sample_row(code, p, table, key, first, lhs, out, m):
    """Fill out[:m] with the draws of iterations first..first+m-1 of one stream."""
    if code == FIXED:
        for j in range(m):
            out[j] = p[0]
        return
    uniforms_row(key, first, lhs, out, m)
    transform_row(code, p, table, out, m)


@kernel
def transform_row(code, p, table, out, m):
    """Map the uniforms in out[:m] through the quantile function, in place."""
    if code == TRIANGULAR:
        a, c, b = p[0], p[1], p[2]
        if b < 0.0 or c >= 1e-3 * b:
            # No value above the mode is small against b, so the textbook form (one
            # sqrt, no division) loses nothing to cancellation.
            w = b - a
            fc = c - a
            c1 = w * fc
            c2 = w * (b - c)
            for j in range(m):
                u = out[j]
                if u * w < fc:
                    out[j] = a + math.sqrt(u * c1)
                else:
                    out[j] = b - math.sqrt((1.0 - u) * c2)
        else:
            for j in range(m):
                out[j] = _triangular(a, c, b, out[j])
    else:
        for j in range(m):
            out[j] = ppf(code, p, table, out[j])
