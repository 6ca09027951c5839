"""The backward pass on the project's calendar for one task over a block of iterations
(numba); tasks on their own calendars or with progress take ``scheduling.passes``."""

from __future__ import annotations

from ...base.jit import kernel
from ...scheduling.network import FF, FS, SS


@kernel(inline="always")
def backward_task(j, m, net, tol, D, EF, LF, PF, LS, TOUCHED, lagged=None):
    """Late finishes pushed from task ``j`` to its predecessors; returns the number of
    iterations in which ``j`` is critical (total float within ``tol``).

    ``LF[j]`` is final when ``j`` is reached (tasks are visited in reverse topological
    order); a row not yet ``TOUCHED`` starts at the project finish. ``LS`` is scratch;
    ``lagged`` as for ``forward_task``.
    """
    ptr, pred, kinds, lags = net[0], net[1], net[2], net[3]
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
        if lagged is not None and lagged[0][k] >= 0:
            drawn_lag_backward(ki, lagged[1][lagged[0][k]], LS, lf, di, lfi, m)
            continue
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
    return count


@kernel
def drawn_lag_backward(ki, lag, LS, lf, di, lfi, m):
    """One link's bound on a predecessor's late finish, its lag drawn per iteration."""
    for t in range(m):
        if ki == FS:
            v = LS[t] - lag[t]
        elif ki == SS:
            v = LS[t] - lag[t] + di[t]
        elif ki == FF:
            v = lf[t] - lag[t]
        else:
            v = lf[t] - lag[t] + di[t]
        lfi[t] = v if v < lfi[t] else lfi[t]
