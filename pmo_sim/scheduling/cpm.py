"""Deterministic critical path method: forward and backward pass on working days.

Link semantics (``lag`` in working days, ``d`` durations, ES/EF/LS/LF early and late
start and finish):

======  ==========================  ==========================
type    forward (successor j)       backward (predecessor i)
======  ==========================  ==========================
FS      ES_j >= EF_i + lag          LF_i <= LS_j - lag
SS      ES_j >= ES_i + lag          LS_i <= LS_j - lag
FF      EF_j >= EF_i + lag          LF_i <= LF_j - lag
SF      EF_j >= ES_i + lag          LS_i <= LF_j - lag
======  ==========================  ==========================

Nothing starts before the project start (offset 0) or a start-no-earlier-than date.
The project finish is the latest early finish; every task's late finish is bounded by it.
Total float is ``LS - ES``; free float is the smallest slack on the task's outgoing
links (or to the project finish when it has none). A task is critical when its total
float is at most ``CRITICAL_TOLERANCE``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np

from ..model.calendar import iso
from ..model.risk_logic import off_plan
from ..model.scenario import Scenario
from .network import FF, FS, SF, SS, Network, build_network
from .passes import general_cpm, push_late
from .timeline import (
    CAP_FLOOR,
    IN_PROGRESS,
    GeneralModel,
    finish_time,
    general_model,
    is_general,
    lagged,
    own_time,
    start_time,
)

#: Total float (working days) at or below which a task counts as critical. Durations and
#: lags are floats, so exact zero would be at the mercy of rounding; a millionth of a
#: working day (well under a second) is far below any meaningful schedule difference.
CRITICAL_TOLERANCE = 1e-6


def forward_pass(net: Network, durations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Early start and finish of every task (topological positions) for given durations."""
    n = net.size
    es, ef = np.empty(n), np.empty(n)
    ptr, pred, kind, lag = net.pred_ptr, net.pred_task, net.pred_type, net.pred_lag
    for j in range(n):
        d = durations[j]
        start = net.earliest_start[j]
        for k in range(ptr[j], ptr[j + 1]):
            i, t = pred[k], kind[k]
            if t == FS:
                bound = ef[i] + lag[k]
            elif t == SS:
                bound = es[i] + lag[k]
            elif t == FF:
                bound = ef[i] + lag[k] - d
            else:  # SF
                bound = es[i] + lag[k] - d
            start = max(start, bound)
        es[j] = start
        ef[j] = start + d
    return es, ef


