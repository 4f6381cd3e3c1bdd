"""msgspec Structs at the API edge for citizens' reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from backend.lib.clock import Instant

Text = Annotated[str, Meta(min_length=1, max_length=5000, description="What happened, in Russian, Kazakh or English")]
Lat = Annotated[float, Meta(ge=-90, le=90, examples=[51.1282])]
Lon = Annotated[float, Meta(ge=-180, le=180, examples=[71.4304])]


class Location(Struct, forbid_unknown_fields=True):
    lat: Lat
    lon: Lon
    accuracy_m: Annotated[float, Meta(ge=0, le=100_000)] | None = None


class ReportCreate(Struct, forbid_unknown_fields=True):
    text: Text
    location: Location
    occurred_at: Instant | None = None
    media_ids: Annotated[list[uuid.UUID], Meta(max_length=5)] = msgspec.field(default_factory=list)
    anonymous: bool = False
    category: Annotated[str, Meta(max_length=40)] | None = None
    language: Annotated[str, Meta(pattern="^(kk|ru|en)$")] | None = None


class RoutingView(Struct):
    category: str | None
    category_name: str | None
    department: str | None
    department_name: str | None
    district: str | None
    priority: str
    urgent: bool
    advice: str | None
    state: str


class TimelineEntry(Struct, omit_defaults=True):
    at: datetime
    status: str | None
    text: str
    action: str
    # a message: who wrote it, never which officer (staff's internal notes are never in the timeline)
    author: Annotated[Literal["police", "citizen"] | None, Meta(description=(
        "on a `comment` entry: police (a message staff wrote to you; `text` carries it) or citizen (your own "
        "comment); left out for other entries"))] = None


class MediaRef(Struct):
    id: uuid.UUID
    kind: str
    content_type: str
    size: int


class ReportOut(Struct):
    id: uuid.UUID
    number: str
    status: str
    status_name: str
    internal_status: str
    resolution: str | None
    outcome: str | None
    outcome_text: str | None
    language: str
    text: str
    location: Location
    anonymous: bool
    created_at: datetime
    deadline_at: datetime
    routing: RoutingView
    media: list[MediaRef]
    satisfaction: int | None
    can_reopen: bool
    can_withdraw: bool
    timeline: list[TimelineEntry] | None = None
    # how many other citizens reported the same incident ("me too"); a count only, always 0 for restricted reports
    also_reported: int = 0


class ReportSummary(Struct):
    id: uuid.UUID
    number: str
    status: str
    status_name: str
    created_at: datetime
    deadline_at: datetime
    category: str | None
    excerpt: str
    # the "me too" count, as in ReportOut
    also_reported: int = 0


class ReportPage(Struct):
    items: list[ReportSummary]
    next_cursor: str | None


class CommentCreate(Struct, forbid_unknown_fields=True):
    text: Annotated[str, Meta(min_length=1, max_length=5000)]
    media_ids: Annotated[list[uuid.UUID], Meta(
        max_length=5, description="verified files (POST /media) to add to the report, ≤ 5 per report in all")] = \
        msgspec.field(default_factory=list)


class CommentOut(Struct):
    id: uuid.UUID
    text: str
    created_at: datetime
    author: str
    media_ids: Annotated[list[uuid.UUID], Meta(description="files sent with the comment, now the report's")] = \
        msgspec.field(default_factory=list)


class ReasonIn(Struct, forbid_unknown_fields=True):
    # no minimum: an app's empty reason box sends "", which says as little as blanks do (stored as none given)
    reason: Annotated[str, Meta(max_length=2000)] | None = None


class ReopenIn(Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=3, max_length=5000)]


class FeedbackIn(Struct, forbid_unknown_fields=True):
    satisfaction: Annotated[int, Meta(ge=1, le=5)]
    comment: Annotated[str, Meta(max_length=2000)] | None = None
