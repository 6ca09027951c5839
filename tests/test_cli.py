"""The ``pmo-sim`` command line: validate and cpm, exit codes, and the JSON document."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

import pmo_sim
from pmo_sim.cli import cli

from .conftest import DATA, PROJECT_HEAD

ISSUE = str(DATA / "issue_example.toml")
CLEAN = (
    PROJECT_HEAD
    + """\
[[tasks]]
id = "a"
duration = { dist = "triangular", min = 1, mode = 2, max = 4 }
[[tasks]]
id = "b"
duration = { dist = "triangular", min = 1, mode = 3, max = 4 }
predecessors = ["a"]
"""
)


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_validate_accepts_the_issue_example():
    """``validate`` on the issue's file exits 0 with a summary line and its warnings."""
    result = run("validate", ISSUE)
    assert result.exit_code == 0, result.output
    # design 30 + build 40 = 70 working days; day 69 from Mon 2027-01-04 with Good Friday
    # 2027-04-02 off is Mon 2027-04-12.
    assert result.stdout.splitlines()[-1] == (
        f"{ISSUE}: valid: 3 tasks, 2 links, 1 risks, 1 correlation groups; deterministic "
        "finish 2027-04-12 (70 working days); 2 warning(s)"
    )
    assert "warning: tasks: 1 task(s) besides the start 'design' have no predecessor: permit" in (
        result.output
    )
    assert "warning: tasks[3] (id 'permit'): the duration estimate has no range" in result.output


def test_validate_quiet_prints_nothing(scenario_file):
    """``validate --quiet`` prints nothing on success and still fails bad input with exit 2."""
    ok = run("validate", "--quiet", str(scenario_file(CLEAN)))
    assert (ok.exit_code, ok.output) == (0, "")
    bad = run("validate", "-q", str(scenario_file(PROJECT_HEAD, name="bad.toml")))
    assert bad.exit_code == 2
    assert "the scenario has no tasks" in bad.stderr


def test_validate_clean_file_has_no_warnings(scenario_file):
    """A clean two-task chain validates with 0 warnings."""
    path = scenario_file(CLEAN)
    result = run("validate", str(path))
    assert result.exit_code == 0
    assert result.stdout == (
        f"{path}: valid: 2 tasks, 1 links, 0 risks, 0 correlation groups; deterministic "
        "finish 2027-01-08 (5 working days); 0 warning(s)\n"
    )


def test_missing_file_is_a_usage_error():
    """A scenario path that does not exist exits 2 with click's message, no traceback."""
    result = run("validate", "/no/such/scenario.toml")
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert "Traceback" not in result.output


def test_cpm_table():
    """``cpm`` prints one row per task with dates, float and critical flag, and the finish."""
    result = run("cpm", ISSUE)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Office move: start 2027-01-04, calendar mon-fri"
    rows = {line.split()[0]: line.split() for line in lines[3:6]}
    assert rows["design"][2:] == ["30", "2027-01-04", "2027-02-12", "0", "yes"]
    assert rows["build"][2:] == ["40", "2027-02-15", "2027-04-12", "0", "yes"]
    assert rows["permit"][2:] == ["12", "2027-01-04", "2027-01-19", "25"]
    assert "Deterministic finish: 2027-04-12 (70 working days)" in result.stdout
    assert "Critical path: design -> build" in result.stdout
    # warnings go to stderr, not into the table
    assert "warning" not in result.stdout and "warning" in result.stderr


def test_cpm_json_shape_and_values():
    """``cpm --json`` prints only JSON, with the issue's keys and the hand-computed values."""
    result = run("cpm", "--json", ISSUE)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    # 70 working days from Mon 2027-01-04: day 69 is Mon 2027-04-12 (Good Friday off).
    assert doc["finish"] == {"days": 70.0, "date": "2027-04-12"}
    assert set(doc["tasks"]) == {"design", "build", "permit"}
    keys = {
        "early_start",
        "early_finish",
        "late_start",
        "late_finish",
        "total_float",
        "free_float",
        "critical",
        "early_start_date",
        "early_finish_date",
    }
    for task in doc["tasks"].values():
        assert keys <= set(task)
    design = doc["tasks"]["design"]
    # design 0..30; 30 working days from Mon 2027-01-04 end Fri 2027-02-12 (day 29).
    assert (design["early_start"], design["early_finish"]) == (0.0, 30.0)
    assert (design["early_start_date"], design["early_finish_date"]) == ("2027-01-04", "2027-02-12")
    assert (design["total_float"], design["free_float"], design["critical"]) == (0.0, 0.0, True)
    build = doc["tasks"]["build"]
    # build 30..70: starts day 30 = Mon 2027-02-15, ends day 69 = Mon 2027-04-12.
    assert (build["early_start"], build["early_finish"]) == (30.0, 70.0)
    assert (build["early_start_date"], build["early_finish_date"]) == ("2027-02-15", "2027-04-12")
    permit = doc["tasks"]["permit"]
    # permit 0..12, LS 25 (SS lag 5 before build's LS 30), LF 37; ends day 11 = Tue 2027-01-19.
    assert (permit["late_start"], permit["late_finish"]) == (25.0, 37.0)
    assert (permit["total_float"], permit["free_float"], permit["critical"]) == (25.0, 25.0, False)
    assert permit["early_finish_date"] == "2027-01-19"


