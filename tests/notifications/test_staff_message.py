"""A staff member's message to the reporter reaches them as any public step does — their app's push (what a lock
screen may show: the number, "message from the police", never the words), the partner app's webhook (the words, for
the app to show), the citizen bot's chat (the words, with "Reply") — and an internal note reaches nobody outside.
Through the console API, the app's own relay, the real firebase-admin SDK and FakeFCM; the loopback webhook
receiver; real aiogram against the fake Bot API."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.citizens.models import Citizen
from backend.context import Context
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Actor, Status
from bots.citizen import service as citizen_bot
from bots.citizen.notify import notify_report_event
from tests.bots.conftest import citizen_tg  # noqa: F401  (the fixture)
from tests.core.factories import make_report
from tests.fakes.fcm import FakeFCM
from tests.fakes.telegram import FakeBot
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.notifications.conftest import BOTH_DBS, citizen_devices, drain, new_report
from tests.notifications.test_webhooks import partner_with_webhook
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio
MESSAGE = "Ваш велосипед найден, заберите его в отделе полиции по ул. Абая 10"
NOTE = "Заявитель перезвонил, код домофона 1234"


async def _written(ctx: Context, client: httpx.AsyncClient, report: Report, *bodies: dict[str, object]) -> None:
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(client, dispatcher.badge_number, password))
    for body in bodies:
        written = await client.post(f"/api/v1/dispatch/reports/{report.id}/comments", json=body,
                                    headers={**console, "Idempotency-Key": str(uuid.uuid4())})
        assert written.status_code == 201, written.text


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_the_reporters_phone_is_told_of_a_message_not_of_a_note(
        ctx: Context, fcm: FakeFCM, app_client: httpx.AsyncClient) -> None:
    report = await new_report(ctx, category="theft", status=Status.IN_PROGRESS)
    ru, en = (str(d.token) for d in await citizen_devices(ctx, report, ["ru", "en"]))
    await _written(ctx, app_client, report, {"text": NOTE, "public": False}, {"text": MESSAGE, "public": True})
    await drain(ctx)

    (told,) = fcm.pushes_to(ru)
    notification = told.message["notification"]
    assert (notification["title"], notification["body"]) == (
        f"Обращение {report.number}: сообщение от полиции", "Откройте приложение, чтобы прочитать.")
    assert MESSAGE not in str(told.message) and "1234" not in str(told.message)  # a lock screen is public
    assert told.message["data"]["type"] == "report_update"
    (told_en,) = fcm.pushes_to(en)
    assert told_en.message["notification"]["title"] == f"Report {report.number}: message from the police"


async def test_a_restricted_reports_message_is_pushed_data_only(
        ctx: Context, fcm: FakeFCM, app_client: httpx.AsyncClient) -> None:
    report = await new_report(ctx, category="domestic_violence", restricted=True, status=Status.IN_PROGRESS)
    (phone,) = (str(d.token) for d in await citizen_devices(ctx, report, ["ru"]))
    supervisor, password = await make_officer(ctx, role="supervisor")
    written = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/comments",
                                    json={"text": MESSAGE, "public": True},
                                    headers={**bearer(await login(app_client, supervisor.badge_number, password)),
                                             "Idempotency-Key": str(uuid.uuid4())})
    assert written.status_code == 201, written.text
    await drain(ctx)
    (told,) = fcm.pushes_to(phone)
    assert "notification" not in told.message and report.number not in str(told.message)


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_the_partner_app_gets_the_message_in_its_webhook(
        ctx: Context, webhook_receiver: WebhookReceiver, app_client: httpx.AsyncClient) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False)
    partner_id = await partner_with_webhook(ctx, webhook_receiver.url("/zan/events"))
    report = await new_report(ctx, partner_id=partner_id, category="theft", status=Status.IN_PROGRESS)
    await _written(ctx, app_client, report, {"text": NOTE, "public": False}, {"text": MESSAGE, "public": True})
    await drain(ctx, timeout_s=30)

    (delivered,) = await webhook_receiver.wait_for_deliveries_async(1)
    body = delivered.json()
    assert (body["action"], body["number"], body["discreet"]) == ("comment", report.number, False)
    assert body["text"] == {"ru": f"Сообщение от полиции: {MESSAGE}", "kk": f"Полициядан хабарлама: {MESSAGE}",
                            "en": f"Message from the police: {MESSAGE}"}
    assert "1234" not in delivered.body.decode()
    await drain(ctx)
    assert len(webhook_receiver.deliveries) == 1  # the note was never sent


async def test_the_citizen_bot_shows_the_message_with_reply(ctx: Context, citizen_tg: FakeBot) -> None:  # noqa: F811
    chat = 737301
    linked = await citizen_bot.link_chat(ctx, user_id=chat, chat_id=chat, language="ru")
    partner_id = await citizen_bot.bot_partner_id(ctx)
    async with ctx.sessions() as session:
        citizen = await session.get(Citizen, linked.citizen_id)
        report = await make_report(session, status=Status.IN_PROGRESS, citizen=citizen, category="theft",
                                   partner_id=partner_id)
        staff = By(Actor.DISPATCHER, str(uuid.uuid4()), "console")
        await reports.add_staff_comment(session, report, NOTE, staff, public=False)
        await reports.add_staff_comment(session, report, MESSAGE, staff, public=True)
        await session.commit()
        note, message = await reports.events(session, report.id, public_only=False)
    assert (note.public, message.public) == (False, True)

    assert await notify_report_event(ctx, report, note) is False  # an internal note is never sent
    assert await notify_report_event(ctx, report, message) is True
    told = await citizen_tg.wait_for_message_async(chat)
    assert f"Сообщение от полиции: {MESSAGE}" in (told.text or "") and report.number in (told.text or "")
    assert told.button("Ответить")["callback_data"] == f"reply:{report.id}"


async def test_a_message_longer_than_telegram_takes_reaches_the_bot_chat_cut(ctx: Context,
                                                                             citizen_tg: FakeBot) -> None:  # noqa: F811
    """The console takes 5,000 characters, Telegram 4,096 (UTF-16 units): sent whole, Telegram refused it and nothing
    retried, so the reporter never heard it. Found by a second reading."""
    chat = 737302
    linked = await citizen_bot.link_chat(ctx, user_id=chat, chat_id=chat, language="ru")
    partner_id = await citizen_bot.bot_partner_id(ctx)
    long_message = ("Ваш велосипед найден 🚲. " * 220)[:4900]
    async with ctx.sessions() as session:
        citizen = await session.get(Citizen, linked.citizen_id)
        report = await make_report(session, status=Status.IN_PROGRESS, citizen=citizen, category="theft",
                                   partner_id=partner_id)
        await reports.add_staff_comment(session, report, long_message, By(Actor.DISPATCHER, str(uuid.uuid4()),
                                                                          "console"), public=True)
        await session.commit()
        (message,) = await reports.events(session, report.id, public_only=False)
    assert await notify_report_event(ctx, report, message) is True
    told = (await citizen_tg.wait_for_message_async(chat)).text or ""
    assert report.number in told and told.endswith("…") and len(told.encode("utf-16-le")) <= 2 * 4096
