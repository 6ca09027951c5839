"""Task calendars: hand-computed schedules on mixed calendars, random networks against the
day-by-day reference in ``tests/naive_calendars.py``, and the Monte Carlo kernel against
the deterministic CPM.

Every hand-computed case starts on Monday 2027-01-04 with a mon-fri project calendar.
When a case uses the all-days calendar the timeline works every day, so timeline day k
is simply 2027-01-04 + k days; otherwise the case says what the timeline is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pmo_sim
from pmo_sim import (
    CRITICAL_TOLERANCE,
    Calendar,
    Fixed,
    Link,
    Normal,
    Pert,
    Project,
    Scenario,
    Task,
    Triangular,
    Uniform,
)
from pmo_sim.model.calendar import SNAP, START_SNAP

from .naive_calendars import CRITICAL_TOLERANCE as NAIVE_TOLERANCE
from .naive_calendars import SNAP as NAIVE_SNAP
from .naive_calendars import START_SNAP as NAIVE_START_SNAP
from .naive_calendars import naive_calendar_cpm, naive_timeline

START = dt.date(2027, 1, 4)  # a Monday
D = dt.date
CALENDARS = {
    "7d": Calendar("all-days"),
    "sun-thu": Calendar("sun-thu"),
    "mf-hol": Calendar("mon-fri", holidays=(D(2027, 1, 6),)),  # no work Wed 6 Jan
    "7d-hol": Calendar("all-days", holidays=(D(2027, 1, 6),)),
    "same": Calendar("mon-fri"),  # equal to the project calendar
}
FIELDS = ("early_start", "early_finish", "late_start", "late_finish", "total_float")
DATE_FIELDS = ("early_start_date", "early_finish_date", "late_start_date", "late_finish_date")


def project(**kwargs) -> Project:
    """A mon-fri project from Monday 2027-01-04 that may use every calendar above."""
    kwargs.setdefault("calendar", Calendar("mon-fri"))
    return Project("Calendars", START, calendars=CALENDARS, **kwargs)


# Hand-computed cases: each row is (ES, EF, LS, LF, total float in own days, critical),
# timeline offsets; dates are (early start, early finish, late start, late finish).
Row = tuple[float, float, float, float, float, bool]


@dataclass(frozen=True)
class Case:
    id: str
    scenario: Scenario
    rows: dict[str, Row]
    finish: float
    dates: dict[str, tuple[str, str, str, str]]


CASES = [
    # a mon-fri 5 --FS--> b all-days 3 --FS--> c mon-fri 2; b --FS--> m (milestone).
    # a Mon 4 - Fri 8 (0..5). b works the weekend: Sat 9 - Mon 11 (5..8). m is an
    # instant at 8 (dated by its finish, Mon 11). c: own_mf(8) = 6 (Mon 4-Fri 8, Mon 11)
    # -> starts at the morning of its 7th working day, Tue 12 (8), ends after its 8th,
    # Wed 13 (10). Backward from 10: c LS 8; m has no successor: LF 10, TF 2 timeline
    # days; b LF = LS_c = 8; a LF = LS_b = 5 (the end of Fri 8): all critical but m.
    Case(
        "weekend-task-between-weekday-tasks",
        Scenario(
            project(),
            (
                Task("a", 5),
                Task("b", 3, predecessors=("a",), calendar="7d"),
                Task("m", milestone=True, predecessors=("b",)),
                Task("c", 2, predecessors=("b",)),
            ),
        ),
        {
            "a": (0, 5, 0, 5, 0, True),
            "b": (5, 8, 5, 8, 0, True),
            "m": (8, 8, 10, 10, 2, False),
            "c": (8, 10, 8, 10, 0, True),
        },
        10,
        {
            "a": ("2027-01-04", "2027-01-08", "2027-01-04", "2027-01-08"),
            "b": ("2027-01-09", "2027-01-11", "2027-01-09", "2027-01-11"),
            "m": ("2027-01-11", "2027-01-11", "2027-01-13", "2027-01-13"),
            "c": ("2027-01-12", "2027-01-13", "2027-01-12", "2027-01-13"),
        },
    ),
    # x all-days 10 (Mon 4 - Wed 13), y mon-fri 3 (Mon 4 - Wed 6), both --FS--> end.
    # y's late finish is the end of Wed 13 (10): own_mf(10) = 8, so its late start is
    # the morning of its 6th working day, Mon 11 (7), and its float is 8 - 3 = 5 of its
    # own working days (7 timeline days).
    Case(
        "float-counts-own-working-days",
        Scenario(
            project(),
            (
                Task("x", 10, calendar="7d"),
                Task("y", 3),
                Task("end", milestone=True, predecessors=("x", "y")),
            ),
        ),
        {
            "x": (0, 10, 0, 10, 0, True),
            "y": (0, 3, 7, 10, 5, False),
            "end": (10, 10, 10, 10, 0, True),
        },
        10,
        {
            "x": ("2027-01-04", "2027-01-13", "2027-01-04", "2027-01-13"),
            "y": ("2027-01-04", "2027-01-06", "2027-01-11", "2027-01-13"),
            "end": ("2027-01-13", "2027-01-13", "2027-01-13", "2027-01-13"),
        },
    ),
    # Timeline = mon-fri (Wed 6 is worked by the project calendar): days 0..4 are
    # Mon 4 - Fri 8, day 5 Mon 11, day 6 Tue 12. a on mf-hol 3 works Mon, Tue, Thu:
    # 0..4. b mon-fri 2: 4..6 (Fri 8, Mon 11). p mon-fri 7: 0..7 (to Tue 12).
    # Backward from 7: b LS 5, TF 1. a LF 5 (end of Fri 8): own(5) = 4 working days,
    # so LS = the morning of its 2nd working day, Tue 5 (1); TF = 4 - 3 = 1.
    Case(
        "holiday-on-a-task-calendar",
        Scenario(
            project(),
            (
                Task("a", 3, calendar="mf-hol"),
                Task("b", 2, predecessors=("a",)),
                Task("p", 7),
            ),
        ),
        {
            "a": (0, 4, 1, 5, 1, False),
            "b": (4, 6, 5, 7, 1, False),
            "p": (0, 7, 0, 7, 0, True),
        },
        7,
        {
            "a": ("2027-01-04", "2027-01-07", "2027-01-05", "2027-01-08"),
            "b": ("2027-01-08", "2027-01-11", "2027-01-11", "2027-01-12"),
            "p": ("2027-01-04", "2027-01-12", "2027-01-04", "2027-01-12"),
        },
    ),
    # a all-days 6 (Mon 4 - Sat 9) --FF+1 (successor's mon-fri days)--> b mon-fri 2.
    # F_b = finish_mf(own_mf(6) + 1 = 6) = end of Mon 11 (8); b works its 5th and 6th
    # days: Fri 8 - Mon 11 (4..8). Backward: LF_a <= start_mf(own_mf(8) - 1 = 5) =
    # morning of Mon 11 (7): a may finish on Sunday, so it has 1 day of float.
    Case(
        "ff-lag-on-the-successor-calendar",
        Scenario(
            project(),
            (
                Task("a", 6, calendar="7d"),
                Task("b", 2, predecessors=(Link("a", "FF", 1),)),
            ),
        ),
        {"a": (0, 6, 1, 7, 1, False), "b": (4, 8, 4, 8, 0, True)},
        8,
        {
            "a": ("2027-01-04", "2027-01-09", "2027-01-05", "2027-01-10"),
            "b": ("2027-01-08", "2027-01-11", "2027-01-08", "2027-01-11"),
        },
    ),
    # a mon-fri 3, start no earlier than Thu 7 (3) --SF+3 (predecessor's days)--> b
    # all-days 2. a: Thu 7, Fri 8, Mon 11 (3..8). F_b = finish_mf(own_mf(3) + 3 = 6) =
    # 8: b Sun 10 - Mon 11 (6..8). Backward: LS_a <= start_mf(own_mf(8) - 3 = 3) = 3,
    # so LF_a <= start_mf(3 + 3) = 8: both critical.
    Case(
        "sf-lag-on-the-predecessor-calendar",
        Scenario(
            project(lag_calendar="predecessor"),
            (
                Task("a", 3, start_no_earlier_than=D(2027, 1, 7)),
                Task("b", 2, predecessors=(Link("a", "SF", 3),), calendar="7d"),
            ),
        ),
        {"a": (3, 8, 3, 8, 0, True), "b": (6, 8, 6, 8, 0, True)},
        8,
        {
            "a": ("2027-01-07", "2027-01-11", "2027-01-07", "2027-01-11"),
            "b": ("2027-01-10", "2027-01-11", "2027-01-10", "2027-01-11"),
        },
    ),
    # a all-days 6 (Mon 4 - Sat 9) --FS--> m (milestone, project calendar) --FS--> c
    # mon-fri 1. m is the instant 6, dated Saturday 9 (no snapping to its calendar);
    # c starts Mon 11 (7). Backward: m LF = LS_c = 7, so m and a have 1 timeline day
    # of float (a may finish on Sunday without moving c).
    Case(
        "milestone-after-a-weekend-task",
        Scenario(
            project(),
            (
                Task("a", 6, calendar="7d"),
                Task("m", milestone=True, predecessors=("a",)),
                Task("c", 1, predecessors=("m",)),
            ),
        ),
        {
            "a": (0, 6, 1, 7, 1, False),
            "m": (6, 6, 7, 7, 1, False),
            "c": (7, 8, 7, 8, 0, True),
        },
        8,
        {
            "a": ("2027-01-04", "2027-01-09", "2027-01-05", "2027-01-10"),
            "m": ("2027-01-09", "2027-01-09", "2027-01-10", "2027-01-10"),
            "c": ("2027-01-11", "2027-01-11", "2027-01-11", "2027-01-11"),
        },
    ),
    # a mon-fri 2, start no earlier than Sat 9: the morning of Sat 9 is timeline day 5;
    # a works from its next working morning, Mon 11 (7), to the end of Tue 12 (9).
    # b all-days 8: 0..9 late, 1 day of float.
    Case(
        "start-no-earlier-than-a-non-working-day",
        Scenario(
            project(),
            (
                Task("a", 2, start_no_earlier_than=D(2027, 1, 9)),
                Task("b", 8, calendar="7d"),
            ),
        ),
        {"a": (7, 9, 7, 9, 0, True), "b": (0, 8, 1, 9, 1, False)},
        9,
        {
            "a": ("2027-01-11", "2027-01-12", "2027-01-11", "2027-01-12"),
            "b": ("2027-01-04", "2027-01-11", "2027-01-05", "2027-01-12"),
        },
    ),
    # No all-days calendar: the timeline is sun-fri (mon-fri and sun-thu), so day 4 is
    # Fri 8, day 5 Sun 10, day 6 Mon 11, day 7 Tue 12, day 8 Wed 13.
    # a mon-fri 3: 0..3. b sun-thu 4 works Thu 7, Sun 10, Mon 11, Tue 12: 3..8.
    # c mon-fri 1: own_mf(8) = 7 -> Wed 13 (8..9).
    Case(
        "sun-thu-task-on-a-sun-fri-timeline",
        Scenario(
            project(),
            (
                Task("a", 3),
                Task("b", 4, predecessors=("a",), calendar="sun-thu"),
                Task("c", 1, predecessors=("b",)),
            ),
        ),
        {
            "a": (0, 3, 0, 3, 0, True),
            "b": (3, 8, 3, 8, 0, True),
            "c": (8, 9, 8, 9, 0, True),
        },
        9,
        {
            "a": ("2027-01-04", "2027-01-06", "2027-01-04", "2027-01-06"),
            "b": ("2027-01-07", "2027-01-12", "2027-01-07", "2027-01-12"),
            "c": ("2027-01-13", "2027-01-13", "2027-01-13", "2027-01-13"),
        },
    ),
    # Wed 6 is a holiday of both calendars, so the timeline skips it: day 2 is Thu 7,
    # day 3 Fri 8, day 4 Sat 9, day 6 Mon 11. The project calendar is mon-fri without
    # Wed 6 too. a on 7d-hol 4: Mon 4, Tue 5, Thu 7, Fri 8 (0..4). b mon-fri 1 from the
    # morning of Sat 9: own(4) = 4 -> its next working morning, Mon 11 (6..7). a may
    # finish at the end of Sun 10 (6) without moving b: 2 days of float.
    Case(
        "holiday-of-every-calendar-leaves-the-timeline",
        Scenario(
            project(calendar=Calendar("mon-fri", holidays=(D(2027, 1, 6),))),
            (
                Task("a", 4, calendar="7d-hol"),
                Task("b", 1, predecessors=("a",)),
            ),
        ),
        {"a": (0, 4, 2, 6, 2, False), "b": (6, 7, 6, 7, 0, True)},
        7,
        {
            "a": ("2027-01-04", "2027-01-08", "2027-01-07", "2027-01-10"),
            "b": ("2027-01-11", "2027-01-11", "2027-01-11", "2027-01-11"),
        },
    ),
]


# Critical paths: chains of critical tasks joined by links with no slack in the
# successor's working time.
CRITICAL_PATHS = {
    "weekend-task-between-weekday-tasks": [["a", "b", "c"]],
    "float-counts-own-working-days": [["x", "end"]],
    "holiday-on-a-task-calendar": [["p"]],
    "ff-lag-on-the-successor-calendar": [["b"]],
    "sf-lag-on-the-predecessor-calendar": [["a", "b"]],
    "milestone-after-a-weekend-task": [["c"]],
    "start-no-earlier-than-a-non-working-day": [["a"]],
    "sun-thu-task-on-a-sun-fri-timeline": [["a", "b", "c"]],
    "holiday-of-every-calendar-leaves-the-timeline": [["b"]],
}


def _engine_rows(plan) -> dict[str, Row]:
    ids = plan.scenario.task_ids
    crit = plan.critical.tolist()
    return {
        tid: (*(float(getattr(plan, f)[k]) for f in FIELDS), bool(crit[k]))
        for k, tid in enumerate(ids)
    }


def _naive_rows(ref) -> dict[str, Row]:
    return {
        tid: (*(getattr(ref, f)[tid] for f in FIELDS), ref.critical[tid]) for tid in ref.critical
    }


def assert_rows(got: dict[str, Row], expected: dict[str, Row], abs_tol: float = 1e-12) -> None:
    for tid, row in expected.items():
        assert got[tid][:5] == pytest.approx(row[:5], abs=abs_tol), (
            f"task {tid}: (ES, EF, LS, LF, TF)"
        )
        assert got[tid][5] == row[5], f"task {tid}: critical"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hand_computed_schedule_on_task_calendars(case):
    """Dates, floats (in own working days) and criticality match the hand computation."""
    plan = pmo_sim.schedule(case.scenario)
    assert_rows(_engine_rows(plan), case.rows)
    assert plan.finish == pytest.approx(case.finish, abs=1e-12)
    doc = plan.to_dict()
    for tid, dates in case.dates.items():
        assert tuple(doc["tasks"][tid][f] for f in DATE_FIELDS) == dates, tid
    assert doc["critical_paths"] == CRITICAL_PATHS[case.id]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_naive_reference_gives_the_hand_computed_answers(case):
    """The day-by-day reference itself reproduces every hand-computed case, dates too."""
    ref = naive_calendar_cpm(case.scenario)
    assert_rows(_naive_rows(ref), case.rows)
    assert ref.finish == case.finish
    tl = ref.timeline
    for tid, dates in case.dates.items():
        es, ef, ls, lf = (getattr(ref, f)[tid] for f in FIELDS[:4])
        zero = ref.durations[tid] == 0
        got = (
            tl.finish_date(ef) if zero else tl.start_date(es),
            tl.finish_date(ef),
            tl.finish_date(lf) if zero else tl.start_date(ls),
            tl.finish_date(lf),
        )
        assert tuple(d.isoformat() for d in got) == dates, tid


# a all-days 4, start no earlier than Fri 8 (4..8, Fri 8 - Mon 11) --SS+lag--> b sun-thu 3.
# Sun-thu works days 0-3 (Mon 4 - Thu 7), 6 (Sun 10), 7 (Mon 11), 8, 9, 10 (Thu 14).
#  successor (sun-thu), lag 1: finish_st(own_st(4) + 1 = 5) = end of Sun 10 (7); own_st(7)
#    = 5 -> b starts on its 6th day Mon 11 (7), ends after its 8th, Wed 13 (10).
#  predecessor (all-days), lag 1: 4 + 1 = 5 (Sat 9); own_st(5) = 4 -> Sun 10 (6) .. 9.
#  project (mon-fri), lag 1: finish_mf(own_mf(4) + 1 = 5) = end of Fri 8 (5) -> as above.
#  lag 2: successor finish_st(6) = end of Mon 11 (8) -> Tue 12 (8) .. Thu 14 (11);
#    predecessor 4 + 2 = 6 -> Sun 10 (6) .. 9; project finish_mf(6) = 8 -> 8 .. 11.
LAG_CALENDAR_CASES = [
    ("successor", 1, (7, 10), ("2027-01-11", "2027-01-13")),
    ("predecessor", 1, (6, 9), ("2027-01-10", "2027-01-12")),
    ("project", 1, (6, 9), ("2027-01-10", "2027-01-12")),
    ("successor", 2, (8, 11), ("2027-01-12", "2027-01-14")),
    ("predecessor", 2, (6, 9), ("2027-01-10", "2027-01-12")),
    ("project", 2, (8, 11), ("2027-01-12", "2027-01-14")),
]


def _ss_lag_scenario(lag_calendar: str, lag: float) -> Scenario:
    return Scenario(
        project(lag_calendar=lag_calendar),
        (
            Task("a", 4, calendar="7d", start_no_earlier_than=D(2027, 1, 8)),
            Task("b", 3, predecessors=(Link("a", "SS", lag),), calendar="sun-thu"),
        ),
    )


@pytest.mark.parametrize(
    ("lag_calendar", "lag", "offsets", "dates"),
    LAG_CALENDAR_CASES,
    ids=[f"{c}{lag:+g}" for c, lag, _, _ in LAG_CALENDAR_CASES],
)
def test_lag_counts_working_days_of_the_lag_calendar(lag_calendar, lag, offsets, dates):
    """An SS lag counts days of the successor's, predecessor's or project calendar."""
    s = _ss_lag_scenario(lag_calendar, lag)
    plan = pmo_sim.schedule(s)
    b = s.task_ids.index("b")
    assert (plan.early_start[b], plan.early_finish[b]) == offsets
    got = plan.to_dict()["tasks"]["b"]
    assert (got["early_start_date"], got["early_finish_date"]) == dates
    ref = naive_calendar_cpm(s)
    assert (ref.early_start["b"], ref.early_finish["b"]) == offsets


def test_ss_lag_leaves_float_counted_through_the_lag_calendar():
    """With an SS+2 lag on sun-thu days, the predecessor may start 2 days later (on
    Sunday) without moving the successor."""
    # Successor lag 2: b 8..11. LS_a <= start_st(own_st(8) - 2 = 4) = Sun 10 (6), so
    # LF_a <= 6 + 4 = 10 (all-days: plain arithmetic); TF = 10 - 8 = 2.
    plan = pmo_sim.schedule(_ss_lag_scenario("successor", 2))
    assert_rows(_engine_rows(plan), {"a": (4, 8, 6, 10, 2, False), "b": (8, 11, 8, 11, 0, True)})


def test_project_lag_calendar_counts_when_every_task_works_the_timeline():
    """Lags on the project calendar count its working days even when every task works a
    calendar equal to the timeline (a 7-day one) and the project calendar differs."""
    # Timeline: every day (mon-fri and all-days). a all-days 5: Mon 4 - Fri 8 (0..5).
    # FS+1 on mon-fri days: finish_mf(own_mf(5) + 1 = 6) = end of Mon 11 (8); b starts
    # on Tue 12 (8), not on Sun 10 (6) as a plain +1 would give.
    s = Scenario(
        project(lag_calendar="project"),
        (
            Task("a", 5, calendar="7d"),
            Task("b", 1, calendar="7d", predecessors=(Link("a", lag=1),)),
        ),
    )
    assert naive_calendar_cpm(s).early_start["b"] == 8
    plan = pmo_sim.schedule(s)
    assert plan.early_start.tolist() == [0, 8]
    assert plan.to_dict()["tasks"]["b"]["early_start_date"] == "2027-01-12"
    r = pmo_sim.simulate(s, iterations=64, seed=1, threads=2)
    assert np.all(r.finish_days == 9)


def test_lag_counts_back_from_a_fractional_late_start_exactly():
    """A lag counted back from a task with a fractional duration starts from the whole
    working day its late start falls on, not from one rounded a hair below it."""
    # Timeline: every day. a all-days 5: Mon 4 - Fri 8 (0..5). FS+2 on b's mon-fri days:
    # finish_mf(own_mf(5) + 2 = 7) = end of Tue 12 (9); b 4.04 days from Wed 13 (9) to
    # 15.04. Backward: own_mf(15.04) - 4.04 = 7 mon-fri days at b's late start (Wed 13,
    # 9), so LF_a = start_mf(7 - 2 = 5) = the morning of Mon 11 (7): a may finish on
    # Sunday, 2 days of float. In floating point 11.04 - 4.04 is not exactly 7, and
    # start_mf just below 5 is the end of Fri 8 (5): a whole weekend earlier.
    s = Scenario(
        project(),
        (
            Task("a", 5, calendar="7d"),
            Task("b", 4.04, predecessors=(Link("a", lag=2),)),
        ),
    )
    expected = {"a": (0, 5, 2, 7, 2, False), "b": (9, 15.04, 9, 15.04, 0, True)}
    assert_rows(_naive_rows(naive_calendar_cpm(s)), expected)
    assert_rows(_engine_rows(pmo_sim.schedule(s)), expected)


def test_finish_link_onto_a_day_off_leaves_the_predecessor_its_float():
    """An FF bound on a day the successor does not work holds the successor's finish in
    its own working time, and the predecessor may finish as late as that allows: no
    negative float, and no critical flag for a task with float."""
    # Timeline: every day. a all-days 5.5: Mon 4 (0) to midday Sat 9 (5.5). b mon-fri 1,
    # FF from a: own_mf(5.5) = 5, so b works Fri 8 (4 to 5). c all-days 6 sets the
    # finish, 6. Backward: b's late finish 6 is 5 mon-fri days, the latest time with
    # them done is the morning of Mon 11 (7), so a may run to the finish (6): 0.5 float.
    s = Scenario(
        project(),
        (
            Task("a", 5.5, calendar="7d"),
            Task("b", 1, predecessors=(Link("a", "FF"),)),
            Task("c", 6, calendar="7d"),
        ),
    )
    expected = {
        "a": (0, 5.5, 0.5, 6, 0.5, False),
        "b": (4, 5, 4, 5, 0, True),
        "c": (0, 6, 0, 6, 0, True),
    }
    assert_rows(_naive_rows(naive_calendar_cpm(s)), expected)
    plan = pmo_sim.schedule(s)
    assert_rows(_engine_rows(plan), expected)
    # Free float too: a may finish 0.5 later without moving b (nor anything else).
    assert plan.to_dict()["tasks"]["a"]["free_float"] == pytest.approx(0.5)
    r = pmo_sim.simulate(s, iterations=64, seed=1, threads=2)
    assert r.criticality["a"] == 0.0 and r.criticality["b"] == 1.0


def test_timeline_is_the_union_of_the_calendars_in_use():
    """The timeline works a day when the project calendar or a used task calendar does;
    a defined but unused calendar does not count."""
    only_project = Scenario(project(), (Task("a", 1),))
    assert only_project.timeline == Calendar("mon-fri")
    sun_thu = Scenario(project(), (Task("a", 1, calendar="sun-thu"),))
    assert sun_thu.timeline.weekmask == "1111101"
    ref = naive_timeline(sun_thu)
    got = sun_thu.timeline.start_dates(START, np.arange(40)).astype(object).tolist()
    assert got == [ref.date(k) for k in range(40)]


def test_calendar_equal_to_the_project_calendar_is_not_a_task_calendar():
    """A task calendar equal to the project calendar leaves the scenario single-calendar."""
    s = Scenario(project(), (Task("a", 2, calendar="same"), Task("b", 1, predecessors=("a",))))
    assert not s.has_calendars
    assert s.timeline == Calendar("mon-fri")


# --- random networks against the day-by-day reference ------------------------------------

# Multiples of 1/4 are exact in binary: a bound that lands on the end of a working day
# lands there exactly on both sides (a rounding error there would move a start past a
# weekend, a jump no tolerance covers).
QUARTER_LAGS = st.one_of(
    st.integers(-3, 5).map(float), st.sampled_from([-1.5, -0.25, 0.5, 1.25, 2.75])
)
QUARTER_DURATIONS = st.one_of(
    st.integers(0, 6).map(float), st.just(0.0), st.integers(1, 24).map(lambda q: q / 4)
)
WEEKMASKS = st.integers(1, 127).map(lambda bits: format(bits, "07b"))


@st.composite
def random_calendars(draw, start: dt.date) -> list[Calendar]:
    """2-4 calendars with random working weekdays and up to 3 holidays in the first
    six weeks."""
    days = st.integers(-3, 42).map(lambda k: start + dt.timedelta(days=k))
    return [
        Calendar(draw(WEEKMASKS), tuple(draw(st.lists(days, max_size=3))))
        for _ in range(draw(st.integers(2, 4)))
    ]


# Long durations and lags carry times far past the calendars' last holiday, where the
# engine's tables repeat week by week.
LONG_LAGS = st.one_of(st.integers(-15, 25).map(float), st.integers(-60, 100).map(lambda q: q / 4))
LONG_DURATIONS = st.one_of(st.just(0.0), st.integers(1, 200).map(lambda q: q / 4))


@st.composite
def calendar_scenarios(
    draw, progress: bool = False, long: bool = False, alap: bool = False
) -> Scenario:
    """A random DAG of 2-10 tasks on random calendars, with every link type, leads and
    fractional lags, a random lag calendar, some start- and finish-no-earlier-than and
    mandatory dates and, with ``progress``, a data date and random (even out-of-sequence) progress;
    ``long`` draws durations up to 50 days and lags up to 25; ``alap`` makes some tasks
    as late as possible (which only the deterministic schedule dates late)."""
    durations, lags = (LONG_DURATIONS, LONG_LAGS) if long else (QUARTER_DURATIONS, QUARTER_LAGS)
    start = START + dt.timedelta(days=draw(st.integers(0, 6)))
    cals = draw(random_calendars(start))
    names = [f"c{k}" for k in range(1, len(cals))]
    n = draw(st.integers(2, 10))
    data_date = start + dt.timedelta(days=draw(st.integers(0, 20))) if progress else None
    tasks = []
    for j in range(n):
        preds = []
        for i in draw(st.lists(st.integers(0, j - 1), max_size=3)) if j else []:
            kind = draw(st.sampled_from(["FS", "SS", "FF", "SF"]))
            preds.append(Link(f"t{i}", kind, draw(lags)))
        snet = fnet = None
        if draw(st.integers(0, 5)) == 0:
            snet = start + dt.timedelta(days=draw(st.integers(-2, 15)))
        if draw(st.integers(0, 5)) == 0:
            fnet = start + dt.timedelta(days=draw(st.integers(-2, 25)))
        fields = {}
        if alap and draw(st.integers(0, 3)) == 0:
            fields["as_late_as_possible"] = True
        hard = draw(st.integers(0, 7))
        if hard < 2 and "as_late_as_possible" not in fields:
            day = start + dt.timedelta(days=draw(st.integers(0, 20)))
            fields["mandatory_start" if hard == 0 else "mandatory_finish"] = day
        if data_date is not None:
            status = draw(st.sampled_from(["not started", "in progress", "complete"]))
            if status != "not started":
                span = (data_date - start).days
                first = draw(st.integers(0, span))
                fields["actual_start"] = start + dt.timedelta(days=first)
                if status == "complete":
                    last = draw(st.integers(first, span))
                    fields["actual_finish"] = start + dt.timedelta(days=last)
            fields["status"] = status
        tasks.append(
            Task(
                f"t{j}",
                draw(durations),
                predecessors=tuple(preds),
                calendar=draw(st.sampled_from(["", *names])),
                start_no_earlier_than=snet,
                finish_no_earlier_than=fnet,
                **fields,
            )
        )
    order = draw(st.permutations(range(n)))
    return Scenario(
        Project(
            "Random",
            start,
            calendar=cals[0],
            calendars=tuple(zip(names, cals[1:], strict=True)),
            lag_calendar=draw(st.sampled_from(["successor", "predecessor", "project"])),
            data_date=data_date,
        ),
        tuple(tasks[k] for k in order),
    )


def assert_matches_naive(plan, ref, abs_tol: float = 10 * SNAP) -> None:
    """Every offset, float and flag of the engine's schedule equals the reference's, to
    within a few SNAPs: the reference applies SNAP in every conversion, the engine only
    where it converts (not for tasks and lags on the timeline itself), which moves a
    time by at most SNAP and never across days off."""
    s = plan.scenario
    for k, tid in enumerate(s.task_ids):
        for f in FIELDS:
            assert float(getattr(plan, f)[k]) == pytest.approx(getattr(ref, f)[tid], abs=abs_tol), (
                f"{f} of {tid}"
            )
        assert bool(plan.critical[k]) == ref.critical[tid], f"critical of {tid}"
    assert plan.finish == pytest.approx(ref.finish, abs=abs_tol)


def test_naive_reference_uses_the_documented_critical_tolerance():
    """The reference's critical tolerance and day-boundary snap are the engine's (not
    imported, so checked)."""
    assert NAIVE_TOLERANCE == CRITICAL_TOLERANCE
    assert (NAIVE_SNAP, NAIVE_START_SNAP) == (SNAP, START_SNAP)


@settings(max_examples=200, deadline=None)
@given(calendar_scenarios(alap=True))
def test_random_calendar_networks_match_naive(scenario):
    """On random networks over random calendars the CPM equals the day-by-day reference."""
    assert_matches_naive(pmo_sim.schedule(scenario), naive_calendar_cpm(scenario))


@settings(max_examples=60, deadline=None)
@given(st.booleans().flatmap(lambda progress: calendar_scenarios(progress, long=True, alap=True)))
def test_long_random_calendar_networks_match_naive(scenario):
    """Far past the last holiday (where calendars repeat weekly), with or without
    progress, the CPM still equals the day-by-day reference."""
    assert_matches_naive(pmo_sim.schedule(scenario), naive_calendar_cpm(scenario))


@settings(max_examples=100, deadline=None)
@given(calendar_scenarios(), st.randoms(use_true_random=False))
def test_random_durations_argument_matches_naive(scenario, rnd):
    """Durations passed to ``schedule`` on task calendars give the reference's schedule."""
    durations = [rnd.choice([0.0, rnd.uniform(0, 8)]) for _ in scenario.tasks]
    plan = pmo_sim.schedule(scenario, durations=np.array(durations))
    assert_matches_naive(plan, naive_calendar_cpm(scenario, durations))


