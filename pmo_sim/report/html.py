"""The self-contained HTML report of ``pmo-sim report``.

One file that opens in any browser with no server, no network and no JavaScript: the
CSS is inline and the charts are inlined as base64 SVG images (the JCL scatter's dots
are a bitmap inside its SVG). It reads top-down as a manager would: a summary that
answers "when, how much, how sure" in ten seconds, then the charts that show why, then
the tables, the inputs and how the numbers were produced.

Every number comes from the ``Results`` objects; the summary's come from
``Results.to_dict()`` and carry their key and exact value in ``data-key`` and
``data-value`` attributes, so a reader (or a test) can check them against
``pmo-sim run --json``. All user text is escaped.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import os
import platform
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..results.simulation import Results

#: Rows above which an input table starts folded (a click on its title opens it).
FOLD_ROWS = 40
#: Rows of the top-task table.
TOP_TASK_ROWS = 20
#: Rows of the table of tasks most often waiting for a resource.
WAITING_TASK_ROWS = 10


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


# Formats: one per kind of number, used everywhere in the report ------------------------
def format_date(value: Any) -> str:
    """``2027-09-03`` (or a date) as ``3 Sep 2027``."""
    d = dt.date.fromisoformat(value) if isinstance(value, str) else value
    if isinstance(d, np.datetime64):
        d = d.astype("datetime64[D]").astype(object)
    return f"{d.day} {d:%b %Y}"


def format_pct(x: float | None) -> str:
    """A probability (0-1) as a percentage with one decimal: ``70.6%``."""
    return "–" if x is None else f"{100 * x:.1f}%"


def format_money(x: float | None, currency: str = "") -> str:
    """Money to the unit with thousands separators: ``1,299,937 GBP``."""
    return "–" if x is None else f"{x:,.0f} {currency}".strip()


def format_signed_money(x: float, currency: str = "") -> str:
    """A change of money with its sign: ``+12,500 GBP``."""
    return f"{x:+,.0f} {currency}".strip()


def format_days(x: float | None) -> str:
    """Working days with one decimal."""
    return "–" if x is None else f"{x:.1f}"


def _num(x: float | None, digits: int = 2) -> str:
    if x is None or np.isnan(x):
        return "–"
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.00"


def _raw(value: Any) -> str:
    """The exact value for ``data-value``: ``repr`` of a float round-trips."""
    return repr(float(value)) if isinstance(value, float | int) else str(value)


def _key(doc: dict[str, Any], key: str) -> Any:
    value: Any = doc
    for part in key.split("."):
        value = value[part]
    return value


class _Summary:
    """Summary figures, each tied to its ``to_dict()`` key."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def value(self, key: str) -> Any:
        return _key(self.doc, key)

    def span(self, key: str, text: str, cls: str = "num") -> str:
        return (
            f'<span class="{cls}" data-key="{_e(key)}" '
            f'data-value="{_e(_raw(self.value(key)))}">{_e(text)}</span>'
        )


def _level(p: float | None) -> str:
    """A traffic-light class for a probability of meeting a target (the number is shown
    too, so colour is never the only signal)."""
    if p is None:
        return "neutral"
    return "good" if p >= 0.8 else "fair" if p >= 0.5 else "poor"


