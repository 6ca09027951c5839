"""What the metrics of the health check read: the schedule's facts, gathered once.

Incomplete ("live") tasks, their links, the float each metric judges (the file's when
it gives it for every incomplete task, else pmo-sim's CPM) and the baseline counts of
missed tasks and BEI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ...model.scenario import Scenario
from ...model.tasks import Link, Task
from ..cpm import CPMSchedule, schedule


@dataclass(frozen=True)
class ScheduleFacts:
    """One schedule as the 14 metrics see it.

    ``imported`` is the ``ImportedSchedule`` when the scenario came from a schedule file
    (its status, actual dates, constraints, baseline and float), else None; ``extras``
    holds its tasks by id.
    """

    scenario: Scenario
    imported: Any
    plan: CPMSchedule
    extras: dict[str, Any]
    live: list[Task]
    links: list[tuple[str, Link]]
    data_date: dt.datetime | None
    floats: dict[str, float]
    float_source: str
    file_float: bool
    due: list[str]
    done_late: list[str]
    done: list[str]

    @property
    def tasks(self) -> tuple[Task, ...]:
        return self.scenario.tasks

    def duration_of(self, task: Task) -> float:
        """Planned duration, the remaining one for a task in progress (the file's when
        the scenario came from one)."""
        if task.id in self.extras:
            x = self.extras[task.id]
            return x.remaining_duration if x.status == "in progress" else x.planned_duration
        return float(task.duration.deterministic)


def gather(scenario: Scenario, imported: Any = None) -> ScheduleFacts:
    """The facts of ``scenario`` (and of ``imported``, its schedule file, if any)."""
    plan = schedule(scenario)
    tasks = scenario.tasks
    extras = {t.id: t for t in imported.tasks} if imported is not None else {}
    complete = {tid for tid, x in extras.items() if x.status == "complete"}
    complete |= {t.id for t in tasks if t.status == "complete"}
    live = [t for t in tasks if t.id not in complete]
    live_ids = {t.id for t in live}
    data_date = imported.data_date if imported is not None else None
    links = [(t.id, link) for t in tasks for link in t.predecessors if t.id in live_ids]
    floats, float_source, file_float = _floats(tasks, live, plan, extras, imported)
    due, done_late, done = baseline_counts(extras, data_date)
    return ScheduleFacts(
        scenario=scenario,
        imported=imported,
        plan=plan,
        extras=extras,
        live=live,
        links=links,
        data_date=data_date,
        floats=floats,
        float_source=float_source,
        file_float=file_float,
        due=due,
        done_late=done_late,
        done=done,
    )


def _floats(
    tasks: tuple[Task, ...],
    live: list[Task],
    plan: CPMSchedule,
    extras: dict[str, Any],
    imported: Any,
) -> tuple[dict[str, float], str, bool]:
    """Total float of each live task, where it comes from, and whether the file gave
    any: the file's when it gives it for every incomplete task, else pmo-sim's CPM."""
    index = {t.id: i for i, t in enumerate(tasks)}
    ours = {t.id: float(plan.total_float[index[t.id]]) for t in live}
    given = {
        t.id: extras[t.id].total_float
        for t in live
        if t.id in extras and extras[t.id].total_float is not None
    }
    floats = {tid: given.get(tid, f) for tid, f in ours.items()}
    if given and len(given) == len(ours):
        source = f"the file ({imported.format})"
    elif given:
        source = (
            f"the file ({imported.format}); pmo-sim CPM for the {len(ours) - len(given)} "
            "tasks it gives none"
        )
    else:
        source = "pmo-sim CPM"
    return floats, source, bool(given)


def baseline_counts(
    extras: dict[str, Any], data_date: dt.datetime | None
) -> tuple[list[str], list[str], list[str]]:
    """Tasks due by the data date, those missed (late or open), and every task
    completed."""
    if data_date is None:
        return [], [], []
    due, missed, done = [], [], []
    for tid, x in extras.items():
        finished = x.status == "complete"
        if finished:
            done.append(tid)  # BEI counts every completed task, ahead of its baseline too
        if x.baseline_finish is None or x.baseline_finish.date() > data_date.date():
            continue
        due.append(tid)
        if not finished or (
            x.actual_finish is not None and x.actual_finish.date() > x.baseline_finish.date()
        ):
            missed.append(tid)
    return due, missed, done
