"""A file kept at one of the questions asked of files sent outside a report ("File a report with this?",
report_offer; "Add to report № … / New report", report_addition) while Redis was away, then sent again once Redis is
back. In the outage the question cannot be asked (its draft unreadable): the citizen is told to send it again in a
minute (report_draft_unread), or, for a voice message sent outside a report, was told nothing at all. Sent again, the
file is the draft's already (kept, from an earlier message): it was taken for a re-delivered update and not answered,
so the citizen who did as told heard nothing, and the question never came back. Now a file sent again is said to be
kept already, and the question is asked again (an album once); the draft files (or adds) each file once. Real aiogram
against the fake Bot API (its downloads slowed, to lose Redis while files are on their way), real media store, the
bot's Redis behind a loopback proxy."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from backend.context import Context
from tests.bots.redis_blip import RESEND, Clock, _storage
from tests.bots.test_citizen_add_edges import SLOW_DOWNLOAD_S
from tests.bots.test_citizen_add_files import _filed
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, Chat
from tests.bots.test_citizen_outage_unanswered import _sent_in_outage
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_report_from_media import _drafts, _reports
from tests.bots.test_citizen_voice import _number, _voice
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.media.recordings import recording

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
OFFER = "Подать обращение в полицию с этим сообщением?"  # report_offer
ADD = "Добавить присланные файлы к нему или подать новое обращение?"  # report_add_ask
ADD_VOICE = "Добавить это сообщение к нему или подать новое обращение?"  # report_add_voice_ask
FILES_KEPT = "Файлы сохранены в обращении, присылать их ещё раз не нужно"  # report_files_kept
FILE_KEPT = "Файл сохранён в обращении, присылать его ещё раз не нужно"  # report_file_kept
VOICE_KEPT = "Голосовое сообщение сохранено в обращении"  # report_voice_kept


async def _chat(ctx: Context, tg: FakeBot, chat_id: int, *, filed: bool) -> tuple[Chat, str]:
    """A chat in Russian, its storage's clock the test's; `filed`: with a report just filed (its number), so files
    sent outside a report are asked "Add to report № …" rather than "File a report with this?"."""
    chat = Chat(ctx, tg, chat_id)
    _storage(chat).clock = Clock()
    if filed:
        return chat, await _filed(chat, tg)
    await chat.says("/start")
    await chat.taps("lang:ru")
    return chat, ""


async def _kept_in_outage(chat: Chat, proxy: TcpProxy, updates: list[dict[str, Any]]) -> list[str]:
    """`updates` fed at once, Redis lost once all their files are on their way (downloads held): what the bot said.
    Redis is back afterwards (tests.bots.test_citizen_outage_unanswered._sent_in_outage)."""
    server = chat.tg.server
    server.download_delay = SLOW_DOWNLOAD_S
    held = server.downloads_held

    async def all_on_their_way() -> bool:
        return server.downloads_held >= held + len(updates)

    try:
        return await _sent_in_outage(chat, proxy, updates, all_on_their_way)
    finally:
        server.download_delay = 0.0


def _album(chat: Chat, group: str, files: int) -> list[dict[str, Any]]:
    return [chat.tg.user_sends_photo(chat.id, chat.user, sample_jpeg(40 + i, 30), media_group_id=group)
            for i in range(files)]


def _again(chat: Chat, updates: list[dict[str, Any]], group: str = "") -> list[dict[str, Any]]:
    """The same files sent again in new messages (Telegram gives them the same file_unique_id), as a new album when
    `group`."""
    sent = []
    for update in updates:
        message = update["message"]
        content = {kind: message[kind] for kind in ("photo", "voice") if kind in message}
        sent.append(chat.tg._user_message(chat.id, chat.user, {**content, **({"media_group_id": group} if group
                                                                               else {})}))
    return sent


async def _sent_again(chat: Chat, updates: list[dict[str, Any]]) -> list[str]:
    before = len(chat.texts())
    await asyncio.gather(*(chat.feed(update) for update in updates))  # as Telegram delivers an album: all at once
    return chat.texts()[before:]


def _told_once(said: list[str], *expected: str) -> None:
    assert len(said) == 1 and all(text in said[0] for text in expected), said
    assert APOLOGY not in said[0], said


async def _file_the_offered(ctx: Context, chat: Chat, files: int) -> None:
    """"Yes" to "File a report with this?", then the description, the place, no more files and Send: the report
    files with `files` files, each once."""
    await chat.taps("report:offer_yes")
    await chat.says(TEXT)
    await chat.feed(chat.tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    assert f"Уже приложено файлов: {files} из 5" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert len(await _files_of(ctx, _number(chat.texts()[-1]))) == files
    assert await _drafts(ctx) == []


async def _add_them(ctx: Context, chat: Chat, number: str, files: int) -> None:
    """"Add" to the question: the report gets the draft's `files` files, each once."""
    await chat.taps("report:add_to")
    assert f"К обращению № {number} добавлено файлов: {files}" in chat.texts()[-1], chat.texts()[-1]
    assert len(await _files_of(ctx, number)) == files
    assert len(await _reports(ctx)) == 1 and await _drafts(ctx) == []


async def test_an_album_kept_at_file_a_report_in_an_outage_and_sent_again_is_answered(
        ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy) -> None:
    chat, _ = await _chat(ctx, citizen_tg, 799861, filed=False)
    await chat.feed(_voice(citizen_tg, chat, recording("ogg", "libopus")))
    assert OFFER in chat.texts()[-1], chat.texts()[-1]
    album = _album(chat, "album-offered", 2)
    _told_once(await _kept_in_outage(chat, proxy, album), RESEND)  # the question cannot be asked: send it again

    _told_once(await _sent_again(chat, _again(chat, album, "album-offered-again")), FILES_KEPT, OFFER)
    await _file_the_offered(ctx, chat, 3)


async def test_an_album_kept_at_add_to_report_in_an_outage_and_sent_again_is_answered(
        ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy) -> None:
    chat, number = await _chat(ctx, citizen_tg, 799862, filed=True)
    album = _album(chat, "album-adding", 2)
    _told_once(await _kept_in_outage(chat, proxy, album), RESEND)

    _told_once(await _sent_again(chat, _again(chat, album, "album-adding-again")), FILES_KEPT, ADD, f"№ {number}")
    await _add_them(ctx, chat, number, 2)


@pytest.mark.parametrize(("filed", "outage_said"), [
    (False, RESEND),  # "File a report with this?" cannot be asked: send it again (it was nothing at all)
    (True, VOICE_KEPT),  # "Add to report № …" neither: the voice message said kept, the question not asked
], ids=["file_a_report", "add_to_report"])
async def test_a_voice_message_kept_in_an_outage_and_sent_again_is_answered(
        ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy, filed: bool, outage_said: str) -> None:
    chat, number = await _chat(ctx, citizen_tg, 799863 + filed, filed=filed)
    voice = [_voice(citizen_tg, chat, recording("ogg", "libopus"))]
    _told_once(await _kept_in_outage(chat, proxy, voice), outage_said)

    _told_once(await _sent_again(chat, _again(chat, voice)), FILE_KEPT, ADD_VOICE if filed else OFFER)
    if filed:
        await _add_them(ctx, chat, number, 1)
    else:
        await _file_the_offered(ctx, chat, 1)
