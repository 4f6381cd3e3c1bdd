"""Dispatch API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

Reason = Annotated[str, msgspec.Meta(min_length=3, max_length=2000)]


class AssignIn(msgspec.Struct, forbid_unknown_fields=True):
    unit_id: Annotated[str, msgspec.Meta(description='a unit id, or "auto" for the nearest available unit',
                                         max_length=40)]
    reason: str | None = None


class CloseIn(msgspec.Struct, forbid_unknown_fields=True):
    how: Literal["duplicate", "redirected", "unfounded", "rejected"]
    reason: Reason
    duplicate_of: uuid.UUID | None = None
    redirect_to: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class ExtendIn(msgspec.Struct, forbid_unknown_fields=True):
    deadline_at: datetime
    reason: Reason


class FieldsIn(msgspec.Struct, forbid_unknown_fields=True):
    fields: dict[str, str | None]


class ReportCard(msgspec.Struct):
    id: uuid.UUID
    number: str
    status: str
    category: str | None
    department: str | None
    priority: str
    urgent: bool
    restricted: bool
    anonymous: bool
    district: str | None
    unit_id: uuid.UUID | None
    deadline_at: datetime
    created_at: datetime
    text: str
    lat: float
    lon: float
    fields: dict[str, Any] = msgspec.field(default_factory=dict)


class QueuePage(msgspec.Struct):
    items: list[ReportCard]
    next_cursor: str | None


class AssignOut(msgspec.Struct):
    report: ReportCard
    unit_id: uuid.UUID
    unit_code: str
    distance_km: float | None
