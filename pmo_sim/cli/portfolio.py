"""``validate``, ``cpm`` and ``run`` of a portfolio file (a TOML file with a
``[portfolio]`` table): the commands hand over to these when given one."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import click

from .common import Progress, SimOptions, UserError, check_outputs, compile_note, warn


def is_portfolio(path: str) -> bool:
    from ..io.portfolio_file import is_portfolio_file

    return is_portfolio_file(path)


def load(path: str) -> Any:
    from ..io.portfolio_file import load as load_portfolio

    return load_portfolio(path)


def _plans(pf: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    from ..engine.portfolio import plan_members
    from ..engine.simulate import deterministic_schedule

    members = plan_members(pf)
    return members, {pid: deterministic_schedule(m.scenario) for pid, m in members.items()}


def refuse(given: dict[str, Any]) -> None:
    """Stop (exit 2) when options that a portfolio run does not take were given."""
    used = [name for name, value in given.items() if value]
    if used:
        raise UserError(
            f"{', '.join(used)}: not available for a portfolio file (a portfolio run "
            "takes -n, --seed, --sampling, --threads, --mitigated, --ranking, --json, "
            "--out, --scheduler, --dask-local and --checkpoint); run a project's scenario "
            "for the rest"
        )


def validate(path: str, quiet: bool) -> None:
    from ..scheduling.network import health_warnings

    pf = load(path)
    _, plans = _plans(pf)
    if quiet:
        return
    for pid in pf.project_ids:
        for p in health_warnings(pf.project(pid).scenario):
            click.echo(f"warning: project {pid!r}: {p}")
    tasks = sum(len(p.scenario.tasks) for p in pf.projects)
    last = max(str(plans[pid].finish_date) for pid in pf.project_ids)
    click.echo(
        f"{path}: valid portfolio: {len(pf.projects)} projects ({tasks} tasks), "
        f"{len(pf.links)} links between projects, {len(pf.risks)} systemic risks; "
        f"deterministic programme finish {last}"
    )


def cpm(path: str, as_json: bool) -> None:
    from ..model.calendar import iso
    from ..report.portfolio import plan_report

    pf = load(path)
    members, plans = _plans(pf)
    if as_json:
        doc = {
            "portfolio": {
                "name": pf.name,
                "finish": max(iso(plans[pid].finish_date) for pid in pf.project_ids),
                "deadline": None if pf.deadline is None else pf.deadline.isoformat(),
                "links": [str(k) for k in pf.links],
            },
            "projects": {pid: plans[pid].to_dict() for pid in pf.project_ids},
        }
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(plan_report(pf, members, plans))


def run(
    path: str,
    sim: SimOptions,
    *,
    mitigated: bool,
    ranking: bool,
    ranking_iterations: int | None,
    as_json: bool,
    out_json: str | None,
    scheduler: str | None,
    dask_local: int | None,
    checkpoint: str | None,
    force: bool,
) -> None:
    from ..base.files import atomic_write
    from ..report.portfolio import run_report
    from ..scheduling.network import health_warnings
    from .cluster import cluster_context

    check_outputs(out_json, force=force, inputs=(path,))
    pf = load(path)
    quiet = sim.quiet
    if not quiet:
        for p in pf.projects:
            warn(f"project {p.id!r}: {w}" for w in health_warnings(p.scenario))
    log = None if quiet else (lambda line: click.echo(line, err=True))
    with cluster_context(scheduler, dask_local, log=log) as client:
        r = _simulate(
            pf,
            sim,
            mitigated=mitigated,
            rank=ranking,
            ranking_iterations=ranking_iterations,
            client=client,
            checkpoint=checkpoint,
        )
    doc = r.to_dict() if (as_json or out_json) else None
    if out_json:
        text = json.dumps(doc, indent=2) + "\n"
        atomic_write(out_json, lambda h: h.write(text), force=force)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(run_report(r))


def _simulate(pf: Any, sim: SimOptions, **options: Any) -> Any:
    from ..engine.portfolio import simulate_portfolio

    if sim.level:
        raise UserError(
            "--level: a portfolio run levels each project as its own [simulation] "
            "levelling says (on its own resources: projects share no pool in this "
            "version); set it in the projects' scenario files"
        )
    if not sim.quiet:
        compile_note(True, pf.projects[0].scenario)
    bar = Progress(not sim.quiet)
    try:
        return simulate_portfolio(pf, **sim.engine(), progress=bar, **options)
    finally:
        bar.close()


def risks(path: str, sim: SimOptions, *, mitigated: bool, by: str, as_json: bool) -> None:
    """The programme-wide ranking of every systemic and project risk."""
    from ..engine.ranking import RANKING_ITERATIONS
    from ..report.portfolio import ranking_report

    pf = load(path)
    if not pf.risks and not any(p.scenario.risks for p in pf.projects):
        raise UserError(f"{path}: no project and no [[risks]] of the portfolio has risks to rank")
    n = sim.iterations
    if n is None:
        n = min(pf.simulation.iterations, RANKING_ITERATIONS)
    sim = dataclasses.replace(sim, iterations=n)
    r = _simulate(pf, sim, mitigated=mitigated, rank=True, ranking_iterations=n)
    if as_json:
        section = r.to_dict()["portfolio"]
        doc = {
            "iterations": r.iterations,
            "seed": r.seed,
            "mitigated": mitigated,
            "risks": section["risk_ranking"],
        }
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(ranking_report(r, by=by, limit=None))


def compare(path: str, sim: SimOptions, as_json: bool) -> None:
    """Every project's and the portfolio's figures before and after mitigation (the
    projects' own responses and the systemic risks'), on the same random numbers."""
    from ..report.portfolio import mitigation_report

    pf = load(path)
    pre = _simulate(pf, sim)
    post = _simulate(pf, sim, mitigated=True)
    if as_json:
        click.echo(json.dumps(mitigation_doc(pre, post), indent=2))
        return
    click.echo(mitigation_report(pre, post))


def mitigation_doc(pre: Any, post: Any) -> dict[str, Any]:
    def figures(r: Any, res: Any = None) -> dict[str, Any]:
        if res is None:
            return {
                "p50_finish": r.percentile_date(50).isoformat(),
                "p80_finish": r.percentile_date(80).isoformat(),
                "p80_cost": r.cost_percentile(80),
                "p_all_deadlines": r.probability_all_deadlines,
            }
        return {
            "p50_finish": res.percentile_date(50).isoformat(),
            "p80_finish": res.percentile_date(80).isoformat(),
            "p80_cost": None if res.cost is None else float(res.cost_percentile(80)),
            "p_deadline": None
            if res.scenario.project.deadline is None
            else res.probability_by(None),
        }

    return {
        "iterations": pre.iterations,
        "seed": pre.seed,
        "portfolio": {"before": figures(pre), "after": figures(post)},
        "projects": {
            pid: {
                "before": figures(pre, pre.projects[pid]),
                "after": figures(post, post.projects[pid]),
            }
            for pid in pre.projects
        },
    }


def report_html(path: str, sim: SimOptions, ranking: bool, ranking_iterations: int | None) -> str:
    """The portfolio's HTML report (``report.portfolio_html``)."""
    from ..report.portfolio_html import render_portfolio_report

    pf = load(path)
    r = _simulate(pf, sim, rank=ranking, ranking_iterations=ranking_iterations)
    return render_portfolio_report(r)


def plot(
    path: str,
    out_dir: str,
    fmt: str,
    sim: SimOptions,
    ranking: bool,
    ranking_iterations: int | None,
    force: bool,
) -> None:
    """``pmo-sim plot PORTFOLIO``: the portfolio's charts into ``out_dir``."""
    import os

    from ..base.files import atomic_write
    from ..report.plots import house_style, to_bytes
    from ..report.portfolio_html import CHARTS, portfolio_figures

    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{out_dir}: cannot create the folder: {exc.strerror or exc}") from None
    paths = {name: os.path.join(out_dir, f"{name}.{fmt}") for name in CHARTS}
    check_outputs(*paths.values(), force=force, inputs=(path,))
    pf = load(path)
    r = _simulate(pf, sim, rank=ranking, ranking_iterations=ranking_iterations)
    with house_style():
        figures = portfolio_figures(r)
        for name, fig in figures.items():
            if fig is None:
                if not sim.quiet:
                    why = "--no-ranking" if not ranking else "no systemic risks to rank"
                    click.echo(f"note: no {name} chart: {why}", err=True)
                continue
            data = to_bytes(fig, fmt)
            atomic_write(paths[name], lambda h, data=data: h.write(data), binary=True, force=force)
            click.echo(paths[name])
