"""How long each kind of delivery keeps trying, and what becomes of a row that was not sent (the sender,
backend.notifications.delivery, records it). Retry schedules differ per kind (`RETRY_POLICIES`): a push is retried
through an FCM outage for as long as it lives, a partner webhook through a day of partner downtime. A server's
Retry-After can lengthen a wait (up to the policy's cap), never shorten it."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.notifications.models import Delivery
from backend.notifications.pushes import life_end
from backend.notifications.sender import Outcome

# rows and what became of them: the outcome (None: nothing to send to) and the status to record in that case
Sent = list[tuple[Delivery, Outcome | None, str]]


@dataclass(frozen=True)
class RetryPolicy:
    """How long one kind of delivery keeps trying: `max_attempts` sends, waiting `base_s` doubling up to `cap_s`.
    With `for_life`, a row whose payload has a life (`expires_at`) is tried until that ends instead, however many
    attempts that takes: the deadline, not a count, is what bounds it."""

    max_attempts: int
    base_s: float
    cap_s: float
    jitter: float = 0.1  # ± this fraction: spreads a burst of retries without shortening the window much
    for_life: bool = False

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
        return max(self.backoff(attempt), self.asked(retry_after_s))

    def asked(self, retry_after_s: float | None) -> float:
        """The wait the server asked for (its Retry-After), up to the cap; 0 for none or an unusable one."""
        if retry_after_s is None or not math.isfinite(retry_after_s):
            return 0.0
        return min(max(retry_after_s, 0.0), self.cap_s)

    @property
    def window_s(self) -> float:
        """Nominal time from the first attempt to the last, when `max_attempts` is the bound (docs/notifications.md
        quotes these figures)."""
        return sum(min(self.cap_s, self.base_s * 2.0 ** min(n - 1, 60)) for n in range(1, self.max_attempts))


# push/topic: 30 s doubling to 30 min for as long as the push lives (its `expires_at`, pushes.py: a citizen's update
# 3 days, an area alert up to 7, an urgent assignment 10 minutes): an FCM outage longer than an hour must not lose
# news a citizen or a crew still needs, and past its life FCM would drop it anyway. Their 8 attempts (≈ 1 h) bound
# only a push row with no life (every writer gives one; rows keep the max_attempts they were written with, which a
# push with a life does not read, so rows written before this change need no migration). Webhook: 2 s doubling to
# 3 h, 21 attempts ≈ 25 h ("about a day" of partner downtime, as webhooks.py promises partners; a blip is retried
# within seconds). Rows get max_attempts from here when written (fanout, service); the waits come from here on failure.
RETRY_POLICIES: dict[str, RetryPolicy] = {
    "push": RetryPolicy(max_attempts=8, base_s=30.0, cap_s=1800.0, for_life=True),
    "topic": RetryPolicy(max_attempts=8, base_s=30.0, cap_s=1800.0, for_life=True),
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
    if outcome.permanent:
        return "dead", outcome.error, None
    policy = policy_for(row.kind)
    next_at = now + timedelta(seconds=policy.delay(row.attempts, outcome.retry_after_s))
    life = life_end(row.payload) if policy.for_life else None
    if life is None:  # a webhook, or a push written without a life: its attempts bound it
        if row.attempts >= row.max_attempts:
            return "dead", outcome.error, None
        return "pending", outcome.error, next_at
    if next_at >= life:
        # the backoff would pass the push's life: one last try a little before it ends (an urgent assignment lives
        # ten minutes, and the try due at 7.5 would otherwise be its last, though FCM back at 8.5 still wakes the
        # crew), if that is still ahead and after any Retry-After; past it (or that try failed too) nothing is left
        last = life - timedelta(seconds=policy.base_s)
        if last < now + timedelta(seconds=max(1.0, policy.asked(outcome.retry_after_s))):
            return "dead", outcome.error, None
        next_at = last
    return "pending", outcome.error, next_at

