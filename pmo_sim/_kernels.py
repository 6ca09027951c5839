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

Kernels validate nothing and allocate nothing per block: ``engine.py`` prepares
everything and owns the outputs.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ._numba import kernel
from ._quantiles import ndtr, ndtri, ppf, sample_row, transform_row
from ._rng import uniforms_row
from .network import FF, FS, SF, SS
from .timeline import COMPLETE, IN_PROGRESS, SNAP, START_SNAP, finish_time, own_time, start_time

#: Fixed-point resolution of per-task sums (mean start and duration): 2**-16 days.
SUM_SCALE = 65536.0


@kernel
def _risk_prelude(i0, m, lhs, dists, risks, corr, dur_keys, OCC, SEV, RC, FAC, DEL, Z, U):
    codes, params, table = dists
    (
        occ_keys,
        sev_keys,
        rcost_keys,
        prob,
        enabled,
        rcost_row,
        corr_risk,
        imp_risk,
        imp_delay_row,
        imp_factor_row,
    ) = risks
    item_kind, item_index, chol = corr
    # Gaussian copula: correlated uniforms of every correlated item.
    k = item_kind.shape[0]
    for c in range(k):
        key = dur_keys[item_index[c]] if item_kind[c] == 0 else sev_keys[item_index[c]]
        z = Z[c]
        uniforms_row(key, i0, lhs, z, m)
        for t in range(m):
            z[t] = ndtri(z[t])
    for c in range(k):
        u = U[c]
        for t in range(m):
            s = 0.0
            for q in range(c + 1):
                s += chol[c, q] * Z[q, t]
            u[t] = ndtr(s)
            # Keep u strictly inside (0, 1): a quantile at 0 or 1 may be infinite.
            if u[t] <= 0.0:
                u[t] = 5e-324
            elif u[t] >= 1.0:
                u[t] = 1.0 - 1.1102230246251565e-16
    for r in range(prob.shape[0]):
        occ = OCC[r]
        p = prob[r]
        on = enabled[r] != 0
        sev = SEV[r]
        # The occurrence uniforms pass through the severity row, then it gets its own.
        uniforms_row(occ_keys[r], i0, lhs, sev, m)
        for t in range(m):
            occ[t] = 1 if on and sev[t] < p else 0
        c = corr_risk[r]
        if c >= 0:
            for t in range(m):
                sev[t] = U[c, t]
        else:
            uniforms_row(sev_keys[r], i0, lhs, sev, m)
        row = rcost_row[r]
        if row >= 0:
            sample_row(codes[row], params[row], table, rcost_keys[r], i0, lhs, RC[r], m)
    for q in range(imp_risk.shape[0]):
        sev = SEV[imp_risk[q]]
        row = imp_delay_row[q]
        if row >= 0:
            out = DEL[q]
            for t in range(m):
                out[t] = ppf(codes[row], params[row], table, sev[t])
        row = imp_factor_row[q]
        if row >= 0:
            out = FAC[q]
            for t in range(m):
                out[t] = ppf(codes[row], params[row], table, sev[t])


@kernel(inline="always")
def _row_within(row, m, limit):
    """True when every value of ``row[:m]`` is in ``[0, limit)``."""
    lo = np.inf
    hi = -np.inf
    for t in range(m):
        lo = min(lo, row[t])
        hi = max(hi, row[t])
    return lo >= 0.0 and hi < limit


