"""The risk register: risk events (threats and opportunities), their impacts on tasks,
and their post-mitigation values."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .distributions import Distribution
from .errors import must
from .fields import (
    as_tuple,
    distribution_field,
    probability_field,
    real_field,
    text_field,
    within_amount,
    within_days,
)

RISK_TYPES = ("threat", "opportunity")
#: A risk's place in the register over time (``Risk.status``).
RISK_STATUSES = ("open", "closed", "occurred")
#: Largest duration factor of a risk impact.
MAX_FACTOR = 100.0


@dataclass(frozen=True)
class Impact:
    """What a risk does to its tasks when it occurs.

    ``delay`` adds working days (one draw per iteration, shared by all ``tasks``);
    ``factor`` multiplies each task's sampled duration. At least one is given.
    """

    tasks: tuple[str, ...]
    delay: Distribution | None = None
    factor: Distribution | None = None

    def __post_init__(self) -> None:
        tasks = as_tuple("tasks", self.tasks)
        if not tasks:
            raise ValueError(must("tasks", "a non-empty list of task ids", list(tasks)))
        for i, t in enumerate(tasks):
            text_field(f"tasks[{i + 1}]", t)
        object.__setattr__(self, "tasks", tasks)
        if self.delay is None and self.factor is None:
            raise ValueError(
                "an impact needs a 'delay' (working days) or a 'factor' (duration multiplier)"
            )
        if self.delay is not None:
            object.__setattr__(self, "delay", distribution_field("delay", self.delay))
            delay = self.delay
            within_days("delay", *delay.support, delay.deterministic, delay.as_given)
        if self.factor is not None:
            factor = distribution_field("factor", self.factor)
            lo, hi = factor.support
            if not lo > 0:
                raise ValueError(
                    must("factor", "greater than 0 over its whole range", factor.as_given)
                )
            # Like durations and delays, a factor is bounded: by its upper bound, or by
            # its typical value where the bound is infinite (a lognormal's tail).
            reach = hi if math.isfinite(hi) else factor.deterministic
            if not reach <= MAX_FACTOR:
                raise ValueError(
                    must(
                        "factor",
                        f"at most {MAX_FACTOR:g} (it reaches {reach:.4g}; a risk that "
                        "multiplies work more than that is a new estimate)",
                        factor.as_given,
                    )
                )
            object.__setattr__(self, "factor", factor)

    @property
    def direction(self) -> int:
        """+1 if it can only lengthen work, -1 if it can only shorten it, 0 if it is mixed
        or neutral (a delay of exactly 0 or a factor of exactly 1 fits either type)."""
        signs = set()
        for dist, neutral in ((self.delay, 0.0), (self.factor, 1.0)):
            if dist is None:
                continue
            lo, hi = dist.support
            if lo == hi == neutral:
                continue
            signs.add(1 if lo >= neutral else (-1 if hi <= neutral else 0))
        return signs.pop() if len(signs) == 1 else 0


def _impacts(value: Any) -> tuple[Impact, ...]:
    impacts = as_tuple("impacts", value)
    for i, imp in enumerate(impacts):
        if not isinstance(imp, Impact):
            raise TypeError(must(f"impacts[{i + 1}]", "an Impact", imp))
    return impacts


@dataclass(frozen=True)
class Mitigation:
    """Post-mitigation state of a risk: what the response changes, and what it costs.

    ``None`` fields keep the pre-mitigation value. ``impacts`` merge by task (see
    ``merge_impacts``): they replace the risk's impacts on the tasks they name, and the
    impacts on every other task stay as they were.
    """

    probability: float | None = None
    impacts: tuple[Impact, ...] | None = None
    cost: Distribution | None = None
    response_cost: float = 0.0

    def __post_init__(self) -> None:
        if self.probability is not None:
            object.__setattr__(
                self, "probability", probability_field("probability", self.probability)
            )
        if self.impacts is not None:
            impacts = _impacts(self.impacts)
            if not impacts:
                # Merged by task, an empty list would change nothing: say so rather than
                # keep every impact while the file seems to remove them.
                raise ValueError(
                    must(
                        "impacts",
                        "a non-empty list (mitigated impacts replace the risk's impacts on "
                        "the tasks they name; leave 'impacts' out to keep them all, or give "
                        "a task delay = 0 to take its impact off)",
                        [],
                    )
                )
            object.__setattr__(self, "impacts", impacts)
        if self.cost is not None:
            object.__setattr__(self, "cost", distribution_field("cost", self.cost))
            within_amount("cost", *self.cost.support, self.cost)
            within_amount("cost", self.cost.mean, self.cost.mean, self.cost)
        rc = real_field("response_cost", self.response_cost)
        within_amount("response_cost", rc, rc, rc)
        if rc < 0:
            raise ValueError(must("response_cost", "0 or more", rc))
        object.__setattr__(self, "response_cost", rc)


def merge_impacts(before: tuple[Impact, ...], after: tuple[Impact, ...]) -> tuple[Impact, ...]:
    """The impacts of a risk after mitigation: ``after`` replaces ``before`` task by task.

    A task that some impact of ``after`` names is hit by the impacts of ``after`` that name
    it, and no longer by those of ``before``; every other task keeps its pre-mitigation
    impacts. An impact of ``before`` naming both kinds of task keeps only the tasks
    ``after`` leaves alone. (All impacts of a risk share its one severity draw, so
    narrowing an impact's task list changes nothing on the tasks it keeps.) To take an
    impact off a task, mitigate it to ``delay = 0``.
    """
    named = {t for imp in after for t in imp.tasks}
    kept = []
    for imp in before:
        rest = tuple(t for t in imp.tasks if t not in named)
        if rest == imp.tasks:
            kept.append(imp)
        elif rest:
            kept.append(Impact(rest, imp.delay, imp.factor))
    return (*kept, *after)


@dataclass(frozen=True)
class Risk:
    """A risk event of the register (a threat or an opportunity).

    Each iteration it occurs with ``probability``; when it does, each impact applies to
    its tasks and ``cost`` is added to the project cost. ``status`` follows the register
    from update to update: ``"open"`` (the default) is simulated; a ``"closed"`` risk
    (retired) or one that has ``"occurred"`` (its effect is now in the schedule) stays in
    the register but no longer occurs: it is simulated with probability 0, so switching
    a risk's status changes nothing else in a run (common random numbers).

    ``adds`` names tasks that exist only in the iterations where the risk occurs (an
    *existence risk*; see ``Task.exists``); tasks added by a risk that has occurred
    exist in every iteration. Dependencies make the occurrence conditional, and
    ``probability`` is then the probability given them: ``requires`` (it occurs only if
    all of those occurred), ``excludes`` (never together: it occurs only if none of those
    did), ``probability_if = {R3 = 0.8}`` (its probability when R3 occurred, the highest
    of those given where several did). Each risk keeps its own stream, so switching one
    risk off changes only the risks that depend on it.
    """

    id: str
    probability: float
    impacts: tuple[Impact, ...] = ()
    name: str = ""
    cost: Distribution | None = None
    type: str | None = None
    mitigated: Mitigation | None = None
    status: str = "open"
    adds: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    probability_if: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        text_field("id", self.id)
        self._check_dependencies()
        if self.status not in RISK_STATUSES:
            raise ValueError(must("status", '"open", "closed" or "occurred"', self.status))
        object.__setattr__(self, "name", text_field("name", self.name, allow_empty=True) or self.id)
        object.__setattr__(self, "probability", probability_field("probability", self.probability))
        object.__setattr__(self, "impacts", _impacts(self.impacts))
        if self.cost is not None:
            object.__setattr__(self, "cost", distribution_field("cost", self.cost))
            within_amount("cost", *self.cost.support, self.cost)
            within_amount("cost", self.cost.mean, self.cost.mean, self.cost)
        if not self.impacts and self.cost is None and not self.adds:
            raise ValueError("a risk needs 'impacts' on tasks, a 'cost', tasks it 'adds', or more")
        if self.mitigated is not None and not isinstance(self.mitigated, Mitigation):
            raise TypeError(must("mitigated", "a Mitigation", self.mitigated))
        directions = {imp.direction for imp in self.impacts}
        kind = self.type
        if kind is None:
            kind = "opportunity" if directions == {-1} else "threat"
        if kind not in RISK_TYPES:
            raise ValueError(must("type", '"threat" or "opportunity"', kind))
        bad = 1 if kind == "opportunity" else -1
        if bad in directions:
            rule = (
                "a delay <= 0 or a factor <= 1 for an opportunity"
                if kind == "opportunity"
                else "a delay >= 0 or a factor >= 1 for a threat"
            )
            raise ValueError(must("type", f"consistent with its impacts ({rule})", kind))
        object.__setattr__(self, "type", kind)

    def state(self, mitigated: bool) -> Risk:
        """This risk as it stands before (``False``) or after (``True``) mitigation.

        After mitigation, the mitigated probability and cost replace the risk's own, and
        the mitigated impacts replace its impacts on the tasks they name (``merge_impacts``).
        """
        if not mitigated or self.mitigated is None:
            return self
        m = self.mitigated
        return Risk(
            id=self.id,
            name=self.name,
            probability=self.probability if m.probability is None else m.probability,
            impacts=self.impacts if m.impacts is None else merge_impacts(self.impacts, m.impacts),
            cost=self.cost if m.cost is None else m.cost,
            type=self.type,
            status=self.status,
            adds=self.adds,
            requires=self.requires,
            excludes=self.excludes,
            probability_if=self.probability_if,
        )

    def _check_dependencies(self) -> None:
        for name in ("adds", "requires", "excludes"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)  # requires = "R3"
            value = as_tuple(name, value)
            for i, v in enumerate(value):
                text_field(f"{name}[{i + 1}]", v)
            if len(set(value)) != len(value):
                raise ValueError(must(name, "a list without repeats", list(value)))
            if self.id in value and name != "adds":
                raise ValueError(f"a risk cannot list itself in '{name}'")
            object.__setattr__(self, name, value)
        cond = self.probability_if
        if not isinstance(cond, dict | tuple | list):
            raise TypeError(must("probability_if", "a table like { R3 = 0.8 }", cond))
        pairs = list(cond.items()) if isinstance(cond, dict) else list(cond)
        out = []
        for pair in pairs:
            if not (isinstance(pair, tuple | list) and len(pair) == 2):
                raise TypeError(must("probability_if", "a table like { R3 = 0.8 }", cond))
            rid, p = pair
            text_field("probability_if", rid)
            if rid == self.id:
                raise ValueError("a risk cannot list itself in 'probability_if'")
            out.append((rid, probability_field(f"probability_if.{rid}", p)))
        object.__setattr__(self, "probability_if", tuple(out))
        both = set(self.requires) & set(self.excludes)
        if both:
            raise ValueError(
                f"risk {sorted(both)[0]!r} is both required and excluded: it could never occur"
            )

    @property
    def depends_on(self) -> tuple[str, ...]:
        """The risks whose occurrence this one's depends on (drawn before it)."""
        return tuple(
            dict.fromkeys((*self.requires, *self.excludes, *(r for r, _ in self.probability_if)))
        )

    def describe_dependencies(self) -> str:
        """How this risk's occurrence depends on others, in words ('' when it does not)."""
        parts = []
        if self.requires:
            parts.append("only if " + " and ".join(self.requires) + " occurred")
        if self.excludes:
            parts.append("never with " + ", ".join(self.excludes))
        for rid, p in self.probability_if:
            parts.append(f"{p:.0%} if {rid} occurred")
        return "; ".join(parts)

    @property
    def live_probability(self) -> float:
        """The probability the simulation uses: 0 unless the risk is open."""
        return self.probability if self.status == "open" else 0.0
