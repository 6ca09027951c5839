"""Plain-text reports for the command line, built only from Results objects."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any, TextIO

import numpy as np

from ..model.calendar import iso
from ..results.simulation import REPORTED_PERCENTILES, Results


def days(x: float) -> str:
    """Working days for tables: up to two decimals, no trailing zeros."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def money(x: float | None, currency: str = "") -> str:
    if x is None:
        return "-"
    text = f"{x:,.0f}"
    return f"{text} {currency}".strip()


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    """A plain aligned table; columns in ``right`` are right-aligned."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([fmt(headers), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows])


#: Columns of text output when stdout is not a terminal and ``COLUMNS`` is not set.
DEFAULT_WIDTH = 100
#: Characters of a risk name in the ``pmo-sim risks`` table.
RISK_NAME_WIDTH = 40


def output_width(stream: TextIO | None = None) -> int:
    """Columns that text output should fit: the terminal's width when ``stream`` (stdout
    by default) is a terminal, else ``COLUMNS`` when set, else ``DEFAULT_WIDTH``."""
    stream = sys.stdout if stream is None else stream
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        terminal = False
    if terminal:
        # shutil reads COLUMNS first, then asks the terminal.
        return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else DEFAULT_WIDTH


def shorten(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` characters ending in "…": at the last word that
    fits when one ends in the second half of the line, else mid-word."""
    if len(text) <= width:
        return text
    space = text.rfind(" ", 0, width)
    head = text[:space] if space >= width // 2 else text[: width - 1]
    return head.rstrip(" ,;:-(/&") + "…"


def _bar(value: float, scale: float, width: int = 30) -> str:
    if scale <= 0 or value <= 0:
        return ""
    return "#" * max(1, round(width * value / scale))


def _bars(values: list[float], width: int = 30) -> list[str]:
    """Tornado bars on one scale (the largest magnitude). Positive values are runs of
    "#"; when any value is negative, those are runs of "=" left of a "|" axis, and the
    positive runs start right of it."""
    scale = max([abs(v) for v in values] + [0.0])
    if not any(v < 0 for v in values):
        return [_bar(v, scale, width) for v in values]
    left = [_bar(-v, scale, width).replace("#", "=") for v in values]
    room = max(len(b) for b in left)
    return [
        neg.rjust(room) + "|" + _bar(v, scale, width) for neg, v in zip(left, values, strict=True)
    ]


def milestone(task: Any) -> bool:
    """A task flagged as a milestone or whose duration is a fixed zero."""
    d = task.duration
    # The most likely value first: cheap, where the support may need scipy.
    return bool(task.milestone) or (d.deterministic == 0.0 and d.support == (0.0, 0.0))


def crucial_tasks(r: Results, count: int) -> list[int]:
    """Task indices by decreasing |cruciality| (criticality x sensitivity, NaN as 0),
    then criticality, then file order: the tasks that drive the finish. Milestones are
    left out (always critical when on the path, yet nothing to manage), and so are tasks
    that are never critical and do not move the finish."""
    st = r.task_stats
    if st is None:
        return []
    crux = np.nan_to_num(np.abs(np.asarray(st.cruciality, dtype=float)))
    crit = np.asarray(st.criticality, dtype=float)
    tasks = r.scenario.tasks
    kept: list[int] = []
    for i in sorted(range(crit.size), key=lambda i: (-crux[i], -crit[i], i)):
        if len(kept) == count or not (crux[i] > 0 or crit[i] > 0):
            break  # the rest are never critical and do not move the finish either
        if not milestone(tasks[i]):
            kept.append(i)
    return kept


def _time_basis(s: Any) -> list[str]:
    """Lines saying what working days count and where progress stands, when it matters."""
    p = s.project
    lines = []
    used = sorted({t.calendar for t in s.tasks if t.calendar})
    if used:
        lines.append(
            f"Task calendars: {', '.join(used)} besides the project calendar; working days "
            f"below count days any of them works ({s.timeline.name})."
        )
    if p.data_date is not None:
        done = sum(t.status == "complete" for t in s.tasks)
        going = sum(t.status == "in progress" for t in s.tasks)
        lines.append(
            f"Data date {p.data_date}: {done} tasks complete, {going} in progress; remaining "
            "work is simulated from the data date."
        )
    return [*lines, ""] if lines else []


