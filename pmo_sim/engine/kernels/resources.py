"""Resources for a block of iterations (numba): rate and units draws, resource costs with
escalation, and the serial schedule-generation scheme of levelled simulation.

The arrays are ``engine.resources.ResourceModel.arrays``:
``(rate_keys, rate_row, rate_const, a_ptr, a_res, a_keys, a_row, a_const, pd_keys, pd_row,
esc_ptr, esc_time, esc_cum, esc_factor, order, capacity)``.

A resource profile (one per resource, per iteration while it is levelled) is a step
function of time: breakpoints ``PT[r, :PK[r]]`` in increasing order, with the units in use
``PL[r, i]`` from ``PT[r, i]`` to the next breakpoint; the first breakpoint is far in the
past and the last level is 0 (every task ends).
"""

from __future__ import annotations

import numpy as np

from ...base.jit import kernel
from ...scheduling.network import FF, FS, SS
from ..quantiles import ppf, sample_row

#: Units in use may exceed a capacity by this much (rounding of sums of drawn units).
CAPACITY_TOLERANCE = 1e-9
#: A task waited for a resource when its levelled start is later than its logic allows
#: by more than this (working days).
WAIT_TOLERANCE = 1e-9
#: Time before any work (the first breakpoint of an empty profile).
PAST = -1e300


@kernel
def resource_prelude(i0, m, lhs, dists, res, U, RATE, UNITS):
    """Before the tasks: each resource's rate (one draw per iteration; a correlated one
    at its copula uniform ``U[c]``) and each assignment's units (one draw per task and
    iteration)."""
    codes, params, table = dists
    rate_keys, rate_row, rate_const, rate_corr = res[0], res[1], res[2], res[16]
    for r in range(rate_row.shape[0]):
        row = rate_row[r]
        out = RATE[r]
        c = rate_corr[r]
        if row >= 0 and c >= 0:
            for t in range(m):
                out[t] = ppf(codes[row], params[row], table, U[c, t])
        else:
            _draw_or_fill(dists, row, rate_const[r], rate_keys[r], i0, lhs, out, m)
    assignment_units(i0, m, lhs, dists, res, UNITS)


@kernel(inline="always")
def _draw_or_fill(dists, row, const, key, i0, lhs, out, m):
    """``out[:m]``: the draws of packed distribution ``row`` on stream ``key``, or
    ``const`` where the value is constant (``row`` is -1)."""
    if row >= 0:
        codes, params, table = dists
        sample_row(codes[row], params[row], table, key, i0, lhs, out, m)
    else:
        for t in range(m):
            out[t] = const


@kernel
def assignment_units(i0, m, lhs, dists, res, UNITS):
    """Each assignment's units for iterations ``i0 .. i0 + m - 1``."""
    a_keys, a_row, a_const = res[5], res[6], res[7]
    for a in range(a_row.shape[0]):
        _draw_or_fill(dists, a_row[a], a_const[a], a_keys[a], i0, lhs, UNITS[a], m)


@kernel(inline="always")
def escalated(res, r, x):
    """``G_r(x)``: the integral of resource ``r``'s escalation factor over timeline time
    from 0 to ``x`` (factor 1 before its first step)."""
    esc_ptr, esc_time, esc_cum, esc_factor = res[10], res[11], res[12], res[13]
    lo = esc_ptr[r]
    hi = esc_ptr[r + 1]
    k = hi - 1
    while k >= lo and esc_time[k] > x:
        k -= 1
    if k < lo:
        return x
    return esc_cum[k] + esc_factor[k] * (x - esc_time[k])


