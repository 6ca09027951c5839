"""What moved P80 between two updates: the waterfall of ``compare OLD NEW``.

The steps run on common random numbers, so a step that changes nothing moves nothing
(exactly), a change confined to one step shows only there, and the steps add up to the
total change exactly."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmo_sim import load, simulate
from pmo_sim.cli import cli
from pmo_sim.engine.attribution import STEPS, attribute
from pmo_sim.model.tasks import Task

ROOT = Path(__file__).resolve().parents[1]
UPDATES = sorted((ROOT / "scenarios" / "updates").glob("office_*.toml"))
N = 2000


def run(s, **options):
    return simulate(s, **options)


def waterfall(old, new):
    return attribute(old, new, simulate=run, iterations=N, seed=11)


def by_step(result) -> dict:
    return {s.step: s for s in result.steps}


def test_the_steps_add_up_to_the_total_change_exactly() -> None:
    old, new = load(UPDATES[1]), load(UPDATES[2])
    result = waterfall(old, new)
    assert [s.step for s in result.steps] == list(STEPS)
    for key in ("p50_finish_days", "p80_finish_days", "p50_cost", "p80_cost"):
        total = sum(getattr(s, key) for s in result.steps)
        assert total == pytest.approx(result.total[key], abs=1e-6), key
    # The ends are the two updates as run on their own, on the same numbers.
    alone = simulate(new, iterations=N, seed=11)
    assert result.new["p80_finish"] == alone.percentile_date(80).isoformat()
    assert result.new["p80_cost"] == pytest.approx(float(alone.cost_percentile(80)))


def test_a_change_confined_to_one_step_shows_only_there() -> None:
    """Closing one risk moves P80 in the risks step and nowhere else: every other step
    is exactly zero (common random numbers, keyed by id)."""
    old = load(UPDATES[0])
    risks = tuple(dataclasses.replace(r, status="closed") if r.id == "R1" else r for r in old.risks)
    new = dataclasses.replace(old, risks=risks)
    steps = by_step(waterfall(old, new))
    assert steps["risks"].p80_finish_days < 0
    assert steps["risks"].items == ("R1 (closed)",)
    for name in STEPS:
        if name != "risks":
            assert steps[name].p80_finish_days == 0.0, name
            assert steps[name].p80_cost == 0.0, name
            assert steps[name].items == (), name


def test_the_same_update_twice_moves_nothing() -> None:
    s = load(UPDATES[1])
    result = waterfall(s, s)
    assert all(step.p80_finish_days == 0 and step.p80_cost == 0 for step in result.steps)
    assert result.total["p80_finish_days"] == 0


def test_a_longer_estimate_shows_in_the_duration_step_and_names_the_task() -> None:
    old = load(UPDATES[0])
    new = old.with_task("partitions", duration={"dist": "pert", "min": 30, "mode": 40, "max": 60})
    steps = by_step(waterfall(old, new))
    assert steps["duration estimates"].p80_finish_days > 5
    assert steps["duration estimates"].items[0] == "partitions"
    assert steps["progress and data date"].p80_finish_days == 0


def test_logic_that_removes_a_task_the_old_register_names() -> None:
    """The new update drops furniture_lead (and the risks' impacts on it) and adds a
    40-day survey before the partitions: the logic step shows the survey's delay, and
    the old register's impacts leave with the task they were on (R4, which had no
    other effect, with them); the risks step then has nothing left to change."""
    old = load(UPDATES[0])
    tasks = []
    for t in old.tasks:
        if t.id == "furniture_lead":
            continue
        links = tuple(
            link
            if link.predecessor != "furniture_lead"
            else dataclasses.replace(link, predecessor="furniture_order")
            for link in t.predecessors
        )
        if t.id == "partitions":
            links = (*links, "survey")
        tasks.append(dataclasses.replace(t, predecessors=links))
    tasks.append(Task("survey", duration=40, predecessors=("design",), name="Extra survey"))
    risks = []
    for r in old.risks:
        impacts = tuple(i for i in r.impacts if "furniture_lead" not in i.tasks)
        if impacts or r.cost is not None:
            risks.append(dataclasses.replace(r, impacts=impacts))
    new = dataclasses.replace(old, tasks=tuple(tasks), risks=tuple(risks))
    result = waterfall(old, new)
    steps = by_step(result)
    logic = steps["logic"]
    assert "survey (added)" in logic.items and "furniture_lead (removed)" in logic.items
    assert logic.p80_finish_days > 10
    assert "R4 (removed)" in logic.items and "O1 (changed)" in logic.items
    assert steps["risks"].items == () and steps["risks"].p80_finish_days == 0
    for key in ("p80_finish_days", "p80_cost"):
        assert sum(getattr(s, key) for s in result.steps) == pytest.approx(result.total[key])
    assert steps["calendars"].p80_finish_days == 0


def test_compare_two_files_and_two_recorded_updates(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["compare", str(UPDATES[1]), str(UPDATES[2]), "-n", str(N), "--seed", "5", "-q"]
    text = runner.invoke(cli, args)
    assert text.exit_code == 0, text.output
    assert "progress and data date" in text.output and "total" in text.output
    files = json.loads(runner.invoke(cli, [*args, "--json"]).output)
    steps = files["attribution"]
    assert [s["step"] for s in steps] == list(STEPS)
    assert {"step", "p80_finish_days", "p80_cost"} <= set(steps[0])
    assert sum(s["p80_finish_days"] for s in steps) == pytest.approx(
        files["total"]["p80_finish_days"]
    )
    history = tmp_path / "h.sqlite"
    for update in UPDATES[1:3]:
        done = runner.invoke(
            cli, ["record", str(update), "-n", "500", "--history", str(history), "-q"]
        )
        assert done.exit_code == 0, done.output
    dates = ["2027-04-01", "2027-05-04"]
    recorded = runner.invoke(
        cli,
        ["compare", *dates, "--history", str(history), "-n", str(N), "--seed", "5", "-q", "--json"],
    )
    assert recorded.exit_code == 0, recorded.output
    # The history keeps the scenario text: the same waterfall as from the files.
    assert json.loads(recorded.output) == files
    missing = runner.invoke(cli, ["compare", "2027-04-01", "2027-12-01", "--history", str(history)])
    assert missing.exit_code == 2 and "no update of 'office-move' at data date 2027-12-01" in (
        missing.output
    )
