"""A shift walked through the duty bot (bots.officer) against the fake Bot API, looking for what the bot tells or lets
an officer do that no longer holds by the time it does it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.dispatch.jobs import find_escalations
from backend.dispatch.models import Escalation
from backend.jobs.relay import Relay
from backend.lib.clock import utcnow
from backend.officers.models import Officer, Unit
from backend.reports.models import Report
from backend.reports.workflow import Resolution, Status
from bots.officer import service as duty
from bots.officer.push import push_urgent_report
from bots.officer.texts import t
from tests.bots.conftest import OFFICER_TOKEN, link_code
from tests.bots.test_officer_escalations import _chat_tasks, _due_now
from tests.core.factories import make_report, triage_report
from tests.fakes.telegram import FakeBot, FakeTelegram, make_user
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio
SUPERVISOR, CREW, OTHER_CREW = 882001, 882002, 882003


async def _linked(ctx: Context, chat: int, *, role: str, unit: Unit | None = None) -> None:
    officer, _ = await make_officer(ctx, role=role, district="astana", unit=unit, full_name=f"Офицер {chat}")
    assert await duty.redeem_link_code(ctx, code=await link_code(ctx, officer.id), chat_id=chat) is not None


async def _on_duty(ctx: Context, chat: int, **unit: object) -> Unit:
    """A patrol officer of a fresh Astana unit (`unit`: make_unit's options), linked to `chat` and on shift."""
    crew = await make_unit(ctx, district="astana", **unit)  # type: ignore[arg-type]
    await _linked(ctx, chat, role="patrol_officer", unit=crew)
    assert await duty.toggle_shift(ctx, chat_id=chat) is True
    return crew


async def _report(ctx: Context, report_id: object) -> Report:
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
    assert report is not None
    return report


@pytest.mark.parametrize("settled_by", ["crew_accepts_in_the_bot", "dispatcher_assigns_a_unit"])
async def test_an_escalation_settled_while_telegram_held_it_back_is_not_told(
        ctx: Context, officer_bot: FakeBot, fake_telegram: FakeTelegram, settled_by: str) -> None:
    """The message waits for Telegram (a 5xx here; a Retry-After or an outage alike, for up to an hour); meanwhile
    the crew accepts, or a dispatcher gives the waiting report a unit. The console's list no longer shows the
    escalation; the chat must not tell the supervisor "not accepted" / "no unit" after that either."""
    await _linked(ctx, SUPERVISOR, role="supervisor")
    unit = await make_unit(ctx, district="astana")
    await _linked(ctx, CREW, role="patrol_officer", unit=unit)
    assert await duty.toggle_shift(ctx, chat_id=CREW) is True
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, urgent=True, priority="urgent",
                                   department="patrol_police", district="astana", category="theft")
        if settled_by == "crew_accepts_in_the_bot":  # assigned from the console long ago, never accepted
            assignment = await dispatch.assign(session, report, unit, DISPATCHER)
            assignment.assigned_at = datetime(2025, 3, 14, 9, 5, tzinfo=UTC)
        else:  # waiting for a unit past the term
            report.created_at = utcnow() - timedelta(hours=1)
            session.add(report)
        await session.commit()
    fake_telegram.fail_next("sendMessage", 500, times=1, token=OFFICER_TOKEN)

    assert await find_escalations(ctx) == 1
    await Relay(ctx).drain()
    async with ctx.sessions() as session:
        (esc,) = (await session.scalars(select(Escalation))).all()
    assert esc.kind == ("unaccepted_urgent" if settled_by == "crew_accepts_in_the_bot" else "unassigned_urgent")
    assert officer_bot.sent_messages(SUPERVISOR) == []

    if settled_by == "crew_accepts_in_the_bot":
        assert (await duty.accept(ctx, chat_id=CREW, report_id=report.id)).outcome == duty.Outcome.ACCEPTED
    else:
        async with ctx.sessions() as session:
            stored = await session.get(Report, report.id)
            assert stored is not None
            await dispatch.assign(session, stored, unit, DISPATCHER)
            await session.commit()
    await _due_now(ctx)
    await Relay(ctx).drain()

    assert [m.text for m in officer_bot.sent_messages(SUPERVISOR)] == []
    assert [task.status for task in await _chat_tasks(ctx)] == ["done"]


