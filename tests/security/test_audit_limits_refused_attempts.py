# ruff: noqa: F811  (the login tests' fixtures are imported from tests/officers/test_audit_login_sources.py)
"""A login refused by one limit (429, its password never checked) is no failed login: it must not spend the tries of
the other subjects it names. Counted against them, a single address past ZAN_LOGIN_FAILURES_PER_IP, answered 429
for everything, still locked out every officer whose badge it sent five times (the whole roster, knowing the badge
numbers, where the address limit allows it to lock six), and an officer retrying a badge someone else had locked
used up the tries of the station's shared address, locking out every colleague behind it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from backend.context import Context
from backend.officers import ratelimit
from tests.officers.factories import make_officer

# the fixtures (PostgreSQL only; clients of one app, each from the address given) and the login path
from tests.officers.test_audit_login_sources import LOGIN, From, client_from, db_url  # noqa: F401

pytestmark = pytest.mark.anyio

BOTH_STORES = pytest.mark.parametrize("store", ["memory", pytest.param("redis", marks=pytest.mark.redis)])


async def _login(client_from: From, address: str, badge: str, password: str, device: str = "tab-1") -> int:
    async with client_from(address) as client:
        response = await client.post(LOGIN, json={"badge_number": badge, "password": password, "device_id": device})
    return response.status_code


@BOTH_STORES
async def test_an_address_refused_for_its_failures_locks_out_no_badge(ctx: Context, client_from: From,
                                                                      store: str) -> None:
    assert (ctx.redis is not None) == (store == "redis")
    ctx.settings = replace(ctx.settings, login_failures_per_ip=3)
    attacker = "198.51.100.66"
    first, _ = await make_officer(ctx)
    for _ in range(3):  # the address's three failures
        assert await _login(client_from, attacker, first.badge_number, "Spring-2026!") == 401
    victim, password = await make_officer(ctx)
    # refused unchecked, whatever is typed: no guess at the victim's password was made
    statuses = [await _login(client_from, attacker, victim.badge_number, "Spring-2026!") for _ in range(6)]
    assert statuses == [429] * 6
    assert await _login(client_from, "203.0.113.10", victim.badge_number, password,
                        device=f"tab-{victim.badge_number}") == 200


@BOTH_STORES
async def test_retrying_a_locked_badge_does_not_lock_the_shared_address(ctx: Context, client_from: From,
                                                                        store: str) -> None:
    assert (ctx.redis is not None) == (store == "redis")
    ctx.settings = replace(ctx.settings, login_failures_per_ip=3)
    victim, password = await make_officer(ctx)
    for i in range(5):  # someone who knows the badge spends its five tries, from elsewhere (the accepted lockout)
        assert await _login(client_from, f"198.51.100.{i}", victim.badge_number, "Spring-2026!") == 401
    station = "192.0.2.50"  # the station's NAT address, shared by its tablets
    for _ in range(4):  # the victim's tablet keeps trying the right password: 429, never checked
        assert await _login(client_from, station, victim.badge_number, password) == 429
    colleague, colleague_password = await make_officer(ctx)
    assert await _login(client_from, station, colleague.badge_number, colleague_password,
                        device=f"tab-{colleague.badge_number}") == 200


@BOTH_STORES
async def test_the_refusing_counter_still_refuses_a_burst(ctx: Context, store: str) -> None:
    """Not counting a refused attempt against the other subjects keeps the count-before-check guarantee: of a
    burst, no more than the limit get their secret checked, however the attempts are spread over subjects."""
    assert (ctx.redis is not None) == (store == "redis")
    ctx.settings = replace(ctx.settings, login_failures_per_ip=1)
    admitted = [await ratelimit.reserve(ctx, badge="B-777", ip=f"203.0.113.{i}") is None for i in range(12)]
    assert admitted == [True] * 5 + [False] * 7
    # the addresses refused by the badge's limit were not counted: each still has its one try
    for i in range(5, 12):
        assert await ratelimit.reserve(ctx, badge=f"B-{i}", ip=f"203.0.113.{i}") is None
    # the refusing counter itself still says how long to wait
    wait = await ratelimit.reserve(ctx, badge="b-777", ip="203.0.113.200")
    assert wait is not None and 0 < wait <= ratelimit.WINDOW_S
