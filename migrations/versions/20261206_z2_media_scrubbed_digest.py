"""media: the sha256 and size of an anonymous report's copy without its author's metadata

Staff were shown the original file's sha256 for an anonymous report's files: a fingerprint of the author's own file
(on their phone, in a chat) that the copy they download does not even match. The scrub job now records the copy's
hash and size, and staff see those. Copies made before keep null: their hash is not shown.

Revision ID: z2_media_scrubbed_digest
Revises: z1_oversight_terms_index
Create Date: 2026-12-06 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "z2_media_scrubbed_digest"
down_revision: str | None = "z1_oversight_terms_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("scrubbed_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("scrubbed_size", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.drop_column("scrubbed_size")
        batch.drop_column("scrubbed_sha256")
