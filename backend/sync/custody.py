"""Who may still write to a report from a tablet: custody rules shared by notes, evidence and the officer's text
fields (tablet-sync.md: a late note from the previous assignee is accepted; a dispatcher's reassignment or closing
wins over offline edits). A crew's custody follows its unit's assignments; an officer's, after a move to another
unit, also their past memberships (sync_unit_tenures, written by backend.sync.tenure)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.dispatch.designation import history_of, may_hold
from backend.dispatch.models import Assignment
from backend.lib.clock import as_utc, utcnow
from backend.officers.auth import OfficerPrincipal
from backend.officers.models import Unit, UnitMember
from backend.reports.appeals import latest_closing
from backend.reports.models import Report
from backend.reports.workflow import FIELD, Action, Actor, Status
from backend.sync import hlc as hlcs
from backend.sync.lookups import batch_memo
from backend.sync.models import UnitTenure
from backend.sync.views import Viewer, report_visible


async def custody(session: AsyncSession, viewer: Viewer, report: Report) -> bool:
    """The viewer's unit has the report, or had it while the viewer was in its crew: a late note from the previous
    assignee is kept. An officer who joined the unit only after it handed the report on (or closed it) never held
    it: their tablet may not add notes, evidence or write-ups to the unit's past work (least privilege; the report
    id is all a crafted mutation would need)."""
    return report_visible(report, viewer) or await _crew_held(session, viewer, report)


_OPEN = datetime.max.replace(tzinfo=UTC)


def _held(since: datetime, until: datetime | None, assigned: datetime, released: datetime | None,
          at: datetime | None) -> bool:
    """A crew membership [since, until) and an assignment of the unit [assigned, released) (None: still on): they
    overlap, or, given `at`, both hold at that time. _tenures_holding says the same in SQL."""
    if at is None:
        return assigned < (until or _OPEN) and since < (released or _OPEN)
    return since <= at < (until or _OPEN) and assigned <= at < (released or _OPEN)


async def _crew_held(session: AsyncSession, viewer: Viewer, report: Report, at: datetime | None = None) -> bool:
    """The viewer's unit (now) held the report while the viewer was in its crew (at some time, or at `at`)."""
    if viewer.unit_id is None:
        return False
    periods = [(since, until) for since, until in await _crew_periods(session, viewer.officer_id, viewer.unit_id)
               if at is None or since <= at < (until or _OPEN)]
    if not periods:  # never in the crew (then): the unit's assignments cannot change that
        return False
    held = (await session.execute(select(col(Assignment.assigned_at), col(Assignment.released_at)).where(
        col(Assignment.report_id) == report.id, col(Assignment.unit_id) == viewer.unit_id))).all()
    return any(_held(since, until, as_utc(assigned), None if released is None else as_utc(released), at)
               for assigned, released in held for since, until in periods)


async def _crew_periods(session: AsyncSession, officer_id: uuid.UUID,
                        unit_id: uuid.UUID) -> list[tuple[datetime, datetime | None]]:
    """(since, until) of each time the officer was in the unit's crew: the membership now (until None) and the
    ones that ended (sync_unit_tenures, backend.sync.tenure). Read once per push batch: every note of a 500-mutation
    batch for a report handed on asks it, and a push moves no officer."""
    memo = batch_memo(session, "crew_periods")
    if memo is not None and (officer_id, unit_id) in memo:
        return list(memo[officer_id, unit_id])
    periods = await _read_crew_periods(session, officer_id, unit_id)
    if memo is not None:
        memo[officer_id, unit_id] = tuple(periods)
    return periods


async def _read_crew_periods(session: AsyncSession, officer_id: uuid.UUID,
                             unit_id: uuid.UUID) -> list[tuple[datetime, datetime | None]]:
    periods: list[tuple[datetime, datetime | None]] = []
    since = await session.scalar(select(col(UnitMember.since)).where(col(UnitMember.officer_id) == officer_id,
                                                                     col(UnitMember.unit_id) == unit_id))
    if since is not None:
        periods.append((as_utc(since), None))
    ended = await session.execute(select(col(UnitTenure.since), col(UnitTenure.until)).where(
        col(UnitTenure.officer_id) == officer_id, col(UnitTenure.unit_id) == unit_id))
    periods.extend((as_utc(start), as_utc(end)) for start, end in ended.all())
    return periods


