"""SLA escalations reach the report's region's supervisors in the duty bot too (bots.officer.escalations), over the real
python-telegram-bot client against the fake Bot API, with the outbox run by the real relay: in their language,
discreetly for restricted categories, once per chat however often the job runs, retried while Telegram is away,
not retried for a chat that blocked the bot, and nothing at all (the push as before) without a bot token."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from backend.audit.models import AuditLog
from backend.context import Context
from backend.dispatch import service as dispatch
from backend.dispatch.jobs import find_escalations
from backend.dispatch.models import Escalation
from backend.jobs.models import OutboxTask
from backend.jobs.relay import Relay
from backend.jobs.service import revive
from backend.lib.clock import utcnow
from backend.notifications.schemas import DeviceIn
from backend.notifications.service import Owner, register_device
from backend.officers.models import Officer
from backend.reports.models import Report
from backend.reports.workflow import Status
from bots.models import OfficerBotBlockedChat
from bots.officer import escalations
from bots.officer import service as duty
from ml.taxonomy import load_taxonomy
from tests.bots.conftest import OFFICER_TOKEN, link_code
from tests.core.factories import make_report, triage_report
from tests.fakes.fcm import FakeFCM, registration_token
from tests.fakes.telegram import FakeBot, FakeTelegram, make_user
from tests.fakes.telegram.state import SentMessage
from tests.notifications.conftest import fcm  # noqa: F401  (re-exported fixture)
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio
KK_SUPERVISOR, EN_SUPERVISOR, RU_SUPERVISOR = 881001, 881002, 881003
ALMATY_SUPERVISOR, PATROL_OFFICER = 881010, 881011
# fixed instants (past, so the SLA check escalates them), so the test says what Almaty's clock (UTC+5) shows
# without the code's own conversion: the deadline falls on the next day there
DEADLINE = datetime(2025, 3, 14, 20, 30, tzinfo=UTC)
DEADLINE_IN_ALMATY = "15.03.2025 01:30"
ASSIGNED = datetime(2025, 3, 14, 9, 5, tzinfo=UTC)
ASSIGNED_IN_ALMATY = "14.03.2025 14:05"


async def _officer(ctx: Context, chat: int | None, *, role: str = "supervisor", district: str = "astana",
                   language: str = "ru") -> Officer:
    """An officer, linked to the duty bot in `chat` (as `/link CODE` does) unless `chat` is None."""
    unit = await make_unit(ctx, district=district) if role == "patrol_officer" else None
    officer, _ = await make_officer(ctx, role=role, district=district, unit=unit, full_name=f"Офицер {chat}")
    if chat is not None:
        assert await duty.redeem_link_code(ctx, code=await link_code(ctx, officer.id), chat_id=chat,
                                           language=language) is not None
    return officer


async def _near_deadline(ctx: Context, deadline: datetime | None = None, **fields: object) -> Report:
    """An open report of Astana whose legal deadline is within two working days (by default in 20 hours):
    `find_escalations` escalates it."""
    report = await triage_report(ctx, department="patrol_police", district="astana", **fields)
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(Report.id == report.id)  # type: ignore[arg-type]
                              .values(deadline_at=deadline or utcnow() + timedelta(hours=20)))
        await session.commit()
    return report


async def _escalated(ctx: Context) -> Escalation:
    """Run the SLA check once (it must find exactly one escalation) and the outbox until nothing is due."""
    assert await find_escalations(ctx) == 1
    await Relay(ctx).drain()
    async with ctx.sessions() as session:
        (esc,) = (await session.scalars(select(Escalation))).all()
    return esc


async def _chat_tasks(ctx: Context) -> list[OutboxTask]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(OutboxTask).where(
            OutboxTask.task == escalations.CHAT_TASK)))  # type: ignore[arg-type]


async def _due_now(ctx: Context) -> None:
    """The backoff's wait is over: retries are due (instead of sleeping through it)."""
    async with ctx.sessions() as session:
        await session.execute(update(OutboxTask).where(OutboxTask.status == "pending")  # type: ignore[arg-type]
                              .values(next_attempt_at=utcnow()))
        await session.commit()


def _texts(tg: FakeBot, chat: int) -> list[str]:
    return [m.text or "" for m in tg.sent_messages(chat)]


async def _phone(ctx: Context, officer: Officer, name: str) -> str:
    """The officer's registered phone, as the tablet registers it: the push goes there."""
    token = registration_token(f"escalation-{name}")
    async with ctx.sessions() as session:
        await register_device(session, owner=Owner(kind="officer", officer_id=officer.id), language="ru",
                              data=DeviceIn(platform="android", token=token))
        await session.commit()
    return token


