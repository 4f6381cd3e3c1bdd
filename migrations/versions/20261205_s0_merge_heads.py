"""merge the three branches into one head (no schema change)

The officers, bots and notifications revisions grew from the first one as separate branches, leaving three heads:
`zan db downgrade` (one step) was ambiguous and `zan db upgrade --revision head` refused. From here on there is one
head again; a new revision revises this one.

Revision ID: s0_merge_heads
Revises: f1_telegram_draft_media, o1_push_device_tablet, q1_scale_indexes
Create Date: 2026-12-05 12:00:00
"""
from collections.abc import Sequence

revision: str = "s0_merge_heads"
down_revision: str | Sequence[str] | None = ("f1_telegram_draft_media", "o1_push_device_tablet", "q1_scale_indexes")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
