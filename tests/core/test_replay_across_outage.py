# ruff: noqa: F811  (the `proxied` fixture is imported from tests/core/test_outage.py and taken as a parameter)
"""A signed partner request that may change something is admitted once, also when Redis flaps: a signature
claimed in the database during an outage is not admitted again by Redis after it, and with Redis up the nonce table
is not touched at all. A replay into an outage is admitted (refusing requests in flight would refuse citizens) and
changes nothing (backend/partners/admission.py). Reads are not claimed at all."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from typing import Any

import httpx
import msgspec
import pytest
from redis.asyncio import Redis
from sqlalchemy import event, func, insert, select

from backend.context import Context
from backend.lib.clock import utcnow
from backend.partners import admission
from backend.partners.models import RequestNonce
from backend.partners.service import create as create_partner
from backend.reports.models import Report
from tests.conftest import REDIS_URL
from tests.core.test_outage import proxied  # noqa: F401  (fixture: the app with Redis behind a proxy we can cut)
from tests.fakes.tcp_proxy import TcpProxy
from tests.helpers import PartnerClient, make_iin, serving

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("quick_queue_retries")]
PATH = "/api/v1/reports"
Proxied = tuple[Context, TcpProxy, httpx.AsyncClient]


class Signed(msgspec.Struct):
    """One signed request, built once: sending it again sends the very same bytes, as a replaying attacker does."""

    method: str
    path: str
    body: bytes
    headers: dict[str, str]

    async def send(self, http: httpx.AsyncClient) -> httpx.Response:
        return await http.request(self.method, self.path, content=self.body, headers=self.headers)


def nothing() -> str:
    """A request that is claimed against replay (reads are not) and changes nothing: a withdrawal of a report that
    does not exist, admitted and answered 404."""
    return f"{PATH}/{uuid.uuid4()}/withdraw"


ADMITTED = 404  # what an admitted `nothing()` is answered


def signed(client: PartnerClient, method: str = "POST", path: str | None = None, json: Any = None, *,
           ts: int | None = None, headers: dict[str, str] | None = None) -> Signed:
    path = path or nothing()
    body = msgspec.json.encode(json) if json is not None else b""
    signed_headers = client.headers(method, path, body, ts=ts)
    if body:
        signed_headers["Content-Type"] = "application/json"
    return Signed(method, path, body, {**signed_headers, **(headers or {})})


def report(client: PartnerClient, text: str) -> Signed:
    """A new report signed now, under a fresh Idempotency-Key (so never the bytes of an earlier request)."""
    body = {"text": text, "location": {"lat": 51.1605, "lon": 71.4704, "accuracy_m": 15}}
    return signed(client, "POST", PATH, body, ts=int(time.time()), headers={"Idempotency-Key": str(uuid.uuid4())})


async def next_second() -> None:
    """X-Timestamp is in whole seconds: the same request signed twice within one second is the same signature, and
    the second would be refused as a replay of the first. Waiting for the next second makes it a new request."""
    await asyncio.sleep(1.01 - time.time() % 1)


async def client_of(ctx: Context, http: httpx.AsyncClient) -> PartnerClient:
    async with ctx.sessions() as session:
        partner = await create_partner(session=session, secret_key=ctx.settings.secret_key,
                                       name=f"halyk-{uuid.uuid4().hex[:6]}")
    return PartnerClient(http, str(partner.id), partner.secret, make_iin(7))


async def notice_the_outage(client: PartnerClient) -> None:
    """Any signed request makes the app try Redis and fail over to the database."""
    await client.post(nothing())
    await next_second()


async def admitted_during_outage(proxy: TcpProxy, client: PartnerClient, http: httpx.AsyncClient) -> Signed:
    """Redis cut, the app fallen back: a request admitted through the database alone."""
    await proxy.cut()
    await notice_the_outage(client)
    during = signed(client)
    assert (await during.send(http)).status_code == ADMITTED
    return during


@contextmanager
def statements(ctx: Context) -> Iterator[list[str]]:
    """Every SQL statement the app sends while inside."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(ctx.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(ctx.engine.sync_engine, "before_cursor_execute", record)


