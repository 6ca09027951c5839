"""The portfolio model: several projects simulated together.

A ``Portfolio`` holds whole ``Scenario`` objects (each keeps its own calendars, start,
data date, deadline, budget, risks and correlations) and what joins them: logic links
from a task of one project to a task of another (``CrossLink``), systemic risks that
strike every project they name in the same iteration, and the programme's targets.
Tasks across projects are named ``project:task`` (``TaskRef``).

Construction checks every reference and rule and raises one ``ScenarioError`` listing
every problem, like ``Scenario``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from .calendar import as_date
from .errors import Problem, ScenarioError, must
from .fields import as_tuple, real_field, text_field
from .risks import Risk
from .scenario import Scenario, SimulationSettings
from .tasks import LINK_TYPES

#: Link types a cross-project link may have: the successor waits for the predecessor's
#: finish (FS: its start, FF: its finish).
CROSS_LINK_TYPES = ("FS", "FF")
#: Default red/amber/green thresholds on the probability of meeting a deadline.
GREEN_AT, AMBER_AT = 0.8, 0.5


@dataclass(frozen=True)
class TaskRef:
    """A task of a portfolio's project, written ``project:task``."""

    project: str
    task: str

    @classmethod
    def parse(cls, where: str, text: object) -> TaskRef:
        """``project:task`` (split at the first colon: project ids have none)."""
        if not isinstance(text, str) or ":" not in text:
            raise ValueError(must(where, "a 'project:task' reference", text))
        project, task = text.split(":", 1)
        if not project or not task:
            raise ValueError(must(where, "a 'project:task' reference", text))
        return cls(project, task)

    def __str__(self) -> str:
        return f"{self.project}:{self.task}"


@dataclass(frozen=True)
class CrossLink:
    """A logic link from a task of one project to a task of another.

    ``type`` FS: the successor starts after the predecessor finishes; FF: it finishes
    after. ``lag`` counts working days of the successor's calendar.
    """

    predecessor: TaskRef
    successor: TaskRef
    type: str = "FS"
    lag: float = 0.0

    def __post_init__(self) -> None:
        for name in ("predecessor", "successor"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, TaskRef.parse(name, value))
            elif not isinstance(value, TaskRef):
                raise TypeError(must(name, "a 'project:task' reference", value))
        kind = self.type.upper() if isinstance(self.type, str) else self.type
        if kind not in CROSS_LINK_TYPES:
            other = kind in LINK_TYPES
            raise ValueError(
                must(
                    "type",
                    "FS or FF"
                    + (
                        " (a link between projects waits for the predecessor's finish; "
                        "link to a start milestone of the predecessor's project for SS)"
                        if other
                        else ""
                    ),
                    self.type,
                )
            )
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "lag", real_field("lag", self.lag))

    def __str__(self) -> str:
        lag = f" lag {self.lag:g}" if self.lag else ""
        return f"{self.predecessor} -> {self.successor} ({self.type}{lag})"


@dataclass(frozen=True)
class PortfolioProject:
    """One project of a portfolio: its id there (the ``project`` of ``project:task``) and
    its scenario."""

    id: str
    scenario: Scenario
    source: str = ""

    def __post_init__(self) -> None:
        text_field("id", self.id)
        if ":" in self.id:
            raise ValueError(must("id", "without ':' (it prefixes task ids)", self.id))
        if not isinstance(self.scenario, Scenario):
            raise TypeError(must("scenario", "a Scenario", self.scenario))


@dataclass(frozen=True)
class PortfolioCorrelation:
    """A rank correlation among tasks of several projects (``project:task``)."""

    coefficient: float
    tasks: tuple[TaskRef, ...]

    def __post_init__(self) -> None:
        c = real_field("coefficient", self.coefficient)
        if not -1.0 <= c <= 1.0:
            raise ValueError(must("coefficient", "between -1 and 1", c))
        object.__setattr__(self, "coefficient", c)
        refs = tuple(
            TaskRef.parse(f"items[{k + 1}]", t) if isinstance(t, str) else t
            for k, t in enumerate(as_tuple("items", self.tasks))
        )
        if len(refs) < 2 or len(set(refs)) != len(refs):
            raise ValueError(must("items", "at least two different tasks", [str(r) for r in refs]))
        object.__setattr__(self, "tasks", refs)


