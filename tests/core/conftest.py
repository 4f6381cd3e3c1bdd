"""Fixtures several tests/core files share (a file defining its own of the same name uses its own)."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import uvicorn

from backend.app import create_app
from backend.context import Context
from backend.worker import run_worker


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """A clean ZAN_* environment with its files in tmp_path."""
    for name in list(os.environ):
        if name.startswith("ZAN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ZAN_VAR_DIR", str(tmp_path))
    yield monkeypatch


@pytest.fixture
async def worker(ctx: Context) -> AsyncIterator[asyncio.Task[None]]:
    """`zan worker` (its relay and SAQ consumer, run_worker) in this process, stopped after the test."""
    running = asyncio.create_task(run_worker(ctx.settings, concurrency=2))
    yield running
    if not running.done():
        running.cancel()
    await asyncio.gather(running, return_exceptions=True)


@pytest.fixture
async def uvicorn_url(ctx: Context) -> AsyncIterator[str]:
    """The app served by uvicorn, as `zan serve` runs it (its own logging left alone: log_config=None)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(ctx=ctx), log_config=None, lifespan="on"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            assert not serving.done(), serving
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await serving
        sock.close()