def test_rounding_does_not_move_a_late_start_across_days_off():
    """Found by hypothesis in CI: a lag on the successor's calendar bounds its work
    directly, so the engine and the reference rounded ``own(LF) - d`` of the critical
    t0 to +6e-15 and -2e-15: late starts of day 3 (the Sunday it starts) and of day 0.
    Work within SNAP of a whole number now converts as that number in both."""
    project = Project(
        "Random",
        START,
        calendar=Calendar("0000001"),  # Sundays; the timeline is Wed, Fri, Sat and Sun
        calendars={"c1": Calendar("0010110")},
        lag_calendar="successor",
    )
    tasks = tuple(
        Task(
            tid,
            Fixed(0),
            predecessors=preds,
            start_no_earlier_than=None if tid in ("t1", "t7") else START,
            calendar="c1" if tid == "t7" else "",
        )
        for tid, preds in (
            ("t3", ()),
            ("t2", (Link("t0", "FS", 1.0),)),
            ("t1", ()),
            ("t4", ()),
            ("t5", ()),
            ("t0", ()),
            ("t6", ()),
            ("t7", ()),
        )
    )
    s = Scenario(project, tasks)
    durations = [0.0, 6.472052866521481, 0.0, 6.45446245781247, 0.0, 3.913582074673039]
    durations += [0.05534038597413815, 7.2589705678953536]
    plan = pmo_sim.schedule(s, durations=np.array(durations))
    assert_matches_naive(plan, naive_calendar_cpm(s, durations))
    k = s.task_ids.index("t0")
    assert plan.total_float[k] == pytest.approx(0.0, abs=1e-12)
    assert plan.late_start[k] == pytest.approx(3.0, abs=1e-12)  # the Sunday it starts


