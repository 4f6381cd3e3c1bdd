""""Reply" or "Appeal" tapped while a report is being written stacks the draft: the answer's (or appeal's) data keeps
the state to go back to, and the draft's data stays beside it. Ending the answer or the appeal (/cancel here) read the
chat's data, dropped its own keys and wrote the rest back: with Redis lost between the read of the chat's state
(answered) and that read (not: FallbackStorage reads it as empty), the state to go back to was unknown, the chat's
state let go and the empty data written as a clear, which replaced the whole of the data once Redis answered: the
stacked draft wiped for good. Now nothing is written and the citizen is asked to send it again in a minute; once Redis
answers, /cancel ends the answer (or appeal) and the draft goes on to be filed. "Reply" or "Appeal" tapped again
during it read the state to go back to the same way (none, written over the draft's): now refused the same way too.
Real aiogram against the fake Bot API, the bot's Redis behind a loopback proxy that drops every connection the
moment the chat's data is asked for."""

from __future__ import annotations

import pytest

from backend.context import Context
from bots.citizen import service as citizen_bot
from bots.citizen.notify import notify_report_event
from bots.citizen.own_steps import AppealForm
from bots.citizen.reply_flow import ReplyForm
from bots.citizen.report_draft import ReportForm
from tests.bots.redis_blip import PLACE, RESEND, blip_at_data_read, blip_chat, redis_holds
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, Chat, _report_texts
from tests.bots.test_citizen_own_steps import _filed
from tests.bots.test_citizen_reply import _asked
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
KEPT = "Черновик обращения сохранён"  # reply_draft_kept (ru)


async def _citizen(ctx: Context, chat: Chat) -> citizen_bot.ChatUser:
    linked = await citizen_bot.chat_user(ctx, chat.id)
    assert linked is not None
    return linked


async def _draft_goes_on(ctx: Context, chat: Chat) -> None:
    """The draft stacked under the answer or appeal is back at its step, and filed with its description."""
    await chat.feed(chat.tg.user_sends_location(chat.id, chat.user, *PLACE))
    assert "приложить до 5 фото" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert (await _report_texts(ctx)).count(TEXT) == 1  # beside the report answered or appealed


async def _still_stacked(chat: Chat, said: list[str], step: str, back: str) -> None:
    """After the blip Redis still holds the answer's or appeal's `step`, the state to go back to under `back`, and
    the draft's description and key beside it; the citizen was asked, once, to send it again."""
    held, data = await redis_holds(chat)
    assert held == step and data.get(back) == ReportForm.location.state, (held, data)
    assert data.get("text") == TEXT and "key" in data, data
    assert len(said) == 1 and RESEND in said[0] and APOLOGY not in said[0], said


async def test_cancelling_an_answer_while_redis_blips_keeps_the_draft(ctx: Context, citizen_tg: FakeBot,
                                                                      proxy: TcpProxy) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799821)
    report, event = await _asked(ctx, (await _citizen(ctx, chat)).citizen_id)
    await notify_report_event(ctx, report, event)
    await chat.taps(f"reply:{report.id}")
    assert "Напишите ответ" in chat.texts()[-1], chat.texts()[-1]

    said = await blip_at_data_read(chat, proxy, citizen_tg.user_sends_text(chat.id, chat.user, "/cancel"))
    await _still_stacked(chat, said, ReplyForm.text.state, "reply_back")

    await chat.says("/cancel")  # sent again, as asked: the answer ends, the draft is back
    assert KEPT in chat.texts()[-1], chat.texts()[-1]
    await _draft_goes_on(ctx, chat)


async def test_cancelling_an_appeal_while_redis_blips_keeps_the_draft(ctx: Context, citizen_tg: FakeBot,
                                                                      proxy: TcpProxy) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799822)
    report = await _filed(ctx, (await _citizen(ctx, chat)).citizen_id, closed=True)
    await chat.says("/reports")
    await chat.taps(f"appeal:{report.id}:0")

    said = await blip_at_data_read(chat, proxy, citizen_tg.user_sends_text(chat.id, chat.user, "/cancel"))
    await _still_stacked(chat, said, AppealForm.grounds.state, "appeal_back")

    await chat.says("/cancel")  # sent again, as asked: the appeal ends, the draft is back
    assert "Отменено" in chat.texts()[-1], chat.texts()[-1]
    await _draft_goes_on(ctx, chat)


async def test_reply_tapped_again_while_redis_blips_keeps_the_draft(ctx: Context, citizen_tg: FakeBot,
                                                                    proxy: TcpProxy) -> None:
    """"Reply" tapped again during the answer takes the state to go back to from the answer's data: read as empty,
    it was none, written over the draft's once Redis answered (the draft's data left with no state to resume it)."""
    chat = await blip_chat(ctx, citizen_tg, 799823)
    report, event = await _asked(ctx, (await _citizen(ctx, chat)).citizen_id)
    await notify_report_event(ctx, report, event)
    status = chat.last()
    await chat.taps(f"reply:{report.id}")

    tap = citizen_tg.user_taps_button(status, f"reply:{report.id}", user=chat.user)
    said = await blip_at_data_read(chat, proxy, tap)
    await _still_stacked(chat, said, ReplyForm.text.state, "reply_back")

    await chat.says("/cancel")
    assert KEPT in chat.texts()[-1], chat.texts()[-1]
    await _draft_goes_on(ctx, chat)


async def test_appeal_tapped_again_while_redis_blips_keeps_the_draft(ctx: Context, citizen_tg: FakeBot,
                                                                     proxy: TcpProxy) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799824)
    report = await _filed(ctx, (await _citizen(ctx, chat)).citizen_id, closed=True)
    await chat.says("/reports")
    listed = chat.last()
    await chat.taps(f"appeal:{report.id}:0")

    tap = citizen_tg.user_taps_button(listed, f"appeal:{report.id}:0", user=chat.user)
    said = await blip_at_data_read(chat, proxy, tap)
    await _still_stacked(chat, said, AppealForm.grounds.state, "appeal_back")

    await chat.says("/cancel")
    assert "Отменено" in chat.texts()[-1], chat.texts()[-1]
    await _draft_goes_on(ctx, chat)
