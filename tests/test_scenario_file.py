"""The TOML reader: the issue's file shape, and one test per input rule.

Each rule test checks both ``pmo_sim.load`` (a ScenarioError whose text names the place
and the rule) and ``pmo-sim validate`` (exit code 2, the same text, the file path).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import pmo_sim
from pmo_sim import Fixed, Link, Pert, ScenarioError, Triangular, Uniform
from pmo_sim.cli import cli

from .conftest import DATA, PROJECT_HEAD

# A valid task to keep files otherwise correct; the head ends at line 3, so the
# first [[tasks]] is at line 4 and the second at line 7.
TASK_A = """\
[[tasks]]
id = "a"
duration = 1
"""


def assert_rejected(path: Path, *phrases: str) -> str:
    """``load`` and ``pmo-sim validate`` both refuse ``path`` with every phrase in the text."""
    with pytest.raises(ScenarioError) as info:
        pmo_sim.load(path)
    text = str(info.value)
    for phrase in phrases:
        assert phrase in text, f"{phrase!r} not in load()'s message:\n{text}"
    assert text.startswith(f"{path}: ")

    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"pmo-sim: error: {path}: ")
    for phrase in phrases:
        assert phrase in result.stderr, f"{phrase!r} not in the CLI's message:\n{result.stderr}"
    assert result.stdout == ""
    assert "Traceback" not in result.output
    return text


# --- the issue's file -------------------------------------------------------------------


def test_issue_example_is_read_field_by_field():
    """The issue's example file is read into the expected project, tasks, risk and settings."""
    s = pmo_sim.load(DATA / "issue_example.toml")
    p = s.project
    assert (p.name, p.start, p.deadline) == (
        "Office move",
        dt.date(2027, 1, 4),
        dt.date(2027, 9, 30),
    )
    assert (p.calendar.weekmask, p.calendar.holidays) == ("1111100", (dt.date(2027, 4, 2),))
    assert (p.budget, p.currency) == (1_250_000, "EUR")
    assert (s.simulation.iterations, s.simulation.seed, s.simulation.sampling) == (10_000, 7, "lhs")
    design, build, permit = s.tasks
    assert (design.id, design.name, design.duration) == ("design", "Design", Triangular(20, 30, 60))
    assert (design.cost.fixed, design.cost.per_day) == (Fixed(10_000), 800)
    assert build.duration == Pert(30, 40, 65)
    assert build.predecessors == (Link("design", "FS", 0), Link("permit", "SS", 5))
    assert permit.duration == Fixed(12)
    (risk,) = s.risks
    assert (risk.id, risk.name, risk.probability, risk.type) == (
        "R1",
        "Permit appeal",
        0.3,
        "threat",
    )
    assert risk.impacts[0].tasks == ("permit",)
    assert risk.impacts[0].delay == Triangular(5, 10, 20)
    assert risk.impacts[1].factor == Uniform(1.05, 1.2)
    assert risk.cost == Triangular(10_000, 20_000, 50_000)
    assert (risk.mitigated.probability, risk.mitigated.response_cost) == (0.1, 5000)
    (corr,) = s.correlations
    assert (corr.tasks, corr.coefficient) == (("design", "build"), 0.6)
    assert s.source == str(DATA / "issue_example.toml")


def test_defaults_for_a_minimal_file(scenario_file):
    """A file with only [project] name/start and one task gets mon-fri and default settings."""
    s = pmo_sim.load(scenario_file(PROJECT_HEAD + TASK_A))
    assert s.project.calendar.weekmask == "1111100"
    assert s.project.deadline is None and s.project.budget is None
    assert (s.simulation.iterations, s.simulation.seed, s.simulation.sampling) == (10_000, 1, "lhs")
    assert s.risks == () and s.correlations == ()


def test_link_tables_milestones_and_constraints_are_read(scenario_file):
    """Link tables (type, lag), milestones and start-no-earlier-than dates are read."""
    path = scenario_file(
        PROJECT_HEAD
        + TASK_A
        + """
[[tasks]]
id = "m"
milestone = true
predecessors = [{ id = "a", type = "ff", lag = -1.5 }]
start_no_earlier_than = 2027-01-06
"""
    )
    m = pmo_sim.load(path).task("m")
    assert m.milestone and m.duration == Fixed(0)
    assert m.predecessors == (Link("a", "FF", -1.5),)
    assert m.start_no_earlier_than == dt.date(2027, 1, 6)


# --- one test per rule ------------------------------------------------------------------


def test_unknown_top_level_key(scenario_file):
    """An unknown top-level table is named, with a suggestion and the known tables."""
    path = scenario_file("[taskz]\nx = 1\n\n" + PROJECT_HEAD + TASK_A)
    assert_rejected(
        path,
        "unknown table 'taskz' (did you mean 'tasks'?); "
        "a scenario has: project, calendars, simulation, tasks, risks, correlations",
    )


