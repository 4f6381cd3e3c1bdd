"""Notifications benchmark: fan-out throughput to the loopback FCM, and status change → push latency.

    .venv/bin/python bench/notifications.py [--devices 10000] [--changes 200 (0: fan-out only)] [--sqlite]

The real path end to end: PostgreSQL (or SQLite), the outbox relay, the `notifications.report_event` handler,
Delivery rows claimed in chunks of 500, firebase-admin 7.7 `send_each_async` with OAuth, against FakeFCM on
127.0.0.1 (one HTTP/1.1 request per message, as the SDK does over plain http). The fake runs in a *separate
process* (this script with `--serve-fake`), so the sender's CPU is measured on its own; the fake stamps each accepted
message with `time.monotonic()` (CLOCK_MONOTONIC, comparable across processes), so latencies are exact whatever the
polling cadence. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import firebase_admin
import httpx
from aiohttp import web
from firebase_admin import credentials

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.context import build_context  # noqa: E402
from backend.jobs.relay import Relay  # noqa: E402
from backend.migrate import upgrade  # noqa: E402
from backend.notifications import jobs  # noqa: E402
from backend.notifications.fcm import FcmSender, point_messaging_at  # noqa: E402
from backend.notifications.models import Device  # noqa: E402
from backend.reports.service import SYSTEM, By, change_status, lock  # noqa: E402
from backend.reports.workflow import Action, Actor  # noqa: E402
from backend.settings import Settings  # noqa: E402
from tests.core.factories import make_report  # noqa: E402
from tests.fakes.fcm import FakeFCM, _skip_access_boundary_lookup, delete_firebase_app  # noqa: E402

DISPATCHER = By(Actor.DISPATCHER, "bench", "console")
PG_ADMIN = os.environ.get("ZAN_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")


class CountingFakeFCM(FakeFCM):
    """FakeFCM plus `GET /_bench` ({"count", "arrivals": {target: monotonic time of first acceptance}})."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[str, float] = {}

    def build_app(self) -> web.Application:
        app = super().build_app()
        app.router.add_get("/_bench", self._bench)
        app.router.add_post("/_bench/reset", self._bench_reset)
        return app

    async def _send(self, request: web.Request) -> web.Response:
        response = await super()._send(request)
        if response.status == 200:
            pushes = self._state.pushes  # same thread as the handler: the last one is ours
            self.arrivals.setdefault(pushes[-1].target, time.monotonic())
        return response

    async def _bench(self, request: web.Request) -> web.Response:
        with_arrivals = request.query.get("arrivals") == "1"
        body: dict[str, Any] = {"count": len(self._state.pushes)}
        if with_arrivals:
            body["arrivals"] = self.arrivals
        return web.json_response(body)

    async def _bench_reset(self, request: web.Request) -> web.Response:
        self.reset()
        self.arrivals.clear()
        return web.json_response({})


def serve_fake() -> None:
    """Child process: start the fake, print {"base_url", "service_account"} on one line, serve until stdin closes."""
    fake = CountingFakeFCM()
    fake.start()
    print(json.dumps({"base_url": fake.base_url, "service_account": fake.service_account("zan-bench")}), flush=True)
    sys.stdin.read()
    fake.stop()


class RemoteFake:
    """The parent's handle on the fake process."""

    def __init__(self, base_url: str, service_account: dict[str, Any], pid: int) -> None:
        self.base_url, self.service_account, self.pid = base_url, service_account, pid
        self.http = httpx.AsyncClient(base_url=base_url)

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the fake process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def count(self) -> int:
        return int((await self.http.get("/_bench")).json()["count"])

    async def arrivals(self) -> dict[str, float]:
        return dict((await self.http.get("/_bench", params={"arrivals": "1"})).json()["arrivals"])

    async def reset(self) -> None:
        await self.http.post("/_bench/reset")

    def firebase_app(self) -> firebase_admin.App:
        certificate = credentials.Certificate(self.service_account)
        _skip_access_boundary_lookup(certificate.get_credential())
        app = firebase_admin.initialize_app(certificate, {"projectId": "zan-bench", "httpTimeout": 10.0},
                                            name=f"zan-bench-{uuid.uuid4().hex[:8]}")
        point_messaging_at(app, self.base_url)
        return app