def run_report(r: Results) -> str:
    """The human output of ``pmo-sim run``."""
    s = r.scenario
    p = s.project
    cur = p.currency
    out = [
        f"{p.name}: {r.iterations:,} iterations, seed {r.seed}, {r.sampling} sampling"
        f"{', post-mitigation' if r.mitigated else ''} ({r.elapsed:.2f} s)",
        "",
    ]
    out += _time_basis(s)
    headers = ["", "finish date", "working days", "std. error"]
    rows = [
        [f"P{q}", iso(r.percentile_date(q)), f"{r.percentile(q):.1f}", f"{r.standard_error(q):.2f}"]
        for q in REPORTED_PERCENTILES
    ]
    rows.append(["mean", iso(r._finish_dates(r.mean_days)), f"{r.mean_days:.1f}", ""])
    det = r.deterministic
    levelled = r.resources is not None and r.resources.levelled
    if levelled:
        # The plan the iterations are compared with is the levelled one.
        plan = r.resources.plan_finish
        rows.append(["plan (levelled)", iso(r.date_of(plan)), days(plan), ""])
        rows.append(["plan (CPM)", iso(det.finish_date), days(det.finish), ""])
    else:
        rows.append(["deterministic", iso(det.finish_date), days(det.finish), ""])
    right = {2, 3}
    if r.cost is not None:
        headers.append(f"cost ({cur})" if cur else "cost")
        right.add(4)
        for row, q in zip(rows, REPORTED_PERCENTILES, strict=False):
            row.append(money(r.cost_percentile(q)))
        rows[-3 if levelled else -2].append(money(float(r.cost.mean())))
        rows[-1].append(money(r.deterministic_cost))
        if levelled:
            rows[-2].append("")
    out.append(table(headers, rows, right))
    out.append("")
    if levelled:
        out.append(
            "Probability of meeting the levelled plan finish: "
            f"{pct(r.probability_within(r.resources.plan_finish))}"
        )
    else:
        out.append(
            "Probability of meeting the deterministic finish: "
            f"{pct(r.probability_within(det.finish))}"
        )
    if p.deadline is not None:
        out.append(
            f"Probability of meeting the deadline {p.deadline}: {pct(r.probability_by(p.deadline))}"
        )
    if r.cost is not None and p.budget is not None:
        out.append(
            f"Probability of staying within the budget {money(p.budget, cur)}: "
            f"{pct(r.probability_within_budget(p.budget))}"
        )
        if p.deadline is not None:
            out.append(f"Joint confidence (deadline and budget both met, JCL): {pct(r.jcl())}")
            frontier = r.jcl_frontier(70, points=5)
            pairs = ", ".join(
                f"{iso(r._finish_dates(d))} & {money(c, cur)}" for d, c in frontier[:4]
            )
            out.append(f"JCL 70% is reached with, for example: {pairs}")
    ranking = r.risk_ranking
    if ranking is not None and ranking.risk_ids:
        out += [
            "",
            f"Risks adding most to P80 (exclusion ranking, {ranking.iterations:,} "
            "iterations each):",
        ]
        names = {x.id: x.name for x in s.risks}
        rows = []
        for k in ranking.order("finish")[:10]:
            rid = ranking.risk_ids[k]
            row = [
                rid,
                names[rid],
                f"{ranking.p80_finish_contribution[k]:.1f}",
                occurred(r, rid),
            ]
            if r.cost is not None:
                row.append(money(ranking.p80_cost_contribution[k]))
            rows.append(row)
        headers = ["id", "risk", "P80 finish +days", "occurred"]
        if r.cost is not None:
            headers.append("P80 cost +")
        out.append(table(headers, rows, right={2, 3, 4}))
    out += risk_model_lines(r)
    out += resource_lines(r)
    if r.resources is not None and r.resources.levelled:
        # Criticality follows the logic links on the levelled dates (as Primavera Risk
        # Analysis counts it): a task a resource holds back can show float.
        out += [
            "",
            "Most critical tasks (logic links on the levelled dates; tasks held back "
            "by a resource are in the waiting table above):",
        ]
    else:
        out += ["", "Most critical tasks:"]
    names = {t.id: t.name for t in s.tasks}
    st = r.task_stats
    index = {tid: i for i, tid in enumerate(s.task_ids)}
    rows = []
    for i in crucial_tasks(r, 10):
        tid = s.task_ids[i]
        rows.append(
            [
                tid,
                names[tid],
                pct(r.criticality[tid]),
                f"{st.sensitivity[i]:.2f}",
                f"{st.cruciality[i]:.2f}",
            ]
        )
    out.append(
        table(["id", "name", "criticality", "sensitivity", "cruciality"], rows, right={2, 3, 4})
    )
    merges = [
        (tid, st.merge_bias[index[tid]])
        for tid in s.task_ids
        if not np.isnan(st.merge_bias[index[tid]])
    ]
    merges = sorted(merges, key=lambda kv: -kv[1])[:5]
    if merges and merges[0][1] > 0.05:
        out += [
            "",
            "Largest merge bias (mean simulated start later than the start from mean durations):",
        ]
        out.append(
            table(
                ["id", "name", "days later"],
                [[tid, names[tid], f"{mb:.1f}"] for tid, mb in merges if mb > 0.05],
                right={2},
            )
        )
    return "\n".join(out)


