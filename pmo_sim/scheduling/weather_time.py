"""Working time on a calendar that loses days to weather in an iteration (numba).

Per iteration, ``cum[q]`` counts the lost days among the calendar's own days ``0 ..
q - 1`` (``Q`` own days in the tables' span; none lost past it) and ``inv[e]`` is the own
day of the e-th day that is not lost. *Weathered* work at own time ``x`` is the work done
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
def weathered(cum, Q, x):
    """Weathered work at own time ``x``: ``x`` less the lost time before it."""
    if x <= 0.0:
        return x
    q = int(x)
    if q >= Q:
        return x - cum[Q]
    if cum[q + 1] != cum[q]:
        return q - cum[q]  # within a lost day: no work done during it
    return x - cum[q]


@kernel(inline="always")
def unweathered_finish(inv, cum, Q, v):
    """The earliest own time with weathered work ``v`` done (work up to ``SNAP`` past a
    whole number ends where that number does)."""
    if v <= 0.0:
        return v
    e = max(int(np.ceil(v - SNAP)) - 1, 0)
    if e >= Q - cum[Q]:
        return v + cum[Q]
    return inv[e] + (v - e)


@kernel(inline="always")
def unweathered_start(inv, cum, Q, v):
    """The own time at which work resumes with weathered work ``v`` done: past the lost
    days that follow it (work up to ``START_SNAP`` short of a whole number starts where
    that number does)."""
    if v < 0.0:
        return v
    e = int(np.floor(v + START_SNAP))
    if e >= Q - cum[Q]:
        return v + cum[Q]
    return inv[e] + max(v - e, 0.0)
