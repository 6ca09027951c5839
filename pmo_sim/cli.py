"""The ``pmo-sim`` command line. Commands stay thin: they call the library and format.

Exit codes: 0 success, 2 bad input (the message says what to fix), 1 internal error.
Data goes to stdout; warnings and progress to stderr.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from .errors import ScenarioError


class UserError(click.ClickException):
    """Bad input from the user: a clean message and exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"pmo-sim: error: {self.format_message()}", err=True)


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn bad input into exit 2 and unexpected failures into exit 1, never a traceback
    (set PMO_SIM_DEBUG=1 to see one)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ScenarioError as exc:
            raise UserError(exc.report()) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
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


SCENARIO = click.argument("scenario", type=click.Path(exists=True, dir_okay=False))


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
      pmo-sim cpm scenarios/office_move.toml --json
    """


def _load(path: str):
    from .scenario_file import load

    return load(path)


def _warn(problems) -> None:
    for p in problems:
        click.echo(f"warning: {p}", err=True)


@cli.command()
@SCENARIO
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success; only the exit code.")
@_guard
def validate(scenario: str, quiet: bool) -> None:
    """Check a scenario file: report every error (exit 2) and schedule-health warnings.

    Warnings (open ends, leads, estimates without a range) do not fail validation.

    \b
    Example:
      pmo-sim validate scenarios/office_move.toml
    """
    from .cpm import schedule
    from .network import health_warnings

    s = _load(scenario)
    plan = schedule(s)
    warnings = health_warnings(s)
    if quiet:
        return
    links = sum(len(t.predecessors) for t in s.tasks)
    for p in warnings:
        click.echo(f"warning: {p}")
    click.echo(
        f"{scenario}: valid: {len(s.tasks)} tasks, {links} links, {len(s.risks)} risks, "
        f"{len(s.correlations)} correlation groups; deterministic finish "
        f"{plan.finish_date} ({plan.finish:g} working days); {len(warnings)} warning(s)"
    )


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([fmt(headers), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows])


@cli.command()
@SCENARIO
@click.option(
    "--json", "as_json", is_flag=True, help="Print the schedule as JSON instead of a table."
)
@_guard
def cpm(scenario: str, as_json: bool) -> None:
    """Deterministic schedule (critical path method) with most likely durations.

    The table lists each task's duration, early start and finish dates, total float and
    whether it is critical; times are working days from the project start.

    \b
    Examples:
      pmo-sim cpm scenarios/office_move.toml
      pmo-sim cpm scenarios/office_move.toml --json > schedule.json
    """
    from .calendar import iso
    from .cpm import schedule
    from .network import health_warnings

    s = _load(scenario)
    plan = schedule(s)
    _warn(health_warnings(s))
    if as_json:
        click.echo(json.dumps(plan.to_dict(), indent=2))
        return
    p = s.project
    es = p.calendar.start_dates(p.start, plan.early_start)
    ef = p.calendar.finish_dates(p.start, plan.early_finish)
    rows = [
        [
            t.id,
            t.name,
            f"{plan.durations[i]:g}",
            iso(es[i]),
            iso(ef[i]),
            f"{plan.total_float[i]:g}",
            "yes" if plan.critical[i] else "",
        ]
        for i, t in enumerate(s.tasks)
    ]
    click.echo(f"{p.name}: start {p.start}, calendar {p.calendar.name}")
    click.echo(
        _table(
            ["id", "name", "duration", "early start", "early finish", "total float", "critical"],
            rows,
            right={2, 5},
        )
    )
    click.echo(f"\nDeterministic finish: {plan.finish_date} ({plan.finish:g} working days)")
    for path in plan.critical_paths(limit=3):
        click.echo(f"Critical path: {' -> '.join(path)}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="pmo-sim")
