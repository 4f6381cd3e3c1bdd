"""Database engine and sessions. SQLite (embedded default) and PostgreSQL share every model and migration."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import Field, SQLModel

from backend.lib.clock import utcnow

metadata = SQLModel.metadata
# Stable constraint names so Alembic migrations are identical on SQLite (batch mode) and PostgreSQL.
metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Timestamps are stored in UTC and always come back timezone-aware, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        # SQLite has no zone type: keep naive UTC so string comparisons order correctly
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def uuid_pk() -> Any:
    return Field(default_factory=uuid.uuid4, primary_key=True)


def now_column() -> Any:
    return Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)


def tz_datetime(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UtcDateTime, nullable=nullable, index=index)


def json_column(default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_type=sa.JSON, nullable=False)


# The execution option that begins a SQLite transaction DEFERRED instead of IMMEDIATE (the "begin" listener in
# make_engine), set before its first statement: `session.connection(execution_options={SQLITE_READ_ONLY: True})`. For
# long reads that write nothing (`zan ledger verify`): IMMEDIATE, they held the one write lock for their whole run,
# and every write meanwhile waited busy_timeout (30 s) and failed. Under WAL a deferred transaction reads one
# snapshot and blocks no writer; a write in it could fail with SQLITE_BUSY_SNAPSHOT (the reason writers take
# IMMEDIATE), so only a transaction that writes nothing may use it. No effect on PostgreSQL.
SQLITE_READ_ONLY = "zan_sqlite_read_only"

# How long opening a PostgreSQL connection may take (ZAN_DB_CONNECT_TIMEOUT_S). asyncpg's own default is 60 s: a
# process facing a database host that drops packets (a firewall, a host gone from the network) hung every request,
# relay pass and health check a minute on each connection it opened. A server that answers takes milliseconds, and
# one loaded or across a slow link a few seconds, well within this.
DEFAULT_CONNECT_TIMEOUT_S = 10.0


def make_engine(database_url: str, *, null_pool: bool = False, pool_size: int = 20,
                max_overflow: int = 10, connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S) -> AsyncEngine:
    # A failed statement's exception text would otherwise carry its bound values, which are what citizens wrote
    # (names, addresses, the offence): that text is logged, and the log masker only knows IINs, phones and cards
    kwargs: dict[str, Any] = {"hide_parameters": True}
    if database_url.startswith("sqlite"):
        # a single writer at a time: wait for the lock instead of failing under concurrent intake (a local file:
        # nothing to connect to, so no connect timeout)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        # No JIT: its compile time (50–80 ms) dwarfs the short OLTP statements it kicks in for once a cost estimate
        # crosses jit_above_cost, e.g. the dispatch queue's page at a few hundred thousand reports
        # (docs/benchmarks-queries.md). Set per connection, so no database or role setting has to be remembered.
        # asyncpg's `timeout` bounds the whole connect (TCP, TLS, startup and login); it raises TimeoutError, which
        # the API answers 503 and the worker's health check counts as the database not answering
        kwargs["connect_args"] = {"server_settings": {"jit": "off"}, "timeout": connect_timeout_s}
    if not database_url.startswith("sqlite") and not null_pool:
        # Overflow connections are opened for a burst and closed again when returned. With a pool of 10, an
        # overloaded API worker spent a fifth of its registration statement's time opening connections, which
        # fed the overload; a bigger pool keeps them, and a small overflow bounds what one worker asks of the server.
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow)
    if null_pool:
        kwargs["poolclass"] = NullPool
    engine = create_async_engine(database_url, **kwargs)
    if not database_url.startswith("sqlite") and not null_pool:
        _check_checkouts(engine)
    if database_url.startswith("sqlite"):

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Take transaction control away from the driver: its implicit BEGIN does not cover SAVEPOINTs,
            # which left stale snapshots behind after a rolled-back savepoint (lost idempotency replays).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            if conn.get_execution_options().get(SQLITE_READ_ONLY):
                # a long read that writes nothing (SQLITE_READ_ONLY): deferred, under WAL a snapshot as of its first
                # read that takes no write lock, so writers go on meanwhile
                conn.exec_driver_sql("BEGIN DEFERRED")
                return
            # IMMEDIATE: writers queue on the lock (busy_timeout) instead of failing with SQLITE_BUSY_SNAPSHOT
            # when a read-then-write transaction races another writer. Embedded mode trades throughput for this.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


# A pooled connection that sat idle this long may have been closed by the server, a proxy or a restart.
_IDLE_PING_S = 5.0


def _check_checkouts(engine: AsyncEngine) -> None:
    """pool_pre_ping, but only for connections idle longer than _IDLE_PING_S; and, without a round trip, no
    connection the driver already knows is closed.

    A ping is a round trip on every checkout: on a busy API (intake checks a connection out per request) that was
    a tenth of a registration's cost, while a connection used a moment ago is known to be alive. A failed ping
    makes the pool discard the connection and check out a fresh one, as pool_pre_ping does.
    """
    pool_events = engine.sync_engine.pool

    @event.listens_for(pool_events, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["zan_idle_since"] = time.monotonic()

    @event.listens_for(pool_events, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        # one the driver already knows is closed (its socket ended while it sat in the pool: a network cut, a
        # server restart) is discarded without a round trip, however short its idle time: handed out, it failed
        # its request with "connection is closed" (a 500 after the database came back), as every other connection
        # pooled before the cut would have, one request each
        if dbapi_conn.driver_connection.is_closed():
            raise sa.exc.DisconnectionError("connection closed while in the pool")
        idle_since = record.info.get("zan_idle_since")
        if idle_since is None or time.monotonic() - idle_since < _IDLE_PING_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # any failure means the connection cannot be trusted
            raise sa.exc.DisconnectionError(str(exc)) from exc
        if not alive:
            raise sa.exc.DisconnectionError("idle connection failed its ping")


def insert_ignoring_conflicts(session: AsyncSession, table: sa.Table, conflict_columns: list[str]) -> Any:
    """INSERT … ON CONFLICT (columns) DO NOTHING on either database (both dialects spell it the same way)."""
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=conflict_columns)


def uuid_in(session: AsyncSession, column: Any, ids: list[uuid.UUID]) -> Any:
    """`column IN ids` on either database; on PostgreSQL one array parameter (`= ANY`): an IN list of 1,000
    parameters took 300 ms to plan and run there, the array 4 ms."""
    if is_postgres(session):
        return column == sa.func.any(sa.bindparam("ids", ids, type_=postgresql.ARRAY(sa.Uuid())))
    return column.in_(ids)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with factory() as session:
        yield session


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


__all__ = [
    "Field",
    "SQLModel",
    "datetime",
    "insert_ignoring_conflicts",
    "is_postgres",
    "json_column",
    "make_engine",
    "make_sessionmaker",
    "metadata",
    "now_column",
    "tz_datetime",
    "uuid_pk",
]