@kernel
def _forward_general(j, m, gen, D, ES, EF, SB, FB, WB, PF):
    """Early start and finish of task ``j`` on its calendar, with progress (see
    ``timeline.py``): bounds on the start (FS, SS) and on the finish (FF, SF) are
    gathered on the timeline, then converted once to the task's working time. ``PF``
    (the project finish) is raised to the task's finish. The early start lands in
    ``ES[j]`` if SS/SF links read it, else in ``SB``. Lagged FS/SS links counted on the
    task's own calendar (the default lag calendar) bound its work directly, in ``WB``:
    converting them back to the timeline would only be undone."""
    (ptr, pred, kinds, lags, earliest), cal, prog = gen[1], gen[2], gen[3]
    lag_cal, floor, task_cal, status, fixed_es, fixed_ef, _, flags = prog
    # Early starts go to their own row only where successors read them (SS/SF links);
    # elsewhere to the start-bound row, which the caller reads right after.
    es = ES[j] if flags[j] & 4 else SB
    ef = EF[j]
    if status[j] == COMPLETE:
        for t in range(m):
            es[t] = fixed_es[j]
            ef[t] = fixed_ef[j]
            PF[t] = max(PF[t], ef[t])
        return
    e = earliest[j]
    fl = floor[j]
    finish_bound = flags[j] & 1
    for t in range(m):
        SB[t] = e
    if finish_bound:
        for t in range(m):
            FB[t] = fl
    c = task_cal[j]
    has_wb = False
    for k in range(ptr[j], ptr[j + 1]):
        i = pred[k]
        lag = lags[k]
        g = lag_cal[k]
        ki = kinds[k]
        src = EF[i] if (ki in (FS, FF)) else ES[i]
        tgt = SB if (ki in (FS, SS)) else FB
        if g < 0:
            for t in range(m):
                v = src[t] + lag
                tgt[t] = v if v > tgt[t] else tgt[t]
        elif g == c and ki in (FS, SS):
            if not has_wb:
                has_wb = True
                for t in range(m):
                    WB[t] = -np.inf
            for t in range(m):
                v = own_time(cal, g, src[t]) + lag
                WB[t] = v if v > WB[t] else WB[t]
        else:
            for t in range(m):
                v = finish_time(cal, g, own_time(cal, g, src[t]) + lag)
                tgt[t] = v if v > tgt[t] else tgt[t]
    d = D[j]
    if c < 0:
        if finish_bound:
            for t in range(m):
                v = FB[t] - d[t]
                s = SB[t] if SB[t] > v else v
                es[t] = s
                ef[t] = s + d[t]
                PF[t] = max(PF[t], ef[t])
        else:
            for t in range(m):
                es[t] = SB[t]
                ef[t] = SB[t] + d[t]
                PF[t] = max(PF[t], ef[t])
    elif not finish_bound and _row_within(SB, m, cal[9][c]):
        # The common case, only start bounds that all fall within the tables: branch-free
        # lookups. Work done by the bound x on day k is cum[k] + min(x - k, work[k]);
        # work starts at x on a working day, else on the next one (max with next_start).
        cum = cal[0][c]
        work = cal[1][c]
        own = cal[2][c]
        nxt = cal[8][c]
        lo = np.inf
        hi = -np.inf
        for t in range(m):
            x = SB[t]
            k = int(x)
            w = cum[k] + min(x - k, work[k])
            s = max(x, nxt[k])
            if np.floor(w + START_SNAP) != np.floor(w):
                # Work just short of a whole number of days: it starts on the next
                # working day, as start_time says (see START_SNAP). Rare.
                s = start_time(cal, c, w)
            if has_wb:
                wb = WB[t]
                if wb > w:
                    w = wb
                    s = start_time(cal, c, wb)
                if d[t] == 0.0:
                    x = max(x, finish_time(cal, c, wb))  # an instant's time
            w += d[t]
            es[t] = x if d[t] == 0.0 else s
            ef[t] = w  # the work done at the finish, converted below
            lo = min(lo, w)
            hi = max(hi, w)
        if lo > SNAP and hi < cal[3][c]:
            for t in range(m):
                v = ef[t]
                # finish_time's value: work up to SNAP past a whole number n ends where
                # n does (q = n - 1, and v - q = 1); otherwise q = ceil(v) - 1.
                q = np.ceil(v - SNAP) - 1.0
                f = own[int(q)] + min(v - q, 1.0)
                # Never before the start: work a whole number of days plus at most SNAP
                # finishes where that number does (see finish_time).
                ef[t] = es[t] if d[t] == 0.0 else max(f, es[t])
                PF[t] = max(PF[t], ef[t])
        else:
            for t in range(m):
                ef[t] = es[t] if d[t] == 0.0 else max(finish_time(cal, c, ef[t]), es[t])
                PF[t] = max(PF[t], ef[t])
    elif not finish_bound:
        for t in range(m):
            dt = d[t]
            if dt == 0.0:
                x = SB[t]
                if has_wb:
                    x = max(x, finish_time(cal, c, WB[t]))
                es[t] = x
                ef[t] = x
            else:
                w = own_time(cal, c, SB[t])
                if has_wb:
                    w = max(w, WB[t])
                es[t] = start_time(cal, c, w)
                ef[t] = max(finish_time(cal, c, w + dt), es[t])
            PF[t] = max(PF[t], ef[t])
    else:
        for t in range(m):
            dt = d[t]
            if dt == 0.0:
                s = SB[t] if SB[t] > FB[t] else FB[t]
                if has_wb:
                    s = max(s, finish_time(cal, c, WB[t]))
                es[t] = s
                ef[t] = s
            else:
                w = own_time(cal, c, SB[t])
                if has_wb:
                    w = max(w, WB[t])
                v = own_time(cal, c, FB[t]) - dt
                w = w if w > v else v
                es[t] = start_time(cal, c, w)
                ef[t] = max(finish_time(cal, c, w + dt), es[t])
            PF[t] = max(PF[t], ef[t])


