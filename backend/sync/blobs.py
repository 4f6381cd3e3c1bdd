"""Resumable, content-addressed evidence uploads.

Chunks append at the server's `received` offset and are staged in the database, in the same transaction that moves
`received`: a chunk is either fully recorded or not at all, and the next chunk may reach any API replica. When the
last byte arrives, the file is assembled into a temporary file, checked against its sha256 and moved to the media
store (local disk in embedded mode, S3 in production) under `evidence/<sha[:2]>/<sha>`; only then is it `complete`
and the staged chunks are dropped. If the store is down at that moment the chunks stay: the tablet repeats the last
request (or sends an empty one at `offset = size`) later, without uploading the file again. Uploading a hash that
is already complete is a no-op. While one request moves a file to the store it holds a lease on it (not a row lock
for the length of the upload); a request that died mid-way lets the lease run out, and the tablet's retry seals.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.context import Context
from backend.lib.clock import utcnow
from backend.lib.errors import ZanError
from backend.media.service import get_store
from backend.media.storage import StoreUnavailable
from backend.officers.auth import OfficerPrincipal
from backend.reports.models import Report
from backend.sync.changes import mark_dirty, unit_scope
from backend.sync.models import Evidence, EvidenceBlob, EvidenceChunk

log = logging.getLogger(__name__)

STORED_TYPE = "application/octet-stream"  # the bytes are shared by hash; each Evidence row names its own type


def storage_key(sha: str) -> str:
    return f"evidence/{sha[:2]}/{sha}"


async def _may_upload(session: AsyncSession, officer: OfficerPrincipal, sha: str) -> bool:
    """Only an officer who declared evidence with these bytes, or whose unit holds a report it is attached to, may
    see or feed the upload: anyone else could reset a colleague's progress with a wrong chunk (the hash check would
    then discard it), or probe which files exist."""
    custody = Evidence.officer_id == officer.officer_id  # type: ignore[arg-type]
    if officer.unit_id is not None:
        custody = custody | (Report.unit_id == officer.unit_id)  # type: ignore[assignment, arg-type]
    found = await session.scalar(select(Evidence.id).join(Report, Report.id == Evidence.report_id)  # type: ignore[call-overload, arg-type]
                                 .where(Evidence.sha256 == sha, custody).limit(1))  # type: ignore[arg-type]
    return found is not None


async def status(session: AsyncSession, officer: OfficerPrincipal, sha: str) -> EvidenceBlob:
    sha = sha.lower()
    blob = await session.get(EvidenceBlob, sha)
    if blob is None or not await _may_upload(session, officer, sha):
        raise ZanError("sync.blob_not_declared", 404)
    return blob


async def _locked(session: AsyncSession, sha: str) -> EvidenceBlob:
    # the row lock serialises the chunks of one file across replicas (PostgreSQL; SQLite has one writer anyway)
    blob = await session.get(EvidenceBlob, sha, with_for_update=True, populate_existing=True)
    if blob is None:
        raise ZanError("sync.blob_not_declared", 404)
    return blob


async def upload_chunk(ctx: Context, session: AsyncSession, officer: OfficerPrincipal, *, sha: str, offset: int,
                       chunk: bytes) -> EvidenceBlob:
    sha = sha.lower()
    if not await _may_upload(session, officer, sha):
        raise ZanError("sync.blob_not_declared", 404)
    blob = await _locked(session, sha)
    if blob.complete:
        return blob
    if offset != blob.received or offset + len(chunk) > blob.size:
        raise ZanError("sync.blob_offset", 409, extra={"received": blob.received, "size": blob.size})
    if chunk:
        session.add(EvidenceChunk(sha256=sha, offset=offset, data=chunk))
        blob.received = offset + len(chunk)
    received = blob.received
    await session.commit()  # the chunk is safe before the store is touched
    if received == blob.size:
        blob = await _seal(ctx, session, sha)
    return blob


async def _assemble(session: AsyncSession, sha: str, target: Path) -> str:
    """Write the staged chunks in order into `target`, one chunk in memory at a time; return their sha256."""
    digest = hashlib.sha256()
    offsets = list(await session.scalars(select(EvidenceChunk.offset).where(EvidenceChunk.sha256 == sha)  # type: ignore[call-overload]
                                         .order_by(EvidenceChunk.offset)))  # type: ignore[arg-type]
    with target.open("wb") as fh:
        for offset in offsets:
            data = await session.scalar(select(EvidenceChunk.data).where(  # type: ignore[call-overload]
                EvidenceChunk.sha256 == sha, EvidenceChunk.offset == offset))  # type: ignore[arg-type]
            assert data is not None  # chunks are only deleted under the blob's lock, which the caller holds
            await asyncio.to_thread(_absorb, digest, fh, data)
    return digest.hexdigest()


def _absorb(digest: hashlib._Hash, fh: BinaryIO, block: bytes) -> None:
    digest.update(block)
    fh.write(block)


SEAL_LEASE = timedelta(minutes=10)  # long enough to move a 100 MB video to S3 over a slow link


async def _seal(ctx: Context, session: AsyncSession, sha: str) -> EvidenceBlob:
    """Assemble, verify and move the file to the store. The row is locked only to take a lease and to record the
    outcome: a lock (and a pooled connection in a transaction) held through a long upload would stall every other
    request for that row, and a few large videos at once would take the whole pool."""
    blob = await _locked(session, sha)
    if blob.complete or blob.received != blob.size:
        return blob  # another replica sealed it meanwhile
    now = utcnow()
    if blob.sealing_until is not None and blob.sealing_until > now:
        await session.commit()
        return blob  # another request is moving it right now: the tablet asks again later (complete is still false)
    blob.sealing_until = now + SEAL_LEASE
    await session.commit()
    fd, name = tempfile.mkstemp(prefix="zan-evidence-")
    os.close(fd)
    target = Path(name)
    try:
        matches = await _assemble(session, sha, target) == sha
        await session.commit()  # the chunks were read; no transaction stays open through the upload
        if matches:
            try:
                await get_store(ctx).put_file(storage_key(sha), target, STORED_TYPE)
            except StoreUnavailable as exc:
                log.warning("evidence store unavailable; chunks kept for a retry", extra={"sha256": sha})
                await _release(session, sha)
                raise ZanError("sync.blob_store_unavailable", 503) from exc
    finally:
        await asyncio.to_thread(target.unlink, True)
    blob = await _locked(session, sha)
    blob.sealing_until = None
    # the chunks go either way: the file is in the store, or they were not the declared file
    await session.execute(delete(EvidenceChunk).where(EvidenceChunk.sha256 == sha))  # type: ignore[arg-type]
    if not matches:
        blob.received = 0
        await session.commit()
        raise ZanError("sync.blob_hash_mismatch", 422)
    blob.complete = True
    # each evidence row pointing at these bytes now reads "uploaded" on the tablets that see it
    rows = (await session.execute(select(Evidence.id, Report.unit_id).join(Report, Report.id == Evidence.report_id)  # type: ignore[arg-type, call-overload]
                                  .where(Evidence.sha256 == sha))).all()  # type: ignore[arg-type]
    for evidence_id, unit_id in rows:
        if unit_id is not None:
            mark_dirty(session, unit_scope(unit_id), "evidence", evidence_id)
    await session.commit()
    return blob


async def _release(session: AsyncSession, sha: str) -> None:
    """Give the lease back after a failed upload, so the tablet's retry need not wait for it to run out."""
    await session.rollback()
    blob = await _locked(session, sha)
    blob.sealing_until = None
    await session.commit()


