"""Only a lost database connection is `database.unavailable`: another library's connection error is not.

Before: redis-py raises its ConnectionError `from` the socket's ConnectionRefusedError (httpx's ConnectError
likewise), and the walk down `__cause__` took that for the database's connection: a Redis outage was answered and
logged as the database's (a WARNING line, no traceback), and a partner's signature given back for a request that
may have kept something."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
import redis.exceptions

from backend.lib.errors import database_lost


def _raised_from(outer: Exception, inner: BaseException) -> Exception:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer from exc
    except Exception as raised:
        return raised


@pytest.mark.parametrize(
    "outer",
    [
        redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
        httpx.ConnectError("ConnectionRefusedError: [Errno 111] Connection refused"),
    ],
    ids=["redis", "httpx"],
)
def test_another_librarys_connection_error_is_no_lost_database(outer: Exception) -> None:
    assert not database_lost(_raised_from(outer, ConnectionRefusedError(111, "Connection refused")))


def test_the_drivers_own_refusal_is_a_lost_database() -> None:
    # asyncpg lets the socket's error through as it is when it cannot connect
    assert database_lost(ConnectionRefusedError(111, "Connection refused"))


@pytest.mark.anyio
async def test_a_statement_on_a_connection_already_closed_is_a_lost_database() -> None:
    """Intake's registration runs on the pooled connection's asyncpg connection itself (reports/registration.py):
    one whose socket ended after the pool's checkout check fails with asyncpg's InterfaceError "connection is
    closed", not wrapped by SQLAlchemy, which tells that disconnect by the same words. It was a 500 `internal`; it is
    the database's outage, 503, to be sent again (nothing was stored)."""
    from tests.conftest import PG_ADMIN

    connection = await asyncpg.connect(PG_ADMIN)
    await connection.close()
    with pytest.raises(asyncpg.InterfaceError) as caught:
        await connection.fetchrow("SELECT 1")
    assert database_lost(caught.value)
    # the driver's other interface errors are the statement's, not a lost database
    assert not database_lost(asyncpg.InterfaceError("the server expects 2 arguments for this query, 1 was passed"))
