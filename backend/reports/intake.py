"""Registering a citizen's report: at once, with a number and a legal deadline, exactly once per Idempotency-Key.

Routing (category, department, duplicates) runs afterwards from the outbox; the response says what is known now.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import msgspec
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.context import Context
from backend.db import insert_ignoring_conflicts
from backend.jobs.relay import notify as notify_relay
from backend.jobs.service import Task, enqueue_new
from backend.lib.clock import as_utc, utcnow
from backend.lib.errors import FieldProblem, ZanError
from backend.media import service as media_service
from backend.reports import deadlines
from backend.reports.models import IdempotencyRecord, Report, ReportCounter, ReportEvent
from backend.reports.schemas import ReportCreate
from backend.reports.service import By, local_date, new_event, notify_task
from backend.reports.views import citizen_view
from backend.reports.workflow import Actor
from backend.routing.service import assess_intake
from ml.taxonomy import load_taxonomy

# a phone's clock may run a little ahead; "occurred in the future" beyond this is a client bug
_SKEW = timedelta(minutes=5)

# Intake is the hottest write path: its statements are built once (building a Core statement costs more than
# executing a cached one) and the report row goes in as a Core insert, not through the ORM unit of work.
_REPORTS = Report.__table__  # type: ignore[attr-defined]
_COUNTERS = ReportCounter.__table__  # type: ignore[attr-defined]
_IDEMPOTENCY = IdempotencyRecord.__table__  # type: ignore[attr-defined]
_EVENTS = ReportEvent.__table__  # type: ignore[attr-defined]
_INSERT_REPORT = insert(_REPORTS)
_INSERT_EVENT = insert(_EVENTS)
_INCREMENT = (update(_COUNTERS).where(_COUNTERS.c.year == bindparam("counter_year"))
              .values(value=_COUNTERS.c.value + 1).returning(_COUNTERS.c.value))
_STATEMENTS: dict[str, tuple[Any, Any]] = {}


def _dialect_statements(session: AsyncSession) -> tuple[Any, Any]:
    """(first counter row of a year, idempotency claim): ON CONFLICT DO NOTHING in the session's dialect."""
    name = session.get_bind().dialect.name
    if name not in _STATEMENTS:
        _STATEMENTS[name] = (
            insert_ignoring_conflicts(session, _COUNTERS, ["year"]),
            insert_ignoring_conflicts(session, _IDEMPOTENCY, ["scope", "key"]).returning(_IDEMPOTENCY.c.id),
        )
    return _STATEMENTS[name]


async def next_number(session: AsyncSession, year: int) -> str:
    """ZP-2026-0000123: a per-year counter row incremented under its row lock, so numbers have no gaps (a rolled-back
    registration gives its number back) and commit order is number order."""
    value = (await session.execute(_INCREMENT, {"counter_year": year})).scalar_one_or_none()
    if value is None:
        # the year's first report creates the row; a concurrent creator wins harmlessly and we increment theirs
        await session.execute(_dialect_statements(session)[0], {"year": year, "value": 0})
        return await next_number(session, year)
    return f"ZP-{year}-{value:07d}"


