"""A store that does not answer, found by the 2026-12-05 media audit; the test failed before the fix.

boto3 waits 60 s for a connection and 60 s for each answer by default, three attempts each: an S3 that stops
answering (a partition, an overloaded MinIO) held every completion for minutes, each in one of the few threads of
the default executor, instead of the 503 with Retry-After that tells the citizen's app to come back later.
"""

from __future__ import annotations

import asyncio

import pytest

from backend.context import Context
from backend.media import service as media_service
from backend.media import storage
from backend.media.storage import StoreUnavailable
from tests.fakes.s3 import S3Bucket
from tests.fakes.tcp_proxy import TcpProxy
from tests.helpers import PartnerClient, jpeg_with_exif
from tests.media.test_media_uploads import _uploaded, gated_s3  # noqa: F401  (gated_s3 is a fixture)

pytestmark = pytest.mark.anyio


async def test_a_store_that_does_not_answer_is_a_503_and_the_file_waits(
        gated_s3: tuple[PartnerClient, Context, TcpProxy, S3Bucket],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    citizen, ctx, proxy, _ = gated_s3
    # the production bound is tens of seconds; one second here, so that the test does not wait for it (not
    # `raising`: without a bound at all, the completion waits for botocore's own minutes and the guard below fails)
    monkeypatch.setattr(storage, "S3_READ_TIMEOUT_S", 1.0, raising=False)
    ctx.extras.pop("media_store", None)  # the store's boto3 client is made again, with the bound above
    photo = jpeg_with_exif()
    created = await _uploaded(citizen, photo)
    proxy.shut()  # S3 takes the connection and never answers
    try:
        # a guard against hanging the suite, far longer than three one-second attempts
        down = await asyncio.wait_for(citizen.post(f"/api/v1/media/{created['id']}/complete"), 45)
    finally:
        proxy.open()
    assert down.status_code == 503 and down.json()["code"] == "media.store_unavailable", down.text
    assert down.headers["retry-after"] == "5"
    # nothing was lost: once the store answers, the same declaration completes
    done = await citizen.post(f"/api/v1/media/{created['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text


async def test_the_health_probe_of_a_silent_store_gives_up_on_its_own(
        gated_s3: tuple[PartnerClient, Context, TcpProxy, S3Bucket]) -> None:  # noqa: F811
    """/health waits 2 s for the store's answer, but its thread went on waiting for boto3's bounds and retries:
    with the store silent, every probe left one more thread of the default executor (officer logins, routing and
    legal answers run there too) blocked for a minute and a half. The probe asks once, briefly."""
    _citizen, ctx, proxy, _ = gated_s3
    store = media_service.get_store(ctx)
    await store.ping()
    proxy.shut()
    try:
        with pytest.raises(StoreUnavailable):
            # a guard against hanging the suite, far longer than the probe's own bound
            await asyncio.wait_for(store.ping(), 20)
    finally:
        proxy.open()
    await store.ping()  # and back
