"""The media store down when an evidence file's last chunk arrives: the answer (503 sync.blob_store_unavailable)
tells the tablet to repeat the last request later without uploading the file again (docs/tablet-sync.md, Evidence
files). Repeated as told, the request seals the file; it was answered 409 sync.blob_offset with `received` equal to
`size`, where "resume from received" leaves nothing to send, and the file stayed incomplete on the server."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import httpx
import pytest

from backend.context import Context
from backend.media.service import get_store
from backend.media.storage import StoreUnavailable
from tests.sync.test_evidence import _declare, _put, _scene, _staged

pytestmark = pytest.mark.anyio


async def test_the_last_chunk_repeated_after_a_store_outage_seals_the_file(
        app_client: httpx.AsyncClient, ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    scene = await _scene(ctx, app_client)
    data = b"\x00\x00\x00\x18ftypmp42" + os.urandom(3_000)
    sha = hashlib.sha256(data).hexdigest()
    await _declare(app_client, scene, data)
    store = get_store(ctx)
    real_put = store.put_file
    attempts: list[str] = []

    async def first_attempt_fails(key: str, *args: Any, **kwargs: Any) -> Any:
        attempts.append(key)
        if len(attempts) == 1:
            raise StoreUnavailable("store down")
        return await real_put(key, *args, **kwargs)

    monkeypatch.setattr(store, "put_file", first_attempt_fails)
    assert (await _put(app_client, scene, sha, 0, data[:1_500])).status_code == 200
    failed = await _put(app_client, scene, sha, 1_500, data[1_500:])
    assert failed.status_code == 503 and failed.json()["code"] == "sync.blob_store_unavailable", failed.text

    repeated = await _put(app_client, scene, sha, 1_500, data[1_500:])  # "repeat the last request later"
    assert repeated.status_code == 200, repeated.text
    assert repeated.json() == {"sha256": sha, "size": len(data), "received": len(data), "complete": True}
    assert len(attempts) == 2 and await _staged(ctx, sha) == 0
    # the same request once more (its answer lost): a complete file, a no-op
    assert (await _put(app_client, scene, sha, 1_500, data[1_500:])).json()["complete"] is True


async def test_a_chunk_short_of_the_end_repeated_is_still_told_where_to_resume(
        app_client: httpx.AsyncClient, ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the request that ends the file seals it again: an earlier chunk sent again appends nothing (409)."""
    scene = await _scene(ctx, app_client)
    data = os.urandom(3_000)
    sha = hashlib.sha256(data).hexdigest()
    await _declare(app_client, scene, data)
    store = get_store(ctx)

    async def down(*_args: Any, **_kwargs: Any) -> None:
        raise StoreUnavailable("store down")

    monkeypatch.setattr(store, "put_file", down)
    assert (await _put(app_client, scene, sha, 0, data[:1_000])).status_code == 200
    assert (await _put(app_client, scene, sha, 1_000, data[1_000:])).status_code == 503
    again = await _put(app_client, scene, sha, 0, data[:1_000])
    assert again.status_code == 409 and again.json()["code"] == "sync.blob_offset", again.text
    assert again.json()["received"] == len(data)
    # bytes past the declared size are refused as before
    past = await _put(app_client, scene, sha, 1_000, data[1_000:] + b"x")
    assert past.status_code == 409, past.text
