"""The worker process: SAQ workers executing outbox tasks, plus the relay that feeds them."""

from __future__ import annotations

import asyncio
import signal

from backend.context import context_scope
from backend.jobs.relay import Relay
from backend.jobs.saq import make_worker
from backend.lib import logging as zan_logging
from backend.routing.service import district_index
from backend.settings import Settings


async def run_worker(settings: Settings, *, concurrency: int = 20) -> None:
    zan_logging.configure(settings.log_level, settings.log_json)
    async with context_scope(settings) as ctx:
        # as the API does at startup: a rules file that cannot be used (a typo, no catch-all) stops the worker here,
        # naming the file, instead of failing every routing job it would take
        district_index(ctx)
        worker = make_worker(ctx, concurrency=concurrency)
        relay = Relay(ctx)
        ctx.extras["relay"] = relay
        relay.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        worker_task = asyncio.create_task(worker.start())
        await stop.wait()
        await worker.stop()
        worker_task.cancel()
        await relay.stop()
