"""What every schedule reader returns, and the helpers they share.

A reader turns a schedule file into an ``ImportedSchedule``: the ``Scenario`` the engine
runs (durations and lags in working days of one project calendar), plus what the file
said that the scenario model has no field for yet (status, actual dates, the dates the
scheduling tool computed, float, constraints, task calendars). The fidelity tests and
``pmo-sim check`` read those extras; the engine never does.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..calendar import Calendar
from ..errors import Problem, ScenarioError
from ..model import Scenario

#: Status words, the same for every format.
NOT_STARTED, IN_PROGRESS, COMPLETE = "not started", "in progress", "complete"

#: Day 0 of the serial day numbers P6 (and Excel) write for dates: 1899-12-30.
SERIAL_EPOCH = dt.date(1899, 12, 30)

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def serial_to_date(serial: int) -> dt.date:
    """The date of an Excel-style serial day number (``36897`` is 2001-01-06)."""
    return SERIAL_EPOCH + dt.timedelta(days=int(serial))


@dataclass(frozen=True)
class CalendarInfo:
    """A calendar as the schedule file defines it, before it is reduced to a weekmask.

    ``hours_per_day`` is the number of working hours of a normal working day (from the
    work week), which converts the file's hour durations to working days.
    ``day_start`` and ``day_end`` are the hours (0-24) at which a normal working day's
    work begins and ends. ``extra_working_days`` are exceptions that make a normally idle
    day a working day, and ``partial_days`` exceptions whose working hours differ from a
    normal day: the engine's calendar (a weekmask and holidays) cannot hold either, so
    readers report them.
    """

    id: str
    name: str
    weekmask: str
    hours_per_day: float
    holidays: tuple[dt.date, ...] = ()
    extra_working_days: tuple[dt.date, ...] = ()
    partial_days: tuple[tuple[dt.date, float], ...] = ()
    declared_hours_per_day: float | None = None
    day_start: float = 8.0
    day_end: float = 16.0

    def calendar(self) -> Calendar:
        """The engine's calendar: working weekdays and holidays."""
        return Calendar(self.weekmask, self.holidays)

    @property
    def label(self) -> str:
        return f"{self.name!r} (id {self.id})" if self.name else f"id {self.id}"

    def working_day_of(self, when: dt.datetime, *, finish: bool) -> dt.date:
        """The working day a start (``finish=False``) or finish time falls on.

        Tools write the same instant of working time two ways: a finish at the start of a
        day's hours is the end of the previous working day, and a start at the end of a
        day's hours is the next working day's start. This returns the day a user reads.
        """
        import numpy as np

        cal = self.calendar().busdaycalendar
        hour = when.hour + when.minute / 60
        day = np.datetime64(when.date(), "D")
        if finish and hour <= self.day_start + 1e-9 and self.day_start < self.day_end:
            return np.busday_offset(day, -1, roll="forward", busdaycal=cal).astype(object)
        if not finish and hour >= self.day_end - 1e-9 and self.day_end < 24:
            return np.busday_offset(day, 1, roll="backward", busdaycal=cal).astype(object)
        return when.date()

    def same_days_as(self, other: CalendarInfo) -> bool:
        """True when both calendars have the same working days (hours may differ)."""
        return (
            self.weekmask == other.weekmask
            and self.holidays == other.holidays
            and self.extra_working_days == other.extra_working_days
        )


@dataclass(frozen=True)
class ImportedTask:
    """What the file says about one task beyond the scenario model.

    Dates are ``datetime`` as the file gives them (None when absent); durations and float
    are in working days of the task's own calendar.
    """

    id: str
    name: str = ""
    status: str = NOT_STARTED
    milestone: str = ""  # "", "start" or "finish"
    calendar: str = ""  # calendar id
    planned_duration: float = 0.0
    remaining_duration: float = 0.0
    percent_complete: float = 0.0
    actual_start: dt.datetime | None = None
    actual_finish: dt.datetime | None = None
    early_start: dt.datetime | None = None
    early_finish: dt.datetime | None = None
    late_start: dt.datetime | None = None
    late_finish: dt.datetime | None = None
    baseline_start: dt.datetime | None = None
    baseline_finish: dt.datetime | None = None
    total_float: float | None = None
    constraints: tuple[tuple[str, dt.datetime | None], ...] = ()
    wbs: str = ""
    budget: float = 0.0


#: Constraint codes used in ``ImportedTask.constraints``, the same for every format.
HARD_CONSTRAINTS = ("MSO", "MFO", "SNLT", "FNLT", "MANDATORY_START", "MANDATORY_FINISH")
SOFT_CONSTRAINTS = ("SNET", "FNET", "ALAP")


@dataclass(frozen=True)
class ImportedSchedule:
    """A schedule file read into pmo-sim: the scenario plus what the file said besides.

    Attributes
    ----------
    scenario : Scenario
        What the engine runs; task order follows the file.
    tasks : tuple of ImportedTask
        In the scenario's task order.
    format : str
        ``"XER"``, ``"MSPDI"``, ``"MPP"`` or ``"CSV"``.
    data_date : datetime or None
        The status date: the time from which remaining work is scheduled.
    planned_start : datetime or None
        The project's planned start as the file gives it.
    target_finish : date or None
        A finish date the project must meet (P6 "must finish by", a baseline finish):
        ``pmo-sim check`` uses it for the critical path length index.
    calendars : dict of str to CalendarInfo
    main_calendar : str
        Id of the calendar the scenario uses.
    progressed : bool
        True when the file holds progress: the scenario then models remaining work from
        the data date (completed tasks take no time, in-progress tasks their remaining
        duration).
    warnings : tuple of Problem
        What could not be carried over exactly, and why.
    """

    scenario: Scenario
    tasks: tuple[ImportedTask, ...]
    format: str
    source: str
    project_id: str = ""
    project_name: str = ""
    data_date: dt.datetime | None = None
    planned_start: dt.datetime | None = None
    target_finish: dt.date | None = None
    calendars: dict[str, CalendarInfo] = field(default_factory=dict)
    main_calendar: str = ""
    progressed: bool = False
    warnings: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()

    def task(self, task_id: str) -> ImportedTask:
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise KeyError(f"no task with id {task_id!r}")


class Collector:
    """Problems (fatal) and warnings (carried on) found while reading one file."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(Problem(where, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ScenarioError(self.problems, source=self.source)


def source_name(path: str | os.PathLike[str]) -> str:
    return os.fspath(path)


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes, or a ScenarioError naming the path and the reason."""
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise ScenarioError(f"{p}: is a directory, not a schedule file") from None
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot be read ({exc.strerror or exc})") from None


def id_list(ids: Iterable[str], limit: int = 10) -> str:
    """Ids for a message: the first ``limit``, then how many more."""
    ids = list(ids)
    head = ", ".join(ids[:limit])
    return head + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def weekmask_text(mask: str) -> str:
    """``"1111100"`` as ``mon-fri``-style text, for messages."""
    return Calendar(mask).name


def working_days_between(cal: Calendar, start: dt.date, end: dt.date) -> int:
    """Working days in ``[start, end)`` (negative when ``end`` is before ``start``)."""
    import numpy as np

    a, b = np.datetime64(start, "D"), np.datetime64(end, "D")
    if b >= a:
        return int(np.busday_count(a, b, busdaycal=cal.busdaycalendar))
    return -int(np.busday_count(b, a, busdaycal=cal.busdaycalendar))
