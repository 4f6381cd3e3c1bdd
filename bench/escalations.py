"""The supervisors' escalation list (GET /api/v1/dispatch/escalations, dispatch.service.escalations_page) when most
escalations of open reports were settled since they were made: the crew accepted late, the urgent report was
assigned, the deadline was extended. A busy region piles up thousands of such rows in a few days, and a handful still
due may be the oldest of them.

    .venv/bin/python -m bench.escalations [--settled 5000] [--due 5] [--runs 20]

Seeds its own databases (a scratch PostgreSQL database on 127.0.0.1, dropped after; a SQLite file in a temporary
directory) through the models, then reads the first page (50, as the console asks: 51 rows) as a national
supervisor, `--runs` times, and prints the page's time (median, max) and how many SQL statements it took.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from backend.context import Context
from backend.dispatch.models import Assignment, Escalation
from backend.dispatch.service import escalations_page
from backend.lib.clock import as_utc, utcnow
from backend.migrate import upgrade
from backend.officers.auth import OfficerPrincipal, Role
from backend.officers.service import create_unit
from backend.reports import deadlines
from backend.reports.models import Report, ReportEvent
from backend.reports.service import SYSTEM, event_fields
from backend.reports.workflow import Status
from bench._tablets import scratch_ctx, url_ctx
from tests.core.factories import make_citizen

PAGE = 50
KINDS = ("unaccepted_urgent", "unassigned_urgent", "deadline_near")


@asynccontextmanager
async def sqlite_ctx() -> AsyncIterator[Context]:
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite+aiosqlite:///{tmp / 'zan.db'}"
    await asyncio.to_thread(upgrade, url)
    async with url_ctx(url, tmp) as ctx:
        yield ctx


async def seed(ctx: Context, settled: int, due: int) -> None:
    """`settled` escalations of open reports, each settled since, a third of each kind: an unaccepted urgent report
    whose crew then accepted, an urgent report in the queue since assigned, a deadline since extended; and `due`
    ones still due (deadlines about to lapse), older than all of them, so the first page has to get past every
    settled one to find them."""
    now = utcnow()
    async with ctx.sessions() as session:
        citizen = await make_citizen(session)
        unit = await create_unit(session, code="B-1", name="Наряд B-1", department="patrol_police",
                                 district="astana", lat=51.16, lon=71.47)
        reports: list[Report] = []
        rows: list[Any] = []  # written after the reports they name
        for i in range(settled + due):
            made = now - timedelta(minutes=10) - timedelta(seconds=10 * i)  # newest first, the due ones last
            deadline = deadlines.deadline_for(now)
            kind = "deadline_near" if i >= settled else KINDS[i % 3]
            report = Report(number=f"BE-{i:06d}", citizen_id=citizen.id, channel="bench", text="Драка во дворе",
                            language="ru", lat=51.16, lon=71.47, status=Status.EN_ROUTE.value, unit_id=unit.id,
                            department="patrol_police", district="astana", urgent=kind != "deadline_near",
                            deadline_at=deadline, original_deadline_at=deadline)
            reports.append(report)
            subject = as_utc(deadline).isoformat()
            if kind == "unaccepted_urgent":
                assignment = Assignment(report_id=report.id, unit_id=unit.id, assigned_by_type="dispatcher",
                                        assigned_by="bench", auto=False, assigned_at=made - timedelta(minutes=10),
                                        accepted_at=made + timedelta(minutes=2))
                rows.append(assignment)
                subject = str(assignment.id)
            elif kind == "unassigned_urgent":
                subject = as_utc(made - timedelta(minutes=5)).isoformat()
            elif i < settled:  # the deadline was extended after it was escalated
                subject = as_utc(deadline - timedelta(days=30)).isoformat()
                rows.append(ReportEvent(**{**event_fields(report, "extend", SYSTEM, public=False),
                                           "created_at": made + timedelta(minutes=1)}))
            rows.append(Escalation(report_id=report.id, kind=kind, subject=subject, created_at=made))
        session.add_all(reports)
        await session.flush()
        session.add_all(rows)
        await session.commit()


async def measure(ctx: Context, label: str, runs: int, due: int) -> None:
    principal = OfficerPrincipal(uuid.uuid4(), Role.SUPERVISOR, None, "patrol_police", "astana", "bench",
                                 uuid.uuid4())
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(ctx.engine.sync_engine, "before_cursor_execute", count)
    times: list[float] = []
    found = 0
    per_page = 0
    for _ in range(runs + 2):
        statements = 0
        async with ctx.sessions() as session:
            started = time.perf_counter()
            page = await escalations_page(session, principal, None, PAGE + 1)
            times.append((time.perf_counter() - started) * 1000)
        found, per_page = len(page), statements
    times = times[2:]  # warm-up: pools, statement caches
    event.remove(ctx.engine.sync_engine, "before_cursor_execute", count)
    assert found == due, f"{found} listed, {due} due"
    print(f"{label:10} first page ({PAGE}): median {statistics.median(times):7.1f} ms, max {max(times):7.1f} ms, "
          f"{per_page} SQL statements, {found} due listed (load average {os.getloadavg()[0]:.1f})")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--settled", type=int, default=5000)
    parser.add_argument("--due", type=int, default=5)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(f"escalation list: {args.settled} settled escalations of open reports, {args.due} due (the oldest)")
    for label, scratch in (("SQLite", sqlite_ctx), ("PostgreSQL", scratch_ctx)):
        async with scratch() as ctx:
            started = time.perf_counter()
            await seed(ctx, args.settled, args.due)
            print(f"{label:10} seeded in {time.perf_counter() - started:.1f} s")
            await measure(ctx, label, args.runs, args.due)


if __name__ == "__main__":
    asyncio.run(main())
