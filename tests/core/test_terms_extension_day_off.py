"""An extended term whose last day is a day off ends on the next working day (APPK art. 76 p.5).

A head's extension names a day, and the two-month cap lands on whatever day the calendar gives: either may be a
Saturday, a Sunday or a holiday. Art. 76 p.5: "if the last day of the term falls on a non-working day, the term ends on
the next working day". Before, the term was stored as ending on the day off itself, so a report decided on the next
working day (still in term) was listed for prosecutors as closed late, the citizen could complain of a lapsed term
and the SLA job escalated it, while the appeal term (deadlines.appeal_term_end) already followed the rule.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.lib.clock import ALMATY, as_utc
from backend.reports import deadlines
from backend.reports.history import By
from backend.reports.models import ReportEvent
from backend.reports.service import extend_deadline
from backend.reports.workflow import Actor, Status
from tests.core.factories import make_report
from tests.reports.test_lifecycle_extension import local_day

HEAD = By(Actor.SUPERVISOR, "head-1", "console")


def test_the_two_month_cap_ending_on_a_sunday_runs_to_monday() -> None:
    # registered Monday 2026-12-07: due Tuesday 2026-12-29; two months on is Sunday 2027-02-28, so the longest term
    # an extension may give ends on Monday 1 March
    original = deadlines.deadline_for(datetime(2026, 12, 7, 5, tzinfo=UTC))
    assert local_day(original) == date(2026, 12, 29)
    cap = deadlines.max_extended_deadline(original)
    assert local_day(cap) == date(2027, 3, 1)
    assert cap.astimezone(ALMATY).time() == time(23, 59, 59)
    assert deadlines.extension_allowed(original, cap)


@pytest.mark.anyio
async def test_an_extension_to_a_day_off_runs_to_the_next_working_day(ctx: Context) -> None:
    calendar = ctx.calendar
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.ASSIGNED)
        await session.commit()
        # the first day off after the current term: a Saturday at the latest, well within the two-month cap
        named = local_day(report.original_deadline_at) + timedelta(days=1)
        while calendar.is_working_day(named):
            named += timedelta(days=1)
        ends = named
        while not calendar.is_working_day(ends):
            ends += timedelta(days=1)
        # what a console's date picker sends for the named day
        await extend_deadline(session, report, datetime.combine(named, time(0), tzinfo=ALMATY),
                              "нужна экспертиза", HEAD)
        await session.commit()
        assert local_day(report.deadline_at) == ends, (named, report.deadline_at)
        assert as_utc(report.deadline_at).astimezone(ALMATY).time() == time(23, 59, 59)
        # decided on that working day, at noon: still in term
        decided = datetime.combine(ends, time(12), tzinfo=ALMATY)
        assert not deadlines.term_lapsed(report.deadline_at, decided)
        # and the citizen is told the day the term really ends
        event = await session.scalar(select(ReportEvent).where(col(ReportEvent.report_id) == report.id,
                                                               col(ReportEvent.action) == "extend"))
        assert event is not None
        assert f"{ends:%d.%m.%Y}" in event.public_text["ru"], event.public_text
