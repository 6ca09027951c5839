"""Branches, existence gates, dependent risks and uncertain lags for a block of
iterations (numba); the arrays are ``engine.logic.LogicModel.arrays``."""

from __future__ import annotations

from ...base.jit import kernel
from ..logic import COND_DURATION_ABOVE, COND_FINISH_AFTER
from ..quantiles import sample_row
from ..rng import uniforms_call

#: A finish counts as after a date only past the end of its day by more than this
#: (rounding in the passes never decides a condition).
AFTER_TOLERANCE = 1e-9


@kernel
def logic_prelude(i0, m, lhs, dists, risks, logic, OCC, TMP, LAG):
    """Before the tasks: dependent risks' occurrences (after the independent ones, in
    dependency order) and the options probabilistic branches take (gate rows)."""
    occ_keys, prob, enabled = risks[0], risks[3], risks[4]
    R = prob.shape[0]
    branch_keys, first, count, conditional, cum = logic[1]
    dep_risk, req_ptr, req_idx, exc_ptr, exc_idx, pif_ptr, pif_idx, pif_p = logic[3]
    for q in range(dep_risk.shape[0]):
        r = dep_risk[q]
        occ = OCC[r]
        on = enabled[r] != 0
        p = prob[r]
        uniforms_call(occ_keys[r], i0, lhs, TMP, m)
        for t in range(m):
            pt = p
            best = -1.0
            for s in range(pif_ptr[q], pif_ptr[q + 1]):
                if OCC[pif_idx[s], t] and pif_p[s] > best:
                    best = pif_p[s]
            if best >= 0.0:
                pt = best
            ok = on and TMP[t] < pt
            for s in range(req_ptr[q], req_ptr[q + 1]):
                ok = ok and OCC[req_idx[s], t] != 0
            for s in range(exc_ptr[q], exc_ptr[q + 1]):
                ok = ok and OCC[exc_idx[s], t] == 0
            occ[t] = 1 if ok else 0
    for b in range(first.shape[0]):
        if conditional[b]:
            continue
        g0 = first[b]
        uniforms_call(branch_keys[b], i0, lhs, TMP, m)
        for g in range(g0, g0 + count[b]):
            row = OCC[R + g]
            for t in range(m):
                row[t] = 0
        for t in range(m):
            u = TMP[t]
            g = g0
            while cum[g] <= u:
                g += 1
            OCC[R + g, t] = 1


@kernel(inline="always")
def gate_task(j, m, logic, OCC, d):
    """Task ``j`` takes no time in the iterations where it does not exist."""
    g = logic[0][j]
    if g >= 0:
        row = OCC[g]
        for t in range(m):
            if not row[t]:
                d[t] = 0.0


@kernel
def decide_branches(j, m, logic, D, EF, OCC, R):
    """The conditional branches decided once task ``j`` is scheduled: per iteration,
    the first option whose condition holds, else the option without a condition (if
    any; else none of the options' tasks happen)."""
    first, count = logic[1][1], logic[1][2]
    cond_kind, cond_task, cond_value, decide_ptr, decide_idx = logic[2]
    for s in range(decide_ptr[j], decide_ptr[j + 1]):
        b = decide_idx[s]
        g0 = first[b]
        g1 = g0 + count[b]
        for t in range(m):
            taken = -1
            otherwise = -1
            for g in range(g0, g1):
                kind = cond_kind[g]
                if kind == COND_FINISH_AFTER:
                    hit = EF[cond_task[g], t] > cond_value[g] + AFTER_TOLERANCE
                elif kind == COND_DURATION_ABOVE:
                    hit = D[cond_task[g], t] > cond_value[g]
                else:
                    hit = False
                    if otherwise < 0:
                        otherwise = g
                if hit and taken < 0:
                    taken = g
            if taken < 0:
                taken = otherwise
            for g in range(g0, g1):
                OCC[R + g, t] = 1 if g == taken else 0


@kernel(inline="always")
def absent_critical(j, m, logic, OCC, EF, LF, tol):
    """The iterations the backward pass counted task ``j`` critical in although it did
    not exist (a zero-duration stand-in is critical when its float is within ``tol``,
    as the passes count it): a task that does not happen is not critical."""
    g = logic[0][j]
    if g < 0:
        return 0
    row = OCC[g]
    lf = LF[j]
    ef = EF[j]
    count = 0
    for t in range(m):
        if not row[t] and lf[t] - ef[t] <= tol:
            count += 1
    return count


@kernel
def draw_lags(j, i0, m, lhs, dists, ptr, logic, LAG):
    """The uncertain lags of the links into task ``j`` (``ptr``: the passes' link rows),
    drawn right before its forward pass reads them, so the rows are still in cache."""
    codes, params, table = dists
    lag_row, lag_dist, lag_keys = logic[4]
    for k in range(ptr[j], ptr[j + 1]):
        q = lag_row[k]
        if q >= 0:
            row = lag_dist[q]
            sample_row(codes[row], params[row], table, lag_keys[q], i0, lhs, LAG[q], m)
