"""``validate``, ``cpm`` and ``run`` of a portfolio file (a TOML file with a
``[portfolio]`` table): the commands hand over to these when given one."""

from __future__ import annotations

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
            "--out, --scheduler and --dask-local); run a project's scenario for the rest"
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
    force: bool,
) -> None:
    from ..base.files import atomic_write
    from ..engine.portfolio import simulate_portfolio
    from ..report.portfolio import run_report
    from ..scheduling.network import health_warnings
    from .cluster import cluster_context

    check_outputs(out_json, force=force, inputs=(path,))
    pf = load(path)
    quiet = sim.quiet
    if not quiet:
        for p in pf.projects:
            warn(f"project {p.id!r}: {w}" for w in health_warnings(p.scenario))
        compile_note(True, pf.projects[0].scenario)
    bar = Progress(not quiet)
    log = None if quiet else (lambda line: click.echo(line, err=True))
    try:
        with cluster_context(scheduler, dask_local, log=log) as client:
            r = simulate_portfolio(
                pf,
                **sim.engine(),
                mitigated=mitigated,
                rank=ranking,
                ranking_iterations=ranking_iterations,
                progress=bar,
                client=client,
            )
    finally:
        bar.close()
    doc = r.to_dict() if (as_json or out_json) else None
    if out_json:
        text = json.dumps(doc, indent=2) + "\n"
        atomic_write(out_json, lambda h: h.write(text), force=force)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(run_report(r))
