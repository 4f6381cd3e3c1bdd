"""Resumable, content-addressed evidence uploads.

Chunks append at the server's `received` offset and are staged in the database, in the same transaction that moves
`received`: a chunk is either fully recorded or not at all, and the next chunk may reach any API replica. When the
last byte arrives, the file is assembled into a temporary file, checked against its sha256 and moved to the media
store (local disk in embedded mode, S3 in production) under `evidence/<sha[:2]>/<sha>`; only then is it `complete`
and the staged chunks are dropped. If the store is down at that moment the chunks stay: the tablet repeats the last
request (or sends an empty one at `offset = size`) later, without uploading the file again. Uploading a hash that
is already complete is a no-op for an officer who holds it already. While one request moves a file to the store it
holds a lease on it (not a row lock for the length of the upload); a request that died mid-way lets the lease run
out, and the tablet's retry seals.

A sha256 and size are no secret (attachment lists and sync rows show them, and officers keep them after a report
moves to another unit), so naming them proves nothing. Whoever declares a hash that is already known to the server
(complete or still uploading) without custody of an evidence row already holding it must send the bytes anyway: they
are staged apart from anyone else's, under `proof_key(evidence id)`, so a stranger can neither feed nor reset another
officer's upload, and that evidence item reads "not uploaded" until its own bytes hashed right. A verified proof
completes the shared blob too if it was still unfinished (the bytes are the same, the hash says so).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import delete, exists, or_, select
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

if TYPE_CHECKING:
    from backend.media.storage import MediaStore

log = logging.getLogger(__name__)

STORED_TYPE = "application/octet-stream"  # the bytes are shared by hash; each Evidence row names its own type


def storage_key(sha: str) -> str:
    return f"evidence/{sha[:2]}/{sha}"


PROOF = "e:"


def proof_key(evidence_id: uuid.UUID) -> str:
    """The staging row of one evidence item's own upload. Not 64 hex digits, so no declaration or upload URL can
    ever name it as a hash."""
    return f"{PROOF}{evidence_id.hex}"


DECLARED = "d:"


def declared_key(device_id: str, sha: str) -> str:
    """The staging row of one device's upload of `sha` under a size that differs from the shared upload's: sizes
    are only claims until the bytes hash right, so a declaration with another size (the first one may be the wrong
    one) uploads apart instead of being refused or resetting someone else's progress. Not 64 hex digits either."""
    return DECLARED + hashlib.sha256(f"{device_id}\n{sha}".encode()).hexdigest()[:40]


def _is_hash(key: str) -> bool:
    return not key.startswith((PROOF, DECLARED))


async def stage_declared_size(session: AsyncSession, officer: OfficerPrincipal, sha: str, size: int) -> None:
    """Give this device an upload of its own for `sha` at `size` (the shared one, still incomplete, has another).
    Whichever upload's bytes hash right first completes the shared file with its true size; the others are moot."""
    key = declared_key(officer.device_id, sha)
    staged = await session.get(EvidenceBlob, key, with_for_update=True, populate_existing=True)
    if staged is None:
        session.add(EvidenceBlob(sha256=key, size=size))
    elif staged.size != size and not staged.complete:
        # the device itself declared yet another size: its own upload restarts (nobody else's is touched)
        await session.execute(delete(EvidenceChunk).where(EvidenceChunk.sha256 == key))  # type: ignore[arg-type]
        staged.size, staged.received, staged.received_at = size, 0, None


async def _in_custody(session: AsyncSession, officer: OfficerPrincipal, sha: str) -> list[Evidence]:
    """Evidence rows with these bytes that this officer declared, or that sit on a report their unit holds."""
    custody = Evidence.officer_id == officer.officer_id  # type: ignore[arg-type]
    if officer.unit_id is not None:
        custody = custody | (Report.unit_id == officer.unit_id)  # type: ignore[assignment, arg-type]
    rows = await session.scalars(select(Evidence).join(Report, Report.id == Evidence.report_id)  # type: ignore[call-overload, arg-type]
                                 .where(Evidence.sha256 == sha, custody)  # type: ignore[arg-type]
                                 .order_by(Evidence.created_at, Evidence.id))  # type: ignore[arg-type]
    return list(rows)


