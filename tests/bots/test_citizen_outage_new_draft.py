"""A file sent while Redis (the chat's step and draft) is away from the start of the update, the chat having a report in
progress there. The chat read as one at no step (nothing of it kept in this process), so a voice message started a
new "File a report with this?" draft, a photo a new report; that draft, written blind, was handed back to Redis once it
answered, over the one in progress: its description and place were gone from the chat (its files left in the database
under the old key), and Send filed the new one. Now no draft is started over a step that could not be read: the
citizen is told to send it again in a minute, the draft in Redis is untouched, and the file sent again is the report's.
A chat with nothing in progress is told the same, and its file sent again starts a report as at any time. Real aiogram
against the fake Bot API, real media store, the bot's Redis behind a loopback proxy cut before the update."""

from __future__ import annotations

from typing import Any

import pytest

from backend.context import Context
from bots.citizen.report_draft import ReportForm
from tests.bots.redis_blip import PLACE, RESEND, Clock, _storage, blip_chat, redis_holds, sent_with_redis_away
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, Chat
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_report_from_media import _drafts, _reports
from tests.bots.test_citizen_voice import _number, _voice
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.media.recordings import recording

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
OFFER = "Подать обращение в полицию с этим сообщением?"  # report_offer


def _file(chat: Chat, kind: str) -> dict[str, Any]:
    if kind == "voice":
        return _voice(chat.tg, chat, recording("ogg", "libopus"))
    return chat.tg.user_sends_photo(chat.id, chat.user, sample_jpeg(48, 36))


def _told_to_send_again(said: list[str]) -> None:
    assert len(said) == 1 and RESEND in said[0], said
    assert APOLOGY not in said[0] and OFFER not in said[0], said


@pytest.mark.parametrize("kind", ["voice", "photo"])
async def test_a_file_sent_with_redis_away_keeps_the_draft_in_progress(ctx: Context, citizen_tg: FakeBot,
                                                                       proxy: TcpProxy, kind: str) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799881 + (kind == "photo"))
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
    assert "приложить до 5 фото" in chat.texts()[-1], chat.texts()[-1]
    _, before = await redis_holds(chat)

    said = await sent_with_redis_away(chat, proxy, _file(chat, kind))

    step, data = await redis_holds(chat)  # the next update's read: what this process kept handed back
    assert step == ReportForm.photo.state, (step, data, said)
    assert data.get("key") == before["key"] and data.get("text") == TEXT, (data, said)
    assert (data.get("lat"), data.get("lon")) == PLACE, (data, said)
    _told_to_send_again(said)
    assert await _drafts(ctx) == [], said  # nothing was taken: no file kept under a draft nobody has

    await chat.feed(_file(chat, kind))  # sent again, as asked: the report's file
    assert "Принято файлов: 1 из 5" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:photos_done")
    assert "Файлы: 1" in chat.texts()[-1] and TEXT in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    reports = await _reports(ctx)
    assert [report.text for report in reports] == [TEXT], [report.text for report in reports]
    assert len(await _files_of(ctx, _number(chat.texts()[-1]))) == 1


async def test_a_file_sent_with_redis_away_outside_a_report_is_asked_again(ctx: Context, citizen_tg: FakeBot,
                                                                           proxy: TcpProxy) -> None:
    """Nothing in progress: the citizen cannot be told apart from one whose draft Redis holds, so is told the same,
    truthfully (nothing taken), and the voice message sent again is offered for a report as at any time."""
    chat = Chat(ctx, citizen_tg, 799883)
    _storage(chat).clock = Clock()
    await chat.says("/start")
    await chat.taps("lang:ru")

    _told_to_send_again(await sent_with_redis_away(chat, proxy, _file(chat, "voice")))
    assert await redis_holds(chat) == (None, {})
    assert await _drafts(ctx) == []

    await chat.feed(_file(chat, "voice"))
    assert OFFER in chat.texts()[-1], chat.texts()[-1]
    assert len(await _drafts(ctx)) == 1
