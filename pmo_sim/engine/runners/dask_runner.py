"""Run simulations on a Dask cluster, with the same answer as on one machine.

A run is a list of blocks of iterations, and every random number is a pure function of
(seed, stream, iteration), so a range of blocks gives the same partial result wherever it
runs. The Dask runner therefore does what the local runner does, spread over a cluster:

1. the compiled model (a few numpy arrays, about ``CompiledModel.nbytes``) is sent to
   every worker once per run (``client.scatter(..., broadcast=True)``);
2. one Dask task per range of ``blocks_per_task`` blocks runs ``engine.blocks.run_blocks`` on
   the worker with the same numba kernels;
3. the partial results come back as they finish and are merged in block order with
   ``engine.blocks.merge_runs`` (integer sums, per-iteration arrays concatenated), so the answer
   is bit-for-bit that of the local run for any number of workers or blocks per task.

The exclusion ranking is spread the same way: one Dask task per batch of risks, each
running its exclusion runs (all blocks, with one risk switched off) on its worker.

Faults. Tasks are pure functions of their block range, so when a worker dies Dask runs
its tasks again elsewhere and the answer is unchanged. The model is replicated on every
worker, so it survives as long as one of them does. A task that kills workers
repeatedly (``distributed.scheduler.allowed-failures``, usually out of memory) stops the
run with a ``ClusterError``.

Threads on a worker. A task runs its blocks with as many numba threads as its worker
has Dask threads, and one such task at a time per worker process (a process-wide lock),
so a worker started with ``--nthreads 4`` uses its four cores for one range at a time
instead of four ranges fighting over them. Single-threaded worker processes
(``dask worker --nthreads 1 --nworkers N``, or ``--dask-local N``) are the simplest.

Numba kernels on workers. The kernels are compiled with ``cache=True``: the machine code
is written next to each kernel module (``__pycache__/*.nbi, *.nbc``), or, when that
folder is read-only, to numba's per-user cache (``~/.cache/numba``; set
``NUMBA_CACHE_DIR`` to choose another place). A worker process loads the cached kernels
the first time it runs a task (about a second). Worker processes on the same machine,
or on machines started from the same image whose cache was filled when the image was
built, share that cache; on a fresh machine each worker process compiles the kernels
once (about a minute on a small machine) and, where the cache is writable, later
processes load them. numba keys cached code by CPU model, so a cluster of another CPU
type compiles once per machine. ``prepare_workers`` runs a tiny simulation on every
worker so that this start-up is paid (and can be timed) before the run.

Every worker must run the same pmo-sim, numpy, numba and Python versions as the client
(``prepare_workers`` checks this); the answer is then the same bit for bit.

Dask and distributed are optional: ``pip install ".[dask]"``.
"""

from __future__ import annotations

import datetime
import math
import platform
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numba
import numpy as np

from ...model.errors import ClusterError, must
from ..blocks import DEFAULT_BLOCK, BlockRun, RawRun, merge_runs, run_blocks
from ..compile import CompiledModel
from ..exclusion import exclusion_runs

if TYPE_CHECKING:  # pragma: no cover - typing only
    from distributed import Client

INSTALL_HINT = 'pip install ".[dask]"'
#: Seconds to wait for the scheduler (and for a first worker) before giving up.
CONNECT_TIMEOUT = 10.0
#: Default split of a run: about this many Dask tasks per worker thread (load balance),
TASKS_PER_THREAD = 4
#: ... but no task longer than this many blocks (what a lost worker costs to redo).
MAX_BLOCKS_PER_TASK = 64

# One kernel launch at a time per worker process: a task uses all the worker's threads.
_KERNEL_LOCK = threading.Lock()


def require_dask() -> Any:
    """Import and return ``distributed``, or raise ``ClusterError`` saying how to install it."""
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError as exc:
        raise ClusterError(
            f"running on a Dask cluster needs the dask and distributed packages "
            f"({exc.name or exc} is not installed): {INSTALL_HINT}"
        ) from None
    return distributed


