"""Schedules in: Primavera P6 (XER), MS Project (MSPDI XML, MPP through MPXJ), CSV/XLSX,
and the PSPLIB and Patterson benchmark instances (``.sm``, ``.rcp``).

Every reader returns an ``ImportedSchedule`` whose ``scenario`` is the same ``Scenario``
a TOML file gives, so imported schedules run through the same engine::

    from pmo_sim.io.importers import read_schedule
    imported = read_schedule("plan.xer", project="TP")
    imported.scenario        # what pmo_sim.simulate runs
    imported.warnings        # what could not be carried over exactly, and why
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import Any

from ...model.errors import ScenarioError
from ...model.risks import Risk
from ...model.scenario import Scenario
from .common import CalendarInfo, ImportedSchedule, ImportedTask, read_bytes
from .csv_tables import read_risk_register, read_task_table
from .fidelity import Fidelity, compare_with_file
from .mpp import read_mpp
from .mspdi import read_mspdi
from .psplib import looks_like_psplib, read_psplib
from .xer import read_xer

#: File suffixes MPXJ reads besides MSPDI (binary MS Project, Planner, Phoenix, ...).
MPXJ_SUFFIXES = (".mpp", ".mpt", ".mpx", ".pp", ".pod", ".gan", ".prx", ".fts", ".pep", ".zip")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
FORMATS = {
    "xer": "Primavera P6 XER (.xer)",
    "mspdi": "MS Project XML (.xml)",
    "mpp": "MS Project .mpp and other MPXJ formats (needs the mpxj extra and Java)",
    "table": "a task table (.csv, .xlsx)",
    "psplib": "a PSPLIB single-mode (.sm) or Patterson (.rcp) instance",
}
#: Formats whose files hold no project start or calendar: ``start`` and ``calendar``
#: apply (and no dates computed by a scheduling tool).
NO_DATES_FORMATS = ("CSV", "PSPLIB", "Patterson")


def detect_format(path: str | os.PathLike[str]) -> str:
    """``"xer"``, ``"mspdi"``, ``"mpp"``, ``"table"`` or ``"psplib"``, from the suffix
    or the content."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xer":
        return "xer"
    if suffix in (".sm", ".rcp"):
        return "psplib"
    if suffix == ".xml":
        return "mspdi"
    if suffix in MPXJ_SUFFIXES:
        return "mpp"
    if suffix in TABLE_SUFFIXES:
        return "table"
    head = read_bytes(path)[:512]
    if head.lstrip(b"\xef\xbb\xbf").startswith(b"ERMHDR"):
        return "xer"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "mspdi"
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE compound file, as .mpp files are
        return "mpp"
    if looks_like_psplib(head):
        return "psplib"
    raise ScenarioError(
        f"cannot tell the schedule format from the name or content; pmo-sim reads: "
        f"{'; '.join(FORMATS.values())}",
        os.fspath(path),
    )


def read_schedule(
    path: str | os.PathLike[str],
    project: str | None = None,
    *,
    start: dt.date | str | None = None,
    calendar: str = "mon-fri",
    links: str | os.PathLike[str] | None = None,
    data_date: dt.date | str | None = None,
    resource_table: str | os.PathLike[str] | None = None,
) -> ImportedSchedule:
    """Read a schedule file of any supported format.

    Parameters
    ----------
    path : path-like
    project : str, optional
        For XER files holding several projects: the ``proj_id`` or short name.
    start, calendar, links, data_date, resource_table
        For task tables only: the project start (required), the working days, an
        optional separate link table, the data date when rows hold progress, and an
        optional resource table. A
        PSPLIB or Patterson instance takes ``start`` (default 2027-01-04) and
        ``calendar`` too.
    """
    kind = detect_format(path)
    if kind == "xer":
        return read_xer(path, project)
    if kind == "psplib":
        return read_psplib(path, start=start, calendar=calendar)
    if kind == "mspdi":
        return read_mspdi(path)
    if kind == "mpp":
        return read_mpp(path)
    if start is None:
        raise ScenarioError(
            "a task table holds no project start: give one with --start 2027-01-04 "
            "(start= in Python)",
            os.fspath(path),
        )
    return read_task_table(
        path,
        start=start,
        calendar=calendar,
        links=links,
        data_date=data_date,
        resource_table=resource_table,
    )


