"""ledger: a Merkle root and an Ed25519 signature (chained) on each seal, for proofs a third party checks

Revision ID: k1_signed_seals
Revises: j1_key_ids
Create Date: 2026-12-04 18:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "k1_signed_seals"
down_revision: str | None = "j1_key_ids"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # nullable: the seals made before this revision have neither, and stay checkable by their MAC alone
    with op.batch_alter_table("ledger_seals") as batch_op:
        batch_op.add_column(sa.Column("root", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("signature", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("prev_signature", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_seals") as batch_op:
        batch_op.drop_column("prev_signature")
        batch_op.drop_column("signature")
        batch_op.drop_column("root")
