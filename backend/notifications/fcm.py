"""Firebase Cloud Messaging through firebase-admin (pinned 7.7: the hooks below use private names, guarded).

`send_each_async` sends one HTTP request per message (≤ 500 per call) concurrently; per-message failures come back
in `BatchResponse.responses[i].exception` and are classified here into prune / retry-after / retry / permanent.

Throughput (bench/notifications.py, docs/benchmarks-notifications.md): per message the SDK builds an httpx request,
runs its auth flow and retry transport, and hands the request to httpx's transport. `lighten_async_client` keeps all
of that, and the SDK's error mapping, but removes four costs that buy nothing for FCM: httpcore's transport
(replaced by `http1.Http1Transport`, a keep-alive pool sized to `FcmSender.window`: ~60 % of the CPU per message),
a cookie jar that parses every response (FCM sets no cookies), a fresh `requests.Session` per message inside the
SDK's auth flow (only used when the token must be refreshed) and a `copy.deepcopy` of the retry policy per request.
`FcmSender` keeps at most `window` requests in flight (a sliding window shared by every concurrent `send`).
"""

from __future__ import annotations

import asyncio
import copy
import time
import uuid
import warnings
from collections.abc import AsyncGenerator, Sequence
from typing import Any

import firebase_admin
import httpx
from firebase_admin import _http_client, _retry, credentials, exceptions, messaging
from google.auth.transport import requests as google_auth_requests

from backend.lib.http1 import Http1Transport
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


class _NoCookies(httpx.Cookies):
    """FCM and Google's OAuth endpoint set no cookies: skip httpx's per-response cookie-jar parsing."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class _TimedRequest(google_auth_requests.Request):
    """google-auth's `requests` transport with a bound on each call: it waits 120 s for the token endpoint's answer
    by default."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__()
        self._timeout_s = timeout_s

    def __call__(self, url: str, method: str = "GET", body: Any = None, headers: Any = None,
                 timeout: float | None = None, **kwargs: Any) -> Any:
        return super().__call__(url, method=method, body=body, headers=headers, timeout=timeout or self._timeout_s,
                                **kwargs)


class _AuthFlow(_http_client.GoogleAuthCredentialFlow):
    """The SDK's auth flow (token on every request; on 401 force a refresh, at most twice, and resend), with the
    access token fetched in a thread, one fetch at a time. google-auth fetches it with blocking `requests`, and the
    SDK's flow did so on the event loop whenever the token ran out (hourly): a slow or unreachable token endpoint
    froze the worker (its other jobs, lease renewals, heartbeat), once per message in flight. Every message that
    needs the token meanwhile waits for the one fetch, and shares its failure (the messages are retried later). One
    google-auth `Request` (a `requests.Session`) is kept for the fetches instead of a new one built per message."""

    def __init__(self, credential: Any, timeout_s: float) -> None:
        super().__init__(credential)
        self._auth_request = _TimedRequest(timeout_s)
        self._fetching: asyncio.Future[None] | None = None

    async def _fetch_token(self) -> None:
        if self._fetching is None or self._fetching.done():
            self._fetching = asyncio.ensure_future(asyncio.to_thread(self._credential.refresh, self._auth_request))
            # read its failure even when every waiter was cancelled (no "exception was never retrieved" in the log)
            self._fetching.add_done_callback(lambda f: f.cancelled() or f.exception())
        await asyncio.shield(self._fetching)  # a message given up on does not cancel the others' fetch

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        original_headers = request.headers.copy()
        refreshes = 0
        while True:
            request.headers = original_headers.copy()
            if not self._credential.valid:
                await self._fetch_token()
            sent_with = self._credential.token
            self.apply_auth_headers(request, self._auth_request)  # the token is valid: nothing is fetched here
            response = yield request
            if response.status_code not in self._refresh_status_codes or refreshes >= self._max_refresh_attempts:
                return
            # refused: fetch again only if no other message's fetch replaced that token meanwhile (one fetch per
            # refused token, not one per message in flight)
            if self._credential.token == sent_with:
                await self._fetch_token()
            refreshes += 1


class _Retry(_retry.HttpxRetry):
    """The SDK's retry policy (500/503, backoff); `copy()`, run once per request, without `copy.deepcopy`."""

    @classmethod
    def like(cls, policy: _retry.HttpxRetry) -> _Retry:
        same = cls(max_retries=policy.retries_left, status_forcelist=policy.status_forcelist,
                   backoff_factor=policy.backoff_factor, backoff_max=policy.backoff_max,
                   backoff_jitter=policy.backoff_jitter, respect_retry_after_header=policy.respect_retry_after_header)
        if vars(same) != vars(policy):  # the SDK grew a setting this copy does not carry
            raise RuntimeError(f"firebase-admin {firebase_admin.__version__} changed HttpxRetry; re-check the hook")
        return same

    def copy(self) -> _Retry:
        clone = copy.copy(self)
        clone.history = list(self.history)
        return clone