@dataclass(frozen=True)
class Portfolio:
    """Projects simulated together, the links and systemic risks between them, and the
    programme's deadline (every project complete) and budget (total cost).

    ``risks`` are systemic: their impacts name tasks as ``project:task``, and each draws
    once per iteration for the whole portfolio (one occurrence, one severity), so it
    strikes every project it names together. ``green``/``amber`` are the thresholds on
    a project's probability of meeting its deadline for its red/amber/green mark.
    """

    name: str
    projects: tuple[PortfolioProject, ...]
    links: tuple[CrossLink, ...] = ()
    risks: tuple[Risk, ...] = ()
    correlations: tuple[PortfolioCorrelation, ...] = ()
    deadline: dt.date | None = None
    budget: float | None = None
    currency: str = ""
    simulation: SimulationSettings = field(default_factory=SimulationSettings)
    green: float = GREEN_AT
    amber: float = AMBER_AT
    source: str | None = None

    def __post_init__(self) -> None:
        text_field("name", self.name)
        for name in ("projects", "links", "risks", "correlations"):
            object.__setattr__(self, name, as_tuple(name, getattr(self, name)))
        if self.deadline is not None:
            object.__setattr__(self, "deadline", as_date("deadline", self.deadline))
        if self.budget is not None:
            budget = real_field("budget", self.budget)
            if budget < 0:
                raise ValueError(must("budget", "0 or more", budget))
            object.__setattr__(self, "budget", budget)
        text_field("currency", self.currency, allow_empty=True)
        for name in ("green", "amber"):
            value = real_field(name, getattr(self, name))
            if not 0.0 <= value <= 1.0:
                raise ValueError(must(name, "a probability between 0 and 1", value))
        if self.amber > self.green:
            raise ValueError(must("amber", f"at most 'green' ({self.green:g})", self.amber))
        problems = list(_check(self))
        if problems:
            raise ScenarioError(problems, source=self.source)
        if not self.currency:
            given = [p.scenario.project.currency for p in self.projects]
            object.__setattr__(self, "currency", next((c for c in given if c), ""))

    # Lookups ----------------------------------------------------------------------------
    def project(self, project_id: str) -> PortfolioProject:
        for p in self.projects:
            if p.id == project_id:
                return p
        raise KeyError(f"no project {project_id!r} in the portfolio")

    @property
    def project_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.projects)

    def order(self) -> tuple[str, ...]:
        """Project ids with every project after the projects it links from (file order
        among the rest)."""
        graph = nx.DiGraph()
        graph.add_nodes_from(self.project_ids)
        graph.add_edges_from((k.predecessor.project, k.successor.project) for k in self.links)
        rank = {pid: i for i, pid in enumerate(self.project_ids)}
        return tuple(nx.lexicographical_topological_sort(graph, key=rank.__getitem__))

    def risks_of(self, project_id: str) -> tuple[Risk, ...]:
        """The systemic risks that hit ``project_id``, their impacts cut to its tasks
        (with bare task ids), as risks of its scenario; a risk's cost (and its
        response cost) only in the first project it hits, so the total counts it once."""
        out = []
        for r in self.risks:
            impacts = []
            for imp in r.impacts:
                tasks = [ref.task for ref in map(_ref, imp.tasks) if ref.project == project_id]
                if tasks:
                    impacts.append(dataclasses.replace(imp, tasks=tuple(tasks)))
            if impacts:
                cut = dataclasses.replace(r, impacts=tuple(impacts))
                if self.hit_by(r.id)[0] != project_id:
                    # Its cost, and the response's, count once: in the first project hit.
                    cut = dataclasses.replace(cut, cost=None)
                    if cut.mitigated is not None:
                        cut = dataclasses.replace(
                            cut,
                            mitigated=dataclasses.replace(
                                cut.mitigated, cost=None, response_cost=0.0
                            ),
                        )
                if r.mitigated is not None and r.mitigated.impacts is not None:
                    mitigated = [
                        dataclasses.replace(imp, tasks=tuple(t.task for t in own))
                        for imp in r.mitigated.impacts
                        if (own := [t for t in map(_ref, imp.tasks) if t.project == project_id])
                    ]
                    # Mitigated impacts replace those on the tasks they name (none of
                    # this project's: its impacts stay as they are).
                    cut = dataclasses.replace(
                        cut,
                        mitigated=dataclasses.replace(
                            cut.mitigated, impacts=tuple(mitigated) if mitigated else None
                        ),
                    )
                out.append(cut)
        return tuple(out)

    def hit_by(self, risk_id: str) -> tuple[str, ...]:
        """Ids of the projects a systemic risk's impacts name (file order)."""
        for r in self.risks:
            if r.id == risk_id:
                named = {_ref(t).project for imp in r.impacts for t in imp.tasks}
                return tuple(p for p in self.project_ids if p in named)
        raise KeyError(f"no systemic risk {risk_id!r}")

    def links_into(self, project_id: str) -> tuple[CrossLink, ...]:
        return tuple(k for k in self.links if k.successor.project == project_id)

    def links_from(self, project_id: str) -> tuple[CrossLink, ...]:
        return tuple(k for k in self.links if k.predecessor.project == project_id)

    def downstream(self, project_id: str) -> tuple[str, ...]:
        """``project_id`` and every project that links from it, directly or not (in
        ``order``)."""
        graph = nx.DiGraph()
        graph.add_nodes_from(self.project_ids)
        graph.add_edges_from((k.predecessor.project, k.successor.project) for k in self.links)
        reach = nx.descendants(graph, project_id) | {project_id}
        return tuple(p for p in self.order() if p in reach)


