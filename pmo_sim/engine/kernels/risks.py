"""Risk events for a block of iterations: occurrences, severities, their impacts and
costs, and the correlated uniforms of the Gaussian copula (numba)."""

from __future__ import annotations

from ...base.jit import kernel
from ..quantiles import ndtr, ndtri, ppf, sample_row
from ..rng import uniforms_call


@kernel
def risk_prelude(i0, m, lhs, dists, risks, corr, dur_keys, OCC, SEV, RC, FAC, DEL, Z, U):
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
    item_kind, item_index, chol, foreign_keys = corr
    # Gaussian copula: correlated uniforms of every correlated item. An item of another
    # project of a portfolio (kind 2) draws its normal from that project's stream, so
    # both projects see the same normals and the same joint draws.
    k = item_kind.shape[0]
    for c in range(k):
        kind = item_kind[c]
        if kind == 0:
            key = dur_keys[item_index[c]]
        elif kind == 1:
            key = sev_keys[item_index[c]]
        else:
            key = foreign_keys[item_index[c]]
        z = Z[c]
        uniforms_call(key, i0, lhs, z, m)
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
        uniforms_call(occ_keys[r], i0, lhs, sev, m)
        for t in range(m):
            occ[t] = 1 if on and sev[t] < p else 0
        c = corr_risk[r]
        if c >= 0:
            for t in range(m):
                sev[t] = U[c, t]
        else:
            uniforms_call(sev_keys[r], i0, lhs, sev, m)
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
def risk_costs(m, risks, OCC, RC, COST):
    """Add the cost of every risk that occurred to ``COST``."""
    rcost_row = risks[5]
    # OCC may hold branch options' rows after the risks' (engine.logic).
    for r in range(rcost_row.shape[0]):
        if rcost_row[r] >= 0:
            occ = OCC[r]
            rc = RC[r]
            for t in range(m):
                if occ[t]:
                    COST[t] += rc[t]
