"""Resource-constrained project benchmarks: PSPLIB single-mode (``.sm``) and Patterson
(``.rcp``) instances.

``read_psplib(path, start=None)`` returns an ``ImportedSchedule`` whose scenario holds
one task per job (``j1`` ... ``jN``, the dummy source and sink included, with duration 0)
with its duration in working days and finish-to-start links to its successors, one
resource per renewable resource (``R1`` ... ``RK``, capacity = its availability per
period, rate 0), and an assignment for every nonzero request. The instances hold no
calendar or date: the project starts on ``start`` (default ``DEFAULT_START``) and a
period is a working day of ``calendar``.

- **PSPLIB** (Kolisch & Sprecher 1996): the sections ``PRECEDENCE RELATIONS``
  (job number, modes, successor count, successors), ``REQUESTS/DURATIONS`` (job, mode,
  duration, one request per resource) and ``RESOURCEAVAILABILITIES``. Multi-mode
  instances (``.mm``, more than one mode per job) are refused; nonrenewable and doubly
  constrained resources (a budget over the whole project, not a capacity at once) are
  left out, reported.
- **Patterson**: whitespace-separated integers: the number of activities and of
  resources, each resource's availability, then per activity its duration, one request
  per resource, the number of successors and the successors (activity numbers from 1).

Bad input is refused with the line it is on, as the other readers refuse it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ...model.calendar import Calendar
from ...model.errors import ScenarioError, id_list, must
from ...model.resources import Assignment, Resource
from ...model.scenario import Project, Scenario
from ...model.tasks import Task
from .common import Collector, ImportedSchedule, ImportedTask, read_bytes

#: The project start when none is given: the instances hold no date.
DEFAULT_START = dt.date(2027, 1, 4)
SUFFIXES = {".sm": "PSPLIB", ".rcp": "Patterson"}


@dataclass
class _Job:
    """One job as the file gives it (resources numbered from 0)."""

    number: int
    duration: int
    requests: list[int]
    successors: list[int]
    line: int


def looks_like_psplib(head: bytes) -> bool:
    """True when ``head`` (a file's first bytes) is a PSPLIB instance's header."""
    return head.lstrip().startswith(b"****") and b"file with basedata" in head


def read_psplib(
    path: str | os.PathLike[str],
    *,
    start: dt.date | str | None = None,
    calendar: Calendar | str = "mon-fri",
    name: str | None = None,
    kind: str | None = None,
) -> ImportedSchedule:
    """Read a PSPLIB single-mode (``.sm``) or Patterson (``.rcp``) instance.

    Parameters
    ----------
    path : path-like
    start : date or str, optional
        The project start (default ``DEFAULT_START``, 2027-01-04).
    calendar : Calendar or str
        The working days a period counts (default ``"mon-fri"``).
    name : str, optional
        Project name (default: the file's name).
    kind : {"PSPLIB", "Patterson"}, optional
        The format; by default from the suffix, else from the content.

    Returns
    -------
    ImportedSchedule

    Raises
    ------
    ScenarioError
        Listing every problem found, each with its line.
    """
    source = os.fspath(path)
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if kind is None:
        kind = SUFFIXES.get(Path(source).suffix.lower())
        if kind is None:
            kind = "PSPLIB" if looks_like_psplib(raw[:512]) else "Patterson"
    if kind not in SUFFIXES.values():
        raise ValueError(must("kind", '"PSPLIB" or "Patterson"', kind))
    c = Collector(source)
    if kind == "PSPLIB":
        capacities, jobs, notes = _parse_sm(text, c)
    else:
        capacities, jobs, notes = _parse_rcp(text, c)
    c.raise_if_any()
    _check_network(c, jobs, len(capacities))
    c.raise_if_any()
    return _schedule(c, kind, capacities, jobs, notes, start, calendar, name)


# --------------------------------------------------------------------------- PSPLIB


_KEY_VALUE = re.compile(r"^\s*(?P<key>[^:]+?)\s*:\s*(?P<value>\S+)")
_SECTION_END = re.compile(r"^\s*\*{5,}")


def _ints(c: Collector, line: int, text: str, what: str) -> list[int] | None:
    try:
        return [int(x) for x in text.split()]
    except ValueError:
        c.error(f"line {line}", must(what, "whole numbers separated by spaces", text.strip()))
        return None


def _parse_sm(text: str, c: Collector) -> tuple[list[int], list[_Job], list[str]]:
    """Renewable capacities, jobs and header notes of a PSPLIB instance."""
    lines = text.splitlines()
    header: dict[str, str] = {}
    counts = {"R": 0, "N": 0, "D": 0}
    sections: dict[str, int] = {}
    for k, line in enumerate(lines):
        head = line.strip().rstrip(":").upper()
        if head in ("PRECEDENCE RELATIONS", "REQUESTS/DURATIONS", "RESOURCEAVAILABILITIES"):
            sections[head] = k
            continue
        if head == "PROJECT INFORMATION" and k + 2 < len(lines):
            # pronr. #jobs rel.date duedate tardcost MPM-Time
            names = lines[k + 1].split()
            values = lines[k + 2].split()
            header.update(zip(names, values, strict=False))
            continue
        m = _KEY_VALUE.match(line)
        if m:
            key = m.group("key").strip().lstrip("-").strip()
            for word, letter in (
                ("nonrenewable", "N"),
                ("renewable", "R"),
                ("doubly constrained", "D"),
            ):
                if key.startswith(word):
                    try:
                        counts[letter] = int(m.group("value"))
                    except ValueError:
                        c.error(f"line {k + 1}", must(key, "a whole number", m.group("value")))
                    break
            else:
                header.setdefault("jobs" if key.startswith("jobs") else key, m.group("value"))
    absent = [
        section
        for section in ("PRECEDENCE RELATIONS", "REQUESTS/DURATIONS", "RESOURCEAVAILABILITIES")
        if section not in sections
    ]
    if absent:
        c.error(
            "",
            f"not a PSPLIB instance: no {' or '.join(absent)} section (a single-mode .sm "
            "file from PSPLIB has PRECEDENCE RELATIONS, REQUESTS/DURATIONS and "
            "RESOURCEAVAILABILITIES)",
        )
    if c.problems:
        return [], [], []
    n_res = counts["R"] + counts["N"] + counts["D"]

    def rows(section: str) -> list[tuple[int, str]]:
        """The numeric lines of a section (after its column headers), with line numbers."""
        out = []
        for k in range(sections[section] + 1, len(lines)):
            line = lines[k]
            if _SECTION_END.match(line):
                break
            stripped = line.strip()
            if not stripped or stripped.startswith("-") or not stripped[0].isdigit():
                continue  # column headers and the dashed rule under them
            out.append((k + 1, stripped))
        return out

    successors: dict[int, tuple[list[int], int]] = {}
    for number, line in rows("PRECEDENCE RELATIONS"):
        values = _ints(c, number, line, "a precedence row")
        if values is None:
            continue
        if len(values) < 3 or len(values) != 3 + values[2]:
            c.error(
                f"line {number}",
                must(
                    "a precedence row",
                    "job number, modes, successor count and that many successors",
                    line,
                ),
            )
            continue
        job, modes = values[0], values[1]
        if modes != 1:
            c.error(
                f"line {number}",
                f"job {job} has {modes} modes: only single-mode instances (.sm) are read, "
                "not multi-mode ones (.mm)",
            )
            continue
        if job in successors:
            c.error(f"line {number}", f"job {job} is listed twice in PRECEDENCE RELATIONS")
            continue
        successors[job] = (values[3:], number)
    requests: dict[int, tuple[int, list[int], int]] = {}
    for number, line in rows("REQUESTS/DURATIONS"):
        values = _ints(c, number, line, "a request row")
        if values is None:
            continue
        if len(values) != 3 + n_res:
            c.error(
                f"line {number}",
                must(
                    "a request row",
                    f"job number, mode, duration and {n_res} requests (one per resource)",
                    line,
                ),
            )
            continue
        job, duration = values[0], values[2]
        if job in requests:
            c.error(f"line {number}", f"job {job} is listed twice in REQUESTS/DURATIONS")
            continue
        requests[job] = (duration, values[3:], number)
    availability = rows("RESOURCEAVAILABILITIES")
    capacities: list[int] = []
    if not availability:
        c.error("RESOURCEAVAILABILITIES", "the section gives no availabilities")
    else:
        number, line = availability[0]
        values = _ints(c, number, line, "the availabilities")
        if values is not None and len(values) != n_res:
            c.error(
                f"line {number}",
                must("the availabilities", f"{n_res} numbers (one per resource)", line),
            )
        elif values is not None:
            capacities = values
    jobs_declared = header.get("jobs")
    if (
        jobs_declared is not None
        and jobs_declared.isdigit()
        and int(jobs_declared) != len(successors)
    ):
        c.error(
            "PRECEDENCE RELATIONS",
            f"the header declares {jobs_declared} jobs but the section lists "
            f"{len(successors)}: the file is incomplete",
        )
    only_one = sorted(set(successors) ^ set(requests))
    if only_one:
        c.error(
            "REQUESTS/DURATIONS",
            "jobs listed in only one of PRECEDENCE RELATIONS and REQUESTS/DURATIONS: "
            + id_list([str(j) for j in only_one]),
        )
    if c.problems:
        return [], [], []
    jobs = [
        _Job(
            job,
            requests[job][0],
            requests[job][1][: counts["R"]],
            successors[job][0],
            successors[job][1],
        )
        for job in sorted(successors)
    ]
    if counts["N"] or counts["D"]:
        c.warn(
            "RESOURCES",
            f"{counts['N']} nonrenewable and {counts['D']} doubly constrained resources are "
            "left out with their requests: pmo-sim's resources have a capacity at once, not "
            "a budget over the project",
        )
    notes = [
        f"PSPLIB {key}: {header[key]}"
        for key in ("file with basedata", "horizon", "duedate", "MPM-Time")
        if key in header
    ]
    return capacities[: counts["R"]], jobs, notes


# --------------------------------------------------------------------------- Patterson


def _parse_rcp(text: str, c: Collector) -> tuple[list[int], list[_Job], list[str]]:
    """Capacities and jobs of a Patterson instance (a stream of whole numbers)."""
    tokens: list[tuple[int, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for word in line.split():
            try:
                tokens.append((int(word), number))
            except ValueError:
                c.error(f"line {number}", must("a value", "a whole number", word))
                return [], [], []
    pos = 0

    def take(what: str) -> tuple[int, int] | None:
        nonlocal pos
        if pos >= len(tokens):
            last = tokens[-1][1] if tokens else 0
            c.error(f"line {last}", f"the file ends before {what}: it was cut short")
            return None
        pos += 1
        return tokens[pos - 1]

    first = take("the number of activities")
    second = take("the number of resources")
    if first is None or second is None:
        return [], [], []
    n_jobs, n_res = first[0], second[0]
    if n_jobs < 1 or n_res < 0:
        c.error(
            f"line {first[1]}",
            must("the header", "the number of activities (1 or more) and of resources", n_jobs),
        )
        return [], [], []
    capacities = []
    for k in range(n_res):
        got = take(f"the availability of resource {k + 1}")
        if got is None:
            return [], [], []
        capacities.append(got[0])
    jobs = []
    for job in range(1, n_jobs + 1):
        got = take(f"the duration of activity {job}")
        if got is None:
            return [], [], []
        duration, line = got
        requests = []
        for k in range(n_res):
            got = take(f"request {k + 1} of activity {job}")
            if got is None:
                return [], [], []
            requests.append(got[0])
        got = take(f"the successor count of activity {job}")
        if got is None:
            return [], [], []
        successors = []
        for k in range(got[0]):
            item = take(f"successor {k + 1} of activity {job}")
            if item is None:
                return [], [], []
            successors.append(item[0])
        jobs.append(_Job(job, duration, requests, successors, line))
    if pos < len(tokens):
        c.error(
            f"line {tokens[pos][1]}",
            f"values after the last of the {n_jobs} activities the header declares: the "
            "header's count is wrong or the file holds more than one instance",
        )
    return capacities, jobs, []


# --------------------------------------------------------------------------- scenario


def _check_network(c: Collector, jobs: list[_Job], n_res: int) -> None:
    numbers = {j.number for j in jobs}
    for j in jobs:
        where = f"line {j.line} (job {j.number})"
        if j.duration < 0:
            c.error(where, must("duration", "0 or more", j.duration))
        if any(q < 0 for q in j.requests):
            c.error(where, must("requests", "0 or more", j.requests))
        unknown = [s for s in j.successors if s not in numbers]
        if unknown:
            c.error(where, f"successors {unknown} are not jobs of the instance")
        if j.number in j.successors:
            c.error(where, f"job {j.number} is its own successor")


def _job_id(number: int) -> str:
    return f"j{number}"


def _schedule(
    c: Collector,
    kind: str,
    capacities: list[int],
    jobs: list[_Job],
    notes: list[str],
    start: dt.date | str | None,
    calendar: Calendar | str,
    name: str | None,
) -> ImportedSchedule:
    source = c.source
    predecessors: dict[int, list[str]] = {j.number: [] for j in jobs}
    for j in jobs:
        for s in j.successors:
            predecessors[s].append(_job_id(j.number))
    ids = [f"R{k + 1}" for k in range(len(capacities))]
    unusable = [ids[k] for k, cap in enumerate(capacities) if cap <= 0]
    if unusable:
        c.warn(
            "resources",
            f"{len(unusable)} resources have no availability; they are written without a "
            f"capacity (unlimited): {id_list(unusable)}",
        )
    over = [
        f"{_job_id(j.number)}@{ids[k]}"
        for j in jobs
        for k, q in enumerate(j.requests)
        if capacities[k] > 0 and q > capacities[k]
    ]
    if over:
        c.warn(
            "resources",
            f"{len(over)} requests exceed their resource's availability (no resource-feasible "
            f"schedule exists; a levelled run refuses them): {id_list(over)}",
            ids=tuple(over),
        )
    try:
        resources = tuple(
            Resource(rid, capacity=float(cap) if cap > 0 else None)
            for rid, cap in zip(ids, capacities, strict=True)
        )
        tasks = tuple(
            Task(
                id=_job_id(j.number),
                duration=float(j.duration),
                predecessors=tuple(predecessors[j.number]),
                resources=tuple(
                    Assignment(ids[k], float(q)) for k, q in enumerate(j.requests) if q > 0
                ),
            )
            for j in jobs
        )
        cal = calendar if isinstance(calendar, Calendar) else Calendar(calendar)
        project = Project(
            name=name or Path(source).stem,
            start=DEFAULT_START if start is None else start,
            calendar=cal,
        )
        scenario = Scenario(project=project, tasks=tasks, source=source, resources=resources)
    except ScenarioError as exc:
        raise ScenarioError(list(exc.problems), source=source) from None
    except (TypeError, ValueError) as exc:
        raise ScenarioError(str(exc), source=source) from None
    extras = tuple(
        ImportedTask(
            id=t.id, planned_duration=float(j.duration), remaining_duration=float(j.duration)
        )
        for t, j in zip(tasks, jobs, strict=True)
    )
    return ImportedSchedule(
        scenario=scenario,
        tasks=extras,
        format=kind,
        source=source,
        project_name=project.name,
        warnings=tuple(c.warnings),
        notes=tuple(notes),
    )
