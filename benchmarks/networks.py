"""Benchmark networks: layered random DAGs in the JSON format of limit_kernel.py.

Tasks are laid out in layers; every task after the first layer takes ``1 + Poisson(0.5)``
finish-to-start predecessors from the layer before, so a task has about 1.5
predecessors and 1.5 successors on average. Durations are triangular with the same
ranges as ``limit_kernel.py generate``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np

import pmo_sim


def layered_network(n: int, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    width = max(1, round(math.sqrt(n)))
    tasks = []
    for i in range(n):
        layer = i // width
        preds: list[int] = []
        if layer > 0:
            lo, hi = (layer - 1) * width, layer * width
            k = min(hi - lo, 1 + int(rng.poisson(0.5)))
            preds = sorted(rng.choice(np.arange(lo, hi), size=k, replace=False).tolist())
        a = float(rng.uniform(5, 10))
        m = a + float(rng.uniform(0, 5))
        b = m + float(rng.uniform(0.5, 10))
        tasks.append(
            {
                "id": f"T{i}",
                "predecessors": [f"T{j}" for j in preds],
                "min": round(a, 3),
                "mode": round(m, 3),
                "max": round(b, 3),
            }
        )
    return {"tasks": tasks}


def write_network(net: dict, path: Path) -> Path:
    path.write_text(json.dumps(net))
    return path


def scenario_from_network(net: dict, **simulation) -> pmo_sim.Scenario:
    """The same network as a pmo-sim Scenario (FS links, triangular durations)."""
    tasks = tuple(
        pmo_sim.Task(
            t["id"],
            duration=pmo_sim.Triangular(t["min"], t["mode"], t["max"]),
            predecessors=tuple(t["predecessors"]),
        )
        for t in net["tasks"]
    )
    return pmo_sim.Scenario(
        project=pmo_sim.Project(name="benchmark", start=dt.date(2027, 1, 4)),
        tasks=tasks,
        simulation=pmo_sim.SimulationSettings(**simulation),
    )
