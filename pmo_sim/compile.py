"""Compile a Scenario into the struct-of-arrays model the kernels run on.

Everything here is done once per scenario (and cached on it): the network in
topological order, packed duration distributions, milestone positions, and the names
of the random streams. Seeds only enter later, when stream keys are derived.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._quantiles import Packer
from ._rng import stream_keys
from .model import Scenario
from .network import Network, build_network


@dataclass(frozen=True)
class CompiledModel:
    """Arrays for the kernels; tasks are in topological order (``network.order``)."""

    network: Network
    dur_codes: np.ndarray
    dur_params: np.ndarray
    table: np.ndarray
    duration_streams: tuple[str, ...]
    milestone_ids: tuple[str, ...]
    milestone_pos: np.ndarray

    def duration_keys(self, seed: int) -> np.ndarray:
        return stream_keys(seed, list(self.duration_streams))

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays a worker needs (for sizing distributed runs)."""
        net = self.network
        arrays = [
            self.dur_codes,
            self.dur_params,
            self.table,
            self.milestone_pos,
            net.pred_ptr,
            net.pred_task,
            net.pred_type,
            net.pred_lag,
            net.earliest_start,
        ]
        return int(sum(a.nbytes for a in arrays))


def compile_scenario(scenario: Scenario) -> CompiledModel:
    """Build the kernel model of ``scenario``."""
    net = build_network(scenario)
    packer = Packer()
    for i in net.order:
        packer.add(scenario.tasks[i].duration)
    codes, params, table = packer.arrays()
    milestones = [t.id for t in scenario.tasks if t.milestone]
    pos = {tid: k for k, tid in enumerate(net.ids)}
    return CompiledModel(
        network=net,
        dur_codes=codes,
        dur_params=params,
        table=table,
        duration_streams=tuple(f"duration:{tid}" for tid in net.ids),
        milestone_ids=tuple(milestones),
        milestone_pos=np.array([pos[m] for m in milestones], dtype=np.int64),
    )
