"""ledger: seals over the append-only record, and PostgreSQL triggers that keep it append-only

Revision ID: i1_ledger
Revises: h1_media_scrub
Create Date: 2026-12-04 15:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i1_ledger"
down_revision: str | None = "h1_media_scrub"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the record, and the seals over it: rows are appended, never changed or removed
APPEND_ONLY = ("report_events", "routing_decisions", "evidence", "audit_log", "ledger_seals", "ledger_entries")
TIME_INDEXES = (("report_events", "created_at"), ("routing_decisions", "created_at"), ("evidence", "created_at"),
                ("audit_log", "at"))


def upgrade() -> None:
    op.create_table(
        "ledger_seals",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("layout", sa.JSON(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("prev_mac", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(length=120), nullable=False),
        sa.Column("seal_id", sa.Integer(), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["seal_id"], ["ledger_seals.id"]),
        sa.PrimaryKeyConstraint("table_name", "row_id"),
    )
    op.create_index("ix_ledger_entries_scope", "ledger_entries", ["scope"])
    op.create_index("ix_ledger_entries_seal_id", "ledger_entries", ["seal_id"])
    # each seal reads the rows appended since the previous one: a keyset range on (time appended, id)
    for table, column in TIME_INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column, "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION zan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'zan: % is append-only (% refused)', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END $$""")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION zan_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION zan_append_only()")
    for table, column in TIME_INDEXES:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    op.drop_index("ix_ledger_entries_seal_id", table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_scope", table_name="ledger_entries")
    op.drop_table("ledger_entries")
    op.drop_table("ledger_seals")
