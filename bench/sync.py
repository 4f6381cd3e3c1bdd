"""Tablet sync on PostgreSQL: initial sync of 10,000 records, delta of 10 changes, push of 500 mutations.

    .venv/bin/python -m bench.sync
"""

from __future__ import annotations

import asyncio
import time
import uuid

import msgspec
from sqlalchemy import insert

from backend.dispatch import service as dispatch
from backend.officers.auth import OfficerPrincipal, Role
from backend.officers.service import create_officer, create_unit
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Actor
from backend.sync.models import WantedVehicle
from backend.sync.pull import pull
from backend.sync.push import Mutation, push
from backend.sync.views import viewer_for
from bench._tablets import scratch_ctx

REPORTS, WANTED = 2000, 8000


async def main() -> None:
    async with scratch_ctx() as ctx:
        from tests.core.factories import make_citizen

        async with ctx.sessions() as session:
            unit = await create_unit(session, code="AST-1", name="ПП Астана 1", department="patrol_police",
                                     district="astana", lat=51.16, lon=71.47)
            officer = await create_officer(session, badge_number="B-1", full_name="Нурлан Ахметов",
                                           role="patrol_officer", department="patrol_police", district="astana",
                                           password="x", password_hash="bench", unit=unit)
            citizen = await make_citizen(session)
            from backend.lib.clock import utcnow
            from backend.reports import deadlines

            now = utcnow()
            await session.execute(insert(Report), [dict(
                id=uuid.uuid4(), number=f"ZP-2026-{i:07d}", citizen_id=citizen.id, channel="bench",
                text=f"Шум во дворе дома {i}, звонить +7 701 123 45 67", language="ru", lat=51.16, lon=71.47,
                status="assigned", unit_id=unit.id, department="patrol_police", deadline_at=deadlines.deadline_for(now),
                original_deadline_at=deadlines.deadline_for(now), created_at=now, updated_at=now)
                for i in range(REPORTS)])
            await session.execute(insert(WantedVehicle), [dict(
                id=uuid.uuid4(), plate=f"{i % 1000:03d} ABC {i % 17 + 1:02d}", reason="угон", since=now, updated_at=now)
                for i in range(WANTED)])
            await session.commit()
        viewer_args = (officer.id, unit.id)

        async def page(cursor: str | None) -> tuple[float, int, str, bool]:
            async with ctx.sessions() as session:
                viewer = await viewer_for(session, *viewer_args)
                started = time.perf_counter()
                result = await pull(session, secret_key=ctx.settings.secret_key, viewer=viewer, cursor=cursor)
                body = msgspec.json.encode({"changes": result.changes, "cursor": result.cursor})
                return time.perf_counter() - started, len(body), result.cursor, result.has_more

        total_s, total_b, pages, cursor, more = 0.0, 0, 0, None, True
        while more:
            s, b, cursor, more = await page(cursor)
            total_s, total_b, pages = total_s + s, total_b + b, pages + 1
        print(f"initial sync: {REPORTS + WANTED} records in {pages} pages, server time {total_s * 1000:.0f} ms, "
              f"{total_b / 1024:.0f} KiB")

        async with ctx.sessions() as session:
            from sqlalchemy import select

            ids = list(await session.scalars(select(Report.id).limit(10)))
            for rid in ids:
                report = await session.get(Report, rid)
                assert report is not None
                await dispatch.set_fields(session, report, {"findings": "обновлено"}, By(Actor.DISPATCHER, "d", "c"))
            await session.commit()
        s, b, cursor, more = await page(cursor)
        print(f"delta sync of 10 changes: server time {s * 1000:.1f} ms, {b} bytes")

        principal = OfficerPrincipal(officer.id, Role.PATROL_OFFICER, unit.id, "patrol_police", "astana", "tab-b",
                                     uuid.uuid4())
        async with ctx.sessions() as session:
            rids = list(await session.scalars(select(Report.id).limit(250)))
        mutations = []
        for i, rid in enumerate(rids):
            stamp = f"{int(time.time() * 1000):013d}"
            mutations.append(Mutation(f"n{i}", "notes", str(uuid.uuid4()), "create", f"{stamp}-00001-tab-b",
                                      {"report_id": str(rid), "text": "заметка"}))
            mutations.append(Mutation(f"f{i}", "reports", str(rid), "update", f"{stamp}-00002-tab-b",
                                      {"officer_summary": "на месте", "status": "en_route"}))
        async with ctx.sessions() as session:
            viewer = await viewer_for(session, *viewer_args)
            started = time.perf_counter()
            result = await push(session, officer=principal, viewer=viewer, mutations=mutations)
            took = time.perf_counter() - started
        applied = sum(r["status"] == "applied" for r in result.results)
        print(f"push of 500 mutations: {took * 1000:.0f} ms ({applied} applied)")


if __name__ == "__main__":
    asyncio.run(main())
