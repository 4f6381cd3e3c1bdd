"""ledger: citizens' comments are sealed like report events (their `comment` event names only the comment's id), so
the sealer reads them by a keyset on (created_at, id), and PostgreSQL refuses UPDATE and DELETE on them as it does on
the other sealed tables (migration i1's zan_append_only). Comments already there are sealed by the first rereads
after the upgrade (`zan ledger seal --full` at once), days after their time: a proof lists them among its rows sealed
late (proof.late), naming this migration among the reasons.

Revision ID: y1_ledger_comments
Revises: x4_updates_claim_token
Create Date: 2026-12-05 19:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "y1_ledger_comments"
down_revision: str | None = "x4_updates_claim_token"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_report_comments_created_at", "report_comments", ["created_at", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER report_comments_append_only BEFORE UPDATE OR DELETE ON report_comments "
                   "FOR EACH ROW EXECUTE FUNCTION zan_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER report_comments_append_only ON report_comments")
    op.drop_index("ix_report_comments_created_at", table_name="report_comments")
