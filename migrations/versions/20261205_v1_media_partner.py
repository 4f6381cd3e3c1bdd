"""media: the partner app a file was declared through (it is used through that app only)

Existing files were declared before files recorded their app: they keep a null partner, which any app of their
owner may use, as before.

Revision ID: v1_media_partner
Revises: v1_notify_chat_blocked
Create Date: 2026-12-05 07:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "v1_media_partner"
down_revision: str | None = "v1_notify_chat_blocked"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("media") as batch_op:
        batch_op.add_column(sa.Column("partner_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_media_partner_id_partners"), "partners", ["partner_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("media") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_media_partner_id_partners"), type_="foreignkey")
        batch_op.drop_column("partner_id")
