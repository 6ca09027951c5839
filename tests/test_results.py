"""Results: percentiles, dates and probabilities, standard errors, the JSON document."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import pmo_sim
from pmo_sim import Calendar, Fixed, Link, Normal, Project, Scenario, Task, Uniform, simulate

ISSUE_EXAMPLE = Path(__file__).resolve().parent / "data" / "issue_example.toml"

START = dt.date(2027, 1, 2)  # a Saturday: day 0 is Monday 2027-01-04
HOLIDAYS = (dt.date(2027, 1, 13), dt.date(2027, 1, 25), dt.date(2027, 2, 1))


def working_days(start: dt.date, holidays=HOLIDAYS, count: int = 400) -> list[dt.date]:
    """The first ``count`` Monday-to-Friday non-holidays on or after ``start``, by
    walking the calendar one day at a time."""
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5 and day not in holidays:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


WORKDAYS = working_days(START)


def worked_through(date: dt.date) -> int:
    """Working days from day 0 through the end of ``date`` (by enumeration)."""
    return sum(1 for d in WORKDAYS if d <= date)


def finish_date(offset: float) -> dt.date:
    """Calendar rule: a finish at offset f > 0 is at the end of working day ceil(f) - 1;
    a finish at 0 is dated day 0."""
    return WORKDAYS[max(math.ceil(offset) - 1, 0)]


def make_scenario(*tasks: Task, **project) -> Scenario:
    calendar = Calendar("mon-fri", holidays=HOLIDAYS)
    return Scenario(
        project=Project(name="Probe", start=START, calendar=calendar, **project),
        tasks=tuple(tasks),
    )


@pytest.fixture(scope="module")
def spread_run():
    """A run whose finish spreads over several weeks (two uniform tasks in series)."""
    scenario = make_scenario(
        Task("a", duration=Uniform(2, 15)),
        Task("b", duration=Uniform(0.5, 12), predecessors=(Link("a"),)),
        deadline=dt.date(2027, 1, 29),
    )
    return simulate(scenario, 4000, 3, "random")


# Percentiles ------------------------------------------------------------------------------


def type7(values: np.ndarray, q: float) -> float:
    """Hyndman & Fan type 7: linear interpolation between order statistics at (n-1)p."""
    x = sorted(values.tolist())
    h = (len(x) - 1) * q / 100
    lo = math.floor(h)
    hi = min(lo + 1, len(x) - 1)
    return x[lo] + (h - lo) * (x[hi] - x[lo])


QS = [0, 0.5, 1, 10, 33.3, 50, 80, 90, 99.9, 100]


def test_percentile_interpolates_linearly_between_order_statistics(spread_run):
    """percentile(q) is the type-7 (linear interpolation) quantile of finish_days."""
    for q in QS:
        expected = type7(spread_run.finish_days, q)
        assert spread_run.percentile(q) == pytest.approx(expected, rel=1e-12, abs=1e-12)
        assert spread_run.percentile(q) == np.percentile(spread_run.finish_days, q)


def test_percentile_accepts_an_array_of_q(spread_run):
    """percentile of an array of q is the array of the single percentiles."""
    values = spread_run.percentile(np.array(QS))
    assert values.tolist() == [spread_run.percentile(q) for q in QS]


def test_percentile_date_follows_the_calendar_rule(spread_run):
    """percentile_date(q) is the date of working day ceil(P) - 1 (weekends, holidays off)."""
    for q in (10, 50, 80, 90):
        assert spread_run.percentile_date(q) == finish_date(spread_run.percentile(q))


def test_finish_dates_follow_the_calendar_rule(spread_run):
    """Every iteration's finish date is the end of working day ceil(f) - 1."""
    dates = spread_run.finish_dates.astype(object)
    expected = [finish_date(f) for f in spread_run.finish_days]
    assert list(dates) == expected


# Probabilities ----------------------------------------------------------------------------


