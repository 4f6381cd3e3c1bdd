"""One partner whose endpoint hangs does not hold up the other partners' webhooks.

The webhook client has one pool of 100 connections per process, shared by every partner, and the 10 s an answer may
take counted the wait for a connection too. A backlog of a hanging partner's retries (the sweeper claims up to 500
a chunk) took all 100 connections for 10 s each time: another partner's webhook, in that chunk or sent meanwhile by
its event's own task, waited for a connection, was never sent, and was recorded as its own receiver's "no answer
within 10 s", a failed attempt and a late event. Now a partner has at most `PER_PARTNER` webhooks in flight per
process, and once one of a chunk's webhooks to it got no answer its others in that chunk are not sent this time.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.notifications import delivery, webhook_sends, webhooks
from backend.notifications.fanout import insert_deliveries
from backend.notifications.models import Delivery
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.notifications.conftest import BOTH_DBS, new_report
from tests.notifications.test_delivery_edge_cases import fan_out
from tests.notifications.test_retry_after import the_row
from tests.notifications.test_webhooks import partner_with_webhook

pytestmark = pytest.mark.anyio
BACKLOG = 150  # more than the client's 100 connections


class Hanging:
    """A receiver that takes connections and requests and never answers (until the test ends)."""

    def __init__(self) -> None:
        self.requests = 0
        self._stop = asyncio.Event()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.requests += 1
            await self._stop.wait()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def stop(self) -> None:
        self._stop.set()


@pytest.fixture
async def hanging() -> AsyncIterator[tuple[Hanging, str]]:
    server = Hanging()
    listener = await asyncio.start_server(server.serve, "127.0.0.1", 0)
    try:
        yield server, f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}/zan"
    finally:
        server.stop()
        listener.close()


async def _backlog(ctx: Context, url: str) -> uuid.UUID:
    """A partner at `url` with BACKLOG webhooks due (retries piled up while it hangs); its id."""
    partner = await partner_with_webhook(ctx, url)
    _event, key = await fan_out(ctx, await new_report(ctx, partner_id=partner))
    first = await the_row(ctx, key)
    async with ctx.sessions() as session:
        await insert_deliveries(session, [
            {"dedupe_key": f"backlog:{n}", "event_key": f"backlog:{n}", "kind": "webhook", "partner_id": partner,
             "max_attempts": first.max_attempts, "payload": {**first.payload, "event_id": str(uuid.uuid4())}}
            for n in range(BACKLOG - 1)])
        await session.commit()
    return partner


async def _stuck_rows(ctx: Context, partner: uuid.UUID) -> list[Delivery]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(Delivery).where(col(Delivery.partner_id) == partner)))


async def test_another_partners_event_is_sent_while_a_hanging_partners_backlog_is(
    ctx: Context, webhook_receiver: WebhookReceiver, hanging: tuple[Hanging, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhooks, "TIMEOUT_S", 0.5)  # the 10 s of production, shortened for the test
    ctx.settings = ctx.settings.with_(enable_routing=False)
    server, url = hanging
    stuck = await _backlog(ctx, url)
    fine_partner = await partner_with_webhook(ctx, webhook_receiver.url("/ok"))
    sweep = asyncio.create_task(delivery.deliver_pending(ctx, event_key=None))  # the sweeper takes the backlog
    try:
        for _ in range(100):
            if server.requests:
                break
            await asyncio.sleep(0.01)
        # meanwhile another partner's citizen's report changes, and its event's task sends the webhook
        _event, fine_key = await fan_out(ctx, await new_report(ctx, partner_id=fine_partner))
        await delivery.deliver_pending(ctx, event_key=fine_key)
        await asyncio.wait_for(sweep, 10)
    finally:
        server.stop()
        await asyncio.gather(sweep, return_exceptions=True)

    fine = await the_row(ctx, fine_key)
    assert (fine.status, fine.last_error) == ("sent", None)
    assert [d.path for d in webhook_receiver.deliveries] == ["/ok"]
    rows = await _stuck_rows(ctx, stuck)
    assert len(rows) == BACKLOG and {(r.status, r.attempts) for r in rows} == {("pending", 1)}
    assert server.requests <= getattr(webhook_sends, "PER_PARTNER", 100)


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_a_chunk_with_a_hanging_partners_backlog_still_sends_the_others(
    ctx: Context, webhook_receiver: WebhookReceiver, hanging: tuple[Hanging, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever order the claim returns the rows in (PostgreSQL's RETURNING keeps none)."""
    monkeypatch.setattr(webhooks, "TIMEOUT_S", 0.3)
    ctx.settings = ctx.settings.with_(enable_routing=False)
    server, url = hanging
    stuck = await _backlog(ctx, url)
    _event, fine_key = await fan_out(ctx, await new_report(
        ctx, partner_id=await partner_with_webhook(ctx, webhook_receiver.url("/ok"))))
    try:
        await asyncio.wait_for(delivery.deliver_pending(ctx, event_key=None), 10)  # the sweeper's way
    finally:
        server.stop()

    assert (await the_row(ctx, fine_key)).status == "sent"
    assert [d.path for d in webhook_receiver.deliveries] == ["/ok"]
    assert {(r.status, r.attempts) for r in await _stuck_rows(ctx, stuck)} == {("pending", 1)}
    assert server.requests <= getattr(webhook_sends, "PER_PARTNER", 100)
