"""msgspec Structs for media uploads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct


class MediaCreate(Struct, forbid_unknown_fields=True):
    content_type: Annotated[str, Meta(max_length=60, examples=["image/jpeg"], description=(
        "The file's MIME type. Names apps send for a type taken (image/jpg, audio/x-m4a, audio/m4a, audio/mp3, "
        "audio/x-wav…; any letter case, parameters such as `;codecs=opus` ignored) are taken as that type, and the "
        "file is stored, and its upload link signed, under the canonical name (image/jpeg, audio/mp4…)"))]
    size: Annotated[int, Meta(ge=1, le=100 * 1024 * 1024)]
    sha256: Annotated[str, Meta(pattern="^[0-9a-f]{64}$")]
    filename: Annotated[str, Meta(max_length=200)] | None = None


class UploadOut(Struct):
    method: str
    url: str
    fields: dict[str, str]
    headers: dict[str, str]
    expires_in: int


class MediaCreated(Struct):
    id: uuid.UUID
    kind: str
    status: str
    # null only in the answer to a retry (the same Idempotency-Key) for a file already verified: it takes no bytes
    upload: UploadOut | None


class MediaOut(Struct):
    id: uuid.UUID
    kind: str
    content_type: str
    size: int
    sha256: str
    status: str
    taken_at: datetime | None
    lat: float | None
    lon: float | None
