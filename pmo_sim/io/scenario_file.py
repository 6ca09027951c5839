"""Scenario files: TOML, read with the standard library's ``tomllib``.

``load(path)`` returns a validated ``Scenario`` or raises ``ScenarioError`` listing every
problem in the file, each with its place (``tasks[3] (id 'build', line 42).duration``)
and the rule it breaks. The format is documented in docs/scenario-format.md.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from typing import Any

from ..model.branches import Branch, BranchOption, condition_from_mapping
from ..model.calendar import Calendar, weekmask_from_spec
from ..model.distributions import distribution_from_mapping
from ..model.errors import Problem, ScenarioError, must
from ..model.resources import Assignment, Resource
from ..model.risks import Impact, Mitigation, Risk
from ..model.scenario import (
    Correlation,
    Project,
    Scenario,
    SimulationSettings,
    calendar_and_progress_problems,
    reference_problems,
)
from ..model.tasks import Link, Task, TaskCost
from ..model.weather import no_work_from_mapping, weather_from_mapping

TOP_KEYS = (
    "project",
    "calendars",
    "simulation",
    "tasks",
    "risks",
    "correlations",
    "branches",
    "resources",
)
PROJECT_KEYS = (
    "name",
    "id",
    "start",
    "calendar",
    "holidays",
    "hours",
    "lag_calendar",
    "data_date",
    "deadline",
    "budget",
    "currency",
    "open_ended_critical",
    "constraints_override_logic",
    "alap_float",
)
CALENDAR_KEYS = ("workdays", "holidays", "hours", "weather", "pattern", "no_work")
#: Years past the project start over which a yearly no-work window is laid out (the
#: calendar tables span ten years).
NO_WORK_YEARS = 11
SIMULATION_KEYS = ("iterations", "seed", "sampling", "levelling")
TASK_KEYS = (
    "id",
    "name",
    "duration",
    "cost",
    "predecessors",
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
    "exists",
    "resources",
    "priority",
)
LINK_KEYS = ("id", "type", "lag")
COST_KEYS = ("fixed", "per_day")
RISK_KEYS = (
    "id",
    "name",
    "type",
    "probability",
    "impacts",
    "cost",
    "mitigated",
    "status",
    "adds",
    "requires",
    "excludes",
    "probability_if",
)
BRANCH_KEYS = ("id", "name", "options")
OPTION_KEYS = ("name", "probability", "tasks", "when")
IMPACT_KEYS = ("tasks", "delay", "factor")
MITIGATION_KEYS = ("probability", "impacts", "cost", "response_cost")
CORRELATION_KEYS = ("tasks", "risks", "resources", "coefficient")
RESOURCE_KEYS = ("id", "name", "rate", "capacity", "escalation", "calendar")
ASSIGNMENT_KEYS = ("id", "units")


class ProblemCollector:
    """Gathers problems so one report can list all of them."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def keys(self, table: Any, allowed: tuple[str, ...], where: str, what: str) -> bool:
        """Report a non-table or unknown keys; True when the table is usable."""
        if not isinstance(table, Mapping):
            self.add(where, must(where.rsplit(".", 1)[-1], f"a table ({what})", table))
            return False
        ok = True
        for key in table:
            if key not in allowed:
                near = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                self.add(where, f"unknown key '{key}'{hint}; {what} takes: {', '.join(allowed)}")
                ok = False
        return ok

    def build(self, where: str, make: Callable[[], Any]) -> Any:
        """Run a constructor, turning its TypeError/ValueError into a problem here."""
        try:
            return make()
        except ScenarioError as exc:
            self.problems.extend(exc.problems)
        except (TypeError, ValueError) as exc:
            self.add(where, str(exc))
        return None


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _sub(where: str, key: str) -> str:
    return f"{where}.{key}"


