"""The forward and backward passes on task calendars and progress, over a block of
iterations (numba).

The Monte Carlo kernel runs them for every block of iterations (``m`` iterations at a
time) and the deterministic CPM runs them once (``m = 1``), so both schedule a task the
same way to the bit. Tasks are in topological order; times are on the timeline (see
``timeline.py``), converted to each task's working time only where a bound is applied.
"""

from __future__ import annotations

import numpy as np

from ..base.jit import kernel
from ..model.calendar import SNAP, START_SNAP
from .network import FF, FS, SF, SS
from .timeline import COMPLETE, finish_time, own_time, start_time
from .weather_time import (
    finish_plain,
    own_plain,
    start_plain,
    unweathered_finish,
    unweathered_start,
    weathered,
)


@kernel(inline="always")
def row_within(row, m, limit):
    """True when every value of ``row[:m]`` is in ``[0, limit)``."""
    lo = np.inf
    hi = -np.inf
    for t in range(m):
        lo = min(lo, row[t])
        hi = max(hi, row[t])
    return lo >= 0.0 and hi < limit


@kernel
def forward_general(j, m, gen, D, ES, EF, SB, FB, WB, PF, lagged=None):
    """Early start and finish of task ``j`` on its calendar, with progress (see
    ``timeline.py``): bounds on the start (FS, SS) and on the finish (FF, SF) are
    gathered on the timeline, then converted once to the task's working time. ``PF``
    (the project finish) is raised to the task's finish. The early start lands in
    ``ES[j]`` if SS/SF links read it, else in ``SB``. Lagged FS/SS links counted on the
    task's own calendar (the default lag calendar) bound its work directly, in ``WB``:
    converting them back to the timeline would only be undone. A task whose early
    dates are capped (``GeneralModel.caps``) raises ``PF`` only once capped. ``lagged``
    is None or (row per link, drawn lags, weather index per task, lost-day counts and
    inverses per weather calendar, own days per weather calendar): a link with a row >= 0
    has an uncertain lag, drawn per iteration, and a task with a weather index works
    around its calendar's lost days (``forward_weathered``)."""
    (ptr, pred, kinds, lags, earliest), cal, prog = gen[1], gen[2], gen[3]
    lag_cal, floor, task_cal, status, fixed_es, fixed_ef, _, flags, caps = prog
    # Early starts go to their own row only where successors read them (SS/SF links);
    # elsewhere to the start-bound row, which the caller reads right after.
    es = ES[j] if flags[j] & 4 else SB
    ef = EF[j]
    capped = flags[j] & 32
    # A capped task's finish is raised into its own row (a no-op) until it is capped.
    pf = ef if capped else PF
    if status[j] == COMPLETE:
        for t in range(m):
            es[t] = fixed_es[j]
            ef[t] = fixed_ef[j]
            pf[t] = max(pf[t], ef[t])
        return
    e = earliest[j]
    fl = floor[j]
    finish_bound = flags[j] & 1
    for t in range(m):
        SB[t] = e
    if finish_bound:
        for t in range(m):
            FB[t] = fl
    c = task_cal[j]
    # A runtime False, not the literal: called with a literal, the conversions below
    # would compile once more for it.
    has_wb = c < -1
    # A mandatory date overrides the links into the task (flags bit 7): none binds it.
    last = ptr[j] if flags[j] & 64 else ptr[j + 1]
    for k in range(ptr[j], last):
        i = pred[k]
        lag = lags[k]
        g = lag_cal[k]
        ki = kinds[k]
        src = EF[i] if (ki in (FS, FF)) else ES[i]
        tgt = SB if (ki in (FS, SS)) else FB
        if lagged is not None and lagged[0][k] >= 0:
            lr = lagged[1][lagged[0][k]]
            to_work = g == c and g >= 0 and ki in (FS, SS)
            if to_work and not has_wb:
                has_wb = True
                for t in range(m):
                    WB[t] = -np.inf
            drawn_lag_early(cal, g, to_work, lr, src, WB if to_work else tgt, m)
            continue
        if g < 0:
            for t in range(m):
                v = src[t] + lag
                tgt[t] = v if v > tgt[t] else tgt[t]
        elif g == c and ki in (FS, SS):
            if not has_wb:
                has_wb = True
                for t in range(m):
                    WB[t] = -np.inf
            for t in range(m):
                v = own_time(cal, g, src[t]) + lag
                WB[t] = v if v > WB[t] else WB[t]
        else:
            for t in range(m):
                v = finish_time(cal, g, own_time(cal, g, src[t]) + lag)
                tgt[t] = v if v > tgt[t] else tgt[t]
    d = D[j]
    wi = -1
    if lagged is not None:
        wi = lagged[2][j]
    if wi >= 0:
        forward_weathered(
            m,
            cal,
            c,
            has_wb,
            finish_bound,
            SB,
            FB,
            WB,
            d,
            es,
            ef,
            pf,
            lagged[3][wi],
            lagged[4][wi],
            lagged[5][wi],
        )
    elif c < 0:
        if finish_bound:
            for t in range(m):
                v = FB[t] - d[t]
                s = SB[t] if SB[t] > v else v
                es[t] = s
                ef[t] = s + d[t]
                pf[t] = max(pf[t], ef[t])
        else:
            for t in range(m):
                es[t] = SB[t]
                ef[t] = SB[t] + d[t]
                pf[t] = max(pf[t], ef[t])
    elif not finish_bound and cal[12][c] == 0 and row_within(SB, m, cal[9][c]):
        # The common case, only start bounds that all fall within the tables: branch-free
        # lookups. Work done by the bound x on day k is cum[k] + min(x - k, work[k]);
        # work starts at x on a working day, else on the next one (max with next_start).
        cum = cal[0][c]
        work = cal[1][c]
        own = cal[2][c]
        nxt = cal[8][c]
        lo = np.inf
        hi = -np.inf
        for t in range(m):
            x = SB[t]
            k = int(x)
            w = cum[k] + min(x - k, work[k])
            s = max(x, nxt[k])
            if np.floor(w + START_SNAP) != np.floor(w):
                # Work just short of a whole number of days: it starts on the next
                # working day, as start_time says (see START_SNAP). Rare.
                s = start_time(cal, c, w)
            if has_wb:
                wb = WB[t]
                if wb > w:
                    w = wb
                    s = start_time(cal, c, wb)
                if d[t] == 0.0:
                    x = max(x, finish_time(cal, c, wb))  # an instant's time
            w += d[t]
            es[t] = x if d[t] == 0.0 else s
            ef[t] = w  # the work done at the finish, converted below
            lo = min(lo, w)
            hi = max(hi, w)
        if lo > SNAP and hi < cal[3][c]:
            for t in range(m):
                v = ef[t]
                # finish_time's value: work up to SNAP past a whole number n ends where
                # n does (q = n - 1, and v - q = 1); otherwise q = ceil(v) - 1.
                q = np.ceil(v - SNAP) - 1.0
                f = own[int(q)] + min(v - q, 1.0)
                # Never before the start: work a whole number of days plus at most SNAP
                # finishes where that number does (see finish_time).
                ef[t] = es[t] if d[t] == 0.0 else max(f, es[t])
                pf[t] = max(pf[t], ef[t])
        else:
            for t in range(m):
                ef[t] = es[t] if d[t] == 0.0 else max(finish_time(cal, c, ef[t]), es[t])
                pf[t] = max(pf[t], ef[t])
    elif not finish_bound:
        for t in range(m):
            dt = d[t]
            if dt == 0.0:
                x = SB[t]
                if has_wb:
                    x = max(x, finish_time(cal, c, WB[t]))
                es[t] = x
                ef[t] = x
            else:
                w = own_time(cal, c, SB[t])
                if has_wb:
                    w = max(w, WB[t])
                es[t] = start_time(cal, c, w)
                ef[t] = max(finish_time(cal, c, w + dt), es[t])
            pf[t] = max(pf[t], ef[t])
    else:
        for t in range(m):
            dt = d[t]
            if dt == 0.0:
                s = SB[t] if SB[t] > FB[t] else FB[t]
                if has_wb:
                    s = max(s, finish_time(cal, c, WB[t]))
                es[t] = s
                ef[t] = s
            else:
                w = own_time(cal, c, SB[t])
                if has_wb:
                    w = max(w, WB[t])
                v = own_time(cal, c, FB[t]) - dt
                w = w if w > v else v
                es[t] = start_time(cal, c, w)
                ef[t] = max(finish_time(cal, c, w + dt), es[t])
            pf[t] = max(pf[t], ef[t])
    if capped:
        cap_early(j, m, cal, task_cal[j], caps, D[j], es, ef)
    if flags[j] & 8 and c >= 0:
        # A start milestone happens when its calendar next works (P6): an instant its
        # logic (or a cap) puts in the calendar's time off (a Saturday, a lunch break)
        # moves to the start of its next working time. On the timeline (c < 0) every
        # time works.
        for t in range(m):
            if d[t] == 0.0:
                x = start_time(cal, c, own_time(cal, c, es[t]))
                es[t] = x
                ef[t] = x
                pf[t] = max(pf[t], x)
    if capped:
        for t in range(m):
            PF[t] = max(PF[t], ef[t])


