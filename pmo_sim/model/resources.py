"""Resources (people, crews, plant) and the tasks' assignments of them.

A resource has a rate per unit and working day, drawn once per iteration (one labour
market for every task that uses it), an optional capacity (units available at once,
which levelling respects) and an optional escalation of its rate over time. An
assignment puts ``units`` of a resource on a task, drawn once per task and iteration.
The cost of an assignment is units x rate x the working days the task works, each day
at the escalation factor of its date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .calendar import Calendar, as_date, weekmask_from_spec
from .distributions import Distribution, Fixed
from .errors import Problem, must
from .fields import distribution_field, real_field, text_field, within_amount

#: Years of escalation steps an annual rate gives (the calendar tables' span is ten
#: years; the last step holds beyond it).
ESCALATION_YEARS = 60


def _add_years(day: dt.date, years: int) -> dt.date:
    """``day`` ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


#: An escalation table's factor at most (a thousandfold rise of a rate).
MAX_ESCALATION = 1000.0
#: Units one assignment may reach: beyond a trillion only a stray exponent gets there (a
#: real data set holds 2.5 million units of a material), and the cost sums overflow.
MAX_UNITS = 1e12


@dataclass(frozen=True)
class Resource:
    """A resource tasks are assigned to.

    Parameters
    ----------
    id : str
        Unique identifier, referenced by assignments.
    name : str
        Display name (defaults to ``id``).
    rate : Distribution or number
        Cost per unit and working day, drawn once per iteration; never negative.
    capacity : number, optional
        Units available at once (default: unlimited). Levelled simulation
        (``[simulation] levelling``) never uses more.
    escalation : number or sequence of (date, factor), optional
        An annual rate (``0.04``: each working day costs 4% more per whole year since
        the project start, stepped on each anniversary), or a table of (date, factor)
        pairs: from each date on, the rate is multiplied by its factor (1 before the
        first date).
    calendar : str, optional
        The days the resource works: a calendar of ``Project.calendars`` by name, or a
        weekday rule (``"mon-fri"``, ``"sun-thu"``, ``"all-days"``) on the project
        calendar's holidays; empty for the project calendar. In this version it must be
        the calendar of every task the resource works on (``resource_calendar_problems``).
    """

    id: str
    name: str = ""
    rate: Distribution | float = 0.0
    capacity: float | None = None
    escalation: float | tuple[tuple[dt.date, float], ...] | None = None
    calendar: str = ""

    def __post_init__(self) -> None:
        text_field("id", self.id)
        text_field("calendar", self.calendar, allow_empty=True)
        object.__setattr__(self, "name", text_field("name", self.name, allow_empty=True) or self.id)
        rate = distribution_field("rate", self.rate)
        lo, hi = rate.support
        if lo < 0:
            raise ValueError(
                must(
                    "rate",
                    f"0 or more everywhere: its distribution reaches {lo:.4g} (a triangular or "
                    "PERT with min >= 0, or a lognormal, keeps a rate positive)",
                    rate.as_given,
                )
            )
        within_amount("rate", lo, hi, rate.as_given)
        object.__setattr__(self, "rate", rate)
        if self.capacity is not None:
            cap = real_field("capacity", self.capacity)
            if cap <= 0:
                raise ValueError(must("capacity", "more than 0 (leave it out for unlimited)", cap))
            object.__setattr__(self, "capacity", cap)
        esc = self.escalation
        if esc is None:
            return
        if isinstance(esc, int | float) and not isinstance(esc, bool):
            esc = real_field("escalation", esc)
            if not -1.0 < esc < 10.0:
                raise ValueError(must("escalation", "an annual rate between -1 and 10", esc))
            object.__setattr__(self, "escalation", esc)
            return
        if isinstance(esc, str | bytes) or not isinstance(esc, Iterable):
            raise TypeError(
                must("escalation", "an annual rate or a list of (date, factor) pairs", esc)
            )
        steps = []
        for i, pair in enumerate(esc):
            if isinstance(pair, dict):
                pair = (pair.get("date"), pair.get("factor"))
            if not (isinstance(pair, tuple | list) and len(pair) == 2):
                raise TypeError(must(f"escalation[{i + 1}]", "a (date, factor) pair", pair))
            day = as_date(f"escalation[{i + 1}].date", pair[0])
            factor = real_field(f"escalation[{i + 1}].factor", pair[1])
            if not 0 < factor <= MAX_ESCALATION:
                raise ValueError(
                    must(
                        f"escalation[{i + 1}].factor",
                        f"more than 0, at most {MAX_ESCALATION:g}",
                        factor,
                    )
                )
            if steps and day <= steps[-1][0]:
                raise ValueError(
                    must(f"escalation[{i + 1}].date", f"after {steps[-1][0]}", day.isoformat())
                )
            steps.append((day, factor))
        object.__setattr__(self, "escalation", tuple(steps))

    def escalation_steps(self, start: dt.date) -> tuple[tuple[dt.date, float], ...]:
        """(date, factor) steps of the rate from ``start`` (the project start): an annual
        rate compounds on each anniversary; a table is itself. Empty: no escalation."""
        esc = self.escalation
        if esc is None or esc == 0.0:
            return ()
        if isinstance(esc, float):
            return tuple(
                (_add_years(start, k), (1.0 + esc) ** k) for k in range(1, ESCALATION_YEARS + 1)
            )
        return esc

    def escalation_factor(self, start: dt.date, day: dt.date) -> float:
        """The escalation factor of work on ``day`` (a project starting on ``start``)."""
        factor = 1.0
        for step, f in self.escalation_steps(start):
            if day >= step:
                factor = f
        return factor


