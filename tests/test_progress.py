"""Progress (a data date, actual dates, remaining durations): hand-computed schedules,
random progressed networks against the day-by-day reference in
``tests/naive_calendars.py``, and the Monte Carlo kernel against the CPM.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings

import pmo_sim
from pmo_sim import Calendar, Link, Project, Scenario, Task, Triangular, Uniform

from .naive_calendars import naive_calendar_cpm, naive_timeline
from .test_calendars import assert_matches_naive, calendar_scenarios

START = dt.date(2027, 1, 4)  # a Monday
D = dt.date
FIELDS = ("early_start", "early_finish", "late_start", "late_finish", "total_float")


def _row(plan, tid: str) -> tuple:
    k = plan.scenario.task_ids.index(tid)
    return (*(float(getattr(plan, f)[k]) for f in FIELDS), bool(plan.critical[k]))


def _dates(plan, tid: str) -> tuple[str, str]:
    doc = plan.to_dict()["tasks"][tid]
    return doc["early_start_date"], doc["early_finish_date"]


# Mon-fri only, data date Mon 11 Jan (day 5). Days 0..4 are Mon 4 - Fri 8, 5..9 Mon 11 -
# Fri 15, 10 is Mon 18.
#   a complete, actually Mon 4 - Wed 6: 0..3 (its duration of 10 is ignored).
#   b in progress since Wed 6 (day 2), 4 days remaining, FS after a: the remaining work
#     runs from the data date, 5..9 (Mon 11 - Thu 14); reported start 2.
#   c 2 days FS after b: 9..11 (Fri 15 - Mon 18).
#   d 1 day, no predecessor: from the data date, 5..6.
#   e 3 days, SS+4 after b: counts from b's actual start, 2 + 4 = 6: 6..9.
# Backward from 11: c LS 9; b LF 9, remaining work LS 5, TF 0; e LF 11, LS 8, TF 2 (its
# SS link from b's actual start bounds nothing: that start is a fact); d LS 10, TF 5;
# a is complete: TF 0, never critical.
MON_FRI = Scenario(
    Project("Progress", START, data_date=D(2027, 1, 11)),
    (
        Task("a", 10, status="complete", actual_start=D(2027, 1, 4), actual_finish=D(2027, 1, 6)),
        Task("b", 4, predecessors=("a",), status="in progress", actual_start=D(2027, 1, 6)),
        Task("c", 2, predecessors=("b",)),
        Task("d", 1),
        Task("e", 3, predecessors=(Link("b", "SS", 4),)),
    ),
)
MON_FRI_ROWS = {
    "b": (2, 9, 5, 9, 0, True),
    "c": (9, 11, 9, 11, 0, True),
    "d": (5, 6, 10, 11, 5, False),
    "e": (6, 9, 8, 11, 2, False),
}
MON_FRI_DATES = {
    "a": ("2027-01-04", "2027-01-06"),
    "b": ("2027-01-06", "2027-01-14"),
    "c": ("2027-01-15", "2027-01-18"),
    "d": ("2027-01-11", "2027-01-11"),
    "e": ("2027-01-12", "2027-01-14"),
}

# An all-days calendar beside mon-fri: the timeline works every day (day k = 4 Jan + k).
# Data date Fri 8 (day 4).
#   a complete on mon-fri, Mon 4 - Fri 8: 0..5.
#   b all-days 1, FS+1 after a (lag on b's calendar, the timeline): 6..7 (Sun 10).
#   c mon-fri 1, FS+1 after a: finish_mf(own_mf(5) + 1 = 6) = end of Mon 11 (8): c works
#     Tue 12 (8..9).
#   d all-days, in progress since Thu 7 (3), 2 days left: from the data date, 4..6.
#   e mon-fri 1, SS+2 after d counts from d's actual start on mon-fri days:
#     finish_mf(own_mf(3) + 2 = 5) = 5 (end of Fri 8); e works Mon 11 (7..8).
# Backward from 9: c TF 0; b LF 9, TF 2; e LF 9 (own 7), LS = start_mf(6) = 8, TF 1;
# d has no FS/FF successor: LF 9, remaining LS 7, TF 3.
CALENDARS = Scenario(
    Project(
        "Progress on calendars",
        START,
        calendars={"7d": Calendar("all-days")},
        data_date=D(2027, 1, 8),
    ),
    (
        Task("a", 5, status="complete", actual_start=D(2027, 1, 4), actual_finish=D(2027, 1, 8)),
        Task("b", 1, predecessors=(Link("a", lag=1),), calendar="7d"),
        Task("c", 1, predecessors=(Link("a", lag=1),)),
        Task("d", 2, calendar="7d", status="in progress", actual_start=D(2027, 1, 7)),
        Task("e", 1, predecessors=(Link("d", "SS", 2),)),
    ),
)
CALENDARS_ROWS = {
    "b": (6, 7, 8, 9, 2, False),
    "c": (8, 9, 8, 9, 0, True),
    "d": (3, 6, 7, 9, 3, False),
    "e": (7, 8, 8, 9, 1, False),
}
CALENDARS_DATES = {
    "a": ("2027-01-04", "2027-01-08"),
    "b": ("2027-01-10", "2027-01-10"),
    "c": ("2027-01-12", "2027-01-12"),
    "d": ("2027-01-07", "2027-01-09"),
    "e": ("2027-01-11", "2027-01-11"),
}

HAND_CASES = [
    ("mon-fri", MON_FRI, MON_FRI_ROWS, MON_FRI_DATES, (0, 3), 11),
    ("calendars", CALENDARS, CALENDARS_ROWS, CALENDARS_DATES, (0, 5), 9),
]


@pytest.mark.parametrize(
    ("scenario", "rows", "dates", "complete", "finish"),
    [c[1:] for c in HAND_CASES],
    ids=[c[0] for c in HAND_CASES],
)
def test_hand_computed_progress_schedule(scenario, rows, dates, complete, finish):
    """Complete tasks at their actuals, remaining work from the data date, SS links from
    a task in progress counted from its actual start, floats in own working days."""
    plan = pmo_sim.schedule(scenario)
    for tid, row in rows.items():
        got = _row(plan, tid)
        assert got[:5] == pytest.approx(row[:5], abs=1e-12), tid
        assert got[5] == row[5], tid
    a = _row(plan, "a")
    assert (a[0], a[1], a[4], a[5]) == (*complete, 0.0, False)
    assert plan.finish == finish
    for tid, want in dates.items():
        assert _dates(plan, tid) == want, tid


@pytest.mark.parametrize(
    ("scenario", "rows", "complete", "finish"),
    [(c[1], c[2], c[4], c[5]) for c in HAND_CASES],
    ids=[c[0] for c in HAND_CASES],
)
def test_naive_reference_gives_the_hand_computed_progress_answers(scenario, rows, complete, finish):
    """The day-by-day reference reproduces both hand-computed progressed schedules."""
    ref = naive_calendar_cpm(scenario)
    for tid, row in rows.items():
        got = (*(getattr(ref, f)[tid] for f in FIELDS), ref.critical[tid])
        assert got == row, tid
    assert (ref.early_start["a"], ref.early_finish["a"]) == complete
    assert (ref.total_float["a"], ref.critical["a"]) == (0.0, False)
    assert ref.finish == finish


def test_links_into_a_complete_task_are_ignored():
    """Out-of-sequence progress: a complete task keeps its actual dates although its
    predecessor has not started, and does not hold that predecessor back."""
    # Data date Wed 6 (day 2). b complete Mon 4 - Tue 5 (0..2), FS after a, which has not
    # started: a 3 days from the data date, 2..5, critical; b TF 0, not critical.
    s = Scenario(
        Project("OOS", START, data_date=D(2027, 1, 6)),
        (
            Task("a", 3),
            Task(
                "b",
                4,
                predecessors=("a",),
                status="complete",
                actual_start=D(2027, 1, 4),
                actual_finish=D(2027, 1, 5),
            ),
        ),
    )
    plan = pmo_sim.schedule(s)
    assert _row(plan, "a") == (2, 5, 2, 5, 0, True)
    b = _row(plan, "b")
    assert (b[0], b[1], b[4], b[5]) == (0, 2, 0, False)
    assert plan.finish == 5
    assert_matches_naive(plan, naive_calendar_cpm(s))


def test_actual_dates_on_non_working_days():
    """An actual start on a Sunday is the next working morning; an actual finish on a
    Sunday is the end of the working day before."""
    # Mon-fri timeline; data date Mon 11 (day 5). a complete Sun 3 Jan (before the first
    # working day: day 0) - Sun 10 Jan (end of Fri 8: 5).
    s = Scenario(
        Project("Weekend actuals", D(2027, 1, 3), data_date=D(2027, 1, 11)),
        (
            Task(
                "a",
                1,
                status="complete",
                actual_start=D(2027, 1, 3),
                actual_finish=D(2027, 1, 10),
            ),
            Task("b", 1, predecessors=("a",)),
        ),
    )
    plan = pmo_sim.schedule(s)
    assert plan.early_start.tolist() == [0, 5]
    assert plan.early_finish.tolist() == [5, 6]
    assert_matches_naive(plan, naive_calendar_cpm(s))


@settings(max_examples=200, deadline=None)
@given(calendar_scenarios(progress=True))
def test_random_progressed_networks_match_naive(scenario):
    """On random progressed networks over random calendars the CPM equals the reference."""
    assert_matches_naive(pmo_sim.schedule(scenario), naive_calendar_cpm(scenario))


@settings(max_examples=100, deadline=None)
@given(calendar_scenarios(progress=True))
def test_nothing_open_is_scheduled_before_the_data_date(scenario):
    """Every task that is not complete works its (remaining) duration from the data date
    on; complete tasks sit at their actual dates."""
    plan = pmo_sim.schedule(scenario)
    tl = naive_timeline(scenario)
    dd = tl.index_on_or_after(scenario.project.data_date)
    for k, t in enumerate(scenario.tasks):
        if t.status == "complete":
            assert plan.early_start[k] == tl.index_on_or_after(t.actual_start)
            assert not plan.critical[k]
        else:
            assert plan.early_finish[k] >= dd
            if plan.durations[k] > 0:
                assert plan.early_finish[k] > dd
            if t.status == "not started":
                assert plan.early_start[k] >= dd
            else:
                assert plan.early_start[k] == tl.index_on_or_after(t.actual_start)


# --- the Monte Carlo kernel on progressed scenarios ------------------------------------

PROGRESSED = Scenario(
    Project(
        "Progressed",
        START,
        calendars={"7d": Calendar("all-days"), "sun-thu": Calendar("sun-thu")},
        data_date=D(2027, 1, 13),
        lag_calendar="predecessor",
    ),
    (
        Task(
            "a",
            Triangular(2, 4, 7),
            milestone=True,
            status="complete",
            actual_start=D(2027, 1, 4),
            actual_finish=D(2027, 1, 9),
            calendar="7d",
        ),
        Task(
            "b",
            Triangular(1, 3, 6),
            milestone=True,
            predecessors=(Link("a", lag=1),),
            status="in progress",
            actual_start=D(2027, 1, 11),
            calendar="sun-thu",
        ),
        Task("c", Uniform(2, 5), milestone=True, predecessors=(Link("b", "SS", 2.5),)),
        Task("d", Triangular(2, 3, 8), milestone=True, predecessors=(Link("a", "FF", 4),)),
        Task("e", Uniform(1, 4), milestone=True, calendar="7d"),
        Task(
            "f",
            Triangular(1, 2, 5),
            milestone=True,
            predecessors=("b", "c", Link("d", "SF", 1)),
            calendar="sun-thu",
        ),
    ),
)


@pytest.fixture(scope="module")
def progressed_run():
    return pmo_sim.simulate(PROGRESSED, iterations=3000, seed=21, task_dates=True, threads=2)


def test_complete_tasks_are_fixed_in_every_iteration(progressed_run):
    """A complete task finishes at its actual finish in every iteration, its sampled
    duration is its actual one, and it is never critical."""
    r = progressed_run
    ref = naive_calendar_cpm(PROGRESSED)
    assert np.all(r.milestone("a") == ref.early_finish["a"])
    k = PROGRESSED.task_ids.index("a")
    assert r.task_dates.early_start[50][k] == ref.early_start["a"]
    assert r.task_dates.early_start[80][k] == ref.early_start["a"]
    sampled = pmo_sim.sample_durations(PROGRESSED, 21, None, 0, 100)
    assert np.all(sampled[k] == ref.actual_duration["a"])
    assert r.criticality["a"] == 0.0


def test_risks_on_a_complete_task_change_nothing():
    """A risk whose impact falls on a complete task does not move its actual dates."""
    s = Scenario(
        PROGRESSED.project,
        PROGRESSED.tasks,
        risks=(
            pmo_sim.Risk(
                "late",
                0.9,
                impacts=(pmo_sim.Impact(("a",), delay=Uniform(5, 10), factor=Uniform(1.5, 2)),),
            ),
        ),
    )
    r = pmo_sim.simulate(s, iterations=500, seed=3, threads=2)
    assert 0.8 < r.risk_probability("late") < 1.0
    ref = naive_calendar_cpm(s)
    assert np.all(r.milestone("a") == ref.early_finish["a"])
    # Its duration is the actual one, Mon 4 - Sat 9 on all days: 6 days.
    assert ref.actual_duration["a"] == 6
    assert np.all(pmo_sim.sample_durations(s, 3, None, 0, 50)[0] == 6)


def test_open_tasks_never_start_before_the_data_date(progressed_run):
    """Tasks not started start on or after the data date in every kept iteration; a task
    in progress is reported at its actual start and finishes after the data date."""
    r = progressed_run
    tl = naive_timeline(PROGRESSED)
    dd = tl.index_on_or_after(PROGRESSED.project.data_date)
    ids = PROGRESSED.task_ids
    for tid in ("c", "d", "e", "f"):
        k = ids.index(tid)
        assert r.task_dates.early_start[50][k] >= dd
        assert np.all(r.milestone(tid) > dd)
    k = ids.index("b")
    assert r.task_dates.early_start[50][k] == tl.index_on_or_after(D(2027, 1, 11))
    assert np.all(r.milestone("b") > dd)
    assert np.all(r.finish_days > dd)


def test_progressed_iterations_are_the_cpm_of_their_draws():
    """Every iteration of a progressed scenario is ``schedule`` of its sampled (remaining)
    durations, and a few are recomputed by the day-by-day reference."""
    iterations = 150
    r = pmo_sim.simulate(PROGRESSED, iterations=iterations, seed=2, sampling="random", threads=2)
    sampled = pmo_sim.sample_durations(PROGRESSED, 2, "random", 0, iterations)
    ids = PROGRESSED.task_ids
    crit = np.zeros(len(ids))
    for t in range(iterations):
        plan = pmo_sim.schedule(PROGRESSED, durations=sampled[:, t])
        assert r.finish_days[t] == pytest.approx(plan.finish, abs=1e-9)
        for k, tid in enumerate(ids):
            assert r.milestone(tid)[t] == pytest.approx(plan.early_finish[k], abs=1e-9)
        crit += plan.critical
        if t % 15 == 0:
            assert_matches_naive(plan, naive_calendar_cpm(PROGRESSED, sampled[:, t]))
    assert r.criticality == pytest.approx(
        dict(zip(ids, (crit / iterations).tolist(), strict=True)), abs=1e-12
    )


# Deadline probabilities. Mon-fri task b beside an all-days calendar (timeline: every
# day), data date Mon 11 Jan (day 7); b is in progress with Uniform(2, 6) working days
# left, so it finishes at the end of its ceil(U)-th working day from Mon 11 (own_mf at
# the data date is 5). A deadline at the end of a date allows U <= own_mf(end of date) - 5:
DEADLINES = [
    (D(2027, 1, 12), 0.0),  # Tue: 2 days, P(U <= 2) = 0
    (D(2027, 1, 13), 0.25),  # Wed: 3 days
    (D(2027, 1, 14), 0.5),  # Thu: 4 days
    (D(2027, 1, 15), 0.75),  # Fri: 5 days
    (D(2027, 1, 16), 0.75),  # Sat: still 5 of b's days
    (D(2027, 1, 17), 0.75),  # Sun
    (D(2027, 1, 18), 1.0),  # Mon: 6 days
]
REMAINING = Scenario(
    Project(
        "Deadline",
        START,
        calendars={"7d": Calendar("all-days")},
        data_date=D(2027, 1, 11),
        deadline=D(2027, 1, 14),
    ),
    (
        Task(
            "a",
            3,
            status="complete",
            actual_start=D(2027, 1, 4),
            actual_finish=D(2027, 1, 9),
            calendar="7d",
        ),
        Task(
            "b",
            Uniform(2, 6),
            predecessors=("a",),
            status="in progress",
            actual_start=D(2027, 1, 10),
        ),
    ),
)


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_deadline_probabilities_follow_the_remaining_duration(sampling):
    """P(finish by a date) is the chance the remaining work fits in the task's own
    working days to that date, within 4 standard errors, and counts iteration dates."""
    n = 20_000
    r = pmo_sim.simulate(REMAINING, iterations=n, seed=13, sampling=sampling, threads=2)
    tl = naive_timeline(REMAINING)
    values, counts = np.unique(r.finish_days, return_counts=True)
    dates = [tl.finish_date(v) for v in values]
    previous = 0.0
    for day, p in DEADLINES:
        got = r.probability_by(day)
        se = math.sqrt(max(p * (1 - p), 1 / n) / n)
        assert abs(got - p) <= 4 * se, (day, got, p)
        # The same count from the reference's date of every iteration's finish.
        by_dates = sum(c for d, c in zip(dates, counts, strict=True) if d <= day) / n
        assert got == by_dates
        assert got >= previous
        previous = got
    assert r.probability_by(REMAINING.project.deadline) == r.probability_by(D(2027, 1, 14))


def test_open_work_is_not_dated_before_the_data_date():
    """A milestone waiting only on complete work sits at the data date's offset, which is
    also the end of the working day before it; open work cannot have happened before the
    data date, so it is dated the data date and a deadline before it is missed."""
    s = Scenario(
        Project("ms", START, data_date=D(2027, 1, 11), deadline=D(2027, 1, 8)),  # Mon 11
        (
            Task("a", 3, status="complete", actual_start=START, actual_finish=D(2027, 1, 6)),
            Task("m", None, milestone=True, predecessors=("a",)),
        ),
    )
    plan = pmo_sim.schedule(s)
    rows = plan.to_dict()["tasks"]
    assert rows["m"]["early_finish"] == 5.0  # Mon 11 morning = end of Fri 8
    assert rows["m"]["early_start_date"] == rows["m"]["early_finish_date"] == "2027-01-11"
    assert rows["a"]["early_finish_date"] == "2027-01-06"  # a fact, left as it is
    assert plan.finish_date == D(2027, 1, 11)
    r = pmo_sim.simulate(s, iterations=64, seed=1, threads=1)
    assert r.percentile_date(50) == D(2027, 1, 11)
    assert r.probability_by(D(2027, 1, 8)) == 0.0
    assert r.probability_by(D(2027, 1, 11)) == 1.0
    assert r.to_dict()["milestones"]["m"]["percentiles"]["50"]["date"] == "2027-01-11"


def test_a_milestone_done_on_one_day_is_an_instant():
    """Marking a start milestone complete on its forecast day changes nothing: it is an
    instant at that morning, not a day's work, and its successor starts the same day."""
    planned = Scenario(
        Project("m", START, data_date=START),
        (Task("s", None, milestone=True), Task("b", 2, predecessors=("s",))),
    )
    done = Scenario(
        Project("m", START, data_date=START),
        (
            Task(
                "s",
                None,
                milestone=True,
                status="complete",
                actual_start=START,
                actual_finish=START,
            ),
            Task("b", 2, predecessors=("s",)),
        ),
    )
    for s in (planned, done):
        rows = pmo_sim.schedule(s).to_dict()["tasks"]
        assert (rows["s"]["early_start"], rows["s"]["early_finish"]) == (0.0, 0.0)
        assert (rows["b"]["early_start_date"], rows["b"]["early_finish_date"]) == (
            "2027-01-04",
            "2027-01-05",
        )
        ref = naive_calendar_cpm(s)
        assert (ref.early_finish["s"], ref.early_finish["b"]) == (0.0, 2.0)


def test_deterministic_cost_takes_a_complete_tasks_actual_duration():
    """A complete task costs its rate times its actual duration, in the deterministic
    plan as in the simulation, whatever duration it still carries."""
    from pmo_sim import TaskCost

    for duration in (None, 20):
        s = Scenario(
            Project("c", START, data_date=D(2027, 1, 18), calendars={"six": Calendar("mon-sat")}),
            (
                # Mon 4 to Sat 16 on a Monday-to-Saturday calendar: 12 working days.
                Task(
                    "a",
                    duration,
                    calendar="six",
                    status="complete",
                    actual_start=START,
                    actual_finish=D(2027, 1, 16),
                    cost=TaskCost(fixed=0, per_day=1000),
                ),
            ),
        )
        r = pmo_sim.simulate(s, iterations=64, seed=1, threads=1)
        assert r.deterministic_cost == 12000.0
        assert np.all(r.cost == 12000.0)
