"""What moved P80 between two updates of a project: a waterfall of changes.

The old update is turned into the new one in documented steps (``STEPS``), each applied
on top of the ones before, and every intermediate scenario is simulated on the same
seed, iterations and sampling. pmo-sim's random numbers are keyed by task and risk id,
so an item a step does not touch draws the same numbers in every state (common random
numbers): a step's change is what that step did, not noise. The steps end at the new
update itself, so they add up to the total change exactly.

A step whose intermediate scenario is not valid on its own (a risk of the old register
on a task the new logic removed) is merged into the next step. Finish percentiles are
compared as dates, counted in working days of the new update's project calendar; costs
in the scenario's currency.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model.errors import ScenarioError
from ..model.scenario import Correlation, Scenario
from ..model.tasks import DATE_CONSTRAINTS

#: The steps from the old update to the new one, in the order they are applied.
STEPS = (
    "progress and data date",
    "duration estimates",
    "logic",
    "calendars",
    "risks",
    "costs",
    "everything else",
)

#: Task fields each step takes from the new update (for the tasks both have).
_PROGRESS = ("status", "actual_start", "actual_finish")
_LOGIC = ("predecessors", "milestone", "as_late_as_possible", *DATE_CONSTRAINTS)


@dataclass(frozen=True)
class Step:
    """One bar of the waterfall: the change a step made, and what it changed (the
    items ranked by how much they can have moved the finish)."""

    step: str
    p50_finish_days: float
    p80_finish_days: float
    p50_cost: float | None
    p80_cost: float | None
    items: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"items": list(self.items)}


@dataclass(frozen=True)
class Attribution:
    """The waterfall from ``old`` to ``new`` (see the module)."""

    steps: tuple[Step, ...]
    old: dict[str, Any]
    new: dict[str, Any]
    iterations: int
    seed: int

    @property
    def total(self) -> dict[str, float | None]:
        def diff(key: str) -> float | None:
            a, b = self.old[key], self.new[key]
            return None if a is None or b is None else b - a

        return {k: diff(k) for k in ("p50_finish_days", "p80_finish_days", "p50_cost", "p80_cost")}

    def to_dict(self) -> dict[str, Any]:
        return {
            "iterations": self.iterations,
            "seed": self.seed,
            "old": self.old,
            "new": self.new,
            "attribution": [s.to_dict() for s in self.steps],
            "total": self.total,
        }


@dataclass(frozen=True)
class State:
    """A scenario's parts between two steps, not yet checked as a whole (a step may
    leave them inconsistent until the next one)."""

    project: Any
    tasks: tuple
    risks: tuple
    correlations: tuple
    simulation: Any
    source: str | None = None
    branches: tuple = ()
    resources: tuple = ()

    @classmethod
    def of(cls, s: Scenario) -> State:
        return cls(
            s.project,
            s.tasks,
            s.risks,
            s.correlations,
            s.simulation,
            s.source,
            s.branches,
            s.resources,
        )


def _tasks(s: Any) -> dict[str, Any]:
    return {t.id: t for t in s.tasks}


def _replace_tasks(s: State, tasks: list) -> State:
    return dataclasses.replace(s, tasks=tuple(tasks))


def _take(fields: tuple[str, ...], *, also: Callable[[Any, Any], dict] | None = None):
    """A step taking ``fields`` of every common task from the new update."""

    def apply(cur: State, new: Scenario) -> State:
        theirs = _tasks(new)
        out = []
        for t in cur.tasks:
            n = theirs.get(t.id)
            if n is None:
                out.append(t)
                continue
            changes = {f: getattr(n, f) for f in fields}
            if also is not None:
                changes |= also(t, n)
            out.append(dataclasses.replace(t, **changes))
        return _replace_tasks(cur, out)

    return apply


def _progress(cur: State, new: Scenario) -> State:
    # A task whose status changed has a new kind of duration (a remaining one): that
    # is progress too.
    step = _take(
        _PROGRESS,
        also=lambda t, n: {"duration": n.duration} if t.status != n.status else {},
    )(cur, new)
    project = dataclasses.replace(cur.project, data_date=new.project.data_date)
    return dataclasses.replace(step, project=project)


def _logic(cur: State, new: Scenario) -> State:
    """The new task set and links; the old register and groups lose removed tasks."""
    mine = _tasks(cur)
    known = {r.id for r in cur.risks}
    tasks = []
    for n in new.tasks:
        t = mine.get(n.id)
        t = n if t is None else dataclasses.replace(t, **{f: getattr(n, f) for f in _LOGIC})
        # Work a risk adds follows its risk: until the risks step, only the old
        # register's risks can add work.
        exists = n.exists if n.exists and n.exists.split(":", 1)[1] in known else None
        tasks.append(dataclasses.replace(t, exists=exists) if t.exists != exists else t)
    keep = {t.id for t in tasks}
    risks = []
    for r in cur.risks:
        impacts = []
        for imp in r.impacts:
            on = tuple(t for t in imp.tasks if t in keep)
            if on:
                impacts.append(dataclasses.replace(imp, tasks=on))
        adds = tuple(t for t in r.adds if t in keep)
        if impacts or r.cost is not None or adds:
            risks.append(
                dataclasses.replace(r, impacts=tuple(impacts), adds=adds, mitigated=r.mitigated)
            )
    groups = []
    for g in cur.correlations:
        if g.tasks:
            on = tuple(t for t in g.tasks if t in keep)
            if len(on) >= 2:
                groups.append(Correlation(g.coefficient, tasks=on))
        else:
            groups.append(g)
    return dataclasses.replace(
        cur,
        tasks=tuple(tasks),
        risks=tuple(risks),
        correlations=tuple(groups),
        branches=new.branches,  # options of work are logic
        # New tasks bring their assignments: the old pool keeps its rates until the
        # costs step, and gains the new update's resources it lacks.
        resources=tuple(cur.resources)
        + tuple(r for r in new.resources if r.id not in {x.id for x in cur.resources}),
    )


def _calendars(cur: State, new: Scenario) -> State:
    p, q = cur.project, new.project
    project = dataclasses.replace(
        p, calendar=q.calendar, calendars=q.calendars, lag_calendar=q.lag_calendar
    )
    return dataclasses.replace(_take(("calendar",))(cur, new), project=project)


def _risks(cur: State, new: Scenario) -> State:
    groups = [g for g in cur.correlations if g.kind != "risk"]
    groups += [g for g in new.correlations if g.kind == "risk"]
    exists = {t.id: t.exists for t in new.tasks}
    tasks = tuple(
        dataclasses.replace(t, exists=exists[t.id]) if t.exists != exists[t.id] else t
        for t in cur.tasks
    )
    return dataclasses.replace(cur, tasks=tasks, risks=new.risks, correlations=tuple(groups))


def _costs(cur: State, new: Scenario) -> State:
    project = dataclasses.replace(
        cur.project, budget=new.project.budget, currency=new.project.currency
    )
    step = _take(("cost", "resources"))(cur, new)
    # Rates, capacities and escalation are costs; the pool keeps resources that tasks
    # not in the new update still use.
    used = {a.resource for t in step.tasks for a in t.resources}
    theirs = {r.id for r in new.resources}
    pool = tuple(new.resources) + tuple(
        r for r in cur.resources if r.id not in theirs and r.id in used
    )
    # Correlations of rates are costs too: the new update's groups (on its pool).
    groups = [g for g in step.correlations if g.kind != "resource"]
    groups += [g for g in new.correlations if g.kind == "resource"]
    return dataclasses.replace(step, project=project, resources=pool, correlations=tuple(groups))


_APPLY: dict[str, Callable[[State, Scenario], State]] = {
    "progress and data date": _progress,
    "duration estimates": _take(("duration",)),
    "logic": _logic,
    "calendars": _calendars,
    "risks": _risks,
    "costs": _costs,
    "everything else": lambda cur, new: State.of(new),
}


def _rebuilt(s: State) -> Scenario:
    """``s`` checked as a scenario (raises ScenarioError where it is not one)."""
    return Scenario(
        project=s.project,
        tasks=s.tasks,
        risks=s.risks,
        correlations=s.correlations,
        simulation=s.simulation,
        source=s.source,
        branches=s.branches,
        resources=s.resources,
    )


def _changed_items(before: Scenario, after: Scenario, run: Any) -> tuple[str, ...]:
    """The tasks and risks that differ between two states: tasks ranked by their mean
    duration's change times their criticality in ``run`` (how far they can have moved
    the finish), then risks by the change in probability times mean delay, then the
    resources and correlation groups that differ."""
    a, b = _tasks(before), _tasks(after)
    crit = getattr(run, "criticality", {}) or {}
    tasks = []
    for tid in sorted(set(a) | set(b)):
        ta, tb = a.get(tid), b.get(tid)
        if ta == tb:
            continue
        mean_a = 0.0 if ta is None else ta.duration.mean
        mean_b = 0.0 if tb is None else tb.duration.mean
        weight = abs(mean_b - mean_a) * float(crit.get(tid, 0.0))
        label = (
            tid
            if ta is not None and tb is not None
            else (f"{tid} (added)" if ta is None else f"{tid} (removed)")
        )
        tasks.append((-weight, label))
    ra, rb = {r.id: r for r in before.risks}, {r.id: r for r in after.risks}
    risks = []
    for rid in sorted(set(ra) | set(rb)):
        x, y = ra.get(rid), rb.get(rid)
        if x == y:
            continue
        if x is None:
            label = f"{rid} (added)"
        elif y is None:
            label = f"{rid} (removed)"
        elif x.status != y.status:
            label = f"{rid} ({y.status})"
        elif x.mitigated != y.mitigated:
            label = f"{rid} (mitigation changed)"
        else:
            label = f"{rid} (changed)"
        px = 0.0 if x is None else x.live_probability
        py = 0.0 if y is None else y.live_probability
        risks.append((-abs(py - px), label))
    pa, pb = {r.id: r for r in before.resources}, {r.id: r for r in after.resources}
    pool = []
    for rid in sorted(set(pa) | set(pb)):
        if pa.get(rid) != pb.get(rid):
            how = "added" if rid not in pa else "removed" if rid not in pb else "changed"
            pool.append(f"resource {rid} ({how})")
    if before.correlations != after.correlations:
        pool.append("correlations (changed)")
    return (
        tuple(label for _, label in sorted(tasks))
        + tuple(label for _, label in sorted(risks))
        + tuple(pool)
    )


def attribute(
    old: Scenario,
    new: Scenario,
    *,
    simulate: Callable[..., Any],
    iterations: int,
    seed: int,
    sampling: str = "lhs",
) -> Attribution:
    """The waterfall from ``old`` to ``new``; ``simulate(scenario, iterations=, seed=,
    sampling=)`` runs each state (the caller's, so it may show progress)."""
    if new.project.id != old.project.id:
        # The project id keys the random streams: every state keeps the old update's,
        # so a renamed project's steps still run on common random numbers.
        new = dataclasses.replace(new, project=dataclasses.replace(new.project, id=old.project.id))
    calendar = new.project.calendar
    start = new.project.start

    def figures(s: Scenario) -> tuple[dict[str, Any], Any]:
        r = simulate(s, iterations=iterations, seed=seed, sampling=sampling)

        def days(q: float) -> float:
            day = np.datetime64(r.percentile_date(q), "D")
            a = np.datetime64(start, "D")
            count = np.busday_count(a, day, busdaycal=calendar.busdaycalendar)
            return float(count)

        costed = r.cost is not None
        return {
            "p50_finish": r.percentile_date(50).isoformat(),
            "p80_finish": r.percentile_date(80).isoformat(),
            "p50_finish_days": days(50),
            "p80_finish_days": days(80),
            "p50_cost": float(r.cost_percentile(50)) if costed else None,
            "p80_cost": float(r.cost_percentile(80)) if costed else None,
        }, r

    first, _ = figures(old)
    values = [first]
    steps: list[Step] = []
    cur, pending, prev = State.of(old), [], old
    for name in STEPS:
        pending.append(name)
        cur = _APPLY[name](cur, new)
        if name == STEPS[-1]:
            candidate = new
        else:
            try:
                candidate = _rebuilt(cur)
            except (ScenarioError, ValueError, TypeError):
                continue  # not a scenario alone: merged into the next step
        fig, run = figures(candidate)
        before = values[-1]

        def diff(key: str, fig=fig, before=before) -> float | None:
            a, b = before[key], fig[key]
            return None if a is None or b is None else b - a

        steps.append(
            Step(
                step=" + ".join(pending),
                p50_finish_days=diff("p50_finish_days"),
                p80_finish_days=diff("p80_finish_days"),
                p50_cost=diff("p50_cost"),
                p80_cost=diff("p80_cost"),
                items=_changed_items(prev, candidate, run),
            )
        )
        values.append(fig)
        prev, pending = candidate, []
    return Attribution(tuple(steps), values[0], values[-1], iterations, seed)
