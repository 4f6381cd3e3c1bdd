"""Devices that receive pushes, one delivery row per (event, recipient), and area alerts.

A Delivery is the unit of at-least-once work: its `dedupe_key` makes a re-run fan-out insert nothing twice, and
its claim (status `sending`, `claim_token`, `locked_until`) is what a dead worker's successor takes over.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.db import json_column, now_column, tz_datetime, uuid_pk


class Device(SQLModel, table=True):
    __tablename__ = "notification_devices"

    id: uuid.UUID = uuid_pk()
    owner_type: str = Field(max_length=10)  # citizen | officer
    citizen_id: uuid.UUID | None = Field(default=None, foreign_key="citizens.id", ondelete="CASCADE", index=True)
    # the partner app the citizen registered through (eGov, Kaspi, Halyk)
    partner_id: uuid.UUID | None = Field(default=None, foreign_key="partners.id", ondelete="SET NULL")
    # officers live in another domain's tables: no foreign key, so the migrations stay independent
    officer_id: uuid.UUID | None = Field(default=None, index=True)
    # no unit here: officers move between units, so a unit's pushes find its crew through unit_members when they are
    # sent (fanout.report_event); a copy taken at registration would only go stale (dropped in migration u1)
    # the enrolled tablet (officer_devices.id, the login session's device_pk) this registration was made from:
    # revoking that tablet deactivates it. No foreign key (as officer_id) and no index: it is only ever queried
    # together with the indexed officer_id, which narrows to an officer's few devices
    officer_device_pk: uuid.UUID | None = Field(default=None)
    token: str | None = Field(default=None, max_length=512, unique=True)
    fid: str | None = Field(default=None, max_length=200, unique=True)
    platform: str = Field(max_length=10)
    language: str = Field(default="ru", max_length=2)
    districts: list[str] = json_column(list)
    # officers' last known position (location heartbeats): area alerts go to tablets inside the area
    last_lat: float | None = None
    last_lon: float | None = None
    area_updated_at: datetime | None = tz_datetime()
    active: bool = Field(default=True)
    pruned_reason: str | None = Field(default=None, max_length=40)
    created_at: datetime = now_column()
    updated_at: datetime = now_column()


class Delivery(SQLModel, table=True):
    __tablename__ = "notification_deliveries"

    id: uuid.UUID = uuid_pk()
    # "<event_key>:device:<id>" / ":webhook:<partner>" / ":topic:<condition>": one row, ever, per recipient
    dedupe_key: str = Field(max_length=300, unique=True)
    event_key: str = Field(max_length=80)
    kind: str = Field(max_length=10)  # push | webhook | topic
    device_id: uuid.UUID | None = Field(default=None)
    partner_id: uuid.UUID | None = Field(default=None)
    payload: dict[str, Any] = json_column()
    # pending → sending → sent | dropped (target gone) | expired | dead (gave up, see last_error)
    status: str = Field(default="pending", max_length=10)
    attempts: int = Field(default=0)
    # the bound of a webhook's retries; a push or topic row is retried until its payload's `expires_at` instead
    # (retries.RETRY_POLICIES), the count bounding only one written without a life
    max_attempts: int = Field(default=8)
    next_attempt_at: datetime = now_column()
    locked_until: datetime | None = tz_datetime()
    claim_token: uuid.UUID | None = Field(default=None)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    provider_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = now_column()
    updated_at: datetime = now_column()
    sent_at: datetime | None = tz_datetime()

    __table_args__ = (
        sa.Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
        sa.Index("ix_notification_deliveries_event", "event_key", "status"),
        sa.Index("ix_notification_deliveries_claim", "claim_token"),
        # /health and every metrics scrape count the dead-lettered ones per kind (backend.health.dead_letters): dead
        # rows are kept for `zan notifications retry`, and counting a kind with none walked all of the others' (5,920
        # dead pushes at three years of bench data: ~100 ms per readiness probe). Index-only, dead rows alone.
        sa.Index("ix_notification_deliveries_dead", "kind", "id",
                 postgresql_where=sa.text("status = 'dead'"), sqlite_where=sa.text("status = 'dead'")),
    )


class AreaAlert(SQLModel, table=True):
    """A missing-child / fraud / public-safety alert for everyone in an area until it expires."""

    __tablename__ = "area_alerts"

    id: uuid.UUID = uuid_pk()
    officer_id: uuid.UUID
    unit_id: uuid.UUID | None = None
    category: str = Field(max_length=20)
    texts: dict[str, Any] = json_column()
    area: dict[str, Any] = json_column()  # GeoJSON geometry (circles are stored as their polygon)
    centre_lat: float | None = None
    centre_lon: float | None = None
    radius_m: float | None = None
    districts: list[str] = json_column(list)
    officer_devices: int = Field(default=0)
    expires_at: datetime = tz_datetime(nullable=False)
    created_at: datetime = now_column()

    __table_args__ = (sa.Index("ix_area_alerts_officer_created", "officer_id", "created_at"),)
