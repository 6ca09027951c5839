"""Plans and risk registers kept in spreadsheets: CSV files, or XLSX through openpyxl.

Two tables, documented column by column in docs/importing.md ("Task tables (CSV or XLSX)"):

- a **task table**: ``id``, ``name``, ``predecessors`` (``a;b:SS+2;c:FF-1``), a duration
  (``duration`` for a fixed number, or ``dist`` and its parameters ``min``, ``mode``,
  ``max``, ...), ``fixed_cost``, ``per_day``, ``milestone``, ``wbs``,
  ``start_no_earlier_than``, the task's working days (``calendar``) and progress
  (``status``, ``actual_start``, ``actual_finish``); links may instead come from a
  separate **link table** (``predecessor``, ``successor``, ``type``, ``lag``);
- a **risk register**: ``id``, ``name``, ``probability``, ``tasks``, three-point
  ``delay_*``, ``factor_*`` and ``cost_*`` columns, ``type``, and the mitigated state
  (``mitigated_probability``, ``mitigated_delay_*``, ..., ``response_cost``).

Column names are matched without regard to case, spaces or dashes (``Fixed Cost`` is
``fixed_cost``). Every bad cell is reported with the file, the row (as the spreadsheet
numbers it, the header being row 1) and the task or risk id; the reader collects every
problem before raising.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...model.calendar import Calendar
from ...model.distributions import distribution_from_mapping
from ...model.errors import Problem, ScenarioError, must
from ...model.resources import Assignment, Resource
from ...model.risks import Impact, Mitigation, Risk
from ...model.scenario import Project, Scenario, reference_problems
from ...model.tasks import Link, Task, TaskCost
from .common import DATE_RANGE, Collector, ImportedSchedule, ImportedTask, in_range, read_bytes

#: Parameter columns of a distribution, as the scenario format names them.
PARAMETERS = (
    "value",
    "min",
    "mode",
    "max",
    "lambda",
    "mean",
    "sd",
    "low",
    "high",
    "low_pct",
    "high_pct",
    "values",
    "weights",
)
TASK_COLUMNS = (
    "id",
    "name",
    "predecessors",
    "duration",
    "dist",
    *PARAMETERS,
    "fixed_cost",
    "per_day",
    "milestone",
    "wbs",
    "start_no_earlier_than",
    "finish_no_earlier_than",
    "mandatory_start",
    "mandatory_finish",
    "start_no_later_than",
    "finish_no_later_than",
    "deadline",
    "as_late_as_possible",
    "calendar",
    "status",
    "actual_start",
    "actual_finish",
    "resources",
)
#: A resource table's columns: ``rate`` a number, or ``dist`` and its parameters.
RESOURCE_COLUMNS = ("id", "name", "rate", "dist", *PARAMETERS, "capacity")
LINK_COLUMNS = ("predecessor", "successor", "type", "lag")
RISK_COLUMNS = (
    "id",
    "name",
    "type",
    "status",
    "probability",
    "tasks",
    "delay",
    "delay_dist",
    "delay_min",
    "delay_mode",
    "delay_max",
    "factor",
    "factor_dist",
    "factor_min",
    "factor_mode",
    "factor_max",
    "cost",
    "cost_dist",
    "cost_min",
    "cost_mode",
    "cost_max",
    "mitigated_probability",
    "mitigated_delay",
    "mitigated_delay_dist",
    "mitigated_delay_min",
    "mitigated_delay_mode",
    "mitigated_delay_max",
    "mitigated_factor",
    "mitigated_factor_dist",
    "mitigated_factor_min",
    "mitigated_factor_mode",
    "mitigated_factor_max",
    "mitigated_cost",
    "mitigated_cost_dist",
    "mitigated_cost_min",
    "mitigated_cost_mode",
    "mitigated_cost_max",
    "response_cost",
)
#: Other names people give these columns.
ALIASES = {
    "task_id": "id",
    "activity": "id",
    "activity_id": "id",
    "task": "name",
    "task_name": "name",
    "description": "name",
    "most_likely": "mode",
    "ml": "mode",
    "optimistic": "min",
    "pessimistic": "max",
    "distribution": "dist",
    "predecessor_ids": "predecessors",
    "preds": "predecessors",
    "cost_per_day": "per_day",
    "rate": "per_day",
    "fixed": "fixed_cost",
    "snet": "start_no_earlier_than",
    "fnet": "finish_no_earlier_than",
    "snlt": "start_no_later_than",
    "fnlt": "finish_no_later_than",
    "alap": "as_late_as_possible",
    "workdays": "calendar",
    "work_days": "calendar",
    "working_days": "calendar",
    "actual_end": "actual_finish",
    "from": "predecessor",
    "to": "successor",
    "p": "probability",
    "likelihood": "probability",
    "affected_tasks": "tasks",
}
TRUE = {"true", "yes", "y", "1", "x"}
FALSE = {"false", "no", "n", "0", ""}


@dataclass(frozen=True)
class Row:
    """One spreadsheet row: its number as the spreadsheet shows it, and its cells."""

    number: int
    cells: dict[str, Any]

    def get(self, key: str) -> Any:
        value = self.cells.get(key)
        if isinstance(value, str):
            value = value.strip()
            return value if value else None
        return value


def _normalise(name: Any) -> str:
    key = re.sub(r"[\s\-]+", "_", str(name or "").strip().lower())
    return ALIASES.get(key, key)


# --------------------------------------------------------------------------- reading rows


def read_rows(
    path: str | os.PathLike[str], sheet: str | None = None, prefer: str | None = None
) -> list[Row]:
    """The rows of a CSV or XLSX table as ``Row`` objects (header names normalised).

    For a workbook, ``sheet`` names the sheet; without it, a sheet named ``prefer``
    (``tasks``, ``risks``) is used when there is one, else the first sheet.
    """
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_rows(p, sheet, prefer)
    raw = read_bytes(p)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:  # what Excel writes for "CSV (Comma delimited)" in western locales
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            line = raw[: exc.start].count(b"\n") + 1
            raise ScenarioError(
                f"line {line}: byte 0x{raw[exc.start]:02x} is neither UTF-8 nor Windows-1252 "
                "text; save the table as 'CSV UTF-8' (Excel: File > Save As)",
                os.fspath(p),
            ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        table = list(reader)
    except csv.Error as exc:
        raise ScenarioError(f"not a readable CSV table: {exc}", os.fspath(p)) from None
    _refuse_cut_short(text, table, os.fspath(p))
    return _rows_from_table(table, os.fspath(p))


def _refuse_cut_short(text: str, table: list[list[str]], source: str) -> None:
    """A table whose last row stops short of the header's columns with no line break
    after it was cut mid-row (an interrupted download, a mail attachment limit):
    refuse it rather than read a plausible but wrong last task."""
    rows = [r for r in table if any(cell.strip() for cell in r)]
    if len(rows) < 2 or text.endswith(("\n", "\r")):
        return
    last, header = rows[-1], rows[0]
    if len(last) < len(header):
        raise ScenarioError(
            f"row {len(table)}: the table stops after {len(last)} of its {len(header)} "
            "columns, with no line break after it: the file was cut short; save or copy "
            "the whole table again",
            source,
        )


def _xlsx_rows(path: Path, sheet: str | None, prefer: str | None) -> list[Row]:
    try:
        import openpyxl
    except ImportError:
        raise ScenarioError(
            "reading .xlsx workbooks needs the optional 'openpyxl' package: "
            'pip install ".[excel]" (or save the sheet as CSV)',
            os.fspath(path),
        ) from None
    read_bytes(path)  # a clean message for a missing file
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise ScenarioError(
            f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})", os.fspath(path)
        ) from None
    try:
        names = book.sheetnames
        if sheet is not None:
            if sheet not in names:
                raise ScenarioError(
                    f"no sheet {sheet!r} in the workbook; it has: {', '.join(names)}",
                    os.fspath(path),
                )
            chosen = sheet
        else:
            lowered = {n.strip().lower(): n for n in names}
            chosen = lowered.get(prefer or "", names[0])
        table = [list(r) for r in book[chosen].iter_rows(values_only=True)]
    finally:
        book.close()
    return _rows_from_table(table, f"{os.fspath(path)} [{chosen}]")


def _rows_from_table(table: list[list[Any]], source: str) -> list[Row]:
    while table and all(v is None or str(v).strip() == "" for v in table[0]):
        table = table[1:]
    if not table:
        raise ScenarioError("the table is empty: it needs a header row and data rows", source)
    header = [_normalise(h) for h in table[0]]
    seen: dict[str, int] = {}
    for k, h in enumerate(header):
        if h and h in seen:
            raise ScenarioError(
                f"column {k + 1} repeats the column name {table[0][k]!r} (column "
                f"{seen[h] + 1}); give every column its own name",
                source,
            )
        seen[h] = k
    rows = []
    for number, values in enumerate(table[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        cells = {h: v for h, v in zip(header, values, strict=False) if h}
        rows.append(Row(number, cells))
    return rows


# --------------------------------------------------------------------------- cells


def _number(row: Row, key: str, c: Collector, where: str) -> float | None:
    value = row.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        c.error(where, must(key, "a number", value))
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).replace("\u00a0", "").replace(" ", "")
    if text.endswith("%"):
        try:
            return float(text[:-1]) / 100.0
        except ValueError:
            pass
    try:
        return float(text)
    except ValueError:
        c.error(where, must(key, "a number", value))
        return None


def _bool(row: Row, key: str, c: Collector, where: str) -> bool:
    value = row.get(key)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    c.error(where, must(key, "true or false (yes/no, 1/0)", value))
    return False


def _date(row: Row, key: str, c: Collector, where: str) -> dt.date | None:
    value = row.get(key)
    if value is None:
        return None
    if isinstance(value, dt.datetime):  # a workbook's date cell
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            c.error(where, must(key, "a date like 2027-01-04", value))
            return None
    if not in_range(day):
        c.error(where, must(key, DATE_RANGE, value))
        return None
    return day


#: Spellings of a task's progress, read without regard to case, spaces or dashes.
STATUS_WORDS = {
    "not_started": "not started",
    "planned": "not started",
    "in_progress": "in progress",
    "started": "in progress",
    "complete": "complete",
    "completed": "complete",
    "done": "complete",
    "finished": "complete",
}


def _status(row: Row, c: Collector, where: str) -> str:
    value = row.get("status")
    if value is None:
        return "not started"
    status = STATUS_WORDS.get(_normalise(value))
    if status is None:
        c.error(where, must("status", '"not started", "in progress" or "complete"', value))
        return "not started"
    return status


def _calendar(row: Row, c: Collector, where: str) -> str:
    """The task's working days as the scenario format writes them ("mon-sat"), which
    also name its calendar; empty for the project calendar."""
    value = row.get("calendar")
    if value is None:
        return ""
    spec = str(value).strip().lower()
    try:
        Calendar(spec)
    except (TypeError, ValueError) as exc:
        c.error(where, f"'calendar' {value!r}: {exc}")
        return ""
    return spec


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [p.strip() for p in re.split(r"[;,\n]", str(value)) if p.strip()]


def _distribution(
    row: Row, c: Collector, where: str, prefix: str = "", fixed_key: str | None = None
) -> Any:
    """A distribution from ``<prefix>dist`` and ``<prefix><parameter>`` cells, or a fixed
    number from ``fixed_key``; None when the row gives none. Three-point columns without
    a family are triangular."""
    present = {}
    for p in PARAMETERS:
        key = f"{prefix}{p}"
        if row.get(key) is None:
            continue
        if p in ("values", "weights"):
            items = _list(row.get(key))
            numbers = []
            for item in items:
                try:
                    numbers.append(float(item))
                except ValueError:
                    c.error(where, must(key, "a list of numbers like 1;2;3", row.get(key)))
                    return None
            present[p] = numbers
        else:
            x = _number(row, key, c, where)
            if x is None:
                return None
            present[p] = x
    family = row.get(f"{prefix}dist")
    fixed = (
        _number(row, fixed_key, c, where) if fixed_key and row.get(fixed_key) is not None else None
    )
    if fixed is not None:
        if present or family:
            c.error(
                where,
                f"give either '{fixed_key}' (a fixed number) or '{prefix}dist' with its "
                f"parameters, not both",
            )
            return None
        return fixed
    if not present:
        if family:
            c.error(where, f"'{prefix}dist' is {family!r} but no parameter columns are filled")
        return None
    if family is None:
        if set(present) == {"min", "mode", "max"}:
            family = "triangular"
        else:
            c.error(
                where,
                f"'{prefix}dist' is required to read {', '.join(prefix + k for k in present)} "
                "(triangular, pert, uniform, normal, lognormal, trigen, discrete)",
            )
            return None
    try:
        return distribution_from_mapping(
            {"dist": str(family).strip().lower(), **present}, prefix + "dist"
        )
    except (TypeError, ValueError) as exc:
        c.error(where, str(exc))
        return None


#: A tail that tries to be a link type (two letters, maybe a lag) but is not one.
# A tail that reads as a link type (two letters, an optional signed lag), or as one of
# the four types followed by a lag that is not a plain number (``FS+1e999``, ``SS+2d``):
# a typing slip in the link, not part of a task id.
_TYPE_LIKE = re.compile(r"^[A-Za-z]{2}\s*(?:[+-][\s\d.]*)?$|^(?:FS|SS|FF|SF)\s*[+-]", re.I)
_LINK = re.compile(r"^(?P<type>FS|SS|FF|SF)\s*(?P<lag>[+-]\s*\d+(?:\.\d+)?)?$", re.IGNORECASE)


def parse_predecessors(text: str) -> list[Link]:
    """Links from ``"a;b:SS+2;c:FF-1"``: items split by ``;`` (or ``,``); an item is a task
    id, optionally followed by ``:TYPE`` and a signed lag in working days.

    The lag is read only after a type, so ids may contain ``+`` and ``-``.
    """
    links = []
    for item in _list(text):
        head, sep, tail = item.rpartition(":")
        m = _LINK.match(tail.strip()) if sep else None
        if m and head.strip():
            lag = float(m.group("lag").replace(" ", "")) if m.group("lag") else 0.0
            links.append(Link(head.strip(), m.group("type").upper(), lag))
        else:
            if sep and _TYPE_LIKE.match(tail.strip()):
                raise ValueError(must("predecessors", "items like a, b:SS+2 or c:FF-1", item))
            links.append(Link(item))
    return links


def parse_assignments(text: str) -> list[Assignment]:
    """Assignments from ``"crew:2;crane"``: items split by ``;`` (or ``,``); an item is a
    resource id, optionally followed by ``:`` and its units (default 1)."""
    out = []
    for item in _list(text):
        head, sep, tail = item.rpartition(":")
        if not sep:
            out.append(Assignment(item.strip()))
            continue
        try:
            units = float(tail)
        except ValueError:
            raise ValueError(must("resources", "items like crew:2 or crane", item)) from None
        out.append(Assignment(head.strip(), units))
    return out


def resources_from_rows(rows: Sequence[Row], c: Collector, source: str) -> list[Resource]:
    """Resources from resource-table rows (``id``, ``name``, ``rate`` or ``dist`` with
    its parameters, ``capacity``); problems go to ``c``."""
    # Column names are read with the task table's aliases, where "rate" is a task's
    # "per_day": a resource table's rate is its own column again.
    rows = [
        Row(r.number, {("rate" if k == "per_day" else k): v for k, v in r.cells.items()})
        for r in rows
    ]
    _check_columns(rows, RESOURCE_COLUMNS, c, "resource table")
    out = []
    seen: dict[str, int] = {}
    for row in rows:
        ident = row.get("id")
        where = f"{source} row {row.number}" + (
            f" (id {str(ident)!r})" if ident is not None else ""
        )
        if ident is None:
            c.error(where, "'id' is required: the resource id the task table's cells name")
            continue
        before = len(c.problems)
        if _id_text(ident) in seen:
            c.error(
                where,
                f"duplicate resource id {_id_text(ident)!r} (row {seen[_id_text(ident)]} has it)",
            )
            continue
        seen[_id_text(ident)] = row.number
        rate = _distribution(row, c, where, fixed_key="rate")
        capacity = _number(row, "capacity", c, where)
        if len(c.problems) > before:
            continue
        if capacity is not None and capacity <= 0:
            # Data sets write -1 or 0 for "no limit" (PSPLIB's reader does the same).
            c.warn(where, f"capacity {capacity:g} read as no capacity (unlimited)")
            capacity = None
        try:
            out.append(
                Resource(
                    _id_text(ident),
                    name=str(row.get("name") or ""),
                    rate=0.0 if rate is None else rate,
                    capacity=capacity,
                )
            )
        except (TypeError, ValueError) as exc:
            c.error(where, str(exc))
    return out


def _id_text(ident: Any) -> str:
    """An id cell as text (a spreadsheet number 12.0 is the id "12")."""
    if isinstance(ident, float) and ident.is_integer():
        return str(int(ident))
    return str(ident)


# --------------------------------------------------------------------------- tasks


def _check_columns(rows: Sequence[Row], allowed: Iterable[str], c: Collector, what: str) -> None:
    import difflib

    allowed = tuple(allowed)
    seen = set()
    for row in rows:
        for key in row.cells:
            if key in seen or key in allowed:
                continue
            seen.add(key)
            near = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            c.warn(
                "header",
                f"unknown column {key!r}{hint} ignored; a {what} takes: {', '.join(allowed)}",
            )


def tasks_from_rows(
    rows: Sequence[Row],
    c: Collector,
    link_rows: Sequence[Row] | None = None,
    link_source: str = "links",
) -> list[Task]:
    """Tasks from task-table rows (and optional link-table rows); problems go to ``c``."""
    _check_columns(rows, TASK_COLUMNS, c, "task table")
    if rows and "id" not in rows[0].cells:
        c.error("header", "the task table needs an 'id' column (a unique id per task)")
        return []
    extra_links: dict[str, list[Link]] = {}
    if link_rows is not None:
        _check_columns(link_rows, LINK_COLUMNS, c, "link table")
        for row in link_rows:
            where = f"{link_source} row {row.number}"
            pred, succ = row.get("predecessor"), row.get("successor")
            if pred is None or succ is None:
                c.error(where, "'predecessor' and 'successor' are both required")
                continue
            lag = _number(row, "lag", c, where) or 0.0
            try:
                link = Link(str(pred), str(row.get("type") or "FS"), lag)
            except (TypeError, ValueError) as exc:
                c.error(where, str(exc))
                continue
            extra_links.setdefault(str(succ), []).append(link)
    tasks = []
    for row in rows:
        ident = row.get("id")
        where = f"row {row.number}" + (f" (id {str(ident)!r})" if ident is not None else "")
        if ident is None:
            c.error(where, "'id' is required: a unique task id")
            continue
        ident = (
            str(ident)
            if not isinstance(ident, float) or not ident.is_integer()
            else str(int(ident))
        )
        before = len(c.problems)
        duration = _distribution(row, c, where, fixed_key="duration")
        milestone = _bool(row, "milestone", c, where)
        try:
            links = parse_predecessors(row.get("predecessors") or "")
        except ValueError as exc:
            c.error(where, str(exc))
            links = []
        links += extra_links.pop(ident, [])
        fixed = _number(row, "fixed_cost", c, where)
        per_day = _number(row, "per_day", c, where)
        snet = _date(row, "start_no_earlier_than", c, where)
        fnet = _date(row, "finish_no_earlier_than", c, where)
        must_start = _date(row, "mandatory_start", c, where)
        must_finish = _date(row, "mandatory_finish", c, where)
        snlt = _date(row, "start_no_later_than", c, where)
        fnlt = _date(row, "finish_no_later_than", c, where)
        deadline = _date(row, "deadline", c, where)
        alap = _bool(row, "as_late_as_possible", c, where)
        calendar = _calendar(row, c, where)
        status = _status(row, c, where)
        actual_start = _date(row, "actual_start", c, where)
        actual_finish = _date(row, "actual_finish", c, where)
        try:
            cell = row.get("resources")  # a spreadsheet number (resource 0) is an id too
            assignments = parse_assignments("" if cell is None else _id_text(cell))
        except (TypeError, ValueError) as exc:
            c.error(where, str(exc))
        if len(c.problems) > before:
            continue
        if duration is None and not milestone and status != "complete":
            c.error(
                where,
                "a duration is required: a number in 'duration', or 'dist' with 'min', 'mode', "
                "'max' (or mark the task as a milestone)",
            )
            continue
        try:
            cost = (
                TaskCost(fixed=fixed or 0.0, per_day=per_day or 0.0)
                if fixed is not None or per_day is not None
                else None
            )
            tasks.append(
                Task(
                    id=ident,
                    name=str(row.get("name") or ""),
                    duration=duration,
                    predecessors=tuple(links),
                    cost=cost,
                    milestone=milestone,
                    wbs=str(row.get("wbs") or ""),
                    start_no_earlier_than=snet,
                    finish_no_earlier_than=fnet,
                    mandatory_start=must_start,
                    mandatory_finish=must_finish,
                    start_no_later_than=snlt,
                    finish_no_later_than=fnlt,
                    deadline=deadline,
                    as_late_as_possible=alap,
                    calendar=calendar,
                    status=status,
                    actual_start=actual_start,
                    actual_finish=actual_finish,
                    resources=tuple(assignments),
                )
            )
        except (TypeError, ValueError) as exc:
            c.error(where, str(exc))
    for succ in extra_links:
        c.error(link_source, f"successor {succ!r} is not a task of the task table")
    return tasks


def read_task_table(
    path: str | os.PathLike[str],
    *,
    start: dt.date | str,
    name: str | None = None,
    calendar: Calendar | str = "mon-fri",
    links: str | os.PathLike[str] | None = None,
    sheet: str | None = None,
    data_date: dt.date | str | None = None,
    resource_table: str | os.PathLike[str] | None = None,
) -> ImportedSchedule:
    """Read a task table (CSV or XLSX) into an ``ImportedSchedule``.

    Parameters
    ----------
    path : path-like
        The task table.
    start : date or str
        The project start (a task table does not hold one).
    name : str, optional
        Project name (default: the file's name).
    calendar : Calendar or str
        Working days, as the scenario format writes them (default ``"mon-fri"``).
    links : path-like, optional
        A separate link table (``predecessor``, ``successor``, ``type``, ``lag``).
    sheet : str, optional
        The workbook sheet (default: one named ``tasks``, else the first).
    data_date : date or str, optional
        The status date progress was recorded at; required when a row has a ``status``
        other than not started.
    resource_table : path-like, optional
        A resource table (``id``, ``name``, ``rate`` or ``dist`` with its parameters,
        ``capacity``) for the task table's ``resources`` cells (``crew:2;crane``); a
        resource the cells name that it lacks (or all of them, without a table) comes
        in with rate 0 and no capacity, with a warning.

    A ``calendar`` cell gives the task's working days (``mon-sat``, ``all-days``,
    ``sun-thu``, ``1111110``); each distinct one becomes a task calendar named by it.
    Holidays are not taken from a task table: ``pmo-sim import`` writes a scenario in
    which ``[calendars]`` can be edited.
    """
    source = os.fspath(path)
    rows = read_rows(path, sheet, prefer="tasks")
    c = Collector(source)
    link_rows = read_rows(links, prefer="links") if links is not None else None
    tasks = tasks_from_rows(rows, c, link_rows, os.fspath(links) if links else "links")
    resources: list[Resource] = []
    if resource_table is not None:
        resource_source = os.fspath(resource_table)
        resources = resources_from_rows(
            read_rows(resource_table, prefer="resources"), c, resource_source
        )
    named = {r.id for r in resources}
    missing = sorted({a.resource for t in tasks for a in t.resources} - named)
    if missing:
        c.warn(
            "resources",
            f"{len(missing)} resources named in the task table are not in a resource table "
            f"(--resource-table): they come in with rate 0 and no capacity: "
            f"{', '.join(repr(x) for x in missing[:5])}{' ...' if len(missing) > 5 else ''}",
        )
        resources += [Resource(x) for x in missing]
    if not tasks and not c.problems:
        c.error("", "the task table has no tasks")
    if not c.problems:
        # Duplicate and unknown ids, cycles: located by spreadsheet row, as below.
        numbers = [r.number for r in rows]
        c.problems.extend(_at_row(p, numbers) for p in reference_problems(tasks, (), ()))
    if data_date is None and any(t.started for t in tasks):
        first = next(t for t in tasks if t.started)
        c.error(
            "",
            f"task {first.id!r} is {first.status!r} but no data date was given (the status "
            "date progress was recorded at): give it with --data-date 2027-03-01 "
            "(data_date= in Python)",
        )
    c.raise_if_any()
    try:
        cal = calendar if isinstance(calendar, Calendar) else Calendar(calendar)
        task_calendars = {t.calendar: Calendar(t.calendar) for t in tasks if t.calendar}
        project = Project(
            name=name or Path(source).stem,
            start=start,
            calendar=cal,
            calendars=task_calendars,
            data_date=data_date,
        )
        scenario = Scenario(
            project=project, tasks=tuple(tasks), source=source, resources=tuple(resources)
        )
    except ScenarioError as exc:
        # The model numbers tasks as tasks[1], tasks[2], ...; the user knows their rows.
        numbers = [r.number for r in rows]
        problems = [_at_row(problem, numbers) for problem in exc.problems]
        raise ScenarioError(problems, source=source) from None
    except (TypeError, ValueError) as exc:
        raise ScenarioError(str(exc), source=source) from None
    extras = tuple(
        ImportedTask(
            id=t.id,
            name=t.name,
            milestone="finish" if t.milestone else "",
            status=t.status,
            calendar=t.calendar or (calendar if isinstance(calendar, str) else ""),
            planned_duration=t.duration.deterministic,
            remaining_duration=0.0 if t.status == "complete" else t.duration.deterministic,
            actual_start=_midnight(t.actual_start),
            actual_finish=_midnight(t.actual_finish),
            wbs=t.wbs,
            constraints=_constraints(t),
        )
        for t in tasks
    )
    return ImportedSchedule(
        scenario=scenario,
        tasks=extras,
        format="CSV",
        source=source,
        project_name=project.name,
        data_date=_midnight(project.data_date),
        progressed=any(t.started for t in tasks),
        warnings=tuple(c.warnings),
    )


def _at_row(problem: Problem, numbers: list[int]) -> Problem:
    """``problem`` located by spreadsheet row rather than by position among the tasks
    (every row made a task, or reading would have stopped before)."""

    def at_row(match: re.Match) -> str:
        k = int(match.group(1))
        return f"row {numbers[k - 1]}" if 0 < k <= len(numbers) else match.group(0)

    # In the place, and in messages that point at another task ("first used by tasks[2]").
    where = re.sub(r"^tasks\[(\d+)\]", at_row, problem.where)
    return Problem(where, re.sub(r"\btasks\[(\d+)\]", at_row, problem.message))


def _constraints(t: Task) -> tuple[tuple[str, dt.datetime | None], ...]:
    """The task's constraints as ``ImportedTask.constraints`` (for the health check)."""
    out: list[tuple[str, dt.datetime | None]] = []
    if t.start_no_earlier_than is not None:
        out.append(("SNET", _midnight(t.start_no_earlier_than)))
    if t.finish_no_earlier_than is not None:
        out.append(("FNET", _midnight(t.finish_no_earlier_than)))
    if t.mandatory_start is not None:
        out.append(("MANDATORY_START", _midnight(t.mandatory_start)))
    if t.mandatory_finish is not None:
        out.append(("MANDATORY_FINISH", _midnight(t.mandatory_finish)))
    if t.start_no_later_than is not None:
        out.append(("SNLT", _midnight(t.start_no_later_than)))
    if t.finish_no_later_than is not None:
        out.append(("FNLT", _midnight(t.finish_no_later_than)))
    if t.as_late_as_possible:
        out.append(("ALAP", None))
    return tuple(out)


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else dt.datetime.combine(day, dt.time())


