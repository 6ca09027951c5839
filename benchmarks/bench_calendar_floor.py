"""What the table conversions of task calendars cost on their own.

A task on a calendar other than the timeline needs, in every iteration, four
conversions between timeline time and its own working time:

  forward   work done by its start bound (own_c), hence its start (start_c), and the
            time its work is done (finish_c);
  backward  work done by its late finish (own_c) and its late start (start_c).

With the tables, neither pass does with fewer on a network whose links mostly cross
calendars: the early start and finish are reported in timeline days, and neighbours
on other calendars read them there. On the six-calendar network of
``bench_calendars.py`` the timeline is every day (one calendar is all-days): the
all-days tasks, one in six, work the timeline itself and need none. This script times,
in one process, on one thread, kernels only (no result processing):

  - the simulation of the single-calendar network (``1 calendar``);
  - the simulation of the six-calendar network (``6 calendars``);
  - a kernel doing nothing but those conversions for every task off the timeline and
    every iteration of the six-calendar network (and one each way per link lagged on a
    calendar), on the engine's own tables and each task's calendar, on times spread
    like the network's dates, written branch-free with the cheapest table reads found,
    on rows that stay in cache (``conversions alone``).

``1 calendar + conversions alone`` estimates what an engine converting with these
tables would cost with nothing else added to the single-calendar passes. It is an
estimate, not a bound: a fused kernel may overlap table reads with the row traffic of
the plain passes, and rows in cache flatter the conversions.
Each variant runs ``--repeat`` times in turn; the fastest of each is kept.

Usage:  python benchmarks/bench_calendar_floor.py [--tasks 2000] [--iterations 20480]
                                                  [--repeat 7]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numba
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_calendars import build_scenarios  # noqa: E402

import pmo_sim  # noqa: E402
from pmo_sim.base.jit import FASTMATH  # noqa: E402
from pmo_sim.engine.blocks import DEFAULT_BLOCK, run_blocks  # noqa: E402
from pmo_sim.engine.compile import compile_scenario  # noqa: E402


@numba.njit(fastmath=FASTMATH, error_model="numpy", nogil=True)
def conversions(task_cal, links, cum, own, nxt, START, LATE, D, ES, EF, LS, LFP, WB, V, blocks):
    """The four conversions of every task off the timeline, and for each link lagged
    on a calendar one more each way (forward the predecessor's finish into the lag
    calendar's working time, where the lag is added; backward the task's own-time late
    start less the lag back to the timeline), ``blocks`` times over. Task ``j`` reads
    and writes rows ``j % POOL`` of the (POOL, block) arrays: they stay in cache, so
    what is timed is the conversions, not memory traffic that the passes pay anyway.
    Indices are unsigned (no wraparound code on each read) and ``cum[k + 1]`` stands
    for the working-day flag (one table instead of two): the cheapest reads found."""
    ptr, pred, lags, lag_cal = links
    n = task_cal.size
    pool, m = START.shape
    for _ in range(blocks):
        for j in range(n):
            for e in range(ptr[j], ptr[j + 1]):
                g = lag_cal[e]
                if g < 0 or lags[e] == 0.0:
                    continue
                cu = cum[g]
                cu1 = cu[1:]
                x = START[pred[e] % pool]
                for t in range(m):
                    xx = x[t]
                    k = np.uint32(np.int32(xx))
                    WB[t] = max(WB[t], min(cu[k] + (xx - k), cu1[k]) + lags[e])
            c = task_cal[j]
            if c < 0:  # works the timeline: no conversion
                continue
            cu = cum[c]
            cu1 = cu[1:]
            ow = own[c]
            nx = nxt[c]
            r = j % pool
            x = START[r]
            d = D[r]
            es = ES[r]
            ef = EF[r]
            for t in range(m):
                xx = x[t]
                k = np.uint32(np.int32(xx))
                w = min(cu[k] + (xx - k), cu1[k]) + d[t]
                es[t] = max(xx, nx[k])
                q = np.ceil(w) - 1.0
                ef[t] = ow[np.uint32(np.int32(q))] + (w - q)
        for j in range(n - 1, -1, -1):
            c = task_cal[j]
            if c < 0:
                continue
            cu = cum[c]
            cu1 = cu[1:]
            ow = own[c]
            r = j % pool
            lf = LATE[r]
            d = D[r]
            ls = LS[r]
            for t in range(m):
                xx = lf[t]
                k = np.uint32(np.int32(xx))
                v = min(cu[k] + (xx - k), cu1[k]) - d[t]
                V[t] = v
                q = np.floor(v)
                ls[t] = ow[np.uint32(np.int32(q))] + (v - q)
            for e in range(ptr[j], ptr[j + 1]):
                g = lag_cal[e]
                if g < 0 or lags[e] == 0.0:
                    continue
                ow = own[g]
                lfi = LFP[pred[e] % pool]  # the predecessor's late-finish bound
                for t in range(m):
                    v = V[t] - lags[e]
                    q = np.floor(v)
                    lfi[t] = min(lfi[t], ow[np.uint32(np.int32(q))] + (v - q))


#: Rows of the conversion kernel's arrays (task j uses row j % POOL).
POOL = 16


def rows(s: pmo_sim.Scenario, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start bounds, late finishes and durations for POOL rows of a block: the CPM's
    dates of tasks spread over the network, moved by up to 30 days either way."""
    plan = pmo_sim.schedule(s)
    idx = np.linspace(0, len(s.tasks) - 1, POOL).astype(int)
    rng = np.random.default_rng(7)
    n = idx.size
    start = plan.early_start[idx, None] + rng.uniform(-30, 30, (n, m))
    late = plan.late_finish[idx, None] + rng.uniform(-30, 30, (n, m))
    d = plan.durations[idx, None] * rng.uniform(0.7, 1.5, (n, m))
    # A late finish at least twice the duration (plus six weeks) leaves the late start's
    # work above the longest lag on every calendar (each works four days in seven).
    return np.maximum(start, 0.0), np.maximum(late, 2.0 * d + 42.0), d