@kernel
def cap_early(j, m, cal, c, caps, d, es, ef):
    """Pull task ``j``'s early dates back to its caps (a start and a finish no later
    than, ``GeneralModel.caps``) where its logic puts them later, never before the
    data date: a constraint that overrides the logic, as MS Project schedules it when
    tasks honour their constraint dates. Rare tasks, so plain conversions."""
    S = caps[j, 2]
    F = caps[j, 3]
    lo = caps[j, 4]
    for t in range(m):
        dt = d[t]
        if c < 0 or dt == 0.0:
            s = min(es[t], S, F - dt)
            if s < es[t] - SNAP:
                s = max(s, lo)
                es[t] = s
                ef[t] = s + dt
            continue
        w = own_time(cal, c, es[t])
        latest = np.inf
        if np.isfinite(S):
            latest = own_time(cal, c, S)
        if np.isfinite(F):
            latest = min(latest, own_time(cal, c, F) - dt)
        if w > latest + SNAP:
            w = max(latest, own_time(cal, c, lo))
            es[t] = start_time(cal, c, w)
            ef[t] = max(finish_time(cal, c, w + dt), es[t])


@kernel
def cap_late(j, m, cal, c, caps, d, lf, exact):
    """Lower task ``j``'s late finishes ``lf`` to its late caps (``GeneralModel.caps``):
    a finish no later than or deadline, and the finish a start no later than allows;
    where ``exact`` (a mandatory date), set them to it."""
    S = caps[j, 0]
    F = caps[j, 1]
    for t in range(m):
        bound = F
        if np.isfinite(S):
            dt = d[t]
            if c < 0 or dt == 0.0:
                bound = min(bound, S + dt)
            else:
                bound = min(bound, finish_time(cal, c, own_time(cal, c, S) + dt))
        lf[t] = bound if (exact or bound < lf[t]) else lf[t]


