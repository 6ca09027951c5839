"""Task durations and costs for a block of iterations (numba)."""

from __future__ import annotations

from ...base.jit import kernel
from ...scheduling.timeline import COMPLETE
from ..quantiles import sample_row, transform_row


@kernel(inline="always")
def task_duration(j, i0, m, lhs, dists, tasks, risks, gen, OCC, FAC, DEL, U, d):
    """Task ``j``'s durations into ``d``: its own draw (or its copula uniform ``U``),
    then its risk impacts (factors multiply, then delays add, the result is not below
    zero); a complete task took its actual duration."""
    codes, params, table = dists
    dur_keys, timp_ptr, timp_idx, corr_task = tasks[0], tasks[6], tasks[7], tasks[8]
    imp_risk, imp_delay_row, imp_factor_row = risks[7], risks[8], risks[9]
    done = gen[0] and gen[3][3][j] == COMPLETE
    c = corr_task[j]
    if done:
        fd = gen[3][6][j]
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
    if q1 == q0 or done:
        return
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


@kernel(inline="always")
def task_cost(j, i0, m, lhs, dists, tasks, d, TMP, COST, gate=None):
    """Add task ``j``'s cost to ``COST``: its fixed cost (drawn, or a constant) plus its
    rate times its durations ``d``. ``TMP`` is scratch. ``gate`` is None, or a row that
    is 0 in the iterations where the task does not exist (``engine.logic``): those add
    nothing, with the same draws (numba prunes the test when ``gate`` is None)."""
    cost_keys, cost_row, cost_const, rate, has_cost = tasks[1:6]
    if not has_cost[j]:
        return
    codes, params, table = dists
    rj = rate[j]
    row = cost_row[j]
    if row >= 0:
        sample_row(codes[row], params[row], table, cost_keys[j], i0, lhs, TMP, m)
        for t in range(m):
            if gate is None or gate[t]:
                COST[t] += TMP[t] + rj * d[t]
    else:
        cj = cost_const[j]
        for t in range(m):
            if gate is None or gate[t]:
                COST[t] += cj + rj * d[t]
