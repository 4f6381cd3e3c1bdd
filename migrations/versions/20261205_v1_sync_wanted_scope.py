"""sync: wanted-list entries scoped national / region, and past crew memberships

Wanted entries now reach only the tablets of their region (or every tablet when `national`). An entry whose region
is not one of the 20 region slugs (written before regions were checked) would reach no tablet at all; before this
revision every tablet got it, so it is made `national`, which keeps it where it was.

`sync_unit_tenures` keeps an officer's crew memberships that ended, so notes their tablet queued in the field
before a move to another unit are kept on the old unit's reports.

Revision ID: v1_sync_wanted_scope
Revises: v1_media_cleanup
Create Date: 2026-12-05 07:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "v1_sync_wanted_scope"
down_revision: str | None = "v1_media_cleanup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# ml.geo.REGION_CODES as of this revision (a migration never imports code that may change after it)
REGIONS = (
    "astana", "almaty", "shymkent", "abai", "akmola", "aktobe", "almaty-region", "atyrau", "east-kazakhstan",
    "jetisu", "karaganda", "kostanay", "kyzylorda", "mangystau", "north-kazakhstan", "pavlodar", "turkistan",
    "ulytau", "west-kazakhstan", "zhambyl",
)


def upgrade() -> None:
    for table in ("wanted_persons", "wanted_vehicles"):
        rows = sa.table(table, sa.column("region", sa.String))
        op.execute(rows.update().where(rows.c.region.not_in(("national", *REGIONS))).values(region="national"))
    op.create_table(
        "sync_unit_tenures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("officer_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"], name=op.f("fk_sync_unit_tenures_officer_id_officers")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_sync_unit_tenures_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_unit_tenures")),
    )
    with op.batch_alter_table("sync_unit_tenures") as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_unit_tenures_officer_id"), ["officer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sync_unit_tenures") as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_unit_tenures_officer_id"))
    op.drop_table("sync_unit_tenures")
    # the regions made `national` stay so: what they were is not kept, and national is how every tablet had them
