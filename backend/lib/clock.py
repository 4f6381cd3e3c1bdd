"""One clock for the whole service: UTC in storage, Asia/Almaty (UTC+5 since 2024-03-01) for people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

ALMATY = timezone(timedelta(hours=5), "Asia/Almaty")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands datetimes back naive; we only ever store UTC, so naive means UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    return as_utc(value).astimezone(ALMATY)
