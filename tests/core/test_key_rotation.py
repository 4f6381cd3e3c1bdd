"""Rotating ZAN_SECRET_KEY: the new key in place, the old one in ZAN_PREVIOUS_SECRET_KEYS.

The same database is served first under the old key, then under the new key with the old one kept, then under the
new key alone: partners, citizens and the sealed record carry over; sessions and links do not.
"""

from __future__ import annotations

import json
import uuid
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

import anyio
import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from backend.citizens.models import Citizen
from backend.citizens.service import iin_hash
from backend.context import Context
from backend.keys import service as keys
from backend.keys.cli import keys as keys_cli
from backend.ledger.service import seal_pending
from backend.ledger.verify import verify
from backend.lib.crypto import key_id
from backend.partners.admin import rotate_secret
from backend.reports.models import Report
from backend.settings import Settings
from tests.helpers import PartnerClient, eventually, serving

pytestmark = pytest.mark.anyio


def _served(ctx: Context, *secret_keys: str) -> AbstractAsyncContextManager[tuple[Context, httpx.AsyncClient]]:
    """The same database served by another process whose ZAN_SECRET_KEY is `secret_keys[0]` and whose
    ZAN_PREVIOUS_SECRET_KEYS are the rest (fresh caches, as after a restart)."""
    return serving(ctx.settings.with_(secret_key=secret_keys[0], previous_secret_keys=secret_keys[1:]))


async def _seal(ctx: Context) -> None:
    async with ctx.sessions() as session:
        await seal_pending(session, ctx.settings.secret_keys)


async def test_a_rotation_keeps_partners_citizens_and_the_sealed_record(ctx: Context, citizen: PartnerClient) -> None:
    old, new = ctx.settings.secret_key, f"rotated-{uuid.uuid4().hex}"
    created = await citizen.submit()
    assert created.status_code == 201, created.text
    report = created.json()["id"]

    async def routed() -> bool:
        async with ctx.sessions() as session:
            row = await session.get(Report, uuid.UUID(report))
            return row is not None and row.routing_state in ("done", "failed")

    # the in-process relay routes the report in the background, appending its events: let it finish first, or
    # the rows it appends after the last seal below would read as pending (a race that showed under load)
    await eventually(routed, timeout=60)
    await _seal(ctx)

    # the new key alone, before anything was moved: the partner's secret does not open (401, not a crash)
    async with _served(ctx, new) as (_, client):
        assert (await citizen.via(client).get(f"/api/v1/reports/{report}")).status_code == 401

    async with _served(ctx, new, old) as (rotated, client):
        same = citizen.via(client)
        got = await same.get(f"/api/v1/reports/{report}")
        assert got.status_code == 200, got.text  # the same citizen: found under the old key's hash of the IIN
        async with rotated.sessions() as session:
            [row] = list(await session.scalars(select(Citizen)))
        assert (row.iin_hash, row.key_id) == (iin_hash(new, citizen.iin), key_id(new))  # re-keyed on sight

        assert (await client.get("/health")).json()["ledger"]["head_key_current"] is False  # until `reseal`
        async with rotated.sessions() as session:
            before = await keys.status(session, rotated.settings.secret_keys)
            assert (before.current, before.previous) == (key_id(new), [key_id(old)])
            assert dict(before.secrets) == {key_id(old): 1}
            assert dict(before.citizens) == {key_id(new): 1}
            old_seals = before.seals[key_id(old)]
            assert old_seals >= 1 and set(before.seals) == {key_id(old)}
            assert await keys.reseal(session, rotated.settings.secret_keys) == {
                "current": key_id(new), "resealed": 1, "unreadable": []}
            assert dict((await keys.status(session, rotated.settings.secret_keys)).secrets) == {key_id(new): 1}
        rotated.extras.pop("health_ledger")
        assert (await client.get("/health")).json()["ledger"]["head_key_current"] is True

        commented = await same.post(f"/api/v1/reports/{report}/comments", {"text": "Номер машины 123ABC01"},
                                    headers={"Idempotency-Key": str(uuid.uuid4())})
        assert commented.status_code == 201, commented.text
        async with rotated.sessions() as session:
            await seal_pending(session, rotated.settings.secret_keys)
            both = await verify(session, (new, old))
            without_old = await verify(session, (new,))
        assert both.intact and both.pending == 0, both
        kids = [seal.key_id for seal in both.seals]
        # `reseal` moved the head to the new key; the new chain goes on from the old one
        assert kids == [key_id(old)] * old_seals + [key_id(new)] * (len(kids) - old_seals) and len(kids) > old_seals
        assert both.seals[old_seals].prev_mac == both.seals[old_seals - 1].mac
        # without the key that made them, the old seals cannot be checked: not intact, and said why
        assert without_old.broken_seals == [(n, "key") for n in range(1, old_seals + 1)]

    # the old key retired: the re-sealed partner and the re-keyed citizen need only the new one
    async with _served(ctx, new) as (_, client):
        assert (await citizen.via(client).get(f"/api/v1/reports/{report}")).status_code == 200


