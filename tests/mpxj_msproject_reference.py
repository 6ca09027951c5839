"""An independent reference for the MS Project import: MSPDI files scheduled by MPXJ.

``build_reference_mspdi(path)`` builds a random project with MPXJ, schedules it with
MPXJ's Critical Path Method scheduler that follows Microsoft Project
(``org.mpxj.cpm.MicrosoftScheduler``) and writes it as MS Project XML with MPXJ's
``org.mpxj.mspdi.MSPDIWriter``. The dates in the file are MPXJ's, not pmo-sim's, so
importing it and comparing (``pmo_sim.io.importers.fidelity.compare_with_file``) measures
how closely pmo-sim reproduces MS Project-style scheduling. The network, durations,
lags and calendars are those of the P6 reference (``tests/mpxj_reference.py``: its
``random_network`` and ``CALENDARS``): a layered network of FS/SS/FF/SF relations, half of
the durations part-days in hours, lags in hours (some negative), the "Standard 5x8"
project calendar and the "Six-day 6x8" and "Four-day 4x9" (07:00-17:00, 9 h) task
calendars, each with holidays. Milestones are zero-duration tasks (MS Project has no
start and finish milestone types). Tasks hang under ten summary tasks ("Phase 1".."10")
by layer. The project honours constraint dates (``HonorConstraints`` 1, MS Project's
default) and counts lags on the successor's calendar, as MS Project does.

With ``constraints``, 2 % of the tasks each get one of the MS Project constraint types
named in ``CONSTRAINT_TYPES`` (start/finish no earlier than, must start/finish on,
start/finish no later than, as late as possible), dated as in the P6 reference: the
task's unconstrained early start (or finish) moved by -3 to +5 working days of its
calendar, at the calendar's start (or end) of the day or, for one in four, at the early
date's own time of day.

With ``progressed``, a data date (the project's status date) ``data_date_weeks`` weeks in
(a Monday, 08:00): the tasks the schedule finishes by then are complete, the ones it
starts before then in progress, with the schedule's dates as actual dates.

What MicrosoftScheduler (MPXJ 16.10) does not handle, and how the files avoid it:

- it schedules the remaining work of a task in progress from its actual start with its
  whole duration (``RemainingDuration`` and the status date play no part), and leaves
  unstarted tasks before the status date where the logic puts them: progress is
  therefore exactly on schedule (the remaining duration is the planned remainder at the
  data date, ``Resume`` the data date), and a task the schedule starts before the data
  date but whose FS predecessors are not all complete (or SS predecessors started) is
  not made in progress, nor are its successors; such tasks are listed in
  ``before_data_date`` (MS Project would leave them there too, pmo-sim moves them to
  the data date);
- an SS or SF relation with a negative lag, or an SF one, may put a task before the
  project start (MS Project allows that too; pmo-sim starts nothing before the project
  start): the negative lags into such a task are made 0 (where it has none, its SF
  relations become FS) and the project scheduled again (``before_start`` lists the
  tasks, a few of 1,000);
- it puts an as-late-as-possible task whose late start is before the project start
  (negative float from a constraint downstream) there, before the project starts,
  where pmo-sim starts nothing before the project start: that task and its successors
  differ (seed 2 of the "every constraint" case);
- no task is made ALAP that is the predecessor of an SF relation (as in the P6
  reference);
- SF relations join tasks on one calendar only (inherited from the P6 reference's
  network, where PrimaveraScheduler needs it).

The file is checked as the P6 one is (``inconsistent``: unfinished tasks whose
remaining dates do not span their remaining duration).

MPXJ and JPype are optional (``pmo-sim[mpxj]``) and need a Java runtime.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterable

import numpy as np

from .mpxj_reference import (
    CALENDARS,
    CONSTRAINT_SHARE,
    PROJECT_START,
    MpxjClasses,
    add_calendars,
    add_relations,
    as_python,
    constraint_date,
    java_available,
    random_network,
    work_hours,
)

__all__ = ["CONSTRAINT_TYPES", "build_reference_mspdi", "describe", "java_available"]

#: MS Project's constraint types (short names as pmo-sim's MSPDI import reports them)
#: as MPXJ's ``ConstraintType`` names; MSPDIWriter writes them as ConstraintType 1-7.
CONSTRAINT_TYPES = {
    "SNET": "START_NO_EARLIER_THAN",
    "FNET": "FINISH_NO_EARLIER_THAN",
    "MSO": "MUST_START_ON",
    "MFO": "MUST_FINISH_ON",
    "SNLT": "START_NO_LATER_THAN",
    "FNLT": "FINISH_NO_LATER_THAN",
    "ALAP": "AS_LATE_AS_POSSIBLE",
}
START_TYPES = {"SNET", "MSO", "SNLT"}


class _MsMpxj(MpxjClasses):
    """The P6 reference's MPXJ classes, with MicrosoftScheduler and the MSPDI writer."""

    def __init__(self) -> None:
        super().__init__()
        import jpype

        self.scheduler = jpype.JClass("org.mpxj.cpm.MicrosoftScheduler")
        self.MspdiWriter = jpype.JClass("org.mpxj.mspdi.MSPDIWriter")


