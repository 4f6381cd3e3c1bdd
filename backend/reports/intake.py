"""Registering a citizen's report: at once, with a number and a legal deadline, exactly once per Idempotency-Key.

Routing (category, department, duplicates) runs afterwards from the outbox; the response says what is known now.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from backend.context import Context
from backend.jobs.relay import notify as notify_relay
from backend.jobs.service import Task, task_rows
from backend.lib.blank import blank
from backend.lib.clock import as_utc, utcnow
from backend.lib.errors import FieldProblem, ZanError
from backend.media import service as media_service
from backend.media.models import Media
from backend.reports import deadlines, registration, submission
from backend.reports.idempotency import Stored, key_reused, replay, request_hash
from backend.reports.models import Report, ReportEvent
from backend.reports.schemas import ReportCreate
from backend.reports.service import By, event_fields, local_date, notify_task
from backend.reports.views import citizen_view
from backend.reports.workflow import Actor
from backend.routing.service import IntakeAssessment, asked_language, assess_intake
from ml.taxonomy import load_taxonomy

# a phone's clock may run a little ahead; "occurred in the future" beyond this is a client bug
_SKEW = timedelta(minutes=5)
# a sanity floor: it catches year 1 (an unset date picker), whose conversion to UTC would not even fit
EARLIEST_OCCURRED_YEAR = 1900


class CitizenRef(Protocol):
    """What intake needs to know of the reporter (a Citizen row or the authenticated principal)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def identity_verified(self) -> bool: ...


def _utc_or_none(value: datetime) -> datetime | None:
    """None for a time at the very edge of datetime's range (year 1 or 9999), whose UTC falls outside it."""
    try:
        return as_utc(value)
    except OverflowError:
        return None


def _validate(data: ReportCreate, in_kazakhstan: bool) -> None:
    # the pin's problem first: it is the one this refusal's code names
    problems = [] if in_kazakhstan else [FieldProblem("/location", "outside_kazakhstan")]
    if blank(data.text):  # zero-width spaces or direction marks only read as nothing, as spaces do
        problems.append(FieldProblem("/text", "too_short"))
    if data.occurred_at is not None:
        occurred = _utc_or_none(data.occurred_at)
        if occurred is None or occurred.year < EARLIEST_OCCURRED_YEAR:
            problems.append(FieldProblem("/occurred_at", "out_of_range"))
        elif occurred > utcnow().replace(microsecond=0) + _SKEW:
            problems.append(FieldProblem("/occurred_at", "in_future"))
    if data.category is not None and not load_taxonomy().has_category(data.category):
        problems.append(FieldProblem("/category", "invalid"))
    if not in_kazakhstan:
        # its own code (an app offers to move the pin rather than to fix a form), with every other field's problem
        # beside it, so the citizen does not fix one only to be refused for the next
        raise ZanError("report.outside_kazakhstan", 422, errors=problems)
    if problems:
        raise ZanError("validation.failed", 422, errors=problems)


def declared_language(data: ReportCreate, asked: str | None) -> str | None:
    """The appeal's language as the citizen gave it: the body's `language`, else, for a text whose words do not decide
    a language, the one their app or chat asked for (`asked`): a text without a letter (a photo's "🔥🔥"), an
    abbreviation or a word the same in Russian and Kazakh ("ДТП", "полиция"), a brand, a single word ("Помогите")
    (ml.lang.decided_language). Detection reads such a text as Russian (or English), its fallback, and every answer and
    notice of the report then came in Russian to a citizen who wrote from a Kazakh app: neither the state language nor
    the appeal's (law on appeals). A sentence that tells its language keeps it. None: detect it from the text."""
    return data.language if data.language is not None else asked_language(data.text, asked)


@cache
def _plain_defaults(model: type[SQLModel]) -> dict[str, Any]:
    """The model's defaults that are plain values (no factory; None, text, numbers, booleans: nothing to copy),
    handed to `model_construct` with the values given: it otherwise resolves each missing field's default on every
    object, most of constructing the report (docs/benchmarks.md)."""
    return {name: info.default for name, info in model.model_fields.items()
            if info.default_factory is None and isinstance(info.default, str | int | float | bool | None)}


