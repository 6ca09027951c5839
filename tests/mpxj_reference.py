"""An independent reference for the P6 import: XER files scheduled by MPXJ's P6 scheduler.

``build_reference_xer(path)`` builds a random project with MPXJ (the Java library, through
its Python package ``mpxj`` and JPype), schedules it with MPXJ's Critical Path Method
scheduler that follows Primavera P6 (``org.mpxj.cpm.PrimaveraScheduler``, P6's default
scheduling options: retained logic, lags on the predecessor's calendar) and writes it with
MPXJ's XER writer (``org.mpxj.primavera.PrimaveraXERFileWriter``). The early dates in the
file are MPXJ's, not pmo-sim's, so importing the file and comparing
(``pmo_sim.io.importers.fidelity.compare_with_file``) measures how closely pmo-sim
reproduces P6-style scheduling on a network with the features real P6 files have:

- three calendars, each with its own holidays: "Standard 5x8" (Mon-Fri, 08:00-12:00 and
  13:00-17:00, the project's default), "Six-day 6x8" (Mon-Sat, the same hours) and
  "Four-day 4x9" (Mon-Thu, 07:00-12:00 and 13:00-17:00, 9 h); about 82/10/8 % of the
  activities are on them, and the Standard calendar has a one-week summer shutdown;
- a layered random network (1-3 predecessors from the last few layers; 76 % FS, 12 % SS,
  8 % FF, 4 % SF, SF only between activities on one calendar), a start milestone at the
  head and a finish milestone at the tail that every open end leads to, and about 3 %
  each of start and finish milestones among the others; durations in hours, half of
  them part-days (4, 6, 12, 20, 28, 36, 44 h) and half whole days of the activity's
  calendar (1, 2, 3, 5 or 10 days); lags in hours on 22 % of the relations (2 to 40 h,
  and -4, -8 or -16 h on a few);
- with ``constraints``: 2 % of the activities each with one of P6's nine constraint
  types (Start On or After, Start On, Finish On or After, Finish On, Start On or Before,
  Finish On or Before, Mandatory Start, Mandatory Finish, As Late As Possible); dates are
  the activity's unconstrained early start (or finish) moved by -3 to +5 working days of
  its calendar, at the calendar's start (or end) of the day or, for one in four, at the
  early date's own time of day, so that they bind on some activities and not on others;
- with ``progressed``: a data date ``data_date_weeks`` weeks in (a Monday, 08:00); the
  activities that the constrained schedule finishes by then are complete, the ones it
  starts before then are in progress, with actual dates from that schedule (consistent
  with logic: a complete activity has every predecessor complete, an activity in progress
  has its FS predecessors complete and its SS predecessors started) and a remaining
  duration of 0.5 to 1.5 times the planned remainder (whole hours, at least one).

What PrimaveraScheduler (MPXJ 16.10) does not handle, and how the files avoid it. It
refuses nothing up front (it only requires an activity type, a duration and a remaining
duration on each activity), and every constraint type, relation type, negative lags,
the three calendars and progress are scheduled; but it gets these wrong, so the files
leave them out or repair them:

- an As Late As Possible activity that is the predecessor of an SF relation makes it
  fail (a ``DateTimeException`` for the year 1,000,000,000, from ``alapAdjust``): no such
  activity is made ALAP;
- an SF relation between activities on different calendars gets a start and finish
  that do not span the successor's duration: SF relations join activities on the same
  calendar only (an SF drawn across calendars becomes FS);
- a start constraint (Start On or After, Start On, Mandatory Start) on an activity with
  an FF or SF predecessor moves the start and keeps the finish the relation gave: start
  constraints go on activities without FF/SF predecessors only;
- Start On or After, when the logic gives a start later on the constraint's own day,
  starts the activity at the constraint date all the same (before its predecessors
  allow; P6 keeps the logic's start): such a constraint date is moved to the next
  working day's start, and the project scheduled again (a handful of the 60);
- As Late As Possible moves an activity back before its own predecessors when a
  successor is held early (by a mandatory constraint): such an activity is made As Soon
  As Possible again (one or two of the 60);
- a mandatory constraint on an unstarted activity dated before the data date puts the
  activity's remaining work before the data date (P6 schedules none there): such a
  constraint is dropped (one or two of the 120);
- it sets the project's planned start (``plan_start_date``) to the data date; P6 keeps
  the planned start the user set, so the file gets the project start back.

The function checks what it writes, in the counts it returns: ``inconsistent`` lists the
unfinished activities whose remaining early dates do not span their remaining duration,
``illogical`` the unstarted ones that start before the data date or (mandatory ones
aside) start or finish before a relation allows; both are empty for the files the tests
build. The dates are otherwise MPXJ's reading of P6, which its author checks against P6
but does not guarantee; one reading worth knowing: an in-progress activity's remaining
work starts no earlier than the remaining early start of an in-progress SS predecessor.

MPXJ and JPype are optional (``pmo-sim[mpxj]``) and need a Java runtime; the JVM is
started the way ``pmo_sim.io.importers.mpp`` starts it, and shared with it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

PROJECT_START = dt.datetime(2027, 1, 4, 8, 0)  # a Monday

#: P6's constraint types as MPXJ's ``ConstraintType`` names
#: (``org.mpxj.primavera.ConstraintTypeHelper`` maps them to XER's ``cstr_type``).
CONSTRAINT_TYPES = {
    "Start On or After": "START_NO_EARLIER_THAN",  # CS_MSOA
    "Start On": "START_ON",  # CS_MSO
    "Finish On or After": "FINISH_NO_EARLIER_THAN",  # CS_MEOA
    "Finish On": "FINISH_ON",  # CS_MEO
    "Start On or Before": "START_NO_LATER_THAN",  # CS_MSOB
    "Finish On or Before": "FINISH_NO_LATER_THAN",  # CS_MEOB
    "Mandatory Start": "MUST_START_ON",  # CS_MANDSTART
    "Mandatory Finish": "MUST_FINISH_ON",  # CS_MANDFIN
    "As Late As Possible": "AS_LATE_AS_POSSIBLE",  # CS_ALAP
}
START_CONSTRAINTS = {"Start On or After", "Start On", "Start On or Before", "Mandatory Start"}
FINISH_CONSTRAINTS = {"Finish On or After", "Finish On", "Finish On or Before", "Mandatory Finish"}
#: Share of the activities given each constraint type.
CONSTRAINT_SHARE = 0.02

LINK_TYPES = ("FINISH_START", "START_START", "FINISH_FINISH", "START_FINISH")
LINK_P = (0.76, 0.12, 0.08, 0.04)
PART_DAY_HOURS = (4, 6, 12, 20, 28, 36, 44)
WHOLE_DAYS = (1, 2, 3, 5, 10)
POSITIVE_LAGS = (2, 4, 8, 16, 24, 40)
NEGATIVE_LAGS = (-4, -8, -16)


@dataclass(frozen=True)
class CalendarSpec:
    """A calendar: working weekdays (Monday 0), the same hours on each, and holidays."""

    name: str
    weekdays: tuple[int, ...]
    ranges: tuple[tuple[dt.time, dt.time], ...]
    holidays: tuple[dt.date, ...]
    #: Share of the activities on this calendar.
    share: float

    @property
    def hours_per_day(self) -> float:
        return sum(
            (
                dt.datetime.combine(PROJECT_START.date(), b)
                - dt.datetime.combine(PROJECT_START.date(), a)
            )
            / dt.timedelta(hours=1)
            for a, b in self.ranges
        )

    @property
    def day_start(self) -> dt.time:
        return self.ranges[0][0]

    @property
    def day_end(self) -> dt.time:
        return self.ranges[-1][1]

    def is_working(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def shift(self, day: dt.date, days: int) -> dt.date:
        """The working day ``days`` working days after (before, when negative) ``day``,
        which is first moved onto a working day (forward)."""
        while not self.is_working(day):
            day += dt.timedelta(days=1)
        step = dt.timedelta(days=1 if days >= 0 else -1)
        for _ in range(abs(days)):
            day += step
            while not self.is_working(day):
                day += step
        return day


def _days(first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    return tuple(first + dt.timedelta(days=k) for k in range((last - first).days + 1))


D = dt.date
MORNING_AFTERNOON = ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17)))
CALENDARS = (
    CalendarSpec(
        "Standard 5x8",
        (0, 1, 2, 3, 4),
        MORNING_AFTERNOON,
        (
            D(2027, 1, 18),
            D(2027, 2, 15),
            D(2027, 4, 2),
            D(2027, 5, 31),
            D(2027, 7, 5),
            *_days(D(2027, 8, 9), D(2027, 8, 13)),  # summer shutdown
            D(2027, 9, 6),
            D(2027, 11, 25),
            D(2027, 11, 26),
            D(2027, 12, 24),
            D(2027, 12, 31),
            D(2028, 1, 17),
            D(2028, 2, 21),
            D(2028, 5, 29),
        ),
        0.82,
    ),
    CalendarSpec(
        "Six-day 6x8",
        (0, 1, 2, 3, 4, 5),
        MORNING_AFTERNOON,
        (
            D(2027, 2, 13),
            D(2027, 4, 3),
            D(2027, 5, 31),
            D(2027, 7, 3),
            D(2027, 9, 6),
            D(2027, 11, 25),
            D(2027, 12, 25),
            D(2028, 1, 1),
            D(2028, 5, 29),
        ),
        0.10,
    ),
    CalendarSpec(
        "Four-day 4x9",
        (0, 1, 2, 3),
        ((dt.time(7), dt.time(12)), (dt.time(13), dt.time(17))),
        (
            D(2027, 2, 16),
            D(2027, 4, 1),
            D(2027, 5, 31),
            D(2027, 7, 5),
            D(2027, 9, 6),
            D(2027, 10, 12),
            D(2027, 11, 25),
            D(2027, 12, 23),
            D(2028, 1, 3),
            D(2028, 5, 29),
        ),
        0.08,
    ),
)


class MpxjClasses:
    """MPXJ's classes, the JVM started when needed (as ``pmo_sim.io.importers.mpp`` does)."""

    def __init__(self) -> None:
        import jpype
        import mpxj  # noqa: F401  (puts MPXJ's jars on the JVM class path)

        if not jpype.isJVMStarted():
            jpype.startJVM(
                "-Dlog4j2.loggerContextFactory="
                "org.apache.logging.log4j.simple.SimpleLoggerContextFactory"
            )
        J = jpype.JClass
        for package in ("org.mpxj", "net.sf.mpxj"):
            try:
                self.ProjectFile = J(f"{package}.ProjectFile")
                break
            except Exception:  # a class not found in this MPXJ version's package
                continue
        else:
            raise RuntimeError("the installed MPXJ has neither org.mpxj nor net.sf.mpxj classes")
        p = package
        self.scheduler = None
        for name in (f"{p}.cpm.PrimaveraScheduler", f"{p}.scheduling.PrimaveraScheduler"):
            try:
                self.scheduler = J(name)
                break
            except Exception:
                continue
        if self.scheduler is None:
            raise RuntimeError("this MPXJ has no PrimaveraScheduler (MPXJ 13.x or later has)")
        self.Duration = J(f"{p}.Duration")
        self.TimeUnit = J(f"{p}.TimeUnit")
        self.LocalTimeRange = J(f"{p}.LocalTimeRange")
        self.ActivityType = J(f"{p}.ActivityType")
        self.ActivityStatus = J(f"{p}.ActivityStatus")
        self.ConstraintType = J(f"{p}.ConstraintType")
        self.RelationType = J(f"{p}.RelationType")
        self.RelationBuilder = J(f"{p}.Relation$Builder")
        self.RelationshipLagCalendar = J(f"{p}.RelationshipLagCalendar")
        self.PercentCompleteType = J(f"{p}.PercentCompleteType")
        self.XerWriter = J(f"{p}.primavera.PrimaveraXERFileWriter")
        self.LocalDateTime = J("java.time.LocalDateTime")
        self.LocalDate = J("java.time.LocalDate")
        self.LocalTime = J("java.time.LocalTime")
        self.DayOfWeek = J("java.time.DayOfWeek")

    def hours(self, value: float):
        return self.Duration.getInstance(float(value), self.TimeUnit.HOURS)

    def when(self, value: dt.datetime):
        return self.LocalDateTime.of(value.year, value.month, value.day, value.hour, value.minute)

    def day(self, value: dt.date):
        return self.LocalDate.of(value.year, value.month, value.day)

    def time(self, value: dt.time):
        return self.LocalTime.of(value.hour, value.minute)


