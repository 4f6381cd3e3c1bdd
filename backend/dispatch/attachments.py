"""What staff may open of a report: the citizen's photos, videos and audio, and the officers' field evidence.

The files of an anonymous report are handed out only as copies without their author's metadata
(backend.media.scrub), listed with the copy's hash and size; until the copy exists, or when none can be made, the
file is listed without a link, hash or size and says why (`withheld`).

Links are short-lived and issued per request (S3 presigned GET in production, an app-signed link in embedded mode),
and every issue is an audit line, so who opened which report's files can be proven later. Visibility is the
dispatch console's: an officer who cannot see the report gets 404, not its files.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.context import Context
from backend.dispatch.schemas import Attachment, AttachmentsOut
from backend.dispatch.visibility import get_visible
from backend.media.formats import EXTENSIONS, canonical_type
from backend.media.models import Media
from backend.media.service import ensure_scrub_queued, get_store
from backend.media.storage import DOWNLOAD_TTL_S
from backend.officers.auth import OfficerPrincipal
from backend.sync.blobs import pending_proofs, storage_key
from backend.sync.models import Evidence, EvidenceBlob
from backend.sync.notes_evidence import UNTYPED


def _kind(content_type: str) -> str:
    major = content_type.split("/", 1)[0]
    return {"image": "photo", "video": "video", "audio": "audio"}.get(major, "other")


def _filename(number: str, index: int, content_type: str) -> str:
    # the report number, not the uploader's file name: names can carry personal data, numbers are what staff file
    return f"{number}-{index}{EXTENSIONS.get(canonical_type(content_type), '.bin')}"


def _served_type(content_type: str) -> str:
    """The type a download is served as: a type the media store takes (as it names it), else untyped, as its name
    says (`.bin`). Evidence declared before declarations were checked (backend.sync.notes_evidence._content_type)
    may hold any text a tablet sent, a line break and a header after it, or text/html: it must become neither a
    header of the download nor a page in a staff browser."""
    named = canonical_type(content_type)
    return named if named in EXTENSIONS else UNTYPED


async def list_for(ctx: Context, session: AsyncSession, officer: OfficerPrincipal, report_id: uuid.UUID,
                   ip: str | None = None) -> AttachmentsOut:
    report = await get_visible(session, officer, report_id)
    store = get_store(ctx)
    items: list[Attachment] = []
    media = await session.scalars(sa.select(Media).where(Media.report_id == report.id, Media.status == "ready")  # type: ignore[arg-type]
                                  .order_by(Media.created_at, Media.id))  # type: ignore[arg-type]
    unscrubbed = False
    for m in media:
        key: str | None = m.storage_key
        withheld: str | None = None
        sha256: str | None = m.sha256
        size: int | None = m.size
        if report.anonymous:  # only the copy without the author's metadata, once it exists, and its own hash
            key = m.scrubbed_key if m.scrub == "done" else None
            withheld = None if key else (m.scrub or "preparing")
            unscrubbed |= m.scrub is None
            sha256, size = (m.scrubbed_sha256, m.scrubbed_size) if key else (None, None)
        url = None if key is None else await store.download_url(
            key, _served_type(m.content_type), _filename(report.number, len(items) + 1, m.content_type))
        items.append(Attachment(id=m.id, source="citizen", kind=m.kind, content_type=m.content_type, size=size,
                                sha256=sha256, uploaded=True, url=url, withheld=withheld, taken_at=m.taken_at,
                                lat=m.lat, lon=m.lon))
    if unscrubbed:
        await ensure_scrub_queued(session, report.id)
    rows = (await session.execute(
        sa.select(Evidence, EvidenceBlob.complete, EvidenceBlob.size)  # type: ignore[call-overload]
        .join(EvidenceBlob, EvidenceBlob.sha256 == Evidence.sha256)  # type: ignore[arg-type]
        .where(Evidence.report_id == report.id)  # type: ignore[arg-type]
        .order_by(Evidence.created_at, Evidence.id))).all()  # type: ignore[arg-type]
    # an item whose declarer still owes its own bytes shows nothing of a file someone else uploaded with that hash
    owed = await pending_proofs(session, [evidence.id for evidence, _, _ in rows])
    for evidence, shared_complete, stored_size in rows:
        complete = shared_complete and evidence.id not in owed
        link: str | None = None
        # the size of the file the link serves: a declared size is only a claim, and another declaration's verified
        # bytes may have completed the file (backend.sync.blobs.declared_key); Evidence.size keeps what was declared
        size = stored_size if complete else evidence.size
        if complete:  # still on its way from the tablet otherwise
            link = await store.download_url(storage_key(evidence.sha256), _served_type(evidence.content_type),
                                           _filename(report.number, len(items) + 1, evidence.content_type))
        items.append(Attachment(id=evidence.id, source="officer", kind=_kind(evidence.content_type),
                                content_type=evidence.content_type, size=size, sha256=evidence.sha256,
                                uploaded=bool(complete), url=link, taken_at=evidence.device_time,
                                caption=evidence.caption, officer_id=evidence.officer_id))
    await record(session, actor_type=officer.role.value, actor_id=officer.officer_id, action="report.attachments",
                 target_type="report", target_id=report.id,
                 data={"links": sum(1 for item in items if item.url), "ids": [str(item.id) for item in items]}, ip=ip)
    await session.commit()
    return AttachmentsOut(report_id=report.id, items=items, expires_in=DOWNLOAD_TTL_S)
