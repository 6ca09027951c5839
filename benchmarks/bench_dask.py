"""The Dask runner against the local run, and the figures to size a cluster with.

Measured in one process, on this machine, kernels loaded beforehand:

1. 10,000 tasks x 100,000 iterations (layered network, benchmarks/networks.py): the
   local run on 2 threads against ``--dask-local 2`` (a LocalCluster of two
   single-threaded worker processes). The cluster's start-up (processes, kernels loaded
   in each worker) is timed separately and not counted in the run. Target: within
   1.25x of the local wall time.
2. The exclusion ranking of 100 risks (10,000 iterations each) on the 1,000-task model
   of benchmarks/bench_risks.py, locally on 2 threads and on the same cluster.
   Target: within 1.25x.
3. "Scale on paper": bytes sent to each worker (the model), bytes back per block and per
   task, scheduler tasks per run, and single-thread time per block, for 10,000 tasks and
   for --paper-tasks (50,000 by default), to project a run of 50,000 tasks x 10 million
   iterations onto a cluster.

Each comparison runs local and Dask in turn ``--repeat`` times and keeps the fastest
of each (the minimum is the best estimate on a shared, noisy machine). Results are
checked to be identical.

Usage:  python benchmarks/bench_dask.py [--tasks 10000] [--iterations 100000]
                                        [--workers 2] [--repeat 3] [--paper-tasks 50000]
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import pickle
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_risks import full_model  # noqa: E402
from networks import layered_network, scenario_from_network  # noqa: E402

import pmo_sim  # noqa: E402
from pmo_sim.engine.blocks import DEFAULT_BLOCK, run_blocks, run_kernel  # noqa: E402
from pmo_sim.engine.compile import compiled_model  # noqa: E402
from pmo_sim.engine.ranking import rank_risks  # noqa: E402
from pmo_sim.engine.runners import dask_runner as pd  # noqa: E402
from pmo_sim.engine.statistics import task_stats  # noqa: E402


def _has_client(fn) -> bool:
    return "client" in inspect.signature(fn).parameters


def simulate(scenario, threads, client=None):
    """The run with its task statistics: ``pmo_sim.simulate`` once it takes ``client=``,
    until then the same steps composed here (on both sides alike, so the comparison is
    fair)."""
    if _has_client(pmo_sim.simulate):
        r = pmo_sim.simulate(scenario, threads=threads, client=client)
        return r.finish_days
    model = compiled_model(scenario)
    s = scenario.simulation
    if client is None:
        raw = run_kernel(model, s.seed, s.sampling, s.iterations, threads)
    else:
        raw = pd.run_on_dask(client, model, s.seed, s.sampling, s.iterations)
    task_stats(scenario, model, raw, s.iterations, threads)
    return raw.finish


def rank(scenario, iterations, threads, client=None):
    if _has_client(rank_risks):
        r = rank_risks(scenario, iterations, threads=threads, client=client)
        return r.p80_finish_contribution
    if client is None:
        return rank_risks(scenario, iterations, threads=threads).p80_finish_contribution
    s = scenario.simulation
    return pd.rank_on_dask(client, compiled_model(scenario), s.seed, s.sampling, iterations)[0]


def best_of(repeat: int, **runs) -> dict[str, tuple[float, object]]:
    """Run each callable in turn ``repeat`` times; keep the fastest time and last value."""
    best: dict[str, tuple[float, object]] = {}
    for _ in range(repeat):
        for name, fn in runs.items():
            t = time.perf_counter()
            value = fn()
            wall = time.perf_counter() - t
            if name not in best or wall < best[name][0]:
                best[name] = (wall, value)
    return best


def block_time(model, blocks: int = 8) -> float:
    """Single-thread seconds per block, outside the sensitivity subsample."""
    iterations = 10**9  # a long run: the timed blocks lie far past the kept iterations
    first = 10**6 // DEFAULT_BLOCK
    run_blocks(model, 1, "lhs", iterations, first, 1, 1)
    t = time.perf_counter()
    run_blocks(model, 1, "lhs", iterations, first, blocks, 1)
    return (time.perf_counter() - t) / blocks


def bytes_back(model) -> tuple[int, float]:
    """Pickled bytes of a task's result: (fixed part per task, part per iteration)."""
    iterations = 10**9
    first = 10**6 // DEFAULT_BLOCK
    one = len(pickle.dumps(run_blocks(model, 1, "lhs", iterations, first, 1, 1), protocol=5))
    four = len(pickle.dumps(run_blocks(model, 1, "lhs", iterations, first, 4, 1), protocol=5))
    per_iteration = (four - one) / (3 * DEFAULT_BLOCK)
    return int(one - per_iteration * DEFAULT_BLOCK), per_iteration


