"""Dispatcher console API: the queue, assignment (manual or nearest unit), closing, extensions, corrections.

The queue has one entry per incident ("me too" reports of one event); acting on the primary acts on the incident.

Dispatchers, supervisors and admins act, and write on reports (messages to the reporter, internal notes); prosecutors
read; field officers read their own reports (masked).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
import sqlalchemy as sa
from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.deps import CtxDep, SessionDep
from backend.dispatch import attachments, comments, etag, history, questions, service
from backend.dispatch import messages as _messages  # noqa: F401
from backend.dispatch.comments import comments_for
from backend.dispatch.designation import history_of
from backend.dispatch.queue import URGENT_AHEAD_MAX
from backend.dispatch.regions import districts_for
from backend.jobs.relay import notify
from backend.ledger.schemas import ReportProof
from backend.lib.crypto import TokenError, sign_token, verify_token
from backend.lib.errors import PROBLEM_JSON, FieldProblem, Problem, ZanError
from backend.lib.pagination import decode_cursor, next_cursor
from backend.officers.auth import (
    DISPATCH_ROLES,
    FIELD_ROLES,
    OfficerDep,
    OfficerPrincipal,
    Role,
    client_ip,
    officer_guard,
    provide_officer,
)
from backend.officers.cli import police_departments
from backend.officers.controller import unit_out
from backend.officers.models import Unit
from backend.officers.schemas import UnitOut
from backend.reports import idempotency
from backend.reports.access import is_restricted
from backend.reports.custody import held_since
from backend.reports.idempotency import IdempotencyKey, Stored
from backend.reports.models import Report, ReportComment, ReportEvent
from backend.reports.service import is_primary
from backend.reports.workflow import Action, Actor, Status
from backend.sync.models import ReportField
from backend.sync.views import _mask

from .schemas import (
    AssignIn,
    AssignOut,
    AttachmentsOut,
    CloseIn,
    CommentAdded,
    EscalationOut,
    EscalationPage,
    ExtendIn,
    FieldsIn,
    QueuePage,
    Reopening,
    ReportCard,
    ReportHistory,
    RequestInfoIn,
    StaffCommentIn,
)

# the queue's OpenAPI description: its bound on the urgent block is the one queue.URGENT_AHEAD_MAX sets
QUEUE_DESCRIPTION = (
    "One entry per incident, most urgent first (urgent, then priority, then the nearest deadline, then the longest "
    "waiting), paged by `next_cursor`. The order moves while a dispatcher pages: a report made urgent (reclassified, "
    "routed late), a new urgent report or one its unit let go ranks ahead of every later page. So each page read "
    "with a cursor carries `urgent_ahead`, all urgent entries ranking ahead of it, whenever they differ from those "
    "this walk has shown (the cursor names that set), and null while they do not: a walk never misses an urgent "
    f"report, and is not shown the same ones again on every page. At most the first {URGENT_AHEAD_MAX} of them (most "
    "urgent first) come as cards: with more (a mass event), `urgent_ahead_more` is true and `urgent_ahead_total` "
    "says how many rank ahead; the console walks the queue again from the top (no cursor) to see them all. Other "
    "moves (a priority raised, a deadline extended) show on the next walk from the top.")
ALL_ROLES = (*DISPATCH_ROLES, *FIELD_ROLES, Role.PROSECUTOR)
# the mutations that take If-Match document its refusal besides the shared error answers (backend.app)
STALE = {412: ResponseSpec(data_container=Problem, media_type=PROBLEM_JSON, generate_examples=False,
                           description="If-Match names another state than the report's current one "
                                       "(dispatch.report_changed; the current tag in ETag): nothing was changed")}


def tagged(shown: ReportCard) -> Response[ReportCard]:
    """The card, with its tag also as the ETag header (for consoles that keep the header, not the body)."""
    return Response(shown, headers={"ETag": shown.etag})


async def card(session: AsyncSession, report: Report, principal: OfficerPrincipal) -> ReportCard:
    return (await cards(session, [report], principal))[0]


async def cards(session: AsyncSession, reports: list[Report], principal: OfficerPrincipal, *,
                listed: bool = False) -> list[ReportCard]:
    """Cards for a page of reports: officer fields, incidents and (a card read alone) comments in one query each.

    `listed` (the queue, the escalations): a restricted report's card carries neither the citizen's text nor the
    officers' fields. Those are read by opening the card, and each opening is in the report's record
    (history.opened): a list scrolled all shift would hand them out with no trace of who read them. No listed card
    carries the reporter's comments or the tablets' kept texts: the lists stay lean, and the card is opened to read
    them."""
    fields: dict[uuid.UUID, dict[str, Any]] = {}
    if reports:
        for row in await session.scalars(sa.select(ReportField).where(
                ReportField.report_id.in_([r.id for r in reports]))):  # type: ignore[attr-defined]
            fields.setdefault(row.report_id, {})[row.field] = row.value
    # the tags as If-Match checks them (etag.current_tags): one computation, so a card's tag always passes
    tags = await etag.current_tags(session, reports)
    incidents = await service.incidents(session, principal, reports)
    field_view = principal.role in FIELD_ROLES
    # the questions to the reporter and the answers to them, read from the history (a card read alone, as comments)
    threads = None if listed else await questions.threads_for(session, [r.id for r in reports])
    since = {} if threads is None else await held_since(session, [r.id for r in reports if r.unit_id])
    comments = None if threads is None else await comments_for(
        session, [r.id for r in reports], masked=field_view,
        answers={cid: answer for thread in threads.values() for cid, answer in thread.answers.items()})
    # read as the oversight history reads them (history.kept_text), on a card read alone only, as the comments: a
    # restricted report's are read where its opening is recorded, never from a list
    kept = None if listed else await history.kept_for(session, [r.id for r in reports], masked=field_view)
    reopenings = await _reopenings(session, reports)
    out = []
    for report in reports:
        incident = incidents.get(report.id)
        restricted = is_restricted(report)  # by its flag or its category, as every rule reads it
        withheld = listed and restricted
        out.append(ReportCard(
            id=report.id, number=report.number, status=report.status, category=report.category,
            department=report.department, priority=report.priority, urgent=report.urgent,
            restricted=restricted, anonymous=report.anonymous, district=report.district,
            unit_id=report.unit_id, deadline_at=report.deadline_at, created_at=report.created_at,
            text="" if withheld else _mask(report.text) if field_view else report.text, language=report.language,
            lat=report.lat, lon=report.lon, accuracy_m=report.accuracy_m,
            routing_state=report.routing_state,  # type: ignore[arg-type]  # a str column; backend.routing.jobs sets it
            fields={} if withheld else fields.get(report.id, {}),
            incident_id=incident.incident_id if incident else None, primary=is_primary(report),
            incident_size=incident.size if incident else 1,
            incident_report_ids=incident.report_ids if incident else [],
            incident_urgent=incident.urgent if incident else report.urgent,
            incident_priority=incident.priority if incident else report.priority,
            incident_deadline_at=incident.deadline_at if incident else report.deadline_at,
            etag=tags[report.id],
            reopened=_shown_reopening(reopenings.get(report.id), withheld, masked=field_view),
            comments=None if comments is None else comments[report.id],
            questions=None if threads is None else questions.questions_out(
                threads[report.id], since.get(report.id), mask=_mask if field_view else None),
            kept=None if kept is None else kept[report.id],
        ))
    return out


def _shown_reopening(reopening: Reopening | None, withheld: bool, *, masked: bool) -> Reopening | None:
    """A listed restricted report's reopening without its grounds: the citizen's words, withheld as its text is;
    `masked` (field officers): the grounds with personal data masked, as the report's text and the reporter's
    comments are (an appeal states the citizen's IIN or phone as readily as the report did)."""
    if reopening is None or reopening.reason is None:
        return reopening
    if withheld:
        return msgspec.structs.replace(reopening, reason=None)
    return msgspec.structs.replace(reopening, reason=_mask(reopening.reason)) if masked else reopening


async def _reopenings(session: AsyncSession, reports: list[Report]) -> dict[uuid.UUID, Reopening]:
    """The latest reopening of each open report reopened since it was registered, in one query: whoever decides it
    must see that it is an appeal (and whose closing it complains of: reports.appeals), or oversight's, on what
    grounds, and whether an appeal came after its term (before, only the oversight history said so)."""
    ids = [r.id for r in reports if r.reopen_count and r.status != Status.CLOSED]
    if not ids:
        return {}
    found: dict[uuid.UUID, Reopening] = {}
    for event in await session.scalars(
            sa.select(ReportEvent).where(col(ReportEvent.report_id).in_(ids),
                                         col(ReportEvent.action) == Action.REOPEN.value)
            .order_by(col(ReportEvent.created_at), col(ReportEvent.id))):
        found[event.report_id] = Reopening(  # the latest of each report wins
            at=event.created_at, by="citizen" if event.actor_type == Actor.CITIZEN.value else "oversight",
            reason=event.reason, late=(event.data or {}).get("appeal_term_missed") is True)
    return found


class DispatchController(Controller):
    path = "/api/v1/dispatch"
    tags = ["dispatch"]
    dependencies = {"officer": Provide(provide_officer, sync_to_thread=False)}

    @get("/queue", guards=[officer_guard(*DISPATCH_ROLES, Role.PROSECUTOR)], summary="Triage and unassigned reports",
         description=QUEUE_DESCRIPTION)
    async def queue(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep, cursor: FromQuery[str | None] = None,
                    limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50) -> QueuePage:
        """The dispatch queue, a page at a time (QUEUE_DESCRIPTION says how it moves)."""
        after, shown = None, None
        if cursor:
            try:
                raw = verify_token(ctx.settings.secret_key, "cursor:dispatch-queue", cursor)
                after = service.QueueKey(int(raw["u"]), int(raw["p"]), datetime.fromisoformat(str(raw["d"])),  # type: ignore[call-overload]
                                         datetime.fromisoformat(str(raw["c"])), uuid.UUID(str(raw["i"])))
            except (TokenError, KeyError, ValueError, TypeError) as exc:
                raise ZanError("pagination.cursor_invalid", 400, errors=[FieldProblem("#query/cursor")]) from exc
            shown = raw.get("h")  # absent from a cursor signed before it was kept: the urgent block is sent
        scope = await service.scope_of(session, officer)  # two reads: once for the page and the urgent block
        rows = await service.queue_page(session, officer, scope, after, limit + 1)
        page = rows[:limit]
        ahead: list[uuid.UUID] = []
        urgent_ahead, more, total = None, False, None
        if after is not None:
            found = await service.urgent_ahead(session, officer, scope, after)
            ahead = found.ids
            if shown != service.shown_digest(ahead):
                urgent_ahead = await cards(session, found.shown, officer, listed=True)
                more, total = found.more, len(ahead)
        next_cursor = None
        if len(rows) > limit:
            last = page[-1][1]
            # what this walk has now been shown of the urgent block: what ranked ahead of the cursor (unchanged, or
            # sent in urgent_ahead: its first cards, and the rest told by urgent_ahead_more, so the same set is not
            # sent again on every page) and this page's urgent entries
            seen = ahead + [key.id for _, key in page if key.urgent == 0]
            next_cursor = sign_token(ctx.settings.secret_key, "cursor:dispatch-queue", {
                "u": last.urgent, "p": last.priority, "d": last.deadline_at.isoformat(),
                "c": last.created_at.isoformat(), "i": str(last.id), "h": service.shown_digest(seen)})
        return QueuePage(items=await cards(session, [report for report, _ in page], officer, listed=True),
                         next_cursor=next_cursor, urgent_ahead=urgent_ahead, urgent_ahead_more=more,
                         urgent_ahead_total=total)

    @get("/escalations", guards=[officer_guard(*DISPATCH_ROLES, Role.PROSECUTOR)],
         summary="Reports that need a supervisor now, newest first")
    async def escalations(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep,
                          cursor: FromQuery[str | None] = None,
                          limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50) -> EscalationPage:
        """Open reports only, and only those the caller may read (restricted ones for oversight roles). The SLA
        job adds them every minute: an urgent report not accepted in time, a deadline or a redirect term about to
        lapse. One settled since (assigned, accepted, extended: queue.still_due) is no longer listed."""
        after = decode_cursor(ctx.settings.secret_key, "escalations", cursor) if cursor else None
        rows = await service.escalations_page(session, officer, after, limit + 1)
        page = rows[:limit]
        shown = await cards(session, [report for _, report in page], officer, listed=True)  # one per report, in order
        return EscalationPage(
            items=[EscalationOut(id=e.id, kind=e.kind, subject=e.subject, created_at=e.created_at, report=shown_card)
                   for (e, _), shown_card in zip(page, shown, strict=True)],
            next_cursor=next_cursor(ctx.settings.secret_key, "escalations", rows, limit,
                                    lambda row: (row[0].created_at, row[0].id)))

    @get("/reports/{report_id:uuid}", guards=[officer_guard(*ALL_ROLES)], summary="One report (role-filtered)")
    async def get_report(self, session: SessionDep, officer: OfficerDep, request: Request[Any, Any, Any],
                         report_id: FromPath[uuid.UUID]) -> Response[ReportCard]:
        report = await service.get_visible(session, officer, report_id)
        shown = await card(session, report, officer)
        await history.opened(session, officer, report, ip=client_ip(request))
        return tagged(shown)

    @get("/reports/{report_id:uuid}/attachments", guards=[officer_guard(*ALL_ROLES)],
         summary="The citizen's files and the officers' evidence, with short-lived download links (audited)")
    async def get_attachments(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep,
                              request: Request[Any, Any, Any], report_id: FromPath[uuid.UUID]) -> AttachmentsOut:
        return await attachments.list_for(ctx, session, officer, report_id, ip=client_ip(request))

    @get("/reports/{report_id:uuid}/history", guards=[officer_guard(Role.SUPERVISOR, Role.PROSECUTOR, Role.ADMIN)],
         summary="The full record for oversight: events with internal notes, custody, routing, access (audited), "
                 "and whether the sealed record is intact")
    async def get_history(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep,
                          request: Request[Any, Any, Any], report_id: FromPath[uuid.UUID]) -> ReportHistory:
        return await history.history(ctx, session, officer, report_id, ip=client_ip(request))

    @get("/reports/{report_id:uuid}/proof", guards=[officer_guard(Role.SUPERVISOR, Role.PROSECUTOR, Role.ADMIN)],
         summary="The sealed record as a proof a third party checks offline with the public key (audited)")
    async def get_proof(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep,
                        request: Request[Any, Any, Any], report_id: FromPath[uuid.UUID]) -> ReportProof:
        return await history.proof(ctx, session, officer, report_id, ip=client_ip(request))

    @post("/reports/{report_id:uuid}/assign", status_code=200, guards=[officer_guard(*DISPATCH_ROLES)],
          responses=STALE, summary="Assign or reassign to a unit, or to the nearest available one (\"auto\")")
    async def assign(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep, request: Request[Any, Any, Any],
                     report_id: FromPath[uuid.UUID], data: JSONBody[AssignIn],
                     if_match: etag.IfMatch = None) -> AssignOut:
        report = await service.get_visible(session, officer, report_id, lock=True)
        earlier = await history_of(session, report)  # read once for the pick and the assignment
        if data.unit_id == "auto":
            unit = await service.assign_nearest_unit(session, report, within=await districts_for(session, officer),
                                                     earlier=earlier)
            if unit is None:
                raise ZanError("dispatch.no_unit_available", 409)
        else:
            try:
                unit_id = uuid.UUID(data.unit_id)
            except ValueError as exc:
                raise ZanError("validation.failed", 422, errors=[FieldProblem("/unit_id", "invalid")]) from exc
            unit = await service.regional_unit(session, officer, unit_id)
        # already where this officer wants it (another got there first): nothing is lost, the answer is the same,
        # whatever the console saw (its If-Match and from_unit_id are not checked: nothing is written)
        held = await service.held_by(session, report, unit) is not None
        if not held:
            await etag.ensure_unchanged(session, report, if_match)
            service.ensure_holder_unchanged(report, data.from_unit_id)
        assignment = await service.assign(session, report, unit, service.by_for(officer), auto=data.unit_id == "auto",
                                          reason=data.reason, visible=await service.readable(session, officer),
                                          earlier=earlier)
        await session.commit()
        notify(ctx)
        shown = await card(session, report, officer)
        if held:  # no report.assign line: the full card it answers with is an opening (see history.opened)
            await history.opened(session, officer, report, ip=client_ip(request))
        return AssignOut(report=shown, unit_id=unit.id, unit_code=unit.code, distance_km=assignment.distance_km)

    @post("/reports/{report_id:uuid}/close", status_code=200, guards=[officer_guard(*DISPATCH_ROLES)],
          responses=STALE, summary="Close as duplicate / redirected / unfounded / rejected, with a reason")
    async def close(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep, report_id: FromPath[uuid.UUID],
                    data: JSONBody[CloseIn], if_match: etag.IfMatch = None) -> Response[ReportCard]:
        report = await service.get_visible(session, officer, report_id, lock=True)
        await etag.ensure_unchanged(session, report, if_match)
        service.ensure_holder_unchanged(report, data.from_unit_id)
        if data.how == "duplicate" and data.duplicate_of is not None:
            # the original must be one the closer may read: a hidden (restricted) one answers as a missing one
            # does, or a 200 against a 422 would tell that it exists
            try:
                await service.get_visible(session, officer, data.duplicate_of)
            except ZanError as exc:
                raise service.duplicate_of_invalid(data.duplicate_of) from exc
        await service.close(session, report, data.how, service.by_for(officer), reason=data.reason,
                            duplicate_of=data.duplicate_of, redirect_to=data.redirect_to,
                            visible=await service.readable(session, officer))
        await session.commit()
        notify(ctx)
        return tagged(await card(session, report, officer))

    # a decision of the head (APPK art. 76 p.3): supervisors and admins, not the duty officer (reports.EXTENDERS)
    @post("/reports/{report_id:uuid}/extend", status_code=200, guards=[officer_guard(Role.SUPERVISOR, Role.ADMIN)],
          responses=STALE,
          summary="Extend a running legal deadline by a reasoned decision of the head (supervisor, admin)")
    async def extend(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep, report_id: FromPath[uuid.UUID],
                     data: JSONBody[ExtendIn], if_match: etag.IfMatch = None) -> Response[ReportCard]:
        report = await service.get_visible(session, officer, report_id, lock=True)
        await etag.ensure_unchanged(session, report, if_match)
        await service.extend(session, report, data.deadline_at, data.reason, service.by_for(officer))
        await session.commit()
        notify(ctx)
        return tagged(await card(session, report, officer))

    @post("/reports/{report_id:uuid}/request-info", status_code=200, guards=[officer_guard(*DISPATCH_ROLES)],
          responses=STALE, summary="Ask the reporter for information (they see 'needs your input'; their comment "
                                   "resumes the work)")
    async def request_info(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep,
                           report_id: FromPath[uuid.UUID], data: JSONBody[RequestInfoIn],
                           if_match: etag.IfMatch = None) -> Response[ReportCard]:
        """Dispatchers, supervisors and admins of the report's region (restricted ones: supervisors and admins), as
        for every step; a field officer asks from the tablet of the crew holding the report. Also before any unit
        holds it (registered, triage, reopened): it stays in the queue, may be assigned, redirected or not taken up
        meanwhile (an unanswered question holds up no decision of the duty officer's), and the reporter's answer puts
        it back to triage; held by a unit, the answer puts it back in work."""
        report = await service.get_visible(session, officer, report_id, lock=True)
        await etag.ensure_unchanged(session, report, if_match)
        await service.request_info(session, report, data.reason, service.by_for(officer))
        await session.commit()
        notify(ctx)
        return tagged(await card(session, report, officer))

    @post("/reports/{report_id:uuid}/comments", status_code=201, guards=[officer_guard(*DISPATCH_ROLES)],
          responses={**STALE, 201: ResponseSpec(CommentAdded, description=(
              "Written; a retry with the same Idempotency-Key gets the same comment (written once) with the card as it "
              "is then"))},
          summary="Write on the report: a message to the reporter (public) or an internal note for staff")
    async def comment(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep, request: Request[Any, Any, Any],
                      report_id: FromPath[uuid.UUID], data: JSONBody[StaffCommentIn], if_match: etag.IfMatch = None,
                      idempotency_key: IdempotencyKey = None) -> Response[Any]:
        """Those who may assign the report or ask its reporter (dispatchers, supervisors, admins of its region;
        restricted ones: supervisors and admins) may write on it; prosecutors read. Open or closed
        (comments.write says why). Audited `report.comment`; sealed with the record. A console's retry with the same
        Idempotency-Key gets the first answer: a second message would reach the reporter twice."""
        report = await service.get_visible(session, officer, report_id, lock=True)

        async def write() -> Stored:
            # inside: a retry of a comment written gets its answer, although that comment itself changed the tag
            await etag.ensure_unchanged(session, report, if_match)
            added = await comments.write(session, report, service.by_for(officer), data.text, public=data.public,
                                         ip=client_ip(request))
            # the comment's id only: the idempotency record is kept 30 days outside the sealed, access-audited
            # record, and the card would copy a restricted report's text and every internal note into it
            return Stored(201, {"comment_id": str(added.id)})

        stored, written = await idempotency.once(session, f"staff-comment:{officer.officer_id}:{report.id}",
                                                 idempotency_key, data, write)
        if written:
            notify(ctx)
        added = await session.get(ReportComment, uuid.UUID(stored.body["comment_id"]))
        if added is None:  # comments are append-only (sealed; a trigger refuses deletes on PostgreSQL)
            raise ZanError("report.not_found", 404)
        # a retry gets the comment it wrote and the card as it is now (with its current tag; read again, as the
        # write's commit expired the row)
        await session.refresh(report)
        answer = CommentAdded(comment=comments.comment_out(added, masked=False),
                              report=await card(session, report, officer))
        if not written:  # a retry writes no report.comment line: the full card it answers with is an opening
            await history.opened(session, officer, report, ip=client_ip(request))
        return Response(msgspec.to_builtins(answer), status_code=stored.status_code,
                        headers={"ETag": answer.report.etag})

    @post("/reports/{report_id:uuid}/fields", status_code=200, guards=[officer_guard(*DISPATCH_ROLES)],
          responses=STALE,
          summary="Correct officer text fields (wins over earlier tablet edits; audited, the previous text kept)")
    async def fields(self, session: SessionDep, officer: OfficerDep, request: Request[Any, Any, Any],
                     report_id: FromPath[uuid.UUID], data: JSONBody[FieldsIn],
                     if_match: etag.IfMatch = None) -> Response[ReportCard]:
        report = await service.get_visible(session, officer, report_id, lock=True)
        await etag.ensure_unchanged(session, report, if_match)
        changed = await service.set_fields(session, report, data.fields.given(), service.by_for(officer))
        await session.commit()
        shown = await card(session, report, officer)
        if not changed:  # no report.fields line: the full card it answers with is an opening (see history.opened)
            await history.opened(session, officer, report, ip=client_ip(request))
        return tagged(shown)

    @get("/units", guards=[officer_guard(*DISPATCH_ROLES, Role.PROSECUTOR)], summary="Units and their positions")
    async def units(self, session: SessionDep, officer: OfficerDep,
                    department: FromQuery[str | None] = None) -> list[UnitOut]:
        """The units of the caller's region (every unit, for a national officer), of one police department if
        `department` names one (a code the console mistyped is a 422 at `#query/department`, not an empty list that
        reads as "no units on duty")."""
        if department is not None and department not in police_departments():
            raise ZanError("validation.failed", 422, errors=[FieldProblem("#query/department", "invalid")])
        query = (await service.regional_units(session, officer)).order_by(Unit.code)  # type: ignore[arg-type]
        if department:
            query = query.where(Unit.department == department)  # type: ignore[arg-type]
        return [unit_out(u) for u in await session.scalars(query)]
