"""Simulate a portfolio: every project on the same iterations, project by project.

Projects run in link order (each after the projects it waits for), each on its own
compiled model, with the portfolio's iterations, seed and sampling:

- **Identity.** Random streams are keyed by the project's id and the task or risk id
  (``compile``), so a project that nothing joins to another gets exactly the numbers of
  its standalone run with the same seed, bit for bit.
- **Systemic risks** join the register of each project they hit, drawing from streams
  scoped ``SHARED_SCOPE``: one occurrence and one severity per iteration for the whole
  portfolio, whatever project draws them.
- **Cross-project links.** The predecessor's project keeps its early finish per
  iteration; in the successor's project the predecessor stands as a milestone with no
  predecessors (id ``project:task``) whose finish is that date, moved onto the
  successor's timeline (``move_finishes``), and the link runs from it with its type and
  lag like any link of the project. In the deterministic schedule the milestone is
  fixed at the predecessor's deterministic finish.

The portfolio's figures are per-iteration reductions of the projects' (the last finish,
the sum of costs), and its risk ranking switches each risk off in turn on the same
random numbers, re-running the projects it reaches.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..model.calendar import SNAP
from ..model.correlation import CorrelationModel, correlation_model
from ..model.portfolio import CrossLink, Portfolio
from ..model.resources import Resource
from ..model.risks import Risk
from ..model.scenario import Correlation, Project, Scenario
from ..model.tasks import Link, Task
from ..results.portfolio import PortfolioRanking, PortfolioResults
from ..results.simulation import Results, RiskRanking
from .blocks import DEFAULT_BLOCK, BlockRun, RawRun, model_durations, run_kernel
from .compile import CompiledModel, ExternalFinishes, compile_scenario
from .ranking import RANKING_ITERATIONS
from .runners.dask_runner import DaskRunner
from .runners.local import LocalRunner, Runner, run_all
from .settings import RunSettings, run_settings, whole_number
from .simulate import build_results


def move_finishes(src: Scenario, dst: Scenario, x: np.ndarray) -> np.ndarray:
    """Finish offsets ``x`` on ``src``'s timeline as offsets on ``dst``'s: the same
    moment, where ``dst``'s successors may start. A finish on a day ``dst`` does not
    work moves to the morning of its next working day; within a day, the share of the
    day's hours carries over by clock time where both timelines have hours."""
    ts, td = src.timeline, dst.timeline
    x = np.asarray(x, dtype=float)
    # The finish day and the share of it worked (as ``Calendar.finish_dates`` rounds).
    k = np.ceil(x - SNAP) - 1
    share = np.clip(x - k, 0.0, 1.0)
    day = np.busday_offset(
        ts.first_working_day(src.project.start),
        k.astype(np.int64),
        roll="forward",
        busdaycal=ts.busdaycalendar,
    )
    day0 = td.first_working_day(dst.project.start)
    before = np.busday_count(day0, day, busdaycal=td.busdaycalendar).astype(float)
    works = np.is_busday(day, busdaycal=td.busdaycalendar)
    if ts.hours and td.hours and ts.hours != td.hours:
        values, back = np.unique(share, return_inverse=True)
        moved = np.array([td.day_fraction(ts.clock_at(v, finish=True)) for v in values])
        share = moved[back]
    return before + np.where(works, share, 0.0)


def finish_moment(src: Scenario, offset: float) -> dt.date:
    """The moment a finish offset of ``src`` stands for: the date (at its clock time
    where the timeline has hours) at whose end or time the work is done."""
    tl = src.timeline
    if tl.hours:
        return tl.moments(src.project.start, [offset], finish=True)[0]
    return tl.finish_date(src.project.start, offset)


def stand_in_id(link: CrossLink, taken: set[str]) -> str:
    """The id, in the successor's scenario, of the milestone standing for the link's
    predecessor: ``project:task`` (primed until it is not one of ``taken``)."""
    name = str(link.predecessor)
    while name in taken:
        name += "'"
    return name


@dataclasses.dataclass(frozen=True)
class Member:
    """One project as the portfolio runs it: its scenario (with the systemic risks that
    hit it and the stand-ins of the tasks it waits for), the stand-ins' predecessor
    tasks, and the positions in the model of its tasks that others wait for."""

    id: str
    scenario: Scenario
    shared: frozenset[str]
    stand_ins: tuple[tuple[str, CrossLink], ...]
    tracked: tuple[str, ...]