def as_python(value) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(str(value.toString()))


def java_available() -> bool:
    """Whether a Java runtime can be found (``java`` on the path or ``JAVA_HOME``)."""
    import shutil

    return shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))


@dataclass
class _Activity:
    code: str
    kind: str  # "task", "start" (start milestone) or "finish" (finish milestone)
    calendar: int
    hours: float
    layer: int
    preds: list[tuple[int, str, float]]  # (predecessor, MPXJ RelationType name, lag hours)
    constraint: str | None = None
    constraint_date: dt.datetime | None = None


def random_network(rng: np.random.Generator, n: int, calendars: int = 3) -> list[_Activity]:
    """The random layered network: activity 0 a start milestone, n-1 a finish milestone;
    activities on the first ``calendars`` of ``CALENDARS``."""
    layers = max(3, round(1.3 * np.sqrt(n)))
    acts: list[_Activity] = []
    shares = np.array([c.share for c in CALENDARS[:calendars]])
    for i in range(n):
        if i == 0:
            layer, kind = 0, "start"
        elif i == n - 1:
            layer, kind = layers + 1, "finish"
        else:
            layer = 1 + (i - 1) * layers // max(1, n - 2)
            u = rng.random()
            kind = "start" if u < 0.03 else "finish" if u < 0.06 else "task"
        cal = 0 if i in (0, n - 1) else int(rng.choice(len(shares), p=shares / shares.sum()))
        if kind != "task":
            hours = 0.0
        elif rng.random() < 0.5:
            hours = float(rng.choice(PART_DAY_HOURS))
        else:
            hours = float(rng.choice(WHOLE_DAYS)) * CALENDARS[cal].hours_per_day
        acts.append(_Activity(f"A{1000 + 10 * i}", kind, cal, hours, layer, []))
    by_layer: dict[int, list[int]] = {}
    for i, a in enumerate(acts):
        by_layer.setdefault(a.layer, []).append(i)
    has_successor = np.zeros(n, dtype=bool)
    for j, a in enumerate(acts[:-1]):
        if j == 0:
            continue
        if a.layer == 1:
            chosen = [0]
        else:
            count = int(rng.choice([1, 2, 3], p=[0.45, 0.35, 0.2]))
            chosen = []
            for _ in range(count):
                back = int(rng.choice([1, 2, 3, 4], p=[0.6, 0.25, 0.1, 0.05]))
                pool = by_layer[max(1, a.layer - back)]
                i = int(rng.choice(pool))
                if i not in chosen:
                    chosen.append(i)
        for i in chosen:
            kind = str(rng.choice(LINK_TYPES, p=LINK_P)) if i != 0 else "FINISH_START"
            if kind == "START_FINISH" and acts[i].calendar != a.calendar:
                kind = "FINISH_START"  # PrimaveraScheduler mis-dates SF across calendars
            u = rng.random()
            if i == 0 or u < 0.78:
                lag = 0.0
            elif u < 0.96:
                lag = float(rng.choice(POSITIVE_LAGS))
            else:
                lag = float(rng.choice(NEGATIVE_LAGS))
            a.preds.append((i, kind, lag))
            has_successor[i] = True
    acts[-1].preds = [(i, "FINISH_START", 0.0) for i in range(n - 1) if not has_successor[i]]
    return acts


