"""A citizen answers staff's request for information ("needs your input") from the Telegram bot.

Staff ask with request-info; the status message carries the question and a "Reply" button, /reports lists the
question with one too, and the citizen's next words (and photos) become a comment on the report through the comments
API's own code, which puts the report back in work. Once per Telegram message, however often the update comes; a
report not theirs, closed or withdrawn is refused in the chat's language. Real aiogram against the fake Bot API.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.citizens.models import Citizen
from backend.context import Context
from backend.media.models import Media
from backend.reports import service as reports
from backend.reports.models import Report, ReportComment, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Outcome, Status
from bots.citizen import runtime
from bots.citizen import service as citizen_bot
from bots.citizen.notify import notify_report_event
from tests.bots.test_polled_once import _citizen_poll_until_confirmed
from tests.core.factories import make_report
from tests.fakes.telegram import FakeBot, FakeTelegram, make_user
from tests.officers.factories import make_unit

pytestmark = pytest.mark.anyio
USER = 737300
REASON = "Укажите госномер автомобиля"
OFFICER = By(Actor.DISPATCHER, "d1", "console")


async def _asked(ctx: Context, citizen_id: uuid.UUID, *, category: str = "theft",
                 restricted: bool = False) -> tuple[Report, ReportEvent]:
    """A report the citizen filed through the bot, in a unit's work, and staff's question on it."""
    partner_id = await citizen_bot.bot_partner_id(ctx)  # first: SQLite takes one session at a time
    unit = await make_unit(ctx)  # in work: a unit holds it (the answer to a question asked in triage goes to triage)
    async with ctx.sessions() as session:
        citizen = await session.get(Citizen, citizen_id)
        report = await make_report(session, status=Status.IN_PROGRESS, citizen=citizen, text="Угнали машину",
                                   category=category, restricted=restricted, partner_id=partner_id,
                                   unit_id=unit.id)
        event = await reports.change_status(session, report, Action.REQUEST_INFO, OFFICER, reason=REASON)
        await session.commit()
    return report, event


async def _report(ctx: Context, report_id: uuid.UUID) -> Report:
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
        assert report is not None
        return report


async def _comments(ctx: Context, report_id: uuid.UUID) -> list[ReportComment]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(ReportComment).where(
            ReportComment.report_id == report_id)))  # type: ignore[arg-type]


async def _tapped_reply(ctx: Context, tg: FakeBot, user_id: int, language: str) -> tuple[dict[str, Any], Report]:
    """A linked citizen whose report awaits their input, told so in the chat, who tapped its Reply button."""
    user = make_user(user_id, language_code=language)
    linked = await citizen_bot.link_chat(ctx, user_id=user_id, chat_id=user_id, language=language)
    report, event = await _asked(ctx, linked.citizen_id)
    await notify_report_event(ctx, report, event)
    pushed = await tg.wait_for_message_async(user_id)
    tg.user_taps_button(pushed, f"reply:{report.id}", user=user)
    return user, report


# what the bot says, per language: the report draft's first prompt, the answer's prompt, one file kept for the answer
_SAYS = {"ru": ("Опишите, что произошло", "Напишите ответ", "Файл получен (1)"),
         "kk": ("Не болғанын", "жауабыңызды бір хабарламамен жазыңыз", "Файл алынды (1)"),
         "en": ("Describe what happened", "Write your answer", "File received (1)")}


async def file_for_the_answer(tg: FakeBot, chat: int, user: dict[str, Any], language: str) -> None:
    """Once the answer is asked for: a photo sent for it, and kept."""
    _, answer, kept = _SAYS[language]
    await tg.wait_for_message_async(chat, contains=answer)
    tg.user_sends_photo(chat, user)
    await tg.wait_for_message_async(chat, contains=kept)


async def answering_with_a_file(ctx: Context, tg: FakeBot, chat: int, language: str) -> tuple[dict[str, Any], Report]:
    """`_tapped_reply`, then a photo sent for the answer and kept: the user and the report asked about."""
    user, report = await _tapped_reply(ctx, tg, chat, language)
    await file_for_the_answer(tg, chat, user, language)
    return user, report


async def answering_mid_report(ctx: Context, tg: FakeBot, chat: int, language: str) -> tuple[
        dict[str, Any], citizen_bot.ChatUser, Report, Any]:
    """A linked citizen writing a report (its draft's first prompt shown) whose other report awaits their input: they
    tapped its Reply and sent a photo for the answer. Returns the user, the linked chat, the report asked about and the
    draft's prompt (its inline "Cancel")."""
    draft = _SAYS[language][0]
    user = make_user(chat, language_code=language)
    linked = await citizen_bot.link_chat(ctx, user_id=chat, chat_id=chat, language=language, chosen=True)
    report, event = await _asked(ctx, linked.citizen_id)
    tg.user_sends_text(chat, user, "/report")
    prompt = await tg.wait_for_message_async(chat, contains=draft)
    await notify_report_event(ctx, report, event)
    pushed = await tg.wait_for_message_async(chat, contains=REASON)
    tg.user_taps_button(pushed, f"reply:{report.id}", user=user)
    await file_for_the_answer(tg, chat, user, language)
    return user, linked, report, prompt


async def test_the_citizen_answers_the_question_from_the_status_message(ctx: Context,
                                                                       citizen_polling: FakeBot) -> None:
    tg, user = citizen_polling, make_user(USER, language_code="ru")
    linked = await citizen_bot.link_chat(ctx, user_id=USER, chat_id=USER, language="ru")
    report, event = await _asked(ctx, linked.citizen_id)

    assert await notify_report_event(ctx, report, event) is True
    pushed = await tg.wait_for_message_async(USER)
    assert report.number in (pushed.text or "") and REASON in (pushed.text or "")
    assert pushed.button("Ответить")["callback_data"] == f"reply:{report.id}"

    tg.user_taps_button(pushed, f"reply:{report.id}", user=user)
    prompt = await tg.wait_for_message_async(USER, contains="Напишите ответ")
    assert REASON in (prompt.text or "") and report.number in (prompt.text or "")
    assert prompt.button("Отменить")["callback_data"] == "reply:cancel"

    tg.user_sends_text(USER, user, "123 ABC 01, белая Toyota")
    done = await tg.wait_for_message_async(USER, contains="Ваш ответ добавлен")
    assert report.number in (done.text or "")
    assert [c.text for c in await _comments(ctx, report.id)] == ["123 ABC 01, белая Toyota"]
    assert (await _report(ctx, report.id)).status == Status.IN_PROGRESS  # back in work (REPORTER_REPLIED)


@pytest.mark.redis
async def test_a_redelivered_answer_comments_once(ctx: Context, citizen_tg: FakeBot,
                                                 fake_telegram: FakeTelegram) -> None:
    """The comment is stored, then the confirmation fails: the update is not marked handled, so Telegram's next
    delivery is handled again — and gets the first comment back by its idempotency key, not a second one."""
    tg = citizen_tg
    user, report = await _tapped_reply(ctx, tg, USER + 1, "ru")
    await _citizen_poll_until_confirmed(ctx, tg)

    fake_telegram.fail_next("sendMessage", 500, token=tg.token)  # the confirmation (the apology after it goes through)
    answer = tg.user_sends_text(USER + 1, user, "Номер 777 KZ 02")
    await _citizen_poll_until_confirmed(ctx, tg)
    assert [c.text for c in await _comments(ctx, report.id)] == ["Номер 777 KZ 02"]
    assert not [m for m in tg.sent_messages(USER + 1) if "Ваш ответ добавлен" in (m.text or "")]

    tg.push_update(answer)  # delivered again
    await _citizen_poll_until_confirmed(ctx, tg)
    assert [c.text for c in await _comments(ctx, report.id)] == ["Номер 777 KZ 02"]
    assert len([m for m in tg.sent_messages(USER + 1) if "Ваш ответ добавлен" in (m.text or "")]) == 1
    async with ctx.sessions() as session:
        replied = await session.scalar(select(func.count()).select_from(ReportEvent).where(
            ReportEvent.report_id == report.id,  # type: ignore[arg-type]
            ReportEvent.action == Action.REPORTER_REPLIED.value))  # type: ignore[arg-type]
    assert replied == 1


async def test_reports_lists_the_question_and_a_photo_goes_with_the_answer_in_kazakh(
        ctx: Context, citizen_polling: FakeBot) -> None:
    tg, user = citizen_polling, make_user(USER + 2, language_code="kk")
    linked = await citizen_bot.link_chat(ctx, user_id=USER + 2, chat_id=USER + 2, language="kk", chosen=True)
    report, _ = await _asked(ctx, linked.citizen_id)

    tg.user_sends_text(USER + 2, user, "/reports")
    listed = await tg.wait_for_message_async(USER + 2, contains="Сіздің өтініштеріңіз")
    assert "Сіздің мәліметтеріңіз қажет" in (listed.text or "")
    assert f"❓ Қосымша мәліметтер қажет: {REASON}" in (listed.text or "")
    assert listed.button(f"№ {report.number} өтінішке жауап беру")["callback_data"] == f"reply:{report.id}"

    tg.user_taps_button(listed, f"reply:{report.id}", user=user)
    await tg.wait_for_message_async(USER + 2, contains="жауабыңызды бір хабарламамен жазыңыз")
    tg.user_sends_photo(USER + 2, user)
    await tg.wait_for_message_async(USER + 2, contains="Файл алынды (1)")
    tg.user_sends_text(USER + 2, user, "Көліктің нөмірі суретте")
    done = await tg.wait_for_message_async(USER + 2, contains="Жауабыңыз")
    assert report.number in (done.text or "")
    comments = await _comments(ctx, report.id)
    assert [c.text for c in comments] == ["Көліктің нөмірі суретте"]
    async with ctx.sessions() as session:
        files = list(await session.scalars(select(Media).where(Media.report_id == report.id)))  # type: ignore[arg-type]
    assert len(files) == 1
    assert (await _report(ctx, report.id)).status == Status.IN_PROGRESS


async def test_a_captioned_photo_is_the_answer(ctx: Context, citizen_polling: FakeBot) -> None:
    tg = citizen_polling
    user, report = await _tapped_reply(ctx, tg, USER + 3, "en")
    await tg.wait_for_message_async(USER + 3, contains="Write your answer")

    tg.user_sends_photo(USER + 3, user, caption="The plate is on this photo")
    await tg.wait_for_message_async(USER + 3, contains="Your answer was added to report No.")
    assert [c.text for c in await _comments(ctx, report.id)] == ["The plate is on this photo"]
    async with ctx.sessions() as session:
        attached = await session.scalar(select(func.count()).select_from(Media).where(
            Media.report_id == report.id))  # type: ignore[arg-type]
    assert attached == 1


async def test_a_withdrawn_a_closed_and_another_citizens_report_are_refused(ctx: Context,
                                                                          citizen_polling: FakeBot) -> None:
    tg, user = citizen_polling, make_user(USER + 4, language_code="en")
    linked = await citizen_bot.link_chat(ctx, user_id=USER + 4, chat_id=USER + 4, language="en")
    withdrawn, event = await _asked(ctx, linked.citizen_id)
    await notify_report_event(ctx, withdrawn, event)
    pushed = await tg.wait_for_message_async(USER + 4)
    async with ctx.sessions() as session:
        report = await reports.lock(session, withdrawn.id)
        assert report is not None
        await reports.withdraw(session, report, By(Actor.CITIZEN, str(linked.citizen_id), "telegram"), None)
        await session.commit()
    tg.user_taps_button(pushed, f"reply:{withdrawn.id}", user=user)
    said = await tg.wait_for_message_async(USER + 4, contains="You withdrew report")
    assert withdrawn.number in (said.text or "")

    # an answer opened, then the report closed by the police before the citizen wrote it
    closed, event = await _asked(ctx, linked.citizen_id)
    await notify_report_event(ctx, closed, event)
    pushed = await tg.wait_for_message_async(USER + 4)
    tg.user_taps_button(pushed, f"reply:{closed.id}", user=user)
    await tg.wait_for_message_async(USER + 4, contains="Write your answer")
    async with ctx.sessions() as session:
        report = await reports.lock(session, closed.id)
        assert report is not None
        await reports.change_status(session, report, Action.RESOLVE, OFFICER, outcome=Outcome.WARNING)
        await session.commit()
    tg.user_sends_text(USER + 4, user, "Too late")
    said = await tg.wait_for_message_async(USER + 4, contains="is closed")
    assert closed.number in (said.text or "")
    assert await _comments(ctx, closed.id) == [] and await _comments(ctx, withdrawn.id) == []

    # a button whose data names someone else's report (the data comes from the client)
    other = await citizen_bot.link_chat(ctx, user_id=USER + 5, chat_id=USER + 5, language="en")
    theirs, _ = await _asked(ctx, other.citizen_id)
    from bots.citizen.reply_flow import reply_markup  # here: the other tests show HEAD's behaviour, not an ImportError

    client = runtime.make_bot(tg.token, ctx.settings.telegram_api_base)
    try:
        forged = await client.send_message(USER + 4, "…", reply_markup=reply_markup(theirs.id, "en"))
    finally:
        await client.session.close()
    tg.user_taps_button(next(m for m in tg.sent_messages(USER + 4) if m.message_id == forged.message_id),
                        f"reply:{theirs.id}", user=user)
    said = await tg.wait_for_message_async(USER + 4, contains="Report not found")
    assert theirs.number not in (said.text or "")
    assert (await _report(ctx, theirs.id)).status == Status.AWAITING_REPORTER


async def test_cancel_ends_the_answer_without_a_comment(ctx: Context, citizen_polling: FakeBot) -> None:
    tg = citizen_polling
    user, report = await _tapped_reply(ctx, tg, USER + 6, "ru")
    prompt = await tg.wait_for_message_async(USER + 6, contains="Напишите ответ")
    tg.user_sends_photo(USER + 6, user)
    await tg.wait_for_message_async(USER + 6, contains="Файл получен (1)")

    tg.user_taps_button(prompt, "reply:cancel", user=user)
    await tg.wait_for_message_async(USER + 6, contains="Отменено")
    assert await _comments(ctx, report.id) == []
    async with ctx.sessions() as session:  # the file kept for the answer went with it
        kept = await session.scalar(select(func.count()).select_from(Media).where(
            Media.owner_citizen_id == report.citizen_id))  # type: ignore[arg-type]
    assert kept == 0
    assert (await _report(ctx, report.id)).status == Status.AWAITING_REPORTER


async def test_tapping_reply_mid_report_keeps_the_draft(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, user = citizen_polling, make_user(USER + 7, language_code="ru")
    linked = await citizen_bot.link_chat(ctx, user_id=USER + 7, chat_id=USER + 7, language="ru")
    report, event = await _asked(ctx, linked.citizen_id)
    tg.user_sends_text(USER + 7, user, "/report")
    await tg.wait_for_message_async(USER + 7, contains="Опишите, что произошло")
    await notify_report_event(ctx, report, event)
    pushed = await tg.wait_for_message_async(USER + 7, contains=REASON)

    tg.user_taps_button(pushed, f"reply:{report.id}", user=user)
    await tg.wait_for_message_async(USER + 7, contains="Напишите ответ")
    tg.user_sends_text(USER + 7, user, "Белая Toyota")
    await tg.wait_for_message_async(USER + 7, contains="Ваш ответ добавлен")
    tg.user_sends_text(USER + 7, user, "У подъезда разбили окно машины")  # the report's description step again
    await tg.wait_for_message_async(USER + 7, contains="Отправьте место")
    assert [c.text for c in await _comments(ctx, report.id)] == ["Белая Toyota"]


async def test_a_restricted_reports_question_gets_reply_once_shown(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, user = citizen_polling, make_user(USER + 8, language_code="ru")
    linked = await citizen_bot.link_chat(ctx, user_id=USER + 8, chat_id=USER + 8, language="ru")
    report, event = await _asked(ctx, linked.citizen_id, category="domestic_violence", restricted=True)
    await notify_report_event(ctx, report, event)
    pushed = await tg.wait_for_message_async(USER + 8)
    assert REASON not in (pushed.text or "") and "Ответить" not in str(pushed.inline_keyboard)

    tg.user_taps_button(pushed, f"update:{event.id}", user=user)
    await tg.wait_for_call_async("editMessageText")
    shown = next(m for m in tg.sent_messages(USER + 8) if m.message_id == pushed.message_id)
    assert REASON in (shown.text or "")
    assert shown.button("Ответить")["callback_data"] == f"reply:{report.id}"


def test_the_reply_texts_exist_in_every_language() -> None:
    from backend.lib.i18n import LANGS
    from bots.citizen.texts import TEXTS

    for key in ("btn_reply", "btn_reply_to", "report_question", "reply_prompt", "reply_sent", "reply_file_kept",
                "reply_file_bad", "reply_file_store_down", "reply_hint", "reply_not_found", "reply_closed",
                "reply_withdrawn", "reply_empty", "reply_files_limit", "reply_files_kept", "reply_draft_kept"):
        assert set(TEXTS[key]) == set(LANGS), key