@pytest.mark.parametrize("d", [4100.0, 4100.000000001, 4099.999999999])
def test_a_finish_past_the_tables_matches_the_reference(d):
    """Past the tables' ten-year span times shift back by whole weeks; work just past a
    whole number there must still finish where the whole number does (a review found
    5738 days becoming 2086 once the snap met the week shift)."""
    project = Project(
        "P", START, calendar=Calendar("all-days"), calendars={"mf": Calendar("mon-fri")}
    )
    s = Scenario(project, (Task("a", Fixed(d), calendar="mf"),))
    plan = pmo_sim.schedule(s)
    assert_matches_naive(plan, naive_calendar_cpm(s))
    assert plan.early_finish[0] == pytest.approx(5738.0, abs=10 * SNAP)  # 820 weeks, less 2 days


def test_a_finish_snapped_back_does_not_put_the_late_start_before_day_0():
    """A duration a hair over 5 days ends on Friday evening (SNAP); the late start of the
    critical task, own(LF) - d = -1e-9, must come back to Monday morning, not before
    the project start (START_SNAP is wider than SNAP for that)."""
    project = Project(
        "P", START, calendar=Calendar("all-days"), calendars={"mf": Calendar("mon-fri")}
    )
    tasks = (
        Task("a", Fixed(5.000000001), calendar="mf"),
        Task("b", Fixed(2), predecessors=("a",), calendar="mf"),
    )
    s = Scenario(project, tasks)
    plan = pmo_sim.schedule(s)
    assert_matches_naive(plan, naive_calendar_cpm(s))
    row = plan.to_dict()["tasks"]["a"]
    assert (row["early_finish"], row["late_start"]) == (5.0, 0.0)
    assert row["late_start_date"] == row["early_start_date"] == "2027-01-04"


