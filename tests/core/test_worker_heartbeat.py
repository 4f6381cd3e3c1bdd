"""The worker's liveness, for operators: each `zan worker` process keeps a heartbeat row in the database with its
relay's and its SAQ consumer's progress (backend/health/workers.py); `zan health worker` (the worker container's
health check) judges this host's, /health and /metrics report all of them."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import timedelta
from typing import Any

import anyio
import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select, update
from sqlmodel import col

from backend.cli import main
from backend.context import Context
from backend.health import workers
from backend.health.workers import (
    SAQ_BUSY_STALL_S,
    SAQ_IDLE_STALL_S,
    SEEN_S,
    Progress,
    identity,
    write_beat,
)
from backend.jobs import saq
from backend.jobs.models import WorkerHeartbeat
from backend.jobs.saq import SCHEDULED_TIMEOUT_S
from backend.lib.clock import utcnow
from tests.helpers import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.redis, pytest.mark.saq]

CLOSED_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: Redis "down", refused at once


def _zan_env(ctx: Context, **overrides: str | None) -> dict[str, str | None]:
    settings = ctx.settings
    env: dict[str, str | None] = {
        "ZAN_ENVIRONMENT": None, "ZAN_DATABASE_URL": settings.database_url, "ZAN_REDIS_URL": settings.redis_url,
        "ZAN_REDIS_PREFIX": settings.redis_prefix, "ZAN_QUEUE": "saq", "ZAN_VAR_DIR": str(settings.var_dir),
        "ZAN_SECRET_KEY": settings.secret_key}
    env.update(overrides)
    return env


async def _check(ctx: Context, *args: str, **env: str | None) -> Result:
    """`zan health worker` as the container runs it (in a thread: the command runs its own event loop)."""
    return await anyio.to_thread.run_sync(
        lambda: CliRunner().invoke(main, ["health", "worker", *args], env=_zan_env(ctx, **env)))


async def _own_beat(ctx: Context) -> WorkerHeartbeat | None:
    hostname, pid = identity()
    async with ctx.sessions() as session:
        return await session.get(WorkerHeartbeat, (hostname, pid))


async def _age_beat(ctx: Context, seconds: float) -> None:
    """This process's heartbeat as it stands `seconds` later, nothing having been written meanwhile."""
    hostname, pid = identity()
    async with ctx.sessions() as session:
        beat = await session.get(WorkerHeartbeat, (hostname, pid))
        assert beat is not None
        shift = timedelta(seconds=seconds)
        await session.execute(update(WorkerHeartbeat).where(
            col(WorkerHeartbeat.hostname) == hostname, col(WorkerHeartbeat.pid) == pid).values(
            started_at=beat.started_at - shift, beat_at=beat.beat_at - shift,
            relay_at=beat.relay_at - shift if beat.relay_at else None,
            saq_at=beat.saq_at - shift if beat.saq_at else None))
        await session.commit()


async def _beat_now(ctx: Context, *, relay_quiet_s: float = 0.0, saq_quiet_s: float = 0.0, running: int = 0,
                    concurrency: int = 4) -> None:
    """A beat of this process, written as a worker writes it, whose relay and consumer last moved so long ago."""
    now = utcnow()
    await write_beat(ctx, now - timedelta(minutes=10), Progress(
        relay_at=now - timedelta(seconds=relay_quiet_s), saq_at=now - timedelta(seconds=saq_quiet_s),
        saq_running=running, saq_concurrency=concurrency))




@pytest.fixture
def quick_beats(monkeypatch: pytest.MonkeyPatch) -> None:
    """Beats every 2 s instead of 10 (set before the worker starts: its loop reads the interval after each beat),
    so the test sees the next beats without waiting 10 s for each. And an idle consumer's dequeue comes back
    empty-handed (the progress a beat reports for it) every second instead of every SAQ_POLL_S (5 s): still a
    blocking dequeue on the real Redis, which the test proves moves the beat's `saq_at`, only sooner."""
    monkeypatch.setattr(workers, "BEAT_EVERY_S", 2.0)
    monkeypatch.setattr(saq, "SAQ_POLL_S", 1.0)  # imported by name from backend/health/workers.py


async def test_a_running_worker_beats_with_its_relay_and_consumer(ctx: Context, quick_beats: None,
                                                                   worker: asyncio.Task[None],
                                                                   app_client: httpx.AsyncClient) -> None:
    async def beating() -> bool:
        return await _own_beat(ctx) is not None

    await eventually(beating, timeout=30)
    first = await _own_beat(ctx)
    assert first is not None and first.relay_at is not None and first.saq_at is not None
    assert first.saq_concurrency == 2

    # the next beats carry progress: the relay's passes and the idle consumer's empty-handed dequeues
    async def progressed() -> bool:
        beat = await _own_beat(ctx)
        assert beat is not None and first is not None
        return (beat.beat_at > first.beat_at and beat.saq_at is not None and beat.relay_at is not None
                and beat.saq_at > first.saq_at and beat.relay_at > first.relay_at)  # type: ignore[operator]

    await eventually(progressed, timeout=40, interval=0.5)

    result = await _check(ctx)
    assert result.exit_code == 0, result.output
    assert f"worker {identity()[0]}:{identity()[1]} ok" in result.output
    health = (await app_client.get("/health")).json()
    assert health["queue"]["workers"] == 1 and health["queue"]["workers_stuck"] == 0, health
    assert health["queue"]["worker_seen_s"] < SEEN_S

    # the heartbeat ages while nothing rewrites it: as it stands a minute after the worker's last beat (its event
    # loop blocked, its database connection hung, the process frozen)
    worker.cancel()
    await asyncio.gather(worker, return_exceptions=True)
    assert await _own_beat(ctx) is None  # a worker that stops takes its row with it
    await _beat_now(ctx)
    await _age_beat(ctx, 60)
    stale = await _check(ctx)
    assert stale.exit_code == 1 and "beat quiet for" in stale.output, stale.output


