"""Three-point ranges applied in bulk to an imported schedule's single-point durations.

An imported schedule has one duration per task. Risk analysts give them ranges by rules
rather than one by one: "civil works -10% / +30%, design -5% / +15%". A rules file holds
``[[ranges]]`` entries::

    [[ranges]]                 # every task
    min = 90                   # percent of the remaining duration
    mode = 100
    max = 120
    dist = "triangular"        # triangular (default), pert, uniform, trigen or fixed

    [[ranges]]
    wbs = "TP.CIVIL"           # WBS path prefix
    name = "*excavat*"         # name glob (case-insensitive); id globs with `id`
    min = 95
    max = 150

A rule selects a task when every selector it gives matches (``id``: glob on the task id;
``name``: case-insensitive glob on the name; ``wbs``: the task's WBS path equals the
prefix or continues it after ``.``; ``calendar``: the task's calendar: its id or name in
the schedule file, or its name in the scenario). A
rule without selectors selects every task. Later rules override earlier ones, so write
the general rule first. ``min``/``mode``/``max`` are percentages of the task's remaining
duration (``mode`` defaults to 100); trigen reads them as its low/mode/high, with
``low_pct``/``high_pct``; pert takes ``lambda``; uniform uses ``min`` and ``max``.
``fixed`` keeps the single-point duration (to exempt tasks from an earlier rule).
Zero-duration tasks (milestones) keep no range. A task that already has a three-point
estimate of its own (a task table's ``min``/``mode``/``max`` or ``dist`` columns) keeps
it unless the rule says ``override = true``; either way the hit says which rule matched.
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ...model.distributions import Distribution, Pert, Triangular, Trigen, Uniform
from ...model.errors import Problem, ScenarioError, must
from ...model.scenario import Scenario
from .common import ImportedSchedule, read_bytes

SELECTORS = ("id", "name", "wbs", "calendar")
VALUES = ("min", "mode", "max", "dist", "lambda", "low_pct", "high_pct", "override")
FAMILIES = ("triangular", "pert", "uniform", "trigen", "fixed")


@dataclass(frozen=True)
class RangeRule:
    """One ``[[ranges]]`` entry: which tasks, and the range as percentages."""

    index: int
    selectors: tuple[tuple[str, str], ...]
    min: float = 100.0
    mode: float = 100.0
    max: float = 100.0
    dist: str = "triangular"
    extra: tuple[tuple[str, float], ...] = ()
    #: Replace a task's own three-point estimate too (by default it is kept).
    override: bool = False

    @property
    def label(self) -> str:
        what = ", ".join(f"{k} {v!r}" for k, v in self.selectors) or "all tasks"
        return f"ranges[{self.index}] ({what})"

    def matches(self, task: Any, calendar: tuple[str, ...] = ()) -> bool:
        for kind, pattern in self.selectors:
            if kind == "id" and not fnmatch.fnmatchcase(task.id, pattern):
                return False
            if kind == "name" and not fnmatch.fnmatchcase(task.name.lower(), pattern.lower()):
                return False
            if kind == "wbs":
                wbs = task.wbs
                if not (wbs == pattern or wbs.startswith(pattern.rstrip(".") + ".")):
                    return False
            if kind == "calendar" and pattern not in calendar:
                return False
        return True

    def distribution(self, duration: float) -> Distribution | float:
        """The range for a task whose remaining duration is ``duration`` working days."""
        lo, ml, hi = (duration * x / 100.0 for x in (self.min, self.mode, self.max))
        extra = dict(self.extra)
        if self.dist == "fixed" or duration == 0.0:
            return duration
        if self.dist == "uniform":
            return Uniform(lo, hi)
        if self.dist == "pert":
            return Pert(lo, ml, hi, lam=extra.get("lambda", 4.0))
        if self.dist == "trigen":
            kw = {k: v for k, v in extra.items() if k in ("low_pct", "high_pct")}
            return Trigen(lo, ml, hi, **kw)
        return Triangular(lo, ml, hi)


def parse_rules(doc: Mapping[str, Any], source: str | None = None) -> list[RangeRule]:
    """Rules from a parsed TOML document with ``[[ranges]]`` entries; every problem at once."""
    problems: list[Problem] = []
    unknown_top = [k for k in doc if k != "ranges"]
    if unknown_top:
        problems.append(
            Problem("", f"unknown table {unknown_top[0]!r}: a rules file holds [[ranges]] entries")
        )
    entries = doc.get("ranges", [])
    if not isinstance(entries, list) or not entries:
        problems.append(Problem("ranges", "the file needs at least one [[ranges]] entry"))
        raise ScenarioError(problems, source)
    rules = []
    for i, table in enumerate(entries, start=1):
        where = f"ranges[{i}]"
        if not isinstance(table, Mapping):
            problems.append(Problem(where, must("ranges", "a table", table)))
            continue
        bad = [k for k in table if k not in SELECTORS + VALUES]
        if bad:
            problems.append(
                Problem(
                    where,
                    f"unknown key {bad[0]!r}; a range rule takes {', '.join(SELECTORS + VALUES)}",
                )
            )
            continue
        selectors = []
        for k in SELECTORS:
            if k in table:
                if not isinstance(table[k], str) or not table[k]:
                    problems.append(Problem(where, must(k, "a non-empty string", table[k])))
                selectors.append((k, str(table[k])))
        override = table.get("override", False)
        if not isinstance(override, bool):
            problems.append(Problem(where, must("override", "true or false", override)))
            continue
        dist = table.get("dist", "triangular")
        if dist not in FAMILIES:
            problems.append(Problem(where, must("dist", f"one of {', '.join(FAMILIES)}", dist)))
            continue
        numbers = {}
        for k in ("min", "mode", "max", "lambda", "low_pct", "high_pct"):
            if k in table:
                v = table[k]
                if isinstance(v, bool) or not isinstance(v, int | float):
                    problems.append(Problem(where, must(k, "a number", v)))
                else:
                    numbers[k] = float(v)
        if dist != "fixed":
            missing = [k for k in ("min", "max") if k not in numbers]
            if missing:
                problems.append(
                    Problem(
                        where,
                        f"'{missing[0]}' is required: a percentage of the remaining duration",
                    )
                )
                continue
        lo, ml, hi = (
            numbers.get("min", 100.0),
            numbers.get("mode", 100.0),
            numbers.get("max", 100.0),
        )
        if dist == "uniform":
            ml = (lo + hi) / 2
        if dist != "fixed":
            if lo < 0:
                problems.append(Problem(where, must("min", "0 or more (percent)", lo)))
                continue
            if not hi > lo:
                problems.append(Problem(where, must("max", f"greater than 'min' ({lo:g})", hi)))
                continue
            if not lo <= ml <= hi:
                problems.append(
                    Problem(where, must("mode", f"between 'min' ({lo:g}) and 'max' ({hi:g})", ml))
                )
                continue
        extra = tuple((k, numbers[k]) for k in ("lambda", "low_pct", "high_pct") if k in numbers)
        rules.append(RangeRule(i, tuple(selectors), lo, ml, hi, dist, extra, override))
    if problems:
        raise ScenarioError(problems, source)
    return rules


def read_rules(path: str | os.PathLike[str]) -> list[RangeRule]:
    """Read a TOML rules file of ``[[ranges]]`` entries."""
    source = os.fspath(path)
    raw = read_bytes(path)
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError("the rules file is not UTF-8 text", source) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"not valid TOML: {exc}", source) from None
    return parse_rules(doc, source)


#: ``RangeHit.kept`` of a task whose own three-point estimate a rule did not override.
OWN_ESTIMATE = "its own estimate"


@dataclass(frozen=True)
class RangeHit:
    """Which rule set a task's range, and the range it set (None: none did; ``kept``
    says why: no rule matched, the task is complete or a milestone, or it has its own
    estimate, ``OWN_ESTIMATE``). ``matched`` is the rule that selected a task it did not
    set (the last one)."""

    task: str
    rule: RangeRule | None
    duration: Distribution | float
    kept: str = "no rule matched"
    matched: RangeRule | None = None

    @property
    def source(self) -> str:
        """Where the task's duration came from, in words (``ranges[2] (wbs 'P.CIV')``)."""
        if self.rule is not None:
            return self.rule.label
        if self.kept == OWN_ESTIMATE and self.matched is not None:
            return (
                f"{self.matched.label} matched, but the task's own estimate was kept "
                "(override = true replaces it)"
            )
        return f"none ({self.kept}; kept as is)"


