"""Idempotency keys are remembered for RETAIN_FOR and then forgotten by the scheduled purge: a retry inside the
window gets the stored answer, a key older than that is a new request, and the purge drains a backlog in batches."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from backend.context import Context
from backend.jobs.scheduled import run_scheduled
from backend.lib.clock import utcnow
from backend.reports import idempotency
from backend.reports.models import IdempotencyRecord
from tests.helpers import PartnerClient

pytestmark = pytest.mark.anyio


async def _keys(ctx: Context) -> set[str]:
    async with ctx.sessions() as session:
        return set(await session.scalars(select(IdempotencyRecord.key)))  # type: ignore[call-overload]


async def _age(ctx: Context, key: str, by: timedelta) -> None:
    async with ctx.sessions() as session:
        await session.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == key)  # type: ignore[arg-type]
                              .values(created_at=utcnow() - by))
        await session.commit()


async def test_the_scheduler_forgets_only_keys_past_retention(ctx: Context, citizen: PartnerClient) -> None:
    old = await citizen.submit("Шум во дворе всю ночь", key="old-key")
    fresh = await citizen.submit("Шум во дворе всю ночь", key="fresh-key")
    assert old.status_code == fresh.status_code == 201
    await _age(ctx, "old-key", idempotency.RETAIN_FOR + timedelta(minutes=1))
    await _age(ctx, "fresh-key", idempotency.RETAIN_FOR - timedelta(minutes=1))

    await run_scheduled(ctx)

    assert await _keys(ctx) == {"fresh-key"}
    # inside the window the stored answer comes back; past it the same key registers a new report
    again = await citizen.submit("Шум во дворе всю ночь", key="fresh-key")
    assert again.status_code == 201 and again.json()["id"] == fresh.json()["id"]
    renewed = await citizen.submit("Шум во дворе всю ночь", key="old-key")
    assert renewed.status_code == 201 and renewed.json()["id"] != old.json()["id"]


async def test_a_backlog_is_purged_a_batch_per_call(ctx: Context, citizen: PartnerClient,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idempotency, "PURGE_BATCH", 2)  # a tunable, not our logic: three rows need two calls
    for i in range(3):
        assert (await citizen.submit(f"Шум во дворе, случай {i}", key=f"k{i}")).status_code == 201
        await _age(ctx, f"k{i}", idempotency.RETAIN_FOR + timedelta(hours=i + 1))
    async with ctx.sessions() as session:
        assert await idempotency.purge_expired(session) == 2
        # the oldest go first
        assert set(await session.scalars(select(IdempotencyRecord.key))) == {"k0"}  # type: ignore[call-overload]
        assert await idempotency.purge_expired(session) == 1
        assert await session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
