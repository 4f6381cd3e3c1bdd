"""HEAD is answered as its GET is, without the body (RFC 9110: a general-purpose server supports GET and HEAD), under
the real server (uvicorn) and through the app: a monitor's `HEAD /health`, `curl -I` and a download manager asking a
media link's size first were answered 405 (failed before: every route is a GET handler, and Litestar routes a HEAD to
none). A route with no GET still refuses it; a partner app signs a HEAD as HEAD."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import PartnerClient

pytestmark = pytest.mark.anyio


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.mark.parametrize("path", ["/health", "/health/live", "/schema/openapi.json", "/metrics",
                                  "/api/v1/media/files?token=forged"])
async def test_head_answers_the_gets_status_and_headers_without_its_body(uvicorn_url: str, path: str) -> None:
    async with httpx.AsyncClient(base_url=uvicorn_url) as client:
        got = await client.get(path)
        head = await client.head(path)
    assert head.status_code == got.status_code, (head.status_code, got.status_code)
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["x-content-type-options"] == "nosniff" and head.headers["x-request-id"]
    # what a download manager asks a HEAD for: compared where the answer is the same twice (health and metrics change
    # with every request, this HEAD's too)
    assert "content-length" in head.headers
    if path == "/schema/openapi.json":
        assert head.headers["content-length"] == str(len(got.content))


async def test_the_api_description_says_a_get_answers_head(app_client: httpx.AsyncClient) -> None:
    # the operations list GET alone (Litestar documents the handlers it routes, and a HEAD is run around its router):
    # the description is where a partner developer reads that HEAD is answered, and how it is signed
    description = (await app_client.get("/schema/openapi.json")).json()["info"]["description"]
    assert "also answers HEAD" in description and "signs it as HEAD" in description


async def test_a_route_without_a_get_still_refuses_head(uvicorn_url: str) -> None:
    async with httpx.AsyncClient(base_url=uvicorn_url) as client:
        head = await client.head("/api/v1/legal/ask")
    assert head.status_code == 405 and "POST" in head.headers["allow"]


async def test_a_partner_signs_a_head_as_head(citizen: PartnerClient) -> None:
    report = (await citizen.submit()).json()
    path = f"/api/v1/reports/{report['id']}"
    signed = await citizen.request("HEAD", path)
    assert signed.status_code == 200 and signed.content == b"", signed.status_code
    # a GET's signature is not a HEAD's
    as_get = citizen.headers("GET", path, b"")
    refused = await citizen.http.head(path, headers=as_get)
    assert refused.status_code == 401
