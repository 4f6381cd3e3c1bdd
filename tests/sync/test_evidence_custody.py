"""A sha256 and size are no secret (attachment lists, sync rows, kept after a report moves away): naming them must
not link another unit's file to one's own report, answer whether it exists, or touch another officer's upload.
Whoever declares a known hash without holding it uploads the bytes to their own staging, verified against the hash."""

from __future__ import annotations

import hashlib
import os
import uuid
from typing import Any

import httpx
import pytest

from backend.context import Context
from tests.sync.conftest import uuid7
from tests.sync.test_evidence import Scene, _chunks, _declare, _local_path, _put, _scene, _staged

pytestmark = pytest.mark.anyio

FILE = b"\x00\x00\x00\x18ftypmp42" + os.urandom(200_000)
SHA = hashlib.sha256(FILE).hexdigest()


async def _claim(client: httpx.AsyncClient, scene: Scene, data: bytes = FILE) -> dict[str, Any]:
    """Declare evidence by hash and size only (no `_declare`: that one insists on upload_complete false)."""
    mutation = {"mutation_id": uuid.uuid4().hex, "entity": "evidence", "id": uuid7(), "op": "create",
                "hlc": "0000000000001-00001-tab",
                "fields": {"report_id": scene.report_id, "sha256": hashlib.sha256(data).hexdigest(),
                           "size": len(data), "content_type": "video/mp4"}}
    pushed = await client.post("/api/v1/sync/push", json={"device_id": scene.device_id, "mutations": [mutation]},
                               headers=scene.tablet)
    assert pushed.status_code == 200, pushed.text
    result: dict[str, Any] = pushed.json()["results"][0]
    assert result["status"] == "applied", result
    return result


async def _items(client: httpx.AsyncClient, scene: Scene) -> list[dict[str, Any]]:
    listed = await client.get(f"/api/v1/dispatch/reports/{scene.report_id}/attachments", headers=scene.tablet)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def _pulled_uploaded(client: httpx.AsyncClient, scene: Scene) -> list[bool]:
    """What the tablet's own replica says of its evidence rows (an initial pull, all pages)."""
    flags: list[bool] = []
    cursor: str | None = None
    while True:
        pulled = await client.get("/api/v1/sync/pull", params={"cursor": cursor} if cursor else {},
                                  headers=scene.tablet)
        assert pulled.status_code == 200, pulled.text
        page = pulled.json()
        flags += [row["uploaded"] for row in page["changes"].get("evidence", {}).get("upserted", [])
                  if row["report_id"] == scene.report_id]
        if not page["has_more"]:
            return flags
        cursor = page["cursor"]


async def _upload(client: httpx.AsyncClient, scene: Scene, data: bytes = FILE) -> dict[str, Any]:
    for offset, chunk in _chunks(data, 64 * 1024):
        answer = await _put(client, scene, hashlib.sha256(data).hexdigest(), offset, chunk)
        assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_known_hash_is_no_key_to_another_units_file(app_client: httpx.AsyncClient, ctx: Context) -> None:
    a = await _scene(ctx, app_client)
    await _declare(app_client, a, FILE)
    assert (await _upload(app_client, a))["complete"] is True
    b = await _scene(ctx, app_client)
    # no oracle: the file exists, but B is told to upload it like any new file
    assert (await _claim(app_client, b))["upload_complete"] is False
    [item] = await _items(app_client, b)
    assert (item["uploaded"], item["url"]) == (False, None)
    assert await _pulled_uploaded(app_client, b) == [False]  # nor does B's replica learn it
    status = await app_client.get(f"/api/v1/sync/evidence/{SHA}", headers=b.tablet)
    assert status.json() == {"sha256": SHA, "size": len(FILE), "received": 0, "complete": False}
    # bytes that are not the file are refused, and A's file is untouched
    forged = b"\x00" * len(FILE)
    assert (await _put(app_client, b, SHA, 0, forged[:100_000])).status_code == 200
    refused = await _put(app_client, b, SHA, 100_000, forged[100_000:])
    assert refused.status_code == 422 and refused.json()["code"] == "sync.blob_hash_mismatch"
    assert (await _items(app_client, b))[0]["url"] is None
    [mine] = await _items(app_client, a)
    assert (await app_client.get(_local_path(mine["url"]))).content == FILE
    # the real bytes, uploaded by B, make B's item downloadable (deduplicated to the one stored file)
    assert (await _upload(app_client, b)) == {"sha256": SHA, "size": len(FILE), "received": len(FILE),
                                              "complete": True}
    [item] = await _items(app_client, b)
    assert item["uploaded"] is True and (await app_client.get(_local_path(item["url"]))).content == FILE
    assert await _pulled_uploaded(app_client, b) == [True]
    assert await _staged(ctx, SHA) == 0


