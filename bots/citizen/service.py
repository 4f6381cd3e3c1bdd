"""What the citizen bot does with the backend: link chats to citizens, store photos and videos, file and list reports.

No aiogram here: handlers (and tests) call these with plain values; everything goes through backend services.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec
from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.citizens.models import Citizen
from backend.citizens.service import get_or_create_external
from backend.context import Context
from backend.lib.clock import as_utc, utcnow
from backend.lib.json_bodies import composed
from backend.lib.pagination import older_than
from backend.media import service as media_service
from backend.media.models import Media
from backend.media.storage import StoreUnavailable
from backend.officers import ratelimit
from backend.partners import service as partners
from backend.partners.auth import CitizenPrincipal
from backend.reports import service as reports
from backend.reports import steps
from backend.reports.idempotency import Stored
from backend.reports.intake import register_report
from backend.reports.models import Report, ReportEvent
from backend.reports.schemas import CommentCreate, FeedbackIn, Location, ReasonIn, ReopenIn, ReportCreate
from backend.reports.workflow import Action, Actor, Status
from bots.chats import count_refusal
from bots.models import TelegramDraftMedia, TelegramLink
from ml.legal import LegalAnswer, answer_if_urgent

CHANNEL = "telegram"
PARTNER_NAME = "telegram-bot"
REPORTS_PAGE = 10  # reports per /reports message: ten lines and their "Reply" buttons stay readable on a phone


@dataclass(frozen=True)
class ChatUser:
    """The citizen behind a chat, with its language: chosen by the user (/start, /language) or, if `language_chosen`
    is false, the phone's interface language stored when the chat was linked by a report or /reports."""

    citizen_id: uuid.UUID
    language: str
    language_chosen: bool = False


async def link_chat(ctx: Context, *, user_id: int, chat_id: int, language: str, chosen: bool = False) -> ChatUser:
    """Find or create the unverified citizen of this Telegram user and remember the chat and language.

    `chosen` is true only when the user picked `language` in the bot; otherwise it is the phone's interface language
    and a language the user chose earlier is kept."""
    async with ctx.sessions() as session:
        citizen = await get_or_create_external(session=session, secret_keys=ctx.settings.secret_keys, channel=CHANNEL,
                                               external_id=str(user_id), language=language)
        citizen.language = language
        session.add(citizen)
        link = await session.scalar(select(TelegramLink).where(TelegramLink.citizen_id == citizen.id))  # type: ignore[arg-type]
        if link is None:
            # a chat id that moved to another account (rare: a re-created user) is taken over by the new one
            link = await session.scalar(select(TelegramLink).where(TelegramLink.chat_id == chat_id))  # type: ignore[arg-type]
        if link is None:
            link = TelegramLink(citizen_id=citizen.id, chat_id=chat_id, language=language)
        if link.language_chosen and not chosen:  # an interface language never overrides the user's choice
            language = link.language
        link.citizen_id, link.chat_id, link.language = citizen.id, chat_id, language
        link.language_chosen = link.language_chosen or chosen
        link.blocked_at, link.updated_at = None, utcnow()
        try:
            async with session.begin_nested():
                session.add(link)
        except IntegrityError:  # a concurrent /start of the same user: the other request linked it
            pass
        await session.commit()
        return ChatUser(citizen.id, language, link.language_chosen)


async def chat_user(ctx: Context, chat_id: int) -> ChatUser | None:
    """The linked citizen of a chat (linked by /start or by a report or /reports without it), if any."""
    async with ctx.sessions() as session:
        link = await session.scalar(select(TelegramLink).where(TelegramLink.chat_id == chat_id))  # type: ignore[arg-type]
        if link is None:
            return None
        if link.blocked_at is not None:  # they write to us again, so they unblocked the bot: resume pushes
            link.blocked_at = None
            session.add(link)
            await session.commit()
        return ChatUser(link.citizen_id, link.language, link.language_chosen)


async def mark_blocked(ctx: Context, chat_id: int, reason: str = "blocked") -> bool:
    """Telegram refuses the chat for good (bots.chats.refusal_reason): stop pushing to it until the user writes
    again. True if it was not marked yet (counted and logged then, once)."""
    async with ctx.sessions() as session:
        marked = await session.execute(
            update(TelegramLink).where(TelegramLink.chat_id == chat_id,  # type: ignore[arg-type]
                                       TelegramLink.blocked_at.is_(None))  # type: ignore[union-attr]
            .values(blocked_at=utcnow(), updated_at=utcnow()).execution_options(synchronize_session=False))
        await session.commit()
    # one conditional UPDATE: of two pushes refused at once, only one finds the mark unset and counts it
    if not getattr(marked, "rowcount", 0):
        return False
    count_refusal("citizen", reason)
    return True


