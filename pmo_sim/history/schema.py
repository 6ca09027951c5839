"""The history database's tables (SQLAlchemy Core), documented in docs/history.md.

``projects`` holds one row per project id; ``runs`` one row per recorded run, with the
scenario text it ran, the result document (``run --json``), its summary (the document
without the per-task section, which the trend and the dashboard read) and the
per-iteration finish and cost arrays (compressed ``.npy``). A run is unique by
project, data date, scenario SHA-256, seed, iterations, sampling and whether it was the
mitigated register: the same update recorded twice is stored once. Alembic
(``migrations``) creates and upgrades the tables; ``REVISION`` is the schema this
pmo-sim writes.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..model.scenario import PROJECT_ID_LIMIT

#: The Alembic revision of the schema this version of pmo-sim reads and writes.
REVISION = "0001"

metadata = sa.MetaData()

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.String(PROJECT_ID_LIMIT), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "project_id", sa.String(PROJECT_ID_LIMIT), sa.ForeignKey("projects.id"), nullable=False
    ),
    sa.Column("project_name", sa.Text, nullable=False),
    sa.Column("data_date", sa.Date, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("command", sa.String(40), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("scenario_sha256", sa.String(64), nullable=False),
    sa.Column("scenario_text", sa.Text, nullable=False),
    sa.Column("seed", sa.BigInteger, nullable=False),
    sa.Column("iterations", sa.Integer, nullable=False),
    sa.Column("sampling", sa.String(20), nullable=False),
    sa.Column("mitigated", sa.Boolean, nullable=False),
    sa.Column("pmo_sim_version", sa.String(40), nullable=False),
    sa.Column("result_json", sa.Text, nullable=False),
    sa.Column("summary_json", sa.Text, nullable=False),
    sa.Column("finish_days", sa.LargeBinary, nullable=False),
    sa.Column("cost", sa.LargeBinary, nullable=True),
    sa.UniqueConstraint(
        "project_id",
        "data_date",
        "scenario_sha256",
        "seed",
        "iterations",
        "sampling",
        "mitigated",
        name="uq_runs_update",
    ),
    sa.Index("ix_runs_project_date", "project_id", "data_date"),
)
