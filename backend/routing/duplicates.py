"""Duplicate incidents: the same event reported by several people joins one cluster ("me too").

Per category: how far apart, how long apart, and how similar the texts must be. Restricted categories never
cluster (two families in one building are two cases), and online fraud has no meaningful location.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.dispatch.service import follow_primary_unit
from backend.officers.jurisdiction import around
from backend.officers.models import Unit
from backend.reports.models import Report
from backend.reports.service import SYSTEM, append_event, is_restricted, regroup
from backend.reports.workflow import Status
from backend.routing.corrections import lock_incidents
from backend.routing.models import ReportEmbedding


@dataclass(frozen=True)
class DuplicateRule:
    radius_m: float
    window: timedelta
    min_similarity: float


DUPLICATE_RULES: dict[str, DuplicateRule] = {
    "road_accident": DuplicateRule(300, timedelta(hours=3), 0.80),
    "traffic_violation": DuplicateRule(150, timedelta(hours=2), 0.85),
    "public_order": DuplicateRule(200, timedelta(hours=6), 0.82),
    "theft": DuplicateRule(100, timedelta(hours=12), 0.88),
    "drugs": DuplicateRule(50, timedelta(days=14), 0.85),
    "violence": DuplicateRule(200, timedelta(hours=3), 0.82),
    "missing_person": DuplicateRule(3000, timedelta(days=3), 0.86),
    "vandalism": DuplicateRule(100, timedelta(days=7), 0.85),
    "illegal_trade": DuplicateRule(100, timedelta(days=7), 0.85),
    "not_police": DuplicateRule(80, timedelta(days=30), 0.85),
    "emergency": DuplicateRule(500, timedelta(hours=2), 0.80),
    "other_offence": DuplicateRule(100, timedelta(hours=6), 0.90),
}
EARTH_M = 6_371_000.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(a)))


async def find_cluster(session: AsyncSession, report: Report, vector: np.ndarray) -> tuple[Report, float] | None:
    """The best matching open report of the same category nearby and recent, above the similarity threshold."""
    rule = DUPLICATE_RULES.get(report.category or "")
    if rule is None:
        return None
    dlat = rule.radius_m / 111_000
    dlon = rule.radius_m / (111_000 * max(0.1, math.cos(math.radians(report.lat))))
    candidates = await session.execute(
        select(Report, col(ReportEmbedding.vector))
        .join(ReportEmbedding, ReportEmbedding.report_id == Report.id)  # type: ignore[arg-type]
        .where(
            Report.id != report.id,  # type: ignore[arg-type]
            Report.category == report.category,  # type: ignore[arg-type]
            # a report restricted by its hint keeps an ordinary category: it never shares an incident either
            Report.restricted.is_(False),  # type: ignore[attr-defined]
            # open = not closed, written as the partial index ix_reports_open_category says it: SQLite's planner
            # cannot tell that an IN list of the open statuses implies it, and scanned the category instead
            Report.status != Status.CLOSED.value,  # type: ignore[arg-type]
            # both ways: a report routed late (the model away for a day) is not the same event as one made a day
            # after it, though that one is open and near
            Report.created_at >= report.created_at - rule.window,  # type: ignore[arg-type,operator]
            Report.created_at <= report.created_at + rule.window,  # type: ignore[arg-type,operator]
            Report.lat.between(report.lat - dlat, report.lat + dlat),  # type: ignore[attr-defined]
            Report.lon.between(report.lon - dlon, report.lon + dlon),  # type: ignore[attr-defined]
        )
        .limit(200)
    )
    best: tuple[Report, float] | None = None
    for other, raw in candidates.all():
        if distance_m(report.lat, report.lon, other.lat, other.lon) > rule.radius_m:
            continue
        if len(raw) != vector.nbytes:
            # stored by another embedder (ZAN_EMBEDDER changed since): not comparable, and np.dot would raise,
            # failing the routing job (outside the classifier's fallback) of every report near it until it is dead
            continue
        similarity = float(np.dot(vector, np.frombuffer(raw, dtype=np.float32)))
        if similarity >= rule.min_similarity and (best is None or similarity > best[1]):
            best = (other, similarity)
    return best


async def join(session: AsyncSession, report: Report, match: Report, similarity: float) -> bool:
    """`report` joins the incident of `match` (which leads a new one if it had none); True if it did. An incident
    already being worked takes the newcomer along: it follows the primary's unit, as every member does, if that unit
    is of the newcomer's region (`_sendable_for`).

    `match` was read by `find_cluster` without a lock: a staff merge or split (or a closing, a restriction) may
    have committed since. Its incident is locked the way every incident change locks it, the match read afresh and
    checked again, and the report joins the incident it is in now: written from the stale copy, the match's
    incident_id would undo the dispatcher's change."""
    category = match.category
    await lock_incidents(session, [match.id, report.id])
    fresh = await session.scalar(select(Report).where(Report.id == match.id)  # type: ignore[arg-type]
                                 .execution_options(populate_existing=True))
    if (fresh is None or fresh.status == Status.CLOSED or is_restricted(fresh) or fresh.category != category
            or fresh.category != report.category):
        return False
    match = fresh
    incident_id = match.incident_id or match.id
    if match.incident_id is None:
        # the match now leads an incident: its own history says so (the newcomer's `incident_joined` below)
        await regroup(session, [match, report], SYSTEM, prefer=match, recorded={report.id},
                      cause={"joined": str(report.id)})
    report.incident_id = incident_id
    session.add(report)
    await append_event(session, report, "incident_joined", SYSTEM, public=False,
                       data={"incident_id": str(incident_id), "similarity": similarity, "primary": str(match.id)})
    # matches are open, and an incident with an open report has an open primary (reports.service)
    primary = match if match.id == incident_id else await session.get(Report, incident_id)
    if primary is not None and await _sendable_for(session, primary, report):
        await follow_primary_unit(session, primary, report, SYSTEM)
    return True


async def _sendable_for(session: AsyncSession, primary: Report, report: Report) -> bool:
    """Whether `report` may follow `primary`'s unit: one its own region's duty officer could send (the rule a
    staff merge keeps, corrections.merge). An incident may span a region's border; its report on this side stays
    in this region's queue, grouped, rather than go to a unit of another region no one here can see or recall."""
    if primary.unit_id is None or report.district is None:
        return True  # nothing to follow, or a report of no region (shown to every regional officer)
    unit = await session.get(Unit, primary.unit_id)
    return unit is None or unit.district in around(report.district)
