"""notifications: drop notification_devices.unit_id

The column copied the officer's unit onto a push registration when it was made, and nothing ever read it: a unit's
pushes find its crew through unit_members when they are sent (backend/notifications/fanout.py), because officers move
between units and the copy went stale the moment one did. Escalations go to the district's supervisors and area
alerts to tablets by position, so no push is addressed by the registering unit either. Dropped with its index; a
downgrade brings the column back empty (what it held was never used).

Revision ID: u1_notify_drop_device_unit
Revises: u1_ledger_checkpoints
Create Date: 2026-12-05 05:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "u1_notify_drop_device_unit"
down_revision: str | None = "u1_ledger_checkpoints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification_devices") as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_devices_unit_id"))
        batch_op.drop_column("unit_id")


def downgrade() -> None:
    with op.batch_alter_table("notification_devices") as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notification_devices_unit_id"), ["unit_id"], unique=False)
