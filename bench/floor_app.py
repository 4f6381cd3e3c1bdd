"""The floor: the least work any implementation of signed intake has to do, written as lean as Python allows.

It decodes and validates the same body as the bare endpoint, checks the partner's HMAC in constant time, claims the
signature's nonce in Redis (SET NX EX, as the issue asks for replay protection) and makes the report durable with one
INSERT … RETURNING over a raw asyncpg pool (no ORM, no outbox, no events, no routing, no language or district work).
Whatever Zan's intake does on top of this is its own cost; what this endpoint reaches is an upper bound for any intake
that keeps those guarantees on this machine. The bench runs it beside the bare endpoint and Zan.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

import asyncpg
import msgspec
import redis.asyncio as redis
from litestar import Litestar, Request, post
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException

from backend.partners.service import sign
from backend.reports.schemas import ReportCreate

SECRET = os.environ["ZAN_BENCH_FLOOR_SECRET"]
DSN = os.environ["ZAN_BENCH_FLOOR_DSN"]
REDIS = redis.Redis.from_url(os.environ["ZAN_BENCH_REDIS_URL"])
_pool: list[asyncpg.Pool] = []

# the table (bench/intake.py FLOOR_TABLE) is created by the bench before the servers start
INSERT = "INSERT INTO floor_reports (idempotency_key, body) VALUES ($1, $2::jsonb) RETURNING number"


@asynccontextmanager
async def lifespan(_app: Litestar) -> AsyncGenerator[None, None]:
    _pool.append(await asyncpg.create_pool(DSN, min_size=10, max_size=20))
    yield
    await _pool.pop().close()


@post("/api/v1/reports", status_code=201)
async def create(request: Request[None, None, State]) -> dict[str, object]:
    body = await request.body()
    report = msgspec.json.decode(body, type=ReportCreate)
    headers = request.headers
    ts, iin, signature = headers["x-timestamp"], headers["x-citizen-iin"], headers["x-signature"]
    if not hmac.compare_digest(sign(SECRET, ts, "POST", request.url.path, body, iin), signature):
        raise NotAuthorizedException("bad signature")
    if not await REDIS.set(f"floor:nonce:{signature}", 1, nx=True, ex=600):
        raise NotAuthorizedException("replayed")
    number = await _pool[0].fetchval(INSERT, headers["idempotency-key"], body.decode())
    return {"number": number, "text": report.text[:10]}


app = Litestar([create], lifespan=[lifespan])