def backward_pass(
    net: Network, durations: np.ndarray, finish: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Late start and finish of every task, with ``finish`` as the project's late finish
    (or, an array in topological order, each task's latest finish before its
    successors lower it)."""
    n = net.size
    lf = np.array(np.broadcast_to(np.asarray(finish, dtype=float), (n,)))
    ls = np.empty(n)
    ptr, pred, kind, lag = net.pred_ptr, net.pred_task, net.pred_type, net.pred_lag
    for j in range(n - 1, -1, -1):
        ls[j] = lf[j] - durations[j]
        for k in range(ptr[j], ptr[j + 1]):
            i, t = pred[k], kind[k]
            if t == FS:
                bound = ls[j] - lag[k]
            elif t == SS:
                bound = ls[j] - lag[k] + durations[i]
            elif t == FF:
                bound = lf[j] - lag[k]
            else:  # SF
                bound = lf[j] - lag[k] + durations[i]
            lf[i] = min(lf[i], bound)
    return ls, lf


def link_slack(net: Network, es: np.ndarray, ef: np.ndarray) -> np.ndarray:
    """Slack of every predecessor link: how far the predecessor could slip before the
    link would push its successor's early dates."""
    succ = np.repeat(np.arange(net.size), np.diff(net.pred_ptr))
    pred, kind, lag = net.pred_task, net.pred_type, net.pred_lag
    from_end = np.where((kind == FS) | (kind == FF), ef[pred], es[pred])
    to_end = np.where((kind == FS) | (kind == SS), es[succ], ef[succ])
    return to_end - lag - from_end


@dataclass(frozen=True)
class CPMSchedule:
    """A deterministic schedule. Arrays are in the scenario's task order."""

    scenario: Scenario
    network: Network
    durations: np.ndarray
    early_start: np.ndarray
    early_finish: np.ndarray
    late_start: np.ndarray
    late_finish: np.ndarray
    total_float: np.ndarray
    free_float: np.ndarray
    finish: float
    work_start: np.ndarray | None = None
    complete: np.ndarray | None = None

    @property
    def critical(self) -> np.ndarray:
        crit = self.total_float <= CRITICAL_TOLERANCE
        return crit if self.complete is None else crit & ~self.complete

    @property
    def finish_date(self) -> Any:
        """The date of the project finish: the day the last task finishes on, or the
        morning the last event happens on when that is a milestone dated by its start
        (a start milestone moved to Monday after a Friday finish)."""
        s = self.scenario
        last = np.abs(self.early_finish - self.finish) <= 1e-9
        by_start = last.any() and self.dated_by_start[last].all()
        dates = s.timeline.start_dates if by_start else s.timeline.finish_dates
        day = dates(s.project.start, self.finish)
        return s.not_before_data_date(day).astype(object)

    @cached_property
    def dated_by_start(self) -> np.ndarray:
        """Per task (file order): a milestone dated by its start, the morning it happens
        on, rather than by the evening before (and at 13:00 after lunch rather than
        12:00). A start milestone always is; a finish milestone is when its instant
        comes from a start: the start of a predecessor through an SS or SF link without
        lag, a lead, a start milestone, or its own earliest start (the project start, a
        start-no-earlier-than, the data date) or a start date that overrides its links
        (a mandatory start; a start no later than where constraints override logic).
        P6 writes such an instant at the morning (08:00 after an SS link from a task
        starting at 08:00) and the end of a finish at the evening. Computed once per
        schedule (``dates``, ``times`` and ``finish_date`` all read it)."""
        s = self.scenario
        net = self.network
        order = net.order
        n = net.size
        d = self.durations[order]
        start = (self.early_start if self.work_start is None else self.work_start)[order]
        finish = self.early_finish[order]
        kind = np.array([s.tasks[i].start_milestone for i in order], dtype=bool)
        floor = net.earliest_start.copy()
        p = s.project
        if p.data_date is not None:
            floor = np.maximum(floor, s.timeline.start_offset_of(p.start, p.data_date))
        # Start dates that place a task: a mandatory start, whatever its links say, and
        # a start no later than that overrides the logic, where no link drives it.
        hard = np.full(n, np.nan)
        cap = np.full(n, np.nan)
        for j, i in enumerate(order):
            t = s.tasks[i]
            if t.mandatory_start is not None:
                hard[j] = s.timeline.start_offset_of(p.start, t.mandatory_start)
            if p.constraints_override_logic and t.start_no_later_than is not None:
                cap[j] = s.timeline.start_offset_of(p.start, t.start_no_later_than)
        morning = kind.copy()
        for j in range(n):
            x = finish[j]
            if d[j] != 0.0 or morning[j]:
                continue
            if abs(floor[j] - x) <= 1e-9 or abs(hard[j] - x) <= 1e-9:
                morning[j] = True
                continue
            driven = False
            for k in range(net.pred_ptr[j], net.pred_ptr[j + 1]):
                i, t, lag = int(net.pred_task[k]), int(net.pred_type[k]), net.pred_lag[k]
                from_start = t in (SS, SF)
                src = start[i] if from_start else finish[i]
                if abs(src + lag - x) > 1e-9:
                    continue  # it does not drive
                driven = True
                if lag > 0.0:
                    continue  # a positive lag ends at an evening
                if lag < 0.0 or from_start or (d[i] == 0.0 and morning[i]):
                    morning[j] = True
                    break
            if not driven and abs(cap[j] - x) <= 1e-9:
                morning[j] = True  # the cap pulled it back to its date's morning
        return morning[net.position]

    def dates(self) -> dict[str, np.ndarray]:
        """Early and late start and finish dates (numpy datetime64) in task order; open
        work is not dated before the data date."""
        s = self.scenario
        cal, start = s.timeline, s.project.start
        by_start = self.dated_by_start
        es, ef = cal.task_dates(start, self.early_start, self.early_finish, by_start)
        # Late dates come from the backward pass, whose instants are finishes (a
        # successor's start less its lag, the project finish): the finish rule.
        ls, lf = cal.task_dates(start, self.late_start, self.late_finish)
        # A task in progress reports its actual start, a fact; its other dates are open.
        not_started = np.array([t.status == "not started" for t in s.tasks])
        open_rows = np.array([t.status != "complete" for t in s.tasks])
        return {
            "early_start": s.not_before_data_date(es, not_started),
            "early_finish": s.not_before_data_date(ef, open_rows),
            "late_start": s.not_before_data_date(ls, open_rows),
            "late_finish": s.not_before_data_date(lf, open_rows),
        }

    def times(self) -> dict[str, list[dt.datetime]]:
        """The dates of ``dates()`` with their times of day, where the scenario's
        calendars have working hours (``Calendar.hours``); empty lists without them.
        A start is the moment work begins (08:00, or 13:00 after a lunch break), a
        finish the moment it ends (12:00, 17:00); a milestone is at its instant (a start
        milestone at its start). A date the data date moved keeps its calendar's first
        working hour."""
        s = self.scenario
        timeline, start = s.timeline, s.project.start
        if not timeline.hours:
            return {key: [] for key in ("early_start", "early_finish", "late_start", "late_finish")}
        dates = self.dates()
        by_start = self.dated_by_start
        instant = self.durations == 0.0
        out = {}
        for key, offsets, finish in (
            ("early_start", self.early_start, False),
            ("early_finish", self.early_finish, True),
            ("late_start", self.late_start, False),
            ("late_finish", self.late_finish, True),
        ):
            # A milestone is dated by its finish (a start milestone by its start), as
            # ``dates()`` does; both ends of it are one moment.
            at_start = timeline.moments(start, offsets, finish=False)
            at_finish = timeline.moments(start, offsets, finish=True)
            moments = []
            for i, day in enumerate(dates[key]):
                if instant[i]:
                    early = key.startswith("early")
                    m = at_start[i] if by_start[i] and early else at_finish[i]
                else:
                    m = at_finish[i] if finish else at_start[i]
                floor = day.astype(object)
                if m.date() < floor:
                    m = dt.datetime.combine(floor, dt.time()) + dt.timedelta(
                        hours=timeline.hours[0][0]
                    )
                moments.append(m)
            out[key] = moments
        return out

    def critical_paths(self, limit: int = 20) -> list[list[str]]:
        """Chains of critical tasks joined by driving links, from start to finish.

        A link drives when its slack is zero; at most ``limit`` paths are returned.
        """
        net = self.network
        ef = self.early_finish[net.order]
        crit = self.critical[net.order]
        graph = nx.DiGraph()
        graph.add_nodes_from(k for k in range(net.size) if crit[k])
        for i, j in self._driving_links():
            if crit[i] and crit[j]:
                graph.add_edge(i, j)
        sources = [k for k in graph if graph.in_degree(k) == 0]
        sinks = [k for k in graph if graph.out_degree(k) == 0 and abs(ef[k] - self.finish) <= 1e-6]
        paths: list[list[str]] = []
        for s in sources:
            for path in nx.all_simple_paths(graph, s, sinks) if s not in sinks else [[s]]:
                paths.append([net.ids[k] for k in path])
                if len(paths) >= limit:
                    return paths
        return paths

    def _driving_links(self) -> list[tuple[int, int]]:
        """(predecessor, successor) topological positions of links with no slack."""
        net = self.network
        es = (self.early_start if self.work_start is None else self.work_start)[net.order]
        ef = self.early_finish[net.order]
        if self.work_start is None:
            slack = link_slack(net, es, ef)
            succ = np.repeat(np.arange(net.size), np.diff(net.pred_ptr))
            return [(int(net.pred_task[k]), int(succ[k])) for k in np.flatnonzero(slack <= 1e-6)]
        gm = general_model(self.scenario)
        cal = gm.tables.arrays
        out = []
        for j in range(net.size):
            c = gm.task_cal[j]
            for k in range(gm.pred_ptr[j], gm.pred_ptr[j + 1]):
                i, t = int(gm.pred_task[k]), gm.pred_type[k]
                source = ef[i] if t in (FS, FF) else es[i]
                target = es[j] if t in (FS, SS) else ef[j]
                bound = lagged(cal, gm.lag_cal[k], source, gm.pred_lag[k])
                if c >= 0:
                    bound, target = own_time(cal, c, bound), own_time(cal, c, target)
                if bound >= target - 1e-6:
                    out.append((i, j))
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``pmo-sim cpm --json``."""
        p = self.scenario.project
        dates = self.dates()
        es_dates, ef_dates = dates["early_start"], dates["early_finish"]
        ls_dates, lf_dates = dates["late_start"], dates["late_finish"]
        times = self.times()
        tasks = {}
        for i, t in enumerate(self.scenario.tasks):
            # With working hours, each date also with its time of day ("..._at").
            at = {
                f"{key}_at": times[key][i].isoformat(timespec="minutes")
                for key in times
                if times[key]
            }
            tasks[t.id] = {
                "name": t.name,
                "duration": float(self.durations[i]),
                "early_start": float(self.early_start[i]),
                "early_finish": float(self.early_finish[i]),
                "late_start": float(self.late_start[i]),
                "late_finish": float(self.late_finish[i]),
                "total_float": float(self.total_float[i]),
                "free_float": float(self.free_float[i]),
                "critical": bool(self.critical[i]),
                "early_start_date": iso(es_dates[i]),
                "early_finish_date": iso(ef_dates[i]),
                "late_start_date": iso(ls_dates[i]),
                "late_finish_date": iso(lf_dates[i]),
                **at,
            }
        return {
            "project": p.name,
            "start": p.start.isoformat(),
            "calendar": p.calendar.name,
            "finish": {"days": float(self.finish), "date": iso(self.finish_date)},
            "critical_paths": self.critical_paths(),
            "tasks": tasks,
        }


def _snap(values: np.ndarray) -> np.ndarray:
    """Floats within rounding noise of zero (|x| < 1e-9 days) are reported as 0.

    ``(a + d) - d`` need not equal ``a`` in floating point, so a critical task with a
    fractional duration can come out with a float of -1e-14; that is noise, not a
    negative float.
    """
    return np.where(np.abs(values) < 1e-9, 0.0, values)


def deterministic_durations(scenario: Scenario, net: Network) -> np.ndarray:
    """Each task's deterministic duration (most likely value), in topological order;
    0 for a task that is not in the plan (``plan_exclusions``)."""
    d = np.array([scenario.tasks[i].duration.deterministic for i in net.order])
    off = plan_exclusions(scenario)
    for k, tid in enumerate(net.ids):
        if tid in off:
            d[k] = 0.0
    return d


def plan_exclusions(scenario: Scenario) -> frozenset[str]:
    """Tasks that are not in the deterministic plan (``risk_logic.off_plan``): work added
    by risks, and branch options not taken, conditional ones decided on the plan."""
    if not (scenario.branches or any(r.adds for r in scenario.risks)) and not any(
        t.exists for t in scenario.tasks
    ):
        return frozenset()
    cached = scenario.__dict__.get("_plan_exclusions")
    if cached is not None:
        return cached
    off = off_plan(scenario)
    if any(b.conditional for b in scenario.branches):
        # Conditions read tasks scheduled before the branch: decide them on the plan
        # without any conditional option's work.
        net = build_network(scenario)
        first = np.array([scenario.tasks[i].duration.deterministic for i in net.order])
        for k, tid in enumerate(net.ids):
            first[k] = 0.0 if tid in off else first[k]
        plan = schedule(scenario, first[net.position], as_late=False)
        index = {tid: i for i, tid in enumerate(scenario.task_ids)}
        timeline, start = scenario.timeline, scenario.project.start

        def holds(c: Any) -> bool:
            i = index[c.task]
            if c.finishes_after is not None:
                limit = timeline.days_until(start, c.finishes_after)
                return bool(plan.early_finish[i] > limit + 1e-9)
            return bool(plan.durations[i] > c.duration_above)

        off = off_plan(scenario, holds)
    result = frozenset(off)
    object.__setattr__(scenario, "_plan_exclusions", result)
    return result


def schedule(
    scenario: Scenario,
    durations: np.ndarray | None = None,
    *,
    as_late: bool = True,
    late_constraints: bool = True,
) -> CPMSchedule:
    """Deterministic CPM of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
    durations : numpy.ndarray, optional
        Durations in the scenario's task order; defaults to each task's most likely value.
    as_late : bool
        Date "as late as possible" tasks by the project's ``alap_float`` rule (the
        default, as P6 and MS Project do); False dates every task as soon as possible,
        as the simulation's iterations do.
    late_constraints : bool
        Bound late dates by no-later-than constraints, deadlines and hard dates (the
        default, as P6 and MS Project do); False counts floats on paths to the project
        finish only, as the simulation's criticality index does
        (``general_model(to_finish=True)``).
    """
    net = build_network(scenario)
    if durations is None:
        d = deterministic_durations(scenario, net)
    else:
        d = np.asarray(durations, dtype=float)[net.order]
    pinned = open_ends(net) if scenario.project.open_ended_critical else np.zeros(net.size, bool)

    def late(plan: CPMSchedule) -> CPMSchedule:
        if not as_late:
            return plan
        if scenario.project.alap_float == "total":
            gm = general_model(scenario, to_finish=not late_constraints)
            return _at_late_dates(plan, pinned, gm)
        return _as_late_as_possible(plan, pinned)

    if is_general(scenario):
        gm = general_model(scenario, to_finish=not late_constraints)
        return late(_general_schedule(scenario, net, d, pinned, gm))
    es, ef = forward_pass(net, d)
    finish = float(ef.max()) if ef.size else 0.0
    ceiling = np.where(pinned, ef, finish)
    ls, lf = backward_pass(net, d, ceiling)
    total_float = _snap(ls - es)
    slack = link_slack(net, es, ef)
    free = ceiling - ef
    np.minimum.at(free, net.pred_task, slack)
    free = _snap(free)
    back = net.position  # topological position of each task in file order
    return late(
        CPMSchedule(
            scenario=scenario,
            network=net,
            durations=d[back],
            early_start=es[back],
            early_finish=ef[back],
            late_start=ls[back],
            late_finish=lf[back],
            total_float=total_float[back],
            free_float=free[back],
            finish=finish,
        )
    )


def _late_tasks(plan: CPMSchedule) -> list[int]:
    """Topological positions of the not-started "as late as possible" tasks."""
    net = plan.network
    return [
        int(net.position[i])
        for i, t in enumerate(plan.scenario.tasks)
        if t.as_late_as_possible and t.status == "not started"
    ]


def _at_late_dates(plan: CPMSchedule, pinned: np.ndarray, gm: GeneralModel) -> CPMSchedule:
    """``plan`` with each not-started "as late as possible" task at its late dates and
    its successors scheduled from there (MS Project's rule, ``alap_float = "total"``):
    a forward pass again, each such task at its late start whatever its links and
    finish bounds say (never before the data date or the project start). With negative
    float (a deadline or no-later-than date it cannot meet as soon as possible) that
    is before its early start, and the task pulls its successors, and maybe the
    finish, earlier: MS Project schedules it by its late dates, deadline included.
    Late dates are the plan's (the backward pass is not run again). The moved task
    keeps the total float it has as soon as possible, as MS Project reports it; the
    others' floats are counted from their new early dates."""
    late = _late_tasks(plan)
    if not late:
        return plan
    s, net = plan.scenario, plan.network
    order = net.order
    earliest = gm.earliest.copy()
    earliest[late] = np.maximum(gm.caps[late, CAP_FLOOR], plan.late_start[order][late])
    floor = gm.finish_floor.copy()
    floor[late] = -np.inf
    flags = gm.flags.copy()
    flags[late] |= 64  # its links bind nothing in the forward pass
    d = plan.durations[order]
    moved = _general_schedule(
        s, net, d, pinned, replace(gm, earliest=earliest, finish_floor=floor, flags=flags)
    )
    cal = gm.tables.arrays
    lf, ef = plan.late_finish[order], moved.early_finish[order]
    tf = np.empty(net.size)
    for j in range(net.size):
        c = gm.task_cal[j]
        if gm.complete[j]:
            tf[j] = 0.0
        elif c < 0 or d[j] == 0.0:
            tf[j] = lf[j] - ef[j]
        else:
            tf[j] = own_time(cal, c, lf[j]) - own_time(cal, c, ef[j])
    total_float = _snap(tf)[net.position]
    own = order[late]  # file positions of the moved tasks
    total_float[own] = plan.total_float[own]
    return replace(
        moved,
        late_start=plan.late_start,
        late_finish=plan.late_finish,
        total_float=total_float,
    )


def _as_late_as_possible(plan: CPMSchedule, pinned: np.ndarray) -> CPMSchedule:
    """``plan`` with each not-started "as late as possible" task dated as late as its
    successors allow (P6 and MS Project schedule such a task so): latest first, in
    reverse topological order, so a chain of them moves as a whole. A moved task's
    total float is less by what it moved; the free floats are then recounted against
    the moved dates. No other task's dates move: each move stays within free float."""
    s = plan.scenario
    net = plan.network
    late = _late_tasks(plan)
    if not late:
        return plan
    gm = general_model(s)
    cal = gm.tables.arrays
    order = net.order
    es, ef = plan.early_start[order].copy(), plan.early_finish[order].copy()
    work = es.copy() if plan.work_start is None else plan.work_start[order].copy()
    d = plan.durations[order]
    tf = plan.total_float[order].copy()
    successors: list[list[int]] = [[] for _ in range(net.size)]
    for j in range(net.size):
        for k in range(gm.pred_ptr[j], gm.pred_ptr[j + 1]):
            successors[int(gm.pred_task[k])].append(k)
    link_successor = np.repeat(np.arange(net.size), np.diff(gm.pred_ptr))
    scratch = np.empty(1)

    def latest_finish(i: int) -> float:
        """The latest finish of task ``i`` that keeps every successor's dates (an open
        end ``pinned`` by open_ended_critical keeps its own early finish)."""
        bound = np.array([ef[i] if pinned[i] else plan.finish])
        for k in successors[i]:
            j, kind = int(link_successor[k]), int(gm.pred_type[k])
            c = gm.task_cal[j]
            if kind in (FS, SS):
                src = work[j]
            elif c < 0 or d[j] == 0.0:
                src = ef[j]
            else:  # the latest time with the finish's work done, as the forward pass
                src = start_time(cal, c, own_time(cal, c, ef[j]))
            push_late(
                cal,
                gm.lag_cal[k],
                gm.pred_lag[k],
                kind in (SS, SF),
                gm.task_cal[i],
                d[i : i + 1],
                np.array([src]),
                bound,
                scratch,
                1,
            )
        return float(bound[0])

    for i in sorted(late, reverse=True):
        # Free float only: P6 moves it even where late dates (negative float) say less.
        finish = latest_finish(i)
        if finish <= ef[i]:
            continue
        c = gm.task_cal[i]
        if c < 0 or d[i] == 0.0:
            shift = finish - ef[i]
            es[i], ef[i] = finish - d[i], finish
        else:
            done = own_time(cal, c, finish)
            shift = done - own_time(cal, c, ef[i])
            ef[i] = finish_time(cal, c, done)
            es[i] = start_time(cal, c, done - d[i])
        work[i] = es[i]
        tf[i] = float(_snap(np.array(tf[i] - shift)))
    ff = np.zeros(net.size)
    complete = gm.complete
    for i in range(net.size):
        if complete[i]:
            continue
        c = gm.task_cal[i]
        finish = latest_finish(i)
        if c < 0 or d[i] == 0.0:
            ff[i] = finish - ef[i]
        else:
            ff[i] = own_time(cal, c, finish) - own_time(cal, c, ef[i])
    back = net.position
    started = plan.work_start is not None
    return replace(
        plan,
        early_start=_reported_start(plan, es, back),
        early_finish=ef[back],
        total_float=tf[back],
        free_float=_snap(ff)[back],
        work_start=work[back] if started else None,
    )


def _reported_start(plan: CPMSchedule, es: np.ndarray, back: np.ndarray) -> np.ndarray:
    """Early starts in file order: a task in progress keeps its actual start (a fact)."""
    out = es[back]
    if plan.work_start is not None:
        in_progress = np.array([t.status == "in progress" for t in plan.scenario.tasks])
        out[in_progress] = plan.early_start[in_progress]
    return out


def open_ends(net: Network) -> np.ndarray:
    """Tasks without successors, in topological order (a mask)."""
    out = np.ones(net.size, dtype=bool)
    out[net.pred_task] = False
    return out


def _general_schedule(
    scenario: Scenario,
    net: Network,
    d: np.ndarray,
    pinned: np.ndarray,
    gm: GeneralModel | None = None,
) -> CPMSchedule:
    """CPM with task calendars and progress, through the kernels' own passes (on
    ``gm``, by default the scenario's own arrays)."""
    gm = general_model(scenario) if gm is None else gm
    args = (True, *gm.arrays)
    n = net.size
    d = np.array(d, dtype=float)
    es, ef, ls, lf = (np.empty(n) for _ in range(4))
    tf, ff = np.empty(n), np.empty(n)
    crit = np.zeros(n, dtype=np.bool_)
    general_cpm(args, d, pinned.astype(np.uint8), es, ef, ls, lf, tf, ff, crit, CRITICAL_TOLERANCE)
    complete = gm.complete
    work_start = es.copy()
    in_progress = gm.status == IN_PROGRESS
    es[in_progress] = gm.fixed_es[in_progress]
    back = net.position
    return CPMSchedule(
        scenario=scenario,
        network=net,
        durations=d[back],
        early_start=es[back],
        early_finish=ef[back],
        late_start=ls[back],
        late_finish=lf[back],
        total_float=_snap(tf)[back],
        free_float=_snap(ff)[back],
        finish=float(ef.max()) if n else 0.0,
        work_start=work_start[back],
        complete=complete[back],
    )
