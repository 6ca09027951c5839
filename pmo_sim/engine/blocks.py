"""Block execution: run a range of blocks of iterations through the kernel.

This is the unit every runner hands out (local threads, convergence batches, Dask tasks,
checkpoints). The result of a range depends only on the model, the seed, the sampling and
the iterations in it, so partial runs of consecutive ranges merge exactly
(``merge_runs``), in any grouping. Runners depend on this module, never on
``engine.simulate``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..scheduling.cpm import CRITICAL_TOLERANCE
from .compile import CompiledModel
from .kernels import block as kernels

DEFAULT_BLOCK = 512


WAVE_BLOCKS_PER_WORKER = 4


#: A wave (one parallel launch) covers at least this many task-iterations, so small
#: models do not pay a thread launch per handful of blocks.
WAVE_MIN_WORK = 20_000_000


#: Iterations whose per-task durations are kept for rank-based sensitivity: all of
#: them up to this many, fewer for very large models (see ``subsample_size``).
SENSITIVITY_ITERATIONS = 10_000


SENSITIVITY_BUDGET_BYTES = 80_000_000


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
    #: Cost per resource and iteration (resources, iterations), when it has resources.
    resource_cost: np.ndarray | None = None
    #: The unlevelled project finish per iteration, when the run is levelled.
    unlevelled: np.ndarray | None = None
    #: Per task, the iterations in which it waited for a resource (levelled runs).
    waited: np.ndarray | None = None

    @property
    def iterations(self) -> int:
        return int(self.finish.size)


@dataclass(frozen=True)
class BlockRun:
    """One run as runners see it: the compiled model, seed, sampling, iterations and
    block size. Any range of its blocks gives the same partial result wherever it runs,
    so runners only decide where ranges run."""

    model: CompiledModel
    seed: int
    sampling: str
    iterations: int
    block_size: int = DEFAULT_BLOCK

    @property
    def total_blocks(self) -> int:
        return -(-self.iterations // self.block_size)

    def span(self, first_block: int, n_blocks: int) -> int:
        """Iterations in blocks ``first_block .. first_block + n_blocks - 1``."""
        lo = first_block * self.block_size
        return max(0, min((first_block + n_blocks) * self.block_size, self.iterations) - lo)

    def run(self, first_block: int, n_blocks: int, threads: int, **options: Any) -> RawRun:
        """``run_blocks`` of this run on this process's ``threads``."""
        return run_blocks(
            self.model,
            self.seed,
            self.sampling,
            self.iterations,
            first_block,
            n_blocks,
            threads,
            self.block_size,
            **options,
        )


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
    R = model.occurrence_rows  # risks, then branch options (engine.logic)
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
    # Scratch with a leading worker axis (see kernels.block.worker_scratch); early starts
    # are kept only by the calendar-and-progress passes.
    work = (
        np.empty((threads, 3, n, block_size)),
        np.empty((threads, n if model.general is not None else 0, block_size)),
        np.empty((threads, 5, block_size)),
        np.empty((threads, R, block_size), dtype=np.uint8),
        np.empty((threads, 2, R, block_size)),
        np.empty((threads, 2, n_imp, block_size)),
        np.empty((threads, 2, k, block_size)),
        np.empty((threads, model.lag_rows, block_size)),
        np.empty(
            (threads, 2, model.weather_shape[0], model.weather_shape[1], block_size), np.int32
        ),
    )
    out = (finish, cost, milestones, occurrence, crit, sum_d, sum_es, sub_d, sub_es, sub_ef)
    resources = None
    rm = model.resources
    if rm is not None:
        n_a = rm.a_res.size
        k_prof = rm.profile_length if rm.levelled else 1
        rwork = (
            np.empty((threads, rm.size, block_size)),  # rates
            np.empty((threads, n_a, block_size)),  # units
            np.empty((threads, rm.size, block_size)),  # resource costs
            np.empty((threads, n if rm.levelled else 0, block_size)),  # levelled starts
            np.empty((threads, block_size)),  # unlevelled finish
            np.empty((threads, rm.size, k_prof)),  # profile breakpoints
            np.empty((threads, rm.size, k_prof)),  # profile levels
            np.zeros((threads, rm.size), dtype=np.int64),  # profile lengths
            np.empty((threads, block_size)),  # a row for per-day rates
        )
        rout = (
            np.zeros((rm.size, span)),
            np.empty(span if rm.levelled else 0),
            np.zeros((threads, n), dtype=np.int64),
        )
        resources = (model.resource_args(seed), rwork, rout)
    # None: the kernels take the project-calendar passes only (see kernels.block).
    calendars = None if model.general is None else args[5:]
    external = None if model.external is None else model.external.arrays
    logic = model.logic_args(seed)
    wave = threads * max(
        WAVE_BLOCKS_PER_WORKER, -(-WAVE_MIN_WORK // (threads * block_size * max(n, 1)))
    )
    for start in range(first_block, first_block + n_blocks, wave):
        count = min(wave, first_block + n_blocks - start)
        kernels.simulate_blocks(
            start,
            count,
            block_size,
            iterations,
            first,
            sampling == "lhs",
            full,
            full,
            args,
            model.milestone_pos,
            CRITICAL_TOLERANCE,
            out,
            work,
            calendars,
            external,
            logic,
            resources,
        )
        if progress is not None:
            progress(min((start + count) * block_size, last) - first, span)
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
        None if rm is None else resources[2][0],
        None if rm is None or not rm.levelled else resources[2][1],
        None if rm is None or not rm.levelled else resources[2][2].sum(axis=0),
    )


def _joined(parts: list[RawRun], name: str, axis: int) -> np.ndarray | None:
    """Field ``name`` of consecutive parts joined along ``axis`` (None where absent)."""
    if getattr(parts[0], name) is None:
        return None
    return np.concatenate([getattr(p, name) for p in parts], axis=axis)


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
        _joined(parts, "sub_es", 1),
        _joined(parts, "sub_ef", 1),
        _joined(parts, "resource_cost", 1),
        _joined(parts, "unlevelled", 0),
        None if parts[0].waited is None else sum(p.waited for p in parts),
    )


def run_kernel(
    model: CompiledModel,
    seed: int,
    sampling: str,
    iterations: int,
    threads: int,
    block_size: int = DEFAULT_BLOCK,
    **options: Any,
) -> RawRun:
    """Run all ``iterations`` iterations of ``model`` on local threads; ``options`` as for
    ``run_blocks`` (``full``, ``enabled``, ``keep_dates``, ``progress``)."""
    run = BlockRun(model, seed, sampling, iterations, block_size)
    return run.run(0, run.total_blocks, threads, **options)


def model_durations(
    model: CompiledModel, seed: int, lhs: bool, first: int, count: int
) -> np.ndarray:
    """Sampled durations (risk impacts and gates included) of iterations ``first ..
    first + count - 1``: a (tasks, count) array in model order, the simulation's draws."""
    out = np.empty((model.size, count))
    args = model.kernel_args(seed)
    kernels.sample_durations(
        first,
        count,
        lhs,
        args,
        out,
        None if model.general is None else args[5:],
        model.logic_args(seed),
        model.occurrence_rows,
        model.lag_rows,
        model.weather_shape[0],
        model.weather_shape[1],
    )
    return out
