"""Task tables and risk registers in CSV and XLSX; the shipped templates; and the 125
real-life projects (Batselier & Vanhoucke), whose CPM lengths must equal the reference.
"""

from __future__ import annotations

import csv
import datetime as dt
import textwrap
from collections import defaultdict
from pathlib import Path

import pytest

from pmo_sim import Calendar, Pert, Triangular, schedule
from pmo_sim.io.importers import read_schedule
from pmo_sim.io.importers.common import Collector
from pmo_sim.io.importers.csv_tables import (
    Row,
    parse_predecessors,
    read_risk_register,
    read_task_table,
    tasks_from_rows,
)
from pmo_sim.model.errors import ScenarioError

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "scenarios" / "templates"
REAL_LIFE = REPO.parent / "shared" / "data" / "real_life"


def write(tmp_path: Path, text: str, name: str = "tasks.csv") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- tasks


def test_predecessor_syntax():
    """'a;b:SS+2;c:FF-1' is an FS link, an SS link with lag 2 and an FF lead of 1."""
    links = parse_predecessors("a; b:SS+2 ;c:ff-1.5")
    assert [(k.predecessor, k.type, k.lag) for k in links] == [
        ("a", "FS", 0.0),
        ("b", "SS", 2.0),
        ("c", "FF", -1.5),
    ]


@pytest.mark.parametrize("item", ["a:FS+1e999", "a:ss+2d", "a:XX+2", "a:FS+"])
def test_a_link_with_an_unreadable_type_or_lag_is_named_as_such(item):
    """Not reported as an unknown task id 'a:FS+1e999': the link is what is wrong."""
    with pytest.raises(ValueError, match="items like a, b:SS\\+2 or c:FF-1"):
        parse_predecessors(item)


def test_ids_may_hold_dashes_and_plus():
    """Without a ':TYPE', the whole item is the id, so 'a-1' and 'b+2' are ids."""
    assert [k.predecessor for k in parse_predecessors("a-1;b+2")] == ["a-1", "b+2"]
    assert parse_predecessors("x:y:FS+1")[0].predecessor == "x:y"


def test_task_table(tmp_path):
    """Columns give ids, names, links, fixed or three-point durations, costs, milestones,
    WBS and start-no-earlier-than dates."""
    header = (
        "ID,Name,Predecessors,Duration,Dist,Min,Most Likely,Max,Fixed Cost,Per Day,"
        "Milestone,WBS,start_no_earlier_than"
    )
    path = write(
        tmp_path,
        f"""
        {header}
        a,Design,,,pert,2,3,6,100,10,,1.1,
        b,Build,a:SS+1,4,,,,,,,,1.2,2027-01-11
        c,Test,a;b,,,1,2,4,,,no,,
        m,Done,c,,,,,,,,yes,,
        """,
    )
    imp = read_task_table(path, start="2027-01-04")
    s = imp.scenario
    assert s.task("a").duration == Pert(2, 3, 6) and s.task("a").name == "Design"
    assert s.task("c").duration == Triangular(1, 2, 4)
    assert s.task("b").predecessors[0].type == "SS" and s.task("b").predecessors[0].lag == 1
    assert s.task("a").cost.per_day == 10 and s.task("a").cost.fixed.deterministic == 100
    assert s.task("b").start_no_earlier_than == dt.date(2027, 1, 11)
    assert s.task("m").milestone and s.task("a").wbs == "1.1"
    assert imp.warnings == ()
    assert schedule(s).finish == 11.0


def test_link_table(tmp_path):
    """Links may come from a separate table of predecessor, successor, type and lag."""
    tasks = write(tmp_path, "id,duration\na,2\nb,3\n")
    links = write(tmp_path, "predecessor,successor,type,lag\na,b,FS,1\n", "links.csv")
    imp = read_schedule(tasks, start="2027-01-04", links=links)
    assert imp.scenario.task("b").predecessors[0].lag == 1.0
    assert schedule(imp.scenario).finish == 6.0


def test_semicolon_separated_csv(tmp_path):
    """A CSV written with ';' separators (European Excel) is read too."""
    path = write(tmp_path, "id;duration;predecessors\na;2;\nb;3;a\n")
    assert schedule(read_task_table(path, start="2027-01-04").scenario).finish == 5.0


