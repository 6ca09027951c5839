"""Deterministic CPM: hand-computed schedules for every link type and lag sign, dates via
the calendar, and random networks against the naive relaxation in ``tests/naive.py``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pmo_sim
from pmo_sim import CRITICAL_TOLERANCE, Calendar, Link, Project, Scenario, Task, Triangular

from .naive import naive_cpm, scenario_inputs

START = dt.date(2027, 1, 4)  # a Monday
PROJECT = Project(name="CPM", start=START)
FIELDS = ("early_start", "early_finish", "late_start", "late_finish", "total_float", "free_float")


def _plan_dict(plan) -> dict[str, dict[str, float]]:
    """The schedule as {field: {task id: value}}."""
    ids = plan.scenario.task_ids
    return {f: dict(zip(ids, getattr(plan, f).tolist(), strict=True)) for f in FIELDS}


def assert_schedule(plan, expected: dict[str, tuple], finish: float) -> None:
    """Compare with hand-computed rows ``id: (ES, EF, LS, LF, total float, free float)``."""
    got = _plan_dict(plan)
    for tid, row in expected.items():
        actual = tuple(got[f][tid] for f in FIELDS)
        assert actual == pytest.approx(row, abs=1e-12), f"task {tid}: (ES, EF, LS, LF, TF, FF)"
    assert plan.finish == pytest.approx(finish, abs=1e-12)


def two_tasks(kind: str, lag: float, d_a: float = 4, d_b: float = 3) -> Scenario:
    """a (d_a days) --kind, lag--> b (d_b days)."""
    return Scenario(PROJECT, (Task("a", d_a), Task("b", d_b, predecessors=(Link("a", kind, lag),))))


# Every row: link, lag, expected {id: (ES, EF, LS, LF, TF, FF)}, finish.
# a lasts 4 days, b 3 days.
TWO_TASK_CASES = [
    # FS 0: b starts when a ends: b 4..7; finish 7; both critical.
    ("FS", 0, {"a": (0, 4, 0, 4, 0, 0), "b": (4, 7, 4, 7, 0, 0)}, 7),
    # FS +2: b 4+2=6..9; backward LF_a <= LS_b - 2 = 4.
    ("FS", 2, {"a": (0, 4, 0, 4, 0, 0), "b": (6, 9, 6, 9, 0, 0)}, 9),
    # FS -1.5 (a lead): b 4-1.5=2.5..5.5; LF_a <= 2.5 + 1.5 = 4.
    ("FS", -1.5, {"a": (0, 4, 0, 4, 0, 0), "b": (2.5, 5.5, 2.5, 5.5, 0, 0)}, 5.5),
    # FS 0.25: b 4.25..7.25.
    ("FS", 0.25, {"a": (0, 4, 0, 4, 0, 0), "b": (4.25, 7.25, 4.25, 7.25, 0, 0)}, 7.25),
    # SS 0: b 0..3; finish max(4, 3) = 4; b LF 4, LS 1, TF 1, FF = 4 - 3 = 1.
    # a: LS_a <= LS_b - 0 = 1 -> LF_a <= 5, capped by finish 4 -> TF 0;
    #    FF_a = min(ES_b - 0 - ES_a = 0, 4 - 4 = 0) = 0.
    ("SS", 0, {"a": (0, 4, 0, 4, 0, 0), "b": (0, 3, 1, 4, 1, 1)}, 4),
    # SS +2: b 2..5; finish 5. a: LS_a <= LS_b - 2 = 0 -> LF 4, TF 0; FF = 2 - 2 - 0 = 0.
    ("SS", 2, {"a": (0, 4, 0, 4, 0, 0), "b": (2, 5, 2, 5, 0, 0)}, 5),
    # SS -1: b would start at -1, but nothing starts before 0: b 0..3, finish 4, b TF 1.
    # a: LS_a <= LS_b + 1 = 2 -> LF_a <= 6, capped at 4: TF 0;
    #    FF_a = min(ES_b + 1 - ES_a = 1, 4 - 4 = 0) = 0.
    ("SS", -1, {"a": (0, 4, 0, 4, 0, 0), "b": (0, 3, 1, 4, 1, 1)}, 4),
    # SS 1.5: b 1.5..4.5; finish 4.5. a: LF <= min(4.5, LS_b - 1.5 + 4 = 4) = 4; TF 0.
    #    FF_a = min(1.5 - 1.5 - 0 = 0, 4.5 - 4 = 0.5) = 0.
    ("SS", 1.5, {"a": (0, 4, 0, 4, 0, 0), "b": (1.5, 4.5, 1.5, 4.5, 0, 0)}, 4.5),
    # FF 0: EF_b >= EF_a = 4 -> b 1..4; finish 4; LF_a <= LF_b - 0 = 4: all critical.
    ("FF", 0, {"a": (0, 4, 0, 4, 0, 0), "b": (1, 4, 1, 4, 0, 0)}, 4),
    # FF +1: EF_b >= 5 -> b 2..5; finish 5; LF_a <= 5 - 1 = 4.
    ("FF", 1, {"a": (0, 4, 0, 4, 0, 0), "b": (2, 5, 2, 5, 0, 0)}, 5),
    # FF -2: EF_b >= 2 -> ES_b >= -1, so b 0..3; finish 4; b LF 4, TF 1, FF 1.
    # a: LF_a <= LF_b + 2 = 6, capped at 4: TF 0; FF_a = min(EF_b + 2 - EF_a = 1, 0) = 0.
    ("FF", -2, {"a": (0, 4, 0, 4, 0, 0), "b": (0, 3, 1, 4, 1, 1)}, 4),
    # FF 0.5: EF_b >= 4.5 -> b 1.5..4.5; finish 4.5; LF_a <= 4.5 - 0.5 = 4: TF 0;
    #    FF_a = min(4.5 - 0.5 - 4 = 0, 4.5 - 4 = 0.5) = 0.
    ("FF", 0.5, {"a": (0, 4, 0, 4, 0, 0), "b": (1.5, 4.5, 1.5, 4.5, 0, 0)}, 4.5),
    # SF 0: EF_b >= ES_a = 0 -> b 0..3; finish 4; b TF 1, FF 1.
    # a: LS_a <= LF_b - 0 = 4 -> LF_a <= 8, capped at 4: TF 0;
    #    FF_a = min(EF_b - 0 - ES_a = 3, 0) = 0.
    ("SF", 0, {"a": (0, 4, 0, 4, 0, 0), "b": (0, 3, 1, 4, 1, 1)}, 4),
    # SF +6: EF_b >= 6 -> b 3..6; finish 6; LS_a <= 6 - 6 = 0 -> a 0..4 critical.
    ("SF", 6, {"a": (0, 4, 0, 4, 0, 0), "b": (3, 6, 3, 6, 0, 0)}, 6),
    # SF +5.5: EF_b >= 5.5 -> b 2.5..5.5; finish 5.5; LS_a <= 5.5 - 5.5 = 0 -> a critical,
    #    FF_a = min(5.5 - 5.5 - 0 = 0, 5.5 - 4 = 1.5) = 0.
    ("SF", 5.5, {"a": (0, 4, 0, 4, 0, 0), "b": (2.5, 5.5, 2.5, 5.5, 0, 0)}, 5.5),
    # SF -1: EF_b >= -1 -> b 0..3 (start bound); finish 4; b TF 1.
    # a: LS_a <= LF_b + 1 = 5 -> LF_a <= 9, capped at 4.
    ("SF", -1, {"a": (0, 4, 0, 4, 0, 0), "b": (0, 3, 1, 4, 1, 1)}, 4),
]


@pytest.mark.parametrize(
    ("kind", "lag", "expected", "finish"),
    TWO_TASK_CASES,
    ids=[f"{k}{lag:+g}" for k, lag, _, _ in TWO_TASK_CASES],
)
def test_two_task_link(kind, lag, expected, finish):
    """Two tasks joined by one link give the hand-computed dates and floats."""
    assert_schedule(pmo_sim.schedule(two_tasks(kind, lag)), expected, finish)


@pytest.mark.parametrize(
    ("kind", "lag", "expected", "finish"),
    TWO_TASK_CASES,
    ids=[f"{k}{lag:+g}" for k, lag, _, _ in TWO_TASK_CASES],
)
def test_naive_reference_gives_the_hand_computed_answers(kind, lag, expected, finish):
    """The naive relaxation itself reproduces every hand-computed two-task schedule."""
    naive = naive_cpm({"a": 4.0, "b": 3.0}, [("a", "b", kind, float(lag))])
    for tid, row in expected.items():
        got = tuple(getattr(naive, f)[tid] for f in FIELDS)
        assert got == pytest.approx(row, abs=1e-12), tid
    assert naive.finish == finish


def test_ss_link_where_the_predecessor_has_float():
    """An SS link from a short task to a long one leaves float on the short predecessor."""
    # a 2 days --SS+1--> b 6 days. b 1..7; finish 7.
    # a: LS_a <= LS_b - 1 = 0 -> LF_a <= 2; TF 0 (a drives b's start).
    # FF_a = min(ES_b - 1 - ES_a = 0, 7 - 2 = 5) = 0.
    plan = pmo_sim.schedule(two_tasks("SS", 1, d_a=2, d_b=6))
    assert_schedule(plan, {"a": (0, 2, 0, 2, 0, 0), "b": (1, 7, 1, 7, 0, 0)}, 7)


def test_sf_link_where_the_predecessor_has_float():
    """An SF link leaves the predecessor float when the successor's finish is not tight."""
    # a 4 days --SF+2--> b 1 day. EF_b >= ES_a + 2 = 2 -> b 1..2; finish max(4, 2) = 4.
    # b: LF 4, LS 3, TF 2, FF 4 - 2 = 2.
    # a: LS_a <= LF_b - 2 = 2 -> LF_a <= 6, capped at 4 -> TF 0; FF_a = min(2 - 2 - 0, 0) = 0.
    plan = pmo_sim.schedule(two_tasks("SF", 2, d_a=4, d_b=1))
    assert_schedule(plan, {"a": (0, 4, 0, 4, 0, 0), "b": (1, 2, 3, 4, 2, 2)}, 4)


