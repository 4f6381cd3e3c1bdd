"""ledger: each seal signs the root of every scope's chain head (the state tree), so a report's proof shows where
the report's chain ends and no later entry can be left out of it

Revision ID: x2_ledger_heads
Revises: x1_routing_failed_index
Create Date: 2026-12-05 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "x2_ledger_heads"
down_revision: str | None = "x1_routing_failed_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # seals made before stay without a state: their MACs and signatures were made without it. The first seal after
    # this one builds the tree from every entry (backend/ledger/heads.py); ALTER TABLE passes the append-only trigger
    with op.batch_alter_table("ledger_seals") as batch_op:
        batch_op.add_column(sa.Column("state_root", sa.String(length=64), nullable=True))
    # derived from the entries and rewritten by each seal: not append-only (no zan_append_only trigger)
    op.create_table(
        "ledger_state_nodes",
        sa.Column("place", sa.String(length=256), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=True),
        sa.Column("value", sa.String(length=64), nullable=True),
        sa.Column("seal_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("place"),
    )


def downgrade() -> None:
    op.drop_table("ledger_state_nodes")
    with op.batch_alter_table("ledger_seals") as batch_op:
        batch_op.drop_column("state_root")