@settings(max_examples=300, deadline=None)
@given(calendar_scenarios(), st.randoms(use_true_random=False))
def test_critical_tasks_have_their_early_dates_as_late_dates(scenario, rnd):
    """A task with no float starts and finishes late when it does early: rounding in the
    working-time conversions must not move a late date across days off (without SNAP
    this fails: a late start of -4e-16 for a critical task starting on day 2)."""
    durations = np.array(
        [rnd.choice([0.0, rnd.uniform(0, 8), float(rnd.randint(1, 5))]) for _ in scenario.tasks]
    )
    plan = pmo_sim.schedule(scenario, durations=durations)
    for k, tid in enumerate(scenario.task_ids):
        t = scenario.tasks[k]
        if t.mandatory_start is not None or t.mandatory_finish is not None:
            # Its late dates are its hard date's: a hard finish at the project start
            # after a duration of 4e-7 is 4e-7 days of negative float, not none.
            continue
        if durations[k] > 0 and abs(plan.total_float[k]) <= CRITICAL_TOLERANCE:
            # Equal up to SNAP (a day off, the failure this guards against, is 1.0).
            assert plan.late_start[k] == pytest.approx(plan.early_start[k], abs=10 * SNAP), tid
            assert plan.late_finish[k] == pytest.approx(plan.early_finish[k], abs=10 * SNAP), tid


