# ruff: noqa: F811  (the `blocker` fixture is imported from tests/faults/test_pg_killed.py and taken as a parameter)
"""A signed partner request that the database could not carry out (503 `database.unavailable`: nothing of it was
kept) does not use up its signature: the very same bytes and headers, sent again, are admitted and stored once. The
signature's claim is released in the store that took it: Redis, the nonce table (no Redis configured), or the nonce
table while Redis is down. Every other answer keeps the signature used.

The database is lost the way tests/faults/test_pg_killed.py loses it: the request's backend is terminated while it
waits at a row lock the test holds, or every connection to PostgreSQL is refused through a loopback proxy."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.partners.models import RequestNonce
from backend.partners.service import create
from backend.reports.models import Report
from tests.conftest import REDIS_URL, _clean_redis, _truncate, make_settings
from tests.fakes.tcp_proxy import TcpProxy
from tests.faults.test_pg_killed import Blocker, blocker  # noqa: F401  (fixture)
from tests.helpers import PartnerClient, make_iin, serving

pytestmark = pytest.mark.anyio
PATH = "/api/v1/reports"


@pytest.fixture
def db_url(pg_url: str) -> str:
    return pg_url


@pytest.fixture(params=["redis", "database", "redis-down"])
async def app(request: pytest.FixtureRequest, ctx: Context,
              tmp_path: Path) -> AsyncIterator[tuple[Context, PartnerClient]]:
    """An API process on the test's database whose nonces go to Redis, to the database (no Redis configured), or to
    the database because Redis, configured, does not answer (its proxy is cut)."""
    host, port = REDIS_URL.split("//", 1)[1].split("/", 1)[0].split(":")
    proxy = TcpProxy(host, int(port))
    address = await proxy.start()
    redis_url = {"redis": REDIS_URL, "database": None, "redis-down": f"redis://{address}/0"}[request.param]
    settings = make_settings(ctx.settings.database_url, tmp_path, redis_url=redis_url)
    try:
        async with serving(settings) as (served, http):
            async with served.sessions() as session:
                partner = await create(session=session, secret_key=served.settings.secret_key,
                                       name=f"egov-{uuid.uuid4().hex[:6]}")
            citizen = PartnerClient(http, str(partner.id), partner.secret, make_iin(6))
            # the year's counter row exists, the partner and the citizen are cached: the request below reaches the
            # counter's lock with its signature already claimed
            assert (await citizen.submit("Сосед шумит по ночам, Кенесары 40")).status_code == 201
            if request.param == "redis-down":
                await proxy.cut()
            yield served, citizen
    finally:
        await proxy.close()
        await _clean_redis(settings.redis_prefix)


def _signed(citizen: PartnerClient, text: str) -> tuple[bytes, dict[str, str]]:
    """One report's exact bytes and headers, which a client retrying raw (or within the same second) sends again."""
    body = msgspec.json.encode({"text": text, "location": {"lat": 51.16, "lon": 71.47}})
    headers = citizen.headers("POST", PATH, body)
    headers.update({"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"})
    return body, headers


async def _reports(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Report)) or 0)


async def test_the_same_signed_request_is_admitted_again_after_its_database_was_lost(
        app: tuple[Context, PartnerClient], blocker: Blocker) -> None:
    ctx, citizen = app
    body, headers = _signed(citizen, "Во дворе дома на Кенесары 40 разбили окно машины")
    send = citizen.http.post(PATH, content=body, headers=headers)
    lost = await blocker.killed_while_held("SELECT value FROM report_counters FOR UPDATE", (), send)
    assert lost.status_code == 503 and lost.json()["code"] == "database.unavailable", lost.text
    assert await _reports(ctx) == 1

    retried = await citizen.http.post(PATH, content=body, headers=headers)
    assert retried.status_code == 201, retried.text  # before: 401 auth.replayed, although nothing was kept
    assert await _reports(ctx) == 2
    # stored, so used up now: replay protection holds as before
    replayed = await citizen.http.post(PATH, content=body, headers=headers)
    assert replayed.status_code == 401 and replayed.json()["code"] == "auth.replayed"
    assert await _reports(ctx) == 2


async def test_a_request_refused_for_what_it_asked_keeps_its_signature_used(
        app: tuple[Context, PartnerClient]) -> None:
    ctx, citizen = app
    body = b'{"text":"","location":{"lat":51.16,"lon":71.47}}'  # 422: no text
    headers = citizen.headers("POST", PATH, body)
    headers.update({"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"})
    refused = await citizen.http.post(PATH, content=body, headers=headers)
    assert refused.status_code == 422, refused.text
    replayed = await citizen.http.post(PATH, content=body, headers=headers)
    assert replayed.status_code == 401 and replayed.json()["code"] == "auth.replayed"
    missing = f"{PATH}/{uuid.uuid4()}/withdraw"  # 404: no such report
    withdraw = msgspec.json.encode({"reason": "Нашёлся"})
    headers = {**citizen.headers("POST", missing, withdraw), "Content-Type": "application/json"}
    assert (await citizen.http.post(missing, content=withdraw, headers=headers)).status_code == 404
    replayed = await citizen.http.post(missing, content=withdraw, headers=headers)
    assert replayed.status_code == 401 and replayed.json()["code"] == "auth.replayed"
    assert await _reports(ctx) == 1


async def test_a_signed_request_refused_by_a_database_that_is_down_goes_through_sent_again(
        pg_url: str, tmp_path: Path) -> None:
    """PostgreSQL refuses every connection after the signature was claimed in Redis (the partner and the citizen
    are cached, so the claim is the first thing the request does): the same bytes sent once it is back are kept."""
    proxy = TcpProxy("127.0.0.1", 5432)
    address = await proxy.start()
    settings = make_settings(pg_url.replace("127.0.0.1:5432", address), tmp_path, redis_url=REDIS_URL,
                             enable_relay=False)
    try:
        async with serving(settings) as (ctx, http):
            await _truncate(ctx)
            async with ctx.sessions() as session:
                partner = await create(session=session, secret_key=ctx.settings.secret_key, name="egov-refused")
            citizen = PartnerClient(http, str(partner.id), partner.secret, make_iin(7))
            assert (await citizen.submit("Сосед шумит по ночам, Кенесары 40")).status_code == 201
            body, headers = _signed(citizen, "Во дворе дома на Кенесары 40 разбили окно машины")
            await proxy.cut()
            refused = await citizen.http.post(PATH, content=body, headers=headers)
            assert refused.status_code == 503 and refused.json()["code"] == "database.unavailable", refused.text
            await proxy.restore()
            stored = await citizen.http.post(PATH, content=body, headers=headers)
            assert stored.status_code == 201, stored.text  # before: 401 auth.replayed
            replayed = await citizen.http.post(PATH, content=body, headers=headers)
            assert replayed.status_code == 401 and replayed.json()["code"] == "auth.replayed"
            async with ctx.sessions() as session:
                assert await session.scalar(select(func.count()).select_from(Report)) == 2
                assert await session.scalar(select(func.count()).select_from(RequestNonce)) == 0  # Redis held them
    finally:
        await proxy.close()
        await _clean_redis(settings.redis_prefix)
