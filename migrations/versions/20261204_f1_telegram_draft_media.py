"""citizen bot: photos and videos of a report being written, one row each (albums arrive as concurrent updates)

Revision ID: f1_telegram_draft_media
Revises: d1_bots
Create Date: 2026-12-04 05:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1_telegram_draft_media"
down_revision: str | None = "d1_bots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_draft_media",
        sa.Column("draft_key", sa.String(length=64), nullable=False),
        sa.Column("file_unique_id", sa.String(length=100), nullable=False),
        sa.Column("media_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name=op.f("fk_telegram_draft_media_media_id_media")),
        sa.PrimaryKeyConstraint("draft_key", "file_unique_id", name=op.f("pk_telegram_draft_media")),
    )


def downgrade() -> None:
    op.drop_table("telegram_draft_media")
