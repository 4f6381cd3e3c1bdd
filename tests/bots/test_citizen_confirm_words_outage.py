"""Words typed at a report's later steps (the confirmation, the place, the files) while Redis goes away mid-update.

At the confirmation the words were added to the description, then the confirmation, which read the draft again to
quote it, found it unreadable and the citizen heard "send that again": sent again in a new message, the words went in
twice. And when Redis went away as the words' step read the draft (the expired-draft guard had read it whole), the
empty read was taken for a draft with no description: the words written as the whole of it, handed back to Redis
once it answered, so the description the citizen wrote was replaced by the words alone (told "send that again" at the
confirmation, "added to the description" at the place and files steps). Now the words are added only to a draft read
whole: unreadable, nothing is written and "send that again" is true; added, the confirmation quotes the draft as it
was read with them (no second read), so they are in once and the citizen is asked for nothing. Real aiogram against
the fake Bot API, the bot's Redis behind a loopback proxy cut the moment the chat's data is asked for (each command
naming it counts: the guard's read, the step's read, update_data's read and its write, the confirmation's read)."""

from __future__ import annotations

import pytest

from backend.context import Context
from bots.citizen.report_draft import PART_SEPARATOR, ReportForm
from tests.bots.redis_blip import PLACE, RESEND, blip_at_data_read, blip_chat, redis_holds, redis_untouched
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, Chat, _report_texts
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
WORDS = "У одного из них был нож, уехали на серой машине"
ADDED = "Добавлено к описанию"
CHECK = "Проверьте"  # the confirmation (ru)
# Redis cut at the step's read of the draft, at update_data's read or at its write: the commands naming the chat's data
# answered first (the expired-draft guard's read, then these in turn). The confirmation's own read of the draft, where
# it went away too, is no more: the confirmation quotes the data just written
THE_STEP_READ, UPDATE_READ, UPDATE_WRITE = 1, 2, 3


async def _at_confirmation(chat: Chat) -> None:
    await chat.feed(chat.tg.user_sends_location(chat.id, chat.user, *PLACE))
    await chat.taps("report:skip")
    assert CHECK in chat.texts()[-1], chat.texts()[-1]


async def _filed(chat: Chat, ctx: Context) -> None:
    """The report sent from the confirmation on screen: filed with the words in its description once."""
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert await _report_texts(ctx) == [f"{TEXT}{PART_SEPARATOR}{WORDS}"]


@pytest.mark.parametrize("reads", [THE_STEP_READ, UPDATE_READ, UPDATE_WRITE],
                         ids=["step_read", "update_read", "update_write"])
async def test_words_at_the_confirmation_in_an_outage_go_in_once(ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy,
                                                                 reads: int) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799941 + reads)
    await _at_confirmation(chat)
    said = await blip_at_data_read(chat, proxy, citizen_tg.user_sends_text(chat.id, chat.user, WORDS), reads=reads)
    # Redis went away in the update, before the words reached it: nothing of them there yet
    assert (await redis_untouched(chat)).get("text") == TEXT
    step, data = await redis_holds(chat)
    assert step == ReportForm.confirm.state and "key" in data and "lat" in data, (step, data)
    assert len(said) == 1 and APOLOGY not in said[0], said
    if reads == THE_STEP_READ:
        # the draft unread: nothing added (the description not replaced by the words), so "send that again" is true
        assert RESEND in said[0], said
        assert data.get("text") == TEXT, data
        await chat.says(WORDS)  # sent again, as asked
        assert CHECK in chat.texts()[-1] and WORDS in chat.texts()[-1], chat.texts()[-1]
    else:
        # the words kept: the confirmation quotes them, and the citizen is not asked to send them again
        assert RESEND not in said[0] and CHECK in said[0] and WORDS in said[0], said
        assert chat.last().button("Отправить")["callback_data"] == "report:send"
        assert data.get("text") == f"{TEXT}{PART_SEPARATOR}{WORDS}", data
    await _filed(chat, ctx)


@pytest.mark.parametrize("step", ["place", "files"])
async def test_words_at_a_later_step_in_an_outage_do_not_replace_the_description(
        ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy, step: str) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799951 + (step == "files"))
    if step == "files":
        await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
    said = await blip_at_data_read(chat, proxy, citizen_tg.user_sends_text(chat.id, chat.user, WORDS),
                                   reads=THE_STEP_READ)
    assert (await redis_untouched(chat)).get("text") == TEXT
    held, data = await redis_holds(chat)
    # the draft unread: not "added to the description" (the words were written as the whole of it), but sent again
    assert len(said) == 1 and RESEND in said[0] and ADDED not in said[0] and APOLOGY not in said[0], said
    assert held == (ReportForm.photo if step == "files" else ReportForm.location).state, held
    assert data.get("text") == TEXT and "key" in data, data

    await chat.says(WORDS)  # sent again, as asked
    assert ADDED in chat.texts()[-1], chat.texts()[-1]
    if step == "place":
        await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
    await chat.taps("report:skip" if step == "place" else "report:photos_done")
    assert CHECK in chat.texts()[-1], chat.texts()[-1]
    await _filed(chat, ctx)
