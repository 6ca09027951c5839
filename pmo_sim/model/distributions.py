"""Estimate distributions: the families a scenario may use for durations, costs and impacts.

Each family is a frozen, validated value object. A registry maps the family name used in
scenario files (``dist = "triangular"``) to its class, so readers never branch on strings;
each class also carries the integer code the numba kernels use (see ``_quantiles.py``).

Names follow the scenario format (``min``/``mode``/``max``) rather than scipy's
``loc``/``scale``; ``scipy()`` returns the equivalent frozen ``scipy.stats`` distribution,
which the tests use as the reference for every quantile function.

scipy is imported lazily (in ``scipy()`` and the trigen solver): importing scipy.stats
costs about a second, which the command line should not pay just to read a file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np

from .errors import must

__all__ = [
    "DISTRIBUTIONS",
    "Discrete",
    "Distribution",
    "Fixed",
    "Lognormal",
    "Normal",
    "Pert",
    "Triangular",
    "Trigen",
    "Uniform",
    "distribution_from_mapping",
]


def _number(name: str, value: Any) -> float:
    """A finite real number from user input; bools and strings are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(must(name, "a number", value))
    value = float(value)
    if math.isnan(value):
        raise ValueError(must(name, "a number, not NaN", value))
    return value


def _finite(name: str, value: Any) -> float:
    value = _number(name, value)
    if not math.isfinite(value):
        raise ValueError(must(name, "finite", value))
    return value


def norm_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def norm_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _fmt(x: float) -> str:
    """Compact number for messages: 20 rather than 20.0."""
    return f"{x:g}"