def _check_client(client: Any) -> None:
    distributed = require_dask()
    if not isinstance(client, distributed.Client):
        raise TypeError(must("client", "a dask.distributed.Client", client))


def _whole_or_none(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(must(name, "a whole number or None", value))
    if value < 1:
        raise ValueError(must(name, "at least 1", value))
    return int(value)


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Client:
    """A ``Client`` of the scheduler at ``address`` (``tcp://HOST:8786``).

    Raises ``ClusterError`` within about ``timeout`` seconds when the scheduler cannot be
    reached, instead of waiting for it.
    """
    distributed = require_dask()
    try:
        return distributed.Client(address, timeout=timeout)
    except Exception as exc:  # any failure to connect is reported the same way
        raise ClusterError(
            f"cannot connect to the Dask scheduler at {address} within {timeout:g} s "
            f"({type(exc).__name__}: {exc}); check the address (tcp://HOST:8786), that "
            "`dask scheduler` is running there and that its port is open from here"
        ) from None


def start_local_cluster(n_workers: int) -> tuple[Any, Client]:
    """Start a ``LocalCluster`` of ``n_workers`` single-threaded worker processes.

    Returns ``(cluster, client)``; close the client, then the cluster, when done.
    """
    distributed = require_dask()
    n_workers = _whole_or_none("n_workers", n_workers)
    if n_workers is None:
        raise TypeError(must("n_workers", "a whole number", None))
    cluster = distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        # No dashboard; the scheduler's small HTTP server (health checks) still starts,
        # on a free port rather than 8787, which another cluster may hold.
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": ":0"},
    )
    try:
        client = distributed.Client(cluster)
    except BaseException:
        cluster.close()
        raise
    return cluster, client


def _versions() -> dict[str, str]:
    """Versions that decide whether a worker gives the client's answer bit for bit."""
    from ...base.version import __version__

    return {
        "pmo-sim": __version__,
        "numpy": np.__version__,
        "numba": numba.__version__,
        "python": ".".join(platform.python_version_tuple()[:2]),
    }


def warm_up() -> dict[str, Any]:
    """Load the simulation kernels in this process (compiling them once if numba's cache
    has none for this CPU) by running a tiny simulation.

    ``prepare_workers`` runs it on every worker; run it when building a worker image to
    fill the cache there. Returns ``{"versions": {...}, "seconds": float}``.
    """
    from ...model.distributions import Triangular
    from ...model.risks import Impact, Risk
    from ...model.scenario import Project, Scenario
    from ...model.tasks import Task, TaskCost
    from ..compile import compiled_model

    started = time.perf_counter()
    tiny = Scenario(
        project=Project(name="warm-up", start=datetime.date(2027, 1, 4)),
        tasks=(
            Task("a", duration=Triangular(1, 2, 4), cost=TaskCost(per_day=1.0)),
            Task("b", duration=Triangular(1, 2, 4), predecessors=("a",)),
        ),
        risks=(Risk("r", probability=0.5, impacts=(Impact(("b",), delay=Triangular(1, 2, 3)),)),),
    )
    with _KERNEL_LOCK:
        run_blocks(compiled_model(tiny), 1, "lhs", 64, 0, 1, 1, 64)
    return {"versions": _versions(), "seconds": time.perf_counter() - started}


