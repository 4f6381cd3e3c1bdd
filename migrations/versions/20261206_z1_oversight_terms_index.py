"""index for the oversight list of reports past their terms

GET /api/v1/oversight/terms (backend.oversight) pages reports that missed a term of the law, newest registration
first: open ones past their deadline, ones closed after it, ones redirected after their redirect term. Without an
index each page read every report of the officer's region (every report, for a national one) and sorted them:
10-26 ms a page at 50,000 reports on PostgreSQL, growing with the table. This partial index holds only the reports
that have missed a term or still may (every open report, and the closed ones closed late: a few per cent), on
(created_at, id), the page's order: a page walks it backwards and stops at its limit (0.2-0.7 ms at 50,000).

Its predicate is in every page's WHERE as written (backend.reports.models.terms_missed), which SQLite needs to use
a partial index. On PostgreSQL it is built CONCURRENTLY, outside the migration's transaction, as x1 builds its
index: a plain CREATE INDEX would hold off intake while it reads the whole table. A build that failed half-way
leaves an invalid index behind; running the upgrade again drops it first.

Revision ID: z1_oversight_terms_index
Revises: y1_ledger_comments
Create Date: 2026-12-06 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "z1_oversight_terms_index"
down_revision: str | None = "y1_ledger_comments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_reports_terms_missed"
COLUMNS = ["created_at", "id"]
# as backend.reports.models.terms_missed() (a frozen copy: a migration does not change with the code)
MISSED = "status != 'closed' OR closed_at > deadline_at OR closed_at > redirect_due_at"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(NAME, "reports", COLUMNS, sqlite_where=sa.text(MISSED))
        return
    with op.get_context().autocommit_block():
        op.drop_index(NAME, table_name="reports", postgresql_concurrently=True, if_exists=True)
        op.create_index(NAME, "reports", COLUMNS, postgresql_where=sa.text(MISSED), postgresql_concurrently=True)


def downgrade() -> None:
    op.drop_index(NAME, table_name="reports")
