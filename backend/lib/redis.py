"""Redis access that degrades instead of failing: Redis is an accelerator here, never the record of truth."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

log = logging.getLogger("zan.redis")

# Errors meaning "Redis is not there right now"; callers fall back to the database.
UNAVAILABLE = (RedisError, OSError, TimeoutError)

QUEUE_CONNECT_TIMEOUT_S = 2.0
# above the longest command the queue blocks on by design: a blocking dequeue answers after its own timeout, a busy
# Redis a little later still
QUEUE_READ_SLACK_S = 5.0
# a refused connection is tried again after a random wait of up to BASE × 2^n seconds (at most CAP), three times
QUEUE_RETRY_BASE_S = 1.0
QUEUE_RETRY_CAP_S = 10.0


def make_redis(url: str | None) -> Redis | None:
    if not url:
        return None
    return Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=1.0, health_check_interval=10)


def make_queue_redis(url: str, *, blocking_s: float) -> Redis:
    """The SAQ queue's client. SAQ's own (`Queue.from_url`) has no socket timeout: a Redis that takes the connection
    and never answers (a hung server, a proxy in front of a host that is gone) held the worker's dequeue, its cron
    scheduling, sweeps and worker info, and the relay's hand-out, for ever. Every read is bounded here, with room
    above the longest command the queue blocks on by design (the dequeue's BLMOVE, `blocking_s`), which a shorter
    timeout would cut off on a healthy Redis. A timed-out command is not retried (a silent server would cost the wait
    several times over; the relay and the worker try again in their next pass); a refused connection is, with
    backoff, so a worker facing a Redis that is down does not spin."""
    return Redis.from_url(url, socket_connect_timeout=QUEUE_CONNECT_TIMEOUT_S,
                          socket_timeout=blocking_s + QUEUE_READ_SLACK_S,
                          retry=Retry(ExponentialWithJitterBackoff(base=QUEUE_RETRY_BASE_S, cap=QUEUE_RETRY_CAP_S), 3,
                                      supported_errors=(RedisConnectionError,)),
                          health_check_interval=10)


class Keys:
    """All Redis keys of one installation share a prefix, so tests and tenants never collide."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, *parts: object) -> str:
        return ":".join([self.prefix, *(str(p) for p in parts)])
