"""The logic as a graph of task ids: what validation needs to name a cycle.

The scheduling side (``scheduling.network``) builds on the same graph; it lives here so
that validating a scenario never reaches up into scheduling.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx


def task_graph(tasks: Sequence[Any]) -> nx.DiGraph:
    """Directed graph of task ids, one edge per linked pair (parallel links merged)."""
    graph = nx.DiGraph()
    for position, task in enumerate(tasks):
        graph.add_node(task.id, position=position)
    for task in tasks:
        for link in task.predecessors:
            graph.add_edge(link.predecessor, task.id)
    return graph


def find_cycle(tasks: Sequence[Any]) -> list[str]:
    """Task ids around one cycle of the logic, in link order; empty when acyclic."""
    graph = task_graph(tasks)
    # A topological sort answers "is there a cycle?" in linear time; find_cycle's edge
    # search is far slower on large acyclic networks, so it only runs to name one.
    if nx.is_directed_acyclic_graph(graph):
        return []
    try:
        edges = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return []
    return [u for u, _ in edges]
