"""Weather calendars as the kernels take them (see ``model.weather`` for the rules).

A calendar with weather gets an index ``w``; its *own days* are its working days in the
tables' span, numbered from 0 (own time ``q .. q + 1`` is its q-th working day), so the
working days of a month are a run of consecutive own days. Each period of each rule
(every month a ``months`` rule names, from the project start's month to the end of the
tables' span, or a rule's date range) is one row of the period arrays: its first own
day, its number of working days, the row of its loss distribution, and whether the
loss is a share. The kernels draw every period's loss per iteration and mark the lost
own days (``kernels.weather``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..model.scenario import Scenario
from ..scheduling.timeline import GeneralModel
from .quantiles import Packer


@dataclass(frozen=True)
class WeatherModel:
    """``task_weather[k]``: the weather index of the task at model position ``k`` (-1:
    none); per weather calendar ``w``: its table ``w_cal[w]`` (-1: the timeline), own
    days in the span ``w_days[w]``, ``w_block[w]`` 1 for one block of lost days a period;
    per period ``p``: ``p_w``, ``p_q0`` (first own day), ``p_len`` (working days),
    ``p_row`` (loss distribution row), ``p_share`` (1: a share of ``p_len``), ``p_scale``
    (the loss of a month the project starts in, scaled to its part after the start), and
    its stream name."""

    task_weather: np.ndarray
    names: tuple[str, ...]
    w_cal: np.ndarray
    w_days: np.ndarray
    w_block: np.ndarray
    p_w: np.ndarray
    p_q0: np.ndarray
    p_len: np.ndarray
    p_row: np.ndarray
    p_share: np.ndarray
    p_scale: np.ndarray
    p_names: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.names)

    @property
    def max_days(self) -> int:
        return int(self.w_days.max()) if self.w_days.size else 0

    def arrays(self, keys: np.ndarray) -> tuple:
        return (
            self.task_weather,
            self.w_cal,
            self.w_days,
            self.w_block,
            (self.p_w, self.p_q0, self.p_len, self.p_row, self.p_share, self.p_scale, keys),
        )


def has_weather(scenario: Scenario) -> bool:
    """True when some task's calendar has weather."""
    p = scenario.project
    return any(p.calendar_of(t.calendar).weather for t in scenario.tasks)


def no_weather(n: int) -> WeatherModel:
    """The arrays of a model without weather."""
    zi = np.zeros(0, dtype=np.int64)
    return WeatherModel(
        np.full(n, -1, dtype=np.int64),
        (),
        zi,
        zi,
        zi,
        zi,
        zi,
        zi,
        zi,
        zi,
        np.zeros(0),
        (),
    )


def _months(first: dt.date, last: dt.date):
    y, m = first.year, first.month
    while dt.date(y, m, 1) <= last:
        start = dt.date(y, m, 1)
        end = dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
        yield y, m, start, end
        y, m = y + (m == 12), m % 12 + 1


def weather_model(
    scenario: Scenario, general: GeneralModel, order: np.ndarray, packer: Packer
) -> WeatherModel:
    """The ``WeatherModel`` of ``scenario`` on the general model's tables."""
    p = scenario.project
    tasks = [scenario.tasks[i] for i in order]
    names_of = {}
    for name, cal in p.calendars:
        names_of.setdefault(cal, name)
    tables = general.tables
    timeline = scenario.timeline
    day0 = timeline.first_working_day(p.start)
    span = tables.span
    last_day = np.busday_offset(day0, span - 1, roll="forward", busdaycal=timeline.busdaycalendar)
    last = last_day.astype(dt.date)
    index: dict[int, int] = {}
    w_cal, w_days, w_block, names = [], [], [], []
    task_weather = np.full(len(tasks), -1, dtype=np.int64)
    p_w, p_q0, p_len, p_row, p_share, p_scale, p_names = [], [], [], [], [], [], []

    def timeline_index(date: dt.date) -> int:
        i = int(np.busday_count(day0, np.datetime64(date, "D"), busdaycal=timeline.busdaycalendar))
        return min(max(i, 0), span)

    for k, t in enumerate(tasks):
        cal = p.calendar_of(t.calendar)
        if not cal.weather:
            continue
        c = int(general.task_cal[k])
        if c not in index:
            w = len(w_cal)
            index[c] = w
            name = names_of.get(cal, "project")
            names.append(name)
            w_cal.append(c)
            cum = tables.cum[c] if c >= 0 else np.arange(span + 1, dtype=float)
            w_days.append(int(cum[span]))
            w_block.append(1 if cal.weather_pattern == "block" else 0)
            for r, loss in enumerate(cal.weather):
                row = packer.add(loss.amount)
                if loss.months:
                    periods = [
                        (f"{y}-{m:02d}", a, b)
                        for y, m, a, b in _months(p.start, last)
                        if m in loss.months
                    ]
                else:
                    periods = [(f"{loss.start}", loss.start, loss.end)]
                for label, a, b in periods:
                    lo = timeline_index(max(a, p.start))
                    hi = timeline_index(b + dt.timedelta(days=1))
                    q0, q1 = int(cum[lo]), int(cum[hi])
                    if q1 <= q0:
                        continue
                    scale = 1.0
                    if loss.months and a < p.start and loss.lost_days is not None:
                        # Only part of the month falls after the start: its share of the
                        # month's working days loses its share of the days.
                        whole = int(cum[hi]) - int(cum[timeline_index(a)])
                        full = int(
                            np.busday_count(
                                a, b + dt.timedelta(days=1), busdaycal=cal.busdaycalendar
                            )
                        )
                        scale = (q1 - q0) / max(full, 1) if whole < full else 1.0
                    p_w.append(w)
                    p_q0.append(q0)
                    p_len.append(q1 - q0)
                    p_row.append(row)
                    p_share.append(1 if loss.lost_share is not None else 0)
                    p_scale.append(scale)
                    p_names.append(f"weather:{name}/{r + 1}/{label}")
        task_weather[k] = index[c]
    i64 = np.int64
    return WeatherModel(
        task_weather=task_weather,
        names=tuple(names),
        w_cal=np.array(w_cal, dtype=i64),
        w_days=np.array(w_days, dtype=i64),
        w_block=np.array(w_block, dtype=i64),
        p_w=np.array(p_w, dtype=i64),
        p_q0=np.array(p_q0, dtype=i64),
        p_len=np.array(p_len, dtype=i64),
        p_row=np.array(p_row, dtype=i64),
        p_share=np.array(p_share, dtype=i64),
        p_scale=np.array(p_scale, dtype=np.float64),
        p_names=tuple(p_names),
    )


def weather_days_lost(
    model, seed: int, lhs: bool, finish: np.ndarray, block: int = 512
) -> np.ndarray:
    """(weather calendars, iterations): working days each weather calendar of ``model``
    (a ``CompiledModel``) lost before the project finish, iteration by iteration, from
    the simulation's own draws."""
    from .kernels.weather import days_lost

    wm = model.logic.weather
    n = finish.size
    out = np.zeros((wm.size, n))
    args = model.kernel_args(seed)
    logic = model.logic_args(seed)
    cal = args[7]
    n_w, n_q = model.weather_shape
    TMP = np.empty(block)
    CUM = np.empty((n_w, n_q, block), dtype=np.int32)
    INV = np.empty((n_w, n_q, block), dtype=np.int32)
    for i0 in range(0, n, block):
        m = min(block, n - i0)
        days_lost(i0, m, lhs, args[1], logic[5], cal, TMP, CUM, INV, finish, out)
    return out
