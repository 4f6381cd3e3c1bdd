"""`zan health worker` while the database's host name does not resolve: a database container that is stopped or being
replaced drops out of its platform's DNS (Docker's embedded DNS, a StatefulSet pod's name), and a DNS outage may
answer NXDOMAIN. That is the database not answering, which passes the check (DB outage is not a dead worker): it
exited 1, so every worker would be restarted into the outage. A misspelt host passes too: nothing here tells the two
apart, and it does not go unseen (backend/health/cli.py, _NOT_RESOLVED)."""

from __future__ import annotations

import socket
from pathlib import Path

import anyio
import pytest
from click.testing import CliRunner

from backend.cli import main
from backend.health.cli import does_not_answer

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "code",
    [socket.EAI_NONAME, socket.EAI_NODATA, socket.EAI_AGAIN, socket.EAI_FAIL],
    ids=["no-such-name", "no-address", "resolver-silent", "resolver-failed"],
)
def test_a_host_name_that_does_not_resolve_is_a_database_that_does_not_answer(code: int) -> None:
    assert does_not_answer(socket.gaierror(code, "not resolved"))


def test_a_resolver_call_that_is_wrong_in_itself_is_not_an_outage() -> None:
    # a port that is no service name: the address in the settings, not the network
    assert not does_not_answer(socket.gaierror(socket.EAI_SERVICE, "Servname not supported for ai_socktype"))


async def test_the_worker_check_passes_a_database_host_that_does_not_resolve(tmp_path: Path) -> None:
    # .invalid never resolves (RFC 6761): what a resolver answers for a name it has no address for
    env = {
        "ZAN_ENVIRONMENT": None,
        "ZAN_DATABASE_URL": "postgresql+asyncpg://postgres@zan-db.invalid:5432/zan",
        "ZAN_REDIS_URL": "redis://127.0.0.1:1/0",
        "ZAN_QUEUE": "saq",
        "ZAN_VAR_DIR": str(tmp_path),
        "ZAN_SECRET_KEY": "x" * 64,
    }
    result = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(main, ["health", "worker"], env=env))
    assert result.exit_code == 0, (result.output, result.exception)
    # the line names what failed, so a misspelt host is told apart from the outage by whoever reads it
    assert "the database does not answer (gaierror" in result.output, result.output
