"""Primavera P6 XER files: the tab-separated export (``%T`` table, ``%F`` fields, ``%R`` rows).

``read_xer(path, project=None)`` returns an ``ImportedSchedule`` whose scenario the
engine runs as it is. What is read, and how it maps onto the scenario model:

- **tasks** (``TASK``): ``task_code`` is the id, ``task_name`` the name. Hour durations
  (``remain_drtn_hr_cnt``, ``target_drtn_hr_cnt``) become working days with the hours of
  a working day of the task's calendar, taken from the calendar's work week (P6 schedules
  on the work week's hours; ``day_hr_cnt`` is only its display setting and is used when
  the work week has no hours). Start milestones (``TT_Mile``) become ``milestone =
  "start"`` (at their calendar's next working time, as P6 places them), finish
  milestones (``TT_FinMile``) plain milestones; level-of-effort and WBS-summary
  activities are left out (they take their dates from other tasks), with their
  relations, and reported.
- **relations** (``TASKPRED``): ``PR_FS/SS/FF/SF``. Lags count on the calendar the
  project's scheduling option ``sched_calendar_on_relationship_lag`` names (the
  predecessor's by default, the successor's, or the project's default calendar), which
  becomes the scenario's ``lag_calendar``; ``lag_hr_cnt`` is converted with that
  calendar's hours per day. A 24-hour lag calendar has no match: its lags count hours /
  24 as working days of the successor's calendar (reported). Relations to tasks of
  another project, or to tasks missing from the file, are reported and dropped.
- **calendars** (``CALENDAR.clndr_data``): working weekdays and whole-day exceptions
  (serial day numbers since 1899-12-30). The project calendar is the one most activities
  use (the project's default calendar on a tie, or always when lags count on it); every
  other calendar an activity uses becomes a named calendar of the scenario (its P6 name,
  with the id added when names clash) and the activity's ``calendar``. Exceptions that
  add working days or change a day's hours are reported: the engine's calendars are
  working weekdays and holidays.
- **constraints** (``cstr_type``, ``cstr_type2``): start on or after (``CS_MSOA``) is
  a start-no-earlier-than date, start on or before (``CS_MSOB``) a start-no-later-than
  date, and start on (``CS_MSO``) both; likewise finish on or after, on or before and
  on (``CS_MEOA``, ``CS_MEOB``, ``CS_MEO``) for the finish. As in P6, no-later-than
  dates bound only late dates (float). Mandatory start and finish (``CS_MANDSTART``,
  ``CS_MANDFIN``) are hard dates that override the logic, as P6 schedules them; as
  late as possible (``CS_ALAP``) uses free float (``alap_float = "free"``). Start
  constraints of started activities are settled by their actual start.
- **progress**: the project starts on its planned start (``plan_start_date``) and the
  data date (``last_recalc_date``; at or after the end of a day's work, the next working
  day) becomes ``Project.data_date``. Activities keep their status
  (``TK_NotStart/Active/Complete``) and actual dates (as the working day a user reads);
  those in progress work their remaining duration from the data date. An actual start
  before the planned start moves the project start back (reported); progress the model
  cannot hold (an actual start after the data date, a complete activity without an
  actual finish) is read as close as it can be and reported.
- **scheduling options** (``SCHEDOPTIONS``): besides the lag calendar and progress,
  ``sched_open_critical_flag`` becomes ``Project.open_ended_critical``. An expected
  finish needs nothing: P6 writes the remaining duration it implies into
  ``remain_drtn_hr_cnt``.
- **costs**: resource assignments (``TASKRSRC``) and expenses (``PROJCOST``). Labour
  and equipment cost becomes a rate per working day of the task (so it grows when the
  task runs longer); material and expenses are fixed; cost already spent is fixed.

Files in cp1252, cp1251 and UTF-8 are read: UTF-8 first, then a codec named in the
``ERMHDR`` line, then cp1251 when the text reads as Cyrillic words, else cp1252.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from ...model.calendar import day_of, merge_hours
from ...model.errors import ScenarioError, id_list, must
from ...model.fields import MAX_DAYS
from ...model.scenario import Project, Scenario
from ...model.tasks import Link, Task, TaskCost
from .common import (
    COMPLETE,
    DATE_RANGE,
    FIRST_DATE,
    IN_PROGRESS,
    LAST_DATE,
    NOT_STARTED,
    CalendarInfo,
    Collector,
    ImportedSchedule,
    ImportedTask,
    Progress,
    binds_after_start,
    data_moment,
    earliest_moment,
    in_range,
    latest_moment,
    open_starts_at,
    read_bytes,
    scenario_calendar_names,
    schedule_calendar_warnings,
    serial_to_date,
    settle_progress,
    warn_dropped_constraints,
    with_times,
)
from .resources import (
    FileAssignment,
    FileResource,
    carry_resources,
    rate_in_effect,
    unique_resource_ids,
)

LINK_TYPES = {"PR_FS": "FS", "PR_SS": "SS", "PR_FF": "FF", "PR_SF": "SF"}
#: What P6 writes for a date it does not have (day 0 of its serial day numbers).
P6_NULL_DATE = dt.datetime(1899, 12, 30)
STATUS = {"TK_NotStart": NOT_STARTED, "TK_Active": IN_PROGRESS, "TK_Complete": COMPLETE}
MILESTONES = {"TT_Mile": "start", "TT_FinMile": "finish"}
#: Activity types that take their dates from other activities: not tasks of the network.
DERIVED_TYPES = {"TT_LOE": "level of effort", "TT_WBS": "WBS summary"}
#: P6 constraint codes as the common codes of ``ImportedTask.constraints``.
CONSTRAINTS = {
    "CS_MSOA": "SNET",
    "CS_MEOA": "FNET",
    "CS_MSOB": "SNLT",
    "CS_MEOB": "FNLT",
    "CS_MSO": "MSO",
    "CS_MEO": "MFO",
    "CS_MANDSTART": "MANDATORY_START",
    "CS_MANDFIN": "MANDATORY_FINISH",
    "CS_ALAP": "ALAP",
}
#: P6's lag calendar option (``SCHEDOPTIONS.sched_calendar_on_relationship_lag``) as the
#: scenario's ``lag_calendar``. The engine has no 24-hour calendar: such lags count on
#: the successor's calendar (reported).
LAG_CALENDARS = {
    "rcal_Predecessor": "predecessor",
    "rcal_Successor": "successor",
    "rcal_ProjDefault": "project",
    "rcal_24Hour": "successor",
}
#: P6 numbers weekdays from Sunday (1) to Saturday (7); a weekmask runs Monday to Sunday.
P6_WEEKDAY = {1: 6, 2: 0, 3: 1, 4: 2, 5: 3, 6: 4, 7: 5}


@dataclass
class _Facts:
    """What a TASK row says about progress and durations (working days of its calendar),
    and the progress the scenario keeps (``progress``, settled against the data date)."""

    status: str
    milestone: str
    remaining: float
    planned: float
    actual_start: dt.datetime | None
    actual_finish: dt.datetime | None
    progress: Progress | None = None


@dataclass
class XerTable:
    """One ``%T`` table: its field names and its rows, each with its line number."""

    name: str
    fields: list[str]
    rows: list[tuple[int, dict[str, str]]]


# --------------------------------------------------------------------------- decoding


_CODEC_NAME = re.compile(r"^(cp|windows-?|utf-?|iso-?8859|koi8|latin|mac)", re.IGNORECASE)


def decode_xer(raw: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of an XER file and the codec it was read with.

    With no ``encoding`` given: UTF-8 (with or without a byte-order mark), else a codec
    named in the ``ERMHDR`` line, else cp1251 when the non-ASCII text reads as Cyrillic
    words, else cp1252 (P6's default on Western Windows).
    """
    if encoding is not None:
        return raw.decode(encoding), encoding
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    head = raw.split(b"\n", 1)[0].decode("ascii", errors="replace").split("\t")
    if head and head[0].strip() == "ERMHDR":
        for name in head[1:]:
            name = name.strip()
            if _CODEC_NAME.match(name):
                try:
                    codecs.lookup(name)
                except LookupError:
                    continue
                return raw.decode(name, errors="replace"), name
    codec = "cp1251" if _looks_cyrillic(raw) else "cp1252"
    return raw.decode(codec, errors="replace"), codec


