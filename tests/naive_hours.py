"""A slow, obviously correct forward pass on calendars with working hours, in clock slots.

Written from what a planner reads on a Gantt chart, sharing no code with ``pmo_sim``:
time is the wall clock in quarter hours, a calendar is the set of quarter hours it works
(its weekdays, less its holidays, times its working periods), and a duration or a lag
is a number of those quarter hours. Every rule is a count of working slots:

- a task on calendar ``c`` that may start at clock time ``S`` starts at the start of
  ``c``'s first working slot at or after ``S`` and finishes at the end of the slot that
  completes its duration (a task of no duration is an instant: it starts and finishes
  at ``max(S, F)``; a start milestone, ``milestone = "start"``, at the start of ``c``'s
  first working slot at or after that);
- a bound ``F`` on its finish (FF, SF links) asks for at least as many of ``c``'s
  working slots done at the finish as are done by ``F``;
- a lag of ``L`` slots on calendar ``g`` moves a time ``x`` to the end of the ``L``-th
  working slot of ``g`` after ``x`` (no move when ``L`` is 0);
- FS/SS bound the successor's start by the predecessor's finish/start plus the lag,
  FF/SF its finish; a start-no-earlier-than date-time bounds the start.

Links are relaxed over and over until nothing changes, in no particular order.

Times are compared with pmo-sim's through ``offset``: working days of the timeline (the
days any calendar works) before the time's day, plus the share of the union of all
calendars' working periods done by its clock time.
"""

from __future__ import annotations

import datetime as dt

SLOT = 15  # minutes
PER_DAY = 24 * 60 // SLOT


class Clock:
    """The working slots of each calendar of a scenario from its start, for ``days``."""

    def __init__(self, scenario, days: int = 400):
        p = scenario.project
        self.start = p.start
        self.days = days
        self.calendars = {"": p.calendar, **dict(p.calendars)}
        # works[name][i]: calendar ``name`` works slot i (slot 0 starts at start 00:00)
        self.works = {name: self._slots(cal) for name, cal in self.calendars.items()}
        union = sorted({h for cal in self.calendars.values() for h in self._day_slots(cal)})
        self.union_slots = union
        self.timeline_days = [
            k for k in range(days) if any(self._works_day(c, k) for c in self.calendars.values())
        ]

    def _works_day(self, cal, k: int) -> bool:
        day = self.start + dt.timedelta(days=k)
        return cal.weekmask[day.weekday()] == "1" and day not in cal.holidays

    @staticmethod
    def _day_slots(cal) -> list[int]:
        out = []
        for lo, hi in cal.hours:
            out += list(range(round(lo * 60) // SLOT, round(hi * 60) // SLOT))
        return out

    def _slots(self, cal) -> list[bool]:
        on = set(self._day_slots(cal))
        return [
            self._works_day(cal, i // PER_DAY) and (i % PER_DAY) in on
            for i in range(self.days * PER_DAY)
        ]

    def start_of(self, name: str, x: int) -> int:
        """The first working slot of calendar ``name`` at or after slot boundary ``x``."""
        w = self.works[name]
        while not w[x]:
            x += 1
        return x

    def done(self, name: str, x: int) -> int:
        """Working slots of ``name`` before slot boundary ``x``."""
        return sum(self.works[name][:x])

    def end_after(self, name: str, x: int, count: int) -> int:
        """The slot boundary at the end of the ``count``-th working slot from ``x``."""
        w = self.works[name]
        while count > 0:
            if w[x]:
                count -= 1
            x += 1
        return x

    def boundary(self, when: dt.datetime) -> int:
        return (when - dt.datetime.combine(self.start, dt.time())) // dt.timedelta(minutes=SLOT)

    def offset(self, x: int) -> float:
        """pmo-sim's timeline offset of slot boundary ``x`` (see the module)."""
        day, slot = divmod(x, PER_DAY)
        before = sum(1 for k in self.timeline_days if k < day)
        if day not in self.timeline_days:
            return float(before)
        done = sum(1 for s in self.union_slots if s < slot)
        return before + done / len(self.union_slots)


def naive_hour_cpm(scenario, hours: dict[str, float], lag_hours: dict[tuple, float]):
    """Early start and finish slot boundaries of each task, by id.

    ``hours`` gives each task's duration in hours and ``lag_hours`` each link's lag in
    hours, keyed ``(successor, predecessor)``; lags count on the successor's calendar.
    """
    clock = Clock(scenario)
    first = min(clock.union_slots) + clock.timeline_days[0] * PER_DAY
    tasks = {t.id: t for t in scenario.tasks}
    es = dict.fromkeys(tasks, first)
    ef = dict.fromkeys(tasks, first)
    changed = True
    while changed:
        changed = False
        for t in scenario.tasks:
            cal = t.calendar
            s_bound, f_bound = first, None
            if t.start_no_earlier_than is not None:
                when = t.start_no_earlier_than
                if not isinstance(when, dt.datetime):
                    when = dt.datetime.combine(when, dt.time())
                s_bound = max(s_bound, clock.boundary(when))
            for link in t.predecessors:
                i = link.predecessor
                src = ef[i] if link.type in ("FS", "FF") else es[i]
                lag = round(lag_hours.get((t.id, i), 0.0) * 60 / SLOT)
                bound = clock.end_after(cal, src, lag) if lag > 0 else src
                if link.type in ("FS", "SS"):
                    s_bound = max(s_bound, bound)
                else:
                    f_bound = bound if f_bound is None else max(f_bound, bound)
            d = round(hours[t.id] * 60 / SLOT)
            if d == 0:
                start = s_bound if f_bound is None else max(s_bound, f_bound)
                if t.milestone == "start":
                    start = clock.start_of(cal, start)
                finish = start
            else:
                start = clock.start_of(cal, s_bound)
                if f_bound is not None:
                    need = clock.done(cal, f_bound)
                    while clock.done(cal, start) + d < need:
                        start = clock.start_of(cal, start + 1)
                finish = clock.end_after(cal, start, d)
            if (start, finish) != (es[t.id], ef[t.id]):
                es[t.id], ef[t.id] = start, finish
                changed = True
    return clock, es, ef