@contextmanager
def fake_process() -> Iterator[RemoteFake]:
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve-fake"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        yield RemoteFake(info["base_url"], info["service_account"], proc.pid)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(database_url: str, devices: int, changes: int, window: int | None) -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix="zan-bench-"))
    settings = Settings(database_url=database_url, redis_url=None, secret_key=uuid.uuid4().hex, var_dir=tmp,
                        relay_interval_s=1.0, log_json=False, log_level="WARNING", enable_routing=False)
    ctx = build_context(settings)
    out: dict[str, object] = {"database": database_url.split(":")[0], "devices": devices}
    with fake_process() as fake:
        app = fake.firebase_app()
        sender = FcmSender(app, window=window)
        ctx.extras["push_sender"] = sender
        out["window"] = sender.window
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
            await sender.warm_up()
            load_before = os.getloadavg()[0]
            started, cpu, fake_cpu = time.perf_counter(), time.process_time(), fake.cpu_s()
            await jobs.report_event(ctx, {"event_id": str(event.id), "report_id": str(report.id)})
            elapsed = time.perf_counter() - started
            cpu, fake_cpu = time.process_time() - cpu, fake.cpu_s() - fake_cpu
            accepted = await fake.count()
            # CPU per message is what the figure would be on an idle machine: 1 / it = one sender core's ceiling
            out["fanout"] = {"messages": accepted, "seconds": round(elapsed, 2),
                             "messages_per_s": round(accepted / elapsed),
                             "sender_cpu_s": round(cpu, 2),
                             "sender_cpu_ms_per_message": round(1000 * cpu / accepted, 3),
                             "fake_cpu_s": round(fake_cpu, 2),
                             "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
            await fake.reset()

            if not changes:
                return out
            # -- latency: status change committed → FCM accepted the push, through the running relay ------------
            async with ctx.sessions() as session:
                reports, tokens = [], []
                for i in range(changes):
                    r = await make_report(session)
                    tokens.append(f"lat-{i:05d}:APA91b{uuid.uuid4().hex}")
                    session.add(Device(owner_type="citizen", citizen_id=r.citizen_id, platform="ios",
                                       token=tokens[-1], language="ru"))
                    await session.flush()
                    await change_status(session, r, Action.ASSIGN, SYSTEM)  # so EN_ROUTE below is allowed
                    reports.append(r.id)
                await session.commit()
            relay = Relay(ctx)
            ctx.extras["relay"] = relay
            await relay.drain(120)
            await fake.reset()
            relay.start()
            started_at: dict[str, float] = {}
            for i, report_id in enumerate(reports):
                async with ctx.sessions() as session:
                    locked = await lock(session, report_id)
                    assert locked is not None
                    await change_status(session, locked, Action.ON_SCENE, DISPATCHER)
                    await session.commit()
                started_at[tokens[i]] = time.monotonic()
                relay.notify()
                # one change at a time; the polling cadence only paces the loop (latency = the fake's own stamp - t0)
                while await fake.count() < i + 1:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
            await relay.stop()
            arrivals = await fake.arrivals()
            latencies = [arrivals[token] - t0 for token, t0 in started_at.items()]
            out["latency_ms"] = {"changes": changes, "p50": round(statistics.median(latencies) * 1000, 1),
                                 "p95": round(pct(latencies, 0.95) * 1000, 1),
                                 "max": round(max(latencies) * 1000, 1)}
        finally:
            await fake.http.aclose()
            await delete_firebase_app(app)
            await ctx.close()
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--sqlite", action="store_true", help="embedded SQLite instead of PostgreSQL")
    parser.add_argument("--window", type=int, default=None, help="FcmSender.window (requests in flight)")
    args = parser.parse_args()
    if args.sqlite:
        path = Path(tempfile.mkdtemp(prefix="zan-bench-")) / "zan.db"
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(upgrade, url)
        print(json.dumps(await run(url, args.devices, args.changes, args.window), ensure_ascii=False, indent=2))
        return
    name = f"zan_bench_notif_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        await asyncio.to_thread(upgrade, url)
        print(json.dumps(await run(url, args.devices, args.changes, args.window), ensure_ascii=False, indent=2))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    if "--serve-fake" in sys.argv:
        serve_fake()
    else:
        asyncio.run(main())
