"""A small TOML writer for scenario files.

The standard library reads TOML (``tomllib``) but does not write it. The scenario format
uses few value types (strings, booleans, integers, finite floats, dates, arrays and
inline tables), so this module writes exactly those, and the tests check that
``tomllib`` reads back what was written for every kind of value, including strings with
quotes, backslashes, control characters and non-ASCII text. Writing it here avoids a
dependency (``tomli-w``) for some eighty lines.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..model.branches import Branch, BranchOption
from ..model.calendar import Calendar, clock_text
from ..model.distributions import Distribution, Fixed
from ..model.resources import Assignment, Resource
from ..model.risks import Impact, Mitigation, Risk
from ..model.scenario import Correlation, Scenario, slug
from ..model.tasks import DATE_CONSTRAINTS, Link, Task, TaskCost
from ..model.weather import MONTHS, WeatherLoss

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else string(name)


def value(v: Any) -> str:
    """One TOML value: str, bool, int, finite float, date, list or mapping (inline)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"TOML scenario files hold finite numbers only (got {v!r})")
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, str):
        return string(v)
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            raise TypeError("scenario files hold local date-times, without a time zone")
        return v.isoformat(timespec="seconds")  # a TOML 1.0 local date-time
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, Mapping):
        return (
            "{ " + ", ".join(f"{key(k)} = {value(x)}" for k, x in v.items()) + " }" if v else "{}"
        )
    if isinstance(v, list | tuple):
        return "[" + ", ".join(value(x) for x in v) + "]"
    raise TypeError(f"no TOML form for {type(v).__name__} ({v!r})")


def comment(text: str, indent: str = "") -> list[str]:
    """Comment lines (``# ...``) for any text, one per line of it. TOML allows no control
    character but tab in a comment: others (a NUL in a task name) are written as
    ``\\uXXXX``, as in strings."""
    lines = str(text).splitlines() or [""]
    return [f"{indent}# {_printable(line)}".rstrip() for line in lines]


def _printable(line: str) -> str:
    return "".join(
        f"\\u{ord(ch):04x}" if (ord(ch) < 0x20 and ch != "\t") or ord(ch) == 0x7F else ch
        for ch in line
    )


# --------------------------------------------------------------------------- scenario


def _dist(d: Distribution) -> Any:
    if isinstance(d, Fixed):
        return d.value
    return d.to_mapping()


def _link(link: Link) -> Any:
    if link.type == "FS" and link.lag == 0.0 and link.uncertain_lag is None:
        return link.predecessor
    out: dict[str, Any] = {"id": link.predecessor}
    if link.type != "FS":
        out["type"] = link.type
    if link.uncertain_lag is not None:
        out["lag"] = _dist(link.uncertain_lag)
    elif link.lag != 0.0:
        out["lag"] = link.lag
    return out


def _weather(w: WeatherLoss) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if w.months:
        out["months"] = [MONTHS[m - 1] for m in w.months]
    else:
        out["from"], out["to"] = w.start, w.end
    if w.lost_days is not None:
        out["lost_days"] = _dist(w.lost_days)
    else:
        out["lost_share"] = _dist(w.lost_share)
    return out


def _option(o: BranchOption) -> dict[str, Any]:
    out: dict[str, Any] = {"name": o.name}
    if o.probability is not None:
        out["probability"] = o.probability
    if o.tasks:
        out["tasks"] = list(o.tasks)
    if o.when is not None:
        when: dict[str, Any] = {"task": o.when.task}
        if o.when.finishes_after is not None:
            when["finishes_after"] = o.when.finishes_after
        else:
            when["duration_above"] = o.when.duration_above
        out["when"] = when
    return out


def branch_lines(b: Branch) -> list[str]:
    lines = ["[[branches]]", f"id = {value(b.id)}"]
    if b.name and b.name != b.id:
        lines.append(f"name = {value(b.name)}")
    lines.append(f"options = {value([_option(o) for o in b.options])}")
    return lines


def _cost(cost: TaskCost) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if cost.fixed.support != (0.0, 0.0):
        out["fixed"] = _dist(cost.fixed)
    if cost.uncertain_per_day is not None:
        out["per_day"] = _dist(cost.uncertain_per_day)
    elif cost.per_day != 0.0:
        out["per_day"] = cost.per_day
    return out