async def pending_proofs(session: AsyncSession, evidence_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Those of these evidence items whose declarer still owes the bytes: not downloadable, not "uploaded"."""
    if not evidence_ids:
        return set()
    keys = {proof_key(i): i for i in evidence_ids}
    found = await session.scalars(select(EvidenceBlob.sha256).where(EvidenceBlob.sha256.in_(keys)))  # type: ignore[attr-defined, call-overload]
    return {keys[k] for k in found}


async def holds_verified(session: AsyncSession, officer: OfficerPrincipal, sha: str) -> bool:
    """Whether the officer already has custody of an evidence row with these bytes that owes none: only then may a
    new declaration of a known hash be linked to it without an upload."""
    rows = await _in_custody(session, officer, sha)
    return len(await pending_proofs(session, [r.id for r in rows])) < len(rows)


async def holds_any(session: AsyncSession, officer: OfficerPrincipal, sha: str) -> bool:
    """Whether the officer has custody of any evidence row with these bytes, proved or not: their uploads go to it
    (the shared upload, or that item's own staging, `_target`)."""
    return bool(await _in_custody(session, officer, sha))


async def _target(session: AsyncSession, officer: OfficerPrincipal, sha: str) -> str:
    """Where this officer's chunks of `sha` go: the shared upload if they hold a row that owes no proof, else their
    own item's staging. Anyone else may neither see nor feed it: they could reset a colleague's progress with a
    wrong chunk (the hash check would then discard it), or probe which files exist."""
    shared = await session.get(EvidenceBlob, sha)
    own = declared_key(officer.device_id, sha)
    declared = await session.get(EvidenceBlob, own) is not None
    # this device declared another size than the shared, unfinished upload's: its chunks go to its own upload
    if shared is not None and not shared.complete and declared:
        return own
    rows = await _in_custody(session, officer, sha)
    pending = await pending_proofs(session, [r.id for r in rows])
    if any(r.id not in pending for r in rows):
        return sha
    # the officer's own declaration first; a unit colleague's otherwise (a tablet shared within the crew)
    for row in sorted((r for r in rows if r.id in pending), key=lambda r: r.officer_id != officer.officer_id):
        return proof_key(row.id)
    if declared:
        # a declaration kept as another officer's item (a former crew's late one): told to upload the bytes, this
        # device uploads them to its own staging, even once the shared file is complete (the answer must not tell)
        return own
    raise ZanError("sync.blob_not_declared", 404)


async def status(session: AsyncSession, officer: OfficerPrincipal, sha: str) -> EvidenceBlob:
    sha = sha.lower()
    key = await _target(session, officer, sha)
    blob = await session.get(EvidenceBlob, key)
    if blob is None:
        raise ZanError("sync.blob_not_declared", 404)
    # a transient copy named by the hash the tablet asked about, never the staging key (not added to the session)
    return EvidenceBlob(sha256=sha, size=blob.size, received=blob.received, complete=blob.complete)


async def _locked(session: AsyncSession, sha: str) -> EvidenceBlob:
    # the row lock serialises the chunks of one file across replicas (PostgreSQL; SQLite has one writer anyway)
    blob = await session.get(EvidenceBlob, sha, with_for_update=True, populate_existing=True)
    if blob is None:
        raise ZanError("sync.blob_not_declared", 404)
    return blob


async def upload_chunk(ctx: Context, session: AsyncSession, officer: OfficerPrincipal, *, sha: str, offset: int,
                       chunk: bytes) -> EvidenceBlob:
    sha = sha.lower()
    key = await _target(session, officer, sha)
    blob = await _locked(session, key)
    if not blob.complete:
        # every byte is staged but not yet in the store (503 sync.blob_store_unavailable, whose answer says to repeat
        # the last request): that request, the one ending the file, seals what is staged and appends nothing. A 409
        # would say "resume from received", which is the size: nothing left to send, and the file never completes
        resealing = blob.received == blob.size and offset < blob.received and offset + len(chunk) == blob.size
        if resealing:
            chunk = b""
        elif offset != blob.received or offset + len(chunk) > blob.size:
            raise ZanError("sync.blob_offset", 409, extra={"received": blob.received, "size": blob.size})
        if chunk:
            session.add(EvidenceChunk(sha256=key, offset=offset, data=chunk))
            blob.received, blob.received_at = offset + len(chunk), utcnow()
        received = blob.received
        await session.commit()  # the chunk is safe before the store is touched
        if received == blob.size:
            blob = await _seal(ctx, session, key, sha)
    if key != sha:  # answered under the hash the tablet uploads, never the staging key
        return EvidenceBlob(sha256=sha, size=blob.size, received=blob.received, complete=blob.complete)
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


async def _seal(ctx: Context, session: AsyncSession, key: str, sha: str) -> EvidenceBlob:
    """Assemble the chunks staged under `key`, verify them against `sha` and move the file to the store. The row is
    locked only to take a lease and to record the outcome: a lock (and a pooled connection in a transaction) held
    through a long upload would stall every other request for that row, and a few large videos at once would take
    the whole pool."""
    blob = await _locked(session, key)
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
        matches = await _assemble(session, key, target) == sha
        shared = await session.get(EvidenceBlob, sha, populate_existing=True)
        stored = key != sha and shared is not None and shared.complete
        await session.commit()  # the chunks were read; no transaction stays open through the upload
        if matches and not stored:
            try:
                await get_store(ctx).put_file(storage_key(sha), target, STORED_TYPE)
            except StoreUnavailable as exc:
                log.warning("evidence store unavailable; chunks kept for a retry", extra={"sha256": sha})
                await _release(session, key)
                raise ZanError("sync.blob_store_unavailable", 503) from exc
    finally:
        await asyncio.to_thread(target.unlink, True)
    blob = await _locked(session, key)
    blob.sealing_until = None
    # the chunks go either way: the file is in the store, or they were not the declared file
    await session.execute(delete(EvidenceChunk).where(EvidenceChunk.sha256 == key))  # type: ignore[arg-type]
    if not matches:
        blob.received = 0
        await session.commit()
        raise ZanError("sync.blob_hash_mismatch", 422)
    blob.complete = True
    if key != sha:
        # the item's own bytes proved: its staging row goes (so it owes nothing), and the shared blob is complete
        # now whoever else was still uploading it (their next chunk is a no-op)
        await session.delete(blob)
        shared = await _locked(session, sha)
        if not shared.complete:
            await session.execute(delete(EvidenceChunk).where(EvidenceChunk.sha256 == sha))  # type: ignore[arg-type]
            # the size the bytes proved, whatever an earlier declaration claimed (blobs.declared_key)
            shared.size = blob.size
            shared.complete, shared.received, shared.sealing_until = True, blob.size, None
        result = EvidenceBlob(sha256=sha, size=blob.size, received=blob.size, complete=True)
    else:
        result = blob
    # each evidence row pointing at these bytes now reads "uploaded" on the tablets that see it
    rows = (await session.execute(select(Evidence.id, Report.unit_id).join(Report, Report.id == Evidence.report_id)  # type: ignore[arg-type, call-overload]
                                  .where(Evidence.sha256 == sha))).all()  # type: ignore[arg-type]
    for evidence_id, unit_id in rows:
        if unit_id is not None:
            mark_dirty(session, unit_scope(unit_id), "evidence", evidence_id)
    await session.commit()
    return result


async def _release(session: AsyncSession, sha: str) -> None:
    """Give the lease back after a failed upload, so the tablet's retry need not wait for it to run out."""
    await session.rollback()
    blob = await _locked(session, sha)
    blob.sealing_until = None
    await session.commit()


STALE_UPLOAD = timedelta(days=14)
PURGE_BATCH = 500


async def purge_stale_uploads(session: AsyncSession, *, store: MediaStore | None = None,
                              older_than: timedelta = STALE_UPLOAD) -> int:
    """Clean up unfinished uploads idle for `older_than` (14 days: declared, and no chunk since, that long ago; a
    tablet lost or wiped), so they do not stay in the database forever. Returns how many were reset or deleted.

    - An upload some evidence item still names (its shared hash, or the item's own proof staging) keeps its row:
      the item must still read "not uploaded" (a proof row gone would read as bytes proved), stay in the staff's
      attachment list, and take the tablet's upload when it comes back. Its staged chunks go and it restarts at 0.
    - A staging row no evidence names is deleted with its chunks and, for a hash, the stored object a seal that
      died midway may have left (with `store`; while the store is down the row waits for the next run).
    Complete files are never touched, nor an upload being sealed (leased, or its row locked)."""
    now = utcnow()
    cutoff = now - older_than
    named = exists().where(Evidence.sha256 == EvidenceBlob.sha256)  # type: ignore[arg-type]
    stale = list(await session.scalars(select(EvidenceBlob).where(  # type: ignore[call-overload]
        col(EvidenceBlob.complete).is_(False), col(EvidenceBlob.created_at) < cutoff,
        or_(col(EvidenceBlob.received_at).is_(None), col(EvidenceBlob.received_at) < cutoff),
        or_(col(EvidenceBlob.sealing_until).is_(None), col(EvidenceBlob.sealing_until) < now),
        # a named upload already reset has nothing left to clean: without this it would be read again every
        # minute, and enough of them would fill every batch. (A proof row is named by its item's id, checked below)
        or_(col(EvidenceBlob.received) > 0, ~col(EvidenceBlob.sha256).startswith(PROOF) & ~named),
    ).order_by(col(EvidenceBlob.created_at)).limit(PURGE_BATCH).with_for_update(skip_locked=True)))
    in_use = await _named(session, [blob.sha256 for blob in stale])
    done = 0
    for blob in stale:
        if blob.sha256 not in in_use and store is not None and _is_hash(blob.sha256):
            try:
                await store.delete(storage_key(blob.sha256))
            except StoreUnavailable:
                continue
        await session.execute(delete(EvidenceChunk).where(col(EvidenceChunk.sha256) == blob.sha256))
        if blob.sha256 in in_use:
            blob.received = 0
        else:
            await session.delete(blob)
        done += 1
    await session.commit()
    if done:
        log.info("cleaned up %d stale evidence uploads", done)
    return done


async def _named(session: AsyncSession, keys: list[str]) -> set[str]:
    """Those of these staging keys that an evidence item names: a hash some item has, or an item's proof key."""
    hashes = [k for k in keys if _is_hash(k)]
    proofs = {uuid.UUID(hex=k[len(PROOF):]): k for k in keys if k.startswith(PROOF)}
    found: set[str] = set()
    if hashes:
        found |= set(await session.scalars(select(col(Evidence.sha256)).where(col(Evidence.sha256).in_(hashes))))
    if proofs:
        items = await session.scalars(select(col(Evidence.id)).where(col(Evidence.id).in_(proofs)))
        found |= {proofs[i] for i in items}
    return found
