"""Cold start: the README's main command on an empty kernel cache, and what compiles.

Runs ``pmo-sim run SCENARIO`` in a fresh process whose numba cache (``NUMBA_CACHE_DIR``)
is a new, empty folder, as on a new machine, then again in a second process on the
cache the first one wrote (the warm start every later run sees). The cold process
records numba's ``numba:compile`` events (numba's event API), so the table gives the
compile time of each kernel: inclusive of the kernels it calls that compile inside it,
and exclusive (its own typing, lowering and LLVM work).

    python benchmarks/bench_compile.py
    python benchmarks/bench_compile.py --scenario scenarios/updates/office_2027-05-04.toml

The issue-17 target is a cold start of at most 10 s for the README's main command.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The child: the CLI in-process under numba's compile-event recorder; prints JSON.
CHILD = r"""
import json, sys, time
from numba.core import event

started = time.perf_counter()
with event.install_recorder("numba:compile") as rec:
    from pmo_sim.cli import cli
    try:
        cli.main(sys.argv[1:], standalone_mode=False)
    except SystemExit:
        pass
wall = time.perf_counter() - started
open_at, spans = {}, []
depth = 0
for ts, ev in rec.buffer:
    d = ev.data["dispatcher"]
    key = (id(d), str(ev.data["args"]))
    if ev.is_start:
        open_at[key] = (ts, depth)
        depth += 1
    else:
        depth -= 1
        t0, level = open_at.pop(key)
        name = getattr(d, "py_func", d).__qualname__
        module = getattr(getattr(d, "py_func", d), "__module__", "")
        spans.append({"name": f"{module}.{name}", "start": t0, "end": ts, "depth": level})
json.dump({"wall": wall, "spans": spans}, sys.stderr)
"""


def run(scenario: str, cache: str, record: bool) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    args = ["run", scenario, "-q"]
    started = time.perf_counter()
    if record:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        out = json.loads(done.stderr.strip().splitlines()[-1])
    else:
        subprocess.run(
            [sys.executable, "-m", "pmo_sim", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        out = {}
    out["process"] = time.perf_counter() - started
    return out


def exclusive(spans: list[dict]) -> dict[str, tuple[float, float, int]]:
    """Per kernel: (inclusive, exclusive seconds, compilations)."""
    table: dict[str, list[float]] = {}
    for s in spans:
        inner = sum(
            c["end"] - c["start"]
            for c in spans
            if c["depth"] == s["depth"] + 1 and s["start"] <= c["start"] and c["end"] <= s["end"]
        )
        total = s["end"] - s["start"]
        row = table.setdefault(s["name"], [0.0, 0.0, 0])
        row[0] += total
        row[1] += total - inner
        row[2] += 1
    return {k: (v[0], v[1], int(v[2])) for k, v in table.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="scenarios/office_move.toml")
    parser.add_argument("--top", type=int, default=15, help="kernels listed")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pmo-numba-") as cache:
        cold = run(opts.scenario, cache, record=True)
        warm = run(opts.scenario, cache, record=False)
    spans = cold["spans"]
    top_level = [s for s in spans if s["depth"] == 0]
    compiling = sum(s["end"] - s["start"] for s in top_level)
    print(f"scenario: {opts.scenario}")
    print(
        f"cold process (empty cache): {cold['process']:.1f} s, of which compiling {compiling:.1f} s"
    )
    print(f"warm process (cache kept):  {warm['process']:.1f} s")
    print(f"cold / warm: {cold['process'] / warm['process']:.1f}x; target: cold <= 10 s")
    print()
    rows = sorted(exclusive(spans).items(), key=lambda kv: -kv[1][1])
    print(f"{'kernel':<64} {'own s':>7} {'incl. s':>8} {'compiles':>8}")
    for name, (incl, own, count) in rows[: opts.top]:
        print(f"{name[-64:]:<64} {own:>7.2f} {incl:>8.2f} {count:>8}")
    print(f"({len(rows)} kernels compiled in all)")


if __name__ == "__main__":
    main()
