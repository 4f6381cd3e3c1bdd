"""The console's lists: the dispatch queue (one entry per incident, most urgent first, and the urgent entries a walk
through it has gone past), the escalations still due, and what a card shows of a report's incident. Re-exported by
backend.dispatch.service, where their callers have always taken them."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from backend.dispatch.jobs import awaiting_crew, unassigned_urgent
from backend.dispatch.models import Assignment, Escalation
from backend.dispatch.visibility import Scope, in_region, readable, visible_to
from backend.lib.clock import as_utc
from backend.lib.pagination import older_than
from backend.officers.auth import OfficerPrincipal, Role
from backend.reports.access import not_restricted
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Action, Status


async def escalations_page(session: AsyncSession, principal: OfficerPrincipal,
                           after: tuple[datetime, uuid.UUID] | None, limit: int) -> list[tuple[Escalation, Report]]:
    """Escalations still due of open reports this officer may read, newest first (`still_due`: a closed report's,
    or one whose cause was settled since, is moot; its audit line and push keep the record). SQL leaves out what it
    can tell is settled (`_maybe_due`); the rest is read in batches past what `still_due` then settles, so a page is
    full whenever that many are due, and its last row is where the next one starts."""
    query = ((await readable(session, principal))
             .add_columns(Escalation).join(Escalation, col(Escalation.report_id) == Report.id)
             .where(Report.status != Status.CLOSED.value, _maybe_due())  # type: ignore[arg-type]
             .order_by(col(Escalation.created_at).desc(), col(Escalation.id).desc()))
    due: list[tuple[Escalation, Report]] = []
    while len(due) < limit:
        batch = (await session.execute((query if after is None else query.where(
            older_than(col(Escalation.created_at), col(Escalation.id), after))).limit(limit))).all()
        if not batch:
            break
        unaccepted = await _unaccepted(session, [e.subject for _, e in batch if e.kind == "unaccepted_urgent"])
        waiting = [report.id for report, e in batch if e.kind == "unassigned_urgent"]
        stretches = {report_id: since.isoformat()
                     for report_id, since in await unassigned_urgent(session, report_ids=waiting)} if waiting else {}
        due += [(escalation, report) for report, escalation in batch
                if still_due(escalation, report, unaccepted, stretches)]
        after = (batch[-1][1].created_at, batch[-1][1].id)
    return due[:limit]


async def is_still_due(session: AsyncSession, escalation: Escalation, report: Report) -> bool:
    """`still_due` for one escalation, with what it needs read (the duty bot, before it tells a supervisor: its
    message may wait an hour for Telegram, and by then the crew may have accepted or a unit taken the report)."""
    unaccepted = (await _unaccepted(session, [escalation.subject])
                  if escalation.kind == "unaccepted_urgent" else set())
    stretches = ({report_id: since.isoformat()
                  for report_id, since in await unassigned_urgent(session, report_ids=[report.id])}
                 if escalation.kind == "unassigned_urgent" else {})
    return still_due(escalation, report, unaccepted, stretches)


def still_due(escalation: Escalation, report: Report, unaccepted: set[str], stretches: dict[uuid.UUID, str]) -> bool:
    """Whether what `escalation` was made for (backend.dispatch.jobs) still holds for the open `report`: the report
    is still urgent and without a unit in the same stretch in the queue (`stretches`: when each such report was last
    left without one, the subject jobs.unassigned_urgent gives), the assignment named is still not accepted while the
    report waits for its crew (`unaccepted`: those of them still held and not accepted), the deadline or redirect
    term named is still the report's. Another stretch without a unit, another unit, a new term escalate again under
    their own subject, and only that escalation is listed."""
    if escalation.kind == "unassigned_urgent":
        return escalation.subject == stretches.get(report.id)
    if escalation.kind == "unaccepted_urgent":
        # `unaccepted` holds only what the job would escalate now (jobs.awaiting_crew): the console's question to
        # the reporter leaves it due, as the crew has still not confirmed; a crew step, or another unit, settles it
        return escalation.subject in unaccepted
    if escalation.kind in _ON_DEADLINE:  # settled by a new deadline (extended, or restarted by an appeal)
        return escalation.subject == as_utc(report.deadline_at).isoformat()
    if escalation.kind == "redirect_due":
        return report.redirect_due_at is not None and escalation.subject == as_utc(report.redirect_due_at).isoformat()
    return True  # a kind this list does not know how to settle stays listed


# the escalations about the report's current deadline: about to lapse, and its citizen's complaint that it did
# (reports.service.complain_of_delay)
_ON_DEADLINE = ("deadline_near", "delay_complaint")
# the actions after which a report's legal deadline is another one: an extension lengthens it, an appeal starts a
# fresh term (both later than a deadline escalated before them: reports.service.extend_deadline, change_status)
_NEW_DEADLINE = (Action.REOPEN.value, "extend")


def _maybe_due() -> ColumnElement[bool]:
    """A filter on Escalation joined with its Report: what `still_due` needs of it that SQL can tell, so the settled
    escalations, thousands in a busy week, are left in the database instead of being read in batches to be dropped
    (bench/escalations.py: 5,000 settled took a page 300 statements). Only ever necessary: `still_due` decides on
    what it lets through (the same stretch in the queue, the same assignment, the same term)."""
    kind = col(Escalation.kind)
    held = exists().where(col(Assignment.report_id) == col(Report.id), awaiting_crew())
    extended = exists().where(col(ReportEvent.report_id) == col(Report.id),
                              col(ReportEvent.action).in_(_NEW_DEADLINE),
                              col(ReportEvent.created_at) > col(Escalation.created_at))
    return or_(and_(kind == "unassigned_urgent", col(Report.urgent).is_(True), col(Report.unit_id).is_(None)),
               and_(kind == "unaccepted_urgent", held),
               and_(kind.in_(_ON_DEADLINE), ~extended),
               and_(kind == "redirect_due", col(Report.redirect_due_at).is_not(None)),
               kind.not_in(("unassigned_urgent", "unaccepted_urgent", *_ON_DEADLINE, "redirect_due")))


async def _unaccepted(session: AsyncSession, assignment_ids: list[str]) -> set[str]:
    """Of the assignments named (unaccepted_urgent subjects), those whose crew has still not confirmed them
    (jobs.awaiting_crew: held, not accepted, no crew step since, the report still urgent)."""
    if not assignment_ids:
        return set()
    rows = await session.scalars(select(col(Assignment.id)).join(Report, col(Report.id) == col(Assignment.report_id))
                                 .where(col(Assignment.id).in_([uuid.UUID(a) for a in assignment_ids]),
                                        awaiting_crew()))
    return {str(assignment_id) for assignment_id in rows}


def _waiting(table: Any) -> Any:
    """Triage, or open and with no unit (not yet, or no longer: see release_if_not_designated)."""
    return ((table.status != Status.CLOSED.value) & table.unit_id.is_(None)) | (table.status == Status.TRIAGE.value)


def _entries(principal: OfficerPrincipal, scope: Scope) -> Select[Report]:
    """Triage and unassigned open reports, one entry per incident: its primary, or, if the primary is not waiting
    (assigned, closed, or hidden from this officer), its earliest waiting report; the others of the incident are
    listed on that entry's card."""
    other = aliased(Report)
    better = (other.incident_id == Report.incident_id) & (other.id != Report.id) & _waiting(other) & (
        (other.id == other.incident_id)
        | ((Report.id != Report.incident_id)
           & ((other.created_at < Report.created_at)
              | ((other.created_at == Report.created_at) & (other.id < Report.id)))))
    behind_another = Report.incident_id.is_not(None) & exists().where(better & _shown(principal, scope, other))  # type: ignore[union-attr]
    return visible_to(principal, scope).where(_waiting(Report), ~behind_another)


