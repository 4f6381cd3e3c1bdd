"""A citizen withdraws, rates and appeals their report from the Telegram bot's /reports, as a partner app does with
`POST /api/v1/reports/{id}/withdraw`, `/feedback` and `/reopen`: the same rules and refusals (the API's error texts,
in the chat's language), a forged button naming another citizen's report refused, and a button shown before an
appeal reopened the report refused as out of date. Real aiogram against the fake Bot API."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import select

from backend.citizens.models import Citizen
from backend.context import Context
from backend.lib.clock import utcnow
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Outcome, Resolution, Status
from bots.citizen import runtime
from bots.citizen import service as citizen_bot
from tests.core.factories import make_report
from tests.fakes.telegram import FakeBot, SentMessage, make_user

pytestmark = pytest.mark.anyio
USER = 738100
OFFICER = By(Actor.DISPATCHER, "d1", "console")


async def _filed(ctx: Context, citizen_id: uuid.UUID, *, closed: bool = False) -> Report:
    """A report the citizen filed through the bot, in work (or resolved, if `closed`)."""
    partner_id = await citizen_bot.bot_partner_id(ctx)  # first: SQLite takes one session at a time
    async with ctx.sessions() as session:
        citizen = await session.get(Citizen, citizen_id)
        report = await make_report(session, status=Status.IN_PROGRESS, citizen=citizen, category="theft",
                                   partner_id=partner_id)
        if closed:
            await reports.change_status(session, report, Action.RESOLVE, OFFICER, outcome=Outcome.WARNING)
        await session.commit()
    return report


async def _resolve(ctx: Context, report_id: uuid.UUID, action: Action = Action.RESOLVE, by: By = OFFICER) -> None:
    async with ctx.sessions() as session:
        report = await reports.lock(session, report_id)
        assert report is not None
        await reports.change_status(session, report, action, by,
                                    outcome=Outcome.WARNING if action is Action.RESOLVE else None)
        await session.commit()


async def _report(ctx: Context, report_id: uuid.UUID) -> Report:
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
        assert report is not None
        return report


async def _events(ctx: Context, report_id: uuid.UUID, action: str) -> list[ReportEvent]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report_id, ReportEvent.action == action)))  # type: ignore[arg-type]


async def _listed(tg: FakeBot, chat: int, user: dict[str, Any], heading: str) -> SentMessage:
    tg.user_sends_text(chat, user, "/reports")
    return await tg.wait_for_message_async(chat, contains=heading)


async def _forged(ctx: Context, tg: FakeBot, chat: int, data: str) -> SentMessage:
    """A message carrying a button with `data` (a callback's data comes from the client, which may forge it)."""
    client = runtime.make_bot(tg.token, ctx.settings.telegram_api_base)
    try:
        sent = await client.send_message(chat, "…", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text="x", callback_data=data)]]))
    finally:
        await client.session.close()
    return next(m for m in tg.sent_messages(chat) if m.message_id == sent.message_id)