def test_unknown_key_in_project(scenario_file):
    """An unknown key in [project] is named, with a suggestion and the allowed keys."""
    path = scenario_file(PROJECT_HEAD + "budgett = 4\n" + TASK_A)
    assert_rejected(
        path,
        "project: unknown key 'budgett' (did you mean 'budget'?); [project] takes: "
        "name, id, start, calendar, holidays, hours, lag_calendar, data_date, deadline, "
        "budget, currency, open_ended_critical, constraints_override_logic, alap_float",
    )


def test_unknown_key_in_simulation(scenario_file):
    """An unknown key in [simulation] is named with a suggestion."""
    path = scenario_file(PROJECT_HEAD + "[simulation]\nseeds = 3\n" + TASK_A)
    assert_rejected(path, "simulation: unknown key 'seeds' (did you mean 'seed'?)")


def test_unknown_key_in_a_task(scenario_file):
    """An unknown key in a task is reported at that task, with its id and line."""
    path = scenario_file(PROJECT_HEAD + TASK_A + '[[tasks]]\nid = "b"\nduraton = 1\n')
    assert_rejected(
        path,
        "tasks[2] (id 'b', line 7): unknown key 'duraton' (did you mean 'duration'?); "
        "a task takes: id, name, duration",
    )


def test_unknown_key_in_a_distribution_table(scenario_file):
    """An unknown key in a distribution table names the key and the family's keys."""
    path = scenario_file(
        PROJECT_HEAD
        + TASK_A
        + '[[tasks]]\nid = "b"\n'
        + 'duration = { dist = "triangular", min = 1, mode = 2, max = 3, mean = 2 }\n'
    )
    assert_rejected(
        path,
        "tasks[2] (id 'b', line 7).duration:",
        "'mean' is not a known key",
        "triangular distribution (min, mode, max)",
    )


def test_unknown_key_in_a_link_table(scenario_file):
    """An unknown key in a predecessor link table is reported at that link."""
    path = scenario_file(
        PROJECT_HEAD
        + TASK_A
        + '[[tasks]]\nid = "b"\nduration = 1\npredecessors = [{ id = "a", typ = "SS" }]\n'
    )
    assert_rejected(
        path,
        "tasks[2] (id 'b', line 7).predecessors[1]: unknown key 'typ' (did you mean 'type'?)",
    )


def test_unknown_key_in_an_impact(scenario_file):
    """An unknown key in a risk impact is reported at that impact."""
    path = scenario_file(
        PROJECT_HEAD
        + TASK_A
        + '[[risks]]\nid = "R1"\nprobability = 0.5\n'
        + 'impacts = [ { tasks = ["a"], delay = 3, dealy = 4 } ]\n'
    )
    assert_rejected(
        path, "risks[1] (id 'R1', line 7).impacts[1]: unknown key 'dealy' (did you mean 'delay'?)"
    )


def test_unknown_task_id_in_a_link(scenario_file):
    """A link to an id no task has is reported at the link."""
    path = scenario_file(
        PROJECT_HEAD + TASK_A + '[[tasks]]\nid = "b"\nduration = 1\npredecessors = ["zz"]\n'
    )
    assert_rejected(
        path, "tasks[2] (id 'b', line 7).predecessors[1]: unknown task id 'zz': no task has that id"
    )


def test_unknown_link_type(scenario_file):
    """A link type other than FS/SS/FF/SF is refused in the house wording."""
    path = scenario_file(
        PROJECT_HEAD
        + TASK_A
        + '[[tasks]]\nid = "b"\nduration = 1\npredecessors = [{ id = "a", type = "XS" }]\n'
    )
    assert_rejected(
        path,
        "tasks[2] (id 'b', line 7).predecessors[1]: 'type' must be one of FS, SS, FF, SF "
        "(got 'XS')",
    )


def test_unknown_task_id_in_a_risk_impact(scenario_file):
    """A risk impact on an id no task has is reported at that impact's task list."""
    path = scenario_file(
        PROJECT_HEAD
        + TASK_A
        + '[[risks]]\nid = "R1"\nprobability = 0.2\nimpacts = [ { tasks = ["nope"], delay = 3 } ]\n'
    )
    assert_rejected(
        path,
        "risks[1] (id 'R1', line 7).impacts[1].tasks[1]: unknown task id 'nope': "
        "no task has that id",
    )


def test_duplicate_task_ids(scenario_file):
    """A second task with an id already used is reported, pointing at the first."""
    path = scenario_file(PROJECT_HEAD + TASK_A + '[[tasks]]\nid = "a"\nduration = 2\n')
    assert_rejected(
        path, "tasks[2] (id 'a', line 7): duplicate task id 'a' (first used by tasks[1])"
    )


