"""Media: declare → upload straight to the store → complete (verify size, type, sha256; read EXIF) → attach."""

from __future__ import annotations

import asyncio
import io
import logging
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import column, exists, func, or_, select, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.context import Context
from backend.jobs.service import Task, enqueue, revive
from backend.lib.clock import utcnow
from backend.lib.errors import FieldProblem, ZanError
from backend.media import messages as _messages  # noqa: F401  (registers the domain's error codes)
from backend.media.exif import PhotoFacts, read_heif_facts, read_photo_facts
from backend.media.models import Media
from backend.media.storage import (
    LocalStore,
    MediaStore,
    S3Store,
    StoredObject,
    StoreUnavailable,
    Upload,
    s3_client_factory,
)

if TYPE_CHECKING:
    from backend.reports.models import Report

log = logging.getLogger("zan.media")
SCRUB_TASK = "media.scrub"
MAX_PER_REPORT = 5
MB = 1024 * 1024
HEIF_TYPES = frozenset({"image/heic", "image/heif"})
# Where a client's upload lands: never the stored file's own key. A presigned POST (and the embedded upload link)
# stays usable until it expires, so a key the client can write is never one anything reads from; `complete` copies
# the upload to the file's key (`Media.storage_key`), which only the server writes. A bucket lifecycle rule may
# expire this prefix after a day: what is left there is an abandoned or replayed upload.
UPLOAD_PREFIX = "uploads/"


@dataclass(frozen=True)
class Kind:
    name: str
    max_bytes: int
    content_types: frozenset[str]


KINDS = (
    Kind("photo", 10 * MB, frozenset({"image/jpeg", "image/png", "image/heic", "image/heif", "image/webp"})),
    Kind("video", 100 * MB, frozenset({"video/mp4", "video/quicktime", "video/3gpp", "video/webm"})),
    Kind("audio", 20 * MB, frozenset({"audio/mpeg", "audio/mp4", "audio/aac", "audio/ogg", "audio/amr",
                                      "audio/wav", "audio/webm"})),
)

# magic numbers: the declared type must match what was actually uploaded
_SIGNATURES: dict[str, tuple[tuple[int, bytes], ...]] = {
    "image/jpeg": ((0, b"\xff\xd8\xff"),),
    "image/png": ((0, b"\x89PNG\r\n\x1a\n"),),
    "image/webp": ((8, b"WEBP"),),
    "image/heic": ((4, b"ftyp"),),
    "image/heif": ((4, b"ftyp"),),
    "video/mp4": ((4, b"ftyp"),),
    "video/quicktime": ((4, b"ftyp"), (4, b"moov"), (4, b"wide"), (4, b"mdat")),
    "video/3gpp": ((4, b"ftyp"),),
    "video/webm": ((0, b"\x1a\x45\xdf\xa3"),),
    "audio/webm": ((0, b"\x1a\x45\xdf\xa3"),),
    "audio/mpeg": ((0, b"ID3"), (0, b"\xff\xfb"), (0, b"\xff\xf3"), (0, b"\xff\xf2")),
    "audio/mp4": ((4, b"ftyp"),),
    "audio/aac": ((0, b"\xff\xf1"), (0, b"\xff\xf9")),
    "audio/ogg": ((0, b"OggS"),),
    "audio/amr": ((0, b"#!AMR"),),
    "audio/wav": ((0, b"RIFF"),),
}


def kind_of(content_type: str) -> Kind:
    for kind in KINDS:
        if content_type in kind.content_types:
            return kind
    raise ZanError("media.type_not_allowed", 422, errors=[FieldProblem("/content_type", "invalid")])


def sniff_ok(content_type: str, head: bytes) -> bool:
    return any(head[offset : offset + len(magic)] == magic for offset, magic in _SIGNATURES.get(content_type, ()))


@contextmanager
def store_errors_as_503() -> Iterator[None]:
    """The store is down: 503 with Retry-After, and whatever was declared stays as it is, to be retried."""
    try:
        yield
    except StoreUnavailable as exc:
        log.warning("media store unavailable: %s", exc)
        raise ZanError("media.store_unavailable", 503, headers={"Retry-After": "5"}) from exc


def upload_key(storage_key: str) -> str:
    """The key a client uploads the file of `storage_key` to (the one way to name it)."""
    return f"{UPLOAD_PREFIX}{storage_key}"


