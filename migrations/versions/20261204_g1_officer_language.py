"""officers: the language the duty bot speaks to them

Revision ID: g1_officer_language
Revises: e1_evidence_chunks
Create Date: 2026-12-04 05:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "g1_officer_language"
down_revision: str | None = "e1_evidence_chunks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("officers") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=2), server_default="ru", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("officers") as batch_op:
        batch_op.drop_column("language")