async def count_reports(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Report)) or 0)


async def nonce_rows(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(RequestNonce)) or 0)


@asynccontextmanager
async def direct_redis() -> AsyncIterator[Redis]:
    """Redis itself, not through the proxy: what is in it whatever the app can reach."""
    client = Redis.from_url(REDIS_URL)
    try:
        yield client
    finally:
        await client.aclose()


async def test_a_report_replayed_into_a_redis_outage_creates_nothing(proxied: Proxied) -> None:
    """Claimed in Redis just before the outage, the signature is not in the database: the replay is admitted, on
    purpose (the citizens' own requests in flight then must not be refused), and its Idempotency-Key answers it."""
    ctx, proxy, http = proxied
    client = await client_of(ctx, http)
    before = report(client, "Во дворе на Кенесары 40 дерутся")
    created = await before.send(http)
    assert created.status_code == 201, created.text

    await proxy.cut()
    replayed = await before.send(http)
    assert replayed.status_code == 201 and replayed.json()["id"] == created.json()["id"], replayed.text
    assert await count_reports(ctx) == 1
    # a request in flight at the outage's start is registered: nothing a citizen sends is lost to it
    assert (await report(client, "Redis не отвечает, а у подъезда драка").send(http)).status_code == 201
    assert await count_reports(ctx) == 2


async def test_a_request_admitted_during_a_redis_outage_is_not_admitted_again_after_it(proxied: Proxied) -> None:
    ctx, proxy, http = proxied
    client = await client_of(ctx, http)
    during = await admitted_during_outage(proxy, client, http)

    await proxy.restore()
    replayed = await during.send(http)
    assert replayed.status_code == 401, replayed.text
    assert replayed.json()["code"] == "auth.replayed"


async def test_after_an_outage_the_databases_unexpired_nonces_are_in_redis(proxied: Proxied) -> None:
    ctx, proxy, http = proxied
    client = await client_of(ctx, http)
    during = await admitted_during_outage(proxy, client, http)
    # the table is shared: rows another API process wrote during the outage, one of them already expired
    others, expired = uuid.uuid4().hex + uuid.uuid4().hex, uuid.uuid4().hex + uuid.uuid4().hex
    async with ctx.sessions() as session:
        session.add_all([RequestNonce(signature=others, partner_id=uuid.UUID(client.partner_id),
                                      expires_at=utcnow() + timedelta(seconds=100)),
                         RequestNonce(signature=expired, partner_id=uuid.UUID(client.partner_id),
                                      expires_at=utcnow() - timedelta(seconds=10))])
        await session.commit()

    await proxy.restore()
    await next_second()
    assert (await report(client, "После сбоя: на перекрёстке сбили пешехода").send(http)).status_code == 201
    async with direct_redis() as redis:
        during_ttl = await redis.pttl(ctx.keys("nonce", during.headers["X-Signature"]))
        others_ttl = await redis.pttl(ctx.keys("nonce", others))
        assert 0 < during_ttl <= ctx.settings.signature_max_skew_s * 2 * 1000, during_ttl
        assert 0 < others_ttl <= 100_000, others_ttl  # for the rest of its life in the database, no longer
        assert not await redis.exists(ctx.keys("nonce", expired))

    # recovered: a new request goes through Redis alone again
    rows = await nonce_rows(ctx)
    with statements(ctx) as sql:
        assert (await signed(client).send(http)).status_code == ADMITTED
    assert not [s for s in sql if "request_nonces" in s], sql
    assert await nonce_rows(ctx) == rows