@kernel
def push_late(cal, g, lag, on_start, ci, di, src, lfi, U, m):
    """Lower ``lfi`` (a predecessor's late finish, calendar ``ci``, durations ``di``) to
    what one link allows from the successor's times ``src``: ``src`` less the lag on
    calendar ``g``, and where the link bounds the predecessor's start (SS, SF), plus
    its duration on its own calendar. ``U`` is scratch. A kernel of its own, called once
    per link: inlined into the per-iteration loop (numba ``inline="always"``), the nested
    lookups made numba count references to the table arrays in every iteration, fifteen
    times slower."""
    if not on_start and g >= 0 and lag != 0.0 and cal[12][g] == 0 and row_within(src, m, cal[5]):
        # A lagged FS/FF link, every time within the tables: branch-free lookups, the
        # same arithmetic as own_time and start_time.
        cum = cal[0][g]
        work = cal[1][g]
        own = cal[2][g]
        lo = np.inf
        hi = -np.inf
        for t in range(m):
            x = src[t]
            k = int(x)
            w = cum[k] + min(x - k, work[k]) - lag
            U[t] = w
            lo = min(lo, w)
            hi = max(hi, w)
        if lo >= 0.0 and hi < cal[3][g] - 1.0:
            for t in range(m):
                w = U[t]
                q = np.floor(w + START_SNAP)  # start_time's value, as in the forward pass
                u = own[int(q)] + max(w - q, 0.0)
                lfi[t] = u if u < lfi[t] else lfi[t]
            return
    for t in range(m):
        x = src[t]
        u = x - lag if g < 0 or lag == 0.0 else start_time(cal, g, own_time(cal, g, x) - lag)
        if on_start:
            if ci < 0:
                u += di[t]
            elif di[t] != 0.0:
                u = start_time(cal, ci, own_time(cal, ci, u) + di[t])
        lfi[t] = u if u < lfi[t] else lfi[t]