def test_cycle_names_its_tasks(scenario_file):
    """A cycle is reported with the tasks on it, and not the tasks off it."""
    path = scenario_file(
        PROJECT_HEAD
        + """
[[tasks]]
id = "a"
duration = 1
predecessors = ["c"]
[[tasks]]
id = "b"
duration = 1
predecessors = ["a"]
[[tasks]]
id = "c"
duration = 1
predecessors = ["b"]
[[tasks]]
id = "d"
duration = 1
predecessors = ["a"]
"""
    )
    text = assert_rejected(path, "tasks: the logic has a cycle: ", "remove or reverse one")
    path_text = re.search(r"cycle: (.*?);", text).group(1)
    on_cycle = path_text.split(" -> ")
    assert on_cycle[0] == on_cycle[-1]
    assert sorted(on_cycle[:-1]) == ["a", "b", "c"]


def test_min_greater_than_mode(scenario_file):
    """A three-point estimate with min above mode is refused, naming min and max."""
    path = scenario_file(
        PROJECT_HEAD
        + TASK_A
        + '[[tasks]]\nid = "b"\nduration = { dist = "triangular", min = 5, mode = 3, max = 9 }\n'
    )
    assert_rejected(
        path,
        "tasks[2] (id 'b', line 7).duration: 'mode' must be between 'min' (5) and 'max' (9) (got 3",
    )


@pytest.mark.parametrize("high", [5, 4])
def test_max_not_above_min(scenario_file, high):
    """A range whose max is not above min is refused with a hint to use a fixed value."""
    path = scenario_file(
        PROJECT_HEAD
        + TASK_A
        + f'[[tasks]]\nid = "b"\nduration = {{ dist = "uniform", min = 5, max = {high} }}\n'
    )
    assert_rejected(
        path,
        "tasks[2] (id 'b', line 7).duration: 'max' must be greater than 'min' (5); "
        f"use a fixed value for no range (got {high}",
    )


@pytest.mark.parametrize("p", ["1.5", "-0.25"])
def test_probability_outside_zero_one(scenario_file, p):
    """A risk probability outside [0, 1] is refused at the risk."""
    path = scenario_file(
        PROJECT_HEAD
        + TASK_A
        + f'[[risks]]\nid = "R1"\nprobability = {p}\nimpacts = [ {{ tasks = ["a"], delay = 3 }} ]\n'
    )
    assert_rejected(
        path, f"risks[1] (id 'R1', line 7): 'probability' must be between 0 and 1 (got {p})"
    )


def test_probability_of_the_wrong_type(scenario_file):
    """A probability written as a string is refused as not a number."""
    path = scenario_file(
        PROJECT_HEAD + TASK_A + '[[risks]]\nid = "R1"\nprobability = "0.5"\ncost = 3\n'
    )
    assert_rejected(path, "risks[1] (id 'R1', line 7): 'probability' must be a number (got '0.5')")


def test_negative_fixed_duration(scenario_file):
    """A negative fixed duration is refused at its task."""
    path = scenario_file(PROJECT_HEAD + TASK_A + '[[tasks]]\nid = "b"\nduration = -2\n')
    assert_rejected(
        path, "tasks[2] (id 'b', line 7)", "'duration' must be non-negative", "(got -2.0)"
    )


@pytest.mark.parametrize("coefficient", ["1.2", "-1.5"])
def test_correlation_coefficient_outside_minus_one_one(scenario_file, coefficient):
    """A rank correlation outside [-1, 1] is refused at its group."""
    path = scenario_file(
        PROJECT_HEAD
        + TASK_A
        + '[[tasks]]\nid = "b"\nduration = { dist = "uniform", min = 1, max = 2 }\n'
        + f'[[correlations]]\ntasks = ["a", "b"]\ncoefficient = {coefficient}\n'
    )
    assert_rejected(
        path,
        f"correlations[1] (line 10): 'coefficient' must be between -1 and 1 (got {coefficient})",
    )


def test_correlation_over_one_task(scenario_file):
    """A correlation group needs at least two items."""
    path = scenario_file(
        PROJECT_HEAD + TASK_A + '[[correlations]]\ntasks = ["a"]\ncoefficient = 0.5\n'
    )
    assert_rejected(
        path, "correlations[1] (line 7): 'tasks' must be a list of at least two ids (got ['a'])"
    )


@pytest.mark.parametrize(
    ("factor", "shown"),
    [("0", "0.0)"), ("-1", "-1.0)"), ('{ dist = "uniform", min = -0.5, max = 1.5 }', "'uniform(")],
)
def test_factor_not_above_zero(scenario_file, factor, shown):
    """A duration factor that can be 0 or less is refused at its impact."""
    path = scenario_file(
        PROJECT_HEAD
        + TASK_A
        + f'[[risks]]\nid = "R1"\nprobability = 0.5\nimpacts = [ {{ tasks = ["a"], '
        f"factor = {factor} }} ]\n"
    )
    assert_rejected(
        path,
        "risks[1] (id 'R1', line 7).impacts[1]: 'factor' must be greater than 0 over its whole "
        f"range (got {shown}",
    )