class CitizenRef(Protocol):
    """What intake needs to know of the reporter (a Citizen row or the authenticated principal)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def identity_verified(self) -> bool: ...


@dataclass(frozen=True)
class Stored:
    status_code: int
    body: dict[str, Any]


def request_hash(data: ReportCreate) -> str:
    """Hash of the decoded request: key order or whitespace differences are the same request."""
    return hashlib.sha256(msgspec.json.encode(data)).hexdigest()


async def _replay(session: AsyncSession, scope: str, key: str, digest: str) -> Stored | None:
    record = await session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)  # type: ignore[arg-type]
    )
    if record is None:
        return None
    if record.request_hash != digest:
        raise ZanError("idempotency.key_reused", 409)
    return Stored(record.status_code, record.response)


async def _store_answer(session: AsyncSession, scope: str, key: str, digest: str, body: dict[str, Any]) -> bool:
    """Claim the key together with the answer, as the transaction's last write. False: the key is taken.

    On PostgreSQL a concurrent request with the same key blocks on the unique index until the first one commits,
    then finds the key taken and rolls back all it wrote (its report number included, so no gap). Doing the claim
    last rather than first saves the round trips of a separate claim and a later update on every registration.
    """
    claimed = await session.execute(_dialect_statements(session)[1], {
        "id": uuid.uuid4(), "scope": scope, "key": key, "request_hash": digest, "status_code": 201, "response": body,
        "created_at": utcnow()})
    return claimed.first() is not None


def _validate(data: ReportCreate, in_kazakhstan: bool) -> None:
    problems: list[FieldProblem] = []
    if not data.text.strip():
        problems.append(FieldProblem("/text", "too_short"))
    if not in_kazakhstan:
        raise ZanError("report.outside_kazakhstan", 422, errors=[FieldProblem("/location", "outside_kazakhstan")])
    if data.occurred_at is not None and as_utc(data.occurred_at) > utcnow().replace(microsecond=0) + _SKEW:
        problems.append(FieldProblem("/occurred_at", "in_future"))
    if data.category is not None and not load_taxonomy().has_category(data.category):
        problems.append(FieldProblem("/category", "invalid"))
    if problems:
        raise ZanError("validation.failed", 422, errors=problems)


async def register_report(
    ctx: Context,
    session: AsyncSession,
    *,
    citizen: CitizenRef,
    partner_id: uuid.UUID | None,
    channel: str,
    data: ReportCreate,
    idempotency_key: str,
    lang: str,
) -> Stored:
    """Register, or replay the stored answer for the same Idempotency-Key (409 if the body differs)."""
    scope = f"report:{partner_id}:{citizen.id}"
    digest = request_hash(data)
    try:
        assessment = assess_intake(ctx, data.text, data.location.lat, data.location.lon, data.category,
                                   data.language, anonymous=data.anonymous)
        _validate(data, assessment.in_kazakhstan)
        if data.anonymous and not assessment.anonymous_allowed:
            raise ZanError("report.anonymous_not_allowed", 422, errors=[FieldProblem("/anonymous", "invalid")])
    except ZanError:
        # a key already used answers as it did then (or 409 for another body), even if the body is now refused
        stored = await _replay(session, scope, idempotency_key, digest)
        if stored is not None:
            return stored
        raise

    now = utcnow()
    deadline = deadlines.deadline_for(now)
    media = await media_service.attach_to_new_report(session, citizen_id=citizen.id, media_ids=data.media_ids)
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "number": await next_number(session, now.astimezone(deadlines.ALMATY).year),
        "citizen_id": citizen.id,
        "partner_id": partner_id,
        "channel": channel,
        "identity_verified": citizen.identity_verified,
        "anonymous": data.anonymous,
        "text": data.text,
        "language": assessment.language,
        "lat": data.location.lat,
        "lon": data.location.lon,
        "accuracy_m": data.location.accuracy_m,
        "district": assessment.district,
        "occurred_at": data.occurred_at,
        "category_hint": data.category,
        "priority": assessment.priority,
        "urgent": assessment.urgent,
        "restricted": assessment.restricted,
        "deadline_at": deadline,
        "original_deadline_at": deadline,
        "created_at": now,
        "updated_at": now,
    }
    await session.execute(_INSERT_REPORT, row)
    # a detached copy for the events and the answer (model_construct: the row is already written and valid)
    report = Report.model_construct(**row)
    for item in media:
        item.report_id = report.id
        session.add(item)
    by = By(Actor.CITIZEN, str(citizen.id), channel)
    registered = new_event(
        report, "registered", by, to_status=report.status,
        params={"number": report.number, "deadline": local_date(report.deadline_at)},
        data={"urgent": report.urgent, "urgency_reasons": assessment.urgency_reasons,
              "identity_verified": citizen.identity_verified},
    )
    await session.execute(_INSERT_EVENT, {c.key: getattr(registered, c.key) for c in _EVENTS.columns})
    await enqueue_new(session, [notify_task(registered),
                                Task("reports.route", {"report_id": str(report.id)}, f"route:{report.id}")])
    body = msgspec.to_builtins(citizen_view(report, [registered], media, lang))
    if not await _store_answer(session, scope, idempotency_key, digest, body):
        await session.rollback()
        stored = await _replay(session, scope, idempotency_key, digest)
        if stored is None:  # the other request's transaction rolled back after all: the key is free again
            raise ZanError("idempotency.key_reused", 409)
        return stored
    await session.commit()
    notify_relay(ctx)
    return Stored(201, body)
