"""Resumable runs: checkpoint groups, resume after an interruption, foreign checkpoints."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pmo_sim
from pmo_sim import (
    Correlation,
    Impact,
    Link,
    Mitigation,
    Pert,
    Project,
    Risk,
    Scenario,
    SimulationSettings,
    Task,
    TaskCost,
    Triangular,
    Uniform,
)
from pmo_sim.engine.blocks import BlockRun, RawRun, run_kernel
from pmo_sim.engine.compile import compiled_model
from pmo_sim.engine.runners.checkpoint import MANIFEST, run_with_checkpoint, scenario_hash
from pmo_sim.engine.runners.local import LocalRunner
from pmo_sim.model.errors import CheckpointError, ScenarioError

ITERATIONS = 3000
BLOCK = 256  # 12 blocks
SEED = 11


def risky_scenario(tasks: int = 30, name: str = "Risky") -> Scenario:
    """A layered network with costs, milestones, risks (delay, factor, cost, mitigation)
    and task and risk correlation groups: every part of the model the kernels run."""
    rng = np.random.default_rng(5)
    items = [Task("start", milestone=True)]
    for i in range(tasks):
        preds = [Link("start")] if i < 4 else []
        if i >= 4:
            for j in sorted(rng.choice(i - max(0, i - 8), size=2, replace=False)):
                kind = ("FS", "SS", "FF")[int(j) % 3]
                preds.append(Link(f"t{i - 1 - int(j)}", kind, lag=float(j % 2)))
        a = float(rng.uniform(2, 6))
        dist = Triangular(a, a + 2, a + 7) if i % 2 else Pert(a, a + 1, a + 9)
        items.append(
            Task(
                f"t{i}",
                duration=dist,
                predecessors=tuple(preds),
                cost=TaskCost(fixed=Uniform(100, 300), per_day=50.0 + i),
            )
        )
    items.append(
        Task("done", milestone=True, predecessors=tuple(Link(f"t{i}") for i in range(tasks)))
    )
    risks = (
        Risk("R1", 0.3, (Impact(("t3", "t9"), delay=Triangular(1, 3, 8)),), cost=Uniform(1e3, 5e3)),
        Risk(
            "R2",
            0.5,
            (Impact(("t12",), factor=Uniform(1.1, 1.5)),),
            mitigated=Mitigation(probability=0.2, response_cost=500.0),
        ),
        Risk("R3", 0.2, (Impact(("t20", "t21"), delay=Pert(2, 4, 12)),)),
        Risk("R4", 0.4, cost=Triangular(2e3, 4e3, 9e3)),
        Risk("R5", 0.25, (Impact(("t7",), delay=Uniform(-3, -1)),)),
    )
    correlations = (
        Correlation(0.6, tasks=("t1", "t2", "t5")),
        Correlation(0.5, risks=("R1", "R3")),
    )
    return Scenario(
        project=Project(name=name, start=dt.date(2027, 1, 4)),
        tasks=tuple(items),
        risks=risks,
        correlations=correlations,
    )


SCENARIO = risky_scenario()
MODEL = compiled_model(SCENARIO)
HASH = scenario_hash(SCENARIO)


def assert_same_run(a: RawRun, b: RawRun) -> None:
    """Every field of two raw runs is identical (arrays bit for bit)."""
    for f in dataclasses.fields(RawRun):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape, f.name
            assert np.array_equal(x, y), f.name
        else:
            assert x == y, f.name


@pytest.fixture(scope="module")
def uninterrupted() -> RawRun:
    """The reference: one run of every block on local threads."""
    return run_kernel(MODEL, SEED, "lhs", ITERATIONS, 2, BLOCK)


class Interrupted(Exception):
    """Stands for Ctrl-C, a killed job or a lost machine."""


class CountingRunner:
    """A local runner that counts the blocks it runs and can stop after some groups."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.inner = LocalRunner(threads=2)
        self.stop_after = stop_after
        self.groups: list[tuple[int, int]] = []

    def __call__(self, run, ranges, **options):
        size = run.block_size
        for raw in self.inner(run, ranges, **options):
            if self.stop_after is not None and len(self.groups) == self.stop_after:
                raise Interrupted
            self.groups.append((raw.first // size, -(-raw.iterations // size)))
            yield raw


def checkpointed(directory: Path, runner=None, group_blocks: int | None = 2, **kw) -> RawRun:
    args = dict(seed=SEED, sampling="lhs", iterations=ITERATIONS, block_size=BLOCK)
    args.update(kw)
    model = args.pop("model", MODEL)
    digest = args.pop("scenario_hash", HASH)
    return run_with_checkpoint(
        directory,
        model,
        digest,
        args["seed"],
        args["sampling"],
        args["iterations"],
        args["block_size"],
        group_blocks,
        runner or LocalRunner(threads=2),
    )


def test_checkpointed_run_equals_the_uninterrupted_run(tmp_path, uninterrupted):
    """A run through a checkpoint returns the plain run's arrays bit for bit."""
    assert_same_run(checkpointed(tmp_path / "ck"), uninterrupted)


def test_resume_after_interruption_runs_only_missing_groups_and_equals_whole_run(
    tmp_path, uninterrupted
):
    """Stopped after 2 of 6 groups, the rerun runs the other 4 and gives the same answer."""
    first = CountingRunner(stop_after=2)
    with pytest.raises(Interrupted):
        checkpointed(tmp_path, first)
    assert first.groups == [(0, 2), (2, 2)]
    assert sorted(p.name for p in tmp_path.glob("blocks-*.npz")) == [
        "blocks-000000000-000002.npz",
        "blocks-000000002-000002.npz",
    ]
    again = CountingRunner()
    resumed = checkpointed(tmp_path, again)
    assert again.groups == [(4, 2), (6, 2), (8, 2), (10, 2)]
    assert_same_run(resumed, uninterrupted)
    done = CountingRunner()
    assert_same_run(checkpointed(tmp_path, done), uninterrupted)
    assert done.groups == []  # a finished checkpoint runs nothing


def test_resume_with_another_group_size_fills_the_gaps(tmp_path, uninterrupted):
    """The group size may change between the interrupted run and the rerun."""
    with pytest.raises(Interrupted):
        checkpointed(tmp_path, CountingRunner(stop_after=1), group_blocks=3)
    again = CountingRunner()
    assert_same_run(checkpointed(tmp_path, again, group_blocks=5), uninterrupted)
    assert again.groups == [(3, 5), (8, 4)]


def test_manifest_names_the_run(tmp_path):
    """The manifest records scenario hash, seed, sampling, block size, iterations, version."""
    from pmo_sim import __version__

    checkpointed(tmp_path)
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert manifest["scenario_sha256"] == HASH and len(HASH) == 64
    assert manifest["seed"] == SEED and manifest["sampling"] == "lhs"
    assert manifest["block_size"] == BLOCK and manifest["iterations"] == ITERATIONS
    assert manifest["mitigated"] is False and manifest["pmo_sim"] == __version__
    assert manifest["group_blocks"] == 2
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"seed": SEED + 1}, f"seed: {SEED} there, {SEED + 1} here"),
        ({"sampling": "random"}, 'sampling: "lhs" there, "random" here'),
        ({"block_size": 512}, "block size: 256 there, 512 here"),
        ({"iterations": 4000}, "iterations: 3000 there, 4000 here"),
        ({"scenario_hash": "0" * 64}, "scenario (SHA-256)"),
        ({"model": compiled_model(SCENARIO, mitigated=True)}, "mitigated: false there, true here"),
    ],
)
def test_checkpoint_of_another_run_is_refused(tmp_path, change, named):
    """A different seed, sampling, block size, length, scenario or state is never mixed in."""
    with pytest.raises(Interrupted):
        checkpointed(tmp_path, CountingRunner(stop_after=1))
    never = CountingRunner()
    with pytest.raises(CheckpointError, match="written for another run") as info:
        checkpointed(tmp_path, never, **change)
    assert named in str(info.value)
    assert "new checkpoint directory" in str(info.value)
    assert isinstance(info.value, ScenarioError)  # the command line reports it as exit 2
    assert never.groups == []


