"""Tasks and their logic: links (FS/SS/FF/SF with lags), costs, progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .calendar import as_moment, later, moment_text
from .distributions import Distribution, Fixed
from .errors import must
from .fields import (
    as_tuple,
    distribution_field,
    real_field,
    text_field,
    within_amount,
    within_days,
)
from .resources import Assignment

LINK_TYPES = ("FS", "SS", "FF", "SF")
#: Task progress states. Durations of tasks in progress are their remaining durations.
STATUSES = ("not started", "in progress", "complete")
#: A task that exists only when a risk occurs says ``exists = "risk:<risk id>"``.
EXISTS_PREFIX = "risk:"
#: The kinds of milestone a task's ``milestone`` may name besides true and false.
MILESTONE_TYPES = ("start", "finish")


@dataclass(frozen=True)
class Link:
    """A logic link from ``predecessor`` to the task that lists it.

    ``type`` is FS (finish-to-start, default), SS, FF or SF; ``lag`` is in working days,
    fractional and negative (a lead) allowed. An *uncertain lag* is a distribution: it
    is drawn in every iteration (stream ``<project>/lag:<predecessor>><task>``), kept in
    ``uncertain_lag``, and ``lag`` is its deterministic value (the deterministic
    schedule's).
    """

    predecessor: str
    type: str = "FS"
    lag: float | Distribution = 0.0
    uncertain_lag: Distribution | None = None

    def __post_init__(self) -> None:
        text_field("id", self.predecessor)
        kind = self.type.upper() if isinstance(self.type, str) else self.type
        if kind not in LINK_TYPES:
            raise ValueError(must("type", f"one of {', '.join(LINK_TYPES)}", self.type))
        object.__setattr__(self, "type", kind)
        lag = self.lag
        if isinstance(lag, dict) or (isinstance(lag, Distribution) and not isinstance(lag, Fixed)):
            dist = distribution_field("lag", lag)
            object.__setattr__(self, "uncertain_lag", None if isinstance(dist, Fixed) else dist)
            lag = dist.deterministic
        elif isinstance(lag, Fixed):
            lag = lag.value
        if self.uncertain_lag is not None:
            dist = distribution_field("lag", self.uncertain_lag)
            within_days("lag", *dist.support, dist.deterministic, dist.as_given)
            object.__setattr__(self, "uncertain_lag", dist)
            lag = dist.deterministic
        object.__setattr__(self, "lag", real_field("lag", lag))
        within_days("lag", self.lag, self.lag, self.lag, self.lag)


@dataclass(frozen=True)
class TaskCost:
    """Cost of a task: a fixed part (number or distribution) plus a rate per working day.

    The time-dependent part is ``per_day`` times the task's (sampled) duration. A
    ``per_day`` given as a distribution is an *uncertain rate*, drawn once per task and
    iteration (stream ``<project>/per-day:<task>``): it is kept in ``uncertain_per_day``
    and ``per_day`` is its most likely value (the deterministic plan's).
    """

    fixed: Distribution = field(default_factory=lambda: Fixed(0.0))
    per_day: float | Distribution = 0.0
    uncertain_per_day: Distribution | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "fixed", distribution_field("fixed", self.fixed))
        rate = self.per_day
        if isinstance(rate, dict | Distribution):
            dist = distribution_field("per_day", rate)
            if not isinstance(dist, Fixed):
                object.__setattr__(self, "uncertain_per_day", dist)
            rate = dist.deterministic
        if self.uncertain_per_day is not None:
            dist = distribution_field("per_day", self.uncertain_per_day)
            within_amount("per_day", *dist.support, dist.as_given)
            if dist.support[0] < 0:
                raise ValueError(must("per_day", "never negative", dist.as_given))
            object.__setattr__(self, "uncertain_per_day", dist)
            rate = dist.deterministic
        object.__setattr__(self, "per_day", real_field("per_day", rate))
        within_amount("per_day", self.per_day, self.per_day, self.per_day)
        within_amount("fixed", *self.fixed.support, self.fixed)
        within_amount("fixed", self.fixed.mean, self.fixed.mean, self.fixed)

    @property
    def is_zero(self) -> bool:
        return (
            self.per_day == 0.0
            and self.uncertain_per_day is None
            and self.fixed.support == (0.0, 0.0)
        )


#: The date fields of a task's constraints, in the order the scenario file writes them.
DATE_CONSTRAINTS = (
    "start_no_earlier_than",
    "finish_no_earlier_than",
    "mandatory_start",
    "mandatory_finish",
    "start_no_later_than",
    "finish_no_later_than",
    "deadline",
)

#: Those of them that bound late dates (and, where the project says
#: ``constraints_override_logic``, the no-later-than ones early dates too).
LATE_CONSTRAINTS = ("start_no_later_than", "finish_no_later_than", "deadline")


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
    milestone : bool or str
        Report this task's finish in every iteration (a key date). ``"start"`` makes a
        zero-duration task a *start milestone* (P6's): it happens at the start of its
        calendar's next working time (Monday 08:00 after a Friday finish, never on a
        Saturday its calendar does not work) and is dated by that morning. ``True`` or
        ``"finish"``: a finish milestone, at the moment its logic allows (the end of the
        day its predecessors finish on), as P6 and MS Project place one.
    wbs : str
        Work breakdown structure path, for grouping in reports.
    start_no_earlier_than : datetime.date, optional
        A start-no-earlier-than constraint: work starts on this day at the earliest.
    finish_no_earlier_than : datetime.date, optional
        A finish-no-earlier-than constraint: the task finishes at the end of this day at
        the earliest, whatever its duration in an iteration (P6 "Finish On or After", and
        the lower bound of "Finish On"; MS Project FNET).
    mandatory_start, mandatory_finish : datetime.date, optional
        A hard constraint: the task starts on the morning of (finishes at the end of)
        this day whatever its predecessors say, as P6's mandatory start and finish and
        MS Project's must start on and must finish on (with "tasks will always honor
        their constraint dates") schedule it. Its incoming links then bind nothing: a
        predecessor running late does not move it, in the schedule or in any iteration,
        and the predecessor's float is counted without that link. Not before the data
        date. A started task's mandatory start is settled by its actual start.
    start_no_later_than, finish_no_later_than : datetime.date, optional
        The task starts by the morning of (finishes by the end of) this day at the
        latest: a bound on its late dates, so on its total float (P6 "Start/Finish On or
        Before", and the upper bound of "Start/Finish On"; MS Project SNLT and FNLT).
        Where the project sets ``constraints_override_logic`` (MS Project's "tasks will
        always honor their constraint dates") a binding one also pulls the early dates
        back to the date, before its predecessors allow, in the schedule and in every
        iteration.
    deadline : datetime.date, optional
        A finish the task should meet (MS Project's deadline): a bound on its late
        finish only, never on its early dates.
    as_late_as_possible : bool
        Dated as late as the schedule allows: within its free float (P6's rule, the
        default: no other task moves), or at its late dates with its successors
        following, where the project's ``alap_float`` is ``"total"`` (MS Project's
        rule). The project finish is that of the task scheduled as soon as possible.
    calendar : str
        Name of the calendar the task works on (one of ``Project.calendars``); empty for
        the project calendar. Durations count working days of this calendar.
    status : str
        ``"not started"``, ``"in progress"`` (``duration`` is then the remaining
        duration, worked from the data date) or ``"complete"`` (fixed at its actual dates).
    actual_start, actual_finish : datetime.date, optional
        Actual dates: a task in progress has an actual start, a complete task both.

    exists : str, optional
        ``"risk:<risk id>"``: the task exists only in the iterations where that risk
        occurs (an *existence risk*, which lists the task in its ``adds``); in the others
        it takes no time and costs nothing, and passes its predecessors' dates through.
    resources : tuple of Assignment
        Resources the task uses while it works (``Assignment``: a resource id and its
        units). Each costs units x rate x working days; with levelling, the units count
        against the resource's capacity.
    priority : int, optional
        Levelling priority: a task of higher priority gets a scarce resource first
        (default 500, as MS Project's); ties go by the deterministic schedule's late
        start, then total float, then id.
    Every date of a task may be a ``datetime.datetime`` with a time of day (an actual
    start at 13:00, a finish-no-earlier-than at noon): on a calendar with working hours
    (``Calendar.hours``) it falls part-way through that day; a date alone is the
    morning (a start) or the end (a finish) of its day.
    """

    id: str
    duration: Distribution | float | None = None
    name: str = ""
    predecessors: tuple[Link, ...] = ()
    cost: TaskCost | None = None
    milestone: bool | str = False
    wbs: str = ""
    start_no_earlier_than: dt.date | None = None
    finish_no_earlier_than: dt.date | None = None
    mandatory_start: dt.date | None = None
    mandatory_finish: dt.date | None = None
    start_no_later_than: dt.date | None = None
    finish_no_later_than: dt.date | None = None
    deadline: dt.date | None = None
    as_late_as_possible: bool = False
    calendar: str = ""
    status: str = "not started"
    actual_start: dt.date | None = None
    actual_finish: dt.date | None = None
    exists: str | None = None
    resources: tuple[Assignment, ...] = ()
    priority: int | None = None

    def __post_init__(self) -> None:
        text_field("id", self.id)
        assignments = []
        for i, a in enumerate(as_tuple("resources", self.resources)):
            if not isinstance(a, Assignment):
                raise TypeError(must(f"resources[{i + 1}]", "an Assignment", a))
            assignments.append(a)
        object.__setattr__(self, "resources", tuple(assignments))
        if self.priority is not None and (
            isinstance(self.priority, bool) or not isinstance(self.priority, int)
        ):
            raise TypeError(must("priority", "a whole number", self.priority))
        if self.exists is not None:
            text_field("exists", self.exists)
            if not self.exists.startswith(EXISTS_PREFIX) or not self.exists[len(EXISTS_PREFIX) :]:
                raise ValueError(
                    must("exists", f'"{EXISTS_PREFIX}<risk id>", like "risk:R7"', self.exists)
                )
        if not isinstance(self.milestone, bool) and self.milestone not in MILESTONE_TYPES:
            raise TypeError(must("milestone", 'true, false, "start" or "finish"', self.milestone))
        text_field("calendar", self.calendar, allow_empty=True)
        self._check_progress()
        if self.duration is None:
            if not (self.milestone or self.status == "complete"):
                raise ValueError(
                    "'duration' is required (a number of working days or a distribution); "
                    "only a milestone may leave it out"
                )
            object.__setattr__(self, "duration", Fixed(0.0))
        duration = distribution_field("duration", self.duration)
        lo, hi = duration.support
        if lo < 0:
            raise ValueError(
                must(
                    "duration",
                    f"non-negative: its distribution reaches {lo:.4g} working days",
                    duration.as_given,
                )
            )
        within_days("duration", lo, hi, duration.deterministic, duration.as_given)
        object.__setattr__(self, "duration", duration)
        object.__setattr__(self, "name", text_field("name", self.name, allow_empty=True) or self.id)
        links = []
        for i, link in enumerate(as_tuple("predecessors", self.predecessors)):
            if isinstance(link, str):
                link = Link(link)
            elif not isinstance(link, Link):
                raise TypeError(must(f"predecessors[{i + 1}]", "a task id or a Link", link))
            links.append(link)
        object.__setattr__(self, "predecessors", tuple(links))
        if self.cost is not None and not isinstance(self.cost, TaskCost):
            raise TypeError(must("cost", "a TaskCost", self.cost))
        text_field("wbs", self.wbs, allow_empty=True)
        for name in DATE_CONSTRAINTS:
            if getattr(self, name) is not None:
                object.__setattr__(self, name, as_moment(name, getattr(self, name)))
        if self.mandatory_start is not None and self.mandatory_finish is not None:
            raise ValueError(
                "'mandatory_start' and 'mandatory_finish' exclude each other: a task has at "
                "most one hard date (its duration sets the other)"
            )
        if not isinstance(self.as_late_as_possible, bool):
            raise TypeError(must("as_late_as_possible", "true or false", self.as_late_as_possible))
        if self.as_late_as_possible and (
            self.mandatory_start is not None or self.mandatory_finish is not None
        ):
            raise ValueError(
                "'as_late_as_possible' and a mandatory date exclude each other: the hard "
                "date already fixes the task"
            )

    def _check_progress(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(
                must("status", '"not started", "in progress" or "complete"', self.status)
            )
        for name in ("actual_start", "actual_finish"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_moment(name, value))
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
            if later(start, finish):
                raise ValueError(
                    must(
                        "actual_finish",
                        f"on or after 'actual_start' ({moment_text(start)})",
                        moment_text(finish),
                    )
                )

    @property
    def started(self) -> bool:
        return self.status != "not started"

    @property
    def has_finish_constraint(self) -> bool:
        """A finish-no-earlier-than, a mandatory date or a late-date constraint (the
        general passes hold them)."""
        return (
            self.finish_no_earlier_than is not None
            or self.mandatory_start is not None
            or self.mandatory_finish is not None
            or any(getattr(self, name) is not None for name in LATE_CONSTRAINTS)
        )

    @property
    def start_milestone(self) -> bool:
        """A start milestone: at its calendar's next working time, dated by its start.
        Only a task of no duration is one (a milestone with a duration is warned about,
        and keeps its finish)."""
        return self.milestone == "start" and self.duration.support == (0.0, 0.0)
