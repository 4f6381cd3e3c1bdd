"""A report's rows that no seal holds, checked against the sealed events that pin them: the one set of rules, for one
report (its history's integrity verdict, backend.dispatch.history) and for every report (`zan ledger verify`,
backend.ledger.verify.check_pinned).

These rows change in place, so the ledger cannot seal them as they are; an event written with each pins what matters:
- the report row: what the citizen submitted (text, place, time, anonymity, files), one hash in its `registered`
  event (backend.reports.submission);
- the files sent later (`media`, with a comment or an answer): each one's sha256, in the event that brought it;
- the chain of custody (`assignments`): each record's unit, assigner and automatic flag, in its `assign` event;
- the tablet notes (`report_notes`): text, author and tombstone, in `note_added`/`note_removed`
  (backend.sync.sealed).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only
from sqlmodel import col

from backend.db import uuid_in
from backend.dispatch.models import Assignment
from backend.media.models import Media
from backend.reports import submission
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Action
from backend.sync.models import ReportNote
from backend.sync.sealed import NOTES, compare_notes, sealed_notes

REPORTS = "reports"  # what the citizen submitted, in a verdict: against the hash its `registered` event pinned
MEDIA = "media"  # a file sent later, in a verdict: its row against the hash its event sealed
CUSTODY = "assignments"  # a custody record, in a verdict: against the `assign` event written with it
# the report's columns `submission.submission` reads: `walk` reads no others
SUBMITTED = ("text", "lat", "lon", "accuracy_m", "occurred_at", "anonymous")
BATCH = 500  # reports `walk` judges at a time: a few thousand rows of each table in memory, whatever the total


class PinningEvent(Protocol):
    """What the checks read of a report event: a ReportEvent, or the few columns `walk` selects of one."""

    @property
    def action(self) -> str: ...
    @property
    def data(self) -> dict[str, Any] | None: ...
    @property
    def actor_type(self) -> str: ...
    @property
    def actor_id(self) -> str | None: ...


class _Event(NamedTuple):
    action: str
    data: dict[str, Any] | None
    actor_type: str
    actor_id: str | None


@dataclass
class Found:
    """One report's unsealed rows that no longer match what pins them, as (table, id), in the order the history
    lists them; and how many of its notes there are and how many of those an event records (only those are judged)."""

    altered: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    missing: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    notes: int = 0
    notes_recorded: int = 0


def judge(
    report_id: uuid.UUID,
    report: Report | None,
    events: Sequence[PinningEvent],
    media: Iterable[Media],
    custody: Iterable[Assignment],
    notes: Sequence[ReportNote],
) -> Found:
    """One report's unsealed rows against its events (in the order they were written). `report` None: the row is
    gone, and flagged missing if events (which the ledger keeps) show it existed."""
    found = Found()
    if report is None:
        if events:
            found.missing.append((REPORTS, report_id))
    else:
        later = later_files(events)
        held = list(media)
        expected = submission.pinned((event.action, event.data) for event in events)
        if expected is not None and submission.digest(submitted_fields(report, held, later)) != expected:
            found.altered.append((REPORTS, report.id))
        altered_files, missing_files = _files_unsealed(held, later)
        found.altered.extend((MEDIA, media_id) for media_id in altered_files)
        found.missing.extend((MEDIA, media_id) for media_id in missing_files)
        altered_custody, custody_gone = custody_unsealed(events, custody)
        found.altered.extend((CUSTODY, row_id) for row_id in altered_custody)
        if custody_gone:  # which record is gone no row can say: the report is named
            found.missing.append((CUSTODY, report.id))
    added, removed = sealed_notes((event.action, event.data) for event in events)
    altered_notes, missing_notes = compare_notes(notes, added, removed)
    found.altered.extend((NOTES, note_id) for note_id in altered_notes)
    found.missing.extend((NOTES, note_id) for note_id in missing_notes)
    found.notes, found.notes_recorded = len(notes), sum(1 for note in notes if str(note.id) in added)
    return found


async def of_report(
    session: AsyncSession, report: Report, events: Sequence[PinningEvent], custody: Sequence[Assignment]
) -> Found:
    """One report's check (its history, which has read its events and custody records already)."""
    judged = await unsealed(session, [report.id], {report.id: report}, {report.id: events}, {report.id: custody})
    return judged[report.id]


async def unsealed(
    session: AsyncSession,
    report_ids: Sequence[uuid.UUID],
    reports: Mapping[uuid.UUID, Report],
    events: Mapping[uuid.UUID, Sequence[PinningEvent]],
    custody: Mapping[uuid.UUID, Sequence[Assignment]] | None = None,
) -> dict[uuid.UUID, Found]:
    """These reports judged, their files, notes and (unless given) custody records read in one query each."""
    ids = list(report_ids)
    media = await _by_report(
        session, sa.select(Media).options(_only(Media, "report_id", "sha256")), col(Media.report_id), ids
    )
    notes = await _by_report(session, sa.select(ReportNote), col(ReportNote.report_id), ids)
    if custody is None:
        custody = await _by_report(
            session,
            sa.select(Assignment).order_by(col(Assignment.assigned_at), col(Assignment.id)),
            col(Assignment.report_id),
            ids,
        )
    return {
        report_id: judge(
            report_id,
            reports.get(report_id),
            events.get(report_id, ()),
            media.get(report_id, ()),
            custody.get(report_id, ()),
            notes.get(report_id, []),
        )
        for report_id in ids
    }


