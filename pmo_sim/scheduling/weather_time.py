"""Working time on a calendar that loses days to weather in an iteration (numba).

In iteration ``t``, ``cum[q, t]`` counts the lost days among the calendar's own days
``0 .. q - 1`` (``Q`` own days in the tables' span; none lost past it) and ``inv[e, t]``
is the own day of the e-th day that is not lost. *Weathered* work at own time ``x`` is the work done
by then less the lost time: a task on the calendar that may start at own time ``x``
works from weathered ``v`` to ``v + d`` and is converted back with the two inverses,
the earliest own time with the work done (its finish) and the time work resumes (its
start), as ``timeline.finish_time``/``start_time`` do across days off.
"""

from __future__ import annotations

import numpy as np

from ..base.jit import kernel
from ..model.calendar import SNAP, START_SNAP


@kernel(inline="always")
def weathered(cum, t, Q, x):
    """Weathered work at own time ``x`` in iteration ``t`` (column ``t`` of ``cum``):
    ``x`` less the lost time before it. (Own days run down the rows, iterations along
    them: a task's iterations read nearby days, so nearby memory; and columns are
    indexed, not sliced, as a slice per call makes numba count references.)"""
    if x <= 0.0:
        return x
    q = int(x)
    if q >= Q:
        return x - cum[Q, t]
    if cum[q + 1, t] != cum[q, t]:
        return q - cum[q, t]  # within a lost day: no work done during it
    return x - cum[q, t]


@kernel(inline="always")
def unweathered_finish(inv, cum, t, Q, v):
    """The earliest own time with weathered work ``v`` done (work up to ``SNAP`` past a
    whole number ends where that number does)."""
    if v <= 0.0:
        return v
    e = max(int(np.ceil(v - SNAP)) - 1, 0)
    if e >= Q - cum[Q, t]:
        return v + cum[Q, t]
    return inv[e, t] + (v - e)


@kernel(inline="always")
def unweathered_start(inv, cum, t, Q, v):
    """The own time at which work resumes with weathered work ``v`` done: past the lost
    days that follow it (work up to ``START_SNAP`` short of a whole number starts where
    that number does)."""
    if v < 0.0:
        return v
    e = int(np.floor(v + START_SNAP))
    if e >= Q - cum[Q, t]:
        return v + cum[Q, t]
    return inv[e, t] + max(v - e, 0.0)


@kernel(inline="always")
def own_plain(cum, work, span, x):
    """``timeline.own_time`` on one calendar's rows without a day shape, for ``0 <= x <
    span`` (-1 outside, for the caller to take the general conversion)."""
    if x < 0.0 or x >= span:
        return -1.0
    k = int(x)
    return cum[k] + work[k] * (x - k)


@kernel(inline="always")
def finish_plain(own, n, w):
    """``timeline.finish_time`` on one calendar's rows without a day shape, for work
    within the span (-1 outside)."""
    f = np.floor(w)
    z = f if f < w and w - SNAP <= f else w
    if z <= 0.0:
        return z
    if z > n:
        return -1.0
    j = np.ceil(z) - 1.0
    return own[int(j)] + (z - j)


@kernel(inline="always")
def start_plain(own, n, w):
    """``timeline.start_time`` on one calendar's rows without a day shape, for work
    within the span (-1 outside)."""
    u = np.ceil(w)
    z = u if w < u and w + START_SNAP >= u else w
    if z < 0.0:
        return z
    if z >= n:
        return -1.0
    j = np.floor(z)
    return own[int(j)] + (z - j)
