"""Optimistic concurrency between duty officers: a report's entity tag, and the If-Match check of its mutations.

Two duty officers open the same card; one raises the priority or reassigns it, the other closes it on what they saw.
Without a check the second step silently overwrites the first. The console sends the tag it was shown (the card's
`etag`, also the `ETag` header of GET /dispatch/reports/{id}) in `If-Match`; a report changed since is refused with
412 `dispatch.report_changed`, carrying its current tag, and nothing is written.

The tag names the report's state as staff see it, without a column of its own: the workflow's version (every status
change), the number of history lines (every other staff, tablet or system step appends one: reclassification,
incident merge or split, extension, field correction, custody release), the newest officer field write (a tablet's
field edit appends no event) and the card's own columns — its routing state among them: routing that fails on a
report already in triage writes no history line and moves no version, yet the card then says "routing failed".
A report of an incident also carries the incident's state (`incident_states`): a "me too" report that joins it, or a
member reclassified as urgent, moves no line or column of the primary, yet the card then shows another incident, and
a step on the primary (closing it) reaches that member too.
A request without If-Match is not checked: tablets and older consoles keep working as before.

Merging reports into an incident (POST /dispatch/incidents/merge) acts on several reports at once: its If-Match lists
a tag per report (`ensure_all_unchanged`).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from typing import Annotated

from litestar.params import HeaderParameter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.lib.clock import as_utc
from backend.lib.errors import ZanError
from backend.reports.models import Report, ReportEvent
from backend.sync.models import ReportField

IfMatch = Annotated[str | None, HeaderParameter(
    name="If-Match", max_length=1000, required=False,
    description="the report's ETag as the console last saw it (the card's `etag`); if the report changed since, "
                "412 dispatch.report_changed and nothing is written. Left out: not checked")]
IfMatchAll = Annotated[str | None, HeaderParameter(
    name="If-Match", max_length=20_000, required=False,
    description="the ETags of the reports named, as the console last saw them (each card's `etag`, comma "
                "separated, in any order); if any of them changed since, or its tag is missing, 412 "
                "dispatch.report_changed naming that report (`report_id`, its current tag in `etag` and ETag) and "
                "nothing is written. Left out: not checked")]


def tag_of(report: Report, events: int, fields_hlc: str, incident: str = "") -> str:
    """The strong entity tag (quoted, RFC 9110) of `report` with `events` history lines, its newest field stamp and
    its incident's state (`incident_states`)."""
    state = "|".join(str(part) for part in (
        report.id, report.version, events, fields_hlc, report.status, report.unit_id, report.incident_id,
        report.category, report.department, report.priority, report.urgent, report.restricted, report.district,
        as_utc(report.deadline_at).isoformat(), report.routing_state, incident))
    return '"' + hashlib.sha256(state.encode()).hexdigest()[:32] + '"'


async def event_counts(session: AsyncSession, report_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """History lines per report, in one grouped query (ix_report_events_report_created)."""
    ids = list(report_ids)
    if not ids:
        return {}
    rows = await session.execute(select(col(ReportEvent.report_id), func.count())
                                 .where(col(ReportEvent.report_id).in_(ids)).group_by(col(ReportEvent.report_id)))
    return {report_id: int(count) for report_id, count in rows.all()}


async def incident_states(session: AsyncSession, reports: Iterable[Report]) -> dict[uuid.UUID | None, str]:
    """The state of each report's incident, by incident id, in one query (ix_reports_incident_id): every member with
    what the card's incident part is drawn from (whether it is open, its urgent flag, priority and deadline).

    Every member, not only those the caller may see: one tag serves every caller, and the card's incident part
    (its size, its most urgent member) counts members across a regional border too, although a step on the primary
    reaches only those its officer may read (visibility.readable). The tag is a hash: it says that something changed,
    never what."""
    wanted = {report.incident_id for report in reports if report.incident_id is not None}
    if not wanted:
        return {}
    rows = await session.execute(
        select(col(Report.incident_id), col(Report.id), col(Report.status), col(Report.urgent),
               col(Report.priority), col(Report.deadline_at))
        .where(col(Report.incident_id).in_(wanted)).order_by(col(Report.incident_id), col(Report.id)))
    states: dict[uuid.UUID | None, list[str]] = {}
    for incident_id, report_id, status, urgent, priority, deadline_at in rows.all():
        states.setdefault(incident_id, []).append(f"{report_id}:{status}:{urgent}:{priority}:"
                                                  f"{as_utc(deadline_at).isoformat()}")
    return {incident_id: ",".join(members) for incident_id, members in states.items()}


async def current_tags(session: AsyncSession, reports: Iterable[Report]) -> dict[uuid.UUID, str]:
    """The tags of `reports` as they stand in this transaction, in three grouped queries whatever their number."""
    listed = list(reports)
    ids = [report.id for report in listed]
    events = await event_counts(session, ids)
    newest: dict[uuid.UUID, str] = {}
    if ids:
        rows = await session.execute(select(col(ReportField.report_id), func.max(col(ReportField.hlc)))
                                     .where(col(ReportField.report_id).in_(ids)).group_by(col(ReportField.report_id)))
        newest = {report_id: hlc or "" for report_id, hlc in rows.all()}
    incidents = await incident_states(session, listed)
    return {report.id: tag_of(report, events.get(report.id, 0), newest.get(report.id, ""),
                              incidents.get(report.incident_id, "")) for report in listed}


async def current(session: AsyncSession, report: Report) -> str:
    """The tag of `report` as it stands in this transaction."""
    return (await current_tags(session, [report]))[report.id]


def _listed(header: str) -> list[str]:
    # a list of tags; W/ dropped: a proxy that compresses (nginx gzip) weakens the strong tag it passes on, and the
    # tag names the report's state, not the bytes, so the console's copy still means the same state
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def _changed(report: Report, tag: str) -> ZanError:
    """412 with the report's current tag, and what the console needs to redraw it without another read."""
    return ZanError("dispatch.report_changed", 412, headers={"ETag": tag},
                    extra={"etag": tag, "report_id": str(report.id), "report_status": report.status,
                           "unit_id": str(report.unit_id) if report.unit_id else None})


async def ensure_unchanged(session: AsyncSession, report: Report, if_match: str | None) -> None:
    """Refuse (412) a step on `report`, locked by the caller, if the console saw another state than the current."""
    if if_match is None:
        return
    tags = _listed(if_match)
    if "*" in tags:  # any current representation: the report exists, which get_visible has established
        return
    tag = await current(session, report)
    if tag not in tags:
        raise _changed(report, tag)


async def ensure_all_unchanged(session: AsyncSession, reports: Iterable[Report], if_match: str | None) -> None:
    """Refuse (412) a step on several `reports`, locked by the caller, unless `if_match` lists each one's current tag.

    One list for all: a tag hashes its report's id, so it names one report and cannot stand in for another, and "*"
    (any current representation) passes them all. The first report out of date is the one the problem names."""
    if if_match is None:
        return
    tags = _listed(if_match)
    if "*" in tags:
        return
    listed = list(reports)
    now = await current_tags(session, listed)
    for report in listed:
        if now[report.id] not in tags:
            raise _changed(report, now[report.id])