def check(g, start: np.ndarray, late: np.ndarray, d: np.ndarray) -> None:
    """Stop unless the conversion kernel computes what the engine's lookups do: its
    outputs for the first POOL tasks off the timeline (one per row, no links; the lag
    conversions use the same formulas) against own_time, start_time and finish_time of
    ``pmo_sim.scheduling.timeline``."""
    from pmo_sim.scheduling.timeline import finish_time, own_time, start_time

    tab = g.tables.arrays
    tc = g.task_cal[:POOL]
    none = (np.zeros(POOL + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    links = (*none, np.zeros(0, dtype=np.int64))
    es, ef, ls = (np.empty_like(start) for _ in range(3))
    args = (tc, links, g.tables.cum, g.tables.own, g.tables.next_start, start, late, d)
    conversions(*args, es, ef, ls, late.copy(), np.zeros(d.shape[1]), np.empty(d.shape[1]), 1)
    for r, c in enumerate(tc):
        if c < 0:  # skipped by the kernel, as by the engine
            continue
        for t in range(0, d.shape[1], 7):
            w = own_time(tab, c, start[r, t])
            want = (
                start_time(tab, c, w),
                finish_time(tab, c, w + d[r, t]),
                start_time(tab, c, own_time(tab, c, late[r, t]) - d[r, t]),
            )
            got = (es[r, t], ef[r, t], ls[r, t])
            if not np.allclose(got, want, rtol=0.0, atol=1e-9):
                sys.exit(f"conversion kernel differs from the engine: {got} != {want}")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tasks", type=int, default=2_000, help="Tasks in the network.")
    ap.add_argument("--iterations", type=int, default=20_480, help="Iterations per run.")
    ap.add_argument("--repeat", type=int, default=7, help="Runs of each variant; fastest kept.")
    a = ap.parse_args()
    scenarios = build_scenarios(a.tasks, a.iterations)
    one = compile_scenario(scenarios["1 calendar"])
    six = compile_scenario(scenarios["6 calendars"])
    m = DEFAULT_BLOCK
    blocks = -(-a.iterations // m)
    g = six.general
    tab = g.tables
    # The scan must touch only valid table entries: the times stay inside the span.
    limit = float(min(tab.count.min(), tab.span) - 60)
    start, late, d = rows(scenarios["6 calendars"], m)
    if (start + d).max() >= limit or late.max() >= limit:
        sys.exit("the network's dates run past the tables' span: use fewer tasks")
    check(g, start, late, d)
    out = [np.empty_like(start) for _ in range(3)] + [late.copy()]
    wb = np.zeros(m)
    v = np.empty(m)
    links = (g.pred_ptr, g.pred_task, g.pred_lag, g.lag_cal)
    args = (g.task_cal, links, tab.cum, tab.own, tab.next_start, start, late, d, *out, wb, v)
    conversions(*args, 1)
    for model in (one, six):
        run_blocks(model, 1, "random", 2 * m, 0, 2, 1)
    best = {"1 calendar": np.inf, "6 calendars": np.inf, "conversions alone": np.inf}
    for _ in range(a.repeat):
        for name, model in (("1 calendar", one), ("6 calendars", six)):
            t = time.process_time()
            run_blocks(model, 1, "random", a.iterations, 0, blocks, 1)
            best[name] = min(best[name], time.process_time() - t)
        t = time.process_time()
        conversions(*args, blocks)
        best["conversions alone"] = min(best["conversions alone"], time.process_time() - t)
    work = a.tasks * blocks * m
    print(
        f"{a.tasks:,} tasks x {blocks * m:,} iterations, one thread, kernels only, "
        f"fastest of {a.repeat}\n"
    )
    print("| variant | CPU time (s) | ns/task-iter | / 1 calendar |")
    print("|---|---:|---:|---:|")
    base = best["1 calendar"]
    best["1 calendar + conversions alone"] = base + best["conversions alone"]
    for name, sec in best.items():
        print(f"| {name} | {sec:.3f} | {sec / work * 1e9:.2f} | {sec / base:.2f}x |")


if __name__ == "__main__":
    main()