def test_malformed_toml_quotes_line_and_column(scenario_file):
    """A TOML syntax error names the line and column, quotes the line and marks the column."""
    path = scenario_file(PROJECT_HEAD + '[[tasks]]\nid = "a"\nduration = = 1\n')
    # Line 6 is `duration = = 1`; the parser stops at the second `=`, column 12.
    text = assert_rejected(
        path, "line 6, column 12: not valid TOML", "    duration = = 1\n               ^"
    )
    assert "Invalid value" in text  # the parser's own words are kept


def test_missing_project_table(scenario_file):
    """A file without [project] is refused with what the table needs."""
    path = scenario_file(TASK_A)
    assert_rejected(path, "project: the [project] table is required (name and start date)")


def test_missing_start(scenario_file):
    """A [project] without a start is refused with an example date."""
    path = scenario_file('[project]\nname = "P"\n' + TASK_A)
    assert_rejected(path, "project: 'start' is required in [project] (a date such as 2027-01-04)")


def test_start_that_is_not_a_date(scenario_file):
    """A start that is not a date is refused in the house wording."""
    path = scenario_file('[project]\nname = "P"\nstart = "soon"\n' + TASK_A)
    assert_rejected(path, "project: 'start' must be a date like 2027-01-04 (got 'soon')")


def test_unknown_calendar(scenario_file):
    """An unknown calendar name is refused with the accepted forms."""
    path = scenario_file(PROJECT_HEAD + 'calendar = "weekdays"\n' + TASK_A)
    assert_rejected(path, 'project: \'calendar\' must be "mon-fri", "all-days"', "'weekdays'")


def test_bad_holiday_is_counted_from_one(scenario_file):
    """A bad holiday is named by its place counted from 1, as every other list item is."""
    path = scenario_file(PROJECT_HEAD + 'holidays = [2027-04-02, "Easter"]\n' + TASK_A)
    assert_rejected(path, "'holidays[2]' must be a date like 2027-01-04 (got 'Easter')")


def test_line_numbers_skip_blank_lines_before_an_entry(scenario_file):
    """The line given for an entry is that of its ``[[tasks]]`` header, not a blank line above."""
    path = scenario_file(PROJECT_HEAD + "\n\n" + TASK_A + '\n[[tasks]]\nid = "b"\nduration = -2\n')
    # 1-3 [project], 4-5 blank, 6 [[tasks]] a, 7 id, 8 duration, 9 blank, 10 [[tasks]] b.
    assert path.read_text().splitlines()[9] == "[[tasks]]"
    assert_rejected(path, "tasks[2] (id 'b', line 10): 'duration' must be non-negative")


def test_issue_example_line_numbers(tmp_path):
    """In the issue's file, a problem in the third task points at line 28, its [[tasks]]."""
    text = (DATA / "issue_example.toml").read_text()
    assert text.splitlines()[27] == "[[tasks]]"
    path = tmp_path / "issue.toml"
    path.write_text(text.replace("duration = 12 ", "duration = -12 "))
    assert_rejected(path, "tasks[3] (id 'permit', line 28): 'duration' must be non-negative")


def test_file_that_is_not_utf8(tmp_path):
    """A file that is not UTF-8 text is refused with how to fix it."""
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"\xff\xfe[project]\n")
    assert_rejected(path, "the file is not UTF-8 text (byte 0); save it as UTF-8")


# --- collect-all ------------------------------------------------------------------------


def test_all_errors_in_entries_are_reported_in_one_run(scenario_file):
    """Problems in several tasks, a risk and a correlation are all listed in one report."""
    path = scenario_file(
        PROJECT_HEAD
        + """\
[[tasks]]
id = "a"
duration = -1
[[tasks]]
id = "b"
duraton = 1
[[risks]]
id = "R1"
probability = 1.5
impacts = [ { tasks = ["a"], delay = 3 } ]
[[correlations]]
tasks = ["a", "b"]
coefficient = 2
"""
    )
    text = assert_rejected(
        path,
        "4 problems found:",
        "  - tasks[1] (id 'a', line 4): 'duration' must be non-negative",
        "  - tasks[2] (id 'b', line 7): unknown key 'duraton'",
        "  - risks[1] (id 'R1', line 10): 'probability' must be between 0 and 1 (got 1.5)",
        "  - correlations[1] (line 14): 'coefficient' must be between -1 and 1 (got 2",
    )
    assert text.count("\n  - ") == 4