@dataclass(frozen=True)
class Distribution:
    """Base class of every estimate distribution.

    Subclasses define ``family`` (the name in scenario files) and ``code`` (the kernel's
    integer code), validate in ``__post_init__``, and provide the properties below.
    """

    family: ClassVar[str] = ""
    code: ClassVar[int] = -1

    @property
    def deterministic(self) -> float:
        """The value the deterministic (CPM) schedule uses: the most likely value.

        It is the mode where the family has one, and the mean otherwise (uniform).
        """
        raise NotImplementedError

    @property
    def mean(self) -> float:
        """The expected value."""
        return float(self.scipy().mean())

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest value the distribution can produce."""
        lo, hi = self.scipy().support()
        return float(lo), float(hi)

    @property
    def is_degenerate(self) -> bool:
        """True when every draw gives the same value (a zero range)."""
        lo, hi = self.support
        return lo == hi

    def scipy(self) -> Any:
        """The equivalent frozen ``scipy.stats`` distribution (reference for tests)."""
        raise NotImplementedError

    def to_mapping(self) -> dict[str, Any]:
        """The scenario-file form of this distribution (inverse of ``from_mapping``)."""
        out: dict[str, Any] = {"dist": self.family}
        for f in fields(self):
            if f.init:
                value = getattr(self, f.name)
                out[f.metadata.get("key", f.name)] = (
                    list(value) if isinstance(value, tuple) else value
                )
        return out

    def describe(self) -> str:
        """Short human form, e.g. ``triangular(20, 30, 60)``."""
        args = []
        for f in fields(self):
            if f.init:
                value = getattr(self, f.name)
                if isinstance(value, tuple):
                    args.append("[" + ", ".join(_fmt(v) for v in value) + "]")
                else:
                    args.append(_fmt(value))
        return f"{self.family}({', '.join(args)})"

    @property
    def as_given(self) -> Any:
        """The distribution as a user would recognise it in a message."""
        return self.describe()

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> Distribution:
        """Build from a scenario-file table (without its ``dist`` key); unknown keys fail."""
        keys = {f.metadata.get("key", f.name): f.name for f in fields(cls) if f.init}
        unknown = [k for k in table if k not in keys]
        if unknown:
            raise ValueError(
                must(
                    unknown[0],
                    f"one of the keys of a {cls.family} distribution ({', '.join(keys)})",
                    table[unknown[0]],
                ).replace(f"'{unknown[0]}' must be", f"'{unknown[0]}' is not a known key: use")
            )
        required = [
            k
            for k, name in keys.items()
            if next(f for f in fields(cls) if f.name == name).default is _REQUIRED
        ]
        missing = [k for k in required if k not in table]
        if missing:
            raise ValueError(
                f"'{missing[0]}' is required for a {cls.family} distribution "
                f"(keys: {', '.join(keys)})"
            )
        return cls(**{keys[k]: v for k, v in table.items()})


# A sentinel default marks required fields, so from_mapping can report them by name
# while dataclass fields with defaults may follow.
class _Required:
    def __repr__(self) -> str:
        return "<required>"


_REQUIRED: Any = _Required()


def _check_required(obj: Distribution) -> None:
    for f in fields(obj):
        if getattr(obj, f.name) is _REQUIRED:
            raise TypeError(
                f"'{f.metadata.get('key', f.name)}' is required for a {obj.family} distribution"
            )


@dataclass(frozen=True)
class Fixed(Distribution):
    """A single value (no uncertainty)."""

    family: ClassVar[str] = "fixed"
    code: ClassVar[int] = 0
    value: float = _REQUIRED

    def __post_init__(self) -> None:
        _check_required(self)
        object.__setattr__(self, "value", _finite("value", self.value))

    @property
    def as_given(self) -> Any:
        return self.value

    @property
    def deterministic(self) -> float:
        return self.value

    @property
    def mean(self) -> float:
        return self.value

    @property
    def support(self) -> tuple[float, float]:
        return self.value, self.value

    def scipy(self) -> Any:
        from scipy import stats

        # A one-point discrete distribution: its ppf is `value` for every u.
        return stats.rv_discrete(values=([self.value], [1.0]))


def _three_point(obj: Distribution, lo: str, mode: str, hi: str) -> None:
    a, c, b = (_finite(k, getattr(obj, k)) for k in (lo, mode, hi))
    if not b > a:
        raise ValueError(
            must(hi, f"greater than '{lo}' ({_fmt(a)}); use a fixed value for no range", b)
        )
    if not a <= c <= b:
        raise ValueError(must(mode, f"between '{lo}' ({_fmt(a)}) and '{hi}' ({_fmt(b)})", c))
    for k, v in ((lo, a), (mode, c), (hi, b)):
        object.__setattr__(obj, k, v)


@dataclass(frozen=True)
class Triangular(Distribution):
    """Triangular distribution on [min, max] with most likely value ``mode``."""

    family: ClassVar[str] = "triangular"
    code: ClassVar[int] = 1
    min: float = _REQUIRED
    mode: float = _REQUIRED
    max: float = _REQUIRED

    def __post_init__(self) -> None:
        _check_required(self)
        _three_point(self, "min", "mode", "max")

    @property
    def deterministic(self) -> float:
        return self.mode

    @property
    def mean(self) -> float:
        return (self.min + self.mode + self.max) / 3.0

    @property
    def support(self) -> tuple[float, float]:
        return self.min, self.max

    def scipy(self) -> Any:
        from scipy import stats

        scale = self.max - self.min
        return stats.triang((self.mode - self.min) / scale, loc=self.min, scale=scale)


#: Largest Beta-PERT ``lambda``: the inverse-CDF tables (``engine.quantiles``) are
#: verified to 1e-11 relative error for every mode up to this shape (beyond about 64
#: the tables of a mode near a bound no longer converge).
MAX_PERT_LAMBDA = 50.0


@dataclass(frozen=True)
class Pert(Distribution):
    """Beta-PERT on [min, max] with mode ``mode`` and shape ``lambda`` (default 4).

    It is a beta distribution with shapes ``1 + lambda (mode - min) / (max - min)`` and
    ``1 + lambda (max - mode) / (max - min)``, so its mean is
    ``(min + lambda mode + max) / (lambda + 2)``.
    """

    family: ClassVar[str] = "pert"
    code: ClassVar[int] = 2
    min: float = _REQUIRED
    mode: float = _REQUIRED
    max: float = _REQUIRED
    lam: float = field(default=4.0, metadata={"key": "lambda"})

    def __post_init__(self) -> None:
        _check_required(self)
        _three_point(self, "min", "mode", "max")
        lam = _finite("lambda", self.lam)
        if not 0 < lam <= MAX_PERT_LAMBDA:
            raise ValueError(
                must(
                    "lambda",
                    f"greater than 0 and at most {MAX_PERT_LAMBDA:g} (the shapes whose "
                    "quantile tables are verified; 4 is the classic PERT, 3 to 6 the usual "
                    "range)",
                    lam,
                )
            )
        object.__setattr__(self, "lam", lam)

    @property
    def shapes(self) -> tuple[float, float]:
        """The beta shape parameters (alpha, beta)."""
        width = self.max - self.min
        return (
            1.0 + self.lam * (self.mode - self.min) / width,
            1.0 + self.lam * (self.max - self.mode) / width,
        )

    @property
    def deterministic(self) -> float:
        return self.mode

    @property
    def mean(self) -> float:
        return (self.min + self.lam * self.mode + self.max) / (self.lam + 2.0)

    @property
    def support(self) -> tuple[float, float]:
        return self.min, self.max

    def scipy(self) -> Any:
        from scipy import stats

        a, b = self.shapes
        return stats.beta(a, b, loc=self.min, scale=self.max - self.min)


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform distribution on [min, max]."""

    family: ClassVar[str] = "uniform"
    code: ClassVar[int] = 3
    min: float = _REQUIRED
    max: float = _REQUIRED

    def __post_init__(self) -> None:
        _check_required(self)
        a, b = _finite("min", self.min), _finite("max", self.max)
        if not b > a:
            raise ValueError(
                must("max", f"greater than 'min' ({_fmt(a)}); use a fixed value for no range", b)
            )
        object.__setattr__(self, "min", a)
        object.__setattr__(self, "max", b)

    @property
    def deterministic(self) -> float:
        # No mode: the mean (midpoint) stands in for the most likely value.
        return 0.5 * (self.min + self.max)

    @property
    def mean(self) -> float:
        return 0.5 * (self.min + self.max)

    @property
    def support(self) -> tuple[float, float]:
        return self.min, self.max

    def scipy(self) -> Any:
        from scipy import stats

        return stats.uniform(loc=self.min, scale=self.max - self.min)