def test_probability_by_counts_finishes_by_the_end_of_the_date(spread_run):
    """probability_by(D) is the share of finishes f <= working days through the end of D."""
    f = spread_run.finish_days
    dates = [dt.date(2027, 1, 1) + dt.timedelta(days=k) for k in range(50)]
    seen = set()
    for date in dates:  # every calendar day, weekends and holidays included
        expected = float(np.mean(f <= worked_through(date)))
        assert spread_run.probability_by(date) == expected, date
        # The same through the finish dates themselves: finished on or before D.
        by_dates = float(np.mean([finish_date(x) <= date for x in f]))
        assert by_dates == expected, date
        seen.add(expected)
    assert len(seen) > 20  # the dates cut the distribution in many places
    assert spread_run.probability_by("2027-01-20") == spread_run.probability_by(
        dt.date(2027, 1, 20)
    )


def test_probability_by_at_exact_whole_day_finishes():
    """A fixed 10-day task finishes on working day 9: probability 1 from that date, else 0."""
    # Day 0 is Mon 4 Jan; Wed 13 Jan is a holiday, so working day 9 is Mon 18 Jan.
    run = simulate(make_scenario(Task("t", duration=Fixed(10))), 16, 1, "lhs")
    assert WORKDAYS[9] == dt.date(2027, 1, 18)
    assert run.probability_by(dt.date(2027, 1, 15)) == 0.0  # Friday, one day short
    assert run.probability_by(dt.date(2027, 1, 17)) == 0.0  # Sunday
    assert run.probability_by(dt.date(2027, 1, 18)) == 1.0
    assert run.probability_by(dt.date(2027, 1, 2)) == 0.0  # the (Saturday) start
    assert run.probability_within(10) == 1.0
    assert run.probability_within(9.999) == 0.0


def test_probability_within_is_the_share_at_or_below(spread_run):
    """probability_within(t) is the fraction of iterations with finish <= t."""
    f = spread_run.finish_days
    for t in (0, 5, 12.5, 20, 30):
        assert spread_run.probability_within(t) == sum(1 for x in f if x <= t) / f.size


# Standard errors --------------------------------------------------------------------------

MEAN, SD = 50.0, 5.0  # a normal task: truncation at 0 is 10 sd away, negligible


def normal_run(n: int, seed: int):
    # One thread: the answer does not depend on it, and a million iterations of a one-task
    # model are quicker without a parallel launch per wave of blocks.
    scenario = make_scenario(Task("t", duration=Normal(MEAN, SD)))
    return simulate(scenario, n, seed, "random", threads=1)


@pytest.fixture(scope="module")
def normal_runs():
    return {n: normal_run(n, seed) for n, seed in ((250_000, 21), (1_000_000, 22))}


def spacing_rel_sd(n: int, p: float) -> tuple[float, float]:
    """Relative sd of the order-statistic SE estimate, plus its rounding bias.

    The estimate is half the gap between order statistics about K = 2 sqrt(n p (1-p))
    apart. That gap is ~ (U_hi - U_lo) / f(x_p), and U_hi - U_lo ~ Beta(K, n - K + 1)
    has relative sd ~ 1/sqrt(K). floor/ceil of the indices widen K by at most 2: a
    relative bias of at most 2/K.
    """
    k = 2 * math.sqrt(n * p * (1 - p))
    return 1 / math.sqrt(k), 2 / k


@pytest.mark.parametrize("q", [10, 50, 80, 90])
def test_standard_error_is_close_to_the_asymptotic_formula(normal_runs, q):
    """standard_error(q) of a normal task is sqrt(p(1-p)/n) / f(x_p) within 4 of its sds."""
    n = 1_000_000
    p = q / 100
    z = stats.norm.ppf(p)
    asymptotic = math.sqrt(p * (1 - p) / n) / (stats.norm.pdf(z) / SD)
    rel_sd, bias = spacing_rel_sd(n, p)
    assert abs(normal_runs[n].standard_error(q) / asymptotic - 1) < 4 * rel_sd + bias


