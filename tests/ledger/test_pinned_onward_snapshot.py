"""The scheduled pinned check reads a batch's events, files, notes and custody records in separate statements: a
report assigned (its custody record and its `assign` event committed together) between the events' read and the
custody records' read was judged a custody record no event pins, logged at ERROR as tampering and kept failing
/health for a whole cycle (hours). On PostgreSQL each batch is read as one snapshot (REPEATABLE READ); SQLite's
transactions are serialised already."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.context import Context
from backend.ledger.models import LedgerCheckpoint
from backend.ledger.verify import PINNED, check_pinned_onward
from tests.helpers import committed_between
from tests.ledger.records import assigning, triaged_report
from tests.officers.factories import make_unit

pytestmark = pytest.mark.anyio


async def test_a_report_assigned_while_its_batch_is_read_is_no_finding(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite: the assignment waits for the check's transaction (BEGIN IMMEDIATE), no race to show")
    unit = await make_unit(ctx)
    report = await triaged_report(ctx, unit)
    # just before the check reads the batch's custody records, after it read the events
    with committed_between(ctx, lambda statement: "FROM assignments" in statement
                           and "ORDER BY assignments.assigned_at" in statement, assigning(ctx, report, unit)) as fired:
        async with ctx.sessions() as session:
            verdict = await check_pinned_onward(session, every=timedelta(hours=1))
    assert fired
    assert (verdict.altered, verdict.missing) == ([], []), verdict
    async with ctx.sessions() as session:
        checkpoint = await session.get(LedgerCheckpoint, PINNED)
    assert checkpoint is not None and checkpoint.positions["problems"] == 0
