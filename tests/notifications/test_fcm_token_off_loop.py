"""Fetching FCM's OAuth access token holds no event loop: google-auth fetches it with blocking `requests` (and waits
up to 120 s for an answer), and the SDK's auth flow did that on the worker's loop whenever the token ran out (hourly),
so a slow or unreachable oauth2.googleapis.com froze everything the process runs (other jobs, lease renewals, its
heartbeat) once per message in flight. The token is now fetched in a thread, one fetch for every message waiting on
it, and its failure is a retry of those messages, not a prune (tests failed before)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable

import pytest

from backend.notifications.fcm import FcmSender
from backend.notifications.sender import Push
from tests.fakes._http1_server import Request, Response, json_response
from tests.fakes.fcm import FakeFCM, configure_firebase_app, delete_firebase_app, registration_token

pytestmark = pytest.mark.anyio
HOLD_S = 10.0  # how long the token endpoint waits for the test to let it answer (the test takes milliseconds)


class HeldOAuth(FakeFCM):
    """FakeFCM whose token endpoint answers only once the test says so (`release`), or refuses (`refuse`)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked, self.release = threading.Event(), threading.Event()
        self.refuse = False
        self.held_out = False  # the test could not release it in time: its loop was held
        self.token_asks = 0

    def handle(self, request: Request) -> Response | Awaitable[Response]:
        if request.path == "/token":
            self.token_asks += 1
            if self.refuse:
                return json_response({"error": "temporarily_unavailable"}, 503)
            if not self.release.is_set():
                return self._held(request)
        return super().handle(request)

    async def _held(self, request: Request) -> Response:
        self.asked.set()
        released = await asyncio.to_thread(self.release.wait, HOLD_S)
        self.held_out |= not released
        return self._token(request)


def _pushes(count: int) -> list[Push]:
    return [Push(key=f"d-{i}", token=registration_token(), title="Өтініш", body="Қабылданды") for i in range(count)]


async def test_the_access_token_is_fetched_off_the_loop_once_for_every_message_waiting() -> None:
    with HeldOAuth() as fcm:
        app = configure_firebase_app(fcm)
        try:
            sender = FcmSender(app, window=4)
            sending = asyncio.create_task(sender.send(_pushes(8)))
            # the loop is free while the token is being fetched: this coroutine runs and lets the endpoint answer
            assert await asyncio.to_thread(fcm.asked.wait, HOLD_S)
            fcm.release.set()
            outcomes = await sending
        finally:
            await delete_firebase_app(app)
    assert not fcm.held_out, "the token fetch held the event loop"
    assert all(outcome.ok for outcome in outcomes), [o.error for o in outcomes if not o.ok]
    assert fcm.token_asks == 1  # the four messages in flight waited for one fetch


async def test_a_token_endpoint_that_refuses_is_a_retry_not_a_prune() -> None:
    with HeldOAuth() as fcm:
        fcm.refuse = True
        app = configure_firebase_app(fcm)
        try:
            outcomes = await FcmSender(app, window=4).send(_pushes(4))
        finally:
            await delete_firebase_app(app)
    assert fcm.pushes == []
    assert all(not o.ok and not o.prune and not o.permanent for o in outcomes), outcomes
