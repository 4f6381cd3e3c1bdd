"""`zan ledger verify` on SQLite (embedded mode) beside the service's writers.

Every transaction there began BEGIN IMMEDIATE (backend/db.py), reads included, and `verify` checked the whole chain
in one transaction: for its whole run it held SQLite's one write lock. Past SQLite's 30 s busy_timeout (a record of a
few hundred thousand rows, at 10-25k rows/s) every report, comment, tablet push and job meanwhile waited 30 s and
then failed (503). A verify now reads the chain in a deferred transaction, which under WAL takes no write lock.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import pytest
from sqlalchemy import event

from backend.context import Context
from backend.ledger import verify
from backend.ledger.service import seal_pending
from tests.helpers import another_sqlite_writer
from tests.ledger.records import record_report

pytestmark = pytest.mark.anyio


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


def _audit_line_appended(raw: sqlite3.Connection) -> None:
    """A copy of an audit line already there under a new id: a row appended while the verify runs."""
    columns = [row[1] for row in raw.execute("PRAGMA table_info(audit_log)")]
    chosen = ", ".join("?" if column == "id" else f'"{column}"' for column in columns)
    raw.execute(f'INSERT INTO audit_log ({", ".join(columns)}) SELECT {chosen} FROM audit_log LIMIT 1',
                (uuid.uuid4().hex,))


async def test_a_verify_lets_writers_in_between_its_pages(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(2):
        await record_report(ctx)
    async with ctx.sessions() as session:
        seals = await seal_pending(session, ctx.settings.secret_keys, batch=1)
    assert len(seals) >= 3
    monkeypatch.setattr(verify, "SEALS_PAGE", 1)  # a page a seal: the chain is read in several pages
    pages: list[bool] = []

    def between_pages(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM ledger_seals" in statement and "ORDER BY ledger_seals.id" in statement:
            # each page's query, after the first: the pages before it were read in this verify's transaction
            pages.append(another_sqlite_writer(ctx, _audit_line_appended) if pages else True)

    event.listen(ctx.engine.sync_engine, "before_cursor_execute", between_pages)
    try:
        async with ctx.sessions() as session:
            verdict = await verify.verify(session, ctx.settings.secret_keys)
    finally:
        event.remove(ctx.engine.sync_engine, "before_cursor_execute", between_pages)
    assert len(pages) == len(seals) + 1  # a page a seal, and the empty one after the head
    assert all(pages), f"a writer was locked out of the database while the verify read the chain: {pages}"
    # rows appended meanwhile are no finding: the verdict is as of the verify's start (one snapshot, as on PostgreSQL)
    assert verdict.intact and verdict.count == len(seals) and verdict.pending == 0, verdict
    async with ctx.sessions() as session:
        assert await verify.pending(session) == len(seals)  # the lines written meanwhile await their seal