def finish_day(spec: CalendarSpec, when: dt.datetime) -> dt.date:
    """The working day a finish at ``when`` ends (a finish at the start of a day, or on a
    non-working day, ends the previous working day)."""
    day = when.date()
    if when.time() <= spec.day_start or not spec.is_working(day):
        day -= dt.timedelta(days=1)
        while not spec.is_working(day):
            day -= dt.timedelta(days=1)
    return day


def constraint_date(
    rng: np.random.Generator, spec: CalendarSpec, es: dt.datetime, ef: dt.datetime, on_start: bool
) -> dt.datetime:
    """A constraint date near an activity's unconstrained early start (``on_start``) or
    finish: moved by -3 to +5 working days of its calendar (never before the project
    start, which would put activities before it), at the calendar's start (or end) of
    the day or, for one in four, at the early date's own time of day."""
    near_start = spec.shift(es.date(), -3) < PROJECT_START.date()
    shift = int(rng.integers(0 if near_start else -3, 6))
    own_time = rng.random() < 0.25
    if on_start:
        day = spec.shift(es.date(), shift)
        at = es.time() if own_time and spec.day_start < es.time() < spec.day_end else None
        return dt.datetime.combine(day, at or spec.day_start)
    day = spec.shift(finish_day(spec, ef), shift)
    at = ef.time() if own_time and spec.day_start < ef.time() < spec.day_end else None
    return dt.datetime.combine(day, at or spec.day_end)


