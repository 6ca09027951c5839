"""Text reports of a portfolio: the deterministic plan and a simulation's answers."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model.calendar import iso
from ..results.simulation import REPORTED_PERCENTILES
from .text import days, money, pct, table

#: Risks the portfolio ranking lists in the text report.
RANKED = 10


def rag_mark(rag: str | None) -> str:
    return {"green": "G", "amber": "A", "red": "R"}.get(rag or "", "-")


def plan_report(portfolio: Any, members: dict[str, Any], plans: dict[str, Any]) -> str:
    """Each project's deterministic start and finish against its deadline, the links
    between projects, and the programme's deterministic finish."""
    rows = []
    for pid in portfolio.project_ids:
        s, plan = members[pid].scenario, plans[pid]
        p = s.project
        rows.append(
            [
                pid,
                p.name,
                str(len(s.tasks) - len(members[pid].stand_ins)),
                p.start.isoformat(),
                iso(plan.finish_date),
                "-" if p.deadline is None else p.deadline.isoformat(),
                "-"
                if p.deadline is None
                else ("met" if iso(plan.finish_date) <= p.deadline.isoformat() else "missed"),
            ]
        )
    out = [
        f"{portfolio.name}: {len(portfolio.projects)} projects, {len(portfolio.links)} links "
        f"between them, {len(portfolio.risks)} systemic risks",
        "",
        table(
            ["project", "name", "tasks", "start", "finish", "deadline", "deterministic"],
            rows,
            right={2},
        ),
    ]
    last = max(iso(plans[pid].finish_date) for pid in portfolio.project_ids)
    line = f"\nProgramme finish (deterministic): {last}"
    if portfolio.deadline is not None:
        line += f" against the deadline {portfolio.deadline}"
    out.append(line)
    for link in portfolio.links:
        out.append(f"Link: {link}")
    return "\n".join(out)


def run_report(r: Any) -> str:
    """The ten-second table (each project against its deadline and budget), then the
    programme's finish and cost, the portfolio effect, the systemic risks and ranking,
    and how often each link between projects drives its successor."""
    pf = r.portfolio
    cur = pf.currency
    rows = []
    for pid, res in r.projects.items():
        p = res.scenario.project
        costed = res.cost is not None
        rows.append(
            [
                pid,
                iso(res.percentile_date(50)),
                iso(res.percentile_date(80)),
                "-" if p.deadline is None else p.deadline.isoformat(),
                "-" if p.deadline is None else pct(res.probability_by(None)),
                rag_mark(r.rag(pid)),
                money(float(res.cost_percentile(80)) if costed else None),
                money(p.budget),
                "-"
                if p.budget is None or not costed
                else pct(res.probability_within_budget(p.budget)),
            ]
        )
    out = [
        f"{pf.name}: {len(r.projects)} projects, {r.iterations:,} iterations "
        f"(seed {r.seed}, {r.sampling}{', mitigated' if r.mitigated else ''})",
        "",
        table(
            [
                "project",
                "P50 finish",
                "P80 finish",
                "deadline",
                "P(deadline)",
                "RAG",
                f"P80 cost{f' ({cur})' if cur else ''}",
                "budget",
                "P(budget)",
            ],
            rows,
            right={4, 6, 7, 8},
        ),
        f"RAG: G at P(deadline) >= {pct(pf.green)}, A at >= {pct(pf.amber)}, R below.",
        "",
        "Programme finish (the last project's): "
        + ", ".join(f"P{q} {iso(r.percentile_date(q))}" for q in REPORTED_PERCENTILES),
    ]
    if pf.deadline is not None:
        out.append(f"  P(every project complete by {pf.deadline}): {pct(r.probability_by())}")
    if r.probability_all_deadlines is not None:
        out.append(
            f"  P(every project meets its own deadline): {pct(r.probability_all_deadlines)}; "
            f"expected projects missing theirs: {r.expected_misses:.2f}"
        )
    out.append(
        f"Total cost{f' ({cur})' if cur else ''}: "
        + ", ".join(f"P{q} {money(r.cost_percentile(q))}" for q in REPORTED_PERCENTILES)
    )
    if pf.budget is not None:
        out.append(
            f"  P(within the budget {money(pf.budget)}): {pct(r.probability_within_budget())}"
        )
    if r.jcl() is not None:
        out.append(f"  Joint confidence (deadline and budget): {pct(r.jcl())}")
    total, joint = r.portfolio_effect(80)
    gap = total - joint
    why = (
        f"{money(gap)} less: the P80 of a sum is not the sum of P80s"
        if abs(gap) >= 0.5
        else "the same: the projects' costs do not vary, or vary together"
    )
    out.append(
        f"Portfolio effect: the projects' P80 costs add up to {money(total)}; the "
        f"portfolio's P80 cost is {money(joint)} ({why})"
    )
    if pf.risks:
        out += ["", "Systemic risks (one draw per iteration for every project they hit):"]
        for risk in pf.risks:
            p = risk.state(r.mitigated).probability
            out.append(f"  {risk.id} {risk.name}: p {pct(p)}, hits {', '.join(pf.hit_by(risk.id))}")
    if r.ranking is not None:
        out += ["", ranking_report(r, by="cost", limit=RANKED)]
    if pf.links:
        out += ["", "Links between projects (how often each drives its successor's project):"]
        for link in pf.links:
            share = r.link_criticality.get(str(link), 0.0)
            out.append(f"  {link}: critical in {pct(share)} of iterations")
    return "\n".join(out)


