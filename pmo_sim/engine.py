"""Run a simulation: prepare arrays once, then hand blocks of iterations to the kernel.

A run is a list of blocks of ``block_size`` iterations. The local runner processes
them in waves on numba's threads (a wave = a few blocks per worker), which also gives
natural points for progress reports. Every random number depends only on (seed,
stream, iteration), so the answer is the same bit for bit whatever the thread count,
block size or wave size.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from . import _kernels
from .compile import CompiledModel, compile_scenario
from .cpm import CRITICAL_TOLERANCE, schedule
from .errors import must
from .model import SAMPLING_METHODS, Scenario
from .results import Results

DEFAULT_BLOCK = 256
WAVE_BLOCKS_PER_WORKER = 4

_compiled: dict[int, tuple[Scenario, CompiledModel]] = {}


def compiled_model(scenario: Scenario) -> CompiledModel:
    """The compiled model of ``scenario``, built once per scenario object."""
    cached = scenario.__dict__.get("_compiled_model")
    if cached is None:
        cached = compile_scenario(scenario)
        # Scenario is frozen; the cache is not a field, so it bypasses __setattr__.
        object.__setattr__(scenario, "_compiled_model", cached)
    return cached


def normalise_seed(seed: int | np.random.Generator | None, default: int) -> int:
    """One rule for seeds: None means the scenario's seed; a Generator draws one."""
    if seed is None:
        return default
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(must("seed", "an integer, a numpy Generator or None", seed))
    if not 0 <= int(seed) < 2**63:
        raise ValueError(must("seed", "between 0 and 2**63 - 1", seed))
    return int(seed)


def sample_durations(
    scenario: Scenario,
    seed: int | None = None,
    sampling: str | None = None,
    first: int = 0,
    count: int = 1,
) -> np.ndarray:
    """The sampled durations of iterations ``first .. first + count - 1``.

    Returns a (tasks, count) array in the scenario's task order: exactly the values the
    simulation with this seed and sampling uses, so a single iteration can be
    recomputed and explained on its own.
    """
    settings = scenario.simulation
    seed = normalise_seed(seed, settings.seed)
    sampling = settings.sampling if sampling is None else sampling
    if sampling not in SAMPLING_METHODS:
        raise ValueError(must("sampling", '"lhs" or "random"', sampling))
    model = compiled_model(scenario)
    out = np.empty((model.network.size, count))
    _kernels.sample_durations(
        first,
        count,
        sampling == "lhs",
        model.duration_keys(seed),
        model.dur_codes,
        model.dur_params,
        model.table,
        out,
    )
    return out[model.network.position]


def simulate(
    scenario: Scenario,
    iterations: int | None = None,
    seed: int | np.random.Generator | None = None,
    sampling: str | None = None,
    threads: int | None = None,
    *,
    block_size: int = DEFAULT_BLOCK,
    progress: Callable[[int, int], Any] | None = None,
) -> Results:
    """Simulate ``scenario`` and return its ``Results``.

    Parameters
    ----------
    scenario : Scenario
    iterations, seed, sampling : optional
        Override the scenario's ``[simulation]`` settings. ``seed`` may also be a
        ``numpy.random.Generator`` (one integer is drawn from it).
    threads : int, optional
        Worker threads (default: all cores numba sees). Does not change the answer.
    block_size : int
        Iterations per work block (memory per thread is about 24 bytes x tasks x
        block_size). Does not change the answer.
    progress : callable, optional
        Called as ``progress(done, total)`` after each wave of blocks.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(must("scenario", "a pmo_sim.Scenario (see pmo_sim.load)", scenario))
    settings = scenario.simulation
    iterations = settings.iterations if iterations is None else iterations
    if isinstance(iterations, bool) or not isinstance(iterations, int | np.integer):
        raise TypeError(must("iterations", "a whole number", iterations))
    if iterations < 1:
        raise ValueError(must("iterations", "at least 1", iterations))
    iterations = int(iterations)
    seed = normalise_seed(seed, settings.seed)
    sampling = settings.sampling if sampling is None else sampling
    if sampling not in SAMPLING_METHODS:
        raise ValueError(must("sampling", '"lhs" or "random"', sampling))
    max_threads = numba.config.NUMBA_NUM_THREADS
    threads = max_threads if threads is None else threads
    if isinstance(threads, bool) or not isinstance(threads, int) or not threads >= 1:
        raise ValueError(must("threads", "a whole number of at least 1", threads))
    threads = min(threads, max_threads)
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
        raise ValueError(must("block_size", "a whole number of at least 1", block_size))

    started = time.perf_counter()
    model = compiled_model(scenario)
    net = model.network
    n = net.size
    keys = model.duration_keys(seed)
    finish = np.empty(iterations)
    milestones = np.empty((model.milestone_pos.size, iterations))
    crit = np.zeros((threads, n), dtype=np.int64)
    scratch, pf_scratch = _kernels.empty_scratch(threads, n, block_size)
    n_blocks = -(-iterations // block_size)
    wave = threads * WAVE_BLOCKS_PER_WORKER
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        for first in range(0, n_blocks, wave):
            count = min(wave, n_blocks - first)
            _kernels.simulate_blocks(
                first,
                count,
                block_size,
                iterations,
                sampling == "lhs",
                keys,
                model.dur_codes,
                model.dur_params,
                model.table,
                net.pred_ptr,
                net.pred_task,
                net.pred_type,
                net.pred_lag,
                net.earliest_start,
                model.milestone_pos,
                CRITICAL_TOLERANCE,
                finish,
                milestones,
                crit,
                scratch,
                pf_scratch,
            )
            if progress is not None:
                progress(min((first + count) * block_size, iterations), iterations)
    finally:
        numba.set_num_threads(previous)
    counts = crit.sum(axis=0)
    criticality = {net.ids[k]: counts[k] / iterations for k in range(n)}
    finish.flags.writeable = False
    milestones.flags.writeable = False
    return Results(
        scenario=scenario,
        iterations=iterations,
        seed=seed,
        sampling=sampling,
        finish_days=finish,
        milestone_ids=model.milestone_ids,
        milestone_days=milestones,
        criticality={t.id: float(criticality[t.id]) for t in scenario.tasks},
        deterministic=schedule(scenario),
        elapsed=time.perf_counter() - started,
        threads=threads,
    )
