"""`zan keys reseal` when the ledger cannot move to the new key (README, "Rotating the secret key", step 3: "a seal
under the new key at once").

The sealer seals nothing on a head seal that no configured key made (a newer key's, in a rolling deploy; or the old
key left out of ZAN_PREVIOUS_SECRET_KEYS): reseal then exited 0 and said nothing, while /health showed
`head_key_current: false` and the record sealed under the old key stayed rewritable by whoever holds that key.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import anyio
import pytest
from click.testing import CliRunner, Result

from backend.context import Context
from backend.keys.cli import keys as keys_cli
from backend.ledger.service import latest_seal, seal_pending
from backend.lib.crypto import key_id
from tests.ledger.records import record_report

pytestmark = pytest.mark.anyio


async def _reseal(ctx: Context, *secret_keys: str) -> Result:
    env = {"ZAN_DATABASE_URL": ctx.settings.database_url, "ZAN_VAR_DIR": str(ctx.settings.var_dir),
           "ZAN_SECRET_KEY": secret_keys[0], "ZAN_PREVIOUS_SECRET_KEYS": ",".join(secret_keys[1:])}
    result: Result = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(keys_cli, ["reseal"], env=env))
    return result


async def _sealed_under_the_old_key(ctx: Context) -> Any:
    await record_report(ctx)
    async with ctx.sessions() as session:
        assert await seal_pending(session, ctx.settings.secret_keys)
        return await latest_seal(session)


async def test_reseal_fails_when_the_ledger_stays_under_a_key_not_configured(ctx: Context) -> None:
    head = await _sealed_under_the_old_key(ctx)
    old, new = ctx.settings.secret_key, f"rotated-{uuid.uuid4().hex}"
    result = await _reseal(ctx, new)  # the old key left out of ZAN_PREVIOUS_SECRET_KEYS
    assert result.exit_code == 1, result.output
    printed = json.loads(result.stdout)  # what was done is still printed, for scripts
    assert printed["current"] == key_id(new)
    assert printed["ledger"] == {"head": head.id, "key_id": key_id(old), "under_current_key": False}
    # one line, naming the key and what to do
    [said] = result.stderr.strip().splitlines()
    assert key_id(old) in said and "ZAN_PREVIOUS_SECRET_KEYS" in said and "zan keys reseal" in said, said
    async with ctx.sessions() as session:
        assert (await latest_seal(session)).id == head.id  # nothing was sealed on it


async def test_reseal_fails_in_a_process_still_on_the_old_key(ctx: Context) -> None:
    """A rolling deploy: the head already moved to the new key, and reseal is run where the old one is current."""
    await _sealed_under_the_old_key(ctx)
    old, new = ctx.settings.secret_key, f"rotated-{uuid.uuid4().hex}"
    async with ctx.sessions() as session:
        [moved] = await seal_pending(session, (new, old))
    result = await _reseal(ctx, old)
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["ledger"] == {"head": moved.id, "key_id": key_id(new), "under_current_key": False}
    assert key_id(new) in result.stderr


async def test_reseal_exits_0_once_the_head_is_under_the_new_key(ctx: Context) -> None:
    await _sealed_under_the_old_key(ctx)
    old, new = ctx.settings.secret_key, f"rotated-{uuid.uuid4().hex}"
    result = await _reseal(ctx, new, old)
    assert result.exit_code == 0, result.output
    async with ctx.sessions() as session:
        head = await latest_seal(session)
    assert json.loads(result.stdout)["ledger"] == {"head": head.id, "key_id": key_id(new), "under_current_key": True}
    assert result.stderr == ""


async def test_reseal_on_an_empty_ledger_exits_0(ctx: Context) -> None:
    """Nothing sealed yet: the first seal will be the new key's."""
    result = await _reseal(ctx, f"rotated-{uuid.uuid4().hex}", ctx.settings.secret_key)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ledger"] == {"head": None, "key_id": None, "under_current_key": True}
