"""Every refresh token the refresh endpoint refuses is answered alike: 401 officer.token_invalid with the RFC 6750
`invalid_token` challenge, whether it was forged, expired, reused, or its session ended (logged out, revoked for
reuse, pruned). A tablet reads the challenge to know it must sign in again, and a refusal that differs by reason
would tell whoever holds a stolen token whether its session still exists."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import delete

from backend.context import Context
from backend.officers.auth import BEARER_REFUSED
from backend.officers.models import OfficerSession
from tests.officers.factories import bearer, new_session_tokens

pytestmark = pytest.mark.anyio

REFRESH = "/api/v1/officer/auth/refresh"
REFUSED = BEARER_REFUSED["WWW-Authenticate"]


@pytest.fixture(params=["postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Token checks do not depend on the database; PostgreSQL only, as tests/officers/test_auth.py."""
    return str(request.getfixturevalue("pg_url"))


def _assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "officer.token_invalid"
    assert response.headers.get("www-authenticate") == REFUSED


async def test_a_forged_refresh_token_is_refused_with_the_challenge(app_client: httpx.AsyncClient) -> None:
    _assert_refused(await app_client.post(REFRESH, json={"refresh_token": "not-a-refresh-token"}))


async def test_a_refresh_token_of_a_logged_out_session_is_refused_with_the_challenge(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    tokens = await new_session_tokens(app_client, ctx)
    assert (await app_client.post("/api/v1/officer/auth/logout",
                                  headers=bearer(tokens["access_token"]))).status_code == 200
    _assert_refused(await app_client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]}))


async def test_a_reused_refresh_token_and_the_family_after_it_are_refused_with_the_challenge(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    first = await new_session_tokens(app_client, ctx)
    second = (await app_client.post(REFRESH, json={"refresh_token": first["refresh_token"]})).json()
    third = (await app_client.post(REFRESH, json={"refresh_token": second["refresh_token"]})).json()
    # two generations old: reuse, which revokes the session
    _assert_refused(await app_client.post(REFRESH, json={"refresh_token": first["refresh_token"]}))
    _assert_refused(await app_client.post(REFRESH, json={"refresh_token": third["refresh_token"]}))


async def test_a_refresh_token_of_a_pruned_session_is_refused_with_the_challenge(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    tokens = await new_session_tokens(app_client, ctx)
    async with ctx.sessions() as session:
        await session.execute(delete(OfficerSession))
        await session.commit()
    _assert_refused(await app_client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]}))
