"""Field validators shared by the value objects: each returns the field's value in its
canonical type or raises ``TypeError``/``ValueError`` in the house wording
(``'<field>' must be <rule> (got <value>)``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .distributions import Distribution, distribution_from_mapping
from .errors import must


def text_field(name: str, value: Any, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise TypeError(must(name, "a string", value))
    if not allow_empty and not value.strip():
        raise ValueError(must(name, "a non-empty string", value))
    return value


def real_field(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(must(name, "a number", value))
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(must(name, "a finite number", value))
    return value


#: Working days a duration, lag or delay may reach (about 380 years): beyond it dates
#: leave the calendar's range and only a mistyped unit (hours for days, a stray
#: exponent) gets there.
MAX_DAYS = 100_000.0


def within_days(name: str, lo: float, hi: float, typical: float, given: Any) -> None:
    """Refuse working days beyond ``MAX_DAYS``: a finite bound of the range, or its
    typical value (mean or mode) where a bound is infinite (a normal's tails)."""
    reach = max((abs(x) for x in (lo, hi, typical) if math.isfinite(x)), default=0.0)
    if reach > MAX_DAYS:
        raise ValueError(
            must(
                name,
                f"at most {MAX_DAYS:,.0f} working days: it reaches {reach:.4g} "
                "(a duration in hours or minutes given as days?)",
                given,
            )
        )


#: Money a cost, a rate per working day or a risk's cost may reach: a thousand trillion.
#: Beyond it sums over tasks and iterations overflow to infinity, and only a stray
#: exponent gets there.
MAX_AMOUNT = 1e15


def within_amount(name: str, lo: float, hi: float, given: Any) -> None:
    """Refuse money beyond ``MAX_AMOUNT`` (the finite bounds of a range, or a number)."""
    reach = max((abs(x) for x in (lo, hi) if math.isfinite(x)), default=0.0)
    if reach > MAX_AMOUNT:
        raise ValueError(must(name, f"at most {MAX_AMOUNT:.0e} (it reaches {reach:.4g})", given))


def as_tuple(name: str, value: Any) -> tuple:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(must(name, "a list", value))
    return tuple(value)


def distribution_field(name: str, value: Any) -> Distribution:
    try:
        return distribution_from_mapping(value, name)
    except (TypeError, ValueError) as exc:
        # Say which field the distribution belongs to.
        raise type(exc)(f"{name}: {exc}") from None


def probability_field(name: str, value: Any) -> float:
    p = real_field(name, value)
    if not 0.0 <= p <= 1.0:
        raise ValueError(must(name, "between 0 and 1", p))
    return p
