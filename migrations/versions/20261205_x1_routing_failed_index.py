"""index for the count of open reports routing failed for

backend.routing.failures counts open reports with routing_state 'failed' for /health and /metrics on every call,
and lists them (newest first) for dispatchers: without an index each of those read every report (300,000 at
realistic volume). A partial index over just those reports (a handful, routing rarely fails), its predicate the
query's WHERE exactly, on (routing_state, created_at, id): the count reads the index alone, the dispatchers' list
reads it in order. The leading routing_state is the same in every row, but it makes the count an equality search
for SQLite's planner (it keeps no statistics): on (created_at, id) alone it weighed a scan of this index against one
of ix_reports_open_deadline (every open report) and took the narrower, the wrong one.

On PostgreSQL it is built CONCURRENTLY, outside the migration's transaction, as q1_scale_indexes builds its indexes:
a plain CREATE INDEX would hold off every write to reports (intake) while it reads the whole table. A build that
failed half-way leaves an invalid index behind; running the upgrade again drops it first.

Revision ID: x1_routing_failed_index
Revises: w1_officers_audit_origin
Create Date: 2026-12-05 09:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "x1_routing_failed_index"
down_revision: str | None = "w1_officers_audit_origin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_reports_routing_failed"
COLUMNS = ["routing_state", "created_at", "id"]
# as backend.routing.failures' query renders it, term by term and in its order (SQLite matches terms as written)
FAILED_OPEN = "routing_state = 'failed' AND status != 'closed'"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(NAME, "reports", COLUMNS, sqlite_where=sa.text(FAILED_OPEN))
        return
    with op.get_context().autocommit_block():
        op.drop_index(NAME, table_name="reports", postgresql_concurrently=True, if_exists=True)
        op.create_index(NAME, "reports", COLUMNS, postgresql_where=sa.text(FAILED_OPEN), postgresql_concurrently=True)


def downgrade() -> None:
    op.drop_index(NAME, table_name="reports")
