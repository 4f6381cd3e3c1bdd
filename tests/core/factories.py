"""Rows for service-level tests (the API tests go through the real endpoints instead)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.citizens.models import Citizen
from backend.context import Context
from backend.jobs import service as jobs
from backend.jobs.models import OutboxTask
from backend.lib.clock import utcnow
from backend.reports import deadlines
from backend.reports.models import Report
from backend.reports.registration import next_number
from backend.reports.workflow import Resolution, Status


async def make_citizen(session: AsyncSession) -> Citizen:
    citizen = Citizen(iin_hash=uuid.uuid4().hex, iin_last4="0000")
    session.add(citizen)
    await session.flush()
    return citizen


async def make_report(session: AsyncSession, *, status: Status = Status.REGISTERED,
                      resolution: Resolution | None = None, text: str = "Во дворе шумят",
                      lat: float = 51.16, lon: float = 71.47, category: str | None = None,
                      citizen: Citizen | None = None, **fields: object) -> Report:
    citizen = citizen or await make_citizen(session)
    now = utcnow()
    report = Report(
        number=await next_number(session, now.year), citizen_id=citizen.id, channel="test", text=text,
        language="ru", lat=lat, lon=lon, status=status.value, resolution=resolution.value if resolution else None,
        category=category, deadline_at=deadlines.deadline_for(now), original_deadline_at=deadlines.deadline_for(now),
        **fields,  # type: ignore[arg-type]
    )
    session.add(report)
    await session.flush()
    return report


async def triage_report(ctx: Context, **fields: object) -> Report:
    """A committed report waiting in triage (its own session): what a dispatcher acts on."""
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, **fields)  # type: ignore[arg-type]
        await session.commit()
    return report


async def make_outbox_task(ctx: Context, key: str, max_attempts: int = 8) -> uuid.UUID:
    """A delivery task for an event with nothing to deliver (it runs, and finishes at once), its id."""
    async with ctx.sessions() as session:
        await jobs.enqueue(session, "notifications.deliver", {"event_key": key}, dedupe_key=key,
                           max_attempts=max_attempts)
        await session.commit()
        task_id = await session.scalar(select(OutboxTask.id).where(OutboxTask.dedupe_key == key))  # type: ignore[arg-type]
    assert task_id is not None
    return task_id