async def test_an_escalation_reaches_the_linked_supervisors_of_its_district_in_their_language(
        ctx: Context, officer_tg: FakeBot) -> None:
    tg = officer_tg
    # linked through the bot itself: the Telegram app's language (Kazakh) becomes the officer's
    kk = await _officer(ctx, None)
    user = make_user(KK_SUPERVISOR, language_code="kk")
    tg.user_sends_text(KK_SUPERVISOR, user, f"/link {await link_code(ctx, kk.id)}")
    await tg.wait_for_message_async(KK_SUPERVISOR, contains="Аккаунт байланыстырылды")
    await _officer(ctx, EN_SUPERVISOR, language="en")
    await _officer(ctx, None)  # a supervisor of the district who never linked the bot
    await _officer(ctx, ALMATY_SUPERVISOR, district="almaty")
    await _officer(ctx, PATROL_OFFICER, role="patrol_officer")
    assert await duty.toggle_shift(ctx, chat_id=PATROL_OFFICER) is True  # on duty, and still not a supervisor
    report = await _near_deadline(ctx, DEADLINE, category="theft", text="У подъезда украли велосипед")

    await _escalated(ctx)

    assert _texts(tg, KK_SUPERVISOR)[1:] == [
        f"⚠️ Эскалация № {report.number}\nӨтінішті қарау мерзімі аяқталып келеді.\nҰрлық\nАудан: Астана\n"
        f"Қарау мерзімі: {DEADLINE_IN_ALMATY}"]
    (english,) = _texts(tg, EN_SUPERVISOR)
    assert english.startswith(f"⚠️ Escalation No. {report.number}\nThe legal deadline")
    assert "Theft" in english and DEADLINE_IN_ALMATY in english
    assert "велосипед" not in english  # an escalation names the report, it never quotes it
    assert _texts(tg, ALMATY_SUPERVISOR) == [] and _texts(tg, PATROL_OFFICER) == []
    sent_to = [int(c.params["chat_id"]) for c in tg.calls("sendMessage")
               if str(report.number) in str(c.params.get("text"))]
    assert sorted(sent_to) == [KK_SUPERVISOR, EN_SUPERVISOR]  # nobody else, and each once


async def test_an_unaccepted_urgent_report_says_when_it_was_assigned(ctx: Context, officer_bot: FakeBot) -> None:
    await _officer(ctx, RU_SUPERVISOR)
    unit = await make_unit(ctx, district="astana")
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, urgent=True, department="patrol_police",
                                   district="astana", category="theft")
        assignment = await dispatch.assign(session, report, unit, DISPATCHER)
        assignment.assigned_at = ASSIGNED  # long past the acceptance term
        await session.commit()

    esc = await _escalated(ctx)

    assert esc.kind == "unaccepted_urgent"
    (text,) = _texts(officer_bot, RU_SUPERVISOR)
    assert f"Эскалация № {report.number}" in text
    assert "Срочное обращение назначено наряду, но не принято вовремя." in text
    assert f"Назначено: {ASSIGNED_IN_ALMATY}" in text


async def test_a_restricted_reports_escalation_names_neither_its_category_nor_its_text(
        ctx: Context, officer_bot: FakeBot) -> None:
    await _officer(ctx, RU_SUPERVISOR)
    report = await _near_deadline(ctx, category="domestic_violence", restricted=True,
                                  text="Муж избивает Айгуль Серикову, кв. 41, дети дома")

    await _escalated(ctx)

    (text,) = _texts(officer_bot, RU_SUPERVISOR)
    assert f"Эскалация № {report.number}" in text and "Истекает срок рассмотрения" in text
    assert "ограниченным доступом" in text  # the urgent offer's discreet wording
    names = load_taxonomy().category("domestic_violence").names
    for detail in ("Айгуль", "Серикову", "кв. 41", "избивает", names.ru, names.kk, names.en):
        assert detail not in text, detail


async def test_a_retried_escalation_job_messages_each_chat_once(ctx: Context, officer_bot: FakeBot) -> None:
    await _officer(ctx, RU_SUPERVISOR)
    await _officer(ctx, EN_SUPERVISOR, language="en")
    report = await _near_deadline(ctx)
    esc = await _escalated(ctx)

    # the job again: run directly, and revived in the outbox as a retry after a lost answer would run it
    await escalations.escalation(ctx, {"escalation_id": str(esc.id)})
    async with ctx.sessions() as session:
        assert await revive(session, f"duty-bot-escalation:{esc.id}")
        await session.commit()
    await Relay(ctx).drain()
    assert await find_escalations(ctx) == 0  # the SLA check itself makes no second escalation
    await Relay(ctx).drain()

    for chat in (RU_SUPERVISOR, EN_SUPERVISOR):
        assert len([t for t in _texts(officer_bot, chat) if report.number in t]) == 1, chat
    assert sorted(task.status for task in await _chat_tasks(ctx)) == ["done", "done"]


