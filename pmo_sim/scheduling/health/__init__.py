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

One small unit per metric (``metrics``), all reading the same ``facts``; ``metric`` holds
what they report.
"""

from __future__ import annotations

from typing import Any

from ...model.scenario import Scenario
from .facts import gather
from .metric import Assessment, Metric
from .metrics import CRITICAL_PATH_TEST_DELAY, HARD, HIGH_DAYS, METRICS

__all__ = [
    "CRITICAL_PATH_TEST_DELAY",
    "HARD",
    "HIGH_DAYS",
    "METRICS",
    "Assessment",
    "Metric",
    "assess",
]


def assess(scenario: Scenario, imported: Any = None) -> Assessment:
    """Measure the DCMA 14 points on ``scenario`` (and ``imported``, an
    ``ImportedSchedule``, when the scenario came from a schedule file).

    Returns
    -------
    Assessment
    """
    facts = gather(scenario, imported)
    notes = []
    if imported is not None and imported.progressed:
        notes.append(
            "the file holds progress: complete tasks keep their actual dates and floats "
            "cover the remaining work from the data date"
        )
    return Assessment(
        source=scenario.source or (imported.source if imported is not None else ""),
        metrics=tuple(metric(facts) for metric in METRICS),
        float_source=facts.float_source,
        notes=tuple(notes),
    )
