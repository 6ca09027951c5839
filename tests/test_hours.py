"""Time within the day: calendars with working hours, date-times, day shapes.

Checked against hand-computed P6-style dates and against ``tests/naive_hours.py``, a
quarter-hour clock scheduler that shares no code with pmo-sim.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from pmo_sim.model.calendar import Calendar, as_moment
from pmo_sim.model.scenario import Project, Scenario
from pmo_sim.model.tasks import Link, Task
from pmo_sim.scheduling.cpm import schedule

from .naive_hours import naive_hour_cpm

MONDAY = dt.date(2027, 3, 1)
STANDARD = Calendar("mon-fri", (), ["08:00-12:00", "13:00-17:00"])
LONG = Calendar("mon-thu", (), ["07:00-12:00", "13:00-17:00"])
EARLY = Calendar("mon-sat", (dt.date(2027, 3, 10),), ["06:00-14:00"])


def test_hours_are_read_and_checked():
    assert STANDARD.hours == ((8.0, 12.0), (13.0, 17.0))
    assert STANDARD.day_hours == 8.0
    assert Calendar("mon-fri", (), [(13, 17), (8, 12)]).hours == STANDARD.hours
    for bad in (["08:00-12:00", "11:00-15:00"], ["12:00-08:00"], ["8-12"], "08:00-12:00"):
        with pytest.raises(ValueError, match="hours"):
            Calendar("mon-fri", (), bad)


def test_a_time_of_day_is_the_share_of_the_working_hours_done():
    """Offsets of date-times on an 8-hour day with a lunch break (closed form)."""
    at = lambda h, m=0, day=MONDAY: dt.datetime.combine(day, dt.time(h, m))  # noqa: E731
    assert STANDARD.start_offset_of(MONDAY, at(10)) == 0.25
    assert STANDARD.start_offset_of(MONDAY, at(12, 30)) == 0.5  # lunch: half the day done
    assert STANDARD.days_until(MONDAY, at(17)) == 1.0  # the end of Monday ...
    assert STANDARD.start_offset_of(MONDAY, at(7, day=MONDAY + dt.timedelta(1))) == 1.0
    assert STANDARD.start_offset_of(MONDAY, at(10, day=dt.date(2027, 3, 6))) == 5.0  # Saturday
    # A date alone keeps its meaning: the morning of a start, the end of a finish.
    assert STANDARD.start_offset_of(MONDAY, MONDAY) == 0.0
    assert STANDARD.days_until(MONDAY, MONDAY) == 1.0
    assert as_moment("x", dt.datetime(2027, 3, 1)) == MONDAY  # midnight is the day


def test_union_of_hours():
    assert Calendar.union([STANDARD, LONG]).hours == ((7.0, 12.0), (13.0, 17.0))


def _scenario(tasks, calendars=(("long", LONG), ("early", EARLY)), project=STANDARD):
    return Scenario(
        project=Project(name="hours", start=MONDAY, calendar=project, calendars=calendars),
        tasks=tuple(tasks),
    )


def test_hour_chain_across_calendars_lands_on_the_hour():
    """a (4 h) and b (4 h) on 08-12/13-17, then c (9 h) on a 07:00-17:00 Mon-Thu day, then
    d (2 h) with a start-no-earlier-than of Tuesday 10:00 on the standard day: by hand,
    a Mon 08-12, b Mon 13-17, c Tue 07-17, d Wed 08-10; c has one hour of float (Wed
    07:00-08:00 on its calendar)."""
    s = _scenario(
        [
            Task("a", 0.5),
            Task("b", 0.5, predecessors=("a",)),
            Task("c", 1.0, predecessors=("b",), calendar="long"),
            Task("d", 0.25, predecessors=("c",), start_no_earlier_than="2027-03-02T10:00"),
        ],
        calendars=(("long", LONG),),
    )
    plan = schedule(s)
    dates = plan.dates()
    assert [str(d) for d in dates["early_start"]] == [
        "2027-03-01",
        "2027-03-01",
        "2027-03-02",
        "2027-03-03",
    ]
    # Offsets on the union day 07-12/13-17 (9 h): b ends Mon 17:00 = 1.0, c starts Tue
    # 07:00 = 1.0 and ends Tue 17:00 = 2.0, d starts Wed 08:00 = 2 + 1/9.
    np.testing.assert_allclose(plan.early_start, [1 / 9, 5 / 9, 1.0, 2 + 1 / 9], atol=1e-12)
    np.testing.assert_allclose(plan.early_finish, [5 / 9, 1.0, 2.0, 2 + 3 / 9], atol=1e-12)
    assert plan.total_float[2] == pytest.approx(1 / 9)


def test_dates_keep_their_times_of_day():
    """The chain above, with times (``CPMSchedule.times``, the cpm table and --json): a
    Mon 08:00-12:00, b 13:00-17:00, c Tue 07:00-17:00, d Wed 08:00-10:00; a start
    milestone after b happens on Tuesday at 07:00 (the next working time of its 07:00
    calendar), a finish milestone after b on Monday at 17:00."""
    s = _scenario(
        [
            Task("a", 0.5),
            Task("b", 0.5, predecessors=("a",)),
            Task("c", 1.0, predecessors=("b",), calendar="long"),
            Task("d", 0.25, predecessors=("c",), start_no_earlier_than="2027-03-02T10:00"),
            Task("go", predecessors=("b",), milestone="start", calendar="long"),
            Task("done", predecessors=("b",), milestone=True),
        ],
        calendars=(("long", LONG),),
    )
    times = schedule(s).times()
    text = lambda key: [m.strftime("%a %H:%M") for m in times[key]]  # noqa: E731
    assert text("early_start") == [
        "Mon 08:00", "Mon 13:00", "Tue 07:00", "Wed 08:00", "Tue 07:00", "Mon 17:00"
    ]  # fmt: skip
    assert text("early_finish") == [
        "Mon 12:00", "Mon 17:00", "Tue 17:00", "Wed 10:00", "Tue 07:00", "Mon 17:00"
    ]  # fmt: skip
    doc = schedule(s).to_dict()["tasks"]
    assert doc["c"]["early_start_at"] == "2027-03-02T07:00"
    assert doc["d"]["early_finish_at"] == "2027-03-03T10:00"
    # Without working hours there are no times, and --json adds no keys.
    plain = Scenario(
        project=Project(name="p", start=MONDAY, calendar=Calendar("mon-fri", ())),
        tasks=(Task("a", 1.0),),
    )
    assert schedule(plain).times()["early_start"] == []
    assert "early_start_at" not in schedule(plain).to_dict()["tasks"]["a"]


def test_a_finish_at_the_end_of_a_shorter_day_lets_a_longer_day_go_on():
    """A 1-day task on a 06:00-14:00 day finishes at 14:00; its successor on 08-17 starts
    at 14:00 the same day (P6), so a 2-hour successor finishes at 16:00 on Monday."""
    s = _scenario([Task("a", 1.0, calendar="early"), Task("b", 0.25, predecessors=("a",))])
    d = schedule(s).dates()
    assert [str(x) for x in d["early_finish"]] == ["2027-03-01", "2027-03-01"]


def test_an_actual_start_at_a_time_of_day_drives_an_ss_lag():
    """In progress since Monday 13:00, an SS link with an 8-hour lag: the successor may
    start on Tuesday at 13:00, not on Tuesday morning."""
    s = Scenario(
        project=Project(
            name="p", start=MONDAY, calendar=STANDARD, data_date=dt.datetime(2027, 3, 2, 8)
        ),
        tasks=(
            Task("a", 2.0, status="in progress", actual_start=dt.datetime(2027, 3, 1, 13)),
            Task("b", 0.25, predecessors=(Link("a", "SS", 1.0),)),
            Task("c", 0.25, predecessors=(Link("a", "SS", 1.5),)),
        ),
    )
    plan = schedule(s)
    # b: Mon 13:00 + 8 h = Tue 13:00; c: + 12 h = Tue 17:00, so Wed 08:00. Read as a
    # whole day (Monday morning), they would start Tue 08:00 and Tue 13:00.
    np.testing.assert_allclose(plan.early_start[1:], [1.5, 2.0], atol=1e-12)
    assert [str(d) for d in plan.dates()["early_start"][1:]] == ["2027-03-02", "2027-03-03"]


@pytest.mark.parametrize("seed", range(16))
def test_random_hour_networks_match_the_quarter_hour_clock(seed):
    """Random networks (FS/SS/FF/SF, lags in hours, start and finish milestones) on three
    calendars with different hours and holidays: every early start and finish is the
    clock reference's, as a timeline offset. Seeds 3 and 4 once found a finish an hour
    late and a start an hour early, where rounding put a time on the wrong side of a
    lunch break."""
    rng = np.random.default_rng(seed)
    names = ["", "long", "early"]
    per_day = {"": 8.0, "long": 9.0, "early": 8.0}
    n = 30
    tasks, hours, lags = [], {}, {}
    for j in range(n):
        cal = names[int(rng.choice(3, p=[0.5, 0.25, 0.25]))]
        h = 0.0 if rng.random() < 0.1 else float(rng.integers(1, 40)) / 4 * 2
        links = []
        for i in sorted(set(rng.integers(0, j, size=min(j, 2)).tolist())) if j else []:
            kind = str(rng.choice(["FS", "SS", "FF", "SF"], p=[0.6, 0.2, 0.15, 0.05]))
            lag_h = float(rng.integers(1, 20)) / 2 if rng.random() < 0.3 else 0.0
            lags[(f"t{j}", f"t{i}")] = lag_h
            links.append(Link(f"t{i}", kind, lag_h / per_day[cal]))
        snet = None
        if rng.random() < 0.1:
            snet = dt.datetime(2027, 3, 1, 7) + dt.timedelta(
                days=int(rng.integers(0, 10)), hours=int(rng.integers(0, 10))
            )
        hours[f"t{j}"] = h
        tasks.append(
            Task(
                f"t{j}",
                h / per_day[cal],
                predecessors=tuple(links),
                calendar=cal,
                start_no_earlier_than=snet,
                # Every other milestone a start milestone (no draw: the networks stay
                # those the seeds always gave).
                milestone=("start" if j % 2 else True) if h == 0.0 else False,
            )
        )
    s = _scenario(tasks)
    plan = schedule(s, as_late=False)
    clock, es, ef = naive_hour_cpm(s, hours, lags)
    want_es = np.array([clock.offset(es[t.id]) for t in s.tasks])
    want_ef = np.array([clock.offset(ef[t.id]) for t in s.tasks])
    np.testing.assert_allclose(plan.early_start, want_es, atol=1e-7)
    np.testing.assert_allclose(plan.early_finish, want_ef, atol=1e-7)


def test_the_cpm_table_shows_times_of_day(tmp_path):
    """``pmo-sim cpm`` on a calendar with hours: a 4-hour task from 08:00 ends at noon,
    its 2-hour successor runs 13:00-15:00 after lunch."""
    from click.testing import CliRunner

    from pmo_sim.cli import cli

    path = tmp_path / "h.toml"
    path.write_text(
        '[project]\nname = "H"\nstart = 2027-03-01\nhours = ["08:00-12:00", "13:00-17:00"]\n'
        '[[tasks]]\nid = "a"\nduration = 0.5\n'
        '[[tasks]]\nid = "b"\nduration = 0.25\npredecessors = ["a"]\n',
        encoding="utf-8",
    )
    out = CliRunner().invoke(cli, ["cpm", str(path)])
    assert out.exit_code == 0, out.output
    rows = {line.split()[0]: line for line in out.output.splitlines() if line[:2] in ("a ", "b ")}
    assert "2027-03-01 08:00  2027-03-01 12:00" in rows["a"]
    assert "2027-03-01 13:00  2027-03-01 15:00" in rows["b"]
