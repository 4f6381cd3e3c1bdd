"""A Redis that takes the connection and never answers (a hung server, a proxy in front of a host that is gone). SAQ
builds its own Redis client without a socket timeout, so every queue command waited for ever: the worker's dequeue,
its cron scheduling, and the relay's hand-out, which in the API process also held its shutdown. Each is bounded now;
a citizen's report is stored and answered, and its work waits in the outbox, not in a hung hand-out.

The bounds below are generous limits against a hang, not timings."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from backend.app import create_app
from backend.context import Context, build_context
from backend.jobs import saq, service
from backend.jobs.models import OutboxTask
from backend.jobs.relay import Relay
from backend.jobs.saq import make_worker
from backend.lib import redis as redis_lib
from backend.lib.redis import UNAVAILABLE
from backend.partners.service import create
from tests.conftest import _truncate, make_settings
from tests.helpers import PartnerClient, eventually, make_iin

pytestmark = pytest.mark.anyio

HANG_BOUND_S = 45.0  # far above the queue's read timeout (1 s here, 10 s in production): only a hang reaches it


@pytest.fixture(autouse=True)
def quick_read_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue client's read timeout is the dequeue's blocking time (SAQ_POLL_S) and QUEUE_READ_SLACK_S: 10 s in
    production, waited out by every command sent to the silent server (the hand-out, the dequeue, the cron's
    scheduling, and at the end the client's closing). What is proven is that each command ends at all instead of
    waiting for ever (HANG_BOUND_S), which a 1 s bound proves as well: the server never answers, so no timeout is too
    short for it. The dequeue still blocks for less than the read timeout, as in production. Autouse, so set before
    the fixtures build the queue's client."""
    monkeypatch.setattr(saq, "SAQ_POLL_S", 0.5)  # production: 5 s (backend/health/workers.py, imported by name)
    monkeypatch.setattr(redis_lib, "QUEUE_READ_SLACK_S", 0.5)  # production: 5 s


@pytest.fixture
async def silent_redis() -> AsyncIterator[str]:
    """A Redis address that accepts connections, reads what is sent, and never says a word."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        while await reader.read(65536):  # swallowed: no answer ever comes
            pass

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"redis://127.0.0.1:{port}/0"
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


@pytest.fixture
async def silent_ctx(pg_url: str, tmp_path: Path, silent_redis: str) -> AsyncIterator[Context]:
    ctx = build_context(make_settings(pg_url, tmp_path, redis_url=silent_redis, queue="saq", relay_interval_s=0.1),
                        null_pool=True)
    await _truncate(ctx)
    try:
        yield ctx
    finally:
        await asyncio.wait_for(ctx.close(), HANG_BOUND_S)


async def _task(ctx: Context, key: str) -> OutboxTask | None:
    async with ctx.sessions() as session:
        row: OutboxTask | None = await session.scalar(
            select(OutboxTask).where(OutboxTask.dedupe_key == key))  # type: ignore[arg-type]
    return row


async def test_the_relay_gives_a_silent_queue_up_and_keeps_the_task(silent_ctx: Context) -> None:
    async with silent_ctx.sessions() as session:
        await service.enqueue(session, "notifications.deliver", {"event_key": "silent"}, dedupe_key="silent:1")
        await session.commit()
    relay = Relay(silent_ctx)
    # it used to wait for Redis's answer for ever, holding every task behind this one
    assert await asyncio.wait_for(relay.run_once(), HANG_BOUND_S) == 0
    row = await _task(silent_ctx, "silent:1")
    assert row is not None and (row.status, row.attempts) == ("pending", 0)  # back in the outbox, no attempt spent


async def test_the_worker_dequeue_and_cron_give_a_silent_redis_up(silent_ctx: Context) -> None:
    worker = make_worker(silent_ctx, concurrency=1)
    # a dequeue that failed: SAQ logs it and its next one connects anew (once Redis is back, it works again)
    assert await asyncio.wait_for(worker.process(), HANG_BOUND_S) is True
    assert worker.active_at is None  # no progress recorded: /health reports the consumer as not moving
    with pytest.raises(UNAVAILABLE):  # the cron's scheduling, which SAQ's upkeep loop tries again
        await asyncio.wait_for(worker.schedule(), HANG_BOUND_S)


async def test_a_report_is_answered_and_its_work_kept_while_redis_is_silent(silent_ctx: Context) -> None:
    async with silent_ctx.sessions() as session:
        partner = await create(session=session, secret_key=silent_ctx.settings.secret_key,
                               name=f"egov-{uuid.uuid4().hex[:6]}")
    app = create_app(ctx=silent_ctx)
    # the bound covers the shutdown too: the relay stops once its pass ends, and a hand-out that never ended held the
    # API's shutdown for ever
    async with asyncio.timeout(2 * HANG_BOUND_S), app.lifespan(), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://zan.test") as http:
        citizen = PartnerClient(http, str(partner.id), partner.secret, make_iin(5))
        response = await citizen.submit("Во дворе на Абая 12 разбили окно машины")
        assert response.status_code == 201, response.text
        report_id = response.json()["id"]

        async def handed_back() -> bool:  # the relay gave the queue up: back in the outbox, no attempt spent
            row = await _task(silent_ctx, f"route:{report_id}")
            assert row is not None and row.attempts == 0
            return row.status == "pending" and row.updated_at > row.created_at

        await eventually(handed_back, timeout=HANG_BOUND_S)
