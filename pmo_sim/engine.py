"""Run a simulation: prepare arrays once, then hand blocks of iterations to the kernel.

A run is a list of blocks of ``block_size`` iterations. The local runner processes
them in waves on numba's threads (a wave = a few blocks per worker), which also gives
natural points for progress reports. Every random number depends only on (seed,
stream, iteration), so the answer is the same bit for bit whatever the thread count,
block size or wave size.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from . import _kernels
from .compile import CompiledModel, compile_scenario
from .cpm import CRITICAL_TOLERANCE, CPMSchedule, forward_pass, schedule
from .errors import must
from .model import SAMPLING_METHODS, Scenario
from .results import Results, RiskRanking, TaskDates, TaskStats, percentile_standard_error

DEFAULT_BLOCK = 512
WAVE_BLOCKS_PER_WORKER = 4
#: A wave (one parallel launch) covers at least this many task-iterations, so small
#: models do not pay a thread launch per handful of blocks.
WAVE_MIN_WORK = 20_000_000
#: Iterations whose per-task durations are kept for rank-based sensitivity: all of
#: them up to this many, fewer for very large models (see ``subsample_size``).
SENSITIVITY_ITERATIONS = 10_000
SENSITIVITY_BUDGET_BYTES = 80_000_000
#: Default iterations of each exclusion run of the risk ranking.
RANKING_ITERATIONS = 10_000


def compiled_model(
    scenario: Scenario, mitigated: bool = False, repair_correlations: bool = False
) -> CompiledModel:
    """The compiled model of ``scenario``, built once per scenario object and state."""
    cache = scenario.__dict__.get("_compiled_models")
    if cache is None:
        cache = {}
        # Scenario is frozen; the cache is not a field, so it bypasses __setattr__.
        object.__setattr__(scenario, "_compiled_models", cache)
    key = (mitigated, repair_correlations)
    if key not in cache:
        cache[key] = compile_scenario(scenario, mitigated, repair_correlations)
    return cache[key]


def deterministic_schedule(scenario: Scenario) -> CPMSchedule:
    """The deterministic CPM schedule of ``scenario``, computed once per scenario object."""
    cached = scenario.__dict__.get("_deterministic_schedule")
    if cached is None:
        cached = schedule(scenario)
        object.__setattr__(scenario, "_deterministic_schedule", cached)
    return cached


def normalise_seed(seed: int | np.random.Generator | None, default: int) -> int:
    """One rule for seeds: None means the scenario's seed; a Generator draws one."""
    if seed is None:
        return default
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(must("seed", "an integer, a numpy Generator or None", seed))
    if not 0 <= int(seed) < 2**63:
        raise ValueError(must("seed", "between 0 and 2**63 - 1", seed))
    return int(seed)


