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
    refuse_level_with_record,
    repair_note,
    sim_options,
    simulate_with_progress,
)
from .imports import import_options

WHERE = (
    "an SQLite file or a postgresql:// URL (default: $PMO_SIM_HISTORY, else "
    "pmo-history.sqlite in the working folder)."
)
#: ``--history`` on the commands that store runs.
HISTORY = click.option(
    "--history",
    "history_target",
    metavar="PATH|URL",
    help=f"The history to record into: {WHERE}",
)
#: ``--history`` on the commands that only read it.
HISTORY_READ = click.option(
    "--history",
    "history_target",
    metavar="PATH|URL",
    help=f"The history to read: {WHERE}",
)


def record_options(fn: Callable[..., Any], *, reads: bool = False) -> Callable[..., Any]:
    """``--record`` and ``--history`` for a simulating command (``reads``: one that also
    reads the history without recording, as ``report`` does for its Trend section)."""
    if reads:
        fn = click.option(
            "--history",
            "history_target",
            metavar="PATH|URL",
            help=f"The history to record into (--record) and to read the earlier updates "
            f"from: {WHERE}",
        )(fn)
    else:
        fn = HISTORY(fn)
    return click.option(
        "--record",
        is_flag=True,
        help="Store the run in the history (see 'pmo-sim history' and 'pmo-sim trend').",
    )(fn)


def open_history(target: str | None, *, write: bool = True) -> Any:
    """The history, opened (and checked) before any simulation runs; a missing extra
    or an unusable database is bad input (exit 2). ``write=False`` for the commands
    that only read: a history that does not exist is an error, not a new empty one."""
    try:
        from ..history import open_history as open_store
    except ImportError as exc:
        raise UserError(str(exc)) from None
    return open_store(target, write=write)


def history_file(target: str | None) -> str | None:
    """The SQLite file that ``target`` (``--history``, else ``$PMO_SIM_HISTORY``, else
    the default) names, or None (PostgreSQL, or the extra missing): an input of the
    command, which no output may replace."""
    try:
        from ..history.store import sqlite_file, target_of
    except ImportError:
        return None
    return sqlite_file(target_of(target)[0])


def pick_project(history: Any, project_id: str | None) -> str:
    """The recorded project a reading command is about: ``project_id``, or the only
    one the history holds; otherwise an error listing the recorded projects."""
    projects = history.projects()
    known = ", ".join(projects[:10]) + (", ..." if len(projects) > 10 else "")
    if not projects:
        raise UserError(
            f"{history.label}: no runs recorded yet (record one with 'pmo-sim record "
            "SCHEDULE' or 'pmo-sim run SCENARIO --record')"
        )
    if project_id is None:
        if len(projects) > 1:
            raise UserError(
                f"{history.label} holds {len(projects)} projects ({known}); name one with --project"
            )
        return projects[0]
    if project_id not in projects:
        raise UserError(f"{history.label}: no runs of project {project_id!r} (recorded: {known})")
    return project_id


