"""``pmo-sim import``: schedule files to runnable scenario files, with ranges and a risk
register, atomic writes, and clean errors for every shared file that cannot be read."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import pmo_sim
from pmo_sim.base.files import OutputError, atomic_write
from pmo_sim.cli import cli

REPO = Path(__file__).resolve().parents[1]
SCHEDULES = REPO.parent / "shared" / "data" / "schedules"
ALL_FILES = sorted(p for p in SCHEDULES.glob("*/*") if p.is_file()) if SCHEDULES.is_dir() else []


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def plan(tmp_path):
    """A small task table, a register and rules, as files."""
    (tmp_path / "tasks.csv").write_text(
        "id,name,predecessors,duration,wbs\n"
        "a,Design,,10,P.DES\nb,Build,a,20,P.CIV\nc,Test,b:SS+5,5,P.CIV\n"
    )
    (tmp_path / "risks.csv").write_text(
        "id,probability,tasks,delay_min,delay_mode,delay_max,cost\nR1,0.3,b,1,2,5,1000\n"
    )
    (tmp_path / "ranges.toml").write_text(
        textwrap.dedent(
            """
            [[ranges]]
            min = 90
            max = 120
            [[ranges]]
            wbs = "P.CIV"
            dist = "pert"
            min = 80
            max = 150
            """
        )
    )
    return tmp_path


def test_import_task_table_with_ranges_and_risks(plan):
    """import writes a scenario with the ranges and the register, reports which rule hit
    each task on stderr, and the file loads and simulates."""
    out = plan / "plan.toml"
    result = run(
        "import",
        str(plan / "tasks.csv"),
        "--start",
        "2027-01-04",
        "--ranges",
        str(plan / "ranges.toml"),
        "--risks",
        str(plan / "risks.csv"),
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "range: a: ranges[1] (all tasks): triangular(9, 10, 12)" in result.stderr
    assert "range: b: ranges[2] (wbs 'P.CIV'): pert(16, 20, 30" in result.stderr
    assert "wrote" in result.stderr
    text = out.read_text()
    assert "# range: ranges[2] (wbs 'P.CIV')" in text
    s = pmo_sim.load(out)
    assert s.task("b").duration == pmo_sim.Pert(16, 20, 30)
    assert s.risks[0].id == "R1"
    r = pmo_sim.simulate(s, iterations=256, seed=3)
    assert r.finish_days.shape == (256,)


def test_import_to_stdout(plan):
    """Without -o, the scenario is printed on stdout and nothing else is."""
    result = run("import", str(plan / "tasks.csv"), "--start", "2027-01-04", "-q")
    assert result.exit_code == 0
    assert result.stdout.startswith("# Imported by pmo-sim from tasks.csv (CSV).")
    assert "[[tasks]]" in result.stdout and result.stderr == ""


def test_bad_register_is_exit_2(plan):
    """A register naming an unknown task stops with exit 2 and the row and risk id."""
    (plan / "risks.csv").write_text("id,probability,tasks,delay\nR9,0.5,nope,3\n")
    result = run(
        "import",
        str(plan / "tasks.csv"),
        "--start",
        "2027-01-04",
        "--risks",
        str(plan / "risks.csv"),
    )
    assert result.exit_code == 2
    assert "row 2 (id 'R9'): unknown task id 'nope'" in result.stderr


def test_write_is_atomic(tmp_path, monkeypatch):
    """When the final rename fails, the old file is untouched and no temporary is left."""
    target = tmp_path / "plan.toml"
    target.write_text("old")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OutputError, match="No space left on device"):
        atomic_write(target, lambda handle: handle.write("new"))
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.toml"]


@pytest.mark.skipif(not ALL_FILES, reason="shared schedules not found (../shared/data)")
@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shared_file_imports_or_fails_cleanly(path, tmp_path):
    """Every shared schedule file imports (and runs), or fails with exit 2 and a message
    naming the problem: never an internal error or a traceback."""
    out = tmp_path / "out.toml"
    result = run("import", str(path), "-o", str(out), "-q")
    if path.name == "aspose_multiproject_with_external.xer":
        assert result.exit_code == 0
        result = run("import", str(path), "--project", "5442", "-o", str(out), "-q")
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    if result.exit_code == 2:
        assert result.stderr.startswith("pmo-sim: error: ")
        assert path.suffix == ".mpp" and "pmo-sim[mpxj]" in result.stderr
        return
    s = pmo_sim.load(out)
    assert s.tasks
    validated = run("validate", str(out), "-q")
    assert validated.exit_code == 0, validated.output


@pytest.mark.skipif(not ALL_FILES, reason="shared schedules not found (../shared/data)")
def test_imported_xer_runs(tmp_path):
    """An imported P6 schedule with ranges runs through `pmo-sim run`."""
    rules = tmp_path / "ranges.toml"
    rules.write_text("[[ranges]]\nmin = 90\nmode = 100\nmax = 130\n")
    out = tmp_path / "takt.toml"
    result = run(
        "import",
        str(SCHEDULES / "xer" / "takt_building_example.xer"),
        "--ranges",
        str(rules),
        "-o",
        str(out),
        "-q",
    )
    assert result.exit_code == 0, result.output
    ran = run("run", str(out), "-n", "500", "--no-ranking", "-q", "--json")
    assert ran.exit_code == 0, ran.output
    assert '"iterations": 500' in ran.stdout


def test_imported_calendars_and_progress_round_trip(tmp_path):
    """`pmo-sim import` of a P6 file with a task calendar and progress writes a scenario
    file that loads back equal to the imported scenario."""
    from pmo_sim.io.importers.xer import read_xer

    from .test_import_xer import SEVEN_DAYS, STANDARD, _calendar, pred, task, xer_text

    projects = [
        {
            "proj_id": "1",
            "proj_short_name": "DEMO",
            "clndr_id": "c1",
            "plan_start_date": "2027-01-04 00:00",
            "last_recalc_date": "2027-01-08 17:00",
        }
    ]
    tasks = [
        task(
            "A",
            16,
            status_code="TK_Complete",
            remain_drtn_hr_cnt=0,
            act_start_date="2027-01-04 08:00",
            act_end_date="2027-01-05 17:00",
        ),
        task(
            "B",
            40,
            clndr_id="c2",
            status_code="TK_Active",
            remain_drtn_hr_cnt=20,
            act_start_date="2027-01-06 08:00",
        ),
        task("C", 8),
    ]
    cals = [STANDARD, _calendar("c2", "7 day", SEVEN_DAYS.format(exceptions=""))]
    schedule_path = tmp_path / "plan.xer"
    schedule_path.write_text(
        xer_text(tasks, [pred("B", "A"), pred("C", "B")], projects=projects, calendars=cals),
        encoding="cp1252",
    )
    imported = read_xer(schedule_path).scenario
    assert imported.project.calendars and imported.project.data_date is not None
    assert imported.task("B").calendar == "7 day"
    out = tmp_path / "plan.toml"
    result = run("import", str(schedule_path), "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    again = pmo_sim.load(out)
    assert again.project == imported.project
    assert again.tasks == imported.tasks


def estimated_table(directory: Path) -> Path:
    """A task table with one three-point estimate (a) and one single-point duration (b)."""
    path = directory / "estimated.csv"
    path.write_text("id,predecessors,duration,min,mode,max\na,,,8,10,15\nb,a,20,,,\n")
    return path


def test_range_rules_keep_a_task_tables_three_point_estimates(tmp_path):
    """A rule matching a task with its own estimate keeps it and says so on stderr and in
    the file; the single-point task gets the rule's range."""
    (tmp_path / "rules.toml").write_text("[[ranges]]\nmin = 90\nmax = 120\n")
    out = tmp_path / "plan.toml"
    result = run(
        "import",
        str(estimated_table(tmp_path)),
        "--start",
        "2027-01-04",
        "--ranges",
        str(tmp_path / "rules.toml"),
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    ranges = [line for line in result.stderr.splitlines() if line.startswith("range:")]
    assert ranges == [
        "range: a: ranges[1] (all tasks) matched, but the task's own estimate was kept "
        "(override = true replaces it): triangular(8, 10, 15)",
        "range: b: ranges[1] (all tasks): triangular(18, 20, 24)",
    ]
    assert (
        "# range: ranges[1] (all tasks) matched, but the task's own estimate was kept"
        in out.read_text()
    )
    s = pmo_sim.load(out)
    assert s.task("a").duration == pmo_sim.Triangular(8, 10, 15)
    assert s.task("b").duration == pmo_sim.Triangular(18, 20, 24)
    assert "no task duration has a range" not in result.stderr


def test_range_rule_with_override_replaces_a_task_tables_estimate(tmp_path):
    """override = true applies the rule to a task's own estimate too, and says which rule."""
    (tmp_path / "rules.toml").write_text("[[ranges]]\nmin = 90\nmax = 120\noverride = true\n")
    out = tmp_path / "plan.toml"
    result = run(
        "import",
        str(estimated_table(tmp_path)),
        "--start",
        "2027-01-04",
        "--ranges",
        str(tmp_path / "rules.toml"),
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "range: a: ranges[1] (all tasks): triangular(9, 10, 12)\n" in result.stderr
    assert pmo_sim.load(out).task("a").duration == pmo_sim.Triangular(9, 10, 12)


FLAT_WARNING = (
    "warning: no task duration has a range, so every iteration gives the same finish "
    "(P10 = P90): give the durations three-point ranges with --ranges RULES (see 'Range "
    "rules' in docs/importing.md; template: scenarios/templates/ranges.toml)\n"
)


def test_import_without_ranges_warns_that_the_run_is_flat(plan):
    """A table of single-point durations imported without --ranges or risks warns, on
    stderr and in the file's header, that every iteration gives the same finish."""
    out = plan / "plan.toml"
    result = run("import", str(plan / "tasks.csv"), "--start", "2027-01-04", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert FLAT_WARNING in result.stderr
    assert "#   - " + FLAT_WARNING[len("warning: ") : -1] + "\n" in out.read_text()
    assert "1 warning(s)" in result.stderr


def test_import_warns_when_the_rules_give_no_range_or_only_risks_vary(plan):
    """Rules that match nothing still leave a flat run (said so); with a register, the
    warning says only the risks vary the finish; a range anywhere silences it."""
    (plan / "none.toml").write_text('[[ranges]]\nid = "zz*"\nmin = 90\nmax = 120\n')
    table = str(plan / "tasks.csv")
    result = run("import", table, "--start", "2027-01-04", "--ranges", str(plan / "none.toml"))
    assert (
        "warning: no task duration has a range (no range rule gave one), so every iteration "
        "gives the same finish (P10 = P90): "
    ) in result.stderr
    result = run("import", table, "--start", "2027-01-04", "--risks", str(plan / "risks.csv"))
    assert "warning: no task duration has a range, so only the risks vary the finish: " in (
        result.stderr
    )
    result = run("import", table, "--start", "2027-01-04", "--ranges", str(plan / "ranges.toml"))
    assert "no task duration has a range" not in result.stderr


def test_register_mitigated_columns_replace_only_their_rows_impacts(plan):
    """A register row's mitigated delay replaces that row's impact on its tasks; the
    risk's other rows keep their impacts after mitigation, in the written scenario too."""
    (plan / "risks.csv").write_text(
        "id,probability,tasks,delay_min,delay_mode,delay_max,factor,mitigated_delay_max\n"
        "R1,0.3,a,1,2,5,,\n"
        "R1,,b;c,2,4,8,,6\n"
        "R1,,c,,,,1.2,\n"
    )
    out = plan / "plan.toml"
    result = run(
        "import",
        str(plan / "tasks.csv"),
        "--start",
        "2027-01-04",
        "--risks",
        str(plan / "risks.csv"),
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    post = pmo_sim.load(out).mitigated().risks[0]
    by_task = {
        t: [(i.delay, i.factor) for i in post.impacts if t in i.tasks] for t in ("a", "b", "c")
    }
    assert by_task == {
        "a": [(pmo_sim.Triangular(1, 2, 5), None)],
        "b": [(pmo_sim.Triangular(2, 4, 6), None)],
        "c": [(pmo_sim.Triangular(2, 4, 6), None), (None, pmo_sim.Fixed(1.2))],
    }


def test_import_output_honours_the_umask(tmp_path):
    """`pmo-sim import -o` gives the scenario the permissions any new file gets (0666
    less the umask), not mkstemp's 0600."""
    import os

    from click.testing import CliRunner

    from pmo_sim.cli import cli

    table = Path(__file__).resolve().parents[1] / "scenarios" / "templates" / "tasks.csv"
    out = tmp_path / "plan.toml"
    umask = os.umask(0o022)
    try:
        res = CliRunner().invoke(
            cli, ["import", str(table), "--start", "2027-01-04", "-q", "-o", str(out)]
        )
    finally:
        os.umask(umask)
    assert res.exit_code == 0, res.output
    assert out.stat().st_mode & 0o777 == 0o644