@kernel
def forward_weathered(m, cal, c, has_wb, finish_bound, SB, FB, WB, d, es, ef, pf, cum, inv, Q):
    """``forward_general``'s dates of a task on a calendar with weather: its work runs
    in weathered time (``weather_time``), so it moves past the days lost in each
    iteration. ``cum``/``inv`` are the calendar's per-iteration lost-day rows; on the
    timeline (``c < 0``) own time is the timeline's. On a calendar without a day shape
    the conversions read its rows directly (``own_plain`` and the like), taking the
    general ones only past the tables' span."""
    plain = c >= 0 and cal[12][c] == 0
    k = c if c >= 0 else 0
    cumc, workc, ownc, n, span = cal[0][k], cal[1][k], cal[2][k], cal[3][k], cal[5]
    for t in range(m):
        dt = d[t]
        if dt == 0.0:
            s = SB[t] if not finish_bound or SB[t] > FB[t] else FB[t]
            if has_wb:
                s = max(s, finish_time(cal, c, WB[t]))
            es[t] = s
            ef[t] = s
            pf[t] = max(pf[t], s)
            continue
        if c < 0:
            w = SB[t]
        else:
            w = own_plain(cumc, workc, span, SB[t]) if plain else -1.0
            if w < 0.0:
                w = own_time(cal, c, SB[t])
        if has_wb:
            w = max(w, WB[t])
        v = weathered(cum, t, Q, w)
        if finish_bound:
            if c < 0:
                f = FB[t]
            else:
                f = own_plain(cumc, workc, span, FB[t]) if plain else -1.0
                if f < 0.0:
                    f = own_time(cal, c, FB[t])
            v = max(v, weathered(cum, t, Q, f) - dt)
        ws = unweathered_start(inv, cum, t, Q, v)
        we = unweathered_finish(inv, cum, t, Q, v + dt)
        if c >= 0:
            a = start_plain(ownc, n, ws) if plain else -1.0
            if a < 0.0:
                a = start_time(cal, c, ws)
            e = finish_plain(ownc, n, we) if plain else -1.0
            if e < 0.0:
                e = finish_time(cal, c, we)
            es[t] = a
            ef[t] = max(e, a)
        else:
            es[t] = ws
            ef[t] = max(we, ws)
        pf[t] = max(pf[t], ef[t])


@kernel
def backward_weathered(m, cal, c, snap, tol, d, ef, lf, LS, WL, cum, inv, Q):
    """``backward_general``'s late start and float count of a task on a calendar with
    weather: the latest start whose weathered work finishes by the late finish, and the
    float in weathered working time (conversions as in ``forward_weathered``)."""
    plain = c >= 0 and cal[12][c] == 0
    k = c if c >= 0 else 0
    cumc, workc, ownc, n, span = cal[0][k], cal[1][k], cal[2][k], cal[3][k], cal[5]
    count = 0
    for t in range(m):
        if d[t] == 0.0:
            LS[t] = lf[t]
            WL[t] = lf[t]
            count += lf[t] - ef[t] <= tol
            continue
        if c < 0:
            wl = lf[t]
            we = ef[t]
        else:
            wl = own_plain(cumc, workc, span, lf[t]) if plain else -1.0
            if wl < 0.0:
                wl = own_time(cal, c, lf[t])
            we = own_plain(cumc, workc, span, ef[t]) if plain else -1.0
            if we < 0.0:
                we = own_time(cal, c, ef[t])
        if snap and c >= 0:
            lf[t] = finish_time(cal, c, wl)
            WL[t] = start_time(cal, c, wl)
        late = weathered(cum, t, Q, wl)
        s = unweathered_start(inv, cum, t, Q, late - d[t])
        if c >= 0:
            a = start_plain(ownc, n, s) if plain else -1.0
            LS[t] = a if a >= 0.0 else start_time(cal, c, s)
        else:
            LS[t] = s
        count += late - weathered(cum, t, Q, we) <= tol
    return count


