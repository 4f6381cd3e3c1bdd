"""officer_sessions: when a sign-in's devices were told it is about to end, and an index on its end

An officer's sign-in on a tablet or phone ends 30 days after the login, and with it every push to the devices
registered from there. `expiry_reminded_at` records that those devices were told (backend.officers.jobs), so each
sign-in is reminded once; the per-minute job finds the sign-ins ending within days by `expires_at`. Null for every
sign-in before this revision: those ending within the reminder's window are reminded once it runs.

Revision ID: z5_officer_sign_in_expiry
Revises: z4_partner_previous_secret
Create Date: 2026-12-07 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "z5_officer_sign_in_expiry"
down_revision: str | None = "z4_partner_previous_secret"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("officer_sessions") as batch:
        batch.add_column(sa.Column("expiry_reminded_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_officer_sessions_expires_at", "officer_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_officer_sessions_expires_at", table_name="officer_sessions")
    with op.batch_alter_table("officer_sessions") as batch:
        batch.drop_column("expiry_reminded_at")
