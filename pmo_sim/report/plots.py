"""Charts of a simulation for reports: finish and cost S-curves, JCL scatter, tornadoes.

Every function takes ``Results`` and returns a matplotlib ``Figure``, or ``None`` when
the data it shows is absent (no costs, no risk ranking, no mitigations). Save a figure
with ``save`` (PNG or SVG file) or ``to_bytes``.

matplotlib is an optional dependency (``pip install ".[report]"``), imported only
when a chart is drawn, so ``import pmo_sim`` stays light. Figures are built with the
object-oriented API on the Agg canvas, never through ``pyplot``: no display is needed,
no global figure registry fills up in a long-running process, and the backend an
interactive user (a notebook) has chosen is left alone.

Times on the x axis are working days (the unit of the simulation), labelled with the
finish dates they stand for: a tick at a date sits at the end of that working day, so
reading the S-curve at a tick gives the probability of finishing by that date.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import os
import warnings
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from ..results.simulation import Results
from .text import crucial_tasks

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

INSTALL_HINT = 'pip install ".[report]"'
#: Most points drawn by the JCL scatter; larger runs keep every k-th iteration.
MAX_SCATTER_POINTS = 5_000
#: Bars of the risk and task tornadoes.
TOP_RISKS = 15
TOP_TASKS = 15
#: Resources the demand chart draws, one small panel each.
TOP_RESOURCES = 6
FORMATS = ("png", "svg")
#: Width of every chart in inches: 864 CSS pixels at 96 per inch, the report's column.
WIDTH = 9.0

# One palette for every chart: the simulated distribution in blues, targets in red,
# P80 (the usual planning confidence) in orange, post-mitigation in green.
BAR = "#a9c6e8"
CURVE = "#1f4e8c"
P50 = "#555555"
P80 = "#d9822b"
TARGET = "#c0392b"
PLAN = "#7f7f7f"
POST = "#2e8b57"
THREAT = "#c0392b"
OPPORTUNITY = "#2e8b57"

_RC = {
    "font.family": "DejaVu Sans",  # ships with matplotlib: identical output everywhere
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.edgecolor": "#888888",
    "legend.fontsize": 9,
    "legend.framealpha": 0.92,
    "svg.fonttype": "path",  # glyphs as paths: no font needed where the SVG is viewed
    "svg.hashsalt": "pmo-sim",  # stable element ids: the same results give the same SVG
    "savefig.facecolor": "white",
}

# The chart names, in report order, and why each may be missing.
CHARTS = ("finish", "cost", "jcl", "risks", "tasks", "mitigation", "resources")
ABSENT = {
    "cost": "the scenario has no costs",
    "jcl": "the scenario has no costs",
    "risks": "no risk ranking (the scenario has no risks)",
    "tasks": "no task statistics",
    "mitigation": "no risk has a 'mitigated' table",
    "resources": "no resource has a demand profile (the scenario has no assignments)",
}


def _mpl() -> Any:
    """matplotlib, or an ImportError that says how to install it."""
    try:
        import matplotlib
    except ModuleNotFoundError as exc:  # pragma: no cover - exercised by the CLI check
        raise ModuleNotFoundError(
            f"pmo-sim's charts need matplotlib, which is not installed: {INSTALL_HINT}"
        ) from exc
    return matplotlib


@contextlib.contextmanager
def house_style() -> Iterator[None]:
    """The house style, and no warning about glyphs a user's text needs but the bundled
    font lacks (such characters are drawn as boxes; the HTML tables show them)."""
    matplotlib = _mpl()
    with matplotlib.rc_context(_RC), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        yield


def new_figure(height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # Margins are set per chart by _margins: a layout engine (constrained, tight)
    # measures every text again and costs a third of the drawing time.
    fig = Figure(figsize=(WIDTH, height))
    FigureCanvasAgg(fig)
    return fig


def set_margins(
    fig: Figure, left: float, right: float, bottom: float, top: float, wspace: float = 0.2
) -> None:
    """Fixed margins in inches, so every chart of a kind lines up with the others."""
    w, h = fig.get_size_inches()
    fig.subplots_adjust(
        left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h, wspace=wspace
    )


def suptitle(fig: Figure, text: str) -> None:
    """A bold title over all panels, flush left, 0.1 in below the top edge."""
    fig.suptitle(
        text,
        x=0.01,
        y=1 - 0.1 / fig.get_figheight(),
        ha="left",
        va="top",
        fontsize=12,
        fontweight="bold",
    )


def _text_width(fig: Figure, labels: list[str]) -> float:
    """Width in inches of the widest tick label (at the tick label size)."""
    from matplotlib.font_manager import FontProperties

    renderer = fig.canvas.get_renderer()
    prop = FontProperties(size=_RC["font.size"])
    widths = [renderer.get_text_width_height_descent(s, prop, ismath=False)[0] for s in labels]
    return max(widths, default=0.0) / fig.dpi


def _plain(text: str) -> str:
    """User text shown literally: ``$`` would start matplotlib's math mode."""
    return text.replace("$", r"\$")