def test_reference_errors_are_reported_with_entry_errors(scenario_file):
    """Unknown ids and duplicates are reported in the same run as errors inside entries."""
    path = scenario_file(
        PROJECT_HEAD
        + """\
[[tasks]]
id = "a"
duration = -1
[[tasks]]
id = "c"
duration = 1
predecessors = ["zz"]
[[tasks]]
id = "c"
duration = 1
"""
    )
    assert_rejected(
        path,
        "3 problems found:",
        "tasks[1] (id 'a', line 4): 'duration' must be non-negative",
        "tasks[2] (id 'c', line 7).predecessors[1]: unknown task id 'zz'",
        "tasks[3] (id 'c', line 11): duplicate task id 'c'",
    )


def test_all_reference_errors_are_reported_in_one_run(scenario_file):
    """A duplicate id, an unknown link and an unknown impact id all appear in one report."""
    path = scenario_file(
        PROJECT_HEAD
        + TASK_A
        + '[[tasks]]\nid = "a"\nduration = 2\npredecessors = ["zz"]\n'
        + '[[risks]]\nid = "R1"\nprobability = 0.2\nimpacts = [ { tasks = ["q"], delay = 3 } ]\n'
    )
    assert_rejected(
        path,
        "3 problems found:",
        "tasks[2] (id 'a', line 7): duplicate task id 'a'",
        "tasks[2] (id 'a', line 7).predecessors[1]: unknown task id 'zz'",
        "risks[1] (id 'R1', line 11).impacts[1].tasks[1]: unknown task id 'q'",
    )


# --- calendars and progress -------------------------------------------------------------

CALENDARS_AND_PROGRESS = """\
[project]
name = "Probe"
start = 2027-01-04
lag_calendar = "predecessor"
data_date = 2027-01-11

[calendars.night]
workdays = "sun-thu"
holidays = [2027-01-07]

[calendars."Site 6/7"]
workdays = ["mon", "tue", "wed", "thu", "fri", "sat"]

[[tasks]]
id = "a"
calendar = "night"
status = "complete"
actual_start = 2027-01-04
actual_finish = 2027-01-06

[[tasks]]
id = "b"
duration = 3
calendar = "Site 6/7"
status = "in progress"
actual_start = 2027-01-07
predecessors = ["a"]

[[tasks]]
id = "c"
duration = 2
predecessors = ["b"]
"""


def test_calendars_lag_calendar_data_date_and_progress_are_read(scenario_file):
    """[calendars.NAME] tables, lag_calendar, data_date, and each task's calendar, status and
    actual dates are read into the model."""
    s = pmo_sim.load(scenario_file(CALENDARS_AND_PROGRESS))
    p = s.project
    assert p.lag_calendar == "predecessor"
    assert p.data_date == dt.date(2027, 1, 11)
    assert [name for name, _ in p.calendars] == ["night", "Site 6/7"]
    night, site = (cal for _, cal in p.calendars)
    assert (night.weekmask, night.holidays) == ("1111001", (dt.date(2027, 1, 7),))
    assert (site.weekmask, site.holidays) == ("1111110", ())
    a, b, c = s.tasks
    assert (a.calendar, a.status, a.actual_start, a.actual_finish) == (
        "night",
        "complete",
        dt.date(2027, 1, 4),
        dt.date(2027, 1, 6),
    )
    assert a.duration == Fixed(0)  # a complete task needs no duration
    assert (b.calendar, b.status, b.actual_start, b.actual_finish) == (
        "Site 6/7",
        "in progress",
        dt.date(2027, 1, 7),
        None,
    )
    assert (c.calendar, c.status) == ("", "not started")


def test_defaults_for_calendars_and_progress(scenario_file):
    """Without the new keys: lags count on the successor's calendar, no data date, tasks
    on the project calendar and not started; a calendar's workdays default to mon-fri."""
    s = pmo_sim.load(scenario_file(PROJECT_HEAD + "[calendars.plain]\nholidays = []\n" + TASK_A))
    assert (s.project.lag_calendar, s.project.data_date) == ("successor", None)
    assert s.project.calendars == (("plain", pmo_sim.Calendar("mon-fri")),)
    assert (s.task("a").calendar, s.task("a").status) == ("", "not started")


def test_unknown_key_in_a_calendar(scenario_file):
    """An unknown key in a [calendars.NAME] table is named with a suggestion and the line
    of the table's header."""
    path = scenario_file(PROJECT_HEAD + '\n[calendars.night]\nworkday = "all-days"\n' + TASK_A)
    assert_rejected(
        path,
        "calendars.night (line 5): unknown key 'workday' (did you mean 'workdays'?); "
        "a calendar takes: workdays, holidays",
    )


