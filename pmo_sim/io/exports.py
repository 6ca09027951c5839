"""Files for other tools: the results JSON, per-iteration CSV, per-task P-dates CSV.

Every file is written atomically (``base.files.atomic_write``): an interrupted run never
leaves a half-written file, and an existing file is only replaced once the new one is
complete.
"""

from __future__ import annotations

import json
import os

from ..base.files import atomic_write
from ..model.calendar import iso
from ..results.simulation import Results
from .cells import csv_text


def write_json(results: Results, path: str | os.PathLike[str], *, force: bool = False) -> None:
    """The ``run --json`` document (``force``: replace a read-only file)."""
    text = json.dumps(results.to_dict(), indent=2) + "\n"
    atomic_write(path, lambda h: h.write(text), force=force)


def iterations_csv(results: Results) -> str:
    """One row per iteration: finish days and date, total cost, each risk's occurrence,
    the option each branch took, and the working days each weather calendar lost."""
    header = ["iteration", "finish_days", "finish_date", "total_cost"]
    header += [f"risk_{rid}" for rid in results.risk_ids]
    branches = results.scenario.branches
    header += [f"branch_{b.id}" for b in branches]
    header += [f"weather_days_lost_{name}" for name in results.weather_calendars]
    dates = results.finish_dates
    cost = results.cost
    occ = results.risk_occurrence
    taken = []
    if branches:
        names = [o.name for b in branches for o in b.options]
        g = 0
        for b in branches:
            rows_b = results.branch_occurrence[g : g + len(b.options)]
            taken.append([names[g + int(k)] for k in rows_b.argmax(axis=0)])
            g += len(b.options)
    lost = results.weather_days_lost
    rows = []
    for i in range(results.iterations):
        row = [
            i,
            repr(float(results.finish_days[i])),
            str(dates[i]),
            "" if cost is None else repr(float(cost[i])),
        ]
        row += [int(occ[r, i]) for r in range(len(results.risk_ids))]
        row += [t[i] for t in taken]
        if lost is not None:
            row += [repr(float(x)) for x in lost[:, i]]
        rows.append(row)
    return csv_text(header, rows)


def task_dates_csv(results: Results) -> str:
    """Per task: deterministic, P50 and P80 early start and finish dates, criticality."""
    td = results.task_dates
    if td is None:
        raise ValueError("task dates were not computed: simulate with task_dates=True")
    s = results.scenario
    cal, start = s.timeline, s.project.start
    det = results.deterministic.dates()
    rows = []
    columns = {"deterministic": (det["early_start"], det["early_finish"])}
    for q in (50, 80):
        es = td.early_start[q]
        ef = td.early_finish[q]
        starts, finishes = cal.task_dates(start, es, ef, [t.start_milestone for t in s.tasks])
        columns[f"p{q}"] = (
            s.not_before_data_date(starts, [t.status == "not started" for t in s.tasks]),
            s.not_before_data_date(finishes, [t.status != "complete" for t in s.tasks]),
        )
    for i, t in enumerate(s.tasks):
        row = [t.id, t.name]
        for key in ("deterministic", "p50", "p80"):
            es_d, ef_d = columns[key]
            row += [iso(es_d[i]), iso(ef_d[i])]
        row.append(repr(results.criticality[t.id]))
        rows.append(row)
    header = [
        "id",
        "name",
        "deterministic_start",
        "deterministic_finish",
        "p50_start",
        "p50_finish",
        "p80_start",
        "p80_finish",
        "criticality",
    ]
    return csv_text(header, rows)


def write_text(text: str, path: str | os.PathLike[str], *, force: bool = False) -> None:
    """``text`` into ``path`` (``force``: replace a read-only file)."""
    atomic_write(path, lambda h: h.write(text), force=force)
