"""The ``pmo-sim`` command line: one click group, one module per command family.

Commands stay thin: they call the library and format. What they share (error handling,
options, progress) is in ``common``; ``run`` holds the scenario commands (validate, cpm,
run, compare, risks), ``report`` the charts and the HTML report, ``imports`` the schedule
import and the health check, ``cluster`` the Dask and checkpoint options.

Exit codes: 0 success, 2 bad input (the message says what to fix), 1 internal error.
Data goes to stdout; warnings and progress to stderr.
"""

from __future__ import annotations

import contextlib
import sys

import click

from ..base.version import __version__
from . import history, imports, report, run
from .common import silence_stdout


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="pmo-sim")
def cli() -> None:
    """Monte Carlo schedule and cost risk analysis.

    Describe a project in a TOML scenario file (tasks, logic links, duration and cost
    estimates, risks, correlations, calendar); pmo-sim checks it, schedules it and
    tells you how likely you are to finish on time and on budget.

    \b
    Examples:
      pmo-sim validate scenarios/office_move.toml
      pmo-sim cpm scenarios/office_move.toml
      pmo-sim run scenarios/office_move.toml
      pmo-sim run scenarios/office_move.toml -n 50000 --seed 7 --json
      pmo-sim report scenarios/office_move.toml -o report.html
      pmo-sim import plan.xer --ranges ranges.toml --risks risks.csv -o plan.toml
      pmo-sim record plan.xer --ranges ranges.toml --risks risks.csv
      pmo-sim trend --project office-move --out trend/
    """


for command in (
    run.validate,
    run.cpm,
    run.run,
    run.compare,
    run.risks,
    report.plot,
    report.report,
    imports.import_,
    imports.check,
    history.record,
    history.history_,
    history.trend,
    history.dashboard,
):
    cli.add_command(command)


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="pmo-sim")
    except SystemExit as exc:
        code = exc.code
    except BrokenPipeError:
        # The reader went away (`pmo-sim --help | head`): stop quietly, as the guard does.
        silence_stdout()
        code = 1
    except OSError as exc:
        # Outside a command's guard (--help, --version, a usage error): the standard
        # output is on a full or broken device.
        _stdout_failed(exc)
        code = 2
    else:  # pragma: no cover - click always exits
        code = 0
    try:
        # What is still buffered is written here, not at the interpreter's exit, so a
        # full device is reported like any other output error (exit 2).
        sys.stdout.flush()
    except OSError as exc:
        _stdout_failed(exc)
        code = 2
    sys.exit(code)


def _stdout_failed(exc: OSError) -> None:
    silence_stdout()
    with contextlib.suppress(OSError):
        click.echo(
            f"pmo-sim: error: cannot write the standard output: {exc.strerror or exc}",
            err=True,
        )