@dataclass(frozen=True, slots=True)
class Former:
    """What the officer's past memberships say of a mutation `written` for a report. `verdict`: "before" when a unit
    they have left held the report while they were in it and the mutation was written before they left, "after"
    when only later, None when no such unit did. `unit`: the unit they were in when they wrote it ("before"): the one
    they left first after `written` among those."""

    verdict: str | None
    unit: uuid.UUID | None


async def past_custody(session: AsyncSession, officer: OfficerPrincipal, report: Report, written: datetime | None,
                 unit_id: uuid.UUID | None = None) -> Former:
    """Moving an officer to another unit changes their tablet's scope, but its outbox may still hold notes typed in
    the field for the old unit's reports, offline, before the move: they are evidence and are kept like a late note
    of a reassigned crew, as that crew's (recorded as the new unit's, or as nobody's, the chain of custody would
    name a unit that never held the report). A note stamped after the move was not written while they were
    assigned. `unit_id`: only that former unit counts."""
    tenures = await _tenures_holding(session, officer, report, unit_id)
    if not tenures:
        return Former(None, None)
    held = [(until, unit) for unit, until in tenures if written is not None and written < until]
    return Former("before", min(held)[1]) if held else Former("after", None)


async def former_custody(session: AsyncSession, officer: OfficerPrincipal, report: Report,
                         written: datetime | None, unit_id: uuid.UUID | None = None) -> str | None:
    """`past_custody(...).verdict`."""
    return (await past_custody(session, officer, report, written, unit_id)).verdict


async def _tenures_holding(session: AsyncSession, officer: OfficerPrincipal, report: Report,
                           unit_id: uuid.UUID | None = None,
                           at: datetime | None = None) -> list[tuple[uuid.UUID, datetime]]:
    """(unit, until) of the officer's past memberships in units that held the report during the membership (given
    `at`: both at that time). _held says the same of one membership and one assignment."""
    query = (
        select(col(UnitTenure.unit_id), col(UnitTenure.until))
        .join(Assignment, col(Assignment.unit_id) == col(UnitTenure.unit_id))
        .where(col(UnitTenure.officer_id) == officer.officer_id, col(Assignment.report_id) == report.id,
               col(Assignment.assigned_at) < col(UnitTenure.until),
               or_(col(Assignment.released_at).is_(None), col(Assignment.released_at) > col(UnitTenure.since)))
    )
    if unit_id is not None:
        query = query.where(col(UnitTenure.unit_id) == unit_id)
    if at is not None:
        query = query.where(col(UnitTenure.since) <= at, col(UnitTenure.until) > at, col(Assignment.assigned_at) <= at,
                            or_(col(Assignment.released_at).is_(None), col(Assignment.released_at) > at))
    return [(unit, until) for unit, until in (await session.execute(query)).all()]


async def former_holder(session: AsyncSession, officer: OfficerPrincipal, report: Report,
                        written: datetime | None) -> str | None:
    """former_custody for the officer's text fields: the unit they left must still hold the report (open, and
    visible to it), since a dispatcher's reassignment or closing wins over offline edits (tablet-sync.md)."""
    if report.unit_id is None:
        return None
    former = await former_custody(session, officer, report, written, unit_id=report.unit_id)
    if former is None or report.status == Status.CLOSED:
        return None
    # report_visible's rule for that unit, without building its whole Viewer (its region, its reports' history)
    unit = await session.get(Unit, report.unit_id)
    designated = (unit.restricted_categories or []) if unit is not None else []
    if not may_hold(designated, report, await history_of(session, report)):
        return None
    return former