def member(pf: Portfolio, pid: str, finishes: dict[str, dict[str, float]]) -> Member:
    """Project ``pid`` as the portfolio runs it. ``finishes[project][task]`` are the
    deterministic finish offsets of the tasks it waits for (projects before it)."""
    base = pf.project(pid).scenario
    systemic = pf.risks_of(pid)
    into = pf.links_into(pid)
    tracked = tuple(dict.fromkeys(k.predecessor.task for k in pf.links_from(pid)))
    if not systemic and not into:
        return Member(pid, base, frozenset(), (), tracked)
    taken = set(base.task_ids)
    stand: dict[str, str] = {}  # predecessor reference -> stand-in id
    first: dict[str, CrossLink] = {}
    tasks: list[Task] = []
    for link in into:
        ref = str(link.predecessor)
        if ref in stand:
            continue
        sid = stand_in_id(link, taken)
        taken.add(sid)
        stand[ref] = sid
        first[ref] = link
        src = pf.project(link.predecessor.project).scenario
        moment = finish_moment(src, finishes[link.predecessor.project][link.predecessor.task])
        tasks.append(_stand_in(sid, src, link, moment, base))
    extra: dict[str, list[Link]] = {}
    for link in into:
        extra.setdefault(link.successor.task, []).append(
            Link(stand[str(link.predecessor)], type=link.type, lag=link.lag)
        )
    for t in base.tasks:
        more = extra.get(t.id)
        tasks.append(
            t if not more else dataclasses.replace(t, predecessors=(*t.predecessors, *more))
        )
    scenario = dataclasses.replace(base, tasks=tuple(tasks), risks=(*base.risks, *systemic))
    stand_ins = tuple((stand[ref], link) for ref, link in first.items())
    return Member(pid, scenario, frozenset(r.id for r in systemic), stand_ins, tracked)


def plan_members(pf: Portfolio) -> dict[str, Member]:
    """Every project's ``Member``, in link order: each built once the deterministic
    schedules of the projects it waits for are known."""
    from .simulate import deterministic_schedule

    finishes: dict[str, dict[str, float]] = {}
    out: dict[str, Member] = {}
    for pid in pf.order():
        m = member(pf, pid, finishes)
        out[pid] = m
        if m.tracked:
            plan = deterministic_schedule(m.scenario)
            index = {tid: i for i, tid in enumerate(m.scenario.task_ids)}
            finishes[pid] = {t: float(plan.early_finish[index[t]]) for t in m.tracked}
    return out


def shared_correlations(
    pf: Portfolio, members: dict[str, Member], repair: bool = False
) -> dict[str, CorrelationModel]:
    """The copula of every project that a correlation between projects touches: one
    correlation matrix over the portfolio's groups and those projects' own groups, so
    an item in two groups keeps one set of coefficients. Each such project gets the
    whole model, its own items by their ids and the others' as ``("stream", name)``
    (their random streams), so all of them draw the same normals."""
    if not pf.correlations:
        return {}
    involved = {ref.project for c in pf.correlations for ref in c.tasks}
    order = [pid for pid in pf.project_ids if pid in involved]
    tasks, risks, groups, pool = [], [], [], []
    for pid in order:
        s = members[pid].scenario
        tasks += [Task(f"{pid}:{t.id}", duration=t.duration) for t in s.tasks]
        rated = {r for c in s.correlations for r in c.resources}
        pool += [Resource(f"{pid}:{r.id}", rate=r.rate) for r in s.resources if r.id in rated]
        named = {r for c in s.correlations for r in c.risks}
        for r in s.risks:
            if r.id in named:
                impacts = tuple(
                    dataclasses.replace(imp, tasks=tuple(f"{pid}:{t}" for t in imp.tasks))
                    for imp in r.impacts
                )
                risks.append(
                    Risk(f"{pid}:{r.id}", probability=r.probability, impacts=impacts, cost=r.cost)
                )
        for c in s.correlations:
            groups.append(
                Correlation(
                    c.coefficient,
                    tasks=tuple(f"{pid}:{t}" for t in c.tasks),
                    risks=tuple(f"{pid}:{r}" for r in c.risks),
                    resources=tuple(f"{pid}:{r}" for r in c.resources),
                )
            )
    groups += [Correlation(c.coefficient, tasks=tuple(map(str, c.tasks))) for c in pf.correlations]
    union = Scenario(
        project=Project(name=pf.name, start=members[order[0]].scenario.project.start),
        tasks=tuple(tasks),
        risks=tuple(risks),
        correlations=tuple(groups),
        source=pf.source,
        resources=tuple(pool),
    )
    model = correlation_model(union, repair=repair)
    out = {}
    for pid in order:
        items = []
        for kind, ident in model.items:
            owner, local = ident.split(":", 1)
            if owner == pid:
                items.append((kind, local))
            else:
                scope = members[owner].scenario.project.id
                stream = {"task": "duration", "risk": "severity", "resource": "rate"}[kind]
                items.append(("stream", f"{scope}/{stream}:{local}"))
        out[pid] = dataclasses.replace(model, items=tuple(items))
    return out