def _constraints(
    rng: np.random.Generator, acts: list[_Activity], early: list, names: list[str]
) -> None:
    """Give 2 % of the activities each constraint type of ``names``, near their
    unconstrained dates."""
    sf_predecessors = {i for a in acts for i, kind, _ in a.preds if kind == "START_FINISH"}
    finish_driven = {
        j
        for j, a in enumerate(acts)
        if any(kind in ("FINISH_FINISH", "START_FINISH") for _, kind, _ in a.preds)
    }
    candidates = list(range(1, len(acts) - 1))
    rng.shuffle(candidates)
    per_type = max(1, round(CONSTRAINT_SHARE * len(acts)))
    k = 0
    for name in names:
        placed = 0
        while placed < per_type and k < len(candidates):
            i = candidates[k]
            k += 1
            a = acts[i]
            # Milestones take the constraints of their one date only, and no ALAP.
            if a.kind == "start" and name not in START_CONSTRAINTS:
                continue
            if a.kind == "finish" and name not in FINISH_CONSTRAINTS:
                continue
            # PrimaveraScheduler fails on ALAP before an SF relation (see the docstring).
            if name == "As Late As Possible" and i in sf_predecessors:
                continue
            # It keeps an FF/SF-driven finish when a start constraint moves the start.
            if name in START_CONSTRAINTS and i in finish_driven:
                continue
            spec = CALENDARS[a.calendar]
            es, ef = early[i]
            a.constraint = name
            placed += 1
            if name == "As Late As Possible":
                continue
            a.constraint_date = constraint_date(rng, spec, es, ef, name in START_CONSTRAINTS)