def _looks_cyrillic(raw: bytes) -> bool:
    """True when the high bytes form words (runs of letters), as Cyrillic text in cp1251
    does, rather than single accented letters inside Latin words, as cp1252 text does.

    In cp1251 the bytes 0xC0-0xFF are the Cyrillic letters А-я; in cp1252 they are
    accented Latin letters, which Western text uses one at a time.
    """
    runs = re.findall(rb"[\xc0-\xff]+", raw)
    words = sum(len(r) for r in runs if len(r) >= 3)
    single = sum(len(r) for r in runs if len(r) < 3)
    return words > 0 and words >= single


# --------------------------------------------------------------------------- parsing


def parse_tables(text: str, c: Collector) -> dict[str, XerTable]:
    """Split XER text into its tables; malformed lines become problems."""
    tables: dict[str, XerTable] = {}
    current: XerTable | None = None
    saw_header = saw_end = False
    last = 0  # the last line that is not blank
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        last = number
        parts = line.rstrip("\r\n").split("\t")
        tag = parts[0]
        if tag == "ERMHDR":
            saw_header = True
        elif tag == "%T":
            name = parts[1].strip() if len(parts) > 1 else ""
            current = XerTable(name, [], [])
            tables[name] = current
        elif tag == "%F":
            if current is None:
                c.error(f"line {number}", "a %F (fields) line before any %T (table) line")
                continue
            current.fields = [f.strip() for f in parts[1:]]
        elif tag == "%R":
            if current is None or not current.fields:
                c.error(f"line {number}", "a %R (row) line before the table's %F (fields) line")
                continue
            values = parts[1:]
            if len(values) > len(current.fields):
                extra = values[len(current.fields) :]
                if any(v.strip() for v in extra):
                    c.error(
                        f"table {current.name}, line {number}",
                        f"the row has {len(values)} values but the table has "
                        f"{len(current.fields)} fields",
                    )
                    continue
            values += [""] * (len(current.fields) - len(values))
            current.rows.append((number, dict(zip(current.fields, values, strict=False))))
        elif tag == "%E":
            saw_end = True
            break
        elif number == 1:
            break  # reported below: not an XER file
    if not saw_header and not tables:
        c.error(
            "",
            "not a Primavera P6 XER file: it does not start with an ERMHDR line and has no "
            "%T tables (export the project from P6 with File > Export > Primavera PM (XER))",
        )
    elif not saw_end:
        # P6 ends every export with %E; a file without it was cut short (an interrupted
        # download, a mail attachment limit), and its last tables would be read as a
        # plausible but wrong schedule.
        inside = f" inside table {current.name}" if current is not None else ""
        c.error(
            f"line {last}",
            f"the file stops at line {last}{inside} without P6's end line (%E): it was cut "
            "short; export it from P6 again or copy the whole file",
        )
    return tables


def _date(value: str, key: str = "date") -> dt.datetime | None:
    value = value.strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            when = dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        if when == P6_NULL_DATE:
            return None
        if not in_range(when):
            raise ValueError(must(key, DATE_RANGE, value))
        return when
    raise ValueError(must(key, "a date like 2013-08-03 08:00", value))


def _number(value: str) -> float:
    value = value.strip()
    if not value:
        return 0.0
    try:
        x = float(value)
    except ValueError:
        raise ValueError(must("value", "a number", value)) from None
    if not math.isfinite(x):
        raise ValueError(must("value", "a finite number", value))
    return x


class _Row:
    """A row with checked access: bad values become problems naming table, line and task."""

    def __init__(self, c: Collector, table: str, line: int, row: dict[str, str], who: str = ""):
        self.c, self.table, self.line, self.row, self.who = c, table, line, row, who

    @property
    def where(self) -> str:
        who = f", {self.who}" if self.who else ""
        line = f" line {self.line}" if self.line else ""
        return f"{self.table}{line}{who}"

    def text(self, key: str) -> str:
        return self.row.get(key, "").strip()

    def number(self, key: str) -> float:
        try:
            return _number(self.row.get(key, ""))
        except ValueError:
            self.c.error(self.where, must(key, "a number", self.row.get(key)))
            return 0.0

    def date(self, key: str) -> dt.datetime | None:
        try:
            return _date(self.row.get(key, ""), key)
        except ValueError as exc:
            self.c.error(self.where, str(exc))
            return None

    # Fields the schedule does not depend on (planned and late dates, the original
    # duration): P6 keeps absurd values in them after progress (a planned finish in
    # 4637), so a bad one is warned about and left out, never a reason to refuse the file.

    def info_date(self, key: str) -> dt.datetime | None:
        try:
            return _date(self.row.get(key, ""), key)
        except ValueError:
            self.c.unused(key, self.ident, self.row.get(key, "").strip())
            return None

    def info_number(self, key: str, limit: float = math.inf) -> float | None:
        """The number in ``key``; None (and a warning) when unreadable, negative or,
        in working days, beyond ``limit``."""
        raw = self.row.get(key, "").strip()
        try:
            x = _number(raw)
        except ValueError:
            x = -1.0
        if x < 0 or x > limit:
            self.c.unused(key, self.ident, raw)
            return None
        return x

    @property
    def ident(self) -> str:
        return self.row.get("task_code", "").strip() or self.who or f"line {self.line}"


# --------------------------------------------------------------------------- calendars


@dataclass
class _Node:
    name: str
    attrs: str
    children: list[_Node]


def _parse_clndr(data: str) -> _Node:
    """Parse P6's nested calendar text ``(0||Name(attrs)(children))``."""
    i = 0
    n = len(data)

    def skip(i: int) -> int:
        while i < n and data[i] in " \t\r\n\x7f":
            i += 1
        return i

    def node(i: int) -> tuple[_Node, int]:
        i = skip(i)
        if i >= n or data[i] != "(":
            raise ValueError(f"expected '(' at character {i + 1}")
        j = data.index("(", i + 1)
        header = data[i + 1 : j]
        k = data.index(")", j)
        attrs = data[j + 1 : k]
        i = skip(k + 1)
        if i >= n or data[i] != "(":
            raise ValueError(f"expected '(' at character {i + 1}")
        i += 1
        children = []
        while True:
            i = skip(i)
            if i >= n:
                raise ValueError("unexpected end of the calendar data")
            if data[i] == ")":
                i += 1
                break
            child, i = node(i)
            children.append(child)
        i = skip(i)
        if i >= n or data[i] != ")":
            raise ValueError(f"expected ')' at character {i + 1}")
        return _Node(header.split("||", 1)[-1].strip(), attrs, children), i + 1

    root, _ = node(i)
    return root


