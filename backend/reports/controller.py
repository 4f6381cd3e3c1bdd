"""Citizen-facing report endpoints (called by partner apps on the citizen's behalf). Thin: parse, call, shape."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, TypeAlias

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.context import Context
from backend.deps import AskedLangDep, CtxDep, SessionDep, provide_asked_lang, provide_ctx
from backend.lib.i18n import Lang
from backend.lib.pagination import decode_cursor, next_cursor, older_than
from backend.partners.auth import CitizenPrincipal, PrincipalDep, partner_guard, provide_principal
from backend.reports import idempotency, service, steps
from backend.reports.idempotency import IdempotencyKey, OptionalIdempotencyKey
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
from backend.reports.steps import view
from backend.reports.views import summary

# the 200 answer of a step that is safe to retry (reports/steps.py)
_RETRIED = ("{step}: the report as it is now. A retry with the same Idempotency-Key and body gets this first answer "
            "again; without a key, a repeat of the step already taken (same {same}) gets 200 with the report as it "
            "is now, and nothing is done twice")


@dataclass(frozen=True, slots=True)
class IntakeScope:
    """What registering a report takes from its request, as one dependency. Litestar resolves two or more
    dependencies of a handler in an anyio task group, a task each (~0.1 ms of the intake path's CPU, on every report
    a partner sends); one dependency is awaited directly."""

    ctx: Context
    session: AsyncSession
    principal: CitizenPrincipal
    lang: Lang | None  # None: the app asked for none of kk/ru/en, so the answer is in the report's language


async def provide_intake(request: Request[Any, Any, Any]) -> AsyncIterator[IntakeScope]:
    """The same values the app's own `ctx`, `session` and `principal` providers give, and the language asked for
    (provide_asked_lang), the session closed after the answer as theirs is."""
    principal = provide_principal(request)
    ctx = provide_ctx(request)
    async with ctx.sessions() as session:
        yield IntakeScope(ctx, session, principal, provide_asked_lang(request))


IntakeScopeDep: TypeAlias = NamedDependency[IntakeScope]


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]
    guards = [partner_guard]
    dependencies = {"asked_lang": Provide(provide_asked_lang, sync_to_thread=False)}

    @post("/", status_code=201, summary="Register a report", responses={201: ResponseSpec(
        ReportOut, description="Registered; a retry with the same Idempotency-Key gets this answer again")},
        dependencies={"intake": Provide(provide_intake)})
    async def create(self, intake: IntakeScopeDep, data: JSONBody[ReportCreate],
                     idempotency_key: IdempotencyKey = None) -> Response[Any]:
        """Registers the report at once (number, legal deadline) and routes it in the background."""
        if not idempotency_key:
            raise idempotency.key_missing()
        principal = intake.principal
        stored = await register_report(intake.ctx, intake.session, citizen=principal,
                                       partner_id=principal.partner_id, channel=principal.channel, data=data,
                                       idempotency_key=idempotency_key, lang=intake.lang)
        return Response(stored.body, status_code=stored.status_code,
                        headers={"Location": f"/api/v1/reports/{stored.body['id']}"})

    @get("/", summary="The citizen's own reports, newest first")
    async def list_reports(self, ctx: CtxDep, session: SessionDep, principal: PrincipalDep, asked_lang: AskedLangDep,
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
        return ReportPage(items=[summary(r, asked_lang, counts.get(r.id, 0)) for r in page],
                          next_cursor=next_cursor(ctx.settings.secret_key, "reports", rows, limit,
                                                  lambda r: (r.created_at, r.id)))

    @get("/{report_id:uuid}", summary="One report with its public timeline")
    async def get_report(self, session: SessionDep, principal: PrincipalDep, asked_lang: AskedLangDep,
                         report_id: FromPath[uuid.UUID]) -> ReportOut:
        report = await service.get_for_citizen(session, principal.citizen_id, report_id,
                                                partner_id=principal.partner_id)
        return await view(session, report, asked_lang)

    @post("/{report_id:uuid}/comments", status_code=201, summary="Add information to a report", responses={
        201: ResponseSpec(CommentOut, description="Added; a retry with the same Idempotency-Key gets this answer")})
    async def comment(self, session: SessionDep, principal: PrincipalDep, report_id: FromPath[uuid.UUID],
                      data: JSONBody[CommentCreate], idempotency_key: IdempotencyKey = None) -> Response[Any]:
        """A retry with the same Idempotency-Key gets the first answer, never a second comment."""
        stored = await steps.comment(session, principal, report_id, data, idempotency_key)
        return Response(stored.body, status_code=stored.status_code)

    @post("/{report_id:uuid}/withdraw", status_code=200, summary="Withdraw a report", responses={
        200: ResponseSpec(ReportOut, description=_RETRIED.format(step="Withdrawn", same="reason"))})
    async def withdraw(self, session: SessionDep, principal: PrincipalDep, asked_lang: AskedLangDep,
                       report_id: FromPath[uuid.UUID], data: JSONBody[ReasonIn | None] = None,
                       idempotency_key: OptionalIdempotencyKey = None) -> Response[Any]:
        """Withdraws the report (closed as withdrawn; during an appeal, the decision appealed stands again).

        Safe to retry: with the same `Idempotency-Key` and body, the first answer again; without a key, a repeat by
        the same citizen with the same reason of a withdrawal already made is 200 with the report as it is now,
        nothing done twice. A report closed meanwhile by the police (or withdrawn with another reason) is 409
        `report.already_closed`, whose `report_status`, `citizen_status`, `resolution` and `outcome` say how it
        closed."""
        stored = await steps.withdraw(session, principal, report_id, data or ReasonIn(), idempotency_key, asked_lang)
        return Response(stored.body, status_code=stored.status_code)

    @post("/{report_id:uuid}/reopen", status_code=200, summary="Appeal a closed report", responses={
        200: ResponseSpec(ReportOut, description=_RETRIED.format(step="Reopened on appeal", same="reason"))})
    async def reopen(self, session: SessionDep, principal: PrincipalDep, asked_lang: AskedLangDep,
                     report_id: FromPath[uuid.UUID], data: JSONBody[ReopenIn],
                     idempotency_key: OptionalIdempotencyKey = None) -> Response[Any]:
        """Appeals the closing: the report is considered again, with a fresh term.

        Safe to retry: with the same `Idempotency-Key` and body, the first answer again; without a key, a repeat by
        the same citizen with the same reason while the report is open on that appeal is 200 with the report as it
        is now — one appeal. Another reason while it is open, or an appeal the closing does not allow, is 409
        `report.transition_forbidden`."""
        stored = await steps.reopen(session, principal, report_id, data, idempotency_key, asked_lang)
        return Response(stored.body, status_code=stored.status_code)

    @post("/{report_id:uuid}/complaint", status_code=200, summary="Complain that an open report is past its deadline",
          responses={200: ResponseSpec(ReportOut, description=_RETRIED.format(step="Complaint filed",
                                                                              same="reason"))})
    async def complaint(self, session: SessionDep, principal: PrincipalDep, asked_lang: AskedLangDep,
                        report_id: FromPath[uuid.UUID], data: JSONBody[ReopenIn],
                        idempotency_key: OptionalIdempotencyKey = None) -> Response[Any]:
        """The report is still open and its deadline has passed: the complaint goes to the management (an escalation
        to the region's supervisors) and shows in the timeline; the report goes on. One per deadline: another is
        409 `report.complaint_filed`, one before the deadline 409 `report.term_running`, on a closed report 409
        `report.transition_forbidden` (appeal it instead).

        Safe to retry: with the same `Idempotency-Key` and body, the first answer again; without a key, the same
        reason for the same deadline is 200 with the report as it is now — one complaint."""
        stored = await steps.complain(session, principal, report_id, data, idempotency_key, asked_lang)
        return Response(stored.body, status_code=stored.status_code)

    @post("/{report_id:uuid}/feedback", status_code=200, summary="Rate how a closed report was handled",
          responses={200: ResponseSpec(ReportOut, description=_RETRIED.format(step="Rated",
                                                                              same="satisfaction and comment"))})
    async def feedback(self, session: SessionDep, principal: PrincipalDep, asked_lang: AskedLangDep,
                       report_id: FromPath[uuid.UUID], data: JSONBody[FeedbackIn],
                       idempotency_key: OptionalIdempotencyKey = None) -> Response[Any]:
        """Once per closing: another rating of the same closing is 409 `report.feedback_given` (after an appeal
        reopens the report and it closes again, it may be rated again). A report the citizen withdrew is not rated
        (409 `report.feedback_not_allowed`).

        Safe to retry: with the same `Idempotency-Key` and body, the first answer again; without a key, the same
        satisfaction and comment as the closing's rating is 200 with the report as it is now, rated once."""
        stored = await steps.feedback(session, principal, report_id, data, idempotency_key, asked_lang)
        return Response(stored.body, status_code=stored.status_code)
