"""Auto-assignment latency with 500 units online (PostgreSQL).

    .venv/bin/python -m bench.dispatch
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time

from backend.dispatch.service import assign_nearest_unit
from backend.officers.service import create_unit
from bench._tablets import scratch_ctx


async def main() -> None:
    rng = random.Random(7)
    async with scratch_ctx() as ctx:
        from tests.core.factories import make_report

        async with ctx.sessions() as session:
            for i in range(500):
                await create_unit(session, code=f"U{i:03d}", name=f"Наряд {i}", department="patrol_police",
                                  district="astana", lat=51.0 + rng.random() * 0.4, lon=71.2 + rng.random() * 0.5)
            reports = [await make_report(session, department="patrol_police", lat=51.0 + rng.random() * 0.4,
                                         lon=71.2 + rng.random() * 0.5) for _ in range(50)]
            await session.commit()
        times = []
        for report in reports:
            async with ctx.sessions() as session:
                started = time.perf_counter()
                unit = await assign_nearest_unit(session, report)
                times.append((time.perf_counter() - started) * 1000)
                assert unit is not None
        times.sort()
        print(f"auto-assignment with 500 units: p50 {statistics.median(times):.1f} ms, "
              f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, max {times[-1]:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
