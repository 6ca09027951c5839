"""The arrays of the second half of the risk model, as the kernels take them: branches
(probabilistic and conditional), tasks that exist only when a risk occurs, dependencies
between risks, and uncertain lags, and weather (``engine.weather``).

*Gates.* A task of a branch option, or one added by a risk, exists in an iteration only
where its gate row is 1. Gate rows are rows of the kernel's occurrence array ``OCC``: a
risk's own row for the tasks it adds, and one row per branch option after the risks'
(row ``R + g`` for option ``g``), so the runners keep the options taken per iteration
with the occurrences and nothing else changes shape. A task whose gate is 0 takes no
time and costs nothing.

*Branch draws.* A probabilistic branch draws one uniform per iteration from the stream
``<project>/branch:<id>`` and takes the first option whose cumulative probability
exceeds it. A conditional branch is decided in the forward pass, right after the last
task its conditions read (every task of the branch follows those tasks in the logic).

*Dependent risks* are drawn again after the independent ones, in dependency order, from
their own occurrence streams: switching a risk off changes only the risks that depend
on it. *Uncertain lags* are drawn per link and iteration from
``<project>/lag:<predecessor>><successor>``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model.risk_logic import existence_owner, risk_order
from ..model.scenario import Scenario
from ..scheduling.network import Network
from .quantiles import Packer
from .weather import WeatherModel, has_weather, no_weather

#: Codes of ``LogicModel.cond_kind``.
COND_NONE, COND_FINISH_AFTER, COND_DURATION_ABOVE = 0, 1, 2


@dataclass(frozen=True)
class LogicModel:
    """Branches, existence gates, risk dependencies and uncertain lags of one model.

    ``gate_row[k]``: the ``OCC`` row that says whether the task at model position ``k``
    exists (-1: always). Branch ``b`` has options ``g = first[b] .. first[b] +
    count[b] - 1`` (gate rows ``R + g``), ``cum[g]`` their cumulative probabilities
    (probabilistic branches, ``conditional[b] == 0``) or ``cond_kind``/``cond_task``/
    ``cond_value`` their conditions; ``decide_ptr`` lists, per model position, the
    conditional branches decided right after that task (``decide_idx``). Dependent risks
    ``dep_risk`` (in drawing order) have CSR lists of the risks they require, exclude,
    and those that change their probability (``pif_idx``/``pif_p``). Link ``k`` of the
    network (CSR order) has an uncertain lag when ``lag_row[k] >= 0``: row ``lag_row[k]``
    of the lag scratch, drawn from distribution row ``lag_dist[lag_row[k]]``.
    """

    gate_row: np.ndarray
    gate_names: tuple[str, ...]
    branch_ids: tuple[str, ...]
    option_names: tuple[tuple[str, ...], ...]
    first: np.ndarray
    count: np.ndarray
    conditional: np.ndarray
    cum: np.ndarray
    cond_kind: np.ndarray
    cond_task: np.ndarray
    cond_value: np.ndarray
    decide_ptr: np.ndarray
    decide_idx: np.ndarray
    dep_risk: np.ndarray
    req_ptr: np.ndarray
    req_idx: np.ndarray
    exc_ptr: np.ndarray
    exc_idx: np.ndarray
    pif_ptr: np.ndarray
    pif_idx: np.ndarray
    pif_p: np.ndarray
    lag_row: np.ndarray
    lag_dist: np.ndarray
    lag_names: tuple[str, ...]
    weather: WeatherModel

    @property
    def gates(self) -> int:
        return len(self.gate_names)

    def arrays(
        self, branch_keys: np.ndarray, lag_keys: np.ndarray, weather_keys: np.ndarray
    ) -> tuple:
        """The kernel argument ``logic`` (see ``kernels.logic``)."""
        return (
            self.gate_row,
            (branch_keys, self.first, self.count, self.conditional, self.cum),
            (self.cond_kind, self.cond_task, self.cond_value, self.decide_ptr, self.decide_idx),
            (
                self.dep_risk,
                self.req_ptr,
                self.req_idx,
                self.exc_ptr,
                self.exc_idx,
                self.pif_ptr,
                self.pif_idx,
                self.pif_p,
            ),
            (self.lag_row, self.lag_dist, lag_keys),
            self.weather.arrays(weather_keys),
        )


def needs_logic(scenario: Scenario) -> bool:
    """True when the scenario has branches, existence risks, risk dependencies or
    uncertain lags (the kernels then take the ``logic`` argument)."""
    return bool(
        scenario.branches
        or any(t.exists for t in scenario.tasks)
        or any(r.adds or r.depends_on for r in scenario.risks)
        or any(link.uncertain_lag is not None for t in scenario.tasks for link in t.predecessors)
        or has_weather(scenario)
    )


def _csr(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(x) for x in lists])
    return ptr, np.array([v for x in lists for v in x], dtype=np.int64)


def logic_model(scenario: Scenario, net: Network, risks: list, packer: Packer) -> LogicModel:
    """The ``LogicModel`` of ``scenario`` (risks in their simulated state, model order)."""
    n = net.size
    pos = {tid: k for k, tid in enumerate(net.ids)}
    R = len(risks)
    risk_pos = {r.id: i for i, r in enumerate(risks)}
    gate_row = np.full(n, -1, dtype=np.int64)
    for tid, rid in existence_owner(scenario.tasks, risks).items():
        r = risks[risk_pos[rid]]
        # Tasks added by a risk that has occurred are now plain work.
        gate_row[pos[tid]] = -1 if r.status == "occurred" else risk_pos[rid]
    names, option_names, first, count, conditional = [], [], [], [], []
    cum, cond_kind, cond_task, cond_value = [], [], [], []
    decide: list[list[int]] = [[] for _ in range(n)]
    timeline, start = scenario.timeline, scenario.project.start
    for b, br in enumerate(scenario.branches):
        first.append(len(names))
        count.append(len(br.options))
        conditional.append(1 if br.conditional else 0)
        option_names.append(tuple(o.name for o in br.options))
        total = 0.0
        probs = br.probabilities if not br.conditional else (0.0,) * len(br.options)
        last = -1
        for o, p in zip(br.options, probs, strict=True):
            g = len(names)
            names.append(f"{br.id}={o.name}")
            total += p
            cum.append(total)
            for tid in o.tasks:
                gate_row[pos[tid]] = R + g
            if o.when is None:
                cond_kind.append(COND_NONE)
                cond_task.append(-1)
                cond_value.append(0.0)
                continue
            k = pos[o.when.task]
            last = max(last, k)
            cond_task.append(k)
            if o.when.finishes_after is not None:
                cond_kind.append(COND_FINISH_AFTER)
                cond_value.append(timeline.days_until(start, o.when.finishes_after))
            else:
                cond_kind.append(COND_DURATION_ABOVE)
                cond_value.append(float(o.when.duration_above))
        if br.conditional:
            decide[last].append(b)
        else:
            cum[-1] = 1.0 + 1.0  # the last option takes every uniform left (rounding)
    decide_ptr, decide_idx = _csr(decide)
    # A closed risk, or one that occurred, stays at probability 0 (risk_prelude).
    dep = [i for i in risk_order(risks) if risks[i].depends_on and risks[i].status == "open"]
    req_ptr, req_idx = _csr([[risk_pos[x] for x in risks[i].requires] for i in dep])
    exc_ptr, exc_idx = _csr([[risk_pos[x] for x in risks[i].excludes] for i in dep])
    pif_ptr, pif_idx = _csr([[risk_pos[x] for x, _ in risks[i].probability_if] for i in dep])
    pif_p = np.array([p for i in dep for _, p in risks[i].probability_if], dtype=np.float64)
    lag_row, lag_dist, lag_names = [], [], []
    tasks = scenario.tasks
    for i in net.order:
        for link in tasks[i].predecessors:
            if link.uncertain_lag is None:
                lag_row.append(-1)
                continue
            lag_row.append(len(lag_dist))
            lag_dist.append(packer.add(link.uncertain_lag))
            lag_names.append(f"{link.predecessor}>{tasks[i].id}")
    return LogicModel(
        gate_row=gate_row,
        gate_names=tuple(names),
        branch_ids=tuple(b.id for b in scenario.branches),
        option_names=tuple(option_names),
        first=np.array(first, dtype=np.int64),
        count=np.array(count, dtype=np.int64),
        conditional=np.array(conditional, dtype=np.int64),
        cum=np.array(cum, dtype=np.float64),
        cond_kind=np.array(cond_kind, dtype=np.int64),
        cond_task=np.array(cond_task, dtype=np.int64),
        cond_value=np.array(cond_value, dtype=np.float64),
        decide_ptr=decide_ptr,
        decide_idx=decide_idx,
        dep_risk=np.array(dep, dtype=np.int64),
        req_ptr=req_ptr,
        req_idx=req_idx,
        exc_ptr=exc_ptr,
        exc_idx=exc_idx,
        pif_ptr=pif_ptr,
        pif_idx=pif_idx,
        pif_p=pif_p,
        lag_row=np.array(lag_row, dtype=np.int64),
        lag_dist=np.array(lag_dist, dtype=np.int64),
        lag_names=tuple(lag_names),
        weather=no_weather(n),
    )
