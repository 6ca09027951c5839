"""The Monte Carlo kernel: blocks of iterations, iteration index in the inner loop.

For each block of iterations the kernel

1. draws risk events (occurrence, one severity per risk, its impacts and cost) and the
   correlated uniforms of the Gaussian copula;
2. for each task in topological order: samples its duration, applies the risk impacts
   (factors multiply, then delays add, the result is not below zero), adds its cost,
   and runs the forward pass over its predecessor links (FS/SS/FF/SF with lags);
3. runs the backward pass for late finishes and counts, per task, the iterations whose
   total float is within the critical tolerance.

Each worker of the ``prange`` owns a contiguous share of the blocks, its own scratch
arrays and its own row of accumulators, so nothing is shared while the loop runs.
Accumulators are integers (counts, and sums in fixed point with ``SUM_SCALE`` units per
working day), so merging them cannot depend on the order: the answer is the same bit
for bit whatever the number of workers or the block size.

Kernels validate nothing and allocate nothing per block: ``engine.blocks`` prepares
everything and owns the outputs.
"""

from __future__ import annotations

import numba
import numpy as np

from ...base.jit import kernel
from ...scheduling.network import FF, FS, SS
from ...scheduling.passes import backward_general, forward_general
from ...scheduling.timeline import COMPLETE, IN_PROGRESS
from ..quantiles import sample_row, transform_row
from .risks import risk_prelude

#: Fixed-point resolution of per-task sums (mean start and duration): 2**-16 days.
SUM_SCALE = 65536.0