@dataclass(frozen=True)
class Assignment:
    """``units`` of resource ``resource`` on a task (a number or a distribution, drawn
    once per task and iteration; always more than 0)."""

    resource: str
    units: Distribution | float = 1.0

    def __post_init__(self) -> None:
        text_field("id", self.resource)
        units = distribution_field("units", self.units)
        lo, hi = units.support
        if lo < 0 or hi <= 0:
            raise ValueError(
                must(
                    "units",
                    "more than 0"
                    + (f": its distribution reaches {lo:.4g}" if lo < 0 and hi > 0 else ""),
                    units.as_given,
                )
            )
        if not math.isfinite(hi) and not isinstance(units, Fixed):
            raise ValueError(
                must("units", "bounded (a triangular, PERT or uniform)", units.as_given)
            )
        if not hi <= MAX_UNITS:
            raise ValueError(
                must("units", f"at most {MAX_UNITS:.0e} (it reaches {hi:.4g})", units.as_given)
            )
        object.__setattr__(self, "units", units)


def resource_problems(
    resources: Sequence[Any], tasks: Sequence[Any], correlations: Sequence[Any] = ()
) -> Iterable[Problem]:
    """Duplicate resource ids, assignments to unknown resources or to one resource twice,
    and correlation groups of resources naming an unknown one or a constant rate."""
    known: dict[str, Resource] = {}
    for i, r in enumerate(resources):
        where = f"resources[{i + 1}]"
        if not isinstance(r, Resource):
            yield Problem(where, must("resources", "a list of Resource objects", r))
            continue
        if r.id in known:
            yield Problem(f"{where} (id {r.id!r})", f"duplicate resource id {r.id!r}")
        known[r.id] = r
    for i, t in enumerate(tasks):
        assignments = getattr(t, "resources", ())
        seen: set[str] = set()
        for k, a in enumerate(assignments):
            where = f"tasks[{i + 1}] (id {t.id!r}).resources[{k + 1}]"
            if a.resource not in known:
                near = difflib.get_close_matches(a.resource, list(known), n=2)
                hint = f" (did you mean {' or '.join(map(repr, near))}?)" if near else ""
                yield Problem(
                    where,
                    f"unknown resource {a.resource!r}{hint}: define it in a [[resources]] "
                    "entry, or remove the assignment",
                )
                continue
            if a.resource in seen:
                yield Problem(
                    where,
                    f"resource {a.resource!r} is assigned to the task twice: give it one "
                    "assignment with the total units",
                )
            seen.add(a.resource)
    for i, c in enumerate(correlations):
        if getattr(c, "kind", None) != "resource":
            continue
        for m, rid in enumerate(c.items):
            where = f"correlations[{i + 1}].resources[{m + 1}]"
            if rid not in known:
                near = difflib.get_close_matches(rid, list(known), n=2)
                hint = f" (did you mean {' or '.join(map(repr, near))}?)" if near else ""
                yield Problem(where, f"unknown resource {rid!r}{hint}: no resource has that id")
            elif known[rid].rate.support[0] == known[rid].rate.support[1]:
                yield Problem(
                    where,
                    f"resource {rid!r} has a constant rate: there is nothing to correlate; "
                    "give it a rate distribution or leave it out of the group",
                )


