"""Signed status-change callbacks to partner apps (eGov Mobile, Kaspi, Halyk).

Each request is a JSON POST whose body carries `"event_id"` (stable across retries of the same event), with three
headers:

    X-Zan-Timestamp: 1767225600                  (unix seconds when this attempt was signed)
    X-Zan-Event-Id:  3f0c…-uuid                   (a copy of the body's event_id, for routing and logs)
    X-Zan-Signature: hex HMAC-SHA256(secret, f"{timestamp}.{raw body}")

How a receiver verifies (this is `verify_webhook`, usable as-is by a Python receiver):
1. Take the raw body bytes exactly as received (do not re-serialize the JSON).
2. Recompute the HMAC over `f"{X-Zan-Timestamp}.{body}"` with the webhook secret `zan notifications webhook-set`
   printed, and compare with X-Zan-Signature in constant time (`hmac.compare_digest`). Mismatch → reject (401).
3. Reject a timestamp more than 5 minutes from your clock: an old captured request cannot be replayed later.
4. Take the event id from the signed body (`event_id`), never from the X-Zan-Event-Id header alone: the header is
   not signed, so a captured request replayed with a fresh header would look like a new event. If the header is
   present and differs from the body's id, reject. Remember the id for at least the 5-minute window (longer is
   better): an id seen before is a retry or a replay. Answer it 2xx and do nothing again — we re-deliver until we
   get a 2xx, so processing must be idempotent.
5. Events of one report may arrive out of order (each is retried on its own schedule: a 500 on "assigned" lets
   "closed" overtake it). The body's `status` is the one the event left the report in, so apply it only when its
   `occurred_at` is later than that of the last event you applied for the `report_id`.
Answer 410 Gone to say an event is not wanted, ever (the citizen's account is gone on your side): it is dropped,
neither retried nor dead-lettered. Any other non-2xx answer (or no status line and headers within 10 s: only the
status counts, the answer's body is not waited for) is retried with exponential backoff (2 s doubling to at most
3 h, ±10 % jitter; a longer Retry-After is honoured, up to 3 h; a shorter one never shortens the backoff) for 21
attempts over about a day (~25 h), then dead-lettered (`zan notifications stuck` / `retry`).
The schedule is `delivery.RETRY_POLICIES["webhook"]`. A URL that is not https, or whose host resolves to a
non-public address, is refused outright and dead-lettered at its first attempt (`webhook_target`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from backend.lib.crypto import equal, hmac_hex
from backend.notifications.webhook_target import WebhookTargetRefused

log = logging.getLogger("zan.notifications")
MAX_SKEW_S = 300
TIMEOUT_S = 10.0
# a receiver's answer body, read after its status only to keep the connection: more, or slower, is not waited for
MAX_ANSWER_BYTES = 64 * 1024
DRAIN_S = 1.0


class WebhookVerificationError(Exception):
    """The request is not a genuine, fresh Zan webhook."""


class WebhookReplayError(WebhookVerificationError):
    """A genuine webhook whose event id was already processed (a retry or a replay): do nothing again."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac_hex(secret, timestamp.encode() + b"." + body)


