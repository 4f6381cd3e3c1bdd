"""duty bot: chats Telegram refuses for good (blocked the bot, account deleted, chat gone), skipped until they write

Revision ID: v1_notify_chat_blocked
Revises: u1_sync_evidence_received_at
Create Date: 2026-12-05 07:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "v1_notify_chat_blocked"
down_revision: str | None = "u1_sync_evidence_received_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The citizen bot's link already has `telegram_links.blocked_at`; the duty bot's chats are a column of
    # `officers`, and the mark belongs to the chat, not to the officer, so it is a table keyed by the chat.
    # Nothing is known to be blocked yet: the table starts empty and fills on Telegram's first refusal.
    op.create_table(
        "officer_bot_blocked_chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )


def downgrade() -> None:
    op.drop_table("officer_bot_blocked_chats")
