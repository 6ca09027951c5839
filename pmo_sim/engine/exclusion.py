"""Exclusion runs: the model re-run with one risk switched off at a time.

The local ranking and each Dask ranking task call ``exclusion_runs``, so both give the
same numbers bit for bit; it sits below the runners for that reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .blocks import run_kernel
from .compile import CompiledModel


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