def _closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused, as with a Bot API that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("outage", ["bot_api_5xx", "unreachable", "flood_control"])
async def test_while_telegram_is_down_the_message_is_retried_and_the_escalation_still_pushed(
        ctx: Context, officer_bot: FakeBot, fake_telegram: FakeTelegram, fcm: FakeFCM,  # noqa: F811
        outage: str) -> None:
    supervisor = await _officer(ctx, RU_SUPERVISOR)
    phone = await _phone(ctx, supervisor, outage)
    report = await _near_deadline(ctx)
    api_base = ctx.settings.telegram_api_base
    if outage == "bot_api_5xx":
        fake_telegram.fail_next("sendMessage", 500, times=1, token=OFFICER_TOKEN)
    elif outage == "flood_control":
        # a Retry-After longer than the test: the relay must not send before the test makes the task due itself
        fake_telegram.fail_next("sendMessage", 429, retry_after=60, token=OFFICER_TOKEN)
    else:
        ctx.settings = ctx.settings.with_(telegram_api_base=f"http://127.0.0.1:{_closed_port()}")

    esc = await _escalated(ctx)

    (push,) = await fcm.wait_for_pushes_async(1)  # the push does not wait on Telegram
    assert push.message["token"] == phone and push.message["data"]["kind"] == "deadline_near"
    async with ctx.sessions() as session:
        stored = await session.get(Escalation, esc.id)
        assert stored is not None and stored.notified_at is not None
    # waiting out a Retry-After is not a failed attempt (an outage longer than the attempts must not kill it)
    failed_attempts = 0 if outage == "flood_control" else 1
    (task,) = await _chat_tasks(ctx)
    assert (task.status, task.attempts) == ("pending", failed_attempts) and task.last_error
    assert _texts(officer_bot, RU_SUPERVISOR) == []

    ctx.settings = ctx.settings.with_(telegram_api_base=api_base)  # Telegram is back
    await _due_now(ctx)
    await Relay(ctx).drain()
    (text,) = _texts(officer_bot, RU_SUPERVISOR)
    assert report.number in text
    (task,) = await _chat_tasks(ctx)
    assert (task.status, task.attempts) == ("done", failed_attempts + 1)
    assert len(fcm.pushes_to(phone)) == 1


@pytest.mark.parametrize("refusal", ["blocked", "chat_not_found"])
async def test_a_chat_telegram_refuses_for_good_is_not_retried(
        ctx: Context, officer_bot: FakeBot, fake_telegram: FakeTelegram, refusal: str) -> None:
    await _officer(ctx, RU_SUPERVISOR)
    await _officer(ctx, EN_SUPERVISOR, language="en")
    report = await _near_deadline(ctx)
    if refusal == "blocked":
        officer_bot.user_blocks_bot(RU_SUPERVISOR, notify=False)  # 403 Forbidden: bot was blocked by the user
    else:
        fake_telegram.fail_next("sendMessage", 400, description="Bad Request: chat not found", token=OFFICER_TOKEN)

    await _escalated(ctx)
    await _due_now(ctx)
    await Relay(ctx).drain()

    refused = RU_SUPERVISOR if refusal == "blocked" else None
    calls = [c for c in officer_bot.calls("sendMessage") if report.number in str(c.params.get("text"))]
    assert len(calls) == 2 and [c.status for c in calls if not c.ok] == [403 if refused else 400]
    assert {task.status: task.attempts for task in await _chat_tasks(ctx)} == {"done": 1}
    if refused:
        assert len(_texts(officer_bot, EN_SUPERVISOR)) == 1  # the others are told all the same


