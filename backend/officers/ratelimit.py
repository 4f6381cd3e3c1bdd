"""Throttling of guessed secrets: Redis counters when Redis is there, a process-local window when it is not.

Only failures count, so an officer who logs in correctly on several tablets is never throttled; a guesser is:
per badge (protects the account) and per IP (protects all accounts from one source) at login, and per Telegram
chat for the duty bot's one-time link codes (eight digits would otherwise fall to a patient script).
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass

from backend.context import Context
from backend.lib.redis import UNAVAILABLE

WINDOW_S = 15 * 60
LIMITS = {"badge": 5, "ip": 30, "link_chat": 5}


@dataclass
class _Window:
    started: float
    count: int


def _memory(ctx: Context) -> dict[str, _Window]:
    store: dict[str, _Window] = ctx.extras.setdefault("officer_login_failures", {})
    return store


def _keys(ctx: Context, subjects: dict[str, str]) -> dict[str, str]:
    """One counter per kind of subject (a kind of LIMITS: badge, ip, link_chat) and subject."""
    return {kind: ctx.keys("login-fail", kind, subject.lower()) for kind, subject in subjects.items()}


async def retry_after(ctx: Context, **subjects: str) -> int | None:
    """Seconds to wait if any counter of these subjects is over its limit, else None."""
    keys = _keys(ctx, subjects)
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


async def record_failure(ctx: Context, **subjects: str) -> None:
    keys = tuple(_keys(ctx, subjects).values())
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
    key = _keys(ctx, {"badge": badge})["badge"]
    _memory(ctx).pop(key, None)
    if ctx.redis is not None:
        with contextlib.suppress(UNAVAILABLE):  # type: ignore[arg-type]
            await ctx.redis.delete(key)
