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


def upgrade() -> None:
    op.create_index("ix_idempotency_records_created_at", "idempotency_records", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_records_created_at", table_name="idempotency_records")
