"""What the officer duty bot does with the backend: link a chat by one-time code, accept / decline urgent reports
through the dispatch service, shifts and status. No Telegram library here."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.audit.service import record
from backend.context import Context
from backend.dispatch import history
from backend.dispatch import service as dispatch
from backend.dispatch.designation import history_of, may_hold
from backend.jobs.relay import notify as notify_relay
from backend.lib.clock import utcnow
from backend.lib.crypto import keyed_hash
from backend.lib.errors import ZanError
from backend.lib.i18n import LANGS
from backend.officers import field
from backend.officers.auth import FIELD_ROLES, OfficerPrincipal, Role
from backend.officers.locks import lock_officer
from backend.officers.models import Officer, Shift, Unit, UnitMember
from backend.officers.service import unit_of
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Actor, Status
from bots.chats import count_refusal, is_private_chat
from bots.models import OfficerBotBlockedChat

CHANNEL = "telegram"
LINK_PURPOSE = "officer-telegram-link"
LINK_TTL = timedelta(minutes=10)
WORKING = {Status.ASSIGNED, Status.EN_ROUTE, Status.ON_SCENE, Status.IN_PROGRESS, Status.AWAITING_REPORTER}


def link_code_hash(secret_key: str, code: str) -> str:
    return keyed_hash(secret_key, LINK_PURPOSE, code.strip())


async def issue_link_code(ctx: Context, session: AsyncSession, officer: Officer) -> str:
    """A fresh one-time code (8 digits, 10 minutes) for the tablet / console to show; only its hash is stored.
    The caller commits."""
    code = f"{secrets.randbelow(10**8):08d}"
    officer.telegram_link_code_hash = link_code_hash(ctx.settings.secret_key, code)
    officer.telegram_link_expires_at = utcnow() + LINK_TTL
    session.add(officer)
    return code


async def redeem_link_code(ctx: Context, *, code: str, chat_id: int, language: str | None = None) -> Officer | None:
    """Bind `chat_id` to the officer whose unexpired code this is; the code is spent. None if no such code.
    `language` (the Telegram app's, if known) becomes the bot's language for this officer at their first link."""
    digest = link_code_hash(ctx.settings.secret_key, code)
    if not is_private_chat(chat_id):
        return None  # a group chat is never linked (bots.officer.app.private_only voids a code shown there)
    async with ctx.sessions() as session:
        # Spend the code with one conditional UPDATE: of two chats redeeming it at once, the second waits on the
        # row lock, re-checks the condition against the committed row, finds the hash gone and gets no row.
        # (Read-then-write let both read the unspent code and both be told they were linked.)
        officer_id = await session.scalar(
            update(Officer)
            .where(Officer.telegram_link_code_hash == digest,  # type: ignore[arg-type]
                   Officer.telegram_link_expires_at > utcnow(),  # type: ignore[arg-type,operator]
                   Officer.active.is_(True))  # type: ignore[attr-defined]
            .values(telegram_link_code_hash=None, telegram_link_expires_at=None)
            .returning(Officer.id)  # type: ignore[call-overload]
            .execution_options(synchronize_session=False)
        )
        if officer_id is None:
            return None
        # a chat belongs to one officer: a phone handed over to a colleague moves the binding
        await session.execute(update(Officer).where(Officer.telegram_chat_id == chat_id, Officer.id != officer_id)  # type: ignore[arg-type]
                              .values(telegram_chat_id=None).execution_options(synchronize_session=False))
        officer = await session.get(Officer, officer_id, populate_existing=True)
        assert officer is not None  # the row the UPDATE above just returned, still locked by it
        officer.telegram_chat_id = chat_id
        # The Telegram app's language is the bot's only at the officer's first link: linking again (a new phone,
        # after a password change unlinked the chat) keeps the one they have, their /lang choice included, which
        # the app's would silently replace. A link is known by its audit line (the Officer row has no such flag).
        linked_before = await session.scalar(
            select(col(AuditLog.id)).where(col(AuditLog.target_type) == "officer",
                                           col(AuditLog.target_id) == str(officer.id),
                                           col(AuditLog.action) == "officer.telegram_link").limit(1))
        if language in LANGS and linked_before is None:
            officer.language = language
        officer.updated_at = utcnow()
        session.add(officer)
        await record(session, actor_type=officer.role, actor_id=officer.id, action="officer.telegram_link",
                     target_type="officer", target_id=officer.id)
        await session.commit()
        return officer


async def void_link_code(ctx: Context, *, code: str) -> None:
    """Spend `code` without linking any chat: it was shown where others read it (a group chat), and whichever of them
    sent it to the bot first would get the officer's urgent offers and accept them in the officer's name."""
    async with ctx.sessions() as session:
        await session.execute(
            update(Officer).where(Officer.telegram_link_code_hash == link_code_hash(ctx.settings.secret_key, code))  # type: ignore[arg-type]
            .values(telegram_link_code_hash=None, telegram_link_expires_at=None)
            .execution_options(synchronize_session=False))
        await session.commit()


async def chat_language(ctx: Context, *, chat_id: int) -> str | None:
    """The linked officer's language; None for a chat that is not linked."""
    async with ctx.sessions() as session:
        officer = await officer_by_chat(session, chat_id)
        return officer.language if officer is not None else None


async def set_language(ctx: Context, *, chat_id: int, language: str) -> bool:
    """False if the chat is not linked (the choice then lasts only for the answer)."""
    if language not in LANGS:
        raise ValueError(language)
    async with ctx.sessions() as session:
        officer = await officer_by_chat(session, chat_id)
        if officer is None:
            return False
        officer.language, officer.updated_at = language, utcnow()
        session.add(officer)
        await session.commit()
        return True


async def officer_by_chat(session: AsyncSession, chat_id: int, *, fresh: bool = False) -> Officer | None:
    """The active officer linked to the chat; `fresh`: read from the database, not the session's copy."""
    query = select(Officer).where(Officer.telegram_chat_id == chat_id)  # type: ignore[arg-type]
    officer = await session.scalar(query.execution_options(populate_existing=fresh))
    return officer if officer is not None and officer.active else None


async def principal_of(session: AsyncSession, officer: Officer) -> OfficerPrincipal:
    """The officer as the field services expect them; the bot is their "device"."""
    return OfficerPrincipal(officer_id=officer.id, role=Role(officer.role), unit_id=await unit_of(session, officer.id),
                            department=officer.department, district=officer.district, device_id="telegram",
                            session_id=uuid.UUID(int=0))


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TAKEN = "taken"
    CLOSED = "report_closed"
    NO_UNIT = "no_unit"
    NOT_YOURS = "not_yours"
    OFF_SHIFT = "off_shift"
    NOT_LINKED = "not_linked"


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    number: str = ""
    unit_code: str = ""


async def may_be_offered(session: AsyncSession, unit: Unit | None, report: Report) -> bool:
    """The offer rule, the dispatch service's own (`dispatch.may_take`, the report's history read): a restricted
    report (domestic violence, children, a complaint about the police) goes only to a unit designated for the
    category it is restricted under, also after it was reclassified to an ordinary one; an officer with no unit sees
    none of them."""
    return _offered(unit, report, await history_of(session, report))


def _offered(unit: Unit | None, report: Report, earlier: Iterable[str | None]) -> bool:
    """`may_be_offered` with the report's history (`history_of`) read once: `duty_chats` asks it of every chat."""
    return may_hold((unit.restricted_categories or []) if unit is not None else (), report, earlier)


def _takes_offers(officer: Officer) -> bool:
    """Only field officers are offered urgent reports (`duty_chats`), so only they answer one. The button's data
    comes from the client: a dispatcher still listed in the crew they were promoted from (or a supervisor with a
    crew unit) forging `accept:<id>` would give the report to a car they do not drive and accept its custody in
    their name, silencing the "not accepted" escalation while no crew member has seen the job."""
    return officer.role in FIELD_ROLES  # roles are str enums: a stored role compares as its member


async def on_shift(session: AsyncSession, officer_id: uuid.UUID) -> bool:
    return await field.open_shift(session, officer_id) is not None


async def _unit(session: AsyncSession, officer_id: uuid.UUID) -> Unit | None:
    unit_id = await unit_of(session, officer_id)
    return await session.get(Unit, unit_id) if unit_id else None


async def accept(ctx: Context, *, chat_id: int, report_id: uuid.UUID) -> Answer:
    """Assign the report to the officer's unit through the dispatch service (same events, custody and audit as the
    console) and accept its custody record (`_accept_job`). The first unit to accept wins; later taps hear that it is
    taken; a tap on a report the unit already holds (tapped twice, or assigned from the console) accepts it, on shift
    only. The offer's rules are checked again here: the shift may have ended, the unit changed or the report been
    reclassified since the offer was sent."""
    async with ctx.sessions() as session:
        officer = await officer_by_chat(session, chat_id)
        if officer is None:
            return Answer(Outcome.NOT_LINKED)
        report = await reports.lock(session, report_id)
        if report is None or report.district != officer.district or not _takes_offers(officer):
            return Answer(Outcome.NOT_YOURS)
        unit = await _unit(session, officer.id)
        earlier = await history_of(session, report)  # read once for the offer rule and the assignment
        if not _offered(unit, report, earlier):
            return Answer(Outcome.NOT_YOURS)  # no number: a restricted report is not theirs to know about
        if unit is None:
            return Answer(Outcome.NO_UNIT, report.number)
        held = report.unit_id == unit.id and report.status in WORKING  # a repeated tap, or the console assigned it
        if not held and not report.urgent:
            # only urgent reports are offered: the button's data comes from the client, and a crafted one must not
            # let an officer take any report of the district past the dispatcher
            return Answer(Outcome.NOT_YOURS)
        if not held and report.status == Status.CLOSED:
            return Answer(Outcome.CLOSED, report.number)
        if not held and report.unit_id is not None and report.status in WORKING:
            # a report that left its unit (reclassified into a category that unit may not take) keeps its working
            # status with no unit: it waits for a unit, and a designated one's Accept takes it
            return Answer(Outcome.TAKEN, report.number)
        if not await on_shift(session, officer.id):
            # a report the unit holds too: an off-shift tap on an old offer must not confirm the crew has the job
            # and silence the supervisors' "not accepted" escalation while nobody on shift has seen it
            return Answer(Outcome.OFF_SHIFT, report.number)
        if not held:
            # the system offered the report and the officer took the offer: the workflow lets SYSTEM assign, and
            # the officer is named as the actor id so the timeline and audit say who accepted
            by = By(Actor.SYSTEM, str(officer.id), CHANNEL)
            try:
                await dispatch.assign(session, report, unit, by, reason="accepted in the duty bot", earlier=earlier)
            except ZanError:
                return Answer(Outcome.NOT_YOURS, report.number)
        await _accept_job(session, officer, report, unit)
        await session.commit()
        number, code = report.number, unit.code
    if not held:
        notify_relay(ctx)
    return Answer(Outcome.ACCEPTED, number, code)


async def _accept_job(session: AsyncSession, officer: Officer, report: Report, unit: Unit) -> None:
    """The crew confirmed it has the job: the custody record is accepted, as a tablet's step accepts it, or the
    urgent report escalates to supervisors as not accepted while the crew is on its way. An incident's primary is
    one job: its members the unit holds with it are accepted too. Audited in the officer's name, as the tablet's
    step is; a repeated tap marks and audits nothing."""
    accepted = await reports.accept_job(session, report, unit.id)
    if accepted:
        await record(session, actor_type=officer.role, actor_id=officer.id, action="report.accept",
                     target_type="report", target_id=report.id,
                     data={"channel": CHANNEL, "unit_id": str(unit.id),
                           "assignment_ids": sorted(str(row.id) for row in accepted)})


async def decline(ctx: Context, *, chat_id: int, report_id: uuid.UUID) -> Answer:
    """Recorded in the audit log (a dispatcher sees who declined), the report stays offered to others."""
    async with ctx.sessions() as session:
        officer = await officer_by_chat(session, chat_id)
        if officer is None:
            return Answer(Outcome.NOT_LINKED)
        report = await session.get(Report, report_id)
        if report is None or report.district != officer.district or not _takes_offers(officer):
            return Answer(Outcome.NOT_YOURS)
        unit = await _unit(session, officer.id)
        if not await may_be_offered(session, unit, report):
            return Answer(Outcome.NOT_YOURS)
        # The button's data comes from the client, so the offer is checked as Accept checks it, and nothing is
        # written for one that was never made or is settled: a crafted decline must not put a line in the report's
        # audit saying an officer on duty turned it down.
        held = unit is not None and report.unit_id == unit.id and report.status in WORKING
        if not held and not report.urgent:
            return Answer(Outcome.NOT_YOURS)  # only urgent reports are offered
        if not held and report.status == Status.CLOSED:
            return Answer(Outcome.CLOSED, report.number)
        if not held and report.unit_id is not None and report.status in WORKING:
            return Answer(Outcome.TAKEN, report.number)  # another crew has it: no offer left to decline
        await record(session, actor_type=officer.role, actor_id=officer.id, action="report.decline_offer",
                     target_type="report", target_id=report.id, data={"channel": CHANNEL})
        await session.commit()
        return Answer(Outcome.DECLINED, report.number)


@dataclass(frozen=True)
class Opened:
    """A report as its card shows it in the chat (bots.officer.cards), or why it is not shown."""

    refused: Outcome | None = None  # NOT_LINKED or NOT_YOURS; None: shown
    report: Report | None = None
    unit_code: str | None = None


async def open_report(ctx: Context, *, chat_id: int, report_id: uuid.UUID) -> Opened:
    """The report behind an escalation's "Open report" button, if the officer this chat is linked to *now* may read
    it: the dispatch card's own rule (`visible_to`: a supervisor reads their region's reports, a national one (no
    district, no unit) the whole country's; restricted categories only for the roles and units designated for them),
    since the chat may have been relinked or the officer moved since the message was sent, and the button's data
    comes from the client. Opening a restricted report is an audit line, as the card's opening in the console is."""
    async with ctx.sessions() as session:
        officer = await officer_by_chat(session, chat_id)
        if officer is None:
            return Opened(Outcome.NOT_LINKED)
        principal = await principal_of(session, officer)
        try:
            report = await dispatch.get_visible(session, principal, report_id)
        except ZanError:
            return Opened(Outcome.NOT_YOURS)
        unit = await session.get(Unit, report.unit_id) if report.unit_id else None
        await history.opened(session, principal, report)
        return Opened(None, report, unit.code if unit is not None else None)


@dataclass(frozen=True)
class DutyStatus:
    name: str
    unit_code: str | None
    unit_status: str | None
    on_shift: bool
    open_reports: int


async def status(ctx: Context, *, chat_id: int) -> DutyStatus | None:
    async with ctx.sessions() as session:
        officer = await officer_by_chat(session, chat_id)
        if officer is None:
            return None
        unit = await _unit(session, officer.id)
        shifted = await on_shift(session, officer.id)
        open_count = 0
        if unit is not None:
            open_count = int(await session.scalar(
                select(func.count()).select_from(Report).where(Report.unit_id == unit.id,  # type: ignore[arg-type]
                                                              Report.status.in_([s.value for s in WORKING]))  # type: ignore[attr-defined]
            ) or 0)
        return DutyStatus(officer.full_name, unit.code if unit else None, unit.status if unit else None,
                       shifted, open_count)


async def toggle_shift(ctx: Context, *, chat_id: int) -> bool | None:
    """Start the shift, or end it if one is open. True = now on shift; None = chat not linked."""
    async with ctx.sessions() as session:
        officer = await officer_by_chat(session, chat_id)
        if officer is None:
            return None
        if await field.end_shift(session, await principal_of(session, officer)) is not None:
            return False
        # read again under the officer's lock (start_shift takes it too): a deactivation or role change holds that
        # row and ends any open shift, so one committed since the first read would be undone by this tap, a shift
        # opened for an officer no longer on duty here (the tablet's shift start does the same: _still_live)
        await lock_officer(session, officer.id)
        officer = await officer_by_chat(session, chat_id, fresh=True)
        if officer is None:
            return None
        await field.start_shift(session, await principal_of(session, officer))
        return True


async def duty_chats(session: AsyncSession, report: Report) -> list[tuple[int, str]]:
    """(chat id, language) of linked, active officers of the report's district who are on shift now and whose unit
    may take the report (`may_be_offered`): the offer itself names a restricted report's number and place."""
    if not report.district:
        return []
    rows = await session.execute(
        select(Officer.telegram_chat_id, Officer.language, Unit)  # type: ignore[call-overload]
        .join(Shift, Shift.officer_id == Officer.id)  # type: ignore[arg-type]
        .outerjoin(UnitMember, UnitMember.officer_id == Officer.id)  # type: ignore[arg-type]
        .outerjoin(Unit, Unit.id == UnitMember.unit_id)  # type: ignore[arg-type]
        .where(Officer.district == report.district, Officer.active.is_(True),  # type: ignore[arg-type,attr-defined]
               Officer.telegram_chat_id.is_not(None), Shift.ended_at.is_(None),  # type: ignore[union-attr]
               # field officers: a dispatcher still listed in the crew they were promoted from drives no car
               Officer.role.in_([role.value for role in FIELD_ROLES]),  # type: ignore[attr-defined]
               ~chat_is_blocked())
    )
    chats: dict[int, str] = {}
    earlier = await history_of(session, report)
    for chat_id, language, unit in rows:
        if _offered(unit, report, earlier) and is_private_chat(int(chat_id)):  # a group linked before the rule
            chats.setdefault(int(chat_id), language)  # an officer with two open shifts still gets one offer
    return list(chats.items())


def chat_is_blocked() -> Any:
    """A filter on Officer: its chat refuses the duty bot for good (`mark_blocked`). Such a chat is left out of every
    offer and escalation: the others are offered at once instead of after a refused send (or its retries)."""
    return select(OfficerBotBlockedChat.chat_id).where(  # type: ignore[call-overload]
        OfficerBotBlockedChat.chat_id == Officer.telegram_chat_id).exists()


async def mark_blocked(ctx: Context, *, chat_id: int, reason: str) -> bool:
    """Remember that Telegram refuses `chat_id` for good; True if it was not marked yet (counted and logged then)."""
    async with ctx.sessions() as session:
        if await session.get(OfficerBotBlockedChat, chat_id) is not None:
            return False
        session.add(OfficerBotBlockedChat(chat_id=chat_id, reason=reason, blocked_at=utcnow()))
        try:
            await session.commit()
        except IntegrityError:  # two sends refused at once: the other one marked it
            return False
    count_refusal("officer", reason)
    return True


async def chat_is_back(ctx: Context, *, chat_id: int) -> bool:
    """The chat wrote to the bot (a message, a button, an unblock): it takes messages again. True if it was marked."""
    async with ctx.sessions() as session:
        # read first: this runs on every update, and a DELETE that finds nothing would still take SQLite's write lock
        if await session.get(OfficerBotBlockedChat, chat_id) is None:
            return False
        await session.execute(delete(OfficerBotBlockedChat).where(
            OfficerBotBlockedChat.chat_id == chat_id))  # type: ignore[arg-type]
        await session.commit()
    return True