def test_bad_workdays_name_the_quoted_calendar(scenario_file):
    """Workdays that are not a day spec are refused in the house wording, at the calendar
    (a quoted name is written as in its header)."""
    path = scenario_file(
        PROJECT_HEAD + '[calendars."Night shift"]\nworkdays = "weekdays"\n' + TASK_A
    )
    assert_rejected(
        path,
        'calendars."Night shift" (line 4): \'workdays\' must be "mon-fri", "all-days", a day '
        'range like "sun-thu", or a list of days like ["mon", "tue"] (got \'weekdays\')',
    )


def test_bad_calendar_holiday(scenario_file):
    """A holiday of a task calendar that is not a date is named by its place in the list."""
    path = scenario_file(
        PROJECT_HEAD + '[calendars.night]\nholidays = [2027-01-05, "new year"]\n' + TASK_A
    )
    assert_rejected(
        path, "calendars.night (line 4): 'holidays[2]' must be a date like 2027-01-04 (got "
    )


def test_calendars_must_be_tables(scenario_file):
    """`calendars` must hold named tables; a plain value or a non-table entry is refused."""
    path = scenario_file("calendars = 3\n" + PROJECT_HEAD + TASK_A)
    assert_rejected(
        path, "calendars: 'calendars' must be a table of named calendars ([calendars.NAME] tables)"
    )
    path = scenario_file(PROJECT_HEAD + "[calendars]\nnight = 5\n" + TASK_A)
    assert_rejected(path, "calendars.night: 'night' must be a table (a calendar) (got 5)")


def test_calendar_needs_a_name(scenario_file):
    """A calendar table with an empty name is refused with how to name it."""
    path = scenario_file(PROJECT_HEAD + '[calendars.""]\nworkdays = "all-days"\n' + TASK_A)
    assert_rejected(path, "a calendar needs a name: write [calendars.NAME] with a non-empty NAME")


def test_unknown_task_calendar(scenario_file):
    """A task naming a calendar that is not defined is refused at its calendar key, with
    the calendars that are."""
    path = scenario_file(
        PROJECT_HEAD
        + '[calendars.night]\nworkdays = "all-days"\n'
        + '[[tasks]]\nid = "a"\nduration = 1\ncalendar = "nite"\n'
    )
    assert_rejected(
        path,
        "tasks[1] (id 'a', line 6).calendar: unknown calendar 'nite' (defined: night); define "
        "it under [calendars]",
    )


def test_bad_lag_calendar(scenario_file):
    """A lag calendar other than successor, predecessor or project is refused."""
    path = scenario_file(PROJECT_HEAD + 'lag_calendar = "succ"\n' + TASK_A)
    assert_rejected(
        path,
        'project: \'lag_calendar\' must be "successor", "predecessor" or "project" (got \'succ\')',
    )


def test_data_date_before_the_start(scenario_file):
    """A data date before the project start is refused, naming the start."""
    path = scenario_file(PROJECT_HEAD + "data_date = 2026-12-31\n" + TASK_A)
    assert_rejected(
        path, "project: 'data_date' must be on or after 'start' (2027-01-04) (got '2026-12-31')"
    )


def test_data_date_that_is_not_a_date(scenario_file):
    """A data date that is not a date is refused in the house wording."""
    path = scenario_file(PROJECT_HEAD + 'data_date = "monday"\n' + TASK_A)
    assert_rejected(path, "project: 'data_date' must be a date like 2027-01-04 (got 'monday')")


HEAD_WITH_DATA_DATE = PROJECT_HEAD + "data_date = 2027-01-11\n"


def test_unknown_status(scenario_file):
    """A status other than the three is refused at the task."""
    path = scenario_file(
        HEAD_WITH_DATA_DATE + '[[tasks]]\nid = "a"\nduration = 1\nstatus = "done"\n'
    )
    assert_rejected(
        path,
        "tasks[1] (id 'a', line 5): 'status' must be \"not started\", \"in progress\" or "
        "\"complete\" (got 'done')",
    )


def test_started_task_needs_an_actual_start(scenario_file):
    """A task in progress without an actual start is refused."""
    path = scenario_file(
        HEAD_WITH_DATA_DATE + '[[tasks]]\nid = "a"\nduration = 1\nstatus = "in progress"\n'
    )
    assert_rejected(
        path, "tasks[1] (id 'a', line 5): 'actual_start' is required for a task 'in progress'"
    )


def test_complete_task_needs_an_actual_finish(scenario_file):
    """A complete task without an actual finish is refused."""
    path = scenario_file(
        HEAD_WITH_DATA_DATE
        + '[[tasks]]\nid = "a"\nstatus = "complete"\nactual_start = 2027-01-04\n'
    )
    assert_rejected(
        path, "tasks[1] (id 'a', line 5): 'actual_finish' is required for a complete task"
    )


