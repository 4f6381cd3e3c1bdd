"""A claim's renewal stops when its update is handled, whenever that lands (`bots.once.handled`).

The renewal is a task cancelled once the handler ends. redis-py sends each command through `asyncio.wait_for`, which
on Python 3.11 swallows a cancellation landing in the loop iteration where the send has just finished: the renewal
went on renewing, every `ttl_s / 3`, for ever, and the update's handling never ended. Its claim was never confirmed
(every later copy waited ten minutes, then was dropped), and the poller's chat lock and slot were held for ever: that
chat was not answered again until a restart; a webhook's background task kept the API's shutdown waiting. With a
30 s claim the window is one loop iteration in each 10 s: rare for one update, certain over a service's life. Short
claims here renew every few milliseconds, so the handlers end in that window again and again. Real Redis."""

from __future__ import annotations

import asyncio

import pytest

from backend.context import Context
from backend.lib import tasks
from bots.once import claim, once

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
BOT = "citizen"
TTL_S = 0.006  # renewed every 2 ms
UPDATES = 150


async def _handle(ctx: Context, update_id: int, work_s: float) -> None:
    async with once(ctx, BOT, update_id, ttl_s=TTL_S) as mine:
        assert mine
        await asyncio.sleep(work_s)


async def test_every_update_ends_and_is_done_whenever_its_handler_ends(ctx: Context,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # the swallowed cancellation is told again after RECANCEL_AFTER_S (1 s in production): over 150 updates the
    # window is hit a dozen times or so, each waiting that second out. Told again sooner the fix is the same (without
    # it the handling still never ends and the bound below fails); the test only stops waiting out the seconds
    monkeypatch.setattr(tasks, "RECANCEL_AFTER_S", 0.05)
    for update_id in range(1, UPDATES + 1):
        handling = asyncio.create_task(_handle(ctx, update_id, work_s=0.0005 * (update_id % 11)))
        # a bound, not a measurement (before, it never ended): generous for a loaded machine, where each stop of the
        # renewal may wait on a Redis call up to its 1 s socket timeout
        done, _ = await asyncio.wait([handling], timeout=20)
        if not done:
            handling.cancel()
        assert done, f"update {update_id}: its handler ended, its handling did not (the claim renewed for ever)"
        handling.result()
        # handled (its done mark) or, when the mark's Redis call timed out under load (logged "claim not confirmed"),
        # free for a redelivery: never still held, which is what a renewal going on would keep it
        assert await claim(ctx, BOT, update_id) != "busy"
