"""Finding or creating the citizen behind a request."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.citizens.models import Citizen
from backend.lib.crypto import keyed_hash


def iin_hash(secret_key: str, iin: str) -> str:
    return keyed_hash(secret_key, "iin", iin)


async def _get_or_create(session: AsyncSession, column: Any, value: str, make: Citizen) -> Citizen:
    """Look up by a unique column; on a concurrent first request the loser re-reads the winner's row."""
    found = await session.scalar(select(Citizen).where(column == value))
    if found:
        return found
    try:
        async with session.begin_nested():
            session.add(make)
    except IntegrityError:
        found = await session.scalar(select(Citizen).where(column == value))
        assert found is not None
        return found
    return make


async def get_or_create_by_iin(*, session: AsyncSession, secret_key: str, iin: str, language: str = "ru") -> Citizen:
    """The citizen a partner authenticated, created on first sight."""
    digest = iin_hash(secret_key, iin)
    make = Citizen(iin_hash=digest, iin_last4=iin[-4:], identity_verified=True, language=language)
    return await _get_or_create(session, Citizen.iin_hash, digest, make)


async def get_or_create_external(
    *, session: AsyncSession, secret_key: str, channel: str, external_id: str, language: str = "ru"
) -> Citizen:
    """A citizen known only by a messenger account (identity unverified): their reports say so."""
    ref = f"{channel}:{keyed_hash(secret_key, channel, external_id)[:32]}"
    make = Citizen(external_ref=ref, identity_verified=False, language=language)
    return await _get_or_create(session, Citizen.external_ref, ref, make)
