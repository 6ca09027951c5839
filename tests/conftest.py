"""Shared fixtures: the shared data directory, and scenario files written from strings."""

from __future__ import annotations

import contextlib
import hashlib
import os
import textwrap
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

# When a property test fails, hypothesis's pytest plugin imports its patch writer (libcst),
# whose import raises a DeprecationWarning (mypy_extensions.TypedDict). With warnings as
# errors that warning turns the failure into an INTERNALERROR that stops the whole run, so
# import the patch writer once here with that warning silenced.
# The patch writer is optional (it needs libcst), hence the suppressed ImportError.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import hypothesis.extra._patching  # noqa: F401

# CI (``.ci/run``) sets HYPOTHESIS_PROFILE=ci: property tests then draw the same examples
# on every run, so a submission passes or fails on its code alone. Elsewhere they draw
# new examples each run and keep finding new cases (one such found a rounding bug).
settings.register_profile("ci", derandomize=True, print_blob=True)
# HYPOTHESIS_PROFILE=soak draws ten times as many examples, for a long search by hand.
settings.register_profile("soak", max_examples=1000, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

TESTS = Path(__file__).resolve().parent
PACKAGE = TESTS.parent / "pmo_sim"


def _drop_stale_kernels(package: Path) -> None:
    """Delete numba's cached kernels when any source of the package changed.

    numba checks a cached kernel against its own file only, so a kernel that inlines a
    helper edited in another module (``scheduling/timeline.py`` into ``passes.py``)
    would load stale from the cache and the tests would pass or fail on old code. A
    stamp of every source file's hash decides; it lives beside the caches it guards.
    """
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    stamp = package / "__pycache__" / "kernel-sources.sha256"
    with contextlib.suppress(OSError):
        if stamp.is_file() and stamp.read_text() == digest.hexdigest():
            return
        for cached in (*package.rglob("*.nbi"), *package.rglob("*.nbc")):
            cached.unlink()
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(digest.hexdigest())


_drop_stale_kernels(PACKAGE)
DATA = TESTS / "data"
# The repository is /work/main when the shared data lives in /work/shared/data.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# The smallest valid head of a scenario file; tests append [[tasks]] and the like.
PROJECT_HEAD = """\
[project]
name = "Probe"
start = 2027-01-04
"""


def write_toml(directory: Path, text: str, name: str = "scenario.toml") -> Path:
    """Write ``text`` (dedented) to ``directory/name`` and return the path."""
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path | None:
    """The shared data directory (``<repo>/../shared/data``), or None when absent."""
    return SHARED_DATA if SHARED_DATA.is_dir() else None


@pytest.fixture
def scenario_file(tmp_path: Path) -> Callable[..., Path]:
    """A function writing a TOML string to a file under ``tmp_path`` and returning its path."""

    def write(text: str, name: str = "scenario.toml") -> Path:
        return write_toml(tmp_path, text, name)

    return write


@pytest.fixture(autouse=True)
def _history_outside_the_checkout(tmp_path_factory, monkeypatch) -> None:
    """A command a test runs without --history records into a scratch file, never into
    pmo-history.sqlite in the working folder (the checkout)."""
    if "PMO_SIM_HISTORY" not in os.environ:
        scratch = tmp_path_factory.getbasetemp() / "default-history.sqlite"
        monkeypatch.setenv("PMO_SIM_HISTORY", str(scratch))
