"""Resources compiled for the kernels: rates, assignments, escalation and the levelling
order (``ResourceModel``), and the deterministic levelled schedule.

Random streams: ``<project>/rate:<resource>`` (one draw per iteration: every task using
the resource pays the same rate in an iteration), ``<project>/units:<task>@<resource>``
(an assignment's units) and ``<project>/per-day:<task>`` (a task's uncertain rate per
day).

The levelling order is fixed before the iterations start, from the deterministic
(unlevelled) schedule: higher ``Task.priority`` first, then earlier late start, then less
total float, then task id (digits by value: A9 before A10); every task comes after all
its predecessors (the order is the activity list of a serial schedule-generation
scheme). Iterations then differ only in
what they sample, so a levelled result is as reproducible as an unlevelled one.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass

import numpy as np

from ..model.errors import Problem, ScenarioError
from ..model.resources import capacity_problems
from ..model.scenario import Scenario
from ..scheduling.network import Network
from .quantiles import Packer
from .rng import stream_keys

_RUNS = re.compile(r"([0-9]+)|([^0-9]+)")

#: Default levelling priority of a task (MS Project's).
DEFAULT_PRIORITY = 500
#: Capacity of a resource without one (never levelled).
UNLIMITED = 1e300


@dataclass(frozen=True)
class ResourceModel:
    """The resources of a compiled model; assignments in model (topological) order."""

    ids: tuple[str, ...]
    rate_row: np.ndarray
    rate_const: np.ndarray
    a_ptr: np.ndarray
    a_res: np.ndarray
    a_row: np.ndarray
    a_const: np.ndarray
    a_names: tuple[str, ...]
    pd_row: np.ndarray
    esc_ptr: np.ndarray
    esc_time: np.ndarray
    esc_cum: np.ndarray
    esc_factor: np.ndarray
    #: Levelling order (model positions); empty when the run is not levelled.
    order: np.ndarray
    capacity: np.ndarray
    #: Per resource, its item in the correlation model (a copula uniform), else -1.
    rate_corr: np.ndarray

    @property
    def levelled(self) -> bool:
        return self.order.size > 0

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def profile_length(self) -> int:
        """Breakpoints a resource profile may need: two per assignment, plus the first."""
        if not self.a_res.size:
            return 1
        return int(2 * np.bincount(self.a_res, minlength=self.size).max() + 1)

    def arrays(self, scope: str, task_ids: tuple[str, ...], seed: int) -> tuple:
        """The kernels' resource arrays (see ``kernels.resources``) for ``seed``."""
        rate_keys = stream_keys(seed, [f"{scope}/rate:{r}" for r in self.ids])
        a_keys = stream_keys(seed, [f"{scope}/units:{x}" for x in self.a_names])
        pd_keys = stream_keys(seed, [f"{scope}/per-day:{t}" for t in task_ids])
        return (
            rate_keys,
            self.rate_row,
            self.rate_const,
            self.a_ptr,
            self.a_res,
            a_keys,
            self.a_row,
            self.a_const,
            pd_keys,
            self.pd_row,
            self.esc_ptr,
            self.esc_time,
            self.esc_cum,
            self.esc_factor,
            self.order,
            self.capacity,
            self.rate_corr,
        )


def needs_resources(scenario: Scenario) -> bool:
    """True when the scenario has resources, assignments or an uncertain rate per day."""
    return bool(scenario.resources) or any(
        t.resources or (t.cost is not None and t.cost.uncertain_per_day is not None)
        for t in scenario.tasks
    )


def _general_reasons(scenario: Scenario) -> list[str]:
    """What sends ``scenario`` to the calendar passes, with a few task ids each."""
    p = scenario.project
    def some(label: str, ids: list[str]) -> str | None:
        if not ids:
            return None
        more = f" and {len(ids) - 3} more" if len(ids) > 3 else ""
        return f"{label} ({', '.join(repr(i) for i in ids[:3])}{more})"

    found = [
        "a data date (progress)" if p.data_date is not None else None,
        some(
            "tasks on calendars other than the project's",
            [t.id for t in scenario.tasks if p.calendar_of(t.calendar) != p.calendar],
        ),
        some(
            "finish, mandatory or late-date constraints",
            [t.id for t in scenario.tasks if t.has_finish_constraint],
        ),
        some(
            "weather on the calendars of",
            [t.id for t in scenario.tasks if p.calendar_of(t.calendar).weather],
        ),
    ]
    if p.lag_calendar == "project" and p.calendar != scenario.timeline:
        found.append("lags on the project calendar, which is not the timeline")
    return [f for f in found if f] or ["calendar passes (see docs/resources.md)"]