def _whole(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(must(name, "a whole number", value))
    if value < minimum:
        raise ValueError(must(name, f"at least {minimum}", value))
    return int(value)


def _sampling(value: str | None, default: str) -> str:
    value = default if value is None else value
    if value not in SAMPLING_METHODS:
        raise ValueError(must("sampling", '"lhs" or "random"', value))
    return value


def subsample_size(iterations: int, tasks: int) -> int:
    """Iterations whose task durations are kept for sensitivity (float32 per task)."""
    return int(
        min(
            iterations,
            SENSITIVITY_ITERATIONS,
            max(2000, SENSITIVITY_BUDGET_BYTES // (4 * max(tasks, 1))),
        )
    )


@dataclass
class RawRun:
    """What the kernel filled for the iterations ``first .. first + len(finish) - 1``.

    Per-iteration arrays cover that range; ``crit``/``sum_d``/``sum_es`` are integer
    sums over it; ``sub_d`` holds the kept durations of the part of the range that falls
    in the sensitivity subsample (column c is iteration ``first + c``). Partial runs of
    consecutive ranges combine exactly with ``merge_runs``, in any grouping.
    """

    first: int
    finish: np.ndarray
    cost: np.ndarray
    milestones: np.ndarray
    occurrence: np.ndarray
    crit: np.ndarray
    sum_d: np.ndarray
    sum_es: np.ndarray
    sub_d: np.ndarray
    sub_es: np.ndarray | None = None
    sub_ef: np.ndarray | None = None

    @property
    def iterations(self) -> int:
        return int(self.finish.size)


def run_blocks(
    model: CompiledModel,
    seed: int,
    sampling: str,
    iterations: int,
    first_block: int,
    n_blocks: int,
    threads: int,
    block_size: int = DEFAULT_BLOCK,
    *,
    full: bool = True,
    enabled: np.ndarray | None = None,
    keep_dates: bool = False,
    progress: Callable[[int, int], Any] | None = None,
) -> RawRun:
    """Run blocks ``first_block .. first_block + n_blocks - 1`` of a run of ``iterations``.

    This is the unit every runner hands out (local waves, convergence batches, Dask
    tasks, checkpoints): the result depends only on the model, the seed, the sampling
    and the iteration range, never on threads or on how ranges are grouped.
    ``full=False`` runs the forward pass only (no criticality, statistics or kept
    occurrences): what the exclusion runs of the risk ranking need.
    """
    n = model.size
    R = len(model.risk_ids)
    n_imp = model.imp_risk.size
    k = model.corr_kind.size
    first = first_block * block_size
    last = min((first_block + n_blocks) * block_size, iterations)
    span = max(last - first, 0)
    args = model.kernel_args(seed, enabled)
    finish = np.empty(span)
    cost = np.empty(span)
    milestones = np.empty((model.milestone_pos.size, span))
    occurrence = np.empty((R, span if full else 0), dtype=np.uint8)
    crit = np.zeros((threads, n), dtype=np.int64)
    sum_d = np.zeros((threads, n), dtype=np.int64)
    sum_es = np.zeros((threads, n), dtype=np.int64)
    keep = subsample_size(iterations, n) if full else 0
    sub_d = np.empty((n, max(0, min(keep, last) - first)), dtype=np.float32)
    date_cols = sub_d.shape[1] if keep_dates else 0
    sub_es = np.empty((n, date_cols))
    sub_ef = np.empty((n, date_cols))
    s_task = np.empty((threads, 3, n, block_size))
    # Early starts are kept only by the calendar-and-progress passes.
    s_es = np.empty((threads, n if model.general is not None else 0, block_size))
    s_vec = np.empty((threads, 5, block_size))
    s_occ = np.empty((threads, R, block_size), dtype=np.uint8)
    s_risk = np.empty((threads, 2, R, block_size))
    s_imp = np.empty((threads, 2, n_imp, block_size))
    s_corr = np.empty((threads, 2, k, block_size))
    wave = threads * max(
        WAVE_BLOCKS_PER_WORKER, -(-WAVE_MIN_WORK // (threads * block_size * max(n, 1)))
    )
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        for start in range(first_block, first_block + n_blocks, wave):
            count = min(wave, first_block + n_blocks - start)
            _kernels.simulate_blocks(
                start,
                count,
                block_size,
                iterations,
                first,
                sampling == "lhs",
                full,
                full,
                *args,
                model.milestone_pos,
                CRITICAL_TOLERANCE,
                finish,
                cost,
                milestones,
                occurrence,
                crit,
                sum_d,
                sum_es,
                sub_d,
                sub_es,
                sub_ef,
                s_task,
                s_es,
                s_vec,
                s_occ,
                s_risk,
                s_imp,
                s_corr,
            )
            if progress is not None:
                progress(min((start + count) * block_size, last) - first, span)
    finally:
        numba.set_num_threads(previous)
    cost += model.response_cost
    return RawRun(
        first,
        finish,
        cost,
        milestones,
        occurrence,
        crit.sum(axis=0),
        sum_d.sum(axis=0),
        sum_es.sum(axis=0),
        sub_d,
        sub_es if keep_dates else None,
        sub_ef if keep_dates else None,
    )


def merge_runs(parts: list[RawRun]) -> RawRun:
    """Join partial runs of consecutive iteration ranges into one (exact: integer sums,
    per-iteration arrays concatenated in iteration order)."""
    parts = sorted(parts, key=lambda p: p.first)
    for a, b in itertools.pairwise(parts):
        if a.first + a.iterations != b.first:
            raise ValueError(
                f"partial runs are not consecutive: {a.first}+{a.iterations} then {b.first}"
            )
    if len(parts) == 1:
        return parts[0]
    return RawRun(
        parts[0].first,
        np.concatenate([p.finish for p in parts]),
        np.concatenate([p.cost for p in parts]),
        np.concatenate([p.milestones for p in parts], axis=1),
        np.concatenate([p.occurrence for p in parts], axis=1),
        sum(p.crit for p in parts),
        sum(p.sum_d for p in parts),
        sum(p.sum_es for p in parts),
        np.concatenate([p.sub_d for p in parts], axis=1),
        None if parts[0].sub_es is None else np.concatenate([p.sub_es for p in parts], axis=1),
        None if parts[0].sub_ef is None else np.concatenate([p.sub_ef for p in parts], axis=1),
    )


def run_kernel(
    model: CompiledModel,
    seed: int,
    sampling: str,
    iterations: int,
    threads: int,
    block_size: int = DEFAULT_BLOCK,
    *,
    full: bool = True,
    enabled: np.ndarray | None = None,
    keep_dates: bool = False,
    progress: Callable[[int, int], Any] | None = None,
) -> RawRun:
    """Run all ``iterations`` iterations of ``model`` on local threads."""
    return run_blocks(
        model,
        seed,
        sampling,
        iterations,
        0,
        -(-iterations // block_size),
        threads,
        block_size,
        full=full,
        enabled=enabled,
        keep_dates=keep_dates,
        progress=progress,
    )


def _threads(threads: int | None) -> int:
    max_threads = numba.config.NUMBA_NUM_THREADS
    if threads is None:
        return max_threads
    return min(_whole("threads", threads), max_threads)


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
    sampling = _sampling(sampling, settings.sampling)
    model = compiled_model(scenario, mitigated, repair_correlations)
    out = np.empty((model.size, _whole("count", count)))
    _kernels.sample_durations(
        _whole("first", first, 0), count, sampling == "lhs", *model.kernel_args(seed), out
    )
    return out[model.network.position]


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given their average rank (what scipy.stats.rankdata does by
    default; done with numpy here because importing scipy.stats costs a command-line
    run more than half a second)."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)
    return (upper - (counts - 1) / 2.0)[inverse]


def _rank_sensitivity(
    sub_d: np.ndarray, finish: np.ndarray, threads: int
) -> tuple[np.ndarray, np.ndarray]:
    """Spearman correlation of each task's kept durations with the finish, and their sd.

    Rows are sorted by numpy and scored by a serial kernel, chunk by chunk on threads
    (both release the GIL); each row's result depends on that row alone.
    """
    from concurrent.futures import ThreadPoolExecutor

    n, s = sub_d.shape
    sensitivity, sd = np.zeros(n), np.zeros(n)
    if s < 2:
        return sensitivity, sd
    rank_f = average_ranks(finish[:s])
    rank_f -= rank_f.mean()

    def score(lo: int) -> None:
        rows = sub_d[lo : lo + 128]
        order = np.argsort(rows, axis=1)
        ordered = np.take_along_axis(rows, order, axis=1)
        _kernels.spearman_sorted_rows(
            order, ordered, rank_f, sensitivity[lo : lo + 128], sd[lo : lo + 128]
        )

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(score, range(0, n, 128)))
    return sensitivity, sd


def _task_stats(
    scenario: Scenario, model: CompiledModel, raw: RawRun, iterations: int, threads: int = 1
) -> TaskStats:
    """Sensitivity, SSI, cruciality, mean durations and merge bias per task."""
    net = model.network
    n = net.size
    criticality = raw.crit / iterations
    mean_d = raw.sum_d / _kernels.SUM_SCALE / iterations
    mean_es = raw.sum_es / _kernels.SUM_SCALE / iterations
    sensitivity, sd_d = _rank_sensitivity(raw.sub_d, raw.finish, threads)
    s = raw.sub_d.shape[1]
    ssi = np.zeros(n)
    sd_f = raw.finish[:s].std() if s > 1 else 0.0
    if sd_f > 0:
        ssi = criticality * sd_d / sd_f
    # Merge bias: mean simulated start against the start computed from mean durations.
    if model.general is not None:
        es_mean_cpm = schedule(scenario, durations=mean_d[net.position]).early_start[net.order]
    else:
        es_mean_cpm, _ = forward_pass(net, mean_d)
    # Distinct predecessors per task: count changes along each task's sorted CSR row.
    succ = np.repeat(np.arange(n), np.diff(net.pred_ptr))
    pairs = np.unique(np.stack([succ, net.pred_task]), axis=1)
    distinct_preds = np.bincount(pairs[0], minlength=n)
    merge = np.where(distinct_preds >= 2, mean_es - es_mean_cpm, np.nan)
    back = net.position
    ids = scenario.task_ids
    return TaskStats(
        ids=ids,
        criticality=criticality[back],
        sensitivity=sensitivity[back],
        cruciality=(criticality * sensitivity)[back],
        ssi=ssi[back],
        mean_duration=mean_d[back],
        mean_start=mean_es[back],
        merge_bias=merge[back],
        sensitivity_iterations=s,
    )


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
    batch of risks (``pmo_sim.distributed.rank_on_dask``), with the same answer.
    """
    if iterations is None:
        iterations = min(scenario.simulation.iterations, RANKING_ITERATIONS)
    run = _prepare(scenario, iterations, seed, sampling, threads, block_size)
    model = compiled_model(scenario, mitigated, repair_correlations)
    if client is not None:
        from .distributed import rank_on_dask

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


def exclusion_runs(
    model: CompiledModel,
    seed: int,
    sampling: str,
    iterations: int,
    threads: int,
    block_size: int,
    baseline: tuple[np.ndarray, np.ndarray],
    risks: range,
    progress: Callable[[int, int], Any] | None = None,
) -> np.ndarray:
    """Switch each risk in ``risks`` off in turn and re-run (forward pass only).

    Returns rows (P80 finish contribution, P80 cost contribution, mean delay, mean cost),
    one column per risk, against ``baseline`` = (finish, cost) with every risk on (its
    first ``iterations`` values). The local ranking and each Dask ranking task call this,
    so both give the same numbers bit for bit.
    """
    base_finish, base_cost = baseline[0][:iterations], baseline[1][:iterations]
    p80_finish = float(np.percentile(base_finish, 80))
    p80_cost = float(np.percentile(base_cost, 80))
    R = len(model.risk_ids)
    out = np.zeros((4, len(risks)))
    for k, r in enumerate(risks):
        enabled = np.ones(R, dtype=np.uint8)
        enabled[r] = 0
        raw = run_kernel(
            model, seed, sampling, iterations, threads, block_size, full=False, enabled=enabled
        )
        out[0, k] = p80_finish - float(np.percentile(raw.finish, 80))
        out[1, k] = p80_cost - float(np.percentile(raw.cost, 80))
        out[2, k] = float(np.mean(base_finish - raw.finish))
        out[3, k] = float(np.mean(base_cost - raw.cost))
        if progress is not None:
            progress(k + 1, len(risks))
    return out


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
        (``pmo_sim.distributed``). The answer is the same bit for bit.
    checkpoint : path, optional
        Keep finished groups of blocks in this directory and resume from it when run
        again (``pmo_sim.checkpoint``); a checkpoint of another run is refused.
    """
    run = _prepare(scenario, iterations, seed, sampling, threads, block_size)
    started = time.perf_counter()
    model = compiled_model(scenario, mitigated, repair_correlations)
    if checkpoint is not None:
        from .checkpoint import LocalRunner, run_with_checkpoint, scenario_hash

        if client is None:
            runner = LocalRunner(run.threads)
        else:
            from .distributed import DaskRunner

            runner = DaskRunner(client)
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
    elif client is not None:
        from .distributed import run_on_dask

        raw = run_on_dask(
            client,
            model,
            run.seed,
            run.sampling,
            run.iterations,
            run.block_size,
            progress=progress,
            keep_dates=task_dates,
        )
    else:
        raw = run_kernel(
            model,
            run.seed,
            run.sampling,
            run.iterations,
            run.threads,
            block_size,
            keep_dates=task_dates,
            progress=progress,
        )
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


@dataclass(frozen=True)
class RunSettings:
    """Validated settings of one run."""

    iterations: int
    seed: int
    sampling: str
    threads: int
    block_size: int


def _prepare(
    scenario: Any, iterations: Any, seed: Any, sampling: Any, threads: Any, block_size: Any
) -> RunSettings:
    if not isinstance(scenario, Scenario):
        raise TypeError(must("scenario", "a pmo_sim.Scenario (see pmo_sim.load)", scenario))
    settings = scenario.simulation
    return RunSettings(
        iterations=_whole("iterations", settings.iterations if iterations is None else iterations),
        seed=normalise_seed(seed, settings.seed),
        sampling=_sampling(sampling, settings.sampling),
        threads=_threads(threads),
        block_size=_whole("block_size", block_size),
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
    stats = _task_stats(scenario, model, raw, iterations, run.threads)
    ranking = None
    if rank and model.risk_ids:
        n_rank = (
            min(iterations, RANKING_ITERATIONS)
            if ranking_iterations is None
            else _whole("ranking_iterations", ranking_iterations)
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
        risk_occurrence=raw.occurrence,
        criticality={tid: float(c) for tid, c in zip(stats.ids, stats.criticality, strict=True)},
        task_stats=stats,
        risk_ranking=ranking,
        task_dates=dates,
        deterministic=deterministic_schedule(scenario),
        deterministic_cost=deterministic_cost(scenario, model.mitigated),
        correlation=model.correlation,
        elapsed=0.0 if started is None else time.perf_counter() - started,
        threads=run.threads,
    )


def _repaired(model: CompiledModel) -> bool:
    return model.correlation is not None and model.correlation.repaired_pair is not None


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
    run = _prepare(scenario, max_iterations, seed, sampling, threads, block_size)
    if not tolerance > 0:
        raise ValueError(must("tolerance", "greater than 0 working days", tolerance))
    started = time.perf_counter()
    model = compiled_model(scenario, mitigated, repair_correlations)
    per_batch = max(1, -(-_whole("batch", batch) // run.block_size))
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


def deterministic_cost(scenario: Scenario, mitigated: bool = False) -> float:
    """Cost of the deterministic plan: fixed costs at their most likely values plus rates
    times most likely durations (a complete task's actual duration, as the simulation
    takes it), without risk events (plus response costs if mitigated)."""
    actual: dict[str, float] = {}
    if any(t.status == "complete" for t in scenario.tasks):
        from .network import build_network
        from .timeline import general_model

        order = build_network(scenario).order
        fixed_d = general_model(scenario).fixed_d
        actual = {scenario.tasks[i].id: float(fixed_d[k]) for k, i in enumerate(order)}
    total = 0.0
    for t in scenario.tasks:
        if t.cost is not None:
            days = actual[t.id] if t.status == "complete" else t.duration.deterministic
            total += t.cost.fixed.deterministic + t.cost.per_day * days
    if mitigated:
        total += sum(r.mitigated.response_cost for r in scenario.risks if r.mitigated)
    return total
