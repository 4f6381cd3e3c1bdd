"""Notifications benchmark: fan-out throughput to the loopback FCM, and status change → push latency.

    .venv/bin/python bench/notifications.py [--devices 10000] [--changes 200 (0: fan-out only)] [--sqlite]
                                            [--window N] [--workers N]

The real path end to end: PostgreSQL (or SQLite), the `notifications.report_event` handler (writing the Delivery
rows is part of the fan-out figure), Delivery rows claimed in chunks of 500, firebase-admin 7.7 `send_each_async`
with OAuth over `http1.Http1Transport`, against FakeFCM on 127.0.0.1 (one HTTP/1.1 request per message).

- Default: this process runs the handler (one sender process), then the latency run through its outbox relay.
- `--workers N`: N `zan worker` processes (backend.worker.run_worker: SAQ on Redis + relay, push backend fcm from
  ZAN_* settings, as deployed); this process commits the status change and hands the outbox task to SAQ. The event's
  task enqueues helper tasks for a big fan-out (notifications.jobs.SHARE_EVERY), which the other workers take.
  Fan-out only (no latency run), PostgreSQL only.

The fake runs in a *separate process* (this script with `--serve-fake`); it stamps each accepted message with
`time.monotonic()` (CLOCK_MONOTONIC, comparable across processes), so durations and latencies are exact whatever the
polling cadence. CPU seconds of the sender process(es), the fake, the PostgreSQL backends serving the bench database
(not the server's background writers) and Redis are printed beside the 1-minute load average: on a shared
machine CPU per message is the load-independent figure. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import firebase_admin
import httpx
from firebase_admin import credentials

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.context import build_context  # noqa: E402
from backend.jobs.relay import Relay  # noqa: E402
from backend.migrate import upgrade  # noqa: E402
from backend.notifications import jobs  # noqa: E402
from backend.notifications.fcm import FcmSender, point_messaging_at  # noqa: E402
from backend.notifications.models import Device  # noqa: E402
from backend.reports.models import Report  # noqa: E402
from backend.reports.service import SYSTEM, By, change_status, lock  # noqa: E402
from backend.reports.workflow import Action, Actor  # noqa: E402
from backend.settings import Settings  # noqa: E402
from tests.core.factories import make_report  # noqa: E402
from tests.fakes._http1_server import Request, Response, json_response  # noqa: E402
from tests.fakes.fcm import FakeFCM, _skip_access_boundary_lookup, delete_firebase_app  # noqa: E402

DISPATCHER = By(Actor.DISPATCHER, "bench", "console")
PG_ADMIN = os.environ.get("ZAN_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ZAN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


class CountingFakeFCM(FakeFCM):
    """FakeFCM plus `GET /_bench` ({"count", "arrivals": {target: monotonic time of first acceptance}})."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[str, float] = {}

    def handle(self, request: Request) -> Response | Awaitable[Response]:
        if request.path == "/_bench":
            body: dict[str, Any] = {"count": len(self._state.pushes)}
            if "arrivals=1" in request.query:
                body["arrivals"] = self.arrivals
            return json_response(body)
        if request.path == "/_bench/reset":
            self.reset()
            self.arrivals.clear()
            return json_response({})
        return super().handle(request)

    def _answer(self, request: Request, project: str, body: dict[str, Any], target: str, field_name: str,
                rule: Any) -> Response:
        response = super()._answer(request, project, body, target, field_name, rule)
        if response.status == 200:
            self.arrivals.setdefault(target, time.monotonic())
        return response


def serve_fake() -> None:
    """Child process: start the fake, print {"base_url", "service_account"} on one line, serve until stdin closes."""
    fake = CountingFakeFCM()
    fake.start()
    print(json.dumps({"base_url": fake.base_url, "service_account": fake.service_account("zan-bench")}), flush=True)
    sys.stdin.read()
    fake.stop()


def serve_worker() -> None:
    """Child process: `zan worker` with ZAN_* settings from the environment (SIGTERM stops it)."""
    from backend.context import context_scope
    from backend.jobs.scheduled import run_scheduled
    from backend.worker import run_worker

    async def first_minute(settings: Settings) -> None:
        # the once-a-minute jobs import their modules on first use (the Telegram bot stack: ~4 s of CPU, blocking
        # the loop): a worker that has been up for a minute, as in service, has paid that already
        async with context_scope(settings) as ctx:
            await run_scheduled(ctx)

    settings = Settings.from_env()
    asyncio.run(first_minute(settings))
    print("ready", flush=True)
    asyncio.run(run_worker(settings, concurrency=int(os.environ["ZAN_BENCH_WORKER_CONCURRENCY"])))


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def others_cpu(fake: RemoteFake, database: str | None, *, redis: bool = False) -> dict[str, float]:
    """CPU seconds so far of the fake, the PostgreSQL backends serving `database` (other users of the server and its
    background writers are left out) and, if asked, the Redis server."""
    out = {"fake": cpu_s(fake.pid)}
    if database:
        out["postgres"] = cpu_where(lambda comm, cmdline: comm == "postgres" and database in cmdline)
    if redis:
        out["redis"] = cpu_where(lambda comm, cmdline: comm == "redis-server")
    return out


