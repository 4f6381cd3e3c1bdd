"""The duty bot's Decline button comes back with data the client sends: a crafted `decline:<id>` for a report that
was never offered (not urgent), or whose offer is settled (closed, another crew took it), is refused and writes no
audit line. And linking the bot again keeps the language the officer chose with /lang."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from backend.audit.models import AuditLog
from backend.context import Context
from backend.dispatch import service as dispatch
from backend.officers.models import Officer
from backend.reports.models import Report
from backend.reports.workflow import Resolution, Status
from bots.officer import service as duty
from tests.bots.conftest import link_code
from tests.core.factories import make_report
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio
CREW, OTHER_CREW = 884001, 884002


async def _on_duty(ctx: Context, chat: int) -> None:
    crew = await make_unit(ctx, district="astana")
    officer, _ = await make_officer(ctx, role="patrol_officer", district="astana", unit=crew)
    assert await duty.redeem_link_code(ctx, code=await link_code(ctx, officer.id), chat_id=chat) is not None
    assert await duty.toggle_shift(ctx, chat_id=chat) is True


async def _declines(ctx: Context, report_id: uuid.UUID) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "report.decline_offer", AuditLog.target_id == str(report_id))) or 0)  # type: ignore[arg-type]


async def _report(ctx: Context, **fields: object) -> Report:
    async with ctx.sessions() as session:
        report = await make_report(session, district="astana", department="patrol_police", category="theft",
                                   **fields)  # type: ignore[arg-type]
        await session.commit()
    return report


async def test_a_decline_for_a_report_never_offered_is_refused_and_writes_nothing(ctx: Context) -> None:
    await _on_duty(ctx, CREW)
    ordinary = await _report(ctx, status=Status.TRIAGE, urgent=False, priority="normal")
    assert await duty.decline(ctx, chat_id=CREW, report_id=ordinary.id) == duty.Answer(duty.Outcome.NOT_YOURS)
    assert await _declines(ctx, ordinary.id) == 0


async def test_a_decline_for_a_settled_offer_writes_nothing(ctx: Context) -> None:
    await _on_duty(ctx, CREW)
    closed = await _report(ctx, status=Status.CLOSED, resolution=Resolution.WITHDRAWN, urgent=True,
                           priority="urgent")
    assert (await duty.decline(ctx, chat_id=CREW, report_id=closed.id)).outcome is duty.Outcome.CLOSED
    assert await _declines(ctx, closed.id) == 0

    await _on_duty(ctx, OTHER_CREW)
    taken = await _report(ctx, status=Status.TRIAGE, urgent=True, priority="urgent")
    assert (await duty.accept(ctx, chat_id=OTHER_CREW, report_id=taken.id)).outcome is duty.Outcome.ACCEPTED
    assert (await duty.decline(ctx, chat_id=CREW, report_id=taken.id)).outcome is duty.Outcome.TAKEN
    assert await _declines(ctx, taken.id) == 0


async def test_a_decline_of_a_live_offer_is_still_recorded(ctx: Context) -> None:
    await _on_duty(ctx, CREW)
    offered = await _report(ctx, status=Status.TRIAGE, urgent=True, priority="urgent")
    assert await duty.decline(ctx, chat_id=CREW, report_id=offered.id) == duty.Answer(duty.Outcome.DECLINED,
                                                                                        offered.number)
    assert await _declines(ctx, offered.id) == 1
    # assigned from the console to another crew meanwhile: the offer is settled for this one
    other = await make_unit(ctx, district="astana")
    async with ctx.sessions() as session:
        report = await session.get(Report, offered.id)
        assert report is not None
        await dispatch.assign(session, report, other, DISPATCHER)
        await session.commit()
    assert (await duty.decline(ctx, chat_id=CREW, report_id=offered.id)).outcome is duty.Outcome.TAKEN
    assert await _declines(ctx, offered.id) == 1


async def test_linking_again_keeps_the_language_chosen_with_lang(ctx: Context) -> None:
    officer, _ = await make_officer(ctx, district="astana")
    first = await duty.redeem_link_code(ctx, code=await link_code(ctx, officer.id), chat_id=CREW, language="ru")
    assert first is not None and first.language == "ru"  # the Telegram app's, at the first link
    assert await duty.set_language(ctx, chat_id=CREW, language="kk") is True
    again = await duty.redeem_link_code(ctx, code=await link_code(ctx, officer.id), chat_id=CREW, language="ru")
    assert again is not None and again.language == "kk"
    # from another phone whose app speaks English too: still the officer's choice
    moved = await duty.redeem_link_code(ctx, code=await link_code(ctx, officer.id), chat_id=OTHER_CREW,
                                        language="en")
    assert moved is not None and moved.language == "kk"
    async with ctx.sessions() as session:
        stored = await session.get(Officer, officer.id)
    assert stored is not None and (stored.language, stored.telegram_chat_id) == ("kk", OTHER_CREW)
