"""Redis lost in the middle of an update that ends by asking the report's step again (report_draft.resume) with
something to say first: the refusal of an "Add", the language just changed. resume read the step again, read none
(Redis away, nothing kept in memory: not "no report"), and said nothing at all, or its DraftUnreadable reached the
error handler and what it was given to say went unsaid. Now it says it, with the "send that again" of a draft
unreadable for a moment, and the draft is all there once Redis answers. Real aiogram against the fake Bot API, the
bot's Redis behind a loopback proxy cut the moment the chat's data is asked for (tests/bots/redis_blip.py)."""

from __future__ import annotations

import pytest

from backend.context import Context
from bots.citizen.report_draft import ADD_FULL, ReportForm
from tests.bots.redis_blip import RESEND, Clock, _storage, blip_at_data_read, blip_chat, redis_holds
from tests.bots.test_citizen_add_files import _album, _comments, _filed
from tests.bots.test_citizen_audit_conversation import TEXT, Chat
from tests.bots.test_citizen_report import _files_of
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = [pytest.mark.anyio, pytest.mark.redis]


async def test_an_add_refused_while_redis_blips_is_said(ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy) -> None:
    """The report full before "Add": refused whole, the refusal written (ADD_FULL) as Redis went away, and the step
    read again read none: the citizen heard nothing."""
    chat = Chat(ctx, citizen_tg, 794201)
    _storage(chat).clock = Clock()
    number = await _filed(chat, citizen_tg)
    await _album(chat, citizen_tg, "resume-full", 5)
    await chat.taps("report:add_to")
    assert len(await _files_of(ctx, number)) == 5
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(77, 48)))
    tap = citizen_tg.user_taps_button(chat.last(), "report:add_to", user=chat.user)
    said = await blip_at_data_read(chat, proxy, tap, reads=4)  # the guard, the tap, the files, the refusal kept
    assert len(said) == 1, said
    assert f"Не удалось добавить к обращению № {number}" in said[0] and "не более 5 файлов" in said[0], said
    assert RESEND in said[0], said
    step, data = await redis_holds(chat)
    assert step == ReportForm.adding.state and data.get(ADD_FULL) is True and "key" in data, (step, data)
    assert len(await _files_of(ctx, number)) == 5 and len(await _comments(ctx, number)) == 1


async def test_the_language_changed_is_said_while_redis_blips(ctx: Context, citizen_tg: FakeBot,
                                                               proxy: TcpProxy) -> None:
    """Redis lost at the draft's read: the change was made (the chat's language is in the database) but only "send
    that again" was said, not that the language changed and the report is kept."""
    chat = await blip_chat(ctx, citizen_tg, 794202)
    await chat.says("/language")
    said = await blip_at_data_read(chat, proxy, citizen_tg.user_taps_button(chat.last(), "lang:en", user=chat.user))
    assert len(said) == 1 and "Language changed" in said[0] and "please send that again" in said[0], said
    step, data = await redis_holds(chat)
    assert step == ReportForm.location.state and data.get("text") == TEXT and "key" in data, (step, data)
