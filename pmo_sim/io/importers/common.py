"""What every schedule reader returns, and the helpers they share.

A reader turns a schedule file into an ``ImportedSchedule``: the ``Scenario`` the engine
runs (task calendars, durations in working days of each task's calendar, lags in working
days of the lag calendar, progress as status and actual dates against a data date), plus
what the file said besides (its own status and date-times, the dates the scheduling tool
computed, float, constraints, the calendars' hours). The fidelity tests and ``pmo-sim
check`` read those extras; the engine never does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...model.calendar import (
    DATE_RANGE,
    FIRST_DATE,
    LAST_DATE,
    Calendar,
    day_of,
    is_timed,
    later,
    merge_hours,
)
from ...model.errors import Problem, ScenarioError, id_list, must
from ...model.scenario import Scenario

#: Status words, the same for every format.
NOT_STARTED, IN_PROGRESS, COMPLETE = "not started", "in progress", "complete"

#: Day 0 of the serial day numbers P6 (and Excel) write for dates: 1899-12-30.
SERIAL_EPOCH = dt.date(1899, 12, 30)

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def in_range(when: dt.date) -> bool:
    """True when ``when`` (a date or datetime) lies in the dates a schedule may hold."""
    day = when.date() if isinstance(when, dt.datetime) else when
    return FIRST_DATE <= day <= LAST_DATE


def serial_to_date(serial: float) -> dt.date:
    """The date of an Excel-style serial day number (``36897`` is 2001-01-06); a
    ValueError outside the dates a schedule may hold (``in_range``)."""
    first = (FIRST_DATE - SERIAL_EPOCH).days
    last = (LAST_DATE - SERIAL_EPOCH).days
    if not first <= serial <= last:  # also false for NaN
        raise ValueError(must("day number", f"from {first} to {last} ({DATE_RANGE})", serial))
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
    periods: tuple[tuple[float, float], ...] = ()

    def calendar(self) -> Calendar:
        """The engine's calendar: working weekdays, holidays and the working periods of a
        normal day (which place times of day within it)."""
        return Calendar(self.weekmask, self.holidays, self.periods)

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

    def moment_of(self, when: dt.datetime, *, finish: bool) -> dt.date:
        """A start (``finish=False``) or finish time as the scenario holds it: the
        working day (``working_day_of``) where the time is at a day's boundary or the
        calendar has no working periods, else the date-time itself, part-way through
        its day (seconds dropped)."""
        day = self.working_day_of(when, finish=finish)
        if day != when.date() or not inside_hours(self.periods, when):
            return day
        import numpy as np

        if not np.is_busday(np.datetime64(day, "D"), busdaycal=self.calendar().busdaycalendar):
            return day
        return when.replace(second=0, microsecond=0)

    def data_day(self, when: dt.datetime, used: Iterable[CalendarInfo] = ()) -> dt.date:
        """The day from whose morning remaining work runs, for a data (status) date: at
        or after the end of this (the project) calendar's day, the next day on which
        this calendar or one of ``used`` (the tasks' calendars) works. Not this
        calendar's next working day: a task on a calendar that works a Saturday may use
        it, and every other task waits for its own next working day anyway."""
        import numpy as np

        hour = when.hour + when.minute / 60
        if not (hour >= self.day_end - 1e-9 and self.day_end < 24):
            return when.date()
        calendars = [c.calendar().busdaycalendar for c in (self, *used)]
        day = when.date() + dt.timedelta(days=1)
        for _ in range(3660):  # a calendar works within ten years, or rolls nowhere
            if any(np.is_busday(np.datetime64(day, "D"), busdaycal=c) for c in calendars):
                return day
            day += dt.timedelta(days=1)
        return when.date() + dt.timedelta(days=1)

    def working_days_through(self, first: dt.date, last: dt.date) -> int:
        """Working days from the morning of ``first`` to the end of ``last``."""
        return max(working_days_between(self.calendar(), first, last + dt.timedelta(days=1)), 0)

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
    file_calendar: str = ""  # the id the file gives, when narrowed to resources' days
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


#: Constraint codes used in ``ImportedTask.constraints``, the same for every format:
#: those with an upper bound or a fixed date (the DCMA check's "hard" ones), and the rest.
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
        Id of the project calendar (``Project.calendar``).
    calendar_names : dict of str to str
        For every calendar a task works on, by id: its name in the scenario
        (``Task.calendar``; "" for the project calendar).
    progressed : bool
        True when some task has started: the scenario then holds complete tasks at their
        actual dates and tasks in progress with their remaining duration, worked from
        the data date (``Project.data_date``).
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
    calendar_names: dict[str, str] = field(default_factory=dict)
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
        # field -> (task, value) of unusable values in fields the schedule does not use
        self.ignored: dict[str, list[tuple[str, str]]] = {}

    def error(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def warn(self, where: str, message: str, ids: Iterable[str] = ()) -> None:
        """A warning; ``ids`` are all the tasks it concerns, where the message names
        only the first few (``id_list``)."""
        self.warnings.append(Problem(where, message, tuple(ids)))

    def unused(self, name: str, task: str, value: str) -> None:
        """An unusable value in a field the schedule does not depend on: left out, and
        reported (one warning per field) by ``warn_unused``."""
        self.ignored.setdefault(name, []).append((task, value))

    def warn_unused(self, where: str) -> None:
        for name, hits in self.ignored.items():
            tasks = [task for task, _ in hits]
            task, value = hits[0]
            self.warn(
                where,
                f"'{name}' of {len(hits)} tasks is unreadable or out of range (the "
                f"first, {task}: {value!r}) and was ignored: pmo-sim does not schedule "
                f"with it: {id_list(tasks)}",
                ids=tasks,
            )
        self.ignored.clear()

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


# --------------------------------------------------------------------------- calendars


def scenario_calendar_names(
    used: Iterable[str], calendars: dict[str, CalendarInfo], main: str
) -> dict[str, str]:
    """Readable, unique scenario names for the calendars tasks use, by calendar id.

    The project calendar (``main``) is ""; the others take the file's calendar name,
    with the id added when two of them share a name (or "calendar ID" when unnamed).
    """
    others = [cid for cid in dict.fromkeys(used) if cid != main]
    base = {cid: calendars[cid].name.strip() or f"calendar {cid}" for cid in others}
    counts: dict[str, int] = {}
    for name in base.values():
        counts[name] = counts.get(name, 0) + 1
    names = {main: ""}
    for cid, name in base.items():
        names[cid] = name if counts[name] == 1 else f"{name} (id {cid})"
    return names


def warn_dropped_constraints(c: Collector, where: str, dropped: dict[str, list[str]]) -> None:
    """One warning per constraint type the import leaves out, naming its tasks."""
    for kind, ids in dropped.items():
        c.warn(
            where,
            f"{len(ids)} '{kind}' constraints are not carried over (they do not move early "
            f"dates, or the engine cannot hold them): {id_list(ids)}",
            ids=tuple(ids),
        )


def schedule_calendar_warnings(
    c: Collector,
    where: str,
    infos: Iterable[CalendarInfo],
    start: dt.date,
    tasks: Iterable[ImportedTask],
) -> None:
    """``calendar_limit_warnings`` from the project start to the file's last early
    finish (ten years when the file gives none)."""
    finishes = [t.early_finish for t in tasks if t.early_finish is not None]
    end = max(finishes).date() if finishes else start + dt.timedelta(days=3650)
    calendar_limit_warnings(c, where, infos, start, end)


def calendar_limit_warnings(
    c: Collector,
    where: str,
    infos: Iterable[CalendarInfo],
    start: dt.date,
    end: dt.date,
) -> None:
    """Warn about what the engine's calendars (working weekdays and holidays) cannot hold,
    between ``start`` and ``end``: exceptions that make a normally idle day a working day,
    and days whose hours differ from a normal day."""
    for info in infos:
        extra = [d for d in info.extra_working_days if start <= d <= end]
        partial = [d for d, _ in info.partial_days if start <= d <= end]
        if extra:
            c.warn(
                where.format(id=info.id),
                f"calendar {info.label} makes {len(extra)} normally idle days working days "
                f"between the start and the finish ({_first_days(extra)}); the engine's "
                "calendars (working weekdays and holidays) cannot add working days, so they "
                "stay idle",
            )
        if partial:
            c.warn(
                where.format(id=info.id),
                f"calendar {info.label} has {len(partial)} days with shorter or longer hours "
                f"between the start and the finish ({_first_days(partial)}); they count as "
                "whole working days",
            )


def _first_days(days: list[dt.date]) -> str:
    return ", ".join(map(str, days[:5])) + ("..." if len(days) > 5 else "")


# --------------------------------------------------------------------------- progress


@dataclass(frozen=True)
class Progress:
    """A task's progress as the scenario holds it.

    ``remaining`` is in working days of the task's calendar (the duration of a task in
    progress); ``changed`` says why the file's progress could not be kept as it is ("" when
    it was).
    """

    status: str
    actual_start: dt.date | None = None
    actual_finish: dt.date | None = None
    remaining: float = 0.0
    changed: str = ""


def with_times(
    progress: Progress,
    actual_start: dt.datetime | None,
    actual_finish: dt.datetime | None,
    info: CalendarInfo,
    data_date: dt.date | None,
) -> Progress:
    """``progress`` with its actual dates at their times of day (``moment_of``) where
    settling kept them on the file's days and not after the data date (a moment); a
    date moved by settling stays a date."""
    start, finish = progress.actual_start, progress.actual_finish

    def timed(day: dt.date, when: dt.datetime, finish: bool) -> dt.date:
        moment = info.moment_of(when, finish=finish)
        if day_of(moment) != day or (data_date is not None and later(moment, data_date)):
            return day
        return moment

    if start is not None and actual_start is not None:
        start = timed(start, actual_start, False)
    if finish is not None and actual_finish is not None:
        finish = timed(finish, actual_finish, True)
    if start is not None and finish is not None and later(start, finish):
        start, finish = progress.actual_start, progress.actual_finish  # an instant: days
    return dataclasses.replace(progress, actual_start=start, actual_finish=finish)


def data_moment(
    when: dt.datetime | None, day: dt.date | None, infos: Iterable[CalendarInfo]
) -> dt.date | None:
    """The data date as the scenario holds it: ``day`` (from ``data_day``), or the
    date-time itself where it falls inside the working hours of the calendars
    ``infos`` use on that day (a data date at 08:00 beside a calendar working from
    07:00)."""
    if when is None or day is None or day != when.date():
        return day
    if not inside_hours(merge_hours([p for i in infos for p in i.periods]), when):
        return day
    return when.replace(second=0, microsecond=0)


def inside_hours(periods: tuple[tuple[float, float], ...], when: dt.datetime) -> bool:
    """True when the clock time of ``when`` lies after the first working period's start
    and before the last one's end: part-way through a working day, not at its edges."""
    if not periods:
        return False
    hour = when.hour + when.minute / 60
    return periods[0][0] + 1e-9 < hour < periods[-1][1] - 1e-9


