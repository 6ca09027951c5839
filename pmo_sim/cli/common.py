"""What every ``pmo-sim`` command shares: the error handling, the scenario argument, the
simulation options, warnings and progress on stderr.

Exit codes: 0 success, 2 bad input (the message says what to fix), 1 internal error.
Data goes to stdout; warnings and progress to stderr.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from ..base.files import OutputError, check_distinct, check_output
from ..model.errors import ScenarioError


class UserError(click.ClickException):
    """Bad input from the user: a clean message and exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"pmo-sim: error: {self.format_message()}", err=True)


def guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn bad input into exit 2 and unexpected failures into exit 1, never a traceback
    (set PMO_SIM_DEBUG=1 to see one)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ScenarioError as exc:
            raise UserError(exc.report()) from None
        except OutputError as exc:
            raise UserError(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("\npmo-sim: interrupted; no output file was written or changed", err=True)
            sys.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (e.g. `| head`): stop quietly, as Unix tools do.
            silence_stdout()
            sys.exit(1)
        except Exception as exc:
            if isinstance(exc, OSError) and exc.errno in OUTPUT_ERRNOS:
                # Only writing the output meets these (files go through atomic_write,
                # which names them): standard output is on a full or broken device.
                silence_stdout()
                raise UserError(
                    f"cannot write the standard output: {exc.strerror or exc}"
                ) from None
            if os.environ.get("PMO_SIM_DEBUG"):
                raise
            click.echo(
                f"pmo-sim: internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in pmo-sim, not in your input; please report it "
                "(rerun with PMO_SIM_DEBUG=1 for the traceback).",
                err=True,
            )
            sys.exit(1)

    return wrapper


#: System errors of a device that cannot take the output (no space, quota, file too
#: large, input/output error, read-only file system).
OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS})


def silence_stdout() -> None:
    """Point standard output at the null device, so the interpreter's last flush of what
    could not be written does not fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


SCENARIO = click.argument("scenario", type=click.Path(exists=True, dir_okay=False))

#: ``--force``: the one switch that lets a command replace a read-only output file.
FORCE = click.option(
    "--force",
    is_flag=True,
    help="Replace output files even when they are read-only.",
)


def check_outputs(
    *paths: str | None, force: bool = False, inputs: tuple[str | None, ...] = ()
) -> None:
    """Check every output path before a long run (``base.files.check_output``), and that
    no output is one of the command's ``inputs`` or another output (``check_distinct``)."""
    outputs = [path for path in paths if path is not None]
    check_distinct(outputs, [path for path in inputs if path is not None])
    for path in outputs:
        check_output(path, force=force)


