"""Reading reports: who may see and act on one (restricted categories, the citizen's own reports through their own
partner app), row locks, the history, the checks every step starts with, and the "me too" counts."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.lib.blank import blank
from backend.lib.errors import FieldProblem, ZanError
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Resolution, Status
from ml.taxonomy import load_taxonomy


def is_restricted(report: Report) -> bool:
    """Restricted categories (domestic violence, children, police complaints — the taxonomy's `restricted` flag):
    only designated units see them, and their text never shows on a screen. The flag on the report only goes up."""
    if report.restricted:
        return True
    return bool(report.category) and report.category in load_taxonomy().restricted_codes()


def ordinary_category(table: Any = Report) -> Any:
    """SQL over `table` (`Report` or an alias of it): its current category is none of the taxonomy's restricted ones."""
    return table.category.is_(None) | table.category.not_in(sorted(load_taxonomy().restricted_codes()))


def not_restricted(table: Any = Report) -> Any:
    """`not is_restricted` in SQL over `table` (`Report` or an alias of it): neither the flag nor the category."""
    return table.restricted.is_(False) & ordinary_category(table)


async def also_reported_counts(session: AsyncSession, citizen_id: uuid.UUID,
                               reports: list[Report]) -> dict[uuid.UUID, int]:
    """The "me too" count of each of one citizen's reports, for a whole page in one grouped query: how many other
    citizens reported the same incident, never who. Restricted reports neither show nor add to a count; withdrawn
    reports no longer count. Reports without a count are absent (0)."""
    counted = {r.id: r.incident_id for r in reports if r.incident_id is not None and not is_restricted(r)}
    if not counted:
        return {}
    rows = await session.execute(
        select(col(Report.incident_id), func.count(distinct(col(Report.citizen_id))))
        .where(col(Report.incident_id).in_(set(counted.values())), col(Report.citizen_id) != citizen_id,
               not_restricted(),
               or_(col(Report.resolution).is_(None), col(Report.resolution) != Resolution.WITHDRAWN.value))
        .group_by(col(Report.incident_id)))
    per_incident: dict[uuid.UUID | None, int] = {incident_id: int(n) for incident_id, n in rows.all()}
    return {report_id: per_incident.get(incident_id, 0) for report_id, incident_id in counted.items()}


async def also_reported(session: AsyncSession, report: Report) -> int:
    """The "me too" count of one report (see also_reported_counts)."""
    return (await also_reported_counts(session, report.citizen_id, [report])).get(report.id, 0)


async def get_for_citizen(session: AsyncSession, citizen_id: uuid.UUID, report_id: uuid.UUID, *,
                          partner_id: uuid.UUID | None, for_update: bool = False) -> Report:
    """The report if this citizen filed it through this partner app; otherwise 404, the same as a report that does
    not exist (no IDOR). `for_update` locks it, as every step that changes it must: a withdrawal that read the
    report just before a dispatcher closed it would otherwise apply to the closed report."""
    report = await lock(session, report_id) if for_update else await session.get(Report, report_id)
    # a citizen is one person across apps (one IIN), but what they filed through eGov is no business of their bank's
    # app: each partner sees, and acts on, only the reports filed through it (as its webhooks and keys are its own)
    if report is None or report.citizen_id != citizen_id or report.partner_id != partner_id:
        raise ZanError("report.not_found", 404)
    return report


def filed_by(citizen_id: uuid.UUID, partner_id: uuid.UUID | None) -> Any:
    """The condition on reports that get_for_citizen would hand this citizen through this partner app."""
    return (col(Report.citizen_id) == citizen_id) & (col(Report.partner_id) == partner_id)


async def lock(session: AsyncSession, report_id: uuid.UUID) -> Report | None:
    """Load a report for update (row lock on PostgreSQL; SQLite serialises writers anyway)."""
    return await session.scalar(
        select(Report).where(Report.id == report_id).with_for_update().execution_options(populate_existing=True)  # type: ignore[arg-type]
    )


async def events(session: AsyncSession, report_id: uuid.UUID, *, public_only: bool) -> list[ReportEvent]:
    query = select(ReportEvent).where(ReportEvent.report_id == report_id)  # type: ignore[arg-type]
    if public_only:
        query = query.where(ReportEvent.public.is_(True))  # type: ignore[attr-defined]
    return list(await session.scalars(query.order_by(ReportEvent.created_at, ReportEvent.id)))  # type: ignore[arg-type]


def ensure_open(report: Report, action: str) -> None:
    if report.status == Status.CLOSED:
        raise ZanError("report.transition_forbidden", 409, extra={"report_status": report.status, "action": action})


def require_text(value: str, pointer: str) -> None:
    """422 for a text the citizen must write (a comment, an appeal's reason) that is only blanks, as at intake."""
    # blank(), not strip(): zero-width characters alone are as empty on every screen, yet strip to themselves
    if blank(value):
        raise ZanError("validation.failed", 422, errors=[FieldProblem(pointer, "too_short")])

