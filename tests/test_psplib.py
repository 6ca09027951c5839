"""PSPLIB instances: the CPM length of every shared instance equals the published MPM time.

The instances and the reference table live in the shared data directory
(``<repo>/../shared/data/psplib``); the tests skip when it is absent.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

import pmo_sim
from pmo_sim import Fixed, Project, Scenario, Task

from .naive import naive_cpm, scenario_inputs

psplib = pytest.importorskip("psplib")

SETS = {"j30": "j30", "j60": "j60_sample", "j90": "j90_sample", "j120": "j120_sample"}


@pytest.fixture(scope="module")
def psplib_dir(shared_data) -> Path:
    """The shared PSPLIB folder; skips the test when the shared data is absent."""
    if shared_data is None or not (shared_data / "psplib").is_dir():
        pytest.skip("shared PSPLIB data not found (expected <repo>/../shared/data/psplib)")
    return shared_data / "psplib"


@pytest.fixture(scope="module")
def reference(psplib_dir) -> dict[tuple[str, str], int]:
    """(set, instance file name) -> header_MPM_time from the reference table."""
    table = psplib_dir / "results" / "psplib_cpm_reference.csv"
    if not table.is_file():
        pytest.skip(f"PSPLIB reference table not found at {table}")
    with table.open(newline="") as fh:
        return {(r["set"], r["instance"]): int(r["header_MPM_time"]) for r in csv.DictReader(fh)}


def instance_scenario(path: Path) -> Scenario:
    """A pmo_sim Scenario of a PSPLIB single-mode instance (FS links, no lags)."""
    inst = psplib.parse(path, instance_format="psplib")
    preds: list[list[str]] = [[] for _ in inst.activities]
    for i, activity in enumerate(inst.activities):
        for j in activity.successors:
            preds[j].append(f"j{i + 1}")
    tasks = tuple(
        Task(f"j{i + 1}", duration=Fixed(act.modes[0].duration), predecessors=tuple(preds[i]))
        for i, act in enumerate(inst.activities)
    )
    return Scenario(Project(path.stem, dt.date(2027, 1, 4)), tasks, source=str(path))


def instance_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        pytest.skip(f"PSPLIB folder not found at {directory}")
    files = sorted(directory.glob("*.sm"))
    if not files:
        pytest.skip(f"no .sm files in {directory}")
    return files


@pytest.mark.parametrize("set_name", list(SETS))
def test_cpm_length_matches_published_mpm_time(set_name, psplib_dir, reference):
    """For every instance of a PSPLIB set, the CPM finish equals its header MPM time."""
    files = instance_files(psplib_dir / SETS[set_name])
    wrong = []
    for path in files:
        finish = pmo_sim.schedule(instance_scenario(path)).finish
        expected = reference[(set_name, path.name)]
        if finish != expected:
            wrong.append(f"{path.name}: {finish} != {expected}")
    assert not wrong, f"{len(wrong)} of {len(files)} instances differ:\n" + "\n".join(wrong[:20])


@pytest.mark.parametrize(
    "relative",
    [
        "j30/j301_1.sm",
        "j30/j3048_10.sm",
        "j60_sample/j6010_1.sm",
        "j90_sample/j9011_1.sm",
        "j120_sample/j12010_1.sm",
    ],
)
def test_psplib_instances_match_naive(relative, psplib_dir):
    """On PSPLIB instances every task's dates and floats equal the naive relaxation."""
    path = psplib_dir / relative
    if not path.is_file():
        pytest.skip(f"PSPLIB instance not found at {path}")
    scenario = instance_scenario(path)
    plan = pmo_sim.schedule(scenario)
    naive = naive_cpm(*scenario_inputs(scenario))
    assert plan.finish == naive.finish
    for i, tid in enumerate(scenario.task_ids):
        for field in ("early_start", "late_start", "total_float", "free_float"):
            assert getattr(plan, field)[i] == getattr(naive, field)[tid], (field, tid)