def test_ff_link_pulls_a_short_predecessor_late():
    """An FF link to a critical successor gives a short predecessor total float."""
    # x 10 days --FS--> y 2 days; a 3 days --FF+0--> y.
    # x 0..10, y 10..12 (FF needs EF_y >= 3: already met), a 0..3; finish 12.
    # y LF 12, LS 10. a: LF_a <= LF_y - 0 = 12 -> LS 9, TF 9;
    #   FF_a = min(EF_y - 0 - EF_a = 12 - 3 = 9, 12 - 3 = 9) = 9.
    s = Scenario(
        PROJECT,
        (
            Task("x", 10),
            Task("a", 3),
            Task("y", 2, predecessors=("x", Link("a", "FF"))),
        ),
    )
    assert_schedule(
        pmo_sim.schedule(s),
        {"x": (0, 10, 0, 10, 0, 0), "a": (0, 3, 9, 12, 9, 9), "y": (10, 12, 10, 12, 0, 0)},
        12,
    )


def test_free_float_differs_from_total_float_in_a_chain():
    """In a non-critical chain the first task has total float but no free float."""
    # a 10 days; b 2 days --FS--> c 3 days; a and c --FS--> end (milestone).
    # a 0..10, b 0..2, c 2..5, end 10..10; finish 10.
    # end LF 10; c LF 10, LS 7, TF 5; b LF <= LS_c = 7, LS 5, TF 5.
    # FF_b = ES_c - EF_b = 0; FF_c = ES_end - EF_c = 5; FF_a = 0.
    s = Scenario(
        PROJECT,
        (
            Task("a", 10),
            Task("b", 2),
            Task("c", 3, predecessors=("b",)),
            Task("end", milestone=True, predecessors=("a", "c")),
        ),
    )
    assert_schedule(
        pmo_sim.schedule(s),
        {
            "a": (0, 10, 0, 10, 0, 0),
            "b": (0, 2, 5, 7, 5, 0),
            "c": (2, 5, 7, 10, 5, 5),
            "end": (10, 10, 10, 10, 0, 0),
        },
        10,
    )


