"""media: when objects a failed deletion left in the store (an upload, a refused file) are to be deleted again

Revision ID: v1_media_cleanup
Revises: v1_media_partner
Create Date: 2026-12-05 07:31:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "v1_media_cleanup"
down_revision: str | None = "v1_media_partner"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("media") as batch_op:
        batch_op.add_column(sa.Column("cleanup_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_media_cleanup_at"), ["cleanup_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("media") as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_cleanup_at"))
        batch_op.drop_column("cleanup_at")
