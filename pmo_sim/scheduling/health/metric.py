"""What the health check reports: one ``Metric`` per DCMA point, and the ``Assessment``
of a schedule (every metric in DCMA order)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


def share(count: int, total: int) -> float:
    return 100.0 * count / total if total else 0.0


def percent_metric(
    number: int,
    name: str,
    offenders: list[str],
    total: int,
    limit: float,
    at_least: bool = False,
    note: str = "",
) -> Metric:
    value = share(len(offenders), total)
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
