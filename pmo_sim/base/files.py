"""Output files: one rule for every file pmo-sim writes, and atomic writes.

The rule (``check_output``, applied again by ``atomic_write``):

- the folder must exist (pmo-sim never guesses a folder into being for a file);
- a symbolic link is followed: its target is written, atomically beside the target,
  and the link stays a link;
- an existing read-only file is not replaced unless the caller says ``force``;
- a folder is never replaced by a file.

Commands check every output path before they simulate, so a bad path costs no run. A
file is written to a temporary file in the target's directory, then renamed over the
target (``os.replace``): an interrupted run never leaves a half-written file, and an
existing file is only replaced once the new one is complete. A replaced file keeps its
permissions; a new one gets those any new file gets (0666 less the umask).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any


class OutputError(Exception):
    """An output file that cannot, or must not, be written; the message names the path
    and says what to do. The command line reports it with exit code 2."""


def check_output(path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Check that ``path`` may be written; return the file that will be written (the
    target of a symbolic link).

    Raises
    ------
    OutputError
        The folder does not exist, the path is a folder, or it is a read-only file and
        ``force`` is false.
    """
    given = os.fspath(path)
    target = Path(os.path.realpath(given))
    folder = target.parent
    where = given if target == Path(os.path.abspath(given)) else f"{given} (a link to {target})"
    if not folder.is_dir():
        raise OutputError(
            f"{where}: the folder {folder} does not exist; create it first or choose another path"
        )
    if target.is_dir():
        raise OutputError(f"{where}: is a folder; name a file to write")
    if target.exists() and not force and not target.stat().st_mode & 0o222:
        raise OutputError(
            f"{where}: the file is read-only, so it is not replaced; make it writable, or "
            "rerun with --force to replace it"
        )
    return target


def atomic_write(
    path: str | os.PathLike[str],
    write: Callable[[IO[Any]], Any],
    *,
    binary: bool = False,
    force: bool = False,
) -> None:
    """Write ``path`` through ``write(handle)``, atomically, by the rule of this module.

    Raises
    ------
    OutputError
        The path breaks the rule, or the system refused the write (a full disk, a
        read-only file system, no permission); the message names the path and the
        reason.
    """
    target = check_output(path, force=force)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".pmo-sim-", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{os.fspath(path)}: cannot write the file: {_reason(exc)}") from None
    try:
        os.fchmod(fd, _mode_for(target))
        mode = "wb" if binary else "w"
        kwargs = {} if binary else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"{os.fspath(path)}: cannot write the file: {_reason(exc)}") from exc
        raise


def _mode_for(target: Path) -> int:
    """The permissions of the file that replaces ``target``: its own when it exists (a
    forced replacement of a read-only file stays read-only), else 0666 less the umask,
    as ``open`` gives a new file (mkstemp's 0600 would hide it from the user's group)."""
    with contextlib.suppress(OSError):
        return stat.S_IMODE(target.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
