"""Results of a simulation: per-iteration arrays and the statistics drawn from them.

Percentiles are empirical quantiles of the per-iteration values with linear
interpolation between order statistics (numpy's default, Hyndman & Fan type 7).
A finish in working days is dated with the calendar rule of ``model.calendar``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model.calendar import iso
from ..model.scenario import Scenario
from ..scheduling.cpm import CPMSchedule
from .levels import JCL_LEVELS, REPORTED_PERCENTILES
from .resources import ResourceResults


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


def _none_if_nan(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


@dataclass(frozen=True)
class TaskStats:
    """Per-task statistics, arrays in the scenario's task order.

    - ``criticality``: share of iterations with total float within the tolerance;
    - ``sensitivity``: Spearman rank correlation of the task's duration with the project
      finish (over the first ``sensitivity_iterations`` iterations);
    - ``cruciality``: criticality x sensitivity;
    - ``ssi``: schedule sensitivity index (Vanhoucke 2010), criticality x sd(duration) /
      sd(project finish);
    - ``merge_bias``: mean simulated early start minus the early start computed from mean
      durations, for tasks with two or more predecessors (NaN otherwise).
    """

    ids: tuple[str, ...]
    criticality: np.ndarray
    sensitivity: np.ndarray
    cruciality: np.ndarray
    ssi: np.ndarray
    mean_duration: np.ndarray
    mean_start: np.ndarray
    merge_bias: np.ndarray
    sensitivity_iterations: int


@dataclass(frozen=True)
class TaskDates:
    """P50/P80 early start and finish (working days) of every task, scenario order.

    Computed over the first ``iterations`` iterations (the same subsample as the
    sensitivity: all of them up to 10,000).
    """

    iterations: int
    early_start: dict[int, np.ndarray]
    early_finish: dict[int, np.ndarray]


@dataclass(frozen=True)
class RiskRanking:
    """Exclusion ranking: what each risk adds to P80 finish and P80 cost.

    Each value is (all risks) minus (all risks but this one), on the same random
    numbers. ``mean_delay``/``mean_cost`` are the mean differences per iteration.
    """

    risk_ids: tuple[str, ...]
    iterations: int
    p80_finish_contribution: np.ndarray
    p80_cost_contribution: np.ndarray
    mean_delay: np.ndarray
    mean_cost: np.ndarray

    def order(self, by: str = "finish") -> list[int]:
        """Risk indices, largest contribution first (ties in register order)."""
        values = self.p80_finish_contribution if by == "finish" else self.p80_cost_contribution
        return sorted(range(len(self.risk_ids)), key=lambda r: -values[r])


@dataclass(frozen=True)
class OptionOutcome:
    """One branch option over a run: the share and number of iterations that took it,
    and the finish (working days) and cost percentiles of those iterations."""

    name: str
    share: float
    iterations: int
    finish: dict[int, float]
    cost: dict[int, float]


@dataclass(frozen=True)
class BranchOutcome:
    """A branch over a run: its options' ``OptionOutcome`` in order."""

    id: str
    name: str
    conditional: bool
    options: tuple[OptionOutcome, ...]


