"""`zan notifications ...`: dead-lettered deliveries, retrying them, partner webhooks."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import click

from backend.settings import Settings


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


@click.group()
def notifications() -> None:
    """Push notifications, partner webhooks, area alerts."""


@notifications.command("stuck")
@click.option("--limit", default=50, type=int)
def stuck_cmd(limit: int) -> None:
    """Deliveries that gave up (dead-lettered), with their last error."""
    from backend.context import context_scope
    from backend.lib.logging import mask
    from backend.notifications.service import stuck

    async def go() -> list[dict[str, Any]]:
        async with context_scope(Settings.from_env(), null_pool=True) as ctx, ctx.sessions() as session:
            rows = await stuck(session, limit)
        # the error may quote what a partner's endpoint or FCM answered about a citizen: masked as the logs are
        return [{"id": str(r.id), "event": r.event_key, "kind": r.kind, "attempts": r.attempts,
                 "updated_at": r.updated_at.isoformat(), "last_error": mask(r.last_error or "")} for r in rows]

    rows = _run(go())
    if not rows:
        click.echo("no stuck deliveries", err=True)  # stdout is one JSON object per line, for scripts: none here
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False))


@notifications.command("retry")
@click.argument("delivery_ids", nargs=-1)
def retry_cmd(delivery_ids: tuple[str, ...]) -> None:
    """Give dead deliveries (all, or the given ids) a fresh set of attempts; the sweeper sends them."""
    from backend.context import context_scope
    from backend.notifications.service import retry_dead

    async def go() -> int:
        async with context_scope(Settings.from_env(), null_pool=True) as ctx, ctx.sessions() as session:
            n = await retry_dead(session, [uuid.UUID(i) for i in delivery_ids] or None)
            await session.commit()
        return n

    click.echo(f"{_run(go())} deliveries requeued")


@notifications.command("webhook-set")
@click.option("--partner", "name", required=True, help="partner app name (as created with `zan partners create`)")
@click.option("--url", required=True, help="https URL that receives signed status changes")
@click.option("--keep-secret", is_flag=True,
              help="move the URL only, keeping the signing secret the partner already has (printed as null)")
def webhook_set(name: str, url: str, keep_secret: bool) -> None:
    """Set a partner's webhook URL and a new signing secret; the secret is printed once, stored sealed.

    In production the URL must be https and its host resolve to public addresses only (ZAN_WEBHOOK_ALLOW_PRIVATE)."""
    from backend.context import context_scope
    from backend.notifications.webhook_target import WebhookTargetRefused, check_url
    from backend.partners.service import by_name, set_webhook

    settings = Settings.from_env()
    try:
        _run(check_url(url, allow_private=settings.webhooks_may_reach_private))
    except WebhookTargetRefused as exc:
        raise click.BadParameter(str(exc), param_hint="--url") from exc

    async def go(settings: Settings) -> str | None:
        async with context_scope(settings, null_pool=True) as ctx, ctx.sessions() as session:
            partner = await by_name(session=session, name=name)
            if partner is None:
                raise click.ClickException(f"no partner named {name!r}")
            try:
                secret = set_webhook(partner, url, settings.secret_key, keep_secret=keep_secret)
            except ValueError as exc:
                raise click.ClickException(f"{exc}: set one without --keep-secret") from exc
            session.add(partner)
            await session.commit()
        return secret

    secret = _run(go(settings))
    click.echo(json.dumps({"partner": name, "webhook_url": url, "webhook_secret": secret}))