def ranking_report(r: Any, *, by: str = "cost", limit: int | None = RANKED) -> str:
    """Every systemic and project risk by what it adds to the portfolio's P80 cost
    (``by="cost"``) or to the most delayed project's P80 finish (``by="finish"``), with
    what it adds to each project's P80 finish."""
    rk = r.ranking
    ids = list(r.projects)
    if by == "finish":
        delay = np.max(np.vstack([rk.p80_finish_contribution[pid] for pid in ids]), axis=0)
        order = sorted(range(len(rk.risk_ids)), key=lambda k: (-delay[k], k))
        what = "the most they add to any project's P80 finish"
    else:
        order = rk.order()
        what = "what they add to the portfolio's P80 cost"
    shown = order if limit is None else order[:limit]
    rows = [
        [rk.risk_ids[k], "yes" if rk.systemic[k] else ""]
        + [money(rk.p80_cost_contribution[k])]
        + [days(rk.p80_finish_contribution[pid][k]) for pid in ids]
        for k in shown
    ]
    more = (
        "" if len(shown) == len(order) else f"; {len(order) - len(shown)} more with pmo-sim risks"
    )
    return "\n".join(
        [
            f"Risks by {what} ({rk.iterations:,} iterations each, on the "
            "same random numbers; finish columns: working days added to each project's "
            f"P80 finish{more}):",
            table(
                ["risk", "systemic", "P80 cost"] + [f"{pid} P80" for pid in ids],
                rows,
                right=set(range(2, 3 + len(ids))),
            ),
        ]
    )


def mitigation_report(pre: Any, post: Any) -> str:
    """Each project's and the portfolio's P50/P80 finish and P80 cost before and after
    mitigation."""
    rows = []
    for pid in pre.projects:
        a, b = pre.projects[pid], post.projects[pid]
        rows.append(
            [
                pid,
                iso(a.percentile_date(80)),
                iso(b.percentile_date(80)),
                "-" if a.scenario.project.deadline is None else pct(a.probability_by(None)),
                "-" if b.scenario.project.deadline is None else pct(b.probability_by(None)),
                money(None if a.cost is None else float(a.cost_percentile(80))),
                money(None if b.cost is None else float(b.cost_percentile(80))),
            ]
        )
    rows.append(
        [
            "portfolio",
            iso(pre.percentile_date(80)),
            iso(post.percentile_date(80)),
            pct(pre.probability_all_deadlines),
            pct(post.probability_all_deadlines),
            money(pre.cost_percentile(80)),
            money(post.cost_percentile(80)),
        ]
    )
    cur = pre.portfolio.currency
    return "\n".join(
        [
            f"{pre.portfolio.name}: before and after mitigation, {pre.iterations:,} "
            f"iterations (seed {pre.seed}), same random numbers",
            "",
            table(
                [
                    "project",
                    "P80 finish before",
                    "after",
                    "P(deadline) before",
                    "after",
                    f"P80 cost before{f' ({cur})' if cur else ''}",
                    "after",
                ],
                rows,
                right={3, 4, 5, 6},
            ),
            "The portfolio row: the programme finish, P(every project meets its deadline) "
            "and the total cost (response costs included after mitigation).",
        ]
    )