def test_diamond_with_fractional_lag():
    """A diamond with a fractional lag on the short branch leaves that branch 0.5 float."""
    # a 3 --FS--> b 2 --FS--> d 4; a --FS--> c 1 --FS+0.5--> d.
    # a 0..3, b 3..5, c 3..4, d ES = max(5, 4 + 0.5) = 5 -> 5..9; finish 9.
    # d LS 5; b LF 5, LS 3; c LF <= 5 - 0.5 = 4.5, LS 3.5, TF 0.5, FF = 5 - 0.5 - 4 = 0.5.
    # a LF <= min(LS_b, LS_c) = 3.
    s = Scenario(
        PROJECT,
        (
            Task("a", 3),
            Task("b", 2, predecessors=("a",)),
            Task("c", 1, predecessors=("a",)),
            Task("d", 4, predecessors=("b", Link("c", lag=0.5))),
        ),
    )
    plan = pmo_sim.schedule(s)
    assert_schedule(
        plan,
        {
            "a": (0, 3, 0, 3, 0, 0),
            "b": (3, 5, 3, 5, 0, 0),
            "c": (3, 4, 3.5, 4.5, 0.5, 0.5),
            "d": (5, 9, 5, 9, 0, 0),
        },
        9,
    )
    assert plan.critical.tolist() == [True, True, False, True]
    assert plan.critical_paths() == [["a", "b", "d"]]


