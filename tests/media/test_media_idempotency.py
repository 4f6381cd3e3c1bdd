"""POST /api/v1/media honours Idempotency-Key: a citizen app that retries after a lost answer gets the same file
back (never a second pending upload), a key reused for another file is a 409, keys are the citizen's own per partner
app, and a replay hands out an upload that still works while the file waits for its bytes."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select

from backend.context import Context
from backend.media.models import Media
from backend.media.service import UPLOAD_PREFIX
from backend.media.storage import UPLOAD_TTL_S
from tests.fakes.s3 import S3Bucket, post_policy
from tests.helpers import PartnerClient, jpeg_with_exif, sha256_hex
from tests.media.test_media import declare, s3_client, upload_local  # noqa: F401  (s3_client is a fixture)

pytestmark = pytest.mark.anyio
PHOTO = jpeg_with_exif()


async def _media_rows(ctx: Context) -> list[Media]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(Media)))


async def _count(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Media)) or 0)


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_retry_with_the_same_key_names_the_same_file(ctx: Context, citizen: PartnerClient) -> None:
    first = _created(await declare(citizen, PHOTO, key="photo-1"))
    retry = _created(await declare(citizen, PHOTO, key="photo-1"))
    assert retry["id"] == first["id"] and retry["kind"] == "photo" and retry["status"] == "pending"
    assert [str(m.id) for m in await _media_rows(ctx)] == [first["id"]]
    # the replayed upload is one for the same file: it takes the bytes and the file completes
    assert (await upload_local(citizen.http, retry, PHOTO)).status_code == 204
    done = await citizen.post(f"/api/v1/media/{first['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text


async def test_the_same_key_with_another_body_is_a_conflict(ctx: Context, citizen: PartnerClient) -> None:
    first = _created(await declare(citizen, PHOTO, key="photo-1"))
    other = await declare(citizen, PHOTO + b"\x00", key="photo-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency.key_reused", other.text
    assert [str(m.id) for m in await _media_rows(ctx)] == [first["id"]]


async def test_a_declaration_without_a_key_is_refused(ctx: Context, citizen: PartnerClient) -> None:
    body = {"content_type": "image/jpeg", "size": len(PHOTO), "sha256": sha256_hex(PHOTO)}
    missing = await citizen.post("/api/v1/media", body)
    assert missing.status_code == 400, missing.text
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["code"] == "idempotency.key_missing"
    assert await _count(ctx) == 0


async def test_keys_are_each_citizens_own_per_partner(ctx: Context, app_client: httpx.AsyncClient,
                                                      citizen: PartnerClient, other_citizen: PartnerClient) -> None:
    """Two citizens (or one citizen through two partner apps) who happen to pick the same key declare two files:
    neither is handed the other's upload."""
    from backend.partners.service import create

    async with ctx.sessions() as session:
        second = await create(session=session, secret_key=ctx.settings.secret_key, name=f"halyk-{uuid.uuid4().hex[:6]}")
    same_citizen_other_app = PartnerClient(app_client, str(second.id), second.secret, citizen.iin)
    mine = _created(await declare(citizen, PHOTO, key="shared"))
    theirs = _created(await declare(other_citizen, PHOTO, key="shared"))
    via_other_app = _created(await declare(same_citizen_other_app, PHOTO, key="shared"))
    assert len({mine["id"], theirs["id"], via_other_app["id"]}) == 3
    # and each one's retry still names its own file
    assert _created(await declare(citizen, PHOTO, key="shared"))["id"] == mine["id"]
    assert _created(await declare(other_citizen, PHOTO, key="shared"))["id"] == theirs["id"]
    owners = {str(m.id): m.owner_citizen_id for m in await _media_rows(ctx)}
    assert len(owners) == 3 and owners[mine["id"]] != owners[theirs["id"]]


async def test_concurrent_retries_declare_one_file(ctx: Context, citizen: PartnerClient) -> None:
    answers = await asyncio.gather(*(declare(citizen, PHOTO, key="burst") for _ in range(5)))
    ids = {_created(answer)["id"] for answer in answers}
    assert len(ids) == 1, [a.text for a in answers]
    assert [str(m.id) for m in await _media_rows(ctx)] == list(ids)


