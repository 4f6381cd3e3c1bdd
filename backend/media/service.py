"""Media: declare → upload straight to the store → complete (verify size, type, sha256; read EXIF) → attach."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.context import Context
from backend.jobs.service import Task, enqueue, revive
from backend.lib.clock import utcnow
from backend.lib.errors import FieldProblem, ZanError
from backend.media import messages as _messages  # noqa: F401  (registers the domain's error codes)
from backend.media.exif import PhotoFacts, read_heif_facts, read_photo_facts

# the kinds, types and magic numbers live in backend.media.formats; named here too for the modules that import them
# from the service (the bots, the controller)
from backend.media.formats import KINDS as KINDS
from backend.media.formats import MAX_BYTES as MAX_BYTES
from backend.media.formats import Kind as Kind
from backend.media.formats import canonical_type, kind_of
from backend.media.formats import sniff_ok as sniff_ok
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
HEIF_TYPES = frozenset({"image/heic", "image/heif"})
# Where a client's upload lands: never the stored file's own key. A presigned POST (and the embedded upload link)
# stays usable until it expires, so a key the client can write is never one anything reads from; `complete` copies
# the upload to the file's key (`Media.storage_key`), which only the server writes. A bucket lifecycle rule may
# expire this prefix after a day: what is left there is an abandoned or replayed upload.
UPLOAD_PREFIX = "uploads/"


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
            # client links are signed for the address clients reach (ZAN_S3_PUBLIC_ENDPOINT_URL)
            public = s.s3_public_endpoint_url
            store = S3Store(s3_client_factory(s.s3_endpoint_url, s.s3_region, s.s3_access_key, s.s3_secret_key),
                            s.s3_bucket,
                            s3_client_factory(public, s.s3_region, s.s3_access_key, s.s3_secret_key)
                            if public and public != s.s3_endpoint_url else None)
        else:
            store = LocalStore(s.media_dir, s.public_base_url, s.secret_key)
        ctx.extras["media_store"] = store
    return store


async def declare(
    ctx: Context, session: AsyncSession, *, content_type: str, size: int, sha256: str,
    citizen_id: uuid.UUID | None = None, officer_id: uuid.UUID | None = None, partner_id: uuid.UUID | None = None,
) -> tuple[Media, Upload]:
    """Create a pending media record and the upload the client will perform directly against the store."""
    media = add_pending(session, content_type=content_type, size=size, sha256=sha256, citizen_id=citizen_id,
                        officer_id=officer_id, partner_id=partner_id)
    upload = await presign(ctx, media)
    await session.commit()
    return media, upload


def add_pending(
    session: AsyncSession, *, content_type: str, size: int, sha256: str,
    citizen_id: uuid.UUID | None = None, officer_id: uuid.UUID | None = None, partner_id: uuid.UUID | None = None,
) -> Media:
    """A pending media record in the caller's transaction: the caller commits it, e.g. together with the
    Idempotency-Key it answers for, so that a retry that loses the race leaves no second record behind.
    `partner_id`: the app it is declared through, the only one it may be used through (`usable_through`). The type
    is stored as its canonical name (an alias such as image/jpg as image/jpeg: backend.media.formats)."""
    content_type = canonical_type(content_type)
    kind = kind_of(content_type)
    if size > kind.max_bytes:
        raise ZanError("media.too_large", 413, errors=[FieldProblem("/size", "out_of_range")],
                       extra={"max_bytes": kind.max_bytes})
    media_id = uuid.uuid4()
    media = Media(id=media_id, owner_citizen_id=citizen_id, owner_officer_id=officer_id, partner_id=partner_id,
                  kind=kind.name, content_type=content_type, size=size, sha256=sha256,
                  storage_key=f"{utcnow():%Y/%m/%d}/{media_id}")
    session.add(media)
    return media


async def presign(ctx: Context, media: Media) -> Upload:
    """The upload the client performs for a declared file: to its upload key, of exactly its type and size. Signing
    again gives the same file a fresh link (the store is not called: nothing is created)."""
    return await get_store(ctx).presign(upload_key(media.storage_key), media.content_type, media.size, str(media.id))


def usable_through(media: Media, partner_id: uuid.UUID | None) -> bool:
    """Whether a file may be used (completed, read, attached) through this partner app. A citizen is one person
    across apps, but each app sees only the reports filed through it (backend.reports.service.get_for_citizen), and
    so only the files declared through it: one uploaded through eGov is not completed through a bank's app, nor
    attached to a report filed there. A file of no app (declared before files recorded theirs, or stored by the
    citizen bot) may be used through any app of its owner, as before."""
    return media.partner_id is None or media.partner_id == partner_id


async def get_owned(session: AsyncSession, media_id: uuid.UUID, *, citizen_id: uuid.UUID | None = None,
                    officer_id: uuid.UUID | None = None, partner_id: uuid.UUID | None = None) -> Media:
    """The file if it is this citizen's (through this partner app) or this officer's; else 404, the same as a file
    that does not exist (nobody learns that another app's, or person's, file is there)."""
    media = await session.get(Media, media_id)
    owner_ok = media is not None and (
        (citizen_id is not None and media.owner_citizen_id == citizen_id and usable_through(media, partner_id))
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


# A completion copies the upload and reads (hashes) the copy: up to 100 MB from the store. It holds a lease on the
# row meanwhile, not a row lock: a lock, and the pooled connection in a transaction that goes with it, held through
# the copy would stall every other request for the file, and a few large videos completed at once would take the
# whole pool. While the file is pending its `completed_at` is the end of that lease (the time of the completion
# once it is ready): a completion that died mid-way (its process gone) holds the file no longer than that.
COMPLETE_LEASE = timedelta(minutes=5)  # far longer than copying and reading 100 MB takes, even from a slow MinIO
# a second completion of a file being verified (a client retrying after a lost answer) waits this long for the
# first one's outcome, and answers it, before it tells the client to ask again
COMPLETE_WAIT_S = 15.0
_COMPLETE_POLL_S = 0.2


async def complete(ctx: Context, session: AsyncSession, media: Media) -> Media:
    """Verify what actually arrived in the store against what was declared; read EXIF for photos.

    Once checked, a file is closed: a verified one is answered as it is, a refused one with 409
    `media.upload_closed` (its presigned POST may still be valid, but what arrives through it afterwards is never
    looked at: a new declaration brings a new upload)."""
    # backend.media.cleanup builds on this module (get_store, upload_key): imported here, when the first completion
    # runs, so that neither module needs the other half-loaded
    from backend.media.cleanup import delete_or_defer

    if media.status == "ready":
        return media
    lease = await _lease(session, media)
    if lease is None:  # another completion finished it meanwhile
        return media
    store = get_store(ctx)
    try:
        with store_errors_as_503():
            stored = await _take_upload(store, media.storage_key)
        if stored is None:
            raise ZanError("media.not_uploaded", 409)
        problem = _mismatch(media, stored)
        facts = await _photo_facts(store, media, stored) if problem is None and media.kind == "photo" else None
    except Exception as exc:
        # the client completes again (after uploading, or once the store is back): it must not wait for the lease.
        # A failure on the store's outage (the 503 of store_errors_as_503) is recorded with it: the app retries, and
        # the purge must leave the file to that retry however long ago it was declared
        await _release(session, media, lease, store_failed=isinstance(exc.__cause__, StoreUnavailable))
        raise
    await session.refresh(media, with_for_update=True)
    if media.status != "pending" or media.completed_at != lease:
        # our lease ran out and another completion took the file over: its outcome stands, not ours
        await session.commit()
        return await complete(ctx, session, media)
    if problem is not None:
        media.status, media.completed_at = "rejected", None
        session.add(media)
        await session.commit()
        # a mismatched object is removed; the client uploads again under a fresh declaration
        await delete_or_defer(session, store, media)
        raise problem
    if facts is not None:
        media.taken_at, media.lat, media.lon, media.exif = facts.taken_at, facts.lat, facts.lon, facts.raw
    media.status = "ready"
    media.completed_at = utcnow()
    session.add(media)
    await session.commit()
    await delete_or_defer(session, store, media)
    return media


async def _lease(session: AsyncSession, media: Media) -> datetime | None:
    """Take the lease on a pending file and commit it (the end of the lease, the caller's to check it still holds
    when it records the outcome); None when the file turned out ready. While another completion holds the lease,
    its outcome is awaited without a lock or a transaction, for COMPLETE_WAIT_S at most."""
    waited_until = time.monotonic() + COMPLETE_WAIT_S
    while True:
        # the row lock only serialises the lease's read and write (PostgreSQL; SQLite has one writer anyway)
        await session.refresh(media, with_for_update=True)
        if media.status == "ready":
            await session.commit()
            return None
        if media.status == "rejected":
            await session.commit()
            raise ZanError("media.upload_closed", 409)
        now = utcnow()
        if media.completed_at is None or media.completed_at <= now:
            lease = media.completed_at = now + COMPLETE_LEASE
            session.add(media)
            await session.commit()
            return lease
        await session.commit()
        if time.monotonic() >= waited_until:
            raise ZanError("media.verifying", 409, headers={"Retry-After": "2"})
        await asyncio.sleep(_COMPLETE_POLL_S)


async def _release(session: AsyncSession, media: Media, lease: datetime, *, store_failed: bool = False) -> None:
    """Give the lease back after a completion that failed before recording an outcome; `store_failed`: it failed
    because the store was down, which is recorded on the pending file (`Media.store_failed_at`). Its own short
    transaction, committed before the request fails, so the mark outlives the failed request."""
    await session.rollback()
    await session.refresh(media, with_for_update=True)
    if media.status == "pending":
        if media.completed_at == lease:
            media.completed_at = None
        if store_failed:
            media.store_failed_at = utcnow()
        session.add(media)
    await session.commit()


_WRITE_BATCH = 1024 * 1024


async def receive_upload(store: LocalStore, key: str, chunks: AsyncIterator[bytes], size: int) -> None:
    """Write the body of an embedded upload, `size` bytes as declared, to `key`, holding at most about a megabyte
    of it in memory. The bytes go to a temporary file beside the key and are renamed into place only once they are
    all there: a body longer than declared (refused as soon as it is: 413) or shorter (422), a client that goes
    away, or a full disk leave nothing behind, and the key is never half written. Nothing is hashed here: the
    completion reads (and hashes) the copy it makes, which is what staff get."""
    target = store.path(key)

    def open_staging() -> tuple[int, Path]:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        return fd, Path(name)

    try:
        fd, staging = await asyncio.to_thread(open_staging)
    except OSError as exc:
        raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            received, batch = 0, bytearray()
            async for chunk in chunks:
                received += len(chunk)
                if received > size:
                    raise ZanError("media.size_mismatch", 413)
                batch += chunk
                if len(batch) >= _WRITE_BATCH:
                    await asyncio.to_thread(fh.write, batch)
                    batch = bytearray()
            await asyncio.to_thread(fh.write, batch)
        if received < size:
            raise ZanError("media.size_mismatch", 422)
        await asyncio.to_thread(staging.replace, target)
    except OSError as exc:
        raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc
    finally:
        await asyncio.to_thread(staging.unlink, True)  # gone already once renamed into place


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


async def _photo_facts(store: MediaStore, media: Media, stored: StoredObject) -> PhotoFacts:
    facts: PhotoFacts | None
    if media.content_type in HEIF_TYPES:
        # Pillow cannot open HEIF: its EXIF item is found by its boxes, usually within the head already read
        facts = read_heif_facts(io.BytesIO(stored.head), len(stored.head))
        beyond = facts is None  # the head does not hold the whole EXIF item
    else:
        facts = read_photo_facts(stored.head)
        beyond = not facts.raw and media.content_type in _EXIF_BEHIND_PICTURE
    if beyond and stored.size > len(stored.head):
        facts = await _facts_from_store(store, media) or facts
    return facts or PhotoFacts()


# A JPEG's EXIF comes first (APP1), within the head already read; a WebP's EXIF chunk follows the picture (RIFF
# layout: VP8X, ICCP, ANIM, the image, then EXIF and XMP), so a photo larger than the head has it beyond; a PNG's
# eXIf may stand after the picture (some writers put it there, and readers take it) or be larger than the head: the
# head of such a PNG ends inside a chunk, and its facts are read from the whole file
_EXIF_BEHIND_PICTURE = frozenset({"image/webp", "image/png"})


async def _facts_from_store(store: MediaStore, media: Media) -> PhotoFacts | None:
    """The facts of a photo whose EXIF lies beyond the head (photos are at most 10 MB)."""
    with tempfile.TemporaryDirectory(prefix="zan-exif-") as tmp:
        path = Path(tmp) / "file"
        try:
            if not await store.fetch(media.storage_key, path):
                return None
        except StoreUnavailable:  # facts are best effort: the file itself is verified
            log.warning("the EXIF of a photo could not be read from the store", extra={"key": media.storage_key})
            return None

        def read() -> PhotoFacts | None:
            if media.content_type not in HEIF_TYPES:
                return read_photo_facts(path.read_bytes())
            with path.open("rb") as fh:
                return read_heif_facts(fh, path.stat().st_size)

        return await asyncio.to_thread(read)


def _first_places(media_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Each id once, in the order sent, with its index in the list as sent (its first place, where the list repeats
    it)."""
    places: dict[uuid.UUID, int] = {}
    for index, media_id in enumerate(media_ids):
        places.setdefault(media_id, index)
    return places