def test_two_links_between_the_same_pair_both_count():
    """A ladder (SS and FF between the same tasks) applies both constraints."""
    # a 4 --SS+1--> b 3 and a --FF+2--> b.
    # SS: ES_b >= 1; FF: EF_b >= 4 + 2 = 6 -> ES_b >= 3. b 3..6; finish 6.
    # a: SS: LS_a <= LS_b - 1 = 2 -> LF_a <= 6; FF: LF_a <= LF_b - 2 = 4 -> LF_a = 4, TF 0.
    # FF_a = min(SS slack 3 - 1 - 0 = 2, FF slack 6 - 2 - 4 = 0, 6 - 4 = 2) = 0.
    s = Scenario(
        PROJECT,
        (Task("a", 4), Task("b", 3, predecessors=(Link("a", "SS", 1), Link("a", "FF", 2)))),
    )
    assert_schedule(pmo_sim.schedule(s), {"a": (0, 4, 0, 4, 0, 0), "b": (3, 6, 3, 6, 0, 0)}, 6)


def test_file_order_need_not_be_topological():
    """Tasks listed before their predecessors are scheduled the same, reported in file order."""
    # c 1 <-FS- b 2 <-FS- a 3: a 0..3, b 3..5, c 5..6.
    s = Scenario(
        PROJECT,
        (
            Task("c", 1, predecessors=("b",)),
            Task("b", 2, predecessors=("a",)),
            Task("a", 3),
        ),
    )
    plan = pmo_sim.schedule(s)
    assert plan.early_start.tolist() == [5, 3, 0]
    assert plan.durations.tolist() == [1, 2, 3]
    assert plan.finish == 6


def test_start_no_earlier_than_delays_a_task():
    """A start-no-earlier-than date holds a task back to that date's working-day offset."""
    # Start Mon 2027-01-04. SNET Wed 2027-01-06 is day 2; SNET Sat 2027-01-09 rolls to
    # Mon 2027-01-11, day 5; SNET before the project start has no effect (day 0).
    s = Scenario(
        PROJECT,
        (
            Task("wed", 2, start_no_earlier_than=dt.date(2027, 1, 6)),
            Task("sat", 1, start_no_earlier_than=dt.date(2027, 1, 9)),
            Task("early", 1, start_no_earlier_than=dt.date(2026, 12, 1)),
            Task("after", 1, predecessors=("wed",), start_no_earlier_than=dt.date(2027, 1, 5)),
        ),
    )
    plan = pmo_sim.schedule(s)
    # wed 2..4; sat 5..6; early 0..1; after max(EF_wed = 4, SNET day 1) = 4..5. finish 6.
    assert plan.early_start.tolist() == [2, 5, 0, 4]
    assert plan.finish == 6
    # The constraint only bounds the early dates: late dates come from the finish.
    # after: LF 6, LS 5 -> wed LF 5, LS 3, TF 1.
    assert plan.late_start.tolist() == [3, 5, 5, 5]