def apply_ranges(
    scenario: Scenario, rules: Sequence[RangeRule], imported: ImportedSchedule | None = None
) -> tuple[Scenario, list[RangeHit]]:
    """The scenario with each task's duration replaced by the last matching rule's range.

    The remaining duration is the task's current deterministic duration; tasks no rule
    matches keep their duration, and so does a task with a three-point estimate of its
    own (any duration with a range) unless the rule has ``override = true``. Returns the
    new scenario and, per task, the rule that hit.
    """
    calendars: dict[str, tuple[str, ...]] = {}
    if imported is not None:
        for t in imported.tasks:
            info = imported.calendars.get(t.calendar)
            named = imported.calendar_names.get(t.calendar, "")
            calendars[t.id] = (t.calendar, info.name if info else "", named)
            if t.file_calendar:  # narrowed to its resources' days: the file's own counts too
                own = imported.calendars.get(t.file_calendar)
                calendars[t.id] += (t.file_calendar, own.name if own else "")
    tasks, hits = [], []
    problems = []
    for task in scenario.tasks:
        chosen = None
        for rule in rules:
            if rule.matches(task, calendars.get(task.id, (task.calendar,))):
                chosen = rule
        base = task.duration.deterministic
        own = not task.duration.is_degenerate  # the schedule's own three-point estimate
        if (
            chosen is None
            or task.status == "complete"
            or (task.milestone and base == 0.0)
            or (own and not chosen.override)
        ):
            # Complete tasks and milestones keep no range, whatever rule selects them.
            kept = (
                "no rule matched"
                if chosen is None
                else "complete"
                if task.status == "complete"
                else "a milestone"
                if task.milestone and base == 0.0
                else OWN_ESTIMATE
            )
            tasks.append(task)
            hits.append(RangeHit(task.id, None, task.duration, kept, chosen))
            continue
        try:
            dist = chosen.distribution(base)
            ranged = replace(task, duration=dist)  # the task's own checks run again
        except (TypeError, ValueError) as exc:
            problems.append(Problem(f"{chosen.label}, task {task.id!r}", str(exc)))
            continue
        tasks.append(ranged)
        hits.append(RangeHit(task.id, chosen, dist))
    if problems:
        raise ScenarioError(problems)
    return replace(scenario, tasks=tuple(tasks)), hits
