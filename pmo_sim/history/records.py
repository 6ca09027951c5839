"""A run as the history stores it: what was simulated, how, and what came out."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..base.version import __version__
from ..model.calendar import day_of


@dataclass(frozen=True)
class UpdateKey:
    """What makes two records the same update: the history stores it once."""

    project_id: str
    data_date: dt.date
    scenario_sha256: str
    seed: int
    iterations: int
    sampling: str
    mitigated: bool


def record_date(project: Any) -> dt.date:
    """The date a run of ``project`` is recorded at: its data date, or (a plan not
    yet statused) its start."""
    return day_of(project.data_date) if project.data_date is not None else project.start


def scenario_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RunRecord:
    """One recorded run. ``data_date`` is the scenario's data date (a plan without one
    is recorded as of its start); ``scenario_text`` is the TOML that ran (for a schedule
    recorded straight from its file, the scenario the import made of it)."""

    project_id: str
    project_name: str
    data_date: dt.date
    command: str
    source: str
    scenario_text: str
    seed: int
    iterations: int
    sampling: str
    mitigated: bool
    result: dict[str, Any]
    finish_days: np.ndarray
    cost: np.ndarray | None = None
    pmo_sim_version: str = __version__

    @property
    def scenario_sha256(self) -> str:
        return scenario_sha256(self.scenario_text)

    @property
    def key(self) -> UpdateKey:
        return UpdateKey(
            self.project_id,
            self.data_date,
            self.scenario_sha256,
            self.seed,
            self.iterations,
            self.sampling,
            self.mitigated,
        )

    @property
    def summary(self) -> dict[str, Any]:
        """The result document without its per-task section: what the trend and the
        dashboard read (a 1,000-task document is a hundred times larger)."""
        return {k: v for k, v in self.result.items() if k != "tasks"}

    @property
    def packed_finish(self) -> bytes:
        return pack(self.finish_days)

    @property
    def packed_cost(self) -> bytes | None:
        return None if self.cost is None else pack(self.cost)


def record_of(
    results: Any,
    scenario_text: str,
    *,
    command: str,
    source: str,
    document: dict[str, Any] | None = None,
) -> RunRecord:
    """The record of a simulation's ``results`` (``SimulationResults``) of the scenario
    whose TOML is ``scenario_text``; ``document`` is ``results.to_dict()`` where the
    caller has it already."""
    p = results.scenario.project
    return RunRecord(
        project_id=p.id,
        project_name=p.name,
        data_date=record_date(p),
        command=command,
        source=source,
        scenario_text=scenario_text,
        seed=int(results.seed),
        iterations=int(results.iterations),
        sampling=str(results.sampling),
        mitigated=bool(results.mitigated),
        result=results.to_dict() if document is None else document,
        finish_days=np.asarray(results.finish_days, dtype=np.float64),
        cost=None if results.cost is None else np.asarray(results.cost, dtype=np.float64),
    )


def pack(values: np.ndarray) -> bytes:
    """An array as compressed ``.npy`` bytes (no pickles)."""
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(values), allow_pickle=False)
    return zlib.compress(buf.getvalue(), 6)


def unpack(data: bytes | None) -> np.ndarray | None:
    if data is None:
        return None
    return np.load(io.BytesIO(zlib.decompress(bytes(data))), allow_pickle=False)
