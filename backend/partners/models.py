"""Partner applications (eGov Mobile, Kaspi, Halyk, bots, web chat) that call us on a citizen's behalf."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.db import now_column, tz_datetime, uuid_pk


class Partner(SQLModel, table=True):
    __tablename__ = "partners"

    id: uuid.UUID = uuid_pk()
    name: str = Field(max_length=100, unique=True)
    # the HMAC secret, sealed with AES-GCM under ZAN_SECRET_KEY: a database dump alone cannot forge requests
    secret_sealed: str = Field(max_length=255)
    # after `zan partners rotate-secret --grace-minutes N`: the secret before, sealed too, which requests may still
    # be signed with until the time given (the partner deploys the new one without an outage); None without a grace
    previous_secret_sealed: str | None = Field(default=None, max_length=255)
    previous_secret_until: datetime | None = tz_datetime()
    active: bool = Field(default=True)
    webhook_url: str | None = Field(default=None, max_length=500)
    webhook_secret_sealed: str | None = Field(default=None, max_length=255)
    created_at: datetime = now_column()


class RequestNonce(SQLModel, table=True):
    """Seen signatures, for replay protection when Redis is not configured or not reachable."""

    __tablename__ = "request_nonces"

    signature: str = Field(primary_key=True, max_length=64)
    partner_id: uuid.UUID = Field(foreign_key="partners.id", ondelete="CASCADE")
    expires_at: datetime = tz_datetime(nullable=False, index=True)

    __table_args__ = (sa.Index("ix_request_nonces_partner", "partner_id"),)
