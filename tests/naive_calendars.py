"""A slow, obviously correct CPM on task calendars with progress, one day at a time.

Written from the documented semantics (``pmo_sim/scheduling/timeline.py``'s module docstring),
sharing no code with ``pmo_sim``: it reads only the scenario's tasks, links, calendars
(weekmask and holidays) and progress fields. There are no lookup tables and no
topological order. A calendar is a rule "works this date", the timeline is the list of
dates on which any calendar of the scenario works, and every conversion between the
timeline and a calendar's own working time walks that list one day at a time from day
0. Both passes relax every link over and over until nothing changes (Bellman-Ford
style).

Time is a timeline offset ``x`` (a float): timeline day ``k`` spans ``[k, k + 1)``, so
``x = k`` is the morning of day ``k`` and ``x = k + 1`` the end of it. For a calendar
``c``:

- ``own(c, x)``: working days of ``c`` done by ``x`` (its working days among timeline
  days ``0 .. floor(x) - 1``, plus the fraction of day ``floor(x)`` if ``c`` works it);
- ``finish(c, w)``: the earliest time at which ``w`` days of ``c`` are done (for whole
  ``w``, the end of a working day);
- ``start(c, w)``: the latest time at which ``w`` days of ``c`` are done (for whole
  ``w``, the morning of the next working day).

Before day 0 (reachable only through leads) every calendar counts time as the timeline
does: ``own(c, x) = x`` for ``x < 0``, ``finish(c, w) = w`` for ``w <= 0`` and
``start(c, w) = w`` for ``w < 0``.

Rules (task ``j`` on calendar ``c`` with duration ``d``; ``S``/``F`` the bounds on its
start/finish from its earliest start and its links; ``g`` a link's lag calendar)::

    lagged(x, L, g)   = x + L if L == 0 else finish(g, own(g, x) + L)
    unlag(x, L, g)    = x - L if L == 0 else start(g, own(g, x) - L)
    d > 0:  w = max(own(c, S), own(c, F) - d); ES = start(c, w);
            EF = max(ES, finish(c, w + d))
    d == 0: ES = EF = max(S, F)

    FS: S_j >= lagged(EF_i)   SS: S_j >= lagged(ES_i)
    FF: F_j >= lagged(EF_i)   SF: F_j >= lagged(ES_i)

Backward, from the project finish ``PF = max EF``::

    FS: LF_i <= unlag(LS_j)   FF: LF_i <= unlag(LT_j)
    SS: LS_i <= unlag(LS_j)   SF: LS_i <= unlag(LT_j)
    LT = start(c, own(c, LF)), the latest time with the late finish's work done (LF
    itself when d == 0): the forward rule holds F_j in c's own working time
    a bound u on LS_i:  LF_i <= start(c_i, own(c_i, u) + d_i)   (u itself when d_i == 0)
    d > 0:  LS = start(c, own(c, LF) - d); LF = max(LS, finish(c, own(c, LF)))
    d == 0: LS = LF
    total float = own(c, LF) - own(c, EF)   (LF - EF when d == 0)

On a calendar that works every timeline day these reduce to plain arithmetic
(``own(c, x) = x``), so the timeline calendar needs no special case here.

``finish`` and ``start`` jump across days off at whole numbers of working days, so
work up to ``SNAP`` (1e-9 days) past a whole number counts as that number in
``finish``, and up to ``START_SNAP`` (2e-9) short of one in ``start``: rounding must not
decide which side of a weekend a date falls on.

Progress (with a data date DD): complete tasks sit at their actual dates (ES = morning
of the actual start, EF = end of the actual finish; a milestone done on one day is an
instant, EF = ES), have total float 0, are never
critical, ignore their incoming links and bound nobody in the backward pass; a task in
progress works its remaining ``d`` from no earlier than the morning of DD (and its
incoming links), is reported to start on its actual start, and its SS/SF links count
from that actual start (a fact, so they bound nobody in the backward pass either);
not-started tasks start no earlier than the morning of DD.

Constraints: a start-no-earlier-than date bounds ``S`` by that day's morning, a
finish-no-earlier-than date bounds ``F`` by that day's end (``days_through``), for any
task not complete. A mandatory start (of a task not started) sets ``S`` to that day's
morning (no earlier than the data date's) and a mandatory finish sets ``F`` to that
day's end, whatever the start-no-earlier-than date says; either way the task's incoming
links are dropped from the forward pass. In the backward pass they stay, and the task's
late dates are its hard date's (its late finish is the finish of ``d`` from the
mandatory start, or the mandatory finish's end of day), so its predecessors' float is
counted from that date.

An as-late-as-possible task that has not started is then moved as late as its
successors' early dates allow (no later than the project finish), repeatedly until
none moves (so a chain of them moves as a whole): the
backward rule above applied with each successor's early dates (of a task in progress,
the start of its remaining work) in place of its late dates gives its latest finish
``B``; with ``w = own(c, B)`` it starts at
``start(c, w - d)`` and finishes at ``max(that, finish(c, w))`` (``B`` itself when
``d == 0``). Its total float is then counted from that finish; no other task moves.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

ONE_DAY = dt.timedelta(days=1)
CRITICAL_TOLERANCE = 1e-6
SNAP = 1e-9
START_SNAP = 2 * SNAP


@dataclass(frozen=True)
class DayRule:
    """Works on a date when its weekday's flag is '1' (Monday first) and it is no holiday."""

    weekmask: str
    holidays: frozenset[dt.date]

    @classmethod
    def of(cls, calendar) -> DayRule:
        """The rule of a ``pmo_sim.Calendar`` (its weekmask and holidays, nothing else)."""
        return cls(str(calendar.weekmask), frozenset(calendar.holidays))

    def works(self, day: dt.date) -> bool:
        return self.weekmask[day.weekday()] == "1" and day not in self.holidays


