""""Reply" or "Appeal" tapped, or an album sent, while Redis (the chat's step and draft) is away from the start of the
update, the chat having a report in progress there. The chat read as one at no step (nothing of it kept in this
process), so the tap stacked the answer (or appeal) over none: "go back to: none" was written blind and handed back to
Redis once it answered, over the draft's step, and the draft was not resumed when the answer ended (its description
and place left with no step to go on from). Now nothing is stacked over a step that could not be read: the citizen is
told to tap it again in a minute, the draft in Redis untouched, and the tap made again stacks over the draft's step.
An album in the same outage starts no draft (report_draft.open_draft): it was answered once per file; now once. Real
aiogram against the fake Bot API, real intake and media store, the bot's Redis behind a loopback proxy cut before the
update."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from backend.context import Context
from bots.citizen.notify import notify_report_event
from bots.citizen.report_draft import ReportForm
from tests.bots.redis_blip import PLACE, RESEND, blip_chat, redis_holds, sent_with_redis_away
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, Chat
from tests.bots.test_citizen_flow_end_outage import KEPT, _citizen, _draft_goes_on
from tests.bots.test_citizen_own_steps import _filed
from tests.bots.test_citizen_reply import _asked
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_report_from_media import _drafts, _reports
from tests.bots.test_citizen_voice import _number
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
TAP_AGAIN = "нажмите кнопку ещё раз"  # report_step_unknown_tap (ru)
ANSWER_ASKED, APPEAL_ASKED = "Напишите ответ", "почему вы не согласны"  # reply_prompt, appeal_prompt (ru)


async def _draft_kept(chat: Chat, said: list[str], asked: str) -> None:
    """Redis still holds the draft at its place step, with its description and key and nothing stacked over it; the
    citizen was told, once, to tap again (not asked for the answer or appeal)."""
    step, data = await redis_holds(chat)  # the next update's read: what this process kept handed back
    assert step == ReportForm.location.state, (step, data, said)
    assert data.get("text") == TEXT and "key" in data, (data, said)
    assert not {"reply_back", "appeal_back"} & data.keys(), (data, said)
    assert len(said) == 1 and TAP_AGAIN in said[0], said
    assert APOLOGY not in said[0] and asked not in said[0], said


async def test_reply_tapped_with_redis_away_keeps_the_draft_in_progress(ctx: Context, citizen_tg: FakeBot,
                                                                        proxy: TcpProxy) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799891)
    report, event = await _asked(ctx, (await _citizen(ctx, chat)).citizen_id)
    await notify_report_event(ctx, report, event)
    pushed = chat.last()

    said = await sent_with_redis_away(chat, proxy, citizen_tg.user_taps_button(pushed, f"reply:{report.id}",
                                                                               user=chat.user))
    await _draft_kept(chat, said, ANSWER_ASKED)

    await chat.feed(citizen_tg.user_taps_button(pushed, f"reply:{report.id}", user=chat.user))  # again, as asked
    assert ANSWER_ASKED in chat.texts()[-1], chat.texts()[-1]
    await chat.says("/cancel")  # the answer ends: the draft is back at its step
    assert KEPT in chat.texts()[-1], chat.texts()[-1]
    await _draft_goes_on(ctx, chat)


async def test_appeal_tapped_with_redis_away_keeps_the_draft_in_progress(ctx: Context, citizen_tg: FakeBot,
                                                                         proxy: TcpProxy) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799892)
    report = await _filed(ctx, (await _citizen(ctx, chat)).citizen_id, closed=True)
    await chat.says("/reports")
    listed = chat.last()

    said = await sent_with_redis_away(chat, proxy, citizen_tg.user_taps_button(listed, f"appeal:{report.id}:0",
                                                                               user=chat.user))
    await _draft_kept(chat, said, APPEAL_ASKED)

    await chat.feed(citizen_tg.user_taps_button(listed, f"appeal:{report.id}:0", user=chat.user))
    assert APPEAL_ASKED in chat.texts()[-1], chat.texts()[-1]
    await chat.says("/cancel")
    assert "Отменено" in chat.texts()[-1], chat.texts()[-1]
    await _draft_goes_on(ctx, chat)


def _album(chat: Chat, album: str, count: int = 3) -> list[dict[str, Any]]:
    return [chat.tg.user_sends_photo(chat.id, chat.user, sample_jpeg(40 + i, 30), media_group_id=album)
            for i in range(count)]


async def test_an_album_sent_with_redis_away_is_answered_once(ctx: Context, citizen_tg: FakeBot,
                                                              proxy: TcpProxy) -> None:
    """Each of its files is refused (no draft started over the unknown step): the album hears it once, not once per
    file; the next album in the same outage is answered too. Sent again once Redis answers, it is the report's."""
    chat = await blip_chat(ctx, citizen_tg, 799893)
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
    assert "приложить до 5 фото" in chat.texts()[-1], chat.texts()[-1]
    _, before = await redis_holds(chat)

    said = await sent_with_redis_away(chat, proxy, *_album(chat, "outage-1"))
    assert len(said) == 1 and RESEND in said[0] and APOLOGY not in said[0], said
    said = await sent_with_redis_away(chat, proxy, *_album(chat, "outage-2", 2))
    assert len(said) == 1 and RESEND in said[0], said  # another album: its own answer
    step, data = await redis_holds(chat)
    assert step == ReportForm.photo.state and data.get("key") == before["key"], (step, data)
    assert await _drafts(ctx) == []  # nothing was taken

    before_again = len(chat.texts())
    # sent again, as asked (all at once, as Telegram delivers an album): the report's files, the album answered once
    await asyncio.gather(*(chat.feed(update) for update in _album(chat, "again")))
    kept = [text for text in chat.texts()[before_again:] if "Принято файлов" in text]
    assert kept == [kept[-1]] and "Принято файлов: 3 из 5" in kept[-1], chat.texts()[before_again:]
    await chat.taps("report:photos_done")
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert [report.text for report in await _reports(ctx)] == [TEXT]
    assert len(await _files_of(ctx, _number(chat.texts()[-1]))) == 3
