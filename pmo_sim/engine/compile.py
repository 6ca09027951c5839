"""Compile a Scenario into the struct-of-arrays model the kernels run on.

Everything here is done once per scenario state (and cached): the network in
topological order, every distribution packed into one (codes, params, table) set,
task costs, the risk register as arrays (occurrence, severity, impacts by task as
CSR rows), the copula's Cholesky factor, and the names of the random streams. Seeds
only enter later, when stream keys are derived from those names.

Random streams, named by ids so that variants of a scenario share their draws:
``<project>/duration:<task>``, ``<project>/cost:<task>`` (an uncertain fixed cost),
``<project>/occurs:<risk>``, ``<project>/severity:<risk>`` (one draw per risk and
iteration, driving all its delay and factor impacts), ``<project>/risk-cost:<risk>``,
``<project>/branch:<branch>`` and ``<project>/lag:<predecessor>><successor>`` (an
uncertain lag),
where ``<project>`` is the stream scope: the project's id (``Project.id``). The scope
keeps two projects' tasks of one name apart in a portfolio, while a project's numbers
stay the same alone and inside one. A portfolio's systemic risks, shared by every
project they hit, are scoped ``*`` (``SHARED_SCOPE``), which no project id can give a
stream of the same name (a project's names all carry its id before the slash).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..model.correlation import CorrelationModel, correlation_model
from ..model.distributions import Fixed
from ..model.scenario import Scenario
from ..scheduling.network import Network, build_network
from ..scheduling.timeline import GeneralModel, general_model, is_general
from .logic import LogicModel, logic_model, needs_logic
from .quantiles import Packer
from .resources import ResourceModel, needs_resources, resource_model
from .rng import stream_keys
from .weather import weather_model

#: The stream scope of risks shared by the projects of a portfolio (systemic risks).
SHARED_SCOPE = "*"


@dataclass(frozen=True)
class ExternalFinishes:
    """Finishes, per iteration, of tasks of other projects that tasks of this one follow
    (a portfolio's cross-project links). Each such task stands in this project's network
    as a milestone with no predecessors: ``rows[k]`` is its row of ``finish`` for the task
    in model position ``k`` (-1 for the project's own tasks), and ``finish[r, i]`` its
    finish in iteration ``i`` on this project's timeline."""

    rows: np.ndarray
    finish: np.ndarray

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return (self.rows, self.finish)


@dataclass(frozen=True)
class CompiledModel:
    """Arrays for the kernels; tasks are in topological order (``network.order``)."""

    network: Network
    codes: np.ndarray
    params: np.ndarray
    table: np.ndarray
    task_ids: tuple[str, ...]
    cost_row: np.ndarray
    cost_const: np.ndarray
    rate: np.ndarray
    has_cost: np.ndarray
    risk_ids: tuple[str, ...]
    risk_prob: np.ndarray
    risk_cost_row: np.ndarray
    imp_risk: np.ndarray
    imp_delay_row: np.ndarray
    imp_factor_row: np.ndarray
    timp_ptr: np.ndarray
    timp_idx: np.ndarray
    corr_task: np.ndarray
    corr_risk: np.ndarray
    corr_kind: np.ndarray
    corr_index: np.ndarray
    cholesky: np.ndarray
    correlation: CorrelationModel | None
    milestone_ids: tuple[str, ...]
    milestone_pos: np.ndarray
    response_cost: float
    costed: bool
    mitigated: bool
    general: GeneralModel | None = None
    #: Stream scope of the tasks and risks (the project id), and the risks scoped
    #: ``SHARED_SCOPE`` instead (a portfolio's systemic risks).
    stream_scope: str = ""
    shared_risks: frozenset[str] = frozenset()
    #: Per-iteration finishes of tasks of other projects (``ExternalFinishes``), or None.
    external: ExternalFinishes | None = None
    #: Streams of correlated items of other projects (a portfolio's correlations
    #: between projects), read by the copula as items of kind 2.
    foreign_streams: tuple[str, ...] = ()
    #: Branches, existence gates, dependent risks and uncertain lags (``engine.logic``),
    #: or None when the scenario has none of them.
    logic: LogicModel | None = None
    #: Resources, assignments, uncertain rates per day and the levelling order
    #: (``engine.resources``), or None when the scenario has none of them.
    resources: ResourceModel | None = None

    @property
    def levelled(self) -> bool:
        return self.resources is not None and self.resources.levelled

    def resource_args(self, seed: int) -> tuple | None:
        """The kernels' resource arrays (``ResourceModel.arrays``), or None."""
        if self.resources is None:
            return None
        return self.resources.arrays(self.stream_scope, self.task_ids, seed)

    @property
    def occurrence_rows(self) -> int:
        """Rows of the occurrence array: one per risk, then one per branch option."""
        return len(self.risk_ids) + (self.logic.gates if self.logic is not None else 0)

    @property
    def weather_shape(self) -> tuple[int, int]:
        """(weather calendars, own days + 1) of the kernels' lost-day scratch."""
        if self.logic is None or not self.logic.weather.size:
            return (0, 1)
        return (self.logic.weather.size, self.logic.weather.max_days + 1)

    @property
    def lag_rows(self) -> int:
        """Links with uncertain lags (rows of the kernels' lag scratch)."""
        return len(self.logic.lag_names) if self.logic is not None else 0

    def logic_args(self, seed: int) -> tuple | None:
        """The kernels' ``logic`` argument (``LogicModel.arrays``), or None."""
        if self.logic is None:
            return None
        k = self.keys(seed)
        return self.logic.arrays(k["branch"], k["lag"], k["weather"])

    def general_args(self) -> tuple:
        """(flag, net, calendar tables, progress) for the kernels; placeholders of the
        same types when the scenario needs no calendars or progress (the kernels then
        run the plain passes)."""
        if self.general is not None:
            return (True, *self.general.arrays)
        net = self.network
        n = net.size
        z = np.zeros((1, 1))
        zi = np.zeros(0, dtype=np.int64)
        return (
            False,
            (net.pred_ptr, net.pred_task, net.pred_type, net.pred_lag, net.earliest_start),
            (
                *(z, z, z, np.zeros(1), np.zeros(1), 1.0, 1.0, np.zeros(1), z, np.zeros(1)),
                *(z, z, np.zeros(1, dtype=np.int64)),  # day shapes: none
            ),
            (
                zi,
                np.zeros(n),
                zi,
                np.zeros(n, dtype=np.int64),
                np.zeros(n),
                np.zeros(n),
                np.zeros(n),
                np.zeros(n, dtype=np.int64),
                np.full((n, 5), np.inf),
            ),
        )

    @property
    def size(self) -> int:
        return self.network.size

    def keys(self, seed: int) -> dict[str, np.ndarray]:
        """Stream keys for ``seed`` (derived once per seed: the ranking and distributed
        runs ask for them again for every run)."""
        cache = self.__dict__.setdefault("_keys", {})
        if seed not in cache:
            cache.clear()  # one seed at a time is the common case; keep memory flat
            cache[seed] = self._derive_keys(seed)
        return cache[seed]

    def stream_names(self, kind: str) -> list[str]:
        """Names of the streams of ``kind`` ("duration", "cost", "occurs", "severity",
        "risk-cost"), one per task or risk in model order; "branch" (one per branch) and
        "lag" (one per uncertain lag)."""
        scope = self.stream_scope
        if kind in ("duration", "cost"):
            return [f"{scope}/{kind}:{t}" for t in self.task_ids]
        if kind == "branch":
            ids = self.logic.branch_ids if self.logic is not None else ()
            return [f"{scope}/branch:{b}" for b in ids]
        if kind == "lag":
            names = self.logic.lag_names if self.logic is not None else ()
            return [f"{scope}/lag:{x}" for x in names]
        if kind == "weather":
            names = self.logic.weather.p_names if self.logic is not None else ()
            return [f"{scope}/{x}" for x in names]
        return [
            f"{SHARED_SCOPE if r in self.shared_risks else scope}/{kind}:{r}" for r in self.risk_ids
        ]

    def _derive_keys(self, seed: int) -> dict[str, np.ndarray]:
        kinds = {"duration": "duration", "cost": "cost", "occurs": "occurs"}
        kinds |= {"severity": "severity", "risk_cost": "risk-cost"}
        kinds |= {"branch": "branch", "lag": "lag", "weather": "weather"}
        keys = {key: stream_keys(seed, self.stream_names(kind)) for key, kind in kinds.items()}
        keys["foreign"] = np.array(
            [stream_keys(seed, [name])[0] for name in self.foreign_streams], dtype=np.uint64
        )
        return keys

    def kernel_args(self, seed: int, enabled: np.ndarray | None = None) -> tuple:
        """(net, dists, tasks, risks, corr) tuples and the four general-pass arguments
        (``general_args``), as the kernels take them."""
        k = self.keys(seed)
        net = self.network
        if enabled is None:
            enabled = np.ones(len(self.risk_ids), dtype=np.uint8)
        return (
            (net.pred_ptr, net.pred_task, net.pred_type, net.pred_lag, net.earliest_start),
            (self.codes, self.params, self.table),
            (
                k["duration"],
                k["cost"],
                self.cost_row,
                self.cost_const,
                self.rate,
                self.has_cost,
                self.timp_ptr,
                self.timp_idx,
                self.corr_task,
            ),
            (
                k["occurs"],
                k["severity"],
                k["risk_cost"],
                self.risk_prob,
                enabled,
                self.risk_cost_row,
                self.corr_risk,
                self.imp_risk,
                self.imp_delay_row,
                self.imp_factor_row,
            ),
            (self.corr_kind, self.corr_index, self.cholesky, k["foreign"]),
            *self.general_args(),
        )

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays a worker needs (for sizing distributed runs)."""
        total = 0
        for value in self.__dict__.values():
            if isinstance(value, np.ndarray):
                total += value.nbytes
        net = self.network
        for a in (net.pred_ptr, net.pred_task, net.pred_type, net.pred_lag, net.earliest_start):
            total += a.nbytes
        if self.general is not None:
            total += sum(
                v.nbytes for v in self.general.__dict__.values() if isinstance(v, np.ndarray)
            )
            total += sum(
                v.nbytes for v in self.general.tables.__dict__.values() if isinstance(v, np.ndarray)
            )
        return int(total)


def compile_scenario(
    scenario: Scenario,
    mitigated: bool = False,
    repair_correlations: bool = False,
    *,
    shared_risks: frozenset[str] = frozenset(),
    correlation: CorrelationModel | None = None,
) -> CompiledModel:
    """Build the kernel model of ``scenario`` (its post-mitigation state if ``mitigated``);
    the risks in ``shared_risks`` draw from streams shared across projects.
    ``correlation`` replaces the scenario's own copula model (a portfolio's, whose
    items of other projects are ``("stream", name)`` pairs)."""
    net = build_network(scenario)
    n = net.size
    packer = Packer()
    tasks = [scenario.tasks[i] for i in net.order]
    # Floats count paths to the project finish in every iteration (the criticality
    # index): late-date constraints and deadlines do not make a task critical.
    general = general_model(scenario, to_finish=True) if is_general(scenario) else None
    complete = general.complete if general is not None else np.zeros(n, dtype=bool)
    for t in tasks:
        packer.add(t.duration)  # rows 0..n-1: durations in topological order
    cost_row = np.full(n, -1, dtype=np.int64)
    cost_const = np.zeros(n)
    rate = np.zeros(n)
    has_cost = np.zeros(n, dtype=np.uint8)
    for k, t in enumerate(tasks):
        if t.cost is None or t.cost.is_zero:
            continue
        has_cost[k] = 1
        # An uncertain rate is drawn with the resources (engine.resources), unless spent.
        rate[k] = t.cost.per_day if t.cost.uncertain_per_day is None or complete[k] else 0.0
        if complete[k]:
            # Spent: the most likely fixed cost, and the rate over the actual duration.
            cost_const[k] = t.cost.fixed.deterministic
        elif isinstance(t.cost.fixed, Fixed):
            cost_const[k] = t.cost.fixed.value
        else:
            cost_row[k] = packer.add(t.cost.fixed)

    pos = {tid: k for k, tid in enumerate(net.ids)}
    risks = [r.state(mitigated) for r in scenario.risks]
    response = sum(
        r.mitigated.response_cost for r in scenario.risks if mitigated and r.mitigated is not None
    )
    # A closed risk, or one that occurred, no longer occurs (probability 0).
    risk_prob = np.array([r.live_probability for r in risks], dtype=np.float64)
    risk_cost_row = np.array(
        [packer.add(r.cost) if r.cost is not None else -1 for r in risks], dtype=np.int64
    )
    imp_risk, imp_delay, imp_factor = [], [], []
    by_task: list[list[int]] = [[] for _ in range(n)]
    for ri, r in enumerate(risks):
        for imp in r.impacts:
            q = len(imp_risk)
            imp_risk.append(ri)
            imp_delay.append(packer.add(imp.delay) if imp.delay is not None else -1)
            imp_factor.append(packer.add(imp.factor) if imp.factor is not None else -1)
            for tid in dict.fromkeys(imp.tasks):  # a task listed twice is hit once
                by_task[pos[tid]].append(q)
    timp_ptr = np.zeros(n + 1, dtype=np.int64)
    timp_ptr[1:] = np.cumsum([len(b) for b in by_task])
    timp_idx = np.array([q for b in by_task for q in b], dtype=np.int64)

    corr = (
        correlation
        if correlation is not None
        else correlation_model(scenario, repair=repair_correlations)
    )
    foreign: list[str] = []
    corr_task = np.full(n, -1, dtype=np.int64)
    corr_risk = np.full(len(risks), -1, dtype=np.int64)
    kinds, index = [], []
    risk_pos = {r.id: i for i, r in enumerate(risks)}
    rate_corr: dict[str, int] = {}
    if corr is not None:
        for c, (kind, ident) in enumerate(corr.items):
            if kind == "resource":
                # A rate's normal comes from the rate's own stream (as a task's from its
                # duration stream); the resource prelude then reads the uniform.
                kinds.append(2)
                index.append(len(foreign))
                foreign.append(f"{scenario.project.id}/rate:{ident}")
                rate_corr[ident] = c
            elif kind == "task":
                kinds.append(0)
                index.append(pos[ident])
                corr_task[pos[ident]] = c
            elif kind == "stream":
                kinds.append(2)
                index.append(len(foreign))
                foreign.append(ident)
            else:
                kinds.append(1)
                index.append(risk_pos[ident])
                corr_risk[risk_pos[ident]] = c
        chol = np.ascontiguousarray(corr.cholesky)
    else:
        chol = np.zeros((0, 0))

    logic = None
    # A model on the calendar passes always takes the logic argument (empty when the
    # scenario has no branches, gates, dependencies, drawn lags or weather): one
    # compiled copy of those passes, the costliest kernels to compile, then serves the
    # deterministic CPM and every such simulation.
    if needs_logic(scenario) or general is not None:
        logic = logic_model(scenario, net, risks, packer)
        if general is not None:
            # The calendar passes run on the general model's links (those with a
            # constant bound folded away): index the drawn lags by them.
            logic = dataclasses.replace(
                logic,
                lag_row=logic.lag_row[general.pred_source],
                weather=weather_model(scenario, general, net.order, packer),
            )
    resources = None
    if needs_resources(scenario) or scenario.simulation.levelling:
        resources = resource_model(
            scenario,
            net,
            packer,
            levelled=scenario.simulation.levelling,
            general=general is not None,
            rate_corr=rate_corr,
        )
    codes, params, table = packer.arrays()
    milestones = [t.id for t in scenario.tasks if t.milestone]
    costed = bool(
        has_cost.any() or (risk_cost_row >= 0).any() or response > 0 or resources is not None
    )
    return CompiledModel(
        network=net,
        codes=codes,
        params=params,
        table=table,
        task_ids=net.ids,
        cost_row=cost_row,
        cost_const=cost_const,
        rate=rate,
        has_cost=has_cost,
        risk_ids=tuple(r.id for r in risks),
        risk_prob=risk_prob,
        risk_cost_row=risk_cost_row,
        imp_risk=np.array(imp_risk, dtype=np.int64),
        imp_delay_row=np.array(imp_delay, dtype=np.int64),
        imp_factor_row=np.array(imp_factor, dtype=np.int64),
        timp_ptr=timp_ptr,
        timp_idx=timp_idx,
        corr_task=corr_task,
        corr_risk=corr_risk,
        corr_kind=np.array(kinds, dtype=np.int64),
        corr_index=np.array(index, dtype=np.int64),
        cholesky=chol,
        correlation=corr,
        milestone_ids=tuple(milestones),
        milestone_pos=np.array([pos[m] for m in milestones], dtype=np.int64),
        response_cost=float(response),
        costed=costed,
        mitigated=mitigated,
        general=general,
        stream_scope=scenario.project.id,
        shared_risks=frozenset(shared_risks),
        foreign_streams=tuple(foreign),
        logic=logic,
        resources=resources,
    )


def compiled_model(
    scenario: Scenario, mitigated: bool = False, repair_correlations: bool = False
) -> CompiledModel:
    """The compiled model of ``scenario``, built once per scenario object and state."""
    cache = scenario.__dict__.get("_compiled_models")
    if cache is None:
        cache = {}
        # Scenario is frozen; the cache is not a field, so it bypasses __setattr__.
        object.__setattr__(scenario, "_compiled_models", cache)
    key = (mitigated, repair_correlations)
    if key not in cache:
        cache[key] = compile_scenario(scenario, mitigated, repair_correlations)
    return cache[key]