# Tables ---------------------------------------------------------------------------------
def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    numeric: set[int] = frozenset(),
    cls: str = "",
) -> str:
    """An HTML table; cells are escaped here, columns in ``numeric`` align right."""
    head = "".join(
        f'<th{" class=n" if i in numeric else ""} scope="col">{_e(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if i in numeric else ''}>{_e(c)}</td>" for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="scroll"><table class="{cls}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _fold(title: str, count: int, content: str) -> str:
    """Inputs in a ``<details>`` block, open when short (no JavaScript needed)."""
    state = " open" if count <= FOLD_ROWS else ""
    return (
        f"<details{state}><summary>{_e(title)} <span class=muted>({count:,})</span></summary>"
        f"{content}</details>"
    )


# Charts ---------------------------------------------------------------------------------
_SVG_SIZE = re.compile(rb'<svg[^>]*?width="([\d.]+)pt"[^>]*?height="([\d.]+)pt"')

CAPTIONS = {
    "trend": "The finish forecast at each recorded status update: the band spans P10 to "
    "P90, the lines are P50 and P80; the dashed line is the deadline.",
    "finish": "Bars: how often the simulated project finishes in each period. Line: the "
    "chance of finishing by a date (right axis). The P80 date is met in 80% of the "
    "simulated futures; the deterministic plan assumes every task takes its most "
    "likely duration.",
    "cost": "Bars: how often the total cost falls in each band. Line: the chance that "
    "the project costs at most that amount (right axis).",
    "jcl": "Each dot is one simulated future. Dots in the lower-left box meet both the "
    "deadline and the budget: their share is the joint confidence level (JCL). Any "
    "deadline and budget on or above-right of the green line are met together in 70% "
    "of iterations.",
    "risks": "Each risk is switched off in turn and the project re-simulated on the same "
    "random numbers: a bar is how much later (or dearer) the P80 is with the risk than "
    "without it. Green bars are risks that help (opportunities).",
    "tasks": "Criticality: how often the task is on the critical path. Sensitivity: how "
    "closely its duration moves with the finish date (rank correlation). The tasks "
    "where both are high drive the finish; shortening or de-risking them moves it.",
    "mitigation": "The same random numbers with the risk register before and after the "
    "planned responses (response costs included): the gap between the curves is what "
    "the responses buy.",
    "resources": "Units of each resource in use per period: the solid line is the P80 "
    "over the simulated futures, the dashed line the P50; the dash-dot line is the "
    "capacity. In a run that is not levelled, demand above the capacity shows where the "
    "plan needs more than there is.",
}


def _chart(fig: Any, name: str, alt: str) -> str:
    from .plots import to_bytes

    svg = to_bytes(fig, "svg")
    size = _SVG_SIZE.search(svg[:2000])
    dims = ""
    if size:  # CSS pixels: 96 per inch, 72 points per inch
        w, h = (round(float(v) * 4 / 3) for v in size.groups())
        dims = f' width="{w}" height="{h}"'
    data = base64.b64encode(svg).decode("ascii")
    return (
        f'<figure id="chart-{name}"><img src="data:image/svg+xml;base64,{data}"{dims} '
        f'alt="{_e(alt)}"><figcaption>{_e(CAPTIONS[name])}</figcaption></figure>'
    )


# Sections -------------------------------------------------------------------------------
def _trend_section(updates: Sequence[Any] | None) -> str:
    """The project's recorded updates (``history.trend.Update``), when there are at
    least two: a table and the fan chart of the finish."""
    if not updates or len(updates) < 2:
        return ""
    from .trend_charts import finish_fan

    rows = []
    for u in updates:
        pct = u.doc["finish"]["percentiles"]
        cost = u.doc.get("cost", {}).get("percentiles", {}).get("80", {}).get("value")
        jcl = u.doc.get("jcl", {}).get("probability")
        rows.append(
            [
                u.run.data_date.isoformat(),
                *(pct[q]["date"] for q in ("10", "50", "80", "90")),
                format_pct(u.p_deadline),
                format_days(u.contingency_days),
                "–" if cost is None else f"{cost:,.0f}",
                format_pct(jcl),
            ]
        )
    deadline = updates[-1].doc["finish"].get("deadline")
    chart = _chart(finish_fan(list(updates), deadline), "trend", "Finish forecast by update")
    table = _table(
        [
            "data date",
            "P10",
            "P50",
            "P80",
            "P90",
            "P(deadline)",
            "contingency (days)",
            "P80 cost",
            "JCL",
        ],
        rows,
        numeric=set(range(1, 9)),
    )
    return (
        '<section id="trend"><h2>Trend</h2><p>The recorded status updates of this project '
        "(<code>pmo-sim trend</code>), oldest first.</p>" + chart + table + "</section>"
    )


def _summary(r: Results, doc: dict[str, Any], post: Results | None) -> str:
    s = _Summary(doc)
    p = r.scenario.project
    cur = p.currency
    has_cost = "cost" in doc
    finish = doc["finish"]
    p80_date = finish["percentiles"]["80"]["date"]
    lines = []
    lead = f"Plan on {s.span('finish.percentiles.80.date', format_date(p80_date))}"
    if has_cost:
        lead += " and " + s.span(
            "cost.percentiles.80.value",
            format_money(doc["cost"]["percentiles"]["80"]["value"], cur),
        )
    lead += " to be 80% sure."
    lines.append(lead)
    targets = []
    if finish["p_deadline"] is not None:
        targets.append(
            f"the deadline of {_e(format_date(finish['deadline']))} is met in "
            f"{s.span('finish.p_deadline', format_pct(finish['p_deadline']))} of simulated futures"
        )
    if has_cost and doc["cost"]["p_budget"] is not None:
        targets.append(
            f"the budget of {_e(format_money(doc['cost']['budget'], cur))} in "
            f"{s.span('cost.p_budget', format_pct(doc['cost']['p_budget']))}"
        )
    if "jcl" in doc:
        targets.append(
            "both together (JCL) in "
            + s.span("jcl.probability", format_pct(doc["jcl"]["probability"]))
        )
    if targets:
        text = ", ".join(targets[:-1]) + (" and " if len(targets) > 1 else "") + targets[-1]
        lines.append(text[0].upper() + text[1:] + ".")
    det = finish["deterministic"]
    lines.append(
        f"The deterministic plan ({_e(format_date(det['date']))}) is met in only "
        f"{s.span('finish.deterministic.probability', format_pct(det['probability']))} "
        "of them."
        if det["probability"] < 0.5
        else f"The deterministic plan ({_e(format_date(det['date']))}) is met in "
        f"{s.span('finish.deterministic.probability', format_pct(det['probability']))} of them."
    )
    why = _drivers(r)
    if why:
        lines.append(why)

    def card(title: str, key: str, text: str, note: str, level: str = "neutral") -> str:
        return (
            f'<div class="card {level}"><div class="label">{_e(title)}</div>'
            f'<div class="big">{s.span(key, text)}</div><div class="note">{note}</div></div>'
        )

    pct50, pct80 = finish["percentiles"]["50"], finish["percentiles"]["80"]
    cards = [
        card(
            "P50 finish",
            "finish.percentiles.50.date",
            format_date(pct50["date"]),
            f"as likely as not · {_e(format_days(pct50['days']))} working days",
        ),
        card(
            "P80 finish",
            "finish.percentiles.80.date",
            format_date(pct80["date"]),
            f"80% sure · {_e(format_days(pct80['days']))} working days",
        ),
    ]
    if finish["p_deadline"] is not None:
        cards.append(
            card(
                "Chance of meeting the deadline",
                "finish.p_deadline",
                format_pct(finish["p_deadline"]),
                f"deadline {_e(format_date(finish['deadline']))}",
                _level(finish["p_deadline"]),
            )
        )
    else:
        cards.append(
            card(
                "Chance of meeting the plan date",
                "finish.deterministic.probability",
                format_pct(det["probability"]),
                f"deterministic finish {_e(format_date(det['date']))}; no deadline set",
                _level(det["probability"]),
            )
        )
    if "jcl" in doc:
        cards.append(
            card(
                "Chance of meeting both (JCL)",
                "jcl.probability",
                format_pct(doc["jcl"]["probability"]),
                "deadline and budget together",
                _level(doc["jcl"]["probability"]) + " tall",
            )
        )
    if has_cost:
        c = doc["cost"]
        cards += [
            card(
                "P50 cost",
                "cost.percentiles.50.value",
                format_money(c["percentiles"]["50"]["value"], cur),
                f"mean {_e(format_money(c['mean'], cur))}",
            ),
            card(
                "P80 cost",
                "cost.percentiles.80.value",
                format_money(c["percentiles"]["80"]["value"], cur),
                f"deterministic {_e(format_money(c['deterministic'], cur))}",
            ),
        ]
        if c["p_budget"] is not None:
            cards.append(
                card(
                    "Chance of staying within budget",
                    "cost.p_budget",
                    format_pct(c["p_budget"]),
                    f"budget {_e(format_money(c['budget'], cur))}",
                    _level(c["p_budget"]),
                )
            )
    state = "post-mitigation register" if r.mitigated else "risk register as it stands"
    extra = " A post-mitigation comparison follows the charts." if post is not None else ""
    return (
        '<section id="summary"><h2 class="sr">Summary</h2>'
        f'<p class="lead">{"<br>".join(lines)}</p>'
        f'<div class="cards">{"".join(cards)}</div>'
        f'<p class="muted small">{r.iterations:,} simulated futures of the {_e(state)}.'
        f"{_e(extra)}</p></section>"
    )


def _drivers(r: Results) -> str:
    """One sentence naming the biggest risk and the most crucial task."""
    from .plots import top_tasks

    parts = []
    ranking = r.risk_ranking
    if ranking is not None and ranking.risk_ids:
        k = ranking.order("finish")[0]
        v = float(ranking.p80_finish_contribution[k])
        if v > 0:
            rid = ranking.risk_ids[k]
            name = next(x.name for x in r.scenario.risks if x.id == rid)
            parts.append(
                f"the biggest risk is <b>{_e(name)}</b> (+{_e(format_days(v))} working days at P80)"
            )
    tasks = top_tasks(r, 1)
    if tasks:
        parts.append(
            f"the task driving the finish most is <b>{_e(r.scenario.tasks[tasks[0]].name)}</b>"
        )
    if not parts:
        return ""
    text = " and ".join(parts)
    return text[0].upper() + text[1:] + "."


def _charts(r: Results, post: Results | None) -> str:
    from .plots import figures

    alts = {
        "finish": "Histogram and S-curve of the finish date",
        "cost": "Histogram and S-curve of the total cost",
        "jcl": "Scatter of finish date against cost with deadline, budget and JCL frontier",
        "risks": "Tornado of each risk's contribution to the P80 finish and cost",
        "tasks": "Criticality and sensitivity of the tasks that drive the finish",
        "mitigation": "S-curves before and after the risk responses",
    }
    # The resource chart is drawn in the report's Resources section, beside its table.
    blocks = [
        _chart(fig, name, alts[name])
        for name, fig in figures(r, post).items()
        if fig is not None and name in alts
    ]
    return '<section id="charts"><h2>Charts</h2>' + "".join(blocks) + "</section>"


def _risk_section(r: Results, doc: dict[str, Any]) -> str:
    risks = doc["risks"]
    if not risks:
        return ""
    cur = r.scenario.project.currency
    ranking = r.risk_ranking
    order = (
        [ranking.risk_ids[k] for k in ranking.order("finish")]
        if ranking is not None
        else list(risks)
    )
    has_cost = r.cost is not None
    headers = ["#", "id", "risk", "type", "probability", "occurred"]
    numeric = {0, 4, 5}
    if ranking is not None:
        headers += ["P80 finish + (days)", "mean delay (days)"]
        numeric |= {6, 7}
        if has_cost:
            headers += [f"P80 cost + ({cur})" if cur else "P80 cost +", "mean cost"]
            numeric |= {8, 9}
    rows = []
    for n, rid in enumerate(order, 1):
        e = risks[rid]
        row = [
            str(n),
            rid,
            e["name"],
            e["type"],
            format_pct(e["probability"]),
            # A closed risk, or one in the schedule now (occurred), is not simulated.
            format_pct(e["observed_probability"])
            if e.get("status", "open") == "open"
            else e["status"],
        ]
        if ranking is not None:
            row += [
                f"{e['p80_finish_contribution_days']:+.1f}",
                format_days(e["mean_delay_days"]),
            ]
            if has_cost:
                row += [f"{e['p80_cost_contribution']:+,.0f}", format_money(e["mean_cost"])]
        rows.append(row)
    how = (
        f"Ranked by what each adds to the P80 finish (exclusion ranking, "
        f"{ranking.iterations:,} iterations per run)."
        if ranking is not None
        else "In register order (the run had no exclusion ranking)."
    )
    return (
        f'<section id="risks"><h2>Risks</h2><p class="muted">{_e(how)}</p>'
        f"{_table(headers, rows, numeric)}</section>"
    )


def _risk_model_section(r: Results, doc: dict[str, Any]) -> str:
    """Branch outcomes (how often each option was taken, and the finish given it) and
    the working days lost to weather."""
    parts = []
    for bid, b in doc.get("branches", {}).items():
        headers = ["option", "taken", "P50 finish", "P80 finish"]
        has_cost = any(o["cost"] for o in b["options"].values())
        if has_cost:
            headers.append("P80 cost")
        rows = []
        for name, o in b["options"].items():
            row = [
                name,
                format_pct(o["taken"]),
                *(
                    format_date(o["finish"][q]["date"]) if q in o["finish"] else "-"
                    for q in ("50", "80")
                ),
            ]
            if has_cost:
                row.append(format_money(o["cost"]["80"]) if o["cost"] else "-")
            rows.append(row)
        kind = "Conditional branch" if b["conditional"] else "Branch"
        parts.append(f"<h3>{_e(kind)} {_e(bid)}: {_e(b['name'])}</h3>" + _table(headers, rows, {1}))
    weather = doc.get("weather", {})
    if weather:
        rows = [
            [
                name,
                _num(w["mean_days_lost"], 1),
                *(_num(w["days_lost"][q], 0) for q in ("10", "50", "80", "90")),
            ]
            for name, w in weather.items()
        ]
        parts.append(
            '<h3>Weather</h3><p class="muted">Working days each weather calendar lost '
            "before the project finish, per iteration.</p>"
            + _table(["calendar", "mean", "P10", "P50", "P80", "P90"], rows, {1, 2, 3, 4, 5})
        )
    if not parts:
        return ""
    return (
        '<section id="risk-model"><h2>Branches and weather</h2><p class="muted">How often '
        "each option of a branch was taken, and the finish of the iterations that took it."
        "</p>" + "".join(parts) + "</section>"
    )


def _resource_section(r: Results, doc: dict[str, Any]) -> str:
    """Cost and load by resource; for a levelled run the delay due to resources and the
    tasks most often waiting for one; and demand over time against capacity."""
    res = r.resources
    if res is None:
        return ""
    from .plots import TOP_RESOURCES, assigned_resources, charted_resources, resource_demand

    entry = doc["resources"]
    cur = r.scenario.project.currency
    headers = ["id", "resource", "capacity", f"mean cost ({cur})" if cur else "mean cost"]
    headers += ["P80 cost", "utilisation", "peak P80 units"]
    rows = []
    for rid, e in entry["by_resource"].items():
        rows.append(
            [
                rid,
                e["name"],
                "unlimited" if e["capacity"] is None else f"{e['capacity']:g}",
                format_money(e["cost"]["mean"]),
                format_money(e["cost"]["80"]),
                format_pct(e.get("utilisation")),
                _num(e.get("peak_p80_units"), 1),
            ]
        )
    out = [
        '<section id="resources"><h2>Resources</h2><p class="muted">Cost of each resource '
        "(units × rate × working days, escalated). Utilisation: unit-days used over "
        "capacity × project duration. Peak P80 units: the most units in use in any period, "
        "at P80.</p>",
        _table(headers, rows, {2, 3, 4, 5, 6}),
    ]
    if res.levelled:
        plan = entry["plan_finish_days"]
        delay = entry["delay_days"]
        out.append(
            "<p>Levelled in every iteration: a task waits while a resource it needs is at "
            "capacity. The levelled plan (most likely durations) finishes on "
            f"{_e(format_date(r.date_of(plan)))} "
            f"({_e(format_days(plan))} working days). Resources delay the finish by "
            f"{_e(format_days(delay['mean']))} working days on average (P50 "
            f"{_e(format_days(delay['50']))}, P80 {_e(format_days(delay['80']))}).</p>"
        )
        names = {t.id: t.name for t in r.scenario.tasks}
        waited = sorted(entry["resource_driven"].items(), key=lambda kv: -kv[1])
        if waited:
            out.append(
                "<h3>Tasks most often waiting for a resource</h3>"
                '<p class="muted">Share of iterations in which the task waited for a '
                "resource.</p>"
                + _table(
                    ["id", "task", "waited"],
                    [
                        [tid, names[tid], format_pct(share)]
                        for tid, share in waited[:WAITING_TASK_ROWS]
                    ],
                    {2},
                )
            )
        else:
            out.append('<p class="muted">No task waited for a resource.</p>')
    else:
        out.append(
            '<p class="muted">Not levelled: tasks start when their logic allows, so demand '
            "may exceed capacity (<code>levelling = true</code> in <code>[simulation]</code> "
            "levels every iteration).</p>"
        )
    fig = resource_demand(r)
    if fig is not None:
        prof = res.profile
        period = float(prof.edges[1] - prof.edges[0])
        shown, assigned = len(charted_resources(r)), len(assigned_resources(r))
        more = (
            f" The chart shows the {shown} busiest of the {assigned} resources with "
            f"assignments (at most {TOP_RESOURCES}: highest peak P80 against capacity)."
            if shown < assigned
            else ""
        )
        out.append(
            "<h3>Demand over time</h3>"
            f'<p class="muted">Average units in use per period of {period:g} working '
            f"day{'s' if period != 1 else ''}, over the first {prof.iterations:,} "
            f"iterations.{_e(more)}</p>"
            + _chart(fig, "resources", "Units of each resource in use over time against capacity")
        )
    out.append("</section>")
    return "".join(out)


def _task_section(r: Results, doc: dict[str, Any]) -> str:
    from .plots import top_tasks

    tasks = doc["tasks"]
    names = {t.id: t.name for t in r.scenario.tasks}
    ids = r.scenario.task_ids
    chosen = [ids[i] for i in top_tasks(r, TOP_TASK_ROWS)]
    headers = [
        "id",
        "task",
        "criticality",
        "sensitivity",
        "cruciality",
        "SSI",
        "merge bias (days)",
        "mean duration (days)",
    ]
    rows = [
        [
            tid,
            names[tid],
            format_pct(tasks[tid]["criticality"]),
            _num(tasks[tid].get("sensitivity")),
            _num(tasks[tid].get("cruciality")),
            _num(tasks[tid].get("ssi")),
            _num(tasks[tid].get("merge_bias"), 1),
            _num(tasks[tid].get("mean_duration"), 1),
        ]
        for tid in chosen
    ]
    out = (
        '<section id="tasks"><h2>Tasks that drive the finish</h2>'
        f'<p class="muted">The top {len(rows)} of {len(ids):,} tasks by cruciality '
        "(criticality × sensitivity), milestones left out. SSI: schedule sensitivity "
        "index. Merge bias: how much later a task with several predecessors starts on "
        "average than a plan from mean durations says.</p>"
        f"{_table(headers, rows, {2, 3, 4, 5, 6, 7})}"
    )
    merges = [
        (tid, tasks[tid]["merge_bias"])
        for tid in ids
        if tasks[tid].get("merge_bias") is not None and tasks[tid]["merge_bias"] > 0.05
    ]
    merges = sorted(merges, key=lambda kv: -kv[1])[:5]
    if merges:
        out += (
            "<h3>Where parallel paths merge</h3>"
            '<p class="muted">Tasks whose mean simulated start lags furthest behind the start '
            "computed from mean durations: delay that a single-point plan cannot show.</p>"
            + _table(
                ["id", "task", "merge bias (days)"],
                [[tid, names[tid], _num(mb, 1)] for tid, mb in merges],
                {2},
            )
        )
    return out + "</section>"


def _milestones(r: Results, doc: dict[str, Any]) -> str:
    ms = doc["milestones"]
    if not ms:
        return ""
    names = {t.id: t.name for t in r.scenario.tasks}
    rows = [
        [mid, names[mid]]
        + [format_date(e["percentiles"][q]["date"]) for q in ("10", "50", "80", "90")]
        for mid, e in ms.items()
    ]
    return (
        '<section id="milestones"><h2>Key dates</h2>'
        + _table(["id", "milestone", "P10", "P50", "P80", "P90"], rows, {2, 3, 4, 5})
        + "</section>"
    )


def _mitigation(pre: Results, post: Results | None) -> str:
    if post is None:
        return ""
    from .text import comparison

    doc = comparison(pre, post)
    cur = pre.scenario.project.currency
    rows = []
    for q in ("P50", "P80"):
        f = doc["finish"][q]
        rows.append(
            [
                f"{q} finish",
                format_date(f["pre"]["date"]),
                format_date(f["post"]["date"]),
                f"{f['shift_days']:+.1f} days",
            ]
        )
    pairs = [("P(deadline)", doc["finish"].get("p_deadline"))]
    if "cost" in doc:
        for q in ("P50", "P80"):
            c = doc["cost"][q]
            rows.append(
                [
                    f"{q} cost",
                    format_money(c["pre"], cur),
                    format_money(c["post"], cur),
                    f"{c['shift']:+,.0f}",
                ]
            )
        pairs += [("P(budget)", doc["cost"].get("p_budget")), ("JCL", doc.get("jcl"))]
    for label, pair in pairs:
        if pair is not None:
            rows.append(
                [
                    label,
                    format_pct(pair["pre"]),
                    format_pct(pair["post"]),
                    f"{100 * (pair['post'] - pair['pre']):+.1f} points",
                ]
            )
    note = ""
    if "expected_saving" in doc:
        note = (
            f"<p>Response cost {_e(format_money(doc['response_cost'], cur))} against an "
            f"expected saving of {_e(format_money(doc['expected_saving'], cur))}: net "
            f"{_e(format_signed_money(doc['net_benefit'], cur))}.</p>"
        )
    return (
        '<section id="mitigation"><h2>Before and after the risk responses</h2>'
        + _table(["", "before responses", "after responses", "change"], rows, {3})
        + note
        + "</section>"
    )


def _describe(dist: Any) -> str:
    return dist.describe() if hasattr(dist, "describe") else str(dist)


def _inputs(r: Results) -> str:
    s = r.scenario
    p = s.project
    cal = p.calendar
    cur = p.currency
    project_rows = [
        ["project", p.name],
        ["start", format_date(p.start)],
        ["day 0 (first working day)", format_date(s.timeline.first_working_day(p.start))],
        ["working days", cal.name],
        ["holidays", ", ".join(format_date(h) for h in cal.holidays) or "none"],
        ["task calendars", ", ".join(n for n, _ in p.calendars) or "none"],
        ["data date", format_date(p.data_date) if p.data_date else "none (nothing started)"],
        ["deadline", format_date(p.deadline) if p.deadline else "none"],
        ["budget", format_money(p.budget, cur) if p.budget is not None else "none"],
        ["currency", cur or "none"],
    ]
    rules = []
    if p.constraints_override_logic:
        rules.append("no-later-than dates override the logic (MS Project's honoured constraints)")
    if p.alap_float == "total":
        rules.append("as late as possible by total float (MS Project)")
    if p.open_ended_critical:
        rules.append("open-ended tasks critical")
    if rules:
        project_rows.append(["scheduling options", "; ".join(rules)])
    out = [
        '<section id="inputs"><h2>Inputs</h2>',
        "<h3>Project and calendar</h3>",
        _table(["", ""], project_rows, cls="kv"),
    ]
    rows = []
    for t in s.tasks:
        links = ", ".join(
            lk.predecessor
            + ("" if lk.type == "FS" else f" {lk.type}")
            + ("" if lk.lag == 0 else f" {lk.lag:+g}d")
            for lk in t.predecessors
        )
        cost = ""
        if t.cost is not None and not t.cost.is_zero:
            parts = []
            if t.cost.fixed.support != (0.0, 0.0):
                parts.append(_describe(t.cost.fixed))
            if t.cost.per_day:
                parts.append(f"{t.cost.per_day:,g}/day")
            cost = " + ".join(parts)
        notes = []
        if t.milestone:
            notes.append("milestone")
        if t.start_no_earlier_than is not None:
            notes.append(f"start no earlier than {format_date(t.start_no_earlier_than)}")
        if t.finish_no_earlier_than is not None:
            notes.append(f"finish no earlier than {format_date(t.finish_no_earlier_than)}")
        if t.mandatory_start is not None:
            notes.append(f"mandatory start {format_date(t.mandatory_start)}")
        if t.mandatory_finish is not None:
            notes.append(f"mandatory finish {format_date(t.mandatory_finish)}")
        if t.start_no_later_than is not None:
            notes.append(f"start no later than {format_date(t.start_no_later_than)}")
        if t.finish_no_later_than is not None:
            notes.append(f"finish no later than {format_date(t.finish_no_later_than)}")
        if t.deadline is not None:
            notes.append(f"deadline {format_date(t.deadline)}")
        if t.as_late_as_possible:
            notes.append("as late as possible")
        rows.append([t.id, t.name, t.wbs, _describe(t.duration), links, cost, "; ".join(notes)])
    out.append(
        _fold(
            "Tasks",
            len(rows),
            _table(
                [
                    "id",
                    "name",
                    "WBS",
                    "duration (working days)",
                    "predecessors",
                    f"cost ({cur})" if cur else "cost",
                    "notes",
                ],
                rows,
            ),
        )
    )
    if s.risks:
        rows = []
        for k in s.risks:
            impacts = "; ".join(
                ", ".join(
                    x
                    for x in (
                        "" if i.delay is None else f"delay {_describe(i.delay)}",
                        "" if i.factor is None else f"factor {_describe(i.factor)}",
                    )
                    if x
                )
                + f" on {', '.join(i.tasks)}"
                for i in k.impacts
            )
            mit = ""
            if k.mitigated is not None:
                m = k.mitigated
                bits = []
                if m.probability is not None:
                    bits.append(f"probability {format_pct(m.probability)}")
                if m.impacts is not None:
                    bits.append("new impacts")
                if m.cost is not None:
                    bits.append(f"cost {_describe(m.cost)}")
                bits.append(f"response cost {format_money(m.response_cost, cur)}")
                mit = ", ".join(bits)
            rows.append(
                [
                    k.id,
                    k.name,
                    k.type,
                    format_pct(k.probability),
                    impacts,
                    "" if k.cost is None else _describe(k.cost),
                    mit,
                ]
            )
        out.append(
            _fold(
                "Risks",
                len(rows),
                _table(
                    ["id", "name", "type", "probability", "impacts", "cost", "mitigated"],
                    rows,
                    {3},
                ),
            )
        )
    if s.correlations:
        rows = [
            [str(n), f"{c.kind}s", ", ".join(c.items), f"{c.coefficient:g}"]
            for n, c in enumerate(s.correlations, 1)
        ]
        out.append(
            _fold(
                "Correlations (rank)",
                len(rows),
                _table(["group", "of", "items", "coefficient"], rows, {0, 3}),
            )
        )
    out.append("</section>")
    return "".join(out)


def _sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _provenance(
    r: Results,
    doc: dict[str, Any],
    post: Results | None,
    source_path: str | os.PathLike[str] | None,
    elapsed: float | None,
) -> str:
    source = os.fspath(source_path) if source_path is not None else r.scenario.source
    digest = _sha256(source) if source else None
    run_time = elapsed if elapsed is not None else r.elapsed + (post.elapsed if post else 0.0)
    ranking = r.risk_ranking
    rows = [
        ["pmo-sim version", doc["pmo_sim_version"]],
        ["scenario file", os.path.basename(source) if source else "built in code (no file)"],
        ["scenario SHA-256", digest or "–"],
        ["seed", str(doc["seed"])],
        ["iterations", f"{doc['iterations']:,}"],
        ["sampling", "Latin hypercube" if doc["sampling"] == "lhs" else "plain Monte Carlo"],
        ["risk register", "post-mitigation" if doc["mitigated"] else "as it stands"],
        [
            "risk ranking",
            f"{ranking.iterations:,} iterations per exclusion run" if ranking else "not run",
        ],
        [
            "post-mitigation run",
            f"{post.iterations:,} iterations, same seed" if post is not None else "none",
        ],
        ["run time", f"{run_time:.2f} s on {r.threads} thread(s)"],
        ["Python", f"{platform.python_version()} ({platform.system() or 'unknown'})"],
    ]
    if "correlation_repair" in doc:
        rep = doc["correlation_repair"]
        rows.append(
            [
                "correlation repair",
                f"nearest valid matrix; largest change {rep['largest_change']:.3g} "
                f"({' ~ '.join(rep['pair'])})",
            ]
        )
    return (
        '<section id="provenance"><h2>How this report was produced</h2>'
        + _table(["", ""], rows, cls="kv")
        + '<p class="muted small">The same scenario file, seed, iterations and sampling give '
        "the same numbers on any machine and thread count: rerun with "
        f"<code>pmo-sim report {_e(os.path.basename(source) if source else 'SCENARIO')} "
        f"--seed {_e(doc['seed'])} -n {_e(doc['iterations'])}</code>.</p></section>"
    )


CSS = """
:root{--ink:#1d2733;--muted:#5b6672;--line:#d9dee4;--bg:#f6f8fa;--accent:#1f4e8c;
--good:#2e8b57;--fair:#d9822b;--poor:#c0392b}
*{box-sizing:border-box}
body{margin:0;background:#fff;color:var(--ink);
font:15px/1.5 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1000px;margin:0 auto;padding:28px 24px 48px}
header{border-bottom:3px solid var(--accent);padding-bottom:10px;margin-bottom:18px}
h1{font-size:26px;margin:0 0 2px}
h2{font-size:20px;margin:36px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:20px 0 6px}
.sr{position:absolute;left:-9999px}
.muted{color:var(--muted)}.small{font-size:13px}
.lead{font-size:17px;margin:0 0 16px}
.lead .num{font-weight:700}
.cards{display:grid;grid-template-columns:repeat(3,1fr) 1.05fr;gap:12px}
.card{background:var(--bg);border:1px solid var(--line);border-left:6px solid #9aa5b1;
border-radius:6px;padding:10px 14px}
.card.tall{grid-row:span 2;display:flex;flex-direction:column;justify-content:center}
.card.tall .big{font-size:40px}
.card.good{border-left-color:var(--good)}.card.fair{border-left-color:var(--fair)}
.card.poor{border-left-color:var(--poor)}
.card .label{font-size:13px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.card .big{font-size:25px;font-weight:700;line-height:1.25;margin:2px 0}
.card .note{font-size:13px;color:var(--muted)}
figure{margin:18px 0 26px}
figure img{display:block;max-width:100%;height:auto;margin:0 auto}
figcaption{font-size:13px;color:var(--muted);margin-top:6px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin:6px 0 10px}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:nth-child(even){background:#fbfcfd}
table.kv thead{display:none}table.kv td:first-child{width:30%;color:var(--muted)}
details{margin:8px 0}summary{cursor:pointer;font-weight:600;font-size:16px;padding:4px 0}
code{background:var(--bg);padding:1px 4px;border-radius:3px;font-size:13px}
footer{margin-top:36px;font-size:12px;color:var(--muted)}
@media (max-width:760px){.cards{grid-template-columns:1fr 1fr}.card.tall{grid-row:auto}}
@media print{main{max-width:none;padding:0}details{display:block}
figure,table,.cards{break-inside:avoid}}
"""


def render_report(
    results: Results,
    post: Results | None = None,
    source_path: str | os.PathLike[str] | None = None,
    elapsed: float | None = None,
    trend: Sequence[Any] | None = None,
) -> str:
    """The HTML report of a simulation, as one self-contained string.

    Parameters
    ----------
    results : Results
        The run to report (ideally simulated with ``rank=True`` for the risk ranking).
    post : Results, optional
        The post-mitigation run on the same seed, for the before/after chart and table.
    source_path : path, optional
        The scenario file, for its name and SHA-256 (default: ``scenario.source``).
    elapsed : float, optional
        Seconds the simulations took (default: the runs' own ``elapsed``).
    trend : sequence of history.trend.Update, optional
        The project's recorded updates: with two or more, a "Trend" section.

    Returns
    -------
    str
        The HTML document (UTF-8 when written).
    """
    if not isinstance(results, Results):
        raise TypeError(f"'results' must be a pmo_sim.Results (got {type(results).__name__})")
    if post is not None and not isinstance(post, Results):
        raise TypeError(f"'post' must be a pmo_sim.Results or None (got {type(post).__name__})")
    doc = results.to_dict()
    p = results.scenario.project
    title = f"{p.name}: schedule and cost risk report"
    subtitle = (
        f"Monte Carlo simulation, {results.iterations:,} iterations, seed {results.seed}; "
        f"start {format_date(p.start)}"
    )
    body = "".join(
        [
            _summary(results, doc, post),
            _trend_section(trend),
            _charts(results, post),
            _mitigation(results, post),
            _risk_section(results, doc),
            _risk_model_section(results, doc),
            _resource_section(results, doc),
            _task_section(results, doc),
            _milestones(results, doc),
            _inputs(results),
            _provenance(results, doc, post, source_path, elapsed),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="pmo-sim {_e(doc["pmo_sim_version"])}">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head>\n<body><main>"
        f"<header><h1>{_e(p.name)}</h1><div class=muted>{_e(subtitle)}</div></header>"
        f"{body}"
        "<footer>Made with pmo-sim. Every number in this report comes from the simulation "
        "results; the summary figures match <code>pmo-sim run --json</code>.</footer>"
        "</main></body></html>\n"
    )
