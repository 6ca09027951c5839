"""The schedule health check (``scheduling.health``) as a text table.

The table fits the output width (``text.output_width``: the terminal's, ``COLUMNS``, or
100 columns when stdout is not a terminal). When the natural table is too wide, the
threshold and offending-task cells wrap onto continuation lines; when that leaves too
little room, the offending tasks move below the table, one line per metric, and only
then do metric names wrap. The number, measured value and result are never wrapped or
cut; below about 60 columns the lines run longer than the width rather than lose them.
"""

from __future__ import annotations

from ..scheduling.health import Assessment, Metric
from .text import output_width, table

HEADERS = ["#", "metric", "threshold", "measured", "result", "offending tasks"]
#: The layouts tried in turn until one fits: whether the offending tasks stay a column,
#: and the columns that may wrap with the narrowest each may get (a column this narrow
#: still holds the longest word of a metric name or threshold, "(finish-to-start").
_LAYOUTS = (
    (True, {2: 16, 5: 30}),
    (False, {2: 15}),
    (False, {1: 16, 2: 15}),
)
GAP = 2


def _offenders(m: Metric) -> list[str]:
    """The first five offenders, comma-separated, then how many more: wrappable pieces."""
    shown = [f"{o}," for o in m.offenders[:5]]
    if shown:
        shown[-1] = shown[-1][:-1]
    if len(m.offenders) > 5:
        shown.append(f"(+{len(m.offenders) - 5})")
    return shown


def _pack(pieces: list[str], width: int, rest: int | None = None, cut: bool = True) -> list[str]:
    """Pieces joined by spaces into lines of at most ``width`` (``rest`` after the first
    line); a piece longer than a line gets a line of its own, cut to the width when
    ``cut``, else left whole."""
    lines: list[str] = []
    line = ""
    for piece in pieces:
        room = width if not lines else (rest or width)
        candidate = f"{line} {piece}" if line else piece
        if len(candidate) <= room:
            line = candidate
            continue
        if line:
            lines.append(line)
            room = rest or width
        while cut and len(piece) > room:
            lines.append(piece[:room])
            piece = piece[room:]
        line = piece
    return [*lines, line]


def _widths(cells: list[list[str]], limit: int, wrap: dict[int, int]) -> list[int] | None:
    """Column widths within ``limit``, narrowing the widest wrappable column first down to
    its minimum; None when the minimums do not fit."""
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    excess = sum(widths) + GAP * (len(widths) - 1) - limit
    while excess > 0:
        open_ = [i for i, low in wrap.items() if widths[i] > max(low, len(cells[0][i]))]
        if not open_:
            return None
        widest = max(open_, key=lambda i: (widths[i], i))
        widths[widest] -= 1
        excess -= 1
    return widths


def _wrapped(cells: list[list[str]], widths: list[int], pieces: dict[int, list[list[str]]]):
    """Each row as its lines: wrappable cells packed into their widths, the others as is."""
    rows = []
    for r, row in enumerate(cells[1:]):
        columns = [
            _pack(pieces[i][r], widths[i]) if i in pieces else [cell] for i, cell in enumerate(row)
        ]
        depth = max(len(c) for c in columns)
        for k in range(depth):
            rows.append([c[k] if k < len(c) else "" for c in columns])
    return rows


def _indented(lead: str, pieces: list[str], width: int) -> list[str]:
    """A line below the table: ``lead`` and the pieces, wrapped to ``width`` with a
    hanging indent; a piece (an offender with its link type, a path) is never split."""
    line = lead + " ".join(pieces)
    if len(line) <= width:
        return [line]
    hang = " " * 6
    lines = _pack(pieces, width - len(lead), width - len(hang), cut=False)
    return [lead + lines[0]] + [hang + x for x in lines[1:]]


def render(assessment: Assessment, width: int | None = None) -> str:
    """The assessment as a text table, with offenders and skip reasons below it.

    Parameters
    ----------
    assessment : Assessment
        What ``scheduling.health.assess`` returned.
    width : int, optional
        Columns to fit; by default the output width (``text.output_width``).
    """
    limit = output_width() if width is None else width
    metrics = assessment.metrics
    offenders = [_offenders(m) for m in metrics]
    rows = [
        [str(m.number), m.name, m.threshold, m.measured(), m.result, " ".join(o)]
        for m, o in zip(metrics, offenders, strict=True)
    ]
    pieces = {
        1: [m.name.split(" ") for m in metrics],
        2: [m.threshold.split(" ") for m in metrics],
        5: offenders,
    }
    widths = _widths([HEADERS, *rows], limit, {})
    below = False
    if widths is not None:
        body = table(HEADERS, rows, right=set())
    else:
        for keep, wrap in _LAYOUTS:
            below = not keep
            cells = [HEADERS, *rows] if keep else [HEADERS[:5], *(row[:5] for row in rows)]
            widths = _widths(cells, limit, wrap)
            if widths is not None:
                break
        else:  # narrower than the last layout's minimums: let the lines run long
            widths = [max(len(c[i]) for c in cells) for i in range(5)]
            for i, low in wrap.items():
                widths[i] = min(widths[i], max(low, len(cells[0][i])))
        shown = {i: p for i, p in pieces.items() if i in wrap}
        body = table(cells[0], _wrapped(cells, widths, shown), right=set())
    c = assessment.counts()
    summary = (
        f"{c['pass']} passed, {c['fail']} failed, {c['skipped']} skipped "
        f"(float from {assessment.float_source})"
    )
    out = [body, "", *_indented("", summary.split(" "), limit)]
    for m, o in zip(metrics, offenders, strict=True):
        lead = f"  {m.number}. "
        if below and o:
            out += _indented(lead, [*f"{m.name}: offending tasks:".split(" "), *o], limit)
        if m.skipped:
            out += _indented(lead, f"{m.name}: skipped: {m.skipped}".split(" "), limit)
    for n in assessment.notes:
        out += _indented("note: ", n.split(" "), limit)
    return "\n".join(out)
