"""One clock for the whole service: UTC in storage, Asia/Almaty (UTC+5 since 2024-03-01) for people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated

import msgspec

ALMATY = timezone(timedelta(hours=5), "Asia/Almaty")
# A time the API takes in. Without an offset it names no instant (Almaty? UTC? the tablet's own zone?) and cannot
# be compared with the server's clock, so it is refused at the edge (`timezone_required`), as the conventions say
Instant = Annotated[datetime, msgspec.Meta(tz=True, description="ISO 8601 with a UTC offset, e.g. "
                                                               "2026-12-04T15:30:00+05:00")]


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands datetimes back naive; we only ever store UTC, so naive means UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    return as_utc(value).astimezone(ALMATY)
