"""A raw upload's bytes are never buffered by the edge checks (backend/lib/inputs.py: "Raw uploads (media files,
evidence chunks) have no `data` and are not JSON: their bytes are never looked into"), whatever Content-Type the
client puts on them.

Labelled `application/json`, a PUT to the embedded upload link was read whole into memory (up to its 100 MB limit)
by the U+0000 check before the handler looked at the token, the declared type or the announced length: anyone,
without a token, made the server hold 100 MB per request, and in S3 mode too, where the route only answers 404.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.context import build_context
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio
CHUNK = 1024 * 1024


@pytest.fixture
async def app(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Litestar]:
    ctx = build_context(make_settings(sqlite_url, tmp_path), null_pool=True)
    application = create_app(ctx=ctx)
    try:
        async with application.lifespan():
            yield application
    finally:
        await ctx.close()


async def _put(app: Litestar, path: str, query: bytes, content_type: bytes, chunks: int) -> tuple[int, int]:
    """PUT a body of `chunks` MiB over ASGI: the answer's status, and how many chunks the app had pulled by the
    time it answered."""
    pulled = 0
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled >= chunks:
            return {"type": "http.disconnect"}
        pulled += 1
        return {"type": "http.request", "body": b" " * CHUNK, "more_body": pulled < chunks}

    answered_after: int | None = None

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, answered_after
        if message["type"] == "http.response.start":
            status, answered_after = message["status"], pulled

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "PUT", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "",
             "headers": [(b"host", b"zan.test"), (b"content-type", content_type),
                         (b"content-length", str(chunks * CHUNK).encode())],
             "client": ("127.0.0.1", 40000), "server": ("zan.test", 80), "state": {}}
    await app(scope, receive, send)  # type: ignore[arg-type]
    assert answered_after is not None
    return status, answered_after


@pytest.mark.parametrize("content_type", [b"application/json", b"application/problem+json", b"image/jpeg"])
async def test_an_upload_with_a_forged_link_is_refused_before_its_body_is_read(app: Litestar,
                                                                              content_type: bytes) -> None:
    status, pulled = await _put(app, f"/api/v1/media/{uuid.uuid4()}/upload", b"token=forged", content_type, 20)
    assert status == 403
    assert pulled <= 1, f"{pulled} MiB of a refused upload were read into memory first"


async def test_a_nul_in_labelled_json_to_a_handler_reading_its_own_body_is_still_refused(app: Litestar) -> None:
    # the Telegram webhooks decode their bodies themselves (no `data`): the edge check still looks into them
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://zan.test") as client:
        response = await client.post("/api/v1/telegram/citizen/webhook",
                                     content=b'{"update_id": 1, "message": {"text": "a\\u0000b"}}',
                                     headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"pointer": "/message/text", "code": "control_character",
                                          "detail": "Недопустимый управляющий символ (U+0000)"}]
