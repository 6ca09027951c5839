"""The PMO dashboard: one self-contained HTML page over a history of recorded runs.

One row per project: its latest P80 finish against its deadline, the probability of
meeting the deadline with a red/amber/green mark (the number is shown too, so colour is
never the only signal), the change since the previous update (with an arrow), and a
small trend line of the P80 finish; each project then has a section of its own with
every update. Lines are inline SVG, drawn from the stored result documents (nothing is
re-simulated), so a page over 50 projects of 24 updates each renders in well under a
second.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from ..history.store import History
from ..history.trend import Update, trend
from .html import CSS

#: Probability of meeting the deadline at or above which a project is green, amber.
GREEN, AMBER = 0.8, 0.5

_EXTRA_CSS = """
.rag{display:inline-block;width:.8em;height:.8em;border-radius:50%;margin-right:6px;
vertical-align:-.05em}
.rag.good{background:var(--good)}.rag.fair{background:var(--fair)}.rag.poor{background:var(--poor)}
.rag.neutral{background:#9aa5b1}
.worse{color:var(--poor)}.better{color:var(--good)}
svg.spark{vertical-align:middle}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def rag(p: float | None) -> tuple[str, str]:
    """The mark's class and its word for a probability of meeting the deadline."""
    if p is None:
        return "neutral", "no deadline"
    if p >= GREEN:
        return "good", "green"
    if p >= AMBER:
        return "fair", "amber"
    return "poor", "red"


def _pct(p: float | None) -> str:
    return "–" if p is None else f"{100 * p:.1f}%"


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def sparkline(values: list[float], width: int = 120, height: int = 28, label: str = "") -> str:
    """An inline SVG line of ``values`` (later is up: a slipping finish climbs)."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    span = hi - lo or 1.0
    step = (width - 6) / max(len(values) - 1, 1)
    points = [
        (3 + k * step, height - 3 - (v - lo) / span * (height - 6)) for k, v in enumerate(values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    x, y = points[-1]
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_e(label)}"><polyline fill="none" stroke="#1f4e8c" '
        f'stroke-width="1.6" points="{path}"/><circle cx="{x:.1f}" cy="{y:.1f}" r="2.4" '
        'fill="#d9822b"/></svg>'
    )


def _change(updates: list[Update]) -> tuple[str, str]:
    """The P80 finish's change since the previous update, in working days (as the
    trend and the waterfall count it): text and class."""
    if len(updates) < 2:
        return "first update", ""
    days = round(updates[-1].finish_days("80") - updates[-2].finish_days("80"), 1)
    if days == 0:
        return "&#9654; no change", ""
    arrow, cls = ("&#9650;", "worse") if days > 0 else ("&#9660;", "better")
    return f"{arrow} {abs(days):.1f} working days {'later' if days > 0 else 'earlier'}", cls


def _project_row(pid: str, updates: list[Update]) -> str:
    last = updates[-1]
    deadline = last.doc["finish"].get("deadline")
    cls, word = rag(last.p_deadline)
    change, change_cls = _change(updates)
    spark = sparkline(
        [float(_day(u.finish_date("80")).toordinal()) for u in updates],
        label=f"P80 finish over {len(updates)} updates",
    )
    return (
        f'<tr data-project="{_e(pid)}"><td><a href="#trend-{_e(pid)}">'
        f"{_e(last.run.project_name)}</a><div class=muted>{_e(pid)}</div></td>"
        f"<td>{_e(last.run.data_date.isoformat())}</td>"
        f'<td class=n data-key="p80">{_e(last.finish_date("80"))}</td>'
        f"<td class=n>{_e(deadline or '–')}</td>"
        f'<td class=n data-key="p_deadline" data-rag="{word}"><span class="rag {cls}" '
        f'title="{word}"></span>{_pct(last.p_deadline)} <span class=sr>{word}</span></td>'
        f'<td class="n {change_cls}">{change}</td><td>{spark}</td></tr>'
    )


def _project_section(pid: str, updates: list[Update]) -> str:
    last = updates[-1]
    rows = []
    for u in updates:
        pct = u.doc["finish"]["percentiles"]
        cost = u.doc.get("cost", {}).get("percentiles", {}).get("80", {}).get("value")
        p_budget = u.doc.get("cost", {}).get("p_budget")
        jcl = u.doc.get("jcl", {}).get("probability")
        rows.append(
            f"<tr><td>{_e(u.run.data_date.isoformat())}</td>"
            + "".join(f"<td class=n>{_e(pct[q]['date'])}</td>" for q in ("10", "50", "80", "90"))
            + f"<td class=n>{_pct(u.p_deadline)}</td>"
            f"<td class=n>{u.contingency_days:.1f}</td>"
            f"<td class=n>{'–' if cost is None else f'{cost:,.0f}'}</td>"
            f"<td class=n>{_pct(p_budget)}</td><td class=n>{_pct(jcl)}</td></tr>"
        )
    spark = sparkline(
        [float(_day(u.finish_date("80")).toordinal()) for u in updates],
        width=480,
        height=90,
        label=f"P80 finish of {last.run.project_name} by data date",
    )
    return (
        f'<section id="trend-{_e(pid)}"><h2>{_e(last.run.project_name)}</h2>'
        f"<p class=muted>{len(updates)} updates; P80 finish by data date:</p>{spark}"
        "<div class=scroll><table><thead><tr><th>data date</th><th class=n>P10</th>"
        "<th class=n>P50</th><th class=n>P80</th><th class=n>P90</th>"
        "<th class=n>P(deadline)</th><th class=n>contingency (working days)</th>"
        "<th class=n>P80 cost</th><th class=n>P(budget)</th><th class=n>JCL</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div></section>"
    )


def _count(n: int) -> str:
    return f"{n} project" if n == 1 else f"{n} projects"


def render_dashboard(history: History, title: str = "PMO dashboard") -> str:
    """The dashboard of every project in ``history``, as one self-contained page."""
    projects = {pid: trend(history, pid) for pid in history.projects()}
    projects = {pid: ups for pid, ups in projects.items() if ups}
    order = sorted(projects, key=lambda pid: (projects[pid][-1].p_deadline or 2.0, pid))
    rows = "".join(_project_row(pid, projects[pid]) for pid in order)
    sections = "".join(_project_section(pid, projects[pid]) for pid in order)
    counts = [rag(projects[pid][-1].p_deadline)[1] for pid in order]
    summary = ", ".join(f"{counts.count(w)} {w}" for w in ("red", "amber", "green") if w in counts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}{_EXTRA_CSS}</style></head>\n<body><main>"
        f"<header><h1>{_e(title)}</h1><div class=muted>{_count(len(order))} from "
        f"{_e(history.label)}; {summary or 'no projects recorded yet'}. Red: under "
        f"{100 * AMBER:.0f}% likely to meet the deadline, amber: under {100 * GREEN:.0f}%."
        "</div></header>"
        '<section id="projects"><div class=scroll><table><thead><tr><th>project</th>'
        "<th>data date</th><th class=n>P80 finish</th><th class=n>deadline</th>"
        "<th class=n>P(deadline)</th><th class=n>since the last update</th>"
        "<th>P80 trend</th></tr></thead><tbody>"
        f"{rows}</tbody></table></div></section>{sections}"
        "<footer>Made with pmo-sim from recorded runs (<code>pmo-sim record</code>, "
        "<code>--record</code>); the figures are those of <code>pmo-sim trend --json</code>."
        "</footer></main></body></html>\n"
    )
