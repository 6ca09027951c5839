"""Kernels of several versions of the package, timed in one process, interleaved.

On these noisy shared machines, a change to a kernel that gains or loses a few per cent
cannot be seen in runs minutes apart. This script loads each given tree's ``pmo_sim``
under a name of its own (a copy of the tree's package, ``pk_<name>``, in a scratch
directory), builds the single- and six-calendar networks of ``bench_calendars.py``
with it, and then times the kernels (``engine.blocks.run_blocks``: sampling, both passes and
the per-task statistics, no result assembly) of every tree in turn, ``--repeat`` times,
keeping the fastest CPU time of each. One thread, so the CPU time is the kernels' own.

A tree is a directory holding a ``pmo_sim`` package, e.g. ``git archive HEAD pmo_sim |
tar -x -C /tmp/head`` for the committed version, or the working tree itself (``.``).

Usage:  python benchmarks/ab_trees.py NAME=DIR [NAME=DIR ...] [--tasks 2000]
                                      [--iterations 20480] [--repeat 6] [--lag-share 0.2]
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NETWORKS = ("1 calendar", "6 calendars")


def load(name: str, tree: Path, scratch: Path, args: argparse.Namespace) -> tuple:
    """The engine module of ``tree``'s package and its compiled models, warmed up."""
    package = f"pk_{name}"
    shutil.copytree(
        tree / "pmo_sim", scratch / package, ignore=shutil.ignore_patterns("__pycache__")
    )
    # bench_calendars imports pmo_sim by name: run its source with this tree's package.
    source = (HERE / "bench_calendars.py").read_text()
    source = source.replace("import pmo_sim  # noqa: E402", f"import {package} as pmo_sim")
    namespace = {"__name__": f"bench_{name}", "__file__": str(HERE / "bench_calendars.py")}
    exec(compile(source, str(HERE / "bench_calendars.py"), "exec"), namespace)
    scenarios = namespace["build_scenarios"](args.tasks, args.iterations, 1, args.lag_share)
    try:  # the layered package (pmo_sim.engine.blocks), or a tree from before it
        compile_scenario = importlib.import_module(f"{package}.engine.compile").compile_scenario
        engine = importlib.import_module(f"{package}.engine.blocks")
    except ImportError:
        compile_scenario = importlib.import_module(f"{package}.compile").compile_scenario
        engine = importlib.import_module(f"{package}.engine")
    models = {net: compile_scenario(scenarios[net]) for net in NETWORKS}
    for model in models.values():  # compile the kernels (or load them from the cache)
        engine.run_blocks(model, 1, "random", engine.DEFAULT_BLOCK, 0, 1, 1, full=True)
    return engine, models


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("trees", nargs="+", help="NAME=DIR: a directory holding pmo_sim.")
    ap.add_argument("--tasks", type=int, default=2000, help="Tasks in the network.")
    ap.add_argument("--iterations", type=int, default=20_480, help="Iterations per run.")
    ap.add_argument("--repeat", type=int, default=6, help="Runs of each; fastest kept.")
    ap.add_argument("--lag-share", type=float, default=0.2, help="Share of links with a lag.")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        sys.path.insert(0, str(scratch))
        loaded = {}
        for spec in args.trees:
            name, _, tree = spec.partition("=")
            if not name.isidentifier() or not (Path(tree) / "pmo_sim").is_dir():
                ap.error(f"{spec!r}: expected NAME=DIR with DIR/pmo_sim a package")
            loaded[name] = load(name, Path(tree).resolve(), scratch, args)
        best: dict[tuple[str, str], float] = {}
        for _ in range(args.repeat):
            for name, (engine, models) in loaded.items():
                blocks = -(-args.iterations // engine.DEFAULT_BLOCK)
                for net, model in models.items():
                    t = time.process_time()
                    engine.run_blocks(model, 1, "random", args.iterations, 0, blocks, 1)
                    spent = time.process_time() - t
                    best[name, net] = min(best.get((name, net), float("inf")), spent)
    print(
        f"{args.tasks:,} tasks x {args.iterations:,} iterations, one thread, CPU time of "
        f"the kernels, fastest of {args.repeat}, lags on {args.lag_share:.0%} of the links\n"
    )
    print("| tree | 1 calendar (s) | 6 calendars (s) | ratio |")
    print("|---|---:|---:|---:|")
    for name in loaded:
        one, six = best[name, NETWORKS[0]], best[name, NETWORKS[1]]
        print(f"| {name} | {one:.3f} | {six:.3f} | {six / one:.2f}x |")


if __name__ == "__main__":
    main()