async def test_a_stranger_cannot_feed_or_reset_an_upload_in_progress(app_client: httpx.AsyncClient,
                                                                     ctx: Context) -> None:
    a = await _scene(ctx, app_client)
    await _declare(app_client, a, FILE)
    assert (await _put(app_client, a, SHA, 0, FILE[:150_000])).json()["received"] == 150_000
    b = await _scene(ctx, app_client)
    assert (await app_client.get(f"/api/v1/sync/evidence/{SHA}", headers=b.tablet)).status_code == 404
    assert (await _claim(app_client, b))["upload_complete"] is False
    # B's chunks go to B's own staging: A's offset is not B's, and a wrong last chunk resets only B's
    assert (await app_client.get(f"/api/v1/sync/evidence/{SHA}", headers=b.tablet)).json()["received"] == 0
    misplaced = await _put(app_client, b, SHA, 150_000, b"x" * (len(FILE) - 150_000))
    assert misplaced.status_code == 409 and misplaced.json()["received"] == 0
    assert (await _put(app_client, b, SHA, 0, b"x" * 150_000)).status_code == 200
    refused = await _put(app_client, b, SHA, 150_000, b"x" * (len(FILE) - 150_000))
    assert refused.status_code == 422
    status = (await app_client.get(f"/api/v1/sync/evidence/{SHA}", headers=a.tablet)).json()
    assert (status["received"], status["complete"]) == (150_000, False)
    # A resumes where it was and finishes; B still owes its own bytes
    assert (await _put(app_client, a, SHA, 150_000, FILE[150_000:])).json()["complete"] is True
    assert [(i["uploaded"], i["url"]) for i in await _items(app_client, b)] == [(False, None)]
    assert (await _items(app_client, a))[0]["uploaded"] is True


async def test_a_verified_proof_completes_an_unfinished_shared_upload(app_client: httpx.AsyncClient,
                                                                      ctx: Context) -> None:
    a = await _scene(ctx, app_client)
    await _declare(app_client, a, FILE)
    assert (await _put(app_client, a, SHA, 0, FILE[:1000])).status_code == 200
    b = await _scene(ctx, app_client)
    await _claim(app_client, b)
    assert (await _upload(app_client, b))["complete"] is True
    # the same bytes, verified: A's upload is complete too, A's next chunk is a no-op, nothing stays staged
    assert (await _put(app_client, a, SHA, 1000, FILE[1000:2000])).json()["complete"] is True
    assert await _staged(ctx, SHA) == 0
    for scene in (a, b):
        [item] = await _items(app_client, scene)
        assert (await app_client.get(_local_path(item["url"]))).content == FILE


async def test_the_same_unit_declaring_a_file_it_holds_needs_no_upload(app_client: httpx.AsyncClient,
                                                                       ctx: Context) -> None:
    a = await _scene(ctx, app_client)
    await _declare(app_client, a, FILE)
    await _upload(app_client, a)
    # the same tablet declares the file again under another id (a lost answer): the item first stored, complete
    again = await _claim(app_client, a)
    assert again["upload_complete"] is True and "existing_id" in again
