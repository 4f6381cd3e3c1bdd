"""The file that brings a report's draft to its MAX_FILES (5) at the files step, kept while Redis is away. At the
limit the draft moves on to its confirmation, which quotes the description: unreadable in the outage, it failed on the
draft's missing fields and the citizen heard the generic "service unavailable" of a failed update, though the file was
kept — and the confirmation's step was written blind meanwhile, handed back to Redis once it answered, so "Done" did
nothing any more. Now the file is said to be kept (5 of 5), with "Done" to see the report once it can be read again,
and nothing of the chat is written; "Done" tapped, or the file sent again (SENT_AGAIN), shows the confirmation once
Redis answers, and the report files with all 5 files. Real aiogram against the fake Bot API (its downloads slowed, to
lose Redis while the file is on its way), real media store, the bot's Redis behind a loopback proxy."""

from __future__ import annotations

import pytest

from backend.context import Context
from bots.citizen.report_draft import MAX_FILES, ReportForm
from tests.bots.redis_blip import RESEND, blip_chat, redis_holds
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, Chat
from tests.bots.test_citizen_outage_unanswered import _at_files_step
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_report_from_media import _drafts, _reports
from tests.bots.test_citizen_resend_after_outage import _again, _kept_in_outage
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
FULL = f"Принято файлов: {MAX_FILES} из {MAX_FILES}"  # the count said in the outage
DONE = "Готово"


async def _with_files(chat: Chat, files: int) -> None:
    """The files step, and `files` photos sent one by one (Redis up), each counted."""
    await _at_files_step(chat)
    for i in range(files):
        await chat.feed(chat.tg.user_sends_photo(chat.id, chat.user, sample_jpeg(60 + i, 40)))
        assert f"Принято файлов: {i + 1} из {MAX_FILES}" in chat.texts()[-1], chat.texts()[-1]


@pytest.mark.parametrize(("album", "then"), [
    (False, "done"),  # "Done", under the outage's answer
    (False, "again"),  # the same file sent again in a message of its own: kept already (SENT_AGAIN)
    (True, "done"),  # an album of two to a draft of three: its one answer
], ids=["file_done", "file_sent_again", "album_done"])
async def test_the_file_that_fills_the_draft_in_an_outage_is_said_kept_and_files(
        ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy, album: bool, then: str) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799881 + 2 * album + (then == "again"))
    last = 2 if album else 1
    await _with_files(chat, MAX_FILES - last)
    updates = [citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(90 + i, 50),
                                           **({"media_group_id": "album-fills"} if album else {}))
               for i in range(last)]

    said = await _kept_in_outage(chat, proxy, updates)  # the files that fill the draft
    # one truthful answer: the files kept, counted, not "the service is unavailable", nor "send it again" (it was
    # taken), with "Done" for the confirmation
    assert len(said) == 1 and FULL in said[0], said
    assert APOLOGY not in said[0] and RESEND not in said[0], said
    assert chat.last().button(DONE)["callback_data"] == "report:photos_done"
    assert len(await _drafts(ctx)) == MAX_FILES  # every file kept with the draft
    # nothing written blind over the draft in the outage: Redis holds it at its files step, whole
    step, data = await redis_holds(chat)
    assert step == ReportForm.photo.state and data.get("text") == TEXT and "key" in data, (step, data)

    if then == "done":
        await chat.taps("report:photos_done")
    else:
        await chat.feed(_again(chat, updates)[0])
    assert "Проверьте" in chat.texts()[-1] and f"Файлы: {MAX_FILES}" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert len(await _files_of(ctx, (await _reports(ctx))[-1].number)) == MAX_FILES
