"""Media: declare → upload straight to the store → complete (verify size, type, sha256; read EXIF) → attach."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.context import Context
from backend.jobs.service import Task, enqueue
from backend.lib.clock import utcnow
from backend.lib.errors import FieldProblem, ZanError
from backend.media.exif import read_photo_facts
from backend.media.models import Media
from backend.media.storage import (
    LocalStore,
    MediaStore,
    S3Store,
    StoreUnavailable,
    Upload,
    s3_client_factory,
)

log = logging.getLogger("zan.media")
SCRUB_TASK = "media.scrub"
MAX_PER_REPORT = 5
MB = 1024 * 1024


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
    kind = kind_of(content_type)
    if size > kind.max_bytes:
        raise ZanError("media.too_large", 413, errors=[FieldProblem("/size", "out_of_range")],
                       extra={"max_bytes": kind.max_bytes})
    media_id = uuid.uuid4()
    key = f"{utcnow():%Y/%m/%d}/{media_id}"
    media = Media(id=media_id, owner_citizen_id=citizen_id, owner_officer_id=officer_id, kind=kind.name,
                  content_type=content_type, size=size, sha256=sha256, storage_key=key)
    session.add(media)
    upload = await get_store(ctx).presign(key, content_type, size, str(media_id))
    await session.commit()
    return media, upload


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


async def complete(ctx: Context, session: AsyncSession, media: Media) -> Media:
    """Verify what actually arrived in the store against what was declared; read EXIF for photos."""
    if media.status == "ready":
        return media
    store = get_store(ctx)
    with store_errors_as_503():
        stored = await store.inspect(media.storage_key)
    if stored is None:
        raise ZanError("media.not_uploaded", 409)
    problem: ZanError | None = None
    if stored.size != media.size:
        problem = ZanError("media.size_mismatch", 422, errors=[FieldProblem("/size", "invalid")])
    elif stored.sha256 != media.sha256:
        problem = ZanError("media.checksum_mismatch", 422, errors=[FieldProblem("/sha256", "invalid")])
    elif not sniff_ok(media.content_type, stored.head):
        problem = ZanError("media.type_not_allowed", 422, errors=[FieldProblem("/content_type", "invalid")])
    if problem is not None:
        # a mismatched object is removed so the client can upload again under a fresh declaration
        try:
            await store.delete(media.storage_key)
        except StoreUnavailable:
            log.warning("a refused upload could not be deleted from the store", extra={"media_id": str(media.id)})
        media.status = "rejected"
        session.add(media)
        await session.commit()
        raise problem
    if media.kind == "photo":
        facts = read_photo_facts(stored.head)
        media.taken_at, media.lat, media.lon, media.exif = facts.taken_at, facts.lat, facts.lon, facts.raw
    media.status = "ready"
    media.completed_at = utcnow()
    session.add(media)
    await session.commit()
    return media


async def attach_to_new_report(session: AsyncSession, *, citizen_id: uuid.UUID,
                               media_ids: list[uuid.UUID]) -> list[Media]:
    """The citizen's own, verified, not yet attached files (≤ 5); the caller sets report_id in its transaction."""
    if not media_ids:
        return []
    unique = list(dict.fromkeys(media_ids))
    if len(unique) > MAX_PER_REPORT:
        raise ZanError("media.too_many", 422, errors=[FieldProblem("/media_ids", "too_long")])
    rows = {m.id: m for m in await session.scalars(select(Media).where(Media.id.in_(unique)))}  # type: ignore[attr-defined]
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


async def for_report(session: AsyncSession, report_id: uuid.UUID) -> list[Media]:
    return list(await session.scalars(select(Media).where(Media.report_id == report_id)))  # type: ignore[arg-type]


def scrub_task(report_id: uuid.UUID) -> Task:
    """Copies of a report's files without their author's metadata (backend.media.jobs), for anonymous reports."""
    return Task(SCRUB_TASK, {"report_id": str(report_id)}, f"scrub:{report_id}")


async def ensure_scrub_queued(session: AsyncSession, report_id: uuid.UUID) -> None:
    """For files whose copy was never made (attached before copies existed): queued once, by its dedupe key (staff
    open a report's files again and again while its copy is being made; each later call inserts nothing)."""
    job = scrub_task(report_id)
    await enqueue(session, job.name, job.payload, dedupe_key=job.dedupe_key)
