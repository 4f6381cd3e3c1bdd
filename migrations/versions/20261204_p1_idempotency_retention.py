"""reports: index idempotency records by age for the retention purge

Keys are now forgotten after 30 days (backend/reports/idempotency.py purge_expired, every minute); without this index
each run would scan the whole table.

Revision ID: p1_idempotency_retention
Revises: n1_one_open_shift
Create Date: 2026-12-04 23:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "p1_idempotency_retention"
down_revision: str | None = "n1_one_open_shift"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


NAME, TABLE = "ix_idempotency_records_created_at", "idempotency_records"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(NAME, TABLE, ["created_at"])
        return
    # CONCURRENTLY, outside the migration's transaction: every registration writes a row here, and a plain CREATE
    # INDEX would hold them all off while it reads a table as large as reports. A build that failed half-way leaves
    # an invalid index behind; running the upgrade again drops it first.
    with op.get_context().autocommit_block():
        op.drop_index(NAME, table_name=TABLE, postgresql_concurrently=True, if_exists=True)
        op.create_index(NAME, TABLE, ["created_at"], postgresql_concurrently=True)


def downgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)
