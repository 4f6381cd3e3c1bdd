"""`zan keys ...`: a new key, what each configured key still holds, and re-sealing stored secrets after a rotation."""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

import click

from backend.settings import Settings


@click.group()
def keys() -> None:
    """ZAN_SECRET_KEY rotation (the old key goes to ZAN_PREVIOUS_SECRET_KEYS)."""


async def _in_session(work: Any) -> Any:
    from backend.context import context_scope

    settings = Settings.from_env()
    async with context_scope(settings, null_pool=True) as ctx, ctx.sessions() as session:
        return await work(session, settings.secret_keys)


@keys.command("new")
def new_cmd() -> None:
    """Print a fresh random key and its id (the id is what seals and citizens record; it reveals nothing)."""
    from backend.lib.crypto import key_id

    key = secrets.token_hex(32)
    click.echo(json.dumps({"key": key, "id": key_id(key)}))


@keys.command("status")
def status_cmd() -> None:
    """Per key id: the stored secrets it seals, the citizens it keys, the ledger seals it made."""
    from backend.keys.service import status

    click.echo(json.dumps(asyncio.run(_in_session(status)).as_dict(), indent=2))


@keys.command("reseal")
def reseal_cmd() -> None:
    """Re-seal the partner and webhook secrets that an earlier key still opens under the current key, and seal the
    ledger under it now (after a rotation: README, "Rotating the secret key")."""
    from backend.keys.service import reseal

    click.echo(json.dumps(asyncio.run(_in_session(reseal))))
