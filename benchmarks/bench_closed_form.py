"""A closed form for own_c against the table lookup (groundwork for the next step).

A calendar whose week is one unbroken run of ``n`` working days and that has no
holidays, on a timeline of ``P`` days a week without holidays, works timeline day ``k``
when ``(k + s) mod P < n`` for some shift ``s``. Then the cumulative working days before
day ``k`` are ``n * floor((k + s) / P) + min((k + s) mod P, n) - C`` (``C`` the same at
``k = 0``), a whole number computed exactly in floating point, so

    own_c(x) = cum(k) + min(x - k, work(k)),   k = floor(x)

adds the same two numbers the table lookup adds and is the table's value bit for bit.
The quotient is taken with a reciprocal and corrected by one where rounding put it off.

This script checks that bit-identity over the whole table span (every whole day, the
day before each boundary, and random times) for mon-sat, sun-thu and tue-sat on an
all-days timeline, then times one conversion both ways on 512 times, in one process,
fastest of ``--repeat``. It does not change the engine: see benchmarks/README.md, "What
the table conversions cost on their own", for why this matters.

Usage:  python benchmarks/bench_closed_form.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

import numba
import numpy as np

from pmo_sim.base.jit import FASTMATH
from pmo_sim.model.calendar import Calendar
from pmo_sim.scheduling.timeline import build_tables

START = dt.date(2027, 1, 4)
NAMES = ("mon-sat", "sun-thu", "tue-sat")


def shape(work: np.ndarray, period: int) -> tuple[float, float, float]:
    """(n, s, C) of a calendar whose first timeline week is ``work[:period]``."""
    week = work[:period].astype(int)
    n = int(week.sum())
    for s in range(period):
        if all(week[k] == ((k + s) % period < n) for k in range(period)):
            return float(n), float(s), float(n * (s // period) + min(s % period, n))
    raise ValueError("the week is not one unbroken run of working days")


@numba.njit(fastmath=FASTMATH, error_model="numpy")
def own_table(x, y, cum, work, reps):
    for _ in range(reps):
        for t in range(x.size):
            xx = x[t]
            k = int(xx)
            y[t] = cum[k] + min(xx - k, work[k])


@numba.njit(fastmath=FASTMATH, error_model="numpy")
def own_closed(x, y, n, s, C, P, reps):
    inv = 1.0 / P
    for _ in range(reps):
        for t in range(x.size):
            xx = x[t]
            k = np.floor(xx)
            K = k + s
            q = np.floor(K * inv)
            r = K - q * P
            q = q + 1.0 if r >= P else q  # the reciprocal rounded the quotient down
            q = q - 1.0 if r < 0.0 else q  # ... or up
            r = K - q * P
            wk = 1.0 if r < n else 0.0
            y[t] = (n * q + min(r, n) - C) + min(xx - k, wk)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeat", type=int, default=5, help="Timings of each; fastest kept.")
    a = ap.parse_args()
    tab = build_tables(Calendar("all-days"), START, [Calendar(n) for n in NAMES])
    rng = np.random.default_rng(1)
    days = np.arange(tab.span, dtype=float)
    xs = np.concatenate([days, days + 0.999999999, days + 1e-12, rng.uniform(0, tab.span, 10**5)])
    xs = xs[xs < tab.span]
    for c, name in enumerate(NAMES):
        n, s, C = shape(tab.work[c], tab.period)
        want, got = np.empty_like(xs), np.empty_like(xs)
        own_table(xs, want, tab.cum[c], tab.work[c], 1)
        own_closed(xs, got, n, s, C, float(tab.period), 1)
        if not np.array_equal(want.view(np.int64), got.view(np.int64)):
            sys.exit(f"{name}: the closed form differs from the table")
        print(f"{name}: n={n:g} s={s:g} C={C:g}, bit-identical on {xs.size:,} times")
    x = rng.uniform(0, 1800, 512)
    y = np.empty_like(x)
    reps = 200_000
    n, s, C = shape(tab.work[0], tab.period)
    best = {"table": np.inf, "closed form": np.inf}
    for _ in range(a.repeat):
        t = time.perf_counter()
        own_table(x, y, tab.cum[0], tab.work[0], reps)
        best["table"] = min(best["table"], time.perf_counter() - t)
        t = time.perf_counter()
        own_closed(x, y, n, s, C, float(tab.period), reps)
        best["closed form"] = min(best["closed form"], time.perf_counter() - t)
    for name, sec in best.items():
        print(f"own_c, {name}: {sec / reps / x.size * 1e9:.2f} ns per time")


if __name__ == "__main__":
    main()
