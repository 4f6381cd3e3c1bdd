"""Citizen-facing report endpoints (called by partner apps on the citizen's behalf). Thin: parse, call, shape."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.deps import CtxDep, LangDep, SessionDep
from backend.lib.pagination import decode_cursor, next_cursor, older_than
from backend.media import service as media_service
from backend.partners.auth import CitizenPrincipal, PrincipalDep, partner_guard
from backend.reports import idempotency, service
from backend.reports.idempotency import IdempotencyKey, Stored
from backend.reports.intake import register_report
from backend.reports.models import Report
from backend.reports.schemas import (
    CommentCreate,
    CommentOut,
    FeedbackIn,
    ReasonIn,
    ReopenIn,
    ReportCreate,
    ReportOut,
    ReportPage,
)
from backend.reports.service import By
from backend.reports.views import citizen_view, summary
from backend.reports.workflow import Actor


def _by(principal: CitizenPrincipal) -> By:
    return By(Actor.CITIZEN, str(principal.citizen_id), principal.channel)


async def _view(session: AsyncSession, report: Report, lang: str) -> ReportOut:
    events = await service.events(session, report.id, public_only=True)
    media = await media_service.for_report(session, report.id)
    counts = await service.also_reported_counts(session, report.citizen_id, [report])
    return citizen_view(report, events, media, lang, counts.get(report.id, 0))


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]
    guards = [partner_guard]

    @post("/", status_code=201, summary="Register a report", responses={201: ResponseSpec(
        ReportOut, description="Registered; a retry with the same Idempotency-Key gets this answer again")})
    async def create(self, ctx: CtxDep, session: SessionDep, principal: PrincipalDep, lang: LangDep,
                     data: JSONBody[ReportCreate], idempotency_key: IdempotencyKey = None) -> Response[Any]:
        """Registers the report at once (number, legal deadline) and routes it in the background."""
        if not idempotency_key:
            raise idempotency.key_missing()
        stored = await register_report(ctx, session, citizen=principal, partner_id=principal.partner_id,
                                       channel=principal.channel, data=data, idempotency_key=idempotency_key,
                                       lang=lang)
        return Response(stored.body, status_code=stored.status_code,
                        headers={"Location": f"/api/v1/reports/{stored.body['id']}"})

    @get("/", summary="The citizen's own reports, newest first")
    async def list_reports(self, ctx: CtxDep, session: SessionDep, principal: PrincipalDep, lang: LangDep,
                           cursor: FromQuery[str | None] = None,
                           limit: Annotated[int, QueryParameter(ge=1, le=200)] = 20) -> ReportPage:
        query = select(Report).where(service.filed_by(principal.citizen_id, principal.partner_id))
        if cursor:
            query = query.where(older_than(Report.created_at, Report.id,
                                           decode_cursor(ctx.settings.secret_key, "reports", cursor)))
        rows = list(await session.scalars(
            query.order_by(Report.created_at.desc(), Report.id.desc()).limit(limit + 1)  # type: ignore[attr-defined]
        ))
        page = rows[:limit]
        counts = await service.also_reported_counts(session, principal.citizen_id, page)
        return ReportPage(items=[summary(r, lang, counts.get(r.id, 0)) for r in page],
                          next_cursor=next_cursor(ctx.settings.secret_key, "reports", rows, limit,
                                                  lambda r: (r.created_at, r.id)))

    @get("/{report_id:uuid}", summary="One report with its public timeline")
    async def get_report(self, session: SessionDep, principal: PrincipalDep, lang: LangDep,
                         report_id: FromPath[uuid.UUID]) -> ReportOut:
        report = await service.get_for_citizen(session, principal.citizen_id, report_id,
                                                partner_id=principal.partner_id)
        return await _view(session, report, lang)

    @post("/{report_id:uuid}/comments", status_code=201, summary="Add information to a report", responses={
        201: ResponseSpec(CommentOut, description="Added; a retry with the same Idempotency-Key gets this answer")})
    async def comment(self, session: SessionDep, principal: PrincipalDep, report_id: FromPath[uuid.UUID],
                      data: JSONBody[CommentCreate], idempotency_key: IdempotencyKey = None) -> Response[Any]:
        """A retry with the same Idempotency-Key gets the first answer, never a second comment."""
        # the report's row lock also serialises two retries of one key
        report = await service.get_for_citizen(session, principal.citizen_id, report_id,
                                                partner_id=principal.partner_id, for_update=True)

        async def add() -> Stored:
            service.ensure_open(report, "comment")  # before a file is attached to a closed report
            files = await media_service.attach_to_report(session, report, citizen_id=principal.citizen_id,
                                                         media_ids=data.media_ids)
            comment = await service.add_citizen_comment(session, report, data.text, _by(principal),
                                                        {str(m.id): m.sha256 for m in files})
            return Stored(201, msgspec.to_builtins(CommentOut(
                id=comment.id, text=comment.text, created_at=comment.created_at, author="citizen",
                media_ids=[m.id for m in files])))

        stored, _ = await idempotency.once(
            session, f"comment:{principal.partner_id}:{principal.citizen_id}:{report.id}", idempotency_key, data, add)
        return Response(stored.body, status_code=stored.status_code)

    @post("/{report_id:uuid}/withdraw", status_code=200, summary="Withdraw a report")
    async def withdraw(self, session: SessionDep, principal: PrincipalDep, lang: LangDep,
                       report_id: FromPath[uuid.UUID], data: JSONBody[ReasonIn | None] = None) -> ReportOut:
        report = await service.get_for_citizen(session, principal.citizen_id, report_id,
                                                partner_id=principal.partner_id, for_update=True)
        await service.withdraw(session, report, _by(principal), data.reason if data else None)
        await session.commit()
        return await _view(session, report, lang)

    @post("/{report_id:uuid}/reopen", status_code=200, summary="Appeal a closed report")
    async def reopen(self, session: SessionDep, principal: PrincipalDep, lang: LangDep,
                     report_id: FromPath[uuid.UUID], data: JSONBody[ReopenIn]) -> ReportOut:
        report = await service.get_for_citizen(session, principal.citizen_id, report_id,
                                                partner_id=principal.partner_id, for_update=True)
        await service.reopen(session, report, _by(principal), data.reason)
        await session.commit()
        return await _view(session, report, lang)

    @post("/{report_id:uuid}/feedback", status_code=200, summary="Rate how a closed report was handled")
    async def feedback(self, session: SessionDep, principal: PrincipalDep, lang: LangDep,
                       report_id: FromPath[uuid.UUID], data: JSONBody[FeedbackIn]) -> ReportOut:
        """Once per closing: a second rating is 409 `report.feedback_given` (after an appeal reopens the report and
        it closes again, it may be rated again). A report the citizen withdrew is not rated (409
        `report.feedback_not_allowed`)."""
        report = await service.get_for_citizen(session, principal.citizen_id, report_id,
                                                partner_id=principal.partner_id, for_update=True)
        await service.give_feedback(session, report, data.satisfaction, data.comment, _by(principal))
        await session.commit()
        return await _view(session, report, lang)

