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


@kernel(inline="always")
def radix_sort_row(row, a, b, count):
    """The float32 ``row`` sorted as 64-bit words, key (the float bits, sign-flipped so
    that integer order is float order; -0.0 counts as 0.0) over index: a least-
    significant-digit radix sort, three passes of ``RADIX_BITS`` bits, stable (ties in
    index order, as numpy's stable argsort). ``a`` and ``b`` are scratch of the row's
    length, ``count`` of ``2**RADIX_BITS``; returns the one holding the sorted words."""
    s = row.shape[0]
    bins = count.shape[0]
    mask = np.uint64(bins - 1)
    bits = row.view(np.uint32)
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
    return a


@kernel
def sort_rows(rows, order, ordered):
    """Each row of the float32 matrix ``rows`` sorted (``radix_sort_row``): its argsort
    into ``order`` and the sorted values into ``ordered``. Linear in the row length,
    where a comparison sort is not."""
    n, s = rows.shape
    a = np.empty(s, dtype=np.uint64)
    b = np.empty(s, dtype=np.uint64)
    count = np.empty(1 << RADIX_BITS, dtype=np.int64)
    low = np.uint64(0xFFFFFFFF)
    for j in range(n):
        row = rows[j]
        words = radix_sort_row(row, a, b, count)
        for t in range(s):
            k = np.int64(words[t] & low)
            order[j, t] = k
            ordered[j, t] = row[k]


@kernel
def spearman_rows(rows, y_centered_ranks, out, sd):
    """Spearman correlation of each row of the float32 matrix ``rows`` with a variable
    given by its average ranks minus their mean, and each row's standard deviation:
    ``spearman_sorted_rows`` on the rows sorted by ``radix_sort_row``, without writing
    the sorted rows out (the same sums in the same order, so the same bits). Serial and
    GIL-free: the caller runs chunks of rows on threads."""
    n, s = rows.shape
    a = np.empty(s, dtype=np.uint64)
    b = np.empty(s, dtype=np.uint64)
    count = np.empty(1 << RADIX_BITS, dtype=np.int64)
    low = np.uint64(0xFFFFFFFF)
    yy = 0.0
    for t in range(s):
        yy += y_centered_ranks[t] * y_centered_ranks[t]
    mean = (s + 1) / 2.0
    for j in range(n):
        row = rows[j]
        words = radix_sort_row(row, a, b, count)
        total = 0.0
        for t in range(s):
            total += row[np.int64(words[t] & low)]
        mu = total / s
        num = 0.0
        den = 0.0
        var = 0.0
        i = 0
        while i < s:
            key = words[i] >> np.uint64(32)
            x = np.float64(row[np.int64(words[i] & low)])
            k = i
            while k + 1 < s and (words[k + 1] >> np.uint64(32)) == key:
                k += 1
            r = (i + k) / 2.0 + 1.0 - mean
            for q in range(i, k + 1):
                num += r * y_centered_ranks[np.int64(words[q] & low)]
                den += r * r
                var += (x - mu) * (x - mu)
            i = k + 1
        out[j] = num / math.sqrt(den * yy) if den > 0.0 and yy > 0.0 else 0.0
        sd[j] = math.sqrt(var / s)
