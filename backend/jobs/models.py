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


class WorkerHeartbeat(SQLModel, table=True):
    """One row per running `zan worker` process, rewritten every few seconds (backend/health/workers.py).

    In the database, not in Redis: a worker whose Redis is down is still there (its relay keeps passing, its
    tasks wait in the outbox), and /health and `zan health worker` must be able to tell that from a worker that is
    gone or hung. The times are the worker's own clock; the progress times are judged against `beat_at`, so only
    the beat's age compares two hosts' clocks."""

    __tablename__ = "worker_heartbeats"

    hostname: str = Field(primary_key=True, max_length=255)
    pid: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    started_at: datetime = now_column()
    beat_at: datetime = now_column()
    # the relay's last completed pass over the outbox (its start until the first); None: no relay in the process
    relay_at: datetime | None = tz_datetime()
    # the SAQ consumer's last sign of progress: a dequeue that returned (a job, or an idle poll that found none)
    # or a job that ended (its start until then)
    saq_at: datetime | None = tz_datetime()
    saq_running: int = Field(default=0)  # jobs running at the beat
    saq_concurrency: int = Field(default=0)
