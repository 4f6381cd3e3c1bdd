"""Firebase Cloud Messaging through firebase-admin (pinned 7.7: the base-URL hook below uses a private name).

`send_each_async` sends one HTTP request per message (≤ 500 per call) concurrently; per-message failures come back
in `BatchResponse.responses[i].exception` and are classified here into prune / retry-after / retry / permanent.

Throughput (bench/notifications.py, docs/benchmarks-notifications.md): the SDK's httpx client keeps httpx's default
pool (100 connections, only 20 kept alive) and every call gathers all its messages at once. Over HTTP/1.1 (plain
http, e.g. a proxy or the fake) that means a new TCP connection for most messages and httpcore's request-to-connection
assignment, which is O(queued × connections) per event, dominating the CPU. `tune_connection_pool` gives the SDK a
pool whose keep-alive size equals its size, and `FcmSender` keeps at most that many requests in flight (a sliding
window shared by every concurrent `send`), so nothing queues inside httpcore and connections are reused.
"""

from __future__ import annotations

import asyncio
import uuid
import warnings
from collections.abc import Sequence
from typing import Any

import firebase_admin
import httpx
from firebase_admin import credentials, exceptions, messaging

from backend.notifications.sender import Outcome, Push
from backend.settings import Settings

DEFAULT_RETRY_AFTER_S = 60.0
_TARGET_FIELDS = ("message.token", "message.fid", "token", "fid")


def point_messaging_at(app: firebase_admin.App, base_url: str) -> None:
    """Send this App's messages to `base_url` (FCM_BASE_URL) instead of fcm.googleapis.com.

    firebase-admin has no public option: `_MessagingService` formats `_fcm_url` once per App; every send path posts
    to it. Call right after `initialize_app`, before the first send. Raises if a new SDK version renamed it.
    """
    service = messaging._get_messaging_service(app)
    if not hasattr(service, "_fcm_url"):
        raise RuntimeError(f"firebase-admin {firebase_admin.__version__} changed _MessagingService; re-check the hook")
    service._fcm_url = f"{base_url.rstrip('/')}/v1/projects/{app.project_id}/messages:send"


def tune_connection_pool(app: firebase_admin.App, connections: int) -> None:
    """Give this App's async FCM client a pool of `connections` kept-alive connections (default: 100, 20 kept).

    Private names again (firebase-admin 7.7): `_MessagingService._async_client` (an `HttpxAsyncClient`) wraps an
    `httpx.AsyncClient` whose mounts are `HttpxRetryTransport`s around `_wrapped_transport`. Only the inner transport
    is replaced (same `retries=0, http2=True` the SDK uses), so the SDK's retry policy and auth flow stay as they are.
    Call before the first send. Raises if a new SDK version renamed something.
    """
    service = messaging._get_messaging_service(app)
    client = getattr(getattr(service, "_async_client", None), "_async_client", None)
    mounts = getattr(client, "_mounts", None)
    if not isinstance(client, httpx.AsyncClient) or not isinstance(mounts, dict):
        raise RuntimeError(f"firebase-admin {firebase_admin.__version__} changed its async client; re-check the hook")
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=30.0)
    for transport in mounts.values():
        if not hasattr(transport, "_wrapped_transport"):
            raise RuntimeError(f"firebase-admin {firebase_admin.__version__} changed its retry transport")
        transport._wrapped_transport = httpx.AsyncHTTPTransport(retries=0, http2=True, limits=limits)


def _names_target(exc: exceptions.FirebaseError) -> bool:
    """InvalidArgument prunes only when FCM says the *registration token* is what is invalid, not the message."""
    response = getattr(exc, "http_response", None)
    try:
        body: Any = response.json() if response is not None else {}
    except ValueError:
        body = {}
    for detail in (body.get("error", {}) or {}).get("details", []) or []:
        for violation in detail.get("fieldViolations", []) or []:
            if violation.get("field") in _TARGET_FIELDS:
                return True
    return "registration token" in str(exc).lower()


def _retry_after(exc: exceptions.FirebaseError) -> float:
    response = getattr(exc, "http_response", None)
    raw = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(raw)) if raw is not None else DEFAULT_RETRY_AFTER_S
    except ValueError:
        return DEFAULT_RETRY_AFTER_S


def classify(exc: Exception) -> Outcome:
    """What to do about one failed message."""
    text = f"{type(exc).__name__}: {exc}"[:500]
    if isinstance(exc, messaging.UnregisteredError | messaging.SenderIdMismatchError):
        return Outcome(ok=False, error=text, prune=True)
    if isinstance(exc, exceptions.InvalidArgumentError):
        return Outcome(ok=False, error=text, prune=_names_target(exc), permanent=True)
    if isinstance(exc, messaging.QuotaExceededError):
        return Outcome(ok=False, error=text, retry_after_s=_retry_after(exc))
    # 500/503 (already retried by the SDK's transport), timeouts, auth hiccups: retry with our backoff
    return Outcome(ok=False, error=text)