def _breaks_logic(m: MpxjClasses, acts: list[_Activity], tasks: list, calendars: list, j: int):
    """The first relation (predecessor index) that activity ``j``'s early dates come before,
    or None. Lags count on the predecessor's calendar (the project's lag option); the
    relations of a complete predecessor are settled by its actual dates and not checked,
    and an in-progress predecessor is checked by its actual start and its early finish."""
    t, own = tasks[j], calendars[acts[j].calendar]
    es, ef = t.getEarlyStart(), t.getEarlyFinish()
    for i, kind, lag in acts[j].preds:
        p, cal = tasks[i], calendars[acts[i].calendar]
        if p.getActualFinish() is not None:
            continue
        started = p.getActualStart()
        pred_start = p.getEarlyStart() if started is None else started
        source = p.getEarlyFinish() if kind in ("FINISH_START", "FINISH_FINISH") else pred_start
        bound = source if lag == 0 else cal.getDate(source, m.hours(lag))
        mine = es if kind in ("FINISH_START", "START_START") else ef
        # Later by working time: 12:00 and 13:00 are one instant across a lunch break.
        if work_hours(m, own, mine, bound) > 0:
            return i
    return None


def _snet_same_day(
    m: MpxjClasses, acts: list[_Activity], tasks: list, calendars: list
) -> list[int]:
    """Start On or After activities that PrimaveraScheduler started before their logic
    allows, their constraint dates moved so that it does not.

    When the logic gives a start later on the constraint's own day, PrimaveraScheduler
    (16.10) still starts the activity at the constraint date, before its predecessors
    allow; P6 keeps the later start. Such a constraint is moved to the next working day's
    start, where it binds as P6 and MPXJ agree it does.
    """
    moved = []
    for j, a in enumerate(acts):
        t = tasks[j]
        if (
            a.constraint != "Start On or After"
            or t.getActualStart() is not None
            or as_python(t.getEarlyStart()) != a.constraint_date
            or _breaks_logic(m, acts, tasks, calendars, j) is None
        ):
            continue
        spec = CALENDARS[a.calendar]
        day = spec.shift(a.constraint_date.date() + dt.timedelta(days=1), 0)
        a.constraint_date = dt.datetime.combine(day, spec.day_start)
        t.setConstraintDate(m.when(a.constraint_date))
        moved.append(j)
    return moved


