"""The confidence trend of a project: one point per recorded data date.

Every figure comes from the stored result documents (``run --json``), so a trend is as
exact as the runs were; nothing is re-simulated. The schedule contingency is the P80
finish less the deterministic finish (working days); the risk drawdown is the
outstanding exposure of the open risks: each one's P80 finish contribution from the
exclusion ranking (0 once it is closed or has occurred, and for a run recorded without
the ranking).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .store import History, StoredRun

#: Finish percentiles of the fan chart (strings as in the result document).
FAN = ("10", "50", "80", "90")


@dataclass(frozen=True)
class Update:
    """One point of the trend: a recorded run of the project at a data date."""

    run: StoredRun

    @property
    def doc(self) -> dict[str, Any]:
        """The run's result document without its per-task section."""
        return self.run.summary

    def finish_days(self, q: str) -> float:
        return float(self.doc["finish"]["percentiles"][q]["days"])

    def finish_date(self, q: str) -> str:
        return self.doc["finish"]["percentiles"][q]["date"]

    @property
    def p_deadline(self) -> float | None:
        return self.doc["finish"].get("p_deadline")

    @property
    def contingency_days(self) -> float:
        """P80 finish less the deterministic finish, in working days."""
        return self.finish_days("80") - float(self.doc["finish"]["deterministic"]["days"])

    @property
    def drawdown(self) -> dict[str, float]:
        """Open risks' P80 finish contributions (working days), by risk id."""
        out = {}
        for rid, risk in self.doc.get("risks", {}).items():
            if risk.get("status", "open") != "open":
                continue
            out[rid] = float(risk.get("p80_finish_contribution_days", 0.0))
        return out

    def to_dict(self) -> dict[str, Any]:
        """The update as ``trend --json`` gives it: the run's ``finish``, ``cost`` and
        ``jcl`` sections as ``run --json`` shapes them, and the trend's own figures."""
        doc = self.doc
        out: dict[str, Any] = {
            "data_date": self.run.data_date.isoformat(),
            "run_id": self.run.id,
            "recorded_at": self.run.recorded_at.isoformat(),
            "iterations": self.run.iterations,
            "seed": self.run.seed,
            "scenario_sha256": self.run.scenario_sha256,
            "finish": doc["finish"],
            "contingency_days": self.contingency_days,
            "drawdown": self.drawdown,
        }
        for key in ("cost", "jcl"):
            if key in doc:
                out[key] = doc[key]
        return out


def trend(history: History, project: str, *, mitigated: bool = False) -> list[Update]:
    """The project's updates in data-date order (see ``History.updates``)."""
    return [Update(run) for run in history.updates(project, mitigated=mitigated)]


def trend_dict(project: str, updates: list[Update], *, mitigated: bool = False) -> dict[str, Any]:
    """The ``trend --json`` document (``mitigated``: of the runs after mitigation)."""
    name = updates[-1].run.project_name if updates else project
    deadline = next(
        (
            u.doc["finish"].get("deadline")
            for u in reversed(updates)
            if u.doc["finish"].get("deadline")
        ),
        None,
    )
    return {
        "project": project,
        "name": name,
        "deadline": deadline,
        "mitigated": mitigated,
        "updates": [u.to_dict() for u in updates],
    }
