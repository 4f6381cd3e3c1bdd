"""What a tablet may see: the viewer's scopes, each collection's visibility rule, and row → JSON for officers.

Visibility is one rule per collection, used by both the initial snapshot and the delta answers, so a marker for an
entity the viewer can no longer see comes back as a deletion (compaction can never leave a stale row on a tablet).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.dispatch.designation import held_clause, may_hold, unit_history
from backend.media.models import Media
from backend.officers.jurisdiction import jurisdiction_of
from backend.officers.models import Unit
from backend.reports.access import is_restricted
from backend.reports.custody import held_since
from backend.reports.models import Report
from backend.reports.service import is_primary
from backend.reports.workflow import Status
from backend.sync.changes import NATIONAL, officer_scope, region_scope, unit_scope
from backend.sync.models import Evidence, EvidenceBlob, ReportField, ReportNote, WantedPerson, WantedVehicle
from backend.sync.schemas import ConversationEntry

COLLECTIONS = ("reports", "notes", "evidence", "wanted_persons", "wanted_vehicles")
OFFICER_FIELDS = ("officer_summary", "findings", "address_details")

try:  # the full PII detector when the ML package is present; the logging masker otherwise
    from ml.pii import mask_pii as _mask
except ImportError:  # pragma: no cover
    from backend.lib.logging import mask as _mask


@dataclass(frozen=True)
class Viewer:
    officer_id: uuid.UUID
    unit_id: uuid.UUID | None
    restricted_categories: frozenset[str] = frozenset()
    # the officer's region (ml.geo slug) for the wanted lists; None: national entries only
    region: str | None = None
    # the history the designation rule needs (backend.dispatch.designation.unit_history) of the unit's open
    # restricted reports of an ordinary category now: one reclassified out of its restricted category is still its
    # designated unit's
    earlier: Mapping[uuid.UUID, tuple[str, ...]] = field(default_factory=dict)

    @property
    def scopes(self) -> list[str]:
        """The change-log scopes this viewer reads. They are in the cursor's scope hash, so a move to another unit
        or region answers the tablet's next pull with 410: its replica (the old region's wanted entries with it)
        is wiped and pulled again for the new scopes, never left stale."""
        scopes = [officer_scope(self.officer_id), NATIONAL]
        if self.unit_id is not None:
            scopes.append(unit_scope(self.unit_id))
        if self.region is not None:
            scopes.append(region_scope(self.region))
        return sorted(scopes)

    @property
    def wanted_regions(self) -> list[str]:
        """The `region` values of the wanted entries this viewer gets: national ones, and its own region's."""
        return [NATIONAL] if self.region is None else [NATIONAL, self.region]

    @property
    def scope_hash(self) -> str:
        return hashlib.sha256("|".join(self.scopes).encode()).hexdigest()[:16]


async def viewer_for(session: AsyncSession, officer_id: uuid.UUID, unit_id: uuid.UUID | None) -> Viewer:
    """The officer's sync view: `unit_id`'s reports and designated categories, and the wanted entries of the
    officer's region (backend.officers.jurisdiction, the rule the console and escalations scope them by: their own
    district's, else their crew unit's — never `unit_id`'s when that is another unit, e.g. a report's former unit
    custody checks against). With neither, or a district that is not ours, the national wanted entries only."""
    restricted: frozenset[str] = frozenset()
    earlier: Mapping[uuid.UUID, tuple[str, ...]] = {}
    unit = await session.get(Unit, unit_id) if unit_id is not None else None
    if unit is not None:
        restricted = frozenset(unit.restricted_categories or [])
    if unit is not None and restricted:
        earlier = await unit_history(session, unit.id)
    region = (await jurisdiction_of(session, officer_id)).region
    return Viewer(officer_id, unit_id, restricted, region, earlier)


def report_visible(report: Report, viewer: Viewer) -> bool:
    """The console's designation rule (backend.dispatch.designation.may_hold) on the viewer's unit's open reports."""
    if viewer.unit_id is None or report.unit_id != viewer.unit_id or report.status == Status.CLOSED:
        return False
    return may_hold(viewer.restricted_categories, report, viewer.earlier.get(report.id, ()))


