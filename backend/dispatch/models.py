"""Assignment history (who had a report when: chain of custody) and SLA escalations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.db import json_column, now_column, tz_datetime, uuid_pk

UNACCEPTED = "released_at IS NULL AND accepted_at IS NULL"


class Assignment(SQLModel, table=True):
    __tablename__ = "assignments"

    id: uuid.UUID = uuid_pk()
    report_id: uuid.UUID = Field(foreign_key="reports.id", index=True)
    unit_id: uuid.UUID = Field(foreign_key="units.id", index=True)
    assigned_by_type: str = Field(max_length=30)
    assigned_by: str | None = Field(default=None, max_length=64)
    auto: bool = Field(default=False)
    distance_km: float | None = None
    assigned_at: datetime = now_column()
    accepted_at: datetime | None = tz_datetime()
    released_at: datetime | None = tz_datetime()

    # The SLA job looks every minute for urgent reports whose crew has not accepted them (dispatch.jobs.awaiting_crew):
    # only the custody records still held and not accepted, a few hundred among years of released ones (a closing
    # releases them), so the index holds just those. Same predicate text on both databases, as the query renders it.
    __table_args__ = (sa.Index("ix_assignments_unaccepted", "assigned_at",
                               postgresql_where=sa.text(UNACCEPTED), sqlite_where=sa.text(UNACCEPTED)),)


class Escalation(SQLModel, table=True):
    """A report that needs a supervisor: not accepted in time, urgent and not assigned in time, or close to its legal
    deadline or redirect term. One per kind and subject: the assignment not accepted, the moment the urgent report
    was left without a unit, or the deadline / term (UTC, ISO 8601) about to lapse. A second unit that does not
    accept either, an urgent report back in the queue after leaving its unit or a reopening, or an extended or
    reopened report near its new deadline, escalates again."""

    __tablename__ = "escalations"

    id: uuid.UUID = uuid_pk()
    report_id: uuid.UUID = Field(foreign_key="reports.id", index=True)
    # unaccepted_urgent | unassigned_urgent | deadline_near | redirect_due | delay_complaint
    kind: str = Field(max_length=30)
    subject: str = Field(default="", max_length=80, sa_column_kwargs={"server_default": ""})
    created_at: datetime = now_column()
    notified_at: datetime | None = tz_datetime()
    data: dict[str, Any] = json_column()

    # the supervisors' list pages through them newest first
    __table_args__ = (sa.UniqueConstraint("report_id", "kind", "subject", name="uq_escalations_report_kind_subject"),
                      sa.Index("ix_escalations_created_at", "created_at", "id"))
