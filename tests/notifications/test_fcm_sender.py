"""FcmSender through the real firebase-admin SDK over Http1Transport: connections, auth refresh, timeouts."""

from __future__ import annotations

import pytest

from backend.notifications.fcm import FcmSender
from backend.notifications.sender import Push
from tests.fakes.fcm import FakeFCM, configure_firebase_app, delete_firebase_app, registration_token

pytestmark = pytest.mark.anyio


def pushes(count: int) -> list[Push]:
    return [Push(key=f"delivery-{i}", token=registration_token(), title="Өтініш", body="Қабылданды")
            for i in range(count)]


async def test_connections_are_kept_alive_and_a_revoked_token_is_refreshed(fake_fcm: FakeFCM) -> None:
    app = configure_firebase_app(fake_fcm)
    sender = FcmSender(app, window=4)
    try:
        first, second = pushes(60), pushes(60)
        assert all(outcome.ok for outcome in await sender.send(first))
        fake_fcm.revoke_access_tokens()  # the SDK's flow: 401 → force a refresh → send again
        outcomes = await sender.send(second)
    finally:
        await delete_firebase_app(app)
    assert all(outcome.ok for outcome in outcomes), [o.error for o in outcomes if not o.ok]
    assert {p.target for p in fake_fcm.pushes} == {p.token for p in first + second}
    assert {p.http_version for p in fake_fcm.pushes} == {"1.1"}
    assert 401 in [a.status for a in fake_fcm.attempts] and fake_fcm.token_requests >= 2
    # 120 messages, 4 at a time: the window's 4 connections, not one per message; the OAuth grants (one per request
    # that met the 401) share the auth flow's one session
    assert fake_fcm.connections_accepted <= 4 + 2


async def test_a_timeout_is_retried_later_not_pruned(fake_fcm: FakeFCM) -> None:
    app = configure_firebase_app(fake_fcm, http_timeout=0.3)
    sender = FcmSender(app)
    (slow, fine) = pushes(2)
    fake_fcm.set_latency(2.0, slow.token or "")
    try:
        outcomes = await sender.send([slow, fine])
    finally:
        await delete_firebase_app(app)
    timed_out, delivered = outcomes
    assert delivered.ok
    assert not timed_out.ok and not timed_out.prune and not timed_out.permanent and timed_out.retry_after_s is None
    assert "DeadlineExceededError" in (timed_out.error or "")
