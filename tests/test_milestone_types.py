"""Start and finish milestones: where each happens, how each is dated, in the schedule
and in every iteration; read from a scenario file, an XER file, and written back.

By hand, on P6's rules: a start milestone happens at the start of its calendar's next
working time and shows that morning; a finish milestone is the instant its logic
allows and shows the day its predecessors finish on.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from pmo_sim import simulate
from pmo_sim.io.scenario_file import load
from pmo_sim.io.toml_writer import dumps
from pmo_sim.model.calendar import Calendar
from pmo_sim.model.errors import ScenarioError
from pmo_sim.model.scenario import Project, Scenario
from pmo_sim.model.tasks import Link, Task
from pmo_sim.scheduling.cpm import schedule

from .conftest import PROJECT_HEAD

MONDAY = dt.date(2027, 3, 1)
WEEKDAYS = Calendar("mon-fri", ())
CALENDARS = (
    ("six", Calendar("mon-sat", ())),
    ("seven", Calendar("mon-sun", ())),
)


def _plan(milestone):
    """a: six working days Mon-Sat on a six-day calendar, finishing Saturday 6 March;
    m: a milestone on the Mon-Fri project calendar after it; b: one day on a seven-day
    calendar after m."""
    s = Scenario(
        project=Project(name="m", start=MONDAY, calendar=WEEKDAYS, calendars=CALENDARS),
        tasks=(
            Task("a", 6.0, calendar="six"),
            Task("m", predecessors=("a",), milestone=milestone),
            Task("b", 1.0, predecessors=("m",), calendar="seven"),
        ),
    )
    return schedule(s)


def test_a_start_milestone_waits_for_its_calendars_next_working_morning():
    """After a Saturday finish, a start milestone on a Mon-Fri calendar happens on Monday
    morning, and a seven-day successor starts then: Monday 8 March, not Sunday."""
    plan = _plan("start")
    d = plan.dates()
    assert [str(x) for x in d["early_start"]] == ["2027-03-01", "2027-03-08", "2027-03-08"]
    assert [str(x) for x in d["early_finish"]] == ["2027-03-06", "2027-03-08", "2027-03-08"]


@pytest.mark.parametrize("milestone", [True, "finish"])
def test_a_finish_milestone_is_the_instant_its_logic_allows(milestone):
    """The same network with a finish milestone: Saturday evening, and the seven-day
    successor works on Sunday 7 March."""
    plan = _plan(milestone)
    d = plan.dates()
    assert [str(x) for x in d["early_finish"]] == ["2027-03-06", "2027-03-06", "2027-03-07"]
    assert str(d["early_start"][2]) == "2027-03-07"


def test_every_iteration_places_and_dates_a_start_milestone_the_same_way():
    """With an uncertain predecessor (4 to 7 days on Mon-Sat from Monday 1 March), the
    start milestone never happens on a weekend, its key-date percentiles are weekdays,
    and its seven-day successor follows it directly in every iteration."""
    s = Scenario(
        project=Project(name="m", start=MONDAY, calendar=WEEKDAYS, calendars=CALENDARS),
        tasks=(
            Task("a", {"dist": "uniform", "min": 4.0, "max": 7.0}, calendar="six"),
            Task("m", predecessors=("a",), milestone="start"),
            Task("b", 1.0, predecessors=("m",), calendar="seven"),
        ),
    )
    r = simulate(s, iterations=2000, seed=7)
    m = r.milestone("m")
    # The milestone's own working days are whole (it happens at a morning) ...
    days = s.timeline.start_dates(s.project.start, m).astype("datetime64[D]").astype(object)
    weekdays = {d.weekday() for d in days}
    assert weekdays <= {0, 1, 2, 3, 4}, weekdays  # never on a Saturday or Sunday
    doc = r.to_dict()["milestones"]["m"]["percentiles"]
    for q in ("10", "50", "90"):
        assert dt.date.fromisoformat(doc[q]["date"]).weekday() < 5
    # ... and b (one day on the seven-day calendar, whose days are the timeline's)
    # starts right then in every iteration.
    np.testing.assert_allclose(r.finish_days, m + 1.0, atol=1e-9)


def test_the_file_keeps_the_kind_and_refuses_another(tmp_path):
    text = (
        PROJECT_HEAD
        + """
[[tasks]]
id = "a"
duration = 2

