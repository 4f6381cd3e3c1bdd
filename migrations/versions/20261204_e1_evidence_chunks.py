"""evidence chunks staged in the database; sealed files move to the media store

Revision ID: e1_evidence_chunks
Revises: c1_officers
Create Date: 2026-12-04 05:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e1_evidence_chunks"
down_revision: str | None = "c1_officers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_chunks",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "offset", name=op.f("pk_evidence_chunks")),
    )
    # Unfinished uploads kept their bytes in per-replica partial files, which this version no longer reads: the
    # tablets see `received` = 0 on their next status check and upload those files again from the start.
    op.execute(sa.text("UPDATE evidence_blobs SET received = 0 WHERE NOT complete"))


def downgrade() -> None:
    # the staged chunks go with the table; unfinished uploads restart from zero, as on the way up
    op.execute(sa.text("UPDATE evidence_blobs SET received = 0 WHERE NOT complete"))
    op.drop_table("evidence_chunks")
