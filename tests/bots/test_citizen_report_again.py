"""/report (or the menu's "Report") typed while a report is being written no longer drops it: the citizen is asked
whether to continue it or start again, in the chat's language, and the draft (its files too) is kept until they
choose "Start again"; the question's buttons of a draft that is gone are refused as the draft's other buttons are.
A "Report" during an answer to staff gives the paused draft back and asks the same. Updates go through the real
dispatcher one by one; real aiogram against the fake Bot API, real intake and media pipeline."""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.bots.test_citizen_audit_conversation import TEXT, Chat, _report_texts
from tests.bots.test_citizen_midway import SECOND
from tests.bots.test_citizen_reply import _comments, answering_mid_report
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_report_from_media import _drafts
from tests.bots.test_citizen_voice import _number
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = pytest.mark.anyio


async def _at_files_with_a_photo(chat: Chat) -> None:
    await chat.up_to_location()
    await chat.feed(chat.tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.feed(chat.tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    assert "Принято файлов: 1 из 5" in chat.texts()[-1]


@pytest.mark.parametrize("again", ["/report", "🚨 Сообщить о правонарушении"])
async def test_report_mid_report_asks_and_continue_keeps_the_draft(ctx: Context, citizen_tg: FakeBot,
                                                                   again: str) -> None:
    chat = Chat(ctx, citizen_tg, 793001 if again == "/report" else 793002)
    await _at_files_with_a_photo(chat)
    before = len(chat.texts())
    await chat.says(again)
    [asked] = chat.texts()[before:]
    assert "Продолжить его или начать заново?" in asked, asked
    assert chat.last().button("Продолжить")["callback_data"] == "report:continue"
    assert chat.last().button("Начать заново")["callback_data"] == "report:restart"
    assert len(await _drafts(ctx)) == 1  # nothing dropped before the citizen chose

    await chat.taps("report:continue")
    assert "Уже приложено файлов: 1 из 5" in chat.texts()[-1]  # the files step again, with its buttons
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1]
    assert await _report_texts(ctx) == [TEXT]
    assert len(await _files_of(ctx, _number(chat.texts()[-1]))) == 1


async def test_start_again_drops_the_draft_and_the_old_questions_buttons_are_refused(ctx: Context,
                                                                                    citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 793003)
    await _at_files_with_a_photo(chat)
    await chat.says("/report")
    question = chat.last()
    await chat.taps("report:restart")
    assert "Опишите, что произошло" in chat.texts()[-1]
    assert await _drafts(ctx) == []  # only now are the first draft's files let go

    await chat.says(SECOND)
    before = len(chat.texts())
    # the first draft's question, still on screen: neither restarts nor resumes the one being written
    for data in ("report:restart", "report:continue"):
        await chat.feed(citizen_tg.user_taps_button(question, data, user=chat.user))
    assert chat.texts()[before:] == []
    alerts = [c.params for c in citizen_tg.calls("answerCallbackQuery")][-2:]
    assert all("от прежнего обращения" in str(a.get("text")) for a in alerts), alerts
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert await _report_texts(ctx) == [SECOND]


@pytest.mark.parametrize(("lang", "button", "asked", "go_on"), [
    ("kk", "🚨 Құқық бұзушылық туралы хабарлау", "Оны жалғастырасыз ба, әлде жаңадан бастайсыз ба?",
     "Не болғанын сипаттаңыз"),
    ("en", "/report", "Continue it or start again?", "Describe what happened"),
])
async def test_the_question_is_in_the_chats_language(ctx: Context, citizen_tg: FakeBot, lang: str, button: str,
                                                     asked: str, go_on: str) -> None:
    chat = Chat(ctx, citizen_tg, 793004 if lang == "kk" else 793005)
    await chat.says("/start")
    await chat.taps(f"lang:{lang}")
    await chat.says(button)
    await chat.says(button)  # at the description step
    assert asked in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:continue")
    assert go_on in chat.texts()[-1], chat.texts()[-1]


async def test_report_during_an_answer_gives_the_paused_draft_back_and_asks(ctx: Context,
                                                                          citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, 793006
    user, _, report, _ = await answering_mid_report(ctx, tg, chat, "en")
    tg.user_sends_text(chat, user, "/report")
    await tg.wait_for_message_async(chat, contains="Continue it or start again?")
    assert await _comments(ctx, report.id) == []  # the answer ended
    tg.user_sends_text(chat, user, "Someone broke the car window by the entrance")  # the paused draft's description
    await tg.wait_for_message_async(chat, contains="Send the location")