@dataclass(frozen=True)
class Normal(Distribution):
    """Normal distribution (mean, sd) truncated to [min, max]; ``min`` defaults to 0.

    The default truncation at 0 keeps durations non-negative; set ``min`` lower for an
    impact that may be negative, and ``max`` for an upper bound.
    """

    family: ClassVar[str] = "normal"
    code: ClassVar[int] = 4
    mean_: float = field(default=_REQUIRED, metadata={"key": "mean"})
    sd: float = _REQUIRED
    min: float = 0.0
    max: float = math.inf

    def __post_init__(self) -> None:
        _check_required(self)
        mu, sd = _finite("mean", self.mean_), _finite("sd", self.sd)
        lo, hi = _number("min", self.min), _number("max", self.max)
        if not sd > 0:
            raise ValueError(must("sd", "greater than 0; use a fixed value for no spread", sd))
        if lo == math.inf or hi == -math.inf or not hi > lo:
            raise ValueError(must("max", f"greater than 'min' ({_fmt(lo)})", hi))
        # A truncation window far in a tail leaves (numerically) no probability mass.
        if norm_sf((lo - mu) / sd) < 1e-12 or norm_cdf((hi - mu) / sd) < 1e-12:
            raise ValueError(
                must("mean", f"within a few sd of the window [{_fmt(lo)}, {_fmt(hi)}]", mu)
            )
        for k, v in (("mean_", mu), ("sd", sd), ("min", lo), ("max", hi)):
            object.__setattr__(self, k, v)

    @property
    def deterministic(self) -> float:
        # The mode of a truncated normal is its mean clipped into the window.
        return float(min(max(self.mean_, self.min), self.max))

    def scipy(self) -> Any:
        from scipy import stats

        a = (self.min - self.mean_) / self.sd
        b = (self.max - self.mean_) / self.sd
        return stats.truncnorm(a, b, loc=self.mean_, scale=self.sd)