@settings(max_examples=100, deadline=None)
@given(calendar_scenarios())
def test_scenario_timeline_matches_the_union_of_calendars(scenario):
    """``Scenario.timeline`` works exactly the days the reference's union works."""
    ref = naive_timeline(scenario)
    start = scenario.project.start
    got = scenario.timeline.start_dates(start, np.arange(-5, 60)).astype(object).tolist()
    assert got == [ref.date(k) for k in range(-5, 60)]


# --- the Monte Carlo kernel against the deterministic CPM ---------------------------------

CALENDAR_NETWORK = (
    Task("start", milestone=True),
    Task("a", Triangular(2, 4, 9), predecessors=("start",), calendar="7d"),
    Task("b", Pert(3, 5, 12), predecessors=(Link("a", "SS", 1.5),), calendar="sun-thu"),
    Task("c", Normal(5, 1.5), predecessors=(Link("a", "FF", -1),)),
    Task("d", Uniform(1, 6), predecessors=(Link("b"), Link("c", "SF", 6)), calendar="mf-hol"),
    Task("e", Triangular(1, 2, 4), predecessors=(Link("a", lag=2.5),), calendar="7d"),
    Task("m", milestone=True, predecessors=("e", Link("b", "FF", 0.5))),
    Task("f", Uniform(1, 6), predecessors=("d", "m"), calendar="sun-thu"),
    Task("g", Triangular(3, 5, 9), predecessors=(Link("c", "SS", 2),), calendar="7d"),
    Task("h", Fixed(2), predecessors=("f", "g")),
)


