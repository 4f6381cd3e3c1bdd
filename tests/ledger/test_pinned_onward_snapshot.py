"""The scheduled pinned check reads a batch's events, files, notes and custody records in separate statements: a
report assigned (its custody record and its `assign` event committed together) between the events' read and the
custody records' read was judged a custody record no event pins, logged at ERROR as tampering and kept failing
/health for a whole cycle (hours). On PostgreSQL each batch is read as one snapshot (REPEATABLE READ); SQLite's
transactions are serialised already."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.util import await_only

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.ledger.models import LedgerCheckpoint
from backend.ledger.verify import PINNED, check_pinned_onward
from backend.reports import submission
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Status
from tests.core.factories import make_report
from tests.officers.factories import make_unit
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio


async def test_a_report_assigned_while_its_batch_is_read_is_no_finding(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite: the assignment waits for the check's transaction (BEGIN IMMEDIATE), no race to show")
    unit = await make_unit(ctx)
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, department=unit.department)
        session.add(ReportEvent(report_id=report.id, action="registered", actor_type="citizen", channel="test",
                                data={"submission": submission.digest(submission.submission(report, []))}))
        await session.commit()

    async def assign() -> None:  # a dispatcher's assignment, committed by another connection
        async with ctx.sessions() as other:
            row = await other.get(Report, report.id)
            assert row is not None
            await dispatch.assign(other, row, unit, DISPATCHER)
            await other.commit()

    fired: list[bool] = []

    def between(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # just before the check reads the batch's custody records, after it read the events
        if not fired and "FROM assignments" in statement and "ORDER BY assignments.assigned_at" in statement:
            fired.append(True)
            await_only(assign())

    event.listen(ctx.engine.sync_engine, "before_cursor_execute", between)
    try:
        async with ctx.sessions() as session:
            verdict = await check_pinned_onward(session, every=timedelta(hours=1))
    finally:
        event.remove(ctx.engine.sync_engine, "before_cursor_execute", between)
    assert fired
    assert (verdict.altered, verdict.missing) == ([], []), verdict
    async with ctx.sessions() as session:
        checkpoint = await session.get(LedgerCheckpoint, PINNED)
    assert checkpoint is not None and checkpoint.positions["problems"] == 0
