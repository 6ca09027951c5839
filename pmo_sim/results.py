"""Results of a simulation: per-iteration arrays and the statistics drawn from them.

Percentiles are empirical quantiles of the per-iteration values with linear
interpolation between order statistics (numpy's default, Hyndman & Fan type 7).
A finish in working days is dated with the calendar rule of ``calendar.py``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .calendar import iso
from .cpm import CPMSchedule
from .model import Scenario

REPORTED_PERCENTILES = (10, 50, 80, 90)


def percentile_standard_error(values: np.ndarray, q: float) -> float:
    """Standard error of the empirical q-th percentile of ``values``.

    Distribution-free: the order statistics at ``n p -/+ sqrt(n p (1 - p))`` bound a
    one-standard-error interval of the p-quantile (the binomial count of values below it
    has that standard deviation), so the SE is half that interval's width. For Latin
    hypercube samples it is conservative.
    """
    n = values.size
    p = q / 100.0
    half = math.sqrt(n * p * (1.0 - p))
    ordered = np.sort(values)
    lo = int(min(max(math.floor(n * p - half), 0), n - 1))
    hi = int(min(max(math.ceil(n * p + half), 0), n - 1))
    return float(ordered[hi] - ordered[lo]) / 2.0


@dataclass(frozen=True)
class Results:
    """What a simulation produced. Arrays are read-only.

    Attributes
    ----------
    finish_days : numpy.ndarray
        Project finish in working days from the start, one value per iteration.
    milestone_days : numpy.ndarray
        (milestones, iterations) finishes of the tasks flagged ``milestone``.
    criticality : dict
        Task id -> fraction of iterations in which the task was critical.
    deterministic : CPMSchedule
        The deterministic schedule with most likely durations.
    """

    scenario: Scenario
    iterations: int
    seed: int
    sampling: str
    finish_days: np.ndarray
    milestone_ids: tuple[str, ...]
    milestone_days: np.ndarray
    criticality: dict[str, float]
    deterministic: CPMSchedule
    elapsed: float = field(default=0.0, compare=False)
    threads: int = field(default=1, compare=False)

    # Dates -----------------------------------------------------------------------------
    def _finish_dates(self, days: Any) -> np.ndarray:
        p = self.scenario.project
        return p.calendar.finish_dates(p.start, days)

    @property
    def finish_dates(self) -> np.ndarray:
        """Finish date of every iteration (``datetime64[D]``)."""
        return self._finish_dates(self.finish_days)

    def percentile(self, q: float | Any) -> float | np.ndarray:
        """Finish in working days at percentile ``q`` (0-100); arrays of q allowed."""
        return np.percentile(self.finish_days, q)

    def percentile_date(self, q: float) -> dt.date:
        """Finish date at percentile ``q``."""
        return self._finish_dates(self.percentile(q)).astype(object)

    def standard_error(self, q: float) -> float:
        """Standard error (working days) of the finish percentile ``q``."""
        return percentile_standard_error(self.finish_days, q)

    def probability_by(self, date: dt.date | str) -> float:
        """Probability of finishing on or before ``date`` (end of that day)."""
        if isinstance(date, str):
            date = dt.date.fromisoformat(date)
        p = self.scenario.project
        limit = p.calendar.days_until(p.start, date)
        return float(np.mean(self.finish_days <= limit))

    def probability_within(self, days: float) -> float:
        """Probability of finishing within ``days`` working days."""
        return float(np.mean(self.finish_days <= days))

    @property
    def mean_days(self) -> float:
        return float(self.finish_days.mean())

    def milestone(self, task_id: str) -> np.ndarray:
        """Per-iteration finish (working days) of a milestone task."""
        return self.milestone_days[self.milestone_ids.index(task_id)]

    # Reports ---------------------------------------------------------------------------
    def most_critical(self, count: int = 10) -> list[tuple[str, float]]:
        """Tasks by decreasing criticality index (ties in file order)."""
        ranked = sorted(self.criticality.items(), key=lambda kv: -kv[1])
        return ranked[:count]

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``pmo-sim run --json`` (keys are added, never renamed)."""
        p = self.scenario.project
        det = self.deterministic.finish
        finish: dict[str, Any] = {
            "deterministic": {
                "date": iso(self.deterministic.finish_date),
                "days": det,
                "probability": self.probability_within(det),
            },
            "mean_days": self.mean_days,
            "sd_days": float(self.finish_days.std(ddof=1)) if self.iterations > 1 else 0.0,
            "min_days": float(self.finish_days.min()),
            "max_days": float(self.finish_days.max()),
            "percentiles": {
                str(q): {
                    "date": iso(self.percentile_date(q)),
                    "days": float(self.percentile(q)),
                    "standard_error_days": self.standard_error(q),
                }
                for q in REPORTED_PERCENTILES
            },
            "p_deadline": None if p.deadline is None else self.probability_by(p.deadline),
        }
        if p.deadline is not None:
            finish["deadline"] = p.deadline.isoformat()
        milestones = {}
        for k, mid in enumerate(self.milestone_ids):
            days = self.milestone_days[k]
            milestones[mid] = {
                "mean_days": float(days.mean()),
                "percentiles": {
                    str(q): {
                        "date": iso(self._finish_dates(np.percentile(days, q))),
                        "days": float(np.percentile(days, q)),
                    }
                    for q in REPORTED_PERCENTILES
                },
            }
        return {
            "pmo_sim_version": _version(),
            "project": p.name,
            "iterations": self.iterations,
            "seed": self.seed,
            "sampling": self.sampling,
            "start": p.start.isoformat(),
            "finish": finish,
            "milestones": milestones,
            "tasks": {tid: {"criticality": c} for tid, c in self.criticality.items()},
        }


def _version() -> str:
    from . import __version__

    return __version__
