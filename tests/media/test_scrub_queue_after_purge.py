"""A report's scrub is queued although the purge of finished tasks (backend.jobs.retention) deletes its finished row
between `enqueue` finding the key taken and `revive` looking for the row: before, neither inserted nor revived, and
the files stayed withheld from staff until someone opened them again. Found by this session's operations work."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlmodel import col

from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.jobs.service import enqueue
from backend.media.service import ensure_scrub_queued, scrub_task

pytestmark = pytest.mark.anyio


async def test_a_scrub_purged_between_insert_and_revival_is_queued_again(ctx: Context) -> None:
    report_id = uuid.uuid4()
    job = scrub_task(report_id)
    async with ctx.sessions() as session:
        await enqueue(session, job.name, job.payload, dedupe_key=job.dedupe_key)
        await session.execute(update(OutboxTask).where(col(OutboxTask.dedupe_key) == job.dedupe_key)
                              .values(status="done"))
        await session.commit()

    def purged_meanwhile(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # the purge's DELETE landing right after the insert found the key taken, before the revival's UPDATE
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX_TASKS") and not purged:
            purged.append(True)
            conn.exec_driver_sql("DELETE FROM outbox_tasks WHERE status = 'done'")

    purged: list[bool] = []
    event.listen(ctx.engine.sync_engine, "after_cursor_execute", purged_meanwhile)
    try:
        async with ctx.sessions() as session:
            await ensure_scrub_queued(session, report_id)
            await session.commit()
    finally:
        event.remove(ctx.engine.sync_engine, "after_cursor_execute", purged_meanwhile)
    async with ctx.sessions() as session:
        rows = list(await session.scalars(select(OutboxTask).where(col(OutboxTask.dedupe_key) == job.dedupe_key)))
    assert purged and [(row.status, row.attempts) for row in rows] == [("pending", 0)]
