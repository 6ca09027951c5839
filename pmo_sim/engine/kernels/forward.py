"""The forward pass on the project's calendar for one task over a block of iterations
(numba); tasks on their own calendars or with progress take ``scheduling.passes``."""

from __future__ import annotations

from ...base.jit import kernel
from ...scheduling.network import FF, FS, SS


@kernel(inline="always")
def forward_task(j, m, net, D, EF, es, PF, lagged=None):
    """Early start of task ``j`` into ``es`` over its predecessor links (FS/SS/FF/SF
    with lags, not before its earliest start), its early finish into ``EF[j]``, and the
    project finish ``PF`` raised to it. An FS link, the common case, reads one row.
    ``lagged`` is None or (row per link, drawn lags): a link with a row >= 0 takes its
    lag per iteration from that row (an uncertain lag)."""
    ptr, pred, kinds, lags, earliest = net
    d = D[j]
    e = earliest[j]
    for t in range(m):
        es[t] = e
    for k in range(ptr[j], ptr[j + 1]):
        i = pred[k]
        lag = lags[k]
        ki = kinds[k]
        efi = EF[i]
        di = D[i]
        if lagged is not None and lagged[0][k] >= 0:
            drawn_lag_forward(ki, lagged[1][lagged[0][k]], efi, di, d, es, m)
            continue
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


@kernel
def drawn_lag_forward(ki, lag, efi, di, d, es, m):
    """One link's bound on a start, its lag drawn per iteration (``lag[t]``)."""
    for t in range(m):
        if ki == FS:
            v = efi[t] + lag[t]
        elif ki == SS:
            v = efi[t] - di[t] + lag[t]
        elif ki == FF:
            v = efi[t] + lag[t] - d[t]
        else:
            v = efi[t] - di[t] + lag[t] - d[t]
        es[t] = v if v > es[t] else es[t]
