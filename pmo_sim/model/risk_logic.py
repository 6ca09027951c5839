"""The checks and derived facts of the second half of the risk model: branches, tasks
that exist only when a risk occurs, and dependencies between risks.

``Scenario`` runs ``risk_logic_problems`` with its other cross-checks; the compiler reads
``task_gates`` and ``risk_order``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import networkx as nx

from .branches import Branch
from .errors import Problem
from .risks import Risk
from .tasks import EXISTS_PREFIX, Task


def _risk_place(i: int, r: Risk) -> str:
    return f"risks[{i + 1}] (id {r.id!r})"


def _branch_place(i: int, b: Branch) -> str:
    return f"branches[{i + 1}] (id {b.id!r})"


def existence_owner(tasks: Sequence[Task], risks: Sequence[Risk]) -> dict[str, str]:
    """Task id -> the id of the risk it exists by (its ``exists`` or a risk's ``adds``)."""
    out: dict[str, str] = {}
    for r in risks:
        for t in r.adds:
            out.setdefault(t, r.id)
    for t in tasks:
        if t.exists is not None:
            out.setdefault(t.id, t.exists[len(EXISTS_PREFIX) :])
    return out


def risk_logic_problems(
    tasks: Sequence[Task], risks: Sequence[Risk], branches: Sequence[Branch]
) -> Iterable[Problem]:
    """Every problem with branches, existence risks and risk dependencies."""
    ids = {t.id: i for i, t in enumerate(tasks) if isinstance(t, Task)}
    valid_tasks = [t for t in tasks if isinstance(t, Task)]
    valid_risks = [(i, r) for i, r in enumerate(risks) if isinstance(r, Risk)]
    risk_ids = {r.id for _, r in valid_risks}
    # Existence: one risk per task, and the task's flag agreeing with the risk's list.
    owner: dict[str, str] = {}
    for i, r in valid_risks:
        for k, tid in enumerate(r.adds):
            where = f"{_risk_place(i, r)}.adds[{k + 1}]"
            if tid not in ids:
                yield Problem(where, f"unknown task id {tid!r}: no task has that id")
            elif tid in owner:
                yield Problem(
                    where,
                    f"task {tid!r} is already added by risk {owner[tid]!r}: a task exists "
                    "by one risk at most",
                )
            else:
                owner[tid] = r.id
    for t in valid_tasks:
        if t.exists is None:
            continue
        rid = t.exists[len(EXISTS_PREFIX) :]
        where = f"tasks[{ids[t.id] + 1}] (id {t.id!r}).exists"
        if rid not in risk_ids:
            yield Problem(where, f"unknown risk id {rid!r}: no risk has that id")
        elif owner.get(t.id, rid) != rid:
            yield Problem(
                where,
                f"the task says it exists by risk {rid!r}, but risk {owner[t.id]!r} adds "
                "it: name one risk in both places",
            )
    exists = existence_owner(valid_tasks, [r for _, r in valid_risks])
    successors: dict[str, int] = {}
    for t in valid_tasks:
        for link in t.predecessors:
            successors[link.predecessor] = successors.get(link.predecessor, 0) + 1

    def no_logic(tid: str) -> bool:
        return tid in ids and not tasks[ids[tid]].predecessors and tid not in successors

    for tid in exists:
        if no_logic(tid):
            yield Problem(
                f"tasks[{ids[tid] + 1}] (id {tid!r})",
                f"task {tid!r} exists only when risk {exists[tid]!r} occurs but has no logic: "
                "give it a predecessor or a successor, so it sits where its work would",
            )
    # Branches.
    in_branch: dict[str, str] = {}
    seen_ids: dict[str, int] = {}
    graph = None
    for i, b in enumerate(branches):
        if not isinstance(b, Branch):
            continue
        place = _branch_place(i, b)
        if b.id in seen_ids:
            yield Problem(
                place,
                f"duplicate branch id {b.id!r} (first used by branches[{seen_ids[b.id] + 1}])",
            )
        seen_ids.setdefault(b.id, i)
        for k, o in enumerate(b.options):
            for m, tid in enumerate(o.tasks):
                where = f"{place}.options[{k + 1}].tasks[{m + 1}]"
                if tid not in ids:
                    yield Problem(where, f"unknown task id {tid!r}: no task has that id")
                elif tid in in_branch:
                    yield Problem(
                        where,
                        f"task {tid!r} is already in branch {in_branch[tid]!r}: a task "
                        "belongs to one branch at most",
                    )
                elif tid in exists:
                    yield Problem(
                        where,
                        f"task {tid!r} exists only when risk {exists[tid]!r} occurs: it "
                        "cannot also be in a branch",
                    )
                elif no_logic(tid):
                    yield Problem(
                        where,
                        f"task {tid!r} of option {o.name!r} has no logic: give it a "
                        "predecessor or a successor, so the option's work sits in the network",
                    )
                else:
                    in_branch[tid] = b.id
        for k, o in enumerate(b.options):
            if o.when is None:
                continue
            where = f"{place}.options[{k + 1}].when.task"
            cond = o.when.task
            if cond not in ids:
                yield Problem(where, f"unknown task id {cond!r}: no task has that id")
                continue
            if cond in b.task_ids:
                yield Problem(
                    where,
                    f"the condition's task {cond!r} is itself in this branch: a branch "
                    "is decided by work scheduled before it",
                )
                continue
            if graph is None:
                graph = nx.DiGraph()
                graph.add_nodes_from(ids)
                graph.add_edges_from(
                    (link.predecessor, t.id)
                    for t in valid_tasks
                    for link in t.predecessors
                    if link.predecessor in ids
                )
            after = nx.descendants(graph, cond)
            late = [t for t in b.task_ids if t in ids and t not in after]
            if late:
                yield Problem(
                    where,
                    f"the condition on {cond!r} cannot be decided before task {late[0]!r} of "
                    f"the branch is scheduled: {late[0]!r} does not follow {cond!r} in the "
                    "logic; a branch may depend only on tasks that come before all of its "
                    "tasks (add a link from the condition's task, or test an earlier task)",
                )
    # Dependencies between risks.
    dep = nx.DiGraph()
    for i, r in valid_risks:
        dep.add_node(r.id)
        for name, refs in (
            ("requires", r.requires),
            ("excludes", r.excludes),
            ("probability_if", [x for x, _ in r.probability_if]),
        ):
            for k, rid in enumerate(refs):
                if rid not in risk_ids:
                    yield Problem(
                        f"{_risk_place(i, r)}.{name}[{k + 1}]",
                        f"unknown risk id {rid!r}: no risk has that id",
                    )
                else:
                    dep.add_edge(rid, r.id)
    try:
        cycle = [u for u, _ in nx.find_cycle(dep)]
    except nx.NetworkXNoCycle:
        cycle = []
    if cycle:
        path = " -> ".join([*cycle, cycle[0]])
        yield Problem(
            "risks",
            f"the risk dependencies have a cycle: {path} (each depends on the one before it "
            "through requires, excludes or probability_if); a risk's occurrence is drawn "
            "after those it depends on, so remove one of them (an exclusion needs listing on "
            "one of the two risks only)",
        )


def risk_order(risks: Sequence[Risk]) -> list[int]:
    """Register positions in an order that draws every risk after those it depends on
    (register order where it can: a stable topological order)."""
    index = {r.id: i for i, r in enumerate(risks)}
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(risks)))
    for i, r in enumerate(risks):
        for rid in r.depends_on:
            graph.add_edge(index[rid], i)
    return list(nx.lexicographical_topological_sort(graph))


