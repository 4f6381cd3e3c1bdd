"""A key claimed by a concurrent request while the registration statement waits for the year's counter: the
statement fails whole on the claim's unique index, its number goes back, and the request gets the stored answer
(backend.reports.registration). On PostgreSQL only: SQLite has one writer at a time, so there is nothing to race."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, insert, select, text

from backend.context import Context
from backend.lib.clock import utcnow
from backend.reports.idempotency import request_hash
from backend.reports.models import IdempotencyRecord, Report, ReportCounter
from backend.reports.schemas import ReportCreate
from tests.helpers import PartnerClient, eventually

pytestmark = pytest.mark.anyio

_TEXT = "Украли велосипед из подъезда, дом 12"
_LOCATION = {"lat": 51.1605, "lon": 71.4704, "accuracy_m": 15}


async def _waiting_on_a_lock(ctx: Context) -> bool:
    async with ctx.engine.connect() as conn:
        waiting = await conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                         "AND wait_event_type = 'Lock'"))
    return bool(waiting)


async def test_a_key_claimed_while_the_statement_waits_gets_the_stored_answer(citizen: PartnerClient,
                                                                              ctx: Context) -> None:
    first = await citizen.submit("Шум во дворе всю ночь", key="first")
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises every writer")
    year = int(first.json()["number"].split("-")[1])
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(first.json()["id"]))
        assert report is not None
        counter_before = await session.scalar(select(ReportCounter.value).where(ReportCounter.year == year))  # type: ignore[arg-type]
    scope = f"report:{report.partner_id}:{report.citizen_id}"
    body: dict[str, Any] = {"text": _TEXT, "location": _LOCATION}
    digest = request_hash(msgspec.json.decode(msgspec.json.encode(body), type=ReportCreate))
    stored = {"id": str(uuid.uuid4()), "number": f"ZP-{year}-stored"}

    async with ctx.engine.connect() as holder:  # a registration in progress: the counter row is locked
        await holder.execute(select(ReportCounter).where(ReportCounter.year == year).with_for_update())  # type: ignore[arg-type]
        raced = asyncio.create_task(citizen.submit(_TEXT, key="raced"))
        await eventually(lambda: _waiting_on_a_lock(ctx))
        # the concurrent request with the same key commits its claim meanwhile
        async with ctx.engine.begin() as other:
            await other.execute(insert(IdempotencyRecord.__table__).values(  # type: ignore[attr-defined]
                id=uuid.uuid4(), scope=scope, key="raced", request_hash=digest, status_code=201, response=stored,
                created_at=utcnow()))
        await holder.rollback()
        response = await asyncio.wait_for(raced, timeout=10)

    assert response.status_code == 201 and response.json() == stored
    async with ctx.sessions() as session:
        assert await session.scalar(select(ReportCounter.value).where(ReportCounter.year == year)) == counter_before  # type: ignore[arg-type]
        assert await session.scalar(select(func.count()).select_from(Report)) == 1