def _alap_before_logic(
    m: MpxjClasses, acts: list[_Activity], tasks: list, calendars: list
) -> list[int]:
    """As Late As Possible activities that PrimaveraScheduler moved before their
    predecessors allow, made As Soon As Possible.

    When a successor's dates are earlier than the logic allows (a mandatory constraint
    downstream), PrimaveraScheduler (16.10) moves an ALAP activity back before its own
    predecessors; as late as possible never means earlier than the logic in P6.
    """
    moved = []
    for j, a in enumerate(acts):
        if (
            a.constraint == "As Late As Possible"
            and tasks[j].getActualStart() is None
            and _breaks_logic(m, acts, tasks, calendars, j) is not None
        ):
            a.constraint = None
            tasks[j].setConstraintType(m.ConstraintType.AS_SOON_AS_POSSIBLE)
            moved.append(j)
    return moved


def _mandatory_before_data_date(
    m: MpxjClasses, acts: list[_Activity], tasks: list, calendars: list, data_date
) -> list[int]:
    """Unstarted activities that a mandatory constraint puts before the data date, the
    constraint dropped. PrimaveraScheduler (16.10) dates them before the data date; P6
    schedules no remaining work before it."""
    moved = []
    for j, a in enumerate(acts):
        t, cal = tasks[j], calendars[a.calendar]
        if (
            a.constraint in ("Mandatory Start", "Mandatory Finish")
            and t.getActualStart() is None
            and work_hours(m, cal, t.getEarlyStart(), data_date) > 0
        ):
            a.constraint, a.constraint_date = None, None
            t.setConstraintType(m.ConstraintType.AS_SOON_AS_POSSIBLE)
            t.setConstraintDate(None)
            moved.append(j)
    return moved


def work_hours(m: MpxjClasses, cal, start, finish) -> float:
    """Working hours of ``cal`` from ``start`` to ``finish`` (0 when not after it)."""
    if not finish.isAfter(start):
        return 0.0
    return float(cal.getWork(start, finish, m.TimeUnit.HOURS).getDuration())


def _consistent(m: MpxjClasses, cal, t, hours: float) -> bool:
    """Whether an unfinished activity's remaining early dates span its remaining duration
    (``hours``, working hours of its calendar), as every activity P6 schedules does."""
    start, finish = t.getRemainingEarlyStart(), t.getRemainingEarlyFinish()
    if start is None or finish is None:
        return False
    if finish.isBefore(start):
        return False
    worked = float(cal.getWork(start, finish, m.TimeUnit.HOURS).getDuration())
    return abs(worked - hours) < 1e-6


def add_calendars(m: MpxjClasses, f) -> list:
    """The MPXJ calendars of ``CALENDARS`` in project file ``f`` (working days, hours,
    holidays), the first one the default; in ``CALENDARS`` order."""
    calendars = []
    for spec in CALENDARS:
        cal = f.addCalendar()
        cal.setName(spec.name)
        for dow in m.DayOfWeek.values():
            working = dow.getValue() - 1 in spec.weekdays
            cal.setWorkingDay(dow, working)
            hours = cal.addCalendarHours(dow)
            if working:
                for a, b in spec.ranges:
                    hours.add(m.LocalTimeRange(m.time(a), m.time(b)))
        for day in spec.holidays:
            cal.addCalendarException(m.day(day))
        calendars.append(cal)
    f.setDefaultCalendar(calendars[0])
    return calendars


def add_relations(m: MpxjClasses, acts: list[_Activity], tasks: list) -> int:
    """The relations of ``acts`` between their MPXJ ``tasks`` (lags in hours); returns
    how many."""
    relations = 0
    for j, a in enumerate(acts):
        for i, kind, lag in a.preds:
            tasks[j].addPredecessor(
                m.RelationBuilder()
                .predecessorTask(tasks[i])
                .type(getattr(m.RelationType, kind))
                .lag(m.hours(lag))
            )
            relations += 1
    return relations