def _with(tasks, **project_fields) -> Scenario:
    return Scenario(project(**project_fields), tasks)


def _flag_all(tasks) -> tuple[Task, ...]:
    """The same tasks, each reported as a milestone (its finish kept every iteration)."""
    return tuple(dataclasses.replace(t, milestone=True) for t in tasks)


def _fixed(tasks) -> tuple[Task, ...]:
    """The same tasks with their most likely durations as fixed durations."""
    return tuple(dataclasses.replace(t, duration=Fixed(t.duration.deterministic)) for t in tasks)


@pytest.mark.parametrize("lag_calendar", ["successor", "predecessor", "project"])
def test_fixed_durations_give_the_cpm_in_every_iteration(lag_calendar):
    """With fixed durations every iteration finishes at the CPM finish, and a task is
    critical in all iterations or none, as the CPM says."""
    s = _with(_fixed(CALENDAR_NETWORK), lag_calendar=lag_calendar)
    plan = pmo_sim.schedule(s)
    assert_matches_naive(plan, naive_calendar_cpm(s))
    r = pmo_sim.simulate(s, iterations=300, seed=4, threads=2)
    assert np.all(r.finish_days == plan.finish)
    assert r.criticality == {
        tid: float(c) for tid, c in zip(s.task_ids, plan.critical.tolist(), strict=True)
    }


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_every_iteration_is_the_cpm_of_its_sampled_durations(sampling):
    """Each iteration's finish, task finishes and critical tasks are those of
    ``schedule(s, durations=sample_durations(...))`` for that iteration."""
    s = _with(_flag_all(CALENDAR_NETWORK), lag_calendar="predecessor")
    iterations = 200
    r = pmo_sim.simulate(s, iterations=iterations, seed=11, sampling=sampling, threads=2)
    sampled = pmo_sim.sample_durations(s, 11, sampling, 0, iterations)
    crit = np.zeros(len(s.tasks))
    for t in range(iterations):
        plan = pmo_sim.schedule(s, durations=sampled[:, t])
        assert r.finish_days[t] == pytest.approx(plan.finish, abs=1e-9)
        for tid in s.task_ids:
            k = s.task_ids.index(tid)
            assert r.milestone(tid)[t] == pytest.approx(plan.early_finish[k], abs=1e-9), tid
        crit += plan.critical
    expected = dict(zip(s.task_ids, (crit / iterations).tolist(), strict=True))
    assert r.criticality == pytest.approx(expected, abs=1e-12)


