"""Cost of task calendars: one network on one calendar against the same network on six.

On one layered random network (benchmarks/networks.py; triangular durations, lags on
some links) it times, in one process and with kernels compiled beforehand:
  - "1 calendar": every task on the project calendar (mon-fri with holidays): the plain
    passes, as before task calendars existed;
  - "1 calendar, general passes": the same, with a data date at the project start and
    no progress, which sends it through the calendar-and-progress passes without any
    calendar conversion (the overhead of those passes alone);
  - "6 calendars": the same network and lags with the tasks spread over mon-fri (the
    project calendar), mon-sat, all-days, sun-thu, mon-fri with other holidays and
    tue-sat; lags count working days of the successor's calendar.
The variants run in turn ``--repeat`` times and the fastest of each is kept (these
machines are shared and noisy; the minimum is the best estimate of what the code
costs). With ``--baseline-tree DIR`` (a directory holding another version of the
package, e.g. ``git archive de607d9 pmo_sim | tar -x -C DIR`` for the version
before task calendars), the single-calendar network is also timed on that version and
on this one, each in its own process, interleaved.

Usage:  python benchmarks/bench_calendars.py [--tasks 10000] [--iterations 100000]
                                             [--threads 2] [--repeat 3] [--lag-share 0.2]
                                             [--baseline-tree DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from networks import layered_network  # noqa: E402

import pmo_sim  # noqa: E402

START = dt.date(2027, 1, 4)


def _holidays(seed: int, count: int = 12) -> tuple[dt.date, ...]:
    """``count`` random weekdays in the first two years."""
    rng = np.random.default_rng(seed)
    days = []
    while len(days) < count:
        day = START + dt.timedelta(days=int(rng.integers(0, 730)))
        if day.weekday() < 5 and day not in days:
            days.append(day)
    return tuple(sorted(days))


PROJECT_CALENDAR = pmo_sim.Calendar("mon-fri", _holidays(1))
CALENDARS = {
    "mon-sat": pmo_sim.Calendar("mon-sat"),
    "all-days": pmo_sim.Calendar("all-days"),
    "sun-thu": pmo_sim.Calendar("sun-thu"),
    "mon-fri-other": pmo_sim.Calendar("mon-fri", _holidays(2)),
    "tue-sat": pmo_sim.Calendar("tue-sat"),
}
#: Calendar names the tasks of the six-calendar network cycle through ("" = project).
SPREAD = ("", *CALENDARS)


def build_scenarios(
    tasks: int, iterations: int, seed: int = 1, lag_share: float = 0.2
) -> dict[str, pmo_sim.Scenario]:
    """The three variants of one network: same durations, links and lags (on a share
    ``lag_share`` of the links)."""
    net = layered_network(tasks, seed)
    rng = np.random.default_rng(seed + 100)
    specs = []
    for k, t in enumerate(net["tasks"]):
        links = []
        for p in t["predecessors"]:
            # A lag on one link in five: whole or fractional working days.
            lag = float(rng.choice([1.0, 2.0, 0.5, 3.25])) if rng.random() < lag_share else 0.0
            links.append(pmo_sim.Link(p, "FS", lag))
        duration = pmo_sim.Triangular(t["min"], t["mode"], t["max"])
        specs.append((t["id"], duration, tuple(links), SPREAD[k % len(SPREAD)]))
    settings = pmo_sim.SimulationSettings(iterations=iterations, seed=1, sampling="random")

    def scenario(spread: bool, data_date: dt.date | None = None) -> pmo_sim.Scenario:
        return pmo_sim.Scenario(
            project=pmo_sim.Project(
                "calendar benchmark",
                START,
                calendar=PROJECT_CALENDAR,
                calendars=CALENDARS,
                data_date=data_date,
            ),
            tasks=tuple(
                pmo_sim.Task(i, d, predecessors=links, calendar=cal if spread else "")
                for i, d, links, cal in specs
            ),
            simulation=settings,
        )

    return {
        "1 calendar": scenario(False),
        "1 calendar, general passes": scenario(False, data_date=START),
        "6 calendars": scenario(True),
    }


CHILD = r"""
import json, sys, time
sys.path.insert(0, {tree!r})
sys.path.insert(1, {here!r})
import pmo_sim
from networks import layered_network
net = layered_network({tasks}, 1)
# The single-calendar network of build_scenarios, rebuilt with this tree's pmo_sim (an
# older version may lack task calendars): same durations, links and lags.
import datetime as dt
import numpy as np
rng = np.random.default_rng(101)
tasks = []
for t in net["tasks"]:
    links = []
    for p in t["predecessors"]:
        lag = float(rng.choice([1.0, 2.0, 0.5, 3.25])) if rng.random() < {lag_share} else 0.0
        links.append(pmo_sim.Link(p, "FS", lag))
    tasks.append(pmo_sim.Task(t["id"], pmo_sim.Triangular(t["min"], t["mode"], t["max"]),
                              predecessors=tuple(links)))
