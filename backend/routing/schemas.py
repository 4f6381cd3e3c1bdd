"""msgspec Structs for routing previews and staff corrections."""

from __future__ import annotations

import uuid
from typing import Annotated

from msgspec import Meta, Struct


class PreviewIn(Struct, forbid_unknown_fields=True):
    text: Annotated[str, Meta(min_length=1, max_length=5000)]
    lat: Annotated[float, Meta(ge=-90, le=90)] | None = None
    lon: Annotated[float, Meta(ge=-180, le=180)] | None = None


class Alternative(Struct):
    category: str
    confidence: float


class PreviewOut(Struct):
    category: str | None
    category_name: str | None
    confidence: float | None
    department: str | None
    priority: str
    urgent: bool
    advise: list[str]
    language: str
    district: str | None
    alternatives: list[Alternative]
    model_version: str | None


class ReclassifyIn(Struct, forbid_unknown_fields=True):
    category: Annotated[str, Meta(max_length=40)]
    reason: Annotated[str, Meta(min_length=3, max_length=2000)]


class MergeIn(Struct, forbid_unknown_fields=True):
    report_ids: Annotated[list[uuid.UUID], Meta(min_length=2, max_length=50)]


class ReclassifiedOut(Struct):
    """The report's routing after the correction: a restricted category also moves it off its incident."""

    id: uuid.UUID
    category: str | None
    department: str | None
    restricted: bool


class IncidentOut(Struct):
    incident_id: uuid.UUID | None
    report_ids: list[uuid.UUID]
    size: int