# --------------------------------------------------------------------------- risks


def _mitigated_row(row: Row) -> Row:
    """The row with each three-point value the mitigated columns leave out taken from the
    pre-mitigation columns: ``mitigated_delay_max`` alone mitigates only the maximum.

    This is the rule of scenario files, cell by cell: what the mitigated columns give
    replaces the row's value, the rest stays; and a row's mitigated impact replaces that
    row's impact on its tasks only (see ``risks_from_rows``)."""
    cells = dict(row.cells)
    for kind in ("delay", "factor", "cost"):
        given = [p for p in PARAMETERS if row.get(f"mitigated_{kind}_{p}") is not None]
        if not given:
            continue
        for p in PARAMETERS:
            if row.get(f"mitigated_{kind}_{p}") is None and row.get(f"{kind}_{p}") is not None:
                cells[f"mitigated_{kind}_{p}"] = row.get(f"{kind}_{p}")
        if row.get(f"mitigated_{kind}_dist") is None and row.get(f"{kind}_dist") is not None:
            cells[f"mitigated_{kind}_dist"] = row.get(f"{kind}_dist")
    return Row(row.number, cells)


def risks_from_rows(rows: Sequence[Row], c: Collector) -> list[Risk]:
    """Risks from register rows; a row repeating the previous row's id with no
    probability adds another impact (other tasks, other values) to that risk."""
    _check_columns(rows, RISK_COLUMNS, c, "risk register")
    if rows and "id" not in rows[0].cells:
        c.error("header", "the risk register needs an 'id' column (a unique id per risk)")
        return []
    groups: list[list[Row]] = []
    for row in rows:
        ident = row.get("id")
        if (
            groups
            and ident is not None
            and str(ident) == str(groups[-1][0].get("id"))
            and row.get("probability") is None
        ):
            groups[-1].append(row)
        else:
            groups.append([row])
    risks = []
    for group in groups:
        first = group[0]
        ident = first.get("id")
        where = f"row {first.number}" + (f" (id {str(ident)!r})" if ident is not None else "")
        if ident is None:
            c.error(where, "'id' is required: a unique risk id")
            continue
        before = len(c.problems)
        probability = _number(first, "probability", c, where)
        if probability is None and len(c.problems) == before:
            c.error(where, "'probability' is required (0 to 1, or a percentage like 30%)")
        impacts, m_impacts = [], []
        for row in group:
            rw = f"row {row.number} (id {str(ident)!r})"
            tasks = _list(row.get("tasks"))
            delay = _distribution(row, c, rw, "delay_", "delay")
            factor = _distribution(row, c, rw, "factor_", "factor")
            mrow = _mitigated_row(row)
            m_delay = _distribution(mrow, c, rw, "mitigated_delay_", "mitigated_delay")
            m_factor = _distribution(mrow, c, rw, "mitigated_factor_", "mitigated_factor")
            if (delay is not None or factor is not None) and not tasks:
                c.error(rw, "'tasks' is required when a delay or factor is given (ids like a;b)")
                continue
            if tasks and delay is None and factor is None:
                c.error(rw, "'tasks' are listed but neither a delay nor a factor is given")
                continue
            try:
                if tasks:
                    impacts.append(Impact(tuple(tasks), delay, factor))
                    # The mitigated impact keeps the values the row does not mitigate. Every
                    # row is listed, mitigated or not: the model merges mitigated impacts by
                    # task (``merge_impacts``), so a row without mitigated columns must be
                    # there to keep its impact on a task that a mitigated row names too.
                    m_impacts.append(
                        (
                            m_delay is not None or m_factor is not None,
                            Impact(
                                tuple(tasks),
                                m_delay if m_delay is not None else delay,
                                m_factor if m_factor is not None else factor,
                            ),
                        )
                    )
            except (TypeError, ValueError) as exc:
                c.error(rw, str(exc))
        cost = _distribution(first, c, where, "cost_", "cost")
        m_cost = _distribution(_mitigated_row(first), c, where, "mitigated_cost_", "mitigated_cost")
        m_probability = _number(first, "mitigated_probability", c, where)
        response = _number(first, "response_cost", c, where)
        if len(c.problems) > before:
            continue
        mitigated = None
        changed = any(flag for flag, _ in m_impacts)
        if any(v is not None for v in (m_probability, m_cost, response)) or changed:
            try:
                mitigated = Mitigation(
                    probability=m_probability,
                    impacts=tuple(imp for _, imp in m_impacts) if changed else None,
                    cost=m_cost,
                    response_cost=response or 0.0,
                )
            except (TypeError, ValueError) as exc:
                c.error(where, f"mitigated: {exc}")
                continue
        kind = first.get("type")
        try:
            risks.append(
                Risk(
                    id=str(ident),
                    name=str(first.get("name") or ""),
                    probability=probability,
                    impacts=tuple(impacts),
                    cost=cost,
                    type=str(kind).strip().lower() if kind else None,
                    mitigated=mitigated,
                    status=str(first.get("status") or "open").strip().lower(),
                )
            )
        except (TypeError, ValueError) as exc:
            c.error(where, str(exc))
    return risks


