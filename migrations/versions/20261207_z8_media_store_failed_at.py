"""media: when a pending file's last completion failed because the media store was down

A declared file never completed went a day after its declaration (backend.media.cleanup.purge_unused), however
recently its completion had failed with 503 `media.store_unavailable`, which apps retry: after an outage of over a
day the purge, running every minute, deleted the citizen's upload as soon as the store was back, before the app's
next retry. `store_failed_at` records the last such failure, and the purge counts the day from it. Null for every
file before this revision (its day counts from its declaration, as before).

Revision ID: z8_media_store_failed_at
Revises: z7_late_closing_set_aside
Create Date: 2026-12-07 15:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "z8_media_store_failed_at"
down_revision: str | None = "z7_late_closing_set_aside"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # nullable, no default: adding it rewrites no row on either database
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("store_failed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.drop_column("store_failed_at")
