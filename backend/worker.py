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

SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def run_worker(settings: Settings, *, concurrency: int = 20) -> None:
    zan_logging.configure(settings.log_level, settings.log_json)
    async with context_scope(settings) as ctx:
        # as the API does at startup: a rules file that cannot be used (a typo, no catch-all) stops the worker here,
        # naming the file, instead of failing every routing job it would take
        district_index(ctx)
        relay = Relay(ctx)
        # the relay's passes go into this process's heartbeat with the SAQ consumer's (backend/health/workers.py)
        worker = make_worker(ctx, concurrency=concurrency, relay=relay)
        ctx.extras["relay"] = relay
        relay.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in SIGNALS:
            loop.add_signal_handler(sig, stop.set)
        worker_task = asyncio.create_task(worker.start())
        stopping = asyncio.create_task(stop.wait())
        try:
            # SAQ's start() puts its own SIGINT/SIGTERM handlers in place of ours and returns once a signal comes,
            # or once it fails (a startup that raised): either way this process ends, instead of relaying on with
            # no consumer (docker stop would wait and kill it, a crashed consumer would never be restarted)
            await asyncio.wait({worker_task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            await worker.stop()
            worker_task.cancel()
            await asyncio.gather(worker_task, return_exceptions=True)
            await relay.stop()
            for sig in SIGNALS:  # SAQ removes its handlers when it stops; ours go too if it never started
                loop.remove_signal_handler(sig)
        failed = None if worker_task.cancelled() else worker_task.exception()
        if failed is not None:  # exit 1 with its traceback: the container is restarted
            raise failed
