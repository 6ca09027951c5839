"""The first schema: projects and runs (see ``pmo_sim.history.schema``).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.String(200), sa.ForeignKey("projects.id"), nullable=False),
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
    )
    op.create_index("ix_runs_project_date", "runs", ["project_id", "data_date"])


def downgrade() -> None:
    op.drop_index("ix_runs_project_date", table_name="runs")
    op.drop_table("runs")
    op.drop_table("projects")