def test_every_bad_cell_is_reported_with_row_and_id(tmp_path):
    """Every problem is listed with the file, the spreadsheet row and the task id."""
    path = write(
        tmp_path,
        """
        id,duration,dist,min,mode,max,predecessors,milestone
        a,two,,,,,,
        b,,triangular,5,3,9,,
        c,,,,,,a:XX+1,
        d,,,,,,,maybe
        ,1,,,,,,
        e,,,,,,,
        """,
    )
    with pytest.raises(ScenarioError) as err:
        read_task_table(path, start="2027-01-04")
    message = str(err.value)
    assert "tasks.csv: 6 problems found" in message
    assert "row 2 (id 'a'): 'duration' must be a number (got 'two')" in message
    assert "row 3 (id 'b')" in message and "'mode' must be between" in message
    assert "row 4 (id 'c')" in message and "'predecessors' must be items like" in message
    assert "row 5 (id 'd'): 'milestone' must be true or false" in message
    assert "row 6: 'id' is required" in message
    assert "row 7 (id 'e'): a duration is required" in message


def test_unknown_predecessor_is_reported(tmp_path):
    """A link to an id the table does not hold is reported with the task."""
    path = write(tmp_path, "id,duration,predecessors\na,1,\nb,1,zz\n")
    with pytest.raises(ScenarioError, match="unknown task id 'zz'"):
        read_task_table(path, start="2027-01-04")


def test_unknown_columns_are_warned_with_a_hint(tmp_path):
    """An unknown column is ignored with a warning that suggests the intended name."""
    path = write(tmp_path, "id,duration,fixed_cots\na,1,5\n")
    imp = read_task_table(path, start="2027-01-04")
    assert any("did you mean 'fixed_cost'" in str(w) for w in imp.warnings)


def test_task_table_needs_a_start(tmp_path):
    """Reading a task table as a schedule without a start says how to give one."""
    path = write(tmp_path, "id,duration\na,1\n")
    with pytest.raises(ScenarioError, match="--start"):
        read_schedule(path)


def test_calendar_and_progress_columns(tmp_path):
    """A 'calendar' cell gives the task's working days (a task calendar named by them);
    'status' and the actual dates carry progress, scheduled from the data date."""
    path = write(
        tmp_path,
        """
        id,predecessors,duration,Work Days,Status,Actual Start,Actual Finish
        a,,5,,Completed,2027-01-04,2027-01-08
        b,a,10,Mon-Sat,in-progress,2027-01-11,
        c,b,6,all-days,,,
        """,
    )
    imp = read_task_table(path, start="2027-01-04", data_date="2027-01-13")
    s = imp.scenario
    assert dict(s.project.calendars) == {
        "mon-sat": Calendar("mon-sat"),
        "all-days": Calendar("all-days"),
    }
    assert s.project.data_date == dt.date(2027, 1, 13)
    a, b, c = s.tasks
    assert (a.status, a.actual_start, a.actual_finish) == (
        "complete",
        dt.date(2027, 1, 4),
        dt.date(2027, 1, 8),
    )
    assert (b.calendar, b.status, b.actual_start) == (
        "mon-sat",
        "in progress",
        dt.date(2027, 1, 11),
    )
    assert c.calendar == "all-days" and c.status == "not started"
    assert imp.progressed and imp.task("b").status == "in progress"
    # b works its 10 remaining days Monday to Saturday from Wednesday 13 January: 13-16,
    # 18-23 (Saturdays worked), finishing Saturday 23; c then works every day from
    # Sunday 24 to Friday 29.
    dates = schedule(s).to_dict()["tasks"]
    assert dates["b"]["early_finish_date"] == "2027-01-23"
    assert (dates["c"]["early_start_date"], dates["c"]["early_finish_date"]) == (
        "2027-01-24",
        "2027-01-29",
    )


def test_progress_without_a_data_date_says_how_to_give_one(tmp_path):
    path = write(tmp_path, "id,duration,status,actual_start\na,5,in progress,2027-01-04\n")
    with pytest.raises(ScenarioError, match="--data-date"):
        read_task_table(path, start="2027-01-04")


