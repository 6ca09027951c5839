"""Wall time of `pmo-sim report` (simulation, risk ranking, post-mitigation run, charts,
HTML) on a 1,000-task scenario at 10,000 iterations. Target: under 10 s.

The scenario is a layered network (networks.py) with a cost on every task (a fixed
part and a daily rate), 8 risks (4 of them with mitigations, so the report also runs
the post-mitigation simulation), one correlation group, a deadline and a budget.

It times, in this process through click's CliRunner (the command exactly as a user runs
it, minus interpreter start-up):
  - the first call, which includes loading (or compiling) the numba kernels and
    importing matplotlib;
  - warm calls after it (fastest and slowest of --repeat), and the phases of one warm
    call (ranked run, post-mitigation run, charts and HTML);
and, as separate processes (`python -m pmo_sim report`):
  - a warm on-disk kernel cache (what a user sees on every run after the first);
  - an empty numba cache (NUMBA_CACHE_DIR pointed at a new folder): compilation
    included, what the very first run after installing costs.

Usage:  python benchmarks/bench_report.py [--tasks 1000] [--iterations 10000]
                                          [--repeat 3] [--threads 2] [--no-cold]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from networks import layered_network  # noqa: E402


def scenario_toml(n: int, iterations: int, seed: int = 11) -> str:
    """A TOML scenario: layered network, costs, 8 risks (4 mitigated), a correlation."""
    net = layered_network(n, seed=seed)
    tasks = net["tasks"]
    # The deterministic finish of a layered network is about layers x mean mode; put the
    # deadline and budget where they are met about half the time, as in real projects.
    layers = -(-n // max(1, round(n**0.5)))
    lines = [
        "[project]",
        'name = "Report benchmark: 1,000-task layered network"',
        "start = 2027-01-04",
        'calendar = "mon-fri"',
        "holidays = [2027-04-02, 2027-04-05, 2027-12-27, 2027-12-28]",
        f"deadline = {_deadline(layers)}",
        f"budget = {int(n * 9_900)}",
        'currency = "EUR"',
        "",
        "[simulation]",
        f"iterations = {iterations}",
        "seed = 7",
        'sampling = "lhs"',
        "",
    ]
    for t in tasks:
        preds = ", ".join(f'"{p}"' for p in t["predecessors"])
        lines += [
            "[[tasks]]",
            f'id = "{t["id"]}"',
            f'name = "Work package {t["id"][1:]}"',
            f'duration = {{ dist = "triangular", min = {t["min"]}, mode = {t["mode"]}, '
            f"max = {t['max']} }}",
            'cost = { fixed = { dist = "triangular", min = 800, mode = 1000, max = 1500 }, '
            "per_day = 800 }",
            f"predecessors = [{preds}]",
            "",
        ]
    ids = [t["id"] for t in tasks]
    for r in range(8):
        hit = ", ".join(f'"{ids[(97 * r + 31 * k + 13) % n]}"' for k in range(3))
        lines += [
            "[[risks]]",
            f'id = "R{r + 1}"',
            f'name = "Benchmark risk {r + 1}"',
            f"probability = {0.15 + 0.05 * r:.2f}",
            f"impacts = [ {{ tasks = [{hit}], delay = "
            '{ dist = "triangular", min = 2, mode = 5, max = 12 } } ]',
            'cost = { dist = "triangular", min = 10000, mode = 20000, max = 60000 }',
        ]
        if r % 2 == 0:
            lines.append("mitigated = { probability = 0.05, response_cost = 8000 }")
        lines.append("")
    group = ", ".join(f'"{i}"' for i in ids[100:106])
    lines += ["[[correlations]]", f"tasks = [{group}]", "coefficient = 0.5", ""]
    return "\n".join(lines)


def _deadline(layers: int) -> str:
    import datetime as dt

    import numpy as np

    # About 13 working days per layer is the P60 of these networks at 1,000 tasks.
    day = np.busday_offset(np.datetime64("2027-01-04"), int(layers * 13.05), roll="forward")
    return str(day.astype(dt.date))


def _process(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--iterations", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--no-cold", action="store_true", help="skip the empty-cache process")
    a = ap.parse_args()

    from click.testing import CliRunner

    import pmo_sim
    from pmo_sim.cli import cli
    from pmo_sim.report.html import render_report

    threads = [] if a.threads is None else ["--threads", str(a.threads)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench_report.toml"
        path.write_text(scenario_toml(a.tasks, a.iterations))
        out = Path(tmp) / "report.html"
        args = ["report", str(path), "-o", str(out), "-q", *threads]
        runner = CliRunner()

        def invoke() -> float:
            t = time.perf_counter()
            res = runner.invoke(cli, args, catch_exceptions=False)
            if res.exit_code != 0:
                raise SystemExit(f"pmo-sim report failed ({res.exit_code}): {res.output}")
            return time.perf_counter() - t

        first = invoke()
        warm = [invoke() for _ in range(a.repeat)]
        size = out.stat().st_size

        # Phases of one warm call, through the library calls the command makes.
        s = pmo_sim.load(path)
        kw = {} if a.threads is None else {"threads": a.threads}
        t0 = time.perf_counter()
        pre = pmo_sim.simulate(s, rank=True, **kw)
        t1 = time.perf_counter()
        post = pmo_sim.simulate(s, mitigated=True, **kw)
        t2 = time.perf_counter()
        render_report(pre, post, source_path=path, elapsed=t2 - t0)
        t3 = time.perf_counter()

        cmd = [sys.executable, "-m", "pmo_sim", *args]
        process_warm = min(_process(cmd) for _ in range(a.repeat))
        cold = None
        if not a.no_cold:
            with tempfile.TemporaryDirectory() as cache:
                cold = _process(cmd, env={**os.environ, "NUMBA_CACHE_DIR": cache})

    print(
        f"pmo-sim report: {a.tasks:,} tasks, {a.iterations:,} iterations, "
        f"{len(s.risks)} risks ({sum(r.mitigated is not None for r in s.risks)} mitigated), "
        f"ranking {pre.risk_ranking.iterations:,} iterations per risk, "
        f"{pre.threads} threads; report {size / 1e6:.2f} MB\n"
    )
    print("| measurement | wall (s) |\n|---|---:|")
    print(f"| in-process, first call (kernel load from cache, matplotlib import) | {first:.2f} |")
    print(f"| in-process, warm: fastest of {a.repeat} | {min(warm):.2f} |")
    print(f"| in-process, warm: slowest of {a.repeat} | {max(warm):.2f} |")
    print(f"| &nbsp;&nbsp;phase: simulate with risk ranking | {t1 - t0:.2f} |")
    print(f"| &nbsp;&nbsp;phase: post-mitigation simulate | {t2 - t1:.2f} |")
    print(f"| &nbsp;&nbsp;phase: charts and HTML | {t3 - t2:.2f} |")
    print(f"| new process, warm kernel cache (fastest of {a.repeat}) | {process_warm:.2f} |")
    if cold is not None:
        print(f"| new process, empty kernel cache (compilation included) | {cold:.2f} |")


if __name__ == "__main__":
    main()