@kernel
def _run_block(
    i0,
    m,
    lhs,
    backward,
    stats,
    sub_base,
    net,
    dists,
    tasks,
    risks,
    corr,
    gen,
    tol,
    D,
    ES,
    EF,
    LF,
    PF,
    COST,
    TMP,
    FB,
    WB,
    TOUCHED,
    OCC,
    SEV,
    RC,
    FAC,
    DEL,
    Z,
    U,
    crit,
    sum_d,
    sum_es,
    sub_d,
    sub_es,
    sub_ef,
):
    ptr, pred, kinds, lags, earliest = net
    codes, params, table = dists
    (dur_keys, cost_keys, cost_row, cost_const, rate, has_cost, timp_ptr, timp_idx, corr_task) = (
        tasks
    )
    imp_risk, imp_delay_row, imp_factor_row = risks[7], risks[8], risks[9]
    rcost_row = risks[5]
    n = dur_keys.shape[0]
    general = gen[0]
    status, fixed_es, fixed_d, gflags = gen[3][3], gen[3][4], gen[3][6], gen[3][7]
    risk_prelude(i0, m, lhs, dists, risks, corr, dur_keys, OCC, SEV, RC, FAC, DEL, Z, U)
    for t in range(m):
        PF[t] = 0.0
        COST[t] = 0.0
    for j in range(n):
        d = D[j]
        # Duration: the task's own draw (or its copula uniform), then its risk impacts;
        # a complete task took its actual duration.
        c = corr_task[j]
        if general and status[j] == COMPLETE:
            fd = fixed_d[j]
            for t in range(m):
                d[t] = fd
        elif c >= 0:
            u = U[c]
            for t in range(m):
                d[t] = u[t]
            transform_row(codes[j], params[j], table, d, m)
        else:
            sample_row(codes[j], params[j], table, dur_keys[j], i0, lhs, d, m)
        q0 = timp_ptr[j]
        q1 = timp_ptr[j + 1]
        if q1 > q0 and not (general and status[j] == COMPLETE):
            for q in range(q0, q1):
                imp = timp_idx[q]
                if imp_factor_row[imp] >= 0:
                    occ = OCC[imp_risk[imp]]
                    f = FAC[imp]
                    for t in range(m):
                        if occ[t]:
                            d[t] *= f[t]
            for q in range(q0, q1):
                imp = timp_idx[q]
                if imp_delay_row[imp] >= 0:
                    occ = OCC[imp_risk[imp]]
                    dl = DEL[imp]
                    for t in range(m):
                        if occ[t]:
                            d[t] += dl[t]
            for t in range(m):
                d[t] = d[t] if d[t] > 0.0 else 0.0
        if has_cost[j]:
            rj = rate[j]
            row = cost_row[j]
            if row >= 0:
                sample_row(codes[row], params[row], table, cost_keys[j], i0, lhs, TMP, m)
                for t in range(m):
                    COST[t] += TMP[t] + rj * d[t]
            else:
                cj = cost_const[j]
                for t in range(m):
                    COST[t] += cj + rj * d[t]
        if general:
            forward_general(j, m, gen, D, ES, EF, TMP, FB, WB, PF)
            es = ES[j] if gflags[j] & 4 else TMP
            ef = EF[j]
        else:
            # Forward pass over the predecessor links, into the start row ``es``
            # (scratch); only early finishes are kept: an FS link, the common case,
            # then reads one row.
            es = TMP
            e = earliest[j]
            for t in range(m):
                es[t] = e
            for k in range(ptr[j], ptr[j + 1]):
                i = pred[k]
                lag = lags[k]
                ki = kinds[k]
                efi = EF[i]
                di = D[i]
                if ki == FS:
                    for t in range(m):
                        v = efi[t] + lag
                        es[t] = v if v > es[t] else es[t]
                elif ki == SS:
                    for t in range(m):
                        v = efi[t] - di[t] + lag
                        es[t] = v if v > es[t] else es[t]
                elif ki == FF:
                    for t in range(m):
                        v = efi[t] + lag - d[t]
                        es[t] = v if v > es[t] else es[t]
                else:  # SF
                    for t in range(m):
                        v = efi[t] - di[t] + lag - d[t]
                        es[t] = v if v > es[t] else es[t]
            ef = EF[j]
            for t in range(m):
                f = es[t] + d[t]
                ef[t] = f
                PF[t] = f if f > PF[t] else PF[t]
        if general and status[j] == IN_PROGRESS:
            # Reported start of a task in progress: its actual start (the row holds the
            # start of the remaining work).
            es = TMP
            a = fixed_es[j]
            for t in range(m):
                es[t] = a
        if stats:
            sd = 0
            se = 0
            for t in range(m):
                # Durations and starts are >= 0, so truncating x + 1/2 rounds to nearest.
                sd += np.int64(d[t] * SUM_SCALE + 0.5)
                se += np.int64(es[t] * SUM_SCALE + 0.5)
            sum_d[j] += sd
            sum_es[j] += se
            # Kept durations: column c of sub_d is iteration sub_base + c.
            top = min(m, sub_base + sub_d.shape[1] - i0)
            for t in range(max(0, sub_base - i0), top):
                sub_d[j, i0 + t - sub_base] = d[t]
            if sub_es.shape[1] > 0:
                for t in range(max(0, sub_base - i0), top):
                    sub_es[j, i0 + t - sub_base] = es[t]
                    sub_ef[j, i0 + t - sub_base] = ef[t]
    for r in range(OCC.shape[0]):
        if rcost_row[r] >= 0:
            occ = OCC[r]
            rc = RC[r]
            for t in range(m):
                if occ[t]:
                    COST[t] += rc[t]
    if not backward:
        return
    # Backward pass: late finishes pushed from successors to predecessors. A row is set
    # to the project finish when first needed (``TOUCHED``), not in a sweep of its own,
    # so it is still in cache when it is next used.
    for j in range(n):
        TOUCHED[j] = 0
    LS = TMP
    if general:
        for j in range(n - 1, -1, -1):
            crit[j] += backward_general(j, m, gen, tol, D, EF, LF, PF, LS, FB, WB, TOUCHED)
        return
    for j in range(n - 1, -1, -1):
        d = D[j]
        ef = EF[j]
        lf = LF[j]
        if TOUCHED[j] == 0:
            for t in range(m):
                lf[t] = PF[t]
        count = 0
        for t in range(m):
            LS[t] = lf[t] - d[t]
            if lf[t] - ef[t] <= tol:
                count += 1
        crit[j] += count
        for k in range(ptr[j], ptr[j + 1]):
            i = pred[k]
            lag = lags[k]
            ki = kinds[k]
            lfi = LF[i]
            di = D[i]
            if TOUCHED[i] == 0:
                TOUCHED[i] = 1
                for t in range(m):
                    lfi[t] = PF[t]
            if ki == FS:
                for t in range(m):
                    v = LS[t] - lag
                    lfi[t] = v if v < lfi[t] else lfi[t]
            elif ki == SS:
                for t in range(m):
                    v = LS[t] - lag + di[t]
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
    base,
    lhs,
    backward,
    stats,
    net,
    dists,
    tasks,
    risks,
    corr,
    gflag,
    gnet,
    gcal,
    gprog,
    milestones,
    tol,
    out_finish,
    out_cost,
    out_milestones,
    out_occ,
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
):
    """Run blocks first_block..first_block+n_blocks-1 into the output arrays.

    Output arrays start at iteration ``base`` (index ``i - base``), so a runner can
    hand out any range of blocks with outputs sized to that range alone; ``sub_d``
    column c holds iteration ``base + c`` (it may have fewer columns than the range).

    Scratch arrays have a leading worker axis; ``crit``, ``sum_d`` and ``sum_es`` are
    (workers, tasks) integer accumulators that are added to. ``out_occ`` may have zero
    columns (occurrences not kept); ``sub_d`` keeps the durations of the first
    ``sub_d.shape[1]`` iterations (for rank-based sensitivity), and ``sub_es``/``sub_ef``
    their early starts and finishes when they have columns (for task date percentiles).
    """
    workers = s_task.shape[0]
    keep_occ = out_occ.shape[1] > 0
    for w in numba.prange(workers):
        gen = (gflag, gnet, gcal, gprog)
        D = s_task[w, 0]
        EF = s_task[w, 1]
        LF = s_task[w, 2]
        ES = s_es[w]
        PF = s_vec[w, 0]
        COST = s_vec[w, 1]
        TMP = s_vec[w, 2]
        FB = s_vec[w, 3]
        WB = s_vec[w, 4]
        TOUCHED = np.zeros(s_task.shape[2], dtype=np.uint8)
        OCC = s_occ[w]
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
                backward,
                stats,
                base,
                net,
                dists,
                tasks,
                risks,
                corr,
                gen,
                tol,
                D,
                ES,
                EF,
                LF,
                PF,
                COST,
                TMP,
                FB,
                WB,
                TOUCHED,
                OCC,
                s_risk[w, 0],
                s_risk[w, 1],
                s_imp[w, 0],
                s_imp[w, 1],
                s_corr[w, 0],
                s_corr[w, 1],
                crit[w],
                sum_d[w],
                sum_es[w],
                sub_d,
                sub_es,
                sub_ef,
            )
            for t in range(m):
                out_finish[i0 + t - base] = PF[t]
                out_cost[i0 + t - base] = COST[t]
            for q in range(milestones.shape[0]):
                mj = milestones[q]
                for t in range(m):
                    out_milestones[q, i0 + t - base] = EF[mj, t]
            if keep_occ:
                for r in range(OCC.shape[0]):
                    for t in range(m):
                        out_occ[r, i0 + t - base] = OCC[r, t]


