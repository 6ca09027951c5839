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

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .calendar import Calendar, _as_date
from .distributions import Distribution, Fixed, distribution_from_mapping
from .errors import Problem, ScenarioError, must

LINK_TYPES = ("FS", "SS", "FF", "SF")
#: Task progress states. Durations of tasks in progress are their remaining durations.
STATUSES = ("not started", "in progress", "complete")
#: Calendar on which link lags count.
LAG_CALENDARS = ("successor", "predecessor", "project")
SAMPLING_METHODS = ("lhs", "random")
RISK_TYPES = ("threat", "opportunity")


def _text(name: str, value: Any, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise TypeError(must(name, "a string", value))
    if not allow_empty and not value.strip():
        raise ValueError(must(name, "a non-empty string", value))
    return value


def _real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(must(name, "a number", value))
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(must(name, "a finite number", value))
    return value


#: Working days a duration, lag or delay may reach (about 380 years): beyond it dates
#: leave the calendar's range and only a mistyped unit (hours for days, a stray
#: exponent) gets there.
MAX_DAYS = 100_000.0


def _within_days(name: str, lo: float, hi: float, typical: float, given: Any) -> None:
    """Refuse working days beyond ``MAX_DAYS``: a finite bound of the range, or its
    typical value (mean or mode) where a bound is infinite (a normal's tails)."""
    reach = max((abs(x) for x in (lo, hi, typical) if math.isfinite(x)), default=0.0)
    if reach > MAX_DAYS:
        raise ValueError(
            must(
                name,
                f"at most {MAX_DAYS:,.0f} working days: it reaches {reach:.4g} "
                "(a duration in hours or minutes given as days?)",
                given,
            )
        )


def _tuple(name: str, value: Any) -> tuple:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(must(name, "a list", value))
    return tuple(value)


def _dist(name: str, value: Any) -> Distribution:
    try:
        return distribution_from_mapping(value, name)
    except (TypeError, ValueError) as exc:
        # Say which field the distribution belongs to.
        raise type(exc)(f"{name}: {exc}") from None


@dataclass(frozen=True)
class Link:
    """A logic link from ``predecessor`` to the task that lists it.

    ``type`` is FS (finish-to-start, default), SS, FF or SF; ``lag`` is in working days,
    fractional and negative (a lead) allowed.
    """

    predecessor: str
    type: str = "FS"
    lag: float = 0.0

    def __post_init__(self) -> None:
        _text("id", self.predecessor)
        kind = self.type.upper() if isinstance(self.type, str) else self.type
        if kind not in LINK_TYPES:
            raise ValueError(must("type", f"one of {', '.join(LINK_TYPES)}", self.type))
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "lag", _real("lag", self.lag))
        _within_days("lag", self.lag, self.lag, self.lag, self.lag)


@dataclass(frozen=True)
class TaskCost:
    """Cost of a task: a fixed part (number or distribution) plus a rate per working day.

    The time-dependent part is ``per_day`` times the task's (sampled) duration.
    """

    fixed: Distribution = field(default_factory=lambda: Fixed(0.0))
    per_day: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "fixed", _dist("fixed", self.fixed))
        object.__setattr__(self, "per_day", _real("per_day", self.per_day))

    @property
    def is_zero(self) -> bool:
        return self.per_day == 0.0 and self.fixed.support == (0.0, 0.0)


