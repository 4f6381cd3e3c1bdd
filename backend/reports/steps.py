"""The citizen's steps on their own report — withdraw, appeal (reopen), rate — made safe to retry.

Partner apps (eGov Mobile, Kaspi, Halyk) call these over mobile networks: a request that was done times out before
its answer arrives, and the app sends it again. Before, the retry was answered 409 (already withdrawn, already
rated) and the citizen was shown an error for a step that had worked. Now, two ways make a retry harmless:

- `Idempotency-Key` (optional on these three: partners never had to send it, and a required header would break
  every app in the field). The same key and body get the first answer again; the same key with another body is 409
  `idempotency.key_reused` (api-conventions.md, as for comments).
- Without a key, a request that repeats a step already taken — the same citizen, the same body, and the report
  still where that step left it — is answered 200 with the report as it is now, and nothing is done again (no
  event, no notification). RFC 9110 §9.2.2 calls a request idempotent when several identical ones have the intended
  effect of one, and names exactly this case (a connection lost before the answer was read) as why that matters.
  POST is not idempotent by definition, but a resource may make its own POST so: the intended effect of
  "withdraw, because it was found" is that the report stands withdrawn for that reason, and once it does, the
  identical request asks for the state that holds. That is no conflict with the current state, which is what a
  409 means in our conventions. A request that differs (another reason, another rating), or a step the current
  state does not allow, would change what was decided: still 409, as before.

The report's row lock (taken first) serialises two requests at once: the second sees the first's result, so a
double tap makes one event and one notification, and gets the same 200.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.lib.blank import blank
from backend.lib.clock import as_utc
from backend.lib.errors import ZanError
from backend.media import service as media_service
from backend.partners.auth import CitizenPrincipal
from backend.reports import appeals, idempotency, service
from backend.reports import messages as _messages  # noqa: F401  (registers report.already_closed)
from backend.reports.idempotency import Stored
from backend.reports.models import Report, ReportEvent
from backend.reports.schemas import CommentCreate, CommentOut, FeedbackIn, ReasonIn, ReopenIn, ReportOut
from backend.reports.service import By
from backend.reports.views import citizen_status, citizen_view
from backend.reports.workflow import Action, Actor, Status


def by_citizen(principal: CitizenPrincipal) -> By:
    return By(Actor.CITIZEN, str(principal.citizen_id), principal.channel)


async def view(session: AsyncSession, report: Report, lang: str | None) -> ReportOut:
    """The citizen's view of the report in `lang` (None: in the report's own language)."""
    events = await service.events(session, report.id, public_only=True)
    media = await media_service.for_report(session, report.id)
    counts = await service.also_reported_counts(session, report.citizen_id, [report])
    return citizen_view(report, events, media, lang, counts.get(report.id, 0))


async def comment(session: AsyncSession, principal: CitizenPrincipal, report_id: uuid.UUID, data: CommentCreate,
                  idempotency_key: str | None) -> Stored:
    """The citizen's comment on their report (`POST /reports/{id}/comments`, and the citizen bot's "Reply"): an answer
    to a request for information puts the report back in work. A retry with the same Idempotency-Key gets the first
    answer, never a second comment; the report's row lock also serialises two retries of one key."""
    report = await service.get_for_citizen(session, principal.citizen_id, report_id,
                                            partner_id=principal.partner_id, for_update=True)

    async def add() -> Stored:
        service.ensure_open(report, "comment")  # before a file is attached to a closed report
        files = await media_service.attach_to_report(session, report, citizen_id=principal.citizen_id,
                                                     media_ids=data.media_ids)
        added = await service.add_citizen_comment(session, report, data.text, by_citizen(principal),
                                                  {str(m.id): m.sha256 for m in files})
        return Stored(201, msgspec.to_builtins(CommentOut(
            id=added.id, text=added.text, created_at=added.created_at, author="citizen",
            media_ids=[m.id for m in files])))

    stored, _ = await idempotency.once(
        session, f"comment:{principal.partner_id}:{principal.citizen_id}:{report.id}", idempotency_key, data, add)
    return stored


def already_closed(report: Report) -> ZanError:
    """409 for a withdrawal of a report closed meanwhile (a dispatcher's or a crew's closing won the race): the
    problem says how it closed, so the app can show the outcome instead of a bare refusal."""
    return ZanError("report.already_closed", 409, extra={
        "action": Action.WITHDRAW.value, "report_status": report.status,
        "citizen_status": citizen_status(report.status)[0], "resolution": report.resolution,
        "outcome": report.outcome})


def _same_citizen(event: ReportEvent, by: By) -> bool:
    return event.actor_type == by.actor.value and event.actor_id == by.actor_id


async def withdrawal_repeated(session: AsyncSession, report: Report, by: By, reason: str | None) -> bool:
    """Whether the report's standing closing is this citizen's own withdrawal, for this same reason."""
    if report.status != Status.CLOSED:
        return False
    closing = await appeals.latest_closing(session, report)
    return (closing is not None and closing.action == Action.WITHDRAW.value and _same_citizen(closing, by)
            and closing.reason == reason)