@pytest.mark.parametrize("q", [10, 50, 80, 90])
def test_standard_error_shrinks_as_one_over_root_n(normal_runs, q):
    """Four times the iterations halve the standard error (within 4 sds of the ratio)."""
    p = q / 100
    small, large = normal_runs[250_000], normal_runs[1_000_000]
    ratio = small.standard_error(q) / large.standard_error(q)
    # Independent seeds: relative variances add. Bias of the smaller run dominates.
    rel_small, bias = spacing_rel_sd(250_000, p)
    rel_large, _ = spacing_rel_sd(1_000_000, p)
    assert abs(ratio / 2 - 1) < 4 * math.hypot(rel_small, rel_large) + bias


def test_standard_error_is_zero_without_spread():
    """Identical finishes in every iteration have a standard error of exactly 0."""
    run = simulate(make_scenario(Task("t", duration=Fixed(4))), 100, 1, "lhs")
    assert [run.standard_error(q) for q in (10, 50, 90)] == [0.0, 0.0, 0.0]


# The JSON document --------------------------------------------------------------------------


def round_trip(doc: dict) -> dict:
    # allow_nan=False: the document must be strict JSON (no NaN or Infinity).
    return json.loads(json.dumps(doc, allow_nan=False))


def test_to_dict_round_trips_through_json_for_the_issue_example():
    """to_dict of the issue example (risks, costs, deadline) survives json.dumps/loads."""
    run = simulate(pmo_sim.load(ISSUE_EXAMPLE), 2000, 7, "lhs", rank=True)
    doc = run.to_dict()
    assert round_trip(doc) == doc
    assert doc["finish"]["p_deadline"] == run.probability_by(dt.date(2027, 9, 30))


def test_to_dict_round_trips_through_json_for_a_plain_schedule(spread_run):
    """to_dict without deadline, costs or risks survives json.dumps/loads."""
    doc = spread_run.to_dict()
    assert round_trip(doc) == doc
    finish = doc["finish"]
    assert finish["mean_days"] == spread_run.mean_days
    for q in ("10", "50", "80", "90"):
        assert finish["percentiles"][q]["days"] == spread_run.percentile(int(q))
        assert finish["percentiles"][q]["date"] == spread_run.percentile_date(int(q)).isoformat()
        assert finish["percentiles"][q]["standard_error_days"] == spread_run.standard_error(int(q))


def test_to_dict_round_trips_through_json_for_one_iteration():
    """A one-iteration run of a merge (no spread to rank) still gives strict JSON."""
    scenario = make_scenario(
        Task("a", duration=Uniform(1, 3)),
        Task("b", duration=Fixed(2)),
        Task("m", milestone=True, predecessors=(Link("a"), Link("b"))),
    )
    doc = simulate(scenario, 1, 5, "lhs").to_dict()
    assert round_trip(doc) == doc
    assert doc["finish"]["sd_days"] == 0.0


def test_probability_by_none_means_the_deadline():
    """probability_by() without a date is the deadline's probability; with no deadline
    it says how to give one, and a date that is not one is named."""
    run = simulate(pmo_sim.load(ISSUE_EXAMPLE), 500, 7, "lhs")
    assert run.probability_by(None) == run.probability_by(dt.date(2027, 9, 30))
    assert run.probability_by("2027-09-30") == run.probability_by(dt.datetime(2027, 9, 30, 17))
    no_deadline = simulate(make_scenario(Task("t", duration=Uniform(1, 3))), 100, 1, "lhs")
    with pytest.raises(ValueError, match="no deadline"):
        no_deadline.probability_by(None)
    with pytest.raises(ValueError, match="must be a date like 2027-09-30"):
        run.probability_by("30/09/2027")
    with pytest.raises(TypeError, match="must be a date"):
        run.probability_by(20270930)
