"""jobs: worker heartbeats in the database, so /health and the worker container's health check see a worker that
is gone or hung (its relay or its SAQ consumer stopped) also while Redis is down

Revision ID: x3_worker_heartbeat
Revises: x2_ledger_heads
Create Date: 2026-12-05 10:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "x3_worker_heartbeat"
down_revision: str | None = "x2_ledger_heads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a handful of rows (one per worker process), rewritten every few seconds: no index beyond the key
    op.create_table(
        "worker_heartbeats",
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("relay_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("saq_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("saq_running", sa.Integer(), nullable=False),
        sa.Column("saq_concurrency", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hostname", "pid", name=op.f("pk_worker_heartbeats")),
    )


def downgrade() -> None:
    op.drop_table("worker_heartbeats")
