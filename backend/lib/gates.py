"""Per-process admission for CPU-bound answers (routing previews, legal answers): a bounded number run at once, and
one that cannot start within its wait is refused (503 with Retry-After) instead of queueing worker threads behind
the embedder that registrations and routing need."""

from __future__ import annotations

import asyncio

from backend.context import Context


def process_gate(ctx: Context, name: str, size: int) -> asyncio.Semaphore:
    """The process's gate `name` with `size` slots, made on first use (in the running event loop)."""
    gate: asyncio.Semaphore | None = ctx.extras.get(name)
    if gate is None:
        gate = ctx.extras.setdefault(name, asyncio.Semaphore(max(1, size)))
    return gate


async def enter(gate: asyncio.Semaphore, wait_s: float) -> bool:
    """Take a slot, waiting up to `wait_s`; False if none came free (the caller refuses or degrades)."""
    try:
        await asyncio.wait_for(gate.acquire(), wait_s)
    except TimeoutError:
        return False
    return True