def risk_model_lines(r: Results) -> list[str]:
    """The branch outcomes (how often each option was taken, and the finish P50/P80 of
    the iterations that took it) and the weather days lost, as report lines."""
    out: list[str] = []
    for b in r.branch_outcomes() if r.branch_occurrence is not None else []:
        kind = "conditional branch" if b.conditional else "branch"
        out += ["", f"{kind.capitalize()} {b.id} ({b.name}): option taken, finish given it:"]
        rows = []
        for o in b.options:
            row = [o.name, pct(o.share)]
            for q in (50, 80):
                v = o.finish.get(q)
                row.append("-" if v is None else f"{iso(r.date_of(v))} ({days(v)})")
            if r.cost is not None:
                row.append(money(o.cost.get(80)) if o.cost else "-")
            rows.append(row)
        headers = ["option", "taken", "P50 finish", "P80 finish"]
        if r.cost is not None:
            headers.append("P80 cost")
        out.append(table(headers, rows, right={1}))
    if r.weather_days_lost is not None:
        out += ["", "Working days lost to weather before the project finish:"]
        rows = [
            [
                name,
                f"{lost.mean():.1f}",
                *(f"{np.percentile(lost, q):.0f}" for q in (10, 50, 80, 90)),
            ]
            for name, lost in zip(r.weather_calendars, r.weather_days_lost, strict=True)
        ]
        out.append(
            table(["calendar", "mean", "P10", "P50", "P80", "P90"], rows, right={1, 2, 3, 4, 5})
        )
    return out


def resource_lines(r: Results, count: int = 10) -> list[str]:
    """Cost by resource and, for a levelled run, the delay due to resources and the
    tasks most often waiting for one, as report lines."""
    res = r.resources
    if res is None:
        return []
    cur = r.scenario.project.currency
    out = ["", "Resources (cost escalated; units in use against capacity):"]
    rows = []
    breakdown = res.cost_breakdown()
    prof = res.profile
    for k, rid in enumerate(res.ids):
        cap = res.capacity[k]
        util = prof.utilisation[k] if prof is not None else None
        peak = float(prof.p80[k].max(initial=0.0)) if prof is not None else None
        rows.append(
            [
                rid,
                res.names[k],
                "unlimited" if cap is None else f"{cap:g}",
                money(breakdown[rid]["mean"]),
                money(breakdown[rid]["p80"]),
                "-" if util is None else pct(util),
                "-" if peak is None else f"{peak:.1f}",
            ]
        )
    headers = ["id", "resource", "capacity", f"mean cost ({cur})" if cur else "mean cost"]
    headers += ["P80 cost", "utilisation", "peak P80 units"]
    out.append(table(headers, rows, right={2, 3, 4, 5, 6}))
    if not res.levelled:
        return out
    delay = res.delay(r.finish_days)
    plan = res.plan_finish
    out += [
        "",
        f"Levelled in every iteration (priority order fixed before the run). Levelled "
        f"plan finish: {iso(r.date_of(plan))} ({days(plan)} working days); delay due to "
        f"resources: mean {delay.mean():.1f}, P50 {np.percentile(delay, 50):.1f}, "
        f"P80 {np.percentile(delay, 80):.1f} working days.",
    ]
    waited = sorted(
        ((tid, share) for tid, share in (res.resource_driven or {}).items() if share > 0),
        key=lambda kv: -kv[1],
    )[:count]
    if waited:
        names = {t.id: t.name for t in r.scenario.tasks}
        out += ["", "Tasks most often waiting for a resource (share of iterations):"]
        out.append(
            table(
                ["id", "name", "waited"],
                [[tid, names[tid], pct(share)] for tid, share in waited],
                right={2},
            )
        )
    return out


