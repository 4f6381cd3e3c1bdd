"""The fake FCM v1 + OAuth endpoints driven by the real firebase-admin 7.7 SDK."""

from __future__ import annotations

import asyncio
import json
import warnings

import firebase_admin
import pytest
from firebase_admin import exceptions, messaging

from tests.fakes.fcm import FakeFCM, configure_firebase_app, delete_firebase_app

pytestmark = pytest.mark.anyio


def push(target: str) -> messaging.Message:
    with warnings.catch_warnings():  # 7.x: "Message.token is deprecated. Use Message.fid instead."
        warnings.simplefilter("ignore", DeprecationWarning)
        return messaging.Message(
            token=target,
            notification=messaging.Notification(title="Заявка №17", body="Статус: принята"),
            data={"report_id": "17"},
        )


async def test_success_records_message_over_http11(fake_fcm: FakeFCM, firebase_app: firebase_admin.App) -> None:
    batch = await messaging.send_each_async([push("device-a"), push("device-b")], app=firebase_app)

    assert batch.success_count == 2
    assert batch.responses[0].message_id.startswith("projects/zan-test/messages/")
    sent = fake_fcm.pushes_to("device-a")[0]
    assert sent.message["notification"] == {"title": "Заявка №17", "body": "Статус: принята"}
    assert sent.message["data"] == {"report_id": "17"} and not sent.validate_only
    assert sent.http_version == "1.1"  # the SDK asks for HTTP/2, httpx falls back to 1.1 on plain http
    assert fake_fcm.token_requests == 1  # one OAuth grant for both messages


async def test_permanent_token_errors(fake_fcm: FakeFCM, firebase_app: firebase_admin.App) -> None:
    fake_fcm.set_behaviour("gone", "unregistered")
    fake_fcm.set_behaviour("other-sender", "sender_id_mismatch")
    fake_fcm.set_behaviour("garbage", "invalid_argument")

    batch = await messaging.send_each_async([push("gone"), push("other-sender"), push("garbage")], app=firebase_app)

    gone, mismatch, invalid = (response.exception for response in batch.responses)
    assert batch.failure_count == 3
    assert isinstance(gone, messaging.UnregisteredError) and gone.http_response.status_code == 404
    assert isinstance(mismatch, messaging.SenderIdMismatchError)
    assert isinstance(invalid, exceptions.InvalidArgumentError)
    violations = json.loads(invalid.http_response.text)["error"]["details"][1]["fieldViolations"]
    assert violations[0]["field"] == "message.token"  # "names the registration token": safe to prune
    assert fake_fcm.pushes == []


async def test_quota_is_not_retried_by_the_sdk(fake_fcm: FakeFCM, firebase_app: firebase_admin.App) -> None:
    fake_fcm.set_behaviour("busy", "quota", times=1, retry_after=30)

    first = await messaging.send_each_async([push("busy")], app=firebase_app)
    error = first.responses[0].exception
    assert isinstance(error, messaging.QuotaExceededError)
    assert error.http_response.headers["Retry-After"] == "30"
    assert [a.status for a in fake_fcm.attempts] == [429]

    second = await messaging.send_each_async([push("busy")], app=firebase_app)  # the caller requeues
    assert second.success_count == 1


async def test_unavailable_is_retried_by_the_sdk(fake_fcm: FakeFCM, firebase_app: firebase_admin.App) -> None:
    fake_fcm.set_behaviour("flaky", "unavailable", times=1)  # one 503: the retry has no backoff

    batch = await messaging.send_each_async([push("flaky")], app=firebase_app)

    assert batch.success_count == 1
    assert [a.status for a in fake_fcm.attempts] == [503, 200]


async def test_expired_token_is_refreshed(fake_fcm: FakeFCM, firebase_app: firebase_admin.App) -> None:
    await messaging.send_each_async([push("a")], app=firebase_app)
    fake_fcm.revoke_access_tokens()

    batch = await messaging.send_each_async([push("a")], app=firebase_app)

    assert batch.success_count == 1 and fake_fcm.token_requests == 2
    assert [a.status for a in fake_fcm.attempts] == [200, 401, 200]


async def test_latency_and_dry_run(fake_fcm: FakeFCM, firebase_app: firebase_admin.App) -> None:
    fake_fcm.set_latency(0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    batch = await messaging.send_each_async([push("x"), push("y")], dry_run=True, app=firebase_app)
    elapsed = loop.time() - started
    assert batch.success_count == 2 and 0.3 <= elapsed < 0.6  # concurrent requests
    assert batch.responses[0].message_id == "projects/zan-test/messages/fake_message_id"
    assert all(p.validate_only for p in fake_fcm.pushes)


def test_sync_send_and_app_lifecycle(fake_fcm: FakeFCM) -> None:
    """The requests-based path (`messaging.send`) uses the same hook; delete_app works outside a loop."""
    app = configure_firebase_app(fake_fcm, project_id="zan-sync")
    try:
        assert messaging.send(push("sync"), app=app).startswith("projects/zan-sync/messages/")
    finally:
        firebase_admin.delete_app(app)


async def test_delete_app_needs_a_thread_inside_a_loop(fake_fcm: FakeFCM) -> None:
    app = configure_firebase_app(fake_fcm)
    await messaging.send_each_async([push("x")], app=app)
    await delete_firebase_app(app)
    with pytest.raises(ValueError, match="does not exist"):
        firebase_admin.get_app(app.name)
