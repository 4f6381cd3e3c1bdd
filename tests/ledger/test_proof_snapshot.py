"""A report's proof carries the submission as the report holds it now, split from the files sent later by the events
that brought them: read in separate statements, a file sent with a comment between the events' read and the files'
read counted as part of the submission, and the proof failed its check ("not what its first event sealed"). On
PostgreSQL the proof is read as one snapshot (REPEATABLE READ); SQLite's transactions are serialised already."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from backend.ledger.proof import check
from backend.media import service as media_service
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Actor
from tests.helpers import PartnerClient, committed_between, jpeg_with_exif
from tests.ledger.records import proof_of, public_keys, seal_now
from tests.media.test_anonymous_files import _photo

pytestmark = pytest.mark.anyio


async def test_a_file_sent_while_the_proof_is_read_does_not_fail_it(ctx: Context, app_client: httpx.AsyncClient,
                                                                     citizen: PartnerClient) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite: the comment waits for the proof's transaction (BEGIN IMMEDIATE), no race to show")
    created = await citizen.submit("Разбили стекло машины во дворе")
    assert created.status_code == 201, created.text
    report_id = uuid.UUID(created.json()["id"])
    photo = await _photo(citizen, jpeg_with_exif())
    await seal_now(ctx)

    async def comment() -> None:  # the citizen's comment with the photo, committed by another connection
        async with ctx.sessions() as other:
            report = await other.get(Report, report_id)
            assert report is not None
            files = await media_service.attach_to_report(other, report, citizen_id=report.citizen_id,
                                                         media_ids=[uuid.UUID(photo)])
            by = By(Actor.CITIZEN, str(report.citizen_id), "test")
            await reports.add_citizen_comment(other, report, "ещё фото", by, {str(m.id): m.sha256 for m in files})
            await other.commit()

    # just before the proof reads the report's files, after it read its events
    with committed_between(ctx, lambda statement: "FROM media" in statement and "media.report_id =" in statement,
                           comment) as fired:
        proof = await proof_of(ctx, app_client, report_id)
    assert fired
    assert proof["submission"]["media"] == []  # as of the snapshot: neither the file nor its event
    assert check(proof, public_keys(ctx)) == []
