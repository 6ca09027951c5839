"""The Monte Carlo kernel: blocks of iterations, iteration index in the inner loop.

For each block the kernel samples every task's duration, runs the forward pass in
topological order (all four link types, lags, start constraints), the backward pass
for late finishes, and counts the iterations in which each task's total float is within
the critical tolerance. Each worker of the ``prange`` owns a contiguous share of the
blocks, its own scratch rows and its own row of counts, so nothing is shared while the
loop runs; counts are integers, so merging them cannot depend on the order.

Kernels validate nothing and allocate nothing per block: ``engine.py`` prepares
everything and owns the outputs.
"""

from __future__ import annotations

import numba
import numpy as np

from ._numba import kernel
from ._quantiles import sample_row
from .network import FF, FS, SS


@kernel
def _run_block(
    i0,
    m,
    lhs,
    keys,
    codes,
    params,
    table,
    ptr,
    pred,
    kinds,
    lags,
    earliest,
    tol,
    D,
    ES,
    LF,
    PF,
    crit,
):
    n = codes.shape[0]
    for t in range(m):
        PF[t] = 0.0
    # Forward pass: sample each task just before scheduling it (its row is then hot).
    for j in range(n):
        d = D[j]
        es = ES[j]
        sample_row(codes[j], params[j], table, keys[j], i0, lhs, d, m)
        e = earliest[j]
        for t in range(m):
            es[t] = e
        for k in range(ptr[j], ptr[j + 1]):
            i = pred[k]
            lag = lags[k]
            ki = kinds[k]
            esi = ES[i]
            di = D[i]
            if ki == FS:
                for t in range(m):
                    v = esi[t] + di[t] + lag
                    es[t] = v if v > es[t] else es[t]
            elif ki == SS:
                for t in range(m):
                    v = esi[t] + lag
                    es[t] = v if v > es[t] else es[t]
            elif ki == FF:
                for t in range(m):
                    v = esi[t] + di[t] + lag - d[t]
                    es[t] = v if v > es[t] else es[t]
            else:  # SF
                for t in range(m):
                    v = esi[t] + lag - d[t]
                    es[t] = v if v > es[t] else es[t]
        for t in range(m):
            f = es[t] + d[t]
            PF[t] = f if f > PF[t] else PF[t]
    # Backward pass: late finishes pushed from successors to predecessors.
    for j in range(n):
        lf = LF[j]
        for t in range(m):
            lf[t] = PF[t]
    for j in range(n - 1, -1, -1):
        d = D[j]
        es = ES[j]
        lf = LF[j]
        count = 0
        for t in range(m):
            if lf[t] - d[t] - es[t] <= tol:
                count += 1
        crit[j] += count
        for k in range(ptr[j], ptr[j + 1]):
            i = pred[k]
            lag = lags[k]
            ki = kinds[k]
            lfi = LF[i]
            di = D[i]
            if ki == FS:
                for t in range(m):
                    v = lf[t] - d[t] - lag
                    lfi[t] = v if v < lfi[t] else lfi[t]
            elif ki == SS:
                for t in range(m):
                    v = lf[t] - d[t] - lag + di[t]
                    lfi[t] = v if v < lfi[t] else lfi[t]
            elif ki == FF:
                for t in range(m):
                    v = lf[t] - lag
                    lfi[t] = v if v < lfi[t] else lfi[t]
            else:  # SF
                for t in range(m):
                    v = lf[t] - lag + di[t]
                    lfi[t] = v if v < lfi[t] else lfi[t]


@kernel(parallel=True)
def simulate_blocks(
    first_block,
    n_blocks,
    block,
    iterations,
    lhs,
    keys,
    codes,
    params,
    table,
    ptr,
    pred,
    kinds,
    lags,
    earliest,
    milestones,
    tol,
    out_finish,
    out_milestones,
    crit,
    scratch,
    pf_scratch,
):
    """Run blocks first_block..first_block+n_blocks-1 into the output arrays.

    ``scratch`` is (workers, 3, tasks, block) and ``pf_scratch`` (workers, block);
    ``crit`` is (workers, tasks) and is added to.
    """
    workers = scratch.shape[0]
    for w in numba.prange(workers):
        D = scratch[w, 0]
        ES = scratch[w, 1]
        LF = scratch[w, 2]
        PF = pf_scratch[w]
        lo = n_blocks * w // workers
        hi = n_blocks * (w + 1) // workers
        for bb in range(lo, hi):
            i0 = (first_block + bb) * block
            m = min(block, iterations - i0)
            if m <= 0:
                continue
            _run_block(
                i0,
                m,
                lhs,
                keys,
                codes,
                params,
                table,
                ptr,
                pred,
                kinds,
                lags,
                earliest,
                tol,
                D,
                ES,
                LF,
                PF,
                crit[w],
            )
            for t in range(m):
                out_finish[i0 + t] = PF[t]
            for q in range(milestones.shape[0]):
                mj = milestones[q]
                for t in range(m):
                    out_milestones[q, i0 + t] = ES[mj, t] + D[mj, t]


def empty_scratch(workers: int, tasks: int, block: int) -> tuple[np.ndarray, np.ndarray]:
    return np.empty((workers, 3, tasks, block)), np.empty((workers, block))


@kernel
def sample_durations(first, count, lhs, keys, codes, params, table, out):
    """Durations of iterations first..first+count-1 for every task (tasks x count).

    The same draws the simulation uses, so any iteration can be recomputed alone.
    """
    for j in range(codes.shape[0]):
        sample_row(codes[j], params[j], table, keys[j], first, lhs, out[j], count)
