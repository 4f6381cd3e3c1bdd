"""The race helper `committed_between` fires its write between two reads of the code under test, run by the test's
task. The app's relay polls the same engine from a task of its own: CI once saw the relay's statement come right
after a withdrawal's read, so the write ran there, racing the withdrawal instead of falling between its reads, and
the race test failed with the code right."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from backend.context import Context
from tests.helpers import committed_between

pytestmark = pytest.mark.anyio


async def test_another_tasks_statements_do_not_fire_the_write(ctx: Context) -> None:
    stop = asyncio.Event()
    polled = asyncio.Event()

    async def relay_like() -> None:
        while not stop.is_set():
            async with ctx.engine.connect() as conn:
                await conn.execute(text("SELECT 2 AS polled"))
            polled.set()
            await asyncio.sleep(0.005)

    written_by: list[asyncio.Task[object] | None] = []

    async def write() -> None:
        written_by.append(asyncio.current_task())

    poller = asyncio.create_task(relay_like())
    try:
        with committed_between(ctx, lambda sql: "SELECT" in sql, write) as fired:
            polled.clear()
            await asyncio.wait_for(polled.wait(), 10)  # the other task has run a matching statement meanwhile
            assert not fired
            async with ctx.engine.connect() as conn:
                await conn.execute(text("SELECT 1 AS read"))
            assert fired
    finally:
        stop.set()
        await poller
    assert written_by == [asyncio.current_task()]
