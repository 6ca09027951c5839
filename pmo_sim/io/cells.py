"""Spreadsheet-safe CSV: text that a spreadsheet would run as a formula is neutralised.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (CSV or formula injection): a task named
``=HYPERLINK("http://x","y")`` would become a live link, ``+cmd|' /C calc'!A0`` a
command. Every text cell that starts so gets a leading single quote (the OWASP rule),
which the spreadsheet shows as text and drops from the value. Numbers stay numbers: a
cell that is a number (an ``int``, a ``float``, or text that is a plain number such as
``-1.5e3``) is written as it is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as a CSV cell no spreadsheet runs as a formula."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV document (header, then rows), every text cell made spreadsheet-safe."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([spreadsheet_safe(v) for v in header])
    w.writerows([spreadsheet_safe(v) for v in row] for row in rows)
    return out.getvalue()
