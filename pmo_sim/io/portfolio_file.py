"""Portfolio files: TOML naming the projects (scenario files or schedules), the links and
systemic risks between them, and the programme's targets.

``load(path)`` returns a validated ``Portfolio`` or raises ``ScenarioError`` listing every
problem, each placed in the file (``projects[2] (id 'warehouse')``); a project file's own
problems come prefixed with the project id and its file. The format is documented in
docs/portfolio.md.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..model.errors import Problem, ScenarioError, must
from ..model.portfolio import (
    CrossLink,
    Portfolio,
    PortfolioCorrelation,
    PortfolioProject,
)
from ..model.scenario import SimulationSettings
from .scenario_file import (
    SCHEDULE_FILES,
    SIMULATION_KEYS,
    ProblemCollector,
    parse_risks,
    read_toml,
)
from .scenario_file import load as load_scenario

TOP_KEYS = ("portfolio", "simulation", "projects", "links", "risks", "correlations")
PORTFOLIO_KEYS = ("name", "deadline", "budget", "currency", "green", "amber")
#: Import options a schedule file takes, as ``pmo-sim import`` does.
IMPORT_KEYS = (
    "project",
    "risks",
    "ranges",
    "start",
    "calendar",
    "links",
    "data_date",
    "resource_table",
)
PROJECT_KEYS = ("id", "scenario", "project_id", *IMPORT_KEYS)
LINK_KEYS = ("from", "to", "type", "lag")
CORRELATION_KEYS = ("items", "coefficient")


def is_portfolio_file(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a TOML file with a ``[portfolio]`` table."""
    source = os.fspath(path)
    if not source.lower().endswith(".toml"):
        return False
    try:
        with open(source, "rb") as fh:
            head = fh.read()
    except OSError:
        return False
    # Cheap test first: most scenario files never mention it.
    if b"portfolio" not in head:
        return False
    try:
        doc, _ = read_toml(source)
    except ScenarioError:
        return False
    return isinstance(doc.get("portfolio"), Mapping)


class _Problems(ProblemCollector):
    """The scenario reader's collector; a project file's problems keep their place,
    after the portfolio entry's."""

    def build(self, where: str, make: Any) -> Any:
        try:
            return make()
        except ScenarioError as exc:
            self.problems.extend(
                Problem(f"{where}: {p.where}" if p.where else where, p.message)
                for p in exc.problems
            )
        except (TypeError, ValueError) as exc:
            self.add(where, str(exc))
        return None


