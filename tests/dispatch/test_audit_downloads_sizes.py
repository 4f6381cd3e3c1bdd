"""The size staff and tablets see next to a field evidence link is the stored file's. A tablet's declared size is a
claim (backend.sync.blobs.declared_key): when another declaration's verified bytes complete the file, the item that
claimed a wrong size links to the right file and must not go on showing the wrong size for it."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from tests.sync.test_evidence import _local_path, _scene
from tests.sync.test_evidence_sizes import FILE, WRONG, _claim, _upload

pytestmark = pytest.mark.anyio


async def test_a_wrong_declared_size_is_not_shown_once_the_verified_file_is_linked(app_client: httpx.AsyncClient,
                                                                                  ctx: Context) -> None:
    buggy = await _scene(ctx, app_client)
    assert (await _claim(app_client, buggy, WRONG))["status"] == "applied"
    # before the bytes came, the declared size is all there is
    listed = await app_client.get(f"/api/v1/dispatch/reports/{buggy.report_id}/attachments",
                                  headers=buggy.dispatcher)
    [waiting] = [i for i in listed.json()["items"] if i["source"] == "officer"]
    assert waiting["uploaded"] is False and waiting["url"] is None and waiting["size"] == WRONG
    other = await _scene(ctx, app_client)
    await _claim(app_client, other, len(FILE))
    assert (await _upload(app_client, other))["complete"] is True

    listed = await app_client.get(f"/api/v1/dispatch/reports/{buggy.report_id}/attachments",
                                  headers=buggy.dispatcher)
    assert listed.status_code == 200, listed.text
    [item] = [i for i in listed.json()["items"] if i["source"] == "officer"]
    assert item["uploaded"] is True
    downloaded = await app_client.get(_local_path(item["url"]))
    assert downloaded.content == FILE
    assert item["size"] == len(FILE) == len(downloaded.content)

    # the buggy tablet's replica: the row it pulls says uploaded, with the file's own size
    pulled = await app_client.get("/api/v1/sync/pull", headers=buggy.tablet)
    assert pulled.status_code == 200, pulled.text
    [row] = pulled.json()["changes"]["evidence"]["upserted"]
    assert row["uploaded"] is True and row["size"] == len(FILE), row