@kernel
def sample_durations(
    first, count, lhs, net, dists, tasks, risks, corr, gflag, gnet, gcal, gprog, out
):
    """Durations (risk impacts included) of iterations first..first+count-1, all tasks.

    The same draws the simulation uses, so any iteration can be recomputed alone.
    """
    gen = (gflag, gnet, gcal, gprog)
    n = out.shape[0]
    R = risks[3].shape[0]
    n_imp = risks[7].shape[0]
    k = corr[0].shape[0]
    s_task = np.empty((1, 4, n, count))
    s_vec = np.empty((1, 5, count))
    s_occ = np.empty((1, R, count), dtype=np.uint8)
    s_risk = np.empty((1, 2, R, count))
    s_imp = np.empty((1, 2, n_imp, count))
    s_corr = np.empty((1, 2, k, count))
    zero = np.zeros((1, n), dtype=np.int64)
    sub = np.empty((n, 0), dtype=np.float32)
    _run_block(
        first,
        count,
        lhs,
        False,
        False,
        0,
        net,
        dists,
        tasks,
        risks,
        corr,
        gen,
        0.0,
        s_task[0, 0],
        s_task[0, 3],
        s_task[0, 1],
        s_task[0, 2],
        s_vec[0, 0],
        s_vec[0, 1],
        s_vec[0, 2],
        s_vec[0, 3],
        s_vec[0, 4],
        np.zeros(n, dtype=np.uint8),
        s_occ[0],
        s_risk[0, 0],
        s_risk[0, 1],
        s_imp[0, 0],
        s_imp[0, 1],
        s_corr[0, 0],
        s_corr[0, 1],
        zero[0],
        zero[0],
        zero[0],
        sub,
        np.empty((n, 0)),
        np.empty((n, 0)),
    )
    for j in range(n):
        for t in range(count):
            out[j, t] = s_task[0, 0, j, t]
