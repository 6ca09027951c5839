"""The scenario model: frozen, validated value objects describing a project.

Every reader (TOML scenario files, and later schedule imports) produces these objects,
and the Python API accepts them directly, so a scenario can be built in code::

    from pmo_sim import Scenario, Project, Task, Link, Triangular
    scenario = Scenario(
        project=Project(name="Demo", start=datetime.date(2027, 1, 4)),
        tasks=(Task("a", duration=Triangular(2, 3, 5)),
               Task("b", duration=4, predecessors=(Link("a"),))),
    )

Each object checks its own fields on construction; ``Scenario`` checks the references
between them (unknown or duplicate ids, cycles) and reports every problem at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .branches import Branch
from .calendar import Calendar, as_date, as_moment, day_of, later, moment_text
from .errors import Problem, ScenarioError, must
from .fields import as_tuple, real_field, text_field
from .graph import find_cycle
from .resources import Resource, capacity_problems, resource_calendar_problems, resource_problems
from .risk_logic import risk_logic_problems
from .risks import Risk
from .tasks import Task

#: Calendar on which link lags count.
LAG_CALENDARS = ("successor", "predecessor", "project")


#: The longest ``Project.id`` (the history keeps ids of up to this many characters).
PROJECT_ID_LIMIT = 200


def slug(text: str) -> str:
    """``text`` as a lower-case identifier of letters, digits and dashes ("project" if
    none is left), at most ``PROJECT_ID_LIMIT`` characters: the default ``Project.id``."""
    out = re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-")
    return out[:PROJECT_ID_LIMIT].rstrip("-") or "project"


#: How an as-late-as-possible task is dated (``Project.alap_float``).
ALAP_FLOATS = ("free", "total")
SAMPLING_METHODS = ("lhs", "random")


@dataclass(frozen=True)
class Correlation:
    """A rank correlation among the durations of ``tasks``, the impacts of ``risks`` or
    the rates of ``resources`` (one kind per group)."""

    coefficient: float
    tasks: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        c = real_field("coefficient", self.coefficient)
        if not -1.0 <= c <= 1.0:
            raise ValueError(must("coefficient", "between -1 and 1", c))
        object.__setattr__(self, "coefficient", c)
        lists = {
            "tasks": as_tuple("tasks", self.tasks),
            "risks": as_tuple("risks", self.risks),
            "resources": as_tuple("resources", self.resources),
        }
        given = [name for name, items in lists.items() if items]
        if len(given) > 1:
            raise ValueError(
                "a correlation group lists one of 'tasks', 'risks' or 'resources', not "
                + " and ".join(repr(x) for x in given)
            )
        name = given[0] if given else "tasks"
        items = lists[name]
        for k, item in enumerate(items):
            text_field(f"{name}[{k + 1}]", item)  # an id: text, not a number
        if len(items) < 2:
            raise ValueError(must(name, "a list of at least two ids", list(items)))
        if len(set(items)) != len(items):
            raise ValueError(must(name, "without repeated ids", list(items)))
        for key, value in lists.items():
            object.__setattr__(self, key, value)

    @property
    def kind(self) -> str:
        """What the group correlates: ``"task"``, ``"risk"`` or ``"resource"``."""
        return "risk" if self.risks else "resource" if self.resources else "task"

    @property
    def items(self) -> tuple[str, ...]:
        return self.tasks or self.risks or self.resources


@dataclass(frozen=True)
class Project:
    """Project-level facts: start date, calendars, data date, and the targets to test
    confidence on.

    ``calendar`` is the project calendar; ``calendars`` names further calendars that
    tasks may work on (``Task.calendar``), as a mapping or pairs of name and Calendar.
    Link lags count working days of ``lag_calendar``: the ``"successor"``'s calendar
    (the default), the ``"predecessor"``'s, or the ``"project"`` calendar. With a
    ``data_date`` (a status date), nothing is scheduled before it: complete tasks keep
    their actual dates and tasks in progress work their remaining duration from it.

    ``open_ended_critical`` (P6's "make open-ended activities critical") gives each
    task without successors its early finish as its late finish in the deterministic
    schedule: no float, and the float of the paths into it counted from there. It
    changes no early date, nor the simulation, whose criticality index counts paths to
    the project finish.

    ``id`` names the project in a history of recorded runs (``pmo_sim.history``);
    it defaults to a slug of ``name`` ("Office move" is ``office-move``).

    ``constraints_override_logic`` (MS Project's "tasks will always honor their
    constraint dates") lets a binding start- or finish-no-later-than constraint pull a
    task's early dates back to its date, before its predecessors allow (P6, the
    default, keeps such constraints for late dates and float). ``alap_float`` says how
    an as-late-as-possible task is dated: ``"free"`` (P6: within its free float, no
    other task moves) or ``"total"`` (MS Project: at its late dates, its successors
    following). Both change the deterministic schedule; iterations schedule every task
    as soon as possible, no-later-than constraints honoured where the project says so.
    """

    name: str
    start: dt.date
    calendar: Calendar = field(default_factory=Calendar)
    deadline: dt.date | None = None
    budget: float | None = None
    currency: str = ""
    calendars: tuple[tuple[str, Calendar], ...] = ()
    lag_calendar: str = "successor"
    data_date: dt.date | None = None
    open_ended_critical: bool = False
    constraints_override_logic: bool = False
    alap_float: str = "free"
    id: str = ""

    def __post_init__(self) -> None:
        text_field("name", self.name)
        text_field("id", self.id, allow_empty=True)
        object.__setattr__(self, "id", self.id.strip() or slug(self.name))
        if len(self.id) > PROJECT_ID_LIMIT:
            raise ValueError(
                must("id", f"at most {PROJECT_ID_LIMIT} characters", f"{len(self.id)} characters")
            )
        for name in ("open_ended_critical", "constraints_override_logic"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(must(name, "true or false", getattr(self, name)))
        if self.alap_float not in ALAP_FLOATS:
            raise ValueError(must("alap_float", '"free" or "total"', self.alap_float))
        object.__setattr__(self, "start", as_date("start", self.start))
        if not isinstance(self.calendar, Calendar):
            raise TypeError(must("calendar", "a Calendar", self.calendar))
        pairs = self.calendars.items() if isinstance(self.calendars, Mapping) else self.calendars
        named = []
        for i, pair in enumerate(as_tuple("calendars", pairs)):
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise TypeError(must(f"calendars[{i + 1}]", "a (name, Calendar) pair", pair))
            name, cal = pair
            text_field(f"calendars[{i + 1}] name", name)
            if not isinstance(cal, Calendar):
                raise TypeError(must(f"calendars.{name}", "a Calendar", cal))
            named.append((name, cal))
        if len({n for n, _ in named}) != len(named):
            raise ValueError("calendar names must be unique")
        object.__setattr__(self, "calendars", tuple(named))
        if self.lag_calendar not in LAG_CALENDARS:
            raise ValueError(
                must("lag_calendar", '"successor", "predecessor" or "project"', self.lag_calendar)
            )
        if self.data_date is not None:
            dd = as_moment("data_date", self.data_date)
            if day_of(dd) < self.start:
                raise ValueError(
                    must("data_date", f"on or after 'start' ({self.start})", moment_text(dd))
                )
            object.__setattr__(self, "data_date", dd)
        if self.deadline is not None:
            deadline = as_date("deadline", self.deadline)
            if deadline < self.start:
                raise ValueError(
                    must("deadline", f"on or after 'start' ({self.start})", deadline.isoformat())
                )
            object.__setattr__(self, "deadline", deadline)
        if self.budget is not None:
            budget = real_field("budget", self.budget)
            if budget < 0:
                raise ValueError(must("budget", "0 or more", budget))
            object.__setattr__(self, "budget", budget)
        text_field("currency", self.currency, allow_empty=True)

    def calendar_of(self, name: str) -> Calendar:
        """The calendar called ``name`` ("" for the project calendar)."""
        if not name:
            return self.calendar
        for n, cal in self.calendars:
            if n == name:
                return cal
        raise KeyError(f"no calendar named {name!r}")


@dataclass(frozen=True)
class SimulationSettings:
    """How to simulate: iterations, seed and sampling method (``lhs`` or ``random``)."""

    iterations: int = 10_000
    seed: int = 1
    sampling: str = "lhs"
    #: Resource-levelled simulation: every iteration schedules the tasks by a serial
    #: schedule-generation scheme within the resources' capacities.
    levelling: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.iterations, bool) or not isinstance(self.iterations, int):
            raise TypeError(must("iterations", "a whole number", self.iterations))
        if self.iterations < 1:
            raise ValueError(must("iterations", "at least 1", self.iterations))
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise TypeError(must("seed", "a whole number", self.seed))
        if not 0 <= self.seed < 2**63:
            raise ValueError(must("seed", "between 0 and 2**63 - 1", self.seed))
        if self.sampling not in SAMPLING_METHODS:
            raise ValueError(must("sampling", '"lhs" or "random"', self.sampling))
        if not isinstance(self.levelling, bool):
            raise TypeError(must("levelling", "true or false", self.levelling))


def _where(kind: str, index: int, ident: Any = None) -> str:
    """Where an entry is, counted from 1 as a user counts ``[[tasks]]`` entries in a file."""
    return (
        f"{kind}[{index + 1}] (id {ident!r})" if isinstance(ident, str) else f"{kind}[{index + 1}]"
    )


@dataclass(frozen=True)
class Scenario:
    """A whole project to simulate: tasks, risks, correlations and settings.

    Construction checks every reference between the parts and raises a single
    ``ScenarioError`` listing all problems found.
    """

    project: Project
    tasks: tuple[Task, ...]
    risks: tuple[Risk, ...] = ()
    correlations: tuple[Correlation, ...] = ()
    simulation: SimulationSettings = field(default_factory=SimulationSettings)
    source: str | None = None
    branches: tuple[Branch, ...] = ()
    resources: tuple[Resource, ...] = ()

    def __post_init__(self) -> None:
        for name in ("tasks", "risks", "correlations", "branches", "resources"):
            object.__setattr__(self, name, as_tuple(name, getattr(self, name)))
        problems = list(_cross_check(self))
        if problems:
            raise ScenarioError(problems, source=self.source)

    @property
    def task_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.tasks)

    def task(self, task_id: str) -> Task:
        """The task with this id."""
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise KeyError(f"no task with id {task_id!r}")

    def with_task(self, task_id: str, **changes: Any) -> Scenario:
        """A new scenario with the fields of task ``task_id`` replaced by ``changes``.

        Scenarios and tasks are frozen: this is how to change one task of a loaded
        scenario (``s.with_task("build", duration=Triangular(30, 40, 70))``). The new
        task and scenario are validated as on construction; ``self`` is unchanged.

        Parameters
        ----------
        task_id : str
            The id of the task to change.
        **changes
            New values of ``Task`` fields (``duration``, ``predecessors``, ``cost``,
            ``name``, ...), as ``Task`` takes them.

        Raises
        ------
        KeyError
            No task has this id (the message names close matches).
        TypeError
            A keyword is not a ``Task`` field, or a value has the wrong type.
        ValueError
            A value breaks a task rule (the message names the task).
        ScenarioError
            The changed task breaks a reference (an unknown predecessor, a cycle).
        """
        index = next((i for i, t in enumerate(self.tasks) if t.id == task_id), None)
        if index is None:
            near = difflib.get_close_matches(str(task_id), self.task_ids, n=3)
            hint = f"; did you mean {' or '.join(map(repr, near))}?" if near else ""
            raise KeyError(f"no task with id {task_id!r}{hint}")
        names = [f.name for f in dataclasses.fields(Task) if f.init]
        for key in changes:
            if key not in names:
                near = difflib.get_close_matches(key, names, n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise TypeError(
                    f"Task has no field {key!r}{hint}; its fields are: {', '.join(names)}"
                )
        try:
            task = dataclasses.replace(self.tasks[index], **changes)
        except (TypeError, ValueError) as exc:
            kind = TypeError if isinstance(exc, TypeError) else ValueError
            raise kind(f"task {task_id!r}: {exc}") from None
        tasks = (*self.tasks[:index], task, *self.tasks[index + 1 :])
        return dataclasses.replace(self, tasks=tasks)

    @property
    def timeline(self) -> Calendar:
        """The calendar the engine's time runs on: the project calendar, or with task
        calendars, their union (a day any calendar works). Offsets in results count its
        working days."""
        cached = self.__dict__.get("_timeline")
        if cached is None:
            p = self.project
            used = {t.calendar for t in self.tasks if t.calendar}
            extra = [p.calendar_of(n) for n in sorted(used)]
            cached = Calendar.union([p.calendar, *extra])
            object.__setattr__(self, "_timeline", cached)
        return cached

    @property
    def has_calendars(self) -> bool:
        """True when some task, or the lags, count on a calendar other than the timeline."""
        tl, p = self.timeline, self.project
        if p.lag_calendar == "project" and p.calendar != tl:
            return True
        return any(p.calendar_of(t.calendar) != tl for t in self.tasks)

    @property
    def has_finish_constraints(self) -> bool:
        """True when some task has a finish-no-earlier-than, a mandatory date or a
        late-date constraint (the general passes hold them)."""
        return any(t.has_finish_constraint for t in self.tasks)

    @property
    def has_progress(self) -> bool:
        return self.project.data_date is not None

    @property
    def open_from(self) -> dt.date | None:
        """The data date while some task is not complete: no open work, a milestone
        included, is dated before it (its morning and the end of the working day before
        it are one time offset, and open work is at or after the data date)."""
        dd = self.project.data_date
        if dd is None or all(t.status == "complete" for t in self.tasks):
            return None
        return dd

    def not_before_data_date(self, dates: Any, open_rows: Any = True) -> Any:
        """``dates`` (datetime64) with those of open work (``open_rows``) moved up to
        the data date; see ``open_from``."""
        floor = self.open_from
        if floor is None:
            return dates
        moved = np.maximum(dates, np.datetime64(floor, "D"))
        return np.where(open_rows, moved, dates)[()]  # [()]: a scalar stays a scalar

    @property
    def has_mitigations(self) -> bool:
        return any(r.mitigated is not None for r in self.risks)

    def with_levelling(self, on: bool = True) -> Scenario:
        """This scenario with resource levelling on (or off) in every iteration
        (``SimulationSettings.levelling``); validated again (levelling refuses a task
        that demands more units than a resource's capacity)."""
        if self.simulation.levelling == on:
            return self
        return dataclasses.replace(
            self, simulation=dataclasses.replace(self.simulation, levelling=bool(on))
        )

    def mitigated(self) -> Scenario:
        """The post-mitigation scenario: every risk replaced by its mitigated state."""
        return dataclasses.replace(self, risks=tuple(r.state(True) for r in self.risks))


def _cross_check(s: Scenario) -> Iterable[Problem]:
    """Every problem in the parts of a scenario and the references between them."""
    if not isinstance(s.project, Project):
        yield Problem("project", must("project", "a Project", s.project))
    if not isinstance(s.simulation, SimulationSettings):
        yield Problem("simulation", must("simulation", "a SimulationSettings", s.simulation))
    if not s.tasks:
        yield Problem("tasks", "the scenario has no tasks: add at least one [[tasks]] entry")
    if isinstance(s.project, Project):
        yield from calendar_and_progress_problems(s.project, s.tasks)
    yield from reference_problems(s.tasks, s.risks, s.correlations)
    yield from risk_logic_problems(s.tasks, s.risks, s.branches)
    tasks = [t for t in s.tasks if isinstance(t, Task)]
    yield from resource_problems(s.resources, tasks, s.correlations)
    if isinstance(s.project, Project):
        yield from resource_calendar_problems(s.project, s.resources, tasks)
    if isinstance(s.simulation, SimulationSettings) and s.simulation.levelling:
        yield from capacity_problems(s.resources, tasks)


def calendar_and_progress_problems(project: Project, tasks: Sequence[Any]) -> Iterable[Problem]:
    """Task calendars that are not defined; progress without a data date or after it."""
    names = {n for n, _ in project.calendars}
    dd = project.data_date
    for i, t in enumerate(tasks):
        if not isinstance(t, Task):
            continue
        where = _where("tasks", i, t.id)
        if t.calendar and t.calendar not in names:
            known = ", ".join(sorted(names)) or "none"
            yield Problem(
                f"{where}.calendar",
                f"unknown calendar {t.calendar!r} (defined: {known}); define it under "
                "[calendars] or leave 'calendar' out for the project calendar",
            )
        for name in ("mandatory_start", "mandatory_finish"):
            day = getattr(t, name)
            if day is not None and day_of(day) < project.start:
                # A hard date overrides the logic: before the start it would date work
                # before the project exists.
                yield Problem(
                    f"{where}.{name}",
                    must(
                        name, f"on or after the project start ({project.start})", moment_text(day)
                    ),
                )
        if not t.started:
            continue
        if dd is None:
            yield Problem(
                f"{where}.status",
                f"the task is {t.status!r} but the project has no 'data_date' (the status "
                "date progress was recorded at); add one to [project]",
            )
            continue
        for name in ("actual_start", "actual_finish"):
            day = getattr(t, name)
            if day is None:
                continue
            if day_of(day) < project.start:
                yield Problem(
                    f"{where}.{name}",
                    must(
                        name, f"on or after the project start ({project.start})", moment_text(day)
                    ),
                )
            if later(day, dd):
                yield Problem(
                    f"{where}.{name}",
                    must(
                        name,
                        f"on or before the data date ({moment_text(dd)}): it is an actual",
                        moment_text(day),
                    ),
                )


def reference_problems(
    tasks: Sequence[Any],
    risks: Sequence[Any],
    correlations: Sequence[Any],
    *,
    skip_unread: bool = False,
) -> Iterable[Problem]:
    """Problems in the references between tasks, links, risks and correlations:
    duplicate and unknown ids, self-links and cycles.

    With ``skip_unread``, a ``None`` entry stands for one that could not be read (a file
    entry with errors of its own): it is skipped, and the entries after it keep their
    places.
    """
    ids: dict[str, int] = {}
    for i, t in enumerate(tasks):
        if t is None and skip_unread:
            continue
        if not isinstance(t, Task):
            yield Problem(_where("tasks", i), must("tasks", "a list of Task objects", t))
            continue
        if t.id in ids:
            yield Problem(
                _where("tasks", i, t.id),
                f"duplicate task id {t.id!r} (first used by tasks[{ids[t.id] + 1}]); "
                "give every task its own id",
            )
        else:
            ids[t.id] = i
    for i, t in enumerate(tasks):
        if not isinstance(t, Task):
            continue
        for k, link in enumerate(t.predecessors):
            if link.predecessor not in ids:
                yield Problem(
                    f"{_where('tasks', i, t.id)}.predecessors[{k + 1}]",
                    f"unknown task id {link.predecessor!r}: no task has that id",
                )
            elif link.predecessor == t.id:
                yield Problem(
                    f"{_where('tasks', i, t.id)}.predecessors[{k + 1}]",
                    "a task cannot be its own predecessor",
                )
    risk_ids: dict[str, int] = {}
    for i, r in enumerate(risks):
        if r is None and skip_unread:
            continue
        if not isinstance(r, Risk):
            yield Problem(_where("risks", i), must("risks", "a list of Risk objects", r))
            continue
        if r.id in risk_ids:
            yield Problem(
                _where("risks", i, r.id),
                f"duplicate risk id {r.id!r} (first used by risks[{risk_ids[r.id] + 1}])",
            )
        else:
            risk_ids[r.id] = i
        groups = [("impacts", r.impacts)]
        if r.mitigated is not None and r.mitigated.impacts is not None:
            groups.append(("mitigated.impacts", r.mitigated.impacts))
        for label, impacts in groups:
            for k, imp in enumerate(impacts):
                for m, tid in enumerate(imp.tasks):
                    if tid not in ids:
                        yield Problem(
                            f"{_where('risks', i, r.id)}.{label}[{k + 1}].tasks[{m + 1}]",
                            f"unknown task id {tid!r}: no task has that id",
                        )
    pairs: dict[tuple[str, str, str], tuple[float, int]] = {}
    for i, c in enumerate(correlations):
        if c is None and skip_unread:
            continue
        if not isinstance(c, Correlation):
            yield Problem(
                _where("correlations", i), must("correlations", "a list of Correlation objects", c)
            )
            continue
        kind = c.kind
        for a, b in itertools.combinations(c.items, 2):
            key = (kind, *sorted((a, b)))
            if key in pairs and pairs[key][0] != c.coefficient:
                yield Problem(
                    _where("correlations", i),
                    f"the pair ({a!r}, {b!r}) already has coefficient {pairs[key][0]:g} from "
                    f"correlations[{pairs[key][1] + 1}]; give each pair one coefficient",
                )
            pairs.setdefault(key, (c.coefficient, i))
        if kind == "resource":
            continue  # checked with the resources (model.resources.resource_problems)
        known = ids if kind == "task" else risk_ids
        for m, item in enumerate(c.items):
            if item not in known:
                yield Problem(
                    f"{_where('correlations', i)}.{kind}s[{m + 1}]",
                    f"unknown {kind} id {item!r}: no {kind} has that id",
                )
    valid = [t for t in tasks if isinstance(t, Task)]
    if len(ids) == len(valid) and all(
        link.predecessor in ids and link.predecessor != t.id
        for t in valid
        for link in t.predecessors
    ):
        cycle = find_cycle(valid)
        if cycle:
            path = " -> ".join([*cycle, cycle[0]])
            yield Problem(
                "tasks", f"the logic has a cycle: {path}; remove or reverse one of these links"
            )
