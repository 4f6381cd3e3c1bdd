"""ledger: a checkpoint for the hourly reread of a day, so a reread cut off by the worker cron's timeout goes on
from where it stopped instead of starting again

Revision ID: u1_ledger_checkpoints
Revises: t1_telegram_language_chosen
Create Date: 2026-12-05 04:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "u1_ledger_checkpoints"
down_revision: str | None = "t1_telegram_language_chosen"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # not append-only (no zan_append_only trigger): the sealer moves it on as it reads
    op.create_table(
        "ledger_checkpoints",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("positions", sa.JSON(), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("ledger_checkpoints")
