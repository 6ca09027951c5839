"""Results about resources: cost by resource, and for a levelled run the delay due to
resources, how often each task waited for one, and demand over time against capacity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .levels import REPORTED_PERCENTILES


@dataclass(frozen=True)
class DemandProfile:
    """Units of each resource in use over time, across a subsample of iterations.

    ``edges`` are the period boundaries in working days from the start (periods of
    ``edges[1] - edges[0]`` days); ``p50[r, b]`` and ``p80[r, b]`` the median and 80th
    percentile over the iterations of resource ``r``'s average units in use in period
    ``b``; ``mean`` the mean. ``utilisation[r]`` is the mean over the iterations of the
    units-days used over capacity x project duration (None without a capacity).
    """

    edges: np.ndarray
    p50: np.ndarray
    p80: np.ndarray
    mean: np.ndarray
    utilisation: tuple[float | None, ...]
    iterations: int


@dataclass(frozen=True)
class ResourceResults:
    """Per resource (in the scenario's order): ids, names, capacities and the cost per
    iteration (``cost[r, i]``, escalated); for a levelled run also the unlevelled finish
    per iteration, the share of iterations each task waited for a resource
    (``resource_driven``, by task id), and the levelled deterministic finish."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    capacity: tuple[float | None, ...]
    cost: np.ndarray
    levelled: bool = False
    unlevelled_finish: np.ndarray | None = None
    resource_driven: dict[str, float] | None = None
    plan_finish: float | None = None
    profile: DemandProfile | None = None

    def cost_breakdown(self) -> dict[str, dict[str, float]]:
        """Mean and P10/P50/P80/P90 of each resource's cost."""
        out = {}
        for r, rid in enumerate(self.ids):
            c = self.cost[r]
            entry = {"mean": float(c.mean())}
            entry.update({f"p{q}": float(np.percentile(c, q)) for q in REPORTED_PERCENTILES})
            out[rid] = entry
        return out

    def delay(self, finish_days: np.ndarray) -> np.ndarray:
        """Per iteration, the levelled finish ``finish_days`` less the unlevelled one:
        the delay due to resources (a levelled run only)."""
        if self.unlevelled_finish is None:
            raise ValueError("the run was not levelled: no delay due to resources")
        return finish_days - self.unlevelled_finish

    def to_dict(self, finish_days: np.ndarray) -> dict:
        """The ``resources`` entry of the JSON document."""
        doc: dict = {"levelled": self.levelled, "by_resource": {}}
        breakdown = self.cost_breakdown()
        for r, rid in enumerate(self.ids):
            entry: dict = {
                "name": self.names[r],
                "capacity": self.capacity[r],
                # Percentile keys as the rest of the document writes them ("80").
                "cost": {
                    "mean": breakdown[rid]["mean"],
                    **{str(q): breakdown[rid][f"p{q}"] for q in REPORTED_PERCENTILES},
                },
            }
            if self.profile is not None:
                entry["utilisation"] = self.profile.utilisation[r]
                entry["peak_p80_units"] = float(self.profile.p80[r].max(initial=0.0))
            doc["by_resource"][rid] = entry
        if self.levelled:
            delay = self.delay(finish_days)
            doc["plan_finish_days"] = self.plan_finish
            doc["delay_days"] = {
                "mean": float(delay.mean()),
                **{str(q): float(np.percentile(delay, q)) for q in REPORTED_PERCENTILES},
            }
            doc["unlevelled_finish_days"] = {
                str(q): float(np.percentile(self.unlevelled_finish, q))
                for q in REPORTED_PERCENTILES
            }
            doc["resource_driven"] = {
                tid: share for tid, share in (self.resource_driven or {}).items() if share > 0
            }
        if self.profile is not None:
            doc["profile"] = {
                "period_days": float(self.profile.edges[1] - self.profile.edges[0])
                if self.profile.edges.size > 1
                else 0.0,
                "iterations": self.profile.iterations,
                "p50": {rid: self.profile.p50[r].tolist() for r, rid in enumerate(self.ids)},
                "p80": {rid: self.profile.p80[r].tolist() for r, rid in enumerate(self.ids)},
            }
        return doc