@kernel
def resource_task_cost(j, i0, m, lhs, dists, res, d, es, ef, RATE, UNITS, RCOST, COST, TMP):
    """Add task ``j``'s resource costs to ``RCOST`` (per resource) and ``COST``: per
    assignment, units x rate x working days, each at the escalation factor of when it is
    worked; and its uncertain rate per day (drawn) times its durations ``d``. The task
    works from ``es`` to ``ef`` (timeline time). A task's working days split between
    escalation steps in proportion to the timeline's working time on each side."""
    codes, params, table = dists
    a_ptr, a_res = res[3], res[4]
    pd_keys, pd_row, esc_ptr = res[8], res[9], res[10]
    for a in range(a_ptr[j], a_ptr[j + 1]):
        r = a_res[a]
        units = UNITS[a]
        rate = RATE[r]
        rc = RCOST[r]
        if esc_ptr[r + 1] == esc_ptr[r]:
            for t in range(m):
                c = units[t] * rate[t] * d[t]
                rc[t] += c
                COST[t] += c
        else:
            for t in range(m):
                s = es[t]
                span = ef[t] - s
                if span > 1e-12:
                    w = d[t] * (escalated(res, r, ef[t]) - escalated(res, r, s)) / span
                else:
                    w = d[t] * (escalated(res, r, s + 1e-9) - escalated(res, r, s)) / 1e-9
                c = units[t] * rate[t] * w
                rc[t] += c
                COST[t] += c
    row = pd_row[j]
    if row >= 0:
        sample_row(codes[row], params[row], table, pd_keys[j], i0, lhs, TMP, m)
        for t in range(m):
            COST[t] += TMP[t] * d[t]


@kernel(inline="always")
def find_segment(PT, r, k, x):
    """The last breakpoint of profile ``r`` (``k`` of them) at or before ``x``."""
    lo = 0
    hi = k - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if PT[r, mid] <= x:
            lo = mid
        else:
            hi = mid - 1
    return lo


@kernel
def earliest_fit(s, d, a0, a1, a_res, units_t, capacity, PT, PL, PK, at):
    """The earliest start at or after ``s`` at which every assignment ``a0 .. a1 - 1``
    (units ``units_t[a]``) fits within its resource's capacity for ``d`` working days;
    ``at[r]`` is left at the segment of each resource's profile holding that start.

    Candidates are ``s`` and the profiles' breakpoints: a start inside a segment that
    does not fit would overlap it. The assignments are checked in turn, round the list,
    until all of them fit at one start; within a profile the scan goes on from where it
    failed (no search again), past every segment that does not fit."""
    count = a1 - a0
    fits = 0
    a = a0
    while fits < count:
        r = a_res[a]
        cap = capacity[r]
        moved = False
        if cap != 1e300:
            limit = cap - units_t[a] + CAPACITY_TOLERANCE
            k = PK[r]
            i = find_segment(PT, r, k, s)
            at[r] = i
            f = s + d
            while i < k and PT[r, i] < f:
                if PL[r, i] > limit:
                    # The first later segment that fits (the last level is 0).
                    i += 1
                    while PL[r, i] > limit:
                        i += 1
                    s = PT[r, i]
                    at[r] = i
                    f = s + d
                    moved = True
                i += 1
        # A move makes this the only assignment known to fit at the new start.
        fits = 1 if moved else fits + 1
        a = a + 1 if a + 1 < a1 else a0
    return s


@kernel
def occupy(s, f, a0, a1, a_res, units_t, capacity, PT, PL, PK, at):
    """Add assignments ``a0 .. a1 - 1`` to their resources' profiles from ``s`` to ``f``
    (``f > s``; ``at[r]``: the segment holding ``s``, from ``earliest_fit``): both made
    breakpoints in one shift of the profile's tail."""
    for a in range(a0, a1):
        r = a_res[a]
        if capacity[r] == 1e300:
            continue
        k = PK[r]
        i = at[r]
        e = i  # the last breakpoint at or before f: near s, so a scan beats a search
        while e + 1 < k and PT[r, e + 1] <= f:
            e += 1
        new_s = 1 if PT[r, i] != s else 0
        new_f = 1 if PT[r, e] != f else 0
        shift = new_s + new_f
        if shift:
            for q in range(k - 1, e, -1):
                PT[r, q + shift] = PT[r, q]
                PL[r, q + shift] = PL[r, q]
            if new_f:
                # The level before f carries on after it.
                PT[r, e + 1 + new_s] = f
                PL[r, e + 1 + new_s] = PL[r, e]
            if new_s:
                for q in range(e, i, -1):
                    PT[r, q + 1] = PT[r, q]
                    PL[r, q + 1] = PL[r, q]
                PT[r, i + 1] = s
                PL[r, i + 1] = PL[r, i]
            PK[r] = k + shift
        u = units_t[a]
        for q in range(i + new_s, e + new_s + new_f):
            PL[r, q] += u


