"""A photo the citizen sends later, with a comment, is no tampering: the oversight history stays intact and the
report's third-party proof checks. The file is pinned by its comment's sealed event instead, so a later file
swapped in the database still shows."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from backend.ledger.proof import check
from backend.ledger.service import seal_pending
from tests.helpers import PartnerClient, jpeg_with_exif
from tests.ledger.records import as_superuser, oversight_headers
from tests.media.test_media import declare, upload_local
from tests.reports.step_helpers import settled_report

pytestmark = pytest.mark.anyio


async def _photo(citizen: PartnerClient) -> str:
    photo = jpeg_with_exif()
    created = (await declare(citizen, photo)).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    assert (await citizen.post(f"/api/v1/media/{created['id']}/complete")).status_code == 200
    media_id: str = created["id"]
    return media_id


async def test_a_photo_sent_with_a_comment_leaves_the_record_intact(ctx: Context, app_client: httpx.AsyncClient,
                                                                     citizen: PartnerClient) -> None:
    report_id = await settled_report(ctx, citizen)
    media_id = await _photo(citizen)
    sent = await citizen.post(f"/api/v1/reports/{report_id}/comments", {"text": "Вот фото", "media_ids": [media_id]},
                              headers={"Idempotency-Key": "photo-1"})
    assert sent.status_code == 201, sent.text
    async with ctx.sessions() as session:
        await seal_pending(session, ctx.settings.secret_keys)
    oversight = await oversight_headers(ctx, app_client)
    history = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}/history", headers=oversight)).json()
    assert history["integrity"]["altered"] == [] and history["integrity"]["missing"] == []
    assert history["integrity"]["intact"] is True
    public_key = (await app_client.get("/api/v1/ledger/head", headers=oversight)).json()["public_key"]
    proof = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}/proof", headers=oversight)).json()
    assert check(proof, [public_key]) == []
    assert proof["submission"]["media"] == []  # what was submitted at registration: no file then

    # the later file's bytes swapped for others: its stored hash is no longer the one its comment's event sealed
    await as_superuser(ctx, "UPDATE media SET sha256 = :digest WHERE id = :id", digest="ee" * 32,
                       id=media_id if ctx.engine.dialect.name == "postgresql" else media_id.replace("-", ""))
    swapped = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}/history", headers=oversight)).json()
    assert swapped["integrity"]["intact"] is False
    assert swapped["integrity"]["altered"] == [{"table": "media", "id": media_id}]