def build_reference_xer(
    path: str | os.PathLike[str],
    *,
    activities: int = 3000,
    seed: int = 1,
    progressed: bool = True,
    constraints: bool | Iterable[str] = True,
    data_date_weeks: int = 8,
    calendar_count: int = 3,
) -> dict:
    """Build, schedule (MPXJ's PrimaveraScheduler) and write (XER) a random P6 project.

    Returns counts for test messages: ``activities``, ``relations``, ``milestones``,
    ``constraints`` (per P6 constraint type), ``calendars`` (activities per calendar),
    ``complete``, ``in_progress``, ``data_date`` and ``finish`` (the latest early finish).
    ``constraints`` may name the constraint types to use (``CONSTRAINT_TYPES`` keys);
    ``calendar_count`` puts the activities on the first 1, 2 or 3 of ``CALENDARS``.
    """
    if activities < 3:
        raise ValueError("a reference project needs at least 3 activities")
    m = MpxjClasses()
    rng = np.random.default_rng(seed)
    acts = random_network(rng, activities, calendar_count)
    kinds = (
        list(CONSTRAINT_TYPES)
        if constraints is True
        else []
        if constraints is False
        else [k for k in CONSTRAINT_TYPES if k in set(constraints)]
    )

    f = m.ProjectFile()
    props = f.getProjectProperties()
    props.setName(f"MPXJ reference {activities} seed {seed}")
    props.setProjectID("REF")
    props.setRelationshipLagCalendar(m.RelationshipLagCalendar.PREDECESSOR)
    props.setStatusDate(m.when(PROJECT_START))

    calendars = add_calendars(m, f)

    # Ten WBS elements by layer (an element without activities would count as one).
    phases = 10
    top = max(a.layer for a in acts) + 1
    wbs = {}
    zero = m.hours(0)
    tasks = []
    for a in acts:
        k = min(phases - 1, a.layer * phases // top)
        if k not in wbs:
            wbs[k] = f.addTask()
            wbs[k].setName(f"Phase {k + 1}")
            wbs[k].setWBS(f"REF.{k + 1}")
        t = wbs[k].addTask()
        t.setActivityID(a.code)
        t.setName(f"Activity {a.code}")
        t.setActivityType(
            {
                "task": m.ActivityType.TASK_DEPENDENT,
                "start": m.ActivityType.START_MILESTONE,
                "finish": m.ActivityType.FINISH_MILESTONE,
            }[a.kind]
        )
        t.setMilestone(a.kind != "task")
        t.setPercentCompleteType(m.PercentCompleteType.DURATION)
        t.setCalendar(calendars[a.calendar])
        t.setDuration(m.hours(a.hours))
        t.setRemainingDuration(m.hours(a.hours))
        t.setActualDuration(zero)
        t.setPercentageComplete(0.0)
        t.setActivityStatus(m.ActivityStatus.NOT_STARTED)
        tasks.append(t)
    relations = add_relations(m, acts, tasks)

    scheduler = m.scheduler()
    start = m.when(PROJECT_START)

    def run() -> list[tuple[dt.datetime, dt.datetime]]:
        scheduler.schedule(f, start)
        if kinds:
            for _ in range(10):
                moved = _snet_same_day(m, acts, tasks, calendars)
                moved += _alap_before_logic(m, acts, tasks, calendars)
                moved += _mandatory_before_data_date(
                    m, acts, tasks, calendars, props.getStatusDate()
                )
                if not moved:
                    break
                scheduler.schedule(f, start)
        return [(as_python(t.getEarlyStart()), as_python(t.getEarlyFinish())) for t in tasks]

    early = run()
    if kinds:
        _constraints(rng, acts, early, kinds)
        for a, t in zip(acts, tasks, strict=True):
            if a.constraint is not None:
                t.setConstraintType(getattr(m.ConstraintType, CONSTRAINT_TYPES[a.constraint]))
                if a.constraint_date is not None:
                    t.setConstraintDate(m.when(a.constraint_date))
        early = run()

    status = ["not started"] * len(acts)
    left = [a.hours for a in acts]  # remaining duration, hours
    data_date = None
    if progressed:
        data_date = dt.datetime.combine(
            CALENDARS[0].shift((PROJECT_START + dt.timedelta(weeks=data_date_weeks)).date(), 0),
            CALENDARS[0].day_start,
        )
        for j, a in enumerate(acts):
            es, ef = early[j]
            done = {status[i] for i, _, _ in a.preds}
            fs_done = all(status[i] == "complete" for i, k, _ in a.preds if k == "FINISH_START")
            ss_started = all(
                status[i] != "not started" for i, k, _ in a.preds if k == "START_START"
            )
            if a.kind == "task":
                if ef <= data_date and done <= {"complete"}:
                    status[j] = "complete"
                elif es < data_date and fs_done and ss_started:
                    status[j] = "in progress"
            elif a.kind == "start":
                if es < data_date and fs_done and ss_started and done <= {"complete"}:
                    status[j] = "complete"
            elif ef <= data_date and done <= {"complete"}:
                status[j] = "complete"
        for j, (a, t) in enumerate(zip(acts, tasks, strict=True)):
            es, ef = early[j]
            if status[j] == "complete":
                t.setActualStart(m.when(es))
                t.setActualFinish(m.when(ef))
                t.setActualDuration(m.hours(a.hours))
                t.setRemainingDuration(zero)
                t.setPercentageComplete(100.0)
                t.setActivityStatus(m.ActivityStatus.COMPLETED)
            elif status[j] == "in progress":
                cal = calendars[a.calendar]
                worked = float(
                    cal.getWork(m.when(es), m.when(data_date), m.TimeUnit.HOURS).getDuration()
                )
                planned_left = max(1.0, a.hours - worked)
                remaining = max(1.0, round(planned_left * float(rng.uniform(0.5, 1.5))))
                left[j] = remaining
                t.setActualStart(m.when(es))
                t.setActualDuration(m.hours(min(worked, a.hours)))
                t.setRemainingDuration(m.hours(remaining))
                pct = max(0.0, min(99.0, 100.0 * (a.hours - remaining) / a.hours))
                t.setPercentageComplete(round(pct, 1))
                t.setActivityStatus(m.ActivityStatus.IN_PROGRESS)
        props.setStatusDate(m.when(data_date))
        early = run()

    # Checks of the reference itself: every unfinished activity's remaining dates span its
    # remaining duration, and no unstarted one without a mandatory constraint comes before
    # its predecessors.
    mandatory = {"Mandatory Start", "Mandatory Finish"}
    inconsistent = [
        a.code
        for j, (a, t) in enumerate(zip(acts, tasks, strict=True))
        if status[j] != "complete" and not _consistent(m, calendars[a.calendar], t, left[j])
    ]
    status_date = props.getStatusDate()
    illogical = [
        a.code
        for j, (a, t) in enumerate(zip(acts, tasks, strict=True))
        if status[j] == "not started"
        and (
            (
                a.constraint not in mandatory
                and _breaks_logic(m, acts, tasks, calendars, j) is not None
            )
            or work_hours(m, calendars[a.calendar], t.getEarlyStart(), status_date) > 0
        )
    ]
    # P6 keeps the project's planned start; the scheduler moves it to the data date.
    props.setStartDate(start)
    out = os.fspath(path)
    m.XerWriter().write(f, out)

    counts = Counter(a.constraint for a in acts if a.constraint)
    return {
        "activities": len(acts),
        "relations": relations,
        "milestones": sum(a.kind != "task" for a in acts),
        "constraints": {name: counts.get(name, 0) for name in CONSTRAINT_TYPES},
        "calendars": {
            spec.name: sum(a.calendar == k for a in acts) for k, spec in enumerate(CALENDARS)
        },
        "complete": status.count("complete"),
        "in_progress": status.count("in progress"),
        "data_date": data_date,
        "finish": max(ef for _, ef in early),
        "inconsistent": inconsistent,
        "illogical": illogical,
    }


def describe(counts: dict) -> str:
    """One line of the counts ``build_reference_xer`` returns, for test messages."""
    cons = ", ".join(f"{n} {k}" for k, n in counts["constraints"].items() if n)
    cals = ", ".join(f"{n} {k}" for k, n in counts["calendars"].items())
    return (
        f"{counts['activities']} activities ({counts['milestones']} milestones), "
        f"{counts['relations']} relations; calendars: {cals}; constraints: {cons or 'none'}; "
        f"{counts['complete']} complete, {counts['in_progress']} in progress"
        + (f" at {counts['data_date']:%Y-%m-%d %H:%M}" if counts["data_date"] else "")
        + f"; finish {counts['finish']:%Y-%m-%d %H:%M}"
    )