def test_bad_calendar_and_progress_cells_name_row_and_id(tmp_path):
    path = write(
        tmp_path,
        """
        id,duration,calendar,status,actual_start,actual_finish
        a,5,mon-funday,,,
        b,5,,half done,,
        c,5,,complete,2027-01-04,
        d,5,,not started,2027-01-04,
        """,
    )
    with pytest.raises(ScenarioError) as err:
        read_task_table(path, start="2027-01-04", data_date="2027-02-01")
    text = str(err.value)
    assert "row 2 (id 'a')" in text and "'calendar' 'mon-funday'" in text
    assert "row 3 (id 'b')" in text and "half done" in text
    assert "row 4 (id 'c')" in text and "'actual_finish' is required" in text
    assert "row 5 (id 'd')" in text and "has started" in text


def test_a_table_in_neither_utf8_nor_windows_1252_is_refused_with_its_line(tmp_path):
    """0x81 has no character in either encoding: the line and the way out are named."""
    path = tmp_path / "tasks.csv"
    path.write_bytes(b"id,name,duration\na,Cafe,3\nb,Caf\x81,3\n")
    with pytest.raises(ScenarioError, match="line 3: byte 0x81 is neither UTF-8 nor"):
        read_task_table(path, start="2027-01-04")


def test_duplicate_ids_name_the_spreadsheet_rows(tmp_path):
    """Problems found across tasks are placed by the row the user sees (the header is
    row 1), not by the task's position in the table, in the place and in the message."""
    path = write(tmp_path, "id,duration,predecessors\na,5,b\nb,5,a\nb,3,\n")
    with pytest.raises(ScenarioError) as err:
        read_task_table(path, start="2027-01-04")
    assert "row 4 (id 'b'): duplicate task id 'b' (first used by row 3)" in str(err.value)


def test_dates_outside_the_supported_range_name_row_and_id(tmp_path):
    path = write(tmp_path, "id,duration,status,actual_start\na,5,in progress,9999-12-30\n")
    with pytest.raises(ScenarioError) as err:
        read_task_table(path, start="2027-01-04", data_date="2027-02-01")
    assert "row 2 (id 'a'): 'actual_start' must be a date between 1900-01-01" in str(err.value)


def test_progress_problems_found_by_the_model_name_the_row(tmp_path):
    """Checks the scenario makes (an actual date after the data date) point at the
    spreadsheet row, not at the task's position."""
    path = write(
        tmp_path,
        """
        id,duration,status,actual_start,actual_finish
        a,5,complete,2027-01-04,2027-01-08
        b,5,in progress,2027-01-11,
        """,
    )
    with pytest.raises(ScenarioError) as err:
        read_task_table(path, start="2027-01-04", data_date="2027-01-05")
    text = str(err.value)
    assert "row 2 (id 'a').actual_finish" in text
    assert "row 3 (id 'b').actual_start" in text
    assert "tasks[" not in text


