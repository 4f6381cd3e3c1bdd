"""A worker SIGKILLed (the OOM killer, a node lost) while it runs a task that is pushing to a phone: the task runs
again once its lease is out, the push reaches the phone once, and both attempts are on record.

The worker is a real process (tests/faults/_worker_process.py: the relay and SAQ consumer `zan worker` runs) on the
real PostgreSQL and Redis; FCM is the loopback fake, holding the push's answer so the kill lands mid-send."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import firebase_admin
import pytest
from sqlalchemy import select, update

from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.jobs.relay import Relay
from backend.lib.clock import utcnow
from backend.notifications.fcm import FcmSender
from backend.notifications.models import Delivery
from backend.reports.workflow import Action
from tests.fakes.fcm import FakeFCM
from tests.helpers import eventually
from tests.notifications.conftest import act, citizen_devices, new_report

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_url(pg_url: str) -> str:
    return pg_url


@pytest.fixture
async def worker_process(ctx: Context, fake_fcm: FakeFCM,
                         tmp_path: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    account = tmp_path / "service-account.json"
    account.write_text(json.dumps(fake_fcm.service_account()))
    settings = ctx.settings
    env = {**os.environ, "ZAN_DATABASE_URL": settings.database_url, "ZAN_REDIS_URL": str(settings.redis_url),
           "ZAN_REDIS_PREFIX": settings.redis_prefix, "ZAN_QUEUE": "saq", "ZAN_VAR_DIR": str(settings.var_dir),
           "ZAN_SECRET_KEY": settings.secret_key, "ZAN_ENABLE_ROUTING": "false", "ZAN_RELAY_INTERVAL_S": "0.1",
           "ZAN_LOG_LEVEL": "WARNING"}
    env.pop("ZAN_ENVIRONMENT", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.faults._worker_process", str(account), fake_fcm.base_url, cwd=ROOT, env=env)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _rows(ctx: Context, report_id: object) -> tuple[OutboxTask | None, Delivery | None]:
    async with ctx.sessions() as session:
        task = await session.scalar(select(OutboxTask).where(
            OutboxTask.task == "notifications.report_event",  # type: ignore[arg-type]
            OutboxTask.payload["report_id"].as_string() == str(report_id)))  # type: ignore[index]
        row = await session.scalar(select(Delivery).where(Delivery.kind == "push"))  # type: ignore[arg-type]
    return task, row


async def test_a_worker_killed_mid_push_is_run_again_and_the_phone_hears_once(
        ctx: Context, fake_fcm: FakeFCM, firebase_app: firebase_admin.App,
        worker_process: asyncio.subprocess.Process) -> None:
    report = await new_report(ctx)
    (phone,) = await citizen_devices(ctx, report, ["ru"])
    token = phone.token or ""
    fake_fcm.set_latency(3600, target=token)  # FCM holds the answer: the worker is killed while it waits
    await act(ctx, report.id, Action.ASSIGN)  # the status change and its outbox task, for the worker to run

    async def mid_send() -> bool:
        task, row = await _rows(ctx, report.id)
        return (task is not None and task.status == "running" and row is not None and row.status == "sending"
                and fake_fcm.token_requests >= 1)

    await eventually(mid_send, timeout=60)
    worker_process.send_signal(signal.SIGKILL)
    assert await worker_process.wait() == -signal.SIGKILL
    task, row = await _rows(ctx, report.id)
    assert task is not None and row is not None
    assert (task.status, task.attempts, row.status, row.attempts) == ("running", 1, "sending", 1)
    assert fake_fcm.pushes_to(token) == []

    # the leases the dead worker held run out (two minutes for the task, one for the push), and FCM answers again
    fake_fcm.reset()
    async with ctx.sessions() as session:
        past = utcnow() - timedelta(seconds=1)
        await session.execute(update(OutboxTask).where(OutboxTask.id == task.id)  # type: ignore[arg-type]
                              .values(locked_until=past))
        await session.execute(update(Delivery).where(Delivery.id == row.id)  # type: ignore[arg-type]
                              .values(locked_until=past))
        await session.commit()
    ctx.extras["push_sender"] = FcmSender(firebase_app)
    await Relay(ctx).drain(timeout_s=30)

    task, row = await _rows(ctx, report.id)
    assert task is not None and row is not None
    assert (task.status, task.attempts) == ("done", 2)  # run again, the killed attempt counted
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(fake_fcm.pushes_to(token)) == 1  # the phone hears of the change once
