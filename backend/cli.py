"""The `zan` command: serve, migrate, seed, partners, workers, and the ML/legal/bot tools."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import click

from backend.lib.modules import optional_attr
from backend.settings import Settings, SettingsError

T = TypeVar("T")


def _run(coro_fn: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(coro_fn(Settings.from_env()))


class _ZanGroup(click.Group):
    """A mistyped or unsafe ZAN_* setting is a one-line error naming the variable (exit 1), not a traceback; so is
    a database that cannot be reached or refuses the login (server down, wrong host, password or database name)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from exc
        except Exception as exc:
            if not _database_unreachable(exc):
                raise
            raise click.ClickException(_unreachable_message(exc)) from exc


def _database_unreachable(exc: BaseException) -> bool:
    # imported here: `zan --help` and the commands that never touch the database stay quick to start
    import socket
    import sqlite3

    import asyncpg

    from backend.lib.errors import causes, database_lost, raised_in

    if database_lost(exc):  # refused, terminated, every connection slot taken (the API's 503 rule)
        return True
    for cause in causes(exc):
        # the login refused (a wrong user or password), or no such database
        if isinstance(cause, (asyncpg.InvalidAuthorizationSpecificationError, asyncpg.InvalidCatalogNameError)):
            return True
        # a host name that does not resolve, when asyncpg was connecting to it (not a webhook's or a bucket's)
        if isinstance(cause, socket.gaierror) and raised_in(cause, "asyncpg."):
            return True
        # the embedded database's file cannot be opened (a read-only or lost var dir, a directory in its place)
        if isinstance(cause, sqlite3.OperationalError) and "unable to open database file" in str(cause):
            return True
    return False


def _unreachable_message(exc: BaseException) -> str:
    """The cause on one line, and the address without its password (the message ends up in logs and tickets)."""
    from sqlalchemy.engine import make_url

    from backend.lib.errors import brief

    try:
        url = make_url(Settings.from_env().database_url)
        # a password may be given as a query parameter too (asyncpg takes `?password=`), which hide_password keeps
        secret = {key: "hidden" for key in url.query if any(word in key.lower() for word in ("password", "secret"))}
        where = url.update_query_dict(secret).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: the driver's own message says what is wrong with it
        where = "ZAN_DATABASE_URL"
    return f"the database at {where} cannot be used ({brief(exc)}): check ZAN_DATABASE_URL and that the server is up"


@click.group(cls=_ZanGroup)
def main() -> None:
    """Zan — Закон и Порядок / Заң мен Тәртіп."""


@main.group()
def db() -> None:
    """Database migrations."""


def _reached(revisions: tuple[str, ...]) -> str:
    return "database at " + (", ".join(revisions) if revisions else "base (no revision)")


def _migrate(step: Callable[[str, str], tuple[str, ...]], revision: str) -> None:
    """Run an upgrade or a downgrade and print the revisions reached; Alembic's refusals (an ambiguous step, an
    unknown revision) are one line, not a traceback."""
    from alembic.util import CommandError

    try:
        reached = step(Settings.from_env().database_url, revision)
    except CommandError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_reached(reached))


@db.command("upgrade")
@click.option("--revision", default="heads", help="target revision (default: the newest)")
def db_upgrade(revision: str) -> None:
    """Apply migrations (default: to head)."""
    from backend.migrate import upgrade

    _migrate(upgrade, revision)


@db.command("downgrade")
@click.option("--revision", default="-1", help="target revision, `base`, or -N steps (default: one step)")
def db_downgrade(revision: str) -> None:
    """Revert migrations (default: one step)."""
    from backend.migrate import downgrade

    _migrate(downgrade, revision)


@db.command("current")
def db_current() -> None:
    """Print the revisions the database is at."""
    from backend.migrate import current_revisions

    click.echo(_reached(current_revisions(Settings.from_env().database_url)))


@main.command()
def seed() -> None:
    """Seed demo reference data (demo partner app, demo units and officers where those domains exist); embedded mode
    only: refused with ZAN_ENVIRONMENT=production."""
    from backend.seed import SeedRefused, seed_demo

    try:
        result = _run(seed_demo)
    except SeedRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


@main.group()
def partners() -> None:
    """Partner applications (eGov Mobile, Kaspi, Halyk, bots, web chat)."""


