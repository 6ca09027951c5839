"""The history commands: ``record`` (import, run and record a status update), ``history``
(what is stored) and ``trend`` (the confidence trend), and the ``--record`` and
``--history`` options that ``run`` and ``report`` share."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .common import (
    FORCE,
    UserError,
    check_outputs,
    guard,
    load_scenario,
    need_matplotlib,
    repair_note,
    sim_options,
    simulate_with_progress,
)
from .imports import import_options

HISTORY_HELP = (
    "The history to record into or read: an SQLite file or a postgresql:// URL "
    "(default: $PMO_SIM_HISTORY, else pmo-history.sqlite in the working folder)."
)
HISTORY = click.option("--history", "history_target", metavar="PATH|URL", help=HISTORY_HELP)


def record_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--record`` and ``--history`` for a simulating command."""
    fn = HISTORY(fn)
    return click.option(
        "--record",
        is_flag=True,
        help="Store the run in the history (see 'pmo-sim history' and 'pmo-sim trend').",
    )(fn)


def open_history(target: str | None) -> Any:
    """The history, opened (and checked) before any simulation runs; a missing extra
    or an unusable database is bad input (exit 2)."""
    try:
        from ..history import open_history as open_store
    except ImportError as exc:
        raise UserError(str(exc)) from None
    return open_store(target)


def scenario_text(path: str) -> str:
    """The text of a scenario file, as the history stores it (and hashes it)."""
    return Path(path).read_text(encoding="utf-8")


def store(
    history: Any,
    results: Any,
    text: str,
    *,
    command: str,
    source: str,
    quiet: bool,
    document: dict[str, Any] | None = None,
) -> Any:
    """Record ``results`` (whose ``to_dict()`` is ``document`` where the caller has it)
    and say so on stderr."""
    from ..history import record_of

    rec = record_of(results, text, command=command, source=source, document=document)
    done = history.record(rec)
    if not quiet:
        p = results.scenario.project
        for note in done.notes:
            click.echo(f"note: {note}", err=True)
        if done.stored:
            when = p.data_date or p.start
            click.echo(
                f"recorded run {done.run_id} of project {p.id!r} (data date "
                f"{str(when)[:10]}) in {history.label}",
                err=True,
            )
    return done


@click.command()
@click.argument("schedule", type=click.Path(exists=True, dir_okay=False))
@import_options
@click.option(
    "--ranking/--no-ranking",
    default=True,
    show_default=True,
    help="Rank the risks by exclusion (the trend's risk drawdown needs it).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run's results as JSON.")
@HISTORY
@sim_options
@guard
def record(
    schedule: str,
    project: str | None,
    risks: str | None,
    ranges: str | None,
    start: str | None,
    calendar: str,
    links: str | None,
    data_date: str | None,
    ranking: bool,
    as_json: bool,
    history_target: str | None,
    sim: Any,
) -> None:
    """Import a status update, run it and record it in the history, in one command.

    SCHEDULE is a P6 XER, MS Project XML/MPP or CSV/XLSX export (imported with the
    options 'pmo-sim import' takes: --ranges, --risks, ...), or a scenario file. The
    run is stored with its data date, scenario, seed and results; 'pmo-sim trend'
    shows how confidence moves from update to update.

    \b
    Examples:
      pmo-sim record plan_2027-03.xer --ranges ranges.toml --risks risks.csv
      pmo-sim record plan_2027-03.xer --ranges ranges.toml --history team.sqlite
      pmo-sim record scenarios/updates/office_2027-03-01.toml -n 20000 --seed 7
    """
    from .imports import import_scenario

    history = open_history(history_target)  # before anything long
    if schedule.lower().endswith(".toml"):
        s = load_scenario(schedule)
        text = scenario_text(schedule)
    else:
        text, s, _hits, _imported, warnings, fidelity = import_scenario(
            schedule,
            project=project,
            risks=risks,
            ranges=ranges,
            start=start,
            calendar=calendar,
            links=links,
            data_date=data_date,
        )
        if not sim.quiet:
            for w in warnings:
                click.echo(f"warning: {w}", err=True)
            if fidelity is not None:
                click.echo(f"fidelity: {fidelity.summary()}", err=True)
    r = simulate_with_progress(s, not sim.quiet, **sim.engine(rank=ranking))
    if not sim.quiet:
        repair_note(r)
    store(history, r, text, command="record", source=schedule, quiet=sim.quiet)
    if as_json:
        click.echo(json.dumps(r.to_dict(), indent=2))
        return
    from ..report.text import run_report

    click.echo(run_report(r))


@click.command("history")
@click.option("--project", "project_id", help="Only this project's runs (its [project] id).")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@HISTORY
@guard
def history_(project_id: str | None, as_json: bool, history_target: str | None) -> None:
    """List the runs stored in the history: project, data date, P80 finish, seed.

    \b
    Examples:
      pmo-sim history
      pmo-sim history --project office-move --history team.sqlite
    """
    history = open_history(history_target)
    runs = history.runs(project_id)
    if as_json:
        rows = [
            {
                "id": run.id,
                "project": run.project_id,
                "name": run.project_name,
                "data_date": run.data_date.isoformat(),
                "recorded_at": run.recorded_at.isoformat(),
                "command": run.command,
                "source": run.source,
                "scenario_sha256": run.scenario_sha256,
                "seed": run.seed,
                "iterations": run.iterations,
                "sampling": run.sampling,
                "mitigated": run.mitigated,
                "pmo_sim_version": run.pmo_sim_version,
                "p80_finish": run.summary["finish"]["percentiles"]["80"]["date"],
            }
            for run in runs
        ]
        click.echo(json.dumps({"history": history.label, "runs": rows}, indent=2))
        return
    if not runs:
        which = f" of project {project_id!r}" if project_id else ""
        click.echo(f"{history.label}: no runs recorded{which}", err=True)
        return
    click.echo(
        f"{'id':>5}  {'project':<24} {'data date':<10}  {'P80 finish':<10}  "
        f"{'iterations':>10}  {'seed':>12}  recorded"
    )
    for run in runs:
        p80 = run.summary["finish"]["percentiles"]["80"]["date"]
        click.echo(
            f"{run.id:>5}  {run.project_id[:24]:<24} {run.data_date.isoformat():<10}  "
            f"{p80:<10}  {run.iterations:>10,}  {run.seed:>12}  "
            f"{run.recorded_at:%Y-%m-%d %H:%M}"
        )


