"""Shared fixtures: the shared data directory, and scenario files written from strings."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
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


@pytest.fixture
def shared_data() -> Path | None:
    """The shared data directory (``<repo>/../shared/data``), or None when absent."""
    return SHARED_DATA if SHARED_DATA.is_dir() else None


@pytest.fixture
def scenario_file(tmp_path: Path) -> Callable[..., Path]:
    """A function writing a TOML string to a file under ``tmp_path`` and returning its path."""

    def write(text: str, name: str = "scenario.toml") -> Path:
        return write_toml(tmp_path, text, name)

    return write
