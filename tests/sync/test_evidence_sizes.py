"""A declared size is a claim until the bytes hash right. A declaration that never completed (a buggy tablet's wrong
size, declared first) must not block a correct one: the correct one uploads apart, its verified bytes complete the
shared file with their true size, and only then is the size fixed for everyone."""

from __future__ import annotations

import hashlib
import os
import uuid
from typing import Any

import httpx
import pytest

from backend.context import Context
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import uuid7
from tests.sync.test_evidence import Scene, _chunks, _local_path, _put, _scene, _staged, assigned_by_console

pytestmark = pytest.mark.anyio

FILE = b"\x00\x00\x00\x18ftypmp42" + os.urandom(150_000)
SHA = hashlib.sha256(FILE).hexdigest()
WRONG = len(FILE) + 4096  # what a buggy tablet claims


async def _crew_scene(ctx: Context, client: httpx.AsyncClient) -> tuple[Scene, Scene]:
    """One report assigned to a unit whose two officers are each logged in on a tablet of their own."""
    unit = await make_unit(ctx)
    report, console = await assigned_by_console(ctx, client, unit)
    scenes = []
    for _ in range(2):
        officer, pw = await make_officer(ctx, unit=unit)
        device_id = f"tab-{uuid.uuid4().hex[:8]}"
        scenes.append(Scene(str(report.id), report.number, bearer(await login(client, officer.badge_number, pw,
                                                                                    device_id)),
                            device_id, console))
    return scenes[0], scenes[1]


async def _claim(client: httpx.AsyncClient, scene: Scene, size: int) -> dict[str, Any]:
    mutation = {"mutation_id": uuid.uuid4().hex, "entity": "evidence", "id": uuid7(), "op": "create",
                "hlc": "0000000000001-00001-tab",
                "fields": {"report_id": scene.report_id, "sha256": SHA, "size": size, "content_type": "video/mp4"}}
    pushed = await client.post("/api/v1/sync/push", json={"device_id": scene.device_id, "mutations": [mutation]},
                               headers=scene.tablet)
    assert pushed.status_code == 200, pushed.text
    result: dict[str, Any] = pushed.json()["results"][0]
    return result


async def _upload(client: httpx.AsyncClient, scene: Scene) -> dict[str, Any]:
    for offset, chunk in _chunks(FILE, 64 * 1024):
        answer = await _put(client, scene, SHA, offset, chunk)
        assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def _status(client: httpx.AsyncClient, scene: Scene) -> dict[str, Any]:
    got = await client.get(f"/api/v1/sync/evidence/{SHA}", headers=scene.tablet)
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


async def _downloaded(client: httpx.AsyncClient, scene: Scene) -> bytes:
    listed = await client.get(f"/api/v1/dispatch/reports/{scene.report_id}/attachments", headers=scene.dispatcher)
    assert listed.status_code == 200, listed.text
    [item] = [i for i in listed.json()["items"] if i["source"] == "officer"]
    assert item["uploaded"] is True, item
    return (await client.get(_local_path(item["url"]))).content


async def test_a_crewmates_wrong_size_declared_first_does_not_block_the_right_one(app_client: httpx.AsyncClient,
                                                                                 ctx: Context) -> None:
    buggy, honest = await _crew_scene(ctx, app_client)
    assert (await _claim(app_client, buggy, WRONG))["status"] == "applied"
    # the buggy tablet has started its upload under the wrong size
    assert (await _put(app_client, buggy, SHA, 0, FILE[:50_000])).status_code == 200
    declared = await _claim(app_client, honest, len(FILE))
    assert declared["status"] == "applied" and declared["upload_complete"] is False, declared
    # the honest tablet gets an upload of its own at its size; the buggy one's progress is untouched
    assert await _status(app_client, honest) == {"sha256": SHA, "size": len(FILE), "received": 0, "complete": False}
    assert (await _status(app_client, buggy))["received"] == 50_000
    assert await _upload(app_client, honest) == {"sha256": SHA, "size": len(FILE), "received": len(FILE),
                                                 "complete": True}
    # the verified bytes fixed the size for everyone: the buggy tablet's next chunk is a no-op, nothing staged
    assert (await _status(app_client, buggy)) == {"sha256": SHA, "size": len(FILE), "received": len(FILE),
                                                  "complete": True}
    assert (await _put(app_client, buggy, SHA, 50_000, FILE[50_000:60_000])).json()["complete"] is True
    assert await _staged(ctx, SHA) == 0
    assert await _downloaded(app_client, honest) == FILE


async def test_a_stranger_with_the_right_size_completes_a_wrong_sized_upload(app_client: httpx.AsyncClient,
                                                                            ctx: Context) -> None:
    buggy = await _scene(ctx, app_client)
    assert (await _claim(app_client, buggy, WRONG))["status"] == "applied"
    other = await _scene(ctx, app_client)
    declared = await _claim(app_client, other, len(FILE))
    assert declared["status"] == "applied" and declared["upload_complete"] is False, declared
    assert (await _upload(app_client, other))["complete"] is True
    assert await _downloaded(app_client, other) == FILE
    assert await _downloaded(app_client, buggy) == FILE  # the same bytes, whatever size was claimed for them
    # the size the bytes proved, not the first claim, is what every later declaration is checked against
    assert await _status(app_client, buggy) == {"sha256": SHA, "size": len(FILE), "received": len(FILE),
                                                "complete": True}


async def test_the_same_tablet_correcting_its_size_restarts_only_its_own_upload(app_client: httpx.AsyncClient,
                                                                               ctx: Context) -> None:
    scene = await _scene(ctx, app_client)
    assert (await _claim(app_client, scene, WRONG))["status"] == "applied"
    corrected = await _claim(app_client, scene, len(FILE))  # an app update fixed its size computation
    assert corrected["status"] == "applied" and corrected["upload_complete"] is False, corrected
    assert (await _upload(app_client, scene))["complete"] is True
    assert await _downloaded(app_client, scene) == FILE


async def test_once_the_bytes_verified_the_size_is_fixed(app_client: httpx.AsyncClient, ctx: Context) -> None:
    scene = await _scene(ctx, app_client)
    assert (await _claim(app_client, scene, len(FILE)))["status"] == "applied"
    assert (await _upload(app_client, scene))["complete"] is True
    late = await _claim(app_client, scene, WRONG)
    assert late["status"] == "rejected" and late["reason"] == "size_mismatch"
