"""The self-contained HTML report of a portfolio (``pmo-sim report PORTFOLIO``).

It leads with the table a PMO manager reads in ten seconds (each project's P50/P80
finish against its deadline, the probability of meeting it with its red/amber/green
mark, its P80 cost against its budget), then each project's finish distribution against
its deadline on one chart, the portfolio's S-curves, the systemic-risk tornado, the
programme-wide risk ranking and the links between projects. Charts are inline SVG (no
server, network or JavaScript); all user text is escaped. Summary cells carry their
JSON key and exact value in ``data-key``/``data-value`` (``pmo-sim run --json``).
"""

from __future__ import annotations

import base64
import html
from typing import Any

import numpy as np

from ..model.calendar import iso
from ..results.simulation import REPORTED_PERCENTILES
from .html import CSS
from .plots import (
    BAR,
    CURVE,
    OPPORTUNITY,
    PLAN,
    TARGET,
    THREAT,
    house_style,
    new_figure,
    set_margins,
    suptitle,
    to_bytes,
)

RAG_COLOURS = {"green": "#2e8b57", "amber": "#d68910", "red": "#c0392b"}


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _money(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _svg(fig: Any, name: str, alt: str, caption: str) -> str:
    data = base64.b64encode(to_bytes(fig, "svg")).decode("ascii")
    return (
        f'<figure id="chart-{name}"><img src="data:image/svg+xml;base64,{data}" '
        f'alt="{_e(alt)}"><figcaption>{_e(caption)}</figcaption></figure>'
    )


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class=num>{c}</td>" if i in right else f"<td>{c}</td>" for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(key: str, value: Any, text: str) -> str:
    """A summary figure with its JSON key and exact value (a date: its text)."""
    value = text if value == "" else value
    return f'<span data-key="{_e(key)}" data-value="{_e(value)}">{_e(text)}</span>'


def _summary(r: Any, doc: dict[str, Any]) -> str:
    rows = []
    for pid, res in r.projects.items():
        p = res.scenario.project
        d = doc["projects"][pid]
        rag = r.rag(pid)
        mark = (
            f'<b style="color:{RAG_COLOURS[rag]}">{_e(rag.upper())}</b>' if rag is not None else "-"
        )
        cost80 = d.get("cost", {}).get("percentiles", {}).get("80", {}).get("value")
        rows.append(
            [
                _e(pid),
                _e(p.name),
                _cell(
                    f"projects.{pid}.finish.percentiles.50.date", "", iso(res.percentile_date(50))
                ),
                _cell(
                    f"projects.{pid}.finish.percentiles.80.date", "", iso(res.percentile_date(80))
                ),
                _e("-" if p.deadline is None else p.deadline.isoformat()),
                _cell(
                    f"projects.{pid}.finish.p_deadline",
                    d["finish"]["p_deadline"],
                    _pct(d["finish"]["p_deadline"]),
                ),
                mark,
                _cell(f"projects.{pid}.cost.percentiles.80.value", cost80, _money(cost80)),
                _e(_money(p.budget)),
            ]
        )
    pf = r.portfolio
    section = doc["portfolio"]
    facts = [
        (
            "Programme finish P80",
            _cell("portfolio.finish.percentiles.80.date", "", iso(r.percentile_date(80))),
        ),
        (
            "P(every project meets its deadline)",
            _cell(
                "portfolio.p_all_deadlines",
                section["p_all_deadlines"],
                _pct(section["p_all_deadlines"]),
            ),
        ),
        (
            "Expected projects missing their deadline",
            _cell(
                "portfolio.expected_missed_deadlines",
                section["expected_missed_deadlines"],
                "-"
                if section["expected_missed_deadlines"] is None
                else f"{section['expected_missed_deadlines']:.2f}",
            ),
        ),
        (
            f"Total cost P80{f' ({pf.currency})' if pf.currency else ''}",
            _cell(
                "portfolio.cost.percentiles.80.value",
                section["cost"]["percentiles"]["80"]["value"],
                _money(section["cost"]["percentiles"]["80"]["value"]),
            ),
        ),
    ]
    if pf.deadline is not None:
        facts.append(
            (
                f"P(programme complete by {pf.deadline})",
                _cell(
                    "portfolio.finish.p_deadline",
                    section["finish"]["p_deadline"],
                    _pct(section["finish"]["p_deadline"]),
                ),
            )
        )
    if pf.budget is not None:
        facts.append(
            (
                f"P(within the budget {_money(pf.budget)})",
                _cell(
                    "portfolio.cost.p_budget",
                    section["cost"]["p_budget"],
                    _pct(section["cost"]["p_budget"]),
                ),
            )
        )
    if section["jcl"] is not None:
        jcl = section["jcl"]["probability"]
        facts.append(("Portfolio JCL", _cell("portfolio.jcl.probability", jcl, _pct(jcl))))
    effect = section["portfolio_effect"]
    facts.append(
        (
            "Portfolio effect (sum of project P80 costs - portfolio P80 cost)",
            _cell(
                "portfolio_effect.difference", effect["difference"], _money(effect["difference"])
            ),
        )
    )
    facts_html = "".join(f"<tr><th>{_e(k)}</th><td class=num>{v}</td></tr>" for k, v in facts)
    return (
        "<section id=summary><h2>Summary</h2>"
        + _table(
            [
                "project",
                "name",
                "P50 finish",
                "P80 finish",
                "deadline",
                "P(deadline)",
                "RAG",
                "P80 cost",
                "budget",
            ],
            rows,
            right={5, 7, 8},
        )
        + f"<p class=muted>RAG: green at P(deadline) of {_pct(pf.green)} or more, amber at "
        f"{_pct(pf.amber)} or more, red below (set green and amber in [portfolio]).</p>"
        + f"<table>{facts_html}</table></section>"
    )


def _finish_chart(r: Any) -> Any:
    """Each project's P10-P90 finish (bar), P50 and P80 (ticks) against its deadline."""
    ids = list(r.projects)
    fig = new_figure(0.9 + 0.45 * len(ids))
    set_margins(fig, 1.6, 0.5, 0.6, 0.45)
    ax = fig.add_subplot(1, 1, 1)
    base = np.datetime64(r.start, "D")
    for y, pid in enumerate(reversed(ids)):
        days = (r.projects[pid].finish_dates - base).astype(np.int64)
        p10, p50, p80, p90 = np.percentile(days, [10, 50, 80, 90])
        ax.barh(y, p90 - p10, left=p10, height=0.5, color=BAR)
        ax.plot([p50, p50], [y - 0.25, y + 0.25], color=CURVE, lw=2)
        ax.plot([p80, p80], [y - 0.25, y + 0.25], color=CURVE, lw=2, ls=":")
        dl = r.projects[pid].scenario.project.deadline
        if dl is not None:
            x = (np.datetime64(dl, "D") - base).astype(np.int64)
            ax.plot([x], [y], marker="D", color=TARGET, ms=7)
    ax.set_yticks(range(len(ids)), list(reversed(ids)))
    _date_ticks(ax, base, 5)
    suptitle(
        fig, "Finish of each project: P10-P90 (bar), P50 (line), P80 (dotted), deadline (diamond)"
    )
    return fig


def _locator(n: int) -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(n)


def _date_ticks(ax: Any, base: np.datetime64, n: int) -> None:
    """About ``n`` date ticks inside the axis (days counted from ``base``)."""
    lo, hi = ax.get_xlim()
    pad = (hi - lo) * 0.08
    ticks = np.linspace(lo + pad, hi - pad, n)
    ax.set_xticks(ticks, [iso(base + np.timedelta64(round(t), "D")) for t in ticks])


def _s_curves(r: Any) -> Any:
    pf = r.portfolio
    fig = new_figure(3.6)
    set_margins(fig, 0.8, 0.5, 0.7, 0.75, wspace=0.3)
    base = np.datetime64(r.start, "D")
    days = np.sort((r.finish - base).astype(np.int64))
    share = np.arange(1, days.size + 1) / days.size
    ax = fig.add_subplot(1, 2, 1)
    ax.plot(days, share, color=CURVE)
    if pf.deadline is not None:
        ax.axvline((np.datetime64(pf.deadline, "D") - base).astype(np.int64), color=TARGET, ls="--")
    _date_ticks(ax, base, 3)
    ax.set_ylabel("probability")
    ax.set_title("Programme finish (the last project's)", loc="left", fontsize=10)
    ax = fig.add_subplot(1, 2, 2)
    ax.plot(np.sort(r.cost), share, color=CURVE)
    if pf.budget is not None:
        ax.axvline(pf.budget, color=TARGET, ls="--")
    ax.set_title(f"Total cost{f' ({pf.currency})' if pf.currency else ''}", loc="left", fontsize=10)
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.xaxis.set_major_locator(_locator(4))
    suptitle(
        fig, "Portfolio S-curves: the chance of finishing by a date, of costing at most an amount"
    )
    return fig


def _tornado(r: Any) -> Any | None:
    rk = r.ranking
    if rk is None:
        return None
    ks = [k for k in rk.order() if rk.systemic[k]]
    if not ks:
        return None
    fig = new_figure(0.9 + 0.4 * len(ks))
    set_margins(fig, 1.0, 0.3, 0.6, 0.45)
    ax = fig.add_subplot(1, 1, 1)
    values = [rk.p80_cost_contribution[k] for k in ks]
    colours = [THREAT if v >= 0 else OPPORTUNITY for v in values]
    ax.barh(range(len(ks))[::-1], values, color=colours)
    ax.set_yticks(range(len(ks))[::-1], [rk.risk_ids[k] for k in ks])
    ax.axvline(0, color=PLAN, lw=0.8)
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    suptitle(fig, "Systemic risks: what each adds to the portfolio's P80 cost")
    return fig


#: The charts of ``pmo-sim plot PORTFOLIO``, by file name.
CHARTS = ("finish", "s-curves", "systemic")


def portfolio_figures(r: Any) -> dict[str, Any]:
    """The portfolio's charts by name (``CHARTS``); None for the systemic tornado when
    there is no ranking or no systemic risk. Draw inside ``plots.house_style()``."""
    return {"finish": _finish_chart(r), "s-curves": _s_curves(r), "systemic": _tornado(r)}


def render_portfolio_report(r: Any) -> str:
    """The HTML report of a portfolio run (``PortfolioResults``), as one string."""
    pf = r.portfolio
    doc = r.to_dict()
    with house_style():
        charts = [
            _svg(
                _finish_chart(r),
                "finish",
                "Each project's finish range against its deadline",
                "A bar spans the P10 to P90 finish of a project; its P50 and P80 are the solid "
                "and dotted lines, its deadline the diamond. A diamond left of the dotted line "
                "is a deadline met in fewer than 80% of the simulated futures.",
            ),
            _svg(
                _s_curves(r),
                "s-curves",
                "Portfolio S-curves of the programme finish and the total cost",
                "The share of simulated futures in which every project is complete by a date "
                "(left) and the total cost is at most an amount (right); dashed: the "
                "portfolio's deadline and budget.",
            ),
        ]
        tornado = _tornado(r)
        if tornado is not None:
            charts.append(
                _svg(
                    tornado,
                    "systemic",
                    "What each systemic risk adds to the portfolio's P80 cost",
                    "Each systemic risk switched off in turn on the same random numbers: a bar is "
                    "how much dearer the portfolio's P80 cost is with it than without it.",
                )
            )
    parts = [
        _summary(r, doc),
        "<section id=charts><h2>Charts</h2>" + "".join(charts) + "</section>",
    ]
    if r.ranking is not None:
        rk = r.ranking
        ids = list(r.projects)
        rows = [
            [
                _e(rk.risk_ids[k]),
                "yes" if rk.systemic[k] else "",
                _money(rk.p80_cost_contribution[k]),
            ]
            + [f"{rk.p80_finish_contribution[pid][k]:.2f}" for pid in ids]
            for k in rk.order()
        ]
        parts.append(
            "<section id=risks><h2>Risks across the programme</h2>"
            f"<p class=muted>Every systemic and project risk by what it adds to the portfolio's "
            f"P80 cost, and the working days it adds to each project's P80 finish "
            f"({rk.iterations:,} iterations per exclusion run).</p>"
            + _table(
                ["risk", "systemic", "P80 cost"] + [f"{_e(pid)} P80 days" for pid in ids],
                rows,
                set(range(2, 3 + len(ids))),
            )
            + "</section>"
        )
    if pf.links:
        rows = [[_e(str(k)), _pct(r.link_criticality.get(str(k), 0.0))] for k in pf.links]
        parts.append(
            "<section id=links><h2>Links between projects</h2><p class=muted>How often each "
            "link drives its successor's project (the share of iterations in which it is on "
            "that project's critical path).</p>"
            + _table(["link", "drives the successor"], rows, {1})
            + "</section>"
        )
    percentiles = ", ".join(f"P{q} {iso(r.percentile_date(q))}" for q in REPORTED_PERCENTILES)
    parts.append(
        "<section id=provenance><h2>How this was produced</h2>"
        f"<p>pmo-sim {_e(doc['pmo_sim_version'])}; {r.iterations:,} iterations, seed {r.seed}, "
        f"{_e(r.sampling)} sampling{', mitigated' if r.mitigated else ''}; programme finish "
        f"{_e(percentiles)}; portfolio file {_e(pf.source or '-')}.</p></section>"
    )
    title = f"{pf.name}: portfolio risk report"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head>\n<body><main>"
        f"<header><h1>{_e(pf.name)}</h1><div class=muted>{_e(len(r.projects))} projects, "
        f"{r.iterations:,} iterations</div></header>{''.join(parts)}"
        "<footer>Made with pmo-sim. The summary figures match "
        "<code>pmo-sim run PORTFOLIO --json</code>.</footer></main></body></html>\n"
    )
