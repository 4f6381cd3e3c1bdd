"""A report's full record for oversight (supervisors, prosecutors, admins): what happened, who had it, why it went
where it went, and who acted on or opened it. Reading it is itself an audit line, so the record shows its readers.
It carries the ledger's verdict on itself (backend/ledger): whether what is shown is what was sealed, and whether the
unsealed rows whose content an event pins (the submission, the files sent later, the custody records, the tablet
notes: backend.ledger.pinned) still match it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.audit.service import for_target, record
from backend.context import Context
from backend.dispatch.comments import comments_for
from backend.dispatch.models import Assignment
from backend.dispatch.questions import threads_for
from backend.dispatch.schemas import (
    AccessEntry,
    ChainLink,
    CustodyEntry,
    HistoryEvent,
    Integrity,
    KeptText,
    ReportHistory,
    RoutingEntry,
    SealedRow,
    SealRef,
)
from backend.dispatch.visibility import get_visible
from backend.ledger import pinned
from backend.ledger import proof as ledger_proof
from backend.ledger.schemas import ReportProof
from backend.ledger.verify import snapshot, verify_report
from backend.media.models import Media
from backend.officers.auth import OfficerPrincipal
from backend.officers.models import Unit
from backend.reports.access import is_restricted
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Actor
from backend.routing.models import RoutingDecision
from backend.sync.sealed import TEXT_KEPT
from backend.sync.views import _mask


async def opened(session: AsyncSession, officer: OfficerPrincipal, report: Report, ip: str | None = None) -> None:
    """A report's card was shown. A restricted report (domestic violence, children, complaints about the police) is
    read in full only by the roles designated for it, and each opening is an audit line, so its history shows who
    read it; other reports' openings are not recorded (a dispatcher opens hundreds a shift)."""
    if is_restricted(report):
        await record(session, actor_type=officer.role.value, actor_id=officer.officer_id, action="report.read",
                     target_type="report", target_id=report.id, ip=ip)
        await session.commit()


def _actor_shown(report: Report, actor_type: str, actor_id: str | None) -> str | None:
    """Who acted, as the history shows it: not an anonymous report's citizen. Their internal id is the same on the
    reports they file under their name, whose text may say who they are: shown, it would undo the anonymity the
    law gives the report (the comments, the card and the files already hide it). The ledger's proof keeps the rows
    as sealed: a third party must be able to check them."""
    return None if report.anonymous and actor_type == Actor.CITIZEN.value else actor_id


def _data_shown(report: Report, event: ReportEvent) -> dict[str, Any]:
    """An event's data as the history shows it: an anonymous report's files sent later without their original
    sha256 (the attachments list gives the copy's): that hash names the author's own file wherever else it turns up.
    The history's integrity check reads the events as stored."""
    data = event.data
    if not report.anonymous or not isinstance(data, dict) or not isinstance(data.get("media"), dict):
        return data
    return {**data, "media": dict.fromkeys(data["media"])}