def test_import_command_takes_a_data_date(tmp_path):
    """``pmo-sim import --data-date`` writes a scenario that loads back with the progress."""
    from click.testing import CliRunner

    from pmo_sim.cli import cli
    from pmo_sim.io.scenario_file import load

    path = write(tmp_path, "id,duration,status,actual_start\na,5,in progress,2027-01-04\nb,3,,\n")
    out = tmp_path / "plan.toml"
    args = ["import", str(path), "--start", "2027-01-04", "--data-date", "2027-01-06"]
    result = CliRunner().invoke(cli, [*args, "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    loaded = load(out)
    assert loaded.project.data_date == dt.date(2027, 1, 6)
    assert loaded.tasks[0].status == "in progress"
    missing = CliRunner().invoke(cli, args[:4])
    assert missing.exit_code == 2 and "--data-date" in missing.output


def test_xlsx_task_table_and_register(tmp_path):
    """An XLSX workbook with sheets 'tasks' and 'risks' gives both tables."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "tasks"
    for row in (
        ["id", "dist", "min", "mode", "max", "predecessors"],
        ["a", "triangular", 1, 2, 4, None],
        ["b", None, 2, 3, 5, "a"],
    ):
        sheet.append(row)
    risks = book.create_sheet("risks")
    for row in (
        ["id", "probability", "tasks", "delay_min", "delay_mode", "delay_max"],
        ["R1", 0.25, "b", 1, 2, 3],
    ):
        risks.append(row)
    path = tmp_path / "plan.xlsx"
    book.save(path)
    imp = read_task_table(path, start=dt.date(2027, 1, 4))
    assert imp.scenario.task("b").duration == Triangular(2, 3, 5)
    register = read_risk_register(path, task_ids=imp.scenario.task_ids)
    assert register[0].probability == 0.25


def test_xlsx_without_openpyxl_is_a_clear_error(tmp_path, monkeypatch):
    """Without openpyxl, an .xlsx file gets the message naming the excel extra."""
    import builtins

    real_import = builtins.__import__

    def no_openpyxl(name, *args, **kwargs):
        if name == "openpyxl":
            raise ImportError(name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_openpyxl)
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(ScenarioError, match=r'pip install "\.\[excel\]"'):
        read_task_table(path, start="2027-01-04")


# --------------------------------------------------------------------------- risks


def test_risk_register(tmp_path):
    """Three-point columns without a family are triangular; percentages are probabilities;
    mitigated values and response costs make the mitigated state."""
    header = (
        "id,name,probability,tasks,delay_min,delay_mode,delay_max,cost,"
        "mitigated_probability,mitigated_delay_max,response_cost"
    )
    path = write(
        tmp_path,
        f"""
        {header}
        R1,Appeal,30%,a;b,1,2,5,1000,10%,,500
        R2,Rework,0.5,b,2,3,4,,,3.5,
        """,
        "risks.csv",
    )
    r1, r2 = read_risk_register(path, task_ids=["a", "b"])
    assert r1.probability == pytest.approx(0.3) and r1.impacts[0].tasks == ("a", "b")
    assert r1.impacts[0].delay == Triangular(1, 2, 5) and r1.cost.deterministic == 1000
    assert r1.mitigated.probability == pytest.approx(0.1) and r1.mitigated.response_cost == 500
    assert r1.mitigated.impacts is None
    # A mitigated maximum alone keeps the pre-mitigation minimum and mode.
    assert r2.mitigated.impacts[0].delay == Triangular(2, 3, 3.5)


def test_register_rows_continue_a_risk(tmp_path):
    """A row with the previous row's id and no probability adds another impact."""
    path = write(
        tmp_path,
        """
        id,probability,tasks,delay,factor_min,factor_mode,factor_max
        R1,0.2,a,,1.1,1.2,1.5
        R1,,b,3,,,
        """,
        "risks.csv",
    )
    (risk,) = read_risk_register(path, task_ids=["a", "b"])
    assert len(risk.impacts) == 2
    assert risk.impacts[1].delay.deterministic == 3.0


def test_register_errors_name_row_and_risk(tmp_path):
    """Bad probabilities, unknown tasks and impacts without tasks are each reported."""
    path = write(
        tmp_path,
        """
        id,probability,tasks,delay_min,delay_mode,delay_max
        R1,often,a,1,2,3
        R2,0.2,zz,1,2,3
        R3,0.2,,1,2,3
        R4,1.5,a,1,2,3
        """,
        "risks.csv",
    )
    with pytest.raises(ScenarioError) as err:
        read_risk_register(path, task_ids=["a"])
    message = str(err.value)
    assert "row 2 (id 'R1'): 'probability' must be a number (got 'often')" in message
    assert "row 3 (id 'R2'): unknown task id 'zz'" in message
    assert "row 4 (id 'R3'): 'tasks' is required" in message
    assert "row 5 (id 'R4')" in message and "between 0 and 1" in message


def test_an_unknown_task_in_a_risk_of_several_rows_names_its_own_row(tmp_path):
    """R1 has three rows (one impact each); the unknown task is on the second, row 3 of
    the file: that row is named, not the risk's first or last."""
    path = write(
        tmp_path,
        """
        id,probability,tasks,delay_min,delay_mode,delay_max
        R1,0.3,a,1,2,3
        R1,,zz,1,2,3
        R1,,a,2,3,4
        R2,0.2,a;yy,1,2,3
        """,
        "risks.csv",
    )
    with pytest.raises(ScenarioError) as err:
        read_risk_register(path, task_ids=["a"])
    message = str(err.value)
    assert "row 3 (id 'R1'): unknown task id 'zz'" in message
    assert "row 5 (id 'R2'): unknown task id 'yy'" in message
    assert "row 2 " not in message and "row 4 " not in message


@pytest.mark.parametrize(
    "text",
    ["id,name,t", "id,probability,tasks,delay_min,delay_mode,delay_max\n", "foo,bar\n"],
    ids=["a header cut short", "a header alone", "no id column"],
)
def test_a_register_with_no_risk_rows_is_refused(tmp_path, text):
    """A header with no rows is what a cut-short export or the wrong file looks like:
    refused like an empty file, never read as a register of 0 risks."""
    path = tmp_path / "risks.csv"
    path.write_text(text)
    with pytest.raises(ScenarioError, match="the risk register has no risks"):
        read_risk_register(path)


# --------------------------------------------------------------------------- templates


def test_templates_load():
    """The shipped templates read cleanly, and their register fits their task table."""
    imp = read_task_table(TEMPLATES / "tasks.csv", start="2027-01-04")
    assert imp.warnings == ()
    register = read_risk_register(TEMPLATES / "risks.csv", task_ids=imp.scenario.task_ids)
    assert [r.id for r in register] == ["R1", "R2", "R3"]
    assert register[2].type == "opportunity"


# --------------------------------------------------------------------------- real life


def _real_life() -> tuple[dict, dict, dict]:
    """Per project: activity rows, relation rows and the reference CPM length (hours)."""
    if not REAL_LIFE.is_dir():
        pytest.skip("shared real-life projects not found (../shared/data/real_life)")
    activities, relations = defaultdict(list), defaultdict(list)
    with (REAL_LIFE / "activities.csv").open(newline="") as fh:
        for r in csv.DictReader(fh):
            activities[r["project_code"]].append(r)
    with (REAL_LIFE / "relations.csv").open(newline="") as fh:
        for r in csv.DictReader(fh):
            relations[r["project_code"]].append(r)
    with (REAL_LIFE / "projects.csv").open(newline="") as fh:
        reference = {
            r["project_code"]: float(r["cpm_length_fs_no_lag"]) for r in csv.DictReader(fh)
        }
    return activities, relations, reference


#: The data set's durations are working hours (multiples of 4 and 8 dominate); the
#: adapter converts them to working days of 8 hours.
HOURS_PER_DAY = 8.0


def _adapter(activities: list[dict], relations: list[dict]) -> tuple[list[Row], list[Row]]:
    """The data set's columns as a task table (id, duration in days, fixed cost) and a
    link table (predecessor, successor), numbered as spreadsheet rows."""
    tasks = [
        Row(
            k + 2,
            {
                "id": a["activity"],
                "duration": float(a["duration"]) / HOURS_PER_DAY,
                "fixed_cost": a["cost"],
            },
        )
        for k, a in enumerate(activities)
    ]
    links = [
        Row(k + 2, {"predecessor": r["predecessor"], "successor": r["successor"]})
        for k, r in enumerate(relations)
    ]
    return tasks, links


def test_real_life_projects_cpm_lengths():
    """All 125 real-life projects load through the task-table reader, and each CPM length
    equals the data set's reference (finish-to-start, no lags)."""
    from pmo_sim import Project, Scenario

    activities, relations, reference = _real_life()
    assert len(reference) == 125
    wrong = []
    for code, length in reference.items():
        c = Collector(code)
        task_rows, link_rows = _adapter(activities[code], relations[code])
        tasks = tasks_from_rows(task_rows, c, link_rows)
        assert not c.problems, c.problems
        s = Scenario(Project(name=code, start=dt.date(2027, 1, 4)), tuple(tasks))
        if schedule(s).finish * HOURS_PER_DAY != length:
            wrong.append((code, schedule(s).finish * HOURS_PER_DAY, length))
    assert not wrong, wrong


def test_real_life_project_from_csv_files(tmp_path):
    """One real-life project written out as CSV files reads back through read_schedule."""
    activities, relations, reference = _real_life()
    code = "C2011-01"
    tasks = tmp_path / "tasks.csv"
    with tasks.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "duration", "fixed_cost"])
        for a in activities[code]:
            w.writerow([a["activity"], float(a["duration"]) / HOURS_PER_DAY, a["cost"]])
    links = tmp_path / "links.csv"
    with links.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["predecessor", "successor"])
        for r in relations[code]:
            w.writerow([r["predecessor"], r["successor"]])
    imp = read_schedule(tasks, start="2027-01-04", links=links)
    assert len(imp.scenario.tasks) == 153
    assert schedule(imp.scenario).finish * HOURS_PER_DAY == reference[code]


