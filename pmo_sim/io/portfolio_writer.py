"""A portfolio file over the projects of a multi-project P6 export (``pmo-sim import
FILE.xer --portfolio``): one ``[[projects]]`` entry per project of the file, reading it
from the XER itself, and the file's relations between projects as ``[[links]]``."""

from __future__ import annotations

import os
from pathlib import Path

from ..model.portfolio import CROSS_LINK_TYPES
from ..model.scenario import slug
from .importers.xer import cross_project_relations, list_projects
from .toml_writer import string as toml_string


def xer_portfolio(
    xer: str | os.PathLike[str], output: str | os.PathLike[str], ranges: str | None = None
) -> tuple[str, list[str]]:
    """The portfolio file's text for ``output`` (paths relative to its folder) and the
    warnings (relations a portfolio cannot carry)."""
    folder = Path(output).resolve().parent
    scenario = os.path.relpath(Path(xer).resolve(), folder)
    projects = [p for p in list_projects(xer) if p["tasks"]]
    ids: dict[str, str] = {}
    for p in projects:
        base = slug(p["short_name"] or p["proj_id"])
        pid, k = base, 2
        while pid in ids.values():
            pid, k = f"{base}-{k}", k + 1
        ids[p["short_name"]] = pid
    lines = [
        f"# Portfolio of the projects in {Path(xer).name}, written by pmo-sim import --portfolio.",
        "# Each project is read from the export itself; add import options (ranges, risks,",
        "# start, data_date) to its entry, and [[risks]] that strike several projects.",
        "",
        "[portfolio]",
        f"name = {toml_string(Path(xer).stem)}",
        "",
    ]
    for p in projects:
        lines += [
            "[[projects]]",
            f"id = {toml_string(ids[p['short_name']])}",
            f"scenario = {toml_string(Path(scenario).as_posix())}",
            f"project = {toml_string(p['short_name'] or p['proj_id'])}",
            f"project_id = {toml_string(ids[p['short_name']])}",
        ]
        if ranges is not None:
            rules = Path(os.path.relpath(Path(ranges).resolve(), folder)).as_posix()
            lines.append(f"ranges = {toml_string(rules)}")
        lines.append("")
    warnings = []
    for rel in cross_project_relations(xer):
        a, b = ids.get(rel["predecessor_project"]), ids.get(rel["successor_project"])
        text = (
            f"{rel['predecessor_project']}:{rel['predecessor']} -> "
            f"{rel['successor_project']}:{rel['successor']} ({rel['type']})"
        )
        if a is None or b is None:
            warnings.append(f"relation {text} involves a project without activities: dropped")
            continue
        if rel["type"] not in CROSS_LINK_TYPES:
            warnings.append(
                f"relation {text}: links between projects are FS or FF in pmo-sim; dropped "
                "(link to a start milestone of the predecessor's project instead)"
            )
            continue
        lines += [
            "[[links]]",
            f"from = {toml_string(a + ':' + rel['predecessor'])}",
            f"to = {toml_string(b + ':' + rel['successor'])}",
            f'type = "{rel["type"]}"',
        ]
        if rel["lag"]:
            lines.append(f"lag = {rel['lag']!r}")
        lines.append("")
    return "\n".join(lines), warnings