def off_plan(scenario: Any, holds: Callable[[Any], bool] | None = None) -> set[str]:
    """Tasks that are not in the deterministic plan: those added by a risk that has not
    occurred (the plan has no risk events), the options of probabilistic branches other
    than the most likely one (the first on ties), and the options of conditional
    branches not taken, where ``holds(condition)`` says whether a condition holds on
    the plan (None: every conditional option is left out, as no condition is known)."""
    out: set[str] = set()
    status = {r.id: r.status for r in scenario.risks}
    for tid, rid in existence_owner(scenario.tasks, scenario.risks).items():
        if status.get(rid) != "occurred":
            out.add(tid)
    for b in scenario.branches:
        if b.conditional:
            taken = None
            if holds is not None:
                taken = next((o for o in b.options if o.when is not None and holds(o.when)), None)
                if taken is None:
                    taken = next((o for o in b.options if o.when is None), None)
        else:
            probs = b.probabilities
            taken = b.options[max(range(len(probs)), key=lambda k: (probs[k], -k))]
        for o in b.options:
            if o is not taken:
                out.update(o.tasks)
    return out


#: Dependent risks whose overall probability ``validate`` works out exactly: up to this
#: many risks among them and those they depend on (2**n joint outcomes).
EXACT_LIMIT = 16