def test_constraint_columns(tmp_path):
    """finish_no_earlier_than, mandatory_start/finish and as_late_as_possible columns
    become the task's constraints."""
    path = write(
        tmp_path,
        """
        id,duration,predecessors,fnet,mandatory_start,alap
        a,3,,2027-01-08,,
        b,2,a,,2027-01-13,
        c,1,a,,,yes
        """,
    )
    s = read_task_table(path, start=dt.date(2027, 1, 4)).scenario
    assert s.task("a").finish_no_earlier_than == dt.date(2027, 1, 8)
    assert s.task("b").mandatory_start == dt.date(2027, 1, 13)
    assert s.task("c").as_late_as_possible and not s.task("b").as_late_as_possible


# --------------------------------------------------------------------------- resources


def test_resources_column_and_resource_table(tmp_path):
    """A resources cell (crew:3;crane) becomes assignments; the resource table gives
    rates (a number or a three-point range) and capacities; a resource the table lacks
    comes in at rate 0, unlimited, with a warning; the levelled plan serialises the two
    tasks that both need the one crane."""
    from pmo_sim import levelled_plan

    tasks = write(
        tmp_path,
        """
        id,duration,predecessors,resources
        a,5,,eng:2
        b,10,a,crew:3;crane
        c,8,a,crew:2; crane
        d,6,b;c,crew
        """,
    )
    table = write(
        tmp_path,
        """
        id,name,dist,min,mode,max,rate,capacity
        crew,Carpenters,triangular,380,400,450,,4
        crane,Tower crane,,,,,900,1
        """,
        "resources.csv",
    )
    imp = read_schedule(tasks, start="2027-01-04", resource_table=table)
    s = imp.scenario
    by_id = {r.id: r for r in s.resources}
    assert by_id["crew"].rate == Triangular(380, 400, 450) and by_id["crew"].capacity == 4
    assert by_id["crane"].rate.deterministic == 900 and by_id["crane"].capacity == 1
    assert by_id["eng"].rate.deterministic == 0 and by_id["eng"].capacity is None
    assert any("'eng'" in str(w) for w in imp.warnings)
    assert [(a.resource, a.units.deterministic) for a in s.task("b").resources] == [
        ("crew", 3.0),
        ("crane", 1.0),
    ]
    assert levelled_plan(s.with_levelling(True)).makespan == 5 + 10 + 8 + 6