@dataclass(frozen=True)
class Task:
    """An activity of the schedule.

    Parameters
    ----------
    id : str
        Unique identifier, referenced by links, risks and correlations.
    duration : Distribution or number
        Working days; a number is a fixed duration. Milestones default to 0.
    name : str
        Display name (defaults to ``id``).
    predecessors : tuple of Link or str
        Incoming logic links; a bare id is a finish-to-start link without lag.
    cost : TaskCost, optional
    milestone : bool
        Report this task's finish in every iteration (a key date).
    wbs : str
        Work breakdown structure path, for grouping in reports.
    start_no_earlier_than : datetime.date, optional
        A start-no-earlier-than constraint.
    calendar : str
        Name of the calendar the task works on (one of ``Project.calendars``); empty for
        the project calendar. Durations count working days of this calendar.
    status : str
        ``"not started"``, ``"in progress"`` (``duration`` is then the remaining
        duration, worked from the data date) or ``"complete"`` (fixed at its actual dates).
    actual_start, actual_finish : datetime.date, optional
        Actual dates: a task in progress has an actual start, a complete task both.
    """

    id: str
    duration: Distribution | float | None = None
    name: str = ""
    predecessors: tuple[Link, ...] = ()
    cost: TaskCost | None = None
    milestone: bool = False
    wbs: str = ""
    start_no_earlier_than: dt.date | None = None
    calendar: str = ""
    status: str = "not started"
    actual_start: dt.date | None = None
    actual_finish: dt.date | None = None

    def __post_init__(self) -> None:
        _text("id", self.id)
        if not isinstance(self.milestone, bool):
            raise TypeError(must("milestone", "true or false", self.milestone))
        _text("calendar", self.calendar, allow_empty=True)
        self._check_progress()
        if self.duration is None:
            if not (self.milestone or self.status == "complete"):
                raise ValueError(
                    "'duration' is required (a number of working days or a distribution); "
                    "only a milestone may leave it out"
                )
            object.__setattr__(self, "duration", Fixed(0.0))
        duration = _dist("duration", self.duration)
        lo, hi = duration.support
        if lo < 0:
            raise ValueError(
                must(
                    "duration",
                    f"non-negative: its distribution reaches {lo:.4g} working days",
                    duration.as_given,
                )
            )
        _within_days("duration", lo, hi, duration.deterministic, duration.as_given)
        object.__setattr__(self, "duration", duration)
        object.__setattr__(self, "name", _text("name", self.name, allow_empty=True) or self.id)
        links = []
        for i, link in enumerate(_tuple("predecessors", self.predecessors)):
            if isinstance(link, str):
                link = Link(link)
            elif not isinstance(link, Link):
                raise TypeError(must(f"predecessors[{i + 1}]", "a task id or a Link", link))
            links.append(link)
        object.__setattr__(self, "predecessors", tuple(links))
        if self.cost is not None and not isinstance(self.cost, TaskCost):
            raise TypeError(must("cost", "a TaskCost", self.cost))
        _text("wbs", self.wbs, allow_empty=True)
        if self.start_no_earlier_than is not None:
            object.__setattr__(
                self,
                "start_no_earlier_than",
                _as_date("start_no_earlier_than", self.start_no_earlier_than),
            )

    def _check_progress(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(
                must("status", '"not started", "in progress" or "complete"', self.status)
            )
        for name in ("actual_start", "actual_finish"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _as_date(name, value))
        start, finish = self.actual_start, self.actual_finish
        if self.status == "not started" and (start or finish):
            raise ValueError(
                "a task with actual dates has started: set 'status' to \"in progress\" or "
                '"complete", or remove the actual dates'
            )
        if self.status != "not started" and start is None:
            raise ValueError(f"'actual_start' is required for a task {self.status!r}")
        if self.status == "in progress" and finish is not None:
            raise ValueError(
                "a task in progress has no 'actual_finish': set 'status' to \"complete\" or "
                "remove the actual finish"
            )
        if self.status == "complete":
            if finish is None:
                raise ValueError("'actual_finish' is required for a complete task")
            if finish < start:
                raise ValueError(
                    must(
                        "actual_finish", f"on or after 'actual_start' ({start})", finish.isoformat()
                    )
                )

    @property
    def started(self) -> bool:
        return self.status != "not started"


@dataclass(frozen=True)
class Impact:
    """What a risk does to its tasks when it occurs.

    ``delay`` adds working days (one draw per iteration, shared by all ``tasks``);
    ``factor`` multiplies each task's sampled duration. At least one is given.
    """

    tasks: tuple[str, ...]
    delay: Distribution | None = None
    factor: Distribution | None = None

    def __post_init__(self) -> None:
        tasks = _tuple("tasks", self.tasks)
        if not tasks:
            raise ValueError(must("tasks", "a non-empty list of task ids", list(tasks)))
        for i, t in enumerate(tasks):
            _text(f"tasks[{i + 1}]", t)
        object.__setattr__(self, "tasks", tasks)
        if self.delay is None and self.factor is None:
            raise ValueError(
                "an impact needs a 'delay' (working days) or a 'factor' (duration multiplier)"
            )
        if self.delay is not None:
            object.__setattr__(self, "delay", _dist("delay", self.delay))
            delay = self.delay
            _within_days("delay", *delay.support, delay.deterministic, delay.as_given)
        if self.factor is not None:
            factor = _dist("factor", self.factor)
            if not factor.support[0] > 0:
                raise ValueError(
                    must("factor", "greater than 0 over its whole range", factor.as_given)
                )
            object.__setattr__(self, "factor", factor)

    @property
    def direction(self) -> int:
        """+1 if it can only lengthen work, -1 if it can only shorten it, 0 if it is mixed
        or neutral (a delay of exactly 0 or a factor of exactly 1 fits either type)."""
        signs = set()
        for dist, neutral in ((self.delay, 0.0), (self.factor, 1.0)):
            if dist is None:
                continue
            lo, hi = dist.support
            if lo == hi == neutral:
                continue
            signs.add(1 if lo >= neutral else (-1 if hi <= neutral else 0))
        return signs.pop() if len(signs) == 1 else 0


def _impacts(value: Any) -> tuple[Impact, ...]:
    impacts = _tuple("impacts", value)
    for i, imp in enumerate(impacts):
        if not isinstance(imp, Impact):
            raise TypeError(must(f"impacts[{i + 1}]", "an Impact", imp))
    return impacts


def _probability(name: str, value: Any) -> float:
    p = _real(name, value)
    if not 0.0 <= p <= 1.0:
        raise ValueError(must(name, "between 0 and 1", p))
    return p


@dataclass(frozen=True)
class Mitigation:
    """Post-mitigation state of a risk: what the response changes, and what it costs.

    ``None`` fields keep the pre-mitigation value.
    """

    probability: float | None = None
    impacts: tuple[Impact, ...] | None = None
    cost: Distribution | None = None
    response_cost: float = 0.0

    def __post_init__(self) -> None:
        if self.probability is not None:
            object.__setattr__(self, "probability", _probability("probability", self.probability))
        if self.impacts is not None:
            object.__setattr__(self, "impacts", _impacts(self.impacts))
        if self.cost is not None:
            object.__setattr__(self, "cost", _dist("cost", self.cost))
        rc = _real("response_cost", self.response_cost)
        if rc < 0:
            raise ValueError(must("response_cost", "0 or more", rc))
        object.__setattr__(self, "response_cost", rc)


@dataclass(frozen=True)
class Risk:
    """A risk event of the register (a threat or an opportunity).

    Each iteration it occurs with ``probability``; when it does, each impact applies to
    its tasks and ``cost`` is added to the project cost.
    """

    id: str
    probability: float
    impacts: tuple[Impact, ...] = ()
    name: str = ""
    cost: Distribution | None = None
    type: str | None = None
    mitigated: Mitigation | None = None

    def __post_init__(self) -> None:
        _text("id", self.id)
        object.__setattr__(self, "name", _text("name", self.name, allow_empty=True) or self.id)
        object.__setattr__(self, "probability", _probability("probability", self.probability))
        object.__setattr__(self, "impacts", _impacts(self.impacts))
        if self.cost is not None:
            object.__setattr__(self, "cost", _dist("cost", self.cost))
        if not self.impacts and self.cost is None:
            raise ValueError("a risk needs 'impacts' on tasks, a 'cost', or both")
        if self.mitigated is not None and not isinstance(self.mitigated, Mitigation):
            raise TypeError(must("mitigated", "a Mitigation", self.mitigated))
        directions = {imp.direction for imp in self.impacts}
        kind = self.type
        if kind is None:
            kind = "opportunity" if directions == {-1} else "threat"
        if kind not in RISK_TYPES:
            raise ValueError(must("type", '"threat" or "opportunity"', kind))
        bad = 1 if kind == "opportunity" else -1
        if bad in directions:
            rule = (
                "a delay <= 0 or a factor <= 1 for an opportunity"
                if kind == "opportunity"
                else "a delay >= 0 or a factor >= 1 for a threat"
            )
            raise ValueError(must("type", f"consistent with its impacts ({rule})", kind))
        object.__setattr__(self, "type", kind)

    def state(self, mitigated: bool) -> Risk:
        """This risk as it stands before (``False``) or after (``True``) mitigation."""
        if not mitigated or self.mitigated is None:
            return self
        m = self.mitigated
        return Risk(
            id=self.id,
            name=self.name,
            probability=self.probability if m.probability is None else m.probability,
            impacts=self.impacts if m.impacts is None else m.impacts,
            cost=self.cost if m.cost is None else m.cost,
            type=self.type,
        )


@dataclass(frozen=True)
class Correlation:
    """A rank correlation among the durations of ``tasks`` or the impacts of ``risks``."""

    coefficient: float
    tasks: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        c = _real("coefficient", self.coefficient)
        if not -1.0 <= c <= 1.0:
            raise ValueError(must("coefficient", "between -1 and 1", c))
        object.__setattr__(self, "coefficient", c)
        tasks, risks = _tuple("tasks", self.tasks), _tuple("risks", self.risks)
        if tasks and risks:
            raise ValueError("a correlation group lists either 'tasks' or 'risks', not both")
        items = tasks or risks
        if len(items) < 2:
            raise ValueError(
                must("tasks" if not risks else "risks", "a list of at least two ids", list(items))
            )
        if len(set(items)) != len(items):
            raise ValueError(
                must("tasks" if tasks else "risks", "without repeated ids", list(items))
            )
        object.__setattr__(self, "tasks", tasks)
        object.__setattr__(self, "risks", risks)

    @property
    def items(self) -> tuple[str, ...]:
        return self.tasks or self.risks


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

    def __post_init__(self) -> None:
        _text("name", self.name)
        object.__setattr__(self, "start", _as_date("start", self.start))
        if not isinstance(self.calendar, Calendar):
            raise TypeError(must("calendar", "a Calendar", self.calendar))
        pairs = self.calendars.items() if isinstance(self.calendars, Mapping) else self.calendars
        named = []
        for i, pair in enumerate(_tuple("calendars", pairs)):
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise TypeError(must(f"calendars[{i + 1}]", "a (name, Calendar) pair", pair))
            name, cal = pair
            _text(f"calendars[{i + 1}] name", name)
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
            dd = _as_date("data_date", self.data_date)
            if dd < self.start:
                raise ValueError(
                    must("data_date", f"on or after 'start' ({self.start})", dd.isoformat())
                )
            object.__setattr__(self, "data_date", dd)
        if self.deadline is not None:
            deadline = _as_date("deadline", self.deadline)
            if deadline < self.start:
                raise ValueError(
                    must("deadline", f"on or after 'start' ({self.start})", deadline.isoformat())
                )
            object.__setattr__(self, "deadline", deadline)
        if self.budget is not None:
            budget = _real("budget", self.budget)
            if budget < 0:
                raise ValueError(must("budget", "0 or more", budget))
            object.__setattr__(self, "budget", budget)
        _text("currency", self.currency, allow_empty=True)

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

    def __post_init__(self) -> None:
        for name in ("tasks", "risks", "correlations"):
            object.__setattr__(self, name, _tuple(name, getattr(self, name)))
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

    def mitigated(self) -> Scenario:
        """The post-mitigation scenario: every risk replaced by its mitigated state."""
        return Scenario(
            project=self.project,
            tasks=self.tasks,
            risks=tuple(r.state(True) for r in self.risks),
            correlations=self.correlations,
            simulation=self.simulation,
            source=self.source,
        )


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
            if day < project.start:
                yield Problem(
                    f"{where}.{name}",
                    must(name, f"on or after the project start ({project.start})", day.isoformat()),
                )
            if day > dd:
                yield Problem(
                    f"{where}.{name}",
                    must(
                        name, f"on or before the data date ({dd}): it is an actual", day.isoformat()
                    ),
                )


def reference_problems(
    tasks: Sequence[Any], risks: Sequence[Any], correlations: Sequence[Any]
) -> Iterable[Problem]:
    """Problems in the references between tasks, links, risks and correlations:
    duplicate and unknown ids, self-links and cycles."""
    from .network import find_cycle  # network imports model; import here to avoid a cycle

    ids: dict[str, int] = {}
    for i, t in enumerate(tasks):
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
        if not isinstance(c, Correlation):
            yield Problem(
                _where("correlations", i), must("correlations", "a list of Correlation objects", c)
            )
            continue
        kind = "task" if c.tasks else "risk"
        for a, b in itertools.combinations(c.items, 2):
            key = (kind, *sorted((a, b)))
            if key in pairs and pairs[key][0] != c.coefficient:
                yield Problem(
                    _where("correlations", i),
                    f"the pair ({a!r}, {b!r}) already has coefficient {pairs[key][0]:g} from "
                    f"correlations[{pairs[key][1] + 1}]; give each pair one coefficient",
                )
            pairs.setdefault(key, (c.coefficient, i))
        known = ids if c.tasks else risk_ids
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