def get_store(ctx: Context) -> MediaStore:
    store: MediaStore | None = ctx.extras.get("media_store")
    if store is None:
        s = ctx.settings
        if s.media_backend == "s3":
            store = S3Store(s3_client_factory(s.s3_endpoint_url, s.s3_region, s.s3_access_key, s.s3_secret_key),
                            s.s3_bucket)
        else:
            store = LocalStore(s.media_dir, s.public_base_url, s.secret_key)
        ctx.extras["media_store"] = store
    return store


async def declare(
    ctx: Context, session: AsyncSession, *, content_type: str, size: int, sha256: str,
    citizen_id: uuid.UUID | None = None, officer_id: uuid.UUID | None = None,
) -> tuple[Media, Upload]:
    """Create a pending media record and the upload the client will perform directly against the store."""
    media = add_pending(session, content_type=content_type, size=size, sha256=sha256, citizen_id=citizen_id,
                        officer_id=officer_id)
    upload = await presign(ctx, media)
    await session.commit()
    return media, upload


def add_pending(
    session: AsyncSession, *, content_type: str, size: int, sha256: str,
    citizen_id: uuid.UUID | None = None, officer_id: uuid.UUID | None = None,
) -> Media:
    """A pending media record in the caller's transaction: the caller commits it, e.g. together with the
    Idempotency-Key it answers for, so that a retry that loses the race leaves no second record behind."""
    kind = kind_of(content_type)
    if size > kind.max_bytes:
        raise ZanError("media.too_large", 413, errors=[FieldProblem("/size", "out_of_range")],
                       extra={"max_bytes": kind.max_bytes})
    media_id = uuid.uuid4()
    media = Media(id=media_id, owner_citizen_id=citizen_id, owner_officer_id=officer_id, kind=kind.name,
                  content_type=content_type, size=size, sha256=sha256, storage_key=f"{utcnow():%Y/%m/%d}/{media_id}")
    session.add(media)
    return media


async def presign(ctx: Context, media: Media) -> Upload:
    """The upload the client performs for a declared file: to its upload key, of exactly its type and size. Signing
    again gives the same file a fresh link (the store is not called: nothing is created)."""
    return await get_store(ctx).presign(upload_key(media.storage_key), media.content_type, media.size, str(media.id))


async def get_owned(session: AsyncSession, media_id: uuid.UUID, *, citizen_id: uuid.UUID | None = None,
                    officer_id: uuid.UUID | None = None) -> Media:
    media = await session.get(Media, media_id)
    owner_ok = media is not None and (
        (citizen_id is not None and media.owner_citizen_id == citizen_id)
        or (officer_id is not None and media.owner_officer_id == officer_id)
    )
    if media is None or not owner_ok:
        raise ZanError("media.not_found", 404)
    return media


async def ensure_uploadable(session: AsyncSession, media_id: uuid.UUID) -> None:
    """An upload link is valid for its whole lifetime, but takes bytes only while the file is still pending: once
    `complete` verified it (or refused it) the link must not put other bytes in its place."""
    media = await session.get(Media, media_id)
    if media is None:
        raise ZanError("media.not_found", 404)
    if media.status != "pending":
        raise ZanError("media.upload_closed", 409)


async def complete(ctx: Context, session: AsyncSession, media: Media) -> Media:
    """Verify what actually arrived in the store against what was declared; read EXIF for photos."""
    if media.status == "ready":
        return media
    # one completion at a time per file (PostgreSQL; SQLite has one writer anyway): a second one must not copy
    # another upload over a file the first has just verified
    await session.refresh(media, with_for_update=True)
    if media.status == "ready":
        return media
    store = get_store(ctx)
    with store_errors_as_503():
        stored = await _take_upload(store, media.storage_key)
    if stored is None:
        raise ZanError("media.not_uploaded", 409)
    problem = _mismatch(media, stored)
    if problem is not None:
        # a mismatched object is removed so the client can upload again under a fresh declaration
        await _delete_quietly(store, media, media.storage_key, upload_key(media.storage_key))
        media.status = "rejected"
        session.add(media)
        await session.commit()
        raise problem
    if media.kind == "photo":
        facts = await _photo_facts(store, media, stored)
        media.taken_at, media.lat, media.lon, media.exif = facts.taken_at, facts.lat, facts.lon, facts.raw
    media.status = "ready"
    media.completed_at = utcnow()
    session.add(media)
    await session.commit()
    await _delete_quietly(store, media, upload_key(media.storage_key))
    return media


