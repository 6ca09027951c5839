"""The Dask runner: identical answers on a LocalCluster, worker faults, connection errors.

One module-scoped LocalCluster of two single-threaded worker processes serves every test
that needs a cluster (starting one costs a few seconds), so keep such tests few.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import signal
import sys
import time
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner

import pmo_sim
from pmo_sim.cli.cluster import cluster_context, cluster_options
from pmo_sim.engine.blocks import run_blocks, run_kernel
from pmo_sim.engine.compile import compiled_model
from pmo_sim.engine.ranking import rank_risks
from pmo_sim.engine.runners import dask_runner as pd
from pmo_sim.engine.runners.checkpoint import run_with_checkpoint, scenario_hash
from pmo_sim.engine.runners.local import LocalRunner
from pmo_sim.engine.statistics import task_stats
from pmo_sim.model.errors import ClusterError, ScenarioError

from .test_checkpoint import Interrupted, assert_same_run, risky_scenario

pytest.importorskip("distributed", reason='needs the dask extra: pip install ".[dask]"')

SCENARIO = risky_scenario(tasks=40)
MODEL = compiled_model(SCENARIO)
ITERATIONS = 5000
BLOCK = 256  # 20 blocks, the last one partial
SEED = 23


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of two single-threaded worker processes, kernels loaded."""
    cluster, client = pd.start_local_cluster(2)
    try:
        pd.prepare_workers(client)
        yield client
    finally:
        client.close()
        cluster.close()


def assert_same_stats(a, b) -> None:
    """Two TaskStats are identical field by field (arrays bit for bit, NaN where NaN)."""
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert np.array_equal(x, y, equal_nan=True), f.name
        else:
            assert x == y, f.name


@pytest.mark.parametrize("blocks_per_task", [1, 3, 20, None])
def test_dask_run_equals_local_run_for_any_split(client, blocks_per_task):
    """Per-iteration arrays, sums and task statistics match the local run bit for bit."""
    local = run_kernel(MODEL, SEED, "lhs", ITERATIONS, 2, BLOCK)
    remote = pd.run_on_dask(client, MODEL, SEED, "lhs", ITERATIONS, BLOCK, blocks_per_task)
    assert_same_run(remote, local)
    assert_same_stats(
        task_stats(SCENARIO, MODEL, remote, ITERATIONS, 2),
        task_stats(SCENARIO, MODEL, local, ITERATIONS, 2),
    )


def test_dask_run_equals_local_run_with_random_sampling_and_mitigation(client):
    """Plain Monte Carlo on the post-mitigation model matches too, as do forward-only runs."""
    model = compiled_model(SCENARIO, mitigated=True)
    local = run_kernel(model, SEED, "random", ITERATIONS, 1, BLOCK)
    assert_same_run(pd.run_on_dask(client, model, SEED, "random", ITERATIONS, BLOCK, 2), local)
    enabled = np.array([1, 0, 1, 1, 0], dtype=np.uint8)
    local = run_kernel(model, SEED, "lhs", 1000, 2, BLOCK, full=False, enabled=enabled)
    remote = pd.run_on_dask(client, model, SEED, "lhs", 1000, BLOCK, 1, full=False, enabled=enabled)
    assert_same_run(remote, local)


def test_run_options_reach_the_workers(client):
    """Options of run_blocks (here the kept task dates) pass through to every task."""
    if "keep_dates" not in inspect.signature(run_blocks).parameters:
        pytest.skip("run_blocks has no keep_dates option in this tree")
    local = run_kernel(MODEL, SEED, "lhs", 1500, 2, BLOCK, keep_dates=True)
    remote = pd.run_on_dask(client, MODEL, SEED, "lhs", 1500, BLOCK, 2, keep_dates=True)
    assert remote.sub_es is not None
    assert_same_run(remote, local)


def test_progress_counts_iterations_to_the_total(client):
    """progress(done, total) rises after each task and ends at the iteration count."""
    seen = []
    pd.run_on_dask(
        client, MODEL, SEED, "lhs", 1100, BLOCK, 2, progress=lambda d, t: seen.append((d, t))
    )
    assert len(seen) == 3 and seen[-1] == (1100, 1100)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.parametrize("risks_per_task", [1, 2, None])
