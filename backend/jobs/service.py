"""Writing work into the outbox (inside the caller's transaction) and settling its outcome."""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.db import insert_ignoring_conflicts
from backend.jobs.models import OutboxTask
from backend.lib.clock import utcnow

log = logging.getLogger("zan.jobs")
BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 3600.0


def backoff(attempt: int, *, base: float = BACKOFF_BASE_S, cap: float = BACKOFF_CAP_S) -> float:
    """Exponential backoff with full jitter (AWS style): spreads retries of a failed dependency over time."""
    return random.uniform(base / 2, min(cap, base * 2 ** max(attempt - 1, 0)))


class Task(NamedTuple):
    """A unit of outbox work, before it is written."""

    name: str
    payload: dict[str, Any]
    dedupe_key: str | None = None


def task_rows(tasks: list[Task]) -> list[dict[str, Any]]:
    """Outbox rows for a Core insert of `tasks`: the model's column defaults (id, pending, due now) fill the rest."""
    return [{"task": t.name, "payload": t.payload, "dedupe_key": t.dedupe_key} for t in tasks]


async def enqueue(
    session: AsyncSession,
    task: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
    max_attempts: int = 8,
    run_at: datetime | None = None,
    fresh: bool = False,
) -> bool:
    """Add a task to the caller's transaction. False if a task with the same dedupe key already exists.

    `fresh=True` says the key cannot exist yet (it names a row created in this same transaction): the row then goes
    with the session's next flush instead of a statement of its own (the intake hot path).
    """
    values: dict[str, Any] = {"task": task, "payload": payload, "dedupe_key": dedupe_key,
                              "max_attempts": max_attempts, "next_attempt_at": run_at or utcnow()}
    if dedupe_key is None or fresh:
        session.add(OutboxTask(**values))
        return True
    # one statement (the column defaults fill id, status and times): a savepoint around an INSERT that may fail
    # cost two more round trips, and a PostgreSQL subtransaction, for every deduplicated task
    stmt = insert_ignoring_conflicts(session, OutboxTask.__table__, ["dedupe_key"])  # type: ignore[attr-defined]
    inserted = await session.execute(stmt.values(**values)
                                     .returning(OutboxTask.__table__.c.id))  # type: ignore[attr-defined]
    return inserted.first() is not None