def occurrence_probability(risks: Sequence[Risk], rid: str) -> float | None:
    """The probability that risk ``rid`` occurs, its dependencies included, by exact
    enumeration of the joint outcomes of it and the risks it depends on (None past
    ``EXACT_LIMIT`` of them). Closed and occurred risks never occur."""
    by_id = {r.id: r for r in risks}
    graph = nx.DiGraph()
    for r in risks:
        graph.add_node(r.id)
        for d in r.depends_on:
            graph.add_edge(d, r.id)
    group = nx.ancestors(graph, rid) | {rid}
    if len(group) > EXACT_LIMIT:
        return None
    order = [x for x in nx.lexicographical_topological_sort(graph) if x in group]
    total = 0.0
    for mask in range(1 << len(order)):
        state = {x: bool(mask >> k & 1) for k, x in enumerate(order)}
        weight = 1.0
        for x in order:
            r = by_id[x]
            p = r.probability if r.status == "open" else 0.0
            hits = [q for y, q in r.probability_if if state[y]]
            if hits and r.status == "open":
                p = max(hits)
            if any(not state[y] for y in r.requires) or any(state[y] for y in r.excludes):
                p = 0.0
            weight *= p if state[x] else 1.0 - p
            if weight == 0.0:
                break
        if state[rid]:
            total += weight
    return total


def describe_risk_model(scenario: Any) -> list[str]:
    """One line per branch, existence risk, dependent risk and uncertain lag, in words
    (``pmo-sim validate`` prints them)."""
    lines = []
    for b in scenario.branches:
        line = f"branch {b.describe()}"
        if not b.conditional:
            probs = b.probabilities
            best = b.options[max(range(len(probs)), key=lambda k: (probs[k], -k))]
            line += f"; the deterministic plan takes {best.name}"
        lines.append(line)
    owners = existence_owner(scenario.tasks, scenario.risks)
    by_risk: dict[str, list[str]] = {}
    for tid, rid in owners.items():
        by_risk.setdefault(rid, []).append(tid)
    for r in scenario.risks:
        if r.id in by_risk:
            tasks = ", ".join(by_risk[r.id])
            lines.append(f"risk {r.id} adds {tasks}: that work exists only when {r.id} occurs")
        if r.depends_on:
            p = occurrence_probability(scenario.risks, r.id)
            overall = f"; {p:.1%} overall" if p is not None else ""
            base = "otherwise" if r.probability_if else "given that"
            lines.append(
                f"risk {r.id} occurs {r.describe_dependencies()}; "
                f"{r.probability:.0%} {base}{overall}"
            )
    used: dict[str, int] = {}
    for t in scenario.tasks:
        if scenario.project.calendar_of(t.calendar).weather:
            used[t.calendar] = used.get(t.calendar, 0) + 1
    for name, count in used.items():
        cal = scenario.project.calendar_of(name)
        rules = "; ".join(w.describe() for w in cal.weather)
        lines.append(
            f"weather on calendar {name or 'project'} ({count} tasks): {rules}; the days "
            f"drawn per iteration, {cal.weather_pattern}"
            + (
                " over each period"
                if cal.weather_pattern == "scattered"
                else " of consecutive days"
            )
        )
    for t in scenario.tasks:
        for link in t.predecessors:
            if link.uncertain_lag is not None:
                lines.append(
                    f"uncertain lag {link.predecessor} -> {t.id} ({link.type}): "
                    f"{link.uncertain_lag.as_given} working days, drawn per iteration "
                    f"(the plan takes {link.lag:g})"
                )
    return lines
