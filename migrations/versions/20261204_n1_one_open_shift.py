"""officers: at most one open shift per officer

Two taps of the duty bot's shift button could each open a shift; ending one left the officer on shift. Existing
duplicates are closed first (the earliest open shift stays open), then a partial unique index forbids them.

Revision ID: n1_one_open_shift
Revises: m1_escalation_subject
Create Date: 2026-12-04 20:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "n1_one_open_shift"
down_revision: str | None = "m1_escalation_subject"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "ended_at IS NULL"


def upgrade() -> None:
    # the later duplicates were double taps, never a real shift: close them as zero-length at their own start
    op.execute("UPDATE shifts SET ended_at = started_at WHERE ended_at IS NULL AND EXISTS (SELECT 1 FROM shifts AS o "
               "WHERE o.officer_id = shifts.officer_id AND o.ended_at IS NULL "
               "AND (o.started_at < shifts.started_at "
               "OR (o.started_at = shifts.started_at AND o.id < shifts.id)))")
    op.create_index("uq_shifts_officer_open", "shifts", ["officer_id"], unique=True,
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def downgrade() -> None:
    # the duplicates closed by the upgrade stay closed: they were never real shifts
    op.drop_index("uq_shifts_officer_open", table_name="shifts")
