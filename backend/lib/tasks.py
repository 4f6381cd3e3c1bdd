"""Stopping a helper task (a lease's or a claim's renewal, a heartbeat) without swallowing the caller's own
cancellation."""

from __future__ import annotations

import asyncio
from typing import Any

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
