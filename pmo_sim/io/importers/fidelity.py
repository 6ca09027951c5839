"""How closely pmo-sim's deterministic CPM reproduces the dates a schedule file holds.

The scheduling tool that wrote the file computed early start and finish dates; pmo-sim
recomputes them from the imported network with ``pmo_sim.schedule`` and dates them on
the scenario's timeline (``Scenario.timeline``). Both are compared as working days
(dates), after one normalisation: tools write the same instant of working time two ways
(a finish at 08:00 is the end of the previous working day, a start at 17:00 is the next
working day's start), so each file time is read as the working day a user sees on the
task's own calendar (``CalendarInfo.working_day_of``). A zero-duration task (a milestone)
is one instant, compared once.

A task in progress is compared by its remaining work: the file's remaining early start
(P6 ``restart_date``, MS Project ``Resume``) against pmo-sim's ``work_start``, and its
early finish. Completed tasks are not compared (their dates are actuals), nor tasks for
which the file holds no computed dates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ...model.calendar import day_of
from ...scheduling.cpm import CPMSchedule, schedule
from .common import COMPLETE, ImportedSchedule


@dataclass(frozen=True)
class Mismatch:
    """One task whose dates differ: ours against the file's, as working days, and the
    likeliest cause (``CAUSES``)."""

    task: str
    ours: tuple[dt.date, dt.date]
    file: tuple[dt.date, dt.date]
    cause: str = "other"

    def __str__(self) -> str:
        return (
            f"{self.task}: pmo-sim {self.ours[0]} -> {self.ours[1]}, "
            f"file {self.file[0]} -> {self.file[1]}"
        )


@dataclass(frozen=True)
class Fidelity:
    """The comparison of one imported schedule with the dates in its file."""

    compared: int
    matched: int
    mismatches: tuple[Mismatch, ...]
    finish_ours: dt.date
    finish_file: dt.date | None

    @property
    def share(self) -> float:
        """Share of compared tasks whose early start and finish both match (1.0 if none)."""
        return self.matched / self.compared if self.compared else 1.0

    @property
    def finish_matches(self) -> bool:
        return self.finish_file is not None and self.finish_ours == self.finish_file

    @property
    def causes(self) -> list[tuple[str, int]]:
        """How many mismatches each cause accounts for, the largest first."""
        counts = Counter(m.cause for m in self.mismatches)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def summary(self) -> str:
        if not self.compared:
            return "the file holds no computed early dates to compare with"
        finish = f"project finish {self.finish_ours} " + (
            "(same as the file)" if self.finish_matches else f"(file: {self.finish_file})"
        )
        text = (
            f"early dates reproduced for {self.matched:,} of {self.compared:,} tasks "
            f"({100 * self.share:.1f}%); {finish}"
        )
        if self.mismatches:
            text += f"; the {len(self.mismatches):,} that differ: " + ", ".join(
                f"{n:,} {cause}" for cause, n in self.causes
            )
        return text


def compare_with_file(imported: ImportedSchedule) -> Fidelity:
    """Compare pmo-sim's deterministic CPM with the early dates stored in the file."""
    s = imported.scenario
    plan = schedule(s)
    timeline, start = s.timeline, s.project.start
    work_start = plan.early_start if plan.work_start is None else plan.work_start
    es_dates = timeline.start_dates(start, work_start)
    ef_dates = timeline.finish_dates(start, plan.early_finish)
    by_start = plan.dated_by_start
    compared = matched = 0
    mismatches = []
    finishes = []
    for i, (task, info) in enumerate(zip(s.tasks, imported.tasks, strict=True)):
        if info.status == COMPLETE or task.status == "complete":
            continue
        if info.early_start is None or info.early_finish is None:
            continue
        calinfo = (
            imported.calendars.get(info.calendar) or imported.calendars[imported.main_calendar]
        )
        if plan.durations[i] == 0.0:
            # A milestone is an instant: the day the file writes it on is the day the
            # tool shows (a start milestone at Monday 08:00, a finish one at Friday
            # 17:00, or at Monday 08:00 after a task on an earlier-starting calendar).
            when = info.early_finish if info.milestone != "start" else info.early_start
            day = when.date()
            file_dates = (day, day)
            at = (
                timeline.start_date(start, plan.early_finish[i]) if by_start[i] else _d(ef_dates[i])
            )
            ours = (at, at)
        else:
            file_dates = (
                calinfo.working_day_of(info.early_start, finish=False),
                calinfo.working_day_of(info.early_finish, finish=True),
            )
            ours = (_d(es_dates[i]), _d(ef_dates[i]))
        finishes.append(file_dates[1])
        compared += 1
        if ours == file_dates:
            matched += 1
        else:
            mismatches.append(Mismatch(task.id, ours, file_dates))
    differ = {m.task for m in mismatches}
    index = {t.id: i for i, t in enumerate(s.tasks)}
    mismatches = [
        dataclasses.replace(m, cause=_cause(imported, plan, index[m.task], differ))
        for m in mismatches
    ]
    return Fidelity(
        compared=compared,
        matched=matched,
        mismatches=tuple(mismatches),
        finish_ours=_d(plan.finish_date),
        finish_file=max(finishes) if finishes else None,
    )


#: Constraint kinds (``ImportedTask.constraints``) the importers carry over.
HELD_CONSTRAINTS = frozenset(
    {
        "SNET",
        "FNET",
        "MSO",
        "MFO",
        "SNLT",
        "FNLT",
        "MANDATORY_START",
        "MANDATORY_FINISH",
        "ALAP",
    }
)

#: The causes a mismatch is put down to, in the order they are tried: a constraint the
#: import left out, then a predecessor whose dates already differ (the cause is then
#: upstream), then what else the task itself carries.
CAUSES = (
    "with a constraint not carried over ({kind})",
    "left before the data date by the file (pmo-sim starts remaining work at it)",
    "after a predecessor whose dates differ",
    "with a constraint ({kind})",
    "with durations or lags in part-days",
    "in progress",
    "on another calendar than the project's",
    "other",
)


def _cause(imported: ImportedSchedule, plan: CPMSchedule, i: int, differ: set[str]) -> str:
    """The likeliest reason task ``i``'s dates differ from the file's."""
    task, info = imported.scenario.tasks[i], imported.tasks[i]
    dropped = sorted({kind for kind, _ in info.constraints if kind not in HELD_CONSTRAINTS})
    if dropped:
        return CAUSES[0].format(kind=", ".join(dropped))
    dd = imported.scenario.project.data_date
    if (
        dd is not None
        and task.status == "not started"
        and info.early_start is not None
        and info.early_start.date() < day_of(dd)
    ):
        return CAUSES[1]  # MS Project leaves unstarted work in the past
    if any(link.predecessor in differ for link in task.predecessors):
        return CAUSES[2]  # downstream of a difference: the root cause is upstream
    if info.constraints:
        return CAUSES[3].format(kind=", ".join(sorted({kind for kind, _ in info.constraints})))
    if _part_day(plan.durations[i]) or any(_part_day(link.lag) for link in task.predecessors):
        return CAUSES[4]
    if task.status == "in progress":
        return CAUSES[5]
    if info.calendar != imported.main_calendar:
        return CAUSES[6]
    return CAUSES[7]


def _part_day(days: float) -> bool:
    return abs(days - round(days)) > 1e-6


def _d(value: object) -> dt.date:
    return np.datetime64(value, "D").astype(object)