@click.command()
@click.option(
    "--project",
    "project_id",
    help="The project (its [project] id); needed when the history holds several.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the trend as JSON.")
@click.option(
    "--out",
    "--output",
    "-o",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Write the trend charts (PNG) into this folder.",
)
@HISTORY
@FORCE
@guard
def trend(
    project_id: str | None,
    as_json: bool,
    out_dir: str | None,
    history_target: str | None,
    force: bool,
) -> None:
    """The confidence trend of a project over its recorded updates.

    For each data date: P10/P50/P80/P90 finish, the probability of meeting the
    deadline, P50/P80 cost, the probability of meeting the budget, the joint
    confidence (JCL), the schedule contingency (P80 less the deterministic finish)
    and the risk drawdown (the open risks' P80 contributions). --out writes the fan
    chart of the finish, the deadline probability and the drawdown by risk.

    \b
    Examples:
      pmo-sim trend
      pmo-sim trend --project office-move --json
      pmo-sim trend --project office-move --out trend/
    """
    from ..history.trend import trend as updates_of
    from ..history.trend import trend_dict

    if out_dir is not None:
        need_matplotlib()  # before the folder is made
    history = open_history(history_target)
    projects = history.projects()
    if project_id is None:
        if not projects:
            raise UserError(f"{history.label}: no runs recorded yet (record one with --record)")
        if len(projects) > 1:
            raise UserError(
                f"{history.label} holds {len(projects)} projects ({', '.join(projects[:10])}); "
                "name one with --project"
            )
        project_id = projects[0]
    elif project_id not in projects:
        known = ", ".join(projects[:10]) or "none"
        raise UserError(f"{history.label}: no runs of project {project_id!r} (recorded: {known})")
    updates = updates_of(history, project_id)
    doc = trend_dict(project_id, updates)
    if out_dir is not None:
        _write_charts(updates, doc["deadline"], out_dir, force)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(_trend_table(doc))


def _write_charts(updates: list, deadline: str | None, out_dir: str, force: bool) -> None:
    from ..report.plots import save
    from ..report.trend_charts import trend_figures

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    figures = {k: f for k, f in trend_figures(updates, deadline).items() if f is not None}
    check_outputs(*(str(folder / f"{k}.png") for k in figures), force=force)
    for name, fig in figures.items():
        save(fig, folder / f"{name}.png")
        click.echo(f"wrote {folder / f'{name}.png'}", err=True)


def _trend_table(doc: dict[str, Any]) -> str:
    lines = [
        f"{doc['name']} ({doc['project']})"
        + (f", deadline {doc['deadline']}" if doc["deadline"] else "")
    ]
    lines.append(
        f"{'data date':<10}  {'P10':<10}  {'P50':<10}  {'P80':<10}  {'P90':<10}  "
        f"{'P(deadline)':>11}  {'contingency':>11}  {'P80 cost':>14}  {'JCL':>5}"
    )
    for u in doc["updates"]:
        pct = u["finish"]["percentiles"]
        pd = u["finish"].get("p_deadline")
        cost = u.get("cost", {}).get("percentiles", {}).get("80", {}).get("value")
        jcl = u.get("jcl", {}).get("probability")
        lines.append(
            f"{u['data_date']:<10}  {pct['10']['date']:<10}  {pct['50']['date']:<10}  "
            f"{pct['80']['date']:<10}  {pct['90']['date']:<10}  "
            f"{'' if pd is None else f'{100 * pd:.1f}%':>11}  "
            f"{u['contingency_days']:>9.1f} d  "
            f"{'' if cost is None else f'{cost:,.0f}':>14}  "
            f"{'' if jcl is None else f'{100 * jcl:.0f}%':>5}"
        )
    return "\n".join(lines)


@click.command()
@click.option(
    "--out",
    "--output",
    "-o",
    "output",
    type=click.Path(dir_okay=False, writable=True),
    help="The HTML file to write (default: print it on stdout).",
)
@click.option("--title", default="PMO dashboard", show_default=True, help="The page's title.")
@HISTORY
@FORCE
@guard
def dashboard(output: str | None, title: str, history_target: str | None, force: bool) -> None:
    """A PMO dashboard over the history: one self-contained HTML page.

    Each project's latest P80 finish against its deadline, the probability of meeting
    it with a red/amber/green mark, the change since the previous update, a small
    trend line of the P80 finish, and a section per project with every update.

    \b
    Examples:
      pmo-sim dashboard -o pmo.html
      pmo-sim dashboard --history postgresql://pmo@db/pmo -o pmo.html
    """
    from ..base.files import atomic_write
    from ..report.dashboard import render_dashboard

    check_outputs(output, force=force)
    history = open_history(history_target)
    page = render_dashboard(history, title=title)
    if output is None:
        click.echo(page, nl=False)
        return
    atomic_write(output, lambda handle: handle.write(page), force=force)
    click.echo(f"wrote {output}: {len(history.projects())} projects", err=True)
