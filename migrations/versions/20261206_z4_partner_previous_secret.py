"""partners: the secret before a rotation, accepted until the end of its grace period

`zan partners rotate-secret --grace-minutes N` keeps the partner's old secret (sealed, like the new one) and the time
until which requests signed with it are still accepted, so the partner deploys the new secret without an outage.
Null without a grace period, and for every partner before this revision.

Revision ID: z4_partner_previous_secret
Revises: z3_sync_role_tenures
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "z4_partner_previous_secret"
down_revision: str | None = "z3_sync_role_tenures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("previous_secret_sealed", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("previous_secret_until")
        batch.drop_column("previous_secret_sealed")