async def test_requests_admitted_while_the_copy_runs_are_in_redis_too(proxied: Proxied,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A long outage leaves many nonces to copy; the requests the recovering process admits meanwhile, each in some
    state of the copy, all end up claimed in Redis, so none can be replayed through it."""
    # What puts the burst in every state of the copy is the number of its batches (each a database read and a Redis
    # pipeline that the burst's requests interleave with), not their size: 20 batches of 50 nonces, as production's
    # 20 batches of 1000, without writing and copying 20,000 rows
    monkeypatch.setattr(admission, "_COPY_BATCH", 50)  # production: 1000
    ctx, proxy, http = proxied
    client = await client_of(ctx, http)
    await proxy.cut()
    await notice_the_outage(client)
    async with ctx.sessions() as session:
        expires = utcnow() + timedelta(seconds=500)
        await session.execute(insert(RequestNonce), [  # type: ignore[arg-type]
            {"signature": uuid.uuid4().hex * 2, "partner_id": uuid.UUID(client.partner_id), "expires_at": expires}
            for _ in range(20 * admission._COPY_BATCH)])
        await session.commit()

    await proxy.restore()
    now = int(time.time())
    burst = [signed(client, ts=now) for _ in range(30)]  # each its own path, so its own signature
    answers = await asyncio.gather(*(request.send(http) for request in burst))
    assert [a.status_code for a in answers] == [ADMITTED] * len(burst), \
        [a.text for a in answers if a.status_code != ADMITTED]
    # On a loaded machine the first probe after the restore can still fail (a pooled connection the cut left
    # behind, a ping past its 1 s timeout), and then the whole burst is admitted through the database alone, as in
    # the outage. What must hold either way: once the process has recovered, none of the burst is missing from Redis.
    await next_second()
    assert (await signed(client).send(http)).status_code == ADMITTED
    async with direct_redis() as redis:
        missing = [n for n, request in enumerate(burst)
                   if not await redis.exists(ctx.keys("nonce", request.headers["X-Signature"]))]
    assert not missing, missing


async def test_another_process_refuses_a_replay_once_the_first_recovered_one_has_copied(proxied: Proxied) -> None:
    """The process that recovers first copies every process's database nonces: another replica, one that never
    noticed the outage (it reaches Redis directly), refuses the replay through Redis."""
    ctx, proxy, http = proxied
    client = await client_of(ctx, http)
    during = await admitted_during_outage(proxy, client, http)

    await proxy.restore()
    await next_second()
    # this process recovers (and copies) on its next request
    assert (await signed(client).send(http)).status_code == ADMITTED
    async with serving(ctx.settings.with_(redis_url=REDIS_URL)) as (_, other):
        replayed = await during.send(other)
    assert replayed.status_code == 401 and replayed.json()["code"] == "auth.replayed", replayed.text


async def test_with_redis_up_admission_does_not_touch_the_database(proxied: Proxied) -> None:
    ctx, _, http = proxied
    client = await client_of(ctx, http)
    assert (await client.get(PATH)).status_code == 200  # warms the partner's key cache
    once = signed(client)
    with statements(ctx) as sql:
        assert (await once.send(http)).status_code == ADMITTED
        assert (await report(client, "Шумят соседи сверху").send(http)).status_code == 201
        assert (await once.send(http)).json()["code"] == "auth.replayed"
    assert sql, "the listener saw nothing: it would not see nonce statements either"
    assert not [s for s in sql if "request_nonces" in s], sql
    assert await nonce_rows(ctx) == 0


async def test_a_read_sent_twice_is_answered_twice_in_and_out_of_an_outage(proxied: Proxied) -> None:
    """A read's signature is not claimed, in Redis or in the database fallback: the same GET within a second (a
    refresh, a retry after a timeout) is answered, and leaves no nonce behind."""
    ctx, proxy, http = proxied
    client = await client_of(ctx, http)
    up = signed(client, "GET", PATH)
    assert [(await up.send(http)).status_code for _ in range(2)] == [200, 200]
    await proxy.cut()
    await notice_the_outage(client)
    rows = await nonce_rows(ctx)
    down = signed(client, "GET", PATH)
    assert [(await down.send(http)).status_code for _ in range(2)] == [200, 200]
    assert await nonce_rows(ctx) == rows
    async with direct_redis() as redis:
        assert not await redis.exists(ctx.keys("nonce", up.headers["X-Signature"]))
