"""Resources and assignments read from a schedule file, with their cost counted once.

A reader (XER, MSPDI) lists the file's resources (``FileResource``) and its assignments
(``FileAssignment``: units at once, and the money the task's cost already holds for
it), and ``carry_resources`` turns them into the scenario's ``Resource`` entries and
the tasks' ``Assignment`` lists.

**Cost is counted once.** The readers keep their cost rules (an assignment's cost is
part of its task's rate per working day, or fixed), and a resource takes its rate from
the file only when that rate reproduces the cost the file gives *every* one of its
assignments in the project: units x rate per working day x the task's duration, within
a cent and 0.01%. Then those assignments' amounts leave their tasks' rates per day, and
the resource prices them (so an uncertain rate on it moves every task that uses it).
Otherwise the resource's rate is 0, its assignments' costs stay task costs, and a
warning names the resource and the first assignment the rate does not reproduce
(P6 rate overrides and second prices, role rates, assignments shorter than their task,
a cost per use). Material is never priced by rate: its cost is fixed, as before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ...model.errors import id_list
from ...model.resources import Assignment, Resource
from ...model.tasks import Task, TaskCost
from .common import CalendarInfo, Collector, ImportedTask

#: How close the cost a rate gives must be to the file's: a cent per assignment, and
#: this share of the amount (files round quantities to 8 decimals and money to cents).
MONEY_ABS_TOL = 0.01
MONEY_REL_TOL = 1e-4


@dataclass(frozen=True)
class FileResource:
    """A resource as the file gives it.

    ``key`` is the file's own id (P6 ``rsrc_id``, MSPDI ``UID``); ``id`` the scenario's.
    ``hourly_rates`` are (effective from, cost per unit and hour), oldest first (``None``:
    from the beginning). ``capacity`` is units at once (None: unlimited).
    """

    key: str
    id: str
    name: str
    material: bool = False
    hourly_rates: tuple[tuple[dt.date | None, float], ...] = ()
    capacity: float | None = None


@dataclass(frozen=True)
class FileAssignment:
    """``units`` (at once) of resource ``resource`` (a ``FileResource.key``) on the task
    ``task`` (a scenario task id); ``amount`` is what the task's rate per working day
    already holds for it (0 when its cost is fixed)."""

    task: str
    resource: str
    units: float
    amount: float


def unique_resource_ids(entries: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Scenario ids for (file key, preferred id) pairs: the preferred id (the resource's
    P6 ID, its MS Project name), with the file key added where two share one or it is
    blank."""
    entries = list(entries)
    counts = Counter(pref.strip() for _, pref in entries)
    out = {}
    for key, pref in entries:
        pref = pref.strip()
        out[key] = pref if pref and counts[pref] == 1 else f"{pref or 'resource'} ({key})"
    return out


def rate_in_effect(
    rates: Sequence[tuple[dt.date | None, float]], day: dt.date
) -> tuple[float, tuple[tuple[dt.date, float], ...]]:
    """The hourly rate in effect on ``day`` (the first rate when ``day`` is before them
    all), and the later (date, rate) changes."""
    if not rates:
        return 0.0, ()
    base = rates[0][1]
    later = []
    for since, rate in rates:
        if since is None or since <= day:
            base = rate
        else:
            later.append((since, rate))
    return base, tuple(later)


