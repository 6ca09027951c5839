"""A plain vectorised numpy implementation of the benchmark model, as a baseline.

Same model as pmo-sim on the benchmark networks: triangular durations by inverse CDF,
finish-to-start forward pass, backward pass, criticality counts. Iterations are
vectorised in chunks; tasks are looped over in Python, as a numpy user would write it.
"""

from __future__ import annotations

import numpy as np


def compile_network(net: dict):
    index = {t["id"]: i for i, t in enumerate(net["tasks"])}
    preds = [[index[p] for p in t["predecessors"]] for t in net["tasks"]]
    lo = np.array([t["min"] for t in net["tasks"]])
    mode = np.array([t["mode"] for t in net["tasks"]])
    hi = np.array([t["max"] for t in net["tasks"]])
    return preds, lo, mode, hi


def simulate(net: dict, iterations: int, seed: int = 0, chunk: int = 4096, tol: float = 1e-6):
    preds, lo, mode, hi = compile_network(net)
    n = lo.size
    succs: list[list[int]] = [[] for _ in range(n)]
    for j, ps in enumerate(preds):
        for i in ps:
            succs[i].append(j)
    rng = np.random.default_rng(seed)
    finish = np.empty(iterations)
    critical = np.zeros(n, dtype=np.int64)
    fc = (mode - lo) / (hi - lo)
    for start in range(0, iterations, chunk):
        m = min(chunk, iterations - start)
        u = rng.random((n, m))
        d = np.where(
            u < fc[:, None],
            lo[:, None] + np.sqrt(u * ((hi - lo) * (mode - lo))[:, None]),
            hi[:, None] - np.sqrt((1 - u) * ((hi - lo) * (hi - mode))[:, None]),
        )
        ef = np.empty((n, m))
        for j in range(n):
            es = np.zeros(m)
            for i in preds[j]:
                np.maximum(es, ef[i], out=es)
            ef[j] = es + d[j]
        pf = ef.max(axis=0)
        ls = np.empty((n, m))
        for j in range(n - 1, -1, -1):
            lf = pf.copy()
            for k in succs[j]:
                np.minimum(lf, ls[k], out=lf)
            ls[j] = lf - d[j]
            critical[j] += np.count_nonzero(ls[j] - (ef[j] - d[j]) <= tol)
        finish[start : start + m] = pf
    return finish, critical
