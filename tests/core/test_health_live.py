"""A liveness probe that asks nothing of the database or Redis, found by the 2026-12-05 operations audit: the
containers' healthcheck called /health (readiness: ~8 queries a probe, 503 without the database), so a database
outage marked every API container unhealthy, and an orchestrator acting on it would restart them all into the same
outage. /health stays the load balancer's readiness probe; the worker's own check passes a database outage too."""

from __future__ import annotations

import errno
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import httpx
import pytest
import yaml
from click.testing import CliRunner, Result

from backend.app import create_app
from backend.cli import main
from backend.context import build_context
from backend.health.cli import does_not_answer
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio
REPO = Path(__file__).resolve().parents[2]
# nothing listens on port 1: the database and Redis are "down", refused at once
CLOSED_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:1/zan"
CLOSED_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
async def outage(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The API in production's shape (SAQ on Redis) while neither the database nor Redis answers."""
    settings = make_settings(CLOSED_DATABASE, tmp_path, redis_url=CLOSED_REDIS, queue="saq", enable_relay=False)
    ctx = build_context(settings, null_pool=True)
    app = create_app(ctx=ctx)
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://zan.test") as http,
    ):
        yield http
    await ctx.close()


async def test_liveness_answers_while_the_database_and_redis_are_down(outage: httpx.AsyncClient) -> None:
    for _ in range(3):  # probed every few seconds: never refused, never rate-limited
        live = await outage.get("/health/live")  # no credentials
        assert live.status_code == 200, live.text
        assert live.json() == {"status": "alive"}  # and nothing else: no version, host or check results
    ready = await outage.get("/health")
    assert ready.status_code == 503 and ready.json()["status"] == "down"


async def test_liveness_is_documented_as_a_named_schema(app_client: httpx.AsyncClient) -> None:
    doc = (await app_client.get("/schema/openapi.json")).json()
    live = doc["paths"]["/health/live"]["get"]
    assert live["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Liveness"
    }
    assert not live.get("security") and "/health" in doc["paths"]
    assert (await app_client.get("/health/live")).json() == {"status": "alive"}


def test_the_api_container_probes_liveness() -> None:
    compose: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    test = " ".join(compose["services"]["api"]["healthcheck"]["test"])
    assert "127.0.0.1:8000/health/live" in test


async def _check_worker(tmp_path: Path, database: str) -> Result:
    """`zan health worker` with the database at `database` and Redis down."""
    env = {
        "ZAN_ENVIRONMENT": None,
        "ZAN_DATABASE_URL": database,
        "ZAN_REDIS_URL": CLOSED_REDIS,
        "ZAN_QUEUE": "saq",
        "ZAN_VAR_DIR": str(tmp_path),
        "ZAN_SECRET_KEY": "x" * 64,
    }
    return await anyio.to_thread.run_sync(lambda: CliRunner().invoke(main, ["health", "worker"], env=env))


async def test_the_worker_check_passes_a_database_outage(tmp_path: Path) -> None:
    """As a Redis outage: a restart would not help, every worker would come back to the same outage."""
    result = await _check_worker(tmp_path, CLOSED_DATABASE)
    assert result.exit_code == 0 and "the database does not answer" in result.output, result.output


@pytest.mark.parametrize(
    ("database", "said"),
    [
        # the login refused (asyncpg's 28000 class, a wrong password's as well), and a database name that is not there
        ("postgresql+asyncpg://zan_no_such_role@127.0.0.1:5432/test", 'role "zan_no_such_role" does not exist'),
        ("postgresql+asyncpg://postgres@127.0.0.1:5432/zan_no_such_db", 'database "zan_no_such_db" does not exist'),
    ],
)
async def test_the_worker_check_fails_on_database_settings_it_cannot_use(
    tmp_path: Path, database: str, said: str
) -> None:
    """The server answers and refuses: the worker's own settings, which a passing check would hide for good."""
    result = await _check_worker(tmp_path, database)
    assert result.exit_code == 1, result.output
    assert "cannot be used" in result.output and said in result.output, result.output
    assert "does not answer" not in result.output


def test_a_server_that_does_not_answer_is_an_outage_and_a_refused_login_is_not() -> None:
    """What asyncpg raises for a server that does not answer (a connect timed out, a host or network unreachable,
    a resolver that did not answer or a name it no longer has: a stopped database container's) passes the check as
    a refused connection does; a refused login or a missing database is a setting."""
    for silent in (
        TimeoutError(),
        ConnectionRefusedError(errno.ECONNREFUSED, "refused"),
        OSError(errno.EHOSTUNREACH, "No route to host"),
        OSError(errno.ENETUNREACH, "Network unreachable"),
        socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
        socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
    ):
        assert does_not_answer(silent), silent
    for setting in (
        asyncpg.InvalidPasswordError("password authentication failed"),
        asyncpg.InvalidCatalogNameError("database does not exist"),
        PermissionError(errno.EACCES, "Permission denied"),
    ):
        assert not does_not_answer(setting), setting
