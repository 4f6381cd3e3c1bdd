"""Stored secrets across a ZAN_SECRET_KEY rotation (README, "Rotating the secret key"): what `zan keys status` and
`zan keys reseal` do with a sealed value no key opens, and with a partner secret rotated while they run.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select, update

from backend.context import Context
from backend.keys import service as keys
from backend.lib.crypto import TokenError, key_id, seal, unseal
from backend.partners.models import Partner
from tests.helpers import PartnerClient, until_lock_waiters

pytestmark = pytest.mark.anyio

# sealed values as a bad restore, a hand edit or a cut-off copy leaves them: not base64, too short for a nonce,
# cut in the middle of a base64 quantum, not ASCII
DAMAGED = ("v1.", "v1.AAAA", "v1.a", "v1.\u00e9t\u00e9", "v1.%%%%")


@pytest.mark.parametrize("damaged", DAMAGED)
def test_a_damaged_seal_is_a_token_error(damaged: str) -> None:
    """Every caller catches TokenError (a partner refused with a 401 and an ERROR line, a value named unreadable):
    a ValueError from the base64 or the cipher got past them all."""
    with pytest.raises(TokenError):
        unseal(("k",), damaged)
    good = seal("k", "secret")
    assert unseal(("other", "k"), good) == "secret"


async def test_a_damaged_partner_secret_is_named_not_a_crash(ctx: Context, partner: dict[str, str],
                                                            citizen: PartnerClient) -> None:
    old, new = ctx.settings.secret_key, f"rotated-{uuid.uuid4().hex}"
    rotated = (new, old)
    async with ctx.sessions() as session:
        await session.execute(update(Partner).where(Partner.id == uuid.UUID(partner["id"]))  # type: ignore[arg-type]
                              .values(secret_sealed="v1.AAAA", webhook_secret_sealed=seal(old, "hook-secret")))
        await session.commit()
    # the partner is refused as one whose key cannot be opened (401), not with a 500
    refused = await citizen.get("/api/v1/reports")
    assert refused.status_code == 401, refused.text
    async with ctx.sessions() as session:
        before = await keys.status(session, rotated)
        assert dict(before.secrets) == {keys.UNKNOWN: 1, key_id(old): 1}
        # the damaged value is named; the partner's other sealed values are still moved to the new key
        done = await keys.reseal(session, rotated)
        assert (done["resealed"], done["unreadable"]) == (1, [f"{partner['name']}:secret_sealed"])
        assert dict((await keys.status(session, rotated)).secrets) == {keys.UNKNOWN: 1, key_id(new): 1}


async def test_reseal_keeps_a_partner_secret_rotated_meanwhile(ctx: Context, partner: dict[str, str]) -> None:
    """`zan partners rotate-secret` (which locks the partner's row) commits while `zan keys reseal` runs. Reseal read
    the old secret and wrote it back re-sealed over the new one: the partner's new secret, already handed over,
    was refused (401) from then on, and the old one it had just retired was accepted again."""
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the rotation cannot land in the middle of the reseal")
    old, new = ctx.settings.secret_key, f"rotated-{uuid.uuid4().hex}"
    rotated = (new, old)
    pid = uuid.UUID(partner["id"])
    async with ctx.sessions() as rotation:
        # as backend.partners.admin.rotate_secret does it, already under the new key, not yet committed
        row = await rotation.scalar(select(Partner).where(Partner.id == pid).with_for_update())  # type: ignore[arg-type]
        assert row is not None
        row.previous_secret_sealed, row.secret_sealed = row.secret_sealed, seal(new, "the-new-secret")
        await rotation.flush()

        async def resealing() -> dict[str, object]:
            async with ctx.sessions() as session:
                return await keys.reseal(session, rotated)

        task = asyncio.create_task(resealing())
        await until_lock_waiters(ctx, 1, task)
        await rotation.commit()
    await task
    async with ctx.sessions() as session:
        stored = await session.get(Partner, pid)
        assert stored is not None
        assert unseal((new,), stored.secret_sealed) == "the-new-secret"
        assert stored.previous_secret_sealed is not None
        assert unseal((new,), stored.previous_secret_sealed) == partner["secret"]  # moved to the new key as well