def paper_row(n: int, model=None) -> dict:
    if model is None:
        t = time.perf_counter()
        model = compiled_model(scenario_from_network(layered_network(n), iterations=1))
        print(
            f"built and compiled a {n:,}-task scenario in {time.perf_counter() - t:.1f} s",
            file=sys.stderr,
        )
    fixed, per_it = bytes_back(model)
    keep = pmo_sim.engine.subsample_size(10_000_000, n)
    return {
        "tasks": n,
        "model_nbytes": model.nbytes,
        "model_pickled": len(pickle.dumps(model, protocol=5)),
        "result_fixed_bytes": fixed,
        "result_bytes_per_iteration": per_it,
        "sensitivity_bytes": 4 * n * keep,
        "block_seconds": block_time(model),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--iterations", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2, help="threads of the local run")
    ap.add_argument("--rank-tasks", type=int, default=1000)
    ap.add_argument("--risks", type=int, default=100)
    ap.add_argument("--ranking-iterations", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--paper-tasks", type=int, default=50_000)
    a = ap.parse_args()

    big = scenario_from_network(
        layered_network(a.tasks), iterations=a.iterations, seed=1, sampling="lhs"
    )
    ranked = full_model(
        scenario_from_network(layered_network(a.rank_tasks), iterations=a.ranking_iterations),
        a.risks,
    )
    for s in (big, ranked):  # compile the models, load the kernels here
        pmo_sim.simulate(s, iterations=256, threads=a.threads)

    t = time.perf_counter()
    cluster, client = pd.start_local_cluster(a.workers)
    t_cluster = time.perf_counter() - t
    t = time.perf_counter()
    warm = pd.prepare_workers(client)
    t_warm = time.perf_counter() - t
    try:
        runs = best_of(
            a.repeat,
            local=lambda: simulate(big, a.threads),
            dask=lambda: simulate(big, a.threads, client),
        )
        assert np.array_equal(runs["local"][1], runs["dask"][1]), "Dask run differs"
        ranks = best_of(
            a.repeat,
            local=lambda: rank(ranked, a.ranking_iterations, a.threads),
            dask=lambda: rank(ranked, a.ranking_iterations, a.threads, client),
        )
        assert np.array_equal(ranks["local"][1], ranks["dask"][1]), "Dask ranking differs"
        total_blocks = math.ceil(a.iterations / DEFAULT_BLOCK)
        per_task = pd.default_blocks_per_task(total_blocks, a.workers)
    finally:
        client.close()
        cluster.close()

    paper = [paper_row(a.tasks, compiled_model(big))]
    if a.paper_tasks:
        paper.append(paper_row(a.paper_tasks))

    t_local, t_dask = runs["local"][0], runs["dask"][0]
    r_local, r_dask = ranks["local"][0], ranks["dask"][0]
    report = {
        "cluster_start_s": t_cluster,
        "worker_warm_up_s": t_warm,
        "worker_warm_up_each_s": warm,
        "run_local_s": t_local,
        "run_dask_s": t_dask,
        "ranking_local_s": r_local,
        "ranking_dask_s": r_dask,
        "blocks": total_blocks,
        "blocks_per_task": per_task,
        "tasks": math.ceil(total_blocks / per_task),
        "paper": paper,
    }
    print(json.dumps(report, indent=1), file=sys.stderr)
    print(
        f"LocalCluster of {a.workers} single-threaded worker processes: started in "
        f"{t_cluster:.1f} s, kernels loaded in every worker in {t_warm:.1f} s "
        "(not counted below)\n"
    )
    print("| run | local, 2 threads (s) | Dask (s) | Dask / local | target |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| {a.tasks:,} tasks x {a.iterations:,} iterations ({report['tasks']} Dask tasks "
        f"of {per_task} blocks) | {t_local:.2f} | {t_dask:.2f} | {t_dask / t_local:.2f}x "
        "| <= 1.25x |"
    )
    print(
        f"| exclusion ranking, {a.risks} risks x {a.ranking_iterations:,} iterations, "
        f"{a.rank_tasks:,} tasks | {r_local:.2f} | {r_dask:.2f} | {r_dask / r_local:.2f}x "
        "| <= 1.25x |"
    )
    print("\nScale on paper (per worker process, single thread, block of 512 iterations):\n")
    print(
        "| tasks | model sent to each worker (nbytes / pickled) | result per Dask task "
        "(fixed + per iteration) | sensitivity subsample back (once) | time per block |"
    )
    print("|---:|---:|---:|---:|---:|")
    for p in paper:
        print(
            f"| {p['tasks']:,} | {p['model_nbytes'] / 1e6:.1f} MB / "
            f"{p['model_pickled'] / 1e6:.1f} MB | {p['result_fixed_bytes'] / 1e3:.0f} kB + "
            f"{p['result_bytes_per_iteration']:.1f} B | "
            f"{p['sensitivity_bytes'] / 1e6:.0f} MB | {p['block_seconds']:.3f} s |"
        )


if __name__ == "__main__":
    main()
