"""Custody records (Assignment): a unit holds a report from its assignment until it is closed, handed on, or left;
its crew accepts the job."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.dispatch.models import Assignment
from backend.lib.clock import as_utc, utcnow
from backend.reports.incidents import is_primary
from backend.reports.models import Report
from backend.reports.workflow import WORKING


async def accept_custody(session: AsyncSession, report_ids: Collection[uuid.UUID],
                         unit_id: uuid.UUID) -> list[Assignment]:
    """Mark the open custody records (Assignment) of these reports that `unit_id` holds accepted now: its crew
    confirmed it has the job (`accept_job`). Until then an urgent report escalates as not accepted
    (dispatch.jobs.awaiting_crew). Only that unit's: a dispatcher may have handed a report to another unit since the
    crew's step was read, and that unit has yet to accept it. A record accepted before keeps its time. Returns the
    records this marked (the caller's audit line may name them)."""
    if not report_ids:
        return []
    held = await session.scalars(select(Assignment).where(col(Assignment.report_id).in_(list(report_ids)),
                                                          col(Assignment.unit_id) == unit_id,
                                                          col(Assignment.released_at).is_(None),
                                                          col(Assignment.accepted_at).is_(None)))
    now = utcnow()
    marked = list(held)
    for row in marked:
        row.accepted_at = now
        session.add(row)
    return marked


async def accept_job(session: AsyncSession, report: Report, unit_id: uuid.UUID) -> list[Assignment]:
    """The crew of `unit_id` confirmed it has the job (a tablet's en route, on scene or question, the duty bot's
    Accept): the report's custody record is accepted, and, on an incident's primary, those of the open members the
    same unit holds, since the incident is one job; before, a question on the primary left its members to escalate
    as not accepted while the crew worked them. Returns the records this marked (`accept_custody`)."""
    job = [report.id]
    if is_primary(report):
        job += await session.scalars(select(col(Report.id)).where(
            col(Report.incident_id) == report.id, col(Report.id) != report.id, col(Report.unit_id) == unit_id,
            col(Report.status).in_([status.value for status in WORKING])))
    return await accept_custody(session, job, unit_id)


async def release_custody(session: AsyncSession, report_id: uuid.UUID, at: datetime) -> None:
    """End every open custody record (Assignment) of the report at `at`: it was closed, handed to another unit, or
    left its unit."""
    await session.execute(update(Assignment).where(
        Assignment.report_id == report_id, Assignment.released_at.is_(None)).values(released_at=at))  # type: ignore[arg-type,union-attr]


async def held_since(session: AsyncSession, report_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When the unit holding each of these reports took it (its open custody record), in one query; a report no
    unit holds is absent."""
    if not report_ids:
        return {}
    rows = await session.execute(select(col(Assignment.report_id), func.max(col(Assignment.assigned_at)))
                                 .where(col(Assignment.report_id).in_(report_ids),
                                        col(Assignment.released_at).is_(None))
                                 .group_by(col(Assignment.report_id)))
    return {report_id: as_utc(at) for report_id, at in rows}