async def _take_upload(store: MediaStore, key: str) -> StoredObject | None:
    """Copy the client's upload to the file's own key and read that copy: what is verified, and recorded, is what
    staff will get, whatever the client sends to its upload key later. No upload of its own means a file the
    server stored itself (the Telegram bot), or one uploaded before uploads had a key of their own: it is read
    where it is."""
    await store.copy(upload_key(key), key)
    return await store.inspect(key)


def _mismatch(media: Media, stored: StoredObject) -> ZanError | None:
    if stored.size != media.size:
        return ZanError("media.size_mismatch", 422, errors=[FieldProblem("/size", "invalid")])
    if stored.sha256 != media.sha256:
        return ZanError("media.checksum_mismatch", 422, errors=[FieldProblem("/sha256", "invalid")])
    if not sniff_ok(media.content_type, stored.head):
        return ZanError("media.type_not_allowed", 422, errors=[FieldProblem("/content_type", "invalid")])
    return None


async def _delete_quietly(store: MediaStore, media: Media, *keys: str) -> None:
    """Leftovers are harmless (nothing reads them), so a store outage here does not fail the request."""
    for key in keys:
        try:
            await store.delete(key)
        except StoreUnavailable:
            log.warning("a leftover upload could not be deleted from the store",
                        extra={"media_id": str(media.id), "key": key})


# A file is kept for a report. Declared and never completed (or refused): gone a day later, when its upload link has
# long expired. Completed but never attached to a report: a week, time enough to finish a report in an app or the
# bot. A citizen's photos are not kept for nothing, and a store never fills up with abandoned uploads.
ABANDONED_AFTER = timedelta(days=1)
UNUSED_AFTER = timedelta(days=7)
PURGE_BATCH = 200
# the citizen bot's draft files (bots.models.TelegramDraftMedia) point at media rows: a draft still being written
# keeps its files. Named as a table, not imported: the media domain does not depend on the bots
_DRAFT_FILES = table("telegram_draft_media", column("media_id"))


async def purge_unused(ctx: Context) -> int:
    """Delete files no report holds once their time is up (rows and stored objects). Returns how many went.
    With the store down the rows stay and the next run tries again."""
    now = utcnow()
    async with ctx.sessions() as session:
        rows = list(await session.scalars(
            select(Media).where(
                col(Media.report_id).is_(None),
                or_(col(Media.status).in_(("pending", "rejected")) & (col(Media.created_at) < now - ABANDONED_AFTER),
                    (col(Media.status) == "ready") & (col(Media.created_at) < now - UNUSED_AFTER)),
                ~exists().where(_DRAFT_FILES.c.media_id == Media.id))
            .order_by(col(Media.created_at)).limit(PURGE_BATCH)
            .with_for_update(skip_locked=True)))  # a file being attached right now is skipped
        store = get_store(ctx)
        purged = 0
        for media in rows:
            try:
                for key in (media.storage_key, upload_key(media.storage_key)):
                    await store.delete(key)
            except StoreUnavailable:
                break
            await session.delete(media)
            purged += 1
        await session.commit()
    if purged:
        log.info("purged %d unused media files", purged)
    return purged


async def _photo_facts(store: MediaStore, media: Media, stored: StoredObject) -> PhotoFacts:
    if media.content_type not in HEIF_TYPES:
        return read_photo_facts(stored.head)
    # Pillow cannot open HEIF: its EXIF item is found by its boxes, usually within the head already read
    facts = read_heif_facts(io.BytesIO(stored.head), len(stored.head))
    if facts is None and stored.size > len(stored.head):
        facts = await _heif_facts_from_store(store, media.storage_key)
    return facts or PhotoFacts()


