"""citizen bot: whether a chat's language was chosen by the user or is only the phone's interface language

Revision ID: t1_telegram_language_chosen
Revises: s0_merge_heads
Create Date: 2026-12-05 03:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "t1_telegram_language_chosen"
down_revision: str | None = "s0_merge_heads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows are set true for none: a link made by /start and one made by filing a report without /start
    # (which stored the phone's interface language) cannot be told apart, so every existing language counts as not
    # chosen (unknown → not chosen). Such chats get legal answers in their question's language until the user picks
    # a language again; the server default false fills them.
    with op.batch_alter_table("telegram_links") as batch_op:
        batch_op.add_column(sa.Column("language_chosen", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("telegram_links") as batch_op:
        batch_op.drop_column("language_chosen")