def prepare_workers(client: Client, timeout: float = CONNECT_TIMEOUT) -> dict[str, float]:
    """Check every worker and load the kernels there before a run.

    Waits up to ``timeout`` seconds for at least one worker, runs a tiny simulation on
    each worker (so loading or compiling the numba kernels is not charged to the run),
    and checks that every worker runs the client's pmo-sim, numpy, numba and Python
    versions. Returns the seconds each worker took, by worker address.

    Raises
    ------
    ClusterError
        No worker joined within ``timeout``, or a worker runs other versions.
    """
    _check_client(client)
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise ClusterError(
            f"the Dask scheduler at {client.scheduler.address} has no workers after "
            f"{timeout:g} s; start some with `dask worker {client.scheduler.address} "
            "--nthreads 1`"
        ) from None
    workers = sorted(client.scheduler_info()["workers"])
    futures = {
        address: client.submit(
            warm_up,
            key=f"pmo-sim-warm-up-{uuid.uuid4().hex[:8]}",
            workers=[address],
            allow_other_workers=False,
            pure=False,
        )
        for address in workers
    }
    mine = _versions()
    seconds = {}
    for address, future in futures.items():
        report = future.result()
        theirs = report["versions"]
        if theirs != mine:
            diff = ", ".join(
                f"{k} {theirs.get(k)} there, {v} here"
                for k, v in mine.items()
                if theirs.get(k) != v
            )
            raise ClusterError(
                f"worker {address} runs other versions than this machine ({diff}); install "
                "the same versions on every worker so that results are identical"
            )
        seconds[address] = float(report["seconds"])
    return seconds


def _worker_threads() -> int:
    """Numba threads for a task: the Dask threads of the worker it runs on (else 1)."""
    try:
        from distributed import get_worker

        n = int(getattr(get_worker().state, "nthreads", 1))
    except (ImportError, ValueError, AttributeError):
        n = 1
    return max(1, min(n, numba.config.NUMBA_NUM_THREADS))


def _run_range(
    model: CompiledModel,
    seed: int,
    sampling: str,
    iterations: int,
    block_size: int,
    first_block: int,
    n_blocks: int,
    full: bool,
    enabled: np.ndarray | None,
    run_options: dict[str, Any],
) -> RawRun:
    """A Dask task: blocks ``first_block .. first_block + n_blocks - 1`` of the run."""
    with _KERNEL_LOCK:
        return run_blocks(
            model,
            seed,
            sampling,
            iterations,
            first_block,
            n_blocks,
            _worker_threads(),
            block_size,
            full=full,
            enabled=enabled,
            **run_options,
        )


def _total_threads(client: Client) -> int:
    return max(1, sum(client.nthreads().values()))


def default_blocks_per_task(total_blocks: int, worker_threads: int) -> int:
    """Blocks per Dask task: about ``TASKS_PER_THREAD`` tasks per worker thread, so that
    fast and slow workers even out, and at most ``MAX_BLOCKS_PER_TASK``."""
    per = math.ceil(total_blocks / (TASKS_PER_THREAD * max(worker_threads, 1)))
    return max(1, min(per, MAX_BLOCKS_PER_TASK))


def _split(first_block: int, n_blocks: int, per: int) -> list[tuple[int, int]]:
    return [
        (b, min(per, first_block + n_blocks - b))
        for b in range(first_block, first_block + n_blocks, per)
    ]


def _result(future: Any) -> Any:
    """A finished future's value; a task that kept killing workers is a ``ClusterError``."""
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker as exc:
        raise ClusterError(
            f"a pmo-sim task was lost with its worker too many times ({exc}); the workers "
            "probably ran out of memory: give them more, use fewer threads per worker, or "
            "a smaller block size"
        ) from None