def read_risk_register(
    path: str | os.PathLike[str], sheet: str | None = None, task_ids: Iterable[str] | None = None
) -> list[Risk]:
    """Read a risk register (CSV or XLSX).

    With ``task_ids``, impacts on unknown tasks are reported (with the row and risk id)
    rather than left for the scenario check.
    """
    source = os.fspath(path)
    rows = read_rows(path, sheet, prefer="risks")
    c = Collector(source)
    risks = risks_from_rows(rows, c)
    if not rows and not c.problems:
        # A header alone (or a stray line) is what an export cut short or the wrong file
        # looks like: refused like an empty file, not read as a register with no risks.
        c.error(
            "",
            "the risk register has no risks: it needs a header row with an 'id' column "
            "and a row per risk; leave out --risks for a run without risks",
        )
    if task_ids is not None:
        known = set(task_ids)
        # Row by row: a risk of several rows (one impact each) names the row that has
        # the unknown task, not the risk's first or last row.
        for r in rows:
            ident = r.get("id")
            where = f"row {r.number}" + (f" (id {str(ident)!r})" if ident is not None else "")
            for t in _list(r.get("tasks")):
                if t not in known:
                    c.error(
                        where, f"unknown task id {t!r} in 'tasks': the schedule has no such task"
                    )
    c.raise_if_any()
    return risks