async def test_a_refused_chat_is_left_out_of_later_escalations_until_it_writes_again(
        ctx: Context, officer_tg: FakeBot) -> None:
    """The supervisor deleted their account (403 "user is deactivated"): the chat is marked on the first refusal,
    and the next escalation queues no message for it at all, while the other supervisor is told each time."""
    tg = officer_tg
    await _officer(ctx, RU_SUPERVISOR)
    await _officer(ctx, EN_SUPERVISOR, language="en")
    tg.user_deletes_account(RU_SUPERVISOR)
    await _near_deadline(ctx)
    await _escalated(ctx)
    async with ctx.sessions() as session:
        marked = await session.get(OfficerBotBlockedChat, RU_SUPERVISOR)
    assert marked is not None and marked.reason == "deactivated"
    tries = len([c for c in tg.calls("sendMessage") if int(c.params["chat_id"]) == RU_SUPERVISOR])

    second = await _near_deadline(ctx)
    assert await find_escalations(ctx) == 1
    await Relay(ctx).drain()
    assert any(second.number in text for text in _texts(tg, EN_SUPERVISOR))
    assert len([c for c in tg.calls("sendMessage") if int(c.params["chat_id"]) == RU_SUPERVISOR]) == tries
    assert sorted(int(task.payload["chat_id"]) for task in await _chat_tasks(ctx)) == [
        EN_SUPERVISOR, EN_SUPERVISOR, RU_SUPERVISOR]  # the second escalation queued nothing for the refused chat

    # a chat that writes to the bot is taken back (the duty bot does this on any update from it)
    await duty.chat_is_back(ctx, chat_id=RU_SUPERVISOR)
    assert await supervisor_chat_ids(ctx, second) == [EN_SUPERVISOR, RU_SUPERVISOR]


async def supervisor_chat_ids(ctx: Context, report: Report) -> list[int]:
    async with ctx.sessions() as session:
        return sorted(chat for chat, _ in await escalations.supervisor_chats(session, report))


async def test_without_a_bot_token_escalations_are_created_and_pushed_as_before(
        ctx: Context, fcm: FakeFCM) -> None:  # noqa: F811
    assert not ctx.settings.telegram_officer_token
    supervisor = await _officer(ctx, RU_SUPERVISOR)  # linked while a bot was configured
    phone = await _phone(ctx, supervisor, "no-bot")
    await _near_deadline(ctx)

    esc = await _escalated(ctx)

    (push,) = await fcm.wait_for_pushes_async(1)
    assert push.message["token"] == phone
    async with ctx.sessions() as session:
        stored = await session.get(Escalation, esc.id)
        assert stored is not None and stored.notified_at is not None
        (job,) = (await session.scalars(select(OutboxTask).where(
            OutboxTask.task == escalations.TASK))).all()  # type: ignore[arg-type]
    assert (job.status, job.last_error) == ("done", None)
    assert await _chat_tasks(ctx) == []


def test_every_escalation_kind_has_its_text_in_every_language() -> None:
    from backend.lib.i18n import LANGS
    from backend.notifications.jobs import ESCALATION_TERM_OF
    from backend.notifications.templates import ESCALATION_KINDS, ESCALATION_TERMS, ESCALATION_TITLE

    assert set(ESCALATION_TERM_OF) == set(ESCALATION_KINDS)
    for kind, term in ESCALATION_TERM_OF.items():
        for lang in LANGS:
            assert lang in ESCALATION_KINDS[kind] and lang in ESCALATION_TERMS[term] and lang in ESCALATION_TITLE


async def test_the_push_and_the_duty_bot_tell_an_escalation_in_the_same_words(
        ctx: Context, officer_bot: FakeBot, fcm: FakeFCM) -> None:  # noqa: F811
    """One source of the texts (backend.notifications.templates): a supervisor reading the phone's push and the
    chat's message reads the same sentence and the same term, to the minute."""
    supervisor = await _officer(ctx, RU_SUPERVISOR)
    phone = await _phone(ctx, supervisor, "same-words")
    await _near_deadline(ctx, DEADLINE)

    await _escalated(ctx)

    (push,) = await fcm.wait_for_pushes_async(1)
    assert push.message["token"] == phone
    body = push.message["notification"]["body"]
    assert body == f"Истекает срок рассмотрения обращения. Срок рассмотрения: {DEADLINE_IN_ALMATY}"
    (text,) = _texts(officer_bot, RU_SUPERVISOR)
    assert "\nИстекает срок рассмотрения обращения.\n" in text
    assert text.endswith(f"\nСрок рассмотрения: {DEADLINE_IN_ALMATY}")


# -- the "Open report" button ----------------------------------------------------------------------------------------
async def _escalation_message(tg: FakeBot, chat: int, number: str) -> SentMessage:
    return await tg.wait_for_message_async(chat, contains=number)


async def _tap_open(tg: FakeBot, chat: int, message: SentMessage) -> None:
    tg.user_taps_button(message, message.button("Открыть")["callback_data"], user=make_user(chat))
    await tg.wait_for_call_async("answerCallbackQuery")


