"""A tablet's notes (append-only: created, or deleted by their author) and evidence declarations (content-addressed:
the bytes follow by upload, backend.sync.blobs). Called by the push ledger (backend.sync.ledger), one mutation in its
own savepoint."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.lib.clock import utcnow
from backend.media.formats import canonical_type
from backend.officers.auth import OfficerPrincipal
from backend.reports import service as reports
from backend.reports.models import Report
from backend.sync import blobs, sealed
from backend.sync.changes import mark_dirty, unit_scope
from backend.sync.custody import custody, former_custody, past_custody, written_at, written_in_custody
from backend.sync.lookups import created, lookup, report_by_id
from backend.sync.models import Evidence, EvidenceBlob, ReportNote
from backend.sync.mutation import (
    Mutation,
    Rejected,
    by_tablet,
    client_uuid,
    device_time_of,
    keeping,
    result_of,
    stamp_of,
)
from backend.sync.schemas import TEXT_MAX_LENGTH
from backend.sync.views import Viewer, report_visible


async def create_note(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer, m: Mutation) -> dict[str, Any]:
    note_id = client_uuid(m.id)
    report = await report_by_id(session, m.fields.get("report_id"))
    if report is None:
        raise Rejected("not_assigned")
    text = str(m.fields.get("text") or "").strip()[:TEXT_MAX_LENGTH]
    written = written_at(m.device_time, m.hlc)
    # the crew the note is recorded (and sealed) as written in: one the officer has left since, that held the
    # report, when written before the move (a note queued on scene is that crew's, even if the officer's new unit
    # held the report at some time too), else theirs now
    past = await past_custody(session, officer, report, written)
    writer_unit = past.unit or officer.unit_id
    if not await custody(session, viewer, report):
        if past.verdict is None:
            raise Rejected("not_assigned")
        if past.verdict == "after" and text:
            # written for the old unit's report after the officer left it: not attached to the report, but its
            # text is kept with the answer in the ledger (never lost), and the tablet can show why
            raise Rejected("unit_changed", **keeping(report.id, text=text))
    if not text:
        raise Rejected("invalid_text")
    ignored = sorted(set(m.fields) - {"report_id", "text"})
    existing = await lookup(session, ReportNote, note_id)
    if existing is not None:
        if existing.officer_id != officer.officer_id or existing.report_id != report.id:
            raise Rejected("id_conflict")
        if existing.text != text:
            # notes are append-only: other text under the same id is an edit, refused (the tablet gets the
            # stored text back on its next pull)
            raise Rejected("immutable", immutable_fields=["text"])
        return result_of(m, "applied", ignored_fields=ignored)  # the same note sent again
    stamp = stamp_of(m)
    note = ReportNote(id=note_id, report_id=report.id, officer_id=officer.officer_id, unit_id=writer_unit,
                      device_id=officer.device_id, text=text, device_time=device_time_of(m, stamp))
    session.add(note)
    created(session, ReportNote, note_id)
    await session.flush()
    # the note table is not sealed: its content goes into an internal event, which is (sealed.py)
    await reports.append_event(session, report, sealed.NOTE_ADDED, by_tablet(officer), public=False,
                               device_time=note.device_time, data=sealed.note_added(note))
    if report.unit_id is not None:
        mark_dirty(session, unit_scope(report.unit_id), "notes", note.id)
    return result_of(m, "applied", applied_fields=["text"], ignored_fields=ignored,
                     foreign_scope=not report_visible(report, viewer))


async def delete_note(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer, m: Mutation) -> dict[str, Any]:
    note = await lookup(session, ReportNote, client_uuid(m.id))
    if note is None:
        raise Rejected("not_found")
    if note.officer_id != officer.officer_id:
        raise Rejected("not_author")
    if note.deleted_at is None:
        report = await lookup(session, Report, note.report_id)
        # authorship is not enough: a note is part of the report's sealed record, and once the report is closed or
        # handed to another unit, only a delete typed while the author's crew still held it may take it back
        # (the note stays, and the next pull brings it back to the tablet)
        if report is not None and not await written_in_custody(session, officer, viewer, report,
                                                               written_at(m.device_time, m.hlc)):
            raise Rejected("not_assigned")
        note.deleted_at = utcnow()
        if report is not None:
            await reports.append_event(session, report, sealed.NOTE_REMOVED, by_tablet(officer), public=False,
                                       device_time=min(m.device_time, utcnow()) if m.device_time else None,
                                       data=sealed.note_removed(note))
        if report is not None and report.unit_id is not None:
            mark_dirty(session, unit_scope(report.unit_id), "notes", note.id)
    return result_of(m, "applied")


async def create_evidence(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer,
                          m: Mutation) -> dict[str, Any]:
    evidence_id = client_uuid(m.id)
    report = await report_by_id(session, m.fields.get("report_id"))
    written = written_at(m.device_time, m.hlc)
    if report is None or not (await custody(session, viewer, report)
                              or await former_custody(session, officer, report, written) == "before"):
        raise Rejected("not_assigned")
    sha = str(m.fields.get("sha256") or "").lower()
    size = m.fields.get("size")
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise Rejected("invalid_sha256")
    # JSON `true` is a Python int too: taken, it recorded a 1-byte file that no upload of the real one ever matches
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= 200 * 1024 * 1024:
        raise Rejected("invalid_size")
    content_type = _content_type(m.fields.get("content_type"))
    # locked: the stale-upload purge (blobs.purge_stale_uploads) deletes a row no evidence names yet, and must not
    # do so between this read and the commit of the item that names it (it skips a locked row; after its delete
    # this reads None and declares the file anew)
    blob = await session.get(EvidenceBlob, sha, with_for_update=True, populate_existing=True)
    # a size is only a claim until the bytes hash right: once they did it is fixed, but another size declared for an
    # upload that never completed (a buggy tablet's, or this one's) must not block this declaration, nor may this
    # one reset an upload in progress. It gets an upload of its own (blobs.stage_declared_size)
    conflicting = blob is not None and blob.size != size
    if blob is None:
        session.add(EvidenceBlob(sha256=sha, size=size))
    elif conflicting and blob.complete:
        raise Rejected("size_mismatch")
    # a hash and size are no secret: a known blob is linked without an upload only for an officer who already holds
    # it (blobs.holds_verified); anyone else is told it is missing and uploads the bytes to their own staging
    verified = blob is None or await blobs.holds_verified(session, officer, sha)
    if conflicting and verified:
        await blobs.stage_declared_size(session, officer, sha, size)
    same_id = await lookup(session, Evidence, evidence_id)
    if same_id is not None and (same_id.officer_id != officer.officer_id or same_id.report_id != report.id
                                or same_id.sha256 != sha):
        # the tablet's id names someone else's item: "applied" would tell it its file is attached when it is not
        raise Rejected("id_conflict")
    same_hash = await session.scalar(select(Evidence).where(Evidence.report_id == report.id,  # type: ignore[arg-type]
                                                            Evidence.sha256 == sha))  # type: ignore[arg-type]
    caption = str(m.fields["caption"])[:2000] if m.fields.get("caption") else None
    kept = same_hash or same_id
    if kept is not None:
        # content-addressed: the same bytes attached twice is a no-op. Under another id than the tablet's, the
        # ledger's _finish marks both for the pusher: its own id is deleted from the replica, the kept item arrives
        # instead. Another caption sent with them is not applied either (evidence is append-only), and saying so
        # makes _finish mark the kept item, so the tablet's edited caption is overwritten on its next pull
        ignored = ["caption"] if "caption" in m.fields and caption != kept.caption else []
        owed = bool(await blobs.pending_proofs(session, [kept.id]))
        # a declarer who holds no item with these bytes (a former crew's officer with the same video as the item the
        # report holds) is told to upload them, as anyone naming a known hash is: their upload is staged apart, for
        # the kept item, and a hash they merely named neither links nor says whether the bytes are there
        if not verified and (conflicting or not await blobs.holds_any(session, officer, sha)):
            await blobs.stage_declared_size(session, officer, sha, size)
        return result_of(m, "applied", ignored_fields=ignored,
                         upload_complete=bool(verified and blob and blob.complete and not owed),
                         existing_id=str(kept.id))
    stamp = stamp_of(m)
    item = Evidence(id=evidence_id, report_id=report.id, officer_id=officer.officer_id, device_id=officer.device_id,
                    sha256=sha, size=size, content_type=content_type or UNTYPED,
                    caption=caption, device_time=device_time_of(m, stamp))
    session.add(item)
    if not verified:
        session.add(EvidenceBlob(sha256=blobs.proof_key(item.id), size=size))
    await session.flush()
    if report.unit_id is not None:
        mark_dirty(session, unit_scope(report.unit_id), "evidence", item.id)
    return result_of(m, "applied", upload_complete=bool(blob and blob.complete and verified),
                     ignored_fields=["content_type"] if content_type == "" else [],
                     foreign_scope=not report_visible(report, viewer))


UNTYPED = "application/octet-stream"
# a MIME type's restricted names (RFC 6838 4.2), as the media store names types (lower case, no parameters); the
# column holds 100 characters
_MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")


def _content_type(raw: object) -> str | None:
    """The declared type as it is recorded and sent with the file's download (media.formats.canonical_type: no case,
    no parameters, aliases resolved); None when none was declared, "" when what was declared is no MIME type (a
    line break in it would become a header of the download, broken or injected, in a staff browser). Such a file is
    recorded untyped, never refused: the declaration is evidence, and the tablet would drop it from its outbox."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        return ""
    named = canonical_type(raw)
    return named if len(named) <= 100 and _MIME.fullmatch(named) else ""
