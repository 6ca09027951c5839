"""Resumable long runs: finished groups of blocks are kept on disk and never run twice.

A checkpoint is a directory holding

- ``manifest.json``: what run it belongs to (the scenario's SHA-256, the compiled
  model's SHA-256, seed, sampling, iterations, block size, mitigated flag, other run
  options, pmo-sim version) and, for information, the group size and creation time;
- ``blocks-<first>-<count>.npz``: the partial result (``engine.blocks.RawRun``) of blocks
  ``first .. first + count - 1``, stamped with the run's identity.

Every file is written to a temporary file in the directory and moved into place with
``os.replace``, so a group file is either complete or absent, whatever moment the run
is stopped. Running the same command again loads the finished groups, runs only the
missing blocks (grouped again), and merges everything in block order with
``engine.blocks.merge_runs``: the result is the uninterrupted run's, bit for bit, because a
block's result depends only on the model, the seed, the sampling and its iterations.

A checkpoint written for another run (another scenario, seed, sampling, iteration count,
block size, mitigation state, correlation repair or pmo-sim version) is refused with a
``CheckpointError``, never mixed in. A damaged group file is run again.

Which machine runs the groups is the runner's business: ``local.LocalRunner`` (threads
of this process) or ``dask_runner.DaskRunner`` (a Dask cluster); each group is written
as soon as it is finished.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import hashlib
import itertools
import json
import math
import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from ...base.files import atomic_write
from ...model.errors import CheckpointError, must
from ...model.scenario import Scenario
from ..blocks import DEFAULT_BLOCK, BlockRun, RawRun, merge_runs
from ..compile import CompiledModel
from .local import LocalRunner, Runner

MANIFEST = "manifest.json"
FORMAT = 1
#: Default group size: about this many groups per run, so an interruption loses at most
#: about 1% of the work, and a run leaves about this many files.
GROUPS_PER_RUN = 100
_GROUP_FILE = re.compile(r"^blocks-(\d+)-(\d+)\.npz$")
_TEMP_FILE = re.compile(r"^\..+\.tmp$")
# Manifest entries that must match for a checkpoint to be resumed, with how to name them.
_IDENTITY = {
    "format": "checkpoint format",
    "pmo_sim": "pmo-sim version",
    "scenario_sha256": "scenario (SHA-256)",
    "model_sha256": "compiled model (SHA-256; --repair-correlations or another numpy/scipy "
    "changes it)",
    "seed": "seed",
    "sampling": "sampling",
    "iterations": "iterations",
    "block_size": "block size",
    "mitigated": "mitigated",
    "options": "run options",
}


# --- identities --------------------------------------------------------------------------


def _feed(h: Any, obj: Any, skip: frozenset[str] = frozenset()) -> None:
    """Feed a canonical, type-tagged encoding of ``obj`` to the hash ``h``.

    Exact for every value a scenario or a compiled model holds (floats by their hex
    form, arrays by dtype, shape and bytes, dataclasses field by field); anything else
    is refused rather than hashed by a ``repr`` that might hold a memory address.
    """
    if obj is None:
        h.update(b"N")
    elif isinstance(obj, bool | np.bool_):
        h.update(b"B1" if obj else b"B0")
    elif isinstance(obj, int | np.integer):
        h.update(b"I%d;" % int(obj))
    elif isinstance(obj, float | np.floating):
        h.update(b"F" + float(obj).hex().encode() + b";")
    elif isinstance(obj, str):
        data = obj.encode()
        h.update(b"S%d:" % len(data) + data)
    elif isinstance(obj, dt.date):  # datetime is a date too
        h.update(b"D" + obj.isoformat().encode() + b";")
    elif isinstance(obj, np.ndarray):
        a = np.ascontiguousarray(obj)
        h.update(b"A" + a.dtype.str.encode() + repr(a.shape).encode())
        h.update(a.tobytes())
    elif isinstance(obj, tuple | list):
        h.update(b"T%d:" % len(obj))
        for item in obj:
            _feed(h, item)
    elif isinstance(obj, frozenset | set):
        h.update(b"Z%d:" % len(obj))
        for item in sorted(obj, key=repr):
            _feed(h, item)
    elif isinstance(obj, dict):
        h.update(b"M%d:" % len(obj))
        for key in sorted(obj, key=repr):
            _feed(h, key)
            _feed(h, obj[key])
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        h.update(b"C" + type(obj).__qualname__.encode() + b"{")
        for f in dataclasses.fields(obj):
            if f.name not in skip:
                _feed(h, f.name)
                _feed(h, getattr(obj, f.name))
        h.update(b"}")
    else:
        raise TypeError(f"cannot hash a {type(obj).__name__} for a checkpoint identity")


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of a canonical encoding of the project in ``scenario`` (hex).

    Built from the ``Scenario`` object, not from its file: the same project gives the
    same hash whether loaded from a file or built in Python, edits that change nothing
    (comments, spacing, the file's name) keep a checkpoint usable, and every edit to the
    project, its tasks, risks or correlations changes the hash. The ``[simulation]``
    defaults are left out: the manifest records the seed, sampling and iterations
    actually used.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(must("scenario", "a pmo_sim.Scenario", scenario))
    h = hashlib.sha256()
    _feed(h, scenario, skip=frozenset({"source", "simulation"}))
    return h.hexdigest()


def model_hash(model: CompiledModel) -> str:
    """SHA-256 of every array and value of a compiled model (hex)."""
    h = hashlib.sha256()
    _feed(h, model)
    return h.hexdigest()


# --- files -------------------------------------------------------------------------------


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _atomic_write(directory: Path, name: str, write: Callable[[IO[bytes]], None]) -> None:
    """Write ``directory/name`` through a temporary file and ``os.replace``, durably."""
    atomic_write(directory / name, write, binary=True)
    _fsync_directory(directory)


def _group_name(first_block: int, n_blocks: int) -> str:
    return f"blocks-{first_block:09d}-{n_blocks:06d}.npz"


def _write_group(directory: Path, identity: str, first_block: int, n_blocks: int, raw: RawRun):
    arrays: dict[str, Any] = {"identity": np.array(identity), "first": np.int64(raw.first)}
    for f in dataclasses.fields(RawRun):
        value = getattr(raw, f.name)
        if f.name != "first" and value is not None:
            arrays[f.name] = value
    _atomic_write(directory, _group_name(first_block, n_blocks), lambda fh: np.savez(fh, **arrays))


def _read_group(path: Path, identity: str) -> RawRun | None:
    """The partial run in ``path``; None when the file is damaged (it is then run again).

    Raises ``CheckpointError`` for a sound file of another run.
    """
    try:
        # Opened here, not by np.load, so that a damaged file is closed all the same.
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as z:
            stored = {name: z[name] for name in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    if "identity" not in stored or str(stored.pop("identity")) != identity:
        raise CheckpointError(
            f"{path.name} belongs to another run than this checkpoint's manifest; it is "
            "never mixed in: remove it, or use a new checkpoint directory",
            source=str(path.parent),
        )
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(RawRun):
        if f.name in stored:
            kwargs[f.name] = int(stored[f.name]) if f.name == "first" else stored[f.name]
        elif f.default is dataclasses.MISSING:
            return None
        else:
            kwargs[f.name] = None
    return RawRun(**kwargs)


def _manifest(
    model: CompiledModel,
    scenario_sha256: str,
    seed: int,
    sampling: str,
    iterations: int,
    block_size: int,
    run_options: dict[str, Any],
) -> dict[str, Any]:
    from ...base.version import __version__

    return {
        "format": FORMAT,
        "pmo_sim": __version__,
        "scenario_sha256": scenario_sha256,
        "model_sha256": model_hash(model),
        "seed": seed,
        "sampling": sampling,
        "iterations": iterations,
        "block_size": block_size,
        "mitigated": bool(model.mitigated),
        "options": {k: run_options[k] for k in sorted(run_options)},
    }


def _identity(manifest: dict[str, Any]) -> str:
    core = {k: manifest.get(k) for k in _IDENTITY}
    return hashlib.sha256(json.dumps(core, sort_keys=True).encode()).hexdigest()


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text[:17] + "…" if len(text) > 20 else text


def _open_directory(directory: Path, expected: dict[str, Any], group_blocks: int) -> None:
    """Create the checkpoint or check that it belongs to this run."""
    where = str(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        entries = [p for p in directory.iterdir() if not _TEMP_FILE.match(p.name)]
    except OSError as exc:
        raise CheckpointError(
            f"cannot use the checkpoint directory: {_directory_problem(directory, exc)}",
            source=where,
        ) from None
    path = directory / MANIFEST
    if not path.exists():
        if entries:
            raise CheckpointError(
                f"the directory is not empty and has no {MANIFEST}, so it is not a pmo-sim "
                "checkpoint; name a new or empty directory",
                source=where,
            )
        doc = {
            **expected,
            "group_blocks": group_blocks,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        text = json.dumps(doc, indent=2, sort_keys=True) + "\n"
        _atomic_write(directory, MANIFEST, lambda fh: fh.write(text.encode()))
        return
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(found, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        raise CheckpointError(
            f"cannot read {MANIFEST} ({exc}); delete the directory to start afresh",
            source=where,
        ) from None
    differences = [
        f"{label}: {_short(found.get(key))} there, {_short(expected[key])} here"
        for key, label in _IDENTITY.items()
        if found.get(key) != expected[key]
    ]
    if differences:
        raise CheckpointError(
            "this checkpoint was written for another run, and is never mixed with this "
            f"one ({'; '.join(differences)}); rerun with the checkpoint's settings to resume "
            "it, or use a new checkpoint directory (or delete this one) to start afresh",
            source=where,
        )


def _directory_problem(directory: Path, exc: OSError) -> str:
    """What is wrong with ``directory``, in words (not the bare system error)."""
    try:
        os.stat(directory)
    except OSError as inner:
        if inner.errno == errno.ELOOP:
            return "it is a symbolic link that loops; point it at a directory, or remove it"
    if directory.exists() and not directory.is_dir():
        return "a file of that name is in the way; name a directory"
    return exc.strerror or str(exc)


def _missing(covered: list[tuple[int, int]], total_blocks: int, per: int) -> list[tuple[int, int]]:
    """Ranges of at most ``per`` blocks covering what ``covered`` leaves out of the run."""
    ranges, position = [], 0
    for first, count in [*sorted(covered), (total_blocks, 0)]:
        for b in range(position, first, per):
            ranges.append((b, min(per, first - b)))
        position = max(position, first + count)
    return ranges


def run_with_checkpoint(
    directory: str | os.PathLike[str],
    model: CompiledModel,
    scenario_hash: str,
    seed: int,
    sampling: str,
    iterations: int,
    block_size: int = DEFAULT_BLOCK,
    group_blocks: int | None = None,
    runner: Runner | None = None,
    *,
    progress: Callable[[int, int], Any] | None = None,
    **run_options: Any,
) -> RawRun:
    """Run all ``iterations`` of ``model`` through a checkpoint in ``directory``.

    Finished groups of ``group_blocks`` blocks are written to ``directory`` as they
    complete; groups already there (from an interrupted run of the same command) are
    loaded instead of run. Returns the same ``RawRun`` as ``engine.blocks.run_kernel``, bit for
    bit.

    Parameters
    ----------
    directory : path
        Created if missing; must be empty or a checkpoint of this same run.
    model : CompiledModel
    scenario_hash : str
        ``scenario_hash(scenario)`` of the scenario ``model`` was compiled from.
    seed, sampling, iterations, block_size :
        As for ``engine.blocks.run_kernel``; recorded in the manifest.
    group_blocks : int, optional
        Blocks per checkpointed group (default: about 1% of the run). May differ
        between the interrupted run and the rerun.
    runner : optional
        ``LocalRunner(threads)`` (the default, with all threads) or
        ``pmo_sim.engine.runners.dask_runner.DaskRunner(client)``.
    progress : callable, optional
        ``progress(done, total)`` in iterations, after loading and after each group.
    run_options :
        Passed to ``engine.blocks.run_blocks`` (for example ``keep_dates=True``); recorded in
        the manifest.

    Raises
    ------
    CheckpointError
        The directory holds another run's checkpoint, or cannot be read or written.
    """
    run = BlockRun(model, seed, sampling, iterations, block_size)
    total_blocks = run.total_blocks
    if group_blocks is None:
        group_blocks = max(1, math.ceil(total_blocks / GROUPS_PER_RUN))
    elif isinstance(group_blocks, bool) or not isinstance(group_blocks, int | np.integer):
        raise TypeError(must("group_blocks", "a whole number", group_blocks))
    elif group_blocks < 1:
        raise ValueError(must("group_blocks", "at least 1", group_blocks))
    runner = LocalRunner() if runner is None else runner
    directory = Path(directory)
    expected = _manifest(model, scenario_hash, seed, sampling, iterations, block_size, run_options)
    _open_directory(directory, expected, int(group_blocks))
    identity = _identity(expected)

    parts: list[RawRun] = []
    covered: list[tuple[int, int]] = []
    for path in sorted(directory.iterdir()):
        if _TEMP_FILE.match(path.name):  # left by a run stopped while writing
            with contextlib.suppress(OSError):
                path.unlink()
            continue
        m = _GROUP_FILE.match(path.name)
        if m is None:
            continue
        first_block, count = int(m.group(1)), int(m.group(2))
        if count < 1 or first_block + count > total_blocks:
            raise CheckpointError(
                f"{path.name} lies outside this run's {total_blocks} blocks; it is never "
                "mixed in: remove it, or use a new checkpoint directory",
                source=str(directory),
            )
        raw = _read_group(path, identity)
        if (
            raw is None
            or raw.first != first_block * block_size
            or raw.iterations != run.span(first_block, count)
        ):
            with contextlib.suppress(OSError):
                path.unlink()  # damaged: run these blocks again
            continue
        parts.append(raw)
        covered.append((first_block, count))
    covered.sort()
    for (a, n), (b, _) in itertools.pairwise(covered):
        if a + n > b:
            raise CheckpointError(
                f"group files of blocks {a}..{a + n - 1} and from block {b} overlap; the "
                "checkpoint was edited by hand: use a new checkpoint directory",
                source=str(directory),
            )
    done = sum(p.iterations for p in parts)
    if progress is not None and done:
        progress(done, iterations)
    todo = _missing(covered, total_blocks, int(group_blocks))
    by_first = {first_block * block_size: (first_block, count) for first_block, count in todo}
    if todo:
        produced = runner(run, todo, **run_options)
        try:
            for raw in produced:
                first_block, count = by_first.pop(raw.first)
                _write_group(directory, identity, first_block, count, raw)
                parts.append(raw)
                done += raw.iterations
                if progress is not None:
                    progress(done, iterations)
        finally:
            close = getattr(produced, "close", None)
            if close is not None:  # stops a generator's outstanding work (Dask tasks)
                close()
    if by_first:
        raise RuntimeError(f"the runner did not return blocks {sorted(by_first.values())}")
    merged = merge_runs(parts)
    if merged.first != 0 or merged.iterations != iterations:  # pragma: no cover - a bug
        raise RuntimeError("checkpointed groups do not cover the run")
    return merged