class Timeline:
    """The dates on which any of ``rules`` works, numbered from the first on or after
    ``start`` (day 0); found one calendar day at a time, as far as anyone asks."""

    def __init__(self, start: dt.date, rules: list[DayRule]) -> None:
        self.rules = rules
        day = start
        while not self.works(day):
            day += ONE_DAY
        self.forward = [day]  # day k >= 0
        self.backward: list[dt.date] = []  # day -1, -2, ...

    def works(self, day: dt.date) -> bool:
        return any(rule.works(day) for rule in self.rules)

    def date(self, k: int) -> dt.date:
        """The date of timeline day ``k`` (negative: before day 0)."""
        while k >= len(self.forward):
            day = self.forward[-1] + ONE_DAY
            while not self.works(day):
                day += ONE_DAY
            self.forward.append(day)
        while -k > len(self.backward):
            day = (self.backward[-1] if self.backward else self.forward[0]) - ONE_DAY
            while not self.works(day):
                day -= ONE_DAY
            self.backward.append(day)
        return self.forward[k] if k >= 0 else self.backward[-k - 1]

    def index_on_or_after(self, day: dt.date) -> int:
        """The first timeline day on or after ``day`` (its morning is that offset)."""
        k = 0
        if day < self.date(0):
            while self.date(k - 1) >= day:
                k -= 1
            return k
        while self.date(k) < day:
            k += 1
        return k

    def days_through(self, day: dt.date) -> int:
        """Timeline days from day 0 through the end of ``day`` (the offset of its end)."""
        return self.index_on_or_after(day + ONE_DAY)

    # Working time of one calendar on this timeline --------------------------------------
    def own(self, rule: DayRule, x: float) -> float:
        if x < 0:
            return x
        k = math.floor(x)
        done = sum(1 for i in range(k) if rule.works(self.date(i)))
        if rule.works(self.date(k)):
            return done + (x - k)
        return float(done)

    def finish(self, rule: DayRule, w: float) -> float:
        if w - SNAP <= math.floor(w) < w:  # the engine's test, rounding included
            w = float(math.floor(w))
        if w <= 0:
            return w
        done, k = 0, 0
        while True:
            if rule.works(self.date(k)):
                if done + 1 >= w:
                    return k + (w - done)
                done += 1
            k += 1

    def start(self, rule: DayRule, w: float) -> float:
        if w < math.ceil(w) <= w + START_SNAP:  # the engine's test, rounding included
            w = float(math.ceil(w))
        if w < 0:
            return w
        done, k = 0, 0
        while True:
            if rule.works(self.date(k)):
                if w < done + 1:
                    return k + (w - done)
                done += 1
            k += 1

    def lagged(self, rule: DayRule, x: float, lag: float) -> float:
        if lag == 0:
            return x + lag
        return self.finish(rule, self.own(rule, x) + lag)

    def unlagged(self, rule: DayRule, x: float, lag: float) -> float:
        if lag == 0:
            return x - lag
        return self.start(rule, self.own(rule, x) - lag)

    # Dates of offsets --------------------------------------------------------------------
    def start_date(self, x: float) -> dt.date:
        """Work starting at ``x`` starts on timeline day floor(x)."""
        return self.date(math.floor(x))

    def finish_date(self, x: float) -> dt.date:
        """Work finishing at ``x`` ends on timeline day ceil(x) - 1 (day 0 for x <= 0)."""
        return self.date(max(math.ceil(x) - 1, 0))