def comparison(pre: Results, post: Results) -> dict[str, Any]:
    """Side-by-side figures of a pre-/post-mitigation pair (the ``compare --json`` doc)."""
    s = pre.scenario
    response = sum(r.mitigated.response_cost for r in s.risks if r.mitigated)
    doc: dict[str, Any] = {
        "iterations": pre.iterations,
        "seed": pre.seed,
        "sampling": pre.sampling,
        "finish": {},
        "response_cost": response,
    }
    for q in (50, 80):
        a, b = float(pre.percentile(q)), float(post.percentile(q))
        doc["finish"][f"P{q}"] = {
            "pre": {"days": a, "date": iso(pre.percentile_date(q))},
            "post": {"days": b, "date": iso(post.percentile_date(q))},
            "shift_days": b - a,
        }
    deadline = s.project.deadline
    if deadline is not None:
        doc["finish"]["p_deadline"] = {
            "pre": pre.probability_by(deadline),
            "post": post.probability_by(deadline),
        }
    if pre.cost is not None and post.cost is not None:
        doc["cost"] = {}
        for q in (50, 80):
            a, b = float(pre.cost_percentile(q)), float(post.cost_percentile(q))
            doc["cost"][f"P{q}"] = {"pre": a, "post": b, "shift": b - a}
        # Expected saving: the drop in mean cost from the responses, before paying for them.
        saving = float(pre.cost.mean()) - (float(post.cost.mean()) - response)
        doc["cost"]["mean"] = {"pre": float(pre.cost.mean()), "post": float(post.cost.mean())}
        doc["expected_saving"] = saving
        doc["net_benefit"] = saving - response
        budget = s.project.budget
        if budget is not None:
            doc["cost"]["p_budget"] = {
                "pre": pre.probability_within_budget(budget),
                "post": post.probability_within_budget(budget),
            }
            if deadline is not None:
                doc["jcl"] = {"pre": pre.jcl(), "post": post.jcl()}
    return doc


def _shown(x: float, decimals: int) -> float:
    """``x`` as a table prints it with ``decimals`` places, read back."""
    return float(f"{x:.{decimals}f}")


def _shift(pre: float, post: float, decimals: int) -> float:
    """Post minus pre of the values as printed, so the shift column adds up on the page
    (70.6% to 77.0% is +6.4 pts, whatever the unrounded values)."""
    return _shown(post, decimals) - _shown(pre, decimals)


def compare_report(pre: Results, post: Results, doc: dict[str, Any]) -> str:
    """The human output of ``pmo-sim compare``; each shift is that of the printed values."""
    cur = pre.scenario.project.currency
    out = [
        f"{pre.scenario.project.name}: pre- vs post-mitigation, {pre.iterations:,} "
        f"iterations each, seed {pre.seed}, same random numbers",
        "",
    ]
    rows = []
    for q in (50, 80):
        f = doc["finish"][f"P{q}"]
        rows.append(
            [
                f"P{q} finish",
                f"{f['pre']['date']} ({f['pre']['days']:.1f} d)",
                f"{f['post']['date']} ({f['post']['days']:.1f} d)",
                f"{_shift(f['pre']['days'], f['post']['days'], 1):+.1f} d",
            ]
        )
    if "p_deadline" in doc["finish"]:
        pd = doc["finish"]["p_deadline"]
        rows.append(
            [
                "P(deadline)",
                pct(pd["pre"]),
                pct(pd["post"]),
                f"{_shift(100 * pd['pre'], 100 * pd['post'], 1):+.1f} pts",
            ]
        )
    if "cost" in doc:
        for q in (50, 80):
            c = doc["cost"][f"P{q}"]
            rows.append(
                [
                    f"P{q} cost",
                    money(c["pre"], cur),
                    money(c["post"], cur),
                    f"{_shift(c['pre'], c['post'], 0):+,.0f}",
                ]
            )
        if "p_budget" in doc["cost"]:
            pb = doc["cost"]["p_budget"]
            rows.append(
                [
                    "P(budget)",
                    pct(pb["pre"]),
                    pct(pb["post"]),
                    f"{_shift(100 * pb['pre'], 100 * pb['post'], 1):+.1f} pts",
                ]
            )
        if "jcl" in doc:
            j = doc["jcl"]
            rows.append(
                [
                    "JCL",
                    pct(j["pre"]),
                    pct(j["post"]),
                    f"{_shift(100 * j['pre'], 100 * j['post'], 1):+.1f} pts",
                ]
            )
    out.append(table(["", "pre-mitigation", "post-mitigation", "shift"], rows, right={3}))
    if "expected_saving" in doc:
        out += [
            "",
            f"Response cost {money(doc['response_cost'], cur)} against an expected "
            f"saving of {money(doc['expected_saving'], cur)} (net "
            f"{_shift(doc['response_cost'], doc['expected_saving'], 0):+,.0f} {cur}).".replace(
                "  ", " "
            ),
        ]
    return "\n".join(out)


