"""keys: which ZAN_SECRET_KEY made a citizen's keyed hash and a ledger seal's MAC, so the key can be rotated

Revision ID: j1_key_ids
Revises: i1_ledger
Create Date: 2026-12-04 17:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "j1_key_ids"
down_revision: str | None = "i1_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("citizens", "ledger_seals")


def upgrade() -> None:
    # nullable, no default: the rows made before this revision say "an earlier key, not known which"
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("key_id")
