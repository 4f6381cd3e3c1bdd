"""The count of open reports routing failed for (/health and /metrics, every call) and the dispatchers' list of them
read the partial index ix_reports_routing_failed, not every report: at 300,000 reports a scan per scrape."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from backend.context import Context
from backend.reports.workflow import Status
from backend.routing import failures
from tests.core.factories import make_report

pytestmark = pytest.mark.anyio
INDEX = "ix_reports_routing_failed"


async def _plan(session: AsyncSession, statement: str, parameters: Any) -> str:
    """The plan of `statement` as the code sent it (its own bound values) on the session's connection."""
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        # a test table is small enough for a scan to win on cost: with scans priced out, the planner takes an index
        # only if one matches the query's WHERE (a partial index whose predicate the query implies)
        await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = await conn.exec_driver_sql("EXPLAIN " + statement, parameters)
    else:
        rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
    return "\n".join(str(row[-1]) for row in rows)


async def test_the_failed_count_and_list_read_the_partial_index(ctx: Context) -> None:
    async with ctx.sessions() as session:
        for state in ("done", "failed", "pending"):
            for status in (Status.TRIAGE, Status.CLOSED):
                await make_report(session, status=status, routing_state=state)
        await session.commit()

    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "routing_state" in statement and "count(" in statement.lower():
            sent.append((statement, parameters))

    event.listen(ctx.engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with ctx.sessions() as session:
            assert await failures.counts(session) == {"retrying": 1, "gave_up": 0}
    finally:
        event.remove(ctx.engine.sync_engine, "before_cursor_execute", capture)
    assert sent, "no count of failed reports was sent"
    async with ctx.sessions() as session:
        for statement, parameters in sent:
            plan = await _plan(session, statement, parameters)
            assert INDEX in plan, plan
        await session.rollback()
