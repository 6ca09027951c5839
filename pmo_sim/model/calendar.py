"""Project calendar: turns working-day offsets into dates and back.

Times inside pmo-sim are working days from the project start (floats, not rounded).
Day 0 is the first working day on or after the start date. The conventions match the
scheduling tools: a task that starts at offset ``s`` starts on the morning of working
day ``floor(s)``; a task that finishes at offset ``f > 0`` finishes at the end of working
day ``ceil(f) - 1`` (so a 30-day task starting on day 0 finishes on day 29, and its
successor starts on day 30). A finish at offset 0 (a start milestone) is dated day 0.
A zero-duration task (a
milestone) is dated by its finish on both ends, so a milestone that follows a task
carries that task's finish date.

A calendar may say its working hours (``Calendar.hours``, periods of the clock such as
08:00-12:00 and 13:00-17:00). Then a date-time (a data date, an actual date, a
constraint date at a time of day) falls part-way through a working day: its offset's
fraction is the share of the day's working hours done by that time, so a 4-hour task on
an 8-hour day finishes at midday and its successor starts then. Without hours, times of
day are not used: dates are whole days.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .errors import must
from .weather import MONTHS, WEATHER_PATTERNS, WeatherLoss, fewest_working_days

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: A finish up to this many days past a whole number n is at n, where a day boundary
#: matters: dating an offset (``finish_dates``) and converting a task calendar's work
#: back to the timeline (``timeline.finish_time``, which jumps across days off at whole
#: numbers). Rounding (about 1e-15 days) must not decide whether a date falls before or
#: after a weekend; 1e-9 days is under 0.1 ms.
SNAP = 1e-9
#: The same for starts, up to this many days short of a whole number (``start_dates``,
#: ``timeline.start_time``), twice as wide: the late start ``own(LF) - d`` of a task
#: whose finish was moved back by up to SNAP must move forward again.
START_SNAP = 2 * SNAP


def weekmask_from_spec(spec: Any) -> str:
    """A numpy weekmask ("1111100") from ``"mon-fri"``, ``"all-days"`` or a list of days.

    A range such as ``"sun-thu"`` wraps around the week.
    """
    if isinstance(spec, str):
        text = spec.strip().lower()
        if text in ("all-days", "all", "7-day", "mon-sun"):
            return "1111111"
        if len(text) == 7 and set(text) <= {"0", "1"} and "1" in text:
            return text
        parts = text.split("-")
        if len(parts) == 2 and all(p in WEEKDAYS for p in parts):
            first, last = WEEKDAYS.index(parts[0]), WEEKDAYS.index(parts[1])
            days = [(first + k) % 7 for k in range((last - first) % 7 + 1)]
            return "".join("1" if d in days else "0" for d in range(7))
    elif (
        isinstance(spec, list | tuple)
        and spec
        and all(isinstance(d, str) and d.lower() in WEEKDAYS for d in spec)
    ):
        chosen = {d.lower() for d in spec}
        return "".join("1" if d in chosen else "0" for d in WEEKDAYS)
    raise ValueError(
        must(
            "calendar",
            '"mon-fri", "all-days", a day range like "sun-thu", or a list of '
            'days like ["mon", "tue"]',
            spec,
        )
    )


#: Dates a project may hold, in scenario files, the Python API and imports alike. Outside
#: them the calendar arithmetic leaves Python's and numpy's date ranges (a start in 9999,
#: a data date in year 1).
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
DATE_RANGE = "a date between 1900-01-01 and 2199-12-31"


def parse_hours(name: str, value: Any) -> tuple[tuple[float, float], ...]:
    """Working periods of a day, as clock hours (0-24): from ``["08:00-12:00",
    "13:00-17:00"]`` or pairs of hours ``[(8, 12), (13, 17)]``; sorted, not overlapping."""
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValueError(must(name, 'a list of periods like ["08:00-12:00", "13:00-17:00"]', value))
    periods = []
    for i, item in enumerate(value):
        where = f"{name}[{i + 1}]"
        if isinstance(item, str):
            period = _period_text(where, item)
        elif (
            isinstance(item, list | tuple)
            and len(item) == 2
            and all(isinstance(h, int | float) and not isinstance(h, bool) for h in item)
        ):
            period = (float(item[0]), float(item[1]))
        else:
            raise ValueError(must(where, 'a period like "08:00-12:00"', item))
        lo, hi = period
        if not 0.0 <= lo < hi <= 24.0:
            raise ValueError(
                must(where, "a period from an earlier to a later time of one day", item)
            )
        periods.append(period)
    periods.sort()
    for (_, end), (begin, _) in itertools.pairwise(periods):
        if begin < end:
            raise ValueError(must(name, "periods that do not overlap", value))
    return tuple(periods)


def _period_text(where: str, text: str) -> tuple[float, float]:
    try:
        first, last = (part.strip() for part in text.split("-"))
        return _clock(first), _clock(last)
    except ValueError:
        raise ValueError(must(where, 'a period like "08:00-12:00"', text)) from None


def _clock(text: str) -> float:
    hours, minutes = text.split(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(text)
    h, m = int(hours), int(minutes)
    if m >= 60 or h > 24 or (h == 24 and m):
        raise ValueError(text)
    return h + m / 60


def clock_text(hours: float) -> str:
    """``8.5`` as ``"08:30"``."""
    minutes = round(hours * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def merge_hours(
    periods: list[tuple[float, float]] | tuple[tuple[float, float], ...],
) -> tuple[tuple[float, float], ...]:
    """The union of working periods, as sorted periods that neither overlap nor touch."""
    out: list[list[float]] = []
    for lo, hi in sorted(periods):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


def hours_done(periods: tuple[tuple[float, float], ...], clock: float) -> float:
    """Working hours of ``periods`` before the clock time ``clock`` (hours 0-24)."""
    return sum(max(0.0, min(hi, clock) - lo) for lo, hi in periods)


def is_timed(value: Any) -> bool:
    """True for a date-time with a time of day (a moment within a day, not a whole day)."""
    return isinstance(value, dt.datetime)


def day_of(value: dt.date) -> dt.date:
    """The day of a date or date-time."""
    return value.date() if isinstance(value, dt.datetime) else value


def later(a: dt.date, b: dt.date) -> bool:
    """True when the moment ``a`` is after ``b``: a later day, or on one day two times of
    day one after the other (a date without a time is its whole day, after nothing on
    it and before nothing on it)."""
    da, db = day_of(a), day_of(b)
    if da != db:
        return da > db
    return is_timed(a) and is_timed(b) and a > b


def moment_text(value: dt.date) -> str:
    """``2027-03-01`` or ``2027-03-01 13:00``."""
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, dt.datetime) else value.isoformat()


def as_moment(name: str, value: Any) -> dt.date:
    """``value`` as a date, or as a date-time where it has a time of day other than
    midnight (a date-time at midnight is its day, as the scheduling tools write whole
    days); the day must lie in ``FIRST_DATE .. LAST_DATE``."""
    when: Any = value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            when = dt.datetime.fromisoformat(value.strip())
    if isinstance(when, dt.datetime):
        if when.tzinfo is not None:
            raise ValueError(
                must(name, "a local date-time like 2027-01-04T13:00:00 (no time zone)", str(when))
            )
        day = as_date(name, when.date())
        if when.time() == dt.time():
            return day
        return when
    return as_date(name, value)


def as_date(name: str, value: Any) -> dt.date:
    """``value`` (a date, a datetime or ISO text) as a date in ``FIRST_DATE ..
    LAST_DATE``."""
    day = None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            day = dt.date.fromisoformat(value)
    if day is None:
        raise ValueError(must(name, "a date like 2027-01-04", value))
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(must(name, DATE_RANGE, day.isoformat()))
    return day


@dataclass(frozen=True)
class Calendar:
    """Working weekdays and holidays of a project.

    Parameters
    ----------
    weekmask : str
        Seven characters ``0``/``1`` from Monday to Sunday, as ``numpy.busdaycalendar``
        takes, or a spec such as ``"mon-fri"``/``"all-days"`` (see ``weekmask_from_spec``).
    holidays : tuple of datetime.date
        Non-working dates.
    hours : tuple of (start, end) clock hours, optional
        The working periods of a working day, such as ``((8, 12), (13, 17))``; or
        ``"08:00-12:00"`` texts. Empty: times of day are not used (see the module).
    """

    weekmask: str = "1111100"
    holidays: tuple[dt.date, ...] = field(default=())
    hours: tuple[tuple[float, float], ...] = field(default=())
    weather: tuple[WeatherLoss, ...] = field(default=())
    weather_pattern: str = "scattered"

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekmask", weekmask_from_spec(self.weekmask))
        if isinstance(self.holidays, str) or not hasattr(self.holidays, "__iter__"):
            raise TypeError(must("holidays", "a list of dates", self.holidays))
        days = tuple(
            sorted({as_date(f"holidays[{i + 1}]", d) for i, d in enumerate(self.holidays)})
        )
        object.__setattr__(self, "holidays", days)
        object.__setattr__(self, "hours", parse_hours("hours", self.hours) if self.hours else ())
        self._check_weather()

    def _check_weather(self) -> None:
        if self.weather_pattern not in WEATHER_PATTERNS:
            raise ValueError(must("pattern", '"scattered" or "block"', self.weather_pattern))
        losses = tuple(self.weather)
        for i, w in enumerate(losses):
            if not isinstance(w, WeatherLoss):
                raise TypeError(must(f"weather[{i + 1}]", "a WeatherLoss", w))
            if w.lost_days is None:
                continue
            hi = w.lost_days.support[1]
            reach = hi if math.isfinite(hi) else w.lost_days.deterministic
            if w.months:
                for m in w.months:
                    room = fewest_working_days(self.weekmask, m)
                    if reach > room:
                        raise ValueError(
                            f"weather[{i + 1}]: 'lost_days' reaches {reach:g} working days, "
                            f"but {MONTHS[m - 1].title()} has as few as {room} on this "
                            "calendar: a month cannot lose more working days than it has "
                            "(lower the loss, or give 'lost_share')"
                        )
            else:
                room = int(
                    np.busday_count(
                        w.start, w.end + dt.timedelta(days=1), busdaycal=self.busdaycalendar
                    )
                )
                if reach > room:
                    raise ValueError(
                        f"weather[{i + 1}]: 'lost_days' reaches {reach:g} working days, but "
                        f"{w.start} to {w.end} has {room} on this calendar: a period cannot "
                        "lose more working days than it has"
                    )
        object.__setattr__(self, "weather", losses)

    @classmethod
    def union(cls, calendars: list[Calendar]) -> Calendar:
        """The calendar of days on which any of ``calendars`` works."""
        first = calendars[0]
        if all(c == first for c in calendars[1:]):
            return first
        hours = merge_hours([p for c in calendars for p in c.hours])
        mask = "".join(
            "1" if any(c.weekmask[d] == "1" for c in calendars) else "0" for d in range(7)
        )
        candidates = sorted({h for c in calendars for h in c.holidays})
        holidays = [
            h
            for h in candidates
            if mask[h.weekday()] == "1"
            and not any(c.weekmask[h.weekday()] == "1" and h not in c.holidays for c in calendars)
        ]
        return cls(mask, tuple(holidays), hours)

    def __getstate__(self) -> dict:
        # numpy's busdaycalendar cannot be pickled (Dask sends models to workers); it is
        # rebuilt on first use after unpickling.
        state = dict(self.__dict__)
        state.pop("busdaycalendar", None)
        return state

    @cached_property
    def busdaycalendar(self) -> np.busdaycalendar:
        return np.busdaycalendar(
            weekmask=self.weekmask, holidays=np.array(self.holidays, dtype="datetime64[D]")
        )

    @property
    def day_hours(self) -> float:
        """Working hours of a working day (0 when the calendar has no hours)."""
        return sum(hi - lo for lo, hi in self.hours)

    def day_fraction(self, clock: float) -> float:
        """The share of a working day's hours done by the clock time ``clock`` (0-24)."""
        total = self.day_hours
        return hours_done(self.hours, clock) / total if total > 0 else 0.0

    def clock_at(self, fraction: float, *, finish: bool) -> float:
        """The clock time (hours 0-24) at which ``fraction`` of a working day's hours
        are done: the earliest such time for a finish (noon, before a lunch break), the
        latest for a start (13:00, after it)."""
        target = min(max(fraction, 0.0), 1.0) * self.day_hours
        done = 0.0
        for lo, hi in self.hours:
            span = hi - lo
            if (done + span >= target - 1e-9) if finish else (done + span > target + 1e-9):
                return lo + max(target - done, 0.0)
            done += span
        return self.hours[-1][1] if self.hours else 0.0

    def moments(self, start: dt.date, offsets: Any, *, finish: bool) -> list[dt.datetime]:
        """Date-times of start (``finish=False``) or finish offsets, on the day
        ``start_dates``/``finish_dates`` give, at the clock time their share of that
        day's working hours reaches (``clock_at``), to the minute. Empty without hours."""
        if not self.hours:
            return []
        xs = np.atleast_1d(np.asarray(offsets, dtype=float))
        days = (self.finish_dates if finish else self.start_dates)(start, xs)
        out = []
        for x, day in zip(xs, days, strict=True):
            # The day index the date functions used (their rounding), and the share of it.
            k = max(np.ceil(x - SNAP) - 1, 0) if finish else np.floor(x + START_SNAP)
            clock = self.clock_at(x - k, finish=finish)
            minutes = round(clock * 60)
            out.append(
                dt.datetime.combine(day.astype(object), dt.time()) + dt.timedelta(minutes=minutes)
            )
        return out

    @property
    def name(self) -> str:
        """The weekmask as a user writes it: "mon-fri", "all-days", "sun-thu", or days."""
        if self.weekmask == "1111111":
            return "all-days"
        days = [d for d, bit in zip(WEEKDAYS, self.weekmask, strict=True) if bit == "1"]
        # A contiguous run of days (possibly wrapping past Sunday) reads as a range.
        for first in range(7):
            run = [WEEKDAYS[(first + k) % 7] for k in range(len(days))]
            if sorted(run, key=WEEKDAYS.index) == days:
                return f"{run[0]}-{run[-1]}" if len(run) > 1 else run[0]
        return ",".join(days)

    def first_working_day(self, start: dt.date) -> np.datetime64:
        """Day 0 of a project that starts on ``start``."""
        return np.busday_offset(
            np.datetime64(start, "D"), 0, roll="forward", busdaycal=self.busdaycalendar
        )

    def start_dates(self, start: dt.date, offsets: Any) -> np.ndarray:
        """Dates on which work starting at working-day ``offsets`` begins."""
        day0 = self.first_working_day(start)
        # Up to START_SNAP short of a day boundary is that boundary (rounding).
        idx = np.floor(np.asarray(offsets, dtype=float) + START_SNAP).astype(np.int64)
        return np.busday_offset(day0, idx, roll="forward", busdaycal=self.busdaycalendar)

    def finish_dates(self, start: dt.date, offsets: Any) -> np.ndarray:
        """Dates at whose end work finishing at working-day ``offsets`` is done."""
        day0 = self.first_working_day(start)
        # Up to SNAP past a day boundary is that boundary (rounding).
        f = np.asarray(offsets, dtype=float)
        idx = np.maximum(np.ceil(f - SNAP) - 1, 0).astype(np.int64)
        return np.busday_offset(day0, idx, roll="forward", busdaycal=self.busdaycalendar)

    def task_dates(
        self, start: dt.date, early_start: Any, early_finish: Any, start_milestones: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Start and finish dates of tasks from their start and finish offsets; a
        zero-duration task (a milestone) is dated by its finish, at the end of the
        working day its predecessors finish on, unless ``start_milestones`` (a mask in
        task order) marks it a start milestone: then by its start, the morning after."""
        es = np.asarray(early_start, dtype=float)
        ef = np.asarray(early_finish, dtype=float)
        starts = self.start_dates(start, es)
        finishes = self.finish_dates(start, ef)
        instant = ef == es
        if start_milestones is None:
            return np.where(instant, finishes, starts), finishes
        by_start = instant & np.asarray(start_milestones, dtype=bool)
        return (
            np.where(instant & ~by_start, finishes, starts),
            np.where(by_start, starts, finishes),
        )

    def finish_date(self, start: dt.date, offset: float) -> dt.date:
        """One finish date as a ``datetime.date``."""
        return self.finish_dates(start, offset).astype(object)

    def start_date(self, start: dt.date, offset: float) -> dt.date:
        """One start date as a ``datetime.date``."""
        return self.start_dates(start, offset).astype(object)

    def days_until(self, start: dt.date, date: dt.date) -> float:
        """Working days from day 0 through the end of ``date``; for a date-time, through
        that time (on a calendar with hours: the working hours done by then).

        A finish offset ``f`` falls on or before ``date`` exactly when
        ``f <= days_until(start, date)``.
        """
        if is_timed(date) and self.hours:
            return self._timed_offset(start, date)
        day0 = self.first_working_day(start)
        end = np.datetime64(day_of(date), "D") + np.timedelta64(1, "D")
        if end <= day0:
            # A date before the start: only an offset of 0 or less can meet it.
            return -float(np.busday_count(end, day0, busdaycal=self.busdaycalendar))
        return float(np.busday_count(day0, end, busdaycal=self.busdaycalendar))

    def start_offset_of(self, start: dt.date, date: dt.date) -> float:
        """Working-day offset of the morning of ``date`` (next working day if it is not
        one); for a date-time on a calendar with hours, of that time."""
        if is_timed(date) and self.hours:
            return self._timed_offset(start, date)
        day0 = self.first_working_day(start)
        day = np.busday_offset(
            np.datetime64(day_of(date), "D"), 0, roll="forward", busdaycal=self.busdaycalendar
        )
        return (
            float(np.busday_count(day0, day, busdaycal=self.busdaycalendar))
            if (day >= day0)
            else -float(np.busday_count(day, day0, busdaycal=self.busdaycalendar))
        )

    def _timed_offset(self, start: dt.date, when: dt.datetime) -> float:
        """The offset of a time of day: working days before its day, plus the share of
        its day's hours done by then when the day is a working day. One number serves a
        start and a finish: the end of a day's hours and the next working day's morning
        are one offset, as are the evening before and a time before the day's hours."""
        day0 = self.first_working_day(start)
        day = np.datetime64(when.date(), "D")
        before = (
            float(np.busday_count(day0, day, busdaycal=self.busdaycalendar))
            if day >= day0
            else -float(np.busday_count(day, day0, busdaycal=self.busdaycalendar))
        )
        if not np.is_busday(day, busdaycal=self.busdaycalendar):
            return before
        return before + self.day_fraction(when.hour + when.minute / 60)


def iso(date: Any) -> str:
    """ISO text of a date-like (numpy datetime64 or datetime.date)."""
    return str(np.datetime64(date, "D"))
