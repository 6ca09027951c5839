"""Charts of a project's confidence trend (``pmo_sim.history.trend``): the fan chart of
the finish percentiles against the data date, the deadline probability over time, and
the risk drawdown stacked by risk. Same house style and output as ``plots``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from ..history.trend import Update
from .plots import CURVE, P80, TARGET, house_style, new_figure, set_margins

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Risks named in the drawdown chart; the rest are summed as "other risks".
TOP_DRAWDOWN = 8
#: Inches below the axes for slanted dates and the axis label.
DATE_AXIS_BOTTOM = 1.15


def _dates(updates: list[Update]) -> list[dt.date]:
    return [u.run.data_date for u in updates]


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def _date_axis(fig: Figure, left: float, right: float, top: float) -> None:
    """Slanted data dates under the axis, with room for them and the axis label:
    ``autofmt_xdate`` sets its own bottom margin (a fifth of the height), too little
    for a short chart, so the fixed margins are set after it."""
    fig.autofmt_xdate()
    set_margins(fig, left, right, DATE_AXIS_BOTTOM, top)


def finish_fan(updates: list[Update], deadline: str | None = None) -> Figure:
    """P10-P90 and P50/P80 finish dates at each data date, with the deadline."""
    with house_style():
        fig = new_figure(4.2)
        ax = fig.add_subplot()
        x = _dates(updates)
        lo = [_day(u.finish_date("10")) for u in updates]
        hi = [_day(u.finish_date("90")) for u in updates]
        ax.fill_between(x, lo, hi, color="#a9c6e8", alpha=0.8, label="P10-P90")
        ax.plot(
            x, [_day(u.finish_date("50")) for u in updates], color=CURVE, marker="o", label="P50"
        )
        ax.plot(x, [_day(u.finish_date("80")) for u in updates], color=P80, marker="o", label="P80")
        if deadline:
            ax.axhline(_day(deadline), color=TARGET, linestyle="--", label=f"deadline {deadline}")
        ax.set_title("Finish date forecast by data date", loc="left")
        ax.set_xlabel("data date")
        ax.set_ylabel("finish date")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        _date_axis(fig, 1.4, 2.1, 0.5)
        return fig


def deadline_probability(updates: list[Update]) -> Figure | None:
    """The probability of meeting the deadline at each data date (None without one)."""
    points = [(u.run.data_date, u.p_deadline) for u in updates if u.p_deadline is not None]
    if not points:
        return None
    with house_style():
        fig = new_figure(3.4)
        ax = fig.add_subplot()
        ax.plot([d for d, _ in points], [100 * p for _, p in points], color=CURVE, marker="o")
        ax.set_ylim(0, 100)
        ax.set_ylabel("P(deadline met), %")
        ax.set_xlabel("data date")
        ax.set_title("Probability of meeting the deadline", loc="left")
        _date_axis(fig, 1.0, 0.3, 0.5)
        return fig


def risk_drawdown(updates: list[Update], top: int = TOP_DRAWDOWN) -> Figure | None:
    """The open risks' P80 finish contributions at each data date, stacked by risk
    (None when no run was ranked)."""
    ids: dict[str, float] = {}
    for u in updates:
        for rid, v in u.drawdown.items():
            ids[rid] = max(ids.get(rid, 0.0), v)
    # A risk that never adds to the P80 (a zero in every update) has no band to show.
    ids = {rid: v for rid, v in ids.items() if v > 0}
    if not ids:
        return None
    ranked = sorted(ids, key=lambda rid: -ids[rid])
    named, rest = ranked[:top], ranked[top:]
    rows = [np.array([u.drawdown.get(rid, 0.0) for u in updates]) for rid in named]
    labels = list(named)
    if rest:
        rows.append(np.array([sum(u.drawdown.get(rid, 0.0) for rid in rest) for u in updates]))
        labels.append(f"{len(rest)} other risks")
    with house_style():
        fig = new_figure(4.0)
        ax = fig.add_subplot()
        ax.stackplot(_dates(updates), *rows, labels=labels, alpha=0.85)
        ax.set_ylabel("P80 finish contribution, working days")
        ax.set_xlabel("data date")
        ax.set_title("Risk drawdown: outstanding exposure of open risks", loc="left")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        _date_axis(fig, 1.0, 2.0, 0.5)
        return fig


def trend_figures(updates: list[Update], deadline: str | None = None) -> dict[str, Figure | None]:
    """The trend charts by file stem: ``trend-finish``, ``trend-deadline``,
    ``trend-drawdown`` (None where there is nothing to draw)."""
    return {
        "trend-finish": finish_fan(updates, deadline),
        "trend-deadline": deadline_probability(updates),
        "trend-drawdown": risk_drawdown(updates),
    }