async def walk(session: AsyncSession, batch: int = BATCH,
               after: uuid.UUID | None = None) -> AsyncIterator[dict[uuid.UUID, Found]]:
    """Every report (after `after`) judged, `batch` at a time in the order of their ids, each batch's in that order:
    its reports, events, files, custody records and notes read in one indexed query each, and let go of before the
    next. A report is any id in `reports`, or named by events or notes whose report row is gone."""
    while report_ids := await _next_reports(session, after, batch):
        after = report_ids[-1]
        reports = {
            report.id: report
            for report in await session.scalars(
                sa.select(Report).options(_only(Report, *SUBMITTED)).where(uuid_in(session, col(Report.id), report_ids))
            )
        }
        events: dict[uuid.UUID, list[PinningEvent]] = {}
        # in the order history reads them: the first `registered` and `note_added` are the ones that count
        for report_id, action, data, actor_type, actor_id in await session.execute(
            sa.select(
                col(ReportEvent.report_id),
                col(ReportEvent.action),
                col(ReportEvent.data),
                col(ReportEvent.actor_type),
                col(ReportEvent.actor_id),
            )
            .where(uuid_in(session, col(ReportEvent.report_id), report_ids))
            .order_by(col(ReportEvent.created_at), col(ReportEvent.id))
        ):
            events.setdefault(report_id, []).append(_Event(action, data, actor_type, actor_id))
        yield await unsealed(session, report_ids, reports, events)


async def _next_reports(session: AsyncSession, after: uuid.UUID | None, batch: int) -> list[uuid.UUID]:
    """The next `batch` report ids after `after`, of reports, events and notes. Each table is walked on its own
    report id index (a UNION of them would be read whole for every batch), and the lists merged."""
    found: set[uuid.UUID] = set()
    for column in col(Report.id), col(ReportEvent.report_id), col(ReportNote.report_id):
        query = sa.select(column).distinct().order_by(column).limit(batch)
        if after is not None:
            query = query.where(column > after)
        found.update(await session.scalars(query))
    # each list holds its table's first `batch` ids past `after`: the first `batch` of all together are complete
    return sorted(found)[:batch]


def _only(model: type[Any], *names: str) -> Any:
    """Load these columns of `model` (and its id) only: the checks read no others."""
    return load_only(*(getattr(model, name) for name in ("id", *names)))


async def _by_report(
    session: AsyncSession, query: Any, report_id: Any, ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    rows: dict[uuid.UUID, list[Any]] = {}
    for row in await session.scalars(query.where(uuid_in(session, report_id, ids))):
        rows.setdefault(row.report_id, []).append(row)
    return rows


def later_files(events: Iterable[PinningEvent]) -> dict[uuid.UUID, str]:
    """The files the citizen sent after registering (with a comment, or an answer to a question): id → sha256, as
    the event that brought each one holds them (reports.service.add_citizen_comment). They joined the report after
    its `registered` event pinned the submission, so they are no part of it."""
    files: dict[uuid.UUID, str] = {}
    for event in events:
        named = (event.data or {}).get("media") if event.action != "registered" else None
        for media_id, digest in named.items() if isinstance(named, dict) else ():
            try:
                files[uuid.UUID(str(media_id))] = str(digest)
            except ValueError:
                continue  # an event rewritten in the database: the ledger flags it, the record must still be read
    return files


def custody_unsealed(events: Iterable[PinningEvent], custody: Iterable[Assignment]) -> tuple[list[uuid.UUID], bool]:
    """The custody records no `assign` event pins, and whether any record is gone. Each record is written with one
    `assign` event (dispatch.service._assign_one, the only place) naming its unit, whether it was picked
    automatically and, as the event's actor, who assigned it: a record whose unit or assigner was changed in the
    database since matches none, and fewer records than events means one was deleted (nothing deletes them).
    Reports from before assign events named the unit are not judged."""
    assigns = [event for event in events if event.action == Action.ASSIGN.value]
    if any(not isinstance((event.data or {}).get("unit_id"), str) for event in assigns):
        return [], False
    pinned = Counter(
        (str((event.data or {})["unit_id"]), event.actor_type, event.actor_id, (event.data or {}).get("auto") is True)
        for event in assigns
    )
    altered, held = [], 0
    for row in custody:
        held += 1
        key = (str(row.unit_id), row.assigned_by_type, row.assigned_by, row.auto)
        if pinned[key] > 0:
            pinned[key] -= 1
        else:
            altered.append(row.id)
    return altered, held < len(assigns)


def submitted_fields(report: Report, media: Iterable[Media], later: Mapping[uuid.UUID, str]) -> dict[str, Any]:
    """What the citizen submitted, as the `registered` event pinned it: the files sent later are left out (else a
    photo added with a comment read as the submission altered, and the report's proof failed)."""
    return submission.submission(report, [item for item in media if item.id not in later])


async def submitted(session: AsyncSession, report: Report, events: Iterable[PinningEvent]) -> dict[str, Any]:
    """`submitted_fields` of a report, its files read (its proof carries them)."""
    media = await session.scalars(sa.select(Media).where(col(Media.report_id) == report.id))
    return submitted_fields(report, media, later_files(events))


def _files_unsealed(media: Iterable[Media], later: Mapping[uuid.UUID, str]) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """(altered, missing) of the files sent later: a stored hash other than the one its event sealed, or a file no
    longer the report's (`media` are the report's files now)."""
    if not later:
        return [], []
    held = {item.id: item.sha256 for item in media if item.id in later}
    altered = [media_id for media_id, digest in later.items() if media_id in held and held[media_id] != digest]
    return altered, [media_id for media_id in later if media_id not in held]