def _shown(principal: OfficerPrincipal, scope: Scope, table: Any) -> Any:
    """Another report of an incident counts for this officer's queue only if the officer may see it (an incident
    near a regional border may have a report across it)."""
    if principal.role in (Role.SUPERVISOR, Role.ADMIN, Role.PROSECUTOR):
        return in_region(scope, table)
    return not_restricted(table) & in_region(scope, table)


PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}  # an unknown priority ranks after "low"


def _urgent_rank(table: Any) -> Any:
    return case((table.urgent.is_(True), 0), else_=1)


def _priority_rank(table: Any) -> Any:
    return case(PRIORITY_RANK, value=table.priority, else_=len(PRIORITY_RANK))


@dataclass(frozen=True)
class QueueKey:
    """Where a queue entry stands: the urgent flag (0: urgent), priority rank and deadline of its incident's most
    urgent open report (the entry's own when it is no incident), then the entry's registration time and id."""

    urgent: int
    priority: int
    deadline_at: datetime
    created_at: datetime
    id: uuid.UUID


def _ranked(principal: OfficerPrincipal, scope: Scope) -> tuple[Select[Any], tuple[Any, ...]]:
    """The queue's entries with their rank columns, and the whole key they are ordered by (`QueueKey`'s fields)."""
    member = aliased(Report)

    def of_most_urgent(value: Any, own: Any) -> Any:
        # `value` of the incident's most urgent open report (the entry itself is one); a report in no incident
        # only has its own, and skips the lookup. Correlated lookups on ix_reports_incident_id rather than a join
        # on a computed id, which PostgreSQL answers with a scan of the whole table
        most_urgent = (
            select(value)
            .where(col(member.incident_id) == col(Report.incident_id), col(member.status) != Status.CLOSED.value,
                   _shown(principal, scope, member))
            .order_by(_urgent_rank(member), _priority_rank(member), col(member.deadline_at), col(member.id))
            .limit(1).correlate(Report).scalar_subquery()
        )
        return case((col(Report.incident_id).is_(None), own), else_=func.coalesce(most_urgent, own))

    u = of_most_urgent(_urgent_rank(member), _urgent_rank(Report))
    p = of_most_urgent(_priority_rank(member), _priority_rank(Report))
    d = of_most_urgent(col(member.deadline_at), col(Report.deadline_at))
    return _entries(principal, scope).add_columns(u, p, d), (u, p, d, col(Report.created_at), col(Report.id))