def _stand_in(sid: str, src: Scenario, link: CrossLink, moment: Any, dst: Scenario) -> Task:
    """The milestone in ``dst`` for a task of another project: at ``moment`` in the
    deterministic schedule (complete by then when that is before ``dst``'s data date)."""
    name = f"{src.task(link.predecessor.task).name} (project {link.predecessor.project})"
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    dd = dst.project.data_date
    dd_day = dd.date() if isinstance(dd, dt.datetime) else dd
    if dd is not None and day <= dd_day:
        return Task(
            sid,
            name=name,
            milestone=True,
            status="complete",
            actual_start=moment,
            actual_finish=moment,
        )
    if day < dst.project.start:
        return Task(sid, name=name, milestone=True)
    # A finish at the end of a day lets successors start the next morning.
    start = moment if isinstance(moment, dt.datetime) else moment + dt.timedelta(days=1)
    return Task(sid, name=name, milestone=True, start_no_earlier_than=start)


class _Chain:
    """The compiled models of a portfolio's members and how to run them in order."""

    def __init__(self, pf: Portfolio, mitigated: bool, repair: bool) -> None:
        self.pf = pf
        self.members = plan_members(pf)
        self.correlations = shared_correlations(pf, self.members, repair)
        self.models: dict[str, CompiledModel] = {}
        for pid, m in self.members.items():
            model = compile_scenario(
                m.scenario,
                mitigated,
                repair,
                shared_risks=m.shared,
                correlation=self.correlations.get(pid),
            )
            if m.tracked:
                # The tasks others wait for are kept per iteration with the milestones.
                pos = {tid: k for k, tid in enumerate(model.task_ids)}
                extra = np.array([pos[t] for t in m.tracked], dtype=np.int64)
                model = dataclasses.replace(
                    model, milestone_pos=np.concatenate([model.milestone_pos, extra])
                )
            self.models[pid] = model

    def with_external(self, pid: str, tracked: dict[str, dict[str, np.ndarray]]) -> CompiledModel:
        """Member ``pid``'s model with the finishes of the tasks it waits for."""
        m, model = self.members[pid], self.models[pid]
        if not m.stand_ins:
            return model
        rows = np.full(model.size, -1, dtype=np.int64)
        pos = {tid: k for k, tid in enumerate(model.task_ids)}
        values = []
        for r, (sid, link) in enumerate(m.stand_ins):
            rows[pos[sid]] = r
            src = self.members[link.predecessor.project].scenario
            x = tracked[link.predecessor.project][link.predecessor.task]
            values.append(move_finishes(src, m.scenario, x))
        finish = np.ascontiguousarray(np.vstack(values))
        return dataclasses.replace(model, external=ExternalFinishes(rows, finish))

    def split(self, pid: str, raw: RawRun) -> tuple[RawRun, dict[str, np.ndarray]]:
        """The member's run without the rows of tracked tasks, and those rows by task."""
        m = self.members[pid]
        k = len(self.models[pid].milestone_ids)
        rows = {t: raw.milestones[k + q] for q, t in enumerate(m.tracked)}
        if not m.tracked:
            return raw, rows
        return dataclasses.replace(raw, milestones=raw.milestones[:k]), rows


def _chain(pf: Portfolio, mitigated: bool, repair: bool) -> _Chain:
    """The portfolio's ``_Chain``, built once per portfolio object and state (its
    scenarios with stand-ins and systemic risks, and their compiled models)."""
    cache = pf.__dict__.get("_chains")
    if cache is None:
        cache = {}
        # Portfolio is frozen; the cache is not a field, so it bypasses __setattr__.
        object.__setattr__(pf, "_chains", cache)
    key = (mitigated, repair)
    if key not in cache:
        cache[key] = _Chain(pf, mitigated, repair)
    return cache[key]


def portfolio_chain(portfolio: Portfolio, mitigated: bool = False, repair: bool = False) -> Any:
    """The projects as the portfolio runs them: ``members`` (scenarios with stand-ins and
    systemic risks) and ``models`` (their compiled models), by project id; for
    benchmarks and tools that run the kernels themselves."""
    return _chain(portfolio, mitigated, repair)


