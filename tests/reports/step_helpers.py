"""Helpers for the tests of the citizen's retried steps (withdraw, appeal, rate): a report routed and at rest, a
dispatcher's closing, and what the history and the outbox hold."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlmodel import col

from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.reports import service
from backend.reports.models import IdempotencyRecord, Report, ReportEvent
from backend.reports.workflow import Action, Actor
from tests.helpers import PartnerClient, eventually

DISPATCHER = service.By(Actor.DISPATCHER, "d-1", "console")
BASE = "/api/v1/reports"


async def settled_report(ctx: Context, citizen: PartnerClient, text: str = "Украли велосипед из подъезда") -> str:
    """A report registered and routed, so no background step of its own touches it while a test acts on it."""
    submitted = await citizen.submit(text)
    assert submitted.status_code == 201, submitted.text
    report_id: str = submitted.json()["id"]

    async def routed() -> bool:
        async with ctx.sessions() as session:
            report = await session.get(Report, uuid.UUID(report_id))
            return report is not None and report.routing_state != "pending"

    await eventually(routed, timeout=30)
    return report_id


async def close(ctx: Context, report_id: str) -> None:
    """A duty officer's closing, each by another officer: an appeal is never decided by the officer whose closing
    it appeals (reports.appeals.refuse_own_appeal)."""
    async with ctx.sessions() as session:
        row = await service.lock(session, uuid.UUID(report_id))
        assert row is not None
        closer = service.By(Actor.DISPATCHER, f"d-{uuid.uuid4().hex[:8]}", "console")
        await service.change_status(session, row, Action.CLOSE_UNFOUNDED, closer, reason="не подтвердилось")
        await session.commit()


async def events_of(ctx: Context, report_id: uuid.UUID | str, action: str) -> list[ReportEvent]:
    """The report's history lines of one action, oldest first."""
    async with ctx.sessions() as session:
        return list(await session.scalars(select(ReportEvent).where(
            col(ReportEvent.report_id) == uuid.UUID(str(report_id)), col(ReportEvent.action) == action)
            .order_by(col(ReportEvent.created_at), col(ReportEvent.id))))


async def notifications_of(ctx: Context, events: list[ReportEvent]) -> int:
    """The reporter's notification tasks scheduled for these events."""
    keys = [service.notify_task(e.id, e.report_id).dedupe_key for e in events]
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxTask)
                                         .where(col(OutboxTask.dedupe_key).in_(keys))) or 0)


async def stored_keys(ctx: Context, step: str) -> int:
    """Idempotency-Keys remembered for this step (withdraw, reopen, feedback)."""
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(IdempotencyRecord)
                                         .where(col(IdempotencyRecord.scope).startswith(f"{step}:"))) or 0)


async def report_row(ctx: Context, report_id: str) -> Report:
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(report_id))
        assert report is not None
        return report