def test_durations_argument_overrides_most_likely_values():
    """``schedule(s, durations)`` uses the given durations, in the scenario's task order."""
    s = Scenario(
        PROJECT,
        (
            Task("c", Triangular(1, 2, 3), predecessors=("b",)),
            Task("b", Triangular(1, 2, 3), predecessors=("a",)),
            Task("a", Triangular(1, 2, 3)),
        ),
    )
    # c 7 days, b 5, a 1: a 0..1, b 1..6, c 6..13.
    plan = pmo_sim.schedule(s, durations=np.array([7.0, 5.0, 1.0]))
    assert plan.early_start.tolist() == [6, 1, 0]
    assert plan.finish == 13


def test_milestone_only_project():
    """A project of one start milestone finishes at 0, on its first working day."""
    s = Scenario(Project("m", dt.date(2027, 1, 2)), (Task("go", milestone=True),))
    plan = pmo_sim.schedule(s)
    assert plan.finish == 0
    assert plan.finish_date == dt.date(2027, 1, 4)  # Sat 2 Jan rolls to Mon 4 Jan
    assert plan.critical.tolist() == [True]


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "expected"),
    [
        # mon-fri from Mon 2027-01-04: a 0..5 is Mon 4 - Fri 8; b 5..12 is Mon 11 - Tue 19.
        (Calendar(), START, ("2027-01-04", "2027-01-08", "2027-01-11", "2027-01-19")),
        # a holiday on Wed 2027-01-13 moves b's finish (day 11) to Wed 20.
        (
            Calendar(holidays=(dt.date(2027, 1, 13),)),
            START,
            ("2027-01-04", "2027-01-08", "2027-01-11", "2027-01-20"),
        ),
        # all-days from Fri 2027-01-01: a days 0-4 = Jan 1-5; b days 5-11 = Jan 6-12.
        (
            Calendar("all-days"),
            dt.date(2027, 1, 1),
            ("2027-01-01", "2027-01-05", "2027-01-06", "2027-01-12"),
        ),
        # mon-fri starting on Sat 2027-01-02 rolls to Mon 4 Jan: as the first case.
        (
            Calendar(),
            dt.date(2027, 1, 2),
            ("2027-01-04", "2027-01-08", "2027-01-11", "2027-01-19"),
        ),
    ],
    ids=["mon-fri", "holiday", "all-days", "weekend-start"],
)
def test_dates_follow_the_calendar(calendar, start, expected):
    """Start dates are working day floor(ES), finish dates working day ceil(EF) - 1."""
    s = Scenario(
        Project("d", start, calendar=calendar),
        (Task("a", 5), Task("b", 7, predecessors=("a",))),
    )
    doc = pmo_sim.schedule(s).to_dict()
    a, b = doc["tasks"]["a"], doc["tasks"]["b"]
    got = (a["early_start_date"], a["early_finish_date"], b["early_start_date"])
    assert (*got, b["early_finish_date"]) == expected
    assert doc["finish"]["date"] == expected[-1]


def test_fractional_dates():
    """A task from 2.5 to 4.25 starts on day 2 and ends on day 4 (ceil(4.25) - 1)."""
    # a 2.5 days, b 1.75 days FS: b 2.5..4.25. From Mon 2027-01-04: day 2 = Wed 6,
    # day 4 = Fri 8.
    s = Scenario(PROJECT, (Task("a", 2.5), Task("b", 1.75, predecessors=("a",))))
    b = pmo_sim.schedule(s).to_dict()["tasks"]["b"]
    assert (b["early_start_date"], b["early_finish_date"]) == ("2027-01-06", "2027-01-08")


