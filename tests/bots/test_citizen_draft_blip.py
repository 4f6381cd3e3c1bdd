"""Redis lost for a moment in the middle of an update, between the read of the chat's state (answered) and the read of
its draft's data (not: FallbackStorage reads it as empty, nothing being kept in memory). The expired-draft guard
(bots.citizen.report_expired) took that empty read for a draft whose data expired: it said the draft was gone and
let its state go (or started a new draft over it), and that was handed back to Redis once it answered, so the live
draft was lost for good. Now the citizen is asked to send it again in a minute, and nothing is changed: once Redis
answers the draft goes on where it was. Redis lost later in the update, once the step's handler read the draft and
went on to change it (aiogram's update_data reads it again: empty, and only the step's new fields written), costs
the draft nothing either: what the step wrote joins the draft when Redis is back, not replacing it. Real aiogram
against the fake Bot API, the bot's Redis behind a loopback proxy that drops every connection the moment the draft's
data is asked for (the first time, or a later one)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from backend.context import Context
from bots.citizen.report_draft import ReportForm
from bots.citizen.storage import FallbackStorage
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, Chat, _report_texts
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
PLACE = (51.1605, 71.4704)
RESEND = "отправьте это ещё раз"  # report_draft_unread (ru)


class Clock:
    """The bot storage's clock, moved past its back-off instead of sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


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


def _storage(chat: Chat) -> FallbackStorage:
    storage = chat.bot.storage
    assert isinstance(storage, FallbackStorage) and isinstance(storage.primary, RedisStorage)
    return storage


async def _blip_at_data_read(chat: Chat, proxy: TcpProxy, update: dict[str, object], *,
                             reads: int = 0) -> list[str]:
    """`update` handled while Redis goes away as the chat's data is asked for (its state read before; `reads` times
    answered first): what the bot said. Then Redis is back, the back-off over, and the lock of the update that lost
    Redis (it expires on its own after LOCK_TTL_S) gone."""
    storage = _storage(chat)
    primary = storage.primary
    assert isinstance(primary, RedisStorage)
    key = StorageKey(bot_id=chat.bot.bot.id, chat_id=chat.id, user_id=chat.id)
    proxy.cut_at(primary.key_builder.build(key, "data").encode(), after=reads)
    before = len(chat.texts())
    await chat.feed(update)
    said = chat.texts()[before:]
    await proxy.restore()
    clock = storage.clock
    assert isinstance(clock, Clock)
    clock.now += 10
    await primary.redis.delete(primary.key_builder.build(key, "lock"))
    return said


async def _redis_holds(chat: Chat) -> tuple[str | None, dict[str, object]]:
    """The chat's state and data as Redis holds them (what every worker reads) once the bot's storage has read them
    (as the next update does), handing back what it kept in memory while Redis was away."""
    storage = _storage(chat)
    key = StorageKey(bot_id=chat.bot.bot.id, chat_id=chat.id, user_id=chat.id)
    await storage.get_state(key)
    await storage.get_data(key)
    return await storage.primary.get_state(key), await storage.primary.get_data(key)


async def _chat(ctx: Context, tg: FakeBot, chat_id: int) -> Chat:
    chat = Chat(ctx, tg, chat_id)
    _storage(chat).clock = Clock()
    await chat.up_to_location()
    return chat


async def test_a_place_sent_while_redis_blips_keeps_the_draft(ctx: Context, citizen_tg: FakeBot,
                                                              proxy: TcpProxy) -> None:
    chat = await _chat(ctx, citizen_tg, 799801)
    place = citizen_tg.user_sends_location(chat.id, chat.user, *PLACE)
    said = await _blip_at_data_read(chat, proxy, place)
    step, data = await _redis_holds(chat)
    assert step == ReportForm.location.state and data.get("text") == TEXT and "key" in data, (step, data)
    assert len(said) == 1 and RESEND in said[0] and APOLOGY not in said[0], said  # not "the draft is gone" either

    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))  # sent again, as asked
    assert "приложить до 5 фото" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert await _report_texts(ctx) == [TEXT]


async def test_send_tapped_while_redis_blips_keeps_the_draft(ctx: Context, citizen_tg: FakeBot,
                                                             proxy: TcpProxy) -> None:
    chat = await _chat(ctx, citizen_tg, 799802)
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
    await chat.taps("report:skip")
    confirm = chat.last()
    assert "Проверьте" in (confirm.text or "")
    said = await _blip_at_data_read(chat, proxy, citizen_tg.user_taps_button(confirm, "report:send", user=chat.user))
    step, data = await _redis_holds(chat)
    assert step == ReportForm.confirm.state and data.get("text") == TEXT and "key" in data, (step, data)
    assert len(said) == 1 and RESEND in said[0] and APOLOGY not in said[0], said

    await chat.feed(citizen_tg.user_taps_button(confirm, "report:send", user=chat.user))  # tapped again, as asked
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert await _report_texts(ctx) == [TEXT]


async def test_a_place_kept_as_redis_goes_away_mid_step_keeps_the_draft(ctx: Context, citizen_tg: FakeBot,
                                                                         proxy: TcpProxy) -> None:
    """The guard's read answered, keep_place's update_data not: the place alone was kept in memory, and handed back
    over the draft it replaced (its description and key gone: "the draft is gone" at the next step)."""
    chat = await _chat(ctx, citizen_tg, 799803)
    place = citizen_tg.user_sends_location(chat.id, chat.user, *PLACE)
    said = await _blip_at_data_read(chat, proxy, place, reads=1)
    assert len(said) == 1, said  # the step failed after the place was kept (its files question read no key)
    step, data = await _redis_holds(chat)
    assert step == ReportForm.photo.state, step
    assert data.get("text") == TEXT and "key" in data and (data.get("lat"), data.get("lon")) == PLACE, data

    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))  # sent again, the step unanswered
    assert "Место происшествия обновлено" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:photos_done")
    assert "Проверьте" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert await _report_texts(ctx) == [TEXT]
