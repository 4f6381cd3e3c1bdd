"""Updates of one chat that arrive together are handled one at a time, so none overwrites what another wrote to the
chat's FSM data: words sent in a burst, an album with captions and words, the same burst split between worker
processes (the webhook runs in two uvicorn workers), and all of it while Redis is unreachable (the chat's lock is
then this process's, like its FSM). Real aiogram against the fake Bot API, FSM in a real Redis, real intake.

Without the isolation every handler reads the description, appends its words and writes it back: they all read it
before any writes, and only the last write stays."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiogram.types import Update

from backend.context import Context
from bots.citizen import runtime
from bots.citizen.report_draft import PART_SEPARATOR
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, Chat, _report_texts
from tests.bots.test_citizen_report import _up_to_files
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, make_user, sample_jpeg

pytestmark = pytest.mark.anyio
# eight at once: the lost write needs two handlers reading before either writes, which the database's varying
# latency (each handler reads the chat's link first) lets happen for most, not all, pairs
WORDS = ("Номер машины 123ABC02", "У него был нож", "Убежал в сторону парка", "Был в красной куртке",
         "Лет тридцати", "Высокий, с бородой", "Сел в белую Тойоту", "Свидетель — продавец киоска")
WORKERS = 4
ADDED = "Добавлено к описанию"


@contextmanager
def one_batch(tg: FakeBot) -> Iterator[None]:
    """The user's messages of the block reach the bot in one getUpdates answer, so polling handles them at once."""
    with tg.server.hub.changed:
        yield


def _parts(text: str) -> tuple[str, list[str]]:
    first, *added = text.split(PART_SEPARATOR)
    return first, sorted(added)


async def _file(ctx: Context, chat: Chat) -> str:
    """Tap "Done" and "Send" on the report in the chat; the description it was filed with."""
    await chat.taps("report:photos_done")
    assert "Проверьте" in chat.texts()[-1], chat.texts()[-3:]
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-3:]
    [text] = await _report_texts(ctx)
    return text


async def _feed(bot: runtime.CitizenBot, update: dict[str, Any]) -> None:
    await bot.dispatcher.feed_update(bot.bot, Update.model_validate(update, context={"bot": bot.bot}))


@pytest.mark.redis
async def test_words_sent_in_a_burst_all_join_the_description(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, 719101
    user = make_user(chat, "Нурлан", language_code="ru")
    await _up_to_files(tg, chat, user, "ru", TEXT)
    with one_batch(tg):
        for words in WORDS:
            tg.user_sends_text(chat, user, words)
    for _ in WORDS:
        added = await tg.wait_for_message_async(chat, contains=ADDED)
    tg.user_taps_button(added, "report:photos_done", user=user)
    confirm = await tg.wait_for_message_async(chat, contains="Проверьте", timeout=10)
    tg.user_taps_button(confirm, "report:send", user=user)
    await tg.wait_for_message_async(chat, contains="зарегистрировано", timeout=10)
    [text] = await _report_texts(ctx)
    assert _parts(text) == (TEXT, sorted(WORDS)), text


@pytest.mark.redis
async def test_an_album_with_captions_and_words_at_once(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, 719102
    user = make_user(chat, "Айгерим", language_code="ru")
    await _up_to_files(tg, chat, user, "ru", TEXT)
    before = len(tg.sent_messages(chat))
    captions = ("У него был нож", "Убежал в сторону парка")  # each file of an album may have its own
    with one_batch(tg):
        for i, caption in enumerate(captions):
            tg.user_sends_photo(chat, user, sample_jpeg(64 + i, 48), caption=caption, media_group_id="album-7")
        tg.user_sends_text(chat, user, "Номер машины 123ABC02")
    total = await tg.wait_for_message_async(chat, contains="Принято файлов: 2 из 5", timeout=10)
    await tg.wait_for_message_async(chat, contains=ADDED)  # the words
    # the album still gets one answer with its total, which says its captions were added too: its first file lets
    # the chat go while it waits for the second
    answers = [m.text or "" for m in tg.sent_messages(chat)[before:]]
    assert len(answers) == 2 and all(ADDED in answer for answer in answers), answers
    assert ADDED in (total.text or "")
    tg.user_taps_button(total, "report:photos_done", user=user)
    confirm = await tg.wait_for_message_async(chat, contains="Проверьте", timeout=10)
    assert "Файлы: 2" in (confirm.text or "")
    tg.user_taps_button(confirm, "report:send", user=user)
    await tg.wait_for_message_async(chat, contains="зарегистрировано", timeout=10)
    [text] = await _report_texts(ctx)
    assert _parts(text) == (TEXT, sorted([*captions, "Номер машины 123ABC02"])), text


@pytest.mark.redis
async def test_a_burst_split_between_worker_processes(ctx: Context, citizen_tg: FakeBot) -> None:
    """Webhook mode: Telegram's POSTs of one chat land in any of the API's workers. Here the burst is spread over four
    dispatchers (each with its own memory and locks, all with the same Redis): a lock within a process cannot help."""
    chat = Chat(ctx, citizen_tg, 719103)
    await chat.up_to_location()
    others = [runtime.build(ctx) for _ in range(WORKERS - 1)]
    try:
        for other in others:  # each has handled the chat before: the place, then the same place again
            await _feed(other, citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
        assert sum("приложить до 5 фото" in text for text in chat.texts()) == 1
        updates = [citizen_tg.user_sends_text(chat.id, chat.user, words) for words in WORDS]
        workers = [chat.bot, *others]
        await asyncio.gather(*(_feed(workers[i % WORKERS], update) for i, update in enumerate(updates)))
    finally:
        for other in others:
            await other.close()
    assert sum(ADDED in text for text in chat.texts()) == len(WORDS)
    assert _parts(await _file(ctx, chat)) == (TEXT, sorted(WORDS))


async def test_with_redis_unreachable_a_burst_is_handled_whole(ctx: Context, citizen_tg: FakeBot) -> None:
    """The FSM goes on in this process's memory (bots.citizen.storage) and so does the chat's lock: every message is
    handled and answered, none refused because the lock in Redis could not be taken."""
    proxy = TcpProxy("127.0.0.1", 6379)
    await proxy.start()
    try:
        await proxy.cut()
        ctx.settings = ctx.settings.with_(redis_url=f"redis://127.0.0.1:{proxy.port}/0")
        chat = Chat(ctx, citizen_tg, 719104)
        await chat.up_to_location()
        await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
        updates = [citizen_tg.user_sends_text(chat.id, chat.user, words) for words in WORDS]
        await asyncio.gather(*(chat.feed(update) for update in updates))
        assert sum(ADDED in text for text in chat.texts()) == len(WORDS)
        assert not any(APOLOGY in text for text in chat.texts())
        assert _parts(await _file(ctx, chat)) == (TEXT, sorted(WORDS))
    finally:
        await proxy.close()