async def history(ctx: Context, session: AsyncSession, officer: OfficerPrincipal, report_id: uuid.UUID,
                  ip: str | None = None) -> ReportHistory:
    # everything below read as of one moment (on PostgreSQL): its integrity verdict compares reads made in separate
    # statements (events, then custody records, files, entries, seals), and a report assigned, commented on or
    # sealed between two of them looked tampered with (a custody record no event pins)
    await snapshot(session)
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
    # oversight roles only (the controller's guard); each answer linked to its question, a late one too
    thread = (await threads_for(session, [report.id]))[report.id]
    comments = await comments_for(session, [report.id], masked=False, answers=thread.answers)
    verdict = await verify_report(session, ctx.settings.secret_keys, report.id)
    # the rows that change in place and so are not sealed themselves, each against the sealed event that pins it:
    # what the citizen submitted, the files sent later, the custody records, the tablet notes (`zan ledger verify`
    # makes the same checks over every report)
    found = await pinned.of_report(session, report, events, [a for a, _ in custody])
    verdict.altered.extend(found.altered)
    verdict.missing.extend(found.missing)
    out = ReportHistory(
        report_id=report.id, number=report.number,
        events=[HistoryEvent(id=e.id, at=e.created_at, action=e.action, from_status=e.from_status,
                             to_status=e.to_status, actor_type=e.actor_type,
                             actor_id=_actor_shown(report, e.actor_type, e.actor_id), channel=e.channel,
                             reason=e.reason, public=e.public, internal_note=e.internal_note,
                             device_time=e.device_time, data=_data_shown(report, e)) for e in events],
        custody=[CustodyEntry(unit_id=a.unit_id, unit_code=code, assigned_at=a.assigned_at,
                              assigned_by_type=a.assigned_by_type, assigned_by=a.assigned_by, auto=a.auto,
                              distance_km=a.distance_km, accepted_at=a.accepted_at, released_at=a.released_at)
                 for a, code in custody],
        routing=[RoutingEntry(at=d.created_at, source=d.source, model_version=d.model_version, embedder=d.embedder,
                              category=d.category, confidence=d.confidence, abstained=d.abstained,
                              department=d.department, rule_id=d.rule_id, priority=d.priority, urgent=d.urgent,
                              actor_id=d.actor_id, scores=d.scores, inputs=d.inputs) for d in routing],
        access=[AccessEntry(at=a.at, actor_type=a.actor_type, actor_id=_actor_shown(report, a.actor_type, a.actor_id),
                            action=a.action, data=a.data,
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
        kept=[kept_text(e) for e in events if e.action == TEXT_KEPT],
    )
    await session.commit()
    return out


def kept_text(event: ReportEvent, *, masked: bool = False) -> KeptText:
    """A `text_kept` event as the history and the opened card list it (backend.sync.sealed.text_kept wrote its
    data); `masked`: PII masked in the texts (field officers, as the report's text and comments)."""
    data = event.data if isinstance(event.data, dict) else {}
    text = data.get("text")
    fields = dict(data.get("fields") or {}) if not isinstance(text, str) else {}
    if masked:
        text = _mask(text) if isinstance(text, str) else text
        fields = {name: _mask(value) if isinstance(value, str) else value for name, value in fields.items()}
    return KeptText(event_id=event.id, kind="note" if isinstance(text, str) else "write_up",
                    reason=str(data.get("reason") or ""), officer_id=event.actor_id, actor_type=event.actor_type,
                    unit_id=data.get("unit_id"), device_id=data.get("device_id"), device_time=event.device_time,
                    received_at=event.created_at, mutation_id=data.get("mutation_id"),
                    text=text if isinstance(text, str) else None, fields=fields)


async def kept_for(session: AsyncSession, report_ids: Sequence[uuid.UUID], *,
                   masked: bool) -> dict[uuid.UUID, list[KeptText]]:
    """Per report, its kept texts oldest first, in one query (ix_report_events_report_created), as `kept_text`
    reads each. The caller has checked that the officer may read the reports (and opened them: a restricted
    report's texts are read only where its opening is recorded, history.opened)."""
    out: dict[uuid.UUID, list[KeptText]] = {report_id: [] for report_id in report_ids}
    if not report_ids:
        return out
    for event in await session.scalars(
            sa.select(ReportEvent).where(col(ReportEvent.report_id).in_(report_ids),
                                         col(ReportEvent.action) == TEXT_KEPT)
            .order_by(col(ReportEvent.created_at), col(ReportEvent.id))):
        out[event.report_id].append(kept_text(event, masked=masked))
    return out


async def proof(ctx: Context, session: AsyncSession, officer: OfficerPrincipal, report_id: uuid.UUID,
                ip: str | None = None) -> ReportProof:
    """The report's sealed rows with their Merkle paths and signed seals, for a third party to check offline."""
    report = await get_visible(session, officer, report_id)
    await record(session, actor_type=officer.role.value, actor_id=officer.officer_id, action="report.proof",
                 target_type="report", target_id=report.id, ip=ip)
    await session.commit()  # (the audit line itself is sealed later: it is pending in this proof)
    # the rest read as of one moment (on PostgreSQL): a file sent with a comment between the events' read and the
    # files' read counted as part of the submission, and the proof failed its check
    await snapshot(session)
    events = list(await session.scalars(sa.select(ReportEvent).where(col(ReportEvent.report_id) == report.id)))
    return await ledger_proof.build(session, ctx.settings.secret_keys, report.id,
                                    submitted=await pinned.submitted(session, report, events),
                                    withhold=await _withheld(session, report, events))


async def _withheld(session: AsyncSession, report: Report, events: list[ReportEvent]) -> set[str]:
    """What an anonymous report's proof must not show, as its history does not (`_actor_shown`, `_data_shown`): its
    citizen's internal id, and the original sha256 of every file they sent with it or later (the report's files,
    and those its events name, in case one was moved off it since). Nothing for a named report."""
    if not report.anonymous:
        return set()
    files = set(await session.scalars(sa.select(col(Media.sha256)).where(col(Media.report_id) == report.id)))
    files |= {digest for digest in pinned.later_files(events).values() if len(digest) == 64}
    return {str(report.citizen_id), report.citizen_id.hex, *files}
