"""sync: when an evidence upload last received a chunk, so the stale-upload purge never resets one in progress

Revision ID: u1_sync_evidence_received_at
Revises: u1_notify_drop_device_unit
Create Date: 2026-12-05 05:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "u1_sync_evidence_received_at"
down_revision: str | None = "u1_notify_drop_device_unit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_blobs") as batch_op:
        batch_op.add_column(sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence_blobs") as batch_op:
        batch_op.drop_column("received_at")
