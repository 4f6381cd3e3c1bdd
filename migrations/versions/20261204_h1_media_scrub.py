"""media: the copy without identifying metadata that staff get for anonymous reports

Revision ID: h1_media_scrub
Revises: g1_officer_language
Create Date: 2026-12-04 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h1_media_scrub"
down_revision: str | None = "g1_officer_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("media") as batch_op:
        batch_op.add_column(sa.Column("scrubbed_key", sa.String(length=210), nullable=True))
        batch_op.add_column(sa.Column("scrub", sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("media") as batch_op:
        batch_op.drop_column("scrub")
        batch_op.drop_column("scrubbed_key")