@dataclass
class NaiveCalendarSchedule:
    """Timeline offsets keyed by task id; ``total_float`` in each task's own days."""

    timeline: Timeline
    durations: dict[str, float]
    early_start: dict[str, float]
    early_finish: dict[str, float]
    late_start: dict[str, float]
    late_finish: dict[str, float]
    total_float: dict[str, float]
    critical: dict[str, bool]
    actual_duration: dict[str, float]
    finish: float


def naive_timeline(scenario) -> Timeline:
    """The union of the project calendar and every calendar a task works on."""
    p = scenario.project
    named = dict(p.calendars)
    rules = [DayRule.of(p.calendar)]
    rules += [DayRule.of(named[t.calendar]) for t in scenario.tasks if t.calendar]
    return Timeline(p.start, rules)


def naive_calendar_cpm(scenario, durations=None) -> NaiveCalendarSchedule:
    """Early and late dates, total float and criticality of ``scenario``.

    ``durations`` (in task order) default to each task's most likely value; for a task
    in progress they are its remaining duration, and a complete task ignores them.
    """
    p = scenario.project
    tl = naive_timeline(scenario)
    named = dict(p.calendars)
    tasks = {t.id: t for t in scenario.tasks}
    if durations is None:
        durations = [t.duration.deterministic for t in scenario.tasks]
    dur = {t.id: float(d) for t, d in zip(scenario.tasks, durations, strict=True)}
    rule = {
        t.id: DayRule.of(named[t.calendar] if t.calendar else p.calendar) for t in tasks.values()
    }
    project_rule = DayRule.of(p.calendar)
    complete = {tid for tid, t in tasks.items() if t.status == "complete"}
    in_progress = {tid for tid, t in tasks.items() if t.status == "in progress"}

    def mandatory(t) -> bool:
        """A hard date overrides the task's incoming links (a started task's mandatory
        start is settled by its actual start)."""
        return t.mandatory_finish is not None or (
            t.mandatory_start is not None and t.status == "not started"
        )

    all_links = [
        (link.predecessor, t.id, link.type, float(link.lag))
        for t in scenario.tasks
        for link in t.predecessors
        if t.id not in complete  # a complete task's dates are facts
    ]
    # A mandatory date overrides the links into its task in the forward pass.
    links = [x for x in all_links if not mandatory(tasks[x[1]])]

    def lag_rule(i: str, j: str) -> DayRule:
        return {"successor": rule[j], "predecessor": rule[i], "project": project_rule}[
            p.lag_calendar
        ]

    actual_start = {
        tid: float(tl.index_on_or_after(tasks[tid].actual_start)) for tid in complete | in_progress
    }
    actual_finish = {
        tid: actual_start[tid]  # a milestone done on one day: an instant, that morning
        if tasks[tid].milestone and tasks[tid].actual_finish == tasks[tid].actual_start
        else max(float(tl.days_through(tasks[tid].actual_finish)), actual_start[tid])
        for tid in complete
    }
    data_morning = None if p.data_date is None else float(tl.index_on_or_after(p.data_date))

    def earliest(tid: str) -> float:
        t = tasks[tid]
        bound = 0.0
        if t.start_no_earlier_than is not None:
            bound = max(bound, float(tl.index_on_or_after(t.start_no_earlier_than)))
        if t.mandatory_start is not None and mandatory(t) and t.mandatory_finish is None:
            bound = float(tl.index_on_or_after(t.mandatory_start))  # whatever else says
        if data_morning is not None:
            bound = max(bound, data_morning)
        return bound

    # Forward: recompute every task from its predecessors until nothing changes.
    es = {tid: actual_start.get(tid, 0.0) for tid in tasks}
    ef = {tid: actual_finish.get(tid, 0.0) for tid in tasks}
    work_start = {tid: 0.0 for tid in tasks}  # where the (remaining) work starts
    for _ in range(len(tasks) + 2):
        changed = False
        for tid in tasks:
            if tid in complete:
                continue
            s, f = earliest(tid), -math.inf
            if tasks[tid].finish_no_earlier_than is not None:
                f = float(tl.days_through(tasks[tid].finish_no_earlier_than))
            if tasks[tid].mandatory_finish is not None:
                f = float(tl.days_through(tasks[tid].mandatory_finish))
            for i, j, kind, lag in links:
                if j != tid:
                    continue
                anchor = ef[i] if kind[0] == "F" else es[i]  # es of a started task: actual
                bound = tl.lagged(lag_rule(i, j), anchor, lag)
                if kind[1] == "S":
                    s = max(s, bound)
                else:
                    f = max(f, bound)
            d, c = dur[tid], rule[tid]
            if d == 0:
                new_start = new_finish = max(s, f)
            else:
                w = max(tl.own(c, s), tl.own(c, f) - d)
                new_start = tl.start(c, w)
                new_finish = max(new_start, tl.finish(c, w + d))
            new_es = actual_start[tid] if tid in in_progress else new_start
            if (new_es, new_start, new_finish) != (es[tid], work_start[tid], ef[tid]):
                es[tid], work_start[tid], ef[tid] = new_es, new_start, new_finish
                changed = True
        if not changed:
            break
    else:  # pragma: no cover - a DAG settles within len(tasks) sweeps
        raise AssertionError("forward relaxation did not settle: is the network acyclic?")

    finish = max(ef.values())
    open_tasks = [tid for tid in tasks if tid not in complete]

    def latest_keeping(tid: str, starts: dict, finishes: dict) -> float:
        """The latest finish of ``tid`` that its successors' dates (``starts``,
        ``finishes``) allow, by the backward rule."""
        d, c = dur[tid], rule[tid]
        bound = finish
        for i, j, kind, lag in backward_links:
            if i != tid:
                continue
            if kind[1] == "S":
                x = starts[j]
            elif dur[j] == 0:
                x = finishes[j]
            else:
                x = tl.start(rule[j], tl.own(rule[j], finishes[j]))
            u = tl.unlagged(lag_rule(i, j), x, lag)
            if kind[0] == "S":  # u bounds the start: the finish may be d later
                u = u if d == 0 else tl.start(c, tl.own(c, u) + d)
            bound = min(bound, u)
        return bound

    backward_links = [
        (i, j, kind, lag)
        for i, j, kind, lag in all_links
        if i not in complete and not (i in in_progress and kind[0] == "S")
    ]

    def hard_finish(tid: str) -> float | None:
        """The late finish a mandatory date sets, whatever the successors say."""
        t, d, c = tasks[tid], dur[tid], rule[tid]
        if not mandatory(t):
            return None
        if t.mandatory_finish is not None:
            return float(tl.days_through(t.mandatory_finish))
        s = float(tl.index_on_or_after(t.mandatory_start))
        return s if d == 0 else tl.finish(c, tl.own(c, s) + d)

    lf = dict.fromkeys(open_tasks, finish)
    ls = {tid: finish - dur[tid] for tid in open_tasks}
    for _ in range(len(tasks) + 2):
        changed = False
        for tid in open_tasks:
            d, c = dur[tid], rule[tid]
            bound = latest_keeping(tid, ls, lf)
            hard = hard_finish(tid)
            bound = bound if hard is None else hard
            if d == 0:
                new_lf = new_ls = bound
            else:
                w = tl.own(c, bound)
                new_ls = tl.start(c, w - d)
                new_lf = max(new_ls, tl.finish(c, w))
            if (new_lf, new_ls) != (lf[tid], ls[tid]):
                lf[tid], ls[tid] = new_lf, new_ls
                changed = True
        if not changed:
            break
    else:  # pragma: no cover
        raise AssertionError("backward relaxation did not settle: is the network acyclic?")

    # As late as possible: move each as late as the others' current dates allow, over
    # and over until nothing moves (a chain of them then moves as a whole).
    late = [t for t in open_tasks if tasks[t].as_late_as_possible and t not in in_progress]
    for _ in range(len(tasks) + 2):
        changed = False
        for tid in late:
            d, c = dur[tid], rule[tid]
            # A link into a task in progress bounds its remaining work: work_start.
            bound = latest_keeping(tid, work_start, ef)
            if d == 0:
                new_start = new_finish = bound
            else:
                w = tl.own(c, bound)
                new_start = tl.start(c, w - d)
                new_finish = max(new_start, tl.finish(c, w))
            if new_finish > ef[tid]:
                es[tid], ef[tid], work_start[tid] = new_start, new_finish, new_start
                changed = True
        if not changed:
            break

    total_float, critical, actual_duration = {}, {}, {}
    for tid in tasks:
        c = rule[tid]
        if tid in complete:
            ls[tid], lf[tid] = es[tid], ef[tid]
            total_float[tid], critical[tid] = 0.0, False
            actual_duration[tid] = tl.own(c, ef[tid]) - tl.own(c, es[tid])
            continue
        if dur[tid] == 0:
            total_float[tid] = lf[tid] - ef[tid]
        else:
            total_float[tid] = tl.own(c, lf[tid]) - tl.own(c, ef[tid])
        critical[tid] = total_float[tid] <= CRITICAL_TOLERANCE
    return NaiveCalendarSchedule(
        timeline=tl,
        durations=dur,
        early_start=es,
        early_finish=ef,
        late_start=ls,
        late_finish=lf,
        total_float=total_float,
        critical=critical,
        actual_duration=actual_duration,
        finish=finish,
    )
