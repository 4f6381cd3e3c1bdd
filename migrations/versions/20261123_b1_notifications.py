"""notifications: devices, deliveries, area alerts

Revision ID: b1_notifications
Revises: a4faecb8a040
Create Date: 2026-11-23 15:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'b1_notifications'
down_revision: str | None = 'a4faecb8a040'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('area_alerts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('officer_id', sa.Uuid(), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=True),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('area', sa.JSON(), nullable=False),
    sa.Column('centre_lat', sa.Float(), nullable=True),
    sa.Column('centre_lon', sa.Float(), nullable=True),
    sa.Column('radius_m', sa.Float(), nullable=True),
    sa.Column('districts', sa.JSON(), nullable=False),
    sa.Column('officer_devices', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_alerts'))
    )
    with op.batch_alter_table('area_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_area_alerts_officer_created', ['officer_id', 'created_at'], unique=False)

    op.create_table('notification_deliveries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('event_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=True),
    sa.Column('partner_id', sa.Uuid(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.Uuid(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('provider_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_deliveries')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notification_deliveries_dedupe_key'))
    )
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_notification_deliveries_claim', ['claim_token'], unique=False)
        batch_op.create_index('ix_notification_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_notification_deliveries_event', ['event_key', 'status'], unique=False)

    op.create_table('notification_devices',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_type', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('citizen_id', sa.Uuid(), nullable=True),
    sa.Column('partner_id', sa.Uuid(), nullable=True),
    sa.Column('officer_id', sa.Uuid(), nullable=True),
    sa.Column('unit_id', sa.Uuid(), nullable=True),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
    sa.Column('fid', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('districts', sa.JSON(), nullable=False),
    sa.Column('last_lat', sa.Float(), nullable=True),
    sa.Column('last_lon', sa.Float(), nullable=True),
    sa.Column('area_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('pruned_reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_notification_devices_citizen_id_citizens'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_notification_devices_partner_id_partners'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_devices')),
    sa.UniqueConstraint('fid', name=op.f('uq_notification_devices_fid')),
    sa.UniqueConstraint('token', name=op.f('uq_notification_devices_token'))
    )
    with op.batch_alter_table('notification_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_devices_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_devices_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_devices_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notification_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_devices_unit_id'))
        batch_op.drop_index(batch_op.f('ix_notification_devices_officer_id'))
        batch_op.drop_index(batch_op.f('ix_notification_devices_citizen_id'))

    op.drop_table('notification_devices')
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_deliveries_event')
        batch_op.drop_index('ix_notification_deliveries_due')
        batch_op.drop_index('ix_notification_deliveries_claim')

    op.drop_table('notification_deliveries')
    with op.batch_alter_table('area_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_area_alerts_officer_created')

    op.drop_table('area_alerts')
