"""Alembic environment: async engines, the same revisions on SQLite (batch mode) and PostgreSQL."""

from __future__ import annotations

import asyncio
import fcntl
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Literal

from alembic import context
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.db import UtcDateTime, make_engine
from backend.models import metadata
from backend.settings import Settings

config = context.config


def _url() -> str:
    return config.attributes.get("database_url") or Settings.from_env().database_url


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Migrations must not import application code: our UTC type is a plain timezone-aware DateTime in the schema."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=False,
        render_item=_render_item,
    )


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    before = context.get_context().get_current_heads()
    with context.begin_transaction():
        context.run_migrations()
    # only when a migration ran: a start with nothing to do (every `zan serve`) scans no table
    if connection.dialect.name == "sqlite" and context.get_context().get_current_heads() != before:
        # what the foreign keys left off below would have refused: named, not left in the data
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"rows whose foreign keys point nowhere after migrating: {broken[:10]}")


# `zan serve` migrates before it listens, and replicas start together: one migrates at a time, and the others then
# find nothing to do. Two at once each read the revision, both applied the next migration, and one failed (a column
# that already exists, two index builds deadlocked), or both, leaving the database between revisions.
_MIGRATION_LOCK = 0x7A616E6D6967  # "zanmig": the advisory lock's key, apart from any other
_LOCK_POLL_S = 0.5


@asynccontextmanager
async def _postgres_alone(engine: AsyncEngine) -> AsyncIterator[None]:
    """The PostgreSQL migration lock, held by a session of its own for as long as the migration runs. Polled in
    autocommit, never waited for inside a transaction: a waiting statement's snapshot would hold up the other
    process's CREATE INDEX CONCURRENTLY, which waits for every older snapshot, while that process holds the lock."""
    async with engine.connect() as holder:
        holder = await holder.execution_options(isolation_level="AUTOCOMMIT")
        while True:
            if (await holder.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})).scalar():
                break
            await asyncio.sleep(_LOCK_POLL_S)
        yield  # released with the session


@contextmanager
def _sqlite_alone(url: str) -> Iterator[None]:
    """The same for an SQLite file: an exclusive lock on a file beside it, for as long as the migration runs."""
    path = make_url(url).database
    if not path or path == ":memory:":
        yield
        return
    with open(Path(f"{path}.migrate.lock"), "a") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                time.sleep(_LOCK_POLL_S)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


async def _run_async() -> None:
    url = _url()
    engine = make_engine(url, null_pool=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _foreign_keys_off(dbapi_conn: Any, _record: Any) -> None:
            # make_engine turns them on for the service. Batch mode rebuilds a table by copying it and dropping the
            # old one, and with them on SQLite takes the drop as deleting every row: a draft's photo stopped the
            # upgrade ("FOREIGN KEY constraint failed"), a downgrade cascaded deletes (Alembic's advice for batch
            # mode; _run_sync checks the keys once migrated)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.close()

    try:
        with _sqlite_alone(url) if engine.dialect.name == "sqlite" else nullcontext():
            alone = _postgres_alone(engine) if engine.dialect.name == "postgresql" else nullcontext()
            async with alone, engine.connect() as connection:
                await connection.run_sync(_run_sync)
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_sync(connection)
    else:
        asyncio.run(_run_async())