@pytest.mark.parametrize(
    "cell, table, words",
    [
        ("crew:x", "id,capacity\ncrew,2\n", ["row 2 (id 'a')", "items like crew:2 or crane"]),
        ("crew:0", "id,capacity\ncrew,2\n", ["row 2 (id 'a')", "'units' must be more than 0"]),
        ("crew", "id,capacity\ncrew,two\n", ["resources.csv row 2 (id 'crew')", "capacity"]),
        ("crew", "name,capacity\nCrew,2\n", ["resources.csv row 2", "'id' is required"]),
        ("crew", "id,rate\ncrew,lots\n", ["resources.csv row 2 (id 'crew')", "'rate' must be"]),
        (
            "crew",
            "id,rate\ncrew,1\ncrane,2\ncrew,3\n",
            ["resources.csv row 4 (id 'crew')", "duplicate resource id 'crew' (row 2 has it)"],
        ),
    ],
)
def test_bad_resource_cells_are_named_by_row(tmp_path, cell, table, words):
    tasks = write(tmp_path, f"id,duration,resources\na,3,{cell}\n")
    res = write(tmp_path, table, "resources.csv")
    with pytest.raises(ScenarioError) as info:
        read_schedule(tasks, start="2027-01-04", resource_table=res)
    text = str(info.value)
    for w in words:
        assert w in text, text


