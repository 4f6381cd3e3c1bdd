"""Sealing and verifying the tamper-evident record on PostgreSQL: 20,000 report events and 20,000 audit lines (a
busy day's worth), sealed as a backlog, then one minute's appends sealed, the hourly reread of a day (nothing new to
seal), then the whole chain verified, and one
report's check as the history endpoint computes it, and one report's proof for a third party, built and checked.

    .venv/bin/python -m bench.ledger
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import msgspec
from sqlalchemy import insert

from backend.audit.models import AuditLog
from backend.ledger import heads, proof
from backend.ledger.record import seal_public_key
from backend.ledger.service import DEEP_LOOKBACK, seal_pending
from backend.ledger.verify import verify, verify_report
from backend.lib.clock import utcnow
from backend.reports.models import Report, ReportEvent
from bench._tablets import scratch_ctx

REPORTS, EVENTS_PER_REPORT, AUDIT_PER_REPORT, MINUTE = 2_000, 10, 10, 200
SPENT = {"state": 0.0}  # seconds the sealer spent on the state tree (heads.advance and heads.store)


def _timed(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """The state tree's share of a seal, apart from the machine's load that moves every figure here."""
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            SPENT["state"] += time.perf_counter() - started
    return timed


heads.advance, heads.store = _timed(heads.advance), _timed(heads.store)  # type: ignore[assignment]


def _state_share() -> str:
    spent, SPENT["state"] = SPENT["state"], 0.0
    return f"; the state tree {spent * 1000:,.0f} ms of it"


async def main() -> None:
    async with scratch_ctx() as ctx:
        from backend.reports import deadlines
        from tests.core.factories import make_citizen

        key = ctx.settings.secret_key
        now = utcnow()
        async with ctx.sessions() as session:
            citizen = await make_citizen(session)
            reports = [uuid.uuid4() for _ in range(REPORTS)]
            await session.execute(insert(Report), [dict(
                id=rid, number=f"ZP-2026-{i:07d}", citizen_id=citizen.id, channel="bench", text="Шум во дворе",
                language="ru", lat=51.16, lon=71.47, status="assigned", deadline_at=deadlines.deadline_for(now),
                original_deadline_at=deadlines.deadline_for(now), created_at=now, updated_at=now)
                for i, rid in enumerate(reports)])

            async def append(count: int, at: object) -> None:
                await session.execute(insert(ReportEvent), [dict(
                    id=uuid.uuid4(), report_id=reports[i % REPORTS], action="comment", actor_type="officer",
                    channel="tablet", public=False, public_text={"ru": "Комментарий", "kk": "Түсініктеме"},
                    internal_note=f"заметка {i}", data={"i": i}, created_at=at) for i in range(count)])
                await session.execute(insert(AuditLog), [dict(
                    id=uuid.uuid4(), at=at, actor_type="dispatcher", actor_id="bench", action="report.attachments",
                    target_type="report", target_id=str(reports[i % REPORTS]), data={"links": 1})
                    for i in range(count)])
                await session.commit()

            await append(REPORTS * EVENTS_PER_REPORT, now - timedelta(hours=3))
            backlog = REPORTS * (EVENTS_PER_REPORT + AUDIT_PER_REPORT)

            started = time.perf_counter()
            seals = await seal_pending(session, (key,), max_seals=1000)
            took = time.perf_counter() - started
            print(f"backlog of {backlog:,} rows sealed in {took:.2f} s ({backlog / took:,.0f} rows/s, "
                  f"{len(seals)} seals){_state_share()}")

            await append(MINUTE, utcnow())
            started = time.perf_counter()
            [seal] = await seal_pending(session, (key,))
            print(f"one minute's appends ({seal.rows} rows) sealed in {(time.perf_counter() - started) * 1000:.1f} ms "
                  f"(a seal rereads only the ten minutes before the last one, not the tables){_state_share()}")

            started = time.perf_counter()
            assert await seal_pending(session, (key,), lookback=DEEP_LOOKBACK) == []  # everything is sealed
            took = time.perf_counter() - started
            print(f"the hourly reread of a day ({backlog + seal.rows:,} rows, all sealed already) in {took:.2f} s "
                  f"({(backlog + seal.rows) / took:,.0f} rows/s)")

            started = time.perf_counter()
            verdict = await verify(session, (key,))
            took = time.perf_counter() - started
            assert verdict.intact and verdict.pending == 0
            print(f"whole chain verified: {verdict.sealed:,} rows, {len(verdict.seals)} seals in {took:.2f} s "
                  f"({verdict.sealed / took:,.0f} rows/s)")

            timings = []
            for rid in reports[:50]:
                started = time.perf_counter()
                one = await verify_report(session, (key,), rid)
                timings.append((time.perf_counter() - started) * 1000)
                assert one.intact
            timings.sort()
            print(f"one report's check (history endpoint), {one.sealed} rows in "
                  f"{len(one.seals)} seals: p50 {timings[len(timings) // 2]:.1f} ms, max {timings[-1]:.1f} ms")

            timings, sizes, checks = [], [], []
            public_key = seal_public_key(key)
            for rid in reports[50:100]:
                started = time.perf_counter()
                built = msgspec.json.encode(await proof.build(session, (key,), rid))
                timings.append((time.perf_counter() - started) * 1000)
                sizes.append(len(built))
                started = time.perf_counter()
                assert proof.check(msgspec.json.decode(built), [public_key]) == []
                checks.append((time.perf_counter() - started) * 1000)
            timings.sort()
            checks.sort()
            print(f"one report's proof for a third party (GET …/proof): built p50 {timings[len(timings) // 2]:.1f} ms, "
                  f"max {timings[-1]:.1f} ms, {sum(sizes) // len(sizes):,} bytes; checked offline p50 "
                  f"{checks[len(checks) // 2]:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