def test_sampled_iterations_match_the_day_by_day_reference():
    """A few iterations of the simulation, recomputed by the reference from their draws."""
    s = _with(_flag_all(CALENDAR_NETWORK))
    r = pmo_sim.simulate(s, iterations=40, seed=3, threads=2)
    sampled = pmo_sim.sample_durations(s, 3, None, 0, 40)
    for t in range(0, 40, 4):
        ref = naive_calendar_cpm(s, sampled[:, t])
        assert r.finish_days[t] == pytest.approx(ref.finish, abs=1e-9)
        for tid in s.task_ids:
            assert r.milestone(tid)[t] == pytest.approx(ref.early_finish[tid], abs=1e-9)


def _uncertain(s: Scenario) -> Scenario:
    """``s`` with a triangular range around every non-zero duration, every task flagged
    so its finish is kept in every iteration."""
    tasks = []
    for t in s.tasks:
        d = t.duration.deterministic
        duration = Triangular(0.5 * d, d, 1.5 * d + 1) if d > 0 else Fixed(0)
        tasks.append(dataclasses.replace(t, duration=duration, milestone=True))
    return Scenario(s.project, tuple(tasks))


@settings(max_examples=40, deadline=None)
@given(st.booleans().flatmap(lambda progress: calendar_scenarios(progress)), st.integers(0, 99))
def test_random_simulations_are_the_cpm_of_their_draws(scenario, seed):
    """On random calendar (and progress) networks every iteration's finish, task finishes
    and criticality are those of ``schedule`` on that iteration's sampled durations (with
    floats to the project finish, as the criticality index counts them: a hard date ends
    the paths into its task)."""
    s = _uncertain(scenario)
    iterations = 24
    r = pmo_sim.simulate(s, iterations=iterations, seed=seed, block_size=16, threads=2)
    sampled = pmo_sim.sample_durations(s, seed, None, 0, iterations)
    crit = np.zeros(len(s.tasks))
    for t in range(iterations):
        plan = pmo_sim.schedule(s, durations=sampled[:, t], late_constraints=False)
        assert r.finish_days[t] == pytest.approx(plan.finish, abs=1e-9)
        for k, tid in enumerate(s.task_ids):
            assert r.milestone(tid)[t] == pytest.approx(plan.early_finish[k], abs=1e-9), tid
        crit += plan.critical
    expected = dict(zip(s.task_ids, (crit / iterations).tolist(), strict=True))
    assert r.criticality == pytest.approx(expected, abs=1e-12)


