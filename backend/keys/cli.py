"""`zan keys ...`: a new key, what each configured key still holds, and re-sealing stored secrets after a rotation."""

from __future__ import annotations

import json
import secrets

import click


@click.group()
def keys() -> None:
    """ZAN_SECRET_KEY rotation (the old key goes to ZAN_PREVIOUS_SECRET_KEYS)."""


@keys.command("new")
def new_cmd() -> None:
    """Print a fresh random key and its id (the id is what seals and citizens record; it reveals nothing)."""
    from backend.lib.crypto import key_id

    key = secrets.token_hex(32)
    click.echo(json.dumps({"key": key, "id": key_id(key)}))


@keys.command("status")
def status_cmd() -> None:
    """Per key id: the stored secrets it seals, the citizens it keys, the ledger seals it made."""
    from backend.context import run_in_session
    from backend.keys.service import status

    report = run_in_session(lambda session, settings: status(session, settings.secret_keys))
    click.echo(json.dumps(report.as_dict(), indent=2))


@keys.command("reseal")
def reseal_cmd() -> None:
    """Re-seal the partner and webhook secrets that an earlier key still opens under the current key, and seal the
    ledger under it now (after a rotation: README, "Rotating the secret key")."""
    from backend.context import run_in_session
    from backend.keys.service import reseal

    click.echo(json.dumps(run_in_session(lambda session, settings: reseal(session, settings.secret_keys))))
