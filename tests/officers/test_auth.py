"""Officer login on tablets: credentials, device enrollment, throttling, rotating refresh tokens, revocation."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select

from backend.audit.models import AuditLog
from backend.context import Context
from tests.officers.factories import bearer, login, login_tokens, make_officer, make_unit

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Auth logic does not depend on the database; run on PostgreSQL only (sessions are covered on SQLite by sync)."""
    return str(request.getfixturevalue("pg_url"))


async def test_login_me_and_audit(app_client: httpx.AsyncClient, ctx: Context) -> None:
    unit = await make_unit(ctx)
    officer, password = await make_officer(ctx, unit=unit)
    tokens = await login_tokens(app_client, officer.badge_number, password, "tab-1")
    assert tokens["token_type"] == "Bearer" and tokens["officer"]["unit_id"] == str(unit.id)  # type: ignore[index]
    me = await app_client.get("/api/v1/officer/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200 and me.json()["badge_number"] == officer.badge_number
    async with ctx.sessions() as session:
        actions = set(await session.scalars(select(AuditLog.action)))  # type: ignore[call-overload]
    assert {"officer.create", "device.enrol", "auth.login"} <= actions


async def test_wrong_password_and_missing_token(app_client: httpx.AsyncClient, ctx: Context) -> None:
    officer, _ = await make_officer(ctx)
    bad = await app_client.post("/api/v1/officer/auth/login",
                                json={"badge_number": officer.badge_number, "password": "nope", "device_id": "t"})
    assert bad.status_code == 401 and bad.json()["code"] == "officer.bad_credentials"
    unknown = await app_client.post("/api/v1/officer/auth/login",
                                    json={"badge_number": "no-such", "password": "nope", "device_id": "t"})
    assert unknown.status_code == 401 and unknown.json()["code"] == "officer.bad_credentials"
    assert (await app_client.get("/api/v1/officer/me")).status_code == 401
    assert (await app_client.get("/api/v1/officer/me", headers=bearer("garbage"))).status_code == 401


async def test_login_is_throttled_per_badge(app_client: httpx.AsyncClient, ctx: Context) -> None:
    officer, password = await make_officer(ctx)
    body = {"badge_number": officer.badge_number, "password": "wrong", "device_id": "t"}
    codes = [(await app_client.post("/api/v1/officer/auth/login", json=body)).status_code for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    blocked = await app_client.post("/api/v1/officer/auth/login",
                                    json={**body, "password": password})
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


@pytest.mark.parametrize("per_ip", [3, 30])
async def test_login_is_throttled_per_address_as_configured(app_client: httpx.AsyncClient, ctx: Context,
                                                            per_ip: int) -> None:
    """Failures from one address count across badges (a guesser walking the roster), up to
    ZAN_LOGIN_FAILURES_PER_IP; right passwords from that address cost nothing. At the default 30 a fleet behind one
    NAT keeps logging in after a few typos; at 3 the fourth failure locks the address, a right password included."""
    ctx.settings = replace(ctx.settings, login_failures_per_ip=per_ip)
    first, password = await make_officer(ctx)
    for _ in range(3):  # right passwords do not use up the address's budget
        ok = await app_client.post("/api/v1/officer/auth/login",
                                   json={"badge_number": first.badge_number, "password": password, "device_id": "t"})
        assert ok.status_code == 200
    others = [(await make_officer(ctx))[0] for _ in range(3)]
    for other in others:  # one wrong password per badge: never the badge's own limit
        bad = await app_client.post("/api/v1/officer/auth/login",
                                    json={"badge_number": other.badge_number, "password": "wrong", "device_id": "t"})
        assert bad.status_code == 401
    right = await app_client.post("/api/v1/officer/auth/login",
                                  json={"badge_number": first.badge_number, "password": password, "device_id": "t"})
    assert right.status_code == (429 if per_ip == 3 else 200), right.text


@pytest.mark.redis
async def test_throttle_uses_redis(app_client: httpx.AsyncClient, ctx: Context) -> None:
    officer, _ = await make_officer(ctx)
    body = {"badge_number": officer.badge_number, "password": "wrong", "device_id": "t"}
    for _ in range(5):
        await app_client.post("/api/v1/officer/auth/login", json=body)
    assert ctx.redis is not None
    assert int(await ctx.redis.get(ctx.keys("login-fail", "badge", officer.badge_number.lower())) or 0) == 5
    assert (await app_client.post("/api/v1/officer/auth/login", json=body)).status_code == 429


async def test_device_enrollment_limits(app_client: httpx.AsyncClient, ctx: Context) -> None:
    first, password = await make_officer(ctx, max_devices=1)
    await login(app_client, first.badge_number, password, "tab-A")
    await login(app_client, first.badge_number, password, "tab-A")  # the enrolled tablet again: fine
    second_device = await app_client.post("/api/v1/officer/auth/login", json={
        "badge_number": first.badge_number, "password": password, "device_id": "tab-B"})
    assert second_device.status_code == 403 and second_device.json()["code"] == "officer.device_not_allowed"
    other, other_pw = await make_officer(ctx)
    stolen = await app_client.post("/api/v1/officer/auth/login", json={
        "badge_number": other.badge_number, "password": other_pw, "device_id": "tab-A"})
    assert stolen.status_code == 403


async def test_refresh_rotates_and_reuse_kills_the_family(app_client: httpx.AsyncClient, ctx: Context) -> None:
    officer, password = await make_officer(ctx)
    first = await login_tokens(app_client, officer.badge_number, password, "tab-R")
    second = await app_client.post("/api/v1/officer/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    third = await app_client.post("/api/v1/officer/auth/refresh",
                                  json={"refresh_token": second.json()["refresh_token"]})
    assert third.status_code == 200
    new = third.json()
    assert (await app_client.get("/api/v1/officer/me", headers=bearer(new["access_token"]))).status_code == 200
    # a refresh token two generations old is presented again: theft → the whole family dies, including the fresh
    # access token (the previous generation shortly after a rotation is a lost-answer retry: test_refresh_retry.py)
    reuse = await app_client.post("/api/v1/officer/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    assert (await app_client.get("/api/v1/officer/me", headers=bearer(new["access_token"]))).status_code == 401
    again = await app_client.post("/api/v1/officer/auth/refresh", json={"refresh_token": new["refresh_token"]})
    assert again.status_code == 401
    # an access token is not a refresh token
    swapped = await app_client.post("/api/v1/officer/auth/refresh", json={"refresh_token": new["access_token"]})
    assert swapped.status_code == 401


async def test_logout_and_admin_revocation_take_effect_at_once(app_client: httpx.AsyncClient, ctx: Context) -> None:
    admin, admin_pw = await make_officer(ctx, role="admin")
    admin_token = await login(app_client, admin.badge_number, admin_pw)
    officer, password = await make_officer(ctx)
    token = await login(app_client, officer.badge_number, password, "tab-L")
    assert (await app_client.post("/api/v1/officer/auth/logout", headers=bearer(token))).status_code == 200
    assert (await app_client.get("/api/v1/officer/me", headers=bearer(token))).status_code == 401

    token = await login(app_client, officer.badge_number, password, "tab-L")
    forbidden = await app_client.post("/api/v1/officer/admin/devices/revoke", json={"device_id": "tab-L"},
                                      headers=bearer(token))
    assert forbidden.status_code == 403
    revoked = await app_client.post("/api/v1/officer/admin/devices/revoke", json={"device_id": "tab-L"},
                                    headers=bearer(admin_token))
    assert revoked.status_code == 200
    assert (await app_client.get("/api/v1/officer/me", headers=bearer(token))).status_code == 401
    relogin = await app_client.post("/api/v1/officer/auth/login", json={
        "badge_number": officer.badge_number, "password": password, "device_id": "tab-L"})
    assert relogin.status_code == 403

    token = await login(app_client, officer.badge_number, password, "tab-M")
    killed = await app_client.post(f"/api/v1/officer/admin/officers/{officer.id}/revoke", headers=bearer(admin_token),
                                   json={"reason": "left the police"})
    assert killed.status_code == 200
    assert (await app_client.get("/api/v1/officer/me", headers=bearer(token))).status_code == 401


async def test_location_unit_status_and_shift(app_client: httpx.AsyncClient, ctx: Context) -> None:
    unit = await make_unit(ctx, status="off_duty", lat=None, lon=None)
    officer, password = await make_officer(ctx, unit=unit)
    h = bearer(await login(app_client, officer.badge_number, password))
    shift = await app_client.post("/api/v1/officer/shift/start", headers=h)
    assert shift.status_code == 200
    assert (await app_client.get("/api/v1/officer/unit", headers=h)).json()["status"] == "available"
    ping = await app_client.post("/api/v1/officer/location", json={"lat": 43.238, "lon": 76.889, "accuracy_m": 8},
                                 headers=h)
    assert ping.status_code == 202
    got = (await app_client.get("/api/v1/officer/unit", headers=h)).json()
    assert (got["last_lat"], got["last_lon"]) == (43.238, 76.889)
    status = await app_client.post("/api/v1/officer/unit/status", json={"status": "busy"}, headers=h)
    assert status.json()["status"] == "busy"
    bad = await app_client.post("/api/v1/officer/unit/status", json={"status": "asleep"}, headers=h)
    assert bad.status_code == 422
    ended = await app_client.post("/api/v1/officer/shift/end", headers=h)
    assert ended.status_code == 200 and ended.json()["ended_at"]
    assert (await app_client.get("/api/v1/officer/unit", headers=h)).json()["status"] == "off_duty"


async def test_a_401_names_the_bearer_scheme_and_a_refused_token(app_client: httpx.AsyncClient,
                                                                  ctx: Context) -> None:
    """RFC 6750 §3: no token → the scheme and realm; a token that was presented and refused → `invalid_token`, which
    tells the tablet to refresh or log in again (a bare `Bearer` told it neither, and one refusal carried none)."""
    missing = await app_client.get("/api/v1/officer/me")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="zan-officer"'
    forged = await app_client.get("/api/v1/officer/me", headers=bearer("not-a-token"))
    assert forged.status_code == 401 and forged.json()["code"] == "officer.token_invalid"
    assert forged.headers["www-authenticate"] == 'Bearer realm="zan-officer", error="invalid_token"'