def simulate_portfolio(
    portfolio: Portfolio,
    iterations: int | None = None,
    seed: int | None = None,
    sampling: str | None = None,
    threads: int | None = None,
    *,
    mitigated: bool = False,
    repair_correlations: bool = False,
    rank: bool = False,
    ranking_iterations: int | None = None,
    block_size: int = DEFAULT_BLOCK,
    progress: Callable[[int, int], Any] | None = None,
    client: Any = None,
    runner: Runner | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
) -> PortfolioResults:
    """Simulate every project of ``portfolio`` together and return ``PortfolioResults``.

    Options as for ``simulate``; they apply to every project (the projects' own
    ``[simulation]`` settings give way to the portfolio's). ``rank`` computes the
    portfolio risk ranking, and with it each project's own. ``checkpoint`` keeps each
    project's finished blocks in a folder of its own under it (named by project id)
    and resumes from them when run again (``engine.runners.checkpoint``): a project
    whose inputs changed, its predecessors' finishes included, is refused there.
    """
    if not isinstance(portfolio, Portfolio):
        raise TypeError("portfolio must be a pmo_sim Portfolio (see pmo_sim.load_portfolio)")
    run = run_settings(portfolio.simulation, iterations, seed, sampling, threads, block_size)
    started = time.perf_counter()
    if runner is None:
        runner = LocalRunner(run.threads) if client is None else DaskRunner(client)
    chain = _chain(portfolio, mitigated, repair_correlations)
    tracked: dict[str, dict[str, np.ndarray]] = {}
    raws: dict[str, RawRun] = {}
    projects: dict[str, Results] = {}
    order = list(chain.members)
    total = len(order) * run.iterations
    for n, pid in enumerate(order):
        model = chain.with_external(pid, tracked)
        blocks = BlockRun(model, run.seed, run.sampling, run.iterations, run.block_size)
        step = None
        if progress is not None:
            offset = n * run.iterations

            def step(done: int, _: int, offset: int = offset) -> None:
                progress(offset + done, total)

        if checkpoint is None:
            whole = run_all(runner, blocks, progress=step)
        else:
            from .runners.checkpoint import run_with_checkpoint, scenario_hash

            whole = run_with_checkpoint(
                os.path.join(os.fspath(checkpoint), pid),
                model,
                scenario_hash(chain.members[pid].scenario),
                run.seed,
                run.sampling,
                run.iterations,
                run.block_size,
                None,
                runner,
                progress=step,
            )
        raw, tracked[pid] = chain.split(pid, whole)
        projects[pid] = build_results(chain.members[pid].scenario, model, raw, run)
        # Only the per-iteration finish and cost are needed from here (the ranking):
        # the kept durations go, so memory holds one project's subsample at a time.
        # (A new empty array: a slice would keep the whole subsample alive.)
        raws[pid] = dataclasses.replace(
            raw, sub_d=np.empty((raw.sub_d.shape[0], 0), dtype=raw.sub_d.dtype)
        )
    ranking = None
    if rank and (portfolio.risks or any(p.scenario.risks for p in portfolio.projects)):
        n_rank = min(
            run.iterations,
            RANKING_ITERATIONS
            if ranking_iterations is None
            else whole_number("ranking_iterations", ranking_iterations),
        )
        ranking, own = _rank(chain, run, n_rank, raws, tracked)
        projects = {
            pid: dataclasses.replace(r, risk_ranking=own[pid]) for pid, r in projects.items()
        }
    finish = np.max(np.vstack([r.finish_dates for r in projects.values()]), axis=0)
    cost = np.sum(
        np.vstack(
            [r.cost if r.cost is not None else np.zeros(run.iterations) for r in projects.values()]
        ),
        axis=0,
    )
    link_criticality = {}
    for link in portfolio.links:
        m = chain.members[link.successor.project]
        sid = next(sid for sid, k in m.stand_ins if k.predecessor == link.predecessor)
        link_criticality[str(link)] = projects[link.successor.project].criticality[sid]
    return PortfolioResults(
        portfolio=portfolio,
        link_criticality=link_criticality,
        projects={pid: projects[pid] for pid in portfolio.project_ids},
        iterations=run.iterations,
        seed=run.seed,
        sampling=run.sampling,
        finish=finish,
        cost=cost,
        mitigated=mitigated,
        ranking=ranking,
        elapsed=time.perf_counter() - started,
    )