def to_message(push: Push) -> messaging.Message:
    priority_high = push.urgent or not push.discreet
    apns_headers = {"apns-priority": "10" if priority_high else "5",
                    "apns-push-type": "background" if push.discreet else "alert"}
    if push.collapse_id:
        apns_headers["apns-collapse-id"] = push.collapse_id[:64]
    android_notification = None if push.discreet else messaging.AndroidNotification(
        tag=push.collapse_id or None, channel_id="zan_urgent" if push.urgent else "zan_updates")
    kwargs: dict[str, Any] = {
        "data": push.data,
        "notification": None if push.discreet else messaging.Notification(title=push.title, body=push.body),
        "android": messaging.AndroidConfig(priority="high" if priority_high else "normal", ttl=push.ttl_s,
                                           notification=android_notification),
        "apns": messaging.APNSConfig(
            headers=apns_headers,
            payload=messaging.APNSPayload(aps=messaging.Aps(content_available=True) if push.discreet
                                          else messaging.Aps(sound="default")),
        ),
    }
    if push.fid:
        return messaging.Message(fid=push.fid, **kwargs)
    if push.condition:
        return messaging.Message(condition=push.condition, **kwargs)
    with warnings.catch_warnings():  # registration tokens still work; 7.x only nudges towards fid
        warnings.simplefilter("ignore", DeprecationWarning)
        return messaging.Message(token=push.token, **kwargs)


class FcmSender:
    max_batch = 500
    # Requests in flight for this sender (all concurrent `send` calls together) = the connection pool's size: never
    # more requests than connections, or httpcore queues them (module docstring). Over HTTPS the SDK speaks HTTP/2,
    # so the window is streams multiplexed on a connection, and it must cover FCM's round trip (~50–100 ms from
    # here: 2,000 msg/s needs ~150 in flight). Over plain http (HTTP/1.1: a proxy, the fake) each request holds a
    # socket and httpcore's pool bookkeeping grows with the square of the pool, so a small window is fastest
    # (bench/notifications.py: 2–8 equal, 16+ slower).
    http2_window = 128
    http1_window = 8

    def __init__(self, app: firebase_admin.App, *, owned: bool = False, window: int | None = None) -> None:
        self.app = app
        self._owned = owned
        url = str(getattr(messaging._get_messaging_service(app), "_fcm_url", ""))
        self.window = window or (self.http2_window if url.startswith("https://") else self.http1_window)
        tune_connection_pool(app, self.window)
        self._slots: asyncio.Semaphore | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> FcmSender:
        if not settings.fcm_credentials_file:
            raise RuntimeError("ZAN_PUSH_BACKEND=fcm needs ZAN_FCM_CREDENTIALS_FILE (a service-account JSON)")
        options: dict[str, Any] = {"httpTimeout": 10.0}
        if settings.fcm_project_id:
            options["projectId"] = settings.fcm_project_id
        app = firebase_admin.initialize_app(credentials.Certificate(settings.fcm_credentials_file), options,
                                            name=f"zan-{uuid.uuid4().hex[:8]}")
        if settings.fcm_base_url:
            point_messaging_at(app, settings.fcm_base_url)
        return cls(app, owned=True)

    async def warm_up(self) -> None:
        """Fetch the OAuth access token now, off the loop (the SDK refreshes it with blocking `requests` inside)."""
        await asyncio.to_thread(self.app.credential.get_access_token)

    async def send(self, pushes: Sequence[Push]) -> list[Outcome]:
        if not pushes:
            return []
        if self._slots is None:  # created lazily: bound to the loop that sends (the SDK's client is too)
            self._slots = asyncio.Semaphore(self.window)
        slots = self._slots

        async def one(push: Push) -> Outcome:
            # one message per SDK call under a shared semaphore: a sliding window, no head-of-line wait for a batch
            async with slots:
                try:
                    batch = await messaging.send_each_async([to_message(push)], app=self.app)
                except (exceptions.FirebaseError, ValueError) as exc:  # the call itself failed: retry the message
                    return classify(exc)
            response = batch.responses[0]
            if response.success:
                return Outcome(ok=True, message_id=response.message_id)
            return classify(response.exception)

        return list(await asyncio.gather(*(one(p) for p in pushes)))

    async def close(self) -> None:
        if self._owned:
            # delete_app runs asyncio.run inside: keep it off the running loop
            await asyncio.to_thread(firebase_admin.delete_app, self.app)
            self._owned = False
