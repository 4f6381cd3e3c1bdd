"""`zan jobs …`: background tasks that gave up (dead letters), for the operator /health's `queue.dead` and the
`zan_dead_letters{queue="outbox"}` alert send here: which tasks, why, and running them again once that is fixed."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import click

from backend.settings import Settings


@click.group()
def jobs() -> None:
    """Background tasks (the outbox): dead letters."""


@jobs.command("dead")
@click.option("--task", "task_prefix", default=None, help="only tasks whose name starts with this (e.g. routing.)")
@click.option("--limit", default=50, type=click.IntRange(min=1))
def dead_cmd(task_prefix: str | None, limit: int) -> None:
    """Tasks that gave up after their attempts, newest first, one JSON object a line, with their last error."""
    from backend.context import context_scope
    from backend.jobs.service import stuck
    from backend.lib.logging import mask

    async def go() -> list[dict[str, Any]]:
        async with context_scope(Settings.from_env(), null_pool=True) as ctx, ctx.sessions() as session:
            rows = await stuck(session, task_prefix, limit)
        # the error is an exception's text, which may quote what a citizen sent: masked as the logs are
        return [{"id": str(r.id), "task": r.task, "attempts": r.attempts, "max_attempts": r.max_attempts,
                 "updated_at": r.updated_at.isoformat(), "last_error": mask(r.last_error or "")} for r in rows]

    rows = asyncio.run(go())
    if not rows:
        click.echo("no dead tasks", err=True)  # stdout is one JSON object per line, for scripts: none here
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False))


def _task_id(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[uuid.UUID]:
    try:
        return list(dict.fromkeys(uuid.UUID(v) for v in values))  # an id given twice is retried once, not "missing"
    except ValueError as exc:
        raise click.BadParameter(f"not a task id: {exc}") from exc


@jobs.command("retry")
@click.argument("task_ids", nargs=-1, callback=_task_id)
@click.option("--all", "retry_all", is_flag=True, help="every dead task")
def retry_cmd(task_ids: list[uuid.UUID], retry_all: bool) -> None:
    """Give dead tasks (the given ids, or --all) a fresh set of attempts; the relay runs them at once."""
    from backend.context import context_scope
    from backend.jobs.service import retry_dead

    if bool(task_ids) == retry_all:
        raise click.UsageError("name the dead tasks to retry (ids from `zan jobs dead`), or pass --all")

    async def go() -> int:
        async with context_scope(Settings.from_env(), null_pool=True) as ctx, ctx.sessions() as session:
            n = await retry_dead(session, task_ids or None)
            await session.commit()
        return n

    retried = asyncio.run(go())
    click.echo(f"{retried} task{'s' if retried != 1 else ''} requeued")
    if task_ids and retried < len(task_ids):  # a mistyped id, or one that is not dead (any more)
        raise click.ClickException(f"{len(task_ids) - retried} of the given ids name no dead task")