def cpu_where(match: Callable[[str, str], bool]) -> float:
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if match((entry / "comm").read_text().strip(), (entry / "cmdline").read_text(errors="replace")):
                    total += cpu_s(int(entry.name))
            except OSError:
                continue
    return total


class RemoteFake:
    """The parent's handle on the fake process."""

    def __init__(self, base_url: str, service_account: dict[str, Any], pid: int) -> None:
        self.base_url, self.service_account, self.pid = base_url, service_account, pid
        self.http = httpx.AsyncClient(base_url=base_url)

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


@contextmanager
def worker_processes(count: int, env: dict[str, str]) -> Iterator[list[int]]:
    procs = [subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve-worker"], cwd=ROOT,
                              env={**os.environ, **env}, stdout=subprocess.PIPE, text=True) for _ in range(count)]
    try:
        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError("a worker process failed to start")
        yield [proc.pid for proc in procs]
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def phones_of_one_reporter(ctx: Any, devices: int) -> Report:
    async with ctx.sessions() as session:
        report = await make_report(session, category="public_order")  # a visible push, not a data-only one
        session.add_all([Device(owner_type="citizen", citizen_id=report.citizen_id, platform="android",
                                token=f"bench-{i:06d}:APA91b{uuid.uuid4().hex}{uuid.uuid4().hex}",
                                language=("kk", "ru", "en")[i % 3]) for i in range(devices)])
        await session.commit()
    return report