def _ref(text: str) -> TaskRef:
    return TaskRef.parse("tasks", text)


def _check(pf: Portfolio) -> Iterable[Problem]:
    """Every problem with the projects and the references between them."""
    if not pf.projects:
        yield Problem("projects", "the portfolio has no projects: add [[projects]] entries")
        return
    seen: dict[str, int] = {}
    scopes: dict[str, str] = {}
    tasks: dict[str, set[str]] = {}
    for i, p in enumerate(pf.projects):
        where = f"projects[{i + 1}] (id {p.id!r})"
        if p.id in seen:
            yield Problem(where, f"duplicate project id {p.id!r} (also projects[{seen[p.id]}])")
            continue
        seen[p.id] = i + 1
        tasks[p.id] = set(p.scenario.task_ids)
        scope = p.scenario.project.id
        if scope in scopes:
            # The project id keys the random numbers: two projects with one would draw
            # the same numbers for their tasks of the same name.
            yield Problem(
                where,
                f"its scenario's project id {scope!r} is also that of project "
                f"{scopes[scope]!r}: project ids key the random numbers, so each project "
                "needs its own (set 'id' in its [project] table, or 'project_id' here for "
                "a schedule file)",
            )
        scopes.setdefault(scope, p.id)
    currencies = {p.id: p.scenario.project.currency for p in pf.projects}
    named = {pid: c for pid, c in currencies.items() if c}
    if pf.currency:
        for pid, c in named.items():
            if c != pf.currency:
                yield Problem(
                    f"project {pid!r}",
                    f"its currency {c!r} is not the portfolio's {pf.currency!r}: one currency "
                    "per portfolio (convert the project's costs, or set its currency)",
                )
    elif len(set(named.values())) > 1:
        (a, ca), (b, cb) = next(
            ((x, named[x]), (y, named[y])) for x in named for y in named if named[x] != named[y]
        )
        yield Problem(
            "currency",
            f"project {a!r} counts in {ca!r} and project {b!r} in {cb!r}: one currency per "
            "portfolio (convert one, and set 'currency' in [portfolio])",
        )

    def ref_problem(where: str, ref: TaskRef) -> Problem | None:
        if ref.project not in tasks:
            return Problem(
                where,
                f"unknown project {ref.project!r} in {str(ref)!r} (projects: {', '.join(tasks)})",
            )
        if ref.task not in tasks[ref.project]:
            return Problem(where, f"project {ref.project!r} has no task {ref.task!r}")
        return None

    ok_links = []
    for i, k in enumerate(pf.links):
        where = f"links[{i + 1}] ({k})"
        bad = [q for q in (ref_problem(where, k.predecessor), ref_problem(where, k.successor)) if q]
        yield from bad
        if bad:
            continue
        if k.predecessor.project == k.successor.project:
            yield Problem(
                where,
                "links a project to itself: put the link in the project's own scenario",
            )
            continue
        ok_links.append(k)
    yield from _cycle_problems(pf, ok_links)
    risk_ids: set[str] = set()
    for i, r in enumerate(pf.risks):
        where = f"risks[{i + 1}] (id {r.id!r})"
        if r.id in risk_ids:
            yield Problem(where, f"duplicate risk id {r.id!r}")
        risk_ids.add(r.id)
        hit: set[str] = set()
        groups = [r.impacts] + (
            [r.mitigated.impacts] if r.mitigated and r.mitigated.impacts else []
        )
        for impacts in groups:
            for imp in impacts:
                for t in imp.tasks:
                    try:
                        ref = _ref(t)
                    except ValueError as exc:
                        yield Problem(where, str(exc))
                        continue
                    problem = ref_problem(where, ref)
                    if problem is not None:
                        yield problem
                    else:
                        hit.add(ref.project)
        for pid in sorted(hit, key=list(tasks).index):
            own = {x.id for x in pf.project(pid).scenario.risks}
            if r.id in own:
                yield Problem(
                    where,
                    f"project {pid!r} has a risk with the id {r.id!r} too: give the "
                    "systemic risk an id of its own",
                )
    for i, c in enumerate(pf.correlations):
        where = f"correlations[{i + 1}]"
        for ref in c.tasks:
            problem = ref_problem(where, ref)
            if problem is not None:
                yield problem


