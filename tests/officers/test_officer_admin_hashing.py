"""The admin API hashes a new password (argon2: 0.3–0.5 s by design) before its transaction begins.

Before: creation and reset hashed it inside the request's transaction. On SQLite every transaction begins IMMEDIATE
(backend.db), so the whole database's write lock was held through the hash and every other writer of the service
(intake, dispatch, the tablets' sync) waited; on PostgreSQL a reset held the officer's row, and a pooled connection,
through it.

Observed without timing: the hash is held at a gate (argon2's own hasher, wrapped; the real hash is computed once the
gate opens) while another connection takes the database's write lock (SQLite) or the officer's row (PostgreSQL). The
probe waits up to a few seconds for a lock the background jobs may hold for a moment; a lock held through the hash
is never let go while the gate is shut, so the probe fails then.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col

from backend.context import Context
from backend.officers.models import Officer
from tests.officers.factories import keyed, make_officer
from tests.officers.test_officer_admin_api import ADMIN, _admin

pytestmark = pytest.mark.anyio

GATED_PASSWORD = "held-at-the-gate-password"
PROBE_WAIT_S = 5  # how long the probe waits for a lock: a bound, not a measurement


class _Gate:
    """argon2's PasswordHasher.hash, held for GATED_PASSWORD until `opened` (`reached` is set, on the test's loop,
    when it gets there); every password hashed is noted."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.reached, self.opened = asyncio.Event(), threading.Event()
        self.hashed: list[str] = []

    def wrap(self, real: Callable[..., str]) -> Callable[..., str]:
        def hash_(hasher: PasswordHasher, password: str, *args: Any, **kwargs: Any) -> str:
            self.hashed.append(password)
            if password == GATED_PASSWORD:
                self.loop.call_soon_threadsafe(self.reached.set)
                self.opened.wait(60)  # opened by the test; the bound only keeps a broken test from hanging
            return real(hasher, password, *args, **kwargs)

        return hash_


@pytest.fixture
async def gate(monkeypatch: pytest.MonkeyPatch) -> _Gate:
    held = _Gate()
    monkeypatch.setattr(PasswordHasher, "hash", held.wrap(PasswordHasher.hash))
    return held


async def _another_writer_gets_in(ctx: Context, officer_id: uuid.UUID | None) -> bool:
    """Whether another connection can write now: on SQLite take the database's write lock, on PostgreSQL the
    officer's row."""
    if ctx.engine.dialect.name == "sqlite":
        path = str(ctx.engine.url.database)

        def begin_immediate() -> bool:
            conn = sqlite3.connect(path, timeout=PROBE_WAIT_S, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                return True
            except sqlite3.OperationalError:  # database is locked
                return False
            finally:
                conn.close()

        return await asyncio.to_thread(begin_immediate)
    assert officer_id is not None
    async with ctx.engine.connect() as conn:
        await conn.execute(text(f"SET LOCAL lock_timeout = '{PROBE_WAIT_S}s'"))
        try:
            await conn.execute(select(col(Officer.id)).where(col(Officer.id) == officer_id).with_for_update())
        except DBAPIError:  # lock timeout
            return False
        finally:
            await conn.rollback()
        return True


async def _while_hashing(ctx: Context, gate: _Gate, sent: Any, officer_id: uuid.UUID | None) -> tuple[
        httpx.Response, bool]:
    """Send the request (`sent`, a coroutine); once its hash is at the gate, probe; then open the gate."""
    task: asyncio.Task[httpx.Response] = asyncio.ensure_future(sent)
    reached = asyncio.ensure_future(gate.reached.wait())
    try:
        await asyncio.wait((task, reached), return_when=asyncio.FIRST_COMPLETED)
        reached.cancel()
        assert not task.done(), (await task).text
        free = await _another_writer_gets_in(ctx, officer_id)
    finally:
        gate.opened.set()
    return await task, free


async def test_a_reset_hashes_before_it_locks_anything(ctx: Context, app_client: httpx.AsyncClient,
                                                       gate: _Gate) -> None:
    _, headers = await _admin(ctx, app_client)
    officer, _ = await make_officer(ctx)
    path = f"{ADMIN}/{officer.id}/password"
    # the policy still refuses a password before anything is hashed
    weak = await app_client.post(path, json={"password": "short"}, headers=headers)
    assert (weak.status_code, weak.json()["code"]) == (422, "officer.password_policy")
    assert "short" not in gate.hashed

    answer, free = await _while_hashing(ctx, gate, app_client.post(path, json={"password": GATED_PASSWORD},
                                                                   headers=headers), officer.id)
    assert answer.status_code == 200, answer.text
    assert free, "the reset held the lock while hashing"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_creation_hashes_before_it_takes_the_write_lock(ctx: Context, app_client: httpx.AsyncClient,
                                                                gate: _Gate) -> None:
    """SQLite only: on PostgreSQL a creation locks no row an other writer waits for."""
    _, headers = await _admin(ctx, app_client)
    body = {"badge_number": "H-1", "full_name": "Офицер", "department": "patrol_police", "district": "astana"}
    weak = await app_client.post(ADMIN, json={**body, "password": "short"}, headers=keyed(headers))
    assert (weak.status_code, weak.json()["code"]) == (422, "officer.password_policy")
    assert "short" not in gate.hashed

    answer, free = await _while_hashing(ctx, gate, app_client.post(ADMIN, json={**body, "password": GATED_PASSWORD},
                                                                   headers=keyed(headers)), None)
    assert answer.status_code == 201, answer.text
    assert free, "the creation held the database's write lock while hashing"
