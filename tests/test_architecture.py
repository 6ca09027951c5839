"""The package's shape: layers import downwards only, no import circles, no private names
across modules.

The import graph is read from the source (every ``import`` and ``from ... import``,
including the ones inside functions, which hide circles from Python but not from a
reader), so a new circle or an upward import fails here before it confuses anyone.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pmo_sim"

#: Sub-packages from the bottom up: a module may import from its own layer and the
#: layers below it, never from a layer above. ``pmo_sim/__init__.py`` (the public API)
#: and ``__main__`` sit on top of everything. ``history`` (the store of recorded runs) has
#: its place before it has its package.
LAYERS = ("base", "model", "scheduling", "results", "engine", "io", "history", "report", "cli")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@dataclass(frozen=True)
class Edge:
    """One import: ``importer`` takes ``names`` from ``target`` (at ``line``)."""

    importer: str
    target: str
    names: tuple[str, ...]
    line: int


def resolve(importer: str, node: ast.ImportFrom) -> str:
    """The absolute module name an ``ImportFrom`` names."""
    if node.level == 0:
        return node.module or ""
    is_package = MODULES[importer].name == "__init__.py"
    base = importer.split(".")
    drop = node.level - 1 if is_package else node.level
    base = base[: len(base) - drop] if drop else base
    return ".".join(base + ([node.module] if node.module else []))


def edges_of(importer: str) -> list[Edge]:
    tree = ast.parse(MODULES[importer].read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "pmo_sim":
                    found.append(Edge(importer, alias.name, (), node.lineno))
        elif isinstance(node, ast.ImportFrom):
            target = resolve(importer, node)
            if target.split(".")[0] != "pmo_sim":
                continue
            plain = []
            for alias in node.names:
                # `from package import module` is an import of that module.
                if f"{target}.{alias.name}" in MODULES:
                    found.append(Edge(importer, f"{target}.{alias.name}", (), node.lineno))
                else:
                    plain.append(alias.name)
            if plain or not node.names:
                found.append(Edge(importer, target, tuple(plain), node.lineno))
    return found


EDGES = [edge for module in MODULES for edge in edges_of(module)]


def layer(module: str) -> int:
    """Index of the module's layer; the root package and ``__main__`` are above all."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return len(LAYERS)
    if parts[1] not in LAYERS:
        raise AssertionError(
            f"{module} is in no layer: put it in one of the sub-packages {LAYERS} "
            "(or add a layer to LAYERS in tests/test_architecture.py and to the docs)"
        )
    return LAYERS.index(parts[1])


def test_the_graph_is_read():
    """The scan sees the imports it must judge (a broken scan would pass everything)."""
    assert len(MODULES) > 40
    targets = {(e.importer, e.target) for e in EDGES}
    assert ("pmo_sim.engine.blocks", "pmo_sim.engine.kernels.block") in targets
    assert ("pmo_sim", "pmo_sim.engine.simulate") in targets
    # A lazy import inside a function counts.
    assert any(e.importer == "pmo_sim.engine.ranking" and "dask_runner" in e.target for e in EDGES)


def test_every_module_is_in_a_layer():
    """Every module lives in one of the layers' sub-packages (no new flat modules)."""
    for module in MODULES:
        layer(module)


def test_no_import_circles():
    """No chain of imports leads from a module back to itself."""
    graph = nx.DiGraph()
    for e in EDGES:
        if e.target in MODULES and e.target != e.importer:
            graph.add_edge(e.importer, e.target)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, "import circles: " + "; ".join(" -> ".join([*c, c[0]]) for c in cycles)


def test_layers_import_downwards_only():
    """A module imports from its own layer or the layers below, never from above."""
    upward = [
        f"{e.importer} (line {e.line}) imports {e.target}"
        for e in EDGES
        if e.target in MODULES and layer(e.target) > layer(e.importer)
    ]
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_only_the_top_imports_the_root_package():
    """No module below the public API imports ``pmo_sim`` itself (the root imports
    everything, so that would be a circle through the package)."""
    offenders = [
        f"{e.importer} (line {e.line})"
        for e in EDGES
        if e.target == "pmo_sim" and layer(e.importer) < len(LAYERS)
    ]
    assert not offenders, "modules importing the root package: " + ", ".join(offenders)


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_no_private_names_across_modules():
    """No module imports another module's private name, or a private module."""
    offenders = []
    for e in EDGES:
        hidden = [n for n in e.names if private(n)]
        hidden += [p for p in e.target.split(".") if private(p)]
        if hidden and e.target != e.importer:
            offenders.append(f"{e.importer} (line {e.line}) takes {hidden} from {e.target}")
    assert not offenders, "private names used across modules:\n" + "\n".join(offenders)


def test_no_private_attributes_of_imported_modules():
    """``module._name`` on an imported pmo-sim module is a private name used across
    modules too."""
    offenders = []
    for importer, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = resolve(importer, node)
                for alias in node.names:
                    if f"{target}.{alias.name}" in MODULES:
                        aliases.add(alias.asname or alias.name)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and private(node.attr)
            ):
                offenders.append(f"{importer} (line {node.lineno}): {node.value.id}.{node.attr}")
    assert not offenders, "private attributes of other modules:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from .x import y\n", "pmo_sim.engine.x"),
        ("from ..model import errors\n", "pmo_sim.model.errors"),
    ],
)
def test_relative_imports_resolve(source, expected):
    """The resolver turns relative imports into the absolute modules Python imports."""
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ImportFrom)
    target = resolve("pmo_sim.engine.blocks", node)
    names = [a.name for a in node.names]
    assert f"{target}.{names[0]}" == expected or target == expected
