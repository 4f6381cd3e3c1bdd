"""What every answer carries, whichever layer gives it (a handler, a guard, the router's 404/405, the body limit's
413, the CORS preflight): a request id to find its log lines by, and the headers that keep a browser from sniffing
or storing personal data; and what a browser client may read of it across origins (Retry-After of a 429/503)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from litestar import get

from backend.app import create_app
from backend.context import build_context
from backend.lib.logging import JsonFormatter
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio
ORIGIN = "https://console.zan.kz"


@get("/api/v1/test-only/boom", include_in_schema=False)
async def _boom() -> None:
    logging.getLogger("zan.test").warning("about to fail")
    raise RuntimeError("boom")


@pytest.fixture
async def client(sqlite_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    ctx = build_context(make_settings(sqlite_url, tmp_path, cors_origins=(ORIGIN,)), null_pool=True)
    app = create_app(ctx=ctx)
    app.register(_boom)  # an unhandled error inside a handler, to see what its log lines carry
    try:
        async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                      base_url="http://zan.test") as http:
            yield http
    finally:
        await ctx.close()


async def _answers(client: httpx.AsyncClient) -> dict[str, httpx.Response]:
    json_headers = {"Content-Type": "application/json"}
    return {
        "handler 200": await client.get("/health"),
        "guard 401": await client.get("/api/v1/reports"),
        "router 404": await client.get("/api/v1/nothing-here"),
        "router 405": await client.delete("/api/v1/reports"),
        "body 413": await client.post("/api/v1/officer/auth/login", content=b"{" + b" " * (1024 * 1024 + 1),
                                      headers=json_headers),
        "validation 422": await client.post("/api/v1/officer/auth/login", json={}),
        "preflight": await client.options("/api/v1/dispatch/queue", headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"}),
    }


async def test_every_answer_has_a_request_id_and_nosniff(client: httpx.AsyncClient) -> None:
    answers = await _answers(client)
    assert answers["router 404"].status_code == 404 and answers["body 413"].status_code == 413
    ids = {name: response.headers.get("x-request-id") for name, response in answers.items()}
    assert all(ids.values()), ids
    assert len(set(ids.values())) == len(ids)  # one per request
    sniffable = [name for name, response in answers.items()
                 if response.headers.get("x-content-type-options") != "nosniff"]
    assert not sniffable


async def test_api_answers_are_not_stored_by_browsers_or_proxies(client: httpx.AsyncClient) -> None:
    answers = await _answers(client)
    stored = {name: response.headers.get("cache-control") for name, response in answers.items()
              if name != "handler 200" and "no-store" not in response.headers.get("cache-control", "")}
    assert not stored


@pytest.mark.parametrize(("sent", "kept"), [
    ("3f2b9c1e-7d4a-4c55-9e0b-8a1f2d3c4b5a", True),  # a proxy's or a partner's own id is carried through
    ("nginx.req_0a1b2c3d", True),
    ("two words", False),
    ("x" * 200, False),
    ("900101300123", False),  # an IIN, which would sit unmasked in every log line of the request
])
async def test_a_sane_incoming_request_id_is_kept(client: httpx.AsyncClient, sent: str, kept: bool) -> None:
    response = await client.get("/health", headers={"X-Request-Id": sent})
    assert (response.headers["x-request-id"] == sent) is kept


async def test_the_log_lines_of_a_request_carry_its_id(client: httpx.AsyncClient,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        response = await client.get("/api/v1/test-only/boom", headers={"X-Request-Id": "support-ticket-42"})
    assert response.status_code == 500 and response.headers["x-request-id"] == "support-ticket-42"
    lines = [json.loads(JsonFormatter().format(record)) for record in caplog.records
             if record.name in ("zan.test", "zan.errors")]
    assert {line["logger"] for line in lines} == {"zan.test", "zan.errors"}
    assert all(line.get("request_id") == "support-ticket-42" for line in lines), lines


async def test_a_browser_client_may_read_retry_after(client: httpx.AsyncClient) -> None:
    """A staff console in a browser must see how long to wait after a 429 (`alert.rate_limited`) or a 503;
    without Access-Control-Expose-Headers the browser hides every header but a few safelisted ones."""
    response = await client.get("/api/v1/dispatch/queue", headers={"Origin": ORIGIN})
    assert response.headers.get("access-control-allow-origin") == ORIGIN
    exposed = {h.strip().lower() for h in response.headers.get("access-control-expose-headers", "").split(",")}
    assert {"retry-after", "x-request-id"} <= exposed
    # and may send its own id, to find the request in the service's logs
    preflight = await client.options("/api/v1/dispatch/queue", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization,x-request-id"})
    assert preflight.status_code == 204, preflight.text


async def test_a_browser_console_may_send_if_match_and_read_the_etag(client: httpx.AsyncClient) -> None:
    """A staff console on another origin guards its steps with the card's tag (412 dispatch.report_changed): the
    browser must let it send If-Match and read ETag, or the check works only for consoles served by the API."""
    response = await client.get("/api/v1/dispatch/queue", headers={"Origin": ORIGIN})
    exposed = {h.strip().lower() for h in response.headers.get("access-control-expose-headers", "").split(",")}
    assert "etag" in exposed
    preflight = await client.options("/api/v1/dispatch/queue", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,if-match"})
    assert preflight.status_code == 204, preflight.text


async def test_metrics_name_their_charset_once(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].count("charset") == 1, response.headers["content-type"]
