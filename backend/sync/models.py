"""Tablet sync: the change log (dirty markers), push idempotency ledger, officer-editable fields with their HLC,
notes, evidence (content-addressed), and the down-only wanted lists."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.db import json_column, now_column, tz_datetime, uuid_pk

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class SyncChange(SQLModel, table=True):
    """A dirty marker: "entity X changed for scope S". Pull answers with X's *current* state, never a replay."""

    __tablename__ = "sync_changes"
    # AUTOINCREMENT on SQLite: a deleted top row must never have its seq handed out again
    # created_at: the compaction finds the markers past retention every minute (dispatch.jobs._compact_sync_log)
    __table_args__ = (sa.Index("ix_sync_changes_scope_seq", "scope", "seq"),
                      sa.Index("ix_sync_changes_created_at", "created_at"), {"sqlite_autoincrement": True})

    seq: int | None = Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))
    scope: str = Field(max_length=60)
    entity: str = Field(max_length=30)
    entity_id: str = Field(max_length=64)
    created_at: datetime = now_column()


class SyncMeta(SQLModel, table=True):
    """One row: the database epoch (a restored or rebuilt database gets a new one) and the retention horizon."""

    __tablename__ = "sync_meta"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    epoch: str = Field(max_length=32)
    horizon_seq: int = Field(default=0, sa_type=sa.BigInteger)
    updated_at: datetime = now_column()


class SyncMutation(SQLModel, table=True):
    """(device, mutation id) → the result we answered, so a resent batch gets `duplicate`, never a second effect."""

    __tablename__ = "sync_mutations"

    device_id: str = Field(max_length=100, primary_key=True)
    mutation_id: str = Field(max_length=64, primary_key=True)
    officer_id: uuid.UUID = Field(foreign_key="officers.id")
    result: dict[str, Any] = json_column()
    created_at: datetime = now_column()


class ReportField(SQLModel, table=True):
    """Officer-editable text fields of a report, each with the HLC of its last write (per-field LWW)."""

    __tablename__ = "report_fields"

    report_id: uuid.UUID = Field(foreign_key="reports.id", primary_key=True)
    field: str = Field(max_length=40, primary_key=True)
    value: str | None = Field(default=None, sa_type=sa.Text)
    hlc: str = Field(max_length=60)
    actor_type: str = Field(max_length=30)
    actor_id: str | None = Field(default=None, max_length=64)
    updated_at: datetime = now_column()

    def written(self) -> dict[str, Any]:
        """Who wrote the stored text and when, and how long it is (no text: audit lines hold no personal data).
        Kept in the internal event of whoever overwrites another writer's text (with the text itself)."""
        return {"actor_type": self.actor_type, "actor_id": self.actor_id, "hlc": self.hlc,
                "updated_at": self.updated_at.isoformat() if self.updated_at else None,
                "length": len(self.value) if self.value is not None else None}


class ReportNote(SQLModel, table=True):
    """An officer's note on a report: append-only; the author may tombstone it. Ids are the tablet's UUIDv7."""

    __tablename__ = "report_notes"

    id: uuid.UUID = Field(primary_key=True)
    report_id: uuid.UUID = Field(foreign_key="reports.id", index=True)
    officer_id: uuid.UUID = Field(foreign_key="officers.id")
    unit_id: uuid.UUID | None = Field(default=None)
    device_id: str = Field(max_length=100)
    text: str = Field(sa_type=sa.Text)
    device_time: datetime | None = tz_datetime()
    created_at: datetime = now_column()
    deleted_at: datetime | None = tz_datetime()


class UnitTenure(SQLModel, table=True):
    """A crew membership that ended: the officer was in `unit_id` from `since` until `until` (backend.sync.tenure
    writes it when the membership row goes). A tablet's outbox may still hold notes written in the field during the
    tenure; with this they are kept on the reports the old unit held (custody.former_custody)."""

    __tablename__ = "sync_unit_tenures"

    id: uuid.UUID = uuid_pk()
    officer_id: uuid.UUID = Field(foreign_key="officers.id", index=True)
    unit_id: uuid.UUID = Field(foreign_key="units.id")
    since: datetime = tz_datetime(nullable=False)
    until: datetime = tz_datetime(nullable=False)