def test_checkpoint_of_another_scenario_is_refused(tmp_path):
    """The same seed and settings on another scenario are refused, naming the scenario."""
    checkpointed(tmp_path)
    other = risky_scenario(tasks=31)
    with pytest.raises(CheckpointError, match=r"scenario \(SHA-256\)"):
        checkpointed(tmp_path, model=compiled_model(other), scenario_hash=scenario_hash(other))


def test_group_file_of_another_run_is_refused(tmp_path):
    """A group file copied in from another run's checkpoint is refused, not merged."""
    checkpointed(tmp_path / "a")
    checkpointed(tmp_path / "b", seed=SEED + 1)
    name = "blocks-000000002-000002.npz"
    (tmp_path / "a" / name).write_bytes((tmp_path / "b" / name).read_bytes())
    with pytest.raises(CheckpointError, match="belongs to another run"):
        checkpointed(tmp_path / "a")


def test_directory_with_other_files_and_no_manifest_is_refused(tmp_path):
    """A non-empty directory that is not a checkpoint is left alone."""
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(CheckpointError, match=r"not empty and has no manifest\.json"):
        checkpointed(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_damaged_group_file_is_run_again(tmp_path, uninterrupted):
    """A truncated group file is discarded and its blocks run again."""
    checkpointed(tmp_path)
    path = tmp_path / "blocks-000000004-000002.npz"
    path.write_bytes(path.read_bytes()[:100])
    again = CountingRunner()
    assert_same_run(checkpointed(tmp_path, again), uninterrupted)
    assert again.groups == [(4, 2)]


def test_interrupted_write_leaves_no_partial_group(tmp_path, monkeypatch, uninterrupted):
    """A group is written to a temporary file and renamed: a failed write leaves nothing."""
    real = np.savez
    calls = []

    def failing_savez(fh, **arrays):
        calls.append(1)
        if len(calls) == 3:
            fh.write(b"PK\x03\x04 half a zip")
            raise Interrupted
        real(fh, **arrays)

    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(Interrupted):
        checkpointed(tmp_path)
    monkeypatch.undo()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["blocks-000000000-000002.npz", "blocks-000000002-000002.npz", MANIFEST]
    assert_same_run(checkpointed(tmp_path), uninterrupted)


def test_left_over_temporary_files_are_removed(tmp_path):
    """Temporary files of a run killed while writing are cleaned up on the rerun."""
    checkpointed(tmp_path, group_blocks=6)
    (tmp_path / ".blocks-000000000-000006.npz.abc.tmp").write_bytes(b"partial")
    checkpointed(tmp_path, group_blocks=6)
    assert not list(tmp_path.glob(".*.tmp"))


def test_group_blocks_is_validated(tmp_path):
    """group_blocks must be a whole number of at least 1, in the house wording."""
    with pytest.raises(ValueError, match=r"'group_blocks' must be at least 1 \(got 0\)"):
        checkpointed(tmp_path, group_blocks=0)
    with pytest.raises(TypeError, match="'group_blocks' must be a whole number"):
        checkpointed(tmp_path, group_blocks=1.5)


def test_scenario_hash_follows_content_not_identity_or_source():
    """Equal projects hash alike (whatever their source or default settings); any change
    to the project, its tasks or risks changes the hash."""
    same = risky_scenario()
    assert scenario_hash(same) == HASH
    assert scenario_hash(dataclasses.replace(same, source="elsewhere.toml")) == HASH
    # The settings actually used are in the manifest; the file's defaults do not matter.
    other_defaults = SimulationSettings(iterations=5, seed=99, sampling="random")
    assert scenario_hash(dataclasses.replace(same, simulation=other_defaults)) == HASH
    other_mode = list(same.tasks)
    other_mode[3] = dataclasses.replace(other_mode[3], duration=Triangular(1, 2, 3))
    assert scenario_hash(dataclasses.replace(same, tasks=tuple(other_mode))) != HASH
    assert scenario_hash(risky_scenario(name="Other name")) != HASH


def test_scenario_hash_is_the_same_in_another_process():
    """The hash has no per-process part (string hashing, memory addresses)."""
    out = subprocess.run(
        [sys.executable, "-c", "from tests.test_checkpoint import HASH; print(HASH)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout.strip()
    assert out == HASH


def test_scenario_file_loads_hash_alike(tmp_path, scenario_file):
    """A scenario file and its copy with other comments and spacing give one hash."""
    import pmo_sim

    text = """\
        [project]
        name = "Move"
        start = 2027-01-04

        [[tasks]]
        id = "a"
        duration = { dist = "triangular", min = 2, mode = 4, max = 9 }
        """
    first = pmo_sim.load(scenario_file(text, "one.toml"))
    second = pmo_sim.load(scenario_file("# a comment\n" + text.replace(" = ", "=", 1), "two.toml"))
    assert scenario_hash(first) == scenario_hash(second)


def test_simulate_takes_a_runner(uninterrupted):
    """``simulate(runner=...)`` runs its blocks on that runner, with the default answer
    bit for bit; a runner and a client together are refused."""
    plain = pmo_sim.simulate(SCENARIO, ITERATIONS, SEED, "lhs", threads=2, block_size=BLOCK)
    counting = CountingRunner()
    ran = pmo_sim.simulate(SCENARIO, ITERATIONS, SEED, "lhs", block_size=BLOCK, runner=counting)
    assert counting.groups == [(0, -(-ITERATIONS // BLOCK))]
    assert np.array_equal(ran.finish_days, plain.finish_days)
    assert np.array_equal(ran.finish_days, uninterrupted.finish)
    assert np.array_equal(ran.cost, plain.cost)
    assert ran.criticality == plain.criticality
    with pytest.raises(ValueError, match="not both"):
        pmo_sim.simulate(SCENARIO, 100, runner=LocalRunner(), client=object())


def test_block_run_spans_cover_the_iterations():
    """A run's blocks cover its iterations exactly; the last block may be short."""
    run = BlockRun(MODEL, SEED, "lhs", 1000, 256)
    assert run.total_blocks == 4
    assert [run.span(b, 1) for b in range(4)] == [256, 256, 256, 232]
    assert run.span(0, run.total_blocks) == 1000
    assert run.span(3, 5) == 232
