"""Weather on a calendar: working days lost per month (or date range), drawn in every
iteration, and ``no_work`` windows in which the calendar never works.

A ``WeatherLoss`` names its period (``months``, every year, or one date range
``start``..``end``) and how much is lost: ``lost_days`` (working days per month or per
range, a number or a distribution) or ``lost_share`` (a share of the period's working
days). Each iteration draws the loss of every period once (stream
``<project>/weather:<calendar>/<period>``), rounds it to whole days (half up), and
takes that many of the period's working days off the calendar: days scattered at random
over the period (``pattern = "scattered"``, the default, the days drawn without
replacement, every set of days equally likely), or one block of consecutive working
days starting on a random day of the period (``pattern = "block"``). A task on the
calendar does not work on a lost day: its work moves past it. The deterministic schedule
has no weather, as it has no risk events. No-work windows are plain days off: they
repeat every year over the calendar tables' span.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from .distributions import Distribution, Fixed
from .errors import must
from .fields import as_tuple, distribution_field

WEATHER_PATTERNS = ("scattered", "block")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _month(value: Any) -> int:
    if isinstance(value, str) and value.strip().lower()[:3] in MONTHS:
        return MONTHS.index(value.strip().lower()[:3]) + 1
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 12:
        return value
    raise ValueError(must("months", 'months 1 to 12 or names like "dec"', value))


def _date(name: str, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise TypeError(must(name, "a date such as 2027-11-01", value))


@dataclass(frozen=True)
class WeatherLoss:
    """Working days a calendar loses to weather in a period, drawn per iteration."""

    months: tuple[int, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    lost_days: Distribution | None = None
    lost_share: Distribution | None = None

    def __post_init__(self) -> None:
        months = tuple(_month(m) for m in as_tuple("months", self.months))
        object.__setattr__(self, "months", tuple(sorted(set(months))))
        ranged = self.start is not None or self.end is not None
        if ranged:
            if self.start is None or self.end is None:
                raise ValueError("a weather period by dates needs both 'from' and 'to'")
            object.__setattr__(self, "start", _date("from", self.start))
            object.__setattr__(self, "end", _date("to", self.end))
            if self.end < self.start:
                raise ValueError(must("to", f"on or after 'from' ({self.start})", self.end))
        if bool(self.months) == ranged:
            raise ValueError(
                "a weather loss needs 'months' (every year) or 'from' and 'to' (one period), "
                "not both or neither"
            )
        if (self.lost_days is None) == (self.lost_share is None):
            raise ValueError(
                "a weather loss needs 'lost_days' (working days per month or period) or "
                "'lost_share' (a share of its working days), one of the two"
            )
        if self.lost_days is not None:
            d = distribution_field("lost_days", self.lost_days)
            lo, hi = d.support
            if lo < 0:
                raise ValueError(must("lost_days", "0 or more over its whole range", d.as_given))
            object.__setattr__(self, "lost_days", d)
        if self.lost_share is not None:
            d = distribution_field("lost_share", self.lost_share)
            lo, hi = d.support
            if lo < 0 or hi > 1:
                raise ValueError(
                    must("lost_share", "between 0 and 1 over its whole range", d.as_given)
                )
            object.__setattr__(self, "lost_share", d)

    @property
    def amount(self) -> Distribution:
        return self.lost_days if self.lost_days is not None else self.lost_share

    def describe(self) -> str:
        if self.months:
            where = "each " + ", ".join(MONTHS[m - 1].title() for m in self.months)
        else:
            where = f"{self.start} to {self.end}"
        if self.lost_days is not None:
            what = f"{_given(self.lost_days)} working days lost"
        else:
            what = f"{_given(self.lost_share)} of the working days lost"
        return f"{what} {where}"


def _given(d: Distribution) -> str:
    return f"{d.value:g}" if isinstance(d, Fixed) else str(d.as_given)


def fewest_working_days(weekmask: str, month: int) -> int:
    """The fewest working weekdays month ``month`` can have under ``weekmask`` (over the
    weekday it starts on and leap years), holidays aside."""
    lengths = {29 if month == 2 else _calendar.monthrange(2027, month)[1], 28 if month == 2 else 0}
    best = None
    for length in lengths - {0}:
        for first in range(7):
            count = sum(weekmask[(first + d) % 7] == "1" for d in range(length))
            best = count if best is None else min(best, count)
    return int(best or 0)


def weather_from_mapping(value: Any) -> WeatherLoss:
    """A ``WeatherLoss`` from a scenario file's table."""
    if not isinstance(value, dict):
        raise TypeError(
            must("weather", 'a table like { months = ["dec", "jan"], lost_days = 4 }', value)
        )
    allowed = ("months", "from", "to", "lost_days", "lost_share")
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ValueError(
            f"unknown key '{unknown[0]}' in a weather loss; it takes: {', '.join(allowed)}"
        )
    return WeatherLoss(
        months=value.get("months", ()),
        start=value.get("from"),
        end=value.get("to"),
        lost_days=value.get("lost_days"),
        lost_share=value.get("lost_share"),
    )


@dataclass(frozen=True)
class NoWork:
    """A window in which a calendar never works: month-day ``start``..``end`` every year
    (``(11, 1)`` to ``(3, 31)`` runs over the new year), or one date range."""

    start: tuple[int, int] | dt.date
    end: tuple[int, int] | dt.date

    def days(self, first_year: int, last_year: int) -> list[dt.date]:
        """The dates of the window from ``first_year`` to ``last_year``."""
        if isinstance(self.start, dt.date):
            n = (self.end - self.start).days + 1
            return [self.start + dt.timedelta(days=k) for k in range(n)]
        out = []
        for year in range(first_year - 1, last_year + 1):
            a = _month_day(year, self.start)
            b = _month_day(year if self.end >= self.start else year + 1, self.end)
            n = (b - a).days + 1
            out.extend(a + dt.timedelta(days=k) for k in range(n))
        return out


def _month_day(year: int, md: tuple[int, int]) -> dt.date:
    m, d = md
    return dt.date(year, m, min(d, _calendar.monthrange(year, m)[1]))


def _md(name: str, value: Any) -> tuple[int, int] | dt.date:
    if isinstance(value, dt.date | dt.datetime):
        return _date(name, value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 5 and text[2] == "-":
            try:
                m, d = int(text[:2]), int(text[3:])
                dt.date(2028, m, d)  # a leap year: 02-29 is a month-day
                return (m, d)
            except ValueError:
                pass
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(must(name, 'a month-day like "11-01" (every year) or a date', value))


def no_work_from_mapping(value: Any) -> NoWork:
    """A ``NoWork`` window from a scenario file's ``{ from = "11-01", to = "03-31" }``."""
    if not isinstance(value, dict) or set(value) != {"from", "to"}:
        raise ValueError(must("no_work", 'a table like { from = "11-01", to = "03-31" }', value))
    a, b = _md("from", value["from"]), _md("to", value["to"])
    if isinstance(a, dt.date) != isinstance(b, dt.date):
        raise ValueError(
            "a no-work window gives both ends as month-days (every year) or both as dates"
        )
    if isinstance(a, dt.date) and b < a:
        raise ValueError(must("to", f"on or after 'from' ({a})", b))
    return NoWork(a, b)
