"""The TOML writer: every value type the scenario format uses reads back with tomllib,
and whole scenarios (tasks, links, costs, risks, mitigation, correlations, calendars)
round-trip through ``dumps`` and the scenario reader unchanged.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import pmo_sim
from pmo_sim import (
    Calendar,
    Correlation,
    Discrete,
    Impact,
    Link,
    Mitigation,
    Normal,
    Pert,
    Project,
    Risk,
    Scenario,
    Task,
    TaskCost,
    Triangular,
    Trigen,
    Uniform,
)
from pmo_sim.io.scenario_file import parse_scenario
from pmo_sim.io.toml_writer import comment, dumps, key, string, value

REPO = Path(__file__).resolve().parents[1]


@given(st.text())
def test_any_string_round_trips(text):
    """Any string (quotes, backslashes, control characters, non-ASCII) reads back equal."""
    assert tomllib.loads(f"x = {string(text)}")["x"] == text


@given(st.text())
@example("task A\x00B")  # a NUL in a task name, quoted in an import warning (fuzzing)
def test_any_text_makes_comments_toml_reads(text):
    """Comments carry warnings that quote the file's text: whatever it holds, the file
    written stays TOML (no control character but tab may stand in a comment)."""
    assert tomllib.loads("\n".join([*comment(text), "x = 1"])) == {"x": 1}


@given(st.text(min_size=1))
@example("0\n")  # a bare-key pattern anchored with $ would accept the trailing newline
def test_any_key_round_trips(name):
    """Any key is written bare when it may be, quoted otherwise, and reads back equal."""
    assert list(tomllib.loads(f"{key(name)} = 1")) == [name]


@given(
    st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
)
def test_numbers_round_trip(x):
    """Integers and finite floats read back as the same number."""
    assert tomllib.loads(f"x = {value(x)}")["x"] == x


def test_values_round_trip():
    """Dates, booleans, nested lists and inline tables read back as written."""
    doc = {
        "d": dt.date(2027, 1, 4),
        "b": [True, False],
        "t": {"id": "a", "type": "SS", "lag": -1.5, "in": {"k": [1, 2.5]}},
        "e": {},
    }
    text = "\n".join(f"{k} = {value(v)}" for k, v in doc.items())
    assert tomllib.loads(text) == doc


def test_refuses_what_the_format_cannot_hold():
    """NaN, infinities and date-times with a time zone are refused with a clear error;
    a local date-time is written as TOML 1.0 reads it (with seconds)."""
    with pytest.raises(ValueError, match="finite"):
        value(math.inf)
    with pytest.raises(TypeError, match="local date-times, without a time zone"):
        value(dt.datetime(2027, 1, 4, 8, tzinfo=dt.UTC))
    assert value(dt.datetime(2027, 1, 4, 13, 30)) == "2027-01-04T13:30:00"
    assert tomllib.loads(f"x = {value(dt.datetime(2027, 1, 4, 13, 30))}")["x"] == dt.datetime(
        2027, 1, 4, 13, 30
    )


def _round_trip(s: Scenario) -> Scenario:
    return parse_scenario(tomllib.loads(dumps(s, header=["a\nmultiline # header"])))


def test_scenario_round_trips():
    """A scenario with every feature reads back equal to the one written."""
    s = Scenario(
        project=Project(
            name='Quote "q" \\ back',
            start=dt.date(2027, 1, 4),
            calendar=Calendar("sun-thu", (dt.date(2027, 4, 2),)),
            deadline=dt.date(2027, 12, 1),
            budget=1.5e6,
            currency="EUR",
        ),
        tasks=(
            Task(
                "a",
                Pert(2, 3, 7, lam=3.0),
                name="Désign",
                wbs="1.1",
                cost=TaskCost(fixed=Triangular(1, 2, 3), per_day=12.5),
            ),
            Task(
                "b",
                4.25,
                predecessors=(Link("a"), Link("c", "SS", -1.5)),
                start_no_earlier_than=dt.date(2027, 2, 1),
            ),
            Task("c", Trigen(1, 2, 4, 5, 95)),
            Task("d", Discrete((1, 2, 3), (0.2, 0.5, 0.3)), predecessors=(Link("b", "FF", 2),)),
            Task("e", Normal(5, 1, 0, 10)),
            Task("m", milestone=True, predecessors=("d", "e")),
        ),
        risks=(
            Risk(
                "R1",
                0.3,
                (Impact(("a", "b"), delay=Triangular(1, 2, 4)),),
                name="Permit",
                cost=Uniform(100, 200),
                mitigated=Mitigation(probability=0.1, response_cost=50),
            ),
            Risk(
                "O1",
                0.5,
                (Impact(("c",), factor=Uniform(0.8, 1.0)),),
                type="opportunity",
                mitigated=Mitigation(impacts=(Impact(("c",), factor=0.9),)),
            ),
        ),
        correlations=(Correlation(0.5, tasks=("a", "c")),),
    )
    again = _round_trip(s)
    assert again.project == s.project
    assert again.tasks == s.tasks
    assert again.risks == s.risks
    assert again.correlations == s.correlations


@pytest.mark.parametrize("spec", ["mon-fri", "all-days", "sat-thu", ["mon", "wed", "fri"], ["tue"]])
def test_calendars_round_trip(spec):
    """Every weekmask is written in a form the reader accepts (ranges or a day list)."""
    s = Scenario(Project("p", dt.date(2027, 1, 4), calendar=Calendar(spec)), (Task("a", 1),))
    assert _round_trip(s).project.calendar == s.project.calendar


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "scenarios").glob("*.toml")))
def test_shipped_scenarios_round_trip(name):
    """Every example scenario survives load -> dumps -> load unchanged."""
    s = pmo_sim.load(REPO / "scenarios" / name)
    again = _round_trip(s)
    assert (again.project, again.tasks, again.risks, again.correlations) == (
        s.project,
        s.tasks,
        s.risks,
        s.correlations,
    )


def test_calendars_and_progress_round_trip():
    """Task calendars (names that need quoting too), the lag calendar, the data date, and
    each task's calendar, status and actual dates read back equal."""
    s = Scenario(
        project=Project(
            name="p",
            start=dt.date(2027, 1, 4),
            calendar=Calendar("mon-fri", (dt.date(2027, 1, 6),)),
            calendars=(
                ("night", Calendar("sun-thu", (dt.date(2027, 1, 7),))),
                ('Équipe "6/7"', Calendar(["mon", "wed", "sat"])),
            ),
            lag_calendar="predecessor",
            data_date=dt.date(2027, 1, 11),
        ),
        tasks=(
            Task(
                "a",
                calendar="night",
                status="complete",
                actual_start=dt.date(2027, 1, 4),
                actual_finish=dt.date(2027, 1, 5),
            ),
            Task(
                "b",
                Triangular(2, 3, 5),
                predecessors=(Link("a", "SS", 1.5),),
                calendar='Équipe "6/7"',
                status="in progress",
                actual_start=dt.date(2027, 1, 6),
            ),
            Task(
                "c",
                4,
                status="complete",
                actual_start=dt.date(2027, 1, 4),
                actual_finish=dt.date(2027, 1, 8),
            ),
            Task("m", milestone=True, predecessors=("b", "c")),
        ),
    )
    text = dumps(s)
    assert '[calendars."Équipe \\"6/7\\""]' in text
    again = _round_trip(s)
    assert again.project == s.project
    assert again.tasks == s.tasks


def test_default_lag_calendar_is_not_written():
    """Without task calendars the default lag calendar and an absent data date are left
    out of the file, and read back as the defaults."""
    s = Scenario(Project("p", dt.date(2027, 1, 4)), (Task("a", 1),))
    text = dumps(s)
    assert "lag_calendar" not in text and "data_date" not in text and "[calendars" not in text
    assert _round_trip(s).project == s.project