def open_starts_at(tasks: list[Any], start: dt.date | None) -> list[Any]:
    """``tasks`` with a planned start part-way through its day (``start``, a date-time
    from ``data_moment``) made the start-no-earlier-than of every unstarted task without
    predecessors: the tools schedule no work before the project's planned start time,
    and a calendar whose day begins earlier would otherwise start there."""
    if not is_timed(start):
        return tasks
    out = []
    for t in tasks:
        if (
            not t.predecessors
            and t.status == NOT_STARTED
            and not later(t.start_no_earlier_than or day_of(start), start)
        ):
            t = dataclasses.replace(t, start_no_earlier_than=start)
        out.append(t)
    return out


def binds_after_start(moment: dt.date | None, start: dt.date) -> bool:
    """True when a start bound ``moment`` is after the project start's morning."""
    return moment is not None and (
        day_of(moment) > start or (is_timed(moment) and day_of(moment) == start)
    )


def latest_moment(a: dt.date | None, b: dt.date) -> dt.date:
    """The later of two moments (``a`` may be None)."""
    return b if a is None or later(b, a) else a


def earliest_moment(a: dt.date | None, b: dt.date) -> dt.date:
    """The earlier of two moments (``a`` may be None)."""
    return b if a is None or later(a, b) else a


#: Why a file's progress is changed, as ``Progress.changed`` says it (it follows "N tasks").
NO_ACTUAL_START = "marked started but without an actual start are read as not started"
START_AFTER_DATA_DATE = "with an actual start after the data date are read as not started"
NO_ACTUAL_FINISH = (
    "marked complete but without an actual finish are read as in progress with no work left"
)
FINISH_AFTER_DATA_DATE = (
    "marked complete with an actual finish after the data date are read as in progress "
    "until that finish"
)


