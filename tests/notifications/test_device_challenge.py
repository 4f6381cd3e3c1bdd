"""/api/v1/devices serves two kinds of caller, partner apps (HMAC-signed) and officer tablets (a bearer token), and
its 401 says so: a request that tried neither is offered both schemes (RFC 9110 §11.6.1 allows a list), a refused
bearer token gets `Bearer error="invalid_token"` (RFC 6750 §3.1), a refused partner signature the partner
challenge."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import PartnerClient

pytestmark = pytest.mark.anyio

DEVICE = {"platform": "android", "token": "challenge-test-token"}


def _challenges(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.headers["www-authenticate"]


async def test_an_unauthenticated_request_is_offered_both_schemes(app_client: httpx.AsyncClient) -> None:
    challenge = _challenges(await app_client.post("/api/v1/devices", json=DEVICE))
    assert challenge.startswith("Bearer ")  # a tablet's client reads the first scheme it knows
    assert 'Zan-HMAC-SHA256 realm="zan-partner"' in challenge
    assert "error=" not in challenge  # no credentials were sent, so none were wrong (RFC 6750 §3.1)


async def test_a_refused_bearer_token_is_answered_with_a_bearer_invalid_token_challenge(
        app_client: httpx.AsyncClient) -> None:
    response = await app_client.post("/api/v1/devices", json=DEVICE,
                                     headers={"Authorization": "Bearer not-a-real-token"})
    challenge = _challenges(response)
    assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge
    assert "Zan-HMAC-SHA256" not in challenge
    assert response.json()["code"] == "officer.token_invalid"


async def test_a_refused_partner_signature_keeps_the_partner_challenge(citizen: PartnerClient) -> None:
    headers = citizen.headers("POST", "/api/v1/devices", b"{}")
    headers["X-Signature"] = "0" * 64
    response = await citizen.http.post("/api/v1/devices", content=b"{}",
                                       headers={**headers, "Content-Type": "application/json"})
    assert _challenges(response) == 'Zan-HMAC-SHA256 realm="zan-partner"'
    assert response.json()["code"] == "auth.signature_invalid"
