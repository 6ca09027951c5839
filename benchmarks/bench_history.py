"""The history's costs (issue 19): what recording adds to a run, and how long the trend
and the dashboard take over a long history.

1. ``pmo-sim run`` of a 1,000-task scenario (8 risks, costs) at 10,000 iterations,
   with and without ``--record`` into an existing SQLite history, interleaved, fastest
   of --repeat: the ratio is what recording costs. Target: at most 1.05. Measured as
   users run it (with the risk ranking, the default) and without the ranking (the
   shortest run of this size, where the fixed cost of a record weighs most).
2. A history of 60 monthly updates of one project (real result documents, per-iteration
   arrays of 10,000 iterations): ``pmo-sim trend --json`` and ``trend --out`` (three
   PNG charts). Target: under 5 s.
3. A history of 50 projects x 24 updates: ``pmo-sim dashboard``. Target: under 5 s.

The commands run in this process through click's CliRunner (as a user runs them, minus
interpreter start-up), kernels compiled beforehand. The histories of 2 and 3 are built
from one real run's record, copied with other project ids and data dates (building
them by simulation would take the benchmark an hour and measure nothing more).

Usage:  python benchmarks/bench_history.py [--tasks 1000] [--iterations 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_report import scenario_toml  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--iterations", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()

    from click.testing import CliRunner

    from pmo_sim import load, simulate
    from pmo_sim.cli import cli
    from pmo_sim.history import open_history, record_of

    work = Path(tempfile.mkdtemp(prefix="bench-history-"))
    scenario = work / "scenario.toml"
    scenario.write_text(scenario_toml(a.tasks, a.iterations), encoding="utf-8")
    runner = CliRunner()
    target = work / "record.sqlite"
    runner.invoke(
        cli, ["run", str(scenario), "-q", "-n", "200", "--record", "--history", str(target)]
    )
    print(f"1. run, {a.tasks:,} tasks x {a.iterations:,} iterations (fastest of {a.repeat}):")
    for label, extra in (("with the ranking", []), ("--no-ranking", ["--no-ranking"])):
        base = ["run", str(scenario), "-q", "--json", *extra]
        plain, recorded = [], []
        for k in range(a.repeat):
            t = time.perf_counter()
            assert runner.invoke(cli, base).exit_code == 0
            plain.append(time.perf_counter() - t)
            t = time.perf_counter()
            args = [*base, "--seed", str(100 + k + 10 * len(extra)), "--record"]
            done = runner.invoke(cli, [*args, "--history", str(target)])
            assert done.exit_code == 0, done.output
            recorded.append(time.perf_counter() - t)
        print(
            f"   {label}: plain {min(plain):.2f} s, with --record {min(recorded):.2f} s: "
            f"ratio {min(recorded) / min(plain):.3f} (target <= 1.05)"
        )

    # One real record, copied into long histories.
    r = simulate(load(scenario), iterations=a.iterations, seed=7, rank=True, ranking_iterations=500)
    rec = record_of(r, scenario.read_text(encoding="utf-8"), command="run", source=str(scenario))
    long = work / "sixty.sqlite"
    h = open_history(long)
    start = dt.date(2022, 1, 3)
    for m in range(60):
        day = start + dt.timedelta(days=30 * m)
        h.record(dataclasses.replace(rec, project_id="long", data_date=day, seed=m))
    t = time.perf_counter()
    assert runner.invoke(cli, ["trend", "--history", str(long), "--json"]).exit_code == 0
    trend_json = time.perf_counter() - t
    t = time.perf_counter()
    charts = runner.invoke(cli, ["trend", "--history", str(long), "--out", str(work / "tr")])
    assert charts.exit_code == 0, charts.output
    trend_charts = time.perf_counter() - t
    print("2. trend over 60 monthly updates:")
    print(
        f"   --json {trend_json:.2f} s, with the three charts {trend_charts:.2f} s (target < 5 s)"
    )

    wide = work / "wide.sqlite"
    h = open_history(wide)
    for p in range(50):
        for m in range(24):
            day = start + dt.timedelta(days=30 * m)
            h.record(dataclasses.replace(rec, project_id=f"project-{p:02d}", data_date=day, seed=m))
    t = time.perf_counter()
    page = runner.invoke(cli, ["dashboard", "--history", str(wide), "-o", str(work / "pmo.html")])
    assert page.exit_code == 0, page.output
    dashboard = time.perf_counter() - t
    size = (work / "pmo.html").stat().st_size
    print("3. dashboard over 50 projects x 24 updates:")
    print(f"   {dashboard:.2f} s, {size / 1e3:,.0f} kB page (target < 5 s)")
    print(f"   (history file {wide.stat().st_size / 1e6:,.1f} MB, 1,200 runs)")


if __name__ == "__main__":
    main()
