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


#: Bits per pass of the radix sort of ``sort_rows`` (three passes cover 32 bits).
RADIX_BITS = 11


@kernel
def sort_rows(rows, order, ordered):
    """Each row of the float32 matrix ``rows`` sorted: its argsort into ``order`` and the
    sorted values into ``ordered`` (ties in index order, as numpy's stable argsort), by
    a least-significant-digit radix sort on the float bits (sign-flipped so that integer
    order is float order; -0.0 counts as 0.0), three passes of ``RADIX_BITS`` bits over
    the key and index packed in one 64-bit word: linear in the row length, where a
    comparison sort is not. Serial and GIL-free: the caller runs chunks of rows on
    threads."""
    n, s = rows.shape
    bins = 1 << RADIX_BITS
    mask = np.uint64(bins - 1)
    low = np.uint64(0xFFFFFFFF)
    a = np.empty(s, dtype=np.uint64)
    b = np.empty(s, dtype=np.uint64)
    count = np.empty(bins, dtype=np.int64)
    for j in range(n):
        bits = rows[j].view(np.uint32)
        for t in range(s):
            x = bits[t]
            if x == np.uint32(0x80000000):
                x = np.uint32(0)  # -0.0 is 0.0 (a tie, kept in index order)
            # Negative floats reverse their order: flip all bits; positive: the sign bit.
            key = ~x if x >> np.uint32(31) else x | np.uint32(0x80000000)
            a[t] = (np.uint64(key) << np.uint64(32)) | np.uint64(t)
        shift = np.uint64(32)
        for _ in range(3):
            count[:] = 0
            for t in range(s):
                count[(a[t] >> shift) & mask] += 1
            total = 0
            for d in range(bins):
                c = count[d]
                count[d] = total
                total += c
            for t in range(s):
                v = a[t]
                d = (v >> shift) & mask
                p = count[d]
                count[d] = p + 1
                b[p] = v
            a, b = b, a
            shift += np.uint64(RADIX_BITS)
        row = rows[j]
        for t in range(s):
            k = np.int64(a[t] & low)
            order[j, t] = k
            ordered[j, t] = row[k]
