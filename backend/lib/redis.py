"""Redis access that degrades instead of failing: Redis is an accelerator here, never the record of truth."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("zan.redis")

# Errors meaning "Redis is not there right now"; callers fall back to the database.
UNAVAILABLE = (RedisError, OSError, TimeoutError)


def make_redis(url: str | None) -> Redis | None:
    if not url:
        return None
    return Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=1.0, health_check_interval=10)


class Keys:
    """All Redis keys of one installation share a prefix, so tests and tenants never collide."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, *parts: object) -> str:
        return ":".join([self.prefix, *(str(p) for p in parts)])
