"""Statistics kernels that read what a run kept (numba)."""

from __future__ import annotations

import math

import numpy as np

from ...base.jit import kernel


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
