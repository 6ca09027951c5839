"""Schedules in: Primavera P6 (XER), MS Project (MSPDI XML, MPP through MPXJ), CSV/XLSX.

Every reader returns an ``ImportedSchedule`` whose ``scenario`` is the same ``Scenario``
a TOML file gives, so imported schedules run through the same engine::

    from pmo_sim.io.importers import read_schedule
    imported = read_schedule("plan.xer", project="TP")
    imported.scenario        # what pmo_sim.simulate runs
    imported.warnings        # what could not be carried over exactly, and why
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from ...model.errors import ScenarioError
from .common import CalendarInfo, ImportedSchedule, ImportedTask, read_bytes
from .csv_tables import read_risk_register, read_task_table
from .fidelity import Fidelity, compare_with_file
from .mpp import read_mpp
from .mspdi import read_mspdi
from .xer import read_xer

#: File suffixes MPXJ reads besides MSPDI (binary MS Project, Planner, Phoenix, ...).
MPXJ_SUFFIXES = (".mpp", ".mpt", ".mpx", ".pp", ".pod", ".gan", ".prx", ".fts", ".pep", ".zip")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
FORMATS = {
    "xer": "Primavera P6 XER (.xer)",
    "mspdi": "MS Project XML (.xml)",
    "mpp": "MS Project .mpp and other MPXJ formats (needs the mpxj extra and Java)",
    "table": "a task table (.csv, .xlsx)",
}


def detect_format(path: str | os.PathLike[str]) -> str:
    """``"xer"``, ``"mspdi"``, ``"mpp"`` or ``"table"``, from the suffix or the content."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xer":
        return "xer"
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
) -> ImportedSchedule:
    """Read a schedule file of any supported format.

    Parameters
    ----------
    path : path-like
    project : str, optional
        For XER files holding several projects: the ``proj_id`` or short name.
    start, calendar, links, data_date
        For task tables only: the project start (required), the working days, an
        optional separate link table, and the data date when rows hold progress.
    """
    kind = detect_format(path)
    if kind == "xer":
        return read_xer(path, project)
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
    return read_task_table(path, start=start, calendar=calendar, links=links, data_date=data_date)


__all__ = [
    "FORMATS",
    "CalendarInfo",
    "Fidelity",
    "ImportedSchedule",
    "ImportedTask",
    "compare_with_file",
    "detect_format",
    "read_mpp",
    "read_mspdi",
    "read_risk_register",
    "read_schedule",
    "read_task_table",
    "read_xer",
]
