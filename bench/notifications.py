"""Notifications benchmark: fan-out throughput to the loopback FCM, and status change → push latency.

    .venv/bin/python bench/notifications.py [--devices 10000] [--changes 200] [--sqlite]

The real path end to end: PostgreSQL (or SQLite), the outbox relay, the `notifications.report_event` handler,
Delivery rows claimed in chunks of 500, firebase-admin 7.7 `send_each_async` with OAuth, all against FakeFCM on
127.0.0.1 (one HTTP/1.1 request per message, as the SDK does over plain http). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.context import build_context  # noqa: E402
from backend.jobs.relay import Relay  # noqa: E402
from backend.migrate import upgrade  # noqa: E402
from backend.notifications import jobs  # noqa: E402
from backend.notifications.fcm import FcmSender  # noqa: E402
from backend.notifications.models import Device  # noqa: E402
from backend.reports.service import SYSTEM, By, change_status, lock  # noqa: E402
from backend.reports.workflow import Action, Actor  # noqa: E402
from backend.settings import Settings  # noqa: E402
from tests.core.factories import make_report  # noqa: E402
from tests.fakes.fcm import FakeFCM, configure_firebase_app, delete_firebase_app  # noqa: E402

DISPATCHER = By(Actor.DISPATCHER, "bench", "console")
PG_ADMIN = os.environ.get("ZAN_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(database_url: str, devices: int, changes: int) -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix="zan-bench-"))
    settings = Settings(database_url=database_url, redis_url=None, secret_key=uuid.uuid4().hex, var_dir=tmp,
                        relay_interval_s=1.0, log_json=False, log_level="WARNING", enable_routing=False)
    ctx = build_context(settings)
    out: dict[str, object] = {"database": database_url.split(":")[0], "devices": devices}
    with FakeFCM() as fake:
        app = configure_firebase_app(fake)
        ctx.extras["push_sender"] = FcmSender(app)
        try:
            # -- fan-out throughput: one status change, `devices` phones of one reporter --------------------------
            async with ctx.sessions() as session:
                report = await make_report(session)
                session.add_all([Device(owner_type="citizen", citizen_id=report.citizen_id, platform="android",
                                        token=f"bench-{i:06d}:APA91b{uuid.uuid4().hex}{uuid.uuid4().hex}",
                                        language=("kk", "ru", "en")[i % 3]) for i in range(devices)])
                await session.commit()
                event = await change_status(session, report, Action.ASSIGN, SYSTEM)
                await session.commit()
            # warm the OAuth token and the HTTP client so the figure is steady-state sending
            await FcmSender(app).send([])
            started = time.perf_counter()
            await jobs.report_event(ctx, {"event_id": str(event.id), "report_id": str(report.id)})
            elapsed = time.perf_counter() - started
            accepted = len(fake.pushes)
            out["fanout"] = {"messages": accepted, "seconds": round(elapsed, 2),
                             "messages_per_s": round(accepted / elapsed)}
            fake.reset()

            # -- latency: status change committed → FCM accepted the push, through the running relay ------------
            async with ctx.sessions() as session:
                reports = []
                for i in range(changes):
                    r = await make_report(session)
                    session.add(Device(owner_type="citizen", citizen_id=r.citizen_id, platform="ios",
                                       token=f"lat-{i:05d}:APA91b{uuid.uuid4().hex}", language="ru"))
                    await session.flush()
                    await change_status(session, r, Action.ASSIGN, SYSTEM)  # so EN_ROUTE below is allowed
                    reports.append(r.id)
                await session.commit()
            relay = Relay(ctx)
            ctx.extras["relay"] = relay
            await relay.drain(120)
            fake.reset()
            relay.start()
            latencies: list[float] = []
            for i, report_id in enumerate(reports):
                async with ctx.sessions() as session:
                    locked = await lock(session, report_id)
                    assert locked is not None
                    await change_status(session, locked, Action.ON_SCENE, DISPATCHER)
                    await session.commit()
                t0 = time.perf_counter()
                relay.notify()
                # the fake records on its own thread: poll it at 1 ms (adds ≤ 1 ms to each figure)
                while len(fake.pushes) < i + 1:  # noqa: ASYNC110
                    await asyncio.sleep(0.001)
                latencies.append(time.perf_counter() - t0)
            await relay.stop()
            out["latency_ms"] = {"changes": changes, "p50": round(statistics.median(latencies) * 1000, 1),
                                 "p95": round(pct(latencies, 0.95) * 1000, 1),
                                 "max": round(max(latencies) * 1000, 1)}
        finally:
            await delete_firebase_app(app)
            await ctx.close()
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--sqlite", action="store_true", help="embedded SQLite instead of PostgreSQL")
    args = parser.parse_args()
    if args.sqlite:
        path = Path(tempfile.mkdtemp(prefix="zan-bench-")) / "zan.db"
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(upgrade, url)
        print(json.dumps(await run(url, args.devices, args.changes), ensure_ascii=False, indent=2))
        return
    name = f"zan_bench_notif_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        await asyncio.to_thread(upgrade, url)
        print(json.dumps(await run(url, args.devices, args.changes), ensure_ascii=False, indent=2))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
