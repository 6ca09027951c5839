"""Probabilistic and conditional branches: mutually exclusive options of work, exactly
one of which is taken in each iteration.

The tasks of an option not taken do not happen in that iteration: they take no time and
cost nothing, and pass their predecessors' dates through to their successors as
zero-duration tasks would. A *probabilistic* branch takes option k with its
probability (one draw per iteration from the stream ``<project>/branch:<id>``); a
*conditional* branch takes the first option whose condition on the simulated schedule
holds (``when``), or its option without a condition when none does.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from .errors import must
from .fields import as_tuple, probability_field, real_field, text_field

#: The name of the option that takes no tasks (and, without a probability, the rest).
NONE_OPTION = "none"
#: Probabilities of a branch's options sum to 1 within this tolerance.
SUM_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Condition:
    """A condition on the simulated schedule, checked in every iteration once ``task``
    is scheduled: its finish after the end of ``finishes_after`` (a date), or its
    duration (risk impacts included, in working days) above ``duration_above``."""

    task: str
    finishes_after: dt.date | None = None
    duration_above: float | None = None

    def __post_init__(self) -> None:
        text_field("task", self.task)
        given = [k for k in ("finishes_after", "duration_above") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "a condition ('when') needs exactly one of 'finishes_after' (a date) or "
                f"'duration_above' (working days) besides its 'task' (got {given or 'neither'})"
            )
        if self.finishes_after is not None:
            value = self.finishes_after
            if isinstance(value, dt.datetime):
                value = value.date()
            if not isinstance(value, dt.date):
                raise TypeError(must("finishes_after", "a date such as 2027-06-30", value))
            object.__setattr__(self, "finishes_after", value)
        if self.duration_above is not None:
            v = real_field("duration_above", self.duration_above)
            if v < 0:
                raise ValueError(must("duration_above", "0 or more working days", v))
            object.__setattr__(self, "duration_above", v)

    def describe(self) -> str:
        if self.finishes_after is not None:
            return f"{self.task} finishes after {self.finishes_after.isoformat()}"
        return f"{self.task} takes more than {self.duration_above:g} days"


@dataclass(frozen=True)
class BranchOption:
    """One option of a branch: its ``tasks`` happen only in the iterations that take it.

    An option has a ``probability`` (a probabilistic branch) or a condition ``when`` (a
    conditional branch); an option of a conditional branch without one is taken when
    no condition holds. The option named ``"none"`` may leave out its probability: it
    takes what the others leave.
    """

    name: str
    tasks: tuple[str, ...] = ()
    probability: float | None = None
    when: Condition | None = None

    def __post_init__(self) -> None:
        text_field("name", self.name)
        tasks = as_tuple("tasks", self.tasks)
        for i, t in enumerate(tasks):
            text_field(f"tasks[{i + 1}]", t)
        if len(set(tasks)) != len(tasks):
            twice = sorted({t for t in tasks if tasks.count(t) > 1})
            raise ValueError(f"option {self.name!r} lists task {twice[0]!r} twice")
        object.__setattr__(self, "tasks", tasks)
        if self.probability is not None:
            object.__setattr__(
                self, "probability", probability_field("probability", self.probability)
            )
        if self.when is not None and not isinstance(self.when, Condition):
            raise TypeError(must("when", "a Condition", self.when))
        if self.probability is not None and self.when is not None:
            raise ValueError(
                f"option {self.name!r} has both a 'probability' and a condition 'when': a "
                "branch is either probabilistic or conditional"
            )


@dataclass(frozen=True)
class Branch:
    """Mutually exclusive options of work, exactly one taken per iteration."""

    id: str
    options: tuple[BranchOption, ...]
    name: str = ""

    def __post_init__(self) -> None:
        text_field("id", self.id)
        object.__setattr__(self, "name", text_field("name", self.name, allow_empty=True) or self.id)
        options = as_tuple("options", self.options)
        for i, o in enumerate(options):
            if not isinstance(o, BranchOption):
                raise TypeError(must(f"options[{i + 1}]", "a BranchOption", o))
        if not options:
            raise ValueError(must("options", "a non-empty list of options", []))
        object.__setattr__(self, "options", options)
        names = [o.name for o in options]
        for n in names:
            if names.count(n) > 1:
                raise ValueError(f"two options are named {n!r}: give each option its own name")
        seen: dict[str, str] = {}
        for o in options:
            for t in o.tasks:
                if t in seen:
                    raise ValueError(
                        f"task {t!r} is in options {seen[t]!r} and {o.name!r}: a task belongs "
                        "to one option of a branch"
                    )
                seen[t] = o.name
        if self.conditional:
            self._check_conditional()
        else:
            self._check_probabilities()

    @property
    def conditional(self) -> bool:
        return any(o.when is not None for o in self.options)

    def _check_conditional(self) -> None:
        if any(o.probability is not None for o in self.options):
            raise ValueError(
                "a branch is either probabilistic (every option has a 'probability') or "
                "conditional (options have 'when'): this one mixes both"
            )
        otherwise = [o.name for o in self.options if o.when is None]
        if len(otherwise) > 1:
            raise ValueError(
                f"options {otherwise[0]!r} and {otherwise[1]!r} both have no condition: a "
                "conditional branch takes at most one option when no condition holds"
            )

    def _check_probabilities(self) -> None:
        missing = [o.name for o in self.options if o.probability is None]
        if [n for n in missing if n != NONE_OPTION]:
            raise ValueError(
                f"option {missing[0]!r} has no 'probability' (only the option named "
                f"{NONE_OPTION!r} may leave it out: it takes what the others leave)"
            )
        total = math.fsum(o.probability for o in self.options if o.probability is not None)
        if missing:
            if total > 1.0 + SUM_TOLERANCE:
                raise ValueError(
                    f"the options' probabilities sum to {total:.6g}, more than 1: lower them"
                )
        elif abs(total - 1.0) > SUM_TOLERANCE:
            raise ValueError(
                f"the options' probabilities sum to {total:.6g}, not 1: make them sum to 1, "
                f'or add {{ name = "{NONE_OPTION}" }} to take the rest'
            )

    @property
    def probabilities(self) -> tuple[float, ...]:
        """Each option's probability (a probabilistic branch; ``none`` takes the rest)."""
        given = math.fsum(o.probability for o in self.options if o.probability is not None)
        rest = max(0.0, 1.0 - given)
        return tuple(o.probability if o.probability is not None else rest for o in self.options)

    @property
    def task_ids(self) -> tuple[str, ...]:
        return tuple(t for o in self.options for t in o.tasks)

    def describe(self) -> str:
        """One line: the options, with their probabilities or conditions."""
        parts = []
        if self.conditional:
            for o in self.options:
                what = f"if {o.when.describe()}" if o.when is not None else "otherwise"
                parts.append(f"{o.name} {what}")
        else:
            for o, p in zip(self.options, self.probabilities, strict=True):
                parts.append(f"{o.name} {p:.0%}")
        return f"{self.name}: one of " + ", ".join(parts)


def condition_from_mapping(value: Any) -> Condition:
    """A ``Condition`` from a scenario file's ``when = { task = ..., ... }``."""
    if not isinstance(value, dict):
        raise TypeError(
            must("when", 'a table like { task = "test", finishes_after = 2027-06-30 }', value)
        )
    allowed = ("task", "finishes_after", "duration_above")
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ValueError(
            f"unknown key '{unknown[0]}' in 'when'; a condition takes: {', '.join(allowed)}"
        )
    if "task" not in value:
        raise ValueError("'when' needs a 'task': the task whose schedule decides the option")
    return Condition(value["task"], value.get("finishes_after"), value.get("duration_above"))
