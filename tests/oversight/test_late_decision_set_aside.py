"""A decision given after its term stays a term missed when a reopening sets it aside. Before, a reopening cleared
`closed_at` and started a fresh term, and the terms list and its figures read only the row: a report closed five
days late and then appealed dropped out of `state=closed_late` and out of `closed_late` at once, and a withdrawn
appeal (the late decision standing again) was counted closed in term, its withdrawal measured against the fresh
term. Real app, PostgreSQL and SQLite."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.lib.clock import as_utc, utcnow
from backend.oversight.service import working_days_past
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Status
from tests.core.factories import triage_report
from tests.oversight.test_stats import _stats
from tests.oversight.test_terms import TERMS, _console, _rows

pytestmark = pytest.mark.anyio
# the appeal is not decided by the officer whose closing it appeals (reports.appeals): another one closes it anew
FIRST, SECOND = By(Actor.DISPATCHER, "disp-1", "console"), By(Actor.DISPATCHER, "disp-2", "console")


async def _closed(ctx: Context, *, term: datetime) -> tuple[uuid.UUID, datetime]:
    """A report closed now by the console against `term` (late if `term` is past); its id and closing time."""
    report = await triage_report(ctx, district="astana")
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        row.deadline_at = row.original_deadline_at = term
        row.created_at = term - timedelta(days=21)
        await dispatch.close(session, row, "unfounded", FIRST, reason="Факт не подтвердился")
        await session.commit()
        assert row.closed_at is not None
        return row.id, as_utc(row.closed_at)


async def _step(ctx: Context, report_id: uuid.UUID, action: Action, by: By | None = None) -> None:
    """The report's citizen appeals (REOPEN) or withdraws the appeal (WITHDRAW), or `by` closes it anew."""
    async with ctx.sessions() as session:
        row = await session.get(Report, report_id)
        assert row is not None
        if by is not None:
            await dispatch.close(session, row, "unfounded", by, reason="Факт снова не подтвердился")
        else:
            citizen = By(Actor.CITIZEN, str(row.citizen_id), "app")
            await reports.change_status(session, row, action, citizen, reason="Никто не разбирался")
        await session.commit()


async def test_a_late_decision_appealed_stays_closed_late(ctx: Context, app_client: httpx.AsyncClient) -> None:
    term = utcnow() - timedelta(days=10)
    report_id, closed_at = await _closed(ctx, term=term)
    await _step(ctx, report_id, Action.REOPEN)
    headers = await _console(app_client, ctx)

    for state in ("closed_late", "all"):
        row = (await _rows(app_client, headers, state=state))[str(report_id)]
        assert (row["state"], row["set_aside"]) == ("closed_late", True), row
        # the closing set aside and the term it missed, not the fresh term the appeal began
        assert datetime.fromisoformat(row["closed_at"]) == closed_at
        assert datetime.fromisoformat(row["deadline_at"]) == as_utc(term)
        days = working_days_past(ctx.calendar, term, closed_at)
        assert days > 0 and row["days_overdue"] == days
    total = (await _stats(app_client, headers))["total"]
    assert (total["closed_late"], total["closed_in_term"], total["open"], total["closed"]) == (1, 0, 1, 0)

    exported = await app_client.get(f"{TERMS}.csv", headers={**headers, "Accept-Language": "en"})
    [header, *lines] = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    [line] = [dict(zip(header, cells, strict=True)) for cells in lines]
    assert (line["Lapse"], line["Decision set aside (appeal or review)"]) == ("Closed after its term", "yes")


async def test_a_withdrawn_appeal_leaves_the_late_decision_listed(ctx: Context,
                                                                   app_client: httpx.AsyncClient) -> None:
    term = utcnow() - timedelta(days=10)
    report_id, closed_at = await _closed(ctx, term=term)
    await _step(ctx, report_id, Action.REOPEN)
    await _step(ctx, report_id, Action.WITHDRAW)  # the late decision stands again
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
        assert report is not None and report.status == Status.CLOSED.value and report.resolution == "unfounded"
    headers = await _console(app_client, ctx)

    row = (await _rows(app_client, headers, state="closed_late"))[str(report_id)]
    assert row["set_aside"] is True and datetime.fromisoformat(row["closed_at"]) == closed_at
    assert row["days_overdue"] == working_days_past(ctx.calendar, term, closed_at)
    assert (await _rows(app_client, headers))[str(report_id)]["state"] == "closed_late"
    total = (await _stats(app_client, headers))["total"]
    assert (total["closed_late"], total["closed_in_term"], total["closed"]) == (1, 0, 1)


async def test_a_closing_in_term_reopened_and_closed_in_term_is_no_lapse(ctx: Context,
                                                                          app_client: httpx.AsyncClient) -> None:
    report_id, _ = await _closed(ctx, term=utcnow() + timedelta(days=10))
    await _step(ctx, report_id, Action.REOPEN)
    await _step(ctx, report_id, Action.RESOLVE, by=SECOND)
    headers = await _console(app_client, ctx)

    assert await _rows(app_client, headers, state="closed_late") == {}
    assert await _rows(app_client, headers) == {}
    total = (await _stats(app_client, headers))["total"]
    assert (total["closed_late"], total["closed_in_term"], total["closed"]) == (0, 1, 1)
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
        assert report is not None and (report.late_closed_at, report.late_deadline_at) == (None, None)


async def test_the_reopen_event_records_the_closing_it_set_aside(ctx: Context) -> None:
    term = utcnow() - timedelta(days=10)
    late_id, late_at = await _closed(ctx, term=term)
    in_term = utcnow() + timedelta(days=10)
    timely_id, timely_at = await _closed(ctx, term=in_term)
    for report_id in (late_id, timely_id):
        await _step(ctx, report_id, Action.REOPEN)
    async with ctx.sessions() as session:
        events = {e.report_id: e for e in await session.scalars(
            select(ReportEvent).where(col(ReportEvent.action) == Action.REOPEN.value))}
        late = await session.get(Report, late_id)
    assert late is not None and as_utc(late.late_closed_at) == late_at  # type: ignore[arg-type]
    assert as_utc(late.late_deadline_at) == as_utc(term)  # type: ignore[arg-type]
    for report_id, closed, deadline, was_late in ((late_id, late_at, term, True),
                                                  (timely_id, timely_at, in_term, False)):
        set_aside = (events[report_id].data or {})["set_aside"]
        assert set_aside["late"] is was_late
        assert datetime.fromisoformat(set_aside["closed_at"]) == closed
        assert datetime.fromisoformat(set_aside["deadline_at"]) == as_utc(deadline)