@partners.command("create")
@click.option("--name", required=True)
@click.option("--webhook-url", default=None)
def partners_create(name: str, webhook_url: str | None) -> None:
    """Create a partner app; prints {"id", "name", "secret"} once (and "webhook_secret" with --webhook-url)."""
    from sqlalchemy.exc import IntegrityError

    from backend.context import context_scope
    from backend.notifications.webhook_target import WebhookTargetRefused, check_url
    from backend.partners.service import by_name, create

    taken = click.ClickException(f"a partner app named {name!r} already exists")

    async def go(settings: Settings) -> dict[str, Any]:
        if webhook_url is not None:  # as `zan notifications webhook-set` checks it (sending checks again)
            await check_url(webhook_url, allow_private=settings.webhooks_may_reach_private)
        async with context_scope(settings) as ctx, ctx.sessions() as session:
            if await by_name(session=session, name=name) is not None:
                raise taken
            try:
                created = await create(session=session, secret_key=settings.secret_key, name=name,
                                       webhook_url=webhook_url)
            except IntegrityError as exc:  # created meanwhile
                raise taken from exc
        out = {"id": str(created.id), "name": created.name, "secret": created.secret}
        return out if created.webhook_secret is None else {**out, "webhook_secret": created.webhook_secret}

    try:
        click.echo(json.dumps(_run(go)))
    except WebhookTargetRefused as exc:
        raise click.BadParameter(str(exc), param_hint="--webhook-url") from exc
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--name") from exc


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, type=click.IntRange(min=1))
@click.option("--allow-per-process-limits", is_flag=True,
              help="with --workers above 1 and no ZAN_REDIS_URL: start anyway, each process enforcing the limits "
                   "on its own")
def serve(host: str, port: int, workers: int, allow_per_process_limits: bool) -> None:
    """Serve the API (runs migrations first)."""
    import uvicorn

    from backend.migrate import upgrade

    settings = Settings.from_env()
    # without Redis the partner rate limit and the login and link-code failure limits live in each process's
    # memory: N processes behind one port would let through N times every limit, silently
    if workers > 1 and not settings.redis_url and not allow_per_process_limits:
        raise click.ClickException(
            f"--workers {workers} without ZAN_REDIS_URL would multiply the partner rate limit and the login and "
            f"link-code failure limits by {workers} (each process counts its own): set ZAN_REDIS_URL, run "
            f"--workers 1, or pass --allow-per-process-limits to accept that")
    upgrade(settings.database_url)
    uvicorn.run("backend.asgi:app", host=host, port=port, workers=workers, log_config=None,
                proxy_headers=True)


@main.command()
# 0 would start a worker that beats and relays but runs no job (SAQ starts `concurrency` consumers)
@click.option("--concurrency", default=20, type=click.IntRange(min=1))
def worker(concurrency: int) -> None:
    """Run SAQ workers and the outbox relay (production mode with ZAN_REDIS_URL)."""
    from backend.worker import run_worker

    settings = Settings.from_env()
    if not settings.redis_url:
        click.echo("ZAN_REDIS_URL is not set: in embedded mode jobs run inside `zan serve`", err=True)
        sys.exit(2)
    asyncio.run(run_worker(settings, concurrency=concurrency))


def _mount_optional(group: click.Group, spec: str, name: str) -> None:
    command = optional_attr(spec)
    if isinstance(command, click.Command):
        group.add_command(command, name)


_mount_optional(main, "backend.routing.cli:ml", "ml")
_mount_optional(main, "ml.legal.cli:legal", "legal")
_mount_optional(main, "backend.officers.cli:officers", "officers")
_mount_optional(main, "backend.officers.cli:units", "units")
_mount_optional(main, "backend.notifications.cli:notifications", "notifications")
_mount_optional(main, "bots.cli:bot", "bot")
_mount_optional(main, "backend.ledger.cli:ledger", "ledger")
_mount_optional(main, "backend.keys.cli:keys", "keys")
_mount_optional(main, "backend.health.cli:health", "health")
_mount_optional(main, "backend.jobs.cli:jobs", "jobs")
_mount_optional(partners, "backend.partners.cli:list_", "list")
_mount_optional(partners, "backend.partners.cli:disable", "disable")
_mount_optional(partners, "backend.partners.cli:enable", "enable")
_mount_optional(partners, "backend.partners.cli:rotate_secret", "rotate-secret")

if __name__ == "__main__":
    main()
