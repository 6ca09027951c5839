"""``pmo-sim plot`` and ``pmo-sim report``: the charts and the HTML report.

Both commands run the simulation with the risk ranking on, plus the post-mitigation run
when the scenario has mitigations, then draw. Files are written atomically (a temporary
file in the same folder, then renamed over the target), so an interrupted command never
leaves a half-written file.
"""

from __future__ import annotations

import functools
import os
import time
from typing import Any

import click

from ..base.files import atomic_write
from ..model.calendar import day_of
from .common import (
    FORCE,
    SCENARIO,
    SimOptions,
    UserError,
    check_outputs,
    guard,
    load_scenario,
    need_matplotlib,
    refuse_level_with_record,
    repair_note,
    sim_options,
    simulate_with_progress,
    warn,
)
from .history import history_file, open_history, record_options, scenario_text, store


def _write(path: str, data: bytes, force: bool) -> None:
    atomic_write(path, lambda handle: handle.write(data), binary=True, force=force)


def _run_all(
    scenario: str, sim: SimOptions, ranking: bool, ranking_iterations: int | None
) -> tuple[Any, Any, float]:
    """The ranked run, the post-mitigation run (or None) and the seconds they took."""
    from ..scheduling.network import health_warnings

    s = load_scenario(scenario, sim.level)
    quiet = sim.quiet
    if not quiet:
        warn(health_warnings(s))
    started = time.perf_counter()
    pre = simulate_with_progress(
        s, not quiet, **sim.engine(rank=ranking, ranking_iterations=ranking_iterations)
    )
    if not quiet:
        repair_note(pre)
    post = None
    if s.has_mitigations:
        post = simulate_with_progress(s, not quiet, **sim.engine(mitigated=True))
    return pre, post, time.perf_counter() - started


RANKING_OPTIONS = [
    click.option(
        "--ranking/--no-ranking",
        default=True,
        show_default=True,
        help="Rank the risks by exclusion for the risk tornado (re-runs with each risk "
        "switched off).",
    ),
    click.option(
        "--ranking-iterations",
        type=click.IntRange(min=1),
        help="Iterations of each exclusion run (default: min(iterations, 10000)).",
    ),
]


def _ranking_options(fn: Any) -> Any:
    for option in reversed(RANKING_OPTIONS):
        fn = option(fn)
    return fn


@click.command()
@SCENARIO
@click.option(
    "--out",
    "--output",
    "-o",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to write the charts into (created if missing).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg"]),
    default="png",
    show_default=True,
    help="Image format: PNG (1,350 px wide) or SVG (vector).",
)
@sim_options
@_ranking_options
@FORCE
@guard
def plot(
    scenario: str,
    out_dir: str,
    fmt: str,
    sim: SimOptions,
    ranking: bool,
    ranking_iterations: int | None,
    force: bool,
) -> None:
    """Draw the charts of a simulation as PNG or SVG files.

    Writes, into the --out folder: finish (histogram and S-curve of the finish date
    with P50, P80 and the deadline), cost (the same for the total cost, with the
    budget), jcl (finish against cost per iteration, the deadline and budget, the share
    in each quadrant and the JCL 70% frontier), risks (risk tornado: what each risk
    adds to P80), tasks (criticality and sensitivity of the tasks that drive the
    finish), mitigation (S-curves before and after the risk responses) and resources
    (P50/P80 units in use over time against each resource's capacity). A chart whose
    data the scenario lacks (no costs, risks, mitigations or resources) is skipped with
    a note on stderr. The paths written are printed on stdout. For a portfolio file:
    finish (each project's finish range against its deadline), s-curves (programme
    finish and total cost) and systemic (the systemic-risk tornado).

    \b
    Examples:
      pmo-sim plot scenarios/office_move.toml --out charts
      pmo-sim plot scenarios/office_move.toml --out charts --format svg
      pmo-sim plot scenarios/office_move.toml -o charts -n 50000 --seed 7
    """
    need_matplotlib()
    from ..report.plots import ABSENT, CHARTS, figures, to_bytes
    from . import portfolio

    if portfolio.is_portfolio(scenario):
        portfolio.plot(scenario, out_dir, fmt, sim, ranking, ranking_iterations, force)
        return

    # The folder is created, and every chart's path checked, before the runs.
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{out_dir}: cannot create the folder: {exc.strerror or exc}") from None
    check_outputs(
        *(os.path.join(out_dir, f"{name}.{fmt}") for name in CHARTS),
        force=force,
        inputs=(scenario,),
    )
    pre, post, _ = _run_all(scenario, sim, ranking, ranking_iterations)
    for name, fig in figures(pre, post).items():
        if fig is None:
            if not sim.quiet:
                reason = ABSENT[name]
                if name == "risks" and pre.scenario.risks and not ranking:
                    reason = "--no-ranking"
                click.echo(f"note: no {name} chart: {reason}", err=True)
            continue
        path = os.path.join(out_dir, f"{name}.{fmt}")
        _write(path, to_bytes(fig, fmt), force)
        click.echo(path)