async def test_a_replay_after_the_link_expired_gets_a_working_one(ctx: Context, citizen: PartnerClient,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The stored link may be dead by the time a retry comes: the retry gets the same file with a link signed
    afresh, valid for the whole `expires_in` it announces."""
    issued_long_ago = time.time() - 2 * UPLOAD_TTL_S
    with monkeypatch.context() as m:
        m.setattr("backend.lib.crypto.time", SimpleNamespace(time=lambda: issued_long_ago))
        first = _created(await declare(citizen, PHOTO, key="photo-1"))
    expired = await upload_local(citizen.http, first, PHOTO)
    assert expired.status_code == 403 and expired.json()["code"] == "media.upload_token_invalid"
    retry = _created(await declare(citizen, PHOTO, key="photo-1"))
    assert retry["id"] == first["id"] and retry["upload"]["expires_in"] == UPLOAD_TTL_S
    assert (await upload_local(citizen.http, retry, PHOTO)).status_code == 204
    assert (await citizen.post(f"/api/v1/media/{first['id']}/complete")).status_code == 200
    assert await _count(ctx) == 1


async def test_a_replay_after_completion_names_the_verified_file(ctx: Context, citizen: PartnerClient) -> None:
    """Nothing can be uploaded to a verified file any more: the replay says it is ready and hands out no upload
    (the stored one, long expired or not, is for a closed file)."""
    first = _created(await declare(citizen, PHOTO, key="photo-1"))
    assert (await upload_local(citizen.http, first, PHOTO)).status_code == 204
    assert (await citizen.post(f"/api/v1/media/{first['id']}/complete")).status_code == 200
    retry = _created(await declare(citizen, PHOTO, key="photo-1"))
    assert retry == {**first, "status": "ready", "upload": None}
    closed = await upload_local(citizen.http, first, PHOTO)  # the first answer's link is closed as well
    assert closed.status_code == 409 and closed.json()["code"] == "media.upload_closed"
    rows = await _media_rows(ctx)
    assert [(str(m.id), m.status) for m in rows] == [(first["id"], "ready")]


async def test_a_replay_after_the_file_was_refused_is_the_refusal(ctx: Context, citizen: PartnerClient) -> None:
    """A refused file takes no bytes any more: its replay answers as its completion does (409, declare anew), not
    with an upload link that only leads to that 409."""
    first = _created(await declare(citizen, PHOTO, key="photo-1"))
    assert (await upload_local(citizen.http, first, PHOTO[:-1] + b"\x00")).status_code == 204
    refused = await citizen.post(f"/api/v1/media/{first['id']}/complete")
    assert refused.status_code == 422 and refused.json()["code"] == "media.checksum_mismatch", refused.text
    retry = await declare(citizen, PHOTO, key="photo-1")
    assert retry.status_code == 409 and retry.json()["code"] == "media.upload_closed", retry.text
    assert "upload" not in retry.json()
    assert [(str(m.id), m.status) for m in await _media_rows(ctx)] == [(first["id"], "rejected")]


# -- the same through the real boto3 client against the loopback S3 server ------------------------------------------
async def test_an_s3_replay_after_completion_hands_out_no_presigned_post(
        s3_client: tuple[PartnerClient, S3Bucket]) -> None:  # noqa: F811
    citizen, bucket = s3_client
    first = _created(await declare(citizen, PHOTO, key="photo-1"))
    assert first["upload"]["method"] == "POST"
    assert (await upload_local(citizen.http, first, PHOTO)).status_code in (200, 204)
    done = await citizen.post(f"/api/v1/media/{first['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text
    retry = _created(await declare(citizen, PHOTO, key="photo-1"))
    assert retry == {**first, "status": "ready", "upload": None}
    # and nothing the replay did put anything under the upload prefix or touched the verified object
    objects = bucket.client().list_objects_v2(Bucket=bucket.name)["Contents"]
    assert [o["Size"] for o in objects if not o["Key"].startswith(UPLOAD_PREFIX)] == [len(PHOTO)]
    assert all(not o["Key"].startswith(UPLOAD_PREFIX) for o in objects)


async def test_an_s3_replay_while_pending_is_signed_afresh(s3_client: tuple[PartnerClient, S3Bucket]) -> None:  # noqa: F811
    """Before completion the replay's presigned POST is a new one for the same upload key, its policy expiring
    `expires_in` from the replay (moto enforces no policy: what is checked is the policy boto3 signed)."""
    citizen, _bucket = s3_client
    first = _created(await declare(citizen, PHOTO, key="photo-1"))
    retry = _created(await declare(citizen, PHOTO, key="photo-1"))
    assert retry["id"] == first["id"] and retry["status"] == "pending"
    assert retry["upload"]["fields"]["key"] == first["upload"]["fields"]["key"]
    expiry = datetime.fromisoformat(post_policy(retry["upload"]["fields"])["expiration"].replace("Z", "+00:00"))
    assert expiry >= datetime.now(UTC) + timedelta(seconds=UPLOAD_TTL_S - 60)
    assert (await upload_local(citizen.http, retry, PHOTO)).status_code in (200, 204)
    done = await citizen.post(f"/api/v1/media/{first['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text


async def test_an_s3_replay_after_refusal_is_the_refusal(s3_client: tuple[PartnerClient, S3Bucket]) -> None:  # noqa: F811
    citizen, _bucket = s3_client
    first = _created(await declare(citizen, PHOTO, key="photo-1"))
    assert (await upload_local(citizen.http, first, PHOTO + b"\x00" * 10)).status_code in (200, 204)
    refused = await citizen.post(f"/api/v1/media/{first['id']}/complete")
    assert refused.status_code == 422 and refused.json()["code"] == "media.size_mismatch", refused.text
    retry = await declare(citizen, PHOTO, key="photo-1")
    assert retry.status_code == 409 and retry.json()["code"] == "media.upload_closed", retry.text


async def test_a_replay_after_the_file_was_purged_declares_nothing(ctx: Context, citizen: PartnerClient) -> None:
    """An abandoned declaration is purged after a day (backend.media.cleanup.purge_unused) while its key is kept
    longer: the replay says the file is gone instead of handing out a link to nothing, and declares no new one."""
    first = _created(await declare(citizen, PHOTO, key="photo-1"))
    async with ctx.sessions() as session:
        await session.execute(delete(Media).where(Media.id == uuid.UUID(first["id"])))  # type: ignore[arg-type]
        await session.commit()
    gone = await declare(citizen, PHOTO, key="photo-1")
    assert gone.status_code == 404 and gone.json()["code"] == "media.not_found", gone.text
    assert await _count(ctx) == 0