def _keyed(rows: Any) -> list[tuple[Report, QueueKey]]:
    return [(report, QueueKey(int(ur), int(pr), dl, report.created_at, report.id)) for report, ur, pr, dl in rows]


def _at(after: QueueKey) -> Any:
    # one row comparison (none of the five is ever NULL), not the OR of its expansion: that repeated each
    # correlated lookup ten times, and its cost estimate alone had PostgreSQL JIT-compile the page (2.5 s)
    return tuple_(after.urgent, after.priority, after.deadline_at, after.created_at, after.id)


async def queue_page(session: AsyncSession, principal: OfficerPrincipal, scope: Scope, after: QueueKey | None,
                     limit: int) -> list[tuple[Report, QueueKey]]:
    """The dispatch queue, most urgent first: urgent flag, then priority, then the nearest legal deadline, then the
    longest waiting. A deadline is the end of a local day, shared by every report registered that day: without the
    age, a day's reports of one priority came in the order of their random ids.

    An incident ranks by its most urgent open report, not by whichever report stands for it: a "me too" report
    saying "he has a knife now" lifts the whole incident. Keyset pagination on the returned keys. `scope`: the
    principal's (`scope_of`), read once by a caller that also asks `urgent_ahead`."""
    query, key = _ranked(principal, scope)
    if after is not None:
        query = query.where(tuple_(*key) > _at(after))
    return _keyed(await session.execute(query.order_by(*key).limit(limit)))


# At most this many urgent entries are sent with a page (`UrgentAhead.shown`): in a mass event (an explosion, a flood)
# thousands can rank ahead of a walk, and a page carrying every one of them as a card was megabytes the console could
# not show anyway. Past it the page says so (urgent_ahead_more), and the console walks the queue from the top.
URGENT_AHEAD_MAX = 50


@dataclass(frozen=True)
class UrgentAhead:
    """The urgent entries ranking ahead of where a walk stands: every one's id, most urgent first (what the walk's
    cursor names: `shown_digest`), and the first `URGENT_AHEAD_MAX` of them loaded, to be sent."""

    ids: list[uuid.UUID]
    shown: list[Report]

    @property
    def more(self) -> bool:
        """Whether more rank ahead than `shown` holds."""
        return len(self.ids) > len(self.shown)


