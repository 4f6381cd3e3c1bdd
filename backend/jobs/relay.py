"""The relay moves due outbox tasks to whoever runs them: this process (embedded mode) or SAQ workers (Redis).

If Redis or the queue is down the task simply stays in the outbox and is tried again later, so nothing a
citizen submitted waits on anything but the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from backend.jobs import service
from backend.jobs.registry import HANDLERS, PermanentError, RetryLater, load_all_handlers
from backend.lib.clock import utcnow
from backend.lib.redis import UNAVAILABLE
from backend.lib.tasks import stop_task

if TYPE_CHECKING:
    from backend.context import Context

log = logging.getLogger("zan.jobs")
INPROCESS_LEASE_S = 120.0
# how long a task handed to SAQ may wait for a worker before the relay hands it out again (Redis may have lost the
# job); handing out again spends no attempt and, while the job is still in Redis, adds no copy (service.claim)
QUEUED_LEASE_S = 300.0
TASK_TIMEOUT_S = 110.0
TRANSPORT_RETRY_S = 3.0
SCHEDULED_STOP_GRACE_S = 5.0


def _never() -> bool:
    return False


async def execute(ctx: Context, task_id: uuid.UUID, attempt: int, *,
                  stopping: Callable[[], bool] = _never) -> str:
    """Run one claimed attempt of a task and settle its outcome. Used in-process and by SAQ workers.

    `stopping` says whether the process running it is stopping (SIGTERM). A cancellation from outside the task then
    hands the task back, due now and never dead-lettered for it; any other is its runner cutting it off (SAQ's job
    timeout: nothing else cancels a running job, SAQ's abort is not used), which counts as a failed attempt. A
    caller that does not say (a test, a script) gets the latter: a task is never handed back forever by mistake."""
    async with ctx.sessions() as session:
        started_as = await service.start(session, task_id, attempt, INPROCESS_LEASE_S)
    if started_as is None:
        return "stale"  # started by another copy, or superseded since this attempt was handed out
    name, payload = started_as
    handler = HANDLERS.get(name)
    if handler is None:
        # a process that runs tasks without having built the app (a CLI, a script) has not imported every
        # domain's handlers yet: a missing handler must not dead-letter a task that has one
        load_all_handlers()
        handler = HANDLERS.get(name)
    error: str | None = None
    permanent = False
    retry_after: float | None = None
    started = time.perf_counter()
    if handler is None:
        error, permanent = f"no handler for task {name!r}", True
    else:
        try:
            await asyncio.wait_for(handler(ctx, payload), timeout=TASK_TIMEOUT_S)
        except PermanentError as exc:
            error, permanent = f"permanent: {exc}", True
        except RetryLater as exc:
            error, retry_after = f"retry later: {exc}", exc.after_s
        except asyncio.CancelledError as exc:
            if not _cancelled_from_outside():
                # raised by the handler itself (a library's own cancellation): a failed attempt like any other, or a
                # task that always raises it would be handed back, and run again at once, forever
                log.warning("task %s %s attempt %d failed: %r", name, task_id, attempt, exc)
                error = repr(exc)
            elif stopping():
                # the process is stopping (SIGTERM: SAQ cancels the jobs it runs at once): hand the task back, due
                # now, instead of leaving it `running` until its lease runs out minutes later
                log.warning("task %s %s attempt %d interrupted: handed back to the outbox", name, task_id, attempt)
                await asyncio.shield(_hand_back(ctx, task_id, attempt))
                raise
            else:
                # cut off while the process goes on: SAQ's job timeout, when the handler did not end within a few
                # seconds of our own timeout cancelling it (it ignores or outlasts cancellation). A failed attempt,
                # or a task that always hangs would be handed back and run again forever, never dead-lettered.
                # Shielded: SAQ cancels the job once more right after its timeout, which must not stop the record
                error = f"timed out: cut off by its runner after {time.perf_counter() - started:.0f} s"
                log.warning("task %s %s attempt %d %s", name, task_id, attempt, error)
                await asyncio.shield(_settle(ctx, name, task_id, attempt, error, started))
                raise
        except Exception as exc:
            log.warning("task %s %s attempt %d failed: %r", name, task_id, attempt, exc)
            error = repr(exc)
    return await _settle(ctx, name, task_id, attempt, error, started, permanent=permanent, retry_after_s=retry_after)


async def _settle(ctx: Context, name: str, task_id: uuid.UUID, attempt: int, error: str | None, started: float, *,
                  permanent: bool = False, retry_after_s: float | None = None) -> str:
    async with ctx.sessions() as session:
        outcome = await service.settle(session, task_id, attempt, error, permanent=permanent,
                                       retry_after_s=retry_after_s)
    if outcome == "dead":
        # the work is given up: /health counts it (queue.dead), and this line says which task and why
        log.error("task %s %s dead after attempt %d: %s", name, task_id, attempt, error)
    log.debug("task %s %s → %s in %.1f ms", name, task_id, outcome, (time.perf_counter() - started) * 1000)
    return outcome


def _cancelled_from_outside() -> bool:
    """Is this task being cancelled (as opposed to running code that raised CancelledError of its own)? Whether that
    is a stop or a timeout, only the caller of `execute` knows (its `stopping`)."""
    current = asyncio.current_task()
    return current is not None and current.cancelling() > 0


async def _hand_back(ctx: Context, task_id: uuid.UUID, attempt: int) -> None:
    try:
        async with ctx.sessions() as session:
            await service.interrupted(session, task_id, attempt)
    except Exception:  # the database is going too: the lease runs out and the relay hands the task out then
        log.warning("task %s attempt %d could not be handed back", task_id, attempt, exc_info=True)


class Relay:
    """Polls the outbox (and wakes at once when a commit says there is new work)."""

    def __init__(self, ctx: Context, *, concurrency: int = 8) -> None:
        self.ctx = ctx
        self.wakeup = asyncio.Event()
        self._sem = asyncio.Semaphore(concurrency)
        self._running: set[asyncio.Task[str]] = set()
        self._task: asyncio.Task[None] | None = None
        self._scheduler: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()  # set once: the loops end, and a scheduled wait wakes at once
        self._queue_down = False  # this pass's hand-out to SAQ failed (run_once)
        # when the loop last finished a pass over the outbox (its start until the first): the worker's heartbeat
        # reports it, so a loop that died or hangs shows (backend/health/workers.py)
        self.last_pass_at: datetime | None = None

    def notify(self) -> None:
        self.wakeup.set()

    def _finished(self, job: asyncio.Task[str]) -> None:
        self._running.discard(job)
        self._sem.release()

    async def _dispatch(self, task_id: uuid.UUID) -> bool:
        queued = self.ctx.settings.queue == "saq"
        async with self.ctx.sessions() as session:
            attempt = await service.claim(session, task_id, QUEUED_LEASE_S if queued else INPROCESS_LEASE_S)
        if attempt is None:
            return False
        if not queued:
            await self._sem.acquire()
            # what stops these is this relay's process ending (stop() waits for them, then the loop cancels them)
            job = asyncio.create_task(execute(self.ctx, task_id, attempt, stopping=self._stopping.is_set))
            self._running.add(job)
            job.add_done_callback(self._finished)
            return True
        from backend.jobs.saq import enqueue_attempt

        try:
            if await enqueue_attempt(self.ctx, task_id, attempt):
                return True
            # the job of an earlier hand-out of this attempt is still running or ending in SAQ (saq.enqueue_attempt):
            # the task is handed out again once SAQ is done with that one, not after a whole lease
            log.info("task %s attempt %d: its previous SAQ job has not ended, handed out again shortly",
                     task_id, attempt)
        except UNAVAILABLE as exc:
            log.warning("queue unavailable, task %s stays in the outbox: %r", task_id, exc)
            self._queue_down = True
        async with self.ctx.sessions() as session:
            await service.release(session, task_id, attempt, TRANSPORT_RETRY_S)
        return False

    async def run_once(self, limit: int = 200) -> int:
        async with self.ctx.sessions() as session:
            ids = await service.due_ids(session, limit)
        dispatched = 0
        self._queue_down = False
        for task_id in ids:
            # a queue that failed this pass is not asked again for each of the other tasks: a Redis that takes the
            # connection and never answers costs the queue client's read timeout each time (lib/redis.py), and a
            # pass of 200 tasks would stop relaying for half an hour. They stay due in the outbox for the next pass
            if self._stopping.is_set() or self._queue_down:
                break
            if await self._dispatch(task_id):
                dispatched += 1
        return dispatched

    async def drain(self, timeout_s: float = 30.0) -> None:
        """Run until nothing is due and nothing is running (tests, CLI)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            n = await self.run_once()
            if self._running:
                await asyncio.wait(list(self._running), timeout=max(0.0, deadline - time.monotonic()))
            elif n == 0:
                return

    async def _loop(self) -> None:
        interval = self.ctx.settings.relay_interval_s
        while not self._stopping.is_set():
            try:
                n = await self.run_once()
                self.last_pass_at = utcnow()
            except Exception:  # the database hiccuped; the loop must outlive it
                log.exception("relay iteration failed")
                n = 0
            if n == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), timeout=interval)
                self.wakeup.clear()

    async def _schedule(self) -> None:
        """Scheduled work (SLA escalation, notification sweeps, purges) where no SAQ worker runs its cron: tasks
        run in this process, so the cron would never fire. The first pass comes one interval after start."""
        from backend.jobs.scheduled import run_scheduled

        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.ctx.settings.scheduled_interval_s)
            if not self._stopping.is_set():
                await run_scheduled(self.ctx)

    def start(self) -> None:
        self.last_pass_at = utcnow()
        self._task = asyncio.create_task(self._loop(), name="zan-outbox-relay")
        if self.ctx.settings.queue != "saq":
            self._scheduler = asyncio.create_task(self._schedule(), name="zan-scheduled")

    async def stop(self) -> None:
        self._stopping.set()
        self.wakeup.set()
        if self._task:
            await self._task
        if self._scheduler:
            # a run in progress goes on through its jobs, each up to scheduled.PERIODIC_TIMEOUT_S: the process's
            # shutdown waited for all of them. It has a moment to end; then it is cut off (each job is its own
            # transactions, and the next start runs them all again)
            await asyncio.wait([self._scheduler], timeout=SCHEDULED_STOP_GRACE_S)
            await stop_task(self._scheduler)
        if self._running:
            await asyncio.wait(list(self._running), timeout=10)


def notify(ctx: Context) -> None:
    """Tell this process's relay that new work was committed (no-op where no relay runs)."""
    relay: Relay | None = ctx.extras.get("relay")
    if relay is not None:
        relay.notify()
