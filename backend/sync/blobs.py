"""Resumable, content-addressed evidence uploads: chunks append at the server's `received` offset; the file is
verified against its sha256 when complete. Uploading a hash that is already complete is a no-op.

Bytes live under ZAN_MEDIA_DIR/evidence/<sha[:2]>/<sha> (the embedded store). Production deployments put the same
layout on the media volume; moving it behind backend.media's S3 store is a follow-up (see docs).
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from backend.context import Context
from backend.lib.errors import ZanError
from backend.sync.models import EvidenceBlob


def _paths(ctx: Context, sha: str) -> tuple[Path, Path]:
    root = Path(ctx.settings.media_dir) / "evidence"
    return root / sha[:2] / sha, root / "partial" / f"{sha}.part"


async def status(session: AsyncSession, sha: str) -> EvidenceBlob:
    blob = await session.get(EvidenceBlob, sha.lower())
    if blob is None:
        raise ZanError("sync.blob_not_declared", 404)
    return blob


def _append(partial: Path, offset: int, chunk: bytes) -> int:
    partial.parent.mkdir(parents=True, exist_ok=True)
    with partial.open("r+b" if partial.exists() else "wb") as fh:
        fh.truncate(offset)  # a chunk whose commit was lost is simply written again
        fh.seek(offset)
        fh.write(chunk)
    return offset + len(chunk)


def _verify_and_move(partial: Path, final: Path, sha: str) -> bool:
    digest = hashlib.sha256()
    with partial.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    if digest.hexdigest() != sha:
        partial.unlink(missing_ok=True)
        return False
    final.parent.mkdir(parents=True, exist_ok=True)
    partial.replace(final)
    return True


async def upload_chunk(ctx: Context, session: AsyncSession, *, sha: str, offset: int, chunk: bytes) -> EvidenceBlob:
    sha = sha.lower()
    blob = await session.get(EvidenceBlob, sha, with_for_update=True)
    if blob is None:
        raise ZanError("sync.blob_not_declared", 404)
    if blob.complete:
        return blob
    if offset != blob.received or offset + len(chunk) > blob.size:
        raise ZanError("sync.blob_offset", 409, extra={"received": blob.received, "size": blob.size})
    final, partial = _paths(ctx, sha)
    blob.received = await asyncio.to_thread(_append, partial, offset, chunk)
    if blob.received == blob.size:
        if not await asyncio.to_thread(_verify_and_move, partial, final, sha):
            blob.received = 0
            await session.commit()
            raise ZanError("sync.blob_hash_mismatch", 422)
        blob.complete = True
        # each evidence row pointing at these bytes now reads "uploaded"
        from sqlalchemy import select

        from backend.reports.models import Report
        from backend.sync.changes import mark_dirty, unit_scope
        from backend.sync.models import Evidence

        rows = (await session.execute(select(Evidence.id, Report.unit_id).join(Report, Report.id == Evidence.report_id)  # type: ignore[arg-type, call-overload]
                                      .where(Evidence.sha256 == sha))).all()  # type: ignore[arg-type]
        for evidence_id, unit_id in rows:
            if unit_id is not None:
                mark_dirty(session, unit_scope(unit_id), "evidence", evidence_id)
    await session.commit()
    return blob