async def _heif_facts_from_store(store: MediaStore, key: str) -> PhotoFacts | None:
    """The facts of a HEIF photo whose EXIF item lies beyond the head (photos are at most 10 MB)."""
    with tempfile.TemporaryDirectory(prefix="zan-exif-") as tmp:
        path = Path(tmp) / "file"
        try:
            if not await store.fetch(key, path):
                return None
        except StoreUnavailable:  # facts are best effort: the file itself is verified
            log.warning("the EXIF of a HEIF photo could not be read from the store", extra={"key": key})
            return None

        def read() -> PhotoFacts | None:
            with path.open("rb") as fh:
                return read_heif_facts(fh, path.stat().st_size)

        return await asyncio.to_thread(read)


async def attach_to_new_report(session: AsyncSession, *, citizen_id: uuid.UUID, media_ids: list[uuid.UUID],
                               for_update: bool = False) -> list[Media]:
    """The citizen's own, verified, not yet attached files (≤ 5); the caller sets report_id in its transaction.
    `for_update`: the files are locked (in id order) and read afresh, so a concurrent claim of one is seen."""
    if not media_ids:
        return []
    unique = list(dict.fromkeys(media_ids))
    if len(unique) > MAX_PER_REPORT:
        raise ZanError("media.too_many", 422, errors=[FieldProblem("/media_ids", "too_long")])
    query = select(Media).where(Media.id.in_(unique))  # type: ignore[attr-defined]
    if for_update:
        query = query.order_by(Media.id).with_for_update().execution_options(populate_existing=True)  # type: ignore[arg-type]
    rows = {m.id: m for m in await session.scalars(query)}
    problems: list[FieldProblem] = []
    for index, media_id in enumerate(unique):
        media = rows.get(media_id)
        if media is None or media.owner_citizen_id != citizen_id:
            problems.append(FieldProblem(f"/media_ids/{index}", "not_found"))
        elif media.status != "ready":
            raise ZanError("media.not_uploaded", 409, errors=[FieldProblem(f"/media_ids/{index}", "invalid")])
        elif media.report_id is not None:
            raise ZanError("media.already_attached", 409, errors=[FieldProblem(f"/media_ids/{index}", "invalid")])
    if problems:
        raise ZanError("media.not_found", 422, errors=problems)
    return [rows[i] for i in unique]


async def attach_to_report(session: AsyncSession, report: Report, *, citizen_id: uuid.UUID,
                           media_ids: list[uuid.UUID]) -> list[Media]:
    """Files the citizen sends later (with a comment) join the report, within the same limit of files per report.
    The caller holds the report's row lock; the files are locked too, as a registration claiming them locks them."""
    if not media_ids:
        return []
    unique = list(dict.fromkeys(media_ids))
    held = int(await session.scalar(select(func.count()).select_from(Media)
                                    .where(Media.report_id == report.id)) or 0)  # type: ignore[arg-type]
    if held + len(unique) > MAX_PER_REPORT:
        raise ZanError("media.too_many", 422, errors=[FieldProblem("/media_ids", "too_long")],
                       extra={"attached": held, "max": MAX_PER_REPORT})
    media = await attach_to_new_report(session, citizen_id=citizen_id, media_ids=unique, for_update=True)
    for item in media:
        item.report_id = report.id
        session.add(item)
    if report.anonymous:  # staff get them only without their author's metadata, like the first ones
        await ensure_scrub_queued(session, report.id)
    return media


async def for_report(session: AsyncSession, report_id: uuid.UUID) -> list[Media]:
    return list(await session.scalars(select(Media).where(Media.report_id == report_id)))  # type: ignore[arg-type]


def _scrub_key(report_id: uuid.UUID) -> str:
    return f"scrub:{report_id}"


def scrub_task(report_id: uuid.UUID) -> Task:
    """Copies of a report's files without their author's metadata (backend.media.jobs), for anonymous reports."""
    return Task(SCRUB_TASK, {"report_id": str(report_id)}, _scrub_key(report_id))


async def ensure_scrub_queued(session: AsyncSession, report_id: uuid.UUID) -> None:
    """For files whose copy was never made (attached before copies existed, sent later with a comment, or their
    task died in a long store outage): queued once, by its dedupe key (staff open a report's files again and again
    while its copy is being made; each later call inserts nothing), and a finished or dead task runs again."""
    job, key = scrub_task(report_id), _scrub_key(report_id)
    if not await enqueue(session, job.name, job.payload, dedupe_key=key):
        # its task gave up (a store outage outlasted its attempts), or finished before these files came: they
        # would stay withheld for good
        await revive(session, key)