async def link_of_citizen(session: AsyncSession, citizen_id: uuid.UUID) -> TelegramLink | None:
    return await session.scalar(select(TelegramLink).where(TelegramLink.citizen_id == citizen_id))  # type: ignore[arg-type]


async def bot_partner_id(ctx: Context) -> uuid.UUID:
    """The "telegram-bot" partner row that the bot's reports are attributed to (created on first use)."""
    cached: uuid.UUID | None = ctx.extras.get("telegram_partner_id")
    if cached is not None:
        return cached
    async with ctx.sessions() as session:
        partner = await partners.by_name(session=session, name=PARTNER_NAME)
        if partner is None:
            try:
                # the bot never signs HTTP requests: its secret exists only because every partner has one
                created = await partners.create(session=session, secret_key=ctx.settings.secret_key,
                                                name=PARTNER_NAME)
                partner_id = created.id
            except (IntegrityError, partners.NameTaken):
                # created meanwhile by another update (an album's files arrive at once): refused by the unique index,
                # or, when that one committed first, by the name check before it
                await session.rollback()
                partner = await partners.by_name(session=session, name=PARTNER_NAME)
                assert partner is not None
                partner_id = partner.id
        else:
            partner_id = partner.id
    ctx.extras["telegram_partner_id"] = partner_id
    return partner_id


async def store_media(ctx: Context, *, citizen_id: uuid.UUID, data: bytes, content_type: str) -> Media:
    """Declare, upload and verify a file exactly as the media flow does for apps (size, sha256, type sniff, EXIF)."""
    async with ctx.sessions() as session:
        media, _upload = await media_service.declare(ctx, session, content_type=content_type, size=len(data),
                                                      sha256=hashlib.sha256(data).hexdigest(),
                                                      citizen_id=citizen_id, partner_id=await bot_partner_id(ctx))
        with media_service.store_errors_as_503():
            await media_service.get_store(ctx).put(media.storage_key, data, content_type)
        return await media_service.complete(ctx, session, media)


async def draft_media(ctx: Context, draft_key: str) -> list[uuid.UUID]:
    """The files of a report being written, in the order they arrived."""
    return [media_id for media_id, _ in await draft_files(ctx, draft_key)]


async def draft_files(ctx: Context, draft_key: str) -> list[tuple[uuid.UUID, str]]:
    """`draft_media` with each file's Telegram file_unique_id (what the chat's FSM data knows the file by)."""
    async with ctx.sessions() as session:
        rows = await session.execute(select(TelegramDraftMedia.media_id,  # type: ignore[call-overload]
                                            TelegramDraftMedia.file_unique_id).where(
            TelegramDraftMedia.draft_key == draft_key).order_by(TelegramDraftMedia.created_at,  # type: ignore[arg-type]
                                                                TelegramDraftMedia.media_id))
        return [(row[0], str(row[1])) for row in rows]


async def has_draft_media(ctx: Context, draft_key: str, file_unique_id: str) -> bool:
    async with ctx.sessions() as session:
        return await session.get(TelegramDraftMedia, (draft_key, file_unique_id)) is not None


async def keep_draft_media(ctx: Context, *, draft_key: str, file_unique_id: str, media_id: uuid.UUID) -> bool:
    """Remember a stored file as one of a draft's; False if this Telegram file was already taken."""
    async with ctx.sessions() as session:
        session.add(TelegramDraftMedia(draft_key=draft_key, file_unique_id=file_unique_id, media_id=media_id,
                                       created_at=utcnow()))
        try:
            await session.commit()
        except IntegrityError:  # the same update delivered twice, handled concurrently
            return False
    return True


async def discard_media(ctx: Context, media_id: uuid.UUID) -> bool:
    """Delete a file stored for a draft that did not take it (cancelled or filed during the upload, or the same
    file taken twice): its row and its objects at once, rather than a citizen's photo kept a week for nothing. Only
    while no report and no draft holds it. With the store down it stays, and purge_unused takes it later (a ready file
    no draft lists). True if it went."""
    async with ctx.sessions() as session:
        media = await session.scalar(
            select(Media).where(Media.id == media_id, Media.report_id.is_(None),  # type: ignore[arg-type,union-attr]
                                ~exists().where(TelegramDraftMedia.media_id == media_id))  # type: ignore[arg-type]
            .with_for_update())
        if media is None:
            return False
        store = media_service.get_store(ctx)
        try:
            for key in (media.storage_key, media_service.upload_key(media.storage_key)):
                await store.delete(key)
        except StoreUnavailable:
            return False
        await session.delete(media)
        await session.commit()
    return True