def visible_reports(viewer: Viewer) -> Select[Report]:
    """`report_visible` in SQL (backend.dispatch.designation.held_clause: the same rule)."""
    query = select(Report).where(Report.unit_id == viewer.unit_id, Report.status != Status.CLOSED.value)  # type: ignore[arg-type]
    if viewer.unit_id is None:
        return query.where(Report.id.is_(None))  # type: ignore[attr-defined, union-attr]
    return query.where(held_clause(viewer.restricted_categories))


def wanted_visible(model: Any, viewer: Viewer) -> Select[Any]:
    """The wanted entries (persons or vehicles) a viewer may hold: not removed, national or of its region."""
    return select(model).where(model.removed_at.is_(None), model.region.in_(viewer.wanted_regions))


def report_json(report: Report, fields: dict[str, str | None], citizen_files: int = 0,
                conversation: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """The officer's view: personal data in the text masked; the reporter's identity is never included.

    `citizen_files` counts the photos, videos and audio the citizen attached (at registration or with a comment):
    the tablet shows it and opens them through GET /dispatch/reports/{id}/attachments when it is online.

    `incident_id` (the primary report's id, or null) and `primary` let a tablet group "me too" reports under the
    primary; both are server-only like the assignee. Regrouping an incident changes `incident_id` on every report
    it touches, and any change of a report row writes its dirty marker (backend.sync.changes), so tablets follow.

    `accuracy_m`: how far from `lat`/`lon` the reporter may be, as their device said (null: not said).

    `conversation` (`_conversations`, entries as backend.sync.schemas.ConversationEntry): what staff asked or wrote
    the reporter, staff's internal notes, and what the reporter wrote, oldest first; each question with its `state`
    and `current_unit`."""
    return {
        "id": str(report.id), "number": report.number, "status": report.status, "category": report.category,
        "incident_id": str(report.incident_id) if report.incident_id else None,
        "primary": is_primary(report),
        "department": report.department, "priority": report.priority, "urgent": report.urgent,
        "restricted": is_restricted(report), "anonymous": report.anonymous, "text": _mask(report.text),
        "language": report.language, "lat": report.lat, "lon": report.lon, "accuracy_m": report.accuracy_m,
        "district": report.district,
        "occurred_at": report.occurred_at.isoformat() if report.occurred_at else None,
        "deadline_at": report.deadline_at.isoformat(), "created_at": report.created_at.isoformat(),
        "version": report.version, "citizen_files": citizen_files, "conversation": list(conversation),
        **{name: fields.get(name) for name in OFFICER_FIELDS},
    }


def note_json(note: ReportNote) -> dict[str, Any]:
    return {"id": str(note.id), "report_id": str(note.report_id), "officer_id": str(note.officer_id),
            "text": note.text, "created_at": note.created_at.isoformat(),
            "device_time": note.device_time.isoformat() if note.device_time else None}


def evidence_json(item: Evidence, stored_size: int | None) -> dict[str, Any]:
    """`stored_size`: the size of the verified file once the item may read it as uploaded (`_uploaded`), else None
    and the row shows the declared size. A declared size is only a claim: another declaration's verified bytes may
    have completed the file (backend.sync.blobs.declared_key), and the row must not show a wrong size for it."""
    return {"id": str(item.id), "report_id": str(item.report_id), "sha256": item.sha256,
            "size": item.size if stored_size is None else stored_size, "content_type": item.content_type,
            "caption": item.caption, "uploaded": stored_size is not None, "created_at": item.created_at.isoformat()}


def person_json(p: WantedPerson) -> dict[str, Any]:
    return {"id": str(p.id), "full_name": p.full_name, "birth_year": p.birth_year, "reason": p.reason,
            "region": p.region, "danger": p.danger, "since": p.since.isoformat()}


def vehicle_json(v: WantedVehicle) -> dict[str, Any]:
    return {"id": str(v.id), "plate": v.plate, "make": v.make, "model": v.model, "color": v.color,
            "reason": v.reason, "region": v.region, "since": v.since.isoformat()}


async def _fields_for(session: AsyncSession, report_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, str | None]]:
    out: dict[uuid.UUID, dict[str, str | None]] = {}
    if not report_ids:
        return out
    rows = await session.scalars(select(ReportField).where(ReportField.report_id.in_(report_ids)))  # type: ignore[attr-defined]
    for row in rows:
        out.setdefault(row.report_id, {})[row.field] = row.value
    return out


