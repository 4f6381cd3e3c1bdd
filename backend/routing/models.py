"""Routing decisions (with every input, for audit), report embeddings, and dispatcher corrections."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.db import json_column, now_column, uuid_pk


class RoutingDecision(SQLModel, table=True):
    """Why a report went where it went: model version, scores, rule id — never overwritten, only appended."""

    __tablename__ = "routing_decisions"

    id: uuid.UUID = uuid_pk()
    report_id: uuid.UUID = Field(foreign_key="reports.id", index=True)
    source: str = Field(max_length=20)  # model | dispatcher | fallback
    model_version: str | None = Field(default=None, max_length=120)
    embedder: str | None = Field(default=None, max_length=120)
    category: str | None = Field(default=None, max_length=40)
    confidence: float | None = None
    abstained: bool = Field(default=False)
    department: str | None = Field(default=None, max_length=40)
    unit: str | None = Field(default=None, max_length=80)
    rule_id: str | None = Field(default=None, max_length=80)
    priority: str | None = Field(default=None, max_length=10)
    urgent: bool = Field(default=False)
    district: str | None = Field(default=None, max_length=80)
    language: str | None = Field(default=None, max_length=2)
    scores: dict[str, Any] = json_column()
    inputs: dict[str, Any] = json_column()
    actor_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = now_column()

    __table_args__ = (sa.Index("ix_routing_decisions_created_at", "created_at", "id"),)


class ReportEmbedding(SQLModel, table=True):
    """One vector per report for duplicate detection (float32 bytes; 1.5 KB for e5-small)."""

    __tablename__ = "report_embeddings"

    report_id: uuid.UUID = Field(foreign_key="reports.id", primary_key=True)
    embedder: str = Field(max_length=120)
    vector: bytes = Field(sa_type=sa.LargeBinary)


class LabelledExample(SQLModel, table=True):
    """A dispatcher's correction, kept as training data for `zan ml retrain`."""

    __tablename__ = "labelled_examples"

    id: uuid.UUID = uuid_pk()
    report_id: uuid.UUID | None = Field(default=None, foreign_key="reports.id", index=True)
    text: str = Field(sa_type=sa.Text)
    label: str = Field(max_length=40)
    language: str = Field(max_length=2)
    previous_label: str | None = Field(default=None, max_length=40)
    created_by: str | None = Field(default=None, max_length=64)
    used_in_version: str | None = Field(default=None, max_length=120)
    created_at: datetime = now_column()
