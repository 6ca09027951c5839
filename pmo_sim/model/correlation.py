"""Correlation groups -> one correlation matrix for the Gaussian copula.

Users give rank (Spearman) correlations. For a Gaussian copula the normal correlation
that produces rank correlation ``r`` is ``rho = 2 sin(pi r / 6)`` (Pearson's 1907
relation for bivariate normals). The matrix of those ``rho`` must be positive
semi-definite; if it is not, ``correlation_matrix`` names an inconsistent triple of
items, or ``repair=True`` replaces it with the nearest correlation matrix (Higham,
IMA J. Numer. Anal. 22, 2002: alternating projections with Dykstra's correction) and
reports the largest change, in rank-correlation terms.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .errors import Problem, ScenarioError
from .scenario import Scenario

PSD_TOLERANCE = 1e-10


def rank_to_normal(r: np.ndarray | float) -> np.ndarray | float:
    """Normal correlation whose Gaussian copula has rank correlation ``r``."""
    return 2.0 * np.sin(np.pi * np.asarray(r) / 6.0)


def normal_to_rank(rho: np.ndarray | float) -> np.ndarray | float:
    """Rank correlation of a Gaussian copula with normal correlation ``rho``."""
    return 6.0 / np.pi * np.arcsin(np.asarray(rho) / 2.0)


@dataclass(frozen=True)
class CorrelationModel:
    """The correlated items and the Cholesky factor of their normal correlation matrix.

    ``items`` are ("task", id), ("risk", id) or ("resource", id) pairs (a portfolio adds
    ("stream", name)); ``cholesky`` is lower triangular.
    ``repaired_by`` is the largest change (rank correlation) a repair made, else 0.
    """

    items: tuple[tuple[str, str], ...]
    rank_matrix: np.ndarray
    normal_matrix: np.ndarray
    cholesky: np.ndarray
    repaired_by: float = 0.0
    repaired_pair: tuple[str, str] | None = None


def nearest_correlation(a: np.ndarray, tol: float = 1e-12, max_iter: int = 1000) -> np.ndarray:
    """Nearest correlation matrix (unit diagonal, PSD) in the Frobenius norm (Higham 2002)."""
    y = a.copy()
    ds = np.zeros_like(a)
    for _ in range(max_iter):
        r = y - ds
        w, v = np.linalg.eigh(r)
        x = (v * np.maximum(w, 0.0)) @ v.T
        ds = x - r
        y_new = x.copy()
        np.fill_diagonal(y_new, 1.0)
        if np.linalg.norm(y_new - y, "fro") <= tol * max(1.0, np.linalg.norm(y, "fro")):
            y = y_new
            break
        y = y_new
    # Nudge onto the PSD cone exactly: clip eigenvalues at a tiny positive floor.
    w, v = np.linalg.eigh(y)
    y = (v * np.maximum(w, 1e-12)) @ v.T
    d = np.sqrt(np.diag(y))
    return y / np.outer(d, d)


def _inconsistent_triple(rho: np.ndarray) -> tuple[int, int, int] | None:
    k = rho.shape[0]
    if k > 60:  # pragma: no cover - large groups: checking every triple is too slow
        return None
    for i, j, m in itertools.combinations(range(k), 3):
        sub = rho[np.ix_((i, j, m), (i, j, m))]
        if np.linalg.eigvalsh(sub)[0] < -PSD_TOLERANCE:
            return i, j, m
    return None


def correlation_model(scenario: Scenario, repair: bool = False) -> CorrelationModel | None:
    """Build the copula model of ``scenario``'s correlation groups (None if it has none).

    Raises
    ------
    ScenarioError
        If the matrix is not positive semi-definite and ``repair`` is False.
    """
    if not scenario.correlations:
        return None
    items: list[tuple[str, str]] = []
    index: dict[tuple[str, str], int] = {}
    for group in scenario.correlations:
        kind = group.kind
        for ident in group.items:
            if (kind, ident) not in index:
                index[(kind, ident)] = len(items)
                items.append((kind, ident))
    k = len(items)
    rank = np.eye(k)
    # Scenario validation has already refused a pair given two different coefficients.
    for group in scenario.correlations:
        kind = group.kind
        ids = [index[(kind, ident)] for ident in group.items]
        for a, b in itertools.combinations(ids, 2):
            rank[a, b] = rank[b, a] = group.coefficient
    rho = rank_to_normal(rank)
    np.fill_diagonal(rho, 1.0)
    repaired_by, repaired_pair = 0.0, None
    if np.linalg.eigvalsh(rho)[0] < -PSD_TOLERANCE:
        if not repair:
            triple = _inconsistent_triple(rho)
            if triple is not None:
                names = ", ".join(repr(items[t][1]) for t in triple)
                pairs = "; ".join(
                    f"{items[a][1]}~{items[b][1]} = {rank[a, b]:g}"
                    for a, b in itertools.combinations(triple, 2)
                )
                what = f"the coefficients among {names} cannot hold together ({pairs})"
            else:  # pragma: no cover - needs a non-PSD matrix whose triples are all PSD
                what = "the coefficients cannot hold together (no single triple is to blame)"
            raise ScenarioError(
                [
                    Problem(
                        "correlations",
                        f"{what}; the correlation matrix is not positive "
                        "semi-definite. Change a coefficient, or run with "
                        "--repair-correlations to use the nearest valid matrix",
                    )
                ],
                source=scenario.source,
            )
        fixed = nearest_correlation(rho)
        change = np.abs(normal_to_rank(fixed) - rank)
        a, b = np.unravel_index(int(np.argmax(change)), change.shape)
        repaired_by = float(change[a, b])
        repaired_pair = (items[a][1], items[b][1])
        rho = fixed
    # A semi-definite (singular) matrix, e.g. coefficient 1, still needs a factor:
    # a jitter far below any meaningful correlation keeps Cholesky well defined.
    jitter = 0.0
    while True:
        try:
            chol = np.linalg.cholesky(rho + jitter * np.eye(k))
            break
        except np.linalg.LinAlgError:
            jitter = 1e-12 if jitter == 0.0 else jitter * 10.0
    # Rescale rows so that each correlated normal keeps unit variance.
    chol = chol / np.linalg.norm(chol, axis=1, keepdims=True)
    return CorrelationModel(
        items=tuple(items),
        rank_matrix=rank,
        normal_matrix=rho,
        cholesky=chol,
        repaired_by=repaired_by,
        repaired_pair=repaired_pair,
    )


def describe_repair(model: CorrelationModel) -> str:
    """One line for users: how much the repair changed the matrix."""
    if model.repaired_pair is None:
        return ""
    a, b = model.repaired_pair
    return (
        f"correlations repaired to the nearest valid matrix; the largest change is "
        f"{model.repaired_by:.3f} in the rank correlation of {a!r} and {b!r}"
    )