def _assignment(a: Assignment) -> dict[str, Any]:
    out: dict[str, Any] = {"id": a.resource}
    if a.units != Fixed(1.0):
        out["units"] = _dist(a.units)
    return out


def resource_lines(r: Resource) -> list[str]:
    lines = ["[[resources]]", f"id = {value(r.id)}"]
    if r.name and r.name != r.id:
        lines.append(f"name = {value(r.name)}")
    lines.append(f"rate = {value(_dist(r.rate))}")
    if r.capacity is not None:
        lines.append(f"capacity = {value(r.capacity)}")
    if isinstance(r.escalation, float):
        lines.append(f"escalation = {value(r.escalation)}")
    elif r.escalation:
        table = [[day, factor] for day, factor in r.escalation]
        lines.append(f"escalation = {value(table)}")
    if r.calendar:
        lines.append(f"calendar = {value(r.calendar)}")
    return lines


def _impact(imp: Impact) -> dict[str, Any]:
    out: dict[str, Any] = {"tasks": list(imp.tasks)}
    if imp.delay is not None:
        out["delay"] = _dist(imp.delay)
    if imp.factor is not None:
        out["factor"] = _dist(imp.factor)
    return out


def _mitigation(m: Mitigation) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if m.probability is not None:
        out["probability"] = m.probability
    if m.impacts is not None:
        out["impacts"] = [_impact(i) for i in m.impacts]
    if m.cost is not None:
        out["cost"] = _dist(m.cost)
    if m.response_cost:
        out["response_cost"] = m.response_cost
    return out


def _workdays(cal: Calendar) -> Any:
    """A calendar's working weekdays as the reader takes them: a range or a day list."""
    spec = cal.name
    if spec != "all-days" and "-" not in spec:
        return spec.split(",")  # days that are not one range are written as a list
    return spec


def _hours(cal: Calendar) -> list[str]:
    """A calendar's working periods as the reader takes them: ``"08:00-12:00"``."""
    return [f"{clock_text(lo)}-{clock_text(hi)}" for lo, hi in cal.hours]


def task_lines(t: Task, notes: Iterable[str] = ()) -> list[str]:
    lines = ["[[tasks]]", *(c for n in notes for c in comment(n))]
    lines.append(f"id = {value(t.id)}")
    if t.name and t.name != t.id:
        lines.append(f"name = {value(t.name)}")
    # A milestone's duration defaults to 0, and a complete task's is not used.
    if not ((t.milestone or t.status == "complete") and t.duration.support == (0.0, 0.0)):
        lines.append(f"duration = {value(_dist(t.duration))}")
    if t.predecessors:
        lines.append(f"predecessors = {value([_link(k) for k in t.predecessors])}")
    if t.cost is not None:
        lines.append(f"cost = {value(_cost(t.cost))}")
    if t.milestone:
        lines.append(f"milestone = {value(t.milestone)}")
    if t.wbs:
        lines.append(f"wbs = {value(t.wbs)}")
    for name in DATE_CONSTRAINTS:
        if getattr(t, name) is not None:
            lines.append(f"{name} = {value(getattr(t, name))}")
    if t.as_late_as_possible:
        lines.append("as_late_as_possible = true")
    if t.calendar:
        lines.append(f"calendar = {value(t.calendar)}")
    if t.started:
        lines.append(f"status = {value(t.status)}")
        lines.append(f"actual_start = {value(t.actual_start)}")
    if t.actual_finish is not None:
        lines.append(f"actual_finish = {value(t.actual_finish)}")
    if t.exists is not None:
        lines.append(f"exists = {value(t.exists)}")
    if t.resources:
        lines.append(f"resources = {value([_assignment(a) for a in t.resources])}")
    if t.priority is not None:
        lines.append(f"priority = {t.priority}")
    return lines