@kernel
def level_iteration(t, net, res, D, LES, EF, UNITS, PT, PL, PK, lagged, waited):
    """Iteration ``t`` of a block, levelled: the tasks in the fixed priority order
    (``res[14]``, precedence-feasible), each at the earliest time its links (on the
    levelled dates of its predecessors) and its resources' capacities allow. Writes the
    levelled starts into ``LES[:, t]`` and finishes into ``EF[:, t]``, counts in
    ``waited`` the tasks a resource held back, and returns the levelled project finish.
    ``lagged`` is None or the drawn lags (as ``forward_task`` takes them)."""
    ptr, pred, kinds, lags, earliest = net
    a_ptr, a_res, order, capacity = res[3], res[4], res[14], res[15]
    n_res = capacity.shape[0]
    for r in range(n_res):
        PT[r, 0] = PAST
        PL[r, 0] = 0.0
        PK[r] = 1
    at = np.zeros(n_res, dtype=np.int64)
    pf = 0.0
    for q in range(order.shape[0]):
        j = order[q]
        d = D[j, t]
        s = earliest[j]
        for k in range(ptr[j], ptr[j + 1]):
            i = pred[k]
            lag = lags[k]
            if lagged is not None and lagged[0][k] >= 0:
                lag = lagged[1][lagged[0][k], t]
            ki = kinds[k]
            if ki == FS:
                v = EF[i, t] + lag
            elif ki == SS:
                v = LES[i, t] + lag
            elif ki == FF:
                v = EF[i, t] + lag - d
            else:
                v = LES[i, t] + lag - d
            s = v if v > s else s
        a0 = a_ptr[j]
        a1 = a_ptr[j + 1]
        if d > 0.0 and a1 > a0:
            logic_start = s
            s = earliest_fit(s, d, a0, a1, a_res, UNITS[:, t], capacity, PT, PL, PK, at)
            if s > logic_start + WAIT_TOLERANCE:
                waited[j] += 1
            occupy(s, s + d, a0, a1, a_res, UNITS[:, t], capacity, PT, PL, PK, at)
        LES[j, t] = s
        f = s + d
        EF[j, t] = f
        pf = f if f > pf else pf
    return pf


@kernel
def demand_levels(period, n_periods, start, busy, units, a_res, out):
    """Mean units in use per resource, period and iteration: ``out[r, p, t]`` gets the
    unit-days of every assignment of resource ``r`` that fall in period ``p`` (from
    ``p * period`` to ``(p + 1) * period``) of iteration ``t``, divided by ``period``;
    ``start``, ``busy`` (working days worked) and ``units`` are (assignments,
    iterations)."""
    for a in range(start.shape[0]):
        r = a_res[a]
        for t in range(start.shape[1]):
            d = busy[a, t]
            if d <= 0.0:
                continue
            s = start[a, t]
            f = s + d
            u = units[a, t] / period
            p = max(int(s // period), 0)
            while p < n_periods:
                lo = p * period
                if lo >= f:
                    break
                hi = lo + period
                overlap = min(hi, f) - max(lo, s)
                if overlap > 0.0:
                    out[r, p, t] += u * overlap
                p += 1
