"""indexes for the queries that scanned whole tables at realistic volume

bench/queries.py loads three years of data (300,000 reports, 1.5 M events, …) and EXPLAINs what the service sends;
docs/benchmarks-queries.md has the plans before and after. Most are partial indexes over open reports (2 % of the
table), each matching its query's WHERE exactly:

- reports (deadline_at), (redirect_due_at) of open reports: the SLA escalation job's scans, every minute
- reports (incident_id) of waiting reports (triage, or open with no unit): the dispatch queue and its per-incident
  lookups
- reports (unit_id, id) of open reports: a tablet's snapshot and deltas (reports, notes and evidence of its unit)
- reports (category, created_at) of open reports: duplicate detection's candidates
- escalations (created_at, id): the supervisors' escalation list, newest first
- ledger_seals (sealed_at): where the sealer's window starts (the last complete seal), every minute
- evidence_blobs (created_at) of unfinished uploads: the stale-upload purge
- sync_changes (created_at): the change log's compaction, every minute

On PostgreSQL they are built CONCURRENTLY, outside the migration's transaction: a plain CREATE INDEX holds off every
write to reports (intake) while it reads the whole table. A build that failed half-way leaves an invalid index
behind; running the upgrade again drops it first.

Revision ID: q1_scale_indexes
Revises: p1_idempotency_retention
Create Date: 2026-12-05 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "q1_scale_indexes"
down_revision: str | None = "p1_idempotency_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status != 'closed'"
WAITING = "(status != 'closed' AND unit_id IS NULL) OR status = 'triage'"

# (name, table, columns, PostgreSQL predicate, SQLite predicate): each predicate as the query renders it on that
# database, so that both planners match it (SQLite compares terms as written; booleans are 0/1 there)
INDEXES: list[tuple[str, str, list[str], str | None, str | None]] = [
    ("ix_reports_open_deadline", "reports", ["deadline_at"], OPEN, OPEN),
    ("ix_reports_open_redirect_due", "reports", ["redirect_due_at"], f"{OPEN} AND redirect_due_at IS NOT NULL",
     f"{OPEN} AND redirect_due_at IS NOT NULL"),
    ("ix_reports_waiting", "reports", ["incident_id"], WAITING, WAITING),
    ("ix_reports_open_unit", "reports", ["unit_id", "id"], OPEN, OPEN),
    ("ix_reports_open_category", "reports", ["category", "created_at"], OPEN, OPEN),
    ("ix_escalations_created_at", "escalations", ["created_at", "id"], None, None),
    ("ix_ledger_seals_sealed_at", "ledger_seals", ["sealed_at"], None, None),
    ("ix_evidence_blobs_incomplete", "evidence_blobs", ["created_at"], "complete IS false", "complete IS 0"),
    ("ix_sync_changes_created_at", "sync_changes", ["created_at"], None, None),
]


def _where(predicate: str | None) -> sa.TextClause | None:
    return sa.text(predicate) if predicate else None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for name, table, columns, _, sqlite_where in INDEXES:
            op.create_index(name, table, columns, sqlite_where=_where(sqlite_where))
        return
    with op.get_context().autocommit_block():
        for name, table, columns, postgresql_where, _ in INDEXES:
            op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
            op.create_index(name, table, columns, postgresql_where=_where(postgresql_where),
                            postgresql_concurrently=True)


def downgrade() -> None:
    for name, table, *_ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