@dataclass(frozen=True)
class Results:
    """What a simulation produced. Arrays are read-only.

    Attributes
    ----------
    finish_days : numpy.ndarray
        Project finish in working days from the start, one value per iteration.
    cost : numpy.ndarray or None
        Total project cost per iteration (None when the scenario has no costs).
    milestone_days : numpy.ndarray
        (milestones, iterations) finishes of the tasks flagged ``milestone``.
    risk_occurrence : numpy.ndarray
        (risks, iterations) 1 where the risk occurred.
    branch_occurrence : numpy.ndarray or None
        (branch options, iterations) 1 where the option was taken: the options of
        ``scenario.branches`` in order (see ``branch_outcomes``).
    weather_days_lost : numpy.ndarray or None
        (weather calendars, iterations) working days each calendar of
        ``weather_calendars`` lost to weather before the project finish.
    criticality : dict
        Task id -> fraction of iterations in which the task was critical.
    task_stats : TaskStats
    risk_ranking : RiskRanking or None
    deterministic : CPMSchedule
        The deterministic schedule with most likely durations (unlevelled; a levelled
        run's deterministic finish is ``resources.plan_finish``).
    resources : ResourceResults or None
        Cost by resource; for a levelled run (``[simulation] levelling``), where
        ``finish_days`` are levelled finishes, also the unlevelled finish, the delay
        due to resources, the tasks that waited for one and demand against capacity.
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
    mitigated: bool = False
    cost: np.ndarray | None = None
    risk_ids: tuple[str, ...] = ()
    risk_occurrence: np.ndarray | None = None
    task_stats: TaskStats | None = None
    risk_ranking: RiskRanking | None = None
    task_dates: TaskDates | None = None
    deterministic_cost: float = 0.0
    correlation: Any = None
    elapsed: float = field(default=0.0, compare=False)
    threads: int = field(default=1, compare=False)
    branch_occurrence: np.ndarray | None = None
    weather_calendars: tuple[str, ...] = ()
    weather_days_lost: np.ndarray | None = None
    #: Cost by resource, and for a levelled run the delay due to resources, the tasks
    #: that waited for one and demand over time (``results.resources``), or None.
    resources: ResourceResults | None = None

    # Finish dates ----------------------------------------------------------------------
    def _finish_dates(
        self, days: Any, open_work: bool = True, by_start: bool = False
    ) -> np.ndarray:
        """Dates of finish offsets (``by_start``: of a start milestone's, the morning)."""
        p = self.scenario.project
        timeline = self.scenario.timeline
        on = timeline.start_dates if by_start else timeline.finish_dates
        return self.scenario.not_before_data_date(on(p.start, days), open_work)

    def _met_by(self, date: dt.date | str | None) -> np.ndarray:
        """Per iteration: finished by the end of ``date`` (None: the project's deadline).
        Open work cannot finish before the data date, even at the offset the day before
        it ends on."""
        date = self._date(date)
        floor = self.scenario.open_from
        if floor is not None and date < floor:
            return np.zeros(self.finish_days.shape, dtype=bool)
        return self.finish_days <= self.deadline_days(date)

    def met_by(self, date: dt.date | str | None = None) -> np.ndarray:
        """Per iteration: True where the project finished by the end of ``date`` (None:
        its deadline)."""
        return self._met_by(date)

    def _date(self, date: dt.date | str | None) -> dt.date:
        """``date`` as a date; None means the project's deadline."""
        if date is None:
            date = self.scenario.project.deadline
            if date is None:
                raise ValueError(
                    "the scenario has no deadline: give a date, for example "
                    "probability_by('2027-09-30'), or set 'deadline' in [project]"
                )
        if isinstance(date, str):
            try:
                return dt.date.fromisoformat(date)
            except ValueError:
                raise ValueError(must_be_date(date)) from None
        if isinstance(date, dt.datetime):
            return date.date()
        if not isinstance(date, dt.date):
            raise TypeError(must_be_date(date))
        return date

    def deadline_days(self, date: dt.date | str | None) -> float:
        """Working days from day 0 through the end of ``date`` (None: the deadline)."""
        date = self._date(date)
        p = self.scenario.project
        return self.scenario.timeline.days_until(p.start, date)

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

    def probability_by(self, date: dt.date | str | None) -> float:
        """Probability of finishing on or before ``date`` (end of that day); ``None``
        means the project's deadline (a ``ValueError`` when it has none)."""
        return float(np.mean(self._met_by(date)))

    def probability_within(self, days: float) -> float:
        """Probability of finishing within ``days`` working days."""
        return float(np.mean(self.finish_days <= days))

    @property
    def mean_days(self) -> float:
        return float(self.finish_days.mean())

    def milestone(self, task_id: str) -> np.ndarray:
        """Per-iteration finish (working days) of a milestone task."""
        return self.milestone_days[self.milestone_ids.index(task_id)]

    # Cost ------------------------------------------------------------------------------
    def _cost(self) -> np.ndarray:
        if self.cost is None:
            raise ValueError("the scenario has no costs: add 'cost' to tasks or risks")
        return self.cost

    def cost_percentile(self, q: float | Any) -> float | np.ndarray:
        """Total cost at percentile ``q``."""
        return np.percentile(self._cost(), q)

    def cost_standard_error(self, q: float) -> float:
        return percentile_standard_error(self._cost(), q)

    def probability_within_budget(self, budget: float) -> float:
        """Probability that the total cost is at most ``budget``."""
        return float(np.mean(self._cost() <= budget))

    def jcl(self, date: dt.date | str | None = None, budget: float | None = None) -> float:
        """Joint confidence level: P(finish <= date and cost <= budget).

        Defaults to the scenario's deadline and budget.
        """
        p = self.scenario.project
        date = p.deadline if date is None else date
        budget = p.budget if budget is None else budget
        if date is None or budget is None:
            raise ValueError(
                "the JCL needs a deadline and a budget (give both in [project] or as arguments)"
            )
        ok = self._met_by(date) & (self._cost() <= budget)
        return float(np.mean(ok))

    def jcl_frontier(self, level: float, points: int = 9) -> list[tuple[float, float]]:
        """(finish days, cost) pairs with joint confidence ``level`` (0-100).

        For finish targets from the level's finish percentile up to the latest finish,
        the smallest budget that reaches the level; a higher finish target needs a
        smaller budget. Points are spread evenly in finish percentile.
        """
        cost = self._cost()
        n = self.iterations
        need = math.ceil(level / 100.0 * n)
        order = np.argsort(self.finish_days, kind="stable")
        finish_sorted = self.finish_days[order]
        cost_sorted = cost[order]
        frontier = []
        for frac in np.linspace(level / 100.0, 1.0, points):
            m = max(math.ceil(float(frac) * n), need)
            # The m iterations finishing earliest (ties included) meet this finish target.
            target = finish_sorted[m - 1]
            m = int(np.searchsorted(finish_sorted, target, side="right"))
            within = np.sort(cost_sorted[:m])
            frontier.append((float(target), float(within[need - 1])))
        return frontier

    # Risks -----------------------------------------------------------------------------
    def risk_probability(self, risk_id: str) -> float:
        """Share of iterations in which the risk occurred."""
        return float(self.risk_occurrence[self.risk_ids.index(risk_id)].mean())

    def date_of(self, days: float) -> Any:
        """The finish date of ``days`` working days from the start (as the run reports
        finishes: open work not before the data date)."""
        return self._finish_dates(days)

    # Branches --------------------------------------------------------------------------
    def branch_outcomes(self) -> list[BranchOutcome]:
        """How often each option of each branch was taken, and the finish and cost
        percentiles of the iterations that took it (P-values conditional on the option)."""
        out = []
        g = 0
        for b in self.scenario.branches:
            options = []
            for o in b.options:
                taken = self.branch_occurrence[g].astype(bool)
                g += 1
                days = self.finish_days[taken]
                entry = OptionOutcome(o.name, float(taken.mean()), int(taken.sum()), {}, {})
                if days.size:
                    for q in REPORTED_PERCENTILES:
                        entry.finish[q] = float(np.percentile(days, q))
                        if self.cost is not None:
                            entry.cost[q] = float(np.percentile(self.cost[taken], q))
                options.append(entry)
            out.append(BranchOutcome(b.id, b.name, b.conditional, tuple(options)))
        return out

    def _branches_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        for b in self.branch_outcomes():
            options = {}
            for o in b.options:
                options[o.name] = {
                    "taken": o.share,
                    "iterations": o.iterations,
                    "finish": {
                        str(q): {"date": iso(self._finish_dates(v)), "days": v}
                        for q, v in o.finish.items()
                    },
                    "cost": {str(q): v for q, v in o.cost.items()} if o.cost else None,
                }
            doc[b.id] = {"name": b.name, "conditional": b.conditional, "options": options}
        return doc

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
        done = {t.id for t in self.scenario.tasks if t.status == "complete"}
        by_start = {t.id for t in self.scenario.tasks if t.start_milestone}
        for k, mid in enumerate(self.milestone_ids):
            days = self.milestone_days[k]
            open_work = mid not in done
            # A start milestone's per-iteration value is its start (the same as its
            # finish for one of no duration), dated by the morning it happens on.
            milestones[mid] = {
                "mean_days": float(days.mean()),
                "percentiles": {
                    str(q): {
                        "date": iso(
                            self._finish_dates(np.percentile(days, q), open_work, mid in by_start)
                        ),
                        "days": float(np.percentile(days, q)),
                    }
                    for q in REPORTED_PERCENTILES
                },
            }
        doc: dict[str, Any] = {
            "pmo_sim_version": _version(),
            "project": p.name,
            "iterations": self.iterations,
            "seed": self.seed,
            "sampling": self.sampling,
            "mitigated": self.mitigated,
            "start": p.start.isoformat(),
            "data_date": None if p.data_date is None else p.data_date.isoformat(),
            "working_days": self.scenario.timeline.name,
            "finish": finish,
            "milestones": milestones,
        }
        if self.cost is not None:
            doc["cost"] = self._cost_dict()
            if p.deadline is not None and p.budget is not None:
                doc["jcl"] = {
                    "deadline": p.deadline.isoformat(),
                    "budget": p.budget,
                    "probability": self.jcl(),
                    "frontier": {
                        str(level): [
                            {"date": iso(self._finish_dates(days)), "days": days, "cost": cost}
                            for days, cost in self.jcl_frontier(level)
                        ]
                        for level in JCL_LEVELS
                    },
                }
        doc["risks"] = self._risks_dict()
        if self.scenario.branches:
            doc["branches"] = self._branches_dict()
        if self.weather_days_lost is not None:
            doc["weather"] = {
                name: {
                    "mean_days_lost": float(lost.mean()),
                    "days_lost": {
                        str(q): float(np.percentile(lost, q)) for q in REPORTED_PERCENTILES
                    },
                }
                for name, lost in zip(self.weather_calendars, self.weather_days_lost, strict=True)
            }
        if self.resources is not None:
            doc["resources"] = self.resources.to_dict(self.finish_days)
        doc["tasks"] = self._tasks_dict()
        if self.correlation is not None and self.correlation.repaired_pair is not None:
            doc["correlation_repair"] = {
                "largest_change": self.correlation.repaired_by,
                "pair": list(self.correlation.repaired_pair),
            }
        return doc

    def _cost_dict(self) -> dict[str, Any]:
        cost = self._cost()
        budget = self.scenario.project.budget
        return {
            "currency": self.scenario.project.currency,
            "deterministic": self.deterministic_cost,
            "mean": float(cost.mean()),
            "sd": float(cost.std(ddof=1)) if self.iterations > 1 else 0.0,
            "percentiles": {
                str(q): {
                    "value": float(np.percentile(cost, q)),
                    "standard_error": percentile_standard_error(cost, q),
                }
                for q in REPORTED_PERCENTILES
            },
            "budget": budget,
            "p_budget": None if budget is None else self.probability_within_budget(budget),
        }

    def _risks_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        ranking = self.risk_ranking
        for r, rid in enumerate(self.risk_ids):
            risk = next(x for x in self.scenario.risks if x.id == rid)
            entry: dict[str, Any] = {
                "name": risk.name,
                "type": risk.type,
                "status": risk.status,
                "probability": risk.state(self.mitigated).probability,
                "observed_probability": float(self.risk_occurrence[r].mean()),
            }
            if ranking is not None:
                entry.update(
                    {
                        "p80_finish_contribution_days": float(ranking.p80_finish_contribution[r]),
                        "p80_cost_contribution": float(ranking.p80_cost_contribution[r]),
                        "mean_delay_days": float(ranking.mean_delay[r]),
                        "mean_cost": float(ranking.mean_cost[r]),
                        "ranking_iterations": ranking.iterations,
                    }
                )
            out[rid] = entry
        return out

    def _tasks_dict(self) -> dict[str, Any]:
        st = self.task_stats
        out = {}
        for i, tid in enumerate(self.scenario.task_ids):
            entry: dict[str, Any] = {"criticality": self.criticality[tid]}
            if st is not None:
                entry.update(
                    {
                        "sensitivity": float(st.sensitivity[i]),
                        "cruciality": float(st.cruciality[i]),
                        "ssi": float(st.ssi[i]),
                        "mean_duration": float(st.mean_duration[i]),
                        "mean_start": float(st.mean_start[i]),
                        "merge_bias": _none_if_nan(st.merge_bias[i]),
                    }
                )
            out[tid] = entry
        return out


def _version() -> str:
    from ..base.version import __version__

    return __version__


def must_be_date(value: Any) -> str:
    return f"'date' must be a date like 2027-09-30, or None for the deadline (got {value!r})"
