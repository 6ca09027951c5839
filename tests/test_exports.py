"""Exports (JSON, per-iteration CSV, task P-dates), atomic writes, convergence, Ctrl-C."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

import pmo_sim
from pmo_sim import Impact, Link, Pert, Project, Risk, Scenario, Task, TaskCost, Triangular
from pmo_sim.base.files import atomic_write
from pmo_sim.cli import cli
from pmo_sim.engine.convergence import simulate_until_converged
from pmo_sim.io.exports import iterations_csv, task_dates_csv

SCENARIO = Scenario(
    project=Project(
        name="Exports", start=dt.date(2027, 1, 4), deadline=dt.date(2027, 3, 1), budget=60000
    ),
    tasks=(
        Task("a", duration=Triangular(5, 8, 15), cost=TaskCost(per_day=1000)),
        Task("b", duration=Pert(3, 6, 12), predecessors=(Link("a"),), cost=TaskCost(fixed=5000)),
        Task("c", duration=Triangular(2, 9, 10), predecessors=(Link("a", "SS", 2),)),
        Task("end", milestone=True, predecessors=(Link("b"), Link("c"))),
    ),
    risks=(Risk("R1", probability=0.3, impacts=(Impact(("b",), delay=4.0),), cost=2000.0),),
)
EXAMPLE = os.path.join(os.path.dirname(__file__), "data", "issue_example.toml")


def test_until_converged_equals_the_plain_run_of_the_same_length():
    """A converging run gives exactly what a plain run of its final length gives."""
    conv, trace = simulate_until_converged(
        SCENARIO, tolerance=0.05, max_iterations=40_000, seed=3, threads=2, batch=2048, rank=True
    )
    assert trace[-1].iterations == conv.iterations
    assert [s.iterations for s in trace] == sorted({s.iterations for s in trace})
    plain = pmo_sim.simulate(SCENARIO, conv.iterations, seed=3, threads=1, rank=True)
    assert np.array_equal(conv.finish_days, plain.finish_days)
    assert np.array_equal(conv.cost, plain.cost)
    assert conv.to_dict() == plain.to_dict()


def test_until_converged_stops_once_the_standard_error_is_small_enough():
    """The run stops at the first batch whose P80 standard errors meet both tolerances."""
    _, trace = simulate_until_converged(
        SCENARIO, tolerance=0.2, cost_tolerance=300, max_iterations=100_000, seed=3, batch=1024
    )
    last = trace[-1]
    assert last.se_finish <= 0.2 and last.se_cost <= 300
    for step in trace[:-1]:
        assert step.se_finish > 0.2 or step.se_cost > 300


def test_until_converged_stops_at_max_iterations():
    """An unreachable tolerance stops at --max-iterations."""
    _, trace = simulate_until_converged(
        SCENARIO, tolerance=1e-9, max_iterations=3000, seed=3, batch=1024
    )
    assert trace[-1].iterations == 3000


def test_iterations_csv_rows_are_the_per_iteration_arrays():
    """One CSV row per iteration with finish days/date, cost and each risk's 0/1."""
    r = pmo_sim.simulate(SCENARIO, 500, seed=2)
    rows = list(csv.DictReader(io.StringIO(iterations_csv(r))))
    assert len(rows) == 500
    assert [float(x["finish_days"]) for x in rows] == r.finish_days.tolist()
    assert [x["finish_date"] for x in rows] == [str(d) for d in r.finish_dates]
    assert [float(x["total_cost"]) for x in rows] == r.cost.tolist()
    assert [int(x["risk_R1"]) for x in rows] == r.risk_occurrence[0].tolist()