@click.command()
@SCENARIO
@click.option(
    "--output",
    "--out",
    "-o",
    default="report.html",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The HTML file to write (replaced only once the new one is complete).",
)
@sim_options
@_ranking_options
@functools.partial(record_options, reads=True)
@FORCE
@guard
def report(
    scenario: str,
    output: str,
    sim: SimOptions,
    ranking: bool,
    ranking_iterations: int | None,
    force: bool,
    record: bool,
    history_target: str | None,
) -> None:
    """Write a self-contained HTML report that opens in any browser.

    One file, no server, network or JavaScript needed: a summary a manager reads in
    ten seconds (P50/P80 finish and cost, the chance of meeting the deadline, the
    budget and both, JCL), the charts of `pmo-sim plot`, the ranked risks, the tasks
    that drive the finish, the key dates, a before/after table when risks have
    mitigations, the inputs, and how it was produced (version, scenario SHA-256, seed,
    iterations, sampling, run time). The summary numbers equal `pmo-sim run --json`.

    \b
    Examples:
      pmo-sim report scenarios/office_move.toml -o report.html
      pmo-sim report scenarios/office_move.toml -o office.html -n 50000 --seed 7
      pmo-sim report scenarios/office_move.toml --no-ranking -q
      pmo-sim report scenarios/updates/office_2027-06-01.toml --record -o june.html

    With --record the run is stored in the history, and with --record or --history
    the report gains a "Trend" section when the history holds earlier updates of
    the project.

    Given a portfolio file (docs/portfolio.md), the report leads with each project
    against its deadline and budget, red/amber/green, then each project's finish
    against its deadline on one chart, the portfolio S-curves, the systemic-risk
    tornado, the programme-wide ranking and the links between projects.
    """
    need_matplotlib()
    from . import portfolio

    if portfolio.is_portfolio(scenario):
        portfolio.refuse({"--record": record, "--history": history_target})
        check_outputs(output, force=force, inputs=(scenario,))
        text = portfolio.report_html(scenario, sim, ranking, ranking_iterations)
        _write(output, text.encode("utf-8"), force)
        click.echo(output)
        return
    refuse_level_with_record(sim, record)
    used = history_file(history_target) if record or history_target else None
    check_outputs(output, force=force, inputs=(scenario, used))  # before the runs
    from ..report.html import render_report

    # The history is opened and checked before the runs, so a bad one wastes none.
    history = open_history(history_target, write=record) if record or history_target else None
    pre, post, elapsed = _run_all(scenario, sim, ranking, ranking_iterations)
    updates = None
    if history is not None:
        from ..history.trend import trend

        if record:
            store(
                history,
                pre,
                scenario_text(scenario),
                command="report",
                source=scenario,
                quiet=sim.quiet,
            )
        p = pre.scenario.project
        now = p.data_date or p.start
        updates = [u for u in trend(history, p.id) if u.run.data_date <= day_of(now)]
    text = render_report(pre, post, source_path=scenario, elapsed=elapsed, trend=updates)
    _write(output, text.encode("utf-8"), force)
    click.echo(output)
