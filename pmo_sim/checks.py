"""Schedule health check: the DCMA 14-point assessment, as far as a schedule file allows.

``assess(scenario, imported=None)`` measures each metric of the DCMA 14-point schedule
assessment (US Defense Contract Management Agency, 2009; the thresholds below are the
published ones) on a scenario, and on the extra facts of an imported schedule (status,
actual dates, constraints, baseline, float from the file) when it has them. Each metric
comes back with its threshold, the measured value, pass or fail, and the ids of the
offending tasks; a metric that cannot be measured is skipped with the reason.

Denominators follow the guidance: the metrics count incomplete tasks (a completed task
can no longer be fixed), and the high-duration metric leaves out milestones. Float is
the file's total float when the file gives it for every incomplete task (it reflects the
hard constraints and calendars the scheduling tool used), otherwise pmo-sim's own CPM.
Float and durations are in working days of the task's calendar (the scenario's calendar
for pmo-sim's CPM); 44 working days is the DCMA's two months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .cpm import CRITICAL_TOLERANCE, schedule
from .model import Scenario
from .timeline import general_model, own_time

#: Threshold of high float and high duration, in working days (two months).
HIGH_DAYS = 44.0
#: Delay added to a critical task in the critical path test, in working days.
CRITICAL_PATH_TEST_DELAY = 600.0
HARD = ("MSO", "MFO", "SNLT", "FNLT", "MANDATORY_START", "MANDATORY_FINISH")


@dataclass(frozen=True)
class Metric:
    """One DCMA metric: what was measured, against which threshold, and who fails it."""

    number: int
    name: str
    threshold: str
    value: float | None = None
    unit: str = "%"
    passed: bool | None = None
    offenders: tuple[str, ...] = ()
    count: int | None = None
    total: int | None = None
    skipped: str | None = None
    note: str = ""

    @property
    def result(self) -> str:
        if self.skipped is not None:
            return "skipped"
        return "pass" if self.passed else "fail"

    def measured(self) -> str:
        if self.value is None:
            return "-"
        if self.unit == "%":
            head = f"{self.value:.1f}%"
            return f"{head} ({self.count}/{self.total})" if self.total is not None else head
        if self.unit == "count":
            return f"{int(self.value)}"
        return f"{self.value:.3f}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "threshold": self.threshold,
            "value": self.value,
            "unit": self.unit,
            "result": self.result,
            "passed": self.passed,
            "count": self.count,
            "total": self.total,
            "offenders": list(self.offenders),
            "skipped": self.skipped,
            "note": self.note,
        }


@dataclass(frozen=True)
class Assessment:
    """Every metric of one schedule, in DCMA order."""

    source: str
    metrics: tuple[Metric, ...]
    float_source: str = "pmo-sim CPM"
    notes: tuple[str, ...] = field(default=())

    def counts(self) -> dict[str, int]:
        out = {"pass": 0, "fail": 0, "skipped": 0}
        for m in self.metrics:
            out[m.result] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "float_source": self.float_source,
            "summary": self.counts(),
            "metrics": [m.to_dict() for m in self.metrics],
            "notes": list(self.notes),
        }


def _share(count: int, total: int) -> float:
    return 100.0 * count / total if total else 0.0


def _percent_metric(
    number: int,
    name: str,
    offenders: list[str],
    total: int,
    limit: float,
    at_least: bool = False,
    note: str = "",
) -> Metric:
    value = _share(len(offenders), total)
    passed = value >= limit if at_least else value <= limit
    threshold = f">= {limit:g}%" if at_least else f"<= {limit:g}%"
    return Metric(
        number,
        name,
        threshold,
        value,
        "%",
        passed,
        tuple(offenders),
        len(offenders),
        total,
        note=note,
    )


def assess(scenario: Scenario, imported: Any = None) -> Assessment:
    """Measure the DCMA 14 points on ``scenario`` (and ``imported``, an
    ``ImportedSchedule``, when the scenario came from a schedule file).

    Returns
    -------
    Assessment
    """
    plan = schedule(scenario)
    tasks = scenario.tasks
    extras = {t.id: t for t in imported.tasks} if imported is not None else {}
    complete = {tid for tid, x in extras.items() if x.status == "complete"}
    complete |= {t.id for t in tasks if t.status == "complete"}
    live = [t for t in tasks if t.id not in complete]
    live_ids = {t.id for t in live}
    n_live = len(live)
    data_date = imported.data_date if imported is not None else None
    metrics: list[Metric] = []
    notes: list[str] = []

    # 1. Logic: incomplete tasks without a predecessor or a successor (the project's
    # start and finish excused, as the engine's health warnings do).
    has_succ = {link.predecessor for t in tasks for link in t.predecessors}
    no_pred = [t.id for t in tasks if not t.predecessors]
    no_succ = [t.id for t in tasks if t.id not in has_succ]
    start = no_pred[0] if no_pred else None
    finish = no_succ[-1] if no_succ else None
    missing = [
        t.id
        for t in live
        if (not t.predecessors and t.id != start) or (t.id not in has_succ and t.id != finish)
    ]
    metrics.append(
        _percent_metric(
            1,
            "Logic (missing predecessor or successor)",
            missing,
            n_live,
            5,
            note="the first task without a predecessor (the start) and the last without a "
            "successor (the finish) are excused",
        )
    )

    links = [(t.id, link) for t in tasks for link in t.predecessors if t.id in live_ids]
    n_links = len(links)
    # 2. Leads.
    leads = [f"{link.predecessor}->{tid}" for tid, link in links if link.lag < 0]
    metrics.append(
        Metric(
            2,
            "Leads (negative lags)",
            "0 links",
            float(len(leads)),
            "count",
            not leads,
            tuple(leads),
            len(leads),
            n_links,
        )
    )
    # 3. Lags.
    lags = [f"{link.predecessor}->{tid}" for tid, link in links if link.lag > 0]
    metrics.append(_percent_metric(3, "Lags (positive lags)", lags, n_links, 5))
    # 4. Relationship types.
    not_fs = [
        f"{link.predecessor}->{tid} ({link.type})" for tid, link in links if link.type != "FS"
    ]
    fs_share = 100.0 - _share(len(not_fs), n_links) if n_links else 100.0
    metrics.append(
        Metric(
            4,
            "Relationship types (finish-to-start share)",
            ">= 90%",
            fs_share,
            "%",
            fs_share >= 90.0,
            tuple(not_fs),
            n_links - len(not_fs),
            n_links,
            note="offenders are the links that are not finish-to-start",
        )
    )
    # 5. Hard constraints.
    if imported is not None:
        hard = [t.id for t in live if any(kind in HARD for kind, _ in extras[t.id].constraints)]
        note = "must start/finish on, start/finish no later than, mandatory start/finish"
    else:
        hard, note = [], "a scenario file holds only start-no-earlier-than constraints (soft)"
    metrics.append(_percent_metric(5, "Hard constraints", hard, n_live, 5, note=note))

    # Float: the file's when it gives it for every incomplete task, else pmo-sim's CPM.
    index = {t.id: i for i, t in enumerate(tasks)}
    ours = {t.id: float(plan.total_float[index[t.id]]) for t in live}
    given = {
        t.id: extras[t.id].total_float
        for t in live
        if t.id in extras and extras[t.id].total_float is not None
    }
    floats = {tid: given.get(tid, f) for tid, f in ours.items()}
    file_float = bool(given)
    if given and len(given) == len(ours):
        float_source = f"the file ({imported.format})"
    elif given:
        float_source = (
            f"the file ({imported.format}); pmo-sim CPM for the {len(ours) - len(given)} "
            "tasks it gives none"
        )
    else:
        float_source = "pmo-sim CPM"
    # 6. High float.
    high = [tid for tid, f in floats.items() if f > HIGH_DAYS]
    metrics.append(
        _percent_metric(
            6,
            f"High float (> {HIGH_DAYS:g} working days)",
            high,
            n_live,
            5,
            note=f"float from {float_source}",
        )
    )
    # 7. Negative float.
    negative = [tid for tid, f in floats.items() if f < -CRITICAL_TOLERANCE]
    metrics.append(
        Metric(
            7,
            "Negative float",
            "0 tasks",
            float(len(negative)),
            "count",
            not negative,
            tuple(negative),
            len(negative),
            n_live,
            note=f"float from {float_source}"
            + (
                "; pmo-sim's CPM has no deadlines or hard constraints, so it never gives "
                "negative float"
                if not file_float
                else ""
            ),
        )
    )

    # 8. High duration (milestones left out).
    def duration_of(t) -> float:
        if t.id in extras:
            x = extras[t.id]
            return x.remaining_duration if x.status == "in progress" else x.planned_duration
        return float(t.duration.deterministic)

    work = [
        t
        for t in live
        if not (t.milestone or (t.duration.deterministic == 0.0 and duration_of(t) == 0.0))
    ]
    long_ = [t.id for t in work if duration_of(t) > HIGH_DAYS]
    metrics.append(
        _percent_metric(
            8,
            f"High duration (> {HIGH_DAYS:g} working days)",
            long_,
            len(work),
            5,
            note="planned duration, remaining duration for tasks in progress; milestones left out",
        )
    )
    # 9. Invalid dates.
    if imported is None:
        reason = (
            "a scenario file without a data date holds no progress"
            if scenario.project.data_date is None
            else "a scenario file's actual dates are checked against its data date when it "
            "loads, and pmo-sim schedules no remaining work before the data date"
        )
        metrics.append(Metric(9, "Invalid dates", "0 tasks", skipped=reason))
    elif data_date is None:
        metrics.append(
            Metric(9, "Invalid dates", "0 tasks", skipped="the file has no data (status) date")
        )
    else:
        invalid = []
        for t in tasks:
            x = extras[t.id]
            future_actual = any(
                d is not None and d.date() > data_date.date()
                for d in (x.actual_start, x.actual_finish)
            )
            past_forecast = x.status != "complete" and any(
                d is not None and d.date() < data_date.date()
                for d in ((x.early_start if x.status == "not started" else None), x.early_finish)
            )
            if future_actual or past_forecast:
                invalid.append(t.id)
        metrics.append(
            Metric(
                9,
                "Invalid dates",
                "0 tasks",
                float(len(invalid)),
                "count",
                not invalid,
                tuple(invalid),
                len(invalid),
                len(tasks),
                note=f"actual dates after the data date {data_date.date()}, or forecast dates "
                "of unfinished work before it",
            )
        )
    # 10. Resources.
    metrics.append(
        Metric(
            10,
            "Resources",
            "all tasks with duration resource-loaded",
            skipped="pmo-sim imports costs, not resource assignments; check resource loading "
            "in the scheduling tool",
        )
    )
    # 11. Missed tasks and 14. BEI need a baseline and a data date.
    due, done_late, done = _baseline_counts(extras, data_date)
    if imported is None or data_date is None or not due:
        reason = (
            "a scenario file holds no baseline and no data date"
            if imported is None
            else "the file has no data (status) date"
            if data_date is None
            else "no task has a baseline finish on or before the data date"
        )
        metrics.append(Metric(11, "Missed tasks", "<= 5%", skipped=reason))
    else:
        metrics.append(
            _percent_metric(
                11,
                "Missed tasks",
                done_late,
                len(due),
                5,
                note="tasks due by the data date (baseline finish) that finished late or not "
                "at all",
            )
        )
    # 12. Critical path test.
    metrics.append(_critical_path_test(scenario, plan))
    # 13. CPLI.
    metrics.append(_cpli(scenario, plan, imported))
    # 14. BEI.
    if imported is None or data_date is None or not due:
        metrics.append(
            Metric(14, "Baseline execution index (BEI)", ">= 0.95", unit="ratio", skipped=reason)
        )
    else:
        bei = len(done) / len(due)
        missed = [tid for tid in due if tid not in set(done)]  # due and still open
        metrics.append(
            Metric(
                14,
                "Baseline execution index (BEI)",
                ">= 0.95",
                bei,
                "ratio",
                bei >= 0.95,
                tuple(missed),
                len(done),
                len(due),
                note="tasks completed (ahead of their baseline too) / tasks with a baseline "
                "finish on or before the data date",
            )
        )
    if imported is not None and imported.progressed:
        notes.append(
            "the file holds progress: complete tasks keep their actual dates and floats "
            "cover the remaining work from the data date"
        )
    return Assessment(
        source=scenario.source or (imported.source if imported is not None else ""),
        metrics=tuple(metrics),
        float_source=float_source,
        notes=tuple(notes),
    )


def _baseline_counts(
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


def _critical_path_test(scenario: Scenario, plan: Any) -> Metric:
    """Delay each critical task with a duration by 600 working days; the project finish
    must move by the same amount, else the logic does not carry the delay through. On a
    task calendar the move is counted in that calendar's working days (less one: the
    finish may land on a day the calendar does not work), as the delay is."""
    critical = [
        i for i, t in enumerate(scenario.tasks) if plan.critical[i] and plan.durations[i] > 0
    ]
    name = "Critical path test"
    if not critical:
        return Metric(
            12, name, "finish moves by the delay", skipped="no critical task has a duration"
        )
    order = np.argsort(plan.early_start[critical], kind="stable")
    tested = [critical[k] for k in order][:200]
    # Each task's calendar in the engine's tables (-1: it works the timeline).
    if scenario.has_calendars:
        gm = general_model(scenario)
        cal, task_cal = gm.tables.arrays, gm.task_cal[plan.network.position]
    else:
        cal, task_cal = None, np.full(len(scenario.tasks), -1)
    broken = []
    for i in tested:
        d = plan.durations.copy()
        d[i] += CRITICAL_PATH_TEST_DELAY
        finish = schedule(scenario, d).finish
        c = task_cal[i]
        if c < 0:
            ok = abs(finish - plan.finish - CRITICAL_PATH_TEST_DELAY) <= 1e-6
        else:
            moved = own_time(cal, c, finish) - own_time(cal, c, plan.finish)
            ok = moved >= CRITICAL_PATH_TEST_DELAY - 1.0
        if not ok:
            broken.append(scenario.tasks[i].id)
    return Metric(
        12,
        name,
        "finish moves by the delay",
        float(len(tested) - len(broken)),
        "count",
        not broken,
        tuple(broken),
        len(tested) - len(broken),
        len(tested),
        note=f"each of {len(tested)} critical tasks delayed by {CRITICAL_PATH_TEST_DELAY:g} "
        "working days in turn; offenders do not move the project finish by that much",
    )


def _cpli(scenario: Scenario, plan: Any, imported: Any) -> Metric:
    """Critical path length index: (critical path length + total float to the target
    finish) / critical path length, in working days from the data date."""
    name = "Critical path length index (CPLI)"
    p = scenario.project
    target = p.deadline or (imported.target_finish if imported is not None else None)
    if target is None:
        return Metric(
            13,
            name,
            ">= 0.95",
            unit="ratio",
            skipped="no target finish: give the scenario a deadline (or the file a "
            "must-finish-by date or a baseline)",
        )
    # The remaining critical path: from the data date when progress was recorded.
    dd = p.data_date or (imported.data_date.date() if imported and imported.data_date else None)
    start = scenario.timeline.start_offset_of(p.start, dd) if dd else 0.0
    length = plan.finish - start
    if length <= 0:
        return Metric(13, name, ">= 0.95", unit="ratio", skipped="the critical path has no length")
    slack = scenario.timeline.days_until(p.start, target) - plan.finish
    cpli = (length + slack) / length
    return Metric(
        13,
        name,
        ">= 0.95",
        cpli,
        "ratio",
        cpli >= 0.95,
        note=f"critical path {length:g} working days"
        + (f" from the data date {dd}" if dd else "")
        + f", float to the target {target} {slack:g} working days",
    )


def render(assessment: Assessment) -> str:
    """The assessment as a text table, with offenders and skip reasons below it."""
    from .report_text import table

    rows = []
    for m in assessment.metrics:
        offenders = ", ".join(m.offenders[:5]) + (
            f" (+{len(m.offenders) - 5})" if len(m.offenders) > 5 else ""
        )
        rows.append([str(m.number), m.name, m.threshold, m.measured(), m.result, offenders])
    out = [
        table(
            ["#", "metric", "threshold", "measured", "result", "offending tasks"], rows, right=set()
        )
    ]
    c = assessment.counts()
    out.append(
        f"\n{c['pass']} passed, {c['fail']} failed, {c['skipped']} skipped "
        f"(float from {assessment.float_source})"
    )
    for m in assessment.metrics:
        if m.skipped:
            out.append(f"  {m.number}. {m.name}: skipped: {m.skipped}")
    for n in assessment.notes:
        out.append(f"note: {n}")
    return "\n".join(out)
