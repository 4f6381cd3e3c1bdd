"""A loopback HTTP endpoint that records every request it receives (headers and raw body).

Use it as the target of outgoing webhooks (partner callbacks, Telegram webhook deliveries from the fake Bot API):

    with WebhookReceiver() as receiver:
        notify_partner(url=receiver.url("/hooks/partner"))
        delivery = receiver.wait_for_deliveries(1)[0]
        assert delivery.json()["status"] == "accepted"

Failures and slowness are scripted: `fail_next(2, status=500)` answers the next two requests with 500 (recorded
too, with `delivery.answered_status`), `delay_next(1, seconds=3)` holds the next answer for 3 s so a sender's timeout
fires. Every request is recorded whatever the answer, in arrival order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes._loopback import LoopbackServer, wait_until, wait_until_async


@dataclass(frozen=True)
class Delivery:
    """One request as received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # header names lower-cased
    body: bytes
    received_at: float  # time.monotonic()
    answered_status: int

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class _Script:
    status: int
    remaining: int
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _State:
    deliveries: list[Delivery] = field(default_factory=list)
    scripts: list[_Script] = field(default_factory=list)


class WebhookReceiver(LoopbackServer):
    """Records POST/PUT/GET requests on any path; answers `default_status` unless scripted otherwise."""

    thread_name = "fake-webhook-receiver"

    def __init__(self, *, default_status: int = 200, default_body: bytes = b'{"ok":true}') -> None:
        super().__init__()
        self.default_status = default_status
        self.default_body = default_body
        self._changed = threading.Condition(threading.RLock())
        self._state = _State()
        self._stopping: asyncio.Event | None = None

    def url(self, path: str = "/webhook") -> str:
        return self.base_url + path

    # -- scripting -------------------------------------------------------------------------------------------------
    def fail_next(self, times: int = 1, *, status: int = 500, headers: dict[str, str] | None = None) -> None:
        """Answer the next `times` requests with `status` (and `headers`, e.g. a Retry-After)."""
        with self._changed:
            self._state.scripts.append(_Script(status=status, remaining=times, headers=dict(headers or {})))

    def delay_next(self, times: int = 1, *, seconds: float, status: int | None = None) -> None:
        """Hold the answer of the next `times` requests for `seconds` (then answer `status` or the default)."""
        with self._changed:
            self._state.scripts.append(_Script(status=status or self.default_status, remaining=times, delay=seconds))

    def reset(self) -> None:
        with self._changed:
            self._state = _State()

    # -- assertions ------------------------------------------------------------------------------------------------
    @property
    def deliveries(self) -> list[Delivery]:
        with self._changed:
            return list(self._state.deliveries)

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> list[Delivery]:
        """Block until at least `count` requests arrived; return all of them."""
        return wait_until(lambda: self._at_least(count), timeout, f"{count} webhook deliveries", self._changed)

    async def wait_for_deliveries_async(self, count: int, timeout: float = 5.0) -> list[Delivery]:  # noqa: ASYNC109
        return await wait_until_async(lambda: self._at_least(count), timeout, f"{count} webhook deliveries")

    def _at_least(self, count: int) -> list[Delivery] | None:
        with self._changed:
            return list(self._state.deliveries) if len(self._state.deliveries) >= count else None

    # -- server ----------------------------------------------------------------------------------------------------
    def build_app(self) -> web.Application:
        self._stopping = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._receive)
        return app

    async def on_stopping(self) -> None:
        if self._stopping is not None:
            self._stopping.set()

    def _next_script(self) -> _Script | None:
        with self._changed:
            while self._state.scripts and self._state.scripts[0].remaining <= 0:
                self._state.scripts.pop(0)
            if not self._state.scripts:
                return None
            script = self._state.scripts[0]
            script.remaining -= 1
            return script

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        script = self._next_script()
        status = script.status if script else self.default_status
        delivery = Delivery(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            received_at=time.monotonic(),
            answered_status=status,
        )
        with self._changed:
            self._state.deliveries.append(delivery)
            self._changed.notify_all()
        if script and script.delay and self._stopping is not None:
            with contextlib.suppress(TimeoutError):  # a stopping server does not keep slow answers waiting
                await asyncio.wait_for(self._stopping.wait(), script.delay)
        payload = self.default_body if 200 <= status < 300 else b'{"error":"scripted failure"}'
        return web.Response(status=status, body=payload, content_type="application/json",
                            headers=script.headers if script else None)
