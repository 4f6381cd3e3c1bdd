"""Edge schemas (msgspec) for device registration and area alerts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from backend.lib.clock import Instant

Platform = Literal["android", "ios", "web"]
AlertCategory = Literal["missing_child", "fraud_warning", "public_safety"]
DistrictCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]{2,60}$")]


class DeviceIn(msgspec.Struct, forbid_unknown_fields=True):
    platform: Platform
    token: Annotated[str, msgspec.Meta(min_length=20, max_length=512)] | None = None
    fid: Annotated[str, msgspec.Meta(min_length=10, max_length=200)] | None = None
    replaces: Annotated[str, msgspec.Meta(min_length=20, max_length=512, description=(
        "The FCM token this one replaces (FCM rotated it: onNewToken), when the app registers no `fid`: the device "
        "keeps its id, districts and the pushes queued for it, which go to the new token"))] | None = None
    language: Literal["kk", "ru", "en"] | None = None
    # citizens: districts whose area alerts they want (FCM topics district-<code>)
    districts: Annotated[list[DistrictCode], msgspec.Meta(max_length=20)] | None = None


class TopicsIn(msgspec.Struct, forbid_unknown_fields=True):
    districts: Annotated[list[DistrictCode], msgspec.Meta(max_length=20)]


class DeviceOut(msgspec.Struct):
    id: uuid.UUID
    platform: str
    language: str
    districts: list[str]
    # FCM topics the app should subscribe to with the client SDK (area alerts by district, in its language)
    topics: list[str]
    created_at: datetime


class Centre(msgspec.Struct, forbid_unknown_fields=True):
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)]


class AlertTexts(msgspec.Struct, forbid_unknown_fields=True):
    kk: Annotated[str, msgspec.Meta(min_length=3, max_length=500)]
    ru: Annotated[str, msgspec.Meta(min_length=3, max_length=500)]
    en: Annotated[str, msgspec.Meta(min_length=3, max_length=500)] | None = None


class AlertIn(msgspec.Struct, forbid_unknown_fields=True):
    category: AlertCategory
    texts: AlertTexts
    expires_at: Instant
    # either a GeoJSON Polygon / MultiPolygon, or a centre with a radius
    polygon: dict[str, Any] | None = None
    centre: Centre | None = None
    radius_m: Annotated[float, msgspec.Meta(gt=0, le=100_000)] | None = None


class AlertOut(msgspec.Struct):
    id: uuid.UUID
    category: str
    districts: list[str]
    officer_devices: int
    topic_messages: int
    expires_at: datetime
    created_at: datetime
