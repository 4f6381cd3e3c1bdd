"""Officers, patrol units and their crews, shifts, enrolled tablets, login sessions and location history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.db import json_column, now_column, tz_datetime, uuid_pk

UNIT_STATUSES = ("available", "en_route", "on_scene", "busy", "off_duty")


class Officer(SQLModel, table=True):
    __tablename__ = "officers"

    id: uuid.UUID = uuid_pk()
    badge_number: str = Field(max_length=20, unique=True)
    full_name: str = Field(max_length=200)
    rank: str = Field(default="", max_length=60)
    department: str = Field(max_length=40, index=True)  # taxonomy department code
    district: str = Field(max_length=80, index=True)  # ml.geo district code
    role: str = Field(max_length=30)
    password_hash: str = Field(max_length=200)
    active: bool = Field(default=True)
    # how many tablets may enrol themselves by logging in (see docs: device enrollment)
    max_devices: int = Field(default=3)
    telegram_chat_id: int | None = Field(default=None, sa_type=sa.BigInteger, unique=True)
    # the language the duty bot speaks to this officer (kk / ru / en); Russian until they link or choose
    language: str = Field(default="ru", max_length=2, sa_column_kwargs={"server_default": "ru"})
    telegram_link_code_hash: str | None = Field(default=None, max_length=64)
    telegram_link_expires_at: datetime | None = tz_datetime()
    created_at: datetime = now_column()
    updated_at: datetime = now_column()


class Unit(SQLModel, table=True):
    __tablename__ = "units"

    id: uuid.UUID = uuid_pk()
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    department: str = Field(max_length=40, index=True)
    district: str = Field(max_length=80, index=True)
    status: str = Field(default="off_duty", max_length=12, index=True)
    last_lat: float | None = None
    last_lon: float | None = None
    last_at: datetime | None = tz_datetime()
    # restricted categories this unit is designated for (domestic_violence, child_incident, police_complaint)
    restricted_categories: list[str] = json_column(list)
    updated_at: datetime = now_column()


class UnitMember(SQLModel, table=True):
    """Crew membership: an officer belongs to at most one unit at a time."""

    __tablename__ = "unit_members"

    officer_id: uuid.UUID = Field(foreign_key="officers.id", primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="units.id", index=True)
    since: datetime = now_column()


class Shift(SQLModel, table=True):
    __tablename__ = "shifts"

    id: uuid.UUID = uuid_pk()
    officer_id: uuid.UUID = Field(foreign_key="officers.id", index=True)
    unit_id: uuid.UUID | None = Field(default=None, foreign_key="units.id", index=True)
    started_at: datetime = now_column()
    ended_at: datetime | None = tz_datetime()

    # at most one open shift per officer: `start_shift` serialises on the officer row, and this is the database's
    # guarantee behind it (a second open shift kept the officer "on shift" after they ended it)
    __table_args__ = (sa.Index("uq_shifts_officer_open", "officer_id", unique=True,
                               postgresql_where=sa.text("ended_at IS NULL"), sqlite_where=sa.text("ended_at IS NULL")),)


class Device(SQLModel, table=True):
    __tablename__ = "officer_devices"

    id: uuid.UUID = uuid_pk()
    device_id: str = Field(max_length=100, unique=True)
    officer_id: uuid.UUID = Field(foreign_key="officers.id", index=True)
    created_at: datetime = now_column()
    last_seen_at: datetime | None = tz_datetime()
    revoked_at: datetime | None = tz_datetime()


class OfficerSession(SQLModel, table=True):
    """One refresh-token family (one login on one device). `generation` rotates on each refresh; presenting an
    older generation means the token was stolen or replayed, so the whole family dies."""

    __tablename__ = "officer_sessions"

    id: uuid.UUID = uuid_pk()
    officer_id: uuid.UUID = Field(foreign_key="officers.id", index=True)
    device_pk: uuid.UUID = Field(foreign_key="officer_devices.id", index=True)
    generation: int = Field(default=1)
    created_at: datetime = now_column()
    refreshed_at: datetime = now_column()
    # the sign-in's hard end (login + ZAN_JWT_REFRESH_TTL_S; refreshing does not move it), indexed for the reminder
    # that it is near (backend.officers.jobs)
    expires_at: datetime = tz_datetime(nullable=False, index=True)
    revoked_at: datetime | None = tz_datetime()
    revoked_reason: str | None = Field(default=None, max_length=40)
    ip: str | None = Field(default=None, max_length=45)
    # when the devices registered from this sign-in were told it is about to end (or it was found to need no
    # reminder): each sign-in is considered once
    expiry_reminded_at: datetime | None = tz_datetime()


class LocationPing(SQLModel, table=True):
    """Recent positions only: the last 24 h per officer (older pings are pruned on write)."""

    __tablename__ = "location_pings"

    id: uuid.UUID = uuid_pk()
    officer_id: uuid.UUID = Field(foreign_key="officers.id")
    unit_id: uuid.UUID | None = Field(default=None, foreign_key="units.id")
    lat: float
    lon: float
    accuracy_m: float | None = None
    at: datetime = now_column()
    extra: dict[str, Any] = json_column()

    __table_args__ = (sa.Index("ix_location_pings_officer_at", "officer_id", "at"),
                      sa.Index("ix_location_pings_unit_at", "unit_id", "at"))