def resource_calendar(
    name: str, project_calendar: Calendar, calendars: Sequence[tuple[str, Calendar]]
) -> Calendar | None:
    """The calendar a resource's ``calendar`` names: "" the project calendar, a name of
    ``calendars``, or a weekday rule on the project calendar's holidays and hours; None
    when it is none of these."""
    if not name:
        return project_calendar
    for n, cal in calendars:
        if n == name:
            return cal
    try:
        mask = weekmask_from_spec(name)
    except ValueError:
        return None
    return dataclasses.replace(project_calendar, weekmask=mask, weather=())


def resource_calendar_problems(
    project: Any, resources: Sequence[Any], tasks: Sequence[Any]
) -> Iterable[Problem]:
    """Resource calendars that name no calendar, and those that differ from the calendar
    of a task the resource works on (this version levels and costs a resource on its
    tasks' working days, so a different calendar would be silently ignored)."""
    for i, r in enumerate(resources):
        if not isinstance(r, Resource) or not r.calendar:
            continue
        where = f"resources[{i + 1}] (id {r.id!r}).calendar"
        cal = resource_calendar(r.calendar, project.calendar, project.calendars)
        if cal is None:
            known = ", ".join(repr(n) for n, _ in project.calendars) or "none"
            yield Problem(
                where,
                f"unknown calendar {r.calendar!r} (defined: {known}); name a calendar under "
                '[calendars], give a weekday rule such as "mon-fri", or leave it out',
            )
            continue
        for t in tasks:
            if not any(a.resource == r.id for a in t.resources):
                continue
            try:
                own = project.calendar_of(t.calendar)
            except KeyError:
                continue  # reported with the task
            if own != cal:
                on = f"calendar {t.calendar!r}" if t.calendar else "the project calendar"
                yield Problem(
                    where,
                    f"resource {r.id!r} works on calendar {r.calendar!r} but its task "
                    f"{t.id!r} on {on}: a resource's calendar must be its tasks' calendar "
                    "in this version (resources work and are paid on their tasks' working "
                    "days); leave 'calendar' out, or put the task on that calendar",
                )
                break


def capacity_problems(resources: Sequence[Resource], tasks: Sequence[Any]) -> Iterable[Problem]:
    """Assignments that may demand more than their resource's capacity: levelling then
    finds no schedule (a task never fits)."""
    known = {r.id: r for r in resources}
    for i, t in enumerate(tasks):
        for k, a in enumerate(t.resources):
            res = known.get(a.resource)
            top = a.units.support[1]
            if res is not None and res.capacity is not None and top > res.capacity + 1e-9:
                yield Problem(
                    f"tasks[{i + 1}] (id {t.id!r}).resources[{k + 1}]",
                    f"task {t.id!r} demands up to {top:.10g} units of {res.id!r}, more than "
                    f"its capacity of {res.capacity:.10g}: no levelled schedule exists; lower the "
                    "units or raise the capacity",
                )
