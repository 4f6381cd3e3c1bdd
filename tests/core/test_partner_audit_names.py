"""A partner app's name is its channel, lower-cased, in every report and event it files; and its key's secrets
never print (audit 2026-12-07)."""

from __future__ import annotations

import pytest

from backend.context import Context
from backend.partners.service import CHANNEL_MAX, PartnerKey, create

pytestmark = pytest.mark.anyio


async def test_a_name_whose_lower_case_outgrows_the_channel_is_refused(ctx: Context) -> None:
    """"İ" lower-cases to two characters: a 30-character name of them fitted the check and overflowed the channel
    column with every report the app filed (on PostgreSQL a 500 for each)."""
    name = "İ" * CHANNEL_MAX
    assert len(name) == CHANNEL_MAX < len(name.lower())
    async with ctx.sessions() as session:
        with pytest.raises(ValueError, match="channel"):
            await create(session=session, secret_key=ctx.settings.secret_key, name=name)
        fits = await create(session=session, secret_key=ctx.settings.secret_key, name="İ" * (CHANNEL_MAX // 2))
    assert len(fits.name.lower()) == CHANNEL_MAX


def test_a_partner_keys_secrets_are_not_in_its_repr() -> None:
    key = PartnerKey(secret="s3cr3t-now", name="kaspi", previous="s3cr3t-before", previous_until=1.0)
    assert "s3cr3t" not in repr(key) and "kaspi" in repr(key)
