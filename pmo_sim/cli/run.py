"""The commands that read a scenario and schedule or simulate it: ``validate``, ``cpm``,
``run``, ``compare`` and ``risks``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from ..report.text import days, table
from .cluster import cluster_context, cluster_options
from .common import (
    FORCE,
    SCENARIO,
    SimOptions,
    UserError,
    check_outputs,
    guard,
    load_scenario,
    refuse_level_with_record,
    repair_note,
    sim_options,
    simulate_with_progress,
    warn,
)
from .history import (
    WHERE,
    history_file,
    open_history,
    pick_project,
    record_options,
    scenario_text,
    store,
)


@click.command()
@SCENARIO
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success; only the exit code.")
@click.option(
    "--repair-correlations",
    is_flag=True,
    help="Accept inconsistent correlation groups that a run would repair.",
)
@guard
def validate(scenario: str, quiet: bool, repair_correlations: bool) -> None:
    """Check a scenario file: report every error (exit 2) and schedule-health warnings.

    Warnings (open ends, leads, estimates without a range) do not fail validation;
    validate prints them on stdout as part of its report. Branches, tasks that exist
    only when a risk occurs, dependent risks (with their overall probability) and
    uncertain lags are explained one per line after the summary. A portfolio file
    (docs/portfolio.md) is checked with every project it names.

    \b
    Example:
      pmo-sim validate scenarios/office_move.toml
    """
    from ..model.correlation import correlation_model, describe_repair
    from ..model.risk_logic import describe_risk_model
    from ..scheduling.cpm import schedule
    from ..scheduling.network import health_warnings
    from . import portfolio

    if portfolio.is_portfolio(scenario):
        portfolio.validate(scenario, quiet)
        return
    s = load_scenario(scenario)
    plan = schedule(s)
    warnings = health_warnings(s)
    corr = correlation_model(s, repair=repair_correlations)  # refuses a non-PSD matrix
    if quiet:
        return
    if corr is not None and corr.repaired_pair is not None:
        click.echo(f"note: {describe_repair(corr)}")
    links = sum(len(t.predecessors) for t in s.tasks)
    for p in warnings:
        click.echo(f"warning: {p}")
    click.echo(
        f"{scenario}: valid: {len(s.tasks)} tasks, {links} links, {len(s.risks)} risks, "
        f"{len(s.correlations)} correlation groups; deterministic finish "
        f"{plan.finish_date} ({days(plan.finish)} working days); {len(warnings)} warning(s)"
    )
    for line in describe_risk_model(s):
        click.echo(f"  {line}")


@click.command()
@SCENARIO
@click.option(
    "--json", "as_json", is_flag=True, help="Print the schedule as JSON instead of a table."
)
@guard
def cpm(scenario: str, as_json: bool) -> None:
    """Deterministic schedule (critical path method) with most likely durations.

    The table lists each task's duration, early start and finish dates, total float and
    whether it is critical; durations and float are working days. Where the
    calendars have working hours, dates show their time of day (a 4-hour task begun
    at 08:00 finishes at 12:00 and its successor starts at 13:00, after lunch), and
    --json adds early_start_at and the like. With task calendars it adds each task's
    calendar (durations and float count its working days), and with a data date each
    task's status (complete tasks at their actual dates, tasks in progress finishing
    their remaining work). A portfolio file gives each project's deterministic finish
    against its deadline and the programme's.

    \b
    Examples:
      pmo-sim cpm scenarios/office_move.toml
      pmo-sim cpm scenarios/office_move.toml --json > schedule.json
    """
    from ..model.calendar import iso
    from ..scheduling.cpm import schedule
    from ..scheduling.network import health_warnings
    from . import portfolio

    if portfolio.is_portfolio(scenario):
        portfolio.cpm(scenario, as_json)
        return
    s = load_scenario(scenario)
    plan = schedule(s)
    warn(health_warnings(s))
    if as_json:
        click.echo(json.dumps(plan.to_dict(), indent=2))
        return
    p = s.project
    dates = plan.dates()
    times = plan.times()
    if times["early_start"]:  # calendars with working hours: dates with their times
        es = [m.strftime("%Y-%m-%d %H:%M") for m in times["early_start"]]
        ef = [m.strftime("%Y-%m-%d %H:%M") for m in times["early_finish"]]
    else:
        es = [iso(d) for d in dates["early_start"]]
        ef = [iso(d) for d in dates["early_finish"]]
    headers = ["id", "name", "duration", "early start", "early finish", "total float", "critical"]
    extra = []
    if p.calendars:
        extra.append(("calendar", lambda t: t.calendar or "project"))
    if p.data_date is not None:
        extra.append(("status", lambda t: t.status))
    rows = [
        [
            t.id,
            t.name,
            days(plan.durations[i]),
            es[i],
            ef[i],
            days(plan.total_float[i]),
            "yes" if plan.critical[i] else "",
        ]
        + [value(t) for _, value in extra]
        for i, t in enumerate(s.tasks)
    ]
    head = f"{p.name}: start {p.start}, calendar {p.calendar.name}"
    if p.calendars:
        head += f", working days counted on {s.timeline.name} (all task calendars)"
    if p.data_date is not None:
        head += f", data date {p.data_date}"
    click.echo(head)
    click.echo(table(headers + [name for name, _ in extra], rows, right={2, 5}))
    click.echo(f"\nDeterministic finish: {plan.finish_date} ({days(plan.finish)} working days)")
    for path in plan.critical_paths(limit=3):
        click.echo(f"Critical path: {' -> '.join(path)}")


@click.command()
@SCENARIO
@sim_options
@click.option("--mitigated", is_flag=True, help="Simulate the post-mitigation risk register.")
@click.option(
    "--ranking/--no-ranking",
    default=True,
    show_default=True,
    help="Rank the risks by exclusion (re-runs with each risk switched off).",
)
@click.option(
    "--ranking-iterations",
    type=click.IntRange(min=1),
    help="Iterations of each exclusion run (default: min(iterations, 10000)).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--out",
    "--output",
    "-o",
    "out_json",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the JSON document to this file (atomically).",
)
@click.option(
    "--iterations-csv",
    type=click.Path(dir_okay=False, writable=True),
    help="Write one row per iteration: finish days and date, total cost, each "
    "risk's occurrence (0/1), each branch's option and the days lost to weather.",
)
@click.option(
    "--task-dates",
    type=click.Path(dir_okay=False, writable=True),
    help="Write per-task deterministic, P50 and P80 start and finish dates and "
    "criticality, to load back into a schedule.",
)
@click.option(
    "--until-converged",
    is_flag=True,
    help="Run batches until the P80 finish (and cost) standard error is within "
    "the tolerance; prints the trace on stderr.",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0, min_open=True),
    default=0.5,
    show_default=True,
    help="With --until-converged: P80 finish standard error to reach, in working days.",
)
@click.option(
    "--cost-tolerance",
    type=click.FloatRange(min=0, min_open=True),
    help="With --until-converged: P80 cost standard error to reach "
    "(default: 0.5% of the P80 cost).",
)
@click.option(
    "--max-iterations",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    help="With --until-converged: stop here at the latest.",
)
@record_options
@cluster_options
@FORCE
@guard
def run(
    scenario: str,
    sim: SimOptions,
    mitigated: bool,
    ranking: bool,
    ranking_iterations: int | None,
    as_json: bool,
    out_json: str | None,
    iterations_csv: str | None,
    task_dates: str | None,
    until_converged: bool,
    tolerance: float,
    cost_tolerance: float | None,
    max_iterations: int,
    scheduler: str | None,
    dask_local: int | None,
    checkpoint: str | None,
    force: bool,
    record: bool,
    history_target: str | None,
) -> None:
    """Simulate a scenario: when it will finish, what it will cost, how sure, and why.

    Prints P10/P50/P80/P90 finish dates (and working days) and costs, the mean, the
    deterministic (CPM) values and the probability of meeting them, the probability of
    meeting the deadline and the budget and both (joint confidence, JCL), the risks
    that add most to P80, and the tasks most often on the critical path.

    \b
    Examples:
      pmo-sim run scenarios/office_move.toml
      pmo-sim run scenarios/office_move.toml -n 100000 --seed 42
      pmo-sim run scenarios/office_move.toml --mitigated
      pmo-sim run scenarios/office_move.toml --json > results.json
      pmo-sim run scenarios/office_move.toml --out results.json --task-dates dates.csv
      pmo-sim run scenarios/office_move.toml --until-converged --tolerance 0.25
      pmo-sim run scenarios/office_move.toml --record
      pmo-sim run scenarios/fit_out.toml --level

    Given a portfolio file (a [portfolio] table naming projects, links between them
    and systemic risks; docs/portfolio.md), simulates every project together and
    prints each against its deadline and budget with a red/amber/green mark, the
    programme finish and total cost, the portfolio effect and the programme-wide
    risk ranking: pmo-sim run scenarios/portfolio/portfolio.toml

    Ctrl-C stops a run cleanly (exit 130) and leaves no partial output file.
    """
    from ..io import exports
    from ..scheduling.network import health_warnings
    from . import portfolio

    if portfolio.is_portfolio(scenario):
        portfolio.refuse(
            {
                "--iterations-csv": iterations_csv,
                "--task-dates": task_dates,
                "--until-converged": until_converged,
                "--record": record,
                "--history": history_target,
            }
        )
        portfolio.run(
            scenario,
            sim,
            mitigated=mitigated,
            ranking=ranking,
            ranking_iterations=ranking_iterations,
            as_json=as_json,
            out_json=out_json,
            scheduler=scheduler,
            dask_local=dask_local,
            checkpoint=checkpoint,
            force=force,
        )
        return
    if until_converged and sim.iterations is not None:
        raise UserError(
            "--iterations and --until-converged exclude each other; use "
            "--max-iterations to cap a converging run"
        )
    if until_converged and (scheduler or dask_local or checkpoint):
        raise UserError(
            "--until-converged runs on this machine; it cannot be combined with "
            "--scheduler, --dask-local or --checkpoint"
        )
    check_outputs(  # before a long run; the history it records into is an input too
        out_json,
        iterations_csv,
        task_dates,
        force=force,
        inputs=(scenario, history_file(history_target) if record else None),
    )
    if history_target is not None and not record:
        raise UserError(
            "--history names the history that --record stores the run in; add --record "
            "(or drop --history)"
        )
    refuse_level_with_record(sim, record)
    s = load_scenario(scenario, sim.level)
    # The history is opened and checked before the run, so a bad one wastes no run.
    history = open_history(history_target) if record else None
    quiet = sim.quiet
    if not quiet:
        warn(health_warnings(s))
        if not s.risks and all(t.duration.is_degenerate for t in s.tasks):
            click.echo(
                "note: no task duration has a range and there are no risks, so every "
                "iteration gives the same finish (P10 = P90); give the durations ranges "
                "(see 'Range rules' in docs/importing.md)",
                err=True,
            )
    options = sim.engine(
        mitigated=mitigated,
        rank=ranking,
        ranking_iterations=ranking_iterations,
        task_dates=task_dates is not None,
    )
    if until_converged:
        from ..engine.convergence import simulate_until_converged
        from .common import compile_note

        def show(step) -> None:
            if quiet:
                return
            # Enough digits to tell the standard error from the tolerance it is held to
            # (0.25004 is not yet within 0.25, yet prints as 0.250 with three).
            digits = max(3, decimals(tolerance) + 2)
            while (
                digits < 12
                and step.se_finish != tolerance
                and (float(f"{step.se_finish:.{digits}f}") == tolerance)
            ):
                digits += 1
            cost = (
                ""
                if step.se_cost is None
                else f", P80 cost {step.p80_cost:,.0f} (SE {step.se_cost:,.0f})"
            )
            click.echo(
                f"converging: {step.iterations:,} iterations, P80 finish "
                f"{step.p80_finish:.2f} days (SE {step.se_finish:.{digits}f}, tolerance "
                f"{tolerance:g}){cost}",
                err=True,
            )

        compile_note(not quiet, s)
        r, _ = simulate_until_converged(
            s,
            tolerance=tolerance,
            cost_tolerance=cost_tolerance,
            max_iterations=max_iterations,
            on_step=show,
            **{k: v for k, v in options.items() if k != "iterations"},
        )
    else:
        log = None if quiet else (lambda line: click.echo(line, err=True))
        with cluster_context(scheduler, dask_local, log=log) as client:
            r = simulate_with_progress(
                s, not quiet, client=client, checkpoint=checkpoint, **options
            )
    if not quiet:
        repair_note(r)
    # One result document for the history and --json (a large one takes a while).
    doc = r.to_dict() if history is not None or as_json else None
    if history is not None:
        text = scenario_text(scenario)
        store(history, r, text, command="run", source=scenario, quiet=quiet, document=doc)
    # Each file is complete before it replaces anything (see base.files.atomic_write).
    if out_json:
        exports.write_json(r, out_json, force=force)
    if iterations_csv:
        exports.write_text(exports.iterations_csv(r), iterations_csv, force=force)
    if task_dates:
        exports.write_text(exports.task_dates_csv(r), task_dates, force=force)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    from ..report.text import run_report

    click.echo(run_report(r))


@click.command()
@click.argument("old")
@click.argument("new", required=False)
@sim_options
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option(
    "--project",
    "project_id",
    help="With data dates: the recorded project (its [project] id) they are updates of.",
)
@click.option(
    "--history",
    "history_target",
    metavar="PATH|URL",
    help=f"With data dates, the history to read them from; with --record, the history "
    f"to record into: {WHERE}",
)
@click.option(
    "--record",
    is_flag=True,
    help="With one SCENARIO: store both runs (before and after mitigation) in the history.",
)
@guard
def compare(
    old: str,
    new: str | None,
    sim: SimOptions,
    as_json: bool,
    project_id: str | None,
    history_target: str | None,
    record: bool,
) -> None:
    """Compare two updates of a project, or a register before and after mitigation.

    With OLD and NEW (two scenario files, or two data dates of recorded updates of a
    project: 2027-04-01 2027-05-04), explains the change in P50/P80 finish and cost as
    a waterfall: progress and data date, duration estimates, logic, calendars, risks,
    costs, everything else, each applied in turn on common random numbers; the steps
    add up to the total change, and each names what it changed.

    With one SCENARIO, compares its pre- and post-mitigation risk register on the same
    random numbers: P50/P80 finish and cost before and after the responses, the shift,
    and the response cost against the expected saving. Each shift is the difference of
    the figures as printed; --json gives the unrounded values.

    \b
    Examples:
      pmo-sim compare scenarios/office_move.toml
      pmo-sim compare scenarios/updates/office_2027-04-01.toml \\
                      scenarios/updates/office_2027-05-04.toml
      pmo-sim compare 2027-04-01 2027-05-04 --project office-move --json
    """
    from ..report.text import compare_report, comparison
    from . import portfolio

    if new is None and portfolio.is_portfolio(old):
        portfolio.refuse({"--project": project_id, "--history": history_target, "--record": record})
        portfolio.compare(old, sim, as_json)
        return

    if new is not None:
        if record:
            raise UserError(
                "--record stores the runs of one scenario (compare SCENARIO --record); "
                "record each update with 'pmo-sim record' and compare them by data date"
            )
        _compare_updates(old, new, sim, as_json, project_id, history_target)
        return
    if not Path(old).is_file():
        if DATE.fullmatch(old):
            raise UserError(
                f"{old}: a data date is compared with another (compare OLD NEW, e.g. "
                "compare 2027-04-01 2027-05-04); one SCENARIO file compares its mitigations"
            )
        raise UserError(f"{old}: no such scenario file")
    if history_target is not None and not record:
        raise UserError(
            "--history with one SCENARIO names the history --record stores both runs "
            "in; add --record (or drop --history)"
        )
    if project_id is not None:
        raise UserError(
            "--project picks the recorded project whose data dates are compared "
            "(compare 2027-04-01 2027-05-04 --project ID); one SCENARIO names its own"
        )
    refuse_level_with_record(sim, record)
    s = load_scenario(old, sim.level)
    history = open_history(history_target) if record else None
    if not s.has_mitigations:
        raise UserError(
            f"{old}: no risk has a 'mitigated' table, so there is nothing "
            "to compare; add mitigated = {{ probability = ..., response_cost = "
            "... }} to a risk (or give a second update to compare with)"
        )
    pre = simulate_with_progress(s, not sim.quiet, **sim.engine())
    post = simulate_with_progress(s, not sim.quiet, **sim.engine(mitigated=True))
    if history is not None:
        text = scenario_text(old)
        for r in (pre, post):  # told apart by their register (mitigated or not)
            store(history, r, text, command="compare", source=old, quiet=sim.quiet)
    doc = comparison(pre, post)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
    else:
        click.echo(compare_report(pre, post, doc))


DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day(arg: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(arg)
    except ValueError:
        raise UserError(f"{arg}: not a valid date (YYYY-MM-DD) nor a scenario file") from None


def _update(arg: str, project_id: str | None, history: Any, level: bool | None) -> tuple[Any, Any]:
    """A scenario from a file, or from the history's update of that data date, and the
    recorded run it comes from (None for a file); ``level``: ``--level``/``--no-level``."""
    if not DATE.fullmatch(arg):
        if not Path(arg).is_file():
            raise UserError(f"{arg}: neither a scenario file nor a data date (YYYY-MM-DD)")
        return load_scenario(arg, level), None
    import tomllib

    from ..io.scenario_file import parse_scenario

    day = _day(arg)
    project_id = pick_project(history, project_id)
    found = [u for u in history.updates(project_id) if u.data_date == day]
    if not found:
        dates = ", ".join(u.data_date.isoformat() for u in history.updates(project_id))
        raise UserError(
            f"{history.label}: no update of {project_id!r} at data date {arg} "
            f"(recorded: {dates or 'none'})"
        )
    run = history.load(found[0].id)
    scenario = parse_scenario(
        tomllib.loads(run.scenario_text), source=f"{history.label} run {run.id}", levelling=level
    )
    return scenario, run


def _compare_updates(
    old: str,
    new: str,
    sim: SimOptions,
    as_json: bool,
    project_id: str | None,
    history_target: str | None,
) -> None:
    from ..engine.attribution import attribute

    history = None
    if DATE.fullmatch(old) or DATE.fullmatch(new):
        for arg in (old, new):  # a bad date is told before the history is opened
            if DATE.fullmatch(arg):
                _day(arg)
        history = open_history(history_target, write=False)
    else:
        unused = [n for n, v in (("--history", history_target), ("--project", project_id)) if v]
        if unused:
            raise UserError(
                f"{' and '.join(unused)}: for updates recorded in the history, named by "
                "data date (compare 2027-04-01 2027-05-04 --project ID); two scenario "
                "files need neither"
            )
    before, _ = _update(old, project_id, history, sim.level)
    after, recorded = _update(new, project_id, history, sim.level)
    # The new update's settings: those it was recorded with (so the waterfall ends at
    # the figures the trend shows), else its scenario's; the options override both.
    settings = after.simulation if recorded is None else recorded
    iterations = sim.iterations or settings.iterations
    seed = settings.seed if sim.seed is None else sim.seed
    sampling = sim.sampling or settings.sampling

    def run_one(s: Any, **options: Any) -> Any:
        return simulate_with_progress(
            s,
            not sim.quiet,
            threads=sim.threads,
            repair_correlations=sim.repair_correlations,
            **options,
        )

    result = attribute(
        before, after, simulate=run_one, iterations=iterations, seed=seed, sampling=sampling
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    from ..report.text import attribution_report

    click.echo(attribution_report(result, after.project.currency))


@click.command()
@SCENARIO
@sim_options
@click.option("--mitigated", is_flag=True, help="Rank the post-mitigation risk register.")
@click.option(
    "--by",
    type=click.Choice(["finish", "cost"]),
    default="finish",
    show_default=True,
    help="Order the tornado by contribution to P80 finish or to P80 cost.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the ranking as JSON.")
@guard
def risks(
    scenario: str,
    sim: SimOptions,
    mitigated: bool,
    by: str,
    as_json: bool,
) -> None:
    """Rank the risks by what each adds to P80 finish and P80 cost (a text tornado).

    Each risk is switched off in turn and the project re-simulated with the same random
    numbers; its contribution is P80 with every risk minus P80 without it. Iterations
    default to min(the scenario's, 10000) per run. Bars share one scale: "#" for what a
    risk adds and, when an opportunity takes some off, "=" to the left of a "|" axis.
    Cost contributions carry the scenario's currency; names over 40 characters are
    shortened at a word, ending in "…".

    \b
    Examples:
      pmo-sim risks scenarios/office_move.toml
      pmo-sim risks scenarios/office_move.toml --by cost --mitigated
    """
    from ..engine.ranking import RANKING_ITERATIONS
    from ..report.text import risks_report
    from . import portfolio

    if portfolio.is_portfolio(scenario):
        portfolio.risks(scenario, sim, mitigated=mitigated, by=by, as_json=as_json)
        return
    s = load_scenario(scenario, sim.level)
    if not s.risks:
        raise UserError(f"{scenario}: the scenario has no [[risks]] to rank")
    n = sim.iterations
    if n is None:
        n = min(s.simulation.iterations, RANKING_ITERATIONS)
    r = simulate_with_progress(
        s,
        not sim.quiet,
        **sim.engine(iterations=n, mitigated=mitigated, rank=True, ranking_iterations=n),
    )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "iterations": r.iterations,
                    "seed": r.seed,
                    "mitigated": mitigated,
                    "risks": r.to_dict()["risks"],
                },
                indent=2,
            )
        )
    else:
        click.echo(risks_report(r, by))


def decimals(x: float) -> int:
    """Decimal places of ``x`` as written (0.25 -> 2, 1e-3 -> 3, 2 -> 0)."""
    text = f"{x:.12f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0
