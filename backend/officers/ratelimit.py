"""Failed-login throttling: Redis counters when Redis is there, a process-local window when it is not.

Only failures count, so an officer who logs in correctly on several tablets is never throttled; a guesser is,
per badge (protects the account) and per IP (protects all accounts from one source).
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass

from backend.context import Context
from backend.lib.redis import UNAVAILABLE

WINDOW_S = 15 * 60
LIMITS = {"badge": 5, "ip": 30}


@dataclass
class _Window:
    started: float
    count: int


def _memory(ctx: Context) -> dict[str, _Window]:
    store: dict[str, _Window] = ctx.extras.setdefault("officer_login_failures", {})
    return store


async def retry_after(ctx: Context, *, badge: str, ip: str) -> int | None:
    """Seconds to wait if either counter is over its limit, else None."""
    keys = {"badge": ctx.keys("login-fail", "badge", badge.lower()), "ip": ctx.keys("login-fail", "ip", ip)}
    if ctx.redis is not None:
        try:
            worst: int | None = None
            for kind, key in keys.items():
                count = int(await ctx.redis.get(key) or 0)
                if count >= LIMITS[kind]:
                    ttl = int(await ctx.redis.ttl(key))
                    worst = max(worst or 0, ttl if ttl > 0 else WINDOW_S)
            return worst
        except UNAVAILABLE:
            pass
    now = time.monotonic()
    worst_mem: int | None = None
    for kind, key in keys.items():
        window = _memory(ctx).get(key)
        if window and now - window.started < WINDOW_S and window.count >= LIMITS[kind]:
            worst_mem = max(worst_mem or 0, math.ceil(WINDOW_S - (now - window.started)))
    return worst_mem


async def record_failure(ctx: Context, *, badge: str, ip: str) -> None:
    keys = (ctx.keys("login-fail", "badge", badge.lower()), ctx.keys("login-fail", "ip", ip))
    if ctx.redis is not None:
        try:
            async with ctx.redis.pipeline(transaction=True) as pipe:
                for key in keys:
                    pipe.incr(key)
                    pipe.expire(key, WINDOW_S, nx=True)
                await pipe.execute()
            return
        except UNAVAILABLE:
            pass
    now = time.monotonic()
    memory = _memory(ctx)
    for key in keys:
        window = memory.get(key)
        if window is None or now - window.started >= WINDOW_S:
            memory[key] = _Window(now, 1)
        else:
            window.count += 1


async def clear_badge(ctx: Context, *, badge: str) -> None:
    key = ctx.keys("login-fail", "badge", badge.lower())
    _memory(ctx).pop(key, None)
    if ctx.redis is not None:
        with contextlib.suppress(UNAVAILABLE):  # type: ignore[arg-type]
            await ctx.redis.delete(key)
