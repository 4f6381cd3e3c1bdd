"""Bot fixtures: the fake Bot API (tests.fakes.telegram) driven by the real aiogram / python-telegram-bot clients."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from backend.context import Context
from backend.officers.models import Officer
from bots.citizen import runtime
from bots.officer import service as officer_bot_service
from bots.officer.app import polling
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, FakeTelegram
from tests.legal_api.conftest import legal_index  # noqa: F401  (re-exported fixture)

# Bot tests run on PostgreSQL, the bots' production database. These files run on SQLite (the embedded default) too:
# together they issue every distinct SQL statement the whole bot suite issued on SQLite (504 on 2026-12-07, recorded
# per test file with IN-lists folded: 25 files), and the last three are where several writers meet (an album's files
# stored by two workers, a poller's claims, one chat's burst split between processes), SQLite's one-writer case. The
# other bot files on SQLite repeated those statements in other conversations: ~110 of the suite's ~2,000
# worker-seconds. A new bot query needs a file here that runs it.
SQLITE_TOO = frozenset({
    "test_officer_accept_custody.py", "test_citizen_file_blip.py", "test_citizen_report_from_media.py",
    "test_officer_escalation_region.py", "test_citizen_status_steps.py", "test_officer_webhook.py",
    "test_citizen_reply_voice.py", "test_officer_duty_audit.py", "test_officer_accept_shift.py",
    "test_citizen_report.py", "test_citizen_resume_blip.py", "test_officer_escalations.py",
    "test_citizen_reports_pages.py", "test_officer_restricted_offer.py", "test_audit_edge_cases.py",
    "test_citizen_reply.py", "test_citizen_own_steps.py", "test_citizen_bad_network.py", "test_once.py",
    "test_citizen_add_partial_captions.py", "test_officer_bot.py", "test_blocked_chats.py",
    "test_citizen_late_file_stacked.py", "test_citizen_album_order.py", "test_citizen_add_files.py",
    "test_citizen_slow_files.py", "test_polled_once.py", "test_citizen_chat_isolation.py",
})


@pytest.hookimpl(tryfirst=True)  # a mark, as a test's own: pytest then leaves out db_url's two default parameters
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_url" in metafunc.fixturenames and metafunc.definition.path.name not in SQLITE_TOO:
        metafunc.definition.add_marker(pytest.mark.parametrize("db_url", ["postgres"], indirect=True))


CITIZEN_TOKEN = "700001:CitizenBotTestToken"
OFFICER_TOKEN = "700002:OfficerBotTestToken"
WEBHOOK_SECRET = "s3cr3t-Webhook_token"


@pytest.fixture
def citizen_tg(ctx: Context, fake_telegram: FakeTelegram) -> FakeBot:
    """The citizen bot's token registered with the fake, and ctx configured to talk to it."""
    return _registered(ctx, fake_telegram, "telegram_citizen_token", CITIZEN_TOKEN, "zan_citizen_bot")


def _registered(ctx: Context, fake_telegram: FakeTelegram, setting: str, token: str, username: str) -> FakeBot:
    """A bot's token registered with the fake and put in ctx's `setting`; ctx points at the fake, with the webhook
    secret set, so the same bot can poll or take webhooks."""
    fake_bot = fake_telegram.register_bot(token, username=username)
    ctx.settings = ctx.settings.with_(**{setting: token}, telegram_api_base=fake_telegram.base_url,
                                      telegram_webhook_secret=WEBHOOK_SECRET)
    return fake_bot


@pytest.fixture
def officer_bot(ctx: Context, fake_telegram: FakeTelegram) -> FakeBot:
    """The duty bot's token registered with the fake, and ctx configured to talk to it (polling or webhook)."""
    return _registered(ctx, fake_telegram, "telegram_officer_token", OFFICER_TOKEN, "zan_duty_bot")


async def link_code(ctx: Context, officer_id: uuid.UUID) -> str:
    """A fresh one-time code for the duty bot, as the tablet would show it."""
    async with ctx.sessions() as session:
        officer = await session.get(Officer, officer_id)
        assert officer is not None
        code = await officer_bot_service.issue_link_code(ctx, session, officer)
        await session.commit()
    return code


@pytest.fixture
async def citizen_polling(ctx: Context, citizen_tg: FakeBot) -> AsyncIterator[FakeBot]:
    """The citizen bot of `ctx` long-polling the fake in the test's event loop, built as `zan bot citizen --polling`
    builds it (`runtime.polling`: its updates de-duplicated)."""
    async with runtime.polling(ctx, polling_timeout=1):
        yield citizen_tg


@pytest.fixture
async def officer_tg(ctx: Context, officer_bot: FakeBot) -> AsyncIterator[FakeBot]:
    """The duty bot long-polling the fake, built as `zan bot officer` builds it (`polling`: per-chat order, its
    updates de-duplicated)."""
    async with polling(ctx, poll_interval=0.0, timeout=1):
        yield officer_bot


@pytest.fixture
async def proxy(ctx: Context) -> AsyncIterator[TcpProxy]:
    """The citizen bot's FSM Redis (only it: ctx.redis was built before) behind a loopback proxy."""
    through = TcpProxy("127.0.0.1", 6379)
    await through.start()
    ctx.settings = ctx.settings.with_(redis_url=f"redis://127.0.0.1:{through.port}/0")
    try:
        yield through
    finally:
        await through.close()