async def test_withdraw_asks_first_then_withdraws(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, user = citizen_polling, make_user(USER, language_code="ru")
    linked = await citizen_bot.link_chat(ctx, user_id=USER, chat_id=USER, language="ru", chosen=True)
    report = await _filed(ctx, linked.citizen_id)

    listed = await _listed(tg, USER, user, "Ваши обращения")
    withdraw = listed.button(f"Отозвать № {report.number}")["callback_data"]
    tg.user_taps_button(listed, withdraw, user=user)
    asked = await tg.wait_for_message_async(USER, contains=f"Отозвать обращение № {report.number}?")
    assert (await _report(ctx, report.id)).status == Status.IN_PROGRESS  # nothing done before "Yes"

    tg.user_taps_button(asked, asked.button("Нет")["callback_data"], user=user)
    await tg.wait_for_message_async(USER, contains="остаётся в работе")
    assert (await _report(ctx, report.id)).status == Status.IN_PROGRESS

    tg.user_taps_button(asked, asked.button("Да")["callback_data"], user=user)
    await tg.wait_for_message_async(USER, contains=f"Обращение № {report.number} отозвано")
    done = await _report(ctx, report.id)
    assert (done.status, done.resolution) == (Status.CLOSED, Resolution.WITHDRAWN)
    # "Yes" tapped again: the API's repeat of a withdrawal made, answered as the first, nothing done twice
    tg.user_taps_button(asked, asked.button("Да")["callback_data"], user=user)
    await tg.wait_for_message_async(USER, contains=f"Обращение № {report.number} отозвано")
    assert len(await _events(ctx, report.id, Action.WITHDRAW.value)) == 1

    relisted = await _listed(tg, USER, user, "Ваши обращения")  # a withdrawal is neither withdrawn nor rated again
    assert relisted.inline_keyboard == []


@pytest.mark.parametrize(("language", "refused"), [
    ("en", "The report has already been closed and can no longer be withdrawn"),
    ("kk", "Өтініш жабылып қойған, оны кері қайтарып алуға болмайды"),
])
async def test_a_report_closed_before_yes_is_refused_in_the_apis_words(ctx: Context, citizen_polling: FakeBot,
                                                                      language: str, refused: str) -> None:
    chat = USER + 1 if language == "en" else USER + 2
    tg, user = citizen_polling, make_user(chat, language_code=language)
    linked = await citizen_bot.link_chat(ctx, user_id=chat, chat_id=chat, language=language, chosen=True)
    report = await _filed(ctx, linked.citizen_id)
    listed = await _listed(tg, chat, user, report.number)
    tg.user_taps_button(listed, f"withdraw:{report.id}:0", user=user)
    asked = await tg.wait_for_message_async(chat, contains=report.number)

    await _resolve(ctx, report.id)  # the police closed it meanwhile
    tg.user_taps_button(asked, f"withdraw:yes:{report.id}:0", user=user)
    said = await tg.wait_for_message_async(chat, contains=refused)
    assert report.number in (said.text or "")
    assert (await _report(ctx, report.id)).resolution == Resolution.RESOLVED


async def test_rating_a_closing_follows_the_apis_rule(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, user = citizen_polling, make_user(USER + 3, language_code="ru")
    linked = await citizen_bot.link_chat(ctx, user_id=USER + 3, chat_id=USER + 3, language="ru", chosen=True)
    report = await _filed(ctx, linked.citizen_id, closed=True)
    listed = await _listed(tg, USER + 3, user, "Ваши обращения")
    assert listed.button("4⭐")["callback_data"] == f"rate:{report.id}:0:4"
    with pytest.raises(LookupError):
        listed.button("Отозвать")  # a closed report is not withdrawn

    tg.user_taps_button(listed, f"rate:{report.id}:0:4", user=user)
    await tg.wait_for_message_async(USER + 3, contains=f"Ваша оценка по обращению № {report.number}: 4⭐")
    assert (await _report(ctx, report.id)).satisfaction == 4
    # the same rating again (the list still shows its stars) is the API's repeat: answered, not stored twice
    tg.user_taps_button(listed, f"rate:{report.id}:0:4", user=user)
    await tg.wait_for_message_async(USER + 3, contains="4⭐")
    # another rating of the same closing is the API's refusal
    tg.user_taps_button(listed, f"rate:{report.id}:0:2", user=user)
    await tg.wait_for_message_async(USER + 3, contains="Вы уже оценили это решение по обращению")
    assert (await _report(ctx, report.id)).satisfaction == 4
    assert len(await _events(ctx, report.id, "feedback")) == 1

    relisted = await _listed(tg, USER + 3, user, "Ваши обращения")  # rated: no stars offered again
    with pytest.raises(LookupError):
        relisted.button("4⭐")


async def test_appeal_asks_the_grounds_then_reopens_and_old_buttons_are_refused(ctx: Context,
                                                                              citizen_polling: FakeBot) -> None:
    tg, user = citizen_polling, make_user(USER + 4, language_code="en")
    linked = await citizen_bot.link_chat(ctx, user_id=USER + 4, chat_id=USER + 4, language="en", chosen=True)
    report = await _filed(ctx, linked.citizen_id, closed=True)
    listed = await _listed(tg, USER + 4, user, "Your reports")
    appeal = listed.button(f"Appeal No. {report.number}")["callback_data"]
    assert appeal == f"appeal:{report.id}:0"

    tg.user_taps_button(listed, appeal, user=user)
    prompt = await tg.wait_for_message_async(USER + 4, contains="why you disagree")
    assert prompt.button("Cancel")["callback_data"] == "appeal:cancel"
    tg.user_sends_text(USER + 4, user, "no")  # under the API's 3 characters: asked again, nothing filed
    await tg.wait_for_message_async(USER + 4, contains="3 to 5000 characters")
    assert (await _report(ctx, report.id)).status == Status.CLOSED

    tg.user_sends_text(USER + 4, user, "The car was never found, nobody came")
    await tg.wait_for_message_async(USER + 4, contains=f"Your appeal on report No. {report.number} is filed")
    reopened = await _report(ctx, report.id)
    assert (reopened.status, reopened.reopen_count) == (Status.REOPENED, 1)
    [event] = await _events(ctx, report.id, Action.REOPEN.value)
    assert event.reason == "The car was never found, nobody came" and event.actor_type == Actor.CITIZEN.value

    # the list's buttons judged the closing the appeal undid: refused as out of date, nothing done
    for data in (appeal, f"rate:{report.id}:0:5"):
        tg.user_taps_button(listed, data, user=user)
        said = await tg.wait_for_message_async(USER + 4, contains="This button is out of date")
        assert report.number in (said.text or "")
    after = await _report(ctx, report.id)
    assert (after.status, after.reopen_count, after.satisfaction) == (Status.REOPENED, 1, None)

    # closed again: the new closing's buttons carry the new count, and act
    # (by another dispatcher: the appeal is against d1's decision, APPK)
    await _resolve(ctx, report.id, Action.CLOSE_UNFOUNDED, By(Actor.DISPATCHER, "d2", "console"))
    relisted = await _listed(tg, USER + 4, user, "Your reports")
    tg.user_taps_button(relisted, f"rate:{report.id}:1:5", user=user)
    await tg.wait_for_message_async(USER + 4, contains="Your rating of report")
    assert (await _report(ctx, report.id)).satisfaction == 5


async def test_cancel_ends_the_appeal_without_filing_it(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, user = citizen_polling, make_user(USER + 5, language_code="kk")
    linked = await citizen_bot.link_chat(ctx, user_id=USER + 5, chat_id=USER + 5, language="kk", chosen=True)
    report = await _filed(ctx, linked.citizen_id, closed=True)
    listed = await _listed(tg, USER + 5, user, report.number)
    tg.user_taps_button(listed, f"appeal:{report.id}:0", user=user)
    prompt = await tg.wait_for_message_async(USER + 5, contains="неге келіспейтініңізді")
    tg.user_taps_button(prompt, "appeal:cancel", user=user)
    await tg.wait_for_message_async(USER + 5, contains="Болдырылмады")
    tg.user_sends_text(USER + 5, user, "/cancel")  # nothing left to cancel: the words no longer an appeal
    await tg.wait_for_message_async(USER + 5, contains="Болдырылмады")
    after = await _report(ctx, report.id)
    assert (after.status, after.reopen_count) == (Status.CLOSED, 0)


async def test_buttons_naming_another_citizens_report_are_refused(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, user = citizen_polling, make_user(USER + 6, language_code="en")
    await citizen_bot.link_chat(ctx, user_id=USER + 6, chat_id=USER + 6, language="en", chosen=True)
    other = await citizen_bot.link_chat(ctx, user_id=USER + 7, chat_id=USER + 7, language="en")
    open_one = await _filed(ctx, other.citizen_id)
    closed_one = await _filed(ctx, other.citizen_id, closed=True)

    for data in (f"withdraw:{open_one.id}:0", f"withdraw:yes:{open_one.id}:0", f"withdraw:no:{open_one.id}:0",
                 f"rate:{closed_one.id}:0:1",
                 f"appeal:{closed_one.id}:0", "withdraw:yes:not-a-report:0"):
        forged = await _forged(ctx, tg, USER + 6, data)
        tg.user_taps_button(forged, data, user=user)
        said = await tg.wait_for_message_async(USER + 6, contains="Report not found")
        assert open_one.number not in (said.text or "") and closed_one.number not in (said.text or "")
    assert (await _report(ctx, open_one.id)).status == Status.IN_PROGRESS
    closed = await _report(ctx, closed_one.id)
    assert (closed.status, closed.satisfaction, closed.reopen_count) == (Status.CLOSED, None, 0)


def test_the_own_step_texts_exist_in_every_language() -> None:
    from backend.lib.i18n import LANGS
    from bots.citizen.texts import TEXTS

    for key in ("btn_withdraw_report", "withdraw_confirm", "btn_yes", "btn_no", "withdraw_done", "withdraw_kept",
                "btn_stars", "rate_done", "btn_appeal_report", "appeal_prompt", "appeal_done", "appeal_bad_length",
                "appeal_hint", "step_not_found", "step_stale", "step_refused"):
        assert set(TEXTS[key]) == set(LANGS), key


async def _appeal(tg: FakeBot, chat: int, user: dict[str, Any], report: Report, seen: int, grounds: str) -> None:
    listed = await _listed(tg, chat, user, "Your reports")
    tg.user_taps_button(listed, f"appeal:{report.id}:{seen}", user=user)
    await tg.wait_for_message_async(chat, contains="why you disagree")
    tg.user_sends_text(chat, user, grounds)


async def test_an_appeal_withdrawn_cannot_be_made_again(ctx: Context, citizen_polling: FakeBot) -> None:
    """The API's rule (steps.reopen): a citizen who withdrew their appeal let the decision stand, and is refused in
    the API's words when appealing it again."""
    tg, user = citizen_polling, make_user(USER + 8, language_code="en")
    linked = await citizen_bot.link_chat(ctx, user_id=USER + 8, chat_id=USER + 8, language="en", chosen=True)
    report = await _filed(ctx, linked.citizen_id, closed=True)
    await _appeal(tg, USER + 8, user, report, 0, "Nobody came to look")
    await tg.wait_for_message_async(USER + 8, contains="Your appeal on report")

    listed = await _listed(tg, USER + 8, user, "Your reports")  # under appeal: open, so it may be withdrawn
    tg.user_taps_button(listed, f"withdraw:{report.id}:1", user=user)
    asked = await tg.wait_for_message_async(USER + 8, contains="Withdraw report")
    tg.user_taps_button(asked, f"withdraw:yes:{report.id}:1", user=user)
    await tg.wait_for_message_async(USER + 8, contains="is withdrawn")
    assert (await _report(ctx, report.id)).status == Status.CLOSED

    await _appeal(tg, USER + 8, user, report, 1, "Changed my mind again")
    said = await tg.wait_for_message_async(USER + 8, contains="This action is not available")
    assert report.number in (said.text or "")
    assert len(await _events(ctx, report.id, Action.REOPEN.value)) == 1


async def test_a_late_appeal_is_taken_and_marked(ctx: Context, citizen_polling: FakeBot) -> None:
    """Past its term (APPK art. 92) an appeal is taken all the same, its event marked, as steps.reopen marks it."""
    tg, user = citizen_polling, make_user(USER + 9, language_code="en")
    linked = await citizen_bot.link_chat(ctx, user_id=USER + 9, chat_id=USER + 9, language="en", chosen=True)
    report = await _filed(ctx, linked.citizen_id, closed=True)
    async with ctx.sessions() as session:
        closed = await session.get(Report, report.id)
        assert closed is not None
        closed.closed_at = utcnow() - timedelta(days=200)
        session.add(closed)
        await session.commit()

    await _appeal(tg, USER + 9, user, report, 0, "I was abroad and learned of it only now")
    await tg.wait_for_message_async(USER + 9, contains="Your appeal on report")
    [event] = await _events(ctx, report.id, Action.REOPEN.value)
    assert (event.data or {}).get("appeal_term_missed") is True


async def test_an_appeal_mid_report_gives_the_draft_back(ctx: Context, citizen_polling: FakeBot) -> None:
    """"Appeal" tapped while a report is being written: /cancel ends the appeal only, and the draft's step goes on."""
    tg, user = citizen_polling, make_user(USER + 10, language_code="en")
    linked = await citizen_bot.link_chat(ctx, user_id=USER + 10, chat_id=USER + 10, language="en", chosen=True)
    report = await _filed(ctx, linked.citizen_id, closed=True)
    tg.user_sends_text(USER + 10, user, "/report")
    await tg.wait_for_message_async(USER + 10, contains="Describe what happened")
    await _appeal(tg, USER + 10, user, report, 0, "/cancel")
    await tg.wait_for_message_async(USER + 10, contains="Cancelled")
    assert (await _report(ctx, report.id)).status == Status.CLOSED

    tg.user_sends_text(USER + 10, user, "Someone broke the car window by the entrance")  # the draft's description
    await tg.wait_for_message_async(USER + 10, contains="location")
