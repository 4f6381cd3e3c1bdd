"""The transactional outbox: background work recorded in the same transaction as the state change it follows."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.db import json_column, now_column, tz_datetime, uuid_pk


class OutboxTask(SQLModel, table=True):
    __tablename__ = "outbox_tasks"

    id: uuid.UUID = uuid_pk()
    task: str = Field(max_length=60, index=True)
    payload: dict[str, Any] = json_column()
    # at most one live task per key: a retried request or a re-fired event never schedules work twice
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    status: str = Field(default="pending", max_length=10)
    attempts: int = Field(default=0)
    max_attempts: int = Field(default=8)
    next_attempt_at: datetime = now_column()
    locked_until: datetime | None = tz_datetime()
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = now_column()
    updated_at: datetime = now_column()

    __table_args__ = (sa.Index("ix_outbox_due", "status", "next_attempt_at"),)
