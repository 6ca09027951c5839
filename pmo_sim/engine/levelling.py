"""The deterministic levelled schedule: the serial schedule-generation scheme of the
kernels (``kernels.resources.level_iteration``) on the most likely durations and units,
with an optional improvement pass.

The improvement pass has two parts. Forward-backward justification (Valls, Ballestin
and Quintanilla 2005; Tormos and Lova 2001) schedules the tasks again from the end, as
late as possible within the makespan, in order of their finishes (latest first), then
from the start in order of those late starts; a pass keeps the resources' capacities
and never lengthens the schedule, and passes repeat while they shorten it. Backward, a
link is read in mirrored time: FS stays FS, SS becomes FF and FF becomes SS, SF stays
SF (from the successor to the predecessor). Then ``samples`` further activity lists are
drawn (random-key sampling: each task's late start plus a uniform draw over the
latest late start, priorities still first; a numpy generator seeded from ``seed``, so the
plan is reproducible), each is scheduled and justified, and the shortest schedule found
is kept. Only the deterministic plan is improved: the simulation keeps its fixed order.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..model.scenario import Scenario
from ..scheduling.network import FF, SS
from .compile import CompiledModel, compiled_model
from .kernels.resources import level_iteration
from .resources import priority_keys, topological_order

#: Forward-backward passes of the improvement at most (each pair rarely gains after a few).
JUSTIFICATION_PASSES = 20
#: Sampled activity lists of the improvement pass (PSPLIB j30: 0.7% above the optimum on
#: average with 100, against 4.0% for the priority rule justified; benchmarks/README.md).
IMPROVEMENT_SAMPLES = 100


@dataclass(frozen=True)
class LevelledPlan:
    """A deterministic levelled schedule; arrays in the scenario's task order (working
    days from the start)."""

    start: np.ndarray
    finish: np.ndarray
    makespan: float
    #: The makespan of the priority rule alone, before the improvement pass.
    first_makespan: float


def _reversed(net: tuple) -> tuple:
    """The links of ``net`` (ptr, pred, kinds, lags, earliest) read from the successor
    to the predecessor, in mirrored time; no earliest starts."""
    ptr, pred, kinds, lags, _ = net
    n = ptr.size - 1
    incoming: list[list[tuple[int, int, float]]] = [[] for _ in range(n)]
    swap = {SS: FF, FF: SS}
    for j in range(n):
        for q in range(ptr[j], ptr[j + 1]):
            k = int(kinds[q])
            incoming[int(pred[q])].append((j, swap.get(k, k), float(lags[q])))
    rptr = np.zeros(n + 1, dtype=np.int64)
    rptr[1:] = np.cumsum([len(x) for x in incoming])
    flat = [x for row in incoming for x in row]
    return (
        rptr,
        np.array([x[0] for x in flat], dtype=np.int64),
        np.array([x[1] for x in flat], dtype=np.int64),
        np.array([x[2] for x in flat], dtype=np.float64),
        np.zeros(n),
    )


def _pass(net, res, order, d, units, k_prof) -> tuple[np.ndarray, np.ndarray, float]:
    n = d.shape[0]
    les = np.zeros((n, 1))
    ef = np.zeros((n, 1))
    n_res = res[15].shape[0]
    pt = np.empty((n_res, k_prof))
    pl = np.empty((n_res, k_prof))
    pk = np.zeros(n_res, dtype=np.int64)
    waited = np.zeros(n, dtype=np.int64)
    args = (*res[:14], order, res[15])
    pf = level_iteration(0, net, args, d, les, ef, units, pt, pl, pk, None, waited)
    return les[:, 0], ef[:, 0], float(pf)


def plan_inputs(model: CompiledModel, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Most likely durations (tasks, 1) and units (assignments, 1), in model order."""
    tasks = [scenario.tasks[i] for i in model.network.order]
    d = np.array([[t.duration.deterministic] for t in tasks], dtype=np.float64)
    units = np.array(
        [[a.units.deterministic] for t in tasks for a in t.resources], dtype=np.float64
    ).reshape(-1, 1)
    return d, units


def _justified(net, back, res, d, units, k_prof, start, finish, span):
    """Forward-backward justification of one schedule, repeated while it shortens it."""
    n = finish.size
    best = span
    for _ in range(JUSTIFICATION_PASSES):
        # Backward: latest finish first, in mirrored time.
        order = topological_order(back[0], back[1], [(span - finish[k], k) for k in range(n)])
        _, bf, bspan = _pass(back, res, order, d, units, k_prof)
        late_start = bspan - bf  # the real start of each task in the backward schedule
        order = topological_order(net[0], net[1], [(late_start[k], k) for k in range(n)])
        s, f, span = _pass(net, res, order, d, units, k_prof)
        if span >= best - 1e-9:
            break
        start, finish, best = s, f, span
    return start, finish, best


def levelled_plan(
    scenario: Scenario,
    *,
    improve: bool = False,
    durations: np.ndarray | None = None,
    samples: int = IMPROVEMENT_SAMPLES,
    seed: int | None = None,
) -> LevelledPlan:
    """The deterministic levelled schedule of a scenario with ``[simulation] levelling``
    (most likely durations and units; ``durations`` in scenario order replaces the
    durations). ``improve`` adds the improvement pass: justification, then ``samples``
    sampled activity lists, each justified, drawn from ``seed`` (default: the
    scenario's ``[simulation] seed``)."""
    if not isinstance(scenario, Scenario):
        raise TypeError(f"levelled_plan takes a Scenario (pmo_sim.load(path)), got {scenario!r}")
    for name, value in (("samples", samples), ("seed", 0 if seed is None else seed)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    model = compiled_model(scenario)
    if not model.levelled:
        raise ValueError("the scenario is not levelled: set [simulation] levelling = true")
    rm = model.resources
    net_args = model.kernel_args(0)[0]
    res = model.resource_args(0)
    d, units = plan_inputs(model, scenario)
    if durations is not None:
        given = np.asarray(durations, dtype=np.float64)
        if given.shape != (len(scenario.tasks),) or not np.all(np.isfinite(given) & (given >= 0)):
            raise ValueError(
                f"durations must be {len(scenario.tasks)} finite working days >= 0, one per "
                f"task in the scenario's order (got shape {given.shape})"
            )
        d = given[model.network.order].reshape(-1, 1)
    k_prof = rm.profile_length
    start, finish, best = _pass(net_args, res, rm.order, d, units, k_prof)
    first = best
    if improve:
        back = _reversed(net_args)
        just = (net_args, back, res, d, units, k_prof)
        start, finish, best = _justified(*just, start, finish, best)
        keys = priority_keys(scenario, model.network)
        late_start, priority = keys.late_start, keys.priority
        n = finish.size
        width = max(float(late_start.max(initial=0.0)), 1.0)
        rng = np.random.default_rng(scenario.simulation.seed if seed is None else seed)
        for _ in range(samples):
            noise = late_start + width * rng.random(n)
            order = topological_order(
                net_args[0], net_args[1], [(-priority[k], noise[k], k) for k in range(n)]
            )
            s, f, span = _justified(*just, *_pass(net_args, res, order, d, units, k_prof))
            if span < best - 1e-9:
                start, finish, best = s, f, span
    back_pos = model.network.position
    return LevelledPlan(start[back_pos], finish[back_pos], best, first)
