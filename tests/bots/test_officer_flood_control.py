"""Telegram's flood control (429) in the middle of an urgent offer's fan-out: the chats already offered are not
offered again. Until now the whole offer task was retried after the Retry-After, and every officer before the chat
that hit the limit got the same urgent offer twice: exactly when a district's crews are busiest."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from telegram import Bot

from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.lib.clock import utcnow
from backend.routing.jobs import offer_urgent_chat
from bots.officer.push import push_urgent_report
from tests.bots.conftest import OFFICER_TOKEN
from tests.bots.test_officer_bot import OFFICER_CHAT, OTHER_CHAT, _linked_officer, _urgent_report
from tests.fakes.telegram import FakeBot, FakeTelegram

pytestmark = pytest.mark.anyio


async def test_flood_control_mid_fan_out_offers_each_chat_once(ctx: Context, officer_tg: FakeBot,
                                                               fake_telegram: FakeTelegram,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    tg = officer_tg
    await _linked_officer(ctx, tg, OFFICER_CHAT, "AST-21")
    await _linked_officer(ctx, tg, OTHER_CHAT, "AST-22")
    report = await _urgent_report(ctx)
    original = Bot.send_message
    flooded: list[int] = []

    async def first_then_flood(self: Bot, chat_id: Any, *args: Any, **kwargs: Any) -> Any:
        sent = await original(self, chat_id, *args, **kwargs)
        if not flooded and report.number in str(kwargs.get("text") or (args[0] if args else "")):
            # Telegram's flood control starts right after the first chat's offer (a Retry-After beyond the test)
            flooded.append(int(chat_id))
            fake_telegram.fail_next("sendMessage", 429, retry_after=60, token=OFFICER_TOKEN)
        return sent

    monkeypatch.setattr(Bot, "send_message", first_then_flood)

    assert await push_urgent_report(ctx, report) == 1  # no RetryLater: the offer task is not run again
    (first,) = flooded
    second = OTHER_CHAT if first == OFFICER_CHAT else OFFICER_CHAT
    async with ctx.sessions() as session:
        (task,) = (await session.scalars(select(OutboxTask).where(
            OutboxTask.task == "reports.offer_urgent_chat"))).all()  # type: ignore[arg-type]
    assert int(task.payload["chat_id"]) == second and task.status == "pending"
    assert task.next_attempt_at > utcnow()  # after the Retry-After, not at once into the flood

    # the Retry-After is over: the task runs (its handler, as the relay would: draining the whole outbox would also
    # run the report's own routing, which offers it anew)
    await offer_urgent_chat(ctx, task.payload)

    for chat in (OFFICER_CHAT, OTHER_CHAT):
        offers = [m for m in tg.sent_messages(chat) if report.number in (m.text or "")]
        assert len(offers) == 1, chat
