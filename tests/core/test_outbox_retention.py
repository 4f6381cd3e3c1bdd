"""Finished outbox tasks are deleted after ZAN_OUTBOX_RETENTION_DAYS, in batches, found by the 2026-12-05 operations
audit (the table grew forever: every report writes several tasks). What is deleted can never be run again by a stale
job, and a key is freed only once nothing that may ask for it again is left: a dead task an operator may retry, or a
task not finished yet, keeps the finished rows it may have enqueued (backend/jobs/retention.py)."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.health.controller import _check_db
from backend.jobs.models import OutboxTask
from backend.jobs.relay import INPROCESS_LEASE_S, execute
from backend.jobs.retention import purge_finished
from backend.jobs.scheduled import MAIN, lane_jobs, run_scheduled
from backend.jobs.service import claim, enqueue, retry_dead, revive
from backend.lib.clock import utcnow
from backend.settings import Settings, SettingsError

pytestmark = pytest.mark.anyio
DAYS = timedelta(days=14)


def _ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


async def _task(
    ctx: Context,
    status: str,
    *,
    key: str | None = None,
    created: float,
    finished: float | None = None,
    task: str = "notifications.deliver",
) -> uuid.UUID:
    """A task created `created` days ago that last changed (finished, died) `finished` days ago."""
    row = OutboxTask(
        task=task,
        payload={},
        dedupe_key=key,
        status=status,
        attempts=1,
        created_at=_ago(created),
        next_attempt_at=_ago(created),
        updated_at=_ago(created if finished is None else finished),
    )
    async with ctx.sessions() as session:
        session.add(row)
        await session.commit()
    return row.id


async def _left(ctx: Context) -> set[uuid.UUID]:
    async with ctx.sessions() as session:
        return set(await session.scalars(select(OutboxTask.id)))


async def _purge(ctx: Context, **kwargs: int) -> int:
    async with ctx.sessions() as session:
        return await purge_finished(session, older_than=DAYS, **kwargs)


async def test_done_tasks_past_retention_go_and_nothing_else_does(ctx: Context) -> None:
    old = await _task(ctx, "done", key=f"report-event:{uuid.uuid4()}", created=20)
    keyless = await _task(ctx, "done", created=30)
    recent = await _task(ctx, "done", key=f"report-event:{uuid.uuid4()}", created=15, finished=13)
    # operators retry dead tasks (`zan jobs dead` / `retry`): never deleted, however old
    dead = await _task(ctx, "dead", key=f"route:{uuid.uuid4()}", created=90, finished=89)
    # work not finished: a task waiting, handed out, running (created now, so it guards nothing older)
    live = {
        await _task(ctx, status, key=f"{status}:{uuid.uuid4()}", created=0)
        for status in ("pending", "queued", "running")
    }
    before = await _check_db(ctx)

    assert await _purge(ctx) == 2

    assert await _left(ctx) == {recent, dead, *live} and not {old, keyless} & await _left(ctx)
    after = await _check_db(ctx)  # what /health and the dead-letter gauge count is untouched
    assert (
        (after["outbox_backlog"], after["outbox_dead"]) == (before["outbox_backlog"], before["outbox_dead"]) == (3, 1)
    )
    assert await _purge(ctx) == 0


async def test_a_purged_task_cannot_run_again(ctx: Context) -> None:
    """A SAQ job of a deleted task (still in Redis, or handed out before) finds no row: it never runs."""
    key = f"report-event:{uuid.uuid4()}"
    done = await _task(ctx, "done", key=key, created=20)
    assert await _purge(ctx) == 1
    async with ctx.sessions() as session:
        assert await claim(session, done, INPROCESS_LEASE_S) is None
        assert not await revive(session, key)
        await session.commit()
    assert await execute(ctx, done, 2) == "stale"
    assert await _left(ctx) == set()


async def test_a_dead_parent_keeps_the_keys_it_enqueued_so_a_retry_does_not_repeat_them(ctx: Context) -> None:
    """notifications.report_event enqueued `telegram:<event>` (the reporter's chat message) and then died; the
    message went. `zan jobs retry` weeks later runs the fan-out again: the message's finished row must still be
    there, or the key is free and the reporter gets it twice."""
    event = uuid.uuid4()
    await _task(ctx, "dead", key=f"report-event:{event}", task="notifications.report_event", created=40, finished=39)
    child = await _task(ctx, "done", key=f"telegram:{event}", task="notifications.telegram", created=40)
    other = await _task(ctx, "done", key=f"telegram:{uuid.uuid4()}", task="notifications.telegram", created=30)

    assert await _purge(ctx) == 1
    assert child in await _left(ctx) and other not in await _left(ctx)
    async with ctx.sessions() as session:
        assert await retry_dead(session) == 1
        # what the retried fan-out does: its key is still taken, nothing is scheduled twice
        assert not await enqueue(session, "notifications.telegram", {}, dedupe_key=f"telegram:{event}")
        await session.commit()


async def test_a_dead_task_keeps_what_names_its_subject_whenever_it_was_enqueued(ctx: Context) -> None:
    """A dispatcher's reclassify offered the urgent report (`offer-urgent:<report>`) while its routing task was
    dead; `zan ml reroute` later runs routing, which offers an urgent report too: the key must still be taken."""
    report = uuid.uuid4()
    await _task(ctx, "dead", key=f"route:{report}", task="reports.route", created=60, finished=59)
    offer = await _task(ctx, "done", key=f"offer-urgent:{report}", task="reports.offer_urgent", created=30)
    assert await _purge(ctx) == 0
    assert offer in await _left(ctx)


async def test_a_dead_task_keeps_what_was_enqueued_during_its_life(ctx: Context) -> None:
    """Whatever its key: a dead task may have enqueued anything created while it ran (CLOCK_ROOM either side)."""
    await _task(ctx, "dead", key="sweep:a", created=40, finished=38)
    during = await _task(ctx, "done", key="deliver:b", created=39)
    before = await _task(ctx, "done", key="deliver:c", created=42)
    after = await _task(ctx, "done", key="deliver:d", created=30)
    keyless = await _task(ctx, "done", created=39)  # a key-less row is never asked for again: it goes
    assert await _purge(ctx) == 3
    assert during in await _left(ctx) and not {before, after, keyless} & await _left(ctx)


async def test_a_task_not_finished_keeps_what_names_its_subject_and_stops_nothing_else(ctx: Context) -> None:
    """A routing task waiting weeks for its model (RetryLater spends no attempt) still runs, and offers its report
    if urgent: the offer a dispatcher's reclassify made meanwhile keeps its key. Other reports' rows still go: one
    task waiting does not stop the purge (the table would grow again behind it)."""
    report = uuid.uuid4()
    await _task(ctx, "pending", key=f"route:{report}", task="reports.route", created=30)
    offer = await _task(ctx, "done", key=f"offer-urgent:{report}", task="reports.offer_urgent", created=20)
    others = {await _task(ctx, "done", key=f"offer-urgent:{uuid.uuid4()}", created=days) for days in (20, 40)}
    assert await _purge(ctx) == 2
    assert offer in await _left(ctx) and not others & await _left(ctx)
    async with ctx.sessions() as session:
        assert not await enqueue(session, "reports.offer_urgent", {}, dedupe_key=f"offer-urgent:{report}")


async def test_a_revived_task_is_not_purged(ctx: Context) -> None:
    """Staff open an anonymous report's files again: its finished scrub runs again (`revive`), and is no longer done."""
    key = f"scrub:{uuid.uuid4()}"
    scrub = await _task(ctx, "done", key=key, task="media.scrub", created=20)
    async with ctx.sessions() as session:
        assert await revive(session, key)
        await session.commit()
    assert await _purge(ctx) == 0 and scrub in await _left(ctx)


async def test_batches_are_bounded_and_go_past_the_rows_kept(ctx: Context) -> None:
    """At most `batch` rows a transaction and `max_batches` a run; the rest go in the next runs. Rows kept (the
    oldest here) do not stop the run from reaching those behind them."""
    kept = uuid.uuid4()
    await _task(ctx, "dead", key=f"report-event:{kept}", created=90, finished=89)
    guarded = {await _task(ctx, "done", key=f"telegram:{kept}:{i}", created=60 - i / 100) for i in range(4)}
    for i in range(9):
        await _task(ctx, "done", key=f"deliver:{uuid.uuid4()}", created=30 - i / 100)
    assert await _purge(ctx, batch=3, max_batches=3) == 5  # 3 + 2 (the first batch held 3 rows kept)
    assert await _purge(ctx, batch=3, max_batches=3) == 4
    assert await _purge(ctx, batch=3, max_batches=3) == 0
    assert guarded <= await _left(ctx)


async def test_a_head_of_rows_kept_does_not_stop_the_purge(ctx: Context) -> None:
    """Found by a review: each run began again at the oldest candidate, and a finished row whose subject a task not
    finished names is kept only once read: once a run's pages (20,000 rows by default) were all such rows, no run
    reached the deletable rows behind them, and the table grew again. Rows kept now cost one sweep, not every run.
    Shown with a small batch."""
    reports = [uuid.uuid4() for _ in range(2)]
    routes = [await _task(ctx, "pending", key=f"route:{report}", created=0) for report in reports]
    kept = {await _task(ctx, "done", key=f"offer-urgent:{report}", created=40) for report in reports}
    free = await _task(ctx, "done", key=f"report-event:{uuid.uuid4()}", created=20)
    for _ in range(3):  # three scheduled runs, each reading two rows
        await _purge(ctx, batch=1, max_batches=2)
    assert free not in await _left(ctx) and kept <= await _left(ctx)
    # a sweep that reached the end starts again at the oldest: rows freed at the head since go in the next ones
    async with ctx.sessions() as session:
        for route in routes:
            task = await session.get(OutboxTask, route)
            assert task is not None
            task.status = "done"
        await session.commit()
    for _ in range(3):
        await _purge(ctx, batch=1, max_batches=2)
    assert not kept & await _left(ctx)


async def test_the_scheduled_run_purges_with_the_setting(ctx: Context) -> None:
    assert "jobs.purge_outbox" in lane_jobs(MAIN)
    ctx.settings = ctx.settings.with_(outbox_retention_days=3)
    older = await _task(ctx, "done", key="deliver:x", created=4)
    younger = await _task(ctx, "done", key="deliver:y", created=2)
    await run_scheduled(ctx, MAIN)
    assert await _left(ctx) == {younger} and older not in await _left(ctx)


def test_the_retention_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("ZAN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ZAN_VAR_DIR", str(tmp_path))
    assert Settings.from_env().outbox_retention_days == 14
    monkeypatch.setenv("ZAN_OUTBOX_RETENTION_DAYS", "1")
    assert Settings.from_env().outbox_retention_days == 1
    monkeypatch.setenv("ZAN_OUTBOX_RETENTION_DAYS", "0")
    with pytest.raises(SettingsError, match=r"^ZAN_OUTBOX_RETENTION_DAYS must be at least 1, not '0'$"):
        Settings.from_env()