[[tasks]]
id = "go"
predecessors = ["a"]
milestone = "start"
"""
    )
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    s = load(path)
    assert s.tasks[1].milestone == "start" and s.tasks[1].start_milestone
    written = dumps(s)
    assert 'milestone = "start"' in written
    path.write_text(written, encoding="utf-8")
    assert load(path) == s
    path.write_text(text.replace('"start"', '"begin"'), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load(path)
    msg = str(err.value)
    assert "milestone" in msg and '"start" or "finish"' in msg and "go" in msg


def test_a_milestone_with_a_duration_is_no_start_milestone():
    t = Task("x", 2.0, milestone="start")
    assert not t.start_milestone  # warned about by the network check; keeps its finish
    with pytest.raises(TypeError, match="milestone"):
        Task("x", milestone="later")
    assert np.isclose(Task("y", milestone="start").duration.deterministic, 0.0)


def test_a_finish_milestone_from_a_start_is_dated_by_that_morning():
    """A finish milestone whose instant is a day boundary shows the side it came from
    (P6 writes 08:00 after an SS link from a task starting at 08:00, 17:00 after an FS
    link from one finishing at 17:00): x runs Mon-Fri 1-5 March, y starts Monday 8;
    'ss' (SS from y) is dated Monday 8, 'fs' (FS from x) Friday 5; 'both' (FS from x and
    SS from y, one instant) the morning, as P6 takes the later clock time."""
    s = Scenario(
        project=Project(name="m", start=MONDAY, calendar=WEEKDAYS),
        tasks=(
            Task("x", 5.0),
            Task("y", 2.0, predecessors=("x",)),
            Task("ss", predecessors=(Link("y", "SS"),), milestone=True),
            Task("fs", predecessors=("x",), milestone=True),
            Task("both", predecessors=("x", Link("y", "SS")), milestone=True),
        ),
    )
    plan = schedule(s)
    np.testing.assert_allclose(plan.early_finish[2:], [5.0, 5.0, 5.0])  # one instant
    assert [str(x) for x in plan.dates()["early_finish"][2:]] == [
        "2027-03-08",
        "2027-03-05",
        "2027-03-08",
    ]


def test_a_start_milestone_that_ends_the_project_dates_the_finish():
    """The last event is a start milestone moved to Monday after a Friday finish (the
    timeline also works Saturdays): the project finish is Monday 8, not Saturday 6."""
    s = Scenario(
        project=Project(name="m", start=MONDAY, calendar=WEEKDAYS, calendars=CALENDARS),
        tasks=(
            Task("a", 5.0),
            Task("m", predecessors=("a",), milestone="start"),
            Task("x", 2.0, calendar="six"),
        ),
    )
    plan = schedule(s)
    assert str(plan.finish_date) == "2027-03-08"
    assert str(plan.dates()["early_finish"][1]) == "2027-03-08"


def test_late_dates_of_a_milestone_follow_the_finish_rule():
    """An SS-driven finish milestone is dated by the morning early; its late finish is
    the project finish (a finish), so it is not dated after the project's last day."""
    s = Scenario(
        project=Project(name="m", start=MONDAY, calendar=WEEKDAYS),
        tasks=(
            Task("x", 5.0),
            Task("y", 2.0, predecessors=("x",)),
            Task("ss", predecessors=(Link("y", "SS"),), milestone=True),
            Task("z", 12.0),
        ),
    )
    plan = schedule(s)
    d = plan.dates()
    assert str(d["early_finish"][2]) == "2027-03-08"
    assert str(plan.finish_date) == str(d["late_finish"][2]) == "2027-03-16"


def test_a_milestone_from_a_start_after_lunch_is_at_13_00():
    """An SS link from a task starting at 13:00: the finish milestone is at 13:00 (the
    moment work starts), not at 12:00 before the break, which is the same instant."""
    hours = Calendar("mon-fri", (), ["08:00-12:00", "13:00-17:00"])
    s = Scenario(
        project=Project(name="m", start=MONDAY, calendar=hours),
        tasks=(
            Task("a", 0.5),
            Task("b", 0.5, predecessors=("a",)),
            Task("ss", predecessors=(Link("b", "SS"),), milestone=True),
            Task("fs", predecessors=("a",), milestone=True),
        ),
    )
    times = schedule(s).times()
    assert [m.strftime("%H:%M") for m in times["early_finish"]] == [
        "12:00",
        "17:00",
        "13:00",
        "12:00",
    ]