def test_issue_example_schedule(issue_plan):
    """The issue example: design 0..30, build 30..70, permit 0..12 with 25 days float."""
    # build: ES = max(EF_design = 30 [FS], ES_permit + 5 = 5 [SS]) = 30, EF 70.
    # permit: LS <= LS_build - 5 = 25 -> LF 37, TF 25; FF = 30 - 5 - 0 = 25.
    assert_schedule(
        issue_plan,
        {
            "design": (0, 30, 0, 30, 0, 0),
            "build": (30, 70, 30, 70, 0, 0),
            "permit": (0, 12, 25, 37, 25, 25),
        },
        70,
    )
    assert issue_plan.critical_paths() == [["design", "build"]]


@pytest.fixture
def issue_plan():
    from .conftest import DATA

    return pmo_sim.schedule(pmo_sim.load(DATA / "issue_example.toml"))


# --- random networks against the naive relaxation ----------------------------------------

LAGS = st.one_of(
    st.integers(-3, 5).map(float),
    st.sampled_from([-2.5, -0.5, 0.25, 1.5, 3.75]),
    st.floats(-3, 5, allow_nan=False),
)
DURATIONS = st.one_of(
    st.integers(0, 10).map(float), st.just(0.0), st.floats(0, 10, allow_nan=False)
)


@st.composite
def random_networks(draw):
    """A random DAG of 5-25 tasks in shuffled file order, with any link types and lags."""
    n = draw(st.integers(5, 25))
    durations = [draw(DURATIONS) for _ in range(n)]
    preds: list[list[Link]] = [[] for _ in range(n)]
    for j in range(1, n):
        for i in draw(st.lists(st.integers(0, j - 1), max_size=3)):
            kind = draw(st.sampled_from(["FS", "SS", "FF", "SF"]))
            preds[j].append(Link(f"t{i}", kind, draw(LAGS)))
    order = draw(st.permutations(range(n)))
    tasks = tuple(Task(f"t{k}", durations[k], predecessors=tuple(preds[k])) for k in order)
    return Scenario(PROJECT, tasks)


