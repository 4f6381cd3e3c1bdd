"""The audit trail: who did what to which object, appended and never edited."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.db import json_column, now_column, uuid_pk


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: uuid.UUID = uuid_pk()
    at: datetime = now_column()
    actor_type: str = Field(max_length=30)
    actor_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=60)
    target_type: str = Field(max_length=40)
    target_id: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = json_column()
    ip: str | None = Field(default=None, max_length=45)
    # from which enrolled tablet and login session an officer's request wrote the line (backend/audit/origin.py):
    # a prosecutor asks "from which device", and a stolen tablet's actions must be told from its owner's others.
    # None for lines no officer's request wrote (jobs, partner apps, the console, the bots) and for older lines
    device_id: str | None = Field(default=None, max_length=100)
    session_id: str | None = Field(default=None, max_length=64)

    __table_args__ = (sa.Index("ix_audit_log_target", "target_type", "target_id", "at"),
                      sa.Index("ix_audit_log_at", "at", "id"))  # the ledger seals rows by time