def lighten_async_client(app: firebase_admin.App, connections: int, timeout_s: float) -> None:
    """Put `Http1Transport(max_connections=connections)`, no cookie jar and `_AuthFlow` into this App's async client.

    firebase-admin 7.7: `_MessagingService._async_client` (an `HttpxAsyncClient`) wraps an `httpx.AsyncClient` whose
    mounts are `HttpxRetryTransport`s around `_wrapped_transport` (an httpcore pool). Only that inner transport is
    replaced, so the SDK's request building, 500/503 retry policy and error mapping stay as they are. Call before
    the first send. Raises if a new SDK or httpx version renamed something.
    """
    service = messaging._get_messaging_service(app)
    client = getattr(getattr(service, "_async_client", None), "_async_client", None)
    mounts = getattr(client, "_mounts", None)
    if (not isinstance(client, httpx.AsyncClient) or not isinstance(mounts, dict) or not hasattr(client, "_cookies")
            or not isinstance(client.auth, _http_client.GoogleAuthCredentialFlow)):
        raise RuntimeError(f"firebase-admin {firebase_admin.__version__} changed its async client; re-check the hook")
    for transport in mounts.values():
        if not hasattr(transport, "_wrapped_transport") or not isinstance(transport._retry, _retry.HttpxRetry):
            raise RuntimeError(f"firebase-admin {firebase_admin.__version__} changed its retry transport")
        transport._wrapped_transport = Http1Transport(max_connections=connections)
        transport._retry = _Retry.like(transport._retry)
    client._cookies = _NoCookies()
    client.auth = _AuthFlow(client.auth._credential, timeout_s)


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
    given = _given_retry_after(exc)
    return given if given is not None else DEFAULT_RETRY_AFTER_S


def _given_retry_after(exc: exceptions.FirebaseError) -> float | None:
    """The seconds FCM's Retry-After asks for, if it sent one (in seconds; an HTTP date is not used by FCM)."""
    response = getattr(exc, "http_response", None)
    raw = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None


def classify(exc: Exception) -> Outcome:
    """What to do about one failed message."""
    text = f"{type(exc).__name__}: {exc}"[:500]
    if isinstance(exc, messaging.UnregisteredError | messaging.SenderIdMismatchError):
        return Outcome(ok=False, error=text, prune=True)
    if isinstance(exc, exceptions.InvalidArgumentError):
        return Outcome(ok=False, error=text, prune=_names_target(exc), permanent=True)
    if isinstance(exc, messaging.QuotaExceededError):
        return Outcome(ok=False, error=text, retry_after_s=_retry_after(exc))
    # 500/503 (already retried by the SDK's transport, within seconds and ignoring Retry-After), timeouts, auth
    # hiccups: retry with our backoff, or later if FCM's outage answer said when to come back (its docs: honour it)
    if isinstance(exc, exceptions.FirebaseError):
        return Outcome(ok=False, error=text, retry_after_s=_given_retry_after(exc))
    return Outcome(ok=False, error=text)


def to_message(push: Push) -> messaging.Message:
    priority_high = push.urgent or not push.discreet
    apns_headers = {"apns-priority": "10" if priority_high else "5",
                    "apns-push-type": "background" if push.discreet else "alert"}
    if push.collapse_id:
        apns_headers["apns-collapse-id"] = push.collapse_id[:64]
    if push.ttl_s is not None:
        # APNs has no TTL: without an expiry FCM lets Apple keep the message for weeks, and an iPhone coming online
        # would show an alert long lifted (Android's `ttl` below says the same to FCM)
        apns_headers["apns-expiration"] = str(int(time.time()) + max(0, int(push.ttl_s)))
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
    # Requests in flight for this sender (all concurrent `send` calls together) = connections in its pool (HTTP/1.1:
    # one request per connection at a time). Over the internet the window must cover FCM's round trip: 2,000 msg/s
    # at ~50–100 ms needs ~150 in flight. On loopback (the fake, a local proxy) a few are enough, and more only
    # cost memory (bench/notifications.py: CPU per message is flat from 4 to 64).
    remote_window = 128
    local_window = 16
    # one HTTP attempt's limit (the SDK's httpTimeout); delivery.lease_for sizes claims from it and the window
    timeout_s = 10.0

    def __init__(self, app: firebase_admin.App, *, owned: bool = False, window: int | None = None) -> None:
        self.app = app
        self._owned = owned
        host = httpx.URL(str(getattr(messaging._get_messaging_service(app), "_fcm_url", ""))).host
        self.window = window or (self.local_window if host in ("127.0.0.1", "localhost", "::1") else self.remote_window)
        lighten_async_client(app, self.window, self.timeout_s)
        self._slots: asyncio.Semaphore | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> FcmSender:
        if not settings.fcm_credentials_file:
            raise RuntimeError("ZAN_PUSH_BACKEND=fcm needs ZAN_FCM_CREDENTIALS_FILE (a service-account JSON)")
        options: dict[str, Any] = {"httpTimeout": cls.timeout_s}
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
        outcomes: dict[int, Outcome] = {}
        todo = iter(enumerate(pushes))

        async def worker() -> None:
            # one message per SDK call under the shared semaphore: a sliding window, no head-of-line wait for a batch;
            # at most `window` workers per call (not a task per message: they would only queue on the semaphore)
            for i, push in todo:
                async with slots:
                    outcomes[i] = await self._send_one(push)

        await asyncio.gather(*(worker() for _ in range(min(self.window, len(pushes)))))
        return [outcomes[i] for i in range(len(pushes))]

    async def _send_one(self, push: Push) -> Outcome:
        try:
            batch = await messaging.send_each_async([to_message(push)], app=self.app)
        except (exceptions.FirebaseError, ValueError) as exc:  # the call itself failed: retry the message
            return classify(exc)
        response = batch.responses[0]
        if response.success:
            return Outcome(ok=True, message_id=response.message_id)
        return classify(response.exception)

    async def close(self) -> None:
        if self._owned:
            # delete_app runs asyncio.run inside: keep it off the running loop
            await asyncio.to_thread(firebase_admin.delete_app, self.app)
            self._owned = False
