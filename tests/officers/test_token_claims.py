"""Officer tokens as another API node signs them (a clock a few seconds ahead), tokens under the server's key whose
claims are malformed, and the login answer for a barred tablet whether the password is right or wrong."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from jwt.api_jws import PyJWS
from sqlalchemy import func, select

from backend.audit.models import AuditLog
from backend.context import Context
from backend.officers.auth import BEARER_REFUSED, _key
from tests.officers.factories import bearer, login_tokens, make_officer, new_session_tokens

pytestmark = pytest.mark.anyio

ME, REFRESH, LOGIN = "/api/v1/officer/me", "/api/v1/officer/auth/refresh", "/api/v1/officer/auth/login"


@pytest.fixture(params=["postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Token checks do not depend on the database; PostgreSQL only, as tests/officers/test_auth.py."""
    return str(request.getfixturevalue("pg_url"))


def _claims(ctx: Context, token: str, purpose: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, _key(ctx.settings.secret_key, purpose), algorithms=["HS256"])
    return claims


def _sign(ctx: Context, claims: dict[str, Any], purpose: str) -> str:
    return jwt.encode(claims, _key(ctx.settings.secret_key, purpose), algorithm="HS256")


def _assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "officer.token_invalid"
    assert response.headers["www-authenticate"] == BEARER_REFUSED["WWW-Authenticate"]


async def test_tokens_from_a_node_whose_clock_is_seconds_ahead_are_taken(app_client: httpx.AsyncClient,
                                                                         ctx: Context) -> None:
    """Another API node, its clock 20 s ahead, signed the login: the tablet's very next request reaches this node.
    Before: 401 "not yet valid (iat)" for the access token and then for the refresh token, and the tablet was
    signed out."""
    tokens = await new_session_tokens(app_client, ctx)
    access, refresh = _claims(ctx, tokens["access_token"], "access"), _claims(ctx, tokens["refresh_token"], "refresh")
    ahead = {"iat": access["iat"] + 20, "exp": access["exp"] + 20}
    me = await app_client.get(ME, headers=bearer(_sign(ctx, {**access, **ahead}, "access")))
    assert me.status_code == 200, me.text
    rotated = await app_client.post(REFRESH, json={"refresh_token": _sign(
        ctx, {**refresh, "iat": refresh["iat"] + 20, "exp": refresh["exp"] + 20}, "refresh")})
    assert rotated.status_code == 200, rotated.text


async def test_the_leeway_neither_takes_a_token_from_the_future_nor_extends_expiry(app_client: httpx.AsyncClient,
                                                                                   ctx: Context) -> None:
    tokens = await new_session_tokens(app_client, ctx)
    access = _claims(ctx, tokens["access_token"], "access")
    now = int(time.time())
    _assert_refused(await app_client.get(ME, headers=bearer(_sign(ctx, {**access, "iat": now + 3600}, "access"))))
    _assert_refused(await app_client.get(ME, headers=bearer(_sign(ctx, {**access, "nbf": now + 3600}, "access"))))
    # expired a few seconds ago: refused at once, the leeway is for "not yet valid" only
    _assert_refused(await app_client.get(ME, headers=bearer(
        _sign(ctx, {**access, "iat": now - 900, "exp": now - 5}, "access"))))


MALFORMED_ACCESS: dict[str, Any] = {
    "no_sid": {"sid": None},
    "sid_not_uuid": {"sid": "abc"},
    "sid_number": {"sid": 12},
    "sid_list": {"sid": ["x"]},
    "sid_object": {"sid": {"a": 1}},
    "no_sub": {"sub": None},
    "sub_number": {"sub": 5},
    "sub_other_officer": {"sub": str(uuid.uuid4())},
    "no_role": {"role": None},
    "role_unknown": {"role": "god"},
    "role_number": {"role": 1},
    "no_typ": {"typ": None},
    "typ_refresh": {"typ": "refresh"},
    "typ_number": {"typ": 1},
    "no_exp": {"exp": None},
    "exp_text": {"exp": "soon"},
    "exp_huge": {"exp": 10 ** 30},
    "iat_text": {"iat": "now"},
    "iat_missing": {"iat": None},
}