@dataclass(frozen=True)
class Lognormal(Distribution):
    """Lognormal distribution given by the mean and standard deviation of the value itself.

    The log has ``sigma**2 = ln(1 + sd**2 / mean**2)`` and ``mu = ln(mean) - sigma**2 / 2``.
    """

    family: ClassVar[str] = "lognormal"
    code: ClassVar[int] = 5
    mean_: float = field(default=_REQUIRED, metadata={"key": "mean"})
    sd: float = _REQUIRED

    def __post_init__(self) -> None:
        _check_required(self)
        mu, sd = _finite("mean", self.mean_), _finite("sd", self.sd)
        if not mu > 0:
            raise ValueError(must("mean", "greater than 0 for a lognormal", mu))
        if not sd > 0:
            raise ValueError(must("sd", "greater than 0; use a fixed value for no spread", sd))
        object.__setattr__(self, "mean_", mu)
        object.__setattr__(self, "sd", sd)

    @property
    def log_params(self) -> tuple[float, float]:
        """(mu, sigma) of the underlying normal."""
        s2 = math.log1p((self.sd / self.mean_) ** 2)
        return math.log(self.mean_) - 0.5 * s2, math.sqrt(s2)

    @property
    def deterministic(self) -> float:
        mu, s = self.log_params
        return math.exp(mu - s * s)

    @property
    def mean(self) -> float:
        return self.mean_

    def scipy(self) -> Any:
        from scipy import stats

        mu, s = self.log_params
        return stats.lognorm(s, scale=math.exp(mu))


def _trigen_to_triangular(
    low: float, mode: float, high: float, p: float, q: float
) -> tuple[float, float]:
    """The triangular (a, b) whose p-quantile is ``low`` and q-quantile is ``high``.

    With x = mode - a and y = b - mode the two conditions are
    ``(x - l)^2 = p (x + y) x`` and ``(y - h)^2 = (1 - q)(x + y) y``, where
    l = mode - low and h = high - mode. Each is a quadratic in one unknown given the
    other; substituting the closed-form root of the first into the second leaves one
    monotone equation in y, solved by Brent's method to machine precision.
    """
    l_, h_ = mode - low, high - mode
    r = 1.0 - q

    def x_of(y: float) -> float:
        # Larger root of (1-p) x^2 - (2l + p y) x + l^2 = 0 (the one with x >= l). The
        # discriminant (2l + p y)^2 - 4 (1-p) l^2 is written as p (4 l y + p y^2 + 4 l^2)
        # so it does not cancel when p is tiny.
        bq = 2.0 * l_ + p * y
        disc = p * (4.0 * l_ * y + p * y * y + 4.0 * l_ * l_)
        return (bq + math.sqrt(disc)) / (2.0 * (1.0 - p))

    def y_of(x: float) -> float:
        bq = 2.0 * h_ + r * x
        disc = r * (4.0 * h_ * x + r * x * x + 4.0 * h_ * h_)
        return (bq + math.sqrt(disc)) / (2.0 * (1.0 - r))

    def gap(y: float) -> float:
        return y_of(x_of(y)) - y

    lo_y = h_
    if gap(lo_y) <= 0.0:
        y = lo_y
    else:
        hi_y = max(h_, l_, high - low) * 2.0 + 1.0
        while gap(hi_y) > 0.0:
            hi_y *= 2.0
        from scipy import optimize

        y = optimize.brentq(gap, lo_y, hi_y, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)
    return mode - x_of(y), mode + y


@dataclass(frozen=True)
class Trigen(Distribution):
    """Triangular given by two percentiles and the mode (@RISK's TRIGEN).

    ``low`` is the ``low_pct`` percentile and ``high`` the ``high_pct`` percentile (in
    percent, e.g. 10 and 90). The underlying triangular's ``min`` and ``max`` are solved
    exactly (see ``_trigen_to_triangular``) and exposed as attributes.
    """

    family: ClassVar[str] = "trigen"
    code: ClassVar[int] = 1  # sampled as the underlying triangular
    low: float = _REQUIRED
    mode: float = _REQUIRED
    high: float = _REQUIRED
    low_pct: float = 10.0
    high_pct: float = 90.0
    min: float = field(init=False, default=0.0)
    max: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        _check_required(self)
        _three_point(self, "low", "mode", "high")
        p, q = _finite("low_pct", self.low_pct), _finite("high_pct", self.high_pct)
        if not 0.0 <= p < 100.0:
            raise ValueError(must("low_pct", "in [0, 100)", p))
        if not p < q <= 100.0:
            raise ValueError(must("high_pct", f"in ('low_pct' ({_fmt(p)}), 100]", q))
        a, b = _trigen_to_triangular(self.low, self.mode, self.high, p / 100.0, q / 100.0)
        object.__setattr__(self, "low_pct", p)
        object.__setattr__(self, "high_pct", q)
        object.__setattr__(self, "min", a)
        object.__setattr__(self, "max", b)

    @property
    def deterministic(self) -> float:
        return self.mode

    @property
    def mean(self) -> float:
        return (self.min + self.mode + self.max) / 3.0

    @property
    def support(self) -> tuple[float, float]:
        return self.min, self.max

    def scipy(self) -> Any:
        from scipy import stats

        scale = self.max - self.min
        return stats.triang((self.mode - self.min) / scale, loc=self.min, scale=scale)


