"""A portfolio against the same tasks and risks run as one merged scenario.

Builds ``--projects`` projects of ``--tasks`` tasks each (layered random networks of
``benchmarks/networks.py``: triangular durations, a cost rate per task), ``--risks``
risks of their own in all (spread evenly), and ``--systemic`` systemic risks each
hitting a task in two to five projects. The merged scenario holds every task (ids
``project:task``) and every risk, systemic ones as ordinary risks of the one project,
on the same calendar and start: the same work for the kernels, in one model.

Both run ``--iterations`` iterations on ``--threads`` threads, with kernels compiled
beforehand, in turn ``--repeat`` times; the fastest of each is kept (shared, noisy
machines). Prints the times and the ratio portfolio / merged, the same for the kernel
phase alone (every project's blocks against the merged model's; the rest is the
statistics after the kernel: each project's sensitivity on its own subsample of up to
10,000 iterations, as its standalone run computes it, where the merged scenario of
50,000 tasks keeps 2,000), and with
``--memory-iterations N`` the peak RSS of a portfolio run of N iterations, measured in
a process of its own.

Usage:  python benchmarks/bench_portfolio.py [--projects 50] [--tasks 1000]
            [--risks 500] [--systemic 200] [--iterations 10000] [--threads 2]
            [--repeat 3] [--memory-iterations 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pmo_sim import Project, Scenario, Task, Triangular, simulate  # noqa: E402
from pmo_sim.engine.blocks import run_kernel  # noqa: E402
from pmo_sim.engine.compile import compiled_model  # noqa: E402
from pmo_sim.engine.portfolio import portfolio_chain, simulate_portfolio  # noqa: E402
from pmo_sim.model.portfolio import Portfolio, PortfolioProject  # noqa: E402
from pmo_sim.model.risks import Impact, Risk  # noqa: E402
from pmo_sim.model.tasks import Link, TaskCost  # noqa: E402

START = dt.date(2027, 1, 4)


def network(rng: np.random.Generator, n: int, prefix: str = "") -> list[Task]:
    """A layered random network of ``n`` tasks: each links from one to three tasks of the
    twenty before it."""
    tasks = []
    for i in range(n):
        mode = float(rng.integers(3, 15))
        preds = ()
        if i:
            k = int(rng.integers(1, 4))
            picks = sorted(set(rng.integers(max(0, i - 20), i, size=k).tolist()))
            preds = tuple(Link(f"{prefix}t{j}") for j in picks)
        tasks.append(
            Task(
                f"{prefix}t{i}",
                duration=Triangular(0.8 * mode, mode, 1.6 * mode),
                predecessors=preds,
                cost=TaskCost(per_day=float(rng.integers(200, 2000))),
            )
        )
    return tasks


def build(projects: int, tasks: int, risks: int, systemic: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    nets = [network(rng, tasks) for _ in range(projects)]
    own: list[list[Risk]] = [[] for _ in range(projects)]
    for r in range(risks):
        p = r % projects
        t = int(rng.integers(0, tasks))
        own[p].append(
            Risk(
                f"R{r}",
                probability=float(rng.uniform(0.05, 0.4)),
                impacts=(Impact(tasks=(f"t{t}",), delay=Triangular(2, 5, 12)),),
            )
        )
    shared = []
    for r in range(systemic):
        hit = rng.choice(projects, size=int(rng.integers(2, 6)), replace=False)
        refs = tuple(f"p{int(p)}:t{int(rng.integers(0, tasks))}" for p in sorted(hit))
        shared.append(
            Risk(
                f"S{r}",
                probability=float(rng.uniform(0.05, 0.3)),
                impacts=(Impact(tasks=refs, factor=Triangular(1.05, 1.15, 1.4)),),
            )
        )
    scenarios = [
        Scenario(
            project=Project(name=f"p{p}", id=f"p{p}", start=START),
            tasks=tuple(nets[p]),
            risks=tuple(own[p]),
        )
        for p in range(projects)
    ]
    pf = Portfolio(
        name="bench",
        projects=tuple(PortfolioProject(f"p{p}", s) for p, s in enumerate(scenarios)),
        risks=tuple(shared),
    )
    # The merged scenario: the same tasks, ids prefixed, and every risk.
    merged_tasks = []
    for p, net in enumerate(nets):
        for t in net:
            merged_tasks.append(
                Task(
                    f"p{p}:{t.id}",
                    duration=t.duration,
                    predecessors=tuple(Link(f"p{p}:{k.predecessor}") for k in t.predecessors),
                    cost=t.cost,
                )
            )
    merged_risks = [
        Risk(
            f"p{p}:{r.id}",
            probability=r.probability,
            impacts=tuple(
                Impact(tasks=tuple(f"p{p}:{x}" for x in imp.tasks), delay=imp.delay)
                for imp in r.impacts
            ),
        )
        for p, rs in enumerate(own)
        for r in rs
    ] + shared
    merged = Scenario(
        project=Project(name="merged", start=START),
        tasks=tuple(merged_tasks),
        risks=tuple(merged_risks),
    )
    return pf, merged


def peak_rss(args: argparse.Namespace, iterations: int) -> float:
    """Peak RSS in MB of a portfolio run in a fresh process."""
    code = (
        "import sys; sys.argv = sys.argv[:1]; "
        f"sys.path.insert(0, {str(HERE)!r}); "
        "import bench_portfolio as b; "
        f"pf, _ = b.build({args.projects}, {args.tasks}, {args.risks}, {args.systemic}); "
        f"b.simulate_portfolio(pf, iterations={iterations}, seed=1, threads={args.threads}); "
        # VmHWM, the peak of this process's own memory: ru_maxrss would start at the
        # parent's size (Linux keeps it across the fork and exec that start us).
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--projects", type=int, default=50)
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--risks", type=int, default=500)
    ap.add_argument("--systemic", type=int, default=200)
    ap.add_argument("--iterations", type=int, default=10_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory-iterations", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    pf, merged = build(args.projects, args.tasks, args.risks, args.systemic)
    print(
        f"{args.projects} projects x {args.tasks} tasks, {args.risks} project risks, "
        f"{args.systemic} systemic; built in {time.perf_counter() - t0:.1f} s"
    )
    # Warm up: compile, and build each side's compiled models once (both cache them).
    simulate_portfolio(pf, iterations=256, seed=1, threads=args.threads)
    simulate(merged, iterations=256, seed=1, threads=args.threads)
    best = {"portfolio": float("inf"), "merged": float("inf")}
    for _ in range(args.repeat):
        t = time.perf_counter()
        simulate_portfolio(pf, iterations=args.iterations, seed=1, threads=args.threads)
        best["portfolio"] = min(best["portfolio"], time.perf_counter() - t)
        t = time.perf_counter()
        simulate(merged, iterations=args.iterations, seed=1, threads=args.threads)
        best["merged"] = min(best["merged"], time.perf_counter() - t)
    # The kernel phase alone (the blocks of every project against the merged model's):
    # the rest is each side's statistics after the kernel.
    chain = portfolio_chain(pf)
    merged_model = compiled_model(merged)
    kernel = {"portfolio": float("inf"), "merged": float("inf")}
    for _ in range(args.repeat):
        t = time.perf_counter()
        for model in chain.models.values():
            run_kernel(model, 1, "lhs", args.iterations, args.threads)
        kernel["portfolio"] = min(kernel["portfolio"], time.perf_counter() - t)
        t = time.perf_counter()
        run_kernel(merged_model, 1, "lhs", args.iterations, args.threads)
        kernel["merged"] = min(kernel["merged"], time.perf_counter() - t)
    ratio = best["portfolio"] / best["merged"]
    print(f"{args.iterations:,} iterations, {args.threads} threads, best of {args.repeat}:")
    print(f"  portfolio       {best['portfolio']:8.2f} s")
    print(f"  merged scenario {best['merged']:8.2f} s")
    print(f"  ratio portfolio / merged: {ratio:.2f}x (target at most 1.2x)")
    k = kernel["portfolio"] / kernel["merged"]
    print(
        f"  kernel phase alone: portfolio {kernel['portfolio']:.2f} s, merged "
        f"{kernel['merged']:.2f} s, ratio {k:.2f}x"
    )
    result = {"seconds": best, "ratio": ratio, "kernel_seconds": kernel, "kernel_ratio": k}
    if args.memory_iterations:
        mb = peak_rss(args, args.memory_iterations)
        print(f"  peak RSS, portfolio at {args.memory_iterations:,} iterations: {mb:,.0f} MB")
        result["peak_rss_mb"] = mb
    print(json.dumps(result))


if __name__ == "__main__":
    main()