async def test_sigterm_stops_the_whole_worker(ctx: Context, worker: asyncio.Task[None]) -> None:
    """`docker stop` sends SIGTERM: SAQ's own handler used to take it, stop the consumer and leave the relay
    running with nobody to run the tasks, until Docker killed the process ten seconds later."""
    async def beating() -> bool:
        return await _own_beat(ctx) is not None

    await eventually(beating, timeout=30)  # the consumer has started (and put its signal handlers in place)
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(asyncio.shield(worker), timeout=30)
    assert worker.exception() is None
    assert await _own_beat(ctx) is None


async def test_check_fails_without_a_heartbeat_of_this_host(ctx: Context) -> None:
    result = await _check(ctx)
    assert result.exit_code == 1 and f"no heartbeat from a worker on {identity()[0]}" in result.output
    await _beat_now(ctx)
    assert (await _check(ctx)).exit_code == 0
    # a worker named by its pid: another process's row is not this one's
    other = await _check(ctx, "--pid", str(identity()[1] + 1))
    assert other.exit_code == 1 and "no heartbeat" in other.output


@pytest.mark.parametrize(("beat", "exit_code", "says"), [
    pytest.param({}, 0, "ok", id="working"),
    pytest.param({"relay_quiet_s": 200.0}, 1, "relay quiet", id="relay-stopped"),
    pytest.param({"saq_quiet_s": SAQ_IDLE_STALL_S + 30}, 1, "saq quiet", id="consumer-stuck"),
    # every slot busy: nothing is dequeued until a job ends, up to the longest job's timeout
    pytest.param({"saq_quiet_s": SAQ_IDLE_STALL_S + 30, "running": 4}, 0, "4/4 jobs running", id="consumer-busy"),
    pytest.param({"saq_quiet_s": SAQ_BUSY_STALL_S + 30, "running": 4}, 1, "saq quiet", id="busy-too-long"),
])
async def test_check_exit_codes(ctx: Context, beat: dict[str, Any], exit_code: int, says: str) -> None:
    await _beat_now(ctx, **beat)
    result = await _check(ctx)
    assert result.exit_code == exit_code and says in result.output, result.output


async def test_a_redis_outage_alone_does_not_fail_the_check(ctx: Context) -> None:
    """With Redis down the consumer cannot move: not the worker's fault, and a restart would not help. Once Redis
    answers again, a consumer that did not recover fails it."""
    await _beat_now(ctx, saq_quiet_s=SAQ_IDLE_STALL_S + 30)
    down = await _check(ctx, ZAN_REDIS_URL=CLOSED_REDIS)
    assert down.exit_code == 0 and "Redis does not answer" in down.output, down.output
    assert (await _check(ctx)).exit_code == 1
    # a relay that stopped is the worker's own failure, Redis or not
    await _beat_now(ctx, relay_quiet_s=200.0, saq_quiet_s=SAQ_IDLE_STALL_S + 30)
    assert (await _check(ctx, ZAN_REDIS_URL=CLOSED_REDIS)).exit_code == 1


async def test_health_is_degraded_without_a_recent_heartbeat(ctx: Context, app_client: httpx.AsyncClient) -> None:
    none = (await app_client.get("/health")).json()
    assert none["queue"]["workers"] == 0 and none["queue"]["worker_seen_s"] is None
    assert none["queue"]["ok"] is False and none["status"] == "degraded"

    await _beat_now(ctx)
    fresh = await app_client.get("/health")
    assert fresh.status_code == 200 and fresh.json()["status"] == "ok", fresh.json()

    await _age_beat(ctx, SEEN_S + 25)
    stale = await app_client.get("/health")
    body = stale.json()
    # not down: intake goes on, the work waits in the outbox
    assert stale.status_code == 200 and body["status"] == "degraded", body
    assert body["queue"]["ok"] is False and body["queue"]["workers"] == 0
    assert body["queue"]["worker_seen_s"] >= SEEN_S + 25

    metrics = (await app_client.get("/metrics")).text
    [age] = [line for line in metrics.splitlines() if line.startswith("zan_worker_heartbeat_age_seconds ")]
    assert float(age.split()[1]) >= SEEN_S + 25
    assert 'zan_workers{state="working"} 0.0' in metrics


async def test_health_names_a_stuck_worker(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """A worker that beats but whose relay stopped is not a working one."""
    await _beat_now(ctx, relay_quiet_s=200.0)
    body = (await app_client.get("/health")).json()
    assert body["queue"]["workers"] == 0 and body["queue"]["workers_stuck"] == 1
    assert body["status"] == "degraded"
    metrics = (await app_client.get("/metrics")).text
    assert 'zan_workers{state="stuck"} 1.0' in metrics


async def test_rows_of_workers_gone_for_a_day_are_forgotten(ctx: Context) -> None:
    await _beat_now(ctx)
    await _age_beat(ctx, 2 * 86400)
    hostname, pid = identity()
    async with ctx.sessions() as session:
        session.add(WorkerHeartbeat(hostname="gone-host", pid=7, beat_at=utcnow() - timedelta(days=2)))
        await session.commit()
    await _beat_now(ctx)  # another beat (this process's) clears them
    async with ctx.sessions() as session:
        left = list(await session.scalars(select(WorkerHeartbeat)))
    assert [(beat.hostname, beat.pid) for beat in left] == [(hostname, pid)]


def test_a_busy_consumer_is_given_the_longest_job_s_time() -> None:
    assert SAQ_BUSY_STALL_S > SCHEDULED_TIMEOUT_S
