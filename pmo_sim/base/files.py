"""Atomic file writes: every file pmo-sim writes is complete before it replaces anything.

A file is written to a temporary file in the target's directory, then renamed over the
target (``os.replace``). An interrupted run never leaves a half-written file, and an
existing file is only replaced once the new one is complete.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from typing import IO, Any


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[IO[str]], Any], *, binary: bool = False
) -> None:
    """Write ``path`` through ``write(handle)``, atomically."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".pmo-sim-", suffix=".tmp", dir=directory)
    try:
        # mkstemp creates the file readable by its owner only; give the result the
        # permissions any new file gets (0666 less the umask), as `open` would.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        mode = "wb" if binary else "w"
        kwargs = {} if binary else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