def test_exclusion_ranking_on_dask_equals_local(client, risks_per_task):
    """Each risk's P80 finish and cost contribution, mean delay and cost match bit for bit."""
    ranking = rank_risks(SCENARIO, 2000, SEED, "lhs", 2, block_size=BLOCK)
    baseline = run_kernel(MODEL, SEED, "lhs", ITERATIONS, 2, BLOCK)
    with_baseline = rank_risks(
        SCENARIO, 2000, SEED, "lhs", 2, block_size=BLOCK, baseline=(baseline.finish, baseline.cost)
    )
    for expected, base in ((ranking, None), (with_baseline, (baseline.finish, baseline.cost))):
        got = pd.rank_on_dask(client, MODEL, SEED, "lhs", 2000, BLOCK, risks_per_task, base)
        for name, values in zip(
            ("p80_finish_contribution", "p80_cost_contribution", "mean_delay", "mean_cost"),
            got,
            strict=True,
        ):
            assert np.array_equal(values, getattr(expected, name)), name


def test_simulate_with_client_gives_the_local_json(client):
    """pmo_sim.simulate(..., client=) gives the local run's Results.to_dict(), ranking too."""
    if "client" not in inspect.signature(pmo_sim.simulate).parameters:
        pytest.skip("pmo_sim.simulate has no client= keyword yet (issue 7 integration)")
    kw = dict(iterations=ITERATIONS, seed=SEED, rank=True, ranking_iterations=1000)
    local = pmo_sim.simulate(SCENARIO, threads=2, **kw)
    remote = pmo_sim.simulate(SCENARIO, client=client, **kw)
    a, b = local.to_dict(), remote.to_dict()
    for doc in (a, b):
        doc.pop("elapsed_seconds", None)
    assert a == b
    assert np.array_equal(local.finish_days, remote.finish_days)
    assert np.array_equal(local.risk_occurrence, remote.risk_occurrence)


def test_checkpoint_with_the_dask_runner_resumes_to_the_local_answer(client, tmp_path):
    """A checkpoint started on local threads and finished on Dask equals the plain run."""

    class StopAfterOne:
        def __init__(self):
            self.inner = LocalRunner(threads=2)

        def __call__(self, *args, **kw):
            for k, raw in enumerate(self.inner(*args, **kw)):
                if k == 1:
                    raise Interrupted
                yield raw

    args = (tmp_path, MODEL, scenario_hash(SCENARIO), SEED, "lhs", ITERATIONS, BLOCK, 4)
    with pytest.raises(Interrupted):
        run_with_checkpoint(*args, StopAfterOne())
    resumed = run_with_checkpoint(*args, pd.DaskRunner(client, blocks_per_task=3))
    assert len(list(tmp_path.glob("blocks-*.npz"))) == 5
    assert_same_run(resumed, run_kernel(MODEL, SEED, "lhs", ITERATIONS, 2, BLOCK))


def test_worker_killed_mid_run_gives_the_same_answer(client):
    """A worker process killed while tasks are in flight is restarted by its nanny, its
    tasks run again, and the answer is unchanged."""
    big = compiled_model(risky_scenario(tasks=400))
    iterations = 40_000
    expected = run_kernel(big, SEED, "lhs", iterations, 2, 512)
    before = client.run(os.getpid)
    killed = {}

    def kill_one(done: int, total: int) -> None:
        if killed:
            return
        busy = [w for w, keys in client.processing().items() if keys]
        victim = busy[0] if busy else next(iter(before))
        killed.update(worker=victim, done=done, total=total)
        os.kill(before[victim], signal.SIGKILL)

    got = pd.run_on_dask(client, big, SEED, "lhs", iterations, 512, 1, progress=kill_one)
    assert killed and killed["done"] < killed["total"]
    assert_same_run(got, expected)
    client.wait_for_workers(2, timeout=60)
    after = client.run(os.getpid)
    assert before[killed["worker"]] not in after.values()  # the nanny started a new process


def test_unreachable_scheduler_fails_fast_with_a_clear_error():
    """An address nobody listens on gives a ClusterError within the timeout, not a hang."""
    started = time.perf_counter()
    with pytest.raises(ClusterError) as info:
        pd.connect("tcp://127.0.0.1:1", timeout=1.0)
    assert time.perf_counter() - started < 10
    message = str(info.value)
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:1 within 1 s" in message
    assert "dask scheduler" in message
    assert isinstance(info.value, ScenarioError)  # exit 2 on the command line