async def appeal_repeated(session: AsyncSession, report: Report, by: By, reason: str) -> bool:
    """Whether the report is open on this citizen's own appeal, made on these same grounds. (An open report that
    was ever reopened is open on its latest reopening: every closing since would have needed another.)"""
    if report.status == Status.CLOSED or not report.reopen_count:
        return False
    appeal = await appeals.latest_reopening(session, report)
    return appeal is not None and _same_citizen(appeal, by) and appeal.reason == reason


def feedback_repeated(report: Report, data: FeedbackIn) -> bool:
    """Whether this closing already carries exactly this rating (an appeal clears it with the closing it judged,
    so it can only be this closing's, given by its reporter)."""
    return (report.status == Status.CLOSED and report.satisfaction == data.satisfaction
            and report.feedback_comment == data.comment)


# a step on the locked report: does it (or finds it done already: the repeat of a lost answer) and raises what the
# state refuses
Step = Callable[[Report, By], Awaitable[None]]


async def _run(session: AsyncSession, principal: CitizenPrincipal, report_id: uuid.UUID, name: str,
               data: msgspec.Struct, key: str | None, lang: str | None, step: Step) -> Stored:
    """One citizen step on their report: the report row locked first (two taps at once run one after the other),
    the step, and the report as it then is; with `key`, remembered under it (`idempotency.once`)."""
    report = await service.get_for_citizen(session, principal.citizen_id, report_id,
                                            partner_id=principal.partner_id, for_update=True)
    by = by_citizen(principal)

    async def act() -> Stored:
        await step(report, by)
        return Stored(200, msgspec.to_builtins(await view(session, report, lang)))

    scope = f"{name}:{principal.partner_id}:{principal.citizen_id}:{report.id}"  # ≤ 120 characters
    stored, _ = await idempotency.once(session, scope, key, data, act, required=False)
    return stored


async def withdraw(session: AsyncSession, principal: CitizenPrincipal, report_id: uuid.UUID, data: ReasonIn,
                   key: str | None, lang: str | None) -> Stored:
    """Withdraw the report. A report closed meanwhile by someone else is 409 `report.already_closed`."""

    # a reason of blanks only says nothing: stored as none given (the timeline showed an empty "reason"), and so a
    # retry without one, under the same Idempotency-Key or none, is the same withdrawal
    reason = None if data.reason is None or blank(data.reason) else data.reason
    data = msgspec.structs.replace(data, reason=reason)

    async def step(report: Report, by: By) -> None:
        if not await withdrawal_repeated(session, report, by, reason):
            if report.status == Status.CLOSED:
                raise already_closed(report)
            await service.withdraw(session, report, by, reason)

    return await _run(session, principal, report_id, "withdraw", data, key, lang, step)


async def reopen(session: AsyncSession, principal: CitizenPrincipal, report_id: uuid.UUID, data: ReopenIn,
                 key: str | None, lang: str | None) -> Stored:
    """Appeal the report's closing: one appeal, however many times the request arrives."""

    async def step(report: Report, by: By) -> None:
        if not await appeal_repeated(session, report, by, data.reason):
            await service.reopen(session, report, by, data.reason)

    return await _run(session, principal, report_id, "reopen", data, key, lang, step)


async def complain(session: AsyncSession, principal: CitizenPrincipal, report_id: uuid.UUID, data: ReopenIn,
                   key: str | None, lang: str | None) -> Stored:
    """Complain that the report is open past its term: one complaint per term, however many times it arrives."""

    async def step(report: Report, by: By) -> None:
        if not await complaint_repeated(session, report, by, data.reason):
            await service.complain_of_delay(session, report, by, data.reason)

    return await _run(session, principal, report_id, "complain", data, key, lang, step)


async def complaint_repeated(session: AsyncSession, report: Report, by: By, reason: str) -> bool:
    """Whether this citizen already complained of the report's current term, on these same grounds."""
    complained = await appeals.latest_event(session, report.id, col(ReportEvent.action) == service.DELAY_COMPLAINT)
    return (complained is not None and _same_citizen(complained, by) and complained.reason == reason
            and (complained.data or {}).get("deadline_at") == as_utc(report.deadline_at).isoformat())


async def feedback(session: AsyncSession, principal: CitizenPrincipal, report_id: uuid.UUID, data: FeedbackIn,
                   key: str | None, lang: str | None) -> Stored:
    """Rate the report's closing: one rating per closing, however many times the request arrives."""

    async def step(report: Report, by: By) -> None:
        if not feedback_repeated(report, data):
            await service.give_feedback(session, report, data.satisfaction, data.comment, by)

    return await _run(session, principal, report_id, "feedback", data, key, lang, step)
