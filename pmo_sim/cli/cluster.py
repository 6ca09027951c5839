"""Command-line options for running on a Dask cluster and resuming long runs.

``cluster_options`` adds ``--scheduler``, ``--dask-local`` and ``--checkpoint`` to a
command; ``cluster_context`` turns the first two into a Dask ``Client`` (or ``None`` for
a run on this machine's threads) for the duration of the command::

    @cluster_options
    def run(..., scheduler, dask_local, checkpoint):
        with cluster_context(scheduler, dask_local, log=...) as client:
            simulate(..., client=client, checkpoint=checkpoint)

Neither Dask nor the engine is imported until one of the cluster options is given, so
the command line stays fast and works without the ``pmo-sim[dask]`` extra.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import click

CLUSTER_OPTIONS = [
    click.option(
        "--scheduler",
        metavar="tcp://HOST:8786",
        help="Run on the Dask cluster whose scheduler is at this address (needs pmo-sim[dask]).",
    ),
    click.option(
        "--dask-local",
        type=click.IntRange(min=1),
        metavar="N",
        help="Start a local Dask cluster of N single-threaded worker processes for this run.",
    ),
    click.option(
        "--checkpoint",
        type=click.Path(file_okay=False, dir_okay=True, writable=True),
        metavar="DIR",
        help="Keep finished blocks in DIR; the same command run again resumes from them.",
    ),
]


def cluster_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--scheduler``, ``--dask-local`` and ``--checkpoint`` to a click command."""
    for option in reversed(CLUSTER_OPTIONS):
        fn = option(fn)
    return fn


@contextlib.contextmanager
def cluster_context(
    scheduler: str | None,
    dask_local: int | None,
    *,
    timeout: float | None = None,
    log: Callable[[str], Any] | None = None,
) -> Iterator[Any]:
    """A Dask ``Client`` for ``--scheduler`` or ``--dask-local`` (None when neither).

    With ``--dask-local N`` a ``LocalCluster`` of N single-threaded worker processes is
    started and closed on exit. Either way the workers are checked (same versions as
    here) and load the kernels before the run; ``log`` (for example an echo to stderr)
    is told how long that took.

    Raises
    ------
    click.UsageError
        Both options were given.
    pmo_sim.model.errors.ClusterError
        Dask is missing, the scheduler cannot be reached within ``timeout`` seconds, it
        has no workers, or they run other versions (``timeout`` defaults to
        ``pmo_sim.engine.runners.dask_runner.CONNECT_TIMEOUT``).
    """
    if scheduler is not None and dask_local is not None:
        raise click.UsageError("use either --scheduler or --dask-local, not both")
    if scheduler is None and dask_local is None:
        yield None
        return
    from ..engine.runners.dask_runner import (
        CONNECT_TIMEOUT,
        connect,
        prepare_workers,
        start_local_cluster,
    )

    timeout = CONNECT_TIMEOUT if timeout is None else timeout

    started = time.perf_counter()
    cluster = None
    if dask_local is not None:
        cluster, client = start_local_cluster(dask_local)
        where = f"a local Dask cluster of {dask_local} worker process(es)"
    else:
        client = connect(scheduler, timeout=timeout)
        where = f"the Dask scheduler at {scheduler}"
    try:
        seconds = prepare_workers(client, timeout=timeout)
        if log is not None:
            threads = sum(client.nthreads().values())
            log(
                f"using {where}: {len(seconds)} worker(s), {threads} thread(s), ready in "
                f"{time.perf_counter() - started:.1f} s"
            )
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
