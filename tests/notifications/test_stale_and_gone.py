"""What a citizen and a partner app are no longer told: a push still queued when its citizen withdrew the report,
an event the partner's receiver answered 410 Gone; and a receiver that never finishes its answer holds nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select, update

from backend.context import Context
from backend.lib.clock import utcnow
from backend.notifications import delivery, webhooks
from backend.notifications.models import Delivery
from backend.notifications.webhook_target import webhook_client
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Action, Actor
from tests.fakes.fcm import FakeFCM, registration_token
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.helpers import PartnerClient, eventually
from tests.notifications.conftest import BOTH_DBS, act, citizen_devices, drain, new_report
from tests.notifications.test_webhooks import partner_with_webhook

pytestmark = pytest.mark.anyio


async def _queued(ctx: Context) -> bool:
    async with ctx.sessions() as session:
        row = await session.scalar(select(Delivery).where(Delivery.kind == "push"))  # type: ignore[arg-type]
    return row is not None and row.status == "pending" and row.attempts >= 1


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_a_push_queued_when_the_citizen_withdrew_is_not_sent_after(ctx: Context, fcm: FakeFCM,
                                                                         citizen: PartnerClient) -> None:
    token = registration_token("withdrawn")
    assert (await citizen.post("/api/v1/devices", {"platform": "android", "token": token})).status_code == 200
    fcm.set_behaviour(token, "quota", retry_after=600)  # FCM throttles: "registered" waits for its next attempt
    report = (await citizen.submit()).json()
    await eventually(lambda: _queued(ctx))
    withdrawn = await citizen.post(f"/api/v1/reports/{report['id']}/withdraw", {"reason": "Сам разобрался"})
    assert withdrawn.status_code == 200, withdrawn.text

    fcm.reset()  # FCM takes messages again and the queued push comes due
    async with ctx.sessions() as session:
        await session.execute(update(Delivery).values(next_attempt_at=utcnow()))
        await session.commit()
    await delivery.deliver_pending(ctx, event_key=None)
    assert fcm.pushes_to(token) == []  # not "your report was registered" after they took it back
    async with ctx.sessions() as session:
        (row,) = list(await session.scalars(select(Delivery).where(Delivery.kind == "push")))  # type: ignore[arg-type]
    assert row.status == "dropped"


async def test_an_event_answered_410_gone_is_dropped_not_retried(ctx: Context,
                                                                 webhook_receiver: WebhookReceiver) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False)
    partner_id = await partner_with_webhook(ctx, webhook_receiver.url("/zan/events"))
    report = await new_report(ctx, partner_id=partner_id)
    webhook_receiver.fail_next(1, status=410)  # the partner: this citizen's account is gone on our side
    await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx)

    (answered,) = webhook_receiver.deliveries
    assert answered.answered_status == 410
    async with ctx.sessions() as session:
        (row,) = list(await session.scalars(select(Delivery)))
    # not retried for a day, and no dead letter paging the operators (`zan_dead_letters{queue="webhook"}`)
    assert (row.status, row.attempts, row.last_error) == ("dropped", 1, "HTTP 410")


def _trickling(stop: asyncio.Event) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    """A receiver that reads the request, then dribbles its status line a byte at a time, each within httpx's
    read timeout, until `stop`."""
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        try:
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 1000:
                if stop.is_set():
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.05)
        except ConnectionError:
            pass
        finally:
            writer.close()

    return answer


async def test_a_receiver_that_never_finishes_its_answer_gives_up_the_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhooks, "TIMEOUT_S", 0.3)  # the 10 s of production, shortened for the test
    stop = asyncio.Event()
    server = await asyncio.start_server(_trickling(stop), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = webhook_client(allow_private=True)
    try:
        # before: each byte reset httpx's read timeout, and the send (with its whole chunk) waited ~50 s
        result = await asyncio.wait_for(
            webhooks.post(client, f"http://127.0.0.1:{port}/zan/events", "secret", str(uuid.uuid4()), b"{}"), 3)
    finally:
        stop.set()
        await client.aclose()
        server.close()
        await server.wait_closed()
    assert not result.ok and result.status is None and not result.permanent  # retried later, like a timeout


async def test_each_event_is_told_with_the_status_it_left_not_the_latest(
        ctx: Context, fcm: FakeFCM, webhook_receiver: WebhookReceiver) -> None:
    partner_id = await partner_with_webhook(ctx, webhook_receiver.url("/zan/events"))
    report = await new_report(ctx, partner_id=partner_id, category="theft")
    (phone,) = [str(d.token) for d in await citizen_devices(ctx, report, ["kk"])]
    # two steps before the fan-out of the first runs (one transaction here; a queue running behind does the same)
    assigned, closed = await act(ctx, report.id, Action.ASSIGN, Action.CLOSE_UNFOUNDED,
                                 by=By(Actor.DISPATCHER, str(uuid.uuid4()), "console"))
    await drain(ctx)

    told = {d.json()["event_id"]: d.json() for d in webhook_receiver.deliveries}
    assert (told[str(assigned.id)]["status"], told[str(assigned.id)]["status_name"]["kk"]) == ("under_review",
                                                                                              "Қаралуда")
    assert told[str(closed.id)]["status"] == "closed"
    pushed = {p.message["data"]["event_id"]: p.message["data"]["citizen_status"] for p in fcm.pushes_to(phone)}
    assert pushed == {str(assigned.id): "under_review", str(closed.id): "closed"}


async def test_a_token_refresh_that_names_no_language_keeps_the_phones_language(
        ctx: Context, fcm: FakeFCM, citizen: PartnerClient) -> None:
    old, new = registration_token("kk-before"), registration_token("kk-after")
    first = await citizen.post("/api/v1/devices", {"platform": "android", "token": old, "language": "kk"})
    assert first.status_code == 200, first.text
    # the app's onNewToken handler, relayed by the partner's server without the citizen's Accept-Language
    refreshed = await citizen.post("/api/v1/devices", {"platform": "android", "token": new, "replaces": old},
                                   headers={"Accept-Language": ""})
    assert refreshed.status_code == 200, refreshed.text
    assert (refreshed.json()["id"], refreshed.json()["language"]) == (first.json()["id"], "kk")
    report = (await citizen.submit()).json()
    await drain(ctx)
    async with ctx.sessions() as session:  # routing filed it under an ordinary category: pushes show their words
        row = await session.get(Report, uuid.UUID(report["id"]))
        assert row is not None
        row.category = "theft"
        await session.commit()
    await act(ctx, row.id, Action.ASSIGN)
    await drain(ctx)
    (told,) = [push for push in fcm.pushes_to(new) if "notification" in push.message]
    assert told.message["notification"] == {"title": f"Өтініш {report['number']}",
                                            "body": "Өтініш бөлімшеге жіберілді."}
