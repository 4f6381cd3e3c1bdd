"""notifications: the enrolled tablet an officer's push registration was made from

Revoking a lost or stolen tablet killed its sessions, but the push registration made from it stayed active and kept
receiving assignment pushes and area alerts. Registrations now remember the tablet (officer_devices.id, the login
session's device_pk) so that revoking it deactivates them. No foreign key, as for officer_id: the notifications and
officers migrations stay independent. Existing registrations are left without a tablet (not knowable afterwards).

On the notifications branch (as bots' migrations follow d1_bots), where notification_devices is created: after the
officers chain's head (n1_one_open_shift) Alembic may run this before b1_notifications made the table.

Revision ID: o1_push_device_tablet
Revises: b1_notifications
Create Date: 2026-12-04 21:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "o1_push_device_tablet"
down_revision: str | None = "b1_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification_devices") as batch_op:
        batch_op.add_column(sa.Column("officer_device_pk", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification_devices") as batch_op:
        batch_op.drop_column("officer_device_pk")