__all__ = [
    "FORMATS",
    "NO_DATES_FORMATS",
    "CalendarInfo",
    "Fidelity",
    "ImportedSchedule",
    "ImportedTask",
    "compare_with_file",
    "detect_format",
    "read_mpp",
    "read_mspdi",
    "read_psplib",
    "read_risk_register",
    "read_schedule",
    "read_task_table",
    "read_xer",
]


def schedule_scenario(
    path: str | os.PathLike[str],
    *,
    project: str | None = None,
    risks: str | os.PathLike[str] | None = None,
    ranges: str | os.PathLike[str] | None = None,
    start: dt.date | str | None = None,
    calendar: str = "mon-fri",
    links: str | os.PathLike[str] | None = None,
    data_date: dt.date | str | None = None,
    project_id: str | None = None,
    resource_table: str | os.PathLike[str] | None = None,
) -> tuple[Scenario, ImportedSchedule, list[Any], list[Risk], list[str]]:
    """The scenario ``pmo-sim import`` makes of a schedule: read it (``read_schedule``),
    name the project ``project_id``, apply the range rules file ``ranges`` and add the
    risk register ``risks``.

    Returns the scenario, the imported schedule, the range hits (which rule set each
    task), the risk register and the warning lines.
    """
    from ...scheduling.network import no_logic
    from .ranges import apply_ranges, read_rules

    imported = read_schedule(
        path,
        project,
        start=start,
        calendar=calendar,
        links=links,
        data_date=data_date,
        resource_table=resource_table,
    )
    scenario = imported.scenario
    if project_id is not None:
        # The history's name for the project: every monthly export of one project gets
        # the same, whatever each file calls it (P6 short names often carry a date).
        try:
            project_with_id = dataclasses.replace(scenario.project, id=project_id)
        except (TypeError, ValueError) as exc:
            raise ScenarioError(f"--project-id {project_id!r}: {exc}") from None
        scenario = dataclasses.replace(scenario, project=project_with_id)
    warnings = [str(w) for w in imported.warnings]
    unlinked = no_logic(scenario)
    if unlinked is not None:
        warnings.insert(0, str(unlinked))
    hits: list[Any] = []
    if ranges is not None:
        scenario, hits = apply_ranges(scenario, read_rules(ranges), imported)
    register: list[Risk] = []
    if risks is not None:
        register = read_risk_register(risks, task_ids=scenario.task_ids)
        try:
            scenario = Scenario(
                project=scenario.project,
                tasks=scenario.tasks,
                risks=tuple(register),
                source=scenario.source,
                resources=scenario.resources,
            )
        except ScenarioError as exc:
            raise ScenarioError(list(exc.problems), source=str(risks)) from None
    flat = no_ranges_warning(scenario, ranges)
    if flat is not None:
        warnings.append(flat)
    return scenario, imported, hits, register, warnings


def no_ranges_warning(scenario: Any, ranges: str | None) -> str | None:
    """The warning for a scenario whose open work has single-point durations only (a
    schedule file, a task table without three-point columns): its run is flat, or varies
    only by the risks. None when some task's duration has a range."""
    open_work = [
        t
        for t in scenario.tasks
        if t.status != "complete"
        and not (t.duration.is_degenerate and t.duration.deterministic == 0)
    ]
    if not open_work or any(not t.duration.is_degenerate for t in open_work):
        return None
    given = " (no range rule gave one)" if ranges is not None else ""
    effect = (
        "only the risks vary the finish"
        if scenario.risks
        else "every iteration gives the same finish (P10 = P90)"
    )
    return (
        f"no task duration has a range{given}, so {effect}: give the durations three-point "
        "ranges with --ranges RULES (see 'Range rules' in docs/importing.md; template: "
        "scenarios/templates/ranges.toml)"
    )
