"""`zan health …`: health checks a container runs on its own process (the image has no curl)."""

from __future__ import annotations

import asyncio
import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from backend.context import context_scope
from backend.health.workers import check_here
from backend.settings import Settings


@click.group()
def health() -> None:
    """Health checks for container orchestrators."""


@health.command("worker")
@click.option("--pid", type=int, default=None,
              help="the worker's process id (default: every `zan worker` process with a heartbeat on this host)")
def worker(pid: int | None) -> None:
    """Exit 0 while this host's `zan worker` works (its heartbeat is fresh, its relay and SAQ consumer make
    progress), 1 otherwise. A Redis or database outage alone does not fail it: a restart would not help."""
    settings = Settings.from_env()

    async def check() -> tuple[bool, list[str]]:
        async with context_scope(settings, null_pool=True) as ctx:
            return await check_here(ctx, pid)

    try:
        healthy, lines = asyncio.run(check())
    except (SQLAlchemyError, OSError) as exc:
        # the database's outage, not this worker's: a restart would not help (every worker would come back to the
        # same outage), and the API's /health already answers 503. The heartbeat is judged again once it answers
        healthy, lines = True, [f"the database does not answer ({type(exc).__name__}): not judged until it does"]
    for line in lines:
        click.echo(line)
    sys.exit(0 if healthy else 1)
