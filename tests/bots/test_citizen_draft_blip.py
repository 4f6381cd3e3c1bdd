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

import pytest

from backend.context import Context
from bots.citizen.report_draft import ReportForm
from tests.bots.redis_blip import PLACE, RESEND, blip_at_data_read, blip_chat, redis_holds
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, _report_texts
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot

pytestmark = [pytest.mark.anyio, pytest.mark.redis]


async def test_a_place_sent_while_redis_blips_keeps_the_draft(ctx: Context, citizen_tg: FakeBot,
                                                              proxy: TcpProxy) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799801)
    place = citizen_tg.user_sends_location(chat.id, chat.user, *PLACE)
    said = await blip_at_data_read(chat, proxy, place)
    step, data = await redis_holds(chat)
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
    chat = await blip_chat(ctx, citizen_tg, 799802)
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
    await chat.taps("report:skip")
    confirm = chat.last()
    assert "Проверьте" in (confirm.text or "")
    said = await blip_at_data_read(chat, proxy, citizen_tg.user_taps_button(confirm, "report:send", user=chat.user))
    step, data = await redis_holds(chat)
    assert step == ReportForm.confirm.state and data.get("text") == TEXT and "key" in data, (step, data)
    assert len(said) == 1 and RESEND in said[0] and APOLOGY not in said[0], said

    await chat.feed(citizen_tg.user_taps_button(confirm, "report:send", user=chat.user))  # tapped again, as asked
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert await _report_texts(ctx) == [TEXT]


async def test_a_place_kept_as_redis_goes_away_mid_step_keeps_the_draft(ctx: Context, citizen_tg: FakeBot,
                                                                         proxy: TcpProxy) -> None:
    """The guard's read answered, keep_place's update_data not: the place alone was kept in memory, and handed back
    over the draft it replaced (its description and key gone: "the draft is gone" at the next step)."""
    chat = await blip_chat(ctx, citizen_tg, 799803)
    place = citizen_tg.user_sends_location(chat.id, chat.user, *PLACE)
    said = await blip_at_data_read(chat, proxy, place, reads=1)
    assert len(said) == 1, said  # the step failed after the place was kept (its files question read no key)
    step, data = await redis_holds(chat)
    assert step == ReportForm.photo.state, step
    assert data.get("text") == TEXT and "key" in data and (data.get("lat"), data.get("lon")) == PLACE, data

    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))  # sent again, the step unanswered
    assert "Место происшествия обновлено" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:photos_done")
    assert "Проверьте" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert await _report_texts(ctx) == [TEXT]