async def test_an_accept_whose_tap_telegram_no_longer_waits_for_is_still_confirmed(
        ctx: Context, officer_tg: FakeBot, fake_telegram: FakeTelegram) -> None:
    """A tap fetched late (the bot was away, or the update is handled again after a failure): Telegram refuses to
    answer the query. The Accept is committed all the same, and the officer must be told so, the buttons gone;
    before, the refused answer ended the handler and the offer stayed as if nothing happened."""
    unit = await _on_duty(ctx, CREW, code="AST-77")
    report = await triage_report(ctx, urgent=True, priority="urgent", department="patrol_police", district="astana")
    assert await push_urgent_report(ctx, report) == 1
    offer = await officer_tg.wait_for_message_async(CREW, contains=report.number)
    fake_telegram.fail_next("answerCallbackQuery", 400, token=OFFICER_TOKEN,
                            description="Bad Request: query is too old and response timeout expired or query ID is "
                                        "invalid")

    officer_tg.user_taps_button(offer, f"accept:{report.id}", user=make_user(CREW, language_code="ru"))

    await officer_tg.wait_for_call_async("editMessageText", lambda c: int(c.params["chat_id"]) == CREW)
    (shown,) = officer_tg.sent_messages(CREW)
    assert "Принято" in (shown.text or "") and "AST-77" in (shown.text or "") and shown.inline_keyboard == []
    assert (await _report(ctx, report.id)).unit_id == unit.id


async def test_a_crafted_accept_takes_no_report_that_was_never_offered(ctx: Context) -> None:
    """Only urgent reports are offered with Accept; callback data comes from the client. An officer who writes
    `accept:<id>` for an ordinary report of the district (its id seen on the tablet, say) must not assign it to
    their unit past the dispatcher."""
    await _on_duty(ctx, CREW)
    report = await triage_report(ctx, department="patrol_police", district="astana")

    answer = await duty.accept(ctx, chat_id=CREW, report_id=report.id)

    assert answer == duty.Answer(duty.Outcome.NOT_YOURS)
    stored = await _report(ctx, report.id)
    assert (stored.status, stored.unit_id) == (Status.TRIAGE.value, None)


async def test_an_accept_of_a_closed_report_says_it_is_closed_not_taken(ctx: Context) -> None:
    """The reporter withdrew the urgent report before anyone accepted: "already taken by another unit" would tell
    the officer a crew is there."""
    await _on_duty(ctx, CREW)
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.CLOSED, resolution=Resolution.WITHDRAWN, urgent=True,
                                   department="patrol_police", district="astana")
        await session.commit()

    answer = await duty.accept(ctx, chat_id=CREW, report_id=report.id)

    assert answer == duty.Answer(duty.Outcome.CLOSED, report.number)
    assert "закрыто" in duty_text(answer, "ru") and "жабылып" in duty_text(answer, "kk")


async def test_a_report_that_left_its_unit_is_taken_by_a_designated_units_accept(ctx: Context) -> None:
    """An urgent report reclassified as domestic violence leaves the ordinary unit that held it and waits, still
    "assigned", with no unit. The designated crew's Accept takes it; before, it was told "already taken by another
    unit", and the report went on waiting for the console."""
    ordinary = await make_unit(ctx, district="astana")
    designated = await _on_duty(ctx, OTHER_CREW, restricted_categories=["domestic_violence"])
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, urgent=True, priority="urgent",
                                   department="patrol_police", district="astana", category="theft")
        await dispatch.assign(session, report, ordinary, DISPATCHER)
        report.category, report.restricted = "domestic_violence", True
        assert await dispatch.release_if_not_designated(session, report, DISPATCHER)
        await session.commit()
    left = await _report(ctx, report.id)
    assert (left.status, left.unit_id) == (Status.ASSIGNED.value, None)

    answer = await duty.accept(ctx, chat_id=OTHER_CREW, report_id=report.id)

    assert answer.outcome == duty.Outcome.ACCEPTED
    assert (await _report(ctx, report.id)).unit_id == designated.id


def duty_text(answer: duty.Answer, lang: str) -> str:
    return t(answer.outcome.value, lang, number=answer.number, unit=answer.unit_code)