def _check_against_naive(plan, naive) -> None:
    got = _plan_dict(plan)
    for f in FIELDS:
        want = getattr(naive, f)
        for tid, value in got[f].items():
            assert value == pytest.approx(want[tid], abs=1e-9), f"{f} of {tid}"
    assert plan.finish == pytest.approx(naive.finish, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(random_networks())
def test_random_networks_match_naive(scenario):
    """On random DAGs the CPM equals the naive relaxation on every date and float."""
    plan = pmo_sim.schedule(scenario)
    _check_against_naive(plan, naive_cpm(*scenario_inputs(scenario)))


@settings(max_examples=30, deadline=None)
@given(random_networks(), st.randoms(use_true_random=False))
def test_random_durations_argument_matches_naive(scenario, rnd):
    """Durations passed to ``schedule`` (task order) give the naive schedule for them."""
    durations = [rnd.uniform(0, 12) for _ in scenario.tasks]
    plan = pmo_sim.schedule(scenario, durations=np.array(durations))
    _check_against_naive(plan, naive_cpm(*scenario_inputs(scenario, durations)))


@settings(max_examples=60, deadline=None)
@given(random_networks())
def test_random_network_invariants(scenario):
    """Floats are non-negative, free <= total, critical means zero float, links hold."""
    plan = pmo_sim.schedule(scenario)
    tol = 1e-9
    tf, ff = plan.total_float, plan.free_float
    assert (tf >= -tol).all()
    assert (ff >= -tol).all()
    assert (ff <= tf + tol).all()
    assert (np.abs(tf[plan.critical]) <= CRITICAL_TOLERANCE).all()
    assert plan.critical.any()
    assert (plan.early_start >= 0).all()
    assert np.allclose(plan.early_finish, plan.early_start + plan.durations, atol=1e-12)
    assert np.allclose(plan.late_finish, plan.late_start + plan.durations, atol=1e-12)
    assert plan.finish == pytest.approx(plan.early_finish.max())
    assert (plan.late_finish <= plan.finish + tol).all()
    index = {tid: k for k, tid in enumerate(scenario.task_ids)}
    es, ef = plan.early_start, plan.early_finish
    for j, task in enumerate(scenario.tasks):
        for link in task.predecessors:
            i = index[link.predecessor]
            start_or_finish = {"S": es[i], "F": ef[i]}[link.type[0]]
            successor_end = {"S": es[j], "F": ef[j]}[link.type[1]]
            assert successor_end >= start_or_finish + link.lag - tol, (link, task.id)


# Finish-no-earlier-than and as-late-as-possible -------------------------------------------


def _constrained(**b) -> Scenario:
    """a (5 days) -> b (2 days, with ``b``'s fields) -> c (1 day); a -> long (12) -> c."""
    return Scenario(
        PROJECT,
        (
            Task("a", 5),
            Task("b", 2, predecessors=(Link("a"),), **b),
            Task("long", 12, predecessors=(Link("a"),)),
            Task("c", 1, predecessors=(Link("b"), Link("long"))),
        ),
    )


def test_finish_no_earlier_than_holds_the_finish_by_hand():
    """b may finish on day 7 (Tuesday 12 January) by logic; not before the end of
    Wednesday 20 January (13 working days from Monday 4 January): its two days start
    on Tuesday 19th, and the path through 'long' (finish day 17) still drives c."""
    plan = pmo_sim.schedule(_constrained(finish_no_earlier_than=dt.date(2027, 1, 20)))
    k = plan.scenario.task_ids.index("b")
    assert (plan.early_start[k], plan.early_finish[k]) == (11.0, 13.0)
    assert str(plan.dates()["early_start"][k]) == "2027-01-19"
    assert plan.finish == 18.0
    # Past the other path's finish it drives the project: c waits for it.
    late = pmo_sim.schedule(_constrained(finish_no_earlier_than=dt.date(2027, 1, 29)))
    # Friday 29 January ends working day 20; c follows on day 21.
    assert late.finish == 21.0 and late.critical[late.scenario.task_ids.index("b")]


def test_finish_no_earlier_than_holds_in_every_iteration():
    """Whatever duration an iteration draws, the task finishes no earlier than the end
    of its date: a short draw waits, a long one finishes later."""
    s = Scenario(
        PROJECT,
        (
            Task("a", 5),
            Task(
                "b",
                Triangular(1, 4, 12),
                predecessors=(Link("a"),),
                finish_no_earlier_than=dt.date(2027, 1, 15),
                milestone=True,
            ),
        ),
    )
    r = pmo_sim.simulate(s, 4000, 5)
    d = pmo_sim.sample_durations(s, 5, None, 0, 4000)[1]
    np.testing.assert_array_equal(r.milestone("b"), np.maximum(10.0, 5.0 + d))
    assert r.finish_days.min() == 10.0


def test_as_late_as_possible_uses_free_float_by_hand():
    """b has 10 days of float before c, which 'long' drives: as late as possible it runs
    on days 15-17 (Monday 25 - Tuesday 26 January), taking no float from anyone else."""
    asap = pmo_sim.schedule(_constrained())
    plan = pmo_sim.schedule(_constrained(as_late_as_possible=True))
    k = plan.scenario.task_ids.index("b")
    assert (plan.early_start[k], plan.early_finish[k]) == (15.0, 17.0)
    assert (plan.free_float[k], plan.total_float[k]) == (0.0, 0.0)
    assert (asap.free_float[k], asap.total_float[k]) == (10.0, 10.0)
    others = [i for i, t in enumerate(plan.scenario.task_ids) if t != "b"]
    np.testing.assert_array_equal(plan.early_finish[others], asap.early_finish[others])
    assert plan.finish == asap.finish
    assert [str(x) for x in plan.dates()["early_start"][[k]]] == ["2027-01-25"]


def test_constraints_survive_the_scenario_file(tmp_path):
    """finish_no_earlier_than and as_late_as_possible are read and written by TOML."""
    from pmo_sim.io.toml_writer import dumps

    s = _constrained(finish_no_earlier_than=dt.date(2027, 1, 20), as_late_as_possible=True)
    path = tmp_path / "s.toml"
    path.write_text(dumps(s))
    back = pmo_sim.load(path)
    assert back.task("b").finish_no_earlier_than == dt.date(2027, 1, 20)
    assert back.task("b").as_late_as_possible is True
    assert back.task("a").as_late_as_possible is False


def test_a_mandatory_date_overrides_the_logic_by_hand():
    """A mandatory start on Wednesday 6 January (day 2) holds b there although a finishes
    on day 5; a mandatory finish at the end of Wednesday puts b on days 1-3. c follows b;
    a, no longer bound by b, drives the finish alone."""
    start = pmo_sim.schedule(_constrained(mandatory_start=dt.date(2027, 1, 6)))
    finish = pmo_sim.schedule(_constrained(mandatory_finish=dt.date(2027, 1, 6)))
    k = start.scenario.task_ids.index("b")
    assert (start.early_start[k], start.early_finish[k]) == (2.0, 4.0)
    assert (finish.early_start[k], finish.early_finish[k]) == (1.0, 3.0)
    assert start.finish == finish.finish == 18.0  # a (5) + long (12) + c (1)
    with pytest.raises(ValueError, match="exclude each other"):
        Task("x", 1, mandatory_start=START, mandatory_finish=START)
    with pytest.raises(ValueError, match="'as_late_as_possible' and a mandatory date"):
        Task("x", 1, mandatory_start=START, as_late_as_possible=True)


def test_a_mandatory_start_holds_in_every_iteration():
    """However long its predecessor runs in an iteration, the task starts on its date.
    The criticality index counts paths to the project finish: the hard date ends the
    path through its link, so each of the two is critical exactly where it finishes
    last (the deterministic schedule's late dates are another matter: see
    tests/test_late_constraints.py)."""
    s = Scenario(
        PROJECT,
        (
            Task("a", Triangular(2, 5, 30)),
            Task(
                "b",
                3,
                predecessors=(Link("a"),),
                mandatory_start=dt.date(2027, 1, 11),
                milestone=True,
            ),
        ),
    )
    r = pmo_sim.simulate(s, 2000, 3)
    np.testing.assert_array_equal(r.milestone("b"), np.full(2000, 8.0))
    # b finishes at offset 8; a is last where a >= 8: P = (30 - 8)**2 / (28 * 25) for
    # the triangular (2, 5, 30), within 4 standard errors (LHS is tighter still).
    p = 22**2 / (28 * 25)
    se = np.sqrt(p * (1 - p) / 2000)
    assert abs(r.criticality["a"] - p) <= 4 * se
    assert abs(r.criticality["b"] - (1 - p)) <= 4 * se


def test_a_chain_of_as_late_as_possible_tasks_moves_as_a_whole():
    """A (2 days) -> B (2 days), both as late as possible beside a 10-day path into E:
    B takes days 8-10 and A, behind it, days 6-8 (P6 moves the chain). C -> B keeps its
    dates, and its free float is counted against B's new start (7 days); the
    simulation's finish is unaffected."""
    s = Scenario(
        PROJECT,
        (
            Task("L", 10),
            Task("A", 2, as_late_as_possible=True),
            Task("C", 1),
            Task("B", 2, predecessors=(Link("A"), Link("C")), as_late_as_possible=True),
            Task("E", 0, predecessors=(Link("L"), Link("B")), milestone=True),
        ),
    )
    plan = pmo_sim.schedule(s)
    row = {t: k for k, t in enumerate(s.task_ids)}
    assert [(plan.early_start[row[t]], plan.early_finish[row[t]]) for t in "ABC"] == [
        (6.0, 8.0),
        (8.0, 10.0),
        (0.0, 1.0),
    ]
    assert [plan.free_float[row[t]] for t in "ABC"] == [0.0, 0.0, 7.0]
    asap = pmo_sim.schedule(s, as_late=False)
    assert (asap.early_start[row["A"]], asap.early_start[row["B"]]) == (0.0, 2.0)
    assert plan.finish == asap.finish == 10.0