def _entries(c: _Problems, doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        c.add(key, must(key, f"an array of tables ([[{key}]] entries)", value))
        return []
    return value


def _read_project(c: _Problems, where: str, table: Any, here: Path, source: str) -> Any:
    if not c.keys(table, PROJECT_KEYS, where, "a project"):
        return None
    for key in ("id", "scenario"):
        if key not in table:
            c.add(where, f"'{key}' is required for a project (id, and the scenario or schedule)")
            return None
    pid, name = table["id"], table["scenario"]
    if not isinstance(name, str) or not name:
        c.add(where, must("scenario", "a file path", name))
        return None
    path = (here / name) if not Path(name).is_absolute() else Path(name)
    label = f"project {pid!r} ({name})"
    if path.resolve() == Path(source).resolve():
        c.add(where, f"'scenario' names this portfolio file itself ({name}): name a project's file")
        return None
    if not path.is_file():
        c.add(where, f"{label}: no such file {str(path)!r} (paths count from the portfolio file)")
        return None
    options = {k: table[k] for k in IMPORT_KEYS if k in table}
    is_schedule = path.suffix.lower() in SCHEDULE_FILES
    try:
        if is_schedule:
            from .importers import schedule_scenario

            for key in ("risks", "ranges", "links", "resource_table"):
                if key in options and isinstance(options[key], str):
                    options[key] = str(here / options[key])
            scenario, *_ = schedule_scenario(path, project_id=table.get("project_id"), **options)
        else:
            given = sorted(set(options) | ({"project_id"} & set(table)))
            if given:
                c.add(
                    where,
                    f"{label}: {', '.join(given)} are import options for a schedule file "
                    "(.xer, .xml, .mpp, .csv); a scenario file carries its own",
                )
                return None
            if is_portfolio_file(path):
                c.add(where, f"{label}: is a portfolio file; a portfolio's projects are scenarios")
                return None
            scenario = load_scenario(path)
    except ScenarioError as exc:
        for p in exc.problems:
            c.add(where, f"{label}: {p}")
        return None
    except (TypeError, ValueError, OSError) as exc:
        c.add(where, f"{label}: {exc}")
        return None
    return c.build(where, lambda: PortfolioProject(id=pid, scenario=scenario, source=str(path)))


def _read_link(c: _Problems, where: str, table: Any) -> CrossLink | None:
    if not c.keys(table, LINK_KEYS, where, "a link between projects"):
        return None
    for key in ("from", "to"):
        if key not in table:
            c.add(where, f"'{key}' is required for a link (from = \"project:task\", to = ...)")
            return None
    return c.build(
        where,
        lambda: CrossLink(
            table["from"], table["to"], type=table.get("type", "FS"), lag=table.get("lag", 0.0)
        ),
    )


def _read_correlation(c: _Problems, where: str, table: Any) -> PortfolioCorrelation | None:
    if not c.keys(table, CORRELATION_KEYS, where, "a correlation group"):
        return None
    for key in ("items", "coefficient"):
        if key not in table:
            c.add(where, f"'{key}' is required for a correlation group")
            return None
    return c.build(
        where, lambda: PortfolioCorrelation(coefficient=table["coefficient"], tasks=table["items"])
    )


def load(path: str | os.PathLike[str]) -> Portfolio:
    """Read and validate a portfolio file and every project file it names.

    Raises
    ------
    ScenarioError
        With every problem found, in the portfolio file and in its projects' files.
    """
    source = os.fspath(path)
    doc, _ = read_toml(source)
    here = Path(source).parent
    c = _Problems()
    for key in doc:
        if key not in TOP_KEYS:
            near = difflib.get_close_matches(key, TOP_KEYS, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            c.add("", f"unknown table '{key}'{hint}; a portfolio has: {', '.join(TOP_KEYS)}")
    head = doc.get("portfolio")
    info: dict[str, Any] = {}
    if head is None:
        c.add("portfolio", "the [portfolio] table is required (its name)")
    elif c.keys(head, PORTFOLIO_KEYS, "portfolio", "[portfolio]"):
        info = dict(head)
        if "name" not in info:
            c.add("portfolio", "'name' is required in [portfolio]")
    simulation = SimulationSettings()
    if "simulation" in doc and c.keys(
        doc["simulation"], SIMULATION_KEYS, "simulation", "[simulation]"
    ):
        simulation = c.build("simulation", lambda: SimulationSettings(**doc["simulation"]))
    projects = [
        _read_project(c, f"projects[{i + 1}]{_id(t)}", t, here, source)
        for i, t in enumerate(_entries(c, doc, "projects"))
    ]
    links = [_read_link(c, f"links[{i + 1}]", t) for i, t in enumerate(_entries(c, doc, "links"))]
    risks, problems = parse_risks(doc.get("risks", []))
    c.problems.extend(problems)
    correlations = [
        _read_correlation(c, f"correlations[{i + 1}]", t)
        for i, t in enumerate(_entries(c, doc, "correlations"))
    ]
    if c.problems:
        raise ScenarioError(c.problems, source=source)
    try:
        return _portfolio(info, projects, links, risks, correlations, simulation, source)
    except ScenarioError:
        raise
    except (TypeError, ValueError) as exc:
        raise ScenarioError([Problem("portfolio", str(exc))], source=source) from None


def _portfolio(info, projects, links, risks, correlations, simulation, source) -> Portfolio:
    return Portfolio(
        name=info["name"],
        projects=tuple(projects),
        links=tuple(links),
        risks=tuple(risks),
        correlations=tuple(correlations),
        deadline=info.get("deadline"),
        budget=info.get("budget"),
        currency=info.get("currency", ""),
        simulation=simulation,
        green=info.get("green", 0.8),
        amber=info.get("amber", 0.5),
        source=source,
    )


def _id(table: Any) -> str:
    if isinstance(table, Mapping) and isinstance(table.get("id"), str):
        return f" (id {table['id']!r})"
    return ""
