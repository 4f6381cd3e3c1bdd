"""Uploaded photos, videos and audio: metadata here, bytes in the media store (local disk or S3)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from backend.db import json_column, now_column, tz_datetime, uuid_pk


class Media(SQLModel, table=True):
    __tablename__ = "media"

    id: uuid.UUID = uuid_pk()
    owner_citizen_id: uuid.UUID | None = Field(default=None, foreign_key="citizens.id", index=True)
    owner_officer_id: uuid.UUID | None = Field(default=None, index=True)
    report_id: uuid.UUID | None = Field(default=None, foreign_key="reports.id", index=True)
    # the partner app a citizen declared the file through: it is completed, read and attached through that app only
    # (backend.media.service.usable_through); null for files of no app (the bots', officers') and those declared
    # before files recorded their app
    partner_id: uuid.UUID | None = Field(default=None, foreign_key="partners.id")
    kind: str = Field(max_length=10)  # photo | video | audio
    content_type: str = Field(max_length=60)
    size: int
    sha256: str = Field(max_length=64, index=True)
    storage_key: str = Field(max_length=200)
    status: str = Field(default="pending", max_length=10)  # pending | ready | rejected (ready and rejected are final)
    exif: dict[str, Any] = json_column()
    taken_at: datetime | None = tz_datetime()
    lat: float | None = None
    lon: float | None = None
    # for anonymous reports staff get a copy without identifying metadata (backend.media.scrub): its key, and
    # done | unsupported | malformed | missing once the scrub job has looked at the file (null before)
    scrubbed_key: str | None = Field(default=None, max_length=210)
    # the copy's own sha256 and size, what staff are shown of an anonymous report's file: the original's hash would
    # name the author's file wherever else it turns up (a phone, a chat), and the copy would not match it anyway
    # (null for copies made before they were recorded)
    scrubbed_sha256: str | None = Field(default=None, max_length=64)
    scrubbed_size: int | None = None
    scrub: str | None = Field(default=None, max_length=12)
    created_at: datetime = now_column()
    # ready: when it was verified; pending: the end of the lease of a completion verifying it right now (none
    # running: null or past; backend.media.service.complete); rejected: null
    completed_at: datetime | None = tz_datetime()
    # pending: when its last completion failed because the store was down (a 503 its app retries); the purge counts
    # an abandoned upload's day from then, not from its declaration, so an outage of over a day does not cost the
    # citizen the file the moment the store is back (backend.media.cleanup.purge_unused). Null: no such failure
    store_failed_at: datetime | None = tz_datetime()
    # set when deleting objects nothing reads any more failed (the store was down): the upload left behind by a
    # completion, or a refused file's bytes. The sweep (backend.media.cleanup.delete_leftovers) deletes them once the
    # store is back and clears it; null: nothing of the file is left over
    cleanup_at: datetime | None = tz_datetime(index=True)
