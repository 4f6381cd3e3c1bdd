"""A file is used through the partner app it was declared through, found by the 2026-12-05 media audit.

Reports are each app's own (a citizen's eGov reports are no business of their bank's app), but files had no app: a
file uploaded by citizen X through app A could be completed through app B, and attached to a report X filed through
B. Through another app a file is now refused exactly as one that does not exist. Files declared before files
recorded their app (no partner) keep working through any app of their owner.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from backend.context import Context
from backend.lib.errors import ZanError
from backend.media import service as media_service
from backend.media.models import Media
from backend.partners.service import create
from tests.helpers import PartnerClient, jpeg_with_exif
from tests.media.test_media import declare, upload_local

pytestmark = pytest.mark.anyio


async def _other_app(ctx: Context, http: httpx.AsyncClient, iin: str) -> PartnerClient:
    """The same citizen (IIN) through a second partner app."""
    async with ctx.sessions() as session:
        created = await create(session=session, secret_key=ctx.settings.secret_key,
                               name=f"egov-{uuid.uuid4().hex[:6]}")
    return PartnerClient(http, str(created.id), created.secret, iin)


async def _uploaded(citizen: PartnerClient) -> dict[str, Any]:
    photo = jpeg_with_exif()
    created: dict[str, Any] = (await declare(citizen, photo)).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    return created


async def _ready(citizen: PartnerClient) -> dict[str, Any]:
    created = await _uploaded(citizen)
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200, done.text
    return created


def _problem(response: httpx.Response) -> dict[str, Any]:
    """A problem without the parts that name the request (its path)."""
    body = dict(response.json())
    body.pop("instance", None)
    return body


async def _row(ctx: Context, media_id: str) -> Media:
    async with ctx.sessions() as session:
        media = await session.get(Media, uuid.UUID(media_id))
        assert media is not None
        return media


async def test_the_app_a_file_is_declared_through_is_recorded(ctx: Context, citizen: PartnerClient) -> None:
    created = (await declare(citizen, jpeg_with_exif())).json()
    assert str((await _row(ctx, created["id"])).partner_id) == citizen.partner_id


async def test_another_app_cannot_complete_the_file(ctx: Context, app_client: httpx.AsyncClient,
                                                    citizen: PartnerClient) -> None:
    created = await _uploaded(citizen)
    bank = await _other_app(ctx, app_client, citizen.iin)
    foreign = await bank.post(f"/api/v1/media/{created['id']}/complete")
    missing = await bank.post(f"/api/v1/media/{uuid.uuid4()}/complete")
    assert foreign.status_code == missing.status_code == 404, foreign.text
    assert _problem(foreign) == _problem(missing)  # no oracle: another app's file is as good as no file
    assert (await _row(ctx, created["id"])).status == "pending"  # and it was not touched
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text


async def test_another_app_cannot_read_the_file_by_replaying_its_declaration(
        ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient) -> None:
    """Idempotency keys are each app's own, so a retry through another app declares a file of its own."""
    photo = jpeg_with_exif()
    mine = (await declare(citizen, photo, key="shared")).json()
    bank = await _other_app(ctx, app_client, citizen.iin)
    theirs = (await declare(bank, photo, key="shared")).json()
    assert theirs["id"] != mine["id"]
    assert str((await _row(ctx, theirs["id"])).partner_id) == bank.partner_id


async def test_a_report_filed_through_another_app_cannot_take_the_file(
        ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient) -> None:
    created = await _ready(citizen)
    bank = await _other_app(ctx, app_client, citizen.iin)
    foreign = await bank.submit("Разбили стекло машины, фото прилагаю", media_ids=[created["id"]])
    missing = await bank.submit("Разбили стекло машины, фото прилагаю", media_ids=[str(uuid.uuid4())])
    assert foreign.status_code == missing.status_code == 422, foreign.text
    assert foreign.json()["code"] == "media.not_found"
    assert foreign.json()["errors"] == missing.json()["errors"]
    assert [e["pointer"] for e in foreign.json()["errors"]] == ["/media_ids/0"]
    assert (await _row(ctx, created["id"])).report_id is None
    # through its own app it is attached as ever
    own = await citizen.submit("Разбили стекло машины, фото прилагаю", media_ids=[created["id"]])
    assert own.status_code == 201 and [m["id"] for m in own.json()["media"]] == [created["id"]], own.text


async def test_a_new_report_of_another_app_is_refused_the_file_by_the_service(
        ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient) -> None:
    """What the registration of a report checks its files with, given the app the report is filed through."""
    created = await _ready(citizen)
    bank = await _other_app(ctx, app_client, citizen.iin)
    media_id = uuid.UUID(created["id"])
    owner = (await _row(ctx, created["id"])).owner_citizen_id
    assert owner is not None
    async with ctx.sessions() as session:
        with pytest.raises(ZanError) as refused:
            await media_service.attach_to_new_report(session, citizen_id=owner, media_ids=[media_id],
                                                     partner_id=uuid.UUID(bank.partner_id))
        assert refused.value.code == "media.not_found"
        assert [(p.pointer, p.code) for p in refused.value.errors] == [("/media_ids/0", "not_found")]
        files = await media_service.attach_to_new_report(session, citizen_id=owner, media_ids=[media_id],
                                                         partner_id=uuid.UUID(citizen.partner_id))
        assert [m.id for m in files] == [media_id]


async def test_a_comment_through_another_app_cannot_bring_the_file(
        ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient) -> None:
    created = await _ready(citizen)
    bank = await _other_app(ctx, app_client, citizen.iin)
    report = (await bank.submit("Украли велосипед из подъезда")).json()
    url = f"/api/v1/reports/{report['id']}/comments"
    foreign = await bank.post(url, {"text": "Фото вора", "media_ids": [created["id"]]},
                              headers={"Idempotency-Key": str(uuid.uuid4())})
    missing = await bank.post(url, {"text": "Фото вора", "media_ids": [str(uuid.uuid4())]},
                              headers={"Idempotency-Key": str(uuid.uuid4())})
    assert foreign.status_code == missing.status_code == 422, foreign.text
    assert _problem(foreign) == _problem(missing)
    assert (await _row(ctx, created["id"])).report_id is None
    assert (await bank.get(f"/api/v1/reports/{report['id']}")).json()["media"] == []


async def test_a_file_of_no_app_is_used_through_any_app_of_its_owner(
        ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient) -> None:
    """Files declared before files recorded their app keep today's behaviour: their owner's, whichever app."""
    created = await _uploaded(citizen)
    async with ctx.sessions() as session:
        await session.execute(update(Media).where(Media.id == uuid.UUID(created["id"]))  # type: ignore[arg-type]
                              .values(partner_id=None))
        await session.commit()
    bank = await _other_app(ctx, app_client, citizen.iin)
    done = await bank.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text
    report = (await bank.submit("Украли велосипед из подъезда")).json()
    comment = await bank.post(f"/api/v1/reports/{report['id']}/comments",
                              {"text": "Фото вора", "media_ids": [created["id"]]},
                              headers={"Idempotency-Key": str(uuid.uuid4())})
    assert comment.status_code == 201 and comment.json()["media_ids"] == [created["id"]], comment.text