@kernel
def drawn_lag_early(cal, g, to_work, lag, src, tgt, m):
    """Raise ``tgt`` to what one link with a lag drawn per iteration (``lag[t]``) allows
    from its predecessor's times ``src``: on calendar ``g``'s working time where
    ``to_work`` (the bound on the task's own work, ``WB``), else on the timeline. Rows
    of a calendar without a day shape are read directly (``own_plain`` and the like);
    the general conversions serve past the span."""
    if g < 0:
        for t in range(m):
            v = src[t] + lag[t]
            tgt[t] = v if v > tgt[t] else tgt[t]
        return
    plain = cal[12][g] == 0
    cum, work, own, n, span = cal[0][g], cal[1][g], cal[2][g], cal[3][g], cal[5]
    for t in range(m):
        x = src[t]
        w = own_plain(cum, work, span, x) if plain else -1.0
        if w < 0.0:
            w = own_time(cal, g, x)
        v = w + lag[t]
        if not to_work:
            if lag[t] == 0.0:
                v = x
            else:
                f = finish_plain(own, n, v) if plain else -1.0
                v = f if f >= 0.0 else finish_time(cal, g, v)
        tgt[t] = v if v > tgt[t] else tgt[t]


@kernel
def drawn_lag_late(cal, g, lag, on_start, ci, di, src, lfi, m):
    """``push_late`` for a link whose lag is drawn per iteration (``lag[t]``), with the
    direct reads of ``drawn_lag_early`` on calendars without a day shape."""
    kg = g if g >= 0 else 0
    ki = ci if ci >= 0 else 0
    plain_g = g >= 0 and cal[12][kg] == 0
    plain_i = ci >= 0 and cal[12][ki] == 0
    cum_g, work_g, own_g, n_g = cal[0][kg], cal[1][kg], cal[2][kg], cal[3][kg]
    cum_i, work_i, own_i, n_i = cal[0][ki], cal[1][ki], cal[2][ki], cal[3][ki]
    span = cal[5]
    for t in range(m):
        x = src[t]
        lt = lag[t]
        if g < 0 or lt == 0.0:
            u = x - lt
        else:
            w = own_plain(cum_g, work_g, span, x) if plain_g else -1.0
            if w < 0.0:
                w = own_time(cal, g, x)
            v = w - lt
            u = start_plain(own_g, n_g, v) if plain_g and v >= 0.0 else -1.0
            if u < 0.0:
                u = start_time(cal, g, v)
        if on_start:
            if ci < 0:
                u += di[t]
            elif di[t] != 0.0:
                w = own_plain(cum_i, work_i, span, u) if plain_i else -1.0
                if w < 0.0:
                    w = own_time(cal, ci, u)
                v = w + di[t]
                a = start_plain(own_i, n_i, v) if plain_i and v >= 0.0 else -1.0
                u = a if a >= 0.0 else start_time(cal, ci, v)
        lfi[t] = u if u < lfi[t] else lfi[t]


