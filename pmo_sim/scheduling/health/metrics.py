"""The 14 DCMA metrics, one function each: ``metric(facts) -> Metric``.

``METRICS`` lists them in DCMA order; ``assess`` measures each on the same facts.
Thresholds are the published ones (DCMA, 2009).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..cpm import CRITICAL_TOLERANCE, schedule
from ..timeline import general_model, own_time
from .facts import ScheduleFacts
from .metric import Metric, percent_metric, share

#: Threshold of high float and high duration, in working days (two months).
HIGH_DAYS = 44.0
#: Delay added to a critical task in the critical path test, in working days.
CRITICAL_PATH_TEST_DELAY = 600.0
HARD = ("MSO", "MFO", "SNLT", "FNLT", "MANDATORY_START", "MANDATORY_FINISH")
#: The scenario's task fields that are hard constraints in DCMA's sense.
HARD_FIELDS = ("mandatory_start", "mandatory_finish", "start_no_later_than", "finish_no_later_than")


def logic(f: ScheduleFacts) -> Metric:
    """1. Incomplete tasks without a predecessor or a successor (the project's start
    and finish excused, as the engine's health warnings do)."""
    tasks = f.tasks
    has_succ = {link.predecessor for t in tasks for link in t.predecessors}
    no_pred = [t.id for t in tasks if not t.predecessors]
    no_succ = [t.id for t in tasks if t.id not in has_succ]
    start = no_pred[0] if no_pred else None
    finish = no_succ[-1] if no_succ else None
    missing = [
        t.id
        for t in f.live
        if (not t.predecessors and t.id != start) or (t.id not in has_succ and t.id != finish)
    ]
    return percent_metric(
        1,
        "Logic (missing predecessor or successor)",
        missing,
        len(f.live),
        5,
        note="the first task without a predecessor (the start) and the last without a "
        "successor (the finish) are excused",
    )


def leads(f: ScheduleFacts) -> Metric:
    """2. Links with a negative lag."""
    found = [f"{link.predecessor}->{tid}" for tid, link in f.links if link.lag < 0]
    return Metric(
        2,
        "Leads (negative lags)",
        "0 links",
        float(len(found)),
        "count",
        not found,
        tuple(found),
        len(found),
        len(f.links),
    )


def lags(f: ScheduleFacts) -> Metric:
    """3. Links with a positive lag."""
    found = [f"{link.predecessor}->{tid}" for tid, link in f.links if link.lag > 0]
    return percent_metric(3, "Lags (positive lags)", found, len(f.links), 5)


def relationship_types(f: ScheduleFacts) -> Metric:
    """4. The share of finish-to-start links."""
    n_links = len(f.links)
    not_fs = [
        f"{link.predecessor}->{tid} ({link.type})" for tid, link in f.links if link.type != "FS"
    ]
    fs_share = 100.0 - share(len(not_fs), n_links) if n_links else 100.0
    return Metric(
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


def hard_constraints(f: ScheduleFacts) -> Metric:
    """5. Incomplete tasks with a hard constraint (only a schedule file holds them)."""
    if f.imported is not None:
        hard = [t.id for t in f.live if any(kind in HARD for kind, _ in f.extras[t.id].constraints)]
        note = "must start/finish on, start/finish no later than, mandatory start/finish"
    else:
        hard = [t.id for t in f.live if any(getattr(t, k) is not None for k in HARD_FIELDS)]
        note = "mandatory start or finish, start or finish no later than"
    return percent_metric(5, "Hard constraints", hard, len(f.live), 5, note=note)


def high_float(f: ScheduleFacts) -> Metric:
    """6. Incomplete tasks with more than two months of total float."""
    high = [tid for tid, value in f.floats.items() if value > HIGH_DAYS]
    return percent_metric(
        6,
        f"High float (> {HIGH_DAYS:g} working days)",
        high,
        len(f.live),
        5,
        note=f"float from {f.float_source}",
    )


def negative_float(f: ScheduleFacts) -> Metric:
    """7. Incomplete tasks with negative total float."""
    negative = [tid for tid, value in f.floats.items() if value < -CRITICAL_TOLERANCE]
    return Metric(
        7,
        "Negative float",
        "0 tasks",
        float(len(negative)),
        "count",
        not negative,
        tuple(negative),
        len(negative),
        len(f.live),
        note=f"float from {f.float_source}"
        + (
            "; pmo-sim's late dates come from the logic alone (a hard date drops the "
            "links into its task), so it never gives negative float"
            if not f.file_float
            else ""
        ),
    )


def high_duration(f: ScheduleFacts) -> Metric:
    """8. Incomplete tasks longer than two months (milestones left out)."""
    work = [
        t
        for t in f.live
        if not (t.milestone or (t.duration.deterministic == 0.0 and f.duration_of(t) == 0.0))
    ]
    long_ = [t.id for t in work if f.duration_of(t) > HIGH_DAYS]
    return percent_metric(
        8,
        f"High duration (> {HIGH_DAYS:g} working days)",
        long_,
        len(work),
        5,
        note="planned duration, remaining duration for tasks in progress; milestones left out",
    )


def invalid_dates(f: ScheduleFacts) -> Metric:
    """9. Actual dates after the data date, or forecast dates of unfinished work before
    it."""
    name = "Invalid dates"
    if f.imported is None:
        reason = (
            "a scenario file without a data date holds no progress"
            if f.scenario.project.data_date is None
            else "a scenario file's actual dates are checked against its data date when it "
            "loads, and pmo-sim schedules no remaining work before the data date"
        )
        return Metric(9, name, "0 tasks", skipped=reason)
    if f.data_date is None:
        return Metric(9, name, "0 tasks", skipped="the file has no data (status) date")
    day = f.data_date.date()
    invalid = []
    for t in f.tasks:
        x = f.extras[t.id]
        future_actual = any(
            d is not None and d.date() > day for d in (x.actual_start, x.actual_finish)
        )
        past_forecast = x.status != "complete" and any(
            d is not None and d.date() < day
            for d in ((x.early_start if x.status == "not started" else None), x.early_finish)
        )
        if future_actual or past_forecast:
            invalid.append(t.id)
    return Metric(
        9,
        name,
        "0 tasks",
        float(len(invalid)),
        "count",
        not invalid,
        tuple(invalid),
        len(invalid),
        len(f.tasks),
        note=f"actual dates after the data date {day}, or forecast dates of unfinished work "
        "before it",
    )


def resources(f: ScheduleFacts) -> Metric:
    """10. Resource loading: tasks with a duration and neither a resource assignment nor
    a cost (DCMA: dollars or hours on every task of at least one day)."""
    name = "Resources"
    threshold = "all tasks with duration resource-loaded"
    if not f.scenario.resources:
        return Metric(
            10,
            name,
            threshold,
            skipped="the schedule has no resources (pmo-sim reads P6 and MS Project "
            "assignments and [[resources]] entries)",
        )
    work = [t for t in f.live if not t.milestone and f.duration_of(t) >= 1.0]
    bare = [t.id for t in work if not t.resources and (t.cost is None or t.cost.is_zero)]
    return Metric(
        10,
        name,
        threshold,
        float(len(bare)),
        "count",
        not bare,
        tuple(bare),
        len(bare),
        len(work),
        note="tasks of at least one working day with neither a resource nor a cost",
    )


def _no_baseline_reason(f: ScheduleFacts) -> str | None:
    """Why missed tasks and BEI cannot be measured (they need a baseline and a data
    date), or None when they can."""
    if f.imported is None:
        return "a scenario file holds no baseline and no data date"
    if f.data_date is None:
        return "the file has no data (status) date"
    if not f.due:
        return "no task has a baseline finish on or before the data date"
    return None


def missed_tasks(f: ScheduleFacts) -> Metric:
    """11. Tasks due by the data date (baseline finish) that finished late or not at
    all."""
    reason = _no_baseline_reason(f)
    if reason is not None:
        return Metric(11, "Missed tasks", "<= 5%", skipped=reason)
    return percent_metric(
        11,
        "Missed tasks",
        f.done_late,
        len(f.due),
        5,
        note="tasks due by the data date (baseline finish) that finished late or not at all",
    )


def critical_path_test(f: ScheduleFacts) -> Metric:
    """12. Delay each critical task with a duration (on the longest path: float to the
    project finish) by 600 working days; the project finish must move by the same
    amount, else the logic does not carry the delay through. On a task calendar the
    move is counted in that calendar's working days (less one: the finish may land on
    a day the calendar does not work), as the delay is."""
    scenario = f.scenario
    # The longest path: floats to the project finish, as soon as possible (a deadline
    # or a no-later-than date makes a task critical in P6's sense, not a driver of
    # the finish).
    plan = schedule(scenario, as_late=False, late_constraints=False)
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
        finish = schedule(scenario, d, as_late=False, late_constraints=False).finish
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


def critical_path_length_index(f: ScheduleFacts) -> Metric:
    """13. CPLI: (critical path length + total float to the target finish) / critical
    path length, in working days from the data date."""
    name = "Critical path length index (CPLI)"
    scenario, plan, imported = f.scenario, f.plan, f.imported
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


def baseline_execution_index(f: ScheduleFacts) -> Metric:
    """14. BEI: tasks completed / tasks with a baseline finish on or before the data
    date."""
    name = "Baseline execution index (BEI)"
    reason = _no_baseline_reason(f)
    if reason is not None:
        return Metric(14, name, ">= 0.95", unit="ratio", skipped=reason)
    bei = len(f.done) / len(f.due)
    done = set(f.done)
    still_open = [tid for tid in f.due if tid not in done]
    return Metric(
        14,
        name,
        ">= 0.95",
        bei,
        "ratio",
        bei >= 0.95,
        tuple(still_open),
        len(f.done),
        len(f.due),
        note="tasks completed (ahead of their baseline too) / tasks with a baseline "
        "finish on or before the data date",
    )


#: The 14 points, in DCMA order.
METRICS: tuple[Callable[[ScheduleFacts], Metric], ...] = (
    logic,
    leads,
    lags,
    relationship_types,
    hard_constraints,
    high_float,
    negative_float,
    high_duration,
    invalid_dates,
    resources,
    missed_tasks,
    critical_path_test,
    critical_path_length_index,
    baseline_execution_index,
)