def signed_headers(secret: str, event_id: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {
        "Content-Type": "application/json",
        "User-Agent": "zan-webhooks/1",
        "X-Zan-Timestamp": timestamp,
        "X-Zan-Event-Id": event_id,
        "X-Zan-Signature": signature(secret, timestamp, body),
    }


def signed_event_id(body: bytes) -> str | None:
    """The `event_id` inside a webhook body: covered by the signature, unlike the X-Zan-Event-Id header."""
    try:
        data = json.loads(body)
    except ValueError:  # UnicodeDecodeError included
        return None
    event_id = data.get("event_id") if isinstance(data, dict) else None
    return event_id if isinstance(event_id, str) and event_id else None


def verify_webhook(secret: str, headers: Mapping[str, str], body: bytes, *, seen: Callable[[str], bool] | None = None,
                   now: float | None = None, max_skew_s: int = MAX_SKEW_S) -> str:
    """Check a received webhook; returns its event id (the signed body's `event_id`).

    `headers` must be case-insensitive or lower-cased. `seen(event_id)` records the id and returns True if it was
    already recorded (e.g. Redis `SET NX` inverted, or a unique insert). Raises WebhookVerificationError (reject)
    or WebhookReplayError (acknowledge, skip).
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp, given = lowered.get("x-zan-timestamp"), lowered.get("x-zan-signature")
    if not (timestamp and given):
        raise WebhookVerificationError("missing X-Zan-* headers")
    if not equal(signature(secret, timestamp, body), given.lower()):
        raise WebhookVerificationError("bad signature")
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError as exc:
        raise WebhookVerificationError("bad timestamp") from exc
    if age > max_skew_s:
        raise WebhookVerificationError("timestamp outside the allowed window")
    # replay detection must key on something the signature covers: a rewritten header would make a replay "new"
    event_id = signed_event_id(body)
    if event_id is None:
        raise WebhookVerificationError("no event_id in the signed body")
    header_id = lowered.get("x-zan-event-id")
    if header_id is not None and header_id != event_id:
        raise WebhookVerificationError("X-Zan-Event-Id does not match the signed body's event_id")
    if seen is not None and seen(event_id):
        raise WebhookReplayError(event_id)
    return event_id


@dataclass(frozen=True)
class WebhookResult:
    ok: bool
    status: int | None
    error: str | None = None
    retry_after_s: float | None = None
    permanent: bool = False  # the target itself is refused: retrying cannot help
    gone: bool = False  # the receiver answered 410 Gone: this event is not wanted, ever (dropped, not dead)


async def _answer(client: httpx.AsyncClient, url: str, headers: dict[str, str], body: bytes) -> httpx.Response:
    """The receiver's status line and headers within TIMEOUT_S. httpx's timeout bounds each read, not the answer: a
    receiver that trickles a byte every few seconds would hold the chunk's webhooks, every partner's, for as long
    as it pleased. Only the status counts: the body is then read for at most DRAIN_S and MAX_ANSWER_BYTES (a short
    one keeps the connection for the next event; a longer or slower one only closes it)."""
    async with contextlib.AsyncExitStack() as stack:
        async with asyncio.timeout(TIMEOUT_S):
            response = await stack.enter_async_context(
                client.stream("POST", url, content=body, headers=headers, timeout=TIMEOUT_S))
        with contextlib.suppress(TimeoutError, httpx.HTTPError):
            async with asyncio.timeout(DRAIN_S):
                read = 0
                async for part in response.aiter_raw():
                    read += len(part)
                    if read > MAX_ANSWER_BYTES:
                        break
        return response


async def post(client: httpx.AsyncClient, url: str, secret: str, event_id: str, body: bytes) -> WebhookResult:
    """One signed attempt (signed anew each time, so the timestamp is always fresh)."""
    try:
        response = await _answer(client, url, signed_headers(secret, event_id, body), body)
    except WebhookTargetRefused as exc:  # raised by webhook_target's client: nothing was sent
        log.warning("webhook for event %s refused, not sent: %s", event_id, exc)
        return WebhookResult(ok=False, status=None, error=f"refused: {exc}"[:500], permanent=True)
    except httpx.HTTPError as exc:
        return WebhookResult(ok=False, status=None, error=f"{type(exc).__name__}: {exc}"[:500])
    except TimeoutError:
        return WebhookResult(ok=False, status=None, error=f"no answer within {TIMEOUT_S:g} s")
    if 200 <= response.status_code < 300:
        return WebhookResult(ok=True, status=response.status_code)
    if response.status_code == 410:
        # the receiver says this event's subject is gone for good (the citizen's account or app token on its side):
        # a day of retries cannot change that, and it is no failure for operators to page on (no dead letter)
        return WebhookResult(ok=False, status=410, error="HTTP 410", gone=True)
    retry_after = None  # honoured up to the retry schedule's cap (delivery.RetryPolicy.delay), however large
    if response.status_code in (429, 503) and response.headers.get("Retry-After", "").isdigit():
        retry_after = float(response.headers["Retry-After"])
    return WebhookResult(ok=False, status=response.status_code, error=f"HTTP {response.status_code}",
                         retry_after_s=retry_after)