def recorded_before(history: Any, scenario: Any, text: str, sim: Any) -> int | None:
    """The id of the run already recorded as the update that simulating ``scenario``
    (whose TOML is ``text``, its register as it stands) with ``sim`` would record, or
    None: checked before the run, so a duplicate costs no simulation."""
    from ..engine.settings import prepare_run
    from ..history.records import UpdateKey, record_date, scenario_sha256

    run = prepare_run(scenario, sim.iterations, sim.seed, sim.sampling, None, 1)
    key = UpdateKey(
        project_id=scenario.project.id,
        data_date=record_date(scenario.project),
        scenario_sha256=scenario_sha256(text),
        seed=run.seed,
        iterations=run.iterations,
        sampling=run.sampling,
        mitigated=False,
    )
    return history.recorded(key)


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
    project_id: str | None,
    risks: str | None,
    ranges: str | None,
    start: str | None,
    calendar: str,
    links: str | None,
    data_date: str | None,
    resource_table: str | None,
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
      pmo-sim record UP-54069-20251121.xer --project-id depot-54069
      pmo-sim record plan_2027-03.xer --ranges ranges.toml --history team.sqlite
      pmo-sim record scenarios/updates/office_2027-03-01.toml -n 20000 --seed 7
    """
    from .imports import import_scenario

    scenario_file = schedule.lower().endswith(".toml")
    if scenario_file:
        context = click.get_current_context()
        # The import options the user gave (a default is not given, whatever its value).
        options = (
            "project",
            "project_id",
            "risks",
            "ranges",
            "start",
            "calendar",
            "links",
            "resource_table",
        )
        used = [
            "--" + name.replace("_", "-")
            for name in (*options, "data_date")
            if context.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
        ]
        if used:
            raise UserError(
                f"{schedule} is a scenario file: {', '.join(used)} "
                f"{'applies' if len(used) == 1 else 'apply'} to a schedule being imported "
                "(the scenario names its own project id, risks and dates); drop "
                f"{'it' if len(used) == 1 else 'them'}, or record the schedule export"
            )
    refuse_level_with_record(sim, True)
    history = open_history(history_target)  # before anything long
    if scenario_file:
        s = load_scenario(schedule, sim.level)
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
            project_id=project_id,
            notes=not sim.quiet,
            resource_table=resource_table,
        )
        if not sim.quiet:
            for w in warnings:
                click.echo(f"warning: {w}", err=True)
            if fidelity is not None:
                click.echo(f"fidelity: {fidelity.summary()}", err=True)
    same = recorded_before(history, s, text, sim)
    if same is not None:
        # Nothing to simulate: the run is in the history already (see 'history').
        from ..history.store import already_recorded

        click.echo(f"note: {already_recorded(same)}", err=True)
        if as_json:
            click.echo(json.dumps(history.load(same).result, indent=2))
        return
    r = simulate_with_progress(s, not sim.quiet, **sim.engine(rank=ranking))
    if not sim.quiet:
        repair_note(r)
    doc = r.to_dict()
    store(history, r, text, command="record", source=schedule, quiet=sim.quiet, document=doc)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    from ..report.text import run_report

    click.echo(run_report(r))


@click.command("history")
@click.option("--project", "project_id", help="Only this project's runs (its [project] id).")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@HISTORY_READ
@guard
def history_(project_id: str | None, as_json: bool, history_target: str | None) -> None:
    """List the runs stored in the history: project, data date, P80 finish, seed,
    and whether the run is of the register after mitigation.

    \b
    Examples:
      pmo-sim history
      pmo-sim history --project office-move --history team.sqlite
    """
    history = open_history(history_target, write=False)
    if project_id is not None:
        pick_project(history, project_id)
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
    # Columns as wide as their longest entry: ids are never cut.
    width = max(len("project"), *(len(run.project_id) for run in runs))
    click.echo(
        f"{'id':>5}  {'project':<{width}}  {'data date':<10}  {'P80 finish':<10}  "
        f"{'iterations':>10}  {'seed':>12}  {'mitigated':<9}  recorded (UTC)"
    )
    for run in runs:
        p80 = run.summary["finish"]["percentiles"]["80"]["date"]
        click.echo(
            f"{run.id:>5}  {run.project_id:<{width}}  {run.data_date.isoformat():<10}  "
            f"{p80:<10}  {run.iterations:>10,}  {run.seed:>12}  "
            f"{'yes' if run.mitigated else 'no':<9}  {run.recorded_at:%Y-%m-%d %H:%M}"
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
@click.option(
    "--mitigated",
    is_flag=True,
    help="The trend of the runs of the register after mitigation (compare SCENARIO "
    "--record stores them) instead of the plan as it stands.",
)
@HISTORY_READ
@FORCE
@guard
def trend(
    project_id: str | None,
    as_json: bool,
    out_dir: str | None,
    mitigated: bool,
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
    history = open_history(history_target, write=False)
    project_id = pick_project(history, project_id)
    updates = updates_of(history, project_id, mitigated=mitigated)
    if not updates:
        which = "after mitigation" if mitigated else "of the plan as it stands (not mitigated)"
        other = "" if mitigated else "; --mitigated shows those after mitigation"
        raise UserError(f"{history.label}: project {project_id!r} has no runs {which}{other}")
    doc = trend_dict(project_id, updates, mitigated=mitigated)
    if out_dir is not None:
        _write_charts(updates, doc["deadline"], out_dir, force, history_target)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(_trend_table(doc))


def _write_charts(
    updates: list, deadline: str | None, out_dir: str, force: bool, history_target: str | None
) -> None:
    from ..report.plots import save
    from ..report.trend_charts import trend_figures

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    figures = {k: f for k, f in trend_figures(updates, deadline).items() if f is not None}
    check_outputs(
        *(str(folder / f"{k}.png") for k in figures),
        force=force,
        inputs=(history_file(history_target),),
    )
    for name, fig in figures.items():
        save(fig, folder / f"{name}.png")
        click.echo(f"wrote {folder / f'{name}.png'}", err=True)


def _pct(p: float | None) -> str:
    return "" if p is None else f"{100 * p:.1f}%"


def _trend_table(doc: dict[str, Any]) -> str:
    """The trend as text: the finish fan, the deadline probability and contingency,
    cost, budget probability, JCL and the open risks' exposure (working days)."""
    head = f"{doc['name']} ({doc['project']})"
    if doc.get("mitigated"):
        head += ", after mitigation"
    if doc["deadline"]:
        head += f", deadline {doc['deadline']}"
    costs = [u.get("cost") for u in doc["updates"] if u.get("cost")]
    currency = next((c["currency"] for c in costs if c.get("currency")), "")
    budget = next((c["budget"] for c in reversed(costs) if c.get("budget") is not None), None)
    if budget is not None:
        head += f", budget {budget:,.0f} {currency}".rstrip()
    lines = [head]
    unit = f" ({currency})" if currency else ""
    cost_head, cost80_head = f"P50 cost{unit}", f"P80 cost{unit}"
    lines.append(
        f"{'data date':<10}  {'P10':<10}  {'P50':<10}  {'P80':<10}  {'P90':<10}  "
        f"{'P(deadline)':>11}  {'contingency':>11}  {cost_head:>14}  {cost80_head:>14}  "
        f"{'P(budget)':>9}  {'JCL':>6}  {'open risks':>10}"
    )
    for u in doc["updates"]:
        pct = u["finish"]["percentiles"]
        cost = u.get("cost") or {}
        p50 = cost.get("percentiles", {}).get("50", {}).get("value")
        p80 = cost.get("percentiles", {}).get("80", {}).get("value")
        exposure = sum(u["drawdown"].values())
        lines.append(
            f"{u['data_date']:<10}  {pct['10']['date']:<10}  {pct['50']['date']:<10}  "
            f"{pct['80']['date']:<10}  {pct['90']['date']:<10}  "
            f"{_pct(u['finish'].get('p_deadline')):>11}  "
            f"{u['contingency_days']:>9.1f} d  "
            f"{'' if p50 is None else f'{p50:,.0f}':>14}  "
            f"{'' if p80 is None else f'{p80:,.0f}':>14}  "
            f"{_pct(cost.get('p_budget')):>9}  "
            f"{_pct(u.get('jcl', {}).get('probability')):>6}  "
            f"{exposure:>8.1f} d"
        )
    lines.append(
        "contingency: P80 finish less the deterministic finish; open risks: the open "
        "risks' P80 contributions (working days)"
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
@HISTORY_READ
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

    # The history is an input: an output path naming it would replace it.
    check_outputs(output, force=force, inputs=(history_file(history_target),))
    history = open_history(history_target, write=False)
    count = len(history.projects())
    if not count:
        pick_project(history, None)  # the error saying how to record one
    page = render_dashboard(history, title=title)
    if output is None:
        click.echo(page, nl=False)
        return
    atomic_write(output, lambda handle: handle.write(page), force=force)
    click.echo(f"wrote {output}: {count} project{'s' if count != 1 else ''}", err=True)