holidays = tuple(dt.date.fromisoformat(d) for d in {holidays!r})
s = pmo_sim.Scenario(
    project=pmo_sim.Project("calendar benchmark", dt.date(2027, 1, 4),
                            calendar=pmo_sim.Calendar("mon-fri", holidays)),
    tasks=tuple(tasks),
    simulation=pmo_sim.SimulationSettings(iterations={iterations}, seed=1, sampling="random"),
)
pmo_sim.simulate(s, iterations=256, threads={threads})
t = time.perf_counter()
r = pmo_sim.simulate(s, threads={threads})
wall = time.perf_counter() - t
print(json.dumps({{"wall": wall, "p80": float(np.percentile(r.finish_days, 80)),
                   "file": pmo_sim.__file__}}))
"""


def child(tree: Path, tasks: int, iterations: int, threads: int, lag_share: float) -> dict:
    """Time the single-calendar network with the pmo_sim found in ``tree``."""
    code = CHILD.format(
        tree=str(tree),
        here=str(HERE),
        tasks=tasks,
        iterations=iterations,
        threads=threads,
        lag_share=lag_share,
        holidays=[d.isoformat() for d in PROJECT_CALENDAR.holidays],
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tasks", type=int, default=10_000, help="Tasks in the network.")
    ap.add_argument("--iterations", type=int, default=100_000, help="Iterations per run.")
    ap.add_argument("--threads", type=int, default=2, help="Numba threads.")
    ap.add_argument("--repeat", type=int, default=3, help="Runs of each variant; fastest kept.")
    ap.add_argument(
        "--lag-share", type=float, default=0.2, help="Share of the links with a lag (0 to 1)."
    )
    ap.add_argument(
        "--baseline-tree",
        type=Path,
        default=None,
        help="A directory with another version of pmo_sim to time the 1-calendar run on.",
    )
    a = ap.parse_args()
    t = time.perf_counter()
    scenarios = build_scenarios(a.tasks, a.iterations, lag_share=a.lag_share)
    print(f"built 3 scenarios in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    for s in scenarios.values():  # load or compile kernels, compile the models
        pmo_sim.simulate(s, iterations=256, threads=a.threads)
    walls: dict[str, list[float]] = {name: [] for name in scenarios}
    p80: dict[str, float] = {}
    for _ in range(a.repeat):
        for name, s in scenarios.items():
            t = time.perf_counter()
            r = pmo_sim.simulate(s, threads=a.threads)
            walls[name].append(time.perf_counter() - t)
            p80[name] = float(np.percentile(r.finish_days, 80))
            print(f"{name}: {walls[name][-1]:.2f} s", file=sys.stderr)
    trees: dict[str, list[dict]] = {}
    if a.baseline_tree is not None:
        trees = {"baseline tree": [], "this tree": []}
        for _ in range(a.repeat):
            for label, tree in (("baseline tree", a.baseline_tree), ("this tree", ROOT)):
                trees[label].append(
                    child(tree.resolve(), a.tasks, a.iterations, a.threads, a.lag_share)
                )
                print(f"{label}: {trees[label][-1]['wall']:.2f} s", file=sys.stderr)

    work = a.tasks * a.iterations
    best = {name: min(w) for name, w in walls.items()}
    print(
        f"{a.tasks:,} tasks x {a.iterations:,} iterations, {a.threads} threads, fastest of "
        f"{a.repeat}\n"
    )
    print("| network | wall (s) | ns/task-iter | P80 finish (days) |")
    print("|---|---:|---:|---:|")
    for name, wall in best.items():
        print(f"| {name} | {wall:.2f} | {wall / work * 1e9:.2f} | {p80[name]:.1f} |")
    ratio = best["6 calendars"] / best["1 calendar"]
    overhead = best["1 calendar, general passes"] / best["1 calendar"]
    print(
        f"\n6 calendars / 1 calendar = {ratio:.2f}x (target <= 1.5x); "
        f"general passes on 1 calendar / plain = {overhead:.2f}x"
    )
    if trees:
        base = min(trees["baseline tree"], key=lambda r: r["wall"])
        this = min(trees["this tree"], key=lambda r: r["wall"])
        print(
            f"\n1 calendar in separate processes: baseline tree {base['wall']:.2f} s "
            f"(P80 {base['p80']:.1f}), this tree {this['wall']:.2f} s (P80 {this['p80']:.1f}): "
            f"{this['wall'] / base['wall']:.2f}x"
        )


if __name__ == "__main__":
    main()
