"""Cost of the risk register, costs and correlation, and of the exclusion ranking.

On one 1,000-task layered network (benchmarks/networks.py) it times, in one process
and with kernels compiled beforehand:
  - the plain network: triangular durations only;
  - the full model: the same network with 100 risks (each on 1-5 random tasks, delays
    and factors, costs), a fixed cost and a daily rate on every task, and two
    correlation groups of 10 tasks;
  - the exclusion ranking of all 100 risks at 10,000 iterations each.

Usage:  python benchmarks/bench_risks.py [--tasks 1000] [--risks 100]
                                         [--iterations 100000] [--threads 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from networks import layered_network, scenario_from_network  # noqa: E402

import pmo_sim  # noqa: E402


def full_model(plain: pmo_sim.Scenario, risks: int, seed: int = 3) -> pmo_sim.Scenario:
    rng = np.random.default_rng(seed)
    ids = plain.task_ids
    tasks = tuple(
        pmo_sim.Task(
            t.id,
            duration=t.duration,
            predecessors=t.predecessors,
            cost=pmo_sim.TaskCost(
                fixed=pmo_sim.Triangular(800, 1000, 1500), per_day=float(rng.uniform(200, 900))
            ),
        )
        for t in plain.tasks
    )
    register = []
    for r in range(risks):
        hit = tuple(rng.choice(ids, size=int(rng.integers(1, 6)), replace=False).tolist())
        if r % 2:
            impact = pmo_sim.Impact(hit, delay=pmo_sim.Triangular(1, 3, 8))
        else:
            impact = pmo_sim.Impact(hit, factor=pmo_sim.Uniform(1.05, 1.3))
        register.append(
            pmo_sim.Risk(
                f"R{r}",
                probability=float(rng.uniform(0.05, 0.5)),
                impacts=(impact,),
                cost=pmo_sim.Triangular(5000, 10000, 40000),
            )
        )
    groups = (
        pmo_sim.Correlation(0.6, tasks=tuple(ids[100:110])),
        pmo_sim.Correlation(0.4, tasks=tuple(ids[500:510])),
    )
    return pmo_sim.Scenario(
        project=plain.project,
        tasks=tasks,
        risks=tuple(register),
        correlations=groups,
        simulation=plain.simulation,
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--risks", type=int, default=100)
    ap.add_argument("--iterations", type=int, default=100_000)
    ap.add_argument("--ranking-iterations", type=int, default=10_000)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    plain = scenario_from_network(
        layered_network(a.tasks), iterations=a.iterations, seed=1, sampling="lhs"
    )
    full = full_model(plain, a.risks)
    for s in (plain, full):  # load or compile kernels and compile the models
        pmo_sim.simulate(s, iterations=256, threads=a.threads, rank=False)
    t = time.perf_counter()
    pmo_sim.simulate(plain, threads=a.threads)
    t_plain = time.perf_counter() - t
    t = time.perf_counter()
    r = pmo_sim.simulate(full, threads=a.threads)
    t_full = time.perf_counter() - t
    t = time.perf_counter()
    ranking = pmo_sim.rank_risks(full, iterations=a.ranking_iterations, threads=a.threads)
    t_rank = time.perf_counter() - t
    top = ranking.order("finish")[:3]
    print(
        f"| model | iterations | wall (s) |\n|---|---:|---:|\n"
        f"| {a.tasks:,} tasks, no risks/costs/correlation | {a.iterations:,} | {t_plain:.2f} |\n"
        f"| same + {a.risks} risks, costs, 2 correlation groups | {a.iterations:,} | "
        f"{t_full:.2f} |\n"
        f"| exclusion ranking of {a.risks} risks | {a.ranking_iterations:,} each | "
        f"{t_rank:.2f} |\n\n"
        f"full / plain = {t_full / t_plain:.2f}x (target <= 3x); ranking "
        f"{t_rank:.1f} s (target <= 30 s); P80 finish {r.percentile(80):.1f} days, "
        f"top risks {[ranking.risk_ids[k] for k in top]}"
    )


if __name__ == "__main__":
    main()