def iter_ranges_on_dask(
    client: Client,
    run: BlockRun,
    ranges: Sequence[tuple[int, int]],
    blocks_per_task: int | None = None,
    *,
    full: bool = True,
    enabled: np.ndarray | None = None,
    progress: Callable[[int, int], Any] | None = None,
    **run_options: Any,
) -> Iterator[RawRun]:
    """Run each ``(first_block, n_blocks)`` range of ``run`` on the cluster; yield one
    ``RawRun`` per range as soon as all of it is done (so in completion order, not block
    order).

    Each range is split into Dask tasks of ``blocks_per_task`` blocks (default:
    ``default_blocks_per_task``). ``progress(done, total)`` is called with iterations
    after each task. Unfinished tasks are cancelled when the caller stops early.
    """
    _check_client(client)
    from distributed import as_completed

    blocks_per_task = _whole_or_none("blocks_per_task", blocks_per_task)
    total_blocks = sum(count for _, count in ranges)
    if blocks_per_task is None:
        blocks_per_task = default_blocks_per_task(total_blocks, _total_threads(client))

    total = sum(run.span(f, c) for f, c in ranges)
    token = uuid.uuid4().hex[:8]
    model_future = client.scatter(run.model, broadcast=True, hash=False)
    owner: dict[Any, int] = {}  # task future -> index of its range
    waiting: list[int] = []  # tasks still running per range
    parts: list[list[RawRun]] = []
    try:
        for r, (first_block, count) in enumerate(ranges):
            tasks = _split(first_block, count, blocks_per_task)
            waiting.append(len(tasks))
            parts.append([])
            for b, n in tasks:
                future = client.submit(
                    _run_range,
                    model_future,
                    run.seed,
                    run.sampling,
                    run.iterations,
                    run.block_size,
                    b,
                    n,
                    full,
                    enabled,
                    run_options,
                    key=f"pmo-sim-blocks-{b}+{n}-{token}",
                    pure=False,
                )
                owner[future] = r
        done = 0
        for future in as_completed(list(owner)):
            part = _result(future)
            r = owner.pop(future)
            done += part.iterations
            if progress is not None:
                progress(done, total)
            parts[r].append(part)
            waiting[r] -= 1
            if waiting[r] == 0:
                merged = merge_runs(parts[r])
                parts[r] = []
                yield merged
    finally:
        if owner:
            client.cancel(list(owner))
        model_future.release()


class DaskRunner:
    """Runs ranges of blocks on a Dask cluster (for ``checkpoint.run_with_checkpoint``).

    Parameters
    ----------
    client : dask.distributed.Client
    blocks_per_task : int, optional
        Blocks per Dask task (default: ``default_blocks_per_task``); never changes the
        answer.
    """

    def __init__(self, client: Client, blocks_per_task: int | None = None) -> None:
        _check_client(client)
        self.client = client
        self.blocks_per_task = _whole_or_none("blocks_per_task", blocks_per_task)

    def __call__(
        self, run: BlockRun, ranges: Sequence[tuple[int, int]], **run_options: Any
    ) -> Iterator[RawRun]:
        return iter_ranges_on_dask(self.client, run, ranges, self.blocks_per_task, **run_options)


def run_on_dask(
    client: Client,
    model: CompiledModel,
    seed: int,
    sampling: str,
    iterations: int,
    block_size: int = DEFAULT_BLOCK,
    blocks_per_task: int | None = None,
    full: bool = True,
    enabled: np.ndarray | None = None,
    *,
    progress: Callable[[int, int], Any] | None = None,
    **run_options: Any,
) -> RawRun:
    """Run all ``iterations`` iterations of ``model`` on a Dask cluster.

    The Dask counterpart of ``engine.blocks.run_kernel``: same arguments (a client instead of
    threads), and the same ``RawRun`` bit for bit. ``run_options`` (such as
    ``keep_dates``) go to ``engine.blocks.run_blocks`` on the workers.

    Parameters
    ----------
    client : dask.distributed.Client
    model : CompiledModel
        From ``engine.compile.compiled_model``; scattered to every worker once.
    seed, sampling, iterations, block_size :
        As for ``engine.blocks.run_kernel``.
    blocks_per_task : int, optional
        Blocks per Dask task (default: about four tasks per worker thread, at most
        ``MAX_BLOCKS_PER_TASK``). Never changes the answer.
    full, enabled :
        As for ``engine.blocks.run_blocks``.
    progress : callable, optional
        ``progress(done, total)`` in iterations, after each task.
    """
    run = BlockRun(model, seed, sampling, iterations, block_size)
    parts = list(
        iter_ranges_on_dask(
            client,
            run,
            [(0, run.total_blocks)],
            blocks_per_task,
            full=full,
            enabled=enabled,
            progress=progress,
            **run_options,
        )
    )
    return parts[0]


