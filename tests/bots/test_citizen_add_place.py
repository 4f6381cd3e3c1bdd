"""A location sent at the "Add to report № … / New report" question: the API has no step that changes a filed
report's place, so "Add" posts it in the comment as coordinates (said so when it is sent, and after "Add"), in the
chat's language, rather than dropping it for the report it was meant for; "New report" still takes it as its place.
Real aiogram against the fake Bot API, real intake, media and comments."""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.bots.test_citizen_add_files import _comments, _filed
from tests.bots.test_citizen_audit_conversation import TEXT, Chat
from tests.bots.test_citizen_report_from_media import _reports
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = pytest.mark.anyio


async def test_add_posts_the_place_as_coordinates_in_the_comment(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 799411)
    number = await _filed(chat, citizen_tg, "en")
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption="His car, 123ABC02"))
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 43.2389, 76.8897))
    assert f"added to report No. {number} as a comment with its coordinates" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:add_to")
    said = chat.texts()[-1]
    assert f"The place is added to report No. {number}" in said and "Files added" in said, said
    assert await _comments(ctx, number) == ["His car, 123ABC02\n\n📍 Place given by the reporter: 43.238900, 76.889700"]


async def test_new_report_still_takes_the_place_as_its_own(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 799412)
    number = await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 43.2389, 76.8897))
    await chat.taps("report:add_new")
    await chat.says(TEXT)  # the place was given: on to the files, then Send
    await chat.taps("report:skip")
    await chat.taps("report:send")
    [new] = [report for report in await _reports(ctx) if report.number != number]
    assert round(float(new.lat), 4) == 43.2389, new
    assert await _comments(ctx, number) == []
