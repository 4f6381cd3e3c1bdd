"""`zan partners list | disable | enable | rotate-secret`: an operator's hold on partner apps (a leaked secret is
stopped at once). `zan partners create` is in backend/cli.py."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import click

from backend.settings import Settings

if TYPE_CHECKING:
    from backend.context import Context

T = TypeVar("T")
# what the operator is told when the change could not be announced through Redis (backend/partners/admin.py)
NOT_ANNOUNCED = ("warning: Redis did not take the announcement; API processes that reach Redis apply the change "
                 "within a minute (run the command again to announce it now)")


def _run(work: Callable[[Context], Awaitable[T]]) -> T:
    """`work(ctx)` in a context of the environment's settings; an unknown id is a one-line error."""
    from backend.context import context_scope
    from backend.partners.admin import UnknownPartner

    async def go() -> T:
        async with context_scope(Settings.from_env(), null_pool=True) as ctx:
            return await work(ctx)

    try:
        return asyncio.run(go())
    except UnknownPartner as exc:
        raise click.ClickException(f"no partner app has the id {exc} (`zan partners list`)") from exc


def _echo(out: dict[str, Any], announced: bool) -> None:
    click.echo(json.dumps(out, ensure_ascii=False))
    if not announced:
        click.echo(NOT_ANNOUNCED, err=True)


def _partner_id(_ctx: click.Context, _param: click.Parameter, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise click.BadParameter("a partner app's id (a UUID, as `zan partners list` prints it)") from exc


_ID = click.option("--id", "partner_id", required=True, callback=_partner_id, help="the partner app's id")


@click.command("list")
def list_() -> None:
    """Print every partner app, one JSON object a line: id, name, active, created (never a secret)."""
    from backend.partners.admin import listed

    async def work(ctx: Context) -> list[dict[str, Any]]:
        async with ctx.sessions() as session:
            return [{"id": str(p.id), "name": p.name, "active": p.active, "created": p.created_at.isoformat()}
                    for p in await listed(session=session)]

    for line in _run(work):
        click.echo(json.dumps(line, ensure_ascii=False))


@click.command("disable")
@_ID
@click.option("--reason", required=True, help="why (kept in the audit log), e.g. the secret leaked")
def disable(partner_id: uuid.UUID, reason: str) -> None:
    """Refuse the partner app's requests from now on (403 auth.partner_disabled), in every API process."""
    from backend.partners import admin

    try:
        done = _run(lambda ctx: admin.disable(ctx, partner_id=partner_id, reason=reason))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--reason") from exc
    _echo({"id": str(done.partner.id), "name": done.partner.name, "active": False, "changed": done.changed},
          done.announced)


@click.command("enable")
@_ID
def enable(partner_id: uuid.UUID) -> None:
    """Accept the partner app's requests again."""
    from backend.partners import admin

    done = _run(lambda ctx: admin.enable(ctx, partner_id=partner_id))
    _echo({"id": str(done.partner.id), "name": done.partner.name, "active": True, "changed": done.changed},
          done.announced)


@click.command("rotate-secret")
@_ID
@click.option("--grace-minutes", default=0, show_default=True, type=click.IntRange(0, 7 * 24 * 60),
              help="how long the old secret keeps working beside the new one (0: it stops at once)")
def rotate_secret(partner_id: uuid.UUID, grace_minutes: int) -> None:
    """Give the partner app a new secret; prints {"id", "name", "secret", "previous_valid_until"} once. The webhook
    secret is not changed."""
    from backend.partners import admin

    done = _run(lambda ctx: admin.rotate_secret(ctx, partner_id=partner_id,
                                                grace=timedelta(minutes=grace_minutes)))
    until = done.previous_until.isoformat() if done.previous_until else None
    _echo({"id": str(done.partner.id), "name": done.partner.name, "secret": done.secret,
           "previous_valid_until": until}, done.announced)
