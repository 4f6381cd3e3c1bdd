"""Finding or creating the citizen behind a request."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.citizens.models import Citizen
from backend.lib.crypto import key_id, keyed_hash


def iin_hash(secret_key: str, iin: str) -> str:
    return keyed_hash(secret_key, "iin", iin)


def _external_ref(secret_key: str, channel: str, external_id: str) -> str:
    return f"{channel}:{keyed_hash(secret_key, channel, external_id)[:32]}"


async def _get_or_create(session: AsyncSession, column: Any, values: list[str], make: Citizen) -> Citizen:
    """Look up by a unique column whose value is keyed: `values[0]` under the current key, the rest under the keys
    it replaced. A citizen found under an earlier key is re-keyed in the caller's transaction, so the old key stops
    being needed for them. On a concurrent first request the loser re-reads the winner's row."""
    current = values[0]
    found = list(await session.scalars(select(Citizen).where(column.in_(values))))
    if found:
        citizen = next((c for c in found if getattr(c, column.key) == current), found[0])
        if getattr(citizen, column.key) != current or citizen.key_id is None:  # (None: keyed before key ids)
            setattr(citizen, column.key, current)
            citizen.key_id = make.key_id
            session.add(citizen)
        return citizen
    try:
        async with session.begin_nested():
            session.add(make)
    except IntegrityError:
        winner = await session.scalar(select(Citizen).where(column == current))
        assert winner is not None
        return winner
    return make


async def get_or_create_by_iin(*, session: AsyncSession, secret_keys: tuple[str, ...], iin: str,
                               language: str = "ru") -> Citizen:
    """The citizen a partner authenticated, created on first sight."""
    digests = [iin_hash(key, iin) for key in secret_keys]
    make = Citizen(iin_hash=digests[0], iin_last4=iin[-4:], key_id=key_id(secret_keys[0]), identity_verified=True,
                   language=language)
    return await _get_or_create(session, Citizen.iin_hash, digests, make)


async def get_or_create_external(
    *, session: AsyncSession, secret_keys: tuple[str, ...], channel: str, external_id: str, language: str = "ru"
) -> Citizen:
    """A citizen known only by a messenger account (identity unverified): their reports say so."""
    refs = [_external_ref(key, channel, external_id) for key in secret_keys]
    make = Citizen(external_ref=refs[0], key_id=key_id(secret_keys[0]), identity_verified=False, language=language)
    return await _get_or_create(session, Citizen.external_ref, refs, make)