def levelling_problems(scenario: Scenario, general: bool) -> list[Problem]:
    """Why ``scenario`` cannot be levelled, if it cannot."""
    problems = list(capacity_problems(scenario.resources, scenario.tasks))
    if general:
        problems.append(
            Problem(
                "simulation.levelling",
                "levelling runs on the project calendar only, for schedules without "
                f"progress, finish constraints, task calendars or weather; this scenario "
                f"has {'; '.join(_general_reasons(scenario))}: simulate it unlevelled, or "
                "remove them",
            )
        )
    if not any(r.capacity is not None for r in scenario.resources):
        problems.append(
            Problem(
                "simulation.levelling",
                "no resource has a capacity, so levelling has nothing to level: give a "
                "[[resources]] entry a 'capacity'",
            )
        )
    return problems


def topological_order(pred_ptr: np.ndarray, pred_task: np.ndarray, key: list) -> np.ndarray:
    """Tasks (CSR predecessors) in order of ``key`` among those whose predecessors are
    all placed: a precedence-feasible activity list."""
    n = pred_ptr.size - 1
    waiting = np.diff(pred_ptr).astype(np.int64)
    succ: list[list[int]] = [[] for _ in range(n)]
    for j in range(n):
        for q in range(pred_ptr[j], pred_ptr[j + 1]):
            succ[int(pred_task[q])].append(j)
    ready = [(key[k], k) for k in range(n) if waiting[k] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        k = heapq.heappop(ready)[1]
        order.append(k)
        for s in succ[k]:
            waiting[s] -= 1
            if waiting[s] == 0:
                heapq.heappush(ready, (key[s], s))
    return np.array(order, dtype=np.int64)


def natural_key(task_id: str) -> tuple:
    """A task id as people sort it: runs of digits by their value (A9 before A10)."""
    # ASCII digits only (``str.isdigit`` is true of "²" too); the digits' text breaks
    # ties between equal values ("A01" and "A1").
    return tuple((0, int(d), d) if d else (1, 0, t) for d, t in _RUNS.findall(task_id))


@dataclass(frozen=True)
class PriorityKeys:
    """What the levelling order ranks tasks by, in model order."""

    priority: np.ndarray
    late_start: np.ndarray
    total_float: np.ndarray
    ids: tuple[tuple, ...]


def priority_keys(scenario: Scenario, net: Network) -> PriorityKeys:
    """Priorities and the deterministic (unlevelled) schedule's late starts and total
    floats, in model order, with each task's id as a ``natural_key``."""
    from ..scheduling.cpm import schedule

    plan = schedule(scenario)
    tasks = [scenario.tasks[i] for i in net.order]
    return PriorityKeys(
        priority=np.array(
            [DEFAULT_PRIORITY if t.priority is None else t.priority for t in tasks],
            dtype=np.float64,
        ),
        late_start=np.asarray(plan.late_start, dtype=np.float64)[net.order],
        total_float=np.asarray(plan.total_float, dtype=np.float64)[net.order],
        ids=tuple(natural_key(t.id) for t in tasks),
    )


def levelling_order(scenario: Scenario, net: Network) -> np.ndarray:
    """The activity list (model positions) of the serial schedule-generation scheme:
    among the tasks whose predecessors are all placed, the one of highest priority,
    then earliest late start, least total float, smallest id (see the module)."""
    p = priority_keys(scenario, net)
    key = [(-p.priority[k], p.late_start[k], p.total_float[k], p.ids[k]) for k in range(net.size)]
    return topological_order(net.pred_ptr, net.pred_task, key)


def resource_model(
    scenario: Scenario,
    net: Network,
    packer: Packer,
    *,
    levelled: bool,
    general: bool,
    rate_corr: dict[str, int] | None = None,
) -> ResourceModel:
    """Compile the resources of ``scenario`` (tasks in ``net``'s order), packing their
    distributions into ``packer``; ``levelled`` adds the levelling order (``general``:
    the model runs on the calendar passes, which levelling does not support);
    ``rate_corr`` maps correlated resources to their items in the correlation model."""
    if levelled:
        problems = levelling_problems(scenario, general)
        if problems:
            raise ScenarioError(problems, source=scenario.source)
    res = scenario.resources
    index = {r.id: q for q, r in enumerate(res)}
    rate_row = np.full(len(res), -1, dtype=np.int64)
    rate_const = np.zeros(len(res))
    for q, r in enumerate(res):
        if r.rate.support[0] == r.rate.support[1]:
            rate_const[q] = r.rate.support[0]
        else:
            rate_row[q] = packer.add(r.rate)
    tasks = [scenario.tasks[i] for i in net.order]
    a_ptr = np.zeros(len(tasks) + 1, dtype=np.int64)
    a_res, a_row, a_const, a_names = [], [], [], []
    pd_row = np.full(len(tasks), -1, dtype=np.int64)
    for k, t in enumerate(tasks):
        for a in t.resources:
            a_res.append(index[a.resource])
            lo, hi = a.units.support
            a_row.append(-1 if lo == hi else packer.add(a.units))
            a_const.append(lo if lo == hi else 0.0)
            a_names.append(f"{t.id}@{a.resource}")
        a_ptr[k + 1] = len(a_res)
        if t.cost is not None and t.cost.uncertain_per_day is not None and t.status != "complete":
            pd_row[k] = packer.add(t.cost.uncertain_per_day)
    timeline, start = scenario.timeline, scenario.project.start
    esc_ptr = np.zeros(len(res) + 1, dtype=np.int64)
    times: list[float] = []
    cums: list[float] = []
    factors: list[float] = []
    for q, r in enumerate(res):
        x_prev, f_prev, g_prev = 0.0, 1.0, 0.0
        for day, factor in r.escalation_steps(start):
            x = timeline.start_offset_of(start, day)
            # G is the integral of the step factor: continuous, piecewise linear.
            g = g_prev + f_prev * (x - x_prev) if times[esc_ptr[q] :] else x
            times.append(x)
            cums.append(g)
            factors.append(factor)
            x_prev, f_prev, g_prev = x, factor, g
        esc_ptr[q + 1] = len(times)
    capacity = np.array(
        [UNLIMITED if r.capacity is None else r.capacity for r in res], dtype=np.float64
    )
    return ResourceModel(
        ids=tuple(r.id for r in res),
        rate_row=rate_row,
        rate_const=rate_const,
        a_ptr=a_ptr,
        a_res=np.array(a_res, dtype=np.int64),
        a_row=np.array(a_row, dtype=np.int64),
        a_const=np.array(a_const, dtype=np.float64),
        a_names=tuple(a_names),
        pd_row=pd_row,
        esc_ptr=esc_ptr,
        esc_time=np.array(times, dtype=np.float64),
        esc_cum=np.array(cums, dtype=np.float64),
        esc_factor=np.array(factors, dtype=np.float64),
        order=levelling_order(scenario, net) if levelled else np.zeros(0, dtype=np.int64),
        capacity=capacity,
        rate_corr=np.array([(rate_corr or {}).get(r.id, -1) for r in res], dtype=np.int64),
    )


def plan_resource_cost(scenario: Scenario, plan, excluded: frozenset[str] | set[str]) -> float:
    """Resource cost of the deterministic plan (``CPMSchedule``, unlevelled): most likely
    units x most likely rates x durations, escalated by the plan's dates as in the
    kernels; tasks in ``excluded`` (not in the plan) cost nothing."""
    timeline, start = scenario.timeline, scenario.project.start
    by_id = {r.id: r for r in scenario.resources}
    steps = {
        r.id: [(timeline.start_offset_of(start, day), f) for day, f in r.escalation_steps(start)]
        for r in scenario.resources
    }

    def integral(rid: str, x: float) -> float:
        g, x_prev, f_prev = 0.0, 0.0, 1.0
        first = True
        for t, f in steps[rid]:
            if t > x:
                break
            g = t if first else g + f_prev * (t - x_prev)
            first = False
            x_prev, f_prev = t, f
        return x if first else g + f_prev * (x - x_prev)

    total = 0.0
    for i, t in enumerate(scenario.tasks):
        if t.id in excluded:
            continue
        d = float(plan.durations[i])
        s, f = float(plan.early_start[i]), float(plan.early_finish[i])
        for a in t.resources:
            r = by_id[a.resource]
            w = d
            if steps[r.id] and d > 0:
                span = f - s
                w = d * (integral(r.id, f) - integral(r.id, s)) / span if span > 1e-12 else d
            total += a.units.deterministic * r.rate.deterministic * w
    return total
