"""The access-log line of every answer carries the X-Request-Id the client got, under the real server (uvicorn): a
partner quoting the id of a 404 or a 405 (answers no route gives, outside the request-id middleware) found no
line with it, the id in the answer having been made up when the head was sent."""

from __future__ import annotations

import logging

import httpx
import pytest

pytestmark = pytest.mark.anyio


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        pytest.param("GET", "/health", b"", 200, id="route"),
        pytest.param("HEAD", "/health", b"", 200, id="head"),
        pytest.param("GET", "/no/such/path", b"", 404, id="no-route"),
        pytest.param("DELETE", "/health", b"", 405, id="wrong-method"),
        pytest.param("POST", "/api/v1/reports", b"x" * (1024 * 1024 + 1), 413, id="body-too-large"),
    ],
)
async def test_the_access_log_line_carries_the_answers_request_id(
    uvicorn_url: str, caplog: pytest.LogCaptureFixture, method: str, path: str, body: bytes, status: int
) -> None:
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        async with httpx.AsyncClient(base_url=uvicorn_url) as client:
            # a body labelled JSON: one that is not is refused 415 before its size is looked at
            answer = await client.request(method, path, content=body,
                                          headers={"Content-Type": "application/json"} if body else None)
    assert answer.status_code == status
    lines = [r for r in caplog.records if r.name == "uvicorn.access" and path in r.getMessage()]
    assert len(lines) == 1, [r.getMessage() for r in caplog.records]
    assert getattr(lines[0], "request_id", None) == answer.headers["X-Request-Id"]