def carry_resources(
    c: Collector,
    where: str,
    resources: Sequence[FileResource],
    assignments: Sequence[FileAssignment],
    tasks: Sequence[Task],
    extras: Sequence[ImportedTask],
    calendars: dict[str, CalendarInfo],
    start: dt.date,
    tool: str,
) -> tuple[list[Task], tuple[Resource, ...]]:
    """The tasks with their assignments (and without the cost their priced resources now
    carry), and the scenario's resources: those the tasks use, in the file's order.

    ``where`` names the file's assignment table in warnings, ``tool`` the scheduling
    tool ("P6", "MS Project").
    """
    by_key = {r.key: r for r in resources}
    index = {t.id: i for i, t in enumerate(tasks)}
    merged: dict[tuple[str, str], list[float]] = {}
    twice: list[str] = []
    for a in assignments:
        if a.task not in index or a.resource not in by_key:
            continue
        pair = (a.task, a.resource)
        if pair in merged:
            merged[pair][0] += a.units
            merged[pair][1] += a.amount
            twice.append(f"{a.task}@{by_key[a.resource].id}")
        else:
            merged[pair] = [a.units, a.amount]
    if twice:
        c.warn(
            where,
            f"{len(twice)} assignments repeat a resource already on their task; each pair "
            f"becomes one assignment with the total units: {id_list(dict.fromkeys(twice))}",
            ids=tuple(dict.fromkeys(twice)),
        )
    per_resource: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    for (task_id, key), (units, amount) in merged.items():
        per_resource[key].append((task_id, units, amount))

    built: dict[str, Resource] = {}
    priced: set[str] = set()
    unpriced: list[str] = []
    for r in resources:
        if r.key not in per_resource:
            continue
        uses = per_resource[r.key]
        hours = Counter(_hours_per_day(extras[index[t]], calendars) for t, _, _ in uses)
        hpd = hours.most_common(1)[0][0]
        base, later = rate_in_effect(r.hourly_rates, start)
        rate, escalation, why = 0.0, None, ""
        if not r.material and (base > 0 or any(x > 0 for _, x in later)):
            steps, why = _escalation(base, later)
            if not why:
                why = _mismatch(r, uses, tasks, extras, index, base * hpd, steps, start)
            if not why:
                rate, escalation = round(base * hpd, 9), steps or None
                priced.add(r.key)
            else:
                unpriced.append(f"{r.id} ({why})")
        built[r.key] = Resource(
            id=r.id,
            name=r.name,
            rate=rate,
            capacity=None if r.material else r.capacity,
            escalation=escalation,
        )
    if unpriced:
        c.warn(
            where,
            f"{len(unpriced)} resources keep their cost on their tasks (rate 0 in the "
            f"scenario): their {tool} rate does not reproduce the cost the file gives every "
            "one of their assignments (units x rate x the task's duration), so pricing by "
            f"it would change the cost: {id_list(unpriced)}",
            ids=tuple(u.split(" (", 1)[0] for u in unpriced),
        )

    over = [
        f"{task_id}@{built[key].id} ({units:g} of {built[key].capacity:g})"
        for (task_id, key), (units, _) in merged.items()
        if built[key].capacity is not None and units > built[key].capacity + 1e-9
    ]
    if over:
        c.warn(
            where,
            f"{len(over)} assignments use more units than their resource's maximum; a "
            "levelled run ([simulation] levelling) refuses them until the units or the "
            f"capacity change: {id_list(over)}",
            ids=tuple(o.split(" (", 1)[0] for o in over),
        )

    on_task: dict[str, list[Assignment]] = defaultdict(list)
    moved: dict[str, tuple[float, int]] = {}
    for (task_id, key), (units, amount) in merged.items():
        on_task[task_id].append(Assignment(built[key].id, round(units, 9)))
        if key in priced:
            total, n = moved.get(task_id, (0.0, 0))
            moved[task_id] = (total + amount, n + 1)
    out = []
    for t in tasks:
        if t.id in on_task:
            cost = t.cost
            if t.id in moved:
                cost = _without(cost, t.duration.deterministic, *moved[t.id])
            t = dataclasses.replace(t, resources=tuple(on_task[t.id]), cost=cost)
        out.append(t)
    return out, tuple(built[r.key] for r in resources if r.key in built)


def _hours_per_day(extra: ImportedTask, calendars: dict[str, CalendarInfo]) -> float:
    info = calendars.get(extra.calendar)
    return info.hours_per_day if info is not None else 8.0


def _escalation(
    base: float, later: tuple[tuple[dt.date, float], ...]
) -> tuple[tuple[tuple[dt.date, float], ...], str]:
    """Rate changes after the project start as escalation factors of the rate in effect
    then, or why they cannot be (a rate that starts from or falls to 0)."""
    steps: list[tuple[dt.date, float]] = []
    previous = base
    for since, rate in later:
        if base <= 0 or rate <= 0:
            return (), f"its rate changes from {previous:g} to {rate:g} on {since}"
        if rate != previous:
            steps.append((since, rate / base))
        previous = rate
    return tuple(steps), ""


def _factor(steps: tuple[tuple[dt.date, float], ...], day: dt.date) -> float:
    factor = 1.0
    for since, f in steps:
        if day >= since:
            factor = f
    return factor


def _mismatch(
    r: FileResource,
    uses: list[tuple[str, float, float]],
    tasks: Sequence[Task],
    extras: Sequence[ImportedTask],
    index: dict[str, int],
    daily: float,
    steps: tuple[tuple[dt.date, float], ...],
    start: dt.date,
) -> str:
    """ "" when ``daily`` (the rate per working day, escalated from the task's start in the
    file) reproduces the amount of each of the resource's assignments, else the first
    that it does not."""
    for task_id, units, amount in uses:
        i = index[task_id]
        days = tasks[i].duration.deterministic
        begins = extras[i].early_start or extras[i].actual_start
        day = begins.date() if begins is not None else start
        expected = units * daily * _factor(steps, day) * days
        if not math.isclose(expected, amount, rel_tol=MONEY_REL_TOL, abs_tol=MONEY_ABS_TOL):
            return f"task {task_id}: the file's cost {amount:.2f}, the rate's {expected:.2f}"
    return ""


def _without(cost: TaskCost | None, duration: float, amount: float, n: int) -> TaskCost | None:
    """``cost`` less ``amount`` from its rate per working day (what ``n`` priced
    assignments now carry); what is left within the matching tolerance is rounding."""
    if cost is None or duration <= 0 or amount == 0:
        return cost
    rest = cost.per_day * duration - amount
    if rest <= n * MONEY_ABS_TOL + MONEY_REL_TOL * abs(amount):
        rest = 0.0
    per_day = round(rest / duration, 9)
    if per_day == 0 and cost.fixed.support == (0.0, 0.0):
        return None
    return TaskCost(fixed=cost.fixed, per_day=per_day)
