"""ledger: each scope's chain of entries (a report's rows), so a proof shows that none of them was left out

Revision ID: v1_ledger_report_chain
Revises: v1_sync_wanted_scope
Create Date: 2026-12-05 08:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "v1_ledger_report_chain"
down_revision: str | None = "v1_sync_wanted_scope"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # entries sealed before stay without a place in a chain: their seals' digests and roots were made over them as
    # they are (backend/ledger/chain.py); ledger_entries' append-only trigger refuses UPDATE, not ALTER TABLE
    with op.batch_alter_table("ledger_entries") as batch_op:
        batch_op.add_column(sa.Column("scope_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("scope_prev", sa.String(length=64), nullable=True))
    # the sealer's lookup of each scope's last entry, and no two entries at one place in a chain (NULLs: the old)
    op.create_index("ux_ledger_entries_scope_seq", "ledger_entries", ["scope", "scope_seq"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_ledger_entries_scope_seq", table_name="ledger_entries")
    with op.batch_alter_table("ledger_entries") as batch_op:
        batch_op.drop_column("scope_prev")
        batch_op.drop_column("scope_seq")
