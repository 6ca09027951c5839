"""The task network: graph checks with networkx, and the arrays every pass runs on.

networkx answers the graph questions (cycles, topological order, paths); the passes
themselves (``cpm.py`` and the numba kernels) only ever see the arrays built here, with
tasks renumbered in topological order and predecessors stored as CSR rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from ..model.errors import Problem, id_list
from ..model.graph import task_graph
from ..model.scenario import Scenario
from ..model.tasks import LINK_TYPES

# Link type codes shared by every pass.
FS, SS, FF, SF = (LINK_TYPES.index(k) for k in ("FS", "SS", "FF", "SF"))


@dataclass(frozen=True)
class Network:
    """The scenario's network as arrays in topological order.

    ``order[k]`` is the index (in ``scenario.tasks``) of the k-th task in topological
    order and ``position[i]`` the inverse. Predecessor links of the k-th task are
    ``pred_task[pred_ptr[k]:pred_ptr[k+1]]`` (topological positions), with their
    ``pred_type`` (FS, SS, FF, SF codes) and ``pred_lag`` (working days).
    ``earliest_start[k]`` is a lower bound on the start (0, or a constraint).
    """

    ids: tuple[str, ...]
    order: np.ndarray
    position: np.ndarray
    pred_ptr: np.ndarray
    pred_task: np.ndarray
    pred_type: np.ndarray
    pred_lag: np.ndarray
    earliest_start: np.ndarray

    @property
    def size(self) -> int:
        return len(self.ids)


def build_network(scenario: Scenario) -> Network:
    """Arrays for the passes; ties in the topological order keep the file order.

    Built once per scenario object (scenarios are immutable) and cached on it.
    """
    cached = scenario.__dict__.get("_network")
    if cached is None:
        cached = _build_network(scenario)
        # Scenario is frozen; the cache is not a field, so it bypasses __setattr__.
        object.__setattr__(scenario, "_network", cached)
    return cached


def _build_network(scenario: Scenario) -> Network:
    tasks = scenario.tasks
    graph = task_graph(tasks)
    index = {t.id: i for i, t in enumerate(tasks)}
    topo = list(nx.lexicographical_topological_sort(graph, key=index.__getitem__))
    order = np.array([index[t] for t in topo], dtype=np.int64)
    position = np.empty_like(order)
    position[order] = np.arange(order.size)
    ptr, pred, kind, lag = [0], [], [], []
    for i in order:
        for link in tasks[i].predecessors:
            pred.append(position[index[link.predecessor]])
            kind.append(LINK_TYPES.index(link.type))
            lag.append(link.lag)
        ptr.append(len(pred))
    calendar, start = scenario.timeline, scenario.project.start
    earliest = np.zeros(order.size)
    for k, i in enumerate(order):
        snet = tasks[i].start_no_earlier_than
        if snet is not None:
            earliest[k] = max(0.0, calendar.start_offset_of(start, snet))
    return Network(
        ids=tuple(tasks[i].id for i in order),
        order=order,
        position=position,
        pred_ptr=np.array(ptr, dtype=np.int64),
        pred_task=np.array(pred, dtype=np.int64),
        pred_type=np.array(kind, dtype=np.int8),
        pred_lag=np.array(lag, dtype=np.float64),
        earliest_start=earliest,
    )


def health_warnings(scenario: Scenario) -> list[Problem]:
    """Schedule-health findings that do not stop a run, but that an analyst should fix.

    - no logic at all (``no_logic``);
    - open ends: tasks without a predecessor, or without a successor, other than the
      project's start (the first such task in file order) and finish (the last such);
    - negative lags (leads), which hide logic;
    - tasks (other than zero-duration milestones) whose estimate has no range;
    - milestones with a duration.
    """
    tasks = scenario.tasks
    has_succ = {link.predecessor for t in tasks for link in t.predecessors}
    no_pred = [t.id for t in tasks if not t.predecessors]
    no_succ = [t.id for t in tasks if t.id not in has_succ]
    found: list[Problem] = []
    unlinked = no_logic(scenario)
    if unlinked is not None:
        found.append(unlinked)  # every task is an open end: one warning says it all
    elif len(no_pred) > 1:
        found.append(
            Problem(
                "tasks",
                f"{len(no_pred) - 1} task(s) besides the start {no_pred[0]!r} have no "
                f"predecessor: {id_list(no_pred[1:])}; link them to the logic",
            )
        )
    if len(no_succ) > 1 and unlinked is None:
        found.append(
            Problem(
                "tasks",
                f"{len(no_succ) - 1} task(s) besides the finish {no_succ[-1]!r} have no "
                f"successor: {id_list(no_succ[:-1])}; a delay to them would not show in the "
                "finish date",
            )
        )
    leads: list[tuple[Problem, str]] = []
    timed_milestones: list[tuple[Problem, str]] = []
    no_range: list[tuple[Problem, str]] = []
    for i, t in enumerate(tasks):
        for k, link in enumerate(t.predecessors):
            if link.lag < 0:
                leads.append(
                    (
                        Problem(
                            f"tasks[{i + 1}] (id {t.id!r}).predecessors[{k + 1}]",
                            f"negative lag (lead) of {link.lag:g} days from "
                            f"{link.predecessor!r}; leads hide logic, consider splitting the "
                            "predecessor",
                        ),
                        f"{t.id} (from {link.predecessor}, {link.lag:g} d)",
                    )
                )
        if t.milestone and t.duration.support != (0.0, 0.0):
            timed_milestones.append(
                (
                    Problem(
                        f"tasks[{i + 1}] (id {t.id!r})",
                        "flagged as a milestone but has a duration; a milestone is a "
                        "zero-duration event (its finish is still reported)",
                    ),
                    t.id,
                )
            )
        elif (
            t.duration.is_degenerate
            and t.duration.deterministic != 0.0
            and t.status != "complete"  # a complete task's duration is a fact
        ):
            no_range.append(
                (
                    Problem(
                        f"tasks[{i + 1}] (id {t.id!r})",
                        "the duration estimate has no range, so this task adds no uncertainty",
                    ),
                    t.id,
                )
            )
    found += _grouped(
        leads,
        "links have a negative lag (a lead), which hides logic (consider splitting the "
        "predecessors): {ids}",
    )
    found += _grouped(
        timed_milestones,
        "tasks are flagged as milestones but have a duration (their finish is still "
        "reported): {ids}",
    )
    found += _grouped(
        no_range,
        "tasks have a duration estimate with no range, so they add no uncertainty: {ids}; "
        "give them ranges (for an imported schedule, range rules: pmo-sim import --ranges)",
    )
    return found


#: Findings of one kind named one by one up to this many; more are one warning.
GROUPED_FROM = 4


def _grouped(items: list[tuple[Problem, str]], summary: str) -> list[Problem]:
    """Each finding with its place while there are few; else one warning that counts
    them and names the first few (a schedule of 4,000 tasks must not print 4,000
    lines)."""
    if len(items) < GROUPED_FROM:
        return [problem for problem, _ in items]
    ids = id_list(label for _, label in items)
    return [Problem("tasks", f"{len(items)} " + summary.format(ids=ids))]


def no_logic(scenario: Scenario) -> Problem | None:
    """The warning for a schedule of several tasks without a single link (an export
    without its relationship table, a table without its predecessors column), else
    None: every task then starts at the project start, and the finish is the longest
    task alone."""
    tasks = scenario.tasks
    if len(tasks) < 2 or any(t.predecessors for t in tasks):
        return None
    return Problem(
        "tasks",
        f"the schedule has no logic: none of its {len(tasks)} tasks has a predecessor, so "
        "each starts at the project start and the finish is the longest task alone; add "
        "the links (was the file exported without its relationships?)",
    )
