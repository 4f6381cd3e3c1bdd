"""dispatch: an escalation is about one assignment or one deadline, not once per report and kind for ever

An extended or reopened report near its new deadline, or an urgent report that a second unit does not accept
either, must reach the supervisors again.

Revision ID: m1_escalation_subject
Revises: l1_evidence_seal_lease
Create Date: 2026-12-04 19:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "m1_escalation_subject"
down_revision: str | None = "l1_evidence_seal_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("escalations") as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=80), nullable=False, server_default=""))
        batch_op.drop_constraint("uq_escalations_report_kind", type_="unique")
        batch_op.create_unique_constraint("uq_escalations_report_kind_subject", ["report_id", "kind", "subject"])


def downgrade() -> None:
    # the older schema holds one escalation per report and kind: keep the first of each
    op.execute("DELETE FROM escalations WHERE EXISTS (SELECT 1 FROM escalations AS o "
               "WHERE o.report_id = escalations.report_id AND o.kind = escalations.kind "
               "AND (o.created_at < escalations.created_at "
               "OR (o.created_at = escalations.created_at AND o.id < escalations.id)))")
    with op.batch_alter_table("escalations") as batch_op:
        batch_op.drop_constraint("uq_escalations_report_kind_subject", type_="unique")
        batch_op.create_unique_constraint("uq_escalations_report_kind", ["report_id", "kind"])
        batch_op.drop_column("subject")