def test_cluster_options_report_an_unreachable_scheduler_as_exit_2():
    """--scheduler with a dead address ends the command with exit 2 and the message."""
    from pmo_sim.cli.common import UserError

    @click.command()
    @cluster_options
    def probe(scheduler, dask_local, checkpoint):
        try:
            with cluster_context(scheduler, dask_local, timeout=1.0) as c:
                click.echo(repr(c))
        except ClusterError as exc:
            raise UserError(exc.report()) from None

    result = CliRunner().invoke(probe, ["--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2
    assert "cannot connect to the Dask scheduler" in result.output
    result = CliRunner().invoke(probe, ["--scheduler", "tcp://127.0.0.1:1", "--dask-local", "2"])
    assert result.exit_code == 2 and "not both" in result.output
    result = CliRunner().invoke(probe, ["--dask-local", "0"])
    assert result.exit_code == 2
    result = CliRunner().invoke(probe, [])
    assert result.exit_code == 0 and result.output == "None\n"
    help_text = CliRunner().invoke(probe, ["--help"]).output
    for option in ("--scheduler tcp://HOST:8786", "--dask-local N", "--checkpoint DIR"):
        assert option in help_text


def test_scheduler_without_workers_is_reported():
    """A scheduler with no worker gives a ClusterError saying how to start one."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=0, dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"}
    )
    client = Client(cluster)
    try:
        with pytest.raises(ClusterError, match=r"has no workers after 0\.5 s; start some"):
            pd.prepare_workers(client, timeout=0.5)
    finally:
        client.close()
        cluster.close()


def test_dask_local_context_starts_checks_and_closes_a_cluster():
    """--dask-local N starts N single-threaded workers, logs its start-up, and closes it."""
    lines = []
    with cluster_context(None, 1, log=lines.append) as c:
        assert sum(c.nthreads().values()) == 1
        got = pd.run_on_dask(c, MODEL, SEED, "lhs", 600, BLOCK)
    assert c.status == "closed"
    assert_same_run(got, run_kernel(MODEL, SEED, "lhs", 600, 1, BLOCK))
    assert lines and lines[0].startswith("using a local Dask cluster of 1 worker process(es)")


def test_workers_with_other_versions_are_refused(client, monkeypatch):
    """A worker whose pmo-sim (or numpy, numba, Python) differs from the client's is refused."""
    real = pd._versions()
    monkeypatch.setattr(pd, "_versions", lambda: {**real, "numpy": "0.0"})
    with pytest.raises(ClusterError, match=rf"numpy {np.__version__} there, 0\.0 here"):
        pd.prepare_workers(client)


def test_missing_dask_names_the_extra(monkeypatch):
    """Without dask installed, the error says how to install it."""
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ClusterError, match=r'pip install "\.\[dask\]"'):
        pd.require_dask()
    with pytest.raises(ClusterError, match=r"\.\[dask\]"):
        pd.run_on_dask(object(), MODEL, SEED, "lhs", 100)


def test_bad_arguments_raise_in_house_wording(client):
    """A non-client, or a blocks_per_task below 1, is refused with the field named."""
    with pytest.raises(TypeError, match=r"'client' must be a dask\.distributed\.Client"):
        pd.run_on_dask(object(), MODEL, SEED, "lhs", 100)
    with pytest.raises(ValueError, match=r"'blocks_per_task' must be at least 1 \(got 0\)"):
        pd.run_on_dask(client, MODEL, SEED, "lhs", 100, BLOCK, 0)
    with pytest.raises(ValueError, match=r"'risks_per_task' must be at least 1 \(got 0\)"):
        pd.rank_on_dask(client, MODEL, SEED, "lhs", 100, BLOCK, 0)


def test_default_split_balances_and_bounds_tasks():
    """About four tasks per worker thread, at least one block, at most the cap."""
    assert pd.default_blocks_per_task(196, 2) == 25
    assert pd.default_blocks_per_task(3, 8) == 1
    assert pd.default_blocks_per_task(1_000_000, 2) == pd.MAX_BLOCKS_PER_TASK


def test_cli_run_on_dask_local_with_checkpoint_prints_the_local_json(tmp_path):
    """`pmo-sim run --dask-local 1 --checkpoint DIR --json` prints the local run's JSON, the
    rerun resumes from DIR, and a rerun with another seed is refused with exit 2."""
    from pmo_sim.cli import cli

    if "dask_local" not in {p.name for p in cli.commands["run"].params}:
        pytest.skip("`pmo-sim run` has no --dask-local option yet (issue 7 integration)")
    scenario = Path(__file__).resolve().parents[1] / "scenarios" / "office_move.toml"
    base = ["run", str(scenario), "-n", "3000", "--json", "-q", "--ranking-iterations", "500"]
    checkpoint = ["--checkpoint", str(tmp_path / "ck")]
    local = CliRunner().invoke(cli, base)
    assert local.exit_code == 0, local.output
    remote = CliRunner().invoke(cli, [*base, "--dask-local", "1", *checkpoint])
    assert remote.exit_code == 0, remote.output
    assert remote.stdout == local.stdout
    resumed = CliRunner().invoke(cli, [*base, *checkpoint])
    assert resumed.exit_code == 0 and resumed.stdout == local.stdout
    other = CliRunner().invoke(cli, [*base, "--seed", "5", *checkpoint])
    assert other.exit_code == 2 and "written for another run" in other.output
