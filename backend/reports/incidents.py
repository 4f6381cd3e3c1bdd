"""Incidents ("me too"): reports of one event share `incident_id`, the id of their primary report. A staff step on the
primary is the incident's step: every other open report of it follows with its own event (so every reporter sees
it and is notified), as far as the workflow table allows. The primary is kept open while any report of the
incident is open, so there is always one report to act on (backend.reports.transitions)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.reports import appeals
from backend.reports.history import By, append_event
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import (
    FIELD,
    GROUND_RANK,
    GROUND_STEPS,
    OPEN,
    UNIT_WORK,
    Action,
    Actor,
    Status,
    can,
    recorded_in_place,
    rule_for,
)


async def ground_reached(session: AsyncSession, report: Report) -> int:
    """How far the crew got on `report` since it was last assigned (workflow.GROUND_RANK: 0 not yet on the way, 1 on
    the way, 2 arrived), from its ground steps recorded as status changes or in place (a new assignment is a new
    crew, which has yet to get there)."""
    actions = await session.scalars(select(col(ReportEvent.action)).where(
        col(ReportEvent.report_id) == report.id,
        col(ReportEvent.action).in_([Action.ASSIGN.value, *(step.value for step in GROUND_STEPS)]))
        .order_by(col(ReportEvent.created_at), col(ReportEvent.id)))
    reached = 0
    for action in actions:
        reached = 0 if action == Action.ASSIGN.value else max(reached, GROUND_RANK[Action(action)])
    return reached


def is_primary(report: Report) -> bool:
    return report.incident_id is not None and report.incident_id == report.id


async def incident_followers(session: AsyncSession, primary: Report, action: Action, by: By, *,
                             visible: Select[Report] | None = None) -> list[Report]:
    """The primary's other open reports that the workflow lets `by` take `action` on, or record it on in place
    (workflow.recorded_in_place; see follow_primary), locked, oldest first.
    Reporters' own steps never pass to other reporters' reports. `visible`: the reports the acting officer may read
    (backend.dispatch.visibility.visible_to); an incident can span a region's border (or hold a restricted report),
    and a step on the primary must not reach a member its officer could not read or act on by itself. None: no
    such limit (system steps, and tablets, whose unit rule below already scopes them)."""
    if not is_primary(primary) or by.actor is Actor.CITIZEN:
        return []
    query = select(Report).where(Report.incident_id == primary.id, Report.id != primary.id,  # type: ignore[arg-type]
                                 Report.status.in_([s.value for s in OPEN]))  # type: ignore[attr-defined]
    if visible is not None:
        query = query.where(col(Report.id).in_(visible.with_only_columns(col(Report.id))))
    members = await session.scalars(
        query.order_by(Report.created_at, Report.id).with_for_update()  # type: ignore[arg-type]
    )
    # a unit's own work, and anything a field officer does, speaks for the primary's unit only: a member handed
    # to another unit on its own moves alone, and that unit's crew reports for it
    same_unit = by.actor in FIELD or action in UNIT_WORK
    # a member whose own status records the step in place (follow_primary) follows it too
    followers = [m for m in members
                 if (can(action, Status(m.status), by.actor, held=m.unit_id is not None)
                     or recorded_in_place(action, Status(m.status), by.actor))
                 and (not same_unit or m.unit_id == primary.unit_id)]
    if rule_for(action).target is not Status.CLOSED:
        return followers
    # a member whose citizen appeals this officer's own closing stays open for another officer to decide, as it
    # would be refused on its own (appeals.refuse_own_appeal), without refusing the closing of the rest
    return [m for m in followers if not await appeals.decides_own_appeal(session, m, by.actor, by.actor_id)]


def as_follower(primary: Report, reason: str | None, params: dict[str, object] | None = None,
                data: dict[str, object] | None = None) -> dict[str, Any]:
    """A member's copy of the primary's step: the internal reason and data name the primary; the public text is
    the primary's (rendered in every language), never another reporter's number."""
    return {
        "reason": f"follows {primary.number}" + (f": {reason}" if reason else ""),
        "params": {"reason": reason or "", **(params or {})},
        "data": {**(data or {}), "incident_id": str(primary.id), "primary_number": primary.number},
    }


INCIDENT_REGROUPED = "incident_regrouped"  # internal: a report moved to another primary, or out of any incident


async def regroup(session: AsyncSession, reports: list[Report], by: By, *, prefer: Report | None = None,
                  recorded: Collection[uuid.UUID] = (), cause: dict[str, object] | None = None) -> uuid.UUID | None:
    """Make `reports` one incident whose primary is `prefer`, else the earliest open one (the earliest, if all are
    closed). Fewer than two reports are no incident. Returns the incident id.

    Each report whose incident changes gets an internal `incident_regrouped` event {from, to} (and `cause`) in its
    own history, sealed as every event and never shown to its citizen: a prosecutor reading a member must see it
    leave the incident or follow another primary, not only the merge that once put it there. `recorded`: the
    reports whose caller writes its own event for the move (a merge's `incident_merged`, a join's
    `incident_joined`)."""
    # the primary is chosen by who is open, so read that under the reports' locks: a caller holding only the
    # primary (a citizen withdrawing it, _keep_primary_open) read its members unlocked, and one of them closed by
    # its own step meanwhile would otherwise lead the rest, still open. Oldest first after the primary, the order
    # lock_incidents and incident_followers take; held already by merge, split and join, this re-reads them only.
    await session.flush()  # our own changes are the rows' state; populate_existing must not drop them
    await session.scalars(select(Report).where(col(Report.id).in_([r.id for r in reports]))
                          .order_by(col(Report.created_at), col(Report.id))
                          .with_for_update().execution_options(populate_existing=True))
    ordered = sorted(reports, key=lambda r: (r.created_at, str(r.id)))
    still_open = [r for r in ordered if r.status != Status.CLOSED]
    incident_id = (prefer or (still_open or ordered)[0]).id if len(ordered) > 1 else None
    for report in ordered:
        if report.incident_id == incident_id:
            continue
        previous, report.incident_id = report.incident_id, incident_id
        session.add(report)
        if report.id not in recorded:
            await append_event(session, report, INCIDENT_REGROUPED, by, public=False,
                               data={"from": str(previous) if previous else None,
                                     "to": str(incident_id) if incident_id else None, **(cause or {})})
    return incident_id