STALE_UPLOAD = timedelta(days=14)


async def purge_stale_uploads(session: AsyncSession, *, older_than: timedelta = STALE_UPLOAD) -> int:
    """Drop the staged chunks of uploads declared long ago and never finished (a tablet lost or wiped): they would
    otherwise stay in the database forever. The declaration stays, at `received` = 0, so a tablet that comes back
    uploads the file again from the start. Returns how many uploads were reset."""
    now = utcnow()
    stale = list(await session.scalars(select(EvidenceBlob.sha256).where(  # type: ignore[call-overload]
        EvidenceBlob.complete.is_(False), EvidenceBlob.received > 0,  # type: ignore[attr-defined, arg-type]
        EvidenceBlob.created_at < now - older_than,  # type: ignore[operator]
        # an upload being sealed right now (leased, or its row locked) is left alone
        or_(col(EvidenceBlob.sealing_until).is_(None), col(EvidenceBlob.sealing_until) < now),
    ).with_for_update(skip_locked=True)))
    if stale:
        await session.execute(delete(EvidenceChunk).where(EvidenceChunk.sha256.in_(stale)))  # type: ignore[attr-defined]
        await session.execute(update(EvidenceBlob).where(EvidenceBlob.sha256.in_(stale)).values(received=0))  # type: ignore[attr-defined]
    await session.commit()
    return len(stale)
