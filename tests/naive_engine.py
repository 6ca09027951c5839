"""A slow, obviously correct reference for the Monte Carlo engine.

Given a scenario and a (tasks, iterations) matrix of durations in the scenario's task
order, it computes for every iteration the early and late dates, total float, the
project finish and which tasks are critical. It shares no code with ``pmo_sim``: it
reads only the scenario's tasks and links, uses no topological order, and relaxes every
link constraint over and over until nothing changes (Bellman-Ford style), forwards for
the early dates and backwards for the late dates. Each pass is vectorised over the
iterations only, which keeps it fast without making it clever.

Link semantics (lag in working days, may be negative or fractional)::

    type  forward (successor j)      backward (predecessor i)
    FS    ES_j >= EF_i + lag         LF_i <= LS_j - lag
    SS    ES_j >= ES_i + lag         LS_i <= LS_j - lag
    FF    EF_j >= EF_i + lag         LF_i <= LF_j - lag
    SF    EF_j >= ES_i + lag         LS_i <= LF_j - lag

with ES >= 0, EF = ES + d, LS = LF - d, finish = max EF, LF <= finish, and a task is
critical when its total float LS - ES is at most the critical tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A millionth of a working day, as documented for the deterministic schedule; the tests
# check it equals pmo_sim.cpm.CRITICAL_TOLERANCE rather than importing it here.
CRITICAL_TOLERANCE = 1e-6


@dataclass
class NaiveRun:
    """Per-iteration results; dicts are keyed by task id, arrays are over iterations."""

    early_start: dict[str, np.ndarray]
    early_finish: dict[str, np.ndarray]
    late_finish: dict[str, np.ndarray]
    total_float: dict[str, np.ndarray]
    critical: dict[str, np.ndarray]
    finish: np.ndarray

    def critical_counts(self) -> dict[str, int]:
        """Number of iterations in which each task was critical."""
        return {tid: int(flags.sum()) for tid, flags in self.critical.items()}


def _links(scenario) -> list[tuple[str, str, str, float]]:
    """Every link as (predecessor id, successor id, type, lag)."""
    return [
        (link.predecessor, task.id, link.type, float(link.lag))
        for task in scenario.tasks
        for link in task.predecessors
    ]


def naive_simulate(scenario, durations: np.ndarray) -> NaiveRun:
    """Early/late dates, float and finish of every iteration of ``durations``.

    ``durations`` is (tasks, iterations) in the order of ``scenario.tasks``. Start
    constraints are not modelled here, so scenarios using them are refused.
    """
    tasks = scenario.tasks
    if any(
        t.start_no_earlier_than is not None
        or t.finish_no_earlier_than is not None
        or t.mandatory_start is not None
        or t.mandatory_finish is not None
        or t.as_late_as_possible
        for t in tasks
    ):
        raise NotImplementedError("the naive engine does not model constraints")
    durations = np.asarray(durations, dtype=float)
    assert durations.shape[0] == len(tasks)
    iterations = durations.shape[1]
    d = {t.id: durations[k] for k, t in enumerate(tasks)}
    links = _links(scenario)

    es = {t.id: np.zeros(iterations) for t in tasks}
    for _ in range(len(tasks) + 1):
        changed = False
        for i, j, kind, lag in links:
            ef_i = es[i] + d[i]
            if kind == "FS":
                bound = ef_i + lag
            elif kind == "SS":
                bound = es[i] + lag
            elif kind == "FF":
                bound = ef_i + lag - d[j]
            else:  # SF
                bound = es[i] + lag - d[j]
            new = np.maximum(es[j], bound)
            if not np.array_equal(new, es[j]):
                es[j] = new
                changed = True
        if not changed:
            break
    else:  # pragma: no cover - a DAG settles within len(tasks) sweeps
        raise AssertionError("forward relaxation did not settle: is the network acyclic?")
    ef = {tid: es[tid] + d[tid] for tid in es}
    finish = np.max(np.stack([ef[t.id] for t in tasks]), axis=0)

    lf = {t.id: finish.copy() for t in tasks}
    for _ in range(len(tasks) + 1):
        changed = False
        for i, j, kind, lag in links:
            ls_j = lf[j] - d[j]
            if kind == "FS":
                bound = ls_j - lag
            elif kind == "SS":
                bound = ls_j - lag + d[i]  # LS_i <= LS_j - lag
            elif kind == "FF":
                bound = lf[j] - lag
            else:  # SF: LS_i <= LF_j - lag
                bound = lf[j] - lag + d[i]
            new = np.minimum(lf[i], bound)
            if not np.array_equal(new, lf[i]):
                lf[i] = new
                changed = True
        if not changed:
            break
    else:  # pragma: no cover
        raise AssertionError("backward relaxation did not settle: is the network acyclic?")

    total_float = {tid: (lf[tid] - d[tid]) - es[tid] for tid in es}
    critical = {tid: tf <= CRITICAL_TOLERANCE for tid, tf in total_float.items()}
    return NaiveRun(
        early_start=es,
        early_finish=ef,
        late_finish=lf,
        total_float=total_float,
        critical=critical,
        finish=finish,
    )