def figures(messages: int, seconds: float, sender_cpu: float, others: dict[str, float],
            load_before: float) -> dict[str, object]:
    """CPU per message is what counts on a shared machine: 1 / it = one idle core's ceiling for that process."""
    out: dict[str, object] = {"messages": messages, "seconds": round(seconds, 2),
                              "messages_per_s": round(messages / seconds),
                              "sender_cpu_s": round(sender_cpu, 2),
                              "sender_cpu_ms_per_message": round(1000 * sender_cpu / messages, 3)}
    for name, value in others.items():
        out[f"{name}_cpu_ms_per_message"] = round(1000 * value / messages, 3)
    out["load_average_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return out


async def fanout_in_process(ctx: Any, fake: RemoteFake, sender: FcmSender, devices: int) -> dict[str, object]:
    """One status change, `devices` phones of its reporter; this process runs the outbox task's handler."""
    report = await phones_of_one_reporter(ctx, devices)
    async with ctx.sessions() as session:
        event = await change_status(session, report, Action.ASSIGN, SYSTEM)
        await session.commit()
    await sender.warm_up()  # the OAuth token: steady-state sending is what is measured
    load_before = os.getloadavg()[0]
    database = ctx.engine.url.database if ctx.settings.database_url.startswith("postgresql") else None
    others_before = others_cpu(fake, database)
    started, cpu = time.perf_counter(), time.process_time()
    await jobs.report_event(ctx, {"event_id": str(event.id), "report_id": str(report.id)})
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    others = {name: value - others_before[name] for name, value in others_cpu(fake, database).items()}
    return figures(await fake.count(), elapsed, cpu, others, load_before)


async def through_saq(ctx: Any, fake: RemoteFake, report: Report, messages: int) -> tuple[float, dict[str, float]]:
    """Commit a status change, hand its outbox task to SAQ, wait for `messages` pushes. Returns (commit time, the
    fake's arrival stamps)."""
    async with ctx.sessions() as session:
        await change_status(session, report, Action.ASSIGN, SYSTEM)
        await session.commit()
    committed = time.monotonic()
    await Relay(ctx).run_once()
    while await fake.count() < messages and time.monotonic() < committed + 300:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # the last chunks' settling is part of the work
    return committed, await fake.arrivals()


async def fanout_workers(ctx: Any, fake: RemoteFake, devices: int, workers: int,
                         concurrency: int) -> dict[str, object]:
    """The same fan-out, run by `workers` worker processes (the event's task and its helpers, through SAQ)."""
    # a first fan-out big enough to reach every worker warms them (FCM app, OAuth token, connections), as in service
    warm_up = await phones_of_one_reporter(ctx, jobs.SHARE_EVERY * workers)
    report = await phones_of_one_reporter(ctx, devices)
    tmp = Path(tempfile.mkdtemp(prefix="zan-bench-"))
    account = tmp / "service-account.json"
    account.write_text(json.dumps(fake.service_account))
    prefix = f"zanbench{uuid.uuid4().hex[:8]}"
    env = {"ZAN_DATABASE_URL": ctx.settings.database_url, "ZAN_REDIS_URL": REDIS_URL, "ZAN_REDIS_PREFIX": prefix,
           "ZAN_SECRET_KEY": ctx.settings.secret_key, "ZAN_VAR_DIR": str(tmp), "ZAN_FCM_CREDENTIALS_FILE": str(account),
           "ZAN_FCM_PROJECT_ID": "zan-bench", "ZAN_FCM_BASE_URL": fake.base_url, "ZAN_ENABLE_ROUTING": "0",
           "ZAN_LOG_LEVEL": "WARNING", "ZAN_LOG_JSON": "0", "ZAN_BENCH_WORKER_CONCURRENCY": str(concurrency)}
    # this process only commits and hands the outbox task to SAQ (what the API process's relay does)
    ctx = build_context(ctx.settings.with_(redis_url=REDIS_URL, queue="saq", redis_prefix=prefix))
    try:
        with worker_processes(workers, env) as pids:
            await asyncio.sleep(2.0)  # SAQ workers connect and start polling
            await through_saq(ctx, fake, warm_up, jobs.SHARE_EVERY * workers)
            await fake.reset()
            load_before = os.getloadavg()[0]
            before = {pid: cpu_s(pid) for pid in pids}
            others_before = others_cpu(fake, ctx.engine.url.database, redis=True)
            committed, arrivals = await through_saq(ctx, fake, report, devices)
            sender_cpu = sum(cpu_s(pid) - before[pid] for pid in pids)
            others = {name: value - others_before[name]
                      for name, value in others_cpu(fake, ctx.engine.url.database, redis=True).items()}
    finally:
        if ctx.redis is not None:
            keys = [key async for key in ctx.redis.scan_iter(match=f"{prefix}*")]
            keys += [key async for key in ctx.redis.scan_iter(match=f"saq:{prefix}*")]
            if keys:
                await ctx.redis.delete(*keys)
        await ctx.close()
    out = figures(len(arrivals), max(arrivals.values()) - committed, sender_cpu, others, load_before)
    return {"workers": workers, "worker_concurrency": concurrency,
            "first_message_s": round(min(arrivals.values()) - committed, 2), **out}


async def latency(ctx: Any, fake: RemoteFake, changes: int) -> dict[str, object]:
    """Status change committed → FCM accepted the push, through this process's running relay, one at a time."""
    async with ctx.sessions() as session:
        reports, tokens = [], []
        for i in range(changes):
            r = await make_report(session, category="public_order")
            tokens.append(f"lat-{i:05d}:APA91b{uuid.uuid4().hex}")
            session.add(Device(owner_type="citizen", citizen_id=r.citizen_id, platform="ios", token=tokens[-1],
                               language="ru"))
            await session.flush()
            await change_status(session, r, Action.ASSIGN, SYSTEM)  # so ON_SCENE below is allowed
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
        # the polling cadence only paces the loop (latency = the fake's own stamp - t0)
        while await fake.count() < i + 1:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    await relay.stop()
    arrivals = await fake.arrivals()
    latencies = [arrivals[token] - t0 for token, t0 in started_at.items()]
    return {"changes": changes, "p50": round(statistics.median(latencies) * 1000, 1),
            "p95": round(pct(latencies, 0.95) * 1000, 1), "max": round(max(latencies) * 1000, 1)}


async def run(database_url: str, args: argparse.Namespace) -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix="zan-bench-"))
    settings = Settings(database_url=database_url, redis_url=None, secret_key=uuid.uuid4().hex, var_dir=tmp,
                        relay_interval_s=1.0, log_json=False, log_level="WARNING", enable_routing=False)
    ctx = build_context(settings)
    out: dict[str, object] = {"database": database_url.split(":")[0], "devices": args.devices}
    with fake_process() as fake:
        app = fake.firebase_app()
        try:
            if args.workers:
                out["fanout"] = await fanout_workers(ctx, fake, args.devices, args.workers, args.worker_concurrency)
                return out
            sender = FcmSender(app, window=args.window)
            ctx.extras["push_sender"] = sender
            out["window"] = sender.window
            out["fanout"] = await fanout_in_process(ctx, fake, sender, args.devices)
            await fake.reset()
            if args.changes:
                out["latency_ms"] = await latency(ctx, fake, args.changes)
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
    parser.add_argument("--workers", type=int, default=0, help="fan out through N `zan worker` processes")
    parser.add_argument("--worker-concurrency", type=int, default=4,
                        help="`zan worker --concurrency` (SAQ jobs per process; see the docs on why 4)")
    args = parser.parse_args()
    if args.sqlite:
        if args.workers:
            parser.error("--workers needs PostgreSQL")
        path = Path(tempfile.mkdtemp(prefix="zan-bench-")) / "zan.db"
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(upgrade, url)
        print(json.dumps(await run(url, args), ensure_ascii=False, indent=2))
        return
    name = f"zan_bench_notif_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        await asyncio.to_thread(upgrade, url)
        print(json.dumps(await run(url, args), ensure_ascii=False, indent=2))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    if "--serve-fake" in sys.argv:
        serve_fake()
    elif "--serve-worker" in sys.argv:
        serve_worker()
    else:
        asyncio.run(main())
