"""Stopping a helper task (a lease's or a claim's renewal, a heartbeat) without swallowing the caller's own
cancellation."""

from __future__ import annotations

import asyncio
from typing import Any


async def stop_task(task: asyncio.Task[Any]) -> None:
    """Cancel `task` and wait until it has ended (`ended`)."""
    task.cancel()
    await ended(task)


async def ended(task: asyncio.Task[Any]) -> None:
    """Wait until `task` has ended, told to stop one way or another. Its own cancellation ends here; one of the task
    waiting for it (a shutdown landing meanwhile) goes on up, where `with suppress(CancelledError): await task`
    swallowed it and the waiting task went on as if never cancelled."""
    await asyncio.wait([task])  # raises only for the waiting task's own cancellation, never for the child's
    if not task.cancelled():
        task.result()  # it ended on its own: a failure of it is not lost