class RoleTenure(SQLModel, table=True):
    """A role the officer held until `until`, written when `officers.role` changes (a trigger on PostgreSQL,
    backend.sync.tenure on SQLite; the officers table keeps the current role only). A patrol officer made a
    dispatcher may still have an outbox of field work written before: with this it is applied as the field officer
    they were then (backend.sync.duty)."""

    __tablename__ = "sync_role_tenures"

    id: uuid.UUID = uuid_pk()
    officer_id: uuid.UUID = Field(foreign_key="officers.id", index=True)
    role: str = Field(max_length=30)
    until: datetime = tz_datetime(nullable=False)


class EvidenceBlob(SQLModel, table=True):
    """Bytes by sha256. `received` grows with each chunk (resumable); `complete` once the hash was verified."""

    __tablename__ = "evidence_blobs"

    sha256: str = Field(max_length=64, primary_key=True)
    size: int = Field(sa_type=sa.BigInteger)
    received: int = Field(default=0, sa_type=sa.BigInteger)
    complete: bool = Field(default=False)
    # while one request moves the assembled file to the store (which may take a while for a video), others leave it
    # alone until then; a request that died mid-way lets the lease run out and the tablet's retry seals it
    sealing_until: datetime | None = tz_datetime()
    created_at: datetime = now_column()
    # when the last chunk arrived: an upload declared long ago (a tablet back after weeks offline) that is moving
    # now is not stale, and the purge must not reset it between two of its chunks
    received_at: datetime | None = tz_datetime()

    # unfinished uploads only, for the stale-upload purge (blobs.purge_stale_uploads); booleans are 0/1 on SQLite
    __table_args__ = (sa.Index("ix_evidence_blobs_incomplete", "created_at",
                               postgresql_where=sa.text("complete IS false"), sqlite_where=sa.text("complete IS 0")),)


class EvidenceChunk(SQLModel, table=True):
    """A received chunk of an evidence file not yet sealed into the media store. Chunks live in the database, not on
    the API's disk, so each chunk of one upload may reach a different API replica; the one that receives the last
    chunk verifies the hash and moves the bytes to the store (local disk or S3), then deletes the chunks."""

    __tablename__ = "evidence_chunks"

    sha256: str = Field(max_length=64, primary_key=True)
    offset: int = Field(sa_type=sa.BigInteger, primary_key=True)
    data: bytes = Field(sa_type=sa.LargeBinary)


class Evidence(SQLModel, table=True):
    __tablename__ = "evidence"

    id: uuid.UUID = Field(primary_key=True)
    report_id: uuid.UUID = Field(foreign_key="reports.id", index=True)
    officer_id: uuid.UUID = Field(foreign_key="officers.id")
    device_id: str = Field(max_length=100)
    sha256: str = Field(max_length=64)
    size: int = Field(sa_type=sa.BigInteger)
    content_type: str = Field(max_length=100)
    caption: str | None = Field(default=None, sa_type=sa.Text)
    device_time: datetime | None = tz_datetime()
    created_at: datetime = now_column()

    __table_args__ = (sa.UniqueConstraint("report_id", "sha256", name="uq_evidence_report_sha256"),
                      sa.Index("ix_evidence_created_at", "created_at", "id"))


class WantedPerson(SQLModel, table=True):
    __tablename__ = "wanted_persons"

    id: uuid.UUID = uuid_pk()
    full_name: str = Field(max_length=200)
    birth_year: int | None = None
    reason: str = Field(max_length=300)
    region: str = Field(default="national", max_length=80)
    danger: str = Field(default="normal", max_length=20)
    since: datetime = now_column()
    updated_at: datetime = now_column()
    removed_at: datetime | None = tz_datetime()


class WantedVehicle(SQLModel, table=True):
    __tablename__ = "wanted_vehicles"

    id: uuid.UUID = uuid_pk()
    plate: str = Field(max_length=20, index=True)
    make: str = Field(default="", max_length=60)
    model: str = Field(default="", max_length=60)
    color: str = Field(default="", max_length=40)
    reason: str = Field(max_length=300)
    region: str = Field(default="national", max_length=80)
    since: datetime = now_column()
    updated_at: datetime = now_column()
    removed_at: datetime | None = tz_datetime()
