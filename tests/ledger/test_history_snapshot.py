"""A report's history judges its integrity from reads in separate statements (its events, then its custody records,
files, notes, entries and seals): a report assigned (its custody record and its `assign` event committed together)
between the events' read and the custody records' read showed a custody record no event pins, and the history
called the report tampered with. On PostgreSQL the history is read as one snapshot (REPEATABLE READ), as the
scheduled pinned check reads each batch; SQLite's transactions are serialised already."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.util import await_only

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.reports import submission
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Status
from tests.core.factories import make_report
from tests.ledger.records import oversight_headers
from tests.officers.factories import make_unit
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio


async def test_a_report_assigned_while_its_history_is_read_is_not_tampered(ctx: Context,
                                                                           app_client: httpx.AsyncClient) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite: the assignment waits for the history's transaction (BEGIN IMMEDIATE), no race to show")
    unit = await make_unit(ctx)
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, department=unit.department)
        session.add(ReportEvent(report_id=report.id, action="registered", actor_type="citizen", channel="test",
                                data={"submission": submission.digest(submission.submission(report, []))}))
        await session.commit()
    oversight = await oversight_headers(ctx, app_client)

    async def assign() -> None:  # a dispatcher's assignment, committed by another connection
        async with ctx.sessions() as other:
            row = await other.get(Report, report.id)
            assert row is not None
            await dispatch.assign(other, row, unit, DISPATCHER)
            await other.commit()

    fired: list[bool] = []

    def between(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # just before the history reads the custody records, after it read the events
        if not fired and "FROM assignments LEFT OUTER JOIN units" in statement:
            fired.append(True)
            await_only(assign())

    event.listen(ctx.engine.sync_engine, "before_cursor_execute", between)
    try:
        got = await app_client.get(f"/api/v1/dispatch/reports/{report.id}/history", headers=oversight)
    finally:
        event.remove(ctx.engine.sync_engine, "before_cursor_execute", between)
    assert got.status_code == 200, got.text
    assert fired
    history = got.json()
    # as of the snapshot: neither the assignment's event nor its custody record, and nothing called tampered
    assert history["integrity"]["intact"], history["integrity"]
    assert (history["integrity"]["altered"], history["integrity"]["missing"]) == ([], [])
    assert history["custody"] == [] and [e["action"] for e in history["events"]] == ["registered"]

    # read again, the assignment is there with its event, and still nothing is called tampered
    again = (await app_client.get(f"/api/v1/dispatch/reports/{report.id}/history", headers=oversight)).json()
    assert again["integrity"]["intact"] and len(again["custody"]) == 1
    assert "assign" in [e["action"] for e in again["events"]]
