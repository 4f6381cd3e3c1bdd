"""bots: a database claim on a Telegram update holds its holder's token, as the Redis one does, so a holder whose
claim expired and was taken over by another delivery no longer releases (or renews) the new holder's claim

Revision ID: x4_updates_claim_token
Revises: x3_worker_heartbeat
Create Date: 2026-12-05 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "x4_updates_claim_token"
down_revision: str | None = "x3_worker_heartbeat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # nullable, no backfill: rows written before (claims of processes still on the old code, done marks) have no
    # token and are told apart by when they expire, as before
    with op.batch_alter_table("telegram_updates_seen") as batch_op:
        batch_op.add_column(sa.Column("claim_token", AutoString(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("telegram_updates_seen") as batch_op:
        batch_op.drop_column("claim_token")