async def revive(session: AsyncSession, dedupe_key: str) -> bool:
    """Run the dead-lettered or finished task with this dedupe key again, with a fresh set of attempts, due now, in
    the caller's transaction: its key keeps `enqueue` from adding it again, what it died on (a long outage) may be
    over, and a finished one's work may have grown since. False when no such task is there."""
    now = utcnow()
    result = await session.execute(
        update(OutboxTask)
        .where(col(OutboxTask.dedupe_key) == dedupe_key, col(OutboxTask.status).in_(("dead", "done")))
        .values(status="pending", attempts=0, next_attempt_at=now, locked_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


# A task's states: pending (waiting to be due), queued (handed to whoever runs it, not started: the SAQ queue or this
# process's relay), running (started: this attempt counts), done, dead. Queued and running hold a lease
# (locked_until); when it runs out the relay hands the task out again.
HANDED_OUT = ("queued", "running")


def _claimable(now: datetime) -> Any:
    return (((OutboxTask.status == "pending") & (OutboxTask.next_attempt_at <= now))  # type: ignore[arg-type]
            | (col(OutboxTask.status).in_(HANDED_OUT) & (OutboxTask.locked_until < now)))  # type: ignore[operator]


async def claim(session: AsyncSession, task_id: uuid.UUID, lease_s: float) -> int | None:
    """Hand out a due task (or one whose lease expired: a queue that never got to it, a worker that died). Returns
    the number of the attempt to run, which `start` takes.

    Handing out spends no attempt; starting does. Tasks handed to SAQ while no worker consumed (workers down, a
    backlog longer than the lease) were handed out again each lease, and each time counted an attempt: after 40
    minutes every such task had used its eight without ever running, and its first real failure dead-lettered it.
    An attempt handed out again keeps its number, so its SAQ job keeps its key and SAQ keeps one copy of it."""
    now = utcnow()
    row = await session.get(OutboxTask, task_id, populate_existing=True)
    if row is None:
        return None
    if row.status == "running" and row.attempts >= row.max_attempts:
        # its last attempt started and was never settled (it killed its worker, or hung past the lease): a failed
        # attempt like any other. Handed out again, a task that kills its worker each time ran for ever, attempt
        # after attempt, and was never dead-lettered (`zan jobs dead`, /health's queue.dead)
        await _lease_ran_out_on_last(session, row, now)
        return None
    result = await session.execute(
        update(OutboxTask)
        .where(OutboxTask.id == task_id, OutboxTask.attempts == row.attempts)  # type: ignore[arg-type]
        .where(_claimable(now))
        .values(status="queued", locked_until=now + timedelta(seconds=lease_s), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return row.attempts + 1 if getattr(result, "rowcount", 0) == 1 else None


LEASE_RAN_OUT = "lease ran out: the worker running the last attempt died or hung, and nothing settled it"


async def _lease_ran_out_on_last(session: AsyncSession, row: OutboxTask, now: datetime) -> None:
    """Dead-letter a task whose last attempt's lease ran out, if it still is that (one conditional UPDATE: a late
    settle of that attempt, or another relay, wins or loses as a whole)."""
    result = await session.execute(
        update(OutboxTask)
        .where(OutboxTask.id == row.id, OutboxTask.attempts == row.attempts,  # type: ignore[arg-type]
               OutboxTask.status == "running", OutboxTask.locked_until < now)  # type: ignore[arg-type,operator]
        .values(status="dead", locked_until=None, updated_at=now,
                last_error=f"{LEASE_RAN_OUT}; before: {row.last_error or '-'}"[:4000])
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    if getattr(result, "rowcount", 0) == 1:  # as every dead task: one ERROR line saying which and why
        log.error("task %s %s dead after attempt %d: %s", row.task, row.id, row.attempts, LEASE_RAN_OUT)


async def start(session: AsyncSession, task_id: uuid.UUID, attempt: int,
                lease_s: float) -> tuple[str, dict[str, Any]] | None:
    """Begin running the attempt we were handed, if it is still the task's next one and nobody started it yet:
    (task name, payload); the attempt now counts, and the lease runs `lease_s` from now (a queued job may start
    late). None for a stale job, e.g. a SAQ job of an attempt whose worker died mid-run while the relay handed out
    the next one, or a second copy of the same attempt: checking only when settling would run the task's side
    effects (an urgent offer, a push) a second time. One conditional UPDATE, so a re-claim and a late start, or two
    copies of one attempt, cannot both win."""
    now = utcnow()
    result = await session.execute(
        update(OutboxTask)
        .where(OutboxTask.id == task_id, OutboxTask.attempts == attempt - 1,  # type: ignore[arg-type]
               OutboxTask.status == "queued")  # type: ignore[arg-type]
        .values(status="running", attempts=attempt, locked_until=now + timedelta(seconds=lease_s), updated_at=now)
        .returning(col(OutboxTask.task), col(OutboxTask.payload))
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    await session.commit()
    return (str(row[0]), dict(row[1])) if row is not None else None


async def due_ids(session: AsyncSession, limit: int) -> list[uuid.UUID]:
    now = utcnow()
    rows = await session.scalars(
        select(col(OutboxTask.id))
        .where(_claimable(now))
        .order_by(OutboxTask.next_attempt_at)  # type: ignore[arg-type]
        .limit(limit)
    )
    return list(rows)


async def settle(session: AsyncSession, task_id: uuid.UUID, attempt: int, error: str | None,
                 *, permanent: bool = False, retry_after_s: float | None = None) -> str:
    """Record the result of the attempt we own: done, retry later with backoff, or dead after the last attempt."""
    row = await session.get(OutboxTask, task_id, populate_existing=True)
    if row is None or row.attempts != attempt or row.status != "running":
        return "lost"  # someone re-claimed it after our lease expired; their result counts
    now = utcnow()
    if error is None:
        row.status, row.last_error, row.locked_until = "done", None, None
    elif permanent or (retry_after_s is None and attempt >= row.max_attempts):
        row.status, row.last_error, row.locked_until = "dead", error[:4000], None
    elif retry_after_s is not None:
        # the task asked to wait (RetryLater: a missing model, a store outage, flood control): that is not a failed
        # attempt, or an outage longer than max_attempts waits would dead-letter work that only had to wait
        row.status, row.attempts, row.last_error, row.locked_until = "pending", attempt - 1, error[:4000], None
        row.next_attempt_at = now + timedelta(seconds=retry_after_s)
    else:
        row.status, row.last_error, row.locked_until = "pending", error[:4000], None
        row.next_attempt_at = now + timedelta(seconds=backoff(attempt))
    row.updated_at = now
    await session.commit()
    return row.status


async def interrupted(session: AsyncSession, task_id: uuid.UUID, attempt: int) -> None:
    """The attempt we started was cut off by its process stopping (SIGTERM): the task is due again now, not when its
    lease runs out. The attempt stays counted, as when the lease runs out: it started, and the next one has a number
    of its own, so the SAQ job of this one, which SAQ may put back in the queue, is stale (`start`). It is not a
    failure either: never dead-lettered for it."""
    row = await session.get(OutboxTask, task_id, populate_existing=True)
    if row is None or row.attempts != attempt or row.status != "running":
        return
    now = utcnow()
    row.status, row.locked_until, row.last_error = "pending", None, "interrupted: the worker stopped"
    row.next_attempt_at = row.updated_at = now
    await session.commit()


async def release(session: AsyncSession, task_id: uuid.UUID, attempt: int, delay_s: float) -> None:
    """Hand a claimed, not started task back (the transport, not the task, failed): it was never counted."""
    row = await session.get(OutboxTask, task_id, populate_existing=True)
    if row is None or row.attempts != attempt - 1 or row.status != "queued":
        return
    row.status, row.locked_until = "pending", None
    row.next_attempt_at = utcnow() + timedelta(seconds=delay_s)
    await session.commit()


async def retry_dead(session: AsyncSession, ids: list[uuid.UUID] | None = None) -> int:
    """Give dead-lettered tasks (all, or those of `ids`) a fresh set of attempts, due now, in the caller's
    transaction (`zan jobs retry`, once what they died on is fixed); returns how many."""
    now = utcnow()
    query = update(OutboxTask).where(col(OutboxTask.status) == "dead")
    if ids is not None:
        query = query.where(col(OutboxTask.id).in_(ids))
    result = await session.execute(
        query.values(status="pending", attempts=0, next_attempt_at=now, locked_until=None, updated_at=now)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def stuck(session: AsyncSession, task_prefix: str | None = None, limit: int = 100) -> list[OutboxTask]:
    """Dead-lettered tasks, newest first."""
    query = select(OutboxTask).where(col(OutboxTask.status) == "dead")
    if task_prefix:
        query = query.where(col(OutboxTask.task).startswith(task_prefix))
    rows = await session.scalars(query.order_by(OutboxTask.updated_at.desc()).limit(limit))  # type: ignore[attr-defined]
    return list(rows)