@pytest.mark.parametrize("change", MALFORMED_ACCESS.values(), ids=MALFORMED_ACCESS.keys())
async def test_an_access_token_with_malformed_claims_is_refused_as_forged(
        app_client: httpx.AsyncClient, ctx: Context, change: dict[str, Any]) -> None:
    tokens = await new_session_tokens(app_client, ctx)
    claims = {**_claims(ctx, tokens["access_token"], "access"), **change}
    forged = _sign(ctx, {k: v for k, v in claims.items() if v is not None}, "access")
    _assert_refused(await app_client.get(ME, headers=bearer(forged)))


MALFORMED_REFRESH: dict[str, Any] = {
    "no_sid": {"sid": None},
    "sid_list": {"sid": [1]},
    "no_gen": {"gen": None},
    "gen_text": {"gen": "1"},
    "gen_float": {"gen": 1.0},
    "gen_bool": {"gen": True},
    "gen_list": {"gen": [1]},
    "gen_huge": {"gen": 10 ** 30},
    "no_typ": {"typ": None},
    "typ_access": {"typ": "access"},
    "iat_missing": {"iat": None},
}


@pytest.mark.parametrize("change", MALFORMED_REFRESH.values(), ids=MALFORMED_REFRESH.keys())
async def test_a_refresh_token_with_malformed_claims_is_refused_as_forged(
        app_client: httpx.AsyncClient, ctx: Context, change: dict[str, Any]) -> None:
    tokens = await new_session_tokens(app_client, ctx)
    claims = {**_claims(ctx, tokens["refresh_token"], "refresh"), **change}
    forged = _sign(ctx, {k: v for k, v in claims.items() if v is not None}, "refresh")
    _assert_refused(await app_client.post(REFRESH, json={"refresh_token": forged}))
    # the session was not taken for a stolen one: the real refresh token still works
    assert (await app_client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})).status_code == 200


@pytest.mark.parametrize("payload", [b"[1, 2]", b'"text"', b"null", b"{not json"])
async def test_a_signed_payload_that_is_no_object_is_refused(app_client: httpx.AsyncClient, ctx: Context,
                                                             payload: bytes) -> None:
    for purpose in ("access", "refresh"):
        token = PyJWS().encode(payload, _key(ctx.settings.secret_key, purpose), algorithm="HS256")
        if purpose == "access":
            _assert_refused(await app_client.get(ME, headers=bearer(token)))
        else:
            _assert_refused(await app_client.post(REFRESH, json={"refresh_token": token}))


async def _audit_count(ctx: Context, action: str) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == action)) or 0)  # type: ignore[arg-type]


async def test_a_revoked_tablet_hears_the_same_answer_for_a_right_and_a_wrong_password(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    """Whoever holds a stolen, revoked tablet must not learn from the answer that the password they typed is right.
    Before: a right one was 403 officer.device_not_allowed, a wrong one 401 officer.bad_credentials."""
    admin, admin_pw = await make_officer(ctx, role="admin")
    admin_token = (await login_tokens(app_client, admin.badge_number, admin_pw, "tab-admin"))["access_token"]
    officer, password = await make_officer(ctx)
    await login_tokens(app_client, officer.badge_number, password, "tab-stolen")
    revoked = await app_client.post("/api/v1/officer/admin/devices/revoke", json={"device_id": "tab-stolen"},
                                    headers=bearer(admin_token))
    assert revoked.status_code == 200
    answers = []
    for badge, typed in ((officer.badge_number, password), (officer.badge_number, "wrong-password"),
                         ("no-such-badge", "wrong-password"), (officer.badge_number, password)):
        answer = await app_client.post(LOGIN, json={"badge_number": badge, "password": typed,
                                                    "device_id": "tab-stolen"})
        answers.append((answer.status_code, answer.json()["code"]))
    assert answers == [(403, "officer.device_not_allowed")] * 4
    # the wrong passwords are still failed logins (audited) and still spend the badge's tries
    assert await _audit_count(ctx, "auth.fail") == 2
    for _ in range(4):
        await app_client.post(LOGIN, json={"badge_number": officer.badge_number, "password": "wrong",
                                           "device_id": "tab-stolen"})
    locked = await app_client.post(LOGIN, json={"badge_number": officer.badge_number, "password": password,
                                                "device_id": "tab-new"})
    assert locked.status_code == 429
