"""Output files: one rule for every file pmo-sim writes, and atomic writes.

The rule (``check_output``, applied again by ``atomic_write``):

- the folder must exist (pmo-sim never guesses a folder into being for a file);
- a symbolic link is followed: its target is written, atomically beside the target,
  and the link stays a link;
- an existing read-only file, or a file in a read-only folder, is not written unless
  the caller says ``force``;
- a folder, a device, a pipe or a socket is never replaced by a file, and a link that
  loops is refused;
- an output is never one of the command's own input files, and two outputs of one
  command are never the same file (``check_distinct``): either would lose the user's
  file or half of the results.

Commands check every output path before they simulate, so a bad path costs no run. A
file is written to a temporary file in the target's directory, then renamed over the
target (``os.replace``): an interrupted run never leaves a half-written file, and an
existing file is only replaced once the new one is complete. A replaced file keeps its
permissions; a new one gets those any new file gets (0666 less the umask).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any


class OutputError(Exception):
    """An output file that cannot, or must not, be written; the message names the path
    and says what to do. The command line reports it with exit code 2."""


def check_output(path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Check that ``path`` may be written; return the file that will be written (the
    target of a symbolic link).

    Besides the rule above, the folder is probed (a file is created in it and removed),
    so a folder where nothing can be created (a read-only file system, ``/proc``) is
    found before a long run rather than after it.

    Raises
    ------
    OutputError
        The folder does not exist or cannot be written, the path is a folder, a device,
        a pipe or a link that loops, or it is a read-only file and ``force`` is false.
    """
    given = os.fspath(path)
    if not given.strip():
        raise OutputError("an output file name is empty; name a file")
    if given.endswith(("/", os.sep)):
        raise OutputError(f"{given}: names a folder (it ends in '/'); name a file to write")
    if given == "-":
        raise OutputError(
            "'-' is not a file name here: leave the option out to write to the standard "
            "output where the command offers it, or name a file"
        )
    try:
        info: os.stat_result | None = os.stat(given)  # follows links, as the write will
    except FileNotFoundError:
        info = None  # a new file, or a link to one
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OutputError(
                f"{given}: a symbolic link that loops (or is nested too deep); point it at "
                "a file, or remove it"
            ) from None
        raise OutputError(f"{given}: cannot use this path: {_reason(exc)}") from None
    target = Path(os.path.realpath(given))
    folder = target.parent
    if target == Path(os.path.abspath(given)):
        where = given
    elif (
        target == Path(os.path.realpath(os.path.dirname(os.path.abspath(given)))) / Path(given).name
    ):
        where = f"{given} (in the folder {folder})"  # the folder is a link, not the file
    else:
        where = f"{given} (a link to {target})"
    if not folder.is_dir():
        raise OutputError(
            f"{where}: the folder {folder} does not exist; create it first or choose another path"
        )
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{where}: is a folder; name a file to write")
    if info is not None and not stat.S_ISREG(info.st_mode):
        # A device or pipe cannot be replaced atomically, and must never be replaced by
        # a regular file (``/dev/null`` would stop being the null device).
        raise OutputError(
            f"{where}: is not a regular file (a device, pipe or socket); pmo-sim writes "
            "its outputs as files, so name a file"
        )
    if info is not None and not force and not info.st_mode & 0o222:
        raise OutputError(
            f"{where}: the file is read-only, so it is not replaced; make it writable, or "
            "rerun with --force to replace it"
        )
    writable = os.access(folder, os.W_OK)
    if not writable or (not force and not folder.stat().st_mode & 0o222):
        # The mode bits as well as access(): a superuser may write anywhere, yet a
        # folder made read-only was meant to stay as it is.
        hint = ", or rerun with --force" if writable else ""
        raise OutputError(
            f"{where}: the folder {folder} is read-only, so no file is written in it; make "
            f"it writable or choose another folder{hint}"
        )
    _probe(folder, where)
    return target


def _probe(folder: Path, where: str) -> None:
    """Create and remove a file in ``folder``: what the write will need."""
    try:
        fd, name = tempfile.mkstemp(prefix=".pmo-sim-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(
            f"{where}: cannot create a file in the folder {folder}: {_reason(exc)}"
        ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(name)


def check_distinct(
    outputs: Sequence[str | os.PathLike[str]],
    inputs: Sequence[str | os.PathLike[str]] = (),
) -> None:
    """Refuse an output that is one of ``inputs``, or the same file as another output.

    Paths are compared as the files they lead to (links followed, hard links found by
    device and inode), so ``./plan.toml``, ``plan.toml`` and a link to it are one file.

    Raises
    ------
    OutputError
        Naming both options' paths and what to do.
    """
    seen: list[tuple[str, str, str, tuple[int, int] | None]] = []
    for kind, paths in (("input", inputs), ("output", outputs)):
        for path in paths:
            given = os.fspath(path)
            real = os.path.realpath(given)
            inode = _inode(given)
            if kind == "output":
                for other_kind, other, other_real, other_inode in seen:
                    if real != other_real and (inode is None or inode != other_inode):
                        continue
                    if other_kind == "input":
                        raise OutputError(
                            f"{given}: is the input file {other}; writing it would replace "
                            "your input: name another output file"
                        )
                    raise OutputError(
                        f"{given}: two outputs of this command are the same file ({other} "
                        "and this); name a different file for each"
                    )
            seen.append((kind, given, real, inode))


def _inode(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None  # not there yet: only its name can match
    return info.st_dev, info.st_ino


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
