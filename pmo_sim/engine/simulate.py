"""Run a simulation: prepare arrays once, then hand blocks of iterations to the kernel.

A run is a list of blocks of ``block_size`` iterations. The local runner processes
them in waves on numba's threads (a wave = a few blocks per worker), which also gives
natural points for progress reports. Every random number depends only on (seed,
stream, iteration), so the answer is the same bit for bit whatever the thread count,
block size or wave size.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..model.scenario import Scenario
from ..results.simulation import Results, TaskDates
from ..scheduling.cpm import CPMSchedule, plan_exclusions, schedule
from .blocks import DEFAULT_BLOCK, BlockRun, RawRun, model_durations
from .compile import CompiledModel, compiled_model
from .ranking import RANKING_ITERATIONS, rank_risks
from .resource_stats import resource_results
from .resources import plan_resource_cost
from .runners.dask_runner import DaskRunner
from .runners.local import LocalRunner, Runner, run_all
from .settings import RunSettings, normalise_seed, prepare_run, sampling_method, whole_number
from .statistics import task_stats
from .weather import weather_days_lost


def deterministic_schedule(scenario: Scenario) -> CPMSchedule:
    """The deterministic CPM schedule of ``scenario``, computed once per scenario object."""
    cached = scenario.__dict__.get("_deterministic_schedule")
    if cached is None:
        cached = schedule(scenario)
        object.__setattr__(scenario, "_deterministic_schedule", cached)
    return cached


def sample_durations(
    scenario: Scenario,
    seed: int | None = None,
    sampling: str | None = None,
    first: int = 0,
    count: int = 1,
    *,
    mitigated: bool = False,
    repair_correlations: bool = False,
) -> np.ndarray:
    """The sampled durations (risk impacts included) of iterations ``first..first+count-1``.

    Returns a (tasks, count) array in the scenario's task order: exactly the values the
    simulation with this seed and sampling uses, so a single iteration can be
    recomputed and explained on its own.
    """
    settings = scenario.simulation
    seed = normalise_seed(seed, settings.seed)
    sampling = sampling_method(sampling, settings.sampling)
    model = compiled_model(scenario, mitigated, repair_correlations)
    out = model_durations(
        model,
        seed,
        sampling == "lhs",
        whole_number("first", first, 0),
        whole_number("count", count),
    )
    return out[model.network.position]


def simulate(
    scenario: Scenario,
    iterations: int | None = None,
    seed: int | np.random.Generator | None = None,
    sampling: str | None = None,
    threads: int | None = None,
    *,
    mitigated: bool = False,
    repair_correlations: bool = False,
    rank: bool = False,
    ranking_iterations: int | None = None,
    task_dates: bool = False,
    block_size: int = DEFAULT_BLOCK,
    progress: Callable[[int, int], Any] | None = None,
    client: Any = None,
    checkpoint: str | os.PathLike[str] | None = None,
    runner: Runner | None = None,
) -> Results:
    """Simulate ``scenario`` and return its ``Results``.

    Parameters
    ----------
    scenario : Scenario
    iterations, seed, sampling : optional
        Override the scenario's ``[simulation]`` settings. ``seed`` may also be a
        ``numpy.random.Generator`` (one integer is drawn from it).
    threads : int, optional
        Worker threads (default: all cores numba sees). Does not change the answer.
    mitigated : bool
        Simulate the post-mitigation state of the risk register.
    repair_correlations : bool
        Replace a correlation matrix that is not positive semi-definite by the nearest
        valid one instead of failing (``Results.correlation`` says how much changed).
    rank : bool
        Also compute the exclusion ranking of the risks (``Results.risk_ranking``).
    ranking_iterations : int, optional
        Iterations of each exclusion run (default ``min(iterations, 10,000)``).
    task_dates : bool
        Also compute P50/P80 early start and finish of every task (``Results.task_dates``).
    block_size : int
        Iterations per work block (memory per thread is about 24 bytes x tasks x
        block_size). Does not change the answer.
    progress : callable, optional
        Called as ``progress(done, total)`` after each wave of blocks.
    client : dask.distributed.Client, optional
        Run the blocks, and the exclusion ranking, on this Dask cluster
        (``pmo_sim.engine.runners.dask_runner``). The answer is the same bit for bit.
    checkpoint : path, optional
        Keep finished groups of blocks in this directory and resume from it when run
        again (``pmo_sim.engine.runners.checkpoint``); a checkpoint of another run is
        refused.
    runner : Runner, optional
        Where the blocks run (``pmo_sim.engine.runners``): default ``LocalRunner(threads)``,
        or ``DaskRunner(client)`` when a ``client`` is given. The answer is the same bit
        for bit on every runner.
    """
    run = prepare_run(scenario, iterations, seed, sampling, threads, block_size)
    started = time.perf_counter()
    model = compiled_model(scenario, mitigated, repair_correlations)
    if runner is None:
        runner = LocalRunner(run.threads) if client is None else DaskRunner(client)
    elif client is not None:
        raise ValueError("give a runner or a client, not both (a DaskRunner holds its client)")
    if client is None and isinstance(runner, DaskRunner):
        client = runner.client  # the exclusion ranking runs on the same cluster
    if checkpoint is not None:
        from .runners.checkpoint import run_with_checkpoint, scenario_hash

        raw = run_with_checkpoint(
            checkpoint,
            model,
            scenario_hash(scenario),
            run.seed,
            run.sampling,
            run.iterations,
            run.block_size,
            None,
            runner,
            progress=progress,
            keep_dates=task_dates,
        )
    else:
        blocks = BlockRun(model, run.seed, run.sampling, run.iterations, run.block_size)
        raw = run_all(runner, blocks, progress=progress, keep_dates=task_dates)
    return build_results(
        scenario,
        model,
        raw,
        run,
        rank=rank,
        ranking_iterations=ranking_iterations,
        started=started,
        client=client,
    )


def build_results(
    scenario: Scenario,
    model: CompiledModel,
    raw: RawRun,
    run: RunSettings,
    *,
    rank: bool = False,
    ranking_iterations: int | None = None,
    started: float | None = None,
    client: Any = None,
) -> Results:
    """Turn a complete ``RawRun`` (iterations ``0 .. run.iterations - 1``) into Results."""
    iterations = run.iterations
    stats = task_stats(scenario, model, raw, iterations, run.threads)
    ranking = None
    if rank and model.risk_ids:
        n_rank = (
            min(iterations, RANKING_ITERATIONS)
            if ranking_iterations is None
            else whole_number("ranking_iterations", ranking_iterations)
        )
        ranking = rank_risks(
            scenario,
            min(n_rank, iterations),
            run.seed,
            run.sampling,
            run.threads,
            mitigated=model.mitigated,
            repair_correlations=_repaired(model),
            block_size=run.block_size,
            baseline=(raw.finish, raw.cost),
            client=client,
        )
    for a in (raw.finish, raw.cost, raw.milestones, raw.occurrence):
        a.flags.writeable = False
    dates = None
    if raw.sub_es is not None:
        back = model.network.position
        es, ef = raw.sub_es[back], raw.sub_ef[back]
        dates = TaskDates(
            iterations=int(es.shape[1]),
            early_start={q: np.percentile(es, q, axis=1) for q in (50, 80)},
            early_finish={q: np.percentile(ef, q, axis=1) for q in (50, 80)},
        )
    weather = model.logic.weather if model.logic is not None else None
    lost = None
    if weather is not None and weather.size:
        lost = weather_days_lost(model, run.seed, run.sampling == "lhs", raw.finish)
        lost.flags.writeable = False
    resources = None
    if model.resources is not None and model.resources.size:
        resources = resource_results(
            scenario,
            model,
            raw,
            run.seed,
            run.sampling,
            iterations,
            run.threads,
            run.block_size,
        )
    return Results(
        scenario=scenario,
        iterations=iterations,
        seed=run.seed,
        sampling=run.sampling,
        mitigated=model.mitigated,
        finish_days=raw.finish,
        cost=raw.cost if model.costed else None,
        milestone_ids=model.milestone_ids,
        milestone_days=raw.milestones,
        risk_ids=model.risk_ids,
        risk_occurrence=raw.occurrence[: len(model.risk_ids)],
        branch_occurrence=raw.occurrence[len(model.risk_ids) :] if scenario.branches else None,
        weather_calendars=weather.names if lost is not None else (),
        weather_days_lost=lost,
        criticality={tid: float(c) for tid, c in zip(stats.ids, stats.criticality, strict=True)},
        task_stats=stats,
        risk_ranking=ranking,
        task_dates=dates,
        deterministic=deterministic_schedule(scenario),
        deterministic_cost=deterministic_cost(scenario, model.mitigated),
        correlation=model.correlation,
        elapsed=0.0 if started is None else time.perf_counter() - started,
        threads=run.threads,
        resources=resources,
    )


def _repaired(model: CompiledModel) -> bool:
    return model.correlation is not None and model.correlation.repaired_pair is not None


def deterministic_cost(scenario: Scenario, mitigated: bool = False) -> float:
    """Cost of the deterministic plan: fixed costs at their most likely values plus rates
    times most likely durations (a complete task's actual duration, as the simulation
    takes it), without risk events (plus response costs if mitigated); tasks not in
    the plan (``plan_exclusions``) cost nothing."""
    actual: dict[str, float] = {}
    if any(t.status == "complete" for t in scenario.tasks):
        from ..scheduling.network import build_network
        from ..scheduling.timeline import general_model

        order = build_network(scenario).order
        fixed_d = general_model(scenario).fixed_d
        actual = {scenario.tasks[i].id: float(fixed_d[k]) for k, i in enumerate(order)}
    total = 0.0
    off = plan_exclusions(scenario)
    for t in scenario.tasks:
        if t.cost is not None and t.id not in off:
            days = actual[t.id] if t.status == "complete" else t.duration.deterministic
            total += t.cost.fixed.deterministic + t.cost.per_day * days
    if mitigated:
        total += sum(r.mitigated.response_cost for r in scenario.risks if r.mitigated)
    if scenario.resources:
        total += plan_resource_cost(scenario, deterministic_schedule(scenario), off)
    return total