async def attach_to_new_report(session: AsyncSession, *, citizen_id: uuid.UUID, media_ids: list[uuid.UUID],
                               partner_id: uuid.UUID | None, for_update: bool = False) -> list[Media]:
    """The citizen's own, verified, not yet attached files (≤ 5); the caller sets report_id in its transaction.
    `for_update`: the files are locked (in id order) and read afresh, so a concurrent claim of one is seen.
    `partner_id`: the app the report is filed through; a file declared through another app is refused as one that
    does not exist (`usable_through`)."""
    if not media_ids:
        return []
    places = _first_places(media_ids)
    unique = list(places)
    if len(unique) > MAX_PER_REPORT:
        raise ZanError("media.too_many", 422, errors=[FieldProblem("/media_ids", "too_long")])
    query = select(Media).where(Media.id.in_(unique))  # type: ignore[attr-defined]
    if for_update:
        query = query.order_by(Media.id).with_for_update().execution_options(populate_existing=True)  # type: ignore[arg-type]
    rows = {m.id: m for m in await session.scalars(query)}
    problems: list[FieldProblem] = []
    # a pointer names the id where the app sent it: an id repeated before it shifts no later one's index
    for media_id, index in places.items():
        media = rows.get(media_id)
        if media is None or media.owner_citizen_id != citizen_id or not usable_through(media, partner_id):
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
    media = await attach_to_new_report(session, citizen_id=citizen_id, media_ids=media_ids, for_update=True,
                                       partner_id=report.partner_id)
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
    if not await enqueue(session, job.name, job.payload, dedupe_key=key) and not await revive(session, key):
        # its task gave up (a store outage outlasted its attempts), or finished before these files came: they
        # would stay withheld for good, hence the revival. Neither inserted nor revived: the finished row was purged
        # (backend.jobs.retention) between the two statements, so the key is free again; or the task is waiting
        # or running, and this insert finds it again
        await enqueue(session, job.name, job.payload, dedupe_key=key)
