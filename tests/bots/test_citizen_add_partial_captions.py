"""A partial "Add" (the report has room for some of the files: report_addition) posts the captions of the files it
adds, not those of the files it leaves in the draft: staff read words about photos they never got, and the files left
lost their words for the new report they may become. Real aiogram against the fake Bot API, real intake, media
pipeline and comments."""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.bots.test_citizen_add_files import _album, _comments, _filed
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_report import _files_of
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = pytest.mark.anyio
CAPTIONS = ["Первый снимок: машина у подъезда", "Второй снимок: номер машины", "Третий снимок: лицо водителя"]


async def test_a_partial_add_posts_only_the_captions_of_the_files_it_adds(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 794301)
    number = await _filed(chat, citizen_tg)
    await _album(chat, citizen_tg, "partial-1", 3)
    await chat.taps("report:add_to")  # the report holds 3 of its 5 files: room for 2
    for i, caption in enumerate(CAPTIONS):  # one by one, each with its words
        await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(60 + i, 40), caption=caption))
    await chat.taps("report:add_to")
    assert f"К обращению № {number} добавлено файлов: 2" in chat.texts()[-1], chat.texts()[-1]
    assert len(await _files_of(ctx, number)) == 5
    comment = (await _comments(ctx, number))[-1]
    assert CAPTIONS[0] in comment and CAPTIONS[1] in comment, comment
    assert CAPTIONS[2] not in comment, comment  # its photo was not added
    # the photo left over keeps its words: "New report" takes them as its description
    await chat.taps("report:add_new")
    assert CAPTIONS[2] in chat.texts()[-1], chat.texts()[-1]
