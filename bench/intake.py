"""Intake benchmark: signed report submissions against the real app (PostgreSQL) beside a bare Litestar endpoint.

    .venv/bin/python bench/intake.py [--seconds 10] [--concurrency 16] [--rate 200] [--workers 2] [--flush-delay-us N]
    .venv/bin/python bench/intake.py --in-process 1500

A third server, bench/floor_app.py, does only what any signed intake must (HMAC, Redis nonce, one INSERT): the
ceiling for the ratio on this machine. All servers run as uvicorn processes on loopback; the load generator is this
process. Background routing is off in the API process (in production it runs in `zan worker` processes), so the
figures are intake alone.

`--flush-delay-us N` plays a slower disk: every WAL flush of the benchmark database waits N µs more (PostgreSQL's
commit_delay with commit_siblings 0, set on that database only). A flush holds the WAL write lock, as a slow fsync
does, so commits queue as they would on such a disk.

`--in-process N` runs none of the servers: N registrations go through httpx's ASGI transport to the app in this
process, on the same database set-up, and the CPU per registration is printed. It is the A/B gauge for a change of
the intake path; run it interleaved against the old code (a private copy) a few times each.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.partners.service import sign  # noqa: E402
from bench._load import (  # noqa: E402
    Request,
    Result,
    closed_loop,
    named_processes_cpu_s,
    open_loop,
    process_tree_cpu_s,
)
from tests.helpers import make_iin  # noqa: E402

PG_ADMIN = os.environ.get("ZAN_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ZAN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# bench/floor_app.py's one table: a unique idempotency key, the body, a gapless-enough bigserial number
FLOOR_TABLE = """CREATE TABLE floor_reports (number bigserial PRIMARY KEY, idempotency_key text NOT NULL UNIQUE,
                                             body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"""


def wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def serve(app: str, port: int, env: dict[str, str], workers: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--no-access-log", "--workers", str(workers)],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def report_body(n: int, run_id: str) -> bytes:
    return json.dumps({"text": f"Шумят соседи по адресу Абая {n}, просьба принять меры ({run_id})",
                       "location": {"lat": 51.16 + (n % 100) / 10000, "lon": 71.47, "accuracy_m": 10}},
                      ensure_ascii=False).encode()


async def in_process(partner: dict[str, str], count: int, *, warmup: int = 200, concurrency: int = 4) -> None:
    """The app in this process (settings from the environment, as uvicorn's would be), driven through httpx's ASGI
    transport: no HTTP parsing, no scheduling between processes, so an A/B of one change of the intake path reads
    its CPU per registration with a spread of a few percent where the uvicorn runs spread by a third. The figure
    includes the ASGI client's own CPU (~0.4 ms)."""
    import gc

    from backend.app import create_app

    app = create_app()
    iin, run_id, sequence = make_iin(42), uuid.uuid4().hex[:6], itertools.count()

    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                                                  base_url="http://zan.test") as client:
        async def register() -> None:
            n = next(sequence)
            body = report_body(n, run_id)
            ts = str(int(time.time()))
            response = await client.post("/api/v1/reports", content=body, headers={
                "X-Partner-Id": partner["id"], "X-Timestamp": ts, "X-Citizen-IIN": iin,
                "X-Signature": sign(partner["secret"], ts, "POST", "/api/v1/reports", body, iin),
                "Idempotency-Key": f"{run_id}-{n}", "Content-Type": "application/json"})
            if response.status_code != 201:
                raise RuntimeError(f"registration answered {response.status_code}: {response.text[:300]}")

        async def run(total: int) -> None:
            left = iter(range(total))

            async def client_loop() -> None:
                for _ in left:
                    await register()

            await asyncio.gather(*(client_loop() for _ in range(concurrency)))

        await run(warmup)
        gc.collect()
        gc.freeze()  # as backend/asgi.py does after startup
        cpu, wall = time.process_time(), time.perf_counter()
        await run(count)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"in-process intake: {count} registrations, {concurrency} concurrent, load average "
          f"{os.getloadavg()[0]:.1f}: CPU {cpu * 1000 / count:.3f} ms per registration (app and its ASGI client), "
          f"wall {wall * 1000 / count:.3f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers, the same for both servers")
    parser.add_argument("--flush-delay-us", type=int, default=0, help="a slower disk: µs added to every WAL flush")
    parser.add_argument("--in-process", type=int, default=0, metavar="N",
                        help="instead: N registrations through httpx's ASGI transport in this process, CPU per one")
    args = parser.parse_args()

    db = f"zan_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{db}"')
    if args.flush_delay_us:
        await admin.execute(f'ALTER DATABASE "{db}" SET commit_delay = {int(args.flush_delay_us)}')
        await admin.execute(f'ALTER DATABASE "{db}" SET commit_siblings = 0')  # every commit, however quiet
    await admin.close()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{db}"
    # Redis as in production: replay nonces and the job queue (the relay is off: no jobs run in the API process)
    env = {"ZAN_DATABASE_URL": url, "ZAN_REDIS_URL": REDIS_URL, "ZAN_REDIS_PREFIX": db,
           "ZAN_SECRET_KEY": "bench-" + uuid.uuid4().hex, "ZAN_ENABLE_RELAY": "false",
           "ZAN_LOG_LEVEL": "WARNING", "ZAN_VAR_DIR": str(ROOT / "var" / "bench"),
           # one partner sends everything here: a limit far above the load keeps the rate counter on the measured path
           "ZAN_PARTNER_RATE_LIMIT": "1000000"}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        # setup runs before any load is generated, so blocking here costs nothing
        zan_env = {**os.environ, **env}
        subprocess.run([sys.executable, "-m", "backend.cli", "db", "upgrade"], cwd=ROOT, env=zan_env,  # noqa: ASYNC221
                       check=True, capture_output=True)
        out = subprocess.run([sys.executable, "-m", "backend.cli", "partners", "create", "--name", "bench"],  # noqa: ASYNC221
                             cwd=ROOT, env=zan_env, check=True, capture_output=True, text=True).stdout
        partner = json.loads(out.strip().splitlines()[-1])
        if args.in_process:
            os.environ.update(env)
            await in_process(partner, args.in_process)
            return

        procs.append(serve("backend.asgi:app", 8701, env, args.workers))
        procs.append(serve("bench.bare_app:app", 8702, env, args.workers))
        floor_dsn = url.replace("+asyncpg", "")  # asyncpg itself, no SQLAlchemy dialect
        conn = await asyncpg.connect(floor_dsn)
        await conn.execute(FLOOR_TABLE)
        await conn.close()
        procs.append(serve("bench.floor_app:app", 8703, {**env, "ZAN_BENCH_FLOOR_SECRET": partner["secret"],
                                                         "ZAN_BENCH_FLOOR_DSN": floor_dsn,
                                                         "ZAN_BENCH_REDIS_URL": REDIS_URL}, args.workers))
        wait_http("http://127.0.0.1:8701/health")
        wait_http("http://127.0.0.1:8702/schema")
        wait_http("http://127.0.0.1:8703/schema")
        iin = make_iin(42)
        run_id = uuid.uuid4().hex[:6]
        # every request of every phase is a new report: the loops number their requests from 0 each time, and a
        # number seen before would be an idempotent replay of an earlier phase's report, not a registration
        sequence = itertools.count()

        def body_for(n: int) -> bytes:
            return report_body(n, run_id)

        async def signed(client: httpx.AsyncClient, _n: int) -> int:
            n = next(sequence)
            body = body_for(n)
            ts = str(int(time.time()))
            headers = {"X-Partner-Id": partner["id"], "X-Timestamp": ts, "X-Citizen-IIN": iin,
                       "X-Signature": sign(partner["secret"], ts, "POST", "/api/v1/reports", body, iin),
                       "Idempotency-Key": f"{run_id}-{n}", "Content-Type": "application/json"}
            response = await client.post("/api/v1/reports", content=body, headers=headers)
            return response.status_code

        async def bare(client: httpx.AsyncClient, n: int) -> int:
            response = await client.post("/api/v1/reports", content=body_for(n),
                                         headers={"Content-Type": "application/json"})
            return response.status_code

        # warm up both (connection pools, JIT-free but caches: partner secret, district index)
        await closed_loop("warmup", "http://127.0.0.1:8701", signed, concurrency=4, seconds=2)
        await closed_loop("warmup", "http://127.0.0.1:8702", bare, concurrency=4, seconds=1)
        await closed_loop("warmup", "http://127.0.0.1:8703", signed, concurrency=4, seconds=1)
        load_before = os.getloadavg()[0]
        cpu_ms: list[tuple[float, float, float]] = []

        def cpu_now(proc: subprocess.Popen[bytes]) -> tuple[float, float, float]:
            # the servers are this process's children: the load generator is this process alone
            return process_tree_cpu_s(proc.pid), time.process_time(), named_processes_cpu_s("postgres")

        async def measured(label: str, proc: subprocess.Popen[bytes], base: str, request: Request) -> Result:
            """Closed loop, plus CPU per request of the server, the load generator and PostgreSQL: what the two
            cores are spent on (load-independent, unlike req/s on a shared box)."""
            before = cpu_now(proc)
            result = await closed_loop(label, base, request, concurrency=args.concurrency, seconds=args.seconds)
            after = cpu_now(proc)
            server, client, postgres = ((a - b) * 1000 / max(result.requests, 1)
                                        for a, b in zip(after, before, strict=True))
            cpu_ms.append((server, client, postgres))
            return result

        results = [
            await measured("bare Litestar (closed loop)", procs[1], "http://127.0.0.1:8702", bare),
            await measured("zan intake (closed loop)", procs[0], "http://127.0.0.1:8701", signed),
            await measured("floor: HMAC+nonce+INSERT (closed)", procs[2], "http://127.0.0.1:8703", signed),
            await open_loop(f"bare Litestar @ {args.rate:.0f} req/s", "http://127.0.0.1:8702", bare,
                            rate=args.rate, seconds=args.seconds),
            await open_loop(f"zan intake @ {args.rate:.0f} req/s", "http://127.0.0.1:8701", signed,
                            rate=args.rate, seconds=args.seconds),
            # the floor's tail at the same rate: what the machine (fsync, scheduling, neighbours) adds to any intake
            await open_loop(f"floor @ {args.rate:.0f} req/s", "http://127.0.0.1:8703", signed,
                            rate=args.rate, seconds=args.seconds),
        ]
        print(f"intake benchmark — PostgreSQL, {os.cpu_count()} cores, {args.workers} uvicorn workers per server, "
              f"{args.seconds:.0f} s per run, concurrency {args.concurrency}"
              + (f", WAL flushes delayed {args.flush_delay_us} µs" if args.flush_delay_us else "")
              + f"; load average {load_before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after")
        for result in results:
            print(result.line())
        for name, (server, client, postgres) in zip(("bare", "zan", "floor"), cpu_ms, strict=True):
            print(f"CPU per request, {name}: server {server:.2f} ms (all its processes), load generator "
                  f"{client:.2f} ms, PostgreSQL {postgres:.2f} ms")
        ratio = results[1].rps / results[0].rps if results[0].rps else 0
        floor = results[2].rps / results[0].rps if results[0].rps else 0
        print(f"zan / bare throughput: {ratio:.0%} (target ≥ 50 %); floor / bare: {floor:.0%} (the most any intake "
              f"with a Redis nonce and a PostgreSQL write reached here); zan p99 at {args.rate:.0f} req/s: "
              f"{results[4].pct(99):.1f} ms (target < 50 ms)")
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
