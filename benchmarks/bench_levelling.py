"""Resource levelling (issue 20): schedule quality on PSPLIB, and the levelled simulation's
cost against the unlevelled one.

Quality (``--psplib``): every ``.sm`` instance of ``../shared/data/psplib/j30`` is read by
pmo-sim's PSPLIB importer and levelled deterministically (``levelled_plan``: the
default priority rule alone, and with the improvement pass); the makespans are compared
with the published optima (``results/j30opt.sm``). The j60, j90 and j120 samples are
compared with the critical-path lower bound (``results/psplib_cpm_reference.csv``),
the usual measure where optima are not known.

Speed (``--tasks``): a layered random network (``networks.py``) with four resources
(each task uses one or two, triangular units; capacities well below the unlevelled
peak demand, so levelling binds), simulated with ``[simulation] levelling`` off and on,
in turn, ``--repeat`` times, in one process, kernels compiled beforehand; the fastest
of each is kept. ``--memory-iterations`` adds the peak RSS of a levelled run at two
iteration counts, each in a fresh process (flat in iterations: per-iteration outputs
are one number per iteration; per-task statistics are accumulated in the blocks).

Usage:  python benchmarks/bench_levelling.py --psplib
        python benchmarks/bench_levelling.py --tasks 1000 --iterations 10000 [--repeat 3]
        python benchmarks/bench_levelling.py --tasks 10000 --iterations 10000 --repeat 1
                                             [--memory-iterations 2000 20000]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data" / "psplib"
sys.path.insert(0, str(HERE))

from networks import layered_network, scenario_from_network  # noqa: E402

import pmo_sim  # noqa: E402
from pmo_sim.engine.levelling import levelled_plan  # noqa: E402
from pmo_sim.io.importers.psplib import read_psplib  # noqa: E402

RESOURCES = 4


def j30_optima() -> dict[str, int]:
    """Published optimal makespans of j30 by file name (``j30<param>_<instance>.sm``)."""
    optima = {}
    for line in (DATA / "results" / "j30opt.sm").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].isdigit() and parts[1].isdigit():
            optima[f"j30{parts[0]}_{parts[1]}.sm"] = int(parts[2])
    return optima


def cpm_bounds() -> dict[str, int]:
    """Critical-path lower bounds of every PSPLIB instance by file name."""
    bounds = {}
    lines = (DATA / "results" / "psplib_cpm_reference.csv").read_text().splitlines()
    head = lines[0].split(",")
    col, cpm = head.index("instance"), head.index("computed_cpm_length")
    for line in lines[1:]:
        row = line.split(",")
        bounds[row[col]] = int(row[cpm])
    return bounds


def level_set(files: list[Path], reference: dict[str, int]) -> dict:
    """Deviation (%) of the rule's and the improved makespans from ``reference``."""
    rule, improved, seconds = [], [], []
    for f in files:
        scenario = read_psplib(f).scenario.with_levelling(True)
        ref = reference[f.name]
        rule.append(100 * (levelled_plan(scenario).makespan / ref - 1))
        t0 = time.perf_counter()
        improved.append(100 * (levelled_plan(scenario, improve=True).makespan / ref - 1))
        seconds.append(time.perf_counter() - t0)
    return {
        "instances": len(files),
        "rule": np.array(rule),
        "improved": np.array(improved),
        "improve_seconds": float(np.mean(seconds)),
    }


def describe(name: str, dev: np.ndarray, against: str) -> str:
    q50, q90 = np.percentile(dev, [50, 90])
    zero = 100 * np.mean(dev < 1e-9)
    return (
        f"  {name:9s} mean {dev.mean():5.2f}% above {against}; median {q50:4.1f}%, "
        f"P90 {q90:4.1f}%, max {dev.max():4.1f}%; {zero:4.1f}% of instances at it"
    )