def _entries(c: ProblemCollector, doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        c.add(key, must(key, f"an array of tables ([[{key}]] entries)", value))
        return []
    return value


def _dist(c: ProblemCollector, where: str, value: Any, name: str) -> Any:
    return c.build(where, lambda: distribution_from_mapping(value, name))


def _read_link(c: ProblemCollector, where: str, item: Any) -> Link | None:
    if isinstance(item, str):
        return c.build(where, lambda: Link(item))
    if not isinstance(item, Mapping):
        c.add(
            where,
            must(
                where.rsplit(".", 1)[-1],
                'a task id or a table like { id = "a", type = "SS", lag = 2 }',
                item,
            ),
        )
        return None
    if not c.keys(item, LINK_KEYS, where, "a predecessor link"):
        return None
    if "id" not in item:
        c.add(where, "'id' is required: the predecessor's task id")
        return None
    return c.build(where, lambda: Link(item["id"], item.get("type", "FS"), item.get("lag", 0.0)))


def _read_task(c: ProblemCollector, where: str, table: Any) -> Task | None:
    if not c.keys(table, TASK_KEYS, where, "a task"):
        return None
    before = len(c.problems)
    duration = None
    if "duration" in table:
        duration = _dist(c, _sub(where, "duration"), table["duration"], "duration")
    links = []
    preds = table.get("predecessors", [])
    if not isinstance(preds, list):
        c.add(
            _sub(where, "predecessors"),
            must(
                "predecessors",
                'a list of task ids or tables like { id = "a", type = "SS", lag = 2 }',
                preds,
            ),
        )
        preds = []
    for k, item in enumerate(preds):
        links.append(_read_link(c, f"{where}.predecessors[{k + 1}]", item))
    cost = None
    if "cost" in table:
        cw = _sub(where, "cost")
        if c.keys(table["cost"], COST_KEYS, cw, "a task cost"):
            raw = table["cost"]
            fixed = _dist(c, cw, raw.get("fixed", 0.0), "fixed")
            per_day = _dist(c, cw, raw.get("per_day", 0.0), "per_day")
            if fixed is not None and per_day is not None:
                cost = c.build(cw, lambda: TaskCost(fixed=fixed, per_day=per_day))
    assignments = _read_assignments(c, _sub(where, "resources"), table.get("resources", []))
    failed = len(c.problems) > before
    if "id" not in table:
        c.add(where, "'id' is required: a unique task id such as \"design\"")
        return None
    if failed:
        # Check the rest of the task too (a negative duration beside a bad link): the
        # parts in error stand in as a zero duration and no link.
        duration = 0.0 if duration is None and "duration" in table else duration
        links = [link for link in links if link is not None]
    if isinstance(table.get("calendar"), str) and not table["calendar"].strip():
        # The model reads "" as the project calendar; written out, it is a mistake.
        c.add(
            f"{where}.calendar",
            must(
                "calendar",
                "the name of a [calendars.NAME] table (leave it out for the project calendar)",
                table["calendar"],
            ),
        )
        return None
    task = c.build(
        where,
        lambda: Task(
            id=table["id"],
            name=table.get("name", ""),
            duration=duration,
            predecessors=tuple(links),
            cost=cost,
            milestone=table.get("milestone", False),
            wbs=table.get("wbs", ""),
            start_no_earlier_than=table.get("start_no_earlier_than"),
            finish_no_earlier_than=table.get("finish_no_earlier_than"),
            mandatory_start=table.get("mandatory_start"),
            mandatory_finish=table.get("mandatory_finish"),
            start_no_later_than=table.get("start_no_later_than"),
            finish_no_later_than=table.get("finish_no_later_than"),
            deadline=table.get("deadline"),
            as_late_as_possible=table.get("as_late_as_possible", False),
            calendar=table.get("calendar", ""),
            status=table.get("status", "not started"),
            actual_start=table.get("actual_start"),
            actual_finish=table.get("actual_finish"),
            exists=table.get("exists"),
            resources=tuple(assignments),
            priority=table.get("priority"),
        ),
    )
    return None if failed else task


def _read_assignments(c: ProblemCollector, where: str, value: Any) -> list[Assignment]:
    """A task's ``resources = [{ id = "crew", units = ... }]``."""
    if not isinstance(value, list):
        c.add(where, must("resources", 'a list of tables like { id = "crew", units = 2 }', value))
        return []
    out = []
    for k, item in enumerate(value):
        aw = f"{where}[{k + 1}]"
        if not c.keys(item, ASSIGNMENT_KEYS, aw, "a resource assignment"):
            continue
        if "id" not in item:
            c.add(aw, "'id' is required: the id of a [[resources]] entry")
            continue
        units = _dist(c, aw, item.get("units", 1.0), "units")
        if units is None:
            continue
        a = c.build(aw, lambda item=item, units=units: Assignment(item["id"], units))
        if a is not None:
            out.append(a)
    return out


def _read_resource(c: ProblemCollector, where: str, table: Any) -> Resource | None:
    if not c.keys(table, RESOURCE_KEYS, where, "a resource"):
        return None
    if "id" not in table:
        c.add(where, "'id' is required: a unique resource id such as \"crew\"")
        return None
    rate = _dist(c, _sub(where, "rate"), table.get("rate", 0.0), "rate")
    if rate is None:
        return None
    return c.build(
        where,
        lambda: Resource(
            id=table["id"],
            name=table.get("name", ""),
            rate=rate,
            capacity=table.get("capacity"),
            escalation=table.get("escalation"),
            calendar=table.get("calendar", ""),
        ),
    )


def _read_impacts(c: ProblemCollector, where: str, value: Any) -> tuple[Impact, ...] | None:
    if not isinstance(value, list):
        c.add(
            where,
            must(
                where.rsplit(".", 1)[-1],
                'a list of tables like { tasks = ["a"], delay = 5 }',
                value,
            ),
        )
        return None
    impacts = []
    for k, table in enumerate(value):
        iw = f"{where}[{k + 1}]"
        if not c.keys(table, IMPACT_KEYS, iw, "an impact"):
            impacts.append(None)
            continue
        delay = _dist(c, _sub(iw, "delay"), table["delay"], "delay") if "delay" in table else None
        factor = (
            _dist(c, _sub(iw, "factor"), table["factor"], "factor") if "factor" in table else None
        )
        if "tasks" not in table:
            c.add(iw, "'tasks' is required: the ids of the tasks this impact hits")
            impacts.append(None)
            continue
        impacts.append(c.build(iw, lambda t=table, d=delay, f=factor: Impact(t["tasks"], d, f)))
    return None if any(i is None for i in impacts) else tuple(impacts)


def _read_risk(c: ProblemCollector, where: str, table: Any) -> Risk | None:
    if not c.keys(table, RISK_KEYS, where, "a risk"):
        return None
    before = len(c.problems)
    impacts = _read_impacts(c, _sub(where, "impacts"), table.get("impacts", []))
    cost = _dist(c, _sub(where, "cost"), table["cost"], "cost") if "cost" in table else None
    mitigated = None
    if "mitigated" in table:
        mw = _sub(where, "mitigated")
        raw = table["mitigated"]
        if c.keys(raw, MITIGATION_KEYS, mw, "a mitigation"):
            m_impacts = (
                _read_impacts(c, _sub(mw, "impacts"), raw["impacts"]) if "impacts" in raw else None
            )
            m_cost = _dist(c, _sub(mw, "cost"), raw["cost"], "cost") if "cost" in raw else None
            mitigated = c.build(
                mw,
                lambda: Mitigation(
                    probability=raw.get("probability"),
                    impacts=m_impacts,
                    cost=m_cost,
                    response_cost=raw.get("response_cost", 0.0),
                ),
            )
    if len(c.problems) > before:
        return None
    for key in ("id", "probability"):
        if key not in table:
            c.add(where, f"'{key}' is required for a risk")
            return None
    return c.build(
        where,
        lambda: Risk(
            id=table["id"],
            name=table.get("name", ""),
            probability=table["probability"],
            impacts=impacts,
            cost=cost,
            type=table.get("type"),
            mitigated=mitigated,
            status=table.get("status", "open"),
            adds=table.get("adds", ()),
            requires=table.get("requires", ()),
            excludes=table.get("excludes", ()),
            probability_if=table.get("probability_if", ()),
        ),
    )


def _read_branch(c: ProblemCollector, where: str, table: Any) -> Branch | None:
    if not c.keys(table, BRANCH_KEYS, where, "a branch"):
        return None
    if "id" not in table:
        c.add(where, "'id' is required: a unique branch id such as \"roof\"")
        return None
    raw = table.get("options")
    if not isinstance(raw, list) or not raw:
        c.add(
            _sub(where, "options"),
            must(
                "options",
                'a list of tables like { name = "steel", probability = 0.7, tasks = ["a"] }',
                raw,
            ),
        )
        return None
    options = []
    for k, item in enumerate(raw):
        ow = f"{where}.options[{k + 1}]"
        if not c.keys(item, OPTION_KEYS, ow, "a branch option"):
            options.append(None)
            continue
        if "name" not in item:
            c.add(ow, "'name' is required: what the option is, such as \"steel\"")
            options.append(None)
            continue
        when = None
        if "when" in item:
            when = c.build(_sub(ow, "when"), lambda v=item["when"]: condition_from_mapping(v))
            if when is None:
                options.append(None)
                continue
        options.append(
            c.build(
                ow,
                lambda v=item, w=when: BranchOption(
                    v["name"], v.get("tasks", ()), v.get("probability"), w
                ),
            )
        )
    if any(o is None for o in options):
        return None
    return c.build(where, lambda: Branch(table["id"], tuple(options), table.get("name", "")))


def _read_correlation(c: ProblemCollector, where: str, table: Any) -> Correlation | None:
    if not c.keys(table, CORRELATION_KEYS, where, "a correlation group"):
        return None
    if "coefficient" not in table:
        c.add(where, "'coefficient' is required: the rank correlation, between -1 and 1")
        return None
    given = [k for k in ("tasks", "risks", "resources") if k in table]
    if not given:
        c.add(where, "a correlation group lists 'tasks', 'risks' or 'resources': two ids or more")
        return None
    if len(given) == 1 and isinstance(table[given[0]], list) and len(table[given[0]]) < 2:
        # The model cannot tell which empty list was meant: name the one written.
        c.add(where, f"'{given[0]}' must be a list of at least two ids (got {table[given[0]]})")
        return None
    return c.build(
        where,
        lambda: Correlation(
            coefficient=table["coefficient"],
            tasks=table.get("tasks", ()),
            risks=table.get("risks", ()),
            resources=table.get("resources", ()),
        ),
    )


WORKDAYS_RULE = (
    '"mon-fri", "all-days", a day range like "sun-thu", or a list of days like ["mon", "tue"]'
)


def _calendar_place(name: str) -> str:
    """Where a named calendar is, written as its table header names it."""
    return (
        f"calendars.{name}"
        if _BARE_KEY.fullmatch(name)
        else f"calendars.{json.dumps(name, ensure_ascii=False)}"
    )


def _read_calendar(
    c: ProblemCollector, where: str, table: Any, start: dt.date | None = None
) -> Calendar | None:
    if not c.keys(table, CALENDAR_KEYS, where, "a calendar"):
        return None
    workdays = table.get("workdays", "mon-fri")
    try:
        weekmask_from_spec(workdays)
    except ValueError:
        c.add(where, must("workdays", WORKDAYS_RULE, workdays))
        return None
    losses = []
    for k, item in enumerate(_list(c, _sub(where, "weather"), table.get("weather", []))):
        losses.append(c.build(f"{where}.weather[{k + 1}]", lambda v=item: weather_from_mapping(v)))
    off: list[dt.date] = []
    for k, item in enumerate(_list(c, _sub(where, "no_work"), table.get("no_work", []))):
        window = c.build(f"{where}.no_work[{k + 1}]", lambda v=item: no_work_from_mapping(v))
        if window is not None and start is not None:
            off.extend(window.days(start.year, start.year + NO_WORK_YEARS))
    if any(w is None for w in losses):
        return None
    holidays = table.get("holidays", [])
    if off:
        if not isinstance(holidays, list):
            return c.build(where, lambda: Calendar(workdays, holidays))  # reports it
        holidays = [*holidays, *off]
    return c.build(
        where,
        lambda: Calendar(
            workdays,
            holidays,
            table.get("hours", ()),
            weather=tuple(losses),
            weather_pattern=table.get("pattern", "scattered"),
        ),
    )


def _list(c: ProblemCollector, where: str, value: Any) -> list:
    if not isinstance(value, list):
        c.add(where, must(where.rsplit(".", 1)[-1], "a list of tables", value))
        return []
    return value


def _read_calendars(c: ProblemCollector, doc: Mapping[str, Any]) -> dict[str, Calendar]:
    """The named task calendars of ``[calendars.NAME]`` tables.

    A calendar with a problem stands in as Monday to Friday, so tasks naming it are not
    also reported as naming an unknown calendar. Yearly no-work windows are laid out as
    days off from the project's start year (``NO_WORK_YEARS``).
    """
    project = doc.get("project")
    start = project.get("start") if isinstance(project, Mapping) else None
    if isinstance(start, dt.datetime):
        start = start.date()
    start = start if isinstance(start, dt.date) else None
    value = doc.get("calendars", {})
    if not isinstance(value, Mapping):
        c.add(
            "calendars",
            must("calendars", "a table of named calendars ([calendars.NAME] tables)", value),
        )
        return {}
    out: dict[str, Calendar] = {}
    for name, table in value.items():
        where = _calendar_place(name)
        if not name.strip():
            c.add(where, "a calendar needs a name: write [calendars.NAME] with a non-empty NAME")
            continue
        out[name] = _read_calendar(c, where, table, start) or Calendar()
    return out


def _read_project(
    c: ProblemCollector, table: Any, calendars: Mapping[str, Calendar]
) -> Project | None:
    if not c.keys(table, PROJECT_KEYS, "project", "[project]"):
        return None
    missing = [k for k in ("name", "start") if k not in table]
    if missing:
        c.add(
            "project",
            f"'{missing[0]}' is required in [project]"
            + (" (a date such as 2027-01-04)" if missing[0] == "start" else ""),
        )
        return None
    calendar = c.build(
        "project",
        lambda: Calendar(
            table.get("calendar", "mon-fri"), table.get("holidays", ()), table.get("hours", ())
        ),
    )
    if calendar is None:
        return None
    return c.build(
        "project",
        lambda: Project(
            name=table["name"],
            start=table["start"],
            calendar=calendar,
            deadline=table.get("deadline"),
            budget=table.get("budget"),
            currency=table.get("currency", ""),
            calendars=tuple(calendars.items()),
            lag_calendar=table.get("lag_calendar", "successor"),
            data_date=table.get("data_date"),
            open_ended_critical=table.get("open_ended_critical", False),
            constraints_override_logic=table.get("constraints_override_logic", False),
            alap_float=table.get("alap_float", "free"),
            id=table.get("id", ""),
        ),
    )


def parse_scenario(
    doc: Mapping[str, Any],
    source: str | None = None,
    text: str | None = None,
    *,
    levelling: bool | None = None,
) -> Scenario:
    """Build a ``Scenario`` from a parsed TOML document (a dict); ``levelling`` (when not
    None) replaces its ``[simulation] levelling``."""
    sim = doc.get("simulation", {})
    # A bad value in the file is still reported; a good one gives way to the option.
    if (
        levelling is not None
        and isinstance(sim, Mapping)
        and isinstance(sim.get("levelling", False), bool)
    ):
        doc = {**doc, "simulation": {**sim, "levelling": levelling}}
    c = ProblemCollector()
    for key in doc:
        if key not in TOP_KEYS:
            near = difflib.get_close_matches(key, TOP_KEYS, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            c.add("", f"unknown table '{key}'{hint}; a scenario has: {', '.join(TOP_KEYS)}")
    calendars = _read_calendars(c, doc)
    if "project" not in doc:
        c.add("project", "the [project] table is required (name and start date)")
        project = None
    else:
        project = _read_project(c, doc["project"], calendars)
    simulation = SimulationSettings()
    if "simulation" in doc and c.keys(
        doc["simulation"], SIMULATION_KEYS, "simulation", "[simulation]"
    ):
        simulation = c.build("simulation", lambda: SimulationSettings(**doc["simulation"]))
    tasks = [
        _read_task(c, f"tasks[{i + 1}]{_id(t)}", t) for i, t in enumerate(_entries(c, doc, "tasks"))
    ]
    risks = [
        _read_risk(c, f"risks[{i + 1}]{_id(r)}", r) for i, r in enumerate(_entries(c, doc, "risks"))
    ]
    correlations = [
        _read_correlation(c, f"correlations[{i + 1}]", t)
        for i, t in enumerate(_entries(c, doc, "correlations"))
    ]
    branches = [
        _read_branch(c, f"branches[{i + 1}]{_id(b)}", b)
        for i, b in enumerate(_entries(c, doc, "branches"))
    ]
    resources = [
        _read_resource(c, f"resources[{i + 1}]{_id(r)}", r)
        for i, r in enumerate(_entries(c, doc, "resources"))
    ]
    if not c.problems:
        try:
            return Scenario(
                project=project,
                tasks=tuple(tasks),
                risks=tuple(risks),
                correlations=tuple(correlations),
                simulation=simulation,
                source=source,
                branches=tuple(branches),
                resources=tuple(resources),
            )
        except ScenarioError as exc:
            c.problems.extend(exc.problems)
    else:
        # Entries with errors still declare their ids: check the references between the
        # rest too, so one run reports everything.
        c.problems.extend(_reference_problems(doc, project, tasks, risks, correlations))
    raise ScenarioError(_with_lines(_in_file_order(c.problems, doc, text), text), source=source)


def _stand_ins(parsed: list, raw: Any, make: Callable[[Mapping[str, Any]], Any]) -> list:
    """Parsed entries, with a stand-in (same id) for each entry that failed to parse, and
    None for one without a usable id, so every entry keeps its place."""
    out = []
    for entry, table in zip(parsed, raw if isinstance(raw, list) else [], strict=False):
        if entry is not None:
            out.append(entry)
        elif (
            isinstance(table, Mapping) and isinstance(table.get("id"), str) and table["id"].strip()
        ):
            out.append(make(table))
        else:
            out.append(None)
    return out


def _link_ids(table: Mapping[str, Any]) -> list[tuple[int, str]]:
    """(position, predecessor id) of each predecessor of a task entry that names one,
    whether or not the rest of the link is valid."""
    preds = table.get("predecessors")
    out = []
    for k, item in enumerate(preds if isinstance(preds, list) else []):
        ident = item.get("id") if isinstance(item, Mapping) else item
        if isinstance(ident, str) and ident.strip():
            out.append((k, ident))
    return out


def _stand_in_task(table: Mapping[str, Any]) -> Task:
    """A task entry that failed to parse, standing in by its id and its predecessors' ids,
    so its links are checked too (a typo beside a bad duration is reported with it)."""
    return Task(table["id"], duration=0.0, predecessors=tuple(Link(i) for _, i in _link_ids(table)))


_LINK_PLACE = re.compile(r"^tasks\[(\d+)\].*\.predecessors\[(\d+)\]$")


def _reference_problems(
    doc: Mapping[str, Any], project: Project | None, tasks: list, risks: list, correlations: list
) -> list[Problem]:
    """Reference problems among the entries, failed entries standing in by their ids, and
    (when [project] was read) task calendars and progress checked against it."""
    raw_tasks = doc.get("tasks")
    stand_ins = _stand_ins(tasks, raw_tasks, _stand_in_task)
    found = reference_problems(
        stand_ins,
        _stand_ins(risks, doc.get("risks"), lambda t: Risk(t["id"], probability=0.0, cost=0.0)),
        correlations,
        skip_unread=True,
    )
    problems = []
    for p in found:
        # A stand-in leaves out the links without an id: give the others their own places.
        m = _LINK_PLACE.match(p.where)
        if m and tasks[int(m.group(1)) - 1] is None:
            k = _link_ids(raw_tasks[int(m.group(1)) - 1])[int(m.group(2)) - 1][0]
            p = Problem(f"{p.where[: m.start(2)]}{k + 1}]", p.message)
        problems.append(p)
    if project is not None:
        problems += calendar_and_progress_problems(project, stand_ins)
    return problems


def _id(table: Any) -> str:
    if isinstance(table, Mapping) and isinstance(table.get("id"), str):
        return f" (id {table['id']!r})"
    return ""


_ENTRY = re.compile(
    r"^[ \t]*\[\[[ \t]*(tasks|risks|correlations|branches|resources)[ \t]*\]\]", re.MULTILINE
)
_CALENDAR_HEADER = re.compile(
    r"^[ \t]*\[[ \t]*calendars[ \t]*\.[ \t]*"
    r"(\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[A-Za-z0-9_-]+)[ \t]*\]",
    re.MULTILINE,
)
_PLACE = re.compile(
    r"^(tasks|risks|correlations|branches|resources)\[(\d+)\]( \(id (?:'[^']*'|\"[^\"]*\")\))?"
)


def _calendar_lines(text: str) -> dict[str, int]:
    """The line of each ``[calendars.NAME]`` header, by the place problems name."""
    out = {}
    for m in _CALENDAR_HEADER.finditer(text):
        token = m.group(1)
        try:
            name = tomllib.loads(f"k = {token}")["k"] if token[0] in "\"'" else token
        except tomllib.TOMLDecodeError:
            continue
        out[_calendar_place(name)] = text.count("\n", 0, m.start()) + 1
    return out


def _entry_lines(text: str) -> dict[str, list[int]]:
    """The line of each ``[[tasks]]``, ``[[risks]]`` and ``[[correlations]]`` header."""
    lines: dict[str, list[int]] = {k: [] for k in _ENTRY_RANK}
    for m in _ENTRY.finditer(text):
        lines[m.group(1)].append(text.count("\n", 0, m.start()) + 1)
    return lines


_ENTRY_RANK = {"tasks": 1, "risks": 2, "correlations": 3, "branches": 4, "resources": 5}


def _in_file_order(
    problems: list[Problem], doc: Mapping[str, Any], text: str | None
) -> list[Problem]:
    """The problems in file order: by entry (by line where the text is known, else tasks,
    risks, correlations by number), then within an entry by key in the order the file
    gives them (a list item by its number). The sort is stable: problems at one place
    keep the order they were found in; those of no entry ([project], [simulation]) come
    first, those of a whole list (a cycle) last."""
    lines = _entry_lines(text) if text else None
    calendar_lines = _calendar_lines(text) if text else {}
    last = (math.inf, 0, 0, 0)

    def position(p: Problem) -> tuple[float, int, int, int]:
        if p.where in calendar_lines:
            return (calendar_lines[p.where], 0, 0, 0)
        m = _PLACE.match(p.where)
        if m is None:
            return last if p.where.split(".")[0] in _ENTRY_RANK else (0, 0, 0, 0)
        kind, number = m.group(1), int(m.group(2))
        if lines is None:
            entry: tuple[float, int] = (_ENTRY_RANK[kind], number)
        elif number <= len(lines[kind]):
            entry = (lines[kind][number - 1], 0)
        else:
            return last
        raw = doc.get(kind)
        table = raw[number - 1] if isinstance(raw, list) and number <= len(raw) else None
        keys = list(table) if isinstance(table, Mapping) else []
        f = _FIELD.match(p.where, m.end())
        if f is None or f.group(1) not in keys:
            return (*entry, -1, 0)  # the entry as a whole: its id, or checks across keys
        return (*entry, keys.index(f.group(1)), int(f.group(2) or 0))

    return sorted(problems, key=position)


_FIELD = re.compile(r"\.([A-Za-z_]+)(?:\[(\d+)\])?")


def _with_lines(problems: list[Problem], text: str | None) -> list[Problem]:
    """Add the file line of each ``[[tasks]]``/``[[risks]]`` entry or ``[calendars.NAME]``
    table a problem points to."""
    if not text:
        return problems
    lines = _entry_lines(text)
    calendar_lines = _calendar_lines(text)
    out = []
    for p in problems:
        if p.where in calendar_lines:
            out.append(Problem(f"{p.where} (line {calendar_lines[p.where]})", p.message))
            continue
        m = _PLACE.match(p.where)
        if m and int(m.group(2)) <= len(lines[m.group(1)]):
            line = lines[m.group(1)][int(m.group(2)) - 1]
            ident = m.group(3)
            label = f" ({ident[2:-1]}, line {line})" if ident else f" (line {line})"
            where = f"{m.group(1)}[{m.group(2)}]{label}{p.where[m.end() :]}"
            p = Problem(where, p.message)
        out.append(p)
    return out


#: Schedule files that ``pmo-sim import`` reads, by extension: given where a scenario
#: belongs, they get a pointer to the import instead of a TOML parser error.
SCHEDULE_FILES = {
    ".xer": "a Primavera P6 export (XER)",
    ".xml": "an MS Project XML file",
    ".mpp": "an MS Project file (MPP)",
    ".csv": "a task table (CSV)",
    ".xlsx": "a task table (XLSX)",
    ".xlsm": "a task table (XLSX)",
}


def load(path: str | os.PathLike[str], *, levelling: bool | None = None) -> Scenario:
    """Read and validate a TOML scenario file; ``levelling`` (when not None) replaces
    its ``[simulation] levelling``.

    Raises
    ------
    ScenarioError
        With every problem found: place in the file, field, and the rule broken.
    """
    source = os.fspath(path)
    kind = SCHEDULE_FILES.get(os.path.splitext(source)[1].lower())
    if kind is not None:
        name = os.path.basename(source)
        stem = os.path.splitext(name)[0]
        extra = " --start YYYY-MM-DD" if kind.startswith("a task table") else ""
        raise ScenarioError(
            f"this is {kind}, not a pmo-sim scenario file: import it first, "
            f"'pmo-sim import {name}{extra} -o {stem}.toml', then run {stem}.toml "
            "(add --ranges and --risks to the import for a meaningful run)",
            source=source,
        )
    doc, text = read_toml(source)
    return parse_scenario(doc, source=source, text=text, levelling=levelling)


def read_toml(source: str) -> tuple[dict[str, Any], str]:
    """The parsed document and text of a TOML file; ``ScenarioError`` (naming the file)
    when it cannot be read, is not UTF-8 or is not TOML."""
    try:
        with open(source, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror}", source=source) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"the file is not UTF-8 text (byte {exc.start}); save it as UTF-8", source=source
        ) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(_toml_message(exc, text), source=source) from None
    return doc, text


def parse_risks(entries: Any, where: str = "risks") -> tuple[list[Risk | None], list[Problem]]:
    """Risks from ``[[risks]]`` entries as a scenario file writes them (None where an
    entry has problems), and the problems, each placed at ``where[n] (id ...)``."""
    c = ProblemCollector()
    if not isinstance(entries, list):
        c.add(where, must(where, f"an array of tables ([[{where}]] entries)", entries))
        return [], c.problems
    risks = [_read_risk(c, f"{where}[{i + 1}]{_id(r)}", r) for i, r in enumerate(entries)]
    return risks, c.problems


def _toml_message(exc: tomllib.TOMLDecodeError, text: str) -> str:
    """The parser's message with the offending line quoted and a caret under the column."""
    message = str(exc)
    m = re.search(r"at line (\d+), column (\d+)", message)
    if not m:
        return f"not valid TOML: {message}"
    line_no, col = int(m.group(1)), int(m.group(2))
    lines = text.splitlines()
    quoted = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    return (
        f"line {line_no}, column {col}: not valid TOML: {message}\n"
        f"    {quoted}\n    {' ' * (col - 1)}^"
    )