SINGLE_CALENDAR_NETWORK = tuple(
    Task(
        t.id,
        t.duration,
        predecessors=t.predecessors,
        milestone=t.milestone,
        calendar="",
    )
    for t in CALENDAR_NETWORK
)


def _same_results(a, b) -> None:
    assert np.array_equal(a.finish_days, b.finish_days)
    assert np.array_equal(a.milestone_days, b.milestone_days)
    assert a.criticality == b.criticality
    for f in ("criticality", "sensitivity", "cruciality", "mean_duration", "mean_start"):
        assert np.array_equal(getattr(a.task_stats, f), getattr(b.task_stats, f)), f


def test_task_calendar_identical_to_the_project_calendar_changes_nothing():
    """Naming the project calendar explicitly on every task gives bit-identical results."""
    plain = _with(_flag_all(SINGLE_CALENDAR_NETWORK))
    named = _with(
        tuple(
            Task(t.id, t.duration, predecessors=t.predecessors, milestone=True, calendar="same")
            for t in SINGLE_CALENDAR_NETWORK
        )
    )
    a = pmo_sim.simulate(plain, iterations=2000, seed=5, threads=2)
    b = pmo_sim.simulate(named, iterations=2000, seed=5, threads=2)
    _same_results(a, b)


def test_calendar_working_the_same_days_gives_the_same_schedule():
    """A task calendar that differs from the project calendar only by a holiday on a
    Saturday (a day neither works) schedules as the project calendar does."""
    sat = {"mf-sat-hol": Calendar("mon-fri", holidays=(D(2027, 1, 9),))}
    plain = Scenario(Project("p", START), _flag_all(SINGLE_CALENDAR_NETWORK))
    other = Scenario(
        Project("p", START, calendars=sat),
        tuple(
            Task(
                t.id, t.duration, predecessors=t.predecessors, milestone=True, calendar="mf-sat-hol"
            )
            for t in SINGLE_CALENDAR_NETWORK
        ),
    )
    assert other.has_calendars  # a different object, so the calendar passes run
    a = pmo_sim.simulate(plain, iterations=2000, seed=5, threads=2)
    b = pmo_sim.simulate(other, iterations=2000, seed=5, threads=2)
    np.testing.assert_allclose(b.finish_days, a.finish_days, rtol=0, atol=1e-9)
    np.testing.assert_allclose(b.milestone_days, a.milestone_days, rtol=0, atol=1e-9)
    assert b.criticality == a.criticality


def test_results_are_independent_of_threads_and_block_size_on_calendars():
    """The calendar passes keep the engine's promise: threads and blocks change nothing."""
    s = _with(_flag_all(CALENDAR_NETWORK))
    a = pmo_sim.simulate(s, iterations=1500, seed=8, threads=1, block_size=512)
    b = pmo_sim.simulate(s, iterations=1500, seed=8, threads=2, block_size=100)
    _same_results(a, b)


def test_lagged_late_bound_rows_equal_the_lookups_bit_for_bit():
    """The backward pass bounds a predecessor through a lagged link with branch-free
    table reads when a whole row lies within the tables, else with the general lookups;
    both must give the same bits, or results would depend on how iterations are grouped."""
    from pmo_sim.scheduling.passes import push_late
    from pmo_sim.scheduling.timeline import build_tables, own_time, start_time

    calendars = [CALENDARS["mf-hol"], CALENDARS["sun-thu"], Calendar("mon-sat")]
    tables = build_tables(Calendar("all-days"), START, calendars)
    cal = tables.arrays
    rng = np.random.default_rng(3)
    m = 64
    scratch = np.empty(m)
    di = np.zeros(m)
    for g in range(len(calendars)):
        for lag in (1.0, 2.5, 0.25, -1.5):
            # Late by 10 days or more, so no bound falls before day 0 (the general
            # lookups' business); a quarter whole days (the rounding boundaries), a
            # quarter just before midnight, a quarter inside the snap window there.
            inside = rng.uniform(10.0, 70.0, m)
            inside[:16] = np.floor(inside[:16])
            inside[16:32] = np.nextafter(np.floor(inside[16:32]) + 1.0, 0.0)
            inside[32:48] = np.floor(inside[32:48]) + 1.0 - 1.5e-9
            crossing = inside.copy()
            crossing[-1] = tables.span + 40.5  # one time past the tables: general lookups
            for src in (inside, crossing):
                lfi = np.full(m, np.inf)
                push_late(cal, g, lag, False, -1, di, src, lfi, scratch, m)
                expected = [start_time(cal, g, own_time(cal, g, x) - lag) for x in src]
                assert np.array_equal(lfi, expected), (g, lag)


def test_a_compiled_calendar_scenario_pickles():
    """Dask sends the compiled model to its workers: calendars (whose numpy
    busdaycalendar cannot be pickled) must survive the trip and still compute."""
    import pickle

    from pmo_sim.engine.compile import compile_scenario

    s = _with(_flag_all(CALENDAR_NETWORK))
    cal = Calendar("mon-sat", holidays=(D(2027, 1, 6),))
    assert cal.busdaycalendar is not None  # cached before pickling
    again = pickle.loads(pickle.dumps(cal))
    assert again == cal
    # Saturday 9 works, holiday Wednesday 6 does not: the rebuilt busdaycalendar.
    assert str(again.first_working_day(D(2027, 1, 9))) == "2027-01-09"
    assert str(again.first_working_day(D(2027, 1, 6))) == "2027-01-07"
    model = pickle.loads(pickle.dumps(compile_scenario(s)))
    assert model.general is not None
