"""Cost of the risk model's second half: branches, existence risks, dependent risks,
uncertain lags and weather, against the same scenario without them.

On one layered random network (benchmarks/networks.py; triangular durations) with a
third of its tasks on a site calendar (mon-fri with its own holidays) and 200 risks,
it times, in one process and with kernels compiled beforehand:
  - "without": the network, its calendars and its risks (each hitting a few tasks),
    every lag fixed at its most likely value, no branches, no weather;
  - "with": the same, plus one probabilistic branch per 100 tasks (two parallel
    options of work between the same tasks), one conditional branch per 500 tasks (a
    rework task after a test, taken when the test runs long), 50 existence risks
    (each adding a task), 50 of the risks made dependent (requires, excludes or
    probability_if on another), an uncertain lag on one link in five, and weather on
    the site calendar (working days lost each month, scattered);
  - "without, one calendar": the "without" scenario with every task on the project
    calendar (the plain passes), for reference.
Both scenarios have the same tasks and links; the variants run in turn ``--repeat``
times and the fastest of each is kept. Ratios are printed; compare them, never times
from different runs.

Usage:  python benchmarks/bench_risk_model.py [--tasks 10000] [--iterations 10000]
                                              [--threads 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from networks import layered_network  # noqa: E402

import pmo_sim  # noqa: E402
from pmo_sim.model.branches import Branch, BranchOption, Condition  # noqa: E402
from pmo_sim.model.distributions import Uniform  # noqa: E402
from pmo_sim.model.risks import Impact, Risk  # noqa: E402
from pmo_sim.model.weather import WeatherLoss  # noqa: E402

START = dt.date(2027, 1, 4)
PROJECT = pmo_sim.Calendar("mon-fri", (dt.date(2027, 4, 2), dt.date(2027, 12, 27)))
SITE_DAYS = (dt.date(2027, 4, 2), dt.date(2027, 8, 30), dt.date(2027, 12, 27))
WEATHER = (
    WeatherLoss(months=(11, 12, 1, 2), lost_days=pmo_sim.Triangular(1, 3, 6)),
    WeatherLoss(months=(3, 4, 5, 9, 10), lost_share=Uniform(0.0, 0.08)),
)


def build(tasks: int, iterations: int, seed: int = 1) -> dict[str, pmo_sim.Scenario]:
    """The variants of one network (see the module docstring)."""
    net = layered_network(tasks, seed)
    rng = np.random.default_rng(seed + 7)
    specs = net["tasks"]
    n = len(specs)
    succ: dict[str, list[str]] = {}
    for t in specs:
        for p in t["predecessors"]:
            succ.setdefault(p, []).append(t["id"])
    base_tasks, with_tasks = [], []
    for k, t in enumerate(specs):
        duration = pmo_sim.Triangular(t["min"], t["mode"], t["max"])
        cal = "site" if k % 3 == 0 else ""
        base_links, with_links = [], []
        for p in t["predecessors"]:
            if rng.random() < 0.2:
                lag = Uniform(0.0, float(rng.choice([2.0, 4.0])))
                with_links.append(pmo_sim.Link(p, "FS", lag))
                base_links.append(pmo_sim.Link(p, "FS", lag.deterministic))
            else:
                with_links.append(pmo_sim.Link(p))
                base_links.append(pmo_sim.Link(p))
        base_tasks.append(
            pmo_sim.Task(t["id"], duration, predecessors=tuple(base_links), calendar=cal)
        )
        with_tasks.append(
            pmo_sim.Task(t["id"], duration, predecessors=tuple(with_links), calendar=cal)
        )
    # Risks: each hits three random tasks.
    risks = []
    for r in range(200):
        hit = tuple(f"T{int(i)}" for i in rng.choice(n, size=3, replace=False))
        risks.append(
            Risk(
                f"R{r}",
                float(rng.uniform(0.05, 0.4)),
                (Impact(hit, delay=pmo_sim.Triangular(1, 3, 8)),),
            )
        )
    # The constructs, on tasks added beside the network (so both variants keep it).
    extra_tasks, branches, with_risks = [], [], list(risks)
    candidates = [t["id"] for t in specs if t["predecessors"] and t["id"] in succ]
    picks = rng.choice(len(candidates), size=n // 100 + n // 500 + 50, replace=False)
    cursor = 0
    for b in range(n // 100):
        anchor = candidates[picks[cursor]]
        cursor += 1
        a, c = f"B{b}a", f"B{b}b"
        d = pmo_sim.Triangular(3, 5, 9)
        extra_tasks += [
            pmo_sim.Task(a, d, predecessors=(anchor,)),
            pmo_sim.Task(c, pmo_sim.Triangular(5, 8, 14), predecessors=(anchor,)),
        ]
        branches.append(
            Branch(f"b{b}", (BranchOption("a", (a,), 0.6), BranchOption("b", (c,), 0.4)))
        )
    for b in range(n // 500):
        anchor = candidates[picks[cursor]]
        cursor += 1
        extra_tasks.append(
            pmo_sim.Task(f"RW{b}", pmo_sim.Triangular(4, 6, 10), predecessors=(anchor,))
        )
        when = Condition(anchor, duration_above=float(specs[int(anchor[1:])]["mode"]) + 2.0)
        branches.append(
            Branch(f"c{b}", (BranchOption("rework", (f"RW{b}",), when=when), BranchOption("none")))
        )
    for e in range(50):
        anchor = candidates[picks[cursor]]
        cursor += 1
        extra_tasks.append(
            pmo_sim.Task(
                f"X{e}", pmo_sim.Triangular(5, 8, 15), predecessors=(anchor,), exists=f"risk:E{e}"
            )
        )
        with_risks.append(Risk(f"E{e}", 0.2, adds=(f"X{e}",)))
    for q in range(50):
        r = with_risks[q + 1]
        parent = f"R{q}" if q % 2 == 0 else f"E{q}"
        kind = q % 3
        change = (
            {"requires": (parent,)}
            if kind == 0
            else ({"excludes": (parent,)} if kind == 1 else {"probability_if": ((parent, 0.8),)})
        )
        with_risks[q + 1] = dataclasses.replace(r, **change)
    settings = pmo_sim.SimulationSettings(iterations=iterations, seed=1, sampling="random")
    site_plain = pmo_sim.Calendar("mon-fri", SITE_DAYS)
    site_weather = pmo_sim.Calendar("mon-fri", SITE_DAYS, weather=WEATHER)
    # Both variants have the extra tasks (as plain work without the constructs).
    plain_extra = [dataclasses.replace(t, exists=None) for t in extra_tasks]

    def scenario(tasks, risks, site, branches=(), one_calendar=False):
        ts = (
            tuple(dataclasses.replace(t, calendar="") for t in tasks)
            if one_calendar
            else tuple(tasks)
        )
        return pmo_sim.Scenario(
            project=pmo_sim.Project(
                "risk model benchmark", START, calendar=PROJECT, calendars=(("site", site),)
            ),
            tasks=ts,
            risks=tuple(risks),
            branches=tuple(branches),
            simulation=settings,
        )

    return {
        "without": scenario([*base_tasks, *plain_extra], risks, site_plain),
        "with": scenario([*with_tasks, *extra_tasks], with_risks, site_weather, branches),
        "without, one calendar": scenario(
            [*base_tasks, *plain_extra], risks, site_plain, one_calendar=True
        ),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--iterations", type=int, default=10_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = ap.parse_args()
    variants = build(args.tasks, args.iterations)
    for s in variants.values():
        pmo_sim.simulate(s, iterations=512, threads=args.threads)  # compile, build caches
    best = {k: float("inf") for k in variants}
    for _ in range(args.repeat):
        for name, s in variants.items():
            t0 = time.perf_counter()
            r = pmo_sim.simulate(s, iterations=args.iterations, threads=args.threads)
            best[name] = min(best[name], time.perf_counter() - t0)
            del r
    ratio = best["with"] / best["without"]
    doc = {
        "tasks": args.tasks,
        "iterations": args.iterations,
        "threads": args.threads,
        "seconds": best,
        "with / without": ratio,
        "with / without, one calendar": best["with"] / best["without, one calendar"],
        "target": 2.0,
    }
    if args.json:
        print(json.dumps(doc, indent=2))
        return
    n_tasks = len(variants["with"].tasks)
    print(
        f"{n_tasks:,} tasks ({args.tasks:,} network), {args.iterations:,} iterations, "
        f"{args.threads} threads, best of {args.repeat}"
    )
    for name, sec in best.items():
        print(f"  {name:<24} {sec:8.2f} s")
    print(f"  with / without: {ratio:.2f}x (target <= 2x)")
    print(
        f"  with / without, one calendar: {doc['with / without, one calendar']:.2f}x "
        "(for reference)"
    )


if __name__ == "__main__":
    main()
