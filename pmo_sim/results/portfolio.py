"""What a portfolio simulation produced: each project's ``Results`` and the programme's
figures, iteration by iteration (the programme finish is the last project's finish, its
cost the sum of the projects' costs)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model.calendar import iso
from ..model.portfolio import Portfolio
from .simulation import REPORTED_PERCENTILES, Results, percentile_standard_error


@dataclass(frozen=True)
class PortfolioRanking:
    """Exclusion ranking across the portfolio: what each risk (systemic ones by id,
    a project's as ``project:risk``) adds to the portfolio's P80 cost, and to each
    project's P80 finish (working days of that project), on common random numbers."""

    risk_ids: tuple[str, ...]
    systemic: tuple[bool, ...]
    iterations: int
    p80_cost_contribution: np.ndarray
    p80_finish_contribution: dict[str, np.ndarray]

    def order(self) -> list[int]:
        """Risks, largest P80 cost contribution first (then largest delay anywhere)."""
        delay = np.max(np.vstack(list(self.p80_finish_contribution.values())), axis=0)
        return sorted(
            range(len(self.risk_ids)),
            key=lambda r: (-self.p80_cost_contribution[r], -delay[r], r),
        )


@dataclass(frozen=True)
class PortfolioResults:
    """A portfolio run.

    Attributes
    ----------
    projects : dict
        Project id -> its ``Results`` (the scenario it ran, with the systemic risks that
        hit it and a milestone for each task of another project it waits for).
    finish : numpy.ndarray
        Programme finish date per iteration (``datetime64[D]``): the last project's.
    cost : numpy.ndarray
        Total cost per iteration (projects without costs count 0).
    """

    portfolio: Portfolio
    projects: dict[str, Results]
    iterations: int
    seed: int
    sampling: str
    finish: np.ndarray
    cost: np.ndarray
    mitigated: bool = False
    ranking: PortfolioRanking | None = None
    #: Link (as text) -> share of iterations in which the milestone standing for its
    #: predecessor is critical in the successor's project: the link drives its finish.
    link_criticality: dict[str, float] = field(default_factory=dict)
    elapsed: float = field(default=0.0, compare=False)

    # Programme finish --------------------------------------------------------------------
    @property
    def start(self) -> dt.date:
        """The portfolio's first start (the earliest project start)."""
        return min(r.scenario.project.start for r in self.projects.values())

    def _days(self) -> np.ndarray:
        """Programme finish in calendar days after ``start``."""
        return (self.finish - np.datetime64(self.start, "D")).astype(np.int64).astype(float)

    def percentile_date(self, q: float) -> dt.date:
        """Programme finish date at percentile ``q``: the date of the iteration at that
        rank (a date, so no interpolation between days)."""
        days = np.percentile(self._days(), q, method="higher")
        return (np.datetime64(self.start, "D") + np.timedelta64(int(days), "D")).astype(object)

    def probability_by(self, date: dt.date | None = None) -> float:
        """P(every project finished by the end of ``date``; None: the portfolio deadline)."""
        date = self.portfolio.deadline if date is None else date
        if date is None:
            raise ValueError("the portfolio has no deadline: give a date")
        return float(np.mean(self.finish <= np.datetime64(date, "D")))

    # Project deadlines -------------------------------------------------------------------
    def _misses(self) -> np.ndarray:
        """(projects with deadlines, iterations): True where the project misses it."""
        rows = [
            ~r.met_by(None)
            for r in self.projects.values()
            if r.scenario.project.deadline is not None
        ]
        return np.array(rows, dtype=bool).reshape(len(rows), self.iterations)

    @property
    def probability_all_deadlines(self) -> float | None:
        """P(every project with a deadline meets it); None when none has one."""
        misses = self._misses()
        if misses.shape[0] == 0:
            return None
        return float(np.mean(~misses.any(axis=0)))

    @property
    def expected_misses(self) -> float | None:
        """Expected number of projects that miss their deadlines."""
        misses = self._misses()
        if misses.shape[0] == 0:
            return None
        return float(misses.sum(axis=0).mean())

    def rag(self, project_id: str) -> str | None:
        """ "green", "amber" or "red" by the project's probability of meeting its
        deadline against the portfolio's thresholds; None without a deadline."""
        r = self.projects[project_id]
        if r.scenario.project.deadline is None:
            return None
        p = r.probability_by(None)
        if p >= self.portfolio.green:
            return "green"
        return "amber" if p >= self.portfolio.amber else "red"

    # Cost ----------------------------------------------------------------------------
    def cost_percentile(self, q: float) -> float:
        return float(np.percentile(self.cost, q))

    def probability_within_budget(self, budget: float | None = None) -> float:
        budget = self.portfolio.budget if budget is None else budget
        if budget is None:
            raise ValueError("the portfolio has no budget: give one")
        return float(np.mean(self.cost <= budget))

    def jcl(self) -> float | None:
        """P(programme finish by the portfolio deadline and total cost within its
        budget); None without both."""
        pf = self.portfolio
        if pf.deadline is None or pf.budget is None:
            return None
        met = self.finish <= np.datetime64(pf.deadline, "D")
        return float(np.mean(met & (self.cost <= pf.budget)))

    def portfolio_effect(self, q: float = 80) -> tuple[float, float]:
        """(sum of the projects' P``q`` costs, the portfolio's P``q`` cost): a sum of P80s
        overstates the P80 of the sum unless the projects move together."""
        total = sum(
            float(r.cost_percentile(q)) for r in self.projects.values() if r.cost is not None
        )
        return total, self.cost_percentile(q)

    # JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``pmo-sim run PORTFOLIO --json``: a ``portfolio`` section
        (``finish`` and ``cost`` shaped like a scenario's, the finish being the
        programme's, in calendar days from the first start) and a ``projects`` map of
        each project's usual document. Keys are added, never renamed."""
        pf = self.portfolio
        days = self._days()
        start = np.datetime64(self.start, "D")

        def date_of(d: float) -> str:
            return iso(start + np.timedelta64(int(d), "D"))

        finish: dict[str, Any] = {
            "days_count": "calendar days after the first project start",
            "mean_days": float(days.mean()),
            "sd_days": float(days.std(ddof=1)) if self.iterations > 1 else 0.0,
            "min_days": float(days.min()),
            "max_days": float(days.max()),
            "percentiles": {
                str(q): {
                    "date": iso(self.percentile_date(q)),
                    "days": float(np.percentile(days, q, method="higher")),
                    "standard_error_days": percentile_standard_error(days, q),
                }
                for q in REPORTED_PERCENTILES
            },
            "p_deadline": None if pf.deadline is None else self.probability_by(),
            "first_date": date_of(days.min()),
        }
        if pf.deadline is not None:
            finish["deadline"] = pf.deadline.isoformat()
        total, joint = self.portfolio_effect(80)
        cost = {
            "currency": pf.currency,
            "mean": float(self.cost.mean()),
            "sd": float(self.cost.std(ddof=1)) if self.iterations > 1 else 0.0,
            "percentiles": {
                str(q): {
                    "value": self.cost_percentile(q),
                    "standard_error": percentile_standard_error(self.cost, q),
                }
                for q in REPORTED_PERCENTILES
            },
            "budget": pf.budget,
            "p_budget": None if pf.budget is None else self.probability_within_budget(),
        }
        section: dict[str, Any] = {
            "name": pf.name,
            "projects": list(self.projects),
            "iterations": self.iterations,
            "seed": self.seed,
            "sampling": self.sampling,
            "mitigated": self.mitigated,
            "start": self.start.isoformat(),
            "finish": finish,
            "cost": cost,
            "jcl": None
            if pf.deadline is None or pf.budget is None
            else {
                "deadline": pf.deadline.isoformat(),
                "budget": pf.budget,
                "probability": self.jcl(),
            },
            "p_all_deadlines": self.probability_all_deadlines,
            "expected_missed_deadlines": self.expected_misses,
            "portfolio_effect": {
                "sum_of_project_p80_costs": total,
                "portfolio_p80_cost": joint,
                "difference": total - joint,
            },
            "rag": {pid: self.rag(pid) for pid in self.projects},
            "thresholds": {"green": pf.green, "amber": pf.amber},
            "links": [
                {"link": str(k), "criticality": self.link_criticality.get(str(k), 0.0)}
                for k in pf.links
            ],
            "systemic_risks": {
                r.id: {
                    "name": r.name,
                    "probability": r.state(self.mitigated).probability,
                    "projects": list(pf.hit_by(r.id)),
                }
                for r in pf.risks
            },
        }
        if self.ranking is not None:
            rk = self.ranking
            section["risk_ranking"] = [
                {
                    "risk": rk.risk_ids[r],
                    "systemic": rk.systemic[r],
                    "p80_cost_contribution": float(rk.p80_cost_contribution[r]),
                    "p80_finish_contribution_days": {
                        pid: float(v[r]) for pid, v in rk.p80_finish_contribution.items()
                    },
                }
                for r in rk.order()
            ]
            section["ranking_iterations"] = rk.iterations
        projects = {pid: r.to_dict() for pid, r in self.projects.items()}
        version = next(iter(projects.values()))["pmo_sim_version"]
        return {"pmo_sim_version": version, "portfolio": section, "projects": projects}
