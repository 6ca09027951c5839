"""Microsoft Project XML (MSPDI) files, parsed with ``defusedxml``.

``read_mspdi(path)`` returns an ``ImportedSchedule``. The XML is parsed with
``defusedxml``, which refuses entity expansion ("billion laughs") and external entities,
so a hostile file cannot exhaust memory or read local files.

How the file maps onto the scenario model:

- **tasks**: the task's ``UID`` is its id (it survives inserting rows, unlike ``ID``),
  ``Name`` its name, ``WBS`` (or ``OutlineNumber``) its WBS path. Summary tasks
  (``Summary`` = 1, or a task followed by a deeper outline level, as ProjectLibre writes
  them) are left out, and so are blank rows (``IsNull``), inactive tasks (``Active`` =
  0) and external tasks. Milestones are kept (``Milestone`` = 1). Durations
  (``PT16H0M0S``) become working days with the hours of a working day of the task's
  calendar.
- **links** (``PredecessorLink``): ``Type`` 0 FF, 1 FS, 2 SF, 3 SS; ``LinkLag`` in
  tenths of a minute of working time (elapsed formats in tenths of a minute of
  calendar time, percentage formats as a percentage of the predecessor's duration).
  MS Project counts a lag on the successor's calendar, so the scenario's
  ``lag_calendar`` is ``"successor"`` and lag hours are converted with that calendar's
  hours per day. A link to or from a summary task applies to each task under it, as MS
  Project schedules it. Links to tasks of other projects are reported and dropped.
- **calendars**: weekdays and their working times, exceptions (the ``Exceptions`` list
  and the older ``WeekDay`` entries of ``DayType`` 0), base calendars. The project
  calendar (``CalendarUID``) is the scenario's; a task with its own calendar
  (``CalendarUID`` other than -1) works on it, and it becomes a named calendar of the
  scenario. A task with work resources works only when their calendars work too, as MS
  Project schedules it: on the days its calendar (the project calendar when it has none)
  and its resources' calendars share, unless ``IgnoreResourceCalendar`` is set. Exceptions
  that add working days or change a day's hours are reported.
- **constraints** (``ConstraintType``) are all carried over: 4 start no earlier than,
  6 finish no earlier than, 5 start and 7 finish no later than, and 1 as late as
  possible, dated by total float with its successors following (``alap_float =
  "total"``, MS Project's rule); 2 must start on and 3 must finish on are hard dates
  that override the links. That is how MS Project schedules them when tasks honour
  their constraint dates (``HonorConstraints`` 1, its default, which becomes
  ``constraints_override_logic``: a binding no-later-than date pulls the task before
  its links allow). With ``HonorConstraints`` 0 links win: a no-later-than date bounds
  only late dates, and must start/finish on become a no-earlier-than and a
  no-later-than date. A task's ``Deadline`` bounds its late finish. Start constraints
  of started tasks are settled by their actual start.
- **progress**: ``PercentComplete``, ``ActualStart``, ``ActualFinish``,
  ``RemainingDuration`` and the project's ``StatusDate`` (at or after the end of a day's
  work, the next working day), which becomes ``Project.data_date`` when some task has
  started (without a status date, the latest actual or resume date, reported). The
  project keeps its ``StartDate``; complete tasks keep their actual dates, tasks in
  progress their actual start and remaining duration, worked from the data date. MS
  Project may leave remaining work before the status date (at its ``Resume`` date) where
  pmo-sim, like P6, schedules it from the data date.
- **costs**: ``Cost`` and ``FixedCost`` (MSPDI writes money in hundredths of the currency
  unit). The task's cost less its fixed cost is resource cost, carried as a rate per
  working day; the fixed cost stays fixed.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections import Counter, defaultdict
from typing import Any

from ...model.calendar import day_of, merge_hours
from ...model.errors import Problem, ScenarioError, id_list, must
from ...model.scenario import Project, Scenario
from ...model.tasks import Link, Task, TaskCost
from .common import (
    COMPLETE,
    DATE_RANGE,
    IN_PROGRESS,
    NOT_STARTED,
    CalendarInfo,
    Collector,
    ImportedSchedule,
    ImportedTask,
    binds_after_start,
    data_moment,
    in_range,
    open_starts_at,
    read_bytes,
    scenario_calendar_names,
    schedule_calendar_warnings,
    settle_progress,
    warn_dropped_constraints,
    weekmask_text,
    with_times,
)
from .resources import (
    FileAssignment,
    FileResource,
    carry_resources,
    unique_resource_ids,
)

LINK_TYPES = {"0": "FF", "1": "FS", "2": "SF", "3": "SS"}
#: MS Project counts a link's lag on the successor's calendar (the task calendar, else
#: the project calendar), so imported lags count there too (``Project.lag_calendar``).
LAG_CALENDAR = "successor"
#: MS Project numbers weekdays from Sunday (1) to Saturday (7).
MS_WEEKDAY = {1: 6, 2: 0, 3: 1, 4: 2, 5: 3, 6: 4, 7: 5}
CONSTRAINTS = {
    "0": None,  # as soon as possible
    "1": "ALAP",
    "2": "MSO",
    "3": "MFO",
    "4": "SNET",
    "5": "SNLT",
    "6": "FNET",
    "7": "FNLT",
}
CONSTRAINT_NAMES = {
    "ALAP": "as late as possible",
    "MSO": "must start on",
    "MFO": "must finish on",
    "SNLT": "start no later than",
    "FNLT": "finish no later than",
}
#: LagFormat codes: elapsed units, and percentages (plain and estimated variants).
ELAPSED_FORMATS = {4, 6, 8, 10, 12, 36, 38, 40, 42, 44}
PERCENT_FORMATS = {19, 20, 51, 52}
#: MSPDI writes money amounts in hundredths of the currency unit.
MONEY_SCALE = 100.0

_DURATION = re.compile(
    r"^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration_hours(text: str) -> float:
    """Hours of an ISO 8601 duration as MSPDI writes it (``PT16H0M0S``)."""
    m = _DURATION.match(text.strip())
    if not m or text.strip() in ("P", "PT", "-P"):
        raise ValueError(must("duration", "an ISO 8601 duration like PT16H0M0S", text))
    sign = -1.0 if m.group(1) else 1.0
    y, mo, d, h, mi, s = (float(g) if g else 0.0 for g in m.groups()[1:])
    if y or mo:
        raise ValueError(must("duration", "in days, hours and minutes (not years or months)", text))
    return sign * (d * 24 + h + mi / 60 + s / 3600)


def _xml_date(text: str | None, tag: str = "date") -> dt.datetime | None:
    if not text or not text.strip():
        return None
    value = text.strip()
    try:
        when = dt.datetime.fromisoformat(value[:19])
    except ValueError:
        raise ValueError(must(tag, "a date like 2008-12-01T08:00:00", value)) from None
    if not in_range(when):
        raise ValueError(must(tag, DATE_RANGE, value))
    return when


def _parse_xml(raw: bytes, source: str) -> Any:
    try:
        from defusedxml import ElementTree as SafeET
        from defusedxml.common import DefusedXmlException
    except ImportError:
        raise ScenarioError(
            "reading MS Project XML needs the 'defusedxml' package (safe XML parsing): "
            'pip install ".[import]"',
            source,
        ) from None
    from xml.etree.ElementTree import ParseError

    try:
        return SafeET.fromstring(raw)
    except DefusedXmlException as exc:
        raise ScenarioError(
            f"the XML declares entities or a document type ({type(exc).__name__}); pmo-sim "
            "refuses them for safety: save the file again from MS Project as XML",
            source,
        ) from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ScenarioError(
            f"not well-formed XML at line {line}, column {column + 1}: {exc}",
            source,
        ) from None
    except LookupError as exc:  # an encoding Python does not know
        raise ScenarioError(
            f"the XML declaration names an unknown encoding ({exc}); save the file again "
            "from MS Project as XML (UTF-8)",
            source,
        ) from None


def _strip_namespaces(root: Any) -> None:
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]


def _text(el: Any, tag: str, default: str = "") -> str:
    found = el.find(tag)
    return found.text.strip() if found is not None and found.text else default


def _hours_between(start: str, finish: str) -> float:
    def hours(t: str) -> float:
        h, m, *_ = [*(t or "00:00:00").split(":"), "0"]
        if not (h.isdigit() and m.isdigit() and int(h) <= 24 and int(m) < 60):
            raise ValueError(must("FromTime/ToTime", "a time like 08:00:00", t))
        return int(h) + int(m) / 60

    a, b = hours(start), hours(finish)
    if b <= a:
        b += 24
    return b - a


def _working_times(el: Any) -> list[tuple[float, float]]:
    out = []
    for wt in el.findall("WorkingTimes/WorkingTime"):
        start, finish = _text(wt, "FromTime"), _text(wt, "ToTime")
        if not start and not finish:
            continue
        a = _hours_between("00:00:00", start) if start and start != "00:00:00" else 0.0
        out.append((a, a + _hours_between(start or "00:00:00", finish or "00:00:00")))
    return out


DEFAULT_TIMES = [(8.0, 12.0), (13.0, 17.0)]


def _calendar(
    el: Any, calendars_xml: dict[str, Any], c: Collector, seen: tuple[str, ...] = ()
) -> CalendarInfo:
    """A calendar with what it inherits from its base calendar; a value it cannot read
    (a time, a date) is reported against the calendar, which is then read as a
    Monday-to-Friday week (the import stops on the error anyway)."""
    try:
        return _read_calendar(el, calendars_xml, c, seen)
    except ValueError as exc:
        uid, name = _text(el, "UID"), _text(el, "Name")
        problem = Problem(f"Calendars/Calendar UID {uid}", f"calendar {name!r}: {exc}")
        if problem not in c.problems:  # a base calendar is read again for each derived one
            c.problems.append(problem)
        return CalendarInfo(uid, name, "1111100", 8.0)


def _read_calendar(
    el: Any, calendars_xml: dict[str, Any], c: Collector, seen: tuple[str, ...]
) -> CalendarInfo:
    uid = _text(el, "UID")
    name = _text(el, "Name")
    base_uid = _text(el, "BaseCalendarUID", "-1")
    periods: dict[int, list[tuple[float, float]]] = {}
    holidays: set[dt.date] = set()
    extra: set[dt.date] = set()
    partial: set[tuple[dt.date, float]] = set()
    if base_uid not in ("", "-1") and base_uid in calendars_xml and base_uid not in seen:
        base = _calendar(calendars_xml[base_uid], calendars_xml, c, (*seen, uid))
        for k, bit in enumerate(base.weekmask):
            day = list(base.periods) or [(base.day_start, base.day_start + base.hours_per_day)]
            periods[k] = day if bit == "1" else []
        holidays |= set(base.holidays)
        extra |= set(base.extra_working_days)
    else:
        for k in range(7):
            periods[k] = list(DEFAULT_TIMES) if k < 5 else []
    exceptions: list[tuple[dt.date, dt.date, list[tuple[float, float]], bool]] = []
    for wd in el.findall("WeekDays/WeekDay"):
        kind = _text(wd, "DayType")
        working = _text(wd, "DayWorking") == "1"
        times = _working_times(wd) or (list(DEFAULT_TIMES) if working else [])
        if kind.isdigit() and int(kind) in MS_WEEKDAY:
            periods[MS_WEEKDAY[int(kind)]] = times if working else []
        elif kind == "0":
            a = _xml_date(_text(wd, "TimePeriod/FromDate"), "FromDate")
            b = _xml_date(_text(wd, "TimePeriod/ToDate"), "ToDate") or a
            if a is not None:
                exceptions.append((a.date(), b.date(), times, working))
    for ex in el.findall("Exceptions/Exception"):
        a = _xml_date(_text(ex, "TimePeriod/FromDate"), "FromDate")
        b = _xml_date(_text(ex, "TimePeriod/ToDate"), "ToDate") or a
        working = _text(ex, "DayWorking") == "1"
        kind = _text(ex, "Type", "1")
        if a is None:
            continue
        if kind not in ("1", "") and _text(ex, "Occurrences", "1") not in ("1",):
            c.warn(
                f"Calendars/Calendar UID {uid}",
                f"calendar {name!r}: a recurring exception (Type {kind}) from {a.date()} is read "
                "as one continuous period",
            )
        exceptions.append((a.date(), b.date(), _working_times(ex) if working else [], working))
    if el.findall("WorkWeeks/WorkWeek"):
        c.warn(
            f"Calendars/Calendar UID {uid}",
            f"calendar {name!r} has alternative work weeks for some periods; pmo-sim uses "
            "its default work week throughout",
        )
    hours = [sum(b - a for a, b in periods[k]) for k in range(7)]
    working_hours = [h for h in hours if h > 0]
    normal = Counter(working_hours).most_common(1)[0][0] if working_hours else 8.0
    bounds = Counter(
        (min(a for a, _ in periods[k]), max(b for _, b in periods[k]))
        for k in range(7)
        if periods[k]
    )
    day_start, day_end = bounds.most_common(1)[0][0] if bounds else (8.0, 17.0)
    # The working periods of a normal day place times of day within it (none for a
    # shift past midnight).
    shapes = Counter(
        merge_hours([(a, b) for a, b in periods[k] if b > a])
        for k in range(7)
        if periods[k] and abs(hours[k] - normal) < 1e-9
    )
    periods_of_day = shapes.most_common(1)[0][0] if shapes else ()
    if any(not 0 <= a < b <= 24 for a, b in periods_of_day):
        periods_of_day = ()
    for a, b, times, working in exceptions:
        span = (b - a).days
        if span > 3660:
            c.warn(
                f"Calendars/Calendar UID {uid}",
                f"calendar {name!r}: an exception spanning {span} days from {a} is ignored",
            )
            continue
        h = sum(t1 - t0 for t0, t1 in times)
        for k in range(span + 1):
            day = a + dt.timedelta(days=k)
            usual = hours[day.weekday()]
            if not working or h == 0:
                if usual > 0:
                    holidays.add(day)
                extra.discard(day)
            elif usual == 0:
                extra.add(day)
            elif abs(h - usual) > 1e-9:
                partial.add((day, h))
    mask = "".join("1" if h > 0 else "0" for h in hours)
    if "1" not in mask:
        c.warn(
            f"Calendars/Calendar UID {uid}",
            f"calendar {name!r} has no working weekday; assuming Monday to Friday",
        )
        mask = "1111100"
    return CalendarInfo(
        id=uid,
        name=name,
        weekmask=mask,
        hours_per_day=normal,
        holidays=tuple(sorted(holidays)),
        extra_working_days=tuple(sorted(extra)),
        partial_days=tuple(sorted(partial)),
        day_start=day_start,
        day_end=day_end,
        periods=periods_of_day,
    )


def _shared_days(infos: list[CalendarInfo]) -> CalendarInfo:
    """The calendar of the days every one of ``infos`` works (the first's hours).

    A holiday of any calendar is a holiday; a day one of them adds as an exception is a
    working day only when every other works it too.
    """
    first = infos[0]
    if len(infos) == 1:
        return first
    mask = "".join("1" if all(i.weekmask[d] == "1" for i in infos) else "0" for d in range(7))
    holidays = {h for i in infos for h in i.holidays if mask[h.weekday()] == "1"}

    def works(info: CalendarInfo, day: dt.date) -> bool:
        if day in info.extra_working_days:
            return True
        return info.weekmask[day.weekday()] == "1" and day not in info.holidays

    extra = {
        d
        for i in infos
        for d in i.extra_working_days
        if mask[d.weekday()] == "0" and all(works(j, d) for j in infos)
    }
    if "1" not in mask:
        mask = first.weekmask  # no shared weekday: keep the task's own week
    return CalendarInfo(
        id="&".join(i.id for i in infos),
        name=" & ".join(i.name or f"calendar {i.id}" for i in infos),
        weekmask=mask,
        hours_per_day=first.hours_per_day,
        holidays=tuple(sorted(holidays)),
        extra_working_days=tuple(sorted(extra)),
        partial_days=tuple(sorted({p for i in infos for p in i.partial_days})),
        day_start=first.day_start,
        day_end=first.day_end,
        periods=first.periods,
    )


def read_mspdi(path: str | os.PathLike[str], project: str | None = None) -> ImportedSchedule:
    """Read a Microsoft Project XML (MSPDI) file.

    Parameters
    ----------
    path : path-like
    project : str, optional
        Ignored (an MSPDI file holds one project); accepted so every reader takes it.

    Returns
    -------
    ImportedSchedule

    Raises
    ------
    ScenarioError
        Listing every problem found, each with the task's UID and the element.
    """
    source = os.fspath(path)
    root = _parse_xml(read_bytes(path), source)
    _strip_namespaces(root)
    if root.tag != "Project":
        raise ScenarioError(
            f"not an MS Project XML (MSPDI) file: the root element is <{root.tag}>, not "
            "<Project>; save the plan from MS Project with File > Save As > XML",
            source,
        )
    return _Reader(Collector(source), root).read()


class _Reader:
    def __init__(self, c: Collector, root: Any) -> None:
        self.c = c
        self.root = root
        # MS Project's "tasks will always honor their constraint dates" (on by default):
        # must start/finish on dates then win over links; off, the links win.
        self.honor_constraints = _text(root, "HonorConstraints", "1") != "0"
        self.start: dt.datetime | None = None

    def date(self, el: Any, tag: str, where: str) -> dt.datetime | None:
        try:
            return _xml_date(_text(el, tag), tag)
        except ValueError as exc:
            self.c.error(where, str(exc))
            return None

    def info_date(self, el: Any, tag: str, task: str) -> dt.datetime | None:
        """A date the schedule does not depend on (stored early, late and baseline
        dates): an unreadable or out-of-range one is warned about and left out."""
        try:
            return _xml_date(_text(el, tag), tag)
        except ValueError:
            self.c.unused(tag, task, _text(el, tag))
            return None

    def number(self, el: Any, tag: str, where: str, default: float = 0.0) -> float:
        text = _text(el, tag)
        if not text:
            return default
        try:
            x = float(text)
        except ValueError:
            self.c.error(where, must(tag, "a number", text))
            return default
        if not math.isfinite(x):
            self.c.error(where, must(tag, "a finite number", text))
            return default
        return x

    def hours(self, el: Any, tag: str, where: str) -> float | None:
        text = _text(el, tag)
        if not text:
            return None
        try:
            return parse_duration_hours(text)
        except ValueError:
            self.c.error(where, must(tag, "an ISO 8601 duration like PT16H0M0S", text))
            return None

    def read(self) -> ImportedSchedule:
        c, root = self.c, self.root
        name = _text(root, "Title") or _text(root, "Name") or "MS Project plan"
        where = "Project"
        start = self.date(root, "StartDate", where)
        self.start = start
        status_date = self.date(root, "StatusDate", where)
        finish = self.date(root, "FinishDate", where)
        if _text(root, "ScheduleFromStart", "1") == "0":
            c.warn(
                where,
                "the plan is scheduled from its finish date; pmo-sim schedules forward from the "
                "start, so early dates are compared, not the plan's late dates",
            )
        calendars_xml = {
            _text(el, "UID"): el for el in root.findall("Calendars/Calendar") if _text(el, "UID")
        }
        calendars = {uid: _calendar(el, calendars_xml, c) for uid, el in calendars_xml.items()}
        project_cal = _text(root, "CalendarUID", "1")
        if project_cal not in calendars:
            if calendars:
                c.warn(
                    where,
                    f"the project calendar (UID {project_cal}) is not in <Calendars>; using "
                    f"calendar UID {next(iter(calendars))}",
                )
                project_cal = next(iter(calendars))
            else:
                calendars["-1"] = CalendarInfo("-1", "Standard", "1111100", 8.0, day_end=17.0)
                project_cal = "-1"
                c.warn(where, "the file has no calendars; assuming Monday to Friday, 8 hours")
        main = calendars[project_cal]

        elements = [t for t in root.findall("Tasks/Task")]
        rows = self._task_rows(elements)
        c.raise_if_any()
        if not rows:
            raise ScenarioError("the plan has no tasks (only summary or blank rows)", c.source)
        self._effective_calendars(rows, calendars, project_cal)
        for r in rows:
            info = calendars[r["calendar"]]
            r["planned_h"] = self.hours(r["el"], "Duration", r["where"])
            r["remaining_h"] = self.hours(r["el"], "RemainingDuration", r["where"])
            r["planned"] = (r["planned_h"] or 0.0) / info.hours_per_day

        leaves = [r for r in rows if not r["summary"]]
        # A status date alone is not progress: MS Project fills it in on any save.
        progressed = any(r["status"] != NOT_STARTED for r in leaves)
        origin = start
        if origin is None:
            starts = [r["early_start"] for r in leaves if r["early_start"] is not None]
            origin = min(starts) if starts else None
        if origin is None:
            raise ScenarioError(
                "the plan has no start date (<StartDate>) and no task has a start", c.source
            )
        project_start, data_date = self._progress(leaves, calendars, main, origin, status_date)

        links = self._links(rows, calendars)
        tasks, extras = [], []
        dropped: dict[str, list[str]] = defaultdict(list)
        manual = []
        names = scenario_calendar_names([r["calendar"] for r in leaves], calendars, project_cal)
        for r in leaves:
            if r["manual"]:
                manual.append(r["uid"])
            info = calendars[r["calendar"]]
            built = self._task(r, info, names[info.id], project_start, progressed, links, dropped)
            if built is not None:
                tasks.append(built[0])
                extras.append(built[1])
        if origin.date() == project_start:
            tasks = open_starts_at(
                tasks, data_moment(origin, project_start, [calendars[u] for u in names])
            )
        file_resources, file_assignments = self._assignments(leaves, progressed, project_start)
        tasks, resources = carry_resources(
            c,
            "Assignments",
            file_resources,
            file_assignments,
            tasks,
            extras,
            calendars,
            project_start,
            "MS Project",
        )
        warn_dropped_constraints(c, "Tasks", dropped)
        c.warn_unused("Tasks")
        if manual:
            c.warn(
                "Tasks",
                f"{len(manual)} manually scheduled tasks are scheduled automatically by pmo-sim "
                f"(from their links and durations): {id_list(manual)}",
                ids=tuple(manual),
            )
        c.raise_if_any()
        schedule_calendar_warnings(
            c, "Calendars/Calendar UID {id}", [calendars[u] for u in names], project_start, extras
        )
        project = Project(
            name=name,
            start=project_start,
            calendar=main.calendar(),
            calendars=tuple((names[u], calendars[u].calendar()) for u in names if u != project_cal),
            lag_calendar=LAG_CALENDAR,
            data_date=data_date,
            currency=_text(root, "CurrencyCode"),
            # MS Project dates "as late as possible" by total float, successors following.
            alap_float="total",
            constraints_override_logic=self.honor_constraints,
        )
        try:
            scenario = Scenario(
                project=project, tasks=tuple(tasks), source=c.source, resources=resources
            )
        except ScenarioError as exc:
            raise ScenarioError(list(exc.problems), source=c.source) from None
        baseline_finish = self._project_baseline_finish(rows)
        return ImportedSchedule(
            scenario=scenario,
            tasks=tuple(extras),
            format="MSPDI",
            source=c.source,
            project_id=_text(root, "UID"),
            project_name=name,
            data_date=status_date,
            planned_start=start,
            target_finish=baseline_finish.date() if baseline_finish else None,
            calendars=calendars,
            main_calendar=project_cal,
            calendar_names=names,
            progressed=progressed,
            warnings=tuple(c.warnings),
            notes=(f"project finish in the file: {finish}",) if finish else (),
        )

    # ---- pieces --------------------------------------------------------------

    def _assignments(
        self, leaves: list[dict[str, Any]], progressed: bool, start: dt.date
    ) -> tuple[list[FileResource], list[FileAssignment]]:
        """The work and material resources (``Resources``) the tasks are assigned to
        (``Assignments``), and those assignments.

        Units are MS Project's (1 is 100%: one resource full time; a material's quantity);
        ``StandardRate`` (and the rate table A entries of ``Rates``) is money per hour
        whatever ``StandardRateFormat`` displays. An assignment's amount is the cost the
        task's rate per day holds for it (see ``_task``): its remaining cost once the task
        has started in a plan with progress, else its cost (hundredths, as all MSPDI money).
        The null resource (UID 0, or no name), cost resources (``Type`` 2) and MS Project's
        "unassigned" placeholders (``ResourceUID`` -65535) are left out.
        """
        c = self.c
        rows = {r["uid"]: r for r in leaves}
        elements: dict[str, Any] = {}
        known: set[str] = set()
        for el in self.root.findall("Resources/Resource"):
            uid = _text(el, "UID")
            known.add(uid)
            if (
                uid in ("", "0")
                or _text(el, "IsNull") == "1"
                or not _text(el, "Name")
                or _text(el, "Type", "1") == "2"
            ):
                continue
            elements[uid] = el
        assignments: list[FileAssignment] = []
        missing, no_units = [], []
        for el in self.root.findall("Assignments/Assignment"):
            task_uid, res_uid = _text(el, "TaskUID"), _text(el, "ResourceUID")
            r = rows.get(task_uid)
            if r is None or res_uid in ("", "-65535", "-1", "0"):
                continue  # a summary's, or MS Project's "unassigned" placeholder
            if res_uid not in elements:
                if res_uid not in known:
                    missing.append(f"{task_uid} ~ ResourceUID {res_uid}")
                continue
            where = f"Assignments/Assignment UID {_text(el, 'UID')}"
            units = self.number(el, "Units", where, 1.0)
            if units <= 0:
                no_units.append(task_uid)
                continue
            cost = self.number(el, "Cost", where)
            if progressed and r["status"] != NOT_STARTED:
                cost = self.number(el, "RemainingCost", where, cost)
            assignments.append(FileAssignment(task_uid, res_uid, units, cost / MONEY_SCALE))
        if missing:
            c.warn(
                "Assignments",
                f"{len(missing)} assignments name resources missing from <Resources>: left "
                f"out, their cost stays on the task: {id_list(missing)}",
                ids=tuple(missing),
            )
        if no_units:
            c.warn(
                "Assignments",
                f"{len(no_units)} assignments have no units: left out, their cost stays on the "
                f"task: {id_list(dict.fromkeys(no_units))}",
                ids=tuple(dict.fromkeys(no_units)),
            )
        used = {a.resource for a in assignments}
        names = unique_resource_ids((uid, _text(el, "Name")) for uid, el in elements.items())
        resources = []
        for uid, el in elements.items():
            if uid not in used:
                continue
            where = f"Resources/Resource UID {uid}"
            material = _text(el, "Type", "1") == "0"
            table: list[tuple[dt.date | None, float]] = []
            for rate in el.findall("Rates/Rate"):
                if _text(rate, "RateTable", "0") != "0":
                    continue  # rate tables B to E: assignments that use one are not priced
                since = self.date(rate, "RatesFrom", where)
                table.append(
                    (since.date() if since else None, self.number(rate, "StandardRate", where))
                )
            if not table:
                table = [(None, self.number(el, "StandardRate", where))]
            table.sort(key=lambda x: (x[0] is not None, x[0] or start))
            if any(x < 0 for _, x in table):
                c.error(where, must("StandardRate", "0 or more", _text(el, "StandardRate")))
            capacity = self.number(el, "MaxUnits", where, 1.0)
            resources.append(
                FileResource(
                    key=uid,
                    id=names[uid],
                    name=_text(el, "Name"),
                    material=material,
                    hourly_rates=tuple((d, x) for d, x in table if x >= 0),
                    capacity=capacity if capacity > 0 and not material else None,
                )
            )
        return resources, assignments

    def _effective_calendars(
        self, rows: list[dict[str, Any]], calendars: dict[str, CalendarInfo], project_cal: str
    ) -> None:
        """Set each row's ``calendar`` to the id of the calendar its work follows.

        MS Project schedules a task on its task calendar (``CalendarUID``), else on the
        project calendar; a task with work resources works only when their calendars work
        too (on the days its calendar and theirs share), unless it ignores resource
        calendars. A calendar for such a shared set of days is added to ``calendars``.
        """
        c = self.c
        resources = {}
        for el in self.root.findall("Resources/Resource"):
            kind = _text(el, "Type", "1")  # 0 material, 1 work, 2 cost
            cal = _text(el, "CalendarUID")
            if kind == "1" and cal in calendars:
                resources[_text(el, "UID")] = cal
        assigned: dict[str, list[str]] = defaultdict(list)
        for el in self.root.findall("Assignments/Assignment"):
            cal = resources.get(_text(el, "ResourceUID"))
            if cal is not None:
                assigned[_text(el, "TaskUID")].append(cal)
        unknown, shared, mixed = [], defaultdict(list), []
        for r in rows:
            own = r["calendar"]
            r["file_calendar"] = own if own in calendars else ""
            if own not in ("", "-1") and own not in calendars:
                unknown.append(r["uid"])
                own = "-1"
            res_cals = list(dict.fromkeys(assigned.get(r["uid"], ())))
            if own not in ("", "-1") and r["ignore_resource_calendars"]:
                res_cals = []
            parts = ([own] if own not in ("", "-1") else []) + res_cals
            if not parts:
                r["calendar"] = project_cal
                continue
            if len({calendars[p].weekmask for p in res_cals}) > 1:
                mixed.append(r["uid"])
            info = _shared_days([calendars[p] for p in parts])
            # The task's own calendar, the project calendar or one resource's calendar
            # when the shared days are its days; else a calendar of the shared days.
            own_list = [own] if own not in ("", "-1") else []
            for candidate in (*own_list, project_cal, *res_cals):
                if calendars[candidate].same_days_as(info):
                    r["calendar"] = candidate
                    break
            else:
                calendars.setdefault(info.id, info)
                r["calendar"] = info.id
            if own not in ("", "-1") and r["calendar"] != own:
                shared[own].append(r["uid"])
        if unknown:
            c.warn(
                "Tasks",
                f"{len(unknown)} tasks name a calendar (CalendarUID) that is not in "
                f"<Calendars>; they use the project calendar: {id_list(unknown)}",
                ids=tuple(unknown),
            )
        for own, ids in shared.items():
            info = calendars[own]
            c.warn(
                "Tasks",
                f"{len(ids)} tasks on calendar {info.label} ({weekmask_text(info.weekmask)}) "
                "have resources whose calendars work fewer days; they are scheduled on the "
                "days both work, as MS Project does (set IgnoreResourceCalendar to schedule on "
                f"the task calendar alone): {id_list(ids)}",
                ids=tuple(ids),
            )
        if mixed:
            c.warn(
                "Tasks",
                f"{len(mixed)} tasks have resources on calendars with different working days; "
                "MS Project schedules each assignment on its resource's calendar, pmo-sim the "
                f"task on the days they all work: {id_list(mixed)}",
                ids=tuple(mixed),
            )

    def _progress(
        self,
        leaves: list[dict[str, Any]],
        calendars: dict[str, CalendarInfo],
        main: CalendarInfo,
        origin: dt.datetime,
        status_date: dt.datetime | None,
    ) -> tuple[dt.date, dt.date | None]:
        """Settle each task's progress against the status date (``r["progress"]``);
        return the project start and the scenario's data date."""
        c = self.c
        started = [r for r in leaves if r["status"] != NOT_STARTED]
        # A status date at or after the end of a day's work is the next day.
        used = [calendars[k] for k in {r["calendar"] for r in leaves if r["calendar"] in calendars}]
        data_day = main.data_day(status_date, used) if status_date else None
        if data_day is None and started:
            actual = [
                calendars[r["calendar"]].working_day_of(when, finish=k == "actual_finish")
                for r in started
                for k in ("actual_start", "actual_finish", "resume")
                if (when := r[k]) is not None
            ]
            if actual:
                data_day = max(actual)
                c.warn(
                    "Project",
                    "the plan holds progress but no status date (<StatusDate>); using "
                    f"{data_day}, the latest actual date",
                )
        changed: dict[str, list[str]] = defaultdict(list)
        for r in leaves:
            info = calendars[r["calendar"]]
            planned = r["planned"]
            remaining = planned
            if r["remaining_h"] is not None:
                remaining = r["remaining_h"] / info.hours_per_day
            elif r["status"] == IN_PROGRESS:
                remaining = planned * (1 - r["pct"] / 100.0)
            if r["status"] == COMPLETE:
                remaining = 0.0
            r["remaining"] = remaining
            r["progress"] = settle_progress(
                r["status"],
                info.working_day_of(r["actual_start"], finish=False) if r["actual_start"] else None,
                info.working_day_of(r["actual_finish"], finish=True)
                if r["actual_finish"]
                else None,
                data_day,
                remaining,
                planned,
                info,
            )
            if r["progress"].changed:
                changed[r["progress"].changed].append(r["uid"])
        for why, ids in changed.items():
            c.warn(
                "Tasks",
                f"{len(ids)} tasks {why} (status date {data_day}): {id_list(ids)}",
                ids=tuple(ids),
            )
        start = origin.date()
        actual_starts = [r["progress"].actual_start for r in leaves if r["progress"].actual_start]
        if actual_starts and min(actual_starts) < start:
            first = min(actual_starts)
            uid = next(r["uid"] for r in leaves if r["progress"].actual_start == first)
            c.warn(
                "Project",
                f"task {uid} started on {first}, before the project start {start}; the "
                f"scenario starts on {first}",
            )
            start = first
        if data_day is not None and any(r["progress"].status != NOT_STARTED for r in leaves):
            # A status date part-way through a working day, and actual dates at their times.
            moment = data_moment(status_date, data_day, used) if data_day >= start else start
            for r in leaves:
                r["progress"] = with_times(
                    r["progress"],
                    r["actual_start"],
                    r["actual_finish"],
                    calendars[r["calendar"]],
                    moment,
                )
            return start, moment
        return start, None

    def _task_rows(self, elements: list[Any]) -> list[dict[str, Any]]:
        c = self.c
        rows: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        skipped: dict[str, list[str]] = defaultdict(list)
        placeholders: list[str] = []
        kept = []
        for k, el in enumerate(elements):
            uid = _text(el, "UID")
            where = f"Tasks/Task[{k + 1}] (UID {uid or '?'})"
            if not uid:
                c.error(where, "'UID' must be a task's unique id (got '')")
                continue
            if uid in seen:
                c.error(where, f"duplicate task UID {uid!r} (first at Tasks/Task[{seen[uid] + 1}])")
                continue
            seen[uid] = k
            if _text(el, "IsNull") == "1":
                continue
            if _text(el, "Active", "1") == "0":
                skipped["inactive"].append(uid)
                continue
            if _text(el, "ExternalTask") == "1" or _text(el, "IsSubproject") == "1":
                skipped["external or subproject"].append(uid)
                continue
            kept.append((k, el, uid, where))
        levels = [int(self.number(el, "OutlineLevel", w, 1)) for _, el, _, w in kept]
        outline = [_text(el, "OutlineNumber") for _, el, _, _ in kept]
        for i, (_, el, uid, where) in enumerate(kept):
            has_children = i + 1 < len(kept) and levels[i + 1] > levels[i]
            summary = _text(el, "Summary") == "1" or has_children
            pct = self.number(el, "PercentComplete", where)
            actual_start = self.date(el, "ActualStart", where)
            actual_finish = self.date(el, "ActualFinish", where)
            if pct == 0 and self.start is not None:
                # Some writers fill unset dates with a placeholder (Aspose: 2000-01-01):
                # an actual date before the project start on an untouched task is not one.
                if actual_start is not None and actual_start < self.start:
                    actual_start = None
                    placeholders.append(uid)
                if actual_finish is not None and actual_finish < self.start:
                    actual_finish = None
            if pct >= 100 or (actual_finish is not None and pct > 0):
                status = COMPLETE
            elif pct > 0 or actual_start is not None:
                status = IN_PROGRESS
            else:
                status = NOT_STARTED
            alap = status == NOT_STARTED and CONSTRAINTS.get(_text(el, "ConstraintType")) == "ALAP"
            baseline = next(
                (b for b in el.findall("Baseline") if _text(b, "Number", "0") == "0"), None
            )
            rows.append(
                {
                    "el": el,
                    "uid": uid,
                    "where": where,
                    "name": _text(el, "Name"),
                    "summary": summary,
                    "level": levels[i],
                    "outline": outline[i],
                    "wbs": _text(el, "WBS") or outline[i],
                    "milestone": _text(el, "Milestone") == "1",
                    "manual": _text(el, "Manual") == "1",
                    "calendar": _text(el, "CalendarUID", "-1"),
                    "ignore_resource_calendars": _text(el, "IgnoreResourceCalendar") == "1",
                    "resume": self.date(el, "Resume", where) if status == IN_PROGRESS else None,
                    "status": status,
                    "pct": pct,
                    "actual_start": actual_start,
                    "actual_finish": actual_finish,
                    # The dates MS Project schedules the task on: an as-late-as-possible
                    # one's are its late dates (Start, Finish), not EarlyStart's.
                    "early_start": (None if alap else self.info_date(el, "EarlyStart", uid))
                    or self.info_date(el, "Start", uid),
                    "early_finish": (None if alap else self.info_date(el, "EarlyFinish", uid))
                    or self.info_date(el, "Finish", uid),
                    "baseline_start": self.info_date(baseline, "Start", uid)
                    if baseline is not None
                    else None,
                    "baseline_finish": self.info_date(baseline, "Finish", uid)
                    if baseline is not None
                    else None,
                }
            )
        for why, ids in skipped.items():
            c.warn("Tasks", f"{len(ids)} {why} tasks left out: {id_list(ids)}", ids=tuple(ids))
        if placeholders:
            c.warn(
                "Tasks",
                f"{len(placeholders)} tasks at 0% complete carry an actual start before the "
                f"project start (a placeholder for 'no date'); read as not started: "
                f"{id_list(placeholders)}",
                ids=tuple(placeholders),
            )
        # Children of each summary (by outline position), for links to summaries.
        stack: list[dict[str, Any]] = []
        for r in rows:
            while stack and stack[-1]["level"] >= r["level"]:
                stack.pop()
            r["parents"] = [p["uid"] for p in stack]
            if r["summary"]:
                stack.append(r)
        return rows

    def _links(
        self, rows: list[dict[str, Any]], calendars: dict[str, CalendarInfo]
    ) -> dict[str, list[Link]]:
        c = self.c
        by_uid = {r["uid"]: r for r in rows}
        leaves_under: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            if not r["summary"]:
                for p in r["parents"]:
                    leaves_under[p].append(r["uid"])
        out: dict[str, list[Link]] = defaultdict(list)
        external, unknown, summary_links, approximate = [], [], 0, []
        for r in rows:
            for k, link in enumerate(r["el"].findall("PredecessorLink")):
                where = f"{r['where']}.PredecessorLink[{k + 1}]"
                pred = _text(link, "PredecessorUID")
                if _text(link, "CrossProject") == "1":
                    external.append(f"{r['uid']} <- {_text(link, 'CrossProjectName') or pred}")
                    continue
                if pred not in by_uid:
                    unknown.append(f"{r['uid']} <- {pred}")
                    continue
                kind = LINK_TYPES.get(_text(link, "Type", "1"))
                if kind is None:
                    c.error(
                        where, must("Type", "0 (FF), 1 (FS), 2 (SF) or 3 (SS)", _text(link, "Type"))
                    )
                    continue
                lag_tenths = self.number(link, "LinkLag", where)
                fmt = int(self.number(link, "LagFormat", where, 7))
                if fmt in ELAPSED_FORMATS:
                    approximate.append(r["uid"])
                preds = leaves_under[pred] if by_uid[pred]["summary"] else [pred]
                succs = leaves_under[r["uid"]] if r["summary"] else [r["uid"]]
                if by_uid[pred]["summary"] or r["summary"]:
                    summary_links += 1
                for s in succs:
                    # Lags count on the successor's calendar (LAG_CALENDAR).
                    info = calendars[by_uid[s]["calendar"]]
                    if fmt in PERCENT_FORMATS:
                        lag = lag_tenths / 100.0 * by_uid[pred]["planned"]
                    elif fmt in ELAPSED_FORMATS:
                        working_share = info.weekmask.count("1") / 7.0
                        lag = lag_tenths / 10.0 / 60.0 / 24.0 * working_share
                    else:
                        lag = lag_tenths / 10.0 / 60.0 / info.hours_per_day
                    for p in preds:
                        if p != s and p not in by_uid[s]["parents"]:
                            try:
                                out[s].append(Link(p, kind, round(lag, 9)))
                            except ValueError as exc:  # a lag beyond any schedule
                                c.error(where, str(exc))
        if external:
            c.warn(
                "Tasks",
                f"{len(external)} links to tasks of other projects dropped: {id_list(external)}",
                ids=tuple(external),
            )
        if unknown:
            c.warn(
                "Tasks",
                f"{len(unknown)} links to task UIDs missing from the file dropped: "
                f"{id_list(unknown)}",
                ids=tuple(unknown),
            )
        if summary_links:
            c.warn(
                "Tasks",
                f"{summary_links} links to or from summary tasks applied to each task under "
                "the summary",
            )
        if approximate:
            c.warn(
                "Tasks",
                f"{len(approximate)} elapsed-time lags converted to working days at the "
                f"calendar's share of working days: {id_list(approximate)}",
                ids=tuple(approximate),
            )
        return out

    def _task(
        self,
        r: dict[str, Any],
        info: CalendarInfo,
        calendar_name: str,
        start: dt.date,
        progressed: bool,
        links: dict[str, list[Link]],
        dropped: dict[str, list[str]],
    ) -> tuple[Task, ImportedTask] | None:
        c, el, where = self.c, r["el"], r["where"]
        hpd = info.hours_per_day
        planned, remaining = r["planned"], r["remaining"]
        if planned < 0 or remaining < 0:
            c.error(where, must("Duration", "0 or more", _text(el, "Duration")))
            return None
        status = r["status"]
        progress = r["progress"]
        started = progress.status == IN_PROGRESS
        duration = round(progress.remaining if progressed else planned, 9)
        if progress.status == COMPLETE:
            duration = 0.0
        milestone = r["milestone"] or planned == 0
        constraints = []
        snet: dt.date | None = None
        fnet: dt.date | None = None
        mandatory_start: dt.date | None = None
        mandatory_finish: dt.date | None = None
        snlt: dt.date | None = None
        fnlt: dt.date | None = None
        alap = False
        code = CONSTRAINTS.get(_text(el, "ConstraintType", "0"), "?")
        # Only these constraints' dates move dates, and not once the task is complete.
        # (A start constraint of a started task is settled by its actual start.)
        scheduling = (
            code in ("SNET", "FNET", "MSO", "MFO", "SNLT", "FNLT")
            and progress.status != COMPLETE
            and not (started and code in ("SNET", "MSO", "SNLT"))
        )
        when = (
            self.date(el, "ConstraintDate", where)
            if scheduling
            else self.info_date(el, "ConstraintDate", r["uid"])
        )
        if code == "?":
            c.warn(where, f"unknown ConstraintType {_text(el, 'ConstraintType')!r} ignored")
        elif code is not None:
            constraints.append((code, when))
            if progress.status == COMPLETE or (started and code in ("SNET", "MSO", "SNLT")):
                pass  # actual dates have settled it
            elif code == "SNET" and when is not None:
                snet = info.moment_of(when, finish=False)
            elif code == "FNET" and when is not None:
                fnet = info.moment_of(when, finish=True)
            elif code == "MSO" and when is not None and self.honor_constraints:
                mandatory_start = info.moment_of(when, finish=False)
            elif code == "MFO" and when is not None and self.honor_constraints:
                mandatory_finish = info.moment_of(when, finish=True)
            elif code == "MSO" and when is not None:
                # Links win over the date: its no-earlier-than half moves early dates,
                # its no-later-than half late ones.
                snet = snlt = info.moment_of(when, finish=False)
            elif code == "MFO" and when is not None:
                fnet = fnlt = info.moment_of(when, finish=True)
            elif code == "SNLT" and when is not None:
                snlt = info.moment_of(when, finish=False)
            elif code == "FNLT" and when is not None:
                fnlt = info.moment_of(when, finish=True)
            elif code == "ALAP":
                alap = True
            else:
                dropped[CONSTRAINT_NAMES.get(code, code)].append(r["uid"])
        total = self.number(el, "Cost", where) / MONEY_SCALE
        fixed = self.number(el, "FixedCost", where) / MONEY_SCALE
        remaining_cost = self.number(el, "RemainingCost", where, total * MONEY_SCALE) / MONEY_SCALE
        actual_cost = self.number(el, "ActualCost", where) / MONEY_SCALE
        cost = None
        if progressed and status != NOT_STARTED:
            spent, timed = (
                actual_cost,
                max(remaining_cost - (fixed if status == NOT_STARTED else 0.0), 0.0),
            )
            fixed_part = spent
        else:
            timed = max(total - fixed, 0.0)
            fixed_part = fixed
        per_day = 0.0
        if timed:
            if duration > 0:
                per_day = timed / duration
            else:
                fixed_part += timed
        if not (math.isfinite(fixed_part) and math.isfinite(per_day)):
            c.error(where, "its costs (Cost, FixedCost, ActualCost) add up beyond any real amount")
            fixed_part = per_day = 0.0
        if fixed_part or per_day:
            cost = TaskCost(fixed=round(fixed_part, 6), per_day=round(per_day, 9))
        slack = self.number(el, "TotalSlack", where, math.nan)
        deadline = self.info_date(el, "Deadline", r["uid"])
        if deadline is not None and progress.status != COMPLETE:
            deadline = info.moment_of(deadline, finish=True)
        else:
            deadline = None
        try:
            task = Task(
                id=r["uid"],
                name=r["name"],
                duration=duration,
                predecessors=tuple(links.get(r["uid"], ())),
                cost=cost,
                milestone=bool(r["milestone"]),
                wbs=r["wbs"],
                start_no_earlier_than=snet if binds_after_start(snet, start) else None,
                finish_no_earlier_than=fnet if fnet is not None and day_of(fnet) >= start else None,
                mandatory_start=_on_or_after(mandatory_start, start),
                mandatory_finish=_on_or_after(mandatory_finish, start),
                start_no_later_than=snlt,
                finish_no_later_than=fnlt,
                deadline=deadline,
                as_late_as_possible=alap,
                calendar=calendar_name,
                status=progress.status,
                actual_start=progress.actual_start,
                actual_finish=progress.actual_finish,
            )
        except (TypeError, ValueError) as exc:
            c.error(where, str(exc))
            return None
        extra = ImportedTask(
            id=r["uid"],
            name=r["name"],
            status=status,
            milestone="finish" if milestone and duration == 0 else "",
            calendar=info.id,
            file_calendar=r.get("file_calendar", "") if r.get("file_calendar") != info.id else "",
            planned_duration=planned,
            remaining_duration=remaining,
            percent_complete=r["pct"],
            actual_start=r["actual_start"],
            actual_finish=r["actual_finish"],
            # MS Project keeps the remaining work's start of a task in progress in Resume.
            early_start=r["resume"] or r["early_start"],
            early_finish=r["early_finish"],
            late_start=self.info_date(el, "LateStart", r["uid"]),
            late_finish=self.info_date(el, "LateFinish", r["uid"]),
            baseline_start=r["baseline_start"],
            baseline_finish=r["baseline_finish"],
            total_float=None if math.isnan(slack) else slack / 10.0 / 60.0 / hpd,
            constraints=tuple(constraints),
            wbs=r["wbs"],
            budget=total,
        )
        return task, extra

    def _project_baseline_finish(self, rows: list[dict[str, Any]]) -> dt.datetime | None:
        top = [r for r in rows if r["level"] == 0]
        for r in top:
            if r["baseline_finish"] is not None:
                return r["baseline_finish"]
        return None


def _on_or_after(day: dt.date | None, start: dt.date) -> dt.date | None:
    """A hard date, kept when it is on or after the project start (before it, it would
    date work before the project; the constraint stays in the health check's facts)."""
    return day if day is not None and day_of(day) >= start else None