def need_matplotlib() -> None:
    """Stop with exit 2 and the install command when matplotlib is missing (before any
    run or output folder)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        from ..report.plots import INSTALL_HINT

        raise UserError(
            f"charts and reports need matplotlib, which is not installed: {INSTALL_HINT}"
        ) from None


def refuse_level_with_record(sim: SimOptions, record: bool) -> None:
    """The history stores a scenario as its file says: ``--level``/``--no-level`` would
    record a run its stored scenario does not reproduce."""
    if record and sim.level is not None:
        flag = "--level" if sim.level else "--no-level"
        raise UserError(
            f"{flag} with --record: the history stores the scenario as written, so set "
            "[simulation] levelling in the file to record a run with that setting"
        )


def load_scenario(path: str, levelling: bool | None = None):
    """The scenario file at ``path``; ``levelling`` (``--level``/``--no-level``) replaces
    its ``[simulation] levelling`` before it is checked, so a check that only levelling
    needs is made (with its line numbers) exactly when the run levels."""
    from ..io.scenario_file import load

    return load(path, levelling=levelling)


def warn(problems) -> None:
    for p in problems:
        click.echo(f"warning: {p}", err=True)


class Progress:
    """Progress on stderr for runs longer than about a second (only on a terminal)."""

    def __init__(self, enabled: bool) -> None:
        import time

        self.enabled = enabled and sys.stderr.isatty()
        self.clock = time.perf_counter
        self.started = self.clock()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        elapsed = self.clock() - self.started
        if elapsed < 1.0 and not self.shown:
            return
        self.shown = True
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate > 0 else 0.0
        filled = int(24 * done / total) if total else 24
        bar = "#" * filled + "." * (24 - filled)
        click.echo(
            f"\r[{bar}] {done:,}/{total:,} iterations  {rate:,.0f}/s  {left:.0f} s left ",
            err=True,
            nl=False,
        )

    def close(self) -> None:
        if self.shown:
            click.echo("", err=True)


def compile_note(enabled: bool, scenario: Any = None) -> None:
    """Say on stderr (terminal or not) that this run compiles the simulation kernels,
    when numba's cache does not hold them yet: otherwise a first run sits silent for
    about a minute. The kernels of a ``scenario`` with calendars or progress are not
    those of a plain network: one compiled does not spare the other."""
    if not enabled:
        return
    from ..base import jit
    from ..engine.kernels import block, statistics
    from ..engine.logic import needs_logic
    from ..scheduling.timeline import is_general

    general = scenario is not None and is_general(scenario)
    # A model on the calendar passes always takes the logic argument (engine.compile).
    logic = scenario is not None and (general or needs_logic(scenario))

    def kind(signature: tuple) -> bool:
        # run_worker's last three arguments: the calendar arguments (None for a plain
        # network), the finishes of other projects' tasks (None outside portfolios) and
        # the logic argument (None without branches, gates, dependent risks, drawn lags
        # or weather, and off the calendar passes).
        calendars, external, extra = (str(x) != "none" for x in signature[-3:])
        return scenario is None or (calendars == general and not external and extra == logic)

    stats = (statistics.spearman_rows,)
    if not (jit.is_cached(block.run_worker, kind) and all(jit.is_cached(k) for k in stats)):
        if general:
            extra = scenario is not None and needs_logic(scenario)
            seconds = (
                jit.COMPILE_SECONDS_CALENDARS_LOGIC if extra else jit.COMPILE_SECONDS_CALENDARS
            )
        else:
            seconds = jit.COMPILE_SECONDS_LOGIC if logic else jit.COMPILE_SECONDS
        click.echo(
            "note: compiling the simulation kernels (first run on this machine only, "
            f"about {seconds} s)",
            err=True,
        )


def scheduling_note(enabled: bool, scenario: Any) -> None:
    """Say on stderr that scheduling ``scenario`` (task calendars or progress) compiles
    the calendar passes, when numba's cache does not hold them: an import checks its
    dates with them, and would otherwise sit silent for a minute or two."""
    if not enabled:
        return
    from ..base.jit import COMPILE_SECONDS_CALENDARS, is_cached
    from ..scheduling.passes import general_cpm
    from ..scheduling.timeline import is_general

    if is_general(scenario) and not is_cached(general_cpm):
        click.echo(
            "note: compiling the scheduling kernels for calendars and progress (first time "
            f"on this machine only, up to {COMPILE_SECONDS_CALENDARS} s with the "
            "simulation's)",
            err=True,
        )


def simulate_with_progress(s, progress: bool, **kwargs):
    from ..engine.simulate import simulate

    compile_note(progress, s)
    bar = Progress(progress)
    try:
        return simulate(s, progress=bar, **kwargs)
    finally:
        bar.close()


SIM_OPTIONS = [
    click.option(
        "--iterations",
        "-n",
        type=click.IntRange(min=1),
        help="Number of iterations (default: the scenario's [simulation] value).",
    ),
    click.option(
        "--seed",
        type=click.IntRange(0, 2**63 - 1),
        help="Random seed (default: the scenario's); same seed, same answer.",
    ),
    click.option(
        "--sampling",
        type=click.Choice(["lhs", "random"]),
        help="Latin hypercube (lhs) or plain Monte Carlo (random) sampling.",
    ),
    click.option(
        "--threads",
        type=click.IntRange(min=1),
        help="Worker threads (default: all cores); the answer does not depend on it.",
    ),
    click.option(
        "--repair-correlations",
        is_flag=True,
        help="Use the nearest valid correlation matrix when the groups are "
        "inconsistent (the change is reported) instead of stopping.",
    ),
    click.option(
        "--level/--no-level",
        "level",
        default=None,
        help="Level resources in every iteration (a serial schedule-generation scheme "
        "within each resource's capacity, in a priority order fixed before the run), or "
        "not; default: the scenario's [simulation] levelling.",
    ),
    click.option("--quiet", "-q", is_flag=True, help="No progress or warnings on stderr."),
]


@dataclass(frozen=True)
class SimOptions:
    """The simulation options every simulating command takes (``SIM_OPTIONS``)."""

    iterations: int | None
    seed: int | None
    sampling: str | None
    threads: int | None
    repair_correlations: bool
    level: bool | None
    quiet: bool

    def engine(self, **overrides: Any) -> dict[str, Any]:
        """The options as ``simulate`` keyword arguments (``quiet`` is the CLI's own;
        ``level`` is read with the scenario: ``load_scenario``)."""
        options = {
            "iterations": self.iterations,
            "seed": self.seed,
            "sampling": self.sampling,
            "threads": self.threads,
            "repair_correlations": self.repair_correlations,
        }
        options.update(overrides)
        return options


def sim_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``SIM_OPTIONS`` to a command, which then receives them as one ``sim``
    argument (a ``SimOptions``)."""

    @functools.wraps(fn)
    def command(*args: Any, **kwargs: Any) -> Any:
        given = {f.name: kwargs.pop(f.name) for f in dataclasses.fields(SimOptions)}
        return fn(*args, sim=SimOptions(**given), **kwargs)

    for option in reversed(SIM_OPTIONS):
        command = option(command)
    return command


def repair_note(r) -> None:
    from ..model.correlation import describe_repair

    if r.correlation is not None and r.correlation.repaired_pair is not None:
        click.echo(f"note: {describe_repair(r.correlation)}", err=True)