@kernel
def _push_late(cal, g, lag, on_start, ci, di, src, lfi, U, m):
    """Lower ``lfi`` (a predecessor's late finish, calendar ``ci``, durations ``di``) to
    what one link allows from the successor's times ``src``: ``src`` less the lag on
    calendar ``g``, and where the link bounds the predecessor's start (SS, SF), plus
    its duration on its own calendar. ``U`` is scratch. A kernel of its own, called once
    per link: inlined into the per-iteration loop (numba ``inline="always"``), the nested
    lookups made numba count references to the table arrays in every iteration, fifteen
    times slower."""
    if not on_start and g >= 0 and lag != 0.0 and _row_within(src, m, cal[5]):
        # A lagged FS/FF link, every time within the tables: branch-free lookups, the
        # same arithmetic as own_time and start_time.
        cum = cal[0][g]
        work = cal[1][g]
        own = cal[2][g]
        lo = np.inf
        hi = -np.inf
        for t in range(m):
            x = src[t]
            k = int(x)
            w = cum[k] + min(x - k, work[k]) - lag
            U[t] = w
            lo = min(lo, w)
            hi = max(hi, w)
        if lo >= 0.0 and hi < cal[3][g] - 1.0:
            for t in range(m):
                w = U[t]
                q = np.floor(w + START_SNAP)  # start_time's value, as in the forward pass
                u = own[int(q)] + max(w - q, 0.0)
                lfi[t] = u if u < lfi[t] else lfi[t]
            return
    for t in range(m):
        x = src[t]
        u = x - lag if g < 0 or lag == 0.0 else start_time(cal, g, own_time(cal, g, x) - lag)
        if on_start:
            if ci < 0:
                u += di[t]
            elif di[t] != 0.0:
                u = start_time(cal, ci, own_time(cal, ci, u) + di[t])
        lfi[t] = u if u < lfi[t] else lfi[t]


