"""Staff corrections: reclassify a report (kept as training data), merge and split incident clusters."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.lib.errors import FieldProblem, ZanError
from backend.reports.models import Report
from backend.reports.service import By, append_event
from backend.routing.models import LabelledExample, RoutingDecision
from ml.taxonomy import load_taxonomy


async def reclassify(session: AsyncSession, report: Report, category: str, reason: str, by: By) -> Report:
    """A dispatcher's correction wins over the model and becomes a labelled example for the next retrain."""
    taxonomy = load_taxonomy()
    if not taxonomy.has_category(category):
        raise ZanError("report.unknown_category", 422, errors=[FieldProblem("/category", "invalid")])
    target = taxonomy.category(category)
    previous = report.category
    report.category = category
    report.category_confidence = 1.0
    report.department = target.department
    # restriction only ever goes up: a report once treated as domestic violence stays protected
    report.restricted = report.restricted or target.restricted
    session.add(report)
    session.add(RoutingDecision(report_id=report.id, source="dispatcher", category=category, confidence=1.0,
                                department=target.department, priority=report.priority, urgent=report.urgent,
                                district=report.district, language=report.language, actor_id=by.actor_id,
                                inputs={"previous": previous, "reason": reason}))
    session.add(LabelledExample(report_id=report.id, text=report.text, label=category, language=report.language,
                                previous_label=previous, created_by=by.actor_id))
    await append_event(session, report, "reclassified", by, public=False, reason=reason,
                       data={"from": previous, "to": category})
    return report


async def merge(session: AsyncSession, reports: list[Report], by: By) -> uuid.UUID:
    """One incident for the officer; the earliest report is its primary and every reporter stays informed."""
    ordered = sorted(reports, key=lambda r: (r.created_at, str(r.id)))
    incident_id = ordered[0].incident_id or ordered[0].id
    members: dict[uuid.UUID, Report] = {}
    for report in ordered:
        if report.incident_id and report.incident_id != incident_id:
            # merging two clusters: bring the other cluster's members along
            others = await session.scalars(select(Report).where(Report.incident_id == report.incident_id))  # type: ignore[arg-type]
            members.update((other.id, other) for other in others)
        members[report.id] = report
    for report in members.values():
        report.incident_id = incident_id
        session.add(report)
        await append_event(session, report, "incident_merged", by, public=False,
                           data={"incident_id": str(incident_id)})
    return incident_id


async def split(session: AsyncSession, report: Report, by: By) -> None:
    """Take a report out of its cluster; if it was the primary, the next earliest member becomes primary."""
    old = report.incident_id
    if old is None:
        return
    report.incident_id = None
    session.add(report)
    if old == report.id:
        rest = list(await session.scalars(
            select(Report).where(Report.incident_id == old, Report.id != report.id)  # type: ignore[arg-type]
            .order_by(Report.created_at)  # type: ignore[arg-type]
        ))
        new_primary = rest[0].id if len(rest) > 1 else None
        for member in rest:
            member.incident_id = new_primary
            session.add(member)
    await append_event(session, report, "incident_split", by, public=False, data={"incident_id": str(old)})


async def members(session: AsyncSession, incident_id: uuid.UUID) -> list[Report]:
    return list(await session.scalars(
        select(Report).where(Report.incident_id == incident_id).order_by(Report.created_at)  # type: ignore[arg-type]
    ))