def _rank_batch(
    model: CompiledModel,
    baseline: tuple[np.ndarray, np.ndarray],
    seed: int,
    sampling: str,
    iterations: int,
    block_size: int,
    risks: tuple[int, int],
) -> tuple[int, np.ndarray]:
    """A Dask task: the exclusion runs of risks ``risks[0] .. risks[1] - 1``, by the same
    ``engine.exclusion.exclusion_runs`` the local ranking uses; rows are (finish delta, cost
    delta, mean delay, mean cost)."""
    lo, hi = risks
    with _KERNEL_LOCK:
        out = exclusion_runs(
            model,
            seed,
            sampling,
            iterations,
            _worker_threads(),
            block_size,
            baseline,
            range(lo, hi),
        )
    return lo, out


def rank_on_dask(
    client: Client,
    model: CompiledModel,
    seed: int,
    sampling: str,
    iterations: int,
    block_size: int = DEFAULT_BLOCK,
    risks_per_task: int | None = None,
    baseline: tuple[np.ndarray, np.ndarray] | None = None,
    *,
    progress: Callable[[int, int], Any] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The exclusion runs of ``engine.ranking.rank_risks`` on a Dask cluster, one task per batch
    of risks.

    Returns ``(finish_delta, cost_delta, mean_delay, mean_cost)``, one value per risk in
    ``model.risk_ids`` order, equal bit for bit to the local ranking's
    ``p80_finish_contribution``, ``p80_cost_contribution``, ``mean_delay`` and
    ``mean_cost``.

    Parameters
    ----------
    baseline : (finish, cost) arrays, optional
        The per-iteration finish and cost of the run with every risk (at least
        ``iterations`` of them; the first ``iterations`` are used). Computed on the
        cluster (forward pass only) when omitted.
    risks_per_task : int, optional
        Risks per Dask task (default: about four tasks per worker thread). Never changes
        the answer.
    progress : callable, optional
        ``progress(done, total)`` in risks, after each task.
    """
    _check_client(client)
    from distributed import as_completed

    risks_per_task = _whole_or_none("risks_per_task", risks_per_task)
    R = len(model.risk_ids)
    result = tuple(np.zeros(R) for _ in range(4))
    if R == 0:
        return result  # type: ignore[return-value]
    if baseline is None:
        raw = run_on_dask(client, model, seed, sampling, iterations, block_size, full=False)
        baseline = (raw.finish, raw.cost)
    base_finish, base_cost = baseline[0][:iterations], baseline[1][:iterations]
    if risks_per_task is None:
        risks_per_task = max(1, math.ceil(R / (TASKS_PER_THREAD * _total_threads(client))))
    token = uuid.uuid4().hex[:8]
    model_future = client.scatter(model, broadcast=True, hash=False)
    base_futures = client.scatter([base_finish, base_cost], broadcast=True, hash=False)
    futures = []
    try:
        for lo in range(0, R, risks_per_task):
            hi = min(lo + risks_per_task, R)
            futures.append(
                client.submit(
                    _rank_batch,
                    model_future,
                    tuple(base_futures),
                    seed,
                    sampling,
                    iterations,
                    block_size,
                    (lo, hi),
                    key=f"pmo-sim-ranking-{lo}-{hi}-{token}",
                    pure=False,
                )
            )
        done = 0
        for future in as_completed(futures):
            lo, out = _result(future)
            for row, values in zip(result, out, strict=True):
                row[lo : lo + out.shape[1]] = values
            done += out.shape[1]
            if progress is not None:
                progress(done, R)
        futures = []
    finally:
        if futures:
            client.cancel(futures)
        for future in (model_future, *base_futures):
            future.release()
    return result  # type: ignore[return-value]
