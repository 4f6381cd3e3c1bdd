"""Reports, their append-only event history, comments, and the idempotency ledger for intake."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.db import json_column, now_column, tz_datetime, uuid_pk

_OPEN = "status != 'closed'"
# the dispatch queue's entries (dispatch.queue._waiting): triage, or open and with no unit
_WAITING = "(status != 'closed' AND unit_id IS NULL) OR status = 'triage'"


def terms_missed(table: str = "") -> str:
    """Every report that missed a term of the law or still may: the predicate of ix_reports_terms_missed, and of
    each page of the oversight list (backend.oversight.service), which names the table (it joins units, whose
    `status` would be ambiguous). SQLite uses a partial index only for a WHERE that holds its predicate as written."""
    t = f"{table}." if table else ""
    # a late closing a reopening set aside stays a term missed, whatever the report's current closing (migration z7)
    return (f"{t}status != 'closed' OR {t}closed_at > {t}deadline_at OR {t}closed_at > {t}redirect_due_at"
            f" OR {t}late_closed_at IS NOT NULL")


_TERMS = terms_missed()


class Report(SQLModel, table=True):
    __tablename__ = "reports"

    id: uuid.UUID = uuid_pk()
    number: str = Field(max_length=20, unique=True)
    citizen_id: uuid.UUID = Field(foreign_key="citizens.id", index=True)
    partner_id: uuid.UUID | None = Field(default=None, foreign_key="partners.id")
    channel: str = Field(max_length=30)
    identity_verified: bool = Field(default=True)
    anonymous: bool = Field(default=False)
    text: str = Field(sa_type=sa.Text)
    language: str = Field(max_length=2)
    lat: float
    lon: float
    accuracy_m: float | None = None
    district: str | None = Field(default=None, max_length=80, index=True)
    occurred_at: datetime | None = tz_datetime()
    category_hint: str | None = Field(default=None, max_length=40)
    category: str | None = Field(default=None, max_length=40, index=True)
    category_confidence: float | None = None
    department: str | None = Field(default=None, max_length=40, index=True)
    unit_id: uuid.UUID | None = Field(default=None, index=True)
    priority: str = Field(default="normal", max_length=10)
    urgent: bool = Field(default=False)
    restricted: bool = Field(default=False)
    status: str = Field(default="registered", max_length=20, index=True)
    resolution: str | None = Field(default=None, max_length=20)
    outcome: str | None = Field(default=None, max_length=30)
    duplicate_of: uuid.UUID | None = Field(default=None, foreign_key="reports.id")
    incident_id: uuid.UUID | None = Field(default=None, index=True)
    routing_state: str = Field(default="pending", max_length=10)
    deadline_at: datetime = tz_datetime(nullable=False, index=True)
    original_deadline_at: datetime = tz_datetime(nullable=False)
    redirect_due_at: datetime | None = tz_datetime()
    satisfaction: int | None = None
    feedback_comment: str | None = Field(default=None, sa_type=sa.Text)
    reopen_count: int = Field(default=0)
    version: int = Field(default=1)
    created_at: datetime = now_column()
    updated_at: datetime = now_column()
    closed_at: datetime | None = tz_datetime()
    # the latest closing given after its term and then set aside by a reopening, and the term it missed: a reopening
    # clears closed_at and starts a fresh term, and the violation must stay visible to oversight (the terms list and
    # its figures read the row, not the history). Kept through later closings, in term or not
    late_closed_at: datetime | None = tz_datetime()
    late_deadline_at: datetime | None = tz_datetime()

    # Partial indexes over open reports (a few per cent of the table), each matching its query's WHERE as rendered on
    # that database (migration q1, docs/benchmarks-queries.md): the SLA job's deadline and redirect scans, the
    # dispatch queue's waiting reports, a tablet's unit, duplicate detection's candidates
    __table_args__ = (
        sa.Index("ix_reports_citizen_created", "citizen_id", "created_at", "id"),
        sa.Index("ix_reports_open_deadline", "deadline_at",
                 postgresql_where=sa.text(_OPEN), sqlite_where=sa.text(_OPEN)),
        sa.Index("ix_reports_open_redirect_due", "redirect_due_at",
                 postgresql_where=sa.text(f"{_OPEN} AND redirect_due_at IS NOT NULL"),
                 sqlite_where=sa.text(f"{_OPEN} AND redirect_due_at IS NOT NULL")),
        sa.Index("ix_reports_waiting", "incident_id",
                 postgresql_where=sa.text(_WAITING), sqlite_where=sa.text(_WAITING)),
        sa.Index("ix_reports_open_unit", "unit_id", "id",
                 postgresql_where=sa.text(_OPEN), sqlite_where=sa.text(_OPEN)),
        sa.Index("ix_reports_open_category", "category", "created_at",
                 postgresql_where=sa.text(_OPEN), sqlite_where=sa.text(_OPEN)),
        # open reports routing failed for (backend.routing.failures: /health, /metrics, the dispatchers' list)
        sa.Index("ix_reports_routing_failed", "routing_state", "created_at", "id",
                 postgresql_where=sa.text(f"routing_state = 'failed' AND {_OPEN}"),
                 sqlite_where=sa.text(f"routing_state = 'failed' AND {_OPEN}")),
        # the oversight list of reports past their terms, newest first (migration z1)
        sa.Index("ix_reports_terms_missed", "created_at", "id",
                 postgresql_where=sa.text(_TERMS), sqlite_where=sa.text(_TERMS)),
    )


class ReportEvent(SQLModel, table=True):
    """One appended line of a report's history. Never updated, never deleted."""

    __tablename__ = "report_events"

    id: uuid.UUID = uuid_pk()
    report_id: uuid.UUID = Field(foreign_key="reports.id", index=True)
    action: str = Field(max_length=30)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    actor_type: str = Field(max_length=20)
    actor_id: str | None = Field(default=None, max_length=64)
    channel: str = Field(max_length=30)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    public: bool = Field(default=True)
    public_text: dict[str, Any] = json_column()
    internal_note: str | None = Field(default=None, sa_type=sa.Text)
    data: dict[str, Any] = json_column()
    # when it happened on the device (tablets sync later), beside when the server learnt of it
    device_time: datetime | None = tz_datetime()
    created_at: datetime = now_column()

    # the ledger seals rows by the time they were appended (backend/ledger)
    __table_args__ = (sa.Index("ix_report_events_report_created", "report_id", "created_at"),
                      sa.Index("ix_report_events_created_at", "created_at", "id"))


class ReportComment(SQLModel, table=True):
    __tablename__ = "report_comments"

    id: uuid.UUID = uuid_pk()
    report_id: uuid.UUID = Field(foreign_key="reports.id", index=True)
    author_type: str = Field(max_length=20)
    author_id: str | None = Field(default=None, max_length=64)
    text: str = Field(sa_type=sa.Text)
    public: bool = Field(default=True)
    created_at: datetime = now_column()

    # sealed by the ledger (backend.ledger.record), which reads the rows appended since its last seal by this key
    __table_args__ = (sa.Index("ix_report_comments_created_at", "created_at", "id"),)


class ReportCounter(SQLModel, table=True):
    """Per-year sequence for human-readable numbers ZP-2026-0000123 (works the same on SQLite and PostgreSQL)."""

    __tablename__ = "report_counters"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    value: int = Field(default=0)


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_records"

    id: uuid.UUID = uuid_pk()
    scope: str = Field(max_length=120)
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    response: dict[str, Any] = json_column()
    created_at: datetime = now_column()

    # created_at is indexed for the retention purge, which runs every minute (idempotency.purge_expired)
    __table_args__ = (sa.UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),
                      sa.Index("ix_idempotency_records_created_at", "created_at"))