@kernel
def backward_general(j, m, gen, tol, D, EF, LF, PF, LS, WL, U, TOUCHED, lagged=None):
    """Late dates of task ``j`` on its calendar, pushed to its predecessors; returns the
    number of iterations in which it is critical (total float on its own calendar).
    ``LS``, ``WL`` and ``U`` are scratch rows; ``lagged`` as for ``forward_general``."""
    (ptr, pred, kinds, lags, _), cal, prog = gen[1], gen[2], gen[3]
    lag_cal, _, task_cal, status, _, _, _, flags, caps = prog
    idle = cal[7]
    if status[j] == COMPLETE:
        return 0
    d = D[j]
    ef = EF[j]
    lf = LF[j]
    if TOUCHED[j] == 0:
        for t in range(m):
            lf[t] = PF[t]
    c = task_cal[j]
    if flags[j] & 16:
        cap_late(j, m, cal, c, caps, d, lf, flags[j] & 128)
    count = 0
    # The late finish is moved back to the end of a working day only where finish-based
    # links (FF, SF) carry it to predecessors; elsewhere only LS and the float count.
    snap = flags[j] & 2
    max_idle = idle[c] + 1.0 + tol if c >= 0 else 0.0
    wi = -1
    if lagged is not None:
        wi = lagged[2][j]
    if wi >= 0:
        count = backward_weathered(
            m, cal, c, snap, tol, d, ef, lf, LS, WL, lagged[3][wi], lagged[4][wi], lagged[5][wi]
        )
    elif c < 0:
        for t in range(m):
            LS[t] = lf[t] - d[t]
            if lf[t] - ef[t] <= tol:
                count += 1
    elif not snap and cal[12][c] == 0 and row_within(lf, m, cal[5]):
        # Branch-free lookups while every late finish falls within the tables; the
        # late start is converted below once the row is known to be within them too.
        cum = cal[0][c]
        work = cal[1][c]
        own = cal[2][c]
        lo = np.inf
        hi = -np.inf
        for t in range(m):
            x = lf[t]
            k = int(x)
            wl = cum[k] + min(x - k, work[k])  # work done at the late finish
            v = wl - d[t]  # ... and at the late start
            WL[t] = wl
            LS[t] = v
            lo = min(lo, v)
            hi = max(hi, v)
        within = lo >= 0.0 and hi < cal[3][c] - 1.0
        for t in range(m):
            v = LS[t]
            if d[t] == 0.0:
                LS[t] = lf[t]
            elif within:
                # start_time's value: work up to START_SNAP short of a whole number n
                # starts where n does (q = n, v - q < 0); otherwise q = floor(v).
                q = np.floor(v + START_SNAP)
                LS[t] = own[int(q)] + max(v - q, 0.0)
            else:
                LS[t] = start_time(cal, c, v)
            slack = lf[t] - ef[t]
            if tol < slack <= max_idle and d[t] != 0.0:
                slack = WL[t] - own_time(cal, c, ef[t])
            count += slack <= tol
    else:
        for t in range(m):
            if d[t] == 0.0:
                LS[t] = lf[t]
                WL[t] = lf[t]
                slack = lf[t] - ef[t]
            else:
                wl = own_time(cal, c, lf[t])
                if snap:
                    lf[t] = finish_time(cal, c, wl)
                    # An FF/SF link holds the successor's finish in its own working
                    # time, so a predecessor may run to the latest time with ``wl`` done.
                    WL[t] = start_time(cal, c, wl)
                LS[t] = start_time(cal, c, wl - d[t])
                # Float on the task's calendar; the lookup is needed only when the gap
                # could be made of days the calendar does not work.
                slack = lf[t] - ef[t]
                if tol < slack <= max_idle:
                    slack = wl - own_time(cal, c, ef[t])
            if slack <= tol:
                count += 1
    for k in range(ptr[j], ptr[j + 1]):
        i = pred[k]
        lag = lags[k]
        g = lag_cal[k]
        ki = kinds[k]
        ci = task_cal[i]
        lfi = LF[i]
        di = D[i]
        if TOUCHED[i] == 0:
            TOUCHED[i] = 1
            for t in range(m):
                lfi[t] = PF[t]
        # Finish-based links read the latest time with the late finish's work done (WL,
        # set above where such links exist and the calendar is not the timeline's).
        src = LS if (ki in (FS, SS)) else (WL if snap and c >= 0 else lf)
        on_start = ki == SS or ki == SF  # the bound is on the predecessor's start
        if lagged is not None and lagged[0][k] >= 0:
            drawn_lag_late(cal, g, lagged[1][lagged[0][k]], on_start, ci, di, src, lfi, m)
            continue
        if not on_start and (g < 0 or lag == 0.0):
            for t in range(m):
                u = src[t] - lag
                lfi[t] = u if u < lfi[t] else lfi[t]
            continue
        push_late(cal, g, lag, on_start, ci, di, src, lfi, U, m)
    return count


@kernel
def no_drawn_lags(links, tasks):
    """A ``lagged`` argument with no drawn lag and no weather, of the types the Monte
    Carlo kernels pass, so the deterministic CPM and the simulation share one compiled
    copy of the passes (the costliest kernels to compile)."""
    return (
        np.full(links, -1, dtype=np.int64),
        np.zeros((0, 1)),
        np.full(tasks, -1, dtype=np.int64),
        np.zeros((0, 1, 1), dtype=np.int32),
        np.zeros((0, 1, 1), dtype=np.int32),
        np.zeros(0, dtype=np.int64),
    )