def new_registration(ctx: Context, *, citizen: CitizenRef, partner_id: uuid.UUID | None, channel: str,
                     data: ReportCreate, assessment: IntakeAssessment, media: list[Media],
                     claim: tuple[str, str, str], lang: str | None) -> tuple[registration.Registration, dict[str, Any]]:
    """Every row of the report's registration and the answer, with a placeholder where the number goes.
    `claim`: the Idempotency-Key's scope, the key and the request's hash."""
    scope, key, digest = claim
    now = utcnow()
    deadline = deadlines.deadline_for(now, ctx.calendar)
    # the citizen's own pick starts the redirect term at once (not_police: 3 working days), so a report waiting for
    # a model that is down is still watched by the SLA job; routing or a dispatcher's reclassification replaces it
    redirect_due_at = deadlines.redirect_term(data.category, now, ctx.calendar)
    # everything is built before the number exists (see backend.reports.registration): it goes in last
    placeholder = registration.placeholder()
    report = Report.model_construct(**_plain_defaults(Report) | dict(
        id=uuid.uuid4(), number=placeholder, citizen_id=citizen.id, partner_id=partner_id, channel=channel,
        identity_verified=citizen.identity_verified, anonymous=data.anonymous, text=data.text,
        language=assessment.language, lat=data.location.lat, lon=data.location.lon,
        accuracy_m=data.location.accuracy_m, district=assessment.district, occurred_at=data.occurred_at,
        category_hint=data.category, priority=assessment.priority, urgent=assessment.urgent,
        restricted=assessment.restricted, deadline_at=deadline, original_deadline_at=deadline,
        redirect_due_at=redirect_due_at, created_at=now, updated_at=now,
    ))
    by = By(Actor.CITIZEN, str(citizen.id), channel)
    fields = event_fields(
        report, "registered", by, to_status=report.status,
        params={"number": placeholder, "deadline": local_date(report.deadline_at)},
        data={"urgent": report.urgent, "urgency_reasons": assessment.urgency_reasons,
              "identity_verified": citizen.identity_verified,
              "submission": submission.digest(submission.submission(report, media))},
    )
    # it is written as a row below, never through the session: skip SQLModel's __init__ as for the report (it
    # costs ~10x model_construct, a measurable share of a registration)
    registered = ReportEvent.model_construct(**{**fields, "created_at": now})
    body = msgspec.to_builtins(citizen_view(report, [registered], media, lang, advise=assessment.advise))
    reg = registration.Registration(
        year=now.astimezone(deadlines.ALMATY).year,
        placeholder=placeholder,
        report=registration.row(Report.__table__, report),  # type: ignore[attr-defined]
        event=registration.row(ReportEvent.__table__, registered),  # type: ignore[attr-defined]
        # claiming the key together with its answer saves a claim and a later update on every registration
        claim={"id": uuid.uuid4(), "scope": scope, "key": key, "request_hash": digest,
               "status_code": 201, "response": body, "created_at": now},
        tasks=task_rows([notify_task(registered.id, report.id),
                         Task("reports.route", {"report_id": str(report.id)}, f"route:{report.id}")]
                        # staff get the files of an anonymous report only without their author's metadata
                        + ([media_service.scrub_task(report.id)] if data.anonymous and media else [])),
        media_ids=[m.id for m in media],
    )
    return reg, body


async def register_report(
    ctx: Context,
    session: AsyncSession,
    *,
    citizen: CitizenRef,
    partner_id: uuid.UUID | None,
    channel: str,
    data: ReportCreate,
    idempotency_key: str,
    lang: str | None,
) -> Stored:
    """Register, or replay the stored answer for the same Idempotency-Key (409 if the body differs)."""
    scope = f"report:{partner_id}:{citizen.id}"
    digest = request_hash(data)
    try:
        assessment = assess_intake(ctx, data.text, data.location.lat, data.location.lon, data.category,
                                   declared_language(data, lang), anonymous=data.anonymous)
        _validate(data, assessment.in_kazakhstan)
        if data.anonymous and not assessment.anonymous_allowed:
            raise ZanError("report.anonymous_not_allowed", 422, errors=[FieldProblem("/anonymous", "invalid")])
        media = await media_service.attach_to_new_report(session, citizen_id=citizen.id, media_ids=data.media_ids,
                                                           partner_id=partner_id)
    except ZanError:
        # a key already used answers as it did then (or 409 for another body), even if the body is now refused:
        # a retry of a report with photos finds them attached, to the report it is asking about
        stored = await replay(session, scope, idempotency_key, digest)
        if stored is not None:
            return stored
        raise

    reg, body = new_registration(ctx, citizen=citizen, partner_id=partner_id, channel=channel, data=data,
                                 assessment=assessment, media=media, claim=(scope, idempotency_key, digest), lang=lang)
    number = await registration.register(session, reg)
    if number is None:
        # a concurrent request with this key won: nothing of this one was kept (its number neither)
        stored = await replay(session, scope, idempotency_key, digest)
        if stored is None:  # the other request's transaction rolled back after all: the key is free again
            raise key_reused()
        return stored
    if session.in_transaction():  # files attached: the statement joined the caller's transaction
        await session.commit()
    notify_relay(ctx)
    return Stored(201, registration.put_number(body, reg.placeholder, number))
