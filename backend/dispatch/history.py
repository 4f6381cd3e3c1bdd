"""A report's full record for oversight (supervisors, prosecutors, admins): what happened, who had it, why it went
where it went, and who acted on or opened it. Reading it is itself an audit line, so the record shows its readers.
It carries the ledger's verdict on itself (backend/ledger): whether what is shown is what was sealed, and whether the
unsealed rows whose content an event pins (the submission, the tablet notes) still match it."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.audit.service import for_target, record
from backend.context import Context
from backend.dispatch.comments import comments_for
from backend.dispatch.models import Assignment
from backend.dispatch.schemas import (
    AccessEntry,
    ChainLink,
    CustodyEntry,
    HistoryEvent,
    Integrity,
    ReportHistory,
    RoutingEntry,
    SealedRow,
    SealRef,
)
from backend.dispatch.visibility import get_visible
from backend.ledger import proof as ledger_proof
from backend.ledger.schemas import ReportProof
from backend.ledger.verify import verify_report
from backend.media.models import Media
from backend.officers.auth import OfficerPrincipal
from backend.officers.models import Unit
from backend.reports import submission
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Action
from backend.routing.models import RoutingDecision
from backend.sync.sealed import NOTES, notes_unsealed

CUSTODY = "assignments"  # a custody record, in the integrity verdict: against the `assign` event written with it
MEDIA = "media"  # a file sent later, in the integrity verdict: its row against the hash its event sealed


async def opened(session: AsyncSession, officer: OfficerPrincipal, report: Report, ip: str | None = None) -> None:
    """A report's card was shown. A restricted report (domestic violence, children, complaints about the police) is
    read in full only by the roles designated for it, and each opening is an audit line, so its history shows who
    read it; other reports' openings are not recorded (a dispatcher opens hundreds a shift)."""
    if report.restricted:
        await record(session, actor_type=officer.role.value, actor_id=officer.officer_id, action="report.read",
                     target_type="report", target_id=report.id, ip=ip)
        await session.commit()


async def history(ctx: Context, session: AsyncSession, officer: OfficerPrincipal, report_id: uuid.UUID,
                  ip: str | None = None) -> ReportHistory:
    report = await get_visible(session, officer, report_id)
    await record(session, actor_type=officer.role.value, actor_id=officer.officer_id, action="report.history",
                 target_type="report", target_id=report.id, ip=ip)
    await session.flush()
    events = list(await session.scalars(sa.select(ReportEvent).where(ReportEvent.report_id == report.id)  # type: ignore[arg-type]
                                        .order_by(ReportEvent.created_at, ReportEvent.id)))  # type: ignore[arg-type]
    custody = list(await session.execute(
        sa.select(Assignment, Unit.code).outerjoin(Unit, Unit.id == Assignment.unit_id)  # type: ignore[call-overload, arg-type]
        .where(Assignment.report_id == report.id).order_by(Assignment.assigned_at, Assignment.id)))  # type: ignore[arg-type]
    routing = await session.scalars(sa.select(RoutingDecision).where(RoutingDecision.report_id == report.id)  # type: ignore[arg-type]
                                    .order_by(RoutingDecision.created_at, RoutingDecision.id))  # type: ignore[arg-type]
    access = await for_target(session, target_type="report", target_id=report.id)
    comments = await comments_for(session, [report.id], masked=False)  # oversight roles only (the controller's guard)
    verdict = await verify_report(session, ctx.settings.secret_keys, report.id)
    # the report row changes, so it is not sealed itself: what the citizen submitted is pinned in its first event
    expected = submission.pinned((event.action, event.data) for event in events)
    later = later_files(events)
    if expected is not None and submission.digest(await _submitted(session, report, later)) != expected:
        verdict.altered.append(("reports", report.id))
    # the files sent later with a comment are pinned by that comment's event instead, each by its sha256
    altered_files, missing_files = await _files_unsealed(session, report, later)
    verdict.altered.extend((MEDIA, media_id) for media_id in altered_files)
    verdict.missing.extend((MEDIA, media_id) for media_id in missing_files)
    # nor is the chain of custody: each record is pinned by the `assign` event written with it
    verdict.altered.extend((CUSTODY, row_id) for row_id in custody_unsealed(events, [a for a, _ in custody]))
    # the tablet notes are not sealed themselves either: each one's text and author are, in its `note_added` event
    altered_notes, missing_notes = await notes_unsealed(session, report.id, ((e.action, e.data) for e in events))
    verdict.altered.extend((NOTES, note_id) for note_id in altered_notes)
    verdict.missing.extend((NOTES, note_id) for note_id in missing_notes)
    out = ReportHistory(
        report_id=report.id, number=report.number,
        events=[HistoryEvent(id=e.id, at=e.created_at, action=e.action, from_status=e.from_status,
                             to_status=e.to_status, actor_type=e.actor_type, actor_id=e.actor_id, channel=e.channel,
                             reason=e.reason, public=e.public, internal_note=e.internal_note,
                             device_time=e.device_time, data=e.data) for e in events],
        custody=[CustodyEntry(unit_id=a.unit_id, unit_code=code, assigned_at=a.assigned_at,
                              assigned_by_type=a.assigned_by_type, assigned_by=a.assigned_by, auto=a.auto,
                              distance_km=a.distance_km, accepted_at=a.accepted_at, released_at=a.released_at)
                 for a, code in custody],
        routing=[RoutingEntry(at=d.created_at, source=d.source, model_version=d.model_version, embedder=d.embedder,
                              category=d.category, confidence=d.confidence, abstained=d.abstained,
                              department=d.department, rule_id=d.rule_id, priority=d.priority, urgent=d.urgent,
                              actor_id=d.actor_id, scores=d.scores, inputs=d.inputs) for d in routing],
        access=[AccessEntry(at=a.at, actor_type=a.actor_type, actor_id=a.actor_id, action=a.action, data=a.data,
                            ip=a.ip, device_id=a.device_id, session_id=a.session_id) for a in access],
        integrity=Integrity(
            intact=verdict.intact, sealed=verdict.sealed, pending=verdict.pending,
            altered=[SealedRow(table=table, id=row_id) for table, row_id in verdict.altered],
            missing=[SealedRow(table=table, id=row_id) for table, row_id in verdict.missing],
            broken_seals=sorted({seal_id for seal_id, _ in verdict.broken_seals}),
            # why the chain is broken, where neither a changed nor a missing row says it: an entry removed
            unlinked=[ChainLink(scope=scope, seq=seq) for scope, seq in verdict.unlinked],
            seals=[SealRef(id=seal.id, sealed_at=seal.sealed_at, mac=seal.mac) for seal in verdict.seals]),
        comments=comments[report.id],
    )
    await session.commit()
    return out


