"""The database is away for a moment while an officer taps Accept or sends /shift in the duty bot. The update's
handler fails, and python-telegram-bot hands the failure to the bot's error handler, which only logged it: the
officer heard nothing (the tap's spinner ran out, the offer's buttons stayed), and nothing would bring the update
back (polling has moved past it, a webhook was answered 200 already). They could believe the crew had the job, or
the shift had started. Now they are told, in their Telegram app's language (the database that failed cannot say
which one they chose), to try again. Real python-telegram-bot polling the fake Bot API, PostgreSQL behind a
loopback proxy that the test cuts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.context import Context, build_context
from backend.reports.models import Report
from bots.officer import service
from bots.officer.push import push_urgent_report
from tests.bots.conftest import link_code
from tests.conftest import _truncate, make_settings
from tests.core.factories import triage_report
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, make_user
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio
CHAT = 885001
UNAVAILABLE_KK = "қызмет уақытша қолжетімсіз"


@pytest.fixture
async def pg_proxy() -> AsyncIterator[TcpProxy]:
    through = TcpProxy("127.0.0.1", 5432)
    await through.start()
    try:
        yield through
    finally:
        await through.close()


@pytest.fixture
async def ctx(pg_url: str, tmp_path: Path, pg_proxy: TcpProxy) -> AsyncIterator[Context]:
    """The test's Context (overriding the shared one) on PostgreSQL reached through `pg_proxy`."""
    context = build_context(make_settings(pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{pg_proxy.port}"),
                                          tmp_path))
    await _truncate(context)
    try:
        yield context
    finally:
        await pg_proxy.restore()
        await context.close()


async def test_an_accept_or_shift_the_database_failed_is_told_to_the_officer(
        ctx: Context, officer_tg: FakeBot, pg_proxy: TcpProxy) -> None:
    tg, user = officer_tg, make_user(CHAT, language_code="kk")
    unit = await make_unit(ctx, district="astana")
    officer, _ = await make_officer(ctx, unit=unit, district="astana")
    tg.user_sends_text(CHAT, user, f"/link {await link_code(ctx, officer.id)}")
    await tg.wait_for_message_async(CHAT, contains="Аккаунт байланыстырылды")
    tg.user_sends_text(CHAT, user, "/shift")
    await tg.wait_for_message_async(CHAT, contains="Ауысым басталды")
    report = await triage_report(ctx, urgent=True, priority="urgent", department="patrol_police", district="astana")
    assert await push_urgent_report(ctx, report) == 1
    offer = await tg.wait_for_message_async(CHAT, contains=report.number)

    await pg_proxy.cut()
    tg.user_taps_button(offer, f"accept:{report.id}", user=user)
    told = await tg.wait_for_message_async(CHAT, contains=UNAVAILABLE_KK)  # before: no message at all
    assert report.number not in (told.text or "")
    tg.user_sends_text(CHAT, user, "/shift")
    await tg.wait_for_message_async(CHAT, contains=UNAVAILABLE_KK)
    await pg_proxy.restore()
    # once per update: a handler group after the failed one does not fail (and apologise) again
    assert len([m for m in tg.sent_messages(CHAT) if UNAVAILABLE_KK in (m.text or "")]) == 2

    # nothing was done while the database was away: the report waits for a unit, the shift is still on
    async with ctx.sessions() as session:
        waiting = await session.scalar(select(Report).where(Report.id == report.id))  # type: ignore[arg-type]
    assert waiting is not None and waiting.unit_id is None
    assert (await service.status(ctx, chat_id=CHAT)).on_shift  # type: ignore[union-attr]
    # tapped again once it is back, it is taken
    tg.user_taps_button(offer, f"accept:{report.id}", user=user)
    await tg.wait_for_call_async("editMessageText", lambda c: int(c.params["chat_id"]) == CHAT)
