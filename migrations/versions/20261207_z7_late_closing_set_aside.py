"""reports: the late closing a reopening set aside, and the oversight list's index holding it

A reopening (a citizen's appeal, oversight's) clears `closed_at` and starts a fresh term, so a decision given after
its term vanished from the prosecutors' terms list and figures, which read the row, the moment the report was
reopened; a withdrawn appeal then measured the withdrawal against the fresh term and counted it closed in term.
`late_closed_at` / `late_deadline_at` keep the latest such closing and the term it missed (backend.reports.transitions),
null for every report before this revision (a closing set aside earlier is in its reopen event's history only).

ix_reports_terms_missed (z1) is rebuilt with its predicate extended to them (backend.reports.models.terms_missed),
as every page's WHERE now holds it, which SQLite needs to use a partial index. On PostgreSQL it is built
CONCURRENTLY, outside the migration's transaction, as z1 built it; a build that failed half-way leaves an invalid
index behind, and running the upgrade again drops it first.

Revision ID: z7_late_closing_set_aside
Revises: z6_sweep_indexes
Create Date: 2026-12-07 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "z7_late_closing_set_aside"
down_revision: str | None = "z6_sweep_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_reports_terms_missed"
COLUMNS = ["created_at", "id"]
# as backend.reports.models.terms_missed() at this revision and at z1 (frozen copies: a migration does not change
# with the code)
BEFORE = "status != 'closed' OR closed_at > deadline_at OR closed_at > redirect_due_at"
MISSED = f"{BEFORE} OR late_closed_at IS NOT NULL"
ADDED = ("late_closed_at", "late_deadline_at")


def _index(predicate: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.drop_index(NAME, table_name="reports", if_exists=True)
        op.create_index(NAME, "reports", COLUMNS, sqlite_where=sa.text(predicate))
        return
    with op.get_context().autocommit_block():
        op.drop_index(NAME, table_name="reports", postgresql_concurrently=True, if_exists=True)
        op.create_index(NAME, "reports", COLUMNS, postgresql_where=sa.text(predicate), postgresql_concurrently=True)


def upgrade() -> None:
    # nullable, no default: adding them rewrites no row on either database. On PostgreSQL the index build below commits
    # them first (autocommit block) while the revision is recorded only at the end: an upgrade stopped in the build
    # leaves them behind at z6, and running it again must take them as they are (IF NOT EXISTS; the same schema)
    if op.get_bind().dialect.name == "postgresql":
        for name in ADDED:
            op.execute(f"ALTER TABLE reports ADD COLUMN IF NOT EXISTS {name} TIMESTAMP WITH TIME ZONE")
    else:
        for name in ADDED:
            op.add_column("reports", sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    _index(MISSED)


def downgrade() -> None:
    # the index names late_closed_at: back to z1's predicate first, or SQLite refuses to drop the column
    _index(BEFORE)
    for name in reversed(ADDED):
        op.drop_column("reports", name)