def later_files(events: Iterable[ReportEvent]) -> dict[uuid.UUID, str]:
    """The files the citizen sent after registering (with a comment, or an answer to a question): id → sha256, as
    the event that brought each one holds them (reports.service.add_citizen_comment). They joined the report after
    its `registered` event pinned the submission, so they are no part of it."""
    files: dict[uuid.UUID, str] = {}
    for event in events:
        named = (event.data or {}).get("media") if event.action != "registered" else None
        for media_id, digest in (named.items() if isinstance(named, dict) else ()):
            try:
                files[uuid.UUID(str(media_id))] = str(digest)
            except ValueError:
                continue  # an event rewritten in the database: the ledger flags it, the record must still be read
    return files


def custody_unsealed(events: Iterable[ReportEvent], custody: Iterable[Assignment]) -> list[uuid.UUID]:
    """The custody records no `assign` event pins: each is written with one (dispatch.service._assign_one) naming
    its unit, whether it was picked automatically and, as the event's actor, who assigned it, so a record whose
    unit or assigner was changed in the database since matches none. Reports from before assign events named the
    unit are not judged."""
    assigns = [event for event in events if event.action == Action.ASSIGN.value]
    if any(not isinstance((event.data or {}).get("unit_id"), str) for event in assigns):
        return []
    pinned = Counter((str((event.data or {})["unit_id"]), event.actor_type, event.actor_id,
                      (event.data or {}).get("auto") is True) for event in assigns)
    altered = []
    for row in custody:
        key = (str(row.unit_id), row.assigned_by_type, row.assigned_by, row.auto)
        if pinned[key] > 0:
            pinned[key] -= 1
        else:
            altered.append(row.id)
    return altered


async def _submitted(session: AsyncSession, report: Report, later: Mapping[uuid.UUID, str]) -> dict[str, Any]:
    """What the citizen submitted, as the `registered` event pinned it: the files sent later are left out (else a
    photo added with a comment read as the submission altered, and the report's proof failed)."""
    media = await session.scalars(sa.select(Media).where(col(Media.report_id) == report.id))
    return submission.submission(report, [item for item in media if item.id not in later])


async def _files_unsealed(session: AsyncSession, report: Report,
                          later: Mapping[uuid.UUID, str]) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """(altered, missing) of the files sent later: a stored hash other than the one its event sealed, or a file no
    longer the report's."""
    if not later:
        return [], []
    held = {media_id: digest for media_id, digest in await session.execute(
        sa.select(col(Media.id), col(Media.sha256)).where(col(Media.report_id) == report.id,
                                                          col(Media.id).in_(list(later))))}
    altered = [media_id for media_id, digest in later.items() if media_id in held and held[media_id] != digest]
    return altered, [media_id for media_id in later if media_id not in held]


async def proof(ctx: Context, session: AsyncSession, officer: OfficerPrincipal, report_id: uuid.UUID,
                ip: str | None = None) -> ReportProof:
    """The report's sealed rows with their Merkle paths and signed seals, for a third party to check offline."""
    report = await get_visible(session, officer, report_id)
    await record(session, actor_type=officer.role.value, actor_id=officer.officer_id, action="report.proof",
                 target_type="report", target_id=report.id, ip=ip)
    await session.commit()  # (the audit line itself is sealed later: it is pending in this proof)
    events = await session.scalars(sa.select(ReportEvent).where(col(ReportEvent.report_id) == report.id))
    return await ledger_proof.build(session, ctx.settings.secret_keys, report.id,
                                    submitted=await _submitted(session, report, later_files(events)))