def _rank(
    chain: _Chain,
    run: RunSettings,
    n: int,
    raws: dict[str, RawRun],
    tracked: dict[str, dict[str, np.ndarray]],
) -> tuple[PortfolioRanking, dict[str, RiskRanking | None]]:
    """Exclusion ranking of every systemic and project risk on the first ``n``
    iterations: each switched off in turn, the projects it reaches re-run (forward pass)
    on the same random numbers."""
    pf = chain.pf
    base_finish = {pid: raws[pid].finish[:n] for pid in raws}
    base_cost = {pid: raws[pid].cost[:n] for pid in raws}
    base_tracked = {pid: {t: v[:n] for t, v in rows.items()} for pid, rows in tracked.items()}
    costed = [pid for pid in raws if chain.models[pid].costed]
    base_total = sum((base_cost[pid] for pid in costed), np.zeros(n))
    entries: list[tuple[str, bool, str | None, str]] = [(r.id, True, None, r.id) for r in pf.risks]
    for p in pf.projects:
        entries += [(f"{p.id}:{r.id}", False, p.id, r.id) for r in p.scenario.risks]
    cost_c = np.zeros(len(entries))
    finish_c = {pid: np.zeros(len(entries)) for pid in pf.project_ids}
    own: dict[str, dict[str, tuple[float, float, float, float]]] = {p: {} for p in pf.project_ids}
    for e, (_, systemic, home, rid) in enumerate(entries):
        hit = pf.hit_by(rid) if systemic else (home,)
        reach: list[str] = []
        for pid in hit:
            for q in pf.downstream(pid):
                if q not in reach:
                    reach.append(q)
        reach = [q for q in chain.members if q in reach]  # link order
        finish = dict(base_finish)
        cost = dict(base_cost)
        rows = dict(base_tracked)
        for pid in reach:
            model = chain.with_external(pid, {k: rows[k] for k in rows})
            enabled = np.array(
                [0 if (x == rid and pid in hit) else 1 for x in model.risk_ids], dtype=np.uint8
            )
            raw = run_kernel(
                model,
                run.seed,
                run.sampling,
                n,
                run.threads,
                run.block_size,
                full=False,
                enabled=enabled,
            )
            raw, rows[pid] = chain.split(pid, raw)
            finish[pid], cost[pid] = raw.finish, raw.cost
        total = sum((cost[pid] for pid in costed), np.zeros(n))
        cost_c[e] = float(np.percentile(base_total, 80) - np.percentile(total, 80))
        for pid in reach:
            finish_c[pid][e] = float(
                np.percentile(base_finish[pid], 80) - np.percentile(finish[pid], 80)
            )
            if rid in chain.models[pid].risk_ids and pid in hit:
                own[pid][rid] = (
                    finish_c[pid][e],
                    float(np.percentile(base_cost[pid], 80) - np.percentile(cost[pid], 80)),
                    float(np.mean(base_finish[pid] - finish[pid])),
                    float(np.mean(base_cost[pid] - cost[pid])),
                )
    rankings: dict[str, RiskRanking | None] = {}
    for pid in pf.project_ids:
        ids = chain.models[pid].risk_ids
        if not ids:
            rankings[pid] = None
            continue
        values = np.array([own[pid].get(r, (0.0, 0.0, 0.0, 0.0)) for r in ids]).T
        rankings[pid] = RiskRanking(
            risk_ids=ids,
            iterations=n,
            p80_finish_contribution=values[0],
            p80_cost_contribution=values[1],
            mean_delay=values[2],
            mean_cost=values[3],
        )
    ranking = PortfolioRanking(
        risk_ids=tuple(e[0] for e in entries),
        systemic=tuple(e[1] for e in entries),
        iterations=n,
        p80_cost_contribution=cost_c,
        p80_finish_contribution=finish_c,
    )
    return ranking, rankings


def portfolio_durations(
    portfolio: Portfolio,
    project_id: str,
    seed: int | None = None,
    sampling: str | None = None,
    first: int = 0,
    count: int = 1,
    *,
    mitigated: bool = False,
    repair_correlations: bool = False,
) -> np.ndarray:
    """The sampled durations (risk impacts included) of ``project_id``'s tasks in
    iterations ``first .. first + count - 1`` of the portfolio's run: a (tasks, count)
    array in the project's task order, exactly the values ``simulate_portfolio`` uses
    (systemic risks and correlations between projects included)."""
    chain = _chain(portfolio, mitigated, repair_correlations)
    if project_id not in chain.members:
        raise KeyError(f"no project {project_id!r} in the portfolio")
    run = run_settings(portfolio.simulation, None, seed, sampling, None, DEFAULT_BLOCK)
    model = chain.models[project_id]
    out = model_durations(
        model,
        run.seed,
        run.sampling == "lhs",
        whole_number("first", first, 0),
        whole_number("count", count),
    )
    own = len(chain.pf.project(project_id).scenario.tasks)
    # The project's own tasks, in its order (stand-ins for other projects' tasks first).
    return out[model.network.position][-own:]
