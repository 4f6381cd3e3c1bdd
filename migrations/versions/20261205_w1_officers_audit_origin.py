"""audit_log: the enrolled tablet and the login session of the officer whose request wrote the line

Revision ID: w1_officers_audit_origin
Revises: v1_ledger_report_chain
Create Date: 2026-12-05 08:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "w1_officers_audit_origin"
down_revision: str | None = "v1_ledger_report_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # nullable: lines written before, and those no officer's request wrote (jobs, partners, the console, the bots),
    # name no tablet. audit_log's append-only trigger (PostgreSQL) refuses UPDATE and DELETE, not ALTER TABLE; the
    # ledger hashes the columns each seal lists in its layout, so seals made before these columns still verify
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.add_column(sa.Column("device_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("session_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_column("session_id")
        batch_op.drop_column("device_id")