@kernel
def general_cpm(gen, durations, pinned, es, ef, ls, lf, total_float, free_float, critical, tol):
    """Deterministic CPM through the calendar-and-progress passes (one iteration).

    Arrays are in topological order; ``es`` receives the start of each task's (remaining)
    work. Floats count working days of each task's calendar; complete tasks get no
    float and are never critical. A task ``pinned`` (nonzero) has its late finish at
    its early finish, not the project's (P6's "make open-ended activities critical",
    for tasks without successors): no float, and its predecessors' counted from it.
    """
    n = durations.shape[0]
    cal, prog = gen[2], gen[3]
    ptr, pred, kinds, lags, _ = gen[1]
    lag_cal, _, task_cal, status, _, _, fixed_d, _, _ = prog
    D = np.empty((n, 1))
    ES = np.empty((n, 1))
    EF = np.empty((n, 1))
    LF = np.empty((n, 1))
    SB = np.empty(1)
    FB = np.empty(1)
    WB = np.empty(1)
    PF = np.zeros(1)
    LS = np.empty(1)
    for j in range(n):
        D[j, 0] = fixed_d[j] if status[j] == COMPLETE else durations[j]
    # One iteration, typed as the kernels' block length (an int64, not the literal 1),
    # so the passes compile once for the deterministic CPM and the simulation alike.
    one = np.int64(1)
    drawn = no_drawn_lags(pred.shape[0], n)
    for j in range(n):
        forward_general(j, one, gen, D, ES, EF, SB, FB, WB, PF, drawn)
        if not prog[7][j] & 4:
            ES[j, 0] = SB[0]
    touched = np.zeros(n, dtype=np.uint8)
    for j in range(n):
        if pinned[j] and status[j] != COMPLETE:
            LF[j, 0] = EF[j, 0]
            touched[j] = 1
    for j in range(n - 1, -1, -1):
        critical[j] = (
            backward_general(j, one, gen, tol, D, EF, LF, PF, LS, SB, WB, touched, drawn) > 0
        )
        if status[j] == COMPLETE:
            ls[j] = ES[j, 0]
            lf[j] = EF[j, 0]
            total_float[j] = 0.0
            continue
        ls[j] = LS[0]
        lf[j] = LF[j, 0]
        c = task_cal[j]
        if c >= 0 and D[j, 0] != 0.0:
            # Not before the late start, as the early finish (see forward_general).
            lf[j] = max(finish_time(cal, c, own_time(cal, c, lf[j])), ls[j])
        if c < 0 or D[j, 0] == 0.0:
            total_float[j] = lf[j] - EF[j, 0]
        else:
            total_float[j] = own_time(cal, c, lf[j]) - own_time(cal, c, EF[j, 0])
    # Free float: the latest finish that keeps every successor's early dates.
    free = np.full(n, PF[0])
    for j in range(n):
        if pinned[j]:
            free[j] = EF[j, 0]
    for j in range(n):
        c = task_cal[j]
        # A finish-based link holds the successor's finish in its own working time: the
        # predecessor may run to the latest time with the early finish's work done.
        LS[0] = EF[j, 0]
        if c >= 0 and D[j, 0] != 0.0:
            LS[0] = start_time(cal, c, own_time(cal, c, EF[j, 0]))
        for k in range(ptr[j], ptr[j + 1]):
            i = pred[k]
            ki = kinds[k]
            g = lag_cal[k]
            ci = task_cal[i]
            src = ES[j] if (ki in (FS, SS)) else LS
            push_late(cal, g, lags[k], ki in (SS, SF), ci, D[i], src, free[i : i + 1], WB, one)
    for j in range(n):
        c = task_cal[j]
        if status[j] == COMPLETE:
            free_float[j] = 0.0
        elif c < 0 or D[j, 0] == 0.0:
            free_float[j] = free[j] - EF[j, 0]
        else:
            free_float[j] = own_time(cal, c, free[j]) - own_time(cal, c, EF[j, 0])
        es[j] = ES[j, 0]
        ef[j] = EF[j, 0]
        durations[j] = D[j, 0]
