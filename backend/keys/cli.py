"""`zan keys ...`: a new key, what each configured key still holds, and re-sealing stored secrets after a rotation."""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from backend.settings import Settings


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
    ledger under it now (after a rotation: README, "Rotating the secret key"). Exits 1 when the ledger's head is
    still not under the current key afterwards."""
    from backend.context import run_in_session

    done, head, known = run_in_session(_reseal)
    click.echo(json.dumps({**done, "ledger": head}))
    if not head["under_current_key"]:
        # the sealer seals nothing on a head no configured key made (it logs why): the record sealed under the old
        # key stays rewritable by whoever holds that key, which is what step 3 of a rotation is for (README). The
        # secrets above are re-sealed, so a rerun once the keys are right only moves the ledger
        seal = f"the ledger's head seal {head['head']}"
        raise click.ClickException(
            f"{seal} could not be moved to the current key (the sealer refused to seal on it); run `zan "
            "ledger verify` to see why" if known else
            f"{seal} is under key {head['key_id']}, which is not configured, so nothing was sealed under the new "
            "key: add that key to ZAN_PREVIOUS_SECRET_KEYS if it is the old one (or make it ZAN_SECRET_KEY if it is "
            "newer), then run `zan keys reseal` again")


async def _reseal(session: AsyncSession, settings: Settings) -> tuple[dict[str, object], dict[str, Any], bool]:
    """What `reseal` did; the ledger's head after it (its id, its key, whether the current key made it); and whether
    the head's key is configured at all."""
    from backend.keys.service import reseal
    from backend.ledger.record import made_by
    from backend.ledger.service import latest_seal
    from backend.lib.crypto import key_id

    done = await reseal(session, settings.secret_keys)
    last = await latest_seal(session)
    await session.commit()
    # made by the current key (its MAC checks), as the sealer asks before it seals on a head: one naming the key
    # but changed by hand is not under it either. No seal yet: the first one will be the current key's
    current = last is None or made_by(settings.secret_keys, last) == 0
    known = last is None or last.key_id is None or last.key_id in {key_id(key) for key in settings.secret_keys}
    return done, {"head": None if last is None else last.id, "key_id": None if last is None else last.key_id,
                  "under_current_key": current}, known