async def forget_draft(ctx: Context, draft_key: str, media_ids: list[uuid.UUID] | None = None) -> None:
    """Drop a draft's file list (after the report is filed or the draft cancelled), or only `media_ids` of it (added
    to a report, the others kept in it); the media rows stay."""
    if media_ids is not None and not media_ids:
        return
    query = delete(TelegramDraftMedia).where(TelegramDraftMedia.draft_key == draft_key)  # type: ignore[arg-type]
    if media_ids is not None:
        query = query.where(TelegramDraftMedia.media_id.in_(media_ids))  # type: ignore[attr-defined]
    async with ctx.sessions() as session:
        await session.execute(query)
        await session.commit()


async def move_draft(ctx: Context, draft_key: str, new_key: str) -> None:
    """The draft's file list goes under `new_key` (the draft's key replaced: report_confirm.report_send)."""
    query = update(TelegramDraftMedia).where(TelegramDraftMedia.draft_key == draft_key)  # type: ignore[arg-type]
    async with ctx.sessions() as session:
        await session.execute(query.values(draft_key=new_key))
        await session.commit()


async def on_report(ctx: Context, report_id: uuid.UUID, media_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Those of `media_ids` that are the report's files already, in the order given."""
    if not media_ids:
        return []
    async with ctx.sessions() as session:
        held = {media.id for media in await media_service.for_report(session, report_id)}
    return [media_id for media_id in media_ids if media_id in held]


# a draft outlives its conversation (the FSM state expires after a day) by a day at most: its file list goes, and the
# files themselves follow as unused media (backend.media.cleanup.purge_unused)
DRAFT_KEPT_FOR = timedelta(days=2)


async def purge_stale_drafts(ctx: Context) -> int:
    """Drop the file lists of drafts nobody can finish any more; returns how many rows went."""
    async with ctx.sessions() as session:
        result = await session.execute(delete(TelegramDraftMedia).where(
            TelegramDraftMedia.created_at < utcnow() - DRAFT_KEPT_FOR))  # type: ignore[arg-type]
        await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


async def file_report(ctx: Context, *, citizen_id: uuid.UUID, text: str, lat: float, lon: float,
                      accuracy_m: float | None, media_ids: list[uuid.UUID], language: str,
                      idempotency_key: str) -> Stored:
    """Register the report through the same intake as partner apps; identity_verified comes from the citizen."""
    partner_id = await bot_partner_id(ctx)
    # the citizen's words as the API's edge takes them (invisible controls out, NFC): the bot files past that edge
    data = ReportCreate(text=composed(text), location=Location(lat=lat, lon=lon, accuracy_m=accuracy_m),
                        media_ids=media_ids)
    async with ctx.sessions() as session:
        citizen = await session.get(Citizen, citizen_id)
        if citizen is None:
            raise LookupError("citizen not found")
        return await register_report(ctx, session, citizen=citizen, partner_id=partner_id, channel=CHANNEL,
                                     data=data, idempotency_key=idempotency_key, lang=language)


async def reports_page(ctx: Context, citizen_id: uuid.UUID, *, after: uuid.UUID | None = None,
                       limit: int = REPORTS_PAGE) -> tuple[list[Report], bool]:
    """A page of the citizen's reports, newest first, and whether older ones follow. `after` is the last report of
    the page before (what a "More" button carries): a keyset, so reports filed meanwhile move nothing. A report that
    is not this citizen's (the button's data comes from the client) pages nothing."""
    async with ctx.sessions() as session:
        query = select(Report).where(Report.citizen_id == citizen_id)  # type: ignore[arg-type]
        if after is not None:
            last = await session.get(Report, after)
            if last is None or last.citizen_id != citizen_id:
                return [], False
            query = query.where(older_than(Report.created_at, Report.id, (last.created_at, last.id)))
        rows = list(await session.scalars(
            query.order_by(Report.created_at.desc(), Report.id.desc()).limit(limit + 1)))  # type: ignore[attr-defined]
        return rows[:limit], len(rows) > limit


# files sent outside a report within this long of the citizen's filing of a report still open, their last comment,
# answer or step on it, or the last news of it they were told (a public event: pushed to the chat) are most likely
# more of that report's evidence: the citizen is asked whether to add them to it (report_addition). A day: what the
# citizen saw or filmed is sent the same day, often hours later; a report quiet for longer is hardly what they meant
ADD_WINDOW = timedelta(hours=24)


async def recent_open_report(ctx: Context, citizen_id: uuid.UUID, within: timedelta = ADD_WINDOW) -> Report | None:
    """The citizen's open report (filed through the bot, as the comments API requires) they filed, acted on (an event
    of theirs) or were told of (a public event) most recently, if that was within `within`."""
    partner_id = await bot_partner_id(ctx)  # first: SQLite takes one session at a time
    since = utcnow() - within
    async with ctx.sessions() as session:
        open_ = list(await session.scalars(select(Report).where(
            reports.filed_by(citizen_id, partner_id), col(Report.status) != Status.CLOSED.value)))
        if not open_:
            return None
        rows = await session.execute(
            select(col(ReportEvent.report_id), func.max(col(ReportEvent.created_at)))
            .where(col(ReportEvent.report_id).in_([r.id for r in open_]),
                   or_(col(ReportEvent.actor_type) == Actor.CITIZEN.value, col(ReportEvent.public).is_(True)))
            .group_by(col(ReportEvent.report_id)))
        touched: dict[uuid.UUID, datetime] = {report_id: at for report_id, at in rows.all()}

    def last(report: Report) -> datetime:
        return max(as_utc(report.created_at), as_utc(touched.get(report.id) or report.created_at))

    latest = max(open_, key=last)
    return latest if last(latest) >= since else None


async def reply_target(ctx: Context, citizen_id: uuid.UUID, report_id: uuid.UUID) -> Report:
    """The report a "Reply" button names, if this citizen may comment on it now: 404 `report.not_found` for one not
    theirs (the button's data comes from the client) and 409 `report.transition_forbidden` for a closed one, as the
    comments API answers (reports.service.get_for_citizen, ensure_open)."""
    partner_id = await bot_partner_id(ctx)
    async with ctx.sessions() as session:
        report = await reports.get_for_citizen(session, citizen_id, report_id, partner_id=partner_id)
        reports.ensure_open(report, "comment")
        return report


async def closed_as(ctx: Context, report_id: uuid.UUID) -> tuple[str | None, str]:
    """A closed report's resolution ("withdrawn", "resolved", ...) and number: what a refused reply says. Only for
    a report the comments API refused as closed, which it does once it found the report the citizen's."""
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
        return (report.resolution, report.number) if report is not None else (None, "")


async def comment_on_report(ctx: Context, *, citizen_id: uuid.UUID, report_id: uuid.UUID, text: str,
                            media_ids: list[uuid.UUID], idempotency_key: str) -> Stored:
    """The citizen's comment on their report (their answer to a request for information puts it back in work), as
    `POST /api/v1/reports/{id}/comments` adds it for a partner app: the report locked, closed ones refused, files
    attached within the report's limit, and stored once per `idempotency_key` (a redelivered update gets the first
    answer, never a second comment). Raises the API's ZanError otherwise."""
    principal = CitizenPrincipal(citizen_id, await bot_partner_id(ctx), CHANNEL, identity_verified=False)
    async with ctx.sessions() as session:
        return await steps.comment(session, principal, report_id,
                                   CommentCreate(text=composed(text), media_ids=media_ids), idempotency_key)


async def questions(ctx: Context, awaiting: list[Report]) -> dict[uuid.UUID, ReportEvent]:
    """The standing request for information of each report awaiting its citizen: the latest `request_info` event."""
    ids = [r.id for r in awaiting if r.status == Status.AWAITING_REPORTER]
    if not ids:
        return {}
    async with ctx.sessions() as session:
        rows = await session.scalars(
            select(ReportEvent).where(ReportEvent.report_id.in_(ids),  # type: ignore[attr-defined]
                                      ReportEvent.action == Action.REQUEST_INFO.value)  # type: ignore[arg-type]
            .order_by(ReportEvent.created_at, ReportEvent.id))  # type: ignore[arg-type]
        return {event.report_id: event for event in rows}  # the latest of each report wins


async def legal_wait(ctx: Context, chat_id: int) -> int | None:
    """Count a legal question of this chat: the seconds until it may ask again if it is over
    ZAN_CITIZEN_BOT_LEGAL_PER_10MIN, else None. Each question holds one of the process's few legal slots for about a
    second (ZAN_LEGAL_CONCURRENCY): unmetered, one chat typing fast (or a script) would make every other citizen
    wait. Counted by the login-failure code (backend.officers.ratelimit) under keys of its own ("rate:legal-chat"):
    Redis when it answers, this process's memory otherwise."""
    return await ratelimit.reserve(ctx, legal_chat=str(chat_id))


async def legal_unused(ctx: Context, chat_id: int) -> None:
    """Give back the question `legal_wait` counted when the service could not answer it (its index missing, every
    slot taken): only answered questions count against the chat's limit."""
    await ratelimit.unserved(ctx, legal_chat=str(chat_id))


async def urgent_answer(question: str, language: str | None) -> LegalAnswer | None:
    """The emergency lead alone if `question` is urgent: what a chat over its limit still gets, as someone in danger
    must hear 102/112. Patterns only (no slot, no index), off the event loop: ~15 ms over 2000 characters."""
    return await asyncio.to_thread(answer_if_urgent, question, language)


class StaleButton(Exception):
    """A report's button shown before an appeal reopened it (its closing, rating and appeal buttons judge a closing
    that is no longer the report's): it must not act on the report as it is now."""

    def __init__(self, number: str) -> None:
        super().__init__(number)
        self.number = number


async def _own_step(ctx: Context, citizen_id: uuid.UUID, report_id: uuid.UUID, seen: int,
                    step: Callable[[AsyncSession, CitizenPrincipal], Awaitable[Stored]]) -> str:
    """One of the citizen's steps on their report, by the partner API's own code (backend.reports.steps: the same
    rules, idempotency and errors). The report is locked and checked first: 404 `report.not_found` for one not theirs
    (a button's data comes from the client), StaleButton for a button shown before an appeal reopened it (`seen`: the
    reopen count the button was made with). Returns the report's number."""
    principal = CitizenPrincipal(citizen_id, await bot_partner_id(ctx), CHANNEL, identity_verified=False)
    async with ctx.sessions() as session:
        number = (await _button_report(session, principal.partner_id, citizen_id, report_id, seen,
                                       for_update=True)).number
        await step(session, principal)  # locks the same row again (held already) and commits
    return number


async def _button_report(session: AsyncSession, partner_id: uuid.UUID, citizen_id: uuid.UUID, report_id: uuid.UUID,
                         seen: int, *, for_update: bool = False) -> Report:
    """The report a button names, the citizen's own (404 `report.not_found` otherwise), not reopened since the
    button was shown (StaleButton otherwise)."""
    report = await reports.get_for_citizen(session, citizen_id, report_id, partner_id=partner_id,
                                           for_update=for_update)
    if report.reopen_count != seen:
        raise StaleButton(report.number)
    return report


async def withdraw_report(ctx: Context, *, citizen_id: uuid.UUID, report_id: uuid.UUID, seen: int,
                          idempotency_key: str) -> str:
    """`POST /api/v1/reports/{id}/withdraw` without a reason: a report closed meanwhile is 409
    `report.already_closed`; tapping "Yes" again on one this citizen withdrew answers as the first tap did."""
    return await _own_step(ctx, citizen_id, report_id, seen, lambda session, principal: steps.withdraw(
        session, principal, report_id, ReasonIn(), idempotency_key, None))


async def rate_report(ctx: Context, *, citizen_id: uuid.UUID, report_id: uuid.UUID, seen: int, satisfaction: int,
                      idempotency_key: str) -> str:
    """`POST /api/v1/reports/{id}/feedback`: one rating per closing (the same again is answered as the first, another
    is 409 `report.feedback_given`), none of a withdrawal (409 `report.feedback_not_allowed`)."""
    data = msgspec.convert({"satisfaction": satisfaction}, FeedbackIn)  # its bounds, as the API decodes them
    return await _own_step(ctx, citizen_id, report_id, seen, lambda session, principal: steps.feedback(
        session, principal, report_id, data, idempotency_key, None))


async def step_target(ctx: Context, *, citizen_id: uuid.UUID, report_id: uuid.UUID, seen: int) -> str:
    """The number of the report a "Withdraw" or "Appeal" button names, checked (theirs, not reopened since) before
    the citizen confirms or writes anything; whether the step is allowed is backend.reports.steps' to say when it is
    taken."""
    partner_id = await bot_partner_id(ctx)  # first: SQLite takes one session at a time
    async with ctx.sessions() as session:
        return (await _button_report(session, partner_id, citizen_id, report_id, seen)).number


async def appeal_report(ctx: Context, *, citizen_id: uuid.UUID, report_id: uuid.UUID, seen: int, reason: str,
                        idempotency_key: str) -> str:
    """`POST /api/v1/reports/{id}/reopen`: its grounds 3..5000 characters (msgspec.ValidationError otherwise, as the
    API decodes them), one appeal, a late one marked, the rest as steps.reopen decides."""
    data = msgspec.convert({"reason": composed(reason)}, ReopenIn)
    return await _own_step(ctx, citizen_id, report_id, seen, lambda session, principal: steps.reopen(
        session, principal, report_id, data, idempotency_key, None))