def test_task_dates_csv_gives_deterministic_and_percentile_dates():
    """Task P-dates: the CPM dates, and P50/P80 early starts/finishes dated by the calendar."""
    r = pmo_sim.simulate(SCENARIO, 2000, seed=2, task_dates=True)
    rows = {x["id"]: x for x in csv.DictReader(io.StringIO(task_dates_csv(r)))}
    plan = pmo_sim.schedule(SCENARIO).to_dict()["tasks"]
    cal, start = SCENARIO.project.calendar, SCENARIO.project.start
    for t in SCENARIO.tasks:
        assert rows[t.id]["deterministic_start"] == plan[t.id]["early_start_date"]
        assert rows[t.id]["deterministic_finish"] == plan[t.id]["early_finish_date"]
        assert float(rows[t.id]["criticality"]) == r.criticality[t.id]
    # Task a starts every iteration on day 0; b's P80 finish is the 80th percentile of
    # its per-iteration early finishes (durations of a and b from the same draws).
    durations = pmo_sim.sample_durations(SCENARIO, 2, None, 0, 2000)
    b_finish = durations[0] + durations[1]
    expected = cal.finish_date(start, float(np.percentile(b_finish, 80)))
    assert rows["a"]["p50_start"] == str(start)
    assert rows["b"]["p80_finish"] == str(expected)


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    """An interrupted write leaves the existing file untouched and no temporary file."""
    target = tmp_path / "results.json"
    target.write_text("old")

    def half(handle):
        handle.write("new and incomplete")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, half)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["results.json"]
    atomic_write(target, lambda h: h.write("new"))
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["results.json"]


def test_run_writes_all_exports(tmp_path):
    """`run --out/--iterations-csv/--task-dates` writes the three files, JSON = --json."""
    out, its, dates = tmp_path / "r.json", tmp_path / "it.csv", tmp_path / "td.csv"
    res = CliRunner().invoke(
        cli,
        [
            "run",
            EXAMPLE,
            "-n",
            "300",
            "-q",
            "--no-ranking",
            "--out",
            str(out),
            "--iterations-csv",
            str(its),
            "--task-dates",
            str(dates),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    again = CliRunner().invoke(cli, ["run", EXAMPLE, "-n", "300", "-q", "--no-ranking", "--json"])
    assert json.loads(again.output) == doc
    assert len(its.read_text().splitlines()) == 301
    assert dates.read_text().startswith("id,name,deterministic_start")


def test_ctrl_c_exits_130_without_writing_files(tmp_path, monkeypatch):
    """Ctrl-C during a run: exit 130, a one-line message, and no output file."""
    import pmo_sim.engine.simulate

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pmo_sim.engine.simulate, "simulate", interrupted)
    out = tmp_path / "r.json"
    res = CliRunner().invoke(cli, ["run", EXAMPLE, "-q", "--out", str(out)])
    assert res.exit_code == 130
    assert "interrupted" in res.output
    assert "Traceback" not in res.output
    assert not out.exists()
    assert os.listdir(tmp_path) == []


def test_until_converged_and_iterations_exclude_each_other():
    """Asking for both a fixed count and convergence is a usage error (exit 2)."""
    res = CliRunner().invoke(cli, ["run", EXAMPLE, "-n", "100", "--until-converged"])
    assert res.exit_code == 2
    assert "exclude each other" in res.output


def test_atomic_write_gives_the_file_ordinary_permissions(tmp_path):
    """A file written atomically gets 0666 less the umask, like any new file."""
    umask = os.umask(0o022)
    try:
        target = tmp_path / "out.csv"
        atomic_write(target, lambda h: h.write("x"))
        assert target.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(umask)


def test_converging_run_prints_the_standard_error_against_its_tolerance():
    """The progress line shows enough digits to tell the SE from the tolerance, and the
    tolerance itself."""
    res = CliRunner().invoke(
        cli, ["run", EXAMPLE, "--until-converged", "--tolerance", "0.25", "--seed", "3"]
    )
    assert res.exit_code == 0, res.output
    lines = [line for line in res.output.splitlines() if line.startswith("converging:")]
    assert lines and all("tolerance 0.25)" in line for line in lines)
    for line in lines:
        se = line.split("(SE ")[1].split(",")[0]
        assert len(se.split(".")[1]) >= 4  # 0.25 takes two places: two more are shown
        if float(se) == 0.25:
            pytest.fail(f"{line}: the SE prints as the tolerance")


def test_decimals_counts_the_places_as_written():
    from pmo_sim.cli.run import decimals

    assert [decimals(x) for x in (0.25, 1e-3, 2, 0.1, 1.5)] == [2, 3, 0, 1, 1]