def _place_constraints(rng: np.random.Generator, acts, early, names: list[str]) -> None:
    """Give 2 % of the tasks each constraint type of ``names``, near their dates."""
    sf_predecessors = {i for a in acts for i, kind, _ in a.preds if kind == "START_FINISH"}
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
            if a.kind != "task" and name == "ALAP":
                continue
            if name == "ALAP" and i in sf_predecessors:
                continue
            spec = CALENDARS[a.calendar]
            es, ef = early[i]
            a.constraint = name
            placed += 1
            if name == "ALAP":
                continue
            a.constraint_date = constraint_date(rng, spec, es, ef, name in START_TYPES)


def build_reference_mspdi(
    path: str | os.PathLike[str],
    *,
    activities: int = 3000,
    seed: int = 1,
    constraints: bool | Iterable[str] = False,
    calendar_count: int = 3,
    progressed: bool = False,
    data_date_weeks: int = 8,
) -> dict:
    """Build, schedule (MPXJ's MicrosoftScheduler) and write (MSPDI) a random project.

    Returns counts for test messages: ``activities``, ``relations``, ``milestones``,
    ``constraints`` (per type), ``calendars`` (tasks per calendar), ``complete``,
    ``in_progress``, ``data_date``, ``finish``, ``inconsistent`` and
    ``before_data_date`` (see the module docstring). ``constraints`` may name the
    types to use (``CONSTRAINT_TYPES`` keys); ``calendar_count`` puts the tasks on the
    first 1, 2 or 3 of ``CALENDARS``.
    """
    if activities < 3:
        raise ValueError("a reference project needs at least 3 activities")
    m = _MsMpxj()
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
    props.setName(f"MPXJ MS Project reference {activities} seed {seed}")
    props.setStartDate(m.when(PROJECT_START))
    props.setHonorConstraints(True)

    calendars = add_calendars(m, f)

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
        t = wbs[k].addTask()
        t.setName(f"Task {a.code}")
        t.setMilestone(a.kind != "task")
        if a.calendar != 0:
            t.setCalendar(calendars[a.calendar])
        t.setDuration(m.hours(a.hours))
        t.setRemainingDuration(m.hours(a.hours))
        t.setActualDuration(zero)
        t.setPercentageComplete(0.0)
        tasks.append(t)
    relations = add_relations(m, acts, tasks)

    scheduler = m.scheduler()
    start = m.when(PROJECT_START)

    def run() -> list[tuple[dt.datetime, dt.datetime]]:
        scheduler.schedule(f, start)
        return [(as_python(t.getEarlyStart()), as_python(t.getEarlyFinish())) for t in tasks]

    early = run()
    # MicrosoftScheduler, as MS Project, lets a negative SS or SF lag put a task before the
    # project start; pmo-sim starts nothing before it. Such lags are made 0.
    before_start_codes = []
    for _ in range(10):
        before_start = [j for j, (es, _) in enumerate(early) if es < PROJECT_START]
        if not before_start:
            break
        for j in before_start:
            negative = any(lag < 0 for _, _, lag in acts[j].preds)
            for k, (i, kind, lag) in enumerate(acts[j].preds):
                new = (kind, 0.0) if lag < 0 else ("FINISH_START", lag)
                if (lag < 0 or (kind == "START_FINISH" and not negative)) and new != (kind, lag):
                    tasks[j].removePredecessor(
                        tasks[i], getattr(m.RelationType, kind), m.hours(lag)
                    )
                    tasks[j].addPredecessor(
                        m.RelationBuilder()
                        .predecessorTask(tasks[i])
                        .type(getattr(m.RelationType, new[0]))
                        .lag(m.hours(new[1]))
                    )
                    acts[j].preds[k] = (i, *new)
            before_start_codes.append(acts[j].code)
        early = run()
    if kinds:
        _place_constraints(rng, acts, early, kinds)
        for a, t in zip(acts, tasks, strict=True):
            if a.constraint is not None:
                t.setConstraintType(getattr(m.ConstraintType, CONSTRAINT_TYPES[a.constraint]))
                if a.constraint_date is not None:
                    t.setConstraintDate(m.when(a.constraint_date))
        early = run()

    status = ["not started"] * len(acts)
    left = [a.hours for a in acts]
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
            if ef <= data_date and done <= {"complete"} and (a.hours > 0 or es < data_date):
                status[j] = "complete"
            elif a.hours > 0 and es < data_date < ef and fs_done and ss_started:
                status[j] = "in progress"
        dd = m.when(data_date)
        for j, (a, t) in enumerate(zip(acts, tasks, strict=True)):
            es, ef = early[j]
            if status[j] == "complete":
                t.setActualStart(m.when(es))
                t.setActualFinish(m.when(ef))
                t.setActualDuration(m.hours(a.hours))
                t.setRemainingDuration(zero)
                t.setPercentageComplete(100.0)
            elif status[j] == "in progress":
                cal = calendars[a.calendar]
                worked = work_hours(m, cal, m.when(es), dd)
                left[j] = a.hours - worked
                t.setActualStart(m.when(es))
                t.setActualDuration(m.hours(worked))
                t.setRemainingDuration(m.hours(left[j]))
                t.setResume(cal.getNextWorkStart(dd))
                t.setPercentageComplete(round(100.0 * worked / a.hours, 1))
        props.setStatusDate(dd)
        early = run()

    inconsistent = []
    for j, (a, t) in enumerate(zip(acts, tasks, strict=True)):
        if status[j] == "complete":
            continue
        cal = calendars[a.calendar]
        begin = t.getResume() if status[j] == "in progress" else t.getEarlyStart()
        if abs(work_hours(m, cal, begin, t.getEarlyFinish()) - left[j]) > 1e-6:
            inconsistent.append(a.code)
    before = []
    if data_date is not None:
        dd = m.when(data_date)
        before = [
            a.code
            for j, (a, t) in enumerate(zip(acts, tasks, strict=True))
            if status[j] == "not started"
            and work_hours(m, calendars[a.calendar], t.getEarlyStart(), dd)
        ]
    m.MspdiWriter().write(f, os.fspath(path))

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
        "before_data_date": before,
        "before_start": before_start_codes,
    }


def describe(counts: dict) -> str:
    """One line of the counts ``build_reference_mspdi`` returns, for test messages."""
    cons = ", ".join(f"{n} {k}" for k, n in counts["constraints"].items() if n)
    cals = ", ".join(f"{n} {k}" for k, n in counts["calendars"].items() if n)
    return (
        f"{counts['activities']} tasks ({counts['milestones']} milestones), "
        f"{counts['relations']} relations; calendars: {cals}; constraints: {cons or 'none'}; "
        f"{counts['complete']} complete, {counts['in_progress']} in progress"
        + (f" at {counts['data_date']:%Y-%m-%d %H:%M}" if counts["data_date"] else "")
        + f"; finish {counts['finish']:%Y-%m-%d %H:%M}"
    )
