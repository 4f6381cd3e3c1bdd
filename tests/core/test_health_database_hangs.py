"""/health is the load balancer's readiness probe: it must answer, in bounded time and with its own body, whatever
the database does. A PostgreSQL that still holds the pool's connections but no longer answers on them (a network
partition that drops packets, a server frozen or stopped with SIGSTOP, a failover that leaves the old primary's
sockets open) held every probe for ever: `SELECT 1` waited on a pooled connection with no timeout, each probe kept a
connection of the pool, and the probe that should have said "down" said nothing (found by the 2026-12 health review;
a refused connection was covered, tests/core/test_health_live.py, a silent one was not). A connection lost in the
middle of the later reads (the ledger's, the routing's) turned the answer into the API's 503 problem body instead of
the health report."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from backend.health import controller as health
from tests.conftest import make_settings
from tests.fakes.tcp_proxy import TcpProxy
from tests.helpers import serving

pytestmark = pytest.mark.anyio
PARTS = {"status", "database", "redis", "queue", "media", "ledger", "routing"}


@pytest.fixture
async def through_proxy(pg_url: str, tmp_path: Path) -> AsyncIterator[tuple[TcpProxy, httpx.AsyncClient]]:
    """The API with its pooled PostgreSQL connections through a proxy the test can shut (the server takes the
    bytes and never answers) or cut at a statement."""
    proxy = TcpProxy("127.0.0.1", 5432)
    address = await proxy.start()
    settings = make_settings(pg_url.replace("127.0.0.1:5432", address), tmp_path, enable_relay=False,
                             db_connect_timeout_s=10)
    try:
        async with serving(settings) as (_ctx, http):
            yield proxy, http
    finally:
        await proxy.close()


async def test_a_database_that_stops_answering_is_down_within_the_probes_time(
        through_proxy: tuple[TcpProxy, httpx.AsyncClient]) -> None:
    proxy, http = through_proxy
    for _ in range(10):  # the pool now holds a live connection (a busy machine may need a few tries to open it)
        ready = await http.get("/health")
        if ready.status_code == 200:
            break
    assert ready.status_code == 200 and ready.json()["database"]["ok"] is True, ready.text
    proxy.shut()  # PostgreSQL takes what is sent and never answers
    for _ in range(2):  # and the next probe too: the first one's connection is not left holding it up
        try:  # a bound, not a measurement: generous for a busy machine, where before there was no answer at all
            down = await asyncio.wait_for(http.get("/health"), timeout=health.HEALTH_DB_TIMEOUT_S * 5)
        except TimeoutError:
            pytest.fail("/health did not answer while the database was silent")
        assert down.status_code == 503, down.text
        body = down.json()
        assert set(body) == PARTS and body["status"] == "down"
        assert body["database"] == {"ok": False, "error": "TimeoutError"}
        assert "127.0.0.1" not in down.text and "postgres" not in down.text and "Traceback" not in down.text


async def test_a_connection_lost_during_the_later_reads_still_answers_the_health_report(
        through_proxy: tuple[TcpProxy, httpx.AsyncClient]) -> None:
    proxy, http = through_proxy
    proxy.cut_at(b"ledger_seals")  # the database check passes, the ledger's first read loses its connection
    got = await asyncio.wait_for(http.get("/health"), timeout=health.HEALTH_DB_TIMEOUT_S * 3)
    body = got.json()
    assert set(body) == PARTS, got.text
    assert body["database"]["ok"] is True and body["ledger"]["ok"] is False
    assert got.status_code == 200 and body["status"] == "degraded"
    assert "127.0.0.1" not in got.text and "postgres" not in got.text and "Traceback" not in got.text


async def test_metrics_leave_the_database_gauges_out_within_their_time(
        through_proxy: tuple[TcpProxy, httpx.AsyncClient]) -> None:
    """README: the database's gauges are "left out when it does not answer within 3 s"; the answer waited as long
    again for the given-up reads to close their connections."""
    proxy, http = through_proxy
    assert (await http.get("/metrics")).status_code == 200
    proxy.shut()
    # a bound, not a measurement: waiting for the given-up read's cleanup took as long as a new connection may
    # (the cancel request's: ZAN_DB_CONNECT_TIMEOUT_S, 10 s here), past this bound
    scraped = await asyncio.wait_for(http.get("/metrics"), timeout=health.DB_METRICS_TIMEOUT_S * 3)
    assert scraped.status_code == 200 and "zan_ledger_metrics_read 0.0" in scraped.text