async def test_the_webhook_asks_for_telegrams_note_that_the_bot_was_blocked_or_unblocked(
        ctx: Context, officer_bot: FakeBot) -> None:
    """Polling gets my_chat_member (Telegram's default), and the bot acts on it (bots.officer.app.chat_is_back): an
    officer who unblocks the bot takes offers and escalations again. The webhook was registered without it, so in
    webhook mode an unblocked chat stayed skipped until its officer happened to write."""
    from bots.cli import _set_officer_webhook

    await _set_officer_webhook(ctx.settings, "https://zan.example.kz/api/v1/telegram/officer/webhook")

    assert officer_bot.webhook is not None
    assert {"message", "callback_query", "my_chat_member"} <= set(officer_bot.webhook.allowed_updates or [])


async def test_a_link_code_posted_in_a_group_is_void_for_every_member(ctx: Context, officer_tg: FakeBot) -> None:
    """The bot links private chats only, and in a group it answers with a pointer to the private chat. But the code
    the officer sent there stayed valid for its ten minutes, read by every member: one of them sending it to the bot
    in private became the officer in the duty bot (urgent reports' text and place, Accept in the officer's name)."""
    officer, _ = await make_officer(ctx, district="astana", full_name="Ерлан Сейтов")
    code = await link_code(ctx, officer.id)
    group, owner, member = -100_556_0001, make_user(882010, language_code="kk"), make_user(882011)

    officer_tg.user_sends_text(group, owner, f"/link {code}")
    answer = await officer_tg.wait_for_message_async(group)
    officer_tg.user_sends_text(882011, member, f"/link {code}")
    refused = await officer_tg.wait_for_message_async(882011)

    assert "Код неверный или истёк" in (refused.text or "")
    async with ctx.sessions() as session:
        assert await duty.officer_by_chat(session, 882011) is None
    stored = await _officer(ctx, officer.id)
    assert stored.telegram_chat_id is None and stored.telegram_link_code_hash is None
    assert "жарамсыз" in (answer.text or "")  # told in the sender's language: the code no longer works


async def _officer(ctx: Context, officer_id: object) -> Officer:
    async with ctx.sessions() as session:
        officer = await session.get(Officer, officer_id)
    assert officer is not None
    return officer


async def test_an_edited_shift_command_does_not_toggle_the_shift_again(ctx: Context, officer_tg: FakeBot) -> None:
    """Telegram sends an edit of an old message as an update of its own (polling gets them): "/shift" corrected
    minutes later is not a second "/shift", which would end the shift the officer just started."""
    await _linked(ctx, CREW, role="patrol_officer", unit=await make_unit(ctx, district="astana"))
    user = make_user(CREW, language_code="ru")
    sent = officer_tg.user_sends_text(CREW, user, "/shift")
    await officer_tg.wait_for_message_async(CREW, contains="Смена начата")

    edited = {**sent["message"], "text": "/shift ", "edit_date": sent["message"]["date"] + 30}
    officer_tg.push_update({"edited_message": edited})
    officer_tg.user_sends_text(CREW, user, "/status")
    status = await officer_tg.wait_for_message_async(CREW, contains="Смена:")

    assert "Смена: идёт" in (status.text or "")
    assert "Смена завершена." not in [m.text for m in officer_tg.sent_messages(CREW)]


async def test_an_accept_whose_offer_message_is_gone_is_confirmed_in_a_new_one(
        ctx: Context, officer_tg: FakeBot, fake_telegram: FakeTelegram) -> None:
    """The officer deleted the offer (or it is older than Telegram lets a bot edit): the edit is refused, and the
    Accept, already committed, went unconfirmed."""
    unit = await _on_duty(ctx, CREW, code="AST-78")
    report = await triage_report(ctx, urgent=True, priority="urgent", department="patrol_police", district="astana")
    assert await push_urgent_report(ctx, report) == 1
    offer = await officer_tg.wait_for_message_async(CREW, contains=report.number)
    fake_telegram.fail_next("editMessageText", 400, token=OFFICER_TOKEN,
                            description="Bad Request: message to edit not found")

    officer_tg.user_taps_button(offer, f"accept:{report.id}", user=make_user(CREW, language_code="ru"))

    told = await officer_tg.wait_for_message_async(CREW, contains="AST-78")
    assert "Принято" in (told.text or "")
    assert (await _report(ctx, report.id)).unit_id == unit.id
