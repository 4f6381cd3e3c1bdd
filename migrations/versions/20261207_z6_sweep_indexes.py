"""indexes for two scans that still read years of rows every minute or on every readiness probe

bench/queries.py at three years of data (docs/benchmarks-queries.md, 2026-12-07):

- assignments (assigned_at) of the custody records still held and not accepted: the SLA job asks every minute which
  urgent reports' crews have not accepted them (backend.dispatch.jobs.awaiting_crew) and read the whole table for it,
  265,000 rows, 18–28 ms a minute growing with the years; a closing releases a record, so a few hundred are indexed.
- notification_deliveries (kind, id) of dead-lettered deliveries: /health and every metrics scrape count them per
  kind (backend.health.dead_letters); dead rows are kept for `zan notifications retry`, and counting a kind with none
  walked every other kind's dead row through the heap (~100 ms per probe with 5,920 dead pushes).

Built CONCURRENTLY on PostgreSQL, outside the migration's transaction, as q1_scale_indexes does: a plain CREATE INDEX
holds off every write to the table while it reads it. A build that failed half-way leaves an invalid index behind;
running the upgrade again drops it first.

Revision ID: z6_sweep_indexes
Revises: z5_officer_sign_in_expiry
Create Date: 2026-12-07 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "z6_sweep_indexes"
down_revision: str | None = "z5_officer_sign_in_expiry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, table, columns, predicate): the predicate as the models write it at this revision, the same text on both
# databases (a migration never imports the models: they move on)
INDEXES: list[tuple[str, str, list[str], str]] = [
    ("ix_assignments_unaccepted", "assignments", ["assigned_at"], "released_at IS NULL AND accepted_at IS NULL"),
    ("ix_notification_deliveries_dead", "notification_deliveries", ["kind", "id"], "status = 'dead'"),
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for name, table, columns, predicate in INDEXES:
            op.create_index(name, table, columns, sqlite_where=sa.text(predicate))
        return
    with op.get_context().autocommit_block():
        for name, table, columns, predicate in INDEXES:
            op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
            op.create_index(name, table, columns, postgresql_where=sa.text(predicate), postgresql_concurrently=True)


def downgrade() -> None:
    for name, table, *_ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
