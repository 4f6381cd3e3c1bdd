"""What each configured key still holds, and re-sealing stored secrets under the current key.

A rotation puts a new `ZAN_SECRET_KEY` in place and the old one in `ZAN_PREVIOUS_SECRET_KEYS`. From then on:
- partner secrets and webhook secrets sealed under the old key still open; `reseal` moves them to the new key;
- a citizen's keyed hash (IIN, messenger id) under the old key is found and re-keyed on the citizen's next request;
- ledger seals made under the old key verify under it, and the first seal under the new key chains to them, so even
  a holder of the old key cannot rewrite the record sealed before the rotation without breaking that link;
- tokens (officer sessions, cursors, upload and download links) are checked under the current key only: a rotation
  ends them, which is what a rotation after a leak needs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.citizens.models import Citizen
from backend.ledger.models import LedgerSeal
from backend.ledger.record import made_by
from backend.ledger.service import seal_pending
from backend.lib.crypto import TokenError, key_id, seal, unseal_with
from backend.partners.models import Partner

BEFORE_KEY_IDS = "before-key-ids"  # rows keyed before key ids were stored: which key made them is not known
UNKNOWN = "not-configured"  # opened by no configured key


@dataclass
class KeyStatus:
    current: str
    previous: list[str]
    # per key id: how many stored partner/webhook secrets, citizens and ledger seals it keyed
    secrets: Counter[str] = field(default_factory=Counter)
    citizens: Counter[str] = field(default_factory=Counter)
    seals: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {"current": self.current, "previous": self.previous, "secrets": dict(self.secrets),
                "citizens": dict(self.citizens), "seals": dict(self.seals)}


# a partner's sealed secrets: its signing secret, the one a rotation's grace still accepts, its webhook secret
_SEALED = ("secret_sealed", "previous_secret_sealed", "webhook_secret_sealed")


def _sealed_values(partner: Partner) -> list[str]:
    return [value for value in (getattr(partner, attribute) for attribute in _SEALED) if value]


async def status(session: AsyncSession, secret_keys: tuple[str, ...]) -> KeyStatus:
    ids = {key: key_id(key) for key in secret_keys}
    report = KeyStatus(current=ids[secret_keys[0]], previous=[ids[key] for key in secret_keys[1:]])
    for partner in await session.scalars(sa.select(Partner)):
        for value in _sealed_values(partner):
            try:
                report.secrets[ids[unseal_with(secret_keys, value)[1]]] += 1
            except TokenError:
                report.secrets[UNKNOWN] += 1
    citizen_key, seal_key = col(Citizen.key_id), col(LedgerSeal.key_id)
    for kid, count in await session.execute(sa.select(citizen_key, sa.func.count()).group_by(citizen_key)):
        report.citizens[kid or BEFORE_KEY_IDS] += count
    for kid, count in await session.execute(sa.select(seal_key, sa.func.count()).where(seal_key.is_not(None))
                                            .group_by(seal_key)):
        report.seals[str(kid)] += count
    # seals made before key ids name no key, and cannot be given one (they are append-only): the key whose MAC
    # matches is the one they need
    for old in await session.scalars(sa.select(LedgerSeal).where(seal_key.is_(None))):
        position = made_by(secret_keys, old)
        report.seals[UNKNOWN if position is None else ids[secret_keys[position]]] += 1
    return report


async def reseal(session: AsyncSession, secret_keys: tuple[str, ...]) -> dict[str, object]:
    """Seal every stored secret that an earlier key opens under the current key (secrets no configured key opens
    are left as they are, and named), and seal the ledger under it."""
    current = secret_keys[0]
    resealed, unreadable = 0, []
    # locked, as `zan partners rotate-secret` locks the row it changes: read unlocked, a rotation committing meanwhile
    # was overwritten by the old secret re-sealed (the partner's new secret refused, the one it retired accepted)
    for partner in await session.scalars(sa.select(Partner).order_by(Partner.name).with_for_update()):
        for attribute in _SEALED:
            value = getattr(partner, attribute)
            if not value:
                continue
            try:
                plain, opened_by = unseal_with(secret_keys, value)
            except TokenError:
                unreadable.append(f"{partner.name}:{attribute}")
                continue
            if opened_by != current:
                setattr(partner, attribute, seal(current, plain))
                resealed += 1
    await session.commit()
    # and the ledger's head moves to the current key now, not at the next minute's seal (until it does, `zan
    # ledger verify` reports the head as made under an earlier key)
    await seal_pending(session, secret_keys)
    return {"current": key_id(current), "resealed": resealed, "unreadable": unreadable}