def _period(attrs: str) -> tuple[float, float]:
    """Start and finish hour of a work period ``s|08:00|f|16:00`` (either order; a
    finish of 00:00 is midnight at the end of the day)."""
    parts = attrs.split("|")
    kv = dict(zip(parts[0::2], parts[1::2], strict=False))

    def hours(text: str) -> float:
        h, _, m = text.strip().partition(":")
        return int(h) + int(m or 0) / 60

    start, finish = hours(kv["s"]), hours(kv["f"])
    if finish <= start:
        finish += 24
    return start, finish


def _period_hours(attrs: str) -> float:
    start, finish = _period(attrs)
    return finish - start


def _find(node: _Node, name: str) -> _Node | None:
    if node.name == name:
        return node
    for child in node.children:
        hit = _find(child, name)
        if hit is not None:
            return hit
    return None


def parse_calendar(row: _Row) -> CalendarInfo:
    """A P6 calendar from its ``CALENDAR`` row (work week and exceptions)."""
    cid, name = row.text("clndr_id"), row.text("clndr_name")
    declared = row.number("day_hr_cnt") or None
    if declared is not None and not 0 < declared <= 24:
        # Durations divide by it: a negative one would be blamed on every duration.
        row.c.error(row.where, must("day_hr_cnt", "between 0 and 24 hours", row.text("day_hr_cnt")))
        declared = None
    data = row.row.get("clndr_data", "")
    hours = [0.0] * 7  # Monday..Sunday
    holidays: list[dt.date] = []
    extra: list[dt.date] = []
    partial: list[tuple[dt.date, float]] = []
    far: list[str] = []  # exceptions on day numbers outside the dates a schedule holds
    bounds: dict[int, tuple[float, float]] = {}
    shapes: dict[int, tuple[tuple[float, float], ...]] = {}
    day_start, day_end = 8.0, 16.0
    if not data.strip():
        hpd = declared or 8.0
        return CalendarInfo(cid, name, "1111100", hpd, declared_hours_per_day=declared)
    try:
        root = _parse_clndr(data)
        week = _find(root, "DaysOfWeek")
        if week is not None:
            for day in week.children:
                if day.name.isdigit() and int(day.name) in P6_WEEKDAY:
                    periods = [_period(p.attrs) for p in day.children]
                    k = P6_WEEKDAY[int(day.name)]
                    hours[k] = sum(f - s for s, f in periods)
                    if periods:
                        bounds[k] = (min(s for s, _ in periods), max(f for _, f in periods))
                        shapes[k] = merge_hours([(s, f) for s, f in periods if f > s])
        working = [h for h in hours if h > 0]
        normal = Counter(working).most_common(1)[0][0] if working else (declared or 8.0)
        if bounds:
            day_start, day_end = Counter(bounds.values()).most_common(1)[0][0]
        # The working periods of a normal day (the most common among the work week's
        # days of the normal length) place times of day within it.
        normal_shapes = [p for k, p in shapes.items() if abs(hours[k] - normal) < 1e-9]
        periods_of_day = Counter(normal_shapes).most_common(1)[0][0] if normal_shapes else ()
        if any(f > 24 for _, f in periods_of_day):
            periods_of_day = ()  # a shift past midnight: times of day are not placed
        exceptions = _find(root, "Exceptions")
        for exc in exceptions.children if exceptions is not None else []:
            kv = exc.attrs.split("|")
            if len(kv) < 2 or kv[0].strip() != "d":
                continue
            try:
                day = serial_to_date(float(kv[1]))
            except ValueError:  # a day no schedule reaches: that exception alone is left
                far.append(kv[1].strip())
                continue
            h = sum(_period_hours(p.attrs) for p in exc.children)
            weekday_hours = hours[day.weekday()]
            if h == 0:
                if weekday_hours > 0:
                    holidays.append(day)
            elif weekday_hours == 0:
                extra.append(day)
            elif abs(h - weekday_hours) > 1e-9:
                partial.append((day, h))
    except (ValueError, KeyError, IndexError, RecursionError) as exc:
        # RecursionError: nesting deeper than Python's stack, which no P6 calendar has.
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        row.c.warn(
            row.where,
            f"calendar {name!r} (id {cid}): its clndr_data cannot be read ({reason}); "
            "assuming a Monday-to-Friday week without holidays",
        )
        hpd = declared or 8.0
        return CalendarInfo(cid, name, "1111100", hpd, declared_hours_per_day=declared)
    if far:
        row.c.warn(
            row.where,
            f"calendar {name!r} (id {cid}): {len(far)} exception(s) on day numbers outside "
            f"the supported dates ({FIRST_DATE} to {LAST_DATE}) left out: {id_list(far)}",
            ids=tuple(far),
        )
    mask = "".join("1" if h > 0 else "0" for h in hours)
    if "1" not in mask:
        row.c.warn(
            row.where,
            f"calendar {name!r} (id {cid}) has no working day; assuming Monday to Friday",
        )
        mask = "1111100"
    return CalendarInfo(
        id=cid,
        name=name,
        weekmask=mask,
        hours_per_day=normal,
        holidays=tuple(sorted(set(holidays))),
        extra_working_days=tuple(sorted(set(extra))),
        partial_days=tuple(sorted(set(partial))),
        declared_hours_per_day=declared,
        day_start=day_start,
        day_end=day_end,
        periods=periods_of_day,
    )


# --------------------------------------------------------------------------- reading


def list_projects(path: str | os.PathLike[str], encoding: str | None = None) -> list[dict]:
    """The projects in an XER file: ``proj_id``, ``short_name`` and task count."""
    source = os.fspath(path)
    c = Collector(source)
    text, _ = decode_xer(read_bytes(path), encoding)
    tables = parse_tables(text, c)
    c.raise_if_any()
    counts = Counter(r["proj_id"] for _, r in tables.get("TASK", XerTable("", [], [])).rows)
    return [
        {
            "proj_id": r.get("proj_id", ""),
            "short_name": r.get("proj_short_name", ""),
            "tasks": counts.get(r.get("proj_id", ""), 0),
        }
        for _, r in tables.get("PROJECT", XerTable("", [], [])).rows
    ]


