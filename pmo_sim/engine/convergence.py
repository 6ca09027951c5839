"""Runs that stop when the P80 finish (and cost) is known precisely enough."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model.errors import must
from ..model.scenario import Scenario
from ..results.simulation import Results, percentile_standard_error
from .blocks import DEFAULT_BLOCK, RawRun, merge_runs, run_blocks, subsample_size
from .compile import compiled_model
from .settings import RunSettings, prepare_run, whole_number
from .simulate import build_results


@dataclass(frozen=True)
class ConvergenceStep:
    """One batch of a run until convergence."""

    iterations: int
    p80_finish: float
    se_finish: float
    p80_cost: float | None
    se_cost: float | None


def simulate_until_converged(
    scenario: Scenario,
    tolerance: float = 0.5,
    cost_tolerance: float | None = None,
    max_iterations: int = 1_000_000,
    seed: int | np.random.Generator | None = None,
    sampling: str | None = None,
    threads: int | None = None,
    *,
    mitigated: bool = False,
    repair_correlations: bool = False,
    rank: bool = False,
    ranking_iterations: int | None = None,
    task_dates: bool = False,
    batch: int = 4096,
    block_size: int = DEFAULT_BLOCK,
    on_step: Callable[[ConvergenceStep], Any] | None = None,
) -> tuple[Results, list[ConvergenceStep]]:
    """Run batches of iterations until the P80 finish (and cost) is known precisely enough.

    After each batch the standard error of the P80 finish must be at most ``tolerance``
    working days, and, when the scenario has costs, that of the P80 cost at most
    ``cost_tolerance`` (default: 0.5% of the P80 cost). Stops at ``max_iterations`` at the
    latest. Batches are whole blocks, and every draw depends only on its iteration, so
    the result equals ``simulate`` with the same total iterations and seed.
    """
    run = prepare_run(scenario, max_iterations, seed, sampling, threads, block_size)
    if not tolerance > 0:
        raise ValueError(must("tolerance", "greater than 0 working days", tolerance))
    started = time.perf_counter()
    model = compiled_model(scenario, mitigated, repair_correlations)
    per_batch = max(1, -(-whole_number("batch", batch) // run.block_size))
    total_blocks = -(-run.iterations // run.block_size)
    parts: list[RawRun] = []
    trace: list[ConvergenceStep] = []
    first = 0
    while first < total_blocks:
        count = min(per_batch, total_blocks - first)
        parts.append(
            run_blocks(
                model,
                run.seed,
                run.sampling,
                run.iterations,
                first,
                count,
                run.threads,
                run.block_size,
                keep_dates=task_dates,
            )
        )
        first += count
        done = merge_runs(parts)
        parts = [done]
        se_f = percentile_standard_error(done.finish, 80)
        p80_c = se_c = None
        if model.costed:
            p80_c = float(np.percentile(done.cost, 80))
            se_c = percentile_standard_error(done.cost, 80)
        step = ConvergenceStep(
            done.iterations, float(np.percentile(done.finish, 80)), se_f, p80_c, se_c
        )
        trace.append(step)
        if on_step is not None:
            on_step(step)
        limit_c = (
            cost_tolerance
            if cost_tolerance is not None
            else (0.005 * abs(p80_c) if p80_c is not None else None)
        )
        if se_f <= tolerance and (se_c is None or se_c <= limit_c):
            break
    done = parts[0]
    n = done.iterations
    keep = subsample_size(n, model.size)
    raw = RawRun(
        done.first,
        done.finish,
        done.cost,
        done.milestones,
        done.occurrence,
        done.crit,
        done.sum_d,
        done.sum_es,
        done.sub_d[:, :keep],
        None if done.sub_es is None else done.sub_es[:, :keep],
        None if done.sub_ef is None else done.sub_ef[:, :keep],
        done.resource_cost,
        done.unlevelled,
        done.waited,
    )
    final = RunSettings(n, run.seed, run.sampling, run.threads, run.block_size)
    results = build_results(
        scenario,
        model,
        raw,
        final,
        rank=rank,
        ranking_iterations=ranking_iterations,
        started=started,
    )
    return results, trace
