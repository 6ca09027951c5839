"""Slow, obviously correct reference implementations, written without looking at pmo_sim.

The critical path method here uses no topological order: it relaxes every link
constraint over and over until nothing changes (Bellman-Ford style), forwards for the
early dates and backwards for the late dates. Working-day calendars are enumerated one
calendar day at a time. Everything is a plain dict keyed by task id.

Link semantics (lag in working days, may be negative or fractional)::

    type  forward (successor j)      backward (predecessor i)
    FS    ES_j >= EF_i + lag         LF_i <= LS_j - lag
    SS    ES_j >= ES_i + lag         LS_i <= LS_j - lag
    FF    EF_j >= EF_i + lag         LF_i <= LF_j - lag
    SF    EF_j >= ES_i + lag         LS_i <= LF_j - lag
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# (predecessor id, successor id, link type, lag)
NaiveLink = tuple[str, str, str, float]


@dataclass
class NaiveSchedule:
    early_start: dict[str, float]
    early_finish: dict[str, float]
    late_start: dict[str, float]
    late_finish: dict[str, float]
    total_float: dict[str, float]
    free_float: dict[str, float]
    finish: float


def _from_end(link_type: str) -> str:
    """Which end of the predecessor a link measures from: 'S' or 'F'."""
    return link_type[0]


def _to_end(link_type: str) -> str:
    """Which end of the successor a link constrains: 'S' or 'F'."""
    return link_type[1]


def naive_cpm(
    durations: dict[str, float],
    links: list[NaiveLink],
    earliest: dict[str, float] | None = None,
) -> NaiveSchedule:
    """Early and late dates, floats and finish by relaxing every constraint to a fixpoint."""
    earliest = earliest or {}
    ids = list(durations)
    es = {t: max(0.0, earliest.get(t, 0.0)) for t in ids}
    ef = {t: es[t] + durations[t] for t in ids}

    for _ in range(len(ids) + 2):
        changed = False
        for pred, succ, kind, lag in links:
            anchor = ef[pred] if _from_end(kind) == "F" else es[pred]
            # An S-end link bounds the start; an F-end link bounds the finish, so the start
            # must be that bound less the successor's duration.
            shift = 0.0 if _to_end(kind) == "S" else durations[succ]
            needed_start = anchor + lag - shift
            if needed_start > es[succ]:
                es[succ] = needed_start
                ef[succ] = needed_start + durations[succ]
                changed = True
        if not changed:
            break
    else:
        raise ValueError("the forward relaxation did not settle: the links have a cycle")

    finish = max(ef.values())
    lf = dict.fromkeys(ids, finish)
    ls = {t: lf[t] - durations[t] for t in ids}
    for _ in range(len(ids) + 2):
        changed = False
        for pred, succ, kind, lag in links:
            limit = ls[succ] - lag if _to_end(kind) == "S" else lf[succ] - lag
            # The limit bounds the predecessor's finish (F-end) or start (S-end).
            shift = 0.0 if _from_end(kind) == "F" else durations[pred]
            allowed_finish = limit + shift
            if allowed_finish < lf[pred]:
                lf[pred] = allowed_finish
                ls[pred] = allowed_finish - durations[pred]
                changed = True
        if not changed:
            break
    else:
        raise ValueError("the backward relaxation did not settle: the links have a cycle")

    total = {t: ls[t] - es[t] for t in ids}
    free = {t: finish - ef[t] for t in ids}
    for pred, succ, kind, lag in links:
        from_value = ef[pred] if _from_end(kind) == "F" else es[pred]
        to_value = es[succ] if _to_end(kind) == "S" else ef[succ]
        free[pred] = min(free[pred], to_value - lag - from_value)
    return NaiveSchedule(es, ef, ls, lf, total, free, finish)


def scenario_inputs(scenario, durations=None) -> tuple[dict[str, float], list[NaiveLink]]:
    """Durations (most likely values unless given, in task order) and links of a Scenario."""
    if durations is None:
        durations = [t.duration.deterministic for t in scenario.tasks]
    dur = {t.id: float(d) for t, d in zip(scenario.tasks, durations, strict=True)}
    links = [
        (link.predecessor, t.id, link.type, float(link.lag))
        for t in scenario.tasks
        for link in t.predecessors
    ]
    return dur, links


# ---------------------------------------------------------------------------------------
# Calendars, by walking one calendar day at a time.

_WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def working_days(
    start: dt.date, count: int, workdays: set[str], holidays: set[dt.date] = frozenset()
) -> list[dt.date]:
    """The first ``count`` working days on or after ``start`` (day 0 first)."""
    days = []
    day = start
    while len(days) < count:
        if _WEEKDAY_NAMES[day.weekday()] in workdays and day not in holidays:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


MON_FRI = {"mon", "tue", "wed", "thu", "fri"}
ALL_DAYS = set(_WEEKDAY_NAMES)
