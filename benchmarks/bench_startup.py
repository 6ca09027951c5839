"""Wall time of a whole `pmo-sim run` process on a 50-task scenario, warm numba cache.

Writes a 50-task scenario (layered network, triangular durations, costs, 5 risks) to a
temporary TOML file, runs `pmo-sim run` once to make sure the kernels are compiled and
cached, then times further runs as separate processes (import, load, simulate, print).

Usage:  python benchmarks/bench_startup.py [--tasks 50] [--iterations 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from networks import layered_network


def scenario_toml(n: int, iterations: int) -> str:
    net = layered_network(n, seed=5)
    lines = [
        "[project]",
        'name = "Startup benchmark"',
        "start = 2027-01-04",
        "deadline = 2027-12-31",
        "budget = 2000000",
        "",
        "[simulation]",
        f"iterations = {iterations}",
        "seed = 1",
        "",
    ]
    for t in net["tasks"]:
        preds = ", ".join(f'"{p}"' for p in t["predecessors"])
        lines += [
            "[[tasks]]",
            f'id = "{t["id"]}"',
            f'duration = {{ dist = "triangular", min = {t["min"]}, mode = {t["mode"]}, '
            f"max = {t['max']} }}",
            "cost = { fixed = 5000, per_day = 700 }",
            f"predecessors = [{preds}]",
            "",
        ]
    ids = [t["id"] for t in net["tasks"]]
    for r in range(5):
        lines += [
            "[[risks]]",
            f'id = "R{r}"',
            "probability = 0.3",
            f'impacts = [ {{ tasks = ["{ids[(7 * r + 3) % len(ids)]}"], delay = '
            '{ dist = "triangular", min = 2, mode = 4, max = 10 } } ]',
            "cost = 10000",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tasks", type=int, default=50)
    ap.add_argument("--iterations", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "startup.toml"
        path.write_text(scenario_toml(a.tasks, a.iterations))
        cmd = [sys.executable, "-m", "pmo_sim", "run", str(path), "-q"]
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        first = time.perf_counter() - t
        rows = []
        for extra, label in (
            ([], "run (with risk ranking)"),
            (["--no-ranking"], "run --no-ranking"),
        ):
            times = []
            for _ in range(a.repeat):
                t = time.perf_counter()
                subprocess.run(cmd + extra, check=True, capture_output=True)
                times.append(time.perf_counter() - t)
            rows.append((label, min(times), max(times)))
    print(f"first process (may include compilation): {first:.2f} s\n")
    print(
        f"| command ({a.tasks} tasks, {a.iterations:,} iterations, warm cache) "
        "| fastest (s) | slowest (s) |\n|---|---:|---:|"
    )
    for label, lo, hi in rows:
        print(f"| `pmo-sim {label}` | {lo:.2f} | {hi:.2f} |")


if __name__ == "__main__":
    main()
