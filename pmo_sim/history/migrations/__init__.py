"""Alembic migrations of the history schema (``schema.REVISION`` is the newest).

Revisions are hand-written modules in ``versions/`` (``0001`` creates the tables); each
names its ``down_revision``. ``upgrade(connection)`` brings a database to the newest
revision inside the caller's transaction.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

HERE = Path(__file__).resolve().parent


def config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def known_revisions() -> frozenset[str]:
    """Every revision this pmo-sim's migrations know."""
    return frozenset(s.revision for s in ScriptDirectory.from_config(config()).walk_revisions())


def upgrade(connection) -> None:
    """Migrate the database on ``connection`` (in a transaction) to the newest schema."""
    command.upgrade(config(connection), "head")
