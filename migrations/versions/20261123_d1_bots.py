"""telegram bots: chat links and seen webhook updates

Revision ID: d1_bots
Revises: a4faecb8a040
Create Date: 2026-11-23 15:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "d1_bots"
down_revision: str | None = "a4faecb8a040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizens.id"], name=op.f("fk_telegram_links_citizen_id_citizens")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_links")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_telegram_links_chat_id")),
        sa.UniqueConstraint("citizen_id", name=op.f("uq_telegram_links_citizen_id")),
    )
    op.create_table(
        "telegram_updates_seen",
        sa.Column("bot", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot", "update_id", name=op.f("pk_telegram_updates_seen")),
    )
    with op.batch_alter_table("telegram_updates_seen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telegram_updates_seen_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("telegram_updates_seen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_updates_seen_expires_at"))
    op.drop_table("telegram_updates_seen")
    op.drop_table("telegram_links")
