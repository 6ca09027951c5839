"""Estimate distributions: validation wording, scipy equivalents, Trigen, file round trip."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from pmo_sim import Discrete, Fixed, Lognormal, Normal, Pert, Triangular, Trigen, Uniform
from pmo_sim.model.distributions import DISTRIBUTIONS, distribution_from_mapping

EXAMPLES = [
    Fixed(3.0),
    Triangular(20, 30, 60),
    Triangular(0, 0, 1),
    Pert(30, 40, 65),
    Pert(1, 2, 9, lam=3),
    Uniform(1.05, 1.2),
    Normal(5, 2),
    Normal(-1, 2, min=-4, max=6),
    Lognormal(5, 2),
    Trigen(10, 20, 40),
    Trigen(10, 12, 40, low_pct=5, high_pct=95),
    Discrete((1.5, 2.5, 4.0), (1, 3, 0.5)),
]
IDS = [d.describe() for d in EXAMPLES]


@pytest.mark.parametrize("dist", EXAMPLES, ids=IDS)
def test_mean_matches_scipy(dist):
    """Each family's ``mean`` equals the mean of its ``scipy()`` equivalent."""
    assert_allclose(dist.mean, dist.scipy().mean(), rtol=1e-9)


@pytest.mark.parametrize("dist", EXAMPLES, ids=IDS)
def test_support_matches_scipy(dist):
    """Each family's ``support`` is the range its ``scipy()`` equivalent can produce."""
    frozen = dist.scipy()
    lo, hi = frozen.ppf(0.0), frozen.ppf(1.0)
    if isinstance(dist, Discrete | Fixed):
        # scipy's discrete ppf(0) is one step below the first value; take the next quantile.
        lo = frozen.ppf(1e-12)
    assert_allclose(dist.support, (lo, hi), rtol=1e-9)


def _numeric_mode(dist, points: int = 200_001) -> tuple[float, float]:
    """Where the scipy density peaks on a fine grid over the bulk of the support, and the step."""
    frozen = dist.scipy()
    lo, hi = frozen.ppf(1e-9), frozen.ppf(1 - 1e-9)
    lo, hi = max(lo, dist.support[0]), min(hi, dist.support[1])
    grid = np.linspace(lo, hi, points)
    return float(grid[np.argmax(frozen.pdf(grid))]), (hi - lo) / (points - 1)


@pytest.mark.parametrize(
    "dist",
    [
        Triangular(20, 30, 60),
        Pert(30, 40, 65),
        Pert(1, 2, 9, lam=3),
        Normal(5, 2),
        Normal(-1, 2, min=0, max=6),
        Lognormal(5, 2),
        Trigen(10, 20, 40),
    ],
    ids=lambda d: d.describe(),
)
def test_deterministic_is_the_mode(dist):
    """``deterministic`` is where the density peaks (the most likely value)."""
    mode, step = _numeric_mode(dist)
    assert abs(dist.deterministic - mode) <= 2 * step


def test_deterministic_of_fixed_uniform_and_discrete():
    """Fixed gives its value, uniform its midpoint (no mode), discrete its heaviest value."""
    assert Fixed(7.5).deterministic == 7.5
    # uniform on [2, 5]: (2 + 5) / 2 = 3.5
    assert Uniform(2, 5).deterministic == 3.5
    assert Discrete((1, 2, 3), (1, 5, 2)).deterministic == 2.0
    # A tie goes to the first listed value.
    assert Discrete((4, 2), (1, 1)).deterministic == 4.0


def test_pert_and_triangular_means_by_formula():
    """Triangular mean is (a + c + b) / 3 and PERT mean (a + λc + b) / (λ + 2)."""
    # (20 + 30 + 60) / 3 = 36.666...
    assert Triangular(20, 30, 60).mean == pytest.approx(110 / 3)
    # (30 + 4 * 40 + 65) / 6 = 255 / 6 = 42.5
    assert Pert(30, 40, 65).mean == pytest.approx(42.5)
    # (1 + 3 * 2 + 9) / 5 = 3.2
    assert Pert(1, 2, 9, lam=3).mean == pytest.approx(3.2)


@pytest.mark.parametrize(
    ("low", "mode", "high", "p", "q"),
    [
        (10, 20, 40, 10, 90),
        (10, 10, 40, 5, 95),
        (10, 40, 40, 5, 95),
        (0, 1, 1000, 10, 90),
        (-5, 0, 3, 20, 80),
        (10, 20, 40, 0, 100),
        (10, 20, 40, 0, 90),
        (100, 101, 102, 1, 99),
    ],
)
def test_trigen_percentiles_land_on_low_and_high(low, mode, high, p, q):
    """Trigen's underlying triangular has ``low`` at low_pct and ``high`` at high_pct."""
    t = Trigen(low, mode, high, low_pct=p, high_pct=q)
    at_low, at_high = t.scipy().ppf([p / 100, q / 100])
    scale = max(abs(low), abs(high), high - low)
    assert abs(at_low - low) <= 1e-9 * scale
    assert abs(at_high - high) <= 1e-9 * scale
    assert t.min <= low <= mode <= high <= t.max


