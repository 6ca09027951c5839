"""Alembic's environment: migrations run on the connection ``upgrade`` passes in, inside
its transaction (so a schema change and the check before it are one unit)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