def test_real_life_projects_with_resources_level_within_their_capacities(tmp_path):
    """The 46 real-life projects that give resource demands and capacities, written as a
    task table with a resources column and a resource table: every demand comes across,
    and each levelled plan keeps every capacity at every start, keeps its links and is
    no shorter than the critical path (a capacity of -1 in the data reads as none)."""
    from pmo_sim import levelled_plan

    activities, relations, reference = _real_life()
    caps: dict = defaultdict(dict)
    demands: dict = defaultdict(lambda: defaultdict(list))
    with (REAL_LIFE / "resource_capacities.csv").open(newline="") as fh:
        for r in csv.DictReader(fh):
            caps[r["project_code"]][r["resource"]] = r["capacity"]
    with (REAL_LIFE / "resource_demands.csv").open(newline="") as fh:
        for r in csv.DictReader(fh):
            demands[r["project_code"]][r["activity"]].append((r["resource"], r["demand"]))
    assert len(caps) == 46
    for code in caps:
        folder = tmp_path / code
        folder.mkdir()
        with (folder / "tasks.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "duration", "resources"])
            for a in activities[code]:
                cell = ";".join(f"{r}:{d}" for r, d in demands[code][a["activity"]])
                w.writerow([a["activity"], float(a["duration"]) / HOURS_PER_DAY, cell])
        with (folder / "links.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["predecessor", "successor"])
            for r in relations[code]:
                w.writerow([r["predecessor"], r["successor"]])
        with (folder / "resources.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "capacity"])
            for rid, cap in caps[code].items():
                w.writerow([rid, cap])
        imp = read_schedule(
            folder / "tasks.csv",
            start="2027-01-04",
            links=folder / "links.csv",
            resource_table=folder / "resources.csv",
        )
        s = imp.scenario
        n = sum(len(v) for v in demands[code].values())
        assert sum(len(t.resources) for t in s.tasks) == n, code
        plan = levelled_plan(s.with_levelling(True))
        start = dict(zip([t.id for t in s.tasks], plan.start.tolist(), strict=True))
        finish = dict(zip([t.id for t in s.tasks], plan.finish.tolist(), strict=True))
        for t in s.tasks:
            for link in t.predecessors:
                assert start[t.id] >= finish[link.predecessor] - 1e-9, (code, t.id)
        for r in s.resources:
            if r.capacity is None:
                continue
            use = {
                t.id: a.units.deterministic
                for t in s.tasks
                for a in t.resources
                if a.resource == r.id and finish[t.id] > start[t.id]
            }
            for x in {start[t] for t in use}:
                used = sum(u for t, u in use.items() if start[t] <= x < finish[t])
                assert used <= r.capacity + 1e-9, (code, r.id, x)
        assert plan.makespan * HOURS_PER_DAY >= reference[code] - 1e-6, code


def test_a_numeric_resource_id_in_a_cell_is_kept(tmp_path):
    """A resources cell holding the number 0 (as a spreadsheet stores it) names resource
    "0", as the text "0" in a CSV does."""
    tasks = write(tmp_path, "id,duration,resources\na,5,0\n")
    table = write(tmp_path, "id,rate,capacity\n0,100,1\n", "resources.csv")
    imp = read_schedule(tasks, start="2027-01-04", resource_table=table)
    assert [a.resource for a in imp.scenario.task("a").resources] == ["0"]

    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "tasks"
    for row in (["id", "duration", "resources"], ["a", 5, 0]):
        sheet.append(row)
    res = book.create_sheet("resources")
    for row in (["id", "rate", "capacity"], [0, 100, 1]):
        res.append(row)
    path = tmp_path / "plan.xlsx"
    book.save(path)
    imp = read_schedule(path, start="2027-01-04", resource_table=path)
    assert [a.resource for a in imp.scenario.task("a").resources] == ["0"]
    assert imp.scenario.resources[0].capacity == 1
