"""Stopping a helper task (a lease's or a claim's renewal, a heartbeat) without swallowing the caller's own
cancellation; waiting for a read no longer than a bound (`bounded`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")

# how long a cancelled helper task may take to end before it is told again
RECANCEL_AFTER_S = 1.0


async def stop_task(task: asyncio.Task[Any]) -> None:
    """Cancel `task` and wait until it has ended (`ended`). Told again each RECANCEL_AFTER_S while it runs: on Python
    3.11 asyncio.wait_for (redis-py sends every command through it) swallows a cancellation that lands as the awaited
    call ends, and a renewal loop so cancelled went on for ever, and its stopper with it. For helper tasks whose only
    cleanup is to end."""
    task.cancel()
    while not task.done():
        await asyncio.wait([task], timeout=RECANCEL_AFTER_S)  # raises only for the waiting task's own cancellation
        if not task.done():
            task.cancel()
    await ended(task)


async def ended(task: asyncio.Task[Any]) -> None:
    """Wait until `task` has ended, told to stop one way or another. Its own cancellation ends here; one of the task
    waiting for it (a shutdown landing meanwhile) goes on up, where `with suppress(CancelledError): await task`
    swallowed it and the waiting task went on as if never cancelled."""
    await asyncio.wait([task])  # raises only for the waiting task's own cancellation, never for the child's
    if not task.cancelled():
        task.result()  # it ended on its own: a failure of it is not lost


_ABANDONED: set[asyncio.Future[Any]] = set()  # reads given up on, kept referenced until their cleanup ends


def _forget(task: asyncio.Future[Any]) -> None:
    _ABANDONED.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: what it failed with after it was given up on was already reported


async def bounded(read: Awaitable[T], timeout: float) -> T:  # noqa: ASYNC109
    """`read`'s result, or TimeoutError once `timeout` seconds passed. Not asyncio.wait_for: that waits for the
    cancelled read to finish, and a read cancelled on a server that does not answer goes on to ask it to cancel the
    query and to close its connection (asyncpg opens a connection for the cancel request, up to
    ZAN_DB_CONNECT_TIMEOUT_S): the answer waited as long again. The cancelled read finishes in the background."""
    task = asyncio.ensure_future(read)
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout)
    except asyncio.CancelledError:  # the caller itself given up on (a probe whose client went away): the read too
        task.cancel()
        raise
    if not done:
        task.cancel()
        _ABANDONED.add(task)
        task.add_done_callback(_forget)
        raise TimeoutError
    return task.result()