@kernel
def _backward_general(j, m, gen, tol, D, EF, LF, PF, LS, WL, U, TOUCHED):
    """Late dates of task ``j`` on its calendar, pushed to its predecessors; returns the
    number of iterations in which it is critical (total float on its own calendar).
    ``LS``, ``WL`` and ``U`` are scratch rows."""
    (ptr, pred, kinds, lags, _), cal, prog = gen[1], gen[2], gen[3]
    lag_cal, _, task_cal, status, _, _, _, flags = prog
    idle = cal[7]
    if status[j] == COMPLETE:
        return 0
    d = D[j]
    ef = EF[j]
    lf = LF[j]
    if TOUCHED[j] == 0:
        for t in range(m):
            lf[t] = PF[t]
    c = task_cal[j]
    count = 0
    # The late finish is moved back to the end of a working day only where finish-based
    # links (FF, SF) carry it to predecessors; elsewhere only LS and the float count.
    snap = flags[j] & 2
    max_idle = idle[c] + 1.0 + tol if c >= 0 else 0.0
    if c < 0:
        for t in range(m):
            LS[t] = lf[t] - d[t]
            if lf[t] - ef[t] <= tol:
                count += 1
    elif not snap and _row_within(lf, m, cal[5]):
        # Branch-free lookups while every late finish falls within the tables; the
        # late start is converted below once the row is known to be within them too.
        cum = cal[0][c]
        work = cal[1][c]
        own = cal[2][c]
        lo = np.inf
        hi = -np.inf
        for t in range(m):
            x = lf[t]
            k = int(x)
            wl = cum[k] + min(x - k, work[k])  # work done at the late finish
            v = wl - d[t]  # ... and at the late start
            WL[t] = wl
            LS[t] = v
            lo = min(lo, v)
            hi = max(hi, v)
        within = lo >= 0.0 and hi < cal[3][c] - 1.0
        for t in range(m):
            v = LS[t]
            if d[t] == 0.0:
                LS[t] = lf[t]
            elif within:
                # start_time's value: work up to START_SNAP short of a whole number n
                # starts where n does (q = n, v - q < 0); otherwise q = floor(v).
                q = np.floor(v + START_SNAP)
                LS[t] = own[int(q)] + max(v - q, 0.0)
            else:
                LS[t] = start_time(cal, c, v)
            slack = lf[t] - ef[t]
            if tol < slack <= max_idle and d[t] != 0.0:
                slack = WL[t] - own_time(cal, c, ef[t])
            count += slack <= tol
    else:
        for t in range(m):
            if d[t] == 0.0:
                LS[t] = lf[t]
                WL[t] = lf[t]
                slack = lf[t] - ef[t]
            else:
                wl = own_time(cal, c, lf[t])
                if snap:
                    lf[t] = finish_time(cal, c, wl)
                    # An FF/SF link holds the successor's finish in its own working
                    # time, so a predecessor may run to the latest time with ``wl`` done.
                    WL[t] = start_time(cal, c, wl)
                LS[t] = start_time(cal, c, wl - d[t])
                # Float on the task's calendar; the lookup is needed only when the gap
                # could be made of days the calendar does not work.
                slack = lf[t] - ef[t]
                if tol < slack <= max_idle:
                    slack = wl - own_time(cal, c, ef[t])
            if slack <= tol:
                count += 1
    for k in range(ptr[j], ptr[j + 1]):
        i = pred[k]
        lag = lags[k]
        g = lag_cal[k]
        ki = kinds[k]
        ci = task_cal[i]
        lfi = LF[i]
        di = D[i]
        if TOUCHED[i] == 0:
            TOUCHED[i] = 1
            for t in range(m):
                lfi[t] = PF[t]
        # Finish-based links read the latest time with the late finish's work done (WL,
        # set above where such links exist and the calendar is not the timeline's).
        src = LS if (ki in (FS, SS)) else (WL if snap and c >= 0 else lf)
        on_start = ki == SS or ki == SF  # the bound is on the predecessor's start
        if not on_start and (g < 0 or lag == 0.0):
            for t in range(m):
                u = src[t] - lag
                lfi[t] = u if u < lfi[t] else lfi[t]
            continue
        _push_late(cal, g, lag, on_start, ci, di, src, lfi, U, m)
    return count


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
    _risk_prelude(i0, m, lhs, dists, risks, corr, dur_keys, OCC, SEV, RC, FAC, DEL, Z, U)
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
            _forward_general(j, m, gen, D, ES, EF, TMP, FB, WB, PF)
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
            crit[j] += _backward_general(j, m, gen, tol, D, EF, LF, PF, LS, FB, WB, TOUCHED)
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


