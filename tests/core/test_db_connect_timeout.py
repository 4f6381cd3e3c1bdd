"""Opening a PostgreSQL connection gives up after ZAN_DB_CONNECT_TIMEOUT_S (10 s): asyncpg's own default is 60 s, so a
worker or API process facing a database host that drops packets hung each connection it opened a minute. Giving up
is the database not answering: the API's 503 rule (database_lost) and the worker check's outage."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, text

from backend.context import build_context
from backend.db import make_engine
from backend.health.cli import does_not_answer
from backend.lib.errors import database_lost
from backend.settings import Settings, SettingsError

pytestmark = pytest.mark.anyio


@pytest.fixture
async def silent_database() -> AsyncIterator[str]:
    """A PostgreSQL address that takes the connection and never says a word (a server hung, a proxy in front of a host
    that is gone): the connect waits for the server's first answer until it times out."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"postgresql://postgres@127.0.0.1:{port}/zan"
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


def test_the_connect_timeout_is_a_setting_with_a_minimum(env: pytest.MonkeyPatch) -> None:
    assert Settings.from_env().db_connect_timeout_s == 10
    env.setenv("ZAN_DB_CONNECT_TIMEOUT_S", "3")
    assert Settings.from_env().db_connect_timeout_s == 3
    # 0 would fail every connect, a server that answers included
    env.setenv("ZAN_DB_CONNECT_TIMEOUT_S", "0")
    with pytest.raises(SettingsError, match=r"^ZAN_DB_CONNECT_TIMEOUT_S must be at least 1, not '0'$"):
        Settings.from_env()


@pytest.mark.parametrize("null_pool", [False, True])
async def test_postgresql_connects_are_bounded_by_the_setting_not_asyncpgs_minute(pg_url: str, null_pool: bool) -> None:
    engine = make_engine(pg_url, null_pool=null_pool)
    asked: list[dict[str, Any]] = []
    event.listen(engine.sync_engine, "do_connect", lambda _d, _r, _a, params: asked.append(dict(params)))
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()
    assert [params["timeout"] for params in asked] == [Settings.db_connect_timeout_s]


async def test_the_processes_engine_takes_the_setting(env: pytest.MonkeyPatch, pg_url: str) -> None:
    """The API's, the worker's and every command's engine (build_context) opens connections with the configured
    timeout, not make_engine's default."""
    env.setenv("ZAN_DATABASE_URL", pg_url)
    env.setenv("ZAN_DB_CONNECT_TIMEOUT_S", "3")
    ctx = build_context(Settings.from_env())
    asked: list[dict[str, Any]] = []
    event.listen(ctx.engine.sync_engine, "do_connect", lambda _d, _r, _a, params: asked.append(dict(params)))
    try:
        async with ctx.engine.connect() as conn:
            assert await conn.scalar(text("SELECT 1")) == 1
    finally:
        await ctx.close()
    assert [params["timeout"] for params in asked] == [3]


async def test_a_database_that_never_answers_is_given_up_on_and_counts_as_not_answering(silent_database: str) -> None:
    engine = make_engine(
        silent_database.replace("postgresql:", "postgresql+asyncpg:"), null_pool=True, connect_timeout_s=1
    )
    try:
        with pytest.raises(TimeoutError) as caught:
            async with engine.connect():
                pass
    finally:
        await engine.dispose()
    # the API answers 503 database.unavailable (it answered 500 internal), the worker check passes the outage
    assert database_lost(caught.value)
    assert does_not_answer(caught.value)


async def test_the_drivers_connect_timeout_is_the_database_not_answering(silent_database: str) -> None:
    """asyncpg raises asyncio's TimeoutError as it is: the API answered it 500 internal, not 503 (unavailable)."""
    with pytest.raises(TimeoutError) as caught:
        await asyncpg.connect(silent_database, timeout=1)
    assert database_lost(caught.value)


def test_a_timeout_of_other_code_is_not_the_database() -> None:
    async def times_out() -> None:
        await asyncio.wait_for(asyncio.Event().wait(), timeout=0.01)

    with pytest.raises(TimeoutError) as caught:
        asyncio.run(times_out())
    assert not database_lost(caught.value)