def _short(text: str, width: int = 42) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _date(value: Any) -> str:
    """A date as a manager reads it, e.g. ``3 Sep 2027``."""
    d = np.datetime64(value, "D").astype(object)
    return f"{d.day} {d:%b %Y}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


# Axes -----------------------------------------------------------------------------------
class _Days:
    """Working-day offsets and the finish dates they stand for, for one project."""

    def __init__(self, results: Results) -> None:
        p = results.scenario.project
        self.calendar, self.start = results.scenario.timeline, p.start

    def date(self, days: float) -> dt.date:
        return self.calendar.finish_date(self.start, days)

    def offset(self, date: dt.date) -> float:
        return self.calendar.days_until(self.start, date)

    def label(self, days: float) -> str:
        return _date(self.date(days))


def _date_axis(ax: Axes, days: _Days, lo: float, hi: float, maxticks: int = 7) -> None:
    """Ticks at round dates between working days ``lo`` and ``hi``, labelled as dates
    (at most ``maxticks``: fewer on a narrow panel, so the labels do not overlap)."""
    import matplotlib.dates as mdates

    first = days.calendar.first_working_day(days.start).astype(object)
    d_lo = first + dt.timedelta(days=math.floor(lo * 7 / 5) - 7) if lo < 0 else days.date(lo)
    d_hi = days.date(hi)
    if d_hi <= d_lo:
        d_hi = d_lo + dt.timedelta(days=1)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=maxticks)
    values = locator.tick_values(
        dt.datetime.combine(d_lo, dt.time()), dt.datetime.combine(d_hi, dt.time())
    )
    ticks, labels, year = [], [], None
    for v in values:
        d = mdates.num2date(v).date()
        x = days.offset(d)
        if lo <= x <= hi and (not ticks or x > ticks[-1]):  # hourly ticks share a day
            ticks.append(x)
            # The year on the first tick and where it changes: "1 Aug 2027", "1 Sep".
            labels.append(_date(d) if d.year != year else f"{d.day} {d:%b}")
            year = d.year
    if len(ticks) < 2:  # a very narrow range: label the ends instead
        ticks = [lo, hi] if hi > lo else [lo]
        labels = [days.label(t) for t in ticks]
    ax.set_xticks(ticks, labels)
    ax.set_xlim(lo, hi)


def _money_scale(values: np.ndarray, currency: str) -> tuple[float, str]:
    """Divisor and axis unit for money, e.g. ``(1e6, "million GBP")``."""
    top = float(np.max(np.abs(values))) if values.size else 0.0
    divisor, word = (1e6, "million") if top >= 1e6 else (1e3, "thousand") if top >= 1e4 else (1, "")
    unit = " ".join(x for x in (word, currency) if x)
    return divisor, unit


def _money_axis(axis: Any, divisor: float) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{round(v / divisor, 6):,g}"))


def _money(x: float, currency: str) -> str:
    return f"{x:,.0f} {currency}".strip()


def _view(values: np.ndarray, extra: list[float]) -> tuple[float, float]:
    """An x range covering the data and the ``extra`` marks close enough to it.

    A mark far outside the data (a deadline a year after the last finish) would squash
    the histogram into a sliver, so marks count only within one data range of it.
    """
    lo, hi = float(np.min(values)), float(np.max(values))
    span = max(hi - lo, 1.0)
    for x in extra:
        if lo - span <= x <= hi + span:
            lo, hi = min(lo, x), max(hi, x)
    pad = 0.04 * max(hi - lo, 1.0)
    return lo - pad, hi + pad