def cross_project_relations(
    path: str | os.PathLike[str], encoding: str | None = None
) -> list[dict]:
    """The relations of an XER file between activities of different projects: the
    predecessor's and successor's project short names and activity ids (``task_code``),
    the type (FS, SS, FF, SF) and the lag in working days (hours over the successor
    calendar's ``day_hr_cnt``, 8 where it has none)."""
    source = os.fspath(path)
    c = Collector(source)
    text, _ = decode_xer(read_bytes(path), encoding)
    tables = parse_tables(text, c)
    c.raise_if_any()
    empty = XerTable("", [], [])
    short = {
        r.get("proj_id", "").strip(): r.get("proj_short_name", "").strip()
        for _, r in tables.get("PROJECT", empty).rows
    }
    hours = {}
    for _, r in tables.get("CALENDAR", empty).rows:
        try:
            hours[r.get("clndr_id", "").strip()] = float(r.get("day_hr_cnt", "") or 8.0) or 8.0
        except ValueError:
            hours[r.get("clndr_id", "").strip()] = 8.0
    tasks = {
        r.get("task_id", "").strip(): (
            r.get("proj_id", "").strip(),
            r.get("task_code", "").strip(),
            r.get("clndr_id", "").strip(),
        )
        for _, r in tables.get("TASK", empty).rows
    }
    out = []
    for _, r in tables.get("TASKPRED", empty).rows:
        succ = tasks.get(r.get("task_id", "").strip())
        pred = tasks.get(r.get("pred_task_id", "").strip())
        if succ is None or pred is None or succ[0] == pred[0]:
            continue
        try:
            lag_hours = float(r.get("lag_hr_cnt", "") or 0.0)
        except ValueError:
            lag_hours = 0.0
        out.append(
            {
                "predecessor_project": short.get(pred[0], pred[0]),
                "predecessor": pred[1],
                "successor_project": short.get(succ[0], succ[0]),
                "successor": succ[1],
                "type": LINK_TYPES.get(r.get("pred_type", "").strip(), "FS"),
                "lag": round(lag_hours / hours.get(succ[2], 8.0), 9),
            }
        )
    return out