@kernel
def spearman_sorted_rows(order, ordered, y_centered_ranks, out, sd):
    """Spearman correlation of each row of a matrix with a variable given by its ranks,
    and each row's standard deviation.

    ``order`` is the row-wise argsort of the matrix and ``ordered`` the sorted rows (numpy
    sorts faster than a numba loop); ``y_centered_ranks`` are the other variable's
    average ranks minus their mean. Ties get average ranks; a row without spread gets 0.
    Serial and GIL-free: the caller runs chunks of rows on threads.
    """
    n, s = order.shape
    yy = 0.0
    for t in range(s):
        yy += y_centered_ranks[t] * y_centered_ranks[t]
    mean = (s + 1) / 2.0
    for j in range(n):
        num = 0.0
        den = 0.0
        total = 0.0
        for t in range(s):
            total += ordered[j, t]
        mu = total / s
        var = 0.0
        i = 0
        while i < s:
            x = np.float64(ordered[j, i])
            k = i
            while k + 1 < s and ordered[j, k + 1] == ordered[j, i]:
                k += 1
            r = (i + k) / 2.0 + 1.0 - mean
            for q in range(i, k + 1):
                num += r * y_centered_ranks[order[j, q]]
                den += r * r
                var += (x - mu) * (x - mu)
            i = k + 1
        out[j] = num / math.sqrt(den * yy) if den > 0.0 and yy > 0.0 else 0.0
        sd[j] = math.sqrt(var / s)


@kernel
def general_cpm(gen, durations, es, ef, ls, lf, total_float, free_float, critical, tol):
    """Deterministic CPM through the calendar-and-progress passes (one iteration).

    Arrays are in topological order; ``es`` receives the start of each task's (remaining)
    work. Floats count working days of each task's calendar; complete tasks get no
    float and are never critical.
    """
    n = durations.shape[0]
    cal, prog = gen[2], gen[3]
    ptr, pred, kinds, lags, _ = gen[1]
    lag_cal, _, task_cal, status, _, _, fixed_d, _ = prog
    D = np.empty((n, 1))
    ES = np.empty((n, 1))
    EF = np.empty((n, 1))
    LF = np.empty((n, 1))
    SB = np.empty(1)
    FB = np.empty(1)
    WB = np.empty(1)
    PF = np.zeros(1)
    LS = np.empty(1)
    for j in range(n):
        D[j, 0] = fixed_d[j] if status[j] == COMPLETE else durations[j]
    for j in range(n):
        _forward_general(j, 1, gen, D, ES, EF, SB, FB, WB, PF)
        if not prog[7][j] & 4:
            ES[j, 0] = SB[0]
    touched = np.zeros(n, dtype=np.uint8)
    for j in range(n - 1, -1, -1):
        critical[j] = _backward_general(j, 1, gen, tol, D, EF, LF, PF, LS, SB, WB, touched) > 0
        if status[j] == COMPLETE:
            ls[j] = ES[j, 0]
            lf[j] = EF[j, 0]
            total_float[j] = 0.0
            continue
        ls[j] = LS[0]
        lf[j] = LF[j, 0]
        c = task_cal[j]
        if c >= 0 and D[j, 0] != 0.0:
            # Not before the late start, as the early finish (see _forward_general).
            lf[j] = max(finish_time(cal, c, own_time(cal, c, lf[j])), ls[j])
        if c < 0 or D[j, 0] == 0.0:
            total_float[j] = lf[j] - EF[j, 0]
        else:
            total_float[j] = own_time(cal, c, lf[j]) - own_time(cal, c, EF[j, 0])
    # Free float: the latest finish that keeps every successor's early dates.
    free = np.full(n, PF[0])
    for j in range(n):
        c = task_cal[j]
        # A finish-based link holds the successor's finish in its own working time: the
        # predecessor may run to the latest time with the early finish's work done.
        LS[0] = EF[j, 0]
        if c >= 0 and D[j, 0] != 0.0:
            LS[0] = start_time(cal, c, own_time(cal, c, EF[j, 0]))
        for k in range(ptr[j], ptr[j + 1]):
            i = pred[k]
            ki = kinds[k]
            g = lag_cal[k]
            ci = task_cal[i]
            src = ES[j] if (ki in (FS, SS)) else LS
            _push_late(cal, g, lags[k], ki in (SS, SF), ci, D[i], src, free[i : i + 1], WB, 1)
    for j in range(n):
        c = task_cal[j]
        if status[j] == COMPLETE:
            free_float[j] = 0.0
        elif c < 0 or D[j, 0] == 0.0:
            free_float[j] = free[j] - EF[j, 0]
        else:
            free_float[j] = own_time(cal, c, free[j]) - own_time(cal, c, EF[j, 0])
        es[j] = ES[j, 0]
        ef[j] = EF[j, 0]
        durations[j] = D[j, 0]