def risk_lines(r: Risk) -> list[str]:
    lines = ["[[risks]]", f"id = {value(r.id)}"]
    if r.name and r.name != r.id:
        lines.append(f"name = {value(r.name)}")
    lines.append(f"type = {value(r.type)}")
    lines.append(f"probability = {value(r.probability)}")
    if r.impacts:
        lines.append(f"impacts = {value([_impact(i) for i in r.impacts])}")
    if r.cost is not None:
        lines.append(f"cost = {value(_dist(r.cost))}")
    if r.mitigated is not None:
        lines.append(f"mitigated = {value(_mitigation(r.mitigated))}")
    if r.status != "open":
        lines.append(f"status = {value(r.status)}")
    for name in ("adds", "requires", "excludes"):
        if getattr(r, name):
            lines.append(f"{name} = {value(list(getattr(r, name)))}")
    if r.probability_if:
        lines.append(f"probability_if = {value(dict(r.probability_if))}")
    return lines


def correlation_lines(c: Correlation) -> list[str]:
    kind = f"{c.kind}s"
    return [
        "[[correlations]]",
        f"{kind} = {value(list(c.items))}",
        f"coefficient = {value(c.coefficient)}",
    ]


def dumps(
    scenario: Scenario,
    header: Iterable[str] = (),
    task_notes: Mapping[str, Iterable[str]] | None = None,
    include_simulation: bool = False,
) -> str:
    """The scenario as TOML text that ``pmo_sim.load`` reads back to an equal scenario.

    ``header`` lines become comments at the top; ``task_notes`` maps a task id to comment
    lines written in its ``[[tasks]]`` entry.
    """
    task_notes = task_notes or {}
    p = scenario.project
    lines = [c for h in header for c in comment(h)]
    if lines:
        lines.append("")
    lines += ["[project]", f"name = {value(p.name)}"]
    if p.id != slug(p.name):
        lines.append(f"id = {value(p.id)}")
    lines.append(f"start = {value(p.start)}")
    lines.append(f"calendar = {value(_workdays(p.calendar))}")
    if p.calendar.holidays:
        lines.append(f"holidays = {value(list(p.calendar.holidays))}")
    if p.calendar.hours:
        lines.append(f"hours = {value(_hours(p.calendar))}")
    if p.calendars or p.lag_calendar != "successor":
        lines.append(f"lag_calendar = {value(p.lag_calendar)}")
    if p.data_date is not None:
        lines.append(f"data_date = {value(p.data_date)}")
    if p.open_ended_critical:
        lines.append("open_ended_critical = true")
    if p.constraints_override_logic:
        lines.append("constraints_override_logic = true")
    if p.alap_float != "free":
        lines.append(f"alap_float = {value(p.alap_float)}")
    if p.deadline is not None:
        lines.append(f"deadline = {value(p.deadline)}")
    if p.budget is not None:
        lines.append(f"budget = {value(p.budget)}")
    if p.currency:
        lines.append(f"currency = {value(p.currency)}")
    for name, cal in p.calendars:
        lines += ["", f"[calendars.{key(name)}]", f"workdays = {value(_workdays(cal))}"]
        if cal.holidays:
            lines.append(f"holidays = {value(list(cal.holidays))}")
        if cal.hours:
            lines.append(f"hours = {value(_hours(cal))}")
        if cal.weather:
            lines.append(f"weather = {value([_weather(w) for w in cal.weather])}")
            if cal.weather_pattern != "scattered":
                lines.append(f"pattern = {value(cal.weather_pattern)}")
    s = scenario.simulation
    if include_simulation:
        lines += [
            "",
            "[simulation]",
            f"iterations = {s.iterations}",
            f"seed = {s.seed}",
            f"sampling = {value(s.sampling)}",
        ]
    if s.levelling:
        # A property of the model (what the iterations schedule), kept in any case.
        lines += ([] if include_simulation else ["", "[simulation]"]) + ["levelling = true"]
    for t in scenario.tasks:
        lines += ["", *task_lines(t, task_notes.get(t.id, ()))]
    for r in scenario.risks:
        lines += ["", *risk_lines(r)]
    for c in scenario.correlations:
        lines += ["", *correlation_lines(c)]
    for b in scenario.branches:
        lines += ["", *branch_lines(b)]
    for r in scenario.resources:
        lines += ["", *resource_lines(r)]
    return "\n".join(lines) + "\n"