def read_xer(
    path: str | os.PathLike[str], project: str | None = None, encoding: str | None = None
) -> ImportedSchedule:
    """Read a Primavera P6 XER export.

    Parameters
    ----------
    path : path-like
    project : str, optional
        Which project to read when the file holds several: its ``proj_id`` or its short
        name (the P6 project id). Required when there is more than one project.
    encoding : str, optional
        The file's codec; detected when omitted (see ``decode_xer``).

    Returns
    -------
    ImportedSchedule

    Raises
    ------
    ScenarioError
        Listing every problem found, each with the table, line and task code.
    """
    source = os.fspath(path)
    raw = read_bytes(path)
    try:
        text, codec = decode_xer(raw, encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ScenarioError(f"cannot decode the file with {encoding!r}: {exc}", source) from None
    c = Collector(source)
    tables = parse_tables(text, c)
    c.raise_if_any()
    return _Reader(c, tables, codec).read(project)


class _Reader:
    def __init__(self, c: Collector, tables: dict[str, XerTable], codec: str) -> None:
        self.c = c
        self.tables = tables
        self.codec = codec

    def table(self, name: str, required: bool = True) -> XerTable:
        t = self.tables.get(name)
        if t is None:
            if required:
                self.c.error(
                    "",
                    f"the file has no {name} table; export the project again from P6 "
                    "(an XER export holds PROJECT, CALENDAR, PROJWBS, TASK and TASKPRED)",
                )
            return XerTable(name, [], [])
        return t

    # ---- project -------------------------------------------------------------

    def choose_project(self, wanted: str | None) -> dict[str, str]:
        rows = [r for _, r in self.table("PROJECT").rows]
        self.c.raise_if_any()
        if not rows:
            raise ScenarioError(
                "the PROJECT table has no rows: the file holds no project", self.c.source
            )
        listing = ", ".join(
            f"{r.get('proj_id', '')} ({r.get('proj_short_name', '')!r})" for r in rows
        )
        if wanted is None:
            if len(rows) == 1:
                return rows[0]
            exported = [r for r in rows if r.get("export_flag", "Y") != "N"]
            if len(exported) == 1:
                self.c.warn(
                    "PROJECT",
                    f"the file holds {len(rows)} projects ({listing}); reading "
                    f"{exported[0].get('proj_id', '')}, the one exported (the others are there "
                    "for external relations); choose another with --project ID",
                )
                return exported[0]
            raise ScenarioError(
                f"the file holds {len(rows)} projects: {listing}; choose one with "
                "--project ID (a proj_id or a project short name)",
                self.c.source,
            )
        for r in rows:
            if wanted in (r.get("proj_id", "").strip(), r.get("proj_short_name", "").strip()):
                return r
        raise ScenarioError(
            f"no project {wanted!r} in the file; it holds: {listing}", self.c.source
        )

    # ---- main ----------------------------------------------------------------

    def read(self, wanted: str | None) -> ImportedSchedule:
        c = self.c
        proj = self.choose_project(wanted)
        pid = proj.get("proj_id", "").strip()
        line = next((n for n, r in self.table("PROJECT").rows if r is proj), 0)
        prow = _Row(c, "PROJECT", line, proj, f"project {pid}")
        data_date = prow.date("last_recalc_date")
        plan_start = prow.date("plan_start_date")
        must_finish = prow.date("plan_end_date")
        lag_option = self._lag_option(pid)
        calendars = self._calendars()
        default_cal = proj.get("clndr_id", "").strip() or next(
            (
                r.get("clndr_id", "")
                for _, r in self.table("CALENDAR").rows
                if r.get("default_flag") == "Y"
            ),
            "",
        )

        wbs_path = self._wbs_paths(pid)
        task_rows = [(line, r) for line, r in self.table("TASK").rows if r.get("proj_id") == pid]
        c.raise_if_any()
        if not task_rows:
            raise ScenarioError(
                f"project {pid} ({proj.get('proj_short_name', '')!r}) has no activities in the "
                "TASK table",
                c.source,
            )
        costs = self._costs()

        parsed, by_internal, skipped = self._activities(task_rows, calendars, default_cal)
        if skipped:
            c.warn(
                "TASK",
                f"{len(skipped)} level-of-effort or WBS-summary activities left out (their "
                f"dates follow other activities): {id_list(skipped.values())}",
                ids=tuple(skipped.values()),
            )
        if not parsed:
            c.raise_if_any()
            raise ScenarioError(
                f"project {pid} has only level-of-effort or WBS-summary activities", c.source
            )

        # The project calendar: the one most activities use (the project's default
        # calendar on a tie), or the default calendar when lags count on it.
        if lag_option == "rcal_ProjDefault" and default_cal in calendars:
            main_id = default_cal
        else:
            used = Counter(cid for _, cid in parsed)
            ranked = sorted(used.items(), key=lambda kv: (-kv[1], kv[0] != default_cal))
            main_id = ranked[0][0]
        main = calendars[main_id]
        names = scenario_calendar_names([cid for _, cid in parsed], calendars, main_id)

        facts = {row.text("task_code"): self._facts(row, calendars[cid]) for row, cid in parsed}
        # Rows with bad values are reported; the rest are read on so one run reports all.
        parsed = [(row, cid) for row, cid in parsed if facts[row.text("task_code")] is not None]
        facts = {code: f for code, f in facts.items() if f is not None}
        start, project_data_date = self._progress(
            facts,
            {row.text("task_code"): calendars[cid] for row, cid in parsed},
            main,
            plan_start,
            data_date,
            prow,
        )
        progressed = any(f.status != NOT_STARTED for f in facts.values())

        links = self._links(pid, by_internal, skipped, calendars, lag_option, default_cal, main_id)
        self._progress_option(pid, links, facts)

        tasks, extras = [], []
        dropped_constraints: dict[str, list[str]] = defaultdict(list)
        for row, cid in parsed:
            built = self._task(
                row,
                facts[row.text("task_code")],
                calendars[cid],
                names[cid],
                start,
                progressed,
                wbs_path,
                costs,
                links,
                dropped_constraints,
            )
            if built is not None:
                tasks.append(built[0])
                extras.append(built[1])
        if plan_start is not None and plan_start.date() == start:
            used_infos = [calendars[cid] for cid in names]
            tasks = open_starts_at(tasks, data_moment(plan_start, start, used_infos))
        file_resources, file_assignments = self._assignments(by_internal, facts, progressed, start)
        tasks, resources = carry_resources(
            c, "TASKRSRC", file_resources, file_assignments, tasks, extras, calendars, start, "P6"
        )
        warn_dropped_constraints(c, "TASK", dropped_constraints)
        c.warn_unused("TASK")
        c.raise_if_any()
        schedule_calendar_warnings(
            c, "CALENDAR clndr_id {id}", [calendars[cid] for cid in names], start, extras
        )
        self._warn_declared_hours([calendars[cid] for cid in names])
        project = Project(
            name=proj.get("proj_short_name", "").strip() or f"project {pid}",
            start=start,
            calendar=main.calendar(),
            calendars=tuple(
                (names[cid], calendars[cid].calendar()) for cid in names if cid != main_id
            ),
            lag_calendar=LAG_CALENDARS[lag_option],
            data_date=project_data_date,
            # "Make open-ended activities critical" (P6's default: no).
            open_ended_critical=self._options(pid)
            .get("sched_open_critical_flag", "N")
            .strip()
            .upper()
            == "Y",
            deadline=must_finish.date() if must_finish and must_finish.date() >= start else None,
            currency=self._currency(),
        )
        try:
            scenario = Scenario(
                project=project, tasks=tuple(tasks), source=c.source, resources=resources
            )
        except ScenarioError as exc:
            raise ScenarioError(list(exc.problems), source=c.source) from None
        return ImportedSchedule(
            scenario=scenario,
            tasks=tuple(extras),
            format="XER",
            source=c.source,
            project_id=pid,
            project_name=proj.get("proj_short_name", "").strip(),
            data_date=data_date,
            planned_start=plan_start,
            target_finish=must_finish.date() if must_finish else None,
            calendars=calendars,
            main_calendar=main.id,
            calendar_names=names,
            progressed=progressed,
            warnings=tuple(c.warnings),
            notes=(f"read with codec {self.codec}",),
        )

    def _progress_option(
        self, pid: str, links: dict[str, list[Link]], facts: dict[str, _Facts]
    ) -> None:
        """P6's scheduling of out-of-sequence progress. Retained logic (the default):
        the remaining work of an activity in progress still waits for its predecessors,
        as pmo-sim schedules it. Progress override: its predecessors no longer bind it,
        so their relations are left out (reported). Actual dates: scheduled as retained
        logic, reported."""
        options = self._options(pid)
        retained = options.get("sched_retained_logic", "Y").strip().upper() != "N"
        override = options.get("sched_progress_override", "N").strip().upper() == "Y"
        if retained:
            return
        started = [
            code
            for code, f in facts.items()
            if (f.progress.status if f.progress else f.status) == IN_PROGRESS and links.get(code)
        ]
        if override:
            for code in started:
                links.pop(code)
            if started:
                self.c.warn(
                    "SCHEDOPTIONS",
                    f"progress override: the relations into {len(started)} activities in "
                    f"progress are left out, as P6 schedules them: {id_list(started)}",
                    ids=started,
                )
        else:
            self.c.warn(
                "SCHEDOPTIONS",
                "the project schedules out-of-sequence progress by actual dates; pmo-sim "
                "schedules it as retained logic (remaining work waits for its predecessors)",
            )

    def _options(self, pid: str) -> dict[str, str]:
        """The project's row of SCHEDOPTIONS (empty when the file has none)."""
        return next(
            (r for _, r in self.table("SCHEDOPTIONS", False).rows if r.get("proj_id") == pid), {}
        )

    def _lag_option(self, pid: str) -> str:
        """The project's sched_calendar_on_relationship_lag (P6's default when absent)."""
        options = self._options(pid)
        lag_option = options.get("sched_calendar_on_relationship_lag", "").strip()
        if lag_option not in LAG_CALENDARS:
            if lag_option:
                self.c.warn(
                    "SCHEDOPTIONS",
                    f"unknown sched_calendar_on_relationship_lag {lag_option!r}; lags count "
                    "on the predecessor's calendar, P6's default",
                )
            lag_option = "rcal_Predecessor"
        return lag_option

    def _calendars(self) -> dict[str, CalendarInfo]:
        """Every calendar of the CALENDAR table, by clndr_id."""
        calendars = {}
        for line, r in self.table("CALENDAR").rows:
            row = _Row(self.c, "CALENDAR", line, r, f"clndr_id {r.get('clndr_id', '')}")
            info = parse_calendar(row)
            calendars[info.id] = info
        return calendars

    def _activities(
        self,
        task_rows: list[tuple[int, dict[str, str]]],
        calendars: dict[str, CalendarInfo],
        default_cal: str,
    ) -> tuple[list[tuple[_Row, str]], dict[str, str], dict[str, str]]:
        """The project's activities with their calendar ids, P6 task_id -> task_code of
        each, and the level-of-effort and WBS-summary activities left out (task_id ->
        task_code). Duplicate ids and unknown calendars are reported."""
        c = self.c
        by_internal: dict[str, str] = {}  # P6 task_id -> task_code
        skipped: dict[str, str] = {}
        seen: dict[str, int] = {}
        seen_internal: dict[str, int] = {}
        parsed = []
        for line, r in task_rows:
            code = r.get("task_code", "").strip()
            row = _Row(c, "TASK", line, r, f"task_code {code!r}")
            if not code:
                c.error(row.where, "'task_code' must be a non-empty activity id (got '')")
                continue
            if code in seen:
                c.error(row.where, f"duplicate task_code {code!r} (first on line {seen[code]})")
                continue
            seen[code] = line
            internal = row.text("task_id")
            if internal and internal in seen_internal:
                # Relations name activities by task_id: they could not be told apart.
                c.error(
                    row.where,
                    f"duplicate task_id {internal!r} (first on line {seen_internal[internal]}); "
                    "export the project from P6 again",
                )
                continue
            seen_internal[internal] = line
            kind = r.get("task_type", "").strip()
            if kind in DERIVED_TYPES:
                skipped[r.get("task_id", "")] = code
                continue
            cid = row.text("clndr_id") or default_cal
            if cid not in calendars:
                c.error(row.where, f"calendar id {cid} is not in the CALENDAR table")
                continue
            by_internal[r.get("task_id", "").strip()] = code
            parsed.append((row, cid))
        return parsed, by_internal, skipped

    def _warn_declared_hours(self, infos: list[CalendarInfo]) -> None:
        """Warn where a calendar's day_hr_cnt disagrees with its work week."""
        for info in infos:
            declared = info.declared_hours_per_day
            if declared and abs(declared - info.hours_per_day) > 1e-9:
                self.c.warn(
                    f"CALENDAR clndr_id {info.id}",
                    f"calendar {info.label} declares {declared:g} hours per day (day_hr_cnt) "
                    f"but its work week has {info.hours_per_day:g}; durations are converted "
                    f"with {info.hours_per_day:g} h per day, as P6 schedules them",
                )

    def _progress(
        self,
        facts: dict[str, _Facts],
        infos: dict[str, CalendarInfo],
        main: CalendarInfo,
        plan_start: dt.datetime | None,
        data_date: dt.datetime | None,
        prow: _Row,
    ) -> tuple[dt.date, dt.date | None]:
        """Settle every task's progress against the data date; return the project start
        and the scenario's data date (a date-time where it falls inside working hours)."""
        c = self.c
        started = {code: f for code, f in facts.items() if f.status != NOT_STARTED}
        # The data date is a time: at or after the end of a day's work, the next day.
        used = {id(i): i for i in infos.values()}.values()
        data_day = main.data_day(data_date, used) if data_date else None
        if data_day is None and started:
            actual = [
                d.date() for f in started.values() for d in (f.actual_start, f.actual_finish) if d
            ]
            if actual:
                data_day = max(actual)
                c.warn(
                    prow.where,
                    f"the project holds progress but no data date (last_recalc_date); using "
                    f"{data_day}, the latest actual date",
                )
        start = plan_start.date() if plan_start else data_day
        if start is None:
            c.error(
                prow.where,
                "the project has neither a planned start (plan_start_date) nor a data date "
                "(last_recalc_date)",
            )
            c.raise_if_any()
        changed: dict[str, list[str]] = defaultdict(list)
        for code, f in facts.items():
            info = infos[code]
            f.progress = settle_progress(
                f.status,
                info.working_day_of(f.actual_start, finish=False) if f.actual_start else None,
                info.working_day_of(f.actual_finish, finish=True) if f.actual_finish else None,
                data_day,
                f.remaining,
                f.planned,
                info,
            )
            if f.progress.changed:
                changed[f.progress.changed].append(code)
        for why, codes in changed.items():
            c.warn(
                "TASK",
                f"{len(codes)} activities {why} (data date {data_day}): {id_list(codes)}",
                ids=tuple(codes),
            )
        actual_starts = [f.progress.actual_start for f in facts.values() if f.progress.actual_start]
        if actual_starts and min(actual_starts) < start:
            first = min(actual_starts)
            early = [c_ for c_, f in facts.items() if f.progress.actual_start == first]
            c.warn(
                prow.where,
                f"activity {early[0]} started on {first}, before the planned start {start}; "
                f"the scenario starts on {first}",
            )
            start = first
        keeps = any(f.progress.status != NOT_STARTED for f in facts.values())
        if data_day is not None and (keeps or data_day > start):
            # A data date part-way through a working day, and actual dates at their times.
            moment = data_moment(data_date, data_day, used) if data_day >= start else start
            for code, f in facts.items():
                f.progress = with_times(
                    f.progress, f.actual_start, f.actual_finish, infos[code], moment
                )
            return start, moment
        return start, None

    # ---- pieces --------------------------------------------------------------

    def _wbs_paths(self, pid: str) -> dict[str, str]:
        nodes = {
            r.get("wbs_id", "").strip(): r
            for _, r in self.table("PROJWBS", False).rows
            if r.get("proj_id") == pid
        }
        paths: dict[str, str] = {}

        def path(wid: str, depth: int = 0) -> str:
            if wid in paths:
                return paths[wid]
            r = nodes.get(wid)
            if r is None or depth > 100:
                return ""
            name = r.get("wbs_short_name", "").strip()
            parent = r.get("parent_wbs_id", "").strip()
            if r.get("proj_node_flag") == "Y" or parent not in nodes:
                paths[wid] = name
            else:
                head = path(parent, depth + 1)
                paths[wid] = f"{head}.{name}" if head else name
            return paths[wid]

        for wid in nodes:
            path(wid)
        return paths

    def _costs(self) -> dict[str, dict[str, float]]:
        """Per P6 task_id: budget, rate-driven remaining cost, fixed remaining cost, spent."""
        out: dict[str, dict[str, float]] = defaultdict(
            lambda: {"budget": 0.0, "timed": 0.0, "fixed": 0.0, "spent": 0.0, "timed_budget": 0.0}
        )
        for line, r in self.table("TASKRSRC", False).rows:
            row = _Row(self.c, "TASKRSRC", line, r, f"taskrsrc_id {r.get('taskrsrc_id', '')}")
            acc = out[r.get("task_id", "").strip()]
            target = row.number("target_cost")
            spent = row.number("act_reg_cost") + row.number("act_ot_cost")
            remain = row.number("remain_cost")
            acc["budget"] += target
            acc["spent"] += spent
            if r.get("rsrc_type", "").strip() == "RT_Mat":
                acc["fixed"] += remain
            else:
                acc["timed"] += remain
                acc["timed_budget"] += target
        for line, r in self.table("PROJCOST", False).rows:
            row = _Row(self.c, "PROJCOST", line, r, f"cost_item_id {r.get('cost_item_id', '')}")
            acc = out[r.get("task_id", "").strip()]
            acc["budget"] += row.number("target_cost")
            acc["spent"] += row.number("act_cost")
            acc["fixed"] += row.number("remain_cost")
        return out

    def _assignments(
        self,
        by_internal: dict[str, str],
        facts: dict[str, _Facts],
        progressed: bool,
        start: dt.date,
    ) -> tuple[list[FileResource], list[FileAssignment]]:
        """The resources (``RSRC``, rates and maximum units from ``RSRCRATE``) the
        project's activities are assigned to (``TASKRSRC``), and those assignments.

        Units are P6's units per hour (``remain_qty_per_hr``, else ``target_qty_per_hr``):
        1 is one resource working full time. An assignment's amount is the cost the
        activity's rate per day holds for it (see ``_costs`` and ``_task``): its remaining
        cost, or its budget for an activity not started in a project without progress;
        material cost is fixed, so its amount is 0.
        """
        c = self.c
        rsrc = {
            r.get("rsrc_id", "").strip(): (line, r) for line, r in self.table("RSRC", False).rows
        }
        assignments: list[FileAssignment] = []
        no_resource, missing, no_units = [], [], []
        for line, r in self.table("TASKRSRC", False).rows:
            code = by_internal.get(r.get("task_id", "").strip())
            if code is None or code not in facts:
                continue  # another project's, or a level-of-effort or WBS-summary activity
            row = _Row(c, "TASKRSRC", line, r, f"taskrsrc_id {r.get('taskrsrc_id', '')}")
            rid = row.text("rsrc_id")
            if not rid:
                no_resource.append(code)
                continue
            if rid not in rsrc:
                missing.append(f"{code} ~ rsrc_id {rid}")
                continue
            units = row.number("remain_qty_per_hr")
            if units <= 0:
                units = row.number("target_qty_per_hr")
            if units <= 0:
                no_units.append(code)
                continue
            amount = 0.0
            if row.text("rsrc_type") != "RT_Mat":
                status = facts[code].status
                timed = progressed or status != NOT_STARTED
                amount = row.number("remain_cost" if timed else "target_cost")
            assignments.append(FileAssignment(code, rid, units, amount))
        if no_resource:
            c.warn(
                "TASKRSRC",
                f"{len(no_resource)} assignments name no resource (a role only): left out, "
                f"their cost stays on the activity: {id_list(dict.fromkeys(no_resource))}",
                ids=tuple(dict.fromkeys(no_resource)),
            )
        if missing:
            c.warn(
                "TASKRSRC",
                f"{len(missing)} assignments name resources missing from the RSRC table: "
                f"left out, their cost stays on the activity: {id_list(missing)}",
                ids=tuple(missing),
            )
        if no_units:
            c.warn(
                "TASKRSRC",
                f"{len(no_units)} assignments have no units per hour (remain_qty_per_hr, "
                f"target_qty_per_hr): left out, their cost stays on the activity: "
                f"{id_list(dict.fromkeys(no_units))}",
                ids=tuple(dict.fromkeys(no_units)),
            )
        used = {a.resource for a in assignments}
        rates: dict[str, list[tuple[dt.date | None, float, float]]] = defaultdict(list)
        for line, r in self.table("RSRCRATE", False).rows:
            rid = r.get("rsrc_id", "").strip()
            if rid not in used:
                continue
            row = _Row(c, "RSRCRATE", line, r, f"rsrc_rate_id {r.get('rsrc_rate_id', '')}")
            since = row.date("start_date")
            rate = row.number("cost_per_qty")
            if rate < 0:
                c.error(row.where, must("cost_per_qty", "0 or more", row.text("cost_per_qty")))
            rates[rid].append((since.date() if since else None, rate, row.number("max_qty_per_hr")))
        names = unique_resource_ids(
            (rid, r.get("rsrc_short_name", "") or r.get("rsrc_name", ""))
            for rid, (_, r) in rsrc.items()
        )
        resources = []
        for rid, (line, r) in rsrc.items():
            if rid not in used:
                continue
            table = sorted(rates[rid], key=lambda x: (x[0] is not None, x[0] or start))
            capacity, _ = rate_in_effect([(d, q) for d, _, q in table], start)
            if not table:
                # Older exports keep the maximum units on the resource itself.
                row = _Row(c, "RSRC", line, r, f"rsrc_id {rid}")
                capacity = row.number("max_qty_per_hr") or row.number("def_max_qty_per_hr")
            resources.append(
                FileResource(
                    key=rid,
                    id=names[rid],
                    name=r.get("rsrc_name", "").strip(),
                    material=r.get("rsrc_type", "").strip() == "RT_Mat",
                    hourly_rates=tuple((d, x) for d, x, _ in table if x >= 0),
                    capacity=capacity if capacity > 0 else None,
                )
            )
        return resources, assignments

    def _links(
        self,
        pid: str,
        by_internal: dict[str, str],
        skipped: dict[str, str],
        calendars: dict[str, CalendarInfo],
        lag_option: str,
        default_cal: str,
        main_id: str,
    ) -> dict[str, list[Link]]:
        c = self.c
        task_cal = {
            r.get("task_id", "").strip(): r.get("clndr_id", "").strip() or default_cal
            for _, r in self.table("TASK").rows
        }
        all_tasks = {
            r.get("task_id", "").strip(): (r.get("proj_id", ""), r.get("task_code", ""))
            for _, r in self.table("TASK").rows
        }
        links: dict[str, list[Link]] = defaultdict(list)
        external, missing, derived = [], [], 0
        for line, r in self.table("TASKPRED", False).rows:
            succ_internal = r.get("task_id", "").strip()
            pred_internal = r.get("pred_task_id", "").strip()
            if succ_internal not in by_internal and pred_internal not in by_internal:
                continue  # a relation of another project
            if succ_internal in skipped or pred_internal in skipped:
                derived += 1
                continue
            row = _Row(c, "TASKPRED", line, r, f"task_pred_id {r.get('task_pred_id', '')}")
            if succ_internal not in by_internal or pred_internal not in by_internal:
                inside, outside = (
                    (succ_internal, pred_internal)
                    if succ_internal in by_internal
                    else (pred_internal, succ_internal)
                )
                if outside in all_tasks:
                    proj, code = all_tasks[outside]
                    external.append(f"{by_internal[inside]} ~ {code} (project {proj})")
                else:
                    missing.append(f"{by_internal[inside]} ~ task_id {outside}")
                continue
            kind = LINK_TYPES.get(row.text("pred_type"))
            if kind is None:
                c.error(
                    row.where,
                    must("pred_type", "one of PR_FS, PR_SS, PR_FF, PR_SF", row.text("pred_type")),
                )
                continue
            hours = row.number("lag_hr_cnt")
            if lag_option == "rcal_24Hour":
                lag_days = hours / 24.0
            else:
                # Lag hours count on the lag calendar, so its working day converts them.
                cid = {
                    "rcal_Successor": task_cal.get(succ_internal, default_cal),
                    "rcal_ProjDefault": main_id,
                }.get(lag_option, task_cal.get(pred_internal, default_cal))
                info = calendars.get(cid)
                lag_days = hours / (info.hours_per_day if info else 8.0)
            try:
                link = Link(by_internal[pred_internal], kind, round(lag_days, 9))
            except ValueError as exc:  # a lag beyond any schedule
                c.error(row.where, str(exc))
                continue
            links[by_internal[succ_internal]].append(link)
        if external:
            c.warn(
                "TASKPRED",
                f"{len(external)} relations to activities of other projects dropped (pmo-sim "
                f"simulates one project): {id_list(external)}",
                ids=tuple(external),
            )
        if missing:
            c.warn(
                "TASKPRED",
                f"{len(missing)} relations to activities missing from the file dropped: "
                f"{id_list(missing)}",
                ids=tuple(missing),
            )
        if derived:
            c.warn(
                "TASKPRED",
                f"{derived} relations of level-of-effort or WBS-summary activities dropped",
            )
        if lag_option == "rcal_24Hour":
            c.warn(
                "SCHEDOPTIONS",
                "lags count on a 24-hour calendar in this project; pmo-sim counts them as "
                "working days of the successor's calendar (lag hours / 24), which lengthens "
                "lags over idle days",
            )
        return links

    def _facts(self, row: _Row, info: CalendarInfo) -> _Facts | None:
        """What the TASK row says about the activity's kind, durations and progress."""
        c = self.c
        status = STATUS.get(row.text("status_code"))
        if status is None:
            c.error(
                row.where,
                must(
                    "status_code", "TK_NotStart, TK_Active or TK_Complete", row.text("status_code")
                ),
            )
            return None
        hpd = info.hours_per_day
        if status == COMPLETE:
            # A complete activity's remaining duration is not scheduled (it is 0).
            remaining = (row.info_number("remain_drtn_hr_cnt") or 0.0) / hpd
        else:
            remaining = row.number("remain_drtn_hr_cnt") / hpd
            if remaining < 0:
                c.error(
                    row.where,
                    must("remain_drtn_hr_cnt", "0 or more hours", row.text("remain_drtn_hr_cnt")),
                )
                return None
        # The original duration schedules nothing (a not-started activity's remaining
        # duration is what P6 schedules); beyond MAX_DAYS it is taken as the remaining.
        hours = row.info_number("target_drtn_hr_cnt", limit=MAX_DAYS * hpd)
        planned = remaining if hours is None else hours / hpd
        return _Facts(
            status=status,
            milestone=MILESTONES.get(row.text("task_type"), ""),
            remaining=0.0 if status == COMPLETE else remaining,
            planned=planned,
            actual_start=row.date("act_start_date"),
            actual_finish=row.date("act_end_date"),
        )

    def _task(
        self,
        row: _Row,
        facts: _Facts,
        info: CalendarInfo,
        calendar_name: str,
        start: dt.date,
        progressed: bool,
        wbs_path: dict[str, str],
        costs: dict[str, dict[str, float]],
        links: dict[str, list[Link]],
        dropped_constraints: dict[str, list[str]],
    ) -> tuple[Task, ImportedTask] | None:
        c = self.c
        code = row.text("task_code")
        hpd = info.hours_per_day
        status = facts.status
        progress = facts.progress
        milestone = facts.milestone
        # Not started: remaining equals planned in P6; started: the remaining work.
        duration = 0.0 if milestone else round(progress.remaining, 9)

        constraints = []
        snet: dt.date | None = None
        fnet: dt.date | None = None
        mandatory_start: dt.date | None = None
        mandatory_finish: dt.date | None = None
        snlt: dt.date | None = None
        fnlt: dt.date | None = None
        alap = False
        for key, date_key in (("cstr_type", "cstr_date"), ("cstr_type2", "cstr_date2")):
            p6 = row.text(key)
            if not p6:
                continue
            common = CONSTRAINTS.get(p6)
            started = progress.status == IN_PROGRESS
            settled = (
                progress.status == COMPLETE
                or (started and common in ("SNET", "MSO", "SNLT", "MANDATORY_START"))
                or common in (None, "ALAP")
            )
            # The date of a constraint that progress has settled (or of none) schedules
            # nothing.
            when = row.info_date(date_key) if settled else row.date(date_key)
            if common is None:
                c.warn(row.where, f"unknown constraint type {p6!r} ignored")
                continue
            constraints.append((common, when))
            if progress.status == COMPLETE:
                continue
            if common == "MANDATORY_START" and when is not None:
                if not started:  # else the actual start has settled it
                    mandatory_start = info.moment_of(when, finish=False)
            elif common == "MANDATORY_FINISH" and when is not None:
                mandatory_finish = info.moment_of(when, finish=True)
            elif common in ("SNET", "MSO", "SNLT") and when is not None:
                if started:
                    continue  # the actual start has settled it
                # Start On is both bounds: P6 moves early dates by the lower, late
                # dates by the upper.
                moment = info.moment_of(when, finish=False)
                if common != "SNLT":
                    snet = latest_moment(snet, moment)
                if common != "SNET":
                    snlt = earliest_moment(snlt, moment)
            elif common in ("FNET", "MFO", "FNLT") and when is not None:
                moment = info.moment_of(when, finish=True)
                if common != "FNLT":
                    fnet = latest_moment(fnet, moment)
                if common != "FNET":
                    fnlt = earliest_moment(fnlt, moment)
            elif common == "ALAP":
                alap = True
            else:
                dropped_constraints[p6].append(code)

        # A task holds one hard date, which fixes it: a mandatory finish wins over a
        # mandatory start, either over as late as possible; a hard date before the
        # project start is not kept. Whatever is left out is reported.
        if mandatory_start is not None and mandatory_finish is not None:
            dropped_constraints["CS_MANDSTART (with a mandatory finish)"].append(code)
            mandatory_start = None
        for name, day in (("CS_MANDSTART", mandatory_start), ("CS_MANDFIN", mandatory_finish)):
            if day is not None and day_of(day) < start:
                dropped_constraints[f"{name} (before the project start)"].append(code)
        if mandatory_start is not None and day_of(mandatory_start) < start:
            mandatory_start = None
        if mandatory_finish is not None and day_of(mandatory_finish) < start:
            mandatory_finish = None
        if alap and (mandatory_start is not None or mandatory_finish is not None):
            dropped_constraints["CS_ALAP (with a mandatory date)"].append(code)
            alap = False

        internal = row.text("task_id")
        money = costs.get(internal)
        cost = None
        budget = fixed = per_day = 0.0
        if money is not None:
            budget = money["budget"]
            fixed = money["fixed"] + money["spent"]
            per_day = 0.0
            timed = money["timed"] if progressed or status != NOT_STARTED else money["timed_budget"]
            if status == NOT_STARTED and not progressed:
                fixed = money["budget"] - money["timed_budget"]
            if timed:
                if duration > 0:
                    per_day = timed / duration
                else:
                    fixed += timed
        if not (math.isfinite(fixed) and math.isfinite(per_day)):
            c.error(
                row.where,
                "its costs (TASKRSRC target, actual and remaining costs, PROJCOST expenses) "
                "add up beyond any real amount; check those values",
            )
            return None
        try:
            if fixed or per_day:
                cost = TaskCost(fixed=round(fixed, 6), per_day=round(per_day, 9))
            task = Task(
                id=code,
                name=row.text("task_name"),
                duration=duration,
                predecessors=tuple(links.get(code, ())),
                cost=cost,
                # A start milestone keeps its kind (it waits for its calendar's next
                # working time); a finish milestone is the plain instant.
                milestone="start" if milestone == "start" else bool(milestone),
                wbs=wbs_path.get(row.text("wbs_id"), ""),
                start_no_earlier_than=snet if binds_after_start(snet, start) else None,
                finish_no_earlier_than=fnet if fnet is not None and day_of(fnet) >= start else None,
                mandatory_start=mandatory_start,
                start_no_later_than=snlt,
                finish_no_later_than=fnlt,
                mandatory_finish=mandatory_finish,
                as_late_as_possible=alap,
                calendar=calendar_name,
                status=progress.status,
                actual_start=progress.actual_start,
                actual_finish=progress.actual_finish,
            )
        except (TypeError, ValueError) as exc:
            c.error(row.where, str(exc))
            return None
        remaining_start = row.info_date("restart_date")
        remaining_finish = row.info_date("reend_date")
        early_start = row.info_date("early_start_date")
        early_finish = row.info_date("early_end_date")
        if status == IN_PROGRESS:
            # P6 keeps the remaining work's early dates in restart/reend.
            early_start = remaining_start or early_start
            early_finish = remaining_finish or early_finish
        extra = ImportedTask(
            id=code,
            name=row.text("task_name"),
            status=status,
            milestone=milestone,
            calendar=info.id,
            planned_duration=facts.planned,
            remaining_duration=facts.remaining,
            percent_complete=row.info_number("phys_complete_pct") or 0.0,
            actual_start=facts.actual_start,
            actual_finish=facts.actual_finish,
            early_start=early_start,
            early_finish=early_finish,
            late_start=row.info_date("late_start_date"),
            late_finish=row.info_date("late_end_date"),
            baseline_start=row.info_date("target_start_date"),
            baseline_finish=row.info_date("target_end_date"),
            total_float=_total_float(row, hpd),
            constraints=tuple(constraints),
            wbs=task.wbs,
            budget=budget,
        )
        return task, extra

    def _currency(self) -> str:
        for _, r in self.table("CURRTYPE", False).rows:
            try:
                if float(r.get("base_exch_rate", "") or "nan") == 1.0:
                    return r.get("curr_short_name", "").strip()
            except ValueError:
                continue
        return ""


def _total_float(row: _Row, hours_per_day: float) -> float | None:
    """P6's total float in working days; None when the file gives none. Negative float
    is real (a late schedule): only an unreadable value is left out."""
    raw = row.text("total_float_hr_cnt")
    if not raw:
        return None
    try:
        return _number(raw) / hours_per_day
    except ValueError:
        row.c.unused("total_float_hr_cnt", row.ident, raw)
        return None