def _cycle_problems(pf: Portfolio, links: list[CrossLink]) -> Iterable[Problem]:
    """A cycle of logic through several projects (named task by task), or links that run
    both ways between projects (the portfolio is simulated project by project)."""
    if not links:
        return
    projects = nx.DiGraph()
    projects.add_edges_from((k.predecessor.project, k.successor.project) for k in links)
    if nx.is_directed_acyclic_graph(projects):
        return
    graph = nx.DiGraph()
    for p in pf.projects:
        for t in p.scenario.tasks:
            for link in t.predecessors:
                graph.add_edge(f"{p.id}:{link.predecessor}", f"{p.id}:{t.id}")
    graph.add_edges_from((str(k.predecessor), str(k.successor)) for k in links)
    try:
        cycle = [u for u, _ in nx.find_cycle(graph)]
    except nx.NetworkXNoCycle:
        cycle = []
    if cycle:
        path = " -> ".join([*cycle, cycle[0]])
        yield Problem("links", f"the logic has a cycle through several projects: {path}")
        return
    loop = [u for u, _ in nx.find_cycle(projects)]
    yield Problem(
        "links",
        "links run both ways between projects "
        f"({' -> '.join([*loop, loop[0]])}): a portfolio is simulated project by project, "
        "each after the projects it waits for, so links between two projects must all run "
        "one way (merge such projects into one scenario)",
    )
