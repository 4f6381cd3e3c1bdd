"""A 401 answered to a message sent with an access token that has been replaced meanwhile resends with the new token
and fetches none: FCM refusing a revoked token answers 401 to every message in flight with it, and the first of them
fetches the new one. Before, each 401 that came back after that fetch had finished started a fetch of its own: one
per message in flight again, what the shared fetch (backend.notifications.fcm._AuthFlow) was made to end."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import pytest

from backend.notifications.fcm import FcmSender
from backend.notifications.sender import Push
from tests.fakes._http1_server import Request, Response
from tests.fakes.fcm import FakeFCM, configure_firebase_app, delete_firebase_app, registration_token

pytestmark = pytest.mark.anyio
HOLD_S = 10.0  # how long a held answer waits for the new token (the test takes milliseconds)
LATE = registration_token("late")


class LateRefusal(FakeFCM):
    """FakeFCM whose answer to a message for LATE is held, once `hold` is set, until the other message went through
    (`pushes` reaches `delivered_before_late`): refused then (401, its token revoked) after the fetch the other
    message's 401 started has finished and that message was resent with the new token."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = False
        self.delivered_before_late = 0
        self.held_out = False

    def handle(self, request: Request) -> Response | Awaitable[Response]:
        if self.hold and request.path.endswith("/messages:send") and LATE.encode() in request.body:
            return self._late(request)
        return super().handle(request)

    async def _late(self, request: Request) -> Response:
        try:
            await asyncio.to_thread(self.wait_for_pushes, self.delivered_before_late, HOLD_S)
        except TimeoutError:
            self.held_out = True
        answer = super().handle(request)
        return await answer if isinstance(answer, Awaitable) else answer


async def test_a_401_after_the_token_was_renewed_resends_with_it_and_fetches_none() -> None:
    with LateRefusal() as fcm:
        app = configure_firebase_app(fcm)
        try:
            sender = FcmSender(app, window=2)
            first = await sender.send([Push(key="warm", token=registration_token(), title="Өтініш", body="Қабылданды")])
            assert first[0].ok, first[0].error
            assert fcm.token_requests == 1
            fcm.revoke_access_tokens()  # both messages below go out with the revoked token, valid by its clock
            fcm.hold, fcm.delivered_before_late = True, 2  # the warm-up's and the early one's
            outcomes = await sender.send([Push(key="early", token=registration_token(), title="Өтініш", body="."),
                                          Push(key="late", token=LATE, title="Өтініш", body=".")])
        finally:
            await delete_firebase_app(app)
    assert not fcm.held_out, "the early message did not go through while the late one was held"
    assert all(outcome.ok for outcome in outcomes), [o.error for o in outcomes if not o.ok]
    assert fcm.token_requests == 2  # before: 3, the late 401 fetched again the token the early one had fetched
