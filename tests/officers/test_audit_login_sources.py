"""Failed logins are counted per source: an IPv6 client's whole /64 (its provider hands it the prefix and it sends from
any address in it), and an IPv4 client the same whether it shows as a.b.c.d or as ::ffff:a.b.c.d. Counted per
IPv6 address, a guesser trying one password across the roster got ZAN_LOGIN_FAILURES_PER_IP tries from each of 2^64
addresses of one prefix: no limit at all."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace

import httpx
import pytest

from backend.app import create_app
from backend.context import Context
from backend.officers import ratelimit
from tests.officers.factories import make_officer

pytestmark = pytest.mark.anyio

LOGIN = "/api/v1/officer/auth/login"
From = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def db_url(request: pytest.FixtureRequest) -> str:
    """Counting does not depend on the database: PostgreSQL only."""
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def client_from(ctx: Context) -> AsyncIterator[From]:
    """Clients of one running app, each calling from the address it is given."""
    app = create_app(ctx=ctx)

    @asynccontextmanager
    async def from_address(address: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://zan.test") as client:
            yield client

    async with app.lifespan():
        yield from_address


async def _spray(ctx: Context, client_from: From, addresses: list[str], last: str) -> int:
    """One wrong password for a new badge from each of `addresses`, then the right one of another officer from
    `last`: the status that right password gets (429 once the source is over its limit)."""
    ctx.settings = replace(ctx.settings, login_failures_per_ip=3)
    for address in addresses:
        victim, _ = await make_officer(ctx)
        async with client_from(address) as client:
            wrong = await client.post(LOGIN, json={"badge_number": victim.badge_number, "password": "Spring-2026!",
                                                   "device_id": "tab-spray"})
        assert wrong.status_code == 401, (address, wrong.text)
    officer, password = await make_officer(ctx)
    async with client_from(last) as client:
        right = await client.post(LOGIN, json={"badge_number": officer.badge_number, "password": password,
                                               "device_id": f"tab-{officer.badge_number}"})
    return right.status_code


async def test_one_ipv6_prefix_is_one_source(ctx: Context, client_from: From) -> None:
    prefix = "2001:db8:4a:7"
    status = await _spray(ctx, client_from, [f"{prefix}::a1", f"{prefix}:1:2:3:4", f"{prefix}::ffff:9"],
                          last=f"{prefix}::77")
    assert status == 429


@pytest.mark.redis
async def test_one_ipv6_prefix_is_one_source_in_redis(ctx: Context, client_from: From) -> None:
    assert ctx.redis is not None
    prefix = "2001:db8:4a:8"
    status = await _spray(ctx, client_from, [f"{prefix}::b1", f"{prefix}::b2", f"{prefix}::b3"], last=f"{prefix}::b4")
    assert status == 429
    assert int(await ctx.redis.get(ctx.keys("login-fail", "ip", f"{prefix}::/64")) or 0) == 4


async def test_ipv4_is_one_source_however_it_is_written(ctx: Context, client_from: From) -> None:
    status = await _spray(ctx, client_from, ["198.51.100.7", "::ffff:198.51.100.7", "::FFFF:c633:6407"],
                          last="198.51.100.7")
    assert status == 429


async def test_another_prefix_or_address_is_another_source(ctx: Context, client_from: From) -> None:
    status = await _spray(ctx, client_from, ["2001:db8:4a:9::1", "2001:db8:4a:9::2", "2001:db8:4a:9::3"],
                          last="2001:db8:4a:a::1")
    assert status == 200
    status = await _spray(ctx, client_from, ["203.0.113.1", "203.0.113.2", "203.0.113.3"], last="203.0.113.4")
    assert status == 200


def test_what_is_not_an_address_is_counted_as_it_is() -> None:
    assert ratelimit.source("unknown") == "unknown"
    assert ratelimit.source("fe80::1%eth0") == "fe80::/64"
