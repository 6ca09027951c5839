"""The schedule health check (``scheduling.health``) as a text table."""

from __future__ import annotations

from ..scheduling.health import Assessment
from .text import table


def render(assessment: Assessment) -> str:
    """The assessment as a text table, with offenders and skip reasons below it."""

    rows = []
    for m in assessment.metrics:
        offenders = ", ".join(m.offenders[:5]) + (
            f" (+{len(m.offenders) - 5})" if len(m.offenders) > 5 else ""
        )
        rows.append([str(m.number), m.name, m.threshold, m.measured(), m.result, offenders])
    out = [
        table(
            ["#", "metric", "threshold", "measured", "result", "offending tasks"], rows, right=set()
        )
    ]
    c = assessment.counts()
    out.append(
        f"\n{c['pass']} passed, {c['fail']} failed, {c['skipped']} skipped "
        f"(float from {assessment.float_source})"
    )
    for m in assessment.metrics:
        if m.skipped:
            out.append(f"  {m.number}. {m.name}: skipped: {m.skipped}")
    for n in assessment.notes:
        out.append(f"note: {n}")
    return "\n".join(out)