def test_actual_finish_before_actual_start(scenario_file):
    """An actual finish before the actual start is refused, naming the start."""
    path = scenario_file(
        HEAD_WITH_DATA_DATE
        + '[[tasks]]\nid = "a"\nstatus = "complete"\n'
        + "actual_start = 2027-01-06\nactual_finish = 2027-01-05\n"
    )
    assert_rejected(
        path,
        "tasks[1] (id 'a', line 5): 'actual_finish' must be on or after 'actual_start' "
        "(2027-01-06) (got '2027-01-05')",
    )


def test_actual_dates_on_a_task_not_started(scenario_file):
    """Actual dates on a task not started are refused with the two ways to fix it."""
    path = scenario_file(
        HEAD_WITH_DATA_DATE + '[[tasks]]\nid = "a"\nduration = 2\nactual_start = 2027-01-05\n'
    )
    assert_rejected(
        path,
        "tasks[1] (id 'a', line 5): a task with actual dates has started: set 'status' to "
        '"in progress" or "complete", or remove the actual dates',
    )


def test_progress_needs_a_data_date(scenario_file):
    """A started task in a project without a data date is refused, saying where to add it."""
    path = scenario_file(
        PROJECT_HEAD
        + '[[tasks]]\nid = "a"\nduration = 2\nstatus = "in progress"\n'
        + "actual_start = 2027-01-05\n"
    )
    assert_rejected(
        path,
        "tasks[1] (id 'a', line 4).status: the task is 'in progress' but the project has no "
        "'data_date'",
        "add one to [project]",
    )


def test_actual_dates_outside_start_and_data_date(scenario_file):
    """Actual dates before the project start or after the data date are refused at the
    field."""
    path = scenario_file(
        HEAD_WITH_DATA_DATE
        + '[[tasks]]\nid = "a"\nstatus = "complete"\n'
        + "actual_start = 2027-01-01\nactual_finish = 2027-01-12\n"
    )
    assert_rejected(
        path,
        "2 problems found:",
        "tasks[1] (id 'a', line 5).actual_start: 'actual_start' must be on or after the project "
        "start (2027-01-04) (got '2027-01-01')",
        "tasks[1] (id 'a', line 5).actual_finish: 'actual_finish' must be on or before the data "
        "date (2027-01-11): it is an actual (got '2027-01-12')",
    )


def test_calendar_and_progress_problems_are_reported_with_entry_errors(scenario_file):
    """An unknown task calendar and an actual after the data date are reported in the same
    run as an error inside another entry and a bad calendar table."""
    path = scenario_file(
        HEAD_WITH_DATA_DATE
        + '[calendars.night]\nworkdays = "nights"\n'
        + '[[tasks]]\nid = "a"\nduration = -1\n'
        + '[[tasks]]\nid = "b"\nduration = 1\ncalendar = "day"\n'
        + '[[tasks]]\nid = "c"\nduration = 1\nstatus = "in progress"\nactual_start = 2027-02-01\n'
        + '[[tasks]]\nid = "d"\nduration = 1\ncalendar = "night"\n'
    )
    text = assert_rejected(
        path,
        "4 problems found:",
        "calendars.night (line 5): 'workdays' must be",
        "tasks[1] (id 'a', line 7): 'duration' must be non-negative",
        "tasks[2] (id 'b', line 10).calendar: unknown calendar 'day' (defined: night)",
        "tasks[3] (id 'c', line 14).actual_start: 'actual_start' must be on or before the data "
        "date (2027-01-11)",
    )
    # 'night' has a problem of its own; tasks naming it are not also reported.
    assert "tasks[4]" not in text


@pytest.mark.parametrize(
    ("name", "kind", "extra"),
    [
        ("plan.xer", "a Primavera P6 export", ""),
        ("plan.XML", "an MS Project XML file", ""),
        ("tasks.csv", "a task table (CSV)", " --start YYYY-MM-DD"),
    ],
)
def test_a_schedule_given_as_a_scenario_points_to_the_import(tmp_path, name, kind, extra):
    """`pmo-sim run plan.xer` says to import it first, naming the command to type,
    instead of reporting a TOML syntax error in a P6 export."""
    path = tmp_path / name
    path.write_text("ERMHDR\t19.12\n")
    with pytest.raises(ScenarioError) as err:
        pmo_sim.load(path)
    message = str(err.value)
    stem = name.split(".")[0]
    assert f"this is {kind}" in message
    assert f"'pmo-sim import {name}{extra} -o {stem}.toml'" in message


