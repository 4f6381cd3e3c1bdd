"""How long each kind of delivery keeps trying, and what becomes of a row that was not sent (the sender,
backend.notifications.delivery, records it). Retry schedules differ per kind (`RETRY_POLICIES`): a push is worth
retrying through an FCM outage of about an hour, a partner webhook through a day of partner downtime. A server's
Retry-After can lengthen a wait (up to the policy's cap), never shorten it."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.notifications.models import Delivery
from backend.notifications.sender import Outcome

# rows and what became of them: the outcome (None: nothing to send to) and the status to record in that case
Sent = list[tuple[Delivery, Outcome | None, str]]


@dataclass(frozen=True)
class RetryPolicy:
    """How long one kind of delivery keeps trying: `max_attempts` sends, waiting `base_s` doubling up to `cap_s`."""

    max_attempts: int
    base_s: float
    cap_s: float
    jitter: float = 0.1  # ± this fraction: spreads a burst of retries without shortening the window much

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based)."""
        nominal = min(self.cap_s, self.base_s * 2.0 ** min(max(attempt - 1, 0), 60))
        return nominal * random.uniform(1 - self.jitter, 1 + self.jitter)

    def delay(self, attempt: int, retry_after_s: float | None) -> float:
        """The wait before the next attempt: the backoff, or longer if the server (FCM's 429, a partner's 429/503)
        asks for more. A Retry-After is a lower bound, never a replacement: a partner answering every attempt with
        `Retry-After: 1` would otherwise spend the whole day's attempts in seconds and be dead-lettered at once.
        It is honoured only up to the cap: an absurd one (999999999999, "inf") would overflow the datetime arithmetic
        and lose the chunk's outcomes."""
        backoff = self.backoff(attempt)
        if retry_after_s is None or not math.isfinite(retry_after_s):
            return backoff
        return max(backoff, min(max(retry_after_s, 0.0), self.cap_s))

    @property
    def window_s(self) -> float:
        """Nominal time from the first attempt to the last (docs/notifications.md quotes these figures)."""
        return sum(min(self.cap_s, self.base_s * 2.0 ** min(n - 1, 60)) for n in range(1, self.max_attempts))


# push/topic: 30 s doubling to 30 min, 8 attempts ≈ 1 h (a realistic FCM outage); webhook: 2 s doubling to 3 h,
# 21 attempts ≈ 25 h ("about a day" of partner downtime, as webhooks.py promises partners; a blip is retried within
# seconds). Rows get max_attempts from here when written (fanout, service); the waits come from here on failure.
RETRY_POLICIES: dict[str, RetryPolicy] = {
    "push": RetryPolicy(max_attempts=8, base_s=30.0, cap_s=1800.0),
    "topic": RetryPolicy(max_attempts=8, base_s=30.0, cap_s=1800.0),
    "webhook": RetryPolicy(max_attempts=21, base_s=2.0, cap_s=3 * 3600.0),
}


def policy_for(kind: str) -> RetryPolicy:
    return RETRY_POLICIES.get(kind, RETRY_POLICIES["push"])


def _failure(row: Delivery, outcome: Outcome | None, status_hint: str,
             now: datetime) -> tuple[str, str | None, datetime | None]:
    """(status, error, next attempt) for a row that was not sent; None keeps the row's next_attempt_at."""
    if outcome is None:  # nothing to send to (device removed, alert expired, partner deactivated)
        return status_hint, status_hint, None
    if outcome.prune:
        return "dropped", outcome.error, None
    if outcome.permanent or row.attempts >= row.max_attempts:
        return "dead", outcome.error, None
    delay = policy_for(row.kind).delay(row.attempts, outcome.retry_after_s)
    return "pending", outcome.error, now + timedelta(seconds=delay)

