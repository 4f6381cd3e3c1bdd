"""Redis away from the start of an update that brings the report's place, the description already in Redis (the
draft half-way: after the text, before the location), and Redis back afterwards with the draft as it was before the
outage. A location outside a report starts a draft that keeps it (report_draft.open_draft); with the chat's step
unreadable it must start none over the one Redis holds: the citizen is told nothing was taken and to send it again,
and, sent again once Redis answers, the place joins the draft that kept its description. Real aiogram against the
fake Bot API, the bot's Redis behind a loopback proxy cut before the update."""

from __future__ import annotations

import pytest

from backend.context import Context
from bots.citizen.report_draft import ReportForm
from tests.bots.redis_blip import PLACE, RESEND, blip_chat, redis_holds, sent_with_redis_away
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT
from tests.bots.test_citizen_report_from_media import _reports
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot

pytestmark = [pytest.mark.anyio, pytest.mark.redis]


async def test_a_place_sent_with_redis_away_mid_draft_is_asked_again_and_joins_it(
        ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799891)  # the description in Redis, the place asked for
    _, before = await redis_holds(chat)

    said = await sent_with_redis_away(chat, proxy, citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))

    assert len(said) == 1 and RESEND in said[0] and APOLOGY not in said[0], said
    step, data = await redis_holds(chat)  # Redis back: the draft as it was, no other one written over it
    assert step == ReportForm.location.state, (step, data, said)
    assert data.get("key") == before["key"] and data.get("text") == TEXT, (data, said)

    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))  # sent again, as asked
    assert "приложить до 5 фото" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert [report.text for report in await _reports(ctx)] == [TEXT]
