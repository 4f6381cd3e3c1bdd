"""sync: the roles officers held and until when

`officers.role` is overwritten in place, so nothing said when a patrol officer became a dispatcher: their tablet's
outbox of field work written before that got 403 on every push and was lost. `sync_role_tenures` keeps the role an
officer leaves and when, and the work stamped before it is judged as the field officer's it was (backend.sync.duty).
On PostgreSQL a trigger writes it, so a role changed by hand in SQL is recorded too; on SQLite (embedded) the ORM
does (backend.sync.tenure). Roles changed before this revision left no record: those officers' tablets are refused.

Revision ID: z3_sync_role_tenures
Revises: z2_media_scrubbed_digest
Create Date: 2026-12-06 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "z3_sync_role_tenures"
down_revision: str | None = "z2_media_scrubbed_digest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the role left, with when: clock_timestamp(), the moment of the change, not its transaction's start
ROLE_LEFT = """
CREATE FUNCTION zan_role_left() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_role_tenures (id, officer_id, role, until)
    VALUES (gen_random_uuid(), OLD.id, OLD.role, clock_timestamp());
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "sync_role_tenures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("officer_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"], name=op.f("fk_sync_role_tenures_officer_id_officers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_role_tenures")),
    )
    with op.batch_alter_table("sync_role_tenures") as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_role_tenures_officer_id"), ["officer_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(ROLE_LEFT)
        op.execute("CREATE TRIGGER officers_role_left AFTER UPDATE OF role ON officers FOR EACH ROW "
                   "WHEN (OLD.role IS DISTINCT FROM NEW.role) EXECUTE FUNCTION zan_role_left()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER officers_role_left ON officers")
        op.execute("DROP FUNCTION zan_role_left()")
    with op.batch_alter_table("sync_role_tenures") as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_role_tenures_officer_id"))
    op.drop_table("sync_role_tenures")
