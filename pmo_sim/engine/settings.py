"""The settings of one run, validated once at the edge of the engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from ..model.errors import must
from ..model.scenario import SAMPLING_METHODS, Scenario


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


def whole_number(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(must(name, "a whole number", value))
    if value < minimum:
        raise ValueError(must(name, f"at least {minimum}", value))
    return int(value)


def sampling_method(value: str | None, default: str) -> str:
    value = default if value is None else value
    if value not in SAMPLING_METHODS:
        raise ValueError(must("sampling", '"lhs" or "random"', value))
    return value


def thread_count(threads: int | None) -> int:
    max_threads = numba.config.NUMBA_NUM_THREADS
    if threads is None:
        return max_threads
    return min(whole_number("threads", threads), max_threads)


@dataclass(frozen=True)
class RunSettings:
    """Validated settings of one run."""

    iterations: int
    seed: int
    sampling: str
    threads: int
    block_size: int


def prepare_run(
    scenario: Any, iterations: Any, seed: Any, sampling: Any, threads: Any, block_size: Any
) -> RunSettings:
    if not isinstance(scenario, Scenario):
        raise TypeError(must("scenario", "a pmo_sim.Scenario (see pmo_sim.load)", scenario))
    return run_settings(scenario.simulation, iterations, seed, sampling, threads, block_size)


def run_settings(
    settings: Any, iterations: Any, seed: Any, sampling: Any, threads: Any, block_size: Any
) -> RunSettings:
    """The validated settings of a run: the options given, else ``settings`` (a
    ``SimulationSettings``: a scenario's or a portfolio's)."""
    return RunSettings(
        iterations=whole_number(
            "iterations", settings.iterations if iterations is None else iterations
        ),
        seed=normalise_seed(seed, settings.seed),
        sampling=sampling_method(sampling, settings.sampling),
        threads=thread_count(threads),
        block_size=whole_number("block_size", block_size),
    )
