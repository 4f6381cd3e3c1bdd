"""`zan health …`: health checks a container runs on its own process (the image has no curl)."""

from __future__ import annotations

import asyncio
import errno
import socket
import sys

import click

from backend.context import context_scope
from backend.health.workers import check_here
from backend.lib.errors import brief, causes, database_lost
from backend.settings import Settings

# a connect's errors when nothing answers at the address: the host or its network unreachable or down, or timed out
_NO_ROUTE = frozenset({errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ETIMEDOUT})
# a host name that did not resolve: the resolver did not answer or failed (EAI_AGAIN, EAI_FAIL), or it answered that
# the name has no address (EAI_NONAME, EAI_NODATA). The last two are also what a misspelt host gives, but they are
# what a database outage gives too: a container platform's DNS drops the name of a database container that is
# stopped or being replaced (Docker's embedded DNS, a StatefulSet pod's name), and a DNS outage may answer NXDOMAIN.
# Failing the check on them would have every worker restarted into that outage. A misspelt host does not go unseen
# for passing here: `zan migrate` at deploy and every `zan` command stop naming it, the API's /health answers 503,
# the worker logs each failed pass, and this check's line names the error (a restart would not mend a typo either)
_NOT_RESOLVED = frozenset(
    # EAI_NODATA is glibc's, not on every platform
    {socket.EAI_AGAIN, socket.EAI_FAIL, socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}
)


@click.group()
def health() -> None:
    """Health checks for container orchestrators."""


@health.command("worker")
@click.option(
    "--pid",
    type=int,
    default=None,
    help="the worker's process id (default: every `zan worker` process with a heartbeat on this host)",
)
def worker(pid: int | None) -> None:
    """Exit 0 while this host's `zan worker` works (its heartbeat is fresh, its relay and SAQ consumer make
    progress), 1 otherwise. A Redis or database outage alone does not fail it: a restart would not help. Database
    settings it cannot use (a login refused, no such database) do: nothing else would tell of them."""
    settings = Settings.from_env()

    async def check() -> tuple[bool, list[str]]:
        async with context_scope(settings, null_pool=True) as ctx:
            return await check_here(ctx, pid)

    try:
        healthy, lines = asyncio.run(check())
    except Exception as exc:
        if not does_not_answer(exc):
            # this worker's own settings (a password or database name wrong, a file it cannot open): flagged, with
            # the `zan` command's one line on a database that cannot be used (backend/cli.py)
            raise
        # the database's outage, not this worker's: a restart would not help (every worker would come back to the
        # same outage), and the API's /health already answers 503. The heartbeat is judged again once it answers
        healthy, lines = True, [f"the database does not answer ({brief(exc)}): not judged until it does"]
    for line in lines:
        click.echo(line)
    sys.exit(0 if healthy else 1)


def does_not_answer(exc: BaseException) -> bool:
    """The database server cannot be had: refused, timed out, unreachable, its connection lost, every slot taken (the
    API's 503 rule), or its host name not resolved (see _NOT_RESOLVED). Not a login refused, a database that does
    not exist, or a table missing: a server that answers refuses those, and they are this worker's settings."""
    if database_lost(exc):
        return True
    for cause in causes(exc):
        # asyncpg raises the socket's errors as they are, and asyncio's TimeoutError when its connect timed out
        if isinstance(cause, socket.gaierror):
            if cause.errno in _NOT_RESOLVED:
                return True
        elif isinstance(cause, TimeoutError) or (isinstance(cause, OSError) and cause.errno in _NO_ROUTE):
            return True
    return False
