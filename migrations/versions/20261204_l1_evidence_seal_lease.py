"""sync: a lease while an evidence upload moves to the media store, instead of a row lock held through the upload

Revision ID: l1_evidence_seal_lease
Revises: k1_signed_seals
Create Date: 2026-12-04 19:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "l1_evidence_seal_lease"
down_revision: str | None = "k1_signed_seals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_blobs") as batch_op:
        batch_op.add_column(sa.Column("sealing_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence_blobs") as batch_op:
        batch_op.drop_column("sealing_until")