@dataclass(frozen=True)
class Discrete(Distribution):
    """A finite set of ``values`` with relative ``weights`` (normalised to sum to 1)."""

    family: ClassVar[str] = "discrete"
    code: ClassVar[int] = 6
    values: tuple[float, ...] = _REQUIRED
    weights: tuple[float, ...] = _REQUIRED

    def __post_init__(self) -> None:
        _check_required(self)
        if isinstance(self.values, str | bytes) or not hasattr(self.values, "__len__"):
            raise TypeError(must("values", "a list of numbers", self.values))
        if isinstance(self.weights, str | bytes) or not hasattr(self.weights, "__len__"):
            raise TypeError(must("weights", "a list of numbers", self.weights))
        values = tuple(_finite(f"values[{i + 1}]", v) for i, v in enumerate(self.values))
        weights = tuple(_finite(f"weights[{i + 1}]", w) for i, w in enumerate(self.weights))
        if not values:
            raise ValueError(must("values", "a non-empty list", list(values)))
        if len(weights) != len(values):
            raise ValueError(
                must("weights", f"a list as long as 'values' ({len(values)})", list(weights))
            )
        if any(w < 0 for w in weights) or not sum(weights) > 0:
            raise ValueError(must("weights", "non-negative with a positive sum", list(weights)))
        if len(set(values)) != len(values):
            raise ValueError(must("values", "distinct", list(values)))
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "weights", weights)

    @property
    def probabilities(self) -> np.ndarray:
        w = np.asarray(self.weights, dtype=float)
        return w / w.sum()

    @property
    def deterministic(self) -> float:
        # The most likely value; the first listed wins a tie.
        return self.values[int(np.argmax(self.weights))]

    @property
    def mean(self) -> float:
        return float(np.dot(self.values, self.probabilities))

    @property
    def support(self) -> tuple[float, float]:
        nonzero = [v for v, w in zip(self.values, self.weights, strict=True) if w > 0]
        return min(nonzero), max(nonzero)

    def scipy(self) -> Any:
        from scipy import stats

        order = np.argsort(self.values)
        return stats.rv_discrete(values=(np.asarray(self.values)[order], self.probabilities[order]))


DISTRIBUTIONS: dict[str, type[Distribution]] = {
    cls.family: cls
    for cls in (Fixed, Triangular, Pert, Uniform, Normal, Lognormal, Trigen, Discrete)
}


def distribution_from_mapping(value: Any, field_name: str = "duration") -> Distribution:
    """Read a distribution as written in a scenario file.

    A plain number is a fixed value; a table names its family with ``dist``.
    Raises ``TypeError``/``ValueError`` in the house wording on bad input.
    """
    if isinstance(value, Distribution):
        return value
    if isinstance(value, Mapping):
        if "dist" not in value:
            raise ValueError(
                f"'{field_name}' needs a 'dist' key naming the family "
                f"({', '.join(DISTRIBUTIONS)}), or a plain number for a fixed value"
            )
        family = value["dist"]
        cls = DISTRIBUTIONS.get(family) if isinstance(family, str) else None
        if cls is None:
            raise ValueError(must("dist", f"one of {', '.join(DISTRIBUTIONS)}", family))
        return cls.from_mapping({k: v for k, v in value.items() if k != "dist"})
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            must(field_name, 'a number or a table like { dist = "triangular", ... }', value)
        )
    return Fixed(value)
