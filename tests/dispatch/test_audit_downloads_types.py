"""A download is served with a content type, and a stored one is not always a type the store names: evidence
recorded before declarations were checked (backend.sync.notes_evidence._content_type) may hold whatever a tablet
sent, a line break and a header after it, text/html, or a type in capitals with parameters. The link serves such a
file as the store names its type, or untyped (`.bin`), and never puts the stored text in a header."""

from __future__ import annotations

import hashlib
import uuid

import httpx
import pytest

from backend.context import Context
from backend.media.service import get_store
from backend.sync.blobs import STORED_TYPE, storage_key
from backend.sync.models import Evidence, EvidenceBlob
from tests.officers.factories import make_officer
from tests.sync.test_evidence import _local_path, _scene

pytestmark = pytest.mark.anyio

# (as recorded, served as, extension)
LEGACY = [("video/mp4\r\nSet-Cookie: zan_session=attacker", "application/octet-stream", ".bin"),
          ("text/html", "application/octet-stream", ".bin"),
          ("Video/MP4; codecs=avc1", "video/mp4", ".mp4")]


async def test_stored_types_are_served_as_the_store_names_them_or_untyped(app_client: httpx.AsyncClient,
                                                                        ctx: Context) -> None:
    scene = await _scene(ctx, app_client)
    officer, _ = await make_officer(ctx)
    files = [b"\x00\x00\x00\x18ftypmp42" + bytes([n]) * 2048 for n in range(len(LEGACY))]
    async with ctx.sessions() as session:  # verified files, declared before declarations were checked
        for data, (recorded, _, _) in zip(files, LEGACY, strict=True):
            sha = hashlib.sha256(data).hexdigest()
            await get_store(ctx).put(storage_key(sha), data, STORED_TYPE)
            session.add(EvidenceBlob(sha256=sha, size=len(data), received=len(data), complete=True))
            session.add(Evidence(id=uuid.uuid4(), report_id=uuid.UUID(scene.report_id), officer_id=officer.id,
                                 device_id="tab-old", sha256=sha, size=len(data), content_type=recorded))
            await session.commit()  # one at a time: listed in the order they were recorded

    listed = await app_client.get(f"/api/v1/dispatch/reports/{scene.report_id}/attachments",
                                  headers=scene.dispatcher)
    assert listed.status_code == 200, listed.text
    items = [i for i in listed.json()["items"] if i["source"] == "officer"]
    assert [i["sha256"] for i in items] == [hashlib.sha256(data).hexdigest() for data in files]
    for index, (item, data, (_, served, extension)) in enumerate(zip(items, files, LEGACY, strict=True), start=1):
        got = await app_client.get(_local_path(item["url"]))
        assert got.status_code == 200 and got.content == data
        assert got.headers["content-type"] == served
        assert "set-cookie" not in got.headers
        assert got.headers["content-disposition"] == f'attachment; filename="{scene.number}-{index}{extension}"'
        assert got.headers["x-content-type-options"] == "nosniff"