def _current(tg: FakeBot, chat: int, message_id: int) -> SentMessage:
    return next(m for m in tg.sent_messages(chat) if m.message_id == message_id)


async def test_open_report_shows_the_card_with_personal_data_masked(ctx: Context, officer_tg: FakeBot) -> None:
    await _officer(ctx, RU_SUPERVISOR)
    report = await _near_deadline(ctx, DEADLINE, category="theft", lat=51.12345, lon=71.43210,
                                  text="Украли велосипед у подъезда, звоните мне +7 701 123 45 67")
    await _escalated(ctx)
    message = await _escalation_message(officer_tg, RU_SUPERVISOR, report.number)
    assert message.button("Открыть обращение")["callback_data"] == f"oreport:{report.id}"

    await _tap_open(officer_tg, RU_SUPERVISOR, message)
    await officer_tg.wait_for_call_async("editMessageText", lambda c: int(c.params["chat_id"]) == RU_SUPERVISOR)

    shown = _current(officer_tg, RU_SUPERVISOR, message.message_id)
    text = shown.text or ""
    assert text.startswith(message.text or "")  # the escalation stays, the card is added under it
    card = text.removeprefix(message.text or "")
    assert f"Обращение № {report.number}" in card and "Статус: на сортировке" in card
    assert load_taxonomy().category("theft").names.ru in card
    assert "Район: Астана" in card and f"Срок рассмотрения: {DEADLINE_IN_ALMATY}" in card
    assert "📍 51.12345, 71.43210" in card and "велосипед" in card
    assert "701 123 45 67" not in card and "7011234567" not in card  # masked as officers see it everywhere
    assert shown.inline_keyboard == []


async def test_open_report_of_a_restricted_category_stays_neutral_and_is_audited(
        ctx: Context, officer_tg: FakeBot) -> None:
    await _officer(ctx, RU_SUPERVISOR)
    report = await _near_deadline(ctx, category="domestic_violence", restricted=True,
                                  text="Муж избивает Айгуль Серикову, кв. 41, дети дома")
    await _escalated(ctx)
    message = await _escalation_message(officer_tg, RU_SUPERVISOR, report.number)

    await _tap_open(officer_tg, RU_SUPERVISOR, message)
    await officer_tg.wait_for_call_async("editMessageText", lambda c: int(c.params["chat_id"]) == RU_SUPERVISOR)

    card = (_current(officer_tg, RU_SUPERVISOR, message.message_id).text or "").removeprefix(message.text or "")
    assert f"Обращение № {report.number}" in card and "ограниченным доступом" in card
    names = load_taxonomy().category("domestic_violence").names
    for detail in ("Айгуль", "Серикову", "кв. 41", "избивает", "📍", f"{report.lat:.5f}", names.ru, names.kk,
                   names.en):
        assert detail not in card, detail
    async with ctx.sessions() as session:
        reads = list(await session.scalars(select(AuditLog).where(
            AuditLog.action == "report.read", AuditLog.target_id == str(report.id))))  # type: ignore[arg-type]
    assert len(reads) == 1


async def test_open_report_asks_again_for_the_officer_the_chat_is_linked_to_now(
        ctx: Context, officer_tg: FakeBot) -> None:
    """The button's data comes from the client, and the chat may change hands after the message: a patrol officer
    who links it later cannot read a restricted report of a unit not designated for it, nor an unlinked chat any."""
    await _officer(ctx, RU_SUPERVISOR)
    report = await _near_deadline(ctx, category="domestic_violence", restricted=True, text="Муж избивает жену")
    await _escalated(ctx)
    message = await _escalation_message(officer_tg, RU_SUPERVISOR, report.number)
    await _officer(ctx, RU_SUPERVISOR, role="patrol_officer")  # the phone handed over: the chat is theirs now

    await _tap_open(officer_tg, RU_SUPERVISOR, message)
    refused = await officer_tg.wait_for_message_async(RU_SUPERVISOR, contains="недоступно")
    assert report.number not in (refused.text or "")

    async with ctx.sessions() as session:
        await session.execute(update(Officer).where(Officer.telegram_chat_id == RU_SUPERVISOR)  # type: ignore[arg-type]
                              .values(telegram_chat_id=None))
        await session.commit()
    await _tap_open(officer_tg, RU_SUPERVISOR, message)
    await officer_tg.wait_for_message_async(RU_SUPERVISOR, contains="не привязан")
    assert officer_tg.calls("editMessageText") == []
