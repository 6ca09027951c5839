"""Project calendar: working-day offsets to dates and back, against day-by-day counting."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pytest

from pmo_sim import Calendar
from pmo_sim.model.calendar import weekmask_from_spec

from .naive import ALL_DAYS, MON_FRI, working_days

D = dt.date
EASTER_2027 = (D(2027, 3, 26), D(2027, 3, 29))  # a Friday and the Monday after

CALENDARS = [
    # (calendar, the working weekdays, the holidays) for the naive count
    (Calendar(), MON_FRI, set()),
    (Calendar("mon-fri", EASTER_2027), MON_FRI, set(EASTER_2027)),
    (Calendar("all-days"), ALL_DAYS, set()),
    (Calendar("all-days", (D(2027, 1, 6),)), ALL_DAYS, {D(2027, 1, 6)}),
    (Calendar("sun-thu"), {"sun", "mon", "tue", "wed", "thu"}, set()),
    (Calendar(["mon", "wed", "fri"]), {"mon", "wed", "fri"}, set()),
]
CAL_IDS = ["mon-fri", "mon-fri+holidays", "all-days", "all-days+holiday", "sun-thu", "mwf"]
STARTS = [D(2027, 1, 4), D(2027, 1, 2), D(2027, 3, 26), D(2026, 12, 31)]
OFFSETS = [0, 0.25, 1, 1.5, 4, 5, 9.99, 10, 29, 29.5, 30, 47.2, 61]


def _as_date(value) -> dt.date:
    return D.fromisoformat(str(value)[:10])


@pytest.mark.parametrize(("cal", "workdays", "holidays"), CALENDARS, ids=CAL_IDS)
@pytest.mark.parametrize("start", STARTS, ids=str)
def test_start_and_finish_dates_match_day_by_day_count(cal, workdays, holidays, start):
    """Offset s starts on working day floor(s); offset f > 0 ends on working day ceil(f) - 1."""
    days = working_days(start, 80, workdays, holidays)
    starts = cal.start_dates(start, OFFSETS)
    finishes = cal.finish_dates(start, OFFSETS)
    for offset, s, f in zip(OFFSETS, starts, finishes, strict=True):
        assert _as_date(s) == days[math.floor(offset)], f"start of offset {offset}"
        expected_finish = days[0] if offset == 0 else days[math.ceil(offset) - 1]
        assert _as_date(f) == expected_finish, f"finish of offset {offset}"


def test_thirty_working_days_from_monday_4_january_2027():
    """30 working days from Mon 2027-01-04 (mon-fri) finish on Fri 2027-02-12 (6 weeks)."""
    cal = Calendar()
    assert cal.finish_date(D(2027, 1, 4), 30) == D(2027, 2, 12)
    # and the successor starts the next Monday
    assert cal.start_date(D(2027, 1, 4), 30) == D(2027, 2, 15)


def test_holiday_pushes_finish_by_a_day():
    """A holiday inside the span moves the finish one working day later."""
    # Without holidays day 69 from Mon 2027-01-04 is Fri 2027-04-09 (14 weeks = 70 days);
    # Good Friday 2027-04-02 is day 64, so every day from there on shifts by one.
    assert Calendar().finish_date(D(2027, 1, 4), 70) == D(2027, 4, 9)
    assert Calendar(holidays=[D(2027, 4, 2)]).finish_date(D(2027, 1, 4), 70) == D(2027, 4, 12)


def test_all_days_counts_weekends():
    """On an all-days calendar 10 days from Fri 2027-01-01 end on Sun 2027-01-10."""
    assert Calendar("all-days").finish_date(D(2027, 1, 1), 10) == D(2027, 1, 10)


def test_day_zero_rolls_forward_over_weekend_and_holiday():
    """Day 0 is the first working day on or after the start (Fri holiday → next Monday)."""
    cal = Calendar(holidays=[D(2027, 1, 1)])
    assert _as_date(cal.first_working_day(D(2027, 1, 1))) == D(2027, 1, 4)
    assert _as_date(cal.first_working_day(D(2027, 1, 2))) == D(2027, 1, 4)


@pytest.mark.parametrize(("cal", "workdays", "holidays"), CALENDARS, ids=CAL_IDS)
def test_days_until_counts_working_days_through_the_date(cal, workdays, holidays):
    """``days_until`` is the number of working days from day 0 through the end of a date."""
    start = D(2027, 1, 2)
    days = working_days(start, 80, workdays, holidays)
    for k in range(60):
        date = start + dt.timedelta(days=k)
        expected = sum(1 for d in days if d <= date)
        assert cal.days_until(start, date) == expected, date


@pytest.mark.parametrize(("cal", "workdays", "holidays"), CALENDARS, ids=CAL_IDS)
def test_start_offset_of_is_the_index_of_the_next_working_day(cal, workdays, holidays):
    """``start_offset_of`` a date is the index of the first working day on or after it."""
    start = D(2027, 1, 2)
    days = working_days(start, 80, workdays, holidays)
    for k in range(60):
        date = start + dt.timedelta(days=k)
        expected = next(i for i, d in enumerate(days) if d >= date)
        assert cal.start_offset_of(start, date) == expected, date


def test_start_offset_of_a_date_before_the_start_is_negative():
    """A date a week before a Monday start is 5 working days before day 0 (mon-fri)."""
    assert Calendar().start_offset_of(D(2027, 1, 11), D(2027, 1, 4)) == -5


@pytest.mark.parametrize(
    ("spec", "mask"),
    [
        ("mon-fri", "1111100"),
        ("all-days", "1111111"),
        ("MON-FRI", "1111100"),
        ("sun-thu", "1111001"),  # wraps round the week: sun, mon, tue, wed, thu
        ("sat-sun", "0000011"),
        (["mon", "wed", "fri"], "1010100"),
        ("1111110", "1111110"),
    ],
)
def test_weekmask_specs(spec, mask):
    """Calendar specs become numpy weekmasks, Monday first."""
    assert weekmask_from_spec(spec) == mask


@pytest.mark.parametrize("spec", ["weekdays", "0000000", [], ["mon", "funday"], 5])
def test_bad_weekmask_spec_is_refused(spec):
    """An unknown calendar spec raises ValueError naming the accepted forms."""
    with pytest.raises(ValueError, match='\'calendar\' must be "mon-fri", "all-days"'):
        weekmask_from_spec(spec)


def test_bad_holiday_is_refused():
    """A holiday that is not a date is refused in the house wording."""
    with pytest.raises(ValueError, match="must be a date like 2027-01-04 \\(got 'Easter'\\)"):
        Calendar(holidays=["Easter"])


def test_holidays_are_sorted_and_deduplicated():
    """Holidays are kept sorted, once each, and ISO strings are read as dates."""
    cal = Calendar(holidays=["2027-04-02", D(2027, 1, 1), D(2027, 4, 2)])
    assert cal.holidays == (D(2027, 1, 1), D(2027, 4, 2))


def test_calendar_is_frozen():
    """A Calendar cannot be changed after construction."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        Calendar().weekmask = "1111111"


def test_dates_of_offsets_a_rounding_error_from_a_day_boundary():
    """0.1 + 4.1 + 0.8 working days sum to 4.999999999999999, not 5: work starting there
    starts on Monday (day 5), and work finishing a hair past day 5's start finished on
    Friday (day 4), as they would in exact arithmetic."""
    cal = Calendar("mon-fri")
    start = dt.date(2027, 1, 4)  # a Monday
    offset = 0.1 + 4.1 + 0.8
    assert offset < 5.0
    assert cal.start_dates(start, [offset])[0] == dt.date(2027, 1, 11)
    assert cal.finish_dates(start, [5.0 + 4e-16 * 4])[0] == dt.date(2027, 1, 8)
    # Beyond the snap the dates move, as they should.
    assert cal.start_dates(start, [5.0 - 1e-6])[0] == dt.date(2027, 1, 8)
    assert cal.finish_dates(start, [5.0 + 1e-6])[0] == dt.date(2027, 1, 11)
