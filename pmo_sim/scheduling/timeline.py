"""Per-task calendars and progress: the lookup tables and arrays the passes run on.

Time in pmo-sim counts working days of one *timeline* calendar (``Scenario.timeline``):
the project calendar, or with task calendars the union of all of them (a day on which
any calendar works). Day 0 is the timeline's first working day on or after the project
start, and timeline day ``k`` spans ``[k, k + 1)``.

A calendar ``c`` works on some of the timeline's days. Its own working time at timeline
time ``x`` is ``own_c(x)``: the number of its working days among timeline days ``0 ..
floor(x) - 1``, plus ``x - floor(x)`` when timeline day ``floor(x)`` is one of its
working days. ``own_c`` is flat over the days ``c`` does not work, so it has two
inverses: ``finish_c(w)``, the earliest time at which ``w`` days of work are done (the
end of a working day), and ``start_c(w)``, the latest time at which they are (the
morning of the next working day); both jump across days off at whole numbers, so work up
to ``SNAP`` past (``finish_c``) or ``START_SNAP`` short of (``start_c``) a whole number
counts as that number, and rounding never decides on which side of days off a date
falls. A task on calendar ``c`` whose predecessors let it start at ``s`` works ``w =
own_c(s)`` onwards: it starts at ``start_c(w)`` and finishes at ``finish_c(w + d)``,
never before it starts (a duration of a few SNAPs could otherwise snap back to the
evening before). A lag ``L`` on calendar ``g`` turns a time ``x`` into
``finish_g(own_g(x) + L)`` (forward, ``lagged``) and ``start_g(own_g(x) - L)``
(backward, in the kernels' ``_push_late``). A bound ``F`` on the finish (FF, SF links)
holds in the task's own time: ``w + d >= own_c(F)``; backward, such a link lets its
predecessor run to ``start_c(own_c(LF))``, the latest time with the task's late-finish
work done.

The tables hold, per calendar, the cumulative working days at each timeline day over a
span of ten years, or to a week past the last holiday of any calendar if later; past the
span every calendar repeats weekly, so a time beyond it is shifted back by whole weeks.
Before day 0 (reachable only through leads) every calendar counts time as the timeline
does.

Within a day, the timeline's time counts the working hours of the union of the
calendars' hours (``Calendar.hours``): with every calendar on the same hours a
calendar's own time within a day is the timeline's. A calendar on other hours (a 4x9-h
week beside 5x8-h ones, 07:00-17:00 beside 08:00-17:00) has a *day shape*: its share of
a day's work done at the timeline's share ``u`` is ``phi_c(u)``, piecewise linear and
flat where it does not work, so ``own_c(x) = cum + work * phi_c(x - floor(x))``; the
inverses take the earliest (``finish_c``) or latest (``start_c``) ``u`` for a share.
A 16:00 finish on a calendar whose day ends at 16:00 is then the end of its day, and a
successor on a calendar working until 17:00 starts at 16:00 the same day, as P6 and
MS Project schedule it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..base.jit import kernel
from ..model.calendar import SNAP, START_SNAP, Calendar, hours_done
from ..model.scenario import Scenario
from .network import FF, FS, SF, SS, Network, build_network

#: Progress codes of ``GeneralModel.status``.
NOT_STARTED, IN_PROGRESS, COMPLETE = 0, 1, 2
#: Calendar days the lookup tables cover from the project start (at least).
HORIZON_DAYS = 3653
_STATUS_CODE = {"not started": NOT_STARTED, "in progress": IN_PROGRESS, "complete": COMPLETE}


@dataclass(frozen=True)
class CalendarTables:
    """Lookup tables of calendars 0..k-1 on the timeline (see the module docstring).

    ``cum[c, i]`` is calendar c's working days before timeline day i (i = 0..span),
    ``work[c, i]`` 1.0 when it works timeline day i, ``own[c, j]`` the timeline day of its
    j-th working day, ``count[c]`` its working days in the span, ``week[c]`` its working
    days per week, ``idle[c]`` its longest run of timeline days off (a gap between two
    times longer than that holds some of its working time); ``period`` is the timeline's
    working days per week. ``next_start[c, i]`` is the timeline day on which work at
    day i starts (i itself on a working day), for days up to ``last_day[c]``, the
    calendar's last working day in the span. ``shape_u[c, :n]``/``shape_y[c, :n]`` are
    the knots of its day shape, ``n = shape_n[c]``, 0 where its day is the timeline's.
    """

    calendars: tuple[Calendar, ...]
    cum: np.ndarray
    work: np.ndarray
    own: np.ndarray
    count: np.ndarray
    week: np.ndarray
    span: int
    period: int
    idle: np.ndarray
    next_start: np.ndarray
    last_day: np.ndarray
    shape_u: np.ndarray
    shape_y: np.ndarray
    shape_n: np.ndarray

    @property
    def arrays(self) -> tuple:
        """The tuple the kernels take."""
        return (
            self.cum,
            self.work,
            self.own,
            self.count,
            self.week,
            float(self.span),
            float(self.period),
            self.idle,
            self.next_start,
            self.last_day,
            self.shape_u,
            self.shape_y,
            self.shape_n,
        )


def build_tables(timeline: Calendar, start: dt.date, calendars: list[Calendar]) -> CalendarTables:
    """Tables of ``calendars`` (each working a subset of ``timeline``'s days)."""
    day0 = timeline.first_working_day(start)
    last = max([h for c in (timeline, *calendars) for h in c.holidays], default=None)
    # Ten years past the start, or a week past the last holiday: times beyond the span
    # are correct too (weekly repetition) but cost a division, so few should be there.
    end = max(
        day0 + np.timedelta64(HORIZON_DAYS, "D"),
        (np.datetime64(last, "D") if last is not None else day0) + np.timedelta64(14, "D"),
    )
    days = np.arange(day0, end, dtype="datetime64[D]")
    days = days[np.is_busday(days, busdaycal=timeline.busdaycalendar)]
    span = int(days.size)
    period = timeline.weekmask.count("1")
    k = max(len(calendars), 1)
    cum = np.zeros((k, span + 1))
    work = np.zeros((k, span))
    own = np.zeros((k, span))
    count = np.zeros(k)
    week = np.zeros(k)
    idle = np.zeros(k)
    next_start = np.zeros((k, span))
    last_day = np.zeros(k)
    for c, cal in enumerate(calendars):
        flags = np.is_busday(days, busdaycal=cal.busdaycalendar)
        work[c] = flags
        cum[c, 1:] = np.cumsum(flags)
        idx = np.flatnonzero(flags)
        own[c, : idx.size] = idx
        count[c] = idx.size
        week[c] = cal.weekmask.count("1")
        last_day[c] = idx[-1]
        upto = int(idx[-1]) + 1
        next_start[c, :upto] = idx[cum[c, :upto].astype(np.int64)]
        # Longest run of days off, the weekly tail repeated so runs across it count.
        tail = flags[span - period :]
        off = np.concatenate([[True], flags, tail, tail, [True]])
        edges = np.flatnonzero(off)
        idle[c] = float(np.diff(edges).max() - 1)
    shapes = [day_shape(timeline, cal) for cal in calendars]
    width = max([len(u) for u, _ in shapes], default=0) or 1
    shape_u = np.zeros((k, width))
    shape_y = np.zeros((k, width))
    shape_n = np.zeros(k, dtype=np.int64)
    for c, (u, y) in enumerate(shapes):
        shape_u[c, : len(u)] = u
        shape_y[c, : len(y)] = y
        shape_n[c] = len(u)
    return CalendarTables(
        tuple(calendars),
        cum,
        work,
        own,
        count,
        week,
        span,
        period,
        idle,
        next_start,
        last_day,
        shape_u,
        shape_y,
        shape_n,
    )


def day_shape(timeline: Calendar, cal: Calendar) -> tuple[list[float], list[float]]:
    """Knots ``(u, y)`` of ``cal``'s day shape on ``timeline`` (see the module): at each
    boundary of either's working periods, the share of the timeline's day hours done
    (``u``) and of ``cal``'s (``y``). Empty where the shape is the identity: the same
    hours, or either without hours."""
    if not timeline.hours or not cal.hours or timeline.hours == cal.hours:
        return [], []
    total_u, total_y = timeline.day_hours, cal.day_hours
    clocks = sorted({0.0, 24.0, *(h for p in (*timeline.hours, *cal.hours) for h in p)})
    u: list[float] = []
    y: list[float] = []
    for t in clocks:
        a = hours_done(timeline.hours, t) / total_u
        b = hours_done(cal.hours, t) / total_y
        if u and a == u[-1] and b == y[-1]:
            continue
        u.append(a)
        y.append(b)
    return u, y


@kernel(inline="always")
def shape_of(cal, c, u):
    """Calendar ``c``'s share of a working day done at the timeline's share ``u``."""
    n = cal[12][c]
    if n == 0:
        return u
    ux = cal[10][c]
    uy = cal[11][c]
    for i in range(1, n):
        if u <= ux[i]:
            a = ux[i - 1]
            b = ux[i]
            if b <= a:
                return uy[i]
            return uy[i - 1] + (uy[i] - uy[i - 1]) * (u - a) / (b - a)
    return uy[n - 1]


@kernel(inline="always")
def earliest_at(cal, c, f):
    """The earliest timeline share of a day at which calendar ``c`` has done ``f``."""
    n = cal[12][c]
    if n == 0:
        return f
    ux = cal[10][c]
    uy = cal[11][c]
    if f <= uy[0] + SNAP:
        return ux[0]
    for i in range(1, n):
        # Up to SNAP past a knot is the knot: the end of a working period, not the
        # start of the next one after a break (rounding must not decide that).
        if uy[i] >= f - SNAP:
            g = min(f, uy[i])
            return ux[i - 1] + (g - uy[i - 1]) * (ux[i] - ux[i - 1]) / (uy[i] - uy[i - 1])
    return ux[n - 1]


@kernel(inline="always")
def latest_at(cal, c, f):
    """The latest timeline share of a day at which calendar ``c`` has done ``f``."""
    n = cal[12][c]
    if n == 0:
        return f
    ux = cal[10][c]
    uy = cal[11][c]
    for i in range(1, n):
        # Up to START_SNAP short of a knot is the knot: the start of the next working
        # period, not the end of the one before a break.
        if uy[i] > f + START_SNAP:
            g = max(f, uy[i - 1])
            return ux[i - 1] + (g - uy[i - 1]) * (ux[i] - ux[i - 1]) / (uy[i] - uy[i - 1])
    return ux[n - 1]


# The lookups index the table tuple and never reassign their arguments: written with
# tuple unpacking and a reassigned ``x`` they ran twenty times slower under numba.
@kernel(inline="always")
def own_time(cal, c, x):
    """Working days of calendar ``c`` done by timeline time ``x``."""
    cum = cal[0]
    work = cal[1]
    week = cal[4]
    span = cal[5]
    period = cal[6]
    if x < 0.0:
        return x
    if x >= span:  # past the span: shift back by whole weeks
        q = np.floor((x - (span - period)) / period)
        q = q + 1.0 if x - q * period >= span else q  # rounding at a week boundary
        y = x - q * period
        k = int(y)
        return cum[c, k] + work[c, k] * shape_of(cal, c, y - k) + q * week[c]
    k = int(x)
    return cum[c, k] + work[c, k] * shape_of(cal, c, x - k)


@kernel(inline="always")
def finish_time(cal, c, w):
    """Earliest timeline time at which ``w`` working days of calendar ``c`` are done.
    Work up to ``SNAP`` past a whole number n counts as n: the end of a working day,
    not the first moment of the next one after days off."""
    own = cal[2]
    n = cal[3][c]
    f = np.floor(w)
    z = f if f < w and w - SNAP <= f else w
    if z <= 0.0:
        return z
    if z > n:
        week = cal[4][c]
        q = np.ceil((z - n) / week)
        v = z - q * week
        if v <= n - week:  # rounding at a week boundary
            v += week
            q -= 1.0
        j = np.ceil(v) - 1.0
        return own[c, int(j)] + earliest_at(cal, c, v - j) + q * cal[6]
    j = np.ceil(z) - 1.0
    return own[c, int(j)] + earliest_at(cal, c, z - j)


@kernel(inline="always")
def start_time(cal, c, w):
    """Latest timeline time at which ``w`` working days of calendar ``c`` are done: the
    morning after them. Work up to ``START_SNAP`` short of a whole number n counts as n:
    the morning of the next working day, not the evening before days off."""
    own = cal[2]
    n = cal[3][c]
    u = np.ceil(w)
    z = u if w < u and w + START_SNAP >= u else w
    if z < 0.0:
        return z
    if z >= n:
        week = cal[4][c]
        q = np.floor((z - (n - week)) / week)
        v = z - q * week
        if v >= n:  # rounding at a week boundary
            v -= week
            q += 1.0
        j = np.floor(v)
        return own[c, int(j)] + latest_at(cal, c, v - j) + q * cal[6]
    j = np.floor(z)
    return own[c, int(j)] + latest_at(cal, c, z - j)


@kernel(inline="always")
def lagged(cal, g, x, lag):
    """Forward: the time ``lag`` working days of calendar ``g`` after ``x``."""
    if g < 0 or lag == 0.0:
        return x + lag
    return finish_time(cal, g, own_time(cal, g, x) + lag)


@dataclass(frozen=True)
class GeneralModel:
    """What the passes need beyond the network for task calendars and progress.

    Links are the network's minus those whose bound is a constant (from a complete
    task, or a start-based link from a task in progress; folded into ``earliest`` or
    ``finish_floor``) and those into complete tasks. ``task_cal``/``lag_cal`` index
    ``tables`` (-1: the timeline itself, or no lag); ``flags`` bit 1: the task has a
    bound on its finish (FF/SF links or a constant floor), bit 2: FF/SF links carry its
    late finish to predecessors, bit 3: SS/SF links read its early start (which the
    kernels then keep in a row of their own), bit 4: a start milestone (moved to its
    calendar's next working time), bit 5: ``caps`` bound its late dates, bit 6: they
    bound its early dates too, bit 7: no link binds its early dates (a mandatory date),
    bit 8: its late caps are its late dates (a mandatory date, which overrides the
    successors' logic as it does the predecessors'). ``fixed_es``/``fixed_ef`` are the
    actual start and finish of complete tasks, ``fixed_es`` the actual start of tasks in
    progress, ``fixed_d`` a complete task's actual duration on its calendar. ``caps``
    holds, per task, the latest start and finish its late dates may have (no later
    than constraints, deadlines, mandatory dates) and the latest start and finish its
    early dates may have (no-later-than constraints where the project lets them
    override the logic),
    on the timeline; +inf where there is none; and the time nothing starts before (the
    data date, else the project start), which an early cap does not cross.
    """

    tables: CalendarTables
    pred_ptr: np.ndarray
    pred_task: np.ndarray
    pred_type: np.ndarray
    pred_lag: np.ndarray
    lag_cal: np.ndarray
    earliest: np.ndarray
    finish_floor: np.ndarray
    task_cal: np.ndarray
    status: np.ndarray
    fixed_es: np.ndarray
    fixed_ef: np.ndarray
    fixed_d: np.ndarray
    flags: np.ndarray
    caps: np.ndarray
    #: For each link kept, its index among the network's links (``Network.pred_*``).
    pred_source: np.ndarray | None = None

    @property
    def arrays(self) -> tuple:
        """(net, cal, prog) tuples as the kernels take them."""
        return (
            (self.pred_ptr, self.pred_task, self.pred_type, self.pred_lag, self.earliest),
            self.tables.arrays,
            (
                self.lag_cal,
                self.finish_floor,
                self.task_cal,
                self.status,
                self.fixed_es,
                self.fixed_ef,
                self.fixed_d,
                self.flags,
                self.caps,
            ),
        )

    @property
    def complete(self) -> np.ndarray:
        return self.status == COMPLETE


def is_general(scenario: Scenario) -> bool:
    """True when the scenario needs the calendar-and-progress passes."""
    return (
        scenario.has_calendars
        or scenario.has_progress
        or scenario.has_finish_constraints
        or any(scenario.project.calendar_of(t.calendar).weather for t in scenario.tasks)
    )


def general_model(scenario: Scenario, *, to_finish: bool = False) -> GeneralModel:
    """The arrays of ``scenario`` for the general passes (cached on the scenario).

    ``to_finish`` gives the model whose floats count paths to the project finish only,
    as the simulation's criticality index does: late-date constraints (no later than
    dates, deadlines) bound nothing, and a mandatory date ends the paths into its task
    (its incoming links are left out of the backward pass too), since no delay upstream
    moves it. The default is the deterministic schedule's, as P6 and MS Project show it.
    """
    key = "_general_to_finish" if to_finish else "_general"
    cached = scenario.__dict__.get(key)
    if cached is None:
        cached = _general_model(scenario, build_network(scenario), to_finish=to_finish)
        object.__setattr__(scenario, key, cached)
    return cached


def _general_model(scenario: Scenario, net: Network, *, to_finish: bool = False) -> GeneralModel:
    p = scenario.project
    timeline, start = scenario.timeline, p.start
    tasks = [scenario.tasks[i] for i in net.order]
    n = len(tasks)
    # Distinct calendars other than the timeline get a table each.
    cals: list[Calendar] = []

    def index(cal: Calendar) -> int:
        if cal == timeline:
            return -1
        if cal not in cals:
            cals.append(cal)
        return cals.index(cal)

    task_cal = np.array([index(p.calendar_of(t.calendar)) for t in tasks], dtype=np.int64)
    project_cal = index(p.calendar)
    tables = build_tables(timeline, start, cals)
    arrays = tables.arrays

    status = np.array([_STATUS_CODE[t.status] for t in tasks], dtype=np.int64)
    fixed_es = np.zeros(n)
    fixed_ef = np.zeros(n)
    fixed_d = np.zeros(n)
    for k, t in enumerate(tasks):
        if t.actual_start is not None:
            fixed_es[k] = timeline.start_offset_of(start, t.actual_start)
        if t.actual_finish is not None and t.milestone and t.actual_finish == t.actual_start:
            # A milestone done on one day is an instant, at that day's morning: its
            # successors may start the same day (a start milestone's rule; a finish
            # milestone's end of day cannot be told apart from it in a date).
            fixed_ef[k] = fixed_es[k]
        elif t.actual_finish is not None:
            fixed_ef[k] = max(timeline.days_until(start, t.actual_finish), fixed_es[k])
            c = task_cal[k]
            if c < 0:
                fixed_d[k] = fixed_ef[k] - fixed_es[k]
            else:
                fixed_d[k] = own_time(arrays, c, fixed_ef[k]) - own_time(arrays, c, fixed_es[k])

    earliest = net.earliest_start.copy()
    if p.data_date is not None:
        dd = timeline.start_offset_of(start, p.data_date)
        earliest = np.maximum(earliest, np.where(status == COMPLETE, earliest, dd))
    floor = np.full(n, -np.inf)
    # A mandatory date overrides the logic into the task: the forward pass skips its
    # links (flags bit 7); the backward pass counts its predecessors' float from its
    # date, as P6 and MS Project do.
    mandatory = np.zeros(n, dtype=bool)
    for j, t in enumerate(tasks):
        if status[j] == COMPLETE:
            continue
        if t.finish_no_earlier_than is not None:
            # The end of that day on the timeline: a bound on the finish like an FF link's.
            floor[j] = timeline.days_until(start, t.finish_no_earlier_than)
        if t.mandatory_finish is not None:
            mandatory[j] = True
            floor[j] = timeline.days_until(start, t.mandatory_finish)
        elif t.mandatory_start is not None and status[j] != IN_PROGRESS:
            mandatory[j] = True
            earliest[j] = timeline.start_offset_of(start, t.mandatory_start)
            if p.data_date is not None:
                earliest[j] = max(earliest[j], dd)
    caps = _caps(scenario, tasks, status)
    ptr, pred, kind, lag, lag_cal, source = [0], [], [], [], [], []
    for j in range(n):
        for k in range(net.pred_ptr[j], net.pred_ptr[j + 1]):
            if mandatory[j] and to_finish:
                break  # the hard date ends every path into the task
            i, t, L = int(net.pred_task[k]), int(net.pred_type[k]), float(net.pred_lag[k])
            if p.lag_calendar == "successor":
                g = task_cal[j]
            elif p.lag_calendar == "predecessor":
                g = task_cal[i]
            else:
                g = project_cal
            # An uncertain lag counts on its calendar whatever its deterministic value.
            drawn = tasks[j].predecessors[k - net.pred_ptr[j]].uncertain_lag is not None
            g = -1 if L == 0.0 and not drawn else g
            if status[j] == COMPLETE:
                continue  # a complete task's dates are facts
            from_start = t in (SS, SF)
            constant = status[i] == COMPLETE or (status[i] == IN_PROGRESS and from_start)
            if constant and mandatory[j]:
                continue  # binds nothing forward, and a fact has no late dates
            if constant:
                x = fixed_es[i] if from_start else fixed_ef[i]
                bound = lagged(arrays, g, x, L)
                if t in (FS, SS):
                    earliest[j] = max(earliest[j], bound)
                else:
                    floor[j] = max(floor[j], bound)
                continue
            pred.append(i)
            kind.append(t)
            lag.append(L)
            lag_cal.append(g)
            source.append(k)
        ptr.append(len(pred))
    flags = np.zeros(n, dtype=np.int64)
    for j in range(n):
        if any(kind[q] in (FF, SF) for q in range(ptr[j], ptr[j + 1])):
            flags[j] |= 3
        for q in range(ptr[j], ptr[j + 1]):
            if kind[q] in (SS, SF):
                flags[pred[q]] |= 4
        if np.isfinite(floor[j]):
            flags[j] |= 1
        if tasks[j].start_milestone:
            flags[j] |= 8
        if np.isfinite(caps[j, :2]).any() and not to_finish:
            flags[j] |= 16
        if np.isfinite(caps[j, 2:4]).any():
            flags[j] |= 32
        if mandatory[j]:
            flags[j] |= 64 if to_finish else 64 | 128
    return GeneralModel(
        tables=tables,
        pred_ptr=np.array(ptr, dtype=np.int64),
        pred_task=np.array(pred, dtype=np.int64),
        pred_type=np.array(kind, dtype=np.int8),
        pred_lag=np.array(lag, dtype=np.float64),
        lag_cal=np.array(lag_cal, dtype=np.int64),
        earliest=earliest,
        finish_floor=floor,
        task_cal=task_cal,
        status=status,
        fixed_es=fixed_es,
        fixed_ef=fixed_ef,
        fixed_d=fixed_d,
        flags=flags,
        caps=caps,
        pred_source=np.array(source, dtype=np.int64),
    )


#: Columns of ``GeneralModel.caps``.
LATE_START_CAP, LATE_FINISH_CAP, EARLY_START_CAP, EARLY_FINISH_CAP, CAP_FLOOR = range(5)


def _caps(scenario: Scenario, tasks: list, status: np.ndarray) -> np.ndarray:
    """``GeneralModel.caps`` of ``tasks`` (topological order): their no-later-than
    constraints and deadlines on the timeline. A complete task has none; a task in
    progress keeps only its finish caps (its start is a fact)."""
    p, timeline = scenario.project, scenario.timeline
    caps = np.full((len(tasks), 5), np.inf)
    if p.data_date is not None:
        caps[:, CAP_FLOOR] = timeline.start_offset_of(p.start, p.data_date)
    else:
        caps[:, CAP_FLOOR] = 0.0
    for j, t in enumerate(tasks):
        if status[j] == COMPLETE:
            continue
        # A hard date is a late date too (P6, MS Project), whatever the successors say.
        snlt = t.mandatory_start or t.start_no_later_than
        if snlt is not None and status[j] != IN_PROGRESS:
            caps[j, LATE_START_CAP] = timeline.start_offset_of(p.start, snlt)
        finishes = [
            timeline.days_until(p.start, day)
            for day in (t.mandatory_finish, t.finish_no_later_than, t.deadline)
            if day is not None
        ]
        if finishes:
            caps[j, LATE_FINISH_CAP] = min(finishes)
        if p.constraints_override_logic:
            caps[j, EARLY_START_CAP] = caps[j, LATE_START_CAP]
            if t.finish_no_later_than is not None:
                caps[j, EARLY_FINISH_CAP] = timeline.days_until(p.start, t.finish_no_later_than)
    return caps
