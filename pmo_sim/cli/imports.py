"""The ``pmo-sim import`` and ``pmo-sim check`` commands (registered by ``register``).

``import`` reads a schedule (P6 XER, MS Project XML or MPP, a CSV/XLSX task table),
optionally adds a risk register and three-point range rules, and writes a TOML scenario
that embeds everything, so it can be edited and run with ``pmo-sim run``.
``check`` runs the DCMA 14-point schedule assessment on a scenario or a schedule file.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import click

from ..base.files import atomic_write
from .common import FORCE, check_outputs, guard, scheduling_note

#: Exit status of ``pmo-sim check --strict`` when a metric fails.
CHECK_FAILED = 3


def import_scenario(
    schedule_path: str,
    *,
    project: str | None = None,
    risks: str | None = None,
    ranges: str | None = None,
    start: str | None = None,
    calendar: str = "mon-fri",
    links: str | None = None,
    data_date: str | None = None,
    project_id: str | None = None,
    notes: bool = True,
    resource_table: str | None = None,
) -> tuple[str, Any, list[Any], Any, list[str], Any]:
    """Everything ``pmo-sim import`` does except printing and writing.

    Returns the TOML text, the final scenario, the range hits, the imported schedule,
    the warning lines and the fidelity (``importers.fidelity.Fidelity``; None for a
    task table, which holds no computed dates).
    """
    from ..io.importers import NO_DATES_FORMATS, schedule_scenario
    from ..io.importers.fidelity import compare_with_file
    from ..io.toml_writer import dumps
    from ..model.errors import ID_LIMIT

    scenario, imported, hits, register, warnings = schedule_scenario(
        schedule_path,
        project=project,
        risks=risks,
        ranges=ranges,
        start=start,
        calendar=calendar,
        links=links,
        data_date=data_date,
        project_id=project_id,
        resource_table=resource_table,
    )
    header = [
        f"Imported by pmo-sim from {Path(schedule_path).name} ({imported.format}"
        + (
            f", project {imported.project_id} {imported.project_name!r}"
            if imported.project_id
            else ""
        )
        + ").",
        "Durations count working days of each task's calendar (the project calendar unless "
        "it names one); lags count on the lag calendar.",
    ]
    if imported.progressed:
        dd = scenario.project.data_date or scenario.project.start
        header.append(
            "The file holds progress: complete tasks keep their actual dates; tasks in progress "
            f"work their remaining duration from the data date {dd}."
        )
    # A task table or a benchmark instance holds no dates computed by a scheduling tool.
    if imported.format not in NO_DATES_FORMATS:
        scheduling_note(notes, imported.scenario)
    fidelity = None if imported.format in NO_DATES_FORMATS else compare_with_file(imported)
    if fidelity is not None:
        header.append(f"Fidelity: {fidelity.summary()}.")
    if risks is not None:
        header.append(f"Risk register: {Path(risks).name} ({len(register)} risks).")
    if ranges is not None:
        header.append(f"Ranges: {Path(ranges).name} (each task names the rule that set it).")
    if warnings:
        header.append("Import warnings:")
        everything = {str(w): w.ids for w in imported.warnings if len(w.ids) > ID_LIMIT}
        for w in warnings:
            header.append(f"  - {w}")
            if w in everything:
                # stderr names the first few; the file keeps the whole list.
                ids = everything[w]
                header.append(f"    all {len(ids)}:")
                header += textwrap.wrap(
                    ", ".join(ids),
                    86,
                    initial_indent="      ",
                    subsequent_indent="      ",
                    break_on_hyphens=False,
                )
    notes = {h.task: [f"range: {h.source}"] for h in hits}
    text = dumps(scenario, header=header, task_notes=notes)
    _verify(text, scenario)
    return text, scenario, hits, imported, warnings, fidelity


def _ignored_options(imported: Any, **given: Any) -> list[str]:
    """Say so when options meant for task tables are given with a P6 or MS Project file,
    which carries its own start, data date and links (a PSPLIB or Patterson instance
    takes a start, but carries its links and has no progress)."""
    if imported.format == "CSV":
        return []
    if imported.format in ("PSPLIB", "Patterson"):
        given.pop("start", None)
    names = [f"--{k.replace('_', '-')}" for k, v in given.items() if v is not None]
    if not names:
        return []
    return [
        f"{', '.join(names)} applies only to task tables and was ignored: "
        f"{Path(imported.source).name} ({imported.format}) carries its own"
    ]


def _verify(text: str, scenario: Any) -> None:
    """Read the written text back; a difference is a bug in the writer, not the input."""
    import tomllib

    from ..io.scenario_file import parse_scenario

    again = parse_scenario(tomllib.loads(text))
    if (again.tasks, again.risks, again.resources) != (
        scenario.tasks,
        scenario.risks,
        scenario.resources,
    ):
        raise RuntimeError("the TOML writer did not round-trip the scenario")


IMPORT_OPTIONS = [
    click.option(
        "--project", help="For an XER file holding several projects: its proj_id or short name."
    ),
    click.option(
        "--project-id",
        help="The project's id in the history ([project] id; default: a slug of its "
        "name). Give every monthly export of one project the same id.",
    ),
    click.option(
        "--risks",
        type=click.Path(exists=True, dir_okay=False),
        help="A risk register (CSV or XLSX) to add to the scenario.",
    ),
    click.option(
        "--ranges",
        type=click.Path(exists=True, dir_okay=False),
        help="A TOML file of [[ranges]] rules giving durations three-point ranges.",
    ),
    click.option(
        "--start",
        help="Project start (YYYY-MM-DD); required for a task table, optional for a "
        "PSPLIB or Patterson instance.",
    ),
    click.option(
        "--calendar",
        default="mon-fri",
        show_default=True,
        help="Working days of a task table, as the scenario format writes them.",
    ),
    click.option(
        "--links",
        type=click.Path(exists=True, dir_okay=False),
        help="A separate link table (predecessor, successor, type, lag) for a task table.",
    ),
    click.option(
        "--data-date",
        help="Status date (YYYY-MM-DD) of a task table whose rows hold progress (status, "
        "actual_start, actual_finish).",
    ),
    click.option(
        "--resource-table",
        type=click.Path(exists=True, dir_okay=False),
        help="A resource table (id, name, rate or dist/min/mode/max, capacity) for a task "
        "table's resources column (crew:2;crane).",
    ),
]


def import_options(fn: Any) -> Any:
    """The options a schedule import takes (``import``, ``record``): project, risks,
    ranges, start, calendar, links, data_date."""
    for option in reversed(IMPORT_OPTIONS):
        fn = option(fn)
    return fn


@click.command("import")
@click.argument("schedule", type=click.Path(exists=True, dir_okay=False))
@import_options
@click.option(
    "-o",
    "--output",
    "--out",
    "output",
    type=click.Path(dir_okay=False, writable=True),
    help="Scenario file to write (default: print the TOML on stdout).",
)
@click.option(
    "--portfolio",
    is_flag=True,
    help="For an XER export of several projects: write a portfolio file over all of "
    "them, with the relations between projects as links (docs/portfolio.md).",
)
@click.option(
    "--quiet", "-q", is_flag=True, help="No warnings, range report or fidelity line on stderr."
)
@FORCE
@guard
def import_(
    schedule: str,
    project: str | None,
    project_id: str | None,
    risks: str | None,
    ranges: str | None,
    start: str | None,
    calendar: str,
    links: str | None,
    data_date: str | None,
    resource_table: str | None,
    output: str | None,
    portfolio: bool,
    quiet: bool,
    force: bool,
) -> None:
    """Import a schedule into a scenario file that pmo-sim can run.

    Reads Primavera P6 XER, MS Project XML (MPP with the pmo-sim[mpxj] extra and
    Java), a CSV/XLSX task table, or a PSPLIB (.sm) or Patterson (.rcp) benchmark
    instance (starting on --start, default 2027-01-04); adds a risk register
    (--risks) and three-point ranges by rule (--ranges); writes a TOML scenario
    embedding it all. Warnings (what could not be carried over exactly), which
    range rule hit each task, and the fidelity line (how many of the file's early
    dates pmo-sim's CPM reproduces, and why the others differ) go to stderr.

    \b
    Examples:
      pmo-sim import plan.xer -o plan.toml
      pmo-sim import plan.xer --project TP --ranges ranges.toml --risks risks.csv -o plan.toml
      pmo-sim import plan.xml -o plan.toml && pmo-sim run plan.toml
      pmo-sim import tasks.csv --start 2027-01-04 -o plan.toml
      pmo-sim import tasks.csv --start 2027-01-04 --data-date 2027-03-01 -o plan.toml
      pmo-sim import tasks.csv --start 2027-01-04 --resource-table crews.csv -o plan.toml
      pmo-sim import j301_1.sm -o j301_1.toml
      pmo-sim import programme.xer --portfolio --ranges ranges.toml -o programme.toml
    """
    check_outputs(output, force=force, inputs=(schedule, risks, ranges, resource_table))
    if portfolio:
        _import_portfolio(
            schedule,
            output,
            ranges,
            given={
                "--project": project,
                "--project-id": project_id,
                "--risks": risks,
                "--start": start,
                "--links": links,
                "--data-date": data_date,
                "--resource-table": resource_table,
            },
            quiet=quiet,
            force=force,
        )
        return
    text, scenario, hits, imported, warnings, fidelity = import_scenario(
        schedule,
        project=project,
        risks=risks,
        ranges=ranges,
        start=start,
        calendar=calendar,
        links=links,
        data_date=data_date,
        project_id=project_id,
        notes=not quiet,
        resource_table=resource_table,
    )
    if not quiet:
        ignored = _ignored_options(
            imported, start=start, data_date=data_date, links=links, resource_table=resource_table
        )
        for w in ignored:
            click.echo(f"warning: {w}", err=True)
        for w in warnings:
            click.echo(f"warning: {w}", err=True)
        for h in hits:
            dist = h.duration.describe() if hasattr(h.duration, "describe") else f"{h.duration:g}"
            click.echo(f"range: {h.task}: {h.source}: {dist}", err=True)
    if not quiet and fidelity is not None:
        # The file's header keeps it too; a planner sees here whether to trust the import.
        click.echo(f"fidelity: {fidelity.summary()}", err=True)
    if output is None:
        click.echo(text, nl=False)
        return
    atomic_write(output, lambda handle: handle.write(text), force=force)
    links_count = sum(len(t.predecessors) for t in scenario.tasks)
    click.echo(
        f"wrote {output}: {len(scenario.tasks)} tasks, {links_count} links, "
        f"{len(scenario.risks)} risks from {schedule} ({imported.format}); "
        f"{len(warnings)} warning(s)",
        err=True,
    )


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--project", help="For an XER file holding several projects: its proj_id or short name."
)
@click.option("--start", help="Project start (YYYY-MM-DD) when PATH is a task table.")
@click.option(
    "--data-date", help="Status date (YYYY-MM-DD) when PATH is a task table with progress."
)
@click.option("--json", "as_json", is_flag=True, help="Print the assessment as JSON.")
@click.option(
    "--strict", is_flag=True, help=f"Exit with status {CHECK_FAILED} when a metric fails."
)
@guard
def check(
    path: str,
    project: str | None,
    start: str | None,
    data_date: str | None,
    as_json: bool,
    strict: bool,
) -> None:
    """DCMA 14-point schedule assessment of a scenario or schedule file.

    Measures logic, leads, lags, relationship types, hard constraints, high and
    negative float, high duration, invalid dates, missed tasks, the critical path
    test, CPLI and BEI, each with its threshold, the measured value, pass/fail and
    the offending task ids; metrics the file cannot support are skipped with the
    reason. Run it before simulating.

    \b
    Examples:
      pmo-sim check plan.xer
      pmo-sim check scenarios/office_move.toml --json
    """
    from ..report.health import render
    from ..scheduling.health import assess

    imported = None
    if Path(path).suffix.lower() == ".toml":
        from ..io.scenario_file import load

        scenario = load(path)
    else:
        from ..io.importers import read_schedule

        imported = read_schedule(path, project, start=start, data_date=data_date)
        scenario = imported.scenario
        for w in _ignored_options(imported, start=start, data_date=data_date):
            click.echo(f"warning: {w}", err=True)
        for w in imported.warnings:
            click.echo(f"warning: {w}", err=True)
    assessment = assess(scenario, imported)
    if as_json:
        click.echo(json.dumps(assessment.to_dict(), indent=2, default=str))
    else:
        click.echo(render(assessment))
    if strict and assessment.counts()["fail"]:
        raise click.exceptions.Exit(CHECK_FAILED)


def _import_portfolio(
    schedule: str,
    output: str | None,
    ranges: str | None,
    *,
    given: dict[str, Any],
    quiet: bool,
    force: bool,
) -> None:
    """``import --portfolio``: the portfolio file over every project of an XER export,
    checked by loading it (each project imported) before it is written."""
    from ..io.importers import detect_format
    from ..io.portfolio_file import load
    from ..io.portfolio_writer import xer_portfolio
    from .common import UserError

    used = [name for name, value in given.items() if value]
    if used:
        raise UserError(
            f"{', '.join(used)}: not taken with --portfolio (each project of the file is "
            "one entry of the portfolio; add options to its entry)"
        )
    if detect_format(schedule) != "xer":
        raise UserError(f"{schedule}: --portfolio reads a P6 XER export of several projects")
    if output is None:
        raise UserError("--portfolio writes a file: give it with -o PORTFOLIO.toml")
    text, warnings = xer_portfolio(schedule, output, ranges)
    # Checked in place: the entries name the export relative to the output's folder.
    probe = Path(output).resolve().parent / f".{Path(output).name}.check.toml"
    try:
        probe.write_text(text, encoding="utf-8")
        pf = load(probe)
    finally:
        probe.unlink(missing_ok=True)
    if not quiet:
        for w in warnings:
            click.echo(f"warning: {w}", err=True)
        click.echo(
            f"{output}: {len(pf.projects)} projects, {len(pf.links)} links between them",
            err=True,
        )
    atomic_write(output, lambda h: h.write(text), force=force)
