"""Speed and memory of the Monte Carlo core, with its baselines measured in the same run.

For each network size it times, on the same layered random network:
  - pmo-sim's `simulate` (triangular durations, criticality on, 2 threads),
  - the bare kernel ../shared/bench/limit_kernel.py (`run` subcommand, same network),
  - a plain vectorised numpy implementation (benchmarks/numpy_engine.py), on fewer
    iterations (it is slow); the comparison is per task-iteration.
Each timing runs in its own process so peak memory (max RSS) is its own. Compilation
is excluded from every timing (each side runs once on a small input first). The three
are run in turn ``--repeat`` times and the fastest of each is kept: on a shared,
noisy machine the minimum is the best estimate of what the code itself costs.

Usage:  python benchmarks/bench_core.py [--sizes 1000 10000] [--iterations 100000]
                                        [--numpy-iterations 4000] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIMIT_KERNEL = HERE.parent.parent / "shared" / "bench" / "limit_kernel.py"

CHILD = r"""
import json, sys, time
sys.path.insert(0, {here!r})
from networks import scenario_from_network
net = json.load(open({net!r}))
kind, iterations, threads = {kind!r}, {iterations}, {threads}
if kind == "pmo-sim":
    import pmo_sim
    s = scenario_from_network(net, iterations=iterations, seed=1, sampling="random")
    pmo_sim.simulate(s, iterations=64, threads=threads)   # load/compile kernels
    t = time.perf_counter()
    r = pmo_sim.simulate(s, threads=threads)
    wall = time.perf_counter() - t
    import numpy as np
    p80 = float(np.percentile(r.finish_days, 80))
else:
    import numpy_engine
    numpy_engine.simulate(net, 64)
    t = time.perf_counter()
    fin, _ = numpy_engine.simulate(net, iterations)
    wall = time.perf_counter() - t
    import numpy as np
    p80 = float(np.percentile(fin, 80))
# VmHWM: this process's own peak (ru_maxrss would start at the parent's size, which
# Linux keeps across the fork and exec that start a child).
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
print(json.dumps({{"wall": wall, "rss_mb": rss, "p80": p80}}))
"""


def child(kind: str, net: Path, iterations: int, threads: int) -> dict:
    code = CHILD.format(
        here=str(HERE), net=str(net), kind=kind, iterations=iterations, threads=threads
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def limit_kernel(net: Path, iterations: int) -> dict:
    t = time.perf_counter()
    out = subprocess.run(
        [sys.executable, str(LIMIT_KERNEL), "run", str(net), str(iterations)],
        check=True,
        capture_output=True,
        text=True,
    )
    total = time.perf_counter() - t
    m = re.search(
        r"wall_s=([\d.]+) ns_per_task_iter=([\d.]+) P50=([\d.]+) P80=([\d.]+)", out.stdout
    )
    return {"wall": float(m.group(1)), "p80": float(m.group(4)), "process_s": total}


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--iterations", type=int, default=100_000)
    ap.add_argument("--numpy-iterations", type=int, default=4000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from networks import layered_network, write_network

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in a.sizes:
            net = write_network(layered_network(n), Path(tmp) / f"net{n}.json")
            runs: dict[str, list[dict]] = {"ours": [], "limit": [], "numpy": []}
            for _ in range(a.repeat):
                runs["ours"].append(child("pmo-sim", net, a.iterations, a.threads))
                if LIMIT_KERNEL.exists():
                    runs["limit"].append(limit_kernel(net, a.iterations))
                runs["numpy"].append(child("numpy", net, a.numpy_iterations, 1))
            ours = min(runs["ours"], key=lambda r: r["wall"])
            ours["rss_mb"] = max(r["rss_mb"] for r in runs["ours"])
            lim = min(runs["limit"], key=lambda r: r["wall"]) if runs["limit"] else None
            base = min(runs["numpy"], key=lambda r: r["wall"])
            ti = n * a.iterations
            ns_ours = ours["wall"] / ti * 1e9
            ns_numpy = base["wall"] / (n * a.numpy_iterations) * 1e9
            rows.append(
                {
                    "tasks": n,
                    "iterations": a.iterations,
                    "pmo_sim_s": ours["wall"],
                    "pmo_sim_ns": ns_ours,
                    "pmo_sim_rss_mb": ours["rss_mb"],
                    "limit_s": lim["wall"] if lim else None,
                    "vs_limit": ours["wall"] / lim["wall"] if lim else None,
                    "numpy_ns": ns_numpy,
                    "numpy_speedup": ns_numpy / ns_ours,
                    "p80_ours": ours["p80"],
                    "p80_limit": lim["p80"] if lim else None,
                }
            )
            print(json.dumps(rows[-1]), file=sys.stderr)
    print(
        "| tasks | iterations | pmo-sim wall (s) | ns/task-iter | limit_kernel wall (s) "
        "| pmo-sim / limit | numpy ns/task-iter | speed-up vs numpy | peak RSS (MB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        lim_s = f"{r['limit_s']:.2f}" if r["limit_s"] else "n/a"
        ratio = f"{r['vs_limit']:.2f}x" if r["vs_limit"] else "n/a"
        print(
            f"| {r['tasks']:,} | {r['iterations']:,} | {r['pmo_sim_s']:.2f} | "
            f"{r['pmo_sim_ns']:.2f} | {lim_s} | {ratio} | {r['numpy_ns']:.1f} | "
            f"{r['numpy_speedup']:.0f}x | {r['pmo_sim_rss_mb']:.0f} |"
        )


if __name__ == "__main__":
    main()