def settle_progress(
    status: str,
    actual_start: dt.date | None,
    actual_finish: dt.date | None,
    data_date: dt.date | None,
    remaining: float,
    planned: float,
    info: CalendarInfo,
) -> Progress:
    """The progress the scenario model can hold, from what a file says.

    Actual dates are the working days a user reads (``CalendarInfo.working_day_of``) and
    ``data_date`` the day from whose morning remaining work runs. The model wants a
    started task to have an actual start on or before the data date, and a complete task
    an actual finish too; files that break this (a P6 file recalculated with a data date
    before progress was entered, a date typed as actual that is a forecast) are read as
    close as the model allows, and ``changed`` says how.
    """
    if status == NOT_STARTED:
        return Progress(NOT_STARTED, remaining=remaining)
    if actual_start is None:
        again = remaining if status == IN_PROGRESS else planned
        return Progress(NOT_STARTED, remaining=again, changed=NO_ACTUAL_START)
    # A zero-length task at a day boundary: its finish reads as the end of the day
    # before its start, and the two are one instant; the earlier day meets the data date.
    boundary = status != IN_PROGRESS and actual_finish is not None and actual_finish < actual_start
    if data_date is None or (actual_finish if boundary else actual_start) > data_date:
        again = remaining if status == IN_PROGRESS else planned
        return Progress(NOT_STARTED, remaining=again, changed=START_AFTER_DATA_DATE)
    if status == IN_PROGRESS:
        return Progress(IN_PROGRESS, actual_start, remaining=remaining)
    if actual_finish is None:
        return Progress(IN_PROGRESS, actual_start, remaining=0.0, changed=NO_ACTUAL_FINISH)
    if actual_finish > data_date:
        left = float(info.working_days_through(data_date, actual_finish))
        return Progress(IN_PROGRESS, actual_start, remaining=left, changed=FINISH_AFTER_DATA_DATE)
    if boundary:
        # Dated by the start's day (the morning of which the instant is), unless that is
        # after the data date: a start milestone done at 08:00 on the planned start is
        # on that day, not on the working day before it.
        day = actual_start if actual_start <= data_date else actual_finish
        return Progress(COMPLETE, day, day)
    return Progress(COMPLETE, actual_start, actual_finish)
