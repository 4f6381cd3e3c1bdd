"""What an evidence declaration records must hold up as a record: a size is a number of bytes (not a JSON `true`), a
content type is a MIME type (the one staff download the file as), and every declarer told to upload the bytes can
upload them. Service level, both databases: the HTTP path is tests/sync/test_evidence.py's."""

from __future__ import annotations

import hashlib
import os
import uuid
from typing import Any

import pytest

from backend.context import Context
from backend.lib.errors import ZanError
from backend.sync import blobs
from backend.sync.models import Evidence, EvidenceBlob
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import Tablet, assigned_report, reassign, uuid7

pytestmark = pytest.mark.anyio

FILE = b"\x00\x00\x00\x18ftypmp42" + os.urandom(40_000)
SHA = hashlib.sha256(FILE).hexdigest()


async def _declare(tablet: Tablet, report_id: uuid.UUID, **fields: Any) -> tuple[str, dict[str, Any]]:
    evidence_id = uuid7()
    tablet.edit("evidence", evidence_id, op="create",
                **{"report_id": str(report_id), "sha256": SHA, "size": len(FILE), "content_type": "video/mp4",
                   **fields})
    [result] = await tablet.push()
    return evidence_id, result


async def _put(ctx: Context, tablet: Tablet, offset: int, chunk: bytes) -> EvidenceBlob:
    async with ctx.sessions() as session:
        return await blobs.upload_chunk(ctx, session, tablet.principal(), sha=SHA, offset=offset, chunk=chunk)


async def _upload(ctx: Context, tablet: Tablet, data: bytes = FILE) -> EvidenceBlob:
    half = len(data) // 2
    await _put(ctx, tablet, 0, data[:half])
    return await _put(ctx, tablet, half, data[half:])


async def _stored(ctx: Context, evidence_id: str) -> Evidence | None:
    async with ctx.sessions() as session:
        return await session.get(Evidence, uuid.UUID(evidence_id))


async def _tablet(ctx: Context) -> tuple[Tablet, uuid.UUID]:
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    report = await assigned_report(ctx, unit)
    return Tablet(ctx, officer, unit.id), report.id


async def test_a_size_sent_as_true_is_no_size(ctx: Context) -> None:
    tablet, report_id = await _tablet(ctx)
    # JSON `true` is no byte count (Python's bool is an int): recorded, it sealed a 1-byte file the upload never matches
    evidence_id, result = await _declare(tablet, report_id, size=True)
    assert (result["status"], result["reason"]) == ("rejected", "invalid_size"), result
    assert await _stored(ctx, evidence_id) is None


async def test_a_content_type_is_recorded_as_a_mime_type(ctx: Context) -> None:
    tablet, report_id = await _tablet(ctx)
    # a line break in the type would be sent as a header of the file's download (a broken response, or a header
    # injected into a staff browser's): not taken, the file is stored as untyped bytes and the tablet is told so
    evidence_id, result = await _declare(tablet, report_id, content_type="video/mp4\r\nSet-Cookie: a=b")
    assert result["status"] == "applied" and result["ignored_fields"] == ["content_type"], result
    stored = await _stored(ctx, evidence_id)
    assert stored is not None and stored.content_type == "application/octet-stream"
    # a well-formed type is recorded as the media store names it: lower case, without parameters, aliases resolved
    other = b"\xff\xd8\xff\xe0" + os.urandom(100)
    evidence_id, result = await _declare(tablet, report_id, sha256=hashlib.sha256(other).hexdigest(), size=len(other),
                                         content_type="Image/JPG; q=1")
    assert result["status"] == "applied" and result["ignored_fields"] == [], result
    stored = await _stored(ctx, evidence_id)
    assert stored is not None and stored.content_type == "image/jpeg"


async def _handed_over(ctx: Context) -> tuple[Any, Tablet, Tablet]:
    """A report its crew (tablet p) held and that was handed to another unit's crew (tablet q)."""
    old, new = await make_unit(ctx), await make_unit(ctx)
    p_officer, _ = await make_officer(ctx, unit=old)
    q_officer, _ = await make_officer(ctx, unit=new)
    report = await assigned_report(ctx, old)
    await reassign(ctx, report, new)
    p, q = Tablet(ctx, p_officer, old.id), Tablet(ctx, q_officer, new.id)
    return report, p, q


async def test_a_former_crew_told_to_upload_a_file_the_report_holds_can_upload_it(ctx: Context) -> None:
    report, p, q = await _handed_over(ctx)
    q_item, declared = await _declare(q, report.id)
    assert declared["upload_complete"] is False
    assert (await _put(ctx, q, 0, FILE[:1000])).received == 1000
    # the old crew's officer filmed the same video (a late declaration from the previous assignee is taken): it is
    # kept as the item first stored, and the tablet is told to upload the bytes, which it must then be able to do
    _, late = await _declare(p, report.id)
    assert late["status"] == "applied" and late["existing_id"] == q_item and late["upload_complete"] is False, late
    status = await _status(ctx, p)
    assert (status.received, status.complete) == (0, False)
    # staged apart: wrong bytes are refused without touching the new crew's upload in progress
    await _put(ctx, p, 0, b"x" * 1000)
    with pytest.raises(ZanError) as refused:
        await _put(ctx, p, 1000, b"x" * (len(FILE) - 1000))
    assert refused.value.code == "sync.blob_hash_mismatch"
    assert (await _status(ctx, q)).received == 1000
    # the right bytes complete the file for the report's item too
    assert (await _upload(ctx, p)).complete is True
    assert (await _put(ctx, q, 1000, FILE[1000:2000])).complete is True


async def test_a_former_crew_is_not_told_a_file_exists_before_it_uploads_it(ctx: Context) -> None:
    report, p, q = await _handed_over(ctx)
    await _declare(q, report.id)
    assert (await _upload(ctx, q)).complete is True
    # uploaded by the crew that holds the report now: the old crew's officer holds no item with these bytes, so is
    # told to upload them as anyone would be (docs/tablet-sync.md), and can
    _, late = await _declare(p, report.id)
    assert late["status"] == "applied" and late["upload_complete"] is False, late
    assert (await _upload(ctx, p)).complete is True


async def _status(ctx: Context, tablet: Tablet) -> EvidenceBlob:
    async with ctx.sessions() as session:
        return await blobs.status(session, tablet.principal(), SHA)