def _bin_edges(values: np.ndarray) -> np.ndarray:
    edges = np.histogram_bin_edges(values, bins="fd")
    if not 15 <= edges.size - 1 <= 60:
        edges = np.histogram_bin_edges(values, bins=int(np.clip(edges.size - 1, 15, 60)))
    return edges


def _s_curve(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The empirical cumulative distribution at 401 percentiles (a light vector path)."""
    q = np.linspace(0.0, 100.0, 401)
    return np.percentile(values, q), q


def _vline(ax: Axes, x: float, lo: float, hi: float, **kw: Any) -> bool:
    if lo <= x <= hi:
        ax.axvline(x, **kw)
        return True
    return False


def _distribution_chart(
    values: np.ndarray,
    marks: list[tuple[str, float, str, str]],
    title: str,
    xlabel: str,
    ylabel_curve: str,
    axis: Callable[[Axes, float, float], None],
) -> Figure:
    """Histogram (share of iterations per bin) with the S-curve on a second axis.

    ``marks`` are (label, x, colour, line style) vertical lines; one outside the view is
    listed in the legend with "off the chart".
    """
    fig = new_figure(4.8)
    set_margins(fig, left=0.7, right=0.75, bottom=0.62, top=0.35)
    ax = fig.add_subplot()
    n = values.size
    lo, hi = _view(values, [x for _, x, _, _ in marks])
    ax.hist(
        values,
        bins=_bin_edges(values),
        weights=np.full(n, 100.0 / n),
        color=BAR,
        edgecolor="white",
        linewidth=0.4,
        label="Iterations in each bin (left axis)",
    )
    ax.set_ylabel("Share of iterations per bin (%)")
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    curve = ax.twinx()
    curve.grid(False)
    xs, qs = _s_curve(values)
    curve.plot(xs, qs, color=CURVE, linewidth=2.0, label="Cumulative probability (S-curve)")
    curve.set_ylim(0, 100)
    curve.set_yticks(range(0, 101, 20))
    curve.set_ylabel(ylabel_curve)
    handles, labels = ax.get_legend_handles_labels()
    for label, x, colour, style in marks:
        if not _vline(curve, x, lo, hi, color=colour, linestyle=style, linewidth=1.6, label=label):
            curve.plot([], [], color=colour, linestyle=style, label=f"{label} (off the chart)")
    h2, l2 = curve.get_legend_handles_labels()
    curve.legend(handles + h2, labels + l2, loc="upper left")
    axis(ax, lo, hi)
    # The S-curve reaches 100% at the right; leave the legend room at the top left.
    ax.set_ylim(0, ax.get_ylim()[1] * 1.45)
    return fig


def finish_histogram(results: Results) -> Figure:
    """Finish date: histogram, cumulative S-curve, P50, P80, the deadline and the plan.

    Returns
    -------
    matplotlib.figure.Figure
    """
    with house_style():
        days = _Days(results)
        p = results.scenario.project
        p50, p80 = float(results.percentile(50)), float(results.percentile(80))
        marks = [
            (f"P50 {days.label(p50)}", p50, P50, "--"),
            (f"P80 {days.label(p80)}", p80, P80, "-"),
        ]
        if p.deadline is not None:
            chance = results.probability_by(p.deadline)
            marks.append(
                (
                    f"Deadline {_date(p.deadline)}: {_pct(chance)} chance",
                    results.deadline_days(p.deadline),
                    TARGET,
                    "-.",
                )
            )
        det = float(results.deterministic.finish)
        marks.append((f"Deterministic plan {days.label(det)}", det, PLAN, ":"))
        return _distribution_chart(
            results.finish_days,
            marks,
            f"When will it finish? {_plain(_short(p.name, 60))}",
            "Finish date (axis in working days: weekends and holidays left out)",
            "Probability of finishing by then (%)",
            lambda ax, lo, hi: _date_axis(ax, days, lo, hi),
        )


def cost_histogram(results: Results) -> Figure | None:
    """Total cost: histogram, S-curve, P50, P80 and the budget (None without costs)."""
    if results.cost is None:
        return None
    with house_style():
        p = results.scenario.project
        cost = results.cost
        divisor, unit = _money_scale(cost, p.currency)
        p50, p80 = float(results.cost_percentile(50)), float(results.cost_percentile(80))
        marks = [
            (f"P50 {_money(p50, p.currency)}", p50, P50, "--"),
            (f"P80 {_money(p80, p.currency)}", p80, P80, "-"),
        ]
        if p.budget is not None:
            chance = results.probability_within_budget(p.budget)
            marks.append(
                (
                    f"Budget {_money(p.budget, p.currency)}: {_pct(chance)} chance",
                    p.budget,
                    TARGET,
                    "-.",
                )
            )
        marks.append(
            (
                f"Deterministic cost {_money(results.deterministic_cost, p.currency)}",
                results.deterministic_cost,
                PLAN,
                ":",
            )
        )

        def axis(ax: Axes, lo: float, hi: float) -> None:
            ax.set_xlim(lo, hi)
            _money_axis(ax.xaxis, divisor)

        return _distribution_chart(
            cost,
            marks,
            f"What will it cost? {_plain(_short(p.name, 60))}",
            f"Total cost ({_plain(unit)})" if unit else "Total cost",
            "Probability of costing at most this (%)",
            axis,
        )


def scatter_sample(iterations: int, limit: int = MAX_SCATTER_POINTS) -> slice:
    """The iterations the JCL scatter draws: every k-th, k = ceil(iterations / limit).

    A fixed rule, so the same results always give the same picture; iterations are in
    random order, so a stride is an unbiased sample.
    """
    return slice(0, None, max(1, math.ceil(iterations / limit)))


def jcl_scatter(results: Results) -> Figure | None:
    """Finish against cost, one point per iteration (at most ``MAX_SCATTER_POINTS``),
    with the deadline and budget lines, the share of iterations in each quadrant and
    the JCL 70% frontier. None without costs."""
    if results.cost is None:
        return None
    with house_style():
        p = results.scenario.project
        days = _Days(results)
        finish, cost = results.finish_days, results.cost
        take = scatter_sample(results.iterations)
        divisor, unit = _money_scale(cost, p.currency)
        fig = new_figure(5.8)
        set_margins(fig, left=0.75, right=0.2, bottom=1.1, top=0.35)
        ax = fig.add_subplot()
        shown = finish[take].size
        ax.scatter(
            finish[take],
            cost[take],
            s=5,
            alpha=0.35,
            color=CURVE,
            linewidths=0,
            rasterized=True,  # thousands of dots: a bitmap inside the SVG keeps it small
            label=f"One iteration ({shown:,} of {results.iterations:,} shown)",
        )
        frontier = results.jcl_frontier(70)
        fx = [d for d, _ in frontier]
        fy = [c for _, c in frontier]
        ax.plot(
            fx,
            fy,
            color=POST,
            linewidth=2.0,
            drawstyle="steps-post",
            marker="o",
            markersize=3.5,
            label="JCL 70% frontier: targets on or above-right of it are met together "
            "in 70% of iterations",
        )
        deadline = None if p.deadline is None else results.deadline_days(p.deadline)
        budget = p.budget
        x_lo, x_hi = _view(finish, [] if deadline is None else [deadline])
        x_lo, x_hi = min(x_lo, min(fx)), max(x_hi, max(fx))
        y_lo, y_hi = _view(cost, [] if budget is None else [budget])
        if deadline is not None:
            label = f"Deadline {_date(p.deadline)}"
            if x_lo <= deadline <= x_hi:
                ax.axvline(deadline, color=TARGET, linestyle="-.", linewidth=1.4, label=label)
            else:
                ax.plot([], [], color=TARGET, linestyle="-.", label=f"{label} (off the chart)")
        if budget is not None:
            label = f"Budget {_money(budget, p.currency)}"
            if y_lo <= budget <= y_hi:
                ax.axhline(budget, color=TARGET, linestyle="--", linewidth=1.4, label=label)
            else:
                ax.plot([], [], color=TARGET, linestyle="--", label=f"{label} (off the chart)")
        if deadline is not None and budget is not None:
            on_time = finish <= deadline
            within = cost <= budget
            box = {"boxstyle": "round,pad=0.3", "facecolor": "white", "alpha": 0.85, "lw": 0}
            for text, share, x, y, ha, va in (
                ("On time, within budget (JCL)", on_time & within, 0.01, 0.02, "left", "bottom"),
                ("Late, within budget", ~on_time & within, 0.99, 0.02, "right", "bottom"),
                ("On time, over budget", on_time & ~within, 0.01, 0.98, "left", "top"),
                ("Late, over budget", ~on_time & ~within, 0.99, 0.98, "right", "top"),
            ):
                ax.text(
                    x,
                    y,
                    f"{text}: {_pct(float(np.mean(share)))}",
                    transform=ax.transAxes,
                    ha=ha,
                    va=va,
                    fontsize=9.5,
                    fontweight="bold",
                    bbox=box,
                )
            title = f"Deadline and budget together: JCL {_pct(results.jcl())}"
        else:
            title = "Finish date against cost"
        ax.set_title(title, loc="left")
        ax.set_ylabel(f"Total cost ({_plain(unit)})" if unit else "Total cost")
        ax.set_xlabel("Finish date (axis in working days)")
        _date_axis(ax, days, x_lo, x_hi)
        ax.set_ylim(y_lo, y_hi + 0.12 * (y_hi - y_lo))  # room for the quadrant labels
        _money_axis(ax.yaxis, divisor)
        legend = fig.legend(loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=2, frameon=False)
        legend.legend_handles[0].set_sizes([24])  # the dot in the legend, not at scatter size
        return fig


def _risk_label(results: Results, risk_id: str) -> str:
    name = next((r.name for r in results.scenario.risks if r.id == risk_id), risk_id)
    text = risk_id if name == risk_id else f"{risk_id}  {_short(name, 38)}"
    return _plain(text)


def _barh(ax: Axes, values: np.ndarray, fmt: Callable[[float], str], colours: list[str]) -> None:
    y = np.arange(values.size)
    ax.barh(y, values, color=colours, height=0.62)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.grid(axis="y", visible=False)
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    scale = scale if scale > 0 else 1.0
    for yi, v in zip(y, values, strict=True):
        ax.text(
            v + (0.015 * scale if v >= 0 else -0.015 * scale),
            yi,
            fmt(float(v)),
            va="center",
            ha="left" if v >= 0 else "right",
            fontsize=8.5,
        )
    left = min(0.0, float(np.min(values))) if values.size else 0.0
    right = max(0.0, float(np.max(values))) if values.size else 1.0
    ax.set_xlim(left - 0.35 * scale * (left < 0), right + 0.35 * scale)
    if not ax.yaxis_inverted():  # axes sharing y invert together: once only
        ax.invert_yaxis()  # largest first, at the top


def risk_tornado(results: Results, top: int = TOP_RISKS) -> Figure | None:
    """Each risk's contribution to P80 finish (and to P80 cost when there are costs),
    largest first, from the exclusion ranking. None without a ranking."""
    ranking = results.risk_ranking
    if ranking is None or not ranking.risk_ids:
        return None
    with house_style():
        p = results.scenario.project
        order = ranking.order("finish")[:top]
        finish = np.asarray(ranking.p80_finish_contribution, dtype=float)[order]
        with_cost = results.cost is not None
        fig = new_figure(max(2.2, 1.2 + 0.36 * len(order)))
        labels = [_risk_label(results, ranking.risk_ids[k]) for k in order]
        set_margins(fig, _text_width(fig, labels) + 0.2, 0.2, 0.6, 0.5, wspace=0.08)
        axes = fig.subplots(1, 2 if with_cost else 1, sharey=True, squeeze=False)[0]
        colours = [THREAT if v >= 0 else OPPORTUNITY for v in finish]
        _barh(axes[0], finish, lambda v: f"{v:+.1f} d", colours)
        axes[0].set_yticks(range(len(order)), labels)
        axes[0].set_xlabel("Added to P80 finish (working days)")
        if with_cost:
            cost = np.asarray(ranking.p80_cost_contribution, dtype=float)[order]
            divisor, unit = _money_scale(cost, p.currency)
            _barh(
                axes[1],
                cost,
                lambda v: f"{v:+,.0f}",
                [THREAT if v >= 0 else OPPORTUNITY for v in cost],
            )
            axes[1].set_xlabel(f"Added to P80 cost ({_plain(unit)})" if unit else "Added to cost")
            _money_axis(axes[1].xaxis, divisor)
        shown = "" if len(order) == len(ranking.risk_ids) else f" (top {len(order)} of "
        shown += "" if not shown else f"{len(ranking.risk_ids)})"
        suptitle(fig, f"Which risks push out the P80?{shown}")
        return fig


def top_tasks(results: Results, count: int = TOP_TASKS) -> list[int]:
    """Task indices by decreasing |cruciality| (criticality × sensitivity, NaN as 0),
    then criticality, keeping only tasks that are ever critical or move the finish and
    leaving milestones out: the ranking of ``pmo-sim run`` (``text.crucial_tasks``)."""
    return crucial_tasks(results, count)


def task_tornado(results: Results, top: int = TOP_TASKS) -> Figure | None:
    """Criticality index and duration sensitivity of the tasks that drive the finish
    most (by cruciality). None without task statistics."""
    st = results.task_stats
    chosen = top_tasks(results, top)
    if st is None or not chosen:
        return None
    with house_style():
        tasks = results.scenario.tasks
        fig = new_figure(max(2.2, 1.2 + 0.32 * len(chosen)))
        labels = [
            _plain(t.id if t.name == t.id else _short(t.name, 40))
            for t in (tasks[i] for i in chosen)
        ]
        set_margins(fig, _text_width(fig, labels) + 0.2, 0.2, 0.6, 0.5, wspace=0.08)
        ax_c, ax_s = fig.subplots(1, 2, sharey=True)
        crit = 100.0 * np.asarray(st.criticality, dtype=float)[chosen]
        sens = np.nan_to_num(np.asarray(st.sensitivity, dtype=float)[chosen])
        _barh(ax_c, crit, lambda v: f"{v:.0f}%" if v >= 1 else f"{v:.1f}%", [CURVE] * len(chosen))
        ax_c.set_xlim(0, 118)
        ax_c.set_xlabel("Criticality (% of iterations critical)")
        ax_c.set_yticks(range(len(chosen)), labels)
        _barh(ax_s, sens, lambda v: f"{v:.2f}", [P80 if v >= 0 else POST for v in sens])
        ax_s.set_xlim(min(0.0, float(sens.min()) * 1.3), max(1.0, float(sens.max()) * 1.25))
        ax_s.set_xlabel("Sensitivity (rank correlation with finish)")
        suptitle(
            fig,
            f"Which tasks drive the finish date? (top {len(chosen)} by criticality × sensitivity)",
        )
        return fig


def mitigation_s_curves(pre: Results, post: Results | None) -> Figure | None:
    """Pre- and post-mitigation S-curves of the finish (and of the cost when both runs
    have costs) on one chart, with the deadline, the budget and each run's P80."""
    if post is None:
        return None
    with house_style():
        p = pre.scenario.project
        days = _Days(pre)
        with_cost = pre.cost is not None and post.cost is not None
        fig = new_figure(4.6)
        set_margins(fig, left=0.7, right=0.2, bottom=0.62, top=0.66, wspace=0.3)
        axes = fig.subplots(1, 2 if with_cost else 1, squeeze=False)[0]
        runs = (("Before responses", pre, CURVE), ("After responses", post, POST))

        def panel(ax: Axes, values: list[np.ndarray], target: float | None) -> tuple[float, float]:
            lo, hi = _view(np.concatenate(values), [] if target is None else [target])
            for (label, _r, colour), v in zip(runs, values, strict=True):
                xs, qs = _s_curve(v)
                p80 = float(np.percentile(v, 80))
                ax.plot(xs, qs, color=colour, linewidth=2.0, label=label)
                ax.plot([p80], [80], "o", color=colour, markersize=5)
            ax.axhline(80, color=P80, linewidth=0.9, linestyle=":")
            ax.set_ylim(0, 100)
            ax.set_yticks(range(0, 101, 20))
            return lo, hi

        ax = axes[0]
        lo, hi = panel(
            ax,
            [pre.finish_days, post.finish_days],
            None if p.deadline is None else pre.deadline_days(p.deadline),
        )
        if p.deadline is not None:
            _vline(
                ax,
                pre.deadline_days(p.deadline),
                lo,
                hi,
                color=TARGET,
                linestyle="-.",
                linewidth=1.3,
                label=f"Deadline {_date(p.deadline)}",
            )
        ax.set_ylabel("Probability of finishing by then (%)")
        ax.set_xlabel("Finish date (axis in working days)")
        ax.set_title(
            f"Finish: P80 {days.label(float(pre.percentile(80)))} → "
            f"{days.label(float(post.percentile(80)))}",
            loc="left",
            fontsize=11,
        )
        _date_axis(ax, days, lo, hi)
        ax.legend(loc="lower right")
        if with_cost:
            ax = axes[1]
            divisor, unit = _money_scale(np.concatenate([pre.cost, post.cost]), p.currency)
            lo, hi = panel(ax, [pre.cost, post.cost], p.budget)
            if p.budget is not None:
                _vline(
                    ax,
                    p.budget,
                    lo,
                    hi,
                    color=TARGET,
                    linestyle="-.",
                    linewidth=1.3,
                    label=f"Budget {_money(p.budget, p.currency)}",
                )
            ax.set_xlim(lo, hi)
            _money_axis(ax.xaxis, divisor)
            ax.set_ylabel("Probability of costing at most this (%)")
            ax.set_xlabel(f"Total cost ({_plain(unit)})" if unit else "Total cost")
            a, b = float(pre.cost_percentile(80)), float(post.cost_percentile(80))
            ax.set_title(
                f"Cost: P80 {a:,.0f} → {_money(b, _plain(p.currency))}", loc="left", fontsize=11
            )
            ax.legend(loc="lower right")
        suptitle(fig, "What the risk responses buy (same random numbers before and after)")
        return fig


def assigned_resources(results: Results) -> list[int]:
    """Indices (scenario order) of the resources some task is assigned to: the ones
    with a demand over time to show."""
    used = {a.resource for t in results.scenario.tasks for a in getattr(t, "resources", ())}
    res = results.resources
    return [] if res is None else [k for k, rid in enumerate(res.ids) if rid in used]


def charted_resources(results: Results, top: int = TOP_RESOURCES) -> list[int]:
    """The resources the demand chart draws, in scenario order: every assigned one, or
    with more than ``top`` the busiest (highest peak P80 units over capacity, then
    those without a capacity by peak P80 units). Empty without a demand profile."""
    res = results.resources
    if res is None or res.profile is None:
        return []
    chosen = assigned_resources(results)
    if len(chosen) > top:
        peak = res.profile.p80.max(axis=1, initial=0.0)

        def load(k: int) -> tuple[int, float]:
            cap = res.capacity[k]
            return (0, -peak[k] / cap) if cap is not None else (1, -peak[k])

        chosen = sorted(sorted(chosen, key=load)[:top])
    return chosen


def resource_demand(results: Results, top: int = TOP_RESOURCES) -> Figure | None:
    """Units in use over time of each assigned resource (at most ``top``, one small
    panel each): the P50 and P80 over the iterations per period, as steps over the
    profile's periods, against the resource's capacity. None without resources or a
    demand profile."""
    chosen = charted_resources(results, top)
    if not chosen:
        return None
    res = results.resources
    prof = res.profile
    with house_style():
        days = _Days(results)
        edges = np.asarray(prof.edges, dtype=float)
        cols = 1 if len(chosen) == 1 else 2
        rows = math.ceil(len(chosen) / cols)
        # Inches: each panel's plot area, the gap between rows (title and tick labels),
        # the top (title and legend) and the bottom (the axis label).
        panel, gap, head, foot = 1.75, 0.8, 1.0, 0.75
        fig = new_figure(head + foot + rows * panel + (rows - 1) * gap)
        set_margins(fig, left=0.65, right=0.2, bottom=foot, top=head, wspace=0.22)
        fig.subplots_adjust(hspace=gap / panel)
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for ax in axes[len(chosen) :]:
            ax.set_visible(False)
        for ax, k in zip(axes, chosen, strict=False):
            cap = res.capacity[k]
            ax.stairs(prof.p80[k], edges, color=P80, linewidth=1.8)
            ax.stairs(prof.p50[k], edges, color=P50, linewidth=1.3, linestyle="--")
            if cap is not None:
                ax.axhline(cap, color=TARGET, linestyle="-.", linewidth=1.3)
            high = max(float(prof.p80[k].max(initial=0.0)), cap or 0.0)
            ax.set_ylim(0, 1.18 * high if high > 0 else 1.0)
            ax.set_ylabel("Units in use")
            limit = "no capacity limit" if cap is None else f"capacity {cap:g}"
            ax.set_title(f"{_plain(_short(res.names[k], 36))} ({limit})", loc="left", fontsize=10.5)
            _date_axis(ax, days, float(edges[0]), float(edges[-1]), maxticks=7 if cols == 1 else 5)
        from matplotlib.lines import Line2D

        handles = [
            Line2D([], [], color=P80, linewidth=1.8, label="P80 units in use"),
            Line2D([], [], color=P50, linewidth=1.3, linestyle="--", label="P50 units in use"),
        ]
        if any(res.capacity[k] is not None for k in chosen):
            handles.append(Line2D([], [], color=TARGET, linestyle="-.", label="Capacity"))
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.01, 1 - 0.38 / fig.get_figheight()),
            ncols=len(handles),
            frameon=False,
        )
        fig.supxlabel(
            "Date (axis in working days: weekends and holidays left out)",
            y=0.12 / fig.get_figheight(),
            va="bottom",
            fontsize=10,
        )
        assigned = len(assigned_resources(results))
        shown = "" if len(chosen) == assigned else f" (the {len(chosen)} busiest of {assigned})"
        suptitle(fig, f"Resource demand over time against capacity{shown}")
        return fig


