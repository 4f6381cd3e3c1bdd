"""The process-local failure windows (no Redis) are swept of expired ones, so guessing random badges for hours does
not grow the API process's memory without end."""

from __future__ import annotations

import pytest

from backend.context import Context
from backend.officers import ratelimit

pytestmark = pytest.mark.anyio


async def test_expired_windows_are_swept_once_there_are_many(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx.redis = None
    monkeypatch.setattr(ratelimit, "SWEEP_AT", 50)
    for i in range(60):
        await ratelimit.reserve(ctx, badge=f"B-{i}")
    memory = ratelimit._memory(ctx)
    assert len(memory) == 60  # under the sweep threshold at the 50th, and nothing had expired yet
    for window in memory.values():  # a quarter of an hour later
        window.started -= ratelimit.WINDOW_S
    await ratelimit.reserve(ctx, badge="B-new")
    assert list(memory) == [next(iter(ratelimit._keys(ctx, {"badge": "B-new"}).values()))]


async def test_a_live_window_survives_the_sweep(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx.redis = None
    monkeypatch.setattr(ratelimit, "SWEEP_AT", 3)
    for _ in range(5):
        await ratelimit.reserve(ctx, badge="GUESSED")
    for i in range(5):
        await ratelimit.reserve(ctx, badge=f"other-{i}")
    assert await ratelimit.reserve(ctx, badge="GUESSED") is not None  # still throttled: its window is alive
