"""stop_task ends a helper task without swallowing the cancellation of the task that waits for it."""

from __future__ import annotations

import asyncio

import pytest

from backend.lib.tasks import stop_task
from tests.helpers import cancelled_once

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_the_childs_cancellation_ends_there() -> None:
    child = asyncio.create_task(asyncio.Event().wait())
    await asyncio.sleep(0)
    await stop_task(child)
    assert child.cancelled()


async def test_a_cancellation_of_the_waiting_task_goes_on_up() -> None:
    stopping = asyncio.Event()

    async def stubborn() -> None:
        # a renewal that takes its time to end once cancelled (a store call in flight)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            stopping.set()
            await asyncio.sleep(0.05)
            raise

    async def holder() -> str:
        child = asyncio.create_task(stubborn())
        await asyncio.sleep(0)
        await stop_task(child)
        return "went on as if never cancelled"

    await cancelled_once(stopping, asyncio.create_task(holder()))  # while the holder waits for its child


async def test_a_failure_of_a_child_that_ended_on_its_own_is_not_lost() -> None:
    async def broken() -> None:
        raise RuntimeError("beat failed")

    child = asyncio.create_task(broken())
    await asyncio.wait([child])
    with pytest.raises(RuntimeError, match="beat failed"):
        await stop_task(child)


async def test_a_child_that_swallowed_its_cancellation_is_told_again() -> None:
    """On Python 3.11 asyncio.wait_for (redis-py sends every command through it) swallows a cancellation that lands
    as the awaited call ends: a renewal loop went on for ever and stop_task waited for it for ever (the bot's update
    claims hung so; bots/once.py). The cancellation is now repeated until the child ends."""
    swallowed = asyncio.Event()

    async def renewal() -> None:
        while True:
            try:
                await asyncio.sleep(0.01)  # a store call
            except asyncio.CancelledError:
                if swallowed.is_set():
                    raise
                swallowed.set()  # as wait_for does when the call had just finished

    child = asyncio.create_task(renewal())
    await asyncio.sleep(0.02)
    try:
        await asyncio.wait_for(stop_task(child), timeout=10)
    except TimeoutError:
        child.cancel()
        pytest.fail("stop_task waited for ever for a child that swallowed one cancellation")
    assert swallowed.is_set() and child.cancelled()