def figures(results: Results, post: Results | None = None) -> dict[str, Figure | None]:
    """Every chart, by name in ``CHARTS`` order; ``None`` where its data is absent
    (``ABSENT[name]`` says why)."""
    return {
        "finish": finish_histogram(results),
        "cost": cost_histogram(results),
        "jcl": jcl_scatter(results),
        "risks": risk_tornado(results),
        "tasks": task_tornado(results),
        "mitigation": mitigation_s_curves(results, post),
        "resources": resource_demand(results),
    }


# Output ---------------------------------------------------------------------------------
def _format(fmt: str) -> str:
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"'format' must be one of {', '.join(FORMATS)} (got {fmt!r})")
    return fmt


def to_bytes(fig: Figure, fmt: str = "png", dpi: float = 150) -> bytes:
    """The figure as PNG or SVG bytes.

    ``dpi`` sets the PNG's pixels (9 in wide at 150 dpi: 1,350 px) and the resolution of
    the rasterised dots inside an SVG scatter; the SVG itself is vector. Output is
    reproducible: no timestamp, stable SVG ids.
    """
    fmt = _format(fmt)
    metadata = {"Date": None} if fmt == "svg" else {"Software": "pmo-sim (matplotlib)"}
    buf = io.BytesIO()
    with house_style():
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata)
    return buf.getvalue()


def save(
    fig: Figure,
    target: str | os.PathLike[str] | IO[bytes],
    fmt: str | None = None,
    dpi: float = 150,
) -> None:
    """Write the figure as PNG or SVG to a path (atomically) or a binary file object.

    ``fmt`` defaults to the path's extension (``.png`` or ``.svg``).
    """
    if fmt is None:
        if not isinstance(target, str | os.PathLike):
            raise ValueError("give 'fmt' (png or svg) when writing to a file object")
        fmt = os.path.splitext(os.fspath(target))[1] or "png"
    data = to_bytes(fig, fmt, dpi)
    if isinstance(target, str | os.PathLike):
        from ..base.files import atomic_write

        atomic_write(target, lambda handle: handle.write(data), binary=True)
    else:
        target.write(data)


__all__ = [
    "ABSENT",
    "CHARTS",
    "cost_histogram",
    "figures",
    "finish_histogram",
    "jcl_scatter",
    "mitigation_s_curves",
    "resource_demand",
    "risk_tornado",
    "save",
    "task_tornado",
    "to_bytes",
]