async def urgent_ahead(session: AsyncSession, principal: OfficerPrincipal, scope: Scope, upto: QueueKey, *,
                       limit: int = URGENT_AHEAD_MAX) -> UrgentAhead:
    """The urgent entries that rank at or before `upto` (where a walk through the queue stands), in queue order:
    those a page after `upto` can no longer show. A report that became urgent after the walk went past the urgent
    block (reclassified, routed late, a new one, one its unit let go) is among them, and only here. `scope`: as
    for `queue_page`. Every one's id (the walk's cursor names the whole set, so a change past the first `limit` is
    still seen), and only the first `limit` read as rows."""
    query, key = _ranked(principal, scope)
    query = query.where(key[0] == 0)
    if upto.urgent == 0:  # still inside the urgent block: those behind `upto` are the walk's next pages
        query = query.where(tuple_(*key) <= _at(upto))
    ids = list(await session.scalars(query.with_only_columns(col(Report.id)).order_by(*key)))
    first = ids[:limit]
    rows = ({report.id: report for report in await session.scalars(select(Report).where(col(Report.id).in_(first)))}
            if first else {})
    return UrgentAhead(ids=ids, shown=[rows[report_id] for report_id in first])


def shown_digest(entry_ids: Iterable[uuid.UUID]) -> str:
    """A fixed-size name of a set of queue entries (a cursor carries the urgent ones its walk has shown): equal only
    for the same set, so a walk is never told "nothing new" when something is."""
    digest = hashlib.blake2b(digest_size=16)
    for entry_id in sorted(set(entry_ids)):
        digest.update(entry_id.bytes)
    return digest.hexdigest()


@dataclass(frozen=True)
class Incident:
    """What a card shows of a report's incident (its id is the primary's): the other reports this officer may see,
    and what the queue ranks the incident by (its most urgent open report's urgent flag, priority and deadline)."""

    incident_id: uuid.UUID
    report_ids: list[uuid.UUID]
    size: int
    urgent: bool
    priority: str
    deadline_at: datetime


def _rank(urgent: bool, priority: str, deadline_at: datetime) -> tuple[int, int, datetime]:
    """The queue's order (queue_page) for rows already loaded."""
    return (0 if urgent else 1, PRIORITY_RANK.get(priority, len(PRIORITY_RANK)), deadline_at)


async def incidents(session: AsyncSession, principal: OfficerPrincipal,
                    page: list[Report]) -> dict[uuid.UUID, Incident]:
    """Incidents of the given reports, by report id, in one query (restricted reports stay hidden as usual)."""
    wanted = {r.incident_id for r in page if r.incident_id is not None}
    if not wanted:
        return {}
    query = await readable(session, principal)
    rows = (await session.execute(
        query.with_only_columns(col(Report.id), col(Report.incident_id), col(Report.status), col(Report.urgent),
                                col(Report.priority), col(Report.deadline_at))
        .where(col(Report.incident_id).in_(wanted))
        .order_by(col(Report.created_at), col(Report.id)))).all()
    members: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    lead: dict[uuid.UUID | None, tuple[bool, str, datetime]] = {}
    for report_id, incident_id, status, urgent, priority, deadline_at in rows:
        members.setdefault(incident_id, []).append(report_id)
        best = lead.get(incident_id)
        if status != Status.CLOSED and (best is None or _rank(urgent, priority, deadline_at) < _rank(*best)):
            lead[incident_id] = (urgent, priority, deadline_at)
    out = {}
    for report in page:
        if report.incident_id is None:
            continue
        ids = members.get(report.incident_id, [])
        urgent, priority, deadline_at = lead.get(report.incident_id,
                                                 (report.urgent, report.priority, report.deadline_at))
        out[report.id] = Incident(incident_id=report.incident_id, report_ids=[i for i in ids if i != report.id],
                                  size=len(ids) or 1, urgent=urgent, priority=priority, deadline_at=deadline_at)
    return out
