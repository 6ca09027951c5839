"""The runner interface, and the runner that uses this process's threads.

A runner runs ranges of blocks of a run and yields one ``RawRun`` per range. ``simulate``
takes any runner (``LocalRunner``, ``checkpoint.run_with_checkpoint`` over a runner,
``dask_runner.DaskRunner``); runners depend only on ``engine.blocks``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

from ..blocks import BlockRun, RawRun, merge_runs
from ..settings import thread_count


class Runner(Protocol):
    """Runs ranges of blocks of ``run``, yielding one ``RawRun`` per
    ``(first_block, n_blocks)`` range in any order (each one's ``first`` tells which);
    ``run_options`` go to ``engine.blocks.run_blocks``."""

    def __call__(
        self, run: BlockRun, ranges: Sequence[tuple[int, int]], **run_options: Any
    ) -> Iterable[RawRun]: ...


class LocalRunner:
    """Runs ranges of blocks one after another on this process's threads.

    Parameters
    ----------
    threads : int, optional
        Numba threads (default: all); never changes the answer.
    """

    def __init__(self, threads: int | None = None) -> None:
        self.threads = thread_count(threads)

    def __call__(
        self, run: BlockRun, ranges: Sequence[tuple[int, int]], **run_options: Any
    ) -> Iterator[RawRun]:
        for first_block, n_blocks in ranges:
            yield run.run(first_block, n_blocks, self.threads, **run_options)


def run_all(
    runner: Runner,
    run: BlockRun,
    *,
    progress: Callable[[int, int], Any] | None = None,
    **run_options: Any,
) -> RawRun:
    """All iterations of ``run`` on ``runner``, as one range of blocks: the same
    ``RawRun`` bit for bit whichever runner runs it."""
    parts = runner(run, [(0, run.total_blocks)], progress=progress, **run_options)
    return merge_runs(list(parts))
