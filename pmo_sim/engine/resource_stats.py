"""Resource results of a run: cost by resource, the levelled run's delay due to
resources and waiting tasks, and demand over time against capacity.

Demand over time needs every assigned task's dates and units in each iteration; keeping
them for a whole run would grow with the iterations, so the first ``PROFILE_ITERATIONS``
iterations (whole blocks) are run again with their dates kept: the same draws, from the
counter-based streams, so the same iterations as in the run.
"""

from __future__ import annotations

import math

import numpy as np

from ..model.scenario import Scenario
from ..results.resources import DemandProfile, ResourceResults
from .blocks import RawRun, run_blocks
from .compile import CompiledModel
from .kernels.resources import assignment_units, demand_levels
from .levelling import levelled_plan

#: Iterations (rounded up to whole blocks) whose demand over time is kept.
PROFILE_ITERATIONS = 1000
#: Period lengths (working days) a demand profile may use: the first giving at most
#: ``PROFILE_PERIODS`` periods.
PERIOD_DAYS = (1, 5, 10, 20, 60, 120, 240, 480, 960)
PROFILE_PERIODS = 80


def resource_results(
    scenario: Scenario,
    model: CompiledModel,
    raw: RawRun,
    seed: int,
    sampling: str,
    iterations: int,
    threads: int,
    block_size: int,
) -> ResourceResults:
    rm = model.resources
    res = scenario.resources
    waited = None
    plan = None
    if rm.levelled:
        share = raw.waited / iterations
        by_model = dict(zip(model.task_ids, share.tolist(), strict=True))
        waited = {tid: by_model[tid] for tid in scenario.task_ids}
        plan = levelled_plan(scenario).makespan
    profile = None
    if rm.a_res.size and rm.size:
        profile = demand_profile(model, seed, sampling, iterations, threads, block_size)
    cost = raw.resource_cost
    cost.flags.writeable = False
    unlevelled = raw.unlevelled
    if unlevelled is not None:
        unlevelled.flags.writeable = False
    return ResourceResults(
        ids=tuple(r.id for r in res),
        names=tuple(r.name for r in res),
        capacity=tuple(r.capacity for r in res),
        cost=cost,
        levelled=rm.levelled,
        unlevelled_finish=unlevelled,
        resource_driven=waited,
        plan_finish=plan,
        profile=profile,
    )


def period_days(end: float) -> int:
    """The period of a demand profile reaching ``end`` working days."""
    for p in PERIOD_DAYS:
        if end / p <= PROFILE_PERIODS:
            return p
    return math.ceil(end / PROFILE_PERIODS)


def demand_profile(
    model: CompiledModel,
    seed: int,
    sampling: str,
    iterations: int,
    threads: int,
    block_size: int,
) -> DemandProfile:
    """Units in use per resource and period over the first iterations of the run."""
    rm = model.resources
    blocks = -(-min(iterations, PROFILE_ITERATIONS) // block_size)
    part = run_blocks(
        model, seed, sampling, iterations, 0, blocks, threads, block_size, keep_dates=True
    )
    # Whole blocks ran; the profile keeps the first PROFILE_ITERATIONS of them.
    count = min(part.sub_es.shape[1], PROFILE_ITERATIONS)
    es, ef = part.sub_es[:, :count], part.sub_ef[:, :count]
    finish = part.finish[:count]
    args = model.kernel_args(seed)
    units = np.empty((rm.a_res.size, count))
    lhs = sampling == "lhs"
    res_args = model.resource_args(seed)
    for b in range(-(-count // block_size)):
        lo = b * block_size
        m = min(block_size, count - lo)
        u_blk = np.empty((rm.a_res.size, m))
        assignment_units(lo, m, lhs, args[1], res_args, u_blk)
        units[:, lo : lo + m] = u_blk
    task_of = np.repeat(np.arange(model.size), np.diff(rm.a_ptr))
    start = es[task_of]
    busy = np.maximum(ef[task_of] - start, 0.0)
    end = float(finish.max(initial=0.0))
    period = period_days(max(end, 1.0))
    edges = np.arange(0.0, end + period, period, dtype=np.float64)
    if edges.size < 2:
        edges = np.array([0.0, float(period)])
    n_p = edges.size - 1
    levels = np.zeros((rm.size, n_p, count))
    demand_levels(float(period), n_p, start, busy, units, rm.a_res, levels)
    p50 = np.percentile(levels, 50, axis=2)
    p80 = np.percentile(levels, 80, axis=2)
    mean = levels.mean(axis=2)
    utilisation: list[float | None] = []
    span = np.maximum(finish, 1e-12)
    for r in range(rm.size):
        mine = rm.a_res == r
        cap = model.resources.capacity[r]
        if cap >= 1e300 or not mine.any():
            utilisation.append(None)
            continue
        used = (units[mine] * busy[mine]).sum(axis=0)
        utilisation.append(float((used / (cap * span)).mean()))
    return DemandProfile(edges, p50, p80, mean, tuple(utilisation), count)