def risks_report(r: Results, by: str = "finish") -> str:
    """The text tornado of ``pmo-sim risks``.

    Names longer than ``RISK_NAME_WIDTH`` are shortened at a word, ending in "…". Bars
    share one scale; when some contribution is negative (an opportunity), negative ones
    are drawn with "=" left of a "|" axis and positive ones with "#" right of it.
    """
    ranking = r.risk_ranking
    s = r.scenario
    cur = s.project.currency
    names = {x.id: x.name for x in s.risks}
    order = ranking.order(by)
    values = ranking.p80_finish_contribution if by == "finish" else ranking.p80_cost_contribution
    bars = _bars([float(values[k]) for k in order])
    out = [
        f"{s.project.name}: risk ranking by contribution to P80 {by}"
        f"{' (post-mitigation)' if r.mitigated else ''}, {ranking.iterations:,} "
        f"iterations per run, seed {r.seed}",
        "",
    ]
    rows = []
    for k, bar in zip(order, bars, strict=True):
        rid = ranking.risk_ids[k]
        v = float(values[k])
        shown = f"{v:+.1f} d" if by == "finish" else f"{v:+,.0f} {cur}".rstrip()
        row = [
            rid,
            shorten(names[rid], RISK_NAME_WIDTH),
            occurred(r, rid),
            shown,
            f"{ranking.mean_delay[k]:.1f}",
        ]
        if r.cost is not None:
            row.append(
                money(ranking.p80_cost_contribution[k], cur)
                if by == "finish"
                else f"{ranking.p80_finish_contribution[k]:+.1f} d"
            )
        row.append(bar)
        rows.append(row)
    headers = ["id", "risk", "occurred", f"P80 {by} +", "mean delay d"]
    if r.cost is not None:
        headers.append("P80 cost +" if by == "finish" else "P80 finish +")
    headers.append("")
    out.append(table(headers, rows, right={2, 3, 4, 5} if r.cost is not None else {2, 3, 4}))
    out += [
        "",
        "A contribution is P80 with every risk minus P80 with that risk switched "
        "off, on the same random numbers.",
    ]
    if any(float(values[k]) < 0 for k in order):
        out.append('Bars: "#" right of "|" adds to P80; "=" left of it (an opportunity) takes off.')
    return "\n".join(out)


def occurred(r: Any, rid: str) -> str:
    """How often risk ``rid`` occurred in the run, or its status when it is no longer
    open (a closed risk, or one that has occurred and is in the schedule now, is not
    simulated: a 0.0% would read as a risk that never strikes)."""
    status = next(x.status for x in r.scenario.risks if x.id == rid)
    return pct(r.risk_probability(rid)) if status == "open" else status


def _signed(x: float | None, unit: str = "") -> str:
    if x is None:
        return "-"
    text = f"{x:+,.0f}" if unit == "money" else f"{x:+.0f}"
    return "0" if text in ("+0", "-0") else text


def attribution_report(result: Any, currency: str = "") -> str:
    """The waterfall of ``compare OLD NEW`` (an ``engine.attribution.Attribution``) as
    text: one row per step, its change in P50/P80 finish (working days) and P80 cost,
    and what it changed."""
    old, new = result.old, result.new
    costed = old["p80_cost"] is not None and new["p80_cost"] is not None
    rows = []
    for step in result.steps:
        items = list(step.items)
        shown = ", ".join(items[:5]) + (f" (+{len(items) - 5} more)" if len(items) > 5 else "")
        row = [step.step, _signed(step.p50_finish_days), _signed(step.p80_finish_days)]
        if costed:
            row.append(_signed(step.p80_cost, "money"))
        rows.append([*row, shown or "-"])
    total = result.total
    last = ["total", _signed(total["p50_finish_days"]), _signed(total["p80_finish_days"])]
    if costed:
        last.append(_signed(total["p80_cost"], "money"))
    rows.append([*last, ""])
    headers = ["step", "P50 finish", "P80 finish"] + (["P80 cost"] if costed else []) + ["changed"]
    right = {1, 2, 3} if costed else {1, 2}
    lines = [
        f"From P80 {old['p80_finish']} to P80 {new['p80_finish']}"
        + (
            f"; P80 cost {money(old['p80_cost'], currency)} to {money(new['p80_cost'], currency)}"
            if costed
            else ""
        )
        + f" ({result.iterations:,} iterations, seed {result.seed}, the same random numbers "
        "for every step).",
        "Changes in working days of the new update's calendar; each step is applied on top "
        "of the ones above it.",
        "",
        table(headers, rows, right),
    ]
    return "\n".join(lines)
