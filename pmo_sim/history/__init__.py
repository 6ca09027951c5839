"""A history of recorded runs: every status update of a project kept in a database, for
the confidence trend and what moved it.

``open_history(target)`` opens (and creates or migrates) the store: an SQLite file (the
default, ``pmo-history.sqlite``) or a PostgreSQL URL that a team shares. The schema is
SQLAlchemy Core tables (``schema``), migrated with Alembic (``migrations``); a database
written by a newer pmo-sim is refused. ``record_of`` turns a simulation's results into a
``RunRecord``; ``History.record`` stores it in one transaction; ``trend`` reads the
updates of a project back in data-date order.

Needs the ``history`` extra (SQLAlchemy, Alembic, psycopg): ``pip install ".[history]"``.
"""

from __future__ import annotations

from .records import RunRecord, record_of
from .store import DEFAULT_HISTORY, HISTORY_ENV, History, HistoryError, open_history, target_of

__all__ = [
    "DEFAULT_HISTORY",
    "HISTORY_ENV",
    "History",
    "HistoryError",
    "RunRecord",
    "open_history",
    "record_of",
    "target_of",
]