async def _citizen_files(session: AsyncSession, report_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not report_ids:
        return {}
    rows = await session.execute(select(Media.report_id, func.count()).where(  # type: ignore[call-overload]
        Media.report_id.in_(report_ids), Media.status == "ready").group_by(Media.report_id))  # type: ignore[union-attr, arg-type]
    return {report_id: int(count) for report_id, count in rows}


async def _conversations(session: AsyncSession,
                         report_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Per report: the questions put to the reporter (a request for information, from the console or a tablet:
    its public reason), the reporter's comments (the answers, and anything they added) and staff's console comments
    (messages to the reporter, and internal notes marked `internal`), oldest first. The crew that asks "which
    entrance?" on scene must read the answer there; the status alone only says one came. Every text is masked as the
    report's is (`_mask`); neither the reporter nor the writing officer is named."""
    out: dict[uuid.UUID, list[tuple[Any, dict[str, Any]]]] = {}
    if not report_ids:
        return {}
    # the console's own readings of the questions and comments, masked as for field officers (imported here: they
    # mask with `_mask`)
    from backend.dispatch.comments import comments_for
    from backend.dispatch.questions import questions_out, threads_for

    # each question with its course and whether the crew's unit asked it (since it took the report), as the
    # console's card has them: a crew must not wait on scene for an answer to a question withdrawn or asked of
    # the reporter before it held the report
    threads, since = await threads_for(session, report_ids), await held_since(session, report_ids)
    for report_id, thread in threads.items():
        # masked too: staff may have quoted the reporter's phone or IIN in the question
        for question in questions_out(thread, since.get(report_id), mask=_mask):
            out.setdefault(report_id, []).append((question.at, msgspec.to_builtins(ConversationEntry(
                from_="police", text=question.text, at=question.at.isoformat(), internal=False,
                state=question.state, current_unit=question.current_unit))))

    for report_id, comments in (await comments_for(session, report_ids, masked=True)).items():
        for comment in comments:
            # staff's messages to the reporter and their internal notes ("gate code 1234, the guard lets you in")
            # are written for whoever goes there; `internal`: the reporter never read it (not to be quoted to them)
            staff = comment.author_type != "citizen"
            out.setdefault(report_id, []).append((comment.at, msgspec.to_builtins(ConversationEntry(
                from_="police" if staff else "reporter", text=comment.text, at=comment.at.isoformat(),
                internal=not comment.public))))
    return {report_id: [m for _, m in sorted(items, key=lambda item: item[0])] for report_id, items in out.items()}


async def reports_json(session: AsyncSession, reports: Sequence[Report]) -> list[dict[str, Any]]:
    ids = [r.id for r in reports]
    fields, files = await _fields_for(session, ids), await _citizen_files(session, ids)
    talks = await _conversations(session, ids)
    return [report_json(r, fields.get(r.id, {}), files.get(r.id, 0), talks.get(r.id, ())) for r in reports]


async def _visible_report_ids(session: AsyncSession, viewer: Viewer, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    rows = await session.scalars(visible_reports(viewer).where(Report.id.in_(ids)))  # type: ignore[attr-defined]
    return {r.id for r in rows}


async def current_state(session: AsyncSession, viewer: Viewer, entity: str,
                        ids: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """(upserted rows, deleted ids) for markers of one collection: what the viewer may see *now*."""
    uuids, malformed = [], set()
    for raw in ids:
        try:
            uuids.append(uuid.UUID(raw))
        except ValueError:
            malformed.add(raw)  # a rejected tablet id (invalid_id): no row has it, so it leaves the replica
    upserted: list[dict[str, Any]] = []
    if entity == "reports":
        rows = list(await session.scalars(visible_reports(viewer).where(Report.id.in_(uuids))))  # type: ignore[attr-defined]
        upserted = await reports_json(session, rows)
    elif entity == "notes":
        notes = list(await session.scalars(select(ReportNote).where(ReportNote.id.in_(uuids),  # type: ignore[attr-defined]
                                                                    ReportNote.deleted_at.is_(None))))  # type: ignore[union-attr]
        allowed = await _visible_report_ids(session, viewer, {n.report_id for n in notes})
        upserted = [note_json(n) for n in notes if n.report_id in allowed]
    elif entity == "evidence":
        items = list(await session.scalars(select(Evidence).where(Evidence.id.in_(uuids))))  # type: ignore[attr-defined]
        allowed = await _visible_report_ids(session, viewer, {e.report_id for e in items})
        done = await _uploaded(session, items)
        upserted = [evidence_json(e, done.get(e.id)) for e in items if e.report_id in allowed]
    elif entity in ("wanted_persons", "wanted_vehicles"):
        # an entry moved out of the viewer's region (or removed) is answered as deleted: the tablet's tombstone
        wanted: Any = WantedPerson if entity == "wanted_persons" else WantedVehicle
        entries = await session.scalars(wanted_visible(wanted, viewer).where(wanted.id.in_(uuids)))
        upserted = [person_json(r) if entity == "wanted_persons" else vehicle_json(r) for r in entries]
    seen = {row["id"] for row in upserted}
    return upserted, sorted(({str(u) for u in uuids} - seen) | malformed)


async def _uploaded(session: AsyncSession, items: list[Evidence]) -> dict[uuid.UUID, int]:
    """The evidence items whose bytes are stored and whose declarer owes none, with the stored file's size. An item
    naming a known hash that its declarer has not uploaded (backend.sync.blobs: no custody of those bytes) reads as
    not uploaded, or the pull would tell a tablet that a file with that hash exists somewhere, which the push is
    careful not to."""
    from backend.sync.blobs import pending_proofs  # blobs imports the media store; views stay light

    if not items:
        return {}
    complete: dict[str, int] = dict((await session.execute(  # type: ignore[arg-type]
        select(EvidenceBlob.sha256, EvidenceBlob.size).where(  # type: ignore[call-overload]
            EvidenceBlob.sha256.in_({e.sha256 for e in items}), EvidenceBlob.complete.is_(True)))).all())  # type: ignore[attr-defined]
    owed = await pending_proofs(session, [e.id for e in items])
    return {e.id: complete[e.sha256] for e in items if e.sha256 in complete and e.id not in owed}


async def snapshot_page(session: AsyncSession, viewer: Viewer, entity: str, after: str | None,
                        limit: int) -> list[dict[str, Any]]:
    """The next `limit` visible rows of one collection in id order (initial sync)."""
    after_id = uuid.UUID(after) if after else None
    if entity == "reports":
        q = visible_reports(viewer)
        if after_id:
            q = q.where(Report.id > after_id)  # type: ignore[arg-type,operator]
        rows = list(await session.scalars(q.order_by(Report.id).limit(limit)))  # type: ignore[arg-type]
        return await reports_json(session, rows)
    if entity in ("notes", "evidence"):
        model: Any = ReportNote if entity == "notes" else Evidence
        visible_ids = visible_reports(viewer).with_only_columns(Report.id)  # type: ignore[call-overload]
        q2 = select(model).where(model.report_id.in_(visible_ids))
        if entity == "notes":
            q2 = q2.where(ReportNote.deleted_at.is_(None))  # type: ignore[union-attr]
        if after_id:
            q2 = q2.where(model.id > after_id)
        items = list(await session.scalars(q2.order_by(model.id).limit(limit)))
        if entity == "notes":
            return [note_json(n) for n in items]
        done = await _uploaded(session, items)
        return [evidence_json(e, done.get(e.id)) for e in items]
    wanted: Any = WantedPerson if entity == "wanted_persons" else WantedVehicle
    q3 = wanted_visible(wanted, viewer)
    if after_id:
        q3 = q3.where(wanted.id > after_id)
    rows3 = list(await session.scalars(q3.order_by(wanted.id).limit(limit)))
    return [person_json(r) if entity == "wanted_persons" else vehicle_json(r) for r in rows3]
