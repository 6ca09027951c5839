"""The Monte Carlo kernel: blocks of iterations, iteration index in the inner loop.

For each block of iterations the kernel

1. draws risk events (occurrence, one severity per risk, its impacts and cost) and the
   correlated uniforms of the Gaussian copula;
2. for each task in topological order: samples its duration, applies the risk impacts
   (factors multiply, then delays add, the result is not below zero), adds its cost,
   and runs the forward pass over its predecessor links (FS/SS/FF/SF with lags);
3. runs the backward pass for late finishes and counts, per task, the iterations whose
   total float is within the critical tolerance.

Each worker (a thread, see ``simulate_blocks``) owns a contiguous share of the blocks,
its own scratch arrays and its own row of accumulators, so nothing is shared while the
loop runs.
Accumulators are integers (counts, and sums in fixed point with ``SUM_SCALE`` units per
working day), so merging them cannot depend on the order: the answer is the same bit
for bit whatever the number of workers or the block size.

Kernels validate nothing and allocate nothing per block: ``engine.blocks`` prepares
everything and owns the outputs.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ...base.jit import kernel
from ...scheduling.passes import backward_general, forward_general, no_drawn_lags
from ...scheduling.timeline import IN_PROGRESS
from .backward import backward_task
from .forward import forward_task
from .logic import (
    absent_critical,
    decide_branches,
    draw_lags,
    gate_task,
    logic_prelude,
)
from .resources import level_iteration, resource_prelude, resource_task_cost
from .risks import risk_costs, risk_prelude
from .sampling import task_cost, task_duration
from .weather import weather_prelude

#: Fixed-point resolution of per-task sums (mean start and duration): 2**-16 days.
SUM_SCALE = 65536.0


@kernel
def _run_block(
    i0,
    m,
    lhs,
    backward,
    stats,
    sub_base,
    model,
    tol,
    scratch,
    acc,
    calendars,
    external,
    logic,
    resources=None,
):
    """One block: iterations ``i0 .. i0 + m - 1`` of ``model`` (the kernel arguments:
    network, distributions, tasks, risks, correlation and the calendar-pass arguments),
    in a worker's ``scratch`` (``worker_scratch``), adding to its accumulators ``acc``
    (criticality counts, duration and start sums, kept durations and dates).

    Per task in topological order: its duration and cost (``sampling``), its early dates
    (``forward``), its statistics; then the risk costs, and the backward pass
    (``backward``) for the criticality counts.

    ``calendars`` is None for a network on the project's calendar, else the calendar-pass
    arguments (as in ``model``): numba prunes a branch on ``calendars is None`` before it
    types the function, so a plain network never compiles the calendar passes (the
    costliest kernels to compile), and each kind keeps its own cache entry.

    ``external`` is None, or (rows, finishes) for a project of a portfolio whose tasks
    follow tasks of other projects: task ``j`` with ``rows[j] >= 0`` stands for such a
    task (a milestone with no predecessors), and its early finish in iteration ``i`` is
    ``finishes[rows[j], i]``, on this project's timeline, instead of a forward pass. It
    does not raise the project finish: only links from it do.

    ``logic`` is None, or the branches, existence gates, dependent risks, uncertain lags
    and weather of the model (``engine.logic``; pruned the same way; every model on the
    calendar passes has one): a task whose gate row of ``OCC`` is 0 takes no time and
    costs nothing, conditional branches are decided right after the task they read,
    links with uncertain lags read their row of ``LAG`` (drawn right before), and tasks
    on a weather calendar work around the block's lost days (``WX``).

    ``resources`` is None, or (arrays, scratch, waited) of the model's resources
    (``engine.resources``; pruned the same way): rates and units are drawn before the
    tasks, each task's resource costs added once its dates are known. A levelled model
    (a levelling order in the arrays) then schedules every iteration again by the serial
    schedule-generation scheme (``kernels.resources.level_iteration``) within the
    resources' capacities: its dates, finish, statistics and criticality are the
    levelled ones, and the scratch keeps the unlevelled finish.
    """
    net, dists, tasks, risks, corr, gen = model
    D, ES, EF, LF, PF, COST, TMP, FB, WB, TOUCHED, OCC, SEV, RC, FAC, DEL, Z, U, LAG, WX = scratch
    crit, sum_d, sum_es, sub_d, sub_es, sub_ef = acc
    n = tasks[0].shape[0]
    R = risks[3].shape[0]
    status, fixed_es = gen[3][3], gen[3][4]
    risk_prelude(i0, m, lhs, dists, risks, corr, tasks[0], OCC, SEV, RC, FAC, DEL, Z, U)
    if logic is not None:
        logic_prelude(i0, m, lhs, dists, risks, logic, OCC, TMP, LAG)
        weather_prelude(i0, m, lhs, dists, logic[5], TMP, WX[0], WX[1])
    for t in range(m):
        PF[t] = 0.0
        COST[t] = 0.0
    levelled = False
    if resources is not None:
        RATE, UNITS, RCOST = resources[1][0], resources[1][1], resources[1][2]
        resource_prelude(i0, m, lhs, dists, resources[0], U, RATE, UNITS)
        for r in range(RCOST.shape[0]):
            for t in range(m):
                RCOST[r, t] = 0.0
        levelled = resources[0][14].shape[0] > 0
    for j in range(n):
        d = D[j]
        task_duration(j, i0, m, lhs, dists, tasks, risks, gen, OCC, FAC, DEL, U, d)
        if logic is not None and logic[0][j] >= 0:
            gate_task(j, m, logic, OCC, d)
            task_cost(j, i0, m, lhs, dists, tasks, d, TMP, COST, OCC[logic[0][j]])
        else:
            task_cost(j, i0, m, lhs, dists, tasks, d, TMP, COST, None)
        if logic is not None:
            # The lags drawn are those of the links the passes read.
            if calendars is None:
                draw_lags(j, i0, m, lhs, dists, net[0], logic, LAG)
            else:
                draw_lags(j, i0, m, lhs, dists, calendars[1][0], logic, LAG)
        if external is not None and external[0][j] >= 0:
            es = TMP
            external_finish(j, i0, m, external, EF[j], es)
            if calendars is not None:
                for t in range(m):
                    ES[j, t] = es[t]
        elif calendars is None:
            # Only early finishes are kept: the start row is scratch.
            es = TMP
            if logic is None:
                forward_task(j, m, net, D, EF, es, PF, None)
            else:
                # (The lags built at each call: a variable set to None or to a tuple
                # would be an optional type, which numba cannot prune.)
                forward_task(
                    j,
                    m,
                    net,
                    D,
                    EF,
                    es,
                    PF,
                    (logic[4][0], LAG, logic[5][0], WX[0], WX[1], logic[5][2]),
                )
        else:
            if logic is None:
                # Not reached (a model on the calendar passes always has a logic
                # argument), but typed as the one that is: the passes compile once.
                lags = no_drawn_lags(calendars[1][1].shape[0], n)
                forward_general(j, m, calendars, D, ES, EF, TMP, FB, WB, PF, lags)
            else:
                lags = (logic[4][0], LAG, logic[5][0], WX[0], WX[1], logic[5][2])
                forward_general(j, m, calendars, D, ES, EF, TMP, FB, WB, PF, lags)
            es = ES[j] if calendars[3][7][j] & 4 else TMP
        if logic is not None:
            decide_branches(j, m, logic, D, EF, OCC, R)
        if resources is not None and not levelled:
            rw = resources[1]
            resource_task_cost(
                j, i0, m, lhs, dists, resources[0], d, es, EF[j], rw[0], rw[1], rw[2], COST, rw[8]
            )
        ef = EF[j]
        if calendars is not None and status[j] == IN_PROGRESS:
            # Reported start of a task in progress: its actual start (the row holds the
            # start of the remaining work).
            es = TMP
            a = fixed_es[j]
            for t in range(m):
                es[t] = a
        if stats and not levelled:
            task_statistics(j, i0, m, sub_base, d, es, ef, sum_d, sum_es, sub_d, sub_es, sub_ef)
    if resources is not None and levelled:
        res, rw, waited = resources
        LES, UPF = rw[3], rw[4]
        for t in range(m):
            UPF[t] = PF[t]
        for t in range(m):
            if logic is None:
                PF[t] = level_iteration(
                    t, net, res, D, LES, EF, rw[1], rw[5], rw[6], rw[7], None, waited
                )
            else:
                lags = (logic[4][0], LAG, logic[5][0], WX[0], WX[1], logic[5][2])
                PF[t] = level_iteration(
                    t, net, res, D, LES, EF, rw[1], rw[5], rw[6], rw[7], lags, waited
                )
        for j in range(n):
            resource_task_cost(
                j, i0, m, lhs, dists, res, D[j], LES[j], EF[j], rw[0], rw[1], rw[2], COST, rw[8]
            )
            if stats:
                task_statistics(
                    j, i0, m, sub_base, D[j], LES[j], EF[j], sum_d, sum_es, sub_d, sub_es, sub_ef
                )
    risk_costs(m, risks, OCC, RC, COST)
    if not backward:
        return
    # Backward pass: late finishes pushed from successors to predecessors. A row is set
    # to the project finish when first needed (``TOUCHED``), not in a sweep of its own,
    # so it is still in cache when it is next used.
    for j in range(n):
        TOUCHED[j] = 0
    LS = TMP
    if calendars is None:
        for j in range(n - 1, -1, -1):
            if logic is None:
                crit[j] += backward_task(j, m, net, tol, D, EF, LF, PF, LS, TOUCHED, None)
            else:
                lags = (logic[4][0], LAG, logic[5][0], WX[0], WX[1], logic[5][2])
                crit[j] += backward_task(j, m, net, tol, D, EF, LF, PF, LS, TOUCHED, lags)
                crit[j] -= absent_critical(j, m, logic, OCC, EF, LF, tol)
    else:
        for j in range(n - 1, -1, -1):
            if logic is None:
                lags = no_drawn_lags(calendars[1][1].shape[0], n)
                crit[j] += backward_general(
                    j, m, calendars, tol, D, EF, LF, PF, LS, FB, WB, TOUCHED, lags
                )
            else:
                lags = (logic[4][0], LAG, logic[5][0], WX[0], WX[1], logic[5][2])
                crit[j] += backward_general(
                    j, m, calendars, tol, D, EF, LF, PF, LS, FB, WB, TOUCHED, lags
                )
                crit[j] -= absent_critical(j, m, logic, OCC, EF, LF, tol)


@kernel(inline="always")
def external_finish(j, i0, m, external, ef, es):
    """Early start and finish of task ``j`` standing for another project's task: both
    its finish in iterations ``i0 .. i0 + m - 1`` (see ``_run_block``)."""
    rows, finishes = external
    r = rows[j]
    for t in range(m):
        f = finishes[r, i0 + t]
        ef[t] = f
        es[t] = f


@kernel(inline="always")
def task_statistics(j, i0, m, sub_base, d, es, ef, sum_d, sum_es, sub_d, sub_es, sub_ef):
    """Add task ``j``'s durations and starts to its fixed-point sums, and keep the
    durations (and dates, when ``sub_es`` has columns) of the iterations in the
    sensitivity subsample: column c of ``sub_d`` is iteration ``sub_base + c``."""
    sd = 0
    se = 0
    for t in range(m):
        # Durations and starts are >= 0, so truncating x + 1/2 rounds to nearest.
        sd += np.int64(d[t] * SUM_SCALE + 0.5)
        se += np.int64(es[t] * SUM_SCALE + 0.5)
    sum_d[j] += sd
    sum_es[j] += se
    top = min(m, sub_base + sub_d.shape[1] - i0)
    for t in range(max(0, sub_base - i0), top):
        sub_d[j, i0 + t - sub_base] = d[t]
    if sub_es.shape[1] > 0:
        for t in range(max(0, sub_base - i0), top):
            sub_es[j, i0 + t - sub_base] = es[t]
            sub_ef[j, i0 + t - sub_base] = ef[t]


@kernel(inline="always")
def worker_scratch(work, w):
    """Worker ``w``'s scratch rows, as ``_run_block`` takes them, from the scratch arrays
    ``work = (task, es, vec, occ, risk, imp, corr, lag, weather)`` that have a leading
    worker axis."""
    s_task, s_es, s_vec, s_occ, s_risk, s_imp, s_corr, s_lag, s_weather = work
    return (
        s_task[w, 0],  # D: durations
        s_es[w],  # ES: early starts (calendar-and-progress passes only)
        s_task[w, 1],  # EF: early finishes
        s_task[w, 2],  # LF: late finishes
        s_vec[w, 0],  # PF: project finish
        s_vec[w, 1],  # COST
        s_vec[w, 2],  # TMP
        s_vec[w, 3],  # FB: finish bounds
        s_vec[w, 4],  # WB: bounds in working time
        np.zeros(s_task.shape[2], dtype=np.uint8),  # TOUCHED
        s_occ[w],  # OCC: occurrences
        s_risk[w, 0],  # SEV: severities
        s_risk[w, 1],  # RC: risk costs
        s_imp[w, 0],  # FAC: impact factors
        s_imp[w, 1],  # DEL: impact delays
        s_corr[w, 0],  # Z: correlated normals
        s_corr[w, 1],  # U: their uniforms
        s_lag[w],  # LAG: uncertain lags
        s_weather[w],  # WX: lost-day counts and inverses per weather calendar
    )


@kernel
def run_worker(
    w,
    workers,
    first_block,
    n_blocks,
    block,
    iterations,
    base,
    lhs,
    backward,
    stats,
    args,
    milestones,
    tol,
    out,
    work,
    calendars,
    external,
    logic,
    resources=None,
):
    """Worker ``w`` of ``workers``: its contiguous share of blocks first_block ..
    first_block + n_blocks - 1, into the output arrays (see ``simulate_blocks``)."""
    net, dists, tasks, risks, corr, gflag, gnet, gcal, gprog = args
    out_finish, out_cost, out_milestones, out_occ, crit, sum_d, sum_es, sub_d, sub_es, sub_ef = out
    keep_occ = out_occ.shape[1] > 0
    model = (net, dists, tasks, risks, corr, (gflag, gnet, gcal, gprog))
    scratch = worker_scratch(work, w)
    EF = scratch[2]
    PF = scratch[4]
    COST = scratch[5]
    OCC = scratch[10]
    acc = (crit[w], sum_d[w], sum_es[w], sub_d, sub_es, sub_ef)
    lo = n_blocks * w // workers
    hi = n_blocks * (w + 1) // workers
    for bb in range(lo, hi):
        i0 = (first_block + bb) * block
        m = min(block, iterations - i0)
        if m <= 0:
            continue
        # Two calls, not one with an optional argument: numba prunes the resource code
        # out of the block only where the argument is the literal None.
        if resources is None:
            _run_block(
                i0,
                m,
                lhs,
                backward,
                stats,
                base,
                model,
                tol,
                scratch,
                acc,
                calendars,
                external,
                logic,
            )
        else:
            res, rwork, rout = resources
            # This worker's rows of the resource scratch.
            mine = (
                rwork[0][w],
                rwork[1][w],
                rwork[2][w],
                rwork[3][w],
                rwork[4][w],
                rwork[5][w],
                rwork[6][w],
                rwork[7][w],
                rwork[8][w],
            )
            _run_block(
                i0,
                m,
                lhs,
                backward,
                stats,
                base,
                model,
                tol,
                scratch,
                acc,
                calendars,
                external,
                logic,
                (res, mine, rout[2][w]),
            )
            out_rcost, out_unlevelled = rout[0], rout[1]
            RCOST, UPF = rwork[2][w], rwork[4][w]
            for r in range(RCOST.shape[0]):
                for t in range(m):
                    out_rcost[r, i0 + t - base] = RCOST[r, t]
            if out_unlevelled.shape[0] > 0:
                for t in range(m):
                    out_unlevelled[i0 + t - base] = UPF[t]
        for t in range(m):
            out_finish[i0 + t - base] = PF[t]
            out_cost[i0 + t - base] = COST[t]
        for q in range(milestones.shape[0]):
            mj = milestones[q]
            for t in range(m):
                out_milestones[q, i0 + t - base] = EF[mj, t]
        if keep_occ:
            for r in range(OCC.shape[0]):
                for t in range(m):
                    out_occ[r, i0 + t - base] = OCC[r, t]


def simulate_blocks(
    first_block,
    n_blocks,
    block,
    iterations,
    base,
    lhs,
    backward,
    stats,
    args,
    milestones,
    tol,
    out,
    work,
    calendars,
    external=None,
    logic=None,
    resources=None,
):
    """Run blocks first_block..first_block+n_blocks-1 into the output arrays.

    ``args`` are the model's kernel arguments (``CompiledModel.kernel_args``), ``out`` =
    (finish, cost, milestones, occurrences, crit, sum_d, sum_es, sub_d, sub_es, sub_ef)
    and ``work`` the scratch arrays (see ``worker_scratch``); ``calendars`` is None for
    a network on the project's calendar, else the model's calendar-pass arguments
    (``args[5:]``; see ``_run_block``), and ``external`` None or the finishes of other
    projects' tasks (``CompiledModel.external``; see ``_run_block``), ``logic`` None or
    the model's branches, gates, dependent risks and uncertain lags
    (``CompiledModel.logic_args``), ``resources`` None or (arrays, scratch, outputs) of
    the model's resources: arrays ``CompiledModel.resource_args``, scratch (rates, units,
    resource costs, levelled starts, unlevelled finish, profile times, levels and
    lengths, a row) with a leading worker axis, outputs (resource cost per resource and
    iteration, unlevelled finish per iteration (no columns unless levelled), and the
    (workers, tasks) counts of iterations a task waited for a resource).

    Output arrays start at iteration ``base`` (index ``i - base``), so a runner can
    hand out any range of blocks with outputs sized to that range alone; ``sub_d``
    column c holds iteration ``base + c`` (it may have fewer columns than the range).

    Scratch arrays have a leading worker axis, one per thread; ``crit``, ``sum_d`` and
    ``sum_es`` are (workers, tasks) integer accumulators that are added to. ``out_occ``
    may have zero columns (occurrences not kept); ``sub_d`` keeps the durations of the
    first ``sub_d.shape[1]`` iterations (for rank-based sensitivity), and
    ``sub_es``/``sub_ef`` their early starts and finishes when they have columns.

    Each worker is one call of the serial kernel ``run_worker`` on a thread of its own
    (the kernels release the GIL). Threads rather than numba's ``prange``: a parallel
    kernel costs numba's parallel-loop passes at every first compilation (tens of
    seconds on a new machine), and the work was split by worker by hand already.
    """
    workers = work[0].shape[0]
    rest = (first_block, n_blocks, block, iterations, base, lhs, backward, stats)
    rest += (args, milestones, tol, out, work, calendars, external, logic, resources)
    if workers == 1:
        run_worker(0, 1, *rest)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pmo-sim") as pool:
        done = [pool.submit(run_worker, w, workers, *rest) for w in range(workers)]
        for future in done:
            future.result()  # a worker's exception is raised here


@kernel
def sample_durations(
    first, count, lhs, args, out, calendars=None, logic=None, n_occ=0, n_lag=0, n_w=0, n_q=1
):
    """Durations (risk impacts included) of iterations first..first+count-1, all tasks.

    The same draws the simulation uses, so any iteration can be recomputed alone.
    ``calendars`` and ``logic`` as for ``simulate_blocks``; ``n_occ`` rows of
    occurrences (risks and branch options), ``n_lag`` uncertain lags, ``n_w`` weather
    calendars of ``n_q - 1`` own days.
    """
    net, dists, tasks, risks, corr, gflag, gnet, gcal, gprog = args
    model = (net, dists, tasks, risks, corr, (gflag, gnet, gcal, gprog))
    n = out.shape[0]
    R = max(risks[3].shape[0], n_occ)
    n_imp = risks[7].shape[0]
    k = corr[0].shape[0]
    work = (
        np.empty((1, 3, n, count)),
        np.empty((1, n, count)),
        np.empty((1, 5, count)),
        np.empty((1, R, count), dtype=np.uint8),
        np.empty((1, 2, R, count)),
        np.empty((1, 2, n_imp, count)),
        np.empty((1, 2, k, count)),
        np.empty((1, n_lag, count)),
        np.empty((1, 2, n_w, n_q, count), dtype=np.int32),
    )
    scratch = worker_scratch(work, 0)
    zero = np.zeros(n, dtype=np.int64)
    none = np.empty((n, 0))
    acc = (zero, zero, zero, np.empty((n, 0), dtype=np.float32), none, none)
    # Durations come before the passes, but a conditional branch reads the early
    # finishes: with task calendars or progress the model's own passes give them.
    _run_block(first, count, lhs, False, False, 0, model, 0.0, scratch, acc, calendars, None, logic)
    D = scratch[0]
    for j in range(n):
        for t in range(count):
            out[j, t] = D[j, t]