async def test_a_citizen_under_a_retired_key_is_a_stranger(ctx: Context, citizen: PartnerClient) -> None:
    """Why the old key stays configured until its citizens come back: without it nobody can find them."""
    old, new = ctx.settings.secret_key, f"rotated-{uuid.uuid4().hex}"
    report = (await citizen.submit()).json()["id"]
    async with _served(ctx, new, old) as (rotated, _), rotated.sessions() as session:
        await keys.reseal(session, rotated.settings.secret_keys)  # the partner moves; the citizen has not come back
    async with _served(ctx, new) as (_, client):
        assert (await citizen.via(client).get(f"/api/v1/reports/{report}")).status_code == 404


async def test_a_citizen_keyed_before_key_ids_is_stamped_on_sight(ctx: Context, citizen: PartnerClient) -> None:
    report = (await citizen.submit()).json()["id"]
    async with ctx.sessions() as session:
        await session.execute(update(Citizen).values(key_id=None))  # as rows made before revision j1 are
        await session.commit()
        assert dict((await keys.status(session, ctx.settings.secret_keys)).citizens) == {keys.BEFORE_KEY_IDS: 1}
    async with _served(ctx, ctx.settings.secret_key) as (served, client):
        assert (await citizen.via(client).get(f"/api/v1/reports/{report}")).status_code == 200
        async with served.sessions() as session:
            assert dict((await keys.status(session, served.settings.secret_keys)).citizens) == {
                key_id(ctx.settings.secret_key): 1}


async def test_a_rotation_ends_sessions_and_links(ctx: Context, citizen: PartnerClient) -> None:
    """Tokens are checked under the current key only: after a leak, what the leaked key signed must stop working."""
    for _ in range(2):
        assert (await citizen.submit()).status_code == 201
    cursor = (await citizen.get("/api/v1/reports?limit=1")).json()["next_cursor"]
    assert cursor
    async with _served(ctx, f"rotated-{uuid.uuid4().hex}", ctx.settings.secret_key) as (_, client):
        page = await citizen.via(client).get(f"/api/v1/reports?limit=1&cursor={cursor}")
    assert page.status_code == 400 and page.json()["code"] == "pagination.cursor_invalid"


async def test_the_keys_cli_reports_and_reseals(ctx: Context, partner: dict[str, str]) -> None:
    old, new = ctx.settings.secret_key, f"rotated-{uuid.uuid4().hex}"
    env = {"ZAN_DATABASE_URL": ctx.settings.database_url, "ZAN_VAR_DIR": str(ctx.settings.var_dir),
           "ZAN_SECRET_KEY": new, "ZAN_PREVIOUS_SECRET_KEYS": f"{old}, {new}"}  # the current key is never "previous"

    def run(*args: str) -> dict[str, object]:
        result = CliRunner().invoke(keys_cli, list(args), env=env)
        assert result.exit_code == 0, result.output
        loaded: dict[str, object] = json.loads(result.output)
        return loaded

    fresh = await anyio.to_thread.run_sync(run, "new")
    assert fresh["id"] == key_id(str(fresh["key"])) and len(str(fresh["key"])) == 64
    before = await anyio.to_thread.run_sync(run, "status")
    assert before["previous"] == [key_id(old)] and before["secrets"] == {key_id(old): 1}
    assert (await anyio.to_thread.run_sync(run, "reseal"))["resealed"] == 1
    assert (await anyio.to_thread.run_sync(run, "status"))["secrets"] == {key_id(new): 1}
    assert (await anyio.to_thread.run_sync(run, "reseal"))["resealed"] == 0  # a second run changes nothing


async def test_a_partner_secret_in_its_rotation_grace_is_resealed_too(ctx: Context, partner: dict[str, str]) -> None:
    """The old secret a partner's rotation still accepts is sealed like the others: left under a retired key it
    would stop working before its grace ended."""
    await rotate_secret(ctx, partner_id=uuid.UUID(partner["id"]), grace=timedelta(minutes=30))
    new = f"rotated-{uuid.uuid4().hex}"
    rotated = (new, ctx.settings.secret_key)
    async with ctx.sessions() as session:
        assert (await keys.status(session, rotated)).secrets == {key_id(ctx.settings.secret_key): 2}
        assert (await keys.reseal(session, rotated))["resealed"] == 2
        assert (await keys.status(session, rotated)).secrets == {key_id(new): 2}


def test_previous_keys_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("ZAN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("ZAN_SECRET_KEY", "k-new")
    monkeypatch.setenv("ZAN_PREVIOUS_SECRET_KEYS", "k-old, k-older k-old,k-new")
    settings = Settings.from_env()
    assert settings.secret_keys == ("k-new", "k-old", "k-older")
    monkeypatch.delenv("ZAN_PREVIOUS_SECRET_KEYS")
    assert Settings.from_env().secret_keys == ("k-new",)