async def held_when_written(session: AsyncSession, viewer: Viewer, report: Report, written: datetime | None) -> bool:
    """Whether the viewer's unit held the report when the tablet wrote (an assignment of it that began before
    `written` and was released after it, or not at all), with the officer in its crew then: one who joined later
    never held the report."""
    return written is not None and await _crew_held(session, viewer, report, at=written)


async def crew_has_or_had(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer, report: Report) -> bool:
    """Whether the officer's crew has the report or had it at some time while they were in it: their unit now
    (custody) or one they have left since. Whose texts a final refusal keeps on the report (a write-up's, a note's
    from a desk officer's tablet), whenever the tablet wrote them: a crew that reached the scene before its tablet
    learnt that dispatch had reassigned, closed or reopened the report saw what it wrote there, and a tablet's clock
    (a dead battery boots it in 1970) cannot tell when that was. Never for applying or undoing work
    (written_in_custody); a stranger's text never enters a report's record."""
    return await custody(session, viewer, report) or bool(await _tenures_holding(session, officer, report))


async def written_in_custody(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer, report: Report,
                             written: datetime | None) -> bool:
    """Whether the officer's crew holds the report now, or held it when the tablet wrote (`written`): their unit
    now (held_when_written), or one they have left since, while they were in it. For what undoes earlier work (a
    note's author tombstoning it): once the report is closed or handed on, a change typed afterwards would rewrite
    the sealed record of work that is over, while one typed on scene, offline, is the crew's own correction."""
    if report_visible(report, viewer):
        return True
    if written is None:
        return False
    return (await held_when_written(session, viewer, report, written)
            or bool(await _tenures_holding(session, officer, report, at=written)))


def written_at(device_time: datetime | None, hlc: str) -> datetime | None:
    """When the tablet says the mutation was written: its device time, else its HLC's wall clock (never later than
    now); None for an HLC that does not parse (the mutation is rejected for it anyway)."""
    now = utcnow()
    if device_time is not None:
        return min(device_time, now)
    try:
        stamp = hlcs.parse(hlc)
    except ValueError:
        return None
    if stamp.ms >= now.timestamp() * 1000:
        # capped before it is converted: a wall past the year 9999 has no datetime, and raised (`internal`, which the
        # tablet sends again for ever)
        return now
    return datetime.fromtimestamp(stamp.ms / 1000, UTC)


async def closed_in_crews_hands(session: AsyncSession, viewer: Viewer, report: Report) -> bool:
    """The report was closed while the viewer's unit held it, by its own crew's "resolved" (a field officer's
    resolve) or by its citizen's withdrawal, and that custody held: the write-up the crew queued (what they found on
    scene, typed before the tablet learnt of the closing) still belongs to it. A withdrawal ends the appeal, not the
    record of the police work done on it, and no dispatcher decided anything the tablet's edits could overrule.
    Closed by dispatch (as a duplicate, redirected, unfounded, ...), reassigned or reopened since: no, a
    dispatcher's decision wins over offline edits (tablet-sync.md). No time bound, as for notes (custody): the
    tablet only holds the report until its next pull, so what it queued was written before it learnt of the
    closing. A restricted report only for a unit designated for the category it is restricted under
    (backend.dispatch.designation; its history read here, as `Viewer.earlier` holds only the open reports')."""
    if (report.status != Status.CLOSED or report.unit_id is None or report.unit_id != viewer.unit_id
            or not may_hold(viewer.restricted_categories, report, await history_of(session, report))
            or not await custody(session, viewer, report)):
        return False
    closing = await latest_closing(session, report)
    if closing is None:
        return False
    # a withdrawal of an appeal puts the decision appealed back (any resolution, resolved or not): the crew that
    # held the report meanwhile worked on it all the same, and keeps its write-up whichever decision comes back
    if closing.action == Action.WITHDRAW.value:
        return closing.actor_type == Actor.CITIZEN.value
    return closing.action == Action.RESOLVE.value and closing.actor_type in {actor.value for actor in FIELD}
