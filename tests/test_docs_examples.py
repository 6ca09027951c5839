"""The Python examples of the README and the developer tutorial run as written.

Each page's ``python`` blocks run in order in one fresh interpreter, from the
repository root (the examples name ``scenarios/...`` relative to it), so a renamed
module or function in an example fails here rather than in a reader's hands.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Pages whose examples need nothing but the repository (the cluster, import and
#: report pages use a Dask cluster, a user's schedule file or matplotlib's output).
PAGES = ["README.md", "docs/tutorials/developer.md"]


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("page", PAGES)
def test_examples_run(page):
    """Every python block of the page runs without an error, in order."""
    blocks = python_blocks(ROOT / page)
    assert blocks, f"{page} has no python examples"
    code = "\n".join(blocks)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{page}:\n{done.stderr[-3000:]}"


def test_readme_points_at_existing_docs():
    """Every relative link of the README leads to a file of the repository."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if "://" not in link]
    assert local, "the README links into the docs"
    missing = [link for link in local if not (ROOT / link).exists()]
    assert not missing, f"README links to missing files: {missing}"