def test_cpm_json_matches_the_library():
    """The JSON numbers are the library's schedule, task by task."""
    doc = json.loads(run("cpm", "--json", ISSUE).stdout)
    plan = pmo_sim.schedule(pmo_sim.load(ISSUE))
    for i, tid in enumerate(plan.scenario.task_ids):
        for field in ("early_start", "late_finish", "total_float", "free_float"):
            assert math.isclose(doc["tasks"][tid][field], getattr(plan, field)[i])


@pytest.mark.parametrize("command", ["validate", "cpm"])
def test_bad_input_exits_2(scenario_file, command):
    """Both commands exit 2 on bad input, with the file path and the problem on stderr."""
    path = scenario_file(PROJECT_HEAD + '[[tasks]]\nid = "a"\nduration = -3\n')
    result = run(command, str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"pmo-sim: error: {path}: tasks[1] (id 'a', line 4)")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["validate", "cpm"])
def test_internal_error_exits_1_without_traceback(monkeypatch, command):
    """An unexpected exception exits 1 with a short 'internal error' note, not a traceback."""
    monkeypatch.delenv("PMO_SIM_DEBUG", raising=False)

    def broken(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr("pmo_sim.scheduling.cpm.schedule", broken)
    result = run(command, ISSUE)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an escaped error
    assert "pmo-sim: internal error: RuntimeError: kaboom" in result.stderr
    assert "PMO_SIM_DEBUG=1" in result.stderr
    assert "Traceback" not in result.output


def test_debug_variable_lets_the_exception_through(monkeypatch):
    """With PMO_SIM_DEBUG set, the internal error propagates (for its traceback)."""
    monkeypatch.setenv("PMO_SIM_DEBUG", "1")

    def broken(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr("pmo_sim.scheduling.cpm.schedule", broken)
    result = run("validate", ISSUE)
    assert isinstance(result.exception, RuntimeError)


def test_version_and_help():
    """``--version`` prints the package version; ``-h`` lists both commands."""
    assert run("--version").stdout.strip() == f"pmo-sim, version {pmo_sim.__version__}"
    help_text = run("-h").stdout
    assert "validate" in help_text and "cpm" in help_text


GATED = (
    PROJECT_HEAD
    + """\
[[tasks]]
id = "kickoff"
milestone = true
[[tasks]]
id = "a"
duration = { dist = "triangular", min = 2, mode = 3, max = 6 }
predecessors = ["kickoff"]
[[tasks]]
id = "gate"
duration = 0
predecessors = ["a"]
[[tasks]]
id = "b"
duration = { dist = "triangular", min = 4, mode = 5, max = 12 }
predecessors = ["gate"]
[[tasks]]
id = "c"
duration = 3
predecessors = ["gate"]
[[tasks]]
id = "d"
duration = 2
predecessors = ["b", "c"]
[[tasks]]
id = "end"
milestone = true
predecessors = ["d"]
"""
)


def test_run_summary_ranks_tasks_by_cruciality_and_leaves_milestones_out(scenario_file):
    """The "Most critical tasks" table of run is ordered by |cruciality| (then
    criticality), lists no milestone (flagged or of fixed zero duration) and no task
    that is never critical."""
    path = str(scenario_file(GATED))
    doc = json.loads(run("run", path, "-n", "1000", "--json", "--quiet").stdout)
    result = run("run", path, "-n", "1000", "--quiet")
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("Most critical tasks:\n", 1)[1].split("\n\n")[0].splitlines()
    assert lines[0].split() == ["id", "name", "criticality", "sensitivity", "cruciality"]
    ids = [line.split()[0] for line in lines[2:]]

    def crux(tid: str) -> float:
        value = doc["tasks"][tid]["cruciality"]
        return 0.0 if math.isnan(value) else abs(value)

    order = ["kickoff", "a", "gate", "b", "c", "d", "end"]
    expected = sorted(
        ["a", "b", "d"], key=lambda t: (-crux(t), -doc["tasks"][t]["criticality"], order.index(t))
    )
    assert ids == expected
    # d is always critical but has a fixed duration: it comes after the uncertain tasks.
    assert crux("a") > 0 and crux("b") > 0 and ids[-1] == "d"
    assert doc["tasks"]["kickoff"]["criticality"] == 1.0  # left out although critical


FLAT = PROJECT_HEAD + '[[tasks]]\nid = "a"\nduration = 3\n[[tasks]]\nid = "b"\nduration = 2\n'
FLAT_NOTE = (
    "note: no task duration has a range and there are no risks, so every iteration gives "
    "the same finish (P10 = P90); give the durations ranges (see 'Range rules' in "
    "docs/importing.md)\n"
)


def test_run_notes_a_flat_scenario_once_and_not_when_something_varies(scenario_file):
    """run says on stderr when no duration has a range and no risk exists; a range or a
    risk silences it, and so does --quiet."""
    flat = str(scenario_file(FLAT, name="flat.toml"))
    result = run("run", flat, "-n", "100", "--no-ranking")
    assert result.exit_code == 0, result.output
    assert result.stderr.count(FLAT_NOTE) == 1
    assert "note: no task duration" not in run("run", flat, "-n", "100", "-q").stderr
    ranged = FLAT.replace("duration = 2", 'duration = { dist = "uniform", min = 1, max = 3 }')
    risky = FLAT + '[[risks]]\nid = "R1"\nprobability = 0.5\ncost = 100\n'
    for text, name in ((ranged, "ranged.toml"), (risky, "risky.toml")):
        result = run("run", str(scenario_file(text, name=name)), "-n", "100", "--no-ranking")
        assert result.exit_code == 0, result.output
        assert "note: no task duration" not in result.stderr


COMPILE_NOTE = "note: compiling the simulation kernels (first run on this machine only, about "


def test_compile_note_off_a_terminal_and_not_with_quiet(scenario_file, monkeypatch):
    """With the kernels not cached the note shows on a stderr that is no terminal, never
    with --quiet; once they are compiled in the process, it does not show."""
    from pmo_sim.base import jit
    from pmo_sim.engine.kernels import block

    path = str(scenario_file(CLEAN))
    run("run", path, "-n", "100", "-q")  # compiles (or loads) the kernels in this process
    assert jit.is_cached(block.run_worker)
    assert jit.is_cached(object())  # no numba internals to read: no note rather than a false one
    assert COMPILE_NOTE not in run("run", path, "-n", "100").stderr
    monkeypatch.setattr(jit, "is_cached", lambda kernel, fits=None: False)
    shown = run("run", path, "-n", "100")
    assert shown.exit_code == 0, shown.output
    assert shown.stderr.count(f"{COMPILE_NOTE}{jit.COMPILE_SECONDS} s)\n") == 1
    assert COMPILE_NOTE not in run("run", path, "-n", "100", "-q").stderr
    assert COMPILE_NOTE not in run("run", path, "-n", "100", "--quiet", "--json").output


def test_first_run_in_an_empty_numba_cache_says_it_compiles(tmp_path):
    """A run with an empty NUMBA_CACHE_DIR prints the compile note on stderr (a pipe, not a
    terminal); the next run in the same cache finds the kernels and prints no note, with
    the same results. Slow: the first run compiles every kernel (about a minute)."""
    import os
    import subprocess
    import sys

    path = tmp_path / "tiny.toml"
    path.write_text(CLEAN)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    command = [sys.executable, "-m", "pmo_sim", "run", str(path), "-n", "100", "--json"]
    first, second = (
        subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        for _ in range(2)
    )
    assert first.returncode == 0, first.stderr
    assert first.stderr.count(COMPILE_NOTE) == 1
    assert second.returncode == 0, second.stderr
    assert COMPILE_NOTE not in second.stderr
    assert json.loads(first.stdout)["finish"] == json.loads(second.stdout)["finish"]


def test_top_level_help_shows_run_report_and_import_examples():
    """`pmo-sim --help` shows how to run the main job, not only validate and cpm."""
    from click.testing import CliRunner

    from pmo_sim.cli import cli

    res = CliRunner().invoke(cli, ["--help"])
    assert res.exit_code == 0
    for example in (
        "pmo-sim run scenarios/office_move.toml",
        "pmo-sim report scenarios/office_move.toml -o report.html",
        "pmo-sim import plan.xer",
    ):
        assert example in res.output


def test_every_output_option_has_the_same_three_names():
    """-o, --out and --output name the one output of run, plot, report and import."""
    from pmo_sim.cli import cli as group

    for name in ("run", "plot", "report", "import"):
        command = group.commands[name]
        opts = next(o for o in command.params if "-o" in o.opts)  # the command's output option
        assert set(opts.opts) >= {"-o", "--out", "--output"}, (name, opts.opts)