def run_psplib() -> dict:
    if not (DATA / "j30").is_dir():
        sys.exit(f"no PSPLIB data in {DATA}")
    out = {}
    # Warm the kernels so that the first instance's timing is not a compile.
    levelled_plan(read_psplib(sorted((DATA / "j30").glob("*.sm"))[0]).scenario.with_levelling(True))
    sets = [("j30", DATA / "j30", j30_optima(), "the optimum")]
    bounds = cpm_bounds()
    for name in ("j60_sample", "j90_sample", "j120_sample"):
        sets.append((name, DATA / name, bounds, "the CPM bound"))
    for name, folder, ref, against in sets:
        if not folder.is_dir():
            continue
        files = sorted(folder.glob("*.sm"))
        r = level_set(files, ref)
        print(f"{name}: {r['instances']} instances")
        print(describe("rule", r["rule"], against))
        print(describe("improved", r["improved"], against))
        print(f"  improvement pass: {r['improve_seconds'] * 1000:.0f} ms per instance")
        out[name] = r
    return out


def resourced(n: int, seed: int = 1, levelling: bool = False) -> pmo_sim.Scenario:
    """The layered network with four capacity-limited resources, costs by units x rate."""
    base = scenario_from_network(layered_network(n, seed), levelling=levelling)
    rng = np.random.default_rng(seed + 1)
    width = max(1, round(np.sqrt(n)))
    resources = tuple(
        pmo_sim.Resource(
            f"R{q}",
            rate=pmo_sim.Triangular(400 + 100 * q, 500 + 100 * q, 650 + 100 * q),
            # About a third of the unlevelled peak demand of a layer.
            capacity=float(max(3, round(width * 0.5))),
        )
        for q in range(RESOURCES)
    )
    tasks = []
    for t in base.tasks:
        picks = rng.choice(RESOURCES, size=1 + int(rng.random() < 0.4), replace=False)
        tasks.append(
            dataclasses.replace(
                t,
                resources=tuple(
                    pmo_sim.Assignment(f"R{int(q)}", pmo_sim.Triangular(1, 2, 3)) for q in picks
                ),
            )
        )
    return dataclasses.replace(base, tasks=tuple(tasks), resources=resources)


def time_runs(args: argparse.Namespace) -> dict:
    plain = resourced(args.tasks)
    levelled = plain.with_levelling(True)
    # Compile both kernels and the statistics before timing.
    for s in (plain, levelled):
        pmo_sim.simulate(s, iterations=256, seed=1, threads=args.threads)
    best = {"unlevelled": np.inf, "levelled": np.inf}
    finish = {}
    for _ in range(args.repeat):
        for name, s in (("unlevelled", plain), ("levelled", levelled)):
            t0 = time.perf_counter()
            r = pmo_sim.simulate(s, iterations=args.iterations, seed=1, threads=args.threads)
            best[name] = min(best[name], time.perf_counter() - t0)
            finish[name] = float(np.percentile(r.finish_days, 80))
    ratio = best["levelled"] / best["unlevelled"]
    print(
        f"{args.tasks:,} tasks x {RESOURCES} resources x {args.iterations:,} iterations, "
        f"{args.threads} threads (best of {args.repeat}):"
    )
    for name in best:
        print(f"  {name:10s} {best[name]:7.2f} s   P80 finish {finish[name]:,.0f} working days")
    print(f"  levelled / unlevelled: {ratio:.2f}x")
    return {"seconds": best, "ratio": ratio}


def peak_rss(tasks: int, iterations: int, threads: int) -> float:
    """Peak RSS in MB of one levelled simulation in a fresh process."""
    code = (
        f"import sys; sys.path.insert(0, {str(HERE)!r}); "
        "import bench_levelling as b, pmo_sim; "
        f"s = b.resourced({tasks}, levelling=True); "
        f"pmo_sim.simulate(s, iterations={iterations}, seed=1, threads={threads}); "
        # VmHWM: this process's own peak (ru_maxrss would start at the parent's size).
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"
    )
    env = dict(os.environ)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--psplib", action="store_true", help="schedule quality on PSPLIB")
    ap.add_argument("--tasks", type=int, default=0)
    ap.add_argument("--iterations", type=int, default=10_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory-iterations", type=int, nargs="*", default=[])
    args = ap.parse_args()
    if args.psplib:
        run_psplib()
    if args.tasks:
        time_runs(args)
        for it in args.memory_iterations:
            mb = peak_rss(args.tasks, it, args.threads)
            print(f"  peak RSS, levelled, {it:,} iterations: {mb:,.0f} MB")
    if not (args.psplib or args.tasks):
        ap.error("give --psplib, --tasks N or both")


if __name__ == "__main__":
    main()
