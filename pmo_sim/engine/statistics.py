"""Per-task statistics read from a run: criticality, sensitivity, SSI, cruciality, merge
bias (what ``Results.task_stats`` holds)."""

from __future__ import annotations

import numpy as np

from ..model.scenario import Scenario
from ..results.simulation import TaskStats
from ..scheduling.cpm import forward_pass, schedule
from .blocks import RawRun
from .compile import CompiledModel
from .kernels.block import SUM_SCALE
from .kernels.statistics import spearman_rows


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given their average rank (what scipy.stats.rankdata does by
    default; done with numpy here because importing scipy.stats costs a command-line
    run more than half a second)."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)
    return (upper - (counts - 1) / 2.0)[inverse]


def rank_sensitivity(
    sub_d: np.ndarray, finish: np.ndarray, threads: int
) -> tuple[np.ndarray, np.ndarray]:
    """Spearman correlation of each task's kept durations with the finish, and their sd.

    Rows are sorted (a radix sort) and scored by a serial kernel
    (``kernels.statistics.spearman_rows``), chunk by chunk on threads (it releases the
    GIL); each row's result depends on that row alone.
    """
    from concurrent.futures import ThreadPoolExecutor

    n, s = sub_d.shape
    sensitivity, sd = np.zeros(n), np.zeros(n)
    if s < 2:
        return sensitivity, sd
    rank_f = average_ranks(finish[:s])
    rank_f -= rank_f.mean()

    def score(lo: int) -> None:
        rows = np.ascontiguousarray(sub_d[lo : lo + 128], dtype=np.float32)
        spearman_rows(rows, rank_f, sensitivity[lo : lo + 128], sd[lo : lo + 128])

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(score, range(0, n, 128)))
    return sensitivity, sd


def task_stats(
    scenario: Scenario, model: CompiledModel, raw: RawRun, iterations: int, threads: int = 1
) -> TaskStats:
    """Sensitivity, SSI, cruciality, mean durations and merge bias per task."""
    net = model.network
    n = net.size
    criticality = raw.crit / iterations
    mean_d = raw.sum_d / SUM_SCALE / iterations
    mean_es = raw.sum_es / SUM_SCALE / iterations
    sensitivity, sd_d = rank_sensitivity(raw.sub_d, raw.finish, threads)
    s = raw.sub_d.shape[1]
    ssi = np.zeros(n)
    sd_f = raw.finish[:s].std() if s > 1 else 0.0
    if sd_f > 0:
        ssi = criticality * sd_d / sd_f
    # Merge bias: mean simulated start against the start computed from mean durations.
    if model.general is not None:
        # As soon as possible, like the iterations' starts it is compared with.
        plan = schedule(scenario, durations=mean_d[net.position], as_late=False)
        es_mean_cpm = plan.early_start[net.order]
    else:
        es_mean_cpm, _ = forward_pass(net, mean_d)
    # Distinct predecessors per task: count changes along each task's sorted CSR row.
    succ = np.repeat(np.arange(n), np.diff(net.pred_ptr))
    pairs = np.unique(np.stack([succ, net.pred_task]), axis=1)
    distinct_preds = np.bincount(pairs[0], minlength=n)
    merge = np.where(distinct_preds >= 2, mean_es - es_mean_cpm, np.nan)
    if model.levelled:
        # Levelled starts wait for resources as well as merging paths: no merge bias.
        merge[:] = np.nan
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