@settings(max_examples=150, deadline=None)
@given(
    low=st.floats(-100, 100),
    width=st.floats(0.01, 200),
    at=st.floats(0, 1),
    p=st.floats(0, 49),
    q=st.floats(51, 100),
)
# Percentiles a hair above 0 % or below 100 % (the discriminant of the closed-form root
# then cancels catastrophically).
@example(low=0.0, width=1.0, at=1.0, p=2.220446049250313e-16, q=51.0)
@example(low=0.0, width=1.0, at=0.0, p=49.0, q=100 - 1e-14)
def test_trigen_percentiles_property(low, width, at, p, q):
    """For any low < high, mode in between and percentiles p < q, the ppf hits low and high."""
    high = low + width
    mode = min(high, low + at * width)
    t = Trigen(low, mode, high, low_pct=p, high_pct=q)
    at_low, at_high = t.scipy().ppf([p / 100, q / 100])
    scale = max(abs(low), abs(high), width)
    assert abs(at_low - low) <= 1e-9 * scale
    assert abs(at_high - high) <= 1e-9 * scale


@pytest.mark.parametrize(
    ("make", "exc", "phrase"),
    [
        (lambda: Triangular(5, 3, 9), ValueError, "'mode' must be between 'min' (5) and 'max' (9)"),
        (lambda: Triangular(5, 5, 5), ValueError, "'max' must be greater than 'min' (5)"),
        (lambda: Uniform(5, 4), ValueError, "'max' must be greater than 'min' (5)"),
        (lambda: Pert(1, 2, 3, lam=0), ValueError, "'lambda' must be greater than 0 and at most"),
        (lambda: Pert(1, 2, 3, lam=51), ValueError, "at most 50 (the shapes whose quantile"),
        (lambda: Normal(5, 0), ValueError, "'sd' must be greater than 0"),
        (lambda: Lognormal(-1, 2), ValueError, "'mean' must be greater than 0 for a lognormal"),
        (lambda: Trigen(1, 2, 3, low_pct=-1), ValueError, "'low_pct' must be in [0, 100)"),
        (lambda: Trigen(1, 2, 3, 50, 40), ValueError, "'high_pct' must be in ('low_pct' (50)"),
        (lambda: Discrete((1, 2), (1,)), ValueError, "'weights' must be a list as long as"),
        (lambda: Discrete((1, 1), (1, 1)), ValueError, "'values' must be distinct"),
        (lambda: Fixed(math.inf), ValueError, "'value' must be finite (got inf)"),
        (lambda: Fixed("3"), TypeError, "'value' must be a number (got '3')"),
        (lambda: Fixed(True), TypeError, "'value' must be a number (got True)"),
        (lambda: Triangular(1, 2), TypeError, "'max' is required for a triangular"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_invalid_parameters_are_refused_in_house_wording(make, exc, phrase):
    """Bad parameters raise TypeError (type) or ValueError (value) in the house wording."""
    with pytest.raises(exc) as info:
        make()
    assert phrase in str(info.value)


@pytest.mark.parametrize("dist", EXAMPLES, ids=IDS)
def test_file_form_round_trips(dist):
    """``to_mapping`` gives a table that ``distribution_from_mapping`` reads back unchanged."""
    table = dist.to_mapping()
    assert table["dist"] == dist.family
    assert distribution_from_mapping(table) == dist


def test_registry_names_every_family():
    """The registry maps each family name to its class, as scenario files spell it."""
    assert {name: cls.family for name, cls in DISTRIBUTIONS.items()} == {
        name: name
        for name in (
            "fixed",
            "triangular",
            "pert",
            "uniform",
            "normal",
            "lognormal",
            "trigen",
            "discrete",
        )
    }


def test_plain_number_reads_as_fixed():
    """A plain number in a file is a fixed value; an int becomes a float."""
    d = distribution_from_mapping(12)
    assert d == Fixed(12.0)
    assert isinstance(d.value, float)


@pytest.mark.parametrize(
    ("value", "exc", "phrase"),
    [
        ({"dist": "tri", "min": 1}, ValueError, "'dist' must be one of fixed, triangular"),
        ({"min": 1, "max": 2}, ValueError, "'duration' needs a 'dist' key"),
        ({"dist": "uniform", "min": 1}, ValueError, "'max' is required for a uniform"),
        (
            {"dist": "uniform", "min": 1, "max": 2, "mode": 1},
            ValueError,
            "'mode' is not a known key: use one of the keys of a uniform distribution (min, max)",
        ),
        (True, TypeError, "'duration' must be a number or a table"),
        ("3", TypeError, "(got '3')"),
    ],
)
def test_bad_tables_are_refused(value, exc, phrase):
    """A table without a family, with an unknown family or key, or a non-number, is refused."""
    with pytest.raises(exc) as info:
        distribution_from_mapping(value, "duration")
    assert phrase in str(info.value)


def test_pert_shapes():
    """PERT's beta shapes are 1 + λ(c - a)/(b - a) and 1 + λ(b - c)/(b - a)."""
    # a=30, c=40, b=65, λ=4: 1 + 4 * 10/35 = 15/7 and 1 + 4 * 25/35 = 27/7
    assert Pert(30, 40, 65).shapes == pytest.approx((15 / 7, 27 / 7))


def test_lognormal_is_given_by_its_own_mean_and_sd():
    """Lognormal(mean, sd) has that mean and standard deviation (not those of the log)."""
    frozen = Lognormal(5, 2).scipy()
    assert_allclose([frozen.mean(), frozen.std()], [5, 2], rtol=1e-12)
