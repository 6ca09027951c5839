"""Risk ranking by exclusion: what each risk adds to P80 finish and P80 cost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..model.scenario import Scenario
from ..results.simulation import RiskRanking
from .blocks import DEFAULT_BLOCK, run_kernel
from .compile import compiled_model
from .exclusion import exclusion_runs
from .settings import prepare_run

#: Default iterations of each exclusion run of the risk ranking.
RANKING_ITERATIONS = 10_000


def rank_risks(
    scenario: Scenario,
    iterations: int | None = None,
    seed: int | np.random.Generator | None = None,
    sampling: str | None = None,
    threads: int | None = None,
    *,
    mitigated: bool = False,
    repair_correlations: bool = False,
    block_size: int = DEFAULT_BLOCK,
    baseline: tuple[np.ndarray, np.ndarray] | None = None,
    progress: Callable[[int, int], Any] | None = None,
    client: Any = None,
) -> RiskRanking:
    """Exclusion ranking: each risk's contribution to P80 finish and P80 cost.

    Each risk is switched off in turn and the model re-run with the same random numbers
    (every other draw is unchanged); its contribution is P80 with all risks minus P80
    without it. ``iterations`` defaults to ``min(scenario iterations, 10,000)``.
    With a Dask ``client`` the exclusion runs are spread over its cluster, one task per
    batch of risks (``pmo_sim.engine.runners.dask_runner.rank_on_dask``), with the same answer.
    """
    if iterations is None:
        iterations = min(scenario.simulation.iterations, RANKING_ITERATIONS)
    run = prepare_run(scenario, iterations, seed, sampling, threads, block_size)
    model = compiled_model(scenario, mitigated, repair_correlations)
    if client is not None:
        from .runners.dask_runner import rank_on_dask

        rows = rank_on_dask(
            client,
            model,
            run.seed,
            run.sampling,
            run.iterations,
            run.block_size,
            None,
            baseline,
            progress=progress,
        )
    else:
        if baseline is None:
            raw = run_kernel(
                model,
                run.seed,
                run.sampling,
                run.iterations,
                run.threads,
                run.block_size,
                full=False,
            )
            baseline = (raw.finish, raw.cost)
        rows = exclusion_runs(
            model,
            run.seed,
            run.sampling,
            run.iterations,
            run.threads,
            run.block_size,
            baseline,
            range(len(model.risk_ids)),
            progress=progress,
        )
    finish_delta, cost_delta, mean_delay, mean_cost = rows
    return RiskRanking(
        risk_ids=model.risk_ids,
        iterations=run.iterations,
        p80_finish_contribution=finish_delta,
        p80_cost_contribution=cost_delta,
        mean_delay=mean_delay,
        mean_cost=mean_cost,
    )
