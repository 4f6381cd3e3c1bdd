"""Duplicate incidents: the same event reported by several people joins one cluster ("me too").

Per category: how far apart, how long apart, and how similar the texts must be. Restricted categories never
cluster (two families in one building are two cases), and online fraud has no meaningful location.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
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

log = logging.getLogger("zan.routing")


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
# the grid of the duplicate searches' locks (_wait_for_searches_nearby): wider than the widest search box (missing
# persons, 3 km: 0.03 degrees of latitude, 0.05 of longitude at 55° N), so a box touches at most four cells
SEARCH_CELL_DEG = 0.1
# under PostgreSQL's deadlock_timeout (1 s): a lock cycle through this wait mostly ends with the search going on,
# not with PostgreSQL killing a dispatcher's merge
SEARCH_LOCK_WAIT_MS = 500
LOCK_NOT_AVAILABLE = "55P03"
# intake refuses an occurred_at more than a few minutes after the filing (clock skew); with room to spare
FILED_AFTER_EVENT_MARGIN = timedelta(hours=1)


def event_time(report: Report) -> datetime:
    """When the event happened: as its reporter told it, else when it was reported."""
    return report.occurred_at or report.created_at


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
    # the window is between the events: a witness filing hours after the crash, saying when it was, saw the same
    # crash; a theft two days ago told now at a corner where another is reported now is another event
    event = func.coalesce(col(Report.occurred_at), col(Report.created_at))
    at = event_time(report)
    own = await session.get(ReportEmbedding, report.id)
    await _wait_for_searches_nearby(session, report.category or "", report.lat, report.lon, dlat, dlon)
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
            event >= at - rule.window,
            event <= at + rule.window,
            # what the index ranges over: an event is never told as later than its filing (intake refuses a future
            # occurred_at), so a report filed before the window opened tells no event inside it
            Report.created_at >= at - rule.window - FILED_AFTER_EVENT_MARGIN,  # type: ignore[arg-type,operator]
            Report.lat.between(report.lat - dlat, report.lat + dlat),  # type: ignore[attr-defined]
            Report.lon.between(report.lon - dlon, report.lon + dlon),  # type: ignore[attr-defined]
            # vectors of another embedder (ZAN_EMBEDDER or the model changed since) live in another space, even
            # when they have as many numbers (e5-small and MiniLM both give 384): their dot product means nothing
            *([col(ReportEmbedding.embedder) == own.embedder] if own is not None else []),
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


async def _wait_for_searches_nearby(session: AsyncSession, category: str, lat: float, lon: float, dlat: float,
                                    dlon: float) -> None:
    """Queue behind another routing job searching the same area for the same category until its transaction ends.

    Witnesses of one crash report within seconds, and the relay routes their reports side by side: each job's search
    ran before the other's vector was committed, neither saw the other, and the crash became two incidents (two
    queue entries, two units). Held to the end of the transaction (pg_advisory_xact_lock), a lock per category and
    grid cell of the search box, taken in one order (sorted), makes the later search read the earlier job's report.
    Two reports within each other's radius share at least the cell of either one.

    The wait is bounded (SEARCH_LOCK_WAIT_MS): the job holds its own report's row meanwhile, and a dispatcher's merge
    of that report and of the other job's match would close a lock cycle. Past the bound the search goes on without
    the other job's report (a missed "me too", staff can merge) rather than a failed routing. SQLite runs
    one writing transaction at a time (BEGIN IMMEDIATE): nothing to wait for."""
    if session.get_bind().dialect.name != "postgresql":
        return
    rows = range(math.floor((lat - dlat) / SEARCH_CELL_DEG), math.floor((lat + dlat) / SEARCH_CELL_DEG) + 1)
    columns = range(math.floor((lon - dlon) / SEARCH_CELL_DEG), math.floor((lon + dlon) / SEARCH_CELL_DEG) + 1)
    keys = sorted({_lock_key(category, row, column) for row in rows for column in columns})
    previous = await session.scalar(select(func.current_setting("lock_timeout")))
    try:
        # a savepoint: a lock wait that times out aborts only it, and its rollback also undoes the lock_timeout
        async with session.begin_nested():
            await session.execute(select(func.set_config("lock_timeout", f"{SEARCH_LOCK_WAIT_MS}ms", True)))
            for key in keys:
                await session.execute(select(func.pg_advisory_xact_lock(key)))
            await session.execute(select(func.set_config("lock_timeout", previous, True)))
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        log.warning("duplicate search of a %s report waited %s ms for another routing job nearby; going on",
                    category, SEARCH_LOCK_WAIT_MS)


def _lock_key(category: str, row: int, column: int) -> int:
    """A signed 64-bit advisory lock key for one category and grid cell (the namespace keeps it off other locks)."""
    digest = hashlib.blake2b(f"zan.duplicates:{category}:{row}:{column}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


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
