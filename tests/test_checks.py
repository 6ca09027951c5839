"""DCMA 14-point schedule assessment: each metric on small schedules built to pass or
fail it, the skips and their reasons, the shared P6 file, and ``pmo-sim check``."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmo_sim import Link, Project, Scenario, Task
from pmo_sim.cli import cli
from pmo_sim.io.importers.common import ImportedSchedule, ImportedTask
from pmo_sim.io.scenario_file import load
from pmo_sim.scheduling.health import assess

REPO = Path(__file__).resolve().parents[1]
SCHEDULES = REPO.parent / "shared" / "data" / "schedules"
START = dt.date(2027, 1, 4)


def scenario(*tasks: Task, deadline: dt.date | None = None) -> Scenario:
    return Scenario(Project("p", START, deadline=deadline), tasks)


def metric(assessment, number):
    return next(m for m in assessment.metrics if m.number == number)


def chain(n: int = 20) -> list[Task]:
    """A clean finish-to-start chain of n one-day tasks."""
    return [Task(f"t{k}", 1, predecessors=(f"t{k - 1}",) if k else ()) for k in range(n)]


def test_clean_chain_passes_what_applies_and_skips_the_rest():
    """A clean chain passes every metric a scenario supports; the others are skipped
    with their reasons."""
    a = assess(scenario(*chain()))
    assert [m.number for m in a.metrics] == list(range(1, 15))
    results = {m.number: m.result for m in a.metrics}
    assert results == {
        1: "pass",
        2: "pass",
        3: "pass",
        4: "pass",
        5: "pass",
        6: "pass",
        7: "pass",
        8: "pass",
        9: "skipped",
        10: "skipped",
        11: "skipped",
        12: "pass",
        13: "skipped",
        14: "skipped",
    }
    assert "has no resources" in metric(a, 10).skipped
    assert "deadline" in metric(a, 13).skipped


def test_missing_logic():
    """Tasks without a predecessor or successor fail the logic metric, start and finish
    excused."""
    tasks = chain(10)
    tasks.insert(5, Task("loose", 1))  # neither the first start nor the last finish
    m = metric(assess(scenario(*tasks)), 1)
    assert m.result == "fail" and m.offenders == ("loose",)
    assert m.count == 1 and m.total == 11


def test_leads_lags_and_types():
    """A negative lag is a lead; positive lags and non-FS links are counted as shares."""
    tasks = chain(20)
    tasks[5] = Task("t5", 1, predecessors=(Link("t4", "FS", -0.5),))
    tasks[6] = Task("t6", 1, predecessors=(Link("t5", "SS", 1),))
    a = assess(scenario(*tasks))
    assert metric(a, 2).offenders == ("t4->t5",) and metric(a, 2).result == "fail"
    m3 = metric(a, 3)
    assert m3.offenders == ("t5->t6",) and m3.value == pytest.approx(100 / 19)
    assert m3.result == "fail"
    m4 = metric(a, 4)
    assert m4.offenders == ("t5->t6 (SS)",) and m4.value == pytest.approx(100 * 18 / 19)
    assert m4.result == "pass"


def test_high_float_and_duration():
    """Float and durations over 44 working days are flagged."""
    tasks = [
        Task("s", 0, milestone=True),
        Task("long", 60, predecessors=("s",)),
        Task("short", 1, predecessors=("s",)),
        Task("f", 0, milestone=True, predecessors=("long", "short")),
    ]
    a = assess(scenario(*tasks))
    assert metric(a, 6).offenders == ("short",)
    assert metric(a, 8).offenders == ("long",) and metric(a, 8).total == 2


def test_critical_path_test_finds_a_task_whose_delay_does_not_carry():
    """A critical task driven only by a finish-to-finish link does not push the finish
    when delayed (its start moves earlier instead): the test names it."""
    tasks = [
        Task("a", 10),
        Task("b", 5, predecessors=(Link("a", "FF"),)),
        Task("c", 3, predecessors=(Link("b", "SS", 2),)),
    ]
    m = metric(assess(scenario(*tasks)), 12)
    assert m.result == "fail" and "b" in m.offenders


def test_cpli_against_the_deadline():
    """CPLI = (critical path length + float to the deadline) / critical path length."""
    tasks = chain(20)  # 20 working days: finish Friday 2027-01-29
    good = metric(assess(scenario(*tasks, deadline=dt.date(2027, 2, 5))), 13)
    assert good.value == pytest.approx(25 / 20) and good.result == "pass"
    late = metric(assess(scenario(*tasks, deadline=dt.date(2027, 1, 22))), 13)
    assert late.value == pytest.approx(15 / 20) and late.result == "fail"


def _imported(s: Scenario, extras: list[ImportedTask], data_date: dt.datetime):
    return ImportedSchedule(
        scenario=s,
        tasks=tuple(extras),
        format="XER",
        source="x.xer",
        data_date=data_date,
        progressed=True,
    )


def test_progress_metrics():
    """Invalid dates, missed tasks and BEI come from actual and baseline dates."""
    s = scenario(*chain(4))
    d = dt.datetime
    extras = [
        ImportedTask(
            "t0",
            status="complete",
            actual_start=d(2027, 1, 4, 8),
            actual_finish=d(2027, 1, 4, 17),
            baseline_finish=d(2027, 1, 4, 17),
        ),
        ImportedTask(
            "t1",
            status="complete",
            actual_start=d(2027, 1, 5, 8),
            actual_finish=d(2027, 1, 8, 17),
            baseline_finish=d(2027, 1, 5, 17),
        ),
        ImportedTask(
            "t2",
            status="in progress",
            actual_start=d(2027, 2, 1, 8),
            baseline_finish=d(2027, 1, 6, 17),
        ),
        ImportedTask(
            "t3",
            baseline_finish=d(2027, 2, 1, 17),
            early_start=d(2027, 1, 5, 8),
            early_finish=d(2027, 1, 12, 17),
        ),
    ]
    a = assess(s, _imported(s, extras, d(2027, 1, 11)))
    assert metric(a, 9).offenders == ("t2", "t3")  # actual in the future; forecast in the past
    m11 = metric(a, 11)
    assert m11.offenders == ("t1", "t2") and m11.total == 3
    m14 = metric(a, 14)
    assert m14.value == pytest.approx(2 / 3) and m14.offenders == ("t2",)


def test_hard_constraints_from_the_file():
    """Hard constraints (here finish no later than) in the file count against metric 5."""
    s = scenario(*chain(2))
    extras = [ImportedTask("t0"), ImportedTask("t1", constraints=(("FNLT", None),))]
    m = metric(assess(s, _imported(s, extras, dt.datetime(2027, 1, 4))), 5)
    assert m.offenders == ("t1",) and m.value == 50.0


@pytest.mark.skipif(not SCHEDULES.is_dir(), reason="shared schedules not found")
def test_trial_project_assessment():
    """The P6 trial project: its in-progress activity has an actual start after the data
    date (an invalid date), float comes from the file, and 20 SF links show in metric 4."""
    from pmo_sim.io.importers import read_schedule

    imp = read_schedule(SCHEDULES / "xer" / "trial_project_wk2.xer")
    a = assess(imp.scenario, imp)
    assert metric(a, 9).offenders == ("340",)
    # P6 gives no float for the start milestone 1400; pmo-sim's CPM fills it in.
    assert a.float_source.startswith("the file (XER); pmo-sim CPM for the 1 tasks")
    m4 = metric(a, 4)
    assert m4.total == 301 and m4.count == 269


def test_check_command_text_json_and_strict(tmp_path):
    """`pmo-sim check` prints the table, --json the document, --strict exits 3 on a fail."""
    runner = CliRunner()
    ok = runner.invoke(cli, ["check", str(REPO / "scenarios" / "office_move.toml")])
    assert ok.exit_code == 0, ok.output
    assert "Logic (missing predecessor or successor)" in ok.stdout and "skipped" in ok.stdout
    doc = json.loads(
        runner.invoke(cli, ["check", str(REPO / "scenarios" / "office_move.toml"), "--json"]).stdout
    )
    assert len(doc["metrics"]) == 14 and set(doc["summary"]) == {"pass", "fail", "skipped"}
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[project]\nname = "b"\nstart = 2027-01-04\n'
        '[[tasks]]\nid = "a"\nduration = 1\n[[tasks]]\nid = "b"\nduration = 1\n'
        '[[tasks]]\nid = "c"\nduration = 1\npredecessors = [{ id = "a", lag = -1 }]\n'
    )
    strict = runner.invoke(cli, ["check", str(bad), "--strict"])
    assert strict.exit_code == 3
    assert runner.invoke(cli, ["check", str(bad)]).exit_code == 0


@pytest.mark.skipif(not SCHEDULES.is_dir(), reason="shared schedules not found")
def test_check_on_schedule_files():
    """`pmo-sim check` reads schedule files directly; warnings go to stderr."""
    result = CliRunner().invoke(
        cli, ["check", str(SCHEDULES / "mspdi" / "projectlibre_new_product.xml"), "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    leads = doc["metrics"][1]
    assert leads["result"] == "fail" and leads["offenders"] == ["25->28"]
    assert "warning:" in result.stderr


def test_critical_path_test_counts_the_delay_on_the_task_calendar():
    """a (mon-fri) then b (every day): delaying a by 600 of its working days moves the
    finish by 600 mon-fri days, 840 days of the every-day timeline: the logic holds."""
    from pmo_sim import Calendar

    s = Scenario(
        Project("cal", START, calendars={"seven": Calendar("all-days")}),
        (Task("a", 10), Task("b", 5, calendar="seven", predecessors=("a",))),
    )
    m = metric(assess(s), 12)
    assert m.result == "pass" and m.offenders == ()


def test_progressed_scenario_file_leaves_complete_tasks_out():
    """Complete tasks of a scenario file are history: the logic and duration metrics
    count the remaining task only; CPLI measures the critical path from the data date."""
    done = {"status": "complete", "actual_start": START, "actual_finish": dt.date(2027, 12, 31)}
    s = Scenario(
        Project("prog", START, data_date=dt.date(2028, 1, 3), deadline=dt.date(2028, 1, 14)),
        (
            Task("a", 200, **done),
            Task("orphan_done", 50, **done),
            Task("b", 20, predecessors=("a",)),
        ),
    )
    a = assess(s)
    assert (metric(a, 1).count, metric(a, 1).total) == (0, 1)
    assert (metric(a, 8).count, metric(a, 8).total) == (0, 1)
    assert "data date" in metric(a, 9).skipped
    # 20 working days left from Mon 3 Jan 2028 to a deadline 10 working days in (Fri 14):
    # float -10, CPLI (20 - 10) / 20.
    cpli = metric(a, 13)
    assert cpli.value == pytest.approx(0.5) and cpli.result == "fail"


def test_bei_counts_tasks_completed_ahead_of_their_baseline():
    """DCMA's BEI divides every completed task by the tasks due: one completed on time,
    one due and open, one completed before its (later) baseline: 2 / 2."""
    d = dt.datetime
    s = scenario(*chain(3))
    extras = (
        ImportedTask(
            "t0",
            status="complete",
            actual_start=d(2027, 1, 4, 8),
            actual_finish=d(2027, 1, 4, 17),
            baseline_finish=d(2027, 1, 4, 17),
        ),
        ImportedTask(
            "t1",
            status="in progress",
            actual_start=d(2027, 1, 5, 8),
            baseline_finish=d(2027, 1, 5, 17),
        ),
        ImportedTask(
            "t2",
            status="complete",
            actual_start=d(2027, 1, 5, 8),
            actual_finish=d(2027, 1, 6, 17),
            baseline_finish=d(2027, 2, 1, 17),
        ),
    )
    imp = ImportedSchedule(
        scenario=s,
        tasks=extras,
        format="XER",
        source="x.xer",
        data_date=d(2027, 1, 11),
        progressed=True,
    )
    bei = metric(assess(s, imp), 14)
    assert (bei.value, bei.result, bei.offenders) == (1.0, "pass", ("t1",))


@pytest.mark.parametrize("columns", [None, "70", "80", "120"])
def test_check_table_fits_the_width_and_keeps_every_result(columns):
    """`pmo-sim check` fits its output to COLUMNS (100 when unset and stdout is not a
    terminal): every line fits, each metric's first line keeps its number, measured value
    and result, and no word of a metric, offender or skip reason is lost."""
    path = REPO / "scenarios" / "warehouse_build.toml"
    result = CliRunner().invoke(cli, ["check", str(path)], env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    width = int(columns or 100)
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    body = result.stdout.split("\n\n")[0].splitlines()[2:]
    starts = {line.split()[0]: line for line in body if line[:1].isdigit()}
    a = assess(load(path))
    assert list(starts) == [str(m.number) for m in a.metrics]
    words = result.stdout.split()
    flat = " ".join(words)
    for m in a.metrics:
        first = starts[str(m.number)]
        assert re.search(rf"  {re.escape(m.measured())}\s+{m.result}(\s|$)", first), first
        assert all(word in words for word in m.name.split())
        for offender in m.offenders[:5]:
            assert any(offender in line for line in lines), offender
        if m.skipped:
            assert f"{m.number}. {m.name}: skipped: {m.skipped}" in flat
    if len(m.offenders) > 5:
        assert f"(+{len(m.offenders) - 5})" in words
    assert "6 passed, 4 failed, 4 skipped" in result.stdout


def _render_before_wrapping(assessment) -> str:
    """The check's text as it was printed before it fitted the width (the wide layout)."""
    from pmo_sim.report.text import table

    rows = []
    for m in assessment.metrics:
        offenders = ", ".join(m.offenders[:5]) + (
            f" (+{len(m.offenders) - 5})" if len(m.offenders) > 5 else ""
        )
        rows.append([str(m.number), m.name, m.threshold, m.measured(), m.result, offenders])
    out = [
        table(
            ["#", "metric", "threshold", "measured", "result", "offending tasks"], rows, right=set()
        )
    ]
    c = assessment.counts()
    out.append(
        f"\n{c['pass']} passed, {c['fail']} failed, {c['skipped']} skipped "
        f"(float from {assessment.float_source})"
    )
    for m in assessment.metrics:
        if m.skipped:
            out.append(f"  {m.number}. {m.name}: skipped: {m.skipped}")
    for n in assessment.notes:
        out.append(f"note: {n}")
    return "\n".join(out)


@pytest.mark.parametrize("name", ["warehouse_build.toml", "office_move.toml"])
def test_check_text_is_unchanged_when_it_fits(name):
    """Where the whole table fits the width, the check prints it as before, one line per
    metric; the metric names stay whole at the default 100 columns."""
    from pmo_sim.report.health import render

    a = assess(load(REPO / "scenarios" / name))
    assert render(a, width=400) == _render_before_wrapping(a)
    narrow = render(a, width=100)
    for m in a.metrics:
        assert f"  {m.name}  " in narrow


def test_a_scenario_files_mandatory_dates_count_as_hard_constraints(tmp_path):
    """Metric 5 counts the mandatory dates a scenario file holds."""
    import pmo_sim
    from pmo_sim.scheduling.health import assess

    path = tmp_path / "m.toml"
    path.write_text(
        '[project]\nname = "m"\nstart = 2027-01-04\n'
        '[[tasks]]\nid = "a"\nduration = 3\n'
        '[[tasks]]\nid = "b"\nduration = 3\npredecessors = ["a"]\n'
        "mandatory_start = 2027-01-11\n"
    )
    metric = next(m for m in assess(pmo_sim.load(path)).metrics if m.number == 5)
    assert metric.offenders == ("b",)