def test_a_bad_mode_does_not_hide_a_predecessor_typo_in_the_same_task(scenario_file):
    """A task whose duration is refused still has its links checked: both are reported."""
    path = scenario_file(
        PROJECT_HEAD
        + TASK_A
        + """\
[[tasks]]
id = "build"
duration = { dist = "triangular", min = 30, mode = 70, max = 65 }
predecessors = ["aa"]
[[tasks]]
id = "fit"
duration = 3
predecessors = ["biuld"]
"""
    )
    text = assert_rejected(path, "3 problems found:")
    assert text.splitlines()[1:] == [
        "  - tasks[2] (id 'build', line 7).duration: 'mode' must be between 'min' (30) and "
        "'max' (65) (got 70.0)",
        "  - tasks[2] (id 'build', line 7).predecessors[1]: unknown task id 'aa': no task has "
        "that id",
        "  - tasks[3] (id 'fit', line 11).predecessors[1]: unknown task id 'biuld': no task "
        "has that id",
    ]


def test_every_problem_is_listed_once_in_file_order(scenario_file):
    """Problems come in file order (entries by line, then keys as written), entries after
    one without an id keep their numbers, and a bad link does not hide a bad duration."""
    path = scenario_file(
        PROJECT_HEAD
        + """\
[[risks]]
id = "R1"
probability = 2
cost = 1
[[tasks]]
duration = { dist = "triangular", min = 3, mode = 9, max = 5 }
[[tasks]]
id = "b"
duration = -1
predecessors = [5, { id = "zz", type = "QQ" }, "b"]
[[tasks]]
id = "c"
duration = 1
predecessors = ["yy"]
"""
    )
    text = assert_rejected(path, "9 problems found:")
    assert text.splitlines()[1:] == [
        "  - risks[1] (id 'R1', line 4): 'probability' must be between 0 and 1 (got 2.0)",
        "  - tasks[1] (line 8): 'id' is required: a unique task id such as \"design\"",
        "  - tasks[1] (line 8).duration: 'mode' must be between 'min' (3) and 'max' (5) (got 9.0)",
        "  - tasks[2] (id 'b', line 10): 'duration' must be non-negative: its distribution "
        "reaches -1 working days (got -1.0)",
        "  - tasks[2] (id 'b', line 10).predecessors[1]: 'predecessors[1]' must be a task id "
        'or a table like { id = "a", type = "SS", lag = 2 } (got 5)',
        "  - tasks[2] (id 'b', line 10).predecessors[2]: 'type' must be one of FS, SS, FF, SF "
        "(got 'QQ')",
        "  - tasks[2] (id 'b', line 10).predecessors[2]: unknown task id 'zz': no task has that id",
        "  - tasks[2] (id 'b', line 10).predecessors[3]: a task cannot be its own predecessor",
        "  - tasks[3] (id 'c', line 14).predecessors[1]: unknown task id 'yy': no task has that id",
    ]


def test_partial_mitigated_impacts_in_a_file_keep_the_other_tasks_impacts(scenario_file):
    """mitigated.impacts naming one of a risk's tasks leaves its impact on the others."""
    path = scenario_file(
        PROJECT_HEAD
        + TASK_A
        + '[[tasks]]\nid = "b"\nduration = 2\npredecessors = ["a"]\n'
        + """\
[[risks]]
id = "R1"
probability = 0.3
impacts = [ { tasks = ["a", "b"], factor = { dist = "uniform", min = 1.1, max = 1.4 } } ]
mitigated = { probability = 0.15, impacts = [ { tasks = ["a"], factor = 1.05 } ] }
"""
    )
    post = pmo_sim.load(path).mitigated().risks[0]
    assert post.probability == 0.15
    assert [(i.tasks, i.factor) for i in post.impacts] == [
        (("b",), Uniform(1.1, 1.4)),
        (("a",), Fixed(1.05)),
    ]


def test_an_empty_mitigated_impact_list_is_refused_in_a_file(scenario_file):
    """mitigated = { impacts = [] } would keep every impact, so the file is refused."""
    path = scenario_file(
        PROJECT_HEAD
        + TASK_A
        + '[[risks]]\nid = "R1"\nprobability = 0.3\nimpacts = [ { tasks = ["a"], delay = 3 } ]\n'
        + "mitigated = { impacts = [] }\n"
    )
    assert_rejected(
        path,
        "risks[1] (id 'R1', line 7).mitigated: 'impacts' must be a non-empty list",
    )


def test_a_correlation_item_that_is_not_an_id_is_named(tmp_path):
    """A number (here nan) among a correlation's task ids is a clear error, not a crash
    when pairs are compared (found by the fuzz suite)."""
    text = (DATA.parent.parent / "scenarios" / "warehouse_build.toml").read_text()
    old = 'tasks = ["earthworks", "drainage", "foundations", "external"]'
    assert old in text
    path = tmp_path / "s.toml"
    path.write_text(text.replace(old, old.replace('"earthworks"', "nan"), 1))
    with pytest.raises(ScenarioError, match=r"correlations\[1\].*'tasks\[1\]' must be a string"):
        pmo_sim.load(path)
