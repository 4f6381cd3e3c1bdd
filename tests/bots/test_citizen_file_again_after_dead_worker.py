"""A file whose place in a draft went to a file sent before it (report_storing.BUMPED) while a worker downloaded
both, the worker then dying (a restart, a crash): its entry stayed in BUMPED for good, no process left to let it go.
The places of the two files expired as they should, leaving room in the draft, but the same file sent again (a new
message carrying it, or Telegram delivering its update again) was downloaded, found under BUMPED and deleted, the
citizen told "at most 5 files" of a draft holding four, nothing of it ever kept; at "Add to report № …" it was said
not to be attached. Before the fix all three tests failed so. Real aiogram against the fake Bot API (the dying worker a
second dispatcher on the same Redis, its handling tasks cancelled and the FSM data put back as it had left them), FSM
in a real Redis, real intake and media store."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey

from backend.context import Context
from bots.citizen import report_storing, runtime
from bots.models import TelegramDraftMedia
from tests.bots.test_citizen_add_files import _comments, _filed
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_chat_isolation import _feed
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_slow_files import _at_files_step, _count
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.helpers import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
SLOW_DOWNLOAD_S = 5.0  # the dying worker's downloads: still on their way when it dies
OVER = "не более 5 файлов"


def _key(chat: Chat) -> StorageKey:
    return StorageKey(bot_id=chat.bot.bot.id, chat_id=chat.id, user_id=chat.id)


def _held_past(tg: FakeBot, held: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return tg.server.downloads_held > held

    return check


async def _worker_dies(ctx: Context, chat: Chat, tg: FakeBot, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The draft holds four files. Another worker handles a photo and, first, one sent after it (returned): the later
    one takes the last place and downloads; the earlier one, the draft full, takes its place (the later one bumped)
    and downloads too. The worker dies with both on their way: the chat's FSM data stay as it left them. Then the
    places it held expire (their life shortened from 300 s to 1 s), as any lost with their worker do."""
    other = runtime.build(ctx)
    try:
        await _feed(other, tg.user_sends_text(chat.id, chat.user, "/help"))  # the other worker knows the chat
        earlier = tg.user_sends_photo(chat.id, chat.user, sample_jpeg(60, 48))
        later = tg.user_sends_photo(chat.id, chat.user, sample_jpeg(61, 48))
        tg.server.download_delay = SLOW_DOWNLOAD_S
        held = tg.server.downloads_held
        doomed = [asyncio.create_task(_feed(other, later))]
        await eventually(_held_past(tg, held), interval=0.02)  # its download asked for: it holds the last place
        doomed.append(asyncio.create_task(_feed(other, earlier)))
        await eventually(_held_past(tg, held + 1), interval=0.02)  # took the place of `later`, and downloads
        left = await chat.bot.storage.get_data(_key(chat))
        on_way = report_storing.being_stored(left)
        assert list(on_way) == [earlier["message"]["photo"][-1]["file_unique_id"]], left
        assert report_storing.BUMPED in left, left
        for task in doomed:  # the worker dies: nothing of it runs any more
            task.cancel()
        for task in doomed:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    finally:
        tg.server.download_delay = 0.0
        await other.close()
    # a cancelled handler still let its places go on the way out; a process killed does not: its data as it left them
    await chat.bot.storage.set_data(_key(chat), left)
    monkeypatch.setattr(report_storing, "STORING_STALE_S", 1.0)
    await eventually(lambda: _places_expired(chat), interval=0.05)
    assert await _count(ctx, TelegramDraftMedia) == 4
    return later


async def _places_expired(chat: Chat) -> bool:
    return not report_storing.being_stored(await chat.bot.storage.get_data(_key(chat)))


def _again(tg: FakeBot, chat: Chat, later: dict[str, Any], how: str) -> dict[str, Any]:
    """The bumped file again: in a message of its own (Telegram gives a file sent or forwarded again the same
    file_unique_id), or its very update delivered again."""
    if how == "redelivered":
        return later
    return tg._user_message(chat.id, chat.user, {"photo": later["message"]["photo"]})


@pytest.mark.parametrize("how", ["sent anew", "redelivered"])
async def test_a_file_bumped_in_a_dead_worker_is_kept_when_it_comes_again(ctx: Context, citizen_tg: FakeBot,
                                                                          monkeypatch: pytest.MonkeyPatch,
                                                                          how: str) -> None:
    chat = await _at_files_step(ctx, citizen_tg, 719501 if how == "sent anew" else 719502)
    for i in range(4):
        await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(40 + i, 30)))
    assert "Принято файлов: 4 из 5" in chat.texts()[-1], chat.texts()[-1]
    later = await _worker_dies(ctx, chat, citizen_tg, monkeypatch)
    before = len(chat.texts())
    await chat.feed(_again(citizen_tg, chat, later, how))
    answers = chat.texts()[before:]
    # kept as the draft's fifth file: the confirmation, not "at most 5 files" of a draft holding four
    assert len(answers) == 1 and "Файлы: 5" in answers[0] and OVER not in answers[0], answers
    assert await _count(ctx, TelegramDraftMedia) == 5
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]


async def test_a_file_bumped_in_a_dead_worker_is_added_when_sent_again(ctx: Context, citizen_tg: FakeBot,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The same at "Add to report № …": the file sent again is added with the others, nothing said not attached."""
    chat = Chat(ctx, citizen_tg, 719503)
    number = await _filed(chat, citizen_tg)
    for i in range(4):
        await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(40 + i, 30)))
    assert f"№ {number} ещё рассматривается" in chat.texts()[-1], chat.texts()[-1]
    later = await _worker_dies(ctx, chat, citizen_tg, monkeypatch)
    before = len(chat.texts())
    await chat.feed(_again(citizen_tg, chat, later, "sent anew"))
    answers = chat.texts()[before:]
    assert len(answers) == 1 and "не приложен" not in answers[0], answers
    assert f"№ {number} ещё рассматривается" in answers[0], answers  # the question again
    await chat.taps("report:add_to")
    said = chat.texts()[-1]
    assert f"К обращению № {number} добавлено файлов: 5" in said and "не приложены" not in said, said
    assert len(await _files_of(ctx, number)) == 5 and len(await _comments(ctx, number)) == 1
